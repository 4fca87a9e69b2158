/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vh-perf-link: the encrypted ECHO path on one worker (vh_link_decrypt ->
 * answer -> vh_link_encrypt -> send) against two passes of the bare
 * ipsec-mb ChaCha20-Poly1305 loop (one decrypt, one encrypt per packet) over
 * the same plaintext sizes, measured in the same invocation.
 *
 * The main lcore feeds a ring port (rte_eth_from_rings) with freshly sealed
 * LINK_DATA frames (new counters, so the replay window passes them all) and
 * frees what the worker sends; the worker on lcore 1 runs the node's graph.
 *
 *   vh-perf-link [-t SECONDS] [-r ROUNDS] [-s 64,512,1420] [-m echo|relay|all] [-n]
 *                [-- EAL args]
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_graph.h>
#include <rte_ip.h>
#include <rte_ring.h>
#include <rte_udp.h>

#include "bare_loop.h"
#include "vh_aead.h"
#include "vh_bifrost.h"
#include "vh_dp.h"
#include "vh_overlay.h"
#include "vh_veil.h"
#include "vh_ygg.h"

#define BURST 32
#define L_INDEX 0x1001u
#define NODE_IP RTE_IPV4(10, 99, 0, 1)
#define PEER_IP RTE_IPV4(10, 99, 0, 2)

static const uint8_t node_mac[6] = {0x02, 0, 0, 0, 0, 0x01};
static const uint8_t peer_mac[6] = {0x02, 0, 0, 0, 0, 0x02};
static const uint8_t key_in[32] = {7}, key_out[32] = {8};

struct feeder {
	struct vh_dp *dp;
	struct rte_ring *rx, *tx;
	struct vh_aead *aead; /* the feeder's own engine: it seals what it sends */
	uint8_t tmpl[2048];   /* Ethernet..UDP header + Bifrost header + LINK_DATA header */
	uint16_t hdr_len;     /* up to the ciphertext */
	uint16_t inner_len;
	uint8_t inner[2048];
	uint64_t counter;
	uint16_t port_id;
	bool relay; /* overlay packets to relay instead of echoes to answer */
};

/*
 * The relay's plaintext: one Bifrost DATA frame holding an overlay header for
 * the NodeID fill_routes() routes back out (0xcc...) and payload bytes.
 */
static void
make_overlay(struct feeder *f)
{
	struct vh_overlay_hdr h = {
		.hop_limit = 64, .payload_type = VH_OVERLAY_T_DATA, .flow_label = 7};

	memset(h.dst, 0xcc, sizeof(h.dst));
	memset(h.src, 0x5a, sizeof(h.src));
	memset(f->inner, 0x42, f->inner_len);
	vh_bifrost_encode_header(
		f->inner, sizeof(f->inner), VH_BIFROST_DATA, f->inner_len - VH_BIFROST_HDR_LEN);
	vh_overlay_encode(&h, f->inner + VH_BIFROST_HDR_LEN, VH_OVERLAY_HDR_LEN);
}

/* Ethernet + IPv4 + UDP around a LINK_DATA frame of inner_len plaintext bytes. */
static void
make_template(struct feeder *f)
{
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)f->tmpl;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eh + 1);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
	uint16_t dlen = VH_BIFROST_HDR_LEN + VH_VEIL_DATA_MIN_LEN + f->inner_len;

	memcpy(eh->dst_addr.addr_bytes, node_mac, 6);
	memcpy(eh->src_addr.addr_bytes, peer_mac, 6);
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(sizeof(*ip) + sizeof(*udp) + dlen);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = rte_cpu_to_be_32(PEER_IP);
	ip->dst_addr = rte_cpu_to_be_32(NODE_IP);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->src_port = rte_cpu_to_be_16(40000);
	udp->dst_port = rte_cpu_to_be_16(VH_DEFAULT_UDP_PORT);
	udp->dgram_len = rte_cpu_to_be_16(sizeof(*udp) + dlen);
	udp->dgram_cksum = 0; /* none: IPv4 allows it, and the feeder must be cheap */
	vh_bifrost_encode_header(
		(uint8_t *)(udp + 1), dlen, VH_BIFROST_LINK_DATA, dlen - VH_BIFROST_HDR_LEN);
	f->hdr_len = sizeof(*eh) + sizeof(*ip) + sizeof(*udp) + VH_BIFROST_HDR_LEN +
		     VH_VEIL_DATA_HDR_LEN;
	if (f->relay)
		make_overlay(f);
	else
		vh_bifrost_echo_build(f->inner, sizeof(f->inner), 1, 0, 0, f->inner_len - 8);
}

