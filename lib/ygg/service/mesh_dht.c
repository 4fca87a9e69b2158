/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Kademlia DHT (lib/ygg) driven by the control lcore: its messages are
 * overlay control packets (docs/mesh.md), its contacts are NodeIDs reached
 * through the mesh's routes, its routing table and record cache persist in
 * LMDB so a restarted node rejoins without its bootstrap node.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "vh_bifrost.h"

#include "mesh_priv.h"

#define SAVE_EVERY_MS 30000
#define MAX_RESUME 32 /* contacts tried directly after a restart */

/* The DHT compares record timestamps with real time. */
uint64_t
mesh_unix_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
dht_rand(void *ctx, void *buf, size_t len)
{
	RTE_SET_USED(ctx);
	randombytes_buf(buf, len);
}

static int
dht_send(void *ctx, const uint8_t *to_id, const uint8_t *to_addr, size_t addr_len,
	const uint8_t *msg, size_t len)
{
	struct vh_mesh *m = ctx;
	uint8_t pl[2 + VH_DHT_ADDR_MAX + VH_DHT_MSG_MAX];
	size_t alen = strlen(m->self_addr);
	int rc;

	RTE_SET_USED(to_addr);
	RTE_SET_USED(addr_len);
	if (to_id == NULL)
		return -ENOTCONN; /* by address only: bootstrap goes through link_connect */
	if (len > VH_DHT_MSG_MAX)
		return -EMSGSIZE;
	pl[0] = MESH_CTL_DHT;
	pl[1] = (uint8_t)alen;
	memcpy(pl + 2, m->self_addr, alen);
	memcpy(pl + 2 + alen, msg, len);
	rc = mesh_send(m, to_id, VH_OVERLAY_T_CONTROL, VH_OVERLAY_F_CONTROL,
		(uint8_t)m->cfg->dht.hop_limit, pl, 2 + alen + len);
	if (rc == 0)
		m->cnt.dht_tx++;
	else
		m->cnt.dht_tx_failed++;
	return rc;
}

/* A contact list from src, which came through neighbour from. */
static void
learn_contacts(struct vh_mesh *m, const uint8_t *src, const uint8_t *from, const uint8_t *msg,
	size_t len, unsigned int hops, uint64_t now)
{
	struct vh_dht_msg dm;

	if (vh_dht_msg_decode(msg, len, &dm) != 0 ||
		(dm.type != VH_DHT_NODES && dm.type != VH_DHT_VALUE))
		return;
	for (unsigned int i = 0; i < dm.ncontacts; i++) {
		const uint8_t *c = dm.contacts[i].id;

		/* src's neighbours are one hop beyond src at best: an estimate */
		if (!mesh_is_self(m, c) && memcmp(c, src, MESH_ID_LEN) != 0 &&
			memcmp(c, from, MESH_ID_LEN) != 0)
			mesh_route_learn(m, c, from, hops + 1, false, now);
	}
}

void
mesh_dht_input(struct vh_mesh *m, const uint8_t *src, const uint8_t *from, const uint8_t *p,
	size_t len, unsigned int hops, uint64_t now)
{
	size_t alen;

	if (len < 1 || (alen = p[0]) == 0 || alen > VH_DHT_ADDR_MAX || len < 1 + alen) {
		m->cnt.rx_malformed++;
		return;
	}
	m->cnt.dht_rx++;
	learn_contacts(m, src, from, p + 1 + alen, len - 1 - alen, hops, now);
	vh_dht_input(m->dht, src, p + 1, alen, p + 1 + alen, len - 1 - alen, mesh_unix_ms());
}

void
mesh_dht_neighbour_up(struct vh_mesh *m, const uint8_t *id, uint64_t now)
{
	static const uint8_t unknown[] = "/node";

	RTE_SET_USED(now);
	/* its PONG brings its address; the DHT then looks up our own NodeID */
	vh_dht_add_peer(m->dht, id, unknown, sizeof(unknown) - 1, mesh_unix_ms());
}

