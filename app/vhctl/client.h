/* SPDX-License-Identifier: BSD-3-Clause */
/* vhctl: finding the node's socket and one request/response exchange. */
#ifndef VHCTL_CLIENT_H
#define VHCTL_CLIENT_H

#include <stddef.h>

#include <jansson.h>

/* Exit codes (docs/vhctl.md). */
enum {
	EXIT_NODE_ERROR = 1,  /* the node answered with an error */
	EXIT_USAGE = 2,       /* bad command line */
	EXIT_NOT_RUNNING = 3, /* no socket file, or a stale one */
	EXIT_TIMEOUT = 4,     /* no answer in time */
	EXIT_COMM = 5,        /* permission denied, bad answer, connection lost */
};

#define VHCTL_RUN_DIR "/run/valhalla"

/*
 * Pick the socket: @p opt (-s), else $VALHALLA_SOCKET, else the only *.sock
 * in $VALHALLA_RUN_DIR (default /run/valhalla). Writes it to @p out.
 * @return 0, or an exit code after printing why to stderr
 */
int client_socket_path(const char *opt, char *out, size_t size);

/*
 * Send {"v":1,"id":..,"cmd":cmd,"args":args} and wait up to @p timeout_ms
 * for the answer. @p args is stolen (NULL: none).
 * @return 0 with *result set (caller decrefs), or an exit code after
 *         printing the reason (a node error as "error: MSG [layer/code]")
 */
int client_call(const char *path, const char *cmd, json_t *args, long timeout_ms, json_t **result);

#endif /* VHCTL_CLIENT_H */
