/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The record store: at most `max` records in all and `per_source` from any
 * one sender, so a flood of STOREs costs the flooder, not our memory. The
 * array grows on demand up to `max`; lookups are linear scans, which at the
 * default 4096 records stay in the microseconds and keep the code obvious.
 * Cheap checks come before the signature check so a flood of junk costs no
 * Ed25519 verification once the limits are reached.
 */
#include <errno.h>
#include <stdlib.h>

#include "dht_internal.h"

int
store_init(struct store *s, uint32_t max, uint32_t per_source)
{
	memset(s, 0, sizeof(*s));
	s->max = max;
	s->per_source = per_source;
	return 0;
}

void
store_free(struct store *s)
{
	free(s->r);
	memset(s, 0, sizeof(*s));
}

static struct stored *
find(const struct store *s, const uint8_t *key)
{
	for (uint32_t i = 0; i < s->n; i++)
		if (s->r[i].key[0] == key[0] && id_eq(s->r[i].key, key))
			return &s->r[i];
	return NULL;
}

const struct stored *
store_get(const struct store *s, const uint8_t *key)
{
	return find(s, key);
}

static uint32_t
count_source(const struct store *s, const uint8_t *src)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < s->n; i++)
		if (s->r[i].src[0] == src[0] && id_eq(s->r[i].src, src))
			n++;
	return n;
}

static struct stored *
new_slot(struct store *s)
{
	if (s->n >= s->max)
		return NULL;
	if (s->n == s->cap) {
		uint32_t cap = s->cap == 0 ? 8 : s->cap * 2;
		struct stored *r;

		if (cap > s->max)
			cap = s->max;
		r = realloc(s->r, (size_t)cap * sizeof(*r));
		if (r == NULL)
			return NULL;
		s->r = r;
		s->cap = cap;
	}
	return &s->r[s->n++];
}

static void
fill(struct stored *e, const uint8_t *src, const struct vh_dht_record *rec, const uint8_t *buf,
	size_t len, uint64_t now, const struct store_limits *lim)
{
	uint64_t end = rec->timestamp_ms + lim->max_age_ms;

	/* an item's key is in node_id (see item_as_record) */
	memcpy(e->key, rec->node_id, VH_DHT_ID_LEN);
	memcpy(e->src, src, VH_DHT_ID_LEN);
	e->seq = rec->seq;
	e->timestamp = rec->timestamp_ms;
	e->expires = now + lim->ttl_ms < end ? now + lim->ttl_ms : end;
	e->len = (uint16_t)len;
	memcpy(e->bytes, buf, len);
}

/* An existing record: stale, a refresh, or a candidate for update (-1). */
static int
against_existing(struct stored *old, const struct vh_dht_record *rec, const uint8_t *buf,
	size_t len, uint64_t now, const struct store_limits *lim, int *what)
{
	if (rec->seq < old->seq)
		return 1 + VH_DHT_REJ_STALE_SEQ;
	if (rec->seq > old->seq)
		return -1;
	if (old->len != len || memcmp(old->bytes, buf, len) != 0)
		return 1 + VH_DHT_REJ_STALE_SEQ; /* same sequence, other content */
	old->expires = now + lim->ttl_ms;
	if (old->expires > old->timestamp + lim->max_age_ms)
		old->expires = old->timestamp + lim->max_age_ms;
	*what = 2;
	return 0;
}

/*
 * A signed item, seen through the fields the store keeps of a record: its
 * key in place of the NodeID, its sequence and timestamp.
 */
static int
item_as_record(const uint8_t *buf, size_t len, struct vh_dht_record *rec, struct vh_dht_item *it)
{
	int rc = item_decode(buf, len, it);

	if (rc != 0)
		return rc;
	memcpy(rec->node_id, it->key, VH_DHT_ID_LEN);
	rec->seq = it->seq;
	rec->timestamp_ms = it->timestamp_ms;
	return 0;
}

static int
verify(const uint8_t *buf, size_t len, const struct vh_dht_record *rec,
	const struct vh_dht_item *it)
{
	return buf[0] == VH_DHT_ITEM_TAG ? item_verify_sig(it, buf, len)
					 : record_verify_sig(rec, buf, len);
}

int
store_put(struct store *s, const uint8_t *src, const uint8_t *buf, size_t len, uint64_t now,
	const struct store_limits *lim, int *what)
{
	struct vh_dht_record rec;
	struct vh_dht_item it;
	struct stored *e;
	int rc = len > 0 && buf[0] == VH_DHT_ITEM_TAG ? item_as_record(buf, len, &rec, &it)
						      : record_decode(buf, len, &rec);

	if (rc == 0)
		rc = record_check_time(&rec, now, lim->max_age_ms, lim->max_skew_ms);
	if (rc != 0)
		return rc;
	e = find(s, rec.node_id);
	if (e != NULL) {
		rc = against_existing(e, &rec, buf, len, now, lim, what);
		if (rc >= 0)
			return rc;
	} else if (s->n >= s->max) {
		return 1 + VH_DHT_REJ_STORE_FULL;
	} else if (count_source(s, src) >= s->per_source) {
		return 1 + VH_DHT_REJ_SOURCE_LIMIT;
	}
	rc = verify(buf, len, &rec, &it);
	if (rc != 0)
		return rc;
	*what = e != NULL ? 1 : 0;
	if (e == NULL)
		e = new_slot(s);
	if (e == NULL)
		return 1 + VH_DHT_REJ_STORE_FULL;
	fill(e, src, &rec, buf, len, now, lim);
	return 0;
}

unsigned
store_expire(struct store *s, uint64_t now)
{
	unsigned gone = 0;

	for (uint32_t i = 0; i < s->n;) {
		if (s->r[i].expires <= now) {
			s->r[i] = s->r[--s->n];
			gone++;
		} else {
			i++;
		}
	}
	return gone;
}
