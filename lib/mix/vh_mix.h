/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Valhalla mix: what a mixnode and a mix client do with Sphinx packets
 * (vh_sphinx.h): the delay wheel and replay filter of the data path, key
 * epochs, signed descriptors, the layered topology and path selection, and
 * client messages with SURBs. Pure C on caller buffers, clock and RNG passed
 * in; functions return 0 or a negative errno.
 */
#ifndef VH_MIX_H
#define VH_MIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vh_sphinx.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Mixnode data path: the per-worker delay wheel and the per-key replay filter
 * (docs/mix-datapath.md). Pure C, no DPDK: objects are opaque pointers, time
 * is whatever monotonic unit the caller picks (ns or TSC ticks), passed in.
 * Neither structure locks unless a function says so.
 */

/** Slots per wheel level (8 bits of the tick number per level). */
#define VH_MIX_WHEEL_SLOTS 256
/** Most levels a wheel can have (a span of 2^32 ticks). */
#define VH_MIX_WHEEL_MAX_LEVELS 4

/** What to do with a due time beyond the wheel's span. */
enum vh_mix_wheel_overflow {
	VH_MIX_WHEEL_CLAMP = 0, /**< hold it for the longest delay the wheel has */
	VH_MIX_WHEEL_REJECT,    /**< refuse it with -ERANGE */
};

/** Delay wheel configuration. */
struct vh_mix_wheel_conf {
	uint64_t tick;       /**< width of a level-0 slot, in the caller's time unit (> 0) */
	unsigned int levels; /**< 1..VH_MIX_WHEEL_MAX_LEVELS; span = tick * 256^levels */
	uint32_t capacity;   /**< entries in the preallocated pool (1..2^31) */
	uint64_t start;      /**< the caller's clock now */
	enum vh_mix_wheel_overflow overflow;
};

/** Delay wheel counters (cumulative since creation). */
struct vh_mix_wheel_stats {
	uint64_t inserted; /**< objects accepted */
	uint64_t expired;  /**< objects returned by vh_mix_wheel_expire() */
	uint64_t drained;  /**< objects returned by vh_mix_wheel_drain() */
	uint64_t full;     /**< inserts refused because the pool was empty */
	uint64_t clamped;  /**< due times beyond the span held for the span instead */
	uint64_t too_far;  /**< due times beyond the span refused (VH_MIX_WHEEL_REJECT) */
	uint64_t cascaded; /**< entries moved down a level */
};

/** A hierarchical timing wheel holding objects until their due time. */
struct vh_mix_wheel;

/**
 * Create a wheel; everything it needs is allocated here, never later.
 * @return the wheel, or NULL with errno EINVAL (bad conf) or ENOMEM
 */
struct vh_mix_wheel *vh_mix_wheel_create(const struct vh_mix_wheel_conf *conf);

/** Free a wheel (NULL is fine). Objects still inside are not touched: drain first. */
void vh_mix_wheel_free(struct vh_mix_wheel *w);

/**
 * Hold obj until due (caller's time unit). A due time at or before the
 * wheel's clock is returned by the next vh_mix_wheel_expire(). O(1).
 * @return 0; -ENOSPC when the pool is full (counted); -ERANGE when due is
 * beyond the span and the wheel rejects such times (counted); -EINVAL for a
 * NULL wheel
 */
int vh_mix_wheel_insert(struct vh_mix_wheel *w, void *obj, uint64_t due);

/**
 * Advance the wheel's clock to now and return up to max objects whose due
 * time is at or before now rounded down to a tick boundary. Objects come
 * out in due-tick order (no object is returned before one of an earlier
 * tick; within a tick in no particular order). An object is never returned
 * before its due time and at most one tick after it. When out fills up, the
 * rest stays for the next call. A now before the wheel's clock is treated as
 * the wheel's clock. Amortised O(1) per object plus O(levels) per occupied
 * slot reached: empty ticks cost nothing, however far now jumps.
 * @return number of objects written to out
 */
unsigned int vh_mix_wheel_expire(
	struct vh_mix_wheel *w, uint64_t now, void **out, unsigned int max);

/**
 * Remove up to max objects whatever their due time (shutdown: the caller
 * frees them). Call until it returns 0.
 * @return number of objects written to out
 */
unsigned int vh_mix_wheel_drain(struct vh_mix_wheel *w, void **out, unsigned int max);

/** Objects held. */
uint32_t vh_mix_wheel_count(const struct vh_mix_wheel *w);

