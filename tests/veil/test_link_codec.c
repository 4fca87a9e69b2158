/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Link frame codec: round trips of every frame type, the byte layout of
 * docs/veil.md, every truncation and extension, bad header fields, and the
 * index table and allocator.
 */
#include "link_test.h"

/* Encode a handshake frame with random Noise bytes and random MACs. */
static size_t
make_hs(uint8_t type, uint8_t pattern, size_t extra, uint8_t *out, size_t cap,
	struct vh_veil_hs_frame *f)
{
	static uint8_t noise[VH_NOISE_MAX_MSG], m1[16], m2[16];
	size_t len;

	memset(f, 0, sizeof(*f));
	f->type = type;
	f->pattern = pattern;
	f->hash = VH_VEIL_WIRE_BLAKE2B;
	f->flags = VH_VEIL_HS_FLAG_KEYED;
	f->sender = 0x01020304;
	f->receiver = type == VH_VEIL_HANDSHAKE_INIT ? 0 : 0xa0b0c0d0;
	f->noise_len = vh_veil_hs_noise_min(type, pattern) + extra;
	randombytes_buf(noise, f->noise_len);
	randombytes_buf(m1, sizeof(m1));
	randombytes_buf(m2, sizeof(m2));
	f->noise = noise;
	f->mac1 = m1;
	f->mac2 = m2;
	assert_int_equal(vh_veil_hs_frame_encode(f, out, cap, &len), 0);
	return len;
}

static void
test_hs_roundtrip(void **state)
{
	static uint8_t buf[VH_VEIL_HS_MAX_LEN + 8];
	const uint8_t types[] = {
		VH_VEIL_HANDSHAKE_INIT, VH_VEIL_HANDSHAKE_RESP, VH_VEIL_HANDSHAKE_FINISH};
	struct vh_veil_hs_frame f, g;
	int n = 0;

	(void)state;
	for (size_t t = 0; t < sizeof(types); t++) {
		for (uint8_t pat = VH_VEIL_WIRE_XX; pat <= VH_VEIL_WIRE_IK; pat++) {
			if (vh_veil_hs_noise_min(types[t], pat) == 0)
				continue;
			for (size_t extra = 0; extra < 40; extra += 13) {
				size_t len = make_hs(types[t], pat, extra, buf, sizeof(buf), &f);
				size_t hdr = types[t] == VH_VEIL_HANDSHAKE_INIT ? 8 : 12;

				assert_int_equal(len, hdr + f.noise_len + 32);
				/* Byte layout of docs/veil.md. */
				assert_int_equal(buf[0], pat);
				assert_int_equal(buf[1], VH_VEIL_WIRE_BLAKE2B);
				assert_int_equal(buf[2], VH_VEIL_HS_FLAG_KEYED);
				assert_int_equal(buf[3], 0);
				assert_memory_equal(buf + 4, "\x01\x02\x03\x04", 4);
				if (hdr == 12)
					assert_memory_equal(buf + 8, "\xa0\xb0\xc0\xd0", 4);
				assert_memory_equal(buf + hdr, f.noise, f.noise_len);
				assert_memory_equal(buf + len - 32, f.mac1, 16);
				assert_memory_equal(buf + len - 16, f.mac2, 16);
				assert_int_equal(
					vh_veil_hs_frame_decode(types[t], buf, len, &g), 0);
				assert_int_equal(g.type, types[t]);
				assert_int_equal(g.pattern, pat);
				assert_int_equal(g.hash, f.hash);
				assert_int_equal(g.flags, f.flags);
				assert_int_equal(g.sender, f.sender);
				assert_int_equal(g.receiver, f.receiver);
				assert_int_equal(g.noise_len, f.noise_len);
				assert_ptr_equal(g.noise, buf + hdr);
				assert_ptr_equal(g.mac1, buf + len - 32);
				assert_ptr_equal(g.mac2, buf + len - 16);
				n++;
			}
		}
	}
	assert_int_equal(n, 5 * 4); /* 5 type/pattern pairs, 4 lengths */
	/* FINISH exists only for XX. */
	assert_int_equal(vh_veil_hs_noise_min(VH_VEIL_HANDSHAKE_FINISH, VH_VEIL_WIRE_IK), 0);
	assert_int_equal(vh_veil_hs_noise_min(VH_VEIL_HANDSHAKE_INIT, 0), 0);
	assert_int_equal(vh_veil_hs_noise_min(VH_VEIL_LINK_DATA, VH_VEIL_WIRE_XX), 0);
}

