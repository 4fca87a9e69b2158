/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the runtime and service tests share: EAL without hugepages, a fake
 * clock (vh_node_set_clock), a config from JSON text, a fresh identity, and
 * a fake transport: an ethdev made from two rings the test holds
 * (rte_eth_from_rings), so it reads every frame a node sends and feeds it
 * frames of its own; the test moving frames between two such ports is a
 * wire between two nodes of one process.
 */
#ifndef VH_TESTS_NODE_TEST_H
#define VH_TESTS_NODE_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_ring.h>

#include "vh_config.h"
#include "vh_identity.h"
#include "vh_node.h"

/* ---- EAL ---- */

/* EAL on lcore 0, no hugepages, no PCI; @return 0 or -1 (printed). */
static inline int
nt_eal_init(const char *argv0, const char *name)
{
	char prefix[64];
	char *eal[] = {(char *)argv0, "--no-huge", "-m", "256", "--no-pci", "--file-prefix",
		prefix, "-l", "0", "--log-level", "lib.eal:warning", "--log-level",
		"valhalla.*:warning", NULL};

	snprintf(prefix, sizeof(prefix), "vh-test-%s-%d", name, getpid());
	if (rte_eal_init((int)RTE_DIM(eal) - 1, eal) < 0) {
		fprintf(stderr, "EAL init failed: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	return 0;
}

/* ---- the fake clock ---- */

static uint64_t nt_clock_ns;

static inline uint64_t
nt_clock_read(void *ctx)
{
	return *(const uint64_t *)ctx;
}

/* From now on the nodes read nt_clock_ns, starting at start_ms. */
static inline void
nt_clock_on(uint64_t start_ms)
{
	nt_clock_ns = start_ms * 1000000ull;
	vh_node_set_clock(nt_clock_read, &nt_clock_ns);
}

static inline void
nt_clock_off(void)
{
	vh_node_set_clock(NULL, NULL);
}

static inline void
nt_advance_ms(uint64_t ms)
{
	nt_clock_ns += ms * 1000000ull;
}

/* ---- config and identity ---- */

/* A config from JSON text with ' for " (printf-style); the test fails if it is refused. */
static inline void
nt_config(struct vh_config *c, const char *fmt, ...)
{
	struct vh_config_error err = {0};
	char buf[4096];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	assert_true(n > 0 && (size_t)n < sizeof(buf));
	for (char *q = buf; *q != '\0'; q++)
		if (*q == '\'')
			*q = '"'; /* single quotes in the tests' JSON, as tests/config writes it */
	if (vh_config_load_string(buf, (size_t)n, c, &err) != 0)
		fail_msg("config refused: %s: %s\n%s", err.path, err.message, buf);
}

/* A fresh directory under /tmp for a node's data_dir and control socket. */
static inline void
nt_tmpdir(char *out, size_t cap)
{
	snprintf(out, cap, "/tmp/vh-node-test-XXXXXX");
	assert_non_null(mkdtemp(out));
}

static inline void
nt_rmdir(const char *dir)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* ---- the fake transport ---- */

struct nt_port {
	char devargs[64]; /* the ethdev's name: what a config's devargs names */
	struct rte_ring *rx, *tx;
	uint16_t port_id;
};

static unsigned int nt_rings_made;

static inline struct rte_ring *
nt_ring(void)
{
	char name[RTE_RING_NAMESIZE];
	struct rte_ring *r;

	snprintf(name, sizeof(name), "nt_ring%u", nt_rings_made++);
	r = rte_ring_create(name, 1024, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
	assert_non_null(r);
	return r;
}

/* An ethdev on the rings rx and tx (made when NULL): the data plane uses it as it is. */
static inline void
nt_port_make(struct nt_port *p, struct rte_ring *rx, struct rte_ring *tx)
{
	static unsigned int ports_made;
	char name[32];
	int id;

	p->rx = rx != NULL ? rx : nt_ring();
	p->tx = tx != NULL ? tx : nt_ring();
	snprintf(name, sizeof(name), "nt%u", ports_made++);
	id = rte_eth_from_rings(name, &p->rx, 1, &p->tx, 1, 0);
	assert_true(id >= 0);
	p->port_id = (uint16_t)id;
	assert_int_equal(rte_eth_dev_get_name_by_port(p->port_id, p->devargs), 0);
}

/*
 * What a sent, b receives: the frames move from a's TX ring to b's RX
 * ring with the receiving port's id (the ring PMD leaves mbuf->port as the
 * sender set it). @return the frames moved.
 */
static inline unsigned int
nt_wire_move(struct nt_port *a, struct nt_port *b)
{
	struct rte_mbuf *m[32];
	unsigned int k = rte_ring_dequeue_burst(a->tx, (void **)m, RTE_DIM(m), NULL);

	for (unsigned int i = 0; i < k; i++)
		m[i]->port = b->port_id;
	if (rte_ring_enqueue_bulk(b->rx, (void **)m, k, NULL) != k)
		rte_pktmbuf_free_bulk(m, k);
	return k;
}

/* Free what is left in a ring (frames nobody read). */
static inline void
nt_ring_drain(struct rte_ring *r)
{
	void *m;

	while (r != NULL && rte_ring_dequeue(r, &m) == 0)
		rte_pktmbuf_free(m);
}

/* After the node that used it is gone: the rings go (the ethdev closed with the node). */
static inline void
nt_port_free(struct nt_port *p)
{
	nt_ring_drain(p->rx);
	nt_ring_drain(p->tx);
	rte_ring_free(p->rx);
	rte_ring_free(p->tx);
	p->rx = p->tx = NULL;
}

/* ---- nodes ---- */

/* A node of cfg with a fresh identity and these services, started. */
static inline struct vh_node *
nt_node_start(const struct vh_config *cfg, const struct vh_node_service *const *svcs,
	unsigned int n_svcs, struct vh_identity *id_out)
{
	struct vh_identity id;
	struct vh_node *n;

	assert_int_equal(vh_identity_generate(&id), 0);
	n = vh_node_create(cfg, &id);
	assert_non_null(n);
	if (id_out != NULL)
		*id_out = id;
	vh_identity_wipe(&id);
	for (unsigned int i = 0; i < n_svcs; i++)
		assert_int_equal(vh_node_service_add(n, svcs[i]), 0);
	assert_int_equal(vh_node_start(n), 0);
	return n;
}

/* Stop and free a node: every mbuf must be back. */
static inline void
nt_node_destroy(struct vh_node *n)
{
	unsigned int in_use = 1;

	vh_node_destroy(n, &in_use);
	assert_int_equal(in_use, 0);
}

/* ---- two nodes on one wire ---- */

/*
 * Nodes a (10.9.1.1) and b (10.9.1.2) on a wire (nt_wire_move), each with its own
 * data directory and control socket; extra_a and extra_b are JSON members
 * added to each config (veil, peers, dht).
 */
struct nt_pair {
	struct nt_port pa, pb;
	char dir_a[64], dir_b[64];
	struct vh_config cfg_a, cfg_b;
	struct vh_identity id_a, id_b;
	struct vh_node *a, *b;
};

#define NT_PAIR_CONFIG                                                                    \
	"{'node':{'name':'%s','data_dir':'%s','control_socket':'%s/ctl.sock'},"          \
	"'telemetry':{'enabled':false},'mempool':{'mbufs':1023,'cache':32},"             \
	"'ports':[{'name':'p0','devargs':'%s','ipv4':'10.9.1.%u/24',"                    \
	"'mac':'02:00:00:00:01:0%u','rx_desc':64,'tx_desc':64}]%s%s}"

static inline void
nt_pair_config(struct nt_pair *p, const char *extra_a, const char *extra_b)
{
	nt_port_make(&p->pa, NULL, NULL);
	nt_port_make(&p->pb, NULL, NULL);
	nt_tmpdir(p->dir_a, sizeof(p->dir_a));
	nt_tmpdir(p->dir_b, sizeof(p->dir_b));
	nt_config(&p->cfg_a, NT_PAIR_CONFIG, "a", p->dir_a, p->dir_a, p->pa.devargs, 1, 1,
		extra_a[0] != '\0' ? "," : "", extra_a);
	nt_config(&p->cfg_b, NT_PAIR_CONFIG, "b", p->dir_b, p->dir_b, p->pb.devargs, 2, 2,
		extra_b[0] != '\0' ? "," : "", extra_b);
}

static inline void
nt_pair_start(struct nt_pair *p, const struct vh_node_service *const *svcs, unsigned int n)
{
	p->a = nt_node_start(&p->cfg_a, svcs, n, &p->id_a);
	p->b = nt_node_start(&p->cfg_b, svcs, n, &p->id_b);
}

/* Both nodes take what is on the wire until nothing moves (same fake time). */
static inline void
nt_pair_settle(struct nt_pair *p)
{
	for (int i = 0; i < 64; i++) {
		unsigned int moved = nt_wire_move(&p->pa, &p->pb) + nt_wire_move(&p->pb, &p->pa);

		if (vh_node_poll(p->a) + vh_node_poll(p->b) + moved == 0 && i > 2)
			return;
	}
}

/* Run both for ms of fake time in 10 ms housekeeping steps; each step calls
 * step(arg) (may be NULL) after the tick. */
static inline void
nt_pair_run(struct nt_pair *p, uint64_t ms, void (*step)(void *), void *arg)
{
	for (uint64_t t = 0; t < ms; t += 10) {
		nt_advance_ms(10);
		vh_node_tick(p->a);
		vh_node_tick(p->b);
		nt_pair_settle(p);
		if (step != NULL)
			step(arg);
	}
}

/* Both nodes go (whatever is on the wire first: the rings hold either's mbufs). */
static inline void
nt_pair_stop_nodes(struct nt_pair *p)
{
	struct nt_port *ports[] = {&p->pa, &p->pb};

	for (unsigned int i = 0; i < RTE_DIM(ports); i++) {
		nt_ring_drain(ports[i]->rx);
		nt_ring_drain(ports[i]->tx);
	}
	nt_node_destroy(p->a);
	nt_node_destroy(p->b);
}

/* What the nodes left: rings, identities, data directories. */
static inline void
nt_pair_cleanup(struct nt_pair *p)
{
	nt_port_free(&p->pa);
	nt_port_free(&p->pb);
	vh_identity_wipe(&p->id_a);
	vh_identity_wipe(&p->id_b);
	nt_rmdir(p->dir_a);
	nt_rmdir(p->dir_b);
}

static inline void
nt_pair_stop(struct nt_pair *p)
{
	nt_pair_stop_nodes(p);
	nt_pair_cleanup(p);
}

#endif /* VH_TESTS_NODE_TEST_H */
