/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control commands of the mesh: lookup <NodeID> (an iterative DHT lookup),
 * routes, traceroute <NodeID> (echo probes with growing hop limits, each
 * relay answering "hop limit exceeded") and dht (counters).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vh_bifrost.h"

#include "mesh_priv.h"

#define TRACE_PROBE_SIZE 16

void
mesh_id_text(const uint8_t *id, char *out, size_t cap)
{
	if (vh_identity_nodeid_format(id, out, cap) < 0)
		snprintf(out, cap, "?");
}

static json_t *
id_json(const uint8_t *id)
{
	char t[VH_IDENTITY_NODEID_TEXT_MAX + 1];

	mesh_id_text(id, t, sizeof(t));
	return json_string(t);
}

static bool
ready(struct vh_mesh *m, struct vh_ctl_req *req)
{
	if (m->on)
		return true;
	vh_ctl_error(req, "ygg", "disabled", false, "the DHT is off (dht.enabled in the config)");
	return false;
}

static bool
target_arg(struct vh_mesh *m, const json_t *args, struct vh_ctl_req *req, uint8_t *id)
{
	const char *t = args != NULL ? json_string_value(json_object_get(args, "node_id")) : NULL;

	if (t == NULL || vh_identity_nodeid_parse(t, id) != 0) {
		vh_ctl_error(req, "identity", "bad-node-id", false, "%s: not a NodeID",
			t != NULL ? t : "(none)");
		return false;
	}
	if (mesh_is_self(m, id)) {
		vh_ctl_error(req, "ygg", "self", false, "that is this node's own NodeID");
		return false;
	}
	return true;
}

/* next_hops and metric of the way to id as the mesh knows it now. */
static void
route_json(struct vh_mesh *m, const uint8_t *id, json_t *o)
{
	const struct mesh_route *r = mesh_route_find(m, id);
	uint8_t nh[MESH_MAX_NH][32];
	json_t *a = json_array();
	unsigned int metric = 0, k = 0;

	if (mesh_neigh_alive(m, id)) {
		metric = 1;
		json_array_append_new(a, id_json(id));
	} else if (r != NULL && (metric = mesh_route_metric(m, r, nh, &k)) != 0) {
		for (unsigned int i = 0; i < k; i++)
			json_array_append_new(a, id_json(nh[i]));
	}
	json_object_set_new(o, "next_hops", a);
	json_object_set_new(o, "metric", json_integer(metric));
}

static void
lookup_reply(struct mesh_lookup *l, const struct vh_dht_record *rec)
{
	struct vh_mesh *m = l->m;
	char addrs[VH_DHT_REC_ADDRS][VH_DHT_ADDR_MAX + 1];
	const char *ptr[VH_DHT_REC_ADDRS];
	json_t *o, *a = json_array();
	size_t k = 0;

	if (rec != NULL)
		for (; k < rec->naddrs && k < VH_DHT_REC_ADDRS; k++) {
			memcpy(addrs[k], rec->addrs[k], rec->addr_len[k]);
			addrs[k][rec->addr_len[k]] = '\0';
		}
	else if (l->found)
		k = mesh_addresses(m, &l->contact, addrs, VH_DHT_REC_ADDRS);
	for (size_t i = 0; i < k; i++) {
		ptr[i] = addrs[i];
		json_array_append_new(a, json_string(addrs[i]));
	}
	o = json_pack("{s:o,s:b,s:i,s:i,s:i,s:i,s:I,s:o,s:b}", "node_id", id_json(l->target),
		"found", l->found, "hops", (int)l->hops, "requests", (int)l->requests, "timeouts",
		(int)l->timeouts, "retries", (int)l->retries, "elapsed_ms",
		(json_int_t)(vh_node_now_ms() - l->started_ms), "addresses", a, "record",
		rec != NULL);
	/* "connect directly when it can": a session if it is on one of our links */
	json_object_set_new(o, "direct",
		json_boolean(l->found && mesh_connect_direct(m, l->target, ptr, k) == 0));
	route_json(m, l->target, o);
	vh_ctl_reply(l->req, o);
	l->used = false;
}

