/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vh_tx: sends each run of packets for the same port with one burst on this
 * lcore's queue of that port; what the queue refuses is dropped and counted.
 */
#include <rte_ethdev.h>

#include "dp_priv.h"

static uint16_t
send_run(struct dp_lcore *lc, uint16_t port, struct rte_mbuf **pkts, uint16_t n)
{
	struct dp_txq *q = &lc->txq[port];
	uint16_t sent;

	if (unlikely(q->lock != NULL)) {
		rte_spinlock_lock(q->lock);
		sent = rte_eth_tx_burst(port, q->queue, pkts, n);
		rte_spinlock_unlock(q->lock);
	} else {
		sent = rte_eth_tx_burst(port, q->queue, pkts, n);
	}
	return sent;
}

static uint16_t
tx_process(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t cnt)
{
	struct dp_lcore *lc = node_lcore(node);
	struct rte_mbuf **pkts = (struct rte_mbuf **)objs;
	uint16_t i = 0;

	while (i < cnt) {
		uint16_t port = pkts[i]->port;
		uint16_t j = i + 1;
		uint16_t sent;

		while (j < cnt && pkts[j]->port == port)
			j++;
		sent = send_run(lc, port, &pkts[i], j - i);
		lc->tx_packets += sent;
		if (unlikely(sent < j - i)) {
			for (uint16_t k = i + sent; k < j; k++)
				dp_set_drop(pkts[k], VH_DROP_TX_FULL);
			rte_node_enqueue(graph, node, 0, &objs[i + sent], j - i - sent);
		}
		i = j;
	}
	return cnt;
}

static struct rte_node_register tx_node = {
	.name = DP_NODE_TX,
	.process = tx_process,
	.init = dp_node_init,
	.nb_edges = 1,
	.next_nodes = {DP_NODE_DROP},
};

RTE_NODE_REGISTER(tx_node);
