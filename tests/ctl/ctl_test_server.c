/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A stand-in node for the vhctl tests: the real lib/ctl server with canned
 * handlers. Usage: ctl_test_server SOCKET CANNED.json
 *
 * Commands: status, ports, version (the canned objects), stats (canned,
 * with "drops" filled in for every reason in VH_DROP_REASONS), ping
 * (asynchronous, answers after 50 ms; targets in 192.0.2.0/24 get no echo
 * back), fail (error dp/port-down), echo (returns {"args": args}), slow
 * (answers after 3 s). Runs until SIGTERM or SIGINT.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>

#include "vh_core.h"
#include "vh_ctl.h"

#define HELD_MAX 64

struct held {
	struct vh_ctl_req *req;
	json_t *result;
	uint64_t due_ms;
};

static struct held held[HELD_MAX];
static json_t *canned;
static volatile sig_atomic_t stop;

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
hold(struct vh_ctl_req *req, json_t *result, uint64_t delay_ms)
{
	for (int i = 0; i < HELD_MAX; i++) {
		if (held[i].req != NULL)
			continue;
		held[i] = (struct held){req, result, now_ms() + delay_ms};
		return;
	}
	json_decref(result);
	vh_ctl_error(req, "ctl", "busy", true, "test server holds too many requests");
}

static void
release_due(uint64_t now, bool all)
{
	for (int i = 0; i < HELD_MAX; i++) {
		if (held[i].req == NULL || (!all && now < held[i].due_ms))
			continue;
		vh_ctl_reply(held[i].req, held[i].result);
		held[i].req = NULL;
	}
}

static void
h_canned(void *arg, const json_t *args, struct vh_ctl_req *req)
{
	(void)args;
	vh_ctl_reply(req, json_deep_copy(json_object_get(canned, arg)));
}

static void
h_stats(void *arg, const json_t *args, struct vh_ctl_req *req)
{
	json_t *r = json_deep_copy(json_object_get(canned, "stats"));
	json_t *given = json_object_get(r, "drops"), *drops = json_object();

	(void)arg;
	(void)args;
	for (unsigned int d = 1; d < VH_DROP_MAX; d++) {
		json_t *v = json_object_get(given, vh_drop_name(d));

		json_object_set_new(drops, vh_drop_name(d), v ? json_incref(v) : json_integer(0));
	}
	json_object_set_new(r, "drops", drops);
	vh_ctl_reply(req, r);
}

static void
h_ping(void *arg, const json_t *args, struct vh_ctl_req *req)
{
	const char *target = json_string_value(json_object_get(args, "target"));
	json_t *count = json_object_get(args, "count");
	json_t *r;

	(void)arg;
	if (target == NULL) {
		vh_ctl_error(req, "ctl", "bad-request", false, "ping needs a 'target' PathAddr");
		return;
	}
	if (count != NULL && (!json_is_integer(count) || json_integer_value(count) < 1 ||
				     json_integer_value(count) > 100)) {
		vh_ctl_error(req, "ctl", "bad-request", false, "count 1..100");
		return;
	}
	r = json_deep_copy(json_object_get(canned, "ping"));
	json_object_set_new(r, "target", json_string(target));
	if (strncmp(target, "/udp/192.0.2.", 13) == 0) {
		json_int_t sent = count ? json_integer_value(count) : 3;
		json_t *lost = json_array();

		/* one null per echo that did not come back */
		for (json_int_t i = 0; i < sent; i++)
			json_array_append_new(lost, json_null());
		json_decref(r);
		r = json_pack("{s:s, s:I, s:i, s:o, s:n, s:n, s:n}", "target", target, "sent", sent,
			"received", 0, "rtt_ms", lost, "min_ms", "avg_ms", "max_ms");
	}
	hold(req, r, 50);
}

static void
h_fail(void *arg, const json_t *args, struct vh_ctl_req *req)
{
	(void)arg;
	(void)args;
	vh_ctl_error(req, "dp", "port-down", false, "port 3 is down");
}

static void
h_echo(void *arg, const json_t *args, struct vh_ctl_req *req)
{
	(void)arg;
	vh_ctl_reply(req, json_pack("{s:s, s:O}", "cmd", vh_ctl_req_cmd(req), "args", args));
}

static void
h_slow(void *arg, const json_t *args, struct vh_ctl_req *req)
{
	(void)arg;
	(void)args;
	hold(req, json_pack("{s:b}", "slow", 1), 3000);
}

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int
setup(struct vh_ctl *ctl)
{
	int rc = 0;

	rc |= vh_ctl_register(ctl, "status", "canned status", h_canned, "status");
	rc |= vh_ctl_register(ctl, "ports", "canned ports", h_canned, "ports");
	rc |= vh_ctl_register(ctl, "version", "canned version", h_canned, "version");
	rc |= vh_ctl_register(ctl, "stats", "canned stats", h_stats, NULL);
	rc |= vh_ctl_register(ctl, "ping", "canned ping after 50 ms", h_ping, NULL);
	rc |= vh_ctl_register(ctl, "fail", "always an error", h_fail, NULL);
	rc |= vh_ctl_register(ctl, "echo", "returns its args", h_echo, NULL);
	rc |= vh_ctl_register(ctl, "slow", "answers after 3 s", h_slow, NULL);
	return rc;
}

int
main(int argc, char **argv)
{
	struct epoll_event ev = {.events = EPOLLIN};
	struct vh_ctl *ctl;
	json_error_t e;
	int epfd;

	if (argc != 3) {
		fprintf(stderr, "usage: ctl_test_server SOCKET CANNED.json\n");
		return 2;
	}
	canned = json_load_file(argv[2], 0, &e);
	if (canned == NULL) {
		fprintf(stderr, "ctl_test_server: %s: %s\n", argv[2], e.text);
		return 1;
	}
	ctl = vh_ctl_create(argv[1], NULL);
	if (ctl == NULL) {
		perror("ctl_test_server: vh_ctl_create");
		return 1;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	epfd = epoll_create1(0);
	if (setup(ctl) != 0 || epfd < 0 ||
		epoll_ctl(epfd, EPOLL_CTL_ADD, vh_ctl_fd(ctl), &ev) != 0) {
		fprintf(stderr, "ctl_test_server: setup failed\n");
		return 1;
	}
	while (!stop) {
		struct epoll_event out;

		epoll_wait(epfd, &out, 1, 10);
		vh_ctl_poll(ctl, now_ms());
		release_due(now_ms(), false);
	}
	vh_ctl_destroy(ctl);
	release_due(0, true); /* after destroy: answers are discarded */
	json_decref(canned);
	return 0;
}
