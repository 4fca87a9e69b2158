/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The mesh on the control lcore (docs/mesh.md): overlay packets by NodeID
 * over the link sessions. Routes are learnt three ways: a neighbour is one
 * hop; a packet from S that came in through neighbour F says S is reachable
 * through F (measured: hop count from the hop limit); a DHT contact list
 * from S that came through F says its contacts are reachable through F one
 * hop beyond S (an estimate, replaced by measured routes). Routes not heard
 * of again expire. The workers forward with the table this file keeps in
 * the data plane (vh_dp_fwd_set, one entry per destination, up to four next
 * hops of equal metric); the control lcore forwards what reaches it.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "vh_bifrost.h"

#include "mesh_priv.h"

bool
mesh_is_self(const struct vh_mesh *m, const uint8_t *id)
{
	return memcmp(id, m->id->nodeid, MESH_ID_LEN) == 0;
}

struct mesh_neigh *
mesh_neigh_find(struct vh_mesh *m, const uint8_t *id)
{
	for (unsigned int i = 0; i < MESH_MAX_NEIGH; i++)
		if (m->neigh[i].used && memcmp(m->neigh[i].id, id, MESH_ID_LEN) == 0)
			return &m->neigh[i];
	return NULL;
}

bool
mesh_neigh_alive(struct vh_mesh *m, const uint8_t *id)
{
	const struct mesh_neigh *nb = mesh_neigh_find(m, id);

	return nb != NULL && nb->alive;
}

struct mesh_route *
mesh_route_find(struct vh_mesh *m, const uint8_t *id)
{
	for (unsigned int i = 0; i < MESH_MAX_ROUTES; i++)
		if (m->routes[i].used && memcmp(m->routes[i].id, id, MESH_ID_LEN) == 0)
			return &m->routes[i];
	return NULL;
}

/*
 * Measured next hops (a packet came that way) are used whenever one is
 * alive; estimates from contact lists only when none is, and never side by
 * side with measurements: a neighbour that listed a node may well reach it
 * through us, and sharing flows with it would loop them.
 */
unsigned int
mesh_route_metric(
	struct vh_mesh *m, const struct mesh_route *r, uint8_t (*nh)[32], unsigned int *n_nh)
{
	unsigned int best = 0, k = 0;
	bool measured = false;

	for (unsigned int i = 0; i < r->n_nh; i++)
		measured = measured || (r->nh[i].measured && mesh_neigh_alive(m, r->nh[i].id));
	for (unsigned int i = 0; i < r->n_nh; i++)
		if (r->nh[i].measured == measured && mesh_neigh_alive(m, r->nh[i].id) &&
			(best == 0 || r->nh[i].metric < best))
			best = r->nh[i].metric;
	for (unsigned int i = 0; i < r->n_nh && best != 0; i++)
		if (r->nh[i].measured == measured && r->nh[i].metric == best &&
			mesh_neigh_alive(m, r->nh[i].id) && nh != NULL)
			memcpy(nh[k++], r->nh[i].id, MESH_ID_LEN);
	if (n_nh != NULL)
		*n_nh = k;
	return best;
}

static struct mesh_route *
route_slot(struct vh_mesh *m, const uint8_t *id)
{
	struct mesh_route *r = mesh_route_find(m, id);

	for (unsigned int i = 0; r == NULL && i < MESH_MAX_ROUTES; i++)
		if (!m->routes[i].used) {
			r = &m->routes[i];
			memset(r, 0, sizeof(*r));
			memcpy(r->id, id, MESH_ID_LEN);
			r->used = true;
			m->cnt.routes_learnt++;
		}
	return r;
}

