/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Mix descriptors and the directory (docs/mix-node.md): a mixnode signs a
 * descriptor for each key as soon as the key exists (ahead of its epoch)
 * and serves it to whoever asks over the overlay (DESC_GET -> DESC); every
 * node with the mix on asks the mixnodes it knows (config mix.nodes,
 * `vhctl mix nodes add`) for the current and the next epoch's descriptors,
 * verifies them and builds the epoch's stratified topology from them when
 * it picks a path. Descriptors also go into the DHT as signed items under
 * SHA-256(NodeID || "mix" || epoch) (lib/ygg dht_item.c): a mixnode puts
 * each one there, a client looks them up there first and asks the mixnode
 * directly only after DIR_DHT_TRIES lookups found nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "mix_priv.h"

/* Ask again this often while a descriptor is missing. */
#define DIR_RETRY_MS 1000
/* DHT lookups that found nothing before asking the mixnode itself. */
#define DIR_DHT_TRIES 3
/* A descriptor is put in the DHT again this often (nodes come and go). */
#define DIR_REPUT_MS 30000
/* Nodes of the DHT's table are tried as mixnodes this often... */
#define DIR_DISCOVER_MS 5000
/* ...and one that never answered with a descriptor only every DIR_IDLE_MS. */
#define DIR_IDLE_ASKS 6
#define DIR_IDLE_MS 30000
/* Item salt: "mix" and the epoch (u64 BE). */
#define SALT_LEN 11

static void
salt_of(uint64_t epoch, uint8_t salt[SALT_LEN])
{
	memcpy(salt, "mix", 3);
	vh_put_be64(salt + 3, epoch);
}

static struct vh_dht *
dht_of(struct vh_mixnode *m)
{
	return vh_mesh_dht(vh_mesh_get(m->node));
}

/* Put our descriptor of slot s in the DHT (a signed item). */
static void
put_desc(struct vh_mixnode *m, unsigned int s, uint64_t now_ms)
{
	struct vh_dht_item it = {.salt_len = SALT_LEN};
	uint8_t buf[VH_DHT_REC_MAX];
	struct vh_dht *d = dht_of(m);
	int len;

	if (d == NULL || m->desc_len[s] == 0)
		return;
	it.timestamp_ms = it.seq = mix_unix_ms(); /* a newer put wins */
	salt_of(m->desc_epoch[s], it.salt);
	it.value = m->desc[s];
	it.value_len = (uint16_t)m->desc_len[s];
	len = vh_dht_item_sign(&it, m->id->ed_sec, buf, sizeof(buf));
	if (len > 0 && vh_dht_put_item(d, buf, (size_t)len, it.timestamp_ms) == 0) {
		m->desc_put_ms[s] = now_ms;
		m->cnt.desc_put++;
	} else {
		m->desc_put_ms[s] = now_ms - DIR_REPUT_MS + DIR_RETRY_MS; /* again in 1 s */
		m->cnt.desc_put_failed++;
	}
}

int
mix_dir_sign(struct vh_mixnode *m, uint64_t epoch)
{
	struct vh_mix_descriptor d = {
		.epoch = epoch,
		.layer = (uint8_t)m->cfg->mix.layer,
		.timestamp_ms = mix_unix_ms(),
	};
	unsigned int s = epoch & 1;
	int len;

	if (vh_mix_keys_public(m->keys, epoch, d.mix_key) != 0)
		return -ENOENT;
	len = vh_mix_descriptor_sign(&d, m->id->ed_sec, m->desc[s], sizeof(m->desc[s]));
	if (len < 0)
		return len;
	m->desc_len[s] = (size_t)len;
	m->desc_epoch[s] = epoch;
	m->desc_put_ms[s] = 0;
	m->cnt.desc_signed++;
	return 0;
}

int
mix_dir_add(struct vh_mixnode *m, const uint8_t *id)
{
	struct mix_dir *free_slot = NULL;

	for (unsigned int i = 0; i < MIX_DIR_MAX; i++) {
		if (m->dir[i].used && memcmp(m->dir[i].id, id, MIX_ID_LEN) == 0)
			return 0;
		if (!m->dir[i].used && free_slot == NULL)
			free_slot = &m->dir[i];
	}
	if (free_slot == NULL)
		return -ENOSPC;
	memset(free_slot, 0, sizeof(*free_slot));
	free_slot->used = true;
	memcpy(free_slot->id, id, MIX_ID_LEN);
	return 0;
}

/* What a DHT lookup of a descriptor needs when it ends. */
struct dht_ask {
	struct vh_mixnode *m; /* stopped (on false) before the DHT goes, freed after */
	uint8_t id[MIX_ID_LEN];
	uint64_t epoch;
};

