/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_net: the input is one received frame. It is classified for both test
 * nodes; for each accepted frame the matching answer is built on a copy,
 * its checksums verified independently, and the answer classified by a
 * peer interface made from what the frame said about its sender. Any
 * broken invariant aborts.
 */
#include <stdio.h>
#include <stdlib.h>

#include "net_test.h"

#define CHECK(c)                                                                          \
	do {                                                                              \
		if (!(c)) {                                                               \
			fprintf(stderr, "fuzz_net: %s:%d: %s\n", __FILE__, __LINE__, #c); \
			abort();                                                          \
		}                                                                         \
	} while (0)

static struct vh_net_neigh *cache;

/* The sender as an interface: its MAC, its address, its port. */
static void
peer_of(const struct vh_net_pkt *p, const uint8_t *mac, struct vh_net_if *peer)
{
	memset(peer, 0, sizeof(*peer));
	memcpy(peer->mac, mac, 6);
	if (p->ip_ver == 4) {
		memcpy(&peer->ip4, p->src, 4);
	} else {
		memcpy(peer->ip6[0], p->src, 16);
		peer->ip6_plen[0] = 64;
		peer->n_ip6 = 1;
	}
	peer->udp_port = p->sport;
	vh_net_if_init(peer);
}

static int
cls(const uint8_t *f, size_t n, const struct vh_net_if *ifc, struct vh_net_pkt *p)
{
	int rc = vh_net_classify(f, n, ifc, p);

	CHECK(rc >= 0 && rc < VH_DROP_MAX);
	return rc;
}

static void
do_arp(const struct vh_net_if *ifc, const struct vh_net_pkt *p)
{
	struct vh_net_pkt q;
	struct vh_net_if peer;
	uint8_t out[VH_NET_ARP_LEN];
	uint32_t src;

	memcpy(&src, p->src, 4);
	if (src != 0)
		vh_net_neigh_learn(cache, 4, p->src, p->lladdr, 0);
	if (p->arp_op != VH_NET_ARP_REQUEST)
		return;
	CHECK(vh_net_arp_reply(ifc, p, out, sizeof(out)) == VH_NET_ARP_LEN);
	peer_of(p, p->lladdr, &peer);
	if (src != 0) {
		CHECK(cls(out, sizeof(out), &peer, &q) == VH_DROP_NONE);
		CHECK(q.kind == VH_NET_ARP && q.arp_op == VH_NET_ARP_REPLY);
	}
}

static void
do_echo(const uint8_t *f, const struct vh_net_if *ifc, const struct vh_net_pkt *p)
{
	uint8_t *out = malloc(p->frame_len);
	struct vh_net_pkt q;
	struct vh_net_if peer;
	int n;

	CHECK(out != NULL);
	n = vh_net_icmp_echo_reply(f, p, ifc, out, p->frame_len);
	CHECK(n == p->frame_len);
	if (p->ip_ver == 4)
		CHECK(t_ip4_csum_ok(out) && t_l4_csum_ok4(out));
	else
		CHECK(t_l4_csum_ok6(out));
	/* replies are not answered: the peer drops it at the ICMP type, after every other check */
	peer_of(p, p->src_mac, &peer);
	CHECK(cls(out, (size_t)n, &peer, &q) == VH_DROP_ICMP_UNSUPPORTED);
	free(out);
}

/* Does this ND frame come from, or advertise, one of peer's own addresses? */
static bool
is_peer_addr(const struct vh_net_if *peer, const uint8_t *a)
{
	if (memcmp(a, peer->ll6, 16) == 0)
		return true;
	for (unsigned int i = 0; i < peer->n_ip6; i++)
		if (memcmp(a, peer->ip6[i], 16) == 0)
			return true;
	return false;
}

static bool
claims_ours(const struct vh_net_if *peer, const uint8_t *nd)
{
	const uint8_t *ip = nd + 14, *icmp = ip + 40;

	return is_peer_addr(peer, ip + 8) || (icmp[0] == 136 && is_peer_addr(peer, icmp + 8));
}

static void
do_ns(const struct vh_net_if *ifc, const struct vh_net_pkt *p)
{
	uint8_t out[VH_NET_ND_LEN];
	struct vh_net_pkt q;
	struct vh_net_if peer;

	if (p->has_lladdr)
		vh_net_neigh_learn(cache, 6, p->src, p->lladdr, 0);
	CHECK(vh_net_nd_na(ifc, p, out, sizeof(out)) == VH_NET_ND_LEN);
	CHECK(t_l4_csum_ok6(out));
	peer_of(p, p->has_lladdr ? p->lladdr : p->src_mac, &peer);
	if (claims_ours(&peer, out)) {
		/* a sender that gave our MAC has our link-local address: at that
		 * "peer" our answer comes from (or names) its own address */
		CHECK(cls(out, sizeof(out), &peer, &q) == VH_DROP_NEIGH_OWN_ADDR);
		return;
	}
	CHECK(cls(out, sizeof(out), &peer, &q) == VH_DROP_NONE);
	CHECK(q.kind == VH_NET_ND_NA && memcmp(q.target, p->target, 16) == 0);
	/* and our own question to the sender */
	if (!ip6_is_zero_t(p->src)) {
		CHECK(vh_net_nd_ns(ifc, p->src, NULL, out, sizeof(out)) == VH_NET_ND_LEN);
		CHECK(t_l4_csum_ok6(out));
		if (claims_ours(&peer, out))
			CHECK(cls(out, sizeof(out), &peer, &q) == VH_DROP_NEIGH_OWN_ADDR);
		else
			CHECK(cls(out, sizeof(out), &peer, &q) == VH_DROP_NONE &&
			      q.kind == VH_NET_ND_NS);
	}
}

static void
do_overlay(const uint8_t *f, const struct vh_net_if *ifc, const struct vh_net_pkt *p)
{
	size_t n = p->frame_len;
	uint8_t *a = malloc(n), *b = malloc(n), *c = malloc(n + VH_NET_UDP6_HDR_LEN);
	struct vh_net_flow fl = {.ip_ver = p->ip_ver, .dport = p->sport};
	struct vh_net_pkt q;
	struct vh_net_if peer;
	uint16_t before, after;
	int len;

	CHECK(a != NULL && b != NULL && c != NULL);
	memcpy(a, f, n);
	memcpy(b, f, n);
	/* change the first two payload bytes, if any, both ways */
	if (p->payload_len >= 2) {
		before = vh_net_csum_partial(a + p->payload_off, 2);
		a[p->payload_off] ^= 0xa5;
		b[p->payload_off] ^= 0xa5;
		after = vh_net_csum_partial(a + p->payload_off, 2);
	} else {
		before = after = 0;
	}
	CHECK(vh_net_udp_reply_inplace(a, p) == (int)n);
	CHECK(vh_net_udp_reply_inplace_delta(b, p, before, after) == (int)n);
	CHECK(memcmp(a, b, n) == 0);
	if (p->ip_ver == 4)
		CHECK(t_ip4_csum_ok(a) && t_l4_csum_ok4(a));
	else
		CHECK(t_l4_csum_ok6(a));
	peer_of(p, p->src_mac, &peer);
	CHECK(cls(a, n, &peer, &q) == VH_DROP_NONE && q.kind == VH_NET_OVERLAY);
	CHECK(q.payload_len == p->payload_len && q.sport == ifc->udp_port);
	/* a fresh datagram with the same payload, built from scratch */
	memcpy(fl.dst_mac, p->src_mac, 6);
	memcpy(fl.dst, p->src, 16);
	memcpy(fl.src, p->dst, 16);
	len = vh_net_udp_build(
		ifc, &fl, f + p->payload_off, p->payload_len, c, n + VH_NET_UDP6_HDR_LEN);
	CHECK(len == (int)n);
	CHECK(cls(c, (size_t)len, &peer, &q) == VH_DROP_NONE && q.kind == VH_NET_OVERLAY);
	CHECK(memcmp(c + q.payload_off, f + p->payload_off, p->payload_len) == 0);
	free(a);
	free(b);
	free(c);
}

static void
one(const uint8_t *f, size_t n, const struct vh_net_if *ifc)
{
	struct vh_net_pkt p;

	if (cls(f, n, ifc, &p) != VH_DROP_NONE)
		return;
	CHECK(p.frame_len <= n && p.payload_off + p.payload_len == p.frame_len);
	switch (p.kind) {
	case VH_NET_ARP:
		do_arp(ifc, &p);
		break;
	case VH_NET_ICMP4_ECHO:
	case VH_NET_ICMP6_ECHO:
		do_echo(f, ifc, &p);
		break;
	case VH_NET_ND_NS:
		do_ns(ifc, &p);
		break;
	case VH_NET_ND_NA:
		if (p.has_lladdr)
			vh_net_neigh_learn(cache, 6, p.target, p.lladdr, 0);
		break;
	case VH_NET_OVERLAY:
		do_overlay(f, ifc, &p);
		break;
	default:
		CHECK(0);
	}
}

/*
 * Mutations almost never keep a checksum right, which would leave the
 * answer paths to the seeds alone: the input is also tried with every
 * checksum it has repaired (only where the header lengths fit the input).
 */
static void
fix_checksums(uint8_t *f, size_t n)
{
	size_t len;

	if (n >= 34 && f[12] == 0x08 && f[13] == 0x00 && f[14] == 0x45) {
		t_fix_ip4(f);
		len = (size_t)(f[16] << 8 | f[17]);
		if (len < 20 || 14 + len > n)
			return;
		if (f[23] == 17 && len >= 28 && (f[40] | f[41]) != 0)
			t_fix_l4(f, 6);
		else if (f[23] == 1 && len >= 24)
			t_fix_l4(f, 2);
	} else if (n >= 54 && f[12] == 0x86 && f[13] == 0xdd) {
		len = (size_t)(f[18] << 8 | f[19]);
		if (54 + len > n)
			return;
		if (f[20] == 17 && len >= 8)
			t_fix_l4(f, 6);
		else if (f[20] == 58 && len >= 4)
			t_fix_l4(f, 2);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vh_net_if if1, if2;
	uint8_t *fixed;

	if (cache == NULL)
		cache = vh_net_neigh_create(64);
	CHECK(cache != NULL);
	t_ifc(&if1, 1);
	t_ifc(&if2, 2);
	one(data, size, &if1);
	one(data, size, &if2);
	fixed = malloc(size > 0 ? size : 1);
	CHECK(fixed != NULL);
	memcpy(fixed, data, size);
	fix_checksums(fixed, size);
	one(fixed, size, &if1);
	one(fixed, size, &if2);
	free(fixed);
	vh_net_neigh_expire(cache, 0, NULL, NULL);
	return 0;
}
