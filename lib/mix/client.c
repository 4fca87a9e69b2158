/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The client side of the mixnet: forward packets with exponential per-hop
 * delays and an optional SURB, reading what an unwrap produced at the last
 * hop, answering a SURB, and reading the reply (docs/mix-client.md).
 *
 * Forward payload (geo->forward_payload_len bytes, Katzenpost's
 * BlockSphinxPlaintext framing, then our message framing):
 *   flags (1) | reserved 0 (1) | SURB (surb_len, zeros without one) |
 *   message length u32 BE (4) | message | zero padding
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "vh_mix.h"

#define PT_HDR 2 /* flags + reserved */

/* Offset of the message length field, or 0 if geo has no SURB room. */
static size_t
msg_off(const struct vh_sphinx_geometry *geo)
{
	if (geo == NULL || geo->user_forward_payload_len < VH_MIX_MSG_LEN_LEN ||
		geo->forward_payload_len != PT_HDR + geo->surb_len + geo->user_forward_payload_len)
		return 0;
	return PT_HDR + geo->surb_len;
}

size_t
vh_mix_msg_max(const struct vh_sphinx_geometry *geo)
{
	if (msg_off(geo) == 0)
		return 0;
	return geo->user_forward_payload_len - VH_MIX_MSG_LEN_LEN;
}

/* Fill the message part of a payload (flags and SURB are the caller's). */
static void
put_msg(const struct vh_sphinx_geometry *geo, uint8_t *p, const uint8_t *msg, size_t len)
{
	uint8_t *m = p + msg_off(geo);

	m[0] = (uint8_t)(len >> 24);
	m[1] = (uint8_t)(len >> 16);
	m[2] = (uint8_t)(len >> 8);
	m[3] = (uint8_t)len;
	if (len > 0)
		memcpy(m + VH_MIX_MSG_LEN_LEN, msg, len);
}

static int
parse_payload(const struct vh_sphinx_geometry *geo, const uint8_t *p, size_t len,
	struct vh_mix_received *out)
{
	size_t off = msg_off(geo), n;
	const uint8_t *m;

	if (off == 0 || len != geo->forward_payload_len)
		return -EBADMSG;
	if ((p[0] & ~VH_MIX_PAYLOAD_HAS_SURB) != 0 || p[1] != 0)
		return -EBADMSG;
	m = p + off;
	n = (size_t)m[0] << 24 | (size_t)m[1] << 16 | (size_t)m[2] << 8 | m[3];
	if (n > vh_mix_msg_max(geo))
		return -EBADMSG;
	out->surb = (p[0] & VH_MIX_PAYLOAD_HAS_SURB) ? p + PT_HDR : NULL;
	out->surb_len = out->surb != NULL ? geo->surb_len : 0;
	out->msg = m + VH_MIX_MSG_LEN_LEN;
	out->msg_len = n;
	return 0;
}

/* A NodeDelay drawn from Exp(mean), rounded to ms and clamped. */
static int
draw_delay(const struct vh_mix_send *s, vh_sphinx_rng_fn rng, void *ctx, uint32_t *ms)
{
	uint32_t max = s->max_delay_ms ? s->max_delay_ms : UINT32_MAX;
	double d;
	int rc = vh_mix_rand_exp(rng, ctx, s->mean_delay_ms, &d);

	if (rc < 0)
		return rc;
	d = floor(d + 0.5);
	*ms = d >= (double)max ? max : (uint32_t)d;
	return 0;
}

/*
 * Sphinx hops for path: NodeDelay on all but the last hop (when the mean is
 * not 0), Recipient (and a SURBReply when surb_id is set) on the last.
 */
static int
make_hops(const struct vh_mix_send *s, const struct vh_mix_path_hop *path, size_t n,
	const uint8_t *recipient, const uint8_t *surb_id, vh_sphinx_rng_fn rng, void *ctx,
	struct vh_sphinx_hop *hops, struct vh_sphinx_cmd (*cmds)[2], uint32_t *delays)
{
	int rc;

