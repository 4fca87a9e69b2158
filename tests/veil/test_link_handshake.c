/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Handshake glue between two simulated nodes exchanging bytes: XX and IK to
 * completion (both hashes), keys and indices matching on both sides, IK
 * after an XX learned the static key, fallback to XX when IK goes
 * unanswered, forged and misrouted messages, order, buffers, index
 * bookkeeping.
 */
#include "link_test.h"

static int
setup_hash(void **state, enum vh_noise_hash h, bool a_knows_b)
{
	struct tpair *x = tpair_init(h);

	x->pa = tpeer(&x->a, &x->b, a_knows_b, false, &x->t);
	x->pb = tpeer(&x->b, &x->a, false, false, &x->t);
	*state = x;
	return 0;
}

static int
setup(void **state)
{
	return setup_hash(state, VH_NOISE_SHA256, false);
}

static int
setup_b2(void **state)
{
	return setup_hash(state, VH_NOISE_BLAKE2B, false);
}

static int
setup_ik(void **state)
{
	return setup_hash(state, VH_NOISE_SHA256, true);
}

static int
setup_ik_b2(void **state)
{
	return setup_hash(state, VH_NOISE_BLAKE2B, true);
}

/* a's current keypair and b's next (or current) are two ends of one session. */
static void
keys_match(struct tpair *x)
{
	struct vh_veil_keypair *ka = vh_veil_peer_keypair(x->pa, VH_VEIL_SLOT_CURRENT);
	struct vh_veil_keypair *kb = vh_veil_peer_keypair(x->pb, VH_VEIL_SLOT_NEXT);
	uint8_t as[32], ar[32], bs[32], br[32];

	if (kb == NULL)
		kb = vh_veil_peer_keypair(x->pb, VH_VEIL_SLOT_CURRENT);
	assert_non_null(ka);
	assert_non_null(kb);
	vh_veil_keypair_keys(ka, as, ar);
	vh_veil_keypair_keys(kb, bs, br);
	assert_memory_equal(as, br, 32);
	assert_memory_equal(ar, bs, 32);
	assert_memory_not_equal(as, ar, 32);
	assert_int_equal(vh_veil_keypair_remote_index(ka), vh_veil_keypair_local_index(kb));
	assert_int_equal(vh_veil_keypair_remote_index(kb), vh_veil_keypair_local_index(ka));
	assert_true(vh_veil_index_table_contains(x->a.tab, vh_veil_keypair_local_index(ka)));
	assert_true(vh_veil_index_table_contains(x->b.tab, vh_veil_keypair_local_index(kb)));
	assert_true(vh_veil_keypair_is_initiator(ka));
	assert_false(vh_veil_keypair_is_initiator(kb));
}

/* After a handshake: the responder waits for the initiator's first packet. */
static void
traffic(struct tpair *x, uint64_t now)
{
	uint8_t buf[64];
	size_t l;

	assert_int_equal(
		vh_veil_peer_encrypt(x->pb, (const uint8_t *)"x", 1, now, buf, sizeof(buf), &l),
		vh_veil_peer_keypair(x->pb, VH_VEIL_SLOT_CURRENT) ? 0 : -ENOKEY);
	assert_int_equal(pass(x->pa, x->pb, &x->a.ep, "", 0, now), 0); /* keepalive */
	assert_null(vh_veil_peer_keypair(x->pb, VH_VEIL_SLOT_NEXT));
	assert_int_equal(pass(x->pb, x->pa, &x->b.ep, "pong", 4, now), 0);
	assert_int_equal(pass(x->pa, x->pb, &x->a.ep, "ping", 4, now), 0);
}

static void
test_xx(void **state)
{
	struct tpair *x = *state;

	assert_int_equal(handshake(&x->a, x->pa, &x->b, x->pb, 10), VH_VEIL_WIRE_XX);
	keys_match(x);
	traffic(x, 11);
	/* Second round: a learned b's key, so IK; b's view learned a's as well. */
	assert_int_equal(handshake(&x->a, x->pa, &x->b, x->pb, 100), VH_VEIL_WIRE_IK);
	keys_match(x);
	traffic(x, 101);
	assert_int_equal(handshake(&x->b, x->pb, &x->a, x->pa, 200), VH_VEIL_WIRE_IK);
	traffic(x, 201);
}

static void
test_ik_first(void **state)
{
	struct tpair *x = *state;

	assert_int_equal(handshake(&x->a, x->pa, &x->b, x->pb, 10), VH_VEIL_WIRE_IK);
	keys_match(x);
	traffic(x, 11);
}

