/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Builders and in-place replies: every output is classified by the other
 * node's vh_net_if and its checksums are verified with the test's own
 * checksum; where Linux sent the same answer (captured.h) the bytes are
 * compared with Linux's.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "captured.h"
#include "net_test.h"

static struct vh_net_if if1, if2;

static int
setup(void **state)
{
	(void)state;
	t_ifc(&if1, 1);
	t_ifc(&if2, 2);
	return 0;
}

static void
classify_ok(const uint8_t *f, size_t len, const struct vh_net_if *ifc, struct vh_net_pkt *pkt)
{
	int rc = vh_net_classify(f, len, ifc, pkt);

	if (rc != VH_DROP_NONE)
		fail_msg("classify: %s", vh_drop_name(rc));
}

static void
test_if_init(void **state)
{
	static const uint8_t qemu_ll6[16] = {
		0xfe, 0x80, [8] = 0x50, 0x54, 0x00, 0xff, 0xfe, 0x12, 0x34, 0x56};
	struct vh_net_if ifc = {.mac = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56}};

	(void)state;
	/* what Linux derived for node 1 (source of its captured MLD report) */
	assert_memory_equal(if1.ll6, cap_mld_report + 22, 16);
	assert_memory_equal(if1.ll6, ll6_1, 16);
	vh_net_if_init(&ifc);
	assert_memory_equal(ifc.ll6, qemu_ll6, 16);
	ifc.n_ip6 = 99;
	vh_net_if_init(&ifc);
	assert_int_equal(ifc.n_ip6, VH_NET_MAX_IP6);
}

/* ---- ARP ---- */

static void
test_arp(void **state)
{
	struct vh_net_pkt req, rep;
	uint8_t out[64];
	int n;

	(void)state;
	classify_ok(cap_arp_request, sizeof(cap_arp_request), &if1, &req);
	assert_int_equal(vh_net_arp_reply(&if1, &req, out, VH_NET_ARP_LEN - 1), -ENOSPC);
	n = vh_net_arp_reply(&if1, &req, out, sizeof(out));
	assert_int_equal(n, VH_NET_ARP_LEN);
	assert_int_equal(n, sizeof(cap_arp_reply));
	assert_memory_equal(out, cap_arp_reply, sizeof(cap_arp_reply));
	classify_ok(out, (size_t)n, &if2, &rep);
	assert_int_equal(rep.arp_op, VH_NET_ARP_REPLY);
	assert_memory_equal(rep.lladdr, mac1, 6);
	assert_memory_equal(rep.src, ip4_1, 4);
	/* a reply is not answered, nor a request for someone else */
	assert_int_equal(vh_net_arp_reply(&if2, &rep, out, sizeof(out)), -EINVAL);
	assert_int_equal(vh_net_arp_reply(&if2, &req, out, sizeof(out)), -EINVAL);

	/* broadcast request, as Linux sent it */
	n = vh_net_arp_request(&if2, if1.ip4, NULL, out, sizeof(out));
	assert_int_equal(n, sizeof(cap_arp_request));
	assert_memory_equal(out, cap_arp_request, sizeof(cap_arp_request));
	classify_ok(out, (size_t)n, &if1, &req);
	assert_int_equal(req.arp_op, VH_NET_ARP_REQUEST);
	/* unicast probe, as Linux sent it */
	n = vh_net_arp_request(&if1, if2.ip4, mac2, out, sizeof(out));
	assert_int_equal(n, sizeof(cap_arp_request_b));
	assert_memory_equal(out, cap_arp_request_b, sizeof(cap_arp_request_b));
	classify_ok(out, (size_t)n, &if2, &req);

	assert_int_equal(vh_net_arp_request(&if1, 0, NULL, out, sizeof(out)), -EINVAL);
	assert_int_equal(vh_net_arp_request(&if1, if2.ip4, NULL, out, 41), -ENOSPC);
	{
		struct vh_net_if noip = if1;

		noip.ip4 = 0;
		assert_int_equal(vh_net_arp_request(&noip, if2.ip4, NULL, out, 64), -EINVAL);
	}
}

