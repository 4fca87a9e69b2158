/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internal interfaces of lib/veil shared by its files and by the unit tests
 * (which cross-check HMAC and HKDF against libsodium).
 */
#ifndef VH_NOISE_PRIV_H
#define VH_NOISE_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include "vh_noise.h"

#define NOISE_DHLEN 32
#define NOISE_BLOCK_MAX 128

/** A read-only byte span; hashes and MACs take lists of them. */
struct span {
	const uint8_t *p;
	size_t len;
};

/* noise_hash.c: HASH, HMAC-HASH and HKDF of the Noise spec, section 4.3. */

/** HASHLEN of h: 32 or 64, 0 for an unknown hash. */
size_t noise_hashlen(enum vh_noise_hash h);

/** out (HASHLEN bytes) = HASH(parts[0] || ... || parts[n-1]). */
void noise_hash(enum vh_noise_hash h, const struct span *parts, unsigned int n, uint8_t *out);

/** out (HASHLEN bytes) = HMAC-HASH(key, parts...), RFC 2104 over HASH. */
void noise_hmac(enum vh_noise_hash h, const uint8_t *key, size_t keylen, const struct span *parts,
	unsigned int n, uint8_t *out);

/**
 * HKDF(ck, ikm, num_outputs) with num_outputs = 2 (out3 NULL) or 3; each
 * output is HASHLEN bytes.
 */
void noise_hkdf(enum vh_noise_hash h, const uint8_t *ck, const uint8_t *ikm, size_t ikmlen,
	uint8_t *out1, uint8_t *out2, uint8_t *out3);

/* noise_cipher.c */

/** ENCRYPT(k, n, ad, pt): out gets plen + 16 bytes; out may equal pt. */
void noise_aead_encrypt(const uint8_t *k, uint64_t n, const uint8_t *ad, size_t adlen,
	const uint8_t *pt, size_t plen, uint8_t *out);

/** DECRYPT(k, n, ad, ct): out gets ctlen - 16 bytes (zeroed on failure). */
int noise_aead_decrypt(const uint8_t *k, uint64_t n, const uint8_t *ad, size_t adlen,
	const uint8_t *ct, size_t ctlen, uint8_t *out);

/* noise_symmetric.c: the SymmetricState of section 5.2, on a handshake state. */

void sym_init(struct vh_noise_hs *hs, const char *protocol_name);
void sym_mix_hash(struct vh_noise_hs *hs, const uint8_t *data, size_t len);
void sym_mix_key(struct vh_noise_hs *hs, const uint8_t *ikm, size_t len);
/** out gets len (+16 once there is a key) bytes; out may not overlap pt. */
void sym_encrypt_and_hash(struct vh_noise_hs *hs, const uint8_t *pt, size_t len, uint8_t *out);
/** out gets len (-16 once there is a key) bytes; -EBADMSG on failure. */
int sym_decrypt_and_hash(struct vh_noise_hs *hs, const uint8_t *ct, size_t len, uint8_t *out);
void sym_split(struct vh_noise_hs *hs, struct vh_noise_cs *c1, struct vh_noise_cs *c2);

#endif /* VH_NOISE_PRIV_H */
