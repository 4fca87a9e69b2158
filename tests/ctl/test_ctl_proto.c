/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/ctl protocol behaviour over real Unix sockets in one process:
 * framing, protocol errors, response order with asynchronous handlers,
 * requests outliving their client or the server, the built-in help.
 */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "ctl_fixture.h"

static void
test_several_in_one_write(void **state)
{
	struct fix *f = fix_new(NULL);
	struct cli *c = cli_open(f->path);
	char buf[512];
	json_t *r;

	(void)state;
	assert_non_null(c);
	snprintf(buf, sizeof(buf), "%s", req_line(1, "echo", "{\"a\":1}"));
	strcat(buf, req_line(2, "fail", NULL));
	strcat(buf, req_line(3, "echo", "{\"b\":\"x\"}"));
	cli_send(c, buf);
	r = cli_recv(f->ctl, c, 0);
	check_resp(r, 1, true, NULL);
	assert_int_equal(json_integer_value(json_object_get(
				 json_object_get(json_object_get(r, "result"), "args"), "a")),
		1);
	json_decref(r);
	r = cli_recv(f->ctl, c, 0);
	check_resp(r, 2, false, "port-down");
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(r, "error"), "layer")), "dp");
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(r, "error"), "message")),
		"port 3 is down");
	assert_true(json_is_true(json_object_get(json_object_get(r, "error"), "retry")));
	json_decref(r);
	r = cli_recv(f->ctl, c, 0);
	check_resp(r, 3, true, NULL);
	json_decref(r);
	cli_close(c);
	fix_free(f);
}

static void
test_split_across_writes(void **state)
{
	struct fix *f = fix_new(NULL);
	struct cli *c = cli_open(f->path);
	const char *line = req_line(42, "echo", "{\"k\":\"v\"}");
	size_t n = strlen(line);
	json_t *r;

	(void)state;
	cli_sendn(c, line, 5);
	assert_false(cli_has_line(f->ctl, c, 0));
	cli_sendn(c, line + 5, n - 6);
	assert_false(cli_has_line(f->ctl, c, 0));
	cli_sendn(c, line + n - 1, 1);
	r = cli_recv(f->ctl, c, 0);
	check_resp(r, 42, true, NULL);
	json_decref(r);
	cli_close(c);
	fix_free(f);
}

struct bad_case {
	const char *line;
	int id;
	const char *code;
};

static void
test_protocol_errors(void **state)
{
	static const struct bad_case cases[] = {
		{"{not json\n", -1, "bad-request"},
		{"[1,2]\n", -1, "bad-request"},
		{"\n", -1, "bad-request"},
		{"{\"v\":1,\"id\":5}\n", 5, "bad-request"},
		{"{\"v\":1,\"id\":6,\"cmd\":7}\n", 6, "bad-request"},
		{"{\"v\":1,\"cmd\":\"echo\"}\n", -1, "bad-request"},
		{"{\"v\":1,\"id\":\"x\",\"cmd\":\"echo\"}\n", -1, "bad-request"},
		{"{\"id\":8,\"cmd\":\"echo\"}\n", 8, "bad-request"},
		{"{\"v\":\"1\",\"id\":9,\"cmd\":\"echo\"}\n", 9, "bad-request"},
		{"{\"v\":2,\"id\":10,\"cmd\":\"echo\"}\n", 10, "unsupported-version"},
		{"{\"v\":1,\"id\":11,\"cmd\":\"statz\"}\n", 11, "unknown-command"},
		{"{\"v\":1,\"id\":12,\"cmd\":\"echo\",\"args\":[1]}\n", 12, "bad-request"},
		{"{\"v\":1,\"id\":13,\"id\":14,\"cmd\":\"echo\"}\n", -1, "bad-request"},
		{"{\"v\":1,\"id\":15,\"cmd\":\"echo\"} trailing\n", -1, "bad-request"},
	};
	struct fix *f = fix_new(NULL);
	struct cli *c = cli_open(f->path);
	struct vh_ctl_stats st;
	json_t *r;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cli_send(c, cases[i].line);
		r = cli_recv(f->ctl, c, 0);
		if (r == NULL)
			fail_msg("no answer to case %zu", i);
		check_resp(r, cases[i].id, false, cases[i].code);
		if (strcmp(cases[i].code, "unknown-command") == 0)
			assert_string_equal(json_string_value(json_object_get(
						    json_object_get(r, "error"), "message")),
				"no command 'statz'");
		json_decref(r);
	}
	/* Errors do not close the connection. */
	cli_send(c, req_line(99, "echo", "null"));
	r = cli_recv(f->ctl, c, 0);
	check_resp(r, 99, true, NULL);
	json_decref(r);
	vh_ctl_stats_get(f->ctl, &st);
	assert_int_equal(st.requests, sizeof(cases) / sizeof(cases[0]) + 1);
	assert_int_equal(st.errors, sizeof(cases) / sizeof(cases[0]));
	cli_close(c);
	fix_free(f);
}

