/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vh_net_classify, Ethernet, ARP and IPv4: every rule, accepted and
 * rejected, with the exact drop reason, on real Linux frames (captured.h)
 * and on frames written field by field.
 */
#include "classify_test.h"

/* ---- Ethernet ---- */

static void
test_eth(void **state)
{
	uint8_t f[128];
	size_t n;

	(void)state;
	for (size_t i = 0; i < 14; i++)
		EXPECT(cap_udp4, i, VH_DROP_ETH_SHORT);
	assert_int_equal(vh_net_classify(NULL, 60, &if1, &pkt), VH_DROP_ETH_SHORT);

	n = t_udp(f, 4, T_PORT, "x", 1);
	EXPECT(f, n, VH_DROP_NONE);
	f[5] = 0x03; /* someone else's unicast MAC */
	EXPECT(f, n, VH_DROP_ETH_NOT_FOR_US);
	memcpy(f, (const uint8_t[]){0x01, 0x00, 0x5e, 0x00, 0x00, 0x01}, 6); /* IPv4 multicast */
	EXPECT(f, n, VH_DROP_ETH_NOT_FOR_US);
	memset(f, 0xff, 6); /* broadcast is for ARP only */
	EXPECT(f, n, VH_DROP_ETH_NOT_FOR_US);
	memcpy(f, (const uint8_t[]){0x33, 0x33, 10, 0, 0, 1}, 6);
	EXPECT(f, n, VH_DROP_ETH_NOT_FOR_US);

	n = t_udp(f, 6, T_PORT, "x", 1);
	memset(f, 0xff, 6);
	EXPECT(f, n, VH_DROP_ETH_NOT_FOR_US);
	/* unicast IPv6 destination in a 33:33 frame */
	memcpy(f, (const uint8_t[]){0x33, 0x33, 0, 0, 0, 1}, 6);
	EXPECT(f, n, VH_DROP_ETH_NOT_FOR_US);

	n = t_udp(f, 4, T_PORT, "x", 1);
	t_be16(f + 12, 0x8100);
	EXPECT(f, n, VH_DROP_ETH_VLAN);
	t_be16(f + 12, 0x88a8);
	EXPECT(f, n, VH_DROP_ETH_VLAN);
	t_be16(f + 12, 0x88cc); /* LLDP */
	EXPECT(f, n, VH_DROP_ETH_UNKNOWN_TYPE);
	t_be16(f + 12, 0x8035); /* RARP */
	EXPECT(f, n, VH_DROP_ETH_UNKNOWN_TYPE);
	t_be16(f + 12, 0x0600); /* an 802.3 length field */
	EXPECT(f, n, VH_DROP_ETH_UNKNOWN_TYPE);
}

/* ---- ARP ---- */

static void
test_arp_captured(void **state)
{
	uint8_t f[60] = {0};

	(void)state;
	EXPECT(cap_arp_request, sizeof(cap_arp_request), VH_DROP_NONE);
	assert_int_equal(pkt.kind, VH_NET_ARP);
	assert_int_equal(pkt.arp_op, VH_NET_ARP_REQUEST);
	assert_int_equal(pkt.ip_ver, 4);
	assert_memory_equal(pkt.src, ip4_2, 4);
	assert_memory_equal(pkt.dst, ip4_1, 4);
	assert_true(pkt.has_lladdr);
	assert_memory_equal(pkt.lladdr, mac2, 6);
	assert_memory_equal(pkt.src_mac, mac2, 6);
	assert_int_equal(pkt.frame_len, 42);

	/* as a NIC delivers it: padded to 60 bytes */
	memcpy(f, cap_arp_request, sizeof(cap_arp_request));
	EXPECT(f, sizeof(f), VH_DROP_NONE);
	assert_int_equal(pkt.frame_len, 42);

	/* the request is not for node 2, whose MAC it does not carry either */
	EXPECT_IF(cap_arp_request, sizeof(cap_arp_request), &if2, VH_DROP_ARP_NOT_FOR_US);

	/* Linux's reply, seen by the node that asked */
	EXPECT_IF(cap_arp_reply, sizeof(cap_arp_reply), &if2, VH_DROP_NONE);
	assert_int_equal(pkt.kind, VH_NET_ARP);
	assert_int_equal(pkt.arp_op, VH_NET_ARP_REPLY);
	assert_memory_equal(pkt.src, ip4_1, 4);
	assert_memory_equal(pkt.lladdr, mac1, 6);
	EXPECT(cap_arp_reply_b, sizeof(cap_arp_reply_b), VH_DROP_NONE);
	assert_int_equal(pkt.arp_op, VH_NET_ARP_REPLY);
	/* a unicast probe to node 2 */
	EXPECT_IF(cap_arp_request_b, sizeof(cap_arp_request_b), &if2, VH_DROP_NONE);
	assert_int_equal(pkt.arp_op, VH_NET_ARP_REQUEST);
}

