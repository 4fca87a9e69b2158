/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vh-perf-mix-graph: Sphinx unwrap-and-forward through the data-plane graph
 * on one worker lcore, against bare X25519 in the same invocation.
 *
 * The node has one loopback port (net_ring0). The control lcore (lcore 0)
 * injects MIX overlay packets addressed to the node, sealed in LINK_DATA of
 * session LA; the worker (lcore 1) runs the whole path: rx, classify,
 * bifrost_in, link_decrypt, overlay_fwd, vh_mix (replay check, unwrap with
 * the epoch key, NodeDelay 0, wheel), vh_mix_out, overlay_fwd, link_encrypt,
 * tx; the forwarded frame loops back in, is sealed to an index not
 * installed and is punted, which is how the control lcore counts it done.
 * Packets come from a pool built beforehand (5 hops, 200-byte payload with
 * SURB room: 1282-byte packets that fit a 1500-byte frame); each round
 * publishes the key under a new epoch, so the pool's packets are new to
 * the replay filter again.
 *
 * X25519 ceiling: libsodium crypto_scalarmult on the control lcore, rounds
 * alternating with the graph rounds; the best round of each counts. The
 * worker's cycles per packet come from the graph's own node counters.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
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

#define LA 0x7007u
#define LB 0x8008u
#define RB 0x9009u
#define HOPS 5
#define PAYLOAD 200
#define IN_FLIGHT 256

static const uint8_t mac[6] = {0x02, 0, 0, 0, 0, 0x01};
static const uint8_t ka[32] = {0x1a}, kb[32] = {0x2b};
static struct vh_dp *dp;
static struct vh_sphinx_geometry geo;
static uint8_t self_id[32], next_id[32], priv[32], pub[32];
static uint64_t counter = 1;

static int
rng(void *ctx, uint8_t *buf, size_t len)
{
	(void)ctx;
	randombytes_buf(buf, len);
	return 0;
}

/* Ethernet/IPv4/UDP around a sealed LINK_DATA holding [overlay][0][pkt]. */
static struct rte_mbuf *
frame(const uint8_t *pkt)
{
	struct vh_overlay_hdr h = {.hop_limit = 5, .payload_type = VH_OVERLAY_T_MIX};
	size_t ilen = VH_BIFROST_HDR_LEN + VH_OVERLAY_HDR_LEN + 1 + geo.packet_len;
	size_t dlen = VH_BIFROST_HDR_LEN + VH_VEIL_DATA_MIN_LEN + ilen;
	struct rte_mbuf *m = rte_pktmbuf_alloc(vh_dp_mempool(dp));
	uint8_t inner[1500], nonce[12] = {0}, *d, *lh;
	struct rte_ether_hdr *eh;
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *udp;

	if (m == NULL)
		return NULL;
	eh = (struct rte_ether_hdr *)rte_pktmbuf_append(m, sizeof(*eh) + 28 + dlen);
	memcpy(h.dst, self_id, 32);
	memset(h.src, 0x5a, 32);
	vh_bifrost_encode_header(inner, sizeof(inner), VH_BIFROST_DATA, (uint32_t)(ilen - 8));
	vh_overlay_encode(&h, inner + 8, VH_OVERLAY_HDR_LEN);
	inner[8 + VH_OVERLAY_HDR_LEN] = VH_DP_MIX_SPHINX;
	memcpy(inner + 9 + VH_OVERLAY_HDR_LEN, pkt, geo.packet_len);
	memcpy(eh->dst_addr.addr_bytes, mac, 6);
	memcpy(eh->src_addr.addr_bytes, mac, 6);
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip = (struct rte_ipv4_hdr *)(eh + 1);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(28 + dlen);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = ip->dst_addr = rte_cpu_to_be_32(RTE_IPV4(10, 1, 0, 1));
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp = (struct rte_udp_hdr *)(ip + 1);
	udp->src_port = udp->dst_port = rte_cpu_to_be_16(VH_DEFAULT_UDP_PORT);
	udp->dgram_len = rte_cpu_to_be_16(8 + dlen);
	udp->dgram_cksum = 0;
	d = (uint8_t *)(udp + 1);
	lh = d + VH_BIFROST_HDR_LEN;
	vh_bifrost_encode_header(d, dlen, VH_BIFROST_LINK_DATA, (uint32_t)(dlen - 8));
	vh_veil_data_hdr_encode(lh, LA, counter);
	for (int i = 0; i < 8; i++)
		nonce[4 + i] = (uint8_t)(counter >> (8 * i));
	counter++;
	crypto_aead_chacha20poly1305_ietf_encrypt_detached(lh + VH_VEIL_DATA_HDR_LEN,
		lh + VH_VEIL_DATA_HDR_LEN + ilen, NULL, inner, ilen, lh, VH_VEIL_DATA_HDR_LEN, NULL,
		nonce, ka);
	udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp); /* after the payload */
	m->port = (uint16_t)vh_dp_port_id(dp, 0);
	return m;
}

