/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `ping <PathAddr>`: Bifrost ECHO requests from the control lcore, answered
 * by the target's data plane. Asynchronous: the control request stays open
 * until every echo came back or timed out, while the loop keeps running.
 */
#include <stdlib.h>
#include <string.h>

#include "vh_bifrost.h"

#include "mesh_priv.h"

#define PING_MAX_COUNT 100

struct ping {
	struct vh_ctl_req *req;
	struct vh_pathaddr target;
	char target_str[128];
	uint32_t ident;
	unsigned int count;
	unsigned int sent;
	unsigned int received;
	uint16_t size;
	uint64_t interval_ms;
	uint64_t timeout_ms;
	uint64_t next_ms;
	uint64_t last_sent_ms;
	bool via_link; /* target is a NodeID: over its Veil session */
	bool via_mesh; /* ... or through the overlay when it is no neighbour */
	uint8_t nodeid[VH_IDENTITY_NODEID_LEN];
	char pattern[33]; /* repeated over the echo padding; "" = zeros */
	uint64_t sent_ns[PING_MAX_COUNT];
	double rtt_ms[PING_MAX_COUNT];
	bool got[PING_MAX_COUNT];
};

/* An operator-chosen marker in the padding, e.g. to check a capture for it. */
static void
fill_pattern(const struct ping *p, uint8_t *buf, size_t len)
{
	size_t k = strlen(p->pattern);

	for (size_t i = VH_BIFROST_HDR_LEN + VH_BIFROST_ECHO_MIN; k > 0 && i < len; i++)
		buf[i] = (uint8_t)p->pattern[(i - VH_BIFROST_HDR_LEN - VH_BIFROST_ECHO_MIN) % k];
}

static void
ping_send(struct vh_mesh *m, struct ping *p, uint64_t now_ms)
{
	uint8_t buf[1500];
	unsigned int seq = p->sent;
	int len;

	p->sent_ns[seq] = vh_node_now_ns();
	len = vh_bifrost_echo_build(buf, sizeof(buf), p->ident, seq, p->sent_ns[seq], p->size);
	p->sent++;
	p->last_sent_ms = now_ms;
	p->next_ms = now_ms + p->interval_ms;
	if (len < 0)
		return;
	fill_pattern(p, buf, (size_t)len);
	m->pcnt.ping_sent++;
	if (p->via_mesh)
		mesh_send(m, p->nodeid, VH_OVERLAY_T_ECHO, 0, (uint8_t)m->cfg->dht.hop_limit, buf,
			(size_t)len);
	else if (p->via_link)
		vh_link_send_datagram(m->link, p->nodeid, buf, (size_t)len);
	else
		vh_host_send_udp(m->host, p->target.family, p->target.addr, p->target.port, buf,
			(uint16_t)len);
}

static void
ping_finish(struct vh_mesh *m, unsigned int slot)
{
	struct ping *p = m->pings[slot];
	json_t *rtts = json_array();
	double min = 0, max = 0, sum = 0;

	for (unsigned int i = 0; i < p->sent; i++) {
		if (!p->got[i]) {
			json_array_append_new(rtts, json_null());
			continue;
		}
		json_array_append_new(rtts, json_real(p->rtt_ms[i]));
		min = min == 0 ? p->rtt_ms[i] : RTE_MIN(min, p->rtt_ms[i]);
		max = RTE_MAX(max, p->rtt_ms[i]);
		sum += p->rtt_ms[i];
	}
	if (p->received < p->sent)
		m->pcnt.ping_timeouts += p->sent - p->received;
	vh_ctl_reply(p->req,
		json_pack("{s:s, s:i, s:i, s:o, s:o, s:o, s:o}", "target", p->target_str, "sent",
			(json_int_t)p->sent, "received", (json_int_t)p->received, "rtt_ms", rtts,
			"min_ms", p->received ? json_real(min) : json_null(), "avg_ms",
			p->received ? json_real(sum / p->received) : json_null(), "max_ms",
			p->received ? json_real(max) : json_null()));
	free(p);
	m->pings[slot] = NULL;
}

void
ping_tick(struct vh_mesh *m, uint64_t now_ms)
{
	for (unsigned int i = 0; i < MESH_PINGS_MAX; i++) {
		struct ping *p = m->pings[i];

		if (p == NULL)
			continue;
		if (p->sent < p->count && now_ms >= p->next_ms)
			ping_send(m, p, now_ms);
		else if (p->sent == p->count &&
			 (p->received == p->count || now_ms >= p->last_sent_ms + p->timeout_ms))
			ping_finish(m, i);
	}
}

void
ping_echo_reply(struct vh_mesh *m, const uint8_t *payload, uint32_t len)
{
	uint32_t ident, seq;
	uint64_t ts;

	if (vh_bifrost_echo_parse(payload, len, &ident, &seq, &ts) != 0)
		return;
	for (unsigned int i = 0; i < MESH_PINGS_MAX; i++) {
		struct ping *p = m->pings[i];

		if (p == NULL || p->ident != ident || seq >= p->sent || p->got[seq] ||
			ts != p->sent_ns[seq])
			continue;
		p->got[seq] = true;
		p->rtt_ms[seq] = (double)(vh_node_now_ns() - p->sent_ns[seq]) / 1e6;
		p->received++;
		m->pcnt.ping_received++;
		return;
	}
	m->pcnt.ping_unmatched++;
}

