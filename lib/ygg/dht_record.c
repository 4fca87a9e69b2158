/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Location records: NodeID, public key, sequence, timestamp, addresses and an
 * Ed25519 signature by the NodeID's own key over a domain-separated copy of
 * everything before it. The key travels in the record so any holder can
 * check SHA-256(pub) == NodeID without asking anyone.
 */
#include <errno.h>
#include <sodium.h>

#include "dht_internal.h"

#define REC_HDR 82 /* version 1, node_id 32, pub 32, seq 8, timestamp 8, naddrs 1 */
#define PREFIX_LEN (sizeof(VH_DHT_REC_SIG_PREFIX) - 1)

static const char *const reject_names[] = {
#define VH_DHT_X_NAME(e, s) s,
	VH_DHT_REJECT_REASONS(VH_DHT_X_NAME)
#undef VH_DHT_X_NAME
};

const char *
vh_dht_reject_name(unsigned reason)
{
	return reason < VH_DHT_REJ_MAX ? reject_names[reason] : "unknown";
}

static size_t
encoded_len(const struct vh_dht_record *rec)
{
	size_t n = REC_HDR + VH_DHT_SIG_LEN;

	for (unsigned i = 0; i < rec->naddrs; i++)
		n += 1 + rec->addr_len[i];
	return n;
}

/* Signed bytes: the domain prefix, then the record up to its signature. */
static int
sign_input(const uint8_t *body, size_t body_len, uint8_t *out)
{
	if (body_len > VH_DHT_REC_MAX)
		return -EMSGSIZE;
	memcpy(out, VH_DHT_REC_SIG_PREFIX, PREFIX_LEN);
	memcpy(out + PREFIX_LEN, body, body_len);
	return (int)(PREFIX_LEN + body_len);
}

int
vh_dht_record_sign(
	struct vh_dht_record *rec, const uint8_t sk[VH_DHT_SEC_LEN], uint8_t *out, size_t cap)
{
	uint8_t msg[PREFIX_LEN + VH_DHT_REC_MAX];
	size_t len, off = REC_HDR;
	int mlen;

	if (rec->naddrs == 0 || rec->naddrs > VH_DHT_REC_ADDRS)
		return -EINVAL;
	for (unsigned i = 0; i < rec->naddrs; i++)
		if (rec->addr_len[i] == 0 || rec->addr_len[i] > VH_DHT_ADDR_MAX)
			return -EINVAL;
	len = encoded_len(rec);
	if (len > cap)
		return -EMSGSIZE;
	memcpy(rec->pub, sk + 32, VH_DHT_PUB_LEN);
	vh_dht_node_id_of(rec->pub, rec->node_id);
	out[0] = VH_DHT_VERSION;
	memcpy(out + 1, rec->node_id, VH_DHT_ID_LEN);
	memcpy(out + 33, rec->pub, VH_DHT_PUB_LEN);
	vh_put_be64(out + 65, rec->seq);
	vh_put_be64(out + 73, rec->timestamp_ms);
	out[81] = rec->naddrs;
	for (unsigned i = 0; i < rec->naddrs; i++) {
		out[off++] = rec->addr_len[i];
		memcpy(out + off, rec->addrs[i], rec->addr_len[i]);
		off += rec->addr_len[i];
	}
	mlen = sign_input(out, off, msg);
	if (mlen < 0)
		return mlen;
	crypto_sign_detached(rec->sig, NULL, msg, (unsigned long long)mlen, sk);
	memcpy(out + off, rec->sig, VH_DHT_SIG_LEN);
	return (int)len;
}

static int
decode_addrs(const uint8_t *buf, size_t end, size_t *off, struct vh_dht_record *rec)
{
	for (unsigned i = 0; i < rec->naddrs; i++) {
		uint8_t l;

		if (*off >= end)
			return 1 + VH_DHT_REJ_MALFORMED;
		l = buf[(*off)++];
		if (l == 0)
			return 1 + VH_DHT_REJ_MALFORMED;
		if (l > VH_DHT_ADDR_MAX)
			return 1 + VH_DHT_REJ_OVERSIZED;
		if (l > end - *off)
			return 1 + VH_DHT_REJ_MALFORMED;
		rec->addr_len[i] = l;
		memcpy(rec->addrs[i], buf + *off, l);
		*off += l;
	}
	return 0;
}

int
record_decode(const uint8_t *buf, size_t len, struct vh_dht_record *rec)
{
	size_t off = REC_HDR;
	int rc;

	if (len > VH_DHT_REC_MAX)
		return 1 + VH_DHT_REJ_OVERSIZED;
	if (len < REC_HDR + VH_DHT_SIG_LEN || buf[0] != VH_DHT_VERSION)
		return 1 + VH_DHT_REJ_MALFORMED;
	memcpy(rec->node_id, buf + 1, VH_DHT_ID_LEN);
	memcpy(rec->pub, buf + 33, VH_DHT_PUB_LEN);
	rec->seq = vh_get_be64(buf + 65);
	rec->timestamp_ms = vh_get_be64(buf + 73);
	rec->naddrs = buf[81];
	if (rec->naddrs == 0)
		return 1 + VH_DHT_REJ_MALFORMED;
	if (rec->naddrs > VH_DHT_REC_ADDRS)
		return 1 + VH_DHT_REJ_OVERSIZED;
	rc = decode_addrs(buf, len - VH_DHT_SIG_LEN, &off, rec);
	if (rc != 0)
		return rc;
	if (off != len - VH_DHT_SIG_LEN)
		return 1 + VH_DHT_REJ_MALFORMED;
	memcpy(rec->sig, buf + off, VH_DHT_SIG_LEN);
	return 0;
}

int
record_verify_sig(const struct vh_dht_record *rec, const uint8_t *buf, size_t len)
{
	uint8_t msg[PREFIX_LEN + VH_DHT_REC_MAX];
	uint8_t id[VH_DHT_ID_LEN];
	int mlen;

	vh_dht_node_id_of(rec->pub, id);
	if (sodium_memcmp(id, rec->node_id, VH_DHT_ID_LEN) != 0)
		return 1 + VH_DHT_REJ_BAD_NODEID;
	mlen = sign_input(buf, len - VH_DHT_SIG_LEN, msg);
	if (mlen < 0)
		return 1 + VH_DHT_REJ_OVERSIZED;
	if (crypto_sign_verify_detached(rec->sig, msg, (unsigned long long)mlen, rec->pub) != 0)
		return 1 + VH_DHT_REJ_BAD_SIG;
	return 0;
}

int
record_check_time(
	const struct vh_dht_record *rec, uint64_t now, uint64_t max_age_ms, uint64_t max_skew_ms)
{
	if (now == 0)
		return 0;
	if (rec->timestamp_ms > now && rec->timestamp_ms - now > max_skew_ms)
		return 1 + VH_DHT_REJ_FUTURE;
	if (rec->timestamp_ms < now && now - rec->timestamp_ms > max_age_ms)
		return 1 + VH_DHT_REJ_EXPIRED;
	return 0;
}

int
vh_dht_record_check(const uint8_t *buf, size_t len, uint64_t now, uint64_t max_age_ms,
	uint64_t max_skew_ms, struct vh_dht_record *rec)
{
	int rc = record_decode(buf, len, rec);

	if (rc == 0)
		rc = record_check_time(rec, now, max_age_ms, max_skew_ms);
	if (rc == 0)
		rc = record_verify_sig(rec, buf, len);
	return rc;
}
