/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vh_net_classify, IPv6, ICMPv6 and neighbour discovery: every rule with
 * its exact drop reason; and every truncation of valid frames of all kinds
 * is rejected without reading past the end.
 */
#include "classify_test.h"

/* ---- IPv6 ---- */

static void
test_ip6_captured(void **state)
{
	static const uint8_t sn1[16] = {0xff, 0x02, [11] = 0x01, 0xff, 0x00, 0x00, 0x01};

	(void)state;
	EXPECT(cap_icmp6_echo, sizeof(cap_icmp6_echo), VH_DROP_NONE);
	assert_int_equal(pkt.kind, VH_NET_ICMP6_ECHO);
	assert_int_equal(pkt.ip_ver, 6);
	assert_int_equal(pkt.sport, cap_icmp6_echo[58] << 8 | cap_icmp6_echo[59]);
	assert_int_equal(pkt.dport, 1);
	assert_int_equal(pkt.payload_len, 16);
	assert_memory_equal(pkt.src, ip6_2, 16);
	assert_memory_equal(pkt.dst, ip6_1, 16);

	EXPECT(cap_udp6, sizeof(cap_udp6), VH_DROP_NONE);
	assert_int_equal(pkt.kind, VH_NET_OVERLAY);
	assert_int_equal(pkt.sport, cap_udp6[54] << 8 | cap_udp6[55]);
	assert_int_equal(pkt.l4_off, 54);
	assert_int_equal(pkt.payload_off, 62);
	assert_int_equal(pkt.payload_len, 16);
	assert_memory_equal(cap_udp6 + 62, "VH-test-payload!", 16);

	EXPECT(cap_ns, sizeof(cap_ns), VH_DROP_NONE);
	assert_int_equal(pkt.kind, VH_NET_ND_NS);
	assert_memory_equal(pkt.target, ip6_1, 16);
	assert_memory_equal(pkt.dst, sn1, 16);
	assert_memory_equal(pkt.src, ip6_2, 16);
	assert_true(pkt.has_lladdr);
	assert_memory_equal(pkt.lladdr, mac2, 6);
	assert_int_equal(pkt.hop_limit, 255);
	/* the same NS does not concern node 2 (its MAC is not 33:33:ff:00:00:01's owner) */
	EXPECT_IF(cap_ns, sizeof(cap_ns), &if2, VH_DROP_IP6_NOT_FOR_US);

	EXPECT_IF(cap_na, sizeof(cap_na), &if2, VH_DROP_NONE);
	assert_int_equal(pkt.kind, VH_NET_ND_NA);
	assert_memory_equal(pkt.target, ip6_1, 16);
	assert_int_equal(pkt.nd_flags, VH_NET_NA_SOLICITED | VH_NET_NA_OVERRIDE);
	assert_true(pkt.has_lladdr);
	assert_memory_equal(pkt.lladdr, mac1, 6);

	/* unicast NS probe from a link-local source */
	EXPECT_IF(cap_ns_unicast, sizeof(cap_ns_unicast), &if2, VH_DROP_NONE);
	assert_int_equal(pkt.kind, VH_NET_ND_NS);
	assert_memory_equal(pkt.src, ll6_1, 16);
	assert_memory_equal(pkt.target, ip6_2, 16);
	/* its answer: solicited, to our link-local, without target link-layer option */
	EXPECT(cap_na_unicast, sizeof(cap_na_unicast), VH_DROP_NONE);
	assert_int_equal(pkt.kind, VH_NET_ND_NA);
	assert_int_equal(pkt.nd_flags, VH_NET_NA_SOLICITED);
	assert_false(pkt.has_lladdr);
	assert_memory_equal(pkt.target, ip6_2, 16);
	assert_memory_equal(pkt.dst, ll6_1, 16);

	/* MLDv2 report to ff02::16 (hop-by-hop) and a router solicitation to ff02::2 */
	EXPECT_IF(cap_mld_report, sizeof(cap_mld_report), &if2, VH_DROP_IP6_NOT_FOR_US);
	EXPECT(cap_rs, sizeof(cap_rs), VH_DROP_IP6_NOT_FOR_US);
	EXPECT_IF(cap_icmp6_unreach, sizeof(cap_icmp6_unreach), &if2, VH_DROP_ICMP_UNSUPPORTED);
	EXPECT_IF(
		cap_icmp6_echo_reply, sizeof(cap_icmp6_echo_reply), &if2, VH_DROP_ICMP_UNSUPPORTED);
}

