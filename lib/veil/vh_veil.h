/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Veil link sessions (docs/veil.md) over the Noise core (vh_noise.h).
 */
#ifndef VH_VEIL_H
#define VH_VEIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vh_noise.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Veil link sessions (docs/veil.md): link frames, the replay window, session
 * key slots and rekey, timers, cookies and the handshake glue over the Noise
 * core above. Still pure: byte spans and structs, with the clock (now, in
 * milliseconds, any monotonic origin) and the RNG passed in.
 */

/** Bifrost frame types of the link layer (the reserved range 0x10-0x1f). */
enum vh_veil_frame_type {
	VH_VEIL_HANDSHAKE_INIT = 0x10,   /**< Noise message 1 (XX or IK) */
	VH_VEIL_HANDSHAKE_RESP = 0x11,   /**< Noise message 2 */
	VH_VEIL_COOKIE_REPLY = 0x12,     /**< cookie for MAC2, answering a handshake frame */
	VH_VEIL_LINK_DATA = 0x13,        /**< transport data; empty plaintext = keepalive */
	VH_VEIL_HANDSHAKE_FINISH = 0x14, /**< Noise message 3 (XX only) */
};

/** Handshake pattern and hash codes on the wire (0 is invalid). */
enum {
	VH_VEIL_WIRE_XX = 1,
	VH_VEIL_WIRE_IK = 2,
	VH_VEIL_WIRE_SHA256 = 1,
	VH_VEIL_WIRE_BLAKE2B = 2,
};

#define VH_VEIL_MAC_LEN 16      /**< MAC1, MAC2 and the cookie (BLAKE2b-128) */
#define VH_VEIL_DATA_HDR_LEN 12 /**< receiver index + counter: the AEAD's AD */
#define VH_VEIL_DATA_MIN_LEN (VH_VEIL_DATA_HDR_LEN + VH_NOISE_TAG_LEN) /**< a keepalive */
#define VH_VEIL_DATA_MAX_PT VH_NOISE_MAX_PAYLOAD /**< largest LINK_DATA plaintext */
#define VH_VEIL_INIT_HDR_LEN 8                   /**< pattern, hash, flags, reserved, sender */
#define VH_VEIL_RESP_HDR_LEN 12                  /**< ... plus receiver (RESP and FINISH) */
#define VH_VEIL_MACS_LEN (2 * VH_VEIL_MAC_LEN)   /**< MAC1 and MAC2 at the end */
#define VH_VEIL_COOKIE_NONCE_LEN 24              /**< XChaCha20-Poly1305 nonce */
#define VH_VEIL_COOKIE_REPLY_LEN (4 + VH_VEIL_COOKIE_NONCE_LEN + VH_VEIL_MAC_LEN + VH_NOISE_TAG_LEN)
/** Handshake flags: MAC1 and the cookie key come from the receiver's static key. */
#define VH_VEIL_HS_FLAG_KEYED 0x01
/** Largest handshake frame payload (header, a full Noise message, MACs). */
#define VH_VEIL_HS_MAX_LEN (VH_VEIL_RESP_HDR_LEN + VH_NOISE_MAX_MSG + VH_VEIL_MACS_LEN)

/** A decoded HANDSHAKE_INIT, _RESP or _FINISH; pointers into the frame. */
struct vh_veil_hs_frame {
	uint8_t type;         /**< enum vh_veil_frame_type */
	uint8_t pattern;      /**< VH_VEIL_WIRE_XX or _IK */
	uint8_t hash;         /**< VH_VEIL_WIRE_SHA256 or _BLAKE2B */
	uint8_t flags;        /**< VH_VEIL_HS_FLAG_* */
	uint32_t sender;      /**< sender's session index */
	uint32_t receiver;    /**< receiver's session index (RESP, FINISH; 0 in INIT) */
	const uint8_t *noise; /**< the Noise message */
	size_t noise_len;
	const uint8_t *mac1; /**< VH_VEIL_MAC_LEN bytes */
	const uint8_t *mac2; /**< VH_VEIL_MAC_LEN bytes (zero when no cookie) */
};

/** A decoded LINK_DATA; pointers into the frame. */
struct vh_veil_data {
	uint32_t receiver;  /**< receiver's session index */
	uint64_t counter;   /**< nonce counter */
	const uint8_t *hdr; /**< the VH_VEIL_DATA_HDR_LEN-byte header (the AD) */
	const uint8_t *ct;  /**< ciphertext followed by the tag */
	size_t ct_len;      /**< plaintext length + VH_NOISE_TAG_LEN */
};

