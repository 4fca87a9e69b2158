/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test helpers for lib/net: the two nodes of tests/net/captured.h as
 * struct vh_net_if, frames written field by field, and an Internet checksum
 * written independently of lib/net and DPDK (big-endian byte pairs, RFC 1071)
 * to verify what the library computes.
 */
#ifndef VH_NET_TEST_H
#define VH_NET_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "vh_net.h"

#define T_PORT 22088

static const uint8_t mac1[6] = {0x02, 0, 0, 0, 0, 0x01};
static const uint8_t mac2[6] = {0x02, 0, 0, 0, 0, 0x02};
static const uint8_t ip4_1[4] = {10, 0, 0, 1};
static const uint8_t ip4_2[4] = {10, 0, 0, 2};
static const uint8_t ip6_1[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x01};
static const uint8_t ip6_2[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x02};
static const uint8_t ll6_1[16] = {0xfe, 0x80, [11] = 0xff, 0xfe, 0x00, 0x00, 0x01};
static const uint8_t ll6_2[16] = {0xfe, 0x80, [11] = 0xff, 0xfe, 0x00, 0x00, 0x02};

/* Node 1 (n = 1) or node 2 (n = 2) of the captures. */
static inline void
t_ifc(struct vh_net_if *ifc, int n)
{
	memset(ifc, 0, sizeof(*ifc));
	memcpy(ifc->mac, n == 1 ? mac1 : mac2, 6);
	memcpy(&ifc->ip4, n == 1 ? ip4_1 : ip4_2, 4);
	ifc->ip4_plen = 24;
	memcpy(ifc->ip6[0], n == 1 ? ip6_1 : ip6_2, 16);
	ifc->ip6_plen[0] = 64;
	ifc->n_ip6 = 1;
	ifc->udp_port = T_PORT;
	vh_net_if_init(ifc);
}

static inline bool
ip6_is_zero_t(const uint8_t *a)
{
	static const uint8_t zero[16];

	return memcmp(a, zero, 16) == 0;
}

/* ---- independent checksum ---- */

static inline uint32_t
t_sum(const uint8_t *p, size_t n, uint32_t acc)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		acc += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (i < n)
		acc += (uint32_t)p[i] << 8;
	return acc;
}

static inline uint16_t
t_fold(uint32_t acc)
{
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)acc;
}

/* Sum of the IPv4 pseudo-header of the frame's IPv4 header with l4 length n. */
static inline uint32_t
t_phdr4(const uint8_t *f, size_t n)
{
	uint32_t acc = t_sum(f + 14 + 12, 8, 0);

	return acc + f[14 + 9] + (uint32_t)n;
}

static inline uint32_t
t_phdr6(const uint8_t *f, size_t n, uint8_t nh)
{
	uint32_t acc = t_sum(f + 14 + 8, 32, 0);

	return acc + (uint32_t)(n >> 16) + (uint32_t)(n & 0xffff) + nh;
}

/* True when a header with its checksum field included sums to all ones. */
static inline bool
t_ip4_csum_ok(const uint8_t *f)
{
	return t_fold(t_sum(f + 14, 20, 0)) == 0xffff;
}

static inline bool
t_l4_csum_ok4(const uint8_t *f)
{
	size_t n = (size_t)(f[16] << 8 | f[17]) - 20;

	if (f[23] == 1) /* ICMP: no pseudo-header */
		return t_fold(t_sum(f + 34, n, 0)) == 0xffff;
	return t_fold(t_sum(f + 34, n, t_phdr4(f, n))) == 0xffff;
}

static inline bool
t_l4_csum_ok6(const uint8_t *f)
{
	size_t n = (size_t)(f[18] << 8 | f[19]);

	return t_fold(t_sum(f + 54, n, t_phdr6(f, n, f[20]))) == 0xffff;
}

/* ---- writing frames ---- */

static inline void
t_be16(uint8_t *p, unsigned int v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline size_t
t_eth(uint8_t *f, const uint8_t *dst, const uint8_t *src, unsigned int type)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	t_be16(f + 12, type);
	return 14;
}

