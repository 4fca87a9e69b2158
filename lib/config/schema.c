/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Schema v1: every key of the node configuration, once. The validator
 * (walk.c), the effective-config JSON and the reference (emit.c) all read
 * this table; the finish hooks hold the rules that span several keys.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "schema.h"
#include "vh_core.h"

typedef __typeof__(((struct vh_config *)0)->node) node_t;
typedef __typeof__(((struct vh_config *)0)->log) log_t;
typedef __typeof__(((struct vh_config *)0)->lcores) lcores_t;
typedef __typeof__(((struct vh_config *)0)->overlay) overlay_t;
typedef __typeof__(((struct vh_config *)0)->mempool) mempool_t;
typedef __typeof__(((struct vh_config *)0)->telemetry) telemetry_t;
typedef __typeof__(((struct vh_config *)0)->metrics) metrics_t;
typedef __typeof__(((struct vh_config *)0)->veil) veil_t;
typedef __typeof__(((struct vh_config *)0)->dht) dht_t;
typedef __typeof__(((struct vh_config *)0)->mix) mix_t;

#define SIZE(type, member) sizeof(((type *)0)->member)
#define STR(s) #s
#define XSTR(s) STR(s)

_Static_assert(sizeof(enum vh_config_idle) == sizeof(int), "K_ENUM stores an int");
_Static_assert(sizeof(enum vh_config_log_level) == sizeof(int), "K_ENUM stores an int");
_Static_assert(sizeof(enum vh_config_mix_role) == sizeof(int), "K_ENUM stores an int");
_Static_assert(sizeof(unsigned int) == 4, "K_INT stores unsigned int as 4 bytes");

static const char *const log_levels[] = {
	"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug", NULL};
static const char *const log_libs[] = {
	"core", "net", "bifrost", "config", "ctl", "dp", "veil", "ygg", "mix", "edge", NULL};
static const char *const idle_modes[] = {"poll", "adaptive", NULL};
static const char *const mix_roles[] = {"mixnode", "client", "both", NULL};

/* Longest data_dir for which the default "<data_dir>/identity.key" fits. */
#define DATA_DIR_MAX (VH_CONFIG_PATH_LEN - 1 - (int)sizeof("/identity.key") + 1)

static int
node_finish(struct walk *w, void *obj)
{
	node_t *n = obj;

	(void)w;
	if (n->control_socket[0] == '\0')
		snprintf(n->control_socket, sizeof(n->control_socket), "/run/valhalla/%s.sock",
			n->name);
	if (n->data_dir[0] == '\0')
		snprintf(n->data_dir, sizeof(n->data_dir), "/var/lib/valhalla/%s", n->name);
	if (n->key_file[0] == '\0') {
		size_t len = strlen(n->data_dir);

		/* the length limit on data_dir guarantees this fits */
		snprintf(n->key_file, sizeof(n->key_file), "%.*s/identity.key",
			(int)(len > 0 && n->data_dir[len - 1] == '/' ? len - 1 : len), n->data_dir);
	}
	return 0;
}

static const struct field node_fields[] = {
	{.key = "name",
		.kind = K_STRING,
		.flags = F_REQUIRED,
		.offset = offsetof(node_t, name),
		.size = SIZE(node_t, name),
		.min = 1,
		.max = VH_CONFIG_NODE_NAME_LEN - 1,
		.parse = parse_node_name,
		.format = format_text,
		.allowed_doc = "`[a-z0-9][a-z0-9-]{0,31}`",
		.doc = "Node name; used in default paths and shown by vhctl."},
	{.key = "control_socket",
		.kind = K_STRING,
		.offset = offsetof(node_t, control_socket),
		.size = SIZE(node_t, control_socket),
		.min = 1,
		.max = VH_CONFIG_SOCKET_PATH_LEN - 1,
		.def_doc = "`\"/run/valhalla/<name>.sock\"`",
		.parse = parse_abs_path,
		.format = format_text,
		.allowed_doc = "absolute path, at most 107 bytes (sun_path)",
		.doc = "Unix socket of the control protocol (vhctl)."},
	{.key = "data_dir",
		.kind = K_STRING,
		.offset = offsetof(node_t, data_dir),
		.size = SIZE(node_t, data_dir),
		.min = 1,
		.max = DATA_DIR_MAX,
		.def_doc = "`\"/var/lib/valhalla/<name>\"`",
		.parse = parse_abs_path,
		.format = format_text,
		.allowed_doc = "absolute path, at most 242 bytes",
		.doc = "Directory of the node's persistent state."},
	{.key = "key_file",
		.kind = K_STRING,
		.offset = offsetof(node_t, key_file),
		.size = SIZE(node_t, key_file),
		.min = 1,
		.max = VH_CONFIG_PATH_LEN - 1,
		.def_doc = "`\"<data_dir>/identity.key\"`",
		.parse = parse_abs_path,
		.format = format_text,
		.allowed_doc = "absolute path, at most 255 bytes",
		.doc = "The node's identity key file (mode 0600)."},
	{0},
};
_Static_assert(DATA_DIR_MAX == 242, "documented data_dir limit");