static void
test_ip6_header(void **state)
{
	static const uint8_t mapped[16] = {[10] = 0xff, 0xff, 10, 0, 0, 2};
	static const uint8_t loop6[16] = {[15] = 1};
	uint8_t f[160], g[160];
	size_t n;

	(void)state;
	n = t_udp(f, 6, T_PORT, "hello", 5);
	EXPECT(f, n, VH_DROP_NONE);
	EXPECT(f, 14 + 39, VH_DROP_IP6_SHORT);
#define IP6_MUT(code, want)         \
	do {                        \
		memcpy(g, f, n);    \
		code;               \
		t_fix_l4(g, 6);     \
		EXPECT(g, n, want); \
	} while (0)
	IP6_MUT(g[14] = 0x40, VH_DROP_IP6_BAD_VERSION);
	IP6_MUT(g[14] = 0x70, VH_DROP_IP6_BAD_VERSION);
	IP6_MUT(g[14] = 0x6f, VH_DROP_NONE); /* traffic class / flow label are fine */
	memcpy(g, f, n);
	t_be16(g + 18, (unsigned int)n - 54 + 1);
	EXPECT(g, n, VH_DROP_IP6_BAD_LEN);
	t_be16(g + 18, 0xffff);
	EXPECT(g, n, VH_DROP_IP6_BAD_LEN);
	IP6_MUT(g[22] = 0xff, VH_DROP_IP6_BAD_SRC);               /* multicast */
	IP6_MUT(memcpy(g + 22, loop6, 16), VH_DROP_IP6_BAD_SRC);  /* ::1 */
	IP6_MUT(memcpy(g + 22, mapped, 16), VH_DROP_IP6_BAD_SRC); /* ::ffff:10.0.0.2 */
	IP6_MUT(memset(g + 22, 0, 16), VH_DROP_IP6_BAD_SRC);      /* :: (UDP) */
	IP6_MUT(g[6] = 0x01, VH_DROP_IP6_BAD_SRC);                /* group source MAC */
	IP6_MUT(g[53] = 3, VH_DROP_IP6_NOT_FOR_US);               /* 2001:db8::3 */
	IP6_MUT(memcpy(g + 38, ll6_1, 16), VH_DROP_NONE);         /* our link-local */
	IP6_MUT(memcpy(g + 38, ll6_2, 16), VH_DROP_IP6_NOT_FOR_US);
	IP6_MUT(g[20] = 0, VH_DROP_IP6_EXT_HDR);   /* hop-by-hop */
	IP6_MUT(g[20] = 43, VH_DROP_IP6_EXT_HDR);  /* routing */
	IP6_MUT(g[20] = 60, VH_DROP_IP6_EXT_HDR);  /* destination options */
	IP6_MUT(g[20] = 51, VH_DROP_IP6_EXT_HDR);  /* AH */
	IP6_MUT(g[20] = 135, VH_DROP_IP6_EXT_HDR); /* mobility */
	IP6_MUT(g[20] = 44, VH_DROP_IP6_FRAGMENT);
	IP6_MUT(g[20] = 6, VH_DROP_L4_UNKNOWN_PROTO);  /* TCP */
	IP6_MUT(g[20] = 59, VH_DROP_L4_UNKNOWN_PROTO); /* no next header */
	IP6_MUT(g[20] = 50, VH_DROP_L4_UNKNOWN_PROTO); /* ESP */
	IP6_MUT(g[20] = 4, VH_DROP_L4_UNKNOWN_PROTO);  /* IPv4-in-IPv6 */
	/* a second global address of ours */
	{
		struct vh_net_if two = if1;

		memcpy(two.ip6[1], ip6_1, 16);
		two.ip6[1][1] = 0x02;
		two.ip6_plen[1] = 64;
		two.n_ip6 = 2;
		IP6_MUT(g[39] = 0x02, VH_DROP_IP6_NOT_FOR_US);
		EXPECT_IF(g, n, &two, VH_DROP_NONE);
	}
	/* all-nodes (ff02::1 at 33:33:00:00:00:01) takes UDP to the overlay port
	 * only: the LAN discovery beacon */
	memcpy(g, f, n);
	memcpy(g, (const uint8_t[]){0x33, 0x33, 0, 0, 0, 1}, 6);
	memcpy(g + 38, (const uint8_t[]){0xff, 0x02, [15] = 1}, 16);
	t_fix_l4(g, 6);
	EXPECT(g, n, VH_DROP_NONE);
	g[56] ^= 0x01; /* another destination port */
	t_fix_l4(g, 6);
	EXPECT(g, n, VH_DROP_UDP_PORT_CLOSED);
	g[56] ^= 0x01;
	/* other groups are not joined at all */
	memcpy(g, (const uint8_t[]){0x33, 0x33, 0, 0, 0, 2}, 6);
	g[53] = 2;
	t_fix_l4(g, 6);
	EXPECT(g, n, VH_DROP_IP6_NOT_FOR_US);
#undef IP6_MUT
}

