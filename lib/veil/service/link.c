/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Veil link sessions on the control lcore: handshakes (XX on first contact,
 * IK once the peer's static key is known) behind the handshake defence
 * (hsguard.c), the identity payload that binds the Noise static key to the
 * NodeID, and LINK_DATA whose plaintext is a Bifrost datagram. Every
 * keypair goes to the data plane (peers.c), whose workers then open and
 * seal its LINK_DATA; what the control lcore seals itself on such a
 * keypair takes its counter from the data plane (docs/link-dataplane.md).
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <sodium.h>

#include "vh_bifrost.h"

#include "link_svc.h"

#define LINK_BUF (VH_BIFROST_HDR_LEN + VH_VEIL_RESP_HDR_LEN + 512 + VH_IDENTITY_PAYLOAD_MAX)
#define LINK_VERSION 1

static const uint8_t link_versions[] = {LINK_VERSION};

int
link_send_frame(struct vh_link *lk, const struct vh_veil_endpoint *ep, uint8_t type, uint8_t *buf,
	size_t plen)
{
	if (ep == NULL || ep->family == 0)
		return -EDESTADDRREQ;
	if (vh_bifrost_encode_header(buf, VH_BIFROST_HDR_LEN + plen, type, (uint32_t)plen) < 0)
		return -EINVAL;
	if (type == VH_BIFROST_LINK_DATA)
		lk->cnt.link_data_tx++;
	else
		lk->cnt.link_hs_tx++;
	return vh_host_send_udp(lk->host, ep->family, ep->addr, ep->port, buf,
		(uint16_t)(VH_BIFROST_HDR_LEN + plen));
}

int
link_reply_frame(struct vh_link *lk, const struct vh_veil_endpoint *src,
	const struct vh_host_l2 *l2, uint8_t type, uint8_t *buf, size_t plen)
{
	if (vh_bifrost_encode_header(buf, VH_BIFROST_HDR_LEN + plen, type, (uint32_t)plen) < 0)
		return -EINVAL;
	lk->cnt.link_hs_tx++;
	return vh_host_reply_udp(lk->host, l2, src->family, src->addr, src->port, buf,
		(uint16_t)(VH_BIFROST_HDR_LEN + plen));
}

/*
 * Seal on a keypair the data plane holds: the counter comes from the data
 * plane (the workers seal under the same key), then vh_veil's send hooks.
 */
static int
seal_dp(struct vh_link *lk, struct link_peer *lp, struct vh_veil_keypair *kp, struct link_dpkp *d,
	const uint8_t *pt, size_t plen, uint8_t *out, size_t *len)
{
	uint8_t key[VH_NOISE_KEY_LEN], nonce[crypto_aead_chacha20poly1305_IETF_NPUBBYTES] = {0};
	uint64_t now = vh_node_now_ms(), ctr, first;
	unsigned long long clen;

	if (now - d->created_ms >= lk->timing.reject_after_time ||
		vh_dp_session_reserve(lk->dp, d->local_index, 1, &ctr) != 0)
		return -ENOKEY;
	/* vh_veil's copy of the counter follows, for its limits */
	if (vh_veil_keypair_send_counter(kp) <= ctr &&
		vh_veil_keypair_reserve(kp,
			(uint32_t)RTE_MIN(ctr + 1 - vh_veil_keypair_send_counter(kp), UINT32_MAX),
			&first) != 0)
		return -ENOKEY;
	vh_veil_data_hdr_encode(out, vh_veil_keypair_remote_index(kp), ctr);
	for (unsigned int i = 0; i < 8; i++)
		nonce[4 + i] = (uint8_t)(ctr >> (8 * i)); /* Noise: 4 zero bytes, LE counter */
	vh_veil_keypair_keys(kp, key, NULL);
	crypto_aead_chacha20poly1305_ietf_encrypt(out + VH_VEIL_DATA_HDR_LEN, &clen, pt, plen, out,
		VH_VEIL_DATA_HDR_LEN, NULL, nonce, key);
	sodium_memzero(key, sizeof(key));
	*len = VH_VEIL_DATA_HDR_LEN + (size_t)clen;
	if (plen > 0)
		vh_veil_peer_on_data_sent(lp->vp, now);
	else
		vh_veil_peer_on_keepalive_sent(lp->vp, now);
	return 0;
}

/* Seal pt (a Bifrost datagram, or nothing for a keepalive) to lp now. */
static int
seal_now(struct vh_link *lk, struct link_peer *lp, const uint8_t *pt, size_t plen)
{
	uint8_t buf[VH_BIFROST_HDR_LEN + VH_VEIL_DATA_MIN_LEN + LINK_DATA_MAX];
	struct vh_veil_keypair *kp = vh_veil_peer_keypair(lp->vp, VH_VEIL_SLOT_CURRENT);
	struct link_dpkp *d = peer_dp_find(lp, kp);
	size_t len;
	int rc;

	if (plen > LINK_DATA_MAX)
		return -EMSGSIZE;
	if (d != NULL && d->installed)
		rc = seal_dp(lk, lp, kp, d, pt, plen, buf + VH_BIFROST_HDR_LEN, &len);
	else
		rc = vh_veil_peer_encrypt(lp->vp, pt, plen, vh_node_now_ms(),
			buf + VH_BIFROST_HDR_LEN, sizeof(buf) - VH_BIFROST_HDR_LEN, &len);
	if (rc != 0)
		return rc;
	lp->tx_packets++;
	lp->tx_bytes += plen;
	return link_send_frame(lk, vh_veil_peer_endpoint(lp->vp), VH_BIFROST_LINK_DATA, buf, len);
}

static void
staged_drop_first(struct vh_link *lk, struct link_peer *lp, unsigned int k)
{
	sodium_memzero(lp->staged, k * sizeof(*lp->staged));
	memmove(lp->staged, lp->staged + k, (lp->n_staged - k) * sizeof(*lp->staged));
	lp->n_staged -= k;
	RTE_SET_USED(lk);
}

/*
 * No usable key (between the expiry of one keypair and the confirmation of
 * the next): hold the datagram, as WireGuard does, and send it once a
 * handshake completes; the oldest goes when the queue is full.
 */
static int
stage(struct vh_link *lk, struct link_peer *lp, const uint8_t *pt, size_t plen)
{
	struct link_staged *e;

	if (lp->staged == NULL) {
		lp->staged = calloc(LINK_STAGED, sizeof(*lp->staged));
		if (lp->staged == NULL)
			return -ENOMEM;
	}
	if (lp->n_staged == LINK_STAGED) {
		staged_drop_first(lk, lp, 1);
		lk->cnt.link_tx_no_key++;
		lp->drops++;
	}
	e = &lp->staged[lp->n_staged++];
	e->t_ms = vh_node_now_ms();
	e->len = (uint16_t)plen;
	memcpy(e->buf, pt, plen);
	lk->cnt.link_tx_staged++;
	return 0;
}

/* Send what was staged, in order, while the peer has a usable key. */
static void
flush_staged(struct vh_link *lk, struct link_peer *lp, uint64_t now)
{
	unsigned int k = 0;

	while (k < lp->n_staged && seal_now(lk, lp, lp->staged[k].buf, lp->staged[k].len) == 0)
		k++;
	/* what is still here after LINK_STAGED_MS is given up */
	while (k < lp->n_staged && now - lp->staged[k].t_ms > LINK_STAGED_MS) {
		lk->cnt.link_tx_no_key++;
		lp->drops++;
		k++;
	}
	if (k > 0)
		staged_drop_first(lk, lp, k);
}

static int
seal_send(struct vh_link *lk, struct link_peer *lp, const uint8_t *pt, size_t plen)
{
	int rc;

	if (lp->n_staged > 0 && plen > 0)
		return stage(lk, lp, pt, plen); /* keep the order */
	rc = seal_now(lk, lp, pt, plen);
	if (rc == -ENOKEY && plen > 0)
		return stage(lk, lp, pt, plen);
	return rc;
}

/* Our payload stamped with the wall clock (IK replay defence): never repeats. */
static int
stamped_payload(struct vh_link *lk, uint8_t *out, size_t cap)
{
	uint8_t tai[VH_IDENTITY_TAI64N_LEN];
	struct timespec ts;
	uint64_t ns;

	clock_gettime(CLOCK_REALTIME, &ts);
	ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	lk->stamp_ns = ns > lk->stamp_ns ? ns : lk->stamp_ns + 1;
	vh_identity_tai64n(lk->stamp_ns, tai);
	return vh_identity_payload_stamp(lk->idpl, lk->idpl_len, tai, out, cap);
}

/*
 * Initiation, written once: vh_veil puts the identity payload only into an
 * IK message 1 (encrypted); an XX message 1 goes without it.
 */
static void
send_init(struct vh_link *lk, struct link_peer *lp, uint64_t now)
{
	uint8_t buf[LINK_BUF], pl[VH_IDENTITY_PAYLOAD_MAX];
	uint8_t *out = buf + VH_BIFROST_HDR_LEN;
	size_t cap = sizeof(buf) - VH_BIFROST_HDR_LEN, len = 0;
	int rc = stamped_payload(lk, pl, sizeof(pl));

	if (rc > 0)
		rc = vh_veil_peer_write_init(lp->vp, pl, (size_t)rc, now, out, cap, &len);
	else if (rc == 0)
		rc = -EINVAL; /* a stamped payload is never empty */
	if (rc != 0) {
		VH_NODE_LOG(WARNING, "handshake to %s not written: %s", lp->address, strerror(-rc));
		return;
	}
	link_send_frame(lk, vh_veil_peer_endpoint(lp->vp), VH_BIFROST_HANDSHAKE_INIT, buf, len);
}

static void
peer_do(struct vh_link *lk, struct link_peer *lp, unsigned int act, uint64_t now)
{
	if (act & VH_VEIL_ACT_SEND_INIT)
		send_init(lk, lp, now);
	if (act & VH_VEIL_ACT_SEND_KEEPALIVE)
		seal_send(lk, lp, NULL, 0);
	/* a dead peer or zeroed keys: the mesh hears it from peer_report() */
	if (act & VH_VEIL_ACT_DEAD) {
		lk->cnt.link_peers_dead++;
		VH_NODE_LOG(NOTICE, "peer %s: no handshake answered, marked dead",
			peer_label(lp) != NULL ? peer_label(lp) : "(inbound)");
	}
}

void
link_pending_drop(struct link_pending *pd)
{
	vh_veil_hs_wipe(&pd->hs);
	pd->used = false;
}

void
link_tick(struct vh_link *lk, uint64_t now_ms)
{
	if (!link_on(lk))
		return;
	for (unsigned int i = 0; i < LINK_MAX_PEERS; i++) {
		struct link_peer *lp = lk->peers[i];
		unsigned int act;

		if (lp == NULL)
			continue;
		act = vh_veil_peer_tick(lp->vp, now_ms);
		/* expired keypairs leave the data plane before any index is reused */
		peer_dp_sync(lk, lp, now_ms);
		peer_do(lk, lp, act, now_ms);
		if (lp->n_staged > 0)
			flush_staged(lk, lp, now_ms);
		/* an inbound peer that went quiet and lost its keys is forgotten */
		if ((act & VH_VEIL_ACT_ZERO_KEYS) && !lp->configured &&
			!vh_veil_peer_has_keys(lp->vp))
			peer_free(lk, lp);
	}
	for (unsigned int i = 0; i < LINK_MAX_PENDING; i++)
		if (lk->pend[i].used && now_ms - lk->pend[i].created_ms > lk->timing.rekey_timeout)
			link_pending_drop(&lk->pend[i]);
}

/* Decode and verify an identity payload against the static key Noise proved. */
static int
identity_check(struct vh_link *lk, const uint8_t *pl, size_t plen, const uint8_t *remote_static,
	uint8_t *nodeid)
{
	struct vh_identity_payload p;
	int rc;

	rc = vh_identity_payload_decode(pl, plen, &p);
	if (rc == 0)
		rc = vh_identity_payload_verify(&p, remote_static, nodeid);
	if (rc == 0 && vh_identity_version_select(
			       link_versions, sizeof(link_versions), p.versions, p.n_versions) < 0)
		rc = -EPROTONOSUPPORT;
	if (rc != 0) {
		lk->cnt.link_identity_bad++;
		return rc;
	}
	if (memcmp(nodeid, lk->id->nodeid, VH_IDENTITY_NODEID_LEN) == 0) {
		lk->cnt.link_identity_bad++;
		return -ELOOP; /* our own address in the config */
	}
	return 0;
}

/*
 * A handshake completed. src moves the peer's endpoint only when the last
 * message proved it (RESP and FINISH answer our ephemeral); an IK
 * initiation can be replayed from anywhere, so it sets the endpoint only
 * for a peer that has none: a roaming initiator is followed once a packet
 * under the new keypair comes from its new address.
 */
static void
completed(struct vh_link *lk, struct link_peer *lp, struct vh_veil_handshake *hs,
	const struct vh_veil_endpoint *src, bool proven, uint64_t now)
{
	char id[VH_IDENTITY_NODEID_TEXT_MAX + 1] = "";
	int act = vh_veil_peer_on_handshake_complete(lp->vp, hs, now);

	if (act < 0) {
		lk->cnt.link_hs_failed++;
		return;
	}
	if (proven || vh_veil_peer_endpoint(lp->vp)->family == 0)
		vh_veil_peer_on_authenticated(lp->vp, src, now);
	/* into the data plane before anything is sent under it */
	peer_dp_sync(lk, lp, now);
	lp->handshakes++;
	lp->last_handshake_ms = now;
	lk->cnt.link_handshakes++;
	vh_identity_nodeid_format(lp->nodeid, id, sizeof(id));
	rte_log(lp->handshakes == 1 ? RTE_LOG_NOTICE : RTE_LOG_INFO, vh_node_logtype,
		"valhalla: session with %s (%s) %s\n", id,
		peer_label(lp) != NULL ? peer_label(lp) : "inbound",
		lp->handshakes == 1 ? "established" : "rekeyed");
	peer_do(lk, lp, (unsigned int)act, now);
	if (lp->n_staged > 0)
		flush_staged(lk, lp, now);
	peer_report(lk, lp);
}

static struct link_pending *
pending_slot(struct vh_link *l)
{
	struct link_pending *oldest = &l->pend[0];

	for (unsigned int i = 0; i < LINK_MAX_PENDING; i++) {
		if (!l->pend[i].used)
			return &l->pend[i];
		if (l->pend[i].created_ms < oldest->created_ms)
			oldest = &l->pend[i];
	}
	link_pending_drop(oldest);
	return oldest;
}

/* IK responder: message 1 carried the initiator's identity. */
static int
init_ik(struct vh_link *lk, struct link_pending *pd, const uint8_t *pl, size_t plen,
	struct link_peer **lpp)
{
	uint8_t rs[VH_NOISE_KEY_LEN], nodeid[VH_IDENTITY_NODEID_LEN];

	if (vh_veil_hs_remote_static(&pd->hs, rs) != 0 ||
		identity_check(lk, pl, plen, rs, nodeid) != 0)
		return -EKEYREJECTED;
	/* not newer than the last initiation accepted from it: a replay, no RESP */
	if (lk->tofu != NULL && vh_tofu_stamp_payload(lk->tofu, nodeid, pl, plen) == -ESTALE) {
		LINK_DROP(lk, hs_stale_timestamp, VEIL_REPLAY);
		return -ESTALE;
	}
	*lpp = peer_match(lk, nodeid, &pd->src);
	return *lpp != NULL ? 0 : -EKEYREJECTED;
}

static void
input_init(struct vh_link *lk, const uint8_t *p, uint32_t len, const struct vh_veil_endpoint *src,
	const struct vh_host_l2 *l2, uint64_t now)
{
	uint8_t pl[VH_IDENTITY_PAYLOAD_MAX], buf[LINK_BUF], e[VH_NOISE_KEY_LEN];
	struct link_pending *pd;
	struct link_peer *lp = NULL;
	size_t plen, olen;

	if (hsguard_check(lk, VH_BIFROST_HANDSHAKE_INIT, p, len, src, l2, now, e) != 0)
		return;
	pd = pending_slot(lk);
	if (vh_veil_hs_read_init(&pd->hs, &lk->hsc, p, len, now, pl, sizeof(pl), &plen) != 0) {
		LINK_DROP(lk, link_drop_auth, VEIL_AUTH);
		vh_veil_hs_wipe(&pd->hs);
		return;
	}
	pd->src = *src;
	pd->created_ms = now;
	pd->used = true;
	memcpy(pd->e, e, sizeof(e));
	if (p[0] == VH_VEIL_WIRE_IK && init_ik(lk, pd, pl, plen, &lp) != 0) {
		link_pending_drop(pd);
		return;
	}
	if (vh_veil_hs_write_resp(&pd->hs, lk->idpl, lk->idpl_len, buf + VH_BIFROST_HDR_LEN,
		    sizeof(buf) - VH_BIFROST_HDR_LEN, &olen) != 0) {
		lk->cnt.link_hs_failed++;
		link_pending_drop(pd);
		return;
	}
	/* the initiator has not proven its address: back to the frame's source MAC */
	link_reply_frame(lk, src, l2, VH_BIFROST_HANDSHAKE_RESP, buf, olen);
	if (lp != NULL) {
		/* IK proved the initiator's static key: this initiation is spent */
		hsguard_remember(lk->guard, e);
		completed(lk, lp, &pd->hs, src, false, now);
		link_pending_drop(pd);
	}
}

static void
input_resp(struct vh_link *lk, const uint8_t *p, uint32_t len, const struct vh_veil_endpoint *src,
	const struct vh_host_l2 *l2, uint64_t now)
{
	uint8_t pl[VH_IDENTITY_PAYLOAD_MAX], buf[LINK_BUF], rs[VH_NOISE_KEY_LEN];
	uint8_t nodeid[VH_IDENTITY_NODEID_LEN];
	struct link_peer *lp;
	uint32_t idx;
	size_t plen, olen;

	if (vh_veil_frame_receiver(VH_VEIL_HANDSHAKE_RESP, p, len, &idx) != 0 ||
		(lp = peer_by_hs_index(lk, idx)) == NULL) {
		LINK_DROP(lk, link_drop_no_session, VEIL_NO_SESSION);
		return;
	}
	if (hsguard_check(lk, VH_BIFROST_HANDSHAKE_RESP, p, len, src, l2, now, NULL) != 0)
		return;
	if (vh_veil_peer_read_resp(lp->vp, p, len, pl, sizeof(pl), &plen) != 0) {
		LINK_DROP(lk, link_drop_auth, VEIL_AUTH);
		lp->drops++;
		return;
	}
	if (vh_veil_hs_remote_static(vh_veil_peer_handshake(lp->vp), rs) != 0 ||
		identity_check(lk, pl, plen, rs, nodeid) != 0 || peer_verify(lk, lp, nodeid) != 0) {
		/* refused (logged); the initiation retries on its timer */
		lp->drops++;
		return;
	}
	if (!vh_veil_hs_is_complete(vh_veil_peer_handshake(lp->vp))) {
		if (vh_veil_peer_write_finish(lp->vp, lk->idpl, lk->idpl_len, now,
			    buf + VH_BIFROST_HDR_LEN, sizeof(buf) - VH_BIFROST_HDR_LEN,
			    &olen) != 0) {
			lk->cnt.link_hs_failed++;
			return;
		}
		link_send_frame(lk, src, VH_BIFROST_HANDSHAKE_FINISH, buf, olen);
	}
	completed(lk, lp, NULL, src, true, now);
}

static struct link_pending *
pending_by_index(struct vh_link *l, uint32_t idx)
{
	for (unsigned int i = 0; i < LINK_MAX_PENDING; i++)
		if (l->pend[i].used && vh_veil_hs_local_index(&l->pend[i].hs) == idx)
			return &l->pend[i];
	return NULL;
}

static void
input_finish(struct vh_link *lk, const uint8_t *p, uint32_t len, const struct vh_veil_endpoint *src,
	const struct vh_host_l2 *l2, uint64_t now)
{
	uint8_t pl[VH_IDENTITY_PAYLOAD_MAX], rs[VH_NOISE_KEY_LEN];
	uint8_t nodeid[VH_IDENTITY_NODEID_LEN];
	struct link_pending *pd;
	struct link_peer *lp;
	uint32_t idx;
	size_t plen;

	if (vh_veil_frame_receiver(VH_VEIL_HANDSHAKE_FINISH, p, len, &idx) != 0 ||
		(pd = pending_by_index(lk, idx)) == NULL) {
		LINK_DROP(lk, link_drop_no_session, VEIL_NO_SESSION);
		return;
	}
	if (hsguard_check(lk, VH_BIFROST_HANDSHAKE_FINISH, p, len, src, l2, now, NULL) != 0)
		return;
	if (vh_veil_hs_read_finish(&pd->hs, p, len, pl, sizeof(pl), &plen) != 0) {
		LINK_DROP(lk, link_drop_auth, VEIL_AUTH);
		return;
	}
	if (vh_veil_hs_remote_static(&pd->hs, rs) == 0 &&
		identity_check(lk, pl, plen, rs, nodeid) == 0 &&
		(lp = peer_match(lk, nodeid, src)) != NULL) {
		hsguard_remember(lk->guard, pd->e);
		completed(lk, lp, &pd->hs, src, true, now);
	}
	link_pending_drop(pd);
}

static void
input_cookie(struct vh_link *lk, const uint8_t *p, uint32_t len, uint64_t now)
{
	struct link_peer *lp;
	uint32_t idx;

	if (vh_veil_frame_receiver(VH_VEIL_COOKIE_REPLY, p, len, &idx) != 0 ||
		(lp = peer_by_hs_index(lk, idx)) == NULL) {
		LINK_DROP(lk, link_drop_no_session, VEIL_NO_SESSION);
		return;
	}
	if (vh_veil_peer_read_cookie_reply(lp->vp, p, len, now) != 0)
		LINK_DROP(lk, link_drop_auth, VEIL_AUTH);
}

/*
 * The plaintext of LINK_DATA: a Bifrost datagram of its own, whose frames
 * go to their handlers (the mesh takes DATA, ping the echo replies) as
 * coming from this peer.
 */
static void
inner_input(struct vh_link *lk, struct link_peer *lp, uint8_t *dgram, size_t len)
{
	if (vh_bifrost_validate(dgram, len) != VH_DROP_NONE) {
		LINK_DROP(lk, link_inner_bad, VEIL_MALFORMED);
		return;
	}
	if (vh_bifrost_echo_reply_inplace(dgram, len) == 0) {
		lk->cnt.link_echo_answered++;
		seal_send(lk, lp, dgram, len);
		return;
	}
	vh_node_datagram_input(lk->node, dgram, len, NULL, 0, lp->has_nodeid ? lp->nodeid : NULL);
}

void
vh_link_opened_input(struct vh_link *lk, uint32_t local_index, uint8_t *dgram, size_t len,
	const struct vh_veil_endpoint *src)
{
	struct link_peer *lp = link_on(lk) ? peer_by_keypair_index(lk, local_index) : NULL;

	if (lp == NULL) {
		LINK_DROP(lk, link_drop_no_session, VEIL_NO_SESSION);
		return;
	}
	/*
	 * The worker authenticated it (its packets and bytes are counted by
	 * the data plane): the first one under a next keypair promotes it
	 * now, so what we answer goes out under it. Its source moves nothing
	 * here: the worker notes the source of newest-counter frames only, and
	 * the next tick roams from that (peer_dp_sync).
	 */
	RTE_SET_USED(src);
	peer_dp_used(lk, lp, local_index, len > 0, NULL, vh_node_now_ms());
	inner_input(lk, lp, dgram, len);
}

int
vh_link_peer_nodeid_by_index(struct vh_link *lk, uint32_t local_index, uint8_t *nodeid)
{
	struct link_peer *lp = link_on(lk) ? peer_by_keypair_index(lk, local_index) : NULL;

	if (lp == NULL || !lp->has_nodeid)
		return -ENOENT;
	memcpy(nodeid, lp->nodeid, VH_IDENTITY_NODEID_LEN);
	return 0;
}

unsigned int
vh_link_neighbours(struct vh_link *lk, uint8_t (*nodeid)[32], unsigned int max)
{
	unsigned int k = 0;

	if (!link_on(lk))
		return 0;
	for (unsigned int i = 0; i < LINK_MAX_PEERS && k < max; i++) {
		struct link_peer *lp = lk->peers[i];

		if (lp != NULL && lp->has_nodeid && vh_link_has_session(lk, lp->nodeid))
			memcpy(nodeid[k++], lp->nodeid, 32);
	}
	return k;
}

static void
count_data_error(struct vh_link *lk, struct link_peer *lp, int rc)
{
	lp->drops++;
	switch (rc) {
	case -EALREADY:
	case -ESTALE:
	case -ERANGE:
		LINK_DROP(lk, link_drop_replay, VEIL_REPLAY);
		break;
	case -EKEYEXPIRED:
		/* the sender's clock had the keypair younger than ours does */
		LINK_DROP(lk, link_drop_expired, VEIL_NO_SESSION);
		break;
	case -ENOKEY:
		LINK_DROP(lk, link_drop_no_session, VEIL_NO_SESSION);
		break;
	case -EBADMSG:
		LINK_DROP(lk, link_drop_auth, VEIL_AUTH);
		break;
	default:
		LINK_DROP(lk, link_drop_malformed, VEIL_MALFORMED);
		break;
	}
}

/*
 * Open a frame of a keypair the data plane holds (it came in a datagram the
 * workers punt whole, or before the install was visible to them): in the
 * data plane's replay window, the keypair's only one, so a frame opened
 * there is refused here and the other way round. Only a frame newer than
 * every one accepted so far may move the peer (WireGuard's rule).
 */
static int
open_dp(struct vh_link *lk, struct link_peer *lp, uint32_t idx, const uint8_t *p, uint32_t len,
	const struct vh_veil_endpoint *src, uint64_t now, uint8_t *out, size_t cap, size_t *olen)
{
	struct vh_veil_data d;
	uint32_t opened;
	uint64_t ctr;
	int rc;

	rc = vh_veil_data_decode(p, len, &d);
	if (rc == 0)
		rc = vh_dp_session_replay_check(lk->dp, idx, d.counter);
	if (rc == 0)
		rc = vh_veil_peer_open(lp->vp, p, len, now, out, cap, olen, &opened, &ctr);
	if (rc == 0)
		rc = vh_dp_session_replay_update(lk->dp, idx, ctr);
	if (rc < 0)
		return rc == -ENOENT ? -ENOKEY : rc;
	peer_dp_used(lk, lp, idx, *olen > 0, rc == 1 ? src : NULL, now);
	return 0;
}

static void
input_data(struct vh_link *lk, const uint8_t *p, uint32_t len, const struct vh_veil_endpoint *src,
	uint64_t now)
{
	uint8_t out[VH_NOISE_MAX_MSG];
	struct link_peer *lp;
	uint32_t idx;
	size_t olen = 0;
	int rc;

	if (vh_veil_frame_receiver(VH_VEIL_LINK_DATA, p, len, &idx) != 0) {
		LINK_DROP(lk, link_drop_malformed, VEIL_MALFORMED);
		return;
	}
	lp = peer_by_keypair_index(lk, idx);
	if (lp == NULL) {
		LINK_DROP(lk, link_drop_no_session, VEIL_NO_SESSION);
		return;
	}
	if (peer_dp_holds(lp, idx))
		rc = open_dp(lk, lp, idx, p, len, src, now, out, sizeof(out), &olen);
	else
		rc = vh_veil_peer_decrypt(lp->vp, p, len, src, now, out, sizeof(out), &olen);
	if (rc != 0) {
		sodium_memzero(out, sizeof(out));
		count_data_error(lk, lp, rc);
		return;
	}
	lk->cnt.link_data_rx++;
	lp->rx_packets++;
	lp->rx_bytes += olen;
	/* the packet may have confirmed (promoted) a new keypair, dropping one */
	peer_dp_sync(lk, lp, now);
	if (lp->n_staged > 0)
		flush_staged(lk, lp, now);
	if (olen > 0)
		inner_input(lk, lp, out, olen);
	sodium_memzero(out, olen);
}

void
link_input(struct vh_link *lk, uint8_t type, const uint8_t *p, uint32_t len,
	const struct vh_veil_endpoint *src, const struct vh_host_l2 *l2)
{
	uint64_t now = vh_node_now_ms();

	if (!link_on(lk)) {
		lk->cnt.link_disabled_rx++;
		return;
	}
	if (type != VH_BIFROST_LINK_DATA)
		lk->cnt.link_hs_rx++;
	switch (type) {
	case VH_BIFROST_HANDSHAKE_INIT:
		input_init(lk, p, len, src, l2, now);
		break;
	case VH_BIFROST_HANDSHAKE_RESP:
		input_resp(lk, p, len, src, l2, now);
		break;
	case VH_BIFROST_HANDSHAKE_FINISH:
		input_finish(lk, p, len, src, l2, now);
		break;
	case VH_BIFROST_COOKIE_REPLY:
		input_cookie(lk, p, len, now);
		break;
	case VH_BIFROST_LINK_DATA:
		input_data(lk, p, len, src, now);
		break;
	default:
		break;
	}
}

int
vh_link_send_datagram(struct vh_link *lk, const uint8_t *nodeid, const uint8_t *dgram, size_t len)
{
	struct link_peer *lp = link_on(lk) ? peer_by_nodeid(lk, nodeid) : NULL;

	if (lp == NULL)
		return -ENOENT;
	return seal_send(lk, lp, dgram, len);
}

bool
vh_link_has_session(struct vh_link *lk, const uint8_t *nodeid)
{
	struct link_peer *lp = link_on(lk) ? peer_by_nodeid(lk, nodeid) : NULL;

	return lp != NULL && vh_veil_peer_is_up(lp->vp);
}
