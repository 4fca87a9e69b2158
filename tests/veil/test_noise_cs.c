/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Transport cipher states (counter and explicit nonces, the 2^64-1 limit,
 * rekey, size checks) and the hash layer (HMAC against libsodium's
 * HMAC-SHA256, HMAC-BLAKE2b and HKDF against published or independently
 * computed answers).
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

#include "noise_priv.h"
#include "vh_noise.h"

static void
unhex(const char *hex, uint8_t *out, size_t len)
{
	assert_int_equal(strlen(hex), 2 * len);
	for (size_t i = 0; i < len; i++) {
		unsigned int b;

		assert_int_equal(sscanf(hex + 2 * i, "%2x", &b), 1);
		out[i] = (uint8_t)b;
	}
}

static void
keyed(struct vh_noise_cs *cs)
{
	memset(cs, 0, sizeof(*cs));
	randombytes_buf(cs->k, sizeof(cs->k));
	cs->has_key = true;
}

static void
test_counter(void **state)
{
	struct vh_noise_cs tx, rx;
	uint8_t pt[3][40], ct[3][56], back[40];
	size_t len[3], bl;

	(void)state;
	keyed(&tx);
	rx = tx;
	for (int i = 0; i < 3; i++) {
		randombytes_buf(pt[i], sizeof(pt[i]));
		assert_int_equal(vh_noise_cs_nonce(&tx), (uint64_t)i);
		assert_int_equal(vh_noise_cs_encrypt(&tx, NULL, 0, pt[i], sizeof(pt[i]), ct[i],
					 sizeof(ct[i]), &len[i]),
			0);
		assert_int_equal(len[i], sizeof(ct[i]));
	}
	assert_int_equal(vh_noise_cs_nonce(&tx), 3);
	/* same plaintext, different nonce: different ciphertext */
	assert_memory_not_equal(ct[0] + 40, ct[1] + 40, 16);
	/* message 1 before message 0: wrong nonce, refused, counter kept */
	assert_int_equal(vh_noise_cs_decrypt(&rx, NULL, 0, ct[1], len[1], back, sizeof(back), &bl),
		-EBADMSG);
	assert_true(sodium_is_zero(back, sizeof(back)));
	assert_int_equal(vh_noise_cs_nonce(&rx), 0);
	for (int i = 0; i < 3; i++) {
		uint8_t bad[56];

		memcpy(bad, ct[i], sizeof(bad));
		bad[i * 7] ^= 0x80;
		assert_int_equal(
			vh_noise_cs_decrypt(&rx, NULL, 0, bad, len[i], back, sizeof(back), &bl),
			-EBADMSG);
		assert_int_equal(vh_noise_cs_nonce(&rx), (uint64_t)i);
		assert_int_equal(
			vh_noise_cs_decrypt(&rx, NULL, 0, ct[i], len[i], back, sizeof(back), &bl),
			0);
		assert_int_equal(bl, 40);
		assert_memory_equal(back, pt[i], 40);
	}
	/* a replay of message 2 is now refused (counter moved on) */
	assert_int_equal(vh_noise_cs_decrypt(&rx, NULL, 0, ct[2], len[2], back, sizeof(back), &bl),
		-EBADMSG);
}

/* Noise's ChaChaPoly nonce: 4 zero bytes and the counter little-endian. */
static void
test_nonce_encoding(void **state)
{
	static const uint64_t n = 0x0102030405060708ull;
	const uint8_t nonce[12] = {0, 0, 0, 0, 8, 7, 6, 5, 4, 3, 2, 1};
	struct vh_noise_cs cs;
	uint8_t pt[33], ours[49], ref[49];
	unsigned long long rl;
	size_t len;

	(void)state;
	keyed(&cs);
	randombytes_buf(pt, sizeof(pt));
	vh_noise_cs_set_nonce(&cs, n);
	assert_int_equal(
		vh_noise_cs_encrypt(&cs, pt, 5, pt, sizeof(pt), ours, sizeof(ours), &len), 0);
	crypto_aead_chacha20poly1305_ietf_encrypt(
		ref, &rl, pt, sizeof(pt), pt, 5, NULL, nonce, cs.k);
	assert_int_equal(rl, len);
	assert_memory_equal(ours, ref, len);
	assert_int_equal(vh_noise_cs_nonce(&cs), n + 1);
	/* the explicit-nonce form gives the same bytes and leaves the counter */
	memset(ours, 0, sizeof(ours));
	assert_int_equal(
		vh_noise_cs_encrypt_nonce(&cs, n, pt, 5, pt, sizeof(pt), ours, sizeof(ours), &len),
		0);
	assert_memory_equal(ours, ref, len);
	assert_int_equal(vh_noise_cs_nonce(&cs), n + 1);
}