/* A forged or misrouted RESP does not kill the pending handshake. */
static void
test_forged_resp(void **state)
{
	struct tpair *x = *state;
	struct vh_veil_handshake r;
	uint8_t m1[TBUF], m2[TBUF], pl[64];
	size_t l1, l2, plen;

	memset(&r, 0, sizeof(r));
	assert_int_equal(vh_veil_peer_write_init(x->pa, NULL, 0, 0, m1, sizeof(m1), &l1), 0);
	assert_int_equal(vh_veil_hs_read_init(&r, &x->b.hsc, m1, l1, 0, pl, sizeof(pl), &plen), 0);
	assert_int_equal(plen, 0);
	/* b cannot write out of turn */
	assert_int_equal(vh_veil_hs_read_finish(&r, m1, l1, pl, sizeof(pl), &plen), -EPROTO);
	assert_int_equal(vh_veil_hs_write_resp(&r, NULL, 0, m2, 40, &l2), -ENOBUFS);
	assert_int_equal(
		vh_veil_hs_write_resp(&r, (const uint8_t *)"B", 1, m2, sizeof(m2), &l2), 0);
	assert_int_equal(vh_veil_hs_write_resp(&r, NULL, 0, m2, sizeof(m2), &l2), -EPROTO);
	for (size_t i = 12; i < l2 - 32; i++) {
		m2[i] ^= 0x80;
		assert_int_equal(
			vh_veil_peer_read_resp(x->pa, m2, l2, pl, sizeof(pl), &plen), -EBADMSG);
		m2[i] ^= 0x80;
	}
	for (size_t l = 0; l < l2 - 1; l++)
		assert_int_not_equal(
			vh_veil_peer_read_resp(x->pa, m2, l, pl, sizeof(pl), &plen), 0);
	m2[8] ^= 1; /* receiver index */
	assert_int_equal(vh_veil_peer_read_resp(x->pa, m2, l2, pl, sizeof(pl), &plen), -ESRCH);
	m2[8] ^= 1;
	assert_int_equal(vh_veil_peer_read_resp(x->pa, m2, l2, pl, 0, &plen), -ENOBUFS);
	/* The genuine one still completes. */
	assert_int_equal(vh_veil_peer_read_resp(x->pa, m2, l2, pl, sizeof(pl), &plen), 0);
	assert_int_equal(plen, 1);
	assert_int_equal(vh_veil_peer_read_resp(x->pa, m2, l2, pl, sizeof(pl), &plen), -EPROTO);
	if (m1[0] == VH_VEIL_WIRE_XX) {
		/* Not complete yet: no keypair. */
		assert_int_equal(vh_veil_peer_on_handshake_complete(x->pa, NULL, 0), -EPROTO);
		assert_int_equal(vh_veil_peer_on_handshake_complete(x->pb, &r, 0), -EPROTO);
		vh_veil_hs_wipe(&r);
		return;
	}
	/* IK is complete after RESP. */
	assert_int_equal(vh_veil_peer_on_handshake_complete(x->pb, &r, 0), 0);
	assert_int_equal(
		vh_veil_peer_on_handshake_complete(x->pa, NULL, 0), VH_VEIL_ACT_SEND_KEEPALIVE);
	keys_match(x);
	traffic(x, 1);
}

static void
test_forged_finish(void **state)
{
	struct tpair *x = *state;
	struct vh_veil_handshake r;
	uint8_t m1[TBUF], m2[TBUF], m3[TBUF], pl[64];
	size_t l1, l2, l3, plen;

	memset(&r, 0, sizeof(r));
	assert_int_equal(vh_veil_peer_write_init(x->pa, NULL, 0, 0, m1, sizeof(m1), &l1), 0);
	assert_int_equal(vh_veil_hs_read_init(&r, &x->b.hsc, m1, l1, 0, pl, sizeof(pl), &plen), 0);
	assert_int_equal(vh_veil_hs_write_resp(&r, NULL, 0, m2, sizeof(m2), &l2), 0);
	assert_int_equal(vh_veil_peer_read_resp(x->pa, m2, l2, pl, sizeof(pl), &plen), 0);
	assert_int_equal(
		vh_veil_peer_write_finish(x->pa, (const uint8_t *)"AA", 2, 0, m3, sizeof(m3), &l3),
		0);
	for (size_t i = 12; i < l3 - 32; i++) {
		m3[i] ^= 0x01;
		assert_int_equal(
			vh_veil_hs_read_finish(&r, m3, l3, pl, sizeof(pl), &plen), -EBADMSG);
		m3[i] ^= 0x01;
	}
	m3[4] ^= 1; /* sender index must be the initiator's */
	assert_int_equal(vh_veil_hs_read_finish(&r, m3, l3, pl, sizeof(pl), &plen), -EBADMSG);
	m3[4] ^= 1;
	m3[11] ^= 1;
	assert_int_equal(vh_veil_hs_read_finish(&r, m3, l3, pl, sizeof(pl), &plen), -ESRCH);
	m3[11] ^= 1;
	assert_int_equal(vh_veil_hs_read_finish(&r, m3, l3, pl, sizeof(pl), &plen), 0);
	assert_int_equal(plen, 2);
	assert_memory_equal(pl, "AA", 2);
	/* The responder's static view of a equals a's key. */
	uint8_t rs[32];

	assert_int_equal(vh_veil_hs_remote_static(&r, rs), 0);
	assert_memory_equal(rs, x->a.s.pub, 32);
	assert_int_equal(vh_veil_peer_on_handshake_complete(x->pb, &r, 0), 0);
	assert_int_equal(
		vh_veil_peer_on_handshake_complete(x->pa, NULL, 0), VH_VEIL_ACT_SEND_KEEPALIVE);
	keys_match(x);
	traffic(x, 1);
}

