/* SPDX-License-Identifier: BSD-3-Clause */
/* Internal to lib/dp: forwarding by NodeID (the vh_overlay_fwd node). */
#ifndef VH_DP_FWD_H
#define VH_DP_FWD_H

#include "vh_overlay.h"

#include "dp_session.h"

#define DP_NODE_OVERLAY_FWD "vh_overlay_fwd"

/* The neighbours the greedy step picks from. */
struct dp_neigh {
	unsigned int n;
	uint32_t local_index[VH_DP_MAX_NEIGH];
	uint8_t id[VH_DP_MAX_NEIGH][VH_DP_NODE_ID_LEN];
};

int dp_fwd_init(struct vh_dp *dp);
void dp_fwd_free(struct vh_dp *dp);
/* Bulk lookup of NodeIDs: vals[i] is the packed route or 0; returns hits. */
unsigned int dp_fwd_lookup_bulk(
	const struct vh_dp *dp, const void **keys, unsigned int n, uint64_t *vals);
/* The session a packed route gives this flow, or NULL. */
struct dp_session *dp_fwd_pick(const struct vh_dp *dp, uint64_t route, uint32_t flow);
/* Greedy step for a destination with no route: a session or NULL. */
struct dp_session *dp_fwd_greedy(const struct vh_dp *dp, const uint8_t *dst);
void dp_neigh_free(struct vh_dp *dp);

#endif /* VH_DP_FWD_H */
