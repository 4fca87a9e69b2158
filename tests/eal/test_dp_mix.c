/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vh_mix on the data plane with EAL (--no-huge), as test_dp.c runs the
 * graph: net_ring0 loops frames back. Sphinx packets arrive inside LINK_DATA
 * of session LA addressed to this node; a forwarded packet leaves sealed on
 * session LB, whose endpoint is ourselves and whose remote index is not
 * installed, so it comes back and is punted unopened: the test opens it and
 * reads the overlay header the mixnode wrote. Checks: unwrap and forward,
 * delay order and no early release, replay dropped, wheel full, last hop
 * punted as DELIVER, key rotation (previous key still works, a wiped one
 * does not), no keys: punted untouched. Run as "single" or "multi".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_udp.h>
#include <sodium.h>

#include "vh_bifrost.h"
#include "vh_dp.h"
#include "vh_mix.h"
#include "vh_overlay.h"
#include "vh_veil.h"
#include "vh_ygg.h"

#include "eal_frames.h"

static struct vh_dp *dp;
static bool multi;
static struct vh_sphinx_geometry geo;
static const uint8_t node_mac[6] = {0x02, 0, 0, 0, 0, 0x01};
#define NODE_IP RTE_IPV4(10, 1, 0, 1)
#define LA 0x7007u
#define LB 0x8008u
#define RB 0x9009u
#define HOP_LIMIT 9
#define WHEEL 4
static const uint8_t ka[32] = {0x1a}, kb[32] = {0x2b};
static uint8_t self_id[32], priv1[32], pub1[32], priv2[32], pub2[32];
static uint64_t link_counter = 1;

static int
rng(void *ctx, uint8_t *buf, size_t len)
{
	(void)ctx;
	randombytes_buf(buf, len);
	return 0;
}

static struct rte_mbuf *
udp4_frame(const uint8_t *payload, uint16_t len)
{
	return eal_udp4_frame(dp, (uint16_t)vh_dp_port_id(dp, 0), node_mac, node_mac, NODE_IP,
		NODE_IP, VH_DEFAULT_UDP_PORT, VH_DEFAULT_UDP_PORT, payload, len);
}

static void
nonce_of(uint8_t nonce[12], uint64_t counter)
{
	memset(nonce, 0, 12);
	for (int i = 0; i < 8; i++)
		nonce[4 + i] = (uint8_t)(counter >> (8 * i));
}

/* A MIX overlay packet to us ([0][Sphinx packet]) sealed on session LA. */
static struct rte_mbuf *
mix_frame(const uint8_t *pkt)
{
	struct vh_overlay_hdr h = {.hop_limit = 5, .payload_type = VH_OVERLAY_T_MIX};
	size_t plen = 1 + geo.packet_len, ilen = VH_BIFROST_HDR_LEN + VH_OVERLAY_HDR_LEN + plen;
	uint8_t inner[1500], d[1600], nonce[12];
	uint8_t *lh = d + VH_BIFROST_HDR_LEN;
	uint64_t counter = link_counter++;

	memcpy(h.dst, self_id, 32);
	memset(h.src, 0x5a, 32);
	vh_bifrost_encode_header(inner, sizeof(inner), VH_BIFROST_DATA, (uint32_t)(ilen - 8));
	vh_overlay_encode(&h, inner + VH_BIFROST_HDR_LEN, VH_OVERLAY_HDR_LEN);
	inner[VH_BIFROST_HDR_LEN + VH_OVERLAY_HDR_LEN] = VH_DP_MIX_SPHINX;
	memcpy(inner + VH_BIFROST_HDR_LEN + VH_OVERLAY_HDR_LEN + 1, pkt, geo.packet_len);
	vh_bifrost_encode_header(
		d, sizeof(d), VH_BIFROST_LINK_DATA, (uint32_t)(VH_VEIL_DATA_MIN_LEN + ilen));
	vh_veil_data_hdr_encode(lh, LA, counter);
	nonce_of(nonce, counter);
	crypto_aead_chacha20poly1305_ietf_encrypt_detached(lh + VH_VEIL_DATA_HDR_LEN,
		lh + VH_VEIL_DATA_HDR_LEN + ilen, NULL, inner, ilen, lh, VH_VEIL_DATA_HDR_LEN, NULL,
		nonce, ka);
	return udp4_frame(d, (uint16_t)(VH_BIFROST_HDR_LEN + VH_VEIL_DATA_MIN_LEN + ilen));
}

