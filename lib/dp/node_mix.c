/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vh_mix: the mixnode on the workers (docs/mix-node.md). vh_overlay_fwd
 * hands it the MIX overlay packets addressed to this node, a burst at a
 * time. A Sphinx packet is checked against the replay filters of the keys
 * in force (a hash, before any scalar multiplication), unwrapped with the
 * current key then the previous one, its tag recorded, and then:
 *   - forwarded: the overlay header is rewritten in place (dst = next hop,
 *     src = this node, fresh hop limit) and the packet waits in this
 *     lcore's delay wheel for its NodeDelay; vh_mix_out sends it on;
 *   - delivered (last hop): rewritten in place into a DELIVER or REPLY
 *     message and punted to the control lcore, which hands it to the
 *     recipient.
 * Other kinds, and every packet while no key is published, are punted as
 * before so the control lcore handles them.
 *
 * vh_mix_out is a source node: every walk it takes what is due from the
 * wheel (TSC clock, 1 ms ticks) and hands it to vh_overlay_fwd.
 */
#include <rte_cycles.h>
#include <rte_malloc.h>

#include "vh_bifrost.h"
#include "vh_overlay.h"
#include "vh_ygg.h"

#include "dp_priv.h"
#include "dp_mix.h"
#include "dp_fwd.h"

enum { MIX_DROP, MIX_PUNT, MIX_MAX, MIX_HELD = MIX_MAX };
enum { MOUT_FWD, MOUT_MAX };

#define MIX_HDR_OFF (2 * VH_BIFROST_HDR_LEN + VH_VEIL_DATA_HDR_LEN)

/* The overlay header inside the opened frame (link_decrypt checked it). */
static inline uint8_t *
ovl_hdr(struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod_offset(m, uint8_t *, vh_dp_meta(m)->pkt.payload_off + MIX_HDR_OFF);
}

static inline unsigned int
ovl_payload_len(struct rte_mbuf *m)
{
	unsigned int l = vh_dp_meta(m)->inner_len;

	return l > VH_BIFROST_HDR_LEN + VH_OVERLAY_HDR_LEN
		       ? l - VH_BIFROST_HDR_LEN - VH_OVERLAY_HDR_LEN
		       : 0;
}

/* Hand the opened frame to the control lcore, as vh_overlay_fwd does. */
static inline unsigned int
punt(struct rte_mbuf *m)
{
	struct vh_dp_meta *meta = vh_dp_meta(m);

	meta->opened = 1;
	meta->hop_expired = 0;
	meta->session_index = meta->session->local_index;
	meta->inner_off =
		(uint16_t)(ovl_hdr(m) - VH_BIFROST_HDR_LEN - rte_pktmbuf_mtod(m, uint8_t *));
	return MIX_PUNT;
}

static inline unsigned int
drop(struct rte_mbuf *m, enum vh_drop reason, uint64_t *counter)
{
	(*counter)++;
	dp_set_drop(m, reason);
	return MIX_DROP;
}

/* Replay check (both keys, no DH), unwrap, record: 0 or a negative errno. */
static int
unwrap(const struct dp_mix *mix, struct dp_mix_keyset *ks, uint8_t *pkt, size_t len,
	struct vh_sphinx_unwrap_result *res)
{
	uint8_t tag[VH_SPHINX_REPLAY_TAG_LEN];
	int rc = vh_sphinx_replay_tag(&mix->geo, pkt, len, tag);

	if (rc < 0)
		return -EINVAL;
	for (unsigned int i = 0; i < ks->n; i++)
		if (vh_mix_replay_test(ks->k[i].replay, tag) == 1)
			return -EALREADY;
	for (unsigned int i = 0; i < ks->n; i++) {
		struct dp_mix_key *k = &ks->k[i];

		rc = vh_sphinx_unwrap(&mix->geo, k->priv, pkt, len, res);
		if (rc == -EBADMSG)
			continue;
		if (rc < 0)
			return -EINVAL;
		/* recorded only now: forged packets must not fill the filter */
		rc = mix->mt ? vh_mix_replay_test_and_set_mt(k->replay, tag)
			     : vh_mix_replay_test_and_set(k->replay, tag);
		return rc != 0 ? -EALREADY : 0;
	}
	return -EBADMSG;
}