/** The longest delay the wheel holds without clamping, in the caller's time unit. */
uint64_t vh_mix_wheel_span(const struct vh_mix_wheel *w);

/** Bytes the wheel allocated (header, slots and entry pool). */
size_t vh_mix_wheel_bytes(const struct vh_mix_wheel *w);

/** Copy the wheel's counters. */
void vh_mix_wheel_stats_get(const struct vh_mix_wheel *w, struct vh_mix_wheel_stats *st);

/** Bits in one replay filter block: one 64-byte cache line. */
#define VH_MIX_REPLAY_BLOCK_BITS 512
/** Most bits a tag sets (24 indices of 9 bits fit beside the block index). */
#define VH_MIX_REPLAY_MAX_K 24

/** Replay filter sizing, as vh_mix_replay_plan() computes it. */
struct vh_mix_replay_plan {
	uint64_t nr_blocks;    /**< 64-byte blocks */
	unsigned int k;        /**< bits set per tag, 1..VH_MIX_REPLAY_MAX_K */
	double fp_at_capacity; /**< predicted false-positive rate holding capacity tags */
};

/** A blocked Bloom filter of replay tags, one per mix key epoch. */
struct vh_mix_replay;

/**
 * Size a filter: the fewest blocks (and the k for them) whose predicted
 * false-positive rate with capacity tags is at most fp_rate. The prediction
 * accounts for the uneven load of blocks (docs/mix-datapath.md).
 * @param capacity tags the epoch is expected to see (>= 1)
 * @param fp_rate wanted false-positive rate at capacity, in [1e-12, 0.5]
 * @return 0, -EINVAL, or -E2BIG (more than 2^32 blocks)
 */
int vh_mix_replay_plan(uint64_t capacity, double fp_rate, struct vh_mix_replay_plan *plan);

/**
 * Predicted false-positive rate of a filter of nr_blocks blocks and k bits
 * per tag once it holds n tags.
 */
double vh_mix_replay_fp_predict(uint64_t nr_blocks, unsigned int k, uint64_t n);

/**
 * Create an empty filter sized by vh_mix_replay_plan().
 * @return the filter, or NULL with errno EINVAL, E2BIG or ENOMEM
 */
struct vh_mix_replay *vh_mix_replay_create(uint64_t capacity, double fp_rate);

/** Free a filter (NULL is fine). */
void vh_mix_replay_free(struct vh_mix_replay *f);

/**
 * Look a tag up and record it. Single writer: use
 * vh_mix_replay_test_and_set_mt() when several threads share the filter.
 * @param tag a replay tag as vh_sphinx_unwrap() returns it
 * @return 1 if the tag was (probably) seen before, 0 if it is new and is
 * now recorded, -EINVAL for NULL arguments. Never 0 for a tag recorded
 * before (no false negatives).
 */
int vh_mix_replay_test_and_set(
	struct vh_mix_replay *f, const uint8_t tag[VH_SPHINX_REPLAY_TAG_LEN]);

/**
 * vh_mix_replay_test_and_set() for a filter shared by several threads: each
 * block is updated under a striped spinlock, so of several threads
 * submitting one new tag at once exactly one gets 0. Do not mix with the
 * single-writer call on one filter.
 */
int vh_mix_replay_test_and_set_mt(
	struct vh_mix_replay *f, const uint8_t tag[VH_SPHINX_REPLAY_TAG_LEN]);

/**
 * Look a tag up without recording it (a cheap check before the unwrap).
 * Not safe against concurrent writers.
 * @return 1 if (probably) seen, 0 if not, -EINVAL for NULL arguments
 */
int vh_mix_replay_test(const struct vh_mix_replay *f, const uint8_t tag[VH_SPHINX_REPLAY_TAG_LEN]);

/** Tags recorded (calls that returned 0). */
uint64_t vh_mix_replay_count(const struct vh_mix_replay *f);

/** The capacity the filter was sized for. */
uint64_t vh_mix_replay_capacity(const struct vh_mix_replay *f);

/**
 * True once more than capacity tags are recorded: the filter keeps working
 * but its false-positive rate is above the configured one (see
 * vh_mix_replay_fp_now()); the mix key rotates at the end of the epoch anyway.
 */
bool vh_mix_replay_saturated(const struct vh_mix_replay *f);

/** Predicted false-positive rate at the current count. */
double vh_mix_replay_fp_now(const struct vh_mix_replay *f);

/** Bytes the filter allocated (bit array and locks). */
size_t vh_mix_replay_bytes(const struct vh_mix_replay *f);

