/* SPDX-License-Identifier: BSD-3-Clause */
/* The runtime's own state: internal to lib/node. */
#ifndef VH_NODE_PRIV_H
#define VH_NODE_PRIV_H

#include <rte_timer.h>

#include "vh_node.h"

/* Counters of the runtime itself: what came in and where it went. */
#define NODE_COUNTERS(X)           \
	X(punt_rx)                 \
	X(punt_unhandled)          \
	X(bifrost_data_rx)         \
	X(bifrost_control_rx)      \
	X(bifrost_keepalive_rx)    \
	X(bifrost_close_rx)        \
	X(bifrost_echo_request_rx) \
	X(bifrost_echo_reply_rx)   \
	X(bifrost_other_rx)        \
	X(bifrost_unhandled)       \
	X(overlay_unhandled)

struct node_counters {
	NODE_COUNTERS(VH_NODE_COUNTER_FIELD)
};

struct node_svc {
	struct vh_node_service ops;
	void *ctx;
	bool inited;
	bool started;
};

struct node_handler {
	void *fn;
	void *ctx;
};

struct node_block {
	const char *name;
	const char *const *names;
	const uint64_t *vals;
	unsigned int count;
};

struct vh_node {
	struct vh_config cfg;
	struct vh_identity id;
	char node_id[VH_IDENTITY_NODEID_TEXT_MAX + 1];
	struct vh_dp *dp;
	struct vh_ctl *ctl;
	int epfd;
	uint64_t start_ms;
	volatile bool stop;
	bool timer_on;
	bool pdump_on;
	struct rte_timer housekeeping;
	struct node_svc svc[VH_NODE_MAX_SERVICES];
	unsigned int n_svc;
	struct node_handler punt[VH_NODE_PUNT_MAX];
	struct node_handler frame[256];
	struct node_handler overlay[256];
	struct node_handler overlay_send;
	/* published with a release store: the metrics thread reads while we add */
	struct node_block blocks[VH_NODE_MAX_COUNTER_BLOCKS];
	unsigned int n_blocks;
	struct node_counters cnt;
	void *metrics; /* the Prometheus daemon, NULL when off */
};

/* dispatch.c: a punted packet to its handler */
void node_punt_input(struct vh_node *n, struct rte_mbuf *m);
/* cmds.c: the runtime's own commands */
int node_cmds_register(struct vh_node *n);
json_t *node_stats_json(struct vh_node *n);
/* metrics.c */
int node_metrics_start(struct vh_node *n);
void node_metrics_stop(struct vh_node *n);
/* telemetry.c */
int node_telemetry_register(struct vh_node *n);
/* The node is going: telemetry answers -ENODEV from now on. */
void node_telemetry_unregister(void);

#endif /* VH_NODE_PRIV_H */
