/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Loopix's client traffic (Piotrowska et al., USENIX Security 2017, 4.2):
 * three independent Poisson streams. The payload stream (lambda_p) sends
 * the next queued message or, with an empty queue, drop cover, so its rate
 * shows nothing about how much the user sends; loop cover (lambda_l) comes
 * back to the sender and exposes n-1 attacks; drop cover (lambda_d) is
 * discarded by a random node. Each stream's next time is its previous
 * scheduled time plus an Exp(1/lambda) gap, never "now" plus one: a caller
 * that polls late still emits at the configured rate.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "vh_mix.h"

enum { ST_P, ST_L, ST_D };

/* The next time after t for stream i, saturating at UINT64_MAX - 1. */
static int
advance(struct vh_mix_sched *s, unsigned int i, uint64_t t)
{
	double gap;
	int rc;

	if (s->lambda[i] == 0) {
		s->due[i] = UINT64_MAX;
		return 0;
	}
	rc = vh_mix_rand_exp(s->rng, s->rng_ctx, 1e9 / s->lambda[i], &gap);
	if (rc < 0)
		return rc;
	gap = floor(gap + 0.5);
	if (gap >= (double)(UINT64_MAX - 1 - t))
		s->due[i] = UINT64_MAX - 1;
	else
		s->due[i] = t + (uint64_t)gap;
	return 0;
}

int
vh_mix_sched_init(struct vh_mix_sched *s, const struct vh_mix_sched_conf *conf, uint64_t now_ns,
	vh_sphinx_rng_fn rng, void *rng_ctx)
{
	const double l[VH_MIX_SCHED_STREAMS] = {
		conf ? conf->lambda_p : 0, conf ? conf->lambda_l : 0, conf ? conf->lambda_d : 0};
	int rc;

	if (s == NULL || conf == NULL || rng == NULL)
		return -EINVAL;
	for (unsigned int i = 0; i < VH_MIX_SCHED_STREAMS; i++)
		if (!(l[i] >= 0) || !isfinite(l[i]) || l[i] > 1e9)
			return -EINVAL;
	memset(s, 0, sizeof(*s));
	s->rng = rng;
	s->rng_ctx = rng_ctx;
	for (unsigned int i = 0; i < VH_MIX_SCHED_STREAMS; i++) {
		s->lambda[i] = l[i];
		rc = advance(s, i, now_ns);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int
vh_mix_sched_next(
	struct vh_mix_sched *s, uint64_t now_ns, bool queued, enum vh_mix_event *ev, uint64_t *when)
{
	unsigned int first = 0;
	uint64_t t;
	int rc;

	if (s == NULL || ev == NULL || when == NULL)
		return -EINVAL;
	for (unsigned int i = 1; i < VH_MIX_SCHED_STREAMS; i++)
		if (s->due[i] < s->due[first])
			first = i;
	t = s->due[first];
	*when = t;
	if (t == UINT64_MAX)
		return -ENOENT;
	if (t > now_ns)
		return 0;
	rc = advance(s, first, t);
	if (rc < 0)
		return rc;
	if (first == ST_P)
		*ev = queued ? VH_MIX_EV_REAL : VH_MIX_EV_P_COVER;
	else
		*ev = first == ST_L ? VH_MIX_EV_LOOP : VH_MIX_EV_DROP;
	s->count[*ev - 1]++;
	return 1;
}

uint64_t
vh_mix_sched_count(const struct vh_mix_sched *s, enum vh_mix_event ev)
{
	if (s == NULL || ev < VH_MIX_EV_REAL || ev > VH_MIX_EV_DROP)
		return 0;
	return s->count[ev - 1];
}