static void accept_desc(struct vh_mixnode *m, const uint8_t *src, const uint8_t *p, size_t len);

static struct mix_dir *
dir_find(struct vh_mixnode *m, const uint8_t *id)
{
	for (unsigned int i = 0; i < MIX_DIR_MAX; i++)
		if (m->dir[i].used && memcmp(m->dir[i].id, id, MIX_ID_LEN) == 0)
			return &m->dir[i];
	return NULL;
}

/* A descriptor lookup ended: the item's signer is the mixnode (its key is). */
static void
dht_done(void *arg, const struct vh_dht_lookup_result *res)
{
	struct dht_ask *a = arg;
	struct vh_mixnode *m = a->m->on ? a->m : NULL;
	struct vh_dht_item it;
	struct mix_dir *e = m != NULL ? dir_find(m, a->id) : NULL;
	uint8_t msg[1 + VH_DHT_ITEM_VALUE_MAX];

	if (e != NULL)
		e->dht_pending = false;
	if (e != NULL && res->item != NULL &&
		vh_dht_item_check(res->item, res->item_len, 0, 0, 0, &it) == 0) {
		msg[0] = VH_DP_MIX_DESC;
		memcpy(msg + 1, it.value, it.value_len);
		e->dht_misses = 0;
		m->cnt.desc_from_dht++;
		accept_desc(m, a->id, msg, 1 + it.value_len);
	} else if (e != NULL) {
		e->dht_misses++;
		m->cnt.dht_misses++;
	}
	free(a);
}

/* Look the descriptor up in the DHT; false when that cannot be done now. */
static bool
ask_dht(struct vh_mixnode *m, struct mix_dir *e, uint64_t epoch)
{
	struct vh_dht *d = dht_of(m);
	uint8_t salt[SALT_LEN], key[VH_DHT_ID_LEN];
	struct dht_ask *a;

	if (d == NULL || e->dht_misses >= DIR_DHT_TRIES)
		return false;
	if (e->dht_pending)
		return true;
	a = malloc(sizeof(*a));
	if (a == NULL)
		return false;
	a->m = m;
	memcpy(a->id, e->id, MIX_ID_LEN);
	a->epoch = epoch;
	salt_of(epoch, salt);
	vh_dht_item_key(e->id, salt, sizeof(salt), key);
	e->dht_pending = true;
	m->cnt.dht_lookups++;
	/* a local copy answers at once, before this returns */
	if (vh_dht_find_value(d, key, dht_done, a, mix_unix_ms()) < 0) {
		e->dht_pending = false;
		free(a);
		return false;
	}
	return true;
}

static void
ask(struct vh_mixnode *m, struct mix_dir *e, uint64_t epoch, uint64_t now_ms)
{
	uint8_t req[9] = {VH_DP_MIX_DESC_GET};

	vh_put_be64(req + 1, epoch);
	e->asked_ms = now_ms;
	if (ask_dht(m, e, epoch))
		return;
	/* the DHT had nothing several times (or is off): ask the mixnode */
	e->dht_misses = 0;
	if (mix_is_self(m, e->id)) {
		mix_dir_input(m, e->id, req, sizeof(req));
		return;
	}
	if (vh_node_overlay_send(m->node, e->id, VH_OVERLAY_T_MIX, req, sizeof(req)) == 0)
		m->cnt.desc_requested++;
}

/*
 * No directory to configure: every node the DHT knows is a candidate, and
 * those that publish a descriptor for the epoch are the mixnodes. Entries
 * found this way take only free slots, never configured ones.
 */
static void
discover(struct vh_mixnode *m, uint64_t now_ms)
{
	struct vh_dht_contact c[MIX_DIR_MAX];
	struct vh_dht *d = dht_of(m);
	size_t k;

	if (d == NULL || now_ms - m->last_discover_ms < DIR_DISCOVER_MS)
		return;
	m->last_discover_ms = now_ms;
	k = vh_dht_closest(d, vh_dht_node_id(d), c, MIX_DIR_MAX);
	for (size_t i = 0; i < k; i++)
		if (dir_find(m, c[i].id) == NULL && mix_dir_add(m, c[i].id) == 0) {
			dir_find(m, c[i].id)->discovered = true;
			m->cnt.dir_discovered++;
		}
}

/* Time to ask this entry again? Silent discovered nodes are asked rarely. */
static bool
due(const struct mix_dir *d, uint64_t now_ms)
{
	uint64_t every = d->discovered && d->fails >= DIR_IDLE_ASKS ? DIR_IDLE_MS : DIR_RETRY_MS;

	return now_ms - d->asked_ms >= every;
}

