/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Server side of the control socket: one internal epoll set (listening
 * socket, an eventfd used as a self-wakeup, every connection) polled with a
 * zero timeout, so the control lcore never waits here. Connections are
 * closed only at safe points inside vh_ctl_poll(); everything else (a
 * handler answering, an output cap hit) just marks them.
 *
 * A full table never locks a newcomer out: the connection with no request
 * in flight that has been idle the longest makes room for it (idle clients
 * such as a forgotten socat cannot hold the socket shut); only when every
 * connection waits for an answer is the newcomer refused, "busy".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ctl_internal.h"
#include "ctl_sock.h"

#define EVENTS_PER_POLL 32
#define ACCEPTS_PER_POLL 16

static void
conf_defaults(struct vh_ctl_conf *c, const struct vh_ctl_conf *in)
{
	if (in != NULL)
		*c = *in;
	if (c->max_connections == 0)
		c->max_connections = 16;
	if (c->max_request_bytes == 0)
		c->max_request_bytes = 65536;
	if (c->max_output_bytes == 0)
		c->max_output_bytes = 1 << 20;
	if (c->max_pipeline == 0)
		c->max_pipeline = 64;
	if (c->idle_timeout_ms == 0)
		c->idle_timeout_ms = 60000;
}

/* Wake the owner's epoll: there is work vh_ctl_poll() must do. */
static void
kick(struct vh_ctl *ctl)
{
	uint64_t one = 1;

	if (ctl->kicked)
		return;
	if (write(ctl->kickfd, &one, sizeof(one)) == (ssize_t)sizeof(one))
		ctl->kicked = true;
}

