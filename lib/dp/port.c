/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ports: probed from the config's devargs (any PMD, vdev or PCI), given one
 * RX queue per graph lcore when the device can spread flows with RSS (or
 * every queue it has when it spreads them itself, as net_af_packet does),
 * and one TX queue per graph lcore when it has enough (else lcores share a
 * queue under a lock).
 */
#include <string.h>

#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_ethdev.h>

#include "dp_priv.h"

static int
probe(const char *devargs, uint16_t *port_id)
{
	struct rte_dev_iterator it;
	char name[RTE_ETH_NAME_MAX_LEN];
	uint16_t pid;
	int rc;

	/* a port that already exists under this name (probed by EAL from -a or
	 * --vdev, or made by the application) is used as it is */
	snprintf(name, sizeof(name), "%.*s", (int)strcspn(devargs, ","), devargs);
	if (rte_eth_dev_get_port_by_name(name, &pid) == 0) {
		*port_id = pid;
		return 0;
	}
	rc = rte_dev_probe(devargs);
	if (rc != 0 && rc != -EEXIST) {
		DP_LOG(ERR, "cannot probe device '%s': %s", devargs, rte_strerror(-rc));
		return rc;
	}
	RTE_ETH_FOREACH_MATCHING_DEV(pid, devargs, &it)
	{
		*port_id = pid;
		rte_eth_iterator_cleanup(&it);
		return 0;
	}
	DP_LOG(ERR, "device '%s' probed but no ethdev port matches it", devargs);
	return -ENODEV;
}

/*
 * net_af_packet opens one socket per queue pair (devargs qpairs=N) in a
 * PACKET_FANOUT_HASH group: the kernel spreads flows over all of them
 * whatever we configure, and reports no RSS. Every one must be polled, or
 * the flows hashed to an unpolled one are lost.
 */
static bool
spreads_itself(const struct rte_eth_dev_info *info)
{
	return info->driver_name != NULL && strcmp(info->driver_name, "net_af_packet") == 0;
}

static void
port_queue_plan(struct vh_dp *dp, struct dp_port *p, const struct rte_eth_dev_info *info,
	struct rte_eth_conf *ec)
{
	unsigned int want = dp->n_lcores;
	uint64_t rss = info->flow_type_rss_offloads & (RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP);

	memset(ec, 0, sizeof(*ec));
	p->n_rxq = 1;
	if (spreads_itself(info) && info->max_rx_queues > 1) {
		p->n_rxq = info->max_rx_queues;
	} else if (want > 1 && info->max_rx_queues >= want && rss != 0) {
		p->n_rxq = (uint16_t)want;
		ec->rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		ec->rx_adv_conf.rss_conf.rss_hf = rss;
	}
	/* let the NIC verify checksums when it can: classify skips what it marks GOOD */
	ec->rxmode.offloads = info->rx_offload_capa &
			      (RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_UDP_CKSUM);
	p->n_txq = (uint16_t)RTE_MIN(want, (unsigned int)info->max_tx_queues);
	if (p->n_txq == 0)
		p->n_txq = 1;
}

