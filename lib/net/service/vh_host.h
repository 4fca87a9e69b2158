/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The host stack's control-lcore service (docs/net.md): ARP and neighbour
 * discovery with one lib/net cache per port, ICMP echo answers, and UDP
 * for the node's own traffic, held while its next hop resolves. Service
 * "host"; the layers above send through it.
 */
#ifndef VH_HOST_H
#define VH_HOST_H

#include <stdint.h>

#include "vh_node.h"

struct vh_host;

/** The service to list in the node (name "host"). */
extern const struct vh_node_service vh_host_service;

/** @return the node's host service, or NULL when it is not running. */
struct vh_host *vh_host_get(const struct vh_node *n);

/** Where a received frame came from on the link: its port (config index) and source MAC. */
struct vh_host_l2 {
	unsigned int port;
	uint8_t mac[6];
};

/**
 * Send UDP to dst:dport from the overlay port, resolving the next hop
 * (the frame waits up to 3 s in a small queue while it resolves).
 * @return 0, -ENETUNREACH (no route), -EHOSTUNREACH (next hop failed),
 *         -ENOBUFS, or what building or injecting returned.
 */
int vh_host_send_udp(struct vh_host *h, int ip_ver, const uint8_t *dst, uint16_t dport,
	const uint8_t *payload, uint16_t len);

/**
 * Answer a received frame's sender: UDP to dst:dport sent to the frame's
 * source MAC on its port (l2), as a router answers its last hop, without
 * resolving dst (a spoofed dst must not cost an ARP or ND).
 * @return 0, -EINVAL (bad port, group or zero MAC), or what building or
 *         injecting returned.
 */
int vh_host_reply_udp(struct vh_host *h, const struct vh_host_l2 *l2, int ip_ver,
	const uint8_t *dst, uint16_t dport, const uint8_t *payload, uint16_t len);

/**
 * The port and next hop for dst: on-link by prefix, else a gateway.
 * @return 0 or -ENETUNREACH.
 */
int vh_host_route(
	struct vh_host *h, int ip_ver, const uint8_t *dst, unsigned int *port, uint8_t *nh);

/** A UDP datagram to ff02::1 (all nodes) on one port, hop limit 1. @return 0 or -errno. */
int vh_host_send_all_nodes(
	struct vh_host *h, unsigned int port, uint16_t dport, const uint8_t *payload, uint16_t len);

/** @return the neighbour cache of a port (config index), or NULL. */
struct vh_net_neigh *vh_host_neigh(struct vh_host *h, unsigned int port);

#endif /* VH_HOST_H */