/* Where a new next hop goes: a free entry, else the worst one if worse. */
static struct mesh_nh *
nh_slot(struct mesh_route *r, const uint8_t *nh, unsigned int metric, bool measured)
{
	struct mesh_nh *worst = NULL;

	for (unsigned int i = 0; i < r->n_nh; i++) {
		if (memcmp(r->nh[i].id, nh, MESH_ID_LEN) == 0)
			return &r->nh[i];
		if (worst == NULL || r->nh[i].metric > worst->metric)
			worst = &r->nh[i];
	}
	if (r->n_nh < MESH_MAX_NH) {
		memcpy(r->nh[r->n_nh].id, nh, MESH_ID_LEN);
		r->nh[r->n_nh].measured = false;
		r->nh[r->n_nh].metric = UINT8_MAX;
		return &r->nh[r->n_nh++];
	}
	if (worst->metric > metric || (measured && !worst->measured)) {
		memcpy(worst->id, nh, MESH_ID_LEN);
		worst->measured = false;
		worst->metric = UINT8_MAX;
		return worst;
	}
	return NULL;
}

void
mesh_route_learn(struct vh_mesh *m, const uint8_t *dst, const uint8_t *nh, unsigned int metric,
	bool measured, uint64_t now)
{
	struct mesh_route *r;
	struct mesh_nh *e;

	if (mesh_is_self(m, dst) || memcmp(dst, nh, MESH_ID_LEN) == 0 || metric < 2)
		return; /* neighbours are routes of their own */
	metric = RTE_MIN(metric, 255u);
	r = route_slot(m, dst);
	if (r == NULL)
		return;
	e = nh_slot(r, nh, metric, measured);
	if (e == NULL)
		return;
	/* a measurement replaces an estimate; an estimate only improves (and
	 * keeps alive) another estimate */
	if (!measured && e->measured)
		return;
	if (measured || metric < e->metric) {
		if (e->metric != metric || e->measured != measured)
			m->dp_dirty = true;
		e->metric = (uint8_t)metric;
		e->measured = measured;
	}
	e->seen_ms = now;
}

/* The neighbour to send a packet for dst through, or NULL. */
static const uint8_t *
next_hop(struct vh_mesh *m, const uint8_t *dst, uint32_t flow, uint8_t *buf)
{
	struct mesh_route *r;
	uint8_t nh[MESH_MAX_NH][32];
	const uint8_t *best = m->id->nodeid;
	unsigned int k = 0;

	if (mesh_neigh_alive(m, dst))
		return dst;
	r = mesh_route_find(m, dst);
	if (r != NULL && mesh_route_metric(m, r, nh, &k) != 0 && k > 0) {
		memcpy(buf, nh[flow % k], MESH_ID_LEN);
		return buf;
	}
	/* greedy step: the live neighbour XOR-closest to dst, if closer than us */
	for (unsigned int i = 0; i < MESH_MAX_NEIGH; i++)
		if (m->neigh[i].used && m->neigh[i].alive &&
			vh_dht_cmp_distance(dst, m->neigh[i].id, best) < 0)
			best = m->neigh[i].id;
	if (best == m->id->nodeid)
		return NULL;
	memcpy(buf, best, MESH_ID_LEN);
	return buf;
}

/* Send a whole overlay datagram (one Bifrost DATA frame) towards dst. */
static int
route_out(struct vh_mesh *m, const uint8_t *dst, uint32_t flow, const uint8_t *dgram, size_t len)
{
	uint8_t buf[MESH_ID_LEN];
	const uint8_t *nh = next_hop(m, dst, flow, buf);

	if (nh == NULL) {
		m->cnt.no_route++;
		vh_dp_count_drop(m->dp, VH_DROP_OVERLAY_NO_ROUTE);
		return -ENETUNREACH;
	}
	return vh_link_send_datagram(m->link, nh, dgram, len);
}

