/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The mix client (docs/mix-node.md): messages queued by `vhctl mix send`
 * go out on Loopix's real-message stream (lambda_P; drop cover when the
 * queue is empty), loop and drop cover on their own Poisson streams
 * (lambda_L, lambda_D); with lambda_P 0 a message is sent at once. SURB
 * secrets are kept by ID until the reply or the end of the key's grace;
 * deliveries and replies wait in a queue for `vhctl mix recv`. A mixnode
 * that is not a client runs only the loop stream (Loopix's lambda_M, rate
 * lambda_l_milli), through the mixnodes of its directory.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "mix_priv.h"

static void
sphinx_send(struct vh_mixnode *m, const uint8_t *first, const uint8_t *pkt, unsigned int flags)
{
	uint8_t buf[1 + 1500];
	int rc;

	buf[0] = VH_DP_MIX_SPHINX;
	memcpy(buf + 1, pkt, m->geo.packet_len);
	/* a mixnode's own loop may enter at itself: the control lcore's path */
	if (mix_is_self(m, first)) {
		mix_path_input(m, first, buf, 1 + m->geo.packet_len);
		rc = 0;
	} else {
		rc = vh_node_overlay_send(
			m->node, first, VH_OVERLAY_T_MIX, buf, 1 + m->geo.packet_len);
	}
	if (rc != 0)
		m->cnt.send_failed++;
	/* test knobs: the very same packet again, which the entry must refuse */
	if ((flags & MIX_SEND_TWICE) && rc == 0 && !mix_is_self(m, first))
		vh_node_overlay_send(m->node, first, VH_OVERLAY_T_MIX, buf, 1 + m->geo.packet_len);
	if ((flags & MIX_SEND_KEEP) && rc == 0 && !mix_is_self(m, first)) {
		memcpy(m->kept.entry, first, MIX_ID_LEN);
		memcpy(m->kept.pkt, pkt, m->geo.packet_len);
		m->kept.have = true;
	}
}

int
mix_client_resend(struct vh_mixnode *m)
{
	uint8_t buf[1 + sizeof(m->kept.pkt)];

	if (!m->kept.have)
		return -ENOENT;
	buf[0] = VH_DP_MIX_SPHINX;
	memcpy(buf + 1, m->kept.pkt, m->geo.packet_len);
	return vh_node_overlay_send(
		m->node, m->kept.entry, VH_OVERLAY_T_MIX, buf, 1 + m->geo.packet_len);
}

static struct mix_surb *
surb_slot(struct vh_mixnode *m)
{
	uint64_t now = vh_node_now_ms();
	struct mix_surb *oldest = &m->surbs[0];

	for (unsigned int i = 0; i < MIX_SURBS_MAX; i++) {
		struct mix_surb *s = &m->surbs[i];

		if (!s->used || s->expires_ms <= now)
			return s;
		if (s->expires_ms < oldest->expires_ms)
			oldest = s;
	}
	return oldest; /* full: the oldest secret goes */
}

/* Build and send one packet to dst (a message, or cover with len 0). */
static int
send_one(struct vh_mixnode *m, const uint8_t *dst, const uint8_t *msg, size_t len, bool surb,
	unsigned int flags)
{
	struct vh_mix_path_hop path[VH_SPHINX_MAX_HOPS], rpath[VH_SPHINX_MAX_HOPS];
	const struct vh_config *c = m->cfg;
	struct vh_mix_send s = {
		.recipient = dst,
		.msg = msg,
		.msg_len = len,
		.mean_delay_ms = c->mix.mean_delay_ms,
		.max_delay_ms = c->mix.max_delay_ms,
	};
	struct mix_surb *slot = NULL;
	uint8_t pkt[1500], first[MIX_ID_LEN];
	int hops = mix_dir_path(m, path, RTE_DIM(path)), rhops = 0, rc;

	if (hops > 0 && surb)
		rhops = mix_dir_path(m, rpath, RTE_DIM(rpath));
	if (hops <= 0 || rhops < 0 || m->geo.packet_len > sizeof(pkt)) {
		m->cnt.no_path++;
		return -ENOENT;
	}
	s.path = path;
	s.nr_hops = (size_t)hops;
	if (surb) {
		s.reply_path = rpath;
		s.nr_reply_hops = (size_t)rhops;
		s.reply_to = m->id->nodeid;
		slot = surb_slot(m);
	}
	rc = vh_mix_client_send(&m->geo, &s, mix_rng, NULL, pkt, m->geo.packet_len, first, NULL,
		slot != NULL ? &slot->s : NULL);
	if (rc != 0) {
		m->cnt.send_failed++;
		return rc;
	}
	if (slot != NULL) {
		slot->used = true;
		slot->expires_ms = vh_node_now_ms() + m->ec.epoch_ms + m->ec.grace_ms;
	}
	sphinx_send(m, first, pkt, flags);
	return 0;
}

