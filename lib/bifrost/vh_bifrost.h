/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Bifrost, layer 1: the frame codec every overlay datagram goes through, the
 * overlay's own ping (ECHO_REQUEST / ECHO_REPLY) and PathAddr, the textual
 * address of a peer (`/udp/1.2.3.4:9000`, `/udp/[2001:db8::1]:9000`,
 * `/relay/<NodeID>/udp/...`, `/relay/<NodeID>`).
 *
 * Frame (docs/protocol.md, "Bifrost framing"), all integers big-endian:
 *
 *     0      1      2         3      4              8
 *     +------+------+---------+------+--------------+----------------+
 *     | 0x56 | 0x48 | version | type | length (u32) | payload ...    |
 *     +------+------+---------+------+--------------+----------------+
 *
 * One UDP datagram carries one or more frames back to back. Everything here
 * works on byte spans and is pure: no DPDK, no allocation, safe to call from
 * any lcore. The codec functions never read outside [dgram, dgram + len).
 */
#ifndef VH_BIFROST_H
#define VH_BIFROST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vh_core.h"

#ifdef __cplusplus
extern "C" {
#endif

/** First magic byte, 'V'. */
#define VH_BIFROST_MAGIC0 0x56
/** Second magic byte, 'H'. */
#define VH_BIFROST_MAGIC1 0x48
/** The only frame version this implementation speaks. */
#define VH_BIFROST_VERSION 1
/** Header bytes in front of every payload. */
#define VH_BIFROST_HDR_LEN 8
/** Largest payload a frame may announce (16 MiB, the seed's limit). */
#define VH_BIFROST_MAX_PAYLOAD (16u * 1024 * 1024)
/** Smallest ECHO_REQUEST / ECHO_REPLY payload: identifier, sequence, timestamp. */
#define VH_BIFROST_ECHO_MIN 16

/** Frame types (the type byte). */
enum vh_bifrost_type {
	VH_BIFROST_DATA = 1,         /**< overlay packet; payload required */
	VH_BIFROST_CONTROL = 2,      /**< control message; payload required */
	VH_BIFROST_KEEPALIVE = 3,    /**< may be empty */
	VH_BIFROST_CLOSE = 4,        /**< may be empty */
	VH_BIFROST_ECHO_REQUEST = 5, /**< overlay ping; payload >= VH_BIFROST_ECHO_MIN */
	VH_BIFROST_ECHO_REPLY = 6,   /**< the request's payload, unchanged */
	/* Veil link frames (docs/veil.md); each needs a non-empty payload */
	VH_BIFROST_HANDSHAKE_INIT = 0x10, /**< Noise message 1 */
	VH_BIFROST_HANDSHAKE_RESP = 0x11, /**< Noise message 2 */
	VH_BIFROST_COOKIE_REPLY = 0x12,   /**< cookie for MAC2 */
	VH_BIFROST_LINK_DATA = 0x13,      /**< sealed transport data (keepalive: empty plaintext) */
	VH_BIFROST_HANDSHAKE_FINISH = 0x14, /**< Noise message 3 (XX) */
	/** Reserved for link-layer handshake and transport frames (unknown until implemented). */
	VH_BIFROST_LINK_FIRST = 0x10,
	VH_BIFROST_LINK_LAST = 0x1f,
	/** Reserved for mix frames (unknown until implemented). */
	VH_BIFROST_MIX_FIRST = 0x20,
	VH_BIFROST_MIX_LAST = 0x2f,
};

/** One frame found in a datagram; payload points into the datagram. */
struct vh_bifrost_frame {
	uint8_t version;
	uint8_t type;
	uint32_t length;        /**< payload bytes */
	const uint8_t *payload; /**< first payload byte (valid even when length is 0) */
	size_t offset;          /**< offset of the frame's header in the datagram */
};

/**
 * Check every frame of a datagram.
 *
 * @param dgram UDP payload
 * @param len   its length
 * @return VH_DROP_NONE (0) if every frame is well-formed, else the enum vh_drop
 *         reason of the first bad frame. An empty datagram is
 *         VH_DROP_BIFROST_SHORT.
 */
int vh_bifrost_validate(const uint8_t *dgram, size_t len);

/**
 * Iterate over the frames of a datagram. Start with *pos = 0; each call
 * checks one frame as vh_bifrost_validate() does.
 *
 * @param dgram UDP payload
 * @param len   its length
 * @param pos   in: offset of the next frame; out: advanced past it on success
 * @param f     out: the frame, on success
 * @return 1 with a frame, 0 at the end (*pos == len), or minus the enum vh_drop
 *         reason of a bad frame (then *pos and *f are unchanged)
 */
int vh_bifrost_next(const uint8_t *dgram, size_t len, size_t *pos, struct vh_bifrost_frame *f);

/**
 * Write one frame: header and a copy of the payload. Refuses to write what a
 * receiver would drop.
 *
 * @param buf     output
 * @param cap     bytes available at buf
 * @param type    frame type (a known type)
 * @param payload payload bytes (may be NULL when len is 0; may overlap buf)
 * @param len     payload length
 * @return bytes written (VH_BIFROST_HDR_LEN + len), -ENOSPC if cap is too
 *         small, -EINVAL for an unknown type or a payload length the type
 *         does not allow
 */
int vh_bifrost_encode(uint8_t *buf, size_t cap, uint8_t type, const uint8_t *payload, uint32_t len);

/**
 * Write only the header of a frame whose payload is already at
 * buf + VH_BIFROST_HDR_LEN. Same checks as vh_bifrost_encode().
 *
 * @return VH_BIFROST_HDR_LEN, -ENOSPC if cap < VH_BIFROST_HDR_LEN + len, or -EINVAL
 */
int vh_bifrost_encode_header(uint8_t *buf, size_t cap, uint8_t type, uint32_t len);

/**
 * Answer a ping in place: if the datagram is exactly one valid ECHO_REQUEST
 * frame, flip its type byte to ECHO_REPLY. Cheap enough for every packet:
 * a lone echo is recognised from its header alone.
 *
 * @param dgram UDP payload, modified on success
 * @param len   its length
 * @return 0 when the datagram is now the reply; the enum vh_drop reason (> 0)
 *         when the datagram is malformed; -ENOMSG when it is well-formed but
 *         not one lone ECHO_REQUEST (the caller passes it on)
 */
int vh_bifrost_echo_reply_inplace(uint8_t *dgram, size_t len);

/**
 * Write a whole ECHO_REQUEST frame: identifier, sequence and timestamp, then
 * zero padding up to `size` payload bytes.
 *
 * @param buf   output
 * @param cap   bytes available
 * @param ident identifier (the sender's ping session)
 * @param seq   sequence number
 * @param ts    sender timestamp, opaque to the responder
 * @param size  payload bytes, >= VH_BIFROST_ECHO_MIN
 * @return frame bytes written, -ENOSPC, or -EINVAL (size too small or too large)
 */
int vh_bifrost_echo_build(
	uint8_t *buf, size_t cap, uint32_t ident, uint32_t seq, uint64_t ts, size_t size);

/**
 * Read identifier, sequence and timestamp from an ECHO payload.
 *
 * @param payload frame payload
 * @param len     its length
 * @param ident   out (may be NULL)
 * @param seq     out (may be NULL)
 * @param ts      out (may be NULL)
 * @return 0, or -EINVAL if len < VH_BIFROST_ECHO_MIN
 */
int vh_bifrost_echo_parse(
	const uint8_t *payload, size_t len, uint32_t *ident, uint32_t *seq, uint64_t *ts);

/**
 * Whether a type byte is one this implementation accepts.
 */
bool vh_bifrost_type_known(uint8_t type);

/**
 * Name of a frame type for logs and counters.
 *
 * @return a static string: "data", "control", "keepalive", "close",
 *         "echo-request", "echo-reply", "link-reserved", "mix-reserved" or
 *         "unknown"
 */
const char *vh_bifrost_type_name(uint8_t type);

/* ------------------------------------------------------------------------ */
/* PathAddr                                                                  */

/** NodeID length: SHA-256 of the node's public key. */
#define VH_NODE_ID_LEN 32
/** Longest PathAddr string accepted or written, including the NUL. */
#define VH_PATHADDR_STRLEN 128

/** What a PathAddr names. */
enum vh_pathaddr_kind {
	VH_PATHADDR_UDP = 1,   /**< /udp/<ip>[:port]: send straight to that address */
	VH_PATHADDR_RELAY = 2, /**< /relay/<NodeID>[/udp/<ip>[:port]]: through a relay node */
};

/**
 * A parsed PathAddr. Fields that do not apply are zero, so two addresses
 * compare equal exactly when their canonical strings are equal.
 */
struct vh_pathaddr {
	uint8_t kind;                  /**< enum vh_pathaddr_kind */
	uint8_t family;                /**< IP version, 4 or 6; 0 when no /udp/ part */
	uint16_t port;                 /**< host order; 22088 when the text omits it */
	uint8_t addr[16];              /**< network order; IPv4 uses the first 4 bytes */
	uint8_t relay[VH_NODE_ID_LEN]; /**< VH_PATHADDR_RELAY: the relay's NodeID */
};

/**
 * Parse a PathAddr, strictly.
 *
 * @param str    NUL-terminated text, at most VH_PATHADDR_STRLEN - 1 characters
 * @param pa     out: the address (zeroed first)
 * @param err    out: what is wrong, on failure (may be NULL)
 * @param errlen size of err
 * @return 0, or -EINVAL with a message in err
 */
int vh_pathaddr_parse(const char *str, struct vh_pathaddr *pa, char *err, size_t errlen);

/**
 * Write the canonical text of a PathAddr (port always written, IPv6 in
 * RFC 5952 form, NodeID in base58).
 *
 * @param pa  address
 * @param buf output, NUL-terminated
 * @param cap its size (VH_PATHADDR_STRLEN always suffices)
 * @return characters written without the NUL, -ENOSPC, or -EINVAL if pa is
 *         not a valid address
 */
int vh_pathaddr_format(const struct vh_pathaddr *pa, char *buf, size_t cap);

/**
 * Order two addresses (total order, 0 when equal).
 *
 * @return <0, 0 or >0
 */
int vh_pathaddr_compare(const struct vh_pathaddr *a, const struct vh_pathaddr *b);

#ifdef __cplusplus
}
#endif

#endif /* VH_BIFROST_H */
