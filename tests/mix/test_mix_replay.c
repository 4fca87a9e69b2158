/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Replay filter: argument checks, the sizing against its formula (minimal
 * and consistent with a binomial computation written here independently),
 * no false negatives ever, the measured false-positive rate at capacity
 * within 2x of the configured one (PRNG tags and real SHA-256 outputs),
 * saturation, reset, and the shared-filter variant under two threads.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "vh_mix.h"

#define TAG VH_SPHINX_REPLAY_TAG_LEN

static uint64_t
rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
	return z ^ (z >> 31);
}

/* Tag number i of stream `stream`: splitmix output, distinct per (stream, i). */
static void
prng_tag(uint64_t stream, uint64_t i, uint8_t tag[TAG])
{
	uint64_t s = stream * 0x100000000ull + i;

	for (int w = 0; w < 4; w++) {
		uint64_t v = rnd(&s);

		memcpy(tag + 8 * w, &v, 8);
	}
}

/* A real hash output, as the Sphinx replay tag is. */
static void
sha_tag(uint64_t stream, uint64_t i, uint8_t tag[TAG])
{
	uint8_t in[16];

	memcpy(in, &stream, 8);
	memcpy(in + 8, &i, 8);
	crypto_hash_sha256(tag, in, sizeof(in));
}

static void
test_args(void **state)
{
	struct vh_mix_replay_plan plan;
	uint8_t tag[TAG] = {0};

	(void)state;
	assert_int_equal(vh_mix_replay_plan(0, 1e-3, &plan), -EINVAL);
	assert_int_equal(vh_mix_replay_plan(10, 0, &plan), -EINVAL);
	assert_int_equal(vh_mix_replay_plan(10, 0.6, &plan), -EINVAL);
	assert_int_equal(vh_mix_replay_plan(10, NAN, &plan), -EINVAL);
	assert_int_equal(vh_mix_replay_plan(10, 1e-13, &plan), -EINVAL);
	assert_int_equal(vh_mix_replay_plan(10, 1e-3, NULL), -EINVAL);
	/* 2^40 tags at 1e-12 would need more than 2^32 blocks */
	assert_int_equal(vh_mix_replay_plan(UINT64_C(1) << 40, 1e-12, &plan), -E2BIG);
	errno = 0;
	assert_null(vh_mix_replay_create(0, 1e-3));
	assert_int_equal(errno, EINVAL);
	assert_int_equal(vh_mix_replay_test_and_set(NULL, tag), -EINVAL);
	assert_int_equal(vh_mix_replay_test_and_set_mt(NULL, tag), -EINVAL);
	assert_int_equal(vh_mix_replay_test(NULL, tag), -EINVAL);
	assert_int_equal(vh_mix_replay_count(NULL), 0);
	assert_int_equal(vh_mix_replay_bytes(NULL), 0);
	vh_mix_replay_free(NULL);
}

/* The same prediction, from the binomial block load instead of Poisson. */
static double
fp_binomial(uint64_t blocks, unsigned int k, uint64_t n)
{
	double q = 1.0 / (double)blocks, sum = 0;

	for (uint64_t i = 0; i <= n && i < 2000; i++) {
		double lp = lgamma((double)n + 1) - lgamma((double)i + 1) -
			    lgamma((double)(n - i) + 1) + (double)i * log(q) +
			    (double)(n - i) * log1p(-q);
		double f = pow(1 - pow(1 - 1.0 / 512, (double)k * (double)i), k);

		sum += exp(lp) * f;
	}
	return sum;
}

