/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The link service's commands (docs/control-protocol.md): peers, sessions,
 * add-peer, remove-peer.
 */
#include <string.h>

#include "vh_bifrost.h"

#include "link_svc.h"

static const char *
peer_state(const struct link_peer *lp)
{
	if (vh_veil_peer_is_up(lp->vp))
		return "up";
	if (vh_veil_peer_keypair(lp->vp, VH_VEIL_SLOT_CURRENT) != NULL)
		return "confirming"; /* our XX keypair: no packet under it yet */
	if (vh_veil_peer_is_dead(lp->vp))
		return "dead";
	if (vh_veil_hs_local_index(vh_veil_peer_handshake(lp->vp)) != 0)
		return "handshake";
	return "idle";
}

static json_t *
endpoint_json(const struct vh_veil_endpoint *ep)
{
	struct vh_pathaddr pa = {.kind = VH_PATHADDR_UDP};
	char buf[128];

	if (ep == NULL || ep->family == 0)
		return json_null();
	pa.family = ep->family;
	pa.port = ep->port;
	memcpy(pa.addr, ep->addr, sizeof(pa.addr));
	if (vh_pathaddr_format(&pa, buf, sizeof(buf)) < 0)
		return json_null();
	return json_string(buf);
}

static json_t *
peer_dp_json(const struct link_peer *lp)
{
	uint64_t limited;

	vh_veil_peer_roam_stats(lp->vp, NULL, &limited);
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "roams_limited",
		(json_int_t)limited, "rx_packets", (json_int_t)lp->dp_rx_packets, "rx_keepalives",
		(json_int_t)lp->dp_keepalives, "tx_packets", (json_int_t)lp->dp_tx_packets,
		"auth_failed", (json_int_t)lp->dp_auth_failed, "replayed",
		(json_int_t)lp->dp_replayed, "endpoint_moves", (json_int_t)lp->endpoint_moves,
		"roams", (json_int_t)lp->roams);
}

static json_t *
peer_json(struct vh_link *lk, struct link_peer *lp, uint64_t now)
{
	char id[VH_IDENTITY_NODEID_TEXT_MAX + 1] = "";
	uint32_t idx = 0;
	json_t *o;

	if (lp->has_nodeid) {
		vh_identity_nodeid_format(lp->nodeid, id, sizeof(id));
		vh_link_dp_index(lk, lp->nodeid, &idx);
	}
	o = json_pack("{s:o, s:o, s:o, s:o, s:s, s:b, s:o, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
		"node_id", lp->has_nodeid ? json_string(id) : json_null(), "name",
		lp->name[0] ? json_string(lp->name) : json_null(), "address",
		lp->address[0] ? json_string(lp->address) : json_null(), "endpoint",
		endpoint_json(vh_veil_peer_endpoint(lp->vp)), "state", peer_state(lp), "configured",
		lp->configured, "last_handshake_s",
		lp->last_handshake_ms ? json_real((double)(now - lp->last_handshake_ms) / 1000.0)
				      : json_null(),
		"rx_packets", (json_int_t)lp->rx_packets, "rx_bytes", (json_int_t)lp->rx_bytes,
		"tx_packets", (json_int_t)lp->tx_packets, "tx_bytes", (json_int_t)lp->tx_bytes,
		"handshakes", (json_int_t)lp->handshakes, "rekeys",
		(json_int_t)(lp->handshakes > 0 ? lp->handshakes - 1 : 0), "drops",
		(json_int_t)lp->drops);
	json_object_set_new(o, "dp_index", idx != 0 ? json_integer(idx) : json_null());
	json_object_set_new(o, "dp", peer_dp_json(lp));
	return o;
}

