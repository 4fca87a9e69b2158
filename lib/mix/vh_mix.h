/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Valhalla mix: a Katzenpost-compatible Sphinx packet core.
 *
 * X25519 group, HKDF-SHA256 (expand only) key schedule, AES-256-CTR for the
 * routing information, HMAC-SHA256 header MAC, AEZ v5 as the payload SPRP.
 * Byte-compatible with Katzenpost's core/sphinx (NIKE variant, x25519); see
 * docs/sphinx.md for the construction and the references each piece was
 * checked against.
 *
 * Everything works on caller buffers and byte spans: no DPDK, no mbufs, no
 * allocation. Randomness comes from a caller callback. Functions return 0 or
 * a negative errno. AES-NI is required (-ENOTSUP without it, see
 * vh_mix_cpu_supported()).
 */
#ifndef VH_MIX_H
#define VH_MIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Length of a node identifier (NextNodeHop ID). */
#define VH_SPHINX_NODE_ID_LEN 32
/** Length of a Recipient command's ID. */
#define VH_SPHINX_RECIPIENT_ID_LEN 32
/** Length of a SURBReply command's ID. */
#define VH_SPHINX_SURB_ID_LEN 16
/** Length of the header MAC (full HMAC-SHA256). */
#define VH_SPHINX_MAC_LEN 32
/** Length of an X25519 key or group element. */
#define VH_SPHINX_KEY_LEN 32
/** Length of the header's additional data (version 0, reserved 0). */
#define VH_SPHINX_AD_LEN 2
/** Length of the all-zero payload tag the SPRP protects. */
#define VH_SPHINX_PAYLOAD_TAG_LEN 32
/** Length of an AEZ key as Sphinx uses it. */
#define VH_SPHINX_SPRP_KEY_LEN 48
/** Length of an AEZ nonce as Sphinx uses it (the header stream IV). */
#define VH_SPHINX_SPRP_IV_LEN 16
/** Length of one SURB decryption key record: SPRP key and IV. */
#define VH_SPHINX_SURB_KEY_LEN (VH_SPHINX_SPRP_KEY_LEN + VH_SPHINX_SPRP_IV_LEN)
/** Length of the replay tag unwrap returns (SHA-512/256). */
#define VH_SPHINX_REPLAY_TAG_LEN 32
/** Largest number of hops this implementation accepts. */
#define VH_SPHINX_MAX_HOPS 16
/** Most routing commands one hop's block can hold (82 bytes / 5). */
#define VH_SPHINX_MAX_CMDS 16

/** Encoded length of each routing command, tag byte included. */
#define VH_SPHINX_CMD_NEXT_NODE_HOP_LEN (1 + VH_SPHINX_NODE_ID_LEN + VH_SPHINX_MAC_LEN)
#define VH_SPHINX_CMD_RECIPIENT_LEN (1 + VH_SPHINX_RECIPIENT_ID_LEN)
#define VH_SPHINX_CMD_SURB_REPLY_LEN (1 + VH_SPHINX_SURB_ID_LEN)
#define VH_SPHINX_CMD_NODE_DELAY_LEN (1 + 4)

/** Sphinx packet geometry, computed as Katzenpost's geo.go does. */
struct vh_sphinx_geometry {
	unsigned int nr_hops;            /**< hops the header has room for */
	size_t header_len;               /**< AD + group element + routing info + MAC */
	size_t routing_info_len;         /**< per_hop_routing_info_len * nr_hops */
	size_t per_hop_routing_info_len; /**< NextNodeHop + SURBReply = 82 */
	size_t next_node_hop_len;        /**< 65 */
	size_t payload_tag_len;          /**< 32 */
	size_t forward_payload_len;      /**< payload bytes after the tag */
	size_t user_forward_payload_len; /**< what the user asked for */
	size_t plaintext_header_len;     /**< Katzenpost's BlockSphinxPlaintext header, 2 */
	size_t surb_len;                 /**< header + first hop ID + SPRP key and IV */
	size_t sprp_key_material_len;    /**< 64 */
	size_t packet_len;               /**< header + tag + forward payload */
};

/** Routing command types (the first byte of each encoded command). */
enum vh_sphinx_cmd_type {
	VH_SPHINX_CMD_NULL = 0x00,
	VH_SPHINX_CMD_NEXT_NODE_HOP = 0x01,
	VH_SPHINX_CMD_RECIPIENT = 0x02,
	VH_SPHINX_CMD_SURB_REPLY = 0x03,
	VH_SPHINX_CMD_NODE_DELAY = 0x80,
};

