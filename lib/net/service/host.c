/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The host service: what it registers with the runtime (punted host
 * packets, the `neigh` command, its counters) and its life.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>

#include <rte_ether.h>

#include "host_priv.h"

#define NEIGH_CAPACITY 1024

static const char *const host_names[] = {HOST_COUNTERS(VH_NODE_COUNTER_NAME)};

struct vh_host *
vh_host_get(const struct vh_node *n)
{
	return vh_node_service(n, "host");
}

struct vh_net_neigh *
vh_host_neigh(struct vh_host *h, unsigned int port)
{
	return h != NULL && port < VH_DP_MAX_PORTS ? h->neigh[port] : NULL;
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
	struct vh_host *h = arg;
	struct neigh_walk w = {.a = json_array(), .now_ms = vh_node_now_ms()};

	RTE_SET_USED(args);
	for (unsigned int i = 0; i < vh_dp_port_count(h->dp); i++) {
		w.port = vh_dp_port(h->dp, i)->name;
		vh_net_neigh_walk(h->neigh[i], neigh_json, &w);
	}
	vh_ctl_reply(req, json_pack("{s:o}", "neighbours", w.a));
}

static void
on_seen(void *ctx, struct rte_mbuf *m)
{
	host_heard(ctx, m);
}

static void
on_host(void *ctx, struct rte_mbuf *m)
{
	host_input(ctx, m);
}

static void
svc_free(void *ctx)
{
	struct vh_host *h = ctx;

	host_free_pending(h);
	for (unsigned int i = 0; i < VH_DP_MAX_PORTS; i++)
		vh_net_neigh_destroy(h->neigh[i]);
	free(h);
}

static int
svc_init(struct vh_node *n, void **ctx)
{
	struct vh_host *h = calloc(1, sizeof(*h));
	int rc = 0;

	if (h == NULL)
		return -ENOMEM;
	h->node = n;
	h->dp = vh_node_dp(n);
	*ctx = h;
	for (unsigned int i = 0; i < vh_dp_port_count(h->dp); i++) {
		h->neigh[i] = vh_net_neigh_create(NEIGH_CAPACITY);
		if (h->neigh[i] == NULL)
			return -ENOMEM;
	}
	rc |= vh_node_on_punt(n, VH_NODE_PUNT_SEEN, on_seen, h);
	rc |= vh_node_on_punt(n, VH_NODE_PUNT_HOST, on_host, h);
	rc |= vh_node_counters_add(
		n, "host", host_names, (const uint64_t *)&h->cnt, RTE_DIM(host_names));
	rc |= vh_node_command_add(
		n, "neigh", "the neighbour cache (ARP and ND) of every port", cmd_neigh, h);
	return rc != 0 ? -EINVAL : 0;
}

static void
svc_tick(void *ctx, uint64_t now_ms)
{
	host_tick(ctx, now_ms);
}

const struct vh_node_service vh_host_service = {
	.name = "host",
	.init = svc_init,
	.tick = svc_tick,
	.free = svc_free,
};