static void
test_udp6(void **state)
{
	uint8_t f[160], g[160];
	size_t n;

	(void)state;
	n = t_udp(f, 6, T_PORT, "hello", 5);
	EXPECT(f, n, VH_DROP_NONE);
	assert_int_equal(pkt.kind, VH_NET_OVERLAY);
	assert_int_equal(pkt.ip_ver, 6);
	assert_int_equal(pkt.payload_len, 5);
	n = t_udp(f, 6, 4789, "hello", 5);
	EXPECT(f, n, VH_DROP_UDP_PORT_CLOSED);

	n = t_udp(f, 6, T_PORT, "hello", 5);
	memcpy(g, f, n);
	g[54 + 6] = g[54 + 7] = 0;
	EXPECT(g, n, VH_DROP_UDP_ZERO_CSUM6);
	memcpy(g, f, n);
	g[54 + 8] ^= 0x01;
	EXPECT(g, n, VH_DROP_UDP_BAD_CSUM);
	memcpy(g, f, n);
	g[25] ^= 0x01; /* the source address is in the pseudo-header */
	EXPECT(g, n, VH_DROP_UDP_BAD_CSUM);
	memcpy(g, f, n);
	t_be16(g + 54 + 4, 12);
	t_fix_l4(g, 6);
	EXPECT(g, n, VH_DROP_UDP_BAD_LEN);
	/* payload length 4: not even a UDP header */
	memcpy(g, f, n);
	t_be16(g + 18, 4);
	EXPECT(g, 58, VH_DROP_UDP_SHORT);
	/* trailing Ethernet padding */
	memcpy(g, f, n);
	memset(g + n, 0x55, 7);
	EXPECT(g, n + 7, VH_DROP_NONE);
	assert_int_equal(pkt.frame_len, n);
	/*
	 * A checksum that computes to zero travels as 0xffff (RFC 768). Find a
	 * payload for which the computed value is zero: 0x0000 in the field is
	 * "no checksum", rejected on IPv6; 0xffff is the same sum, accepted.
	 */
	for (unsigned int v = 0; v < 0x10000; v++) {
		uint8_t p[2] = {(uint8_t)(v >> 8), (uint8_t)v};

		n = t_udp(f, 6, T_PORT, p, 2);
		if (f[54 + 6] == 0 && f[54 + 7] == 0) {
			EXPECT(f, n, VH_DROP_UDP_ZERO_CSUM6);
			f[54 + 6] = f[54 + 7] = 0xff;
			EXPECT(f, n, VH_DROP_NONE);
			return;
		}
	}
	fail_msg("no payload gives a computed checksum of zero");
}

