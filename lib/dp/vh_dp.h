/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Valhalla data plane: ports, the per-lcore rte_graph of layer nodes, the
 * rings between workers and the control lcore, and the counters operators
 * read. The control lcore creates and destroys it; workers only run it.
 */
#ifndef VH_DP_H
#define VH_DP_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "vh_core.h"
#include "vh_net.h"
#include "vh_overlay.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VH_DP_MAX_PORTS 8
#define VH_DP_MAX_WORKERS 16
#define VH_DP_NAME_LEN 16
#define VH_DP_DEVARGS_LEN 256

/** One port as the data plane needs it. */
struct vh_dp_port_conf {
	char name[VH_DP_NAME_LEN];
	char devargs[VH_DP_DEVARGS_LEN];
	struct vh_net_if ifc; /**< addresses; mac ignored unless has_mac */
	bool has_mac;
	uint16_t mtu;
	uint16_t rx_desc;
	uint16_t tx_desc;
};

/** Idle behaviour of a polling loop. */
enum vh_dp_idle {
	VH_DP_IDLE_POLL,     /**< spin: lowest latency, a whole core */
	VH_DP_IDLE_ADAPTIVE, /**< sleep longer the longer nothing arrives */
};

/** What vh_dp_create() needs. */
struct vh_dp_conf {
	unsigned int n_ports;
	struct vh_dp_port_conf ports[VH_DP_MAX_PORTS];
	unsigned int n_workers; /**< 0: single-lcore mode on the main lcore */
	unsigned int workers[VH_DP_MAX_WORKERS];
	enum vh_dp_idle idle;
	uint32_t idle_sleep_max_us;
	uint32_t mbufs;
	uint32_t mbuf_cache;
	uint16_t udp_port;
	const char *aead;     /**< link AEAD engine name (drivers/aead); NULL: "ipsecmb" */
	uint32_t fwd_entries; /**< forwarding table size; 0: 65536 */
};

struct dp_session;

/**
 * Per-packet metadata the nodes pass along, kept in the mbuf's private area
 * so no node parses a header twice.
 */
struct vh_dp_meta {
	struct vh_net_pkt pkt;      /**< what classify learned */
	uint16_t reason;            /**< enum vh_drop, set before enqueue to vh_drop */
	uint16_t port_idx;          /**< index of the receiving port in the config */
	uint16_t inner_len;         /**< link nodes: plaintext length of the LINK_DATA */
	uint8_t relay;              /**< link_encrypt: to the session's endpoint, not back */
	/** Punted by a worker after vh_link_decrypt opened it: the plaintext
	 * (inner_len bytes at inner_off) came in the session session_index. */
	uint8_t opened;
	/** Punted by vh_overlay_fwd because its hop limit ran out (the control
	 * lcore answers "hop limit exceeded"). */
	uint8_t hop_expired;
	uint16_t inner_off;
	uint32_t session_index;
	struct dp_session *session; /**< link nodes: valid only within one graph walk */
};

/** The metadata of a data-plane mbuf. */
static inline struct vh_dp_meta *
vh_dp_meta(struct rte_mbuf *m)
{
	return (struct vh_dp_meta *)rte_mbuf_to_priv(m);
}

/** Per-lcore counters, as summed or reported to operators. */
struct vh_dp_lcore_stats {
	unsigned int lcore;
	const char *role; /**< "worker", "single" */
	uint64_t rx_packets;
	uint64_t tx_packets;
	uint64_t punted;
	uint64_t injected;
	uint64_t dropped;
	uint64_t loops;
	uint64_t idle_sleeps;
	uint64_t drops[VH_DROP_MAX];
};

struct vh_dp;

/**
 * Build the data plane after rte_eal_init(): mempool, ports (probed from
 * their devargs, configured, started), rings and one graph per worker.
 *
 * @return the data plane, or NULL with rte_errno set; the reason is logged.
 */
struct vh_dp *vh_dp_create(const struct vh_dp_conf *conf);

/**
 * Start the worker lcores (multi-lcore mode); no-op in single-lcore mode.
 *
 * @return 0 or a negative errno.
 */
int vh_dp_launch(struct vh_dp *dp);

/** True when the graph runs on the main lcore between control-loop rounds. */
bool vh_dp_is_single(const struct vh_dp *dp);

