/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Valhalla core: things every library shares and that need no DPDK: the one
 * list of data-plane drop reasons, version strings and small helpers.
 */
#ifndef VH_CORE_H
#define VH_CORE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Project version, from meson.build. */
#define VH_VERSION_STRING VH_VERSION
/** Version of the control-socket JSON protocol. */
#define VH_CTL_PROTOCOL 1
/** Default overlay UDP port: 0x5648, the Bifrost magic "VH". */
#define VH_DEFAULT_UDP_PORT 22088

/*
 * Every reason the data plane drops a packet. This one list feeds the
 * per-lcore counter arrays and the names operators see in vhctl, telemetry
 * and metrics, so a new reason is one line here.
 * X(enum suffix, "operator-visible-name")
 */
#define VH_DROP_REASONS(X)                                                                         \
	X(NONE, "none")                                                                            \
	X(ETH_SHORT, "eth-short")                                                                  \
	X(ETH_MULTI_SEG, "eth-multi-segment")                                                      \
	X(ETH_NOT_FOR_US, "eth-not-for-us")                                                        \
	X(ETH_VLAN, "eth-vlan")                                                                    \
	X(ETH_UNKNOWN_TYPE, "eth-unknown-ethertype")                                               \
	X(ARP_MALFORMED, "arp-malformed")                                                          \
	X(ARP_NOT_FOR_US, "arp-not-for-us")                                                        \
	X(IP4_SHORT, "ip4-short")                                                                  \
	X(IP4_BAD_VERSION, "ip4-bad-version")                                                      \
	X(IP4_BAD_HLEN, "ip4-bad-header-length")                                                   \
	X(IP4_BAD_LEN, "ip4-bad-total-length")                                                     \
	X(IP4_BAD_CSUM, "ip4-bad-checksum")                                                        \
	X(IP4_OPTIONS, "ip4-options")                                                              \
	X(IP4_FRAGMENT, "ip4-fragment")                                                            \
	X(IP4_BAD_SRC, "ip4-bad-source")                                                           \
	X(IP4_NOT_FOR_US, "ip4-not-for-us")                                                        \
	X(IP6_SHORT, "ip6-short")                                                                  \
	X(IP6_BAD_VERSION, "ip6-bad-version")                                                      \
	X(IP6_BAD_LEN, "ip6-bad-payload-length")                                                   \
	X(IP6_EXT_HDR, "ip6-extension-header")                                                     \
	X(IP6_FRAGMENT, "ip6-fragment")                                                            \
	X(IP6_BAD_SRC, "ip6-bad-source")                                                           \
	X(IP6_NOT_FOR_US, "ip6-not-for-us")                                                        \
	X(L4_UNKNOWN_PROTO, "l4-unknown-protocol")                                                 \
	X(UDP_SHORT, "udp-short")                                                                  \
	X(UDP_BAD_LEN, "udp-bad-length")                                                           \
	X(UDP_BAD_CSUM, "udp-bad-checksum")                                                        \
	X(UDP_ZERO_CSUM6, "udp-zero-checksum-ipv6")                                                \
	X(UDP_PORT_CLOSED, "udp-port-closed")                                                      \
	X(ICMP_SHORT, "icmp-short")                                                                \
	X(ICMP_BAD_CSUM, "icmp-bad-checksum")                                                      \
	X(ICMP_UNSUPPORTED, "icmp-unsupported-type")                                               \
	X(ND_MALFORMED, "nd-malformed")                                                            \
	X(NEIGH_OWN_ADDR, "neigh-own-address")                                                     \
	X(BIFROST_SHORT, "bifrost-short")                                                          \
	X(BIFROST_BAD_MAGIC, "bifrost-bad-magic")                                                  \
	X(BIFROST_BAD_VERSION, "bifrost-bad-version")                                              \
	X(BIFROST_BAD_LENGTH, "bifrost-length-past-datagram")                                      \
	X(BIFROST_ZERO_LENGTH, "bifrost-zero-length")                                              \
	X(BIFROST_TOO_LARGE, "bifrost-too-large")                                                  \
	X(BIFROST_UNKNOWN_TYPE, "bifrost-unknown-type")                                            \
	X(BIFROST_BAD_ECHO, "bifrost-bad-echo")                                                    \
	X(VEIL_MALFORMED, "veil-malformed")                                                        \
	X(VEIL_NO_SESSION, "veil-no-session")                                                      \
	X(VEIL_REPLAY, "veil-replay")                                                              \
	X(VEIL_AUTH, "veil-auth")                                                                  \
	X(VEIL_MAC1, "veil-mac1")                                                                  \
	X(VEIL_COOKIE_REQUIRED, "veil-cookie-required")                                            \
	X(VEIL_LOW_ORDER, "veil-low-order-key")                                                    \
	X(VEIL_KEY_REJECTED, "veil-key-rejected")                                                  \
	X(VEIL_INNER_UNHANDLED, "veil-inner-unhandled")                                            \
	X(OVERLAY_MALFORMED, "overlay-malformed")                                                  \
	X(OVERLAY_NO_ROUTE, "overlay-no-route")                                                    \
	X(OVERLAY_HOP_LIMIT, "overlay-hop-limit")                                                  \
	X(PUNT_RING_FULL, "punt-ring-full")                                                        \
	X(NO_NEIGHBOR, "no-neighbor")                                                              \
	X(NO_MBUF, "no-mbuf")                                                                      \
	X(TX_FULL, "tx-full")                                                                      \
	X(MIX_MALFORMED, "mix-malformed")                                                          \
	X(MIX_NO_KEY, "mix-no-key")                                                                \
	X(MIX_UNWRAP, "mix-unwrap-failed")                                                         \
	X(MIX_REPLAY, "mix-replay")                                                                \
	X(MIX_WHEEL_FULL, "mix-wheel-full")                                                        \
	X(SHUTDOWN, "shutdown")

