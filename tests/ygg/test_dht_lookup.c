/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The lookup state machine against a scripted universe of nodes that answer
 * from a global view (or stay silent, or ignore their first requests), with
 * a fake clock: never more than alpha requests in flight, timeouts,
 * convergence to the k closest responsive nodes (checked by brute force),
 * early stop at the target, FIND_VALUE with a forged and a genuine record,
 * the refusals, and retries: the target and a value holder asked again with
 * backoff, a lookup nobody answers kept going until its deadline.
 */
#include "dht_test.h"

#define UNIV 400

struct uni {
	struct fake f;
	uint8_t self[32];
	uint8_t ids[UNIV][32];
	bool silent[UNIV];
	unsigned deaf[UNIV];       /* ignores this many requests, then answers */
	unsigned deaf_store[UNIV]; /* ignores this many STOREs */
	unsigned stored[UNIV];     /* STOREs answered */
	unsigned max_ninf;         /* requests allowed in flight: alpha */
	unsigned asked[UNIV];
	uint64_t last_asked[UNIV], min_gap[UNIV];
	bool known[UNIV]; /* in the seed table or named in an answer */
	int holder;       /* answers FIND_VALUE with rec, -1 none */
	int forger;       /* answers FIND_VALUE with a forged record */
	uint8_t rec[VH_DHT_REC_MAX], forged[VH_DHT_REC_MAX];
	int rec_len;
	struct vh_dht *d;
	uint64_t now, rng;
	/* requests in flight: send time, to */
	unsigned ninf;
	uint64_t inf_at[SENT_MAX];
	uint32_t inf_tx[SENT_MAX];
	int max_inflight;
	bool done;
	struct vh_dht_lookup_result res;
	struct vh_dht_contact closest[VH_DHT_K];
	struct vh_dht_record record;
	bool has_record;
};

static int
index_of(struct uni *u, const uint8_t *id)
{
	for (int i = 0; i < UNIV; i++)
		if (memcmp(u->ids[i], id, 32) == 0)
			return i;
	return -1;
}

static void
on_done(void *arg, const struct vh_dht_lookup_result *r)
{
	struct uni *u = arg;

	u->done = true;
	u->res = *r;
	memcpy(u->closest, r->closest, r->nclosest * sizeof(r->closest[0]));
	u->res.closest = u->closest;
	u->has_record = r->record != NULL;
	if (r->record)
		u->record = *r->record;
}

/* The k closest universe nodes to target, excluding `skip` (brute force). */
static unsigned
true_closest(struct uni *u, const uint8_t *target, int skip, bool only_live, int *out, unsigned k)
{
	unsigned n = 0;

	for (int i = 0; i < UNIV; i++) {
		unsigned j;

		if (i == skip || (only_live && u->silent[i]))
			continue;
		if (n == k && vh_dht_cmp_distance(target, u->ids[i], u->ids[out[k - 1]]) >= 0)
			continue;
		j = n < k ? n++ : k - 1;
		while (j > 0 && vh_dht_cmp_distance(target, u->ids[i], u->ids[out[j - 1]]) < 0) {
			out[j] = out[j - 1];
			j--;
		}
		out[j] = i;
	}
	return n;
}

static void
answer(struct uni *u, int who, const struct vh_dht_msg *req)
{
	struct vh_dht_msg m = {.txid = req->txid};
	struct vh_dht_contact c;
	uint8_t buf[VH_DHT_MSG_MAX];
	int idx[VH_DHT_K], len;
	unsigned n;

	if (req->type == VH_DHT_STORE) {
		m.type = VH_DHT_STORED;
		u->stored[who]++;
	} else {
		m.type = req->type == VH_DHT_FIND_VALUE ? VH_DHT_VALUE : VH_DHT_NODES;
	}
	n = m.type == VH_DHT_STORED ? 0 : true_closest(u, req->target, who, false, idx, VH_DHT_K);
	for (unsigned i = 0; i < n; i++) {
		contact_of(&m.contacts[i], u->ids[idx[i]], (unsigned)idx[i]);
		u->known[idx[i]] = true;
	}
	m.ncontacts = (uint8_t)n;
	if (m.type == VH_DHT_VALUE && (who == u->holder || who == u->forger)) {
		m.rec = who == u->holder ? u->rec : u->forged;
		m.rec_len = (uint16_t)u->rec_len;
	}
	len = vh_dht_msg_encode(&m, buf, sizeof(buf));
	assert_true(len > 0);
	contact_of(&c, u->ids[who], (unsigned)who);
	vh_dht_input(u->d, u->ids[who], c.addr, c.addr_len, buf, (size_t)len, u->now);
}