static const struct field log_level_value = {.kind = K_ENUM,
	.names = log_levels,
	.enum_base = VH_CONFIG_LOG_EMERG,
	.offset = offsetof(struct vh_config_log_lib, level)};

static const struct field log_fields[] = {
	{.key = "level",
		.kind = K_ENUM,
		.offset = offsetof(log_t, level),
		.def = "\"info\"",
		.names = log_levels,
		.enum_base = VH_CONFIG_LOG_EMERG,
		.doc = "Log level of every Valhalla library (rte_log type `valhalla.*`)."},
	{.key = "libs",
		.kind = K_MAP,
		.offset = offsetof(log_t, libs),
		.size = sizeof(struct vh_config_log_lib),
		.count_offset = offsetof(log_t, n_libs),
		.key_size = VH_CONFIG_LIB_NAME_LEN,
		.min = 0,
		.max = VH_CONFIG_MAX_LOG_LIBS,
		.names = log_libs,
		.sub = &log_level_value,
		.def_doc = "`{}`",
		.doc = "Per-library level overrides, e.g. `{\"net\": \"debug\"}`."},
	{0},
};

static int
lcores_finish(struct walk *w, void *obj)
{
	const lcores_t *l = obj;
	char sub[32];

	for (unsigned int i = 0; i < l->n_workers; i++)
		for (unsigned int j = 0; j < i; j++)
			if (l->workers[i] == l->workers[j]) {
				snprintf(sub, sizeof(sub), ".workers[%u]", i);
				return walk_fail(w, sub, "duplicate lcore id %u (also workers[%u])",
					l->workers[i], j);
			}
	return 0;
}

static const struct field worker_value = {
	.kind = K_INT, .size = sizeof(unsigned int), .min = 1, .max = VH_CONFIG_MAX_LCORE};

static const struct field lcores_fields[] = {
	{.key = "workers",
		.kind = K_ARRAY,
		.offset = offsetof(lcores_t, workers),
		.size = sizeof(unsigned int),
		.count_offset = offsetof(lcores_t, n_workers),
		.min = 0,
		.max = VH_CONFIG_MAX_WORKERS,
		.sub = &worker_value,
		.def_doc = "`[]`",
		.allowed_doc = "0..16 unique lcore ids, each 1..127",
		.doc = "Worker lcores running the data-plane graph. Empty: single-lcore mode "
		       "(control loop and graph interleaved on the main lcore)."},
	{.key = "idle",
		.kind = K_ENUM,
		.offset = offsetof(lcores_t, idle),
		.def = "\"adaptive\"",
		.names = idle_modes,
		.enum_base = VH_CONFIG_IDLE_POLL,
		.doc = "`poll` spins (lowest latency, a whole core each); `adaptive` sleeps "
		       "longer the longer nothing arrives."},
	{.key = "idle_sleep_max_us",
		.kind = K_INT,
		.offset = offsetof(lcores_t, idle_sleep_max_us),
		.size = SIZE(lcores_t, idle_sleep_max_us),
		.min = 1,
		.max = 100000,
		.def = "1000",
		.doc = "Adaptive back-off ceiling in microseconds."},
	{0},
};

static const struct field overlay_fields[] = {
	{.key = "udp_port",
		.kind = K_INT,
		.offset = offsetof(overlay_t, udp_port),
		.size = SIZE(overlay_t, udp_port),
		.min = 1,
		.max = 65535,
		.def = XSTR(VH_DEFAULT_UDP_PORT),
		.doc = "UDP port of the Bifrost overlay on every port's addresses."},
	{0},
};

static const struct field mempool_fields[] = {
	{.key = "mbufs",
		.kind = K_INT,
		.offset = offsetof(mempool_t, mbufs),
		.size = SIZE(mempool_t, mbufs),
		.min = 1023,
		.max = 1048575,
		.def = "8191",
		.doc = "Packet buffers in the pool (best as 2^n - 1)."},
	{.key = "cache",
		.kind = K_INT,
		.offset = offsetof(mempool_t, cache),
		.size = SIZE(mempool_t, cache),
		.min = 0,
		.max = 512,
		.def = "256",
		.doc = "Per-lcore mbuf cache size."},
	{0},
};

