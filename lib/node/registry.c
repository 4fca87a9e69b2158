/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The command and counter registries. A counter block is registered once
 * and never moved or removed while the node runs, so the metrics thread
 * and telemetry read it without a lock: the block count is published with
 * a release store after the block is written.
 */
#include <errno.h>
#include <string.h>

#include "node_priv.h"

int
vh_node_command_add(
	struct vh_node *n, const char *name, const char *help, vh_ctl_handler_t fn, void *arg)
{
	if (n == NULL)
		return -EINVAL;
	if (n->ctl == NULL)
		return -ENOTCONN;
	return vh_ctl_register(n->ctl, name, help, fn, arg);
}

int
vh_node_int_arg(const json_t *args, const char *key, int def, int lo, int hi, int *out)
{
	const json_t *v = args != NULL ? json_object_get(args, key) : NULL;

	*out = def;
	if (v == NULL)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
		return -EINVAL;
	*out = (int)json_integer_value(v);
	return 0;
}

static bool
name_taken(const struct vh_node *n, const char *name)
{
	for (unsigned int b = 0; b < n->n_blocks; b++)
		for (unsigned int i = 0; i < n->blocks[b].count; i++)
			if (strcmp(n->blocks[b].names[i], name) == 0)
				return true;
	return false;
}

int
vh_node_counters_add(struct vh_node *n, const char *block, const char *const *names,
	const uint64_t *vals, unsigned int count)
{
	struct node_block *nb;

	if (n == NULL || block == NULL || names == NULL || vals == NULL || count == 0)
		return -EINVAL;
	for (unsigned int b = 0; b < n->n_blocks; b++)
		if (strcmp(n->blocks[b].name, block) == 0)
			return -EEXIST;
	for (unsigned int i = 0; i < count; i++)
		if (names[i] == NULL || name_taken(n, names[i]))
			return names[i] == NULL ? -EINVAL : -EEXIST;
	if (n->n_blocks == VH_NODE_MAX_COUNTER_BLOCKS)
		return -ENOSPC;
	nb = &n->blocks[n->n_blocks];
	nb->name = block;
	nb->names = names;
	nb->vals = vals;
	nb->count = count;
	__atomic_store_n(&n->n_blocks, n->n_blocks + 1, __ATOMIC_RELEASE);
	return 0;
}

void
vh_node_counters_walk(const struct vh_node *n, vh_node_counter_fn fn, void *arg)
{
	unsigned int nb = __atomic_load_n(&n->n_blocks, __ATOMIC_ACQUIRE);

	for (unsigned int b = 0; b < nb; b++) {
		const struct node_block *blk = &n->blocks[b];

		for (unsigned int i = 0; i < blk->count; i++)
			fn(arg, blk->name, blk->names[i],
				__atomic_load_n(&blk->vals[i], __ATOMIC_RELAXED));
	}
}

uint64_t
vh_node_counter(const struct vh_node *n, const char *name)
{
	unsigned int nb = __atomic_load_n(&n->n_blocks, __ATOMIC_ACQUIRE);

	for (unsigned int b = 0; b < nb; b++)
		for (unsigned int i = 0; i < n->blocks[b].count; i++)
			if (strcmp(n->blocks[b].names[i], name) == 0)
				return n->blocks[b].vals[i];
	return 0;
}
