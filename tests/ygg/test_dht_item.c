/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Signed items (dht_item.c): encoding, key derivation, every rejection,
 * the store (sequence rules, a local FIND_VALUE answering with the item),
 * and a put on an empty table keeping the local copy.
 */
#include "dht_test.h"

static const uint8_t salt[] = "mix\0\0\0\0\0\0\0\x07";
static const uint8_t value[] = "a descriptor, say";

static int
make_item(
	const struct key *k, uint64_t seq, uint64_t ts, const uint8_t *v, size_t vlen, uint8_t *out)
{
	struct vh_dht_item it = {.seq = seq, .timestamp_ms = ts, .salt_len = sizeof(salt) - 1};

	memcpy(it.salt, salt, it.salt_len);
	it.value = v;
	it.value_len = (uint16_t)vlen;
	return vh_dht_item_sign(&it, k->sk, out, VH_DHT_REC_MAX);
}

static void
test_sign_check(void **state)
{
	struct key k;
	struct vh_dht_item it;
	uint8_t buf[VH_DHT_REC_MAX], key[32];
	int len;

	(void)state;
	key_from(&k, 3);
	len = make_item(&k, 5, T0, value, sizeof(value), buf);
	assert_int_equal(len, VH_DHT_ITEM_HDR + (int)sizeof(salt) - 1 + (int)sizeof(value) + 64);
	assert_int_equal(buf[0], VH_DHT_ITEM_TAG);
	assert_int_equal(vh_dht_item_check(buf, (size_t)len, T0, 60000, 60000, &it), 0);
	assert_int_equal(it.seq, 5);
	assert_memory_equal(it.pub, k.pk, 32);
	assert_int_equal(it.value_len, sizeof(value));
	assert_memory_equal(it.value, value, sizeof(value));
	/* the key is SHA-256(NodeID || salt) */
	vh_dht_item_key(k.id, salt, sizeof(salt) - 1, key);
	assert_memory_equal(it.key, key, 32);
	{
		uint8_t in[32 + sizeof(salt) - 1], h[32];

		memcpy(in, k.id, 32);
		memcpy(in + 32, salt, sizeof(salt) - 1);
		crypto_hash_sha256(h, in, sizeof(in));
		assert_memory_equal(h, key, 32);
	}
}

static void
test_rejections(void **state)
{
	struct key k;
	struct vh_dht_item it;
	uint8_t buf[VH_DHT_REC_MAX], big[VH_DHT_ITEM_VALUE_MAX + 1] = {0};
	int len;

	(void)state;
	key_from(&k, 4);
	len = make_item(&k, 1, T0, value, sizeof(value), buf);
	for (int i = 0; i < len; i++) {
		int rc;

		buf[i] ^= 0x01;
		rc = vh_dht_item_check(buf, (size_t)len, T0, 60000, 60000, &it);
		buf[i] ^= 0x01;
		assert_true(rc != 0); /* every byte is covered (tag, lengths, signature) */
	}
	assert_int_equal(vh_dht_item_check(buf, (size_t)len - 1, T0, 60000, 60000, &it),
		1 + VH_DHT_REJ_MALFORMED);
	assert_int_equal(vh_dht_item_check(buf, (size_t)len, T0 + 120000, 60000, 60000, &it),
		1 + VH_DHT_REJ_EXPIRED);
	assert_int_equal(vh_dht_item_check(buf, (size_t)len, T0 - 120000, 60000, 60000, &it),
		1 + VH_DHT_REJ_FUTURE);
	assert_int_equal(make_item(&k, 1, T0, big, sizeof(big), buf), -EINVAL);
	assert_int_equal(make_item(&k, 1, T0, value, 0, buf), -EINVAL);
}

struct got {
	bool done, found;
	uint8_t item[VH_DHT_REC_MAX];
	size_t len;
};

static void
on_value(void *arg, const struct vh_dht_lookup_result *res)
{
	struct got *g = arg;

	g->done = true;
	g->found = res->found && res->item != NULL;
	if (res->item != NULL) {
		memcpy(g->item, res->item, res->item_len);
		g->len = res->item_len;
	}
	assert_null(res->record);
}

