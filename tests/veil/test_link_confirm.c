/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Keypair confirmation (an XX initiator is up only once a packet under its
 * keypair came back; the responder answers at once; a refused FINISH is a
 * failed attempt, retried with backoff until the peer is dead), IK
 * confirmed at once, the identity payload written only into IK INITs, and
 * vh_veil_peer_on_keypair_used() for data planes that decrypt elsewhere.
 */
#include <stdlib.h>

#include "link_test.h"

static void
peers(struct tpair *x, bool know_static)
{
	x->pa = tpeer(&x->a, &x->b, know_static, false, &x->t);
	x->pb = tpeer(&x->b, &x->a, know_static, false, &x->t);
}

/*
 * An initiation a -> b that b refuses (say a pinned NodeID mismatch): an
 * IK INIT is dropped at once; an XX one after reading FINISH, which a
 * completes all the same. b never sends anything. Returns the pattern.
 */
static uint8_t
refused(struct tpair *x, uint64_t now)
{
	uint8_t m1[TBUF], m2[TBUF], m3[TBUF], pl[TBUF];
	size_t l1, l2, l3, plen;
	struct vh_veil_handshake hs;

	assert_int_equal(vh_veil_peer_write_init(
				 x->pa, (const uint8_t *)"A-id", 4, now, m1, sizeof(m1), &l1),
		0);
	if (m1[0] == VH_VEIL_WIRE_IK)
		return VH_VEIL_WIRE_IK;
	memset(&hs, 0, sizeof(hs));
	assert_int_equal(
		vh_veil_hs_read_init(&hs, &x->b.hsc, m1, l1, now, pl, sizeof(pl), &plen), 0);
	assert_int_equal(
		vh_veil_hs_write_resp(&hs, (const uint8_t *)"B-id", 4, m2, sizeof(m2), &l2), 0);
	assert_int_equal(vh_veil_peer_read_resp(x->pa, m2, l2, pl, sizeof(pl), &plen), 0);
	assert_int_equal(vh_veil_peer_write_finish(
				 x->pa, (const uint8_t *)"A-id", 4, now, m3, sizeof(m3), &l3),
		0);
	assert_int_equal(vh_veil_hs_read_finish(&hs, m3, l3, pl, sizeof(pl), &plen), 0);
	vh_veil_hs_wipe(&hs); /* refused */
	assert_int_equal(
		vh_veil_peer_on_handshake_complete(x->pa, NULL, now), VH_VEIL_ACT_SEND_KEEPALIVE);
	return VH_VEIL_WIRE_XX;
}

/* A refused XX initiator is never up; it retries with backoff, then is dead. */
static void
test_xx_refused(void **state)
{
	struct tpair *x = *state;
	const struct vh_veil_keypair *kp;
	uint8_t out[64];
	size_t l;
	uint64_t sent_at[16], t;
	uint8_t patterns[16];
	int n = 0, dead = 0;
	const uint64_t t0 = 1000;

	peers(x, false);
	patterns[0] = VH_VEIL_WIRE_XX;
	assert_int_equal(refused(x, t0), VH_VEIL_WIRE_XX);
	kp = vh_veil_peer_keypair(x->pa, VH_VEIL_SLOT_CURRENT);
	assert_non_null(kp);
	assert_true(vh_veil_keypair_is_initiator(kp));
	assert_false(vh_veil_keypair_is_confirmed(kp));
	assert_false(vh_veil_peer_is_up(x->pa));
	/* it may send (its keepalive is what the responder would promote on) */
	assert_int_equal(vh_veil_peer_encrypt(x->pa, NULL, 0, t0, out, sizeof(out), &l), 0);
	assert_int_equal(vh_veil_peer_tick(x->pa, t0 + 49), 0);
	/* no packet under it within REKEY_TIMEOUT: a failed attempt, retried */
	sent_at[n++] = t0;
	for (t = t0 + 1; t < t0 + 3000; t++) {
		unsigned int a = vh_veil_peer_tick(x->pa, t);

		assert_false(vh_veil_peer_is_up(x->pa));
		if (a & VH_VEIL_ACT_DEAD) {
			dead++;
			assert_true(vh_veil_peer_is_dead(x->pa));
		}
		if (a & VH_VEIL_ACT_SEND_INIT) {
			assert_true(n < 16);
			patterns[n] = refused(x, t);
			sent_at[n++] = t;
		}
	}
	/*
	 * The backoff of unanswered initiations: 50, 100, 200, 400 ms, dead
	 * at 900. The static key learnt from the refused XX makes the next
	 * two IK (dropped unanswered), then back to XX.
	 */
	const uint64_t want[] = {0, 50, 150, 350, 750};
	const uint8_t want_pat[] = {VH_VEIL_WIRE_XX, VH_VEIL_WIRE_IK, VH_VEIL_WIRE_IK,
		VH_VEIL_WIRE_XX, VH_VEIL_WIRE_XX};

	assert_int_equal(n, 5);
	for (int i = 0; i < n; i++) {
		assert_int_equal(sent_at[i] - t0, want[i]);
		assert_int_equal(patterns[i], want_pat[i]);
	}
	assert_int_equal(dead, 1);
	/* the slots never hold more than three keypairs: old attempts are pushed out */
	assert_true(vh_veil_index_table_count(x->a.tab) <= 3);
	/* accepted at last (IK again after giving up: the RESP confirms it) */
	assert_int_equal(handshake(&x->a, x->pa, &x->b, x->pb, t), VH_VEIL_WIRE_IK);
	assert_true(vh_veil_peer_is_up(x->pa));
	assert_int_equal(pass(x->pa, x->pb, &x->a.ep, "", 0, t), 0);
	assert_true(vh_veil_peer_is_up(x->pb));
	assert_false(vh_veil_peer_is_dead(x->pa));
	assert_int_equal(vh_veil_peer_tick(x->pa, t + 500) & VH_VEIL_ACT_SEND_INIT, 0);
}

