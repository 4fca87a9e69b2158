/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Iterative lookups (Kademlia, section 2.3). A lookup keeps its candidates
 * sorted by distance to the target and keeps alpha requests in flight to the
 * closest ones not yet asked, among the k closest that have not failed. It
 * ends when those k have all answered (converged), when the target answers
 * (VH_DHT_LOOKUP_STOP_AT_TARGET), when a valid record arrives (FIND_VALUE),
 * when nobody is left to ask, or at its deadline. Requests time out in dht.c,
 * which reports here; nothing in a lookup waits on its own.
 *
 * A candidate that does not answer is not given up at once: on a lossy path
 * one lost datagram would otherwise end a lookup (seen at 10 % loss, where a
 * third of the lookups failed). It waits with backoff while the lookup asks
 * other candidates, and is asked again while it is among the k closest not
 * given up, up to max_tries times; the target itself until the deadline.
 * A publication (LK_PUBLISH, LK_PUT) then STOREs to the k closest
 * responders the same way, with a deadline of its own.
 */
#include <errno.h>
#include <stdlib.h>

#include "dht_internal.h"

struct lookup *
lookup_get(struct vh_dht *d, uint32_t id)
{
	for (uint32_t i = 0; i < d->cfg.max_lookups && id != 0; i++)
		if (d->lk[i] != NULL && d->lk[i]->id == id)
			return d->lk[i];
	return NULL;
}

/* Lookups are allocated while they run: a node usually has none. */
static struct lookup *
lookup_alloc(struct vh_dht *d)
{
	for (uint32_t i = 0; i < d->cfg.max_lookups; i++) {
		if (d->lk[i] == NULL) {
			d->lk[i] = malloc(sizeof(*d->lk[i]));
			return d->lk[i];
		}
	}
	return NULL;
}

/* Give l's slot up; l itself stays valid until freed. */
static void
lookup_detach(struct vh_dht *d, struct lookup *l)
{
	for (uint32_t i = 0; i < d->cfg.max_lookups; i++) {
		if (d->lk[i] == l) {
			d->lk[i] = NULL;
			return;
		}
	}
}


static struct cand *
find_cand(struct lookup *l, const uint8_t *id)
{
	for (unsigned i = 0; i < l->nc; i++)
		if (id_eq(l->c[i].c.id, id))
			return &l->c[i];
	return NULL;
}

/* Index of the farthest candidate that may be dropped (not in flight), or -1. */
static int
droppable(const struct lookup *l)
{
	for (int i = (int)l->nc - 1; i >= 0; i--)
		if (l->c[i].state != CAND_INFLIGHT)
			return i;
	return -1;
}

static void
add_cand(struct lookup *l, const struct vh_dht_contact *c, unsigned depth)
{
	unsigned i;

	if (l->nc == CANDS_MAX) {
		int victim = droppable(l);

		if (victim < 0 || vh_dht_cmp_distance(l->target, c->id, l->c[victim].c.id) >= 0)
			return;
		memmove(&l->c[victim], &l->c[victim + 1], (l->nc - victim - 1) * sizeof(l->c[0]));
		l->nc--;
	}
	for (i = l->nc; i > 0 && vh_dht_cmp_distance(l->target, c->id, l->c[i - 1].c.id) < 0; i--)
		l->c[i] = l->c[i - 1];
	l->c[i].c = *c;
	l->c[i].state = CAND_NEW;
	l->c[i].depth = (uint8_t)(depth > DEPTH_MAX ? DEPTH_MAX : depth);
	l->c[i].tries = 0;
	l->c[i].retry_at = 0;
	l->nc++;
}

static size_t
closest_done(const struct lookup *l, struct vh_dht_contact *out)
{
	size_t n = 0;

	for (unsigned i = 0; i < l->nc && n < VH_DHT_K; i++)
		if (l->c[i].state == CAND_DONE)
			out[n++] = l->c[i].c;
	return n;
}

static void step(struct vh_dht *d, struct lookup *l);

/* The search of a publication is over: STORE to the closest responders. */
static bool
start_storing(struct vh_dht *d, struct lookup *l)
{
	struct vh_dht_contact closest[VH_DHT_K];
	size_t n = closest_done(l, closest);

	if (n == 0 || l->item_len == 0)
		return false;
	l->storing = true;
	l->inflight = 0; /* answers to the search are ignored from now on */
	l->deadline = d->now + d->cfg.lookup_deadline_ms;
	l->nst = (uint8_t)n;
	memset(l->st, 0, sizeof(l->st));
	for (size_t i = 0; i < n; i++)
		l->st[i].c = closest[i];
	step(d, l);
	return true;
}

