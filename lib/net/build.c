/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Frames the host stack sends from the control lcore: ARP, neighbour
 * discovery, ICMP echo replies and UDP datagrams. Every builder writes a
 * whole frame, computes every checksum, and checks cap before writing.
 */
#include <errno.h>

#include "net_priv.h"

static const uint8_t bcast_mac[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t all_nodes[16] = {0xff, 0x02, [15] = 0x01};

static void
eth_write(uint8_t *out, const uint8_t *dst, const uint8_t *src, uint16_t type)
{
	memcpy(out, dst, 6);
	memcpy(out + 6, src, 6);
	wr16(out + 12, type);
}

/* ---- ARP ---- */

static void
arp_write(uint8_t *out, uint16_t op, const struct vh_net_if *ifc, const uint8_t *tha,
	const uint8_t *tpa)
{
	uint8_t *a = out + ETH_LEN;

	wr16(a, RTE_ARP_HRD_ETHER);
	wr16(a + 2, RTE_ETHER_TYPE_IPV4);
	a[4] = 6;
	a[5] = 4;
	wr16(a + 6, op);
	memcpy(a + 8, ifc->mac, 6);
	memcpy(a + 14, &ifc->ip4, 4);
	memcpy(a + 18, tha, 6);
	memcpy(a + 24, tpa, 4);
}

int
vh_net_arp_reply(
	const struct vh_net_if *ifc, const struct vh_net_pkt *req, uint8_t *out, size_t cap)
{
	if (req->kind != VH_NET_ARP || req->arp_op != VH_NET_ARP_REQUEST || ifc->ip4 == 0 ||
		memcmp(req->dst, &ifc->ip4, 4) != 0 || !req->has_lladdr)
		return -EINVAL;
	if (cap < VH_NET_ARP_LEN)
		return -ENOSPC;
	eth_write(out, req->lladdr, ifc->mac, RTE_ETHER_TYPE_ARP);
	arp_write(out, VH_NET_ARP_REPLY, ifc, req->lladdr, req->src);
	return VH_NET_ARP_LEN;
}

int
vh_net_arp_request(const struct vh_net_if *ifc, uint32_t target_ip4, const uint8_t *dst_mac,
	uint8_t *out, size_t cap)
{
	static const uint8_t zero_mac[6];

	if (ifc->ip4 == 0 || target_ip4 == 0)
		return -EINVAL;
	if (cap < VH_NET_ARP_LEN)
		return -ENOSPC;
	eth_write(out, dst_mac != NULL ? dst_mac : bcast_mac, ifc->mac, RTE_ETHER_TYPE_ARP);
	/* target hardware address zero even when unicast, as Linux and RFC 5227 do */
	arp_write(out, VH_NET_ARP_REQUEST, ifc, zero_mac, (const uint8_t *)&target_ip4);
	return VH_NET_ARP_LEN;
}

/* ---- IPv6 headers ---- */

static void
ip6_write(uint8_t *out, const uint8_t *src, const uint8_t *dst, uint16_t plen, uint8_t nh,
	uint8_t hops)
{
	uint8_t *h = out + ETH_LEN;

	h[0] = 0x60;
	h[1] = h[2] = h[3] = 0;
	wr16(h + 4, plen);
	h[6] = nh;
	h[7] = hops;
	memcpy(h + 8, src, 16);
	memcpy(h + 24, dst, 16);
}

/* Checksum of the l4 part of a frame whose IPv6 header is complete. */
static void
ip6_l4_csum(uint8_t *out, size_t csum_off)
{
	const struct rte_ipv6_hdr *ip = (const struct rte_ipv6_hdr *)(out + ETH_LEN);
	uint16_t c;

	out[csum_off] = out[csum_off + 1] = 0;
	c = rte_ipv6_udptcp_cksum(ip, out + ETH_LEN + IP6_LEN);
	memcpy(out + csum_off, &c, 2);
}

/* ---- neighbour discovery (RFC 4861) ---- */

static void
nd_write(uint8_t *out, uint8_t type, uint8_t flags, const uint8_t *target, uint8_t opt,
	const uint8_t *mac)
{
	uint8_t *c = out + ETH_LEN + IP6_LEN;

	memset(c, 0, ND_LEN);
	c[0] = type;
	c[4] = flags;
	memcpy(c + 8, target, 16);
	c[ND_LEN] = opt;
	c[ND_LEN + 1] = 1;
	memcpy(c + ND_LEN + 2, mac, 6);
	ip6_l4_csum(out, ETH_LEN + IP6_LEN + 2);
}

int
vh_net_nd_na(const struct vh_net_if *ifc, const struct vh_net_pkt *ns, uint8_t *out, size_t cap)
{
	const uint8_t *dst, *dst_mac;
	uint8_t flags = VH_NET_NA_OVERRIDE, mmac[6];

	if (ns->kind != VH_NET_ND_NS || ns->ip_ver != 6 || !net_ip6_is_ours(ifc, ns->target))
		return -EINVAL;
	if (cap < VH_NET_ND_LEN)
		return -ENOSPC;
	if (ip6_is_zero(ns->src)) {
		/* answer to a duplicate address detection probe: everyone must hear it */
		dst = all_nodes;
		ip6_mcast_mac(mmac, all_nodes);
		dst_mac = mmac;
	} else {
		flags |= VH_NET_NA_SOLICITED;
		dst = ns->src;
		dst_mac = ns->has_lladdr ? ns->lladdr : ns->src_mac;
	}
	eth_write(out, dst_mac, ifc->mac, RTE_ETHER_TYPE_IPV6);
	ip6_write(out, ns->target, dst, ND_LEN + 8, IPPROTO_ICMPV6, ND_HOP_LIMIT);
	nd_write(out, ICMP6_NA, flags, ns->target, ND_OPT_TLLA, ifc->mac);
	return VH_NET_ND_LEN;
}

int
vh_net_nd_ns(const struct vh_net_if *ifc, const uint8_t target[16], const uint8_t *dst_mac,
	uint8_t *out, size_t cap)
{
	uint8_t group[16], mmac[6];
	const uint8_t *dst = target;

	if (ip6_is_zero(target) || ip6_is_multicast(target))
		return -EINVAL;
	if (cap < VH_NET_ND_LEN)
		return -ENOSPC;
	if (dst_mac == NULL) {
		ip6_solicited_node(group, target);
		ip6_mcast_mac(mmac, group);
		dst = group;
		dst_mac = mmac;
	}
	eth_write(out, dst_mac, ifc->mac, RTE_ETHER_TYPE_IPV6);
	ip6_write(
		out, net_ip6_src(ifc, target, true), dst, ND_LEN + 8, IPPROTO_ICMPV6, ND_HOP_LIMIT);
	nd_write(out, ICMP6_NS, 0, target, ND_OPT_SLLA, ifc->mac);
	return VH_NET_ND_LEN;
}

/* ---- ICMP echo ---- */

static void
echo_reply4(uint8_t *frame, const struct vh_net_pkt *pkt)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(frame + pkt->l3_off);
	uint8_t *c = frame + pkt->l4_off;
	uint16_t sum;

	swap_bytes((uint8_t *)&ip->src_addr, (uint8_t *)&ip->dst_addr, 4);
	ip->time_to_live = REPLY_TTL;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	c[0] = RTE_IP_ICMP_ECHO_REPLY;
	c[2] = c[3] = 0;
	sum = (uint16_t)~csum_raw(c, pkt->frame_len - pkt->l4_off);
	memcpy(c + 2, &sum, 2);
}