/* ---- neighbour discovery ---- */

static void
test_nd_na(void **state)
{
	struct vh_net_pkt ns, na;
	uint8_t out[128], f[128];
	int n;

	(void)state;
	classify_ok(cap_ns, sizeof(cap_ns), &if1, &ns);
	assert_int_equal(vh_net_nd_na(&if1, &ns, out, VH_NET_ND_LEN - 1), -ENOSPC);
	n = vh_net_nd_na(&if1, &ns, out, sizeof(out));
	assert_int_equal(n, VH_NET_ND_LEN);
	assert_int_equal(n, sizeof(cap_na));
	assert_memory_equal(out, cap_na, sizeof(cap_na));
	assert_true(t_l4_csum_ok6(out));
	classify_ok(out, (size_t)n, &if2, &na);
	assert_int_equal(na.kind, VH_NET_ND_NA);
	assert_int_equal(na.nd_flags, VH_NET_NA_SOLICITED | VH_NET_NA_OVERRIDE);
	assert_memory_equal(na.target, ip6_1, 16);
	assert_memory_equal(na.lladdr, mac1, 6);
	assert_int_equal(vh_net_nd_na(&if2, &na, out, sizeof(out)), -EINVAL);

	/* unicast NS without a source link-layer option: answer to the Ethernet source */
	classify_ok(cap_ns_unicast, sizeof(cap_ns_unicast), &if2, &ns);
	ns.has_lladdr = 0;
	n = vh_net_nd_na(&if2, &ns, out, sizeof(out));
	assert_int_equal(n, VH_NET_ND_LEN);
	assert_memory_equal(out, mac1, 6);
	assert_memory_equal(out + 38, ll6_1, 16);
	assert_true(t_l4_csum_ok6(out));
	classify_ok(out, (size_t)n, &if1, &na);
	assert_int_equal(na.kind, VH_NET_ND_NA);
	assert_memory_equal(na.target, ip6_2, 16);

	/* DAD probe for our address: defend it to all nodes, not solicited */
	{
		static const uint8_t sn1[16] = {0xff, 2, [11] = 1, 0xff, 0, 0, 1};
		static const uint8_t all[16] = {0xff, 2, [15] = 1};
		uint8_t *c = f + 54;

		t_eth(f, (const uint8_t[]){0x33, 0x33, 0xff, 0, 0, 1}, mac2, 0x86dd);
		t_ip6(f, (const uint8_t[16]){0}, sn1, 58, 24, 255);
		memset(c, 0, 24);
		c[0] = 135;
		memcpy(c + 8, ip6_1, 16);
		t_fix_l4(f, 2);
		classify_ok(f, 78, &if1, &ns);
		n = vh_net_nd_na(&if1, &ns, out, sizeof(out));
		assert_int_equal(n, VH_NET_ND_LEN);
		assert_memory_equal(out, ((const uint8_t[]){0x33, 0x33, 0, 0, 0, 1}), 6);
		assert_memory_equal(out + 38, all, 16);
		assert_memory_equal(out + 22, ip6_1, 16);
		assert_true(t_l4_csum_ok6(out));
		classify_ok(out, (size_t)n, &if2, &na);
		assert_int_equal(na.nd_flags, VH_NET_NA_OVERRIDE);
	}
}

