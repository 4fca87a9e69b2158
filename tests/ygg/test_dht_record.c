/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Location records and the store: a good record, then every rejection,
 * each counted under its own reason; higher sequence wins, a repeat
 * refreshes; STORE over the wire answers with the status; floods are
 * bounded in total and per source; records expire; export/import round
 * trip and every truncation of a blob refused.
 */
#include "dht_test.h"

struct ctx {
	struct fake f;
	uint8_t self[32];
	struct vh_dht *d;
	struct key k;
};

static struct ctx *
make(uint32_t max_records, uint32_t per_source)
{
	struct ctx *c = calloc(1, sizeof(*c));
	struct vh_dht_config cfg;

	memset(c->self, 0x55, 32);
	cfg = fake_config(&c->f, c->self);
	cfg.max_records = max_records;
	cfg.max_records_per_source = per_source;
	c->d = vh_dht_create(&cfg, T0);
	assert_non_null(c->d);
	key_from(&c->k, 1);
	return c;
}

static void
done(struct ctx *c)
{
	vh_dht_destroy(c->d);
	free(c);
}

static struct vh_dht_stats
stats(struct ctx *c)
{
	struct vh_dht_stats st;

	vh_dht_get_stats(c->d, &st);
	return st;
}

static const uint8_t src_a[32] = {0xa};

static void
test_check_each_reason(void **state)
{
	struct ctx *c = make(0, 0);
	uint8_t r[VH_DHT_REC_MAX + 8], big[VH_DHT_REC_MAX + 1];
	struct vh_dht_record rec;
	struct key other;
	int n = make_record(&c->k, 10, T0, "/udp/192.0.2.1:22088", r);
	uint64_t day = 24ULL * 3600 * 1000;

	(void)state;
	key_from(&other, 2);
	assert_int_equal(vh_dht_record_check(r, (size_t)n, T0, day, 600000, &rec), 0);
	assert_int_equal(rec.seq, 10);
	assert_memory_equal(rec.node_id, c->k.id, 32);
	assert_memory_equal(rec.pub, c->k.pk, 32);
	/* Every bit of the signed part matters. */
	for (int i = 1; i < n; i += 7) {
		r[i] ^= 0x10;
		assert_int_not_equal(vh_dht_record_check(r, (size_t)n, T0, day, 600000, &rec), 0);
		r[i] ^= 0x10;
	}
	/* Forged signature. */
	r[n - 1] ^= 1;
	assert_int_equal(vh_dht_record_check(r, (size_t)n, 0, 0, 0, &rec), 1 + VH_DHT_REJ_BAD_SIG);
	r[n - 1] ^= 1;
	/* Right signature, but the NodeID is not SHA-256 of the key. */
	memcpy(r + 1, other.id, 32);
	assert_int_equal(
		vh_dht_record_check(r, (size_t)n, 0, 0, 0, &rec), 1 + VH_DHT_REJ_BAD_NODEID);
	memcpy(r + 1, c->k.id, 32);
	/* Expired, future. */
	assert_int_equal(vh_dht_record_check(r, (size_t)n, T0 + day + 1, day, 600000, &rec),
		1 + VH_DHT_REJ_EXPIRED);
	assert_int_equal(vh_dht_record_check(r, (size_t)n, T0 - 600001, day, 600000, &rec),
		1 + VH_DHT_REJ_FUTURE);
	/* Oversized (length, address count), malformed (truncated, trailing, version). */
	memset(big, 0, sizeof(big));
	assert_int_equal(
		vh_dht_record_check(big, sizeof(big), 0, 0, 0, &rec), 1 + VH_DHT_REJ_OVERSIZED);
	r[81] = VH_DHT_REC_ADDRS + 1;
	assert_int_equal(
		vh_dht_record_check(r, (size_t)n, 0, 0, 0, &rec), 1 + VH_DHT_REJ_OVERSIZED);
	r[81] = 1;
	for (int cut = 0; cut < n; cut++)
		assert_int_equal(vh_dht_record_check(r, (size_t)cut, 0, 0, 0, &rec),
			1 + VH_DHT_REJ_MALFORMED);
	r[n] = 0;
	assert_int_equal(
		vh_dht_record_check(r, (size_t)n + 1, 0, 0, 0, &rec), 1 + VH_DHT_REJ_MALFORMED);
	r[0] = 2;
	assert_int_equal(
		vh_dht_record_check(r, (size_t)n, 0, 0, 0, &rec), 1 + VH_DHT_REJ_MALFORMED);
	/* The signer refuses bad input. */
	rec.naddrs = 0;
	assert_int_equal(vh_dht_record_sign(&rec, c->k.sk, r, sizeof(r)), -EINVAL);
	rec.naddrs = 1;
	rec.addr_len[0] = VH_DHT_ADDR_MAX + 1;
	assert_int_equal(vh_dht_record_sign(&rec, c->k.sk, r, sizeof(r)), -EINVAL);
	assert_string_equal(vh_dht_reject_name(VH_DHT_REJ_BAD_SIG), "bad-signature");
	assert_string_equal(vh_dht_reject_name(VH_DHT_REJ_MAX), "unknown");
	done(c);
}