static int
port_gateway4(struct walk *w, const struct vh_config_port *p)
{
	uint32_t m = p->ipv4.plen != 0 ? ~(uint32_t)0 << (32 - p->ipv4.plen) : 0;
	uint32_t g = ntohl(p->gateway4);
	struct vh_config_prefix4 net = {htonl(ntohl(p->ipv4.addr) & m), p->ipv4.plen};
	char text[64];

	if (!p->has_ipv4)
		return walk_fail(w, ".gateway4", "gateway4 needs ipv4 on the same port");
	format_prefix4(NULL, &net, text, sizeof(text));
	if (!prefix4_contains(&p->ipv4, p->gateway4))
		return walk_fail(w, ".gateway4", "gateway is outside the port's prefix %s", text);
	if (p->gateway4 == p->ipv4.addr)
		return walk_fail(w, ".gateway4", "gateway is the port's own address");
	if (p->ipv4.plen <= 30 && ((g & ~m) == 0 || (g & ~m) == ~m))
		return walk_fail(
			w, ".gateway4", "gateway is the network or broadcast address of %s", text);
	return 0;
}

static int
port_gateway6(struct walk *w, const struct vh_config_port *p)
{
	bool inside = false;

	for (unsigned int i = 0; i < p->n_ipv6; i++) {
		if (memcmp(p->ipv6[i].addr, p->gateway6, 16) == 0)
			return walk_fail(w, ".gateway6", "gateway is the port's own address");
		inside = inside || prefix6_contains(&p->ipv6[i], p->gateway6);
	}
	if (p->gateway6[0] == 0xfe && (p->gateway6[1] & 0xc0) == 0x80)
		return 0; /* link-local: reachable through the port's own fe80:: address */
	if (p->n_ipv6 == 0)
		return walk_fail(w, ".gateway6",
			"a global gateway6 needs ipv6 on the same port (or use a link-local "
			"fe80::/10 "
			"gateway)");
	if (!inside)
		return walk_fail(
			w, ".gateway6", "gateway is outside every ipv6 prefix of the port");
	return 0;
}

static int
port_finish(struct walk *w, void *obj)
{
	const struct vh_config_port *p = obj;
	char sub[32];
	int rc;

	if (!p->has_ipv4 && p->n_ipv6 == 0)
		return walk_fail(w, "", "a port needs ipv4 or ipv6 (or both)");
	for (unsigned int i = 0; i < p->n_ipv6; i++)
		for (unsigned int j = 0; j < i; j++)
			if (memcmp(p->ipv6[i].addr, p->ipv6[j].addr, 16) == 0) {
				snprintf(sub, sizeof(sub), ".ipv6[%u]", i);
				return walk_fail(w, sub, "duplicate address (also ipv6[%u])", j);
			}
	if (p->has_gateway4 && (rc = port_gateway4(w, p)) != 0)
		return rc;
	if (p->has_gateway6 && (rc = port_gateway6(w, p)) != 0)
		return rc;
	if ((p->n_ipv6 > 0 || p->has_gateway6) && p->mtu < 1280)
		return walk_fail(w, ".mtu", "IPv6 needs an MTU of at least 1280, got %u", p->mtu);
	return 0;
}

#define PORT(m) offsetof(struct vh_config_port, m)
#define PORT_SIZE(m) SIZE(struct vh_config_port, m)

static const struct field ipv6_value = {
	.kind = K_STRING, .min = 1, .max = 64, .parse = parse_prefix6, .format = format_prefix6};

