/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/ctl socket life cycle and limits: file mode and parent directory,
 * refusing a live path, replacing a stale one, unlinking only its own file,
 * slow readers, idle timeout, a full connection table (eviction of the
 * connection idle the longest, "busy" only when every one waits).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "ctl_fixture.h"

static void
check_works(struct vh_ctl *ctl, const char *path)
{
	struct cli *c = cli_open(path);
	json_t *r;

	assert_non_null(c);
	cli_send(c, req_line(1, "help", NULL));
	r = cli_recv(ctl, c, 0);
	check_resp(r, 1, true, NULL);
	json_decref(r);
	cli_close(c);
}

static void
test_mode_and_parents(void **state)
{
	const char *base = tmp_sock_path("x");
	char dir[108], sub[160], path[200];
	struct vh_ctl *ctl;
	struct stat st;
	mode_t old;

	(void)state;
	snprintf(dir, sizeof(dir), "%s", base);
	*strrchr(dir, '/') = '\0';
	snprintf(sub, sizeof(sub), "%s/a/b", dir);
	snprintf(path, sizeof(path), "%s/node.sock", sub);
	old = umask(0);
	ctl = vh_ctl_create(path, NULL);
	assert_int_equal(umask(old), 0); /* umask restored around bind */
	assert_non_null(ctl);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(stat(sub, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	check_works(ctl, path);
	vh_ctl_destroy(ctl);
	assert_int_equal(stat(path, &st), -1);
	assert_int_equal(errno, ENOENT);
	rmdir(sub);
	*strrchr(sub, '/') = '\0';
	rmdir(sub);
	rmdir(dir);
}

static void
test_refuses_live_server(void **state)
{
	struct fix *f = fix_new(NULL);
	struct vh_ctl *two;

	(void)state;
	errno = 0;
	two = vh_ctl_create(f->path, NULL);
	assert_null(two);
	assert_int_equal(errno, EADDRINUSE);
	check_works(f->ctl, f->path);
	fix_free(f);
}

static void
test_replaces_stale_socket(void **state)
{
	const char *p = tmp_sock_path("stale.sock");
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char path[108];
	struct vh_ctl *ctl;
	struct stat st;
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "%s", p);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd); /* a crashed node: file left, nobody listening */
	assert_int_equal(stat(path, &st), 0);
	ctl = vh_ctl_create(path, NULL);
	assert_non_null(ctl);
	check_works(ctl, path);
	vh_ctl_destroy(ctl);
	*strrchr(path, '/') = '\0';
	rmdir(path);
}

static void
test_refuses_non_socket(void **state)
{
	const char *p = tmp_sock_path("file.sock");
	char path[108];
	struct stat st;
	FILE *fp;

	(void)state;
	snprintf(path, sizeof(path), "%s", p);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("keep me", fp);
	fclose(fp);
	errno = 0;
	assert_null(vh_ctl_create(path, NULL));
	assert_int_equal(errno, EEXIST);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 7);
	unlink(path);
	*strrchr(path, '/') = '\0';
	rmdir(path);
}

static void
test_bad_paths(void **state)
{
	char longp[200];

	(void)state;
	memset(longp, 'a', sizeof(longp) - 1);
	longp[0] = '/';
	longp[sizeof(longp) - 1] = '\0';
	errno = 0;
	assert_null(vh_ctl_create(longp, NULL));
	assert_int_equal(errno, ENAMETOOLONG);
	errno = 0;
	assert_null(vh_ctl_create("", NULL));
	assert_int_equal(errno, EINVAL);
}

static void
test_destroy_keeps_newer_file(void **state)
{
	struct fix *f = fix_new(NULL);
	struct vh_ctl *newer;
	struct stat st;

	(void)state;
	unlink(f->path); /* someone removed it; a new node took the path */
	newer = vh_ctl_create(f->path, NULL);
	assert_non_null(newer);
	vh_ctl_destroy(f->ctl);
	f->ctl = newer;
	assert_int_equal(stat(f->path, &st), 0);
	check_works(newer, f->path);
	fix_free(f);
}

static uint64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* Count the complete lines a client can read without blocking, until EOF. */
static int
drain_lines(struct cli *c, bool *eof)
{
	char b[65536];
	int lines = 0;
	ssize_t k;

	*eof = false;
	for (;;) {
		k = recv(c->fd, b, sizeof(b), 0);
		if (k <= 0) {
			*eof = k == 0 || errno != EAGAIN;
			return lines;
		}
		for (ssize_t i = 0; i < k; i++)
			lines += b[i] == '\n';
	}
}

