/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Node identity (Yggdrasil layer): the node's Ed25519 key pair and NodeID,
 * their text form, the key file, the binding of the per-start Noise static
 * key to the identity (the handshake payload), and the TOFU pin store.
 * No DPDK: byte spans, files and LMDB. Runs on the control lcore.
 *
 * - NodeID = SHA-256(Ed25519 public key), 32 bytes. Text form "VH" followed
 *   by the base58 (Bitcoin alphabet) of the 32 bytes, parsed strictly.
 * - Key file: 104 bytes, magic "VHID", version 1, the Ed25519 seed and
 *   public key, a SHA-256 checksum; mode 0600, written atomically.
 * - Noise static key: a fresh X25519 key pair every start, signed by the
 *   identity key: Ed25519 over "valhalla-noise-static:" || X25519 public.
 * - Handshake payload: TLVs (type u8, length u16 big-endian, value), at most
 *   VH_IDENTITY_PAYLOAD_MAX bytes: identity key, signature, protocol
 *   versions, PathAddrs; unknown types are skipped.
 * - TOFU: LMDB map label (peer name or PathAddr) -> NodeID first seen there.
 *
 * docs/identity.md gives every format byte by byte.
 *
 * Errors: 0 or a negative errno. Functions that touch files also write a
 * message naming the file and the fix into a caller's buffer (err, errlen;
 * err may be NULL).
 *
 * Secrets: struct vh_identity holds secret keys; call vh_identity_wipe()
 * before its memory is freed or reused.
 */
#ifndef VH_IDENTITY_H
#define VH_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VH_IDENTITY_NODEID_LEN 32 /**< SHA-256 of the Ed25519 public key */
#define VH_IDENTITY_PUB_LEN 32    /**< Ed25519 public key */
#define VH_IDENTITY_SEC_LEN 64    /**< libsodium Ed25519 secret key: seed || public */
#define VH_IDENTITY_SEED_LEN 32   /**< Ed25519 seed (RFC 8032 private key) */
#define VH_IDENTITY_SIG_LEN 64    /**< Ed25519 signature */
#define VH_IDENTITY_X25519_LEN 32 /**< X25519 private or public key */

/** Prefix of the NodeID text form. */
#define VH_IDENTITY_NODEID_PREFIX "VH"
/** Room for the NodeID text form: "VH" + at most 44 base58 chars + NUL. */
#define VH_IDENTITY_NODEID_TEXT_MAX 47
/** Base58 characters shown by the short (log) form, after the prefix. */
#define VH_IDENTITY_NODEID_SHORT_CHARS 8
/** Room for the short form: "VH" + 8 chars + NUL. */
#define VH_IDENTITY_NODEID_SHORT_MAX 11

/** Size of the key file. */
#define VH_IDENTITY_KEYFILE_SIZE 104

/** Message the identity key signs to vouch for a Noise static key (no NUL). */
#define VH_IDENTITY_STATIC_SIG_PREFIX "valhalla-noise-static:"

/** Largest handshake payload, encoded. */
#define VH_IDENTITY_PAYLOAD_MAX 1024
/** Most protocol versions one payload lists. */
#define VH_IDENTITY_MAX_VERSIONS 16
/** Most PathAddrs one payload lists. */
#define VH_IDENTITY_MAX_ADDRS 8
/** Longest PathAddr in a payload, without NUL (lib/bifrost's VH_PATHADDR_STRLEN - 1). */
#define VH_IDENTITY_ADDR_MAX 127

/** Payload TLV types. Others are skipped when decoding. */
enum vh_identity_tlv {
	VH_IDENTITY_TLV_IDENTITY_KEY = 1, /**< 32 bytes: Ed25519 public key (exactly once) */
	VH_IDENTITY_TLV_STATIC_SIG = 2,   /**< 64 bytes: signature over the static key (once) */
	VH_IDENTITY_TLV_VERSIONS = 3,     /**< 1..16 bytes: versions, strictly increasing (once) */
	VH_IDENTITY_TLV_PATHADDR = 4,     /**< 1..127 bytes: one PathAddr (0..8 times) */
	VH_IDENTITY_TLV_TIMESTAMP = 5,    /**< 12 bytes: TAI64N, IK message 1 only (once) */
};

/** A TAI64N timestamp: seconds + 2^62 (u64 BE), nanoseconds (u32 BE). */
#define VH_IDENTITY_TAI64N_LEN 12