static void
test_store_counts_by_reason(void **state)
{
	struct ctx *c = make(0, 0);
	uint8_t r1[VH_DHT_REC_MAX], r2[VH_DHT_REC_MAX], bad[VH_DHT_REC_MAX],
		big[VH_DHT_REC_MAX + 1];
	int n1 = make_record(&c->k, 10, T0, "/udp/192.0.2.1:22088", r1);
	int n2 = make_record(&c->k, 11, T0 + 5, "/udp/192.0.2.2:22088", r2);
	struct vh_dht_record got;
	struct vh_dht_stats st;
	struct key other;

	(void)state;
	key_from(&other, 3);
	assert_int_equal(vh_dht_store_record(c->d, src_a, r1, (size_t)n1, T0), 0);
	assert_int_equal(vh_dht_get_record(c->d, c->k.id, &got), 0);
	assert_int_equal(got.seq, 10);
	/* Same bytes again: refresh. Higher sequence: update. Lower: stale. */
	assert_int_equal(vh_dht_store_record(c->d, src_a, r1, (size_t)n1, T0 + 1), 0);
	assert_int_equal(vh_dht_store_record(c->d, src_a, r2, (size_t)n2, T0 + 2), 0);
	assert_int_equal(vh_dht_get_record(c->d, c->k.id, &got), 0);
	assert_int_equal(got.seq, 11);
	assert_int_equal(
		vh_dht_store_record(c->d, src_a, r1, (size_t)n1, T0 + 3), 1 + VH_DHT_REJ_STALE_SEQ);
	/* Same sequence, other content: refused as stale too. */
	make_record(&c->k, 11, T0 + 6, "/udp/192.0.2.3:22088", bad);
	assert_int_equal(vh_dht_store_record(c->d, src_a, bad, (size_t)n2, T0 + 3),
		1 + VH_DHT_REJ_STALE_SEQ);
	/* Forged, wrong NodeID, expired, future, oversized, malformed. */
	make_record(&other, 1, T0, "/udp/192.0.2.9:22088", bad);
	bad[n1 - 5] ^= 1;
	assert_int_equal(
		vh_dht_store_record(c->d, src_a, bad, (size_t)n1, T0), 1 + VH_DHT_REJ_BAD_SIG);
	make_record(&other, 1, T0, "/udp/192.0.2.9:22088", bad);
	bad[1] ^= 1;
	assert_int_equal(
		vh_dht_store_record(c->d, src_a, bad, (size_t)n1, T0), 1 + VH_DHT_REJ_BAD_NODEID);
	make_record(&other, 1, T0 - 25ULL * 3600 * 1000, "/udp/192.0.2.9:22088", bad);
	assert_int_equal(
		vh_dht_store_record(c->d, src_a, bad, (size_t)n1, T0), 1 + VH_DHT_REJ_EXPIRED);
	make_record(&other, 1, T0 + 3600 * 1000, "/udp/192.0.2.9:22088", bad);
	assert_int_equal(
		vh_dht_store_record(c->d, src_a, bad, (size_t)n1, T0), 1 + VH_DHT_REJ_FUTURE);
	memset(big, 1, sizeof(big));
	assert_int_equal(
		vh_dht_store_record(c->d, src_a, big, sizeof(big), T0), 1 + VH_DHT_REJ_OVERSIZED);
	assert_int_equal(vh_dht_store_record(c->d, src_a, r1, 10, T0), 1 + VH_DHT_REJ_MALFORMED);
	st = stats(c);
	assert_int_equal(st.rec_stored, 1);
	assert_int_equal(st.rec_refreshed, 1);
	assert_int_equal(st.rec_updated, 1);
	assert_int_equal(st.rec_rejected[VH_DHT_REJ_STALE_SEQ], 2);
	assert_int_equal(st.rec_rejected[VH_DHT_REJ_BAD_SIG], 1);
	assert_int_equal(st.rec_rejected[VH_DHT_REJ_BAD_NODEID], 1);
	assert_int_equal(st.rec_rejected[VH_DHT_REJ_EXPIRED], 1);
	assert_int_equal(st.rec_rejected[VH_DHT_REJ_FUTURE], 1);
	assert_int_equal(st.rec_rejected[VH_DHT_REJ_OVERSIZED], 1);
	assert_int_equal(st.rec_rejected[VH_DHT_REJ_MALFORMED], 1);
	assert_int_equal(st.records, 1);
	/* Records expire one TTL (1 h) after their last store. */
	vh_dht_tick(c->d, T0 + 3600 * 1000 + 60000);
	assert_int_equal(vh_dht_get_record(c->d, c->k.id, &got), -ENOENT);
	assert_int_equal(stats(c).rec_expired, 1);
	assert_int_equal(stats(c).records, 0);
	done(c);
}

