/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * PathAddr on arbitrary text: parse never fails without a message, and
 * whatever parses formats to a canonical string that parses back to the
 * same address and formats to itself.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vh_bifrost.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char in[VH_PATHADDR_STRLEN + 16], out[VH_PATHADDR_STRLEN], again[VH_PATHADDR_STRLEN];
	struct vh_pathaddr a, b;
	char err[128];
	int n, rc;

	if (size >= sizeof(in))
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	rc = vh_pathaddr_parse(in, &a, err, sizeof(err));
	if (rc != 0) {
		if (rc != -EINVAL || err[0] == '\0')
			abort();
		return 0;
	}
	n = vh_pathaddr_format(&a, out, sizeof(out));
	if (n <= 0 || (size_t)n != strlen(out))
		abort();
	if (vh_pathaddr_parse(out, &b, err, sizeof(err)) != 0 || vh_pathaddr_compare(&a, &b) != 0 ||
		memcmp(&a, &b, sizeof(a)) != 0)
		abort();
	if (vh_pathaddr_format(&b, again, sizeof(again)) != n || strcmp(out, again) != 0)
		abort();
	return 0;
}