/** A decoded COOKIE_REPLY; pointers into the frame. */
struct vh_veil_cookie_reply {
	uint32_t receiver;    /**< the session index of the frame it answers */
	const uint8_t *nonce; /**< VH_VEIL_COOKIE_NONCE_LEN bytes */
	const uint8_t *box;   /**< encrypted cookie and tag, 32 bytes */
};

/**
 * Minimum Noise message length of a handshake frame: the fixed tokens of
 * that message of the pattern with an empty payload.
 * @return bytes, or 0 for a combination that does not exist (FINISH of IK)
 */
size_t vh_veil_hs_noise_min(uint8_t type, uint8_t wire_pattern);

/**
 * Decode a handshake frame payload (the bytes after the Bifrost header).
 * Checks lengths, the pattern/hash codes, reserved bits and that the Noise
 * message has at least its fixed part; MACs are not verified here.
 * @return 0, -EBADMSG (malformed), -EINVAL (NULL or not a handshake type)
 */
int vh_veil_hs_frame_decode(uint8_t type, const uint8_t *p, size_t len, struct vh_veil_hs_frame *f);

/**
 * Encode a handshake frame: header from f (type, pattern, hash, flags,
 * sender, receiver), then f->noise (may overlap out: moved), then MAC1 and
 * MAC2 copied from f->mac1 / f->mac2, or zero when NULL.
 * @return 0, -ENOBUFS, -EBADMSG (the frame would not decode), -EINVAL
 */
int vh_veil_hs_frame_encode(
	const struct vh_veil_hs_frame *f, uint8_t *out, size_t cap, size_t *outlen);

/** Write the 12-byte LINK_DATA header. NULL hdr is a no-op. */
void vh_veil_data_hdr_encode(
	uint8_t hdr[VH_VEIL_DATA_HDR_LEN], uint32_t receiver, uint64_t counter);

/**
 * Decode a LINK_DATA payload.
 * @return 0, -EBADMSG (shorter than header + tag, or a ciphertext longer
 * than VH_NOISE_MAX_MSG), -EINVAL
 */
int vh_veil_data_decode(const uint8_t *p, size_t len, struct vh_veil_data *d);

/**
 * Encode a COOKIE_REPLY payload (exactly VH_VEIL_COOKIE_REPLY_LEN bytes).
 * @return 0, -ENOBUFS, -EINVAL
 */
int vh_veil_cookie_reply_encode(uint32_t receiver, const uint8_t nonce[VH_VEIL_COOKIE_NONCE_LEN],
	const uint8_t box[VH_VEIL_MAC_LEN + VH_NOISE_TAG_LEN], uint8_t *out, size_t cap);

/**
 * Decode a COOKIE_REPLY payload.
 * @return 0, -EBADMSG (length is not VH_VEIL_COOKIE_REPLY_LEN), -EINVAL
 */
int vh_veil_cookie_reply_decode(const uint8_t *p, size_t len, struct vh_veil_cookie_reply *r);

/**
 * Read only the receiver index of a link frame, to find its session before
 * a full decode (RESP, COOKIE_REPLY, LINK_DATA, FINISH).
 * @return 0, -EBADMSG (too short), -EINVAL (INIT has none, or unknown type)
 */
int vh_veil_frame_receiver(uint8_t type, const uint8_t *p, size_t len, uint32_t *receiver);

/* ---- replay window (RFC 6479) ---- */

#define VH_VEIL_REPLAY_BITS 8192 /**< bitmap size */
/** Counters accepted behind the highest one: the bitmap less one word. */
#define VH_VEIL_REPLAY_WINDOW (VH_VEIL_REPLAY_BITS - 64)
/** Counters at or above this are always refused (2^64 - 2^13). */
#define VH_VEIL_REJECT_AFTER_MESSAGES (UINT64_MAX - (VH_VEIL_REPLAY_BITS - 1))

/** A sliding window over received counters. Fields are private. */
struct vh_veil_replay {
	uint64_t top; /* highest accepted counter + 1; 0: none yet */
	uint64_t bits[VH_VEIL_REPLAY_BITS / 64];
};

/** Reset a window to "nothing received". */
void vh_veil_replay_init(struct vh_veil_replay *w);

/**
 * Read-only test before decryption: could this counter be accepted?
 * @return 0 (new), -EALREADY (seen), -ESTALE (more than VH_VEIL_REPLAY_WINDOW
 * behind the highest), -ERANGE (>= VH_VEIL_REJECT_AFTER_MESSAGES), -EINVAL
 */
int vh_veil_replay_check(const struct vh_veil_replay *w, uint64_t counter);

/**
 * Mark a counter seen, after its packet authenticated. Checks again, so of
 * two copies that both passed vh_veil_replay_check() in one burst, only the
 * first is accepted.
 * @return as vh_veil_replay_check(); the window changes only on 0.
 */