static void
test_explicit_nonce(void **state)
{
	static const uint8_t ad[] = {1, 2, 3};
	struct vh_noise_cs cs;
	uint8_t pt[64], ct[80], back[64];
	size_t len, bl;

	(void)state;
	keyed(&cs);
	randombytes_buf(pt, sizeof(pt));
	assert_int_equal(
		vh_noise_cs_encrypt_nonce(&cs, 1000, ad, 3, pt, 64, ct, sizeof(ct), &len), 0);
	assert_int_equal(
		vh_noise_cs_decrypt_nonce(&cs, 999, ad, 3, ct, len, back, 64, &bl), -EBADMSG);
	assert_int_equal(
		vh_noise_cs_decrypt_nonce(&cs, 1000, ad, 2, ct, len, back, 64, &bl), -EBADMSG);
	/* out of order is fine with explicit nonces: replay windows are the caller's */
	assert_int_equal(vh_noise_cs_decrypt_nonce(&cs, 1000, ad, 3, ct, len, back, 64, &bl), 0);
	assert_memory_equal(back, pt, 64);
	assert_int_equal(vh_noise_cs_nonce(&cs), 0);
	/* in place */
	memcpy(ct, pt, 64);
	assert_int_equal(
		vh_noise_cs_encrypt_nonce(&cs, 5, NULL, 0, ct, 64, ct, sizeof(ct), &len), 0);
	assert_int_equal(
		vh_noise_cs_decrypt_nonce(&cs, 5, NULL, 0, ct, len, ct, sizeof(ct), &bl), 0);
	assert_memory_equal(ct, pt, 64);
}

/* Revision 34, 5.1: nonce 2^64-1 is reserved; a state that reaches it stops. */
static void
test_nonce_limit(void **state)
{
	struct vh_noise_cs tx, rx;
	uint8_t ct[32], back[16];
	size_t len, bl;

	(void)state;
	keyed(&tx);
	rx = tx;
	vh_noise_cs_set_nonce(&tx, UINT64_MAX - 1);
	vh_noise_cs_set_nonce(&rx, UINT64_MAX - 1);
	assert_int_equal(vh_noise_cs_encrypt(&tx, NULL, 0, ct, 16, ct, sizeof(ct), &len), 0);
	assert_int_equal(vh_noise_cs_nonce(&tx), UINT64_MAX);
	assert_int_equal(
		vh_noise_cs_encrypt(&tx, NULL, 0, ct, 16, ct, sizeof(ct), &len), -EOVERFLOW);
	assert_int_equal(vh_noise_cs_nonce(&tx), UINT64_MAX);
	assert_int_equal(vh_noise_cs_decrypt(&rx, NULL, 0, ct, len, back, sizeof(back), &bl), 0);
	assert_int_equal(
		vh_noise_cs_decrypt(&rx, NULL, 0, ct, len, back, sizeof(back), &bl), -EOVERFLOW);
	assert_int_equal(
		vh_noise_cs_encrypt_nonce(&tx, UINT64_MAX, NULL, 0, ct, 16, ct, sizeof(ct), &len),
		-EOVERFLOW);
	assert_int_equal(vh_noise_cs_decrypt_nonce(
				 &tx, UINT64_MAX, NULL, 0, ct, 32, back, sizeof(back), &bl),
		-EOVERFLOW);
}