/** The filter's sizing. */
void vh_mix_replay_plan_get(const struct vh_mix_replay *f, struct vh_mix_replay_plan *plan);

/** Forget every tag (a new epoch reusing the memory). Not thread safe. */
void vh_mix_replay_reset(struct vh_mix_replay *f);

/*
 * Filter images, to keep a filter across a restart (keystore.c): the bit
 * array as little-endian 64-bit words, nr_blocks * 64 bytes. Save reads
 * with relaxed loads, but a copy is only complete once nobody adds tags.
 */

/** Bytes of the filter's image (0 for NULL). */
size_t vh_mix_replay_image_len(const struct vh_mix_replay *f);

/** Write the image into out. @return 0, -EINVAL (len is not the image length) */
int vh_mix_replay_save(const struct vh_mix_replay *f, uint8_t *out, size_t len);

/**
 * Replace the bits with an image of a filter of the same sizing and set the
 * tag count. Not thread safe: load a filter nobody uses yet.
 * @return 0, -EINVAL (len is not this filter's image length)
 */
int vh_mix_replay_load(struct vh_mix_replay *f, const uint8_t *in, size_t len, uint64_t count);

/** Copy src's bits and count into dst (same sizing, dst not in use). @return 0, -EINVAL */
int vh_mix_replay_copy(struct vh_mix_replay *dst, const struct vh_mix_replay *src);

/*
 * Key epochs (epoch.c, docs/mix-keys.md). Time is Unix time in
 * milliseconds, passed in; randomness comes from a vh_sphinx_rng_fn.
 *
 * Lifecycle of the key of epoch e (start S = e * epoch_ms, end S + epoch_ms):
 *   NEXT      from S - publish_ahead_ms: generated, publishable, not tried
 *   CURRENT   [S, S + epoch_ms): tried first
 *   PREVIOUS  [S + epoch_ms, S + epoch_ms + grace_ms): tried second
 *   wiped     at S + epoch_ms + grace_ms: private key sodium_memzero'd, its
 *             replay filter freed, the slot empty
 * Every transition happens in vh_mix_keys_tick(). No locking: the node
 * ticks on the control lcore and hands workers a consistent view (RCU).
 */

/** Key slots a key set holds: previous, current and next. */
#define VH_MIX_KEYS_SLOTS 3

/** Key epoch configuration. */
struct vh_mix_epoch_conf {
	uint64_t epoch_ms; /**< epoch length (> 0) */
	uint64_t grace_ms; /**< a key still unwraps this long after its epoch (< epoch_ms) */
	uint64_t publish_ahead_ms; /**< the next key exists this long before its epoch (<= epoch_ms)
				    */
	uint64_t replay_capacity;  /**< replay tags per key the filter is sized for (>= 1) */
	double replay_fp_rate;     /**< wanted false-positive rate at capacity */
	bool replay_mt; /**< several threads unwrap at once: use the locked filter calls */
};

/** Where a key is in its lifecycle. */
enum vh_mix_key_state {
	VH_MIX_KEY_EMPTY = 0, /**< slot unused (or wiped) */
	VH_MIX_KEY_NEXT,      /**< generated ahead, published, not tried */
	VH_MIX_KEY_CURRENT,   /**< the epoch now: tried first */
	VH_MIX_KEY_PREVIOUS,  /**< epoch over, in its grace period: tried second */
};

/** A key as vh_mix_keys_info() reports it (no secret in it). */
struct vh_mix_key_info {
	uint64_t epoch;
	enum vh_mix_key_state state;
	uint8_t public_key[VH_SPHINX_KEY_LEN];
	uint64_t replay_count; /**< tags recorded in its filter */
	size_t replay_bytes;   /**< memory of its filter */
	uint64_t unwrapped;    /**< packets it unwrapped */
};

/** vh_mix_keys_tick() result bits. */
#define VH_MIX_KEYS_GENERATED 0x1 /**< a key was made: sign and publish its descriptor */
#define VH_MIX_KEYS_ROTATED 0x2   /**< the current epoch changed */
#define VH_MIX_KEYS_WIPED 0x4     /**< a key reached the end of its grace and is gone */

/** Key set counters (cumulative). */
struct vh_mix_keys_stats {
	uint64_t generated;
	uint64_t restored; /**< taken from saved keys at creation (a restart) */
	uint64_t wiped;
	uint64_t unwrapped_current;
	uint64_t unwrapped_previous;
	uint64_t replayed;  /**< refused by a replay filter */
	uint64_t failed;    /**< no key unwrapped it (MAC, commands, payload tag) */
	uint64_t malformed; /**< wrong length or version */
};

