/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Delay wheel: a hierarchical timing wheel (Varghese and Lauck, 1987) of up
 * to four levels of 256 slots. Time is counted in ticks (the caller's time
 * divided by conf->tick, due times rounded up so nothing leaves early).
 *
 * Invariant, with c the wheel's current tick (every tick before c is done):
 * - level 0, slot d & 255, holds the entries due at tick d, c <= d < c + 256;
 * - level k >= 1, slot (d >> 8k) & 255, holds entries whose block
 *   b = d >> 8k is 1..256 blocks after c's block at that level.
 * So the slot's cyclic distance from c's slot tells each entry's block
 * exactly, and a level-k slot is cascaded (its entries placed again, lower)
 * when c reaches the start of its block. Advancing jumps straight to the
 * next such event, found from per-level occupancy bitmaps, so a clock that
 * jumps far ahead costs nothing for the empty ticks in between.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vh_mix.h"

#define NIL UINT32_MAX
#define SLOT_BITS 8
#define SLOT_MASK (VH_MIX_WHEEL_SLOTS - 1)
#define MAP_WORDS (VH_MIX_WHEEL_SLOTS / 64)

struct entry {
	void *obj;
	uint64_t due; /* in ticks */
	uint32_t next;
};

struct slot {
	uint32_t head, tail;
};

struct level {
	uint64_t map[MAP_WORDS]; /* bit set: slot not empty */
	uint32_t count;
	struct slot slot[VH_MIX_WHEEL_SLOTS];
};

struct vh_mix_wheel {
	uint64_t tick;
	uint64_t cur;        /* current tick */
	uint64_t span_ticks; /* 256^levels */
	unsigned int levels;
	enum vh_mix_wheel_overflow overflow;
	uint32_t capacity;
	uint32_t count;
	uint32_t free_head;
	struct vh_mix_wheel_stats st;
	struct entry *pool;
	struct level lv[VH_MIX_WHEEL_MAX_LEVELS];
};

static void
slot_push(struct vh_mix_wheel *w, unsigned int k, unsigned int s, uint32_t i)
{
	struct level *l = &w->lv[k];
	struct slot *sl = &l->slot[s];

	w->pool[i].next = NIL;
	if (sl->head == NIL) {
		sl->head = i;
		l->map[s / 64] |= UINT64_C(1) << (s % 64);
	} else {
		w->pool[sl->tail].next = i;
	}
	sl->tail = i;
	l->count++;
}

/* Detach a slot's whole list. */
static uint32_t
slot_take(struct vh_mix_wheel *w, unsigned int k, unsigned int s)
{
	struct level *l = &w->lv[k];
	uint32_t head = l->slot[s].head;

	l->slot[s].head = NIL;
	l->slot[s].tail = NIL;
	l->map[s / 64] &= ~(UINT64_C(1) << (s % 64));
	return head;
}

/* Put entry i where the invariant wants it; its due tick is >= cur. */
static void
place(struct vh_mix_wheel *w, uint32_t i)
{
	uint64_t d = w->pool[i].due, c = w->cur;
	unsigned int k;

	if (d - c < VH_MIX_WHEEL_SLOTS) {
		slot_push(w, 0, d & SLOT_MASK, i);
		return;
	}
	/* d - c < span guarantees a level; the last one is the fallback. */
	for (k = 1; k < w->levels - 1; k++)
		if ((d >> (SLOT_BITS * k)) - (c >> (SLOT_BITS * k)) <= VH_MIX_WHEEL_SLOTS)
			break;
	slot_push(w, k, (d >> (SLOT_BITS * k)) & SLOT_MASK, i);
}