/* Seal a burst of fresh frames and put them on the node's RX ring. */
static void
feed(struct feeder *f, struct rte_mempool *mp)
{
	struct rte_mbuf *m[BURST];
	struct vh_aead_op ops[BURST];
	unsigned int n;

	if (rte_ring_free_count(f->rx) < BURST || rte_pktmbuf_alloc_bulk(mp, m, BURST) != 0)
		return;
	for (unsigned int i = 0; i < BURST; i++) {
		uint16_t total = f->hdr_len + f->inner_len + 16;
		uint8_t *p = (uint8_t *)rte_pktmbuf_append(m[i], total);
		uint8_t *h = p + f->hdr_len - VH_VEIL_DATA_HDR_LEN;

		memcpy(p, f->tmpl, f->hdr_len);
		vh_veil_data_hdr_encode(h, L_INDEX, f->counter);
		ops[i] = (struct vh_aead_op){.key = key_in,
			.aad = h,
			.aad_len = VH_VEIL_DATA_HDR_LEN,
			.src = f->inner,
			.dst = p + f->hdr_len,
			.len = f->inner_len,
			.tag = p + f->hdr_len + f->inner_len};
		vh_aead_nonce(ops[i].nonce, f->counter++);
		m[i]->port = f->port_id;
	}
	vh_aead_encrypt_burst(f->aead, ops, BURST);
	n = rte_ring_enqueue_burst(f->rx, (void **)m, BURST, NULL);
	if (n < BURST)
		rte_pktmbuf_free_bulk(&m[n], BURST - n);
}

static void
sink(struct feeder *f)
{
	struct rte_mbuf *m[BURST];
	unsigned int n;

	while ((n = rte_ring_dequeue_burst(f->tx, (void **)m, BURST, NULL)) != 0)
		rte_pktmbuf_free_bulk(m, n);
}

static uint64_t
worker_tx(struct vh_dp *dp)
{
	struct vh_dp_lcore_stats st;

	vh_dp_lcore_stats(dp, 0, &st);
	return st.tx_packets;
}

/* Per-node graph counters of the worker, to difference two snapshots. */
#define MAX_NODES 24

struct graph_snap {
	unsigned int n;
	char name[MAX_NODES][RTE_NODE_NAMESIZE];
	uint64_t calls[MAX_NODES];
	uint64_t objs[MAX_NODES];
	uint64_t cycles[MAX_NODES];
};

static void
snap_cb(unsigned int lcore, const char *node, uint64_t calls, uint64_t objs, uint64_t cycles,
	void *arg)
{
	struct graph_snap *g = arg;

	RTE_SET_USED(lcore);
	if (g->n == MAX_NODES)
		return;
	snprintf(g->name[g->n], sizeof(g->name[0]), "%s", node);
	g->calls[g->n] = calls;
	g->objs[g->n] = objs;
	g->cycles[g->n++] = cycles;
}

/* source nodes also spin on empty queues: count the work, not the wait */
static bool
is_polling(const char *node)
{
	return strcmp(node, "vh_rx") == 0 || strcmp(node, "vh_ctrl_inject") == 0 ||
	       strcmp(node, "vh_mix_out") == 0;
}

/* One measurement of the node at one size. */
struct node_run {
	double pps;
	double cpp;               /* graph cycles per answered packet, polling excluded */
	struct graph_snap g0, g1; /* for the per-node breakdown */
	uint64_t packets;
};

/* Cycles per answered packet of each node, and its mean burst (objs/call). */
static void
print_nodes(const struct node_run *r)
{
	printf("      per node, cycles per answered packet (mean burst):");
	for (unsigned int i = 0; i < r->g1.n && i < r->g0.n; i++) {
		uint64_t c = r->g1.cycles[i] - r->g0.cycles[i];
		uint64_t calls = r->g1.calls[i] - r->g0.calls[i];

		if (c != 0 && calls != 0 && !is_polling(r->g1.name[i]))
			printf(" %s %.0f (%.1f)", r->g1.name[i] + 3, (double)c / (double)r->packets,
				(double)(r->g1.objs[i] - r->g0.objs[i]) / (double)calls);
	}
	printf("\n");
}

