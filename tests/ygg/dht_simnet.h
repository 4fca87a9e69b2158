/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * An in-process network of real DHT instances with keys and a fake clock:
 * messages are delivered after a latency drawn per message (uniform in
 * [lat_min, lat_max] ms, so they may overtake each other), and each unicast
 * message is dropped with probability loss_pct / 100, requests and answers
 * alike. Loss and latency draw from their own seeded generator, apart from
 * the DHTs' randomness. Addresses are "/n/<index>"; "/lan" is multicast.
 */
#ifndef DHT_SIMNET_H
#define DHT_SIMNET_H

#include "dht_test.h"

#define LAN_ADDR "/lan"

struct msg {
	uint64_t at;
	int from, to; /* to -1: LAN multicast */
	uint8_t buf[VH_DHT_MSG_MAX];
	size_t len;
};

struct net;

struct node {
	struct net *net;
	int idx;
	bool alive;
	struct key k;
	char addr[16];
	struct vh_dht *d;
};

struct net {
	uint64_t now, rng;
	uint64_t lrng;     /* loss and latency */
	unsigned loss_pct; /* 0..100, unicast messages */
	unsigned lat_min, lat_max;
	uint64_t sent, dropped;
	int n, cap;
	struct node *nodes;
	struct msg *q;
	size_t nq, capq;
};

static inline int
net_send(void *ctx, const uint8_t *to_id, const uint8_t *to_addr, size_t addr_len,
	const uint8_t *msg, size_t len)
{
	struct node *me = ctx;
	struct net *net = me->net;
	struct msg *m;
	char a[VH_DHT_ADDR_MAX + 1];
	int to = -1;

	memcpy(a, to_addr, addr_len);
	a[addr_len] = 0;
	if (strcmp(a, LAN_ADDR) != 0 && sscanf(a, "/n/%d", &to) != 1)
		return -EHOSTUNREACH;
	if (to >= net->n)
		return -EHOSTUNREACH;
	if (to >= 0 && to_id != NULL && memcmp(net->nodes[to].k.id, to_id, 32) != 0)
		return -EHOSTUNREACH;
	net->sent++;
	if (to >= 0 && mix64(&net->lrng) % 100 < net->loss_pct) {
		net->dropped++;
		return 0; /* lost on the way: the sender cannot tell */
	}
	if (net->nq == net->capq) {
		net->capq = net->capq ? 2 * net->capq : 256;
		net->q = realloc(net->q, net->capq * sizeof(*net->q));
		assert_non_null(net->q);
	}
	m = &net->q[net->nq++];
	m->at = net->now + net->lat_min;
	if (net->lat_max > net->lat_min)
		m->at += mix64(&net->lrng) % (net->lat_max - net->lat_min + 1);
	m->from = me->idx;
	m->to = to;
	memcpy(m->buf, msg, len);
	m->len = len;
	return 0;
}

static inline void
net_rand(void *ctx, void *buf, size_t len)
{
	fill_rand(&((struct node *)ctx)->net->rng, buf, len);
}

static inline void
net_deliver(struct net *net, struct node *to, const struct msg *m)
{
	struct node *from = &net->nodes[m->from];

	if (!to->alive)
		return;
	/* A beacon has no session behind it: no authenticated NodeID. */
	vh_dht_input(to->d, m->to < 0 ? NULL : from->k.id, (const uint8_t *)from->addr,
		strlen(from->addr), m->buf, m->len, net->now);
}

/* Advance to `until`: deliver messages and run timers in time order. */
static inline void
run_until(struct net *net, uint64_t until)
{
	while (net->now < until) {
		uint64_t next = until;
		size_t first = SIZE_MAX;

		for (size_t i = 0; i < net->nq; i++)
			if (net->q[i].at <= next)
				next = net->q[i].at, first = i;
		for (int i = 0; i < net->n; i++)
			if (net->nodes[i].alive && vh_dht_next_deadline(net->nodes[i].d) < next)
				next = vh_dht_next_deadline(net->nodes[i].d), first = SIZE_MAX;
		net->now = next;
		if (first != SIZE_MAX) {
			struct msg m = net->q[first];

			net->q[first] = net->q[--net->nq];
			if (m.to >= 0) {
				net_deliver(net, &net->nodes[m.to], &m);
			} else {
				for (int i = 0; i < net->n; i++)
					if (i != m.from)
						net_deliver(net, &net->nodes[i], &m);
			}
		}
		for (int i = 0; i < net->n; i++)
			if (net->nodes[i].alive &&
				vh_dht_next_deadline(net->nodes[i].d) <= net->now)
				vh_dht_tick(net->nodes[i].d, net->now);
	}
}

