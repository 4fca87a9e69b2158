/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control-socket commands (docs/control-protocol.md): status, version,
 * ports, stats, neigh; and the link layer's peers, sessions, add-peer, remove-peer.
 */
#include <arpa/inet.h>
#include <unistd.h>

#include <rte_ethdev.h>
#include <rte_version.h>

#include "vh_bifrost.h"

#include "link_priv.h"
#include "node.h"

static json_t *
addr4_json(const struct vh_net_if *ifc)
{
	char buf[INET_ADDRSTRLEN];

	if (ifc->ip4 == 0)
		return json_null();
	inet_ntop(AF_INET, &ifc->ip4, buf, sizeof(buf));
	return json_sprintf("%s/%u", buf, ifc->ip4_plen);
}

static json_t *
addr6_json(const struct vh_net_if *ifc)
{
	json_t *a = json_array();
	char buf[INET6_ADDRSTRLEN];

	for (unsigned int i = 0; i < ifc->n_ip6; i++) {
		inet_ntop(AF_INET6, ifc->ip6[i], buf, sizeof(buf));
		json_array_append_new(a, json_sprintf("%s/%u", buf, ifc->ip6_plen[i]));
	}
	return a;
}

static void
cmd_version(void *arg, const json_t *args, struct vh_ctl_req *req)
{
	RTE_SET_USED(arg);
	RTE_SET_USED(args);
	vh_ctl_reply(req, json_pack("{s:s, s:i, s:s}", "version", VH_VERSION_STRING, "protocol",
				  VH_CTL_PROTOCOL, "dpdk", rte_version()));
}

static void
cmd_status(void *arg, const json_t *args, struct vh_ctl_req *req)
{
	struct node *n = arg;
	json_t *workers = json_array();

	RTE_SET_USED(args);
	for (unsigned int i = 0; i < n->cfg.lcores.n_workers; i++)
		json_array_append_new(workers, json_integer(n->cfg.lcores.workers[i]));
	vh_ctl_reply(req, json_pack("{s:s, s:s, s:s, s:i, s:f, s:s, s:s, s:i, s:o, s:i, s:i}",
				  "name", n->cfg.node.name, "node_id", n->node_id, "version",
				  VH_VERSION_STRING, "pid", (json_int_t)getpid(), "uptime_s",
				  (double)(node_now_ms() - n->start_ms) / 1000.0, "mode",
				  vh_dp_is_single(n->dp) ? "single" : "multi", "idle",
				  n->cfg.lcores.idle == VH_CONFIG_IDLE_POLL ? "poll" : "adaptive",
				  "control_lcore", (json_int_t)rte_get_main_lcore(), "workers",
				  workers, "ports", (json_int_t)vh_dp_port_count(n->dp), "udp_port",
				  (json_int_t)n->cfg.overlay.udp_port));
}

static void
cmd_show_identity(void *arg, const json_t *args, struct vh_ctl_req *req)
{
	struct node *n = arg;
	char pub[2 * VH_IDENTITY_PUB_LEN + 1], short_id[VH_IDENTITY_NODEID_SHORT_MAX + 1];

	RTE_SET_USED(args);
	for (unsigned int i = 0; i < VH_IDENTITY_PUB_LEN; i++)
		snprintf(pub + 2 * i, 3, "%02x", n->id.ed_pub[i]);
	vh_identity_nodeid_short(n->id.nodeid, short_id, sizeof(short_id));
	vh_ctl_reply(
		req, json_pack("{s:s, s:s, s:s, s:s}", "node_id", n->node_id, "short", short_id,
			     "ed25519_public", pub, "key_file", n->cfg.node.key_file));
}

