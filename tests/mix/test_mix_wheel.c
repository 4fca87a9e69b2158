/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Delay wheel: configuration checks, exact expiry boundaries, ordering across
 * levels, the wrap of every level, clock jumps past the whole span, the pool
 * limit, clamping and rejecting, drain, partial expiry, and long randomized
 * runs checked call by call against a min-heap model (wheel_ref.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>

#include <cmocka.h>

#include "vh_mix.h"
#include "wheel_ref.h"

#define OUT_MAX 4096

static struct vh_mix_wheel *
mk(uint64_t tick, unsigned int levels, uint32_t cap, uint64_t start, enum vh_mix_wheel_overflow ov)
{
	struct vh_mix_wheel_conf c = {
		.tick = tick, .levels = levels, .capacity = cap, .start = start, .overflow = ov};
	struct vh_mix_wheel *w = vh_mix_wheel_create(&c);

	assert_non_null(w);
	return w;
}

static void *
obj(uintptr_t v)
{
	return (void *)v;
}

static void
test_bad_conf(void **state)
{
	struct vh_mix_wheel_conf ok = {.tick = 1000, .levels = 2, .capacity = 8};
	struct vh_mix_wheel_conf c;
	void *out[1];

	(void)state;
	c = ok;
	c.tick = 0;
	errno = 0;
	assert_null(vh_mix_wheel_create(&c));
	assert_int_equal(errno, EINVAL);
	c = ok;
	c.levels = 0;
	assert_null(vh_mix_wheel_create(&c));
	c.levels = VH_MIX_WHEEL_MAX_LEVELS + 1;
	assert_null(vh_mix_wheel_create(&c));
	c = ok;
	c.capacity = 0;
	assert_null(vh_mix_wheel_create(&c));
	c = ok;
	c.overflow = (enum vh_mix_wheel_overflow)7;
	assert_null(vh_mix_wheel_create(&c));
	/* tick * 256^levels would not fit in 64 bits */
	c = ok;
	c.levels = 4;
	c.tick = UINT64_C(1) << 32;
	assert_null(vh_mix_wheel_create(&c));
	c.tick = (UINT64_C(1) << 32) - 1;
	struct vh_mix_wheel *w = vh_mix_wheel_create(&c);
	assert_non_null(w);
	assert_int_equal(vh_mix_wheel_span(w), ((UINT64_C(1) << 32) - 1) << 32);
	vh_mix_wheel_free(w);
	assert_null(vh_mix_wheel_create(NULL));
	assert_int_equal(vh_mix_wheel_insert(NULL, NULL, 0), -EINVAL);
	assert_int_equal(vh_mix_wheel_expire(NULL, 0, out, 1), 0);
	assert_int_equal(vh_mix_wheel_drain(NULL, out, 1), 0);
	assert_int_equal(vh_mix_wheel_count(NULL), 0);
	vh_mix_wheel_free(NULL);
}

/* Due times round up to a tick; nothing leaves before it is due. */
static void
test_boundaries(void **state)
{
	struct vh_mix_wheel *w = mk(1000, 2, 16, 0, VH_MIX_WHEEL_CLAMP);
	void *out[4];

	(void)state;
	assert_int_equal(vh_mix_wheel_insert(w, obj(1), 5000), 0);
	assert_int_equal(vh_mix_wheel_insert(w, obj(2), 5001), 0);
	assert_int_equal(vh_mix_wheel_count(w), 2);
	assert_int_equal(vh_mix_wheel_expire(w, 4999, out, 4), 0);
	assert_int_equal(vh_mix_wheel_expire(w, 5000, out, 4), 1);
	assert_ptr_equal(out[0], obj(1));
	/* 5001 rounds up to tick 6: not at 5999, at 6000 */
	assert_int_equal(vh_mix_wheel_expire(w, 5999, out, 4), 0);
	assert_int_equal(vh_mix_wheel_expire(w, 6000, out, 4), 1);
	assert_ptr_equal(out[0], obj(2));
	/* due now or in the past: out on the very next call, same now */
	assert_int_equal(vh_mix_wheel_insert(w, obj(3), 6000), 0);
	assert_int_equal(vh_mix_wheel_insert(w, obj(4), 10), 0);
	assert_int_equal(vh_mix_wheel_expire(w, 6000, out, 4), 2);
	assert_ptr_equal(out[0], obj(3));
	assert_ptr_equal(out[1], obj(4));
	/* a now before the clock is the clock */
	assert_int_equal(vh_mix_wheel_insert(w, obj(5), 6500), 0);
	assert_int_equal(vh_mix_wheel_expire(w, 100, out, 4), 0);
	assert_int_equal(vh_mix_wheel_expire(w, 7000, out, 4), 1);
	assert_int_equal(vh_mix_wheel_count(w), 0);
	vh_mix_wheel_free(w);
}

/*
 * Insert objects due on both sides of every level's slot and block edges, in
 * scrambled order, then walk the clock to one tick before each due time (it
 * must not come out) and to the due time (it must, and nothing else).
 */
static void
check_walk(struct vh_mix_wheel *w, uint64_t base, const uint64_t *delays, size_t n)
{
	uint64_t *due = malloc(n * sizeof(*due));
	void *out[OUT_MAX];

	assert_non_null(due);
	for (size_t i = 0; i < n; i++) {
		size_t j = (i * 7919) % n; /* n is not a multiple of 7919 */

		due[j] = base + delays[j];
		assert_int_equal(vh_mix_wheel_insert(w, obj(j + 1), due[j]), 0);
	}
	for (size_t i = 0; i < n; i++) {
		unsigned int got;

		if (i > 0 && delays[i] == delays[i - 1])
			continue;
		assert_int_equal(vh_mix_wheel_expire(w, due[i] - 1, out, OUT_MAX), 0);
		got = vh_mix_wheel_expire(w, due[i], out, OUT_MAX);
		for (unsigned int g = 0; g < got; g++) {
			uintptr_t id = (uintptr_t)out[g];

			assert_true(id >= 1 && id <= n);
			assert_int_equal(due[id - 1], due[i]);
		}
		for (size_t j = i; j < n && delays[j] == delays[i]; j++)
			got--;
		assert_int_equal(got, 0);
	}
	assert_int_equal(vh_mix_wheel_count(w), 0);
	free(due);
}

static void
test_levels_order(void **state)
{
	/* sorted; tick 1, so delays are ticks */
	static const uint64_t d[] = {1, 2, 254, 255, 256, 257, 511, 512, 513, 65279, 65280, 65535,
		65536, 65537, 65792, 65793, 131071, 131072, 1000000, 16776960, 16777214, 16777215};
	struct vh_mix_wheel *w = mk(1, 3, 64, 0, VH_MIX_WHEEL_REJECT);
	struct vh_mix_wheel_stats st;

	(void)state;
	check_walk(w, 0, d, sizeof(d) / sizeof(d[0]));
	vh_mix_wheel_stats_get(w, &st);
	assert_int_equal(st.inserted, sizeof(d) / sizeof(d[0]));
	assert_int_equal(st.expired, sizeof(d) / sizeof(d[0]));
	assert_true(st.cascaded > 0);
	vh_mix_wheel_free(w);
}

/*
 * Start one tick before every level's slot index wraps (the clock at
 * 256^L - 1 has slot 255 at every level), so every delay wraps every level
 * it passes through; the top level of a 4-level wheel wraps at 2^32.
 */
static void
test_wrap_every_level(void **state)
{
	static const uint64_t d[] = {1, 2, 255, 256, 257, 65535, 65536, 65537, 65791, 65792,
		16777215, 16777216, 16777217, 4294967040, 4294967294, 4294967295};
	(void)state;
	for (unsigned int levels = 1; levels <= 4; levels++) {
		uint64_t span = UINT64_C(1) << (8 * levels);
		uint64_t starts[] = {span - 1, 3 * span - 1, span - 129, 5 * span};
		size_t n = 0;

		while (n < sizeof(d) / sizeof(d[0]) && d[n] < span)
			n++;
		for (size_t s = 0; s < 4; s++) {
			struct vh_mix_wheel *w = mk(1, levels, 64, starts[s], VH_MIX_WHEEL_REJECT);

			uint64_t clk = starts[s] + d[n - 1];
			void *out[2];

			check_walk(w, starts[s], d, n);
			/* the span edge, from where the clock now is */
			assert_int_equal(vh_mix_wheel_insert(w, obj(1), clk + span), -ERANGE);
			assert_int_equal(vh_mix_wheel_insert(w, obj(2), clk + span - 1), 0);
			assert_int_equal(vh_mix_wheel_expire(w, clk + span - 2, out, 2), 0);
			assert_int_equal(vh_mix_wheel_expire(w, clk + span - 1, out, 2), 1);
			assert_ptr_equal(out[0], obj(2));
			vh_mix_wheel_free(w);
		}
	}
}

/* A worker that slept: now jumps past the whole span and more. */
static void
test_jump(void **state)
{
	const uint64_t tick = 1000000; /* 1 ms in ns */
	struct vh_mix_wheel *w = mk(tick, 2, 4096, 5 * tick, VH_MIX_WHEEL_CLAMP);
	uint64_t span = vh_mix_wheel_span(w), last = 0, now;
	void *out[OUT_MAX];
	unsigned int got;

	(void)state;
	assert_int_equal(span, 65536 * tick);
	for (uintptr_t i = 1; i <= 3000; i++)
		assert_int_equal(
			vh_mix_wheel_insert(w, obj(i), 5 * tick + (i * 2654435761u) % span), 0);
	now = 5 * tick + 10 * span + 12345;
	got = vh_mix_wheel_expire(w, now, out, OUT_MAX);
	assert_int_equal(got, 3000);
	for (unsigned int g = 0; g < got; g++) {
		uintptr_t i = (uintptr_t)out[g];
		uint64_t due = 5 * tick + (i * 2654435761u) % span;
		uint64_t t = due / tick + (due % tick != 0);

		assert_true(t >= last); /* due-tick order */
		last = t;
	}
	assert_int_equal(vh_mix_wheel_count(w), 0);
	/* the clock is now `now`: a 5-tick delay counts from there */
	assert_int_equal(vh_mix_wheel_insert(w, obj(9), now + 5 * tick), 0);
	assert_int_equal(vh_mix_wheel_expire(w, now + 4 * tick, out, OUT_MAX), 0);
	assert_int_equal(vh_mix_wheel_expire(w, now + 6 * tick, out, OUT_MAX), 1);
	/* an empty wheel jumps far ahead in one call (base: a whole tick) */
	now = (UINT64_C(1) << 62) - (UINT64_C(1) << 62) % tick;
	assert_int_equal(vh_mix_wheel_expire(w, now, out, OUT_MAX), 0);
	assert_int_equal(vh_mix_wheel_insert(w, obj(10), now + 300 * tick), 0);
	assert_int_equal(vh_mix_wheel_expire(w, now + 300 * tick - 1, out, OUT_MAX), 0);
	assert_int_equal(vh_mix_wheel_expire(w, now + 300 * tick, out, OUT_MAX), 1);
	vh_mix_wheel_free(w);
}

static void
test_full(void **state)
{
	struct vh_mix_wheel *w = mk(1, 2, 4, 0, VH_MIX_WHEEL_CLAMP);
	struct vh_mix_wheel_stats st;
	void *out[8];

	(void)state;
	for (uintptr_t i = 1; i <= 4; i++)
		assert_int_equal(vh_mix_wheel_insert(w, obj(i), i * 1000), 0);
	assert_int_equal(vh_mix_wheel_insert(w, obj(5), 1), -ENOSPC);
	assert_int_equal(vh_mix_wheel_insert(w, obj(6), 1), -ENOSPC);
	vh_mix_wheel_stats_get(w, &st);
	assert_int_equal(st.full, 2);
	assert_int_equal(st.inserted, 4);
	assert_int_equal(vh_mix_wheel_count(w), 4);
	assert_int_equal(vh_mix_wheel_expire(w, 1000, out, 8), 1);
	assert_ptr_equal(out[0], obj(1));
	assert_int_equal(vh_mix_wheel_insert(w, obj(7), 1500), 0);
	assert_int_equal(vh_mix_wheel_insert(w, obj(8), 1500), -ENOSPC);
	assert_int_equal(vh_mix_wheel_expire(w, 1500, out, 8), 1);
	assert_ptr_equal(out[0], obj(7));
	vh_mix_wheel_free(w);
}

static void
test_span_edges(void **state)
{
	const uint64_t tick = 1000;
	struct vh_mix_wheel *r = mk(tick, 2, 8, 0, VH_MIX_WHEEL_REJECT);
	struct vh_mix_wheel *c = mk(tick, 2, 8, 0, VH_MIX_WHEEL_CLAMP);
	uint64_t span = vh_mix_wheel_span(r);
	struct vh_mix_wheel_stats st;
	void *out[8];

	(void)state;
	assert_int_equal(span, 65536 * tick);
	/* the longest delay: span - 1 tick; span itself is too far */
	assert_int_equal(vh_mix_wheel_insert(r, obj(1), span - tick), 0);
	assert_int_equal(vh_mix_wheel_insert(r, obj(2), span - tick + 1), -ERANGE);
	assert_int_equal(vh_mix_wheel_insert(r, obj(3), UINT64_MAX), -ERANGE);
	vh_mix_wheel_stats_get(r, &st);
	assert_int_equal(st.too_far, 2);
	assert_int_equal(st.clamped, 0);
	assert_int_equal(vh_mix_wheel_expire(r, span - tick - 1, out, 8), 0);
	assert_int_equal(vh_mix_wheel_expire(r, span - tick, out, 8), 1);

	/* clamped: held for the longest delay instead */
	assert_int_equal(vh_mix_wheel_insert(c, obj(4), UINT64_MAX), 0);
	assert_int_equal(vh_mix_wheel_insert(c, obj(5), 10 * span), 0);
	vh_mix_wheel_stats_get(c, &st);
	assert_int_equal(st.clamped, 2);
	assert_int_equal(vh_mix_wheel_expire(c, span - tick - 1, out, 8), 0);
	assert_int_equal(vh_mix_wheel_expire(c, span - tick, out, 8), 2);
	vh_mix_wheel_free(r);
	vh_mix_wheel_free(c);
}

static void
test_drain(void **state)
{
	struct vh_mix_wheel *w = mk(1, 3, 2000, 77, VH_MIX_WHEEL_CLAMP);
	struct vh_mix_wheel_stats st;
	uint8_t seen[1501] = {0};
	void *out[7];
	unsigned int got, total = 0;

	(void)state;
	for (uintptr_t i = 1; i <= 1500; i++)
		assert_int_equal(vh_mix_wheel_insert(w, obj(i), 77 + (i * i * 131) % 20000000), 0);
	assert_int_equal(vh_mix_wheel_expire(w, 5000, (void **)out, 0), 0);
	while ((got = vh_mix_wheel_drain(w, out, 7)) > 0) {
		assert_true(got <= 7);
		for (unsigned int g = 0; g < got; g++) {
			uintptr_t i = (uintptr_t)out[g];

			assert_true(i >= 1 && i <= 1500);
			if (i <= 1500) {
				assert_int_equal(seen[i], 0);
				seen[i] = 1;
			}
		}
		total += got;
	}
	assert_int_equal(total, 1500);
	assert_int_equal(vh_mix_wheel_count(w), 0);
	vh_mix_wheel_stats_get(w, &st);
	assert_int_equal(st.drained, 1500);
	/* the pool is whole again */
	for (uintptr_t i = 1; i <= 2000; i++)
		assert_int_equal(vh_mix_wheel_insert(w, obj(i), 100), 0);
	assert_int_equal(vh_mix_wheel_insert(w, obj(1), 100), -ENOSPC);
	vh_mix_wheel_free(w);
}

/* A small out array: the rest waits, in order, and the clock waits too. */
static void
test_partial(void **state)
{
	struct vh_mix_wheel *w = mk(10, 2, 64, 0, VH_MIX_WHEEL_CLAMP);
	void *out[3];
	uintptr_t expect = 1;
	unsigned int got;

	(void)state;
	for (uintptr_t i = 1; i <= 10; i++)
		assert_int_equal(vh_mix_wheel_insert(w, obj(i), i <= 5 ? 100 : 5000), 0);
	while ((got = vh_mix_wheel_expire(w, 100000, out, 3)) > 0) {
		for (unsigned int g = 0; g < got; g++) {
			if (expect <= 5)
				assert_true((uintptr_t)out[g] <= 5);
			else
				assert_true((uintptr_t)out[g] > 5);
			expect++;
		}
	}
	assert_int_equal(expect, 11);
	vh_mix_wheel_free(w);
}

/* Memory: a fixed header plus one 24-byte entry per pooled object. */
static void
test_bytes(void **state)
{
	struct vh_mix_wheel *a = mk(1, 2, 1, 0, VH_MIX_WHEEL_CLAMP);
	struct vh_mix_wheel *b = mk(1, 2, 100001, 0, VH_MIX_WHEEL_CLAMP);

	(void)state;
	assert_int_equal(vh_mix_wheel_bytes(b) - vh_mix_wheel_bytes(a), 100000 * 24);
	printf("wheel: %zu bytes for 1 entry, %zu for 100001\n", vh_mix_wheel_bytes(a),
		vh_mix_wheel_bytes(b));
	vh_mix_wheel_free(a);
	vh_mix_wheel_free(b);
}

static uint64_t
rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
	return z ^ (z >> 31);
}