/* Write a Bifrost DATA frame holding an overlay packet from us. */
static size_t
build(struct vh_mesh *m, const uint8_t *dst, uint8_t type, uint8_t flags, uint8_t hop_limit,
	const uint8_t *pl, size_t plen, uint8_t *buf, uint32_t *flow)
{
	struct vh_overlay_hdr h = {.hop_limit = hop_limit, .flags = flags, .payload_type = type};
	size_t len = VH_BIFROST_HDR_LEN + VH_OVERLAY_HDR_LEN + plen;

	/* one flow per destination keeps the control traffic on one path */
	h.flow_label = (uint32_t)(dst[0] << 12 | dst[1] << 4 | dst[2] >> 4) & VH_OVERLAY_FLOW_MAX;
	memcpy(h.dst, dst, MESH_ID_LEN);
	memcpy(h.src, m->id->nodeid, MESH_ID_LEN);
	vh_bifrost_encode_header(buf, len, VH_BIFROST_DATA, (uint32_t)(len - VH_BIFROST_HDR_LEN));
	vh_overlay_encode(&h, buf + VH_BIFROST_HDR_LEN, VH_OVERLAY_HDR_LEN);
	memcpy(buf + VH_BIFROST_HDR_LEN + VH_OVERLAY_HDR_LEN, pl, plen);
	*flow = h.flow_label;
	return len;
}

int
mesh_send(struct vh_mesh *m, const uint8_t *dst, uint8_t type, uint8_t flags, uint8_t hop_limit,
	const uint8_t *pl, size_t plen)
{
	uint8_t buf[MESH_PKT_MAX];
	uint32_t flow;
	size_t len;

	if (!m->on)
		return -ENOTCONN;
	if (VH_BIFROST_HDR_LEN + VH_OVERLAY_HDR_LEN + plen > sizeof(buf))
		return -EMSGSIZE;
	len = build(m, dst, type, flags, hop_limit, pl, plen, buf, &flow);
	return route_out(m, dst, flow, buf, len);
}

/* Tell src its packet ran out of hops here (traceroute's answer). */
static void
hop_exceeded(struct vh_mesh *m, const uint8_t *ov, size_t len)
{
	uint8_t pl[1 + VH_OVERLAY_HDR_LEN + 64];
	size_t k = RTE_MIN(len, sizeof(pl) - 1);

	pl[0] = MESH_CTL_HOP_EXCEEDED;
	memcpy(pl + 1, ov, k);
	m->cnt.hop_exceeded_sent++;
	vh_dp_count_drop(m->dp, VH_DROP_OVERLAY_HOP_LIMIT);
	mesh_send(m, ov + 8 + MESH_ID_LEN, VH_OVERLAY_T_CONTROL,
		VH_OVERLAY_F_CONTROL | VH_OVERLAY_F_ERROR, (uint8_t)m->cfg->dht.hop_limit, pl,
		k + 1);
}

static void
neigh_heard(struct vh_mesh *m, const uint8_t *from, uint64_t now)
{
	struct mesh_neigh *nb = mesh_neigh_find(m, from);

	if (nb == NULL)
		return;
	nb->last_rx_ms = now;
	if (!nb->alive && vh_link_has_session(m->link, from)) {
		nb->alive = true;
		m->dp_dirty = true;
	}
}

/* A packet for someone else reached the control lcore: forward it here. */
static void
forward(struct vh_mesh *m, uint8_t *dgram, size_t len, const struct vh_overlay_hdr *h)
{
	uint8_t *ov = dgram + VH_BIFROST_HDR_LEN;

	if (vh_overlay_hop(ov, len - VH_BIFROST_HDR_LEN) == -ETIMEDOUT) {
		hop_exceeded(m, ov, len - VH_BIFROST_HDR_LEN);
		return;
	}
	if (route_out(m, h->dst, h->flow_label, dgram, len) == 0)
		m->cnt.forwarded++;
}

/* An overlay echo to us: answer it; an answer to us: a ping's or a trace's. */
static void
echo_input(struct vh_mesh *m, const struct vh_overlay_hdr *h, uint8_t *pl, size_t len)
{
	struct vh_bifrost_frame f;
	size_t pos = 0;

	if (vh_bifrost_echo_reply_inplace(pl, len) == 0) {
		m->cnt.echo_answered++;
		mesh_send(m, h->src, VH_OVERLAY_T_ECHO, 0, (uint8_t)m->cfg->dht.hop_limit, pl, len);
		return;
	}
	if (vh_bifrost_next(pl, len, &pos, &f) != 1 || f.type != VH_BIFROST_ECHO_REPLY) {
		m->cnt.rx_malformed++;
		return;
	}
	m->cnt.echo_replies++;
	if (!mesh_trace_echo(m, h->src, f.payload, f.length, false))
		ping_echo_reply(m, f.payload, f.length);
}

