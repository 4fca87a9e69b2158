/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The DHT's timers: requests timing out, bucket refresh, bootstrap retries,
 * LAN beacons, peer exchange, random walks, republishing, and the next
 * deadline the control loop should wake for.
 */
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>

#include "dht_internal.h"

#define EXPIRE_SCAN_MS 60000
#define REFRESH_PER_PASS 4
static const uint8_t zero_id[VH_DHT_ID_LEN];

/* ---- timers ---- */

/* A request got no answer in time (it may still be asked again). */
static void
timed_out(struct vh_dht *d, const struct rpc *r)
{
	d->st.rpc_timeouts++;
	/* an eviction ping decides the contact's fate when it is given up */
	if (r->has_id && r->kind != RPC_EVICT)
		dht_failed(d, r->to.id);
}

/* A request is given up (a lookup decides whether to ask again). */
static void
given_up(struct vh_dht *d, const struct rpc *r)
{
	switch (r->kind) {
	case RPC_LOOKUP:
	case RPC_STORE:
		lookup_timeout(d, r->lookup, r->kind == RPC_STORE, r->to.id);
		break;
	case RPC_EVICT:
		dht_evict_done(d, r->to.id, true);
		break;
	default:
		break;
	}
}

static void
expire_rpcs(struct vh_dht *d)
{
	for (uint32_t i = 0; i < d->nrpc;) {
		struct rpc r = d->rpc[i];

		if (r.deadline > d->now) {
			i++;
			continue;
		}
		if (r.waiting) {
			if (dht_rpc_resend(d, i)) {
				i++;
				continue;
			}
		} else {
			timed_out(d, &r);
			if (dht_rpc_retry(d, &d->rpc[i])) {
				i++;
				continue;
			}
		}
		d->rpc[i] = d->rpc[--d->nrpc];
		given_up(d, &r);
	}
}

static void
random_in_bucket(struct vh_dht *d, int b, uint8_t *out)
{
	int byte = VH_DHT_ID_LEN - 1 - b / 8;
	uint8_t bit = (uint8_t)(1u << (b % 8));

	d->cfg.rand(d->cfg.ctx, out, VH_DHT_ID_LEN);
	/* Same prefix as self above bit b, differ at bit b, random below. */
	for (int i = 0; i < byte; i++)
		out[i] = d->self[i];
	out[byte] = (uint8_t)((d->self[byte] & ~(bit | (bit - 1))) | ((d->self[byte] ^ bit) & bit) |
			      (out[byte] & (bit - 1)));
}

static void
refresh(struct vh_dht *d)
{
	unsigned started = 0;
	uint8_t target[VH_DHT_ID_LEN];

	for (int b = VH_DHT_BUCKETS - 1; b >= 0 && started < REFRESH_PER_PASS; b--) {
		struct bucket *bk = &d->t.b[b];

		if (bk->n == 0 || bk->last_lookup + d->cfg.refresh_ms > d->now)
			continue;
		random_in_bucket(d, b, target);
		if (lookup_start(d, LK_NODE, target, 0, NULL, NULL, NULL, 0) > 0)
			started++;
	}
}

void
dht_bootstrap_now(struct vh_dht *d)
{
	bool pinged = false;

	for (size_t i = 0; i < d->nboot; i++) {
		bool known = !id_eq(d->boot[i].id, zero_id);

		if (known && id_eq(d->boot[i].id, d->self))
			continue;
		pinged |= dht_ping(d, RPC_BOOT, &d->boot[i], known) > 0;
	}
	if (!pinged && d->t.size > 0)
		dht_self_lookup(d);
	d->next_boot = d->now + d->cfg.rebootstrap_ms;
}

static void
send_beacon(struct vh_dht *d)
{
	struct vh_dht_msg m = {.type = VH_DHT_BEACON, .ncontacts = 1};

	m.contacts[0] = d->self_c;
	dht_send_msg(d, NULL, &d->lan, &m);
	d->next_beacon = d->now + d->cfg.lan_interval_ms;
}

static void
pex(struct vh_dht *d)
{
	const struct entry *e = table_random(&d->t, dht_rand32(d));
	struct vh_dht_msg m = {.type = VH_DHT_FIND_NODE};

	d->next_pex = d->now + dht_jitter(d, d->cfg.pex_ms);
	if (e == NULL)
		return;
	memcpy(m.target, d->self, VH_DHT_ID_LEN);
	dht_request(d, RPC_PEX, &e->c, true, &m, 0);
}

static void
walk(struct vh_dht *d)
{
	uint8_t target[VH_DHT_ID_LEN];

	d->next_walk = d->now + dht_jitter(d, d->cfg.walk_ms);
	d->cfg.rand(d->cfg.ctx, target, sizeof(target));
	lookup_start(d, LK_NODE, target, 0, NULL, NULL, NULL, 0);
}

void
vh_dht_tick(struct vh_dht *d, uint64_t now)
{
	if (now > d->now)
		d->now = now;
	expire_rpcs(d);
	lookup_tick(d);
	/* until a self lookup is answered, not just until someone pinged us */
	if (!d->started || ((d->t.size == 0 || !d->joined) && d->now >= d->next_boot)) {
		d->started = true;
		dht_bootstrap_now(d);
	}
	if (d->now >= d->next_refresh) {
		refresh(d);
		d->next_refresh = d->now + d->cfg.refresh_ms / 4;
	}
	if (d->now >= d->next_walk)
		walk(d);
	if (d->now >= d->next_pex)
		pex(d);
	if (d->cfg.lan_discovery && d->now >= d->next_beacon)
		send_beacon(d);
	if (d->now >= d->next_expire) {
		d->st.rec_expired += store_expire(&d->s, d->now);
		d->next_expire = d->now + EXPIRE_SCAN_MS;
	}
	if (d->published && d->now >= d->next_republish)
		dht_publish_now(d);
}

static uint64_t
min64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

uint64_t
vh_dht_next_deadline(const struct vh_dht *d)
{
	uint64_t t = min64(d->next_refresh, min64(d->next_walk, d->next_pex));

	if (!d->started)
		return d->now;
	for (uint32_t i = 0; i < d->nrpc; i++)
		t = min64(t, d->rpc[i].deadline);
	t = min64(t, lookup_next_wake(d));
	if (d->t.size == 0 || !d->joined)
		t = min64(t, d->next_boot);
	if (d->cfg.lan_discovery)
		t = min64(t, d->next_beacon);
	t = min64(t, d->next_expire);
	if (d->published)
		t = min64(t, d->next_republish);
	return t < d->now ? d->now : t;
}
