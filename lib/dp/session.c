/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Link sessions for the workers: one slot per receiver index (modulo the
 * table size), written only by the control lcore and read lock-free by the
 * workers; a replaced or removed session is freed through an rte_rcu_qsbr
 * defer queue once every graph lcore has finished the burst that might
 * still use it.
 */
#include <string.h>

#include <rte_malloc.h>

#include "dp_priv.h"

static void
session_free(void *p, void *e, unsigned int n)
{
	struct dp_session **list = e;

	RTE_SET_USED(p);
	for (unsigned int i = 0; i < n; i++) {
		explicit_bzero(list[i]->recv_key, sizeof(list[i]->recv_key));
		explicit_bzero(list[i]->send_key, sizeof(list[i]->send_key));
		rte_free(list[i]);
	}
}

int
dp_sessions_init(struct vh_dp *dp)
{
	struct rte_rcu_qsbr_dq_parameters prm = {
		.name = "vh_sessions",
		.flags = RTE_RCU_QSBR_DQ_MT_UNSAFE, /* only the control lcore frees */
		.size = VH_DP_SESSIONS,
		.esize = sizeof(struct dp_session *),
		.trigger_reclaim_limit = VH_DP_SESSIONS / 8,
		.max_reclaim_size = VH_DP_SESSIONS,
		.free_fn = session_free,
	};
	size_t sz = rte_rcu_qsbr_get_memsize(dp->n_lcores);

	dp->qs = rte_zmalloc("vh_qsbr", sz, RTE_CACHE_LINE_SIZE);
	if (dp->qs == NULL || rte_rcu_qsbr_init(dp->qs, dp->n_lcores) != 0)
		return -ENOMEM;
	for (unsigned int i = 0; i < dp->n_lcores; i++)
		rte_rcu_qsbr_thread_register(dp->qs, i);
	prm.v = dp->qs;
	dp->dq = rte_rcu_qsbr_dq_create(&prm);
	return dp->dq == NULL ? -ENOMEM : 0;
}

/* After the graph lcores stopped: nothing reads the table any more. */
void
dp_sessions_free(struct vh_dp *dp)
{
	for (unsigned int i = 0; i < VH_DP_SESSIONS; i++) {
		if (dp->sessions[i] != NULL)
			session_free(NULL, &dp->sessions[i], 1);
		dp->sessions[i] = NULL;
	}
	if (dp->dq != NULL) {
		for (unsigned int i = 0; i < dp->n_lcores; i++)
			rte_rcu_qsbr_thread_offline(dp->qs, i);
		rte_rcu_qsbr_dq_delete(dp->dq);
	}
	dp->dq = NULL;
	rte_free(dp->qs);
	dp->qs = NULL;
}

static int
retire(struct vh_dp *dp, struct dp_session *old)
{
	if (old == NULL)
		return 0;
	if (rte_rcu_qsbr_dq_enqueue(dp->dq, &old) != 0) {
		/* queue full: wait for the readers instead of leaking */
		/* in single-lcore mode this thread is reader 0 itself */
		rte_rcu_qsbr_synchronize(dp->qs, vh_dp_is_single(dp) ? 0 : RTE_QSBR_THRID_INVALID);
		session_free(NULL, &old, 1);
	}
	return 0;
}

int
vh_dp_session_install(struct vh_dp *dp, const struct vh_dp_session_conf *c)
{
	struct dp_session **slot, *s, *old;

	if (dp == NULL || c == NULL ||
		(c->has_endpoint &&
			(c->port_idx >= dp->conf.n_ports || (c->ip_ver != 4 && c->ip_ver != 6))))
		return -EINVAL;
	slot = &dp->sessions[c->local_index % VH_DP_SESSIONS];
	old = *slot;
	if (old != NULL && old->local_index != c->local_index)
		return -EEXIST;
	s = rte_zmalloc("vh_session", sizeof(*s), RTE_CACHE_LINE_SIZE);
	if (s == NULL)
		return -ENOMEM;
	s->local_index = c->local_index;
	s->remote_index = c->remote_index;
	memcpy(s->recv_key, c->recv_key, sizeof(s->recv_key));
	memcpy(s->send_key, c->send_key, sizeof(s->send_key));
	s->send_counter = c->send_counter;
	s->ep.has_endpoint = c->has_endpoint;
	s->ep.ip_ver = c->ip_ver;
	s->ep.port_idx = c->port_idx;
	s->ep.dst_port = c->dst_port;
	memcpy(s->ep.dst_mac, c->dst_mac, sizeof(s->ep.dst_mac));
	memcpy(s->ep.dst_ip, c->dst_ip, sizeof(s->ep.dst_ip));
	/* the replay window starts empty: rte_zmalloc zeroed it */
	__atomic_store_n(slot, s, __ATOMIC_RELEASE);
	return retire(dp, old);
}

int
vh_dp_session_remove(struct vh_dp *dp, uint32_t local_index)
{
	struct dp_session **slot = &dp->sessions[local_index % VH_DP_SESSIONS];
	struct dp_session *old = *slot;

	if (old == NULL || old->local_index != local_index)
		return -ENOENT;
	__atomic_store_n(slot, NULL, __ATOMIC_RELEASE);
	return retire(dp, old);
}

int
vh_dp_session_stats(struct vh_dp *dp, uint32_t local_index, struct vh_dp_session_stats *st)
{
	const struct dp_session *s = dp_session_find(dp, local_index);

	if (s == NULL)
		return -ENOENT;
	st->rx_packets = __atomic_load_n(&s->rx_packets, __ATOMIC_RELAXED);
	st->rx_bytes = __atomic_load_n(&s->rx_bytes, __ATOMIC_RELAXED);
	st->tx_packets = __atomic_load_n(&s->tx_packets, __ATOMIC_RELAXED);
	st->tx_bytes = __atomic_load_n(&s->tx_bytes, __ATOMIC_RELAXED);
	st->auth_failed = __atomic_load_n(&s->auth_failed, __ATOMIC_RELAXED);
	st->replayed = __atomic_load_n(&s->replayed, __ATOMIC_RELAXED);
	st->rx_keepalives = __atomic_load_n(&s->rx_keepalives, __ATOMIC_RELAXED);
	st->src_ip_ver = __atomic_load_n(&s->src_ip_ver, __ATOMIC_ACQUIRE);
	st->src_port = s->src_port;
	memcpy(st->src_ip, s->src_ip, sizeof(st->src_ip));
	st->send_counter = __atomic_load_n(&s->send_counter, __ATOMIC_RELAXED);
	return 0;
}

int
vh_dp_session_reserve(struct vh_dp *dp, uint32_t local_index, uint32_t n, uint64_t *first)
{
	struct dp_session *s = dp_session_find(dp, local_index);

	if (s == NULL || first == NULL)
		return -ENOENT;
	*first = __atomic_fetch_add(&s->send_counter, n, __ATOMIC_RELAXED);
	return 0;
}

void
vh_dp_reclaim(struct vh_dp *dp)
{
	if (dp->dq != NULL)
		rte_rcu_qsbr_dq_reclaim(dp->dq, VH_DP_SESSIONS, NULL, NULL, NULL);
}

size_t
vh_dp_session_size(void)
{
	return sizeof(struct dp_session);
}