static json_t *
port_json(struct node *n, unsigned int i)
{
	const struct vh_dp_port_conf *pc = vh_dp_port(n->dp, i);
	uint16_t pid = (uint16_t)vh_dp_port_id(n->dp, i);
	struct rte_eth_dev_info info = {0};
	struct rte_eth_link link = {0};
	struct rte_eth_dev_owner owner;
	char mac[RTE_ETHER_ADDR_FMT_SIZE];
	uint16_t mtu = 0;

	RTE_SET_USED(owner);
	rte_eth_dev_info_get(pid, &info);
	rte_eth_link_get_nowait(pid, &link);
	rte_eth_dev_get_mtu(pid, &mtu);
	rte_ether_format_addr(mac, sizeof(mac), (const struct rte_ether_addr *)pc->ifc.mac);
	return json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:o, s:o, s:i, s:i}", "id",
		(json_int_t)pid, "name", pc->name, "devargs", pc->devargs, "driver",
		info.driver_name ? info.driver_name : "", "mac", mac, "link",
		link.link_status ? "up" : "down", "speed_mbps", (json_int_t)link.link_speed, "mtu",
		(json_int_t)mtu, "ipv4", addr4_json(&pc->ifc), "ipv6", addr6_json(&pc->ifc),
		"rx_queues", (json_int_t)info.nb_rx_queues, "tx_queues",
		(json_int_t)info.nb_tx_queues);
}

static void
cmd_ports(void *arg, const json_t *args, struct vh_ctl_req *req)
{
	struct node *n = arg;
	json_t *a = json_array();

	RTE_SET_USED(args);
	for (unsigned int i = 0; i < vh_dp_port_count(n->dp); i++)
		json_array_append_new(a, port_json(n, i));
	vh_ctl_reply(req, json_pack("{s:o}", "ports", a));
}

struct neigh_walk {
	json_t *a;
	const char *port;
	uint64_t now_ms;
};

static int
neigh_json(void *arg, const struct vh_net_neigh_entry *e)
{
	struct neigh_walk *w = arg;
	char ip[INET6_ADDRSTRLEN], mac[RTE_ETHER_ADDR_FMT_SIZE];
	bool has_mac = e->state == VH_NET_NEIGH_REACHABLE || e->state == VH_NET_NEIGH_STALE;

	inet_ntop(e->ip_ver == 4 ? AF_INET : AF_INET6, e->addr, ip, sizeof(ip));
	rte_ether_format_addr(mac, sizeof(mac), (const struct rte_ether_addr *)e->mac);
	json_array_append_new(w->a,
		json_pack("{s:s, s:i, s:s, s:s, s:o, s:i, s:I}", "port", w->port, "family",
			(int)e->ip_ver, "address", ip, "state", vh_net_neigh_state_name(e->state),
			"mac", has_mac ? json_string(mac) : json_null(), "tries", (int)e->tries,
			"updated_ms_ago", (json_int_t)(w->now_ms - e->updated_ms)));
	return 0;
}

static void
cmd_neigh(void *arg, const json_t *args, struct vh_ctl_req *req)
{
	struct node *n = arg;
	struct neigh_walk w = {.a = json_array(), .now_ms = node_now_ms()};

	RTE_SET_USED(args);
	for (unsigned int i = 0; i < vh_dp_port_count(n->dp); i++) {
		w.port = vh_dp_port(n->dp, i)->name;
		vh_net_neigh_walk(n->neigh[i], neigh_json, &w);
	}
	vh_ctl_reply(req, json_pack("{s:o}", "neighbours", w.a));
}

static json_t *
port_stats_json(struct node *n, unsigned int i)
{
	uint16_t pid = (uint16_t)vh_dp_port_id(n->dp, i);
	struct rte_eth_stats s = {0};

	rte_eth_stats_get(pid, &s);
	return json_pack("{s:i, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "id",
		(json_int_t)pid, "name", vh_dp_port(n->dp, i)->name, "rx_packets",
		(json_int_t)s.ipackets, "rx_bytes", (json_int_t)s.ibytes, "tx_packets",
		(json_int_t)s.opackets, "tx_bytes", (json_int_t)s.obytes, "rx_missed",
		(json_int_t)s.imissed, "rx_errors", (json_int_t)s.ierrors, "tx_errors",
		(json_int_t)s.oerrors, "rx_nombuf", (json_int_t)s.rx_nombuf);
}