static int
ping_args(struct vh_mesh *m, struct ping *p, const json_t *args, struct vh_ctl_req *req)
{
	const char *target = args ? json_string_value(json_object_get(args, "target")) : NULL;
	const char *node_id = args ? json_string_value(json_object_get(args, "node_id")) : NULL;
	const char *pattern = args ? json_string_value(json_object_get(args, "pattern")) : NULL;
	char err[128] = "";
	int count, interval, timeout, size;

	if (target == NULL)
		target = node_id;
	if (target == NULL) {
		vh_ctl_error(req, "ctl", "bad-request", false,
			"ping needs a 'target' PathAddr or a 'node_id'");
		return -EINVAL;
	}
	if (pattern != NULL && (strlen(pattern) == 0 || strlen(pattern) >= sizeof(p->pattern))) {
		vh_ctl_error(req, "ctl", "bad-request", false, "pattern: 1..32 characters");
		return -EINVAL;
	}
	snprintf(p->pattern, sizeof(p->pattern), "%s", pattern != NULL ? pattern : "");
	if (strncmp(target, VH_IDENTITY_NODEID_PREFIX, 2) == 0) {
		if (vh_identity_nodeid_parse(target, p->nodeid) != 0) {
			vh_ctl_error(
				req, "identity", "bad-node-id", false, "%s: not a NodeID", target);
			return -EINVAL;
		}
		if (!vh_link_has_session(m->link, p->nodeid) && !m->on) {
			vh_ctl_error(req, "veil", "no-session", true,
				"no Veil session with %s (see vhctl peers)", target);
			return -ENOTCONN;
		}
		p->via_link = true;
		/* not a neighbour: over the overlay, through relays */
		p->via_mesh = !vh_link_has_session(m->link, p->nodeid);
	} else if (vh_pathaddr_parse(target, &p->target, err, sizeof(err)) != 0) {
		vh_ctl_error(req, "bifrost", "bad-address", false, "%s: %s", target, err);
		return -EINVAL;
	}
	if (!p->via_link && p->target.kind != VH_PATHADDR_UDP) {
		vh_ctl_error(req, "bifrost", "unsupported", false,
			"%s: only /udp/ addresses can be pinged until the mesh layer exists",
			target);
		return -ENOTSUP;
	}
	if (vh_node_int_arg(args, "count", 3, 1, PING_MAX_COUNT, &count) != 0 ||
		vh_node_int_arg(args, "interval_ms", 200, 1, 10000, &interval) != 0 ||
		vh_node_int_arg(args, "timeout_ms", 1000, 1, 60000, &timeout) != 0 ||
		vh_node_int_arg(args, "size", 16, 16, 1400, &size) != 0) {
		vh_ctl_error(req, "ctl", "bad-request", false,
			"count 1..100, interval_ms 1..10000, timeout_ms 1..60000, size 16..1400");
		return -EINVAL;
	}
	snprintf(p->target_str, sizeof(p->target_str), "%s", target);
	p->count = (unsigned int)count;
	p->interval_ms = (uint64_t)interval;
	p->timeout_ms = (uint64_t)timeout;
	p->size = (uint16_t)size;
	return 0;
}

static void
cmd_ping(void *arg, const json_t *args, struct vh_ctl_req *req)
{
	struct vh_mesh *m = arg;
	unsigned int slot;
	struct ping *p;

	for (slot = 0; slot < MESH_PINGS_MAX && m->pings[slot] != NULL; slot++)
		;
	if (slot == MESH_PINGS_MAX) {
		vh_ctl_error(req, "ctl", "busy", true, "%u pings already running", MESH_PINGS_MAX);
		return;
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL) {
		vh_ctl_error(req, "ctl", "no-memory", true, "out of memory");
		return;
	}
	if (ping_args(m, p, args, req) != 0) {
		free(p);
		return;
	}
	p->req = req;
	p->ident = ++m->ping_ident;
	p->next_ms = vh_node_now_ms();
	m->pings[slot] = p;
	ping_tick(m, p->next_ms);
}

int
ping_register(struct vh_mesh *m)
{
	return vh_node_command_add(m->node, "ping",
		"ping <PathAddr|NodeID>: Bifrost ECHO round trips, to a NodeID over its Veil "
		"session (args: target or node_id, count, interval_ms, timeout_ms, size, pattern)",
		cmd_ping, m);
}

void
ping_free_all(struct vh_mesh *m)
{
	for (unsigned int i = 0; i < MESH_PINGS_MAX; i++) {
		if (m->pings[i] == NULL)
			continue;
		vh_ctl_error(m->pings[i]->req, "ctl", "shutdown", true, "node is shutting down");
		free(m->pings[i]);
		m->pings[i] = NULL;
	}
}