static void
test_overlong_line_closes(void **state)
{
	struct vh_ctl_conf conf = {.max_request_bytes = 1024};
	struct fix *f = fix_new(&conf);
	struct cli *c = cli_open(f->path);
	char big[3000];
	json_t *r;

	(void)state;
	/* Exactly at the limit is fine. */
	snprintf(big, sizeof(big), "{\"v\":1,\"id\":1,\"cmd\":\"echo\",\"args\":{\"p\":\"");
	memset(big + strlen(big), 'y', 1024 - strlen(big) - 3);
	big[1021] = '\0';
	strcat(big, "\"}}\n");
	assert_int_equal(strlen(big), 1025);
	cli_send(c, big);
	r = cli_recv(f->ctl, c, 0);
	check_resp(r, 1, true, NULL);
	json_decref(r);
	/* Over it, with no newline in sight: answered, then closed. */
	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	cli_send(c, big);
	r = cli_recv(f->ctl, c, 0);
	check_resp(r, -1, false, "bad-request");
	json_decref(r);
	assert_true(cli_wait_eof(f->ctl, c, 0));
	cli_close(c);

	/* A complete line over the limit, followed by a valid one that is ignored. */
	c = cli_open(f->path);
	memset(big, ' ', 1500);
	big[1500] = '\n';
	big[1501] = '\0';
	cli_send(c, big);
	cli_send(c, req_line(2, "echo", NULL));
	r = cli_recv(f->ctl, c, 0);
	check_resp(r, -1, false, "bad-request");
	json_decref(r);
	assert_true(cli_wait_eof(f->ctl, c, 0));
	cli_close(c);
	fix_free(f);
}

static void
test_order_with_async(void **state)
{
	struct fix *f = fix_new(NULL);
	struct cli *c = cli_open(f->path);
	char buf[512];
	json_t *r;

	(void)state;
	snprintf(buf, sizeof(buf), "%s", req_line(1, "echo", NULL));
	strcat(buf, req_line(2, "later", NULL));
	strcat(buf, req_line(3, "echo", NULL));
	strcat(buf, req_line(4, "later", NULL));
	cli_send(c, buf);
	r = cli_recv(f->ctl, c, 0);
	check_resp(r, 1, true, NULL);
	json_decref(r);
	/* 3 is answered, but waits behind 2. */
	assert_false(cli_has_line(f->ctl, c, 0));
	assert_int_equal(f->n_pending, 2);
	fix_answer_oldest(f, 2);
	r = cli_recv(f->ctl, c, 0);
	check_resp(r, 2, true, NULL);
	assert_int_equal(
		json_integer_value(json_object_get(json_object_get(r, "result"), "late")), 2);
	json_decref(r);
	r = cli_recv(f->ctl, c, 0);
	check_resp(r, 3, true, NULL);
	json_decref(r);
	assert_false(cli_has_line(f->ctl, c, 0));
	fix_answer_oldest(f, 4);
	r = cli_recv(f->ctl, c, 0);
	check_resp(r, 4, true, NULL);
	json_decref(r);
	cli_close(c);
	fix_free(f);
}

