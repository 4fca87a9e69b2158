/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * In-place UDP replies for the workers (Bifrost ECHO): the received frame
 * becomes the answer without a copy. Swapping addresses and ports leaves
 * every one's complement sum unchanged, so only the TTL and the payload
 * edit cost anything.
 */
#include <errno.h>

#include "net_priv.h"

/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), on memory-order 16-bit words. */
static uint16_t
csum_replace(uint16_t hc, uint16_t old, uint16_t new)
{
	uint32_t sum = (uint16_t)~hc;

	sum += (uint16_t)~old;
	sum += new;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static bool
overlay_ok(const struct vh_net_pkt *pkt)
{
	size_t l3 = pkt->ip_ver == 4 ? IP4_LEN : IP6_LEN;

	return pkt->kind == VH_NET_OVERLAY && (pkt->ip_ver == 4 || pkt->ip_ver == 6) &&
	       pkt->l3_off == ETH_LEN && pkt->l4_off == ETH_LEN + l3 &&
	       pkt->payload_off == pkt->l4_off + UDP_LEN &&
	       pkt->frame_len == pkt->payload_off + pkt->payload_len;
}

/* Swap everything; returns the UDP header. */
static uint8_t *
swap_headers(uint8_t *frame, const struct vh_net_pkt *pkt)
{
	uint8_t *h = frame + ETH_LEN;
	uint8_t *u = frame + pkt->l4_off;

	swap_bytes(frame, frame + 6, 6);
	if (pkt->ip_ver == 4) {
		uint16_t old, new, hc;

		swap_bytes(h + 12, h + 16, 4);
		/* TTL|proto as one word, changed in a register: writing the TTL byte
		 * and reading the word back would stall store forwarding */
		memcpy(&old, h + 8, 2);
		new = rte_cpu_to_be_16((uint16_t)(REPLY_TTL << 8 | h[9]));
		memcpy(h + 8, &new, 2);
		memcpy(&hc, h + 10, 2);
		hc = csum_replace(hc, old, new);
		memcpy(h + 10, &hc, 2);
	} else {
		swap_bytes(h + 8, h + 24, 16);
		h[7] = REPLY_TTL;
	}
	swap_bytes(u, u + 2, 2);
	return u;
}

static void
udp_full_csum(uint8_t *frame, const struct vh_net_pkt *pkt, uint8_t *u)
{
	uint16_t c;

	u[6] = u[7] = 0;
	if (pkt->ip_ver == 4)
		c = rte_ipv4_udptcp_cksum((const struct rte_ipv4_hdr *)(frame + ETH_LEN), u);
	else
		c = rte_ipv6_udptcp_cksum((const struct rte_ipv6_hdr *)(frame + ETH_LEN), u);
	memcpy(u + 6, &c, 2);
}

int
vh_net_udp_reply_inplace(uint8_t *frame, const struct vh_net_pkt *pkt)
{
	uint8_t *u;

	if (unlikely(!overlay_ok(pkt)))
		return -EINVAL;
	u = swap_headers(frame, pkt);
	udp_full_csum(frame, pkt, u);
	return pkt->frame_len;
}

int
vh_net_udp_reply_inplace_delta(
	uint8_t *frame, const struct vh_net_pkt *pkt, uint16_t sum_before, uint16_t sum_after)
{
	uint8_t *u;
	uint16_t c;

	if (unlikely(!overlay_ok(pkt)))
		return -EINVAL;
	u = swap_headers(frame, pkt);
	memcpy(&c, u + 6, 2);
	if (c == 0) {
		/* an IPv4 sender without checksum: give the reply a real one */
		udp_full_csum(frame, pkt, u);
		return pkt->frame_len;
	}
	c = csum_replace(c, sum_before, sum_after);
	if (c == 0)
		c = 0xffff; /* RFC 768: a computed zero is sent as all ones */
	memcpy(u + 6, &c, 2);
	return pkt->frame_len;
}

uint16_t
vh_net_csum_partial(const void *buf, size_t len)
{
	return csum_raw(buf, len);
}
