/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vh_overlay_fwd: relays overlay packets that arrived inside a link session.
 * The opened LINK_DATA holds one Bifrost DATA frame whose payload starts
 * with the overlay header; the whole burst's destination NodeIDs are looked
 * up in one bulk rte_hash lookup, the hop limit is taken, and each packet is
 * handed to vh_link_encrypt for the next hop's session (chosen by the flow
 * label among the route's paths). A destination with no route goes to the
 * neighbour XOR-closest to it when that one is closer than this node (the
 * greedy Kademlia step). MIX packets for this node go to vh_mix while the
 * mixnode is on (node_mix.c); other packets for this node, and packets whose
 * hop limit ran out (the control lcore answers those for traceroute), are
 * punted.
 */
#include "vh_bifrost.h"
#include "vh_overlay.h"
#include "vh_ygg.h"

#include "dp_priv.h"
#include "dp_mix.h"
#include "dp_fwd.h"
#include "dp_session.h"

enum { FWD_DROP, FWD_ENCRYPT, FWD_PUNT, FWD_MIX, FWD_MAX };

/* The overlay header inside the opened frame (link_decrypt checked the frame). */
static inline uint8_t *
overlay_hdr(struct rte_mbuf *m)
{
	struct vh_dp_meta *meta = vh_dp_meta(m);

	return rte_pktmbuf_mtod_offset(m, uint8_t *,
		meta->pkt.payload_off + 2 * VH_BIFROST_HDR_LEN + VH_VEIL_DATA_HDR_LEN);
}

static inline unsigned int
punt(struct rte_mbuf *m, bool expired)
{
	struct vh_dp_meta *meta = vh_dp_meta(m);

	meta->opened = 1;
	meta->hop_expired = expired;
	meta->session_index = meta->session->local_index;
	meta->inner_off =
		(uint16_t)(overlay_hdr(m) - VH_BIFROST_HDR_LEN - rte_pktmbuf_mtod(m, uint8_t *));
	return FWD_PUNT;
}

static inline bool
is_self(const struct vh_dp *dp, const uint8_t *h)
{
	return dp->has_self && memcmp(h + 8, dp->self_id, VH_DP_NODE_ID_LEN) == 0;
}

static inline unsigned int
forward_one(const struct vh_dp *dp, struct rte_mbuf *m, uint64_t route)
{
	struct vh_dp_meta *meta = vh_dp_meta(m);
	uint8_t *h = overlay_hdr(m);
	struct dp_session *next;
	int hops;

	if (route == 0 && is_self(dp, h)) {
		/* Sphinx packets for this mixnode are unwrapped on the workers */
		if (h[2] == VH_OVERLAY_T_MIX && dp_mix_get(dp) != NULL)
			return FWD_MIX;
		return punt(m, false);
	}
	hops = vh_overlay_hop(h, VH_OVERLAY_HDR_LEN);
	if (hops < 0) {
		if (hops == -ETIMEDOUT)
			return punt(m, true);
		meta->reason = VH_DROP_OVERLAY_MALFORMED;
		return FWD_DROP;
	}
	next = route != 0 ? dp_fwd_pick(dp, route, vh_get_be32(h + 4)) : dp_fwd_greedy(dp, h + 8);
	if (next == NULL || dp_session_ep(next) == NULL) {
		meta->reason = VH_DROP_OVERLAY_NO_ROUTE;
		return FWD_DROP;
	}
	meta->session = next;
	meta->relay = 1;
	return FWD_ENCRYPT;
}

static uint16_t
fwd_process(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t cnt)
{
	const struct vh_dp *dp = node_lcore(node)->dp;
	uint8_t kbuf[RTE_GRAPH_BURST_SIZE][VH_DP_NODE_ID_LEN] __rte_aligned(8);
	const void *keys[RTE_GRAPH_BURST_SIZE];
	uint64_t routes[RTE_GRAPH_BURST_SIZE];
	void *out[FWD_MAX][RTE_GRAPH_BURST_SIZE] DP_BATCH_INIT;
	uint16_t k[FWD_MAX] = {0};

	/* copied out: the hash reads 32-bit words, the packet's key is unaligned */
	for (uint16_t i = 0; i < cnt; i++) {
		memcpy(kbuf[i], overlay_hdr(objs[i]) + 8, VH_DP_NODE_ID_LEN);
		keys[i] = kbuf[i];
	}
	dp_fwd_lookup_bulk(dp, keys, cnt, routes);
	for (uint16_t i = 0; i < cnt; i++) {
		unsigned int next = forward_one(dp, objs[i], routes[i]);

		out[next][k[next]++] = objs[i];
	}
	for (unsigned int e = 0; e < FWD_MAX; e++)
		if (k[e] != 0)
			rte_node_enqueue(graph, node, e, out[e], k[e]);
	return cnt;
}

static struct rte_node_register fwd_node = {
	.name = DP_NODE_OVERLAY_FWD,
	.process = fwd_process,
	.init = dp_node_init,
	.nb_edges = FWD_MAX,
	.next_nodes =
		{
			[FWD_DROP] = DP_NODE_DROP,
			[FWD_ENCRYPT] = DP_NODE_LINK_OUT,
			[FWD_PUNT] = DP_NODE_PUNT,
			[FWD_MIX] = DP_NODE_MIX,
		},
};

RTE_NODE_REGISTER(fwd_node);
