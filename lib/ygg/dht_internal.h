/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private structures shared by the files of lib/ygg. Not installed.
 */
#ifndef VH_DHT_INTERNAL_H
#define VH_DHT_INTERNAL_H

#include <string.h>

#include "vh_core.h"
#include "vh_ygg.h"

#define REPL_MAX 8   /* replacement cache per bucket */
#define CANDS_MAX 64 /* candidates a lookup keeps */
#define DEPTH_MAX 255

/* A bounds-checked read cursor over a received message or blob. */
struct dht_rd {
	const uint8_t *p;
	size_t len, off;
};

/* The next n bytes, or NULL when fewer are left. */
static inline const uint8_t *
dht_take(struct dht_rd *r, size_t n)
{
	const uint8_t *p;

	if (n > r->len - r->off)
		return NULL;
	p = r->p + r->off;
	r->off += n;
	return p;
}

/* A contact (NodeID, address length, address) as messages carry it. */
int dht_read_contact(struct dht_rd *r, struct vh_dht_contact *c);

static inline bool
id_eq(const uint8_t *a, const uint8_t *b)
{
	return memcmp(a, b, VH_DHT_ID_LEN) == 0;
}

/* ---- routing table (dht_table.c) ---- */

struct entry {
	struct vh_dht_contact c;
	uint64_t last_seen;
	uint8_t fails;
};

struct bucket {
	struct entry *e; /* e[0] least recently seen; grows to k */
	uint8_t n, cap;
	uint8_t nrepl;
	struct entry *repl;  /* replacement cache, newest last; REPL_MAX */
	uint32_t evict_txid; /* ping of e[0] in flight, 0 if none */
	uint64_t last_lookup;
};

struct table {
	uint8_t self[VH_DHT_ID_LEN];
	struct bucket b[VH_DHT_BUCKETS];
	/* bit i set when b[i] holds a contact: a small network fills a few of the 256 */
	uint64_t used[VH_DHT_BUCKETS / 64];
	unsigned size;
};

enum seen_result {
	SEEN_UPDATED, /* was there, now most recent */
	SEEN_INSERTED,
	SEEN_FULL,    /* bucket full: kept in the replacement cache; ping the oldest */
	SEEN_IGNORED, /* self, or no address */
	SEEN_NOMEM,
};

void table_init(struct table *t, const uint8_t *self);
void table_free(struct table *t);
/* Forget every contact; the buckets keep their memory. */
void table_clear(struct table *t);
enum seen_result table_seen(
	struct table *t, const struct vh_dht_contact *c, uint64_t now, int *bucket);
struct entry *table_find(struct table *t, const uint8_t *id);
/* Remove id (dead), promoting the newest replacement. */
bool table_evict(struct table *t, const uint8_t *id);
size_t table_closest(const struct table *t, const uint8_t *target, struct vh_dht_contact *out,
	size_t max, const uint8_t *exclude);
/* Random contact, or NULL. */
const struct entry *table_random(const struct table *t, uint32_t r);

/* ---- record store (dht_store.c) ---- */

struct stored {
	uint8_t key[VH_DHT_ID_LEN];
	uint8_t src[VH_DHT_ID_LEN];
	uint64_t seq;
	uint64_t timestamp;
	uint64_t expires;
	uint16_t len;
	uint8_t bytes[VH_DHT_REC_MAX];
};

struct store {
	struct stored *r;
	uint32_t n, cap, max, per_source;
};

struct store_limits {
	uint64_t ttl_ms, max_age_ms, max_skew_ms;
};

int store_init(struct store *s, uint32_t max, uint32_t per_source);
void store_free(struct store *s);
/* 0 stored/updated/refreshed (*what: 0 new, 1 updated, 2 refreshed), else 1 + reject */
int store_put(struct store *s, const uint8_t *src, const uint8_t *buf, size_t len, uint64_t now,
	const struct store_limits *lim, int *what);
const struct stored *store_get(const struct store *s, const uint8_t *key);
unsigned store_expire(struct store *s, uint64_t now);

/* ---- records (dht_record.c) ---- */

/* Structure only (no signature, no clock): 0 or 1 + reject. */
int record_decode(const uint8_t *buf, size_t len, struct vh_dht_record *rec);
/* Signature and NodeID of a decoded record: 0 or 1 + reject. */
int record_verify_sig(const struct vh_dht_record *rec, const uint8_t *buf, size_t len);
int record_check_time(
	const struct vh_dht_record *rec, uint64_t now, uint64_t max_age_ms, uint64_t max_skew_ms);

/* ---- signed items (dht_item.c) ---- */
/* Structure (no signature, no clock), key computed: 0 or 1 + reject. */
int item_decode(const uint8_t *buf, size_t len, struct vh_dht_item *it);
int item_verify_sig(const struct vh_dht_item *it, const uint8_t *buf, size_t len);
int item_check_time(
	const struct vh_dht_item *it, uint64_t now, uint64_t max_age_ms, uint64_t max_skew_ms);

/* ---- lookups (dht_lookup.c) ---- */

/* CAND_WAIT: did not answer (or could not be sent to), asked again at retry_at */
enum cand_state { CAND_NEW, CAND_INFLIGHT, CAND_DONE, CAND_WAIT, CAND_FAILED };

struct cand {
	struct vh_dht_contact c;
	uint8_t state;
	uint8_t depth; /* 1 = from the own table */
	uint8_t tries; /* requests sent to it */
	uint64_t retry_at;
};

enum lookup_kind { LK_NODE, LK_VALUE, LK_PUBLISH, LK_PUT };