	memset(cmds, 0, n * sizeof(cmds[0]));
	for (size_t i = 0; i < n; i++) {
		memcpy(hops[i].id, path[i].node_id, VH_SPHINX_NODE_ID_LEN);
		memcpy(hops[i].public_key, path[i].mix_key, VH_SPHINX_KEY_LEN);
		hops[i].cmds = cmds[i];
		hops[i].nr_cmds = 0;
		if (i + 1 < n && s->mean_delay_ms > 0) {
			cmds[i][0].type = VH_SPHINX_CMD_NODE_DELAY;
			rc = draw_delay(s, rng, ctx, &cmds[i][0].u.delay);
			if (rc < 0)
				return rc;
			hops[i].nr_cmds = 1;
		}
		if (delays != NULL && i + 1 < n)
			delays[i] = hops[i].nr_cmds ? cmds[i][0].u.delay : 0;
		if (i + 1 < n)
			continue;
		cmds[i][0].type = VH_SPHINX_CMD_RECIPIENT;
		memcpy(cmds[i][0].u.recipient, recipient, VH_SPHINX_RECIPIENT_ID_LEN);
		hops[i].nr_cmds = 1;
		if (surb_id != NULL) {
			cmds[i][1].type = VH_SPHINX_CMD_SURB_REPLY;
			memcpy(cmds[i][1].u.surb_id, surb_id, VH_SPHINX_SURB_ID_LEN);
			hops[i].nr_cmds = 2;
		}
	}
	return 0;
}

static int
check_send(const struct vh_sphinx_geometry *geo, const struct vh_mix_send *s,
	const struct vh_mix_surb_secret *secret)
{
	if (s == NULL || s->path == NULL || s->recipient == NULL || s->nr_hops == 0 ||
		s->nr_hops > geo->nr_hops || (s->msg == NULL && s->msg_len > 0) ||
		!(s->mean_delay_ms >= 0) || !isfinite(s->mean_delay_ms) || msg_off(geo) == 0)
		return -EINVAL;
	if (s->reply_path != NULL && (s->nr_reply_hops == 0 || s->nr_reply_hops > geo->nr_hops ||
					     s->reply_to == NULL || secret == NULL))
		return -EINVAL;
	if (s->msg_len > vh_mix_msg_max(geo))
		return -EMSGSIZE;
	return 0;
}

/* The SURB for s's reply path, written into the payload's SURB field. */
static int
add_surb(const struct vh_sphinx_geometry *geo, const struct vh_mix_send *s, vh_sphinx_rng_fn rng,
	void *ctx, uint8_t *payload, struct vh_mix_surb_secret *secret)
{
	struct vh_sphinx_hop hops[VH_SPHINX_MAX_HOPS];
	struct vh_sphinx_cmd cmds[VH_SPHINX_MAX_HOPS][2];
	int rc;

	memset(secret, 0, sizeof(*secret));
	rc = rng(ctx, secret->id, sizeof(secret->id));
	if (rc != 0)
		return rc < 0 ? rc : -EIO;
	rc = make_hops(s, s->reply_path, s->nr_reply_hops, s->reply_to, secret->id, rng, ctx, hops,
		cmds, NULL);
	if (rc < 0)
		return rc;
	secret->keys_len = (s->nr_reply_hops + 1) * VH_SPHINX_SURB_KEY_LEN;
	rc = vh_sphinx_new_surb(geo, hops, s->nr_reply_hops, rng, ctx, payload + PT_HDR,
		geo->surb_len, secret->keys, secret->keys_len);
	payload[0] |= VH_MIX_PAYLOAD_HAS_SURB;
	return rc;
}

int
vh_mix_client_send(const struct vh_sphinx_geometry *geo, const struct vh_mix_send *s,
	vh_sphinx_rng_fn rng, void *rng_ctx, uint8_t *out, size_t out_len,
	uint8_t first_hop[VH_SPHINX_NODE_ID_LEN], uint32_t *delays,
	struct vh_mix_surb_secret *secret)
{
	struct vh_sphinx_hop hops[VH_SPHINX_MAX_HOPS];
	struct vh_sphinx_cmd cmds[VH_SPHINX_MAX_HOPS][2];
	uint8_t *payload;
	int rc;

	if (geo == NULL || rng == NULL || out == NULL || first_hop == NULL)
		return -EINVAL;
	rc = check_send(geo, s, secret);
	if (rc < 0)
		return rc;
	payload = calloc(1, geo->forward_payload_len);
	if (payload == NULL)
		return -ENOMEM;
	put_msg(geo, payload, s->msg, s->msg_len);
	if (s->reply_path != NULL)
		rc = add_surb(geo, s, rng, rng_ctx, payload, secret);
	if (rc == 0)
		rc = make_hops(s, s->path, s->nr_hops, s->recipient, NULL, rng, rng_ctx, hops, cmds,
			delays);
	if (rc == 0)
		rc = vh_sphinx_new_packet(geo, hops, s->nr_hops, payload, geo->forward_payload_len,
			rng, rng_ctx, out, out_len);
	if (rc == 0)
		memcpy(first_hop, s->path[0].node_id, VH_SPHINX_NODE_ID_LEN);
	else if (secret != NULL && s->reply_path != NULL)
		sodium_memzero(secret, sizeof(*secret));
	sodium_memzero(payload, geo->forward_payload_len);
	free(payload);
	return rc;
}

