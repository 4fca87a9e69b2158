/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Handshake behaviour of lib/veil: full XX and IK handshakes between two
 * states with random keys, every byte of every handshake message tampered,
 * truncated and extended messages, calls out of order, size limits,
 * configuration errors, low-order keys and wiping.
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

#include "vh_noise.h"

#define NCOMBO 4

/* Deterministic RNG: a seed and a counter, so a run can be replayed exactly. */
struct det_rng {
	uint32_t seed, ctr;
};

static int
det_rng(void *ctx, uint8_t *out, size_t len)
{
	struct det_rng *r = ctx;
	uint8_t seed[randombytes_SEEDBYTES] = {0};

	memcpy(seed, &r->seed, sizeof(r->seed));
	memcpy(seed + 4, &r->ctr, sizeof(r->ctr));
	r->ctr++;
	randombytes_buf_deterministic(out, len, seed);
	return 0;
}

static int
failing_rng(void *ctx, uint8_t *out, size_t len)
{
	(void)ctx;
	(void)out;
	(void)len;
	return -1;
}

/* Two ends of one handshake: [0] initiator, [1] responder. */
struct pair {
	struct vh_noise_hs hs[2];
	struct vh_noise_keypair s[2];
	struct det_rng rng[2];
	enum vh_noise_pattern pat;
	enum vh_noise_hash hash;
};

/* The message transcript of an honest run. */
struct transcript {
	uint8_t msg[3][512];
	size_t len[3];
	int n;
};

static const uint8_t prologue[] = "valhalla veil test";
static const uint8_t payload[3][24] = {"first payload", "second payload", "third payload"};

static void
combo(int i, enum vh_noise_pattern *p, enum vh_noise_hash *h)
{
	*p = i / 2 ? VH_NOISE_IK : VH_NOISE_XX;
	*h = i % 2 ? VH_NOISE_BLAKE2B : VH_NOISE_SHA256;
}

static int
num_msgs(enum vh_noise_pattern p)
{
	return p == VH_NOISE_XX ? 3 : 2;
}

/* seed 0: libsodium's RNG everywhere; otherwise deterministic from seed. */
static void
pair_init(struct pair *pr, enum vh_noise_pattern p, enum vh_noise_hash h, uint32_t seed)
{
	memset(pr, 0, sizeof(*pr));
	pr->pat = p;
	pr->hash = h;
	for (int i = 0; i < 2; i++) {
		pr->rng[i] = (struct det_rng){.seed = seed * 2 + (uint32_t)i};
		assert_int_equal(
			vh_noise_keypair_generate(&pr->s[i], seed ? det_rng : NULL, &pr->rng[i]),
			0);
	}
	for (int i = 0; i < 2; i++) {
		struct vh_noise_hs_conf c = {.pattern = p,
			.hash = h,
			.initiator = i == 0,
			.prologue = prologue,
			.prologue_len = sizeof(prologue),
			.local_static = &pr->s[i],
			.rng = seed ? det_rng : NULL,
			.rng_ctx = &pr->rng[i]};

		if (p == VH_NOISE_IK && i == 0)
			c.remote_static = pr->s[1].pub;
		assert_int_equal(vh_noise_hs_init(&pr->hs[i], &c), 0);
	}
}

/* Message i: side i % 2 writes, the other reads; returns the read's result. */
static int
step(struct pair *pr, int i, const uint8_t *pl, size_t plen, struct transcript *t)
{
	uint8_t msg[512], back[512];
	size_t len, blen;
	int rc;

	assert_true(vh_noise_wants_write(&pr->hs[i % 2]));
	assert_false(vh_noise_wants_write(&pr->hs[1 - i % 2]));
	rc = vh_noise_write_message(&pr->hs[i % 2], pl, plen, msg, sizeof(msg), &len);
	if (rc != 0)
		return rc;
	if (t != NULL) {
		memcpy(t->msg[i], msg, len);
		t->len[i] = len;
		t->n = i + 1;
	}
	rc = vh_noise_read_message(&pr->hs[1 - i % 2], msg, len, back, sizeof(back), &blen);
	if (rc == 0) {
		assert_int_equal(blen, plen);
		if (plen > 0)
			assert_memory_equal(back, pl, plen);
	}
	return rc;
}

