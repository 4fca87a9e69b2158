/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config_test.h"

/* Test texts use ' for " so they stay readable; convert and wrap. */
char *
build(enum wrap wrap, const char *text)
{
	static const char *const fmt[] = {
		[WHOLE] = "%s",
		[EXTRA] = "{'node':" OK_NODE ",'ports':[" OK_PORT "],%s}",
		[NODE] = "{'node':%s,'ports':[" OK_PORT "]}",
		[PORT] = "{'node':" OK_NODE ",'ports':[%s]}",
		[PORTS] = "{'node':" OK_NODE ",'ports':%s}",
	};
	size_t cap = strlen(fmt[wrap]) + strlen(text) + 1;
	char *s = malloc(cap);

	assert_non_null(s);
	snprintf(s, cap, fmt[wrap], text);
	for (char *p = s; *p != '\0'; p++)
		if (*p == '\'')
			*p = '"';
	return s;
}

int
load(enum wrap wrap, const char *text, struct vh_config *cfg, struct vh_config_error *err)
{
	char *s = build(wrap, text);
	int rc = vh_config_load_string(s, strlen(s), cfg, err);

	free(s);
	return rc;
}

void
load_ok(enum wrap wrap, const char *text, struct vh_config *cfg)
{
	struct vh_config_error err;
	int rc = load(wrap, text, cfg, &err);

	if (rc != 0)
		print_error("unexpected error for %s: %s: %s\n", text, err.path, err.message);
	assert_int_equal(rc, 0);
}