static const struct field port_fields[] = {
	{.key = "name",
		.kind = K_STRING,
		.flags = F_REQUIRED,
		.offset = PORT(name),
		.size = PORT_SIZE(name),
		.min = 1,
		.max = VH_CONFIG_PORT_NAME_LEN - 1,
		.parse = parse_port_name,
		.format = format_text,
		.allowed_doc = "`[a-zA-Z0-9_-]{1,15}`, unique",
		.doc = "Port name."},
	{.key = "devargs",
		.kind = K_STRING,
		.flags = F_REQUIRED,
		.offset = PORT(devargs),
		.size = PORT_SIZE(devargs),
		.min = 1,
		.max = VH_CONFIG_DEVARGS_LEN - 1,
		.parse = parse_devargs,
		.format = format_text,
		.allowed_doc = "1..255 printable characters, no whitespace, unique",
		.doc = "DPDK device: a PCI address (`0000:03:00.0`) or vdev devargs "
		       "(`net_tap0,iface=vh0`)."},
	{.key = "mac",
		.kind = K_STRING,
		.flags = F_HAS,
		.offset = PORT(mac),
		.has_offset = PORT(has_mac),
		.min = 1,
		.max = 17,
		.parse = parse_mac,
		.format = format_mac,
		.def_doc = "the port's own MAC",
		.type_doc = "MAC",
		.allowed_doc = "`xx:xx:xx:xx:xx:xx`, unicast, not all-zero",
		.doc = "MAC address to set on the port."},
	{.key = "mtu",
		.kind = K_INT,
		.offset = PORT(mtu),
		.size = PORT_SIZE(mtu),
		.min = 576,
		.max = 9000,
		.def = "1500",
		.doc = "IP MTU (at least 1280 with IPv6)."},
	{.key = "ipv4",
		.kind = K_STRING,
		.flags = F_HAS,
		.offset = PORT(ipv4),
		.has_offset = PORT(has_ipv4),
		.min = 1,
		.max = 64,
		.parse = parse_prefix4,
		.format = format_prefix4,
		.def_doc = "none",
		.type_doc = "IPv4 prefix",
		.allowed_doc = "`a.b.c.d/len`, len 1..32; unicast, not 0/8, 127/8, 224/3, nor the "
			       "network or broadcast address of its prefix",
		.doc = "The port's IPv4 address and prefix length."},
	{.key = "gateway4",
		.kind = K_STRING,
		.flags = F_HAS,
		.offset = PORT(gateway4),
		.has_offset = PORT(has_gateway4),
		.min = 1,
		.max = 64,
		.parse = parse_addr4,
		.format = format_addr4,
		.def_doc = "none",
		.type_doc = "IPv4 address",
		.allowed_doc = "inside the ipv4 prefix, not the port's own address",
		.doc = "IPv4 default gateway on this port; needs ipv4."},
	{.key = "ipv6",
		.kind = K_ARRAY,
		.offset = PORT(ipv6),
		.size = sizeof(struct vh_config_prefix6),
		.count_offset = PORT(n_ipv6),
		.min = 0,
		.max = VH_CONFIG_MAX_IPV6,
		.sub = &ipv6_value,
		.def_doc = "`[]`",
		.type_doc = "array of IPv6 prefixes",
		.allowed_doc = "0..4 unique `addr/len`, len 1..128; not ::, ::1, ff00::/8, "
			       "IPv4-mapped, nor a zero host part",
		.doc = "The port's IPv6 addresses with prefix lengths."},
	{.key = "gateway6",
		.kind = K_STRING,
		.flags = F_HAS,
		.offset = PORT(gateway6),
		.has_offset = PORT(has_gateway6),
		.min = 1,
		.max = 64,
		.parse = parse_addr6,
		.format = format_addr6,
		.def_doc = "none",
		.type_doc = "IPv6 address",
		.allowed_doc = "link-local (fe80::/10), or inside one of the ipv6 prefixes",
		.doc = "IPv6 default gateway on this port."},
	{.key = "rx_desc",
		.kind = K_INT,
		.flags = F_POW2,
		.offset = PORT(rx_desc),
		.size = PORT_SIZE(rx_desc),
		.min = 64,
		.max = 4096,
		.def = "1024",
		.doc = "RX ring descriptors."},
	{.key = "tx_desc",
		.kind = K_INT,
		.flags = F_POW2,
		.offset = PORT(tx_desc),
		.size = PORT_SIZE(tx_desc),
		.min = 64,
		.max = 4096,
		.def = "1024",
		.doc = "TX ring descriptors."},
	{0},
};

static const struct field port_value = {
	.kind = K_OBJECT, .sub = port_fields, .finish = port_finish};

static const struct field telemetry_fields[] = {
	{.key = "enabled",
		.kind = K_BOOL,
		.offset = offsetof(telemetry_t, enabled),
		.def = "true",
		.doc = "Register the node's commands with DPDK telemetry (`dpdk-telemetry.py`)."},
	{0},
};

static const struct field metrics_fields[] = {
	{.key = "listen",
		.kind = K_STRING,
		.flags = F_REQUIRED,
		.offset = offsetof(metrics_t, listen),
		.min = 1,
		.max = 64,
		.parse = parse_endpoint,
		.format = format_endpoint,
		.type_doc = "host:port",
		.allowed_doc = "`a.b.c.d:port` or `[v6addr]:port`, port 1..65535",
		.doc = "Address of the Prometheus HTTP endpoint."},
	{0},
};

#define PEER(m) offsetof(struct vh_config_peer, m)

