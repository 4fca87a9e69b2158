/* SPDX-License-Identifier: BSD-3-Clause */
/* Small helpers the mix tests share: hex decoding and JSON access. */
#ifndef MIX_TEST_UTIL_H
#define MIX_TEST_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

static inline int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode hex into a fresh buffer (at least 1 byte allocated); NULL on error. */
static inline uint8_t *
hex_decode(const char *hex, size_t *len)
{
	size_t n = strlen(hex);
	uint8_t *out;

	*len = 0;
	if (n % 2 != 0)
		return NULL;
	out = malloc(n / 2 + 1);
	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < n / 2; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			free(out);
			return NULL;
		}
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	*len = n / 2;
	return out;
}

/* Decode the hex string member `key` of obj; aborts the test on error. */
static inline uint8_t *
json_hex(const json_t *obj, const char *key, size_t *len)
{
	const char *s = json_string_value(json_object_get(obj, key));
	uint8_t *out;

	if (s == NULL) {
		fprintf(stderr, "missing hex field %s\n", key);
		abort();
	}
	out = hex_decode(s, len);
	if (out == NULL) {
		fprintf(stderr, "bad hex in field %s\n", key);
		abort();
	}
	return out;
}

static inline json_t *
load_json(const char *path)
{
	json_error_t err;
	json_t *root = json_load_file(path, 0, &err);

	if (root == NULL) {
		fprintf(stderr, "cannot load %s: %s (line %d)\n", path, err.text, err.line);
		abort();
	}
	return root;
}

#endif
