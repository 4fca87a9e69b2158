/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/identity handshake payload: byte layout (built here from
 * docs/identity.md), round trip, unknown TLVs skipped, truncations, flipped
 * bytes, structural rejections, size limits, build checks, and the binding
 * check against forged signatures, other identities, other static keys,
 * other prefixes and low-order keys.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "vh_identity.h"

static const uint8_t versions[] = {1, 2, 5};
static const char *const addrs[] = {"/udp/10.0.0.2:22088", "/udp/[2001:db8::1]:9000",
	"/relay/VH4uQeVj5tqViQh7yWWGStvkEG1Zmhx6uasJtWCJziofM"};

struct fixture {
	struct vh_identity id;
	struct vh_identity_payload p;
	uint8_t buf[VH_IDENTITY_PAYLOAD_MAX];
	int len;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL || vh_identity_generate(&f->id) != 0 ||
		vh_identity_noise_init(&f->id, NULL) != 0)
		return -1;
	if (vh_identity_payload_build(&f->id, versions, 3, addrs, 3, &f->p) != 0)
		return -1;
	f->len = vh_identity_payload_encode(&f->p, f->buf, sizeof(f->buf));
	if (f->len <= 0)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	vh_identity_wipe(&f->id);
	free(f);
	return 0;
}

static size_t
tlv(uint8_t *out, uint8_t type, const void *v, size_t n)
{
	out[0] = type;
	out[1] = (uint8_t)(n >> 8);
	out[2] = (uint8_t)n;
	if (n > 0)
		memcpy(out + 3, v, n);
	return 3 + n;
}

/* The documented layout, written by hand. */
static void
test_layout(void **state)
{
	struct fixture *f = *state;
	uint8_t want[VH_IDENTITY_PAYLOAD_MAX];
	size_t n = 0;

	n += tlv(want + n, 1, f->id.ed_pub, 32);
	n += tlv(want + n, 2, f->id.noise_sig, 64);
	n += tlv(want + n, 3, versions, 3);
	for (int i = 0; i < 3; i++)
		n += tlv(want + n, 4, addrs[i], strlen(addrs[i]));
	assert_int_equal(f->len, (int)n);
	assert_memory_equal(f->buf, want, n);
	/* Spot checks of the byte positions docs/identity.md gives. */
	assert_int_equal(f->buf[0], 0x01);
	assert_int_equal(f->buf[1], 0x00);
	assert_int_equal(f->buf[2], 0x20);
	assert_int_equal(f->buf[35], 0x02);
	assert_int_equal(f->buf[37], 0x40);
	assert_int_equal(f->buf[102], 0x03);
	assert_int_equal(f->buf[104], 3);
}

static void
test_roundtrip(void **state)
{
	struct fixture *f = *state;
	struct vh_identity_payload q;
	uint8_t nid[32];

	assert_int_equal(vh_identity_payload_decode(f->buf, (size_t)f->len, &q), 0);
	assert_memory_equal(&q, &f->p, sizeof(q));
	assert_int_equal(q.n_addrs, 3);
	assert_string_equal(q.addrs[1], addrs[1]);
	memset(nid, 0, sizeof(nid));
	assert_int_equal(vh_identity_payload_verify(&q, f->id.noise_pub, nid), 0);
	assert_memory_equal(nid, f->id.nodeid, 32);
	assert_int_equal(vh_identity_payload_verify(&q, f->id.noise_pub, NULL), 0);

	/* Minimal: one version, no address. */
	assert_int_equal(vh_identity_payload_build(&f->id, versions, 1, NULL, 0, &f->p), 0);
	f->len = vh_identity_payload_encode(&f->p, f->buf, sizeof(f->buf));
	assert_int_equal(f->len, 35 + 67 + 4);
	assert_int_equal(vh_identity_payload_decode(f->buf, (size_t)f->len, &q), 0);
	assert_memory_equal(&q, &f->p, sizeof(q));
}

