/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz the control socket's request path: the input is the byte stream a
 * client sends on one connection. It goes through the real framing,
 * validation and dispatch (no socket), to a synchronous, an asynchronous
 * and an erroring handler. Checks: every request gets exactly one
 * response line, in order, each a well-formed protocol response; answers
 * to requests whose connection is gone are discarded without harm.
 *
 * The first input byte, if any, picks how the stream is cut into writes.
 *
 * Cost: a request costs ~15 us under ASan (jansson allocates for every
 * value) and its check as much again, and libFuzzer favours inputs that
 * run a loop more often, so unbounded streams drifted to hundreds of empty
 * lines and 300 inputs/s. A stream is therefore cut after LINES_MAX lines,
 * and the limits are small so that every one of them (line length,
 * pipeline, output cap) is reached within that many (docs/fuzzing.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl_internal.h"

#define HELD_MAX 64
#define LINES_MAX 8

static struct vh_ctl *ctl;
static struct vh_ctl_req *held[HELD_MAX];
static unsigned int n_held;
static char sock_path[108];

static void
h_echo(void *arg, const json_t *args, struct vh_ctl_req *req)
{
	(void)arg;
	vh_ctl_reply(req, json_pack("{s:O}", "args", (json_t *)args));
}

static void
h_later(void *arg, const json_t *args, struct vh_ctl_req *req)
{
	(void)arg;
	(void)args;
	if (n_held == HELD_MAX)
		vh_ctl_error(req, "test", "full", true, "too many held");
	else
		held[n_held++] = req;
}

static void
h_fail(void *arg, const json_t *args, struct vh_ctl_req *req)
{
	(void)arg;
	vh_ctl_error(req, "dp", "port-down", false, "%s",
		json_string_value(json_object_get(args, "why")) ?: "no reason");
}

static void
cleanup(void)
{
	vh_ctl_destroy(ctl);
	*strrchr(sock_path, '/') = '\0';
	rmdir(sock_path);
}

static void
init(void)
{
	struct vh_ctl_conf conf = {
		.max_request_bytes = 256, .max_output_bytes = 512, .max_pipeline = 4};

	snprintf(sock_path, sizeof(sock_path), "/tmp/vh-fuzz-ctl-%d/ctl.sock", (int)getpid());
	ctl = vh_ctl_create(sock_path, &conf);
	if (ctl == NULL || vh_ctl_register(ctl, "echo", "", h_echo, NULL) != 0 ||
		vh_ctl_register(ctl, "later", "", h_later, NULL) != 0 ||
		vh_ctl_register(ctl, "fail", "", h_fail, NULL) != 0) {
		perror("fuzz_ctl_request: setup");
		abort();
	}
	atexit(cleanup);
}

/* Every line must be a protocol response; returns how many there were. */
static size_t
check_output(const char *out, size_t len)
{
	size_t lines = 0;

	while (len > 0) {
		const char *nl = memchr(out, '\n', len);
		json_t *r, *ok, *e;

		if (nl == NULL)
			abort(); /* responses are whole lines */
		r = json_loadb(out, (size_t)(nl - out), 0, NULL);
		ok = json_object_get(r, "ok");
		if (r == NULL || json_integer_value(json_object_get(r, "v")) != 1 ||
			!json_is_boolean(ok))
			abort();
		e = json_object_get(r, "error");
		if (json_is_true(ok) ? json_object_get(r, "result") == NULL
				     : !json_is_string(json_object_get(e, "code")) ||
					       !json_is_string(json_object_get(e, "layer")) ||
					       !json_is_string(json_object_get(e, "message")) ||
					       !json_is_boolean(json_object_get(e, "retry")))
			abort();
		json_decref(r);
		lines++;
		len -= (size_t)(nl - out) + 1;
		out = nl + 1;
	}
	return lines;
}

static void
answer_held(unsigned int keep)
{
	while (n_held > keep) {
		struct vh_ctl_req *r = held[--n_held];

		if (n_held % 2)
			vh_ctl_reply(r, json_pack("{s:i}", "late", (int)n_held));
		else
			vh_ctl_error(r, "ctl", "timeout", true, "late");
	}
}

/* The stream up to and including its LINES_MAX-th newline. */
static size_t
stream_len(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;

	for (int i = 0; i < LINES_MAX && p < end; i++) {
		p = memchr(p, '\n', (size_t)(end - p));
		if (p == NULL)
			return size;
		p++;
	}
	return (size_t)(p - data);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vh_ctl_stats before, after;
	size_t cut, lines = 0, len;
	struct conn *c;
	const char *out;

	if (ctl == NULL)
		init();
	size = stream_len(data, size);
	vh_ctl_stats_get(ctl, &before);
	c = vh_ctl_mem_conn_open(ctl);
	if (c == NULL)
		return 0;
	cut = size > 0 ? (size_t)data[0] % 17 + 1 : 1;
	for (size_t off = 0; off < size; off += cut) {
		size_t n = size - off < cut ? size - off : cut;

		vh_ctl_mem_conn_feed(c, data + off, n, false);
		out = vh_ctl_mem_conn_take(c, &len);
		lines += check_output(out, len);
		if (data[off] == '!')
			answer_held(n_held / 2); /* some async answers arrive mid-stream */
	}
	answer_held(1);
	vh_ctl_mem_conn_feed(c, NULL, 0, true);
	out = vh_ctl_mem_conn_take(c, &len);
	lines += check_output(out, len);
	vh_ctl_stats_get(ctl, &after);
	/* One response per request, unless still queued or the connection died. */
	if (!vh_ctl_mem_conn_closed(c) && lines + c->queued != after.requests - before.requests)
		abort();
	vh_ctl_mem_conn_close(c);
	answer_held(0); /* the client is gone: discarded */
	return 0;
}
