/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Valhalla node configuration: one JSON file (schema v1), validated against
 * a single schema table before anything else starts, into a plain struct
 * with every address already converted and every default applied.
 *
 * The same schema table prints the operator reference
 * (docs/config-reference.md), so documentation and validator cannot differ.
 * Loading allocates nothing that outlives the call.
 */
#ifndef VH_CONFIG_H
#define VH_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The only schema version this build understands. */
#define VH_CONFIG_VERSION 1
/** Largest configuration file accepted, in bytes. */
#define VH_CONFIG_MAX_FILE_SIZE (1024 * 1024)

#define VH_CONFIG_MAX_PORTS 8     /**< entries in "ports" */
#define VH_CONFIG_MAX_WORKERS 16  /**< entries in "lcores.workers" */
#define VH_CONFIG_MAX_IPV6 4      /**< entries in "ports[].ipv6" */
#define VH_CONFIG_MAX_LOG_LIBS 10 /**< names allowed in "log.libs" */
#define VH_CONFIG_MAX_LCORE 127   /**< largest worker lcore id */

#define VH_CONFIG_NODE_NAME_LEN 33    /**< 32 characters + NUL */
#define VH_CONFIG_SOCKET_PATH_LEN 108 /**< sizeof(sun_path), NUL included */
#define VH_CONFIG_PATH_LEN 256        /**< data_dir, key_file, NUL included */
#define VH_CONFIG_PORT_NAME_LEN 16    /**< 15 characters + NUL */
#define VH_CONFIG_DEVARGS_LEN 256     /**< 255 characters + NUL */
#define VH_CONFIG_LIB_NAME_LEN 16
#define VH_CONFIG_MAX_PEERS 64      /**< entries in "peers" */
#define VH_CONFIG_PEER_ADDR_LEN 128 /**< PathAddr text, NUL included */
#define VH_CONFIG_MAX_BOOTSTRAP 8   /**< entries in "dht.bootstrap" */
#define VH_CONFIG_NODE_ID_LEN 32    /**< binary NodeID (SHA-256 of the Ed25519 key) */
#define VH_CONFIG_MAX_MIX_NODES 64  /**< entries in "mix.nodes" */

/** Log levels, numbered as syslog and rte_log (RTE_LOG_EMERG == 1 ...). */
enum vh_config_log_level {
	VH_CONFIG_LOG_EMERG = 1,
	VH_CONFIG_LOG_ALERT = 2,
	VH_CONFIG_LOG_CRIT = 3,
	VH_CONFIG_LOG_ERR = 4,
	VH_CONFIG_LOG_WARNING = 5,
	VH_CONFIG_LOG_NOTICE = 6,
	VH_CONFIG_LOG_INFO = 7,
	VH_CONFIG_LOG_DEBUG = 8,
};

/** What a polling loop does when it finds no work (same order as vh_dp_idle). */
enum vh_config_idle {
	VH_CONFIG_IDLE_POLL = 0,     /**< spin: lowest latency, burns the core */
	VH_CONFIG_IDLE_ADAPTIVE = 1, /**< sleep, backing off to idle_sleep_max_us */
};

/** What a node does in the mixnet ("mix.role"). */
enum vh_config_mix_role {
	VH_CONFIG_MIX_MIXNODE = 0, /**< unwraps and forwards, publishes descriptors */
	VH_CONFIG_MIX_CLIENT = 1,  /**< sends, receives, cover traffic */
	VH_CONFIG_MIX_BOTH = 2,
};

/** One per-library log level override ("log.libs"). */
struct vh_config_log_lib {
	char name[VH_CONFIG_LIB_NAME_LEN]; /**< one of core net bifrost config ... */
	enum vh_config_log_level level;
};

/** An IPv4 address with its prefix length. */
struct vh_config_prefix4 {
	uint32_t addr; /**< network byte order */
	uint8_t plen;  /**< 1..32 */
};

/** An IPv6 address with its prefix length. */
struct vh_config_prefix6 {
	uint8_t addr[16];
	uint8_t plen; /**< 1..128 */
};

/** A listening address ("host:port"). */
struct vh_config_endpoint {
	int family;       /**< AF_INET or AF_INET6 */
	uint8_t addr[16]; /**< first 4 bytes for AF_INET; network byte order */
	uint16_t port;    /**< host byte order */
};