/* A frame of minimal size: every shorter prefix must fail to decode. */
static void
test_hs_truncation(void **state)
{
	static uint8_t buf[VH_VEIL_HS_MAX_LEN + 8];
	const uint8_t types[] = {
		VH_VEIL_HANDSHAKE_INIT, VH_VEIL_HANDSHAKE_RESP, VH_VEIL_HANDSHAKE_FINISH};
	struct vh_veil_hs_frame f, g;

	(void)state;
	for (size_t t = 0; t < sizeof(types); t++) {
		for (uint8_t pat = VH_VEIL_WIRE_XX; pat <= VH_VEIL_WIRE_IK; pat++) {
			if (vh_veil_hs_noise_min(types[t], pat) == 0)
				continue;
			size_t len = make_hs(types[t], pat, 0, buf, sizeof(buf), &f);

			for (size_t l = 0; l < len; l++)
				assert_int_equal(
					vh_veil_hs_frame_decode(types[t], buf, l, &g), -EBADMSG);
			assert_int_equal(vh_veil_hs_frame_decode(types[t], buf, len, &g), 0);
			/* One byte more is a longer Noise message: still well-formed. */
			assert_int_equal(vh_veil_hs_frame_decode(types[t], buf, len + 1, &g), 0);
			assert_int_equal(g.noise_len, f.noise_len + 1);
		}
	}
}

static void
test_hs_bad_fields(void **state)
{
	static uint8_t buf[VH_VEIL_HS_MAX_LEN + 64];
	struct vh_veil_hs_frame f, g;
	size_t len;

	(void)state;
	len = make_hs(VH_VEIL_HANDSHAKE_RESP, VH_VEIL_WIRE_XX, 5, buf, sizeof(buf), &f);
	const struct {
		size_t off;
		uint8_t val;
	} bad[] = {
		{0, 0},
		{0, 3},
		{1, 0},
		{1, 3},
		{2, 0x02},
		{2, 0x80},
		{3, 1},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t save = buf[bad[i].off];

		buf[bad[i].off] = bad[i].val;
		assert_int_equal(
			vh_veil_hs_frame_decode(VH_VEIL_HANDSHAKE_RESP, buf, len, &g), -EBADMSG);
		buf[bad[i].off] = save;
	}
	/* Index 0 is never allocated. */
	memset(buf + 4, 0, 4);
	assert_int_equal(vh_veil_hs_frame_decode(VH_VEIL_HANDSHAKE_RESP, buf, len, &g), -EBADMSG);
	len = make_hs(VH_VEIL_HANDSHAKE_RESP, VH_VEIL_WIRE_XX, 5, buf, sizeof(buf), &f);
	memset(buf + 8, 0, 4);
	assert_int_equal(vh_veil_hs_frame_decode(VH_VEIL_HANDSHAKE_RESP, buf, len, &g), -EBADMSG);
	/* IK FINISH does not exist. */
	len = make_hs(VH_VEIL_HANDSHAKE_FINISH, VH_VEIL_WIRE_XX, 40, buf, sizeof(buf), &f);
	buf[0] = VH_VEIL_WIRE_IK;
	assert_int_equal(vh_veil_hs_frame_decode(VH_VEIL_HANDSHAKE_FINISH, buf, len, &g), -EBADMSG);
	/* Too long a Noise message. */
	len = make_hs(VH_VEIL_HANDSHAKE_INIT, VH_VEIL_WIRE_XX, VH_NOISE_MAX_MSG - 32, buf,
		sizeof(buf), &f);
	assert_int_equal(len, 8 + VH_NOISE_MAX_MSG + 32);
	assert_int_equal(
		vh_veil_hs_frame_decode(VH_VEIL_HANDSHAKE_INIT, buf, len + 1, &g), -EBADMSG);
	/* Not a handshake type, NULLs. */
	assert_int_equal(vh_veil_hs_frame_decode(VH_VEIL_LINK_DATA, buf, len, &g), -EINVAL);
	assert_int_equal(vh_veil_hs_frame_decode(VH_VEIL_HANDSHAKE_INIT, NULL, len, &g), -EINVAL);
	assert_int_equal(vh_veil_hs_frame_decode(VH_VEIL_HANDSHAKE_INIT, buf, len, NULL), -EINVAL);
	/* Encoder refuses what would not decode, and small buffers. */
	make_hs(VH_VEIL_HANDSHAKE_INIT, VH_VEIL_WIRE_IK, 0, buf, sizeof(buf), &f);
	f.noise_len = 95;
	assert_int_equal(vh_veil_hs_frame_encode(&f, buf, sizeof(buf), &len), -EBADMSG);
	f.noise_len = 96;
	f.receiver = 7;
	assert_int_equal(vh_veil_hs_frame_encode(&f, buf, sizeof(buf), &len), -EBADMSG);
	f.receiver = 0;
	assert_int_equal(vh_veil_hs_frame_encode(&f, buf, 8 + 96 + 31, &len), -ENOBUFS);
	assert_int_equal(vh_veil_hs_frame_encode(&f, buf, 8 + 96 + 32, &len), 0);
	f.type = VH_VEIL_COOKIE_REPLY;
	assert_int_equal(vh_veil_hs_frame_encode(&f, buf, sizeof(buf), &len), -EINVAL);
}

