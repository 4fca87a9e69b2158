/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control commands of the mix (docs/vhctl.md, `vhctl mix ...`):
 * mix.status, mix.send, mix.resend, mix.recv, mix.reply, mix.nodes, mix.delays.
 * Message bodies travel as hex strings.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "mix_priv.h"

static const char *const key_states[] = {"empty", "next", "current", "previous"};

static bool
ready(void *arg, struct vh_ctl_req *req, struct vh_mixnode **m)
{
	*m = arg;
	if ((*m)->on)
		return true;
	vh_ctl_error(req, "mix", "disabled", false, "the mix is off (mix.enabled in the config)");
	return false;
}

static json_t *
hex_json(const uint8_t *b, size_t len)
{
	char *t = malloc(2 * len + 1);
	json_t *j;

	if (t == NULL)
		return json_null();
	sodium_bin2hex(t, 2 * len + 1, b, len);
	j = json_string(t);
	free(t);
	return j;
}

static json_t *
id_json(const uint8_t *id)
{
	char t[VH_IDENTITY_NODEID_TEXT_MAX + 1];

	if (vh_identity_nodeid_format(id, t, sizeof(t)) < 0)
		return json_string("?");
	return json_string(t);
}

/* Hex argument key of args into a fresh buffer (free it), or NULL. */
static uint8_t *
hex_arg(const json_t *args, const char *key, size_t *len)
{
	const char *t = json_string_value(json_object_get(args, key));
	size_t cap = t != NULL ? strlen(t) / 2 + 1 : 0;
	uint8_t *b = t != NULL ? malloc(cap) : NULL;

	if (b == NULL || sodium_hex2bin(b, cap, t, strlen(t), NULL, len, NULL) != 0) {
		free(b);
		return NULL;
	}
	return b;
}

static json_t *
keys_json(const struct vh_mixnode *m)
{
	struct vh_mix_key_info ki[VH_MIX_KEYS_SLOTS];
	unsigned int n = m->keys != NULL ? vh_mix_keys_info(m->keys, ki, RTE_DIM(ki)) : 0;
	json_t *a = json_array();

	for (unsigned int i = 0; i < n; i++)
		json_array_append_new(
			a, json_pack("{s:I,s:s,s:o,s:I,s:I,s:I}", "epoch", (json_int_t)ki[i].epoch,
				   "state", key_states[ki[i].state], "public_key",
				   hex_json(ki[i].public_key, sizeof(ki[i].public_key)),
				   "replay_tags", (json_int_t)ki[i].replay_count, "replay_bytes",
				   (json_int_t)ki[i].replay_bytes, "unwrapped",
				   (json_int_t)ki[i].unwrapped));
	return a;
}

static json_t *
dp_json(const struct vh_mixnode *m, struct vh_dp_mix_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (!m->dp_on)
		return json_null();
	vh_dp_mix_stats_get(m->dp, st);
	return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:i}", "unwrapped",
		(json_int_t)st->unwrapped, "forwarded", (json_int_t)st->forwarded, "delayed",
		(json_int_t)st->delayed, "delivered", (json_int_t)st->delivered, "replayed",
		(json_int_t)st->replayed, "failed", (json_int_t)st->failed, "malformed",
		(json_int_t)st->malformed, "no_key", (json_int_t)st->no_key, "wheel_full",
		(json_int_t)st->wheel_full, "wheel_held", (json_int_t)st->wheel_held,
		"wheel_capacity", (json_int_t)st->wheel_capacity, "keys", (int)st->keys);
}

static json_t *
dir_json(const struct vh_mixnode *m)
{
	json_t *a = json_array();

	for (unsigned int i = 0; i < MIX_DIR_MAX; i++) {
		const struct mix_dir *d = &m->dir[i];
		json_t *ep = json_array();
		int layer = -1;

		if (!d->used)
			continue;
		for (unsigned int s = 0; s < 2; s++)
			if (d->valid[s]) {
				json_array_append_new(ep, json_integer((json_int_t)d->d[s].epoch));
				layer = d->d[s].layer;
			}
		json_array_append_new(
			a, json_pack("{s:o,s:i,s:o,s:b}", "node_id", id_json(d->id), "layer", layer,
				   "epochs", ep, "discovered", d->discovered));
	}
	return a;
}

/* Totals over both paths (workers and control lcore), and drops by reason. */
static json_t *
totals_json(const struct vh_mixnode *m, const struct vh_dp_mix_stats *d)
{
	const struct mix_counters *c = &m->cnt;

	return json_pack("{s:I,s:I,s:I,s:I,s:{s:I,s:I,s:I,s:I,s:I}}", "unwrapped",
		(json_int_t)(c->unwrapped + d->unwrapped), "forwarded",
		(json_int_t)(c->forwarded + d->forwarded), "delayed",
		(json_int_t)(c->delayed + d->delayed), "replayed",
		(json_int_t)(c->replayed + d->replayed), "dropped", "mix-replay",
		(json_int_t)(c->replayed + d->replayed), "mix-unwrap-failed",
		(json_int_t)(c->failed + d->failed), "mix-malformed",
		(json_int_t)(c->malformed + d->malformed), "mix-no-key", (json_int_t)c->no_key,
		"mix-wheel-full", (json_int_t)(c->wheel_full + d->wheel_full));
}