static void
test_unknown_skipped(void **state)
{
	struct fixture *f = *state;
	uint8_t big[300], out[VH_IDENTITY_PAYLOAD_MAX];
	struct vh_identity_payload q;
	const uint8_t types[] = {0, 6, 0x7f, 0x80, 0xff}; /* 1..5 are known */
	const size_t lens[] = {0, 1, 2, 300, 7};

	memset(big, 0x04, sizeof(big)); /* looks like PATHADDR type bytes */
	/* An unknown TLV at every TLV boundary, with several types and sizes. */
	for (size_t t = 0; t < sizeof(types); t++) {
		for (size_t cut = 0; cut <= (size_t)f->len;) {
			size_t n, len = lens[t];

			memcpy(out, f->buf, cut);
			n = cut;
			n += tlv(out + n, types[t], big, len);
			memcpy(out + n, f->buf + cut, (size_t)f->len - cut);
			n += (size_t)f->len - cut;
			if (n > VH_IDENTITY_PAYLOAD_MAX) {
				assert_int_equal(vh_identity_payload_decode(out, n, &q), -EMSGSIZE);
			} else {
				assert_int_equal(vh_identity_payload_decode(out, n, &q), 0);
				assert_memory_equal(&q, &f->p, sizeof(q));
			}
			if (cut == (size_t)f->len)
				break;
			cut += 3 + ((size_t)f->buf[cut + 1] << 8 | f->buf[cut + 2]);
		}
	}
}

/*
 * Every truncation is rejected except at a TLV boundary after the three
 * required fields, which drops whole trailing PathAddrs (Noise authenticates
 * the whole payload, so a peer cannot be made to see a truncated one).
 */
static void
test_truncations(void **state)
{
	struct fixture *f = *state;
	struct vh_identity_payload q;
	size_t boundary[8] = {102 + 6}, nb = 1, accepted = 0;

	for (size_t off = boundary[0]; off < (size_t)f->len; nb++) {
		off += 3 + ((size_t)f->buf[off + 1] << 8 | f->buf[off + 2]);
		boundary[nb] = off;
	}
	for (size_t len = 0; len < (size_t)f->len; len++) {
		bool ok_len = false;
		size_t k = 0;

		for (; k < nb; k++)
			if (boundary[k] == len) {
				ok_len = true;
				break;
			}
		if (ok_len) {
			assert_int_equal(vh_identity_payload_decode(f->buf, len, &q), 0);
			assert_int_equal(q.n_addrs, k);
			accepted++;
		} else {
			assert_int_equal(vh_identity_payload_decode(f->buf, len, &q), -EBADMSG);
		}
	}
	assert_int_equal(accepted, 3);
	/* A payload with no addresses: every truncation is rejected. */
	assert_int_equal(vh_identity_payload_build(&f->id, versions, 3, NULL, 0, &f->p), 0);
	f->len = vh_identity_payload_encode(&f->p, f->buf, sizeof(f->buf));
	for (size_t len = 0; len < (size_t)f->len; len++)
		assert_int_equal(vh_identity_payload_decode(f->buf, len, &q), -EBADMSG);
	/* NULL with length 0 is an empty payload: missing fields. */
	assert_int_equal(vh_identity_payload_decode(NULL, 0, &q), -EBADMSG);
}

/* Any flipped byte either breaks decoding or, if it lands in the key or the
 * signature, breaks verification. */
static void
test_flips(void **state)
{
	struct fixture *f = *state;
	uint8_t bad[VH_IDENTITY_PAYLOAD_MAX];
	struct vh_identity_payload q;
	int undecodable = 0, rejected = 0, harmless = 0;

	for (size_t i = 0; i < (size_t)f->len; i++) {
		static const uint8_t masks[] = {0x01, 0x40, 0xff};

		for (size_t m = 0; m < sizeof(masks); m++) {
			bool bound;
			int rc;

			memcpy(bad, f->buf, (size_t)f->len);
			bad[i] ^= masks[m];
			rc = vh_identity_payload_decode(bad, (size_t)f->len, &q);
			if (rc != 0) {
				assert_int_equal(rc, -EBADMSG);
				undecodable++;
				continue;
			}
			bound = memcmp(q.ed_pub, f->p.ed_pub, 32) == 0 &&
				memcmp(q.static_sig, f->p.static_sig, 64) == 0;
			rc = vh_identity_payload_verify(&q, f->id.noise_pub, NULL);
			assert_int_equal(rc, bound ? 0 : -EKEYREJECTED);
			if (bound)
				harmless++; /* a version or address byte changed */
			else
				rejected++;
			/* The key and signature bytes are exactly those that matter. */
			assert_true(bound == !((i >= 3 && i < 35) || (i >= 38 && i < 102)));
		}
	}
	print_message("flips: %d undecodable, %d rejected by signature, %d in versions or "
		      "addresses\n",
		undecodable, rejected, harmless);
	assert_int_equal(rejected, 96 * 3);
}

