/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internal interfaces of lib/mix: the Sphinx primitives (sphinx_crypto.c),
 * and the AES-NI code (aesni.c, aez.c; built with -maes -msse4.1 and only
 * called after vh_mix_cpu_supported() said yes).
 */
#ifndef MIX_INTERNAL_H
#define MIX_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "vh_mix.h"

#define SPHINX_STREAM_KEY_LEN 32
#define SPHINX_STREAM_IV_LEN 16
#define SPHINX_MAC_KEY_LEN 32

/* Per-hop keys, sliced out of one HKDF-SHA256 expansion in this order. */
struct sphinx_keys {
	uint8_t header_mac[SPHINX_MAC_KEY_LEN];
	uint8_t header_enc[SPHINX_STREAM_KEY_LEN];
	uint8_t header_iv[SPHINX_STREAM_IV_LEN];
	uint8_t payload_key[VH_SPHINX_SPRP_KEY_LEN];
	uint8_t blinding_seed[VH_SPHINX_KEY_LEN];
	uint8_t blinding[VH_SPHINX_KEY_LEN]; /* the X25519 private key made from the seed */
};

/* HKDF-Expand(SHA-256, prk = shared secret, info = KDF_INFO) sliced into keys. */
void sphinx_kdf(const uint8_t shared[VH_SPHINX_KEY_LEN], struct sphinx_keys *k);

/*
 * The blinding private key Katzenpost's NIKE makes from a seed: the first 32
 * bytes of ChaCha20 (original, 8-byte zero nonce) keyed by the seed.
 */
void sphinx_blinding_key(const uint8_t seed[VH_SPHINX_KEY_LEN], uint8_t out[VH_SPHINX_KEY_LEN]);

/* HMAC-SHA256(key, a || b || c); any span may be empty. */
void sphinx_mac(const uint8_t key[SPHINX_MAC_KEY_LEN], const uint8_t *a, size_t alen,
	const uint8_t *b, size_t blen, const uint8_t *c, size_t clen,
	uint8_t out[VH_SPHINX_MAC_LEN]);

/* XOR the AES-256-CTR keystream (128-bit big-endian counter from iv) into buf. */
void sphinx_stream_xor(const uint8_t key[SPHINX_STREAM_KEY_LEN],
	const uint8_t iv[SPHINX_STREAM_IV_LEN], uint8_t *buf, size_t len);

/* SHA-512/256 (FIPS 180-4), Katzenpost's unkeyed hash. */
void sphinx_hash(const uint8_t *msg, size_t len, uint8_t out[32]);

/* X25519(scalar, point) with the usual clamping; -EINVAL for a low-order result. */
int sphinx_x25519(uint8_t out[VH_SPHINX_KEY_LEN], const uint8_t scalar[VH_SPHINX_KEY_LEN],
	const uint8_t point[VH_SPHINX_KEY_LEN]);

/* X25519(scalar, basepoint). */
int sphinx_x25519_base(uint8_t out[VH_SPHINX_KEY_LEN], const uint8_t scalar[VH_SPHINX_KEY_LEN]);

/* The Sphinx SPRP: AEZ v5, 48-byte key, 16-byte nonce, no AD, tau 0, in place. */
void sphinx_sprp_encrypt(const uint8_t key[VH_SPHINX_SPRP_KEY_LEN],
	const uint8_t iv[VH_SPHINX_SPRP_IV_LEN], uint8_t *buf, size_t len);
void sphinx_sprp_decrypt(const uint8_t key[VH_SPHINX_SPRP_KEY_LEN],
	const uint8_t iv[VH_SPHINX_SPRP_IV_LEN], uint8_t *buf, size_t len);

/* aesni.c */
void aesni_aes256_ctr_xor(const uint8_t key[32], const uint8_t iv[16], uint8_t *buf, size_t len);
void aesni_aes256_encrypt_block(const uint8_t key[32], const uint8_t in[16], uint8_t out[16]);

/* aez.c: the whole AEZ v5 on an extracted 48-byte key. */
struct aez_span {
	const uint8_t *p;
	size_t len;
};
void aez_encrypt_raw(const uint8_t key[48], const struct aez_span *nonce, const struct aez_span *ad,
	size_t nr_ad, size_t tau, const uint8_t *in, size_t in_len, uint8_t *out);
int aez_decrypt_raw(const uint8_t key[48], const struct aez_span *nonce, const struct aez_span *ad,
	size_t nr_ad, size_t tau, const uint8_t *in, size_t in_len, uint8_t *out);

/* sphinx.c: the header both packets and SURBs start from. */
#define SPHINX_MAX_RI               \
	((VH_SPHINX_MAX_HOPS + 1) * \
		(VH_SPHINX_CMD_NEXT_NODE_HOP_LEN + VH_SPHINX_CMD_SURB_REPLY_LEN))

struct sphinx_sprp_key {
	uint8_t key[VH_SPHINX_SPRP_KEY_LEN];
	uint8_t iv[VH_SPHINX_SPRP_IV_LEN];
};

int sphinx_check_geometry(const struct vh_sphinx_geometry *geo);
int sphinx_create_header(const struct vh_sphinx_geometry *geo, const struct vh_sphinx_hop *path,
	size_t nr_hops, vh_sphinx_rng_fn rng, void *rng_ctx, uint8_t *hdr,
	struct sphinx_sprp_key *sprp);

/* epoch.c: one key slot; the struct is here so tests can check the wiping. */
struct mix_key {
	enum vh_mix_key_state state;
	uint64_t epoch;
	uint64_t unwrapped;
	uint8_t priv[VH_SPHINX_KEY_LEN];
	uint8_t pub[VH_SPHINX_KEY_LEN];
	struct vh_mix_replay *replay;
};

struct vh_mix_keys {
	struct vh_mix_epoch_conf conf;
	struct mix_key slot[VH_MIX_KEYS_SLOTS];
	uint64_t now_ms;
	uint64_t epoch;
	bool ticked;
	vh_sphinx_rng_fn rng;
	void *rng_ctx;
	struct vh_mix_keys_stats st;
};

#endif
