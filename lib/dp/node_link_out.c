/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vh_link_encrypt: seals answers the workers produced inside a session (the
 * reply to a sealed ECHO) or relay (an overlay packet for the next hop)
 * under the session's send key, a whole burst in one AEAD submission; a
 * reply goes back where the frame came from, a relayed packet to the next
 * hop session's endpoint.
 * Counters are taken with an atomic add (one per run of packets of the same
 * session), so any lcore may send on a session.
 */
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "vh_bifrost.h"
#include "vh_overlay.h"

#include "dp_priv.h"
#include "dp_session.h"

enum { LOUT_DROP, LOUT_TX, LOUT_MAX };

static inline void
seal_op(struct rte_mbuf *m, struct vh_aead_op *op, uint64_t counter)
{
	struct vh_dp_meta *meta = vh_dp_meta(m);
	struct dp_session *s = meta->session;
	uint8_t *h =
		rte_pktmbuf_mtod_offset(m, uint8_t *, meta->pkt.payload_off + VH_BIFROST_HDR_LEN);

	vh_veil_data_hdr_encode(h, s->remote_index, counter);
	op->key = s->send_key;
	vh_aead_nonce(op->nonce, counter);
	op->aad = h;
	op->aad_len = VH_VEIL_DATA_HDR_LEN;
	op->src = op->dst = h + VH_VEIL_DATA_HDR_LEN;
	op->len = meta->inner_len;
	op->tag = h + VH_VEIL_DATA_HDR_LEN + meta->inner_len;
}

/* Packets from i on that go out on the same session (a burst is mostly one). */
static inline uint16_t
run_end(void **objs, uint16_t i, uint16_t cnt)
{
	const struct dp_session *s = vh_dp_meta(objs[i])->session;
	uint16_t j = i + 1;

	while (j < cnt && vh_dp_meta(objs[j])->session == s)
		j++;
	return j;
}

/*
 * Counters for a whole run of packets of one session with a single atomic
 * add: a locked add per packet cost more than the rest of the header work.
 */
static inline void
seal_all(void **objs, struct vh_aead_op *ops, uint16_t cnt)
{
	for (uint16_t i = 0, j; i < cnt; i = j) {
		struct dp_session *s = vh_dp_meta(objs[i])->session;
		uint64_t c;

		j = run_end(objs, i, cnt);
		c = __atomic_fetch_add(&s->send_counter, j - i, __ATOMIC_RELAXED);
		for (uint16_t k = i; k < j; k++)
			seal_op(objs[k], &ops[k], c++);
	}
}

/*
 * The UDP checksum of a sealed datagram over IPv4: none (0, RFC 768). The
 * AEAD tag already covers every payload byte, so a sum over the whole
 * ciphertext would only repeat that check, at a cost that grows with the
 * size (WireGuard's own reasoning). IPv6 makes the checksum mandatory, so
 * lib/net computes it there.
 */
static inline void
reply_headers(uint8_t *frame, const struct vh_net_pkt *pkt)
{
	uint8_t *u = frame + pkt->l4_off;

	if (pkt->ip_ver != 4) {
		vh_net_udp_reply_inplace(frame, pkt);
		return;
	}
	/* any non-zero sum: the incremental update leaves it, and 0 would ask
	 * for the full sum (the "sender had none" case) */
	u[6] = u[7] = 0xff;
	vh_net_udp_reply_inplace_delta(frame, pkt, 0, 0);
	u[6] = u[7] = 0;
}

/*
 * Ethernet + IPv4 + UDP in front of a relayed sealed datagram of len bytes:
 * the bytes vh_net_udp_build() writes (source ifc's MAC, address and
 * overlay port; DF, id 0, TTL 64), but with no UDP checksum (as in
 * reply_headers()) and the header checksum summed from the field values in
 * registers: summing the header just written reads back narrower stores,
 * which stalls store forwarding (a quarter of vh_net_udp_build() in perf).
 */
static inline int
udp4_headers(uint8_t *out, const struct dp_endpoint *ep, const struct vh_net_if *ifc, uint16_t len)
{
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)out;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eh + 1);
	struct rte_udp_hdr *u = (struct rte_udp_hdr *)(ip + 1);
	uint16_t tl = (uint16_t)(sizeof(*ip) + sizeof(*u) + len);
	uint32_t src = rte_be_to_cpu_32(ifc->ip4), dst, sum;

	if (src == 0)
		return -EINVAL;
	memcpy(&dst, ep->dst_ip, 4);
	dst = rte_be_to_cpu_32(dst);
	sum = (RTE_IPV4_VHL_DEF << 8) + tl + RTE_IPV4_HDR_DF_FLAG + (64 << 8 | IPPROTO_UDP) +
	      (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	memcpy(eh->dst_addr.addr_bytes, ep->dst_mac, 6);
	memcpy(eh->src_addr.addr_bytes, ifc->mac, 6);
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->type_of_service = 0;
	ip->total_length = rte_cpu_to_be_16(tl);
	ip->packet_id = 0;
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->hdr_checksum = rte_cpu_to_be_16((uint16_t)~sum);
	ip->src_addr = ifc->ip4;
	ip->dst_addr = rte_cpu_to_be_32(dst);
	u->src_port = rte_cpu_to_be_16(ifc->udp_port);
	u->dst_port = rte_cpu_to_be_16(ep->dst_port);
	u->dgram_len = rte_cpu_to_be_16((uint16_t)(sizeof(*u) + len));
	u->dgram_cksum = 0;
	return 0;
}

