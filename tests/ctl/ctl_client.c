/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ctl_client.h"

#define ROUNDS 2000

static void
nap(void)
{
	struct timespec ts = {0, 1000000};

	nanosleep(&ts, NULL);
}

struct cli *
cli_open(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct cli *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	c->fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		if (c->fd >= 0)
			close(c->fd);
		free(c);
		return NULL;
	}
	fcntl(c->fd, F_SETFL, O_NONBLOCK);
	return c;
}

void
cli_close(struct cli *c)
{
	if (c == NULL)
		return;
	close(c->fd);
	free(c);
}

void
cli_sendn(struct cli *c, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t k = send(c->fd, s, n, MSG_NOSIGNAL);

		if (k < 0 && errno == EAGAIN) {
			struct pollfd p = {.fd = c->fd, .events = POLLOUT};

			poll(&p, 1, 10);
			continue;
		}
		if (k <= 0)
			return;
		s += k;
		n -= (size_t)k;
	}
}

void
cli_send(struct cli *c, const char *s)
{
	cli_sendn(c, s, strlen(s));
}

void
pump(struct vh_ctl *ctl, uint64_t now, int rounds)
{
	for (int i = 0; i < rounds; i++)
		vh_ctl_poll(ctl, now);
}

/* 1: line ready, 0: not yet, -1: EOF or error. */
static int
try_read(struct cli *c)
{
	ssize_t k;

	if (memchr(c->buf, '\n', c->len) != NULL)
		return 1;
	k = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
	if (k == 0 || (k < 0 && errno != EAGAIN))
		return -1;
	if (k > 0)
		c->len += (size_t)k;
	return memchr(c->buf, '\n', c->len) != NULL;
}

bool
cli_take_line(struct cli *c, json_t **out)
{
	char *nl;
	size_t n;

	if (try_read(c) != 1)
		return false;
	nl = memchr(c->buf, '\n', c->len);
	n = (size_t)(nl - c->buf);
	*out = json_loadb(c->buf, n, 0, NULL);
	memmove(c->buf, nl + 1, c->len - n - 1);
	c->len -= n + 1;
	return true;
}

bool
cli_has_line(struct vh_ctl *ctl, struct cli *c, uint64_t now)
{
	pump(ctl, now, 5);
	return try_read(c) == 1;
}

json_t *
cli_recv(struct vh_ctl *ctl, struct cli *c, uint64_t now)
{
	for (int i = 0; i < ROUNDS; i++) {
		int r;

		vh_ctl_poll(ctl, now);
		r = try_read(c);
		if (r < 0)
			return NULL;
		if (r == 1) {
			json_t *j = NULL;

			cli_take_line(c, &j);
			return j;
		}
		nap();
	}
	return NULL;
}

bool
cli_wait_eof(struct vh_ctl *ctl, struct cli *c, uint64_t now)
{
	for (int i = 0; i < ROUNDS; i++) {
		char b[4096];
		ssize_t k;

		if (ctl != NULL)
			vh_ctl_poll(ctl, now);
		k = recv(c->fd, b, sizeof(b), 0);
		if (k == 0 || (k < 0 && errno != EAGAIN))
			return true;
		if (k < 0)
			nap();
	}
	return false;
}

const char *
tmp_sock_path(const char *name)
{
	static char path[108];
	char tmpl[] = "/tmp/vh-ctl-test-XXXXXX";

	if (mkdtemp(tmpl) == NULL)
		return NULL;
	snprintf(path, sizeof(path), "%s/%s", tmpl, name);
	return path;
}

const char *
req_line(int id, const char *cmd, const char *args_json)
{
	static char line[4096];

	if (args_json != NULL)
		snprintf(line, sizeof(line), "{\"v\":1,\"id\":%d,\"cmd\":\"%s\",\"args\":%s}\n", id,
			cmd, args_json);
	else
		snprintf(line, sizeof(line), "{\"v\":1,\"id\":%d,\"cmd\":\"%s\"}\n", id, cmd);
	return line;
}
