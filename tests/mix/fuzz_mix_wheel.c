/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz the delay wheel: the input is a configuration and a sequence of
 * inserts (near, far, beyond the span, already due), expiries with small and
 * large out arrays, clock jumps, clocks going backwards and drains; every
 * call is checked against the min-heap model in wheel_ref.h.
 *
 * Layout: 5 header bytes (levels and overflow mode, tick, capacity, start),
 * then operations: one opcode byte and its argument bytes (missing bytes
 * read as zero).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "vh_mix.h"
#include "wheel_ref.h"

#define OUT 256

struct in {
	const uint8_t *p;
	size_t len, off;
};

static uint64_t
take(struct in *in, unsigned int nbytes)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < nbytes; i++)
		v = v << 8 | (in->off < in->len ? in->p[in->off++] : 0);
	return v;
}

static void
check(int bad, const struct wref *r, size_t op)
{
	if (bad) {
		fprintf(stderr, "op %zu: %s\n", op, r->why);
		abort();
	}
}

static uint64_t
insert_due(struct in *in, unsigned int kind, uint64_t now, uint64_t tick)
{
	uint64_t back;

	switch (kind) {
	case 0: /* near, in fractions of a tick */
		return now + take(in, 2) * tick / 64;
	case 1: /* up to 65535 ticks */
		return now + take(in, 2) * tick;
	case 2: /* up to 2^32 ticks: beyond most spans */
		return now + take(in, 4) * tick;
	default: /* already due */
		back = take(in, 1) * tick;
		return now - (back < now ? back : now);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in in = {data, size, 0};
	uint64_t b0 = take(&in, 1);
	struct vh_mix_wheel_conf c = {
		.levels = 1 + (unsigned int)(b0 & 3),
		.overflow = (b0 >> 2 & 1) ? VH_MIX_WHEEL_REJECT : VH_MIX_WHEEL_CLAMP,
		.tick = 1 + take(&in, 1),
		.capacity = 1 + (uint32_t)take(&in, 1),
	};
	struct vh_mix_wheel *w;
	struct wref r;
	void *out[OUT];
	uint64_t now;
	size_t op = 0;

	c.start = take(&in, 2) << (b0 >> 3);
	now = c.start;
	w = vh_mix_wheel_create(&c);
	if (w == NULL)
		abort();
	wref_init(&r, &c);
	while (in.off < in.len) {
		unsigned int code = (unsigned int)take(&in, 1) % 8;

		if (code < 4) {
			uint64_t due = insert_due(&in, code, now, c.tick);
			size_t id = 0;
			int want = wref_insert(&r, due, &id);

			if (vh_mix_wheel_insert(w, wref_obj(id), due) != want)
				abort();
		} else if (code == 4 || code == 5) {
			unsigned int max;

			if (code == 4)
				now += take(&in, 1) * c.tick / 2;
			else
				now += (take(&in, 2) * c.tick) << (take(&in, 1) & 15);
			max = (unsigned int)take(&in, 1);
			max = max < 16 ? max : OUT;
			unsigned int got = vh_mix_wheel_expire(w, now, out, max);
			check(wref_expire(&r, now, out, got, max), &r, op);
		} else if (code == 6) {
			uint64_t back = take(&in, 1) * c.tick * 3;

			now -= back < now ? back : now;
		} else {
			unsigned int max = (unsigned int)take(&in, 1) % 8;
			unsigned int got = vh_mix_wheel_drain(w, out, max);

			check(wref_drain(&r, out, got, max), &r, op);
		}
		if (vh_mix_wheel_count(w) != r.live)
			abort();
		op++;
	}
	for (;;) {
		unsigned int got = vh_mix_wheel_drain(w, out, OUT);

		check(wref_drain(&r, out, got, OUT), &r, op);
		if (got == 0)
			break;
	}
	wref_fini(&r);
	vh_mix_wheel_free(w);
	return 0;
}