static void
value_done(void *arg, const struct vh_dht_lookup_result *res)
{
	struct mesh_lookup *l = arg;

	l->requests += res->requests;
	l->timeouts += res->timeouts;
	l->retries += res->retries;
	lookup_reply(l, res->record);
}

static void
lookup_done(void *arg, const struct vh_dht_lookup_result *res)
{
	struct mesh_lookup *l = arg;
	struct vh_mesh *m = l->m;

	l->found = res->found;
	l->hops = res->hops;
	l->requests = res->requests;
	l->timeouts = res->timeouts;
	l->retries = res->retries;
	for (size_t i = 0; i < res->nclosest; i++)
		if (memcmp(res->closest[i].id, l->target, MESH_ID_LEN) == 0)
			l->contact = res->closest[i];
	/* then its signed record, for the addresses it publishes */
	if (!res->found || vh_dht_find_value(m->dht, l->target, value_done, l, mesh_unix_ms()) < 0)
		lookup_reply(l, NULL);
}

static void
cmd_lookup(void *arg, const json_t *args, struct vh_ctl_req *req)
{
	struct vh_mesh *m = arg;
	struct mesh_lookup *l = NULL;
	uint8_t id[MESH_ID_LEN];
	int rc;

	if (!ready(m, req) || !target_arg(m, args, req, id))
		return;
	for (unsigned int i = 0; l == NULL && i < MESH_MAX_LOOKUPS; i++)
		if (!m->lookups[i].used)
			l = &m->lookups[i];
	if (l == NULL) {
		vh_ctl_error(
			req, "ctl", "busy", true, "%u lookups already running", MESH_MAX_LOOKUPS);
		return;
	}
	memset(l, 0, sizeof(*l));
	l->m = m;
	l->req = req;
	l->started_ms = vh_node_now_ms();
	memcpy(l->target, id, MESH_ID_LEN);
	l->used = true;
	rc = vh_dht_find_node(
		m->dht, id, VH_DHT_LOOKUP_STOP_AT_TARGET, lookup_done, l, mesh_unix_ms());
	if (rc < 0) {
		l->used = false;
		vh_ctl_error(req, "ygg", rc == -ENETUNREACH ? "no-contacts" : "busy", true,
			rc == -ENETUNREACH ? "no DHT contacts yet (is a bootstrap node up?)"
					   : "too many lookups running");
	}
}

static void
cmd_routes(void *arg, const json_t *args, struct vh_ctl_req *req)
{
	struct vh_mesh *m = arg;
	uint64_t now = vh_node_now_ms();
	json_t *a;
	unsigned int nn = 0;

	RTE_SET_USED(args);
	if (!ready(m, req))
		return;
	a = json_array();
	for (unsigned int i = 0; i < MESH_MAX_NEIGH; i++) {
		const struct mesh_neigh *nb = &m->neigh[i];
		json_t *o;

		if (!nb->used || !nb->alive)
			continue;
		nn++;
		o = json_pack("{s:o,s:s,s:I}", "node_id", id_json(nb->id), "source", "neighbour",
			"age_ms", (json_int_t)(now - nb->up_ms));
		route_json(m, nb->id, o);
		json_array_append_new(a, o);
	}
	for (unsigned int i = 0; i < MESH_MAX_ROUTES; i++) {
		const struct mesh_route *r = &m->routes[i];
		uint64_t seen = 0;
		json_t *o;

		if (!r->used || mesh_neigh_alive(m, r->id))
			continue;
		for (unsigned int j = 0; j < r->n_nh; j++)
			seen = RTE_MAX(seen, r->nh[j].seen_ms);
		o = json_pack("{s:o,s:s,s:I,s:b}", "node_id", id_json(r->id), "source", "dht",
			"age_ms", (json_int_t)(now - seen), "in_dataplane", r->in_dp);
		route_json(m, r->id, o);
		json_array_append_new(a, o);
	}
	vh_ctl_reply(req, json_pack("{s:o,s:i}", "routes", a, "neighbours", (int)nn));
}

