/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Prints the configuration reference generated from the schema table:
 *   build/tests/config/config_reference > docs/config-reference.md
 */
#include <stdio.h>

#include "vh_config.h"

int
main(void)
{
	vh_config_print_reference(stdout);
	return fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
}
