/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The runtime's own commands (docs/control-protocol.md): version, status,
 * show-identity, ports, stats. Every layer's counters reach `stats` through
 * the counter registry.
 */
#include <arpa/inet.h>
#include <unistd.h>

#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_version.h>

#include "node_priv.h"

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
	struct vh_node *n = arg;
	json_t *workers = json_array();

	RTE_SET_USED(args);
	for (unsigned int i = 0; i < n->cfg.lcores.n_workers; i++)
		json_array_append_new(workers, json_integer(n->cfg.lcores.workers[i]));
	vh_ctl_reply(req, json_pack("{s:s, s:s, s:s, s:i, s:f, s:s, s:s, s:i, s:o, s:i, s:i}",
				  "name", n->cfg.node.name, "node_id", n->node_id, "version",
				  VH_VERSION_STRING, "pid", (json_int_t)getpid(), "uptime_s",
				  (double)vh_node_uptime_ms(n) / 1000.0, "mode",
				  vh_dp_is_single(n->dp) ? "single" : "multi", "idle",
				  n->cfg.lcores.idle == VH_CONFIG_IDLE_POLL ? "poll" : "adaptive",
				  "control_lcore", (json_int_t)rte_get_main_lcore(), "workers",
				  workers, "ports", (json_int_t)vh_dp_port_count(n->dp), "udp_port",
				  (json_int_t)n->cfg.overlay.udp_port));
}

static void
cmd_show_identity(void *arg, const json_t *args, struct vh_ctl_req *req)
{
	struct vh_node *n = arg;
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
port_json(struct vh_node *n, unsigned int i)
{
	const struct vh_dp_port_conf *pc = vh_dp_port(n->dp, i);
	uint16_t pid = (uint16_t)vh_dp_port_id(n->dp, i);
	struct rte_eth_dev_info info = {0};
	struct rte_eth_link link = {0};
	char mac[RTE_ETHER_ADDR_FMT_SIZE];
	uint16_t mtu = 0;

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
	struct vh_node *n = arg;
	json_t *a = json_array();

	RTE_SET_USED(args);
	for (unsigned int i = 0; i < vh_dp_port_count(n->dp); i++)
		json_array_append_new(a, port_json(n, i));
	vh_ctl_reply(req, json_pack("{s:o}", "ports", a));
}

static json_t *
port_stats_json(struct vh_node *n, unsigned int i)
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

static json_t *
lcores_json(struct vh_node *n, uint64_t *sum)
{
	json_t *lcores = json_array();
	struct vh_dp_lcore_stats st;

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
	return lcores;
}

static void
counter_json(void *arg, const char *block, const char *name, uint64_t v)
{
	RTE_SET_USED(block);
	json_object_set_new(arg, name, json_integer((json_int_t)v));
}

static json_t *
ctl_json(struct vh_node *n)
{
	struct vh_ctl_stats cs;

	vh_ctl_stats_get(n->ctl, &cs);
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "requests",
		(json_int_t)cs.requests, "errors", (json_int_t)cs.errors, "connections",
		(json_int_t)cs.connections, "connections_open", (json_int_t)cs.connections_open,
		"refused", (json_int_t)cs.refused, "evicted", (json_int_t)cs.evicted, "dropped",
		(json_int_t)cs.dropped, "timeouts", (json_int_t)cs.timeouts);
}

json_t *
node_stats_json(struct vh_node *n)
{
	json_t *ports = json_array(), *graph = json_array(), *lcores;
	json_t *drops = json_object(), *control = json_object();
	uint64_t sum[VH_DROP_MAX];

	memcpy(sum, vh_dp_control_drops(n->dp), sizeof(sum));
	for (unsigned int i = 0; i < vh_dp_port_count(n->dp); i++)
		json_array_append_new(ports, port_stats_json(n, i));
	lcores = lcores_json(n, sum);
	vh_dp_graph_stats(n->dp, graph_cb, graph);
	for (unsigned int r = 1; r < VH_DROP_MAX; r++)
		json_object_set_new(drops, vh_drop_name(r), json_integer((json_int_t)sum[r]));
	vh_node_counters_walk(n, counter_json, control);
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:{s:i, s:i}, s:o}", "ports", ports, "lcores",
		lcores, "graph", graph, "drops", drops, "control", control, "mempool", "in_use",
		(json_int_t)vh_dp_mbufs_in_use(n->dp), "available",
		(json_int_t)vh_dp_mbufs_avail(n->dp), "ctl", ctl_json(n));
}

static void
cmd_stats(void *arg, const json_t *args, struct vh_ctl_req *req)
{
	RTE_SET_USED(args);
	vh_ctl_reply(req, node_stats_json(arg));
}

int
node_cmds_register(struct vh_node *n)
{
	int rc = 0;

	rc |= vh_node_command_add(
		n, "version", "versions of the node, protocol and DPDK", cmd_version, n);
	rc |= vh_node_command_add(n, "show-identity",
		"the node's NodeID, Ed25519 public key and key file", cmd_show_identity, n);
	rc |= vh_node_command_add(n, "status", "node name, mode, lcores, uptime", cmd_status, n);
	rc |= vh_node_command_add(n, "ports", "ports with addresses and link state", cmd_ports, n);
	rc |= vh_node_command_add(n, "stats",
		"counters: ports, lcores, graph nodes, drop reasons, every layer's counters, "
		"mempool",
		cmd_stats, n);
	return rc != 0 ? -EINVAL : 0;
}
