/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Veil link service (docs/veil.md, "In the node"; docs/link-dataplane.md):
 * one vh_veil peer per neighbour, handshakes on the control lcore behind
 * the handshake defence, keypairs in the data plane's session table.
 * Service "link"; the layers above send to neighbours through it and learn
 * of sessions coming and going through vh_link_on_event().
 */
#ifndef VH_LINK_H
#define VH_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vh_node.h"
#include "vh_veil.h"

struct vh_link;

/** The service to list in the node (name "link"); needs "host" before it. */
extern const struct vh_node_service vh_link_service;

/** @return the node's link service, or NULL when it is not listed. */
struct vh_link *vh_link_get(const struct vh_node *n);

/**
 * Told when a neighbour's usable session came up, changed keys (up) or
 * went away (down).
 */
typedef void (*vh_link_event_fn)(void *ctx, const uint8_t *nodeid, bool up);

/** Register the one event callback (the mesh). @return 0, -EINVAL or -EEXIST. */
int vh_link_on_event(struct vh_link *lk, vh_link_event_fn fn, void *ctx);

/**
 * Send a Bifrost datagram through the session with the peer of this NodeID
 * (staged for a few seconds while it has no usable key).
 * @return 0, -ENOENT (no such peer, or link sessions off), or -errno.
 */
int vh_link_send_datagram(
	struct vh_link *lk, const uint8_t *nodeid, const uint8_t *dgram, size_t len);

/** @return true when there is an established session with this NodeID. */
bool vh_link_has_session(struct vh_link *lk, const uint8_t *nodeid);

/**
 * A LINK_DATA plaintext a worker opened and punted (it was not an echo or a
 * transit overlay packet): the Bifrost datagram of session local_index.
 */
void vh_link_opened_input(struct vh_link *lk, uint32_t local_index, uint8_t *dgram, size_t len,
	const struct vh_veil_endpoint *src);

/** The NodeID of the peer holding keypair local_index. @return 0 or -ENOENT. */
int vh_link_peer_nodeid_by_index(struct vh_link *lk, uint32_t local_index, uint8_t *nodeid);

/**
 * The data-plane session (local index) the workers send to this neighbour on.
 * @return 0, or -ENOENT when its current keypair is not in the data plane.
 */
int vh_link_dp_index(struct vh_link *lk, const uint8_t *nodeid, uint32_t *local_index);

/** Keep a session with the node at this PathAddr (a bootstrap address). @return 0 or -errno. */
int vh_link_connect(struct vh_link *lk, const char *pathaddr);

/** Every neighbour with a usable session: up to max NodeIDs (32 bytes each). @return the count. */
unsigned int vh_link_neighbours(struct vh_link *lk, uint8_t (*nodeid)[32], unsigned int max);

#endif /* VH_LINK_H */
