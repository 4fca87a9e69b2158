/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Handshake defence on the control lcore (docs/handshake-defence.md): a
 * per-round budget of Diffie-Hellman work and of cookie replies, the
 * "under load" decision that makes the node answer with stateless cookies,
 * a per-source srTCM meter (rte_meter) in a bounded set-associative table
 * with LRU eviction and aging, and a filter of recently accepted initiation
 * ephemerals against replays. Internal to the valhalla program.
 */
#ifndef VALHALLA_HSGUARD_H
#define VALHALLA_HSGUARD_H

#include <stdbool.h>
#include <stdint.h>

#include "vh_veil.h"

#define HSGUARD_DH_PER_ROUND 4       /* handshake frames doing DH per control round */
#define HSGUARD_COOKIES_PER_ROUND 8  /* cookie replies per control round */
#define HSGUARD_LOAD_PUNT 128        /* punt ring fill (1/1024) above which cookies start */
#define HSGUARD_PRESSURE_MS 1000     /* budget or meter exhausted: cookies for this long */
#define HSGUARD_SOURCES 1024         /* meter table entries (8-way buckets) */
#define HSGUARD_SOURCE_IDLE_MS 30000 /* an idle entry is free again */
#define HSGUARD_RATE 20              /* handshake frames per second per source address */
#define HSGUARD_BURST 10             /* committed and excess burst (srTCM cbs, ebs) */
#define HSGUARD_SEEN 256             /* accepted initiation ephemerals remembered */

struct hsguard;

/* Create the guard (meter profile, source table). NULL: out of memory. */
struct hsguard *hsguard_create(void);
/* Free it (NULL: no-op). */
void hsguard_free(struct hsguard *g);
/* A new control-loop round: the per-round budgets refill. */
void hsguard_round(struct hsguard *g);
/*
 * Should handshakes be answered with cookies? True when the punt ring is
 * more than 1/8 full, or a budget or the meter ran out in the last
 * HSGUARD_PRESSURE_MS.
 */
bool hsguard_under_load(const struct hsguard *g, unsigned int punt_load, uint64_t now_ms);
/* Take one DH unit of this round: false (and pressure noted) when spent. */
bool hsguard_take_dh(struct hsguard *g, uint64_t now_ms);
/* Take one cookie reply of this round: false when spent. */
bool hsguard_take_cookie(struct hsguard *g);
/*
 * Meter one handshake frame from src (by address, not port) at TSC time
 * tsc: true = allowed (green or yellow). *evicted is set when the source
 * took the slot of another one.
 */
bool hsguard_meter(struct hsguard *g, const struct vh_veil_endpoint *src, uint64_t tsc,
	uint64_t now_ms, bool *evicted);
/*
 * Is this X25519 public key (32 bytes) a point of small order (0, 1, the
 * order-8 points, p-1, p, p+1; top bit ignored)? A DH with one gives the
 * all-zero secret: rejected before any DH work.
 */
bool hsguard_low_order(const uint8_t *pk);
/* Was this initiation ephemeral (32 bytes) accepted recently? */
bool hsguard_seen(const struct hsguard *g, const uint8_t *e);
/* Remember an accepted initiation's ephemeral. */
void hsguard_remember(struct hsguard *g, const uint8_t *e);
/* Sources in the meter table now (live entries). */
unsigned int hsguard_sources(const struct hsguard *g, uint64_t now_ms);

/* Why a handshake frame stops before Noise, or HSGUARD_GO. */
enum hsguard_verdict {
	HSGUARD_GO,            /* on to Noise */
	HSGUARD_MALFORMED,     /* does not decode; an INIT too short for an ephemeral */
	HSGUARD_MAC1,          /* MAC1 not made for us */
	HSGUARD_COOKIE,        /* under load without a valid MAC2: answer with a cookie */
	HSGUARD_COOKIE_BUDGET, /* ... but this round's cookie replies are spent */
	HSGUARD_RATELIMITED,   /* the source's meter is red */
	HSGUARD_LOW_ORDER,     /* INIT whose ephemeral is a low-order point */
	HSGUARD_REPLAY,        /* INIT whose ephemeral was accepted recently */
	HSGUARD_DH_BUDGET,     /* this round's DH work is spent */
};

/* One handshake frame (payload after the Bifrost header) from src. */
struct hsguard_frame {
	uint8_t type; /* VH_VEIL_HANDSHAKE_INIT, _RESP or _FINISH */
	const uint8_t *p;
	uint32_t len;
	const struct vh_veil_endpoint *src;
};

/* What the checks found on the way, whatever the verdict. */
struct hsguard_out {
	bool mac2_ok;  /* under load, with a valid MAC2 */
	bool evicted;  /* the source took another source's meter entry */
	uint8_t e[32]; /* INIT past the decode: the initiator's ephemeral */
};

/*
 * The checks in front of Noise, in order of cost (docs/handshake-defence.md):
 * decode; MAC1; under load (punt_load, 1/1024) MAC2, else a cookie (INIT and
 * FINISH); the source's meter (at TSC time tsc); for an INIT, a low-order or
 * recently accepted ephemeral; the round's DH budget. Takes from the round's
 * budgets. Pure: the caller counts the verdict and sends the cookie.
 */
enum hsguard_verdict hsguard_judge(struct hsguard *g, const struct vh_veil_cookie_checker *ck,
	const struct hsguard_frame *f, unsigned int punt_load, uint64_t tsc, uint64_t now_ms,
	struct hsguard_out *out);

#endif /* VALHALLA_HSGUARD_H */
