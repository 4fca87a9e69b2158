/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Client side: the exponential delay sampler against the exponential CDF
 * (one-sample Kolmogorov-Smirnov, fixed seed, and a wrong mean it must
 * reject), the NodeDelay commands a client writes, the Loopix scheduler's
 * rates, and a full round trip in memory: client -> entry -> mix -> exit ->
 * recipient with a SURB, and the reply back, through real key sets,
 * descriptors and a topology.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "mix_rng.h"
#include "vh_mix.h"

/* Kolmogorov-Smirnov critical value at alpha = 0.001: 1.949 / sqrt(n). */
#define KS_C001 1.949

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The KS statistic of x[0..n) against the exponential CDF of this mean. */
static double
ks_exp(double *x, size_t n, double mean)
{
	double d = 0;

	qsort(x, n, sizeof(x[0]), cmp_double);
	for (size_t i = 0; i < n; i++) {
		double f = -expm1(-x[i] / mean);

		d = fmax(d, fmax(f - (double)i / n, (double)(i + 1) / n - f));
	}
	return d;
}

static void
test_exp_sampler_ks(void **state)
{
	const size_t n = 20000;
	const double mean = 50.0, crit = KS_C001 / sqrt((double)n);
	double *x = malloc(n * sizeof(*x)), *y = malloc(n * sizeof(*y)), sum = 0, d_ok, d_bad;
	struct det_rng rng;

	(void)state;
	assert_non_null(x);
	assert_non_null(y);
	det_rng_init(&rng, 42);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(vh_mix_rand_exp(det_rng, &rng, mean, &x[i]), 0);
		assert_true(x[i] >= 0 && isfinite(x[i]));
		sum += x[i];
	}
	memcpy(y, x, n * sizeof(*x));
	d_ok = ks_exp(x, n, mean);
	d_bad = ks_exp(y, n, mean * 1.2);
	print_message("KS n=%zu mean=%.1f: D=%.5f, against mean*1.2: D=%.5f, critical %.5f\n", n,
		mean, d_ok, d_bad, crit);
	assert_true(d_ok < crit);
	assert_true(d_bad > crit); /* the test can tell a wrong mean */
	assert_true(fabs(sum / n - mean) < 4 * mean / sqrt((double)n));
	/* bad means and RNG failures */
	assert_int_equal(vh_mix_rand_exp(det_rng, &rng, 0, &x[0]), -EINVAL);
	assert_int_equal(vh_mix_rand_exp(det_rng, &rng, -1, &x[0]), -EINVAL);
	assert_int_equal(vh_mix_rand_exp(det_rng, &rng, INFINITY, &x[0]), -EINVAL);
	rng.fail_at = (int64_t)rng.calls;
	assert_int_equal(vh_mix_rand_exp(det_rng, &rng, 1, &x[0]), -EIO);
	free(x);
	free(y);
}

/* A mixnode in memory: identity, key set, verified descriptor. */
struct mnode {
	uint8_t pk[32], sk[64];
	struct vh_mix_descriptor desc;
	struct vh_mix_keys *keys;
};

#define NOW_MS 1700000000000ull
#define EPOCH_MS 1200000ull
#define NR_NODES 6

static struct vh_sphinx_geometry geo;
static struct mnode nodes[NR_NODES];
static struct vh_mix_topology *topo;
static uint8_t client_id[32], recipient_id[32];
static struct det_rng key_rng;