static void
graph_cb(unsigned int lcore, const char *node, uint64_t calls, uint64_t objs, uint64_t cycles,
	void *arg)
{
	json_array_append_new(
		arg, json_pack("{s:i, s:s, s:I, s:I, s:I}", "lcore", (json_int_t)lcore, "node",
			     node, "calls", (json_int_t)calls, "objs", (json_int_t)objs, "cycles",
			     (json_int_t)cycles));
}

json_t *
cmds_stats_json(struct node *n)
{
	json_t *ports = json_array(), *lcores = json_array(), *graph = json_array();
	json_t *drops = json_object(), *control = json_object();
	uint64_t sum[VH_DROP_MAX];
	struct vh_dp_lcore_stats st;
	struct vh_ctl_stats cs;

	memcpy(sum, vh_dp_control_drops(n->dp), sizeof(sum));
	for (unsigned int i = 0; i < vh_dp_port_count(n->dp); i++)
		json_array_append_new(ports, port_stats_json(n, i));
	for (unsigned int i = 0; i < vh_dp_lcore_count(n->dp); i++) {
		vh_dp_lcore_stats(n->dp, i, &st);
		for (unsigned int r = 0; r < VH_DROP_MAX; r++)
			sum[r] += st.drops[r];
		json_array_append_new(lcores,
			json_pack("{s:i, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "lcore",
				(json_int_t)st.lcore, "role", st.role, "rx_packets",
				(json_int_t)st.rx_packets, "tx_packets", (json_int_t)st.tx_packets,
				"punted", (json_int_t)st.punted, "injected",
				(json_int_t)st.injected, "dropped", (json_int_t)st.dropped, "loops",
				(json_int_t)st.loops, "idle_sleeps", (json_int_t)st.idle_sleeps));
	}
	vh_dp_graph_stats(n->dp, graph_cb, graph);
	for (unsigned int r = 1; r < VH_DROP_MAX; r++)
		json_object_set_new(drops, vh_drop_name(r), json_integer((json_int_t)sum[r]));
#define X(c) json_object_set_new(control, #c, json_integer((json_int_t)n->cnt.c));
	NODE_COUNTERS(X)
#undef X
	vh_ctl_stats_get(n->ctl, &cs);
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:{s:i, s:i}, s:{s:I, s:I, s:I, s:I, s:I, s:I, "
			 "s:I, s:I}}",
		"ports", ports, "lcores", lcores, "graph", graph, "drops", drops, "control",
		control, "mempool", "in_use", (json_int_t)vh_dp_mbufs_in_use(n->dp), "available",
		(json_int_t)vh_dp_mbufs_avail(n->dp), "ctl", "requests", (json_int_t)cs.requests,
		"errors", (json_int_t)cs.errors, "connections", (json_int_t)cs.connections,
		"connections_open", (json_int_t)cs.connections_open, "refused",
		(json_int_t)cs.refused, "evicted", (json_int_t)cs.evicted, "dropped",
		(json_int_t)cs.dropped, "timeouts", (json_int_t)cs.timeouts);
}

static void
cmd_stats(void *arg, const json_t *args, struct vh_ctl_req *req)
{
	RTE_SET_USED(args);
	vh_ctl_reply(req, cmds_stats_json(arg));
}

int
cmds_int_arg(const json_t *args, const char *key, int def, int lo, int hi, int *out)
{
	const json_t *v = args != NULL ? json_object_get(args, key) : NULL;

	*out = def;
	if (v == NULL)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
		return -EINVAL;
	*out = (int)json_integer_value(v);
	return 0;
}