static void
cmd_dht(void *arg, const json_t *args, struct vh_ctl_req *req)
{
	struct vh_mesh *m = arg;
	struct vh_dht_stats st;
	json_t *o, *c;

	RTE_SET_USED(args);
	if (!ready(m, req))
		return;
	vh_dht_get_stats(m->dht, &st);
	o = json_pack("{s:o,s:s,s:i,s:i,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "node_id",
		id_json(m->id->nodeid), "address", m->self_addr, "table_size", (int)st.table_size,
		"records", (int)st.records, "lookups_started", (json_int_t)st.lookups_started,
		"lookups_found", (json_int_t)st.lookups_found, "lookups_not_found",
		(json_int_t)st.lookups_not_found, "lookups_deadline",
		(json_int_t)st.lookups_deadline, "rpc_timeouts", (json_int_t)st.rpc_timeouts,
		"rpc_retries", (json_int_t)st.rpc_retries, "rx_malformed",
		(json_int_t)st.rx_malformed, "published", (json_int_t)st.published, "rec_stored",
		(json_int_t)st.rec_stored);
	c = json_object();
#define X(f) json_object_set_new(c, #f, json_integer((json_int_t)m->cnt.f));
	MESH_COUNTERS(X)
#undef X
	json_object_set_new(o, "mesh", c);
	vh_ctl_reply(req, o);
}

/* ---- traceroute ---- */

static void
trace_finish(struct vh_mesh *m, unsigned int slot)
{
	struct mesh_trace *t = m->traces[slot];
	json_t *hops = json_array();

	for (unsigned int h = 1; h <= t->hop && h <= t->max_hops; h++) {
		json_t *o = json_pack("{s:i}", "hop", (int)h);

		json_object_set_new(o, "node_id", t->got[h] ? id_json(t->who[h]) : json_null());
		json_object_set_new(o, "rtt_ms", t->got[h] ? json_real(t->rtt_ms[h]) : json_null());
		json_array_append_new(hops, o);
	}
	vh_ctl_reply(t->req, json_pack("{s:o,s:b,s:o}", "target", id_json(t->target), "reached",
				     t->reached, "hops", hops));
	free(t);
	m->traces[slot] = NULL;
}

/* Probe hop t->hop: an echo whose hop limit runs out exactly there. */
static int
trace_probe(struct vh_mesh *m, struct mesh_trace *t, uint64_t now)
{
	uint8_t buf[VH_BIFROST_HDR_LEN + VH_BIFROST_ECHO_MIN + TRACE_PROBE_SIZE];
	int len;

	t->sent_ns = vh_node_now_ns();
	t->deadline_ms = now + t->wait_ms;
	len = vh_bifrost_echo_build(
		buf, sizeof(buf), t->ident, t->hop, t->sent_ns, TRACE_PROBE_SIZE);
	if (len < 0)
		return len;
	return mesh_send(m, t->target, VH_OVERLAY_T_ECHO, 0, (uint8_t)t->hop, buf, (size_t)len);
}

static void
trace_next(struct vh_mesh *m, unsigned int slot, uint64_t now)
{
	struct mesh_trace *t = m->traces[slot];

	while (!t->reached && t->hop < t->max_hops) {
		t->hop++;
		if (trace_probe(m, t, now) == 0)
			return;
	}
	trace_finish(m, slot);
}

bool
mesh_trace_echo(
	struct vh_mesh *m, const uint8_t *from, const uint8_t *echo_pl, uint32_t len, bool exceeded)
{
	uint32_t ident, seq;
	uint64_t ts;

