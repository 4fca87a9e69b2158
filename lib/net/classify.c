/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vh_net_classify: the per-packet gate between the NIC and the node. It
 * decides, for every received frame, whether the overlay, the host stack or
 * the drop counters get it. Each rejection has its own reason so operators
 * can tell a misconfigured peer from an attack from a bug (docs/net.md).
 */
#include "net_priv.h"

#define IP6_NH_HOPOPTS 0
#define IP6_NH_ROUTING 43
#define IP6_NH_FRAGMENT 44
#define IP6_NH_AH 51
#define IP6_NH_DSTOPTS 60
#define IP6_NH_MOBILITY 135
#define IP6_NH_HIP 139
#define IP6_NH_SHIM6 140
#define IP6_NH_EXP1 253
#define IP6_NH_EXP2 254

/* Where the Ethernet destination points; decides what may follow. */
enum eth_dst { DST_OURS, DST_BCAST, DST_MCAST6 };

static const uint8_t all_nodes[16] = {0xff, 0x02, [15] = 0x01};

/* One of our solicited-node groups: ff02::1:ff + low 24 bits of an address. */
static bool
ip6_is_our_solicited(const struct vh_net_if *ifc, const uint8_t *a)
{
	uint8_t g[16];
	unsigned int n = ifc->n_ip6 < VH_NET_MAX_IP6 ? ifc->n_ip6 : VH_NET_MAX_IP6;

	ip6_solicited_node(g, ifc->ll6);
	if (memcmp(a, g, 16) == 0)
		return true;
	for (unsigned int i = 0; i < n; i++) {
		ip6_solicited_node(g, ifc->ip6[i]);
		if (memcmp(a, g, 16) == 0)
			return true;
	}
	return false;
}

static void
pkt_start(struct vh_net_pkt *pkt, const uint8_t *frame, uint8_t kind, uint8_t ver)
{
	memset(pkt, 0, sizeof(*pkt));
	pkt->kind = kind;
	pkt->ip_ver = ver;
	pkt->l3_off = ETH_LEN;
	memcpy(pkt->src_mac, frame + 6, 6);
}

static void
pkt_payload(struct vh_net_pkt *pkt, size_t l4_off, size_t payload_off, size_t end)
{
	pkt->l4_off = (uint16_t)l4_off;
	pkt->payload_off = (uint16_t)payload_off;
	pkt->payload_len = (uint16_t)(end - payload_off);
	pkt->frame_len = (uint16_t)end;
}

/* ---- ARP (RFC 826), Ethernet/IPv4 only ---- */

static int
classify_arp(const uint8_t *frame, size_t len, const struct vh_net_if *ifc, enum eth_dst where,
	struct vh_net_pkt *pkt)
{
	const uint8_t *a = frame + ETH_LEN;
	uint16_t op;
	uint32_t spa, tpa;

	if (where == DST_MCAST6)
		return VH_DROP_ETH_NOT_FOR_US;
	if (len < ETH_LEN + ARP_LEN)
		return VH_DROP_ARP_MALFORMED;
	op = rd16(a + 6);
	if (rd16(a) != RTE_ARP_HRD_ETHER || rd16(a + 2) != RTE_ETHER_TYPE_IPV4 || a[4] != 6 ||
		a[5] != 4 || (op != VH_NET_ARP_REQUEST && op != VH_NET_ARP_REPLY))
		return VH_DROP_ARP_MALFORMED;
	if (mac_is_group(a + 8) || mac_is_zero(a + 8))
		return VH_DROP_ARP_MALFORMED;
	memcpy(&spa, a + 14, 4);
	memcpy(&tpa, a + 24, 4);
	/* sender 0.0.0.0 is an RFC 5227 probe and is answered; group addresses never */
	if ((a[14] & 0xf0) == 0xe0 || spa == UINT32_MAX)
		return VH_DROP_ARP_MALFORMED;
	/*
	 * Our address as the sender's: another host claiming it (a conflict or a
	 * spoof) is never learnt or answered; with our MAC it is our own frame
	 * reflected back, not about us.
	 */
	if (ifc->ip4 != 0 && spa == ifc->ip4)
		return memcmp(a + 8, ifc->mac, 6) != 0 ? VH_DROP_NEIGH_OWN_ADDR
						       : VH_DROP_ARP_NOT_FOR_US;
	if (ifc->ip4 == 0 || tpa != ifc->ip4)
		return VH_DROP_ARP_NOT_FOR_US;
	pkt_start(pkt, frame, VH_NET_ARP, 4);
	pkt_payload(pkt, ETH_LEN, ETH_LEN, ETH_LEN + ARP_LEN);
	pkt->arp_op = op;
	pkt->has_lladdr = 1;
	memcpy(pkt->lladdr, a + 8, 6);
	memcpy(pkt->src, &spa, 4);
	memcpy(pkt->dst, &tpa, 4);
	return VH_DROP_NONE;
}

