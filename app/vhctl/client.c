/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vhctl's side of docs/control-protocol.md: find the socket, connect, send
 * one request, read one response line, all under one deadline, and turn
 * every failure into a sentence and an exit code.
 */
#include <errno.h>
#include <glob.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "client.h"

#define RESPONSE_MAX (64u << 20)

int
client_socket_path(const char *opt, char *out, size_t size)
{
	const char *env = getenv("VALHALLA_SOCKET");
	const char *dir = getenv("VALHALLA_RUN_DIR");
	char pattern[4096];
	glob_t g;
	int rc;

	if (opt == NULL && env != NULL && env[0] != '\0')
		opt = env;
	if (opt != NULL) {
		snprintf(out, size, "%s", opt);
		return 0;
	}
	if (dir == NULL || dir[0] == '\0')
		dir = VHCTL_RUN_DIR;
	snprintf(pattern, sizeof(pattern), "%s/*.sock", dir);
	rc = glob(pattern, 0, NULL, &g);
	if (rc == GLOB_NOMATCH || (rc == 0 && g.gl_pathc == 0)) {
		fprintf(stderr,
			"valhalla is not running: no control socket in %s (or use -s PATH)\n", dir);
		if (rc == 0)
			globfree(&g);
		return EXIT_NOT_RUNNING;
	}
	if (rc != 0) {
		fprintf(stderr, "vhctl: cannot list %s\n", dir);
		return EXIT_COMM;
	}
	if (g.gl_pathc > 1) {
		fprintf(stderr, "vhctl: several nodes have sockets in %s; choose one with -s:\n",
			dir);
		for (size_t i = 0; i < g.gl_pathc; i++)
			fprintf(stderr, "  %s\n", g.gl_pathv[i]);
		globfree(&g);
		return EXIT_USAGE;
	}
	snprintf(out, size, "%s", g.gl_pathv[0]);
	globfree(&g);
	return 0;
}

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for @p events until @p deadline; 1 ready, 0 timeout. */
static int
wait_fd(int fd, short events, long deadline)
{
	struct pollfd p = {.fd = fd, .events = events};
	long left;
	int n;

	do {
		left = deadline - now_ms();
		if (left <= 0)
			return 0;
		n = poll(&p, 1, (int)(left > 1000000 ? 1000000 : left));
	} while (n < 0 && errno == EINTR);
	return n > 0;
}

static int
timeout_msg(const char *path, long timeout_ms)
{
	fprintf(stderr, "vhctl: timeout: no answer from the node at %s within %.1f s\n", path,
		(double)timeout_ms / 1000.0);
	return EXIT_TIMEOUT;
}

static int
connect_error(const char *path, int err)
{
	struct stat st;

	switch (err) {
	case ENOENT:
		fprintf(stderr, "valhalla is not running: no control socket at %s\n", path);
		return EXIT_NOT_RUNNING;
	case ECONNREFUSED:
		if (stat(path, &st) == 0 && !S_ISSOCK(st.st_mode))
			break;
		fprintf(stderr,
			"valhalla is not running: the node at %s is not running "
			"(stale socket)\n",
			path);
		return EXIT_NOT_RUNNING;
	case EACCES:
	case EPERM:
		fprintf(stderr,
			"vhctl: cannot connect to %s: permission denied; run as root or as "
			"the node's user\n",
			path);
		return EXIT_COMM;
	default:
		break;
	}
	if (err == ECONNREFUSED)
		fprintf(stderr, "vhctl: %s is not a socket\n", path);
	else
		fprintf(stderr, "vhctl: cannot connect to %s: %s\n", path, strerror(err));
	return EXIT_COMM;
}

/* Connect before @p deadline; a full backlog (EAGAIN) is retried. */
static int
open_socket(const char *path, long deadline, long timeout_ms, int *fdp)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "vhctl: socket path too long: %s\n", path);
		return EXIT_USAGE;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	for (;;) {
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return connect_error(path, errno);
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			break;
		int err = errno;

		close(fd);
		if (err != EAGAIN)
			return connect_error(path, err);
		if (now_ms() >= deadline)
			return timeout_msg(path, timeout_ms);
		usleep(10000);
	}
	*fdp = fd;
	return 0;
}

/*
 * Send the request. -EPIPE: the node closed the connection (a refusal it
 * may have explained in a line already waiting to be read).
 */
