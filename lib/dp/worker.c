/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Worker loops. Several nodes may share a 2-core machine, so an idle worker
 * backs off: after DP_IDLE_SPINS empty walks it sleeps, doubling the sleep
 * up to idle_sleep_max_us, and returns to full polling at the first packet.
 */
#include <time.h>

#include "dp_priv.h"

void
dp_idle(struct dp_lcore *lc, unsigned int work)
{
	const struct vh_dp_conf *c = &lc->dp->conf;
	struct timespec ts;

	if (work != 0 || c->idle == VH_DP_IDLE_POLL) {
		lc->idle_spins = 0;
		lc->sleep_us = 0;
		return;
	}
	if (++lc->idle_spins < DP_IDLE_SPINS)
		return;
	lc->sleep_us = lc->sleep_us == 0 ? 1 : RTE_MIN(lc->sleep_us * 2, c->idle_sleep_max_us);
	ts.tv_sec = lc->sleep_us / 1000000;
	ts.tv_nsec = (long)(lc->sleep_us % 1000000) * 1000;
	nanosleep(&ts, NULL);
	lc->idle_sleeps++;
}

static inline unsigned int
walk(struct dp_lcore *lc)
{
	lc->work = 0;
	rte_graph_walk(lc->graph);
	/* nothing from this burst (sessions included) is held past this point */
	rte_rcu_qsbr_quiescent(lc->dp->qs, lc->index);
	lc->loops++;
	return lc->work;
}

int
dp_worker_main(void *arg)
{
	struct dp_lcore *lc = arg;

	DP_LOG(INFO, "worker lcore %u running, %u rx queues", lc->lcore_id, lc->n_rxq);
	rte_rcu_qsbr_thread_online(lc->dp->qs, lc->index);
	while (lc->dp->running)
		dp_idle(lc, walk(lc));
	rte_rcu_qsbr_thread_offline(lc->dp->qs, lc->index);
	DP_LOG(INFO, "worker lcore %u stopped", lc->lcore_id);
	return 0;
}

unsigned int
vh_dp_walk(struct vh_dp *dp)
{
	return walk(&dp->lcores[0]);
}
