/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Base58 (Bitcoin alphabet): the multibase base58btc vectors, hand-checkable
 * values, a cross-check against a long-division reference written here
 * (a different algorithm from the library's), and every error path.
 *
 * Arguments: the multibase CSV files (tests/vectors/core/).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vh_core.h"

static const char alphabet[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

static char **csv_files;
static int n_csv_files;

/* Reference: repeated long division of the big-endian number by 58. */
static size_t
ref_encode(const uint8_t *in, size_t len, char *out)
{
	uint8_t num[128];
	char rev[256] = {0};
	size_t zeros = 0, n = 0, start;

	assert_true(len <= sizeof(num));
	memcpy(num, in, len);
	while (zeros < len && in[zeros] == 0)
		zeros++;
	for (start = zeros; start < len;) {
		unsigned int rem = 0;

		for (size_t i = start; i < len; i++) {
			unsigned int cur = rem * 256 + num[i];

			num[i] = (uint8_t)(cur / 58);
			rem = cur % 58;
		}
		rev[n++] = alphabet[rem];
		while (start < len && num[start] == 0)
			start++;
	}
	memset(out, '1', zeros);
	for (size_t i = 0; i < n; i++)
		out[zeros + i] = rev[n - 1 - i];
	out[zeros + n] = '\0';
	return zeros + n;
}

/* Unescapes the CSV's \xHH sequences; returns the byte count. */
static size_t
unescape(const char *s, size_t n, uint8_t *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned int v;

		if (s[i] == '\\' && i + 3 < n && s[i + 1] == 'x' &&
			sscanf(s + i + 2, "%2x", &v) == 1) {
			out[o++] = (uint8_t)v;
			i += 3;
		} else {
			out[o++] = (uint8_t)s[i];
		}
	}
	return o;
}

/* The quoted field of a CSV line `name, "value"`. */
static int
quoted(const char *line, const char **val, size_t *n)
{
	const char *a = strchr(line, '"');
	const char *b = a != NULL ? strrchr(line, '"') : NULL;

	if (a == NULL || b == a)
		return -1;
	*val = a + 1;
	*n = (size_t)(b - a - 1);
	return 0;
}

static void
check_csv(const char *path, unsigned int *checked)
{
	FILE *f = fopen(path, "r");
	uint8_t input[128], dec[128];
	size_t input_len = 0;
	char line[1024];
	int lineno = 0;

	if (f == NULL)
		fail_msg("cannot open %s", path);
	while (fgets(line, sizeof(line), f) != NULL) {
		const char *val = NULL;
		char enc[256];
		size_t n = 0;

		assert_int_equal(quoted(line, &val, &n), 0);
		if (lineno++ == 0) {
			input_len = unescape(val, n, input);
			continue;
		}
		if (strncmp(line, "base58btc,", 10) != 0)
			continue;
		assert_true(n > 1 && val[0] == 'z');
		assert_int_equal(vh_base58_encode(input, input_len, enc, sizeof(enc)), n - 1);
		assert_memory_equal(enc, val + 1, n - 1);
		assert_int_equal(vh_base58_decode(val + 1, n - 1, dec, sizeof(dec)), input_len);
		assert_memory_equal(dec, input, input_len);
		(*checked)++;
	}
	fclose(f);
}

static void
test_multibase_vectors(void **state)
{
	unsigned int checked = 0;

	(void)state;
	for (int i = 0; i < n_csv_files; i++)
		check_csv(csv_files[i], &checked);
	/* one base58btc row per file: a file without one would silently test nothing */
	assert_int_equal(checked, (unsigned int)n_csv_files);
	assert_true(checked >= 3);
	print_message("base58btc multibase rows checked: %u\n", checked);
}

static void
check_pair(const uint8_t *bytes, size_t len, const char *text)
{
	char enc[128];
	uint8_t dec[64];

	assert_int_equal(vh_base58_encode(bytes, len, enc, sizeof(enc)), strlen(text));
	assert_string_equal(enc, text);
	assert_int_equal(vh_base58_decode(text, strlen(text), dec, sizeof(dec)), len);
	if (len > 0)
		assert_memory_equal(dec, bytes, len);
}

static void
test_small_values(void **state)
{
	(void)state;
	check_pair(NULL, 0, "");
	check_pair((const uint8_t *)"\x00", 1, "1");
	check_pair((const uint8_t *)"\x00\x00\x00", 3, "111");
	check_pair((const uint8_t *)"\x39", 1, "z");  /* 57 */
	check_pair((const uint8_t *)"\x3a", 1, "21"); /* 58 */
	check_pair((const uint8_t *)"\xff", 1, "5Q"); /* 255 = 4 * 58 + 23 */
	check_pair((const uint8_t *)"\x00\x3a", 2, "121");
	check_pair((const uint8_t *)"\x01\x00", 2, "5R"); /* 256 = 4 * 58 + 24 */
}

/* 32-byte NodeIDs: the values were computed independently with Python. */
static void
test_node_ids(void **state)
{
	uint8_t ff[32], zero[32] = {0}, one[32] = {0};

	(void)state;
	memset(ff, 0xff, sizeof(ff));
	one[31] = 1;
	check_pair(zero, 32, "11111111111111111111111111111111");
	check_pair(one, 32, "11111111111111111111111111111112");
	check_pair(ff, 32, "JEKNVnkbo3jma5nREBBJCDoXFVeKkD56V3xKrvRmWxFG");
	assert_true(strlen("JEKNVnkbo3jma5nREBBJCDoXFVeKkD56V3xKrvRmWxFG") + 1 <=
		    VH_BASE58_ENCODED_MAX(32));
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint8_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint8_t)rng;
}

