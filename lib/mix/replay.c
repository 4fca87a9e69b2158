/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Replay filter: a blocked Bloom filter (Putze, Sanders, Singler 2007) of
 * 512-bit blocks, one cache line each. A tag picks one block and sets k
 * bits in it, so a lookup touches one line whatever k is.
 *
 * The tag is SHA-512/256 of the packet's group element: already uniform, so
 * the block index and the bit positions are read straight from disjoint bits
 * of it (32 bits for the block, 9 bits per position); hashing again would
 * cost time and make it no more uniform. See docs/mix-datapath.md for what
 * a sender grinding alphas can and cannot do to that.
 *
 * Sizing: a block's load is Poisson with mean n / nr_blocks, and a block
 * holding i tags answers a fresh tag wrongly with probability
 * (1 - (1 - 1/512)^(k i))^k. The plan sums that over the load, which is why
 * it needs more memory than the textbook m = -n ln p / ln^2 2 of an
 * unblocked filter.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "vh_mix.h"

#define BLOCK_BYTES (VH_MIX_REPLAY_BLOCK_BITS / 8)
#define BLOCK_WORDS (VH_MIX_REPLAY_BLOCK_BITS / 64)
#define MAX_BLOCKS (UINT64_C(1) << 32)
#define MAX_LOCKS 4096u

struct vh_mix_replay {
	uint64_t *bits; /* nr_blocks * 8 words, 64-byte aligned */
	uint8_t *locks; /* striped spinlocks for the _mt variant */
	uint64_t nr_blocks;
	uint64_t capacity;
	uint64_t count;
	uint32_t lock_mask;
	unsigned int k;
	double fp_at_capacity;
};

double
vh_mix_replay_fp_predict(uint64_t nr_blocks, unsigned int k, uint64_t n)
{
	double lambda, sd, lo, hi, sum = 0, miss;

	if (nr_blocks == 0 || k == 0)
		return 1.0;
	if (n == 0)
		return 0.0;
	lambda = (double)n / (double)nr_blocks;
	sd = sqrt(lambda);
	lo = floor(lambda - 14 * sd - 10);
	hi = ceil(lambda + 14 * sd + 40);
	miss = log1p(-1.0 / VH_MIX_REPLAY_BLOCK_BITS);
	/* An integer counter: a double one stops counting past 2^53. */
	for (uint64_t j = lo < 0 ? 0 : (uint64_t)lo; j <= (uint64_t)hi; j++) {
		double i = (double)j;
		double p = exp(-lambda + i * log(lambda) - lgamma(i + 1));

		sum += p * pow(-expm1(miss * k * i), k);
	}
	return sum > 1.0 ? 1.0 : sum;
}