static void
test_nd_ns(void **state)
{
	static const uint8_t sn_ll1[16] = {0xff, 2, [11] = 1, 0xff, 0, 0, 1};
	struct vh_net_pkt ns;
	uint8_t out[128];
	int n;

	(void)state;
	/* node 2 resolving 2001:db8::1: byte for byte what Linux sent */
	n = vh_net_nd_ns(&if2, ip6_1, NULL, out, sizeof(out));
	assert_int_equal(n, VH_NET_ND_LEN);
	assert_int_equal(n, sizeof(cap_ns));
	assert_memory_equal(out, cap_ns, sizeof(cap_ns));
	classify_ok(out, (size_t)n, &if1, &ns);
	assert_int_equal(ns.kind, VH_NET_ND_NS);
	assert_memory_equal(ns.lladdr, mac2, 6);

	/* a link-local target is asked from our link-local address */
	n = vh_net_nd_ns(&if2, ll6_1, NULL, out, sizeof(out));
	assert_int_equal(n, VH_NET_ND_LEN);
	assert_memory_equal(out + 22, ll6_2, 16);
	assert_memory_equal(out + 38, sn_ll1, 16);
	assert_true(t_l4_csum_ok6(out));
	classify_ok(out, (size_t)n, &if1, &ns);
	assert_memory_equal(ns.target, ll6_1, 16);

	/* unicast probe of a stale entry */
	n = vh_net_nd_ns(&if1, ip6_2, mac2, out, sizeof(out));
	assert_int_equal(n, VH_NET_ND_LEN);
	assert_memory_equal(out, mac2, 6);
	assert_memory_equal(out + 38, ip6_2, 16);
	assert_true(t_l4_csum_ok6(out));
	classify_ok(out, (size_t)n, &if2, &ns);
	assert_int_equal(ns.kind, VH_NET_ND_NS);

	/* an interface with no global address asks from ll6 */
	{
		struct vh_net_if only_ll = if2;

		only_ll.n_ip6 = 0;
		n = vh_net_nd_ns(&only_ll, ip6_1, NULL, out, sizeof(out));
		assert_int_equal(n, VH_NET_ND_LEN);
		assert_memory_equal(out + 22, ll6_2, 16);
		classify_ok(out, (size_t)n, &if1, &ns);
	}
	assert_int_equal(vh_net_nd_ns(&if1, (const uint8_t[16]){0xff, 2, [15] = 1}, NULL, out, 128),
		-EINVAL);
	assert_int_equal(vh_net_nd_ns(&if1, (const uint8_t[16]){0}, NULL, out, 128), -EINVAL);
	assert_int_equal(vh_net_nd_ns(&if1, ip6_2, NULL, out, VH_NET_ND_LEN - 1), -ENOSPC);
}

/* ---- ICMP echo ---- */

static void
test_echo4(void **state)
{
	struct vh_net_pkt req, rep;
	uint8_t f[128], out[128];
	int n;

	(void)state;
	memcpy(f, cap_icmp4_echo, sizeof(cap_icmp4_echo));
	memset(f + sizeof(cap_icmp4_echo), 0, 2); /* padded to 60 by a NIC */
	classify_ok(f, 60, &if1, &req);
	assert_int_equal(vh_net_icmp_echo_reply(f, &req, &if1, out, req.frame_len - 1), -ENOSPC);
	n = vh_net_icmp_echo_reply(f, &req, &if1, out, sizeof(out));
	assert_int_equal(n, sizeof(cap_icmp4_echo_reply));
	assert_memory_equal(f, cap_icmp4_echo, sizeof(cap_icmp4_echo)); /* left alone */
	/* Ethernet and the whole ICMP message as Linux answered */
	assert_memory_equal(out, cap_icmp4_echo_reply, 14);
	assert_memory_equal(out + 34, cap_icmp4_echo_reply + 34, (size_t)n - 34);
	/* IP: addresses swapped, TTL 64, checksums valid (Linux picks another id) */
	assert_memory_equal(out + 26, ip4_1, 4);
	assert_memory_equal(out + 30, ip4_2, 4);
	assert_int_equal(out[22], 64);
	assert_true(t_ip4_csum_ok(out));
	assert_true(t_l4_csum_ok4(out));
	/* node 2 takes it through every check up to the ICMP type (replies are not answered) */
	assert_int_equal(vh_net_classify(out, (size_t)n, &if2, &rep), VH_DROP_ICMP_UNSUPPORTED);

	/* in place, with a TTL that changes and an odd data length */
	n = (int)t_icmp(f, 4, 8, 0, NULL, "abcde", 5);
	f[22] = 3;
	t_fix_ip4(f);
	classify_ok(f, (size_t)n, &if1, &req);
	assert_int_equal(vh_net_icmp_echo_reply_inplace(f, &req, &if1), n);
	assert_int_equal(f[34], 0);
	assert_int_equal(f[22], 64);
	assert_true(t_ip4_csum_ok(f));
	assert_true(t_l4_csum_ok4(f));
	assert_memory_equal(f + 42, "abcde", 5);
	assert_int_equal(vh_net_classify(f, (size_t)n, &if2, &rep), VH_DROP_ICMP_UNSUPPORTED);
	/* not an echo */
	assert_int_equal(vh_net_icmp_echo_reply_inplace(f, &rep, &if1), -EINVAL);
}

