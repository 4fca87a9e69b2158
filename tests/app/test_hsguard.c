/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The handshake guard's decisions (app/valhalla/hsguard.c) on a fake clock:
 * each rejection under its own reason (malformed, MAC1, cookie, meter,
 * low-order ephemeral, replay, DH budget), the replay list, the per-source
 * meter and table, the budgets and the under-load window. Frames are made
 * and checked with lib/veil's real MAC and cookie code. EAL is started only
 * for the TSC frequency rte_meter's profile is computed from; the test's
 * TSC values are its own.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <sodium.h>

#include "hsguard.h"

#define NOW0 1000000 /* ms: the fake clock's start */

static uint8_t resp_pub[32], resp_priv[32];
static uint64_t tsc0;

/* The fake TSC at fake time now_ms. */
static uint64_t
tsc_at(uint64_t now_ms)
{
	return tsc0 + (now_ms - NOW0) * (rte_get_tsc_hz() / 1000);
}

struct bed {
	struct hsguard *g;
	struct vh_veil_cookie_checker ck;
	struct vh_veil_cookie_maker m; /* an initiator that knows our static key */
	struct vh_veil_endpoint src;
	uint64_t now;
};

static int
bed_setup(void **state)
{
	static const uint8_t a[4] = {10, 0, 0, 2};
	struct bed *b = calloc(1, sizeof(*b));

	assert_non_null(b);
	b->g = hsguard_create();
	assert_non_null(b->g);
	vh_veil_cookie_checker_init(&b->ck, resp_pub, true, NULL, NULL);
	vh_veil_cookie_maker_init(&b->m, resp_pub);
	vh_veil_endpoint_ipv4(&b->src, a, 40000);
	b->now = NOW0;
	*state = b;
	return 0;
}

static int
bed_teardown(void **state)
{
	struct bed *b = *state;

	hsguard_free(b->g);
	vh_veil_cookie_checker_wipe(&b->ck);
	free(b);
	return 0;
}

/* An XX HANDSHAKE_INIT with ephemeral e, MACs stamped by b->m. */
static size_t
init_frame(struct bed *b, const uint8_t *e, uint8_t *buf, size_t cap)
{
	struct vh_veil_hs_frame f = {.type = VH_VEIL_HANDSHAKE_INIT,
		.pattern = VH_VEIL_WIRE_XX,
		.hash = VH_VEIL_WIRE_SHA256,
		.sender = randombytes_random() | 1,
		.noise = e,
		.noise_len = 32};
	size_t len;

	assert_int_equal(vh_veil_hs_frame_encode(&f, buf, cap, &len), 0);
	assert_int_equal(vh_veil_macs_stamp(&b->m, VH_VEIL_HANDSHAKE_INIT, buf, len, b->now), 0);
	return len;
}

static enum hsguard_verdict
judge_at(struct bed *b, const uint8_t *p, size_t len, unsigned int punt_load,
	struct hsguard_out *out)
{
	struct hsguard_frame f = {
		.type = VH_VEIL_HANDSHAKE_INIT, .p = p, .len = (uint32_t)len, .src = &b->src};

	return hsguard_judge(b->g, &b->ck, &f, punt_load, tsc_at(b->now), b->now, out);
}

/* A fresh round, then the verdict on an INIT with ephemeral e (not under load). */
static enum hsguard_verdict
judge_e(struct bed *b, const uint8_t *e, struct hsguard_out *out)
{
	uint8_t buf[128];
	size_t len = init_frame(b, e, buf, sizeof(buf));

	hsguard_round(b->g);
	return judge_at(b, buf, len, 0, out);
}

/* The low-order points, as hsguard.c lists them (top bit clear). */
static const uint8_t order8_a[32] = {0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56,
	0xe3, 0xfa, 0xf1, 0x9f, 0xc4, 0x6a, 0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86,
	0x62, 0x05, 0x16, 0x5f, 0x49, 0xb8, 0x00};
static const uint8_t order8_b[32] = {0x5f, 0x9c, 0x95, 0xbc, 0xa3, 0x50, 0x8c, 0x24, 0xb1, 0xd0,
	0xb1, 0x55, 0x9c, 0x83, 0xef, 0x5b, 0x04, 0x44, 0x5c, 0xc4, 0x58, 0x1c, 0x8e, 0x86, 0xd8,
	0x22, 0x4e, 0xdd, 0xd0, 0x9f, 0x11, 0x57};

