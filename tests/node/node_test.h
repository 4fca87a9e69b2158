/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the runtime and service tests share: EAL without hugepages, a fake
 * clock (vh_node_set_clock), a config from JSON text, a fresh identity, and
 * a fake transport: an ethdev made from two rings the test holds
 * (rte_eth_from_rings), so it reads every frame a node sends and feeds it
 * frames of its own; two such ports on crossed rings are a wire between
 * two nodes of one process.
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

/* A temporary directory (data_dir, control socket) under /tmp: static buffer per call site. */
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

/* Two ports on crossed rings: what one sends the other receives. */
static inline void
nt_wire(struct nt_port *a, struct nt_port *b)
{
	nt_port_make(a, NULL, NULL);
	nt_port_make(b, a->tx, a->rx);
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

#endif /* VH_TESTS_NODE_TEST_H */