static void
run_handshake(struct pair *pr, struct transcript *t)
{
	for (int i = 0; i < num_msgs(pr->pat); i++)
		assert_int_equal(step(pr, i, payload[i], strlen((const char *)payload[i]), t), 0);
	assert_true(vh_noise_is_complete(&pr->hs[0]));
	assert_true(vh_noise_is_complete(&pr->hs[1]));
}

static bool
all_zero(const void *p, size_t len)
{
	return sodium_is_zero(p, len) == 1;
}

/* Transport both ways, each key only working in its own direction. */
static void
check_transport(struct vh_noise_cs tx[2], struct vh_noise_cs rx[2])
{
	static const uint8_t ad[] = "frame header";
	uint8_t pt[100], ct[sizeof(pt) + 16], back[sizeof(pt)];
	size_t len, blen;

	randombytes_buf(pt, sizeof(pt));
	for (int i = 0; i < 2; i++) {
		assert_memory_not_equal(tx[i].k, rx[i].k, 32);
		assert_int_equal(vh_noise_cs_encrypt(&tx[i], ad, sizeof(ad), pt, sizeof(pt), ct,
					 sizeof(ct), &len),
			0);
		/* the sender's own receive key must not open it */
		assert_int_equal(vh_noise_cs_decrypt(&rx[i], ad, sizeof(ad), ct, len, back,
					 sizeof(back), &blen),
			-EBADMSG);
		assert_int_equal(vh_noise_cs_decrypt(&rx[1 - i], ad, sizeof(ad), ct, len, back,
					 sizeof(back), &blen),
			0);
		assert_int_equal(blen, sizeof(pt));
		assert_memory_equal(back, pt, sizeof(pt));
	}
}

static void
test_full_random(void **state)
{
	(void)state;
	for (int c = 0; c < NCOMBO; c++) {
		for (int rep = 0; rep < 3; rep++) {
			struct pair pr;
			struct vh_noise_cs tx[2], rx[2];
			uint8_t h[2][64], rs[32];
			size_t hl[2];

			combo(c, &pr.pat, &pr.hash);
			pair_init(&pr, pr.pat, pr.hash, 0);
			/* an XX initiator learns rs from message 2, an IK one knows it */
			assert_int_equal(vh_noise_get_remote_static(&pr.hs[0], rs),
				pr.pat == VH_NOISE_IK ? 0 : -EPROTO);
			assert_int_equal(vh_noise_get_remote_static(&pr.hs[1], rs), -EPROTO);
			run_handshake(&pr, NULL);
			for (int i = 0; i < 2; i++) {
				assert_int_equal(
					vh_noise_get_handshake_hash(&pr.hs[i], h[i], 64, &hl[i]),
					0);
				assert_int_equal(hl[i], pr.hash == VH_NOISE_SHA256 ? 32 : 64);
				assert_int_equal(vh_noise_get_remote_static(&pr.hs[i], rs), 0);
				assert_memory_equal(rs, pr.s[1 - i].pub, 32);
				assert_int_equal(vh_noise_split(&pr.hs[i], &tx[i], &rx[i]), 0);
			}
			assert_memory_equal(h[0], h[1], hl[0]);
			assert_memory_equal(tx[0].k, rx[1].k, 32);
			assert_memory_equal(tx[1].k, rx[0].k, 32);
			check_transport(tx, rx);
			for (int i = 0; i < 2; i++) {
				vh_noise_hs_wipe(&pr.hs[i]);
				vh_noise_cs_wipe(&tx[i]);
				vh_noise_cs_wipe(&rx[i]);
			}
		}
	}
}

/* Two runs with different random keys give different hashes and keys. */
static void
test_fresh_keys_differ(void **state)
{
	struct pair a, b;
	struct vh_noise_cs tx[2][2], rx[2][2];

	(void)state;
	pair_init(&a, VH_NOISE_XX, VH_NOISE_SHA256, 0);
	pair_init(&b, VH_NOISE_XX, VH_NOISE_SHA256, 0);
	run_handshake(&a, NULL);
	run_handshake(&b, NULL);
	assert_memory_not_equal(a.hs[0].h, b.hs[0].h, 32);
	assert_int_equal(vh_noise_split(&a.hs[0], &tx[0][0], &rx[0][0]), 0);
	assert_int_equal(vh_noise_split(&b.hs[0], &tx[1][0], &rx[1][0]), 0);
	assert_memory_not_equal(tx[0][0].k, tx[1][0].k, 32);
}