static void
count_sent(struct uni *u, size_t from)
{
	for (size_t i = from; i < u->f.n; i++) {
		struct vh_dht_msg m;
		int to = index_of(u, u->f.q[i].to_id);

		assert_int_equal(vh_dht_msg_decode(u->f.q[i].msg, u->f.q[i].len, &m), 0);
		assert_true(to >= 0);
		if (u->asked[to]++ > 0 && u->now - u->last_asked[to] < u->min_gap[to])
			u->min_gap[to] = u->now - u->last_asked[to];
		u->last_asked[to] = u->now;
		u->inf_tx[u->ninf] = m.txid;
		u->inf_at[u->ninf++] = u->now;
	}
	if ((int)u->ninf > u->max_inflight)
		u->max_inflight = (int)u->ninf;
}

static void
drop_inflight(struct uni *u, unsigned i)
{
	u->ninf--;
	u->inf_at[i] = u->inf_at[u->ninf];
	u->inf_tx[i] = u->inf_tx[u->ninf];
}

/* Run the network until the lookup ends or `end`: answer in order, tick when idle. */
static void
run_to(struct uni *u, uint64_t end)
{
	count_sent(u, 0);
	while (!u->done && u->now < end) {
		struct sent s;
		struct vh_dht_msg m;
		int who;
		size_t before;

		assert_true(u->ninf <= u->max_ninf);
		if (u->f.n == 0) {
			u->now = vh_dht_next_deadline(u->d);
			if (u->now >= end) {
				u->now = end;
				break;
			}
			vh_dht_tick(u->d, u->now);
			/* Requests older than the timeout are no longer in flight. */
			for (unsigned i = 0; i < u->ninf;)
				if (u->inf_at[i] + 1000 <= u->now)
					drop_inflight(u, i);
				else
					i++;
			count_sent(u, 0);
			continue;
		}
		fake_take(&u->f, 0, &s);
		assert_int_equal(vh_dht_msg_decode(s.msg, s.len, &m), 0);
		who = index_of(u, s.to_id);
		assert_true(who >= 0);
		if (u->silent[who])
			continue;
		if (u->deaf[who] > 0) {
			u->deaf[who]--;
			continue;
		}
		if (m.type == VH_DHT_STORE && u->deaf_store[who] > 0) {
			u->deaf_store[who]--;
			continue;
		}
		for (unsigned i = 0; i < u->ninf; i++) {
			if (u->inf_tx[i] == m.txid) {
				drop_inflight(u, i);
				break;
			}
		}
		u->now += 20;
		before = u->f.n;
		answer(u, who, &m);
		count_sent(u, before);
	}
}

static void
run(struct uni *u)
{
	run_to(u, UINT64_MAX);
}

static struct uni *
make(uint64_t seed, unsigned silent_pct, unsigned seeds)
{
	struct uni *u = calloc(1, sizeof(*u));
	struct vh_dht_config cfg;

	u->rng = seed;
	u->f.rng = seed + 1;
	u->now = T0;
	u->holder = u->forger = -1;
	u->max_ninf = VH_DHT_ALPHA;
	fill_rand(&u->rng, u->self, 32);
	for (int i = 0; i < UNIV; i++) {
		fill_rand(&u->rng, u->ids[i], 32);
		u->silent[i] = mix64(&u->rng) % 100 < silent_pct;
		u->min_gap[i] = UINT64_MAX;
	}
	cfg = fake_config(&u->f, u->self);
	u->d = vh_dht_create(&cfg, T0);
	assert_non_null(u->d);
	vh_dht_tick(u->d, T0);
	/* Seed the table: these nodes contacted us once (silent ones too). */
	for (unsigned i = 0; i < seeds; i++) {
		struct vh_dht_msg m = {.type = VH_DHT_PING, .txid = i + 1};
		struct vh_dht_contact c;
		uint8_t buf[16];
		int len = vh_dht_msg_encode(&m, buf, sizeof(buf));

		contact_of(&c, u->ids[i], i);
		vh_dht_input(u->d, u->ids[i], c.addr, c.addr_len, buf, (size_t)len, T0);
		u->known[i] = true;
	}
	u->f.n = 0; /* the PONGs */
	return u;
}

static void
destroy(struct uni *u)
{
	vh_dht_destroy(u->d);
	free(u);
}

/* Is universe node i among the contacts a lookup for target starts from? */
static bool
seeded(struct uni *u, const uint8_t *target, int i)
{
	struct vh_dht_contact c[VH_DHT_K];
	size_t n = vh_dht_closest(u->d, target, c, VH_DHT_K);

	for (size_t j = 0; j < n; j++)
		if (memcmp(c[j].id, u->ids[i], 32) == 0)
			return true;
	return false;
}

