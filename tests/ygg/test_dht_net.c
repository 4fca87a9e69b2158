/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A small network of real DHT instances with keys, a fake clock and 25 ms
 * links: bootstrap by address alone, publish and resolve a location record
 * (higher sequence after a republish), LAN discovery by beacon, peer
 * exchange, and a departed node dropping out of the tables.
 */
#include "dht_simnet.h"

#define NMAX 40

static struct net *
grown(int n)
{
	struct net *net = net_new(NMAX);

	net_grow(net, n);
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
	struct net *net = net_new(NMAX);

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
	/*
	 * Lookups toward it time out (it is asked again until their deadline);
	 * after max_fails (5) timeouts in a row the peers that asked drop it.
	 */
	for (int i = 0; i < net->n; i++) {
		if (i == gone)
			continue;
		vh_dht_find_node(net->nodes[i].d, net->nodes[gone].k.id, 0, NULL, NULL, net->now);
		run_until(net, net->now + 2000);
	}
	run_until(net, net->now + 10000);
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
