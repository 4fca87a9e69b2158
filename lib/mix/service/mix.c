/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The mixnode and mix client in the node (docs/mix-node.md): key epochs
 * driven from the control lcore, the workers' key set, the MIX overlay
 * payload dispatch and the 1 ms timer that empties the control lcore's
 * delay wheel.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <sodium.h>

#include "mix_priv.h"

#define MIX_NAME(c) "mix_" #c,
static const char *const mix_names[] = {MIX_COUNTERS(MIX_NAME)};

struct vh_mixnode *
vh_mixnode_get(const struct vh_node *n)
{
	return vh_node_service(n, "mix");
}

uint64_t
mix_unix_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int
mix_rng(void *ctx, uint8_t *buf, size_t len)
{
	RTE_SET_USED(ctx);
	randombytes_buf(buf, len);
	return 0;
}

/* Remember the private key of every key of the set we do not hold yet. */
static void
learn_privs(struct vh_mixnode *m)
{
	struct vh_mix_key_info ki[VH_MIX_KEYS_SLOTS];
	unsigned int n = vh_mix_keys_info(m->keys, ki, RTE_DIM(ki));
	struct vh_dp_mix_key keep[VH_MIX_KEYS_SLOTS] = {0}; /* .replay stays NULL */
	unsigned int k = 0;

	for (unsigned int i = 0; i < n; i++) {
		bool have = false;

		for (unsigned int j = 0; j < m->n_dp_keys && !have; j++) {
			if (m->dp_keys[j].epoch != ki[i].epoch)
				continue;
			keep[k++] = m->dp_keys[j];
			have = true;
		}
		if (have)
			continue;
		keep[k].epoch = ki[i].epoch;
		if (vh_mix_keys_private(m->keys, ki[i].epoch, keep[k].priv) != 0)
			continue;
		/* on disk before its descriptor is signed and published */
		mix_store_key(m, keep[k].epoch, keep[k].priv);
		k++;
	}
	sodium_memzero(m->dp_keys, sizeof(m->dp_keys));
	memcpy(m->dp_keys, keep, k * sizeof(keep[0]));
	m->n_dp_keys = k;
	sodium_memzero(keep, sizeof(keep));
}

/* Hand the workers the current and previous keys (RCU in lib/dp). */
static void
publish_dp(struct vh_mixnode *m)
{
	struct vh_mix_key_info ki[VH_MIX_KEYS_SLOTS];
	unsigned int n = vh_mix_keys_info(m->keys, ki, RTE_DIM(ki));
	struct vh_dp_mix_key set[VH_DP_MIX_KEYS];
	unsigned int k = 0;

	if (!m->dp_on)
		return;
	/* info lists CURRENT first, then PREVIOUS, then NEXT */
	for (unsigned int i = 0; i < n && k < VH_DP_MIX_KEYS; i++) {
		if (ki[i].state != VH_MIX_KEY_CURRENT && ki[i].state != VH_MIX_KEY_PREVIOUS)
			continue;
		for (unsigned int j = 0; j < m->n_dp_keys; j++)
			if (m->dp_keys[j].epoch == ki[i].epoch) {
				set[k] = m->dp_keys[j];
				set[k++].replay = mix_store_filter(m, ki[i].epoch);
			}
	}
	m->restore_replay = false;
	if (vh_dp_mix_keys_set(m->dp, set, k) == 0)
		m->cnt.dp_key_sets++;
	for (unsigned int i = 0; i < k; i++)
		vh_mix_replay_free((struct vh_mix_replay *)(uintptr_t)set[i].replay);
	sodium_memzero(set, sizeof(set));
}

/* Sign a descriptor for every key the set has (ahead of its epoch). */
static void
sign_all(struct vh_mixnode *m)
{
	struct vh_mix_key_info ki[VH_MIX_KEYS_SLOTS];
	unsigned int n = vh_mix_keys_info(m->keys, ki, RTE_DIM(ki));

	for (unsigned int i = 0; i < n; i++)
		if (m->desc_len[ki[i].epoch & 1] == 0 ||
			m->desc_epoch[ki[i].epoch & 1] != ki[i].epoch)
			mix_dir_sign(m, ki[i].epoch);
}

