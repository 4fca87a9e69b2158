/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The node's life: made from a config, started (data plane, control socket,
 * services in order, workers), stopped in reverse, freed without a leak.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_pdump.h>

#include "node_priv.h"

RTE_LOG_REGISTER(vh_node_logtype, valhalla.node, INFO);

#define HOUSEKEEPING_HZ 100

/*
 * The clock every layer reads. Process-wide, not per node: the services
 * read it through vh_node_now_ms() without a node handle, and nodes in one
 * process share one time anyway (docs/decisions/0017-fake-clock.md).
 */
static uint64_t (*clock_fn)(void *ctx);
static void *clock_ctx;

void
vh_node_set_clock(uint64_t (*now_ns)(void *ctx), void *ctx)
{
	clock_ctx = ctx;
	clock_fn = now_ns;
}

uint64_t
vh_node_now_ns(void)
{
	struct timespec ts;

	if (clock_fn != NULL)
		return clock_fn(clock_ctx);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t
vh_node_now_ms(void)
{
	return vh_node_now_ns() / 1000000ull;
}

static const char *const node_names[] = {NODE_COUNTERS(VH_NODE_COUNTER_NAME)};

struct vh_node *
vh_node_create(const struct vh_config *cfg, const struct vh_identity *id)
{
	struct vh_node *n;

	if (cfg == NULL || id == NULL) {
		rte_errno = EINVAL;
		return NULL;
	}
	n = calloc(1, sizeof(*n));
	if (n == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	n->cfg = *cfg;
	n->id = *id;
	n->epfd = -1;
	/* a fresh Noise static key per start, signed by the identity key */
	if (!n->id.has_noise && vh_identity_noise_init(&n->id, NULL) != 0) {
		vh_identity_wipe(&n->id);
		free(n);
		rte_errno = EINVAL;
		return NULL;
	}
	vh_identity_nodeid_format(n->id.nodeid, n->node_id, sizeof(n->node_id));
	vh_node_counters_add(n, "node", node_names, (const uint64_t *)&n->cnt, RTE_DIM(node_names));
	return n;
}

int
vh_node_service_add(struct vh_node *n, const struct vh_node_service *svc)
{
	if (n == NULL || svc == NULL || svc->name == NULL || svc->init == NULL)
		return -EINVAL;
	for (unsigned int i = 0; i < n->n_svc; i++)
		if (strcmp(n->svc[i].ops.name, svc->name) == 0)
			return -EEXIST;
	if (n->n_svc == VH_NODE_MAX_SERVICES)
		return -ENOSPC;
	n->svc[n->n_svc++].ops = *svc;
	return 0;
}

void *
vh_node_service(const struct vh_node *n, const char *name)
{
	for (unsigned int i = 0; n != NULL && i < n->n_svc; i++)
		if (n->svc[i].inited && strcmp(n->svc[i].ops.name, name) == 0)
			return n->svc[i].ctx;
	return NULL;
}

const struct vh_config *
vh_node_config(const struct vh_node *n)
{
	return &n->cfg;
}

const struct vh_identity *
vh_node_identity(const struct vh_node *n)
{
	return &n->id;
}

const char *
vh_node_id_text(const struct vh_node *n)
{
	return n->node_id;
}

struct vh_dp *
vh_node_dp(const struct vh_node *n)
{
	return n->dp;
}

struct vh_ctl *
vh_node_ctl(const struct vh_node *n)
{
	return n->ctl;
}

uint64_t
vh_node_uptime_ms(const struct vh_node *n)
{
	return vh_node_now_ms() - n->start_ms;
}

bool
vh_node_request_stop(struct vh_node *n)
{
	bool was = n->stop;

	n->stop = true;
	return was;
}

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

void
vh_node_tick(struct vh_node *n)
{
	uint64_t now = vh_node_now_ms();

	for (unsigned int i = 0; i < n->n_svc; i++)
		if (n->svc[i].started && n->svc[i].ops.tick != NULL)
			n->svc[i].ops.tick(n->svc[i].ctx, now);
	/* idle-connection timeouts need a poll even when no fd is ready */
	vh_ctl_poll(n->ctl, now);
}

static void
housekeeping(struct rte_timer *t, void *arg)
{
	RTE_SET_USED(t);
	vh_node_tick(arg);
}

static int
start_control(struct vh_node *n)
{
	struct epoll_event ev = {.events = EPOLLIN};

	n->ctl = vh_ctl_create(n->cfg.node.control_socket, NULL);
	if (n->ctl == NULL) {
		VH_NODE_LOG(ERR, "control socket %s: %s", n->cfg.node.control_socket,
			errno == EADDRINUSE ? "another node is already running there"
					    : strerror(errno));
		return -EADDRINUSE;
	}
	if (node_cmds_register(n) != 0)
		return -EINVAL;
	n->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (n->epfd < 0 || epoll_ctl(n->epfd, EPOLL_CTL_ADD, vh_ctl_fd(n->ctl), &ev) != 0) {
		VH_NODE_LOG(ERR, "epoll: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

static int
start_services(struct vh_node *n)
{
	int rc;

	for (unsigned int i = 0; i < n->n_svc; i++) {
		struct node_svc *s = &n->svc[i];

		rc = s->ops.init(n, &s->ctx);
		/* a half-made state is freed with the others */
		s->inited = rc == 0 || s->ctx != NULL;
		if (rc != 0) {
			VH_NODE_LOG(ERR, "service %s: %s", s->ops.name, strerror(-rc));
			return rc;
		}
	}
	for (unsigned int i = 0; i < n->n_svc; i++) {
		struct node_svc *s = &n->svc[i];

		rc = s->ops.start != NULL ? s->ops.start(s->ctx) : 0;
		if (rc != 0) {
			VH_NODE_LOG(
				ERR, "service %s did not start: %s", s->ops.name, strerror(-rc));
			return rc;
		}
		s->started = true;
	}
	return 0;
}

int
vh_node_start(struct vh_node *n)
{
	struct vh_dp_conf dc;
	int rc;

	n->start_ms = vh_node_now_ms();
	dp_conf(&n->cfg, &dc);
	n->dp = vh_dp_create(&dc);
	if (n->dp == NULL) {
		VH_NODE_LOG(ERR, "data plane not started: %s", rte_strerror(rte_errno));
		return -rte_errno;
	}
	n->pdump_on = rte_pdump_init() == 0;
	if (!n->pdump_on)
		VH_NODE_LOG(WARNING, "packet capture (rte_pdump) unavailable: %s",
			rte_strerror(rte_errno));
	rc = start_control(n);
	if (rc == 0)
		rc = start_services(n);
	if (rc == 0)
		rc = node_metrics_start(n);
	if (rc == 0 && n->cfg.telemetry.enabled && node_telemetry_register(n) != 0)
		VH_NODE_LOG(WARNING, "telemetry commands not registered");
	if (rc != 0)
		return rc;
	rte_timer_subsystem_init();
	rte_timer_init(&n->housekeeping);
	rte_timer_reset(&n->housekeeping, rte_get_timer_hz() / HOUSEKEEPING_HZ, PERIODICAL,
		rte_lcore_id(), housekeeping, n);
	n->timer_on = true;
	if (vh_dp_launch(n->dp) != 0)
		return -EIO;
	VH_NODE_LOG(NOTICE, "node %s up: %u port(s), %s mode, control socket %s", n->cfg.node.name,
		vh_dp_port_count(n->dp), vh_dp_is_single(n->dp) ? "single-lcore" : "multi-lcore",
		n->cfg.node.control_socket);
	return 0;
}

static void
stop_services(struct vh_node *n)
{
	for (unsigned int i = n->n_svc; i-- > 0;) {
		struct node_svc *s = &n->svc[i];

		if (s->inited && s->ops.stop != NULL)
			s->ops.stop(s->ctx);
		s->started = false;
	}
}

static void
free_services(struct vh_node *n)
{
	for (unsigned int i = n->n_svc; i-- > 0;) {
		struct node_svc *s = &n->svc[i];

		if (s->inited && s->ops.free != NULL)
			s->ops.free(s->ctx);
		s->inited = false;
		s->ctx = NULL;
	}
}

void
vh_node_destroy(struct vh_node *n, unsigned int *in_use)
{
	*in_use = 0;
	if (n == NULL)
		return;
	VH_NODE_LOG(NOTICE, "shutting down");
	if (n->timer_on)
		rte_timer_stop_sync(&n->housekeeping);
	node_metrics_stop(n);
	node_telemetry_unregister();
	stop_services(n);
	if (n->ctl != NULL)
		vh_ctl_destroy(n->ctl);
	n->ctl = NULL;
	if (n->epfd >= 0)
		close(n->epfd);
	if (n->dp != NULL)
		vh_dp_stop(n->dp);
	free_services(n);
	if (n->pdump_on)
		rte_pdump_uninit();
	if (n->dp != NULL) {
		vh_dp_destroy(n->dp, in_use);
		VH_NODE_LOG(NOTICE, "shutdown complete: mbufs in use %u", *in_use);
	}
	vh_identity_wipe(&n->id);
	free(n);
}