/* The expired packet's header and first bytes: a traceroute probe's echo. */
static void
exceeded_input(struct vh_mesh *m, const struct vh_overlay_hdr *h, const uint8_t *p, size_t len)
{
	struct vh_overlay_hdr orig;
	struct vh_bifrost_frame f;
	size_t pos = 0;

	m->cnt.hop_exceeded_rx++;
	if (vh_overlay_decode(p, len, &orig) < 0 || orig.payload_type != VH_OVERLAY_T_ECHO ||
		!mesh_is_self(m, orig.src))
		return;
	p += VH_OVERLAY_HDR_LEN;
	len -= VH_OVERLAY_HDR_LEN;
	/* only the frame's start was sent back: read the header, not the length */
	if (len < VH_BIFROST_HDR_LEN + 16 || p[3] != VH_BIFROST_ECHO_REQUEST)
		return;
	RTE_SET_USED(pos);
	RTE_SET_USED(f);
	mesh_trace_echo(
		m, h->src, p + VH_BIFROST_HDR_LEN, (uint32_t)(len - VH_BIFROST_HDR_LEN), true);
}

static void
control_input(struct vh_mesh *m, const uint8_t *from, const struct vh_overlay_hdr *h,
	const uint8_t *p, size_t len, unsigned int hops, uint64_t now)
{
	if (len < 1) {
		m->cnt.rx_malformed++;
		return;
	}
	switch (p[0]) {
	case MESH_CTL_DHT:
		mesh_dht_input(m, h->src, from, p + 1, len - 1, hops, now);
		break;
	case MESH_CTL_HELLO:
		m->cnt.hello_rx++;
		break;
	case MESH_CTL_HOP_EXCEEDED:
		exceeded_input(m, h, p + 1, len - 1);
		break;
	default:
		m->cnt.rx_malformed++;
		break;
	}
}

void
mesh_datagram(struct vh_mesh *m, const uint8_t *from, uint8_t *p, size_t len)
{
	uint64_t now = vh_node_now_ms();
	struct vh_overlay_hdr h;
	unsigned int hops;

	if (!m->on)
		return;
	m->cnt.rx++;
	neigh_heard(m, from, now);
	if (vh_overlay_decode(p, len, &h) < 0) {
		m->cnt.rx_malformed++;
		vh_dp_count_drop(m->dp, VH_DROP_OVERLAY_MALFORMED);
		return;
	}
	/* our own hop limit is the usual start: the difference is the distance */
	hops = h.hop_limit <= m->cfg->dht.hop_limit ? m->cfg->dht.hop_limit - h.hop_limit + 1 : 1;
	/* only control packets start at the configured limit (traceroute probes
	 * start low and would read as far away) */
	if (h.payload_type == VH_OVERLAY_T_CONTROL && memcmp(h.src, from, MESH_ID_LEN) != 0 &&
		!mesh_is_self(m, h.src))
		mesh_route_learn(m, h.src, from, hops, true, now);
	if (!mesh_is_self(m, h.dst)) {
		/* the frame starts 8 bytes before the overlay header */
		forward(m, p - VH_BIFROST_HDR_LEN, len + VH_BIFROST_HDR_LEN, &h);
		return;
	}
	m->cnt.rx_for_us++;
	p += VH_OVERLAY_HDR_LEN;
	len -= VH_OVERLAY_HDR_LEN;
	switch (h.payload_type) {
	case VH_OVERLAY_T_CONTROL:
		control_input(m, from, &h, p, len, hops, now);
		break;
	case VH_OVERLAY_T_ECHO:
		echo_input(m, &h, p, len);
		break;
	default:
		/* the mix, sessions: whoever registered the type */
		if (vh_node_overlay_input(m->node, h.payload_type, h.src, p, len) != 0)
			m->cnt.data_rx++;
		break;
	}
}