static void
test_echo6(void **state)
{
	static const uint8_t all[16] = {0xff, 2, [15] = 1};
	struct vh_net_pkt req, rep;
	uint8_t f[128];
	int n;

	(void)state;
	memcpy(f, cap_icmp6_echo, sizeof(cap_icmp6_echo));
	classify_ok(f, sizeof(cap_icmp6_echo), &if1, &req);
	n = vh_net_icmp_echo_reply_inplace(f, &req, &if1);
	assert_int_equal(n, sizeof(cap_icmp6_echo_reply));
	/* Ethernet, payload length..addresses and ICMPv6 as Linux (its flow label differs) */
	assert_memory_equal(f, cap_icmp6_echo_reply, 14);
	assert_memory_equal(f + 18, cap_icmp6_echo_reply + 18, (size_t)n - 18);
	assert_true(t_l4_csum_ok6(f));
	assert_int_equal(vh_net_classify(f, (size_t)n, &if2, &rep), VH_DROP_ICMP_UNSUPPORTED);

	/* a ping to all nodes is answered from our link-local address */
	n = (int)t_icmp(f, 6, 128, 0, all, "0123456789", 10);
	memcpy(f, (const uint8_t[]){0x33, 0x33, 0, 0, 0, 1}, 6);
	classify_ok(f, (size_t)n, &if1, &req);
	assert_int_equal(vh_net_icmp_echo_reply_inplace(f, &req, &if1), n);
	assert_memory_equal(f, mac2, 6);
	assert_memory_equal(f + 6, mac1, 6);
	assert_memory_equal(f + 22, ll6_1, 16);
	assert_memory_equal(f + 38, ip6_2, 16);
	assert_int_equal(f[54], 129);
	assert_int_equal(f[21], 64);
	assert_true(t_l4_csum_ok6(f));
	assert_int_equal(vh_net_classify(f, (size_t)n, &if2, &rep), VH_DROP_ICMP_UNSUPPORTED);
}

/* ---- UDP ---- */