/* Packets per second the worker answers at this size, and cycles/packet. */
static void
run_size(struct feeder *f, uint16_t inner_len, double secs, struct node_run *r)
{
	struct vh_dp_session_conf c = {.local_index = L_INDEX, .remote_index = 0x2002};
	struct rte_mempool *mp = vh_dp_mempool(f->dp);
	uint64_t t0, tx0, tx1, hz = rte_get_tsc_hz(), work = 0;

	memcpy(c.recv_key, key_in, 32);
	memcpy(c.send_key, key_out, 32);
	if (f->relay) {
		/* one session both ways: in on L_INDEX, out to the ring's far end */
		uint32_t ip = rte_cpu_to_be_32(PEER_IP);

		c.has_endpoint = true;
		c.ip_ver = 4;
		memcpy(c.dst_ip, &ip, 4);
		c.dst_port = VH_DEFAULT_UDP_PORT;
		memcpy(c.dst_mac, peer_mac, 6);
	}
	f->inner_len = inner_len;
	f->counter = 0;
	make_template(f);
	vh_dp_session_remove(f->dp, L_INDEX);
	vh_dp_session_install(f->dp, &c); /* a fresh replay window for counter 0 */
	for (t0 = rte_rdtsc(); rte_rdtsc() - t0 < hz / 4;) { /* warm-up */
		feed(f, mp);
		sink(f);
	}
	vh_dp_reclaim(f->dp);
	tx0 = worker_tx(f->dp);
	memset(&r->g0, 0, sizeof(r->g0));
	memset(&r->g1, 0, sizeof(r->g1));
	vh_dp_graph_stats(f->dp, snap_cb, &r->g0);
	for (t0 = rte_rdtsc(); rte_rdtsc() - t0 < (uint64_t)(secs * (double)hz);) {
		feed(f, mp);
		sink(f);
	}
	tx1 = worker_tx(f->dp);
	vh_dp_graph_stats(f->dp, snap_cb, &r->g1);
	r->packets = tx1 - tx0 ? tx1 - tx0 : 1;
	for (unsigned int i = 0; i < r->g1.n && i < r->g0.n; i++)
		if (!is_polling(r->g1.name[i]))
			work += r->g1.cycles[i] - r->g0.cycles[i];
	r->cpp = (double)work / (double)r->packets;
	r->pps = (double)(tx1 - tx0) / secs;
}

/*
 * Rounds of (node, bare encrypt, bare decrypt) interleaved at one size, so
 * that a busy spell on the shared machine hits both sides alike. Prints the
 * best node rate against the best bound with the per-round ratios' spread,
 * then the same comparison in cycles: the least graph cycles per packet
 * against the least bare cycles per decrypt + encrypt (TSC ticks the loop
 * took per packet), which a preempted feeder does not disturb.
 */
static void
measure(struct feeder *f, const char *label, uint16_t len, double secs, unsigned int rounds,
	bool per_node)
{
	double best_node = 0, best_bound = 0, best_cpp = 1e30, bare_cpp = 1e30, lo = 1e30, hi = 0;
	struct node_run r, best_r = {0};

	for (unsigned int k = 0; k < rounds; k++) {
		struct vh_perf_aead_result enc, dec;
		double bound;

		run_size(f, len, secs, &r);
		vh_perf_aead_bare_run(len, BURST, true, secs, &enc);
		vh_perf_aead_bare_run(len, BURST, false, secs, &dec);
		/* one decrypt and one encrypt per answered packet */
		bound = 1.0 / ((double)enc.seconds / (double)enc.packets +
				      (double)dec.seconds / (double)dec.packets);
		best_node = RTE_MAX(best_node, r.pps);
		best_bound = RTE_MAX(best_bound, bound);
		lo = RTE_MIN(lo, r.pps / bound);
		hi = RTE_MAX(hi, r.pps / bound);
		bare_cpp = RTE_MIN(bare_cpp, (double)enc.tsc / (double)enc.packets +
						     (double)dec.tsc / (double)dec.packets);
		if (r.cpp < best_cpp) {
			best_cpp = r.cpp;
			best_r = r;
		}
	}
	printf("%s %7.3f  %7.3f  %5.2f (%.2f-%.2f)  %7.0f  %7.0f  %5.2f\n", label, best_node / 1e6,
		best_bound / 1e6, best_node / best_bound, lo, hi, best_cpp, bare_cpp,
		bare_cpp / best_cpp);
	if (per_node)
		print_nodes(&best_r);
}