static const struct field peer_fields[] = {
	{.key = "address",
		.kind = K_STRING,
		.flags = F_REQUIRED,
		.offset = PEER(address),
		.size = SIZE(struct vh_config_peer, address),
		.min = 1,
		.max = VH_CONFIG_PEER_ADDR_LEN - 1,
		.parse = parse_peer_address,
		.format = format_text,
		.type_doc = "PathAddr",
		.allowed_doc = "a `/udp/` PathAddr (docs/protocol.md), unique among peers",
		.doc = "Where the peer listens, e.g. `/udp/10.77.1.2:22088`."},
	{.key = "node_id",
		.kind = K_STRING,
		.flags = F_HAS,
		.offset = PEER(node_id),
		.has_offset = PEER(has_node_id),
		.min = 1,
		.max = 64,
		.parse = parse_node_id,
		.format = format_node_id,
		.def_doc = "learnt on first use (TOFU)",
		.type_doc = "NodeID",
		.allowed_doc = "`VH...` text (docs/identity.md)",
		.doc = "The peer's NodeID; a handshake proving another one is refused."},
	{.key = "name",
		.kind = K_STRING,
		.flags = F_HAS,
		.offset = PEER(name),
		.has_offset = PEER(has_name),
		.size = SIZE(struct vh_config_peer, name),
		.min = 1,
		.max = VH_CONFIG_NODE_NAME_LEN - 1,
		.parse = parse_node_name,
		.format = format_text,
		.def_doc = "none",
		.allowed_doc = "`[a-z0-9][a-z0-9-]{0,31}`",
		.doc = "A label for vhctl and the TOFU pin (else the address is the label)."},
	{0},
};

static const struct field peer_value = {.kind = K_OBJECT, .sub = peer_fields};

#define VEIL_INT(k, m, lo, hi, d, text)                                                          \
	{                                                                                        \
		.key = k, .kind = K_INT, .offset = offsetof(veil_t, m), .size = SIZE(veil_t, m), \
		.min = lo, .max = hi, .def = d, .doc = text                                      \
	}

static const struct field veil_fields[] = {
	{.key = "enabled",
		.kind = K_BOOL,
		.offset = offsetof(veil_t, enabled),
		.def = "false",
		.doc = "Run Veil link sessions (control lcore, this release) with the `peers`."},
	VEIL_INT("rekey_after_s", rekey_after_s, 1, 86400, "120",
		"Age at which a session's initiator starts a new handshake (WireGuard's "
		"REKEY_AFTER_TIME)."),
	VEIL_INT("reject_after_s", reject_after_s, 2, 86400, "180",
		"Age at which a session key is dropped; more than rekey_after_s."),
	VEIL_INT("keepalive_s", keepalive_s, 1, 3600, "10",
		"Received data is answered (keepalive) within this time; also dead-peer "
		"detection."),
	VEIL_INT("rekey_timeout_ms", rekey_timeout_ms, 50, 60000, "5000",
		"First retry delay of an unanswered handshake, doubling with jitter."),
	VEIL_INT("backoff_max_s", backoff_max_s, 1, 3600, "60", "Cap on the retry delay."),
	VEIL_INT("rekey_attempt_s", rekey_attempt_s, 1, 86400, "90",
		"A peer failing handshakes this long is reported dead (configured peers keep "
		"retrying)."),
	VEIL_INT("persistent_keepalive_s", persistent_keepalive_s, 0, 3600, "0",
		"Send a keepalive when nothing was sent this long (NAT); 0 is off."),
	{.key = "accept_unknown",
		.kind = K_BOOL,
		.offset = offsetof(veil_t, accept_unknown),
		.def = "true",
		.doc = "Answer handshakes from nodes that are not in `peers` (they are listed as "
		       "peers)."},
	{0},
};

static const struct field bootstrap_value = {.kind = K_STRING,
	.size = VH_CONFIG_PEER_ADDR_LEN,
	.min = 1,
	.max = VH_CONFIG_PEER_ADDR_LEN - 1,
	.parse = parse_peer_address,
	.format = format_text};

#define DHT_INT(k, m, lo, hi, d, text)                                                         \
	{                                                                                      \
		.key = k, .kind = K_INT, .offset = offsetof(dht_t, m), .size = SIZE(dht_t, m), \
		.min = lo, .max = hi, .def = d, .doc = text                                    \
	}