static void
low_order_points(uint8_t pts[7][32])
{
	memset(pts, 0, 7 * 32);
	pts[1][0] = 1;
	memcpy(pts[2], order8_a, 32);
	memcpy(pts[3], order8_b, 32);
	for (int k = 4; k < 7; k++) { /* p - 1, p, p + 1 */
		memset(pts[k], 0xff, 32);
		pts[k][0] = (uint8_t)(0xec + (k - 4));
		pts[k][31] = 0x7f;
	}
}

/*
 * Every listed point (with or without the top bit) is one libsodium's
 * X25519 refuses for any scalar; random public keys are not listed.
 */
static void
test_low_order_points(void **state)
{
	uint8_t pts[7][32], sk[32], q[32], pk[32];

	(void)state;
	low_order_points(pts);
	for (int k = 0; k < 7; k++) {
		for (int top = 0; top < 2; top++) {
			memcpy(pk, pts[k], 32);
			pk[31] |= (uint8_t)(top << 7);
			randombytes_buf(sk, sizeof(sk));
			assert_int_equal(crypto_scalarmult(q, sk, pk), -1);
			assert_true(hsguard_low_order(pk));
		}
	}
	for (int i = 0; i < 1000; i++) {
		crypto_box_keypair(pk, sk);
		assert_false(hsguard_low_order(pk));
	}
}

/* A fresh guard has seen no ephemeral, not even the all-zero one. */
static void
test_fresh_guard_has_seen_nothing(void **state)
{
	struct bed *b = *state;
	static const uint8_t zero[32];
	uint8_t e[32];

	assert_false(hsguard_seen(b->g, zero));
	randombytes_buf(e, sizeof(e));
	assert_false(hsguard_seen(b->g, e));
}

/* An INIT with a low-order ephemeral: LOW_ORDER on a fresh guard, never REPLAY. */
static void
test_low_order_init(void **state)
{
	struct bed *b = *state;
	struct hsguard_out out;
	uint8_t pts[7][32];

	low_order_points(pts);
	for (int k = 0; k < 7; k++) {
		assert_int_equal(judge_e(b, pts[k], &out), HSGUARD_LOW_ORDER);
		assert_memory_equal(out.e, pts[k], 32);
	}
}

/* A frame that does not decode is MALFORMED, whatever its MACs. */
static void
test_malformed(void **state)
{
	struct bed *b = *state;
	struct hsguard_out out;
	uint8_t e[32], buf[128];
	size_t len;

	randombytes_buf(e, sizeof(e));
	len = init_frame(b, e, buf, sizeof(buf));
	buf[3] = 1; /* reserved byte */
	assert_int_equal(judge_at(b, buf, len, 0, &out), HSGUARD_MALFORMED);
	len = init_frame(b, e, buf, sizeof(buf));
	assert_int_equal(judge_at(b, buf, len - 1, 0, &out), HSGUARD_MALFORMED); /* cut */
	assert_int_equal(judge_at(b, buf, 8 + 16 + 32, 0, &out), HSGUARD_MALFORMED);
	buf[0] = 7; /* no such pattern */
	assert_int_equal(judge_at(b, buf, len, 0, &out), HSGUARD_MALFORMED);
	assert_int_equal(hsguard_sources(b->g, b->now), 0); /* not even metered */
}

/* Well formed, MAC1 wrong: MAC1. */
static void
test_bad_mac1(void **state)
{
	struct bed *b = *state;
	struct hsguard_out out;
	uint8_t e[32], buf[128];
	size_t len;

	randombytes_buf(e, sizeof(e));
	len = init_frame(b, e, buf, sizeof(buf));
	buf[len - 32] ^= 1;
	assert_int_equal(judge_at(b, buf, len, 0, &out), HSGUARD_MAC1);
}

/* Accepted and remembered: the same ephemeral again is REPLAY; others go on. */
static void
test_replay(void **state)
{
	struct bed *b = *state;
	struct hsguard_out out;
	uint8_t e[32], other[32];

	randombytes_buf(e, sizeof(e));
	assert_int_equal(judge_e(b, e, &out), HSGUARD_GO);
	assert_memory_equal(out.e, e, 32);
	assert_false(out.mac2_ok);
	hsguard_remember(b->g, out.e);
	b->now += 100;
	assert_int_equal(judge_e(b, e, &out), HSGUARD_REPLAY);
	randombytes_buf(other, sizeof(other));
	assert_int_equal(judge_e(b, other, &out), HSGUARD_GO);
}