int
vh_dp_mix_unwrap(struct vh_dp *dp, uint8_t *pkt, size_t len, struct vh_sphinx_unwrap_result *res)
{
	struct dp_mix *mix = dp_mix_get(dp);
	struct dp_mix_keyset *ks;

	if (mix == NULL)
		return -ENOENT;
	if (pkt == NULL || res == NULL || len != mix->geo.packet_len)
		return -EINVAL;
	/* the caller publishes the key sets: this one cannot be freed meanwhile */
	ks = __atomic_load_n(&mix->keys, __ATOMIC_ACQUIRE);
	if (ks == NULL || ks->n == 0)
		return -ENOKEY;
	return unwrap(mix, ks, pkt, len, res);
}

/* Put the last hop's output in DELIVER / REPLY form at p (docs/mix-node.md). */
static void
to_local(uint8_t *p, size_t cap, const struct vh_mix_received *r)
{
	uint8_t *o = p + 1 + VH_SPHINX_NODE_ID_LEN;
	size_t used;

	if (r->action == VH_MIX_DELIVER) {
		/* sources lie after their destinations: memmove in this order */
		if (r->surb != NULL)
			memmove(o + 4, r->surb, r->surb_len);
		memmove(o + 4 + (r->surb != NULL ? r->surb_len : 0), r->msg, r->msg_len);
		vh_put_be16(o, (uint16_t)(r->surb != NULL ? r->surb_len : 0));
		vh_put_be16(o + 2, (uint16_t)r->msg_len);
		used = 4 + (r->surb != NULL ? r->surb_len : 0) + r->msg_len;
		p[0] = VH_DP_MIX_DELIVER;
	} else {
		memmove(o + VH_SPHINX_SURB_ID_LEN + 2, r->body, r->body_len);
		memcpy(o, r->surb_id, VH_SPHINX_SURB_ID_LEN);
		vh_put_be16(o + VH_SPHINX_SURB_ID_LEN, (uint16_t)r->body_len);
		used = VH_SPHINX_SURB_ID_LEN + 2 + r->body_len;
		p[0] = VH_DP_MIX_REPLY;
	}
	memcpy(p + 1, r->recipient, VH_SPHINX_NODE_ID_LEN);
	memset(o + used, 0, cap - 1 - VH_SPHINX_NODE_ID_LEN - used);
}

static struct vh_mix_wheel *
wheel_of(struct dp_mix_lcore *ml, const struct dp_mix *mix)
{
	struct vh_mix_wheel_conf c = {
		.tick = ml->tsc_ms,
		.levels = 2,
		.capacity = mix->conf.wheel_entries,
		.start = rte_rdtsc(),
		.overflow = VH_MIX_WHEEL_CLAMP,
	};

	if (ml->wheel != NULL)
		return ml->wheel;
	/* 256^2 ms = 65 s; longer clamps need a third level */
	if (mix->conf.max_delay_ms >= 65000)
		c.levels = 3;
	ml->wheel = vh_mix_wheel_create(&c);
	ml->wheel_cap = ml->wheel != NULL ? c.capacity : 0;
	return ml->wheel;
}