void
mesh_opened_input(struct vh_mesh *m, struct rte_mbuf *mb)
{
	const struct vh_dp_meta *meta = vh_dp_meta(mb);
	const struct vh_net_pkt *pkt = &meta->pkt;
	uint8_t *d = rte_pktmbuf_mtod_offset(mb, uint8_t *, meta->inner_off);
	uint8_t from[MESH_ID_LEN];
	struct vh_veil_endpoint src;

	if (pkt->ip_ver == 4)
		vh_veil_endpoint_ipv4(&src, pkt->src, pkt->sport);
	else
		vh_veil_endpoint_ipv6(&src, pkt->src, pkt->sport);
	if (!meta->hop_expired) {
		vh_link_opened_input(m->link, meta->session_index, d, meta->inner_len, &src);
	} else if (m->on && vh_link_peer_nodeid_by_index(m->link, meta->session_index, from) == 0) {
		neigh_heard(m, from, vh_node_now_ms());
		hop_exceeded(m, d + VH_BIFROST_HDR_LEN, meta->inner_len - VH_BIFROST_HDR_LEN);
	}
	rte_pktmbuf_free(mb);
}

void
mesh_link_event(struct vh_mesh *m, const uint8_t *nodeid, bool up)
{
	struct mesh_neigh *nb;
	uint64_t now = vh_node_now_ms();

	if (!m->on)
		return;
	m->dp_dirty = true;
	nb = mesh_neigh_find(m, nodeid);
	if (!up) {
		if (nb != NULL && nb->alive)
			m->cnt.neigh_down++;
		if (nb != NULL)
			nb->alive = false;
		return;
	}
	for (unsigned int i = 0; nb == NULL && i < MESH_MAX_NEIGH; i++)
		if (!m->neigh[i].used) {
			nb = &m->neigh[i];
			memset(nb, 0, sizeof(*nb));
			memcpy(nb->id, nodeid, MESH_ID_LEN);
			nb->used = true;
		}
	if (nb == NULL)
		return;
	if (!nb->alive)
		nb->up_ms = now;
	nb->alive = true;
	nb->last_rx_ms = now;
	mesh_dht_neighbour_up(m, nodeid, now);
}

/* Hellos keep idle links measured: a silent neighbour is taken out. */
static void
hellos(struct vh_mesh *m, uint64_t now)
{
	const uint8_t hello = MESH_CTL_HELLO;
	uint8_t buf[VH_BIFROST_HDR_LEN + VH_OVERLAY_HDR_LEN + 1];
	bool send = now >= m->next_hello_ms;
	uint32_t flow;

	for (unsigned int i = 0; i < MESH_MAX_NEIGH; i++) {
		struct mesh_neigh *nb = &m->neigh[i];
		bool session = nb->used && vh_link_has_session(m->link, nb->id);

		if (!nb->used)
			continue;
		if (nb->alive && (now - nb->last_rx_ms > m->dead_ms || !session)) {
			nb->alive = false;
			m->cnt.neigh_down++;
			m->dp_dirty = true;
		}
		/* straight to the neighbour: also to one the mesh thinks is down */
		if (send && session &&
			vh_link_send_datagram(m->link, nb->id, buf,
				build(m, nb->id, VH_OVERLAY_T_CONTROL, VH_OVERLAY_F_CONTROL, 1,
					&hello, 1, buf, &flow)) == 0)
			m->cnt.hello_tx++;
	}
	if (send)
		m->next_hello_ms = now + m->hello_ms;
}