/** One decoded per-hop routing command. */
struct vh_sphinx_cmd {
	enum vh_sphinx_cmd_type type;
	union {
		struct {
			uint8_t id[VH_SPHINX_NODE_ID_LEN];
			uint8_t mac[VH_SPHINX_MAC_LEN];
		} next_hop;
		uint8_t recipient[VH_SPHINX_RECIPIENT_ID_LEN];
		uint8_t surb_id[VH_SPHINX_SURB_ID_LEN];
		uint32_t delay; /**< NodeDelay, milliseconds in Katzenpost */
	} u;
};

/** One hop of a path: who, its X25519 public key, its commands. */
struct vh_sphinx_hop {
	uint8_t id[VH_SPHINX_NODE_ID_LEN];
	uint8_t public_key[VH_SPHINX_KEY_LEN];
	const struct vh_sphinx_cmd *cmds; /**< no NextNodeHop: the header adds it */
	size_t nr_cmds;
};

/**
 * Randomness source: fill buf with len random bytes, return 0 or a negative
 * errno. The core never calls anything else for entropy.
 */
typedef int (*vh_sphinx_rng_fn)(void *ctx, uint8_t *buf, size_t len);

/** What one unwrap produced. */
struct vh_sphinx_unwrap_result {
	uint8_t replay_tag[VH_SPHINX_REPLAY_TAG_LEN]; /**< SHA-512/256 of the group element */
	bool replay_tag_valid;                        /**< set once the tag was computed */
	struct vh_sphinx_cmd cmds[VH_SPHINX_MAX_CMDS];
	size_t nr_cmds;
	int next_hop;   /**< index into cmds of the NextNodeHop, or -1 at the last hop */
	int surb_reply; /**< index into cmds of the SURBReply, or -1 */
	/**
	 * At the last hop, points into the caller's packet: the plaintext payload
	 * (tag removed) of a forward packet, or the still-encrypted SURB reply
	 * payload (tag included) for vh_sphinx_decrypt_surb_payload(). NULL when
	 * the packet is to be forwarded.
	 */
	uint8_t *payload;
	size_t payload_len;
};

/**
 * Check once whether this CPU has what the core needs (AES-NI).
 * @param why set to a human-readable reason when it does not (may be NULL)
 * @return 0, or -ENOTSUP
 */
int vh_mix_cpu_supported(const char **why);

/**
 * Compute a geometry the way Katzenpost's
 * GeometryFromUserForwardPayloadLength(x25519, ...) does.
 * @param geo out
 * @param nr_hops hops in the header, 1..VH_SPHINX_MAX_HOPS
 * @param user_payload_len payload the user wants to send (> 0)
 * @param with_surb reserve room in the payload for a plaintext header and a SURB
 * @return 0 or -EINVAL
 */
int vh_sphinx_geometry_init(struct vh_sphinx_geometry *geo, unsigned int nr_hops,
	size_t user_payload_len, bool with_surb);

/**
 * Encoded length of a command type, or 0 for an unknown type.
 */
size_t vh_sphinx_cmd_len(enum vh_sphinx_cmd_type type);

/**
 * Encode one command (Katzenpost's ToBytes).
 * @return bytes written, -EINVAL for a bad command, -ENOSPC if out is short
 */
int vh_sphinx_cmd_encode(const struct vh_sphinx_cmd *cmd, uint8_t *out, size_t out_len);

/**
 * Decode the first command in buf (Katzenpost's FromBytes).
 * An empty buffer, or a 0x00 tag followed only by zero bytes, is the
 * terminal null command.
 * @param consumed bytes used by the command
 * @return 1 for a command, 0 for the terminal null command, -EBADMSG for an
 * unknown tag, a truncated command or non-zero null padding
 */
int vh_sphinx_cmd_decode(
	const uint8_t *buf, size_t len, struct vh_sphinx_cmd *cmd, size_t *consumed);

/**
 * Decode a hop's whole routing block, as unwrap does: commands up to the
 * terminal null, at most one NextNodeHop and one SURBReply.
 * @return 0 or -EBADMSG / -E2BIG
 */
int vh_sphinx_cmd_decode_block(const uint8_t *buf, size_t len, struct vh_sphinx_unwrap_result *res);

/**
 * Build a forward packet.
 * @param path hops in order; nr_hops <= geo->nr_hops; the last hop's commands
 * normally hold a Recipient
 * @param payload exactly geo->forward_payload_len bytes
 * @param out geo->packet_len bytes
 * @return 0, -EINVAL (bad path, commands or lengths), -ENOSPC, -ENOTSUP, or
 * the RNG's error
 */