static void
test_rekey(void **state)
{
	const uint8_t maxnonce[12] = {0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	uint8_t zeros[32] = {0}, want[48], pt[20], ct[36], old[36], back[20];
	struct vh_noise_cs tx, rx;
	unsigned long long wl;
	size_t len, bl;

	(void)state;
	keyed(&tx);
	randombytes_buf(pt, sizeof(pt));
	vh_noise_cs_set_nonce(&tx, 42);
	rx = tx;
	assert_int_equal(vh_noise_cs_encrypt_nonce(&tx, 7, NULL, 0, pt, 20, old, 36, &len), 0);
	/* REKEY(k) = ENCRYPT(k, 2^64-1, zerolen, zeros)[0:32] */
	crypto_aead_chacha20poly1305_ietf_encrypt(
		want, &wl, zeros, 32, NULL, 0, NULL, maxnonce, tx.k);
	assert_int_equal(vh_noise_cs_rekey(&tx), 0);
	assert_memory_equal(tx.k, want, 32);
	assert_int_equal(vh_noise_cs_nonce(&tx), 42);
	assert_int_equal(vh_noise_cs_encrypt_nonce(&tx, 7, NULL, 0, pt, 20, ct, 36, &len), 0);
	assert_memory_not_equal(ct, old, 36);
	assert_int_equal(
		vh_noise_cs_decrypt_nonce(&rx, 7, NULL, 0, ct, 36, back, 20, &bl), -EBADMSG);
	assert_int_equal(vh_noise_cs_rekey(&rx), 0);
	assert_int_equal(vh_noise_cs_decrypt_nonce(&rx, 7, NULL, 0, ct, 36, back, 20, &bl), 0);
	assert_memory_equal(back, pt, 20);
}

static void
test_limits_and_args(void **state)
{
	static uint8_t big[VH_NOISE_MAX_MSG + 1];
	struct vh_noise_cs cs, nokey;
	uint8_t small[15];
	size_t len;

	(void)state;
	keyed(&cs);
	memset(&nokey, 0, sizeof(nokey));
	assert_int_equal(vh_noise_cs_encrypt(&cs, NULL, 0, big, VH_NOISE_MAX_PAYLOAD + 1, big,
				 sizeof(big), &len),
		-EMSGSIZE);
	assert_int_equal(vh_noise_cs_encrypt(&cs, NULL, 0, big, VH_NOISE_MAX_PAYLOAD, big,
				 VH_NOISE_MAX_MSG - 1, &len),
		-ENOBUFS);
	assert_int_equal(vh_noise_cs_nonce(&cs), 0);
	assert_int_equal(vh_noise_cs_encrypt(
				 &cs, NULL, 0, big, VH_NOISE_MAX_PAYLOAD, big, sizeof(big), &len),
		0);
	assert_int_equal(len, VH_NOISE_MAX_MSG);
	vh_noise_cs_set_nonce(&cs, 0);
	assert_int_equal(
		vh_noise_cs_decrypt(&cs, NULL, 0, big, len + 1, big, sizeof(big), &len), -EMSGSIZE);
	assert_int_equal(vh_noise_cs_decrypt(&cs, NULL, 0, big, VH_NOISE_MAX_MSG, big,
				 VH_NOISE_MAX_PAYLOAD - 1, &len),
		-ENOBUFS);
	assert_int_equal(vh_noise_cs_decrypt(&cs, NULL, 0, big, VH_NOISE_MAX_MSG, big,
				 VH_NOISE_MAX_PAYLOAD, &len),
		0);
	for (size_t n = 0; n < 16; n++)
		assert_int_equal(
			vh_noise_cs_decrypt(&cs, NULL, 0, small, n, small, sizeof(small), &len),
			-EBADMSG);
	assert_int_equal(vh_noise_cs_encrypt(&nokey, NULL, 0, small, 1, big, 100, &len), -EPROTO);
	assert_int_equal(vh_noise_cs_decrypt(&nokey, NULL, 0, big, 20, big, 100, &len), -EPROTO);
	assert_int_equal(vh_noise_cs_rekey(&nokey), -EPROTO);
	assert_int_equal(vh_noise_cs_encrypt(NULL, NULL, 0, small, 1, big, 100, &len), -EINVAL);
	assert_int_equal(vh_noise_cs_encrypt(&cs, NULL, 3, small, 1, big, 100, &len), -EINVAL);
	assert_int_equal(vh_noise_cs_encrypt(&cs, NULL, 0, NULL, 1, big, 100, &len), -EINVAL);
	assert_int_equal(vh_noise_cs_encrypt(&cs, NULL, 0, small, 1, NULL, 100, &len), -EINVAL);
	assert_int_equal(vh_noise_cs_decrypt(&cs, NULL, 0, small, 1, big, 100, NULL), -EINVAL);
	assert_int_equal(vh_noise_cs_rekey(NULL), -EINVAL);
	vh_noise_cs_wipe(&cs);
	assert_true(sodium_is_zero((const uint8_t *)&cs, sizeof(cs)));
	vh_noise_cs_wipe(NULL);
}

/* Our generic HMAC over SHA-256 against libsodium's, keys around the block size. */
static void
test_hmac_sha256_vs_sodium(void **state)
{
	static const size_t keylens[] = {0, 1, 31, 32, 33, 63, 64, 65, 128, 200};
	static const size_t msglens[] = {0, 1, 55, 56, 64, 65, 300};
	uint8_t key[200], msg[300], ours[32], ref[32];
	unsigned int n = 0;

	(void)state;
	randombytes_buf(key, sizeof(key));
	randombytes_buf(msg, sizeof(msg));
	for (size_t i = 0; i < sizeof(keylens) / sizeof(keylens[0]); i++) {
		for (size_t j = 0; j < sizeof(msglens) / sizeof(msglens[0]); j++) {
			size_t ml = msglens[j], cut = ml / 3;
			struct span parts[3] = {{msg, cut}, {msg + cut, 0}, {msg + cut, ml - cut}};
			crypto_auth_hmacsha256_state st;

			noise_hmac(VH_NOISE_SHA256, key, keylens[i], parts, 3, ours);
			crypto_auth_hmacsha256_init(&st, key, keylens[i]);
			crypto_auth_hmacsha256_update(&st, msg, ml);
			crypto_auth_hmacsha256_final(&st, ref);
			assert_memory_equal(ours, ref, 32);
			n++;
		}
	}
	printf("# HMAC-SHA256: %u (key, message) pairs equal to libsodium's\n", n);
}

/* HMAC-BLAKE2b-512: answers from Python's hmac + hashlib.blake2b. */
static void
test_hmac_blake2b(void **state)
{
	static const char *const want[2] = {
		"92294f92c0dfb9b00ec9ae8bd94d7e7d8a036b885a499f149dfe2fd2199394aa"
		"af6b8894a1730cccb2cd050f9bcf5062a38b51b0dab33207f8ef35ae2c9df51b",
		"d2b17b1ef9e61ba1e631ac8fb5b7c549151dbb97aa31b1856c7d46df2f8f427c"
		"b73fd4be3416d88afba84c8e1c3b3b435fb1566943f80530394b5fb06d5898dc",
	};
	static const char fox[] = "The quick brown fox jumps over the lazy dog";
	uint8_t key[200], msg[50], out[64], w[64];
	struct span p;

	(void)state;
	for (int i = 0; i < 200; i++)
		key[i] = (uint8_t)i;
	for (int i = 0; i < 50; i++)
		msg[i] = (uint8_t)i;
	p = (struct span){(const uint8_t *)fox, strlen(fox)};
	noise_hmac(VH_NOISE_BLAKE2B, (const uint8_t *)"key", 3, &p, 1, out);
	unhex(want[0], w, 64);
	assert_memory_equal(out, w, 64);
	/* a 200-byte key is longer than BLAKE2b's 128-byte block: hashed first */
	p = (struct span){msg, sizeof(msg)};
	noise_hmac(VH_NOISE_BLAKE2B, key, sizeof(key), &p, 1, out);
	unhex(want[1], w, 64);
	assert_memory_equal(out, w, 64);
}

/*
 * Noise's HKDF is RFC 5869 with an empty info: RFC 5869 test case 3 (empty
 * salt = HASHLEN zero bytes as the chaining key, IKM 22 x 0x0b, L = 42).
 */
static void
test_hkdf_rfc5869(void **state)
{
	uint8_t ck[32] = {0}, ikm[22], o1[32], o2[32], o3[32], okm[42], both[64];
	uint8_t prk[32], t2[33], t3[32];

	(void)state;
	memset(ikm, 0x0b, sizeof(ikm));
	unhex("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
	      "9d201395faa4b61a96c8",
		okm, sizeof(okm));
	noise_hkdf(VH_NOISE_SHA256, ck, ikm, sizeof(ikm), o1, o2, NULL);
	memcpy(both, o1, 32);
	memcpy(both + 32, o2, 32);
	assert_memory_equal(both, okm, sizeof(okm));
	/* the third output, T(3) = HMAC(PRK, T(2) || 0x03), from libsodium's HMAC */
	noise_hkdf(VH_NOISE_SHA256, ck, ikm, sizeof(ikm), o1, o2, o3);
	assert_memory_equal(o1, okm, 32);
	crypto_auth_hmacsha256(prk, ikm, sizeof(ikm), ck);
	memcpy(t2, o2, 32);
	t2[32] = 3;
	crypto_auth_hmacsha256(t3, t2, sizeof(t2), prk);
	assert_memory_equal(o3, t3, 32);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counter),
		cmocka_unit_test(test_nonce_encoding),
		cmocka_unit_test(test_explicit_nonce),
		cmocka_unit_test(test_nonce_limit),
		cmocka_unit_test(test_rekey),
		cmocka_unit_test(test_limits_and_args),
		cmocka_unit_test(test_hmac_sha256_vs_sodium),
		cmocka_unit_test(test_hmac_blake2b),
		cmocka_unit_test(test_hkdf_rfc5869),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