static void
test_arp_rules(void **state)
{
	struct vh_net_if noip;
	uint8_t f[42];

	(void)state;
#define ARP_MUT(off, val, want)                        \
	do {                                           \
		memcpy(f, cap_arp_request, sizeof(f)); \
		f[off] = (val);                        \
		EXPECT(f, sizeof(f), want);            \
	} while (0)
	ARP_MUT(14 + 1, 6, VH_DROP_ARP_MALFORMED);    /* hardware type 6 (IEEE 802) */
	ARP_MUT(14 + 2, 0x86, VH_DROP_ARP_MALFORMED); /* protocol type */
	ARP_MUT(14 + 4, 8, VH_DROP_ARP_MALFORMED);    /* hardware length */
	ARP_MUT(14 + 5, 16, VH_DROP_ARP_MALFORMED);   /* protocol length */
	ARP_MUT(14 + 7, 3, VH_DROP_ARP_MALFORMED);    /* RARP request opcode */
	ARP_MUT(14 + 7, 0, VH_DROP_ARP_MALFORMED);
	ARP_MUT(14 + 8, 0x01, VH_DROP_ARP_MALFORMED); /* group sender MAC */
	ARP_MUT(14 + 14, 224, VH_DROP_ARP_MALFORMED); /* multicast sender IP */
	ARP_MUT(14 + 27, 99, VH_DROP_ARP_NOT_FOR_US); /* who-has 10.0.0.99 */
	ARP_MUT(14 + 18, 0x02, VH_DROP_NONE);         /* target MAC is ignored */
	/* sender MAC all zero */
	memcpy(f, cap_arp_request, sizeof(f));
	memset(f + 14 + 8, 0, 6);
	EXPECT(f, sizeof(f), VH_DROP_ARP_MALFORMED);
	/* RFC 5227 probe: sender IP 0.0.0.0 is answered */
	memcpy(f, cap_arp_request, sizeof(f));
	memset(f + 14 + 14, 0, 4);
	EXPECT(f, sizeof(f), VH_DROP_NONE);
	/* to our MAC (unicast refresh) */
	memcpy(f, cap_arp_request, sizeof(f));
	memcpy(f, mac1, 6);
	EXPECT(f, sizeof(f), VH_DROP_NONE);
	/* a reply for someone else's address */
	memcpy(f, cap_arp_reply_b, sizeof(f));
	f[14 + 27] = 7;
	EXPECT(f, sizeof(f), VH_DROP_ARP_NOT_FOR_US);
	/* gratuitous ARP (sender == target == 10.0.0.2) is not about us */
	memcpy(f, cap_arp_request, sizeof(f));
	memcpy(f + 14 + 24, ip4_2, 4);
	EXPECT(f, sizeof(f), VH_DROP_ARP_NOT_FOR_US);
	/* an interface without IPv4 answers nobody, even "who-has 0.0.0.0" */
	noip = if1;
	noip.ip4 = 0;
	memcpy(f, cap_arp_request, sizeof(f));
	EXPECT_IF(f, sizeof(f), &noip, VH_DROP_ARP_NOT_FOR_US);
	memset(f + 14 + 24, 0, 4);
	EXPECT_IF(f, sizeof(f), &noip, VH_DROP_ARP_NOT_FOR_US);
	/* ARP in a 33:33 frame */
	memcpy(f, cap_arp_request, sizeof(f));
	memcpy(f, (const uint8_t[]){0x33, 0x33, 0, 0, 0, 1}, 6);
	EXPECT(f, sizeof(f), VH_DROP_ETH_NOT_FOR_US);
	/* one byte short */
	EXPECT(cap_arp_request, 41, VH_DROP_ARP_MALFORMED);
#undef ARP_MUT
}

