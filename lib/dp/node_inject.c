/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vh_ctrl_inject: source node taking complete frames the control lcore wants
 * sent (ARP and ND answers, pings, handshakes) from this lcore's ring.
 */
#include "dp_priv.h"

static uint16_t
inject_process(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t cnt)
{
	struct dp_lcore *lc = node_lcore(node);
	unsigned int n;

	RTE_SET_USED(objs);
	RTE_SET_USED(cnt);
	n = rte_ring_sc_dequeue_burst(lc->inject, node->objs, DP_BURST, NULL);
	if (n == 0)
		return 0;
	lc->injected += n;
	lc->work += (uint16_t)n;
	node->idx = (uint16_t)n;
	rte_node_next_stream_move(graph, node, 0);
	return (uint16_t)n;
}

static struct rte_node_register inject_node = {
	.name = DP_NODE_INJECT,
	.flags = RTE_NODE_SOURCE_F,
	.process = inject_process,
	.init = dp_node_init,
	.nb_edges = 1,
	.next_nodes = {DP_NODE_TX},
};

RTE_NODE_REGISTER(inject_node);