static void
test_udp_build(void **state)
{
	struct vh_net_flow fl = {.ip_ver = 4, .dport = T_PORT};
	struct vh_net_pkt p;
	uint8_t out[256];
	int n;

	(void)state;
	/* node 2 -> node 1, as Linux sent it, from the same source port */
	memcpy(fl.dst_mac, mac1, 6);
	memcpy(fl.dst, ip4_1, 4);
	fl.sport = (uint16_t)(cap_udp4[34] << 8 | cap_udp4[35]);
	n = vh_net_udp_build(&if2, &fl, (const uint8_t *)"VH-test-payload!", 16, out, sizeof(out));
	assert_int_equal(n, sizeof(cap_udp4));
	/* all but the IP id and hence the header checksum */
	assert_memory_equal(out, cap_udp4, 18);
	assert_memory_equal(out + 20, cap_udp4 + 20, 4);
	assert_memory_equal(out + 26, cap_udp4 + 26, sizeof(cap_udp4) - 26);
	assert_true(t_ip4_csum_ok(out));
	assert_true(t_l4_csum_ok4(out));
	classify_ok(out, (size_t)n, &if1, &p);
	assert_int_equal(p.kind, VH_NET_OVERLAY);
	assert_int_equal(p.payload_len, 16);
	assert_memory_equal(out + p.payload_off, "VH-test-payload!", 16);

	fl.ip_ver = 6;
	memcpy(fl.dst, ip6_1, 16);
	fl.sport = (uint16_t)(cap_udp6[54] << 8 | cap_udp6[55]);
	n = vh_net_udp_build(&if2, &fl, (const uint8_t *)"VH-test-payload!", 16, out, sizeof(out));
	assert_int_equal(n, sizeof(cap_udp6));
	assert_memory_equal(out, cap_udp6, 15);                              /* flow label */
	assert_memory_equal(out + 18, cap_udp6 + 18, sizeof(cap_udp6) - 18); /* differs */
	assert_true(t_l4_csum_ok6(out));
	classify_ok(out, (size_t)n, &if1, &p);
	assert_int_equal(p.kind, VH_NET_OVERLAY);

	/* defaults: sport = ifc->udp_port; a link-local destination gets ll6 as source */
	fl.sport = 0;
	fl.ttl = 9;
	memcpy(fl.dst, ll6_1, 16);
	n = vh_net_udp_build(&if2, &fl, NULL, 0, out, sizeof(out));
	assert_int_equal(n, VH_NET_UDP6_HDR_LEN);
	assert_memory_equal(out + 22, ll6_2, 16);
	assert_int_equal(out[21], 9);
	assert_true(t_l4_csum_ok6(out));
	classify_ok(out, (size_t)n, &if1, &p);
	assert_int_equal(p.sport, T_PORT);
	assert_int_equal(p.payload_len, 0);
	/* an explicit source */
	memcpy(fl.src, ip6_2, 16);
	n = vh_net_udp_build(&if2, &fl, (const uint8_t *)"x", 1, out, sizeof(out));
	assert_memory_equal(out + 22, ip6_2, 16);
	assert_true(t_l4_csum_ok6(out));

	/* payload already in place, behind room for the headers */
	fl.ip_ver = 4;
	memset(fl.src, 0, 16);
	memcpy(fl.dst, ip4_1, 4);
	for (size_t i = 0; i < 100; i++)
		out[VH_NET_UDP4_HDR_LEN + i] = (uint8_t)(i * 7);
	n = vh_net_udp_build(&if2, &fl, out + VH_NET_UDP4_HDR_LEN, 100, out, sizeof(out));
	assert_int_equal(n, VH_NET_UDP4_HDR_LEN + 100);
	assert_true(t_ip4_csum_ok(out));
	assert_true(t_l4_csum_ok4(out));
	classify_ok(out, (size_t)n, &if1, &p);
	for (size_t i = 0; i < 100; i++)
		assert_int_equal(out[p.payload_off + i], (uint8_t)(i * 7));

	/* errors */
	assert_int_equal(
		vh_net_udp_build(&if2, &fl, out, 10, out, VH_NET_UDP4_HDR_LEN + 9), -ENOSPC);
	assert_int_equal(vh_net_udp_build(&if2, &fl, out, 10, out, 3), -ENOSPC);
	assert_int_equal(vh_net_udp_build(&if2, &fl, NULL, 10, out, sizeof(out)), -EINVAL);
	assert_int_equal(vh_net_udp_build(&if2, &fl, out, 65536, out, 1 << 17), -EINVAL);
	fl.ip_ver = 5;
	assert_int_equal(vh_net_udp_build(&if2, &fl, out, 1, out, sizeof(out)), -EINVAL);
	{
		struct vh_net_if v6only = if2;

		v6only.ip4 = 0;
		fl.ip_ver = 4;
		assert_int_equal(vh_net_udp_build(&v6only, &fl, out, 1, out, 256), -EINVAL);
		v6only.n_ip6 = 0;
		fl.ip_ver = 6;
		memcpy(fl.dst, ip6_1, 16);
		assert_int_equal(vh_net_udp_build(&v6only, &fl, out, 1, out, 256), -EINVAL);
	}
}

