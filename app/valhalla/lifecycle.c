/* SPDX-License-Identifier: BSD-3-Clause */
/* Bringing the node up from its config, and taking it down without a leak. */
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_pdump.h>

#include "node.h"

#define HOUSEKEEPING_HZ 100
#define NEIGH_CAPACITY 1024

static void
port_conf(const struct vh_config_port *cp, struct vh_dp_port_conf *pc)
{
	struct vh_net_if *ifc = &pc->ifc;

	memset(pc, 0, sizeof(*pc));
	snprintf(pc->name, sizeof(pc->name), "%s", cp->name);
	snprintf(pc->devargs, sizeof(pc->devargs), "%s", cp->devargs);
	pc->has_mac = cp->has_mac;
	memcpy(ifc->mac, cp->mac, sizeof(ifc->mac));
	pc->mtu = cp->mtu;
	pc->rx_desc = cp->rx_desc;
	pc->tx_desc = cp->tx_desc;
	if (cp->has_ipv4) {
		ifc->ip4 = cp->ipv4.addr;
		ifc->ip4_plen = cp->ipv4.plen;
	}
	if (cp->has_gateway4)
		ifc->gw4 = cp->gateway4;
	ifc->n_ip6 = RTE_MIN(cp->n_ipv6, (unsigned int)VH_NET_MAX_IP6);
	for (unsigned int i = 0; i < ifc->n_ip6; i++) {
		memcpy(ifc->ip6[i], cp->ipv6[i].addr, 16);
		ifc->ip6_plen[i] = cp->ipv6[i].plen;
	}
	if (cp->has_gateway6)
		memcpy(ifc->gw6, cp->gateway6, 16);
}

static void
dp_conf(const struct vh_config *cfg, struct vh_dp_conf *dc)
{
	memset(dc, 0, sizeof(*dc));
	dc->n_ports = cfg->n_ports;
	for (unsigned int i = 0; i < cfg->n_ports; i++)
		port_conf(&cfg->ports[i], &dc->ports[i]);
	dc->n_workers = cfg->lcores.n_workers;
	memcpy(dc->workers, cfg->lcores.workers, sizeof(unsigned int) * dc->n_workers);
	dc->idle = cfg->lcores.idle == VH_CONFIG_IDLE_POLL ? VH_DP_IDLE_POLL : VH_DP_IDLE_ADAPTIVE;
	dc->idle_sleep_max_us = cfg->lcores.idle_sleep_max_us;
	dc->mbufs = cfg->mempool.mbufs;
	dc->mbuf_cache = cfg->mempool.cache;
	dc->udp_port = cfg->overlay.udp_port;
}

static void
housekeeping(struct rte_timer *t, void *arg)
{
	struct node *n = arg;
	uint64_t now = node_now_ms();

	RTE_SET_USED(t);
	hoststack_tick(n, now);
	ping_tick(n, now);
	link_tick(n, now);
	mesh_tick(n, now);
	mix_tick(n, now);
	/* idle-connection timeouts need a poll even when no fd is ready */
	vh_ctl_poll(n->ctl, now);
}

static int
start_control(struct node *n)
{
	struct epoll_event ev = {.events = EPOLLIN};

	n->ctl = vh_ctl_create(n->cfg.node.control_socket, NULL);
	if (n->ctl == NULL) {
		NODE_LOG(ERR, "control socket %s: %s", n->cfg.node.control_socket,
			errno == EADDRINUSE ? "another node is already running there"
					    : strerror(errno));
		return -1;
	}
	if (cmds_register(n) != 0)
		return -1;
	if (mix_register(n) != 0)
		return -1;
	if (metrics_start(n) != 0)
		return -1;
	if (n->cfg.telemetry.enabled && telemetry_register(n) != 0)
		NODE_LOG(WARNING, "telemetry commands not registered");
	n->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (n->epfd < 0 || epoll_ctl(n->epfd, EPOLL_CTL_ADD, vh_ctl_fd(n->ctl), &ev) != 0) {
		NODE_LOG(ERR, "epoll: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int
node_start(struct node *n)
{
	struct vh_dp_conf dc;

	n->epfd = -1;
	n->start_ms = node_now_ms();
	dp_conf(&n->cfg, &dc);
	n->dp = vh_dp_create(&dc);
	if (n->dp == NULL) {
		NODE_LOG(ERR, "data plane not started: %s", rte_strerror(rte_errno));
		return -1;
	}
	if (rte_pdump_init() != 0)
		NODE_LOG(WARNING, "packet capture (rte_pdump) unavailable: %s",
			rte_strerror(rte_errno));
	for (unsigned int i = 0; i < vh_dp_port_count(n->dp); i++) {
		n->neigh[i] = vh_net_neigh_create(NEIGH_CAPACITY);
		if (n->neigh[i] == NULL)
			return -1;
	}
	if (start_control(n) != 0)
		return -1;
	if (link_start(n) != 0)
		return -1;
	if (mesh_start(n) != 0)
		return -1;
	if (mix_start(n) != 0)
		return -1;
	rte_timer_subsystem_init();
	rte_timer_init(&n->housekeeping);
	rte_timer_reset(&n->housekeeping, rte_get_timer_hz() / HOUSEKEEPING_HZ, PERIODICAL,
		rte_lcore_id(), housekeeping, n);
	n->timer_on = true;
	if (vh_dp_launch(n->dp) != 0)
		return -1;
	NODE_LOG(NOTICE, "node %s up: %u port(s), %s mode, control socket %s", n->cfg.node.name,
		vh_dp_port_count(n->dp), vh_dp_is_single(n->dp) ? "single-lcore" : "multi-lcore",
		n->cfg.node.control_socket);
	return 0;
}

void
node_shutdown(struct node *n, unsigned int *in_use)
{
	NODE_LOG(NOTICE, "shutting down");
	if (n->timer_on)
		rte_timer_stop_sync(&n->housekeeping);
	metrics_stop();
	if (n->ctl != NULL) {
		ping_free_all(n);
		mix_stop(n);
		mesh_stop(n);
		link_stop(n);
		vh_ctl_destroy(n->ctl);
		n->ctl = NULL;
	}
	if (n->epfd >= 0)
		close(n->epfd);
	if (n->dp != NULL)
		vh_dp_stop(n->dp);
	hoststack_free_pending(n);
	for (unsigned int i = 0; i < VH_DP_MAX_PORTS; i++) {
		vh_net_neigh_destroy(n->neigh[i]);
		n->neigh[i] = NULL;
	}
	rte_pdump_uninit();
	*in_use = 0;
	if (n->dp != NULL) {
		vh_dp_destroy(n->dp, in_use);
		n->dp = NULL;
		NODE_LOG(NOTICE, "shutdown complete: mbufs in use %u", *in_use);
	}
}