/*
 * Relaying: new Ethernet/IP/UDP headers for the next hop's endpoint in
 * front of the sealed datagram, which stays where it is in the buffer.
 */
static int
to_endpoint(const struct vh_dp *dp, struct rte_mbuf *m)
{
	struct vh_dp_meta *meta = vh_dp_meta(m);
	const struct dp_endpoint *ep = dp_session_ep(meta->session);
	const struct dp_port *port;
	uint16_t old_hdr = meta->pkt.payload_off, len = meta->pkt.payload_len;
	uint16_t new_hdr;
	struct vh_net_flow f = {0};
	uint8_t *out;

	/* vh_overlay_fwd saw one; it is never taken away, only replaced */
	if (unlikely(ep == NULL))
		return -EINVAL;
	port = &dp->ports[ep->port_idx];
	new_hdr = ep->ip_ver == 4 ? VH_NET_UDP4_HDR_LEN : VH_NET_UDP6_HDR_LEN;
	f.ip_ver = ep->ip_ver;
	f.dport = ep->dst_port;
	if (new_hdr > old_hdr) {
		if (rte_pktmbuf_prepend(m, new_hdr - old_hdr) == NULL)
			return -ENOSPC;
	} else if (new_hdr < old_hdr) {
		rte_pktmbuf_adj(m, old_hdr - new_hdr);
	}
	/* drop any Ethernet padding the frame arrived with */
	rte_pktmbuf_trim(m, rte_pktmbuf_data_len(m) - (new_hdr + len));
	out = rte_pktmbuf_mtod(m, uint8_t *);
	m->port = port->port_id;
	/* IPv4: the sealed datagram is neither moved nor summed */
	if (ep->ip_ver == 4)
		return udp4_headers(out, ep, &port->conf.ifc, len);
	memcpy(f.dst_mac, ep->dst_mac, sizeof(f.dst_mac));
	memcpy(f.dst, ep->dst_ip, sizeof(f.dst));
	if (vh_net_udp_build(&port->conf.ifc, &f, out + new_hdr, len, out, new_hdr + len) < 0)
		return -EINVAL;
	return 0;
}

static uint16_t
link_out_process(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t cnt)
{
	struct dp_lcore *lc = node_lcore(node);
	struct vh_aead_op ops[RTE_GRAPH_BURST_SIZE];
	void *out[LOUT_MAX][RTE_GRAPH_BURST_SIZE] DP_BATCH_INIT;
	uint16_t k[LOUT_MAX] = {0};

	seal_all(objs, ops, cnt);
	vh_aead_encrypt_burst(lc->aead, ops, cnt);
	for (uint16_t i = 0, j; i < cnt; i = j) {
		struct dp_session *s = vh_dp_meta(objs[i])->session;
		uint64_t pkts = 0, bytes = 0;

		j = run_end(objs, i, cnt);
		for (uint16_t n = i; n < j; n++) {
			struct rte_mbuf *m = objs[n];
			struct vh_dp_meta *meta = vh_dp_meta(m);

			if (unlikely(ops[n].status != 0)) {
				meta->reason = VH_DROP_VEIL_MALFORMED;
				out[LOUT_DROP][k[LOUT_DROP]++] = m;
				continue;
			}
			pkts++;
			bytes += meta->inner_len;
			if (meta->relay) {
				if (unlikely(to_endpoint(lc->dp, m) != 0)) {
					meta->reason = VH_DROP_NO_MBUF;
					out[LOUT_DROP][k[LOUT_DROP]++] = m;
					continue;
				}
			} else {
				reply_headers(rte_pktmbuf_mtod(m, uint8_t *), &meta->pkt);
			}
			out[LOUT_TX][k[LOUT_TX]++] = m;
		}
		__atomic_fetch_add(&s->tx_packets, pkts, __ATOMIC_RELAXED);
		__atomic_fetch_add(&s->tx_bytes, bytes, __ATOMIC_RELAXED);
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
