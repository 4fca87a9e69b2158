/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vh-perf-sphinx: what one core does per Sphinx packet at a mixnode, against
 * the X25519 ceiling, measured in the same invocation.
 *
 * The worker loop, per burst of 32: read the clock once; per packet copy it
 * into a work buffer (it stands in for the mbuf; unwrap works in place),
 * vh_sphinx_unwrap() with the node key, look its replay tag up in a replay
 * filter sized for 10M tags at 1e-6 (46 MiB, so the lookup misses the cache
 * as in production), read its NodeDelay and insert it into the delay wheel;
 * then expire the wheel. Packets come from a pool of pre-built ones
 * (Katzenpost's production geometry: 5 hops, 2000-byte payload with SURB,
 * 3082 bytes) because building one costs ten times an unwrap. Unwrapping is
 * deterministic, so each copy of a pool packet has the same replay tag: the
 * tag handed to the filter has the packet counter XORed into it, which makes
 * every lookup a new tag at a random block, the production case (a real
 * replay would be dropped after the unwrap and be cheaper).
 *
 * The ceiling is two X25519 scalar multiplications per packet (the shared
 * secret and the blinded group element), measured with libsodium's
 * crypto_scalarmult. Rounds of both alternate; the best round of each counts
 * (the machine is shared). Cycles are TSC cycles.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <x86intrin.h>

#include <sodium.h>

#include "vh_mix.h"

#define BURST 32
#define NR_HOPS 5
#define USER_PAYLOAD 2000
#define DELAY_MEAN_MS 50.0
#define NS_PER_MS 1000000ull