static void
finish(struct vh_dht *d, struct lookup *l)
{
	struct vh_dht_contact closest[VH_DHT_K];
	struct vh_dht_lookup_result res = {.target = l->target};

	if (!l->found && d->now >= l->deadline)
		d->st.lookups_deadline++;
	if ((l->kind == LK_PUBLISH || l->kind == LK_PUT) && !l->storing && start_storing(d, l))
		return;
	lookup_detach(d, l); /* before the callback, which may start a lookup */
	res.nclosest = closest_done(l, closest);
	res.closest = closest;
	if (l->kind != LK_VALUE && (l->flags & VH_DHT_LOOKUP_STOP_AT_TARGET) == 0)
		l->found = res.nclosest > 0 && id_eq(closest[0].id, l->target);
	res.found = l->found;
	res.hops = l->hops < 0 ? 0 : (unsigned)l->hops;
	res.requests = l->requests;
	res.responses = l->responses;
	res.timeouts = l->timeouts;
	res.retries = l->retries;
	res.elapsed_ms = d->now - l->started;
	res.record = l->kind == LK_VALUE && l->found && l->item_len == 0 ? &l->rec : NULL;
	res.item = l->kind == LK_VALUE && l->found && l->item_len > 0 ? l->item : NULL;
	res.item_len = res.item != NULL ? l->item_len : 0;
	if (l->found)
		d->st.lookups_found++;
	else
		d->st.lookups_not_found++;
	if (l->kind == LK_NODE && id_eq(l->target, d->self)) {
		d->booting = false;
		d->joined |= l->responses > 0;
	}
	if (l->cb != NULL)
		l->cb(l->arg, &res);
	free(l);
}

/* No answer from c, or no way to send to it: ask again later or give up. */
static void
no_answer(struct vh_dht *d, struct lookup *l, struct cand *c)
{
	/*
	 * The target is what a node lookup is about, and a lookup nobody has
	 * answered yet (a join through one bootstrap node) has nothing else:
	 * those are asked until the deadline.
	 */
	if (c->tries >= d->cfg.max_tries &&
		(l->storing || (!id_eq(c->c.id, l->target) && l->responses > 0))) {
		c->state = CAND_FAILED;
		return;
	}
	c->state = CAND_WAIT;
	c->retry_at = d->now + dht_backoff(d, c->tries);
}

static void
send_one(struct vh_dht *d, struct lookup *l, struct cand *c)
{
	struct vh_dht_msg m = {.type = l->kind == LK_VALUE ? VH_DHT_FIND_VALUE : VH_DHT_FIND_NODE};
	enum rpc_kind kind = RPC_LOOKUP;

	if (l->storing) {
		m.type = VH_DHT_STORE;
		m.rec = l->item;
		m.rec_len = l->item_len;
		kind = RPC_STORE;
	}
	memcpy(m.target, l->target, VH_DHT_ID_LEN);
	if (dht_request(d, kind, &c->c, true, &m, l->id) > 0) {
		if (c->tries > 0) {
			l->retries++;
			d->st.rpc_retries++;
		}
		c->tries++;
		c->state = CAND_INFLIGHT;
		l->inflight++;
		l->requests++;
	} else {
		c->tries++;
		no_answer(d, l, c);
	}
}

/*
 * Ask again the waiting candidates among the first `window` of cs[0..n)
 * (not counting given-up ones) whose time has come, while fewer than `max`
 * requests are in flight. Returns whether one still waits; *wake is lowered
 * to its time.
 */
static bool
retry_due(struct vh_dht *d, struct lookup *l, struct cand *cs, unsigned n, unsigned window,
	unsigned max)
{
	bool waiting = false;

	for (unsigned i = 0; i < n && window > 0; i++) {
		struct cand *c = &cs[i];

		if (c->state == CAND_FAILED)
			continue;
		window--;
		if (c->state != CAND_WAIT)
			continue;
		if (c->retry_at <= d->now && l->inflight < max)
			send_one(d, l, c);
		if (c->state == CAND_WAIT) {
			waiting = true;
			if (c->retry_at > d->now && c->retry_at < l->wake)
				l->wake = c->retry_at;
		}
	}
	return waiting;
}

