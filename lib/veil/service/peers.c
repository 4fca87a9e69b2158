/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The link layer's peer table: configured neighbours and the ones that
 * reached us, matched by NodeID (learnt from the identity payload, pinned
 * by config or TOFU) or by their configured address; and their keypairs in
 * the data plane (docs/link-dataplane.md). The commands are in cmds.c.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "vh_bifrost.h"

#include "link_svc.h"

bool
peer_endpoint_parse(const char *text, struct vh_veil_endpoint *ep)
{
	struct vh_pathaddr pa;
	char err[64];

	if (vh_pathaddr_parse(text, &pa, err, sizeof(err)) != 0 || pa.kind != VH_PATHADDR_UDP)
		return false;
	if (pa.family == 4)
		vh_veil_endpoint_ipv4(ep, pa.addr, pa.port);
	else
		vh_veil_endpoint_ipv6(ep, pa.addr, pa.port);
	return true;
}

struct link_peer *
peer_new(struct vh_link *lk, const char *address, const char *name, const uint8_t *nodeid,
	const struct vh_veil_endpoint *ep)
{
	struct vh_veil_peer_conf pc = {0};
	struct link_peer *lp;
	unsigned int slot;

	for (slot = 0; slot < LINK_MAX_PEERS && lk->peers[slot] != NULL; slot++)
		;
	if (slot == LINK_MAX_PEERS)
		return NULL;
	lp = calloc(1, sizeof(*lp));
	if (lp == NULL)
		return NULL;
	if (address != NULL) {
		snprintf(lp->address, sizeof(lp->address), "%s", address);
		lp->configured = peer_endpoint_parse(address, &lp->ep_cfg);
	}
	if (name != NULL)
		snprintf(lp->name, sizeof(lp->name), "%s", name);
	if (nodeid != NULL) {
		memcpy(lp->nodeid, nodeid, sizeof(lp->nodeid));
		lp->has_nodeid = true;
	}
	pc.timing = lk->timing;
	pc.hs = &lk->hsc;
	pc.endpoint = lp->configured ? &lp->ep_cfg : ep;
	pc.keep_link = lp->configured;
	lp->vp = vh_veil_peer_new(&pc);
	if (lp->vp == NULL) {
		free(lp);
		return NULL;
	}
	lk->peers[slot] = lp;
	return lp;
}

void
peer_free(struct vh_link *lk, struct link_peer *lp)
{
	for (unsigned int i = 0; i < LINK_MAX_PEERS; i++)
		if (lk->peers[i] == lp)
			lk->peers[i] = NULL;
	if (lp->has_nodeid)
		link_event(lk, lp->nodeid, false);
	peer_dp_remove_all(lk, lp);
	vh_veil_peer_free(lp->vp);
	if (lp->staged != NULL) {
		sodium_memzero(lp->staged, LINK_STAGED * sizeof(*lp->staged));
		free(lp->staged);
	}
	sodium_memzero(lp, sizeof(*lp));
	free(lp);
}

/* The TOFU label: the configured name, else the configured address. */
const char *
peer_label(const struct link_peer *lp)
{
	if (lp->name[0] != '\0')
		return lp->name;
	return lp->address[0] != '\0' ? lp->address : NULL;
}

struct link_peer *
peer_by_nodeid(struct vh_link *lk, const uint8_t *nodeid)
{
	for (unsigned int i = 0; i < LINK_MAX_PEERS; i++) {
		struct link_peer *lp = lk->peers[i];

		if (lp != NULL && lp->has_nodeid &&
			memcmp(lp->nodeid, nodeid, VH_IDENTITY_NODEID_LEN) == 0)
			return lp;
	}
	return NULL;
}

/*
 * The configured peer at this endpoint: whoever answers from a configured
 * address must prove that peer's pinned NodeID, if it has one.
 */
static struct link_peer *
peer_by_endpoint(struct vh_link *lk, const struct vh_veil_endpoint *ep)
{
	for (unsigned int i = 0; i < LINK_MAX_PEERS; i++) {
		struct link_peer *lp = lk->peers[i];

		if (lp != NULL && lp->configured && vh_veil_endpoint_equal(&lp->ep_cfg, ep))
			return lp;
	}
	return NULL;
}

/* The peer whose own pending initiation has local index idx. */
struct link_peer *
peer_by_hs_index(struct vh_link *lk, uint32_t idx)
{
	for (unsigned int i = 0; i < LINK_MAX_PEERS; i++) {
		struct link_peer *lp = lk->peers[i];

		if (lp != NULL && idx != 0 &&
			vh_veil_hs_local_index(vh_veil_peer_handshake(lp->vp)) == idx)
			return lp;
	}
	return NULL;
}

