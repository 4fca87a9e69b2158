/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vh_bifrost_in: validates the Bifrost frames of each overlay datagram,
 * answers a lone ECHO_REQUEST on the spot (the overlay's ping never leaves
 * the worker) and punts everything else to the control lcore.
 */
#include <errno.h>

#include "vh_bifrost.h"

#include "dp_priv.h"
#include "dp_session.h"

enum { BIN_DROP, BIN_TX, BIN_PUNT, BIN_LINK, BIN_MAX };

/*
 * A lone LINK_DATA frame of a session the workers hold is opened here;
 * everything else (handshakes, sessions the control lcore keeps) is punted.
 */
static inline unsigned int
link_or_punt(const struct vh_dp *dp, struct vh_dp_meta *meta, const uint8_t *dgram, size_t len)
{
	uint32_t flen, index;

	if (dgram[3] != VH_BIFROST_LINK_DATA || len < VH_BIFROST_HDR_LEN + VH_VEIL_DATA_MIN_LEN)
		return BIN_PUNT;
	memcpy(&flen, dgram + 4, sizeof(flen));
	if (rte_be_to_cpu_32(flen) != len - VH_BIFROST_HDR_LEN)
		return BIN_PUNT; /* not alone in its datagram */
	memcpy(&index, dgram + VH_BIFROST_HDR_LEN, sizeof(index));
	meta->session = dp_session_find(dp, rte_be_to_cpu_32(index));
	return meta->session != NULL ? BIN_LINK : BIN_PUNT;
}

static inline unsigned int
bifrost_one(const struct vh_dp *dp, struct rte_mbuf *m)
{
	struct vh_dp_meta *meta = vh_dp_meta(m);
	uint8_t *frame = rte_pktmbuf_mtod(m, uint8_t *);
	uint8_t *dgram = frame + meta->pkt.payload_off;
	size_t len = meta->pkt.payload_len;
	int rc;

	/* the common case first: a lone echo is recognised from its header;
	 * anything else it has validated already (-ENOMSG: valid, not an echo) */
	rc = vh_bifrost_echo_reply_inplace(dgram, len);
	if (rc == 0)
		goto reply;
	if (rc == -ENOMSG)
		rc = VH_DROP_NONE;
	if (unlikely(rc != VH_DROP_NONE)) {
		meta->reason = (uint16_t)rc;
		return BIN_DROP;
	}
	return link_or_punt(dp, meta, dgram, len);
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
	const struct vh_dp *dp = node_lcore(node)->dp;
	void *out[BIN_MAX][RTE_GRAPH_BURST_SIZE] DP_BATCH_INIT;
	uint16_t n[BIN_MAX] = {0};

	for (uint16_t i = 0; i < cnt; i++) {
		unsigned int next = bifrost_one(dp, objs[i]);

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
			[BIN_LINK] = DP_NODE_LINK_IN,
		},
};

RTE_NODE_REGISTER(bifrost_node);