/* One randomized run of nr_ops operations, checked call by call. */
static void
random_run(uint64_t seed, const struct vh_mix_wheel_conf *c, unsigned int nr_ops)
{
	struct vh_mix_wheel *w = vh_mix_wheel_create(c);
	uint64_t span = (UINT64_C(1) << (8 * c->levels)) * c->tick, now = c->start, s = seed;
	struct wref r;
	static void *out[OUT_MAX];
	unsigned long ins = 0, exp = 0;

	assert_non_null(w);
	wref_init(&r, c);
	for (unsigned int op = 0; op < nr_ops; op++) {
		uint64_t x = rnd(&s), sel = x % 100;

		if (sel < 55) {
			uint64_t delay, due;
			size_t id = 0;
			int want, rc;

			switch ((x >> 8) % 6) {
			case 0: /* within level 0 */
				delay = (x >> 16) % (256 * c->tick);
				break;
			case 1:
			case 2: /* anywhere in the span */
				delay = (x >> 16) % span;
				break;
			case 3: /* around the span edge */
				delay = span - c->tick * 2 + (x >> 16) % (c->tick * 4);
				break;
			case 4: /* already due */
				delay = 0;
				break;
			default: /* exponential-ish, mean span / 64 */
				delay = (uint64_t)((double)span / 64 *
						   -log(((x >> 11) + 1) * 0x1p-53));
				break;
			}
			due = (x >> 8) % 6 == 4 ? now - (x >> 16) % (now + 1) : now + delay;
			want = wref_insert(&r, due, &id);
			rc = vh_mix_wheel_insert(w, wref_obj(id), due);
			if (want == 0 && rc != 0) {
				/* keep the model in step before failing */
				r.alive[id] = 0;
				r.live--;
			}
			assert_int_equal(rc, want);
			ins += rc == 0;
		} else if (sel < 97) {
			unsigned int max =
				(x >> 8) % 8 == 0 ? (unsigned int)((x >> 16) % 5) : OUT_MAX;
			unsigned int got;

			switch ((x >> 24) % 10) {
			case 0: /* jump, sometimes past the whole span */
				now += (x >> 32) % (3 * span);
				break;
			case 1: /* backwards */
				now -= (x >> 32) % (1000 * c->tick) % (now + 1);
				break;
			default:
				now += (x >> 32) % (c->tick * 40);
				break;
			}
			got = vh_mix_wheel_expire(w, now, out, max);
			if (wref_expire(&r, now, out, got, max) != 0)
				fail_msg(
					"seed %llu op %u: %s", (unsigned long long)seed, op, r.why);
			exp += got;
		} else {
			unsigned int max = (unsigned int)(x >> 8) % 50;
			unsigned int got = vh_mix_wheel_drain(w, out, max);

			if (wref_drain(&r, out, got, max) != 0)
				fail_msg(
					"seed %llu op %u: %s", (unsigned long long)seed, op, r.why);
		}
		assert_int_equal(vh_mix_wheel_count(w), r.live);
	}
	printf("seed %llu levels %u tick %llu cap %u: %lu inserted, %lu expired, %u left\n",
		(unsigned long long)seed, c->levels, (unsigned long long)c->tick, c->capacity, ins,
		exp, r.live);
	assert_true(exp >= 1000);
	wref_fini(&r);
	vh_mix_wheel_free(w);
}

static void
test_random(void **state)
{
	const struct vh_mix_wheel_conf confs[] = {
		{.tick = 1, .levels = 2, .capacity = 5000, .start = 0},
		{.tick = 1000,
			.levels = 3,
			.capacity = 3000,
			.start = 123456789,
			.overflow = VH_MIX_WHEEL_REJECT},
		{.tick = 7, .levels = 1, .capacity = 100, .start = 1u << 31},
		{.tick = 3, .levels = 4, .capacity = 2000, .start = (UINT64_C(1) << 32) * 3 - 40},
		{.tick = 1000000, .levels = 2, .capacity = 50, .start = 1700000000000000000},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(confs) / sizeof(confs[0]); i++)
		random_run(1000 + i, &confs[i], 100000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_conf),
		cmocka_unit_test(test_boundaries),
		cmocka_unit_test(test_levels_order),
		cmocka_unit_test(test_wrap_every_level),
		cmocka_unit_test(test_jump),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_span_edges),
		cmocka_unit_test(test_drain),
		cmocka_unit_test(test_partial),
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