/* Fewest blocks at which k bits per tag reach fp_rate, or 0 if none do. */
static uint64_t
blocks_for(uint64_t capacity, unsigned int k, double fp_rate)
{
	uint64_t lo = 1, hi = MAX_BLOCKS;

	if (vh_mix_replay_fp_predict(hi, k, capacity) > fp_rate)
		return 0;
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (vh_mix_replay_fp_predict(mid, k, capacity) <= fp_rate)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

int
vh_mix_replay_plan(uint64_t capacity, double fp_rate, struct vh_mix_replay_plan *plan)
{
	uint64_t best = 0;
	unsigned int best_k = 0;

	if (plan == NULL || capacity == 0 || !(fp_rate >= 1e-12 && fp_rate <= 0.5))
		return -EINVAL;
	for (unsigned int k = 1; k <= VH_MIX_REPLAY_MAX_K; k++) {
		uint64_t n = blocks_for(capacity, k, fp_rate);

		if (n != 0 && (best == 0 || n < best)) {
			best = n;
			best_k = k;
		}
	}
	if (best == 0)
		return -E2BIG;
	plan->nr_blocks = best;
	plan->k = best_k;
	plan->fp_at_capacity = vh_mix_replay_fp_predict(best, best_k, capacity);
	return 0;
}

struct vh_mix_replay *
vh_mix_replay_create(uint64_t capacity, double fp_rate)
{
	struct vh_mix_replay_plan plan;
	struct vh_mix_replay *f;
	int rc = vh_mix_replay_plan(capacity, fp_rate, &plan);

	if (rc < 0) {
		errno = -rc;
		return NULL;
	}
	f = calloc(1, sizeof(*f));
	if (f == NULL)
		return NULL;
	f->nr_blocks = plan.nr_blocks;
	f->k = plan.k;
	f->fp_at_capacity = plan.fp_at_capacity;
	f->capacity = capacity;
	f->lock_mask = MAX_LOCKS - 1;
	f->bits = aligned_alloc(BLOCK_BYTES, plan.nr_blocks * BLOCK_BYTES);
	f->locks = calloc(f->lock_mask + 1, 1);
	if (f->bits == NULL || f->locks == NULL) {
		vh_mix_replay_free(f);
		errno = ENOMEM;
		return NULL;
	}
	/* Touch every page now, not on the data path. */
	memset(f->bits, 0, plan.nr_blocks * BLOCK_BYTES);
	return f;
}

void
vh_mix_replay_free(struct vh_mix_replay *f)
{
	if (f == NULL)
		return;
	free(f->bits);
	free(f->locks);
	free(f);
}

/* The tag's block and its k bits in that block, as 8 word masks. */
static uint64_t *
locate(const struct vh_mix_replay *f, const uint8_t *tag, uint64_t mask[BLOCK_WORDS])
{
	uint32_t b32 = (uint32_t)tag[0] | (uint32_t)tag[1] << 8 | (uint32_t)tag[2] << 16 |
		       (uint32_t)tag[3] << 24;
	/* Multiply-shift maps 32 uniform bits onto [0, nr_blocks) evenly enough. */
	uint64_t block = ((uint64_t)b32 * f->nr_blocks) >> 32;

	memset(mask, 0, BLOCK_WORDS * sizeof(mask[0]));
	for (unsigned int j = 0, off = 32; j < f->k; j++, off += 9) {
		unsigned int v = ((unsigned int)tag[off / 8] | (unsigned int)tag[off / 8 + 1] << 8);
		unsigned int pos = (v >> (off % 8)) & (VH_MIX_REPLAY_BLOCK_BITS - 1);

		mask[pos / 64] |= UINT64_C(1) << (pos % 64);
	}
	return f->bits + block * BLOCK_WORDS;
}

static int
test_mask(const uint64_t *blk, const uint64_t *mask)
{
	uint64_t missing = 0;

	for (unsigned int w = 0; w < BLOCK_WORDS; w++)
		missing |= mask[w] & ~blk[w];
	return missing == 0;
}

static void
set_mask(uint64_t *blk, const uint64_t *mask)
{
	for (unsigned int w = 0; w < BLOCK_WORDS; w++)
		blk[w] |= mask[w];
}

int
vh_mix_replay_test_and_set(struct vh_mix_replay *f, const uint8_t tag[VH_SPHINX_REPLAY_TAG_LEN])
{
	uint64_t mask[BLOCK_WORDS];
	uint64_t *blk;

	if (f == NULL || tag == NULL)
		return -EINVAL;
	blk = locate(f, tag, mask);
	if (test_mask(blk, mask))
		return 1;
	set_mask(blk, mask);
	f->count++;
	return 0;
}

static void
lock(uint8_t *l)
{
	while (__atomic_test_and_set(l, __ATOMIC_ACQUIRE)) {
		while (__atomic_load_n(l, __ATOMIC_RELAXED)) {
#if defined(__x86_64__) || defined(__i386__)
			__builtin_ia32_pause();
#endif
		}
	}
}

int
vh_mix_replay_test_and_set_mt(struct vh_mix_replay *f, const uint8_t tag[VH_SPHINX_REPLAY_TAG_LEN])
{
	uint64_t mask[BLOCK_WORDS];
	uint64_t *blk;
	uint8_t *l;
	int seen;

	if (f == NULL || tag == NULL)
		return -EINVAL;
	blk = locate(f, tag, mask);
	l = &f->locks[(uint64_t)(blk - f->bits) / BLOCK_WORDS & f->lock_mask];
	lock(l);
	seen = test_mask(blk, mask);
	if (!seen)
		set_mask(blk, mask);
	__atomic_clear(l, __ATOMIC_RELEASE);
	if (!seen)
		__atomic_fetch_add(&f->count, 1, __ATOMIC_RELAXED);
	return seen;
}

int
vh_mix_replay_test(const struct vh_mix_replay *f, const uint8_t tag[VH_SPHINX_REPLAY_TAG_LEN])
{
	uint64_t mask[BLOCK_WORDS];

	if (f == NULL || tag == NULL)
		return -EINVAL;
	return test_mask(locate(f, tag, mask), mask);
}

uint64_t
vh_mix_replay_count(const struct vh_mix_replay *f)
{
	if (f == NULL)
		return 0;
	return __atomic_load_n(&f->count, __ATOMIC_RELAXED);
}

uint64_t
vh_mix_replay_capacity(const struct vh_mix_replay *f)
{
	if (f == NULL)
		return 0;
	return f->capacity;
}

bool
vh_mix_replay_saturated(const struct vh_mix_replay *f)
{
	if (f == NULL)
		return false;
	return vh_mix_replay_count(f) > f->capacity;
}

double
vh_mix_replay_fp_now(const struct vh_mix_replay *f)
{
	if (f == NULL)
		return 0.0;
	return vh_mix_replay_fp_predict(f->nr_blocks, f->k, vh_mix_replay_count(f));
}

size_t
vh_mix_replay_bytes(const struct vh_mix_replay *f)
{
	if (f == NULL)
		return 0;
	return sizeof(*f) + (size_t)f->nr_blocks * BLOCK_BYTES + f->lock_mask + 1;
}

void
vh_mix_replay_plan_get(const struct vh_mix_replay *f, struct vh_mix_replay_plan *plan)
{
	if (f == NULL || plan == NULL)
		return;
	plan->nr_blocks = f->nr_blocks;
	plan->k = f->k;
	plan->fp_at_capacity = f->fp_at_capacity;
}

void
vh_mix_replay_reset(struct vh_mix_replay *f)
{
	if (f == NULL)
		return;
	memset(f->bits, 0, f->nr_blocks * BLOCK_BYTES);
	f->count = 0;
}

size_t
vh_mix_replay_image_len(const struct vh_mix_replay *f)
{
	return f == NULL ? 0 : (size_t)f->nr_blocks * BLOCK_BYTES;
}

/* Words are stored little-endian, so an image reads the same on any host. */
static inline uint64_t
to_le(uint64_t w)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return __builtin_bswap64(w);
#else
	return w;
#endif
}