/* Rewrite the overlay header for the next hop and hold the packet. */
static unsigned int
hold(struct dp_mix_lcore *ml, const struct dp_mix *mix, struct rte_mbuf *m,
	const struct vh_mix_received *r)
{
	const struct vh_dp *dp = mix->dp;
	struct vh_mix_wheel *w = wheel_of(ml, mix);
	uint8_t *h = ovl_hdr(m);
	uint32_t d = RTE_MIN(r->delay_ms, mix->conf.max_delay_ms);

	/* a path through this node twice: no honest client builds one */
	if (memcmp(r->next_hop, dp->self_id, VH_DP_NODE_ID_LEN) == 0)
		return drop(m, VH_DROP_MIX_MALFORMED, &ml->malformed);
	if (w == NULL)
		return drop(m, VH_DROP_NO_MBUF, &ml->wheel_full);
	h[0] = mix->conf.hop_limit;
	h[1] = 0;
	h[2] = VH_OVERLAY_T_MIX;
	h[3] = 0;
	memcpy(h + 8, r->next_hop, VH_DP_NODE_ID_LEN);
	memcpy(h + 8 + VH_DP_NODE_ID_LEN, dp->self_id, VH_DP_NODE_ID_LEN);
	/* the RX hash fields are free once classified: when and how long (stats) */
	m->hash.fdir.lo = (uint32_t)(rte_rdtsc() / (ml->tsc_ms / 1000));
	m->hash.fdir.hi = d;
	if (vh_mix_wheel_insert(w, m, rte_rdtsc() + (uint64_t)d * ml->tsc_ms) != 0)
		return drop(m, VH_DROP_MIX_WHEEL_FULL, &ml->wheel_full);
	ml->delayed++;
	ml->delay_ms_sum += d;
	return MIX_HELD;
}

static unsigned int
mix_one(struct dp_mix_lcore *ml, const struct dp_mix *mix, struct dp_mix_keyset *ks,
	struct rte_mbuf *m)
{
	uint8_t *p = ovl_hdr(m) + VH_OVERLAY_HDR_LEN;
	unsigned int len = ovl_payload_len(m);
	struct vh_sphinx_unwrap_result res;
	struct vh_mix_received r;
	int rc;

	if (len == 0 || p[0] != VH_DP_MIX_SPHINX)
		return punt(m);
	if (len != 1 + mix->geo.packet_len)
		return drop(m, VH_DROP_MIX_MALFORMED, &ml->malformed);
	if (ks == NULL || ks->n == 0) {
		ml->no_key++;
		return punt(m);
	}
	rc = unwrap(mix, ks, p + 1, len - 1, &res);
	if (rc == -EALREADY)
		return drop(m, VH_DROP_MIX_REPLAY, &ml->replayed);
	if (rc == -EBADMSG)
		return drop(m, VH_DROP_MIX_UNWRAP, &ml->failed);
	if (rc < 0 || vh_mix_classify(&mix->geo, &res, &r) != 0)
		return drop(m, VH_DROP_MIX_MALFORMED, &ml->malformed);
	ml->unwrapped++;
	if (r.action == VH_MIX_FORWARD)
		return hold(ml, mix, m, &r);
	to_local(p, len, &r);
	/* the control lcore relays a DELIVER onwards only when it came from us */
	memcpy(ovl_hdr(m) + 8 + VH_DP_NODE_ID_LEN, mix->dp->self_id, VH_DP_NODE_ID_LEN);
	ml->delivered++;
	return punt(m);
}

static uint16_t
mix_process(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t cnt)
{
	struct dp_lcore *lc = node_lcore(node);
	struct dp_mix_lcore *ml;
	const struct dp_mix *mix = dp_mix_get(lc->dp);
	struct dp_mix_keyset *ks = NULL;
	void *out[MIX_MAX][RTE_GRAPH_BURST_SIZE] DP_BATCH_INIT;
	uint16_t k[MIX_MAX + 1] = {0};

	memcpy(&ml, node->ctx + sizeof(void *), sizeof(ml));
	if (mix != NULL)
		ks = __atomic_load_n(&mix->keys, __ATOMIC_ACQUIRE);
	for (uint16_t i = 0; i < cnt; i++) {
		unsigned int e =
			mix != NULL && ml != NULL ? mix_one(ml, mix, ks, objs[i]) : punt(objs[i]);

		if (e != MIX_HELD)
			out[e][k[e]++] = objs[i];
	}
	for (unsigned int e = 0; e < MIX_MAX; e++)
		if (k[e] != 0)
			rte_node_enqueue(graph, node, e, out[e], k[e]);
	return cnt;
}

