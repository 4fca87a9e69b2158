/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The host stack's slow path on the control lcore: ARP and neighbour
 * discovery (answers, learning, resolution with lib/net's cache, one per
 * port), ICMP and ICMPv6 echo replies, and sending UDP for the node's own
 * traffic, holding frames in a small queue while their next hop resolves.
 */
#include <string.h>

#include "host_priv.h"

#define PENDING_MS 3000
#define EXPIRE_EVERY_MS 200

static const struct vh_net_if *
port_if(struct vh_host *h, unsigned int port)
{
	return &vh_dp_port(h->dp, port)->ifc;
}

/* Hand a frame of len bytes in m to the data plane for port. */
static void
send_frame(struct vh_host *h, struct rte_mbuf *m, unsigned int port, int len)
{
	if (len < 0 || rte_pktmbuf_append(m, (uint16_t)len) == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	m->port = (uint16_t)vh_dp_port_id(h->dp, port);
	if (vh_dp_inject(h->dp, m) != 0)
		h->cnt.inject_failed++;
}

static struct rte_mbuf *
new_frame(struct vh_host *h, uint8_t **buf, size_t *cap)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(vh_dp_mempool(h->dp));

	if (m == NULL) {
		vh_dp_count_drop(h->dp, VH_DROP_NO_MBUF);
		return NULL;
	}
	*buf = rte_pktmbuf_mtod(m, uint8_t *);
	*cap = rte_pktmbuf_tailroom(m);
	return m;
}

/* ARP request or neighbour solicitation; dst_mac NULL = broadcast/multicast. */
static void
send_request(struct vh_host *h, unsigned int port, int ip_ver, const uint8_t *addr,
	const uint8_t *dst_mac)
{
	const struct vh_net_if *ifc = port_if(h, port);
	struct rte_mbuf *m;
	uint8_t *buf;
	size_t cap;
	int len;

	m = new_frame(h, &buf, &cap);
	if (m == NULL)
		return;
	if (ip_ver == 4) {
		uint32_t ip;

		memcpy(&ip, addr, 4);
		len = vh_net_arp_request(ifc, ip, dst_mac, buf, cap);
		h->cnt.arp_requests_sent++;
	} else {
		len = vh_net_nd_ns(ifc, addr, dst_mac, buf, cap);
		h->cnt.nd_solicits_sent++;
	}
	send_frame(h, m, port, len);
}

static bool
pending_match(const struct host_pending *p, unsigned int port, int ip_ver, const uint8_t *addr)
{
	return p->m != NULL && p->port == port && p->family == ip_ver &&
	       memcmp(p->addr, addr, ip_ver == 4 ? 4 : 16) == 0;
}

/* A next hop resolved (mac) or failed (NULL): release what waited for it. */
static void
pending_release(
	struct vh_host *h, unsigned int port, int ip_ver, const uint8_t *addr, const uint8_t *mac)
{
	for (unsigned int i = 0; i < HOST_PENDING_MAX; i++) {
		struct host_pending *p = &h->pending[i];

		if (!pending_match(p, port, ip_ver, addr))
			continue;
		if (mac != NULL) {
			memcpy(rte_pktmbuf_mtod(p->m, uint8_t *), mac, 6);
			if (vh_dp_inject(h->dp, p->m) != 0)
				h->cnt.inject_failed++;
			h->cnt.pending_sent++;
		} else {
			rte_pktmbuf_free(p->m);
			vh_dp_count_drop(h->dp, VH_DROP_NO_NEIGHBOR);
			h->cnt.pending_dropped++;
		}
		p->m = NULL;
	}
}

static void
learn(struct vh_host *h, unsigned int port, int ip_ver, const uint8_t *addr, const uint8_t *mac)
{
	if (vh_net_neigh_learn(h->neigh[port], ip_ver, addr, mac, vh_node_now_ms()) != 0)
		return;
	h->cnt.neigh_learned++;
	pending_release(h, port, ip_ver, addr, mac);
}

