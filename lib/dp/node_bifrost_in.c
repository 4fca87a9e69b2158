/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vh_bifrost_in: validates the Bifrost frames of each overlay datagram,
 * answers a lone ECHO_REQUEST on the spot (the overlay's ping never leaves
 * the worker) and punts everything else to the control lcore.
 */
#include "vh_bifrost.h"

#include "dp_priv.h"

enum { BIN_DROP, BIN_TX, BIN_PUNT, BIN_MAX };

static inline unsigned int
bifrost_one(struct rte_mbuf *m)
{
	struct vh_dp_meta *meta = vh_dp_meta(m);
	uint8_t *frame = rte_pktmbuf_mtod(m, uint8_t *);
	uint8_t *dgram = frame + meta->pkt.payload_off;
	size_t len = meta->pkt.payload_len;
	int rc;

	/* the common case first: a lone echo is recognised from its header */
	rc = vh_bifrost_echo_reply_inplace(dgram, len);
	if (rc < 0)
		rc = vh_bifrost_validate(dgram, len);
	else if (rc == 0)
		goto reply;
	if (unlikely(rc != VH_DROP_NONE)) {
		meta->reason = (uint16_t)rc;
		return BIN_DROP;
	}
	return BIN_PUNT;
reply:
	/* only the type byte changed (request -> reply): fix the UDP sum in O(1) */
	{
		/* the one's complement sum of a single 16-bit word is the word itself */
		uint8_t w[2] = {dgram[2], VH_BIFROST_ECHO_REQUEST};
		uint16_t before, after;

		memcpy(&before, w, sizeof(w));
		w[1] = VH_BIFROST_ECHO_REPLY;
		memcpy(&after, w, sizeof(w));
		vh_net_udp_reply_inplace_delta(frame, &meta->pkt, before, after);
	}
	return BIN_TX;
}

static uint16_t
bifrost_process(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t cnt)
{
	void *out[BIN_MAX][RTE_GRAPH_BURST_SIZE];
	uint16_t n[BIN_MAX] = {0};

	for (uint16_t i = 0; i < cnt; i++) {
		unsigned int next = bifrost_one(objs[i]);

		out[next][n[next]++] = objs[i];
	}
	for (unsigned int next = 0; next < BIN_MAX; next++)
		if (n[next] != 0)
			rte_node_enqueue(graph, node, next, out[next], n[next]);
	return cnt;
}

static struct rte_node_register bifrost_node = {
	.name = DP_NODE_BIFROST_IN,
	.process = bifrost_process,
	.init = dp_node_init,
	.nb_edges = BIN_MAX,
	.next_nodes =
		{
			[BIN_DROP] = DP_NODE_DROP,
			[BIN_TX] = DP_NODE_TX,
			[BIN_PUNT] = DP_NODE_PUNT,
		},
};

RTE_NODE_REGISTER(bifrost_node);