struct link_peer *
peer_by_keypair_index(struct vh_link *lk, uint32_t idx)
{
	for (unsigned int i = 0; i < LINK_MAX_PEERS; i++) {
		struct link_peer *lp = lk->peers[i];

		if (lp != NULL && vh_veil_peer_keypair_by_index(lp->vp, idx) != NULL)
			return lp;
	}
	return NULL;
}

static void
log_refused(struct vh_link *lk, const struct link_peer *lp, const uint8_t *got, const uint8_t *want,
	const char *why)
{
	char g[VH_IDENTITY_NODEID_TEXT_MAX + 1] = "", w[VH_IDENTITY_NODEID_TEXT_MAX + 1] = "";

	vh_identity_nodeid_format(got, g, sizeof(g));
	vh_identity_nodeid_format(want, w, sizeof(w));
	LINK_DROP(lk, link_key_rejected, VEIL_KEY_REJECTED);
	VH_NODE_LOG(WARNING,
		"peer %s refused: it proved NodeID %s but %s is %s; "
		"to accept the new key, remove the pin (remove-peer, then add-peer)",
		peer_label(lp) != NULL ? peer_label(lp) : "?", g, why, w);
}

/* Pin checks for a peer that just proved nodeid: config pin, then TOFU. */
static int
peer_accepts(struct vh_link *lk, struct link_peer *lp, const uint8_t *nodeid)
{
	uint8_t pinned[VH_IDENTITY_NODEID_LEN];
	bool now = false;
	int rc;

	if (lp->has_nodeid && memcmp(lp->nodeid, nodeid, VH_IDENTITY_NODEID_LEN) != 0) {
		log_refused(lk, lp, nodeid, lp->nodeid,
			lp->pinned_cfg ? "the configured node_id" : "the pinned NodeID");
		return -EKEYREJECTED;
	}
	if (lk->tofu == NULL || peer_label(lp) == NULL)
		return 0;
	rc = vh_tofu_check_and_pin(lk->tofu, peer_label(lp), nodeid, pinned, &now);
	if (rc == -EKEYREJECTED) {
		log_refused(lk, lp, nodeid, pinned, "the TOFU pin");
		return rc;
	}
	if (rc == -EBADMSG) { /* a damaged pin is never a first use again */
		VH_NODE_LOG(ERR, "peer %s refused: %s", peer_label(lp), vh_tofu_errmsg(lk->tofu));
		return rc;
	}
	if (rc != 0)
		VH_NODE_LOG(WARNING, "TOFU store: %s", vh_tofu_errmsg(lk->tofu));
	else if (now)
		VH_NODE_LOG(NOTICE, "peer %s pinned on first use", peer_label(lp));
	return 0;
}

int
peer_verify(struct vh_link *lk, struct link_peer *lp, const uint8_t *nodeid)
{
	struct link_peer *dup;

	if (peer_accepts(lk, lp, nodeid) != 0)
		return -EKEYREJECTED;
	/* an inbound entry for the same node is superseded by this one */
	dup = peer_by_nodeid(lk, nodeid);
	if (dup != NULL && dup != lp && !dup->configured)
		peer_free(lk, dup);
	memcpy(lp->nodeid, nodeid, VH_IDENTITY_NODEID_LEN);
	lp->has_nodeid = true;
	return 0;
}

struct link_peer *
peer_match(struct vh_link *lk, const uint8_t *nodeid, const struct vh_veil_endpoint *src)
{
	struct link_peer *lp = peer_by_nodeid(lk, nodeid);

	if (lp == NULL)
		lp = peer_by_endpoint(lk, src);
	if (lp == NULL) {
		if (!lk->cfg->veil.accept_unknown) {
			lk->cnt.link_unknown_refused++;
			return NULL;
		}
		lp = peer_new(lk, NULL, NULL, nodeid, src);
		if (lp == NULL)
			return NULL;
		lp->has_nodeid = false; /* set by peer_verify() */
	}
	return peer_verify(lk, lp, nodeid) == 0 ? lp : NULL;
}

/* Learn a configured peer's NodeID from config or from its TOFU pin. */
void
peer_preload(struct vh_link *lk, struct link_peer *lp, const struct vh_config_peer *cp)
{
	if (cp != NULL && cp->has_node_id) {
		memcpy(lp->nodeid, cp->node_id, VH_IDENTITY_NODEID_LEN);
		lp->has_nodeid = lp->pinned_cfg = true;
		return;
	}
	if (lk->tofu != NULL && peer_label(lp) != NULL &&
		vh_tofu_lookup(lk->tofu, peer_label(lp), lp->nodeid) == 0)
		lp->has_nodeid = true;
}