int vh_sphinx_new_packet(const struct vh_sphinx_geometry *geo, const struct vh_sphinx_hop *path,
	size_t nr_hops, const uint8_t *payload, size_t payload_len, vh_sphinx_rng_fn rng,
	void *rng_ctx, uint8_t *out, size_t out_len);

/**
 * The replay tag unwrap would report for pkt (SHA-512/256 of its group
 * element), without the two scalar multiplications: a mix worker checks its
 * replay filter with it first, so a replayed packet costs a hash, not a DH.
 * Record the tag only after a successful unwrap, or anyone could fill the
 * filter with random bytes.
 * @return 0; -EINVAL (bad arguments or length), -EPROTO (unknown version)
 */
int vh_sphinx_replay_tag(const struct vh_sphinx_geometry *geo, const uint8_t *pkt, size_t pkt_len,
	uint8_t tag[VH_SPHINX_REPLAY_TAG_LEN]);

/**
 * Process one hop, in place. On success for a forwarding hop the packet now
 * holds the next hop's packet; at the last hop res->payload points at the
 * payload inside pkt.
 * @param private_key this node's X25519 private key
 * @param pkt geo->packet_len bytes
 * @return 0; -EINVAL unless pkt_len is exactly geo->packet_len (or other bad
 * arguments); -EPROTO for an unknown version;
 * -EBADMSG for a MAC mismatch, bad commands or a bad payload tag (the replay
 * tag is still returned when it could be computed); -ENOTSUP
 */
int vh_sphinx_unwrap(const struct vh_sphinx_geometry *geo, const uint8_t *private_key, uint8_t *pkt,
	size_t pkt_len, struct vh_sphinx_unwrap_result *res);

/**
 * Create a SURB for path (the last hop's commands normally hold a Recipient
 * and a SURBReply).
 * @param surb out, geo->surb_len bytes
 * @param keys out, (nr_hops + 1) * VH_SPHINX_SURB_KEY_LEN bytes: the
 * decryption keys the creator keeps
 * @return 0 or a negative errno as for vh_sphinx_new_packet()
 */
int vh_sphinx_new_surb(const struct vh_sphinx_geometry *geo, const struct vh_sphinx_hop *path,
	size_t nr_hops, vh_sphinx_rng_fn rng, void *rng_ctx, uint8_t *surb, size_t surb_len,
	uint8_t *keys, size_t keys_len);

/**
 * Build a reply packet from a SURB.
 * @param payload exactly geo->forward_payload_len bytes
 * @param out geo->packet_len bytes
 * @param first_hop out: the node to send the packet to
 * @return 0, -EINVAL, -ENOSPC or -ENOTSUP
 */
int vh_sphinx_new_packet_from_surb(const struct vh_sphinx_geometry *geo, const uint8_t *surb,
	size_t surb_len, const uint8_t *payload, size_t payload_len, uint8_t *out, size_t out_len,
	uint8_t first_hop[VH_SPHINX_NODE_ID_LEN]);

/**
 * Decrypt a SURB reply payload in place with the keys vh_sphinx_new_surb()
 * returned, and check its tag. The keys are wiped.
 * @param payload the unwrap result's payload (tag included)
 * @param plaintext out: points into payload, after the tag
 * @return 0, -EINVAL for bad key or payload lengths, -EBADMSG for a bad tag
 */
int vh_sphinx_decrypt_surb_payload(uint8_t *payload, size_t payload_len, uint8_t *keys,
	size_t keys_len, uint8_t **plaintext, size_t *plaintext_len);

/**
 * AEZ v5 encryption (Hoang, Krovetz, Rogaway). Sphinx uses it with a 48-byte
 * key, a 16-byte nonce, no associated data and tau = 0, as a length
 * preserving SPRP.
 * @param key any length; 48 bytes are used as is, others go through
 * BLAKE2b-384 (AEZ's Extract)
 * @param ad nr_ad (at most 32) associated-data strings (may be NULL when nr_ad is 0)
 * @param tau authenticator length in bytes (0..16)
 * @param out in_len + tau bytes; may equal in
 * @return 0, -EINVAL or -ENOTSUP
 */
int vh_mix_aez_encrypt(const uint8_t *key, size_t key_len, const uint8_t *nonce, size_t nonce_len,
	const uint8_t *const *ad, const size_t *ad_len, size_t nr_ad, size_t tau, const uint8_t *in,
	size_t in_len, uint8_t *out);

/**
 * AEZ v5 decryption: the plaintext, in_len - tau bytes, lands at the start of
 * out, which must have room for in_len bytes (the tail is scratch); out may
 * equal in.
 * @return 0, -EINVAL, -EBADMSG when the authenticator is wrong (out is then
 * wiped), or -ENOTSUP
 */
