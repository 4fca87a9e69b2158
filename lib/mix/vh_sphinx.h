/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Valhalla Sphinx: a Katzenpost-compatible Sphinx packet core (and AEZ).
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
#ifndef VH_SPHINX_H
#define VH_SPHINX_H

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

#ifdef __cplusplus
}
#endif

#endif /* VH_SPHINX_H */
