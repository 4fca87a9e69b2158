/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Routing table through the DHT's own input path: insert, a full bucket
 * pings its oldest contact (again, with backoff, when a ping goes
 * unanswered), which is evicted if it never answers (the newest
 * replacement takes its place) or kept if it answers one of the pings;
 * replacement cache bounds; closest-contact order against brute force.
 */
#include "dht_test.h"

struct ctx {
	struct fake f;
	uint8_t self[32];
	struct vh_dht *d;
	uint64_t rng;
};

static int
setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));
	struct vh_dht_config cfg;

	c->f.rng = 1;
	c->rng = 99;
	fill_rand(&c->rng, c->self, 32);
	cfg = fake_config(&c->f, c->self);
	/* no self lookup (the table fills without one): only the table's own traffic */
	cfg.rebootstrap_ms = 24 * 3600 * 1000;
	c->d = vh_dht_create(&cfg, T0);
	assert_non_null(c->d);
	vh_dht_tick(c->d, T0); /* start: empty bootstrap list, nothing sent */
	assert_int_equal(c->f.n, 0);
	*state = c;
	return 0;
}

static int
teardown(void **state)
{
	struct ctx *c = *state;

	vh_dht_destroy(c->d);
	free(c);
	return 0;
}

/* Deliver a message of `type` from id (address derived from n). */
static void
from_peer(struct ctx *c, const uint8_t *id, unsigned n, uint8_t type, uint32_t txid, uint64_t now)
{
	struct vh_dht_msg m = {.type = type, .txid = txid};
	struct vh_dht_contact who;
	uint8_t buf[VH_DHT_MSG_MAX];
	int len;

	contact_of(&who, id, n);
	if (type == VH_DHT_FIND_NODE)
		memcpy(m.target, id, 32);
	len = vh_dht_msg_encode(&m, buf, sizeof(buf));
	assert_true(len > 0);
	vh_dht_input(c->d, id, who.addr, who.addr_len, buf, (size_t)len, now);
}

static bool
in_table(struct ctx *c, const uint8_t *id)
{
	struct vh_dht_contact got;

	return vh_dht_closest(c->d, id, &got, 1) == 1 && memcmp(got.id, id, 32) == 0;
}

/* Run the DHT's timers up to `until`, as the control loop does. */
static void
advance(struct ctx *c, uint64_t until)
{
	while (vh_dht_next_deadline(c->d) <= until)
		vh_dht_tick(c->d, vh_dht_next_deadline(c->d));
}

static struct vh_dht_stats
stats(struct ctx *c)
{
	struct vh_dht_stats st;

	vh_dht_get_stats(c->d, &st);
	return st;
}

/* Fill bucket 255 with k peers at T0; returns their ids in ids[0..k). */
static void
fill_bucket(struct ctx *c, uint8_t ids[][32], unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		id_in_bucket(c->self, 255, &c->rng, ids[i]);
		from_peer(c, ids[i], i, VH_DHT_PING, 100 + i, T0 + i);
	}
}

static void
test_insert_and_pong(void **state)
{
	struct ctx *c = *state;
	uint8_t ids[3][32];
	struct vh_dht_msg m;

	fill_bucket(c, ids, 3);
	assert_int_equal(stats(c).table_size, 3);
	assert_int_equal(stats(c).table_inserted, 3);
	assert_int_equal(c->f.n, 3); /* three PONGs */
	assert_int_equal(vh_dht_msg_decode(c->f.q[1].msg, c->f.q[1].len, &m), 0);
	assert_int_equal(m.type, VH_DHT_PONG);
	assert_int_equal(m.txid, 101);
	assert_memory_equal(c->f.q[1].to_id, ids[1], 32);
	/* Seen again: no new entry. */
	from_peer(c, ids[0], 0, VH_DHT_PING, 7, T0 + 10);
	assert_int_equal(stats(c).table_size, 3);
	/* Self is never inserted, nor a sender without NodeID. */
	from_peer(c, c->self, 9, VH_DHT_PING, 8, T0 + 11);
	assert_int_equal(stats(c).table_size, 3);
	assert_int_equal(stats(c).rx_no_sender, 1);
}

/* Full bucket: a newcomer is cached and the oldest pinged; returns the ping's txid. */
static uint32_t
full_bucket_pings_oldest(struct ctx *c, uint8_t ids[][32], uint8_t *newcomer, uint64_t now)
{
	struct vh_dht_msg m;
	struct sent s;

	fill_bucket(c, ids, VH_DHT_K);
	assert_int_equal(stats(c).table_size, VH_DHT_K);
	c->f.n = 0;
	/* A newcomer while the oldest was seen recently: cached, no ping. */
	id_in_bucket(c->self, 255, &c->rng, newcomer);
	from_peer(c, newcomer, 50, VH_DHT_PING, 1, T0 + 100);
	assert_int_equal(c->f.n, 1); /* only the PONG */
	assert_false(in_table(c, newcomer));
	c->f.n = 0;
	/* Later, the same newcomer again: now the oldest is pinged. */
	from_peer(c, newcomer, 50, VH_DHT_PING, 2, now);
	assert_int_equal(c->f.n, 2); /* the eviction ping, then the PONG */
	fake_take(&c->f, 0, &s);
	assert_int_equal(vh_dht_msg_decode(s.msg, s.len, &m), 0);
	assert_int_equal(m.type, VH_DHT_PING);
	assert_true(s.has_id);
	assert_memory_equal(s.to_id, ids[0], 32);
	assert_int_equal(stats(c).table_size, VH_DHT_K);
	return m.txid;
}