/*
 * XX: the responder promotes on the initiator's keepalive and answers in
 * the same tick, so the initiator is up one round trip after completing;
 * data sent back first does as well.
 */
static void
test_xx_confirmed_in_one_rtt(void **state)
{
	struct tpair *x = *state;
	uint8_t ct[64], out[64];
	size_t cl, l;
	const uint64_t t0 = 1000;

	peers(x, false);
	assert_int_equal(handshake(&x->a, x->pa, &x->b, x->pb, t0), VH_VEIL_WIRE_XX);
	assert_false(vh_veil_keypair_is_confirmed(vh_veil_peer_keypair(x->pb, VH_VEIL_SLOT_NEXT)));
	assert_int_equal(vh_veil_peer_encrypt(x->pa, NULL, 0, t0, ct, sizeof(ct), &cl), 0);
	assert_int_equal(vh_veil_peer_tick(x->pb, t0 + 10), 0);
	assert_int_equal(
		vh_veil_peer_decrypt(x->pb, ct, cl, &x->a.ep, t0 + 10, out, sizeof(out), &l), 0);
	assert_null(vh_veil_peer_keypair(x->pb, VH_VEIL_SLOT_NEXT));
	assert_true(vh_veil_peer_is_up(x->pb));
	assert_int_equal(vh_veil_peer_tick(x->pb, t0 + 10), VH_VEIL_ACT_SEND_KEEPALIVE);
	assert_int_equal(vh_veil_peer_encrypt(x->pb, NULL, 0, t0 + 10, ct, sizeof(ct), &cl), 0);
	assert_int_equal(vh_veil_peer_tick(x->pb, t0 + 10), 0);
	assert_false(vh_veil_peer_is_up(x->pa));
	assert_int_equal(
		vh_veil_peer_decrypt(x->pa, ct, cl, &x->b.ep, t0 + 20, out, sizeof(out), &l), 0);
	assert_true(vh_veil_peer_is_up(x->pa));
	assert_true(
		vh_veil_keypair_is_confirmed(vh_veil_peer_keypair(x->pa, VH_VEIL_SLOT_CURRENT)));
	/* a keepalive answers nothing: no ping-pong */
	assert_int_equal(vh_veil_peer_tick(x->pa, t0 + 20), 0);
	assert_int_equal(vh_veil_peer_tick(x->pa, t0 + 1000), 0);
	/* the retry timer is off: no initiation later either */
	assert_int_equal(vh_veil_peer_tick(x->pa, t0 + 1500), 0);

	/* data sent back at once needs no keepalive */
	vh_veil_peer_free(x->pa);
	vh_veil_peer_free(x->pb);
	peers(x, false);
	handshake(&x->a, x->pa, &x->b, x->pb, t0);
	assert_int_equal(pass(x->pa, x->pb, &x->a.ep, "", 0, t0 + 10), 0);
	assert_int_equal(pass(x->pb, x->pa, &x->b.ep, "data", 4, t0 + 10), 0);
	assert_int_equal(vh_veil_peer_tick(x->pb, t0 + 10), 0);
	assert_true(vh_veil_peer_is_up(x->pa));
}