int vh_mix_aez_decrypt(const uint8_t *key, size_t key_len, const uint8_t *nonce, size_t nonce_len,
	const uint8_t *const *ad, const size_t *ad_len, size_t nr_ad, size_t tau, const uint8_t *in,
	size_t in_len, uint8_t *out);

/*
 * Mixnode data path: the per-worker delay wheel and the per-key replay filter
 * (docs/mix-datapath.md). Pure C, no DPDK: objects are opaque pointers, time
 * is whatever monotonic unit the caller picks (ns or TSC ticks), passed in.
 * Neither structure locks unless a function says so.
 */

/** Slots per wheel level (8 bits of the tick number per level). */
#define VH_MIX_WHEEL_SLOTS 256
/** Most levels a wheel can have (a span of 2^32 ticks). */
#define VH_MIX_WHEEL_MAX_LEVELS 4

/** What to do with a due time beyond the wheel's span. */
enum vh_mix_wheel_overflow {
	VH_MIX_WHEEL_CLAMP = 0, /**< hold it for the longest delay the wheel has */
	VH_MIX_WHEEL_REJECT,    /**< refuse it with -ERANGE */
};

/** Delay wheel configuration. */
struct vh_mix_wheel_conf {
	uint64_t tick;       /**< width of a level-0 slot, in the caller's time unit (> 0) */
	unsigned int levels; /**< 1..VH_MIX_WHEEL_MAX_LEVELS; span = tick * 256^levels */
	uint32_t capacity;   /**< entries in the preallocated pool (1..2^31) */
	uint64_t start;      /**< the caller's clock now */
	enum vh_mix_wheel_overflow overflow;
};

/** Delay wheel counters (cumulative since creation). */
struct vh_mix_wheel_stats {
	uint64_t inserted; /**< objects accepted */
	uint64_t expired;  /**< objects returned by vh_mix_wheel_expire() */
	uint64_t drained;  /**< objects returned by vh_mix_wheel_drain() */
	uint64_t full;     /**< inserts refused because the pool was empty */
	uint64_t clamped;  /**< due times beyond the span held for the span instead */
	uint64_t too_far;  /**< due times beyond the span refused (VH_MIX_WHEEL_REJECT) */
	uint64_t cascaded; /**< entries moved down a level */
};

/** A hierarchical timing wheel holding objects until their due time. */
struct vh_mix_wheel;

/**
 * Create a wheel; everything it needs is allocated here, never later.
 * @return the wheel, or NULL with errno EINVAL (bad conf) or ENOMEM
 */
struct vh_mix_wheel *vh_mix_wheel_create(const struct vh_mix_wheel_conf *conf);

/** Free a wheel (NULL is fine). Objects still inside are not touched: drain first. */
void vh_mix_wheel_free(struct vh_mix_wheel *w);

/**
 * Hold obj until due (caller's time unit). A due time at or before the
 * wheel's clock is returned by the next vh_mix_wheel_expire(). O(1).
 * @return 0; -ENOSPC when the pool is full (counted); -ERANGE when due is
 * beyond the span and the wheel rejects such times (counted); -EINVAL for a
 * NULL wheel
 */
int vh_mix_wheel_insert(struct vh_mix_wheel *w, void *obj, uint64_t due);

/**
 * Advance the wheel's clock to now and return up to max objects whose due
 * time is at or before now rounded down to a tick boundary. Objects come
 * out in due-tick order (no object is returned before one of an earlier
 * tick; within a tick in no particular order). An object is never returned
 * before its due time and at most one tick after it. When out fills up, the
 * rest stays for the next call. A now before the wheel's clock is treated as
 * the wheel's clock. Amortised O(1) per object plus O(levels) per occupied
 * slot reached: empty ticks cost nothing, however far now jumps.
 * @return number of objects written to out
 */
unsigned int vh_mix_wheel_expire(
	struct vh_mix_wheel *w, uint64_t now, void **out, unsigned int max);

/**
 * Remove up to max objects whatever their due time (shutdown: the caller
 * frees them). Call until it returns 0.
 * @return number of objects written to out
 */
unsigned int vh_mix_wheel_drain(struct vh_mix_wheel *w, void **out, unsigned int max);

/** Objects held. */
uint32_t vh_mix_wheel_count(const struct vh_mix_wheel *w);

/** The longest delay the wheel holds without clamping, in the caller's time unit. */
uint64_t vh_mix_wheel_span(const struct vh_mix_wheel *w);

/** Bytes the wheel allocated (header, slots and entry pool). */
size_t vh_mix_wheel_bytes(const struct vh_mix_wheel *w);