/* A packet for [us (pub), next]: NodeDelay(delay) here; or, with next NULL, one hop. */
static void
make_packet(const uint8_t *pub, const uint8_t *next, uint32_t delay, uint8_t *out)
{
	struct vh_sphinx_cmd d = {.type = VH_SPHINX_CMD_NODE_DELAY, .u.delay = delay};
	struct vh_sphinx_cmd r = {.type = VH_SPHINX_CMD_RECIPIENT};
	struct vh_sphinx_hop path[2];
	uint8_t payload[2048] = {0}, sk[32];

	memset(r.u.recipient, 0xee, 32);
	memcpy(path[0].id, self_id, 32);
	memcpy(path[0].public_key, pub, 32);
	path[0].cmds = next != NULL ? &d : &r;
	path[0].nr_cmds = 1;
	if (next != NULL) {
		memcpy(path[1].id, next, 32);
		randombytes_buf(sk, 32);
		crypto_scalarmult_base(path[1].public_key, sk);
		path[1].cmds = &r;
		path[1].nr_cmds = 1;
	}
	/* DELIVER's payload layout: flags 0, reserved 0, no SURB, length 5 */
	vh_put_be32(payload + 2 + geo.surb_len, 5);
	memcpy(payload + 6 + geo.surb_len, "hello", 5);
	assert_int_equal(vh_sphinx_new_packet(&geo, path, next != NULL ? 2 : 1, payload,
				 geo.forward_payload_len, rng, NULL, out, geo.packet_len),
		0);
}

static uint64_t
drops(enum vh_drop reason)
{
	struct vh_dp_lcore_stats st;
	uint64_t sum = 0;

	for (unsigned int i = 0; i < vh_dp_lcore_count(dp); i++) {
		vh_dp_lcore_stats(dp, i, &st);
		sum += st.drops[reason];
	}
	return sum;
}

static void
step(void)
{
	if (multi)
		usleep(100);
	else
		vh_dp_walk(dp);
}

/* The next punted packet within ms milliseconds, or NULL. */
static struct rte_mbuf *
next_punt(unsigned int ms)
{
	uint64_t end = rte_get_tsc_cycles() + rte_get_tsc_hz() / 1000 * ms;
	struct rte_mbuf *m = NULL;

	while (rte_get_tsc_cycles() < end) {
		if (vh_dp_punt_dequeue(dp, &m, 1) == 1)
			return m;
		step();
	}
	return NULL;
}

static bool
wait_drop(enum vh_drop reason, uint64_t count)
{
	for (int i = 0; i < 20000 && drops(reason) < count; i++)
		step();
	return drops(reason) >= count;
}

/* Open a forwarded packet (sealed to RB): its overlay header into h. */
static void
open_forwarded(struct rte_mbuf *m, struct vh_overlay_hdr *h)
{
	struct vh_dp_meta *meta = vh_dp_meta(m);
	const uint8_t *d = rte_pktmbuf_mtod_offset(m, const uint8_t *, meta->pkt.payload_off);
	uint8_t inner[1600], nonce[12];
	struct vh_veil_data vd;
	size_t plen;

	assert_int_equal(meta->opened, 0);
	assert_int_equal(vh_veil_data_decode(d + VH_BIFROST_HDR_LEN,
				 meta->pkt.payload_len - VH_BIFROST_HDR_LEN, &vd),
		0);
	assert_int_equal(vd.receiver, RB);
	plen = vd.ct_len - 16;
	nonce_of(nonce, vd.counter);
	assert_int_equal(crypto_aead_chacha20poly1305_ietf_decrypt_detached(inner, NULL, vd.ct,
				 plen, vd.ct + plen, vd.hdr, VH_VEIL_DATA_HDR_LEN, nonce, kb),
		0);
	assert_int_equal(plen, VH_BIFROST_HDR_LEN + VH_OVERLAY_HDR_LEN + 1 + geo.packet_len);
	assert_int_equal(
		vh_overlay_decode(inner + VH_BIFROST_HDR_LEN, plen - 8, h), VH_OVERLAY_HDR_LEN);
	assert_int_equal(inner[VH_BIFROST_HDR_LEN + VH_OVERLAY_HDR_LEN], VH_DP_MIX_SPHINX);
}

