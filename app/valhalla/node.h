/* SPDX-License-Identifier: BSD-3-Clause */
/* The valhalla program's own state, shared by its files. */
#ifndef VALHALLA_NODE_H
#define VALHALLA_NODE_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_timer.h>

#include "vh_config.h"
#include "vh_ctl.h"
#include "vh_dp.h"
#include "vh_identity.h"
#include "vh_net.h"

#include "link.h"

/* Counters of the control lcore, by name; one list feeds struct and output. */
#define NODE_COUNTERS(X)           \
	X(punt_rx)                 \
	X(arp_replies)             \
	X(arp_requests_sent)       \
	X(nd_replies)              \
	X(nd_solicits_sent)        \
	X(icmp_echo_replies)       \
	X(neigh_learned)           \
	X(neigh_failed)            \
	X(pending_queued)          \
	X(pending_sent)            \
	X(pending_dropped)         \
	X(bifrost_data_rx)         \
	X(bifrost_control_rx)      \
	X(bifrost_keepalive_rx)    \
	X(bifrost_close_rx)        \
	X(bifrost_echo_request_rx) \
	X(bifrost_echo_reply_rx)   \
	X(bifrost_other_rx)        \
	X(ping_sent)               \
	X(ping_received)           \
	X(ping_unmatched)          \
	X(ping_timeouts)           \
	X(inject_failed)           \
	X(replies_to_src_mac)      \
	X(link_hs_rx)              \
	X(link_hs_tx)              \
	X(link_data_rx)            \
	X(link_data_tx)            \
	X(link_handshakes)         \
	X(link_hs_failed)          \
	X(link_drop_malformed)     \
	X(link_drop_no_session)    \
	X(link_drop_expired)       \
	X(link_drop_replay)        \
	X(link_drop_auth)          \
	X(link_drop_mac)           \
	X(link_key_rejected)       \
	X(link_identity_bad)       \
	X(link_unknown_refused)    \
	X(link_disabled_rx)        \
	X(link_inner_bad)          \
	X(link_echo_answered)      \
	X(link_peers_dead)         \
	X(link_tx_no_key)          \
	X(link_tx_staged)          \
	X(link_dp_installs)        \
	X(link_dp_install_failed)  \
	X(link_dp_removes)         \
	X(link_dp_endpoint_moves)  \
	X(hs_dh_budget)            \
	X(hs_cookie_sent)          \
	X(hs_cookie_budget)        \
	X(hs_mac2_ok)              \
	X(hs_ratelimited)          \
	X(hs_sources_evicted)      \
	X(hs_replayed)             \
	X(hs_stale_timestamp)      \
	X(hs_low_order)

struct node_counters {
#define X(n) uint64_t n;
	NODE_COUNTERS(X)
#undef X
};

#define NODE_PENDING_MAX 64
#define NODE_PINGS_MAX 16

/* A frame waiting for its next hop's MAC address. */
struct pending {
	struct rte_mbuf *m; /* NULL = free slot */
	unsigned int port;
	uint8_t family;
	uint8_t addr[16];
	uint64_t deadline_ms;
};

struct ping;
struct link;

struct node {
	struct vh_config cfg;
	struct vh_identity id;
	char node_id[VH_IDENTITY_NODEID_TEXT_MAX + 1];
	struct vh_dp *dp;
	struct vh_ctl *ctl;
	struct vh_net_neigh *neigh[VH_DP_MAX_PORTS];
	struct pending pending[NODE_PENDING_MAX];
	struct ping *pings[NODE_PINGS_MAX];
	struct link *link; /* NULL: veil disabled */
	struct mesh *mesh; /* NULL: dht disabled */
	struct rte_timer housekeeping;
	bool timer_on;
	struct node_counters cnt;
	uint64_t start_ms;
	uint32_t ping_ident;
	uint64_t neigh_expired_ms; /* last neighbour-cache expiry pass */
	int epfd;
	volatile bool stop;
};

extern int vh_node_logtype;
#define NODE_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, vh_node_logtype, "valhalla: " fmt "\n", ##__VA_ARGS__)

/* Monotonic milliseconds. */
uint64_t node_now_ms(void);
/* Monotonic nanoseconds. */
uint64_t node_now_ns(void);

/* control.c */
int node_control_run(struct node *n);

