/* SPDX-License-Identifier: BSD-3-Clause */
/* vh_punt: hands packets to the control lcore through this lcore's ring. */
#include "dp_priv.h"

static uint16_t
punt_process(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t cnt)
{
	struct dp_lcore *lc = node_lcore(node);
	unsigned int done;

	done = rte_ring_sp_enqueue_burst(lc->punt, objs, cnt, NULL);
	lc->punted += done;
	if (unlikely(done < cnt)) {
		for (unsigned int i = done; i < cnt; i++)
			dp_set_drop(objs[i], VH_DROP_PUNT_RING_FULL);
		rte_node_enqueue(graph, node, 0, &objs[done], cnt - done);
	}
	return cnt;
}

static struct rte_node_register punt_node = {
	.name = DP_NODE_PUNT,
	.process = punt_process,
	.init = dp_node_init,
	.nb_edges = 1,
	.next_nodes = {DP_NODE_DROP},
};

RTE_NODE_REGISTER(punt_node);