/** Longest TOFU label (bytes, without NUL). */
#define VH_TOFU_LABEL_MAX 255
/** Largest entry bound vh_tofu_open() accepts. */
#define VH_TOFU_MAX_ENTRIES 100000

/**
 * The node's identity. Caller-allocated; fill it with vh_identity_generate(),
 * vh_identity_from_seed() or the key-file functions, then give it a Noise
 * static key with vh_identity_noise_init().
 */
struct vh_identity {
	uint8_t nodeid[VH_IDENTITY_NODEID_LEN];     /**< SHA-256(ed_pub) */
	uint8_t ed_pub[VH_IDENTITY_PUB_LEN];        /**< Ed25519 public key */
	uint8_t ed_sec[VH_IDENTITY_SEC_LEN];        /**< Ed25519 secret key (secret) */
	uint8_t noise_pub[VH_IDENTITY_X25519_LEN];  /**< Noise static public key */
	uint8_t noise_priv[VH_IDENTITY_X25519_LEN]; /**< Noise static private key (secret) */
	uint8_t noise_sig[VH_IDENTITY_SIG_LEN];     /**< ed_sec's signature over noise_pub */
	bool has_noise;                             /**< noise_* are set */
};

/* ------------------------------------------------------------------------ */
/* Keys and NodeID (nodeid.c)                                               */

/**
 * NodeID of an Ed25519 public key: SHA-256(pub).
 *
 * @param pub    Ed25519 public key
 * @param nodeid out
 */
void vh_identity_nodeid(
	const uint8_t pub[VH_IDENTITY_PUB_LEN], uint8_t nodeid[VH_IDENTITY_NODEID_LEN]);

/**
 * Identity from an Ed25519 seed (RFC 8032 private key). Deterministic; for
 * tests and for the key file. No Noise static key yet.
 *
 * @return 0, or -EIO if libsodium cannot be initialised
 */
int vh_identity_from_seed(const uint8_t seed[VH_IDENTITY_SEED_LEN], struct vh_identity *id);

/**
 * New random identity (crypto_sign_keypair). No Noise static key yet.
 *
 * @return 0, or -EIO if libsodium cannot be initialised
 */
int vh_identity_generate(struct vh_identity *id);

/**
 * Give the identity a Noise static key and sign it: noise_sig = Ed25519 of
 * VH_IDENTITY_STATIC_SIG_PREFIX || noise_pub.
 *
 * @param id   identity with its Ed25519 keys
 * @param priv X25519 private key to use, or NULL for a fresh random one
 *             (the normal case: one per start)
 * @return 0, or -EINVAL (all-zero Ed25519 key, i.e. id not filled), -EIO
 */
int vh_identity_noise_init(struct vh_identity *id, const uint8_t *priv);

/** Wipe every secret in id (sodium_memzero over the whole struct). */
void vh_identity_wipe(struct vh_identity *id);

/**
 * Text form of a NodeID: "VH" then base58 (Bitcoin alphabet) of the 32 bytes.
 *
 * @param out NUL-terminated output
 * @param cap its size (VH_IDENTITY_NODEID_TEXT_MAX suffices)
 * @return characters written without the NUL, or -ENOSPC
 */
int vh_identity_nodeid_format(const uint8_t nodeid[VH_IDENTITY_NODEID_LEN], char *out, size_t cap);

/**
 * Parse the text form strictly: the exact prefix "VH" (case-sensitive), then
 * 32 to 44 base58 characters that decode to exactly 32 bytes, nothing else
 * (no whitespace). The bare base58 form (no prefix; PathAddrs used it
 * before) is accepted too, unless it starts with "VH" (then it is read as
 * the prefixed form); vh_identity_nodeid_format() prints the prefixed one,
 * the only form anything prints.
 *
 * @param text NUL-terminated
 * @return 0, or -EINVAL
 */
int vh_identity_nodeid_parse(const char *text, uint8_t nodeid[VH_IDENTITY_NODEID_LEN]);

/**
 * Short form for logs: "VH" and the first 8 base58 characters of the text
 * form. Not unique and never parsed.
 *
 * @param out NUL-terminated output
 * @param cap its size (VH_IDENTITY_NODEID_SHORT_MAX suffices)
 * @return characters written without the NUL, or -ENOSPC
 */
int vh_identity_nodeid_short(const uint8_t nodeid[VH_IDENTITY_NODEID_LEN], char *out, size_t cap);

/* ------------------------------------------------------------------------ */
/* Key file (keyfile.c)                                                     */