static void
test_store_over_wire(void **state)
{
	struct ctx *c = make(0, 0);
	uint8_t r[VH_DHT_REC_MAX], buf[VH_DHT_MSG_MAX];
	struct vh_dht_msg m = {.type = VH_DHT_STORE, .txid = 77};
	struct vh_dht_msg reply;
	int n = make_record(&c->k, 1, T0, "/udp/192.0.2.1:22088", r), len;

	(void)state;
	m.rec = r;
	m.rec_len = (uint16_t)n;
	len = vh_dht_msg_encode(&m, buf, sizeof(buf));
	assert_int_equal(
		vh_dht_input(c->d, src_a, (const uint8_t *)"/x", 2, buf, (size_t)len, T0), 0);
	assert_int_equal(c->f.n, 1);
	assert_int_equal(vh_dht_msg_decode(c->f.q[0].msg, c->f.q[0].len, &reply), 0);
	assert_int_equal(reply.type, VH_DHT_STORED);
	assert_int_equal(reply.txid, 77);
	assert_int_equal(reply.status, 0);
	/* A forged copy: status names the reason. */
	buf[len - 1] ^= 1;
	vh_dht_input(c->d, src_a, (const uint8_t *)"/x", 2, buf, (size_t)len, T0);
	assert_int_equal(vh_dht_msg_decode(c->f.q[1].msg, c->f.q[1].len, &reply), 0);
	assert_int_equal(reply.status, 1 + VH_DHT_REJ_STALE_SEQ);
	/* FIND_VALUE answers with it. */
	m.type = VH_DHT_FIND_VALUE;
	memcpy(m.target, c->k.id, 32);
	len = vh_dht_msg_encode(&m, buf, sizeof(buf));
	vh_dht_input(c->d, src_a, (const uint8_t *)"/x", 2, buf, (size_t)len, T0);
	assert_int_equal(vh_dht_msg_decode(c->f.q[2].msg, c->f.q[2].len, &reply), 0);
	assert_int_equal(reply.type, VH_DHT_VALUE);
	assert_int_equal(reply.rec_len, n);
	assert_memory_equal(reply.rec, r, (size_t)n);
	done(c);
}

