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
 */
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_jhash.h>
#include <rte_meter.h>
#include <sodium.h>

#include "vh_bifrost.h"

#include "hsguard.h"
#include "link_priv.h"

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
	uint64_t pressure_ms; /* last time a budget or the meter ran out; 0: never */
	unsigned int seen_next;
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
lookup(struct hsguard *g, const struct vh_veil_endpoint *src, uint64_t now_ms, bool *evicted)
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
	return victim;
}

bool
hsguard_meter(struct hsguard *g, const struct vh_veil_endpoint *src, uint64_t tsc, uint64_t now_ms,
	bool *evicted)
{
	struct source *s = lookup(g, src, now_ms, evicted);
	enum rte_color c;

	s->last_ms = now_ms != 0 ? now_ms : 1;
	c = rte_meter_srtcm_color_blind_check(&s->m, &g->prof, tsc, 1);
	if (c != RTE_COLOR_RED)
		return true;
	g->pressure_ms = now_ms;
	return false;
}

bool
hsguard_seen(const struct hsguard *g, const uint8_t *e)
{
	for (unsigned int i = 0; i < HSGUARD_SEEN; i++)
		if (sodium_memcmp(g->seen[i], e, 32) == 0)
			return true;
	return false;
}

void
hsguard_remember(struct hsguard *g, const uint8_t *e)
{
	memcpy(g->seen[g->seen_next], e, 32);
	g->seen_next = (g->seen_next + 1) % HSGUARD_SEEN;
}

unsigned int
hsguard_sources(const struct hsguard *g, uint64_t now_ms)
{
	unsigned int k = 0;

	for (unsigned int i = 0; i < HSGUARD_SOURCES; i++)
		k += live(&g->src[i], now_ms);
	return k;
}

/* ---- the checks in front of Noise (link.c calls them) ---- */

/* Under load, a handshake without MAC2 gets a cookie instead of DH work. */
static void
cookie_reply(struct node *n, uint8_t type, const uint8_t *p, uint32_t len,
	const struct vh_veil_endpoint *src, uint64_t now)
{
	uint8_t buf[VH_BIFROST_HDR_LEN + VH_VEIL_COOKIE_REPLY_LEN];

	vh_dp_count_drop(n->dp, VH_DROP_VEIL_COOKIE_REQUIRED);
	if (!hsguard_take_cookie(n->link->guard)) {
		n->cnt.hs_cookie_budget++;
		return;
	}
	if (vh_veil_cookie_reply_create(&n->link->ck, type, p, len, src, now,
		    buf + VH_BIFROST_HDR_LEN, sizeof(buf) - VH_BIFROST_HDR_LEN) != 0)
		return;
	n->cnt.hs_cookie_sent++;
	link_send_frame(n, src, VH_BIFROST_COOKIE_REPLY, buf, VH_VEIL_COOKIE_REPLY_LEN);
}

/* The initiator's ephemeral: the first 32 bytes of Noise message 1 (XX and IK). */
static int
init_ephemeral(const uint8_t *p, uint32_t len, uint8_t *e)
{
	struct vh_veil_hs_frame f;

	if (vh_veil_hs_frame_decode(VH_VEIL_HANDSHAKE_INIT, p, len, &f) != 0 ||
		f.noise_len < VH_NOISE_KEY_LEN)
		return -EBADMSG;
	memcpy(e, f.noise, VH_NOISE_KEY_LEN);
	return 0;
}

/*
 * The handshake defence in front of Noise (docs/handshake-defence.md), in
 * order of cost: MAC1; under load MAC2, else a cookie (INIT and FINISH);
 * the source's meter; a recently accepted initiation seen again; the
 * round's DH budget. 0: go on with the frame; else it was counted and
 * dropped (or answered with a cookie).
 */
int
hsguard_check(struct node *n, uint8_t type, const uint8_t *p, uint32_t len,
	const struct vh_veil_endpoint *src, uint64_t now, uint8_t *e)
{
	struct link *l = n->link;
	bool under = type != VH_BIFROST_HANDSHAKE_RESP &&
		     hsguard_under_load(l->guard, vh_dp_punt_load(n->dp), now);
	bool evicted;
	int rc = vh_veil_macs_check(&l->ck, type, p, len, src, under, now);

	if (rc == -EAGAIN) {
		cookie_reply(n, type, p, len, src, now);
		return rc;
	}
	if (rc != 0) {
		LINK_DROP(n, link_drop_mac, VEIL_MAC1);
		return rc;
	}
	if (under)
		n->cnt.hs_mac2_ok++;
	if (!hsguard_meter(l->guard, src, rte_rdtsc(), now, &evicted)) {
		n->cnt.hs_ratelimited++;
		return -EBUSY;
	}
	if (evicted)
		n->cnt.hs_sources_evicted++;
	if (type == VH_BIFROST_HANDSHAKE_INIT &&
		(init_ephemeral(p, len, e) != 0 || hsguard_seen(l->guard, e))) {
		LINK_DROP(n, hs_replayed, VEIL_REPLAY);
		return -EALREADY;
	}
	if (!hsguard_take_dh(l->guard, now)) {
		n->cnt.hs_dh_budget++;
		return -EBUSY;
	}
	return 0;
}
