/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Katzenpost's Sphinx primitives (core/sphinx/internal/crypto): the KDF
 * (HKDF-SHA256 expand only, the DH output used directly as the PRK, with the
 * blinding key made from the last 32 bytes via ChaCha20), the
 * header MAC (HMAC-SHA256, all 32 bytes), the header stream (AES-256-CTR),
 * the unkeyed hash (SHA-512/256), X25519, and the AEZ SPRP wrappers.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "mix_internal.h"

static const char kdf_info[] = "katzenpost-kdf-v0-hkdf-sha256";

int
vh_mix_cpu_supported(const char **why)
{
	/* 0 unknown, 1 yes, -1 no; racing first callers compute the same value. */
	static int cached;
	int v = __atomic_load_n(&cached, __ATOMIC_RELAXED);

	if (v == 0) {
		__builtin_cpu_init();
		v = (__builtin_cpu_supports("aes") && __builtin_cpu_supports("sse4.1")) ? 1 : -1;
		if (v < 0 && __atomic_exchange_n(&cached, v, __ATOMIC_RELAXED) == 0)
			fprintf(stderr, "vh_mix: this CPU lacks AES-NI/SSE4.1; the Sphinx core "
					"needs them and refuses to run (-ENOTSUP)\n");
		__atomic_store_n(&cached, v, __ATOMIC_RELAXED);
	}
	if (v > 0)
		return 0;
	if (why != NULL)
		*why = "CPU lacks AES-NI or SSE4.1";
	return -ENOTSUP;
}