static void
answer(struct vh_host *h, unsigned int port, const struct vh_net_pkt *pkt)
{
	const struct vh_net_if *ifc = port_if(h, port);
	struct rte_mbuf *m;
	uint8_t *buf;
	size_t cap;
	int len;

	m = new_frame(h, &buf, &cap);
	if (m == NULL)
		return;
	if (pkt->kind == VH_NET_ARP) {
		len = vh_net_arp_reply(ifc, pkt, buf, cap);
		h->cnt.arp_replies++;
	} else {
		len = vh_net_nd_na(ifc, pkt, buf, cap);
		h->cnt.nd_replies++;
	}
	send_frame(h, m, port, len);
}

static const uint8_t unspecified6[16];

void
host_heard(struct vh_host *h, struct rte_mbuf *m)
{
	const struct vh_dp_meta *meta = vh_dp_meta(m);
	const struct vh_net_pkt *pkt = &meta->pkt;

	/* ARP, and ND with a link-layer address, are learnt instead */
	if (pkt->kind == VH_NET_ARP || pkt->has_lladdr)
		return;
	if (vh_net_neigh_heard(h->neigh[meta->port_idx], pkt->ip_ver, pkt->src, vh_node_now_ms()) ==
		1)
		send_request(h, meta->port_idx, pkt->ip_ver, pkt->src, NULL);
}

void
host_input(struct vh_host *h, struct rte_mbuf *m)
{
	struct vh_dp_meta *meta = vh_dp_meta(m);
	const struct vh_net_pkt *pkt = &meta->pkt;
	unsigned int port = meta->port_idx;
	int len;

	switch (pkt->kind) {
	case VH_NET_ARP:
		if (pkt->has_lladdr)
			learn(h, port, 4, pkt->src, pkt->lladdr);
		if (pkt->arp_op == VH_NET_ARP_REQUEST)
			answer(h, port, pkt);
		break;
	case VH_NET_ND_NS:
		if (pkt->has_lladdr && memcmp(pkt->src, unspecified6, 16) != 0)
			learn(h, port, 6, pkt->src, pkt->lladdr);
		answer(h, port, pkt);
		break;
	case VH_NET_ND_NA:
		if (pkt->has_lladdr)
			learn(h, port, 6, pkt->target, pkt->lladdr);
		else /* Linux answers a unicast probe without the option */
			vh_net_neigh_confirm(h->neigh[port], 6, pkt->target, vh_node_now_ms());
		break;
	case VH_NET_ICMP4_ECHO:
	case VH_NET_ICMP6_ECHO:
		len = vh_net_icmp_echo_reply_inplace(
			rte_pktmbuf_mtod(m, uint8_t *), pkt, port_if(h, port));
		if (len <= 0)
			break;
		rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_data_len(m) - len));
		h->cnt.icmp_echo_replies++;
		if (vh_dp_inject(h->dp, m) != 0)
			h->cnt.inject_failed++;
		return;
	default:
		break;
	}
	rte_pktmbuf_free(m);
}

static bool
same_prefix(const uint8_t *a, const uint8_t *b, unsigned int plen)
{
	unsigned int bytes = plen / 8, bits = plen % 8;

	if (memcmp(a, b, bytes) != 0)
		return false;
	return bits == 0 || ((a[bytes] ^ b[bytes]) & (0xff << (8 - bits))) == 0;
}