/**
 * Load the identity from its key file. The file must be a regular file (not
 * a symlink), owned by this user or root, with no group or other permission
 * bits, exactly VH_IDENTITY_KEYFILE_SIZE bytes, with the right magic,
 * version, checksum and a public key that matches the seed.
 *
 * @return 0; -ENOENT (no file), -EPERM (mode or owner), -ELOOP (symlink),
 *         -EINVAL (not a regular file), -EBADMSG (size, magic, version,
 *         checksum, key mismatch), or another -errno from the system; the
 *         message in err names the path and the fix. id is wiped on failure.
 */
int vh_identity_load(const char *path, struct vh_identity *id, char *err, size_t errlen);

/**
 * Generate a new identity and write it to path: the directory is created
 * with mode 0700 if missing, the file is written to a temporary file in the
 * same directory with mode 0600, fsynced, and renamed into place without
 * replacing an existing file; the directory is fsynced.
 *
 * @return 0; -EEXIST if path exists (an identity is never overwritten), or
 *         another -errno with a message in err. id is wiped on failure.
 */
int vh_identity_create(const char *path, struct vh_identity *id, char *err, size_t errlen);

/**
 * vh_identity_load(), or vh_identity_create() when the file does not exist.
 *
 * @param created out, may be NULL: true when a new identity was written
 * @return as vh_identity_load() / vh_identity_create()
 */
int vh_identity_load_or_create(
	const char *path, struct vh_identity *id, bool *created, char *err, size_t errlen);

/* ------------------------------------------------------------------------ */
/* Handshake payload (payload.c)                                            */

/** A decoded handshake payload. Strings are NUL-terminated. */
struct vh_identity_payload {
	uint8_t ed_pub[VH_IDENTITY_PUB_LEN];        /**< sender's identity key */
	uint8_t static_sig[VH_IDENTITY_SIG_LEN];    /**< signature over its static key */
	uint8_t n_versions;                         /**< 1..VH_IDENTITY_MAX_VERSIONS */
	uint8_t versions[VH_IDENTITY_MAX_VERSIONS]; /**< strictly increasing, non-zero */
	uint8_t n_addrs;                            /**< 0..VH_IDENTITY_MAX_ADDRS */
	char addrs[VH_IDENTITY_MAX_ADDRS][VH_IDENTITY_ADDR_MAX + 1]; /**< PathAddr strings */
	bool has_timestamp;                                          /**< timestamp is set */
	uint8_t timestamp[VH_IDENTITY_TAI64N_LEN];                   /**< sender's clock (TAI64N) */
};

/**
 * TAI64N of a wall-clock time (the caller's clock; nodes use
 * CLOCK_REALTIME). Big-endian, so a later time compares greater with
 * memcmp(). Leap seconds are not added: only the order matters.
 */
void vh_identity_tai64n(uint64_t unix_ns, uint8_t out[VH_IDENTITY_TAI64N_LEN]);

/**
 * An encoded payload with a timestamp TLV appended (the last type, so the
 * TLVs stay in type order): what an IK message 1 carries, one per
 * initiation, so a responder can refuse a replay (docs/handshake-defence.md).
 *
 * @param pl  an encoded payload without a timestamp (vh_identity_payload_encode())
 * @return bytes written (len + 15), -ENOBUFS or -EINVAL
 */
int vh_identity_payload_stamp(const uint8_t *pl, size_t len,
	const uint8_t ts[VH_IDENTITY_TAI64N_LEN], uint8_t *out, size_t cap);

/**
 * Fill a payload for this node: its identity key, the signature over its
 * Noise static key, versions and addresses (copied).
 *
 * @param id       identity after vh_identity_noise_init()
 * @param versions 1..16 versions, strictly increasing, each 1..255
 * @param addrs    0..8 PathAddr strings, each 1..127 bytes of printable
 *                 ASCII without spaces, starting with '/' (syntax is
 *                 lib/bifrost's concern; this only bounds them)
 * @return 0, or -EINVAL (no Noise key yet, limits, bad strings)
 */
int vh_identity_payload_build(const struct vh_identity *id, const uint8_t *versions,
	size_t n_versions, const char *const *addrs, size_t n_addrs, struct vh_identity_payload *p);

/**
 * Encode a payload (TLVs in type order; see docs/identity.md).
 *
 * @return bytes written; -EINVAL if p breaks a limit, -ENOBUFS if cap is too
 *         small (VH_IDENTITY_PAYLOAD_MAX always suffices)
 */
int vh_identity_payload_encode(const struct vh_identity_payload *p, uint8_t *out, size_t cap);

