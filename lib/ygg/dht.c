/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The DHT instance: configuration, the table of requests in flight and
 * message dispatch; the timers are in dht_timers.c. Lookups live in dht_lookup.c, the routing table
 * in dht_table.c, the record store in dht_store.c.
 */
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>

#include "dht_internal.h"

#define EXPIRE_SCAN_MS 60000
#define FRESH_MS 30000 /* an oldest contact seen this recently is not pinged */
#define PEX_PINGS 4    /* new contacts pinged per peer-exchange answer */

static void
defaults(struct vh_dht_config *c)
{
#define DEF(f, v)      \
	if (c->f == 0) \
	c->f = (v)
	DEF(alpha, VH_DHT_ALPHA);
	DEF(rpc_timeout_ms, 1000);
	DEF(refresh_ms, 15 * 60 * 1000);
	DEF(walk_ms, 10 * 60 * 1000);
	DEF(pex_ms, 5 * 60 * 1000);
	DEF(rebootstrap_ms, 30 * 1000);
	DEF(record_ttl_ms, 60 * 60 * 1000);
	DEF(record_max_age_ms, 24 * 60 * 60 * 1000);
	DEF(record_max_skew_ms, 10 * 60 * 1000);
	DEF(republish_ms, 30 * 60 * 1000);
	DEF(max_records, 4096);
	DEF(max_records_per_source, 64);
	DEF(max_lookups, 32);
	DEF(max_pending, 512);
	DEF(max_fails, 5);
	DEF(max_tries, 3);
	DEF(lookup_deadline_ms, 10 * 1000);
	DEF(lan_interval_ms, 30 * 1000);
#undef DEF
}

uint32_t
dht_rand32(struct vh_dht *d)
{
	uint32_t r;

	d->cfg.rand(d->cfg.ctx, &r, sizeof(r));
	return r;
}

uint64_t
dht_jitter(struct vh_dht *d, uint32_t period)
{
	return period / 2 + dht_rand32(d) % (period + 1);
}

/*
 * Wait before asking a contact that did not answer again: half the request
 * timeout, doubling with every try up to the timeout, so a contact that is
 * down is asked at most every two timeouts, and a lookup's target still
 * gets five or six tries within a 10 s deadline.
 */
uint64_t
dht_backoff(const struct vh_dht *d, unsigned tries)
{
	uint64_t t = d->cfg.rpc_timeout_ms / 2;

	for (unsigned i = 1; i < tries && t < d->cfg.rpc_timeout_ms; i++)
		t *= 2;
	return t < d->cfg.rpc_timeout_ms ? t : d->cfg.rpc_timeout_ms;
}

static bool
valid_addr(size_t len)
{
	return len > 0 && len <= VH_DHT_ADDR_MAX;
}

static int
set_identity(struct vh_dht *d, const struct vh_dht_config *cfg)
{
	if (cfg->secret_key != NULL) {
		memcpy(d->sk, cfg->secret_key, VH_DHT_SEC_LEN);
		d->has_key = true;
		vh_dht_node_id_of(d->sk + 32, d->self);
	} else if (cfg->node_id != NULL) {
		memcpy(d->self, cfg->node_id, VH_DHT_ID_LEN);
	} else {
		return -EINVAL;
	}
	memcpy(d->self_c.id, d->self, VH_DHT_ID_LEN);
	if (cfg->self_addr != NULL && valid_addr(cfg->self_addr_len)) {
		d->self_c.addr_len = (uint8_t)cfg->self_addr_len;
		memcpy(d->self_c.addr, cfg->self_addr, cfg->self_addr_len);
	}
	return 0;
}

static int
set_lists(struct vh_dht *d, const struct vh_dht_config *cfg)
{
	if (cfg->lan_discovery) {
		if (cfg->lan_addr == NULL || !valid_addr(cfg->lan_addr_len) ||
			d->self_c.addr_len == 0)
			return -EINVAL;
		d->lan.addr_len = (uint8_t)cfg->lan_addr_len;
		memcpy(d->lan.addr, cfg->lan_addr, cfg->lan_addr_len);
	}
	if (cfg->nbootstrap > 0) {
		if (cfg->bootstrap == NULL)
			return -EINVAL;
		for (size_t i = 0; i < cfg->nbootstrap; i++)
			if (!valid_addr(cfg->bootstrap[i].addr_len))
				return -EINVAL;
		d->boot = malloc(cfg->nbootstrap * sizeof(*d->boot));
		if (d->boot == NULL)
			return -ENOMEM;
		memcpy(d->boot, cfg->bootstrap, cfg->nbootstrap * sizeof(*d->boot));
		d->nboot = cfg->nbootstrap;
	}
	d->cfg.bootstrap = NULL;
	d->cfg.self_addr = NULL;
	d->cfg.lan_addr = NULL;
	d->cfg.secret_key = NULL;
	d->cfg.node_id = NULL;
	return 0;
}

