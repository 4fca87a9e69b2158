/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The XOR metric: distances, bucket indexes, comparisons.
 */
#include <sodium.h>

#include "dht_internal.h"

void
vh_dht_distance(const uint8_t *a, const uint8_t *b, uint8_t out[VH_DHT_ID_LEN])
{
	for (int i = 0; i < VH_DHT_ID_LEN; i++)
		out[i] = a[i] ^ b[i];
}

int
vh_dht_bucket_index(const uint8_t *self, const uint8_t *id)
{
	for (int i = 0; i < VH_DHT_ID_LEN; i++) {
		uint8_t x = self[i] ^ id[i];

		if (x != 0)
			return (VH_DHT_ID_LEN - 1 - i) * 8 + (31 - __builtin_clz(x));
	}
	return -1;
}

int
vh_dht_cmp_distance(const uint8_t *target, const uint8_t *a, const uint8_t *b)
{
	for (int i = 0; i < VH_DHT_ID_LEN; i++) {
		uint8_t da = a[i] ^ target[i];
		uint8_t db = b[i] ^ target[i];

		if (da != db)
			return da < db ? -1 : 1;
	}
	return 0;
}

void
vh_dht_node_id_of(const uint8_t pub[VH_DHT_PUB_LEN], uint8_t id[VH_DHT_ID_LEN])
{
	crypto_hash_sha256(id, pub, VH_DHT_PUB_LEN);
}