static void
test_icmp6(void **state)
{
	static const uint8_t all[16] = {0xff, 0x02, [15] = 1};
	static const uint8_t sn1[16] = {0xff, 0x02, [11] = 0x01, 0xff, 0x00, 0x00, 0x01};
	uint8_t f[160], g[160];
	size_t n;

	(void)state;
	n = t_icmp(f, 6, 128, 0, NULL, "abcdefg", 7);
	EXPECT(f, n, VH_DROP_NONE);
	assert_int_equal(pkt.kind, VH_NET_ICMP6_ECHO);
	assert_int_equal(pkt.payload_len, 7);
	n = t_icmp(f, 6, 128, 0, ll6_1, "abcdefg", 7);
	EXPECT(f, n, VH_DROP_NONE);
	/* to all nodes */
	n = t_icmp(f, 6, 128, 0, all, "abcdefg", 7);
	memcpy(f, (const uint8_t[]){0x33, 0x33, 0, 0, 0, 1}, 6);
	EXPECT(f, n, VH_DROP_NONE);
	assert_int_equal(pkt.kind, VH_NET_ICMP6_ECHO);
	/* to a solicited-node group: ND only */
	n = t_icmp(f, 6, 128, 0, sn1, "abcdefg", 7);
	memcpy(f, (const uint8_t[]){0x33, 0x33, 0xff, 0, 0, 1}, 6);
	EXPECT(f, n, VH_DROP_IP6_NOT_FOR_US);

	n = t_icmp(f, 6, 128, 0, NULL, "abcdefg", 7);
	memcpy(g, f, n);
	g[54 + 8] ^= 0x80;
	EXPECT(g, n, VH_DROP_ICMP_BAD_CSUM);
	memcpy(g, f, n);
	g[54 + 2] = g[54 + 3] = 0;
	EXPECT(g, n, VH_DROP_ICMP_BAD_CSUM);
	memcpy(g, f, n);
	memset(g + 22, 0, 16);
	t_fix_l4(g, 2);
	EXPECT(g, n, VH_DROP_IP6_BAD_SRC); /* echo from :: */
	n = t_icmp(f, 6, 128, 3, NULL, "abcdefg", 7);
	EXPECT(f, n, VH_DROP_ICMP_UNSUPPORTED);
	for (unsigned int type = 0; type < 256; type++) {
		if (type == 128 || type == 135 || type == 136)
			continue;
		n = t_icmp(f, 6, (uint8_t)type, 0, NULL, "abcdefg", 7);
		EXPECT(f, n, VH_DROP_ICMP_UNSUPPORTED);
	}
	/* too short: 3 bytes of ICMPv6, and an echo of 4 */
	n = t_icmp(f, 6, 128, 0, NULL, "", 0);
	t_be16(f + 18, 3);
	EXPECT(f, 57, VH_DROP_ICMP_SHORT);
	t_be16(f + 18, 4);
	t_fix_l4(f, 2);
	EXPECT(f, 58, VH_DROP_ICMP_SHORT);
}

/* ---- neighbour discovery ---- */

/* NS from src to dst for target, with an optional source link-layer option. */
static size_t
t_ns(uint8_t *f, const uint8_t *src, const uint8_t *dst, const uint8_t *target, bool slla)
{
	size_t plen = 24 + (slla ? 8 : 0);
	uint8_t *c = f + 54;

	if (dst[0] == 0xff) {
		memcpy(f, (const uint8_t[]){0x33, 0x33}, 2);
		memcpy(f + 2, dst + 12, 4);
	} else {
		memcpy(f, mac1, 6);
	}
	memcpy(f + 6, mac2, 6);
	t_be16(f + 12, 0x86dd);
	t_ip6(f, src, dst, 58, plen, 255);
	memset(c, 0, plen);
	c[0] = 135;
	memcpy(c + 8, target, 16);
	if (slla) {
		c[24] = 1;
		c[25] = 1;
		memcpy(c + 26, mac2, 6);
	}
	t_fix_l4(f, 2);
	return 54 + plen;
}

