/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Signed items: small values a key holder stores in the DHT under
 * SHA-256(NodeID || salt), in the manner of BitTorrent's BEP 44 mutable
 * items (a public key, a salt, a sequence number, a signature over all of
 * it; a higher sequence replaces a lower one). The key is derived from the
 * NodeID rather than the public key so that a reader who knows only a
 * NodeID can find the item; it stays bound to the key because the NodeID is
 * SHA-256 of it. Items travel in the same STORE / FIND_VALUE / VALUE
 * messages and the same bounded store as location records, told apart by
 * their first byte (docs/mix-node.md "Descriptors in the DHT").
 */
#include <errno.h>
#include <sodium.h>

#include "dht_internal.h"

#define PREFIX_LEN (sizeof(VH_DHT_ITEM_SIG_PREFIX) - 1)

void
vh_dht_item_key(const uint8_t node_id[VH_DHT_ID_LEN], const uint8_t *salt, size_t salt_len,
	uint8_t key[VH_DHT_ID_LEN])
{
	crypto_hash_sha256_state st;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, node_id, VH_DHT_ID_LEN);
	crypto_hash_sha256_update(&st, salt, salt_len);
	crypto_hash_sha256_final(&st, key);
}

/* Prefix || body, the signed bytes. */
static size_t
sign_input(const uint8_t *body, size_t body_len, uint8_t *out)
{
	memcpy(out, VH_DHT_ITEM_SIG_PREFIX, PREFIX_LEN);
	memcpy(out + PREFIX_LEN, body, body_len);
	return PREFIX_LEN + body_len;
}

int
vh_dht_item_sign(struct vh_dht_item *it, const uint8_t sk[VH_DHT_SEC_LEN], uint8_t *out, size_t cap)
{
	uint8_t msg[PREFIX_LEN + VH_DHT_REC_MAX], id[VH_DHT_ID_LEN];
	size_t len, mlen;

	if (it == NULL || sk == NULL || out == NULL || it->salt_len > VH_DHT_ITEM_SALT_MAX ||
		it->value_len == 0 || it->value_len > VH_DHT_ITEM_VALUE_MAX || it->value == NULL)
		return -EINVAL;
	len = VH_DHT_ITEM_HDR + it->salt_len + it->value_len + VH_DHT_SIG_LEN;
	if (cap < len)
		return -EMSGSIZE;
	memcpy(it->pub, sk + 32, VH_DHT_PUB_LEN); /* libsodium: seed || public */
	out[0] = VH_DHT_ITEM_TAG;
	out[1] = it->salt_len;
	vh_put_be16(out + 2, it->value_len);
	memcpy(out + 4, it->pub, VH_DHT_PUB_LEN);
	vh_put_be64(out + 36, it->seq);
	vh_put_be64(out + 44, it->timestamp_ms);
	memcpy(out + VH_DHT_ITEM_HDR, it->salt, it->salt_len);
	memcpy(out + VH_DHT_ITEM_HDR + it->salt_len, it->value, it->value_len);
	mlen = sign_input(out, len - VH_DHT_SIG_LEN, msg);
	crypto_sign_detached(out + len - VH_DHT_SIG_LEN, NULL, msg, mlen, sk);
	vh_dht_node_id_of(it->pub, id);
	vh_dht_item_key(id, it->salt, it->salt_len, it->key);
	it->value = out + VH_DHT_ITEM_HDR + it->salt_len;
	return (int)len;
}

int
item_decode(const uint8_t *buf, size_t len, struct vh_dht_item *it)
{
	uint8_t id[VH_DHT_ID_LEN];

	if (len > VH_DHT_REC_MAX)
		return 1 + VH_DHT_REJ_OVERSIZED;
	if (len < VH_DHT_ITEM_HDR + 1 + VH_DHT_SIG_LEN || buf[0] != VH_DHT_ITEM_TAG)
		return 1 + VH_DHT_REJ_MALFORMED;
	it->salt_len = buf[1];
	it->value_len = vh_get_be16(buf + 2);
	if (it->salt_len > VH_DHT_ITEM_SALT_MAX || it->value_len == 0 ||
		it->value_len > VH_DHT_ITEM_VALUE_MAX)
		return 1 + VH_DHT_REJ_MALFORMED;
	if (len != VH_DHT_ITEM_HDR + (size_t)it->salt_len + it->value_len + VH_DHT_SIG_LEN)
		return 1 + VH_DHT_REJ_MALFORMED;
	memcpy(it->pub, buf + 4, VH_DHT_PUB_LEN);
	it->seq = vh_get_be64(buf + 36);
	it->timestamp_ms = vh_get_be64(buf + 44);
	memcpy(it->salt, buf + VH_DHT_ITEM_HDR, it->salt_len);
	it->value = buf + VH_DHT_ITEM_HDR + it->salt_len;
	vh_dht_node_id_of(it->pub, id);
	vh_dht_item_key(id, it->salt, it->salt_len, it->key);
	return 0;
}

int
item_verify_sig(const struct vh_dht_item *it, const uint8_t *buf, size_t len)
{
	uint8_t msg[PREFIX_LEN + VH_DHT_REC_MAX];
	size_t mlen = sign_input(buf, len - VH_DHT_SIG_LEN, msg);

	if (crypto_sign_verify_detached(buf + len - VH_DHT_SIG_LEN, msg, mlen, it->pub) != 0)
		return 1 + VH_DHT_REJ_BAD_SIG;
	return 0;
}

int
item_check_time(
	const struct vh_dht_item *it, uint64_t now, uint64_t max_age_ms, uint64_t max_skew_ms)
{
	struct vh_dht_record r = {.timestamp_ms = it->timestamp_ms};

	return record_check_time(&r, now, max_age_ms, max_skew_ms);
}

int
vh_dht_item_check(const uint8_t *buf, size_t len, uint64_t now, uint64_t max_age_ms,
	uint64_t max_skew_ms, struct vh_dht_item *it)
{
	int rc;

	if (buf == NULL || it == NULL)
		return 1 + VH_DHT_REJ_MALFORMED;
	rc = item_decode(buf, len, it);
	if (rc == 0)
		rc = item_check_time(it, now, max_age_ms, max_skew_ms);
	if (rc == 0)
		rc = item_verify_sig(it, buf, len);
	return rc;
}

int
vh_dht_put_item(struct vh_dht *d, const uint8_t *buf, size_t len, uint64_t now)
{
	struct vh_dht_item it;
	int what = 0, rc, id;

	if (d == NULL || buf == NULL)
		return -EINVAL;
	if (now > d->now)
		d->now = now;
	rc = vh_dht_item_check(buf, len, d->now, d->lim.max_age_ms, d->lim.max_skew_ms, &it);
	if (rc != 0)
		return -EINVAL;
	/* our own copy answers FIND_VALUE too, and survives an empty table */
	rc = store_put(&d->s, d->self, buf, len, d->now, &d->lim, &what);
	if (rc != 0 && rc != 1 + VH_DHT_REJ_STALE_SEQ)
		d->st.rec_rejected[rc - 1]++;
	id = lookup_start(d, LK_PUT, it.key, 0, NULL, NULL, buf, len);
	if (id <= 0)
		return id < 0 ? id : -ENETUNREACH;
	return 0;
}