/** One network port ("ports[]"). Addresses are in network byte order. */
struct vh_config_port {
	char name[VH_CONFIG_PORT_NAME_LEN];
	char devargs[VH_CONFIG_DEVARGS_LEN];
	bool has_mac; /**< false: use the port's own MAC */
	uint8_t mac[6];
	uint16_t mtu;
	uint16_t rx_desc;
	uint16_t tx_desc;
	bool has_ipv4;
	struct vh_config_prefix4 ipv4;
	bool has_gateway4;
	uint32_t gateway4; /**< network byte order */
	unsigned int n_ipv6;
	struct vh_config_prefix6 ipv6[VH_CONFIG_MAX_IPV6];
	bool has_gateway6;
	uint8_t gateway6[16];
};

/** The whole node configuration, every default applied. */
/** A neighbour to keep a Veil link session with. */
struct vh_config_peer {
	char address[VH_CONFIG_PEER_ADDR_LEN];  /**< PathAddr text (a /udp/ address) */
	bool has_node_id;                       /**< false: learnt on first use (TOFU) */
	uint8_t node_id[VH_CONFIG_NODE_ID_LEN]; /**< pinned NodeID */
	bool has_name;                          /**< name is set */
	char name[VH_CONFIG_NODE_NAME_LEN];     /**< "" when absent */
};

struct vh_config {
	unsigned int version; /**< always VH_CONFIG_VERSION after a load */
	struct {
		char name[VH_CONFIG_NODE_NAME_LEN];
		char control_socket[VH_CONFIG_SOCKET_PATH_LEN];
		char data_dir[VH_CONFIG_PATH_LEN];
		char key_file[VH_CONFIG_PATH_LEN];
	} node;
	struct {
		enum vh_config_log_level level;
		unsigned int n_libs;
		struct vh_config_log_lib libs[VH_CONFIG_MAX_LOG_LIBS];
	} log;
	struct {
		unsigned int n_workers; /**< 0: single-lcore mode on the main lcore */
		unsigned int workers[VH_CONFIG_MAX_WORKERS];
		enum vh_config_idle idle;
		uint32_t idle_sleep_max_us;
	} lcores;
	struct {
		uint16_t udp_port;
	} overlay;
	struct {
		uint32_t mbufs;
		uint32_t cache;
	} mempool;
	unsigned int n_ports;
	struct vh_config_port ports[VH_CONFIG_MAX_PORTS];
	struct {
		bool enabled;
	} telemetry;
	unsigned int n_peers;
	struct vh_config_peer peers[VH_CONFIG_MAX_PEERS];
	struct {
		bool enabled;                    /**< run link sessions on the control lcore */
		uint32_t rekey_after_s;          /**< initiator starts a new handshake */
		uint32_t reject_after_s;         /**< a keypair is dropped */
		uint32_t keepalive_s;            /**< received data is answered within this */
		uint32_t rekey_timeout_ms;       /**< first retry delay of an initiation */
		uint32_t backoff_max_s;          /**< cap on the retry delay */
		uint32_t rekey_attempt_s;        /**< peer declared dead after failing this long */
		uint32_t persistent_keepalive_s; /**< 0: off */
		bool accept_unknown;             /**< accept handshakes from unconfigured nodes */
	} veil;
	struct {
		bool enabled;             /**< run the DHT and overlay routing (needs veil) */
		unsigned int n_bootstrap; /**< entries in bootstrap */
		char bootstrap[VH_CONFIG_MAX_BOOTSTRAP][VH_CONFIG_PEER_ADDR_LEN];
		bool lan_discovery;         /**< IPv6 link-local multicast beacons */
		uint32_t refresh_s;         /**< self lookup, bucket refresh, route refresh */
		uint32_t rpc_timeout_ms;    /**< a DHT request is lost after this */
		uint32_t lookup_deadline_s; /**< a lookup retries until this long */
		uint32_t route_ttl_s;       /**< a learnt route not heard of again is dropped */
		uint32_t hop_limit;         /**< of the overlay packets this node sends */
	} dht;
	struct {
		bool enabled; /**< run the mix (needs dht) */
		enum vh_config_mix_role role;
		uint32_t layer;           /**< mixnode: 0 entry, 1..layers mix, 255 exit */
		uint32_t layers;          /**< L, mix layers of the network */
		uint32_t hops;            /**< Sphinx geometry: header hops (>= layers + 2) */
		uint32_t payload_len;     /**< Sphinx geometry: user payload bytes */
		uint32_t epoch_s;         /**< key epoch length */
		uint32_t grace_s;         /**< previous key still unwraps this long */
		uint32_t publish_ahead_s; /**< next key made and published this early */
		uint32_t mean_delay_ms;   /**< per-hop delay mean (0: none) */
		uint32_t max_delay_ms;    /**< delays are clamped here */
		uint32_t lambda_p_milli;  /**< real-message stream, events per 1000 s */
		uint32_t lambda_l_milli;  /**< loop cover, events per 1000 s */
		uint32_t lambda_d_milli;  /**< drop cover, events per 1000 s */
		uint32_t replay_capacity; /**< replay tags per key */
		uint32_t replay_fp_exp;   /**< false-positive rate 10^-n at capacity */
		uint32_t wheel_entries;   /**< delay wheel capacity (per lcore) */
		unsigned int n_nodes;     /**< entries in nodes */
		uint8_t nodes[VH_CONFIG_MAX_MIX_NODES][VH_CONFIG_NODE_ID_LEN];
	} mix;
	struct {
		bool enabled; /**< false when "metrics" is absent */
		struct vh_config_endpoint listen;
	} metrics;
};

