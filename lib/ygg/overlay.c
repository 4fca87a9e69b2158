/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The overlay header every packet routed by NodeID carries (docs/dht.md,
 * "Overlay header"): hop limit, flags, payload type, flow label, then the
 * destination and source NodeIDs. Destination first, at a fixed offset, so
 * the workers' bulk lookup reads its key without parsing.
 */
#include <errno.h>
#include <string.h>

#include "vh_core.h"
#include "vh_overlay.h"

int
vh_overlay_encode(const struct vh_overlay_hdr *h, uint8_t *out, size_t cap)
{
	if (h == NULL || out == NULL || h->hop_limit == 0 || (h->flags & ~VH_OVERLAY_FLAGS_ALL) ||
		h->flow_label > VH_OVERLAY_FLOW_MAX)
		return -EINVAL;
	if (cap < VH_OVERLAY_HDR_LEN)
		return -ENOSPC;
	out[0] = h->hop_limit;
	out[1] = h->flags;
	out[2] = h->payload_type;
	out[3] = 0;
	vh_put_be32(out + 4, h->flow_label);
	memcpy(out + 8, h->dst, VH_OVERLAY_ID_LEN);
	memcpy(out + 8 + VH_OVERLAY_ID_LEN, h->src, VH_OVERLAY_ID_LEN);
	return VH_OVERLAY_HDR_LEN;
}

int
vh_overlay_decode(const uint8_t *buf, size_t len, struct vh_overlay_hdr *h)
{
	uint32_t flow;

	if (buf == NULL || h == NULL)
		return -EINVAL;
	if (len < VH_OVERLAY_HDR_LEN)
		return -EBADMSG;
	flow = vh_get_be32(buf + 4);
	/* reserved bits must be zero, so they can be given a meaning later */
	if (buf[0] == 0 || (buf[1] & ~VH_OVERLAY_FLAGS_ALL) || buf[3] != 0 ||
		flow > VH_OVERLAY_FLOW_MAX)
		return -EBADMSG;
	h->hop_limit = buf[0];
	h->flags = buf[1];
	h->payload_type = buf[2];
	h->flow_label = flow;
	memcpy(h->dst, buf + 8, VH_OVERLAY_ID_LEN);
	memcpy(h->src, buf + 8 + VH_OVERLAY_ID_LEN, VH_OVERLAY_ID_LEN);
	return VH_OVERLAY_HDR_LEN;
}

int
vh_overlay_hop(uint8_t *buf, size_t len)
{
	if (buf == NULL || len < VH_OVERLAY_HDR_LEN || buf[0] == 0)
		return -EBADMSG;
	if (buf[0] == 1)
		return -ETIMEDOUT; /* would leave with 0: answer "hop limit exceeded" */
	buf[0]--;
	return buf[0];
}