/* IK: the RESP proves the responder; no answer is needed. */
static void
test_ik_confirmed_at_once(void **state)
{
	struct tpair *x = *state;
	const uint64_t t0 = 1000;

	peers(x, true);
	assert_int_equal(handshake(&x->a, x->pa, &x->b, x->pb, t0), VH_VEIL_WIRE_IK);
	assert_true(vh_veil_peer_is_up(x->pa));
	assert_true(
		vh_veil_keypair_is_confirmed(vh_veil_peer_keypair(x->pa, VH_VEIL_SLOT_CURRENT)));
	assert_false(vh_veil_peer_is_up(x->pb)); /* next, until a packet under it */
	assert_int_equal(pass(x->pa, x->pb, &x->a.ep, "", 0, t0 + 10), 0);
	assert_true(vh_veil_peer_is_up(x->pb));
	assert_int_equal(vh_veil_peer_tick(x->pb, t0 + 10), 0);
	/* no confirmation pending: no retry */
	assert_int_equal(vh_veil_peer_tick(x->pa, t0 + 1000), 0);
}

/* A rekey of ours awaiting its answer does not take the session down. */
static void
test_rekey_awaiting_confirmation(void **state)
{
	struct tpair *x = *state;
	uint8_t m1[TBUF];
	size_t l;
	const uint64_t t0 = 1000;

	peers(x, false);
	handshake(&x->a, x->pa, &x->b, x->pb, t0);
	assert_int_equal(pass(x->pa, x->pb, &x->a.ep, "", 0, t0), 0);
	assert_int_equal(pass(x->pb, x->pa, &x->b.ep, "", 0, t0), 0);
	assert_true(vh_veil_peer_is_up(x->pa));
	/* two unanswered IK initiations: the third is XX */
	assert_int_equal(vh_veil_peer_write_init(x->pa, NULL, 0, t0 + 100, m1, sizeof(m1), &l), 0);
	assert_int_equal(m1[0], VH_VEIL_WIRE_IK);
	assert_int_equal(vh_veil_peer_tick(x->pa, t0 + 150), VH_VEIL_ACT_SEND_INIT);
	assert_int_equal(vh_veil_peer_write_init(x->pa, NULL, 0, t0 + 150, m1, sizeof(m1), &l), 0);
	assert_int_equal(m1[0], VH_VEIL_WIRE_IK);
	assert_int_equal(vh_veil_peer_tick(x->pa, t0 + 250), VH_VEIL_ACT_SEND_INIT);
	assert_int_equal(handshake(&x->a, x->pa, &x->b, x->pb, t0 + 250), VH_VEIL_WIRE_XX);
	assert_false(
		vh_veil_keypair_is_confirmed(vh_veil_peer_keypair(x->pa, VH_VEIL_SLOT_CURRENT)));
	assert_true(vh_veil_peer_is_up(x->pa)); /* the previous session still counts */
	assert_int_equal(pass(x->pa, x->pb, &x->a.ep, "new", 3, t0 + 251), 0);
	assert_int_equal(pass(x->pb, x->pa, &x->b.ep, "ack", 3, t0 + 252), 0);
	assert_true(
		vh_veil_keypair_is_confirmed(vh_veil_peer_keypair(x->pa, VH_VEIL_SLOT_CURRENT)));
	assert_true(vh_veil_peer_is_up(x->pa));
	assert_int_equal(vh_veil_peer_tick(x->pa, t0 + 400) & VH_VEIL_ACT_SEND_INIT, 0);
}