int vh_veil_replay_update(struct vh_veil_replay *w, uint64_t counter);

/* ---- endpoints and session indices ---- */

/** Where a peer's packets come from: canonical (unused bytes zero). */
struct vh_veil_endpoint {
	uint8_t family;   /**< 4 or 6; 0: unknown */
	uint8_t pad;      /**< zero */
	uint16_t port;    /**< UDP port, host order */
	uint8_t addr[16]; /**< network order; IPv4 in the first 4 bytes */
};

/** Build an IPv4 endpoint (addr in network order). */
void vh_veil_endpoint_ipv4(struct vh_veil_endpoint *ep, const uint8_t addr[4], uint16_t port);

/** Build an IPv6 endpoint. */
void vh_veil_endpoint_ipv6(struct vh_veil_endpoint *ep, const uint8_t addr[16], uint16_t port);

/** @return true when both are the same endpoint (NULLs are equal only to each other). */
bool vh_veil_endpoint_equal(const struct vh_veil_endpoint *a, const struct vh_veil_endpoint *b);

/**
 * Node-wide unique session indices, provided by the caller: reserve returns
 * 0 if idx was free and is now taken, -EEXIST if in use; release frees it.
 */
struct vh_veil_index_ops {
	int (*reserve)(void *ctx, uint32_t idx);
	void (*release)(void *ctx, uint32_t idx);
	void *ctx;
};

/**
 * Allocate a random non-zero index through ops (up to 32 tries).
 * @param rng random source; NULL for randombytes_buf()
 * @return 0, -ENOSPC (every try collided), -EIO (RNG), -EINVAL
 */
int vh_veil_index_alloc(
	const struct vh_veil_index_ops *ops, vh_noise_rng_fn rng, void *rng_ctx, uint32_t *idx);

/** A simple open-addressing index set, usable as vh_veil_index_ops. */
struct vh_veil_index_table;

/**
 * Create a table for up to capacity indices.
 * @return the table, or NULL with errno EINVAL / ENOMEM.
 */
struct vh_veil_index_table *vh_veil_index_table_new(size_t capacity);

/** Free a table (NULL is a no-op). */
void vh_veil_index_table_free(struct vh_veil_index_table *t);

/** Fill ops so that they use table t. */
void vh_veil_index_table_ops(struct vh_veil_index_table *t, struct vh_veil_index_ops *ops);

/** @return true if idx is reserved in t. */
bool vh_veil_index_table_contains(const struct vh_veil_index_table *t, uint32_t idx);

/** @return number of reserved indices. */
size_t vh_veil_index_table_count(const struct vh_veil_index_table *t);

/* ---- cookies: MAC1 / MAC2 (handshake DoS defence) ---- */

#define VH_VEIL_COOKIE_ROTATE_MS 120000ULL /**< responder secret lifetime */
#define VH_VEIL_COOKIE_LATENCY_MS 5000ULL  /**< initiator uses a cookie this much less */

/**
 * Sender side, one per remote: keys for MAC1 and cookie replies, the last
 * MAC1 sent (the AD of the reply) and the cookie received. Fields private.
 */
struct vh_veil_cookie_maker {
	uint8_t mac1_key[32];
	uint8_t cookie_key[32];
	uint8_t last_mac1[VH_VEIL_MAC_LEN];
	uint8_t cookie[VH_VEIL_MAC_LEN];
	uint64_t cookie_time;
	bool keyed;
	bool has_last_mac1;
	bool has_cookie;
};

/**
 * Derive a maker's keys from the receiver's Noise static public key, or
 * from 32 zero bytes ("open", for a first XX contact) when remote_static is
 * NULL. Starts with no cookie.
 */
void vh_veil_cookie_maker_init(struct vh_veil_cookie_maker *m, const uint8_t *remote_static);

/**
 * Set the flags bit and write MAC1 and MAC2 into the last 32 bytes of a
 * handshake frame payload. MAC2 is zero unless a cookie younger than
 * VH_VEIL_COOKIE_ROTATE_MS - VH_VEIL_COOKIE_LATENCY_MS is held.
 * @param type the frame type (covered by both MACs)
 * @return 0, -EBADMSG (not a decodable handshake frame), -EINVAL
 */
int vh_veil_macs_stamp(
	struct vh_veil_cookie_maker *m, uint8_t type, uint8_t *frame, size_t len, uint64_t now);

/**
 * Open a COOKIE_REPLY that answers the last frame this maker stamped and
 * keep its cookie.
 * @return 0, -EBADMSG (malformed or fails authentication), -ENOENT (nothing
 * stamped yet), -EINVAL
 */
