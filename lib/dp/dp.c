/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Data-plane lifetime: mempool, ports, rings, graphs; the hand-over between
 * the control lcore and the graph lcores; counter read-out.
 */
#include <stdio.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "dp_priv.h"
#include "dp_fwd.h"

RTE_LOG_REGISTER(vh_dp_logtype, valhalla.dp, INFO);

/* Instances live in this process, one bit each (created on the control lcore only). */
static uint32_t dp_live;

void
dp_name(const struct vh_dp *dp, char *buf, size_t cap, const char *base)
{
	if (dp->inst == 0)
		snprintf(buf, cap, "%s", base);
	else
		snprintf(buf, cap, "%s.%u", base, dp->inst);
}

static int
take_instance(struct vh_dp *dp)
{
	for (dp->inst = 0; dp->inst < 32; dp->inst++)
		if (!(dp_live & (1u << dp->inst))) {
			dp_live |= 1u << dp->inst;
			return 0;
		}
	return -ENOSPC;
}

static int
make_pool(struct vh_dp *dp)
{
	char name[RTE_MEMPOOL_NAMESIZE];
	uint16_t mtu = 0;
	uint32_t room;

	for (unsigned int i = 0; i < dp->conf.n_ports; i++)
		mtu = RTE_MAX(mtu, dp->conf.ports[i].mtu);
	room = RTE_MAX((uint32_t)RTE_MBUF_DEFAULT_BUF_SIZE,
		(uint32_t)(mtu + RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN + 8 + RTE_PKTMBUF_HEADROOM));
	dp_name(dp, name, sizeof(name), "vh_mbuf");
	dp->pool = rte_pktmbuf_pool_create(name, dp->conf.mbufs, dp->conf.mbuf_cache,
		RTE_ALIGN(sizeof(struct vh_dp_meta), RTE_MBUF_PRIV_ALIGN), (uint16_t)room,
		(int)rte_socket_id());
	if (dp->pool == NULL) {
		DP_LOG(ERR, "cannot create mempool of %u mbufs: %s", dp->conf.mbufs,
			rte_strerror(rte_errno));
		return -rte_errno;
	}
	return 0;
}

static struct rte_ring *
make_ring(const struct vh_dp *dp, const char *what, unsigned int lcore)
{
	char base[RTE_RING_NAMESIZE], name[RTE_RING_NAMESIZE];

	snprintf(base, sizeof(base), "vh_%s_%u", what, lcore);
	dp_name(dp, name, sizeof(name), base);
	return rte_ring_create(name, DP_RING_SIZE, (int)rte_lcore_to_socket_id(lcore),
		RING_F_SP_ENQ | RING_F_SC_DEQ);
}

/* One AEAD engine per graph lcore: ipsec-mb managers are not shared. */
static struct vh_aead *
make_aead(const char *name)
{
	int kind = vh_aead_kind_from_name(name != NULL ? name : "ipsecmb");
	struct vh_aead *a;

	if (kind < 0) {
		DP_LOG(ERR, "unknown AEAD engine '%s'", name);
		rte_errno = EINVAL;
		return NULL;
	}
	a = vh_aead_create((enum vh_aead_kind)kind, NULL);
	if (a == NULL) {
		DP_LOG(ERR, "AEAD engine '%s' unavailable: %s", name != NULL ? name : "ipsecmb",
			strerror(errno));
		rte_errno = errno;
	}
	return a;
}