static void
expect_bad(const uint8_t *buf, size_t n, const char *what)
{
	struct vh_identity_payload q;
	int rc = vh_identity_payload_decode(buf, n, &q);

	if (rc != -EBADMSG)
		fail_msg("%s: decode returned %d, want -EBADMSG", what, rc);
}

static void
test_structure(void **state)
{
	struct fixture *f = *state;
	uint8_t b[2048], key[33] = {0}, sig[65] = {0};
	const uint8_t *pub = f->id.ed_pub, *s = f->id.noise_sig;
	uint8_t v17[17], vbad[3];
	size_t n;

#define HEAD(with_key, with_sig, with_ver)               \
	do {                                             \
		n = 0;                                   \
		if (with_key)                            \
			n += tlv(b + n, 1, pub, 32);     \
		if (with_sig)                            \
			n += tlv(b + n, 2, s, 64);       \
		if (with_ver)                            \
			n += tlv(b + n, 3, versions, 3); \
	} while (0)

	HEAD(0, 1, 1);
	expect_bad(b, n, "no identity key");
	HEAD(1, 0, 1);
	expect_bad(b, n, "no signature");
	HEAD(1, 1, 0);
	expect_bad(b, n, "no versions");
	HEAD(1, 1, 1);
	n += tlv(b + n, 1, pub, 32);
	expect_bad(b, n, "two identity keys");
	HEAD(1, 1, 1);
	n += tlv(b + n, 2, s, 64);
	expect_bad(b, n, "two signatures");
	HEAD(1, 1, 1);
	n += tlv(b + n, 3, versions, 3);
	expect_bad(b, n, "two version lists");
	HEAD(0, 1, 1);
	n += tlv(b + n, 1, key, 31);
	expect_bad(b, n, "31-byte key");
	HEAD(0, 1, 1);
	n += tlv(b + n, 1, key, 33);
	expect_bad(b, n, "33-byte key");
	HEAD(1, 0, 1);
	n += tlv(b + n, 2, sig, 63);
	expect_bad(b, n, "63-byte signature");
	HEAD(1, 0, 1);
	n += tlv(b + n, 2, sig, 65);
	expect_bad(b, n, "65-byte signature");
	HEAD(1, 1, 0);
	n += tlv(b + n, 3, versions, 0);
	expect_bad(b, n, "no version listed");
	for (int i = 0; i < 17; i++)
		v17[i] = (uint8_t)(i + 1);
	HEAD(1, 1, 0);
	n += tlv(b + n, 3, v17, 17);
	expect_bad(b, n, "17 versions");
	HEAD(1, 1, 0);
	n += tlv(b + n, 3, v17, 16);
	assert_int_equal(vh_identity_payload_decode(b, n, &f->p), 0); /* 16 is fine */
	memcpy(vbad, (uint8_t[]){1, 3, 2}, 3);
	HEAD(1, 1, 0);
	n += tlv(b + n, 3, vbad, 3);
	expect_bad(b, n, "versions out of order");
	memcpy(vbad, (uint8_t[]){1, 2, 2}, 3);
	HEAD(1, 1, 0);
	n += tlv(b + n, 3, vbad, 3);
	expect_bad(b, n, "duplicate version");
	memcpy(vbad, (uint8_t[]){0, 1, 2}, 3);
	HEAD(1, 1, 0);
	n += tlv(b + n, 3, vbad, 3);
	expect_bad(b, n, "version 0");

	/* PathAddrs. */
	{
		static const char *const bad_addrs[] = {"", "udp/1.2.3.4:5", "/udp/1.2.3.4 :5",
			"/udp/\x01", "/udp/\x7f", "/udp/\xc3\xa9", "/a\0b"};
		static const size_t bad_len[] = {0, 13, 15, 6, 6, 7, 4};
		char longest[VH_IDENTITY_ADDR_MAX + 2];

		for (size_t i = 0; i < sizeof(bad_len) / sizeof(bad_len[0]); i++) {
			HEAD(1, 1, 1);
			n += tlv(b + n, 4, bad_addrs[i], bad_len[i]);
			expect_bad(b, n, bad_addrs[i]);
		}
		memset(longest, 'a', sizeof(longest));
		longest[0] = '/';
		HEAD(1, 1, 1);
		n += tlv(b + n, 4, longest, VH_IDENTITY_ADDR_MAX + 1);
		expect_bad(b, n, "128-byte address");
		HEAD(1, 1, 1);
		n += tlv(b + n, 4, longest, VH_IDENTITY_ADDR_MAX);
		assert_int_equal(vh_identity_payload_decode(b, n, &f->p), 0);
		assert_int_equal(strlen(f->p.addrs[0]), VH_IDENTITY_ADDR_MAX);
		HEAD(1, 1, 1);
		for (int i = 0; i < 9; i++)
			n += tlv(b + n, 4, "/udp/1.2.3.4:5", 14);
		expect_bad(b, n, "nine addresses");
		assert_int_equal(vh_identity_payload_decode(b, n - 17, &f->p), 0);
		assert_int_equal(f->p.n_addrs, 8);
	}

	/* Lengths past the end, partial headers. */
	HEAD(1, 1, 1);
	b[n++] = 9;
	expect_bad(b, n, "1-byte trailing header");
	b[n++] = 0;
	expect_bad(b, n, "2-byte trailing header");
	b[n++] = 1;
	expect_bad(b, n, "length 1 past the end");
	HEAD(1, 1, 1);
	n += tlv(b + n, 9, NULL, 0);
	b[n - 2] = 0xff;
	b[n - 1] = 0xff;
	expect_bad(b, n, "length 65535 past the end");
	/* Failures leave the output zeroed. */
	{
		struct vh_identity_payload q, zero;

		memset(&q, 0x77, sizeof(q));
		memset(&zero, 0, sizeof(zero));
		assert_int_equal(vh_identity_payload_decode(b, n, &q), -EBADMSG);
		assert_memory_equal(&q, &zero, sizeof(q));
	}
#undef HEAD
}