static uint8_t *
build_pool(unsigned int n)
{
	struct vh_sphinx_cmd d = {.type = VH_SPHINX_CMD_NODE_DELAY, .u.delay = 0};
	struct vh_sphinx_cmd r = {.type = VH_SPHINX_CMD_RECIPIENT};
	struct vh_sphinx_hop path[2];
	uint8_t *pool = malloc((size_t)n * geo.packet_len), *payload, sk[32];

	payload = calloc(1, geo.forward_payload_len);
	memcpy(path[0].id, self_id, 32);
	memcpy(path[0].public_key, pub, 32);
	path[0].cmds = &d;
	path[0].nr_cmds = 1;
	memcpy(path[1].id, next_id, 32);
	randombytes_buf(sk, 32);
	crypto_scalarmult_base(path[1].public_key, sk);
	path[1].cmds = &r;
	path[1].nr_cmds = 1;
	for (unsigned int i = 0; i < n; i++)
		if (vh_sphinx_new_packet(&geo, path, 2, payload, geo.forward_payload_len, rng, NULL,
			    pool + (size_t)i * geo.packet_len, geo.packet_len) != 0)
			exit(1);
	free(payload);
	return pool;
}

struct cyc {
	uint64_t objs, cycles; /* vh_mix: packets and cycles */
	uint64_t all_cycles;   /* every node of the worker's graph */
};

static void
node_cb(unsigned int lcore, const char *node, uint64_t calls, uint64_t objs, uint64_t cycles,
	void *arg)
{
	struct cyc *c = arg;

	(void)lcore;
	(void)calls;
	c->all_cycles += cycles;
	if (strcmp(node, "vh_mix") == 0) {
		c->objs += objs;
		c->cycles += cycles;
	}
}

/* One round: every pool packet through the graph; packets per second. */
static double
graph_round(const uint8_t *pool, unsigned int n, uint64_t epoch, struct cyc *delta)
{
	struct vh_dp_mix_key k = {.epoch = epoch};
	struct rte_mbuf *out[64];
	struct cyc c0 = {0}, c1 = {0};
	unsigned int sent = 0, done = 0;
	uint64_t t0;

	memcpy(k.priv, priv, 32);
	vh_dp_mix_keys_set(dp, &k, 1);
	vh_dp_graph_stats(dp, node_cb, &c0);
	t0 = rte_get_tsc_cycles();
	while (done < n) {
		while (sent < n && sent - done < IN_FLIGHT) {
			struct rte_mbuf *m = frame(pool + (size_t)sent * geo.packet_len);

			if (m == NULL || vh_dp_inject(dp, m) != 0)
				break;
			sent++;
		}
		unsigned int k2 = vh_dp_punt_dequeue(dp, out, RTE_DIM(out));

		rte_pktmbuf_free_bulk(out, k2);
		done += k2;
		vh_dp_reclaim(dp);
		if (rte_get_tsc_cycles() - t0 > rte_get_tsc_hz() * 60)
			break; /* lost packets: report what got through */
	}
	t0 = rte_get_tsc_cycles() - t0;
	vh_dp_graph_stats(dp, node_cb, &c1);
	delta->objs = c1.objs - c0.objs;
	delta->cycles = c1.cycles - c0.cycles;
	delta->all_cycles = c1.all_cycles - c0.all_cycles;
	return done / ((double)t0 / rte_get_tsc_hz());
}

static double
x25519_round(double secs, double *cyc_per_op)
{
	uint8_t s[32], p[32], q[32];
	uint64_t t0 = rte_get_tsc_cycles(), end = t0 + (uint64_t)(secs * rte_get_tsc_hz()), n = 0;

	randombytes_buf(s, 32);
	memcpy(p, pub, 32);
	while (rte_get_tsc_cycles() < end) {
		for (int i = 0; i < 64; i++, n++)
			if (crypto_scalarmult(q, s, p) != 0)
				exit(1);
		p[0] ^= q[0] & 1; /* keep the compiler from hoisting */
	}
	*cyc_per_op = (double)(rte_get_tsc_cycles() - t0) / n;
	return n / ((double)(rte_get_tsc_cycles() - t0) / rte_get_tsc_hz());
}

