/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Signed mix descriptors: what a mixnode publishes (in the DHT) ahead of
 * each epoch so clients can build paths through it. Fixed layout,
 * big-endian, every length checked before use; the Ed25519 signature covers
 * a domain-separation prefix and every byte before it (docs/mix-keys.md).
 */
#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "vh_mix.h"

#define OFF_VERSION 0
#define OFF_LAYER 1
#define OFF_ADDR_LEN 2
#define OFF_RESERVED 3
#define OFF_NODE_ID 4
#define OFF_SIGN_PK 36
#define OFF_EPOCH 68
#define OFF_MIX_KEY 76
#define OFF_TIMESTAMP 108
#define OFF_ADDR VH_MIX_DESC_FIXED_LEN

#define DOMAIN_LEN (sizeof(VH_MIX_DESC_SIG_DOMAIN) - 1)

static void
put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t
get_be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* Printable ASCII, no space, starting with '/': PathAddr text (docs/protocol.md). */
static bool
addr_ok(const uint8_t *a, size_t len)
{
	if (len == 0)
		return true;
	if (a[0] != '/')
		return false;
	for (size_t i = 0; i < len; i++)
		if (a[i] < 0x21 || a[i] > 0x7e)
			return false;
	return true;
}

/*
 * The signed message: domain prefix || body. Signed with pure Ed25519 (not
 * libsodium's multi-part API: that is Ed25519ph, another scheme); the
 * message is small enough to copy.
 */
static size_t
sig_msg(const uint8_t *body, size_t body_len, uint8_t msg[DOMAIN_LEN + VH_MIX_DESC_MAX])
{
	memcpy(msg, VH_MIX_DESC_SIG_DOMAIN, DOMAIN_LEN);
	memcpy(msg + DOMAIN_LEN, body, body_len);
	return DOMAIN_LEN + body_len;
}

int
vh_mix_descriptor_sign(
	struct vh_mix_descriptor *d, const uint8_t sk[VH_MIX_DESC_SK_LEN], uint8_t *out, size_t cap)
{
	uint8_t msg[DOMAIN_LEN + VH_MIX_DESC_MAX];
	size_t len, n;

	if (d == NULL || sk == NULL || out == NULL || d->addr_len > VH_MIX_DESC_ADDR_MAX ||
		!addr_ok(d->addr, d->addr_len) || sodium_is_zero(d->mix_key, VH_SPHINX_KEY_LEN))
		return -EINVAL;
	len = VH_MIX_DESC_MIN + d->addr_len;
	if (cap < len)
		return -ENOSPC;
	/* libsodium's secret key is seed || public key. */
	memcpy(d->sign_pk, sk + 32, VH_MIX_DESC_PK_LEN);
	crypto_hash_sha256(d->node_id, d->sign_pk, VH_MIX_DESC_PK_LEN);
	out[OFF_VERSION] = VH_MIX_DESC_VERSION;
	out[OFF_LAYER] = d->layer;
	out[OFF_ADDR_LEN] = d->addr_len;
	out[OFF_RESERVED] = 0;
	memcpy(out + OFF_NODE_ID, d->node_id, VH_SPHINX_NODE_ID_LEN);
	memcpy(out + OFF_SIGN_PK, d->sign_pk, VH_MIX_DESC_PK_LEN);
	put_be64(out + OFF_EPOCH, d->epoch);
	memcpy(out + OFF_MIX_KEY, d->mix_key, VH_SPHINX_KEY_LEN);
	put_be64(out + OFF_TIMESTAMP, d->timestamp_ms);
	memcpy(out + OFF_ADDR, d->addr, d->addr_len);
	n = sig_msg(out, len - VH_MIX_DESC_SIG_LEN, msg);
	if (crypto_sign_detached(out + len - VH_MIX_DESC_SIG_LEN, NULL, msg, n, sk) != 0)
		return -EINVAL;
	return (int)len;
}

/* Layout only: lengths, version, reserved byte, address, mix key. */
static int
decode(const uint8_t *buf, size_t len, struct vh_mix_descriptor *d)
{
	if (len > VH_MIX_DESC_MAX)
		return -E2BIG;
	if (len < VH_MIX_DESC_MIN)
		return -EBADMSG;
	if (buf[OFF_VERSION] != VH_MIX_DESC_VERSION)
		return -EPROTONOSUPPORT;
	if (buf[OFF_ADDR_LEN] > VH_MIX_DESC_ADDR_MAX)
		return -E2BIG;
	if (len < (size_t)VH_MIX_DESC_MIN + buf[OFF_ADDR_LEN])
		return -EBADMSG;
	if (len > (size_t)VH_MIX_DESC_MIN + buf[OFF_ADDR_LEN])
		return -E2BIG; /* trailing bytes */
	memset(d, 0, sizeof(*d));
	d->layer = buf[OFF_LAYER];
	d->addr_len = buf[OFF_ADDR_LEN];
	memcpy(d->node_id, buf + OFF_NODE_ID, VH_SPHINX_NODE_ID_LEN);
	memcpy(d->sign_pk, buf + OFF_SIGN_PK, VH_MIX_DESC_PK_LEN);
	d->epoch = get_be64(buf + OFF_EPOCH);
	memcpy(d->mix_key, buf + OFF_MIX_KEY, VH_SPHINX_KEY_LEN);
	d->timestamp_ms = get_be64(buf + OFF_TIMESTAMP);
	memcpy(d->addr, buf + OFF_ADDR, d->addr_len);
	if (buf[OFF_RESERVED] != 0 || !addr_ok(d->addr, d->addr_len) ||
		sodium_is_zero(d->mix_key, VH_SPHINX_KEY_LEN))
		return -EILSEQ;
	return 0;
}

int
vh_mix_descriptor_verify(
	const uint8_t *buf, size_t len, uint64_t epoch, struct vh_mix_descriptor *out)
{
	struct vh_mix_descriptor d;
	uint8_t id[VH_SPHINX_NODE_ID_LEN], msg[DOMAIN_LEN + VH_MIX_DESC_MAX];
	size_t n;
	int rc;

	if (buf == NULL || out == NULL)
		return -EINVAL;
	rc = decode(buf, len, &d);
	if (rc < 0)
		return rc;
	crypto_hash_sha256(id, d.sign_pk, VH_MIX_DESC_PK_LEN);
	if (sodium_memcmp(id, d.node_id, sizeof(id)) != 0)
		return -EKEYREJECTED;
	n = sig_msg(buf, len - VH_MIX_DESC_SIG_LEN, msg);
	if (crypto_sign_verify_detached(buf + len - VH_MIX_DESC_SIG_LEN, msg, n, d.sign_pk) != 0)
		return -EACCES;
	/* After the signature, so the error names the cause a peer can be blamed for. */
	if (d.epoch != epoch)
		return -ESTALE;
	*out = d;
	return 0;
}

const char *
vh_mix_descriptor_strerror(int rc)
{
	switch (rc) {
	case 0:
		return "ok";
	case -E2BIG:
		return "oversized";
	case -EBADMSG:
		return "truncated";
	case -EPROTONOSUPPORT:
		return "bad-version";
	case -EILSEQ:
		return "malformed";
	case -EKEYREJECTED:
		return "nodeid-key-mismatch";
	case -EACCES:
		return "bad-signature";
	case -ESTALE:
		return "wrong-epoch";
	case -EINVAL:
		return "invalid-argument";
	default:
		return "unknown";
	}
}
