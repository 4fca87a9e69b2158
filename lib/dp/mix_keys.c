/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The workers' mixnode state: which keys they try and the replay filter of
 * each. The control lcore publishes a whole new key set with one atomic
 * store; the set it replaces (private keys wiped, filters of epochs that
 * left freed) goes once every graph lcore has passed a quiescent state, so
 * a worker never sees a key being wiped (the scheme of session.c, with
 * tokens instead of a defer queue because sets change once an epoch).
 */
#include <string.h>

#include <rte_malloc.h>
#include <sodium.h>

#include "dp_priv.h"
#include "dp_mix.h"

/* The data plane's mixnode, or NULL: published whole with a release store. */
struct dp_mix *
dp_mix_get(const struct vh_dp *dp)
{
	return __atomic_load_n(&dp->mix, __ATOMIC_ACQUIRE);
}

struct dp_mix_lcore *
dp_mix_lcore_of(const struct dp_lcore *lc)
{
	rte_node_t id = rte_node_from_name(DP_NODE_MIX);
	struct rte_node *node;
	struct dp_mix_lcore *ml;

	if (lc->graph == NULL || id == RTE_NODE_ID_INVALID)
		return NULL;
	node = rte_graph_node_get(lc->graph_id, id);
	if (node == NULL)
		return NULL;
	memcpy(&ml, node->ctx + sizeof(void *), sizeof(ml));
	return ml;
}

static void
set_free(struct dp_mix_keyset *s)
{
	if (s == NULL)
		return;
	for (unsigned int i = 0; i < s->n; i++)
		if (s->k[i].own_replay)
			vh_mix_replay_free(s->k[i].replay);
	sodium_memzero(s, sizeof(*s));
	rte_free(s);
}

/* Wait until every graph lcore passed a quiescent state. */
static void
sync_readers(struct dp_mix *m)
{
	/* in single-lcore mode this thread is reader 0 itself */
	rte_rcu_qsbr_synchronize(m->dp->qs, vh_dp_is_single(m->dp) ? 0 : RTE_QSBR_THRID_INVALID);
}

/* Free the retired sets nobody can see any more; wait when asked to. */
static void
reclaim(struct dp_mix *m, bool wait)
{
	struct rte_rcu_qsbr *qs = m->dp->qs;

	if (wait)
		sync_readers(m);
	for (unsigned int i = 0; i < DP_MIX_RETIRED; i++) {
		struct dp_mix_retired *r = &m->retired[i];

		if (r->set == NULL || (!wait && rte_rcu_qsbr_check(qs, r->token, false) != 1))
			continue;
		set_free(r->set);
		r->set = NULL;
	}
}

static void
retire(struct dp_mix *m, struct dp_mix_keyset *old)
{
	if (old == NULL)
		return;
	for (;;) {
		for (unsigned int i = 0; i < DP_MIX_RETIRED; i++) {
			if (m->retired[i].set != NULL)
				continue;
			m->retired[i].set = old;
			m->retired[i].token = rte_rcu_qsbr_start(m->dp->qs);
			return;
		}
		reclaim(m, true); /* all slots taken: wait for the readers */
	}
}

int
vh_dp_mix_enable(struct vh_dp *dp, const struct vh_dp_mix_conf *c)
{
	struct vh_mix_replay_plan plan;
	struct dp_mix *m;

	if (dp == NULL || c == NULL || c->wheel_entries == 0 || c->hop_limit == 0)
		return -EINVAL;
	if (dp_mix_get(dp) != NULL)
		return -EEXIST;
	if (vh_mix_replay_plan(c->replay_capacity, c->replay_fp_rate, &plan) != 0)
		return -EINVAL;
	m = rte_zmalloc("vh_mix", sizeof(*m), RTE_CACHE_LINE_SIZE);
	if (m == NULL)
		return -ENOMEM;
	if (vh_sphinx_geometry_init(&m->geo, c->hops, c->payload_len, true) != 0) {
		rte_free(m);
		return -EINVAL;
	}
	m->dp = dp;
	m->conf = *c;
	/* the control lcore unwraps with the same filters (vh_dp_mix_unwrap) */
	m->mt = dp->n_lcores > 1 || !vh_dp_is_single(dp);
	__atomic_store_n(&dp->mix, m, __ATOMIC_RELEASE);
	return 0;
}

/* The key of this epoch in the set in force, or NULL. */
static struct dp_mix_key *
old_key(struct dp_mix_keyset *old, uint64_t epoch)
{
	for (unsigned int i = 0; old != NULL && i < old->n; i++)
		if (old->k[i].epoch == epoch && old->k[i].own_replay)
			return &old->k[i];
	return NULL;
}