int
vh_host_route(struct vh_host *h, int ip_ver, const uint8_t *dst, unsigned int *port, uint8_t *nh)
{
	unsigned int np = vh_dp_port_count(h->dp);

	for (unsigned int i = 0; i < np; i++) {
		const struct vh_net_if *ifc = port_if(h, i);

		if (ip_ver == 4 && ifc->ip4 != 0 &&
			same_prefix((const uint8_t *)&ifc->ip4, dst, ifc->ip4_plen))
			goto onlink;
		if (ip_ver == 6 && dst[0] == 0xfe && (dst[1] & 0xc0) == 0x80)
			goto onlink;
		for (unsigned int a = 0; ip_ver == 6 && a < ifc->n_ip6; a++)
			if (same_prefix(ifc->ip6[a], dst, ifc->ip6_plen[a]))
				goto onlink;
		continue;
	onlink:
		*port = i;
		memcpy(nh, dst, ip_ver == 4 ? 4 : 16);
		return 0;
	}
	for (unsigned int i = 0; i < np; i++) {
		const struct vh_net_if *ifc = port_if(h, i);

		if (ip_ver == 4 && ifc->gw4 != 0) {
			*port = i;
			memcpy(nh, &ifc->gw4, 4);
			return 0;
		}
		if (ip_ver == 6 && memcmp(ifc->gw6, unspecified6, 16) != 0) {
			*port = i;
			memcpy(nh, ifc->gw6, 16);
			return 0;
		}
	}
	return -ENETUNREACH;
}

static int
queue_pending(
	struct vh_host *h, struct rte_mbuf *m, unsigned int port, int ip_ver, const uint8_t *nh)
{
	for (unsigned int i = 0; i < HOST_PENDING_MAX; i++) {
		struct host_pending *p = &h->pending[i];

		if (p->m != NULL)
			continue;
		p->m = m;
		p->port = port;
		p->family = (uint8_t)ip_ver;
		memcpy(p->addr, nh, ip_ver == 4 ? 4 : 16);
		p->deadline_ms = vh_node_now_ms() + PENDING_MS;
		h->cnt.pending_queued++;
		return 0;
	}
	rte_pktmbuf_free(m);
	h->cnt.pending_dropped++;
	return -ENOBUFS;
}

/* A UDP frame for port, ready to inject; NULL with *err set on failure. */
static struct rte_mbuf *
udp_frame(struct vh_host *h, unsigned int port, const struct vh_net_flow *f, const uint8_t *payload,
	uint16_t len, int *err)
{
	struct rte_mbuf *m;
	uint8_t *buf;
	size_t cap;
	int flen;

	m = new_frame(h, &buf, &cap);
	if (m == NULL) {
		*err = -ENOBUFS;
		return NULL;
	}
	flen = vh_net_udp_build(port_if(h, port), f, payload, len, buf, cap);
	if (flen < 0 || rte_pktmbuf_append(m, (uint16_t)flen) == NULL) {
		rte_pktmbuf_free(m);
		*err = flen < 0 ? flen : -ENOSPC;
		return NULL;
	}
	m->port = (uint16_t)vh_dp_port_id(h->dp, port);
	return m;
}

int
vh_host_send_udp(struct vh_host *h, int ip_ver, const uint8_t *dst, uint16_t dport,
	const uint8_t *payload, uint16_t len)
{
	struct vh_net_flow f = {.ip_ver = (uint8_t)ip_ver, .dport = dport};
	uint8_t nh[16];
	struct rte_mbuf *m;
	unsigned int port;
	int rc, flen;

	rc = vh_host_route(h, ip_ver, dst, &port, nh);
	if (rc != 0)
		return rc;
	memcpy(f.dst, dst, ip_ver == 4 ? 4 : 16);
	rc = vh_net_neigh_lookup(h->neigh[port], ip_ver, nh, f.dst_mac, vh_node_now_ms());
	if (rc == -EHOSTUNREACH) {
		vh_dp_count_drop(h->dp, VH_DROP_NO_NEIGHBOR);
		return rc;
	}
	m = udp_frame(h, port, &f, payload, len, &flen);
	if (m == NULL)
		return flen;
	if (rc == 0)
		return vh_dp_inject(h->dp, m);
	if (vh_net_neigh_solicit(h->neigh[port], ip_ver, nh, vh_node_now_ms()) == 1)
		send_request(h, port, ip_ver, nh, NULL);
	return queue_pending(h, m, port, ip_ver, nh);
}

