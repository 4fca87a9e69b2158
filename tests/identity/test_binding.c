/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The identity binding inside real Noise handshakes (lib/veil): XX with the
 * payload in messages 2 and 3, IK with the payload in messages 1 and 2, a
 * man in the middle replaying another node's payload over its own static
 * key, and a restart (new static key, same NodeID) that makes a cached IK
 * key stale.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "vh_identity.h"
#include "vh_veil.h"

static const uint8_t versions[] = {1};

struct node {
	struct vh_identity id;
	struct vh_noise_keypair kp;
	uint8_t payload[VH_IDENTITY_PAYLOAD_MAX];
	size_t plen;
};

static void
node_start(struct node *n, const struct vh_identity *keep)
{
	struct vh_identity_payload p;
	const char *addr = "/udp/10.0.0.2:22088";
	int len;

	if (keep != NULL)
		n->id = *keep;
	else
		assert_int_equal(vh_identity_generate(&n->id), 0);
	assert_int_equal(vh_identity_noise_init(&n->id, NULL), 0);
	assert_int_equal(vh_noise_keypair_from_private(&n->kp, n->id.noise_priv), 0);
	assert_memory_equal(n->kp.pub, n->id.noise_pub, 32);
	assert_int_equal(vh_identity_payload_build(&n->id, versions, 1, &addr, 1, &p), 0);
	len = vh_identity_payload_encode(&p, n->payload, sizeof(n->payload));
	assert_true(len > 0);
	n->plen = (size_t)len;
}

static void
hs_init(struct vh_noise_hs *hs, enum vh_noise_pattern pat, bool initiator,
	const struct vh_noise_keypair *s, const uint8_t *rs)
{
	struct vh_noise_hs_conf conf = {
		.pattern = pat,
		.hash = VH_NOISE_SHA256,
		.initiator = initiator,
		.prologue = (const uint8_t *)"valhalla-veil/1",
		.prologue_len = 15,
		.local_static = s,
		.remote_static = rs,
	};

	assert_int_equal(vh_noise_hs_init(hs, &conf), 0);
}

/* What a receiver does with a handshake payload: decode, bind, NodeID. */
static int
check_peer(const struct vh_noise_hs *hs, const uint8_t *pl, size_t plen, uint8_t nodeid[32])
{
	struct vh_identity_payload p;
	uint8_t rs[32];
	int rc = vh_noise_get_remote_static(hs, rs);

	if (rc != 0)
		return rc;
	rc = vh_identity_payload_decode(pl, plen, &p);
	return rc != 0 ? rc : vh_identity_payload_verify(&p, rs, nodeid);
}

/* XX from a to b; b's payload may be replaced (a man in the middle). */
static int
run_xx(struct node *a, struct node *b, const struct node *b_claims, uint8_t a_sees[32],
	uint8_t b_sees[32])
{
	struct vh_noise_hs ha, hb;
	uint8_t msg[2048], pl[2048];
	size_t mlen, plen;
	int rc;

	hs_init(&ha, VH_NOISE_XX, true, &a->kp, NULL);
	hs_init(&hb, VH_NOISE_XX, false, &b->kp, NULL);
	assert_int_equal(vh_noise_write_message(&ha, NULL, 0, msg, sizeof(msg), &mlen), 0);
	assert_int_equal(vh_noise_read_message(&hb, msg, mlen, pl, sizeof(pl), &plen), 0);
	assert_int_equal(vh_noise_write_message(
				 &hb, b_claims->payload, b_claims->plen, msg, sizeof(msg), &mlen),
		0);
	assert_int_equal(vh_noise_read_message(&ha, msg, mlen, pl, sizeof(pl), &plen), 0);
	/* The initiator checks the responder before revealing itself. */
	rc = check_peer(&ha, pl, plen, a_sees);
	if (rc == 0) {
		assert_int_equal(
			vh_noise_write_message(&ha, a->payload, a->plen, msg, sizeof(msg), &mlen),
			0);
		assert_int_equal(vh_noise_read_message(&hb, msg, mlen, pl, sizeof(pl), &plen), 0);
		rc = check_peer(&hb, pl, plen, b_sees);
	}
	vh_noise_hs_wipe(&ha);
	vh_noise_hs_wipe(&hb);
	return rc;
}