/**
 * Single-lcore mode: walk the main lcore's graph once.
 *
 * @return the number of packets received in this walk.
 */
unsigned int vh_dp_walk(struct vh_dp *dp);

/**
 * Ask workers to stop after their current burst and wait for them. Ports
 * stay configured so the caller can drain what is in flight.
 */
void vh_dp_stop(struct vh_dp *dp);

/**
 * Drain rings, stop and close ports, free graphs and the mempool.
 *
 * @param in_use set to the mbufs still out when the ports were closed
 *   (must be 0: anything else is a leak).
 */
void vh_dp_destroy(struct vh_dp *dp, unsigned int *in_use);

/**
 * Take packets the workers punted to the control lcore.
 *
 * @return number of mbufs stored in pkts (the caller owns them).
 */
unsigned int vh_dp_punt_dequeue(struct vh_dp *dp, struct rte_mbuf **pkts, unsigned int n);

/**
 * How full the fullest punt ring is, in 1/1024ths of its capacity (the
 * handshake defence answers with cookies above 128, one eighth).
 */
unsigned int vh_dp_punt_load(const struct vh_dp *dp);

/**
 * Hand a complete frame to the data plane for sending on port
 * m->port. Takes ownership of m in every case.
 *
 * @return 0, or -ENOBUFS when the ring to the worker was full (m freed and
 *   counted as a drop).
 */
int vh_dp_inject(struct vh_dp *dp, struct rte_mbuf *m);

/** Mempool for frames the control lcore builds. */
struct rte_mempool *vh_dp_mempool(struct vh_dp *dp);

/** Number of ports. */
unsigned int vh_dp_port_count(const struct vh_dp *dp);

/** DPDK port id of port index i, or -1. */
int vh_dp_port_id(const struct vh_dp *dp, unsigned int i);

/** Configuration (with the effective MAC) of port index i, or NULL. */
const struct vh_dp_port_conf *vh_dp_port(const struct vh_dp *dp, unsigned int i);

/** Port index of a DPDK port id, or -1. */
int vh_dp_port_index(const struct vh_dp *dp, uint16_t port_id);

/** Number of lcores running the graph (workers, or 1 in single mode). */
unsigned int vh_dp_lcore_count(const struct vh_dp *dp);

/**
 * Counters of graph lcore i (0 .. vh_dp_lcore_count()-1). Reads are racy
 * by design: each counter is written by one lcore and read whole.
 */
void vh_dp_lcore_stats(const struct vh_dp *dp, unsigned int i, struct vh_dp_lcore_stats *st);

/** Count a drop the control lcore made on the data plane's behalf. */
void vh_dp_count_drop(struct vh_dp *dp, enum vh_drop reason);

/** Drops counted by the control lcore itself (per reason). */
const uint64_t *vh_dp_control_drops(const struct vh_dp *dp);

/**
 * Visit every node of every graph: callback(lcore, node name, calls, objs,
 * cycles, arg).
 */
void vh_dp_graph_stats(const struct vh_dp *dp,
	void (*cb)(unsigned int lcore, const char *node, uint64_t calls, uint64_t objs,
		uint64_t cycles, void *arg),
	void *arg);

/** Configured idle mode and back-off ceiling. */
enum vh_dp_idle vh_dp_idle_mode(const struct vh_dp *dp);

/** Mbufs currently out of the pool (in rings, queues or in use). */
unsigned int vh_dp_mbufs_in_use(const struct vh_dp *dp);

/** Mbufs available in the pool. */
unsigned int vh_dp_mbufs_avail(const struct vh_dp *dp);

/* ---- link sessions the workers seal and open themselves (session.c) ---- */

/** Session slots: a receiver index selects slot (index % VH_DP_SESSIONS). */
#define VH_DP_SESSIONS 4096