/* A random mixnode of the directory into id (drop cover ends there): 0 or -ENOENT. */
static int
random_exit(struct vh_mixnode *m, uint8_t *id)
{
	struct vh_mix_path_hop path[VH_SPHINX_MAX_HOPS];
	int hops = mix_dir_path(m, path, RTE_DIM(path));

	if (hops <= 0)
		return -ENOENT;
	/* the last hop is uniform over the exit layer: it delivers to itself */
	memcpy(id, path[hops - 1].node_id, MIX_ID_LEN);
	return 0;
}

static void
send_real(struct vh_mixnode *m)
{
	struct mix_out *o = m->sendq[m->sendq_head];

	m->sendq[m->sendq_head] = NULL;
	m->sendq_head = (m->sendq_head + 1) % MIX_SENDQ_MAX;
	m->sendq_n--;
	if (send_one(m, o->dst, o->data, o->len, o->surb, o->flags) == 0)
		m->cnt.sent_real++;
	sodium_memzero(o->data, o->len);
	free(o);
}

static void
send_cover(struct vh_mixnode *m, enum vh_mix_event ev)
{
	uint8_t exit_id[MIX_ID_LEN];
	const uint8_t *dst = m->id->nodeid;

	if (ev != VH_MIX_EV_LOOP) {
		if (random_exit(m, exit_id) != 0)
			return;
		dst = exit_id;
	}
	if (send_one(m, dst, NULL, 0, false, 0) != 0)
		return;
	if (ev == VH_MIX_EV_LOOP)
		m->cnt.sent_loop++;
	else if (ev == VH_MIX_EV_DROP)
		m->cnt.sent_drop++;
	else
		m->cnt.sent_p_cover++;
}

int
mix_client_queue(struct vh_mixnode *m, const uint8_t *dst, const uint8_t *msg, size_t len,
	bool surb, unsigned int flags)
{
	struct mix_out *o;

	if (len == 0 || len > vh_mix_msg_max(&m->geo))
		return -EMSGSIZE;
	if (m->cfg->mix.lambda_p_milli == 0)
		return send_one(m, dst, msg, len, surb, flags) == 0 ? (int)(m->cnt.sent_real++, 0)
								    : -ENOENT;
	if (m->sendq_n == MIX_SENDQ_MAX)
		return -ENOBUFS;
	o = malloc(sizeof(*o) + len);
	if (o == NULL)
		return -ENOMEM;
	memcpy(o->dst, dst, MIX_ID_LEN);
	o->surb = surb;
	o->flags = flags;
	o->len = len;
	memcpy(o->data, msg, len);
	m->sendq[(m->sendq_head + m->sendq_n) % MIX_SENDQ_MAX] = o;
	m->sendq_n++;
	return 0;
}

static int
sched_start(struct vh_mixnode *m, uint64_t now_ns)
{
	const struct vh_config *c = m->cfg;
	struct vh_mix_sched_conf sc = {
		.lambda_p = c->mix.lambda_p_milli / 1000.0,
		.lambda_l = c->mix.lambda_l_milli / 1000.0,
		.lambda_d = c->mix.lambda_d_milli / 1000.0,
	};

	/* a mixnode alone sends only loops (Loopix's lambda_M) */
	if (!m->client)
		sc.lambda_p = sc.lambda_d = 0;
	return vh_mix_sched_init(&m->sched, &sc, now_ns, mix_rng, NULL);
}