static const struct vh_dp_mix_conf mix_conf = {.hops = 2,
	.payload_len = 64,
	.wheel_entries = WHEEL,
	.max_delay_ms = 5000,
	.replay_capacity = 1000,
	.replay_fp_rate = 1e-9,
	.hop_limit = HOP_LIMIT};

static void
set_keys(const uint8_t *a, uint64_t ea, const uint8_t *b, uint64_t eb)
{
	struct vh_dp_mix_key k[2] = {{.epoch = ea}, {.epoch = eb}};

	memcpy(k[0].priv, a, 32);
	if (b != NULL)
		memcpy(k[1].priv, b, 32);
	assert_int_equal(vh_dp_mix_keys_set(dp, k, b != NULL ? 2 : 1), 0);
}

static void
test_no_keys_punted(void **state)
{
	uint8_t pkt[2048], next[32];
	struct rte_mbuf *m;

	(void)state;
	memset(next, 0xc1, 32);
	make_packet(pub1, next, 10, pkt);
	assert_int_equal(vh_dp_inject(dp, mix_frame(pkt)), 0);
	m = next_punt(2000);
	assert_non_null(m);
	assert_int_equal(vh_dp_meta(m)->opened, 1);
	/* untouched: the control lcore unwraps it */
	assert_memory_equal(rte_pktmbuf_mtod_offset(m, uint8_t *,
				    vh_dp_meta(m)->inner_off + 8 + VH_OVERLAY_HDR_LEN + 1),
		pkt, geo.packet_len);
	rte_pktmbuf_free(m);
}

static void
test_delay_order(void **state)
{
	static const uint32_t delay[3] = {60, 20, 40};
	static const uint8_t want[3] = {0xc2, 0xc3, 0xc1};
	struct vh_dp_mix_stats st;
	uint8_t pkt[3][2048], next[32];
	uint64_t t0, hz_ms = rte_get_tsc_hz() / 1000;

	(void)state;
	set_keys(priv1, 1, NULL, 0);
	for (int i = 0; i < 3; i++) {
		memset(next, 0xc1 + i, 32);
		make_packet(pub1, next, delay[i], pkt[i]);
	}
	t0 = rte_get_tsc_cycles();
	for (int i = 0; i < 3; i++)
		assert_int_equal(vh_dp_inject(dp, mix_frame(pkt[i])), 0);
	for (int i = 0; i < 3; i++) {
		struct rte_mbuf *m = next_punt(2000);
		struct vh_overlay_hdr h;
		uint64_t ms = (rte_get_tsc_cycles() - t0) / hz_ms;

		assert_non_null(m);
		open_forwarded(m, &h);
		printf("forwarded to %02x after %lu ms\n", h.dst[0], (unsigned long)ms);
		assert_int_equal(h.dst[0], want[i]);
		assert_true(ms >= (uint64_t)delay[(want[i] - 0xc1)]);
		assert_memory_equal(h.src, self_id, 32);
		assert_int_equal(h.hop_limit, HOP_LIMIT - 1); /* fresh, then one hop taken */
		rte_pktmbuf_free(m);
	}
	vh_dp_mix_stats_get(dp, &st);
	assert_true(st.unwrapped >= 3 && st.forwarded >= 3 && st.delayed >= 3);
	assert_int_equal(st.wheel_held, 0);
	{
		float asked[16], held[16];
		unsigned int n = vh_dp_mix_delays(dp, asked, held, 16);

		assert_int_equal(n, 3);
		for (unsigned int i = 0; i < n; i++) {
			printf("asked %.0f ms, held %.2f ms\n", asked[i], held[i]);
			assert_true(held[i] >= asked[i] && held[i] < asked[i] + 20);
		}
	}
}