/* ---- IPv4 ---- */

/* Martian sources: zero, loopback, multicast, class E / broadcast, our subnet broadcast. */
static bool
ip4_bad_src(const struct vh_net_if *ifc, const uint8_t *s)
{
	uint32_t src, mask;

	if ((s[0] | s[1] | s[2] | s[3]) == 0 || s[0] == 127 || s[0] >= 224)
		return true;
	if (ifc->ip4 == 0 || ifc->ip4_plen == 0 || ifc->ip4_plen >= 31)
		return false;
	memcpy(&src, s, 4);
	mask = rte_cpu_to_be_32(~(UINT32_MAX >> ifc->ip4_plen));
	return (src & mask) == (ifc->ip4 & mask) && (src | mask) == UINT32_MAX;
}

static int
classify_udp(const uint8_t *frame, size_t l4, size_t l4_len, const struct vh_net_if *ifc,
	struct vh_net_pkt *pkt)
{
	const uint8_t *u = frame + l4;
	uint16_t ulen;

	if (l4_len < UDP_LEN)
		return VH_DROP_UDP_SHORT;
	/* trailing bytes inside the IP datagram would escape the checksum */
	ulen = rd16(u + 4);
	if (ulen != l4_len)
		return VH_DROP_UDP_BAD_LEN;
	if (rd16(u + 2) != ifc->udp_port)
		return VH_DROP_UDP_PORT_CLOSED;
	pkt->sport = rd16(u);
	pkt->dport = rd16(u + 2);
	pkt->kind = VH_NET_OVERLAY;
	pkt_payload(pkt, l4, l4 + UDP_LEN, l4 + l4_len);
	return VH_DROP_NONE;
}

static int
classify_icmp4(const uint8_t *frame, size_t l4, size_t l4_len, struct vh_net_pkt *pkt)
{
	const uint8_t *c = frame + l4;

	if (l4_len < ICMP_ECHO_LEN)
		return VH_DROP_ICMP_SHORT;
	if (c[0] != RTE_IP_ICMP_ECHO_REQUEST || c[1] != 0)
		return VH_DROP_ICMP_UNSUPPORTED;
	if (csum_raw(c, l4_len) != 0xffff)
		return VH_DROP_ICMP_BAD_CSUM;
	pkt->kind = VH_NET_ICMP4_ECHO;
	pkt->sport = rd16(c + 4);
	pkt->dport = rd16(c + 6);
	pkt_payload(pkt, l4, l4 + ICMP_ECHO_LEN, l4 + l4_len);
	return VH_DROP_NONE;
}

