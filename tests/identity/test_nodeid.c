/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/identity keys and NodeIDs: seed -> key pair against Wycheproof's
 * eddsa_test.json, NodeID against SHA-256 computed here and against the
 * hashlib/base58 values of nodeid_vectors.json (Python, independent), the
 * text form's round trip and its strict parsing, the short form, the Noise
 * static key signature and wiping.
 *
 * Usage: test_identity_nodeid <eddsa_test.json> <nodeid_vectors.json> <min keys>
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
#include <sodium.h>

#include "test_util.h"
#include "vh_identity.h"

static const char *eddsa_path, *vectors_path;
static size_t min_keys;

static json_t *
load_json(const char *path)
{
	json_error_t e;
	json_t *j = json_load_file(path, 0, &e);

	if (j == NULL)
		fail_msg("%s:%d: %s", path, e.line, e.text);
	return j;
}

/* Wycheproof seeds give Wycheproof public keys; NodeID = SHA-256(pk) here. */
static void
test_eddsa_seeds(void **state)
{
	json_t *root = load_json(eddsa_path), *groups = json_object_get(root, "testGroups"), *g;
	size_t i, n = 0;

	(void)state;
	json_array_foreach(groups, i, g)
	{
		json_t *key = json_object_get(g, "key");
		uint8_t seed[32], pk[32], nid[32];
		struct vh_identity id;

		assert_int_equal(unhex(json_string_value(json_object_get(key, "sk")), seed, 32), 0);
		assert_int_equal(unhex(json_string_value(json_object_get(key, "pk")), pk, 32), 0);
		assert_int_equal(vh_identity_from_seed(seed, &id), 0);
		assert_memory_equal(id.ed_pub, pk, 32);
		crypto_hash_sha256(nid, pk, 32);
		assert_memory_equal(id.nodeid, nid, 32);
		vh_identity_nodeid(pk, nid);
		assert_memory_equal(id.nodeid, nid, 32);
		assert_false(id.has_noise);
		vh_identity_wipe(&id);
		n++;
	}
	print_message("eddsa_test.json: %zu key pairs checked\n", n);
	assert_true(n >= min_keys);
	json_decref(root);
}

/* NodeIDs and text forms computed by Python (hashlib, big integers). */
static void
test_python_vectors(void **state)
{
	json_t *root = load_json(vectors_path), *arr, *v;
	size_t i, n = 0;

	(void)state;
	arr = json_object_get(root, "keys");
	json_array_foreach(arr, i, v)
	{
		uint8_t seed[32], want[32], got[32];
		const char *text = json_string_value(json_object_get(v, "text"));
		char buf[VH_IDENTITY_NODEID_TEXT_MAX];
		struct vh_identity id;

		assert_int_equal(unhex(json_string_value(json_object_get(v, "seed")), seed, 32), 0);
		assert_int_equal(
			unhex(json_string_value(json_object_get(v, "nodeid")), want, 32), 0);
		assert_int_equal(vh_identity_from_seed(seed, &id), 0);
		assert_memory_equal(id.nodeid, want, 32);
		assert_int_equal(
			vh_identity_nodeid_format(id.nodeid, buf, sizeof(buf)), (int)strlen(text));
		assert_string_equal(buf, text);
		assert_int_equal(vh_identity_nodeid_parse(text, got), 0);
		assert_memory_equal(got, want, 32);
		vh_identity_wipe(&id);
		n++;
	}
	arr = json_object_get(root, "edges");
	json_array_foreach(arr, i, v)
	{
		uint8_t nid[32], got[32];
		const char *text = json_string_value(json_object_get(v, "text"));
		char buf[VH_IDENTITY_NODEID_TEXT_MAX];

		assert_int_equal(
			unhex(json_string_value(json_object_get(v, "nodeid")), nid, 32), 0);
		assert_true(vh_identity_nodeid_format(nid, buf, sizeof(buf)) > 0);
		assert_string_equal(buf, text);
		assert_int_equal(vh_identity_nodeid_parse(text, got), 0);
		assert_memory_equal(got, nid, 32);
		n++;
	}
	print_message("nodeid_vectors.json: %zu vectors checked\n", n);
	assert_true(n >= min_keys);
	json_decref(root);
}