/*
 * ARP claiming our own address (issue 9, item 2): gratuitous requests and
 * replies, conflicts and spoofs alike are counted and neither answered nor
 * learnt; an RFC 5227 probe (sender 0.0.0.0) for our address is still
 * answered, so the prober backs off.
 */
static void
test_arp_own_address(void **state)
{
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	struct vh_net_if noip;
	uint8_t f[42];

	(void)state;
	/* gratuitous request: "10.0.0.1 is at mac2", broadcast */
	memcpy(f, cap_arp_request, sizeof(f));
	memcpy(f + 14 + 14, ip4_1, 4);
	EXPECT(f, sizeof(f), VH_DROP_NEIGH_OWN_ADDR);
	/* the same as a gratuitous reply, broadcast and unicast to us */
	f[14 + 7] = VH_NET_ARP_REPLY;
	EXPECT(f, sizeof(f), VH_DROP_NEIGH_OWN_ADDR);
	memcpy(f, mac1, 6);
	EXPECT(f, sizeof(f), VH_DROP_NEIGH_OWN_ADDR);
	/* a reply to our request that claims our address as the sender's */
	memcpy(f, cap_arp_reply_b, sizeof(f));
	memcpy(f + 14 + 14, ip4_1, 4);
	EXPECT(f, sizeof(f), VH_DROP_NEIGH_OWN_ADDR);
	/* someone asking for another host from our address */
	memcpy(f, cap_arp_request, sizeof(f));
	memcpy(f, bcast, 6);
	memcpy(f + 14 + 14, ip4_1, 4);
	f[14 + 27] = 99;
	EXPECT(f, sizeof(f), VH_DROP_NEIGH_OWN_ADDR);
	/* our own request or announcement reflected back (our MAC) is not about us */
	memcpy(f + 6, mac1, 6);
	memcpy(f + 14 + 8, mac1, 6);
	EXPECT(f, sizeof(f), VH_DROP_ARP_NOT_FOR_US);
	memcpy(f + 14 + 24, ip4_1, 4);
	EXPECT(f, sizeof(f), VH_DROP_ARP_NOT_FOR_US);
	/* an RFC 5227 probe for our address is answered */
	memcpy(f, cap_arp_request, sizeof(f));
	memset(f + 14 + 14, 0, 4);
	EXPECT(f, sizeof(f), VH_DROP_NONE);
	/* without IPv4, sender 0.0.0.0 claims nothing of ours */
	noip = if1;
	noip.ip4 = 0;
	EXPECT_IF(f, sizeof(f), &noip, VH_DROP_ARP_NOT_FOR_US);
}

/* ---- IPv4 ---- */

static void
test_ip4_captured(void **state)
{
	uint8_t f[60] = {0};

	(void)state;
	EXPECT(cap_icmp4_echo, sizeof(cap_icmp4_echo), VH_DROP_NONE);
	assert_int_equal(pkt.kind, VH_NET_ICMP4_ECHO);
	assert_int_equal(pkt.ip_ver, 4);
	assert_int_equal(pkt.sport, cap_icmp4_echo[38] << 8 | cap_icmp4_echo[39]); /* identifier */
	assert_int_equal(pkt.dport, 1);                                            /* sequence */
	assert_int_equal(pkt.l4_off, 34);
	assert_int_equal(pkt.payload_off, 42);
	assert_int_equal(pkt.payload_len, 16);
	assert_int_equal(pkt.hop_limit, 64);
	assert_memory_equal(pkt.src, ip4_2, 4);

	EXPECT(cap_udp4, sizeof(cap_udp4), VH_DROP_NONE);
	assert_int_equal(pkt.kind, VH_NET_OVERLAY);
	assert_int_equal(pkt.sport, cap_udp4[34] << 8 | cap_udp4[35]);
	assert_int_equal(pkt.dport, T_PORT);
	assert_int_equal(pkt.payload_off, 42);
	assert_int_equal(pkt.payload_len, 16);
	assert_memory_equal(cap_udp4 + pkt.payload_off, "VH-test-payload!", 16);
	assert_memory_equal(pkt.src_mac, mac2, 6);
	assert_memory_equal(pkt.dst, ip4_1, 4);

	/* Ethernet padding after the datagram */
	memcpy(f, cap_udp4, sizeof(cap_udp4));
	f[58] = f[59] = 0xee;
	EXPECT(f, sizeof(f), VH_DROP_NONE);
	assert_int_equal(pkt.payload_len, 16);
	assert_int_equal(pkt.frame_len, 58);

	/* node 1's port unreachable, as node 2 sees it (TOS 0xc0) */
	EXPECT_IF(cap_icmp4_unreach, sizeof(cap_icmp4_unreach), &if2, VH_DROP_ICMP_UNSUPPORTED);
	/* replies sent to node 2 are not for node 1 */
	EXPECT(cap_icmp4_echo_reply, sizeof(cap_icmp4_echo_reply), VH_DROP_ETH_NOT_FOR_US);
	EXPECT_IF(
		cap_icmp4_echo_reply, sizeof(cap_icmp4_echo_reply), &if2, VH_DROP_ICMP_UNSUPPORTED);
}

