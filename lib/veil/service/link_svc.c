/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The link service's life and registrations: keys and tables at init, the
 * configured peers at start, link frames (0x10-0x14) from the runtime's
 * frame table, its counters and commands; everything wiped at stop.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "vh_bifrost.h"

#include "link_svc.h"

static const uint8_t versions[] = {LINK_VERSION};
static const char *const link_names[] = {LINK_COUNTERS(VH_NODE_COUNTER_NAME)};

/* Our identity payload: NodeID key, static key signature, our /udp/ addresses. */
static int
identity_payload(struct vh_link *lk)
{
	char addrs[VH_IDENTITY_MAX_ADDRS][VH_IDENTITY_ADDR_MAX + 1];
	const char *ptrs[VH_IDENTITY_MAX_ADDRS];
	struct vh_identity_payload p;
	size_t k = 0;
	char ip[INET_ADDRSTRLEN];
	int rc;

	for (unsigned int i = 0; i < lk->cfg->n_ports && k < VH_IDENTITY_MAX_ADDRS; i++) {
		if (!lk->cfg->ports[i].has_ipv4)
			continue;
		inet_ntop(AF_INET, &lk->cfg->ports[i].ipv4.addr, ip, sizeof(ip));
		snprintf(addrs[k], sizeof(addrs[k]), "/udp/%s:%u", ip, lk->cfg->overlay.udp_port);
		ptrs[k] = addrs[k];
		k++;
	}
	rc = vh_identity_payload_build(lk->id, versions, sizeof(versions), ptrs, k, &p);
	if (rc == 0)
		rc = vh_identity_payload_encode(&p, lk->idpl, sizeof(lk->idpl));
	if (rc < 0)
		return rc;
	lk->idpl_len = (size_t)rc;
	return 0;
}

static void
timing_from_config(const struct vh_config *cfg, struct vh_veil_timing *t)
{
	vh_veil_timing_default(t);
	t->rekey_after_time = (uint64_t)cfg->veil.rekey_after_s * 1000;
	t->reject_after_time = (uint64_t)cfg->veil.reject_after_s * 1000;
	t->keepalive_timeout = (uint64_t)cfg->veil.keepalive_s * 1000;
	t->rekey_timeout = cfg->veil.rekey_timeout_ms;
	t->rekey_jitter = RTE_MIN(t->rekey_jitter, t->rekey_timeout / 3);
	t->backoff_max = (uint64_t)cfg->veil.backoff_max_s * 1000;
	t->rekey_attempt_time = (uint64_t)cfg->veil.rekey_attempt_s * 1000;
	t->persistent_keepalive = (uint64_t)cfg->veil.persistent_keepalive_s * 1000;
}

/*
 * Session indices: unique in the index table, and no two of ours in the
 * same data-plane slot (index modulo VH_DP_SESSIONS), so that every
 * keypair can be installed.
 */
static int
index_reserve(void *ctx, uint32_t idx)
{
	struct vh_link *l = ctx;
	uint32_t slot = idx % VH_DP_SESSIONS;
	int rc;

	if (l->slot_used[slot / 8] & (1u << (slot % 8)))
		return -EEXIST;
	rc = l->table_ops.reserve(l->table_ops.ctx, idx);
	if (rc == 0)
		l->slot_used[slot / 8] |= (uint8_t)(1u << (slot % 8));
	return rc;
}

static void
index_release(void *ctx, uint32_t idx)
{
	struct vh_link *l = ctx;
	uint32_t slot = idx % VH_DP_SESSIONS;

	l->table_ops.release(l->table_ops.ctx, idx);
	l->slot_used[slot / 8] &= (uint8_t) ~(1u << (slot % 8));
}

static int
link_keys(struct vh_link *l)
{
	/* the node's Noise static key, signed by its identity key (lib/node) */
	if (!l->id->has_noise || vh_noise_keypair_from_private(&l->kp, l->id->noise_priv) != 0)
		return -EINVAL;
	l->idx = vh_veil_index_table_new(4 * LINK_MAX_PEERS + 4 * LINK_MAX_PENDING);
	if (l->idx == NULL)
		return -ENOMEM;
	vh_veil_index_table_ops(l->idx, &l->table_ops);
	l->ops.reserve = index_reserve;
	l->ops.release = index_release;
	l->ops.ctx = l;
	l->guard = hsguard_create();
	if (l->guard == NULL)
		return -ENOMEM;
	l->hsc.hash = VH_NOISE_SHA256;
	l->hsc.local_static = &l->kp;
	l->hsc.index = &l->ops;
	vh_veil_cookie_checker_init(&l->ck, l->kp.pub, l->cfg->veil.accept_unknown, NULL, NULL);
	timing_from_config(l->cfg, &l->timing);
	return identity_payload(l);
}

struct vh_link *
vh_link_get(const struct vh_node *n)
{
	return vh_node_service(n, "link");
}