static void
test_data(void **state)
{
	uint8_t buf[64], hdr[12];
	struct vh_veil_data d;

	(void)state;
	vh_veil_data_hdr_encode(hdr, 0xdeadbeef, 0x0102030405060708ULL);
	assert_memory_equal(hdr, "\xde\xad\xbe\xef\x01\x02\x03\x04\x05\x06\x07\x08", 12);
	memcpy(buf, hdr, 12);
	randombytes_buf(buf + 12, sizeof(buf) - 12);
	for (size_t l = 0; l <= sizeof(buf); l++) {
		int rc = vh_veil_data_decode(buf, l, &d);

		if (l < VH_VEIL_DATA_MIN_LEN) {
			assert_int_equal(rc, -EBADMSG);
			continue;
		}
		assert_int_equal(rc, 0);
		assert_int_equal(d.receiver, 0xdeadbeef);
		assert_int_equal(d.counter, 0x0102030405060708ULL);
		assert_ptr_equal(d.hdr, buf);
		assert_ptr_equal(d.ct, buf + 12);
		assert_int_equal(d.ct_len, l - 12);
	}
	memset(buf, 0, 4);
	assert_int_equal(vh_veil_data_decode(buf, sizeof(buf), &d), -EBADMSG);
	assert_int_equal(vh_veil_data_decode(NULL, sizeof(buf), &d), -EINVAL);
	{
		static uint8_t big[12 + VH_NOISE_MAX_MSG + 1];

		big[3] = 1;
		assert_int_equal(vh_veil_data_decode(big, sizeof(big) - 1, &d), 0);
		assert_int_equal(vh_veil_data_decode(big, sizeof(big), &d), -EBADMSG);
	}
}

static void
test_cookie_reply_codec(void **state)
{
	uint8_t nonce[24], box[32], buf[VH_VEIL_COOKIE_REPLY_LEN + 1];
	struct vh_veil_cookie_reply r;

	(void)state;
	assert_int_equal(VH_VEIL_COOKIE_REPLY_LEN, 60);
	randombytes_buf(nonce, sizeof(nonce));
	randombytes_buf(box, sizeof(box));
	assert_int_equal(vh_veil_cookie_reply_encode(0x11223344, nonce, box, buf, 59), -ENOBUFS);
	assert_int_equal(vh_veil_cookie_reply_encode(0, nonce, box, buf, 60), -EINVAL);
	assert_int_equal(vh_veil_cookie_reply_encode(0x11223344, nonce, box, buf, 60), 0);
	assert_memory_equal(buf, "\x11\x22\x33\x44", 4);
	assert_memory_equal(buf + 4, nonce, 24);
	assert_memory_equal(buf + 28, box, 32);
	for (size_t l = 0; l < sizeof(buf); l++)
		assert_int_equal(vh_veil_cookie_reply_decode(buf, l, &r), l == 60 ? 0 : -EBADMSG);
	assert_int_equal(vh_veil_cookie_reply_decode(buf, 60, &r), 0);
	assert_int_equal(r.receiver, 0x11223344);
	assert_ptr_equal(r.nonce, buf + 4);
	assert_ptr_equal(r.box, buf + 28);
}

