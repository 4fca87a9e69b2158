/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The overlay's ping. The data plane answers an ECHO_REQUEST by flipping one
 * byte, so the reply carries the request's payload (identifier, sequence,
 * sender timestamp, padding) back unchanged and the responder never has to
 * understand it.
 */
#include <errno.h>
#include <string.h>

#include "vh_bifrost.h"

#include "bifrost_priv.h"

int
vh_bifrost_echo_reply_inplace(uint8_t *dgram, size_t len)
{
	int rc;

	/* the common case, a lone request, is decided from its header alone */
	if (len >= VH_BIFROST_HDR_LEN + VH_BIFROST_ECHO_MIN &&
		len - VH_BIFROST_HDR_LEN <= VH_BIFROST_MAX_PAYLOAD &&
		dgram[0] == VH_BIFROST_MAGIC0 && dgram[1] == VH_BIFROST_MAGIC1 &&
		dgram[2] == VH_BIFROST_VERSION && dgram[3] == VH_BIFROST_ECHO_REQUEST &&
		get_be32(dgram + 4) == len - VH_BIFROST_HDR_LEN) {
		dgram[3] = VH_BIFROST_ECHO_REPLY;
		return 0;
	}
	rc = vh_bifrost_validate(dgram, len);
	return rc != VH_DROP_NONE ? rc : -ENOMSG;
}

int
vh_bifrost_echo_build(
	uint8_t *buf, size_t cap, uint32_t ident, uint32_t seq, uint64_t ts, size_t size)
{
	uint8_t *p;
	int rc;

	if (size < VH_BIFROST_ECHO_MIN || size > VH_BIFROST_MAX_PAYLOAD)
		return -EINVAL;
	rc = vh_bifrost_encode_header(buf, cap, VH_BIFROST_ECHO_REQUEST, (uint32_t)size);
	if (rc < 0)
		return rc;
	p = buf + VH_BIFROST_HDR_LEN;
	put_be32(p, ident);
	put_be32(p + 4, seq);
	put_be64(p + 8, ts);
	memset(p + VH_BIFROST_ECHO_MIN, 0, size - VH_BIFROST_ECHO_MIN);
	return VH_BIFROST_HDR_LEN + (int)size;
}

int
vh_bifrost_echo_parse(
	const uint8_t *payload, size_t len, uint32_t *ident, uint32_t *seq, uint64_t *ts)
{
	if (len < VH_BIFROST_ECHO_MIN)
		return -EINVAL;
	if (ident != NULL)
		*ident = get_be32(payload);
	if (seq != NULL)
		*seq = get_be32(payload + 4);
	if (ts != NULL)
		*ts = get_be64(payload + 8);
	return 0;
}
