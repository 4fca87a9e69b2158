/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Valhalla data plane: ports, the per-lcore rte_graph of layer nodes, the
 * rings between workers and the control lcore, and the counters operators
 * read. The control lcore creates and destroys it; workers only run it.
 */
#ifndef VH_DP_H
#define VH_DP_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "vh_core.h"
#include "vh_net.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VH_DP_MAX_PORTS 8
#define VH_DP_MAX_WORKERS 16
#define VH_DP_NAME_LEN 16
#define VH_DP_DEVARGS_LEN 256

/** One port as the data plane needs it. */
struct vh_dp_port_conf {
	char name[VH_DP_NAME_LEN];
	char devargs[VH_DP_DEVARGS_LEN];
	struct vh_net_if ifc; /**< addresses; mac ignored unless has_mac */
	bool has_mac;
	uint16_t mtu;
	uint16_t rx_desc;
	uint16_t tx_desc;
};

/** Idle behaviour of a polling loop. */
enum vh_dp_idle {
	VH_DP_IDLE_POLL,     /**< spin: lowest latency, a whole core */
	VH_DP_IDLE_ADAPTIVE, /**< sleep longer the longer nothing arrives */
};

/** What vh_dp_create() needs. */
struct vh_dp_conf {
	unsigned int n_ports;
	struct vh_dp_port_conf ports[VH_DP_MAX_PORTS];
	unsigned int n_workers; /**< 0: single-lcore mode on the main lcore */
	unsigned int workers[VH_DP_MAX_WORKERS];
	enum vh_dp_idle idle;
	uint32_t idle_sleep_max_us;
	uint32_t mbufs;
	uint32_t mbuf_cache;
	uint16_t udp_port;
};

/**
 * Per-packet metadata the nodes pass along, kept in the mbuf's private area
 * so no node parses a header twice.
 */
struct vh_dp_meta {
	struct vh_net_pkt pkt; /**< what classify learned */
	uint16_t reason;       /**< enum vh_drop, set before enqueue to vh_drop */
	uint16_t port_idx;     /**< index of the receiving port in the config */
};

/** The metadata of a data-plane mbuf. */
static inline struct vh_dp_meta *
vh_dp_meta(struct rte_mbuf *m)
{
	return (struct vh_dp_meta *)rte_mbuf_to_priv(m);
}

/** Per-lcore counters, as summed or reported to operators. */
struct vh_dp_lcore_stats {
	unsigned int lcore;
	const char *role; /**< "worker", "single" */
	uint64_t rx_packets;
	uint64_t tx_packets;
	uint64_t punted;
	uint64_t injected;
	uint64_t dropped;
	uint64_t loops;
	uint64_t idle_sleeps;
	uint64_t drops[VH_DROP_MAX];
};

struct vh_dp;

/**
 * Build the data plane after rte_eal_init(): mempool, ports (probed from
 * their devargs, configured, started), rings and one graph per worker.
 *
 * @return the data plane, or NULL with rte_errno set; the reason is logged.
 */
struct vh_dp *vh_dp_create(const struct vh_dp_conf *conf);

/**
 * Start the worker lcores (multi-lcore mode); no-op in single-lcore mode.
 *
 * @return 0 or a negative errno.
 */
int vh_dp_launch(struct vh_dp *dp);

/** True when the graph runs on the main lcore between control-loop rounds. */
bool vh_dp_is_single(const struct vh_dp *dp);

/**
 * Single-lcore mode: walk the main lcore's graph once.
 *
 * @return the number of packets received in this walk.
 */
unsigned int vh_dp_walk(struct vh_dp *dp);

/**
 * Ask workers to stop after their current burst and wait for them. Ports
 * stay configured so the caller can drain what is in flight.
 */
void vh_dp_stop(struct vh_dp *dp);

/**
 * Drain rings, stop and close ports, free graphs and the mempool.
 *
 * @param in_use set to the mbufs still out when the ports were closed
 *   (must be 0: anything else is a leak).
 */
void vh_dp_destroy(struct vh_dp *dp, unsigned int *in_use);

/**
 * Take packets the workers punted to the control lcore.
 *
 * @return number of mbufs stored in pkts (the caller owns them).
 */
unsigned int vh_dp_punt_dequeue(struct vh_dp *dp, struct rte_mbuf **pkts, unsigned int n);

/**
 * Hand a complete frame to the data plane for sending on port
 * m->port. Takes ownership of m in every case.
 *
 * @return 0, or -ENOBUFS when the ring to the worker was full (m freed and
 *   counted as a drop).
 */
int vh_dp_inject(struct vh_dp *dp, struct rte_mbuf *m);

/** Mempool for frames the control lcore builds. */
struct rte_mempool *vh_dp_mempool(struct vh_dp *dp);

/** Number of ports. */
unsigned int vh_dp_port_count(const struct vh_dp *dp);

/** DPDK port id of port index i, or -1. */
int vh_dp_port_id(const struct vh_dp *dp, unsigned int i);

/** Configuration (with the effective MAC) of port index i, or NULL. */
const struct vh_dp_port_conf *vh_dp_port(const struct vh_dp *dp, unsigned int i);

/** Port index of a DPDK port id, or -1. */
int vh_dp_port_index(const struct vh_dp *dp, uint16_t port_id);

/** Number of lcores running the graph (workers, or 1 in single mode). */
unsigned int vh_dp_lcore_count(const struct vh_dp *dp);

/**
 * Counters of graph lcore i (0 .. vh_dp_lcore_count()-1). Reads are racy
 * by design: each counter is written by one lcore and read whole.
 */
void vh_dp_lcore_stats(const struct vh_dp *dp, unsigned int i, struct vh_dp_lcore_stats *st);

/** Count a drop the control lcore made on the data plane's behalf. */
void vh_dp_count_drop(struct vh_dp *dp, enum vh_drop reason);

/** Drops counted by the control lcore itself (per reason). */
const uint64_t *vh_dp_control_drops(const struct vh_dp *dp);

/**
 * Visit every node of every graph: callback(lcore, node name, calls, objs,
 * cycles, arg).
 */
void vh_dp_graph_stats(const struct vh_dp *dp,
	void (*cb)(unsigned int lcore, const char *node, uint64_t calls, uint64_t objs,
		uint64_t cycles, void *arg),
	void *arg);

/** Configured idle mode and back-off ceiling. */
enum vh_dp_idle vh_dp_idle_mode(const struct vh_dp *dp);

/** Mbufs currently out of the pool (in rings, queues or in use). */
unsigned int vh_dp_mbufs_in_use(const struct vh_dp *dp);

/** Mbufs available in the pool. */
unsigned int vh_dp_mbufs_avail(const struct vh_dp *dp);

/** The log type of the data-plane library. */
extern int vh_dp_logtype;

#ifdef __cplusplus
}
#endif

#endif /* VH_DP_H */
