/* SPDX-License-Identifier: BSD-3-Clause */
/* Internal to lib/dp: the mixnode (vh_mix, vh_mix_out; mix_keys.c). */
#ifndef VH_DP_MIX_H
#define VH_DP_MIX_H

#include "vh_mix.h"
#include "vh_overlay.h"

#include "dp_priv.h"

#define DP_NODE_MIX "vh_mix"
#define DP_NODE_MIX_OUT "vh_mix_out"

/* One key the workers try; the filter is shared by every lcore. */
struct dp_mix_key {
	uint64_t epoch;
	uint8_t priv[VH_SPHINX_KEY_LEN];
	struct vh_mix_replay *replay;
	bool own_replay; /* freed with this set (not carried into a newer one) */
};

/* An immutable key set, published whole (RCU). */
struct dp_mix_keyset {
	unsigned int n;
	struct dp_mix_key k[VH_DP_MIX_KEYS];
};

/* A retired key set and the RCU token after which nobody can see it. */
struct dp_mix_retired {
	struct dp_mix_keyset *set;
	uint64_t token;
};

#define DP_MIX_RETIRED 8
#define DP_MIX_SAMPLES 2048

/* The mixnode of one data plane: control lcore writes, workers read. */
struct dp_mix {
	const struct vh_dp *dp;
	struct vh_dp_mix_conf conf;
	struct vh_sphinx_geometry geo;
	struct dp_mix_keyset *keys; /* RCU: NULL until published */
	struct dp_mix_retired retired[DP_MIX_RETIRED];
	bool mt; /* several threads share the replay filters (workers, control) */
};

/* Per graph lcore: the delay wheel and the counters. */
struct dp_mix_lcore {
	struct vh_mix_wheel *wheel; /* created at the first packet to hold */
	uint32_t wheel_cap;
	uint64_t tsc_ms; /* TSC ticks per millisecond */
	uint64_t unwrapped, forwarded, delayed, delivered, replayed, failed, malformed, no_key;
	uint64_t wheel_full, delay_ms_sum;
	uint64_t n_samples; /* per-hop delays: asked and held, last DP_MIX_SAMPLES */
	float sample_req[DP_MIX_SAMPLES], sample_held[DP_MIX_SAMPLES];
} __rte_cache_aligned;

/* The mixnode of dp, or NULL when off (workers: valid within one walk). */
struct dp_mix *dp_mix_get(const struct vh_dp *dp);
/* The lcore state of the vh_mix node on graph lc (NULL before its init). */
struct dp_mix_lcore *dp_mix_lcore_of(const struct dp_lcore *lc);

#endif /* VH_DP_MIX_H */