static void
test_ip4_header(void **state)
{
	uint8_t f[128], g[128];
	size_t n;

	(void)state;
	n = t_udp(f, 4, T_PORT, "hello", 5);
	EXPECT(f, n, VH_DROP_NONE);
	EXPECT(f, 14 + 19, VH_DROP_IP4_SHORT);
#define IP4_MUT(code, want)         \
	do {                        \
		memcpy(g, f, n);    \
		code;               \
		t_fix_ip4(g);       \
		EXPECT(g, n, want); \
	} while (0)
	IP4_MUT(g[14] = 0x65, VH_DROP_IP4_BAD_VERSION);
	IP4_MUT(g[14] = 0x45 - 0x40, VH_DROP_IP4_BAD_VERSION);
	IP4_MUT(g[14] = 0x44, VH_DROP_IP4_BAD_HLEN);
	IP4_MUT(g[14] = 0x40, VH_DROP_IP4_BAD_HLEN);
	IP4_MUT(g[14] = 0x46, VH_DROP_IP4_OPTIONS);
	IP4_MUT(g[14] = 0x4f, VH_DROP_IP4_OPTIONS);
	IP4_MUT(t_be16(g + 16, (unsigned int)n - 14 + 1), VH_DROP_IP4_BAD_LEN);
	IP4_MUT(t_be16(g + 16, 19), VH_DROP_IP4_BAD_LEN);
	IP4_MUT(t_be16(g + 16, 0), VH_DROP_IP4_BAD_LEN);
	IP4_MUT(g[20] = 0x20, VH_DROP_IP4_FRAGMENT);           /* MF */
	IP4_MUT(g[21] = 0x01, VH_DROP_IP4_FRAGMENT);           /* offset 8 */
	IP4_MUT((g[20] = 0x40, g[21] = 0), VH_DROP_NONE);      /* DF only */
	IP4_MUT((g[20] = 0x00, g[21] = 0), VH_DROP_NONE);      /* no flags */
	IP4_MUT(memset(g + 26, 0, 4), VH_DROP_IP4_BAD_SRC);    /* 0.0.0.0 */
	IP4_MUT(memset(g + 26, 0xff, 4), VH_DROP_IP4_BAD_SRC); /* broadcast */
	IP4_MUT(g[26] = 224, VH_DROP_IP4_BAD_SRC);             /* multicast */
	IP4_MUT(g[26] = 239, VH_DROP_IP4_BAD_SRC);
	IP4_MUT(g[26] = 240, VH_DROP_IP4_BAD_SRC);                /* class E */
	IP4_MUT(g[26] = 127, VH_DROP_IP4_BAD_SRC);                /* loopback */
	IP4_MUT(g[29] = 255, VH_DROP_IP4_BAD_SRC);                /* 10.0.0.255, our subnet */
	IP4_MUT((g[28] = 1, t_fix_l4(g, 6)), VH_DROP_NONE);       /* 10.0.1.2, off-link */
	IP4_MUT(g[6] = 0x03, VH_DROP_IP4_BAD_SRC);                /* group source MAC */
	IP4_MUT(g[33] = 3, VH_DROP_IP4_NOT_FOR_US);               /* 10.0.0.3 */
	IP4_MUT(g[33] = 255, VH_DROP_IP4_NOT_FOR_US);             /* subnet broadcast */
	IP4_MUT(memset(g + 30, 0xff, 4), VH_DROP_IP4_NOT_FOR_US); /* limited broadcast */
	IP4_MUT(g[23] = 6, VH_DROP_L4_UNKNOWN_PROTO);             /* TCP */
	IP4_MUT(g[23] = 47, VH_DROP_L4_UNKNOWN_PROTO);            /* GRE */
	IP4_MUT(g[23] = 2, VH_DROP_L4_UNKNOWN_PROTO);             /* IGMP */
	/* header checksum: wrong, and one bit off */
	memcpy(g, f, n);
	g[24] ^= 0x01;
	EXPECT(g, n, VH_DROP_IP4_BAD_CSUM);
	memcpy(g, f, n);
	g[22] = 63; /* TTL changed, checksum not */
	EXPECT(g, n, VH_DROP_IP4_BAD_CSUM);
	/* the subnet broadcast follows the prefix: 10.0.0.3 is one in a /30 only */
	{
		struct vh_net_if p30 = if1;

		p30.ip4_plen = 30;
		IP4_MUT((g[29] = 3, t_fix_l4(g, 6)), VH_DROP_NONE);
		EXPECT_IF(g, n, &p30, VH_DROP_IP4_BAD_SRC);
	}
	/* an interface without IPv4 */
	{
		struct vh_net_if noip = if1;

		noip.ip4 = 0;
		EXPECT_IF(f, n, &noip, VH_DROP_IP4_NOT_FOR_US);
	}
#undef IP4_MUT
}

