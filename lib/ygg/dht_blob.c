/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Export and import of the routing table and the record store as one byte
 * blob (layout in docs/dht.md), so persistence (LMDB) is a thin layer that
 * stores and loads bytes. Import parses the whole blob before it changes
 * anything, and records pass the same checks as a STORE.
 */
#include <errno.h>

#include "dht_internal.h"

#define BLOB_MAGIC "VHDT"
#define BLOB_VERSION 1
#define BLOB_HDR (4 + 1 + VH_DHT_ID_LEN)

struct out {
	uint8_t *p;
	size_t len, cap;
};

static void
emit(struct out *o, const void *src, size_t n)
{
	if (o->p != NULL && n <= o->cap - o->len && o->len <= o->cap)
		memcpy(o->p + o->len, src, n);
	o->len += n;
}

static void
emit32(struct out *o, uint32_t v)
{
	uint8_t b[4];

	vh_put_be32(b, v);
	emit(o, b, 4);
}

static void
emit_contacts(struct out *o, const struct table *t)
{
	emit32(o, t->size);
	for (int i = 0; i < VH_DHT_BUCKETS; i++) {
		for (unsigned j = 0; j < t->b[i].n; j++) {
			const struct entry *e = &t->b[i].e[j];
			uint8_t ts[8];

			emit(o, e->c.id, VH_DHT_ID_LEN);
			emit(o, &e->c.addr_len, 1);
			emit(o, e->c.addr, e->c.addr_len);
			vh_put_be64(ts, e->last_seen);
			emit(o, ts, 8);
		}
	}
}

static void
emit_records(struct out *o, const struct store *s)
{
	emit32(o, s->n);
	for (uint32_t i = 0; i < s->n; i++) {
		uint8_t l[2] = {(uint8_t)(s->r[i].len >> 8), (uint8_t)s->r[i].len};

		emit(o, s->r[i].src, VH_DHT_ID_LEN);
		emit(o, l, 2);
		emit(o, s->r[i].bytes, s->r[i].len);
	}
}

long
vh_dht_export(const struct vh_dht *d, uint8_t *out, size_t cap)
{
	struct out o = {.p = out, .cap = out == NULL ? 0 : cap};
	uint8_t v = BLOB_VERSION;

	emit(&o, BLOB_MAGIC, 4);
	emit(&o, &v, 1);
	emit(&o, d->self, VH_DHT_ID_LEN);
	emit_contacts(&o, &d->t);
	emit_records(&o, &d->s);
	if (out != NULL && o.len > cap)
		return -ENOSPC;
	return (long)o.len;
}

/* A contact as the wire carries it, then the blob's 8-byte last-seen time. */
static int
read_contact(struct dht_rd *i, struct vh_dht_contact *c)
{
	if (dht_read_contact(i, c) != 0 || dht_take(i, 8) == NULL)
		return -EBADMSG;
	return 0;
}

static int
contacts(struct vh_dht *d, struct dht_rd *i, bool apply)
{
	const uint8_t *n = dht_take(i, 4);
	struct vh_dht_contact c;
	int loaded = 0, b;

	if (n == NULL)
		return -EBADMSG;
	for (uint32_t k = vh_get_be32(n); k > 0; k--) {
		if (read_contact(i, &c) != 0)
			return -EBADMSG;
		if (apply && table_seen(&d->t, &c, d->now, &b) == SEEN_INSERTED)
			loaded++;
	}
	return loaded;
}

static int
records(struct vh_dht *d, struct dht_rd *i, bool apply)
{
	const uint8_t *n = dht_take(i, 4);
	int loaded = 0;

	if (n == NULL)
		return -EBADMSG;
	for (uint32_t k = vh_get_be32(n); k > 0; k--) {
		const uint8_t *src = dht_take(i, VH_DHT_ID_LEN);
		const uint8_t *l = dht_take(i, 2);
		const uint8_t *rec;
		size_t len;

		if (src == NULL || l == NULL)
			return -EBADMSG;
		len = (size_t)l[0] << 8 | l[1];
		rec = dht_take(i, len);
		if (rec == NULL)
			return -EBADMSG;
		if (apply && vh_dht_store_record(d, src, rec, len, d->now) == 0)
			loaded++;
	}
	return loaded;
}

static int
parse(struct vh_dht *d, const uint8_t *buf, size_t len, bool apply)
{
	struct dht_rd i = {.p = buf, .len = len, .off = BLOB_HDR};
	int nc, nr;

	nc = contacts(d, &i, apply);
	if (nc < 0)
		return nc;
	nr = records(d, &i, apply);
	if (nr < 0)
		return nr;
	return i.off == len ? nc + nr : -EBADMSG;
}

int
vh_dht_import(struct vh_dht *d, const uint8_t *buf, size_t len, uint64_t now)
{
	int rc;

	if (now > d->now)
		d->now = now;
	if (buf == NULL || len < BLOB_HDR || memcmp(buf, BLOB_MAGIC, 4) != 0 ||
		buf[4] != BLOB_VERSION)
		return -EBADMSG;
	if (!id_eq(buf + 5, d->self))
		return -EXDEV;
	rc = parse(d, buf, len, false);
	if (rc < 0)
		return rc;
	return parse(d, buf, len, true);
}
