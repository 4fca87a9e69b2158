/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Replays the Noise test vectors (cacophony, snow, noise-c JSON) for
 * Noise_{XX,IK}_25519_ChaChaPoly_{SHA256,BLAKE2b}: both sides run from the
 * vector's keys, each ephemeral comes in through the RNG callback, and every
 * handshake and transport ciphertext, every payload, the handshake hash
 * (where the file has one) and the learned remote static keys are compared.
 *
 * usage: test_noise_vectors FILE EXPECTED [FILE EXPECTED]...
 * Each file must yield at least EXPECTED (> 0) matching cases.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "vh_noise.h"

#define MAX_FILES 8

struct file_arg {
	const char *path;
	long expected;
};

struct counts {
	unsigned int cases, hs_msgs, transport_msgs, hashes;
};

/* A fixed ephemeral handed out once through the RNG callback. */
struct fixed_rng {
	uint8_t key[32];
	int calls;
};

static int
fixed_rng(void *ctx, uint8_t *out, size_t len)
{
	struct fixed_rng *r = ctx;

	if (len != sizeof(r->key) || r->calls++ > 0)
		return -1;
	memcpy(out, r->key, len);
	return 0;
}

/* Hex field of obj into a new buffer; NULL if absent. */
static uint8_t *
hex_field(json_t *obj, const char *name, size_t *len)
{
	json_t *s = json_object_get(obj, name);
	const char *hex;
	uint8_t *buf;
	size_t n;

	*len = 0;
	if (s == NULL)
		return NULL;
	assert_true(json_is_string(s));
	hex = json_string_value(s);
	n = strlen(hex);
	assert_int_equal(n % 2, 0);
	buf = malloc(n / 2 + 1);
	assert_non_null(buf);
	for (size_t i = 0; i < n / 2; i++) {
		unsigned int b;

		assert_int_equal(sscanf(hex + 2 * i, "%2x", &b), 1);
		buf[i] = (uint8_t)b;
	}
	*len = n / 2;
	return buf;
}

static void
hex_key(json_t *obj, const char *name, uint8_t out[32])
{
	size_t len;
	uint8_t *b = hex_field(obj, name, &len);

	assert_non_null(b);
	assert_int_equal(len, 32);
	memcpy(out, b, 32);
	free(b);
}

/* Map a protocol name to (pattern, hash); false for any other protocol. */
static bool
parse_name(const char *name, enum vh_noise_pattern *p, enum vh_noise_hash *h)
{
	for (int pi = VH_NOISE_XX; pi <= VH_NOISE_IK; pi++) {
		for (int hi = VH_NOISE_SHA256; hi <= VH_NOISE_BLAKE2B; hi++) {
			if (strcmp(name, vh_noise_protocol_name(pi, hi)) == 0) {
				*p = pi;
				*h = hi;
				return true;
			}
		}
	}
	return false;
}

/* One side of a case: init from the side's prefix ("init_" or "resp_"). */
static void
init_side(json_t *v, const char *side, enum vh_noise_pattern p, enum vh_noise_hash h,
	struct vh_noise_hs *hs, struct fixed_rng *rng, struct vh_noise_keypair *s)
{
	char field[64];
	uint8_t rs[32], *prologue;
	size_t plen;
	bool ini = strcmp(side, "init_") == 0;
	struct vh_noise_hs_conf conf = {.pattern = p, .hash = h, .initiator = ini};

	snprintf(field, sizeof(field), "%sstatic", side);
	hex_key(v, field, s->priv);
	assert_int_equal(vh_noise_keypair_from_private(s, s->priv), 0);
	snprintf(field, sizeof(field), "%sephemeral", side);
	hex_key(v, field, rng->key);
	rng->calls = 0;
	snprintf(field, sizeof(field), "%sprologue", side);
	prologue = hex_field(v, field, &plen);
	if (p == VH_NOISE_IK && ini) {
		hex_key(v, "init_remote_static", rs);
		conf.remote_static = rs;
	}
	conf.prologue = prologue;
	conf.prologue_len = plen;
	conf.local_static = s;
	conf.rng = fixed_rng;
	conf.rng_ctx = rng;
	assert_int_equal(vh_noise_hs_init(hs, &conf), 0);
	free(prologue);
}

/* Both sides finished: compare hashes and learned keys, then split. */
static void
finish(json_t *v, struct vh_noise_hs *hs, const struct vh_noise_keypair *s,
	struct vh_noise_cs tx[2], struct vh_noise_cs rx[2], struct counts *c)
{
	uint8_t h[2][VH_NOISE_HASH_MAX], rs[32], *want;
	size_t hl[2], wl;

	for (int i = 0; i < 2; i++) {
		assert_true(vh_noise_is_complete(&hs[i]));
		assert_int_equal(
			vh_noise_get_handshake_hash(&hs[i], h[i], sizeof(h[i]), &hl[i]), 0);
		assert_int_equal(vh_noise_get_remote_static(&hs[i], rs), 0);
		assert_memory_equal(rs, s[1 - i].pub, 32);
		assert_int_equal(vh_noise_split(&hs[i], &tx[i], &rx[i]), 0);
	}
	assert_int_equal(hl[0], hl[1]);
	assert_memory_equal(h[0], h[1], hl[0]);
	want = hex_field(v, "handshake_hash", &wl);
	if (want != NULL) {
		assert_int_equal(wl, hl[0]);
		assert_memory_equal(want, h[0], wl);
		c->hashes++;
	}
	free(want);
}

