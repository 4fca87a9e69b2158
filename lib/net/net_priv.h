/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/net internals: wire offsets and small address helpers shared by the
 * classifier and the builders. Frames are only ever accessed bytewise or
 * through DPDK's packed header structs, so no alignment is assumed.
 */
#ifndef VH_NET_PRIV_H
#define VH_NET_PRIV_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_arp.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "vh_net.h"

#define ETH_LEN RTE_ETHER_HDR_LEN /* 14 */
#define ARP_LEN 28
#define IP4_LEN 20
#define IP6_LEN 40
#define UDP_LEN 8
#define ICMP_ECHO_LEN 8
#define ND_LEN 24 /* ICMPv6 header + reserved/flags + target */
#define ND_OPT_SLLA 1
#define ND_OPT_TLLA 2
#define ND_HOP_LIMIT 255
#define REPLY_TTL 64

#define ICMP6_ECHO_REQUEST 128
#define ICMP6_ECHO_REPLY 129
#define ICMP6_NS 135
#define ICMP6_NA 136

static inline uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void
wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
swap_bytes(uint8_t *a, uint8_t *b, size_t n)
{
	uint8_t t[16];

	/* n is a constant at every call: the copies compile to a few moves */
	RTE_ASSERT(n <= sizeof(t));
	memcpy(t, a, n);
	memcpy(a, b, n);
	memcpy(b, t, n);
}

static inline bool
mac_is_group(const uint8_t *mac)
{
	return (mac[0] & 1) != 0;
}

static inline bool
mac_is_zero(const uint8_t *mac)
{
	return (mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]) == 0;
}

static inline bool
ip6_is_zero(const uint8_t *a)
{
	uint8_t x = 0;

	for (int i = 0; i < 16; i++)
		x |= a[i];
	return x == 0;
}

static inline bool
ip6_is_multicast(const uint8_t *a)
{
	return a[0] == 0xff;
}

static inline bool
ip6_is_linklocal(const uint8_t *a)
{
	return a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
}

/* ff02::1:ffXX:XXXX, the solicited-node group of addr (RFC 4291 2.7.1). */
static inline void
ip6_solicited_node(uint8_t group[16], const uint8_t *addr)
{
	static const uint8_t prefix[13] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff};

	memcpy(group, prefix, sizeof(prefix));
	memcpy(group + 13, addr + 13, 3);
}

/* 33:33 + the low 32 bits of an IPv6 multicast group (RFC 2464 7). */
static inline void
ip6_mcast_mac(uint8_t mac[6], const uint8_t *group)
{
	mac[0] = 0x33;
	mac[1] = 0x33;
	memcpy(mac + 2, group + 12, 4);
}

/* addr.c */
/* True when a is one of ifc's unicast IPv6 addresses (globals or ll6). */
bool net_ip6_is_ours(const struct vh_net_if *ifc, const uint8_t *a);
/*
 * Our IPv6 source for talking to dst: ll6 for a link-local dst, else the
 * first global address on dst's prefix, else ip6[0], else (only when
 * ll6_fallback) ll6. Returns NULL when there is none.
 */
const uint8_t *net_ip6_src(const struct vh_net_if *ifc, const uint8_t *dst, bool ll6_fallback);

/*
 * The folded 16-bit one's complement sum of buf, the value rte_raw_cksum()
 * gives, computed 8 bytes at a time: summing 32-bit words and folding is
 * the same as summing 16-bit words (RFC 1071), and per-packet checksums are
 * most of what classify costs without NIC offload.
 */
static inline uint16_t
csum_raw(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint64_t sum = 0;

	for (; len >= 8; p += 8, len -= 8) {
		uint64_t v;

		memcpy(&v, p, 8);
		sum += (v & 0xffffffffu) + (v >> 32);
	}
	if (len >= 4) {
		uint32_t v;

		memcpy(&v, p, 4);
		sum += v;
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		uint16_t v;

		memcpy(&v, p, 2);
		sum += v;
		p += 2;
		len -= 2;
	}
	if (len == 1) {
		uint16_t v = 0;

		memcpy(&v, p, 1); /* the odd byte is the first byte of a zero-padded word */
		sum += v;
	}
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* Folded, non-complemented UDPv4 sum of the pseudo-header and l4. */
static inline uint16_t
l4_sum4(const struct rte_ipv4_hdr *ip4, const uint8_t *l4, size_t l4_len)
{
	/* pseudo-header: addresses as they sit in the header, then 0|proto, length */
	uint32_t sum = csum_raw(&ip4->src_addr, 8);

	sum += (uint32_t)ip4->next_proto_id << 8;
	sum += rte_bswap16((uint16_t)l4_len);
	sum += csum_raw(l4, l4_len);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* Folded, non-complemented ICMPv6 / UDPv6 sum of the pseudo-header and l4. */
static inline uint16_t
l4_sum6(const struct rte_ipv6_hdr *ip6, const uint8_t *l4, size_t l4_len)
{
	/* pseudo-header (RFC 8200 8.1): addresses, 32-bit length, next header */
	uint32_t sum = csum_raw(ip6->src_addr, 32);

	sum += (uint32_t)ip6->proto << 8;
	sum += rte_bswap16((uint16_t)l4_len) + rte_bswap16((uint16_t)(l4_len >> 16));
	sum += csum_raw(l4, l4_len);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

#endif /* VH_NET_PRIV_H */