/*
 * A client that sends and never reads: served until its unread output
 * reaches half the cap, then paused (bounded memory, no blocking), then
 * dropped by the idle timeout.
 */
static void
test_slow_reader_paused_then_dropped(void **state)
{
	struct vh_ctl_conf conf = {.max_output_bytes = 256 * 1024, .idle_timeout_ms = 5000};
	struct fix *f = fix_new(&conf);
	struct cli *c = cli_open(f->path);
	struct cli *other = cli_open(f->path);
	struct vh_ctl_stats st;
	uint64_t worst = 0;
	bool eof;
	int got;
	json_t *r;

	(void)state;
	for (int i = 0; i < 200; i++)
		cli_send(c, req_line(i, "big", "{\"size\":16384}"));
	for (int round = 0; round < 200; round++) {
		uint64_t t = now_us();

		vh_ctl_poll(f->ctl, 1000);
		t = now_us() - t;
		worst = t > worst ? t : worst;
	}
	vh_ctl_stats_get(f->ctl, &st);
	print_message("slowest poll %llu us, %llu of 200 requests served\n",
		(unsigned long long)worst, (unsigned long long)st.requests);
	assert_true(worst < 100000);
	assert_int_equal(st.connections_open, 2);
	/* Paused: served at most what fits in the socket buffer and half the cap. */
	assert_true(st.requests < 100);
	/* The other client is unaffected. */
	cli_send(other, req_line(5, "echo", NULL));
	r = cli_recv(f->ctl, other, 3000);
	check_resp(r, 5, true, NULL);
	json_decref(r);
	/* No progress for the idle timeout: dropped. */
	pump(f->ctl, 6000, 3);
	vh_ctl_stats_get(f->ctl, &st);
	assert_int_equal(st.connections_open, 1);
	assert_int_equal(st.timeouts, 1);
	got = drain_lines(c, &eof);
	assert_true(got < 200);
	cli_close(c);
	cli_close(other);
	fix_free(f);
}

/* Reading resumes a paused client: all 200 answers arrive, in order. */
static void
test_paused_client_resumes(void **state)
{
	struct vh_ctl_conf conf = {.max_output_bytes = 256 * 1024};
	struct fix *f = fix_new(&conf);
	struct cli *c = cli_open(f->path);

	(void)state;
	for (int i = 0; i < 200; i++)
		cli_send(c, req_line(i, "big", "{\"size\":16384}"));
	for (int i = 0; i < 200; i++) {
		json_t *r = cli_recv(f->ctl, c, 0);

		check_resp(r, i, true, NULL);
		assert_int_equal(strlen(json_string_value(
					 json_object_get(json_object_get(r, "result"), "data"))),
			16384);
		json_decref(r);
	}
	cli_close(c);
	fix_free(f);
}

/* Asynchronous answers cannot be paused: past the cap the client is dropped. */
static void
test_output_cap_drops(void **state)
{
	struct vh_ctl_conf conf = {.max_output_bytes = 256 * 1024};
	struct fix *f = fix_new(&conf);
	struct cli *c = cli_open(f->path);
	struct vh_ctl_stats st;
	uint64_t worst = 0;
	bool eof;

	(void)state;
	for (int i = 0; i < 40; i++)
		cli_send(c, req_line(i, "later", NULL));
	pump(f->ctl, 0, 10);
	assert_int_equal(f->n_pending, 40);
	for (int i = 0; i < 40; i++) {
		uint64_t t = now_us();

		fix_answer_oldest_big(f, 32768);
		vh_ctl_poll(f->ctl, 0);
		t = now_us() - t;
		worst = t > worst ? t : worst;
	}
	vh_ctl_stats_get(f->ctl, &st);
	print_message("slowest answer+poll %llu us\n", (unsigned long long)worst);
	assert_true(worst < 100000);
	assert_int_equal(st.dropped, 1);
	assert_int_equal(st.connections_open, 0);
	assert_true(drain_lines(c, &eof) < 40);
	assert_true(eof);
	cli_close(c);
	fix_free(f);
}