/**
 * Decode a payload strictly: every TLV length checked against the buffer,
 * identity key, signature and versions present exactly once with their
 * exact sizes, at most 8 PathAddrs, unknown types skipped.
 *
 * @return 0; -EMSGSIZE if len > VH_IDENTITY_PAYLOAD_MAX, -EBADMSG if
 *         malformed. p is zeroed first.
 */
int vh_identity_payload_decode(const uint8_t *buf, size_t len, struct vh_identity_payload *p);

/**
 * Check the binding: p->static_sig must be p->ed_pub's signature over
 * VH_IDENTITY_STATIC_SIG_PREFIX || remote_static, where remote_static is the
 * static key Noise authenticated (vh_noise_get_remote_static()).
 *
 * @param nodeid_out out, may be NULL: the peer's NodeID, SHA-256(p->ed_pub)
 * @return 0, or -EKEYREJECTED (bad signature, weak key, other static key)
 */
int vh_identity_payload_verify(const struct vh_identity_payload *p,
	const uint8_t remote_static[VH_IDENTITY_X25519_LEN], uint8_t *nodeid_out);

/**
 * Highest protocol version both lists contain.
 *
 * @return the version (1..255), or -EPROTONOSUPPORT if none is shared
 */
int vh_identity_version_select(
	const uint8_t *ours, size_t n_ours, const uint8_t *theirs, size_t n_theirs);

/* ------------------------------------------------------------------------ */
/* Stored records (record.c)                                                */

/** Version byte of a sealed LMDB value (1 was the unsealed format before). */
#define VH_IDENTITY_RECORD_VERSION 2
/** BLAKE2b output kept per value. */
#define VH_IDENTITY_RECORD_SUM_LEN 16
/** Bytes a sealed value adds to its data: version + checksum. */
#define VH_IDENTITY_RECORD_OVERHEAD (1 + VH_IDENTITY_RECORD_SUM_LEN)

/**
 * Seal data for storage under key in database db: out = version || data ||
 * BLAKE2b-128(domain, db, key, version, data). data may be out + 1 (sealed
 * in place). A checksum against accidental damage, not a MAC: whoever can
 * write the file can also rewrite the sum (decision 0012).
 *
 * @return bytes written (dlen + VH_IDENTITY_RECORD_OVERHEAD), -ENOBUFS or
 *         -EINVAL
 */
long vh_identity_record_seal(const char *db, const void *key, size_t klen, const uint8_t *data,
	size_t dlen, uint8_t *out, size_t cap);

/**
 * Check a sealed value read back from db under key.
 *
 * @param data out: the data inside val (not copied)
 * @param dlen out: its length
 * @return 0; -EBADMSG (too short or the sum does not match: damaged),
 *         -EPROTO (another version byte: not a sealed value), -EINVAL
 */
int vh_identity_record_open(const char *db, const void *key, size_t klen, const uint8_t *val,
	size_t vlen, const uint8_t **data, size_t *dlen);

/* ------------------------------------------------------------------------ */
/* TOFU pin store (tofu.c)                                                  */

/** A TOFU pin store (LMDB environment); opaque. */
struct vh_tofu;

/**
 * Open (creating if needed) the pin store in dir: files dir/tofu.mdb and
 * dir/tofu.mdb-lock, mode 0600; dir is created 0700 if missing. Every
 * stored entry is checked at open. The first full read runs in a forked,
 * short-lived child, so a damaged file that would crash LMDB is refused
 * instead (docs/identity.md); call it at start-up, not from a worker. Open
 * one store per directory per process (an LMDB rule).
 *
 * @param dir         the node's data directory
 * @param max_entries most labels pinned, 1..VH_TOFU_MAX_ENTRIES; it also
 *                    sizes the LMDB map
 * @return the store, or NULL with errno: EINVAL (arguments), EPERM (file
 *         mode), ELOOP (symlink), EBADMSG (not an LMDB file, or corrupt so
 *         that LMDB cannot walk it; a damaged entry is not an error here but
 *         counted: vh_tofu_damaged()), or a system errno; the message is in err.
 */
struct vh_tofu *vh_tofu_open(const char *dir, size_t max_entries, char *err, size_t errlen);

