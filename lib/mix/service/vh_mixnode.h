/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The mix service (docs/mix-node.md, docs/mix-client.md): the mixnode and
 * mix client in the node, key epochs driven from the control lcore, the
 * workers' key set, the MIX overlay payload (type 2) and the directory.
 * Service "mix"; needs "mesh" before it (descriptors travel in the DHT).
 */
#ifndef VH_MIXNODE_H
#define VH_MIXNODE_H

#include "vh_node.h"

struct vh_mixnode;

/** The service to list in the node (name "mix"). */
extern const struct vh_node_service vh_mixnode_service;

/** @return the node's mix service state, or NULL when it is not listed. */
struct vh_mixnode *vh_mixnode_get(const struct vh_node *n);

#endif /* VH_MIXNODE_H */