static void
test_replay_dropped(void **state)
{
	uint8_t pkt[2048], next[32];
	uint64_t before = drops(VH_DROP_MIX_REPLAY);
	struct rte_mbuf *m;

	(void)state;
	memset(next, 0xc4, 32);
	make_packet(pub1, next, 0, pkt);
	assert_int_equal(vh_dp_inject(dp, mix_frame(pkt)), 0);
	m = next_punt(2000);
	assert_non_null(m);
	rte_pktmbuf_free(m);
	assert_int_equal(vh_dp_inject(dp, mix_frame(pkt)), 0);
	assert_true(wait_drop(VH_DROP_MIX_REPLAY, before + 1));
	assert_null(next_punt(100));
}

/*
 * The control lcore unwraps with the workers' filters: a packet the workers
 * unwrapped is a replay there, and one it unwrapped first is dropped by the
 * workers.
 */
static void
test_control_shares_filter(void **state)
{
	uint8_t pkt[2048], copy[2048], next[32];
	struct vh_sphinx_unwrap_result res;
	uint64_t before = drops(VH_DROP_MIX_REPLAY);
	struct rte_mbuf *m;

	(void)state;
	memset(next, 0xc5, 32);
	make_packet(pub1, next, 0, pkt);
	memcpy(copy, pkt, geo.packet_len);
	assert_int_equal(vh_dp_inject(dp, mix_frame(pkt)), 0);
	m = next_punt(2000);
	assert_non_null(m);
	rte_pktmbuf_free(m);
	assert_int_equal(vh_dp_mix_unwrap(dp, copy, geo.packet_len, &res), -EALREADY);
	make_packet(pub1, next, 0, pkt);
	memcpy(copy, pkt, geo.packet_len);
	assert_int_equal(vh_dp_mix_unwrap(dp, copy, geo.packet_len, &res), 0);
	assert_int_equal(vh_dp_mix_unwrap(dp, pkt, geo.packet_len - 1, &res), -EINVAL);
	assert_int_equal(vh_dp_inject(dp, mix_frame(pkt)), 0);
	assert_true(wait_drop(VH_DROP_MIX_REPLAY, before + 1));
	assert_null(next_punt(100));
}

static void
test_wheel_full(void **state)
{
	uint8_t pkt[2048], next[32];
	uint64_t before = drops(VH_DROP_MIX_WHEEL_FULL);
	struct vh_dp_mix_stats st;

	(void)state;
	memset(next, 0xc5, 32);
	for (int i = 0; i < WHEEL + 1; i++) {
		make_packet(pub1, next, 300, pkt);
		assert_int_equal(vh_dp_inject(dp, mix_frame(pkt)), 0);
	}
	assert_true(wait_drop(VH_DROP_MIX_WHEEL_FULL, before + 1));
	vh_dp_mix_stats_get(dp, &st);
	/* one lcore holds them all in both modes (one worker or the main lcore) */
	assert_int_equal(st.wheel_held, WHEEL);
	assert_int_equal(st.wheel_capacity, WHEEL);
	for (int i = 0; i < WHEEL; i++) {
		struct rte_mbuf *m = next_punt(2000);

		assert_non_null(m);
		rte_pktmbuf_free(m);
	}
}

static void
test_last_hop_delivered(void **state)
{
	uint8_t pkt[2048];
	struct rte_mbuf *m;
	const uint8_t *p;

	(void)state;
	make_packet(pub1, NULL, 0, pkt);
	assert_int_equal(vh_dp_inject(dp, mix_frame(pkt)), 0);
	m = next_punt(2000);
	assert_non_null(m);
	assert_int_equal(vh_dp_meta(m)->opened, 1);
	p = rte_pktmbuf_mtod_offset(m, const uint8_t *, vh_dp_meta(m)->inner_off + 8);
	assert_memory_equal(p + 40, self_id, 32); /* src: produced here */
	p += VH_OVERLAY_HDR_LEN;
	assert_int_equal(p[0], VH_DP_MIX_DELIVER);
	for (int i = 0; i < 32; i++)
		assert_int_equal(p[1 + i], 0xee);
	assert_int_equal(vh_get_be16(p + 33), 0); /* no SURB */
	assert_int_equal(vh_get_be16(p + 35), 5);
	assert_memory_equal(p + 37, "hello", 5);
	rte_pktmbuf_free(m);
}