static void
test_size_limit(void **state)
{
	struct fixture *f = *state;
	uint8_t b[VH_IDENTITY_PAYLOAD_MAX + 64], pad[1024] = {0};
	struct vh_identity_payload q;
	size_t n;

	memcpy(b, f->buf, (size_t)f->len);
	n = (size_t)f->len;
	/* Pad with an unknown TLV to exactly the maximum, then one more. */
	n += tlv(b + n, 0x99, pad, VH_IDENTITY_PAYLOAD_MAX - n - 3);
	assert_int_equal(n, VH_IDENTITY_PAYLOAD_MAX);
	assert_int_equal(vh_identity_payload_decode(b, n, &q), 0);
	assert_memory_equal(&q, &f->p, sizeof(q));
	n = (size_t)f->len;
	n += tlv(b + n, 0x99, pad, VH_IDENTITY_PAYLOAD_MAX - n - 2);
	assert_int_equal(n, VH_IDENTITY_PAYLOAD_MAX + 1);
	assert_int_equal(vh_identity_payload_decode(b, n, &q), -EMSGSIZE);

	/* Eight longest addresses do not fit: build accepts, encode refuses. */
	{
		char a[VH_IDENTITY_ADDR_MAX + 1];
		const char *many[8];

		memset(a, 'x', VH_IDENTITY_ADDR_MAX);
		a[0] = '/';
		a[VH_IDENTITY_ADDR_MAX] = '\0';
		for (int i = 0; i < 8; i++)
			many[i] = a;
		assert_int_equal(vh_identity_payload_build(&f->id, versions, 3, many, 8, &q), 0);
		assert_int_equal(vh_identity_payload_encode(&q, b, sizeof(b)), -EINVAL);
		/* Six of them do. */
		assert_int_equal(vh_identity_payload_build(&f->id, versions, 3, many, 6, &q), 0);
		assert_int_equal(
			vh_identity_payload_encode(&q, b, sizeof(b)), 35 + 67 + 6 + 6 * 130);
	}
	/* Every cap below the size is refused without writing past it. */
	for (size_t cap = 0; cap < (size_t)f->len; cap++) {
		memset(b, 0xee, sizeof(b));
		assert_int_equal(vh_identity_payload_encode(&f->p, b, cap), -ENOBUFS);
		assert_int_equal(b[cap], 0xee);
	}
}