int vh_veil_cookie_reply_consume(
	struct vh_veil_cookie_maker *m, const uint8_t *frame, size_t len, uint64_t now);

/** Receiver side, one per node. Fields private. */
struct vh_veil_cookie_checker {
	uint8_t mac1_key[32];
	uint8_t cookie_key[32];
	uint8_t open_mac1_key[32];
	uint8_t open_cookie_key[32];
	uint8_t secret[32];
	uint64_t secret_time;
	bool has_secret;
	bool allow_open_init;
	vh_noise_rng_fn rng;
	void *rng_ctx;
};

/**
 * Set up a checker for this node's static public key.
 * @param allow_open_init accept HANDSHAKE_INIT with an open MAC1 (first XX
 * contact from dialers that do not know our static key)
 * @param rng source of the cookie secret and reply nonces; NULL: libsodium
 */
void vh_veil_cookie_checker_init(struct vh_veil_cookie_checker *c, const uint8_t local_static[32],
	bool allow_open_init, vh_noise_rng_fn rng, void *rng_ctx);

/**
 * Check the MACs of a received handshake frame (constant-time compares).
 * MAC1 must be valid: keyed to our static key, or open for RESP (always)
 * and INIT (if allowed). Under load MAC2 must also be valid for INIT and
 * FINISH: a cookie for src under the current secret.
 * @param under_load the caller's decision (e.g. punt ring more than 1/8 full)
 * @return 0, -EBADMSG (malformed or MAC1 bad: drop silently), -EAGAIN (MAC2
 * needed: answer with vh_veil_cookie_reply_create() and drop), -EINVAL
 */
int vh_veil_macs_check(const struct vh_veil_cookie_checker *c, uint8_t type, const uint8_t *frame,
	size_t len, const struct vh_veil_endpoint *src, bool under_load, uint64_t now);

/**
 * Write a COOKIE_REPLY (VH_VEIL_COOKIE_REPLY_LEN bytes) for the handshake
 * frame (whose MAC1 must have been checked) from src. Rotates the secret
 * when older than VH_VEIL_COOKIE_ROTATE_MS.
 * @return 0, -EBADMSG, -ENOBUFS, -EIO (RNG), -EINVAL
 */
int vh_veil_cookie_reply_create(struct vh_veil_cookie_checker *c, uint8_t type,
	const uint8_t *frame, size_t len, const struct vh_veil_endpoint *src, uint64_t now,
	uint8_t *out, size_t cap);

/** Wipe a checker's keys and secret. NULL is a no-op. */
void vh_veil_cookie_checker_wipe(struct vh_veil_cookie_checker *c);

/* ---- handshake glue ---- */

/** Node-wide handshake settings; pointers must outlive the handshakes. */
struct vh_veil_hs_conf {
	enum vh_noise_hash hash;                     /**< VH_NOISE_SHA256 by default */
	const struct vh_noise_keypair *local_static; /**< this node's Noise key */
	const struct vh_veil_index_ops *index;       /**< session index allocation */
	vh_noise_rng_fn rng;                         /**< NULL: randombytes_buf() */
	void *rng_ctx;
};

/**
 * One handshake in progress, caller-allocated (e.g. in a peer, or in a
 * table of pending XX responders keyed by its local index). Fields private.
 */
struct vh_veil_handshake {
	struct vh_noise_hs noise;
	const struct vh_veil_hs_conf *conf;
	uint32_t local_index;  /* ours, reserved through conf->index; 0: none */
	uint32_t remote_index; /* the peer's */
	uint64_t created;      /* when it started */
	uint8_t wire_pattern;
	uint8_t initiator;
	uint8_t step; /* private enum in link_handshake.c */
};

/**
 * Initiator: start a handshake and write HANDSHAKE_INIT. IK when
 * remote_static is given, XX otherwise. Allocates the local index.
 * @param payload opaque bytes for Noise message 1 (IK: encrypted, e.g. the
 * identity payload; XX: in clear, keep empty)
 * @param m an initialized maker; re-keyed to remote_static (or open), its
 * cookie kept, then used to stamp the MACs
 * @return 0, -ENOBUFS, -EMSGSIZE, -ENOSPC (no free index), -EIO, -EINVAL
 */
int vh_veil_hs_write_init(struct vh_veil_handshake *hs, const struct vh_veil_hs_conf *conf,
	const uint8_t *remote_static, const uint8_t *payload, size_t plen,
	struct vh_veil_cookie_maker *m, uint64_t now, uint8_t *out, size_t cap, size_t *outlen);

