/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * base58 both ways: any text that decodes must encode back to itself (the
 * encoding is canonical), and any bytes must survive encode then decode.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vh_core.h"

#define MAX_IN 256

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t bytes[MAX_IN];
	char text[VH_BASE58_ENCODED_MAX(MAX_IN)];
	int n, m;

	if (size > MAX_IN)
		return 0;
	n = vh_base58_decode((const char *)data, size, bytes, sizeof(bytes));
	if (n >= 0) {
		m = vh_base58_encode(bytes, (size_t)n, text, sizeof(text));
		if (m != (int)size || memcmp(text, data, size) != 0)
			abort();
	}
	n = vh_base58_encode(data, size, text, sizeof(text));
	if (n < 0)
		abort();
	m = vh_base58_decode(text, (size_t)n, bytes, sizeof(bytes));
	if (m != (int)size || (size > 0 && memcmp(bytes, data, size) != 0))
		abort();
	return 0;
}