/* Next hops not heard of within the TTL go; a route with none left goes. */
static void
expire(struct vh_mesh *m, uint64_t now)
{

	for (unsigned int i = 0; i < MESH_MAX_ROUTES; i++) {
		struct mesh_route *r = &m->routes[i];
		unsigned int k = 0;

		if (!r->used)
			continue;
		for (unsigned int j = 0; j < r->n_nh; j++)
			if (now - r->nh[j].seen_ms <= m->ttl_ms && mesh_neigh_find(m, r->nh[j].id))
				r->nh[k++] = r->nh[j];
		if (k != r->n_nh)
			m->dp_dirty = true;
		r->n_nh = (uint8_t)k;
		if (k == 0) {
			if (r->in_dp)
				vh_dp_fwd_del(m->dp, r->id);
			r->used = false;
			m->cnt.routes_expired++;
		}
	}
}

/* The workers' view: routes over live neighbours whose keys they hold. */
static void
dp_sync_route(struct vh_mesh *m, const uint8_t *id, uint8_t (*nh)[32], unsigned int k, bool *in_dp)
{
	uint32_t idx[MESH_MAX_NH];
	unsigned int j = 0;

	for (unsigned int i = 0; i < k && j < VH_DP_FWD_MAX_PATHS; i++)
		if (vh_link_dp_index(m->link, nh[i], &idx[j]) == 0)
			j++;
	if (j > 0) {
		if (vh_dp_fwd_set(m->dp, id, idx, j) == 0)
			*in_dp = true;
		else
			m->cnt.dp_fwd_failed++;
	} else if (*in_dp) {
		vh_dp_fwd_del(m->dp, id);
		*in_dp = false;
	}
}

static void
dp_sync(struct vh_mesh *m)
{
	uint8_t ids[VH_DP_MAX_NEIGH][32], nh[MESH_MAX_NH][32];
	uint32_t idx[VH_DP_MAX_NEIGH];
	unsigned int k, nn = 0;

	m->dp_dirty = false;
	for (unsigned int i = 0; i < MESH_MAX_NEIGH; i++) {
		struct mesh_neigh *nb = &m->neigh[i];

		if (!nb->used)
			continue;
		memcpy(nh[0], nb->id, MESH_ID_LEN);
		dp_sync_route(m, nb->id, nh, nb->alive ? 1 : 0, &nb->in_dp);
		if (nb->alive && nn < VH_DP_MAX_NEIGH &&
			vh_link_dp_index(m->link, nb->id, &idx[nn]) == 0)
			memcpy(ids[nn++], nb->id, MESH_ID_LEN);
	}
	for (unsigned int i = 0; i < MESH_MAX_ROUTES; i++) {
		struct mesh_route *r = &m->routes[i];

		if (!r->used || mesh_neigh_alive(m, r->id))
			continue; /* a live neighbour's own entry wins */
		mesh_route_metric(m, r, nh, &k);
		dp_sync_route(m, r->id, nh, k, &r->in_dp);
	}
	/* a new set waits for the workers' grace period: only when it changed */
	if (nn == m->dp_nn && memcmp(ids, m->dp_neigh_id, nn * sizeof(ids[0])) == 0 &&
		memcmp(idx, m->dp_neigh_idx, nn * sizeof(idx[0])) == 0)
		return;
	if (vh_dp_neigh_set(m->dp, (const uint8_t(*)[32])ids, idx, nn) != 0)
		return;
	m->dp_nn = nn;
	memcpy(m->dp_neigh_id, ids, nn * sizeof(ids[0]));
	memcpy(m->dp_neigh_idx, idx, nn * sizeof(idx[0]));
}

void
mesh_tick(struct vh_mesh *m, uint64_t now_ms)
{
	if (!m->on)
		return;
	hellos(m, now_ms);
	expire(m, now_ms);
	mesh_dht_tick(m, now_ms);
	mesh_cmds_tick(m, now_ms);
	/* link_dp_index changes without an event when keys move to the workers */
	if (m->dp_dirty || now_ms >= m->next_sync_ms) {
		dp_sync(m);
		m->next_sync_ms = now_ms + 1000;
	}
}
