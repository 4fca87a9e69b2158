/* SPDX-License-Identifier: BSD-3-Clause */
/* The link service's own state: internal to lib/veil/service. */
#ifndef VH_LINK_SVC_H
#define VH_LINK_SVC_H

#include "vh_host.h"
#include "vh_identity.h"
#include "vh_link.h"
#include "vh_veil.h"

#include "hsguard.h"

#define LINK_VERSION 1

/* The link service's counters (block "link"), handshake defence included. */
#define LINK_COUNTERS(X)          \
	X(link_hs_rx)             \
	X(link_hs_tx)             \
	X(link_data_rx)           \
	X(link_data_tx)           \
	X(link_handshakes)        \
	X(link_hs_failed)         \
	X(link_drop_malformed)    \
	X(link_drop_no_session)   \
	X(link_drop_expired)      \
	X(link_drop_replay)       \
	X(link_drop_auth)         \
	X(link_drop_mac)          \
	X(link_key_rejected)      \
	X(link_identity_bad)      \
	X(link_unknown_refused)   \
	X(link_disabled_rx)       \
	X(link_inner_bad)         \
	X(link_echo_answered)     \
	X(link_peers_dead)        \
	X(link_tx_no_key)         \
	X(link_tx_staged)         \
	X(link_dp_installs)       \
	X(link_dp_install_failed) \
	X(link_dp_removes)        \
	X(link_dp_endpoint_moves) \
	X(hs_dh_budget)           \
	X(hs_cookie_sent)         \
	X(hs_cookie_budget)       \
	X(hs_mac2_ok)             \
	X(hs_ratelimited)         \
	X(hs_sources_evicted)     \
	X(hs_replayed)            \
	X(hs_stale_timestamp)     \
	X(hs_low_order)

struct link_counters {
	LINK_COUNTERS(VH_NODE_COUNTER_FIELD)
};

#define LINK_MAX_PEERS 128
#define LINK_MAX_PENDING 16
#define LINK_DATA_MAX 1600  /* largest LINK_DATA plaintext the node sends */
#define LINK_STAGED 8       /* datagrams held per peer while it has no usable key */
#define LINK_STAGED_MS 5000 /* ... for at most this long */
#define LINK_DPKP 4         /* data-plane records per peer (three slots, one spare) */

/* A datagram waiting for a session key (WireGuard's staged queue). */
struct link_staged {
	uint64_t t_ms;
	uint16_t len;
	uint8_t buf[LINK_DATA_MAX];
};

/* A keypair of the peer as handed to the data plane (docs/link-dataplane.md). */
struct link_dpkp {
	uint32_t local_index;             /* 0: free record */
	const struct vh_veil_keypair *kp; /* with the index: tells a reused index apart */
	bool installed; /* in the data plane (else handled on the control lcore) */
	bool has_ep;    /* installed with an endpoint and next-hop MAC */
	uint64_t created_ms;
	struct vh_veil_endpoint ep; /* the endpoint it was installed with */
	uint16_t port;
	uint8_t mac[6];
	struct vh_dp_session_stats seen; /* data-plane counters at the last poll */
};

struct link_peer {
	struct vh_veil_peer *vp;
	char address[VH_CONFIG_PEER_ADDR_LEN]; /* configured PathAddr; "" for inbound */
	char name[VH_CONFIG_NODE_NAME_LEN];
	struct vh_veil_endpoint ep_cfg;
	bool configured;
	bool has_nodeid;
	bool pinned_cfg; /* nodeid comes from the config */
	uint8_t nodeid[VH_IDENTITY_NODEID_LEN];
	uint64_t last_handshake_ms;
	uint64_t handshakes;
	uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes, drops;
	struct link_staged *staged; /* LINK_STAGED entries, allocated on first use */
	unsigned int n_staged;
	struct link_dpkp dk[LINK_DPKP];
	/* what mesh_link_event() was last told */
	bool reported_up;
	uint32_t reported_index;
	/* data-plane totals (also added into rx_ and tx_ above) */
	uint64_t dp_rx_packets, dp_tx_packets, dp_keepalives, dp_auth_failed, dp_replayed;
	uint64_t endpoint_moves, roams;
};

/* An XX responder between RESP and FINISH. */
struct link_pending {
	struct vh_veil_handshake hs;
	struct vh_veil_endpoint src;
	uint64_t created_ms;
	uint8_t e[VH_NOISE_KEY_LEN]; /* the initiator's ephemeral (replay filter) */
	bool used;
};

struct vh_link {
	struct vh_node *node;
	const struct vh_config *cfg;
	const struct vh_identity *id;
	struct vh_dp *dp;
	struct vh_host *host;
	bool on; /* veil.enabled: else frames are counted and dropped */
	vh_link_event_fn event;
	void *event_ctx;
	struct link_counters cnt;
	struct vh_noise_keypair kp;
	struct vh_veil_hs_conf hsc;
	struct vh_veil_index_table *idx;
	struct vh_veil_index_ops ops; /* ops below, then the table's */
	struct vh_veil_index_ops table_ops;
	uint8_t slot_used[VH_DP_SESSIONS / 8]; /* data-plane slots our indices take */
	struct hsguard *guard;
	struct vh_veil_cookie_checker ck;
	struct vh_veil_timing timing;
	struct vh_tofu *tofu;
	uint8_t idpl[VH_IDENTITY_PAYLOAD_MAX];
	size_t idpl_len;
	uint64_t stamp_ns; /* wall clock of our last initiation, strictly increasing */
	struct link_peer *peers[LINK_MAX_PEERS];
	struct link_pending pend[LINK_MAX_PENDING];
};