static const struct field dht_fields[] = {
	{.key = "enabled",
		.kind = K_BOOL,
		.offset = offsetof(dht_t, enabled),
		.def = "false",
		.doc = "Run the Kademlia DHT and overlay routing by NodeID over the link sessions "
		       "(needs `veil.enabled`)."},
	{.key = "bootstrap",
		.kind = K_ARRAY,
		.offset = offsetof(dht_t, bootstrap),
		.size = VH_CONFIG_PEER_ADDR_LEN,
		.count_offset = offsetof(dht_t, n_bootstrap),
		.min = 0,
		.max = VH_CONFIG_MAX_BOOTSTRAP,
		.sub = &bootstrap_value,
		.def_doc = "`[]`",
		.type_doc = "array of PathAddrs",
		.allowed_doc = "0..8 `/udp/` PathAddrs",
		.doc = "Nodes to join through: a link session is kept with each, and the DHT "
		       "starts from them."},
	{.key = "lan_discovery",
		.kind = K_BOOL,
		.offset = offsetof(dht_t, lan_discovery),
		.def = "false",
		.doc = "Send and hear LAN beacons (IPv6 link-local multicast)."},
	DHT_INT("refresh_s", refresh_s, 1, 3600, "15",
		"Period of the self lookup and bucket refresh; routes are re-learnt this often."),
	DHT_INT("rpc_timeout_ms", rpc_timeout_ms, 50, 60000, "1000",
		"A DHT request without answer after this long is lost (and asked again)."),
	DHT_INT("lookup_deadline_s", lookup_deadline_s, 1, 600, "10",
		"A lookup keeps asking contacts that did not answer (with backoff) until "
		"this long; a publication's STOREs get as long again."),
	DHT_INT("route_ttl_s", route_ttl_s, 2, 86400, "60",
		"A learnt route not confirmed again within this time is dropped."),
	DHT_INT("hop_limit", hop_limit, 2, 255, "64", "Hop limit of overlay packets sent."),
	{0},
};

static const struct field mix_node_value = {.kind = K_STRING,
	.size = VH_CONFIG_NODE_ID_LEN,
	.min = 1,
	.max = 64,
	.parse = parse_node_id,
	.format = format_node_id};

#define MIX_INT(k, m, lo, hi, d, text)                                                         \
	{                                                                                      \
		.key = k, .kind = K_INT, .offset = offsetof(mix_t, m), .size = SIZE(mix_t, m), \
		.min = lo, .max = hi, .def = d, .doc = text                                    \
	}

static const struct field mix_fields[] = {
	{.key = "enabled",
		.kind = K_BOOL,
		.offset = offsetof(mix_t, enabled),
		.def = "false",
		.doc = "Run the Sphinx mixnet (docs/mix-node.md; needs `dht.enabled`)."},
	{.key = "role",
		.kind = K_ENUM,
		.offset = offsetof(mix_t, role),
		.def = "\"client\"",
		.names = mix_roles,
		.enum_base = VH_CONFIG_MIX_MIXNODE,
		.doc = "`mixnode` unwraps and forwards and publishes descriptors, `client` sends, "
		       "receives and makes cover traffic, `both` does both."},
	MIX_INT("layer", layer, 0, 255, "0",
		"A mixnode's layer: 0 entry, 1..`layers` mix layer, 255 exit."),
	MIX_INT("layers", layers, 1, 14, "3", "L, the number of mix layers of the network."),
	MIX_INT("hops", hops, 3, 16, "5",
		"Sphinx geometry: hops of the header (at least `layers` + 2); the same "
		"network-wide."),
	MIX_INT("payload_len", payload_len, 16, 1024, "200",
		"Sphinx geometry: user payload bytes of a packet; the same network-wide. A "
		"packet must fit one overlay frame (checked at start)."),
	MIX_INT("epoch_s", epoch_s, 2, 604800, "1200", "Mix key epoch length."),
	MIX_INT("grace_s", grace_s, 1, 86400, "120",
		"The previous epoch's key still unwraps this long (less than `epoch_s`)."),
	MIX_INT("publish_ahead_s", publish_ahead_s, 1, 604800, "600",
		"The next epoch's key and descriptor exist this long before it (at most "
		"`epoch_s`)."),
	MIX_INT("mean_delay_ms", mean_delay_ms, 0, 600000, "1000",
		"Mean of the exponential per-hop delay a client asks for (0: no delay)."),
	MIX_INT("max_delay_ms", max_delay_ms, 1, 3600000, "60000",
		"Per-hop delays are clamped to this (client and mixnode)."),
	MIX_INT("lambda_p_milli", lambda_p_milli, 0, 100000000, "2000",
		"Loopix lambda_P in events per 1000 s: real messages, or drop cover when none "
		"is queued (0: send at once, no stream)."),
	MIX_INT("lambda_l_milli", lambda_l_milli, 0, 100000000, "1000",
		"Loopix lambda_L in events per 1000 s: loop cover."),
	MIX_INT("lambda_d_milli", lambda_d_milli, 0, 100000000, "1000",
		"Loopix lambda_D in events per 1000 s: drop cover."),
	MIX_INT("replay_capacity", replay_capacity, 1, 1000000000, "1000000",
		"Replay tags per mix key the filter is sized for (docs/mix-datapath.md)."),
	MIX_INT("replay_fp_exp", replay_fp_exp, 1, 12, "9",
		"Replay filter false-positive rate at capacity: 10^-n."),
	MIX_INT("wheel_entries", wheel_entries, 16, 16777216, "65536",
		"Delay wheel capacity (packets held at once) per lcore."),
	{.key = "nodes",
		.kind = K_ARRAY,
		.offset = offsetof(mix_t, nodes),
		.size = VH_CONFIG_NODE_ID_LEN,
		.count_offset = offsetof(mix_t, n_nodes),
		.min = 0,
		.max = VH_CONFIG_MAX_MIX_NODES,
		.sub = &mix_node_value,
		.def_doc = "`[]`",
		.type_doc = "array of NodeIDs",
		.allowed_doc = "0..64 `VH...` NodeIDs",
		.doc = "Mixnodes whose descriptors this node fetches (more can be added with "
		       "`vhctl mix nodes add`)."},
	{0},
};

