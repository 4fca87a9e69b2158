/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Valhalla host stack under kernel bypass: classification of received
 * Ethernet frames (ARP, IPv4, IPv6, UDP, ICMP, ICMPv6 echo and neighbour
 * discovery), builders for the answers and requests the node sends, and a
 * bounded neighbour cache (ARP and ND in one table).
 *
 * Everything works on byte spans (`uint8_t *frame, size_t len`): no mbufs,
 * no EAL. Frames are plain Ethernet II without VLAN tags and without FCS.
 * Addresses in struct vh_net_if and struct vh_net_pkt are in network byte
 * order (as on the wire); ports and lengths are in host order.
 *
 * Threading: vh_net_classify() and vh_net_udp_reply_inplace*() are pure and
 * run on the workers; the builders are pure too; a struct vh_net_neigh is
 * single-threaded (control lcore).
 */
#ifndef VH_NET_H
#define VH_NET_H

#include <stddef.h>
#include <stdint.h>

#include "vh_core.h"

/*
 * <netinet/ip6.h> (pulled in by DPDK's rte_ip.h) defines ip6_plen as a macro
 * for struct ip6_hdr, which would rewrite struct vh_net_if's field of that
 * name. Include it once here and drop the macro: nothing in Valhalla uses
 * struct ip6_hdr, and the include guard keeps it from coming back.
 */
#include <netinet/ip6.h>
#undef ip6_plen