/* The list keeps the last HSGUARD_SEEN: the oldest is forgotten. */
static void
test_replay_list_wraps(void **state)
{
	struct bed *b = *state;
	uint8_t first[32], e[32];

	randombytes_buf(first, sizeof(first));
	hsguard_remember(b->g, first);
	for (int i = 0; i < HSGUARD_SEEN - 1; i++) {
		randombytes_buf(e, sizeof(e));
		hsguard_remember(b->g, e);
	}
	assert_true(hsguard_seen(b->g, first));
	assert_true(hsguard_seen(b->g, e));
	randombytes_buf(e, sizeof(e));
	hsguard_remember(b->g, e);
	assert_false(hsguard_seen(b->g, first));
	assert_true(hsguard_seen(b->g, e));
}

/* srTCM per source: a burst of cbs + ebs, then 20/s; red means pressure for 1 s. */
static void
test_meter(void **state)
{
	struct bed *b = *state;
	bool ev;
	int ok = 0;

	for (int i = 0; i < 40; i++)
		ok += hsguard_meter(b->g, &b->src, tsc_at(b->now), b->now, &ev);
	assert_int_equal(ok, 2 * HSGUARD_BURST);
	assert_false(ev);
	assert_true(hsguard_under_load(b->g, 0, b->now));
	assert_true(hsguard_under_load(b->g, 0, b->now + HSGUARD_PRESSURE_MS - 1));
	assert_false(hsguard_under_load(b->g, 0, b->now + HSGUARD_PRESSURE_MS));
	/* 125 ms later: two tokens (one per 50 ms) */
	b->now += 125;
	ok = 0;
	for (int i = 0; i < 10; i++)
		ok += hsguard_meter(b->g, &b->src, tsc_at(b->now), b->now, &ev);
	assert_int_equal(ok, 125 * HSGUARD_RATE / 1000);
	/* a second later the buckets are full again */
	b->now += 1000;
	ok = 0;
	for (int i = 0; i < 40; i++)
		ok += hsguard_meter(b->g, &b->src, tsc_at(b->now), b->now, &ev);
	assert_int_equal(ok, 2 * HSGUARD_BURST);
	/* the same address from another port is the same source */
	b->src.port++;
	assert_false(hsguard_meter(b->g, &b->src, tsc_at(b->now), b->now, &ev));
	assert_int_equal(hsguard_sources(b->g, b->now), 1);
}

/* The table holds HSGUARD_SOURCES; beyond, LRU entries go; idle ones age out. */
static void
test_source_table(void **state)
{
	struct bed *b = *state;
	struct vh_veil_endpoint s;
	unsigned int evicted = 0;
	uint8_t a[16] = {0xfd, 0x77};
	bool ev;

	for (unsigned int i = 0; i < 4 * HSGUARD_SOURCES; i++) {
		a[14] = (uint8_t)(i >> 8);
		a[15] = (uint8_t)i;
		vh_veil_endpoint_ipv6(&s, a, 1);
		assert_true(hsguard_meter(b->g, &s, tsc_at(b->now), b->now, &ev));
		evicted += ev;
		b->now += 1;
	}
	print_message("%u sources live, %u evictions\n", hsguard_sources(b->g, b->now), evicted);
	assert_true(hsguard_sources(b->g, b->now) <= HSGUARD_SOURCES);
	assert_true(hsguard_sources(b->g, b->now) > HSGUARD_SOURCES / 2);
	assert_true(evicted >= 4 * HSGUARD_SOURCES - HSGUARD_SOURCES);
	b->now += HSGUARD_SOURCE_IDLE_MS;
	assert_int_equal(hsguard_sources(b->g, b->now), 0);
	/* an aged entry is free: taking it is no eviction */
	assert_true(hsguard_meter(b->g, &s, tsc_at(b->now), b->now, &ev));
	assert_false(ev);
}