static int
setup(struct feeder *f)
{
	struct vh_dp_conf c;
	int pid;

	f->rx = rte_ring_create("perf_rx", 4096, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
	f->tx = rte_ring_create("perf_tx", 4096, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (f->rx == NULL || f->tx == NULL)
		return -1;
	pid = rte_eth_from_rings("perf", /* ethdev "net_ring_perf" */ &f->rx, 1, &f->tx, 1, 0);
	if (pid < 0)
		return -1;
	f->port_id = (uint16_t)pid;
	if (getenv("VH_PERF_DEBUG") != NULL) {
		char nm[RTE_ETH_NAME_MAX_LEN];

		rte_eth_dev_get_name_by_port(f->port_id, nm);
		printf("feeder port %u '%s'\n", f->port_id, nm);
	}
	memset(&c, 0, sizeof(c));
	c.n_ports = 1;
	snprintf(c.ports[0].name, sizeof(c.ports[0].name), "ring");
	snprintf(c.ports[0].devargs, sizeof(c.ports[0].devargs), "net_ring_perf");
	memcpy(c.ports[0].ifc.mac, node_mac, 6);
	c.ports[0].has_mac = true;
	c.ports[0].ifc.ip4 = rte_cpu_to_be_32(NODE_IP);
	c.ports[0].ifc.ip4_plen = 24;
	c.ports[0].mtu = 1500;
	c.ports[0].rx_desc = 1024;
	c.ports[0].tx_desc = 1024;
	c.n_workers = 1;
	c.workers[0] = 1;
	c.idle = VH_DP_IDLE_POLL;
	c.idle_sleep_max_us = 1000;
	c.mbufs = 16383;
	c.fwd_entries = 1u << 21;
	c.mbuf_cache = 256;
	c.udp_port = VH_DEFAULT_UDP_PORT;
	f->dp = vh_dp_create(&c);
	if (f->dp == NULL)
		return -1;
	f->aead = vh_aead_create(VH_AEAD_IPSECMB, NULL);
	return f->aead == NULL || vh_dp_launch(f->dp) != 0 ? -1 : 0;
}

/* n routes of random NodeIDs besides the one the feeder's packets go to */
static void
fill_routes(struct vh_dp *dp, unsigned int n)
{
	uint8_t id[VH_DP_NODE_ID_LEN], x[VH_DP_NODE_ID_LEN];
	uint32_t nh = L_INDEX;
	uint64_t s = 88172645463325252ull;

	memset(x, 0xcc, sizeof(x));
	vh_dp_fwd_set(dp, x, &nh, 1);
	for (unsigned int i = (unsigned int)vh_dp_fwd_count(dp); i < n; i++) {
		for (unsigned int j = 0; j < sizeof(id); j += 8) {
			s ^= s << 13;
			s ^= s >> 7;
			s ^= s << 17;
			memcpy(id + j, &s, 8);
		}
		if (vh_dp_fwd_set(dp, id, &nh, 1) != 0)
			break;
	}
}

/* Relay transit (decrypt -> lookup -> encrypt -> send) with 1k and 1M routes. */
static void
run_relay(struct feeder *f, double secs, unsigned int rounds, bool per_node)
{
	static const uint16_t payloads[] = {64, 1420};
	static const unsigned int tables[] = {1000, 1000000};
	f->relay = true;
	printf("\nrelay transit: overlay payload bytes (plaintext adds %u: Bifrost + overlay"
	       " headers)\n",
		VH_BIFROST_HDR_LEN + VH_OVERLAY_HDR_LEN);
	printf("routes   size     node     bare  ratio (spread)     node     bare  ratio\n"
	       "                  Mpps     Mpps                    cyc/pkt  cyc/pkt  (cycles)\n");
	for (unsigned int t = 0; t < RTE_DIM(tables); t++) {
		fill_routes(f->dp, tables[t]);
		for (unsigned int i = 0; i < RTE_DIM(payloads); i++) {
			char label[32];

			snprintf(label, sizeof(label), "%7d  %5u", vh_dp_fwd_count(f->dp),
				payloads[i]);
			measure(f, label, VH_BIFROST_HDR_LEN + VH_OVERLAY_HDR_LEN + payloads[i],
				secs, rounds, per_node);
		}
	}
}

static void
usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [-t SECONDS] [-r ROUNDS] [-s 64,512,1420] [-m echo|relay|all] [-n]"
		" [-- EAL args]\n"
		"  -t  seconds per measurement (default 2)\n"
		"  -r  interleaved rounds of node and bare loop per size, best of each (default "
		"3)\n"
		"  -s  plaintext sizes of the echo path\n"
		"  -m  which path to measure (default all)\n"
		"  -n  print the cycles per packet of every graph node\n",
		prog);
}