static void
test_idle_timeout(void **state)
{
	struct vh_ctl_conf conf = {.idle_timeout_ms = 1000};
	struct fix *f = fix_new(&conf);
	struct cli *idle = cli_open(f->path);
	struct cli *busy = cli_open(f->path);
	struct vh_ctl_stats st;
	json_t *r;

	(void)state;
	pump(f->ctl, 100, 5);
	cli_send(busy, req_line(1, "later", NULL));
	pump(f->ctl, 200, 5);
	pump(f->ctl, 1099, 5);
	vh_ctl_stats_get(f->ctl, &st);
	assert_int_equal(st.connections_open, 2);
	pump(f->ctl, 1100, 5);
	vh_ctl_stats_get(f->ctl, &st);
	assert_int_equal(st.connections_open, 1); /* idle one gone */
	assert_int_equal(st.timeouts, 1);
	assert_true(cli_wait_eof(f->ctl, idle, 1100));
	/* A request in flight is not idleness. */
	pump(f->ctl, 50000, 5);
	vh_ctl_stats_get(f->ctl, &st);
	assert_int_equal(st.connections_open, 1);
	fix_answer_oldest(f, 1);
	r = cli_recv(f->ctl, busy, 50000);
	check_resp(r, 1, true, NULL);
	json_decref(r);
	pump(f->ctl, 51000, 5);
	vh_ctl_stats_get(f->ctl, &st);
	assert_int_equal(st.connections_open, 0);
	assert_int_equal(st.timeouts, 2);
	cli_close(idle);
	cli_close(busy);
	fix_free(f);
}

/* Open a client and let the server accept it at time now. */
static struct cli *
cli_at(struct fix *f, uint64_t now)
{
	struct cli *c = cli_open(f->path);
	struct vh_ctl_stats st, st2;

	assert_non_null(c);
	vh_ctl_stats_get(f->ctl, &st);
	for (int i = 0; i < 100; i++) {
		pump(f->ctl, now, 1);
		vh_ctl_stats_get(f->ctl, &st2);
		if (st2.connections + st2.refused > st.connections + st.refused)
			return c;
	}
	fail_msg("connection not accepted");
	return NULL;
}

static void
check_echo(struct fix *f, struct cli *c, int id, uint64_t now)
{
	json_t *r;

	cli_send(c, req_line(id, "echo", NULL));
	r = cli_recv(f->ctl, c, now);
	check_resp(r, id, true, NULL);
	json_decref(r);
}

/*
 * A full table of idle connections does not lock a newcomer out: the one
 * idle the longest is told why and closed, the newcomer is served.
 */
static void
test_full_table_evicts_longest_idle(void **state)
{
	struct vh_ctl_conf conf = {.max_connections = 3};
	struct fix *f = fix_new(&conf);
	struct cli *a, *b, *c, *d;
	struct vh_ctl_stats st;
	json_t *r;

	(void)state;
	a = cli_at(f, 0);
	b = cli_at(f, 10);
	c = cli_at(f, 20);
	check_echo(f, a, 1, 30); /* a spoke last: b is now idle the longest */
	d = cli_at(f, 40);
	r = cli_recv(f->ctl, b, 40);
	check_resp(r, -1, false, "evicted");
	assert_true(json_is_true(json_object_get(json_object_get(r, "error"), "retry")));
	json_decref(r);
	assert_true(cli_wait_eof(f->ctl, b, 40));
	check_echo(f, d, 2, 41);
	check_echo(f, a, 3, 42);
	check_echo(f, c, 4, 43);
	vh_ctl_stats_get(f->ctl, &st);
	assert_int_equal(st.evicted, 1);
	assert_int_equal(st.refused, 0);
	assert_int_equal(st.connections_open, 3);
	/* idle the longest now: d (spoke at 41; a at 42, c at 43) */
	cli_close(b);
	b = cli_at(f, 50);
	assert_true(cli_wait_eof(f->ctl, d, 50));
	check_echo(f, b, 5, 51);
	cli_close(a);
	cli_close(b);
	cli_close(c);
	cli_close(d);
	fix_free(f);
}

/*
 * A connection waiting for an answer is never evicted: when every one is,
 * the newcomer gets "busy" (retry); once one is answered it can go.
 */
