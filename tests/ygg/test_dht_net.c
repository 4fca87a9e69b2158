/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A small network of real DHT instances with keys, a fake clock and 25 ms
 * links: bootstrap by address alone, publish and resolve a location record
 * (higher sequence after a republish), LAN discovery by beacon, peer
 * exchange, and a departed node dropping out of the tables.
 */
#include "dht_test.h"

#define NMAX 40
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
	int n;
	struct node nodes[NMAX];
	struct msg *q;
	size_t nq, capq;
};

static int
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
	if (net->nq == net->capq) {
		net->capq = net->capq ? 2 * net->capq : 256;
		net->q = realloc(net->q, net->capq * sizeof(*net->q));
		assert_non_null(net->q);
	}
	m = &net->q[net->nq++];
	m->at = net->now + 25;
	m->from = me->idx;
	m->to = to;
	memcpy(m->buf, msg, len);
	m->len = len;
	return 0;
}

static void
net_rand(void *ctx, void *buf, size_t len)
{
	fill_rand(&((struct node *)ctx)->net->rng, buf, len);
}

static void
deliver(struct net *net, struct node *to, const struct msg *m)
{
	struct node *from = &net->nodes[m->from];

	if (!to->alive)
		return;
	/* A beacon has no session behind it: no authenticated NodeID. */
	vh_dht_input(to->d, m->to < 0 ? NULL : from->k.id, (const uint8_t *)from->addr,
		strlen(from->addr), m->buf, m->len, net->now);
}

/* Advance to `until`: deliver messages and run timers in time order. */
static void
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
				deliver(net, &net->nodes[m.to], &m);
			} else {
				for (int i = 0; i < net->n; i++)
					if (i != m.from)
						deliver(net, &net->nodes[i], &m);
			}
		}
		for (int i = 0; i < net->n; i++)
			if (net->nodes[i].alive &&
				vh_dht_next_deadline(net->nodes[i].d) <= net->now)
				vh_dht_tick(net->nodes[i].d, net->now);
	}
}