/* Cyclic distance (1..256) from slot s to the next occupied slot after it. */
static unsigned int
next_dist(const struct level *l, unsigned int s)
{
	for (unsigned int n = 0; n <= MAP_WORDS; n++) {
		unsigned int word = ((s + 1) / 64 + n) % MAP_WORDS;
		uint64_t m = l->map[word];

		/* On the first word skip the bits up to s; on the wrap-around
		 * word (n == MAP_WORDS) only those bits are left to look at. */
		if (n == 0 && (s + 1) % 64 != 0)
			m &= ~UINT64_C(0) << ((s + 1) % 64);
		if (m != 0) {
			unsigned int hit = word * 64 + (unsigned int)__builtin_ctzll(m);

			return (hit + VH_MIX_WHEEL_SLOTS - s - 1) % VH_MIX_WHEEL_SLOTS + 1;
		}
	}
	return 0; /* empty level */
}

/* The next tick after cur at which a slot is due or must be cascaded. */
static uint64_t
next_event(const struct vh_mix_wheel *w)
{
	uint64_t best = UINT64_MAX;

	for (unsigned int k = 0; k < w->levels; k++) {
		unsigned int shift = SLOT_BITS * k, dist;
		uint64_t e;

		if (w->lv[k].count == 0)
			continue;
		dist = next_dist(&w->lv[k], (w->cur >> shift) & SLOT_MASK);
		e = ((w->cur >> shift) + dist) << shift;
		if (e < best)
			best = e;
	}
	return best;
}

/*
 * cur has just become t: move down the level slots whose block starts at t,
 * top level first. Counting k down from levels keeps it in 1..levels-1 (a
 * "levels - 1; k >= 1" loop would wrap, and shift past 63, were levels 0).
 */
static void
cascade(struct vh_mix_wheel *w, uint64_t t)
{
	for (unsigned int k = w->levels; k-- > 1;) {
		unsigned int shift = SLOT_BITS * k;
		uint32_t i, next;

		if ((t & ((UINT64_C(1) << shift) - 1)) != 0 || w->lv[k].count == 0)
			continue;
		for (i = slot_take(w, k, (t >> shift) & SLOT_MASK); i != NIL; i = next) {
			next = w->pool[i].next;
			w->lv[k].count--;
			w->st.cascaded++;
			place(w, i);
		}
	}
}

static void
release(struct vh_mix_wheel *w, uint32_t i)
{
	w->pool[i].obj = NULL;
	w->pool[i].next = w->free_head;
	w->free_head = i;
	w->count--;
}

/* Pop up to max entries from one slot's head. */
static unsigned int
pop_slot(struct vh_mix_wheel *w, unsigned int k, unsigned int s, void **out, unsigned int max)
{
	struct level *l = &w->lv[k];
	struct slot *sl = &l->slot[s];
	unsigned int n = 0;

	while (n < max && sl->head != NIL) {
		uint32_t i = sl->head;

		sl->head = w->pool[i].next;
		out[n++] = w->pool[i].obj;
		l->count--;
		release(w, i);
	}
	if (sl->head == NIL) {
		sl->tail = NIL;
		l->map[s / 64] &= ~(UINT64_C(1) << (s % 64));
	}
	return n;
}

static int
conf_ok(const struct vh_mix_wheel_conf *conf)
{
	if (conf == NULL || conf->tick == 0 || conf->levels < 1 ||
		conf->levels > VH_MIX_WHEEL_MAX_LEVELS || conf->capacity == 0 ||
		conf->capacity > (UINT32_C(1) << 31) ||
		(conf->overflow != VH_MIX_WHEEL_CLAMP && conf->overflow != VH_MIX_WHEEL_REJECT))
		return 0;
	/* tick * 256^levels must fit: vh_mix_wheel_span() returns it. */
	return conf->tick <= UINT64_MAX >> (SLOT_BITS * conf->levels);
}

