/* SPDX-License-Identifier: BSD-3-Clause */
/* The mixnode and mix client in the node (docs/mix-node.md): not wired yet. */
#include "node.h"

int
mix_start(struct node *n)
{
	RTE_SET_USED(n);
	return 0;
}

void
mix_stop(struct node *n)
{
	RTE_SET_USED(n);
}

void
mix_tick(struct node *n, uint64_t now_ms)
{
	RTE_SET_USED(n);
	RTE_SET_USED(now_ms);
}

void
mix_overlay_input(struct node *n, const uint8_t *src, const uint8_t *p, size_t len)
{
	RTE_SET_USED(n);
	RTE_SET_USED(src);
	RTE_SET_USED(p);
	RTE_SET_USED(len);
}

int
mix_register(struct node *n)
{
	RTE_SET_USED(n);
	return 0;
}
