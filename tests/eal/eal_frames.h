/* SPDX-License-Identifier: BSD-3-Clause */
/* Frames the eal tests feed the data plane (shared by test_dp.c and test_dp_mix.c). */
#ifndef VH_TESTS_EAL_FRAMES_H
#define VH_TESTS_EAL_FRAMES_H

#include <string.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "vh_dp.h"

/* An Ethernet/IPv4/UDP frame around payload, checksums right (cmocka asserts). */
static inline struct rte_mbuf *
eal_udp4_frame(struct vh_dp *dp, uint16_t port, const uint8_t *dst_mac, const uint8_t *src_mac,
	uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport, const uint8_t *payload,
	uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(vh_dp_mempool(dp));
	struct rte_ether_hdr *eh;
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *udp;

	assert_non_null(m);
	eh = (struct rte_ether_hdr *)rte_pktmbuf_append(
		m, sizeof(*eh) + sizeof(*ip) + sizeof(*udp) + len);
	assert_non_null(eh);
	memcpy(eh->dst_addr.addr_bytes, dst_mac, 6);
	memcpy(eh->src_addr.addr_bytes, src_mac, 6);
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip = (struct rte_ipv4_hdr *)(eh + 1);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(sizeof(*ip) + sizeof(*udp) + len);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = rte_cpu_to_be_32(src);
	ip->dst_addr = rte_cpu_to_be_32(dst);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp = (struct rte_udp_hdr *)(ip + 1);
	udp->src_port = rte_cpu_to_be_16(sport);
	udp->dst_port = rte_cpu_to_be_16(dport);
	udp->dgram_len = rte_cpu_to_be_16(sizeof(*udp) + len);
	udp->dgram_cksum = 0;
	memcpy(udp + 1, payload, len);
	udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp);
	m->port = port;
	return m;
}

#endif /* VH_TESTS_EAL_FRAMES_H */
