/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Message codec: the documented layout byte by byte, round trips of every
 * type, every truncation and every extension rejected, bad fields refused
 * by both encoder and decoder.
 */
#include <errno.h>

#include "dht_test.h"

static uint8_t rec_buf[VH_DHT_REC_MAX];
static int rec_len;

static void
sample(uint8_t type, struct vh_dht_msg *m, unsigned ncontacts)
{
	uint64_t rng = type;

	memset(m, 0, sizeof(*m));
	m->type = type;
	m->txid = 0x01020304u * type;
	fill_rand(&rng, m->target, 32);
	m->ncontacts = (uint8_t)ncontacts;
	for (unsigned i = 0; i < ncontacts; i++) {
		uint8_t id[32];

		fill_rand(&rng, id, 32);
		contact_of(&m->contacts[i], id, i);
	}
	if (type == VH_DHT_STORE || type == VH_DHT_VALUE) {
		m->rec = rec_buf;
		m->rec_len = (uint16_t)rec_len;
	}
	if (type == VH_DHT_STORED)
		m->status = 1 + VH_DHT_REJ_BAD_SIG;
	if (type == VH_DHT_BEACON) {
		m->ncontacts = 1;
		contact_of(&m->contacts[0], m->target, 7);
	}
}

static void
assert_same(const struct vh_dht_msg *a, const struct vh_dht_msg *b)
{
	assert_int_equal(a->type, b->type);
	assert_int_equal(a->txid, b->txid);
	switch (a->type) {
	case VH_DHT_FIND_NODE:
	case VH_DHT_FIND_VALUE:
		assert_memory_equal(a->target, b->target, 32);
		break;
	case VH_DHT_STORED:
		assert_int_equal(a->status, b->status);
		break;
	default:
		break;
	}
	if (a->type == VH_DHT_NODES || a->type == VH_DHT_VALUE || a->type == VH_DHT_BEACON) {
		assert_int_equal(a->ncontacts, b->ncontacts);
		for (unsigned i = 0; i < a->ncontacts; i++) {
			assert_memory_equal(a->contacts[i].id, b->contacts[i].id, 32);
			assert_int_equal(a->contacts[i].addr_len, b->contacts[i].addr_len);
			assert_memory_equal(
				a->contacts[i].addr, b->contacts[i].addr, a->contacts[i].addr_len);
		}
	}
	if (a->type == VH_DHT_STORE || a->type == VH_DHT_VALUE) {
		assert_int_equal(a->rec_len, b->rec_len);
		if (a->rec_len)
			assert_memory_equal(a->rec, b->rec, a->rec_len);
	}
}

static int
setup(void **state)
{
	struct key k;

	(void)state;
	key_from(&k, 1);
	rec_len = make_record(&k, 5, T0, "/udp/192.0.2.1:22088", rec_buf);
	return rec_len > 0 ? 0 : -1;
}

static void
test_layout(void **state)
{
	struct vh_dht_msg m;
	uint8_t buf[VH_DHT_MSG_MAX];
	int n;

	(void)state;
	sample(VH_DHT_PING, &m, 0);
	m.txid = 0xa1b2c3d4;
	n = vh_dht_msg_encode(&m, buf, sizeof(buf));
	assert_int_equal(n, 6);
	assert_int_equal(buf[0], VH_DHT_VERSION);
	assert_int_equal(buf[1], VH_DHT_PING);
	assert_int_equal(buf[2], 0xa1);
	assert_int_equal(buf[5], 0xd4);
	sample(VH_DHT_NODES, &m, 2);
	n = vh_dht_msg_encode(&m, buf, sizeof(buf));
	assert_int_equal(n, 6 + 1 + 2 * 33 + m.contacts[0].addr_len + m.contacts[1].addr_len);
	assert_int_equal(buf[6], 2);
	assert_memory_equal(buf + 7, m.contacts[0].id, 32);
	assert_int_equal(buf[39], m.contacts[0].addr_len);
	sample(VH_DHT_STORE, &m, 0);
	n = vh_dht_msg_encode(&m, buf, sizeof(buf));
	assert_int_equal(n, 6 + 2 + rec_len);
	assert_int_equal(buf[6] << 8 | buf[7], rec_len);
	sample(VH_DHT_VALUE, &m, 0);
	m.rec = NULL;
	m.rec_len = 0;
	n = vh_dht_msg_encode(&m, buf, sizeof(buf));
	assert_int_equal(n, 6 + 2 + 1);
}

static void
test_round_trips_and_truncations(void **state)
{
	static const uint8_t types[] = {VH_DHT_PING, VH_DHT_PONG, VH_DHT_FIND_NODE, VH_DHT_NODES,
		VH_DHT_FIND_VALUE, VH_DHT_VALUE, VH_DHT_STORE, VH_DHT_STORED, VH_DHT_BEACON};
	unsigned checked = 0;

	(void)state;
	for (size_t t = 0; t < sizeof(types); t++) {
		for (unsigned nc = 0; nc <= VH_DHT_K; nc += 5) {
			struct vh_dht_msg m, d;
			uint8_t buf[VH_DHT_MSG_MAX + 1];
			int n;

			sample(types[t], &m, nc);
			n = vh_dht_msg_encode(&m, buf, sizeof(buf));
			assert_true(n > 0);
			assert_int_equal(vh_dht_msg_decode(buf, (size_t)n, &d), 0);
			assert_same(&m, &d);
			for (int cut = 0; cut < n; cut++)
				assert_int_not_equal(vh_dht_msg_decode(buf, (size_t)cut, &d), 0);
			buf[n] = 0;
			assert_int_equal(vh_dht_msg_decode(buf, (size_t)n + 1, &d), -EBADMSG);
			/* The encoder refuses to write into a buffer one byte short. */
			assert_int_equal(vh_dht_msg_encode(&m, buf, (size_t)n - 1), -EMSGSIZE);
			checked++;
		}
	}
	assert_int_equal(checked, 9 * 5);
}