static void
unkick(struct vh_ctl *ctl)
{
	uint64_t v;

	if (read(ctl->kickfd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return;
	ctl->kicked = false;
}

int
ctl_conn_append(struct conn *c, const char *data, size_t len)
{
	size_t pending = c->out_len - c->out_off;
	size_t need;

	if (len > c->ctl->conf.max_output_bytes - pending || len > c->ctl->conf.max_output_bytes) {
		c->dead = true;
		c->ctl->st.dropped++;
		return -ENOBUFS;
	}
	if (c->out_off > 0) {
		memmove(c->out, c->out + c->out_off, pending);
		c->out_len = pending;
		c->out_off = 0;
	}
	need = c->out_len + len + 1; /* +1: mem conns hand out a C string */
	if (need > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : 4096;
		char *n;

		while (cap < need)
			cap *= 2;
		n = realloc(c->out, cap);
		if (n == NULL) {
			c->dead = true;
			c->ctl->st.dropped++;
			return -ENOMEM;
		}
		c->out = n;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, data, len);
	c->out_len += len;
	c->out[c->out_len] = '\0';
	return 0;
}

void
ctl_conn_output_ready(struct conn *c)
{
	c->check = true;
	if (c->fd >= 0 && !c->ctl->in_poll)
		kick(c->ctl);
}

static size_t
in_max(const struct conn *c)
{
	return c->ctl->conf.max_request_bytes + 1;
}

static void
conn_arm(struct conn *c)
{
	uint32_t want = 0;
	struct epoll_event ev;

	if (c->dead)
		return;
	if (!c->eof && !c->close_after && c->in_len < in_max(c) &&
		c->queued < c->ctl->conf.max_pipeline)
		want |= EPOLLIN;
	if (c->out_len > c->out_off)
		want |= EPOLLOUT;
	if (want == c->events)
		return;
	ev.events = want;
	ev.data.ptr = c;
	if (epoll_ctl(c->ctl->epfd, EPOLL_CTL_MOD, c->fd, &ev) != 0)
		c->dead = true;
	else
		c->events = want;
}

static void
conn_free(struct conn *c)
{
	ctl_conn_detach_reqs(c);
	free(c->in);
	free(c->out);
	free(c);
}

static void
conn_close(struct vh_ctl *ctl, unsigned int slot)
{
	struct conn *c = ctl->conns[slot];

	epoll_ctl(ctl->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	conn_free(c);
	ctl->conns[slot] = NULL;
	ctl->st.connections_open--;
}

/* Grow the input buffer so @p want more bytes fit; returns how many do. */
static size_t
in_room(struct conn *c, size_t want)
{
	size_t room = in_max(c) - c->in_len;

	if (want > room)
		want = room;
	if (c->in_len + want > c->in_cap) {
		size_t cap = c->in_cap ? c->in_cap : 4096;
		char *n;

		while (cap < c->in_len + want)
			cap *= 2;
		if (cap > in_max(c))
			cap = in_max(c);
		n = realloc(c->in, cap);
		if (n == NULL)
			return 0;
		c->in = n;
		c->in_cap = cap;
	}
	return want;
}

static void
conn_read(struct conn *c, uint64_t now)
{
	size_t want = in_room(c, CTL_READ_CHUNK);
	ssize_t n;

	if (want == 0 || c->eof || c->close_after)
		return;
	n = recv(c->fd, c->in + c->in_len, want, MSG_DONTWAIT);
	if (n > 0) {
		c->in_len += (size_t)n;
		c->last_ms = now;
	} else if (n == 0) {
		c->eof = true;
	} else if (errno != EAGAIN && errno != EINTR) {
		c->dead = true;
		c->ctl->st.dropped++;
	}
	c->check = true;
}

static void
conn_flush(struct conn *c, uint64_t now)
{
	while (!c->dead && c->out_len > c->out_off) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
			MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n > 0) {
			c->out_off += (size_t)n;
			c->last_ms = now;
			c->check = true; /* dispatch may have paused for this */
		} else if (n < 0 && errno == EINTR) {
			continue;
		} else if (n < 0 && errno == EAGAIN) {
			return;
		} else {
			c->dead = true; /* EPIPE and friends: the client is gone */
		}
	}
	c->out_len = c->out_off = 0;
}

/* One error line for a client we are about to close; never blocks. */
static void
goodbye(struct vh_ctl *ctl, int fd, const char *code, const char *what)
{
	char line[256];
	int n = snprintf(line, sizeof(line),
		"{\"v\":1,\"id\":null,\"ok\":false,\"error\":{\"layer\":\"ctl\",\"code\":\"%s\","
		"\"message\":\"%s (%u control connections)\",\"retry\":true}}\n",
		code, what, ctl->conf.max_connections);

	if (n < 0 || (size_t)n >= sizeof(line))
		return; /* never send a cut line (our texts are far shorter) */
	/* Short, and the callers' socket buffers are empty: no blocking, no short
	 * write. Best effort: the connection is closed either way. */
	(void)send(fd, line, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL);
}

static void
refuse(struct vh_ctl *ctl, int fd)
{
	goodbye(ctl, fd, "busy", "every connection is waiting for an answer");
	close(fd);
	ctl->st.refused++;
}

/* The slot of the connection a newcomer may take: no request in flight, idle the longest. */
static int
evictable(const struct vh_ctl *ctl)
{
	int best = -1;

	for (unsigned int s = 0; s < ctl->conf.max_connections; s++) {
		const struct conn *c = ctl->conns[s];

		if (c != NULL && c->unanswered == 0 &&
			(best < 0 || c->last_ms < ctl->conns[best]->last_ms))
			best = (int)s;
	}
	return best;
}

static void
evict(struct vh_ctl *ctl, unsigned int slot)
{
	struct conn *c = ctl->conns[slot];

	/* a client that reads can tell why; one with output pending gets none mid-line */
	if (c->out_len == c->out_off && !c->dead)
		goodbye(ctl, c->fd, "evicted", "idle connection closed for a new client");
	conn_close(ctl, slot);
	ctl->st.evicted++;
}

static int
conn_add(struct vh_ctl *ctl, unsigned int slot, int fd, uint64_t now)
{
	struct conn *c = calloc(1, sizeof(*c));
	struct epoll_event ev = {.events = EPOLLIN};

	if (c == NULL)
		return -ENOMEM;
	c->ctl = ctl;
	c->fd = fd;
	c->events = EPOLLIN;
	c->last_ms = now;
	ev.data.ptr = c;
	if (epoll_ctl(ctl->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
		free(c);
		return -errno;
	}
	ctl->conns[slot] = c;
	ctl->st.connections++;
	ctl->st.connections_open++;
	return 0;
}

/* Call only where no epoll event may still point at a connection: it may close one. */
static void
accept_some(struct vh_ctl *ctl, uint64_t now)
{
	for (int i = 0; i < ACCEPTS_PER_POLL; i++) {
		int fd = accept4(ctl->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		int slot;

		if (fd < 0)
			return;
		for (slot = 0; slot < (int)ctl->conf.max_connections; slot++)
			if (ctl->conns[slot] == NULL)
				break;
		if (slot == (int)ctl->conf.max_connections) {
			slot = evictable(ctl);
			if (slot < 0) {
				refuse(ctl, fd);
				continue;
			}
			evict(ctl, (unsigned int)slot);
		}
		if (conn_add(ctl, (unsigned int)slot, fd, now) != 0)
			close(fd);
	}
}

static bool
conn_done(const struct conn *c)
{
	bool drained = c->out_len == c->out_off;

	if (c->dead)
		return true;
	if (c->close_after && drained)
		return true;
	return c->eof && drained && c->queued == 0 && c->in_len == 0;
}

/* Dispatch, write, time out; close it if it is finished. Returns true if work is left. */
static bool
conn_service(struct vh_ctl *ctl, unsigned int slot, uint64_t now)
{
	struct conn *c = ctl->conns[slot];
	bool more = false;

	conn_flush(c, now); /* room first: dispatch pauses while output is backed up */
	if (c->check && !c->dead) {
		c->check = false;
		if (ctl_has_line(c))
			ctl_dispatch_lines(c, CTL_LINES_PER_POLL, CTL_OUT_PER_POLL);
		conn_flush(c, now);
		more = ctl_has_line(c);
		c->check = more;
	}
	if (!c->dead && c->unanswered == 0 && now >= c->last_ms &&
		now - c->last_ms >= ctl->conf.idle_timeout_ms) {
		c->dead = true;
		ctl->st.timeouts++;
	}
	if (conn_done(c)) {
		conn_close(ctl, slot);
		return false;
	}
	conn_arm(c);
	return more;
}

static void
conn_event(struct conn *c, uint32_t events, uint64_t now)
{
	if (events & (EPOLLHUP | EPOLLERR)) {
		/* Peer closed both ways: nothing we write can arrive. */
		c->dead = true;
		return;
	}
	if (events & EPOLLIN)
		conn_read(c, now);
}

int
vh_ctl_poll(struct vh_ctl *ctl, uint64_t now_ms)
{
	struct epoll_event ev[EVENTS_PER_POLL];
	bool more = false, listen_ready = false;
	int n;

	ctl->in_poll = true;
	n = epoll_wait(ctl->epfd, ev, EVENTS_PER_POLL, 0);
	if (n < 0) {
		n = errno == EINTR ? 0 : -errno;
		ctl->in_poll = false;
		return n;
	}
	for (int i = 0; i < n; i++) {
		if (ev[i].data.ptr == &ctl->lfd)
			listen_ready = true;
		else if (ev[i].data.ptr == &ctl->kickfd)
			unkick(ctl);
		else
			conn_event(ev[i].data.ptr, ev[i].events, now_ms);
	}
	for (unsigned int s = 0; s < ctl->conf.max_connections; s++)
		if (ctl->conns[s] != NULL)
			more |= conn_service(ctl, s, now_ms);
	/* after the events (an eviction frees a connection they may name) and the closes */
	if (listen_ready)
		accept_some(ctl, now_ms);
	ctl->in_poll = false;
	if (more)
		kick(ctl);
	return n;
}

int
vh_ctl_fd(const struct vh_ctl *ctl)
{
	return ctl->epfd;
}

void
vh_ctl_stats_get(const struct vh_ctl *ctl, struct vh_ctl_stats *stats)
{
	*stats = ctl->st;
}

static int
watch(struct vh_ctl *ctl, int fd, void *tag)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = tag};

	return epoll_ctl(ctl->epfd, EPOLL_CTL_ADD, fd, &ev) == 0 ? 0 : -errno;
}

static int
setup(struct vh_ctl *ctl, const char *path)
{
	int rc;

	ctl->conns = calloc(ctl->conf.max_connections, sizeof(*ctl->conns));
	if (ctl->conns == NULL)
		return -ENOMEM;
	ctl->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (ctl->epfd < 0)
		return -errno;
	ctl->kickfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (ctl->kickfd < 0)
		return -errno;
	rc = ctl_register_help(ctl);
	if (rc != 0)
		return rc;
	rc = ctl_sock_listen(path, 16, &ctl->file);
	if (rc < 0)
		return rc;
	ctl->lfd = rc;
	rc = watch(ctl, ctl->lfd, &ctl->lfd);
	return rc != 0 ? rc : watch(ctl, ctl->kickfd, &ctl->kickfd);
}

struct vh_ctl *
vh_ctl_create(const char *path, const struct vh_ctl_conf *conf)
{
	struct vh_ctl *ctl;
	int rc;

	if (path == NULL || path[0] == '\0') {
		errno = EINVAL;
		return NULL;
	}
	if (strlen(path) >= sizeof(ctl->path)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	ctl = calloc(1, sizeof(*ctl));
	if (ctl == NULL)
		return NULL;
	ctl->lfd = ctl->epfd = ctl->kickfd = -1;
	conf_defaults(&ctl->conf, conf);
	snprintf(ctl->path, sizeof(ctl->path), "%s", path);
	rc = setup(ctl, path);
	if (rc != 0) {
		vh_ctl_destroy(ctl);
		errno = -rc;
		return NULL;
	}
	return ctl;
}

void
vh_ctl_destroy(struct vh_ctl *ctl)
{
	if (ctl == NULL)
		return;
	for (unsigned int s = 0; ctl->conns != NULL && s < ctl->conf.max_connections; s++)
		if (ctl->conns[s] != NULL)
			conn_close(ctl, s);
	if (ctl->lfd >= 0) {
		close(ctl->lfd);
		ctl_sock_unlink(ctl->path, &ctl->file);
	}
	if (ctl->epfd >= 0)
		close(ctl->epfd);
	if (ctl->kickfd >= 0)
		close(ctl->kickfd);
	ctl_cmds_free(ctl);
	free(ctl->conns);
	free(ctl);
}

struct conn *
vh_ctl_mem_conn_open(struct vh_ctl *ctl)
{
	struct conn *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->ctl = ctl;
	c->fd = -1;
	return c;
}

void
vh_ctl_mem_conn_feed(struct conn *c, const uint8_t *data, size_t len, bool eof)
{
	while (!c->dead && !c->close_after && (len > 0 || (eof && !c->eof))) {
		size_t n = in_room(c, len);

		if (n > 0) {
			memcpy(c->in + c->in_len, data, n);
			c->in_len += n;
			data += n; /* never on NULL: an empty input has n == 0 */
			len -= n;
		}
		if (len == 0 && eof)
			c->eof = true;
		ctl_dispatch_lines(c, UINT32_MAX, SIZE_MAX);
		if (n == 0 && !ctl_has_line(c) && !c->eof)
			break; /* paused (pipeline or output full): the rest is not read */
	}
}

const char *
vh_ctl_mem_conn_take(struct conn *c, size_t *len)
{
	const char *p = c->out != NULL ? c->out + c->out_off : "";

	*len = c->out_len - c->out_off;
	c->out_off = c->out_len; /* consumed; the bytes stay until the next append */
	return p;
}

bool
vh_ctl_mem_conn_closed(const struct conn *c)
{
	return c->dead || c->close_after;
}

void
vh_ctl_mem_conn_close(struct conn *c)
{
	if (c != NULL)
		conn_free(c);
}
