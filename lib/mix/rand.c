/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Random variates from the caller's byte RNG: uniform integers for path
 * selection, uniform reals and exponential variates (inverse transform) for
 * per-hop delays and Poisson inter-arrival times.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "vh_mix.h"

static int
rand_u64(vh_sphinx_rng_fn rng, void *ctx, uint64_t *v)
{
	uint8_t b[8];
	int rc;

	if (rng == NULL)
		return -EINVAL;
	rc = rng(ctx, b, sizeof(b));
	if (rc != 0)
		return rc < 0 ? rc : -EIO;
	*v = 0;
	for (int i = 0; i < 8; i++)
		*v = *v << 8 | b[i];
	return 0;
}

int
vh_mix_rand_below(vh_sphinx_rng_fn rng, void *rng_ctx, uint32_t n, uint32_t *out)
{
	uint64_t v, limit;
	int rc;

	if (n == 0 || out == NULL)
		return -EINVAL;
	/* Reject the top partial copy of [0, n) so every value is equally likely. */
	limit = UINT64_MAX - UINT64_MAX % n;
	do {
		rc = rand_u64(rng, rng_ctx, &v);
		if (rc < 0)
			return rc;
	} while (v >= limit);
	*out = (uint32_t)(v % n);
	return 0;
}

int
vh_mix_rand_unit(vh_sphinx_rng_fn rng, void *rng_ctx, double *out)
{
	uint64_t v;
	int rc;

	if (out == NULL)
		return -EINVAL;
	rc = rand_u64(rng, rng_ctx, &v);
	if (rc < 0)
		return rc;
	*out = (double)(v >> 11) * 0x1p-53;
	return 0;
}

int
vh_mix_rand_exp(vh_sphinx_rng_fn rng, void *rng_ctx, double mean, double *out)
{
	double u;
	int rc;

	if (out == NULL || !(mean > 0) || !isfinite(mean))
		return -EINVAL;
	rc = vh_mix_rand_unit(rng, rng_ctx, &u);
	if (rc < 0)
		return rc;
	/* 1 - u is in (0, 1], so the log is finite: at most 53 ln 2 means. */
	*out = -mean * log1p(-u);
	return 0;
}
