/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ed25519 identity, NodeID and its text form, and the signature that binds
 * the per-start Noise static key to the identity.
 */
#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "identity_priv.h"
#include "vh_core.h"
#include "vh_identity.h"

#define PREFIX_LEN (sizeof(VH_IDENTITY_NODEID_PREFIX) - 1)
#define SIG_PREFIX_LEN (sizeof(VH_IDENTITY_STATIC_SIG_PREFIX) - 1)
/* 32 bytes in base58: 32 '1's (all zero) up to 44 characters. */
#define BODY_MIN 32
#define BODY_MAX 44

void
vh_identity_nodeid(const uint8_t pub[VH_IDENTITY_PUB_LEN], uint8_t nodeid[VH_IDENTITY_NODEID_LEN])
{
	crypto_hash_sha256(nodeid, pub, VH_IDENTITY_PUB_LEN);
}

int
vh_identity_from_seed(const uint8_t seed[VH_IDENTITY_SEED_LEN], struct vh_identity *id)
{
	if (ident_sodium_ready() != 0)
		return -EIO;
	memset(id, 0, sizeof(*id));
	crypto_sign_seed_keypair(id->ed_pub, id->ed_sec, seed);
	vh_identity_nodeid(id->ed_pub, id->nodeid);
	return 0;
}

int
vh_identity_generate(struct vh_identity *id)
{
	uint8_t seed[VH_IDENTITY_SEED_LEN];
	int rc;

	if (ident_sodium_ready() != 0)
		return -EIO;
	randombytes_buf(seed, sizeof(seed));
	rc = vh_identity_from_seed(seed, id);
	sodium_memzero(seed, sizeof(seed));
	return rc;
}

/* Ed25519 over "valhalla-noise-static:" || static_pub. */
static void
static_message(const uint8_t static_pub[VH_IDENTITY_X25519_LEN],
	uint8_t msg[SIG_PREFIX_LEN + VH_IDENTITY_X25519_LEN])
{
	memcpy(msg, VH_IDENTITY_STATIC_SIG_PREFIX, SIG_PREFIX_LEN);
	memcpy(msg + SIG_PREFIX_LEN, static_pub, VH_IDENTITY_X25519_LEN);
}

int
vh_identity_noise_init(struct vh_identity *id, const uint8_t *priv)
{
	uint8_t msg[SIG_PREFIX_LEN + VH_IDENTITY_X25519_LEN];

	if (ident_sodium_ready() != 0)
		return -EIO;
	if (sodium_is_zero(id->ed_sec, sizeof(id->ed_sec)))
		return -EINVAL;
	if (priv != NULL)
		memcpy(id->noise_priv, priv, VH_IDENTITY_X25519_LEN);
	else
		randombytes_buf(id->noise_priv, VH_IDENTITY_X25519_LEN);
	if (crypto_scalarmult_base(id->noise_pub, id->noise_priv) != 0) {
		sodium_memzero(id->noise_priv, VH_IDENTITY_X25519_LEN);
		id->has_noise = false;
		return -EINVAL;
	}
	static_message(id->noise_pub, msg);
	crypto_sign_detached(id->noise_sig, NULL, msg, sizeof(msg), id->ed_sec);
	id->has_noise = true;
	return 0;
}

int
ident_static_verify(const uint8_t *sig, const uint8_t *ed_pub, const uint8_t *static_pub)
{
	uint8_t msg[SIG_PREFIX_LEN + VH_IDENTITY_X25519_LEN];

	if (ident_sodium_ready() != 0)
		return -EIO;
	static_message(static_pub, msg);
	/* libsodium rejects small-order keys and R and non-canonical S. */
	if (crypto_sign_verify_detached(sig, msg, sizeof(msg), ed_pub) != 0)
		return -EKEYREJECTED;
	return 0;
}

void
vh_identity_wipe(struct vh_identity *id)
{
	sodium_memzero(id, sizeof(*id));
}

int
vh_identity_nodeid_format(const uint8_t nodeid[VH_IDENTITY_NODEID_LEN], char *out, size_t cap)
{
	int n;

	if (cap < PREFIX_LEN + 1)
		return -ENOSPC;
	memcpy(out, VH_IDENTITY_NODEID_PREFIX, PREFIX_LEN);
	n = vh_base58_encode(nodeid, VH_IDENTITY_NODEID_LEN, out + PREFIX_LEN, cap - PREFIX_LEN);
	if (n < 0) {
		out[0] = '\0';
		return n;
	}
	return n + (int)PREFIX_LEN;
}

/* Bare base58 of exactly 32 bytes. */
static int
parse_body(const char *text, uint8_t nodeid[VH_IDENTITY_NODEID_LEN])
{
	uint8_t tmp[VH_IDENTITY_NODEID_LEN];
	size_t len;
	int n;

	len = strnlen(text, BODY_MAX + 1);
	if (len < BODY_MIN || len > BODY_MAX)
		return -EINVAL;
	/*
	 * Decoding to exactly 32 bytes makes the text canonical: each leading
	 * '1' is one zero byte, and a value of 2^256 or more does not fit.
	 */
	n = vh_base58_decode(text, len, tmp, sizeof(tmp));
	if (n != VH_IDENTITY_NODEID_LEN)
		return -EINVAL;
	memcpy(nodeid, tmp, sizeof(tmp));
	return 0;
}

int
vh_identity_nodeid_parse(const char *text, uint8_t nodeid[VH_IDENTITY_NODEID_LEN])
{
	if (text == NULL)
		return -EINVAL;
	/*
	 * Both forms are accepted: "VH" + base58, and bare base58 (PathAddrs
	 * had it). A text starting with "VH" is always the prefixed form, so a
	 * damaged prefixed NodeID never reads as some other bare one (the rare
	 * bare form that starts with "VH" must be written with the prefix).
	 */
	if (strncmp(text, VH_IDENTITY_NODEID_PREFIX, PREFIX_LEN) == 0)
		return parse_body(text + PREFIX_LEN, nodeid);
	return parse_body(text, nodeid);
}

int
vh_identity_nodeid_short(const uint8_t nodeid[VH_IDENTITY_NODEID_LEN], char *out, size_t cap)
{
	char full[VH_IDENTITY_NODEID_TEXT_MAX];
	int n = vh_identity_nodeid_format(nodeid, full, sizeof(full));
	size_t keep;

	if (n < 0)
		return n;
	keep = PREFIX_LEN + VH_IDENTITY_NODEID_SHORT_CHARS;
	if (cap < keep + 1)
		return -ENOSPC;
	memcpy(out, full, keep);
	out[keep] = '\0';
	return (int)keep;
}