static void
test_key_rotation(void **state)
{
	uint8_t pkt[2048], next[32];
	uint64_t before = drops(VH_DROP_MIX_UNWRAP);
	struct rte_mbuf *m;

	(void)state;
	memset(next, 0xc6, 32);
	/* epoch 2 current, epoch 1 previous: an epoch-1 packet still unwraps */
	set_keys(priv2, 2, priv1, 1);
	make_packet(pub1, next, 0, pkt);
	assert_int_equal(vh_dp_inject(dp, mix_frame(pkt)), 0);
	m = next_punt(2000);
	assert_non_null(m);
	rte_pktmbuf_free(m);
	/* the epoch-1 filter carried over: the same packet is still a replay */
	before = drops(VH_DROP_MIX_REPLAY);
	assert_int_equal(vh_dp_inject(dp, mix_frame(pkt)), 0);
	assert_true(wait_drop(VH_DROP_MIX_REPLAY, before + 1));
	/* epoch 1 wiped: its packets no longer unwrap */
	before = drops(VH_DROP_MIX_UNWRAP);
	set_keys(priv2, 2, NULL, 0);
	make_packet(pub1, next, 0, pkt);
	assert_int_equal(vh_dp_inject(dp, mix_frame(pkt)), 0);
	assert_true(wait_drop(VH_DROP_MIX_UNWRAP, before + 1));
	make_packet(pub2, next, 0, pkt);
	assert_int_equal(vh_dp_inject(dp, mix_frame(pkt)), 0);
	m = next_punt(2000);
	assert_non_null(m);
	rte_pktmbuf_free(m);
}

struct saved_filter {
	struct vh_mix_replay *f;
	uint64_t epoch;
	unsigned int calls;
};

static void
save_cb(void *arg, uint64_t epoch, const struct vh_mix_replay *f)
{
	struct saved_filter *sv = arg;

	sv->calls++;
	sv->epoch = epoch;
	assert_int_equal(vh_mix_replay_copy(sv->f, f), 0);
}

/* Re-enable the mixnode with key 2 and, optionally, a saved filter for it. */
static void
restart_with(const struct vh_mix_replay *f)
{
	struct vh_dp_mix_key k = {.epoch = 2, .replay = f};

	assert_int_equal(vh_dp_mix_enable(dp, &mix_conf), 0);
	memcpy(k.priv, priv2, 32);
	assert_int_equal(vh_dp_mix_keys_set(dp, &k, 1), 0);
}

/*
 * A key's filter handed out at disable (vh_dp_mix_disable_export) and given
 * back with the key (vh_dp_mix_key.replay): the packet seen before is still
 * a replay; without it the same packet unwraps again.
 */
static void
test_filter_export_import(void **state)
{
	struct saved_filter sv = {
		.f = vh_mix_replay_create(mix_conf.replay_capacity, mix_conf.replay_fp_rate)};
	struct vh_mix_replay *wrong = vh_mix_replay_create(10 * mix_conf.replay_capacity, 1e-9);
	struct vh_dp_mix_key k = {.epoch = 2, .replay = wrong};
	uint8_t pkt[2048], next[32];
	uint64_t before;
	struct rte_mbuf *m;

	(void)state;
	memset(next, 0xc6, 32);
	set_keys(priv2, 2, NULL, 0);
	make_packet(pub2, next, 0, pkt);
	assert_int_equal(vh_dp_inject(dp, mix_frame(pkt)), 0);
	m = next_punt(2000);
	assert_non_null(m);
	rte_pktmbuf_free(m);
	vh_dp_mix_disable_export(dp, save_cb, &sv);
	assert_int_equal(sv.calls, 1);
	assert_int_equal(sv.epoch, 2);
	assert_true(vh_mix_replay_count(sv.f) >= 1); /* and test_key_rotation's */

	/* given back: the packet is a replay */
	restart_with(sv.f);
	before = drops(VH_DROP_MIX_REPLAY);
	assert_int_equal(vh_dp_inject(dp, mix_frame(pkt)), 0);
	assert_true(wait_drop(VH_DROP_MIX_REPLAY, before + 1));
	assert_null(next_punt(100));
	/* a filter of another sizing is refused, the set in force kept */
	k.epoch = 3;
	memcpy(k.priv, priv1, 32);
	assert_int_equal(vh_dp_mix_keys_set(dp, &k, 1), -EINVAL);

	/* not given back: the same packet unwraps again (what a restart did before) */
	vh_dp_mix_disable(dp);
	restart_with(NULL);
	assert_int_equal(vh_dp_inject(dp, mix_frame(pkt)), 0);
	m = next_punt(2000);
	assert_non_null(m);
	rte_pktmbuf_free(m);
	vh_mix_replay_free(sv.f);
	vh_mix_replay_free(wrong);
}

