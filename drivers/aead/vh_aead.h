/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * ChaCha20-Poly1305 (RFC 8439, IETF variant) AEAD engines for the Veil
 * transport: swappable back ends behind one burst interface.
 *
 * Every engine gives identical bytes for identical input:
 * - VH_AEAD_IPSECMB: Intel ipsec-mb multi-buffer, the fast default;
 * - VH_AEAD_SODIUM: libsodium, the portable reference;
 * - VH_AEAD_CRYPTODEV: a DPDK crypto device (software or hardware PMD); needs
 *   rte_eal_init() first.
 *
 * Threading: an engine instance is NOT thread-safe. Create one per lcore
 * (ipsec-mb keeps its multi-buffer lanes in a per-instance IMB_MGR, cryptodev
 * uses one queue pair per instance) and only call it from that lcore.
 *
 * Nonce: 4 zero bytes followed by the 64-bit little-endian packet counter, as
 * in Noise and WireGuard (see vh_aead_nonce()).
 */
#ifndef VH_AEAD_H
#define VH_AEAD_H

#include <endian.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VH_AEAD_KEY_LEN 32   /**< key length in bytes */
#define VH_AEAD_NONCE_LEN 12 /**< nonce length in bytes */
#define VH_AEAD_TAG_LEN 16   /**< tag length in bytes */

/** One AEAD operation of a burst: 64 bytes, pointers first (no padding). */
struct vh_aead_op {
	const uint8_t *key;               /**< 32-byte key */
	const uint8_t *aad;               /**< additional data, may be NULL if aad_len is 0 */
	const uint8_t *src;               /**< input (plaintext or ciphertext) */
	uint8_t *dst;                     /**< output; src == dst (in place) is allowed */
	uint8_t *tag;                     /**< 16 bytes: written on encrypt, checked on decrypt */
	uint32_t aad_len;                 /**< length of aad */
	uint32_t len;                     /**< length of src and of dst */
	/**
	 * Out: 0; -EBADMSG when decryption finds a bad tag (dst is then
	 * zeroed, so no unauthenticated plaintext leaves the engine);
	 * -EINVAL for a malformed op (NULL pointers, partial src/dst overlap,
	 * lengths over the engine's limits, see vh_aead_max_len() and
	 * vh_aead_max_aad()); -EIO when a device failed the op.
	 */
	int status;
	uint8_t nonce[VH_AEAD_NONCE_LEN]; /**< 12-byte nonce */
};

/** Engine kinds. */
enum vh_aead_kind {
	VH_AEAD_SODIUM,    /**< libsodium */
	VH_AEAD_IPSECMB,   /**< Intel ipsec-mb, job burst API */
	VH_AEAD_CRYPTODEV, /**< DPDK rte_cryptodev */
};

/** Engine configuration; NULL or all-zero picks the defaults. */
struct vh_aead_conf {
	/**
	 * Cryptodev: name of an existing, configured and started crypto
	 * device to use (e.g. a QAT VF). NULL: the engine creates a private
	 * virtual device of cdev_driver and owns it.
	 */
	const char *cdev_name;
	/** Cryptodev: queue pair to use on cdev_name (one per lcore). */
	uint16_t cdev_qp;
	/** Cryptodev: vdev driver to create when cdev_name is NULL
	 * (default "crypto_aesni_mb"). */
	const char *cdev_driver;
	/** Cryptodev: devargs for that vdev, or NULL. */
	const char *cdev_args;
	/** Cryptodev: NUMA socket for pools and the vdev (default 0). */
	int socket_id;
};

/** Opaque engine instance. */
struct vh_aead;

/**
 * Create an engine.
 *
 * @param kind  which back end
 * @param conf  configuration, or NULL for defaults
 * @return the engine, or NULL with errno set: ENOTSUP (back end or
 *   algorithm not available, e.g. a crypto device without
 *   CHACHA20_POLY1305), ENODEV (cryptodev without EAL, or device not
 *   found), EINVAL (bad kind or conf), ENOMEM.
 */
struct vh_aead *vh_aead_create(enum vh_aead_kind kind, const struct vh_aead_conf *conf);

/**
 * Encrypt a burst: for each op, write len bytes of ciphertext to dst and the
 * tag to tag. Ops are independent: each can have its own key, nonce and aad.
 *
 * @return the number of ops whose status is 0.
 */
unsigned int vh_aead_encrypt_burst(struct vh_aead *a, struct vh_aead_op *ops, unsigned int n);

/**
 * Decrypt and verify a burst. The tag is compared in constant time (except
 * on cryptodev, where the PMD compares; see docs/aead.md). An op that fails
 * verification gets -EBADMSG and its dst is zeroed.
 *
 * @return the number of ops whose status is 0.
 */
unsigned int vh_aead_decrypt_burst(struct vh_aead *a, struct vh_aead_op *ops, unsigned int n);

/**
 * The engine's name ("sodium", "ipsecmb" or "cryptodev").
 */
const char *vh_aead_name(const struct vh_aead *a);

/**
 * Largest op len the engine accepts (longer ops get -EINVAL).
 */
uint32_t vh_aead_max_len(const struct vh_aead *a);

/**
 * Largest op aad_len the engine accepts (longer ops get -EINVAL). For a
 * crypto device this is the device's capability (e.g. 1024 on aesni_mb, 240
 * on the chacha20_poly1305 PMD).
 */
uint32_t vh_aead_max_aad(const struct vh_aead *a);

/**
 * Map a name ("sodium", "ipsecmb", "cryptodev") to its enum vh_aead_kind.
 *
 * @return the kind, or -EINVAL.
 */
int vh_aead_kind_from_name(const char *name);

/**
 * Destroy an engine and wipe what it kept of keys. NULL is a no-op.
 */
void vh_aead_destroy(struct vh_aead *a);

/**
 * Build the transport nonce for a packet counter: 4 zero bytes, then the
 * counter in little-endian (Noise, WireGuard). Inline: the workers build
 * two per packet.
 */
static inline void
vh_aead_nonce(uint8_t nonce[VH_AEAD_NONCE_LEN], uint64_t counter)
{
	uint64_t le = htole64(counter);

	memset(nonce, 0, 4);
	memcpy(nonce + 4, &le, sizeof(le));
}

#ifdef __cplusplus
}
#endif

#endif /* VH_AEAD_H */