/* A state that failed: wiped, and every call refused. */
static void
assert_dead(struct vh_noise_hs *hs)
{
	uint8_t buf[256], h[64], rs[32];
	size_t len;
	struct vh_noise_cs a, b;

	assert_false(vh_noise_is_complete(hs));
	assert_false(vh_noise_wants_write(hs));
	assert_true(all_zero(hs->ck, sizeof(hs->ck)));
	assert_true(all_zero(hs->cs.k, sizeof(hs->cs.k)));
	assert_true(all_zero(hs->s.priv, sizeof(hs->s.priv)));
	assert_true(all_zero(hs->e.priv, sizeof(hs->e.priv)));
	assert_int_equal(vh_noise_write_message(hs, NULL, 0, buf, sizeof(buf), &len), -EPROTO);
	assert_int_equal(vh_noise_read_message(hs, buf, 100, buf + 100, 100, &len), -EPROTO);
	assert_int_equal(vh_noise_get_handshake_hash(hs, h, sizeof(h), &len), -EPROTO);
	assert_int_equal(vh_noise_get_remote_static(hs, rs), -EPROTO);
	assert_int_equal(vh_noise_split(hs, &a, &b), -EPROTO);
}

/*
 * Replay the honest run up to message m, then deliver bad (len bytes)
 * instead. The reader must reject it, except where the message is not yet
 * authenticated (XX message 1: e and a clear payload); there the damage must
 * surface when the other side reads the next message. Returns 1 if the
 * rejection was immediate.
 */
static int
deliver_bad(enum vh_noise_pattern p, enum vh_noise_hash h, uint32_t seed, int m, const uint8_t *bad,
	size_t len)
{
	struct pair pr;
	uint8_t scratch[512], back[512];
	size_t sl, bl;
	int rd = 1 - m % 2, rc;

	pair_init(&pr, p, h, seed);
	for (int i = 0; i < m; i++)
		assert_int_equal(
			step(&pr, i, payload[i], strlen((const char *)payload[i]), NULL), 0);
	assert_int_equal(vh_noise_write_message(&pr.hs[m % 2], payload[m],
				 strlen((const char *)payload[m]), scratch, sizeof(scratch), &sl),
		0);
	rc = vh_noise_read_message(&pr.hs[rd], bad, len, back, sizeof(back), &bl);
	if (rc == -EBADMSG) {
		assert_dead(&pr.hs[rd]);
		return 1;
	}
	assert_int_equal(rc, 0);
	assert_true(p == VH_NOISE_XX && m == 0);
	/* the responder answers; the initiator must refuse that answer */
	rc = step(&pr, 1, payload[1], 4, NULL);
	assert_int_equal(rc, -EBADMSG);
	assert_dead(&pr.hs[0]);
	return 0;
}

static void
test_tamper_every_byte(void **state)
{
	unsigned int immediate = 0, later = 0;

	(void)state;
	for (int c = 0; c < NCOMBO; c++) {
		struct pair pr;
		struct transcript t;
		enum vh_noise_pattern p;
		enum vh_noise_hash h;

		combo(c, &p, &h);
		pair_init(&pr, p, h, 7);
		run_handshake(&pr, &t);
		for (int m = 0; m < t.n; m++) {
			for (size_t j = 0; j < t.len[m]; j++) {
				uint8_t bad[512];

				memcpy(bad, t.msg[m], t.len[m]);
				bad[j] ^= (uint8_t)(1u << (j % 8));
				if (deliver_bad(p, h, 7, m, bad, t.len[m]))
					immediate++;
				else
					later++;
			}
		}
	}
	printf("# tampered bytes: %u rejected on read, %u rejected at the next message\n",
		immediate, later);
	assert_true(immediate > 0);
}