/* One write: IK carries the identity payload, XX none. */
static void
test_write_init_payload(void **state)
{
	struct tpair *x = *state;
	uint8_t m1[TBUF], m2[TBUF], pl[TBUF];
	size_t l1, l2, plen, xx_len;
	struct vh_veil_handshake hs;
	struct vh_veil_hs_frame f;

	peers(x, false);
	assert_int_equal(
		vh_veil_peer_write_init(x->pa, (const uint8_t *)"A-id", 4, 0, m1, sizeof(m1), &l1),
		0);
	assert_int_equal(vh_veil_index_table_count(x->a.tab), 1);
	assert_int_equal(vh_veil_hs_frame_decode(VH_VEIL_HANDSHAKE_INIT, m1, l1, &f), 0);
	assert_int_equal(f.pattern, VH_VEIL_WIRE_XX);
	assert_int_equal(f.noise_len, 32); /* e only: no payload in clear */
	assert_null(memmem(m1, l1, "A-id", 4));
	memset(&hs, 0, sizeof(hs));
	assert_int_equal(vh_veil_hs_read_init(&hs, &x->b.hsc, m1, l1, 0, pl, sizeof(pl), &plen), 0);
	assert_int_equal(plen, 0);
	vh_veil_hs_wipe(&hs);
	xx_len = l1;
	assert_int_equal(vh_veil_peer_write_init(x->pa, NULL, 0, 0, m1, sizeof(m1), &l1), 0);
	assert_int_equal(l1, xx_len);
	assert_int_equal(vh_veil_index_table_count(x->a.tab), 1); /* the old index released */

	vh_veil_peer_free(x->pa);
	vh_veil_peer_free(x->pb);
	peers(x, true);
	assert_int_equal(
		vh_veil_peer_write_init(x->pa, (const uint8_t *)"A-id", 4, 0, m1, sizeof(m1), &l1),
		0);
	assert_int_equal(vh_veil_index_table_count(x->a.tab), 1);
	assert_int_equal(vh_veil_hs_frame_decode(VH_VEIL_HANDSHAKE_INIT, m1, l1, &f), 0);
	assert_int_equal(f.pattern, VH_VEIL_WIRE_IK);
	assert_int_equal(f.noise_len, 96 + 4);
	assert_int_equal(
		vh_veil_macs_check(&x->b.ck, VH_VEIL_HANDSHAKE_INIT, m1, l1, &x->a.ep, false, 0),
		0);
	memset(&hs, 0, sizeof(hs));
	assert_int_equal(vh_veil_hs_read_init(&hs, &x->b.hsc, m1, l1, 0, pl, sizeof(pl), &plen), 0);
	assert_int_equal(plen, 4);
	assert_memory_equal(pl, "A-id", 4);
	/* and it completes */
	assert_int_equal(
		vh_veil_hs_write_resp(&hs, (const uint8_t *)"B-id", 4, m2, sizeof(m2), &l2), 0);
	assert_int_equal(vh_veil_peer_read_resp(x->pa, m2, l2, pl, sizeof(pl), &plen), 0);
	assert_int_equal(vh_veil_peer_on_handshake_complete(x->pb, &hs, 0), 0);
	assert_int_equal(
		vh_veil_peer_on_handshake_complete(x->pa, NULL, 0), VH_VEIL_ACT_SEND_KEEPALIVE);
	assert_int_equal(pass(x->pa, x->pb, &x->a.ep, "x", 1, 1), 0);
	assert_int_equal(pass(x->pb, x->pa, &x->b.ep, "y", 1, 1), 0);
}

