/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vh_classify: validates Ethernet/IP/UDP/ICMP with lib/net and sends each
 * packet to the overlay (bifrost_in), the control lcore (punt) or drop.
 */
#include <rte_prefetch.h>

#include "dp_priv.h"

enum { CLS_DROP, CLS_BIFROST, CLS_PUNT, CLS_MAX };

/* Checksums the NIC verified are not computed again; only GOOD counts. */
static inline unsigned int
hw_flags(uint64_t ol)
{
	unsigned int hw = 0;

	if ((ol & RTE_MBUF_F_RX_IP_CKSUM_MASK) == RTE_MBUF_F_RX_IP_CKSUM_GOOD)
		hw |= VH_NET_RX_IP4_CSUM_GOOD;
	if ((ol & RTE_MBUF_F_RX_L4_CKSUM_MASK) == RTE_MBUF_F_RX_L4_CKSUM_GOOD)
		hw |= VH_NET_RX_UDP_CSUM_GOOD;
	return hw;
}

static inline unsigned int
classify_one(const struct vh_dp *dp, struct rte_mbuf *m)
{
	struct vh_dp_meta *meta = vh_dp_meta(m);
	int idx = m->port < RTE_MAX_ETHPORTS ? dp->port_index[m->port] : -1;
	int rc;

	meta->opened = 0;
	meta->hop_expired = 0;
	if (unlikely(idx < 0)) { /* rx stamps its port: never, but never ports[-1] */
		meta->port_idx = 0;
		meta->reason = VH_DROP_ETH_NOT_FOR_US;
		return CLS_DROP;
	}
	meta->port_idx = (uint16_t)idx;
	if (unlikely(m->nb_segs != 1)) {
		meta->reason = VH_DROP_ETH_MULTI_SEG;
		return CLS_DROP;
	}
	rc = vh_net_classify_hw(rte_pktmbuf_mtod(m, const uint8_t *), rte_pktmbuf_data_len(m),
		&dp->ports[idx].conf.ifc, hw_flags(m->ol_flags), &meta->pkt);
	if (rc != 0) {
		meta->reason = (uint16_t)rc;
		return CLS_DROP;
	}
	meta->reason = VH_DROP_NONE;
	return meta->pkt.kind == VH_NET_OVERLAY ? CLS_BIFROST : CLS_PUNT;
}

static uint16_t
classify_process(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t cnt)
{
	const struct vh_dp *dp = node_lcore(node)->dp;
	void *out[CLS_MAX][RTE_GRAPH_BURST_SIZE] DP_BATCH_INIT;
	uint16_t n[CLS_MAX] = {0};

	/*
	 * The headers and the metadata of the whole burst are requested
	 * before the first packet is parsed: a frame written by another core
	 * (or a NIC) costs a miss per line, and the misses overlap this way
	 * instead of being paid one after the other (vh_rx already asked for
	 * the mbufs themselves).
	 */
	for (uint16_t i = 0; i < cnt; i++) {
		struct rte_mbuf *m = objs[i];

		rte_prefetch0(rte_pktmbuf_mtod(m, void *));
		rte_prefetch0(vh_dp_meta(m));
		rte_prefetch0(RTE_PTR_ADD(vh_dp_meta(m), RTE_CACHE_LINE_SIZE));
	}
	for (uint16_t i = 0; i < cnt; i++) {
		unsigned int next = classify_one(dp, objs[i]);

		out[next][n[next]++] = objs[i];
	}
	for (unsigned int next = 0; next < CLS_MAX; next++)
		if (n[next] != 0)
			rte_node_enqueue(graph, node, next, out[next], n[next]);
	return cnt;
}

static struct rte_node_register classify_node = {
	.name = DP_NODE_CLASSIFY,
	.process = classify_process,
	.init = dp_node_init,
	.nb_edges = CLS_MAX,
	.next_nodes =
		{
			[CLS_DROP] = DP_NODE_DROP,
			[CLS_BIFROST] = DP_NODE_BIFROST_IN,
			[CLS_PUNT] = DP_NODE_PUNT,
		},
};

RTE_NODE_REGISTER(classify_node);
