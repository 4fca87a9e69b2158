/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Replay window: first packet, in-order runs, the window's exact edge,
 * bitmap wrap, far-future jumps, duplicates, the counter limit, random
 * reordering within the window (each counter accepted exactly once),
 * checked against a straightforward model.
 */
#include <stdlib.h>

#include "link_test.h"

#define W VH_VEIL_REPLAY_WINDOW

/* check then update, as a receive path does around decryption */
static int
accept(struct vh_veil_replay *w, uint64_t c)
{
	int rc = vh_veil_replay_check(w, c);

	if (rc != 0)
		return rc;
	return vh_veil_replay_update(w, c);
}

static void
test_basics(void **state)
{
	struct vh_veil_replay w;

	(void)state;
	assert_int_equal(W, 8128);
	assert_int_equal(VH_VEIL_REJECT_AFTER_MESSAGES, UINT64_MAX - 8191);
	vh_veil_replay_init(&w);
	/* The first packet may have any counter (reordering at start). */
	assert_int_equal(vh_veil_replay_check(&w, 5), 0);
	assert_int_equal(accept(&w, 5), 0);
	assert_int_equal(accept(&w, 5), -EALREADY);
	assert_int_equal(accept(&w, 0), 0);
	assert_int_equal(accept(&w, 0), -EALREADY);
	assert_int_equal(accept(&w, 4), 0);
	assert_int_equal(accept(&w, 6), 0);
	assert_int_equal(vh_veil_replay_check(&w, 6), -EALREADY);
	assert_int_equal(vh_veil_replay_check(&w, 3), 0);
	/* check is read-only */
	assert_int_equal(vh_veil_replay_check(&w, 3), 0);
	assert_int_equal(vh_veil_replay_check(NULL, 3), -EINVAL);
	assert_int_equal(vh_veil_replay_update(NULL, 3), -EINVAL);
	/* update alone catches a duplicate that passed check twice (one burst) */
	assert_int_equal(vh_veil_replay_check(&w, 100), 0);
	assert_int_equal(vh_veil_replay_check(&w, 100), 0);
	assert_int_equal(vh_veil_replay_update(&w, 100), 0);
	assert_int_equal(vh_veil_replay_update(&w, 100), -EALREADY);
}

static void
test_in_order(void **state)
{
	struct vh_veil_replay w;

	(void)state;
	vh_veil_replay_init(&w);
	for (uint64_t c = 0; c < 100000; c++)
		assert_int_equal(accept(&w, c), 0);
	/* Every one of them is now a duplicate or too old. */
	for (uint64_t c = 0; c < 100000; c++) {
		int rc = vh_veil_replay_check(&w, c);

		assert_int_equal(rc, 100000 - c <= W ? -EALREADY : -ESTALE);
	}
	assert_int_equal(accept(&w, 100000), 0);
}

static void
test_window_edge(void **state)
{
	struct vh_veil_replay w;
	uint64_t top = 50000;

	(void)state;
	vh_veil_replay_init(&w);
	assert_int_equal(accept(&w, top), 0);
	/* Exactly W behind the highest + 1 is the oldest still accepted. */
	assert_int_equal(vh_veil_replay_check(&w, top + 1 - W), 0);
	assert_int_equal(vh_veil_replay_check(&w, top - W), -ESTALE);
	assert_int_equal(accept(&w, top + 1 - W), 0);
	assert_int_equal(accept(&w, top + 1 - W), -EALREADY);
	/* Moving forward by one pushes that one out. */
	assert_int_equal(accept(&w, top + 1), 0);
	assert_int_equal(vh_veil_replay_check(&w, top + 1 - W), -ESTALE);
	assert_int_equal(vh_veil_replay_check(&w, top + 2 - W), 0);
}

/* Slide across many bitmap wraps in steps that cross word boundaries. */
static void
test_wrap(void **state)
{
	struct vh_veil_replay w;
	const uint64_t steps[] = {1, 63, 64, 65, 127, 4000, W - 1, W, W + 64, 8192, 8193};

	(void)state;
	for (size_t s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
		uint64_t c = 0;

		vh_veil_replay_init(&w);
		for (int i = 0; i < 40; i++, c += steps[s]) {
			assert_int_equal(accept(&w, c), 0);
			assert_int_equal(accept(&w, c), -EALREADY);
			/* A counter just behind, never seen, is new if in the window. */
			if (c >= 1 && steps[s] > 1)
				assert_int_equal(vh_veil_replay_check(&w, c - 1), 0);
			/* the previous one: seen, or out of the window */
			if (i > 0)
				assert_int_equal(vh_veil_replay_check(&w, c - steps[s]),
					steps[s] + 1 <= W ? -EALREADY : -ESTALE);
		}
	}
}