static void
cmd_status(void *arg, const json_t *args, struct vh_ctl_req *req)
{
	static const char *const roles[] = {"mixnode", "client", "both"};
	struct vh_dp_mix_stats ds;
	struct vh_mixnode *m;
	json_t *cnt = json_object(), *dp;
	uint64_t e;

	RTE_SET_USED(arg);
	RTE_SET_USED(args);
	if (!ready(arg, req, &m))
		return;
	e = vh_mix_epoch_at(mix_unix_ms(), m->ec.epoch_ms);
#define X(c) json_object_set_new(cnt, #c, json_integer((json_int_t)m->cnt.c));
	MIX_COUNTERS(X)
#undef X
	dp = dp_json(m, &ds);
	vh_ctl_reply(
		req, json_pack("{s:s,s:i,s:i,s:I,s:I,s:I,s:i,s:o,s:o,s:o,s:o,s:{s:i,s:i},s:o,s:I}",
			     "role", roles[m->cfg->mix.role], "layer", (int)m->cfg->mix.layer,
			     "layers", (int)m->cfg->mix.layers, "epoch", (json_int_t)e, "epoch_ms",
			     (json_int_t)m->ec.epoch_ms, "packet_len",
			     (json_int_t)m->geo.packet_len, "hops", (int)m->geo.nr_hops, "keys",
			     keys_json(m), "totals", totals_json(m, &ds), "control", cnt, "workers",
			     dp, "wheel", "held", (int)vh_mix_wheel_count(m->wheel), "capacity",
			     (int)m->cfg->mix.wheel_entries, "directory", dir_json(m), "queued",
			     (json_int_t)m->sendq_n));
}

static void
cmd_send(void *arg, const json_t *args, struct vh_ctl_req *req)
{
	const char *t = json_string_value(json_object_get(args, "node_id"));
	uint8_t id[MIX_ID_LEN], *msg;
	struct vh_mixnode *m;
	unsigned int flags;
	size_t len;
	int rc;

	RTE_SET_USED(arg);
	if (!ready(arg, req, &m))
		return;
	if (!m->client) {
		vh_ctl_error(req, "mix", "not-client", false, "mix.role is mixnode");
		return;
	}
	if (t == NULL || vh_identity_nodeid_parse(t, id) != 0) {
		vh_ctl_error(req, "identity", "bad-node-id", false, "not a NodeID");
		return;
	}
	msg = hex_arg(args, "data", &len);
	if (msg == NULL) {
		vh_ctl_error(req, "ctl", "bad-request", false, "data: hex bytes expected");
		return;
	}
	flags = (json_is_true(json_object_get(args, "twice")) ? MIX_SEND_TWICE : 0) |
		(json_is_true(json_object_get(args, "keep")) ? MIX_SEND_KEEP : 0);
	if (flags & MIX_SEND_KEEP)
		m->kept.have = false;
	rc = mix_client_queue(m, id, msg, len, json_is_true(json_object_get(args, "surb")), flags);
	free(msg);
	if (rc == -EMSGSIZE)
		vh_ctl_error(
			req, "mix", "too-long", false, "1..%zu bytes", vh_mix_msg_max(&m->geo));
	else if (rc == -ENOENT)
		vh_ctl_error(req, "mix", "no-path", true,
			"no mixnode in some layer for this epoch yet (mix status: directory)");
	else if (rc != 0)
		vh_ctl_error(req, "mix", "busy", true, "%s", strerror(-rc));
	else
		vh_ctl_reply(
			req, json_pack("{s:b,s:I,s:o}", "sent", m->cfg->mix.lambda_p_milli == 0,
				     "queued", (json_int_t)m->sendq_n, "kept_entry",
				     m->kept.have ? id_json(m->kept.entry) : json_null()));
}

/* The packet kept by `mix send --keep`, sent again to its entry (replay tests). */
static void
cmd_resend(void *arg, const json_t *args, struct vh_ctl_req *req)
{
	struct vh_mixnode *m;
	int rc;

	RTE_SET_USED(args);
	if (!ready(arg, req, &m))
		return;
	rc = mix_client_resend(m);
	if (rc == -ENOENT)
		vh_ctl_error(req, "mix", "nothing-kept", false, "no packet sent with --keep");
	else if (rc != 0)
		vh_ctl_error(req, "mix", "failed", true, "%s", strerror(-rc));
	else
		vh_ctl_reply(
			req, json_pack("{s:b,s:o}", "sent", 1, "entry", id_json(m->kept.entry)));
}