static void
test_async_reply_wakes_fd(void **state)
{
	struct fix *f = fix_new(NULL);
	struct cli *c = cli_open(f->path);
	struct pollfd p = {.fd = vh_ctl_fd(f->ctl), .events = POLLIN};
	json_t *r;

	(void)state;
	cli_send(c, req_line(7, "later", NULL));
	/* A request makes the fd readable. */
	assert_int_equal(poll(&p, 1, 1000), 1);
	pump(f->ctl, 0, 10);
	assert_int_equal(f->n_pending, 1);
	/* Nothing to do: the server's fd is quiet ... */
	assert_int_equal(poll(&p, 1, 0), 0);
	assert_int_equal(vh_ctl_poll(f->ctl, 0), 0);
	fix_answer_oldest(f, 7);
	/* ... and an answer from outside the poll makes it readable. */
	assert_int_equal(poll(&p, 1, 0), 1);
	r = cli_recv(f->ctl, c, 0);
	check_resp(r, 7, true, NULL);
	json_decref(r);
	cli_close(c);
	fix_free(f);
}

static void
test_disconnect_with_pending(void **state)
{
	struct fix *f = fix_new(NULL);
	struct cli *c = cli_open(f->path);
	struct vh_ctl_stats st;

	(void)state;
	cli_send(c, req_line(1, "later", NULL));
	cli_send(c, req_line(2, "later", NULL));
	cli_send(c, req_line(3, "echo", NULL));
	pump(f->ctl, 0, 10);
	assert_int_equal(f->n_pending, 2);
	cli_close(c);
	pump(f->ctl, 0, 10);
	vh_ctl_stats_get(f->ctl, &st);
	assert_int_equal(st.connections_open, 0);
	/* Answers after the client left are discarded; ASan checks no leak, no UAF. */
	fix_answer_oldest(f, 1);
	vh_ctl_error(f->pending[0], "ctl", "timeout", true, "late %s", "error");
	f->n_pending = 0;
	pump(f->ctl, 0, 5);
	/* The server still serves others. */
	c = cli_open(f->path);
	cli_send(c, req_line(4, "echo", NULL));
	json_t *r = cli_recv(f->ctl, c, 0);

	check_resp(r, 4, true, NULL);
	json_decref(r);
	cli_close(c);
	fix_free(f);
}

static void
test_pending_outlives_server(void **state)
{
	struct fix *f = fix_new(NULL);
	struct cli *c = cli_open(f->path);
	struct vh_ctl_req *held;

	(void)state;
	cli_send(c, req_line(1, "later", NULL));
	pump(f->ctl, 0, 10);
	assert_int_equal(f->n_pending, 1);
	held = f->pending[0];
	f->n_pending = 0;
	fix_free(f);
	assert_true(cli_wait_eof(NULL, c, 0));
	vh_ctl_reply(held, json_pack("{s:b}", "late", 1));
	cli_close(c);
}

static void
test_half_close_still_answered(void **state)
{
	struct fix *f = fix_new(NULL);
	struct cli *c = cli_open(f->path);
	json_t *r;

	(void)state;
	/* Last request without its newline: taken as a line at end of input. */
	cli_send(c, req_line(1, "later", NULL));
	cli_send(c, "{\"v\":1,\"id\":2,\"cmd\":\"echo\"}");
	shutdown(c->fd, SHUT_WR);
	pump(f->ctl, 0, 10);
	fix_answer_oldest(f, 1);
	r = cli_recv(f->ctl, c, 0);
	check_resp(r, 1, true, NULL);
	json_decref(r);
	r = cli_recv(f->ctl, c, 0);
	check_resp(r, 2, true, NULL);
	json_decref(r);
	assert_true(cli_wait_eof(f->ctl, c, 0));
	cli_close(c);
	fix_free(f);
}

