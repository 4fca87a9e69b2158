/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Yggdrasil: the Kademlia DHT core. No DPDK, no sockets, no clock of its own:
 * the control lcore (or a simulator, or a test) passes the time in, supplies
 * the randomness and carries the messages. The DHT is a state machine driven
 * by three calls: vh_dht_input() for every message that arrives,
 * vh_dht_tick() when vh_dht_next_deadline() is reached, and the lookup and
 * publish requests of its user.
 *
 * - 256-bit NodeIDs, NodeID = SHA-256(Ed25519 public key), XOR metric.
 * - Routing table of 256 buckets of k = 20, least recently seen first, with a
 *   replacement cache and ping-before-evict.
 * - Iterative lookups with alpha = 3 requests in flight, asynchronous, with
 *   completion callbacks; a contact that does not answer is asked again with
 *   backoff (other candidates first) until the lookup's deadline.
 * - Signed location records (NodeID, PathAddrs, sequence, timestamp, Ed25519
 *   signature by the NodeID's key) in a store bounded in total and per source.
 * - Messages: PING, PONG, FIND_NODE, NODES, FIND_VALUE, VALUE, STORE, STORED
 *   and the LAN BEACON, in the binary encoding of docs/dht.md.
 *
 * Addresses are opaque byte strings (PathAddr text in the node). The time
 * `now` is Unix time in milliseconds: record timestamps are compared with it.
 */
#ifndef VH_YGG_H
#define VH_YGG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VH_DHT_ID_LEN 32    /**< NodeID and key length */
#define VH_DHT_PUB_LEN 32   /**< Ed25519 public key */
#define VH_DHT_SEC_LEN 64   /**< libsodium Ed25519 secret key: seed || public */
#define VH_DHT_SIG_LEN 64   /**< Ed25519 signature */
#define VH_DHT_K 20         /**< bucket size and replication factor */
#define VH_DHT_ALPHA 3      /**< default requests in flight per lookup */
#define VH_DHT_BUCKETS 256  /**< one per bit of the distance */
#define VH_DHT_ADDR_MAX 64  /**< longest address, bytes */
#define VH_DHT_REC_ADDRS 4  /**< most addresses in a location record */
#define VH_DHT_MSG_MAX 1280 /**< longest message the DHT sends or accepts */
/** Longest encoded location record: header 82, four addresses, signature. */
#define VH_DHT_REC_MAX (82 + VH_DHT_REC_ADDRS * (1 + VH_DHT_ADDR_MAX) + VH_DHT_SIG_LEN)
/** Wire version of messages and records. */
#define VH_DHT_VERSION 1
/** Domain separation prefix of the record signature. */
#define VH_DHT_REC_SIG_PREFIX "vh-ygg-location-v1"

/** Message types (second byte of every message). */
enum vh_dht_msg_type {
	VH_DHT_PING = 1,
	VH_DHT_PONG = 2,
	VH_DHT_FIND_NODE = 3,
	VH_DHT_NODES = 4,
	VH_DHT_FIND_VALUE = 5,
	VH_DHT_VALUE = 6,
	VH_DHT_STORE = 7,
	VH_DHT_STORED = 8,
	VH_DHT_BEACON = 9,
	VH_DHT_MSG_TYPES /**< one past the last */
};

/*
 * Why a location record was refused (by STORE, by a lookup or by import).
 * X(enum suffix, "operator-visible-name")
 */
#define VH_DHT_REJECT_REASONS(X)             \
	X(MALFORMED, "malformed")            \
	X(OVERSIZED, "oversized")            \
	X(BAD_NODEID, "nodeid-key-mismatch") \
	X(BAD_SIG, "bad-signature")          \
	X(STALE_SEQ, "stale-sequence")       \
	X(EXPIRED, "expired")                \
	X(FUTURE, "future-timestamp")        \
	X(STORE_FULL, "store-full")          \
	X(SOURCE_LIMIT, "source-limit")      \
	X(WRONG_KEY, "wrong-key")

/** Record rejection reasons, indexes of vh_dht_stats.rec_rejected. */
enum vh_dht_reject {
#define VH_DHT_X_ENUM(e, s) VH_DHT_REJ_##e,
	VH_DHT_REJECT_REASONS(VH_DHT_X_ENUM)
#undef VH_DHT_X_ENUM
		VH_DHT_REJ_MAX
};

/** A peer: NodeID and opaque address. */
struct vh_dht_contact {
	uint8_t id[VH_DHT_ID_LEN];
	uint8_t addr_len; /**< 1..VH_DHT_ADDR_MAX */
	uint8_t addr[VH_DHT_ADDR_MAX];
};

/** A decoded location record. */
struct vh_dht_record {
	uint8_t node_id[VH_DHT_ID_LEN];
	uint8_t pub[VH_DHT_PUB_LEN];
	uint64_t seq;          /**< higher wins */
	uint64_t timestamp_ms; /**< Unix milliseconds, set by the signer */
	uint8_t naddrs;        /**< 1..VH_DHT_REC_ADDRS */
	uint8_t addr_len[VH_DHT_REC_ADDRS];
	uint8_t addrs[VH_DHT_REC_ADDRS][VH_DHT_ADDR_MAX];
	uint8_t sig[VH_DHT_SIG_LEN];
};

/** A decoded message. Pointers point into the buffer that was decoded. */
struct vh_dht_msg {
	uint8_t type;                  /**< enum vh_dht_msg_type */
	uint32_t txid;                 /**< echoed by the response; 0 in BEACON */
	uint8_t target[VH_DHT_ID_LEN]; /**< FIND_NODE, FIND_VALUE */
	uint8_t status;                /**< STORED: 0 stored, else 1 + enum vh_dht_reject */
	uint8_t ncontacts;             /**< NODES, VALUE (<= k); BEACON: 1 */
	struct vh_dht_contact contacts[VH_DHT_K];
	const uint8_t *rec; /**< STORE, VALUE: encoded record or NULL */
	uint16_t rec_len;
};

/** Counters; every rejection has one. */
struct vh_dht_stats {
	uint64_t rx[VH_DHT_MSG_TYPES]; /**< well-formed messages received, by type */
	uint64_t tx[VH_DHT_MSG_TYPES]; /**< messages sent, by type */
	uint64_t rx_malformed;         /**< failed to decode */
	uint64_t rx_unsolicited;       /**< response with no matching request */
	uint64_t rx_no_sender;         /**< non-beacon message without a NodeID */
	uint64_t tx_failed;            /**< send callback returned an error */
	uint64_t rpc_timeouts;
	uint64_t rpc_retries;  /**< requests sent again after a timeout or a failed send */
	uint64_t pending_full; /**< request not sent: pending table full */
	uint64_t rec_rejected[VH_DHT_REJ_MAX];
	uint64_t rec_stored;    /**< new key stored */
	uint64_t rec_updated;   /**< higher sequence replaced a record */
	uint64_t rec_refreshed; /**< same record stored again */
	uint64_t rec_expired;
	uint64_t lookups_started;
	uint64_t lookups_found;
	uint64_t lookups_not_found;
	uint64_t lookups_refused;  /**< too many lookups running */
	uint64_t lookups_deadline; /**< lookups (or their STOREs) cut off by the deadline */
	uint64_t table_inserted;
	uint64_t table_evicted;  /**< dead contact removed */
	uint64_t table_replaced; /**< replacement promoted into a bucket */
	uint64_t table_kept;     /**< oldest answered its eviction ping */
	uint64_t beacons_heard;
	uint64_t published; /**< own record STOREs acknowledged */
	uint32_t table_size;
	uint32_t records;
};

/**
 * Send one message. @p to_id is NULL when the NodeID is not known yet
 * (bootstrap by address, LAN beacon): the transport then learns it from the
 * link handshake and passes it to vh_dht_input() with the reply.
 * @return 0 or a negative errno (counted, treated as a lost message)
 */
typedef int (*vh_dht_send_fn)(void *ctx, const uint8_t *to_id, const uint8_t *to_addr,
	size_t addr_len, const uint8_t *msg, size_t len);
/** Fill @p buf with @p len random bytes (txids, random walk targets). */
typedef void (*vh_dht_rand_fn)(void *ctx, void *buf, size_t len);

/** Configuration; zero fields take the defaults named in brackets. */
struct vh_dht_config {
	/** Ed25519 secret key (libsodium seed || public); NodeID = SHA-256(public). */
	const uint8_t *secret_key;
	/** Used only when secret_key is NULL: a NodeID without a key (cannot publish). */
	const uint8_t *node_id;
	vh_dht_send_fn send;
	vh_dht_rand_fn rand;
	void *ctx;                /**< passed to send and rand */
	const uint8_t *self_addr; /**< own address, for beacons (may be NULL) */
	size_t self_addr_len;
	const struct vh_dht_contact *bootstrap; /**< an all-zero id means "unknown" */
	size_t nbootstrap;
	unsigned alpha;                  /**< requests in flight per lookup [3] */
	uint32_t rpc_timeout_ms;         /**< [1000] */
	uint32_t refresh_ms;             /**< bucket refresh period [15 min] */
	uint32_t walk_ms;                /**< random walk period [10 min] */
	uint32_t pex_ms;                 /**< peer exchange period [5 min] */
	uint32_t rebootstrap_ms;         /**< retry while the table is empty [30 s] */
	uint32_t record_ttl_ms;          /**< stored record lifetime [1 h] */
	uint32_t record_max_age_ms;      /**< oldest timestamp accepted [24 h] */
	uint32_t record_max_skew_ms;     /**< newest timestamp accepted, ahead [10 min] */
	uint32_t republish_ms;           /**< own record re-signed and stored [30 min] */
	uint32_t max_records;            /**< record store, total [4096] */
	uint32_t max_records_per_source; /**< records one sender may hold [64] */
	uint32_t max_lookups;            /**< lookups at once [32] */
	uint32_t max_pending;            /**< requests in flight [512] */
	uint32_t max_fails;              /**< timeouts in a row before a contact is dropped [5] */
	/**
	 * Requests to one contact (a first one and retries after timeouts, with
	 * backoff) before it is given up [3]; a lookup asks its target itself
	 * until the deadline.
	 */
	uint32_t max_tries;
	/** A lookup ends by this time; a publication's STOREs get as long again [10 s]. */
	uint32_t lookup_deadline_ms;
	bool lan_discovery;      /**< send and hear LAN beacons */
	const uint8_t *lan_addr; /**< beacon destination (multicast), opaque */
	size_t lan_addr_len;
	uint32_t lan_interval_ms; /**< [30 s] */
};

/** Lookup options. */
enum vh_dht_lookup_flags {
	/** Finish as soon as the target itself has answered (node resolution). */
	VH_DHT_LOOKUP_STOP_AT_TARGET = 1,
};

/** What a finished lookup reports to its callback. */
struct vh_dht_lookup_result {
	const uint8_t *target;
	bool found;    /**< FIND_NODE: target answered; FIND_VALUE: valid record */
	unsigned hops; /**< depth where the target (or value) was first learned; 0 = own table */
	unsigned requests; /**< requests sent, retries included */
	unsigned responses;
	unsigned timeouts;
	unsigned retries; /**< requests that asked again a contact that had not answered */
	uint64_t elapsed_ms;
	size_t nclosest; /**< responders, closest first, at most k */
	const struct vh_dht_contact *closest;
	const struct vh_dht_record *record; /**< FIND_VALUE when found, else NULL */
	/** FIND_VALUE of a signed item (vh_dht_item_key) when found: the checked
	 * item as stored (decode it with vh_dht_item_check), else NULL */
	const uint8_t *item;
	size_t item_len;
};

/** Lookup completion; called exactly once per lookup that was started. */
typedef void (*vh_dht_lookup_cb)(void *arg, const struct vh_dht_lookup_result *res);

struct vh_dht;

/* ---- identifiers (dht_id.c) ---- */

/** XOR distance of two NodeIDs. */
void vh_dht_distance(const uint8_t *a, const uint8_t *b, uint8_t out[VH_DHT_ID_LEN]);

/**
 * Bucket of @p id in the table of @p self: floor(log2(self XOR id)), so bucket
 * 0 holds distance 1 and bucket 255 the far half of the space.
 * @return 0..255, or -1 when id == self
 */
int vh_dht_bucket_index(const uint8_t *self, const uint8_t *id);

/** Which of @p a and @p b is closer to @p target: <0 a, 0 equal, >0 b. */
int vh_dht_cmp_distance(const uint8_t *target, const uint8_t *a, const uint8_t *b);

/** NodeID of an Ed25519 public key: SHA-256(pub). */
void vh_dht_node_id_of(const uint8_t pub[VH_DHT_PUB_LEN], uint8_t id[VH_DHT_ID_LEN]);

/* ---- message codec (dht_codec.c) ---- */

/**
 * Encode @p m. Only the fields of its type are read.
 * @return bytes written, or -EINVAL (bad field), -EMSGSIZE (does not fit
 *         @p cap or VH_DHT_MSG_MAX)
 */
int vh_dht_msg_encode(const struct vh_dht_msg *m, uint8_t *out, size_t cap);

/**
 * Decode one message; every length is checked, trailing bytes are an error.
 * @return 0, -EBADMSG (malformed), -EPROTONOSUPPORT (version), -EMSGSIZE
 */
int vh_dht_msg_decode(const uint8_t *buf, size_t len, struct vh_dht_msg *m);

/* ---- location records (dht_record.c) ---- */

/**
 * Sign and encode a location record: node_id and pub are taken from @p sk,
 * @p rec supplies seq, timestamp and addresses; its sig is filled in.
 * @return bytes written, or -EINVAL, -EMSGSIZE
 */
int vh_dht_record_sign(
	struct vh_dht_record *rec, const uint8_t sk[VH_DHT_SEC_LEN], uint8_t *out, size_t cap);

/**
 * Decode and fully check a record: structure, SHA-256(pub) == node_id,
 * signature, and timestamp against @p now (max_age_ms old, max_skew_ms ahead;
 * 0 skips the time check).
 * @return 0, or 1 + enum vh_dht_reject
 */
int vh_dht_record_check(const uint8_t *buf, size_t len, uint64_t now, uint64_t max_age_ms,
	uint64_t max_skew_ms, struct vh_dht_record *rec);

/** Operator-visible name of a rejection reason ("unknown" if out of range). */
const char *vh_dht_reject_name(unsigned reason);

/* ---- the DHT instance (dht.c) ---- */

/**
 * Create a DHT. Nothing is sent until the first vh_dht_tick(), which pings
 * the bootstrap list.
 * @return handle, or NULL with errno EINVAL (no key or id, no send or rand
 *         callback) or ENOMEM
 */
struct vh_dht *vh_dht_create(const struct vh_dht_config *cfg, uint64_t now);

/** Free a DHT, wipe its key; pending lookups are dropped without callback. */
void vh_dht_destroy(struct vh_dht *dht);

/**
 * Start again from nothing, as vh_dht_destroy() and vh_dht_create() with
 * the same configuration would, but keep the memory: contacts, records
 * (the own record too), requests in flight and statistics are forgotten,
 * lookups in flight dropped without callback, and the timers restart at
 * @p now (the next vh_dht_tick() pings the bootstrap list). For a node
 * whose whole view is stale, and for a fuzz harness, where creating an
 * instance per input costs more than the input.
 */
void vh_dht_reset(struct vh_dht *dht, uint64_t now);

/** Own NodeID (VH_DHT_ID_LEN bytes). */
const uint8_t *vh_dht_node_id(const struct vh_dht *dht);

/**
 * One message from a peer. @p from_id is the peer's NodeID as the link session
 * authenticated it; NULL is accepted only for BEACON (LAN multicast).
 * @return 0, or -EBADMSG (malformed, counted), -EINVAL (no sender),
 *         -ENOENT (response to nothing)
 */
int vh_dht_input(struct vh_dht *dht, const uint8_t *from_id, const uint8_t *from_addr,
	size_t addr_len, const uint8_t *buf, size_t len, uint64_t now);

/** Run timers: request timeouts, refresh, walks, peer exchange, republish, expiry. */
void vh_dht_tick(struct vh_dht *dht, uint64_t now);

/** When vh_dht_tick() next has work; never earlier than the last `now` seen. */
uint64_t vh_dht_next_deadline(const struct vh_dht *dht);

/**
 * Iterative node lookup for @p target (FIND_NODE). Contacts that do not
 * answer are asked again with backoff; the target itself, when known, until
 * the deadline (config lookup_deadline_ms), when the callback runs at the
 * latest.
 * @param flags  enum vh_dht_lookup_flags
 * @return a lookup id (> 0), or -EBUSY (max_lookups running), -ENETUNREACH
 *         (empty routing table); the callback is called only on success
 */
int vh_dht_find_node(struct vh_dht *dht, const uint8_t target[VH_DHT_ID_LEN], unsigned flags,
	vh_dht_lookup_cb cb, void *arg, uint64_t now);

/**
 * Iterative value lookup: the location record of @p key (FIND_VALUE). A local
 * copy answers at once (callback before return, hops 0).
 * @return as vh_dht_find_node()
 */
int vh_dht_find_value(struct vh_dht *dht, const uint8_t key[VH_DHT_ID_LEN], vh_dht_lookup_cb cb,
	void *arg, uint64_t now);

/**
 * Publish (and keep republishing) this node's location record with these
 * addresses: sequence max(previous + 1, now), stored on the k closest nodes
 * (a lookup, then STOREs asked again with backoff up to max_tries times).
 * @return 0, or -EPERM (no secret key), -EINVAL, -EBUSY, -ENETUNREACH
 */
int vh_dht_publish(struct vh_dht *dht, const uint8_t *const *addrs, const size_t *addr_lens,
	size_t naddrs, uint64_t now);

/**
 * A peer is known alive (e.g. a link session came up): ping it; it enters the
 * table when it answers.
 * @return 0 or a negative errno
 */
int vh_dht_add_peer(
	struct vh_dht *dht, const uint8_t *id, const uint8_t *addr, size_t addr_len, uint64_t now);

/** Ping the bootstrap list again and look up the own NodeID when it answers. */
void vh_dht_bootstrap(struct vh_dht *dht, uint64_t now);

/**
 * Up to @p max contacts of the routing table closest to @p target.
 * @return number written
 */
size_t vh_dht_closest(
	const struct vh_dht *dht, const uint8_t *target, struct vh_dht_contact *out, size_t max);

/**
 * A record from the local store (not the own record).
 * @return 0, or -ENOENT
 */
int vh_dht_get_record(
	const struct vh_dht *dht, const uint8_t key[VH_DHT_ID_LEN], struct vh_dht_record *rec);

/**
 * Offer a record to the local store as if a STORE from @p source had brought
 * it (import, tests).
 * @return 0, or 1 + enum vh_dht_reject
 */
int vh_dht_store_record(
	struct vh_dht *dht, const uint8_t *source, const uint8_t *buf, size_t len, uint64_t now);

/** Copy the counters. */
void vh_dht_get_stats(const struct vh_dht *dht, struct vh_dht_stats *out);

/* ---- persistence blobs (dht_blob.c) ---- */

/**
 * Serialise the routing table and the record store (docs/dht.md).
 * @return blob length, or -ENOSPC with the needed length unknown when @p cap
 *         is too small; with @p out NULL, the length it would need
 */
long vh_dht_export(const struct vh_dht *dht, uint8_t *out, size_t cap);

/**
 * Load a blob from vh_dht_export(): contacts enter the table (without
 * pinging; dead ones fail out as usual), records go through the same checks
 * as STORE (expired ones are dropped).
 * @return number of contacts + records loaded, or -EBADMSG (malformed),
 *         -EXDEV (blob of another NodeID)
 */
int vh_dht_import(struct vh_dht *dht, const uint8_t *buf, size_t len, uint64_t now);

/* ---- persistence in LMDB (dht_persist.c) ---- */

/**
 * Store the routing table and record cache (vh_dht_export()) in the LMDB
 * file dht.mdb in @p dir (created 0700 if missing; the file is 0600),
 * replacing what was there, in one transaction: a crash leaves the old or
 * the new state, never a mix. The value is sealed with a checksum
 * (vh_identity_record_seal()).
 * @param err message buffer (may be NULL)
 * @return 0 or -errno
 */
int vh_dht_persist_save(const struct vh_dht *dht, const char *dir, char *err, size_t errlen);

/**
 * Load what vh_dht_persist_save() stored, through vh_dht_import() (so
 * contacts and records are checked as on any import). A value whose
 * checksum fails is not imported ("damaged" in err); a bare blob (the format
 * before checksums) is imported, and the next save seals it.
 * @return entries loaded (0 on a first start with nothing stored), or
 *         -errno: -EXDEV for state of another NodeID, -EBADMSG when damaged
 *         or malformed
 */
int vh_dht_persist_load(struct vh_dht *dht, const char *dir, uint64_t now, char *err,
	size_t errlen);

/* ---- signed items (dht_item.c, docs/mix-node.md "Descriptors in the DHT") ---- */

/** First byte of an item (a location record starts with VH_DHT_VERSION). */
#define VH_DHT_ITEM_TAG 0x49
/** Item header: tag, salt length, value length (u16), public key, seq, timestamp. */
#define VH_DHT_ITEM_HDR 52
#define VH_DHT_ITEM_SALT_MAX 16
#define VH_DHT_ITEM_VALUE_MAX 256
/** Domain separation prefix of the item signature. */
#define VH_DHT_ITEM_SIG_PREFIX "vh-ygg-item-v1"

/** A signed item, decoded. */
struct vh_dht_item {
	uint8_t pub[VH_DHT_PUB_LEN]; /**< signer (filled in by sign) */
	uint64_t seq;                /**< higher replaces lower */
	uint64_t timestamp_ms;       /**< Unix ms, checked like a location record's */
	uint8_t salt_len;            /**< 0..VH_DHT_ITEM_SALT_MAX */
	uint8_t salt[VH_DHT_ITEM_SALT_MAX];
	uint16_t value_len;          /**< 1..VH_DHT_ITEM_VALUE_MAX */
	const uint8_t *value;        /**< points into the encoded item */
	uint8_t key[VH_DHT_ID_LEN];  /**< SHA-256(NodeID || salt), filled in */
};

/** The DHT key of an item: SHA-256(SHA-256(public key) || salt). */
void vh_dht_item_key(const uint8_t node_id[VH_DHT_ID_LEN], const uint8_t *salt, size_t salt_len,
	uint8_t key[VH_DHT_ID_LEN]);

/**
 * Sign and encode an item: pub from @p sk, the rest from @p it (value,
 * salt, seq, timestamp); it->key and it->value (into @p out) are set.
 * @return bytes written, -EINVAL, -EMSGSIZE
 */
int vh_dht_item_sign(
	struct vh_dht_item *it, const uint8_t sk[VH_DHT_SEC_LEN], uint8_t *out, size_t cap);

/**
 * Decode and check an item: structure, timestamp (as vh_dht_record_check),
 * signature. @return 0, or 1 + enum vh_dht_reject
 */
int vh_dht_item_check(const uint8_t *buf, size_t len, uint64_t now, uint64_t max_age_ms,
	uint64_t max_skew_ms, struct vh_dht_item *it);

/**
 * Store an item in the DHT: kept locally and STOREd on the k nodes closest
 * to its key (a lookup). Anyone can read it with vh_dht_find_value(key).
 * @return 0, -EINVAL (not a valid item), -EBUSY, -ENETUNREACH (the local
 *         copy is kept)
 */
int vh_dht_put_item(struct vh_dht *dht, const uint8_t *buf, size_t len, uint64_t now);

#ifdef __cplusplus
}
#endif

#endif /* VH_YGG_H */
