/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The routing table: 256 buckets of at most k contacts, least recently seen
 * first. A full bucket keeps newcomers in a small replacement cache and the
 * caller pings the oldest contact: long-lived nodes are the likeliest to stay,
 * so they are kept while they answer (Kademlia, section 2.2). Buckets grow on
 * demand: in a network of n nodes only about log2(n / k) of them fill, which
 * lets a simulator hold ten thousand tables.
 */
#include <stdlib.h>

#include "dht_internal.h"

void
table_init(struct table *t, const uint8_t *self)
{
	memset(t, 0, sizeof(*t));
	memcpy(t->self, self, VH_DHT_ID_LEN);
}

void
table_free(struct table *t)
{
	for (int i = 0; i < VH_DHT_BUCKETS; i++) {
		free(t->b[i].e);
		free(t->b[i].repl);
	}
	memset(t->b, 0, sizeof(t->b));
	memset(t->used, 0, sizeof(t->used));
	t->size = 0;
}

/* Keep the bit of bucket i in t->used in step with its count. */
static void
mark(struct table *t, int i)
{
	uint64_t bit = 1ULL << (i % 64);

	if (t->b[i].n > 0)
		t->used[i / 64] |= bit;
	else
		t->used[i / 64] &= ~bit;
}

/* The first bucket in [from, end) that holds a contact, or end. */
static int
next_used(const struct table *t, int from, int end)
{
	while (from < end) {
		uint64_t w = t->used[from / 64] >> (from % 64);

		if (w != 0)
			return from + __builtin_ctzll(w) < end ? from + __builtin_ctzll(w) : end;
		from = (from / 64 + 1) * 64;
	}
	return end;
}

void
table_clear(struct table *t)
{
	for (int i = next_used(t, 0, VH_DHT_BUCKETS); i < VH_DHT_BUCKETS;
		i = next_used(t, i + 1, VH_DHT_BUCKETS))
		t->b[i].n = 0;
	for (int i = 0; i < VH_DHT_BUCKETS; i++) {
		t->b[i].nrepl = 0;
		t->b[i].evict_txid = 0;
		t->b[i].last_lookup = 0;
	}
	memset(t->used, 0, sizeof(t->used));
	t->size = 0;
}

static int
find_in(const struct entry *e, unsigned n, const uint8_t *id)
{
	for (unsigned i = 0; i < n; i++)
		if (e[i].c.id[0] == id[0] && id_eq(e[i].c.id, id))
			return (int)i;
	return -1;
}

struct entry *
table_find(struct table *t, const uint8_t *id)
{
	int b = vh_dht_bucket_index(t->self, id);
	int i;

	if (b < 0)
		return NULL;
	i = find_in(t->b[b].e, t->b[b].n, id);
	return i < 0 ? NULL : &t->b[b].e[i];
}

/* Move e[i] to the end (most recently seen). */
static void
to_back(struct entry *e, unsigned n, unsigned i)
{
	struct entry tmp = e[i];

	memmove(&e[i], &e[i + 1], (n - i - 1) * sizeof(*e));
	e[n - 1] = tmp;
}

static void
remove_at(struct entry *e, uint8_t *n, unsigned i)
{
	memmove(&e[i], &e[i + 1], (*n - i - 1) * sizeof(*e));
	(*n)--;
}

static bool
grow(struct bucket *bk)
{
	unsigned cap = bk->cap == 0 ? 4 : bk->cap * 2;
	struct entry *e;

	if (cap > VH_DHT_K)
		cap = VH_DHT_K;
	e = realloc(bk->e, cap * sizeof(*e));
	if (e == NULL)
		return false;
	bk->e = e;
	bk->cap = (uint8_t)cap;
	return true;
}

static enum seen_result
to_replacements(struct bucket *bk, const struct vh_dht_contact *c, uint64_t now)
{
	int i;

	if (bk->repl == NULL) {
		bk->repl = calloc(REPL_MAX, sizeof(*bk->repl));
		if (bk->repl == NULL)
			return SEEN_NOMEM;
	}
	i = find_in(bk->repl, bk->nrepl, c->id);
	if (i >= 0)
		remove_at(bk->repl, &bk->nrepl, (unsigned)i);
	else if (bk->nrepl == REPL_MAX)
		remove_at(bk->repl, &bk->nrepl, 0);
	bk->repl[bk->nrepl].c = *c;
	bk->repl[bk->nrepl].last_seen = now;
	bk->repl[bk->nrepl].fails = 0;
	bk->nrepl++;
	return SEEN_FULL;
}