static void
test_sizing(void **state)
{
	static const struct {
		uint64_t n;
		double p;
	} cases[] = {{1000, 1e-2}, {100000, 1e-3}, {100000, 1e-6}, {10000000, 1e-6}, {123457, 0.3},
		{50, 1e-9}};

	(void)state;
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct vh_mix_replay_plan plan;
		double textbook = -(double)cases[c].n * log(cases[c].p) / (M_LN2 * M_LN2);

		assert_int_equal(vh_mix_replay_plan(cases[c].n, cases[c].p, &plan), 0);
		assert_true(plan.k >= 1 && plan.k <= VH_MIX_REPLAY_MAX_K);
		/* meets the rate, and is the fewest blocks any k meets it with */
		assert_true(plan.fp_at_capacity <= cases[c].p);
		assert_true(plan.fp_at_capacity ==
			    vh_mix_replay_fp_predict(plan.nr_blocks, plan.k, cases[c].n));
		for (unsigned int k = 1; k <= VH_MIX_REPLAY_MAX_K && plan.nr_blocks > 1; k++)
			assert_true(vh_mix_replay_fp_predict(plan.nr_blocks - 1, k, cases[c].n) >
				    cases[c].p);
		/* a blocked filter needs at least the unblocked filter's bits */
		assert_true((double)plan.nr_blocks * 512 >= textbook * 0.999);
		/* the Poisson load model agrees with the exact binomial one once
		 * there are enough blocks for it to be a model at all */
		if (cases[c].n <= 100000 && plan.nr_blocks >= 1000) {
			double b = fp_binomial(plan.nr_blocks, plan.k, cases[c].n);

			assert_true(fabs(b - plan.fp_at_capacity) <= 0.02 * b);
		}
		printf("n=%llu p=%g: %llu blocks (%.1f MiB), k=%u, %.2f bits/tag "
		       "(unblocked optimum %.2f), predicted %.3g\n",
			(unsigned long long)cases[c].n, cases[c].p,
			(unsigned long long)plan.nr_blocks, (double)plan.nr_blocks * 64 / 1048576,
			plan.k, (double)plan.nr_blocks * 512 / (double)cases[c].n,
			textbook / (double)cases[c].n, plan.fp_at_capacity);
	}
	/* bytes: the bit array, one 64-byte line per block, plus fixed overhead */
	{
		struct vh_mix_replay *a = vh_mix_replay_create(100000, 1e-3);
		struct vh_mix_replay *b = vh_mix_replay_create(200000, 1e-3);
		struct vh_mix_replay_plan pa, pb;

		assert_non_null(a);
		assert_non_null(b);
		vh_mix_replay_plan_get(a, &pa);
		vh_mix_replay_plan_get(b, &pb);
		assert_true(vh_mix_replay_bytes(a) >= pa.nr_blocks * 64);
		assert_int_equal(vh_mix_replay_bytes(b) - vh_mix_replay_bytes(a),
			(pb.nr_blocks - pa.nr_blocks) * 64);
		assert_int_equal(vh_mix_replay_capacity(a), 100000);
		vh_mix_replay_free(a);
		vh_mix_replay_free(b);
	}
}

/* Fill to capacity, check every inserted tag, then measure the FP rate. */
static void
fill_and_measure(uint64_t n, double p, void (*mktag)(uint64_t, uint64_t, uint8_t *))
{
	struct vh_mix_replay *f = vh_mix_replay_create(n, p);
	uint64_t zeros = 0, fps = 0, queries = (uint64_t)(2000 / p);
	uint8_t tag[TAG];
	double measured;

	assert_non_null(f);
	for (uint64_t i = 0; i < n; i++) {
		mktag(1, i, tag);
		zeros += vh_mix_replay_test_and_set(f, tag) == 0;
	}
	assert_int_equal(vh_mix_replay_count(f), zeros);
	/* a tag is answered "new" only when it is, so at most n - zeros
	 * insertions were false positives: the rate to expect of a filter
	 * filling up, far below p at the end */
	assert_true((double)(n - zeros) <= 2 * p * (double)n + 10);
	assert_false(vh_mix_replay_saturated(f));
	/* no false negatives, ever */
	for (uint64_t i = 0; i < n; i++) {
		mktag(1, i, tag);
		assert_int_equal(vh_mix_replay_test(f, tag), 1);
		assert_int_equal(vh_mix_replay_test_and_set(f, tag), 1);
	}
	assert_int_equal(vh_mix_replay_count(f), zeros);
	for (uint64_t i = 0; i < queries; i++) {
		mktag(2, i, tag);
		fps += vh_mix_replay_test(f, tag) == 1;
	}
	measured = (double)fps / (double)queries;
	printf("n=%llu p=%g: measured %.3g over %llu fresh tags (%llu hits), predicted %.3g\n",
		(unsigned long long)n, p, measured, (unsigned long long)queries,
		(unsigned long long)fps, vh_mix_replay_fp_now(f));
	assert_true(measured <= 2 * p);
	assert_true(measured >= p / 2);
	vh_mix_replay_free(f);
}

static void
test_fp_prng(void **state)
{
	(void)state;
	fill_and_measure(100000, 1e-2, prng_tag);
	fill_and_measure(200000, 1e-3, prng_tag);
	fill_and_measure(20000, 1e-4, prng_tag);
}

