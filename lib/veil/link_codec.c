/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Link frame codec: the payloads of Bifrost frames 0x10-0x14 (docs/veil.md,
 * "Link frames"). Every length is checked before a byte is read; index 0 is
 * never allocated, so a frame naming it is malformed.
 */
#include <errno.h>
#include <string.h>

#include "link_priv.h"
#include "vh_veil.h"

static bool
is_hs_type(uint8_t type)
{
	return type == VH_VEIL_HANDSHAKE_INIT || type == VH_VEIL_HANDSHAKE_RESP ||
	       type == VH_VEIL_HANDSHAKE_FINISH;
}

static size_t
hs_hdr_len(uint8_t type)
{
	return type == VH_VEIL_HANDSHAKE_INIT ? VH_VEIL_INIT_HDR_LEN : VH_VEIL_RESP_HDR_LEN;
}

size_t
vh_veil_hs_noise_min(uint8_t type, uint8_t wire_pattern)
{
	/* e = 32; an encrypted s = 48; an empty encrypted payload = 16 */
	bool xx = wire_pattern == VH_VEIL_WIRE_XX;

	if (wire_pattern != VH_VEIL_WIRE_XX && wire_pattern != VH_VEIL_WIRE_IK)
		return 0;
	switch (type) {
	case VH_VEIL_HANDSHAKE_INIT:
		return xx ? 32 : 32 + 48 + 16;
	case VH_VEIL_HANDSHAKE_RESP:
		return xx ? 32 + 48 + 16 : 32 + 16;
	case VH_VEIL_HANDSHAKE_FINISH:
		return xx ? 48 + 16 : 0;
	default:
		return 0;
	}
}

static int
hs_fields_valid(const struct vh_veil_hs_frame *f)
{
	size_t min = vh_veil_hs_noise_min(f->type, f->pattern);

	if (min == 0 || f->noise_len < min || f->noise_len > VH_NOISE_MAX_MSG)
		return -EBADMSG;
	if (f->hash != VH_VEIL_WIRE_SHA256 && f->hash != VH_VEIL_WIRE_BLAKE2B)
		return -EBADMSG;
	if ((f->flags & ~VH_VEIL_HS_FLAG_KEYED) != 0 || f->sender == 0)
		return -EBADMSG;
	if (f->type != VH_VEIL_HANDSHAKE_INIT && f->receiver == 0)
		return -EBADMSG;
	return 0;
}

int
vh_veil_hs_frame_decode(uint8_t type, const uint8_t *p, size_t len, struct vh_veil_hs_frame *f)
{
	size_t hdr;

	if (p == NULL || f == NULL || !is_hs_type(type))
		return -EINVAL;
	memset(f, 0, sizeof(*f));
	hdr = hs_hdr_len(type);
	if (len < hdr + VH_VEIL_MACS_LEN)
		return -EBADMSG;
	if (p[3] != 0)
		return -EBADMSG;
	f->type = type;
	f->pattern = p[0];
	f->hash = p[1];
	f->flags = p[2];
	f->sender = vh_get_be32(p + 4);
	if (type != VH_VEIL_HANDSHAKE_INIT)
		f->receiver = vh_get_be32(p + 8);
	f->noise = p + hdr;
	f->noise_len = len - hdr - VH_VEIL_MACS_LEN;
	f->mac1 = p + len - VH_VEIL_MACS_LEN;
	f->mac2 = p + len - VH_VEIL_MAC_LEN;
	if (hs_fields_valid(f) != 0) {
		memset(f, 0, sizeof(*f));
		return -EBADMSG;
	}
	return 0;
}

int
vh_veil_hs_frame_encode(const struct vh_veil_hs_frame *f, uint8_t *out, size_t cap, size_t *outlen)
{
	size_t hdr, total;

	if (f == NULL || out == NULL || outlen == NULL || !is_hs_type(f->type) ||
		(f->noise == NULL && f->noise_len > 0))
		return -EINVAL;
	if (hs_fields_valid(f) != 0 || (f->type == VH_VEIL_HANDSHAKE_INIT && f->receiver != 0))
		return -EBADMSG;
	hdr = hs_hdr_len(f->type);
	total = hdr + f->noise_len + VH_VEIL_MACS_LEN;
	if (cap < total)
		return -ENOBUFS;
	/* The Noise message may already sit in out (written in place). */
	memmove(out + hdr, f->noise, f->noise_len);
	out[0] = f->pattern;
	out[1] = f->hash;
	out[2] = f->flags;
	out[3] = 0;
	vh_put_be32(out + 4, f->sender);
	if (f->type != VH_VEIL_HANDSHAKE_INIT)
		vh_put_be32(out + 8, f->receiver);
	uint8_t *mac = out + hdr + f->noise_len;

	if (f->mac1 != NULL)
		memmove(mac, f->mac1, VH_VEIL_MAC_LEN);
	else
		memset(mac, 0, VH_VEIL_MAC_LEN);
	if (f->mac2 != NULL)
		memmove(mac + VH_VEIL_MAC_LEN, f->mac2, VH_VEIL_MAC_LEN);
	else
		memset(mac + VH_VEIL_MAC_LEN, 0, VH_VEIL_MAC_LEN);
	*outlen = total;
	return 0;
}