int
cmds_register(struct node *n)
{
	int rc = 0;

	rc |= vh_ctl_register(
		n->ctl, "version", "versions of the node, protocol and DPDK", cmd_version, n);
	rc |= vh_ctl_register(n->ctl, "show-identity",
		"the node's NodeID, Ed25519 public key and key file", cmd_show_identity, n);
	rc |= vh_ctl_register(n->ctl, "status", "node name, mode, lcores, uptime", cmd_status, n);
	rc |= vh_ctl_register(n->ctl, "ports", "ports with addresses and link state", cmd_ports, n);
	rc |= vh_ctl_register(
		n->ctl, "neigh", "the neighbour cache (ARP and ND) of every port", cmd_neigh, n);
	rc |= vh_ctl_register(n->ctl, "stats",
		"counters: ports, lcores, graph nodes, drop reasons, control lcore, mempool",
		cmd_stats, n);
	rc |= ping_register(n);
	rc |= link_register(n);
	rc |= mesh_register(n);
	return rc != 0 ? -EINVAL : 0;
}

/* ---- link peers (link.c, peers.c) ---- */

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
peer_json(struct node *n, struct link_peer *lp, uint64_t now)
{
	char id[VH_IDENTITY_NODEID_TEXT_MAX + 1] = "";
	uint32_t idx = 0;
	json_t *o;

	if (lp->has_nodeid) {
		vh_identity_nodeid_format(lp->nodeid, id, sizeof(id));
		link_dp_index(n, lp->nodeid, &idx);
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
guard_json(struct node *n, uint64_t now)
{
	unsigned int load = vh_dp_punt_load(n->dp);

	return json_pack("{s:b, s:i, s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "under_load",
		hsguard_under_load(n->link->guard, load, now), "punt_load", load, "sources",
		hsguard_sources(n->link->guard, now), "cookies_sent",
		(json_int_t)n->cnt.hs_cookie_sent, "cookie_budget",
		(json_int_t)n->cnt.hs_cookie_budget, "ratelimited",
		(json_int_t)n->cnt.hs_ratelimited, "replayed", (json_int_t)n->cnt.hs_replayed,
		"low_order", (json_int_t)n->cnt.hs_low_order, "dh_budget",
		(json_int_t)n->cnt.hs_dh_budget, "mac1_bad", (json_int_t)n->cnt.link_drop_mac,
		"evicted", (json_int_t)n->cnt.hs_sources_evicted);
}

static void
cmd_peers(void *arg, const json_t *args, struct vh_ctl_req *req)
{
	struct node *n = arg;
	json_t *a = json_array();
	uint64_t now = node_now_ms();

	RTE_SET_USED(args);
	for (unsigned int i = 0; n->link != NULL && i < LINK_MAX_PEERS; i++)
		if (n->link->peers[i] != NULL)
			json_array_append_new(a, peer_json(n, n->link->peers[i], now));
	vh_ctl_reply(req,
		json_pack("{s:b, s:o, s:o}", "enabled", n->link != NULL, "peers", a,
			"handshake_defence", n->link != NULL ? guard_json(n, now) : json_null()));
}

static bool
disabled(struct node *n, struct vh_ctl_req *req)
{
	if (n->link != NULL)
		return false;
	vh_ctl_error(req, "veil", "disabled", false, "link sessions are off (veil.enabled)");
	return true;
}

static json_t *
keypair_json(
	struct node *n, struct link_peer *lp, const struct vh_veil_keypair *kp, const char *slot)
{
	struct link_dpkp *d = peer_dp_find(lp, kp);
	struct vh_dp_session_stats st;
	json_t *o, *dp = json_null();

	o = json_pack("{s:s, s:I, s:I, s:b, s:b, s:I}", "slot", slot, "local_index",
		(json_int_t)vh_veil_keypair_local_index(kp), "remote_index",
		(json_int_t)vh_veil_keypair_remote_index(kp), "initiator",
		vh_veil_keypair_is_initiator(kp), "confirmed", vh_veil_keypair_is_confirmed(kp),
		"send_counter", (json_int_t)vh_veil_keypair_send_counter(kp));
	if (d != NULL && d->installed && vh_dp_session_stats(n->dp, d->local_index, &st) == 0)
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
	struct node *n = arg;
	json_t *a = json_array();

	RTE_SET_USED(args);
	for (unsigned int i = 0; n->link != NULL && i < LINK_MAX_PEERS; i++) {
		struct link_peer *lp = n->link->peers[i];
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
			o = keypair_json(n, lp, kp, names[s]);
			json_object_set_new(o, "node_id", id[0] ? json_string(id) : json_null());
			json_array_append_new(a, o);
		}
	}
	vh_ctl_reply(req, json_pack("{s:o}", "sessions", a));
}

static void
cmd_add_peer(void *arg, const json_t *args, struct vh_ctl_req *req)
{
	struct node *n = arg;
	const char *addr = json_string_value(json_object_get(args, "address"));
	const char *id = json_string_value(json_object_get(args, "node_id"));
	struct vh_config_peer cp = {0};
	struct vh_veil_endpoint ep;
	struct link_peer *lp;

	if (disabled(n, req))
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
		lp = n->link->peers[i];
		if (lp != NULL && lp->configured && vh_veil_endpoint_equal(&lp->ep_cfg, &ep)) {
			vh_ctl_error(req, "veil", "exists", false, "%s is already a peer", addr);
			return;
		}
	}
	lp = peer_new(n, addr, NULL, NULL, NULL);
	if (lp == NULL) {
		vh_ctl_error(req, "veil", "full", true, "no room for another peer");
		return;
	}
	peer_preload(n, lp, &cp);
	vh_ctl_reply(req, peer_json(n, lp, node_now_ms()));
}