/**
 * Responder: read a HANDSHAKE_INIT (its MACs already checked with
 * vh_veil_macs_check()) into hs (unused or wiped: its old contents are
 * overwritten) and return the initiator's payload. A pending XX responder
 * keeps hs until FINISH or until the caller gives up (wipe it after
 * REKEY_TIMEOUT or so).
 * @return 0, -EBADMSG (malformed, wrong hash, or Noise failure),
 * -ENOBUFS (payload buffer), -EINVAL
 */
int vh_veil_hs_read_init(struct vh_veil_handshake *hs, const struct vh_veil_hs_conf *conf,
	const uint8_t *frame, size_t len, uint64_t now, uint8_t *pl, size_t cap, size_t *plen);

/**
 * Responder: write HANDSHAKE_RESP (allocates the local index; MAC1 keyed to
 * the initiator's static key for IK, open for XX). IK is complete after it.
 * @return 0, -ENOBUFS or -EMSGSIZE (nothing done), -EBADMSG (the
 * initiator's ephemeral key is a low-order point: XX message 1 carries it
 * unauthenticated), -ENOSPC, -EIO, -EPROTO (wrong step), -EINVAL; after any
 * other failure than the first two, hs is wiped
 */
int vh_veil_hs_write_resp(struct vh_veil_handshake *hs, const uint8_t *payload, size_t plen,
	uint8_t *out, size_t cap, size_t *outlen);

/**
 * Initiator: read HANDSHAKE_RESP (MACs checked; receiver must be ours).
 * IK is complete after it; XX continues with vh_veil_hs_write_finish().
 * @return 0, -EBADMSG, -ESRCH (receiver index not ours), -EPROTO, -ENOBUFS, -EINVAL
 */
int vh_veil_hs_read_resp(struct vh_veil_handshake *hs, const uint8_t *frame, size_t len,
	uint8_t *pl, size_t cap, size_t *plen);

/**
 * XX initiator: write HANDSHAKE_FINISH; complete after it. m is re-keyed to
 * the responder's static key learned from RESP.
 * @return 0, -ENOBUFS, -EMSGSIZE, -EPROTO, -EINVAL
 */
int vh_veil_hs_write_finish(struct vh_veil_handshake *hs, const uint8_t *payload, size_t plen,
	struct vh_veil_cookie_maker *m, uint64_t now, uint8_t *out, size_t cap, size_t *outlen);

/**
 * XX responder: read HANDSHAKE_FINISH (MACs checked); complete after it.
 * @return 0, -EBADMSG, -ESRCH, -EPROTO, -ENOBUFS, -EINVAL
 */
int vh_veil_hs_read_finish(struct vh_veil_handshake *hs, const uint8_t *frame, size_t len,
	uint8_t *pl, size_t cap, size_t *plen);

/** @return true once the handshake can yield a keypair. */
bool vh_veil_hs_is_complete(const struct vh_veil_handshake *hs);

/** Copy the peer's static key once known. @return 0, -EPROTO, -EINVAL */
int vh_veil_hs_remote_static(const struct vh_veil_handshake *hs, uint8_t out[VH_NOISE_KEY_LEN]);

/** @return our session index of this handshake (0: none yet). */
uint32_t vh_veil_hs_local_index(const struct vh_veil_handshake *hs);

/** Wipe a handshake, releasing its index if it still holds one. NULL: no-op. */
void vh_veil_hs_wipe(struct vh_veil_handshake *hs);

/* ---- peers: key slots, timers, data ---- */

/**
 * Session timing and limits (WireGuard's constants by default); times in
 * milliseconds. Tests shrink them.
 */
struct vh_veil_timing {
	uint64_t rekey_after_messages;  /**< 2^60: start a new handshake */
	uint64_t reject_after_messages; /**< VH_VEIL_REJECT_AFTER_MESSAGES: stop using a key */
	uint64_t rekey_after_time;      /**< 120 s: the initiator of a keypair rekeys */
	uint64_t reject_after_time;     /**< 180 s: a keypair is dropped */
	uint64_t keepalive_timeout;     /**< 10 s: answer received data at least this often */
	uint64_t rekey_timeout;         /**< 5 s: first retry delay, minimum initiation spacing */
	uint64_t rekey_jitter;          /**< 333 ms: random extra delay on each retry */
	uint64_t backoff_max;           /**< 60 s: cap on the exponential retry delay */
	uint64_t rekey_attempt_time;    /**< 90 s: peer declared dead after this long failing */
	uint64_t persistent_keepalive;  /**< 0 = off: keepalive when nothing sent this long */
	uint64_t roam_interval;         /**< 1 s: at most one endpoint move by data this often */
};

/** Fill t with the defaults above. */
void vh_veil_timing_default(struct vh_veil_timing *t);