static int
setup(void)
{
	struct vh_dp_conf c = {.n_ports = 1, .n_workers = 1, .workers = {1}};
	struct vh_dp_session_conf a = {.local_index = LA, .remote_index = 1};
	struct vh_dp_session_conf b = {.local_index = LB,
		.remote_index = RB,
		.has_endpoint = true,
		.ip_ver = 4,
		.dst_port = VH_DEFAULT_UDP_PORT};
	struct vh_dp_mix_conf mc = {.hops = HOPS,
		.payload_len = PAYLOAD,
		.wheel_entries = 4096,
		.max_delay_ms = 1000,
		.replay_capacity = 1000000,
		.replay_fp_rate = 1e-6,
		.hop_limit = 9};
	uint32_t ip = rte_cpu_to_be_32(RTE_IPV4(10, 1, 0, 1)), nh = LB;

	snprintf(c.ports[0].name, sizeof(c.ports[0].name), "ring0");
	snprintf(c.ports[0].devargs, sizeof(c.ports[0].devargs), "net_ring0");
	memcpy(c.ports[0].ifc.mac, mac, 6);
	c.ports[0].has_mac = true;
	c.ports[0].ifc.ip4 = ip;
	c.ports[0].ifc.ip4_plen = 24;
	c.ports[0].mtu = 1500;
	c.ports[0].rx_desc = c.ports[0].tx_desc = 1024;
	c.idle = VH_DP_IDLE_POLL;
	c.mbufs = 8191;
	c.mbuf_cache = 128;
	c.udp_port = VH_DEFAULT_UDP_PORT;
	dp = vh_dp_create(&c);
	if (dp == NULL)
		return -1;
	memcpy(a.recv_key, ka, 32);
	memcpy(b.send_key, kb, 32);
	memcpy(b.dst_mac, mac, 6);
	memcpy(b.dst_ip, &ip, 4);
	memset(self_id, 0x44, 32);
	memset(next_id, 0xcc, 32);
	vh_dp_set_node_id(dp, self_id);
	if (vh_dp_session_install(dp, &a) != 0 || vh_dp_session_install(dp, &b) != 0 ||
		vh_dp_fwd_set(dp, next_id, &nh, 1) != 0 || vh_dp_mix_enable(dp, &mc) != 0)
		return -1;
	return vh_dp_launch(dp);
}

int
main(int argc, char **argv)
{
	char *eal[] = {argv[0], "-l", "0-1", "--no-huge", "-m", "1024", "--no-pci", "--file-prefix",
		"vh-perf-mix", "--log-level", "lib.eal:warning", NULL};
	unsigned int rounds = 5, n = 4096, in_use = 0;
	double best_g = 0, best_x = 0, x_cyc = 0, g_cyc = 0, all_cyc = 0;
	uint8_t *pool;
	int opt;

	while ((opt = getopt(argc, argv, "r:n:")) != -1) {
		if (opt == 'r')
			rounds = (unsigned int)atoi(optarg);
		else if (opt == 'n')
			n = (unsigned int)atoi(optarg);
		else {
			fprintf(stderr,
				"usage: vh-perf-mix-graph [-r rounds] [-n packets per round]\n");
			return 2;
		}
	}
	if (sodium_init() < 0 || rte_eal_init(RTE_DIM(eal) - 1, eal) < 0 ||
		vh_mix_cpu_supported(NULL) != 0)
		return 1;
	randombytes_buf(priv, 32);
	crypto_scalarmult_base(pub, priv);
	if (vh_sphinx_geometry_init(&geo, HOPS, PAYLOAD, true) != 0 || setup() != 0) {
		fprintf(stderr, "setup failed\n");
		return 1;
	}
	printf("building %u packets of %zu bytes...\n", n, geo.packet_len);
	pool = build_pool(n);
	for (unsigned int r = 0; r < rounds; r++) {
		struct cyc d;
		double xc, g = graph_round(pool, n, 100 + r, &d);
		double x = x25519_round(g > 0 ? n / g : 0.5, &xc);

		printf("round %u: graph %.0f pkt/s (vh_mix %.0f cycles/pkt, graph %.0f "
		       "cycles/pkt), X25519 %.0f ops/s (%.0f cycles)\n",
			r, g, d.objs ? (double)d.cycles / d.objs : 0,
			d.objs ? (double)d.all_cycles / d.objs : 0, x, xc);
		if (g > best_g) {
			best_g = g;
			g_cyc = d.objs ? (double)d.cycles / d.objs : 0;
			all_cyc = d.objs ? (double)d.all_cycles / d.objs : 0;
		}
		if (x > best_x) {
			best_x = x;
			x_cyc = xc;
		}
	}
	printf("bare X25519 %.0f ops/s (%.1f us, %.0f cycles); bound %.0f pkt/s\n", best_x,
		1e6 / best_x, x_cyc, best_x / 2);
	printf("graph %.0f pkt/s (%.1f us/pkt): ratio to bound %.3f\n", best_g, 1e6 / best_g,
		best_g / (best_x / 2));
	printf("cycles/pkt: vh_mix %.0f, whole worker graph %.0f, outside 2 X25519 %.0f; cycle "
	       "ratio (2 X25519 / graph) %.3f\n",
		g_cyc, all_cyc, all_cyc - 2 * x_cyc, all_cyc > 0 ? 2 * x_cyc / all_cyc : 0);
	vh_dp_mix_disable(dp);
	vh_dp_destroy(dp, &in_use);
	free(pool);
	rte_eal_cleanup();
	return in_use != 0;
}
