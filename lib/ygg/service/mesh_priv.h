/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared by mesh.c (routes, overlay packets), mesh_dht.c and mesh_cmds.c. */
#ifndef VH_MESH_PRIV_H
#define VH_MESH_PRIV_H

#include "vh_host.h"
#include "vh_mesh.h"
#include "vh_overlay.h"
#include "vh_ygg.h"

#define MESH_ID_LEN 32
#define MESH_MAX_ROUTES 1024
#define MESH_MAX_NH 4 /* next hops remembered per destination */
#define MESH_MAX_NEIGH 64
#define MESH_MAX_TRACES 4
#define MESH_MAX_LOOKUPS 16
#define MESH_TRACE_MAX_HOPS 32
#define MESH_PKT_MAX 1500

/* First byte of an overlay control payload. */
enum mesh_ctl {
	MESH_CTL_DHT = 1,          /* addr_len u8, sender's PathAddr, DHT message */
	MESH_CTL_HELLO = 2,        /* neighbour liveness */
	MESH_CTL_HOP_EXCEEDED = 3, /* the expired packet's header and first bytes */
};

/* Counters of the mesh, by name. */
#define MESH_COUNTERS(X)     \
	X(rx)                \
	X(rx_malformed)      \
	X(rx_for_us)         \
	X(forwarded)         \
	X(no_route)          \
	X(hop_exceeded_sent) \
	X(hop_exceeded_rx)   \
	X(echo_answered)     \
	X(echo_replies)      \
	X(hello_tx)          \
	X(hello_rx)          \
	X(dht_tx)            \
	X(dht_rx)            \
	X(dht_tx_failed)     \
	X(routes_learnt)     \
	X(routes_expired)    \
	X(neigh_down)        \
	X(dp_fwd_failed)     \
	X(direct_connects)   \
	X(beacons_tx)        \
	X(beacons_rx)        \
	X(beacons_bad)       \
	X(data_rx)

struct mesh_counters {
	MESH_COUNTERS(VH_NODE_COUNTER_FIELD)
};

/* ping's counters (block "ping") */
#define PING_COUNTERS(X)  \
	X(ping_sent)      \
	X(ping_received)  \
	X(ping_unmatched) \
	X(ping_timeouts)

struct ping_counters {
	PING_COUNTERS(VH_NODE_COUNTER_FIELD)
};

#define MESH_PINGS_MAX 16
#define MESH_DHT_COUNTERS 52
struct ping;

/* One way to a destination: through this neighbour, so many hops. */
struct mesh_nh {
	uint8_t id[MESH_ID_LEN];
	uint8_t metric;
	bool measured; /* from a packet that came this way, not a contact list */
	uint64_t seen_ms;
};

struct mesh_route {
	uint8_t id[MESH_ID_LEN];
	struct mesh_nh nh[MESH_MAX_NH];
	uint8_t n_nh;
	bool used;
	bool in_dp; /* installed in the workers' forwarding table */
};

struct mesh_neigh {
	uint8_t id[MESH_ID_LEN];
	bool used;
	bool alive;
	bool in_dp;
	uint64_t last_rx_ms;
	uint64_t up_ms;
};

struct mesh_trace {
	struct vh_ctl_req *req;
	uint8_t target[MESH_ID_LEN];
	uint32_t ident;
	unsigned int max_hops, hop;
	uint64_t wait_ms, deadline_ms, sent_ns;
	bool reached;
	bool got[MESH_TRACE_MAX_HOPS + 1];
	uint8_t who[MESH_TRACE_MAX_HOPS + 1][MESH_ID_LEN];
	double rtt_ms[MESH_TRACE_MAX_HOPS + 1];
};

struct mesh_lookup {
	struct vh_mesh *m;
	struct vh_ctl_req *req;
	uint8_t target[MESH_ID_LEN];
	bool used;
	/* the node lookup's result, while the record lookup runs */
	bool found;
	unsigned int hops, requests, timeouts, retries;
	uint64_t started_ms;
	struct vh_dht_contact contact;
};