static int
mix_init(const struct rte_graph *graph, struct rte_node *node)
{
	struct dp_mix_lcore *ml;

	dp_node_init(graph, node);
	ml = rte_zmalloc_socket(
		"vh_mix_lcore", sizeof(*ml), RTE_CACHE_LINE_SIZE, (int)rte_socket_id());
	if (ml == NULL)
		return -ENOMEM;
	ml->tsc_ms = rte_get_tsc_hz() / 1000;
	RTE_BUILD_BUG_ON(2 * sizeof(void *) > RTE_NODE_CTX_SZ);
	memcpy(node->ctx + sizeof(void *), &ml, sizeof(ml));
	return 0;
}

/* Graph destroyed: what the wheel still holds is freed with it. */
static void
mix_fini(const struct rte_graph *graph, struct rte_node *node)
{
	struct dp_mix_lcore *ml;
	void *objs[RTE_GRAPH_BURST_SIZE];
	unsigned int n;

	RTE_SET_USED(graph);
	memcpy(&ml, node->ctx + sizeof(void *), sizeof(ml));
	if (ml == NULL)
		return;
	while (ml->wheel != NULL && (n = vh_mix_wheel_drain(ml->wheel, objs, RTE_DIM(objs))) > 0)
		rte_pktmbuf_free_bulk((struct rte_mbuf **)objs, n);
	vh_mix_wheel_free(ml->wheel);
	rte_free(ml);
	memset(node->ctx + sizeof(void *), 0, sizeof(ml));
}

static struct rte_node_register mix_node = {
	.name = DP_NODE_MIX,
	.process = mix_process,
	.init = mix_init,
	.fini = mix_fini,
	.nb_edges = MIX_MAX,
	.next_nodes =
		{
			[MIX_DROP] = DP_NODE_DROP,
			[MIX_PUNT] = DP_NODE_PUNT,
		},
};

RTE_NODE_REGISTER(mix_node);

/* Record asked and held delays of packets leaving the wheel. */
static void
sample(struct dp_mix_lcore *ml, struct rte_mbuf **m, unsigned int n)
{
	uint32_t now_us = (uint32_t)(rte_rdtsc() / (ml->tsc_ms / 1000));

	for (unsigned int i = 0; i < n; i++) {
		uint64_t j = ml->n_samples++ % DP_MIX_SAMPLES;

		ml->sample_req[j] = (float)m[i]->hash.fdir.hi;
		ml->sample_held[j] = (float)(uint32_t)(now_us - m[i]->hash.fdir.lo) / 1000.0f;
	}
}

static uint16_t
mix_out_process(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t cnt)
{
	struct dp_lcore *lc = node_lcore(node);
	struct dp_mix_lcore *ml;
	void *out[RTE_GRAPH_BURST_SIZE];
	unsigned int n;

	RTE_SET_USED(objs);
	RTE_SET_USED(cnt);
	memcpy(&ml, node->ctx + sizeof(void *), sizeof(ml));
	if (ml == NULL) {
		/* vh_mix's state, found once the graph exists */
		ml = dp_mix_lcore_of(lc);
		memcpy(node->ctx + sizeof(void *), &ml, sizeof(ml));
	}
	/* expired even when empty: the wheel's span counts from its clock */
	if (ml == NULL || ml->wheel == NULL)
		return 0;
	n = vh_mix_wheel_expire(ml->wheel, rte_rdtsc(), out, RTE_DIM(out));
	if (n == 0)
		return 0;
	ml->forwarded += n;
	lc->work += n;
	sample(ml, (struct rte_mbuf **)out, n);
	rte_node_enqueue(graph, node, MOUT_FWD, out, n);
	return n;
}

static int
mix_out_init(const struct rte_graph *graph, struct rte_node *node)
{
	dp_node_init(graph, node);
	memset(node->ctx + sizeof(void *), 0, sizeof(void *));
	return 0;
}

static struct rte_node_register mix_out_node = {
	.name = DP_NODE_MIX_OUT,
	.flags = RTE_NODE_SOURCE_F,
	.process = mix_out_process,
	.init = mix_out_init,
	.nb_edges = MOUT_MAX,
	.next_nodes = {[MOUT_FWD] = DP_NODE_OVERLAY_FWD},
};

RTE_NODE_REGISTER(mix_out_node);