static void
test_nd(void **state)
{
	static const uint8_t sn1[16] = {0xff, 0x02, [11] = 0x01, 0xff, 0x00, 0x00, 0x01};
	static const uint8_t all[16] = {0xff, 0x02, [15] = 1};
	static const uint8_t unspec[16];
	uint8_t f[200], g[200];
	size_t n;

	(void)state;
	/* NS to the solicited-node group, to our unicast, for ll6 */
	n = t_ns(f, ip6_2, sn1, ip6_1, true);
	EXPECT(f, n, VH_DROP_NONE);
	assert_int_equal(pkt.kind, VH_NET_ND_NS);
	assert_int_equal(pkt.payload_off, 54 + 24);
	assert_int_equal(pkt.payload_len, 8);
	n = t_ns(f, ip6_2, ip6_1, ip6_1, true);
	EXPECT(f, n, VH_DROP_NONE);
	n = t_ns(f, ll6_2, ll6_1, ll6_1, false);
	EXPECT(f, n, VH_DROP_NONE);
	assert_false(pkt.has_lladdr);
	/* NS for an address that is not ours */
	n = t_ns(f, ip6_2, ip6_1, ip6_2, true);
	EXPECT(f, n, VH_DROP_IP6_NOT_FOR_US);
	/* to a solicited-node group we have not joined */
	n = t_ns(f, ip6_2, (const uint8_t[]){0xff, 0x02, [11] = 1, 0xff, 0, 0, 9}, ip6_1, true);
	EXPECT(f, n, VH_DROP_IP6_NOT_FOR_US);

	/* RFC 4861 7.1.1 */
	n = t_ns(f, ip6_2, sn1, ip6_1, true);
#define ND_MUT(code, want)          \
	do {                        \
		memcpy(g, f, n);    \
		code;               \
		t_fix_l4(g, 2);     \
		EXPECT(g, n, want); \
	} while (0)
	ND_MUT(g[21] = 64, VH_DROP_ND_MALFORMED); /* hop limit not 255: routed */
	ND_MUT(g[21] = 254, VH_DROP_ND_MALFORMED);
	ND_MUT(g[54 + 1] = 1, VH_DROP_ND_MALFORMED);     /* code */
	ND_MUT(g[54 + 8] = 0xff, VH_DROP_ND_MALFORMED);  /* multicast target */
	ND_MUT(g[54 + 25] = 0, VH_DROP_ND_MALFORMED);    /* option length 0 */
	ND_MUT(g[54 + 25] = 2, VH_DROP_ND_MALFORMED);    /* option past the end */
	ND_MUT(g[54 + 26] = 0x01, VH_DROP_ND_MALFORMED); /* group link-layer address */
	ND_MUT(g[54 + 24] = 14, VH_DROP_NONE);           /* unknown option: skipped */
	ND_MUT(g[54 + 4] = 0xff, VH_DROP_NONE);          /* reserved bits ignored */
	memcpy(g, f, n);
	g[54 + 30] ^= 1;
	EXPECT(g, n, VH_DROP_ICMP_BAD_CSUM);
	/* an ICMPv6 length under 24 */
	memcpy(g, f, n);
	t_be16(g + 18, 20);
	t_fix_l4(g, 2);
	EXPECT(g, 54 + 20, VH_DROP_ND_MALFORMED);
	/* two options, the second truncated to one byte */
	memcpy(g, f, n);
	t_be16(g + 18, 33);
	g[54 + 32] = 1;
	t_fix_l4(g, 2);
	EXPECT(g, n + 1, VH_DROP_ND_MALFORMED);

	/* duplicate address detection: from ::, to the solicited-node group, no option */
	n = t_ns(f, unspec, sn1, ip6_1, false);
	EXPECT(f, n, VH_DROP_NONE);
	assert_int_equal(pkt.kind, VH_NET_ND_NS);
	assert_memory_equal(pkt.src, unspec, 16);
	n = t_ns(f, unspec, sn1, ip6_1, true);
	EXPECT(f, n, VH_DROP_ND_MALFORMED);
	n = t_ns(f, unspec, ip6_1, ip6_1, false);
	EXPECT(f, n, VH_DROP_ND_MALFORMED);
	/* an NS to ff02::1 is odd but harmless */
	n = t_ns(f, ip6_2, all, ip6_1, true);
	EXPECT(f, n, VH_DROP_NONE);

	/* NA (7.1.2): from Linux's answer, then mutated */
	memcpy(f, cap_na, sizeof(cap_na));
	n = sizeof(cap_na);
	EXPECT_IF(f, n, &if2, VH_DROP_NONE);
#define NA_MUT(code, want)                   \
	do {                                 \
		memcpy(g, f, n);             \
		code;                        \
		t_fix_l4(g, 2);              \
		EXPECT_IF(g, n, &if2, want); \
	} while (0)
	NA_MUT(g[21] = 1, VH_DROP_ND_MALFORMED);
	NA_MUT(g[54 + 1] = 9, VH_DROP_ND_MALFORMED);
	NA_MUT(g[54 + 8] = 0xff, VH_DROP_ND_MALFORMED);
	NA_MUT(g[54 + 25] = 0, VH_DROP_ND_MALFORMED);
	NA_MUT(g[54 + 4] = 0xa0, VH_DROP_NONE);             /* router + override */
	NA_MUT(memset(g + 22, 0, 16), VH_DROP_IP6_BAD_SRC); /* NA from :: */
	/* unsolicited NA to all nodes: fine without S, malformed with it */
	NA_MUT((memcpy(g, (const uint8_t[]){0x33, 0x33, 0, 0, 0, 1}, 6), memcpy(g + 38, all, 16),
		       g[54 + 4] = 0x20),
		VH_DROP_NONE);
	assert_int_equal(pkt.nd_flags, VH_NET_NA_OVERRIDE);
	NA_MUT((memcpy(g, (const uint8_t[]){0x33, 0x33, 0, 0, 0, 1}, 6), memcpy(g + 38, all, 16)),
		VH_DROP_ND_MALFORMED);
	/* NA to a solicited-node group: those carry NS only */
	NA_MUT((memcpy(g, (const uint8_t[]){0x33, 0x33, 0xff, 0, 0, 2}, 6),
		       memcpy(g + 38, (const uint8_t[]){0xff, 2, [11] = 1, 0xff, 0, 0, 2}, 16),
		       g[54 + 4] = 0x20),
		VH_DROP_IP6_NOT_FOR_US);
#undef ND_MUT
#undef NA_MUT
}

