/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include "vh_core.h"

#define NAME_(sym, name) name,
static const char *const drop_names[VH_DROP_MAX] = {VH_DROP_REASONS(NAME_)};
#undef NAME_

const char *
vh_drop_name(unsigned int reason)
{
	return reason < VH_DROP_MAX ? drop_names[reason] : "unknown";
}

int
vh_drop_from_name(const char *name)
{
	for (unsigned int i = 0; i < VH_DROP_MAX; i++)
		if (strcmp(drop_names[i], name) == 0)
			return (int)i;
	return -ENOENT;
}
