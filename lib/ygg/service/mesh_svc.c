/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The mesh service's life and registrations: the opened-packet punt, the
 * DATA, CONTROL and ECHO_REPLY frames, link events, the overlay sender,
 * its counter blocks (mesh, ping) and its commands.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vh_bifrost.h"

#include "mesh_priv.h"

#define MESH_NAME(c) "mesh_" #c,
static const char *const mesh_names[] = {MESH_COUNTERS(MESH_NAME)};
static const char *const ping_names[] = {PING_COUNTERS(VH_NODE_COUNTER_NAME)};

/* The DHT core's counters (vh_dht_stats), flattened in this order each tick. */
static const char *const dht_names[] = {
	"dht_rx_ping", "dht_rx_pong", "dht_rx_find_node", "dht_rx_nodes",
	"dht_rx_find_value", "dht_rx_value", "dht_rx_store", "dht_rx_stored",
	"dht_rx_beacon", "dht_tx_ping", "dht_tx_pong", "dht_tx_find_node",
	"dht_tx_nodes", "dht_tx_find_value", "dht_tx_value", "dht_tx_store",
	"dht_tx_stored", "dht_tx_beacon", "dht_rx_malformed", "dht_rx_unsolicited",
	"dht_rx_no_sender", "dht_tx_failed", "dht_rpc_timeouts", "dht_rpc_retries",
	"dht_pending_full", "dht_rejected_malformed", "dht_rejected_oversized",
	"dht_rejected_nodeid_key_mismatch", "dht_rejected_bad_signature",
	"dht_rejected_stale_sequence", "dht_rejected_expired",
	"dht_rejected_future_timestamp", "dht_rejected_store_full",
	"dht_rejected_source_limit", "dht_rejected_wrong_key", "dht_rec_stored",
	"dht_rec_updated", "dht_rec_refreshed", "dht_rec_expired", "dht_lookups_started",
	"dht_lookups_found", "dht_lookups_not_found", "dht_lookups_refused",
	"dht_lookups_deadline", "dht_table_inserted", "dht_table_evicted",
	"dht_table_replaced", "dht_table_kept", "dht_beacons_heard", "dht_published",
	"dht_table_size", "dht_records",
};

/* Copy the DHT's counters where the registry reads them. */
static void
dht_snapshot(struct vh_mesh *m)
{
	struct vh_dht_stats st;
	uint64_t *o = m->dht_cnt;

	RTE_BUILD_BUG_ON(RTE_DIM(dht_names) != MESH_DHT_COUNTERS);
	RTE_BUILD_BUG_ON(VH_DHT_REJ_MAX != 10 || VH_DHT_MSG_TYPES != 10);
	if (m->dht == NULL)
		return;
	vh_dht_get_stats(m->dht, &st);
	for (unsigned int t = 1; t < VH_DHT_MSG_TYPES; t++)
		*o++ = st.rx[t];
	for (unsigned int t = 1; t < VH_DHT_MSG_TYPES; t++)
		*o++ = st.tx[t];
	*o++ = st.rx_malformed;
	*o++ = st.rx_unsolicited;
	*o++ = st.rx_no_sender;
	*o++ = st.tx_failed;
	*o++ = st.rpc_timeouts;
	*o++ = st.rpc_retries;
	*o++ = st.pending_full;
	for (unsigned int r = 0; r < VH_DHT_REJ_MAX; r++)
		*o++ = st.rec_rejected[r];
	*o++ = st.rec_stored;
	*o++ = st.rec_updated;
	*o++ = st.rec_refreshed;
	*o++ = st.rec_expired;
	*o++ = st.lookups_started;
	*o++ = st.lookups_found;
	*o++ = st.lookups_not_found;
	*o++ = st.lookups_refused;
	*o++ = st.lookups_deadline;
	*o++ = st.table_inserted;
	*o++ = st.table_evicted;
	*o++ = st.table_replaced;
	*o++ = st.table_kept;
	*o++ = st.beacons_heard;
	*o++ = st.published;
	*o++ = st.table_size;
	*o = st.records;
}

struct vh_mesh *
vh_mesh_get(const struct vh_node *n)
{
	return vh_node_service(n, "mesh");
}

struct vh_dht *
vh_mesh_dht(struct vh_mesh *m)
{
	return m != NULL && m->on ? m->dht : NULL;
}

static void
on_opened(void *ctx, struct rte_mbuf *mb)
{
	mesh_opened_input(ctx, mb);
}

/* DATA inside a link session: an overlay packet from that neighbour. */
static void
on_data(void *ctx, const struct vh_node_frame *f)
{
	struct vh_mesh *m = ctx;

	if (f->peer != NULL && m->on)
		mesh_datagram(m, f->peer, f->payload, f->len);
}

