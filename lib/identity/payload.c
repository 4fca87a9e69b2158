/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The identity payload that rides in the encrypted Noise handshake messages
 * (XX messages 2 and 3, IK messages 1 and 2): TLVs of type u8, length u16
 * big-endian and value. The signature covers only the static key, as in
 * libp2p's Noise spec: the rest of the payload is authenticated by Noise
 * itself under that same static key, and the signature can be made once per
 * start instead of once per handshake.
 */
#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "identity_priv.h"
#include "vh_identity.h"

#define TLV_HDR 3

static bool
valid_versions(const uint8_t *v, size_t n)
{
	if (n < 1 || n > VH_IDENTITY_MAX_VERSIONS || v[0] == 0)
		return false;
	for (size_t i = 1; i < n; i++)
		if (v[i] <= v[i - 1])
			return false;
	return true;
}

/* Bounded, printable, no spaces: safe to log and to hand to a parser. */
static bool
valid_addr(const char *s, size_t n)
{
	if (n < 1 || n > VH_IDENTITY_ADDR_MAX || s[0] != '/')
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
			return false;
	return true;
}

int
vh_identity_payload_build(const struct vh_identity *id, const uint8_t *versions, size_t n_versions,
	const char *const *addrs, size_t n_addrs, struct vh_identity_payload *p)
{
	memset(p, 0, sizeof(*p));
	if (!id->has_noise || versions == NULL || !valid_versions(versions, n_versions))
		return -EINVAL;
	if (n_addrs > VH_IDENTITY_MAX_ADDRS || (n_addrs > 0 && addrs == NULL))
		return -EINVAL;
	for (size_t i = 0; i < n_addrs; i++) {
		const char *a = addrs[i];
		size_t n;

		if (a == NULL)
			return -EINVAL;
		n = strnlen(a, VH_IDENTITY_ADDR_MAX + 1);
		if (!valid_addr(a, n))
			return -EINVAL;
		memcpy(p->addrs[i], a, n);
	}
	memcpy(p->ed_pub, id->ed_pub, sizeof(p->ed_pub));
	memcpy(p->static_sig, id->noise_sig, sizeof(p->static_sig));
	memcpy(p->versions, versions, n_versions);
	p->n_versions = (uint8_t)n_versions;
	p->n_addrs = (uint8_t)n_addrs;
	return 0;
}

static int
put_tlv(uint8_t *out, size_t cap, size_t *off, uint8_t type, const void *val, size_t len)
{
	if (cap - *off < TLV_HDR + len)
		return -ENOBUFS;
	out[*off] = type;
	out[*off + 1] = (uint8_t)(len >> 8);
	out[*off + 2] = (uint8_t)len;
	memcpy(out + *off + TLV_HDR, val, len);
	*off += TLV_HDR + len;
	return 0;
}

static int
check_payload(const struct vh_identity_payload *p)
{
	size_t total = 2 * TLV_HDR + VH_IDENTITY_PUB_LEN + VH_IDENTITY_SIG_LEN;

	if (!valid_versions(p->versions, p->n_versions) || p->n_addrs > VH_IDENTITY_MAX_ADDRS)
		return -EINVAL;
	total += TLV_HDR + p->n_versions;
	for (unsigned int i = 0; i < p->n_addrs; i++) {
		size_t n = strnlen(p->addrs[i], VH_IDENTITY_ADDR_MAX + 1);

		if (!valid_addr(p->addrs[i], n))
			return -EINVAL;
		total += TLV_HDR + n;
	}
	if (p->has_timestamp)
		total += TLV_HDR + VH_IDENTITY_TAI64N_LEN;
	return total > VH_IDENTITY_PAYLOAD_MAX ? -EINVAL : (int)total;
}

int
vh_identity_payload_encode(const struct vh_identity_payload *p, uint8_t *out, size_t cap)
{
	size_t off = 0;
	int rc = check_payload(p);

	if (rc < 0)
		return rc;
	if ((size_t)rc > cap)
		return -ENOBUFS;
	put_tlv(out, cap, &off, VH_IDENTITY_TLV_IDENTITY_KEY, p->ed_pub, VH_IDENTITY_PUB_LEN);
	put_tlv(out, cap, &off, VH_IDENTITY_TLV_STATIC_SIG, p->static_sig, VH_IDENTITY_SIG_LEN);
	put_tlv(out, cap, &off, VH_IDENTITY_TLV_VERSIONS, p->versions, p->n_versions);
	for (unsigned int i = 0; i < p->n_addrs; i++)
		put_tlv(out, cap, &off, VH_IDENTITY_TLV_PATHADDR, p->addrs[i], strlen(p->addrs[i]));
	if (p->has_timestamp)
		put_tlv(out, cap, &off, VH_IDENTITY_TLV_TIMESTAMP, p->timestamp,
			VH_IDENTITY_TAI64N_LEN);
	return (int)off;
}

/* Fields present so far while decoding: each may appear once. */
#define SEEN_KEY 1u
#define SEEN_SIG 2u
#define SEEN_VERSIONS 4u
#define SEEN_TIMESTAMP 8u
#define SEEN_ALL (SEEN_KEY | SEEN_SIG | SEEN_VERSIONS)
#define SEEN_NEEDED(s) ((s)&SEEN_ALL)

