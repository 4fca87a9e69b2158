/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The repository's files stay in step with the code: every example in
 * config/ loads, and docs/config-reference.md is exactly what the schema
 * table prints.
 *
 * Usage: test_config_files CONFIG_DIR REFERENCE_MD
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vh_config.h"

static const char *config_dir;
static const char *reference_md;

static bool
is_json(const char *name)
{
	size_t n = strlen(name);

	return n > 5 && strcmp(name + n - 5, ".json") == 0;
}

/* The effective config of cfg loads back to the same struct. */
static bool
round_trips(const struct vh_config *cfg)
{
	struct vh_config again;
	json_t *j = vh_config_to_json(cfg);
	char *text = json_dumps(j, JSON_COMPACT);
	bool same = text != NULL && vh_config_load_string(text, strlen(text), &again, NULL) == 0 &&
		    memcmp(cfg, &again, sizeof(again)) == 0;

	free(text);
	json_decref(j);
	return same;
}

static void
test_examples_load(void **state)
{
	static const char *const expected[] = {
		"single.json", "af_packet.json", "multi.json", "nic.json"};
	unsigned int loaded = 0, failed = 0, seen = 0;
	DIR *d = opendir(config_dir);
	struct dirent *e;

	(void)state;
	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		struct vh_config cfg;
		struct vh_config_error err;
		char path[4096], msg[600];

		if (!is_json(e->d_name))
			continue;
		for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++)
			seen += strcmp(e->d_name, expected[i]) == 0;
		snprintf(path, sizeof(path), "%s/%s", config_dir, e->d_name);
		if (vh_config_load_file(path, &cfg, &err) != 0) {
			vh_config_format_error(&err, path, msg, sizeof(msg));
			print_error("%s\n", msg);
			failed++;
			continue;
		}
		if (!round_trips(&cfg)) {
			print_error("%s: effective config does not load back equal\n", path);
			failed++;
			continue;
		}
		loaded++;
	}
	closedir(d);
	print_message("%u example configs loaded\n", loaded);
	assert_int_equal(failed, 0);
	assert_int_equal(seen, sizeof(expected) / sizeof(expected[0]));
}

/* What the examples promise in their names. */
static void
test_examples_content(void **state)
{
	struct vh_config c;
	char path[4096];

	(void)state;
	snprintf(path, sizeof(path), "%s/single.json", config_dir);
	assert_int_equal(vh_config_load_file(path, &c, NULL), 0);
	assert_int_equal(c.lcores.n_workers, 0);
	assert_int_equal(c.n_ports, 1);
	assert_memory_equal(c.ports[0].devargs, "net_tap", 7);

	snprintf(path, sizeof(path), "%s/af_packet.json", config_dir);
	assert_int_equal(vh_config_load_file(path, &c, NULL), 0);
	assert_memory_equal(c.ports[0].devargs, "net_af_packet", 13);
	assert_true(c.ports[0].has_ipv4);
	assert_true(c.ports[0].n_ipv6 > 0);

	snprintf(path, sizeof(path), "%s/multi.json", config_dir);
	assert_int_equal(vh_config_load_file(path, &c, NULL), 0);
	assert_int_equal(c.lcores.n_workers, 2);
	assert_int_equal(c.n_ports, 2);

	snprintf(path, sizeof(path), "%s/nic.json", config_dir);
	assert_int_equal(vh_config_load_file(path, &c, NULL), 0);
	assert_int_equal(c.lcores.idle, VH_CONFIG_IDLE_POLL);
	assert_string_equal(c.ports[0].devargs, "0000:03:00.0");
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n + 1);
		if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		} else if (buf != NULL) {
			buf[n] = '\0';
			*len = (size_t)n;
		}
	}
	fclose(f);
	return buf;
}

static unsigned int
first_difference(const char *a, const char *b)
{
	unsigned int line = 1;

	for (; *a != '\0' && *a == *b; a++, b++)
		line += *a == '\n';
	return line;
}

static void
test_reference_up_to_date(void **state)
{
	size_t want_len = 0, have_len = 0;
	char *want = NULL, *have;
	FILE *f = open_memstream(&want, &want_len);
	bool same;

	(void)state;
	assert_non_null(f);
	vh_config_print_reference(f);
	assert_int_equal(fclose(f), 0);
	have = slurp(reference_md, &have_len);
	same = have != NULL && have_len == want_len && memcmp(have, want, want_len) == 0;
	if (!same)
		print_error("%s does not match the schema table (first difference at line %u).\n"
			    "Regenerate it from the build directory:\n"
			    "  ninja -C <builddir> tests/config/config_reference && "
			    "<builddir>/tests/config/config_reference > docs/config-reference.md\n",
			reference_md, have != NULL ? first_difference(have, want) : 1);
	free(have);
	free(want);
	assert_true(same);
}

struct keys_seen {
	const char *reference;
	unsigned int n, missing, mix_role, port_name;
};

static void
check_key(const char *path, void *arg)
{
	struct keys_seen *k = arg;
	char cell[160];

	snprintf(cell, sizeof(cell), "| `%s` |", path);
	if (strstr(k->reference, cell) == NULL) {
		print_error("key %s has no row in the reference\n", path);
		k->missing++;
	}
	k->mix_role += strcmp(path, "$.mix.role") == 0;
	k->port_name += strcmp(path, "$.ports[].name") == 0;
	k->n++;
}

/* vh_config_keys() lists exactly the reference's rows. */
static void
test_keys_match_reference(void **state)
{
	struct keys_seen k = {0};
	size_t len = 0;
	char *ref = NULL;
	FILE *f = open_memstream(&ref, &len);
	unsigned int rows = 0, n;

	(void)state;
	assert_non_null(f);
	vh_config_print_reference(f);
	assert_int_equal(fclose(f), 0);
	k.reference = ref;
	n = vh_config_keys(check_key, &k);
	assert_int_equal(n, k.n);
	for (const char *p = ref; (p = strstr(p, "\n| `$.")) != NULL; p++)
		rows++;
	print_message("%u keys\n", k.n);
	free(ref);
	assert_int_equal(k.missing, 0);
	assert_int_equal(rows, k.n);
	assert_int_equal(k.mix_role, 1);
	assert_int_equal(k.port_name, 1);
	assert_int_equal(vh_config_keys(NULL, NULL), 0);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_examples_load),
		cmocka_unit_test(test_examples_content),
		cmocka_unit_test(test_reference_up_to_date),
		cmocka_unit_test(test_keys_match_reference),
	};

	if (argc != 3) {
		fprintf(stderr, "usage: %s CONFIG_DIR REFERENCE_MD\n", argv[0]);
		return 2;
	}
	config_dir = argv[1];
	reference_md = argv[2];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