static void
test_flood_bounded(void **state)
{
	struct ctx *c = make(100, 10);
	uint8_t r[VH_DHT_REC_MAX];
	unsigned ok = 0;

	(void)state;
	/* One source with 50 distinct keys: 10 stored, 40 refused. */
	for (int i = 0; i < 50; i++) {
		struct key k;
		int n;

		key_from(&k, (uint8_t)(10 + i));
		n = make_record(&k, 1, T0, "/udp/192.0.2.1:22088", r);
		ok += vh_dht_store_record(c->d, src_a, r, (size_t)n, T0) == 0;
	}
	assert_int_equal(ok, 10);
	assert_int_equal(stats(c).rec_rejected[VH_DHT_REJ_SOURCE_LIMIT], 40);
	/* 30 sources with 5 keys each: the store stops at 100 in all. */
	for (int s = 0; s < 30; s++) {
		uint8_t src[32] = {(uint8_t)(0x80 + s)};

		for (int i = 0; i < 5; i++) {
			struct key k;
			int n;

			key_from(&k, (uint8_t)(100 + s * 5 + i));
			n = make_record(&k, 1, T0, "/udp/192.0.2.1:22088", r);
			ok += vh_dht_store_record(c->d, src, r, (size_t)n, T0) == 0;
		}
	}
	assert_int_equal(ok, 100);
	assert_int_equal(stats(c).records, 100);
	assert_int_equal(stats(c).rec_rejected[VH_DHT_REJ_STORE_FULL], 60);
	/* An update of a stored key needs no new slot and still goes in. */
	{
		struct key k;
		int n;

		key_from(&k, 10);
		n = make_record(&k, 2, T0, "/udp/192.0.2.1:22088", r);
		assert_int_equal(vh_dht_store_record(c->d, src_a, r, (size_t)n, T0), 0);
	}
	done(c);
}

static void
test_export_import(void **state)
{
	struct ctx *c = make(0, 0), *c2;
	uint8_t r[VH_DHT_REC_MAX], *blob;
	long len;
	uint64_t rng = 5;
	struct vh_dht_record got;

	(void)state;
	for (int i = 0; i < 30; i++) {
		struct vh_dht_msg m = {.type = VH_DHT_PING, .txid = 1};
		struct vh_dht_contact who;
		uint8_t id[32], buf[8];
		int n = vh_dht_msg_encode(&m, buf, sizeof(buf));

		fill_rand(&rng, id, 32);
		contact_of(&who, id, (unsigned)i);
		vh_dht_input(c->d, id, who.addr, who.addr_len, buf, (size_t)n, T0);
	}
	for (int i = 0; i < 3; i++) {
		struct key k;
		int n;

		key_from(&k, (uint8_t)(20 + i));
		n = make_record(&k, 5, T0, "/udp/192.0.2.1:22088", r);
		assert_int_equal(vh_dht_store_record(c->d, src_a, r, (size_t)n, T0), 0);
	}
	len = vh_dht_export(c->d, NULL, 0);
	assert_true(len > 0);
	blob = malloc((size_t)len);
	assert_int_equal(vh_dht_export(c->d, blob, (size_t)len - 1), -ENOSPC);
	assert_int_equal(vh_dht_export(c->d, blob, (size_t)len), len);
	c2 = make(0, 0);
	/* Every truncation is refused and changes nothing. */
	for (long cut = 0; cut < len; cut++)
		assert_true(vh_dht_import(c2->d, blob, (size_t)cut, T0) < 0);
	assert_int_equal(stats(c2).table_size, 0);
	assert_int_equal(stats(c2).records, 0);
	assert_int_equal(vh_dht_import(c2->d, blob, (size_t)len, T0 + 1000), 33);
	assert_int_equal(stats(c2).table_size, 30);
	assert_int_equal(stats(c2).records, 3);
	{
		struct key k;

		key_from(&k, 21);
		assert_int_equal(vh_dht_get_record(c2->d, k.id, &got), 0);
		assert_int_equal(got.seq, 5);
	}
	/* A blob of another node is refused; so are records gone stale meanwhile. */
	blob[5] ^= 1;
	assert_int_equal(vh_dht_import(c2->d, blob, (size_t)len, T0), -EXDEV);
	blob[5] ^= 1;
	done(c2);
	c2 = make(0, 0);
	assert_int_equal(vh_dht_import(c2->d, blob, (size_t)len, T0 + 25ULL * 3600 * 1000), 30);
	assert_int_equal(stats(c2).rec_rejected[VH_DHT_REJ_EXPIRED], 3);
	free(blob);
	done(c2);
	done(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_each_reason),
		cmocka_unit_test(test_store_counts_by_reason),
		cmocka_unit_test(test_store_over_wire),
		cmocka_unit_test(test_flood_bounded),
		cmocka_unit_test(test_export_import),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