static int
setup(void **state)
{
	const struct vh_mix_epoch_conf conf = {.epoch_ms = EPOCH_MS,
		.grace_ms = 60000,
		.publish_ahead_ms = 600000,
		.replay_capacity = 10000,
		.replay_fp_rate = 1e-9};
	const uint8_t layers[NR_NODES] = {
		VH_MIX_LAYER_ENTRY, VH_MIX_LAYER_ENTRY, 1, 1, VH_MIX_LAYER_EXIT, VH_MIX_LAYER_EXIT};
	uint64_t epoch = vh_mix_epoch_at(NOW_MS, EPOCH_MS);
	uint8_t seed[32], buf[VH_MIX_DESC_MAX];

	(void)state;
	det_rng_init(&key_rng, 0x99);
	topo = vh_mix_topology_create(epoch, 1);
	if (topo == NULL)
		return -1;
	for (unsigned int i = 0; i < NR_NODES; i++) {
		struct mnode *m = &nodes[i];
		struct vh_mix_descriptor d = {.epoch = epoch, .layer = layers[i]};
		int len;

		memset(seed, (int)i + 1, sizeof(seed));
		crypto_sign_seed_keypair(m->pk, m->sk, seed);
		m->keys = vh_mix_keys_create(&conf, NOW_MS, det_rng, &key_rng);
		if (m->keys == NULL || vh_mix_keys_public(m->keys, epoch, d.mix_key) != 0)
			return -1;
		d.timestamp_ms = NOW_MS;
		len = vh_mix_descriptor_sign(&d, m->sk, buf, sizeof(buf));
		/* what a client would do with a descriptor fetched from the DHT */
		if (len < 0 || vh_mix_descriptor_verify(buf, (size_t)len, epoch, &m->desc) != 0 ||
			vh_mix_topology_add(topo, &m->desc) != 0)
			return -1;
	}
	memset(client_id, 0xc1, sizeof(client_id));
	memset(recipient_id, 0xe2, sizeof(recipient_id));
	return vh_sphinx_geometry_init(&geo, 3, 256, true);
}

static int
teardown(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < NR_NODES; i++)
		vh_mix_keys_free(nodes[i].keys);
	vh_mix_topology_free(topo);
	return 0;
}

static struct mnode *
node_by_id(const uint8_t *id)
{
	for (unsigned int i = 0; i < NR_NODES; i++)
		if (memcmp(nodes[i].desc.node_id, id, 32) == 0)
			return &nodes[i];
	return NULL;
}

/*
 * Carry pkt from first through the mixnet until a hop does not forward;
 * check each hop is the path's and each delay the one the sender drew.
 */
static void
walk(uint8_t *pkt, const uint8_t *first, const struct vh_mix_path_hop *path, size_t n,
	const uint32_t *delays, struct vh_mix_received *out)
{
	struct vh_sphinx_unwrap_result res;
	const uint8_t *id = first;

	for (size_t i = 0; i < n; i++) {
		struct mnode *m = node_by_id(id);
		uint64_t ep;

		assert_non_null(m);
		assert_memory_equal(id, path[i].node_id, 32);
		assert_int_equal(
			vh_mix_keys_unwrap(m->keys, &geo, pkt, geo.packet_len, &res, &ep), 0);
		assert_int_equal(ep, vh_mix_epoch_at(NOW_MS, EPOCH_MS));
		assert_int_equal(vh_mix_classify(&geo, &res, out), 0);
		if (i + 1 < n) {
			assert_int_equal(out->action, VH_MIX_FORWARD);
			if (delays != NULL)
				assert_int_equal(out->delay_ms, delays[i]);
			id = path[i + 1].node_id;
			assert_memory_equal(out->next_hop, id, 32);
		}
	}
	assert_int_not_equal(out->action, VH_MIX_FORWARD);
}

