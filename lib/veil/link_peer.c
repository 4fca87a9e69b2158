/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A peer's link session: its handshakes and timers, after WireGuard's
 * timers.c, but driven by vh_veil_peer_tick() instead of kernel timers so
 * that the control lcore runs many peers from one loop and tests run on a
 * fake clock. Timers are absolute deadlines (LINK_NEVER when disarmed):
 *
 * - retransmit: an initiation got no answer, or its XX keypair got no
 *   packet back (the responder may have refused our FINISH): send another,
 *   after an exponential backoff (REKEY_TIMEOUT doubling, capped) plus
 *   jitter; after REKEY_ATTEMPT_TIME of failures the peer is declared dead;
 * - keepalive: data arrived and we sent nothing back for KEEPALIVE_TIMEOUT;
 * - new handshake: we sent data and heard nothing for KEEPALIVE_TIMEOUT +
 *   REKEY_TIMEOUT (dead-peer detection: the session may be gone);
 * - zero: no handshake for 3 * REJECT_AFTER_TIME: wipe everything.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "link_priv.h"
#include "vh_veil.h"

/* Unanswered IK initiations before falling back to XX (key rotated?). */
#define IK_TRIES 2

void
vh_veil_timing_default(struct vh_veil_timing *t)
{
	if (t == NULL)
		return;
	t->rekey_after_messages = 1ULL << 60;
	t->reject_after_messages = VH_VEIL_REJECT_AFTER_MESSAGES;
	t->rekey_after_time = 120000;
	t->reject_after_time = 180000;
	t->keepalive_timeout = 10000;
	t->rekey_timeout = 5000;
	t->rekey_jitter = 333;
	t->backoff_max = 60000;
	t->rekey_attempt_time = 90000;
	t->persistent_keepalive = 0;
	t->roam_interval = 1000;
}

static bool
timing_valid(const struct vh_veil_timing *t)
{
	return t->rekey_timeout > 0 && t->keepalive_timeout > 0 && t->reject_after_time > 0 &&
	       t->backoff_max >= t->rekey_timeout && t->reject_after_messages > 0 &&
	       t->reject_after_time < UINT64_MAX / 4;
}

static void
timers_reset(struct vh_veil_peer *p)
{
	p->t_retransmit = LINK_NEVER;
	p->t_keepalive = LINK_NEVER;
	p->t_new_hs = LINK_NEVER;
	p->t_zero = LINK_NEVER;
}