/* Only the seeds of a lookup for target count as known before it starts. */
static void
reset_known(struct uni *u, const uint8_t *target)
{
	for (int i = 0; i < UNIV; i++)
		u->known[i] = seeded(u, target, i);
}

/*
 * Converged: the answer is exactly the k closest live nodes among all the
 * lookup could have learned of (its seeds and every contact in every answer).
 */
static void
check_converged(struct uni *u, const uint8_t *target)
{
	int want[VH_DHT_K];
	unsigned n = 0;

	for (int i = 0; i < UNIV; i++) {
		unsigned j;

		if (!u->known[i] || u->silent[i])
			continue;
		if (n == VH_DHT_K &&
			vh_dht_cmp_distance(target, u->ids[i], u->ids[want[VH_DHT_K - 1]]) >= 0)
			continue;
		j = n < VH_DHT_K ? n++ : VH_DHT_K - 1;
		while (j > 0 && vh_dht_cmp_distance(target, u->ids[i], u->ids[want[j - 1]]) < 0) {
			want[j] = want[j - 1];
			j--;
		}
		want[j] = i;
	}
	assert_int_equal(u->res.nclosest, n);
	for (unsigned i = 0; i < n; i++)
		assert_memory_equal(u->res.closest[i].id, u->ids[want[i]], 32);
}

static void
test_converges_all_answer(void **state)
{
	struct uni *u = make(1, 0, 60);
	uint8_t target[32];

	(void)state;
	fill_rand(&u->rng, target, 32);
	reset_known(u, target);
	assert_true(vh_dht_find_node(u->d, target, 0, on_done, u, T0) > 0);
	assert_int_equal(u->f.n, VH_DHT_ALPHA); /* exactly alpha at once */
	run(u);
	assert_int_equal(u->max_inflight, VH_DHT_ALPHA);
	assert_false(u->res.found);
	assert_int_equal(u->res.timeouts, 0);
	assert_int_equal(u->res.responses, u->res.requests);
	assert_true(u->res.requests >= VH_DHT_K);
	check_converged(u, target);
	destroy(u);
}

static void
test_converges_with_silent_nodes(void **state)
{
	for (uint64_t seed = 10; seed < 20; seed++) {
		struct uni *u = make(seed, 25, 60);
		uint8_t target[32];

		(void)state;
		fill_rand(&u->rng, target, 32);
		reset_known(u, target);
		assert_true(vh_dht_find_node(u->d, target, 0, on_done, u, T0) > 0);
		run(u);
		assert_true(u->max_inflight <= VH_DHT_ALPHA);
		assert_true(u->res.timeouts > 0);
		assert_int_equal(u->res.requests, u->res.responses + u->res.timeouts);
		check_converged(u, target);
		destroy(u);
	}
}

static void
test_stop_at_target(void **state)
{
	struct uni *u = make(3, 10, 40);
	int t = 300; /* not in the table */

	(void)state;
	u->silent[t] = false;
	assert_true(vh_dht_find_node(
			    u->d, u->ids[t], VH_DHT_LOOKUP_STOP_AT_TARGET, on_done, u, T0) > 0);
	run(u);
	assert_true(u->res.found);
	assert_true(u->res.hops >= 1);
	assert_int_equal(u->res.hops, 1); /* omniscient answers name it at once */
	assert_memory_equal(u->res.closest[0].id, u->ids[t], 32);
	assert_true(u->res.requests < 3 * VH_DHT_K);
	destroy(u);
}

/* Nobody answers: everyone is asked again with backoff until the deadline. */
static void
test_all_silent(void **state)
{
	struct uni *u = make(4, 100, 30);
	uint8_t target[32];
	struct vh_dht_stats st;
	unsigned asked = 0;

	(void)state;
	fill_rand(&u->rng, target, 32);
	assert_true(vh_dht_find_node(u->d, target, 0, on_done, u, T0) > 0);
	run(u);
	assert_false(u->res.found);
	assert_int_equal(u->res.nclosest, 0);
	assert_int_equal(u->res.elapsed_ms, 10000); /* the default deadline */
	assert_int_equal(u->now, T0 + 10000);
	assert_int_equal(u->res.responses, 0);
	/* alpha in flight all along, each one timing out after 1 s */
	assert_int_equal(u->res.requests, VH_DHT_ALPHA * 10);
	assert_true(u->res.requests - u->res.timeouts <= VH_DHT_ALPHA); /* cut off in flight */
	assert_int_equal(u->res.retries, u->res.requests - VH_DHT_K);
	for (int i = 0; i < UNIV; i++) {
		asked += u->asked[i] > 0;
		/* a timeout (1 s) and at least half of it in backoff between two tries */
		assert_true(u->asked[i] < 2 || u->min_gap[i] >= 1500);
	}
	assert_int_equal(asked, VH_DHT_K); /* the k closest of the 30 known */
	vh_dht_get_stats(u->d, &st);
	assert_int_equal(st.lookups_not_found, 1);
	assert_int_equal(st.lookups_deadline, 1);
	assert_int_equal(st.rpc_timeouts, u->res.requests);
	assert_int_equal(st.rpc_retries, u->res.retries);
	destroy(u);
}