/** Copy the wheel's counters. */
void vh_mix_wheel_stats_get(const struct vh_mix_wheel *w, struct vh_mix_wheel_stats *st);

/** Bits in one replay filter block: one 64-byte cache line. */
#define VH_MIX_REPLAY_BLOCK_BITS 512
/** Most bits a tag sets (24 indices of 9 bits fit beside the block index). */
#define VH_MIX_REPLAY_MAX_K 24

/** Replay filter sizing, as vh_mix_replay_plan() computes it. */
struct vh_mix_replay_plan {
	uint64_t nr_blocks;    /**< 64-byte blocks */
	unsigned int k;        /**< bits set per tag, 1..VH_MIX_REPLAY_MAX_K */
	double fp_at_capacity; /**< predicted false-positive rate holding capacity tags */
};

/** A blocked Bloom filter of replay tags, one per mix key epoch. */
struct vh_mix_replay;

/**
 * Size a filter: the fewest blocks (and the k for them) whose predicted
 * false-positive rate with capacity tags is at most fp_rate. The prediction
 * accounts for the uneven load of blocks (docs/mix-datapath.md).
 * @param capacity tags the epoch is expected to see (>= 1)
 * @param fp_rate wanted false-positive rate at capacity, in [1e-12, 0.5]
 * @return 0, -EINVAL, or -E2BIG (more than 2^32 blocks)
 */
int vh_mix_replay_plan(uint64_t capacity, double fp_rate, struct vh_mix_replay_plan *plan);

/**
 * Predicted false-positive rate of a filter of nr_blocks blocks and k bits
 * per tag once it holds n tags.
 */
double vh_mix_replay_fp_predict(uint64_t nr_blocks, unsigned int k, uint64_t n);

/**
 * Create an empty filter sized by vh_mix_replay_plan().
 * @return the filter, or NULL with errno EINVAL, E2BIG or ENOMEM
 */
struct vh_mix_replay *vh_mix_replay_create(uint64_t capacity, double fp_rate);

/** Free a filter (NULL is fine). */
void vh_mix_replay_free(struct vh_mix_replay *f);

/**
 * Look a tag up and record it. Single writer: use
 * vh_mix_replay_test_and_set_mt() when several threads share the filter.
 * @param tag a replay tag as vh_sphinx_unwrap() returns it
 * @return 1 if the tag was (probably) seen before, 0 if it is new and is
 * now recorded, -EINVAL for NULL arguments. Never 0 for a tag recorded
 * before (no false negatives).
 */
int vh_mix_replay_test_and_set(
	struct vh_mix_replay *f, const uint8_t tag[VH_SPHINX_REPLAY_TAG_LEN]);

/**
 * vh_mix_replay_test_and_set() for a filter shared by several threads: each
 * block is updated under a striped spinlock, so of several threads
 * submitting one new tag at once exactly one gets 0. Do not mix with the
 * single-writer call on one filter.
 */
int vh_mix_replay_test_and_set_mt(
	struct vh_mix_replay *f, const uint8_t tag[VH_SPHINX_REPLAY_TAG_LEN]);

/**
 * Look a tag up without recording it (a cheap check before the unwrap).
 * Not safe against concurrent writers.
 * @return 1 if (probably) seen, 0 if not, -EINVAL for NULL arguments
 */
int vh_mix_replay_test(const struct vh_mix_replay *f, const uint8_t tag[VH_SPHINX_REPLAY_TAG_LEN]);

/** Tags recorded (calls that returned 0). */
uint64_t vh_mix_replay_count(const struct vh_mix_replay *f);

/** The capacity the filter was sized for. */
uint64_t vh_mix_replay_capacity(const struct vh_mix_replay *f);

/**
 * True once more than capacity tags are recorded: the filter keeps working
 * but its false-positive rate is above the configured one (see
 * vh_mix_replay_fp_now()); the mix key rotates at the end of the epoch anyway.
 */
bool vh_mix_replay_saturated(const struct vh_mix_replay *f);

/** Predicted false-positive rate at the current count. */
double vh_mix_replay_fp_now(const struct vh_mix_replay *f);

/** Bytes the filter allocated (bit array and locks). */
size_t vh_mix_replay_bytes(const struct vh_mix_replay *f);

/** The filter's sizing. */
void vh_mix_replay_plan_get(const struct vh_mix_replay *f, struct vh_mix_replay_plan *plan);

/** Forget every tag (a new epoch reusing the memory). Not thread safe. */
void vh_mix_replay_reset(struct vh_mix_replay *f);

#ifdef __cplusplus
}
#endif

#endif /* VH_MIX_H */