/* The handshake defence's state; its counters are the hs_* ones of `stats`. */
static json_t *
guard_json(struct vh_link *lk, uint64_t now)
{
	unsigned int load = vh_dp_punt_load(lk->dp);

	return json_pack("{s:b, s:i, s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
		"under_load", hsguard_under_load(lk->guard, load, now), "punt_load", load,
		"sources", hsguard_sources(lk->guard, now), "cookies_sent",
		(json_int_t)lk->cnt.hs_cookie_sent, "cookie_budget",
		(json_int_t)lk->cnt.hs_cookie_budget, "ratelimited",
		(json_int_t)lk->cnt.hs_ratelimited, "replayed", (json_int_t)lk->cnt.hs_replayed,
		"stale_timestamp", (json_int_t)lk->cnt.hs_stale_timestamp, "low_order",
		(json_int_t)lk->cnt.hs_low_order, "dh_budget", (json_int_t)lk->cnt.hs_dh_budget,
		"mac1_bad", (json_int_t)lk->cnt.link_drop_mac, "evicted",
		(json_int_t)lk->cnt.hs_sources_evicted);
}

static void
cmd_peers(void *arg, const json_t *args, struct vh_ctl_req *req)
{
	struct vh_link *lk = arg;
	json_t *a = json_array();
	uint64_t now = vh_node_now_ms();

	RTE_SET_USED(args);
	for (unsigned int i = 0; link_on(lk) && i < LINK_MAX_PEERS; i++)
		if (lk->peers[i] != NULL)
			json_array_append_new(a, peer_json(lk, lk->peers[i], now));
	vh_ctl_reply(
		req, json_pack("{s:b, s:o, s:o}", "enabled", link_on(lk), "peers", a,
			     "handshake_defence", link_on(lk) ? guard_json(lk, now) : json_null()));
}

static bool
disabled(struct vh_link *lk, struct vh_ctl_req *req)
{
	if (link_on(lk))
		return false;
	vh_ctl_error(req, "veil", "disabled", false, "link sessions are off (veil.enabled)");
	return true;
}

static json_t *
keypair_json(struct vh_link *lk, struct link_peer *lp, const struct vh_veil_keypair *kp,
	const char *slot)
{
	struct link_dpkp *d = peer_dp_find(lp, kp);
	struct vh_dp_session_stats st;
	json_t *o, *dp = json_null();

	o = json_pack("{s:s, s:I, s:I, s:b, s:b, s:I}", "slot", slot, "local_index",
		(json_int_t)vh_veil_keypair_local_index(kp), "remote_index",
		(json_int_t)vh_veil_keypair_remote_index(kp), "initiator",
		vh_veil_keypair_is_initiator(kp), "confirmed", vh_veil_keypair_is_confirmed(kp),
		"send_counter", (json_int_t)vh_veil_keypair_send_counter(kp));
	if (d != NULL && d->installed && vh_dp_session_stats(lk->dp, d->local_index, &st) == 0)
		dp = json_pack("{s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "endpoint", d->has_ep,
			"send_counter", (json_int_t)st.send_counter, "rx_packets",
			(json_int_t)st.rx_packets, "rx_keepalives", (json_int_t)st.rx_keepalives,
			"tx_packets", (json_int_t)st.tx_packets, "auth_failed",
			(json_int_t)st.auth_failed, "replayed", (json_int_t)st.replayed, "rx_bytes",
			(json_int_t)st.rx_bytes);
	/* dp null: the keypair is opened and sealed on the control lcore */
	json_object_set_new(o, "dp", dp);
	return o;
}

/* sessions: the key slots of every peer (indices and counters, never keys). */
static void
cmd_sessions(void *arg, const json_t *args, struct vh_ctl_req *req)
{
	static const char *const names[] = {"previous", "current", "next"};
	struct vh_link *lk = arg;
	json_t *a = json_array();

	RTE_SET_USED(args);
	for (unsigned int i = 0; link_on(lk) && i < LINK_MAX_PEERS; i++) {
		struct link_peer *lp = lk->peers[i];
		char id[VH_IDENTITY_NODEID_TEXT_MAX + 1] = "";

		if (lp == NULL)
			continue;
		if (lp->has_nodeid)
			vh_identity_nodeid_format(lp->nodeid, id, sizeof(id));
		for (unsigned int s = VH_VEIL_SLOT_PREVIOUS; s <= VH_VEIL_SLOT_NEXT; s++) {
			const struct vh_veil_keypair *kp = vh_veil_peer_keypair(lp->vp, s);
			json_t *o;

			if (kp == NULL)
				continue;
			o = keypair_json(lk, lp, kp, names[s]);
			json_object_set_new(o, "node_id", id[0] ? json_string(id) : json_null());
			json_array_append_new(a, o);
		}
	}
	vh_ctl_reply(req, json_pack("{s:o}", "sessions", a));
}