/**
 * Why a load failed. path is a JSONPath such as "$.ports[0].ipv4", empty
 * when the failure is not about one value (file unreadable, syntax error).
 * line and column (1-based) are set for JSON syntax errors, 0 otherwise.
 */
struct vh_config_error {
	char path[128];
	char message[256];
	int line, column;
};

/**
 * Load and validate a configuration file.
 *
 * Refuses files that are not regular files or are larger than
 * VH_CONFIG_MAX_FILE_SIZE.
 *
 * @param file path of the JSON file
 * @param cfg filled only on success
 * @param err filled on failure (may be NULL)
 * @return 0, or a negative errno: -EINVAL (invalid content), -EFBIG,
 *	-EISDIR / -EINVAL (not a regular file), -ENOMEM, or open/read errors
 */
int vh_config_load_file(const char *file, struct vh_config *cfg, struct vh_config_error *err);

/**
 * Load and validate a configuration from memory.
 *
 * @param json the JSON text, need not be NUL-terminated
 * @param len its length in bytes
 * @param cfg filled only on success
 * @param err filled on failure (may be NULL)
 * @return 0, -EINVAL, -EFBIG or -ENOMEM
 */
int vh_config_load_string(
	const char *json, size_t len, struct vh_config *cfg, struct vh_config_error *err);

/**
 * Format an error for operators: "FILE: PATH: MESSAGE", or
 * "FILE:LINE:COLUMN: MESSAGE" for syntax errors.
 *
 * @param file name to prefix, or NULL for none
 * @return as snprintf: the length the full message needs
 */
int vh_config_format_error(
	const struct vh_config_error *err, const char *file, char *buf, size_t cap);

/**
 * Print the configuration reference, generated from the schema table, as
 * Markdown (the content of docs/config-reference.md).
 */
void vh_config_print_reference(FILE *out);

/** Receives one key's JSONPath, e.g. "$.mix.role" or "$.ports[].name". */
typedef void (*vh_config_key_fn)(const char *path, void *arg);

/**
 * Walk every key of the schema, in the reference's order (an object before
 * its members; members of array entries as "$.ports[].name"). The keys are
 * exactly the rows of vh_config_print_reference(); tests compare them with
 * the names the documentation uses.
 *
 * @return the number of keys (0 when fn is NULL)
 */
unsigned int vh_config_keys(vh_config_key_fn fn, void *arg);

/**
 * The effective configuration, defaults included, as JSON that
 * vh_config_load_string() accepts and loads back to an equal struct.
 *
 * @return a new reference, or NULL when out of memory
 */
json_t *vh_config_to_json(const struct vh_config *cfg);

#ifdef __cplusplus
}
#endif

#endif /* VH_CONFIG_H */