/** The mix keys of one node: previous, current and next epoch. */
struct vh_mix_keys;

/** Epoch number of Unix time now_ms: floor(now_ms / epoch_ms); 0 for epoch_ms 0. */
uint64_t vh_mix_epoch_at(uint64_t now_ms, uint64_t epoch_ms);

/** Unix time (ms) at which epoch starts (saturates at UINT64_MAX). */
uint64_t vh_mix_epoch_start(uint64_t epoch, uint64_t epoch_ms);

/**
 * Check an epoch configuration.
 * @return 0 or -EINVAL (with the replay sizing's error when that is the problem)
 */
int vh_mix_epoch_conf_check(const struct vh_mix_epoch_conf *conf);

/**
 * Create a key set and run the first vh_mix_keys_tick(now_ms): the current
 * key (and the next one when inside the publish window) exist on return.
 * @return the set, or NULL with errno EINVAL, ENOMEM or the RNG's error
 */
struct vh_mix_keys *vh_mix_keys_create(
	const struct vh_mix_epoch_conf *conf, uint64_t now_ms, vh_sphinx_rng_fn rng, void *rng_ctx);

/** A key kept across a restart (keystore.c): its epoch and private key. */
struct vh_mix_saved_key {
	uint64_t epoch;
	uint8_t priv[VH_SPHINX_KEY_LEN];
};

/**
 * The oldest epoch whose key is still alive at now_ms (the previous one
 * while in its grace period, else the current one): saved keys of older
 * epochs are expired and must be deleted.
 */
uint64_t vh_mix_epoch_oldest(const struct vh_mix_epoch_conf *conf, uint64_t now_ms);

/**
 * vh_mix_keys_create(), starting from saved keys: a saved key whose epoch is
 * alive at now_ms (from vh_mix_epoch_oldest() to the next epoch) takes its
 * slot with its state, its public key recomputed and an empty replay
 * filter; the others (expired, too far ahead, a duplicate epoch) are
 * ignored. The first tick then generates only what is still missing, so a
 * restarted node keeps the keys its published descriptors name.
 * @param n saved keys (0 is vh_mix_keys_create())
 */
struct vh_mix_keys *vh_mix_keys_create_saved(const struct vh_mix_epoch_conf *conf, uint64_t now_ms,
	vh_sphinx_rng_fn rng, void *rng_ctx, const struct vh_mix_saved_key *saved, unsigned int n);

/*
 * The key store (keystore.c, docs/mix-keys.md "Persistence"): LMDB in a
 * directory of its own (0700, files 0600). Every record carries a version
 * byte and a BLAKE2b-256 checksum over its key and value, checked on read:
 * a record failing it is reported (vh_mix_store_error) and skipped.
 */
struct vh_mix_store;

/** What vh_mix_store_load_keys() found. */
struct vh_mix_store_scan {
	unsigned int loaded;  /**< keys returned */
	unsigned int expired; /**< records of epochs before oldest, deleted */
	unsigned int corrupt; /**< key records failing their check, skipped */
	unsigned int skipped; /**< good keys beyond max (clock went back?) */
};

/**
 * Open (create) the store in dir. The directory is made 0700 and refused
 * (-EPERM) when it or its files are symlinks, not ours or open to others.
 * @param image_len vh_mix_replay_image_len() of one filter (sizes the map)
 * @return the store, or NULL with errno and a message in err
 */
struct vh_mix_store *vh_mix_store_open(const char *dir, size_t image_len, char *err, size_t errlen);

/** Close the store (NULL is fine). */
void vh_mix_store_close(struct vh_mix_store *s);

/** The last problem the store met, as text. */
const char *vh_mix_store_error(const struct vh_mix_store *s);

/** Save the private key of epoch (overwrites). @return 0 or a negative errno */
int vh_mix_store_put_key(
	struct vh_mix_store *s, uint64_t epoch, const uint8_t priv[VH_SPHINX_KEY_LEN]);

/**
 * Delete the records (keys and filters) of every epoch before oldest, then
 * read the keys of the others in epoch order (at most max).
 * @return keys loaded, or a negative errno (nothing loaded)
 */
int vh_mix_store_load_keys(struct vh_mix_store *s, uint64_t oldest, struct vh_mix_saved_key *out,
	unsigned int max, struct vh_mix_store_scan *sc);

/** Delete the records of every epoch before oldest. @return records deleted or -errno */
int vh_mix_store_prune(struct vh_mix_store *s, uint64_t oldest);