static void
cmd_remove_peer(void *arg, const json_t *args, struct vh_ctl_req *req)
{
	struct node *n = arg;
	const char *addr = json_string_value(json_object_get(args, "address"));
	const char *id = json_string_value(json_object_get(args, "node_id"));
	uint8_t nodeid[VH_IDENTITY_NODEID_LEN];
	struct link_peer *lp = NULL;

	if (disabled(n, req))
		return;
	if (id != NULL && vh_identity_nodeid_parse(id, nodeid) == 0)
		lp = peer_by_nodeid(n, nodeid);
	for (unsigned int i = 0; lp == NULL && addr != NULL && i < LINK_MAX_PEERS; i++)
		if (n->link->peers[i] != NULL && strcmp(n->link->peers[i]->address, addr) == 0)
			lp = n->link->peers[i];
	if (lp == NULL) {
		vh_ctl_error(req, "veil", "not-found", false,
			"remove-peer needs the 'address' or 'node_id' of a peer");
		return;
	}
	/* an operator removing a peer also drops its TOFU pin, so a re-add re-learns it */
	if (n->link->tofu != NULL && peer_label(lp) != NULL)
		vh_tofu_forget(n->link->tofu, peer_label(lp));
	peer_free(n, lp);
	vh_ctl_reply(req, json_pack("{s:b}", "removed", 1));
}

int
link_register(struct node *n)
{
	int rc = 0;

	rc |= vh_ctl_register(n->ctl, "peers",
		"Veil link peers: NodeID, address, state, last handshake, traffic, rekeys, drops",
		cmd_peers, n);
	rc |= vh_ctl_register(n->ctl, "sessions",
		"Veil session key slots per peer: indices, initiator, send counter, data-plane "
		"counters",
		cmd_sessions, n);
	rc |= vh_ctl_register(n->ctl, "add-peer",
		"add a link peer (args: address PathAddr, node_id optional pin)", cmd_add_peer, n);
	rc |= vh_ctl_register(n->ctl, "remove-peer",
		"remove a link peer and its TOFU pin (args: address or node_id)", cmd_remove_peer,
		n);
	return rc != 0 ? -EINVAL : 0;
}