static int
mix_finish(struct walk *w, const struct vh_config *c)
{
	if (!c->mix.enabled)
		return 0;
	if (!c->dht.enabled)
		return walk_fail(w, ".mix.enabled",
			"the mix runs over the overlay: set dht.enabled "
			"too");
	if (c->mix.grace_s >= c->mix.epoch_s)
		return walk_fail(
			w, ".mix.grace_s", "must be less than epoch_s (%u)", c->mix.epoch_s);
	if (c->mix.publish_ahead_s > c->mix.epoch_s)
		return walk_fail(
			w, ".mix.publish_ahead_s", "must be at most epoch_s (%u)", c->mix.epoch_s);
	if (c->mix.hops < c->mix.layers + 2)
		return walk_fail(
			w, ".mix.hops", "must be at least layers + 2 (%u)", c->mix.layers + 2);
	if (c->mix.layer > c->mix.layers && c->mix.layer != 255)
		return walk_fail(
			w, ".mix.layer", "must be 0, 1..layers (%u) or 255", c->mix.layers);
	return 0;
}

static int
peers_finish(struct walk *w, const struct vh_config *c)
{
	char sub[48];

	for (unsigned int i = 0; i < c->n_peers; i++)
		for (unsigned int j = 0; j < i; j++) {
			if (strcmp(c->peers[i].address, c->peers[j].address) == 0) {
				snprintf(sub, sizeof(sub), ".peers[%u].address", i);
				return walk_fail(w, sub, "same address as peers[%u]", j);
			}
			if (c->peers[i].name[0] != '\0' &&
				strcmp(c->peers[i].name, c->peers[j].name) == 0) {
				snprintf(sub, sizeof(sub), ".peers[%u].name", i);
				return walk_fail(w, sub, "same name as peers[%u]", j);
			}
		}
	if (c->veil.reject_after_s <= c->veil.rekey_after_s)
		return walk_fail(w, ".veil.reject_after_s", "must be more than rekey_after_s (%u)",
			c->veil.rekey_after_s);
	if (c->dht.enabled && !c->veil.enabled)
		return walk_fail(w, ".dht.enabled",
			"the DHT runs over link sessions: set "
			"veil.enabled too");
	return mix_finish(w, c);
}

static int
root_finish(struct walk *w, void *obj)
{
	const struct vh_config *c = obj;
	char sub[48];

	for (unsigned int i = 0; i < c->n_ports; i++)
		for (unsigned int j = 0; j < i; j++) {
			const struct vh_config_port *a = &c->ports[i], *b = &c->ports[j];

			if (strcmp(a->name, b->name) == 0) {
				snprintf(sub, sizeof(sub), ".ports[%u].name", i);
				return walk_fail(w, sub, "duplicate port name (also ports[%u])", j);
			}
			if (strcmp(a->devargs, b->devargs) == 0) {
				snprintf(sub, sizeof(sub), ".ports[%u].devargs", i);
				return walk_fail(w, sub, "same device as ports[%u]", j);
			}
		}
	return peers_finish(w, c);
}

#define ROOT(m) offsetof(struct vh_config, m)