static void
test_round_trip_with_surb(void **state)
{
	struct vh_mix_path_hop path[3], rpath[3];
	struct vh_mix_surb_secret secret;
	struct vh_mix_received got;
	struct det_rng rng;
	uint8_t *pkt = malloc(geo.packet_len), *copy = malloc(geo.packet_len), first[32],
		rfirst[32];
	uint8_t surb[2048];
	uint32_t delays[2];
	const char *hello = "hello through three layers", *pong = "pong back by SURB";
	const uint8_t *msg;
	size_t msg_len;
	uint64_t ep;
	struct vh_sphinx_unwrap_result res;

	(void)state;
	det_rng_init(&rng, 7);
	assert_int_equal(vh_mix_topology_pick(topo, det_rng, &rng, path, 3), 3);
	assert_int_equal(vh_mix_topology_pick(topo, det_rng, &rng, rpath, 3), 3);
	struct vh_mix_send s = {.path = path,
		.nr_hops = 3,
		.recipient = recipient_id,
		.msg = (const uint8_t *)hello,
		.msg_len = strlen(hello),
		.mean_delay_ms = 500,
		.reply_path = rpath,
		.nr_reply_hops = 3,
		.reply_to = client_id};
	assert_int_equal(vh_mix_client_send(&geo, &s, det_rng, &rng, pkt, geo.packet_len, first,
				 delays, &secret),
		0);
	assert_memory_equal(first, path[0].node_id, 32);
	assert_int_equal(secret.keys_len, 4 * VH_SPHINX_SURB_KEY_LEN);
	memcpy(copy, pkt, geo.packet_len);

	/* Forward: entry and mix hops forward with the drawn delays; the exit delivers. */
	walk(pkt, first, path, 3, delays, &got);
	assert_int_equal(got.action, VH_MIX_DELIVER);
	assert_memory_equal(got.recipient, recipient_id, 32);
	assert_int_equal(got.msg_len, strlen(hello));
	assert_memory_equal(got.msg, hello, got.msg_len);
	assert_non_null(got.surb);
	assert_int_equal(got.surb_len, geo.surb_len);
	memcpy(surb, got.surb, got.surb_len);

	/* The same packet again is a replay at the entry. */
	assert_int_equal(
		vh_mix_keys_unwrap(node_by_id(first)->keys, &geo, copy, geo.packet_len, &res, &ep),
		-EALREADY);

	/* The recipient answers the SURB; the reply comes back to the client. */
	assert_int_equal(vh_mix_client_reply(&geo, surb, geo.surb_len, (const uint8_t *)pong,
				 strlen(pong), pkt, geo.packet_len, rfirst),
		0);
	assert_memory_equal(rfirst, rpath[0].node_id, 32);
	walk(pkt, rfirst, rpath, 3, NULL, &got);
	assert_int_equal(got.action, VH_MIX_SURB_REPLY);
	assert_memory_equal(got.recipient, client_id, 32);
	assert_memory_equal(got.surb_id, secret.id, VH_SPHINX_SURB_ID_LEN);
	memcpy(copy, got.body, got.body_len);
	assert_int_equal(
		vh_mix_client_open_reply(&geo, &secret, got.body, got.body_len, &msg, &msg_len), 0);
	assert_int_equal(msg_len, strlen(pong));
	assert_memory_equal(msg, pong, msg_len);
	/* single use: the secret is wiped, a second open fails */
	assert_true(sodium_is_zero((const uint8_t *)&secret, sizeof(secret)));
	assert_int_not_equal(
		vh_mix_client_open_reply(&geo, &secret, copy, got.body_len, &msg, &msg_len), 0);
	free(pkt);
	free(copy);
}

static void
test_send_without_surb_and_errors(void **state)
{
	struct vh_mix_path_hop path[3];
	struct vh_mix_received got;
	struct det_rng rng;
	struct vh_sphinx_geometry nosurb;
	uint8_t *pkt = malloc(geo.packet_len), first[32], big[300];
	uint32_t delays[2];

	(void)state;
	det_rng_init(&rng, 8);
	assert_int_equal(vh_mix_topology_pick(topo, det_rng, &rng, path, 3), 3);
	memset(big, 'x', sizeof(big));
	struct vh_mix_send s = {.path = path,
		.nr_hops = 3,
		.recipient = recipient_id,
		.msg = big,
		.msg_len = vh_mix_msg_max(&geo),
		.mean_delay_ms = 0};
	assert_int_equal(vh_mix_msg_max(&geo), 252);
	assert_int_equal(vh_mix_client_send(
				 &geo, &s, det_rng, &rng, pkt, geo.packet_len, first, delays, NULL),
		0);
	walk(pkt, first, path, 3, delays, &got);
	assert_int_equal(delays[0], 0); /* mean 0: no NodeDelay, delay 0 */
	assert_int_equal(got.action, VH_MIX_DELIVER);
	assert_null(got.surb);
	assert_int_equal(got.msg_len, 252);
	assert_memory_equal(got.msg, big, 252);
	/* too long, too many hops, a geometry without SURB room, short output, RNG failure */
	s.msg_len = 253;
	assert_int_equal(
		vh_mix_client_send(&geo, &s, det_rng, &rng, pkt, geo.packet_len, first, NULL, NULL),
		-EMSGSIZE);
	s.msg_len = 10;
	s.nr_hops = 4;
	assert_int_equal(
		vh_mix_client_send(&geo, &s, det_rng, &rng, pkt, geo.packet_len, first, NULL, NULL),
		-EINVAL);
	s.nr_hops = 3;
	assert_int_equal(vh_sphinx_geometry_init(&nosurb, 3, 256, false), 0);
	assert_int_equal(vh_mix_msg_max(&nosurb), 0);
	assert_int_equal(vh_mix_client_send(&nosurb, &s, det_rng, &rng, pkt, geo.packet_len, first,
				 NULL, NULL),
		-EINVAL);
	assert_int_equal(vh_mix_client_send(&geo, &s, det_rng, &rng, pkt, geo.packet_len - 1, first,
				 NULL, NULL),
		-ENOSPC);
	s.reply_path = path;
	s.nr_reply_hops = 3;
	s.reply_to = client_id;
	assert_int_equal(
		vh_mix_client_send(&geo, &s, det_rng, &rng, pkt, geo.packet_len, first, NULL, NULL),
		-EINVAL); /* a SURB needs somewhere to keep its secret */
	struct vh_mix_surb_secret secret;
	rng.fail_at = (int64_t)rng.calls + 2;
	assert_int_equal(vh_mix_client_send(&geo, &s, det_rng, &rng, pkt, geo.packet_len, first,
				 NULL, &secret),
		-EIO);
	assert_true(sodium_is_zero((const uint8_t *)&secret, sizeof(secret)));
	free(pkt);
}

