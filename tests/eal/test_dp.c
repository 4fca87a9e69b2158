/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The data-plane graph on real virtual ports, with EAL (--no-huge):
 * net_ring0 without arguments is a loopback port (its RX and TX share one
 * ring), so a frame the control side injects goes out, comes back in and
 * runs the whole graph; net_null0 is a sink. Run as "single" (graph on the
 * main lcore) or "multi" (one worker lcore).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>
#include <rte_arp.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_udp.h>

#include "vh_bifrost.h"
#include "dp_fwd.h"
#include "dp_priv.h" /* white box: the workers' bulk lookup */
#include "vh_dp.h"
#include "vh_overlay.h"
#include "vh_veil.h"
#include "vh_ygg.h"

#include "eal_frames.h"

static struct vh_dp *dp;
static bool multi;
static const uint8_t node_mac[6] = {0x02, 0, 0, 0, 0, 0x01};
static const uint8_t peer_mac[6] = {0x02, 0, 0, 0, 0, 0x02};
#define NODE_IP RTE_IPV4(10, 1, 0, 1)
#define PEER_IP RTE_IPV4(10, 1, 0, 2)

/* An Ethernet/IPv4/UDP frame to the node, checksums right. */
static struct rte_mbuf *
udp4_frame(uint16_t port, const uint8_t *src_mac, uint32_t src, uint16_t sport, uint16_t dport,
	const uint8_t *payload, uint16_t len)
{
	return eal_udp4_frame(
		dp, port, node_mac, src_mac, src, NODE_IP, sport, dport, payload, len);
}

static uint64_t
drops(enum vh_drop reason)
{
	struct vh_dp_lcore_stats st;
	uint64_t sum = vh_dp_control_drops(dp)[reason];

	for (unsigned int i = 0; i < vh_dp_lcore_count(dp); i++) {
		vh_dp_lcore_stats(dp, i, &st);
		sum += st.drops[reason];
	}
	return sum;
}

/* Let the graph run until cond() holds (single mode: walk it ourselves). */
static bool
run_until(bool (*cond)(void *), void *arg)
{
	for (int i = 0; i < 20000; i++) {
		if (cond(arg))
			return true;
		if (multi)
			usleep(100);
		else
			vh_dp_walk(dp);
	}
	return cond(arg);
}

struct want_drop {
	enum vh_drop reason;
	uint64_t count;
};

static bool
drop_reached(void *arg)
{
	struct want_drop *w = arg;

	return drops(w->reason) >= w->count;
}

struct punt_wait {
	struct rte_mbuf *m;
};

static bool
punt_arrived(void *arg)
{
	struct punt_wait *pw = arg;

	if (pw->m == NULL)
		vh_dp_punt_dequeue(dp, &pw->m, 1);
	return pw->m != NULL;
}

static uint16_t
ring_port(void)
{
	return (uint16_t)vh_dp_port_id(dp, 0);
}

/* An echo from our own address loops back, is answered by bifrost_in, the
 * answer loops back too and, being an ECHO_REPLY, is punted to us. */
static void
test_echo_answered_in_data_plane(void **state)
{
	uint8_t dgram[64];
	struct punt_wait pw = {NULL};
	struct vh_bifrost_frame f;
	uint32_t ident, seq;
	uint64_t ts;
	size_t pos = 0;
	int len;

	(void)state;
	len = vh_bifrost_echo_build(dgram, sizeof(dgram), 77, 5, 123456789, 24);
	assert_true(len > 0);
	assert_int_equal(
		vh_dp_inject(dp, udp4_frame(ring_port(), node_mac, NODE_IP, VH_DEFAULT_UDP_PORT,
					 VH_DEFAULT_UDP_PORT, dgram, (uint16_t)len)),
		0);
	assert_true(run_until(punt_arrived, &pw));
	{
		struct vh_dp_meta *meta = vh_dp_meta(pw.m);
		const uint8_t *p =
			rte_pktmbuf_mtod_offset(pw.m, const uint8_t *, meta->pkt.payload_off);

		assert_int_equal(meta->pkt.kind, VH_NET_OVERLAY);
		assert_int_equal(meta->pkt.payload_len, len);
		assert_int_equal(vh_bifrost_next(p, meta->pkt.payload_len, &pos, &f), 1);
		assert_int_equal(f.type, VH_BIFROST_ECHO_REPLY);
		assert_int_equal(vh_bifrost_echo_parse(f.payload, f.length, &ident, &seq, &ts), 0);
		assert_int_equal(ident, 77);
		assert_int_equal(seq, 5);
		assert_true(ts == 123456789);
	}
	rte_pktmbuf_free(pw.m);
}

static void
expect_drop(struct rte_mbuf *m, enum vh_drop reason)
{
	struct want_drop w = {reason, drops(reason) + 1};

	assert_int_equal(vh_dp_inject(dp, m), 0);
	assert_true(run_until(drop_reached, &w));
	assert_int_equal(drops(reason), w.count);
}