static void
test_receiver(void **state)
{
	uint8_t buf[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
	uint32_t idx;

	(void)state;
	assert_int_equal(vh_veil_frame_receiver(VH_VEIL_LINK_DATA, buf, 4, &idx), 0);
	assert_int_equal(idx, 0x01020304);
	assert_int_equal(vh_veil_frame_receiver(VH_VEIL_COOKIE_REPLY, buf, 3, &idx), -EBADMSG);
	assert_int_equal(vh_veil_frame_receiver(VH_VEIL_HANDSHAKE_RESP, buf, 12, &idx), 0);
	assert_int_equal(idx, 0x090a0b0c);
	assert_int_equal(vh_veil_frame_receiver(VH_VEIL_HANDSHAKE_FINISH, buf, 11, &idx), -EBADMSG);
	assert_int_equal(vh_veil_frame_receiver(VH_VEIL_HANDSHAKE_INIT, buf, 12, &idx), -EINVAL);
	assert_int_equal(vh_veil_frame_receiver(0x15, buf, 12, &idx), -EINVAL);
}

static void
test_endpoint(void **state)
{
	const uint8_t a4[4] = {192, 0, 2, 1}, a6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
	struct vh_veil_endpoint x, y;

	(void)state;
	vh_veil_endpoint_ipv4(&x, a4, 9000);
	vh_veil_endpoint_ipv4(&y, a4, 9000);
	assert_true(vh_veil_endpoint_equal(&x, &y));
	vh_veil_endpoint_ipv4(&y, a4, 9001);
	assert_false(vh_veil_endpoint_equal(&x, &y));
	vh_veil_endpoint_ipv6(&y, a6, 9000);
	assert_false(vh_veil_endpoint_equal(&x, &y));
	assert_int_equal(y.family, 6);
	assert_memory_equal(y.addr, a6, 16);
	assert_false(vh_veil_endpoint_equal(&x, NULL));
	assert_true(vh_veil_endpoint_equal(NULL, NULL));
}

static void
test_index_table(void **state)
{
	struct vh_veil_index_table *t = vh_veil_index_table_new(100);
	struct vh_veil_index_ops ops;
	uint32_t got[100], idx;
	struct trng r;

	(void)state;
	assert_non_null(t);
	assert_null(vh_veil_index_table_new(0));
	vh_veil_index_table_ops(t, &ops);
	trng_seed(&r, 9);
	for (int i = 0; i < 100; i++) {
		assert_int_equal(vh_veil_index_alloc(&ops, trng_fn, &r, &got[i]), 0);
		assert_int_not_equal(got[i], 0);
		assert_true(vh_veil_index_table_contains(t, got[i]));
		assert_int_equal(ops.reserve(ops.ctx, got[i]), -EEXIST);
	}
	assert_int_equal(vh_veil_index_table_count(t), 100);
	assert_int_equal(vh_veil_index_alloc(&ops, trng_fn, &r, &idx), -ENOSPC);
	/* Release every other one; the rest must still be found. */
	for (int i = 0; i < 100; i += 2)
		ops.release(ops.ctx, got[i]);
	for (int i = 0; i < 100; i++)
		assert_int_equal(vh_veil_index_table_contains(t, got[i]), i % 2 == 1);
	assert_int_equal(vh_veil_index_table_count(t), 50);
	/* Small values and the extremes are ordinary members. */
	for (uint32_t v = 1; v <= 20; v++)
		assert_int_equal(ops.reserve(ops.ctx, v), 0);
	assert_int_equal(ops.reserve(ops.ctx, 0xffffffffu), 0);
	assert_int_equal(ops.reserve(ops.ctx, 0), -EINVAL);
	for (uint32_t v = 1; v <= 20; v += 3)
		ops.release(ops.ctx, v);
	for (uint32_t v = 1; v <= 20; v++)
		assert_int_equal(vh_veil_index_table_contains(t, v), (v - 1) % 3 != 0);
	assert_true(vh_veil_index_table_contains(t, 0xffffffffu));
	/* A failing RNG. */
	r.fail = 1;
	assert_int_equal(vh_veil_index_alloc(&ops, trng_fn, &r, &idx), -EIO);
	vh_veil_index_table_free(t);
}

/* Random churn against a plain array model. */
static void
test_index_table_churn(void **state)
{
	struct vh_veil_index_table *t = vh_veil_index_table_new(200);
	struct vh_veil_index_ops ops;
	uint32_t model[200] = {0};
	size_t n = 0;

	(void)state;
	vh_veil_index_table_ops(t, &ops);
	for (int i = 0; i < 20000; i++) {
		/* A small value space makes collisions and clusters common. */
		uint32_t v = 1 + randombytes_uniform(400);
		size_t j;

		for (j = 0; j < n && model[j] != v; j++)
			;
		if (randombytes_uniform(2) == 0) {
			int rc = ops.reserve(ops.ctx, v);

			if (j < n)
				assert_int_equal(rc, -EEXIST);
			else if (n == 200)
				assert_int_equal(rc, -ENOSPC);
			else {
				assert_int_equal(rc, 0);
				model[n++] = v;
			}
		} else {
			ops.release(ops.ctx, v);
			if (j < n)
				model[j] = model[--n];
		}
		assert_int_equal(vh_veil_index_table_count(t), n);
	}
	for (size_t j = 0; j < n; j++)
		assert_true(vh_veil_index_table_contains(t, model[j]));
	vh_veil_index_table_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hs_roundtrip),
		cmocka_unit_test(test_hs_truncation),
		cmocka_unit_test(test_hs_bad_fields),
		cmocka_unit_test(test_data),
		cmocka_unit_test(test_cookie_reply_codec),
		cmocka_unit_test(test_receiver),
		cmocka_unit_test(test_endpoint),
		cmocka_unit_test(test_index_table),
		cmocka_unit_test(test_index_table_churn),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
