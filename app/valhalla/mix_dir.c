/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Mix descriptors and the directory (docs/mix-node.md): a mixnode signs a
 * descriptor for each key as soon as the key exists (ahead of its epoch)
 * and serves it to whoever asks over the overlay (DESC_GET -> DESC); every
 * node with the mix on asks the mixnodes it knows (config mix.nodes,
 * `vhctl mix nodes add`) for the current and the next epoch's descriptors,
 * verifies them and builds the epoch's stratified topology from them when
 * it picks a path. The DHT does not carry descriptors yet.
 */
#include <string.h>

#include "mix_priv.h"

/* Ask again this often while a descriptor is missing. */
#define DIR_RETRY_MS 1000

int
mix_dir_sign(struct mix *m, uint64_t epoch)
{
	struct vh_mix_descriptor d = {
		.epoch = epoch,
		.layer = (uint8_t)m->n->cfg.mix.layer,
		.timestamp_ms = mix_unix_ms(),
	};
	unsigned int s = epoch & 1;
	int len;

	if (vh_mix_keys_public(m->keys, epoch, d.mix_key) != 0)
		return -ENOENT;
	len = vh_mix_descriptor_sign(&d, m->n->id.ed_sec, m->desc[s], sizeof(m->desc[s]));
	if (len < 0)
		return len;
	m->desc_len[s] = (size_t)len;
	m->desc_epoch[s] = epoch;
	m->cnt.desc_signed++;
	return 0;
}

int
mix_dir_add(struct mix *m, const uint8_t *id)
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

static void
ask(struct mix *m, struct mix_dir *e, uint64_t epoch, uint64_t now_ms)
{
	uint8_t req[9] = {VH_DP_MIX_DESC_GET};

	vh_put_be64(req + 1, epoch);
	e->asked_ms = now_ms;
	if (mix_is_self(m, e->id)) {
		mix_dir_input(m, e->id, req, sizeof(req));
		return;
	}
	if (mesh_send_packet(m->n, e->id, VH_OVERLAY_T_MIX, req, sizeof(req)) == 0)
		m->cnt.desc_requested++;
}

void
mix_dir_tick(struct mix *m, uint64_t now_ms)
{
	uint64_t unix_ms = mix_unix_ms(), e = vh_mix_epoch_at(unix_ms, m->ec.epoch_ms);
	bool ahead = unix_ms + m->ec.publish_ahead_ms >= vh_mix_epoch_start(e + 1, m->ec.epoch_ms);

	if (now_ms - m->last_dir_ms < 100)
		return;
	m->last_dir_ms = now_ms;
	for (unsigned int i = 0; i < MIX_DIR_MAX; i++) {
		struct mix_dir *d = &m->dir[i];

		if (!d->used || now_ms - d->asked_ms < DIR_RETRY_MS)
			continue;
		if (!d->valid[e & 1] || d->d[e & 1].epoch != e)
			ask(m, d, e, now_ms);
		else if (ahead && (!d->valid[(e + 1) & 1] || d->d[(e + 1) & 1].epoch != e + 1))
			ask(m, d, e + 1, now_ms);
	}
}

static void
serve(struct mix *m, const uint8_t *src, const uint8_t *p, size_t len)
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
		mesh_send_packet(m->n, src, VH_OVERLAY_T_MIX, out, 1 + m->desc_len[s]);
}

/* A descriptor: kept if it verifies for the epoch it names, now or next. */
static void
accept_desc(struct mix *m, const uint8_t *src, const uint8_t *p, size_t len)
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
		m->cnt.desc_accepted++;
		return;
	}
	m->cnt.desc_rejected++; /* nobody asked */
}

void
mix_dir_input(struct mix *m, const uint8_t *src, const uint8_t *p, size_t len)
{
	if (p[0] == VH_DP_MIX_DESC_GET)
		serve(m, src, p, len);
	else
		accept_desc(m, src, p, len);
}

int
mix_dir_path(struct mix *m, struct vh_mix_path_hop *path, size_t cap)
{
	uint64_t e = vh_mix_epoch_at(mix_unix_ms(), m->ec.epoch_ms);
	struct vh_mix_topology *t = vh_mix_topology_create(e, m->n->cfg.mix.layers);
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