static void
test_truncated_and_extended(void **state)
{
	unsigned int n = 0;

	(void)state;
	for (int c = 0; c < NCOMBO; c++) {
		struct pair pr;
		struct transcript t;
		enum vh_noise_pattern p;
		enum vh_noise_hash h;

		combo(c, &p, &h);
		pair_init(&pr, p, h, 11);
		run_handshake(&pr, &t);
		for (int m = 0; m < t.n; m++) {
			uint8_t ext[513];

			for (size_t len = 0; len < t.len[m]; len++, n++)
				deliver_bad(p, h, 11, m, t.msg[m], len);
			memcpy(ext, t.msg[m], t.len[m]);
			ext[t.len[m]] = 0x42;
			deliver_bad(p, h, 11, m, ext, t.len[m] + 1);
			n++;
		}
	}
	printf("# %u truncated or extended messages rejected\n", n);
}

/* XX message 1 without payload is only e: anything shorter is refused at once. */
static void
test_truncated_first_message(void **state)
{
	(void)state;
	for (size_t len = 0; len < 32; len++) {
		struct pair pr;
		uint8_t msg[64], back[16];
		size_t ml, bl;

		pair_init(&pr, VH_NOISE_XX, VH_NOISE_SHA256, 3);
		assert_int_equal(
			vh_noise_write_message(&pr.hs[0], NULL, 0, msg, sizeof(msg), &ml), 0);
		assert_int_equal(ml, 32);
		assert_int_equal(
			vh_noise_read_message(&pr.hs[1], msg, len, back, sizeof(back), &bl),
			-EBADMSG);
		assert_dead(&pr.hs[1]);
	}
}

static void
test_out_of_order(void **state)
{
	struct pair pr;
	uint8_t msg[512], back[512], h[64];
	size_t len, bl, hl;
	struct vh_noise_cs a, b, c2, d;

	(void)state;
	for (int c = 0; c < NCOMBO; c++) {
		enum vh_noise_pattern p;
		enum vh_noise_hash hh;

		combo(c, &p, &hh);
		pair_init(&pr, p, hh, 5);
		/* the responder may not write first, the initiator may not read first */
		assert_int_equal(vh_noise_write_message(&pr.hs[1], NULL, 0, msg, sizeof(msg), &len),
			-EPROTO);
		assert_int_equal(
			vh_noise_read_message(&pr.hs[0], msg, 100, back, sizeof(back), &bl),
			-EPROTO);
		assert_int_equal(vh_noise_split(&pr.hs[0], &a, &b), -EPROTO);
		assert_int_equal(
			vh_noise_get_handshake_hash(&pr.hs[0], h, sizeof(h), &hl), -EPROTO);
		/* the initiator may not write twice in a row */
		assert_int_equal(
			vh_noise_write_message(&pr.hs[0], NULL, 0, msg, sizeof(msg), &len), 0);
		assert_int_equal(
			vh_noise_write_message(&pr.hs[0], NULL, 0, back, sizeof(back), &bl),
			-EPROTO);
		assert_int_equal(
			vh_noise_read_message(&pr.hs[1], msg, len, back, sizeof(back), &bl), 0);
		assert_int_equal(
			vh_noise_read_message(&pr.hs[1], msg, len, back, sizeof(back), &bl),
			-EPROTO);
		for (int i = 1; i < num_msgs(p); i++)
			assert_int_equal(step(&pr, i, NULL, 0, NULL), 0);
		/* complete: no more handshake messages either way */
		for (int i = 0; i < 2; i++) {
			assert_false(vh_noise_wants_write(&pr.hs[i]));
			assert_int_equal(
				vh_noise_write_message(&pr.hs[i], NULL, 0, msg, sizeof(msg), &len),
				-EPROTO);
			assert_int_equal(
				vh_noise_read_message(&pr.hs[i], msg, 64, back, sizeof(back), &bl),
				-EPROTO);
		}
		assert_int_equal(vh_noise_split(&pr.hs[0], &a, &a), -EINVAL);
		assert_int_equal(vh_noise_split(&pr.hs[0], &a, &b), 0);
		assert_int_equal(vh_noise_split(&pr.hs[0], &c2, &d), -EPROTO);
		/* split wiped ck and s but kept h and rs */
		assert_true(all_zero(pr.hs[0].ck, sizeof(pr.hs[0].ck)));
		assert_true(all_zero(pr.hs[0].s.priv, sizeof(pr.hs[0].s.priv)));
		assert_true(all_zero(pr.hs[0].e.priv, sizeof(pr.hs[0].e.priv)));
		assert_true(vh_noise_is_complete(&pr.hs[0]));
		assert_int_equal(vh_noise_get_handshake_hash(&pr.hs[0], h, sizeof(h), &hl), 0);
		assert_int_equal(vh_noise_get_handshake_hash(&pr.hs[0], h, hl - 1, &hl), -ENOBUFS);
		assert_int_equal(vh_noise_get_remote_static(&pr.hs[0], h), 0);
		assert_memory_equal(h, pr.s[1].pub, 32);
		vh_noise_hs_wipe(&pr.hs[0]);
		assert_true(all_zero(&pr.hs[0], sizeof(pr.hs[0])));
		assert_false(vh_noise_is_complete(&pr.hs[0]));
		assert_int_equal(
			vh_noise_get_handshake_hash(&pr.hs[0], h, sizeof(h), &hl), -EPROTO);
		assert_int_equal(vh_noise_get_remote_static(&pr.hs[0], h), -EPROTO);
	}
	vh_noise_hs_wipe(NULL);
}

