/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Prints every configuration key of the schema, one JSONPath a line
 * ("$.mix.role", "$.ports[].name"), for tests/docs/test_docs_config.py.
 */
#include <stdio.h>

#include "vh_config.h"

static void
print_key(const char *path, void *arg)
{
	fprintf(arg, "%s\n", path);
}

int
main(void)
{
	vh_config_keys(print_key, stdout);
	return fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
}