/** Key slots of a peer. */
enum vh_veil_slot {
	VH_VEIL_SLOT_PREVIOUS, /**< the one before current: receive only, until it expires */
	VH_VEIL_SLOT_CURRENT,  /**< send and receive */
	VH_VEIL_SLOT_NEXT,     /**< responder's new keypair: receive only, promoted on first use */
};

/** Actions vh_veil_peer_tick() asks of the caller (bit mask). */
enum vh_veil_action {
	VH_VEIL_ACT_SEND_INIT = 1u << 0,      /**< call vh_veil_peer_write_init() and send it */
	VH_VEIL_ACT_SEND_KEEPALIVE = 1u << 1, /**< send an empty LINK_DATA */
	VH_VEIL_ACT_DEAD = 1u << 2,           /**< the peer just became unreachable */
	VH_VEIL_ACT_ZERO_KEYS = 1u << 3,      /**< key material was wiped (indices released) */
};

/** A peer's configuration for vh_veil_peer_new(). */
struct vh_veil_peer_conf {
	struct vh_veil_timing timing;     /**< e.g. from vh_veil_timing_default() */
	const struct vh_veil_hs_conf *hs; /**< node-wide; must outlive the peer */
	const uint8_t *remote_static;     /**< the peer's Noise key if known (IK), else NULL */
	const struct vh_veil_endpoint *endpoint; /**< where to send; NULL: unknown yet */
	bool keep_link;                          /**< keep a session up (handshake on its own) */
};

/** A remote node's link session: three key slots and the timers. */
struct vh_veil_peer;

/** A session keypair (opaque). */
struct vh_veil_keypair;

/**
 * Create a peer.
 * @return the peer, or NULL with errno EINVAL / ENOMEM.
 */
struct vh_veil_peer *vh_veil_peer_new(const struct vh_veil_peer_conf *conf);

/** Wipe and free a peer, releasing every index it holds. NULL: no-op. */
void vh_veil_peer_free(struct vh_veil_peer *p);

/**
 * Run the peer's timers at time now.
 * @return a mask of enum vh_veil_action. SEND_INIT and SEND_KEEPALIVE are
 * repeated on later ticks until done; DEAD and ZERO_KEYS are reported once.
 */
unsigned int vh_veil_peer_tick(struct vh_veil_peer *p, uint64_t now);

/**
 * Write a HANDSHAKE_INIT for this peer (IK if its static key is known,
 * falling back to XX after two unanswered IK attempts), stamp its MACs and
 * count it as sent (retry timer with backoff and jitter). A handshake in
 * progress is abandoned.
 * @param payload the caller's identity payload, always passed: it goes into
 * the message only when the pattern encrypts message 1 (IK); an XX INIT
 * carries none (the identity travels in FINISH). One call per initiation.
 * @return as vh_veil_hs_write_init()
 */
int vh_veil_peer_write_init(struct vh_veil_peer *p, const uint8_t *payload, size_t plen,
	uint64_t now, uint8_t *out, size_t cap, size_t *outlen);

/**
 * Read a HANDSHAKE_RESP to our initiation (MACs checked by the caller). IK:
 * complete, call vh_veil_peer_on_handshake_complete(p, NULL, now) once the
 * payload is accepted. XX: call vh_veil_peer_write_finish() next.
 * @return as vh_veil_hs_read_resp(); -EPROTO if no initiation is pending
 */
int vh_veil_peer_read_resp(struct vh_veil_peer *p, const uint8_t *frame, size_t len, uint8_t *pl,
	size_t cap, size_t *plen);

/**
 * XX: write HANDSHAKE_FINISH after an accepted RESP; then call
 * vh_veil_peer_on_handshake_complete(p, NULL, now).
 * @return as vh_veil_hs_write_finish()
 */
int vh_veil_peer_write_finish(struct vh_veil_peer *p, const uint8_t *payload, size_t plen,
	uint64_t now, uint8_t *out, size_t cap, size_t *outlen);

/**
 * Use a COOKIE_REPLY to our pending initiation: the next one carries MAC2.
 * @return as vh_veil_cookie_reply_consume(); -ESRCH (not our index)
 */
int vh_veil_peer_read_cookie_reply(
	struct vh_veil_peer *p, const uint8_t *frame, size_t len, uint64_t now);

/** @return the peer's own (initiator-side) handshake, for its remote static key. */
const struct vh_veil_handshake *vh_veil_peer_handshake(const struct vh_veil_peer *p);

