/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internal to lib/dp: what every graph node shares (lcores, ports, the data
 * plane). Each node family has its own header beside it: dp_session.h (link
 * sessions: vh_link_decrypt, vh_link_encrypt), dp_fwd.h (forwarding by
 * NodeID: vh_overlay_fwd), dp_mix.h (the mixnode: vh_mix, vh_mix_out).
 */
#ifndef VH_DP_PRIV_H
#define VH_DP_PRIV_H

#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_graph.h>
#include <rte_graph_worker.h>
#include <rte_log.h>
#include <rte_ring.h>
#include <rte_spinlock.h>

#include <rte_hash.h>
#include <rte_rcu_qsbr.h>

#include "vh_dp.h"

#define DP_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, vh_dp_logtype, "dp: " fmt "\n", ##__VA_ARGS__)

/*
 * Per-edge batches for rte_node_enqueue(): void *out[EDGES][BURST] DP_BATCH_INIT.
 * The static analyzer follows rte_node_enqueue() into rte_memcpy()'s 1-byte
 * tail (n & 1), which a copy of whole pointers never takes, and reports the
 * byte it would read there as garbage. Only the analyzer sees the arrays
 * zeroed: for the compiler that would be an 8 KiB memset per burst.
 */
#ifdef __clang_analyzer__
#define DP_BATCH_INIT = {{NULL}}
#else
#define DP_BATCH_INIT
#endif

#define DP_BURST 32
#define DP_RING_SIZE 1024
/* Idle loops spun before the first sleep: short bursts of silence are normal. */
#define DP_IDLE_SPINS 256

struct dp_rxq {
	uint16_t port_id;
	uint16_t queue;
	bool stamp; /* the PMD leaves mbuf->port as it was (net_ring): set it */
};

/* A transmit queue; lock is set only when lcores have to share the queue. */
struct dp_txq {
	uint16_t queue;
	rte_spinlock_t *lock;
};

/* Everything one graph lcore touches on its fast path, in one place. */
struct dp_lcore {
	struct vh_dp *dp;
	struct vh_aead *aead; /* this lcore's own engine (ipsec-mb managers are per thread) */
	struct rte_graph *graph;
	rte_graph_t graph_id;
	struct rte_ring *punt;   /* this lcore -> control (SP/SC) */
	struct rte_ring *inject; /* control -> this lcore (SP/SC) */
	unsigned int lcore_id;
	unsigned int index;
	uint16_t n_rxq;
	uint16_t work; /* packets the source nodes produced in the current walk */
	struct dp_rxq rxq[VH_DP_MAX_PORTS];
	struct dp_txq txq[RTE_MAX_ETHPORTS];
	uint32_t idle_spins;
	uint32_t sleep_us;
	/* counters, written only by this lcore */
	uint64_t rx_packets;
	uint64_t tx_packets;
	uint64_t punted;
	uint64_t injected;
	uint64_t dropped;
	uint64_t loops;
	uint64_t idle_sleeps;
	uint64_t drops[VH_DROP_MAX];
} __rte_cache_aligned;

struct dp_port {
	struct vh_dp_port_conf conf;
	uint16_t port_id;
	uint16_t n_rxq;
	uint16_t n_txq;
	bool stamp_port; /* the PMD does not set mbuf->port (net_ring) */
	bool probed;
	bool started;
	rte_spinlock_t tx_lock[VH_DP_MAX_WORKERS];
};

struct dp_session;
struct dp_neigh;
struct dp_mix;

struct vh_dp {
	struct vh_dp_conf conf;
	unsigned int inst; /* which live data plane of the process (dp_name) */
	struct rte_mempool *pool;
	unsigned int n_lcores;
	struct dp_lcore *lcores; /* n_lcores, cache aligned */
	struct dp_port ports[VH_DP_MAX_PORTS];
	int16_t port_index[RTE_MAX_ETHPORTS]; /* -1: not ours */
	/* per-port: which graph lcore sends the control lcore's frames */
	uint16_t inject_lcore[VH_DP_MAX_PORTS];
	struct dp_session *sessions[VH_DP_SESSIONS]; /* written by control, read by workers */
	struct rte_rcu_qsbr *qs;
	struct rte_hash *fwd;
	unsigned int fwd_routes;
	struct dp_mix *mix; /* the mixnode, NULL when off (mix_keys.c) */
	uint8_t self_id[VH_DP_NODE_ID_LEN];
	bool has_self;
	struct dp_neigh *neigh; /* greedy step; replaced whole, RCU */
	struct rte_rcu_qsbr_dq *dq;
	volatile bool running;
	bool launched;
	uint64_t control_drops[VH_DROP_MAX];
};

/* Node names; every node of the graph has the vh_ prefix. */
#define DP_NODE_RX "vh_rx"
#define DP_NODE_CLASSIFY "vh_classify"
#define DP_NODE_BIFROST_IN "vh_bifrost_in"
#define DP_NODE_PUNT "vh_punt"
#define DP_NODE_INJECT "vh_ctrl_inject"
#define DP_NODE_TX "vh_tx"
#define DP_NODE_DROP "vh_drop"

/* Set while graphs are created, so node init callbacks find their lcore. */
extern struct dp_lcore *dp_lcore_creating;

/* The lcore state a node instance belongs to (stored in its ctx). */
static inline struct dp_lcore *
node_lcore(const struct rte_node *node)
{
	struct dp_lcore *lc;

	memcpy(&lc, node->ctx, sizeof(lc));
	return lc;
}

/* Node init callback shared by every vh_ node: remember the lcore. */
int dp_node_init(const struct rte_graph *graph, struct rte_node *node);

/* Mark a packet for the drop node. */
static inline void
dp_set_drop(struct rte_mbuf *m, enum vh_drop reason)
{
	vh_dp_meta(m)->reason = reason;
}

int dp_ports_setup(struct vh_dp *dp);
void dp_ports_close(struct vh_dp *dp);
/*
 * A DPDK object name (mempool, ring, graph: process-wide names) of this
 * data plane: base as it is for the first, base.N for a second one live in
 * the same process (tests run two nodes in one process).
 */
void dp_name(const struct vh_dp *dp, char *buf, size_t cap, const char *base);
int dp_graphs_create(struct vh_dp *dp);
void dp_graphs_destroy(struct vh_dp *dp);
int dp_worker_main(void *arg);
void dp_idle(struct dp_lcore *lc, unsigned int work);

#endif /* VH_DP_PRIV_H */
