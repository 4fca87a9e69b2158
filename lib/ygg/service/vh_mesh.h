/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The mesh service (docs/mesh.md, docs/dht.md): overlay routing by NodeID
 * over link sessions, the Kademlia DHT with signed location records, LAN
 * discovery, ping and traceroute. Service "mesh"; it carries the overlay
 * payload types others register (vh_node_on_overlay) and sends theirs
 * (vh_node_overlay_send).
 */
#ifndef VH_MESH_H
#define VH_MESH_H

#include "vh_link.h"
#include "vh_node.h"
#include "vh_ygg.h"

struct vh_mesh;

/** The service to list in the node (name "mesh"); needs "host" and "link" before it. */
extern const struct vh_node_service vh_mesh_service;

/** @return the node's mesh service, or NULL when it is not listed. */
struct vh_mesh *vh_mesh_get(const struct vh_node *n);

/** @return the node's DHT, or NULL when the DHT is off (dht.enabled). */
struct vh_dht *vh_mesh_dht(struct vh_mesh *m);

#endif /* VH_MESH_H */