/* The target ignores its first two requests: it is asked again first, and found. */
static void
test_target_retried(void **state)
{
	struct uni *u = make(8, 0, 40);
	int t = 5; /* in the table: asked first */

	(void)state;
	u->deaf[t] = 2;
	assert_true(vh_dht_find_node(
			    u->d, u->ids[t], VH_DHT_LOOKUP_STOP_AT_TARGET, on_done, u, T0) > 0);
	run(u);
	assert_true(u->res.found);
	assert_int_equal(u->res.hops, 0);
	assert_int_equal(u->asked[t], 3);
	assert_int_equal(u->res.timeouts, 2);
	assert_int_equal(u->res.retries, 2);
	/* backoff: 0.5 s after the first timeout, 1 s after the second */
	assert_true(u->min_gap[t] >= 1500);
	assert_true(u->res.elapsed_ms >= 1000 + 500 + 1000 + 1000);
	assert_true(u->res.elapsed_ms < 1000 + 500 + 1000 + 1000 + 100);
	destroy(u);
}

static void
test_refusals(void **state)
{
	struct uni *u = make(5, 0, 0);
	uint8_t target[32] = {1};

	(void)state;
	assert_int_equal(vh_dht_find_node(u->d, target, 0, on_done, u, T0), -ENETUNREACH);
	destroy(u);
	u = make(6, 0, 30);
	for (int i = 0; i < 32; i++)
		assert_true(vh_dht_find_node(u->d, target, 0, NULL, NULL, T0) > 0);
	assert_int_equal(vh_dht_find_node(u->d, target, 0, NULL, NULL, T0), -EBUSY);
	destroy(u); /* running lookups are dropped without leaks */
}

static void
lookup_value(struct uni *u, const uint8_t *key)
{
	u->done = false;
	u->ninf = 0;
	assert_true(vh_dht_find_value(u->d, key, on_done, u, u->now) > 0);
	run(u);
}

static void
test_find_value(void **state)
{
	struct uni *u = make(7, 0, 60);
	struct key k, evil;
	struct vh_dht_stats st;
	int idx[VH_DHT_K];
	uint8_t other[VH_DHT_REC_MAX];

	(void)state;
	key_from(&k, 42);
	key_from(&evil, 43);
	memcpy(u->ids[350], k.id, 32);
	u->silent[350] = true; /* the owner is offline */
	true_closest(u, k.id, 350, false, idx, VH_DHT_K);
	u->rec_len = make_record(&k, 9, T0, "/udp/198.51.100.7:22088", u->rec);

	/* Only a forgery out there: refused, counted, lookup runs to the end. */
	memcpy(u->forged, u->rec, (size_t)u->rec_len);
	u->forged[u->rec_len - 1] ^= 1;
	u->forger = idx[0];
	lookup_value(u, k.id);
	assert_false(u->res.found);
	assert_false(u->has_record);
	vh_dht_get_stats(u->d, &st);
	assert_int_equal(st.rec_rejected[VH_DHT_REJ_BAD_SIG], 1);

	/* A valid record of another key is refused as wrong-key. */
	assert_int_equal(make_record(&evil, 1, T0, "/udp/203.0.113.99:22088", other), u->rec_len);
	memcpy(u->forged, other, (size_t)u->rec_len);
	lookup_value(u, k.id);
	assert_false(u->res.found);
	vh_dht_get_stats(u->d, &st);
	assert_int_equal(st.rec_rejected[VH_DHT_REJ_WRONG_KEY], 1);

	/* The genuine record from another node is found. */
	u->forger = -1;
	u->holder = idx[3];
	lookup_value(u, k.id);
	assert_true(u->res.found);
	assert_true(u->has_record);
	/* Hops: depth of the answer that carried it (1 = a node from our own table). */
	assert_int_equal(u->res.hops, seeded(u, k.id, u->holder) ? 1 : 2);
	assert_int_equal(u->record.seq, 9);
	assert_memory_equal(u->record.node_id, k.id, 32);
	assert_memory_equal(u->record.addrs[0], "/udp/198.51.100.7:22088", 23);
	destroy(u);
}