void
mix_dir_tick(struct vh_mixnode *m, uint64_t now_ms)
{
	uint64_t unix_ms = mix_unix_ms(), e = vh_mix_epoch_at(unix_ms, m->ec.epoch_ms);
	bool ahead = unix_ms + m->ec.publish_ahead_ms >= vh_mix_epoch_start(e + 1, m->ec.epoch_ms);

	if (now_ms - m->last_dir_ms < 100)
		return;
	m->last_dir_ms = now_ms;
	discover(m, now_ms);
	for (unsigned int s = 0; m->mixnode && s < 2; s++)
		if (m->desc_len[s] != 0 &&
			(m->desc_put_ms[s] == 0 || now_ms - m->desc_put_ms[s] >= DIR_REPUT_MS))
			put_desc(m, s, now_ms);
	for (unsigned int i = 0; i < MIX_DIR_MAX; i++) {
		struct mix_dir *d = &m->dir[i];

		if (!d->used || !due(d, now_ms))
			continue;
		if (!d->valid[e & 1] || d->d[e & 1].epoch != e) {
			d->fails++;
			ask(m, d, e, now_ms);
		} else if (ahead && (!d->valid[(e + 1) & 1] || d->d[(e + 1) & 1].epoch != e + 1))
			ask(m, d, e + 1, now_ms);
	}
}

static void
serve(struct vh_mixnode *m, const uint8_t *src, const uint8_t *p, size_t len)
{
	uint8_t out[1 + VH_MIX_DESC_MAX];
	uint64_t epoch;
	unsigned int s;

	if (len != 9 || !m->mixnode)
		return;
	epoch = vh_get_be64(p + 1);
	s = epoch & 1;
	if (m->desc_len[s] == 0 || m->desc_epoch[s] != epoch)
		return;
	out[0] = VH_DP_MIX_DESC;
	memcpy(out + 1, m->desc[s], m->desc_len[s]);
	m->cnt.desc_served++;
	if (mix_is_self(m, src))
		mix_dir_input(m, src, out, 1 + m->desc_len[s]);
	else
		vh_node_overlay_send(m->node, src, VH_OVERLAY_T_MIX, out, 1 + m->desc_len[s]);
}

/* A descriptor: kept if it verifies for the epoch it names, now or next. */
static void
accept_desc(struct vh_mixnode *m, const uint8_t *src, const uint8_t *p, size_t len)
{
	uint64_t e = vh_mix_epoch_at(mix_unix_ms(), m->ec.epoch_ms), epoch;
	struct vh_mix_descriptor d;

	/* the epoch field sits at byte 68 (docs/mix-keys.md) */
	if (len < 1 + 76 || (epoch = vh_get_be64(p + 1 + 68), epoch != e && epoch != e + 1) ||
		vh_mix_descriptor_verify(p + 1, len - 1, epoch, &d) != 0 ||
		memcmp(d.node_id, src, MIX_ID_LEN) != 0) {
		m->cnt.desc_rejected++;
		return;
	}
	for (unsigned int i = 0; i < MIX_DIR_MAX; i++) {
		struct mix_dir *x = &m->dir[i];

		if (!x->used || memcmp(x->id, src, MIX_ID_LEN) != 0)
			continue;
		x->d[epoch & 1] = d;
		x->valid[epoch & 1] = true;
		x->fails = 0;
		m->cnt.desc_accepted++;
		return;
	}
	m->cnt.desc_rejected++; /* nobody asked */
}

void
mix_dir_input(struct vh_mixnode *m, const uint8_t *src, const uint8_t *p, size_t len)
{
	if (p[0] == VH_DP_MIX_DESC_GET)
		serve(m, src, p, len);
	else
		accept_desc(m, src, p, len);
}

int
mix_dir_path(struct vh_mixnode *m, struct vh_mix_path_hop *path, size_t cap)
{
	uint64_t e = vh_mix_epoch_at(mix_unix_ms(), m->ec.epoch_ms);
	struct vh_mix_topology *t = vh_mix_topology_create(e, m->cfg->mix.layers);
	int rc;

	if (t == NULL)
		return -ENOMEM;
	for (unsigned int i = 0; i < MIX_DIR_MAX; i++) {
		const struct mix_dir *x = &m->dir[i];

		if (x->used && x->valid[e & 1] && x->d[e & 1].epoch == e)
			vh_mix_topology_add(t, &x->d[e & 1]);
	}
	rc = vh_mix_topology_pick(t, mix_rng, NULL, path, cap);
	vh_mix_topology_free(t);
	return rc;
}
