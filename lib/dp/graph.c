/* SPDX-License-Identifier: BSD-3-Clause */
/* One rte_graph per graph lcore, built from every registered vh_ node. */
#include <stdio.h>
#include <string.h>

#include "dp_priv.h"

struct dp_lcore *dp_lcore_creating;

int
dp_node_init(const struct rte_graph *graph, struct rte_node *node)
{
	RTE_SET_USED(graph);
	/* the ctx holds the pointer itself, not what it points to */
	RTE_BUILD_BUG_ON(sizeof(dp_lcore_creating) > RTE_NODE_CTX_SZ);    /* NOLINT */
	memcpy(node->ctx, &dp_lcore_creating, sizeof(dp_lcore_creating)); /* NOLINT */
	return 0;
}

int
dp_graphs_create(struct vh_dp *dp)
{
	static const char *patterns[] = {"vh_*"};

	for (unsigned int i = 0; i < dp->n_lcores; i++) {
		struct dp_lcore *lc = &dp->lcores[i];
		struct rte_graph_param prm = {
			.socket_id = (int)rte_lcore_to_socket_id(lc->lcore_id),
			.nb_node_patterns = RTE_DIM(patterns),
			.node_patterns = patterns,
		};
		char base[RTE_GRAPH_NAMESIZE], name[RTE_GRAPH_NAMESIZE];

		snprintf(base, sizeof(base), "vh_graph_%u", lc->lcore_id);
		dp_name(dp, name, sizeof(name), base);
		dp_lcore_creating = lc;
		lc->graph_id = rte_graph_create(name, &prm);
		dp_lcore_creating = NULL;
		if (lc->graph_id == RTE_GRAPH_ID_INVALID) {
			DP_LOG(ERR, "cannot create graph %s: %s", name, rte_strerror(rte_errno));
			return -rte_errno;
		}
		lc->graph = rte_graph_lookup(name);
	}
	return 0;
}

void
dp_graphs_destroy(struct vh_dp *dp)
{
	for (unsigned int i = 0; i < dp->n_lcores; i++) {
		struct dp_lcore *lc = &dp->lcores[i];

		if (lc->graph == NULL)
			continue;
		rte_graph_destroy(lc->graph_id);
		lc->graph = NULL;
	}
}

void
vh_dp_graph_stats(const struct vh_dp *dp,
	void (*cb)(unsigned int lcore, const char *node, uint64_t calls, uint64_t objs,
		uint64_t cycles, void *arg),
	void *arg)
{
	rte_node_t max = rte_node_max_count();

	for (unsigned int i = 0; i < dp->n_lcores; i++) {
		const struct dp_lcore *lc = &dp->lcores[i];

		if (lc->graph == NULL)
			continue;
		for (rte_node_t id = 0; id < max; id++) {
			struct rte_node *n = rte_graph_node_get(lc->graph_id, id);

			if (n == NULL || strncmp(n->name, "vh_", 3) != 0)
				continue;
			cb(lc->lcore_id, n->name, n->total_calls, n->total_objs, n->total_cycles,
				arg);
		}
	}
}