static void
test_malformed_dropped_by_reason(void **state)
{
	uint8_t good[32], bad[32];
	int len = vh_bifrost_echo_build(good, sizeof(good), 1, 1, 1, 16);

	(void)state;
	assert_true(len > 0);
	memcpy(bad, good, (size_t)len);
	bad[0] = 'X';
	expect_drop(udp4_frame(ring_port(), peer_mac, PEER_IP, 5000, VH_DEFAULT_UDP_PORT, bad,
			    (uint16_t)len),
		VH_DROP_BIFROST_BAD_MAGIC);
	memcpy(bad, good, (size_t)len);
	bad[2] = 9;
	expect_drop(udp4_frame(ring_port(), peer_mac, PEER_IP, 5000, VH_DEFAULT_UDP_PORT, bad,
			    (uint16_t)len),
		VH_DROP_BIFROST_BAD_VERSION);
	expect_drop(udp4_frame(ring_port(), peer_mac, PEER_IP, 5000, VH_DEFAULT_UDP_PORT, good, 5),
		VH_DROP_BIFROST_SHORT);
	expect_drop(udp4_frame(ring_port(), peer_mac, PEER_IP, 5000, 9999, good, (uint16_t)len),
		VH_DROP_UDP_PORT_CLOSED);
	/* a reply to a peer's MAC loops back to us: not our MAC */
	{
		struct rte_mbuf *m = udp4_frame(ring_port(), peer_mac, PEER_IP, 5000,
			VH_DEFAULT_UDP_PORT, good, (uint16_t)len);

		memcpy(rte_pktmbuf_mtod(m, uint8_t *), peer_mac, 6);
		expect_drop(m, VH_DROP_ETH_NOT_FOR_US);
	}
}

static void
test_arp_request_punted(void **state)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(vh_dp_mempool(dp));
	struct punt_wait pw = {NULL};
	struct rte_ether_hdr *eh;
	struct rte_arp_hdr *arp;

	(void)state;
	eh = (struct rte_ether_hdr *)rte_pktmbuf_append(m, sizeof(*eh) + sizeof(*arp));
	memset(eh->dst_addr.addr_bytes, 0xff, 6);
	memcpy(eh->src_addr.addr_bytes, peer_mac, 6);
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	arp = (struct rte_arp_hdr *)(eh + 1);
	arp->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = 6;
	arp->arp_plen = 4;
	arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
	memcpy(arp->arp_data.arp_sha.addr_bytes, peer_mac, 6);
	arp->arp_data.arp_sip = rte_cpu_to_be_32(PEER_IP);
	memset(arp->arp_data.arp_tha.addr_bytes, 0, 6);
	arp->arp_data.arp_tip = rte_cpu_to_be_32(NODE_IP);
	m->port = ring_port();
	assert_int_equal(vh_dp_inject(dp, m), 0);
	assert_true(run_until(punt_arrived, &pw));
	assert_int_equal(vh_dp_meta(pw.m)->pkt.kind, VH_NET_ARP);
	rte_pktmbuf_free(pw.m);
}

struct tx_wait {
	uint64_t want;
};

static uint64_t
tx_total(void)
{
	struct vh_dp_lcore_stats st;
	uint64_t sum = 0;

	for (unsigned int i = 0; i < vh_dp_lcore_count(dp); i++) {
		vh_dp_lcore_stats(dp, i, &st);
		sum += st.tx_packets;
	}
	return sum;
}

static bool
tx_reached(void *arg)
{
	return tx_total() >= ((struct tx_wait *)arg)->want;
}

static void
test_null_port_sends(void **state)
{
	uint8_t payload[16] = {0};
	struct tx_wait w = {tx_total() + 8};

	(void)state;
	for (int i = 0; i < 8; i++)
		assert_int_equal(vh_dp_inject(dp, udp4_frame((uint16_t)vh_dp_port_id(dp, 1),
							  peer_mac, PEER_IP, 1, 2, payload, 16)),
			0);
	assert_true(run_until(tx_reached, &w));
}

/* ---- link sessions on the workers ---- */

#define L_INDEX 0x00a11001u /* installed: frames to it are opened on the workers */
#define R_INDEX 0x00b22002u /* the "peer's" index: not installed, so replies punt */
static const uint8_t key_in[32] = {1, 2, 3};
static const uint8_t key_out[32] = {9, 8, 7};