static void
keys_tick(struct vh_mixnode *m)
{
	int rc;

	if (m->keys == NULL)
		return;
	rc = vh_mix_keys_tick(m->keys, mix_unix_ms());
	if (rc <= 0)
		return;
	if (rc & VH_MIX_KEYS_GENERATED)
		learn_privs(m);
	if (rc & (VH_MIX_KEYS_GENERATED | VH_MIX_KEYS_ROTATED | VH_MIX_KEYS_WIPED))
		publish_dp(m);
	if (rc & VH_MIX_KEYS_WIPED) {
		struct vh_mix_key_info ki[VH_MIX_KEYS_SLOTS];

		mix_store_prune(m); /* the disk copy goes with the key */
		unsigned int n = vh_mix_keys_info(m->keys, ki, RTE_DIM(ki));

		/* forget the private copies of wiped keys too */
		for (unsigned int j = 0; j < m->n_dp_keys;) {
			bool live = false;

			for (unsigned int i = 0; i < n; i++)
				live |= ki[i].epoch == m->dp_keys[j].epoch;
			if (live) {
				j++;
				continue;
			}
			sodium_memzero(&m->dp_keys[j], sizeof(m->dp_keys[j]));
			m->dp_keys[j] = m->dp_keys[--m->n_dp_keys];
			sodium_memzero(&m->dp_keys[m->n_dp_keys], sizeof(m->dp_keys[0]));
		}
	}
	sign_all(m);
}

static void
mix_timer(struct rte_timer *t, void *arg)
{
	RTE_SET_USED(t);
	mix_path_expire(arg);
}

static int
dp_start(struct vh_mixnode *m)
{
	const struct vh_config *c = m->cfg;
	struct vh_dp_mix_conf dc = {
		.hops = c->mix.hops,
		.payload_len = c->mix.payload_len,
		.wheel_entries = c->mix.wheel_entries,
		.max_delay_ms = c->mix.max_delay_ms,
		.replay_capacity = c->mix.replay_capacity,
		.replay_fp_rate = m->ec.replay_fp_rate,
		.hop_limit = (uint8_t)c->dht.hop_limit,
	};
	int rc = vh_dp_mix_enable(m->dp, &dc);

	if (rc != 0)
		return rc;
	m->dp_on = true;
	publish_dp(m);
	return 0;
}

static int
keys_start(struct vh_mixnode *m)
{
	const struct vh_config *c = m->cfg;
	struct vh_mix_saved_key saved[VH_MIX_KEYS_SLOTS];
	int n;

	m->ec.epoch_ms = (uint64_t)c->mix.epoch_s * 1000;
	m->ec.grace_ms = (uint64_t)c->mix.grace_s * 1000;
	m->ec.publish_ahead_ms = (uint64_t)c->mix.publish_ahead_s * 1000;
	m->ec.replay_capacity = c->mix.replay_capacity;
	m->ec.replay_fp_rate = pow(10.0, -(double)c->mix.replay_fp_exp);
	m->ec.replay_mt = false; /* only the control lcore unwraps with this set */
	if (!m->mixnode)
		return 0;
	n = mix_store_open(m, saved, RTE_DIM(saved));
	if (n < 0)
		return n;
	m->keys = vh_mix_keys_create_saved(
		&m->ec, mix_unix_ms(), mix_rng, NULL, saved, (unsigned int)n);
	sodium_memzero(saved, sizeof(saved));
	if (m->keys == NULL)
		return -errno;
	mix_store_restored(m);
	learn_privs(m);
	sign_all(m);
	return dp_start(m);
}

static int
wheel_start(struct vh_mixnode *m)
{
	struct vh_mix_wheel_conf wc = {
		.tick = 1000000, /* 1 ms, clock in ns */
		.levels = m->cfg->mix.max_delay_ms >= 65000 ? 3 : 2,
		.capacity = m->cfg->mix.wheel_entries,
		.start = vh_node_now_ns(),
		.overflow = VH_MIX_WHEEL_CLAMP,
	};

	m->wheel = vh_mix_wheel_create(&wc);
	return m->wheel == NULL ? -ENOMEM : 0;
}

/* The 1 ms timer; armed at the first tick (timers start after mix_start). */
static void
timer_start(struct vh_mixnode *m)
{
	rte_timer_init(&m->timer);
	if (rte_timer_reset(&m->timer, rte_get_timer_hz() / 1000, PERIODICAL, rte_lcore_id(),
		    mix_timer, m) == 0)
		m->timer_on = true;
}