static inline void
t_fix_ip4(uint8_t *f)
{
	f[24] = f[25] = 0;
	t_be16(f + 24, (uint16_t)~t_fold(t_sum(f + 14, 20, 0)));
}

/* IPv4 header (no options, DF, TTL 64, id 0x1234) with l4 length n. */
static inline void
t_ip4(uint8_t *f, const uint8_t *src, const uint8_t *dst, uint8_t proto, size_t n)
{
	uint8_t *h = f + 14;

	memset(h, 0, 20);
	h[0] = 0x45;
	t_be16(h + 2, (unsigned int)(20 + n));
	t_be16(h + 4, 0x1234);
	h[6] = 0x40;
	h[8] = 64;
	h[9] = proto;
	memcpy(h + 12, src, 4);
	memcpy(h + 16, dst, 4);
	t_fix_ip4(f);
}

static inline void
t_ip6(uint8_t *f, const uint8_t *src, const uint8_t *dst, uint8_t nh, size_t n, uint8_t hops)
{
	uint8_t *h = f + 14;

	memset(h, 0, 40);
	h[0] = 0x60;
	t_be16(h + 4, (unsigned int)n);
	h[6] = nh;
	h[7] = hops;
	memcpy(h + 8, src, 16);
	memcpy(h + 24, dst, 16);
}

/* Recompute the UDP/ICMP/ICMPv6 checksum at offset csum in the l4 header. */
static inline void
t_fix_l4(uint8_t *f, size_t csum)
{
	bool v6 = f[12] == 0x86;
	size_t l4 = v6 ? 54 : 34;
	size_t n = v6 ? (size_t)(f[18] << 8 | f[19]) : (size_t)(f[16] << 8 | f[17]) - 20;
	uint32_t acc;

	f[l4 + csum] = f[l4 + csum + 1] = 0;
	if (v6)
		acc = t_phdr6(f, n, f[20]);
	else
		acc = f[23] == 1 ? 0 : t_phdr4(f, n);
	t_be16(f + l4 + csum, (uint16_t)~t_fold(t_sum(f + l4, n, acc)));
}

/* UDP datagram from node 2 to node 1's dport, IPv4 or IPv6, payload "p". */
static inline size_t
t_udp(uint8_t *f, int ver, unsigned int dport, const void *p, size_t n)
{
	size_t l4 = ver == 4 ? 34 : 54;

	t_eth(f, mac1, mac2, ver == 4 ? 0x0800 : 0x86dd);
	if (ver == 4)
		t_ip4(f, ip4_2, ip4_1, 17, 8 + n);
	else
		t_ip6(f, ip6_2, ip6_1, 17, 8 + n, 64);
	t_be16(f + l4, 40000);
	t_be16(f + l4 + 2, dport);
	t_be16(f + l4 + 4, (unsigned int)(8 + n));
	memcpy(f + l4 + 8, p, n);
	t_fix_l4(f, 6);
	return l4 + 8 + n;
}

/* ICMP or ICMPv6 message (type, code, 4 more header bytes, data) from node 2. */
static inline size_t
t_icmp(uint8_t *f, int ver, uint8_t type, uint8_t code, const uint8_t *dst6, const void *data,
	size_t n)
{
	size_t l4 = ver == 4 ? 34 : 54;

	if (ver == 4) {
		t_eth(f, mac1, mac2, 0x0800);
		t_ip4(f, ip4_2, ip4_1, 1, 8 + n);
	} else {
		t_eth(f, mac1, mac2, 0x86dd);
		t_ip6(f, ip6_2, dst6 != NULL ? dst6 : ip6_1, 58, 8 + n, 64);
	}
	f[l4] = type;
	f[l4 + 1] = code;
	t_be16(f + l4 + 4, 0x4242);
	t_be16(f + l4 + 6, 7);
	memcpy(f + l4 + 8, data, n);
	t_fix_l4(f, 2);
	return l4 + 8 + n;
}

#endif /* VH_NET_TEST_H */
