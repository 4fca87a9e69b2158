/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The overlay header every packet routed by NodeID carries (docs/mesh.md,
 * docs/protocol.md): its codec and the hop a relay takes. No DPDK.
 */
#ifndef VH_OVERLAY_H
#define VH_OVERLAY_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** NodeID length in the header. */
#define VH_OVERLAY_ID_LEN 32

/**
 * Overlay header, 72 bytes, big-endian:
 * hop limit u8 | flags u8 | payload type u8 | reserved u8 (0) |
 * flow label u32 (20 bits used) | destination NodeID (32) | source NodeID (32).
 */
#define VH_OVERLAY_HDR_LEN 72
#define VH_OVERLAY_FLOW_MAX 0xfffffu
#define VH_OVERLAY_F_CONTROL 0x01 /**< a control message (DHT, ICMP-like) */
#define VH_OVERLAY_F_ERROR 0x02   /**< an error report (hop limit exceeded, ...) */
#define VH_OVERLAY_FLAGS_ALL (VH_OVERLAY_F_CONTROL | VH_OVERLAY_F_ERROR)

/** Payload types. */
enum vh_overlay_type {
	VH_OVERLAY_T_CONTROL = 0, /**< overlay control (DHT messages, traceroute) */
	VH_OVERLAY_T_DATA = 1,    /**< end-to-end Veil data */
	VH_OVERLAY_T_MIX = 2,     /**< a Sphinx packet */
	VH_OVERLAY_T_ECHO = 3,    /**< overlay ping by NodeID */
};

/** A decoded overlay header. */
struct vh_overlay_hdr {
	uint8_t hop_limit;
	uint8_t flags;
	uint8_t payload_type;
	uint32_t flow_label;
	uint8_t dst[VH_OVERLAY_ID_LEN];
	uint8_t src[VH_OVERLAY_ID_LEN];
};

/**
 * Write a header.
 * @return VH_OVERLAY_HDR_LEN, -EINVAL (hop limit 0, unknown flags, flow label
 *         over 20 bits), -ENOSPC
 */
int vh_overlay_encode(const struct vh_overlay_hdr *h, uint8_t *out, size_t cap);

/**
 * Read and check a header (length, hop limit not 0, reserved bits zero).
 * @return VH_OVERLAY_HDR_LEN or -EBADMSG
 */
int vh_overlay_decode(const uint8_t *buf, size_t len, struct vh_overlay_hdr *h);

/**
 * Take one hop in place, as a relay does before forwarding.
 * @return the new hop limit (>= 1), -ETIMEDOUT when it would reach 0 (the
 *         relay answers "hop limit exceeded" instead), -EBADMSG
 */
int vh_overlay_hop(uint8_t *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* VH_OVERLAY_H */