/* Our address for the DHT: the first port's IPv4 (or IPv6) PathAddr. */
static void
self_addr(struct vh_mesh *m, char *out, size_t cap)
{
	char ip[INET6_ADDRSTRLEN] = "";

	for (unsigned int i = 0; i < m->cfg->n_ports; i++) {
		const struct vh_config_port *p = &m->cfg->ports[i];

		if (p->has_ipv4) {
			inet_ntop(AF_INET, &p->ipv4.addr, ip, sizeof(ip));
			snprintf(out, cap, "/udp/%s:%u", ip, m->cfg->overlay.udp_port);
			return;
		}
		if (p->n_ipv6 > 0) {
			inet_ntop(AF_INET6, p->ipv6[0].addr, ip, sizeof(ip));
			snprintf(out, cap, "/udp/[%s]:%u", ip, m->cfg->overlay.udp_port);
			return;
		}
	}
	snprintf(out, cap, "/node");
}

bool
mesh_reachable(struct vh_mesh *m, const char *addr)
{
	struct vh_pathaddr pa;
	unsigned int port;
	uint8_t nh[16];
	char err[64];

	if (vh_pathaddr_parse(addr, &pa, err, sizeof(err)) != 0 || pa.kind != VH_PATHADDR_UDP ||
		vh_host_route(m->host, pa.family, pa.addr, &port, nh) != 0)
		return false;
	/* not one of our own addresses */
	for (unsigned int i = 0; i < vh_dp_port_count(m->dp); i++) {
		const struct vh_net_if *ifc = &vh_dp_port(m->dp, i)->ifc;

		if (pa.family == 4 && memcmp(&ifc->ip4, pa.addr, 4) == 0)
			return false;
		for (unsigned int a = 0; pa.family == 6 && a < ifc->n_ip6; a++)
			if (memcmp(ifc->ip6[a], pa.addr, 16) == 0)
				return false;
	}
	return true;
}

/* A session straight to a node whose address is on one of our links. */
int
mesh_connect_direct(struct vh_mesh *m, const uint8_t *id, const char *const *addrs, size_t k)
{
	if (mesh_neigh_alive(m, id))
		return -EALREADY;
	for (size_t i = 0; i < k; i++)
		if (mesh_reachable(m, addrs[i]) && vh_link_connect(m->link, addrs[i]) == 0) {
			m->cnt.direct_connects++;
			return 0;
		}
	return -ENETUNREACH;
}

/* The addresses a node published (its signed record), else its contact's. */
size_t
mesh_addresses(struct vh_mesh *m, const struct vh_dht_contact *c, char (*out)[VH_DHT_ADDR_MAX + 1],
	size_t max)
{
	struct vh_dht_record rec;
	size_t k = 0;

	if (vh_dht_get_record(m->dht, c->id, &rec) == 0)
		for (unsigned int i = 0; i < rec.naddrs && k < max; i++, k++) {
			memcpy(out[k], rec.addrs[i], rec.addr_len[i]);
			out[k][rec.addr_len[i]] = '\0';
		}
	if (k == 0 && max > 0 && c->addr_len > 0) {
		memcpy(out[0], c->addr, c->addr_len);
		out[0][c->addr_len] = '\0';
		k = 1;
	}
	return k;
}

/* After a restart: reconnect to remembered contacts on our own links. */
static void
resume(struct vh_mesh *m)
{
	struct vh_dht_contact c[MAX_RESUME];
	size_t k = vh_dht_closest(m->dht, m->id->nodeid, c, MAX_RESUME);
	char addrs[VH_DHT_REC_ADDRS][VH_DHT_ADDR_MAX + 1];
	const char *ptr[VH_DHT_REC_ADDRS];

	for (size_t i = 0; i < k; i++) {
		size_t na = mesh_addresses(m, &c[i], addrs, VH_DHT_REC_ADDRS);

		for (size_t j = 0; j < na; j++)
			ptr[j] = addrs[j];
		mesh_connect_direct(m, c[i].id, ptr, na);
	}
}