/*
 * Nothing can be sent at first (the node has no route yet): the lookup
 * waits and asks again with backoff instead of ending at once.
 */
static void
test_send_fails_then_works(void **state)
{
	struct uni *u = make(13, 0, 40);
	int t = 7;

	(void)state;
	u->f.fail_send = 1;
	assert_true(vh_dht_find_node(
			    u->d, u->ids[t], VH_DHT_LOOKUP_STOP_AT_TARGET, on_done, u, T0) > 0);
	assert_false(u->done);
	assert_int_equal(u->f.n, 0);
	/* the first retries (0.5 s later) fail too; then the route is there */
	u->now = vh_dht_next_deadline(u->d);
	assert_int_equal(u->now, T0 + 500);
	vh_dht_tick(u->d, u->now);
	assert_false(u->done);
	u->f.fail_send = 0;
	run(u);
	assert_true(u->res.found);
	assert_int_equal(u->res.timeouts, 0);
	assert_true(u->res.retries >= 1);
	assert_int_equal(u->res.elapsed_ms, 1500 + 20); /* backoff 0.5 s, then 1 s; one answer */
	destroy(u);
}

/* The only holder of a record ignores its first request: asked again, found. */
static void
test_value_holder_retried(void **state)
{
	struct uni *u = make(9, 0, 60);
	struct key k;
	int idx[VH_DHT_K];

	(void)state;
	key_from(&k, 44);
	memcpy(u->ids[351], k.id, 32);
	u->silent[351] = true; /* the owner is offline */
	true_closest(u, k.id, 351, false, idx, VH_DHT_K);
	u->rec_len = make_record(&k, 3, T0, "/udp/198.51.100.8:22088", u->rec);
	u->holder = idx[0];
	u->deaf[idx[0]] = 1;
	lookup_value(u, k.id);
	assert_true(u->res.found);
	assert_true(u->has_record);
	assert_int_equal(u->asked[idx[0]], 2);
	assert_true(u->res.retries >= 1);
	assert_int_equal(u->record.seq, 3);
	destroy(u);
}

/*
 * A signed item is put: the search, then STOREs to the k closest; three of
 * them ignore the first STORE and are asked again, so all k hold it.
 */
static void
test_put_stores_retried(void **state)
{
	struct uni *u = make(12, 0, 60);
	struct vh_dht_item it = {.seq = 1, .timestamp_ms = T0, .value_len = 4, .salt_len = 2};
	uint8_t item[VH_DHT_REC_MAX];
	int idx[VH_DHT_K], len;
	unsigned holders = 0;
	struct vh_dht_stats st;
	struct key k;

	(void)state;
	key_from(&k, 45);
	it.value = (const uint8_t *)"desc";
	memcpy(it.salt, "mx", 2);
	len = vh_dht_item_sign(&it, k.sk, item, sizeof(item));
	assert_true(len > 0);
	true_closest(u, it.key, -1, false, idx, VH_DHT_K);
	for (int i = 0; i < 3; i++)
		u->deaf_store[idx[i]] = 1;
	u->max_ninf = VH_DHT_ALPHA + VH_DHT_K; /* the STOREs go out at once */
	assert_int_equal(vh_dht_put_item(u->d, item, (size_t)len, T0), 0);
	run_to(u, T0 + 20000);
	for (int i = 0; i < VH_DHT_K; i++) {
		holders += u->stored[idx[i]] == 1;
		assert_int_equal(u->asked[idx[i]], 1 + 1 + (i < 3)); /* search, STORE, retry */
	}
	assert_int_equal(holders, VH_DHT_K);
	vh_dht_get_stats(u->d, &st);
	assert_int_equal(st.published, VH_DHT_K);
	assert_int_equal(st.rpc_retries, 3);
	assert_int_equal(st.rpc_timeouts, 3);
	assert_int_equal(st.lookups_deadline, 0);
	destroy(u);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_converges_all_answer),
		cmocka_unit_test(test_converges_with_silent_nodes),
		cmocka_unit_test(test_stop_at_target),
		cmocka_unit_test(test_all_silent),
		cmocka_unit_test(test_target_retried),
		cmocka_unit_test(test_send_fails_then_works),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_find_value),
		cmocka_unit_test(test_value_holder_retried),
		cmocka_unit_test(test_put_stores_retried),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
