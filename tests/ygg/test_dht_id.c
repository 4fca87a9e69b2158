/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * XOR distance, bucket index and distance order, checked against a bit-by-bit
 * reference written independently of lib/ygg's byte-wise code.
 */
#include "dht_test.h"

/* Reference: index of the highest set bit of a XOR b, as a 256-bit number. */
static int
ref_bucket(const uint8_t *a, const uint8_t *b)
{
	for (int bit = 255; bit >= 0; bit--) {
		int byte = 31 - bit / 8;

		if (((a[byte] ^ b[byte]) >> (bit % 8)) & 1)
			return bit;
	}
	return -1;
}

static void
test_distance(void **state)
{
	uint8_t a[32], b[32], d[32], back[32];
	uint64_t rng = 1;

	(void)state;
	fill_rand(&rng, a, 32);
	fill_rand(&rng, b, 32);
	vh_dht_distance(a, b, d);
	for (int i = 0; i < 32; i++)
		assert_int_equal(d[i], a[i] ^ b[i]);
	vh_dht_distance(d, b, back);
	assert_memory_equal(back, a, 32);
	vh_dht_distance(a, a, d);
	for (int i = 0; i < 32; i++)
		assert_int_equal(d[i], 0);
}

static void
test_bucket_edges(void **state)
{
	uint8_t self[32] = {0}, id[32] = {0};

	(void)state;
	assert_int_equal(vh_dht_bucket_index(self, id), -1);
	id[31] = 1; /* distance 1: bucket 0 */
	assert_int_equal(vh_dht_bucket_index(self, id), 0);
	id[31] = 3; /* distance 3: [2, 4) */
	assert_int_equal(vh_dht_bucket_index(self, id), 1);
	id[31] = 0x80;
	assert_int_equal(vh_dht_bucket_index(self, id), 7);
	memset(id, 0, 32);
	id[30] = 1;
	assert_int_equal(vh_dht_bucket_index(self, id), 8);
	memset(id, 0, 32);
	id[0] = 0x80; /* far half */
	assert_int_equal(vh_dht_bucket_index(self, id), 255);
	id[0] = 0x7f;
	assert_int_equal(vh_dht_bucket_index(self, id), 254);
	memset(self, 0xff, 32);
	memset(id, 0xff, 32);
	id[31] = 0xfe;
	assert_int_equal(vh_dht_bucket_index(self, id), 0);
}

static void
test_bucket_random(void **state)
{
	uint8_t a[32], b[32];
	uint64_t rng = 7;
	unsigned seen[256] = {0};

	(void)state;
	for (int i = 0; i < 20000; i++) {
		int want;

		fill_rand(&rng, a, 32);
		memcpy(b, a, 32);
		/* Flip one random bit and randomise everything below it. */
		want = (int)(mix64(&rng) % 256);
		id_in_bucket(a, want, &rng, b);
		assert_int_equal(ref_bucket(a, b), want);
		assert_int_equal(vh_dht_bucket_index(a, b), want);
		assert_int_equal(vh_dht_bucket_index(b, a), want); /* symmetric */
		seen[want]++;
	}
	for (int i = 0; i < 256; i++)
		assert_true(seen[i] > 0);
}

static void
test_cmp_distance(void **state)
{
	uint8_t t[32], a[32], b[32], da[32], db[32];
	uint64_t rng = 3;

	(void)state;
	for (int i = 0; i < 5000; i++) {
		int c, ref;

		fill_rand(&rng, t, 32);
		fill_rand(&rng, a, 32);
		memcpy(b, a, 32);
		b[mix64(&rng) % 32] ^= (uint8_t)(1u << (mix64(&rng) % 8));
		if (i % 2)
			fill_rand(&rng, b, 32);
		vh_dht_distance(t, a, da);
		vh_dht_distance(t, b, db);
		ref = memcmp(da, db, 32);
		c = vh_dht_cmp_distance(t, a, b);
		assert_true((c < 0) == (ref < 0) && (c > 0) == (ref > 0));
		assert_int_equal(vh_dht_cmp_distance(t, b, a), -c);
	}
	assert_int_equal(vh_dht_cmp_distance(t, a, a), 0);
}

static void
test_node_id_of(void **state)
{
	struct key k;
	uint8_t h[32];

	(void)state;
	key_from(&k, 9);
	crypto_hash_sha256(h, k.pk, 32);
	assert_memory_equal(k.id, h, 32);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_distance),
		cmocka_unit_test(test_bucket_edges),
		cmocka_unit_test(test_bucket_random),
		cmocka_unit_test(test_cmp_distance),
		cmocka_unit_test(test_node_id_of),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
