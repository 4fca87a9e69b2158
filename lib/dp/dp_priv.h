/* SPDX-License-Identifier: BSD-3-Clause */
/* Internal to lib/dp: the state the graph nodes share. */
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

#include "vh_aead.h"
#include "vh_dp.h"
#include "vh_veil.h"

#define DP_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, vh_dp_logtype, "dp: " fmt "\n", ##__VA_ARGS__)

#define DP_BURST 32
#define DP_RING_SIZE 1024
/* Idle loops spun before the first sleep: short bursts of silence are normal. */
#define DP_IDLE_SPINS 256

struct dp_rxq {
	uint16_t port_id;
	uint16_t queue;
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

/*
 * Replay window of a data-plane session: exactly the 2048 counters below
 * the highest accepted one (the minimum the transport promises), one bit
 * each, where lib/veil's 8192-bit window (RFC 6479 style, a word of slack)
 * would make the bitmap four times the size of everything else in the
 * session. Moving forward clears the bits of the counters skipped.
 */
#define DP_REPLAY_BITS 2048

struct dp_replay {
	uint64_t top; /* highest accepted counter + 1; 0: none yet */
	uint64_t bits[DP_REPLAY_BITS / 64];
};

/* Where a session's frames go when relaying onto it (from its conf). */
struct dp_endpoint {
	bool has_endpoint;
	uint8_t ip_ver;
	uint16_t port_idx;
	uint16_t dst_port;
	uint8_t dst_mac[6];
	uint8_t dst_ip[16];
};

/* A link keypair the workers use. Counters are updated with atomics (one add
 * per run of a session's packets in a burst): with RSS a session's frames
 * normally stay on one lcore, but nothing relies on it. The replay window is
 * the only window of the keypair: every path that opens its frames (workers,
 * and the control lcore through vh_dp_session_replay_*) checks and marks
 * counters under replay_lock. Hot fields first. */
struct dp_session {
	uint32_t local_index;
	uint32_t remote_index;
	uint64_t send_counter;
	uint8_t recv_key[32];
	uint8_t send_key[32];
	/* where frames relayed onto it go; NULL: none yet. Replaced whole by
	 * the control lcore (vh_dp_session_set_endpoint), the old one freed
	 * after an RCU grace period, so the session and its window persist */
	struct dp_endpoint *ep;
	/* where the latest newest-counter frame from elsewhere than ep came
	 * from (roaming hint for the control lcore; written only when it
	 * changes) */
	uint8_t src_ip_ver;
	uint16_t src_port;
	uint8_t src_ip[16];
	uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes, auth_failed, replayed;
	uint64_t rx_keepalives;
	rte_spinlock_t replay_lock;
	struct dp_replay replay;
} __rte_cache_aligned;

/* The session's endpoint as this burst sees it (NULL: none). */
static inline const struct dp_endpoint *
dp_session_ep(const struct dp_session *s)
{
	return __atomic_load_n(&s->ep, __ATOMIC_ACQUIRE);
}

/*
 * Could this counter be accepted? 0, or -EALREADY / -ESTALE / -ERANGE. Also
 * read without the lock, as a filter before decryption: a stale answer
 * there only costs a decryption, since dp_replay_update() decides.
 */
static inline int
dp_replay_check(const struct dp_replay *w, uint64_t counter)
{
	uint64_t top = __atomic_load_n(&w->top, __ATOMIC_ACQUIRE), word;

	if (unlikely(counter >= VH_VEIL_REJECT_AFTER_MESSAGES))
		return -ERANGE;
	if (likely(counter >= top))
		return 0;
	if (top - counter > DP_REPLAY_BITS)
		return -ESTALE;
	word = __atomic_load_n(&w->bits[(counter / 64) % RTE_DIM(w->bits)], __ATOMIC_RELAXED);
	return (word >> (counter % 64)) & 1 ? -EALREADY : 0;
}

/* Clear the bits of n counters from first on (they were skipped). */
static inline void
dp_replay_clear(struct dp_replay *w, uint64_t first, uint64_t n)
{
	if (n >= DP_REPLAY_BITS) {
		memset(w->bits, 0, sizeof(w->bits));
		return;
	}
	while (n != 0) {
		unsigned int b = (unsigned int)(first % 64);
		unsigned int k = (unsigned int)RTE_MIN(64 - b, n);
		uint64_t mask = (k == 64 ? UINT64_MAX : (UINT64_C(1) << k) - 1) << b;

		w->bits[(first / 64) % RTE_DIM(w->bits)] &= ~mask;
		first += k;
		n -= k;
	}
}

/*
 * Mark a counter seen after its frame authenticated, with the session's
 * replay_lock held (checks again: of two copies only the first passes).
 * Returns 1 when the counter is the newest so far (only such a frame may
 * move the peer: WireGuard's roaming rule), 0 when it is an older one not
 * seen before, or a negative errno as dp_replay_check().
 */
static inline int
dp_replay_update(struct dp_replay *w, uint64_t counter)
{
	int rc = dp_replay_check(w, counter);
	uint64_t *word = &w->bits[(counter / 64) % RTE_DIM(w->bits)];

	if (rc != 0)
		return rc;
	if (counter >= w->top) {
		dp_replay_clear(w, w->top, counter - w->top);
		rc = 1;
	}
	__atomic_store_n(word, *word | UINT64_C(1) << (counter % 64), __ATOMIC_RELAXED);
	if (rc == 1)
		__atomic_store_n(&w->top, counter + 1, __ATOMIC_RELEASE);
	return rc;
}

/* The neighbours the greedy step picks from. */
struct dp_neigh {
	unsigned int n;
	uint32_t local_index[VH_DP_MAX_NEIGH];
	uint8_t id[VH_DP_MAX_NEIGH][VH_DP_NODE_ID_LEN];
};

struct dp_port {
	struct vh_dp_port_conf conf;
	uint16_t port_id;
	uint16_t n_rxq;
	uint16_t n_txq;
	bool probed;
	bool started;
	rte_spinlock_t tx_lock[VH_DP_MAX_WORKERS];
};

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
#define DP_NODE_LINK_IN "vh_link_decrypt"
#define DP_NODE_LINK_OUT "vh_link_encrypt"
#define DP_NODE_OVERLAY_FWD "vh_overlay_fwd"

/* The session a receiver index names, or NULL (lock-free: RCU readers). */
static inline struct dp_session *
dp_session_find(const struct vh_dp *dp, uint32_t index)
{
	struct dp_session *s =
		__atomic_load_n(&dp->sessions[index % VH_DP_SESSIONS], __ATOMIC_ACQUIRE);

	return s != NULL && s->local_index == index ? s : NULL;
}

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

int dp_fwd_init(struct vh_dp *dp);
void dp_fwd_free(struct vh_dp *dp);
/* Bulk lookup of NodeIDs: vals[i] is the packed route or 0; returns hits. */
unsigned int dp_fwd_lookup_bulk(
	const struct vh_dp *dp, const void **keys, unsigned int n, uint64_t *vals);
/* The session a packed route gives this flow, or NULL. */
struct dp_session *dp_fwd_pick(const struct vh_dp *dp, uint64_t route, uint32_t flow);
/* Greedy step for a destination with no route: a session or NULL. */
struct dp_session *dp_fwd_greedy(const struct vh_dp *dp, const uint8_t *dst);
void dp_neigh_free(struct vh_dp *dp);
int dp_sessions_init(struct vh_dp *dp);
void dp_sessions_free(struct vh_dp *dp);
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

/* ---- mixnode (node_mix.c, mix_keys.c) ---- */
#include "vh_mix.h"

#define DP_NODE_MIX "vh_mix"
#define DP_NODE_MIX_OUT "vh_mix_out"

/* One key the workers try; the filter is shared by every lcore. */
struct dp_mix_key {
	uint64_t epoch;
	uint8_t priv[VH_SPHINX_KEY_LEN];
	struct vh_mix_replay *replay;
	bool own_replay; /* freed with this set (not carried into a newer one) */
};

/* An immutable key set, published whole (RCU). */
struct dp_mix_keyset {
	unsigned int n;
	struct dp_mix_key k[VH_DP_MIX_KEYS];
};

/* A retired key set and the RCU token after which nobody can see it. */
struct dp_mix_retired {
	struct dp_mix_keyset *set;
	uint64_t token;
};

#define DP_MIX_RETIRED 8
#define DP_MIX_SAMPLES 2048

/* The mixnode of one data plane: control lcore writes, workers read. */
struct dp_mix {
	const struct vh_dp *dp;
	struct vh_dp_mix_conf conf;
	struct vh_sphinx_geometry geo;
	struct dp_mix_keyset *keys; /* RCU: NULL until published */
	struct dp_mix_retired retired[DP_MIX_RETIRED];
	bool mt; /* several threads share the replay filters (workers, control) */
};

/* Per graph lcore: the delay wheel and the counters. */
struct dp_mix_lcore {
	struct vh_mix_wheel *wheel; /* created at the first packet to hold */
	uint32_t wheel_cap;
	uint64_t tsc_ms; /* TSC ticks per millisecond */
	uint64_t unwrapped, forwarded, delayed, delivered, replayed, failed, malformed, no_key;
	uint64_t wheel_full, delay_ms_sum;
	uint64_t n_samples; /* per-hop delays: asked and held, last DP_MIX_SAMPLES */
	float sample_req[DP_MIX_SAMPLES], sample_held[DP_MIX_SAMPLES];
} __rte_cache_aligned;

/* The mixnode of dp, or NULL when off (workers: valid within one walk). */
struct dp_mix *dp_mix_get(const struct vh_dp *dp);
/* The lcore state of the vh_mix node on graph lc (NULL before its init). */
struct dp_mix_lcore *dp_mix_lcore_of(const struct dp_lcore *lc);

#endif /* VH_DP_PRIV_H */