void
mix_client_tick(struct vh_mixnode *m, uint64_t now_ms)
{
	uint64_t now = vh_node_now_ns(), when;
	enum vh_mix_event ev;

	RTE_SET_USED(now_ms);
	if (!m->sched_on) {
		if (sched_start(m, now) != 0)
			return;
		m->sched_on = true;
	}
	/* a bounded catch-up: a late tick sends what it missed, in order */
	for (unsigned int i = 0; i < 64; i++) {
		if (vh_mix_sched_next(&m->sched, now, m->sendq_n > 0, &ev, &when) != 1)
			break;
		if (ev == VH_MIX_EV_REAL && m->sendq_n > 0)
			send_real(m);
		else
			send_cover(m, ev);
	}
}

static struct mix_msg *
recv_slot(struct vh_mixnode *m)
{
	struct mix_msg *x;

	if (m->recv_n == MIX_RECV_MAX) {
		m->cnt.recv_full++;
		return NULL;
	}
	x = &m->recv[(m->recv_head + m->recv_n) % MIX_RECV_MAX];
	/* a slot read by `mix recv` kept its SURB for `mix reply` until now */
	free(x->data);
	free(x->surb);
	memset(x, 0, sizeof(*x));
	x->id = ++m->next_msg_id;
	x->at_ms = vh_node_now_ms();
	return x;
}

void
mix_client_deliver(
	struct vh_mixnode *m, const uint8_t *msg, size_t len, const uint8_t *surb, size_t surb_len)
{
	struct mix_msg *x = recv_slot(m);

	if (x == NULL)
		return;
	x->data = malloc(len);
	x->surb = surb != NULL ? malloc(surb_len) : NULL;
	if (x->data == NULL || (surb != NULL && x->surb == NULL)) {
		free(x->data);
		free(x->surb);
		return;
	}
	memcpy(x->data, msg, len);
	x->len = len;
	if (surb != NULL) {
		memcpy(x->surb, surb, surb_len);
		x->surb_len = surb_len;
	}
	m->recv_n++;
	m->cnt.delivered++;
}

void
mix_client_reply_in(struct vh_mixnode *m, const uint8_t *surb_id, uint8_t *body, size_t len)
{
	const uint8_t *msg;
	size_t ml;

	for (unsigned int i = 0; i < MIX_SURBS_MAX; i++) {
		struct mix_surb *s = &m->surbs[i];
		struct mix_msg *x;

		if (!s->used || sodium_memcmp(s->s.id, surb_id, VH_SPHINX_SURB_ID_LEN) != 0)
			continue;
		s->used = false; /* single use, whatever happens next */
		if (vh_mix_client_open_reply(&m->geo, &s->s, body, len, &msg, &ml) != 0 ||
			(x = recv_slot(m)) == NULL || (x->data = malloc(ml + 1)) == NULL) {
			m->cnt.replies_unmatched++;
			return;
		}
		memcpy(x->data, msg, ml);
		x->len = ml;
		x->reply = true;
		m->recv_n++;
		m->cnt.replies++;
		return;
	}
	m->cnt.replies_unmatched++;
}

int
mix_client_answer(struct vh_mixnode *m, uint64_t msg_id, const uint8_t *msg, size_t len)
{
	uint8_t pkt[1500], first[MIX_ID_LEN];
	int rc;

	for (unsigned int i = 0; i < MIX_RECV_MAX; i++) {
		struct mix_msg *x = &m->recv[i];

		if (x->id != msg_id || x->surb == NULL)
			continue;
		if (m->geo.packet_len > sizeof(pkt))
			return -EMSGSIZE;
		rc = vh_mix_client_reply(
			&m->geo, x->surb, x->surb_len, msg, len, pkt, m->geo.packet_len, first);
		if (rc != 0)
			return rc;
		free(x->surb); /* single use */
		x->surb = NULL;
		sphinx_send(m, first, pkt, false);
		m->cnt.sent_replies++;
		return 0;
	}
	return -ENOENT;
}

void
mix_client_free(struct vh_mixnode *m)
{
	for (unsigned int i = 0; i < MIX_SENDQ_MAX; i++)
		free(m->sendq[i]);
	for (unsigned int i = 0; i < MIX_RECV_MAX; i++) {
		free(m->recv[i].data);
		free(m->recv[i].surb);
	}
}