/** Keys and indices of one Veil keypair handed to the data plane. */
struct vh_dp_session_conf {
	uint32_t local_index;  /**< receiver index on LINK_DATA frames to us */
	uint32_t remote_index; /**< receiver index on LINK_DATA frames we send */
	uint8_t recv_key[32];  /**< ChaCha20-Poly1305 key for frames to us */
	uint8_t send_key[32];  /**< key for frames we send */
	uint64_t send_counter; /**< first counter to send with */
	/** Where frames sent on this session go (needed to relay onto it; a
	 * session without one only answers where its frames came from). */
	bool has_endpoint;
	uint16_t port_idx;  /**< port index in the config */
	uint8_t ip_ver;     /**< 4 or 6 */
	uint8_t dst_ip[16]; /**< IPv4 in the first 4 bytes */
	uint16_t dst_port;  /**< UDP port, host order */
	uint8_t dst_mac[6]; /**< next hop's MAC (the control lcore resolved it) */
};

/** Counters of one data-plane session. */
struct vh_dp_session_stats {
	uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes, auth_failed, replayed;
	uint64_t rx_keepalives; /**< of rx_packets, the empty ones */
	uint64_t send_counter;  /**< next counter to send with */
	/** Source of the latest authenticated frame with the newest counter so
	 * far that came from somewhere else than the endpoint (roaming);
	 * src_ip_ver 0: none seen. */
	uint8_t src_ip_ver;
	uint16_t src_port;
	uint8_t src_ip[16];
};

/**
 * Install (or replace, for the same local index) a session. Workers see it
 * from their next burst; LINK_DATA frames with its local index are then
 * decrypted on the workers, and a sealed lone ECHO_REQUEST is answered there.
 * Frames for indices not installed still go to the control lcore. A
 * replacement starts with a fresh replay window: to move a session's
 * endpoint use vh_dp_session_set_endpoint(), which keeps it.
 *
 * @return 0, -EEXIST (the slot holds another index: pick another index),
 *   -ENOMEM, -EINVAL
 */
int vh_dp_session_install(struct vh_dp *dp, const struct vh_dp_session_conf *c);

/**
 * Remove a session. Its memory (and keys, wiped) is released once every
 * graph lcore has passed a quiescent state (rte_rcu_qsbr): vh_dp_reclaim().
 *
 * @return 0 or -ENOENT
 */
int vh_dp_session_remove(struct vh_dp *dp, uint32_t local_index);

/**
 * Move an installed session to a new endpoint (the peer roamed, or the next
 * hop's MAC was learnt or changed), keeping everything else: keys, send
 * counter, counters and the replay window. Only the endpoint fields of c
 * and its local_index are read; has_endpoint must be true. Workers see the
 * new endpoint from their next burst; the old one is freed after an RCU
 * grace period.
 * @return 0, -ENOENT (no such session), -EINVAL, -ENOMEM
 */
int vh_dp_session_set_endpoint(struct vh_dp *dp, const struct vh_dp_session_conf *c);

/**
 * Could a LINK_DATA counter of this session be accepted? A read-only test
 * against the session's replay window (the one the workers use), for a
 * frame the control lcore is about to open itself.
 * @return 0, -EALREADY (seen), -ESTALE (behind the window), -ERANGE,
 * -ENOENT (no such session), -EINVAL
 */
int vh_dp_session_replay_check(struct vh_dp *dp, uint32_t local_index, uint64_t counter);

/**
 * Mark a counter seen in the session's replay window after its frame
 * authenticated on the control lcore (under the lock the workers take), so
 * that a frame is accepted once whichever side opens it. A refusal is
 * counted in the session's `replayed`.
 * @return 1 (accepted, and newer than every counter accepted so far: the
 * only kind of frame that may move the peer's endpoint), 0 (accepted, an
 * older counter not seen before), or as vh_dp_session_replay_check()
 */
int vh_dp_session_replay_update(struct vh_dp *dp, uint32_t local_index, uint64_t counter);

/** Counters of the session with this local index: 0 or -ENOENT. */
int vh_dp_session_stats(struct vh_dp *dp, uint32_t local_index, struct vh_dp_session_stats *st);

/**
 * Reserve n consecutive send counters of a session, for a frame the control
 * lcore seals itself: the data plane owns the counter once a keypair is
 * installed, so nobody else may count on its own (nonce reuse).
 *
 * @return 0 with *first set, or -ENOENT
 */
int vh_dp_session_reserve(struct vh_dp *dp, uint32_t local_index, uint32_t n, uint64_t *first);

/** Bytes one session takes in the data plane. */
size_t vh_dp_session_size(void);