static int
take_tlv(
	uint8_t type, const uint8_t *v, size_t n, unsigned int *seen, struct vh_identity_payload *p)
{
	switch (type) {
	case VH_IDENTITY_TLV_IDENTITY_KEY:
		if ((*seen & SEEN_KEY) || n != VH_IDENTITY_PUB_LEN)
			return -EBADMSG;
		memcpy(p->ed_pub, v, n);
		*seen |= SEEN_KEY;
		return 0;
	case VH_IDENTITY_TLV_STATIC_SIG:
		if ((*seen & SEEN_SIG) || n != VH_IDENTITY_SIG_LEN)
			return -EBADMSG;
		memcpy(p->static_sig, v, n);
		*seen |= SEEN_SIG;
		return 0;
	case VH_IDENTITY_TLV_VERSIONS:
		if ((*seen & SEEN_VERSIONS) || !valid_versions(v, n))
			return -EBADMSG;
		memcpy(p->versions, v, n);
		p->n_versions = (uint8_t)n;
		*seen |= SEEN_VERSIONS;
		return 0;
	case VH_IDENTITY_TLV_PATHADDR:
		if (p->n_addrs == VH_IDENTITY_MAX_ADDRS || !valid_addr((const char *)v, n))
			return -EBADMSG;
		memcpy(p->addrs[p->n_addrs++], v, n);
		return 0;
	case VH_IDENTITY_TLV_TIMESTAMP:
		if ((*seen & SEEN_TIMESTAMP) || n != VH_IDENTITY_TAI64N_LEN)
			return -EBADMSG;
		memcpy(p->timestamp, v, n);
		p->has_timestamp = true;
		*seen |= SEEN_TIMESTAMP;
		return 0;
	default:
		return 0; /* unknown: skipped, for later extensions */
	}
}

static int
decode_tlvs(const uint8_t *buf, size_t len, struct vh_identity_payload *p)
{
	unsigned int seen = 0;
	size_t off = 0;

	while (off < len) {
		size_t n;
		int rc;

		if (len - off < TLV_HDR)
			return -EBADMSG;
		n = (size_t)buf[off + 1] << 8 | buf[off + 2];
		if (n > len - off - TLV_HDR)
			return -EBADMSG;
		rc = take_tlv(buf[off], buf + off + TLV_HDR, n, &seen, p);
		if (rc != 0)
			return rc;
		off += TLV_HDR + n;
	}
	return SEEN_NEEDED(seen) == SEEN_ALL ? 0 : -EBADMSG;
}

int
vh_identity_payload_decode(const uint8_t *buf, size_t len, struct vh_identity_payload *p)
{
	int rc;

	memset(p, 0, sizeof(*p));
	if (len > VH_IDENTITY_PAYLOAD_MAX)
		return -EMSGSIZE;
	if (buf == NULL && len > 0)
		return -EINVAL;
	rc = decode_tlvs(buf, len, p);
	if (rc != 0)
		memset(p, 0, sizeof(*p));
	return rc;
}

int
vh_identity_payload_verify(const struct vh_identity_payload *p,
	const uint8_t remote_static[VH_IDENTITY_X25519_LEN], uint8_t *nodeid_out)
{
	int rc = ident_static_verify(p->static_sig, p->ed_pub, remote_static);

	if (rc != 0)
		return rc;
	if (nodeid_out != NULL)
		vh_identity_nodeid(p->ed_pub, nodeid_out);
	return 0;
}

int
vh_identity_version_select(
	const uint8_t *ours, size_t n_ours, const uint8_t *theirs, size_t n_theirs)
{
	int best = -EPROTONOSUPPORT;

	for (size_t i = 0; i < n_ours; i++)
		for (size_t j = 0; j < n_theirs; j++)
			if (ours[i] != 0 && ours[i] == theirs[j] && ours[i] > best)
				best = ours[i];
	return best;
}

void
vh_identity_tai64n(uint64_t unix_ns, uint8_t out[VH_IDENTITY_TAI64N_LEN])
{
	uint64_t s = (1ull << 62) + unix_ns / 1000000000u;
	uint32_t ns = (uint32_t)(unix_ns % 1000000000u);

	for (int i = 0; i < 8; i++)
		out[i] = (uint8_t)(s >> (56 - 8 * i));
	for (int i = 0; i < 4; i++)
		out[8 + i] = (uint8_t)(ns >> (24 - 8 * i));
}

int
vh_identity_payload_stamp(const uint8_t *pl, size_t len, const uint8_t ts[VH_IDENTITY_TAI64N_LEN],
	uint8_t *out, size_t cap)
{
	size_t off = len;

	if ((pl == NULL && len > 0) || ts == NULL || out == NULL)
		return -EINVAL;
	if (len + TLV_HDR + VH_IDENTITY_TAI64N_LEN > VH_IDENTITY_PAYLOAD_MAX ||
		len + TLV_HDR + VH_IDENTITY_TAI64N_LEN > cap)
		return -ENOBUFS;
	if (len > 0)
		memmove(out, pl, len);
	put_tlv(out, cap, &off, VH_IDENTITY_TLV_TIMESTAMP, ts, VH_IDENTITY_TAI64N_LEN);
	return (int)off;
}