static void
cmd_add_peer(void *arg, const json_t *args, struct vh_ctl_req *req)
{
	struct vh_link *lk = arg;
	const char *addr = json_string_value(json_object_get(args, "address"));
	const char *id = json_string_value(json_object_get(args, "node_id"));
	struct vh_config_peer cp = {0};
	struct vh_veil_endpoint ep;
	struct link_peer *lp;

	if (disabled(lk, req))
		return;
	if (addr == NULL || strlen(addr) >= sizeof(cp.address) || !peer_endpoint_parse(addr, &ep)) {
		vh_ctl_error(req, "veil", "bad-address", false,
			"add-peer needs 'address', a /udp/ PathAddr");
		return;
	}
	if (id != NULL && vh_identity_nodeid_parse(id, cp.node_id) != 0) {
		vh_ctl_error(req, "veil", "bad-node-id", false, "%s: not a NodeID", id);
		return;
	}
	cp.has_node_id = id != NULL;
	for (unsigned int i = 0; i < LINK_MAX_PEERS; i++) {
		lp = lk->peers[i];
		if (lp != NULL && lp->configured && vh_veil_endpoint_equal(&lp->ep_cfg, &ep)) {
			vh_ctl_error(req, "veil", "exists", false, "%s is already a peer", addr);
			return;
		}
	}
	lp = peer_new(lk, addr, NULL, NULL, NULL);
	if (lp == NULL) {
		vh_ctl_error(req, "veil", "full", true, "no room for another peer");
		return;
	}
	peer_preload(lk, lp, &cp);
	vh_ctl_reply(req, peer_json(lk, lp, vh_node_now_ms()));
}

static void
cmd_remove_peer(void *arg, const json_t *args, struct vh_ctl_req *req)
{
	struct vh_link *lk = arg;
	const char *addr = json_string_value(json_object_get(args, "address"));
	const char *id = json_string_value(json_object_get(args, "node_id"));
	uint8_t nodeid[VH_IDENTITY_NODEID_LEN];
	struct link_peer *lp = NULL;

	if (disabled(lk, req))
		return;
	if (id != NULL && vh_identity_nodeid_parse(id, nodeid) == 0)
		lp = peer_by_nodeid(lk, nodeid);
	for (unsigned int i = 0; lp == NULL && addr != NULL && i < LINK_MAX_PEERS; i++)
		if (lk->peers[i] != NULL && strcmp(lk->peers[i]->address, addr) == 0)
			lp = lk->peers[i];
	if (lp == NULL) {
		vh_ctl_error(req, "veil", "not-found", false,
			"remove-peer needs the 'address' or 'node_id' of a peer");
		return;
	}
	/* an operator removing a peer also drops its TOFU pin, so a re-add re-learns it */
	if (lk->tofu != NULL && peer_label(lp) != NULL)
		vh_tofu_forget(lk->tofu, peer_label(lp));
	peer_free(lk, lp);
	vh_ctl_reply(req, json_pack("{s:b}", "removed", 1));
}

int
link_cmds_register(struct vh_link *lk)
{
	struct vh_node *n = lk->node;
	int rc = 0;

	rc |= vh_node_command_add(n, "peers",
		"Veil link peers: NodeID, address, state, last handshake, traffic, rekeys, drops",
		cmd_peers, lk);
	rc |= vh_node_command_add(n, "sessions",
		"Veil session key slots per peer: indices, initiator, send counter, data-plane "
		"counters",
		cmd_sessions, lk);
	rc |= vh_node_command_add(n, "add-peer",
		"add a link peer (args: address PathAddr, node_id optional pin)", cmd_add_peer, lk);
	rc |= vh_node_command_add(n, "remove-peer",
		"remove a link peer and its TOFU pin (args: address or node_id)", cmd_remove_peer,
		lk);
	return rc != 0 ? -EINVAL : 0;
}