/** Free removed sessions the workers can no longer see (control loop). */
void vh_dp_reclaim(struct vh_dp *dp);

/* ---- overlay forwarding table (fwd.c) ---- */

#define VH_DP_NODE_ID_LEN 32
#define VH_DP_FWD_MAX_PATHS 4

/**
 * Route a NodeID over one to four link sessions (their local indices; the
 * sessions are looked up when a packet is forwarded, so a route may be set
 * before its sessions are installed). Replaces an existing route in one
 * atomic step; workers read the table without locks.
 *
 * @return 0, -EINVAL, -ENOSPC (table full)
 */
int vh_dp_fwd_set(struct vh_dp *dp, const uint8_t node_id[VH_DP_NODE_ID_LEN],
	const uint32_t *local_index, unsigned int n);

/**
 * Remove a route; its slot is reused only after every graph lcore passed a
 * quiescent state (the hash's rte_rcu_qsbr defer queue).
 *
 * @return 0 or -ENOENT
 */
int vh_dp_fwd_del(struct vh_dp *dp, const uint8_t node_id[VH_DP_NODE_ID_LEN]);

/**
 * Read a route: the session slots (local index modulo VH_DP_SESSIONS).
 *
 * @return 0 or -ENOENT
 */
int vh_dp_fwd_get(struct vh_dp *dp, const uint8_t node_id[VH_DP_NODE_ID_LEN], uint32_t *slots,
	unsigned int *n);

/** Routes in the table. */
int vh_dp_fwd_count(const struct vh_dp *dp);

/**
 * This node's NodeID: overlay packets to it are punted (opened) to the
 * control lcore instead of being forwarded. Until it is set nothing is
 * delivered locally.
 */
void vh_dp_set_node_id(struct vh_dp *dp, const uint8_t node_id[VH_DP_NODE_ID_LEN]);

/** Most neighbours the greedy step considers. */
#define VH_DP_MAX_NEIGH 64

/**
 * The neighbours for the greedy step: an overlay packet with no route goes
 * to the neighbour XOR-closest to its destination when that one is closer
 * than this node (Kademlia), else it is dropped (overlay-no-route). The set
 * is replaced as a whole; the old one is freed once no worker can see it.
 *
 * @return 0, -EINVAL (n > VH_DP_MAX_NEIGH), -ENOMEM
 */
int vh_dp_neigh_set(struct vh_dp *dp, const uint8_t (*node_id)[VH_DP_NODE_ID_LEN],
	const uint32_t *local_index, unsigned int n);

/** The log type of the data-plane library. */
extern int vh_dp_logtype;

/* ---- mixnode on the workers (node_mix.c, mix_keys.c; docs/mix-node.md) ---- */

/** First byte of a MIX overlay payload (docs/mix-node.md "Wire"). */
enum vh_dp_mix_kind {
	VH_DP_MIX_SPHINX = 0,  /**< a Sphinx packet, geometry packet_len bytes */
	VH_DP_MIX_DESC_GET = 1, /**< descriptor request: epoch (u64 BE) */
	VH_DP_MIX_DESC = 2,     /**< a signed mix descriptor */
	VH_DP_MIX_DELIVER = 3,  /**< a message for a recipient (the last hop's output) */
	VH_DP_MIX_REPLY = 4,    /**< a SURB reply body for the SURB's creator */
};

/** What the workers' mixnode needs. */
struct vh_dp_mix_conf {
	unsigned int hops;        /**< geometry: hops of the header */
	uint32_t payload_len;     /**< geometry: user payload (made with SURB room) */
	uint32_t wheel_entries;   /**< delay wheel capacity per graph lcore */
	uint32_t max_delay_ms;    /**< NodeDelay is clamped here */
	uint64_t replay_capacity; /**< replay filter sizing, per key */
	double replay_fp_rate;
	uint8_t hop_limit; /**< of the packets a mixnode forwards */
};

struct vh_mix_replay;

/** A mix private key handed to the workers (copied; wipe yours). */
struct vh_dp_mix_key {
	uint64_t epoch;
	uint8_t priv[32];
	/**
	 * Initial contents of the key's replay filter (copied, same sizing as
	 * the mixnode's), for a key new to the set: a filter saved before a
	 * restart. NULL: empty. Ignored for a key the set in force has.
	 */
	const struct vh_mix_replay *replay;
};

