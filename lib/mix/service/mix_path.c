/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The mixnode on the control lcore: the same processing as vh_mix on the
 * workers (lib/dp/node_mix.c), for the MIX packets that reach the control
 * lcore because their link session is opened here. Unwrap with the key
 * set (replay filter per key), hold for the NodeDelay in a delay wheel
 * (ns clock, 1 ms ticks, emptied by a 1 ms timer), forward to the next hop
 * by NodeID; at the last hop deliver here or to the recipient.
 */
#include <stdlib.h>
#include <string.h>

#include "mix_priv.h"

/* Forward a held packet: held time is recorded for `vhctl mix delays`. */
static void
send_held(struct vh_mixnode *m, struct mix_held *h, uint64_t now_ns)
{
	uint64_t i = m->n_delays++ % MIX_DELAYS_MAX;

	m->delay_req[i] = (float)h->delay_ms;
	m->delay_held[i] = (float)(now_ns - h->in_ns) / 1e6f;
	if (vh_node_overlay_send(m->node, h->dst, VH_OVERLAY_T_MIX, h->buf, h->len) == 0)
		m->cnt.forwarded++;
	else
		m->cnt.send_failed++;
	free(h);
}

void
mix_path_expire(struct vh_mixnode *m)
{
	void *out[64];
	uint64_t now = vh_node_now_ns();
	unsigned int k;

	do {
		k = vh_mix_wheel_expire(m->wheel, now, out, RTE_DIM(out));
		for (unsigned int i = 0; i < k; i++)
			send_held(m, out[i], now);
	} while (k == RTE_DIM(out));
}

void
mix_path_free(struct vh_mixnode *m)
{
	void *out[64];
	unsigned int k;

	while (m->wheel != NULL && (k = vh_mix_wheel_drain(m->wheel, out, RTE_DIM(out))) > 0)
		for (unsigned int i = 0; i < k; i++)
			free(out[i]);
}

static void
hold(struct vh_mixnode *m, const uint8_t *pkt, const struct vh_mix_received *r)
{
	uint32_t d = RTE_MIN(r->delay_ms, m->cfg->mix.max_delay_ms);
	struct mix_held *h;
	uint64_t now = vh_node_now_ns();

	if (mix_is_self(m, r->next_hop)) {
		m->cnt.malformed++; /* a path through us twice: no honest client makes one */
		return;
	}
	h = malloc(sizeof(*h) + 1 + m->geo.packet_len);
	if (h == NULL) {
		m->cnt.wheel_full++;
		return;
	}
	memcpy(h->dst, r->next_hop, MIX_ID_LEN);
	h->in_ns = now;
	h->delay_ms = d;
	h->len = (uint32_t)(1 + m->geo.packet_len);
	h->buf[0] = VH_DP_MIX_SPHINX;
	memcpy(h->buf + 1, pkt, m->geo.packet_len);
	/* expire first: the wheel's span counts from its clock */
	mix_path_expire(m);
	if (vh_mix_wheel_insert(m->wheel, h, now + (uint64_t)d * 1000000) != 0) {
		m->cnt.wheel_full++;
		vh_dp_count_drop(m->dp, VH_DROP_MIX_WHEEL_FULL);
		free(h);
		return;
	}
	m->cnt.delayed++;
}

/* Send a DELIVER or REPLY message on to its recipient. */
static void
relay(struct vh_mixnode *m, const uint8_t *src, const uint8_t *p, size_t len)
{
	/* only what our own last hop produced: we are nobody's open relay */
	if (!mix_is_self(m, src)) {
		m->cnt.relay_refused++;
		return;
	}
	if (vh_node_overlay_send(m->node, p + 1, VH_OVERLAY_T_MIX, p, len) == 0)
		m->cnt.relayed++;
	else
		m->cnt.send_failed++;
}

/* [3][recipient][u16 surb_len][u16 msg_len][surb][msg] */
static void
deliver_in(struct vh_mixnode *m, const uint8_t *src, const uint8_t *p, size_t len)
{
	size_t sl, ml, hdr = 1 + MIX_ID_LEN + 4;

	if (len < hdr)
		goto bad;
	sl = vh_get_be16(p + 1 + MIX_ID_LEN);
	ml = vh_get_be16(p + 3 + MIX_ID_LEN);
	if (hdr + sl + ml > len || (sl != 0 && sl != m->geo.surb_len))
		goto bad;
	if (!mix_is_self(m, p + 1)) {
		relay(m, src, p, hdr + sl + ml);
		return;
	}
	if (ml == 0) {
		/* cover: drop cover ends at the last hop that made it (us); a
		 * loop comes back to its client from an exit */
		if (mix_is_self(m, src))
			m->cnt.drops_received++;
		else
			m->cnt.loops_received++;
		return;
	}
	mix_client_deliver(m, p + hdr + sl, ml, sl != 0 ? p + hdr : NULL, sl);
	return;
bad:
	m->cnt.malformed++;
}