static void
test_fp_sha256(void **state)
{
	(void)state;
	fill_and_measure(100000, 1e-3, sha_tag);
}

static void
test_saturation(void **state)
{
	struct vh_mix_replay *f = vh_mix_replay_create(1000, 1e-3);
	uint8_t tag[TAG];
	uint64_t i = 0;
	double before;

	(void)state;
	assert_non_null(f);
	while (vh_mix_replay_count(f) < 1000) {
		prng_tag(3, i++, tag);
		vh_mix_replay_test_and_set(f, tag);
	}
	assert_false(vh_mix_replay_saturated(f));
	before = vh_mix_replay_fp_now(f);
	assert_true(before <= 1e-3);
	while (vh_mix_replay_count(f) < 1001) {
		prng_tag(3, i++, tag);
		vh_mix_replay_test_and_set(f, tag);
	}
	assert_true(vh_mix_replay_saturated(f));
	/* it keeps accepting; its predicted rate goes up as it fills */
	while (vh_mix_replay_count(f) < 4000) {
		prng_tag(3, i++, tag);
		assert_true(vh_mix_replay_test_and_set(f, tag) >= 0);
	}
	assert_true(vh_mix_replay_fp_now(f) > 10 * before);
	printf("saturated at 4x capacity: predicted fp %.3g (was %.3g)\n", vh_mix_replay_fp_now(f),
		before);
	for (uint64_t j = 0; j < i; j++) {
		prng_tag(3, j, tag);
		assert_int_equal(vh_mix_replay_test(f, tag), 1);
	}
	/* reset: a new epoch in the same memory */
	vh_mix_replay_reset(f);
	assert_int_equal(vh_mix_replay_count(f), 0);
	assert_false(vh_mix_replay_saturated(f));
	prng_tag(3, 0, tag);
	assert_int_equal(vh_mix_replay_test_and_set(f, tag), 0);
	assert_int_equal(vh_mix_replay_test_and_set(f, tag), 1);
	vh_mix_replay_free(f);
}

#define MT_TAGS 200000

struct mt_arg {
	struct vh_mix_replay *f;
	uint8_t *res;
	pthread_barrier_t *bar;
};

static void *
mt_worker(void *p)
{
	struct mt_arg *a = p;
	uint8_t tag[TAG];

	pthread_barrier_wait(a->bar);
	for (uint64_t i = 0; i < MT_TAGS; i++) {
		prng_tag(4, i, tag);
		a->res[i] = (uint8_t)vh_mix_replay_test_and_set_mt(a->f, tag);
	}
	return NULL;
}

/* Two threads submit the same tags in the same order: each new tag is let
 * through by exactly one of them. */
static void
test_mt(void **state)
{
	struct vh_mix_replay *f = vh_mix_replay_create(MT_TAGS, 1e-6);
	static uint8_t res[2][MT_TAGS];
	pthread_barrier_t bar;
	struct mt_arg args[2];
	pthread_t th[2];
	uint64_t zeros = 0, both_seen = 0;

	(void)state;
	assert_non_null(f);
	pthread_barrier_init(&bar, NULL, 2);
	for (int t = 0; t < 2; t++) {
		args[t] = (struct mt_arg){.f = f, .res = res[t], .bar = &bar};
		assert_int_equal(pthread_create(&th[t], NULL, mt_worker, &args[t]), 0);
	}
	for (int t = 0; t < 2; t++)
		pthread_join(th[t], NULL);
	pthread_barrier_destroy(&bar);
	for (uint64_t i = 0; i < MT_TAGS; i++) {
		assert_true(res[0][i] <= 1 && res[1][i] <= 1);
		assert_false(res[0][i] == 0 && res[1][i] == 0);
		zeros += (res[0][i] == 0) + (res[1][i] == 0);
		both_seen += res[0][i] == 1 && res[1][i] == 1;
	}
	assert_int_equal(vh_mix_replay_count(f), zeros);
	/* only false positives are refused by both: a handful at most */
	assert_true(both_seen < 20);
	vh_mix_replay_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_args),
		cmocka_unit_test(test_sizing),
		cmocka_unit_test(test_fp_prng),
		cmocka_unit_test(test_fp_sha256),
		cmocka_unit_test(test_saturation),
		cmocka_unit_test(test_mt),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
