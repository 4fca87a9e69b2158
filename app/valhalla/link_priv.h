/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared by link.c (sessions) and peers.c (the peer table and its commands). */
#ifndef VALHALLA_LINK_PRIV_H
#define VALHALLA_LINK_PRIV_H

#include "vh_identity.h"
#include "vh_veil.h"

#include "hsguard.h"
#include "link.h"
#include "node.h"

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

struct link {
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
#define LINK_DROP(n, counter, reason)                        \
	do {                                                 \
		(n)->cnt.counter++;                          \
		vh_dp_count_drop((n)->dp, VH_DROP_##reason); \
	} while (0)

/* link.c: send a link frame (payload at buf + VH_BIFROST_HDR_LEN, plen bytes) to ep. */
int link_send_frame(
	struct node *n, const struct vh_veil_endpoint *ep, uint8_t type, uint8_t *buf, size_t plen);
/*
 * link.c: answer a handshake frame from src that came in as l2 says (its
 * source MAC and port): a sender that has not proven its address is never
 * resolved (docs/handshake-defence.md).
 */
int link_reply_frame(struct node *n, const struct vh_veil_endpoint *src,
	const struct hoststack_l2 *l2, uint8_t type, uint8_t *buf, size_t plen);

/* peers.c */
struct link_peer *peer_new(struct node *n, const char *address, const char *name,
	const uint8_t *nodeid, const struct vh_veil_endpoint *ep);
void peer_free(struct node *n, struct link_peer *lp);
const char *peer_label(const struct link_peer *lp);
struct link_peer *peer_by_nodeid(struct node *n, const uint8_t *nodeid);
struct link_peer *peer_by_hs_index(struct node *n, uint32_t idx);
struct link_peer *peer_by_keypair_index(struct node *n, uint32_t idx);
/* The peer that proved nodeid from src (created if new), or NULL: refused. */
struct link_peer *peer_match(
	struct node *n, const uint8_t *nodeid, const struct vh_veil_endpoint *src);
int peers_from_config(struct node *n);
/* A /udp/ PathAddr as an endpoint: true, or false for anything else. */
bool peer_endpoint_parse(const char *text, struct vh_veil_endpoint *ep);
/* Learn a configured peer's NodeID from config (cp, may be NULL) or its TOFU pin. */
void peer_preload(struct node *n, struct link_peer *lp, const struct vh_config_peer *cp);
/* Pin checks for the peer we initiated to; learns its NodeID. 0 or -EKEYREJECTED. */
int peer_verify(struct node *n, struct link_peer *lp, const uint8_t *nodeid);

/*
 * peers.c, the data-plane side of a peer: call after anything that may
 * have changed its key slots (tick, handshake, packet). Removes dropped
 * keypairs from the data plane, installs new ones, feeds the data plane's
 * counters to the vh_veil peer (timers, confirmation, roaming), refreshes
 * endpoints and tells the mesh when the usable session or its index changed.
 */
void peer_dp_sync(struct node *n, struct link_peer *lp, uint64_t now);
/*
 * Does the data plane hold the keypair with this local index? Then its
 * replay window is the keypair's only one, and a frame the control lcore
 * opens under it is checked and marked there.
 */
bool peer_dp_holds(struct link_peer *lp, uint32_t local_index);
/* Take every keypair of the peer out of the data plane. */
void peer_dp_remove_all(struct node *n, struct link_peer *lp);
/* The installed record of this keypair, or NULL. */
struct link_dpkp *peer_dp_find(struct link_peer *lp, const struct vh_veil_keypair *kp);
/*
 * An authenticated packet under local_index arrived (elsewhere than through
 * vh_veil_peer_decrypt): timers, confirmation, roaming to src (may be NULL).
 */
void peer_dp_used(struct node *n, struct link_peer *lp, uint32_t local_index, bool data,
	const struct vh_veil_endpoint *src, uint64_t now);
/* Tell the mesh if the peer's usable session or data-plane index changed. */
void peer_report(struct node *n, struct link_peer *lp);

#endif /* VALHALLA_LINK_PRIV_H */
