/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Veil link sessions (docs/veil.md, "In the node"; docs/link-dataplane.md):
 * one vh_veil peer per neighbour, handshakes on the control lcore, keypairs
 * in the data plane's session table. Internal to the valhalla program.
 */
#ifndef VALHALLA_LINK_H
#define VALHALLA_LINK_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "vh_veil.h"

struct node;
struct link;
struct link_peer;
struct hoststack_l2;

/* Start the link layer (veil.enabled): peers from the config, TOFU store. */
int link_start(struct node *n);
/* Free every peer and handshake; wipes keys. */
void link_stop(struct node *n);
/* A new control-loop round: the handshake budgets refill (hsguard.h). */
void link_round(struct node *n);
/* Housekeeping: peer timers, pending responders, data-plane sessions. */
void link_tick(struct node *n, uint64_t now_ms);
/*
 * One link frame (types 0x10-0x14) from src, which came in on the link as
 * l2 says: handshake answers to a sender that has not proven its address
 * (RESP, cookie replies) go back there, never through resolving src.
 */
void link_input(struct node *n, uint8_t type, const uint8_t *p, uint32_t len,
	const struct vh_veil_endpoint *src, const struct hoststack_l2 *l2);
/* Send a Bifrost datagram through the session with the peer of this NodeID. */
int link_send_datagram(struct node *n, const uint8_t *nodeid, const uint8_t *dgram, size_t len);
/* Is there an established session with this NodeID? */
bool link_has_session(struct node *n, const uint8_t *nodeid);
/* Control commands: peers, add-peer, remove-peer. */
int link_register(struct node *n);

/*
 * A LINK_DATA plaintext a worker opened and punted (it was not an echo or a
 * transit overlay packet): the Bifrost datagram of session local_index.
 */
void link_opened_input(struct node *n, uint32_t local_index, uint8_t *dgram, size_t len,
	const struct vh_veil_endpoint *src);
/* The NodeID of the peer holding keypair local_index: 0 or -ENOENT. */
int link_peer_nodeid_by_index(struct node *n, uint32_t local_index, uint8_t *nodeid);
/*
 * The data-plane session (local index) the workers send to this neighbour
 * on: 0, or -ENOENT when its current keypair is not in the data plane.
 */
int link_dp_index(struct node *n, const uint8_t *nodeid, uint32_t *local_index);
/* Keep a session with the node at this PathAddr (a bootstrap address). */
int link_connect(struct node *n, const char *pathaddr);
/* Every neighbour with a usable session: up to max NodeIDs (32 bytes each). */
unsigned int link_neighbours(struct node *n, uint8_t (*nodeid)[32], unsigned int max);

#endif /* VALHALLA_LINK_H */