static int
port_queues(struct vh_dp *dp, struct dp_port *p)
{
	uint16_t nrx = p->conf.rx_desc, ntx = p->conf.tx_desc;
	int socket = rte_eth_dev_socket_id(p->port_id);
	int rc;

	rc = rte_eth_dev_adjust_nb_rx_tx_desc(p->port_id, &nrx, &ntx);
	if (rc != 0)
		return rc;
	for (uint16_t q = 0; q < p->n_rxq; q++) {
		rc = rte_eth_rx_queue_setup(p->port_id, q, nrx, socket, NULL, dp->pool);
		if (rc != 0)
			return rc;
	}
	for (uint16_t q = 0; q < p->n_txq; q++) {
		rc = rte_eth_tx_queue_setup(p->port_id, q, ntx, socket, NULL);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int
port_addresses(struct dp_port *p)
{
	struct rte_ether_addr mac;
	int rc;

	if (p->conf.has_mac) {
		memcpy(mac.addr_bytes, p->conf.ifc.mac, RTE_ETHER_ADDR_LEN);
		rc = rte_eth_dev_default_mac_addr_set(p->port_id, &mac);
		if (rc != 0)
			DP_LOG(WARNING, "port %s: cannot set MAC (%s); answering for it anyway",
				p->conf.name, rte_strerror(-rc));
	} else {
		rc = rte_eth_macaddr_get(p->port_id, &mac);
		if (rc != 0)
			return rc;
		memcpy(p->conf.ifc.mac, mac.addr_bytes, RTE_ETHER_ADDR_LEN);
	}
	vh_net_if_init(&p->conf.ifc);
	return 0;
}

static int
port_setup(struct vh_dp *dp, struct dp_port *p)
{
	struct rte_eth_dev_info info;
	struct rte_eth_conf ec;
	int rc;

	rc = probe(p->conf.devargs, &p->port_id);
	if (rc != 0)
		return rc;
	p->probed = true;
	rc = rte_eth_dev_info_get(p->port_id, &info);
	if (rc != 0)
		return rc;
	port_queue_plan(dp, p, &info, &ec);
	/* a ring hands over the sender's mbufs untouched, port id included */
	p->stamp_port = info.driver_name != NULL && strcmp(info.driver_name, "net_ring") == 0;
	rc = rte_eth_dev_configure(p->port_id, p->n_rxq, p->n_txq, &ec);
	if (rc != 0) {
		DP_LOG(ERR, "port %s: configure failed: %s", p->conf.name, rte_strerror(-rc));
		return rc;
	}
	rc = rte_eth_dev_set_mtu(p->port_id, p->conf.mtu);
	if (rc != 0 && rc != -ENOTSUP)
		DP_LOG(WARNING, "port %s: MTU %u not set: %s", p->conf.name, p->conf.mtu,
			rte_strerror(-rc));
	rc = port_queues(dp, p);
	if (rc != 0) {
		DP_LOG(ERR, "port %s: queue setup failed: %s", p->conf.name, rte_strerror(-rc));
		return rc;
	}
	rc = port_addresses(p);
	if (rc != 0)
		return rc;
	/* IPv6 neighbour discovery lives on solicited-node multicast groups */
	rte_eth_allmulticast_enable(p->port_id);
	rc = rte_eth_dev_start(p->port_id);
	if (rc != 0) {
		DP_LOG(ERR, "port %s: start failed: %s", p->conf.name, rte_strerror(-rc));
		return rc;
	}
	p->started = true;
	DP_LOG(INFO, "port %s: '%s' is port %u, %u rx / %u tx queues", p->conf.name,
		p->conf.devargs, p->port_id, p->n_rxq, p->n_txq);
	return 0;
}

/*
 * Give each graph lcore its RX queues and a TX queue on every port. Queue q
 * of a multi-queue port goes to lcore q modulo the lcores (a port with more
 * queues than lcores has some lcores poll two of them).
 */
static int
assign_queues(struct vh_dp *dp, unsigned int pi)
{
	struct dp_port *p = &dp->ports[pi];

	for (uint16_t q = 0; q < p->n_rxq; q++) {
		/* single-queue ports are spread over lcores by port index */
		unsigned int li = (p->n_rxq == 1 ? pi : q) % dp->n_lcores;
		struct dp_lcore *lc = &dp->lcores[li];

		if (lc->n_rxq == RTE_DIM(lc->rxq)) {
			DP_LOG(ERR,
				"port %s: lcore %u would poll more than %u RX queues "
				"(fewer queues per port, or more workers)",
				p->conf.name, lc->lcore_id, (unsigned int)RTE_DIM(lc->rxq));
			return -ENOSPC;
		}
		lc->rxq[lc->n_rxq].port_id = p->port_id;
		lc->rxq[lc->n_rxq].queue = q;
		lc->rxq[lc->n_rxq].stamp = p->stamp_port;
		lc->n_rxq++;
		if (q == 0)
			dp->inject_lcore[pi] = (uint16_t)li;
	}
	for (unsigned int li = 0; li < dp->n_lcores; li++) {
		struct dp_txq *t = &dp->lcores[li].txq[p->port_id];

		t->queue = (uint16_t)(li % p->n_txq);
		t->lock = dp->n_lcores > p->n_txq ? &p->tx_lock[t->queue] : NULL;
	}
	return 0;
}

int
dp_ports_setup(struct vh_dp *dp)
{
	memset(dp->port_index, -1, sizeof(dp->port_index));
	for (unsigned int i = 0; i < dp->conf.n_ports; i++) {
		struct dp_port *p = &dp->ports[i];
		int rc;

		p->conf = dp->conf.ports[i];
		p->conf.ifc.udp_port = dp->conf.udp_port;
		for (unsigned int q = 0; q < VH_DP_MAX_WORKERS; q++)
			rte_spinlock_init(&p->tx_lock[q]);
		rc = port_setup(dp, p);
		if (rc != 0)
			return rc;
		dp->port_index[p->port_id] = (int16_t)i;
		rc = assign_queues(dp, i);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/*
 * With the graph lcores stopped, take what the RX queues still hold (a
 * loopback vdev keeps frames in flight there) so closing the ports leaves no
 * mbuf behind. Bounded: a port that always has packets (net_null, net_pcap
 * with infinite_rx, a busy NIC) is never empty, and what it holds beyond its
 * rings is not ours to account for.
 */
#define DRAIN_MAX_PER_QUEUE 8192

static void
drain_rx(const struct dp_port *p)
{
	struct rte_mbuf *pkts[DP_BURST];
	unsigned int max = RTE_MAX((unsigned int)p->conf.rx_desc * 2, DRAIN_MAX_PER_QUEUE);
	uint16_t n;

	for (uint16_t q = 0; q < p->n_rxq; q++)
		for (unsigned int got = 0;
			got < max && (n = rte_eth_rx_burst(p->port_id, q, pkts, DP_BURST)) != 0;
			got += n)
			rte_pktmbuf_free_bulk(pkts, n);
}

void
dp_ports_close(struct vh_dp *dp)
{
	for (unsigned int i = 0; i < dp->conf.n_ports; i++) {
		struct dp_port *p = &dp->ports[i];

		if (!p->probed)
			continue;
		if (p->started) {
			drain_rx(p);
			rte_eth_dev_stop(p->port_id);
		}
		rte_eth_dev_close(p->port_id);
		p->started = false;
		p->probed = false;
	}
}
