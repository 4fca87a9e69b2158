/* SPDX-License-Identifier: BSD-3-Clause */
/* What the eal tests share (test_dp.c, test_dp_mix.c): the data plane's
 * configuration and the frames they feed it. */
#ifndef VH_TESTS_EAL_FRAMES_H
#define VH_TESTS_EAL_FRAMES_H

#include <stdbool.h>
#include <stdio.h>
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

/*
 * A data plane on one ring port (net_ring0: what the tests inject comes back
 * in) with this MAC and IPv4 /24, adaptive idle; multi: one worker lcore.
 */
static inline void
eal_ring_conf(struct vh_dp_conf *c, const uint8_t *mac, uint32_t ip, bool multi)
{
	memset(c, 0, sizeof(*c));
	c->n_ports = 1;
	snprintf(c->ports[0].name, sizeof(c->ports[0].name), "ring0");
	snprintf(c->ports[0].devargs, sizeof(c->ports[0].devargs), "net_ring0");
	memcpy(c->ports[0].ifc.mac, mac, 6);
	c->ports[0].has_mac = true;
	c->ports[0].ifc.ip4 = rte_cpu_to_be_32(ip);
	c->ports[0].ifc.ip4_plen = 24;
	c->ports[0].mtu = 1500;
	c->ports[0].rx_desc = 256;
	c->ports[0].tx_desc = 256;
	if (multi) {
		c->n_workers = 1;
		c->workers[0] = 1;
	}
	c->idle = VH_DP_IDLE_ADAPTIVE;
	c->idle_sleep_max_us = 100;
	c->mbufs = 4095;
	c->mbuf_cache = 64;
	c->udp_port = VH_DEFAULT_UDP_PORT;
}

#endif /* VH_TESTS_EAL_FRAMES_H */