static void
free_all(void *ctx)
{
	struct vh_mixnode *m = ctx;

	if (m->timer_on)
		rte_timer_stop_sync(&m->timer);
	if (m->dp_on)
		mix_store_stop(m);
	mix_store_close(m);
	mix_path_free(m);
	mix_client_free(m);
	vh_mix_wheel_free(m->wheel);
	vh_mix_keys_free(m->keys);
	sodium_memzero(m, sizeof(*m));
	free(m);
}

/* A packet must fit one overlay frame (MESH_PKT_MAX in mesh_priv.h). */
#define MIX_FRAME_MAX (1500 - 8 - 72)

/* A MIX overlay payload (type 2) for this node. */
static void
overlay_input(void *ctx, const uint8_t *src, uint8_t *p, size_t len)
{
	struct vh_mixnode *m = ctx;

	if (!m->on || len == 0)
		return;
	switch (p[0]) {
	case VH_DP_MIX_SPHINX:
	case VH_DP_MIX_DELIVER:
	case VH_DP_MIX_REPLY:
		mix_path_input(m, src, p, len);
		break;
	case VH_DP_MIX_DESC_GET:
	case VH_DP_MIX_DESC:
		mix_dir_input(m, src, p, len);
		break;
	default:
		m->cnt.malformed++;
		break;
	}
}

static int
mix_start(struct vh_mixnode *m)
{
	const struct vh_config *c = m->cfg;
	int rc;

	m->mixnode = c->mix.role != VH_CONFIG_MIX_CLIENT;
	m->client = c->mix.role != VH_CONFIG_MIX_MIXNODE;
	rc = vh_sphinx_geometry_init(&m->geo, c->mix.hops, c->mix.payload_len, true);
	if (rc == 0 && 1 + m->geo.packet_len > MIX_FRAME_MAX)
		rc = -EMSGSIZE;
	if (rc == 0)
		rc = wheel_start(m);
	if (rc == 0)
		rc = keys_start(m);
	for (unsigned int i = 0; rc == 0 && i < c->mix.n_nodes; i++)
		mix_dir_add(m, c->mix.nodes[i]);
	if (rc != 0) {
		VH_NODE_LOG(ERR, "mix: cannot start: %s (packet %zu bytes)", strerror(-rc),
			m->geo.packet_len);
		return rc;
	}
	m->on = true;
	VH_NODE_LOG(INFO, "mix: %s%s, %u hops, %zu-byte packets, epoch %u s, layer %u",
		m->mixnode ? "mixnode" : "", m->client ? (m->mixnode ? "+client" : "client") : "",
		c->mix.hops, m->geo.packet_len, c->mix.epoch_s, c->mix.layer);
	return 0;
}

static int
svc_init(struct vh_node *n, void **ctx)
{
	struct vh_mixnode *m = calloc(1, sizeof(*m));
	int rc = 0;

	if (m == NULL)
		return -ENOMEM;
	*ctx = m;
	m->node = n;
	m->cfg = vh_node_config(n);
	m->id = vh_node_identity(n);
	m->dp = vh_node_dp(n);
	rc |= vh_node_on_overlay(n, VH_OVERLAY_T_MIX, overlay_input, m);
	rc |= vh_node_counters_add(
		n, "mix", mix_names, (const uint64_t *)&m->cnt, RTE_DIM(mix_names));
	rc |= mix_cmds_register(m);
	if (rc != 0)
		return -EINVAL;
	return m->cfg->mix.enabled ? mix_start(m) : 0;
}

static void
svc_tick(void *ctx, uint64_t now_ms)
{
	struct vh_mixnode *m = ctx;

	if (!m->on)
		return;
	if (!m->timer_on)
		timer_start(m);
	keys_tick(m);
	mix_dir_tick(m, now_ms);
	if (m->client || m->cfg->mix.lambda_l_milli > 0)
		mix_client_tick(m, now_ms);
}

/* Off before the DHT goes (its lookups may still answer), freed after. */
static void
svc_stop(void *ctx)
{
	struct vh_mixnode *m = ctx;

	m->on = false;
	if (m->timer_on)
		rte_timer_stop_sync(&m->timer);
	m->timer_on = false;
	if (m->dp_on)
		mix_store_stop(m); /* off, and the filters saved for a restart */
	m->dp_on = false;
}

const struct vh_node_service vh_mixnode_service = {
	.name = "mix",
	.init = svc_init,
	.tick = svc_tick,
	.stop = svc_stop,
	.free = free_all,
};