struct vh_mix_wheel *
vh_mix_wheel_create(const struct vh_mix_wheel_conf *conf)
{
	struct vh_mix_wheel *w;

	if (!conf_ok(conf)) {
		errno = EINVAL;
		return NULL;
	}
	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return NULL;
	w->pool = calloc(conf->capacity, sizeof(*w->pool));
	if (w->pool == NULL) {
		free(w);
		errno = ENOMEM;
		return NULL;
	}
	w->tick = conf->tick;
	w->cur = conf->start / conf->tick;
	w->levels = conf->levels;
	w->span_ticks = UINT64_C(1) << (SLOT_BITS * conf->levels);
	w->overflow = conf->overflow;
	w->capacity = conf->capacity;
	for (uint32_t i = 0; i < conf->capacity; i++)
		w->pool[i].next = i + 1 < conf->capacity ? i + 1 : NIL;
	w->free_head = 0;
	for (unsigned int k = 0; k < VH_MIX_WHEEL_MAX_LEVELS; k++)
		for (unsigned int s = 0; s < VH_MIX_WHEEL_SLOTS; s++)
			w->lv[k].slot[s].head = w->lv[k].slot[s].tail = NIL;
	return w;
}

void
vh_mix_wheel_free(struct vh_mix_wheel *w)
{
	if (w == NULL)
		return;
	free(w->pool);
	free(w);
}

int
vh_mix_wheel_insert(struct vh_mix_wheel *w, void *obj, uint64_t due)
{
	uint64_t d;
	uint32_t i;

	if (w == NULL)
		return -EINVAL;
	d = due / w->tick + (due % w->tick != 0);
	if (d < w->cur)
		d = w->cur;
	if (d - w->cur >= w->span_ticks) {
		if (w->overflow == VH_MIX_WHEEL_REJECT) {
			w->st.too_far++;
			return -ERANGE;
		}
		w->st.clamped++;
		d = w->cur + w->span_ticks - 1;
	}
	if (w->free_head == NIL) {
		w->st.full++;
		return -ENOSPC;
	}
	i = w->free_head;
	w->free_head = w->pool[i].next;
	w->pool[i].obj = obj;
	w->pool[i].due = d;
	place(w, i);
	w->count++;
	w->st.inserted++;
	return 0;
}

unsigned int
vh_mix_wheel_expire(struct vh_mix_wheel *w, uint64_t now, void **out, unsigned int max)
{
	uint64_t t, e;
	unsigned int n = 0;

	if (w == NULL || out == NULL)
		return 0;
	t = now / w->tick;
	if (t < w->cur)
		t = w->cur;
	for (;;) {
		n += pop_slot(w, 0, w->cur & SLOT_MASK, out + n, max - n);
		if (n == max || w->cur == t)
			break;
		e = next_event(w);
		if (e > t) {
			/* Nothing due or to cascade up to t: the invariant holds at t. */
			w->cur = t;
			break;
		}
		w->cur = e;
		cascade(w, e);
	}
	w->st.expired += n;
	return n;
}

unsigned int
vh_mix_wheel_drain(struct vh_mix_wheel *w, void **out, unsigned int max)
{
	unsigned int n = 0;

	if (w == NULL || out == NULL)
		return 0;
	for (unsigned int k = 0; k < w->levels && n < max; k++) {
		for (unsigned int word = 0; word < MAP_WORDS && n < max; word++) {
			while (w->lv[k].map[word] != 0 && n < max) {
				unsigned int s = word * 64 +
						 (unsigned int)__builtin_ctzll(w->lv[k].map[word]);

				n += pop_slot(w, k, s, out + n, max - n);
			}
		}
	}
	w->st.drained += n;
	return n;
}

uint32_t
vh_mix_wheel_count(const struct vh_mix_wheel *w)
{
	return w == NULL ? 0 : w->count;
}

uint64_t
vh_mix_wheel_span(const struct vh_mix_wheel *w)
{
	return w == NULL ? 0 : w->span_ticks * w->tick;
}

size_t
vh_mix_wheel_bytes(const struct vh_mix_wheel *w)
{
	return w == NULL ? 0 : sizeof(*w) + (size_t)w->capacity * sizeof(*w->pool);
}

void
vh_mix_wheel_stats_get(const struct vh_mix_wheel *w, struct vh_mix_wheel_stats *st)
{
	if (w == NULL || st == NULL)
		return;
	*st = w->st;
}
