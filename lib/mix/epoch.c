/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Mix key epochs: one X25519 key per epoch, generated publish_ahead_ms
 * before its epoch so its descriptor can be in the DHT when clients need
 * it, tried for its epoch and grace_ms after, then wiped. Each key owns a
 * replay filter, freed with it: a packet's replay tag only needs
 * remembering while some key can still unwrap it.
 *
 * Three slots are enough: grace_ms < epoch_ms means at most the previous,
 * the current and the next key are alive at once (docs/mix-keys.md).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "mix_internal.h"

uint64_t
vh_mix_epoch_at(uint64_t now_ms, uint64_t epoch_ms)
{
	return epoch_ms == 0 ? 0 : now_ms / epoch_ms;
}

uint64_t
vh_mix_epoch_start(uint64_t epoch, uint64_t epoch_ms)
{
	if (epoch_ms != 0 && epoch > UINT64_MAX / epoch_ms)
		return UINT64_MAX;
	return epoch * epoch_ms;
}

/* a + b, saturating: far-future epochs must not wrap into the past. */
static uint64_t
sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

int
vh_mix_epoch_conf_check(const struct vh_mix_epoch_conf *conf)
{
	struct vh_mix_replay_plan plan;

	if (conf == NULL || conf->epoch_ms == 0 || conf->grace_ms >= conf->epoch_ms ||
		conf->publish_ahead_ms > conf->epoch_ms)
		return -EINVAL;
	return vh_mix_replay_plan(conf->replay_capacity, conf->replay_fp_rate, &plan);
}

static void
wipe(struct vh_mix_keys *k, struct mix_key *s)
{
	vh_mix_replay_free(s->replay);
	sodium_memzero(s, sizeof(*s)); /* the private key above all */
	s->state = VH_MIX_KEY_EMPTY;
	k->st.wiped++;
}

static struct mix_key *
find(const struct vh_mix_keys *k, uint64_t epoch)
{
	for (unsigned int i = 0; i < VH_MIX_KEYS_SLOTS; i++) {
		const struct mix_key *s = &k->slot[i];

		if (s->state != VH_MIX_KEY_EMPTY && s->epoch == epoch)
			return (struct mix_key *)(uintptr_t)s;
	}
	return NULL;
}

static int
generate(struct vh_mix_keys *k, uint64_t epoch)
{
	struct mix_key *s = NULL;
	int rc;

	for (unsigned int i = 0; i < VH_MIX_KEYS_SLOTS && s == NULL; i++)
		if (k->slot[i].state == VH_MIX_KEY_EMPTY)
			s = &k->slot[i];
	if (s == NULL)
		return -ENOSPC; /* cannot happen with grace < epoch: see the file comment */
	s->replay = vh_mix_replay_create(k->conf.replay_capacity, k->conf.replay_fp_rate);
	if (s->replay == NULL)
		return -ENOMEM;
	rc = k->rng(k->rng_ctx, s->priv, sizeof(s->priv));
	if (rc == 0 && crypto_scalarmult_base(s->pub, s->priv) != 0)
		rc = -EINVAL;
	if (rc != 0) {
		vh_mix_replay_free(s->replay);
		sodium_memzero(s, sizeof(*s));
		return rc < 0 ? rc : -EIO;
	}
	s->epoch = epoch;
	s->unwrapped = 0;
	s->state = VH_MIX_KEY_NEXT; /* tick sets the real state */
	k->st.generated++;
	return 0;
}

/* Wipe keys whose grace is over, then name every survivor's state for epoch e. */
static int
age_keys(struct vh_mix_keys *k, uint64_t now, uint64_t e)
{
	int mask = 0;

	for (unsigned int i = 0; i < VH_MIX_KEYS_SLOTS; i++) {
		struct mix_key *s = &k->slot[i];
		uint64_t end;

		if (s->state == VH_MIX_KEY_EMPTY)
			continue;
		end = sat_add(vh_mix_epoch_start(s->epoch + 1, k->conf.epoch_ms), k->conf.grace_ms);
		if (s->epoch < e && now >= end) {
			wipe(k, s);
			mask |= VH_MIX_KEYS_WIPED;
		} else if (s->epoch == e) {
			s->state = VH_MIX_KEY_CURRENT;
		} else if (s->epoch < e) {
			s->state = VH_MIX_KEY_PREVIOUS;
		} else {
			s->state = VH_MIX_KEY_NEXT;
		}
	}
	return mask;
}

