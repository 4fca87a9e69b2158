/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The integrity check of a value stored in LMDB (TOFU pins, the DHT state):
 * version byte || data || BLAKE2b-128 over the database name, the key, the
 * version and the data. LMDB checks none of its pages' contents, so a
 * flipped bit in a value would otherwise be read as a different NodeID or
 * contact. The key is covered too: a flipped label must not move a pin to
 * another label. Decision 0012 says why BLAKE2b and not CRC32C.
 */
#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "vh_identity.h"

#define DOMAIN "valhalla-lmdb-record"

static int
tag(const char *db, const void *key, size_t klen, uint8_t version, const uint8_t *data, size_t dlen,
	uint8_t out[VH_IDENTITY_RECORD_SUM_LEN])
{
	crypto_generichash_state st;
	uint8_t n[2] = {(uint8_t)(klen >> 8), (uint8_t)klen};

	if (klen > UINT16_MAX)
		return -EINVAL;
	crypto_generichash_init(&st, NULL, 0, VH_IDENTITY_RECORD_SUM_LEN);
	/* the NUL after each name keeps "ab"+"c" apart from "a"+"bc" */
	crypto_generichash_update(&st, (const uint8_t *)DOMAIN, sizeof(DOMAIN));
	crypto_generichash_update(&st, (const uint8_t *)db, strlen(db) + 1);
	crypto_generichash_update(&st, n, sizeof(n));
	crypto_generichash_update(&st, key, klen);
	crypto_generichash_update(&st, &version, 1);
	crypto_generichash_update(&st, data, dlen);
	crypto_generichash_final(&st, out, VH_IDENTITY_RECORD_SUM_LEN);
	return 0;
}

long
vh_identity_record_seal(const char *db, const void *key, size_t klen, const uint8_t *data,
	size_t dlen, uint8_t *out, size_t cap)
{
	uint8_t sum[VH_IDENTITY_RECORD_SUM_LEN];

	if (db == NULL || (key == NULL && klen > 0) || (data == NULL && dlen > 0) || out == NULL)
		return -EINVAL;
	if (cap < VH_IDENTITY_RECORD_OVERHEAD || dlen > cap - VH_IDENTITY_RECORD_OVERHEAD)
		return -ENOBUFS;
	if (tag(db, key, klen, VH_IDENTITY_RECORD_VERSION, data, dlen, sum) != 0)
		return -EINVAL;
	if (dlen > 0)
		memmove(out + 1, data, dlen); /* data may already sit at out + 1 */
	out[0] = VH_IDENTITY_RECORD_VERSION;
	memcpy(out + 1 + dlen, sum, sizeof(sum));
	return (long)(dlen + VH_IDENTITY_RECORD_OVERHEAD);
}

int
vh_identity_record_open(const char *db, const void *key, size_t klen, const uint8_t *val,
	size_t vlen, const uint8_t **data, size_t *dlen)
{
	uint8_t sum[VH_IDENTITY_RECORD_SUM_LEN];
	size_t n;

	if (db == NULL || (key == NULL && klen > 0) || (val == NULL && vlen > 0) || data == NULL ||
		dlen == NULL)
		return -EINVAL;
	if (vlen < VH_IDENTITY_RECORD_OVERHEAD)
		return -EBADMSG;
	if (val[0] != VH_IDENTITY_RECORD_VERSION)
		return -EPROTO;
	n = vlen - VH_IDENTITY_RECORD_OVERHEAD;
	if (tag(db, key, klen, val[0], val + 1, n, sum) != 0)
		return -EINVAL;
	if (sodium_memcmp(sum, val + 1 + n, sizeof(sum)) != 0)
		return -EBADMSG;
	*data = val + 1;
	*dlen = n;
	return 0;
}
