/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Noise's hash functions and the HMAC/HKDF built on them (spec section 4.3).
 * HMAC is written out over the plain hash (RFC 2104) because libsodium has
 * no HMAC-BLAKE2b: BLAKE2b's keyed mode is a different MAC and would not
 * interoperate.
 */
#include <string.h>

#include <sodium.h>

#include "noise_priv.h"

union hstate {
	crypto_hash_sha256_state sha256;
	crypto_generichash_state blake2b;
};

size_t
noise_hashlen(enum vh_noise_hash h)
{
	switch (h) {
	case VH_NOISE_SHA256:
		return crypto_hash_sha256_BYTES;
	case VH_NOISE_BLAKE2B:
		return crypto_generichash_BYTES_MAX;
	}
	return 0;
}

static size_t
blocklen(enum vh_noise_hash h)
{
	return h == VH_NOISE_BLAKE2B ? 128 : 64;
}

static void
hinit(enum vh_noise_hash h, union hstate *st)
{
	if (h == VH_NOISE_BLAKE2B)
		crypto_generichash_init(&st->blake2b, NULL, 0, crypto_generichash_BYTES_MAX);
	else
		crypto_hash_sha256_init(&st->sha256);
}

static void
hupdate(enum vh_noise_hash h, union hstate *st, const uint8_t *p, size_t len)
{
	if (len == 0)
		return;
	if (h == VH_NOISE_BLAKE2B)
		crypto_generichash_update(&st->blake2b, p, len);
	else
		crypto_hash_sha256_update(&st->sha256, p, len);
}

static void
hfinal(enum vh_noise_hash h, union hstate *st, uint8_t *out)
{
	if (h == VH_NOISE_BLAKE2B)
		crypto_generichash_final(&st->blake2b, out, crypto_generichash_BYTES_MAX);
	else
		crypto_hash_sha256_final(&st->sha256, out);
	sodium_memzero(st, sizeof(*st));
}

void
noise_hash(enum vh_noise_hash h, const struct span *parts, unsigned int n, uint8_t *out)
{
	union hstate st;

	hinit(h, &st);
	for (unsigned int i = 0; i < n; i++)
		hupdate(h, &st, parts[i].p, parts[i].len);
	hfinal(h, &st, out);
}

/* One side of HMAC: HASH((K0 ^ pad) || parts...). */
static void
hmac_pass(enum vh_noise_hash h, const uint8_t *k0, uint8_t pad, const struct span *parts,
	unsigned int n, uint8_t *out)
{
	uint8_t block[NOISE_BLOCK_MAX];
	size_t bl = blocklen(h);
	union hstate st;

	for (size_t i = 0; i < bl; i++)
		block[i] = k0[i] ^ pad;
	hinit(h, &st);
	hupdate(h, &st, block, bl);
	for (unsigned int i = 0; i < n; i++)
		hupdate(h, &st, parts[i].p, parts[i].len);
	hfinal(h, &st, out);
	sodium_memzero(block, sizeof(block));
}

void
noise_hmac(enum vh_noise_hash h, const uint8_t *key, size_t keylen, const struct span *parts,
	unsigned int n, uint8_t *out)
{
	uint8_t k0[NOISE_BLOCK_MAX] = {0};
	uint8_t inner[VH_NOISE_HASH_MAX];
	struct span in = {inner, noise_hashlen(h)};

	/* RFC 2104: a key longer than the block is hashed first. */
	if (keylen > blocklen(h)) {
		struct span k = {key, keylen};

		noise_hash(h, &k, 1, k0);
	} else if (keylen > 0) {
		memcpy(k0, key, keylen);
	}
	hmac_pass(h, k0, 0x36, parts, n, inner);
	hmac_pass(h, k0, 0x5c, &in, 1, out);
	sodium_memzero(k0, sizeof(k0));
	sodium_memzero(inner, sizeof(inner));
}

void
noise_hkdf(enum vh_noise_hash h, const uint8_t *ck, const uint8_t *ikm, size_t ikmlen,
	uint8_t *out1, uint8_t *out2, uint8_t *out3)
{
	const size_t hl = noise_hashlen(h);
	uint8_t temp[VH_NOISE_HASH_MAX];
	struct span in[2] = {{ikm, ikmlen}, {NULL, 0}};
	uint8_t *outs[3] = {out1, out2, out3};
	uint8_t ctr;

	noise_hmac(h, ck, hl, in, 1, temp);
	/* output_i = HMAC(temp, output_{i-1} || byte(i)), output_0 empty */
	for (ctr = 1; ctr <= 3 && outs[ctr - 1] != NULL; ctr++) {
		in[1].p = &ctr;
		in[1].len = 1;
		in[0].p = ctr > 1 ? outs[ctr - 2] : NULL;
		in[0].len = ctr > 1 ? hl : 0;
		noise_hmac(h, temp, hl, in, 2, outs[ctr - 1]);
	}
	sodium_memzero(temp, sizeof(temp));
}