/* A LINK_DATA datagram sealed by the test itself with libsodium. */
static int
sealed(uint8_t *out, uint32_t index, uint64_t counter, const uint8_t *key, const uint8_t *pt,
	size_t len)
{
	uint8_t nonce[12] = {0};
	uint8_t *h = out + VH_BIFROST_HDR_LEN;

	assert_int_equal(vh_bifrost_encode_header(out, 2048, VH_BIFROST_LINK_DATA,
				 (uint32_t)(VH_VEIL_DATA_MIN_LEN + len)),
		VH_BIFROST_HDR_LEN);
	vh_veil_data_hdr_encode(h, index, counter);
	for (int i = 0; i < 8; i++)
		nonce[4 + i] = (uint8_t)(counter >> (8 * i));
	crypto_aead_chacha20poly1305_ietf_encrypt_detached(h + VH_VEIL_DATA_HDR_LEN,
		h + VH_VEIL_DATA_HDR_LEN + len, NULL, pt, len, h, VH_VEIL_DATA_HDR_LEN, NULL, nonce,
		key);
	return (int)(VH_BIFROST_HDR_LEN + VH_VEIL_DATA_MIN_LEN + len);
}

/* flip >= 0: that byte of the sealed datagram is flipped (UDP sum still right) */
static struct rte_mbuf *
link_frame_flip(uint64_t counter, const uint8_t *pt, size_t len, int flip)
{
	uint8_t d[2048];
	int n = sealed(d, L_INDEX, counter, key_in, pt, len);

	if (flip >= 0)
		d[flip] ^= 1;
	/* from our own address, so the answer loops back to us as well */
	return udp4_frame(ring_port(), node_mac, NODE_IP, VH_DEFAULT_UDP_PORT, VH_DEFAULT_UDP_PORT,
		d, (uint16_t)n);
}

static struct rte_mbuf *
link_frame(uint64_t counter, const uint8_t *pt, size_t len)
{
	return link_frame_flip(counter, pt, len, -1);
}

static void
test_session_echo_on_workers(void **state)
{
	struct vh_dp_session_conf c = {
		.local_index = L_INDEX, .remote_index = R_INDEX, .send_counter = 100};
	uint8_t echo[64], reply[64], nonce[12] = {0};
	struct punt_wait pw = {NULL};
	struct vh_dp_session_stats st;
	struct vh_bifrost_frame f;
	uint32_t ident, seq;
	uint64_t ts;
	size_t pos = 0;
	int len = vh_bifrost_echo_build(echo, sizeof(echo), 9, 3, 777, 32);

	(void)state;
	memcpy(c.recv_key, key_in, 32);
	memcpy(c.send_key, key_out, 32);
	assert_int_equal(vh_dp_session_install(dp, &c), 0);
	assert_int_equal(vh_dp_inject(dp, link_frame(5, echo, (size_t)len)), 0);
	assert_true(run_until(punt_arrived, &pw));
	{
		struct vh_dp_meta *meta = vh_dp_meta(pw.m);
		const uint8_t *d =
			rte_pktmbuf_mtod_offset(pw.m, const uint8_t *, meta->pkt.payload_off);
		const uint8_t *h = d + VH_BIFROST_HDR_LEN;
		struct vh_veil_data vd;

		assert_int_equal(d[3], VH_BIFROST_LINK_DATA);
		/* sealed over IPv4: no UDP checksum (the AEAD tag covers the payload) */
		assert_int_equal(vh_get_be16(d - 2), 0);
		assert_int_equal(
			vh_veil_data_decode(h, meta->pkt.payload_len - VH_BIFROST_HDR_LEN, &vd), 0);
		assert_int_equal(vd.receiver, R_INDEX);
		assert_true(vd.counter == 100);
		for (int i = 0; i < 8; i++)
			nonce[4 + i] = (uint8_t)(vd.counter >> (8 * i));
		/* sealed under the send key: the test opens it independently */
		assert_int_equal(crypto_aead_chacha20poly1305_ietf_decrypt_detached(reply, NULL,
					 vd.ct, (unsigned long long)len, vd.ct + len, vd.hdr,
					 VH_VEIL_DATA_HDR_LEN, nonce, key_out),
			0);
		assert_int_equal(vh_bifrost_next(reply, (size_t)len, &pos, &f), 1);
		assert_int_equal(f.type, VH_BIFROST_ECHO_REPLY);
		assert_int_equal(vh_bifrost_echo_parse(f.payload, f.length, &ident, &seq, &ts), 0);
		assert_int_equal(ident, 9);
		assert_int_equal(seq, 3);
	}
	rte_pktmbuf_free(pw.m);
	assert_int_equal(vh_dp_session_stats(dp, L_INDEX, &st), 0);
	assert_true(st.rx_packets == 1 && st.tx_packets == 1 && st.send_counter == 101);
}