/**
 * A handshake is complete: derive its keypair and put it in a slot. The
 * initiator's becomes current (current moves to previous); the responder's
 * goes to next until the first packet under it arrives. Learns the peer's
 * static key (later initiations use IK): the caller has matched hs to this
 * peer (identity payload) before. The keypair takes over the handshake's
 * index; hs is wiped.
 *
 * An XX initiator's keypair is unconfirmed (the responder may still refuse
 * the identity in FINISH) until a packet authenticated under it arrives;
 * the responder answers its first packet at once (vh_veil_peer_tick()
 * returns SEND_KEEPALIVE). If none comes within REKEY_TIMEOUT the
 * handshake counts as failed and is retried with the usual backoff. An IK
 * initiator's keypair is confirmed at once (the RESP proved the responder).
 * @param hs a complete responder handshake, or NULL for the peer's own
 * @return a mask of actions (the initiator gets SEND_KEEPALIVE, so the
 * responder can confirm the keys), or a negative errno: -EPROTO (not
 * complete), -ENOMEM, -EINVAL
 */
int vh_veil_peer_on_handshake_complete(
	struct vh_veil_peer *p, struct vh_veil_handshake *hs, uint64_t now);

/** Hook: a non-empty LINK_DATA was sent (vh_veil_peer_encrypt calls it). */
void vh_veil_peer_on_data_sent(struct vh_veil_peer *p, uint64_t now);

/** Hook: a keepalive (empty LINK_DATA) was sent. */
void vh_veil_peer_on_keepalive_sent(struct vh_veil_peer *p, uint64_t now);

/** Hook: a non-empty LINK_DATA was received and authenticated. */
void vh_veil_peer_on_data_received(struct vh_veil_peer *p, uint64_t now);

/**
 * Hook: any authenticated packet arrived from src (data, keepalive, or a
 * handshake message that passed Noise). Roaming: a different src becomes
 * the peer's endpoint.
 * @return 1 if the endpoint changed, else 0
 */
int vh_veil_peer_on_authenticated(
	struct vh_veil_peer *p, const struct vh_veil_endpoint *src, uint64_t now);

/**
 * Seal a LINK_DATA payload with the current keypair: header, ciphertext,
 * tag (plen + VH_VEIL_DATA_MIN_LEN bytes). plen 0 is a keepalive. Calls the
 * sent hooks. pt may be out + VH_VEIL_DATA_HDR_LEN (in place); no other
 * overlap.
 * @return 0, -ENOKEY (no usable current keypair: expired or used up),
 * -ENOBUFS, -EMSGSIZE, -EINVAL
 */
int vh_veil_peer_encrypt(struct vh_veil_peer *p, const uint8_t *pt, size_t plen, uint64_t now,
	uint8_t *out, size_t cap, size_t *outlen);

/**
 * Open a LINK_DATA payload: find the keypair by receiver index, replay
 * check, decrypt, mark seen, then as vh_veil_peer_on_keypair_used():
 * confirm the keypair (promoting next), renewal by age, the received hooks.
 * Roaming to src (when not NULL) only on a counter newer than every one
 * accepted under the keypair so far (WireGuard's rule: a replay of an
 * older, unseen frame from elsewhere never moves the peer), and at most
 * once per roam_interval.
 * @return 0, -EBADMSG (malformed or fails authentication), -ENOKEY (index
 * not one of this peer's), -EKEYEXPIRED, -EALREADY (replay), -ESTALE (too
 * old), -ERANGE (counter limit), -ENOBUFS, -EINVAL
 */
int vh_veil_peer_decrypt(struct vh_veil_peer *p, const uint8_t *frame, size_t len,
	const struct vh_veil_endpoint *src, uint64_t now, uint8_t *out, size_t cap, size_t *outlen);

/**
 * Authenticate and decrypt a LINK_DATA payload without touching the replay
 * window, the timers or the endpoint: for a receiver whose replay window
 * lives elsewhere (a data plane that also opens this keypair's frames). The
 * caller checks the counter against that window before, marks it seen
 * after, and then calls vh_veil_peer_on_keypair_used() (with src only when
 * the counter was the newest accepted).
 * @param local_index set to the receiver index (the keypair's local index)
 * @param counter set to the frame's counter
 * @return 0, -EBADMSG (malformed or fails authentication), -ENOKEY,
 * -EKEYEXPIRED, -ERANGE (counter limit), -ENOBUFS, -EINVAL
 */
int vh_veil_peer_open(struct vh_veil_peer *p, const uint8_t *frame, size_t len, uint64_t now,
	uint8_t *out, size_t cap, size_t *outlen, uint32_t *local_index, uint64_t *counter);

/**
 * Endpoint moves by authenticated data (roaming) so far, and those refused
 * because the previous move was less than roam_interval ago.
 */
void vh_veil_peer_roam_stats(const struct vh_veil_peer *p, uint64_t *moved, uint64_t *limited);

