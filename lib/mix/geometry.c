/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sphinx geometry, computed the way Katzenpost's core/sphinx/geo/geo.go
 * (geometryFactory, NIKE branch) does, so that both sides agree on every
 * length from (hops, user payload length, with SURB).
 */
#include <errno.h>
#include <string.h>

#include "vh_sphinx.h"

/* Katzenpost's BlockSphinxPlaintext header: flags + reserved. */
#define PLAINTEXT_HEADER_LEN 2
/* The largest single user payload we accept; keeps every sum in range. */
#define MAX_USER_PAYLOAD (64u * 1024u * 1024u)

int
vh_sphinx_geometry_init(struct vh_sphinx_geometry *geo, unsigned int nr_hops,
	size_t user_payload_len, bool with_surb)
{
	struct vh_sphinx_geometry g;

	if (geo == NULL || nr_hops == 0 || nr_hops > VH_SPHINX_MAX_HOPS || user_payload_len == 0 ||
		user_payload_len > MAX_USER_PAYLOAD)
		return -EINVAL;

	memset(&g, 0, sizeof(g));
	g.nr_hops = nr_hops;
	g.next_node_hop_len = VH_SPHINX_CMD_NEXT_NODE_HOP_LEN;
	/*
	 * The largest block a hop carries: a NextNodeHop plus a SURBReply.
	 * NodeDelay + NextNodeHop and Recipient + SURBReply both fit.
	 */
	g.per_hop_routing_info_len = g.next_node_hop_len + VH_SPHINX_CMD_SURB_REPLY_LEN;
	g.routing_info_len = g.per_hop_routing_info_len * nr_hops;
	g.header_len =
		VH_SPHINX_AD_LEN + VH_SPHINX_KEY_LEN + g.routing_info_len + VH_SPHINX_MAC_LEN;
	g.payload_tag_len = VH_SPHINX_PAYLOAD_TAG_LEN;
	g.plaintext_header_len = PLAINTEXT_HEADER_LEN;
	g.sprp_key_material_len = VH_SPHINX_SURB_KEY_LEN;
	g.surb_len = g.header_len + VH_SPHINX_NODE_ID_LEN + g.sprp_key_material_len;
	g.user_forward_payload_len = user_payload_len;
	g.forward_payload_len = user_payload_len;
	if (with_surb)
		g.forward_payload_len += g.plaintext_header_len + g.surb_len;
	g.packet_len = g.header_len + g.payload_tag_len + g.forward_payload_len;
	*geo = g;
	return 0;
}
