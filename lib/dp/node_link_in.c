/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vh_link_decrypt: opens the LINK_DATA frames of sessions the data plane
 * holds, a whole burst in one AEAD submission (multi-buffer ipsec-mb by
 * default). The plaintext is a Bifrost datagram: a lone ECHO_REQUEST is
 * turned into its reply for vh_link_encrypt, a lone DATA frame with an
 * overlay header goes to vh_overlay_fwd, an empty one is a keepalive, and
 * anything else (handshake-layer control, echo replies, ...) is punted to
 * the control lcore already opened, with the session it came in.
 */
#include <errno.h>

#include <rte_byteorder.h>

#include "vh_bifrost.h"
#include "vh_overlay.h"
#include "vh_ygg.h"

#include "dp_priv.h"
#include "dp_fwd.h"
#include "dp_session.h"

/* LIN_DONE is not an edge: a keepalive is consumed and freed here */
enum { LIN_DROP, LIN_ENCRYPT, LIN_FWD, LIN_PUNT, LIN_MAX, LIN_DONE = LIN_MAX };

/* bifrost_in checked: one LINK_DATA frame filling the datagram, >= 28 bytes */
static inline uint8_t *
link_hdr(struct rte_mbuf *m)
{
	struct vh_dp_meta *meta = vh_dp_meta(m);

	return rte_pktmbuf_mtod_offset(m, uint8_t *, meta->pkt.payload_off + VH_BIFROST_HDR_LEN);
}

/* Fill an op for m, or return false when the counter is a replay. */
static inline bool
open_op(struct rte_mbuf *m, struct vh_aead_op *op)
{
	struct vh_dp_meta *meta = vh_dp_meta(m);
	struct dp_session *s = meta->session;
	uint8_t *h = link_hdr(m);
	uint64_t counter = vh_get_be64(h + 4);
	uint32_t len = meta->pkt.payload_len - VH_BIFROST_HDR_LEN - VH_VEIL_DATA_MIN_LEN;

	if (dp_replay_check(&s->replay, counter) != 0)
		return false;
	op->key = s->recv_key;
	vh_aead_nonce(op->nonce, counter);
	op->aad = h;
	op->aad_len = VH_VEIL_DATA_HDR_LEN;
	op->src = op->dst = h + VH_VEIL_DATA_HDR_LEN;
	op->len = len;
	op->tag = h + VH_VEIL_DATA_HDR_LEN + len;
	meta->inner_len = (uint16_t)len;
	return true;
}

/* A lone Bifrost DATA frame carrying at least an overlay header (the
 * datagram was validated already). */
static inline bool
is_overlay(const uint8_t *in, uint16_t len)
{
	return len >= VH_BIFROST_HDR_LEN + VH_OVERLAY_HDR_LEN && in[3] == VH_BIFROST_DATA &&
	       vh_get_be32(in + 4) == (uint32_t)(len - VH_BIFROST_HDR_LEN);
}

/* Same address; constant lengths, so the compiler compares in registers. */
static inline bool
same_ip(const uint8_t *a, const uint8_t *b, uint8_t ip_ver)
{
	return ip_ver == 4 ? memcmp(a, b, 4) == 0 : memcmp(a, b, 16) == 0;
}

/*
 * Remember a source other than the session's endpoint (roaming hint), only
 * for a frame newer than every one accepted under the key: an older one may
 * be a copy replayed from elsewhere before the original arrived.
 */
static inline void
note_source(struct dp_session *s, const struct vh_net_pkt *pkt)
{
	const struct dp_endpoint *ep = dp_session_ep(s);
	unsigned int alen = pkt->ip_ver == 4 ? 4 : 16;

	if (likely(ep != NULL && pkt->ip_ver == ep->ip_ver && pkt->sport == ep->dst_port &&
		    same_ip(pkt->src, ep->dst_ip, pkt->ip_ver)))
		return;
	if (s->src_ip_ver == pkt->ip_ver && s->src_port == pkt->sport &&
		same_ip(s->src_ip, pkt->src, pkt->ip_ver))
		return;
	memcpy(s->src_ip, pkt->src, alen);
	s->src_port = pkt->sport;
	__atomic_store_n(&s->src_ip_ver, pkt->ip_ver, __ATOMIC_RELEASE);
}

/* Hand the opened frame to the control lcore. */
static inline unsigned int
punt_opened(struct rte_mbuf *m, const struct vh_aead_op *op)
{
	struct vh_dp_meta *meta = vh_dp_meta(m);

	meta->opened = 1;
	meta->session_index = meta->session->local_index;
	meta->inner_off = (uint16_t)((const uint8_t *)op->dst - rte_pktmbuf_mtod(m, uint8_t *));
	return LIN_PUNT;
}

/* What a run of packets of one session adds to its counters. */
struct run_acc {
	uint64_t packets, bytes, keepalives;
};

