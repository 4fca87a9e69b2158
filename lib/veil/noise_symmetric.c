/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SymmetricState (Noise spec section 5.2): the chaining key ck, the
 * handshake hash h and the handshake's CipherState, all inside the
 * caller's struct vh_noise_hs.
 */
#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "noise_priv.h"

static size_t
hlen(const struct vh_noise_hs *hs)
{
	return noise_hashlen(hs->hash);
}

/* InitializeSymmetric(protocol_name) */
void
sym_init(struct vh_noise_hs *hs, const char *protocol_name)
{
	size_t len = strlen(protocol_name);

	memset(hs->h, 0, sizeof(hs->h));
	if (len <= hlen(hs)) {
		memcpy(hs->h, protocol_name, len);
	} else {
		struct span name = {(const uint8_t *)protocol_name, len};

		noise_hash(hs->hash, &name, 1, hs->h);
	}
	memcpy(hs->ck, hs->h, sizeof(hs->ck));
	sodium_memzero(&hs->cs, sizeof(hs->cs));
}

/* h = HASH(h || data) */
void
sym_mix_hash(struct vh_noise_hs *hs, const uint8_t *data, size_t len)
{
	struct span parts[2] = {{hs->h, hlen(hs)}, {data, len}};

	noise_hash(hs->hash, parts, 2, hs->h);
}

/* ck, temp_k = HKDF(ck, ikm, 2); InitializeKey(temp_k truncated to 32) */
void
sym_mix_key(struct vh_noise_hs *hs, const uint8_t *ikm, size_t len)
{
	uint8_t temp_k[VH_NOISE_HASH_MAX];

	noise_hkdf(hs->hash, hs->ck, ikm, len, hs->ck, temp_k, NULL);
	memcpy(hs->cs.k, temp_k, VH_NOISE_KEY_LEN);
	hs->cs.n = 0;
	hs->cs.has_key = true;
	sodium_memzero(temp_k, sizeof(temp_k));
}

/* EncryptAndHash: ciphertext = EncryptWithAd(h, pt); MixHash(ciphertext) */
void
sym_encrypt_and_hash(struct vh_noise_hs *hs, const uint8_t *pt, size_t len, uint8_t *out)
{
	size_t outlen = len;

	if (hs->cs.has_key) {
		/* a handshake sends a handful of messages: n cannot get near 2^64-1 */
		noise_aead_encrypt(hs->cs.k, hs->cs.n, hs->h, hlen(hs), pt, len, out);
		hs->cs.n++;
		outlen += VH_NOISE_TAG_LEN;
	} else if (len > 0) {
		memcpy(out, pt, len);
	}
	sym_mix_hash(hs, out, outlen);
}

/* DecryptAndHash: pt = DecryptWithAd(h, ct); MixHash(ct) */
int
sym_decrypt_and_hash(struct vh_noise_hs *hs, const uint8_t *ct, size_t len, uint8_t *out)
{
	if (hs->cs.has_key) {
		int rc;

		if (len < VH_NOISE_TAG_LEN)
			return -EBADMSG;
		rc = noise_aead_decrypt(hs->cs.k, hs->cs.n, hs->h, hlen(hs), ct, len, out);
		if (rc != 0)
			return rc;
		hs->cs.n++;
	} else if (len > 0) {
		memcpy(out, ct, len);
	}
	sym_mix_hash(hs, ct, len);
	return 0;
}

/* Split(): temp_k1, temp_k2 = HKDF(ck, zerolen, 2) */
void
sym_split(struct vh_noise_hs *hs, struct vh_noise_cs *c1, struct vh_noise_cs *c2)
{
	uint8_t k1[VH_NOISE_HASH_MAX], k2[VH_NOISE_HASH_MAX];

	noise_hkdf(hs->hash, hs->ck, NULL, 0, k1, k2, NULL);
	memset(c1, 0, sizeof(*c1));
	memset(c2, 0, sizeof(*c2));
	memcpy(c1->k, k1, VH_NOISE_KEY_LEN);
	memcpy(c2->k, k2, VH_NOISE_KEY_LEN);
	c1->has_key = true;
	c2->has_key = true;
	sodium_memzero(k1, sizeof(k1));
	sodium_memzero(k2, sizeof(k2));
}