/* CONTROL outside any session: a LAN discovery beacon. */
static void
on_control(void *ctx, const struct vh_node_frame *f)
{
	if (f->pkt != NULL && f->peer == NULL)
		mesh_lan_input(ctx, f->payload, f->len, f->pkt->dst, f->pkt->ip_ver);
}

static void
on_echo_reply(void *ctx, const struct vh_node_frame *f)
{
	ping_echo_reply(ctx, f->payload, f->len);
}

static void
on_link_event(void *ctx, const uint8_t *nodeid, bool up)
{
	mesh_link_event(ctx, nodeid, up);
}

static int
send_packet(void *ctx, const uint8_t *dst, uint8_t type, const uint8_t *pl, size_t len)
{
	struct vh_mesh *m = ctx;

	if (!m->on)
		return -ENOTCONN;
	return mesh_send(m, dst, type, 0, (uint8_t)m->cfg->dht.hop_limit, pl, len);
}

static int
registrations(struct vh_node *n, struct vh_mesh *m)
{
	int rc = 0;

	rc |= vh_node_on_punt(n, VH_NODE_PUNT_OPENED, on_opened, m);
	rc |= vh_node_on_frame(n, VH_BIFROST_DATA, on_data, m);
	rc |= vh_node_on_frame(n, VH_BIFROST_CONTROL, on_control, m);
	rc |= vh_node_on_frame(n, VH_BIFROST_ECHO_REPLY, on_echo_reply, m);
	rc |= vh_link_on_event(m->link, on_link_event, m);
	rc |= vh_node_set_overlay_sender(n, send_packet, m);
	rc |= vh_node_counters_add(
		n, "mesh", mesh_names, (const uint64_t *)&m->cnt, RTE_DIM(mesh_names));
	rc |= vh_node_counters_add(
		n, "dht", dht_names, m->dht_cnt, RTE_DIM(dht_names));
	rc |= vh_node_counters_add(
		n, "ping", ping_names, (const uint64_t *)&m->pcnt, RTE_DIM(ping_names));
	rc |= mesh_cmds_register(m);
	rc |= ping_register(m);
	return rc != 0 ? -EINVAL : 0;
}

static void
timers(struct vh_mesh *m)
{
	uint64_t ka = (uint64_t)m->cfg->veil.keepalive_s * 1000;

	m->hello_ms = RTE_MAX(ka / 4, 100);
	m->dead_ms = RTE_MAX(ka, 3 * m->hello_ms);
	m->ttl_ms = (uint64_t)m->cfg->dht.route_ttl_s * 1000;
	m->refresh_ms = (uint64_t)m->cfg->dht.refresh_s * 1000;
}

static int
svc_init(struct vh_node *n, void **ctx)
{
	struct vh_mesh *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return -ENOMEM;
	*ctx = m;
	m->node = n;
	m->cfg = vh_node_config(n);
	m->id = vh_node_identity(n);
	m->dp = vh_node_dp(n);
	m->host = vh_host_get(n);
	m->link = vh_link_get(n);
	if (m->host == NULL || m->link == NULL)
		return -ENOENT; /* "host" and "link" must be listed before "mesh" */
	if (m->cfg->dht.enabled && !m->cfg->veil.enabled) {
		VH_NODE_LOG(ERR, "dht.enabled needs the link layer (veil.enabled)");
		return -EINVAL;
	}
	m->on = m->cfg->dht.enabled;
	timers(m);
	return registrations(n, m);
}

static int
svc_start(void *ctx)
{
	struct vh_mesh *m = ctx;

	if (!m->on)
		return 0;
	vh_dp_set_node_id(m->dp, m->id->nodeid);
	for (unsigned int i = 0; i < m->cfg->dht.n_bootstrap; i++)
		if (vh_link_connect(m->link, m->cfg->dht.bootstrap[i]) < 0)
			VH_NODE_LOG(WARNING, "bootstrap %s: not a usable address",
				m->cfg->dht.bootstrap[i]);
	if (mesh_dht_start(m) != 0)
		return -EIO;
	VH_NODE_LOG(NOTICE, "mesh: DHT on, %u bootstrap address(es)", m->cfg->dht.n_bootstrap);
	return 0;
}

static void
svc_tick(void *ctx, uint64_t now_ms)
{
	ping_tick(ctx, now_ms);
	mesh_tick(ctx, now_ms);
	dht_snapshot(ctx);
}

/* Open requests (pings, traces, lookups) are answered before the socket goes. */
static void
svc_stop(void *ctx)
{
	struct vh_mesh *m = ctx;

	ping_free_all(m);
	mesh_cmds_stop(m);
	mesh_dht_stop(m);
}

const struct vh_node_service vh_mesh_service = {
	.name = "mesh",
	.init = svc_init,
	.start = svc_start,
	.tick = svc_tick,
	.stop = svc_stop,
	.free = free,
};