static const struct field root_fields[] = {
	{.key = "version",
		.kind = K_INT,
		.flags = F_FIRST,
		.offset = ROOT(version),
		.size = SIZE(struct vh_config, version),
		.min = VH_CONFIG_VERSION,
		.max = VH_CONFIG_VERSION,
		.def = XSTR(VH_CONFIG_VERSION),
		.range_why = "unsupported config version (this build reads version 1)",
		.doc = "Schema version."},
	{.key = "node",
		.kind = K_OBJECT,
		.flags = F_REQUIRED,
		.offset = ROOT(node),
		.sub = node_fields,
		.finish = node_finish,
		.doc = "Identity and local paths."},
	{.key = "log",
		.kind = K_OBJECT,
		.offset = ROOT(log),
		.sub = log_fields,
		.doc = "Logging (rte_log)."},
	{.key = "lcores",
		.kind = K_OBJECT,
		.offset = ROOT(lcores),
		.sub = lcores_fields,
		.finish = lcores_finish,
		.doc = "Threading model."},
	{.key = "overlay",
		.kind = K_OBJECT,
		.offset = ROOT(overlay),
		.sub = overlay_fields,
		.doc = "Overlay transport."},
	{.key = "mempool",
		.kind = K_OBJECT,
		.offset = ROOT(mempool),
		.sub = mempool_fields,
		.doc = "Packet buffer pool."},
	{.key = "ports",
		.kind = K_ARRAY,
		.flags = F_REQUIRED,
		.offset = ROOT(ports),
		.size = sizeof(struct vh_config_port),
		.count_offset = ROOT(n_ports),
		.min = 1,
		.max = VH_CONFIG_MAX_PORTS,
		.sub = &port_value,
		.doc = "Network ports; each needs ipv4 or ipv6."},
	{.key = "telemetry",
		.kind = K_OBJECT,
		.offset = ROOT(telemetry),
		.sub = telemetry_fields,
		.doc = "DPDK telemetry."},
	{.key = "metrics",
		.kind = K_OBJECT,
		.flags = F_HAS,
		.offset = ROOT(metrics),
		.has_offset = ROOT(metrics.enabled),
		.sub = metrics_fields,
		.def_doc = "disabled",
		.doc = "Prometheus metrics; absent: disabled."},
	{.key = "peers",
		.kind = K_ARRAY,
		.offset = ROOT(peers),
		.size = sizeof(struct vh_config_peer),
		.count_offset = ROOT(n_peers),
		.min = 0,
		.max = VH_CONFIG_MAX_PEERS,
		.sub = &peer_value,
		.def_doc = "`[]`",
		.doc = "Neighbours to keep Veil link sessions with (docs/operations.md)."},
	{.key = "veil",
		.kind = K_OBJECT,
		.offset = ROOT(veil),
		.sub = veil_fields,
		.doc = "Veil link sessions: timers (WireGuard's defaults) and switches."},
	{.key = "dht",
		.kind = K_OBJECT,
		.offset = ROOT(dht),
		.sub = dht_fields,
		.doc = "Kademlia DHT and overlay routing (docs/mesh.md)."},
	{.key = "mix",
		.kind = K_OBJECT,
		.offset = ROOT(mix),
		.sub = mix_fields,
		.doc = "Sphinx mixnet: mixnode and client (docs/mix-node.md)."},
	{0},
};

const struct field vh_config_schema = {
	.kind = K_OBJECT, .flags = F_REQUIRED, .sub = root_fields, .finish = root_finish};

const char *const vh_config_rules[] = {
	"Unknown keys are errors at every level; so are duplicate keys within an object.",
	"`version`, when present, is checked before any other key.",
	"Port names are unique, and so are port devargs.",
	"Every port has `ipv4`, or at least one `ipv6` address, or both.",
	"`gateway4` needs `ipv4` on the same port and must lie inside its prefix, "
	"not be the port's own address nor the prefix's network or broadcast address.",
	"`gateway6` is not one of the port's own addresses, and is link-local (fe80::/10) "
	"or lies inside one of the port's `ipv6` prefixes.",
	"A port with `ipv6` or `gateway6` needs `mtu` >= 1280.",
	"`lcores.workers` ids are unique.",
	"Peer addresses are unique, and so are peer names.",
	"`veil.reject_after_s` is more than `veil.rekey_after_s`.",
	"`dht.enabled` needs `veil.enabled`.",
	"`mix.enabled` needs `dht.enabled`; `mix.grace_s` < `mix.epoch_s`; "
	"`mix.publish_ahead_s` <= `mix.epoch_s`; `mix.hops` >= `mix.layers` + 2; "
	"`mix.layer` is 0, 1..`mix.layers` or 255.",
	NULL,
};
