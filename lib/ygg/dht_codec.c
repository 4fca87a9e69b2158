/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Message codec. Layout in docs/dht.md: version, type, txid, then a body
 * per type. The decoder checks every length before using it and refuses
 * trailing bytes, so one buffer has exactly one meaning.
 */
#include <errno.h>

#include "dht_internal.h"

#define HDR_LEN 6

struct wbuf {
	uint8_t *p;
	size_t len, cap;
	bool err;
};

static void
put(struct wbuf *w, const void *src, size_t n)
{
	if (w->err || n > w->cap - w->len) {
		w->err = true;
		return;
	}
	memcpy(w->p + w->len, src, n);
	w->len += n;
}

static void
put_u8(struct wbuf *w, uint8_t v)
{
	put(w, &v, 1);
}

static int
put_contacts(struct wbuf *w, const struct vh_dht_contact *c, unsigned n)
{
	if (n > VH_DHT_K)
		return -EINVAL;
	put_u8(w, (uint8_t)n);
	for (unsigned i = 0; i < n; i++) {
		if (c[i].addr_len == 0 || c[i].addr_len > VH_DHT_ADDR_MAX)
			return -EINVAL;
		put(w, c[i].id, VH_DHT_ID_LEN);
		put_u8(w, c[i].addr_len);
		put(w, c[i].addr, c[i].addr_len);
	}
	return 0;
}

static int
put_record(struct wbuf *w, const struct vh_dht_msg *m)
{
	uint8_t l[2];

	if (m->rec == NULL && m->rec_len != 0)
		return -EINVAL;
	if (m->rec_len > VH_DHT_REC_MAX)
		return -EMSGSIZE;
	l[0] = (uint8_t)(m->rec_len >> 8);
	l[1] = (uint8_t)m->rec_len;
	put(w, l, 2);
	if (m->rec_len > 0)
		put(w, m->rec, m->rec_len);
	return 0;
}

static int
put_body(struct wbuf *w, const struct vh_dht_msg *m)
{
	switch (m->type) {
	case VH_DHT_PING:
	case VH_DHT_PONG:
		return 0;
	case VH_DHT_FIND_NODE:
	case VH_DHT_FIND_VALUE:
		put(w, m->target, VH_DHT_ID_LEN);
		return 0;
	case VH_DHT_NODES:
		return put_contacts(w, m->contacts, m->ncontacts);
	case VH_DHT_VALUE: {
		int rc = put_record(w, m);

		return rc != 0 ? rc : put_contacts(w, m->contacts, m->ncontacts);
	}
	case VH_DHT_STORE:
		if (m->rec_len == 0)
			return -EINVAL;
		return put_record(w, m);
	case VH_DHT_STORED:
		put_u8(w, m->status);
		return 0;
	case VH_DHT_BEACON:
		if (m->ncontacts != 1 || m->contacts[0].addr_len == 0 ||
			m->contacts[0].addr_len > VH_DHT_ADDR_MAX)
			return -EINVAL;
		put(w, m->contacts[0].id, VH_DHT_ID_LEN);
		put_u8(w, m->contacts[0].addr_len);
		put(w, m->contacts[0].addr, m->contacts[0].addr_len);
		return 0;
	default:
		return -EINVAL;
	}
}

int
vh_dht_msg_encode(const struct vh_dht_msg *m, uint8_t *out, size_t cap)
{
	struct wbuf w = {.p = out, .cap = cap < VH_DHT_MSG_MAX ? cap : VH_DHT_MSG_MAX};
	uint8_t hdr[HDR_LEN] = {VH_DHT_VERSION, m->type};
	int rc;

	vh_put_be32(hdr + 2, m->txid);
	put(&w, hdr, HDR_LEN);
	rc = put_body(&w, m);
	if (rc != 0)
		return rc;
	return w.err ? -EMSGSIZE : (int)w.len;
}

int
dht_read_contact(struct dht_rd *r, struct vh_dht_contact *c)
{
	const uint8_t *id = dht_take(r, VH_DHT_ID_LEN);
	const uint8_t *l = dht_take(r, 1);
	const uint8_t *a;

	if (id == NULL || l == NULL || *l == 0 || *l > VH_DHT_ADDR_MAX)
		return -EBADMSG;
	a = dht_take(r, *l);
	if (a == NULL)
		return -EBADMSG;
	memcpy(c->id, id, VH_DHT_ID_LEN);
	c->addr_len = *l;
	memcpy(c->addr, a, *l);
	return 0;
}

static int
get_contacts(struct dht_rd *r, struct vh_dht_msg *m)
{
	const uint8_t *n = dht_take(r, 1);

	if (n == NULL || *n > VH_DHT_K)
		return -EBADMSG;
	m->ncontacts = *n;
	for (unsigned i = 0; i < *n; i++)
		if (dht_read_contact(r, &m->contacts[i]) != 0)
			return -EBADMSG;
	return 0;
}

static int
get_record(struct dht_rd *r, struct vh_dht_msg *m, bool required)
{
	const uint8_t *l = dht_take(r, 2);
	size_t n;

	if (l == NULL)
		return -EBADMSG;
	n = (size_t)l[0] << 8 | l[1];
	if (n > VH_DHT_REC_MAX || (n == 0 && required))
		return -EBADMSG;
	m->rec_len = (uint16_t)n;
	m->rec = n > 0 ? dht_take(r, n) : NULL;
	if (n > 0 && m->rec == NULL)
		return -EBADMSG;
	return 0;
}

static int
get_body(struct dht_rd *r, struct vh_dht_msg *m)
{
	const uint8_t *p;

	switch (m->type) {
	case VH_DHT_PING:
	case VH_DHT_PONG:
		return 0;
	case VH_DHT_FIND_NODE:
	case VH_DHT_FIND_VALUE:
		p = dht_take(r, VH_DHT_ID_LEN);
		if (p == NULL)
			return -EBADMSG;
		memcpy(m->target, p, VH_DHT_ID_LEN);
		return 0;
	case VH_DHT_NODES:
		return get_contacts(r, m);
	case VH_DHT_VALUE:
		return get_record(r, m, false) != 0 ? -EBADMSG : get_contacts(r, m);
	case VH_DHT_STORE:
		return get_record(r, m, true);
	case VH_DHT_STORED:
		p = dht_take(r, 1);
		if (p == NULL || *p > VH_DHT_REJ_MAX)
			return -EBADMSG;
		m->status = *p;
		return 0;
	case VH_DHT_BEACON:
		m->ncontacts = 1;
		return dht_read_contact(r, &m->contacts[0]);
	default:
		return -EBADMSG;
	}
}

int
vh_dht_msg_decode(const uint8_t *buf, size_t len, struct vh_dht_msg *m)
{
	struct dht_rd r = {.p = buf, .len = len};
	int rc;

	if (len > VH_DHT_MSG_MAX)
		return -EMSGSIZE;
	if (len < HDR_LEN)
		return -EBADMSG;
	if (buf[0] != VH_DHT_VERSION)
		return -EPROTONOSUPPORT;
	m->type = buf[1];
	m->txid = vh_get_be32(buf + 2);
	m->ncontacts = 0;
	m->rec = NULL;
	m->rec_len = 0;
	m->status = 0;
	r.off = HDR_LEN;
	rc = get_body(&r, m);
	if (rc != 0)
		return rc;
	return r.off == r.len ? 0 : -EBADMSG;
}