static unsigned int
parse_sizes(char *arg, uint16_t *sizes, unsigned int max)
{
	unsigned int n = 0;

	for (char *t = strtok(arg, ","); t != NULL && n < max; t = strtok(NULL, ",")) {
		long v = strtol(t, NULL, 10);

		if (v < 24 || v > 1440)
			return 0; /* an echo needs 24 bytes; a frame must fit the MTU */
		sizes[n++] = (uint16_t)v;
	}
	return n;
}

int
main(int argc, char **argv)
{
	uint16_t sizes[8] = {64, 512, 1420};
	unsigned int n_sizes = 3, rounds = 3;
	char *def_eal[] = {argv[0], "-l", "0-1", "--no-huge", "-m", "1536", "--no-pci",
		"--file-prefix", "vh-perf-link", "--log-level", "lib.eal:warning", NULL};
	double secs = 2.0;
	bool echo = true, relay = true, per_node = false;
	static struct feeder f;
	unsigned int in_use;
	int sep, c;

	for (sep = 1; sep < argc && strcmp(argv[sep], "--") != 0; sep++)
		;
	while ((c = getopt(sep, argv, "t:r:s:m:nh")) != -1) {
		switch (c) {
		case 't':
			secs = atof(optarg);
			if (secs > 0)
				continue;
			break;
		case 'r':
			rounds = (unsigned int)atoi(optarg);
			if (rounds > 0)
				continue;
			break;
		case 's':
			n_sizes = parse_sizes(optarg, sizes, RTE_DIM(sizes));
			if (n_sizes > 0)
				continue;
			break;
		case 'm':
			echo = strcmp(optarg, "relay") != 0;
			relay = strcmp(optarg, "echo") != 0;
			if (echo || relay)
				continue;
			break;
		case 'n':
			per_node = true;
			continue;
		default:
			break;
		}
		usage(argv[0]);
		return c == 'h' ? 0 : 2;
	}
	if (sep < argc) {
		argv[sep] = argv[0];
		if (rte_eal_init(argc - sep, argv + sep) < 0)
			return 1;
	} else if (rte_eal_init(RTE_DIM(def_eal) - 1, def_eal) < 0) {
		return 1;
	}
	if (setup(&f) != 0) {
		fprintf(stderr, "setup failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	printf("%u rounds of %.1f s per figure, node and bare loop interleaved; best of each\n"
	       "size: plaintext bytes; bare: one ipsec-mb decrypt + one encrypt per packet;\n"
	       "node cyc/pkt: the graph's own counters, all nodes but the polling source nodes;\n"
	       "goal: ratio >= 0.8\n",
		rounds, secs);
	if (echo) {
		printf("size     node     bare  ratio (spread)     node     bare  ratio\n"
		       "         Mpps     Mpps                    cyc/pkt  cyc/pkt  (cycles)\n");
		for (unsigned int i = 0; i < n_sizes; i++) {
			char label[16];

			snprintf(label, sizeof(label), "%4u", sizes[i]);
			measure(&f, label, sizes[i], secs, rounds, per_node);
		}
	}
	if (getenv("VH_PERF_DEBUG") != NULL) {
		struct vh_dp_lcore_stats st;

		vh_dp_lcore_stats(f.dp, 0, &st);
		printf("rx %lu tx %lu dropped %lu\n", (unsigned long)st.rx_packets,
			(unsigned long)st.tx_packets, (unsigned long)st.dropped);
		for (unsigned int r = 1; r < VH_DROP_MAX; r++)
			if (st.drops[r] != 0)
				printf("  %s %lu\n", vh_drop_name(r), (unsigned long)st.drops[r]);
	}
	if (relay)
		run_relay(&f, secs, rounds, per_node);
	printf("data-plane memory per link session: %zu bytes (struct dp_session)\n",
		vh_dp_session_size());
	vh_dp_destroy(f.dp, &in_use);
	vh_aead_destroy(f.aead);
	rte_eal_cleanup();
	return 0;
}
