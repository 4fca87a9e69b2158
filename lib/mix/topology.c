/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stratified topology (Loopix): every node of an epoch sits in one layer;
 * a path takes one node from each layer in order, entry, mix layers 1..L,
 * exit, each uniformly at random. Built from descriptors the caller has
 * verified (vh_mix_descriptor_verify) for this epoch.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vh_mix.h"

struct member {
	uint8_t node_id[VH_SPHINX_NODE_ID_LEN];
	uint8_t mix_key[VH_SPHINX_KEY_LEN];
	uint64_t timestamp_ms;
};

struct layer {
	struct member *m;
	uint32_t n, cap;
};

struct vh_mix_topology {
	uint64_t epoch;
	unsigned int hops; /* L + 2 */
	struct layer layer[];
};

struct vh_mix_topology *
vh_mix_topology_create(uint64_t epoch, unsigned int mix_layers)
{
	struct vh_mix_topology *t;

	if (mix_layers == 0 || mix_layers > VH_SPHINX_MAX_HOPS - 2) {
		errno = EINVAL;
		return NULL;
	}
	t = calloc(1, sizeof(*t) + (mix_layers + 2) * sizeof(t->layer[0]));
	if (t == NULL)
		return NULL;
	t->epoch = epoch;
	t->hops = mix_layers + 2;
	return t;
}

void
vh_mix_topology_free(struct vh_mix_topology *t)
{
	if (t == NULL)
		return;
	for (unsigned int i = 0; i < t->hops; i++)
		free(t->layer[i].m);
	free(t);
}

/* Path position of a descriptor's layer byte, or -ERANGE. */
static int
position(const struct vh_mix_topology *t, uint8_t layer)
{
	if (layer == VH_MIX_LAYER_ENTRY)
		return 0;
	if (layer == VH_MIX_LAYER_EXIT)
		return (int)t->hops - 1;
	if (layer <= t->hops - 2)
		return layer;
	return -ERANGE;
}

static struct member *
lookup(struct vh_mix_topology *t, const uint8_t *id, unsigned int *pos)
{
	for (unsigned int i = 0; i < t->hops; i++) {
		for (uint32_t j = 0; j < t->layer[i].n; j++) {
			if (memcmp(t->layer[i].m[j].node_id, id, VH_SPHINX_NODE_ID_LEN) == 0) {
				*pos = i;
				return &t->layer[i].m[j];
			}
		}
	}
	return NULL;
}

static struct member *
append(struct layer *l)
{
	if (l->n == l->cap) {
		uint32_t cap = l->cap ? l->cap * 2 : 8;
		struct member *m;

		if (cap < l->cap)
			return NULL;
		m = realloc(l->m, (size_t)cap * sizeof(*m));
		if (m == NULL)
			return NULL;
		l->m = m;
		l->cap = cap;
	}
	return &l->m[l->n++];
}

int
vh_mix_topology_add(struct vh_mix_topology *t, const struct vh_mix_descriptor *d)
{
	struct member *old, *m;
	unsigned int old_pos;
	int pos;

	if (t == NULL || d == NULL)
		return -EINVAL;
	if (d->epoch != t->epoch)
		return -ESTALE;
	pos = position(t, d->layer);
	if (pos < 0)
		return pos;
	old = lookup(t, d->node_id, &old_pos);
	if (old != NULL && d->timestamp_ms <= old->timestamp_ms)
		return -ESTALE;
	if (old != NULL && old_pos == (unsigned int)pos) {
		memcpy(old->mix_key, d->mix_key, VH_SPHINX_KEY_LEN);
		old->timestamp_ms = d->timestamp_ms;
		return 1;
	}
	m = append(&t->layer[pos]);
	if (m == NULL)
		return -ENOMEM;
	memcpy(m->node_id, d->node_id, VH_SPHINX_NODE_ID_LEN);
	memcpy(m->mix_key, d->mix_key, VH_SPHINX_KEY_LEN);
	m->timestamp_ms = d->timestamp_ms;
	if (old == NULL)
		return 0;
	/* Moved to another layer (whose array append did not touch): drop the old entry. */
	*old = t->layer[old_pos].m[--t->layer[old_pos].n];
	return 1;
}

unsigned int
vh_mix_topology_hops(const struct vh_mix_topology *t)
{
	return t == NULL ? 0 : t->hops;
}

uint32_t
vh_mix_topology_layer_size(const struct vh_mix_topology *t, unsigned int pos)
{
	if (t == NULL || pos >= t->hops)
		return 0;
	return t->layer[pos].n;
}

int
vh_mix_topology_pick(const struct vh_mix_topology *t, vh_sphinx_rng_fn rng, void *rng_ctx,
	struct vh_mix_path_hop *path, size_t cap)
{
	uint32_t r;
	int rc;

	if (t == NULL || rng == NULL || path == NULL)
		return -EINVAL;
	if (cap < t->hops)
		return -ENOSPC;
	for (unsigned int i = 0; i < t->hops; i++)
		if (t->layer[i].n == 0)
			return -ENOENT;
	for (unsigned int i = 0; i < t->hops; i++) {
		rc = vh_mix_rand_below(rng, rng_ctx, t->layer[i].n, &r);
		if (rc < 0)
			return rc;
		memcpy(path[i].node_id, t->layer[i].m[r].node_id, VH_SPHINX_NODE_ID_LEN);
		memcpy(path[i].mix_key, t->layer[i].m[r].mix_key, VH_SPHINX_KEY_LEN);
	}
	return (int)t->hops;
}