#ifdef __cplusplus
extern "C" {
#endif

/** Global IPv6 addresses per interface (the link-local one is extra). */
#define VH_NET_MAX_IP6 4

/** Ethernet + IPv4 + UDP header bytes in front of an overlay payload. */
#define VH_NET_UDP4_HDR_LEN (14 + 20 + 8)
/** Ethernet + IPv6 + UDP header bytes in front of an overlay payload. */
#define VH_NET_UDP6_HDR_LEN (14 + 40 + 8)
/** Length of an ARP frame the builders write (no padding: the NIC pads). */
#define VH_NET_ARP_LEN (14 + 28)
/** Length of an NS or NA frame the builders write (one link-layer option). */
#define VH_NET_ND_LEN (14 + 40 + 24 + 8)

/** One port's identity, filled from config, then vh_net_if_init(). */
struct vh_net_if {
	uint8_t mac[6];
	uint32_t ip4; /**< network byte order; 0 = no IPv4 */
	uint8_t ip4_plen;
	uint32_t gw4;                    /**< network byte order; 0 = none */
	uint8_t ip6[VH_NET_MAX_IP6][16]; /**< global addresses */
	uint8_t ip6_plen[VH_NET_MAX_IP6];
	unsigned int n_ip6;
	uint8_t ll6[16];   /**< fe80::/64 from mac (modified EUI-64), vh_net_if_init() fills it */
	uint8_t gw6[16];   /**< all zero = none */
	uint16_t udp_port; /**< overlay UDP port, host order */
};

/**
 * Derive what follows from the configured fields: the link-local address
 * ll6 (fe80::/64 + modified EUI-64 of mac). Call it again after changing mac.
 *
 * @param ifc interface to complete
 */
void vh_net_if_init(struct vh_net_if *ifc);

/** What a classified frame is (struct vh_net_pkt::kind). */
enum vh_net_kind {
	VH_NET_OVERLAY,    /**< UDP to ifc->udp_port, IPv4 or IPv6: the Bifrost path */
	VH_NET_ARP,        /**< ARP request for our ip4, or any ARP reply to us (arp_op) */
	VH_NET_ICMP4_ECHO, /**< ICMP echo request to our ip4 */
	VH_NET_ICMP6_ECHO, /**< ICMPv6 echo request to one of our addresses or ff02::1 */
	VH_NET_ND_NS,      /**< neighbour solicitation for one of our addresses (target) */
	VH_NET_ND_NA,      /**< neighbour advertisement (for the cache) */
	VH_NET_KIND_MAX
};

/** ARP operation codes (struct vh_net_pkt::arp_op). */
#define VH_NET_ARP_REQUEST 1
#define VH_NET_ARP_REPLY 2

/** NA flags as on the wire (struct vh_net_pkt::nd_flags). */
#define VH_NET_NA_ROUTER 0x80
#define VH_NET_NA_SOLICITED 0x40
#define VH_NET_NA_OVERRIDE 0x20

/**
 * What vh_net_classify() learned about one frame. Offsets are from the
 * start of the frame.
 */
struct vh_net_pkt {
	uint8_t kind;         /**< enum vh_net_kind */
	uint8_t ip_ver;       /**< 4 or 6 (4 for ARP) */
	uint16_t l3_off;      /**< IP header, or ARP header */
	uint16_t l4_off;      /**< UDP / ICMP / ICMPv6 header (= l3_off for ARP) */
	uint16_t payload_off; /**< UDP payload; ICMP echo data; ND options */
	uint16_t payload_len; /**< bytes at payload_off (without Ethernet padding) */
	uint16_t frame_len;   /**< payload_off + payload_len: the frame without padding */
	uint16_t sport;       /**< UDP source port; ICMP echo identifier */
	uint16_t dport;       /**< UDP destination port; ICMP echo sequence number */
	uint16_t arp_op;      /**< VH_NET_ARP_REQUEST or VH_NET_ARP_REPLY; 0 otherwise */
	uint8_t hop_limit;    /**< IPv4 TTL or IPv6 hop limit */
	uint8_t nd_flags;     /**< NA: VH_NET_NA_* flags */
	uint8_t has_lladdr;   /**< 1 when lladdr is valid (an NA may omit it: see
				 vh_net_neigh_confirm()) */
	uint8_t lladdr[6];    /**< ARP sender MAC; NS source / NA target link-layer option */
	uint8_t src_mac[6];   /**< Ethernet source */
	uint8_t src[16];      /**< IP source (ARP: sender); IPv4 in the first 4 bytes */
	uint8_t dst[16];      /**< IP destination (ARP: target); IPv4 in the first 4 bytes */
	uint8_t target[16];   /**< NS / NA target address */
};

/**
 * Parse and validate one received frame for interface ifc. Runs per packet
 * on the workers: no allocation, no syscalls, reads at most len bytes.
 *
 * The rules (and the drop reason for each) are in docs/net.md.
 *
 * @param frame Ethernet frame (without FCS)
 * @param len   its length; trailing Ethernet padding is allowed
 * @param ifc   the receiving interface
 * @param pkt   filled when the frame is accepted (may be partly written otherwise)
 * @return 0 when the node handles the frame (pkt->kind says how), or a
 *         positive enum vh_drop reason when it must be dropped.
 */
int vh_net_classify(
	const uint8_t *frame, size_t len, const struct vh_net_if *ifc, struct vh_net_pkt *pkt);

/** The NIC verified the IPv4 header checksum (RTE_MBUF_F_RX_IP_CKSUM_GOOD). */
#define VH_NET_RX_IP4_CSUM_GOOD 0x1
/**
 * The NIC verified the UDP checksum (RTE_MBUF_F_RX_L4_CKSUM_GOOD on a UDP
 * packet). Zero UDP checksums over IPv6 are still refused.
 */
#define VH_NET_RX_UDP_CSUM_GOOD 0x2

/**
 * vh_net_classify() for a NIC with RX checksum offload: the checksums hw
 * says were verified are not computed again (for a 1400-byte datagram the
 * UDP checksum is most of classify's cost). Only pass a flag the NIC set
 * as GOOD; anything else (UNKNOWN, BAD, NONE) means 0 for that bit, and
 * the frame is checked in software. ICMP checksums are always checked.
 *
 * @param hw VH_NET_RX_* flags
 */
int vh_net_classify_hw(const uint8_t *frame, size_t len, const struct vh_net_if *ifc,
	unsigned int hw, struct vh_net_pkt *pkt);

/* ---- builders: write a complete frame into out, return its length or -errno ---- */

/**
 * ARP reply to a classified ARP request (pkt->kind == VH_NET_ARP, arp_op
 * VH_NET_ARP_REQUEST): "our ip4 is at our mac", unicast to the asker.
 *
 * @return VH_NET_ARP_LEN, -EINVAL if req is not an ARP request for ifc->ip4,
 *         -ENOSPC if cap < VH_NET_ARP_LEN
 */
int vh_net_arp_reply(
	const struct vh_net_if *ifc, const struct vh_net_pkt *req, uint8_t *out, size_t cap);

/**
 * ARP request for target_ip4 (network byte order) from ifc->ip4.
 *
 * @param dst_mac NULL to broadcast; a MAC to probe a stale entry by unicast
 * @return VH_NET_ARP_LEN, -EINVAL if ifc has no IPv4 or target is 0, -ENOSPC
 */
int vh_net_arp_request(const struct vh_net_if *ifc, uint32_t target_ip4, const uint8_t *dst_mac,
	uint8_t *out, size_t cap);

/**
 * Neighbour advertisement answering a classified NS (pkt->kind ==
 * VH_NET_ND_NS): target = the solicited address, flags solicited and
 * override, target link-layer option = ifc->mac. Source address: the target.
 * To the NS source at its MAC (source link-layer option, else the Ethernet
 * source); for a DAD probe (unspecified source) to ff02::1 without the
 * solicited flag (RFC 4861 7.2.4).
 *
 * @return VH_NET_ND_LEN, -EINVAL if ns is not an NS, -ENOSPC
 */
int vh_net_nd_na(
	const struct vh_net_if *ifc, const struct vh_net_pkt *ns, uint8_t *out, size_t cap);

/**
 * Neighbour solicitation for target, with the source link-layer option.
 * Source address: a global address of ifc on target's prefix, else ll6.
 *
 * @param dst_mac NULL: to the solicited-node multicast group of target (to
 *                resolve); a MAC: unicast to target at that MAC (to probe a
 *                stale entry)
 * @return VH_NET_ND_LEN, -EINVAL for a multicast/unspecified target, -ENOSPC
 */
int vh_net_nd_ns(const struct vh_net_if *ifc, const uint8_t target[16], const uint8_t *dst_mac,
	uint8_t *out, size_t cap);

/**
 * Turn a classified ICMP / ICMPv6 echo request (VH_NET_ICMP4_ECHO or
 * VH_NET_ICMP6_ECHO) into the echo reply IN PLACE in the received frame:
 * MACs and addresses swapped, type changed, TTL/hop limit reset to 64,
 * checksums recomputed (control lcore, not per packet). A request sent to ff02::1 is answered
 * from ifc->ll6 (RFC 4443: replies come from a unicast address).
 *
 * @param frame the frame vh_net_classify() accepted (pkt describes it)
 * @return the reply's length (pkt->frame_len: Ethernet padding of the
 *         request is not part of it), or -EINVAL if pkt is not an echo
 */
int vh_net_icmp_echo_reply_inplace(
	uint8_t *frame, const struct vh_net_pkt *pkt, const struct vh_net_if *ifc);

/**
 * Same as vh_net_icmp_echo_reply_inplace() but the reply is written to out
 * and the request frame is left as it was.
 *
 * @return the reply's length, -EINVAL, or -ENOSPC if cap < pkt->frame_len
 */
int vh_net_icmp_echo_reply(const uint8_t *frame, const struct vh_net_pkt *pkt,
	const struct vh_net_if *ifc, uint8_t *out, size_t cap);

/** Addressing of one UDP datagram for vh_net_udp_build(). */
struct vh_net_flow {
	uint8_t ip_ver;     /**< 4 or 6 */
	uint8_t ttl;        /**< TTL / hop limit; 0 = 64 */
	uint8_t dst_mac[6]; /**< next hop (from the neighbour cache) */
	uint8_t src[16];    /**< all zero: chosen from ifc (see vh_net_udp_build()) */
	uint8_t dst[16];    /**< IPv4 in the first 4 bytes */
	uint16_t sport;     /**< host order; 0 = ifc->udp_port */
	uint16_t dport;     /**< host order */
};

/**
 * Build Ethernet + IPv4/IPv6 + UDP around payload with correct lengths and
 * checksums (IPv4: DF set, id 0). The source address when f->src is zero:
 * ifc->ip4; for IPv6 ifc->ll6 if the destination is link-local, else the
 * first global address on the destination's prefix, else ifc->ip6[0].
 *
 * payload may already sit at out + VH_NET_UDP4_HDR_LEN (or ..6..): it is
 * moved with memmove, so overlap is allowed.
 *
 * @return the frame length, -EINVAL (bad ip_ver, no source address, or a
 *         datagram over 65535 bytes), -ENOSPC if cap is too small
 */
int vh_net_udp_build(const struct vh_net_if *ifc, const struct vh_net_flow *f,
	const uint8_t *payload, size_t len, uint8_t *out, size_t cap);

/**
 * Turn a received overlay datagram (classified VH_NET_OVERLAY) into a reply
 * to its sender in place, after the caller changed payload bytes (same
 * length): MACs, addresses and ports swapped, TTL / hop limit reset to 64,
 * IPv4 header checksum updated incrementally, UDP checksum recomputed over
 * the datagram. Per-packet on the workers.
 *
 * @return the reply's frame length (pkt->frame_len), or -EINVAL
 */
int vh_net_udp_reply_inplace(uint8_t *frame, const struct vh_net_pkt *pkt);

/**
 * Cheaper vh_net_udp_reply_inplace() when the caller changed only a few
 * payload bytes: it passes the 16-bit one's complement sum of the changed
 * region before and after the change (vh_net_csum_partial() of the same
 * range, which must start at an even offset from payload_off). The UDP
 * checksum is then updated incrementally (RFC 1624) in O(1).
 *
 * @return the reply's frame length, or -EINVAL
 */
int vh_net_udp_reply_inplace_delta(
	uint8_t *frame, const struct vh_net_pkt *pkt, uint16_t sum_before, uint16_t sum_after);

/**
 * Folded 16-bit one's complement sum (not complemented) of len bytes, as
 * vh_net_udp_reply_inplace_delta() wants it.
 */
uint16_t vh_net_csum_partial(const void *buf, size_t len);

/* ---- neighbour cache ---- */

/** Neighbour cache timers, in milliseconds. */
#define VH_NET_NEIGH_REACHABLE_MS 30000u /**< REACHABLE for this long after a confirmation */
#define VH_NET_NEIGH_STALE_MS 600000u    /**< STALE entries idle this long are removed */
#define VH_NET_NEIGH_RETRY_MS 1000u      /**< between requests while INCOMPLETE */
#define VH_NET_NEIGH_TRIES 3u            /**< requests before lookups fail (FAILED) */
#define VH_NET_NEIGH_RETRY_MAX_MS 4000u  /**< FAILED and wanted: requests 2 s, then this, apart */
#define VH_NET_NEIGH_FAILED_MS 20000u    /**< FAILED entries unasked for this long go */
#define VH_NET_NEIGH_PROBE_MS 30000u     /**< at most one unicast probe per STALE entry */

/** Neighbour entry states. */
enum vh_net_neigh_state {
	VH_NET_NEIGH_INCOMPLETE, /**< request sent, no answer yet */
	VH_NET_NEIGH_REACHABLE,  /**< confirmed recently */
	VH_NET_NEIGH_STALE,      /**< usable, not confirmed for a while */
	VH_NET_NEIGH_FAILED,     /**< no answer to VH_NET_NEIGH_TRIES requests */
};

/** What vh_net_neigh_expire() asks its caller to do for an entry. */
enum vh_net_neigh_action {
	VH_NET_NEIGH_REQUEST, /**< send a broadcast ARP request / multicast NS for e->addr */
	VH_NET_NEIGH_PROBE,   /**< send a unicast probe (ARP request / NS) to e->mac */
	VH_NET_NEIGH_GIVE_UP, /**< resolution failed: drop what waits for e->addr */
};

/** A neighbour entry as shown to callbacks (a copy: do not keep pointers). */
struct vh_net_neigh_entry {
	uint8_t ip_ver;      /**< 4 or 6 */
	uint8_t state;       /**< enum vh_net_neigh_state */
	uint8_t tries;       /**< requests sent while INCOMPLETE or FAILED (saturates) */
	uint8_t mac[6];      /**< valid in REACHABLE and STALE */
	uint8_t addr[16];    /**< IPv4 in the first 4 bytes */
	uint64_t updated_ms; /**< last confirmation or state change */
	uint64_t used_ms;    /**< last successful lookup */
};

/** Callback for vh_net_neigh_walk(): nonzero return stops the walk. */
typedef int (*vh_net_neigh_fn)(void *arg, const struct vh_net_neigh_entry *e);

/** Callback for vh_net_neigh_expire(): act (enum vh_net_neigh_action) for entry e. */
typedef void (*vh_net_neigh_action_fn)(
	void *arg, const struct vh_net_neigh_entry *e, enum vh_net_neigh_action act);

struct vh_net_neigh;

/**
 * Create a neighbour cache holding at most capacity entries.
 *
 * @return the cache, or NULL with errno EINVAL (capacity 0 or > 1<<20) or ENOMEM
 */
struct vh_net_neigh *vh_net_neigh_create(unsigned int capacity);

/** Free a cache (NULL is fine). */
void vh_net_neigh_destroy(struct vh_net_neigh *nc);

/**
 * Record that addr is at mac (from an ARP packet, NS source option or NA):
 * the entry becomes REACHABLE, whatever it was. When the cache is full the
 * entry idle longest is evicted.
 *
 * @param ip_ver 4 or 6; addr is 4 or 16 bytes
 * @return 0, -EAFNOSUPPORT, -EINVAL (zero/multicast address or MAC)
 */
int vh_net_neigh_learn(struct vh_net_neigh *nc, int ip_ver, const uint8_t *addr,
	const uint8_t mac[6], uint64_t now_ms);

/**
 * Confirm an existing entry without changing its MAC: for a solicited NA
 * without target link-layer option (Linux answers unicast probes that way;
 * RFC 4861 7.2.5). A REACHABLE or STALE entry becomes REACHABLE.
 *
 * @return 0, -ENOENT (no entry, or one without a MAC yet), -EAFNOSUPPORT
 */
int vh_net_neigh_confirm(struct vh_net_neigh *nc, int ip_ver, const uint8_t *addr, uint64_t now_ms);

/**
 * Look addr up for sending. Any lookup of a known entry counts as a use:
 * a FAILED entry that is looked up keeps being asked for (see
 * vh_net_neigh_expire()).
 *
 * @param mac filled on success
 * @return 0 (REACHABLE or STALE), -EAGAIN (INCOMPLETE: resolution pending),
 *         -EHOSTUNREACH (FAILED), -ENOENT (unknown), -EAFNOSUPPORT
 */
int vh_net_neigh_lookup(
	struct vh_net_neigh *nc, int ip_ver, const uint8_t *addr, uint8_t mac[6], uint64_t now_ms);

/**
 * Ask for addr to be resolved: creates an INCOMPLETE entry if there is none
 * and says whether to send an ARP request / NS now. Retries of pending
 * entries come from vh_net_neigh_expire().
 *
 * @return 1: send a request now; 0: nothing to send (already known, or a
 *         request is in flight); -EHOSTUNREACH: FAILED (the ask counts as a
 *         use: vh_net_neigh_expire() keeps asking); -EAFNOSUPPORT; -EINVAL
 */
int vh_net_neigh_solicit(struct vh_net_neigh *nc, int ip_ver, const uint8_t *addr, uint64_t now_ms);

/**
 * A valid frame came from addr (a classified packet, or ARP/ND that carries
 * no link-layer address to learn): if addr's entry is FAILED, resolution
 * starts over at once (INCOMPLETE, first request now) instead of waiting
 * for the next backed-off request. Nothing is learnt from the frame: the
 * answer to the request confirms the MAC. Creates no entry.
 *
 * @return 1: send a request now; 0: nothing to do; -EAFNOSUPPORT; -EINVAL
 */
int vh_net_neigh_heard(struct vh_net_neigh *nc, int ip_ver, const uint8_t *addr, uint64_t now_ms);

/**
 * Advance the timers: REACHABLE entries older than VH_NET_NEIGH_REACHABLE_MS
 * become STALE; STALE entries neither confirmed nor used for
 * VH_NET_NEIGH_STALE_MS are removed; INCOMPLETE entries get a retry every
 * VH_NET_NEIGH_RETRY_MS and become FAILED one VH_NET_NEIGH_RETRY_MS after
 * the VH_NET_NEIGH_TRIES-th request. A FAILED entry that was looked up or
 * solicited since its last request gets another one, 2 s after the last,
 * then every VH_NET_NEIGH_RETRY_MAX_MS; one nobody asked for in
 * VH_NET_NEIGH_FAILED_MS is removed. Call it every few hundred milliseconds.
 *
 * fn (may be NULL) is called for each entry that needs action:
 * VH_NET_NEIGH_REQUEST (INCOMPLETE or FAILED entries), VH_NET_NEIGH_PROBE
 * (a STALE entry in use, at most once per VH_NET_NEIGH_PROBE_MS),
 * VH_NET_NEIGH_GIVE_UP (once, when an entry becomes FAILED).
 *
 * @return the number of entries removed
 */
unsigned int vh_net_neigh_expire(
	struct vh_net_neigh *nc, uint64_t now_ms, vh_net_neigh_action_fn fn, void *arg);

/** Remove addr's entry. @return 0 or -ENOENT */
int vh_net_neigh_forget(struct vh_net_neigh *nc, int ip_ver, const uint8_t *addr);

/**
 * Call fn for every entry (for vhctl), in no particular order, until fn
 * returns nonzero. fn must not modify the cache.
 *
 * @return 0 or fn's nonzero return
 */
int vh_net_neigh_walk(const struct vh_net_neigh *nc, vh_net_neigh_fn fn, void *arg);

/** Number of entries. */
unsigned int vh_net_neigh_count(const struct vh_net_neigh *nc);

/** "incomplete", "reachable", "stale", "failed" or "unknown". */
const char *vh_net_neigh_state_name(unsigned int state);

#ifdef __cplusplus
}
#endif

#endif /* VH_NET_H */
