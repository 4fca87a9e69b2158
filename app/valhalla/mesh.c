/* SPDX-License-Identifier: BSD-3-Clause */
/* Overlay routing by NodeID and the DHT over link sessions (being written). */
#include "node.h"

int
mesh_start(struct node *n)
{
	RTE_SET_USED(n);
	return 0;
}

void
mesh_stop(struct node *n)
{
	RTE_SET_USED(n);
}

void
mesh_tick(struct node *n, uint64_t now_ms)
{
	RTE_SET_USED(n);
	RTE_SET_USED(now_ms);
}

void
mesh_datagram(struct node *n, const uint8_t *from, uint8_t *p, size_t len)
{
	RTE_SET_USED(n);
	RTE_SET_USED(from);
	RTE_SET_USED(p);
	RTE_SET_USED(len);
}

void
mesh_opened_input(struct node *n, struct rte_mbuf *m)
{
	const struct vh_dp_meta *meta = vh_dp_meta(m);
	const struct vh_net_pkt *pkt = &meta->pkt;
	struct vh_veil_endpoint src;

	if (pkt->ip_ver == 4)
		vh_veil_endpoint_ipv4(&src, pkt->src, pkt->sport);
	else
		vh_veil_endpoint_ipv6(&src, pkt->src, pkt->sport);
	if (!meta->hop_expired)
		link_opened_input(n, meta->session_index,
			rte_pktmbuf_mtod_offset(m, uint8_t *, meta->inner_off), meta->inner_len,
			&src);
	rte_pktmbuf_free(m);
}

void
mesh_link_event(struct node *n, const uint8_t *nodeid, bool up)
{
	RTE_SET_USED(n);
	RTE_SET_USED(nodeid);
	RTE_SET_USED(up);
}

int
mesh_register(struct node *n)
{
	RTE_SET_USED(n);
	return 0;
}
