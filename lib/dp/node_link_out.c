/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vh_link_encrypt: seals answers the workers produced inside a session (the
 * reply to a sealed ECHO) or relay (an overlay packet for the next hop)
 * under the session's send key, a whole burst in one AEAD submission; a
 * reply goes back where the frame came from, a relayed packet to the next
 * hop session's endpoint.
 * Counters are taken with an atomic add, so any lcore may send on a session.
 */
#include <rte_byteorder.h>

#include "vh_bifrost.h"

#include "dp_priv.h"

enum { LOUT_DROP, LOUT_TX, LOUT_MAX };

static inline void
seal_op(struct rte_mbuf *m, struct vh_aead_op *op)
{
	struct vh_dp_meta *meta = vh_dp_meta(m);
	struct dp_session *s = meta->session;
	uint8_t *h =
		rte_pktmbuf_mtod_offset(m, uint8_t *, meta->pkt.payload_off + VH_BIFROST_HDR_LEN);
	uint64_t counter = __atomic_fetch_add(&s->send_counter, 1, __ATOMIC_RELAXED);

	vh_veil_data_hdr_encode(h, s->remote_index, counter);
	op->key = s->send_key;
	vh_aead_nonce(op->nonce, counter);
	op->aad = h;
	op->aad_len = VH_VEIL_DATA_HDR_LEN;
	op->src = op->dst = h + VH_VEIL_DATA_HDR_LEN;
	op->len = meta->inner_len;
	op->tag = h + VH_VEIL_DATA_HDR_LEN + meta->inner_len;
}

/*
 * Relaying: new Ethernet/IP/UDP headers for the next hop's endpoint in
 * front of the sealed datagram, which stays where it is in the buffer.
 */
static int
to_endpoint(const struct vh_dp *dp, struct rte_mbuf *m)
{
	struct vh_dp_meta *meta = vh_dp_meta(m);
	const struct vh_dp_session_conf *ep = &meta->session->ep;
	const struct dp_port *port = &dp->ports[ep->port_idx];
	uint16_t old_hdr = meta->pkt.payload_off, len = meta->pkt.payload_len;
	uint16_t new_hdr = ep->ip_ver == 4 ? VH_NET_UDP4_HDR_LEN : VH_NET_UDP6_HDR_LEN;
	struct vh_net_flow f = {.ip_ver = ep->ip_ver, .dport = ep->dst_port};
	uint8_t *out;

	if (new_hdr > old_hdr) {
		if (rte_pktmbuf_prepend(m, new_hdr - old_hdr) == NULL)
			return -ENOSPC;
	} else if (new_hdr < old_hdr) {
		rte_pktmbuf_adj(m, old_hdr - new_hdr);
	}
	/* drop any Ethernet padding the frame arrived with */
	rte_pktmbuf_trim(m, rte_pktmbuf_data_len(m) - (new_hdr + len));
	memcpy(f.dst_mac, ep->dst_mac, sizeof(f.dst_mac));
	memcpy(f.dst, ep->dst_ip, sizeof(f.dst));
	out = rte_pktmbuf_mtod(m, uint8_t *);
	if (vh_net_udp_build(&port->conf.ifc, &f, out + new_hdr, len, out, new_hdr + len) < 0)
		return -EINVAL;
	m->port = port->port_id;
	return 0;
}

static uint16_t
link_out_process(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t cnt)
{
	struct dp_lcore *lc = node_lcore(node);
	struct vh_aead_op ops[RTE_GRAPH_BURST_SIZE];
	void *out[LOUT_MAX][RTE_GRAPH_BURST_SIZE];
	uint16_t k[LOUT_MAX] = {0};

	for (uint16_t i = 0; i < cnt; i++)
		seal_op(objs[i], &ops[i]);
	vh_aead_encrypt_burst(lc->aead, ops, cnt);
	for (uint16_t i = 0; i < cnt; i++) {
		struct rte_mbuf *m = objs[i];
		struct vh_dp_meta *meta = vh_dp_meta(m);

		if (unlikely(ops[i].status != 0)) {
			meta->reason = VH_DROP_VEIL_MALFORMED;
			out[LOUT_DROP][k[LOUT_DROP]++] = m;
			continue;
		}
		__atomic_fetch_add(&meta->session->tx_packets, 1, __ATOMIC_RELAXED);
		__atomic_fetch_add(&meta->session->tx_bytes, meta->inner_len, __ATOMIC_RELAXED);
		if (meta->relay) {
			if (unlikely(to_endpoint(lc->dp, m) != 0)) {
				meta->reason = VH_DROP_NO_MBUF;
				out[LOUT_DROP][k[LOUT_DROP]++] = m;
				continue;
			}
		} else {
			/* the whole payload changed: the UDP checksum is recomputed */
			vh_net_udp_reply_inplace(rte_pktmbuf_mtod(m, uint8_t *), &meta->pkt);
		}
		out[LOUT_TX][k[LOUT_TX]++] = m;
	}
	for (unsigned int e = 0; e < LOUT_MAX; e++)
		if (k[e] != 0)
			rte_node_enqueue(graph, node, e, out[e], k[e]);
	return cnt;
}

static struct rte_node_register link_out_node = {
	.name = DP_NODE_LINK_OUT,
	.process = link_out_process,
	.init = dp_node_init,
	.nb_edges = LOUT_MAX,
	.next_nodes =
		{
			[LOUT_DROP] = DP_NODE_DROP,
			[LOUT_TX] = DP_NODE_TX,
		},
};

RTE_NODE_REGISTER(link_out_node);