/* The eviction ping sent last (the only message queued), as a decoded message. */
static struct vh_dht_msg
last_ping(struct ctx *c, const uint8_t *to)
{
	struct vh_dht_msg m;
	struct sent s;

	assert_int_equal(c->f.n, 1);
	fake_take(&c->f, 0, &s);
	assert_int_equal(vh_dht_msg_decode(s.msg, s.len, &m), 0);
	assert_int_equal(m.type, VH_DHT_PING);
	assert_memory_equal(s.to_id, to, 32);
	return m;
}

static void
test_full_bucket_evicts_silent_oldest(void **state)
{
	struct ctx *c = *state;
	uint8_t ids[VH_DHT_K][32], newcomer[32];
	uint64_t now = T0 + 60000;

	full_bucket_pings_oldest(c, ids, newcomer, now);
	c->f.n = 0;
	/* No answer: asked again 0.5 s after the timeout, then 1 s after the next. */
	vh_dht_tick(c->d, now + 999);
	assert_int_equal(c->f.n, 0);
	assert_true(vh_dht_next_deadline(c->d) <= now + 1000);
	advance(c, now + 1499);
	assert_int_equal(c->f.n, 0);
	advance(c, now + 1500);
	last_ping(c, ids[0]);
	advance(c, now + 3499);
	assert_int_equal(c->f.n, 0);
	assert_true(in_table(c, ids[0]));
	advance(c, now + 3500);
	last_ping(c, ids[0]);
	/* The third try unanswered: the oldest goes, the newcomer comes in. */
	advance(c, now + 4499);
	assert_true(in_table(c, ids[0]));
	advance(c, now + 4500);
	assert_false(in_table(c, ids[0]));
	assert_true(in_table(c, newcomer));
	assert_int_equal(c->f.n, 0);
	assert_int_equal(stats(c).table_size, VH_DHT_K);
	assert_int_equal(stats(c).table_evicted, 1);
	assert_int_equal(stats(c).table_replaced, 1);
	assert_int_equal(stats(c).rpc_timeouts, 3);
	assert_int_equal(stats(c).rpc_retries, 2);
}

/* One lost ping does not cost a contact its place: it answers the retry. */
static void
test_full_bucket_oldest_answers_retry(void **state)
{
	struct ctx *c = *state;
	uint8_t ids[VH_DHT_K][32], newcomer[32];
	uint64_t now = T0 + 60000;
	uint32_t first = full_bucket_pings_oldest(c, ids, newcomer, now);
	struct vh_dht_msg m;

	c->f.n = 0;
	advance(c, now + 1500);
	m = last_ping(c, ids[0]);
	assert_int_not_equal(m.txid, first);
	/* a late answer to the first ping matches nothing now */
	from_peer(c, ids[0], 0, VH_DHT_PONG, first, now + 1510);
	assert_int_equal(stats(c).rx_unsolicited, 1);
	assert_int_equal(stats(c).table_kept, 0);
	from_peer(c, ids[0], 0, VH_DHT_PONG, m.txid, now + 1520);
	assert_int_equal(stats(c).table_kept, 1);
	advance(c, now + 10000);
	assert_true(in_table(c, ids[0]));
	assert_false(in_table(c, newcomer));
	assert_int_equal(stats(c).table_evicted, 0);
	assert_int_equal(stats(c).rpc_timeouts, 1);
	assert_int_equal(c->f.n, 0);
}

static void
test_full_bucket_keeps_answering_oldest(void **state)
{
	struct ctx *c = *state;
	uint8_t ids[VH_DHT_K][32], newcomer[32];
	uint64_t now = T0 + 60000;
	uint32_t tx = full_bucket_pings_oldest(c, ids, newcomer, now);

	/* A PONG with the wrong txid or from someone else does not count. */
	from_peer(c, ids[1], 1, VH_DHT_PONG, tx ^ 1, now + 5);
	from_peer(c, ids[1], 1, VH_DHT_PONG, tx, now + 6);
	assert_int_equal(stats(c).rx_unsolicited, 2);
	from_peer(c, ids[0], 0, VH_DHT_PONG, tx, now + 10);
	assert_int_equal(stats(c).table_kept, 1);
	vh_dht_tick(c->d, now + 5000);
	assert_true(in_table(c, ids[0]));
	assert_false(in_table(c, newcomer));
	assert_int_equal(stats(c).table_evicted, 0);
	assert_int_equal(stats(c).rpc_timeouts, 0);
	/*
	 * ids[0] answered and ids[1] spoke (the stray PONGs still prove it is
	 * alive), so both are now recent and the next ping goes to ids[2].
	 */
	c->f.n = 0;
	from_peer(c, newcomer, 50, VH_DHT_PING, 3, now + 60000);
	assert_int_equal(c->f.n, 2);
	assert_memory_equal(c->f.q[0].to_id, ids[2], 32);
}

