/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Helpers shared by the link-session tests: a deterministic RNG, a test
 * node (static key, index table, handshake settings, cookie checker) and a
 * full handshake between two peers exchanging bytes.
 */
#ifndef VH_LINK_TEST_H
#define VH_LINK_TEST_H

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "vh_veil.h"

/* ChaCha20 keystream blocks from a seed; fail makes the next calls fail. */
struct trng {
	uint8_t key[crypto_stream_chacha20_KEYBYTES];
	uint64_t ctr;
	int fail;
};

static inline void
trng_seed(struct trng *r, uint8_t seed)
{
	memset(r, 0, sizeof(*r));
	memset(r->key, seed, sizeof(r->key));
}

static inline int
trng_fn(void *ctx, uint8_t *out, size_t len)
{
	struct trng *r = ctx;
	uint8_t nonce[crypto_stream_chacha20_NONCEBYTES];

	if (r->fail)
		return -1;
	memcpy(nonce, &r->ctr, sizeof(nonce));
	r->ctr++;
	crypto_stream_chacha20(out, len, nonce, r->key);
	return 0;
}

struct tnode {
	struct vh_noise_keypair s;
	struct vh_veil_index_table *tab;
	struct vh_veil_index_ops ops;
	struct vh_veil_hs_conf hsc;
	struct vh_veil_cookie_checker ck;
	struct trng rng;
	struct vh_veil_endpoint ep;
};

static inline void
tnode_init(struct tnode *n, uint8_t seed, enum vh_noise_hash h)
{
	const uint8_t ip[4] = {10, 0, 0, seed};

	memset(n, 0, sizeof(*n));
	trng_seed(&n->rng, seed);
	assert_int_equal(vh_noise_keypair_generate(&n->s, trng_fn, &n->rng), 0);
	n->tab = vh_veil_index_table_new(64);
	assert_non_null(n->tab);
	vh_veil_index_table_ops(n->tab, &n->ops);
	n->hsc.hash = h;
	n->hsc.local_static = &n->s;
	n->hsc.index = &n->ops;
	n->hsc.rng = trng_fn;
	n->hsc.rng_ctx = &n->rng;
	vh_veil_cookie_checker_init(&n->ck, n->s.pub, true, trng_fn, &n->rng);
	vh_veil_endpoint_ipv4(&n->ep, ip, 22088);
}

static inline void
tnode_fini(struct tnode *n)
{
	vh_veil_index_table_free(n->tab);
	vh_veil_cookie_checker_wipe(&n->ck);
}

/* Timing shrunk to small round numbers (ms) so tests step through it. */
static inline void
small_timing(struct vh_veil_timing *t)
{
	vh_veil_timing_default(t);
	t->rekey_after_messages = 1000;
	t->reject_after_messages = 2000;
	t->rekey_after_time = 1200;
	t->reject_after_time = 1800;
	t->keepalive_timeout = 100;
	t->rekey_timeout = 50;
	t->rekey_jitter = 0;
	t->backoff_max = 400;
	t->rekey_attempt_time = 900;
}

static inline struct vh_veil_peer *
tpeer(struct tnode *self, const struct tnode *remote, bool know_static, bool keep,
	const struct vh_veil_timing *t)
{
	struct vh_veil_peer_conf c = {
		.timing = *t,
		.hs = &self->hsc,
		.remote_static = know_static ? remote->s.pub : NULL,
		.endpoint = &remote->ep,
		.keep_link = keep,
	};
	struct vh_veil_peer *p = vh_veil_peer_new(&c);

	assert_non_null(p);
	return p;
}

#define TBUF 2048

/*
 * Run one handshake from a (initiator, peer object pa for b) to b
 * (responder, pb for a), checking MACs on the way, with identity payloads
 * "A-id" / "B-id". Returns the pattern used.
 */
