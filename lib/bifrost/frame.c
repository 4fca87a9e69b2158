/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bifrost frame codec. Checks run in wire order (can the header be read, is
 * it ours, can the frame be skipped, is its content allowed) so the first
 * failing check names the reason, and docs/protocol.md lists that order.
 */
#include <errno.h>
#include <string.h>

#include "vh_bifrost.h"

#include "bifrost_priv.h"

int
bifrost_payload_check(uint8_t type, uint32_t plen)
{
	switch (type) {
	case VH_BIFROST_KEEPALIVE:
	case VH_BIFROST_CLOSE:
		return VH_DROP_NONE;
	case VH_BIFROST_DATA:
	case VH_BIFROST_CONTROL:
	case VH_BIFROST_HANDSHAKE_INIT:
	case VH_BIFROST_HANDSHAKE_RESP:
	case VH_BIFROST_COOKIE_REPLY:
	case VH_BIFROST_LINK_DATA:
	case VH_BIFROST_HANDSHAKE_FINISH:
		/* link frames always carry at least their header (docs/veil.md) */
		return plen == 0 ? VH_DROP_BIFROST_ZERO_LENGTH : VH_DROP_NONE;
	case VH_BIFROST_ECHO_REQUEST:
	case VH_BIFROST_ECHO_REPLY:
		if (plen == 0)
			return VH_DROP_BIFROST_ZERO_LENGTH;
		return plen < VH_BIFROST_ECHO_MIN ? VH_DROP_BIFROST_BAD_ECHO : VH_DROP_NONE;
	default:
		return VH_DROP_BIFROST_UNKNOWN_TYPE;
	}
}

/* Checks the frame at dgram + pos (pos <= len) and describes it in f. */
static int
frame_at(const uint8_t *dgram, size_t len, size_t pos, struct vh_bifrost_frame *f)
{
	const uint8_t *h = dgram + pos;
	size_t left = len - pos;
	uint32_t plen;

	if (left < VH_BIFROST_HDR_LEN)
		return VH_DROP_BIFROST_SHORT;
	if (h[0] != VH_BIFROST_MAGIC0 || h[1] != VH_BIFROST_MAGIC1)
		return VH_DROP_BIFROST_BAD_MAGIC;
	if (h[2] != VH_BIFROST_VERSION)
		return VH_DROP_BIFROST_BAD_VERSION;
	plen = get_be32(h + 4);
	if (plen > VH_BIFROST_MAX_PAYLOAD)
		return VH_DROP_BIFROST_TOO_LARGE;
	if (plen > left - VH_BIFROST_HDR_LEN)
		return VH_DROP_BIFROST_BAD_LENGTH;
	f->version = h[2];
	f->type = h[3];
	f->length = plen;
	f->payload = h + VH_BIFROST_HDR_LEN;
	f->offset = pos;
	return bifrost_payload_check(h[3], plen);
}

int
vh_bifrost_validate(const uint8_t *dgram, size_t len)
{
	struct vh_bifrost_frame f;
	size_t pos = 0;

	if (len == 0)
		return VH_DROP_BIFROST_SHORT;
	while (pos < len) {
		int rc = frame_at(dgram, len, pos, &f);

		if (rc != VH_DROP_NONE)
			return rc;
		pos += VH_BIFROST_HDR_LEN + (size_t)f.length;
	}
	return VH_DROP_NONE;
}

int
vh_bifrost_next(const uint8_t *dgram, size_t len, size_t *pos, struct vh_bifrost_frame *f)
{
	struct vh_bifrost_frame tmp;
	int rc;

	if (*pos >= len)
		return 0;
	rc = frame_at(dgram, len, *pos, &tmp);
	if (rc != VH_DROP_NONE)
		return -rc;
	*f = tmp;
	*pos += VH_BIFROST_HDR_LEN + (size_t)tmp.length;
	return 1;
}

static int
header_check(size_t cap, uint8_t type, uint32_t len)
{
	if (len > VH_BIFROST_MAX_PAYLOAD || bifrost_payload_check(type, len) != VH_DROP_NONE)
		return -EINVAL;
	if (cap < VH_BIFROST_HDR_LEN || cap - VH_BIFROST_HDR_LEN < len)
		return -ENOSPC;
	return 0;
}

static void
header_write(uint8_t *buf, uint8_t type, uint32_t len)
{
	buf[0] = VH_BIFROST_MAGIC0;
	buf[1] = VH_BIFROST_MAGIC1;
	buf[2] = VH_BIFROST_VERSION;
	buf[3] = type;
	put_be32(buf + 4, len);
}

int
vh_bifrost_encode_header(uint8_t *buf, size_t cap, uint8_t type, uint32_t len)
{
	int rc = header_check(cap, type, len);

	if (rc < 0)
		return rc;
	header_write(buf, type, len);
	return VH_BIFROST_HDR_LEN;
}

int
vh_bifrost_encode(uint8_t *buf, size_t cap, uint8_t type, const uint8_t *payload, uint32_t len)
{
	int rc;

	if (payload == NULL && len != 0)
		return -EINVAL;
	rc = header_check(cap, type, len);
	if (rc < 0)
		return rc;
	/* payload first: it may overlap the bytes the header goes to */
	if (len != 0)
		memmove(buf + VH_BIFROST_HDR_LEN, payload, len);
	header_write(buf, type, len);
	return VH_BIFROST_HDR_LEN + (int)len;
}

bool
vh_bifrost_type_known(uint8_t type)
{
	return bifrost_payload_check(type, UINT32_MAX) != VH_DROP_BIFROST_UNKNOWN_TYPE;
}

const char *
vh_bifrost_type_name(uint8_t type)
{
	switch (type) {
	case VH_BIFROST_DATA:
		return "data";
	case VH_BIFROST_CONTROL:
		return "control";
	case VH_BIFROST_KEEPALIVE:
		return "keepalive";
	case VH_BIFROST_CLOSE:
		return "close";
	case VH_BIFROST_ECHO_REQUEST:
		return "echo-request";
	case VH_BIFROST_ECHO_REPLY:
		return "echo-reply";
	case VH_BIFROST_HANDSHAKE_INIT:
		return "handshake-init";
	case VH_BIFROST_HANDSHAKE_RESP:
		return "handshake-resp";
	case VH_BIFROST_COOKIE_REPLY:
		return "cookie-reply";
	case VH_BIFROST_LINK_DATA:
		return "link-data";
	case VH_BIFROST_HANDSHAKE_FINISH:
		return "handshake-finish";
	default:
		break;
	}
	if (type >= VH_BIFROST_LINK_FIRST && type <= VH_BIFROST_LINK_LAST)
		return "link-reserved";
	if (type >= VH_BIFROST_MIX_FIRST && type <= VH_BIFROST_MIX_LAST)
		return "mix-reserved";
	return "unknown";
}