/* Largest payload that fits message i of an honest handshake. */
static size_t
max_payload(enum vh_noise_pattern p, int i)
{
	static const size_t xx[3] = {32, 32 + 48 + 16, 48 + 16};
	static const size_t ik[2] = {32 + 48 + 16, 32 + 16};

	return VH_NOISE_MAX_MSG - (p == VH_NOISE_XX ? xx[i] : ik[i]);
}

static void
test_payload_limits(void **state)
{
	static uint8_t big[VH_NOISE_MAX_MSG + 1], msg[VH_NOISE_MAX_MSG + 1], back[VH_NOISE_MAX_MSG];

	(void)state;
	randombytes_buf(big, sizeof(big));
	for (int c = 0; c < NCOMBO; c++) {
		struct pair pr;
		enum vh_noise_pattern p;
		enum vh_noise_hash h;

		combo(c, &p, &h);
		pair_init(&pr, p, h, 9);
		for (int i = 0; i < num_msgs(p); i++) {
			struct vh_noise_hs *w = &pr.hs[i % 2], *r = &pr.hs[1 - i % 2];
			size_t mp = max_payload(p, i), len, bl;

			/* refusals leave the state as it was */
			assert_int_equal(
				vh_noise_write_message(w, big, mp + 1, msg, sizeof(msg), &len),
				-EMSGSIZE);
			assert_int_equal(
				vh_noise_write_message(w, big, SIZE_MAX, msg, sizeof(msg), &len),
				-EMSGSIZE);
			assert_int_equal(
				vh_noise_write_message(w, big, mp, msg, VH_NOISE_MAX_MSG - 1, &len),
				-ENOBUFS);
			assert_int_equal(
				vh_noise_write_message(w, big, mp, msg, sizeof(msg), &len), 0);
			assert_int_equal(len, VH_NOISE_MAX_MSG);
			assert_int_equal(
				vh_noise_read_message(r, msg, len, back, mp - 1, &bl), -ENOBUFS);
			assert_int_equal(vh_noise_read_message(r, msg, len, back, mp, &bl), 0);
			assert_int_equal(bl, mp);
			assert_memory_equal(back, big, mp);
		}
		assert_true(vh_noise_is_complete(&pr.hs[0]));
		assert_true(vh_noise_is_complete(&pr.hs[1]));
		assert_memory_equal(pr.hs[0].h, pr.hs[1].h, 32);
	}
}

static void
test_oversized_message(void **state)
{
	static uint8_t msg[VH_NOISE_MAX_MSG + 1], back[VH_NOISE_MAX_MSG + 1];
	struct pair pr;
	size_t bl;

	(void)state;
	pair_init(&pr, VH_NOISE_XX, VH_NOISE_SHA256, 4);
	assert_int_equal(
		vh_noise_read_message(&pr.hs[1], msg, sizeof(msg), back, sizeof(back), &bl),
		-EBADMSG);
	assert_dead(&pr.hs[1]);
}