static void
test_udp4(void **state)
{
	uint8_t f[128], g[128];
	size_t n;

	(void)state;
	n = t_udp(f, 4, T_PORT, "hello", 5);
	EXPECT(f, n, VH_DROP_NONE);
	assert_int_equal(pkt.kind, VH_NET_OVERLAY);
	assert_int_equal(pkt.payload_len, 5);
	assert_int_equal(pkt.sport, 40000);

	n = t_udp(f, 4, T_PORT + 1, "hello", 5);
	EXPECT(f, n, VH_DROP_UDP_PORT_CLOSED);
	n = t_udp(f, 4, 53, "hello", 5);
	EXPECT(f, n, VH_DROP_UDP_PORT_CLOSED);

	n = t_udp(f, 4, T_PORT, "hello", 5);
	memcpy(g, f, n);
	g[34 + 8] ^= 0x20; /* payload changed under the checksum */
	EXPECT(g, n, VH_DROP_UDP_BAD_CSUM);
	memcpy(g, f, n);
	g[34 + 7] ^= 0x01;
	EXPECT(g, n, VH_DROP_UDP_BAD_CSUM);
	/* no checksum is allowed on IPv4 (RFC 768) */
	memcpy(g, f, n);
	g[34 + 6] = g[34 + 7] = 0;
	EXPECT(g, n, VH_DROP_NONE);
	g[34 + 8] ^= 0x20;
	EXPECT(g, n, VH_DROP_NONE);
	/* UDP length against the IP payload */
	memcpy(g, f, n);
	t_be16(g + 34 + 4, 14);
	t_fix_l4(g, 6);
	EXPECT(g, n, VH_DROP_UDP_BAD_LEN);
	memcpy(g, f, n);
	t_be16(g + 34 + 4, 12);
	EXPECT(g, n, VH_DROP_UDP_BAD_LEN);
	memcpy(g, f, n);
	t_be16(g + 34 + 4, 7);
	EXPECT(g, n, VH_DROP_UDP_BAD_LEN);
	/* IP payload shorter than a UDP header */
	n = t_udp(f, 4, T_PORT, "", 0);
	EXPECT(f, n, VH_DROP_NONE);
	assert_int_equal(pkt.payload_len, 0);
	t_be16(f + 16, 20 + 7);
	t_fix_ip4(f);
	EXPECT(f, n - 1, VH_DROP_UDP_SHORT);
}