/**
 * An authenticated LINK_DATA under the keypair with this local index was
 * received elsewhere (a data plane that decrypts and checks the replay
 * window itself, e.g. with vh_veil_keypair_keys() and
 * vh_veil_keypair_replay()): do what vh_veil_peer_decrypt() does after
 * authentication (confirm the keypair and promote next, renewal by age,
 * vh_veil_peer_on_authenticated() with src, vh_veil_peer_on_data_received()
 * when data), without touching the replay window. Pass src only for a
 * frame whose counter was the newest accepted under the keypair (the
 * window's owner knows); moves are limited to one per roam_interval. Call it on the thread
 * that owns the peer, once per packet or at least once per burst and
 * keypair (the first packet under a keypair matters). The send side needs
 * no new call: after sealing elsewhere call vh_veil_peer_on_data_sent() or
 * vh_veil_peer_on_keepalive_sent().
 * @param data true for a non-empty plaintext (not a keepalive)
 * @param src where it came from, or NULL (no roaming)
 * @return 0, -ENOKEY (not one of this peer's indices), -EKEYEXPIRED, -EINVAL
 */
int vh_veil_peer_on_keypair_used(struct vh_veil_peer *p, uint32_t local_index, bool data,
	const struct vh_veil_endpoint *src, uint64_t now);

/**
 * @return true if the session is up: the current keypair is confirmed (a
 * packet under it was received, or it is an IK initiator's) and can still
 * send; also while a rekey of ours awaits its confirmation, if the keypair it
 * replaced is. Expired keypairs are dropped by vh_veil_peer_tick(), so this
 * reflects expiry as of the last tick. A refused XX initiator is never up.
 */
bool vh_veil_peer_is_up(const struct vh_veil_peer *p);

/** @return the keypair in a slot, or NULL. */
struct vh_veil_keypair *vh_veil_peer_keypair(const struct vh_veil_peer *p, enum vh_veil_slot s);

/** @return the keypair whose local index is idx, or NULL. */
struct vh_veil_keypair *vh_veil_peer_keypair_by_index(const struct vh_veil_peer *p, uint32_t idx);

/**
 * @return true while the peer holds any keypair or a handshake of its own
 * in progress. VH_VEIL_ACT_ZERO_KEYS also reports one old keypair expiring
 * while a newer one is in use, so a caller that forgets keyless peers asks
 * this.
 */
bool vh_veil_peer_has_keys(const struct vh_veil_peer *p);

/** Drop every keypair and handshake (wiped, indices released). */
void vh_veil_peer_clear(struct vh_veil_peer *p);

/** @return the peer's endpoint (family 0 when unknown). */
const struct vh_veil_endpoint *vh_veil_peer_endpoint(const struct vh_veil_peer *p);

/** @return true after VH_VEIL_ACT_DEAD until the next completed handshake. */
bool vh_veil_peer_is_dead(const struct vh_veil_peer *p);

/** @return the delay armed for the pending initiation's retry, 0 if none (tests, stats). */
uint64_t vh_veil_peer_retry_delay(const struct vh_veil_peer *p);

/** @return our session index of a keypair (the receiver index peers send to). */
uint32_t vh_veil_keypair_local_index(const struct vh_veil_keypair *kp);

/** @return the peer's session index of a keypair (the one we send to). */
uint32_t vh_veil_keypair_remote_index(const struct vh_veil_keypair *kp);

/** @return whether we initiated the handshake of this keypair. */
bool vh_veil_keypair_is_initiator(const struct vh_veil_keypair *kp);

/** @return whether a packet under this keypair was received (IK initiator: always). */
bool vh_veil_keypair_is_confirmed(const struct vh_veil_keypair *kp);

/** @return the next send counter. */
uint64_t vh_veil_keypair_send_counter(const struct vh_veil_keypair *kp);

/**
 * Reserve n consecutive send counters (for a burst sealed elsewhere, e.g.
 * by drivers/aead) if they stay below the reject limit.
 * @return 0 with *first set, -ENOKEY (limit reached), -EINVAL
 */
int vh_veil_keypair_reserve(struct vh_veil_keypair *kp, uint32_t n, uint64_t *first);

/** @return the keypair's replay window (for burst receive paths). */
struct vh_veil_replay *vh_veil_keypair_replay(struct vh_veil_keypair *kp);

/** Copy the send and/or receive key (32 bytes each; NULL to skip one). */
void vh_veil_keypair_keys(const struct vh_veil_keypair *kp, uint8_t *send_key, uint8_t *recv_key);

#ifdef __cplusplus
}
#endif

#endif /* VH_VEIL_H */
