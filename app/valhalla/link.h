/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Veil link sessions on the control lcore (docs/veil.md, "In the node"):
 * one vh_veil peer per neighbour, handshakes and LINK_DATA through the host
 * stack. Internal to the valhalla program.
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

/* Start the link layer (veil.enabled): peers from the config, TOFU store. */
int link_start(struct node *n);
/* Free every peer and handshake; wipes keys. */
void link_stop(struct node *n);
/* Housekeeping: peer timers, pending responders. */
void link_tick(struct node *n, uint64_t now_ms);
/* One link frame (types 0x10-0x14) from src. */
void link_input(struct node *n, uint8_t type, const uint8_t *p, uint32_t len,
	const struct vh_veil_endpoint *src);
/* Send a Bifrost datagram through the session with the peer of this NodeID. */
int link_send_datagram(struct node *n, const uint8_t *nodeid, const uint8_t *dgram, size_t len);
/* Is there an established session with this NodeID? */
bool link_has_session(struct node *n, const uint8_t *nodeid);
/* Control commands: peers, add-peer, remove-peer. */
int link_register(struct node *n);

#endif /* VALHALLA_LINK_H */
