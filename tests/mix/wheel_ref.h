/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A plain model of the delay wheel for the tests and the fuzz harness: a
 * min-heap of (due tick, id) plus the documented rules (rounding up, the
 * clock, clamping, the pool limit). The wheel's output is checked against it
 * call by call. Objects are ids + 1 cast to pointers.
 */
#ifndef WHEEL_REF_H
#define WHEEL_REF_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "vh_mix.h"

/*
 * The model is the reference, not what is fuzzed: libFuzzer's coverage and
 * comparison tracing of its heap loops took half of fuzz_mix_wheel's time
 * and steered the fuzzer by the model's branches instead of the wheel's.
 */
#if defined(__clang__)
#define WREF_FN static inline __attribute__((noinline, no_sanitize("coverage")))
#else
#define WREF_FN static inline
#endif

struct wref {
	uint64_t tick, cur, span; /* cur and span in ticks */
	int reject;
	uint32_t cap, live;
	uint64_t *eff;  /* per id: the tick it is due at */
	uint8_t *alive; /* per id */
	size_t nr_ids, ids_cap;
	size_t *heap; /* ids, min (eff, id) on top; dead ids are skipped lazily */
	size_t heap_len, heap_cap;
	char why[160]; /* the first mismatch */
};

WREF_FN int
wref_init(struct wref *r, const struct vh_mix_wheel_conf *c)
{
	*r = (struct wref){0};
	r->tick = c->tick;
	r->cur = c->start / c->tick;
	r->span = UINT64_C(1) << (8 * c->levels);
	r->reject = c->overflow == VH_MIX_WHEEL_REJECT;
	r->cap = c->capacity;
	return 0;
}

WREF_FN void
wref_fini(struct wref *r)
{
	free(r->eff);
	free(r->alive);
	free(r->heap);
}

WREF_FN int
wref_less(const struct wref *r, size_t a, size_t b)
{
	uint64_t ea = r->eff[a], eb = r->eff[b];

	return ea < eb || (ea == eb && a < b);
}

WREF_FN int
wref_push(struct wref *r, size_t id)
{
	size_t i;

	if (r->heap_len == r->heap_cap) {
		size_t n = r->heap_cap ? 2 * r->heap_cap : 64;
		size_t *h = realloc(r->heap, n * sizeof(*h));

		if (h == NULL)
			return -ENOMEM;
		r->heap = h;
		r->heap_cap = n;
	}
	i = r->heap_len++;
	r->heap[i] = id;
	while (i > 0 && wref_less(r, r->heap[i], r->heap[(i - 1) / 2])) {
		size_t p = (i - 1) / 2, t = r->heap[p];

		r->heap[p] = r->heap[i];
		r->heap[i] = t;
		i = p;
	}
	return 0;
}

WREF_FN size_t
wref_pop(struct wref *r)
{
	size_t top = r->heap[0], i = 0;

	r->heap[0] = r->heap[--r->heap_len];
	for (;;) {
		size_t l = 2 * i + 1, m = i, t;

		if (l < r->heap_len && wref_less(r, r->heap[l], r->heap[m]))
			m = l;
		if (l + 1 < r->heap_len && wref_less(r, r->heap[l + 1], r->heap[m]))
			m = l + 1;
		if (m == i)
			break;
		t = r->heap[m];
		r->heap[m] = r->heap[i];
		r->heap[i] = t;
		i = m;
	}
	return top;
}

/* Drop dead ids from the top so heap[0], if any, is live. */
WREF_FN void
wref_clean_top(struct wref *r)
{
	while (r->heap_len > 0 && !r->alive[r->heap[0]])
		wref_pop(r);
}

/*
 * What vh_mix_wheel_insert() must return for due; on 0 the new object's id
 * is in *id.
 */
