/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Control socket server: the node's end of docs/control-protocol.md.
 *
 * One non-blocking Unix stream socket carrying newline-framed JSON requests.
 * Everything runs on the caller's thread (the control lcore) from
 * vh_ctl_poll(), which never blocks: the node adds vh_ctl_fd() to its own
 * epoll set and calls vh_ctl_poll() whenever that fd is readable.
 *
 * Handlers answer a request exactly once with vh_ctl_reply() or
 * vh_ctl_error(), either before returning or later (asynchronous commands).
 * A request handle stays valid until it is answered, even when its client
 * has gone or the server was destroyed: the answer is then discarded. A
 * request that is never answered leaks its handle.
 */
#ifndef VH_CTL_H
#define VH_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Server handle (opaque). */
struct vh_ctl;
/** One request waiting for its answer (opaque). */
struct vh_ctl_req;

/** Server limits; a zero field takes its default. */
struct vh_ctl_conf {
	/**
	 * Simultaneous client connections (default 16). When all are taken, a
	 * new client takes the place of the connection idle the longest among
	 * those with no request in flight (which gets an "evicted" error line
	 * if it has no output pending, and is closed); when every connection
	 * waits for an answer, the new client is refused with "busy".
	 */
	unsigned int max_connections;
	/** Longest request line in bytes, newline excluded (default 65536). */
	size_t max_request_bytes;
	/**
	 * Output a client has not read yet (default 1 MiB). Past half of it the
	 * client's further requests wait (and, once its input buffer is full,
	 * are not read); past all of it (asynchronous answers piling up) the
	 * client is dropped.
	 */
	size_t max_output_bytes;
	/** Requests in flight on one connection before reading pauses (default 64). */
	unsigned int max_pipeline;
	/**
	 * A connection with no request in flight and no I/O progress for this
	 * long is closed (default 60000 ms; also drops clients that stop reading).
	 */
	uint64_t idle_timeout_ms;
};

/** Counters since creation. */
struct vh_ctl_stats {
	uint64_t requests;         /**< request lines received */
	uint64_t errors;           /**< error responses (protocol and handler errors) */
	uint64_t connections;      /**< connections accepted */
	uint64_t connections_open; /**< connections open now */
	uint64_t refused;          /**< connections refused: all open ones had requests in flight */
	uint64_t evicted;          /**< idle connections closed to make room for a new client */
	uint64_t dropped;          /**< clients dropped: output cap, over-long line, I/O error */
	uint64_t timeouts;         /**< clients closed by the idle timeout */
};

/**
 * A command handler.
 *
 * @param arg   the pointer given to vh_ctl_register()
 * @param args  the request's "args" object (an empty object when absent);
 *              valid only during the call, copy what is needed later
 * @param req   answer it with vh_ctl_reply() or vh_ctl_error(), now or later
 */
typedef void (*vh_ctl_handler_t)(void *arg, const json_t *args, struct vh_ctl_req *req);

/**
 * Create the server and listen on a Unix socket.
 *
 * Creates missing parent directories (mode 0700), refuses a path on which a
 * live process answers, replaces a stale socket file, and leaves the socket
 * file with mode 0600.
 *
 * @param path  socket path (shorter than sizeof(sun_path))
 * @param conf  limits, or NULL for the defaults
 * @return the server, or NULL with errno: EADDRINUSE (a live server answers),
 *         EEXIST (path is not a socket), ENAMETOOLONG, EINVAL, or a system error
 */
struct vh_ctl *vh_ctl_create(const char *path, const struct vh_ctl_conf *conf);

/**
 * Close every connection, stop listening and unlink the socket file.
 *
 * Requests still unanswered stay valid; answering them later discards the
 * answer and frees the handle. NULL is a no-op.
 */
void vh_ctl_destroy(struct vh_ctl *ctl);

/**
 * The one file descriptor to watch: readable whenever vh_ctl_poll() has work.
 *
 * @return an epoll file descriptor owned by the server
 */
int vh_ctl_fd(const struct vh_ctl *ctl);

/**
 * Do all ready work without blocking: accept, read, dispatch complete
 * requests, write responses, close idle or dead connections.
 *
 * Work per call is bounded; when some is left, vh_ctl_fd() stays readable.
 *
 * @param now_ms  monotonic time in milliseconds (for the idle timeout)
 * @return number of events handled (0 when there was nothing to do), or a
 *         negative errno when the epoll set itself failed
 */
int vh_ctl_poll(struct vh_ctl *ctl, uint64_t now_ms);

/**
 * Register a command.
 *
 * @param cmd   name: 1..63 characters from [a-z0-9._-]
 * @param help  one line for the built-in `help` command (may be NULL)
 * @param fn    handler
 * @param arg   passed to fn
 * @return 0, -EINVAL (bad name or NULL fn), -EEXIST (already registered,
 *         `help` included), -ENOMEM
 */
int vh_ctl_register(
	struct vh_ctl *ctl, const char *cmd, const char *help, vh_ctl_handler_t fn, void *arg);

/**
 * Answer a request with success. Consumes the request handle.
 *
 * @param req     the request; invalid after the call
 * @param result  the "result" value; the reference is stolen. NULL (e.g. a
 *                failed json_pack()) answers with error ctl/internal.
 */
void vh_ctl_reply(struct vh_ctl_req *req, json_t *result);

/**
 * Answer a request with an error. Consumes the request handle.
 *
 * @param req    the request; invalid after the call
 * @param layer  library that refused ("ctl", "dp", "net", "bifrost", ...)
 * @param code   stable kebab-case code ("bad-request", "busy", ...)
 * @param retry  true when the same request may succeed later
 * @param fmt    printf-style human message
 */
void vh_ctl_error(struct vh_ctl_req *req, const char *layer, const char *code, bool retry,
	const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/**
 * The command name of a request (valid until it is answered).
 */
const char *vh_ctl_req_cmd(const struct vh_ctl_req *req);

/**
 * Read the server's counters.
 */
void vh_ctl_stats_get(const struct vh_ctl *ctl, struct vh_ctl_stats *stats);

#ifdef __cplusplus
}
#endif

#endif /* VH_CTL_H */