static void
test_session_replay_auth_keepalive(void **state)
{
	uint8_t echo[64];
	int len = vh_bifrost_echo_build(echo, sizeof(echo), 9, 4, 1, 16);
	struct vh_dp_session_stats st;
	struct rte_mbuf *m;
	struct want_drop w;

	(void)state;
	/* the same counter again */
	expect_drop(link_frame(5, echo, (size_t)len), VH_DROP_VEIL_REPLAY);
	/* a flipped ciphertext byte */
	m = link_frame_flip(6, echo, (size_t)len, VH_BIFROST_HDR_LEN + VH_VEIL_DATA_HDR_LEN + 3);
	expect_drop(m, VH_DROP_VEIL_AUTH);
	/* a keepalive is consumed, not dropped */
	w.reason = VH_DROP_VEIL_AUTH;
	w.count = drops(VH_DROP_VEIL_AUTH);
	assert_int_equal(vh_dp_inject(dp, link_frame(7, NULL, 0)), 0);
	for (int i = 0; i < 20000; i++) {
		assert_int_equal(vh_dp_session_stats(dp, L_INDEX, &st), 0);
		if (st.rx_packets == 2)
			break;
		if (multi)
			usleep(100);
		else
			vh_dp_walk(dp);
	}
	assert_true(st.rx_packets == 2);
	assert_true(st.auth_failed == 1 && st.replayed == 1);
	assert_true(drops(VH_DROP_VEIL_AUTH) == w.count);
	/* the counter the forged frame carried is still open */
	assert_int_equal(vh_dp_inject(dp, link_frame(6, NULL, 0)), 0);
	for (int i = 0; i < 20000 && st.rx_packets != 3; i++) {
		if (multi)
			usleep(100);
		else
			vh_dp_walk(dp);
		vh_dp_session_stats(dp, L_INDEX, &st);
	}
	assert_true(st.rx_packets == 3);
}

/* Wait until the session has authenticated n frames in all. */
static void
wait_rx(uint64_t n)
{
	struct vh_dp_session_stats st = {0};

	for (int i = 0; i < 20000 && st.rx_packets != n; i++) {
		if (multi)
			usleep(100);
		else
			vh_dp_walk(dp);
		vh_dp_session_stats(dp, L_INDEX, &st);
	}
	assert_true(st.rx_packets == n);
}

/* The data-plane window: exactly the 2048 counters below the highest one. */
static void
test_session_replay_window_depth(void **state)
{
	struct vh_dp_session_stats st;
	uint64_t rx;

	(void)state;
	assert_int_equal(vh_dp_session_stats(dp, L_INDEX, &st), 0);
	rx = st.rx_packets;
	assert_int_equal(vh_dp_inject(dp, link_frame(5000, NULL, 0)), 0);
	wait_rx(rx + 1);
	/* 2048 behind the highest: outside, refused */
	expect_drop(link_frame(5000 - 2048, NULL, 0), VH_DROP_VEIL_REPLAY);
	/* 2047 behind, and a counter a jump skipped: inside, accepted once */
	assert_int_equal(vh_dp_inject(dp, link_frame(5000 - 2047, NULL, 0)), 0);
	wait_rx(rx + 2);
	assert_int_equal(vh_dp_inject(dp, link_frame(4999, NULL, 0)), 0);
	wait_rx(rx + 3);
	expect_drop(link_frame(4999, NULL, 0), VH_DROP_VEIL_REPLAY);
	/* a jump past the whole window forgets it: the old highest is stale */
	assert_int_equal(vh_dp_inject(dp, link_frame(5000 + 2048 + 100, NULL, 0)), 0);
	wait_rx(rx + 4);
	expect_drop(link_frame(5000, NULL, 0), VH_DROP_VEIL_REPLAY);
	assert_int_equal(vh_dp_inject(dp, link_frame(5000 + 2048 + 99, NULL, 0)), 0);
	wait_rx(rx + 5);
}

static void
test_session_remove_and_slots(void **state)
{
	struct vh_dp_session_conf c = {.local_index = L_INDEX + VH_DP_SESSIONS};
	struct punt_wait pw = {NULL};
	uint8_t echo[64];
	int len = vh_bifrost_echo_build(echo, sizeof(echo), 1, 1, 1, 16);

	(void)state;
	/* another index for the same slot is refused */
	assert_int_equal(vh_dp_session_install(dp, &c), -EEXIST);
	assert_int_equal(vh_dp_session_remove(dp, L_INDEX), 0);
	assert_int_equal(vh_dp_session_remove(dp, L_INDEX), -ENOENT);
	/* after removal the frame goes to the control lcore, unopened */
	assert_int_equal(vh_dp_inject(dp, link_frame(8, echo, (size_t)len)), 0);
	assert_true(run_until(punt_arrived, &pw));
	assert_int_equal(
		vh_dp_meta(pw.m)->pkt.payload_len, VH_BIFROST_HDR_LEN + VH_VEIL_DATA_MIN_LEN + len);
	rte_pktmbuf_free(pw.m);
	vh_dp_reclaim(dp);
	/* the slot is free again */
	assert_int_equal(vh_dp_session_install(dp, &c), 0);
	assert_int_equal(vh_dp_session_remove(dp, c.local_index), 0);
}