int
vh_link_on_event(struct vh_link *lk, vh_link_event_fn fn, void *ctx)
{
	if (lk == NULL || fn == NULL)
		return -EINVAL;
	if (lk->event != NULL)
		return -EEXIST;
	lk->event = fn;
	lk->event_ctx = ctx;
	return 0;
}

void
link_event(struct vh_link *lk, const uint8_t *nodeid, bool up)
{
	if (lk->event != NULL)
		lk->event(lk->event_ctx, nodeid, up);
}

/* A link frame from the wire: where it came from, as the runtime tells it. */
static void
on_frame(void *ctx, const struct vh_node_frame *f)
{
	struct vh_host_l2 l2 = {.port = f->port};
	struct vh_veil_endpoint src;

	if (f->pkt == NULL)
		return; /* link frames travel outside sessions only */
	if (f->pkt->ip_ver == 4)
		vh_veil_endpoint_ipv4(&src, f->pkt->src, f->pkt->sport);
	else
		vh_veil_endpoint_ipv6(&src, f->pkt->src, f->pkt->sport);
	memcpy(l2.mac, f->pkt->src_mac, sizeof(l2.mac));
	link_input(ctx, f->type, f->payload, f->len, &src, &l2);
}

static int
registrations(struct vh_node *n, struct vh_link *lk)
{
	int rc = 0;

	for (unsigned int t = VH_BIFROST_HANDSHAKE_INIT; t <= VH_BIFROST_HANDSHAKE_FINISH; t++)
		rc |= vh_node_on_frame(n, (uint8_t)t, on_frame, lk);
	rc |= vh_node_counters_add(
		n, "link", link_names, (const uint64_t *)&lk->cnt, RTE_DIM(link_names));
	rc |= link_cmds_register(lk);
	return rc != 0 ? -EINVAL : 0;
}

static int
svc_init(struct vh_node *n, void **ctx)
{
	struct vh_link *lk = calloc(1, sizeof(*lk));
	int rc;

	if (lk == NULL)
		return -ENOMEM;
	*ctx = lk;
	lk->node = n;
	lk->cfg = vh_node_config(n);
	lk->id = vh_node_identity(n);
	lk->dp = vh_node_dp(n);
	lk->host = vh_host_get(n);
	if (lk->host == NULL)
		return -ENOENT; /* "host" must be listed before "link" */
	rc = registrations(n, lk);
	if (rc != 0 || !lk->cfg->veil.enabled)
		return rc;
	lk->on = true;
	rc = link_keys(lk);
	if (rc != 0) {
		VH_NODE_LOG(ERR, "link layer not started: %s", strerror(-rc));
		return rc;
	}
	return 0;
}

static int
svc_start(void *ctx)
{
	struct vh_link *lk = ctx;
	char err[256] = "";

	if (!lk->on) {
		if (lk->cfg->n_peers > 0)
			VH_NODE_LOG(WARNING, "%u peer(s) configured but veil.enabled is false",
				lk->cfg->n_peers);
		return 0;
	}
	lk->tofu = vh_tofu_open(lk->cfg->node.data_dir, 4096, err, sizeof(err));
	if (lk->tofu == NULL)
		VH_NODE_LOG(WARNING, "TOFU pins unavailable (%s): NodeIDs are not pinned", err);
	else if (vh_tofu_damaged(lk->tofu) > 0)
		VH_NODE_LOG(ERR, "%s", vh_tofu_errmsg(lk->tofu));
	if (peers_from_config(lk) != 0)
		return -EINVAL;
	VH_NODE_LOG(NOTICE, "Veil link sessions (keys in the data plane): %u configured peer(s)",
		lk->cfg->n_peers);
	return 0;
}

/* Peers, handshakes and keys go while the workers still hold sessions. */
static void
svc_stop(void *ctx)
{
	struct vh_link *l = ctx;

	for (unsigned int i = 0; i < LINK_MAX_PEERS; i++)
		if (l->peers[i] != NULL)
			peer_free(l, l->peers[i]);
	for (unsigned int i = 0; i < LINK_MAX_PENDING; i++)
		link_pending_drop(&l->pend[i]);
	vh_veil_cookie_checker_wipe(&l->ck);
	vh_tofu_close(l->tofu);
	l->tofu = NULL;
}

static void
svc_free(void *ctx)
{
	struct vh_link *l = ctx;

	hsguard_free(l->guard);
	vh_veil_index_table_free(l->idx);
	sodium_memzero(l, sizeof(*l));
	free(l);
}

static void
svc_round(void *ctx)
{
	struct vh_link *lk = ctx;

	if (lk->on)
		hsguard_round(lk->guard);
}

static void
svc_tick(void *ctx, uint64_t now_ms)
{
	link_tick(ctx, now_ms);
}

const struct vh_node_service vh_link_service = {
	.name = "link",
	.init = svc_init,
	.start = svc_start,
	.tick = svc_tick,
	.round = svc_round,
	.stop = svc_stop,
	.free = svc_free,
};