int
vh_dp_mix_keys_set(struct vh_dp *dp, const struct vh_dp_mix_key *keys, unsigned int n)
{
	struct dp_mix *m = dp_mix_get(dp);
	struct dp_mix_keyset *s, *old;

	if (m == NULL)
		return -ENOENT;
	if (n > VH_DP_MIX_KEYS || (n > 0 && keys == NULL) ||
		(n == 2 && keys[0].epoch == keys[1].epoch))
		return -EINVAL;
	s = rte_zmalloc("vh_mix_keys", sizeof(*s), RTE_CACHE_LINE_SIZE);
	if (s == NULL)
		return -ENOMEM;
	old = m->keys;
	s->n = n;
	/* new filters first, so a failure leaves the set in force untouched */
	for (unsigned int i = 0; i < n; i++) {
		struct dp_mix_key *k = &s->k[i];

		k->epoch = keys[i].epoch;
		memcpy(k->priv, keys[i].priv, sizeof(k->priv));
		if (old_key(old, k->epoch) != NULL)
			continue;
		k->replay = vh_mix_replay_create(m->conf.replay_capacity, m->conf.replay_fp_rate);
		k->own_replay = k->replay != NULL;
		if (k->replay == NULL) {
			set_free(s);
			return -ENOMEM;
		}
		/* a saved filter goes in before any lcore can see the key */
		if (keys[i].replay != NULL && vh_mix_replay_copy(k->replay, keys[i].replay) != 0) {
			set_free(s);
			return -EINVAL;
		}
	}
	for (unsigned int i = 0; i < n; i++) {
		struct dp_mix_key *k = &s->k[i], *o = old_key(old, k->epoch);

		if (k->replay != NULL || o == NULL)
			continue;
		k->replay = o->replay; /* the epoch's filter carries over */
		k->own_replay = true;
		o->own_replay = false; /* workers never read the flag */
	}
	__atomic_store_n(&m->keys, s, __ATOMIC_RELEASE);
	retire(m, old);
	reclaim(m, false);
	return 0;
}

void
vh_dp_mix_disable(struct vh_dp *dp)
{
	vh_dp_mix_disable_export(dp, NULL, NULL);
}

void
vh_dp_mix_disable_export(struct vh_dp *dp, vh_dp_mix_replay_fn fn, void *arg)
{
	struct dp_mix *m = dp_mix_get(dp);

	if (m == NULL)
		return;
	__atomic_store_n(&dp->mix, NULL, __ATOMIC_RELEASE);
	if (fn != NULL && m->keys != NULL) {
		/* after this no lcore holds m: the filters take no more tags */
		sync_readers(m);
		for (unsigned int i = 0; i < m->keys->n; i++)
			fn(arg, m->keys->k[i].epoch, m->keys->k[i].replay);
	}
	retire(m, m->keys);
	m->keys = NULL;
	reclaim(m, true);
	rte_free(m);
}

void
vh_dp_mix_stats_get(const struct vh_dp *dp, struct vh_dp_mix_stats *st)
{
	const struct dp_mix *m = dp_mix_get(dp);

	memset(st, 0, sizeof(*st));
	if (m != NULL && m->keys != NULL)
		st->keys = m->keys->n;
	for (unsigned int i = 0; i < dp->n_lcores; i++) {
		const struct dp_mix_lcore *ml = dp_mix_lcore_of(&dp->lcores[i]);

		if (ml == NULL)
			continue;
		st->unwrapped += ml->unwrapped;
		st->forwarded += ml->forwarded;
		st->delayed += ml->delayed;
		st->delivered += ml->delivered;
		st->replayed += ml->replayed;
		st->failed += ml->failed;
		st->malformed += ml->malformed;
		st->no_key += ml->no_key;
		st->wheel_full += ml->wheel_full;
		st->delay_ms_sum += ml->delay_ms_sum;
		if (ml->wheel != NULL) {
			st->wheel_held += vh_mix_wheel_count(ml->wheel);
			st->wheel_capacity += ml->wheel_cap;
		}
	}
}

unsigned int
vh_dp_mix_delays(const struct vh_dp *dp, float *asked, float *held, unsigned int max)
{
	unsigned int k = 0;

	for (unsigned int i = 0; i < dp->n_lcores; i++) {
		const struct dp_mix_lcore *ml = dp_mix_lcore_of(&dp->lcores[i]);
		uint64_t n;

		if (ml == NULL)
			continue;
		n = RTE_MIN(ml->n_samples, (uint64_t)DP_MIX_SAMPLES);
		for (uint64_t j = 0; j < n && k < max; j++, k++) {
			asked[k] = ml->sample_req[j];
			held[k] = ml->sample_held[j];
		}
	}
	return k;
}
