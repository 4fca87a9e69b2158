/* SPDX-License-Identifier: BSD-3-Clause */
/* The mixnode and mix client of the node, shared by mix*.c (docs/mix-node.md). */
#ifndef VALHALLA_MIX_PRIV_H
#define VALHALLA_MIX_PRIV_H

#include <string.h>

#include <rte_timer.h>

#include "vh_mix.h"
#include "vh_overlay.h"
#include "vh_ygg.h"

#include "vh_mesh.h"
#include "vh_mixnode.h"
#include "vh_node.h"

#define MIX_ID_LEN VH_SPHINX_NODE_ID_LEN
#define MIX_DIR_MAX VH_CONFIG_MAX_MIX_NODES
#define MIX_RECV_MAX 64
#define MIX_SENDQ_MAX 64
#define MIX_SURBS_MAX 64
#define MIX_DELAYS_MAX 4096

/* Counters of the control lcore's mix, by name. */
#define MIX_COUNTERS(X)      \
	X(unwrapped)         \
	X(forwarded)         \
	X(delayed)           \
	X(replayed)          \
	X(failed)            \
	X(malformed)         \
	X(no_key)            \
	X(wheel_full)        \
	X(send_failed)       \
	X(delivered)         \
	X(replies)           \
	X(replies_unmatched) \
	X(relayed)           \
	X(relay_refused)     \
	X(loops_received)    \
	X(drops_received)    \
	X(recv_full)         \
	X(sent_real)         \
	X(sent_p_cover)      \
	X(sent_loop)         \
	X(sent_drop)         \
	X(sent_replies)      \
	X(no_path)           \
	X(desc_signed)       \
	X(desc_served)       \
	X(desc_requested)    \
	X(desc_accepted)     \
	X(desc_rejected)     \
	X(desc_put)          \
	X(desc_put_failed)   \
	X(desc_from_dht)     \
	X(dht_lookups)       \
	X(dht_misses)        \
	X(dir_discovered)    \
	X(dp_key_sets)       \
	X(keys_restored)     \
	X(keys_saved)        \
	X(store_failed)      \
	X(replay_restored)   \
	X(replay_saved)      \
	X(replay_dropped)

struct mix_counters {
#define X(c) uint64_t c;
	MIX_COUNTERS(X)
#undef X
};

/* A mixnode we know of and its descriptors (slot = epoch & 1). */
struct mix_dir {
	bool used;
	uint8_t id[MIX_ID_LEN];
	bool valid[2];
	struct vh_mix_descriptor d[2];
	uint64_t asked_ms;
	unsigned int dht_misses; /* DHT lookups without the descriptor, in a row */
	bool dht_pending;
	bool discovered;    /* from the DHT's table, not from config or vhctl */
	unsigned int fails; /* asks in a row that brought no descriptor */
};

/* A packet the control lcore holds for its delay: [kind][Sphinx packet]. */
struct mix_held {
	uint8_t dst[MIX_ID_LEN];
	uint64_t in_ns;
	uint32_t delay_ms;
	uint32_t len;
	uint8_t buf[];
};

/* A message delivered here (or a SURB reply), for `vhctl mix recv`. */
struct mix_msg {
	uint64_t id;
	bool reply;
	uint8_t *data;
	size_t len;
	uint8_t *surb; /* NULL: none to answer with */
	size_t surb_len;
	uint64_t at_ms;
};

/* Test knobs of mix send (replay tests): the same packet twice; keep a copy for resend. */
#define MIX_SEND_TWICE 0x1
#define MIX_SEND_KEEP 0x2

/* A message waiting for the real-message stream. */
struct mix_out {
	uint8_t dst[MIX_ID_LEN];
	bool surb;
	unsigned int flags; /* MIX_SEND_* */
	size_t len;
	uint8_t data[];
};

struct mix_surb {
	bool used;
	uint64_t expires_ms;
	struct vh_mix_surb_secret s;
};