static void
test_replacement_cache_bounded(void **state)
{
	struct ctx *c = *state;
	uint8_t ids[VH_DHT_K][32], extra[40][32];
	uint64_t now = T0 + 60000;

	fill_bucket(c, ids, VH_DHT_K);
	for (unsigned i = 0; i < 40; i++) {
		id_in_bucket(c->self, 255, &c->rng, extra[i]);
		from_peer(c, extra[i], 100 + i, VH_DHT_PING, 1, T0 + 50 + i);
	}
	assert_int_equal(stats(c).table_size, VH_DHT_K);
	/*
	 * Oldest silent, repeatedly: a cached peer that speaks again triggers the
	 * eviction ping and, being the newest in the cache, is promoted.
	 */
	for (unsigned round = 0; round < 8; round++) {
		from_peer(c, extra[39 - round], 139 - round, VH_DHT_PING, 2, now);
		now += 5000; /* three unanswered pings */
		advance(c, now);
		assert_int_equal(stats(c).table_replaced, round + 1);
		assert_true(in_table(c, extra[39 - round]));
		assert_false(in_table(c, ids[round]));
	}
	/* Only the newest 8 (REPL_MAX) were cached; older ones were dropped. */
	assert_int_equal(stats(c).table_replaced, 8);
	for (unsigned i = 32; i < 40; i++)
		assert_true(in_table(c, extra[i]));
	for (unsigned i = 0; i < 32; i++)
		assert_false(in_table(c, extra[i]));
	assert_int_equal(stats(c).table_size, VH_DHT_K);
}

static void
test_closest_order(void **state)
{
	struct ctx *c = *state;
	uint8_t ids[56 * 6][32];
	unsigned n = 0;

	for (int b = 200; b < 256; b++) {
		for (int i = 0; i < 6; i++, n++) {
			id_in_bucket(c->self, b, &c->rng, ids[n]);
			from_peer(c, ids[n], n, VH_DHT_PING, 1, T0 + n);
		}
	}
	assert_int_equal(stats(c).table_size, n);
	for (int trial = 0; trial < 50; trial++) {
		struct vh_dht_contact got[VH_DHT_K];
		uint8_t target[32];
		size_t k;

		if (trial % 3 == 0)
			id_in_bucket(c->self, 200 + trial % 56, &c->rng, target);
		else
			fill_rand(&c->rng, target, 32);
		k = vh_dht_closest(c->d, target, got, VH_DHT_K);
		assert_int_equal(k, VH_DHT_K);
		for (size_t i = 1; i < k; i++)
			assert_true(vh_dht_cmp_distance(target, got[i - 1].id, got[i].id) < 0);
		/* Brute force: nothing outside the answer is closer than its last. */
		for (unsigned j = 0; j < n; j++) {
			bool inside = false;

			for (size_t i = 0; i < k; i++)
				inside |= memcmp(got[i].id, ids[j], 32) == 0;
			if (!inside)
				assert_true(vh_dht_cmp_distance(target, ids[j], got[k - 1].id) > 0);
		}
	}
}

/*
 * Contacts in buckets far apart (each word of the used-bucket bitmap) are
 * all found; vh_dht_reset() forgets them and the table fills again.
 */
static void
test_sparse_and_reset(void **state)
{
	struct ctx *c = *state;
	static const int buckets[] = {3, 64, 130, 255};
	struct vh_dht_contact got[VH_DHT_K];
	uint8_t ids[4][32], target[32];

	for (unsigned i = 0; i < 4; i++) {
		id_in_bucket(c->self, buckets[i], &c->rng, ids[i]);
		from_peer(c, ids[i], i, VH_DHT_PING, 1, T0 + i);
	}
	fill_rand(&c->rng, target, 32);
	assert_int_equal(vh_dht_closest(c->d, target, got, VH_DHT_K), 4);
	for (unsigned i = 0; i < 4; i++)
		assert_true(in_table(c, ids[i]));
	vh_dht_reset(c->d, T0 + 10);
	assert_int_equal(stats(c).table_size, 0);
	assert_int_equal(stats(c).rx[VH_DHT_PING], 0);
	assert_int_equal(vh_dht_closest(c->d, target, got, VH_DHT_K), 0);
	from_peer(c, ids[2], 2, VH_DHT_PING, 1, T0 + 20);
	assert_int_equal(vh_dht_closest(c->d, target, got, VH_DHT_K), 1);
	assert_memory_equal(got[0].id, ids[2], 32);
	assert_false(in_table(c, ids[3]));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_insert_and_pong, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_full_bucket_evicts_silent_oldest, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_full_bucket_oldest_answers_retry, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_full_bucket_keeps_answering_oldest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replacement_cache_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_closest_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sparse_and_reset, setup, teardown),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
