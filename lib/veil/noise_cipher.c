/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CipherState (Noise spec section 5.1) with ChaChaPoly (section 12.3): the
 * handshake's encryption and the transport keys that vh_noise_split() hands
 * to link sessions.
 */
#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "noise_priv.h"

/* ChaChaPoly nonce: 32 bits of zeros, then the 64-bit counter little-endian. */
static void
nonce_bytes(uint64_t n, uint8_t out[crypto_aead_chacha20poly1305_ietf_NPUBBYTES])
{
	memset(out, 0, 4);
	for (int i = 0; i < 8; i++)
		out[4 + i] = (uint8_t)(n >> (8 * i));
}

void
noise_aead_encrypt(const uint8_t *k, uint64_t n, const uint8_t *ad, size_t adlen, const uint8_t *pt,
	size_t plen, uint8_t *out)
{
	uint8_t nonce[crypto_aead_chacha20poly1305_ietf_NPUBBYTES];

	nonce_bytes(n, nonce);
	crypto_aead_chacha20poly1305_ietf_encrypt_detached(
		out, out + plen, NULL, pt, plen, ad, adlen, NULL, nonce, k);
}

int
noise_aead_decrypt(const uint8_t *k, uint64_t n, const uint8_t *ad, size_t adlen, const uint8_t *ct,
	size_t ctlen, uint8_t *out)
{
	uint8_t nonce[crypto_aead_chacha20poly1305_ietf_NPUBBYTES];
	size_t len = ctlen - VH_NOISE_TAG_LEN;

	nonce_bytes(n, nonce);
	if (crypto_aead_chacha20poly1305_ietf_decrypt_detached(
		    out, NULL, ct, len, ct + len, ad, adlen, nonce, k) != 0) {
		/* libsodium may leave unauthenticated bytes behind; never expose them */
		sodium_memzero(out, len);
		return -EBADMSG;
	}
	return 0;
}

/* The checks every transport call shares; 0 when the call may go ahead. */
static int
check_io(const struct vh_noise_cs *cs, const uint8_t *ad, size_t adlen, const uint8_t *in,
	size_t inlen, const uint8_t *out, size_t *outlen)
{
	if (cs == NULL || outlen == NULL || (ad == NULL && adlen > 0) ||
		(in == NULL && inlen > 0) || out == NULL)
		return -EINVAL;
	if (!cs->has_key)
		return -EPROTO;
	return 0;
}

int
vh_noise_cs_encrypt_nonce(const struct vh_noise_cs *cs, uint64_t nonce, const uint8_t *ad,
	size_t adlen, const uint8_t *pt, size_t plen, uint8_t *out, size_t cap, size_t *outlen)
{
	int rc = check_io(cs, ad, adlen, pt, plen, out, outlen);

	if (rc != 0)
		return rc;
	if (plen > VH_NOISE_MAX_PAYLOAD)
		return -EMSGSIZE;
	if (cap < plen + VH_NOISE_TAG_LEN)
		return -ENOBUFS;
	if (nonce == VH_NOISE_NONCE_MAX)
		return -EOVERFLOW;
	noise_aead_encrypt(cs->k, nonce, ad, adlen, pt, plen, out);
	*outlen = plen + VH_NOISE_TAG_LEN;
	return 0;
}

int
vh_noise_cs_decrypt_nonce(const struct vh_noise_cs *cs, uint64_t nonce, const uint8_t *ad,
	size_t adlen, const uint8_t *ct, size_t ctlen, uint8_t *out, size_t cap, size_t *outlen)
{
	int rc = check_io(cs, ad, adlen, ct, ctlen, out, outlen);

	if (rc != 0)
		return rc;
	if (ctlen > VH_NOISE_MAX_MSG)
		return -EMSGSIZE;
	if (ctlen < VH_NOISE_TAG_LEN)
		return -EBADMSG;
	if (cap < ctlen - VH_NOISE_TAG_LEN)
		return -ENOBUFS;
	if (nonce == VH_NOISE_NONCE_MAX)
		return -EOVERFLOW;
	rc = noise_aead_decrypt(cs->k, nonce, ad, adlen, ct, ctlen, out);
	if (rc == 0)
		*outlen = ctlen - VH_NOISE_TAG_LEN;
	return rc;
}

int
vh_noise_cs_encrypt(struct vh_noise_cs *cs, const uint8_t *ad, size_t adlen, const uint8_t *pt,
	size_t plen, uint8_t *out, size_t cap, size_t *outlen)
{
	int rc;

	if (cs == NULL)
		return -EINVAL;
	rc = vh_noise_cs_encrypt_nonce(cs, cs->n, ad, adlen, pt, plen, out, cap, outlen);
	if (rc == 0)
		cs->n++;
	return rc;
}

int
vh_noise_cs_decrypt(struct vh_noise_cs *cs, const uint8_t *ad, size_t adlen, const uint8_t *ct,
	size_t ctlen, uint8_t *out, size_t cap, size_t *outlen)
{
	int rc;

	if (cs == NULL)
		return -EINVAL;
	rc = vh_noise_cs_decrypt_nonce(cs, cs->n, ad, adlen, ct, ctlen, out, cap, outlen);
	if (rc == 0)
		cs->n++;
	return rc;
}

uint64_t
vh_noise_cs_nonce(const struct vh_noise_cs *cs)
{
	return cs != NULL ? cs->n : 0;
}

void
vh_noise_cs_set_nonce(struct vh_noise_cs *cs, uint64_t n)
{
	if (cs != NULL)
		cs->n = n;
}

int
vh_noise_cs_rekey(struct vh_noise_cs *cs)
{
	static const uint8_t zeros[VH_NOISE_KEY_LEN];
	uint8_t out[VH_NOISE_KEY_LEN + VH_NOISE_TAG_LEN];

	if (cs == NULL)
		return -EINVAL;
	if (!cs->has_key)
		return -EPROTO;
	noise_aead_encrypt(cs->k, VH_NOISE_NONCE_MAX, NULL, 0, zeros, sizeof(zeros), out);
	memcpy(cs->k, out, VH_NOISE_KEY_LEN);
	sodium_memzero(out, sizeof(out));
	return 0;
}

void
vh_noise_cs_wipe(struct vh_noise_cs *cs)
{
	if (cs != NULL)
		sodium_memzero(cs, sizeof(*cs));
}