static void
test_roundtrip_random(void **state)
{
	size_t shortest = 100, longest = 0;

	(void)state;
	for (int i = 0; i < 3000; i++) {
		uint8_t nid[32], got[32];
		char buf[VH_IDENTITY_NODEID_TEXT_MAX], sh[VH_IDENTITY_NODEID_SHORT_MAX];
		int n;

		randombytes_buf(nid, sizeof(nid));
		/* Some with leading zero bytes, which base58 writes as '1'. */
		memset(nid, 0, (size_t)(i % 5 == 0 ? i % 4 : 0));
		n = vh_identity_nodeid_format(nid, buf, sizeof(buf));
		assert_true(n >= 2 + 32 && n <= 2 + 44);
		assert_int_equal((size_t)n, strlen(buf));
		assert_memory_equal(buf, "VH", 2);
		shortest = (size_t)n < shortest ? (size_t)n : shortest;
		longest = (size_t)n > longest ? (size_t)n : longest;
		memset(got, 0, sizeof(got));
		assert_int_equal(vh_identity_nodeid_parse(buf, got), 0);
		assert_memory_equal(got, nid, 32);
		assert_int_equal(vh_identity_nodeid_short(nid, sh, sizeof(sh)), 10);
		assert_memory_equal(sh, buf, 10);
		assert_int_equal(sh[10], '\0');
	}
	print_message("random text forms: %zu..%zu characters\n", shortest, longest);
}

static void
test_parse_rejects(void **state)
{
	uint8_t nid[32], out[32], ff[32];
	char good[VH_IDENTITY_NODEID_TEXT_MAX], bad[128];
	const char *body;
	/* Each: a printf format applied to the good body. */
	static const char *const fmts[] = {
		"vh%s", /* prefix is case-sensitive */
		"Vh%s",
		"vH%s",
		"VHVH%s", /* double prefix */
		"VH1%s",  /* extra leading '1': 33 bytes */
		"VH%sz",  /* one character too many */
		" VH%s",
		"VH %s",
		"VH%s ",
		"VH%s\n",
		"VH%s\t",
		"VH:%s",
		"VH-%s",
		"VH_%s",
		"z%s",
	};
	static const char *const fixed[] = {
		"", "V", "VH", "VH1", "VH11111111111111111111111111111111111" /* 35 ones */,
		"VH1111111111111111111111111111111" /* 31 ones: 31 bytes */,
		"VH111111111111111111111111111111111" /* 33 ones */,
		"VHzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz" /* 44 z: >= 2^256 */,
		"VHzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz" /* 45 */,
		"VH\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", /* UTF-8 */
	};
	size_t rejected = 0;

	(void)state;
	memset(ff, 0xaa, sizeof(ff));
	memset(nid, 0x5c, sizeof(nid));
	assert_true(vh_identity_nodeid_format(nid, good, sizeof(good)) > 0);
	body = good + 2;
	assert_int_equal(vh_identity_nodeid_parse(NULL, out), -EINVAL);
	for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++, rejected++) {
		snprintf(bad, sizeof(bad), fmts[i], body);
		memset(out, 0xaa, sizeof(out));
		if (vh_identity_nodeid_parse(bad, out) != -EINVAL)
			fail_msg("accepted \"%s\"", bad);
		assert_memory_equal(out, ff, 32); /* untouched on failure */
	}
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++, rejected++) {
		memset(out, 0xaa, sizeof(out));
		if (vh_identity_nodeid_parse(fixed[i], out) != -EINVAL)
			fail_msg("accepted \"%s\"", fixed[i]);
		assert_memory_equal(out, ff, 32);
	}
	/* Every character outside the alphabet, at every position of the body. */
	for (size_t pos = 2; pos < strlen(good); pos++) {
		static const char outside[] = "0OIl+/=!.";

		for (const char *c = outside; *c; c++, rejected++) {
			strcpy(bad, good);
			bad[pos] = *c;
			assert_int_equal(vh_identity_nodeid_parse(bad, out), -EINVAL);
		}
	}
	/*
	 * Every truncation: rejected, except that dropping the last one or
	 * two characters can leave the canonical text of another 32-byte
	 * value (plain base58 has no checksum; docs/identity.md). Such a text
	 * never parses to the original NodeID.
	 */
	for (size_t len = 0; len < strlen(good); len++) {
		memcpy(bad, good, len);
		bad[len] = '\0';
		if (vh_identity_nodeid_parse(bad, out) == 0) {
			assert_true(len >= strlen(good) - 2);
			assert_memory_not_equal(out, nid, 32);
		} else {
			rejected++;
		}
		if (len < 2 + 32)
			assert_int_equal(vh_identity_nodeid_parse(bad, out), -EINVAL);
	}
	assert_int_equal(vh_identity_nodeid_parse(good, out), 0);
	assert_memory_equal(out, nid, 32);
	/* the bare form (PathAddrs had it) reads as the same NodeID */
	memset(out, 0, sizeof(out));
	assert_int_equal(vh_identity_nodeid_parse(body, out), 0);
	assert_memory_equal(out, nid, 32);
	print_message("%zu bad strings rejected\n", rejected);
}

