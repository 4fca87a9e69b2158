/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The overlay forwarding table: NodeID -> up to four next hops (link
 * sessions the data plane holds). An rte_hash with lock-free readers; the
 * control lcore is the only writer. A route's next hops are packed into the
 * hash's 64-bit data word (count + four 12-bit session slots), so replacing
 * a route is one atomic store and a deleted key's memory is reclaimed by the
 * hash's own rte_rcu_qsbr defer queue: nothing else to free.
 */
#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_malloc.h>

#include "dp_priv.h"
#include "dp_fwd.h"
#include "dp_session.h"

#define SLOT_BITS 12

_Static_assert(VH_DP_SESSIONS == (1 << SLOT_BITS), "a session slot fits SLOT_BITS");

static uint64_t
pack(const uint32_t *local_index, unsigned int n)
{
	uint64_t v = n;

	for (unsigned int i = 0; i < n; i++)
		v |= (uint64_t)(local_index[i] % VH_DP_SESSIONS) << (4 + SLOT_BITS * i);
	return v;
}

int
dp_fwd_init(struct vh_dp *dp)
{
	char name[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters p = {
		.name = name,
		.entries = dp->conf.fwd_entries != 0 ? dp->conf.fwd_entries : 65536,
		.key_len = VH_DP_NODE_ID_LEN,
		.hash_func = rte_jhash,
		.socket_id = (int)rte_socket_id(),
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF,
	};
	struct rte_hash_rcu_config rc = {.v = dp->qs, .mode = RTE_HASH_QSBR_MODE_DQ};

	snprintf(name, sizeof(name), "vh_fwd_%p", (void *)dp);
	dp->fwd = rte_hash_create(&p);
	if (dp->fwd == NULL)
		return -rte_errno;
	return rte_hash_rcu_qsbr_add(dp->fwd, &rc);
}

void
dp_fwd_free(struct vh_dp *dp)
{
	rte_hash_free(dp->fwd);
	dp->fwd = NULL;
	dp_neigh_free(dp);
}

void
vh_dp_set_node_id(struct vh_dp *dp, const uint8_t node_id[VH_DP_NODE_ID_LEN])
{
	memcpy(dp->self_id, node_id, VH_DP_NODE_ID_LEN);
	__atomic_store_n(&dp->has_self, true, __ATOMIC_RELEASE);
}

int
vh_dp_neigh_set(struct vh_dp *dp, const uint8_t (*node_id)[VH_DP_NODE_ID_LEN],
	const uint32_t *local_index, unsigned int n)
{
	struct dp_neigh *nb = NULL, *old;

	if (n > VH_DP_MAX_NEIGH || (n > 0 && (node_id == NULL || local_index == NULL)))
		return -EINVAL;
	if (n > 0) {
		nb = rte_zmalloc("vh_neigh", sizeof(*nb), RTE_CACHE_LINE_SIZE);
		if (nb == NULL)
			return -ENOMEM;
		nb->n = n;
		memcpy(nb->id, node_id, n * sizeof(nb->id[0]));
		memcpy(nb->local_index, local_index, n * sizeof(nb->local_index[0]));
	}
	old = __atomic_exchange_n(&dp->neigh, nb, __ATOMIC_ACQ_REL);
	if (old != NULL) {
		/* rare (a link came or went): wait for the readers, then free */
		rte_rcu_qsbr_synchronize(dp->qs, vh_dp_is_single(dp) ? 0 : RTE_QSBR_THRID_INVALID);
		rte_free(old);
	}
	return 0;
}

void
dp_neigh_free(struct vh_dp *dp)
{
	rte_free(dp->neigh);
	dp->neigh = NULL;
}

/* Is a closer to t than b? (XOR metric, big-endian) */
static bool
closer(const uint8_t *t, const uint8_t *a, const uint8_t *b)
{
	for (unsigned int i = 0; i < VH_DP_NODE_ID_LEN; i++) {
		uint8_t da = a[i] ^ t[i], db = b[i] ^ t[i];

		if (da != db)
			return da < db;
	}
	return false;
}

struct dp_session *
dp_fwd_greedy(const struct vh_dp *dp, const uint8_t *dst)
{
	const struct dp_neigh *nb = __atomic_load_n(&dp->neigh, __ATOMIC_ACQUIRE);
	const uint8_t *best = dp->self_id;
	int pick = -1;

	if (nb == NULL || !__atomic_load_n(&dp->has_self, __ATOMIC_ACQUIRE))
		return NULL;
	for (unsigned int i = 0; i < nb->n; i++)
		if (closer(dst, nb->id[i], best)) {
			best = nb->id[i];
			pick = (int)i;
		}
	return pick < 0 ? NULL : dp_session_find(dp, nb->local_index[pick]);
}

int
vh_dp_fwd_set(struct vh_dp *dp, const uint8_t node_id[VH_DP_NODE_ID_LEN],
	const uint32_t *local_index, unsigned int n)
{
	bool is_new;
	int rc;

	if (dp == NULL || node_id == NULL || n == 0 || n > VH_DP_FWD_MAX_PATHS ||
		local_index == NULL)
		return -EINVAL;
	is_new = rte_hash_lookup(dp->fwd, node_id) < 0;
	rc = rte_hash_add_key_data(dp->fwd, node_id, (void *)(uintptr_t)pack(local_index, n));
	if (rc < 0)
		return rc;
	dp->fwd_routes += is_new;
	return 0;
}

int
vh_dp_fwd_del(struct vh_dp *dp, const uint8_t node_id[VH_DP_NODE_ID_LEN])
{
	int rc = rte_hash_del_key(dp->fwd, node_id);

	if (rc < 0)
		return rc;
	dp->fwd_routes--;
	return 0;
}

int
vh_dp_fwd_get(struct vh_dp *dp, const uint8_t node_id[VH_DP_NODE_ID_LEN], uint32_t *slots,
	unsigned int *n)
{
	void *data;
	uint64_t v;

	if (rte_hash_lookup_data(dp->fwd, node_id, &data) < 0)
		return -ENOENT;
	v = (uint64_t)(uintptr_t)data;
	*n = (unsigned int)(v & 0xf);
	for (unsigned int i = 0; i < *n; i++)
		slots[i] = (uint32_t)(v >> (4 + SLOT_BITS * i)) & (VH_DP_SESSIONS - 1);
	return 0;
}

int
vh_dp_fwd_count(const struct vh_dp *dp)
{
	/* not rte_hash_count(): deleted keys hold their slot until RCU reclaims it */
	return (int)dp->fwd_routes;
}

struct dp_session *
dp_fwd_pick(const struct vh_dp *dp, uint64_t v, uint32_t flow)
{
	unsigned int n = (unsigned int)(v & 0xf);
	unsigned int slot;

	if (n == 0)
		return NULL;
	/* the flow label keeps a flow on one path */
	slot = (unsigned int)(v >> (4 + SLOT_BITS * (flow % n))) & (VH_DP_SESSIONS - 1);
	return __atomic_load_n(&dp->sessions[slot], __ATOMIC_ACQUIRE);
}

unsigned int
dp_fwd_lookup_bulk(const struct vh_dp *dp, const void **keys, unsigned int n, uint64_t *vals)
{
	uint64_t hits = 0;
	void *data[RTE_HASH_LOOKUP_BULK_MAX];
	unsigned int found = 0;

	for (unsigned int off = 0; off < n; off += RTE_HASH_LOOKUP_BULK_MAX) {
		unsigned int k = RTE_MIN(n - off, (unsigned int)RTE_HASH_LOOKUP_BULK_MAX);

		hits = 0;
		rte_hash_lookup_bulk_data(dp->fwd, &keys[off], k, &hits, data);
		for (unsigned int i = 0; i < k; i++) {
			vals[off + i] = (hits >> i) & 1 ? (uint64_t)(uintptr_t)data[i] : 0;
			found += (hits >> i) & 1;
		}
	}
	return found;
}