void
sphinx_kdf(const uint8_t shared[VH_SPHINX_KEY_LEN], struct sphinx_keys *k)
{
	uint8_t okm[5 * crypto_auth_hmacsha256_BYTES], t[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256_state st;
	size_t have = 0;
	uint8_t ctr = 1;

	/* RFC 5869 expand: T(i) = HMAC(PRK, T(i-1) || info || i); 160 bytes used. */
	while (have < 160) {
		crypto_auth_hmacsha256_init(&st, shared, VH_SPHINX_KEY_LEN);
		if (have > 0)
			crypto_auth_hmacsha256_update(&st, t, sizeof(t));
		crypto_auth_hmacsha256_update(&st, (const uint8_t *)kdf_info, sizeof(kdf_info) - 1);
		crypto_auth_hmacsha256_update(&st, &ctr, 1);
		crypto_auth_hmacsha256_final(&st, t);
		memcpy(okm + have, t, sizeof(t));
		have += sizeof(t);
		ctr++;
	}
	memcpy(k->header_mac, okm, sizeof(k->header_mac));
	memcpy(k->header_enc, okm + 32, sizeof(k->header_enc));
	memcpy(k->header_iv, okm + 64, sizeof(k->header_iv));
	memcpy(k->payload_key, okm + 80, sizeof(k->payload_key));
	memcpy(k->blinding_seed, okm + 128, sizeof(k->blinding_seed));
	sphinx_blinding_key(k->blinding_seed, k->blinding);
	sodium_memzero(okm, sizeof(okm));
	sodium_memzero(t, sizeof(t));
	sodium_memzero(&st, sizeof(st));
}

void
sphinx_blinding_key(const uint8_t seed[VH_SPHINX_KEY_LEN], uint8_t out[VH_SPHINX_KEY_LEN])
{
	static const uint8_t zero_nonce[crypto_stream_chacha20_NONCEBYTES];

	/*
	 * Katzenpost's KDF hands the seed to the NIKE's key generation through
	 * a deterministic ChaCha20 reader (hpqc rand.NewDeterministicRandReader),
	 * and X25519 key generation reads 32 bytes from it.
	 */
	crypto_stream_chacha20(out, VH_SPHINX_KEY_LEN, zero_nonce, seed);
}

void
sphinx_mac(const uint8_t key[SPHINX_MAC_KEY_LEN], const uint8_t *a, size_t alen, const uint8_t *b,
	size_t blen, const uint8_t *c, size_t clen, uint8_t out[VH_SPHINX_MAC_LEN])
{
	crypto_auth_hmacsha256_state st;

	crypto_auth_hmacsha256_init(&st, key, SPHINX_MAC_KEY_LEN);
	if (alen > 0)
		crypto_auth_hmacsha256_update(&st, a, alen);
	if (blen > 0)
		crypto_auth_hmacsha256_update(&st, b, blen);
	if (clen > 0)
		crypto_auth_hmacsha256_update(&st, c, clen);
	crypto_auth_hmacsha256_final(&st, out);
	sodium_memzero(&st, sizeof(st));
}

void
sphinx_stream_xor(const uint8_t key[SPHINX_STREAM_KEY_LEN], const uint8_t iv[SPHINX_STREAM_IV_LEN],
	uint8_t *buf, size_t len)
{
	aesni_aes256_ctr_xor(key, iv, buf, len);
}

/*
 * libsodium has SHA-512 but not its /256 variant, which differs only in the
 * initial hash value (FIPS 180-4 5.3.6.2) and the truncation. The state
 * struct is public API, so start from SHA-512's init and swap the IV in.
 */
void
sphinx_hash(const uint8_t *msg, size_t len, uint8_t out[32])
{
	static const uint64_t iv[8] = {
		0x22312194fc2bf72cULL,
		0x9f555fa3c84c64c2ULL,
		0x2393b86b6f53b151ULL,
		0x963877195940eabdULL,
		0x96283ee2a88effe3ULL,
		0xbe5e1e2553863992ULL,
		0x2b0199fc2c85b8aaULL,
		0x0eb72ddc81c52ca2ULL,
	};
	crypto_hash_sha512_state st;
	uint8_t full[crypto_hash_sha512_BYTES];

	crypto_hash_sha512_init(&st);
	memcpy(st.state, iv, sizeof(iv));
	crypto_hash_sha512_update(&st, msg, len);
	crypto_hash_sha512_final(&st, full);
	memcpy(out, full, 32);
	sodium_memzero(full, sizeof(full));
	sodium_memzero(&st, sizeof(st));
}

int
sphinx_x25519(uint8_t out[VH_SPHINX_KEY_LEN], const uint8_t scalar[VH_SPHINX_KEY_LEN],
	const uint8_t point[VH_SPHINX_KEY_LEN])
{
	/*
	 * crypto_scalarmult clamps the scalar exactly as Go's
	 * curve25519.ScalarMult does, which is what Katzenpost's X25519 NIKE
	 * (DeriveSecret and Blind alike) calls. It also refuses small-order
	 * points (an all-zero result), which Katzenpost would let through.
	 * libsodium's x86_64 code writes its output before it has read all of
	 * the point, so in-place use goes through a copy.
	 */
	uint8_t tmp[VH_SPHINX_KEY_LEN];
	int rc = crypto_scalarmult(tmp, scalar, point);

	memcpy(out, tmp, sizeof(tmp));
	sodium_memzero(tmp, sizeof(tmp));
	return rc == 0 ? 0 : -EINVAL;
}

int
sphinx_x25519_base(uint8_t out[VH_SPHINX_KEY_LEN], const uint8_t scalar[VH_SPHINX_KEY_LEN])
{
	return crypto_scalarmult_base(out, scalar) == 0 ? 0 : -EINVAL;
}

void
sphinx_sprp_encrypt(const uint8_t key[VH_SPHINX_SPRP_KEY_LEN],
	const uint8_t iv[VH_SPHINX_SPRP_IV_LEN], uint8_t *buf, size_t len)
{
	struct aez_span n = {iv, VH_SPHINX_SPRP_IV_LEN};

	aez_encrypt_raw(key, &n, NULL, 0, 0, buf, len, buf);
}

void
sphinx_sprp_decrypt(const uint8_t key[VH_SPHINX_SPRP_KEY_LEN],
	const uint8_t iv[VH_SPHINX_SPRP_IV_LEN], uint8_t *buf, size_t len)
{
	struct aez_span n = {iv, VH_SPHINX_SPRP_IV_LEN};

	/* With tau = 0 there is nothing to authenticate, so this cannot fail. */
	(void)aez_decrypt_raw(key, &n, NULL, 0, 0, buf, len, buf);
}

static int
aez_args(const uint8_t *key, size_t key_len, const uint8_t *nonce, size_t nonce_len,
	const uint8_t *const *ad, const size_t *ad_len, size_t nr_ad, size_t tau, const uint8_t *in,
	size_t in_len, const uint8_t *out)
{
	if ((key == NULL && key_len > 0) || (nonce == NULL && nonce_len > 0) || tau > 16 ||
		(nr_ad > 0 && (ad == NULL || ad_len == NULL)) || nr_ad > 32 ||
		(in == NULL && in_len > 0) || out == NULL)
		return -EINVAL;
	for (size_t i = 0; i < nr_ad; i++)
		if (ad[i] == NULL && ad_len[i] > 0)
			return -EINVAL;
	return vh_mix_cpu_supported(NULL);
}

/* AEZ's Extract: a 48-byte key is used as is, anything else is BLAKE2b-384'd. */
static void
aez_extract(const uint8_t *key, size_t key_len, uint8_t out[48])
{
	if (key_len == 48)
		memcpy(out, key, 48);
	else
		crypto_generichash(out, 48, key, key_len, NULL, 0);
}

static void
to_spans(const uint8_t *const *ad, const size_t *ad_len, size_t nr_ad, struct aez_span *spans)
{
	for (size_t i = 0; i < nr_ad; i++) {
		spans[i].p = ad[i];
		spans[i].len = ad_len[i];
	}
}

int
vh_mix_aez_encrypt(const uint8_t *key, size_t key_len, const uint8_t *nonce, size_t nonce_len,
	const uint8_t *const *ad, const size_t *ad_len, size_t nr_ad, size_t tau, const uint8_t *in,
	size_t in_len, uint8_t *out)
{
	struct aez_span spans[32], n = {nonce, nonce_len};
	uint8_t k[48];
	int rc;

	rc = aez_args(key, key_len, nonce, nonce_len, ad, ad_len, nr_ad, tau, in, in_len, out);
	if (rc < 0)
		return rc;
	aez_extract(key, key_len, k);
	to_spans(ad, ad_len, nr_ad, spans);
	aez_encrypt_raw(k, &n, spans, nr_ad, tau, in, in_len, out);
	sodium_memzero(k, sizeof(k));
	return 0;
}

int
vh_mix_aez_decrypt(const uint8_t *key, size_t key_len, const uint8_t *nonce, size_t nonce_len,
	const uint8_t *const *ad, const size_t *ad_len, size_t nr_ad, size_t tau, const uint8_t *in,
	size_t in_len, uint8_t *out)
{
	struct aez_span spans[32], n = {nonce, nonce_len};
	uint8_t k[48];
	int rc;

	rc = aez_args(key, key_len, nonce, nonce_len, ad, ad_len, nr_ad, tau, in, in_len, out);
	if (rc < 0)
		return rc;
	if (in_len < tau)
		return -EINVAL;
	aez_extract(key, key_len, k);
	to_spans(ad, ad_len, nr_ad, spans);
	rc = aez_decrypt_raw(k, &n, spans, nr_ad, tau, in, in_len, out);
	sodium_memzero(k, sizeof(k));
	return rc;
}