/** Most keys the workers try: the current one, then the previous one. */
#define VH_DP_MIX_KEYS 2

/** Mixnode counters, summed over the graph lcores. */
struct vh_dp_mix_stats {
	uint64_t unwrapped;     /**< packets a key opened */
	uint64_t forwarded;     /**< left the delay wheel towards the next hop */
	uint64_t delayed;       /**< put in a delay wheel */
	uint64_t delivered;     /**< last hop: handed to the control lcore */
	uint64_t replayed;      /**< refused by a replay filter */
	uint64_t failed;        /**< no key opened it (MAC, commands) */
	uint64_t malformed;     /**< wrong length or kind */
	uint64_t no_key;        /**< no keys published: punted to the control lcore */
	uint64_t wheel_full;    /**< refused by a full delay wheel */
	uint64_t wheel_held;    /**< packets in the wheels now */
	uint64_t wheel_capacity; /**< sum of the wheels' capacities */
	uint64_t delay_ms_sum;  /**< NodeDelay asked, summed */
	unsigned int keys;      /**< keys published now */
};

/**
 * Turn the mixnode on: MIX packets for this node are then unwrapped on the
 * workers once keys are published (before that, and for other kinds, they
 * are punted as before). Control lcore only.
 * @return 0, -EINVAL (bad geometry or sizing), -EEXIST, -ENOMEM
 */
int vh_dp_mix_enable(struct vh_dp *dp, const struct vh_dp_mix_conf *c);

/**
 * Publish the keys the workers try, current first (at most VH_DP_MIX_KEYS).
 * A key whose epoch was in the previous set keeps its replay filter; the
 * others get an empty one. The old set (private keys wiped, dropped filters
 * freed) goes once every graph lcore passed a quiescent state.
 * @return 0, -EINVAL, -ENOENT (not enabled), -ENOMEM
 */
int vh_dp_mix_keys_set(struct vh_dp *dp, const struct vh_dp_mix_key *keys, unsigned int n);

/**
 * Turn the mixnode off and free the key sets (waits for the workers).
 * Packets in the delay wheels still go out; the wheels are freed with the
 * graphs.
 */
void vh_dp_mix_disable(struct vh_dp *dp);

/** Called with each key's replay filter by vh_dp_mix_disable_export(). */
typedef void (*vh_dp_mix_replay_fn)(void *arg, uint64_t epoch, const struct vh_mix_replay *f);

/**
 * vh_dp_mix_disable(), handing fn the replay filter of each key in force
 * once no lcore can add a tag to it any more (the mixnode is off and every
 * graph lcore passed a quiescent state) and before it is freed: the filter
 * is final, to be saved for a restart. Control lcore only.
 */
void vh_dp_mix_disable_export(struct vh_dp *dp, vh_dp_mix_replay_fn fn, void *arg);

struct vh_sphinx_unwrap_result;

/**
 * Unwrap a Sphinx packet on the control lcore with the workers' keys and
 * replay filters (the only filters of those keys), for a packet that
 * reached the control lcore instead of a worker: a packet is unwrapped once,
 * whichever side sees it first. Call it from the thread that sets the keys.
 * @param pkt the packet (exactly the geometry's length), unwrapped in place
 * @return 0 (res filled, pointing into pkt), -EALREADY (replay), -EBADMSG
 * (no key opens it), -ENOKEY (no keys yet), -ENOENT (mixnode off), -EINVAL
 */
int vh_dp_mix_unwrap(
	struct vh_dp *dp, uint8_t *pkt, size_t len, struct vh_sphinx_unwrap_result *res);

/** Counters (racy reads of per-lcore counters, each read whole). */
void vh_dp_mix_stats_get(const struct vh_dp *dp, struct vh_dp_mix_stats *st);

/**
 * The latest per-hop delays of the graph lcores: asked (NodeDelay, ms) and
 * held (ms, from entering the wheel to leaving it), for statistics and
 * tests. Racy reads, as the counters.
 * @return samples written (at most max)
 */
unsigned int vh_dp_mix_delays(const struct vh_dp *dp, float *asked, float *held, unsigned int max);

#ifdef __cplusplus
}
#endif

#endif /* VH_DP_H */