static void
test_forwarding_table(void **state)
{
	struct vh_dp_session_conf c = {.local_index = 0x5005, .remote_index = 1};
	uint8_t ids[1000][VH_DP_NODE_ID_LEN];
	const void *keys[1000];
	uint64_t routes[1000];
	uint32_t paths[2] = {0x5005, 0x6006}, slots[4];
	unsigned int n;

	(void)state;
	for (unsigned int i = 0; i < 1000; i++) {
		memset(ids[i], 0, VH_DP_NODE_ID_LEN);
		memcpy(ids[i], &i, sizeof(i));
		ids[i][31] = 0xee;
		keys[i] = ids[i];
	}
	assert_int_equal(vh_dp_fwd_set(dp, ids[0], paths, 0), -EINVAL);
	assert_int_equal(vh_dp_fwd_set(dp, ids[0], paths, 5), -EINVAL);
	assert_int_equal(vh_dp_fwd_set(dp, ids[0], paths, 1), 0);
	assert_int_equal(vh_dp_fwd_get(dp, ids[0], slots, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(slots[0], 0x5005 % VH_DP_SESSIONS);
	/* replacing is one step: two paths now */
	assert_int_equal(vh_dp_fwd_set(dp, ids[0], paths, 2), 0);
	assert_int_equal(vh_dp_fwd_get(dp, ids[0], slots, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(slots[1], 0x6006 % VH_DP_SESSIONS);
	assert_int_equal(vh_dp_fwd_count(dp), 1);
	for (unsigned int i = 1; i < 1000; i++)
		assert_int_equal(vh_dp_fwd_set(dp, ids[i], &paths[i % 2], 1), 0);
	assert_int_equal(vh_dp_fwd_count(dp), 1000);
	/* the workers' bulk lookup finds every route, and nothing else */
	assert_int_equal(dp_fwd_lookup_bulk(dp, keys, 1000, routes), 1000);
	ids[7][31] = 0x11;
	assert_int_equal(dp_fwd_lookup_bulk(dp, &keys[7], 1, routes), 0);
	assert_true(routes[0] == 0);
	ids[7][31] = 0xee;
	/* a route picks an installed session, the same one for the same flow */
	memcpy(c.recv_key, key_in, 32);
	memcpy(c.send_key, key_out, 32);
	assert_int_equal(vh_dp_session_install(dp, &c), 0);
	assert_int_equal(dp_fwd_lookup_bulk(dp, keys, 1, routes), 1);
	assert_non_null(dp_fwd_pick(dp, routes[0], 2));
	assert_ptr_equal(dp_fwd_pick(dp, routes[0], 2), dp_fwd_pick(dp, routes[0], 4));
	assert_null(dp_fwd_pick(dp, routes[0], 3)); /* the second path has no session */
	assert_int_equal(vh_dp_session_remove(dp, 0x5005), 0);
	for (unsigned int i = 0; i < 1000; i++)
		assert_int_equal(vh_dp_fwd_del(dp, ids[i]), 0);
	assert_int_equal(vh_dp_fwd_del(dp, ids[0]), -ENOENT);
	assert_int_equal(vh_dp_fwd_count(dp), 0);
	vh_dp_reclaim(dp);
}

/* ---- relaying overlay packets between sessions ---- */

#define LA 0x7007u /* the session packets arrive on */
#define LB 0x8008u /* the next hop's session (its endpoint: ourselves, to loop back) */
#define RB 0x9009u /* the next hop's index: not installed here, so it punts */
static const uint8_t ka[32] = {0x1a}, kb[32] = {0x2b};

static struct rte_mbuf *
overlay_frame(uint64_t counter, uint8_t hop, uint8_t dst_byte, const char *msg)
{
	struct vh_overlay_hdr h = {
		.hop_limit = hop, .payload_type = VH_OVERLAY_T_DATA, .flow_label = 7};
	uint8_t inner[256], d[512];
	size_t mlen = strlen(msg);
	int n;

	memset(h.dst, dst_byte, 32);
	memset(h.src, 0x5a, 32);
	assert_int_equal(vh_bifrost_encode_header(inner, sizeof(inner), VH_BIFROST_DATA,
				 (uint32_t)(VH_OVERLAY_HDR_LEN + mlen)),
		VH_BIFROST_HDR_LEN);
	assert_int_equal(
		vh_overlay_encode(&h, inner + VH_BIFROST_HDR_LEN, 200), VH_OVERLAY_HDR_LEN);
	memcpy(inner + VH_BIFROST_HDR_LEN + VH_OVERLAY_HDR_LEN, msg, mlen);
	n = sealed(d, LA, counter, ka, inner, VH_BIFROST_HDR_LEN + VH_OVERLAY_HDR_LEN + mlen);
	return udp4_frame(
		ring_port(), peer_mac, PEER_IP, 5000, VH_DEFAULT_UDP_PORT, d, (uint16_t)n);
}

/* The control lcore gets the packet opened: the inner datagram and the session. */
static void
expect_opened(struct rte_mbuf *in, uint8_t expired, const char *msg)
{
	struct punt_wait pw = {NULL};
	const struct vh_dp_meta *meta;
	const uint8_t *d;

	assert_int_equal(vh_dp_inject(dp, in), 0);
	assert_true(run_until(punt_arrived, &pw));
	meta = vh_dp_meta(pw.m);
	assert_int_equal(meta->opened, 1);
	assert_int_equal(meta->hop_expired, expired);
	assert_int_equal(meta->session_index, LA);
	d = rte_pktmbuf_mtod_offset(pw.m, const uint8_t *, meta->inner_off);
	assert_int_equal(meta->inner_len, VH_BIFROST_HDR_LEN + VH_OVERLAY_HDR_LEN + strlen(msg));
	assert_int_equal(d[3], VH_BIFROST_DATA);
	assert_memory_equal(d + VH_BIFROST_HDR_LEN + VH_OVERLAY_HDR_LEN, msg, strlen(msg));
	rte_pktmbuf_free(pw.m);
}

static void
test_relay_between_sessions(void **state)
{
	uint8_t self[32], nb[1][32];
	const uint32_t nbi[1] = {LB};
	struct vh_dp_session_conf a = {.local_index = LA, .remote_index = 1};
	struct vh_dp_session_conf b = {.local_index = LB,
		.remote_index = RB,
		.has_endpoint = true,
		.port_idx = 0,
		.ip_ver = 4,
		.dst_port = VH_DEFAULT_UDP_PORT,
		.send_counter = 40};
	uint8_t x[32], inner[512], nonce[12] = {0};
	uint32_t nh = LB, dst_ip = rte_cpu_to_be_32(NODE_IP);
	struct punt_wait pw = {NULL};
	struct vh_overlay_hdr h;

	(void)state;
	memcpy(a.recv_key, ka, 32);
	memcpy(b.send_key, kb, 32);
	memcpy(b.dst_mac, node_mac, 6);
	memcpy(b.dst_ip, &dst_ip, 4);
	assert_int_equal(vh_dp_session_install(dp, &a), 0);
	assert_int_equal(vh_dp_session_install(dp, &b), 0);
	memset(x, 0xcc, sizeof(x));
	assert_int_equal(vh_dp_fwd_set(dp, x, &nh, 1), 0);

	assert_int_equal(vh_dp_inject(dp, overlay_frame(1, 5, 0xcc, "hello relay")), 0);
	assert_true(run_until(punt_arrived, &pw));
	{
		struct vh_dp_meta *meta = vh_dp_meta(pw.m);
		const uint8_t *d =
			rte_pktmbuf_mtod_offset(pw.m, const uint8_t *, meta->pkt.payload_off);
		struct vh_veil_data vd;
		size_t plen;

		assert_int_equal(vh_veil_data_decode(d + VH_BIFROST_HDR_LEN,
					 meta->pkt.payload_len - VH_BIFROST_HDR_LEN, &vd),
			0);
		assert_int_equal(vh_get_be16(d - 2), 0); /* no UDP checksum over IPv4 */
		assert_int_equal(vd.receiver, RB);
		assert_true(vd.counter == 40);
		plen = vd.ct_len - 16;
		for (int i = 0; i < 8; i++)
			nonce[4 + i] = (uint8_t)(vd.counter >> (8 * i));
		assert_int_equal(
			crypto_aead_chacha20poly1305_ietf_decrypt_detached(inner, NULL, vd.ct, plen,
				vd.ct + plen, vd.hdr, VH_VEIL_DATA_HDR_LEN, nonce, kb),
			0);
		assert_int_equal(inner[3], VH_BIFROST_DATA);
		assert_int_equal(vh_overlay_decode(
					 inner + VH_BIFROST_HDR_LEN, plen - VH_BIFROST_HDR_LEN, &h),
			VH_OVERLAY_HDR_LEN);
		assert_int_equal(h.hop_limit, 4); /* one hop taken */
		assert_memory_equal(h.dst, x, 32);
		assert_memory_equal(
			inner + VH_BIFROST_HDR_LEN + VH_OVERLAY_HDR_LEN, "hello relay", 11);
	}
	rte_pktmbuf_free(pw.m);
	/* no route and no neighbour closer than us: dropped and counted */
	memset(self, 0x77, 32);
	self[31] ^= 1; /* distance 1 from the destination: nobody is closer */
	vh_dp_set_node_id(dp, self);
	memset(nb[0], 0x00, 32);
	assert_int_equal(vh_dp_neigh_set(dp, (const uint8_t(*)[32])nb, nbi, 1), 0);
	expect_drop(overlay_frame(2, 5, 0x77, "nowhere"), VH_DROP_OVERLAY_NO_ROUTE);
	/* no hops left: punted opened, for the "hop limit exceeded" answer */
	expect_opened(overlay_frame(3, 1, 0xcc, "too far"), 1, "too far");
	/* for this node: delivered to the control lcore, not forwarded */
	memset(self, 0x44, 32);
	vh_dp_set_node_id(dp, self);
	expect_opened(overlay_frame(4, 5, 0x44, "for me"), 0, "for me");
	/* no route, but a neighbour XOR-closer than us: the greedy step relays */
	memset(nb[0], 0x71, 32);
	assert_int_equal(vh_dp_neigh_set(dp, (const uint8_t(*)[32])nb, nbi, 1), 0);
	pw.m = NULL;
	assert_int_equal(vh_dp_inject(dp, overlay_frame(5, 5, 0x70, "greedy")), 0);
	assert_true(run_until(punt_arrived, &pw)); /* sealed to RB, which is not installed */
	assert_int_equal(vh_dp_meta(pw.m)->opened, 0);
	rte_pktmbuf_free(pw.m);
	assert_int_equal(vh_dp_neigh_set(dp, NULL, NULL, 0), 0);
	assert_int_equal(vh_dp_fwd_del(dp, x), 0);
	assert_int_equal(vh_dp_session_remove(dp, LA), 0);
	assert_int_equal(vh_dp_session_remove(dp, LB), 0);
	vh_dp_reclaim(dp);
}

struct node_objs {
	uint64_t bifrost;
	uint64_t classify;
};

static void
sum_objs(unsigned int lcore, const char *node, uint64_t calls, uint64_t objs, uint64_t cycles,
	void *arg)
{
	struct node_objs *s = arg;

	(void)lcore;
	(void)calls;
	(void)cycles;
	if (strcmp(node, "vh_bifrost_in") == 0)
		s->bifrost += objs;
	if (strcmp(node, "vh_classify") == 0)
		s->classify += objs;
}

/* A frame for a port that is not ours is refused and freed, never sent. */
static void
test_inject_bad_port(void **state)
{
	uint8_t payload[16] = {0};
	struct rte_mbuf *m = udp4_frame(ring_port(), peer_mac, PEER_IP, 1, 2, payload, 16);
	unsigned int before = vh_dp_mbufs_in_use(dp);

	(void)state;
	m->port = 999;
	assert_int_equal(vh_dp_inject(dp, m), -EINVAL);
	assert_int_equal(vh_dp_mbufs_in_use(dp), before - 1);
	m = udp4_frame(ring_port(), peer_mac, PEER_IP, 1, 2, payload, 16);
	m->port = RTE_MAX_ETHPORTS - 1;
	assert_int_equal(vh_dp_inject(dp, m), -EINVAL);
}

/* A keepalive under L_INDEX from the peer's address (not our own). */
static struct rte_mbuf *
keepalive_from_peer(uint64_t counter)
{
	uint8_t d[256];
	int n = sealed(d, L_INDEX, counter, key_in, NULL, 0);

	return udp4_frame(
		ring_port(), peer_mac, PEER_IP, 4242, VH_DEFAULT_UDP_PORT, d, (uint16_t)n);
}

static void
src_is(uint32_t ip, uint16_t port)
{
	struct vh_dp_session_stats st;
	uint8_t want[4];

	assert_int_equal(vh_dp_session_stats(dp, L_INDEX, &st), 0);
	assert_int_equal(st.src_ip_ver, 4);
	vh_put_be32(want, ip);
	assert_memory_equal(st.src_ip, want, 4);
	assert_int_equal(st.src_port, port);
}

/*
 * One replay window per keypair, whoever opens its frames: what the workers
 * accepted the control lcore's check refuses, what the control lcore marked
 * the workers drop; a newer endpoint keeps window, counters and send
 * counter; only a newest-counter frame is noted as a roaming source.
 */
static void
test_session_shared_window(void **state)
{
	struct vh_dp_session_conf c = {
		.local_index = L_INDEX, .has_endpoint = true, .ip_ver = 4, .dst_port = 4242};
	struct vh_dp_session_stats st, st2;
	uint64_t rx;

	(void)state;
	assert_int_equal(vh_dp_session_stats(dp, L_INDEX, &st), 0);
	rx = st.rx_packets;
	/* 5000 + 2048 + 99 was the last frame the workers accepted */
	assert_int_equal(vh_dp_session_replay_check(dp, L_INDEX, 5000 + 2048 + 99), -EALREADY);
	assert_int_equal(vh_dp_session_replay_update(dp, L_INDEX, 5000 + 2048 + 99), -EALREADY);
	assert_int_equal(vh_dp_session_replay_check(dp, L_INDEX, 5000 + 2048 + 98), 0);
	/* marked by the control lcore: newest (1), then an older unseen one (0) */
	assert_int_equal(vh_dp_session_replay_update(dp, L_INDEX, 9000), 1);
	assert_int_equal(vh_dp_session_replay_update(dp, L_INDEX, 8999), 0);
	assert_int_equal(vh_dp_session_replay_update(dp, L_INDEX, 8999), -EALREADY);
	assert_int_equal(vh_dp_session_replay_update(dp, L_INDEX + 1, 1), -ENOENT);
	expect_drop(link_frame(9000, NULL, 0), VH_DROP_VEIL_REPLAY);
	expect_drop(link_frame(8999, NULL, 0), VH_DROP_VEIL_REPLAY);
	/* an older frame from elsewhere is accepted but moves no hint */
	src_is(NODE_IP, VH_DEFAULT_UDP_PORT);
	assert_int_equal(vh_dp_inject(dp, keepalive_from_peer(8998)), 0);
	wait_rx(rx + 1);
	src_is(NODE_IP, VH_DEFAULT_UDP_PORT);
	assert_int_equal(vh_dp_inject(dp, keepalive_from_peer(9001)), 0);
	wait_rx(rx + 2);
	src_is(PEER_IP, 4242);
	/* a new endpoint: same session, same window and counters */
	vh_put_be32(c.dst_ip, PEER_IP);
	memcpy(c.dst_mac, peer_mac, 6);
	assert_int_equal(vh_dp_session_stats(dp, L_INDEX, &st), 0);
	assert_int_equal(vh_dp_session_set_endpoint(dp, &c), 0);
	assert_int_equal(vh_dp_session_stats(dp, L_INDEX, &st2), 0);
	assert_true(st2.rx_packets == st.rx_packets && st2.send_counter == st.send_counter);
	expect_drop(keepalive_from_peer(9001), VH_DROP_VEIL_REPLAY);
	expect_drop(link_frame(8998, NULL, 0), VH_DROP_VEIL_REPLAY);
	c.has_endpoint = false;
	assert_int_equal(vh_dp_session_set_endpoint(dp, &c), -EINVAL);
	c.has_endpoint = true;
	c.local_index = L_INDEX + 1;
	assert_int_equal(vh_dp_session_set_endpoint(dp, &c), -ENOENT);
}

static void
test_graph_counters(void **state)
{
	struct node_objs seen = {0, 0};

	(void)state;
	vh_dp_graph_stats(dp, sum_objs, &seen);
	/* echo request + its reply + 3 bifrost-level malformed frames + not-for-us frame */
	assert_true(seen.bifrost >= 5);
	assert_true(seen.classify >= seen.bifrost + 2);
}

/* The ring port, and a null port that only sends. */
static struct vh_dp_conf
make_conf(void)
{
	struct vh_dp_conf c;

	eal_ring_conf(&c, node_mac, NODE_IP, multi);
	c.n_ports = 2;
	c.ports[1] = c.ports[0];
	c.ports[1].has_mac = false;
	memset(c.ports[1].ifc.mac, 0, 6);
	snprintf(c.ports[1].name, sizeof(c.ports[1].name), "null0");
	snprintf(c.ports[1].devargs, sizeof(c.ports[1].devargs), "net_null0,no-rx=1");
	c.ports[1].ifc.ip4 = rte_cpu_to_be_32(RTE_IPV4(10, 2, 0, 1));
	return c;
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_echo_answered_in_data_plane),
		cmocka_unit_test(test_malformed_dropped_by_reason),
		cmocka_unit_test(test_arp_request_punted),
		cmocka_unit_test(test_null_port_sends),
		cmocka_unit_test(test_inject_bad_port),
		cmocka_unit_test(test_session_echo_on_workers),
		cmocka_unit_test(test_session_replay_auth_keepalive),
		cmocka_unit_test(test_session_replay_window_depth),
		cmocka_unit_test(test_session_shared_window),
		cmocka_unit_test(test_session_remove_and_slots),
		cmocka_unit_test(test_forwarding_table),
		cmocka_unit_test(test_relay_between_sessions),
		cmocka_unit_test(test_graph_counters),
	};
	char prefix[64];
	char *eal[] = {argv[0], "--no-huge", "-m", "128", "--no-pci", "--file-prefix", prefix, "-l",
		multi ? "0-1" : "0", "--log-level", "lib.eal:warning", NULL};
	struct vh_dp_conf conf;
	unsigned int in_use = 1;
	int failed;

	multi = argc > 1 && strcmp(argv[1], "multi") == 0;
	eal[8] = multi ? "0-1" : "0";
	snprintf(prefix, sizeof(prefix), "vh-test-dp-%d", getpid());
	if (rte_eal_init(RTE_DIM(eal) - 1, eal) < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	conf = make_conf();
	dp = vh_dp_create(&conf);
	if (dp == NULL) {
		fprintf(stderr, "vh_dp_create failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	if (vh_dp_launch(dp) != 0)
		return 1;
	failed = cmocka_run_group_tests_name(multi ? "dp_multi" : "dp_single", tests, NULL, NULL);
	/* leave frames in flight: shutdown must still account for every mbuf */
	for (int i = 0; i < 16; i++) {
		uint8_t pl[16] = {0};

		vh_dp_inject(dp, udp4_frame(ring_port(), peer_mac, PEER_IP, 1, 2, pl, 16));
	}
	vh_dp_destroy(dp, &in_use);
	printf("shutdown: mbufs in use %u\n", in_use);
	rte_eal_cleanup();
	return failed || in_use != 0;
}