static void
test_build_checks(void **state)
{
	struct fixture *f = *state;
	struct vh_identity bare;
	struct vh_identity_payload q;
	const uint8_t v17[17] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17};
	const uint8_t unsorted[] = {2, 1};
	const char *nine[9], *with_null[] = {"/udp/1.2.3.4:5", NULL},
			     *bad_text[] = {"/udp/1.2.3.4 5"};

	for (int i = 0; i < 9; i++)
		nine[i] = "/udp/1.2.3.4:5";
	assert_int_equal(vh_identity_generate(&bare), 0); /* no Noise key yet */
	assert_int_equal(vh_identity_payload_build(&bare, versions, 3, NULL, 0, &q), -EINVAL);
	vh_identity_wipe(&bare);
	assert_int_equal(vh_identity_payload_build(&f->id, NULL, 0, NULL, 0, &q), -EINVAL);
	assert_int_equal(vh_identity_payload_build(&f->id, versions, 0, NULL, 0, &q), -EINVAL);
	assert_int_equal(vh_identity_payload_build(&f->id, v17, 17, NULL, 0, &q), -EINVAL);
	assert_int_equal(vh_identity_payload_build(&f->id, v17, 16, NULL, 0, &q), 0);
	assert_int_equal(vh_identity_payload_build(&f->id, unsorted, 2, NULL, 0, &q), -EINVAL);
	assert_int_equal(vh_identity_payload_build(&f->id, versions, 3, nine, 9, &q), -EINVAL);
	assert_int_equal(vh_identity_payload_build(&f->id, versions, 3, nine, 8, &q), 0);
	assert_int_equal(vh_identity_payload_build(&f->id, versions, 3, with_null, 2, &q), -EINVAL);
	assert_int_equal(vh_identity_payload_build(&f->id, versions, 3, bad_text, 1, &q), -EINVAL);
	assert_int_equal(vh_identity_payload_build(&f->id, versions, 3, NULL, 1, &q), -EINVAL);
	/* encode re-checks a hand-filled struct. */
	q = f->p;
	q.n_versions = 0;
	assert_int_equal(vh_identity_payload_encode(&q, f->buf, sizeof(f->buf)), -EINVAL);
	q = f->p;
	q.n_addrs = 9;
	assert_int_equal(vh_identity_payload_encode(&q, f->buf, sizeof(f->buf)), -EINVAL);
	q = f->p;
	q.addrs[0][0] = 'x';
	assert_int_equal(vh_identity_payload_encode(&q, f->buf, sizeof(f->buf)), -EINVAL);
}

static void
sign_static(const struct vh_identity *id, const char *prefix, const uint8_t st[32], uint8_t sig[64])
{
	uint8_t msg[64];
	size_t n = strlen(prefix);

	memcpy(msg, prefix, n);
	memcpy(msg + n, st, 32);
	crypto_sign_detached(sig, NULL, msg, n + 32, id->ed_sec);
}

static void
test_binding(void **state)
{
	struct fixture *f = *state;
	struct vh_identity other;
	struct vh_identity_payload q;
	uint8_t nid[32], st2[32];

	assert_int_equal(vh_identity_generate(&other), 0);
	assert_int_equal(vh_identity_noise_init(&other, NULL), 0);

	/* Our own signature, computed here with libsodium, verifies. */
	q = f->p;
	sign_static(&f->id, "valhalla-noise-static:", f->id.noise_pub, q.static_sig);
	assert_int_equal(vh_identity_payload_verify(&q, f->id.noise_pub, nid), 0);
	assert_memory_equal(nid, f->id.nodeid, 32);
	/* Random signature. */
	randombytes_buf(q.static_sig, 64);
	memset(nid, 0x33, sizeof(nid));
	assert_int_equal(vh_identity_payload_verify(&q, f->id.noise_pub, nid), -EKEYREJECTED);
	/* Another identity's signature with our key. */
	q = f->p;
	memcpy(q.static_sig, other.noise_sig, 64);
	assert_int_equal(vh_identity_payload_verify(&q, f->id.noise_pub, NULL), -EKEYREJECTED);
	assert_int_equal(vh_identity_payload_verify(&q, other.noise_pub, NULL), -EKEYREJECTED);
	/* Our payload, but Noise authenticated another static key (a relay or
	 * man in the middle replaying our payload). */
	q = f->p;
	assert_int_equal(vh_identity_payload_verify(&q, other.noise_pub, NULL), -EKEYREJECTED);
	randombytes_buf(st2, sizeof(st2));
	assert_int_equal(vh_identity_payload_verify(&q, st2, NULL), -EKEYREJECTED);
	/* Signatures over other messages. */
	sign_static(&f->id, "", f->id.noise_pub, q.static_sig);
	assert_int_equal(vh_identity_payload_verify(&q, f->id.noise_pub, NULL), -EKEYREJECTED);
	sign_static(&f->id, "noise-libp2p-static-key:", f->id.noise_pub, q.static_sig);
	assert_int_equal(vh_identity_payload_verify(&q, f->id.noise_pub, NULL), -EKEYREJECTED);
	sign_static(&f->id, "valhalla-noise-static", f->id.noise_pub, q.static_sig);
	assert_int_equal(vh_identity_payload_verify(&q, f->id.noise_pub, NULL), -EKEYREJECTED);
	/* Low-order identity keys with a trivial signature (CCTV ed25519vectors
	 * case 0: A and R the identity point, S = 0) are refused. */
	memset(q.ed_pub, 0, 32);
	q.ed_pub[0] = 1;
	memset(q.static_sig, 0, 64);
	q.static_sig[0] = 1;
	assert_int_equal(vh_identity_payload_verify(&q, f->id.noise_pub, NULL), -EKEYREJECTED);
	memset(q.ed_pub, 0, 32);
	memset(q.static_sig, 0, 64);
	assert_int_equal(vh_identity_payload_verify(&q, f->id.noise_pub, NULL), -EKEYREJECTED);
	vh_identity_wipe(&other);
}

