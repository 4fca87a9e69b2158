/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Link sessions for the workers: one slot per receiver index (modulo the
 * table size), written only by the control lcore and read lock-free by the
 * workers; a replaced or removed session, or a replaced endpoint, is freed
 * through an rte_rcu_qsbr defer queue once every graph lcore has finished
 * the burst that might still use it. Defer-queue entries are tagged
 * pointers: bit 0 set for an endpoint (both are cache-line aligned).
 */
#include <string.h>

#include <rte_malloc.h>

#include "dp_priv.h"
#include "dp_session.h"

static void
session_wipe(struct dp_session *s)
{
	explicit_bzero(s->recv_key, sizeof(s->recv_key));
	explicit_bzero(s->send_key, sizeof(s->send_key));
	rte_free(s->ep);
	rte_free(s);
}

static void
retired_free(void *p, void *e, unsigned int n)
{
	uintptr_t *list = e;

	RTE_SET_USED(p);
	for (unsigned int i = 0; i < n; i++) {
		if (list[i] & 1)
			rte_free((void *)(list[i] & ~(uintptr_t)1));
		else
			session_wipe((struct dp_session *)list[i]);
	}
}

int
dp_sessions_init(struct vh_dp *dp)
{
	char name[RTE_RING_NAMESIZE];
	struct rte_rcu_qsbr_dq_parameters prm = {
		.name = name,
		.flags = RTE_RCU_QSBR_DQ_MT_UNSAFE, /* only the control lcore frees */
		.size = 2 * VH_DP_SESSIONS,
		.esize = sizeof(uintptr_t),
		.trigger_reclaim_limit = VH_DP_SESSIONS / 8,
		.max_reclaim_size = VH_DP_SESSIONS,
		.free_fn = retired_free,
	};
	size_t sz = rte_rcu_qsbr_get_memsize(dp->n_lcores);

	dp_name(dp, name, sizeof(name), "vh_sessions"); /* its ring's name */
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
			session_wipe(dp->sessions[i]);
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

/* Free a session (tag 0) or an endpoint (tag 1) once no worker can see it. */
static int
retire(struct vh_dp *dp, void *obj, uintptr_t tag)
{
	uintptr_t e = (uintptr_t)obj | tag;

	if (obj == NULL)
		return 0;
	if (rte_rcu_qsbr_dq_enqueue(dp->dq, &e) != 0) {
		/* queue full: wait for the readers instead of leaking */
		/* in single-lcore mode this thread is reader 0 itself */
		rte_rcu_qsbr_synchronize(dp->qs, vh_dp_is_single(dp) ? 0 : RTE_QSBR_THRID_INVALID);
		retired_free(NULL, &e, 1);
	}
	return 0;
}

static struct dp_endpoint *
endpoint_new(const struct vh_dp *dp, const struct vh_dp_session_conf *c)
{
	struct dp_endpoint *ep;

	if (c->port_idx >= dp->conf.n_ports || (c->ip_ver != 4 && c->ip_ver != 6)) {
		rte_errno = EINVAL;
		return NULL;
	}
	ep = rte_zmalloc("vh_endpoint", sizeof(*ep), RTE_CACHE_LINE_SIZE);
	if (ep == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	ep->has_endpoint = true;
	ep->ip_ver = c->ip_ver;
	ep->port_idx = c->port_idx;
	ep->dst_port = c->dst_port;
	memcpy(ep->dst_mac, c->dst_mac, sizeof(ep->dst_mac));
	memcpy(ep->dst_ip, c->dst_ip, sizeof(ep->dst_ip));
	return ep;
}

int
vh_dp_session_install(struct vh_dp *dp, const struct vh_dp_session_conf *c)
{
	struct dp_session **slot, *s, *old;
	struct dp_endpoint *ep = NULL;

	if (dp == NULL || c == NULL)
		return -EINVAL;
	slot = &dp->sessions[c->local_index % VH_DP_SESSIONS];
	old = *slot;
	if (old != NULL && old->local_index != c->local_index)
		return -EEXIST;
	if (c->has_endpoint && (ep = endpoint_new(dp, c)) == NULL)
		return -rte_errno;
	s = rte_zmalloc("vh_session", sizeof(*s), RTE_CACHE_LINE_SIZE);
	if (s == NULL) {
		rte_free(ep);
		return -ENOMEM;
	}
	s->local_index = c->local_index;
	s->remote_index = c->remote_index;
	memcpy(s->recv_key, c->recv_key, sizeof(s->recv_key));
	memcpy(s->send_key, c->send_key, sizeof(s->send_key));
	s->send_counter = c->send_counter;
	s->ep = ep;
	rte_spinlock_init(&s->replay_lock);
	/* the replay window starts empty: rte_zmalloc zeroed it */
	__atomic_store_n(slot, s, __ATOMIC_RELEASE);
	return retire(dp, old, 0);
}

int
vh_dp_session_set_endpoint(struct vh_dp *dp, const struct vh_dp_session_conf *c)
{
	struct dp_session *s;
	struct dp_endpoint *ep, *old;

	if (dp == NULL || c == NULL || !c->has_endpoint)
		return -EINVAL;
	s = dp_session_find(dp, c->local_index);
	if (s == NULL)
		return -ENOENT;
	ep = endpoint_new(dp, c);
	if (ep == NULL)
		return -rte_errno;
	old = s->ep;
	__atomic_store_n(&s->ep, ep, __ATOMIC_RELEASE);
	return retire(dp, old, 1);
}

/*
 * The control lcore's share of the window: the same state and lock the
 * workers use, so a frame opened on either side is accepted once.
 */
static int
replay_op(struct vh_dp *dp, uint32_t local_index, uint64_t counter, bool update)
{
	struct dp_session *s = dp_session_find(dp, local_index);
	int rc;

	if (s == NULL)
		return -ENOENT;
	if (!update)
		return dp_replay_check(&s->replay, counter);
	rte_spinlock_lock(&s->replay_lock);
	rc = dp_replay_update(&s->replay, counter);
	rte_spinlock_unlock(&s->replay_lock);
	if (rc < 0)
		__atomic_fetch_add(&s->replayed, 1, __ATOMIC_RELAXED);
	return rc;
}

int
vh_dp_session_replay_check(struct vh_dp *dp, uint32_t local_index, uint64_t counter)
{
	return dp == NULL ? -EINVAL : replay_op(dp, local_index, counter, false);
}

int
vh_dp_session_replay_update(struct vh_dp *dp, uint32_t local_index, uint64_t counter)
{
	return dp == NULL ? -EINVAL : replay_op(dp, local_index, counter, true);
}

int
vh_dp_session_remove(struct vh_dp *dp, uint32_t local_index)
{
	struct dp_session **slot = &dp->sessions[local_index % VH_DP_SESSIONS];
	struct dp_session *old = *slot;

	if (old == NULL || old->local_index != local_index)
		return -ENOENT;
	__atomic_store_n(slot, NULL, __ATOMIC_RELEASE);
	return retire(dp, old, 0);
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