int
mesh_dht_start(struct vh_mesh *m)
{
	struct vh_dht_config dc = {0};
	char err[256] = "";
	int got;

	self_addr(m, m->self_addr, sizeof(m->self_addr));
	dc.secret_key = m->id->ed_sec;
	dc.send = dht_send;
	dc.rand = dht_rand;
	dc.ctx = m;
	dc.self_addr = (const uint8_t *)m->self_addr;
	dc.self_addr_len = strlen(m->self_addr);
	dc.rpc_timeout_ms = m->cfg->dht.rpc_timeout_ms;
	dc.lookup_deadline_ms = m->cfg->dht.lookup_deadline_s * 1000;
	dc.refresh_ms = (uint32_t)m->refresh_ms;
	dc.walk_ms = (uint32_t)m->refresh_ms * 2;
	dc.pex_ms = (uint32_t)m->refresh_ms * 4;
	dc.rebootstrap_ms = (uint32_t)m->refresh_ms;
	m->dht = vh_dht_create(&dc, mesh_unix_ms());
	if (m->dht == NULL) {
		VH_NODE_LOG(ERR, "DHT not created: %s", strerror(errno));
		return -1;
	}
	got = vh_dht_persist_load(m->dht, m->cfg->node.data_dir, mesh_unix_ms(), err, sizeof(err));
	if (got < 0)
		VH_NODE_LOG(WARNING, "DHT state not loaded (%s): starting empty", err);
	else if (got > 0) {
		VH_NODE_LOG(NOTICE, "DHT: %d contact(s) and record(s) loaded", got);
		resume(m);
	}
	return 0;
}

static void
save(struct vh_mesh *m)
{
	char err[256] = "";

	if (vh_dht_persist_save(m->dht, m->cfg->node.data_dir, err, sizeof(err)) != 0)
		VH_NODE_LOG(WARNING, "DHT state not saved: %s", err);
}

/* Our location record: NodeID, every port's address, signed; republished. */
static void
publish(struct vh_mesh *m)
{
	char text[VH_DHT_REC_ADDRS][VH_DHT_ADDR_MAX + 1];
	const uint8_t *addrs[VH_DHT_REC_ADDRS];
	size_t lens[VH_DHT_REC_ADDRS], k = 0;
	char ip[INET6_ADDRSTRLEN];

	for (unsigned int i = 0; i < m->cfg->n_ports && k < VH_DHT_REC_ADDRS; i++) {
		const struct vh_config_port *p = &m->cfg->ports[i];

		if (p->has_ipv4)
			inet_ntop(AF_INET, &p->ipv4.addr, ip, sizeof(ip));
		else if (p->n_ipv6 > 0)
			inet_ntop(AF_INET6, p->ipv6[0].addr, ip, sizeof(ip));
		else
			continue;
		snprintf(text[k], sizeof(text[k]), p->has_ipv4 ? "/udp/%s:%u" : "/udp/[%s]:%u", ip,
			m->cfg->overlay.udp_port);
		addrs[k] = (const uint8_t *)text[k];
		lens[k] = strlen(text[k]);
		k++;
	}
	if (k > 0 && vh_dht_publish(m->dht, addrs, lens, k, mesh_unix_ms()) == 0)
		m->published = true;
}

/* The address a beacon on this port announces: the port's own. */
static int
port_addr(const struct vh_config_port *p, uint16_t udp_port, char *out, size_t cap)
{
	char ip[INET6_ADDRSTRLEN];

	if (p->has_ipv4) {
		inet_ntop(AF_INET, &p->ipv4.addr, ip, sizeof(ip));
		return snprintf(out, cap, "/udp/%s:%u", ip, udp_port);
	}
	if (p->n_ipv6 == 0)
		return -ENOENT;
	inet_ntop(AF_INET6, p->ipv6[0].addr, ip, sizeof(ip));
	return snprintf(out, cap, "/udp/[%s]:%u", ip, udp_port);
}

/*
 * LAN discovery: on every port, a Bifrost CONTROL frame to ff02::1 holding a
 * DHT BEACON whose one contact is this node and that port's address.
 */