static void
echo_reply6(uint8_t *frame, const struct vh_net_pkt *pkt, const struct vh_net_if *ifc)
{
	uint8_t *h = frame + pkt->l3_off;

	/* the reply goes from the address asked, or from ll6 if a group was asked */
	memcpy(h + 8, ip6_is_multicast(pkt->dst) ? ifc->ll6 : pkt->dst, 16);
	memcpy(h + 24, pkt->src, 16);
	h[7] = REPLY_TTL;
	frame[pkt->l4_off] = ICMP6_ECHO_REPLY;
	ip6_l4_csum(frame, pkt->l4_off + 2);
}

int
vh_net_icmp_echo_reply_inplace(
	uint8_t *frame, const struct vh_net_pkt *pkt, const struct vh_net_if *ifc)
{
	if (pkt->kind == VH_NET_ICMP4_ECHO && pkt->ip_ver == 4 && pkt->l3_off == ETH_LEN &&
		pkt->l4_off == ETH_LEN + IP4_LEN && pkt->frame_len >= pkt->l4_off + ICMP_ECHO_LEN)
		echo_reply4(frame, pkt);
	else if (pkt->kind == VH_NET_ICMP6_ECHO && pkt->ip_ver == 6 && pkt->l3_off == ETH_LEN &&
		 pkt->l4_off == ETH_LEN + IP6_LEN && pkt->frame_len >= pkt->l4_off + ICMP_ECHO_LEN)
		echo_reply6(frame, pkt, ifc);
	else
		return -EINVAL;
	eth_write(frame, pkt->src_mac, ifc->mac,
		pkt->ip_ver == 4 ? RTE_ETHER_TYPE_IPV4 : RTE_ETHER_TYPE_IPV6);
	return pkt->frame_len;
}