WREF_FN int
wref_insert(struct wref *r, uint64_t due, size_t *id)
{
	uint64_t d = due / r->tick + (due % r->tick != 0);

	if (d < r->cur)
		d = r->cur;
	if (d - r->cur >= r->span) {
		if (r->reject)
			return -ERANGE;
		d = r->cur + r->span - 1;
	}
	if (r->live == r->cap)
		return -ENOSPC;
	if (r->nr_ids == r->ids_cap) {
		size_t n = r->ids_cap ? 2 * r->ids_cap : 256;
		uint64_t *e = realloc(r->eff, n * sizeof(*e));
		uint8_t *a;

		if (e == NULL)
			return -ENOMEM;
		r->eff = e;
		a = realloc(r->alive, n);
		if (a == NULL)
			return -ENOMEM;
		r->alive = a;
		r->ids_cap = n;
	}
	*id = r->nr_ids++;
	r->eff[*id] = d;
	r->alive[*id] = 1;
	r->live++;
	return wref_push(r, *id);
}

WREF_FN void *
wref_obj(size_t id)
{
	return (void *)(uintptr_t)(id + 1);
}

/* The id behind an object, or SIZE_MAX if it is not one of ours or dead. */
WREF_FN size_t
wref_id(const struct wref *r, void *obj)
{
	uintptr_t v = (uintptr_t)obj;

	if (v == 0 || v - 1 >= r->nr_ids || !r->alive[v - 1])
		return SIZE_MAX;
	return v - 1;
}

/*
 * Check one vh_mix_wheel_expire(now, max) that returned got[0..n). Returns
 * 0, or -1 with r->why set.
 */
WREF_FN int
wref_expire(struct wref *r, uint64_t now, void *const *got, unsigned int n, unsigned int max)
{
	uint64_t t = now / r->tick, last = 0;
	size_t due = 0;

	if (t < r->cur)
		t = r->cur;
	/* How many are due by t? Pop them, count, push back. */
	{
		size_t *tmp = malloc((r->live + 1) * sizeof(*tmp));

		if (tmp == NULL)
			return -1;
		for (wref_clean_top(r); r->heap_len > 0 && r->eff[r->heap[0]] <= t;
			wref_clean_top(r))
			tmp[due++] = wref_pop(r);
		for (size_t i = 0; i < due; i++)
			wref_push(r, tmp[i]);
		free(tmp);
	}
	if (n != (due < max ? due : max)) {
		snprintf(r->why, sizeof(r->why), "expire(t=%llu, max=%u) gave %u, expected %zu",
			(unsigned long long)t, max, n, due < max ? due : (size_t)max);
		return -1;
	}
	for (unsigned int i = 0; i < n; i++) {
		size_t id = wref_id(r, got[i]);

		if (id == SIZE_MAX || r->eff[id] > t || r->eff[id] < last) {
			snprintf(r->why, sizeof(r->why),
				"expire(t=%llu): object %u (%p) unknown, not due or out of order",
				(unsigned long long)t, i, got[i]);
			return -1;
		}
		last = r->eff[id];
		r->alive[id] = 0;
		r->live--;
	}
	/* Stopped by max: the clock stays at the last tick returned, and
	 * nothing left behind may be due before it. */
	if (n == max && max > 0) {
		wref_clean_top(r);
		if (r->heap_len > 0 && r->eff[r->heap[0]] < last) {
			snprintf(r->why, sizeof(r->why), "expire: left tick %llu behind %llu",
				(unsigned long long)r->eff[r->heap[0]], (unsigned long long)last);
			return -1;
		}
		r->cur = last;
	} else if (max > 0) {
		r->cur = t;
	}
	return 0;
}

/* Check one vh_mix_wheel_drain(max) that returned got[0..n). */
WREF_FN int
wref_drain(struct wref *r, void *const *got, unsigned int n, unsigned int max)
{
	if (n != (r->live < max ? r->live : max)) {
		snprintf(r->why, sizeof(r->why), "drain(max=%u) gave %u of %u", max, n, r->live);
		return -1;
	}
	for (unsigned int i = 0; i < n; i++) {
		size_t id = wref_id(r, got[i]);

		if (id == SIZE_MAX) {
			snprintf(r->why, sizeof(r->why), "drain: object %u unknown or twice", i);
			return -1;
		}
		r->alive[id] = 0;
		r->live--;
	}
	return 0;
}

#endif
