/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vh-perf-noise: full Noise handshakes per second on one core (both sides
 * in this process, as a node answering handshakes does half of each),
 * against the bound set by the X25519 operations a handshake needs,
 * measured with bare libsodium calls in the same invocation:
 *
 *   XX: 2 key generations (fixed-base) + 6 DH (ee, es, se on each side)
 *   IK: 2 key generations (fixed-base) + 8 DH (es, ss, ee, se on each side)
 *
 *   vh-perf-noise [-t SECONDS]   (3 interleaved rounds of each, best of each)
 */
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vh_veil.h"

#define MAX_D(a, b) ((a) > (b) ? (a) : (b))

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Operations per second of op() over about `secs` seconds. */
static double
rate(double secs, int (*op)(void *), void *arg)
{
	double t0 = now_s(), t;
	unsigned long n = 0;

	do {
		for (int i = 0; i < 64; i++)
			if (op(arg) != 0)
				return -1;
		n += 64;
		t = now_s() - t0;
	} while (t < secs);
	return (double)n / t;
}

struct dh {
	uint8_t sk[32], pk[32], out[32];
};

static int
bare_dh(void *arg)
{
	struct dh *d = arg;

	/* separate output buffer: libsodium gives wrong results in place */
	if (crypto_scalarmult(d->out, d->sk, d->pk) != 0)
		return -1;
	d->sk[0] ^= d->out[1]; /* keep the compiler from hoisting anything */
	return 0;
}

static int
bare_base(void *arg)
{
	struct dh *d = arg;

	crypto_scalarmult_base(d->out, d->sk);
	d->sk[0] ^= d->out[1];
	return 0;
}

struct hs_bench {
	enum vh_noise_pattern pattern;
	struct vh_noise_keypair si, sr;
};

static int
step(struct vh_noise_hs *w, struct vh_noise_hs *r)
{
	uint8_t msg[256], pl[64];
	size_t len, plen;

	if (vh_noise_write_message(w, NULL, 0, msg, sizeof(msg), &len) != 0)
		return -1;
	return vh_noise_read_message(r, msg, len, pl, sizeof(pl), &plen);
}

static int
handshake(void *arg)
{
	struct hs_bench *b = arg;
	struct vh_noise_hs_conf ci = {.pattern = b->pattern,
		.hash = VH_NOISE_SHA256,
		.initiator = true,
		.local_static = &b->si,
		.remote_static = b->pattern == VH_NOISE_IK ? b->sr.pub : NULL};
	struct vh_noise_hs_conf cr = {.pattern = b->pattern,
		.hash = VH_NOISE_SHA256,
		.initiator = false,
		.local_static = &b->sr};
	struct vh_noise_hs hi, hr;
	struct vh_noise_cs s1, r1, s2, r2;
	int rc = -1;

	if (vh_noise_hs_init(&hi, &ci) != 0 || vh_noise_hs_init(&hr, &cr) != 0)
		return -1;
	if (step(&hi, &hr) != 0 || step(&hr, &hi) != 0)
		goto out;
	if (b->pattern == VH_NOISE_XX && step(&hi, &hr) != 0)
		goto out;
	if (!vh_noise_is_complete(&hi) || !vh_noise_is_complete(&hr))
		goto out;
	rc = vh_noise_split(&hi, &s1, &r1) | vh_noise_split(&hr, &s2, &r2);
out:
	vh_noise_hs_wipe(&hi);
	vh_noise_hs_wipe(&hr);
	return rc;
}

int
main(int argc, char **argv)
{
	double secs = 2.0, dh, base, xx, ik, bxx, bik;
	struct hs_bench b;
	struct dh d;
	int c;

	while ((c = getopt(argc, argv, "t:")) != -1) {
		if (c != 't' || atof(optarg) <= 0) {
			fprintf(stderr, "usage: %s [-t SECONDS]\n", argv[0]);
			return 2;
		}
		secs = atof(optarg);
	}
	if (sodium_init() < 0)
		return 1;
	randombytes_buf(d.sk, sizeof(d.sk));
	crypto_scalarmult_base(d.pk, d.sk);
	if (vh_noise_keypair_generate(&b.si, NULL, NULL) != 0 ||
		vh_noise_keypair_generate(&b.sr, NULL, NULL) != 0)
		return 1;
	/* interleaved rounds, best of each: the machine is shared */
	dh = base = xx = ik = 0;
	for (int round = 0; round < 3; round++) {
		dh = MAX_D(dh, rate(secs, bare_dh, &d));
		base = MAX_D(base, rate(secs, bare_base, &d));
		b.pattern = VH_NOISE_XX;
		xx = MAX_D(xx, rate(secs, handshake, &b));
		b.pattern = VH_NOISE_IK;
		ik = MAX_D(ik, rate(secs, handshake, &b));
	}
	if (dh <= 0 || base <= 0 || xx <= 0 || ik <= 0) {
		fprintf(stderr, "a handshake failed\n");
		return 1;
	}
	bxx = 1.0 / (2.0 / base + 6.0 / dh);
	bik = 1.0 / (2.0 / base + 8.0 / dh);
	printf("bare X25519 (variable base)  %9.0f ops/s  %6.1f us\n", dh, 1e6 / dh);
	printf("bare X25519 (fixed base)     %9.0f ops/s  %6.1f us\n", base, 1e6 / base);
	printf("Noise_XX_25519_ChaChaPoly_SHA256  %7.0f handshakes/s  bound %7.0f  ratio %.2f"
	       "  (goal >= 0.8)\n",
		xx, bxx, xx / bxx);
	printf("Noise_IK_25519_ChaChaPoly_SHA256  %7.0f handshakes/s  bound %7.0f  ratio %.2f\n",
		ik, bik, ik / bik);
	printf("(both sides of every handshake run here: one side alone is twice the rate)\n");
	return 0;
}