struct bench {
	struct vh_sphinx_geometry geo;
	uint8_t node_key[VH_SPHINX_KEY_LEN];
	uint8_t *pool; /* nr_pool packets */
	uint32_t *delays;
	unsigned int nr_pool;
	uint8_t *work; /* BURST packets */
	struct vh_mix_replay *replay;
	struct vh_mix_wheel *wheel;
	uint64_t counter, forwarded, replayed;
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int
sys_rng(void *ctx, uint8_t *buf, size_t len)
{
	(void)ctx;
	randombytes_buf(buf, len);
	return 0;
}

/* An exponential delay in ms, as a client draws NodeDelay (Loopix). */
static uint32_t
exp_delay_ms(void)
{
	double u = ((double)randombytes_uniform(1u << 30) + 1) / (double)(1u << 30);

	return (uint32_t)(-log(u) * DELAY_MEAN_MS);
}

static int
build_pool(struct bench *b)
{
	struct vh_sphinx_hop path[NR_HOPS];
	struct vh_sphinx_cmd cmds[NR_HOPS];
	uint8_t priv[NR_HOPS][VH_SPHINX_KEY_LEN];
	uint8_t *payload = calloc(1, b->geo.forward_payload_len);
	int rc = 0;

	if (payload == NULL)
		return -ENOMEM;
	for (unsigned int i = 0; i < NR_HOPS; i++) {
		randombytes_buf(priv[i], sizeof(priv[i]));
		randombytes_buf(path[i].id, sizeof(path[i].id));
		crypto_scalarmult_base(path[i].public_key, priv[i]);
		memset(&cmds[i], 0, sizeof(cmds[i]));
		path[i].cmds = &cmds[i];
		path[i].nr_cmds = 1;
		cmds[i].type = i + 1 < NR_HOPS ? VH_SPHINX_CMD_NODE_DELAY : VH_SPHINX_CMD_RECIPIENT;
	}
	memcpy(b->node_key, priv[0], sizeof(b->node_key));
	for (unsigned int p = 0; p < b->nr_pool && rc == 0; p++) {
		b->delays[p] = exp_delay_ms();
		cmds[0].u.delay = b->delays[p];
		randombytes_buf(payload, b->geo.forward_payload_len);
		rc = vh_sphinx_new_packet(&b->geo, path, NR_HOPS, payload,
			b->geo.forward_payload_len, sys_rng, NULL, b->pool + p * b->geo.packet_len,
			b->geo.packet_len);
	}
	sodium_memzero(priv, sizeof(priv));
	free(payload);
	return rc;
}

/* Check once that every pool packet unwraps to a forward with its delay. */
static int
check_pool(struct bench *b)
{
	struct vh_sphinx_unwrap_result res;

	for (unsigned int p = 0; p < b->nr_pool; p++) {
		memcpy(b->work, b->pool + p * b->geo.packet_len, b->geo.packet_len);
		if (vh_sphinx_unwrap(&b->geo, b->node_key, b->work, b->geo.packet_len, &res) != 0 ||
			res.next_hop < 0 || res.cmds[0].type != VH_SPHINX_CMD_NODE_DELAY ||
			res.cmds[0].u.delay != b->delays[p])
			return -EBADMSG;
	}
	return 0;
}

static uint64_t
mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/*
 * Make copy number c of a pool packet's tag a new, uniformly spread tag, as
 * a fresh packet's hash would be: all 256 bits change (the filter reads the
 * block from the top of the first 32 bits, so flipping low bits would not do).
 */
static void
fresh_tag(uint8_t *tag, uint64_t c)
{
	for (unsigned int w = 0; w < 4; w++) {
		uint64_t v, m = mix64(c * 4 + w + 0x9e3779b97f4a7c15ull);

		memcpy(&v, tag + 8 * w, 8);
		v ^= m;
		memcpy(tag + 8 * w, &v, 8);
	}
}

static uint32_t
node_delay(const struct vh_sphinx_unwrap_result *res)
{
	for (size_t i = 0; i < res->nr_cmds; i++)
		if (res->cmds[i].type == VH_SPHINX_CMD_NODE_DELAY)
			return res->cmds[i].u.delay;
	return 0;
}

/* One burst of the worker loop; returns -1 on an unexpected unwrap failure. */
static int
mix_burst(struct bench *b, int full)
{
	struct vh_sphinx_unwrap_result res;
	uint64_t now = now_ns();
	void *out[BURST * 2];
	size_t len = b->geo.packet_len;

	for (unsigned int j = 0; j < BURST; j++) {
		uint8_t *pkt = b->work + j * len;
		uint64_t c = b->counter++;

		memcpy(pkt, b->pool + (c % b->nr_pool) * len, len);
		if (vh_sphinx_unwrap(&b->geo, b->node_key, pkt, len, &res) != 0)
			return -1;
		if (!full)
			continue;
		fresh_tag(res.replay_tag, c);
		if (vh_mix_replay_test_and_set(b->replay, res.replay_tag) != 0) {
			b->replayed++;
			continue;
		}
		/* the object would be the mbuf; the pool index stands in */
		vh_mix_wheel_insert(b->wheel, (void *)(uintptr_t)(c + 1),
			now + (uint64_t)node_delay(&res) * NS_PER_MS);
	}
	if (full)
		b->forwarded += vh_mix_wheel_expire(b->wheel, now, out, BURST * 2);
	return 0;
}

struct rate {
	double per_s;
	double cycles;
};

/* Run fn over bursts for about `secs`, return operations/s and cycles/op. */
static struct rate
run_mix(struct bench *b, double secs, int full)
{
	uint64_t n = 0, c0 = __rdtsc();
	double t0 = now_s(), t;

	do {
		if (mix_burst(b, full) != 0) {
			fprintf(stderr, "vh-perf-sphinx: unwrap failed\n");
			exit(1);
		}
		n += BURST;
		t = now_s();
	} while (t - t0 < secs);
	return (struct rate){n / (t - t0), (double)(__rdtsc() - c0) / (double)n};
}

static struct rate
run_x25519(const uint8_t *point, double secs)
{
	uint8_t scalar[32], out[32] = {0};
	uint64_t n = 0, c0 = __rdtsc();
	double t0 = now_s(), t;

	randombytes_buf(scalar, sizeof(scalar));
	do {
		for (int i = 0; i < 16; i++) {
			scalar[i & 31] ^= out[i & 31];
			if (crypto_scalarmult(out, scalar, point) != 0)
				exit(1);
		}
		n += 16;
		t = now_s();
	} while (t - t0 < secs);
	return (struct rate){n / (t - t0), (double)(__rdtsc() - c0) / (double)n};
}

/* Per-packet cost of the parts around the unwrap, each alone. */
static void
parts(struct bench *b, double tsc_hz)
{
	enum { N = 200000 };
	uint8_t tag[VH_SPHINX_REPLAY_TAG_LEN] = {0};
	void *out[64];
	uint64_t c0, c1, now = now_ns();
	struct vh_mix_replay *f = vh_mix_replay_create(10000000, 1e-6);
	struct vh_mix_wheel_conf wc = {.tick = NS_PER_MS, .levels = 2, .capacity = N, .start = now};
	struct vh_mix_wheel *w = vh_mix_wheel_create(&wc);
	size_t len = b->geo.packet_len;

	if (f == NULL || w == NULL) {
		fprintf(stderr, "vh-perf-sphinx: out of memory\n");
		exit(1);
	}
	c0 = __rdtsc();
	for (unsigned int i = 0; i < N; i++)
		memcpy(b->work + (i % BURST) * len, b->pool + (i % b->nr_pool) * len, len);
	c1 = __rdtsc();
	printf("  copy of a %zu-byte packet:        %7.0f cycles\n", len, (double)(c1 - c0) / N);
	c0 = __rdtsc();
	for (uint64_t i = 0; i < N; i++) {
		fresh_tag(tag, i);
		if (vh_mix_replay_test_and_set(f, tag) < 0)
			exit(1);
	}
	c1 = __rdtsc();
	printf("  replay test-and-set (46 MiB):     %7.0f cycles (tag making included)\n",
		(double)(c1 - c0) / N);
	c0 = __rdtsc();
	for (unsigned int i = 0; i < N; i++) {
		vh_mix_wheel_insert(w, (void *)(uintptr_t)(i + 1),
			now + (uint64_t)b->delays[i % b->nr_pool] * NS_PER_MS);
		if (i % BURST == BURST - 1) {
			/* the clock moves 1 ms per burst: entries come and go */
			now += NS_PER_MS;
			vh_mix_wheel_expire(w, now, out, 64);
		}
	}
	c1 = __rdtsc();
	printf("  wheel insert + expire share:      %7.0f cycles (%u held at the end)\n",
		(double)(c1 - c0) / N, vh_mix_wheel_count(w));
	(void)tsc_hz;
	vh_mix_replay_free(f);
	vh_mix_wheel_free(w);
}

static void
usage(void)
{
	fprintf(stderr, "usage: vh-perf-sphinx [-r rounds] [-s seconds per round] [-p pool]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct bench b = {0};
	struct vh_mix_wheel_conf wc = {.tick = NS_PER_MS, .levels = 2, .capacity = 1u << 16};
	struct rate x = {0}, m = {0}, u = {0};
	unsigned int rounds = 3;
	double secs = 1.0, tsc_hz, bound;
	const char *why;
	uint64_t c0;
	double t0;
	int opt, rc = 1;

	b.nr_pool = 64;
	while ((opt = getopt(argc, argv, "r:s:p:")) != -1) {
		if (opt == 'r')
			rounds = (unsigned int)strtoul(optarg, NULL, 10);
		else if (opt == 's')
			secs = strtod(optarg, NULL);
		else if (opt == 'p')
			b.nr_pool = (unsigned int)strtoul(optarg, NULL, 10);
		else
			usage();
	}
	if (rounds == 0 || !(secs > 0) || b.nr_pool == 0)
		usage();
	if (sodium_init() < 0 || vh_mix_cpu_supported(&why) != 0) {
		fprintf(stderr, "vh-perf-sphinx: cannot run here\n");
		return 1;
	}
	if (vh_sphinx_geometry_init(&b.geo, NR_HOPS, USER_PAYLOAD, true) != 0)
		return 1;
	b.pool = malloc(b.nr_pool * b.geo.packet_len);
	b.delays = calloc(b.nr_pool, sizeof(*b.delays));
	b.work = aligned_alloc(64, BURST * ((b.geo.packet_len + 63) & ~(size_t)63));
	b.replay = vh_mix_replay_create(10000000, 1e-6);
	wc.start = now_ns();
	b.wheel = vh_mix_wheel_create(&wc);
	if (b.pool == NULL || b.delays == NULL || b.work == NULL || b.replay == NULL ||
		b.wheel == NULL) {
		fprintf(stderr, "vh-perf-sphinx: out of memory\n");
		goto out;
	}
	printf("vh-perf-sphinx: %d-hop geometry, %d-byte payload with SURB: %zu-byte packets, "
	       "pool of %u; replay filter %.1f MiB; %u rounds of %.1f s\n",
		NR_HOPS, USER_PAYLOAD, b.geo.packet_len, b.nr_pool,
		(double)vh_mix_replay_bytes(b.replay) / 1048576, rounds, secs);
	if (build_pool(&b) != 0 || check_pool(&b) != 0) {
		fprintf(stderr, "vh-perf-sphinx: could not build or check the packet pool\n");
		goto out;
	}
	c0 = __rdtsc();
	t0 = now_s();
	for (unsigned int r = 0; r < rounds; r++) {
		struct rate rx = run_x25519(b.pool + VH_SPHINX_AD_LEN, secs);
		struct rate rm = run_mix(&b, secs, 1);
		struct rate ru = run_mix(&b, secs / 2, 0);

		printf("round %u: X25519 %.0f/s, worker %.0f packets/s, unwrap only %.0f/s\n", r,
			rx.per_s, rm.per_s, ru.per_s);
		if (rx.per_s > x.per_s)
			x = rx;
		if (rm.per_s > m.per_s)
			m = rm;
		if (ru.per_s > u.per_s)
			u = ru;
	}
	tsc_hz = (double)(__rdtsc() - c0) / (now_s() - t0);
	bound = x.per_s / 2;
	printf("\nbest of %u rounds (TSC %.2f GHz):\n", rounds, tsc_hz / 1e9);
	printf("  bare X25519 (libsodium):          %9.0f ops/s  %7.1f us  %8.0f cycles\n", x.per_s,
		1e6 / x.per_s, x.cycles);
	printf("  bound, 2 X25519 per packet:       %9.0f packets/s\n", bound);
	printf("  worker (unwrap+replay+wheel):     %9.0f packets/s  %7.1f us  %8.0f cycles\n",
		m.per_s, 1e6 / m.per_s, m.cycles);
	printf("  unwrap only (copy + unwrap):      %9.0f packets/s  %7.1f us  %8.0f cycles\n",
		u.per_s, 1e6 / u.per_s, u.cycles);
	printf("  ratio worker / bound:             %9.3f (goal >= 0.8)\n", m.per_s / bound);
	printf("  cycles per packet outside X25519: %9.0f (worker), %.0f (unwrap only)\n",
		m.cycles - 2 * x.cycles, u.cycles - 2 * x.cycles);
	printf("  forwarded by the wheel: %llu, refused by the filter: %llu, held: %u\n",
		(unsigned long long)b.forwarded, (unsigned long long)b.replayed,
		vh_mix_wheel_count(b.wheel));
	printf("\nparts, alone, per packet:\n");
	parts(&b, tsc_hz);
	printf("\npublished anchors (other machines, other code):\n");
	printf("  Nym sphinx bench_process:          157.3 us/unwrap (6356/s)\n");
	printf("  Katzenpost X25519 NIKE unwrap:     144.7 us/unwrap (6910/s)\n");
	printf("  QNet target:                       25000 packets/s per mixnode\n");
	printf("  this run:                          %.1f us/packet (%.0f/s per core)\n",
		1e6 / m.per_s, m.per_s);
	rc = 0;
out:
	vh_mix_replay_free(b.replay);
	vh_mix_wheel_free(b.wheel);
	free(b.pool);
	free(b.delays);
	free(b.work);
	return rc;
}