/* DH and cookie budgets per round; a spent DH budget is pressure. */
static void
test_budgets(void **state)
{
	struct bed *b = *state;
	struct hsguard_out out;
	uint8_t e[32], buf[128];
	size_t len;

	hsguard_round(b->g);
	for (int i = 0; i < HSGUARD_DH_PER_ROUND; i++) {
		randombytes_buf(e, sizeof(e));
		len = init_frame(b, e, buf, sizeof(buf));
		assert_int_equal(judge_at(b, buf, len, 0, &out), HSGUARD_GO);
	}
	assert_false(hsguard_under_load(b->g, 0, b->now));
	randombytes_buf(e, sizeof(e));
	len = init_frame(b, e, buf, sizeof(buf));
	assert_int_equal(judge_at(b, buf, len, 0, &out), HSGUARD_DH_BUDGET);
	assert_true(hsguard_under_load(b->g, 0, b->now));
	hsguard_round(b->g);
	for (int i = 0; i < HSGUARD_COOKIES_PER_ROUND; i++)
		assert_true(hsguard_take_cookie(b->g));
	assert_false(hsguard_take_cookie(b->g));
	hsguard_round(b->g);
	assert_true(hsguard_take_cookie(b->g));
}

/*
 * Under load (punt ring) an INIT without MAC2 gets a cookie (within the
 * round's budget); the initiator that opened the reply passes with MAC2.
 */
static void
test_cookie_round_trip(void **state)
{
	struct bed *b = *state;
	unsigned int load = HSGUARD_LOAD_PUNT + 1;
	uint8_t e[32], buf[128], reply[VH_VEIL_COOKIE_REPLY_LEN];
	struct hsguard_out out;
	size_t len;

	assert_true(hsguard_under_load(b->g, load, b->now));
	hsguard_round(b->g);
	randombytes_buf(e, sizeof(e));
	for (int i = 0; i < HSGUARD_COOKIES_PER_ROUND; i++) {
		len = init_frame(b, e, buf, sizeof(buf));
		assert_int_equal(judge_at(b, buf, len, load, &out), HSGUARD_COOKIE);
	}
	assert_int_equal(judge_at(b, buf, len, load, &out), HSGUARD_COOKIE_BUDGET);
	assert_int_equal(hsguard_sources(b->g, b->now), 0); /* no meter without MAC2 */
	assert_int_equal(vh_veil_cookie_reply_create(&b->ck, VH_VEIL_HANDSHAKE_INIT, buf, len,
				 &b->src, b->now, reply, sizeof(reply)),
		0);
	assert_int_equal(vh_veil_cookie_reply_consume(&b->m, reply, sizeof(reply), b->now), 0);
	len = init_frame(b, e, buf, sizeof(buf));
	assert_int_equal(judge_at(b, buf, len, load, &out), HSGUARD_GO);
	assert_true(out.mac2_ok);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_low_order_points),
		cmocka_unit_test_setup_teardown(
			test_fresh_guard_has_seen_nothing, bed_setup, bed_teardown),
		cmocka_unit_test_setup_teardown(test_low_order_init, bed_setup, bed_teardown),
		cmocka_unit_test_setup_teardown(test_malformed, bed_setup, bed_teardown),
		cmocka_unit_test_setup_teardown(test_bad_mac1, bed_setup, bed_teardown),
		cmocka_unit_test_setup_teardown(test_replay, bed_setup, bed_teardown),
		cmocka_unit_test_setup_teardown(test_replay_list_wraps, bed_setup, bed_teardown),
		cmocka_unit_test_setup_teardown(test_meter, bed_setup, bed_teardown),
		cmocka_unit_test_setup_teardown(test_source_table, bed_setup, bed_teardown),
		cmocka_unit_test_setup_teardown(test_budgets, bed_setup, bed_teardown),
		cmocka_unit_test_setup_teardown(test_cookie_round_trip, bed_setup, bed_teardown),
	};
	char prefix[64];
	char *eal[] = {argv[0], "--no-huge", "-m", "64", "--no-pci", "--file-prefix", prefix, "-l",
		"0", "--log-level", "lib.eal:warning", NULL};
	int failed;

	(void)argc;
	snprintf(prefix, sizeof(prefix), "vh-test-hsguard-%d", getpid());
	if (rte_eal_init(RTE_DIM(eal) - 1, eal) < 0 || sodium_init() < 0)
		return 1;
	crypto_box_keypair(resp_pub, resp_priv);
	tsc0 = rte_rdtsc();
	failed = cmocka_run_group_tests(tests, NULL, NULL);
	rte_eal_cleanup();
	return failed;
}