static void
test_bad_args(void **state)
{
	struct vh_noise_keypair kp, other;
	struct vh_noise_hs hs;
	struct vh_noise_hs_conf c = {
		.pattern = VH_NOISE_XX, .hash = VH_NOISE_SHA256, .local_static = &kp};
	uint8_t buf[128];
	size_t len;

	(void)state;
	assert_int_equal(vh_noise_keypair_generate(&kp, NULL, NULL), 0);
	assert_int_equal(vh_noise_keypair_generate(&other, NULL, NULL), 0);
	assert_int_equal(vh_noise_keypair_generate(NULL, NULL, NULL), -EINVAL);
	assert_int_equal(vh_noise_keypair_generate(&other, failing_rng, NULL), -EIO);
	assert_int_equal(vh_noise_keypair_from_private(NULL, kp.priv), -EINVAL);
	assert_int_equal(vh_noise_hs_init(NULL, &c), -EINVAL);
	assert_int_equal(vh_noise_hs_init(&hs, NULL), -EINVAL);
	c.pattern = 7;
	assert_int_equal(vh_noise_hs_init(&hs, &c), -EINVAL);
	c.pattern = VH_NOISE_XX;
	c.hash = 9;
	assert_int_equal(vh_noise_hs_init(&hs, &c), -EINVAL);
	c.hash = VH_NOISE_BLAKE2B;
	c.prologue_len = 3;
	assert_int_equal(vh_noise_hs_init(&hs, &c), -EINVAL);
	c.prologue_len = 0;
	c.local_static = NULL;
	assert_int_equal(vh_noise_hs_init(&hs, &c), -EINVAL);
	c.local_static = &kp;
	/* XX takes no remote key; IK needs one on the initiator only */
	c.remote_static = other.pub;
	assert_int_equal(vh_noise_hs_init(&hs, &c), -EINVAL);
	c.pattern = VH_NOISE_IK;
	assert_int_equal(vh_noise_hs_init(&hs, &c), -EINVAL);
	c.remote_static = NULL;
	c.initiator = true;
	assert_int_equal(vh_noise_hs_init(&hs, &c), -EINVAL);
	/* a key pair whose halves disagree */
	c.remote_static = other.pub;
	memcpy(kp.pub, other.pub, 32);
	assert_int_equal(vh_noise_hs_init(&hs, &c), -EINVAL);
	assert_false(vh_noise_wants_write(&hs));
	assert_int_equal(vh_noise_keypair_from_private(&kp, kp.priv), 0);
	assert_int_equal(vh_noise_hs_init(&hs, &c), 0);
	assert_int_equal(vh_noise_write_message(NULL, NULL, 0, buf, sizeof(buf), &len), -EINVAL);
	assert_int_equal(vh_noise_write_message(&hs, NULL, 1, buf, sizeof(buf), &len), -EINVAL);
	assert_int_equal(vh_noise_write_message(&hs, NULL, 0, NULL, sizeof(buf), &len), -EINVAL);
	assert_int_equal(vh_noise_write_message(&hs, NULL, 0, buf, sizeof(buf), NULL), -EINVAL);
	assert_int_equal(vh_noise_read_message(&hs, NULL, 5, buf, sizeof(buf), &len), -EINVAL);
	assert_int_equal(vh_noise_read_message(&hs, buf, 5, NULL, 5, &len), -EINVAL);
	assert_true(vh_noise_wants_write(&hs));
	assert_null(vh_noise_protocol_name(VH_NOISE_IK, 5));
	assert_string_equal(vh_noise_protocol_name(VH_NOISE_IK, VH_NOISE_BLAKE2B),
		"Noise_IK_25519_ChaChaPoly_BLAKE2b");
	vh_noise_hs_wipe(&hs);
}