int
vh_host_reply_udp(struct vh_host *h, const struct vh_host_l2 *l2, int ip_ver, const uint8_t *dst,
	uint16_t dport, const uint8_t *payload, uint16_t len)
{
	static const uint8_t zero_mac[6];
	struct vh_net_flow f = {.ip_ver = (uint8_t)ip_ver, .dport = dport};
	struct rte_mbuf *m;
	int err;

	if (l2->port >= vh_dp_port_count(h->dp) || (l2->mac[0] & 1) != 0 ||
		memcmp(l2->mac, zero_mac, 6) == 0)
		return -EINVAL;
	memcpy(f.dst_mac, l2->mac, 6);
	memcpy(f.dst, dst, ip_ver == 4 ? 4 : 16);
	m = udp_frame(h, l2->port, &f, payload, len, &err);
	if (m == NULL)
		return err;
	err = vh_dp_inject(h->dp, m);
	if (err == 0)
		h->cnt.replies_to_src_mac++;
	else
		h->cnt.inject_failed++;
	return err;
}

int
vh_host_send_all_nodes(
	struct vh_host *h, unsigned int port, uint16_t dport, const uint8_t *payload, uint16_t len)
{
	static const uint8_t all_nodes[16] = {0xff, 0x02, [15] = 0x01};
	struct vh_net_flow f = {.ip_ver = 6, .ttl = 1, .dport = dport};
	struct rte_mbuf *m;
	int flen;

	if (port >= vh_dp_port_count(h->dp))
		return -EINVAL;
	/* RFC 2464: 33:33 and the group's last four bytes */
	f.dst_mac[0] = f.dst_mac[1] = 0x33;
	memcpy(f.dst_mac + 2, all_nodes + 12, 4);
	memcpy(f.dst, all_nodes, 16);
	/* from the link-local address, as link-scope multicast should be */
	memcpy(f.src, port_if(h, port)->ll6, 16);
	m = udp_frame(h, port, &f, payload, len, &flen);
	return m != NULL ? vh_dp_inject(h->dp, m) : flen;
}

struct expire_ctx {
	struct vh_host *h;
	unsigned int port;
};

static void
on_neigh_timer(void *arg, const struct vh_net_neigh_entry *e, enum vh_net_neigh_action act)
{
	struct expire_ctx *x = arg;

	switch (act) {
	case VH_NET_NEIGH_REQUEST:
		send_request(x->h, x->port, e->ip_ver, e->addr, NULL);
		break;
	case VH_NET_NEIGH_PROBE:
		send_request(x->h, x->port, e->ip_ver, e->addr, e->mac);
		break;
	case VH_NET_NEIGH_GIVE_UP:
		x->h->cnt.neigh_failed++;
		pending_release(x->h, x->port, e->ip_ver, e->addr, NULL);
		break;
	}
}

void
host_tick(struct vh_host *h, uint64_t now_ms)
{
	for (unsigned int i = 0; i < HOST_PENDING_MAX; i++) {
		struct host_pending *p = &h->pending[i];

		if (p->m != NULL && now_ms >= p->deadline_ms) {
			rte_pktmbuf_free(p->m);
			p->m = NULL;
			vh_dp_count_drop(h->dp, VH_DROP_NO_NEIGHBOR);
			h->cnt.pending_dropped++;
		}
	}
	if (now_ms - h->neigh_expired_ms < EXPIRE_EVERY_MS)
		return;
	h->neigh_expired_ms = now_ms;
	for (unsigned int i = 0; i < vh_dp_port_count(h->dp); i++) {
		struct expire_ctx x = {h, i};

		vh_net_neigh_expire(h->neigh[i], now_ms, on_neigh_timer, &x);
	}
}

void
host_free_pending(struct vh_host *h)
{
	for (unsigned int i = 0; i < HOST_PENDING_MAX; i++) {
		if (h->pending[i].m != NULL)
			rte_pktmbuf_free(h->pending[i].m);
		h->pending[i].m = NULL;
	}
}