/*
 * ND claiming one of our own addresses (issue 9, item 2): an NS from our
 * address, an NA for our address as target or from it, is counted and
 * neither answered nor learnt. A DAD probe for our address (from ::) is
 * still answered, which defends the address.
 */
static void
test_nd_own_address(void **state)
{
	static const uint8_t sn1[16] = {0xff, 0x02, [11] = 0x01, 0xff, 0x00, 0x00, 0x01};
	static const uint8_t all[16] = {0xff, 0x02, [15] = 1};
	static const uint8_t unspec[16];
	uint8_t f[200];
	size_t n;

	(void)state;
	/* NS from our global or link-local address, for ours or for another */
	n = t_ns(f, ip6_1, sn1, ip6_1, true);
	EXPECT(f, n, VH_DROP_NEIGH_OWN_ADDR);
	n = t_ns(f, ll6_1, sn1, ll6_1, true);
	EXPECT(f, n, VH_DROP_NEIGH_OWN_ADDR);
	n = t_ns(f, ip6_1, ip6_1, ip6_1, false);
	EXPECT(f, n, VH_DROP_NEIGH_OWN_ADDR);
	n = t_ns(f, ll6_1, ll6_1, ip6_2, true);
	EXPECT(f, n, VH_DROP_NEIGH_OWN_ADDR);
	/* a DAD probe for our address is answered */
	n = t_ns(f, unspec, sn1, ip6_1, false);
	EXPECT(f, n, VH_DROP_NONE);

	/* NA for node 1's address, seen by node 1: unicast, and unsolicited to all nodes */
	memcpy(f, cap_na, sizeof(cap_na));
	n = sizeof(cap_na);
	memcpy(f, mac1, 6);
	memcpy(f + 6, mac2, 6);
	memcpy(f + 22, ip6_2, 16);
	memcpy(f + 38, ip6_1, 16);
	memcpy(f + 80, mac2, 6); /* target link-layer option */
	t_fix_l4(f, 2);
	EXPECT(f, n, VH_DROP_NEIGH_OWN_ADDR);
	memcpy(f, (const uint8_t[]){0x33, 0x33, 0, 0, 0, 1}, 6);
	memcpy(f + 38, all, 16);
	f[54 + 4] = VH_NET_NA_OVERRIDE;
	t_fix_l4(f, 2);
	EXPECT(f, n, VH_DROP_NEIGH_OWN_ADDR);
	/* ... for our link-local address */
	memcpy(f + 62, ll6_1, 16);
	t_fix_l4(f, 2);
	EXPECT(f, n, VH_DROP_NEIGH_OWN_ADDR);
	/* an NA from our address for another target */
	memcpy(f + 22, ll6_1, 16);
	memcpy(f + 62, ip6_2, 16);
	t_fix_l4(f, 2);
	EXPECT(f, n, VH_DROP_NEIGH_OWN_ADDR);
	/* the same NA for node 2's address from node 2 is fine */
	memcpy(f + 22, ll6_2, 16);
	t_fix_l4(f, 2);
	EXPECT(f, n, VH_DROP_NONE);
	assert_int_equal(pkt.kind, VH_NET_ND_NA);
}