static void
test_reference_cross_check(void **state)
{
	uint8_t in[100], dec[100];
	char enc[160], ref[160];

	(void)state;
	for (int iter = 0; iter < 2000; iter++) {
		size_t len = rnd() % sizeof(in), zeros = len > 0 ? rnd() % (len + 1) % 4 : 0;
		int n;

		for (size_t i = 0; i < len; i++)
			in[i] = i < zeros ? 0 : rnd();
		n = vh_base58_encode(in, len, enc, sizeof(enc));
		assert_int_equal(n, ref_encode(in, len, ref));
		assert_string_equal(enc, ref);
		assert_true((size_t)n + 1 <= VH_BASE58_ENCODED_MAX(len));
		assert_int_equal(vh_base58_decode(enc, (size_t)n, dec, sizeof(dec)), len);
		if (len > 0)
			assert_memory_equal(dec, in, len);
	}
}

static void
test_bad_characters(void **state)
{
	static const char *const bad[] = {
		"0", "O", "I", "l", "+", "/", " 2", "2 ", "\xc3\xa9", "abc-def"};
	uint8_t out[16];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(
			vh_base58_decode(bad[i], strlen(bad[i]), out, sizeof(out)), -EINVAL);
	/* an embedded NUL inside the given length is not a digit either */
	assert_int_equal(vh_base58_decode("2\0002", 3, out, sizeof(out)), -EINVAL);
	/* only len characters are read: the bad one after them does not count */
	assert_int_equal(vh_base58_decode("21!", 2, out, sizeof(out)), 1);
	assert_int_equal(out[0], 58);
}

static void
test_no_space(void **state)
{
	uint8_t ff[32], out[32];
	char enc[64];

	(void)state;
	memset(ff, 0xff, sizeof(ff));
	/* 44 characters and the NUL need 45 */
	assert_int_equal(vh_base58_encode(ff, 32, enc, 44), -ENOSPC);
	assert_int_equal(vh_base58_encode(ff, 32, enc, 45), 44);
	assert_int_equal(vh_base58_encode((const uint8_t *)"\0\0", 2, enc, 2), -ENOSPC);
	assert_int_equal(vh_base58_encode((const uint8_t *)"\0\0", 2, enc, 3), 2);
	assert_int_equal(vh_base58_encode(NULL, 0, enc, 0), -ENOSPC);
	/* 33 bytes of 0xff do not fit in 32 */
	assert_int_equal(vh_base58_decode("2K3n5t4wSaF5mj27Tw9vStXWLWyRjjiH5Cp3CFLpKVCr1c", 46, out,
				 sizeof(out)),
		-ENOSPC);
	assert_int_equal(vh_base58_decode("111", 3, out, 2), -ENOSPC);
	assert_int_equal(vh_base58_decode("2", 1, NULL, 0), -ENOSPC);
	assert_int_equal(vh_base58_decode("", 0, NULL, 0), 0);
	assert_int_equal(
		vh_base58_decode("JEKNVnkbo3jma5nREBBJCDoXFVeKkD56V3xKrvRmWxFG", 44, out, 31),
		-ENOSPC);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_multibase_vectors),
		cmocka_unit_test(test_small_values),
		cmocka_unit_test(test_node_ids),
		cmocka_unit_test(test_reference_cross_check),
		cmocka_unit_test(test_bad_characters),
		cmocka_unit_test(test_no_space),
	};

	if (argc < 2) {
		fprintf(stderr, "usage: %s multibase.csv...\n", argv[0]);
		return 2;
	}
	csv_files = argv + 1;
	n_csv_files = argc - 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
