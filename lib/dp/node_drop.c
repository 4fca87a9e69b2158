/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vh_drop: the one place packets die. Every upstream node stores the reason
 * in the packet's metadata; this node counts it and frees the whole burst.
 */
#include "dp_priv.h"

static uint16_t
drop_process(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t cnt)
{
	struct dp_lcore *lc = node_lcore(node);

	RTE_SET_USED(graph);
	for (uint16_t i = 0; i < cnt; i++) {
		uint16_t reason = vh_dp_meta(objs[i])->reason;

		lc->drops[reason < VH_DROP_MAX ? reason : VH_DROP_NONE]++;
	}
	lc->dropped += cnt;
	rte_pktmbuf_free_bulk((struct rte_mbuf **)objs, cnt);
	return cnt;
}

static struct rte_node_register drop_node = {
	.name = DP_NODE_DROP,
	.process = drop_process,
	.init = dp_node_init,
	.nb_edges = 0,
};

RTE_NODE_REGISTER(drop_node);