static void
test_pipeline_cap(void **state)
{
	struct vh_ctl_conf conf = {.max_pipeline = 4};
	struct fix *f = fix_new(&conf);
	struct cli *c = cli_open(f->path);
	json_t *r;

	(void)state;
	for (int i = 0; i < 10; i++)
		cli_send(c, req_line(i, "later", NULL));
	pump(f->ctl, 0, 20);
	assert_int_equal(f->n_pending, 4);
	for (int i = 0; i < 10; i++) {
		fix_answer_oldest(f, i);
		r = cli_recv(f->ctl, c, 0);
		check_resp(r, i, true, NULL);
		json_decref(r);
		assert_true(f->n_pending <= 4);
	}
	assert_int_equal(f->n_pending, 0);
	cli_close(c);
	fix_free(f);
}

/*
 * More requests than one poll serves: the rest must be served on later
 * polls that the node makes only when vh_ctl_fd() is readable.
 */
static void
test_backlog_keeps_fd_readable(void **state)
{
	struct fix *f = fix_new(NULL);
	struct cli *c = cli_open(f->path);
	struct pollfd p = {.fd = vh_ctl_fd(f->ctl), .events = POLLIN};
	static char buf[200 * 64];
	int got = 0;

	(void)state;
	buf[0] = '\0';
	for (int i = 0; i < 200; i++)
		strcat(buf, req_line(i, "echo", NULL));
	cli_send(c, buf);
	for (int round = 0; round < 1000 && got < 200; round++) {
		json_t *r;

		if (poll(&p, 1, 100) != 1)
			continue;
		vh_ctl_poll(f->ctl, 0);
		while (got < 200 && cli_take_line(c, &r)) {
			check_resp(r, got++, true, NULL);
			json_decref(r);
		}
	}
	assert_int_equal(got, 200);
	cli_close(c);
	fix_free(f);
}

static void
test_help_and_register(void **state)
{
	struct fix *f = fix_new(NULL);
	struct cli *c = cli_open(f->path);
	const char *names[] = {"help", "echo", "later", "fail", "big"};
	json_t *r, *list;

	(void)state;
	cli_send(c, req_line(1, "help", NULL));
	r = cli_recv(f->ctl, c, 0);
	check_resp(r, 1, true, NULL);
	list = json_object_get(json_object_get(r, "result"), "commands");
	assert_int_equal(json_array_size(list), 5);
	for (size_t i = 0; i < 5; i++) {
		json_t *e = json_array_get(list, i);

		assert_string_equal(json_string_value(json_object_get(e, "name")), names[i]);
		assert_true(json_is_string(json_object_get(e, "help")));
	}
	assert_string_equal(
		json_string_value(json_object_get(json_array_get(list, 1), "help")), "echo args");
	json_decref(r);
	assert_int_equal(
		vh_ctl_register(f->ctl, "echo", "", (vh_ctl_handler_t)abort, NULL), -EEXIST);
	assert_int_equal(
		vh_ctl_register(f->ctl, "help", "", (vh_ctl_handler_t)abort, NULL), -EEXIST);
	assert_int_equal(
		vh_ctl_register(f->ctl, "Bad Name", "", (vh_ctl_handler_t)abort, NULL), -EINVAL);
	assert_int_equal(vh_ctl_register(f->ctl, "", "", (vh_ctl_handler_t)abort, NULL), -EINVAL);
	assert_int_equal(vh_ctl_register(f->ctl, "ok-name", "", NULL, NULL), -EINVAL);
	cli_close(c);
	fix_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_several_in_one_write),
		cmocka_unit_test(test_split_across_writes),
		cmocka_unit_test(test_protocol_errors),
		cmocka_unit_test(test_overlong_line_closes),
		cmocka_unit_test(test_order_with_async),
		cmocka_unit_test(test_async_reply_wakes_fd),
		cmocka_unit_test(test_disconnect_with_pending),
		cmocka_unit_test(test_pending_outlives_server),
		cmocka_unit_test(test_half_close_still_answered),
		cmocka_unit_test(test_pipeline_cap),
		cmocka_unit_test(test_backlog_keeps_fd_readable),
		cmocka_unit_test(test_help_and_register),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