static int
classify_ip4(const uint8_t *frame, size_t len, const struct vh_net_if *ifc, enum eth_dst where,
	unsigned int hw, struct vh_net_pkt *pkt)
{
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(frame + ETH_LEN);
	const uint8_t *h = frame + ETH_LEN;
	size_t tl;
	int rc;

	if (where != DST_OURS)
		return VH_DROP_ETH_NOT_FOR_US;
	if (len < ETH_LEN + IP4_LEN)
		return VH_DROP_IP4_SHORT;
	if (h[0] >> 4 != 4)
		return VH_DROP_IP4_BAD_VERSION;
	if ((h[0] & 0xf) < 5)
		return VH_DROP_IP4_BAD_HLEN;
	if ((h[0] & 0xf) > 5)
		return VH_DROP_IP4_OPTIONS;
	tl = rd16(h + 2);
	if (tl < IP4_LEN || tl > len - ETH_LEN)
		return VH_DROP_IP4_BAD_LEN;
	if (!(hw & VH_NET_RX_IP4_CSUM_GOOD) && csum_raw(h, IP4_LEN) != 0xffff)
		return VH_DROP_IP4_BAD_CSUM;
	if ((rd16(h + 6) & (RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) != 0)
		return VH_DROP_IP4_FRAGMENT;
	if (ip4_bad_src(ifc, h + 12) || mac_is_group(frame + 6))
		return VH_DROP_IP4_BAD_SRC;
	if (ifc->ip4 == 0 || memcmp(h + 16, &ifc->ip4, 4) != 0)
		return VH_DROP_IP4_NOT_FOR_US;
	pkt_start(pkt, frame, VH_NET_KIND_MAX, 4);
	pkt->hop_limit = h[8];
	memcpy(pkt->src, h + 12, 4);
	memcpy(pkt->dst, h + 16, 4);
	switch (h[9]) {
	case IPPROTO_UDP:
		rc = classify_udp(frame, ETH_LEN + IP4_LEN, tl - IP4_LEN, ifc, pkt);
		/* a zero UDP checksum means "none" on IPv4 (RFC 768) */
		if (rc == VH_DROP_NONE && !(hw & VH_NET_RX_UDP_CSUM_GOOD) &&
			rd16(h + IP4_LEN + 6) != 0 &&
			l4_sum4(ip, h + IP4_LEN, tl - IP4_LEN) != 0xffff)
			return VH_DROP_UDP_BAD_CSUM;
		return rc;
	case IPPROTO_ICMP:
		return classify_icmp4(frame, ETH_LEN + IP4_LEN, tl - IP4_LEN, pkt);
	default:
		return VH_DROP_L4_UNKNOWN_PROTO;
	}
}

/* ---- IPv6 ---- */

/*
 * Walk ND options (RFC 4861 4.6): every option needs a nonzero length and
 * must fit; the one link-layer option of type want is copied out.
 */
static int
nd_options(const uint8_t *o, size_t n, uint8_t want, struct vh_net_pkt *pkt)
{
	while (n > 0) {
		size_t olen;

		if (n < 2 || o[1] == 0)
			return VH_DROP_ND_MALFORMED;
		olen = (size_t)o[1] * 8;
		if (olen > n)
			return VH_DROP_ND_MALFORMED;
		if (o[0] == want) {
			if (olen != 8 || mac_is_group(o + 2) || mac_is_zero(o + 2))
				return VH_DROP_ND_MALFORMED;
			pkt->has_lladdr = 1;
			memcpy(pkt->lladdr, o + 2, 6);
		}
		o += olen;
		n -= olen;
	}
	return VH_DROP_NONE;
}

/* RFC 4861 7.1.1 (NS) and 7.1.2 (NA) validity checks. */
static int
classify_nd(const uint8_t *frame, size_t l4, size_t l4_len, const struct vh_net_if *ifc,
	struct vh_net_pkt *pkt)
{
	const uint8_t *c = frame + l4;
	const uint8_t *ip = frame + ETH_LEN;
	bool ns = c[0] == ICMP6_NS;
	int rc;

	if (pkt->hop_limit != ND_HOP_LIMIT || c[1] != 0 || l4_len < ND_LEN ||
		ip6_is_multicast(c + 8))
		return VH_DROP_ND_MALFORMED;
	memcpy(pkt->target, c + 8, 16);
	rc = nd_options(c + ND_LEN, l4_len - ND_LEN, ns ? ND_OPT_SLLA : ND_OPT_TLLA, pkt);
	if (rc != VH_DROP_NONE)
		return rc;
	pkt_payload(pkt, l4, l4 + ND_LEN, l4 + l4_len);
	/* ND from one of our addresses, or advertising one: never learnt or answered */
	if (net_ip6_is_ours(ifc, ip + 8) || (!ns && net_ip6_is_ours(ifc, pkt->target)))
		return VH_DROP_NEIGH_OWN_ADDR;
	if (!ns) {
		if (ip6_is_zero(ip + 8))
			return VH_DROP_IP6_BAD_SRC;
		pkt->kind = VH_NET_ND_NA;
		pkt->nd_flags =
			c[4] & (VH_NET_NA_ROUTER | VH_NET_NA_SOLICITED | VH_NET_NA_OVERRIDE);
		if (ip6_is_multicast(ip + 24) && (c[4] & VH_NET_NA_SOLICITED))
			return VH_DROP_ND_MALFORMED;
		return VH_DROP_NONE;
	}
	pkt->kind = VH_NET_ND_NS;
	/* DAD probe: from ::, to a solicited-node group, no source link-layer option */
	if (ip6_is_zero(ip + 8) && (!ip6_is_our_solicited(ifc, ip + 24) || pkt->has_lladdr))
		return VH_DROP_ND_MALFORMED;
	if (!net_ip6_is_ours(ifc, pkt->target))
		return VH_DROP_IP6_NOT_FOR_US;
	return VH_DROP_NONE;
}

static int
classify_icmp6(const uint8_t *frame, size_t l4, size_t l4_len, const struct vh_net_if *ifc,
	struct vh_net_pkt *pkt)
{
	const struct rte_ipv6_hdr *ip = (const struct rte_ipv6_hdr *)(frame + ETH_LEN);
	const uint8_t *c = frame + l4;
	uint8_t type;

	if (l4_len < 4)
		return VH_DROP_ICMP_SHORT;
	type = c[0];
	if (type == ICMP6_ECHO_REQUEST) {
		if (c[1] != 0)
			return VH_DROP_ICMP_UNSUPPORTED;
		if (l4_len < ICMP_ECHO_LEN)
			return VH_DROP_ICMP_SHORT;
	} else if (type != ICMP6_NS && type != ICMP6_NA) {
		return VH_DROP_ICMP_UNSUPPORTED;
	}
	if (l4_sum6(ip, c, l4_len) != 0xffff)
		return VH_DROP_ICMP_BAD_CSUM;
	if (type != ICMP6_ECHO_REQUEST)
		return classify_nd(frame, l4, l4_len, ifc, pkt);
	if (ip6_is_zero(frame + ETH_LEN + 8))
		return VH_DROP_IP6_BAD_SRC;
	pkt->kind = VH_NET_ICMP6_ECHO;
	pkt->sport = rd16(c + 4);
	pkt->dport = rd16(c + 6);
	pkt_payload(pkt, l4, l4 + ICMP_ECHO_LEN, l4 + l4_len);
	return VH_DROP_NONE;
}

static bool
ip6_is_ext(uint8_t nh)
{
	switch (nh) {
	case IP6_NH_HOPOPTS:
	case IP6_NH_ROUTING:
	case IP6_NH_AH:
	case IP6_NH_DSTOPTS:
	case IP6_NH_MOBILITY:
	case IP6_NH_HIP:
	case IP6_NH_SHIM6:
	case IP6_NH_EXP1:
	case IP6_NH_EXP2:
		return true;
	default:
		return false;
	}
}

/* Sources no packet may carry: multicast, loopback, IPv4-mapped. */
static bool
ip6_bad_src(const uint8_t *s)
{
	static const uint8_t mapped[12] = {[10] = 0xff, [11] = 0xff};
	static const uint8_t loopback[16] = {[15] = 1};

	return ip6_is_multicast(s) || memcmp(s, loopback, 16) == 0 ||
	       memcmp(s, mapped, sizeof(mapped)) == 0;
}

/*
 * Destination check. Unicast: one of ours, and the frame to our MAC.
 * Multicast: only ff02::1 (ICMPv6, and UDP to the overlay port: LAN
 * beacons) and our solicited-node groups (ICMPv6 only; the caller checks
 * which), and the frame to the matching 33:33 MAC.
 */
static int
ip6_dst_check(const uint8_t *frame, const struct vh_net_if *ifc, enum eth_dst where, bool *mcast)
{
	const uint8_t *d = frame + ETH_LEN + 24;

	*mcast = ip6_is_multicast(d);
	if (!*mcast) {
		if (where != DST_OURS)
			return VH_DROP_ETH_NOT_FOR_US;
		return net_ip6_is_ours(ifc, d) ? VH_DROP_NONE : VH_DROP_IP6_NOT_FOR_US;
	}
	if (where != DST_MCAST6 || memcmp(frame + 2, d + 12, 4) != 0)
		return VH_DROP_ETH_NOT_FOR_US;
	if (memcmp(d, all_nodes, 16) != 0 && !ip6_is_our_solicited(ifc, d))
		return VH_DROP_IP6_NOT_FOR_US;
	return VH_DROP_NONE;
}

static int
classify_ip6(const uint8_t *frame, size_t len, const struct vh_net_if *ifc, enum eth_dst where,
	unsigned int hw, struct vh_net_pkt *pkt)
{
	const struct rte_ipv6_hdr *ip = (const struct rte_ipv6_hdr *)(frame + ETH_LEN);
	const uint8_t *h = frame + ETH_LEN;
	const size_t l4 = ETH_LEN + IP6_LEN;
	size_t plen;
	bool mcast;
	int rc;

	if (where == DST_BCAST)
		return VH_DROP_ETH_NOT_FOR_US;
	if (len < l4)
		return VH_DROP_IP6_SHORT;
	if (h[0] >> 4 != 6)
		return VH_DROP_IP6_BAD_VERSION;
	plen = rd16(h + 4);
	if (plen > len - l4)
		return VH_DROP_IP6_BAD_LEN;
	if (ip6_bad_src(h + 8) || mac_is_group(frame + 6))
		return VH_DROP_IP6_BAD_SRC;
	rc = ip6_dst_check(frame, ifc, where, &mcast);
	if (rc != VH_DROP_NONE)
		return rc;
	if (h[6] == IP6_NH_FRAGMENT)
		return VH_DROP_IP6_FRAGMENT;
	if (ip6_is_ext(h[6]))
		return VH_DROP_IP6_EXT_HDR;
	pkt_start(pkt, frame, VH_NET_KIND_MAX, 6);
	pkt->hop_limit = h[7];
	memcpy(pkt->src, h + 8, 16);
	memcpy(pkt->dst, h + 24, 16);
	if (h[6] == IPPROTO_ICMPV6) {
		rc = classify_icmp6(frame, l4, plen, ifc, pkt);
		/* solicited-node groups carry neighbour solicitations and nothing else */
		if (rc == VH_DROP_NONE && mcast && pkt->kind != VH_NET_ND_NS &&
			memcmp(h + 24, all_nodes, 16) != 0)
			return VH_DROP_IP6_NOT_FOR_US;
		return rc;
	}
	if (h[6] != IPPROTO_UDP)
		return VH_DROP_L4_UNKNOWN_PROTO;
	/* all-nodes UDP reaches the overlay port only: the LAN discovery beacon */
	if (mcast && memcmp(h + 24, all_nodes, 16) != 0)
		return VH_DROP_IP6_NOT_FOR_US;
	if (ip6_is_zero(h + 8))
		return VH_DROP_IP6_BAD_SRC;
	rc = classify_udp(frame, l4, plen, ifc, pkt);
	if (rc != VH_DROP_NONE)
		return rc;
	if (rd16(frame + l4 + 6) == 0)
		return VH_DROP_UDP_ZERO_CSUM6;
	if (!(hw & VH_NET_RX_UDP_CSUM_GOOD) && l4_sum6(ip, frame + l4, plen) != 0xffff)
		return VH_DROP_UDP_BAD_CSUM;
	return VH_DROP_NONE;
}

int
vh_net_classify(
	const uint8_t *frame, size_t len, const struct vh_net_if *ifc, struct vh_net_pkt *pkt)
{
	return vh_net_classify_hw(frame, len, ifc, 0, pkt);
}

int
vh_net_classify_hw(const uint8_t *frame, size_t len, const struct vh_net_if *ifc, unsigned int hw,
	struct vh_net_pkt *pkt)
{
	enum eth_dst where;
	uint16_t type;

	if (unlikely(frame == NULL || len < ETH_LEN))
		return VH_DROP_ETH_SHORT;
	/* offsets are 16 bits wide in struct vh_net_pkt; no Ethernet frame is longer */
	if (unlikely(len > UINT16_MAX))
		len = UINT16_MAX;
	if (memcmp(frame, ifc->mac, 6) == 0)
		where = DST_OURS;
	else if (frame[0] == 0x33 && frame[1] == 0x33)
		where = DST_MCAST6;
	else if ((frame[0] & frame[1] & frame[2] & frame[3] & frame[4] & frame[5]) == 0xff)
		where = DST_BCAST;
	else
		return VH_DROP_ETH_NOT_FOR_US;
	type = rd16(frame + 12);
	switch (type) {
	case RTE_ETHER_TYPE_ARP:
		return classify_arp(frame, len, ifc, where, pkt);
	case RTE_ETHER_TYPE_IPV4:
		return classify_ip4(frame, len, ifc, where, hw, pkt);
	case RTE_ETHER_TYPE_IPV6:
		return classify_ip6(frame, len, ifc, where, hw, pkt);
	case RTE_ETHER_TYPE_VLAN:
	case RTE_ETHER_TYPE_QINQ:
		return VH_DROP_ETH_VLAN;
	default:
		return VH_DROP_ETH_UNKNOWN_TYPE;
	}
}