static void
cmd_recv(void *arg, const json_t *args, struct vh_ctl_req *req)
{
	uint64_t now = vh_node_now_ms();
	json_t *a = json_array();
	struct vh_mixnode *m;

	RTE_SET_USED(arg);
	RTE_SET_USED(args);
	if (!ready(arg, req, &m)) {
		json_decref(a);
		return;
	}
	for (; m->recv_n > 0; m->recv_n--, m->recv_head = (m->recv_head + 1) % MIX_RECV_MAX) {
		const struct mix_msg *x = &m->recv[m->recv_head];

		json_array_append_new(a,
			json_pack("{s:I,s:s,s:o,s:b,s:I}", "id", (json_int_t)x->id, "kind",
				x->reply ? "reply" : "message", "data", hex_json(x->data, x->len),
				"surb", x->surb != NULL, "age_ms", (json_int_t)(now - x->at_ms)));
	}
	vh_ctl_reply(req, json_pack("{s:o}", "messages", a));
}

static void
cmd_reply(void *arg, const json_t *args, struct vh_ctl_req *req)
{
	json_int_t id = json_integer_value(json_object_get(args, "id"));
	struct vh_mixnode *m;
	uint8_t *msg;
	size_t len;
	int rc;

	RTE_SET_USED(arg);
	if (!ready(arg, req, &m))
		return;
	msg = hex_arg(args, "data", &len);
	if (msg == NULL) {
		vh_ctl_error(req, "ctl", "bad-request", false, "data: hex bytes expected");
		return;
	}
	rc = mix_client_answer(m, (uint64_t)id, msg, len);
	free(msg);
	if (rc == -ENOENT)
		vh_ctl_error(
			req, "mix", "no-surb", false, "no message %lld with a SURB", (long long)id);
	else if (rc != 0)
		vh_ctl_error(req, "mix", "failed", false, "%s", strerror(-rc));
	else
		vh_ctl_reply(req, json_pack("{s:b}", "sent", 1));
}

static void
cmd_nodes(void *arg, const json_t *args, struct vh_ctl_req *req)
{
	const json_t *add = json_object_get(args, "add");
	uint8_t id[MIX_ID_LEN];
	struct vh_mixnode *m;
	size_t i;
	json_t *v;

	RTE_SET_USED(arg);
	if (!ready(arg, req, &m))
		return;
	json_array_foreach(add, i, v)
	{
		const char *t = json_string_value(v);

		if (t == NULL || vh_identity_nodeid_parse(t, id) != 0) {
			vh_ctl_error(req, "identity", "bad-node-id", false, "%s: not a NodeID",
				t != NULL ? t : "(none)");
			return;
		}
		if (mix_dir_add(m, id) != 0) {
			vh_ctl_error(req, "mix", "full", false, "directory full");
			return;
		}
	}
	vh_ctl_reply(req, json_pack("{s:o}", "directory", dir_json(m)));
}

static void
cmd_delays(void *arg, const json_t *args, struct vh_ctl_req *req)
{
	json_t *r = json_array(), *h = json_array();
	struct vh_mixnode *m;
	uint64_t n;

	RTE_SET_USED(arg);
	RTE_SET_USED(args);
	if (!ready(arg, req, &m)) {
		json_decref(r);
		json_decref(h);
		return;
	}
	n = RTE_MIN(m->n_delays, (uint64_t)MIX_DELAYS_MAX);
	for (uint64_t i = 0; i < n; i++) {
		json_array_append_new(r, json_real(m->delay_req[i]));
		json_array_append_new(h, json_real(m->delay_held[i]));
	}
	if (m->dp_on) {
		float *a = calloc(MIX_DELAYS_MAX, sizeof(float)),
		      *b = calloc(MIX_DELAYS_MAX, sizeof(float));
		unsigned int k =
			a != NULL && b != NULL ? vh_dp_mix_delays(m->dp, a, b, MIX_DELAYS_MAX) : 0;

		for (unsigned int i = 0; i < k; i++) {
			json_array_append_new(r, json_real(a[i]));
			json_array_append_new(h, json_real(b[i]));
		}
		free(a);
		free(b);
	}
	vh_ctl_reply(req, json_pack("{s:o,s:o,s:I}", "requested_ms", r, "held_ms", h,
				  "control_total", (json_int_t)m->n_delays));
}

static const struct {
	const char *sub;
	vh_ctl_handler_t fn;
} subs[] = {
	{"status", cmd_status},
	{"send", cmd_send},
	{"resend", cmd_resend},
	{"recv", cmd_recv},
	{"reply", cmd_reply},
	{"nodes", cmd_nodes},
	{"delays", cmd_delays},
};

/* One "mix" command, the subcommand in args.sub (vhctl mix <sub>). */
static void
cmd_mix(void *arg, const json_t *args, struct vh_ctl_req *req)
{
	const char *sub = json_string_value(json_object_get(args, "sub"));

	for (unsigned int i = 0; sub != NULL && i < RTE_DIM(subs); i++)
		if (strcmp(sub, subs[i].sub) == 0) {
			subs[i].fn(arg, args, req);
			return;
		}
	vh_ctl_error(req, "ctl", "bad-request", false,
		"mix: sub is one of status, send, resend, recv, reply, nodes, delays");
}

int
mix_cmds_register(struct vh_mixnode *m)
{
	return vh_node_command_add(m->node, "mix",
		"mix: status, send, resend, recv, reply, nodes, delays (args.sub)", cmd_mix, m);
}