/**
 * Save a key's replay filter (overwrites). Copy a filter nobody adds tags
 * to any more, or the image misses what came during the copy.
 * @return 0 or a negative errno
 */
int vh_mix_store_put_replay(struct vh_mix_store *s, uint64_t epoch, const struct vh_mix_replay *f);

/**
 * Load the saved filter of epoch into f (a filter not in use yet).
 * @return 0; -ENOENT (none saved); -EBADMSG (failed its check: f untouched);
 * -EINVAL (saved with another sizing: f untouched)
 */
int vh_mix_store_get_replay(struct vh_mix_store *s, uint64_t epoch, struct vh_mix_replay *f);

/** Wipe every private key, free the filters and the set (NULL is fine). */
void vh_mix_keys_free(struct vh_mix_keys *k);

/**
 * Drive the lifecycle to now_ms: wipe keys past their grace, promote NEXT to
 * CURRENT and CURRENT to PREVIOUS at a boundary, generate the current key if
 * missing (start, or a clock jump) and the next one inside the publish
 * window. A now_ms earlier than the last one is treated as the last one.
 * @return a mask of VH_MIX_KEYS_* bits (0 = nothing changed), or a negative
 * errno (-ENOMEM, the RNG's error: the set stays usable, call again)
 */
int vh_mix_keys_tick(struct vh_mix_keys *k, uint64_t now_ms);

/**
 * Unwrap one packet with the current key, then the previous one. The replay
 * tag is checked against both keys' filters before any scalar
 * multiplication and recorded in the filter of the key that unwrapped it.
 * @param epoch out (may be NULL): the epoch of the key that worked
 * @return 0; -EALREADY for a replay; -EBADMSG when no key unwrapped it;
 * -EINVAL / -EPROTO for a malformed packet; -ENOKEY with no usable key
 */
int vh_mix_keys_unwrap(struct vh_mix_keys *k, const struct vh_sphinx_geometry *geo, uint8_t *pkt,
	size_t pkt_len, struct vh_sphinx_unwrap_result *res, uint64_t *epoch);

/**
 * Public key of epoch (NEXT, CURRENT or PREVIOUS), for its descriptor.
 * @return 0 or -ENOENT
 */
int vh_mix_keys_public(const struct vh_mix_keys *k, uint64_t epoch, uint8_t pub[VH_SPHINX_KEY_LEN]);

/**
 * Copy the private key of epoch, to hand it to a data plane that unwraps on
 * other cores (which then owns wiping its copy).
 * @return 0, -ENOENT (no key of that epoch), -EINVAL
 */
int vh_mix_keys_private(
	const struct vh_mix_keys *k, uint64_t epoch, uint8_t priv[VH_SPHINX_KEY_LEN]);

/** The epoch the last tick was in. */
uint64_t vh_mix_keys_epoch(const struct vh_mix_keys *k);

/**
 * Describe the keys held, CURRENT first, then PREVIOUS, then NEXT.
 * @return the number written (at most max, at most VH_MIX_KEYS_SLOTS)
 */
unsigned int vh_mix_keys_info(
	const struct vh_mix_keys *k, struct vh_mix_key_info *out, unsigned int max);

/** Bytes the set holds (itself and its replay filters). */
size_t vh_mix_keys_bytes(const struct vh_mix_keys *k);

/** Copy the counters. */
void vh_mix_keys_stats_get(const struct vh_mix_keys *k, struct vh_mix_keys_stats *st);

/*
 * Signed mix descriptors (descriptor.c, byte layout in docs/mix-keys.md):
 * what a mixnode stores in the DHT ahead of each epoch.
 */

/** Descriptor wire version. */
#define VH_MIX_DESC_VERSION 1
/** Ed25519 key and signature lengths. */
#define VH_MIX_DESC_PK_LEN 32
#define VH_MIX_DESC_SK_LEN 64
#define VH_MIX_DESC_SIG_LEN 64
/** Longest "where to send" address (PathAddr text; empty = by NodeID over the overlay). */
#define VH_MIX_DESC_ADDR_MAX 64
/** Encoded length without address and signature. */
#define VH_MIX_DESC_FIXED_LEN 116
/** Shortest and longest encoded descriptor. */
#define VH_MIX_DESC_MIN (VH_MIX_DESC_FIXED_LEN + VH_MIX_DESC_SIG_LEN)
#define VH_MIX_DESC_MAX (VH_MIX_DESC_MIN + VH_MIX_DESC_ADDR_MAX)
/** Domain separation prefix of the signature. */
#define VH_MIX_DESC_SIG_DOMAIN "vh-mix-descriptor-v1"

