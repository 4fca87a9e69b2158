/* SPDX-License-Identifier: BSD-3-Clause */
/* The host service's state: internal to lib/net/service. */
#ifndef VH_HOST_PRIV_H
#define VH_HOST_PRIV_H

#include "vh_host.h"

#define HOST_COUNTERS(X)     \
	X(arp_replies)       \
	X(arp_requests_sent) \
	X(nd_replies)        \
	X(nd_solicits_sent)  \
	X(icmp_echo_replies) \
	X(neigh_learned)     \
	X(neigh_failed)      \
	X(pending_queued)    \
	X(pending_sent)      \
	X(pending_dropped)   \
	X(inject_failed)     \
	X(replies_to_src_mac)

struct host_counters {
	HOST_COUNTERS(VH_NODE_COUNTER_FIELD)
};

#define HOST_PENDING_MAX 64

/* A frame waiting for its next hop's MAC address. */
struct host_pending {
	struct rte_mbuf *m; /* NULL = free slot */
	unsigned int port;
	uint8_t family;
	uint8_t addr[16];
	uint64_t deadline_ms;
};

struct vh_host {
	struct vh_node *node;
	struct vh_dp *dp;
	struct vh_net_neigh *neigh[VH_DP_MAX_PORTS];
	struct host_pending pending[HOST_PENDING_MAX];
	uint64_t neigh_expired_ms; /* last neighbour-cache expiry pass */
	struct host_counters cnt;
};

/* hoststack.c */
void host_heard(struct vh_host *h, struct rte_mbuf *m);
void host_input(struct vh_host *h, struct rte_mbuf *m);
void host_tick(struct vh_host *h, uint64_t now_ms);
void host_free_pending(struct vh_host *h);

#endif /* VH_HOST_PRIV_H */