static void
test_bad_fields(void **state)
{
	struct vh_dht_msg m, d;
	uint8_t buf[VH_DHT_MSG_MAX + 8];
	int n;

	(void)state;
	sample(VH_DHT_PING, &m, 0);
	n = vh_dht_msg_encode(&m, buf, sizeof(buf));
	buf[0] = 2;
	assert_int_equal(vh_dht_msg_decode(buf, (size_t)n, &d), -EPROTONOSUPPORT);
	buf[0] = VH_DHT_VERSION;
	buf[1] = 0;
	assert_int_equal(vh_dht_msg_decode(buf, (size_t)n, &d), -EBADMSG);
	buf[1] = VH_DHT_MSG_TYPES;
	assert_int_equal(vh_dht_msg_decode(buf, (size_t)n, &d), -EBADMSG);
	m.type = 0;
	assert_int_equal(vh_dht_msg_encode(&m, buf, sizeof(buf)), -EINVAL);

	/* Contact count above k, zero and oversized address lengths. */
	sample(VH_DHT_NODES, &m, 1);
	n = vh_dht_msg_encode(&m, buf, sizeof(buf));
	buf[6] = VH_DHT_K + 1;
	assert_int_equal(vh_dht_msg_decode(buf, (size_t)n, &d), -EBADMSG);
	buf[6] = 1;
	buf[7 + 32] = 0;
	assert_int_equal(vh_dht_msg_decode(buf, (size_t)n, &d), -EBADMSG);
	buf[7 + 32] = VH_DHT_ADDR_MAX + 1;
	assert_int_equal(vh_dht_msg_decode(buf, (size_t)n, &d), -EBADMSG);
	m.contacts[0].addr_len = 0;
	assert_int_equal(vh_dht_msg_encode(&m, buf, sizeof(buf)), -EINVAL);
	m.ncontacts = VH_DHT_K + 1;
	assert_int_equal(vh_dht_msg_encode(&m, buf, sizeof(buf)), -EINVAL);

	/* STORE needs a record; record length above the maximum; bad status. */
	sample(VH_DHT_STORE, &m, 0);
	m.rec_len = 0;
	assert_int_equal(vh_dht_msg_encode(&m, buf, sizeof(buf)), -EINVAL);
	m.rec_len = VH_DHT_REC_MAX + 1;
	assert_int_equal(vh_dht_msg_encode(&m, buf, sizeof(buf)), -EMSGSIZE);
	memcpy(buf, "\x01\x07\0\0\0\x01\x00\x00", 8);
	assert_int_equal(vh_dht_msg_decode(buf, 8, &d), -EBADMSG);
	buf[6] = (VH_DHT_REC_MAX + 1) >> 8;
	buf[7] = (VH_DHT_REC_MAX + 1) & 255;
	assert_int_equal(vh_dht_msg_decode(buf, 8 + VH_DHT_REC_MAX + 1, &d), -EBADMSG);
	memcpy(buf, "\x01\x08\0\0\0\x01", 6);
	buf[6] = VH_DHT_REJ_MAX + 1;
	assert_int_equal(vh_dht_msg_decode(buf, 7, &d), -EBADMSG);
	buf[6] = VH_DHT_REJ_MAX;
	assert_int_equal(vh_dht_msg_decode(buf, 7, &d), 0);

	/* Nothing longer than VH_DHT_MSG_MAX in or out. */
	assert_int_equal(vh_dht_msg_decode(buf, VH_DHT_MSG_MAX + 1, &d), -EMSGSIZE);
	sample(VH_DHT_NODES, &m, VH_DHT_K);
	for (unsigned i = 0; i < VH_DHT_K; i++)
		m.contacts[i].addr_len = VH_DHT_ADDR_MAX;
	assert_int_equal(vh_dht_msg_encode(&m, buf, sizeof(buf)), -EMSGSIZE);
}

static void
test_random_bytes_never_crash(void **state)
{
	uint64_t rng = 11;
	unsigned ok = 0;

	(void)state;
	for (int i = 0; i < 20000; i++) {
		uint8_t buf[64];
		struct vh_dht_msg d;
		size_t len = mix64(&rng) % sizeof(buf);

		fill_rand(&rng, buf, len);
		if (len > 1) {
			buf[0] = VH_DHT_VERSION;
			buf[1] = (uint8_t)(1 + mix64(&rng) % 9);
		}
		ok += vh_dht_msg_decode(buf, len, &d) == 0;
	}
	/* PING/PONG of exactly 6 bytes and a few FIND_* decode; most do not. */
	assert_true(ok > 0 && ok < 20000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_round_trips_and_truncations),
		cmocka_unit_test(test_bad_fields),
		cmocka_unit_test(test_random_bytes_never_crash),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, setup, NULL);
}