/* hoststack.c: punted host-stack packets, neighbour resolution, sending */
void hoststack_input(struct node *n, struct rte_mbuf *m);
/* A punted frame came from its source: a FAILED neighbour entry for it resolves again now. */
void hoststack_heard(struct node *n, struct rte_mbuf *m);
int hoststack_send_udp(struct node *n, int family, const uint8_t *dst, uint16_t dport,
	const uint8_t *payload, uint16_t len);
/* Where a received frame came from on the link: its port (config index) and source MAC. */
struct hoststack_l2 {
	unsigned int port;
	uint8_t mac[6];
};
/*
 * Answer a received frame's sender: UDP to dst:dport sent to the frame's
 * source MAC on its port (l2), as a router answers its last hop, without
 * resolving dst (a spoofed dst must not cost an ARP or ND). 0, -EINVAL (bad
 * port, group or zero MAC), or what building or injecting returned.
 */
int hoststack_reply_udp(struct node *n, const struct hoststack_l2 *l2, int ip_ver,
	const uint8_t *dst, uint16_t dport, const uint8_t *payload, uint16_t len);
/* The port and next hop for dst: on-link by prefix, else a gateway. 0 or -ENETUNREACH. */
int hoststack_route(struct node *n, int ip_ver, const uint8_t *dst, unsigned int *port,
	uint8_t *nh);
/* A UDP datagram to ff02::1 (all nodes) on one port, hop limit 1. */
int hoststack_send_all_nodes(struct node *n, unsigned int port, uint16_t dport,
	const uint8_t *payload, uint16_t len);
void hoststack_tick(struct node *n, uint64_t now_ms);
void hoststack_free_pending(struct node *n);

/* overlay.c: punted Bifrost datagrams */
void overlay_input(struct node *n, struct rte_mbuf *m);

/* mesh.c: overlay routing by NodeID and the DHT over link sessions */
struct mesh;
int mesh_start(struct node *n);
void mesh_stop(struct node *n);
void mesh_tick(struct node *n, uint64_t now_ms);
/* A Bifrost DATA frame's payload (overlay header first) from a neighbour. */
void mesh_datagram(struct node *n, const uint8_t *from, uint8_t *p, size_t len);
/* A punted overlay packet the workers opened (to us, or out of hops). */
void mesh_opened_input(struct node *n, struct rte_mbuf *m);
/* A Bifrost CONTROL frame outside any session: a LAN discovery beacon. */
void mesh_lan_input(struct node *n, const uint8_t *p, size_t len, const uint8_t *dst_ip,
	unsigned int ip_ver);
/* A neighbour's session came up, changed keys (up) or went away (down). */
void mesh_link_event(struct node *n, const uint8_t *nodeid, bool up);
int mesh_register(struct node *n);
/* An echo datagram to a NodeID over the overlay: 0 or -ENETUNREACH. */
int mesh_echo_send(struct node *n, const uint8_t *nodeid, const uint8_t *dgram, size_t len);

/* The node's DHT (lib/ygg), NULL when the mesh is off. */
struct vh_dht *mesh_dht(struct node *n);
/* Send an overlay packet of this payload type (enum vh_overlay_type) to a NodeID. */
int mesh_send_packet(struct node *n, const uint8_t *dst, uint8_t type, const uint8_t *pl,
	size_t len);

/* mix.c: the mixnode and mix client (docs/mix-node.md) */
int mix_start(struct node *n);
void mix_stop(struct node *n);
void mix_tick(struct node *n, uint64_t now_ms);
/* A MIX overlay packet (payload type 2) for this node that reached the control lcore. */
void mix_overlay_input(struct node *n, const uint8_t *src, const uint8_t *p, size_t len);
int mix_register(struct node *n);

/* ping.c */
int ping_register(struct node *n);
void ping_echo_reply(struct node *n, const uint8_t *payload, uint32_t len);
void ping_tick(struct node *n, uint64_t now_ms);
void ping_free_all(struct node *n);

/* cmds.c: control-socket commands */
int cmds_register(struct node *n);
json_t *cmds_stats_json(struct node *n);
/* An optional integer argument of a request: def when absent; -EINVAL outside lo..hi. */
int cmds_int_arg(const json_t *args, const char *key, int def, int lo, int hi, int *out);

/* metrics.c: Prometheus endpoint on its own thread */
int metrics_start(struct node *n);
void metrics_stop(void);

/* telemetry.c */
int telemetry_register(struct node *n);

#endif /* VALHALLA_NODE_H */