static void
test_xx(void **state)
{
	struct node a, b;
	uint8_t a_sees[32], b_sees[32];

	(void)state;
	node_start(&a, NULL);
	node_start(&b, NULL);
	assert_int_equal(run_xx(&a, &b, &b, a_sees, b_sees), 0);
	assert_memory_equal(a_sees, b.id.nodeid, 32);
	assert_memory_equal(b_sees, a.id.nodeid, 32);
	vh_identity_wipe(&a.id);
	vh_identity_wipe(&b.id);
}

static void
test_xx_mitm(void **state)
{
	struct node a, b, m;
	uint8_t a_sees[32], b_sees[32];

	(void)state;
	node_start(&a, NULL);
	node_start(&b, NULL);
	node_start(&m, NULL);
	/* m answers with its own Noise key but claims b's identity. */
	assert_int_equal(run_xx(&a, &m, &b, a_sees, b_sees), -EKEYREJECTED);
	/* With its own payload it is simply m. */
	assert_int_equal(run_xx(&a, &m, &m, a_sees, b_sees), 0);
	assert_memory_equal(a_sees, m.id.nodeid, 32);
	assert_memory_not_equal(a_sees, b.id.nodeid, 32);
	vh_identity_wipe(&a.id);
	vh_identity_wipe(&b.id);
	vh_identity_wipe(&m.id);
}

/* IK from a to b with b's static key cached: -EBADMSG if it is stale. */
static int
run_ik(struct node *a, struct node *b, const uint8_t cached[32], uint8_t a_sees[32],
	uint8_t b_sees[32])
{
	struct vh_noise_hs ha, hb;
	uint8_t msg[2048], pl[2048];
	size_t mlen, plen;
	int rc;

	hs_init(&ha, VH_NOISE_IK, true, &a->kp, cached);
	hs_init(&hb, VH_NOISE_IK, false, &b->kp, NULL);
	assert_int_equal(
		vh_noise_write_message(&ha, a->payload, a->plen, msg, sizeof(msg), &mlen), 0);
	rc = vh_noise_read_message(&hb, msg, mlen, pl, sizeof(pl), &plen);
	if (rc == 0)
		rc = check_peer(&hb, pl, plen, b_sees);
	if (rc == 0) {
		assert_int_equal(
			vh_noise_write_message(&hb, b->payload, b->plen, msg, sizeof(msg), &mlen),
			0);
		assert_int_equal(vh_noise_read_message(&ha, msg, mlen, pl, sizeof(pl), &plen), 0);
		rc = check_peer(&ha, pl, plen, a_sees);
	}
	vh_noise_hs_wipe(&ha);
	vh_noise_hs_wipe(&hb);
	return rc;
}

static void
test_ik_and_restart(void **state)
{
	struct node a, b, b2;
	uint8_t a_sees[32], b_sees[32], cached[32];

	(void)state;
	node_start(&a, NULL);
	node_start(&b, NULL);
	memcpy(cached, b.kp.pub, 32); /* learnt in an earlier XX */
	assert_int_equal(run_ik(&a, &b, cached, a_sees, b_sees), 0);
	assert_memory_equal(a_sees, b.id.nodeid, 32);
	assert_memory_equal(b_sees, a.id.nodeid, 32);
	/* b restarts: same identity, new Noise static key. */
	node_start(&b2, &b.id);
	assert_memory_not_equal(b2.kp.pub, cached, 32);
	assert_memory_equal(b2.id.nodeid, b.id.nodeid, 32);
	assert_int_equal(run_ik(&a, &b2, cached, a_sees, b_sees), -EBADMSG);
	/* XX (the fallback) finds the same NodeID behind the new key. */
	assert_int_equal(run_xx(&a, &b2, &b2, a_sees, b_sees), 0);
	assert_memory_equal(a_sees, b.id.nodeid, 32);
	vh_identity_wipe(&a.id);
	vh_identity_wipe(&b.id);
	vh_identity_wipe(&b2.id);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xx),
		cmocka_unit_test(test_xx_mitm),
		cmocka_unit_test(test_ik_and_restart),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests_name("identity_binding", tests, NULL, NULL);
}