int
peers_from_config(struct vh_link *lk)
{
	for (unsigned int i = 0; i < lk->cfg->n_peers; i++) {
		const struct vh_config_peer *cp = &lk->cfg->peers[i];
		struct link_peer *lp = peer_new(lk, cp->address, cp->name, NULL, NULL);

		if (lp == NULL) {
			VH_NODE_LOG(ERR, "peer %s: %s", cp->address, strerror(errno));
			return -1;
		}
		peer_preload(lk, lp, cp);
	}
	return 0;
}

int
vh_link_connect(struct vh_link *lk, const char *pathaddr)
{
	struct vh_veil_endpoint ep;

	if (!link_on(lk))
		return -ENOTCONN;
	if (strlen(pathaddr) >= VH_CONFIG_PEER_ADDR_LEN || !peer_endpoint_parse(pathaddr, &ep))
		return -EINVAL;
	for (unsigned int i = 0; i < LINK_MAX_PEERS; i++) {
		struct link_peer *lp = lk->peers[i];

		if (lp != NULL && lp->configured && vh_veil_endpoint_equal(&lp->ep_cfg, &ep))
			return -EEXIST;
	}
	return peer_new(lk, pathaddr, NULL, NULL, NULL) != NULL ? 0 : -ENOSPC;
}

/* ---- the peer's keypairs in the data plane (docs/link-dataplane.md) ---- */

/* Port and next-hop MAC for ep, if the neighbour cache has it. */
static bool
resolve(struct vh_link *lk, const struct vh_veil_endpoint *ep, uint16_t *port, uint8_t *mac)
{
	unsigned int p;
	uint8_t nh[16];

	if (ep->family == 0 || vh_host_route(lk->host, ep->family, ep->addr, &p, nh) != 0)
		return false;
	*port = (uint16_t)p;
	return vh_net_neigh_lookup(
		       vh_host_neigh(lk->host, *port), ep->family, nh, mac, vh_node_now_ms()) == 0;
}

struct link_dpkp *
peer_dp_find(struct link_peer *lp, const struct vh_veil_keypair *kp)
{
	uint32_t idx = vh_veil_keypair_local_index(kp);

	for (unsigned int i = 0; kp != NULL && i < LINK_DPKP; i++)
		if (lp->dk[i].local_index == idx && lp->dk[i].kp == kp)
			return &lp->dk[i];
	return NULL;
}

static struct link_dpkp *
dp_by_index(struct link_peer *lp, uint32_t idx)
{
	for (unsigned int i = 0; idx != 0 && i < LINK_DPKP; i++)
		if (lp->dk[i].local_index == idx)
			return &lp->dk[i];
	return NULL;
}

/*
 * Keep the vh_veil keypair's own send counter at least at the data plane's:
 * it is never used for sealing once installed, but vh_veil's limits
 * (rekey and reject after messages) and `sessions` read it.
 */
static void
mirror_counter(struct link_peer *lp, uint32_t idx, uint64_t next)
{
	struct vh_veil_keypair *kp = vh_veil_peer_keypair_by_index(lp->vp, idx);
	uint64_t first;

	while (kp != NULL && vh_veil_keypair_send_counter(kp) < next) {
		uint64_t d = next - vh_veil_keypair_send_counter(kp);

		if (vh_veil_keypair_reserve(
			    kp, d > UINT32_MAX ? UINT32_MAX : (uint32_t)d, &first) != 0)
			break;
	}
}

/* Where the workers send a session's frames: the peer's endpoint via port and next hop. */
static void
endpoint_conf(struct vh_dp_session_conf *c, const struct vh_veil_endpoint *ep, uint16_t port,
	const uint8_t *mac)
{
	c->has_endpoint = true;
	c->port_idx = port;
	c->ip_ver = ep->family;
	memcpy(c->dst_ip, ep->addr, sizeof(c->dst_ip));
	c->dst_port = ep->port;
	memcpy(c->dst_mac, mac, sizeof(c->dst_mac));
}

