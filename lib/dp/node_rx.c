/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vh_rx: source node polling every RX queue this lcore owns into one
 * vector for classify.
 */
#include <rte_ethdev.h>
#include <rte_prefetch.h>

#include "dp_priv.h"

static uint16_t
rx_process(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t cnt)
{
	struct dp_lcore *lc = node_lcore(node);
	uint16_t n = 0;

	RTE_SET_USED(objs);
	RTE_SET_USED(cnt);
	for (uint16_t i = 0; i < lc->n_rxq && n < node->size; i++) {
		uint16_t room = RTE_MIN((uint16_t)DP_BURST, (uint16_t)(node->size - n));

		uint16_t k = rte_eth_rx_burst(lc->rxq[i].port_id, lc->rxq[i].queue,
			(struct rte_mbuf **)&node->objs[n], room);

		/* net_ring leaves the sender's port id: classify and the punt
		 * path index our ports by it (other PMDs set it themselves) */
		for (uint16_t j = n; unlikely(lc->rxq[i].stamp) && j < n + k; j++)
			((struct rte_mbuf *)node->objs[j])->port = lc->rxq[i].port_id;
		n += k;
	}
	lc->work += n;
	if (n == 0)
		return 0;
	/* classify reads each mbuf first: ask for them all at once */
	for (uint16_t i = 0; i < n; i++)
		rte_prefetch0(node->objs[i]);
	lc->rx_packets += n;
	node->idx = n;
	rte_node_next_stream_move(graph, node, 0);
	return n;
}

static struct rte_node_register rx_node = {
	.name = DP_NODE_RX,
	.flags = RTE_NODE_SOURCE_F,
	.process = rx_process,
	.init = dp_node_init,
	.nb_edges = 1,
	.next_nodes = {DP_NODE_CLASSIFY},
};

RTE_NODE_REGISTER(rx_node);
