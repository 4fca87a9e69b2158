/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Session indices: random 32-bit numbers, unique per node, so a receiver
 * finds a session from the first four bytes of a frame and an observer
 * learns nothing from them. The node supplies uniqueness (a reserve/release
 * interface); a small open-addressing set is provided for the control lcore
 * and the tests.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "vh_veil.h"

#define ALLOC_TRIES 32

int
vh_veil_index_alloc(
	const struct vh_veil_index_ops *ops, vh_noise_rng_fn rng, void *rng_ctx, uint32_t *idx)
{
	if (ops == NULL || ops->reserve == NULL || idx == NULL)
		return -EINVAL;
	for (int i = 0; i < ALLOC_TRIES; i++) {
		uint8_t b[4];
		uint32_t v;

		if (rng == NULL)
			randombytes_buf(b, sizeof(b));
		else if (rng(rng_ctx, b, sizeof(b)) != 0)
			return -EIO;
		v = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
		if (v != 0 && ops->reserve(ops->ctx, v) == 0) {
			*idx = v;
			return 0;
		}
	}
	return -ENOSPC;
}

/* Linear probing, at most half full, deletion by backward shift. */
#define SLOT_FREE 0u

struct vh_veil_index_table {
	size_t mask;
	size_t count;
	size_t limit;
	uint32_t *slot;
};

struct vh_veil_index_table *
vh_veil_index_table_new(size_t capacity)
{
	struct vh_veil_index_table *t;
	size_t n = 16;

	if (capacity == 0 || capacity > (1u << 30)) {
		errno = EINVAL;
		return NULL;
	}
	while (n < 2 * capacity)
		n <<= 1;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	t->slot = calloc(n, sizeof(*t->slot));
	if (t->slot == NULL) {
		free(t);
		return NULL;
	}
	t->mask = n - 1;
	t->limit = capacity;
	return t;
}

void
vh_veil_index_table_free(struct vh_veil_index_table *t)
{
	if (t == NULL)
		return;
	free(t->slot);
	free(t);
}

static size_t
home(const struct vh_veil_index_table *t, uint32_t idx)
{
	/* Indices are random already; mixing guards against chosen ones. */
	return (size_t)((idx * 0x9e3779b1u) >> 7) & t->mask;
}

/* Position of idx, or of the free slot where it would go (*found false). */
static size_t
probe(const struct vh_veil_index_table *t, uint32_t idx, bool *found)
{
	size_t i = home(t, idx);

	while (t->slot[i] != SLOT_FREE && t->slot[i] != idx)
		i = (i + 1) & t->mask;
	*found = t->slot[i] == idx;
	return i;
}

static int
table_reserve(void *ctx, uint32_t idx)
{
	struct vh_veil_index_table *t = ctx;
	bool found;
	size_t i;

	if (idx == SLOT_FREE)
		return -EINVAL;
	i = probe(t, idx, &found);
	if (found)
		return -EEXIST;
	if (t->count >= t->limit)
		return -ENOSPC;
	t->slot[i] = idx;
	t->count++;
	return 0;
}

/* Is k (a home slot) cyclically in (i, j]? */
static bool
between(size_t i, size_t k, size_t j)
{
	return i <= j ? (i < k && k <= j) : (i < k || k <= j);
}

static void
table_release(void *ctx, uint32_t idx)
{
	struct vh_veil_index_table *t = ctx;
	bool found;
	size_t i, j;

	if (idx == SLOT_FREE)
		return;
	i = probe(t, idx, &found);
	if (!found)
		return;
	/* Pull later members of the cluster back so probes never stop early. */
	for (j = (i + 1) & t->mask; t->slot[j] != SLOT_FREE; j = (j + 1) & t->mask) {
		if (between(i, home(t, t->slot[j]), j))
			continue;
		t->slot[i] = t->slot[j];
		i = j;
	}
	t->slot[i] = SLOT_FREE;
	t->count--;
}

void
vh_veil_index_table_ops(struct vh_veil_index_table *t, struct vh_veil_index_ops *ops)
{
	if (ops == NULL)
		return;
	ops->reserve = table_reserve;
	ops->release = table_release;
	ops->ctx = t;
}

bool
vh_veil_index_table_contains(const struct vh_veil_index_table *t, uint32_t idx)
{
	bool found;

	if (t == NULL || idx == SLOT_FREE)
		return false;
	probe(t, idx, &found);
	return found;
}

size_t
vh_veil_index_table_count(const struct vh_veil_index_table *t)
{
	return t != NULL ? t->count : 0;
}