/** Layer byte: 0 entry (provider), 1..VH_MIX_LAYER_MIX_MAX mix layers, 255 exit. */
#define VH_MIX_LAYER_ENTRY 0
#define VH_MIX_LAYER_MIX_MAX 254
#define VH_MIX_LAYER_EXIT 255

/** A mix descriptor, decoded. */
struct vh_mix_descriptor {
	uint8_t node_id[VH_SPHINX_NODE_ID_LEN]; /**< SHA-256 of sign_pk */
	uint8_t sign_pk[VH_MIX_DESC_PK_LEN];    /**< Ed25519 identity key */
	uint64_t epoch;
	uint8_t mix_key[VH_SPHINX_KEY_LEN]; /**< the epoch's X25519 public key */
	uint8_t layer;                      /**< VH_MIX_LAYER_* */
	uint64_t timestamp_ms;              /**< when it was signed (Unix ms); newer wins */
	uint8_t addr_len;                   /**< 0..VH_MIX_DESC_ADDR_MAX */
	uint8_t addr[VH_MIX_DESC_ADDR_MAX]; /**< printable ASCII starting with '/' */
};

/**
 * Sign and encode a descriptor. node_id and sign_pk are taken from sk
 * (libsodium's 64-byte Ed25519 secret key); the other fields from d.
 * @return the encoded length, -EINVAL (bad fields), -ENOSPC (cap too small)
 */
int vh_mix_descriptor_sign(struct vh_mix_descriptor *d, const uint8_t sk[VH_MIX_DESC_SK_LEN],
	uint8_t *out, size_t cap);

/**
 * Decode and check a descriptor: layout, NodeID = SHA-256(key), signature,
 * epoch. Each failure has its own error:
 * @param epoch the epoch it must be for
 * @return 0; -E2BIG oversized; -EBADMSG truncated or trailing bytes;
 * -EPROTONOSUPPORT unknown version; -EILSEQ malformed field (reserved byte,
 * address, mix key); -EKEYREJECTED NodeID is not SHA-256 of the key;
 * -EACCES bad signature; -ESTALE another epoch; -EINVAL NULL arguments
 */
int vh_mix_descriptor_verify(
	const uint8_t *buf, size_t len, uint64_t epoch, struct vh_mix_descriptor *d);

/** A short name for a vh_mix_descriptor_verify() error ("bad-signature", ...). */
const char *vh_mix_descriptor_strerror(int rc);

/*
 * Topology (topology.c): the stratified layers of one epoch, built from
 * verified descriptors. Path position 0 is the entry layer, 1..L the mix
 * layers, L + 1 the exit layer.
 */

/** One hop of a chosen path. */
struct vh_mix_path_hop {
	uint8_t node_id[VH_SPHINX_NODE_ID_LEN];
	uint8_t mix_key[VH_SPHINX_KEY_LEN];
};

/** The layers of one epoch. */
struct vh_mix_topology;

/**
 * Create an empty topology.
 * @param mix_layers L, 1..VH_SPHINX_MAX_HOPS - 2
 * @return the topology, or NULL with errno EINVAL or ENOMEM
 */
struct vh_mix_topology *vh_mix_topology_create(uint64_t epoch, unsigned int mix_layers);

/** Free a topology (NULL is fine). */
void vh_mix_topology_free(struct vh_mix_topology *t);

/**
 * Add a verified descriptor. A node is in one layer: a second descriptor for
 * the same NodeID replaces the first when its timestamp is newer.
 * @return 0 added, 1 replaced an older one; -ESTALE other epoch or not newer;
 * -ERANGE mix layer above L; -ENOMEM; -EINVAL
 */
int vh_mix_topology_add(struct vh_mix_topology *t, const struct vh_mix_descriptor *d);

/** Path length (L + 2). */
unsigned int vh_mix_topology_hops(const struct vh_mix_topology *t);

/** Nodes at path position pos (0 entry .. L + 1 exit); 0 for a bad pos. */
uint32_t vh_mix_topology_layer_size(const struct vh_mix_topology *t, unsigned int pos);

/**
 * Pick one node per layer, each uniformly at random.
 * @param path out, cap >= L + 2 entries
 * @return the number of hops (L + 2); -ENOENT if a layer is empty;
 * -ENOSPC; -EINVAL; the RNG's error
 */