static void
test_icmp4(void **state)
{
	uint8_t f[128], g[128];
	size_t n;

	(void)state;
	n = t_icmp(f, 4, 8, 0, NULL, "abcdefgh", 8);
	EXPECT(f, n, VH_DROP_NONE);
	assert_int_equal(pkt.kind, VH_NET_ICMP4_ECHO);
	assert_int_equal(pkt.sport, 0x4242);
	assert_int_equal(pkt.dport, 7);
	assert_int_equal(pkt.payload_len, 8);
	/* odd data length: the checksum pads with a zero byte */
	n = t_icmp(f, 4, 8, 0, NULL, "abcde", 5);
	EXPECT(f, n, VH_DROP_NONE);
	n = t_icmp(f, 4, 8, 0, NULL, "", 0);
	EXPECT(f, n, VH_DROP_NONE);
	assert_int_equal(pkt.payload_len, 0);

	n = t_icmp(f, 4, 8, 0, NULL, "abcdefgh", 8);
	memcpy(g, f, n);
	g[34 + 9] ^= 1;
	EXPECT(g, n, VH_DROP_ICMP_BAD_CSUM);
	memcpy(g, f, n);
	g[34 + 2] = g[34 + 3] = 0;
	EXPECT(g, n, VH_DROP_ICMP_BAD_CSUM); /* ICMP has no "no checksum" */

	n = t_icmp(f, 4, 8, 1, NULL, "abcdefgh", 8);
	EXPECT(f, n, VH_DROP_ICMP_UNSUPPORTED); /* echo with a code */
	for (unsigned int type = 0; type < 256; type++) {
		if (type == 8)
			continue;
		n = t_icmp(f, 4, (uint8_t)type, 0, NULL, "abcdefgh", 8);
		EXPECT(f, n, VH_DROP_ICMP_UNSUPPORTED);
	}
	/* shorter than an echo header: 4 bytes of ICMP */
	n = t_icmp(f, 4, 8, 0, NULL, "", 0);
	t_be16(f + 16, 24);
	t_fix_ip4(f);
	EXPECT(f, n - 4, VH_DROP_ICMP_SHORT);
}

/* Checksums the NIC verified are trusted; nothing else changes. */
static void
test_hw_offload(void **state)
{
	const unsigned int both = VH_NET_RX_IP4_CSUM_GOOD | VH_NET_RX_UDP_CSUM_GOOD;
	struct vh_net_pkt p;
	uint8_t f[128];
	size_t n;

	(void)state;
	n = t_udp(f, 4, T_PORT, "hello", 5);
	f[34 + 7] ^= 1;
	assert_int_equal(vh_net_classify_hw(f, n, &if1, 0, &p), VH_DROP_UDP_BAD_CSUM);
	assert_int_equal(
		vh_net_classify_hw(f, n, &if1, VH_NET_RX_IP4_CSUM_GOOD, &p), VH_DROP_UDP_BAD_CSUM);
	assert_int_equal(vh_net_classify_hw(f, n, &if1, VH_NET_RX_UDP_CSUM_GOOD, &p), VH_DROP_NONE);
	f[24] ^= 1;
	assert_int_equal(
		vh_net_classify_hw(f, n, &if1, VH_NET_RX_UDP_CSUM_GOOD, &p), VH_DROP_IP4_BAD_CSUM);
	assert_int_equal(vh_net_classify_hw(f, n, &if1, both, &p), VH_DROP_NONE);
	assert_int_equal(p.kind, VH_NET_OVERLAY);
	/* the other checks still apply */
	f[33] = 9;
	assert_int_equal(vh_net_classify_hw(f, n, &if1, both, &p), VH_DROP_IP4_NOT_FOR_US);

	n = t_udp(f, 6, T_PORT, "hello", 5);
	f[54 + 8] ^= 1;
	assert_int_equal(vh_net_classify_hw(f, n, &if1, 0, &p), VH_DROP_UDP_BAD_CSUM);
	assert_int_equal(vh_net_classify_hw(f, n, &if1, both, &p), VH_DROP_NONE);
	f[54 + 6] = f[54 + 7] = 0;
	assert_int_equal(vh_net_classify_hw(f, n, &if1, both, &p), VH_DROP_UDP_ZERO_CSUM6);
	/* ICMP is always checked in software */
	n = t_icmp(f, 4, 8, 0, NULL, "abcd", 4);
	f[34 + 9] ^= 1;
	assert_int_equal(vh_net_classify_hw(f, n, &if1, both, &p), VH_DROP_ICMP_BAD_CSUM);
	n = t_icmp(f, 6, 128, 0, NULL, "abcd", 4);
	f[54 + 9] ^= 1;
	assert_int_equal(vh_net_classify_hw(f, n, &if1, both, &p), VH_DROP_ICMP_BAD_CSUM);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eth),
		cmocka_unit_test(test_arp_captured),
		cmocka_unit_test(test_arp_rules),
		cmocka_unit_test(test_arp_own_address),
		cmocka_unit_test(test_ip4_captured),
		cmocka_unit_test(test_ip4_header),
		cmocka_unit_test(test_udp4),
		cmocka_unit_test(test_icmp4),
		cmocka_unit_test(test_hw_offload),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