static void
test_hash_mismatch(void **state)
{
	struct tpair *x = *state;
	struct tnode c;
	struct vh_veil_handshake r;
	uint8_t m1[TBUF], pl[64];
	size_t l1, plen;

	tnode_init(&c, 3, VH_NOISE_BLAKE2B);
	memset(&r, 0, sizeof(r));
	assert_int_equal(vh_veil_peer_write_init(x->pa, NULL, 0, 0, m1, sizeof(m1), &l1), 0);
	assert_int_equal(
		vh_veil_hs_read_init(&r, &c.hsc, m1, l1, 0, pl, sizeof(pl), &plen), -EBADMSG);
	assert_int_equal(vh_veil_index_table_count(c.tab), 0);
	tnode_fini(&c);
}

/* IK to a node whose static key changed: unanswerable; after two tries, XX. */
static void
test_ik_fallback(void **state)
{
	struct tpair *x = *state;
	struct tnode b2;
	struct vh_veil_handshake r;
	struct vh_veil_hs_frame f;
	uint8_t m1[TBUF], pl[64];
	size_t l1, plen;
	uint64_t now = 0;
	int ik = 0, xx = 0;

	struct vh_veil_peer *pa = tpeer(&x->a, &x->b, true, true, &x->t);

	tnode_init(&b2, 7, VH_NOISE_SHA256); /* "b after a key rotation" */
	for (int i = 0; i < 4; i++) {
		int n = 0;

		while (!(vh_veil_peer_tick(pa, now) & VH_VEIL_ACT_SEND_INIT) && n++ < 1000)
			now += 10;
		assert_int_equal(vh_veil_peer_write_init(pa, NULL, 0, now, m1, sizeof(m1), &l1), 0);
		assert_int_equal(vh_veil_hs_frame_decode(VH_VEIL_HANDSHAKE_INIT, m1, l1, &f), 0);
		memset(&r, 0, sizeof(r));
		if (f.pattern == VH_VEIL_WIRE_IK) {
			ik++;
			/* MAC1 is keyed to the old key, and Noise fails too. */
			assert_int_equal(vh_veil_macs_check(&b2.ck, VH_VEIL_HANDSHAKE_INIT, m1, l1,
						 NULL, false, now),
				-EBADMSG);
			assert_int_equal(vh_veil_hs_read_init(
						 &r, &b2.hsc, m1, l1, now, pl, sizeof(pl), &plen),
				-EBADMSG);
		} else {
			xx++;
			assert_int_equal(vh_veil_macs_check(&b2.ck, VH_VEIL_HANDSHAKE_INIT, m1, l1,
						 NULL, false, now),
				0);
			assert_int_equal(vh_veil_hs_read_init(
						 &r, &b2.hsc, m1, l1, now, pl, sizeof(pl), &plen),
				0);
			vh_veil_hs_wipe(&r);
		}
	}
	assert_int_equal(ik, 2);
	assert_int_equal(xx, 2);
	vh_veil_peer_free(pa);
	tnode_fini(&b2);
}

