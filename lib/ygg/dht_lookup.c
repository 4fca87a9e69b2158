/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Iterative lookups (Kademlia, section 2.3). A lookup keeps its candidates
 * sorted by distance to the target and keeps alpha requests in flight to the
 * closest ones not yet asked, among the k closest that have not failed. It
 * ends when those k have all answered (converged), when the target answers
 * (VH_DHT_LOOKUP_STOP_AT_TARGET), when a valid record arrives (FIND_VALUE),
 * or when nobody is left to ask. Requests time out in dht.c, which reports
 * here; nothing in a lookup waits on its own.
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

static void
lookup_free(struct vh_dht *d, struct lookup *l)
{
	for (uint32_t i = 0; i < d->cfg.max_lookups; i++) {
		if (d->lk[i] == l) {
			d->lk[i] = NULL;
			free(l);
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

static void
finish(struct vh_dht *d, struct lookup *l)
{
	struct vh_dht_contact closest[VH_DHT_K];
	struct vh_dht_lookup_result res = {.target = l->target};
	struct lookup copy = *l;

	lookup_free(d, l); /* before the callback, which may start a lookup */
	res.target = copy.target;
	res.nclosest = closest_done(&copy, closest);
	res.closest = closest;
	if (copy.kind != LK_VALUE && (copy.flags & VH_DHT_LOOKUP_STOP_AT_TARGET) == 0)
		copy.found = res.nclosest > 0 && id_eq(closest[0].id, copy.target);
	res.found = copy.found;
	res.hops = copy.hops < 0 ? 0 : (unsigned)copy.hops;
	res.requests = copy.requests;
	res.responses = copy.responses;
	res.timeouts = copy.timeouts;
	res.elapsed_ms = d->now - copy.started;
	res.record = copy.kind == LK_VALUE && copy.found && copy.item_len == 0 ? &copy.rec : NULL;
	res.item = copy.kind == LK_VALUE && copy.found && copy.item_len > 0 ? copy.item : NULL;
	res.item_len = res.item != NULL ? copy.item_len : 0;
	if (copy.found)
		d->st.lookups_found++;
	else
		d->st.lookups_not_found++;
	if (copy.kind == LK_NODE && id_eq(copy.target, d->self))
		d->booting = false;
	if (copy.kind == LK_PUBLISH)
		dht_store_to(d, closest, res.nclosest);
	if (copy.kind == LK_PUT && copy.item_len > 0)
		dht_store_item_to(d, closest, res.nclosest, copy.item, copy.item_len);
	if (copy.cb != NULL)
		copy.cb(copy.arg, &res);
}

static void
send_one(struct vh_dht *d, struct lookup *l, struct cand *c)
{
	struct vh_dht_msg m = {.type = l->kind == LK_VALUE ? VH_DHT_FIND_VALUE : VH_DHT_FIND_NODE};

	memcpy(m.target, l->target, VH_DHT_ID_LEN);
	if (dht_request(d, RPC_LOOKUP, &c->c, true, &m, l->id) > 0) {
		c->state = CAND_INFLIGHT;
		l->inflight++;
		l->requests++;
	} else {
		c->state = CAND_FAILED;
	}
}

static void
step(struct vh_dht *d, struct lookup *l)
{
	unsigned window = 0;

	if (l->found) {
		finish(d, l);
		return;
	}
	for (unsigned i = 0; i < l->nc && window < VH_DHT_K; i++) {
		struct cand *c = &l->c[i];

		if (c->state == CAND_FAILED)
			continue;
		window++;
		if (c->state == CAND_NEW && l->inflight < d->cfg.alpha)
			send_one(d, l, c);
	}
	if (l->inflight == 0)
		finish(d, l);
}

int
lookup_start(struct vh_dht *d, uint8_t kind, const uint8_t *target, unsigned flags,
	vh_dht_lookup_cb cb, void *arg)
{
	struct vh_dht_contact seeds[VH_DHT_K];
	size_t n = table_closest(&d->t, target, seeds, VH_DHT_K, NULL);
	struct lookup *l;
	uint32_t id;
	int b;

	if (n == 0)
		return -ENETUNREACH;
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

void
lookup_response(struct vh_dht *d, uint32_t lookup, const uint8_t *from, const struct vh_dht_msg *m)
{
	struct lookup *l = lookup_get(d, lookup);
	struct cand *c;
	unsigned depth;

	if (l == NULL)
		return;
	c = find_cand(l, from);
	if (c == NULL || c->state != CAND_INFLIGHT)
		return;
	c->state = CAND_DONE;
	l->inflight--;
	l->responses++;
	depth = c->depth;
	if ((l->flags & VH_DHT_LOOKUP_STOP_AT_TARGET) && id_eq(from, l->target))
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
	step(d, l);
}

void
lookup_timeout(struct vh_dht *d, uint32_t lookup, const uint8_t *from)
{
	struct lookup *l = lookup_get(d, lookup);
	struct cand *c;

	if (l == NULL)
		return;
	c = find_cand(l, from);
	if (c == NULL || c->state != CAND_INFLIGHT)
		return;
	c->state = CAND_FAILED;
	l->inflight--;
	l->timeouts++;
	step(d, l);
}