/*
 * Is asking again those that did not answer the way to a result? Yes for a
 * value, which any of the closest may hold, and for a lookup nobody has
 * answered; a search for the k closest converges on those that answer.
 */
static bool
retries_help(const struct lookup *l)
{
	return l->kind == LK_VALUE || l->responses == 0;
}

static void
step_storing(struct vh_dht *d, struct lookup *l)
{
	bool waiting;

	/* all STOREs at once, as many as there are closest responders */
	for (unsigned i = 0; i < l->nst; i++)
		if (l->st[i].state == CAND_NEW)
			send_one(d, l, &l->st[i]);
	waiting = retry_due(d, l, l->st, l->nst, VH_DHT_K, VH_DHT_K);
	if (l->inflight == 0 && !waiting)
		finish(d, l);
}

static void
step(struct vh_dht *d, struct lookup *l)
{
	unsigned window = 0;
	bool waiting = false, fresh = false;

	l->wake = l->deadline;
	if (l->found || d->now >= l->deadline) {
		finish(d, l);
		return;
	}
	if (l->storing) {
		step_storing(d, l);
		return;
	}
	/* the target first: nobody else can answer for it */
	if (l->nc > 0 && l->c[0].state == CAND_WAIT && id_eq(l->c[0].c.id, l->target))
		waiting = retry_due(d, l, l->c, 1, 1, d->cfg.alpha);
	/* then those not asked yet: one waiting for a retry leaves room in the window */
	for (unsigned i = 0; i < l->nc && window < VH_DHT_K; i++) {
		struct cand *c = &l->c[i];

		if (c->state == CAND_FAILED || c->state == CAND_WAIT)
			continue;
		window++;
		if (c->state != CAND_NEW)
			continue;
		if (l->inflight < d->cfg.alpha)
			send_one(d, l, c);
		/* asked now, or to be asked (one whose send failed waits as if lost) */
		fresh |= c->state != CAND_WAIT;
	}
	/* then, with nobody new left, retries among the k closest not given up */
	if (!fresh && retries_help(l))
		waiting |= retry_due(d, l, l->c, l->nc, VH_DHT_K, d->cfg.alpha);
	if (l->inflight == 0 && !waiting && !fresh)
		finish(d, l);
}

int
lookup_start(struct vh_dht *d, uint8_t kind, const uint8_t *target, unsigned flags,
	vh_dht_lookup_cb cb, void *arg, const uint8_t *item, size_t item_len)
{
	struct vh_dht_contact seeds[VH_DHT_K];
	size_t n = table_closest(&d->t, target, seeds, VH_DHT_K, NULL);
	struct lookup *l;
	uint32_t id;
	int b;

	if (n == 0)
		return -ENETUNREACH;
	if (item_len > sizeof(l->item))
		return -EINVAL;
	l = lookup_alloc(d);
	if (l == NULL) {
		d->st.lookups_refused++;
		return -EBUSY;
	}
	do
		id = ++d->next_lookup_id & 0x7fffffff;
	while (id == 0 || lookup_get(d, id) != NULL);
	memset(l, 0, sizeof(*l));
	l->id = id;
	l->kind = kind;
	l->flags = (uint8_t)flags;
	memcpy(l->target, target, VH_DHT_ID_LEN);
	l->cb = cb;
	l->arg = arg;
	l->hops = -1;
	l->started = d->now;
	l->deadline = d->now + d->cfg.lookup_deadline_ms;
	if (item != NULL && item_len > 0) {
		memcpy(l->item, item, item_len);
		l->item_len = (uint16_t)item_len;
	}
	for (size_t i = 0; i < n; i++) {
		if (id_eq(seeds[i].id, target))
			l->hops = 0;
		add_cand(l, &seeds[i], 1);
	}
	b = vh_dht_bucket_index(d->self, target);
	if (b >= 0)
		d->t.b[b].last_lookup = d->now;
	d->st.lookups_started++;
	step(d, l);
	return (int)id;
}

/* A signed item in a VALUE answer: kept whole when fully valid for the key. */
static int
item_ok(struct vh_dht *d, struct lookup *l, const struct vh_dht_msg *m)
{
	struct vh_dht_item it;
	int rc = item_decode(m->rec, m->rec_len, &it);

	if (rc == 0 && !id_eq(it.key, l->target))
		rc = 1 + VH_DHT_REJ_WRONG_KEY;
	if (rc == 0)
		rc = item_check_time(&it, d->now, d->lim.max_age_ms, d->lim.max_skew_ms);
	if (rc == 0)
		rc = item_verify_sig(&it, m->rec, m->rec_len);
	if (rc == 0) {
		memcpy(l->item, m->rec, m->rec_len);
		l->item_len = m->rec_len;
	}
	return rc;
}