struct lookup {
	uint32_t id; /* 0 = free slot */
	uint8_t kind;
	uint8_t flags;
	uint8_t target[VH_DHT_ID_LEN];
	vh_dht_lookup_cb cb;
	void *arg;
	struct cand c[CANDS_MAX];
	unsigned nc;
	unsigned inflight, requests, responses, timeouts, retries;
	int hops; /* -1 until the target is learned */
	bool found;
	uint64_t started;
	uint64_t deadline; /* of the search, then of the STOREs */
	uint64_t wake;     /* vh_dht_tick() steps it then: a retry or the deadline */
	struct vh_dht_record rec;
	/* LK_VALUE: the item found; LK_PUT, LK_PUBLISH: the item or record to store */
	uint8_t item[VH_DHT_REC_MAX];
	uint16_t item_len;
	/* LK_PUBLISH, LK_PUT after the search: STOREs to the closest responders */
	bool storing;
	uint8_t nst;
	struct cand st[VH_DHT_K];
};

/* ---- the instance (dht.c) ---- */

enum rpc_kind {
	RPC_LOOKUP, /* FIND_NODE / FIND_VALUE of a lookup */
	RPC_EVICT,  /* ping of a bucket's oldest contact */
	RPC_PING,   /* discovery ping (bootstrap, pex result, beacon, add_peer) */
	RPC_BOOT,   /* bootstrap ping: a reply starts the self lookup */
	RPC_PEX,    /* FIND_NODE(self) to a random contact */
	RPC_STORE,
};

/*
 * A request in flight, or (waiting) one that timed out and goes out again at
 * `deadline`. Lookups and STOREs retry through their lookup instead.
 */
struct rpc {
	uint32_t txid; /* 0 while waiting */
	uint8_t kind;
	uint8_t type; /* request type */
	bool has_id;
	bool waiting;
	uint8_t tries;
	struct vh_dht_contact to;
	uint32_t lookup; /* lookup id (RPC_LOOKUP, RPC_STORE) */
	uint64_t first;  /* first sent */
	uint64_t deadline;
};

struct vh_dht {
	struct vh_dht_config cfg;
	uint8_t self[VH_DHT_ID_LEN];
	uint8_t sk[VH_DHT_SEC_LEN];
	bool has_key;
	struct vh_dht_contact self_c;
	struct vh_dht_contact lan;
	struct vh_dht_contact *boot;
	size_t nboot;
	struct table t;
	struct store s;
	struct store_limits lim;
	struct rpc *rpc; /* dense: rpc[0..nrpc), grows to max_pending */
	uint32_t nrpc, rpc_cap;
	struct lookup **lk; /* max_lookups slots, NULL when free */
	uint32_t next_lookup_id;
	uint64_t now;
	uint64_t next_refresh, next_walk, next_pex, next_boot, next_beacon, next_expire;
	uint64_t next_republish;
	bool started, booting;
	bool joined; /* a self lookup was answered: bootstrapping is over */
	/* own record */
	bool published;
	struct vh_dht_record own;
	uint8_t own_bytes[VH_DHT_REC_MAX];
	uint16_t own_len;
	struct vh_dht_stats st;
};

/* dht.c helpers used by dht_lookup.c */
int dht_request(struct vh_dht *d, enum rpc_kind kind, const struct vh_dht_contact *to, bool has_id,
	const struct vh_dht_msg *m, uint32_t lookup);
uint32_t dht_rand32(struct vh_dht *d);
uint64_t dht_backoff(const struct vh_dht *d, unsigned tries);

/* dht.c helpers used by dht_timers.c */
uint64_t dht_jitter(struct vh_dht *d, uint32_t period);
int dht_send_msg(struct vh_dht *d, const uint8_t *to_id, const struct vh_dht_contact *to,
	const struct vh_dht_msg *m);
int dht_ping(struct vh_dht *d, enum rpc_kind kind, const struct vh_dht_contact *to, bool has_id);
void dht_failed(struct vh_dht *d, const uint8_t *id);
void dht_evict_done(struct vh_dht *d, const uint8_t *id, bool dead);
void dht_self_lookup(struct vh_dht *d);
int dht_publish_now(struct vh_dht *d);

/* dht_timers.c, used by vh_dht_bootstrap() */
void dht_bootstrap_now(struct vh_dht *d);
/* dht.c, used by dht_timers.c: a request timed out; true when it stays (waiting) */
bool dht_rpc_retry(struct vh_dht *d, struct rpc *r);
/* send waiting request i again; false when it is given up (remove it) */
bool dht_rpc_resend(struct vh_dht *d, uint32_t i);

/* dht_lookup.c; item: what LK_PUT or LK_PUBLISH stores (else NULL) */
int lookup_start(struct vh_dht *d, uint8_t kind, const uint8_t *target, unsigned flags,
	vh_dht_lookup_cb cb, void *arg, const uint8_t *item, size_t item_len);
/* an answer (NODES, VALUE; STORED when store) from `from` */
void lookup_response(struct vh_dht *d, uint32_t lookup, bool store, const uint8_t *from,
	const struct vh_dht_msg *m);
void lookup_timeout(struct vh_dht *d, uint32_t lookup, bool store, const uint8_t *from);
struct lookup *lookup_get(struct vh_dht *d, uint32_t id);
/* step every lookup whose wake time has come (retries, deadlines) */
void lookup_tick(struct vh_dht *d);
uint64_t lookup_next_wake(const struct vh_dht *d);

#endif /* VH_DHT_INTERNAL_H */