/*
 * A dropped link frame: the control lcore's own counter, and the data-plane
 * drop reason operators see in `stats.drops` (the same names the workers use).
 */
#define LINK_DROP(lk, counter, reason)                        \
	do {                                                  \
		(lk)->cnt.counter++;                          \
		vh_dp_count_drop((lk)->dp, VH_DROP_##reason); \
	} while (0)

/* link.c: send a link frame (payload at buf + VH_BIFROST_HDR_LEN, plen bytes) to ep. */
int link_send_frame(struct vh_link *lk, const struct vh_veil_endpoint *ep, uint8_t type,
	uint8_t *buf, size_t plen);
/*
 * link.c: answer a handshake frame from src that came in as l2 says (its
 * source MAC and port): a sender that has not proven its address is never
 * resolved (docs/handshake-defence.md).
 */
int link_reply_frame(struct vh_link *lk, const struct vh_veil_endpoint *src,
	const struct vh_host_l2 *l2, uint8_t type, uint8_t *buf, size_t plen);

/* peers.c */
struct link_peer *peer_new(struct vh_link *lk, const char *address, const char *name,
	const uint8_t *nodeid, const struct vh_veil_endpoint *ep);
void peer_free(struct vh_link *lk, struct link_peer *lp);
const char *peer_label(const struct link_peer *lp);
struct link_peer *peer_by_nodeid(struct vh_link *lk, const uint8_t *nodeid);
struct link_peer *peer_by_hs_index(struct vh_link *lk, uint32_t idx);
struct link_peer *peer_by_keypair_index(struct vh_link *lk, uint32_t idx);
/* The peer that proved nodeid from src (created if new), or NULL: refused. */
struct link_peer *peer_match(
	struct vh_link *lk, const uint8_t *nodeid, const struct vh_veil_endpoint *src);
int peers_from_config(struct vh_link *lk);
/* A /udp/ PathAddr as an endpoint: true, or false for anything else. */
bool peer_endpoint_parse(const char *text, struct vh_veil_endpoint *ep);
/* Learn a configured peer's NodeID from config (cp, may be NULL) or its TOFU pin. */
void peer_preload(struct vh_link *lk, struct link_peer *lp, const struct vh_config_peer *cp);
/* Pin checks for the peer we initiated to; learns its NodeID. 0 or -EKEYREJECTED. */
int peer_verify(struct vh_link *lk, struct link_peer *lp, const uint8_t *nodeid);

/*
 * peers.c, the data-plane side of a peer: call after anything that may
 * have changed its key slots (tick, handshake, packet). Removes dropped
 * keypairs from the data plane, installs new ones, feeds the data plane's
 * counters to the vh_veil peer (timers, confirmation, roaming), refreshes
 * endpoints and tells the mesh when the usable session or its index changed.
 */
void peer_dp_sync(struct vh_link *lk, struct link_peer *lp, uint64_t now);
/*
 * Does the data plane hold the keypair with this local index? Then its
 * replay window is the keypair's only one, and a frame the control lcore
 * opens under it is checked and marked there.
 */
bool peer_dp_holds(struct link_peer *lp, uint32_t local_index);
/* Take every keypair of the peer out of the data plane. */
void peer_dp_remove_all(struct vh_link *lk, struct link_peer *lp);
/* The installed record of this keypair, or NULL. */
struct link_dpkp *peer_dp_find(struct link_peer *lp, const struct vh_veil_keypair *kp);
/*
 * An authenticated packet under local_index arrived (elsewhere than through
 * vh_veil_peer_decrypt): timers, confirmation, roaming to src (may be NULL).
 */
void peer_dp_used(struct vh_link *lk, struct link_peer *lp, uint32_t local_index, bool data,
	const struct vh_veil_endpoint *src, uint64_t now);
/* Tell the mesh if the peer's usable session or data-plane index changed. */
void peer_report(struct vh_link *lk, struct link_peer *lp);

/* Is the link layer on (veil.enabled)? */
static inline bool
link_on(const struct vh_link *lk)
{
	return lk != NULL && lk->on;
}

/* link.c */
void link_tick(struct vh_link *lk, uint64_t now_ms);
/* Drop an XX responder between RESP and FINISH (wiped). */
void link_pending_drop(struct link_pending *pd);
/*
 * One link frame (types 0x10-0x14) from src, which came in on the link as
 * l2 says: handshake answers to a sender that has not proven its address
 * (RESP, cookie replies) go back there, never through resolving src.
 */
void link_input(struct vh_link *lk, uint8_t type, const uint8_t *p, uint32_t len,
	const struct vh_veil_endpoint *src, const struct vh_host_l2 *l2);
/* Tell the event callback (the mesh) that a session came up or went. */
void link_event(struct vh_link *lk, const uint8_t *nodeid, bool up);
/*
 * hsguard_check.c: hsguard_judge() for the node. 0 to go on with the frame;
 * else it was counted and dropped or answered with a cookie (sent to the
 * frame's source MAC on its port, l2: src is never resolved). For an INIT,
 * e gets the initiator's ephemeral (32 bytes; remember it with
 * hsguard_remember() once the handshake is accepted); NULL otherwise.
 */
int hsguard_check(struct vh_link *lk, uint8_t type, const uint8_t *p, uint32_t len,
	const struct vh_veil_endpoint *src, const struct vh_host_l2 *l2, uint64_t now, uint8_t *e);
/* link_cmds.c */
int link_cmds_register(struct vh_link *lk);

#endif /* VH_LINK_SVC_H */