/**
 * Trust on first use: pin label -> nodeid if label is new, else compare.
 *
 * @param label      a configured peer name or a PathAddr string: 1..255
 *                   bytes, no ASCII control characters
 * @param nodeid     the NodeID the peer proved (vh_identity_payload_verify())
 * @param pinned     out, may be NULL: the NodeID pinned for label (on
 *                   -EKEYREJECTED, the old one, for the log)
 * @param pinned_now out, may be NULL: true when this call created the pin
 * @return 0 (pinned now, or the pin matches); -EKEYREJECTED (another NodeID
 *         is pinned for label: refuse the peer); -ENOSPC (new label, store
 *         full); -EINVAL (label); -EBADMSG (label's pin is damaged, or
 *         the label is new while damaged pins remain: refuse the peer);
 *         -EIO (database; see vh_tofu_errmsg())
 */
int vh_tofu_check_and_pin(struct vh_tofu *t, const char *label,
	const uint8_t nodeid[VH_IDENTITY_NODEID_LEN], uint8_t *pinned, bool *pinned_now);

/**
 * NodeID pinned for label.
 *
 * @return 0, -ENOENT, -EINVAL, -EBADMSG or -EIO
 */
int vh_tofu_lookup(struct vh_tofu *t, const char *label, uint8_t nodeid[VH_IDENTITY_NODEID_LEN]);

/**
 * Remove the pin for label (an operator accepting a new key for it).
 *
 * @return 0, -ENOENT, -EINVAL or -EIO
 */
int vh_tofu_forget(struct vh_tofu *t, const char *label);

/**
 * Callback of vh_tofu_list(): label is NUL-terminated. Return 0 to go on,
 * anything else to stop.
 */
typedef int (*vh_tofu_list_fn)(
	void *ctx, const char *label, const uint8_t nodeid[VH_IDENTITY_NODEID_LEN]);

/**
 * Call fn for every intact pin, in label byte order (damaged ones are
 * skipped). fn must not modify the store.
 *
 * @return the number of pins visited, or -EBADMSG / -EIO
 */
int vh_tofu_list(struct vh_tofu *t, vh_tofu_list_fn fn, void *ctx);

/**
 * Number of pins.
 *
 * @return the count, or -EIO
 */
int vh_tofu_count(struct vh_tofu *t);

/**
 * Entries whose checksum failed at open (counted, reported in
 * vh_tofu_errmsg(), never handed out). While any remain, lookups of their
 * labels and every new pin give -EBADMSG: a damaged pin must not turn into
 * a silent first use. vh_tofu_forget() of such a label, or
 * vh_tofu_forget_damaged(), clears them.
 */
unsigned int vh_tofu_damaged(const struct vh_tofu *t);

/**
 * Delete every damaged entry (an operator accepting the loss).
 *
 * @return entries deleted, or -EIO
 */
int vh_tofu_forget_damaged(struct vh_tofu *t);

/**
 * Replay check of an IK initiation from nodeid (after its identity payload
 * verified): accept ts only if it is greater than the greatest accepted from
 * nodeid so far, and remember it (durable at return), so a restart does not
 * reopen the window. Keyed by NodeID, not by Noise static key: a node's
 * static key is new at each start, its NodeID is not.
 *
 * @param ts the payload's TAI64N, or NULL if it had none (an older binary:
 *           accepted unless nodeid sent a stamp before)
 * @return 0 (accept; with max_entries stamps stored, a new NodeID's is
 *         accepted but not remembered); -ESTALE (not newer: a replay,
 *         refuse before any further DH); -EINVAL; -EIO (database). A stored
 *         stamp whose checksum fails is skipped (no floor) and replaced
 *         (vh_tofu_stamps_damaged()).
 */
int vh_tofu_stamp(
	struct vh_tofu *t, const uint8_t nodeid[VH_IDENTITY_NODEID_LEN], const uint8_t *ts);

/**
 * vh_tofu_stamp() with the timestamp of an encoded identity payload (the
 * one of an IK message 1, already verified for nodeid).
 *
 * @return as vh_tofu_stamp(), or -EBADMSG if pl does not decode
 */
int vh_tofu_stamp_payload(struct vh_tofu *t, const uint8_t nodeid[VH_IDENTITY_NODEID_LEN],
	const uint8_t *pl, size_t plen);

/** Stored stamps found damaged (and skipped) since open. */
unsigned int vh_tofu_stamps_damaged(const struct vh_tofu *t);

/** The message of the last failed operation on t ("" if none). */
const char *vh_tofu_errmsg(const struct vh_tofu *t);

/** Close the store (NULL is a no-op). */
void vh_tofu_close(struct vh_tofu *t);

#ifdef __cplusplus
}
#endif

#endif /* VH_IDENTITY_H */
