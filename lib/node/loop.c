/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control lcore's event loop: never blocks for more than the idle
 * back-off ceiling. Each round walks the graph (single-lcore mode), takes
 * punted packets, runs due timers and, when the control socket has work or
 * the node is idle, waits in epoll — the sleep doubles up to
 * idle_sleep_max_us while nothing happens, so an idle node costs next to no
 * CPU, and any request or packet brings it straight back to polling.
 */
#include <sys/epoll.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_timer.h>

#include "node_priv.h"

#define PUNT_BURST 32
/* With work pending, look at the control socket at least this often. */
#define EPOLL_EVERY_US 200
#define IDLE_ROUNDS 64

static unsigned int
punt_poll(struct vh_node *n)
{
	struct rte_mbuf *pkts[PUNT_BURST];
	unsigned int got = vh_dp_punt_dequeue(n->dp, pkts, PUNT_BURST);

	n->cnt.punt_rx += got;
	for (unsigned int i = 0; i < got; i++)
		node_punt_input(n, pkts[i]);
	return got;
}

struct backoff {
	uint32_t idle_rounds;
	uint32_t sleep_us;
	uint64_t last_epoll_tsc;
};

/* How long the next epoll wait may sleep, in microseconds. */
static uint32_t
backoff_next(struct vh_node *n, struct backoff *b, unsigned int work)
{
	if (work != 0 || n->cfg.lcores.idle == VH_CONFIG_IDLE_POLL) {
		b->idle_rounds = 0;
		b->sleep_us = 0;
		return 0;
	}
	if (++b->idle_rounds < IDLE_ROUNDS)
		return 0;
	b->sleep_us =
		b->sleep_us == 0 ? 1 : RTE_MIN(b->sleep_us * 2, n->cfg.lcores.idle_sleep_max_us);
	return b->sleep_us;
}

static unsigned int
wait_events(struct vh_node *n, struct backoff *b, uint32_t sleep_us)
{
	uint64_t now = rte_rdtsc();
	struct epoll_event ev[4];
	struct timespec ts;
	int k;

	if (sleep_us == 0 && now - b->last_epoll_tsc < rte_get_tsc_hz() / 1000000 * EPOLL_EVERY_US)
		return 0;
	b->last_epoll_tsc = now;
	ts.tv_sec = sleep_us / 1000000;
	ts.tv_nsec = (long)(sleep_us % 1000000) * 1000;
	k = epoll_pwait2(n->epfd, ev, RTE_DIM(ev), &ts, NULL);
	if (k <= 0)
		return 0;
	vh_ctl_poll(n->ctl, vh_node_now_ms());
	return 1;
}

static void
rounds(struct vh_node *n)
{
	for (unsigned int i = 0; i < n->n_svc; i++)
		if (n->svc[i].started && n->svc[i].ops.round != NULL)
			n->svc[i].ops.round(n->svc[i].ctx);
}

unsigned int
vh_node_poll(struct vh_node *n)
{
	unsigned int work = 0;

	if (vh_dp_is_single(n->dp))
		work += vh_dp_walk(n->dp);
	rounds(n);
	work += punt_poll(n);
	return work;
}

int
vh_node_run(struct vh_node *n)
{
	struct backoff b = {0};
	uint32_t sleep_us = 0;

	while (!n->stop) {
		unsigned int work = vh_node_poll(n);

		rte_timer_manage();
		work += wait_events(n, &b, sleep_us);
		sleep_us = backoff_next(n, &b, work);
	}
	return 0;
}