static void
test_format_space(void **state)
{
	uint8_t nid[32];
	char buf[VH_IDENTITY_NODEID_TEXT_MAX];
	int need;

	(void)state;
	memset(nid, 0xff, sizeof(nid)); /* the longest text: 44 characters */
	need = vh_identity_nodeid_format(nid, buf, sizeof(buf));
	assert_int_equal(need, 46);
	assert_int_equal(VH_IDENTITY_NODEID_TEXT_MAX, need + 1);
	for (size_t cap = 0; cap < (size_t)need + 1; cap++)
		assert_int_equal(vh_identity_nodeid_format(nid, buf, cap), -ENOSPC);
	for (size_t cap = 0; cap < 11; cap++)
		assert_int_equal(vh_identity_nodeid_short(nid, buf, cap), -ENOSPC);
	assert_int_equal(vh_identity_nodeid_short(nid, buf, 11), 10);
}

static void
test_generate(void **state)
{
	struct vh_identity a, b;
	uint8_t nid[32], zero[sizeof(a)];

	(void)state;
	assert_int_equal(vh_identity_generate(&a), 0);
	assert_int_equal(vh_identity_generate(&b), 0);
	assert_memory_not_equal(a.ed_pub, b.ed_pub, 32);
	assert_memory_not_equal(a.nodeid, b.nodeid, 32);
	crypto_hash_sha256(nid, a.ed_pub, 32);
	assert_memory_equal(a.nodeid, nid, 32);
	/* libsodium's secret key is seed || public key. */
	assert_memory_equal(a.ed_sec + 32, a.ed_pub, 32);
	vh_identity_wipe(&a);
	vh_identity_wipe(&b);
	memset(zero, 0, sizeof(zero));
	assert_memory_equal(&a, zero, sizeof(a));
}

static void
test_noise_init(void **state)
{
	static const char prefix[] = "valhalla-noise-static:";
	uint8_t msg[sizeof(prefix) - 1 + 32], pub[32], priv[32], first[32];
	struct vh_identity id, blank;

	(void)state;
	assert_int_equal(vh_identity_generate(&id), 0);
	assert_int_equal(vh_identity_noise_init(&id, NULL), 0);
	assert_true(id.has_noise);
	crypto_scalarmult_base(pub, id.noise_priv);
	assert_memory_equal(pub, id.noise_pub, 32);
	memcpy(msg, prefix, sizeof(prefix) - 1);
	memcpy(msg + sizeof(prefix) - 1, id.noise_pub, 32);
	assert_int_equal(crypto_sign_verify_detached(id.noise_sig, msg, sizeof(msg), id.ed_pub), 0);
	/* A fresh one per call (per start). */
	memcpy(first, id.noise_pub, 32);
	assert_int_equal(vh_identity_noise_init(&id, NULL), 0);
	assert_memory_not_equal(first, id.noise_pub, 32);
	/* A given private key is used as is. */
	randombytes_buf(priv, sizeof(priv));
	assert_int_equal(vh_identity_noise_init(&id, priv), 0);
	assert_memory_equal(id.noise_priv, priv, 32);
	crypto_scalarmult_base(pub, priv);
	assert_memory_equal(id.noise_pub, pub, 32);
	memcpy(msg + sizeof(prefix) - 1, pub, 32);
	assert_int_equal(crypto_sign_verify_detached(id.noise_sig, msg, sizeof(msg), id.ed_pub), 0);
	/* No identity key, no signature. */
	memset(&blank, 0, sizeof(blank));
	assert_int_equal(vh_identity_noise_init(&blank, NULL), -EINVAL);
	assert_false(blank.has_noise);
	vh_identity_wipe(&id);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eddsa_seeds),
		cmocka_unit_test(test_python_vectors),
		cmocka_unit_test(test_roundtrip_random),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_format_space),
		cmocka_unit_test(test_generate),
		cmocka_unit_test(test_noise_init),
	};

	if (argc != 4) {
		fprintf(stderr, "usage: %s eddsa_test.json nodeid_vectors.json min_keys\n",
			argv[0]);
		return 2;
	}
	eddsa_path = argv[1];
	vectors_path = argv[2];
	min_keys = strtoul(argv[3], NULL, 10);
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests_name("identity_nodeid", tests, NULL, NULL);
}