int
vh_mix_keys_tick(struct vh_mix_keys *k, uint64_t now)
{
	uint64_t e, next_start;
	int mask, rc;

	if (k == NULL)
		return -EINVAL;
	if (k->ticked && now < k->now_ms)
		now = k->now_ms; /* never go back: a key once wiped stays wiped */
	e = vh_mix_epoch_at(now, k->conf.epoch_ms);
	mask = age_keys(k, now, e);
	if (k->ticked && e != k->epoch)
		mask |= VH_MIX_KEYS_ROTATED;
	k->now_ms = now;
	k->epoch = e;
	k->ticked = true;
	if (find(k, e) == NULL) {
		rc = generate(k, e);
		if (rc < 0)
			return rc;
		find(k, e)->state = VH_MIX_KEY_CURRENT;
		mask |= VH_MIX_KEYS_GENERATED;
	}
	next_start = vh_mix_epoch_start(e + 1, k->conf.epoch_ms);
	if (now >= next_start - k->conf.publish_ahead_ms && find(k, e + 1) == NULL) {
		rc = generate(k, e + 1);
		if (rc < 0)
			return rc;
		mask |= VH_MIX_KEYS_GENERATED;
	}
	return mask;
}

uint64_t
vh_mix_epoch_oldest(const struct vh_mix_epoch_conf *conf, uint64_t now_ms)
{
	uint64_t e = vh_mix_epoch_at(now_ms, conf->epoch_ms);

	/* the previous key lives until start(e) + grace_ms */
	if (e > 0 && now_ms < sat_add(vh_mix_epoch_start(e, conf->epoch_ms), conf->grace_ms))
		return e - 1;
	return e;
}

/* Put a saved key in a free slot; the first tick names its state. */
static int
restore(struct vh_mix_keys *k, const struct vh_mix_saved_key *sk)
{
	struct mix_key *s = NULL;

	for (unsigned int i = 0; i < VH_MIX_KEYS_SLOTS && s == NULL; i++)
		if (k->slot[i].state == VH_MIX_KEY_EMPTY)
			s = &k->slot[i];
	if (s == NULL)
		return -ENOSPC;
	memcpy(s->priv, sk->priv, sizeof(s->priv));
	if (crypto_scalarmult_base(s->pub, s->priv) != 0) {
		sodium_memzero(s, sizeof(*s));
		return -EINVAL;
	}
	s->replay = vh_mix_replay_create(k->conf.replay_capacity, k->conf.replay_fp_rate);
	if (s->replay == NULL) {
		sodium_memzero(s, sizeof(*s));
		return -ENOMEM;
	}
	s->epoch = sk->epoch;
	s->state = VH_MIX_KEY_NEXT;
	k->st.restored++;
	return 0;
}

static int
restore_all(
	struct vh_mix_keys *k, uint64_t now, const struct vh_mix_saved_key *saved, unsigned int n)
{
	uint64_t lo = vh_mix_epoch_oldest(&k->conf, now);
	uint64_t hi = vh_mix_epoch_at(now, k->conf.epoch_ms) + 1;
	int rc;

	for (unsigned int i = 0; i < n; i++) {
		if (saved[i].epoch < lo || saved[i].epoch > hi || find(k, saved[i].epoch) != NULL)
			continue;
		rc = restore(k, &saved[i]);
		if (rc == -ENOMEM)
			return rc;
	}
	return 0;
}

struct vh_mix_keys *
vh_mix_keys_create(
	const struct vh_mix_epoch_conf *conf, uint64_t now_ms, vh_sphinx_rng_fn rng, void *rng_ctx)
{
	return vh_mix_keys_create_saved(conf, now_ms, rng, rng_ctx, NULL, 0);
}

struct vh_mix_keys *
vh_mix_keys_create_saved(const struct vh_mix_epoch_conf *conf, uint64_t now_ms,
	vh_sphinx_rng_fn rng, void *rng_ctx, const struct vh_mix_saved_key *saved, unsigned int n)
{
	struct vh_mix_keys *k;
	int rc = vh_mix_epoch_conf_check(conf);

	if (rc == 0 && (rng == NULL || (n > 0 && saved == NULL)))
		rc = -EINVAL;
	if (rc < 0) {
		errno = -rc;
		return NULL;
	}
	k = calloc(1, sizeof(*k));
	if (k == NULL)
		return NULL;
	k->conf = *conf;
	k->rng = rng;
	k->rng_ctx = rng_ctx;
	rc = restore_all(k, now_ms, saved, n);
	if (rc == 0)
		rc = vh_mix_keys_tick(k, now_ms);
	if (rc < 0) {
		vh_mix_keys_free(k);
		errno = -rc;
		return NULL;
	}
	return k;
}

void
vh_mix_keys_free(struct vh_mix_keys *k)
{
	if (k == NULL)
		return;
	for (unsigned int i = 0; i < VH_MIX_KEYS_SLOTS; i++)
		if (k->slot[i].state != VH_MIX_KEY_EMPTY)
			wipe(k, &k->slot[i]);
	sodium_memzero(k, sizeof(*k));
	free(k);
}

static struct mix_key *
by_state(struct vh_mix_keys *k, enum vh_mix_key_state st)
{
	for (unsigned int i = 0; i < VH_MIX_KEYS_SLOTS; i++)
		if (k->slot[i].state == st)
			return &k->slot[i];
	return NULL;
}