static void
beacons(struct vh_mesh *m)
{
	uint8_t buf[VH_BIFROST_HDR_LEN + VH_DHT_MSG_MAX];
	struct vh_dht_msg msg = {.type = VH_DHT_BEACON, .ncontacts = 1};
	char addr[VH_DHT_ADDR_MAX + 1];
	int len, alen;

	memcpy(msg.contacts[0].id, m->id->nodeid, MESH_ID_LEN);
	for (unsigned int i = 0; i < m->cfg->n_ports; i++) {
		alen = port_addr(&m->cfg->ports[i], m->cfg->overlay.udp_port, addr, sizeof(addr));
		if (alen <= 0 || alen > VH_DHT_ADDR_MAX)
			continue;
		msg.contacts[0].addr_len = (uint8_t)alen;
		memcpy(msg.contacts[0].addr, addr, (size_t)alen);
		len = vh_dht_msg_encode(&msg, buf + VH_BIFROST_HDR_LEN, VH_DHT_MSG_MAX);
		if (len < 0 || vh_bifrost_encode_header(
				       buf, sizeof(buf), VH_BIFROST_CONTROL, (uint32_t)len) < 0)
			continue;
		if (vh_host_send_all_nodes(m->host, i, m->cfg->overlay.udp_port, buf,
			    (uint16_t)(VH_BIFROST_HDR_LEN + len)) == 0)
			m->cnt.beacons_tx++;
	}
}

void
mesh_lan_input(
	struct vh_mesh *m, const uint8_t *p, size_t len, const uint8_t *dst_ip, unsigned int ip_ver)
{
	static const uint8_t all_nodes[16] = {0xff, 0x02, [15] = 0x01};
	char addr[VH_DHT_ADDR_MAX + 1];
	const char *ptr[1] = {addr};
	struct vh_dht_msg msg;
	const struct vh_dht_contact *c;

	if (!m->on || !m->cfg->dht.lan_discovery || ip_ver != 6 ||
		memcmp(dst_ip, all_nodes, 16) != 0)
		return;
	if (vh_dht_msg_decode(p, len, &msg) != 0 || msg.type != VH_DHT_BEACON ||
		msg.ncontacts != 1) {
		m->cnt.beacons_bad++;
		return;
	}
	c = &msg.contacts[0];
	if (mesh_is_self(m, c->id))
		return;
	m->cnt.beacons_rx++;
	memcpy(addr, c->addr, c->addr_len);
	addr[c->addr_len] = '\0';
	/* the session's handshake proves the NodeID; the beacon only says where */
	mesh_connect_direct(m, c->id, ptr, 1);
}

void
mesh_dht_tick(struct vh_mesh *m, uint64_t now)
{
	uint64_t t = mesh_unix_ms();
	uint8_t target[MESH_ID_LEN];

	if (t >= vh_dht_next_deadline(m->dht))
		vh_dht_tick(m->dht, t);
	if (now >= m->next_refresh_ms) {
		/* the self lookup refreshes the routes to our neighbourhood, the
		 * random one those further away */
		randombytes_buf(target, sizeof(target));
		if (vh_dht_find_node(m->dht, m->id->nodeid, 0, NULL, NULL, t) > 0)
			vh_dht_find_node(m->dht, target, 0, NULL, NULL, t);
		if (!m->published)
			publish(m);
		m->next_refresh_ms = now + m->refresh_ms;
	}
	if (m->cfg->dht.lan_discovery && now >= m->next_beacon_ms) {
		beacons(m);
		m->next_beacon_ms = now + m->refresh_ms;
	}
	if (now >= m->next_save_ms) {
		if (m->next_save_ms != 0)
			save(m);
		m->next_save_ms = now + SAVE_EVERY_MS;
	}
}

void
mesh_dht_stop(struct vh_mesh *m)
{
	if (m->dht == NULL)
		return;
	save(m);
	vh_dht_destroy(m->dht);
	m->dht = NULL;
}