static void
init_timers(struct vh_dht *d, uint64_t now)
{
	d->now = now;
	d->next_boot = now;
	d->next_refresh = now + d->cfg.refresh_ms;
	d->next_walk = now + dht_jitter(d, d->cfg.walk_ms);
	d->next_pex = now + dht_jitter(d, d->cfg.pex_ms);
	d->next_beacon = now;
	d->next_expire = now + EXPIRE_SCAN_MS;
	d->next_republish = UINT64_MAX;
}

struct vh_dht *
vh_dht_create(const struct vh_dht_config *cfg, uint64_t now)
{
	struct vh_dht *d;
	int rc;

	if (cfg == NULL || cfg->send == NULL || cfg->rand == NULL) {
		errno = EINVAL;
		return NULL;
	}
	if (sodium_init() < 0 || (d = calloc(1, sizeof(*d))) == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	d->cfg = *cfg;
	defaults(&d->cfg);
	rc = set_identity(d, cfg);
	if (rc == 0)
		rc = set_lists(d, cfg);
	if (rc == 0 && d->cfg.alpha > VH_DHT_K)
		rc = -EINVAL;
	d->lk = calloc(d->cfg.max_lookups, sizeof(*d->lk));
	if (rc == 0 && d->lk == NULL)
		rc = -ENOMEM;
	if (rc != 0) {
		vh_dht_destroy(d);
		errno = -rc;
		return NULL;
	}
	table_init(&d->t, d->self);
	store_init(&d->s, d->cfg.max_records, d->cfg.max_records_per_source);
	d->lim.ttl_ms = d->cfg.record_ttl_ms;
	d->lim.max_age_ms = d->cfg.record_max_age_ms;
	d->lim.max_skew_ms = d->cfg.record_max_skew_ms;
	init_timers(d, now);
	return d;
}

void
vh_dht_destroy(struct vh_dht *d)
{
	if (d == NULL)
		return;
	table_free(&d->t);
	store_free(&d->s);
	free(d->rpc);
	for (uint32_t i = 0; d->lk != NULL && i < d->cfg.max_lookups; i++)
		free(d->lk[i]);
	free(d->lk);
	free(d->boot);
	sodium_memzero(d->sk, sizeof(d->sk));
	free(d);
}

void
vh_dht_reset(struct vh_dht *d, uint64_t now)
{
	if (d == NULL)
		return;
	table_clear(&d->t);
	d->s.n = 0;
	d->nrpc = 0;
	for (uint32_t i = 0; i < d->cfg.max_lookups; i++) {
		free(d->lk[i]);
		d->lk[i] = NULL;
	}
	d->next_lookup_id = 0;
	d->started = d->booting = d->joined = false;
	d->published = false;
	memset(&d->own, 0, sizeof(d->own));
	d->own_len = 0;
	memset(&d->st, 0, sizeof(d->st));
	init_timers(d, now);
}

const uint8_t *
vh_dht_node_id(const struct vh_dht *d)
{
	return d->self;
}

/* ---- sending ---- */

int
dht_send_msg(struct vh_dht *d, const uint8_t *to_id, const struct vh_dht_contact *to,
	const struct vh_dht_msg *m)
{
	uint8_t buf[VH_DHT_MSG_MAX];
	int len = vh_dht_msg_encode(m, buf, sizeof(buf));
	int rc;

	if (len < 0)
		return len;
	rc = d->cfg.send(d->cfg.ctx, to_id, to->addr, to->addr_len, buf, (size_t)len);
	if (rc != 0) {
		d->st.tx_failed++;
		return rc;
	}
	d->st.tx[m->type]++;
	return 0;
}

static uint32_t
new_txid(struct vh_dht *d)
{
	for (;;) {
		uint32_t t = dht_rand32(d) & 0x7fffffff; /* returned as a positive int */
		bool used = t == 0;

		for (uint32_t i = 0; i < d->nrpc && !used; i++)
			used = d->rpc[i].txid == t;
		if (!used)
			return t;
	}
}

static bool
rpc_room(struct vh_dht *d)
{
	uint32_t cap = d->rpc_cap == 0 ? 16 : d->rpc_cap * 2;
	struct rpc *r;

	if (d->nrpc < d->rpc_cap)
		return true;
	if (cap > d->cfg.max_pending)
		cap = d->cfg.max_pending;
	r = realloc(d->rpc, cap * sizeof(*r));
	if (r == NULL)
		return false;
	d->rpc = r;
	d->rpc_cap = cap;
	return true;
}

int
dht_request(struct vh_dht *d, enum rpc_kind kind, const struct vh_dht_contact *to, bool has_id,
	const struct vh_dht_msg *m, uint32_t lookup)
{
	struct vh_dht_msg req = *m;
	struct rpc *r;
	int rc;

	if (d->nrpc >= d->cfg.max_pending || !rpc_room(d)) {
		d->st.pending_full++;
		return -ENOBUFS;
	}
	req.txid = new_txid(d);
	rc = dht_send_msg(d, has_id ? to->id : NULL, to, &req);
	if (rc != 0)
		return rc;
	r = &d->rpc[d->nrpc++];
	memset(r, 0, sizeof(*r));
	r->txid = req.txid;
	r->kind = (uint8_t)kind;
	r->type = req.type;
	r->has_id = has_id;
	r->tries = 1;
	r->to = *to;
	r->lookup = lookup;
	r->first = d->now;
	r->deadline = d->now + d->cfg.rpc_timeout_ms;
	return (int)r->txid;
}

/*
 * Lookups and STOREs ask again through their lookup; pings and peer
 * exchange requests wait here, without a txid, until they are sent again.
 * A bootstrap ping is the way into the network: asked until the deadline.
 */
bool
dht_rpc_retry(struct vh_dht *d, struct rpc *r)
{
	bool boot = r->kind == RPC_BOOT && d->now < r->first + d->cfg.lookup_deadline_ms;

	if (r->kind == RPC_LOOKUP || r->kind == RPC_STORE ||
		(r->tries >= d->cfg.max_tries && !boot))
		return false;
	r->waiting = true;
	r->txid = 0;
	r->deadline = d->now + dht_backoff(d, r->tries);
	return true;
}

bool
dht_rpc_resend(struct vh_dht *d, uint32_t i)
{
	struct rpc *r = &d->rpc[i];
	struct vh_dht_msg m = {.type = r->type};

	if (m.type == VH_DHT_FIND_NODE)
		memcpy(m.target, d->self, VH_DHT_ID_LEN); /* peer exchange */
	m.txid = new_txid(d);
	r->tries++;
	if (dht_send_msg(d, r->has_id ? r->to.id : NULL, &r->to, &m) != 0)
		return dht_rpc_retry(d, r);
	d->st.rpc_retries++;
	r->waiting = false;
	r->txid = m.txid;
	r->deadline = d->now + d->cfg.rpc_timeout_ms;
	return true;
}

int
dht_ping(struct vh_dht *d, enum rpc_kind kind, const struct vh_dht_contact *to, bool has_id)
{
	struct vh_dht_msg m = {.type = VH_DHT_PING};

	return dht_request(d, kind, to, has_id, &m, 0);
}

/* ---- routing table upkeep ---- */

static void
seen(struct vh_dht *d, const struct vh_dht_contact *c)
{
	int b;
	enum seen_result r = table_seen(&d->t, c, d->now, &b);
	struct bucket *bk;
	int tx;

	if (r == SEEN_INSERTED)
		d->st.table_inserted++;
	if (r != SEEN_FULL)
		return;
	bk = &d->t.b[b];
	if (bk->evict_txid != 0 || bk->e[0].last_seen + FRESH_MS > d->now)
		return;
	tx = dht_ping(d, RPC_EVICT, &bk->e[0].c, true);
	if (tx > 0)
		bk->evict_txid = (uint32_t)tx;
}

/* Remove a dead contact; its bucket's newest replacement takes its place. */
static void
drop_contact(struct vh_dht *d, const uint8_t *id)
{
	int b = vh_dht_bucket_index(d->self, id);
	uint8_t nrepl = b >= 0 ? d->t.b[b].nrepl : 0;

	if (table_evict(&d->t, id)) {
		d->st.table_evicted++;
		d->st.table_replaced += nrepl > 0;
	}
}

void
dht_evict_done(struct vh_dht *d, const uint8_t *id, bool dead)
{
	int b = vh_dht_bucket_index(d->self, id);

	if (b >= 0)
		d->t.b[b].evict_txid = 0;
	if (dead)
		drop_contact(d, id);
	else
		d->st.table_kept++;
}

void
dht_failed(struct vh_dht *d, const uint8_t *id)
{
	int b = vh_dht_bucket_index(d->self, id);
	struct entry *e = table_find(&d->t, id);

	if (e == NULL || b < 0)
		return;
	if (++e->fails >= d->cfg.max_fails || d->t.b[b].nrepl > 0)
		drop_contact(d, id);
}

/* ---- requests from peers ---- */

static size_t
msg_size(const struct vh_dht_msg *m, unsigned n)
{
	size_t s = 6 + 1 + (m->type == VH_DHT_VALUE ? 2u + m->rec_len : 0u);

	for (unsigned i = 0; i < n; i++)
		s += VH_DHT_ID_LEN + 1 + m->contacts[i].addr_len;
	return s;
}

static void
fill_closest(struct vh_dht *d, struct vh_dht_msg *m, const uint8_t *target, const uint8_t *from)
{
	unsigned n = (unsigned)table_closest(&d->t, target, m->contacts, VH_DHT_K, from);

	while (n > 0 && msg_size(m, n) > VH_DHT_MSG_MAX)
		n--;
	m->ncontacts = (uint8_t)n;
}

static void
on_find_value(struct vh_dht *d, const uint8_t *from, struct vh_dht_msg *m)
{
	const struct stored *s = store_get(&d->s, m->target);

	if (d->published && id_eq(m->target, d->self)) {
		m->rec = d->own_bytes;
		m->rec_len = d->own_len;
	} else if (s != NULL && s->expires > d->now) {
		m->rec = s->bytes;
		m->rec_len = s->len;
	}
	fill_closest(d, m, m->target, from);
}

static void
on_store(struct vh_dht *d, const uint8_t *from, struct vh_dht_msg *m)
{
	int what = 0;
	int rc = store_put(&d->s, from, m->rec, m->rec_len, d->now, &d->lim, &what);

	if (rc != 0) {
		d->st.rec_rejected[rc - 1]++;
	} else if (what == 0) {
		d->st.rec_stored++;
	} else if (what == 1) {
		d->st.rec_updated++;
	} else {
		d->st.rec_refreshed++;
	}
	m->status = (uint8_t)rc;
}

static void
on_request(struct vh_dht *d, const struct vh_dht_contact *from, const struct vh_dht_msg *req)
{
	struct vh_dht_msg m = {.txid = req->txid};

	switch (req->type) {
	case VH_DHT_PING:
		m.type = VH_DHT_PONG;
		break;
	case VH_DHT_FIND_NODE:
		m.type = VH_DHT_NODES;
		fill_closest(d, &m, req->target, from->id);
		break;
	case VH_DHT_FIND_VALUE:
		m.type = VH_DHT_VALUE;
		memcpy(m.target, req->target, VH_DHT_ID_LEN);
		on_find_value(d, from->id, &m);
		break;
	case VH_DHT_STORE:
		m.type = VH_DHT_STORED;
		m.rec = req->rec;
		m.rec_len = req->rec_len;
		on_store(d, from->id, &m);
		break;
	default:
		return;
	}
	dht_send_msg(d, from->id, from, &m);
}

/* ---- responses ---- */

static uint8_t
response_to(uint8_t req)
{
	switch (req) {
	case VH_DHT_PING:
		return VH_DHT_PONG;
	case VH_DHT_FIND_NODE:
		return VH_DHT_NODES;
	case VH_DHT_FIND_VALUE:
		return VH_DHT_VALUE;
	case VH_DHT_STORE:
		return VH_DHT_STORED;
	default:
		return 0;
	}
}

void
dht_self_lookup(struct vh_dht *d)
{
	if (!d->booting && lookup_start(d, LK_NODE, d->self, 0, NULL, NULL, NULL, 0) > 0)
		d->booting = true;
}

static void
on_pex(struct vh_dht *d, const struct vh_dht_msg *m)
{
	unsigned pinged = 0;

	for (unsigned i = 0; i < m->ncontacts && pinged < PEX_PINGS; i++) {
		const struct vh_dht_contact *c = &m->contacts[i];

		if (id_eq(c->id, d->self) || table_find(&d->t, c->id) != NULL)
			continue;
		if (dht_ping(d, RPC_PING, c, true) > 0)
			pinged++;
	}
}

static void
dispatch_response(
	struct vh_dht *d, const struct rpc *r, const uint8_t *from, const struct vh_dht_msg *m)
{
	switch (r->kind) {
	case RPC_LOOKUP:
	case RPC_STORE:
		lookup_response(d, r->lookup, r->kind == RPC_STORE, from, m);
		break;
	case RPC_EVICT:
		dht_evict_done(d, from, false);
		break;
	case RPC_BOOT:
		dht_self_lookup(d);
		break;
	case RPC_PEX:
		on_pex(d, m);
		break;
	default:
		break;
	}
}

static int
on_response(struct vh_dht *d, const uint8_t *from, const struct vh_dht_msg *m)
{
	for (uint32_t i = 0; i < d->nrpc; i++) {
		struct rpc r = d->rpc[i];

		if (r.waiting || r.txid != m->txid)
			continue;
		if ((r.has_id && !id_eq(r.to.id, from)) || response_to(r.type) != m->type)
			break;
		d->rpc[i] = d->rpc[--d->nrpc];
		dispatch_response(d, &r, from, m);
		return 0;
	}
	d->st.rx_unsolicited++;
	return -ENOENT;
}

static int
on_beacon(struct vh_dht *d, const struct vh_dht_msg *m)
{
	const struct vh_dht_contact *c = &m->contacts[0];

	d->st.rx[VH_DHT_BEACON]++;
	if (!d->cfg.lan_discovery || id_eq(c->id, d->self))
		return 0;
	d->st.beacons_heard++;
	/* A beacon is unauthenticated: the peer enters the table only by answering. */
	if (table_find(&d->t, c->id) == NULL)
		dht_ping(d, RPC_PING, c, true);
	return 0;
}

int
vh_dht_input(struct vh_dht *d, const uint8_t *from_id, const uint8_t *from_addr, size_t addr_len,
	const uint8_t *buf, size_t len, uint64_t now)
{
	struct vh_dht_msg m;
	struct vh_dht_contact from;

	if (now > d->now)
		d->now = now;
	if (vh_dht_msg_decode(buf, len, &m) != 0) {
		d->st.rx_malformed++;
		return -EBADMSG;
	}
	if (m.type == VH_DHT_BEACON)
		return on_beacon(d, &m);
	if (from_id == NULL || id_eq(from_id, d->self) || from_addr == NULL ||
		!valid_addr(addr_len)) {
		d->st.rx_no_sender++;
		return -EINVAL;
	}
	d->st.rx[m.type]++;
	memcpy(from.id, from_id, VH_DHT_ID_LEN);
	from.addr_len = (uint8_t)addr_len;
	memcpy(from.addr, from_addr, addr_len);
	seen(d, &from);
	if (response_to(m.type) != 0) {
		on_request(d, &from, &m);
		return 0;
	}
	return on_response(d, from_id, &m);
}

/* ---- user requests ---- */

int
vh_dht_find_node(struct vh_dht *d, const uint8_t target[VH_DHT_ID_LEN], unsigned flags,
	vh_dht_lookup_cb cb, void *arg, uint64_t now)
{
	if (now > d->now)
		d->now = now;
	return lookup_start(d, LK_NODE, target, flags, cb, arg, NULL, 0);
}

static bool
local_value(struct vh_dht *d, const uint8_t *key, vh_dht_lookup_cb cb, void *arg)
{
	const struct stored *s = store_get(&d->s, key);
	struct vh_dht_lookup_result res = {.target = key, .found = true};
	struct vh_dht_record rec;

	if (d->published && id_eq(key, d->self)) {
		rec = d->own;
	} else if (s != NULL && s->expires > d->now && s->len > 0 &&
		   s->bytes[0] == VH_DHT_ITEM_TAG) {
		res.item = s->bytes; /* a signed item, checked when stored */
		res.item_len = s->len;
		if (cb != NULL)
			cb(arg, &res);
		return true;
	} else if (s == NULL || s->expires <= d->now ||
		   record_decode(s->bytes, s->len, &rec) != 0) {
		return false;
	}
	res.record = &rec;
	if (cb != NULL)
		cb(arg, &res);
	return true;
}

int
vh_dht_find_value(struct vh_dht *d, const uint8_t key[VH_DHT_ID_LEN], vh_dht_lookup_cb cb,
	void *arg, uint64_t now)
{
	if (now > d->now)
		d->now = now;
	if (local_value(d, key, cb, arg))
		return 0;
	return lookup_start(d, LK_VALUE, key, 0, cb, arg, NULL, 0);
}

int
dht_publish_now(struct vh_dht *d)
{
	int len;

	d->own.seq = d->own.seq + 1 > d->now ? d->own.seq + 1 : d->now;
	d->own.timestamp_ms = d->now;
	len = vh_dht_record_sign(&d->own, d->sk, d->own_bytes, sizeof(d->own_bytes));
	if (len < 0)
		return len;
	d->own_len = (uint16_t)len;
	d->published = true;
	d->next_republish = d->now + d->cfg.republish_ms;
	len = lookup_start(d, LK_PUBLISH, d->self, 0, NULL, NULL, d->own_bytes, d->own_len);
	return len > 0 ? 0 : len == -EBUSY ? -EBUSY : -ENETUNREACH;
}

int
vh_dht_publish(struct vh_dht *d, const uint8_t *const *addrs, const size_t *addr_lens,
	size_t naddrs, uint64_t now)
{
	if (now > d->now)
		d->now = now;
	if (!d->has_key)
		return -EPERM;
	if (naddrs == 0 || naddrs > VH_DHT_REC_ADDRS)
		return -EINVAL;
	for (size_t i = 0; i < naddrs; i++)
		if (addrs[i] == NULL || !valid_addr(addr_lens[i]))
			return -EINVAL;
	d->own.naddrs = (uint8_t)naddrs;
	for (size_t i = 0; i < naddrs; i++) {
		d->own.addr_len[i] = (uint8_t)addr_lens[i];
		memcpy(d->own.addrs[i], addrs[i], addr_lens[i]);
	}
	return dht_publish_now(d);
}

int
vh_dht_add_peer(
	struct vh_dht *d, const uint8_t *id, const uint8_t *addr, size_t addr_len, uint64_t now)
{
	struct vh_dht_contact c;

	if (now > d->now)
		d->now = now;
	if (id == NULL || addr == NULL || !valid_addr(addr_len) || id_eq(id, d->self))
		return -EINVAL;
	memcpy(c.id, id, VH_DHT_ID_LEN);
	c.addr_len = (uint8_t)addr_len;
	memcpy(c.addr, addr, addr_len);
	return dht_ping(d, RPC_BOOT, &c, true) > 0 ? 0 : -ENOBUFS;
}

void
vh_dht_bootstrap(struct vh_dht *d, uint64_t now)
{
	if (now > d->now)
		d->now = now;
	d->started = true;
	dht_bootstrap_now(d);
}

size_t
vh_dht_closest(
	const struct vh_dht *d, const uint8_t *target, struct vh_dht_contact *out, size_t max)
{
	return table_closest(&d->t, target, out, max, NULL);
}

int
vh_dht_get_record(
	const struct vh_dht *d, const uint8_t key[VH_DHT_ID_LEN], struct vh_dht_record *rec)
{
	const struct stored *s = store_get(&d->s, key);

	if (s == NULL || s->expires <= d->now || record_decode(s->bytes, s->len, rec) != 0)
		return -ENOENT;
	return 0;
}

int
vh_dht_store_record(
	struct vh_dht *d, const uint8_t *source, const uint8_t *buf, size_t len, uint64_t now)
{
	struct vh_dht_msg m = {.rec = buf, .rec_len = (uint16_t)len};

	if (now > d->now)
		d->now = now;
	if (len > VH_DHT_REC_MAX) {
		d->st.rec_rejected[VH_DHT_REJ_OVERSIZED]++;
		return 1 + VH_DHT_REJ_OVERSIZED;
	}
	on_store(d, source, &m);
	return m.status;
}

void
vh_dht_get_stats(const struct vh_dht *d, struct vh_dht_stats *out)
{
	*out = d->st;
	out->table_size = d->t.size;
	out->records = d->s.n;
}