static inline unsigned int
after_open(struct rte_mbuf *m, const struct vh_aead_op *op, struct run_acc *acc)
{
	struct vh_dp_meta *meta = vh_dp_meta(m);
	struct dp_session *s = meta->session;
	int rc;

	if (op->status != 0) {
		__atomic_fetch_add(&s->auth_failed, 1, __ATOMIC_RELAXED);
		meta->reason = VH_DROP_VEIL_AUTH;
		return LIN_DROP;
	}
	/* recorded only now (the caller holds the lock): a forged frame must
	 * not move the window */
	rc = dp_replay_update(&s->replay, vh_get_be64(link_hdr(m) + 4));
	if (rc < 0) {
		__atomic_fetch_add(&s->replayed, 1, __ATOMIC_RELAXED);
		meta->reason = VH_DROP_VEIL_REPLAY;
		return LIN_DROP;
	}
	acc->packets++;
	acc->bytes += meta->inner_len;
	if (rc == 1)
		note_source(s, &meta->pkt);
	if (meta->inner_len == 0) {
		acc->keepalives++;
		return LIN_DONE;
	}
	meta->relay = 0;
	/* 0: a lone echo request, answered; -ENOMSG: a valid datagram that is
	 * not one (validated on the way, so is_overlay() need not again) */
	rc = vh_bifrost_echo_reply_inplace((uint8_t *)op->dst, meta->inner_len);
	if (rc == 0)
		return LIN_ENCRYPT;
	if (rc == -ENOMSG && is_overlay(op->dst, meta->inner_len))
		return LIN_FWD;
	return punt_opened(m, op);
}

/*
 * The counters of a run of same-session packets (a burst is mostly one) are
 * added once: a locked add per packet and counter cost more than the checks.
 * The run held the session's replay lock (taken once per run, like the
 * adds), which is released here.
 */
static inline void
flush_acc(struct dp_session *s, const struct run_acc *acc)
{
	rte_spinlock_unlock(&s->replay_lock);
	if (acc->packets == 0)
		return;
	__atomic_fetch_add(&s->rx_packets, acc->packets, __ATOMIC_RELAXED);
	__atomic_fetch_add(&s->rx_bytes, acc->bytes, __ATOMIC_RELAXED);
	if (acc->keepalives != 0)
		__atomic_fetch_add(&s->rx_keepalives, acc->keepalives, __ATOMIC_RELAXED);
}

static uint16_t
link_in_process(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t cnt)
{
	struct dp_lcore *lc = node_lcore(node);
	struct vh_aead_op ops[RTE_GRAPH_BURST_SIZE];
	void *live[RTE_GRAPH_BURST_SIZE], *out[LIN_MAX + 1][RTE_GRAPH_BURST_SIZE];
	uint16_t n = 0, k[LIN_MAX + 1] = {0};
	struct dp_session *cur = NULL;
	struct run_acc acc = {0};

	for (uint16_t i = 0; i < cnt; i++) {
		if (likely(open_op(objs[i], &ops[n]))) {
			live[n++] = objs[i];
			continue;
		}
		__atomic_fetch_add(&vh_dp_meta(objs[i])->session->replayed, 1, __ATOMIC_RELAXED);
		dp_set_drop(objs[i], VH_DROP_VEIL_REPLAY);
		out[LIN_DROP][k[LIN_DROP]++] = objs[i];
	}
	vh_aead_decrypt_burst(lc->aead, ops, n);
	for (uint16_t i = 0; i < n; i++) {
		struct dp_session *s = vh_dp_meta(live[i])->session;
		unsigned int next;

		if (s != cur) {
			if (cur != NULL)
				flush_acc(cur, &acc);
			cur = s;
			acc = (struct run_acc){0};
			rte_spinlock_lock(&s->replay_lock);
		}
		next = after_open(live[i], &ops[i], &acc);
		out[next][k[next]++] = live[i];
	}
	if (cur != NULL)
		flush_acc(cur, &acc);
	for (unsigned int e = 0; e < LIN_MAX; e++)
		if (k[e] != 0)
			rte_node_enqueue(graph, node, e, out[e], k[e]);
	if (k[LIN_DONE] != 0)
		rte_pktmbuf_free_bulk((struct rte_mbuf **)out[LIN_DONE], k[LIN_DONE]);
	return cnt;
}

static struct rte_node_register link_in_node = {
	.name = DP_NODE_LINK_IN,
	.process = link_in_process,
	.init = dp_node_init,
	.nb_edges = LIN_MAX,
	.next_nodes =
		{
			[LIN_DROP] = DP_NODE_DROP,
			[LIN_ENCRYPT] = DP_NODE_LINK_OUT,
			[LIN_FWD] = DP_NODE_OVERLAY_FWD,
			[LIN_PUNT] = DP_NODE_PUNT,
		},
};

RTE_NODE_REGISTER(link_in_node);