enum seen_result
table_seen(struct table *t, const struct vh_dht_contact *c, uint64_t now, int *bucket)
{
	int b = vh_dht_bucket_index(t->self, c->id);
	struct bucket *bk;
	int i;

	*bucket = b;
	if (b < 0 || c->addr_len == 0 || c->addr_len > VH_DHT_ADDR_MAX)
		return SEEN_IGNORED;
	bk = &t->b[b];
	i = find_in(bk->e, bk->n, c->id);
	if (i >= 0) {
		bk->e[i].c = *c;
		bk->e[i].last_seen = now;
		bk->e[i].fails = 0;
		to_back(bk->e, bk->n, (unsigned)i);
		return SEEN_UPDATED;
	}
	if (bk->n == VH_DHT_K)
		return to_replacements(bk, c, now);
	if (bk->n == bk->cap && !grow(bk))
		return SEEN_NOMEM;
	i = find_in(bk->repl, bk->nrepl, c->id);
	if (i >= 0)
		remove_at(bk->repl, &bk->nrepl, (unsigned)i);
	bk->e[bk->n].c = *c;
	bk->e[bk->n].last_seen = now;
	bk->e[bk->n].fails = 0;
	bk->n++;
	mark(t, b);
	t->size++;
	return SEEN_INSERTED;
}

bool
table_evict(struct table *t, const uint8_t *id)
{
	int b = vh_dht_bucket_index(t->self, id);
	struct bucket *bk;
	int i;

	if (b < 0)
		return false;
	bk = &t->b[b];
	i = find_in(bk->e, bk->n, id);
	if (i < 0) {
		i = find_in(bk->repl, bk->nrepl, id);
		if (i >= 0)
			remove_at(bk->repl, &bk->nrepl, (unsigned)i);
		return false;
	}
	remove_at(bk->e, &bk->n, (unsigned)i);
	t->size--;
	if (bk->nrepl > 0) {
		/* The newest replacement is the likeliest to be alive. */
		bk->e[bk->n++] = bk->repl[--bk->nrepl];
		t->size++;
	}
	mark(t, b);
	return true;
}

/* Insert c into out[0..*n), kept sorted by distance and at most max long. */
static void
insert_sorted(struct vh_dht_contact *out, size_t *n, size_t max, const struct vh_dht_contact *c,
	const uint8_t *target)
{
	size_t i = *n;

	if (*n == max && vh_dht_cmp_distance(target, c->id, out[*n - 1].id) >= 0)
		return;
	if (*n < max)
		(*n)++;
	else
		i = max - 1;
	while (i > 0 && vh_dht_cmp_distance(target, c->id, out[i - 1].id) < 0) {
		out[i] = out[i - 1];
		i--;
	}
	out[i] = *c;
}

static void
collect(const struct bucket *bk, struct vh_dht_contact *out, size_t *n, size_t max,
	const uint8_t *target, const uint8_t *exclude)
{
	for (unsigned i = 0; i < bk->n; i++) {
		if (exclude != NULL && id_eq(bk->e[i].c.id, exclude))
			continue;
		insert_sorted(out, n, max, &bk->e[i].c, target);
	}
}

/*
 * With b the bucket of the target, bucket b holds the closest contacts, all
 * buckets below b the next ones (their distance to the target has top bit
 * b), then buckets b+1, b+2, ... in order. So the far buckets are visited
 * only until max contacts are in hand, and empty ones not at all: every
 * lookup starts here, and a small network fills a few of the 256 buckets.
 */
size_t
table_closest(const struct table *t, const uint8_t *target, struct vh_dht_contact *out, size_t max,
	const uint8_t *exclude)
{
	int b = vh_dht_bucket_index(t->self, target);
	size_t n = 0;

	if (max == 0)
		return 0;
	if (b >= 0)
		collect(&t->b[b], out, &n, max, target, exclude);
	for (int j = next_used(t, 0, b); j < b; j = next_used(t, j + 1, b))
		collect(&t->b[j], out, &n, max, target, exclude);
	for (int j = next_used(t, b + 1, VH_DHT_BUCKETS); j < VH_DHT_BUCKETS && n < max;
		j = next_used(t, j + 1, VH_DHT_BUCKETS))
		collect(&t->b[j], out, &n, max, target, exclude);
	return n;
}

const struct entry *
table_random(const struct table *t, uint32_t r)
{
	unsigned k;

	if (t->size == 0)
		return NULL;
	k = r % t->size;
	for (int i = next_used(t, 0, VH_DHT_BUCKETS); i < VH_DHT_BUCKETS;
		i = next_used(t, i + 1, VH_DHT_BUCKETS)) {
		if (k < t->b[i].n)
			return &t->b[i].e[k];
		k -= t->b[i].n;
	}
	return NULL;
}