/* A record in a VALUE answer: counted and dropped unless fully valid. */
static bool
value_ok(struct vh_dht *d, struct lookup *l, const struct vh_dht_msg *m)
{
	int rc;

	if (m->rec_len > 0 && m->rec[0] == VH_DHT_ITEM_TAG) {
		rc = item_ok(d, l, m);
		if (rc != 0)
			d->st.rec_rejected[rc - 1]++;
		return rc == 0;
	}
	rc = record_decode(m->rec, m->rec_len, &l->rec);

	if (rc == 0 && !id_eq(l->rec.node_id, l->target))
		rc = 1 + VH_DHT_REJ_WRONG_KEY;
	if (rc == 0)
		rc = record_check_time(&l->rec, d->now, d->lim.max_age_ms, d->lim.max_skew_ms);
	if (rc == 0)
		rc = record_verify_sig(&l->rec, m->rec, m->rec_len);
	if (rc != 0)
		d->st.rec_rejected[rc - 1]++;
	return rc == 0;
}

/* The candidate of an answer or a timeout, if the lookup is still waiting for it. */
static struct cand *
awaited(struct vh_dht *d, uint32_t lookup, bool store, const uint8_t *from, struct lookup **lp)
{
	struct lookup *l = lookup_get(d, lookup);
	struct cand *c = NULL;

	if (l == NULL || l->storing != store)
		return NULL;
	for (unsigned i = 0; store && i < l->nst && c == NULL; i++)
		if (id_eq(l->st[i].c.id, from))
			c = &l->st[i];
	if (!store)
		c = find_cand(l, from);
	if (c == NULL || c->state != CAND_INFLIGHT)
		return NULL;
	*lp = l;
	l->inflight--;
	return c;
}

static void
search_response(struct vh_dht *d, struct lookup *l, struct cand *c, const struct vh_dht_msg *m)
{
	unsigned depth = c->depth;

	if ((l->flags & VH_DHT_LOOKUP_STOP_AT_TARGET) && id_eq(c->c.id, l->target))
		l->found = true;
	if (l->kind == LK_VALUE && m->rec != NULL && value_ok(d, l, m)) {
		l->found = true;
		l->hops = (int)depth;
	}
	for (unsigned i = 0; i < m->ncontacts; i++) {
		const struct vh_dht_contact *n = &m->contacts[i];

		if (id_eq(n->id, d->self) || find_cand(l, n->id) != NULL)
			continue;
		if (l->hops < 0 && id_eq(n->id, l->target))
			l->hops = (int)depth;
		add_cand(l, n, depth + 1);
	}
}

void
lookup_response(struct vh_dht *d, uint32_t lookup, bool store, const uint8_t *from,
	const struct vh_dht_msg *m)
{
	struct lookup *l = NULL;
	struct cand *c = awaited(d, lookup, store, from, &l);

	if (c == NULL)
		return;
	c->state = CAND_DONE;
	l->responses++;
	if (store)
		d->st.published += m->status == 0;
	else
		search_response(d, l, c, m);
	step(d, l);
}

void
lookup_timeout(struct vh_dht *d, uint32_t lookup, bool store, const uint8_t *from)
{
	struct lookup *l = NULL;
	struct cand *c = awaited(d, lookup, store, from, &l);

	if (c == NULL)
		return;
	l->timeouts++;
	no_answer(d, l, c);
	step(d, l);
}

void
lookup_tick(struct vh_dht *d)
{
	/* a lookup started by a callback here has its wake in the future */
	for (uint32_t i = 0; i < d->cfg.max_lookups; i++)
		if (d->lk[i] != NULL && d->lk[i]->wake <= d->now)
			step(d, d->lk[i]);
}

uint64_t
lookup_next_wake(const struct vh_dht *d)
{
	uint64_t t = UINT64_MAX;

	for (uint32_t i = 0; i < d->cfg.max_lookups; i++)
		if (d->lk[i] != NULL && d->lk[i]->wake < t)
			t = d->lk[i]->wake;
	return t;
}