static int
dp_install(struct vh_link *lk, struct link_peer *lp, struct link_dpkp *d, uint64_t send_counter)
{
	const struct vh_veil_endpoint *ep = vh_veil_peer_endpoint(lp->vp);
	struct vh_dp_session_conf c = {0};
	uint16_t port = 0;
	uint8_t mac[6] = {0};
	bool has_ep = resolve(lk, ep, &port, mac);
	int rc;

	c.local_index = d->local_index;
	c.remote_index = vh_veil_keypair_remote_index(d->kp);
	vh_veil_keypair_keys(d->kp, c.send_key, c.recv_key);
	c.send_counter = send_counter;
	if (has_ep)
		endpoint_conf(&c, ep, port, mac);
	rc = vh_dp_session_install(lk->dp, &c);
	sodium_memzero(&c, sizeof(c));
	if (rc != 0)
		return rc;
	lk->cnt.link_dp_installs++;
	d->installed = true;
	d->has_ep = has_ep;
	d->ep = *ep;
	d->port = port;
	memcpy(d->mac, mac, sizeof(mac));
	memset(&d->seen, 0, sizeof(d->seen));
	return 0;
}

static void
used(struct link_peer *lp, uint32_t idx, bool data, const struct vh_veil_endpoint *src,
	uint64_t now)
{
	struct vh_veil_endpoint before = *vh_veil_peer_endpoint(lp->vp);

	if (vh_veil_peer_on_keypair_used(lp->vp, idx, data, src, now) == 0 &&
		!vh_veil_endpoint_equal(&before, vh_veil_peer_endpoint(lp->vp)))
		lp->roams++;
}

/* What the data plane counted since the last poll: totals, and to vh_veil (feed). */
static void
dp_poll(struct vh_link *lk, struct link_peer *lp, struct link_dpkp *d, bool feed, uint64_t now)
{
	struct vh_dp_session_stats st;
	struct vh_veil_endpoint hint;
	uint64_t rx, ka, tx;

	if (!d->installed || vh_dp_session_stats(lk->dp, d->local_index, &st) != 0)
		return;
	rx = st.rx_packets - d->seen.rx_packets;
	ka = st.rx_keepalives - d->seen.rx_keepalives;
	tx = st.tx_packets - d->seen.tx_packets;
	lp->rx_packets += rx;
	lp->rx_bytes += st.rx_bytes - d->seen.rx_bytes;
	lp->tx_packets += tx;
	lp->tx_bytes += st.tx_bytes - d->seen.tx_bytes;
	lp->dp_rx_packets += rx;
	lp->dp_keepalives += ka;
	lp->dp_tx_packets += tx;
	lp->dp_auth_failed += st.auth_failed - d->seen.auth_failed;
	lp->dp_replayed += st.replayed - d->seen.replayed;
	d->seen = st;
	if (!feed)
		return;
	if (rx > 0) {
		/* the workers note a source only for a newest-counter frame */
		bool roam = st.src_ip_ver != 0;

		if (roam && st.src_ip_ver == 4)
			vh_veil_endpoint_ipv4(&hint, st.src_ip, st.src_port);
		else if (roam)
			vh_veil_endpoint_ipv6(&hint, st.src_ip, st.src_port);
		used(lp, d->local_index, rx > ka, roam ? &hint : NULL, now);
	}
	if (tx > 0)
		vh_veil_peer_on_data_sent(lp->vp, now);
	mirror_counter(lp, d->local_index, st.send_counter);
}

static void
dp_drop(struct vh_link *lk, struct link_peer *lp, struct link_dpkp *d, uint64_t now)
{
	if (d->installed) {
		dp_poll(lk, lp, d, false, now);
		vh_dp_session_remove(lk->dp, d->local_index);
		lk->cnt.link_dp_removes++;
	}
	memset(d, 0, sizeof(*d));
}

/*
 * A new endpoint, or a next-hop MAC learnt or changed: move the data-plane
 * session in place, so its send counter and replay window carry on.
 */
static void
dp_refresh(struct vh_link *lk, struct link_peer *lp, struct link_dpkp *d, uint64_t now)
{
	const struct vh_veil_endpoint *ep = vh_veil_peer_endpoint(lp->vp);
	struct vh_dp_session_conf c = {0};
	uint16_t port;
	uint8_t mac[6];

	if (!resolve(lk, ep, &port, mac))
		return; /* keep what it has until the new next hop resolves */
	if (d->has_ep && vh_veil_endpoint_equal(&d->ep, ep) && d->port == port &&
		memcmp(d->mac, mac, sizeof(mac)) == 0)
		return;
	dp_poll(lk, lp, d, true, now);
	c.local_index = d->local_index;
	endpoint_conf(&c, ep, port, mac);
	if (vh_dp_session_set_endpoint(lk->dp, &c) != 0)
		return;
	d->has_ep = true;
	d->ep = *ep;
	d->port = port;
	memcpy(d->mac, mac, sizeof(mac));
	lp->endpoint_moves++;
	lk->cnt.link_dp_endpoint_moves++;
}