/* XX message 1 is unauthenticated: a low-order e fails when answering. */
static void
test_low_order_e(void **state)
{
	struct tpair *x = *state;
	struct vh_veil_handshake r;
	struct vh_veil_cookie_maker m;
	uint8_t zero[32] = {0}, f[TBUF], out[TBUF], pl[8];
	size_t l, ol, plen;
	struct vh_veil_hs_frame fr = {
		.type = VH_VEIL_HANDSHAKE_INIT,
		.pattern = VH_VEIL_WIRE_XX,
		.hash = VH_VEIL_WIRE_SHA256,
		.sender = 42,
		.noise = zero,
		.noise_len = 32,
	};

	memset(&r, 0, sizeof(r));
	vh_veil_cookie_maker_init(&m, NULL);
	assert_int_equal(vh_veil_hs_frame_encode(&fr, f, sizeof(f), &l), 0);
	assert_int_equal(vh_veil_macs_stamp(&m, VH_VEIL_HANDSHAKE_INIT, f, l, 0), 0);
	assert_int_equal(
		vh_veil_macs_check(&x->b.ck, VH_VEIL_HANDSHAKE_INIT, f, l, NULL, false, 0), 0);
	assert_int_equal(vh_veil_hs_read_init(&r, &x->b.hsc, f, l, 0, pl, sizeof(pl), &plen), 0);
	assert_int_equal(vh_veil_hs_write_resp(&r, NULL, 0, out, sizeof(out), &ol), -EBADMSG);
	assert_int_equal(vh_veil_hs_local_index(&r), 0);
	assert_int_equal(vh_veil_index_table_count(x->b.tab), 0);
}

static void
test_args(void **state)
{
	struct tpair *x = *state;
	struct vh_veil_handshake h;
	struct vh_veil_cookie_maker m;
	struct vh_veil_hs_conf bad = x->a.hsc;
	uint8_t out[TBUF];
	size_t l;

	memset(&h, 0, sizeof(h));
	vh_veil_cookie_maker_init(&m, NULL);
	bad.index = NULL;
	assert_int_equal(
		vh_veil_hs_write_init(&h, &bad, NULL, NULL, 0, &m, 0, out, sizeof(out), &l),
		-EINVAL);
	assert_int_equal(
		vh_veil_hs_write_init(&h, &x->a.hsc, NULL, NULL, 1, &m, 0, out, sizeof(out), &l),
		-EINVAL);
	assert_int_equal(
		vh_veil_hs_write_init(&h, &x->a.hsc, NULL, NULL, 0, &m, 0, out, 40 + 31, &l),
		-ENOBUFS);
	assert_int_equal(vh_veil_index_table_count(x->a.tab), 0);
	x->a.rng.fail = 1;
	assert_int_equal(
		vh_veil_hs_write_init(&h, &x->a.hsc, NULL, NULL, 0, &m, 0, out, sizeof(out), &l),
		-EIO);
	x->a.rng.fail = 0;
	assert_int_equal(
		vh_veil_hs_write_init(&h, &x->a.hsc, NULL, NULL, 0, &m, 0, out, sizeof(out), &l),
		0);
	assert_int_equal(l, 8 + 32 + 32);
	assert_int_equal(vh_veil_index_table_count(x->a.tab), 1);
	assert_int_equal(
		vh_veil_hs_write_finish(&h, NULL, 0, &m, 0, out, sizeof(out), &l), -EPROTO);
	assert_false(vh_veil_hs_is_complete(&h));
	vh_veil_hs_wipe(&h);
	assert_int_equal(vh_veil_index_table_count(x->a.tab), 0);
	assert_int_equal(vh_veil_hs_local_index(&h), 0);
	/* peers */
	assert_null(vh_veil_peer_new(NULL));
	assert_int_equal(vh_veil_peer_read_resp(x->pa, out, l, NULL, 0, &l), -EPROTO);
	assert_int_equal(
		vh_veil_peer_write_finish(x->pa, NULL, 0, 0, out, sizeof(out), &l), -EPROTO);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_xx, setup, tpair_teardown),
		cmocka_unit_test_setup_teardown(test_xx, setup_b2, tpair_teardown),
		cmocka_unit_test_setup_teardown(test_ik_first, setup_ik, tpair_teardown),
		cmocka_unit_test_setup_teardown(test_ik_first, setup_ik_b2, tpair_teardown),
		cmocka_unit_test_setup_teardown(test_forged_resp, setup, tpair_teardown),
		cmocka_unit_test_setup_teardown(test_forged_resp, setup_ik, tpair_teardown),
		cmocka_unit_test_setup_teardown(test_forged_finish, setup, tpair_teardown),
		cmocka_unit_test_setup_teardown(test_hash_mismatch, setup, tpair_teardown),
		cmocka_unit_test_setup_teardown(test_ik_fallback, setup_ik, tpair_teardown),
		cmocka_unit_test_setup_teardown(test_low_order_e, setup, tpair_teardown),
		cmocka_unit_test_setup_teardown(test_args, setup, tpair_teardown),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