static int
record(struct vh_mix_keys *k, struct mix_key *s, const uint8_t *tag)
{
	if (k->conf.replay_mt)
		return vh_mix_replay_test_and_set_mt(s->replay, tag);
	return vh_mix_replay_test_and_set(s->replay, tag);
}

int
vh_mix_keys_unwrap(struct vh_mix_keys *k, const struct vh_sphinx_geometry *geo, uint8_t *pkt,
	size_t pkt_len, struct vh_sphinx_unwrap_result *res, uint64_t *epoch)
{
	uint8_t tag[VH_SPHINX_REPLAY_TAG_LEN];
	struct mix_key *cand[2];
	unsigned int n = 0;
	int rc;

	if (k == NULL || res == NULL)
		return -EINVAL;
	rc = vh_sphinx_replay_tag(geo, pkt, pkt_len, tag);
	if (rc < 0) {
		k->st.malformed++;
		return rc;
	}
	cand[n] = by_state(k, VH_MIX_KEY_CURRENT);
	n += cand[n] != NULL;
	cand[n] = by_state(k, VH_MIX_KEY_PREVIOUS);
	n += cand[n] != NULL;
	if (n == 0)
		return -ENOKEY;
	/* A hash lookup per key before any scalar multiplication. */
	for (unsigned int i = 0; i < n; i++) {
		if (vh_mix_replay_test(cand[i]->replay, tag) == 1) {
			k->st.replayed++;
			return -EALREADY;
		}
	}
	for (unsigned int i = 0; i < n; i++) {
		rc = vh_sphinx_unwrap(geo, cand[i]->priv, pkt, pkt_len, res);
		if (rc == -EBADMSG)
			continue;
		if (rc < 0) {
			k->st.malformed++;
			return rc;
		}
		/* Only now: recording unauthenticated tags would let anyone fill the filter. */
		if (record(k, cand[i], tag) != 0) {
			k->st.replayed++; /* another worker got the same packet first */
			return -EALREADY;
		}
		cand[i]->unwrapped++;
		if (i == 0)
			k->st.unwrapped_current++;
		else
			k->st.unwrapped_previous++;
		if (epoch != NULL)
			*epoch = cand[i]->epoch;
		return 0;
	}
	k->st.failed++;
	return -EBADMSG;
}

int
vh_mix_keys_public(const struct vh_mix_keys *k, uint64_t epoch, uint8_t pub[VH_SPHINX_KEY_LEN])
{
	const struct mix_key *s;

	if (k == NULL || pub == NULL)
		return -EINVAL;
	s = find(k, epoch);
	if (s == NULL)
		return -ENOENT;
	memcpy(pub, s->pub, VH_SPHINX_KEY_LEN);
	return 0;
}

int
vh_mix_keys_private(const struct vh_mix_keys *k, uint64_t epoch, uint8_t priv[VH_SPHINX_KEY_LEN])
{
	const struct mix_key *s;

	if (k == NULL || priv == NULL)
		return -EINVAL;
	s = find(k, epoch);
	if (s == NULL)
		return -ENOENT;
	memcpy(priv, s->priv, VH_SPHINX_KEY_LEN);
	return 0;
}

uint64_t
vh_mix_keys_epoch(const struct vh_mix_keys *k)
{
	return k == NULL ? 0 : k->epoch;
}

unsigned int
vh_mix_keys_info(const struct vh_mix_keys *k, struct vh_mix_key_info *out, unsigned int max)
{
	static const enum vh_mix_key_state order[] = {
		VH_MIX_KEY_CURRENT, VH_MIX_KEY_PREVIOUS, VH_MIX_KEY_NEXT};
	unsigned int n = 0;

	if (k == NULL || out == NULL)
		return 0;
	for (unsigned int o = 0; o < 3; o++) {
		for (unsigned int i = 0; i < VH_MIX_KEYS_SLOTS && n < max; i++) {
			const struct mix_key *s = &k->slot[i];

			if (s->state != order[o])
				continue;
			out[n].epoch = s->epoch;
			out[n].state = s->state;
			memcpy(out[n].public_key, s->pub, VH_SPHINX_KEY_LEN);
			out[n].replay_count = vh_mix_replay_count(s->replay);
			out[n].replay_bytes = vh_mix_replay_bytes(s->replay);
			out[n].unwrapped = s->unwrapped;
			n++;
		}
	}
	return n;
}

size_t
vh_mix_keys_bytes(const struct vh_mix_keys *k)
{
	size_t b;

	if (k == NULL)
		return 0;
	b = sizeof(*k);
	for (unsigned int i = 0; i < VH_MIX_KEYS_SLOTS; i++)
		b += vh_mix_replay_bytes(k->slot[i].replay);
	return b;
}

void
vh_mix_keys_stats_get(const struct vh_mix_keys *k, struct vh_mix_keys_stats *st)
{
	if (k != NULL && st != NULL)
		*st = k->st;
}