int vh_mix_topology_pick(const struct vh_mix_topology *t, vh_sphinx_rng_fn rng, void *rng_ctx,
	struct vh_mix_path_hop *path, size_t cap);

/**
 * A uniform integer in [0, n) from rng (rejection sampling, no modulo bias).
 * @return 0, -EINVAL (n == 0) or the RNG's error
 */
int vh_mix_rand_below(vh_sphinx_rng_fn rng, void *rng_ctx, uint32_t n, uint32_t *out);

/**
 * A uniform double in [0, 1) with 53 random bits.
 * @return 0 or the RNG's error
 */
int vh_mix_rand_unit(vh_sphinx_rng_fn rng, void *rng_ctx, double *out);

/**
 * An exponential variate of the given mean by inverse transform:
 * -mean * ln(1 - U), U from vh_mix_rand_unit().
 * @return 0, -EINVAL (mean <= 0 or not finite) or the RNG's error
 */
int vh_mix_rand_exp(vh_sphinx_rng_fn rng, void *rng_ctx, double mean, double *out);

/*
 * Client (client.c, docs/mix-client.md). The geometry is the network's, made
 * with_surb = true so every forward payload has room for a SURB whether it
 * carries one or not: forward payload = flags (1) | reserved (1) | SURB
 * (surb_len, zero without one) | message length (u32 BE) | message | zeros.
 */

/** Flags byte of the forward payload. */
#define VH_MIX_PAYLOAD_HAS_SURB 0x01
/** Bytes of the message length field. */
#define VH_MIX_MSG_LEN_LEN 4

/** Largest message a geometry carries (0 if it has no SURB room). */
size_t vh_mix_msg_max(const struct vh_sphinx_geometry *geo);

/** What vh_mix_client_send() needs. */
struct vh_mix_send {
	const struct vh_mix_path_hop *path; /**< forward path, entry first */
	size_t nr_hops;                     /**< 1..geo->nr_hops */
	const uint8_t *recipient;           /**< NodeID the last hop delivers to */
	const uint8_t *msg;
	size_t msg_len;        /**< <= vh_mix_msg_max(geo) */
	double mean_delay_ms;  /**< per-hop delay mean; 0 = no NodeDelay */
	uint32_t max_delay_ms; /**< delays are clamped here (0 = UINT32_MAX) */
	/* Optional SURB: reply_path NULL for none. */
	const struct vh_mix_path_hop *reply_path;
	size_t nr_reply_hops;
	const uint8_t
		*reply_to; /**< the sender's NodeID: the reply path's last hop delivers there */
};

/** The secret a SURB's creator keeps to read the reply. */
struct vh_mix_surb_secret {
	uint8_t id[VH_SPHINX_SURB_ID_LEN];
	uint8_t keys[(VH_SPHINX_MAX_HOPS + 1) * VH_SPHINX_SURB_KEY_LEN];
	size_t keys_len;
};

/**
 * Build a forward packet: NodeDelay (exponential, mean_delay_ms) on every
 * hop but the last, Recipient on the last; with a reply path, a SURB in the
 * payload whose last hop carries Recipient = reply_to and a random SURBReply ID.
 * @param first_hop out: where to send the packet
 * @param delays out (may be NULL): the nr_hops - 1 delays drawn, in ms
 * @param secret out (may be NULL without a reply path): keep it for the reply
 * @return 0, -EINVAL, -EMSGSIZE (message too long), -ENOSPC, or the
 * RNG's or Sphinx core's error
 */
int vh_mix_client_send(const struct vh_sphinx_geometry *geo, const struct vh_mix_send *s,
	vh_sphinx_rng_fn rng, void *rng_ctx, uint8_t *out, size_t out_len,
	uint8_t first_hop[VH_SPHINX_NODE_ID_LEN], uint32_t *delays,
	struct vh_mix_surb_secret *secret);

/** What an unwrapped packet asks this node to do. */
enum vh_mix_action {
	VH_MIX_FORWARD = 1, /**< hold delay_ms, then send the packet to next_hop */
	VH_MIX_DELIVER,     /**< hand msg (and the SURB, if any) to recipient */
	VH_MIX_SURB_REPLY,  /**< hand body and surb_id to recipient, the SURB's creator */
};