/* The delays written into NodeDelay commands are exponential with the configured mean. */
static void
test_node_delays_ks(void **state)
{
	const size_t packets = 1500, n = 2 * packets;
	const double mean = 2000.0, crit = KS_C001 / sqrt((double)n);
	struct vh_mix_path_hop path[3];
	struct det_rng rng;
	uint8_t *pkt = malloc(geo.packet_len), first[32];
	double *x = malloc(n * sizeof(*x)), *y = malloc(n * sizeof(*y)), d_ok, d_bad;
	uint32_t delays[2];

	(void)state;
	det_rng_init(&rng, 11);
	assert_int_equal(vh_mix_topology_pick(topo, det_rng, &rng, path, 3), 3);
	struct vh_mix_send s = {.path = path,
		.nr_hops = 3,
		.recipient = recipient_id,
		.msg = (const uint8_t *)"x",
		.msg_len = 1,
		.mean_delay_ms = mean};
	for (size_t i = 0; i < packets; i++) {
		assert_int_equal(vh_mix_client_send(&geo, &s, det_rng, &rng, pkt, geo.packet_len,
					 first, delays, NULL),
			0);
		x[2 * i] = delays[0];
		x[2 * i + 1] = delays[1];
	}
	memcpy(y, x, n * sizeof(*x));
	d_ok = ks_exp(x, n, mean);
	d_bad = ks_exp(y, n, mean * 1.3);
	print_message("NodeDelay KS n=%zu mean=%.0f ms: D=%.5f, against mean*1.3: D=%.5f, "
		      "critical %.5f\n",
		n, mean, d_ok, d_bad, crit);
	assert_true(d_ok < crit);
	assert_true(d_bad > crit);
	/* the clamp */
	s.max_delay_ms = 1;
	assert_int_equal(vh_mix_client_send(
				 &geo, &s, det_rng, &rng, pkt, geo.packet_len, first, delays, NULL),
		0);
	assert_true(delays[0] <= 1 && delays[1] <= 1);
	free(pkt);
	free(x);
	free(y);
}