	if (!m->on || vh_bifrost_echo_parse(echo_pl, len, &ident, &seq, &ts) != 0)
		return false;
	for (unsigned int i = 0; i < MESH_MAX_TRACES; i++) {
		struct mesh_trace *t = m->traces[i];

		if (t == NULL || t->ident != ident)
			continue;
		if (seq != t->hop || ts != t->sent_ns || t->got[seq])
			return true; /* late or duplicate answer */
		t->got[seq] = true;
		memcpy(t->who[seq], from, MESH_ID_LEN);
		t->rtt_ms[seq] = (double)(vh_node_now_ns() - t->sent_ns) / 1e6;
		t->reached = !exceeded && memcmp(from, t->target, MESH_ID_LEN) == 0;
		trace_next(m, i, vh_node_now_ms());
		return true;
	}
	return false;
}

static void
cmd_traceroute(void *arg, const json_t *args, struct vh_ctl_req *req)
{
	struct vh_mesh *m = arg;
	struct mesh_trace *t;
	unsigned int slot;
	int max, wait;

	if (!ready(m, req))
		return;
	if (vh_node_int_arg(args, "max_hops", 16, 1, MESH_TRACE_MAX_HOPS, &max) != 0 ||
		vh_node_int_arg(args, "timeout_ms", 1000, 10, 10000, &wait) != 0) {
		vh_ctl_error(req, "ctl", "bad-request", false,
			"max_hops 1..%d, timeout_ms 10..10000", MESH_TRACE_MAX_HOPS);
		return;
	}
	for (slot = 0; slot < MESH_MAX_TRACES && m->traces[slot] != NULL; slot++)
		;
	if (slot == MESH_MAX_TRACES) {
		vh_ctl_error(req, "ctl", "busy", true, "%u traceroutes already running",
			MESH_MAX_TRACES);
		return;
	}
	t = calloc(1, sizeof(*t));
	if (t == NULL) {
		vh_ctl_error(req, "ctl", "no-memory", true, "out of memory");
		return;
	}
	if (!target_arg(m, args, req, t->target)) {
		free(t);
		return;
	}
	t->req = req;
	t->max_hops = (unsigned int)max;
	t->wait_ms = (uint64_t)wait;
	/* traceroute idents count down from the top, pings count up from 1 */
	t->ident = 0x80000000u | ++m->trace_ident;
	m->traces[slot] = t;
	trace_next(m, slot, vh_node_now_ms());
}

void
mesh_cmds_tick(struct vh_mesh *m, uint64_t now)
{
	for (unsigned int i = 0; i < MESH_MAX_TRACES; i++) {
		struct mesh_trace *t = m->traces[i];

		if (t != NULL && now >= t->deadline_ms)
			trace_next(m, i, now); /* no answer from this hop */
	}
}

void
mesh_cmds_stop(struct vh_mesh *m)
{
	for (unsigned int i = 0; i < MESH_MAX_TRACES; i++)
		if (m->traces[i] != NULL) {
			vh_ctl_error(m->traces[i]->req, "ctl", "shutdown", true,
				"node is shutting down");
			free(m->traces[i]);
			m->traces[i] = NULL;
		}
	for (unsigned int i = 0; i < MESH_MAX_LOOKUPS; i++)
		if (m->lookups[i].used) {
			vh_ctl_error(m->lookups[i].req, "ctl", "shutdown", true,
				"node is shutting down");
			m->lookups[i].used = false;
		}
}

int
mesh_cmds_register(struct vh_mesh *m)
{
	int rc = 0;

	rc |= vh_node_command_add(m->node, "lookup",
		"lookup <NodeID>: find a node through the DHT (args: node_id)", cmd_lookup, m);
	rc |= vh_node_command_add(
		m->node, "routes", "overlay routes: destination, next hops, metric", cmd_routes, m);
	rc |= vh_node_command_add(m->node, "traceroute",
		"traceroute <NodeID>: the relays on the way (args: node_id, max_hops, timeout_ms)",
		cmd_traceroute, m);
	rc |= vh_node_command_add(m->node, "dht", "DHT and mesh counters", cmd_dht, m);
	return rc;
}