/* Add node i; boot: index of a bootstrap node (-1 none); by_addr: id unknown. */
static void
add_node(struct net *net, int boot, bool by_addr, bool lan)
{
	struct node *nd = &net->nodes[net->n];
	struct vh_dht_config cfg = {0};
	struct vh_dht_contact b;

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

static struct net *
net_new(void)
{
	struct net *net = calloc(1, sizeof(*net));

	net->now = T0;
	net->rng = 77;
	return net;
}

static void
net_free(struct net *net)
{
	for (int i = 0; i < net->n; i++)
		vh_dht_destroy(net->nodes[i].d);
	free(net->q);
	free(net);
}

static struct vh_dht_stats
stats(struct net *net, int i)
{
	struct vh_dht_stats st;

	vh_dht_get_stats(net->nodes[i].d, &st);
	return st;
}

static bool
knows(struct net *net, int i, int j)
{
	struct vh_dht_contact c;

	return vh_dht_closest(net->nodes[i].d, net->nodes[j].k.id, &c, 1) == 1 &&
	       memcmp(c.id, net->nodes[j].k.id, 32) == 0;
}

struct result {
	bool done;
	struct vh_dht_lookup_result r;
	struct vh_dht_record rec;
};

static void
on_done(void *arg, const struct vh_dht_lookup_result *r)
{
	struct result *res = arg;

	res->done = true;
	res->r = *r;
	if (r->record)
		res->rec = *r->record;
}

static struct net *
grown(int n)
{
	struct net *net = net_new();

	add_node(net, -1, false, false);
	for (int i = 1; i < n; i++) {
		/* Node 1 knows only node 0's address; the rest get a random id'd peer. */
		add_node(net, i == 1 ? 0 : (int)(mix64(&net->rng) % (uint64_t)i), i == 1, false);
		run_until(net, net->now + 500);
	}
	run_until(net, net->now + 10000);
	return net;
}

static void
test_bootstrap_and_find(void **state)
{
	struct net *net = grown(NMAX);
	unsigned ok = 0;

	(void)state;
	assert_true(knows(net, 1, 0)); /* bootstrap by address alone worked */
	assert_true(knows(net, 0, 1));
	for (int i = 0; i < net->n; i++)
		assert_true(stats(net, i).table_size >= 10);
	for (int t = 0; t < 40; t++) {
		int a = (int)(mix64(&net->rng) % NMAX), b = (int)(mix64(&net->rng) % NMAX);
		struct result res = {0};

		if (a == b)
			continue;
		assert_true(vh_dht_find_node(net->nodes[a].d, net->nodes[b].k.id,
				    VH_DHT_LOOKUP_STOP_AT_TARGET, on_done, &res, net->now) > 0);
		run_until(net, net->now + 5000);
		assert_true(res.done);
		ok += res.r.found;
	}
	assert_true(ok > 30);
	net_free(net);
}

static void
test_publish_and_resolve(void **state)
{
	struct net *net = grown(30);
	const uint8_t *addrs[1] = {(const uint8_t *)"/udp/192.0.2.5:22088"};
	size_t lens[1] = {20};
	struct result res = {0};
	uint64_t seq1;
	unsigned holders = 0;

	(void)state;
	assert_int_equal(vh_dht_publish(net->nodes[5].d, addrs, lens, 1, net->now), 0);
	run_until(net, net->now + 5000);
	assert_true(stats(net, 5).published >= 10);
	for (int i = 0; i < net->n; i++) {
		struct vh_dht_record r;

		holders += vh_dht_get_record(net->nodes[i].d, net->nodes[5].k.id, &r) == 0;
	}
	assert_int_equal(holders, stats(net, 5).published);
	assert_true(vh_dht_find_value(
			    net->nodes[20].d, net->nodes[5].k.id, on_done, &res, net->now) >= 0);
	run_until(net, net->now + 5000);
	assert_true(res.done && res.r.found);
	assert_memory_equal(res.rec.addrs[0], addrs[0], 20);
	seq1 = res.rec.seq;
	/* Republish after 30 min: a higher sequence replaces the stored copies. */
	run_until(net, net->now + 31 * 60 * 1000);
	{
		struct vh_dht_record r;
		int i = 0;

		while (vh_dht_get_record(net->nodes[i].d, net->nodes[5].k.id, &r) != 0)
			i++;
		assert_true(r.seq > seq1);
	}
	/* A node without a key cannot publish. */
	{
		struct fake f = {.rng = 1};
		uint8_t id[32] = {1};
		struct vh_dht_config cfg = fake_config(&f, id);
		struct vh_dht *d = vh_dht_create(&cfg, T0);

		assert_int_equal(vh_dht_publish(d, addrs, lens, 1, T0), -EPERM);
		vh_dht_destroy(d);
	}
	net_free(net);
}

static void
test_lan_discovery(void **state)
{
	struct net *net = net_new();

	(void)state;
	add_node(net, -1, false, true);
	add_node(net, -1, false, true);
	add_node(net, -1, false, false); /* switch off: neither beacons nor listens */
	run_until(net, net->now + 2000);
	assert_true(knows(net, 0, 1));
	assert_true(knows(net, 1, 0));
	assert_false(knows(net, 2, 0));
	assert_false(knows(net, 0, 2));
	assert_true(stats(net, 0).beacons_heard >= 1);
	assert_int_equal(stats(net, 2).beacons_heard, 0);
	assert_true(stats(net, 0).tx[VH_DHT_BEACON] >= 1);
	net_free(net);
}

static void
test_departed_node_drops_out(void **state)
{
	struct net *net = grown(25);
	int gone = 7, holders = 0;

	(void)state;
	net->nodes[gone].alive = false;
	/* Lookups toward it time out; the peers that asked drop it. */
	for (int i = 0; i < net->n; i++) {
		if (i == gone)
			continue;
		vh_dht_find_node(net->nodes[i].d, net->nodes[gone].k.id, 0, NULL, NULL, net->now);
		vh_dht_find_node(
			net->nodes[i].d, net->nodes[gone].k.id, 0, NULL, NULL, net->now + 3000);
		run_until(net, net->now + 6000);
	}
	for (int i = 0; i < net->n; i++)
		holders += i != gone && knows(net, i, gone);
	assert_int_equal(holders, 0);
	net_free(net);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bootstrap_and_find),
		cmocka_unit_test(test_publish_and_resolve),
		cmocka_unit_test(test_lan_discovery),
		cmocka_unit_test(test_departed_node_drops_out),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