int
vh_mix_replay_save(const struct vh_mix_replay *f, uint8_t *out, size_t len)
{
	if (f == NULL || out == NULL || len != vh_mix_replay_image_len(f))
		return -EINVAL;
	for (uint64_t i = 0; i < f->nr_blocks * BLOCK_WORDS; i++) {
		uint64_t w = to_le(__atomic_load_n(&f->bits[i], __ATOMIC_RELAXED));

		memcpy(out + i * 8, &w, 8);
	}
	return 0;
}

int
vh_mix_replay_load(struct vh_mix_replay *f, const uint8_t *in, size_t len, uint64_t count)
{
	if (f == NULL || in == NULL || len != vh_mix_replay_image_len(f))
		return -EINVAL;
	for (uint64_t i = 0; i < f->nr_blocks * BLOCK_WORDS; i++) {
		uint64_t w;

		memcpy(&w, in + i * 8, 8);
		f->bits[i] = to_le(w);
	}
	f->count = count;
	return 0;
}

int
vh_mix_replay_copy(struct vh_mix_replay *dst, const struct vh_mix_replay *src)
{
	if (dst == NULL || src == NULL || dst->nr_blocks != src->nr_blocks || dst->k != src->k)
		return -EINVAL;
	memcpy(dst->bits, src->bits, (size_t)src->nr_blocks * BLOCK_BYTES);
	dst->count = vh_mix_replay_count(src);
	return 0;
}