static void
test_rng_failure(void **state)
{
	struct vh_noise_keypair kp;
	struct vh_noise_hs hs;
	struct vh_noise_hs_conf c = {.pattern = VH_NOISE_XX,
		.hash = VH_NOISE_SHA256,
		.initiator = true,
		.local_static = &kp,
		.rng = failing_rng};
	uint8_t buf[128];
	size_t len;

	(void)state;
	assert_int_equal(vh_noise_keypair_generate(&kp, NULL, NULL), 0);
	assert_int_equal(vh_noise_hs_init(&hs, &c), 0);
	assert_int_equal(vh_noise_write_message(&hs, NULL, 0, buf, sizeof(buf), &len), -EIO);
	assert_dead(&hs);
}

/* Low-order peer keys give an all-zero DH and must stop the handshake. */
static void
test_low_order_keys(void **state)
{
	static const uint8_t zero[32];
	struct pair pr;
	uint8_t msg[512], back[512];
	size_t len, bl;
	struct vh_noise_keypair kp;
	struct vh_noise_hs hs;
	struct vh_noise_hs_conf c = {.pattern = VH_NOISE_IK,
		.hash = VH_NOISE_SHA256,
		.initiator = true,
		.local_static = &kp,
		.remote_static = zero};

	(void)state;
	/* IK initiator configured with a low-order responder key */
	assert_int_equal(vh_noise_keypair_generate(&kp, NULL, NULL), 0);
	assert_int_equal(vh_noise_hs_init(&hs, &c), 0);
	assert_int_equal(vh_noise_write_message(&hs, NULL, 0, msg, sizeof(msg), &len), -EINVAL);
	assert_dead(&hs);
	/* XX initiator receiving a zero ephemeral in message 2 */
	pair_init(&pr, VH_NOISE_XX, VH_NOISE_SHA256, 21);
	assert_int_equal(step(&pr, 0, NULL, 0, NULL), 0);
	assert_int_equal(vh_noise_write_message(&pr.hs[1], NULL, 0, msg, sizeof(msg), &len), 0);
	memset(msg, 0, 32);
	assert_int_equal(
		vh_noise_read_message(&pr.hs[0], msg, len, back, sizeof(back), &bl), -EBADMSG);
	assert_dead(&pr.hs[0]);
	/* IK responder receiving a zero ephemeral in message 1 */
	pair_init(&pr, VH_NOISE_IK, VH_NOISE_BLAKE2B, 22);
	assert_int_equal(vh_noise_write_message(&pr.hs[0], NULL, 0, msg, sizeof(msg), &len), 0);
	memset(msg, 0, 32);
	assert_int_equal(
		vh_noise_read_message(&pr.hs[1], msg, len, back, sizeof(back), &bl), -EBADMSG);
	assert_dead(&pr.hs[1]);
}

/* A different prologue on one side must break the handshake. */
static void
test_prologue_mismatch(void **state)
{
	(void)state;
	for (int c = 0; c < NCOMBO; c++) {
		struct pair pr;
		struct vh_noise_hs_conf conf = {
			.initiator = false, .prologue = (const uint8_t *)"x", .prologue_len = 1};
		int rc = 0, i;

		combo(c, &conf.pattern, &conf.hash);
		pair_init(&pr, conf.pattern, conf.hash, 31);
		conf.local_static = &pr.s[1];
		assert_int_equal(vh_noise_hs_init(&pr.hs[1], &conf), 0);
		for (i = 0; i < num_msgs(conf.pattern) && rc == 0; i++)
			rc = step(&pr, i, NULL, 0, NULL);
		assert_int_equal(rc, -EBADMSG);
		/* XX message 1 carries no MAC: the break shows in message 2 */
		assert_int_equal(i, conf.pattern == VH_NOISE_XX ? 2 : 1);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_random),
		cmocka_unit_test(test_fresh_keys_differ),
		cmocka_unit_test(test_tamper_every_byte),
		cmocka_unit_test(test_truncated_and_extended),
		cmocka_unit_test(test_truncated_first_message),
		cmocka_unit_test(test_out_of_order),
		cmocka_unit_test(test_payload_limits),
		cmocka_unit_test(test_oversized_message),
		cmocka_unit_test(test_bad_args),
		cmocka_unit_test(test_rng_failure),
		cmocka_unit_test(test_low_order_keys),
		cmocka_unit_test(test_prologue_mismatch),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