struct vh_mesh {
	struct vh_node *node;
	const struct vh_config *cfg;
	const struct vh_identity *id;
	struct vh_dp *dp;
	struct vh_host *host;
	struct vh_link *link;
	bool on; /* dht.enabled */
	struct ping *pings[MESH_PINGS_MAX];
	uint32_t ping_ident;
	struct ping_counters pcnt;
	uint64_t dht_cnt[MESH_DHT_COUNTERS]; /* the DHT's, copied each tick (block "dht") */
	struct vh_dht *dht;
	char self_addr[VH_DHT_ADDR_MAX + 1];
	struct mesh_route routes[MESH_MAX_ROUTES];
	struct mesh_neigh neigh[MESH_MAX_NEIGH];
	struct mesh_trace *traces[MESH_MAX_TRACES];
	struct mesh_lookup lookups[MESH_MAX_LOOKUPS];
	struct mesh_counters cnt;
	uint64_t hello_ms, dead_ms, ttl_ms, refresh_ms;
	uint64_t next_hello_ms, next_refresh_ms, next_save_ms, next_sync_ms, next_beacon_ms;
	bool dp_dirty;
	/* the neighbour set the workers have (replacing it waits for them) */
	unsigned int dp_nn;
	uint8_t dp_neigh_id[VH_DP_MAX_NEIGH][MESH_ID_LEN];
	uint32_t dp_neigh_idx[VH_DP_MAX_NEIGH];
	bool want_self_lookup;
	bool published;
	uint32_t flow;
	uint32_t trace_ident;
};

/* mesh.c */
bool mesh_is_self(const struct vh_mesh *m, const uint8_t *id);
/* Send an overlay packet from this node. 0 or -ENETUNREACH, -EMSGSIZE. */
int mesh_send(struct vh_mesh *m, const uint8_t *dst, uint8_t type, uint8_t flags, uint8_t hop_limit,
	const uint8_t *pl, size_t plen);
/* Learn that dst is reachable through neighbour nh in metric hops. */
void mesh_route_learn(struct vh_mesh *m, const uint8_t *dst, const uint8_t *nh, unsigned int metric,
	bool measured, uint64_t now);
struct mesh_route *mesh_route_find(struct vh_mesh *m, const uint8_t *id);
struct mesh_neigh *mesh_neigh_find(struct vh_mesh *m, const uint8_t *id);
bool mesh_neigh_alive(struct vh_mesh *m, const uint8_t *id);
/* Best metric of a route over live neighbours; 0 when unusable. */
unsigned int mesh_route_metric(
	struct vh_mesh *m, const struct mesh_route *r, uint8_t (*nh)[32], unsigned int *n_nh);

/* mesh_dht.c */
int mesh_dht_start(struct vh_mesh *m);
void mesh_dht_stop(struct vh_mesh *m);
void mesh_dht_tick(struct vh_mesh *m, uint64_t now);
void mesh_dht_input(struct vh_mesh *m, const uint8_t *src, const uint8_t *from, const uint8_t *p,
	size_t len, unsigned int hops, uint64_t now);
void mesh_dht_neighbour_up(struct vh_mesh *m, const uint8_t *id, uint64_t now);
/* Unix time in ms: the DHT compares record timestamps with it. */
uint64_t mesh_unix_ms(void);
/* Is this /udp/ PathAddr on one of our links (or behind a gateway)? */
bool mesh_reachable(struct vh_mesh *m, const char *addr);
/* Start a link session to the first reachable address: 0 or -errno. */
int mesh_connect_direct(struct vh_mesh *m, const uint8_t *id, const char *const *addrs, size_t k);
/* A node's published addresses (signed record), else its contact address. */
size_t mesh_addresses(struct vh_mesh *m, const struct vh_dht_contact *c,
	char (*out)[VH_DHT_ADDR_MAX + 1], size_t max);

/* mesh_cmds.c */
int mesh_cmds_register(struct vh_mesh *m);
void mesh_cmds_tick(struct vh_mesh *m, uint64_t now);
void mesh_cmds_stop(struct vh_mesh *m);
/* An echo reply or hop-limit report for a traceroute: true if it was one. */
bool mesh_trace_echo(struct vh_mesh *m, const uint8_t *from, const uint8_t *echo_frame_pl,
	uint32_t len, bool exceeded);
void mesh_id_text(const uint8_t *id, char *out, size_t cap);

/* mesh.c: what the service glue (mesh_svc.c) hands in */
void mesh_tick(struct vh_mesh *m, uint64_t now_ms);
void mesh_datagram(struct vh_mesh *m, const uint8_t *from, uint8_t *p, size_t len);
void mesh_opened_input(struct vh_mesh *m, struct rte_mbuf *mb);
void mesh_lan_input(struct vh_mesh *m, const uint8_t *p, size_t len, const uint8_t *dst_ip,
	unsigned int ip_ver);
void mesh_link_event(struct vh_mesh *m, const uint8_t *nodeid, bool up);
/* ping.c */
int ping_register(struct vh_mesh *m);
void ping_echo_reply(struct vh_mesh *m, const uint8_t *payload, uint32_t len);
void ping_tick(struct vh_mesh *m, uint64_t now_ms);
void ping_free_all(struct vh_mesh *m);

#endif /* VH_MESH_PRIV_H */