static const struct vh_sphinx_cmd *
find_cmd(const struct vh_sphinx_unwrap_result *res, enum vh_sphinx_cmd_type type)
{
	for (size_t i = 0; i < res->nr_cmds && i < VH_SPHINX_MAX_CMDS; i++)
		if (res->cmds[i].type == type)
			return &res->cmds[i];
	return NULL;
}

int
vh_mix_classify(const struct vh_sphinx_geometry *geo, const struct vh_sphinx_unwrap_result *res,
	struct vh_mix_received *out)
{
	const struct vh_sphinx_cmd *c;

	if (geo == NULL || res == NULL || out == NULL)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (res->next_hop >= 0 && (size_t)res->next_hop < res->nr_cmds) {
		out->action = VH_MIX_FORWARD;
		memcpy(out->next_hop, res->cmds[res->next_hop].u.next_hop.id,
			VH_SPHINX_NODE_ID_LEN);
		c = find_cmd(res, VH_SPHINX_CMD_NODE_DELAY);
		out->delay_ms = c != NULL ? c->u.delay : 0;
		return 0;
	}
	c = find_cmd(res, VH_SPHINX_CMD_RECIPIENT);
	if (c == NULL || res->payload == NULL)
		return -EBADMSG;
	memcpy(out->recipient, c->u.recipient, VH_SPHINX_NODE_ID_LEN);
	if (res->surb_reply >= 0 && (size_t)res->surb_reply < res->nr_cmds) {
		out->action = VH_MIX_SURB_REPLY;
		memcpy(out->surb_id, res->cmds[res->surb_reply].u.surb_id, VH_SPHINX_SURB_ID_LEN);
		out->body = res->payload;
		out->body_len = res->payload_len;
		return 0;
	}
	out->action = VH_MIX_DELIVER;
	return parse_payload(geo, res->payload, res->payload_len, out);
}

int
vh_mix_client_reply(const struct vh_sphinx_geometry *geo, const uint8_t *surb, size_t surb_len,
	const uint8_t *msg, size_t msg_len, uint8_t *out, size_t out_len,
	uint8_t first_hop[VH_SPHINX_NODE_ID_LEN])
{
	uint8_t *payload;
	int rc;

	if (geo == NULL || surb == NULL || surb_len != geo->surb_len || out == NULL ||
		first_hop == NULL || (msg == NULL && msg_len > 0) || msg_off(geo) == 0)
		return -EINVAL;
	if (msg_len > vh_mix_msg_max(geo))
		return -EMSGSIZE;
	payload = calloc(1, geo->forward_payload_len);
	if (payload == NULL)
		return -ENOMEM;
	put_msg(geo, payload, msg, msg_len);
	rc = vh_sphinx_new_packet_from_surb(
		geo, surb, surb_len, payload, geo->forward_payload_len, out, out_len, first_hop);
	sodium_memzero(payload, geo->forward_payload_len);
	free(payload);
	return rc;
}

int
vh_mix_client_open_reply(const struct vh_sphinx_geometry *geo, struct vh_mix_surb_secret *secret,
	uint8_t *body, size_t body_len, const uint8_t **msg, size_t *msg_len)
{
	struct vh_mix_received r;
	uint8_t *pt;
	size_t pt_len;
	int rc;

	if (geo == NULL || secret == NULL || body == NULL || msg == NULL || msg_len == NULL ||
		secret->keys_len > sizeof(secret->keys))
		return -EINVAL;
	rc = vh_sphinx_decrypt_surb_payload(
		body, body_len, secret->keys, secret->keys_len, &pt, &pt_len);
	sodium_memzero(secret, sizeof(*secret)); /* single use, whatever happened */
	if (rc < 0)
		return rc;
	memset(&r, 0, sizeof(r));
	rc = parse_payload(geo, pt, pt_len, &r);
	if (rc < 0)
		return rc;
	*msg = r.msg;
	*msg_len = r.msg_len;
	return 0;
}