static uint8_t out[VH_NOISE_MAX_MSG], back[VH_NOISE_MAX_MSG];

/* Message i goes from side i % 2 (0 initiator, 1 responder). */
static void
run_message(json_t *m, int from, struct vh_noise_hs *hs, struct vh_noise_cs *tx,
	struct vh_noise_cs *rx, struct counts *c)
{
	size_t pl, cl, ol, bl;
	uint8_t *payload = hex_field(m, "payload", &pl);
	uint8_t *ct = hex_field(m, "ciphertext", &cl);

	assert_non_null(ct);
	if (!vh_noise_is_complete(&hs[from])) {
		assert_true(vh_noise_wants_write(&hs[from]));
		assert_int_equal(
			vh_noise_write_message(&hs[from], payload, pl, out, sizeof(out), &ol), 0);
		assert_int_equal(
			vh_noise_read_message(&hs[1 - from], out, ol, back, sizeof(back), &bl), 0);
		c->hs_msgs++;
	} else {
		assert_int_equal(
			vh_noise_cs_encrypt(&tx[from], NULL, 0, payload, pl, out, sizeof(out), &ol),
			0);
		assert_int_equal(vh_noise_cs_decrypt(
					 &rx[1 - from], NULL, 0, out, ol, back, sizeof(back), &bl),
			0);
		c->transport_msgs++;
	}
	assert_int_equal(ol, cl);
	assert_memory_equal(out, ct, cl);
	assert_int_equal(bl, pl);
	if (pl > 0)
		assert_memory_equal(back, payload, pl);
	free(payload);
	free(ct);
}

static void
run_case(json_t *v, enum vh_noise_pattern p, enum vh_noise_hash h, struct counts *c)
{
	struct vh_noise_hs hs[2];
	struct vh_noise_keypair s[2];
	struct fixed_rng rng[2];
	struct vh_noise_cs tx[2], rx[2];
	json_t *msgs = json_object_get(v, "messages");
	unsigned int before = c->transport_msgs;
	bool split = false;
	size_t i;

	assert_true(json_is_array(msgs));
	init_side(v, "init_", p, h, &hs[0], &rng[0], &s[0]);
	init_side(v, "resp_", p, h, &hs[1], &rng[1], &s[1]);
	for (i = 0; i < json_array_size(msgs); i++) {
		run_message(json_array_get(msgs, i), (int)(i % 2), hs, tx, rx, c);
		/* both sides finish on the same message: one writes it, one reads it */
		assert_int_equal(vh_noise_is_complete(&hs[0]), vh_noise_is_complete(&hs[1]));
		if (!split && vh_noise_is_complete(&hs[0])) {
			finish(v, hs, s, tx, rx, c);
			split = true;
		}
	}
	/* a case must get through the handshake and into transport */
	assert_true(c->transport_msgs > before);
	assert_int_equal(rng[0].calls, 1);
	assert_int_equal(rng[1].calls, 1);
	for (i = 0; i < 2; i++) {
		vh_noise_hs_wipe(&hs[i]);
		vh_noise_cs_wipe(&tx[i]);
		vh_noise_cs_wipe(&rx[i]);
	}
	c->cases++;
}

static void
test_file(void **state)
{
	const struct file_arg *fa = *state;
	json_error_t err;
	json_t *root = json_load_file(fa->path, 0, &err);
	json_t *vecs, *v;
	struct counts c = {0};
	size_t i;

	if (root == NULL)
		fail_msg("%s:%d: %s", fa->path, err.line, err.text);
	vecs = json_object_get(root, "vectors");
	assert_true(json_is_array(vecs));
	json_array_foreach(vecs, i, v)
	{
		json_t *n = json_object_get(v, "protocol_name");
		enum vh_noise_pattern p;
		enum vh_noise_hash h;

		if (n == NULL)
			n = json_object_get(v, "name"); /* noise-c's key */
		if (!json_is_string(n) || !parse_name(json_string_value(n), &p, &h))
			continue;
		run_case(v, p, h, &c);
	}
	printf("# %s: %u cases run (%u handshake messages, %u transport messages, "
	       "%u handshake hashes compared), %ld expected\n",
		fa->path, c.cases, c.hs_msgs, c.transport_msgs, c.hashes, fa->expected);
	json_decref(root);
	assert_true(c.cases > 0);
	assert_true((long)c.cases >= fa->expected);
}

int
main(int argc, char **argv)
{
	static struct file_arg files[MAX_FILES];
	struct CMUnitTest tests[MAX_FILES];
	int n = 0;

	if (argc < 3 || argc % 2 == 0 || (argc - 1) / 2 > MAX_FILES) {
		fprintf(stderr, "usage: %s FILE EXPECTED [FILE EXPECTED]...\n", argv[0]);
		return 2;
	}
	for (int i = 1; i + 1 < argc; i += 2, n++) {
		files[n].path = argv[i];
		files[n].expected = strtol(argv[i + 1], NULL, 10);
		if (files[n].expected <= 0) {
			fprintf(stderr, "%s: EXPECTED must be > 0\n", argv[i]);
			return 2;
		}
		tests[n] = (struct CMUnitTest){
			.name = argv[i], .test_func = test_file, .initial_state = &files[n]};
	}
	return _cmocka_run_group_tests("noise_vectors", tests, (size_t)n, NULL, NULL);
}