struct vh_veil_peer *
vh_veil_peer_new(const struct vh_veil_peer_conf *conf)
{
	struct vh_veil_peer *p;

	if (conf == NULL || conf->hs == NULL || conf->hs->local_static == NULL ||
		conf->hs->index == NULL || !timing_valid(&conf->timing)) {
		errno = EINVAL;
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return NULL;
	p->t = conf->timing;
	p->hsc = conf->hs;
	p->keep_link = conf->keep_link;
	if (conf->endpoint != NULL)
		p->endpoint = *conf->endpoint;
	if (conf->remote_static != NULL) {
		memcpy(p->remote_static, conf->remote_static, VH_NOISE_KEY_LEN);
		p->has_remote_static = true;
	}
	vh_veil_cookie_maker_init(&p->maker, conf->remote_static);
	timers_reset(p);
	p->last_init_sent = LINK_NEVER;
	p->last_handshake = LINK_NEVER;
	p->last_sent = LINK_NEVER;
	p->last_roam = LINK_NEVER;
	return p;
}

void
vh_veil_peer_clear(struct vh_veil_peer *p)
{
	if (p == NULL)
		return;
	slots_clear(p);
	vh_veil_hs_wipe(&p->hs);
	p->hs_active = false;
	p->hs_wanted = false;
	p->confirming = false;
	p->attempts = 0;
	p->ik_failures = 0;
	timers_reset(p);
}

void
vh_veil_peer_free(struct vh_veil_peer *p)
{
	if (p == NULL)
		return;
	vh_veil_peer_clear(p);
	sodium_memzero(p, sizeof(*p));
	free(p);
}

/* REKEY_TIMEOUT * 2^(attempts-1), capped, plus a jitter in [0, rekey_jitter]. */
static uint64_t
retry_delay(const struct vh_veil_peer *p)
{
	uint64_t d = p->t.rekey_timeout;
	uint8_t b[4];

	for (uint32_t i = 1; i < p->attempts && d < p->t.backoff_max; i++)
		d *= 2;
	if (d > p->t.backoff_max)
		d = p->t.backoff_max;
	if (p->t.rekey_jitter > 0 && link_rng(p->hsc->rng, p->hsc->rng_ctx, b, sizeof(b)) == 0)
		d += vh_get_be32(b) % (p->t.rekey_jitter + 1);
	return d;
}

static void
handshake_sent(struct vh_veil_peer *p, uint64_t now)
{
	if (p->attempts == 0)
		p->cycle_start = now;
	p->attempts++;
	p->retry_delay = retry_delay(p);
	p->t_retransmit = now + p->retry_delay;
	p->last_init_sent = now;
	p->hs_active = true;
	p->hs_wanted = false;
	p->confirming = false;
}

void
peer_handshake_confirmed(struct vh_veil_peer *p, uint64_t now)
{
	/* A crossing initiation of ours is moot now: the session is up. */
	vh_veil_hs_wipe(&p->hs);
	p->hs_active = false;
	p->hs_wanted = false;
	p->confirming = false;
	p->attempts = 0;
	p->ik_failures = 0;
	p->t_retransmit = LINK_NEVER;
	p->dead = false;
	p->last_handshake = now;
	p->t_zero = now + 3 * p->t.reject_after_time;
}

int
vh_veil_peer_write_init(struct vh_veil_peer *p, const uint8_t *payload, size_t plen, uint64_t now,
	uint8_t *out, size_t cap, size_t *outlen)
{
	const uint8_t *rs;
	int rc;

	if (p == NULL)
		return -EINVAL;
	vh_veil_hs_wipe(&p->hs);
	p->hs_active = false;
	rs = p->has_remote_static && p->ik_failures < IK_TRIES ? p->remote_static : NULL;
	/* Only IK encrypts message 1: XX's would carry the identity in clear. */
	rc = vh_veil_hs_write_init(&p->hs, p->hsc, rs, rs != NULL ? payload : NULL,
		rs != NULL ? plen : 0, &p->maker, now, out, cap, outlen);
	if (rc != 0)
		return rc;
	handshake_sent(p, now);
	return 0;
}

int
vh_veil_peer_read_resp(struct vh_veil_peer *p, const uint8_t *frame, size_t len, uint8_t *pl,
	size_t cap, size_t *plen)
{
	if (p == NULL)
		return -EINVAL;
	if (!p->hs_active)
		return -EPROTO;
	return vh_veil_hs_read_resp(&p->hs, frame, len, pl, cap, plen);
}

int
vh_veil_peer_write_finish(struct vh_veil_peer *p, const uint8_t *payload, size_t plen, uint64_t now,
	uint8_t *out, size_t cap, size_t *outlen)
{
	if (p == NULL)
		return -EINVAL;
	if (!p->hs_active)
		return -EPROTO;
	return vh_veil_hs_write_finish(&p->hs, payload, plen, &p->maker, now, out, cap, outlen);
}

int
vh_veil_peer_read_cookie_reply(
	struct vh_veil_peer *p, const uint8_t *frame, size_t len, uint64_t now)
{
	uint32_t idx;
	int rc;

	if (p == NULL || frame == NULL)
		return -EINVAL;
	rc = vh_veil_frame_receiver(VH_VEIL_COOKIE_REPLY, frame, len, &idx);
	if (rc != 0)
		return rc;
	if (!p->hs_active || idx != p->hs.local_index)
		return -ESRCH;
	return vh_veil_cookie_reply_consume(&p->maker, frame, len, now);
}

const struct vh_veil_handshake *
vh_veil_peer_handshake(const struct vh_veil_peer *p)
{
	return p != NULL ? &p->hs : NULL;
}

int
vh_veil_peer_on_handshake_complete(
	struct vh_veil_peer *p, struct vh_veil_handshake *hs, uint64_t now)
{
	struct vh_veil_keypair *kp;
	uint8_t rs[VH_NOISE_KEY_LEN];
	bool own;

	if (p == NULL)
		return -EINVAL;
	own = hs == NULL || hs == &p->hs;
	if (own)
		hs = &p->hs;
	if (!vh_veil_hs_is_complete(hs) || vh_veil_hs_remote_static(hs, rs) != 0)
		return -EPROTO;
	kp = keypair_from_handshake(hs, &p->t, now);
	if (kp == NULL)
		return -errno;
	vh_veil_hs_wipe(hs);
	if (own)
		p->hs_active = false;
	/* Learn the static key: the next initiation can be IK. */
	memcpy(p->remote_static, rs, sizeof(rs));
	p->has_remote_static = true;
	sodium_memzero(rs, sizeof(rs));
	if (!slots_install(p, kp))
		return 0;
	if (kp->confirmed) {
		peer_handshake_confirmed(p, now);
	} else {
		/*
		 * XX: the responder may still refuse our FINISH. The retry
		 * timer stays armed, at least REKEY_TIMEOUT from now, until a
		 * packet under the keypair comes back.
		 */
		p->confirming = true;
		p->hs_wanted = false;
		if (p->t_retransmit == LINK_NEVER || p->t_retransmit < now + p->t.rekey_timeout)
			p->t_retransmit = now + p->t.rekey_timeout;
	}
	return VH_VEIL_ACT_SEND_KEEPALIVE;
}

static uint64_t
age(const struct vh_veil_keypair *kp, uint64_t now)
{
	return now > kp->created ? now - kp->created : 0;
}

/* WireGuard's last-minute age: renewing now still beats REJECT_AFTER_TIME. */
static uint64_t
late_age(const struct vh_veil_peer *p)
{
	uint64_t m = p->t.keepalive_timeout + p->t.rekey_timeout;

	return p->t.reject_after_time > m ? p->t.reject_after_time - m : 0;
}

/*
 * Age at which this side renews a keypair it sends under. Its initiator
 * does so at REKEY_AFTER_TIME. The other side steps in later, so that both
 * do not start at once, but it must: after crossing handshakes each side
 * may send under the keypair the other initiated. Two such sides would
 * cross again at the same age, so the node with the smaller static key
 * goes halfway to the late age and the other at the late age.
 */
static uint64_t
renew_age(const struct vh_veil_peer *p, const struct vh_veil_keypair *kp)
{
	uint64_t late = late_age(p);

	if (kp->initiator)
		return p->t.rekey_after_time;
	if (p->t.rekey_after_time < late && peer_wins_ties(p))
		return p->t.rekey_after_time + (late - p->t.rekey_after_time) / 2;
	return late;
}

/* A handshake of ours is in flight or awaits its confirmation. */
static bool
renewing(const struct vh_veil_peer *p)
{
	return p->hs_active || p->confirming;
}

/*
 * Whether a keypair we just used should be replaced (WireGuard's
 * keep_key_fresh): by count on either side, by age at renew_age().
 */
static void
keep_fresh(struct vh_veil_peer *p, const struct vh_veil_keypair *kp, uint64_t now)
{
	if (kp == NULL || renewing(p))
		return;
	if (kp->send_counter >= p->t.rekey_after_messages || age(kp, now) >= renew_age(p, kp))
		p->hs_wanted = true;
}

bool
peer_wins_ties(const struct vh_veil_peer *p)
{
	return memcmp(p->hsc->local_static->pub, p->remote_static, VH_NOISE_KEY_LEN) < 0;
}

/* nx (the peer's, first packet) crossed our current: both within REKEY_TIMEOUT. */
static bool
crossed(const struct vh_veil_peer *p, const struct vh_veil_keypair *nx)
{
	const struct vh_veil_keypair *cur = p->slot[VH_VEIL_SLOT_CURRENT];
	uint64_t d;

	if (cur == NULL || !cur->initiator)
		return false;
	d = cur->created > nx->created ? cur->created - nx->created : nx->created - cur->created;
	return d <= p->t.rekey_timeout;
}

/*
 * First packet under kp: the peer has it. A responder keypair waiting in
 * next becomes current, unless it crossed ours and ours wins the tie: then
 * both sides end on ours (the peer promotes it) and its initiator renews
 * it at REKEY_AFTER_TIME. The initiator of an XX keypair waits for a packet
 * under it: answer at once.
 */
static void
confirm(struct vh_veil_peer *p, struct vh_veil_keypair *kp, uint64_t now)
{
	if (kp->confirmed)
		return;
	kp->confirmed = true;
	if (kp == p->slot[VH_VEIL_SLOT_NEXT]) {
		if (crossed(p, kp) && peer_wins_ties(p))
			slots_park_next(p);
		else
			slots_promote(p);
	}
	if (kp != p->slot[VH_VEIL_SLOT_CURRENT])
		return;
	peer_handshake_confirmed(p, now);
	if (!kp->initiator && kp->xx)
		p->t_keepalive = now;
}

/*
 * Data from src moves the peer at most once per roam_interval: a sender
 * that flips between addresses (or an on-path attacker racing the real
 * frames) cannot make the endpoint flap.
 */
static void
roam(struct vh_veil_peer *p, const struct vh_veil_endpoint *src, uint64_t now)
{
	if (src != NULL && src->family != 0 && !vh_veil_endpoint_equal(src, &p->endpoint) &&
		p->last_roam != LINK_NEVER && now - p->last_roam < p->t.roam_interval) {
		p->roams_limited++;
		src = NULL;
	}
	if (vh_veil_peer_on_authenticated(p, src, now) == 1) {
		p->last_roam = now;
		p->roams++;
	}
}

void
vh_veil_peer_roam_stats(const struct vh_veil_peer *p, uint64_t *moved, uint64_t *limited)
{
	if (moved != NULL)
		*moved = p != NULL ? p->roams : 0;
	if (limited != NULL)
		*limited = p != NULL ? p->roams_limited : 0;
}

void
peer_received_with(struct vh_veil_peer *p, struct vh_veil_keypair *kp, bool data,
	const struct vh_veil_endpoint *src, uint64_t now)
{
	confirm(p, kp, now);
	/*
	 * Renew well before the peer's copy expires even with nothing to
	 * send (WireGuard's rule on receive, here for either side).
	 */
	if (!renewing(p) && kp == p->slot[VH_VEIL_SLOT_CURRENT] &&
		age(kp, now) >= (kp->initiator ? late_age(p) : renew_age(p, kp)))
		p->hs_wanted = true;
	roam(p, src, now);
	if (data)
		vh_veil_peer_on_data_received(p, now);
}

void
vh_veil_peer_on_data_sent(struct vh_veil_peer *p, uint64_t now)
{
	if (p == NULL)
		return;
	keep_fresh(p, p->slot[VH_VEIL_SLOT_CURRENT], now);
	p->last_sent = now;
	p->t_keepalive = LINK_NEVER;
	if (p->t_new_hs == LINK_NEVER)
		p->t_new_hs = now + p->t.keepalive_timeout + p->t.rekey_timeout;
}

void
vh_veil_peer_on_keepalive_sent(struct vh_veil_peer *p, uint64_t now)
{
	if (p == NULL)
		return;
	keep_fresh(p, p->slot[VH_VEIL_SLOT_CURRENT], now);
	p->last_sent = now;
	p->t_keepalive = LINK_NEVER;
}

void
vh_veil_peer_on_data_received(struct vh_veil_peer *p, uint64_t now)
{
	if (p != NULL && p->t_keepalive == LINK_NEVER)
		p->t_keepalive = now + p->t.keepalive_timeout;
}

int
vh_veil_peer_on_authenticated(
	struct vh_veil_peer *p, const struct vh_veil_endpoint *src, uint64_t now)
{
	(void)now;
	if (p == NULL)
		return 0;
	p->t_new_hs = LINK_NEVER;
	if (src == NULL || src->family == 0 || vh_veil_endpoint_equal(src, &p->endpoint))
		return 0;
	p->endpoint = *src;
	return 1;
}

static bool
sendable(const struct vh_veil_peer *p, const struct vh_veil_keypair *kp, uint64_t now)
{
	return kp != NULL && !keypair_expired(kp, &p->t, now) &&
	       kp->send_counter < kp->reject_after_messages;
}

/* Retry timer: another initiation, or give up and declare the peer dead. */
static unsigned int
retransmit(struct vh_veil_peer *p, uint64_t now)
{
	unsigned int act = 0;

	if (!renewing(p) || p->t_retransmit == LINK_NEVER || now < p->t_retransmit)
		return 0;
	p->t_retransmit = LINK_NEVER;
	p->confirming = false; /* no packet under our XX keypair: refused or lost */
	if (p->hs.wire_pattern == VH_VEIL_WIRE_IK)
		p->ik_failures++;
	if (now - p->cycle_start >= p->t.rekey_attempt_time) {
		if (!p->dead)
			act = VH_VEIL_ACT_DEAD;
		p->dead = true;
		if (!p->keep_link) {
			vh_veil_hs_wipe(&p->hs);
			p->hs_active = false;
			p->attempts = 0;
			p->ik_failures = 0;
			if (p->t_zero == LINK_NEVER)
				p->t_zero = now + 3 * p->t.reject_after_time;
			return act;
		}
	}
	p->hs_wanted = true;
	return act;
}

/* Conditions the tick itself watches: dead-peer detection, keep_link. */
static void
tick_wants(struct vh_veil_peer *p, uint64_t now)
{
	const struct vh_veil_keypair *cur = p->slot[VH_VEIL_SLOT_CURRENT];

	if (renewing(p))
		return;
	if (p->t_new_hs != LINK_NEVER && now >= p->t_new_hs) {
		p->t_new_hs = LINK_NEVER;
		p->hs_wanted = true;
	}
	if (!p->keep_link)
		return;
	if (!sendable(p, cur, now) && p->slot[VH_VEIL_SLOT_NEXT] == NULL)
		p->hs_wanted = true;
	else if (cur != NULL && age(cur, now) >= renew_age(p, cur))
		p->hs_wanted = true;
}

static unsigned int
keepalive(struct vh_veil_peer *p, uint64_t now)
{
	if (!sendable(p, p->slot[VH_VEIL_SLOT_CURRENT], now)) {
		p->t_keepalive = LINK_NEVER;
		return 0;
	}
	if (p->t_keepalive != LINK_NEVER && now >= p->t_keepalive)
		return VH_VEIL_ACT_SEND_KEEPALIVE;
	if (p->t.persistent_keepalive > 0 &&
		(p->last_sent == LINK_NEVER || now - p->last_sent >= p->t.persistent_keepalive))
		return VH_VEIL_ACT_SEND_KEEPALIVE;
	return 0;
}

bool
vh_veil_peer_has_keys(const struct vh_veil_peer *p)
{
	return p != NULL && (p->slot[0] != NULL || p->slot[1] != NULL || p->slot[2] != NULL ||
	       p->hs.local_index != 0);
}

unsigned int
vh_veil_peer_tick(struct vh_veil_peer *p, uint64_t now)
{
	unsigned int act = 0;

	if (p == NULL)
		return 0;
	if (p->t_zero != LINK_NEVER && now >= p->t_zero) {
		if (vh_veil_peer_has_keys(p))
			act |= VH_VEIL_ACT_ZERO_KEYS;
		vh_veil_peer_clear(p);
	}
	if (slots_expire(p, now))
		act |= VH_VEIL_ACT_ZERO_KEYS;
	act |= retransmit(p, now);
	tick_wants(p, now);
	/* At most one initiation per REKEY_TIMEOUT; the wish waits. */
	if (p->hs_wanted &&
		(p->last_init_sent == LINK_NEVER || now - p->last_init_sent >= p->t.rekey_timeout))
		act |= VH_VEIL_ACT_SEND_INIT;
	return act | keepalive(p, now);
}

const struct vh_veil_endpoint *
vh_veil_peer_endpoint(const struct vh_veil_peer *p)
{
	return p != NULL ? &p->endpoint : NULL;
}

static bool
usable_confirmed(const struct vh_veil_keypair *kp)
{
	return kp != NULL && kp->confirmed && kp->send_counter < kp->reject_after_messages;
}

bool
vh_veil_peer_is_up(const struct vh_veil_peer *p)
{
	if (p == NULL)
		return false;
	if (usable_confirmed(p->slot[VH_VEIL_SLOT_CURRENT]))
		return true;
	/* A rekey of ours awaiting its answer: the session it replaces still counts. */
	return p->confirming && usable_confirmed(p->slot[VH_VEIL_SLOT_PREVIOUS]);
}

bool
vh_veil_peer_is_dead(const struct vh_veil_peer *p)
{
	return p != NULL && p->dead;
}

uint64_t
vh_veil_peer_retry_delay(const struct vh_veil_peer *p)
{
	return p != NULL && p->hs_active ? p->retry_delay : 0;
}
