/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A request trickled in byte by byte (a slow client, or one that wants to
 * burn the control lcore) is searched for its newline once: the work is
 * linear in its length, where it used to be quadratic (a 64 KB line in
 * 1-byte reads was 2 GB of memchr). The answers are the same as for the
 * bytes written at once. Driven through the in-memory connection of
 * ctl_internal.h, which counts the bytes searched.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ctl_internal.h"

static void
h_echo(void *arg, const json_t *args, struct vh_ctl_req *req)
{
	(void)arg;
	vh_ctl_reply(req, json_pack("{s:O}", "args", (json_t *)args));
}

static struct vh_ctl *
server(char *path, size_t path_len)
{
	struct vh_ctl *ctl;

	snprintf(path, path_len, "/tmp/vh-test-trickle-%d.sock", (int)getpid());
	ctl = vh_ctl_create(path, NULL);
	assert_non_null(ctl);
	assert_int_equal(vh_ctl_register(ctl, "echo", "", h_echo, NULL), 0);
	return ctl;
}

/* Requests: a 60 KB one between two small ones. */
static char *
stream(size_t *len)
{
	size_t pad = 60000, cap = pad + 256;
	char *s = malloc(cap);
	int n;

	assert_non_null(s);
	n = snprintf(s, cap, "{\"v\":1,\"id\":1,\"cmd\":\"echo\"}\n{\"v\":1,\"id\":2,\"cmd\":"
			     "\"echo\",\"args\":{\"pad\":\"");
	memset(s + n, 'x', pad);
	n += (int)pad;
	n += snprintf(s + n, cap - (size_t)n, "\"}}\n{\"v\":1,\"id\":3,\"cmd\":\"echo\"}\n");
	*len = (size_t)n;
	return s;
}

/* Feed @p s in pieces of @p step bytes; returns the output, sets *scanned. */
static char *
run(struct vh_ctl *ctl, const char *s, size_t len, size_t step, uint64_t *scanned)
{
	struct conn *c = vh_ctl_mem_conn_open(ctl);
	size_t out_len = 0, n;
	char *out = NULL;
	const char *o;

	assert_non_null(c);
	for (size_t off = 0; off < len; off += step) {
		vh_ctl_mem_conn_feed(c, (const uint8_t *)s + off, len - off < step ? len - off : step,
			false);
		o = vh_ctl_mem_conn_take(c, &n);
		out = realloc(out, out_len + n + 1);
		assert_non_null(out);
		memcpy(out + out_len, o, n);
		out_len += n;
		out[out_len] = '\0';
	}
	assert_false(vh_ctl_mem_conn_closed(c));
	*scanned = c->scanned;
	vh_ctl_mem_conn_close(c);
	return out;
}

static void
test_trickled_line_is_linear(void **state)
{
	char path[108];
	struct vh_ctl *ctl = server(path, sizeof(path));
	uint64_t whole_scanned, trickled_scanned;
	size_t len;
	char *s = stream(&len);
	char *whole, *trickled;

	(void)state;
	whole = run(ctl, s, len, len, &whole_scanned);
	trickled = run(ctl, s, len, 1, &trickled_scanned);
	/* three answers, ids in order, the same either way */
	assert_non_null(strstr(whole, "\"id\":1"));
	assert_non_null(strstr(whole, "\"pad\":\"xxx"));
	assert_non_null(strstr(whole, "\"id\":3"));
	assert_string_equal(trickled, whole);
	/* each byte searched about once (twice at most), not once per read */
	assert_true(whole_scanned <= 2 * len);
	assert_true(trickled_scanned <= 2 * len);
	free(whole);
	free(trickled);
	free(s);
	vh_ctl_destroy(ctl);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_trickled_line_is_linear),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