/* A packet authenticated elsewhere: the same effects as decrypt, window untouched. */
static void
test_on_keypair_used(void **state)
{
	struct tpair *x = *state;
	const uint8_t ip2[4] = {198, 51, 100, 7};
	struct vh_veil_endpoint moved;
	uint8_t ct[64], out[64];
	size_t cl, l;
	uint32_t idx;
	const uint64_t t0 = 1000;

	vh_veil_endpoint_ipv4(&moved, ip2, 40000);
	peers(x, false);
	assert_int_equal(vh_veil_peer_on_keypair_used(NULL, 1, false, NULL, t0), -EINVAL);
	assert_int_equal(vh_veil_peer_on_keypair_used(x->pb, 0, false, NULL, t0), -ENOKEY);
	handshake(&x->a, x->pa, &x->b, x->pb, t0);
	idx = vh_veil_keypair_local_index(vh_veil_peer_keypair(x->pb, VH_VEIL_SLOT_NEXT));
	assert_int_equal(vh_veil_peer_on_keypair_used(x->pb, idx + 1, false, NULL, t0), -ENOKEY);
	assert_int_equal(vh_veil_peer_encrypt(x->pa, NULL, 0, t0, ct, sizeof(ct), &cl), 0);
	/* b's data plane opened a's keepalive: next promoted, answer due, roamed */
	assert_int_equal(vh_veil_peer_on_keypair_used(x->pb, idx, false, &moved, t0 + 5), 0);
	assert_null(vh_veil_peer_keypair(x->pb, VH_VEIL_SLOT_NEXT));
	assert_int_equal(
		vh_veil_keypair_local_index(vh_veil_peer_keypair(x->pb, VH_VEIL_SLOT_CURRENT)),
		idx);
	assert_true(vh_veil_peer_is_up(x->pb));
	assert_true(vh_veil_endpoint_equal(vh_veil_peer_endpoint(x->pb), &moved));
	assert_int_equal(vh_veil_peer_tick(x->pb, t0 + 5), VH_VEIL_ACT_SEND_KEEPALIVE);
	/* the replay window was not touched: the frame itself is still new, once */
	assert_int_equal(
		vh_veil_peer_decrypt(x->pb, ct, cl, NULL, t0 + 6, out, sizeof(out), &l), 0);
	assert_int_equal(
		vh_veil_peer_decrypt(x->pb, ct, cl, NULL, t0 + 6, out, sizeof(out), &l), -EALREADY);
	assert_true(vh_veil_endpoint_equal(vh_veil_peer_endpoint(x->pb), &moved));
	/* a's side: the answer confirms a's keypair; data arms the keepalive */
	idx = vh_veil_keypair_local_index(vh_veil_peer_keypair(x->pa, VH_VEIL_SLOT_CURRENT));
	assert_false(vh_veil_peer_is_up(x->pa));
	assert_int_equal(vh_veil_peer_on_keypair_used(x->pa, idx, true, NULL, t0 + 10), 0);
	assert_true(vh_veil_peer_is_up(x->pa));
	assert_true(vh_veil_endpoint_equal(vh_veil_peer_endpoint(x->pa), &x->b.ep));
	assert_int_equal(vh_veil_peer_tick(x->pa, t0 + 109), 0);
	assert_int_equal(vh_veil_peer_tick(x->pa, t0 + 110), VH_VEIL_ACT_SEND_KEEPALIVE);
	assert_int_equal(vh_veil_peer_encrypt(x->pa, NULL, 0, t0 + 110, ct, sizeof(ct), &cl), 0);
	/* a keepalive (data = false) asks for nothing back */
	assert_int_equal(vh_veil_peer_on_keypair_used(x->pa, idx, false, NULL, t0 + 200), 0);
	assert_int_equal(vh_veil_peer_tick(x->pa, t0 + 400), 0);
	/* renewal on receive: late in the keypair's life the initiator rekeys */
	assert_int_equal(vh_veil_peer_on_keypair_used(x->pa, idx, false, NULL, t0 + 1649), 0);
	assert_int_equal(vh_veil_peer_tick(x->pa, t0 + 1649) & VH_VEIL_ACT_SEND_INIT, 0);
	assert_int_equal(vh_veil_peer_on_keypair_used(x->pa, idx, false, NULL, t0 + 1650), 0);
	assert_int_equal(
		vh_veil_peer_tick(x->pa, t0 + 1650) & VH_VEIL_ACT_SEND_INIT, VH_VEIL_ACT_SEND_INIT);
	/* expired */
	assert_int_equal(
		vh_veil_peer_on_keypair_used(x->pa, idx, false, NULL, t0 + 1800), -EKEYEXPIRED);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_xx_refused, tpair_setup, tpair_teardown),
		cmocka_unit_test_setup_teardown(
			test_xx_confirmed_in_one_rtt, tpair_setup, tpair_teardown),
		cmocka_unit_test_setup_teardown(
			test_ik_confirmed_at_once, tpair_setup, tpair_teardown),
		cmocka_unit_test_setup_teardown(
			test_rekey_awaiting_confirmation, tpair_setup, tpair_teardown),
		cmocka_unit_test_setup_teardown(
			test_write_init_payload, tpair_setup, tpair_teardown),
		cmocka_unit_test_setup_teardown(test_on_keypair_used, tpair_setup, tpair_teardown),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