static void
setup_routes(void)
{
	struct vh_dp_session_conf a = {.local_index = LA, .remote_index = 1};
	struct vh_dp_session_conf b = {.local_index = LB,
		.remote_index = RB,
		.has_endpoint = true,
		.port_idx = 0,
		.ip_ver = 4,
		.dst_port = VH_DEFAULT_UDP_PORT};
	uint32_t ip = rte_cpu_to_be_32(NODE_IP), nh = LB;
	uint8_t x[32];

	memcpy(a.recv_key, ka, 32);
	memcpy(b.send_key, kb, 32);
	memcpy(b.dst_mac, node_mac, 6);
	memcpy(b.dst_ip, &ip, 4);
	assert_int_equal(vh_dp_session_install(dp, &a), 0);
	assert_int_equal(vh_dp_session_install(dp, &b), 0);
	for (int i = 0; i < 8; i++) {
		memset(x, 0xc1 + i, 32);
		assert_int_equal(vh_dp_fwd_set(dp, x, &nh, 1), 0);
	}
	memset(self_id, 0x44, 32);
	vh_dp_set_node_id(dp, self_id);
	assert_int_equal(vh_sphinx_geometry_init(&geo, 2, 64, true), 0);
	assert_int_equal(vh_dp_mix_enable(dp, &mix_conf), 0);
	assert_int_equal(vh_dp_mix_enable(dp, &mix_conf), -EEXIST);
	randombytes_buf(priv1, 32);
	randombytes_buf(priv2, 32);
	crypto_scalarmult_base(pub1, priv1);
	crypto_scalarmult_base(pub2, priv2);
}

static struct vh_dp_conf
make_conf(void)
{
	struct vh_dp_conf c;

	eal_ring_conf(&c, node_mac, NODE_IP, multi);
	return c;
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_keys_punted),
		cmocka_unit_test(test_delay_order),
		cmocka_unit_test(test_replay_dropped),
		cmocka_unit_test(test_control_shares_filter),
		cmocka_unit_test(test_wheel_full),
		cmocka_unit_test(test_last_hop_delivered),
		cmocka_unit_test(test_key_rotation),
		cmocka_unit_test(test_filter_export_import),
	};
	char prefix[64];
	char *eal[] = {argv[0], "--no-huge", "-m", "128", "--no-pci", "--file-prefix", prefix, "-l",
		"0", "--log-level", "lib.eal:warning", NULL};
	struct vh_dp_conf conf;
	unsigned int in_use = 1;
	uint8_t pkt[2048], next[32];
	int failed;

	multi = argc > 1 && strcmp(argv[1], "multi") == 0;
	eal[8] = multi ? "0-1" : "0";
	snprintf(prefix, sizeof(prefix), "vh-test-dpmix-%d", getpid());
	if (sodium_init() < 0 || rte_eal_init(RTE_DIM(eal) - 1, eal) < 0)
		return 1;
	if (vh_mix_cpu_supported(NULL) != 0) {
		printf("skipped: no AES-NI, the Sphinx core cannot run\n");
		return 77;
	}
	conf = make_conf();
	dp = vh_dp_create(&conf);
	if (dp == NULL || vh_dp_launch(dp) != 0)
		return 1;
	setup_routes();
	failed = cmocka_run_group_tests_name(
		multi ? "dp_mix_multi" : "dp_mix_single", tests, NULL, NULL);
	/* packets still in a wheel at shutdown are freed with the graphs */
	memset(next, 0xc7, 32);
	make_packet(pub2, next, 4000, pkt);
	vh_dp_inject(dp, mix_frame(pkt));
	for (int i = 0; i < 200; i++)
		step();
	vh_dp_mix_disable(dp);
	vh_dp_destroy(dp, &in_use);
	printf("shutdown: mbufs in use %u\n", in_use);
	rte_eal_cleanup();
	return failed || in_use != 0;
}
