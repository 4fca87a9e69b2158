/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test helpers for lib/ygg: a deterministic RNG, a transport that records
 * what the DHT sends, NodeIDs placed in chosen buckets, signing keys, and a
 * small in-process network of real DHT instances with a fake clock.
 */
#ifndef DHT_TEST_H
#define DHT_TEST_H

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "vh_ygg.h"

#define T0 1700000000000ULL /* fake Unix ms */

static inline uint64_t
mix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline void
fill_rand(uint64_t *s, void *buf, size_t len)
{
	uint8_t *p = buf;

	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)mix64(s);
}

/* ---- a recording transport ---- */

struct sent {
	bool has_id;
	uint8_t to_id[VH_DHT_ID_LEN];
	uint8_t addr[VH_DHT_ADDR_MAX];
	size_t addr_len;
	uint8_t msg[VH_DHT_MSG_MAX];
	size_t len;
};

#define SENT_MAX 512

struct fake {
	uint64_t rng;
	int fail_send;
	size_t n;
	struct sent q[SENT_MAX];
};

static inline int
fake_send(void *ctx, const uint8_t *to_id, const uint8_t *to_addr, size_t addr_len,
	const uint8_t *msg, size_t len)
{
	struct fake *f = ctx;
	struct sent *s;

	if (f->fail_send)
		return -EIO;
	assert_true(f->n < SENT_MAX);
	assert_true(len <= VH_DHT_MSG_MAX);
	assert_true(addr_len <= VH_DHT_ADDR_MAX);
	s = &f->q[f->n++];
	s->has_id = to_id != NULL;
	if (to_id != NULL)
		memcpy(s->to_id, to_id, VH_DHT_ID_LEN);
	memcpy(s->addr, to_addr, addr_len);
	s->addr_len = addr_len;
	memcpy(s->msg, msg, len);
	s->len = len;
	return 0;
}

static inline void
fake_rand(void *ctx, void *buf, size_t len)
{
	fill_rand(&((struct fake *)ctx)->rng, buf, len);
}

/* Remove and return message i of the queue (copied into *out). */
static inline void
fake_take(struct fake *f, size_t i, struct sent *out)
{
	*out = f->q[i];
	memmove(&f->q[i], &f->q[i + 1], (f->n - i - 1) * sizeof(f->q[0]));
	f->n--;
}

static inline struct vh_dht_config
fake_config(struct fake *f, const uint8_t *node_id)
{
	struct vh_dht_config c = {0};

	c.node_id = node_id;
	c.send = fake_send;
	c.rand = fake_rand;
	c.ctx = f;
	return c;
}

/* ---- identifiers ---- */

/* An id in bucket b of self: same bits above b, bit b flipped, random below. */
static inline void
id_in_bucket(const uint8_t *self, int b, uint64_t *rng, uint8_t *out)
{
	int byte = VH_DHT_ID_LEN - 1 - b / 8;
	uint8_t bit = (uint8_t)(1u << (b % 8));

	fill_rand(rng, out, VH_DHT_ID_LEN);
	memcpy(out, self, (size_t)byte);
	out[byte] = (uint8_t)((self[byte] & ~(bit | (bit - 1))) | ((self[byte] ^ bit) & bit) |
			      (out[byte] & (bit - 1)));
}

static inline void
contact_of(struct vh_dht_contact *c, const uint8_t *id, unsigned n)
{
	memcpy(c->id, id, VH_DHT_ID_LEN);
	c->addr_len = (uint8_t)snprintf(
		(char *)c->addr, sizeof(c->addr), "/udp/10.0.%u.%u:22088", (n >> 8) & 255, n & 255);
}

/* ---- keys ---- */

struct key {
	uint8_t pk[VH_DHT_PUB_LEN], sk[VH_DHT_SEC_LEN], id[VH_DHT_ID_LEN];
};

static inline void
key_from(struct key *k, uint8_t tag)
{
	uint8_t seed[32];

	memset(seed, tag, sizeof(seed));
	crypto_sign_seed_keypair(k->pk, k->sk, seed);
	vh_dht_node_id_of(k->pk, k->id);
}

/* Sign a record of k with one address; returns its length. */
static inline int
make_record(const struct key *k, uint64_t seq, uint64_t ts, const char *addr, uint8_t *out)
{
	struct vh_dht_record r = {.seq = seq, .timestamp_ms = ts, .naddrs = 1};

	r.addr_len[0] = (uint8_t)strlen(addr);
	memcpy(r.addrs[0], addr, r.addr_len[0]);
	return vh_dht_record_sign(&r, k->sk, out, VH_DHT_REC_MAX);
}

#endif /* DHT_TEST_H */