/* Add a node; boot: index of a bootstrap node (-1 none); by_addr: id unknown. */
static inline void
add_node(struct net *net, int boot, bool by_addr, bool lan)
{
	struct node *nd;
	struct vh_dht_config cfg = {0};
	struct vh_dht_contact b;

	assert_true(net->n < net->cap);
	nd = &net->nodes[net->n];
	nd->net = net;
	nd->idx = net->n;
	nd->alive = true;
	key_from(&nd->k, (uint8_t)(net->n + 1));
	snprintf(nd->addr, sizeof(nd->addr), "/n/%d", net->n);
	net->n++;
	cfg.secret_key = nd->k.sk;
	cfg.send = net_send;
	cfg.rand = net_rand;
	cfg.ctx = nd;
	cfg.self_addr = (const uint8_t *)nd->addr;
	cfg.self_addr_len = strlen(nd->addr);
	if (boot >= 0) {
		memset(&b, 0, sizeof(b));
		if (!by_addr)
			memcpy(b.id, net->nodes[boot].k.id, 32);
		b.addr_len = (uint8_t)strlen(net->nodes[boot].addr);
		memcpy(b.addr, net->nodes[boot].addr, b.addr_len);
		cfg.bootstrap = &b;
		cfg.nbootstrap = 1;
	}
	cfg.lan_discovery = lan;
	cfg.lan_addr = (const uint8_t *)LAN_ADDR;
	cfg.lan_addr_len = strlen(LAN_ADDR);
	nd->d = vh_dht_create(&cfg, net->now);
	assert_non_null(nd->d);
	assert_memory_equal(vh_dht_node_id(nd->d), nd->k.id, 32);
}

/* An empty network for up to cap nodes; fixed 25 ms links, no loss. */
static inline struct net *
net_new(int cap)
{
	struct net *net = calloc(1, sizeof(*net));

	assert_true(cap > 0 && cap < 255); /* keys are made from one byte */
	assert_non_null(net);
	net->nodes = calloc((size_t)cap, sizeof(*net->nodes));
	assert_non_null(net->nodes);
	net->cap = cap;
	net->now = T0;
	net->rng = 77;
	net->lat_min = net->lat_max = 25;
	return net;
}

static inline void
net_free(struct net *net)
{
	for (int i = 0; i < net->n; i++)
		vh_dht_destroy(net->nodes[i].d);
	free(net->nodes);
	free(net->q);
	free(net);
}

/* Grow net to n nodes: node 1 knows only node 0's address, the rest a random earlier node. */
static inline void
net_grow(struct net *net, int n)
{
	if (net->n == 0)
		add_node(net, -1, false, false);
	while (net->n < n) {
		int i = net->n;

		add_node(net, i == 1 ? 0 : (int)(mix64(&net->rng) % (uint64_t)i), i == 1, false);
		run_until(net, net->now + 500);
	}
	run_until(net, net->now + 10000);
}

static inline struct vh_dht_stats
stats(struct net *net, int i)
{
	struct vh_dht_stats st;

	vh_dht_get_stats(net->nodes[i].d, &st);
	return st;
}

/* Does node i have node j in its routing table? */
static inline bool
knows(struct net *net, int i, int j)
{
	struct vh_dht_contact c;

	return vh_dht_closest(net->nodes[i].d, net->nodes[j].k.id, &c, 1) == 1 &&
	       memcmp(c.id, net->nodes[j].k.id, 32) == 0;
}

/* A lookup's outcome, filled in by on_done. */
struct result {
	bool done;
	struct vh_dht_lookup_result r;
	struct vh_dht_record rec;
};

static inline void
on_done(void *arg, const struct vh_dht_lookup_result *r)
{
	struct result *res = arg;

	res->done = true;
	res->r = *r;
	res->r.closest = NULL; /* not kept */
	if (r->record)
		res->rec = *r->record;
}

#endif /* DHT_SIMNET_H */