/* ---- truncation ---- */

static void
truncate_all(const uint8_t *f, size_t len, const struct vh_net_if *ifc)
{
	assert_int_equal(cls_ifc(f, len, ifc), VH_DROP_NONE);
	for (size_t i = 0; i < len; i++) {
		int rc = cls_ifc(f, i, ifc);

		if (rc == VH_DROP_NONE || rc >= VH_DROP_MAX)
			fail_msg("prefix of %zu/%zu bytes: %d", i, len, rc);
	}
}

static void
test_truncation(void **state)
{
	static const uint8_t all[16] = {0xff, 0x02, [15] = 1};
	uint8_t f[200];
	size_t n;

	(void)state;
	truncate_all(cap_arp_request, sizeof(cap_arp_request), &if1);
	truncate_all(cap_arp_reply, sizeof(cap_arp_reply), &if2);
	truncate_all(cap_icmp4_echo, sizeof(cap_icmp4_echo), &if1);
	truncate_all(cap_udp4, sizeof(cap_udp4), &if1);
	truncate_all(cap_udp6, sizeof(cap_udp6), &if1);
	truncate_all(cap_icmp6_echo, sizeof(cap_icmp6_echo), &if1);
	truncate_all(cap_ns, sizeof(cap_ns), &if1);
	truncate_all(cap_na, sizeof(cap_na), &if2);
	truncate_all(cap_na_unicast, sizeof(cap_na_unicast), &if1);
	truncate_all(cap_ns_unicast, sizeof(cap_ns_unicast), &if2);
	n = t_udp(f, 4, T_PORT, "x", 1);
	truncate_all(f, n, &if1);
	n = t_udp(f, 6, T_PORT, "", 0);
	truncate_all(f, n, &if1);
	n = t_icmp(f, 6, 128, 0, all, "0123456789", 10);
	memcpy(f, (const uint8_t[]){0x33, 0x33, 0, 0, 0, 1}, 6);
	truncate_all(f, n, &if1);
	n = t_ns(f, (const uint8_t[16]){0}, (const uint8_t[]){0xff, 2, [11] = 1, 0xff, 0, 0, 1},
		ip6_1, false);
	truncate_all(f, n, &if1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ip6_captured),
		cmocka_unit_test(test_ip6_header),
		cmocka_unit_test(test_udp6),
		cmocka_unit_test(test_icmp6),
		cmocka_unit_test(test_nd),
		cmocka_unit_test(test_nd_own_address),
		cmocka_unit_test(test_truncation),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
