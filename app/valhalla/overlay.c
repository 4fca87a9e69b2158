/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bifrost datagrams the data plane punted: everything except a lone
 * ECHO_REQUEST, which the workers answer themselves. Until the link and
 * mesh layers exist, frames are counted by type; echo replies complete
 * the operator's pings.
 */
#include <string.h>

#include "vh_bifrost.h"

#include "node.h"

static void
count_type(struct node *n, uint8_t type)
{
	switch (type) {
	case VH_BIFROST_DATA:
		n->cnt.bifrost_data_rx++;
		break;
	case VH_BIFROST_CONTROL:
		n->cnt.bifrost_control_rx++;
		break;
	case VH_BIFROST_KEEPALIVE:
		n->cnt.bifrost_keepalive_rx++;
		break;
	case VH_BIFROST_CLOSE:
		n->cnt.bifrost_close_rx++;
		break;
	case VH_BIFROST_ECHO_REQUEST:
		n->cnt.bifrost_echo_request_rx++;
		break;
	case VH_BIFROST_ECHO_REPLY:
		n->cnt.bifrost_echo_reply_rx++;
		break;
	default:
		n->cnt.bifrost_other_rx++;
		break;
	}
}

static bool
is_link_type(uint8_t type)
{
	return type >= VH_BIFROST_HANDSHAKE_INIT && type <= VH_BIFROST_HANDSHAKE_FINISH;
}

void
overlay_input(struct node *n, struct rte_mbuf *m)
{
	const struct vh_net_pkt *pkt = &vh_dp_meta(m)->pkt;
	const uint8_t *dgram = rte_pktmbuf_mtod_offset(m, const uint8_t *, pkt->payload_off);
	struct hoststack_l2 l2 = {.port = vh_dp_meta(m)->port_idx};
	struct vh_veil_endpoint src;
	struct vh_bifrost_frame f;
	size_t pos = 0;

	if (pkt->ip_ver == 4)
		vh_veil_endpoint_ipv4(&src, pkt->src, pkt->sport);
	else
		vh_veil_endpoint_ipv6(&src, pkt->src, pkt->sport);
	memcpy(l2.mac, pkt->src_mac, sizeof(l2.mac));
	/* the worker validated the datagram; the iterator re-checks every bound */
	while (vh_bifrost_next(dgram, pkt->payload_len, &pos, &f) == 1) {
		if (is_link_type(f.type)) {
			link_input(n, f.type, f.payload, f.length, &src, &l2);
			continue;
		}
		count_type(n, f.type);
		if (f.type == VH_BIFROST_ECHO_REPLY)
			ping_echo_reply(n, f.payload, f.length);
		else if (f.type == VH_BIFROST_CONTROL)
			mesh_lan_input(n, f.payload, f.length, pkt->dst, pkt->ip_ver);
	}
	rte_pktmbuf_free(m);
}