static void
test_far_future(void **state)
{
	struct vh_veil_replay w;

	(void)state;
	vh_veil_replay_init(&w);
	for (uint64_t c = 0; c < 3000; c++)
		assert_int_equal(accept(&w, c), 0);
	/* A jump far ahead: the whole old window is gone, no stale bit survives. */
	uint64_t far = (1ULL << 40) + 17;

	assert_int_equal(accept(&w, far), 0);
	for (uint64_t c = 0; c < 3000; c++)
		assert_int_equal(vh_veil_replay_check(&w, c), -ESTALE);
	for (uint64_t c = far - W + 1; c < far; c++)
		assert_int_equal(vh_veil_replay_check(&w, c), 0);
	assert_int_equal(vh_veil_replay_check(&w, far), -EALREADY);
	/* Jumps of exactly one bitmap make the ring alias: bits must be clear. */
	vh_veil_replay_init(&w);
	assert_int_equal(accept(&w, 10), 0);
	assert_int_equal(accept(&w, 10 + VH_VEIL_REPLAY_BITS), 0);
	assert_int_equal(vh_veil_replay_check(&w, 10 + VH_VEIL_REPLAY_BITS - 64), 0);
	assert_int_equal(accept(&w, 10 + 2 * VH_VEIL_REPLAY_BITS + 64), 0);
	assert_int_equal(vh_veil_replay_check(&w, 10 + 2 * VH_VEIL_REPLAY_BITS + 63), 0);
}

static void
test_limit(void **state)
{
	struct vh_veil_replay w;
	const uint64_t lim = VH_VEIL_REJECT_AFTER_MESSAGES;

	(void)state;
	vh_veil_replay_init(&w);
	assert_int_equal(accept(&w, lim - 1), 0);
	assert_int_equal(accept(&w, lim), -ERANGE);
	assert_int_equal(accept(&w, UINT64_MAX), -ERANGE);
	assert_int_equal(vh_veil_replay_check(&w, lim - 1), -EALREADY);
	assert_int_equal(accept(&w, lim - 2), 0);
	assert_int_equal(vh_veil_replay_check(&w, lim - 1 - W), -ESTALE);
}

struct slot {
	uint64_t key;
	uint64_t c;
};

static int
by_key(const void *a, const void *b)
{
	const struct slot *x = a, *y = b;

	return x->key < y->key ? -1 : x->key > y->key;
}

/*
 * Packets 0..N-1 each sent twice, delivered sorted by position + a random
 * delay of up to SPREAD (< the window) positions: every counter is accepted
 * exactly once and every second copy refused (as a duplicate, or as too
 * old once the window has passed it).
 */
static void
test_random_reorder(void **state)
{
	enum { N = 60000, SPREAD = 7000 };
	static struct slot order[2 * N];
	static uint8_t seen[N];
	struct vh_veil_replay w;
	size_t accepted = 0, dups = 0;
	uint64_t highest = 0;

	(void)state;
	for (size_t i = 0; i < 2 * N; i++) {
		order[i].c = i / 2;
		order[i].key = 2 * (uint64_t)i + 2 * randombytes_uniform(SPREAD);
	}
	qsort(order, 2 * N, sizeof(order[0]), by_key);
	vh_veil_replay_init(&w);
	for (size_t i = 0; i < 2 * N; i++) {
		uint64_t c = order[i].c;
		int rc = accept(&w, c);

		if (accepted > 0 && highest >= c + W) {
			assert_int_equal(rc, -ESTALE);
			assert_true(seen[c]); /* only ever a second copy */
		} else if (seen[c]) {
			assert_int_equal(rc, -EALREADY);
			dups++;
		} else {
			assert_int_equal(rc, 0);
			seen[c] = 1;
			accepted++;
			if (c > highest)
				highest = c;
		}
	}
	assert_int_equal(accepted, N);
	assert_true(dups > N / 2);
}

/* Random counters against a model that remembers every accepted one. */
static void
test_model(void **state)
{
	enum { N = 30000 };
	static uint64_t acc[N];
	struct vh_veil_replay w;
	size_t n = 0;
	uint64_t top = 0;
	bool any = false;

	(void)state;
	vh_veil_replay_init(&w);
	for (int i = 0; i < N; i++) {
		uint64_t c = any && top > 9000 ? top - 9000 + randombytes_uniform(9500)
					       : randombytes_uniform(12000);
		bool dup = false;
		int want, rc;

		for (size_t j = 0; j < n; j++)
			dup |= acc[j] == c;
		if (any && c + W <= top)
			want = -ESTALE;
		else
			want = dup ? -EALREADY : 0;
		rc = accept(&w, c);
		assert_int_equal(rc, want);
		if (rc == 0) {
			acc[n++] = c;
			if (!any || c > top)
				top = c;
			any = true;
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basics),
		cmocka_unit_test(test_in_order),
		cmocka_unit_test(test_window_edge),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_far_future),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_random_reorder),
		cmocka_unit_test(test_model),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
