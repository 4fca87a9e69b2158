/* SPDX-License-Identifier: BSD-3-Clause */
/* Test helpers: real client sockets driven against a vh_ctl in the same process. */
#ifndef CTL_TEST_CLIENT_H
#define CTL_TEST_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "vh_ctl.h"

struct cli {
	int fd;
	char buf[1 << 16];
	size_t len;
};

/* Connect to @p path (non-blocking afterwards); NULL on failure. */
struct cli *cli_open(const char *path);
void cli_close(struct cli *c);
/* Write all of @p s (blocking briefly if the socket is full). */
void cli_send(struct cli *c, const char *s);
void cli_sendn(struct cli *c, const char *s, size_t n);
/*
 * Poll the server and read until a full line arrives (at most ~2 s of
 * rounds). Returns the line as JSON (caller decrefs) or NULL on EOF/timeout.
 */
json_t *cli_recv(struct vh_ctl *ctl, struct cli *c, uint64_t now);
/* Without polling the server: take one complete line if there is one. */
bool cli_take_line(struct cli *c, json_t **out);
/* Poll the server a few rounds and say whether a complete line is waiting. */
bool cli_has_line(struct vh_ctl *ctl, struct cli *c, uint64_t now);
/* Poll @p ctl (if not NULL) until the connection reaches EOF; true if it did. */
bool cli_wait_eof(struct vh_ctl *ctl, struct cli *c, uint64_t now);
/* Run @p rounds server polls. */
void pump(struct vh_ctl *ctl, uint64_t now, int rounds);
/* A unique socket path in a fresh temp directory (static buffer). */
const char *tmp_sock_path(const char *name);
/* Build a request line {"v":1,"id":ID,"cmd":CMD[, "args":ARGS]}\n. */
const char *req_line(int id, const char *cmd, const char *args_json);

#endif