/*
 * Big-endian field access on byte spans (every wire format here is
 * big-endian). Byte by byte, so any alignment works and no byte-order
 * header is needed.
 */
static inline uint16_t
vh_get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void
vh_put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline uint32_t
vh_get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void
vh_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline uint64_t
vh_get_be64(const uint8_t *p)
{
	return (uint64_t)vh_get_be32(p) << 32 | vh_get_be32(p + 4);
}

static inline void
vh_put_be64(uint8_t *p, uint64_t v)
{
	vh_put_be32(p, (uint32_t)(v >> 32));
	vh_put_be32(p + 4, (uint32_t)v);
}

#define VH_DROP_ENUM_(sym, name) VH_DROP_##sym,
/** Drop reason codes; VH_DROP_NONE means "not dropped". */
enum vh_drop {
	VH_DROP_REASONS(VH_DROP_ENUM_) VH_DROP_MAX
};
#undef VH_DROP_ENUM_

/**
 * Operator-visible name of a drop reason.
 *
 * @param reason a value of enum vh_drop
 * @return a static string, "unknown" for values out of range
 */
const char *vh_drop_name(unsigned int reason);

/**
 * Look a drop reason up by its operator-visible name.
 *
 * @return the enum value, or -ENOENT
 */
int vh_drop_from_name(const char *name);

/**
 * Upper bound of the base58 text length for n bytes, including the NUL
 * (log(256)/log(58) < 1.37).
 */
#define VH_BASE58_ENCODED_MAX(n) ((n) * 137 / 100 + 2)

/**
 * Base58 encoding, Bitcoin alphabet (multibase 'z' without the prefix): each
 * leading zero byte becomes a '1', the rest is the big-endian number in base
 * 58. Quadratic in len: meant for identifiers and keys, not bulk data.
 *
 * @param in  bytes
 * @param len their count
 * @param out output, NUL-terminated
 * @param cap its size (VH_BASE58_ENCODED_MAX(len) always suffices)
 * @return characters written without the NUL, or -ENOSPC
 */
int vh_base58_encode(const uint8_t *in, size_t len, char *out, size_t cap);

/**
 * Base58 decoding, Bitcoin alphabet, the exact inverse of vh_base58_encode():
 * each leading '1' becomes a zero byte.
 *
 * @param in  text (no prefix, no whitespace; need not be NUL-terminated)
 * @param len its length
 * @param out output bytes
 * @param cap their room
 * @return bytes written, -EINVAL for a character outside the alphabet, or
 *         -ENOSPC when the value does not fit in cap bytes
 */
int vh_base58_decode(const char *in, size_t len, uint8_t *out, size_t cap);

#ifdef __cplusplus
}
#endif

#endif /* VH_CORE_H */