static int
make_lcores(struct vh_dp *dp)
{
	dp->n_lcores = dp->conf.n_workers == 0 ? 1 : dp->conf.n_workers;
	dp->lcores = rte_zmalloc(
		"vh_lcores", sizeof(struct dp_lcore) * dp->n_lcores, RTE_CACHE_LINE_SIZE);
	if (dp->lcores == NULL)
		return -ENOMEM;
	for (unsigned int i = 0; i < dp->n_lcores; i++) {
		struct dp_lcore *lc = &dp->lcores[i];

		lc->dp = dp;
		lc->index = i;
		lc->lcore_id = dp->conf.n_workers == 0 ? rte_get_main_lcore() : dp->conf.workers[i];
		if (dp->conf.n_workers != 0 && (!rte_lcore_is_enabled(lc->lcore_id) ||
						       lc->lcore_id == rte_get_main_lcore())) {
			DP_LOG(ERR, "worker lcore %u is not an enabled worker lcore (check -l)",
				lc->lcore_id);
			return -EINVAL;
		}
		lc->punt = make_ring(dp, "punt", lc->lcore_id);
		lc->inject = make_ring(dp, "inject", lc->lcore_id);
		if (lc->punt == NULL || lc->inject == NULL)
			return -rte_errno;
		lc->aead = make_aead(dp->conf.aead);
		if (lc->aead == NULL)
			return -rte_errno;
	}
	return 0;
}

