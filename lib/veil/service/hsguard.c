/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Handshake defence (docs/handshake-defence.md). Everything here is cheap
 * next to the X25519 work it protects: a handshake frame that reaches
 * Noise has passed MAC1, the cookie check when under load, its source's
 * meter, the replay filter and the round's DH budget.
 *
 * The meter table is set-associative: a source hashes to one bucket of
 * HSGUARD_WAYS entries; a new source takes a free or aged-out entry of its
 * bucket, else evicts the least recently used one. Its size is fixed, so a
 * flood from many (spoofed) addresses costs memory it does not grow, and
 * evicting a busy attacker only gives it a fresh burst, which the cookie
 * mode (MAC2 proves the address) takes away under load.
 *
 * Pure: no node state, so tests drive it with their own clock; the node's
 * side (counters, the cookie reply) is hsguard_check.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_jhash.h>
#include <rte_meter.h>
#include <sodium.h>

#include "hsguard.h"

#define HSGUARD_WAYS 8
#define HSGUARD_BUCKETS (HSGUARD_SOURCES / HSGUARD_WAYS)

struct source {
	struct rte_meter_srtcm m;
	uint64_t last_ms; /* 0: free */
	uint8_t family;
	uint8_t addr[16];
};

struct hsguard {
	struct rte_meter_srtcm_profile prof;
	uint32_t seed;
	unsigned int dh_left, cookies_left;
	uint64_t pressure_ms;           /* last time a budget or the meter ran out; 0: never */
	unsigned int seen_next, seen_n; /* next slot to write; slots written (<= HSGUARD_SEEN) */
	uint8_t seen[HSGUARD_SEEN][32];
	struct source src[HSGUARD_SOURCES];
};

struct hsguard *
hsguard_create(void)
{
	struct rte_meter_srtcm_params prm = {
		.cir = HSGUARD_RATE, .cbs = HSGUARD_BURST, .ebs = HSGUARD_BURST};
	struct hsguard *g = calloc(1, sizeof(*g));

	if (g == NULL)
		return NULL;
	if (rte_meter_srtcm_profile_config(&g->prof, &prm) != 0) {
		free(g);
		return NULL;
	}
	g->seed = randombytes_random();
	hsguard_round(g);
	return g;
}

void
hsguard_free(struct hsguard *g)
{
	free(g);
}

void
hsguard_round(struct hsguard *g)
{
	g->dh_left = HSGUARD_DH_PER_ROUND;
	g->cookies_left = HSGUARD_COOKIES_PER_ROUND;
}

bool
hsguard_under_load(const struct hsguard *g, unsigned int punt_load, uint64_t now_ms)
{
	return punt_load > HSGUARD_LOAD_PUNT ||
	       (g->pressure_ms != 0 && now_ms - g->pressure_ms < HSGUARD_PRESSURE_MS);
}

bool
hsguard_take_dh(struct hsguard *g, uint64_t now_ms)
{
	if (g->dh_left == 0) {
		g->pressure_ms = now_ms;
		return false;
	}
	g->dh_left--;
	return true;
}

bool
hsguard_take_cookie(struct hsguard *g)
{
	if (g->cookies_left == 0)
		return false;
	g->cookies_left--;
	return true;
}

static bool
live(const struct source *s, uint64_t now_ms)
{
	return s->last_ms != 0 && now_ms - s->last_ms < HSGUARD_SOURCE_IDLE_MS;
}

/* The entry of src: found, else a free or aged one, else the LRU of its bucket. */
static struct source *
lookup(struct hsguard *g, const struct vh_veil_endpoint *src, uint64_t tsc, uint64_t now_ms,
	bool *evicted)
{
	size_t alen = src->family == 4 ? 4 : 16;
	uint32_t b = rte_jhash(src->addr, (uint32_t)alen, g->seed ^ src->family) % HSGUARD_BUCKETS;
	struct source *set = &g->src[b * HSGUARD_WAYS], *victim = NULL;

	*evicted = false;
	for (unsigned int i = 0; i < HSGUARD_WAYS; i++) {
		struct source *s = &set[i];

		if (live(s, now_ms) && s->family == src->family &&
			memcmp(s->addr, src->addr, alen) == 0)
			return s;
		if (!live(s, now_ms)) {
			if (victim == NULL || live(victim, now_ms))
				victim = s;
		} else if (victim == NULL ||
			   (live(victim, now_ms) && s->last_ms < victim->last_ms)) {
			victim = s;
		}
	}
	*evicted = live(victim, now_ms);
	memset(victim, 0, sizeof(*victim));
	victim->family = src->family;
	memcpy(victim->addr, src->addr, alen);
	rte_meter_srtcm_config(&victim->m, &g->prof);
	victim->m.time = tsc; /* full buckets from the caller's clock, not the TSC read there */
	return victim;
}