void
vh_veil_data_hdr_encode(uint8_t hdr[VH_VEIL_DATA_HDR_LEN], uint32_t receiver, uint64_t counter)
{
	if (hdr == NULL)
		return;
	vh_put_be32(hdr, receiver);
	vh_put_be64(hdr + 4, counter);
}

int
vh_veil_data_decode(const uint8_t *p, size_t len, struct vh_veil_data *d)
{
	if (p == NULL || d == NULL)
		return -EINVAL;
	memset(d, 0, sizeof(*d));
	if (len < VH_VEIL_DATA_MIN_LEN || len - VH_VEIL_DATA_HDR_LEN > VH_NOISE_MAX_MSG)
		return -EBADMSG;
	if (vh_get_be32(p) == 0)
		return -EBADMSG;
	d->receiver = vh_get_be32(p);
	d->counter = vh_get_be64(p + 4);
	d->hdr = p;
	d->ct = p + VH_VEIL_DATA_HDR_LEN;
	d->ct_len = len - VH_VEIL_DATA_HDR_LEN;
	return 0;
}

int
vh_veil_cookie_reply_encode(uint32_t receiver, const uint8_t nonce[VH_VEIL_COOKIE_NONCE_LEN],
	const uint8_t box[VH_VEIL_MAC_LEN + VH_NOISE_TAG_LEN], uint8_t *out, size_t cap)
{
	if (nonce == NULL || box == NULL || out == NULL || receiver == 0)
		return -EINVAL;
	if (cap < VH_VEIL_COOKIE_REPLY_LEN)
		return -ENOBUFS;
	vh_put_be32(out, receiver);
	memmove(out + 4, nonce, VH_VEIL_COOKIE_NONCE_LEN);
	memmove(out + 4 + VH_VEIL_COOKIE_NONCE_LEN, box, VH_VEIL_MAC_LEN + VH_NOISE_TAG_LEN);
	return 0;
}

int
vh_veil_cookie_reply_decode(const uint8_t *p, size_t len, struct vh_veil_cookie_reply *r)
{
	if (p == NULL || r == NULL)
		return -EINVAL;
	memset(r, 0, sizeof(*r));
	if (len != VH_VEIL_COOKIE_REPLY_LEN || vh_get_be32(p) == 0)
		return -EBADMSG;
	r->receiver = vh_get_be32(p);
	r->nonce = p + 4;
	r->box = p + 4 + VH_VEIL_COOKIE_NONCE_LEN;
	return 0;
}

int
vh_veil_frame_receiver(uint8_t type, const uint8_t *p, size_t len, uint32_t *receiver)
{
	size_t off;

	if (p == NULL || receiver == NULL)
		return -EINVAL;
	switch (type) {
	case VH_VEIL_HANDSHAKE_RESP:
	case VH_VEIL_HANDSHAKE_FINISH:
		off = 8;
		break;
	case VH_VEIL_COOKIE_REPLY:
	case VH_VEIL_LINK_DATA:
		off = 0;
		break;
	default:
		return -EINVAL;
	}
	if (len < off + 4)
		return -EBADMSG;
	*receiver = vh_get_be32(p + off);
	return 0;
}

void
vh_veil_endpoint_ipv4(struct vh_veil_endpoint *ep, const uint8_t addr[4], uint16_t port)
{
	if (ep == NULL || addr == NULL)
		return;
	memset(ep, 0, sizeof(*ep));
	ep->family = 4;
	ep->port = port;
	memcpy(ep->addr, addr, 4);
}

void
vh_veil_endpoint_ipv6(struct vh_veil_endpoint *ep, const uint8_t addr[16], uint16_t port)
{
	if (ep == NULL || addr == NULL)
		return;
	memset(ep, 0, sizeof(*ep));
	ep->family = 6;
	ep->port = port;
	memcpy(ep->addr, addr, 16);
}

bool
vh_veil_endpoint_equal(const struct vh_veil_endpoint *a, const struct vh_veil_endpoint *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return a->family == b->family && a->port == b->port &&
	       memcmp(a->addr, b->addr, sizeof(a->addr)) == 0;
}
