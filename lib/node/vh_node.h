/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control-lcore runtime (docs/architecture.md, "The runtime"): the loop,
 * and four registries the layers fill instead of calling each other:
 *
 *   services   init / start / tick / stop / free, started in order and
 *              stopped in reverse (a failed start unwinds what started);
 *   handlers   by punt kind, by Bifrost frame type, by overlay payload type;
 *   commands   control-socket commands (vh_ctl), each layer its own;
 *   counters   named blocks read by `stats`, /metrics and telemetry alike.
 *
 * A layer may use the layers below it; a lower one learns nothing of an
 * upper one except through these registrations and callbacks.
 */
#ifndef VH_NODE_H
#define VH_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_log.h>
#include <rte_mbuf.h>

#include "vh_config.h"
#include "vh_ctl.h"
#include "vh_dp.h"
#include "vh_identity.h"
#include "vh_net.h"

struct vh_node;

/** Most services one node runs. */
#define VH_NODE_MAX_SERVICES 16
/** Most counter blocks. */
#define VH_NODE_MAX_COUNTER_BLOCKS 32

extern int vh_node_logtype;
#define VH_NODE_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, vh_node_logtype, "valhalla: " fmt "\n", ##__VA_ARGS__)

/**
 * A service: one layer's control-lcore part. Every hook but init may be NULL.
 * ctx is the service's own state, made by init and handed to the others.
 */
struct vh_node_service {
	const char *name;
	/** Allocate the state and register commands, handlers and counters. */
	int (*init)(struct vh_node *n, void **ctx);
	/** Begin work once every service is initialised (connect, announce). */
	int (*start)(void *ctx);
	/** Housekeeping, every 10 ms. */
	void (*tick)(void *ctx, uint64_t now_ms);
	/** Every loop round (budgets that refill per round). */
	void (*round)(void *ctx);
	/** Stop work while the workers still run (close sessions, wipe keys). */
	void (*stop)(void *ctx);
	/** Free the state after the workers stopped (mbufs held, tables). */
	void (*free)(void *ctx);
};

/**
 * Make a node from a checked config and its identity (both copied; the
 * caller wipes its identity copy). Nothing runs until vh_node_start().
 * @return the node, or NULL with rte_errno set.
 */
struct vh_node *vh_node_create(const struct vh_config *cfg, const struct vh_identity *id);

/**
 * Add a service (before vh_node_start); services start in the order added.
 * @return 0, -EINVAL (no name or init), -EEXIST (name taken), -ENOSPC.
 */
int vh_node_service_add(struct vh_node *n, const struct vh_node_service *svc);

/**
 * Start the data plane, the control socket and every service, then the
 * workers. On failure the node stays as far as it got: vh_node_destroy()
 * then stops and frees, in reverse order, every service that was inited.
 * @return 0 or a negative errno.
 */
int vh_node_start(struct vh_node *n);

/** Run the control loop until vh_node_request_stop(). @return 0. */
int vh_node_run(struct vh_node *n);

/**
 * Ask the loop to end. Async-signal-safe. @return true when a stop had
 * already been asked (the caller may then exit at once).
 */
bool vh_node_request_stop(struct vh_node *n);

/**
 * Stop services in reverse order, the workers, then free everything.
 * @param in_use  mbufs still in use when the pool went away (0 = no leak)
 */
void vh_node_destroy(struct vh_node *n, unsigned int *in_use);

/** @return the node's configuration. */
const struct vh_config *vh_node_config(const struct vh_node *n);
/** @return the node's identity (keys included: never print it). */
const struct vh_identity *vh_node_identity(const struct vh_node *n);
/** @return the NodeID in its text form. */
const char *vh_node_id_text(const struct vh_node *n);
/** @return the data plane (NULL before start). */
struct vh_dp *vh_node_dp(const struct vh_node *n);
/** @return the control-socket server (NULL before start). */
struct vh_ctl *vh_node_ctl(const struct vh_node *n);
/** @return milliseconds since the node started. */
uint64_t vh_node_uptime_ms(const struct vh_node *n);
/** @return monotonic milliseconds. */
uint64_t vh_node_now_ms(void);
/** @return monotonic nanoseconds (the clock vh_node_set_clock() set, if any). */
uint64_t vh_node_now_ns(void);

/**
 * Tests: read time from now_ns(ctx) instead of CLOCK_MONOTONIC, so timers
 * and expiry are tested without sleeping; NULL restores the real clock.
 * Process-wide (every node in the process reads it); the loop's own pacing
 * (housekeeping timer, idle back-off) stays on the TSC.
 */
void vh_node_set_clock(uint64_t (*now_ns)(void *ctx), void *ctx);

/**
 * One round of the loop without waiting: the graph walk (single-lcore
 * mode), every service's round, punted packets to their handlers.
 * @return packets received and punted (0: nothing happened).
 */
unsigned int vh_node_poll(struct vh_node *n);

/**
 * One housekeeping pass, as the loop runs it every 10 ms: every started
 * service's tick at vh_node_now_ms(), then the control socket.
 */
void vh_node_tick(struct vh_node *n);

/** @return the state of an initialised service by name, or NULL. */
void *vh_node_service(const struct vh_node *n, const char *name);

/* ---- handlers ---- */

