/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The node's own rte_telemetry commands, so dpdk-telemetry.py shows them
 * next to DPDK's (/ethdev/stats, /mempool/info, ...). They run on the
 * telemetry thread and only read counters that single writers update.
 */
#include <errno.h>
#include <unistd.h>

#include <rte_telemetry.h>

#include "node_priv.h"

static struct vh_node *tel_node;

static int
tel_status(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct vh_node *n = tel_node;

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	if (n == NULL)
		return -ENODEV; /* the node is gone */
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "name", n->cfg.node.name);
	rte_tel_data_add_dict_string(d, "version", VH_VERSION_STRING);
	rte_tel_data_add_dict_string(d, "mode", vh_dp_is_single(n->dp) ? "single" : "multi");
	rte_tel_data_add_dict_u64(d, "pid", (uint64_t)getpid());
	rte_tel_data_add_dict_u64(d, "uptime_ms", vh_node_uptime_ms(n));
	rte_tel_data_add_dict_u64(d, "ports", vh_dp_port_count(n->dp));
	rte_tel_data_add_dict_u64(d, "udp_port", n->cfg.overlay.udp_port);
	return 0;
}

static int
tel_drops(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct vh_node *n = tel_node;
	uint64_t sum[VH_DROP_MAX];
	struct vh_dp_lcore_stats st;

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	if (n == NULL)
		return -ENODEV; /* the node is gone */
	memcpy(sum, vh_dp_control_drops(n->dp), sizeof(sum));
	for (unsigned int i = 0; i < vh_dp_lcore_count(n->dp); i++) {
		vh_dp_lcore_stats(n->dp, i, &st);
		for (unsigned int r = 0; r < VH_DROP_MAX; r++)
			sum[r] += st.drops[r];
	}
	rte_tel_data_start_dict(d);
	for (unsigned int r = 1; r < VH_DROP_MAX; r++) {
		char key[64];

		/* telemetry keys allow [A-Za-z0-9_.]: our names use '-' */
		snprintf(key, sizeof(key), "%s", vh_drop_name(r));
		for (char *c = key; *c != '\0'; c++)
			if (*c == '-')
				*c = '_';
		rte_tel_data_add_dict_u64(d, key, sum[r]);
	}
	return 0;
}

static int
tel_lcores(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct vh_node *n = tel_node;
	struct vh_dp_lcore_stats st;

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	if (n == NULL)
		return -ENODEV; /* the node is gone */
	rte_tel_data_start_dict(d);
	for (unsigned int i = 0; i < vh_dp_lcore_count(n->dp); i++) {
		struct rte_tel_data *c = rte_tel_data_alloc();
		char key[16];

		if (c == NULL)
			return -ENOMEM;
		vh_dp_lcore_stats(n->dp, i, &st);
		rte_tel_data_start_dict(c);
		rte_tel_data_add_dict_string(c, "role", st.role);
		rte_tel_data_add_dict_u64(c, "rx_packets", st.rx_packets);
		rte_tel_data_add_dict_u64(c, "tx_packets", st.tx_packets);
		rte_tel_data_add_dict_u64(c, "punted", st.punted);
		rte_tel_data_add_dict_u64(c, "injected", st.injected);
		rte_tel_data_add_dict_u64(c, "dropped", st.dropped);
		rte_tel_data_add_dict_u64(c, "loops", st.loops);
		rte_tel_data_add_dict_u64(c, "idle_sleeps", st.idle_sleeps);
		snprintf(key, sizeof(key), "%u", st.lcore);
		rte_tel_data_add_dict_container(d, key, c, 0);
	}
	return 0;
}

static void
tel_counter(void *arg, const char *block, const char *name, uint64_t v)
{
	RTE_SET_USED(block);
	rte_tel_data_add_dict_u64(arg, name, v);
}

static int
tel_control(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct vh_node *n = tel_node;

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	if (n == NULL)
		return -ENODEV; /* the node is gone */
	rte_tel_data_start_dict(d);
	vh_node_counters_walk(n, tel_counter, d);
	return 0;
}

int
node_telemetry_register(struct vh_node *n)
{
	int rc = 0;

	tel_node = n;
	rc |= rte_telemetry_register_cmd(
		"/valhalla/status", tel_status, "Node name, version, mode, uptime. No parameters");
	rc |= rte_telemetry_register_cmd("/valhalla/drops", tel_drops,
		"Packets dropped, by reason, summed over lcores. No parameters");
	rc |= rte_telemetry_register_cmd(
		"/valhalla/lcores", tel_lcores, "Per-lcore data-plane counters. No parameters");
	rc |= rte_telemetry_register_cmd("/valhalla/control", tel_control,
		"Every layer's control-lcore counters. No parameters");
	return rc;
}

void
node_telemetry_unregister(void)
{
	tel_node = NULL;
}
