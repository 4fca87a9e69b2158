/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/ctl internals shared by its files, and the entry point the fuzz
 * harness and unit tests use to drive the request path without a socket.
 * Not part of the public API.
 */
#ifndef VH_CTL_INTERNAL_H
#define VH_CTL_INTERNAL_H

#include <sys/stat.h>

#include "vh_ctl.h"

#define CTL_NAME_MAX 64
#define CTL_READ_CHUNK 16384
/*
 * Work per connection per vh_ctl_poll() call: lines dispatched and bytes of
 * answers produced, so one busy client cannot hold the control lcore.
 */
#define CTL_LINES_PER_POLL 32
#define CTL_OUT_PER_POLL (64 * 1024)

struct ctl_cmd {
	char name[CTL_NAME_MAX];
	char *help;
	vh_ctl_handler_t fn;
	void *arg;
};

struct conn;

struct vh_ctl_req {
	struct conn *conn; /* NULL once the client or the server is gone */
	struct vh_ctl_req *next;
	json_t *id; /* echoed back; json null when the request had none */
	char cmd[CTL_NAME_MAX];
	char *resp; /* the response line, once answered */
	size_t resp_len;
	bool answered;
};

struct conn {
	struct vh_ctl *ctl;
	int fd; /* -1 for a connection fed in memory (fuzzing) */
	uint32_t events;
	char *in;
	size_t in_len, in_cap;
	/*
	 * in[0..in_scan) holds no newline: a line trickled in small reads is
	 * searched once, not once per read (that was quadratic in its length).
	 */
	size_t in_scan;
	uint64_t scanned; /* bytes searched for a newline, for the linear-time test */
	char *out;
	size_t out_len, out_off, out_cap;
	struct vh_ctl_req *head, *tail;
	unsigned int queued;     /* requests in the queue, answered or not */
	unsigned int unanswered; /* of which not answered yet */
	uint64_t last_ms;
	bool eof;         /* the client shut its side down */
	bool close_after; /* close once the output is written */
	bool dead;        /* close at the next safe point, write nothing more */
	bool check;       /* input or queue changed: look for lines to dispatch */
};

struct vh_ctl {
	struct vh_ctl_conf conf;
	char path[108];
	struct stat file; /* the socket file we created */
	int lfd, epfd, kickfd;
	bool kicked;
	bool in_poll;
	struct conn **conns;
	struct ctl_cmd *cmds;
	unsigned int n_cmds, cap_cmds;
	struct vh_ctl_stats st;
};

/* request.c */
/* Dispatch complete lines until @p max_lines are done or @p max_out bytes were answered. */
void ctl_dispatch_lines(struct conn *c, unsigned int max_lines, size_t max_out);
bool ctl_has_line(struct conn *c);
void ctl_conn_detach_reqs(struct conn *c);
int ctl_register_help(struct vh_ctl *ctl);
void ctl_cmds_free(struct vh_ctl *ctl);

/* server.c */
int ctl_conn_append(struct conn *c, const char *data, size_t len);
void ctl_conn_output_ready(struct conn *c);

/*
 * A connection without a socket, for the fuzz harness: feed it bytes as if
 * received (with @p eof, the client then shut its side), which dispatches
 * every complete line, and take what the server would have written.
 */
struct conn *vh_ctl_mem_conn_open(struct vh_ctl *ctl);
void vh_ctl_mem_conn_feed(struct conn *c, const uint8_t *data, size_t len, bool eof);
/* Output not taken yet; valid until the connection's next write or close. */
const char *vh_ctl_mem_conn_take(struct conn *c, size_t *len);
/* True when the connection would now be closed (over-long line, output cap). */
bool vh_ctl_mem_conn_closed(const struct conn *c);
/* Free it; requests still unanswered stay valid (answers are discarded). */
void vh_ctl_mem_conn_close(struct conn *c);

#endif /* VH_CTL_INTERNAL_H */
