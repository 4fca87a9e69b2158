/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sphinx primitives: AES-256 and its CTR mode (FIPS-197, SP 800-38A),
 * SHA-512/256 (FIPS 180-4 examples), Katzenpost's KDF vectors, and AEZ v5
 * against the published vectors plus round trips at every short length.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <sodium.h>

#include "mix_internal.h"
#include "mix_test_util.h"

static const char *vectors_path;

static void
unhex(const char *hex, uint8_t *out, size_t want)
{
	size_t len = 0;
	uint8_t *b = hex_decode(hex, &len);

	assert_non_null(b);
	assert_int_equal(len, want);
	memcpy(out, b, len);
	free(b);
}

static void
test_aes256_block(void **state)
{
	uint8_t key[32], pt[16], ct[16], want[16];

	(void)state;
	for (int i = 0; i < 32; i++)
		key[i] = (uint8_t)i;
	unhex("00112233445566778899aabbccddeeff", pt, 16);
	unhex("8ea2b7ca516745bfeafc49904b496089", want, 16); /* FIPS-197 C.3 */
	aesni_aes256_encrypt_block(key, pt, ct);
	assert_memory_equal(ct, want, 16);
}

static void
test_aes256_ctr(void **state)
{
	uint8_t key[32], iv[16], buf[64], want[64], part[64], blk[16], zero[16] = {0};

	(void)state;
	/* NIST SP 800-38A F.5.5, CTR-AES256.Encrypt */
	unhex("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4", key, 32);
	unhex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff", iv, 16);
	unhex("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
	      "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710",
		buf, 64);
	unhex("601ec313775789a5b7a7f504bbf3d228f443e3ca4d62b59aca84e990cacaf5c5"
	      "2b0930daa23de94ce87017ba2d84988ddfc9c58db67aada613c2dd08457941a6",
		want, 64);
	memcpy(part, buf, 64);
	aesni_aes256_ctr_xor(key, iv, buf, 64);
	assert_memory_equal(buf, want, 64);
	/* A ragged length gives a prefix of the same stream. */
	aesni_aes256_ctr_xor(key, iv, part, 37);
	assert_memory_equal(part, want, 37);

	/* The counter is one 128-bit big-endian integer: the carry crosses. */
	memset(iv, 0, 8);
	memset(iv + 8, 0xff, 8);
	memset(buf, 0, 32);
	aesni_aes256_ctr_xor(key, iv, buf, 32);
	memset(iv, 0, 16);
	iv[7] = 1;
	aesni_aes256_encrypt_block(key, iv, blk);
	assert_memory_equal(buf + 16, blk, 16);
	assert_memory_not_equal(buf, zero, 16);
}

static void
test_sha512_256(void **state)
{
	uint8_t out[32], want[32];

	(void)state;
	sphinx_hash((const uint8_t *)"abc", 3, out);
	unhex("53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23", want, 32);
	assert_memory_equal(out, want, 32);
	sphinx_hash((const uint8_t *)"", 0, out);
	unhex("c672b8d1ef56ed28ab87c3622c5114069bdd3ad7b8f9737498d0c01ecef0967a", want, 32);
	assert_memory_equal(out, want, 32);
}

static void
check_field(const json_t *v, const char *name, const uint8_t *got, size_t len)
{
	size_t n;
	uint8_t *want = json_hex(v, name, &n);

	assert_int_equal(n, len);
	assert_memory_equal(got, want, len);
	free(want);
}

static void
test_kdf_vectors(void **state)
{
	json_t *root = load_json(vectors_path), *arr = json_object_get(root, "kdf"), *v;
	size_t idx, n;

	(void)state;
	assert_true(json_array_size(arr) >= 2);
	json_array_foreach(arr, idx, v)
	{
		struct sphinx_keys k;
		uint8_t *ikm = json_hex(v, "ikm", &n);

		assert_int_equal(n, 32);
		sphinx_kdf(ikm, &k);
		check_field(v, "header_mac", k.header_mac, sizeof(k.header_mac));
		check_field(v, "header_encryption", k.header_enc, sizeof(k.header_enc));
		check_field(v, "header_encryption_iv", k.header_iv, sizeof(k.header_iv));
		check_field(v, "payload_encryption", k.payload_key, sizeof(k.payload_key));
		check_field(v, "blinding_seed", k.blinding_seed, sizeof(k.blinding_seed));
		free(ikm);
	}
	printf("kdf vectors: %zu\n", json_array_size(arr));
	json_decref(root);
}

static void
test_blinding_vectors(void **state)
{
	json_t *root = load_json(vectors_path), *arr = json_object_get(root, "blinding"), *v;
	size_t idx, n;

	(void)state;
	assert_true(json_array_size(arr) >= 3);
	json_array_foreach(arr, idx, v)
	{
		uint8_t out[32], *seed = json_hex(v, "seed", &n);

		assert_int_equal(n, 32);
		sphinx_blinding_key(seed, out);
		check_field(v, "private_key", out, sizeof(out));
		free(seed);
	}
	printf("blinding vectors: %zu\n", json_array_size(arr));
	json_decref(root);
}

struct aez_case {
	uint8_t *key, *nonce, *pt, *ct;
	size_t key_len, nonce_len, pt_len, ct_len, tau, nr_ad;
	uint8_t *ad[4];
	size_t ad_len[4];
};

