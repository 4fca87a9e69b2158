/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Cookies: MAC1 keyed and open, every byte covered, MAC2 required under
 * load, cookie replies (decrypt, tamper, replay, wrong MAC1), cookie and
 * secret expiry, and the MAC constructions against a direct computation.
 */
#include "link_test.h"

struct fix {
	struct tnode a, b;
	struct vh_veil_handshake hs;
	struct vh_veil_cookie_maker m;
	uint8_t f[TBUF];
	size_t len;
};

static int
setup(void **state)
{
	static struct fix x;

	memset(&x, 0, sizeof(x));
	tnode_init(&x.a, 1, VH_NOISE_SHA256);
	tnode_init(&x.b, 2, VH_NOISE_SHA256);
	vh_veil_cookie_maker_init(&x.m, NULL);
	*state = &x;
	return 0;
}

static int
teardown(void **state)
{
	struct fix *x = *state;

	vh_veil_hs_wipe(&x->hs);
	tnode_fini(&x->a);
	tnode_fini(&x->b);
	return 0;
}

/* A (re)writes an initiation to B: IK (keyed) or XX (open). */
static void
init_to_b(struct fix *x, bool keyed, uint64_t now)
{
	vh_veil_hs_wipe(&x->hs);
	assert_int_equal(vh_veil_hs_write_init(&x->hs, &x->a.hsc, keyed ? x->b.s.pub : NULL,
				 (const uint8_t *)"id", 2, &x->m, now, x->f, sizeof(x->f), &x->len),
		0);
}

static int
check(struct fix *x, bool load, const struct vh_veil_endpoint *src, uint64_t now)
{
	return vh_veil_macs_check(&x->b.ck, VH_VEIL_HANDSHAKE_INIT, x->f, x->len, src, load, now);
}

static void
test_mac1(void **state)
{
	struct fix *x = *state;
	struct vh_veil_cookie_checker other;
	uint8_t want[16], key[32];
	crypto_generichash_state st;
	uint8_t type = VH_VEIL_HANDSHAKE_INIT;

	init_to_b(x, true, 0);
	assert_int_equal(x->f[2], VH_VEIL_HS_FLAG_KEYED);
	assert_int_equal(check(x, false, &x->a.ep, 0), 0);
	/* MAC1 = BLAKE2b-128(key = BLAKE2b-256("veil-mac1-v1" || B's static); type || frame) */
	crypto_generichash_init(&st, NULL, 0, 32);
	crypto_generichash_update(&st, (const uint8_t *)"veil-mac1-v1", 12);
	crypto_generichash_update(&st, x->b.s.pub, 32);
	crypto_generichash_final(&st, key, 32);
	crypto_generichash_init(&st, key, 32, 16);
	crypto_generichash_update(&st, &type, 1);
	crypto_generichash_update(&st, x->f, x->len - 32);
	crypto_generichash_final(&st, want, 16);
	assert_memory_equal(x->f + x->len - 32, want, 16);
	/* MAC2 is zero without a cookie. */
	memset(want, 0, sizeof(want));
	assert_memory_equal(x->f + x->len - 16, want, 16);
	/* Every byte up to MAC2 is covered. */
	for (size_t i = 0; i < x->len - 16; i++) {
		x->f[i] ^= 0x20;
		int rc = check(x, false, &x->a.ep, 0);

		assert_true(rc == -EBADMSG);
		x->f[i] ^= 0x20;
	}
	/* MAC2 is not looked at when not under load. */
	x->f[x->len - 1] ^= 1;
	assert_int_equal(check(x, false, &x->a.ep, 0), 0);
	/* Keyed to another node: refused. */
	vh_veil_cookie_checker_init(&other, x->a.s.pub, true, NULL, NULL);
	assert_int_equal(
		vh_veil_macs_check(&other, VH_VEIL_HANDSHAKE_INIT, x->f, x->len, NULL, false, 0),
		-EBADMSG);
	/* Malformed and bad arguments. */
	assert_int_equal(check(x, false, &x->a.ep, 0), 0);
	assert_int_equal(
		vh_veil_macs_check(&x->b.ck, VH_VEIL_HANDSHAKE_INIT, x->f, 40, NULL, false, 0),
		-EBADMSG);
	assert_int_equal(check(x, true, NULL, 0), -EINVAL);
}

static void
test_mac1_open(void **state)
{
	struct fix *x = *state;
	struct vh_veil_cookie_checker strict;

	init_to_b(x, false, 0);
	assert_int_equal(x->f[2], 0);
	assert_int_equal(check(x, false, &x->a.ep, 0), 0);
	/* A node that wants its static key known refuses open initiations. */
	vh_veil_cookie_checker_init(&strict, x->b.s.pub, false, NULL, NULL);
	assert_int_equal(
		vh_veil_macs_check(&strict, VH_VEIL_HANDSHAKE_INIT, x->f, x->len, NULL, false, 0),
		-EBADMSG);
	/* Claiming "keyed" with an open MAC fails. */
	x->f[2] = VH_VEIL_HS_FLAG_KEYED;
	assert_int_equal(check(x, false, &x->a.ep, 0), -EBADMSG);
}