/* Classify on node 1, change the payload, reply; node 2 listening on the sender's port. */
static int
reply_and_check(uint8_t *f, size_t len, bool delta, struct vh_net_pkt *back)
{
	struct vh_net_if peer = if2;
	struct vh_net_pkt p;
	uint16_t before, after;
	int n;

	classify_ok(f, len, &if1, &p);
	peer.udp_port = p.sport;
	before = vh_net_csum_partial(f + p.payload_off, 2);
	f[p.payload_off] ^= 0x5a;
	f[p.payload_off + 1] += 3;
	after = vh_net_csum_partial(f + p.payload_off, 2);
	if (delta)
		n = vh_net_udp_reply_inplace_delta(f, &p, before, after);
	else
		n = vh_net_udp_reply_inplace(f, &p);
	assert_int_equal(n, p.frame_len);
	if (f[12] == 0x08) {
		assert_true(t_ip4_csum_ok(f));
		assert_true(t_l4_csum_ok4(f));
	} else {
		assert_true(t_l4_csum_ok6(f));
	}
	classify_ok(f, (size_t)n, &peer, back);
	assert_int_equal(back->kind, VH_NET_OVERLAY);
	assert_int_equal(back->dport, p.sport);
	assert_int_equal(back->sport, T_PORT);
	return n;
}

static void
test_udp_reply(void **state)
{
	struct vh_net_pkt back, p;
	uint8_t f[128], g[128], h[128];

	(void)state;
	for (int delta = 0; delta < 2; delta++) {
		memcpy(f, cap_udp4, sizeof(cap_udp4));
		reply_and_check(f, sizeof(cap_udp4), delta, &back);
		assert_memory_equal(f, mac2, 6);
		assert_memory_equal(back.src, ip4_1, 4);
		assert_memory_equal(back.dst, ip4_2, 4);
		memcpy(f, cap_udp6, sizeof(cap_udp6));
		reply_and_check(f, sizeof(cap_udp6), delta, &back);
		assert_memory_equal(back.src, ip6_1, 16);
		assert_int_equal(back.hop_limit, 64);
		/* TTL 1 becomes 64: the IPv4 header checksum is updated incrementally */
		t_udp(f, 4, T_PORT, "payload", 7);
		f[22] = 1;
		t_fix_ip4(f);
		reply_and_check(f, 42 + 7, delta, &back);
		assert_int_equal(back.hop_limit, 64);
		/* an IPv4 sender without checksum gets a reply with one */
		t_udp(f, 4, T_PORT, "payload", 7);
		f[40] = f[41] = 0;
		reply_and_check(f, 42 + 7, delta, &back);
		assert_false(f[40] == 0 && f[41] == 0);
	}
	/*
	 * Incremental against full recomputation for every value of the changed
	 * 16-bit word, IPv4 and IPv6, so the all-ones / zero corner is covered.
	 */
	for (int ver = 4; ver <= 6; ver += 2) {
		size_t len = t_udp(f, ver, T_PORT, "ab-cd", 5);
		size_t off = ver == 4 ? 42 : 62;

		classify_ok(f, len, &if1, &p);
		for (unsigned int v = 0; v < 0x10000; v++) {
			uint16_t before, after;

			memcpy(g, f, len);
			before = vh_net_csum_partial(g + off + 2, 2);
			g[off + 2] = (uint8_t)(v >> 8);
			g[off + 3] = (uint8_t)v;
			after = vh_net_csum_partial(g + off + 2, 2);
			vh_net_udp_reply_inplace_delta(g, &p, before, after);
			memcpy(h, f, len);
			h[off + 2] = (uint8_t)(v >> 8);
			h[off + 3] = (uint8_t)v;
			vh_net_udp_reply_inplace(h, &p);
			if (memcmp(g, h, len) != 0)
				fail_msg("IPv%d word %#x: incremental and full checksums differ",
					ver, v);
		}
	}
	/* not an overlay packet */
	classify_ok(cap_icmp4_echo, sizeof(cap_icmp4_echo), &if1, &p);
	assert_int_equal(vh_net_udp_reply_inplace(f, &p), -EINVAL);
	assert_int_equal(vh_net_udp_reply_inplace_delta(f, &p, 0, 0), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_if_init),
		cmocka_unit_test(test_arp),
		cmocka_unit_test(test_nd_na),
		cmocka_unit_test(test_nd_ns),
		cmocka_unit_test(test_echo4),
		cmocka_unit_test(test_echo6),
		cmocka_unit_test(test_udp_build),
		cmocka_unit_test(test_udp_reply),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