/** vh_mix_classify() output; pointers point into the unwrapped packet. */
struct vh_mix_received {
	enum vh_mix_action action;
	uint8_t next_hop[VH_SPHINX_NODE_ID_LEN];  /**< FORWARD */
	uint32_t delay_ms;                        /**< FORWARD: NodeDelay, 0 without one */
	uint8_t recipient[VH_SPHINX_NODE_ID_LEN]; /**< DELIVER, SURB_REPLY */
	uint8_t surb_id[VH_SPHINX_SURB_ID_LEN];   /**< SURB_REPLY */
	const uint8_t *msg;                       /**< DELIVER */
	size_t msg_len;
	const uint8_t *surb; /**< DELIVER: the SURB to answer with, or NULL */
	size_t surb_len;
	uint8_t *body; /**< SURB_REPLY: still encrypted, tag included */
	size_t body_len;
};

/**
 * Say what an unwrap result asks for and parse a delivered payload.
 * @return 0; -EBADMSG for a last hop without Recipient or a malformed
 * payload (flags, reserved byte, length); -EINVAL
 */
int vh_mix_classify(const struct vh_sphinx_geometry *geo, const struct vh_sphinx_unwrap_result *res,
	struct vh_mix_received *out);

/**
 * Answer a SURB with msg (the reply payload has the forward layout, no SURB).
 * @param first_hop out: where to send the reply
 * @return 0, -EINVAL, -EMSGSIZE, -ENOSPC
 */
int vh_mix_client_reply(const struct vh_sphinx_geometry *geo, const uint8_t *surb, size_t surb_len,
	const uint8_t *msg, size_t msg_len, uint8_t *out, size_t out_len,
	uint8_t first_hop[VH_SPHINX_NODE_ID_LEN]);

/**
 * Read a SURB reply with the secret kept at send time (matched by surb_id
 * by the caller). Decrypts body in place; the secret's keys are wiped.
 * @param msg out: points into body
 * @return 0, -EBADMSG (wrong keys or malformed), -EINVAL
 */
int vh_mix_client_open_reply(const struct vh_sphinx_geometry *geo,
	struct vh_mix_surb_secret *secret, uint8_t *body, size_t body_len, const uint8_t **msg,
	size_t *msg_len);

/*
 * Cover traffic scheduler (cover.c): Loopix's three Poisson streams. Time in
 * ns (any monotonic origin), rates in events per second, 0 = off.
 */

/** Scheduler rates. */
struct vh_mix_sched_conf {
	double lambda_p; /**< real-message stream: sends a queued message, or drop cover */
	double lambda_l; /**< loop cover */
	double lambda_d; /**< drop cover */
};

/** What to send now. */
enum vh_mix_event {
	VH_MIX_EV_REAL = 1, /**< lambda_p, queue not empty: send the next message */
	VH_MIX_EV_P_COVER,  /**< lambda_p, queue empty: send drop cover instead */
	VH_MIX_EV_LOOP,     /**< lambda_l: a loop packet back to ourselves */
	VH_MIX_EV_DROP,     /**< lambda_d: a packet to a random node, dropped there */
};

/** Number of streams. */
#define VH_MIX_SCHED_STREAMS 3

/** Scheduler state; fields are private. */
struct vh_mix_sched {
	double lambda[VH_MIX_SCHED_STREAMS];
	uint64_t due[VH_MIX_SCHED_STREAMS];       /**< UINT64_MAX = stream off */
	uint64_t count[VH_MIX_SCHED_STREAMS + 1]; /**< per vh_mix_event - 1 */
	vh_sphinx_rng_fn rng;
	void *rng_ctx;
};

/**
 * Start the three streams at now_ns, each first due after an exponential gap.
 * @return 0, -EINVAL (negative or non-finite rate), or the RNG's error
 */
int vh_mix_sched_init(struct vh_mix_sched *s, const struct vh_mix_sched_conf *conf, uint64_t now_ns,
	vh_sphinx_rng_fn rng, void *rng_ctx);

/**
 * The state machine step. If the earliest stream is due at or before now_ns,
 * consume it: *ev says what to send, *when is its scheduled time, and the
 * stream's next time is drawn from its scheduled time (so a late caller keeps
 * the rate). Otherwise *when is the time of the next event.
 * @param queued whether a real message is waiting (decides REAL / P_COVER)
 * @return 1 with an event, 0 when none is due, -ENOENT when every stream is
 * off, or the RNG's error
 */
int vh_mix_sched_next(struct vh_mix_sched *s, uint64_t now_ns, bool queued, enum vh_mix_event *ev,
	uint64_t *when);

/** Events of kind ev returned so far. */
uint64_t vh_mix_sched_count(const struct vh_mix_sched *s, enum vh_mix_event ev);

#ifdef __cplusplus
}
#endif

#endif /* VH_MIX_H */