static void
test_version_select(void **state)
{
	const uint8_t a[] = {1, 2, 5}, b[] = {2, 3, 5, 7}, c[] = {3, 4}, d[] = {1};

	(void)state;
	assert_int_equal(vh_identity_version_select(a, 3, b, 4), 5);
	assert_int_equal(vh_identity_version_select(b, 4, a, 3), 5);
	assert_int_equal(vh_identity_version_select(a, 2, b, 4), 2);
	assert_int_equal(vh_identity_version_select(a, 3, c, 2), -EPROTONOSUPPORT);
	assert_int_equal(vh_identity_version_select(a, 3, d, 1), 1);
	assert_int_equal(vh_identity_version_select(a, 0, d, 1), -EPROTONOSUPPORT);
}

/* The IK timestamp: appended in type order, decoded, at most once, 12 bytes. */
static void
test_timestamp(void **state)
{
	struct fixture *f = *state;
	uint8_t ts[12], later[12], out[VH_IDENTITY_PAYLOAD_MAX], two[VH_IDENTITY_PAYLOAD_MAX];
	struct vh_identity_payload q;
	int n;

	vh_identity_tai64n(1700000000ull * 1000000000u + 5, ts);
	assert_memory_equal(ts, "\x40\x00\x00\x00\x65\x53\xf1\x00\x00\x00\x00\x05", 12);
	vh_identity_tai64n(1700000000ull * 1000000000u + 6, later);
	assert_true(memcmp(later, ts, 12) > 0);
	vh_identity_tai64n(1700000001ull * 1000000000u, later);
	assert_true(memcmp(later, ts, 12) > 0);
	n = vh_identity_payload_stamp(f->buf, (size_t)f->len, ts, out, sizeof(out));
	assert_int_equal(n, f->len + 15);
	assert_int_equal(vh_identity_payload_decode(out, (size_t)n, &q), 0);
	assert_true(q.has_timestamp);
	assert_memory_equal(q.timestamp, ts, 12);
	/* encode of the decoded struct gives the same bytes */
	assert_int_equal(vh_identity_payload_encode(&q, two, sizeof(two)), n);
	assert_memory_equal(two, out, (size_t)n);
	/* twice, or of another length: malformed */
	assert_int_equal(vh_identity_payload_stamp(out, (size_t)n, ts, two, sizeof(two)), n + 15);
	assert_int_equal(vh_identity_payload_decode(two, (size_t)n + 15, &q), -EBADMSG);
	out[n - 13] = 11;
	assert_int_equal(vh_identity_payload_decode(out, (size_t)n - 1, &q), -EBADMSG);
	/* without one (an older sender): decodes, has_timestamp false */
	assert_int_equal(vh_identity_payload_decode(f->buf, (size_t)f->len, &q), 0);
	assert_false(q.has_timestamp);
	assert_int_equal(vh_identity_payload_stamp(f->buf, (size_t)f->len, ts, out, 10), -ENOBUFS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_skipped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncations, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flips, setup, teardown),
		cmocka_unit_test_setup_teardown(test_structure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_size_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_build_checks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_binding, setup, teardown),
		cmocka_unit_test(test_version_select),
		cmocka_unit_test_setup_teardown(test_timestamp, setup, teardown),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests_name("identity_payload", tests, NULL, NULL);
}