/* Full XX: RESP is open (accepted), FINISH must be keyed. */
static void
test_resp_finish_macs(void **state)
{
	struct fix *x = *state;
	struct vh_veil_handshake r;
	uint8_t m2[TBUF], m3[TBUF], pl[64];
	size_t l2, l3, plen;

	init_to_b(x, false, 0);
	memset(&r, 0, sizeof(r));
	assert_int_equal(
		vh_veil_hs_read_init(&r, &x->b.hsc, x->f, x->len, 0, pl, sizeof(pl), &plen), 0);
	assert_int_equal(vh_veil_hs_write_resp(&r, NULL, 0, m2, sizeof(m2), &l2), 0);
	assert_int_equal(m2[2], 0);
	assert_int_equal(
		vh_veil_macs_check(&x->a.ck, VH_VEIL_HANDSHAKE_RESP, m2, l2, NULL, true, 0),
		0); /* under load too: RESP answers our own initiation */
	assert_int_equal(vh_veil_hs_read_resp(&x->hs, m2, l2, pl, sizeof(pl), &plen), 0);
	assert_int_equal(
		vh_veil_hs_write_finish(&x->hs, NULL, 0, &x->m, 0, m3, sizeof(m3), &l3), 0);
	assert_int_equal(m3[2], VH_VEIL_HS_FLAG_KEYED);
	assert_int_equal(
		vh_veil_macs_check(&x->b.ck, VH_VEIL_HANDSHAKE_FINISH, m3, l3, &x->a.ep, false, 0),
		0);
	/* An open FINISH is refused even with a correct open MAC1. */
	vh_veil_cookie_maker_init(&x->m, NULL);
	assert_int_equal(vh_veil_macs_stamp(&x->m, VH_VEIL_HANDSHAKE_FINISH, m3, l3, 0), 0);
	assert_int_equal(
		vh_veil_macs_check(&x->b.ck, VH_VEIL_HANDSHAKE_FINISH, m3, l3, &x->a.ep, false, 0),
		-EBADMSG);
	/* Under load FINISH needs MAC2 too. */
	vh_veil_cookie_maker_init(&x->m, x->b.s.pub);
	assert_int_equal(vh_veil_macs_stamp(&x->m, VH_VEIL_HANDSHAKE_FINISH, m3, l3, 0), 0);
	assert_int_equal(
		vh_veil_macs_check(&x->b.ck, VH_VEIL_HANDSHAKE_FINISH, m3, l3, &x->a.ep, true, 0),
		-EAGAIN);
	vh_veil_hs_wipe(&r);
}

static void
test_mac2_under_load(void **state)
{
	struct fix *x = *state;
	uint8_t reply[VH_VEIL_COOKIE_REPLY_LEN];
	struct vh_veil_endpoint elsewhere = x->a.ep;
	uint64_t t = 5000;

	elsewhere.port++;
	init_to_b(x, true, t);
	assert_int_equal(check(x, true, &x->a.ep, t), -EAGAIN);
	assert_int_equal(vh_veil_cookie_reply_create(&x->b.ck, VH_VEIL_HANDSHAKE_INIT, x->f, x->len,
				 &x->a.ep, t, reply, sizeof(reply) - 1),
		-ENOBUFS);
	assert_int_equal(vh_veil_cookie_reply_create(&x->b.ck, VH_VEIL_HANDSHAKE_INIT, x->f, x->len,
				 &x->a.ep, t, reply, sizeof(reply)),
		0);
	/* The reply names the initiation's sender index. */
	assert_int_equal(((uint32_t)reply[0] << 24 | (uint32_t)reply[1] << 16 |
				 (uint32_t)reply[2] << 8 | reply[3]),
		vh_veil_hs_local_index(&x->hs));
	assert_int_equal(vh_veil_cookie_reply_consume(&x->m, reply, sizeof(reply), t + 10), 0);
	/* The same frame still has no MAC2; the next one has. */
	assert_int_equal(check(x, true, &x->a.ep, t + 10), -EAGAIN);
	init_to_b(x, true, t + 20);
	assert_int_equal(check(x, true, &x->a.ep, t + 20), 0);
	/* The cookie is bound to the source endpoint. */
	assert_int_equal(check(x, true, &elsewhere, t + 20), -EAGAIN);
	/* MAC2 covers the frame, MAC1 included. */
	for (size_t i = 0; i < x->len; i++) {
		x->f[i] ^= 4;
		assert_int_not_equal(check(x, true, &x->a.ep, t + 20), 0);
		x->f[i] ^= 4;
	}
	assert_int_equal(check(x, true, &x->a.ep, t + 20), 0);
}