struct vh_mixnode {
	struct vh_node *node;
	const struct vh_config *cfg;
	const struct vh_identity *id;
	struct vh_dp *dp;
	struct vh_sphinx_geometry geo;
	struct vh_mix_epoch_conf ec;
	struct vh_mix_keys *keys;
	struct vh_dp_mix_key dp_keys[VH_MIX_KEYS_SLOTS];
	struct vh_mix_store *store;         /* keys and filters across a restart (mix_store.c) */
	uint64_t loaded[VH_MIX_KEYS_SLOTS]; /* epochs of the keys the store gave back */
	uint8_t desc[2][VH_MIX_DESC_MAX];
	size_t desc_len[2];
	uint64_t desc_epoch[2];
	uint64_t desc_put_ms[2]; /* last put in the DHT, 0 = not yet */
	struct mix_dir dir[MIX_DIR_MAX];
	struct vh_mix_wheel *wheel;
	struct rte_timer timer;
	float delay_req[MIX_DELAYS_MAX], delay_held[MIX_DELAYS_MAX];
	uint64_t n_delays;
	struct mix_msg recv[MIX_RECV_MAX];
	uint64_t next_msg_id;
	struct mix_out *sendq[MIX_SENDQ_MAX];
	struct mix_surb surbs[MIX_SURBS_MAX];
	struct { /* the last packet sent with MIX_SEND_KEEP */
		bool have;
		uint8_t entry[MIX_ID_LEN];
		uint8_t pkt[1500];
	} kept;
	struct vh_mix_sched sched;
	uint64_t last_dir_ms;
	uint64_t last_discover_ms;
	struct mix_counters cnt;
	/* the small fields together (no padding between big ones) */
	unsigned int n_dp_keys;
	unsigned int n_loaded; /* entries of loaded[] */
	unsigned int recv_head, recv_n;
	unsigned int sendq_head, sendq_n;
	bool on; /* mix.enabled, and not stopped */
	bool mixnode, client;
	bool dp_on;
	bool restore_replay; /* the first key set gets the saved filters */
	bool timer_on;
	bool sched_on;
};

/* Is id this node's NodeID? */
static inline bool
mix_is_self(const struct vh_mixnode *m, const uint8_t *id)
{
	return memcmp(id, m->id->nodeid, MIX_ID_LEN) == 0;
}

/* The node's mix, or NULL when off. */
/* Unix time in milliseconds (key epochs are wall-clock). */
uint64_t mix_unix_ms(void);
/* The RNG callback for lib/mix (libsodium). */
int mix_rng(void *ctx, uint8_t *buf, size_t len);

/* mix_path.c: Sphinx packets and deliveries on the control lcore */
void mix_path_input(struct vh_mixnode *m, const uint8_t *src, const uint8_t *p, size_t len);
void mix_path_expire(struct vh_mixnode *m);
void mix_path_free(struct vh_mixnode *m);

/* mix_dir.c: descriptors, the directory and topologies */
void mix_dir_tick(struct vh_mixnode *m, uint64_t now_ms);
void mix_dir_input(struct vh_mixnode *m, const uint8_t *src, const uint8_t *p, size_t len);
int mix_dir_add(struct vh_mixnode *m, const uint8_t *id);
int mix_dir_sign(struct vh_mixnode *m, uint64_t epoch);
/* Pick a path for the current epoch: the number of hops or a negative errno. */
int mix_dir_path(struct vh_mixnode *m, struct vh_mix_path_hop *path, size_t cap);

/* mix_client.c: sending, SURBs, cover traffic, the receive queue */
int mix_client_queue(struct vh_mixnode *m, const uint8_t *dst, const uint8_t *msg, size_t len,
	bool surb, unsigned int flags);
/* Send the packet kept by MIX_SEND_KEEP again to its entry: 0, -ENOENT, or the send's error. */
int mix_client_resend(struct vh_mixnode *m);
void mix_client_tick(struct vh_mixnode *m, uint64_t now_ms);
void mix_client_deliver(
	struct vh_mixnode *m, const uint8_t *msg, size_t len, const uint8_t *surb, size_t surb_len);
void mix_client_reply_in(struct vh_mixnode *m, const uint8_t *surb_id, uint8_t *body, size_t len);
int mix_client_answer(struct vh_mixnode *m, uint64_t msg_id, const uint8_t *msg, size_t len);
void mix_client_free(struct vh_mixnode *m);

/* mix_store.c: keys and replay filters kept across a restart */
/* Open the store and load the live keys into saved: how many, or -errno. */
int mix_store_open(struct vh_mixnode *m, struct vh_mix_saved_key *saved, unsigned int max);
/* Say which saved keys the key set took (after vh_mix_keys_create_saved). */
void mix_store_restored(struct vh_mixnode *m);
/* Save a key the set made (the ones it got from the store are there already). */
void mix_store_key(struct vh_mixnode *m, uint64_t epoch, const uint8_t *priv);
void mix_store_prune(struct vh_mixnode *m);
/* The saved filter of epoch in a new filter (free it), once, at start; or NULL. */
struct vh_mix_replay *mix_store_filter(struct vh_mixnode *m, uint64_t epoch);
/* Turn the workers' mixnode off, saving the filters of its keys. */
void mix_store_stop(struct vh_mixnode *m);
void mix_store_close(struct vh_mixnode *m);

/* mix_cmds.c */
int mix_cmds_register(struct vh_mixnode *m);

#endif /* VALHALLA_MIX_PRIV_H */