/* [4][recipient][surb id 16][u16 body_len][body] */
static void
reply_in(struct vh_mixnode *m, const uint8_t *src, const uint8_t *p, size_t len)
{
	size_t hdr = 1 + MIX_ID_LEN + VH_SPHINX_SURB_ID_LEN + 2, bl;
	uint8_t *body;

	if (len < hdr)
		goto bad;
	bl = vh_get_be16(p + hdr - 2);
	if (hdr + bl > len)
		goto bad;
	if (!mix_is_self(m, p + 1)) {
		relay(m, src, p, hdr + bl);
		return;
	}
	body = malloc(bl);
	if (body == NULL)
		return;
	memcpy(body, p + hdr, bl);
	mix_client_reply_in(m, p + 1 + MIX_ID_LEN, body, bl);
	free(body);
	return;
bad:
	m->cnt.malformed++;
}

/* Our last hop's output, in the form the workers punt it. */
static void
last_hop(struct vh_mixnode *m, const struct vh_mix_received *r)
{
	uint8_t buf[1 + MIX_ID_LEN + 4 + 1500];
	const uint8_t *self = m->id->nodeid;
	size_t len;

	memcpy(buf + 1, r->recipient, MIX_ID_LEN);
	if (r->action == VH_MIX_DELIVER) {
		size_t sl = r->surb != NULL ? r->surb_len : 0;

		if (4 + sl + r->msg_len > sizeof(buf) - 1 - MIX_ID_LEN)
			return;
		buf[0] = VH_DP_MIX_DELIVER;
		vh_put_be16(buf + 1 + MIX_ID_LEN, (uint16_t)sl);
		vh_put_be16(buf + 3 + MIX_ID_LEN, (uint16_t)r->msg_len);
		/* No SURB: surb is NULL, and memcpy from NULL is UB even for 0 bytes. */
		if (sl > 0)
			memcpy(buf + 5 + MIX_ID_LEN, r->surb, sl);
		memcpy(buf + 5 + MIX_ID_LEN + sl, r->msg, r->msg_len);
		len = 5 + MIX_ID_LEN + sl + r->msg_len;
		deliver_in(m, self, buf, len);
		return;
	}
	if (1 + MIX_ID_LEN + VH_SPHINX_SURB_ID_LEN + 2 + r->body_len > sizeof(buf))
		return;
	buf[0] = VH_DP_MIX_REPLY;
	memcpy(buf + 1 + MIX_ID_LEN, r->surb_id, VH_SPHINX_SURB_ID_LEN);
	vh_put_be16(buf + 1 + MIX_ID_LEN + VH_SPHINX_SURB_ID_LEN, (uint16_t)r->body_len);
	memcpy(buf + 3 + MIX_ID_LEN + VH_SPHINX_SURB_ID_LEN, r->body, r->body_len);
	len = 3 + MIX_ID_LEN + VH_SPHINX_SURB_ID_LEN + r->body_len;
	reply_in(m, self, buf, len);
}

static void
sphinx_in(struct vh_mixnode *m, const uint8_t *p, size_t len)
{
	struct vh_sphinx_unwrap_result res;
	struct vh_mix_received r;
	uint8_t pkt[1500];
	int rc;

	if (!m->mixnode || len != 1 + m->geo.packet_len || m->geo.packet_len > sizeof(pkt)) {
		m->cnt.malformed++;
		vh_dp_count_drop(m->dp, VH_DROP_MIX_MALFORMED);
		return;
	}
	memcpy(pkt, p + 1, m->geo.packet_len);
	/*
	 * With the workers unwrapping too, their replay filters are the keys'
	 * only ones: a packet they unwrapped, replayed so that it reaches us
	 * (inside a datagram they punt), is refused here, and the other way.
	 */
	if (m->dp_on)
		rc = vh_dp_mix_unwrap(m->dp, pkt, m->geo.packet_len, &res);
	else
		rc = vh_mix_keys_unwrap(m->keys, &m->geo, pkt, m->geo.packet_len, &res, NULL);
	if (rc == 0 && vh_mix_classify(&m->geo, &res, &r) != 0)
		rc = -EINVAL;
	switch (rc) {
	case 0:
		break;
	case -EALREADY:
		m->cnt.replayed++;
		vh_dp_count_drop(m->dp, VH_DROP_MIX_REPLAY);
		return;
	case -EBADMSG:
		m->cnt.failed++;
		vh_dp_count_drop(m->dp, VH_DROP_MIX_UNWRAP);
		return;
	case -ENOKEY:
		m->cnt.no_key++;
		vh_dp_count_drop(m->dp, VH_DROP_MIX_NO_KEY);
		return;
	default:
		m->cnt.malformed++;
		vh_dp_count_drop(m->dp, VH_DROP_MIX_MALFORMED);
		return;
	}
	m->cnt.unwrapped++;
	if (r.action == VH_MIX_FORWARD)
		hold(m, pkt, &r);
	else
		last_hop(m, &r);
}

void
mix_path_input(struct vh_mixnode *m, const uint8_t *src, const uint8_t *p, size_t len)
{
	switch (p[0]) {
	case VH_DP_MIX_SPHINX:
		sphinx_in(m, p, len);
		break;
	case VH_DP_MIX_DELIVER:
		deliver_in(m, src, p, len);
		break;
	default:
		reply_in(m, src, p, len);
		break;
	}
}