static void
test_store_and_local_find(void **state)
{
	struct fake f = {.rng = 7};
	uint8_t self[32] = {9}, src[32] = {8}, buf[VH_DHT_REC_MAX], key[32];
	struct vh_dht_config cfg = fake_config(&f, self);
	struct vh_dht *d = vh_dht_create(&cfg, T0);
	struct vh_dht_item it;
	struct got g = {0};
	struct key k;
	int len;

	(void)state;
	key_from(&k, 5);
	vh_dht_item_key(k.id, salt, sizeof(salt) - 1, key);
	len = make_item(&k, 2, T0, value, sizeof(value), buf);
	assert_int_equal(vh_dht_store_record(d, src, buf, (size_t)len, T0), 0);
	assert_int_equal(vh_dht_find_value(d, key, on_value, &g, T0), 0);
	assert_true(g.done && g.found);
	assert_int_equal(g.len, (size_t)len);
	assert_int_equal(vh_dht_item_check(g.item, g.len, T0, 60000, 60000, &it), 0);
	/* a lower sequence is stale, a higher one replaces it */
	len = make_item(&k, 1, T0, (const uint8_t *)"older", 5, buf);
	assert_int_equal(
		vh_dht_store_record(d, src, buf, (size_t)len, T0), 1 + VH_DHT_REJ_STALE_SEQ);
	len = make_item(&k, 3, T0 + 1, (const uint8_t *)"newer", 5, buf);
	assert_int_equal(vh_dht_store_record(d, src, buf, (size_t)len, T0 + 1), 0);
	g.done = false;
	assert_int_equal(vh_dht_find_value(d, key, on_value, &g, T0 + 1), 0);
	assert_true(g.found);
	assert_int_equal(vh_dht_item_check(g.item, g.len, T0, 60000, 60000, &it), 0);
	assert_memory_equal(it.value, "newer", 5);
	/* a forged signature is refused by the store */
	buf[len - 1] ^= 1;
	assert_int_equal(vh_dht_store_record(d, src, buf, (size_t)len, T0 + 1),
		1 + VH_DHT_REJ_STALE_SEQ); /* same seq, other bytes: refused before the sig */
	make_item(&k, 4, T0 + 2, (const uint8_t *)"forged", 6, buf);
	buf[VH_DHT_ITEM_HDR + sizeof(salt) - 1] ^= 1; /* value byte */
	assert_int_equal(
		vh_dht_store_record(d, src, buf, (size_t)len + 1, T0 + 2), 1 + VH_DHT_REJ_BAD_SIG);
	vh_dht_destroy(d);
}

static void
test_put_empty_table(void **state)
{
	struct fake f = {.rng = 11};
	struct key k;
	uint8_t buf[VH_DHT_REC_MAX], key[32];
	struct vh_dht_config cfg;
	struct vh_dht *d;
	struct got g = {0};
	int len;

	(void)state;
	key_from(&k, 6);
	cfg = fake_config(&f, NULL);
	cfg.node_id = NULL;
	cfg.secret_key = k.sk;
	d = vh_dht_create(&cfg, T0);
	assert_non_null(d);
	len = make_item(&k, 1, T0, value, sizeof(value), buf);
	/* nobody to store at, but the local copy answers */
	assert_int_equal(vh_dht_put_item(d, buf, (size_t)len, T0), -ENETUNREACH);
	vh_dht_item_key(k.id, salt, sizeof(salt) - 1, key);
	assert_int_equal(vh_dht_find_value(d, key, on_value, &g, T0), 0);
	assert_true(g.found);
	buf[10] ^= 1;
	assert_int_equal(vh_dht_put_item(d, buf, (size_t)len, T0), -EINVAL);
	vh_dht_destroy(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sign_check),
		cmocka_unit_test(test_rejections),
		cmocka_unit_test(test_store_and_local_find),
		cmocka_unit_test(test_put_empty_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
