/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Noise: the Noise Protocol Framework core (revision 34) on which Veil link
 * sessions (vh_veil.h) are built. Pure byte spans: no DPDK, no mbufs, no allocation.
 *
 * Supported protocols, all with X25519 and ChaCha20-Poly1305:
 *   Noise_XX_25519_ChaChaPoly_SHA256     Noise_XX_25519_ChaChaPoly_BLAKE2b
 *   Noise_IK_25519_ChaChaPoly_SHA256     Noise_IK_25519_ChaChaPoly_BLAKE2b
 *
 * Usage (initiator; the responder mirrors it with read and write swapped):
 *
 *   struct vh_noise_hs hs;
 *   struct vh_noise_cs tx, rx;
 *   vh_noise_hs_init(&hs, &conf);
 *   vh_noise_write_message(&hs, NULL, 0, msg, sizeof(msg), &len);   -> e
 *   vh_noise_read_message(&hs, msg, len, pl, sizeof(pl), &plen);    <- e, ee, s, es
 *   vh_noise_write_message(&hs, pl, plen, msg, sizeof(msg), &len);  -> s, se
 *   vh_noise_split(&hs, &tx, &rx);   (wipes the handshake's secrets)
 *   vh_noise_cs_encrypt(&tx, ...);  vh_noise_cs_decrypt(&rx, ...);
 *   vh_noise_hs_wipe(&hs);
 *
 * Memory: struct vh_noise_hs and struct vh_noise_cs are caller-allocated,
 * fixed-size structs (a few hundred bytes; embed them in a session object or
 * put them on the stack), so the control lcore never calls malloc for a
 * handshake. Their fields are private: use only the functions below. They
 * hold secrets: call vh_noise_hs_wipe() / vh_noise_cs_wipe() before the
 * memory is freed or reused.
 *
 * Threading: a state is not thread-safe; one thread uses it at a time.
 * Different states are independent.
 *
 * Errors: 0 on success or a negative errno:
 * - -EINVAL: a bad argument (NULL pointer, unknown enum, missing key);
 * - -EPROTO: a call out of order (writing when it is the peer's turn,
 *   splitting before the handshake is complete, any call on a state that
 *   failed or was split or wiped);
 * - -EBADMSG: a received message is malformed or fails authentication;
 * - -EMSGSIZE: a payload too big for one Noise message (65535 bytes);
 * - -ENOBUFS: the output buffer is too small (nothing changed: retry with a
 *   larger one);
 * - -EOVERFLOW: a cipher state's nonces are used up (n reached 2^64-1);
 * - -EIO: the RNG callback failed.
 *
 * A failed vh_noise_read_message() (-EBADMSG) or a failure in the middle of
 * vh_noise_write_message() leaves the handshake state unusable: its secrets
 * are wiped and every later call returns -EPROTO. Start a new handshake.
 * Argument errors (-EINVAL, -EMSGSIZE, -ENOBUFS) found before any work
 * leave the state as it was.
 */
#ifndef VH_NOISE_H
#define VH_NOISE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VH_NOISE_KEY_LEN 32    /**< X25519 private or public key, cipher key */
#define VH_NOISE_TAG_LEN 16    /**< ChaCha20-Poly1305 tag */
#define VH_NOISE_HASH_MAX 64   /**< largest HASHLEN (BLAKE2b) */
#define VH_NOISE_MAX_MSG 65535 /**< largest Noise message, handshake or transport */
#define VH_NOISE_MAX_PAYLOAD (VH_NOISE_MAX_MSG - VH_NOISE_TAG_LEN) /**< transport payload */
#define VH_NOISE_NONCE_MAX UINT64_MAX /**< reserved nonce, never used for a message */

/** Handshake patterns. */
enum vh_noise_pattern {
	VH_NOISE_XX, /**< -> e; <- e, ee, s, es; -> s, se (mutual, no prior knowledge) */
	VH_NOISE_IK, /**< <- s ...; -> e, es, s, ss; <- e, ee, se (initiator knows rs) */
};

/** Hash functions (HASHLEN 32 and 64). */
enum vh_noise_hash {
	VH_NOISE_SHA256,  /**< SHA-256, HASHLEN 32, BLOCKLEN 64 */
	VH_NOISE_BLAKE2B, /**< BLAKE2b-512, HASHLEN 64, BLOCKLEN 128 */
};

/**
 * Random bytes source: fill out[0..len) and return 0, or non-zero on failure.
 * Used for ephemeral keys; tests inject fixed ephemerals through it.
 */
typedef int (*vh_noise_rng_fn)(void *ctx, uint8_t *out, size_t len);

/** An X25519 key pair. */
struct vh_noise_keypair {
	uint8_t priv[VH_NOISE_KEY_LEN]; /**< private key (secret) */
	uint8_t pub[VH_NOISE_KEY_LEN];  /**< public key */
};

/**
 * A cipher state: a key and a 64-bit nonce counter. Fields are private.
 * The nonce is 4 zero bytes then the counter, little-endian (Noise's
 * ChaChaPoly encoding).
 */
struct vh_noise_cs {
	uint8_t k[VH_NOISE_KEY_LEN];
	uint64_t n;
	bool has_key;
};

/** Handshake configuration for vh_noise_hs_init(). */
struct vh_noise_hs_conf {
	enum vh_noise_pattern pattern;
	enum vh_noise_hash hash;
	bool initiator;          /**< true: this side sends the first message */
	const uint8_t *prologue; /**< bound into the handshake hash; may be NULL if 0 */
	size_t prologue_len;     /**< at most VH_NOISE_MAX_MSG */
	/** This side's static key pair (required; copied into the state). */
	const struct vh_noise_keypair *local_static;
	/**
	 * The responder's static public key: required for an IK initiator,
	 * must be NULL otherwise (copied).
	 */
	const uint8_t *remote_static;
	/** Ephemeral key source; NULL means libsodium's randombytes_buf(). */
	vh_noise_rng_fn rng;
	void *rng_ctx; /**< passed to rng */
};

/**
 * A handshake state, caller-allocated. Fields are private; their layout may
 * change. Size is fixed (sizeof(struct vh_noise_hs)).
 */
struct vh_noise_hs {
	/* SymmetricState */
	uint8_t ck[VH_NOISE_HASH_MAX];
	uint8_t h[VH_NOISE_HASH_MAX];
	struct vh_noise_cs cs;
	/* HandshakeState */
	struct vh_noise_keypair s;
	struct vh_noise_keypair e;
	uint8_t rs[VH_NOISE_KEY_LEN];
	uint8_t re[VH_NOISE_KEY_LEN];
	vh_noise_rng_fn rng;
	void *rng_ctx;
	uint8_t pattern;
	uint8_t hash;
	uint8_t initiator;
	uint8_t msg;    /* index of the next message in the pattern */
	uint8_t status; /* private enum in the implementation */
	uint8_t has_rs;
	uint8_t has_re;
};

/**
 * Derive a key pair from a 32-byte X25519 private key.
 * @return 0, or -EINVAL (NULL argument, or a private key giving the
 * all-zero public key).
 */
int vh_noise_keypair_from_private(
	struct vh_noise_keypair *kp, const uint8_t priv[VH_NOISE_KEY_LEN]);

/**
 * Generate a fresh key pair.
 * @param rng random source, NULL for libsodium's randombytes_buf()
 * @return 0, -EINVAL, or -EIO if rng failed.
 */
int vh_noise_keypair_generate(struct vh_noise_keypair *kp, vh_noise_rng_fn rng, void *rng_ctx);

/**
 * Initialize a handshake state (Noise's Initialize()): protocol name,
 * prologue and, for IK, the responder's static key are hashed in.
 * @return 0 or -EINVAL (then hs is zeroed).
 */
int vh_noise_hs_init(struct vh_noise_hs *hs, const struct vh_noise_hs_conf *conf);

/**
 * Write the next handshake message, carrying payload (encrypted once the
 * handshake has a key; XX's first message carries it in clear).
 * @param payload  may be NULL if plen is 0; must not overlap out
 * @param out      buffer of cap bytes for the message
 * @param outlen   set to the message length
 * @return 0, -EPROTO (not our turn, or state unusable), -EMSGSIZE (the
 * message would exceed VH_NOISE_MAX_MSG), -ENOBUFS (cap too small), -EIO
 * (RNG failed), -EINVAL (bad argument; or, with the state now unusable, a
 * Diffie-Hellman with a peer key, configured or received earlier, gave the
 * all-zero result of a low-order point).
 */
int vh_noise_write_message(struct vh_noise_hs *hs, const uint8_t *payload, size_t plen,
	uint8_t *out, size_t cap, size_t *outlen);

/**
 * Read the next handshake message from the peer and return its payload.
 * @param payload_out buffer of cap bytes; may be NULL if cap is 0. Must not
 * overlap msg.
 * @param plen set to the payload length
 * @return 0, -EPROTO (not our turn, or state unusable), -EBADMSG (message
 * too short, too long, bad key or failed authentication: the state is now
 * unusable), -ENOBUFS (cap smaller than the payload; state unchanged),
 * -EINVAL.
 */
int vh_noise_read_message(struct vh_noise_hs *hs, const uint8_t *msg, size_t len,
	uint8_t *payload_out, size_t cap, size_t *plen);

/**
 * @return true once every message of the pattern has been written or read
 * (and until the state is wiped, including after vh_noise_split()).
 */
bool vh_noise_is_complete(const struct vh_noise_hs *hs);

/**
 * @return true if it is this side's turn to write (false when complete,
 * failed or when it is the peer's turn).
 */
bool vh_noise_wants_write(const struct vh_noise_hs *hs);

/**
 * Copy the handshake hash h (channel binding) once complete; it stays
 * available after vh_noise_split().
 * @param out buffer of cap >= HASHLEN bytes
 * @param len set to HASHLEN (32 or 64)
 * @return 0, -EPROTO (handshake not complete), -ENOBUFS, -EINVAL.
 */
int vh_noise_get_handshake_hash(
	const struct vh_noise_hs *hs, uint8_t *out, size_t cap, size_t *len);

/**
 * Copy the peer's static public key, once known (IK initiator: from the
 * start; XX initiator: after message 2; responder: after message 1 (IK) or
 * 3 (XX)). Available after vh_noise_split() too.
 * @return 0, -EPROTO (not known yet), -EINVAL.
 */
int vh_noise_get_remote_static(const struct vh_noise_hs *hs, uint8_t out[VH_NOISE_KEY_LEN]);

/**
 * Noise's Split(): derive the two transport cipher states, oriented for
 * this side (send: initiator-to-responder on the initiator, and so on).
 * Afterwards the handshake state keeps only h and rs: chaining key,
 * handshake cipher key and both private keys are wiped.
 * @return 0, -EPROTO (not complete, or already split), -EINVAL.
 */
int vh_noise_split(struct vh_noise_hs *hs, struct vh_noise_cs *send, struct vh_noise_cs *recv);

/** Wipe a handshake state (every byte, secrets included). NULL is a no-op. */
void vh_noise_hs_wipe(struct vh_noise_hs *hs);

/**
 * Name of the protocol a state runs, e.g. "Noise_XX_25519_ChaChaPoly_SHA256",
 * or NULL for an invalid pattern/hash pair.
 */
const char *vh_noise_protocol_name(enum vh_noise_pattern pattern, enum vh_noise_hash hash);

/**
 * Transport encryption with the state's own counter (Noise's EncryptWithAd):
 * out = ciphertext || tag (plen + 16 bytes), then the counter advances.
 * @param ad associated data, may be NULL if adlen is 0
 * @param pt may equal out (in place); no other overlap
 * @return 0, -EOVERFLOW (counter at 2^64-1: rekey or new handshake),
 * -EMSGSIZE (plen > VH_NOISE_MAX_PAYLOAD), -ENOBUFS, -EPROTO (no key), -EINVAL.
 */
int vh_noise_cs_encrypt(struct vh_noise_cs *cs, const uint8_t *ad, size_t adlen, const uint8_t *pt,
	size_t plen, uint8_t *out, size_t cap, size_t *outlen);

/**
 * Transport decryption with the state's own counter (DecryptWithAd). The
 * counter advances only on success.
 * @return 0, -EBADMSG (authentication failed, or ctlen < 16; out is zeroed),
 * -EOVERFLOW, -EMSGSIZE (ctlen > VH_NOISE_MAX_MSG), -ENOBUFS, -EPROTO, -EINVAL.
 */
int vh_noise_cs_decrypt(struct vh_noise_cs *cs, const uint8_t *ad, size_t adlen, const uint8_t *ct,
	size_t ctlen, uint8_t *out, size_t cap, size_t *outlen);

/**
 * Encrypt with an explicit nonce, for link frames that carry the counter in
 * the packet; the state's own counter is neither used nor changed. Never
 * reuse a nonce with one key: the caller owns the counter.
 * @return as vh_noise_cs_encrypt(); -EOVERFLOW for nonce == 2^64-1.
 */
int vh_noise_cs_encrypt_nonce(const struct vh_noise_cs *cs, uint64_t nonce, const uint8_t *ad,
	size_t adlen, const uint8_t *pt, size_t plen, uint8_t *out, size_t cap, size_t *outlen);

/**
 * Decrypt with an explicit nonce (the counter from the packet). Replay
 * checks are the caller's (a sliding window over accepted nonces).
 * @return as vh_noise_cs_decrypt(); -EOVERFLOW for nonce == 2^64-1.
 */
int vh_noise_cs_decrypt_nonce(const struct vh_noise_cs *cs, uint64_t nonce, const uint8_t *ad,
	size_t adlen, const uint8_t *ct, size_t ctlen, uint8_t *out, size_t cap, size_t *outlen);

/** @return the next nonce vh_noise_cs_encrypt()/decrypt() will use (0 for NULL). */
uint64_t vh_noise_cs_nonce(const struct vh_noise_cs *cs);

/** Set the counter (Noise's SetNonce); NULL is a no-op. */
void vh_noise_cs_set_nonce(struct vh_noise_cs *cs, uint64_t n);

/**
 * Noise's Rekey(): k = first 32 bytes of ENCRYPT(k, 2^64-1, "", 32 zero
 * bytes). The counter is kept. Both sides must rekey at the same point.
 * @return 0, -EPROTO (no key), -EINVAL.
 */
int vh_noise_cs_rekey(struct vh_noise_cs *cs);

/** Wipe a cipher state (key and counter). NULL is a no-op. */
void vh_noise_cs_wipe(struct vh_noise_cs *cs);

#ifdef __cplusplus
}
#endif

#endif /* VH_NOISE_H */