static void
test_full_table_busy_only_when_all_wait(void **state)
{
	struct vh_ctl_conf conf = {.max_connections = 2};
	struct fix *f = fix_new(&conf);
	struct cli *a, *b, *c;
	struct vh_ctl_stats st;
	json_t *r;

	(void)state;
	a = cli_at(f, 0);
	b = cli_at(f, 0);
	cli_send(a, req_line(1, "later", NULL));
	cli_send(b, req_line(2, "later", NULL));
	pump(f->ctl, 0, 5);
	assert_int_equal(f->n_pending, 2);
	c = cli_at(f, 100000); /* a and b idle for long, but waiting */
	r = cli_recv(f->ctl, c, 100000);
	check_resp(r, -1, false, "busy");
	assert_true(json_is_true(json_object_get(json_object_get(r, "error"), "retry")));
	json_decref(r);
	assert_true(cli_wait_eof(f->ctl, c, 100000));
	vh_ctl_stats_get(f->ctl, &st);
	assert_int_equal(st.refused, 1);
	assert_int_equal(st.evicted, 0);
	/* a is answered: it has nothing in flight and may go for a newcomer */
	fix_answer_oldest(f, 1);
	r = cli_recv(f->ctl, a, 100001);
	check_resp(r, 1, true, NULL);
	json_decref(r);
	cli_close(c);
	c = cli_at(f, 100002);
	check_echo(f, c, 3, 100003);
	assert_true(cli_wait_eof(f->ctl, a, 100003));
	fix_answer_oldest(f, 2);
	r = cli_recv(f->ctl, b, 100004);
	check_resp(r, 2, true, NULL);
	json_decref(r);
	vh_ctl_stats_get(f->ctl, &st);
	assert_int_equal(st.evicted, 1);
	cli_close(a);
	cli_close(b);
	cli_close(c);
	fix_free(f);
}

/*
 * The default table (16) held by 15 silent clients and one that sends and
 * never reads: a newcomer is answered at once, every poll stays short, and
 * the non-reader's output stays bounded.
 */
static void
test_idle_and_non_reader_do_not_lock_out(void **state)
{
	struct vh_ctl_conf conf = {.max_output_bytes = 256 * 1024};
	struct fix *f = fix_new(&conf);
	struct cli *idle[15], *hog, *newcomer;
	struct vh_ctl_stats st;
	uint64_t worst = 0, t;

	(void)state;
	for (int i = 0; i < 15; i++)
		idle[i] = cli_at(f, (uint64_t)i);
	hog = cli_at(f, 20);
	for (int i = 0; i < 200; i++)
		cli_send(hog, req_line(i, "big", "{\"size\":16384}"));
	for (int round = 0; round < 100; round++) {
		t = now_us();
		vh_ctl_poll(f->ctl, 30);
		t = now_us() - t;
		worst = t > worst ? t : worst;
	}
	vh_ctl_stats_get(f->ctl, &st);
	assert_int_equal(st.connections_open, 16);
	assert_true(st.requests < 100); /* the hog is paused */
	t = now_us();
	newcomer = cli_at(f, 40);
	check_echo(f, newcomer, 1, 40);
	t = now_us() - t;
	print_message("slowest poll %llu us; newcomer served in %llu us\n",
		(unsigned long long)worst, (unsigned long long)t);
	assert_true(worst < 100000);
	assert_true(t < 1000000);
	assert_true(cli_wait_eof(f->ctl, idle[0], 40)); /* idle the longest */
	vh_ctl_stats_get(f->ctl, &st);
	assert_int_equal(st.evicted, 1);
	assert_int_equal(st.refused, 0);
	for (int i = 0; i < 15; i++)
		cli_close(idle[i]);
	cli_close(hog);
	cli_close(newcomer);
	fix_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mode_and_parents),
		cmocka_unit_test(test_refuses_live_server),
		cmocka_unit_test(test_replaces_stale_socket),
		cmocka_unit_test(test_refuses_non_socket),
		cmocka_unit_test(test_bad_paths),
		cmocka_unit_test(test_destroy_keeps_newer_file),
		cmocka_unit_test(test_slow_reader_paused_then_dropped),
		cmocka_unit_test(test_paused_client_resumes),
		cmocka_unit_test(test_output_cap_drops),
		cmocka_unit_test(test_idle_timeout),
		cmocka_unit_test(test_full_table_evicts_longest_idle),
		cmocka_unit_test(test_full_table_busy_only_when_all_wait),
		cmocka_unit_test(test_idle_and_non_reader_do_not_lock_out),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