static void
test_scheduler_rates(void **state)
{
	const struct vh_mix_sched_conf conf = {.lambda_p = 10, .lambda_l = 5, .lambda_d = 2};
	const uint64_t start = 1000, T = 2000ull * 1000000000ull; /* 2000 s */
	const size_t max_gaps = 30000;
	struct vh_mix_sched s;
	struct det_rng rng;
	enum vh_mix_event ev;
	uint64_t when = 0, now = start, last = start, last_p = start, loops = 0;
	double *gaps = malloc(max_gaps * sizeof(*gaps));
	size_t ng = 0;
	unsigned int k = 0;
	int rc;

	(void)state;
	det_rng_init(&rng, 21);
	assert_int_equal(vh_mix_sched_init(&s, &conf, start, det_rng, &rng), 0);
	/* Step by step to the next event; the queue holds a message every third P slot. */
	for (;;) {
		rc = vh_mix_sched_next(&s, now, k % 3 == 0, &ev, &when);
		assert_true(rc >= 0);
		if (rc == 0) {
			assert_true(when > now);
			if (when >= start + T)
				break;
			now = when;
			continue;
		}
		assert_true(when >= last); /* events come out in time order */
		last = when;
		if (ev == VH_MIX_EV_REAL || ev == VH_MIX_EV_P_COVER) {
			assert_int_equal(ev, k % 3 == 0 ? VH_MIX_EV_REAL : VH_MIX_EV_P_COVER);
			k++;
			if (ng < max_gaps)
				gaps[ng++] = (double)(when - last_p) / 1e9;
			last_p = when;
		}
		loops++;
	}
	const double t = (double)T / 1e9;
	const double exp_cnt[3] = {conf.lambda_p * t, conf.lambda_l * t, conf.lambda_d * t};
	const uint64_t got[3] = {
		vh_mix_sched_count(&s, VH_MIX_EV_REAL) + vh_mix_sched_count(&s, VH_MIX_EV_P_COVER),
		vh_mix_sched_count(&s, VH_MIX_EV_LOOP), vh_mix_sched_count(&s, VH_MIX_EV_DROP)};
	print_message("scheduler over %.0f s: P %lu (expected %.0f), L %lu (%.0f), D %lu (%.0f)\n",
		t, (unsigned long)got[0], exp_cnt[0], (unsigned long)got[1], exp_cnt[1],
		(unsigned long)got[2], exp_cnt[2]);
	for (int i = 0; i < 3; i++) {
		/* Poisson counts: within 4 sd of lambda T, and far from 2 lambda T */
		assert_true(fabs((double)got[i] - exp_cnt[i]) < 4 * sqrt(exp_cnt[i]));
		assert_true(fabs((double)got[i] - 2 * exp_cnt[i]) > 10 * sqrt(2 * exp_cnt[i]));
	}
	assert_int_equal(got[0] + got[1] + got[2], loops);
	assert_int_equal(vh_mix_sched_count(&s, VH_MIX_EV_REAL), (got[0] + 2) / 3);
	/* P inter-arrival times are exponential with mean 1 / lambda_p. */
	assert_true(ks_exp(gaps, ng, 1.0 / conf.lambda_p) < KS_C001 / sqrt((double)ng));
	free(gaps);
}

static void
test_scheduler_late_caller_and_errors(void **state)
{
	const struct vh_mix_sched_conf conf = {.lambda_p = 0, .lambda_l = 100, .lambda_d = 0};
	const struct vh_mix_sched_conf off = {0, 0, 0}, bad = {-1, 0, 0};
	struct vh_mix_sched s;
	struct det_rng rng;
	enum vh_mix_event ev;
	uint64_t when, n = 0, prev = 0;

	(void)state;
	det_rng_init(&rng, 22);
	assert_int_equal(vh_mix_sched_init(&s, &conf, 0, det_rng, &rng), 0);
	/* A caller that wakes up only after 100 s still gets every event, in order. */
	while (vh_mix_sched_next(&s, 100000000000ull, false, &ev, &when) == 1) {
		assert_int_equal(ev, VH_MIX_EV_LOOP);
		assert_true(when >= prev && when <= 100000000000ull);
		prev = when;
		n++;
	}
	assert_true(fabs((double)n - 10000) < 400);
	assert_true(when > 100000000000ull);
	assert_int_equal(vh_mix_sched_init(&s, &off, 0, det_rng, &rng), 0);
	assert_int_equal(vh_mix_sched_next(&s, UINT64_MAX, true, &ev, &when), -ENOENT);
	assert_int_equal(vh_mix_sched_init(&s, &bad, 0, det_rng, &rng), -EINVAL);
	rng.fail_at = (int64_t)rng.calls;
	assert_int_equal(vh_mix_sched_init(&s, &conf, 0, det_rng, &rng), -EIO);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exp_sampler_ks),
		cmocka_unit_test(test_round_trip_with_surb),
		cmocka_unit_test(test_send_without_surb_and_errors),
		cmocka_unit_test(test_node_delays_ks),
		cmocka_unit_test(test_scheduler_rates),
		cmocka_unit_test(test_scheduler_late_caller_and_errors),
	};

	if (vh_mix_cpu_supported(NULL) != 0) {
		fprintf(stderr, "SKIP: this CPU has no AES-NI, the mix core cannot run\n");
		return 77;
	}
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, setup, teardown);
}