static void
load_aez_case(const json_t *v, struct aez_case *c)
{
	const json_t *ad = json_object_get(v, "ad");
	size_t i;
	json_t *a;

	memset(c, 0, sizeof(*c));
	c->key = json_hex(v, "key", &c->key_len);
	c->nonce = json_hex(v, "nonce", &c->nonce_len);
	c->pt = json_hex(v, "plaintext", &c->pt_len);
	c->ct = json_hex(v, "ciphertext", &c->ct_len);
	c->tau = (size_t)json_integer_value(json_object_get(v, "tau"));
	assert_true(json_array_size(ad) <= 4);
	json_array_foreach(ad, i, a)
	{
		c->ad[i] = hex_decode(json_string_value(a), &c->ad_len[i]);
		assert_non_null(c->ad[i]);
	}
	c->nr_ad = json_array_size(ad);
}

static void
free_aez_case(struct aez_case *c)
{
	free(c->key);
	free(c->nonce);
	free(c->pt);
	free(c->ct);
	for (size_t i = 0; i < c->nr_ad; i++)
		free(c->ad[i]);
}

static void
run_aez_case(const struct aez_case *c)
{
	const uint8_t *const *ad = (const uint8_t *const *)c->ad;
	uint8_t *buf = malloc(c->ct_len + 1);

	assert_non_null(buf);
	assert_int_equal(c->ct_len, c->pt_len + c->tau);
	assert_int_equal(vh_mix_aez_encrypt(c->key, c->key_len, c->nonce, c->nonce_len, ad,
				 c->ad_len, c->nr_ad, c->tau, c->pt, c->pt_len, buf),
		0);
	assert_memory_equal(buf, c->ct, c->ct_len);
	assert_int_equal(vh_mix_aez_decrypt(c->key, c->key_len, c->nonce, c->nonce_len, ad,
				 c->ad_len, c->nr_ad, c->tau, c->ct, c->ct_len, buf),
		0);
	assert_memory_equal(buf, c->pt, c->pt_len);
	if (c->tau > 0) {
		/* Any flipped bit must fail the authenticator. */
		memcpy(buf, c->ct, c->ct_len);
		buf[c->ct_len / 2] ^= 0x01;
		assert_int_equal(vh_mix_aez_decrypt(c->key, c->key_len, c->nonce, c->nonce_len, ad,
					 c->ad_len, c->nr_ad, c->tau, buf, c->ct_len, buf),
			-EBADMSG);
	}
	free(buf);
}

static void
test_aez_vectors(void **state)
{
	json_t *root = load_json(vectors_path), *arr = json_object_get(root, "aez"), *v;
	size_t idx;

	(void)state;
	assert_true(json_array_size(arr) >= 16);
	json_array_foreach(arr, idx, v)
	{
		struct aez_case c;

		load_aez_case(v, &c);
		run_aez_case(&c);
		free_aez_case(&c);
	}
	printf("aez vectors: %zu\n", json_array_size(arr));
	json_decref(root);
}

static void
test_aez_round_trips(void **state)
{
	uint8_t key[48], nonce[16], pt[300], a[316], b[316];

	(void)state;
	randombytes_buf(key, sizeof(key));
	randombytes_buf(nonce, sizeof(nonce));
	randombytes_buf(pt, sizeof(pt));
	for (size_t len = 0; len <= sizeof(pt); len++) {
		for (size_t tau = 0; tau <= 16; tau += 16) {
			if (len + tau == 0)
				continue;
			assert_int_equal(vh_mix_aez_encrypt(key, 48, nonce, 16, NULL, NULL, 0, tau,
						 pt, len, a),
				0);
			/* In place gives the same bytes. */
			memcpy(b, pt, len);
			assert_int_equal(vh_mix_aez_encrypt(
						 key, 48, nonce, 16, NULL, NULL, 0, tau, b, len, b),
				0);
			assert_memory_equal(a, b, len + tau);
			if (len >= 2)
				assert_memory_not_equal(a, pt, len);
			assert_int_equal(vh_mix_aez_decrypt(key, 48, nonce, 16, NULL, NULL, 0, tau,
						 a, len + tau, a),
				0);
			assert_memory_equal(a, pt, len);
		}
	}
}

static void
test_aez_bad_args(void **state)
{
	uint8_t key[48] = {0}, buf[32] = {0};

	(void)state;
	assert_int_equal(
		vh_mix_aez_encrypt(key, 48, buf, 16, NULL, NULL, 0, 17, buf, 8, buf), -EINVAL);
	assert_int_equal(
		vh_mix_aez_encrypt(key, 48, buf, 16, NULL, NULL, 1, 0, buf, 8, buf), -EINVAL);
	assert_int_equal(
		vh_mix_aez_decrypt(key, 48, buf, 16, NULL, NULL, 0, 16, buf, 8, buf), -EINVAL);
	assert_int_equal(
		vh_mix_aez_decrypt(key, 48, NULL, 16, NULL, NULL, 0, 0, buf, 8, buf), -EINVAL);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_aes256_block),
		cmocka_unit_test(test_aes256_ctr),
		cmocka_unit_test(test_sha512_256),
		cmocka_unit_test(test_kdf_vectors),
		cmocka_unit_test(test_blinding_vectors),
		cmocka_unit_test(test_aez_vectors),
		cmocka_unit_test(test_aez_round_trips),
		cmocka_unit_test(test_aez_bad_args),
	};

	if (argc < 2) {
		fprintf(stderr, "usage: %s sphinx_primitives.json\n", argv[0]);
		return 1;
	}
	if (vh_mix_cpu_supported(NULL) != 0) {
		fprintf(stderr, "SKIP: this CPU has no AES-NI, the mix core cannot run\n");
		return 77;
	}
	if (sodium_init() < 0)
		return 1;
	vectors_path = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
