/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ctl_fixture.h"

static void
h_echo(void *arg, const json_t *args, struct vh_ctl_req *req)
{
	(void)arg;
	vh_ctl_reply(req, json_pack("{s:O}", "args", (json_t *)args));
}

static void
h_later(void *arg, const json_t *args, struct vh_ctl_req *req)
{
	struct fix *f = arg;

	(void)args;
	if (f->n_pending == FIX_PENDING_MAX) {
		vh_ctl_error(req, "test", "full", true, "fixture holds too many");
		return;
	}
	f->pending[f->n_pending++] = req;
}

static void
h_fail(void *arg, const json_t *args, struct vh_ctl_req *req)
{
	(void)arg;
	(void)args;
	vh_ctl_error(req, "dp", "port-down", true, "port %d is down", 3);
}

static void
h_big(void *arg, const json_t *args, struct vh_ctl_req *req)
{
	json_int_t n = json_integer_value(json_object_get(args, "size"));
	char *s;

	(void)arg;
	if (n <= 0)
		n = 8192;
	s = malloc((size_t)n + 1);
	memset(s, 'x', (size_t)n);
	s[n] = '\0';
	vh_ctl_reply(req, json_pack("{s:s}", "data", s));
	free(s);
}

struct fix *
fix_new(const struct vh_ctl_conf *conf)
{
	struct fix *f = calloc(1, sizeof(*f));
	const char *p = tmp_sock_path("node.sock");

	assert_non_null(f);
	assert_non_null(p);
	snprintf(f->path, sizeof(f->path), "%s", p);
	snprintf(f->dir, sizeof(f->dir), "%s", p);
	*strrchr(f->dir, '/') = '\0';
	f->ctl = vh_ctl_create(f->path, conf);
	assert_non_null(f->ctl);
	assert_int_equal(vh_ctl_register(f->ctl, "echo", "echo args", h_echo, f), 0);
	assert_int_equal(vh_ctl_register(f->ctl, "later", "answer later", h_later, f), 0);
	assert_int_equal(vh_ctl_register(f->ctl, "fail", "always fails", h_fail, f), 0);
	assert_int_equal(vh_ctl_register(f->ctl, "big", "large result", h_big, f), 0);
	return f;
}

void
fix_answer_oldest(struct fix *f, int n)
{
	assert_true(f->n_pending > 0);
	vh_ctl_reply(f->pending[0], json_pack("{s:i}", "late", n));
	memmove(f->pending, f->pending + 1, (f->n_pending - 1) * sizeof(f->pending[0]));
	f->n_pending--;
}

void
fix_answer_oldest_big(struct fix *f, size_t size)
{
	char *s = malloc(size + 1);

	assert_non_null(s);
	memset(s, 'q', size);
	s[size] = '\0';
	assert_true(f->n_pending > 0);
	vh_ctl_reply(f->pending[0], json_pack("{s:s}", "data", s));
	free(s);
	memmove(f->pending, f->pending + 1, (f->n_pending - 1) * sizeof(f->pending[0]));
	f->n_pending--;
}

void
fix_free(struct fix *f)
{
	while (f->n_pending > 0)
		fix_answer_oldest(f, 0);
	vh_ctl_destroy(f->ctl);
	rmdir(f->dir);
	free(f);
}

void
check_resp(const json_t *r, int id, bool ok, const char *code)
{
	const json_t *jid;

	assert_non_null(r);
	assert_int_equal(json_integer_value(json_object_get(r, "v")), 1);
	jid = json_object_get(r, "id");
	if (id < 0)
		assert_true(json_is_null(jid));
	else
		assert_int_equal(json_integer_value(jid), id);
	assert_true(json_is_boolean(json_object_get(r, "ok")));
	assert_int_equal(json_is_true(json_object_get(r, "ok")), ok);
	if (ok) {
		assert_non_null(json_object_get(r, "result"));
		return;
	}
	const json_t *e = json_object_get(r, "error");

	assert_string_equal(json_string_value(json_object_get(e, "code")), code);
	assert_non_null(json_string_value(json_object_get(e, "layer")));
	assert_non_null(json_string_value(json_object_get(e, "message")));
	assert_true(json_is_boolean(json_object_get(e, "retry")));
}