/* A record not holding any keypair (dp_by_index() never matches index 0). */
static struct link_dpkp *
dp_free_slot(struct link_peer *lp)
{
	for (unsigned int i = 0; i < LINK_DPKP; i++)
		if (lp->dk[i].local_index == 0)
			return &lp->dk[i];
	return NULL;
}

static void
dp_add(struct vh_link *lk, struct link_peer *lp, struct vh_veil_keypair *kp, uint64_t now)
{
	struct link_dpkp *d = dp_free_slot(lp);
	int rc;

	if (d == NULL)
		return; /* cannot happen: three slots, LINK_DPKP records */
	d->local_index = vh_veil_keypair_local_index(kp);
	d->kp = kp;
	d->created_ms = now;
	/* only now, before anything was sent or received under it: one replay window */
	rc = dp_install(lk, lp, d, vh_veil_keypair_send_counter(kp));
	if (rc != 0)
		lk->cnt.link_dp_install_failed++;
	if (rc != 0)
		VH_NODE_LOG(WARNING, "keypair %u stays on the control lcore: %s", d->local_index,
			strerror(-rc));
}

void
peer_dp_sync(struct vh_link *lk, struct link_peer *lp, uint64_t now)
{
	for (unsigned int i = 0; i < LINK_DPKP; i++)
		if (lp->dk[i].installed)
			dp_poll(lk, lp, &lp->dk[i], true, now);
	for (unsigned int i = 0; i < LINK_DPKP; i++) {
		struct link_dpkp *d = &lp->dk[i];

		if (d->local_index != 0 &&
			vh_veil_peer_keypair_by_index(lp->vp, d->local_index) != d->kp)
			dp_drop(lk, lp, d, now);
	}
	for (unsigned int s = VH_VEIL_SLOT_PREVIOUS; s <= VH_VEIL_SLOT_NEXT; s++) {
		struct vh_veil_keypair *kp = vh_veil_peer_keypair(lp->vp, s);

		if (kp != NULL && peer_dp_find(lp, kp) == NULL)
			dp_add(lk, lp, kp, now);
	}
	for (unsigned int i = 0; i < LINK_DPKP; i++)
		if (lp->dk[i].installed)
			dp_refresh(lk, lp, &lp->dk[i], now);
	peer_report(lk, lp);
}

void
peer_dp_used(struct vh_link *lk, struct link_peer *lp, uint32_t local_index, bool data,
	const struct vh_veil_endpoint *src, uint64_t now)
{
	used(lp, local_index, data, src, now);
	peer_dp_sync(lk, lp, now);
}

void
peer_dp_remove_all(struct vh_link *lk, struct link_peer *lp)
{
	uint64_t now = vh_node_now_ms();

	for (unsigned int i = 0; i < LINK_DPKP; i++)
		if (lp->dk[i].local_index != 0)
			dp_drop(lk, lp, &lp->dk[i], now);
}

/* The data-plane index the workers send to this peer on: 0 if none. */
static uint32_t
dp_send_index(struct link_peer *lp)
{
	struct link_dpkp *d = peer_dp_find(lp, vh_veil_peer_keypair(lp->vp, VH_VEIL_SLOT_CURRENT));

	return d != NULL && d->installed && d->has_ep ? d->local_index : 0;
}

void
peer_report(struct vh_link *lk, struct link_peer *lp)
{
	bool up = vh_veil_peer_is_up(lp->vp);
	uint32_t idx = up ? dp_send_index(lp) : 0;

	if (!lp->has_nodeid || (up == lp->reported_up && idx == lp->reported_index))
		return;
	lp->reported_up = up;
	lp->reported_index = idx;
	link_event(lk, lp->nodeid, up);
}

int
vh_link_dp_index(struct vh_link *lk, const uint8_t *nodeid, uint32_t *local_index)
{
	struct link_peer *lp = link_on(lk) ? peer_by_nodeid(lk, nodeid) : NULL;
	uint32_t idx = lp != NULL && vh_veil_peer_is_up(lp->vp) ? dp_send_index(lp) : 0;

	if (idx == 0)
		return -ENOENT;
	*local_index = idx;
	return 0;
}

bool
peer_dp_holds(struct link_peer *lp, uint32_t local_index)
{
	struct link_dpkp *d = dp_by_index(lp, local_index);

	return d != NULL && d->installed;
}