int
vh_net_icmp_echo_reply(const uint8_t *frame, const struct vh_net_pkt *pkt,
	const struct vh_net_if *ifc, uint8_t *out, size_t cap)
{
	if (pkt->kind != VH_NET_ICMP4_ECHO && pkt->kind != VH_NET_ICMP6_ECHO)
		return -EINVAL;
	if (cap < pkt->frame_len)
		return -ENOSPC;
	memmove(out, frame, pkt->frame_len);
	return vh_net_icmp_echo_reply_inplace(out, pkt, ifc);
}

/* ---- UDP ---- */

static int
udp_ip4(const struct vh_net_if *ifc, const struct vh_net_flow *f, size_t len, uint8_t *out)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(out + ETH_LEN);
	uint8_t *u = out + ETH_LEN + IP4_LEN;
	uint32_t src;
	uint16_t c;

	memcpy(&src, f->src, 4);
	if (src == 0)
		src = ifc->ip4;
	if (src == 0 || len > UINT16_MAX - IP4_LEN - UDP_LEN)
		return -EINVAL;
	memset(ip, 0, IP4_LEN);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(IP4_LEN + UDP_LEN + len));
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = f->ttl != 0 ? f->ttl : REPLY_TTL;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = src;
	memcpy(&ip->dst_addr, f->dst, 4);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	wr16(u, f->sport != 0 ? f->sport : ifc->udp_port);
	wr16(u + 2, f->dport);
	wr16(u + 4, (uint16_t)(UDP_LEN + len));
	u[6] = u[7] = 0;
	c = rte_ipv4_udptcp_cksum(ip, u);
	memcpy(u + 6, &c, 2);
	return VH_NET_UDP4_HDR_LEN;
}

static int
udp_ip6(const struct vh_net_if *ifc, const struct vh_net_flow *f, size_t len, uint8_t *out)
{
	const uint8_t *src = ip6_is_zero(f->src) ? net_ip6_src(ifc, f->dst, false) : f->src;
	uint8_t *u = out + ETH_LEN + IP6_LEN;

	if (src == NULL || len > UINT16_MAX - UDP_LEN)
		return -EINVAL;
	ip6_write(out, src, f->dst, (uint16_t)(UDP_LEN + len), IPPROTO_UDP,
		f->ttl != 0 ? f->ttl : REPLY_TTL);
	wr16(u, f->sport != 0 ? f->sport : ifc->udp_port);
	wr16(u + 2, f->dport);
	wr16(u + 4, (uint16_t)(UDP_LEN + len));
	ip6_l4_csum(out, ETH_LEN + IP6_LEN + 6);
	return VH_NET_UDP6_HDR_LEN;
}

int
vh_net_udp_build(const struct vh_net_if *ifc, const struct vh_net_flow *f, const uint8_t *payload,
	size_t len, uint8_t *out, size_t cap)
{
	size_t hdr;
	int rc;

	if (f->ip_ver == 4)
		hdr = VH_NET_UDP4_HDR_LEN;
	else if (f->ip_ver == 6)
		hdr = VH_NET_UDP6_HDR_LEN;
	else
		return -EINVAL;
	if (len > UINT16_MAX || (len > 0 && payload == NULL))
		return -EINVAL;
	if (cap < hdr || cap - hdr < len)
		return -ENOSPC;
	/* payload first: the checksum reads it, and it may already be in place */
	if (len > 0)
		memmove(out + hdr, payload, len);
	eth_write(out, f->dst_mac, ifc->mac,
		f->ip_ver == 4 ? RTE_ETHER_TYPE_IPV4 : RTE_ETHER_TYPE_IPV6);
	rc = f->ip_ver == 4 ? udp_ip4(ifc, f, len, out) : udp_ip6(ifc, f, len, out);
	return rc < 0 ? rc : (int)(hdr + len);
}