static void
test_cookie_reply(void **state)
{
	struct fix *x = *state;
	uint8_t reply[VH_VEIL_COOKIE_REPLY_LEN];
	struct vh_veil_cookie_maker fresh;

	vh_veil_cookie_maker_init(&fresh, x->b.s.pub);
	init_to_b(x, true, 0);
	assert_int_equal(vh_veil_cookie_reply_create(&x->b.ck, VH_VEIL_HANDSHAKE_INIT, x->f, x->len,
				 &x->a.ep, 0, reply, sizeof(reply)),
		0);
	/* A maker that stamped nothing has nothing to match. */
	assert_int_equal(vh_veil_cookie_reply_consume(&fresh, reply, sizeof(reply), 0), -ENOENT);
	/* Every flipped byte of nonce or box fails (the index only routes it). */
	for (size_t i = 4; i < sizeof(reply); i++) {
		reply[i] ^= 0x01;
		assert_int_equal(
			vh_veil_cookie_reply_consume(&x->m, reply, sizeof(reply), 0), -EBADMSG);
		reply[i] ^= 0x01;
	}
	for (size_t l = 0; l < sizeof(reply); l++)
		assert_int_equal(vh_veil_cookie_reply_consume(&x->m, reply, l, 0), -EBADMSG);
	assert_int_equal(vh_veil_cookie_reply_consume(&x->m, reply, sizeof(reply), 0), 0);
	/* Only one reply per stamped frame. */
	assert_int_equal(vh_veil_cookie_reply_consume(&x->m, reply, sizeof(reply), 0), -ENOENT);
	/* A reply to an older frame does not open against a newer MAC1. */
	init_to_b(x, true, 0);
	assert_int_equal(vh_veil_cookie_reply_consume(&x->m, reply, sizeof(reply), 0), -EBADMSG);
	/* RNG failure */
	x->b.rng.fail = 1;
	x->b.ck.has_secret = false;
	assert_int_equal(vh_veil_cookie_reply_create(&x->b.ck, VH_VEIL_HANDSHAKE_INIT, x->f, x->len,
				 &x->a.ep, 0, reply, sizeof(reply)),
		-EIO);
	x->b.rng.fail = 0;
}

/* Cookie lifetime at the initiator and secret rotation at the responder. */
static void
test_expiry(void **state)
{
	struct fix *x = *state;
	uint8_t reply[VH_VEIL_COOKIE_REPLY_LEN];
	const uint64_t t0 = 1000, life = VH_VEIL_COOKIE_ROTATE_MS - VH_VEIL_COOKIE_LATENCY_MS;

	init_to_b(x, true, t0);
	assert_int_equal(vh_veil_cookie_reply_create(&x->b.ck, VH_VEIL_HANDSHAKE_INIT, x->f, x->len,
				 &x->a.ep, t0, reply, sizeof(reply)),
		0);
	assert_int_equal(vh_veil_cookie_reply_consume(&x->m, reply, sizeof(reply), t0), 0);
	init_to_b(x, true, t0 + life - 1);
	assert_int_equal(check(x, true, &x->a.ep, t0 + life - 1), 0);
	/* The initiator stops using the cookie before the secret can rotate. */
	init_to_b(x, true, t0 + life);
	assert_int_equal(check(x, true, &x->a.ep, t0 + life), -EAGAIN);
	/* A MAC2 made in time is refused once the secret has rotated. */
	init_to_b(x, true, t0 + life - 1);
	assert_int_equal(check(x, true, &x->a.ep, t0 + VH_VEIL_COOKIE_ROTATE_MS - 1), 0);
	assert_int_equal(check(x, true, &x->a.ep, t0 + VH_VEIL_COOKIE_ROTATE_MS), -EAGAIN);

	/* A cookie fresh at the initiator but from the old secret fails after rotation. */
	const uint64_t t1 = t0 + VH_VEIL_COOKIE_ROTATE_MS - 2000;

	init_to_b(x, true, t1);
	assert_int_equal(vh_veil_cookie_reply_create(&x->b.ck, VH_VEIL_HANDSHAKE_INIT, x->f, x->len,
				 &x->a.ep, t1, reply, sizeof(reply)),
		0);
	assert_int_equal(vh_veil_cookie_reply_consume(&x->m, reply, sizeof(reply), t1), 0);
	const uint64_t t2 = t0 + VH_VEIL_COOKIE_ROTATE_MS + 500;

	init_to_b(x, true, t2);
	/* New reply => new secret; the held cookie is of the old one. */
	assert_int_equal(vh_veil_cookie_reply_create(&x->b.ck, VH_VEIL_HANDSHAKE_INIT, x->f, x->len,
				 &x->a.ep, t2, reply, sizeof(reply)),
		0);
	assert_int_equal(check(x, true, &x->a.ep, t2), -EAGAIN);
	/* ...and the new cookie works. */
	assert_int_equal(vh_veil_cookie_reply_consume(&x->m, reply, sizeof(reply), t2), 0);
	init_to_b(x, true, t2 + 1);
	assert_int_equal(check(x, true, &x->a.ep, t2 + 1), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_mac1, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mac1_open, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resp_finish_macs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mac2_under_load, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cookie_reply, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expiry, setup, teardown),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
