/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared by link.c (sessions) and peers.c (the peer table and its commands). */
#ifndef VALHALLA_LINK_PRIV_H
#define VALHALLA_LINK_PRIV_H

#include "vh_identity.h"
#include "vh_veil.h"

#include "link.h"
#include "node.h"

#define LINK_MAX_PEERS 128
#define LINK_MAX_PENDING 16
#define LINK_DATA_MAX 1600  /* largest LINK_DATA plaintext the node sends */
#define LINK_STAGED 8       /* datagrams held per peer while it has no usable key */
#define LINK_STAGED_MS 5000 /* ... for at most this long */

/* A datagram waiting for a session key (WireGuard's staged queue). */
struct link_staged {
	uint64_t t_ms;
	uint16_t len;
	uint8_t buf[LINK_DATA_MAX];
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
};

/* An XX responder between RESP and FINISH. */
struct link_pending {
	struct vh_veil_handshake hs;
	struct vh_veil_endpoint src;
	uint64_t created_ms;
	bool used;
};

struct link {
	struct vh_noise_keypair kp;
	struct vh_veil_hs_conf hsc;
	struct vh_veil_index_table *idx;
	struct vh_veil_index_ops ops;
	struct vh_veil_cookie_checker ck;
	struct vh_veil_timing timing;
	struct vh_tofu *tofu;
	uint8_t idpl[VH_IDENTITY_PAYLOAD_MAX];
	size_t idpl_len;
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
/* Pin checks for the peer we initiated to; learns its NodeID. 0 or -EKEYREJECTED. */
int peer_verify(struct node *n, struct link_peer *lp, const uint8_t *nodeid);

#endif /* VALHALLA_LINK_PRIV_H */