static int
send_all(int fd, const char *s, size_t n, long deadline, const char *path, long timeout_ms)
{
	while (n > 0) {
		ssize_t k = send(fd, s, n, MSG_NOSIGNAL);

		if (k > 0) {
			s += k;
			n -= (size_t)k;
		} else if (k < 0 && errno == EAGAIN) {
			if (!wait_fd(fd, POLLOUT, deadline))
				return timeout_msg(path, timeout_ms);
		} else if (k < 0 && (errno == EPIPE || errno == ECONNRESET)) {
			return -EPIPE;
		} else if (k < 0 && errno != EINTR) {
			fprintf(stderr, "vhctl: lost the connection to %s: %s\n", path,
				strerror(errno));
			return EXIT_COMM;
		}
	}
	return 0;
}

/* Read up to the first newline; *line is malloc'ed, NUL-terminated. */
static int
recv_line(int fd, long deadline, const char *path, long timeout_ms, char **line, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);

	while (buf != NULL) {
		ssize_t k;

		if (n + 1 >= cap) {
			char *nb = cap < RESPONSE_MAX ? realloc(buf, cap * 2) : NULL;

			if (nb == NULL)
				break;
			buf = nb;
			cap *= 2;
		}
		k = recv(fd, buf + n, cap - n - 1, 0);
		if (k > 0) {
			char *nl = memchr(buf + n, '\n', (size_t)k);

			n += (size_t)k;
			if (nl != NULL) {
				*nl = '\0';
				*line = buf;
				*len = (size_t)(nl - buf);
				return 0;
			}
		} else if (k == 0 || (errno != EAGAIN && errno != EINTR)) {
			free(buf);
			fprintf(stderr,
				"vhctl: the node at %s closed the connection without an "
				"answer\n",
				path);
			return EXIT_COMM;
		} else if (errno == EAGAIN && !wait_fd(fd, POLLIN, deadline)) {
			free(buf);
			return timeout_msg(path, timeout_ms);
		}
	}
	free(buf);
	fprintf(stderr, "vhctl: answer from %s too large\n", path);
	return EXIT_COMM;
}

static int
bad_answer(const char *why)
{
	fprintf(stderr, "vhctl: bad answer from the node: %s\n", why);
	return EXIT_COMM;
}

static int
node_error(const json_t *err)
{
	const char *msg = json_string_value(json_object_get(err, "message"));
	const char *layer = json_string_value(json_object_get(err, "layer"));
	const char *code = json_string_value(json_object_get(err, "code"));

	if (!json_is_object(err))
		return bad_answer("\"ok\" is false but there is no \"error\" object");
	fprintf(stderr, "error: %s [%s/%s]\n", msg ? msg : "(no message)", layer ? layer : "?",
		code ? code : "?");
	return EXIT_NODE_ERROR;
}

static int
parse_response(const char *line, size_t len, json_int_t id, json_t **result)
{
	json_error_t e;
	json_t *r = json_loadb(line, len, 0, &e);
	const json_t *rid, *ok;
	int rc = 0;

	if (r == NULL)
		return bad_answer(e.text);
	rid = json_object_get(r, "id");
	ok = json_object_get(r, "ok");
	if (json_integer_value(json_object_get(r, "v")) != 1)
		rc = bad_answer("unknown protocol version");
	else if (!json_is_null(rid) && (!json_is_integer(rid) || json_integer_value(rid) != id))
		rc = bad_answer("answer to another request");
	else if (!json_is_boolean(ok))
		rc = bad_answer("no \"ok\"");
	else if (!json_is_true(ok))
		rc = node_error(json_object_get(r, "error"));
	else if (json_object_get(r, "result") == NULL)
		rc = bad_answer("no \"result\"");
	else
		*result = json_incref(json_object_get(r, "result"));
	json_decref(r);
	return rc;
}

int
client_call(const char *path, const char *cmd, json_t *args, long timeout_ms, json_t **result)
{
	long deadline = now_ms() + timeout_ms;
	json_int_t id = (json_int_t)getpid();
	json_t *req = json_pack("{s:i, s:I, s:s, s:o}", "v", 1, "id", id, "cmd", cmd, "args",
		args != NULL ? args : json_object());
	char *text = req != NULL ? json_dumps(req, JSON_COMPACT) : NULL;
	char *line = NULL;
	size_t len = 0;
	int fd = -1, rc;

	json_decref(req);
	if (text == NULL) {
		fprintf(stderr, "vhctl: cannot encode the request\n");
		return EXIT_USAGE;
	}
	rc = open_socket(path, deadline, timeout_ms, &fd);
	if (rc == 0) {
		size_t n = strlen(text);

		text[n] = '\n'; /* replaces the NUL; length passed explicitly */
		rc = send_all(fd, text, n + 1, deadline, path, timeout_ms);
	}
	if (rc == 0 || rc == -EPIPE)
		rc = recv_line(fd, deadline, path, timeout_ms, &line, &len);
	if (rc == 0)
		rc = parse_response(line, len, id, result);
	free(line);
	free(text);
	if (fd >= 0)
		close(fd);
	return rc;
}