struct vh_dp *
vh_dp_create(const struct vh_dp_conf *conf)
{
	struct vh_dp *dp;
	int rc;

	if (conf->n_ports == 0 || conf->n_ports > VH_DP_MAX_PORTS ||
		conf->n_workers > VH_DP_MAX_WORKERS) {
		rte_errno = EINVAL;
		return NULL;
	}
	dp = rte_zmalloc("vh_dp", sizeof(*dp), RTE_CACHE_LINE_SIZE);
	if (dp == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	dp->conf = *conf;
	rc = take_instance(dp);
	if (rc == 0)
		rc = make_pool(dp);
	if (rc == 0)
		rc = make_lcores(dp);
	if (rc == 0)
		rc = dp_sessions_init(dp);
	if (rc == 0)
		rc = dp_fwd_init(dp);
	if (rc == 0 && dp->conf.n_workers == 0)
		rte_rcu_qsbr_thread_online(dp->qs, 0); /* the main lcore walks the graph */
	if (rc == 0)
		rc = dp_ports_setup(dp);
	if (rc == 0)
		rc = dp_graphs_create(dp);
	if (rc != 0) {
		vh_dp_destroy(dp, NULL);
		rte_errno = -rc;
		return NULL;
	}
	dp->running = true;
	return dp;
}

int
vh_dp_launch(struct vh_dp *dp)
{
	if (dp->conf.n_workers == 0)
		return 0;
	for (unsigned int i = 0; i < dp->n_lcores; i++) {
		int rc = rte_eal_remote_launch(
			dp_worker_main, &dp->lcores[i], dp->lcores[i].lcore_id);

		if (rc != 0) {
			DP_LOG(ERR, "cannot launch worker on lcore %u: %s", dp->lcores[i].lcore_id,
				rte_strerror(-rc));
			vh_dp_stop(dp);
			return rc;
		}
	}
	dp->launched = true;
	return 0;
}

bool
vh_dp_is_single(const struct vh_dp *dp)
{
	return dp->conf.n_workers == 0;
}

void
vh_dp_stop(struct vh_dp *dp)
{
	dp->running = false;
	if (!dp->launched)
		return;
	for (unsigned int i = 0; i < dp->n_lcores; i++)
		rte_eal_wait_lcore(dp->lcores[i].lcore_id);
	dp->launched = false;
}

static void
drain_ring(struct rte_ring *r)
{
	void *objs[DP_BURST];
	unsigned int n;

	if (r == NULL)
		return;
	while ((n = rte_ring_dequeue_burst(r, objs, DP_BURST, NULL)) != 0)
		rte_pktmbuf_free_bulk((struct rte_mbuf **)objs, n);
	rte_ring_free(r);
}

void
vh_dp_destroy(struct vh_dp *dp, unsigned int *in_use)
{
	if (dp == NULL)
		return;
	vh_dp_stop(dp);
	dp_graphs_destroy(dp);
	for (unsigned int i = 0; dp->lcores != NULL && i < dp->n_lcores; i++) {
		drain_ring(dp->lcores[i].punt);
		drain_ring(dp->lcores[i].inject);
		vh_aead_destroy(dp->lcores[i].aead);
	}
	dp_fwd_free(dp);
	dp_sessions_free(dp);
	dp_ports_close(dp);
	if (in_use != NULL)
		*in_use = dp->pool != NULL ? rte_mempool_in_use_count(dp->pool) : 0;
	rte_mempool_free(dp->pool);
	rte_free(dp->lcores);
	if (dp->inst < 32)
		dp_live &= ~(1u << dp->inst);
	rte_free(dp);
}

unsigned int
vh_dp_punt_load(const struct vh_dp *dp)
{
	unsigned int worst = 0;

	for (unsigned int i = 0; i < dp->n_lcores; i++) {
		const struct rte_ring *r = dp->lcores[i].punt;
		unsigned int load = rte_ring_count(r) * 1024u / rte_ring_get_capacity(r);

		worst = RTE_MAX(worst, load);
	}
	return worst;
}

unsigned int
vh_dp_punt_dequeue(struct vh_dp *dp, struct rte_mbuf **pkts, unsigned int n)
{
	unsigned int got = 0;

	for (unsigned int i = 0; i < dp->n_lcores && got < n; i++)
		got += rte_ring_sc_dequeue_burst(
			dp->lcores[i].punt, (void **)&pkts[got], n - got, NULL);
	return got;
}

int
vh_dp_inject(struct vh_dp *dp, struct rte_mbuf *m)
{
	int idx = m->port < RTE_MAX_ETHPORTS ? dp->port_index[m->port] : -1;
	struct dp_lcore *lc;

	if (idx < 0) {
		rte_pktmbuf_free(m);
		return -EINVAL;
	}
	lc = &dp->lcores[dp->inject_lcore[idx]];
	if (rte_ring_sp_enqueue(lc->inject, m) != 0) {
		dp->control_drops[VH_DROP_PUNT_RING_FULL]++;
		rte_pktmbuf_free(m);
		return -ENOBUFS;
	}
	return 0;
}

struct rte_mempool *
vh_dp_mempool(struct vh_dp *dp)
{
	return dp->pool;
}

unsigned int
vh_dp_port_count(const struct vh_dp *dp)
{
	return dp->conf.n_ports;
}

int
vh_dp_port_id(const struct vh_dp *dp, unsigned int i)
{
	return i < dp->conf.n_ports ? dp->ports[i].port_id : -1;
}

const struct vh_dp_port_conf *
vh_dp_port(const struct vh_dp *dp, unsigned int i)
{
	return i < dp->conf.n_ports ? &dp->ports[i].conf : NULL;
}

int
vh_dp_port_index(const struct vh_dp *dp, uint16_t port_id)
{
	return port_id < RTE_MAX_ETHPORTS ? dp->port_index[port_id] : -1;
}

unsigned int
vh_dp_lcore_count(const struct vh_dp *dp)
{
	return dp->n_lcores;
}

void
vh_dp_lcore_stats(const struct vh_dp *dp, unsigned int i, struct vh_dp_lcore_stats *st)
{
	const struct dp_lcore *lc = &dp->lcores[i];

	st->lcore = lc->lcore_id;
	st->role = dp->conf.n_workers == 0 ? "single" : "worker";
	st->rx_packets = lc->rx_packets;
	st->tx_packets = lc->tx_packets;
	st->punted = lc->punted;
	st->injected = lc->injected;
	st->dropped = lc->dropped;
	st->loops = lc->loops;
	st->idle_sleeps = lc->idle_sleeps;
	memcpy(st->drops, lc->drops, sizeof(st->drops));
}

void
vh_dp_count_drop(struct vh_dp *dp, enum vh_drop reason)
{
	dp->control_drops[reason < VH_DROP_MAX ? reason : VH_DROP_NONE]++;
}

const uint64_t *
vh_dp_control_drops(const struct vh_dp *dp)
{
	return dp->control_drops;
}

enum vh_dp_idle
vh_dp_idle_mode(const struct vh_dp *dp)
{
	return dp->conf.idle;
}

unsigned int
vh_dp_mbufs_in_use(const struct vh_dp *dp)
{
	return rte_mempool_in_use_count(dp->pool);
}

unsigned int
vh_dp_mbufs_avail(const struct vh_dp *dp)
{
	return rte_mempool_avail_count(dp->pool);
}