bool
hsguard_meter(struct hsguard *g, const struct vh_veil_endpoint *src, uint64_t tsc, uint64_t now_ms,
	bool *evicted)
{
	struct source *s = lookup(g, src, tsc, now_ms, evicted);
	enum rte_color c;

	s->last_ms = now_ms != 0 ? now_ms : 1;
	c = rte_meter_srtcm_color_blind_check(&s->m, &g->prof, tsc, 1);
	if (c != RTE_COLOR_RED)
		return true;
	g->pressure_ms = now_ms;
	return false;
}

/*
 * libsodium's list (crypto_scalarmult/curve25519/ref10/x25519_ref10.c): 0,
 * 1, the two points of order 8, p - 1, p, p + 1, compared without the top
 * bit. Their multiples by any clamped scalar are the identity.
 */
static const uint8_t low_order[][32] = {
	{0},
	{1},
	{0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f, 0xc4,
		0x6a, 0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f,
		0x49, 0xb8, 0x00},
	{0x5f, 0x9c, 0x95, 0xbc, 0xa3, 0x50, 0x8c, 0x24, 0xb1, 0xd0, 0xb1, 0x55, 0x9c, 0x83, 0xef,
		0x5b, 0x04, 0x44, 0x5c, 0xc4, 0x58, 0x1c, 0x8e, 0x86, 0xd8, 0x22, 0x4e, 0xdd, 0xd0,
		0x9f, 0x11, 0x57},
	{0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0x7f},
	{0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0x7f},
	{0xee, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0x7f},
};

bool
hsguard_low_order(const uint8_t *pk)
{
	unsigned int hit = 0;

	/* no early exit: the time does not say which point it was */
	for (size_t j = 0; j < RTE_DIM(low_order); j++) {
		uint8_t d = (uint8_t)((pk[31] & 0x7f) ^ low_order[j][31]);

		for (size_t i = 0; i < 31; i++)
			d |= (uint8_t)(pk[i] ^ low_order[j][i]);
		hit |= d == 0;
	}
	return hit != 0;
}

bool
hsguard_seen(const struct hsguard *g, const uint8_t *e)
{
	bool seen = false;

	/* only the slots written: an all-zero key must not match an empty one */
	for (unsigned int i = 0; i < g->seen_n; i++)
		seen |= sodium_memcmp(g->seen[i], e, 32) == 0;
	return seen;
}

void
hsguard_remember(struct hsguard *g, const uint8_t *e)
{
	memcpy(g->seen[g->seen_next], e, 32);
	g->seen_next = (g->seen_next + 1) % HSGUARD_SEEN;
	if (g->seen_n < HSGUARD_SEEN)
		g->seen_n++;
}

unsigned int
hsguard_sources(const struct hsguard *g, uint64_t now_ms)
{
	unsigned int k = 0;

	for (unsigned int i = 0; i < HSGUARD_SOURCES; i++)
		k += live(&g->src[i], now_ms);
	return k;
}

/* MAC1, then under load MAC2 or a cookie; HSGUARD_GO when both pass. */
static enum hsguard_verdict
macs(struct hsguard *g, const struct vh_veil_cookie_checker *ck, const struct hsguard_frame *f,
	unsigned int punt_load, uint64_t now_ms, struct hsguard_out *out)
{
	bool under = f->type != VH_VEIL_HANDSHAKE_RESP && hsguard_under_load(g, punt_load, now_ms);
	int rc = vh_veil_macs_check(ck, f->type, f->p, f->len, f->src, under, now_ms);

	if (rc == -EAGAIN)
		return hsguard_take_cookie(g) ? HSGUARD_COOKIE : HSGUARD_COOKIE_BUDGET;
	if (rc != 0)
		return HSGUARD_MAC1;
	out->mac2_ok = under;
	return HSGUARD_GO;
}

enum hsguard_verdict
hsguard_judge(struct hsguard *g, const struct vh_veil_cookie_checker *ck,
	const struct hsguard_frame *f, unsigned int punt_load, uint64_t tsc, uint64_t now_ms,
	struct hsguard_out *out)
{
	struct vh_veil_hs_frame hf;
	enum hsguard_verdict v;

	memset(out, 0, sizeof(*out));
	if (vh_veil_hs_frame_decode(f->type, f->p, f->len, &hf) != 0 ||
		(f->type == VH_VEIL_HANDSHAKE_INIT && hf.noise_len < VH_NOISE_KEY_LEN))
		return HSGUARD_MALFORMED;
	v = macs(g, ck, f, punt_load, now_ms, out);
	if (v != HSGUARD_GO)
		return v;
	if (!hsguard_meter(g, f->src, tsc, now_ms, &out->evicted))
		return HSGUARD_RATELIMITED;
	if (f->type == VH_VEIL_HANDSHAKE_INIT) {
		/* XX and IK message 1 both start with the initiator's ephemeral */
		memcpy(out->e, hf.noise, VH_NOISE_KEY_LEN);
		if (hsguard_low_order(out->e))
			return HSGUARD_LOW_ORDER;
		if (hsguard_seen(g, out->e))
			return HSGUARD_REPLAY;
	}
	return hsguard_take_dh(g, now_ms) ? HSGUARD_GO : HSGUARD_DH_BUDGET;
}