/** What the workers punted, as the runtime hands it out. */
enum vh_node_punt {
	/** Every punted packet that is not an opened one, seen first; not consumed. */
	VH_NODE_PUNT_SEEN,
	/** A host-stack packet (ARP, ND, ICMP, other UDP): the handler owns the mbuf. */
	VH_NODE_PUNT_HOST,
	/** A packet the workers opened (vh_dp_meta()->opened): the handler owns it. */
	VH_NODE_PUNT_OPENED,
	VH_NODE_PUNT_MAX
};

/** A punt handler. For HOST and OPENED it consumes m; for SEEN it must not. */
typedef void (*vh_node_punt_fn)(void *ctx, struct rte_mbuf *m);

/** Where a Bifrost frame came from. */
struct vh_node_frame {
	uint8_t type;
	uint8_t *payload;
	uint32_t len;
	/** Outer packet (addresses, ports, source MAC); NULL inside a session. */
	const struct vh_net_pkt *pkt;
	/** The port it arrived on (config index). */
	unsigned int port;
	/** The link peer's NodeID when it came inside a session, else NULL. */
	const uint8_t *peer;
};

/** A frame handler; the payload lives only for the call. */
typedef void (*vh_node_frame_fn)(void *ctx, const struct vh_node_frame *f);

/** An overlay payload for this node: the sender's NodeID and the payload. */
typedef void (*vh_node_overlay_fn)(void *ctx, const uint8_t *src, uint8_t *p, size_t len);

/** Sends an overlay packet of a payload type to a NodeID: 0 or -errno. */
typedef int (*vh_node_overlay_send_fn)(
	void *ctx, const uint8_t *dst, uint8_t type, const uint8_t *p, size_t len);

/** Handle one punt kind. @return 0, -EINVAL, -EEXIST (kind taken; SEEN allows one too). */
int vh_node_on_punt(struct vh_node *n, enum vh_node_punt kind, vh_node_punt_fn fn, void *ctx);

/** Handle one Bifrost frame type. @return 0, -EINVAL, -EEXIST. */
int vh_node_on_frame(struct vh_node *n, uint8_t type, vh_node_frame_fn fn, void *ctx);

/** Handle one overlay payload type. @return 0, -EINVAL, -EEXIST. */
int vh_node_on_overlay(struct vh_node *n, uint8_t type, vh_node_overlay_fn fn, void *ctx);

/** The service that carries overlay packets (the mesh) offers its sender. */
int vh_node_set_overlay_sender(struct vh_node *n, vh_node_overlay_send_fn fn, void *ctx);

/**
 * Hand one frame to its type's handler (counted by type in block "bifrost").
 * @return 0, or -ENOENT when no handler takes that type.
 */
int vh_node_frame_input(struct vh_node *n, const struct vh_node_frame *f);

/**
 * Hand every frame of a Bifrost datagram to its handler, each with pkt,
 * port and peer as given. @return the number of frames.
 */
unsigned int vh_node_datagram_input(struct vh_node *n, uint8_t *dgram, size_t len,
	const struct vh_net_pkt *pkt, unsigned int port, const uint8_t *peer);

/** An overlay payload for us to its type's handler. @return 0 or -ENOENT. */
int vh_node_overlay_input(
	struct vh_node *n, uint8_t type, const uint8_t *src, uint8_t *p, size_t len);

/**
 * Send an overlay payload to a NodeID through the registered sender.
 * @return what the sender returned, or -ENETUNREACH when there is none.
 */
int vh_node_overlay_send(
	struct vh_node *n, const uint8_t *dst, uint8_t type, const uint8_t *p, size_t len);

/* ---- commands ---- */

/**
 * Register a control command (name rules and `help` as vh_ctl_register).
 * @return 0, -EINVAL, -EEXIST, -ENOMEM, -ENOTCONN (no control socket yet).
 */
int vh_node_command_add(
	struct vh_node *n, const char *name, const char *help, vh_ctl_handler_t fn, void *arg);

/**
 * An optional integer argument of a request: def when absent.
 * @return 0, or -EINVAL when present and not an integer in lo..hi.
 */
int vh_node_int_arg(const json_t *args, const char *key, int def, int lo, int hi, int *out);

/* ---- counters ---- */

/**
 * Register a block of counters once: names[i] counts vals[i]. The values
 * stay the caller's (single writer, the control lcore; readers on other
 * threads read them whole). Names are unique across blocks: they are the
 * keys of `stats` "control", of the Prometheus event label and telemetry.
 * @return 0, -EINVAL, -EEXIST (a block or a name taken), -ENOSPC.
 */
int vh_node_counters_add(struct vh_node *n, const char *block, const char *const *names,
	const uint64_t *vals, unsigned int count);

/** Called once per counter by vh_node_counters_walk(). */
typedef void (*vh_node_counter_fn)(void *arg, const char *block, const char *name, uint64_t value);

/** Every registered counter, block by block, in registration order. */
void vh_node_counters_walk(const struct vh_node *n, vh_node_counter_fn fn, void *arg);

/** @return the value of a counter by name, or 0 when there is none. */
uint64_t vh_node_counter(const struct vh_node *n, const char *name);

/*
 * A service's counter block from one X-macro list: VH_NODE_COUNTER_NAMES
 * makes the names array, the struct holds one uint64_t per name.
 */
#define VH_NODE_COUNTER_FIELD(c) uint64_t c;
#define VH_NODE_COUNTER_NAME(c) #c,

#endif /* VH_NODE_H */