static inline uint8_t
handshake(struct tnode *a, struct vh_veil_peer *pa, struct tnode *b, struct vh_veil_peer *pb,
	uint64_t now)
{
	uint8_t m1[TBUF], m2[TBUF], m3[TBUF], pl[TBUF];
	size_t l1, l2, l3, plen;
	struct vh_veil_handshake hs;
	struct vh_veil_hs_frame f;
	uint8_t pattern;
	int act;

	assert_int_equal(
		vh_veil_peer_write_init(pa, (const uint8_t *)"A-id", 4, now, m1, sizeof(m1), &l1),
		0);
	assert_int_equal(vh_veil_hs_frame_decode(VH_VEIL_HANDSHAKE_INIT, m1, l1, &f), 0);
	pattern = f.pattern;
	assert_int_equal(
		vh_veil_macs_check(&b->ck, VH_VEIL_HANDSHAKE_INIT, m1, l1, &a->ep, false, now), 0);
	memset(&hs, 0, sizeof(hs));
	assert_int_equal(vh_veil_hs_read_init(&hs, &b->hsc, m1, l1, now, pl, sizeof(pl), &plen), 0);
	if (pattern == VH_VEIL_WIRE_IK) {
		assert_int_equal(plen, 4);
		assert_memory_equal(pl, "A-id", 4);
	}
	assert_int_equal(
		vh_veil_hs_write_resp(&hs, (const uint8_t *)"B-id", 4, m2, sizeof(m2), &l2), 0);
	assert_int_equal(
		vh_veil_macs_check(&a->ck, VH_VEIL_HANDSHAKE_RESP, m2, l2, &b->ep, false, now), 0);
	assert_int_equal(vh_veil_peer_read_resp(pa, m2, l2, pl, sizeof(pl), &plen), 0);
	assert_int_equal(plen, 4);
	assert_memory_equal(pl, "B-id", 4);
	if (pattern == VH_VEIL_WIRE_XX) {
		assert_int_equal(vh_veil_peer_write_finish(
					 pa, (const uint8_t *)"A-id", 4, now, m3, sizeof(m3), &l3),
			0);
		assert_int_equal(vh_veil_macs_check(&b->ck, VH_VEIL_HANDSHAKE_FINISH, m3, l3,
					 &a->ep, false, now),
			0);
		assert_int_equal(vh_veil_hs_read_finish(&hs, m3, l3, pl, sizeof(pl), &plen), 0);
		assert_int_equal(plen, 4);
		assert_memory_equal(pl, "A-id", 4);
	}
	assert_true(vh_veil_hs_is_complete(&hs));
	assert_int_equal(vh_veil_peer_on_handshake_complete(pb, &hs, now), 0);
	act = vh_veil_peer_on_handshake_complete(pa, NULL, now);
	assert_int_equal(act, VH_VEIL_ACT_SEND_KEEPALIVE);
	return pattern;
}

/* Seal pt on from and open it on to; returns the decrypt result. */
static inline int
pass(struct vh_veil_peer *from, struct vh_veil_peer *to, const struct vh_veil_endpoint *src,
	const void *pt, size_t plen, uint64_t now)
{
	uint8_t ct[TBUF], back[TBUF];
	size_t cl, bl;
	int rc = vh_veil_peer_encrypt(from, pt, plen, now, ct, sizeof(ct), &cl);

	if (rc != 0)
		return rc;
	rc = vh_veil_peer_decrypt(to, ct, cl, src, now, back, sizeof(back), &bl);
	if (rc == 0) {
		assert_int_equal(bl, plen);
		if (plen > 0)
			assert_memory_equal(back, pt, plen);
	}
	return rc;
}

/* The usual fixture: nodes a and b and each one's peer of the other. */
struct tpair {
	struct tnode a, b;
	struct vh_veil_timing t;
	struct vh_veil_peer *pa, *pb; /* a's view of b, b's view of a */
};

/* Nodes with hash h and small timers; peers are the test's (or tpair_peers). */
static inline struct tpair *
tpair_init(enum vh_noise_hash h)
{
	static struct tpair x;

	memset(&x, 0, sizeof(x));
	tnode_init(&x.a, 1, h);
	tnode_init(&x.b, 2, h);
	small_timing(&x.t);
	return &x;
}

/* cmocka setup: tpair_init(SHA-256). */
static inline int
tpair_setup(void **state)
{
	*state = tpair_init(VH_NOISE_SHA256);
	return 0;
}

/* cmocka teardown: frees the peers and checks every index went back. */
static inline int
tpair_teardown(void **state)
{
	struct tpair *x = *state;

	vh_veil_peer_free(x->pa);
	vh_veil_peer_free(x->pb);
	assert_int_equal(vh_veil_index_table_count(x->a.tab), 0);
	assert_int_equal(vh_veil_index_table_count(x->b.tab), 0);
	tnode_fini(&x->a);
	tnode_fini(&x->b);
	return 0;
}

#endif /* VH_LINK_TEST_H */
