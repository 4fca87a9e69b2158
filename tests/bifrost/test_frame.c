/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bifrost frame codec: round trips for every type, several frames per
 * datagram, every malformed case with its exact drop reason, the echo reply
 * in place, and the byte-exact vectors of tests/vectors/bifrost/frames.txt
 * (which docs/protocol.md must quote verbatim).
 *
 * Arguments: frames.txt, docs/protocol.md.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vh_bifrost.h"

static const char *vectors_path;
static const char *doc_path;

static const uint8_t known_types[] = {VH_BIFROST_DATA, VH_BIFROST_CONTROL, VH_BIFROST_KEEPALIVE,
	VH_BIFROST_CLOSE, VH_BIFROST_ECHO_REQUEST, VH_BIFROST_ECHO_REPLY, VH_BIFROST_HANDSHAKE_INIT,
	VH_BIFROST_HANDSHAKE_RESP, VH_BIFROST_COOKIE_REPLY, VH_BIFROST_LINK_DATA,
	VH_BIFROST_HANDSHAKE_FINISH};

static bool
may_be_empty(uint8_t type)
{
	return type == VH_BIFROST_KEEPALIVE || type == VH_BIFROST_CLOSE;
}

static bool
is_echo(uint8_t type)
{
	return type == VH_BIFROST_ECHO_REQUEST || type == VH_BIFROST_ECHO_REPLY;
}

static void
fill(uint8_t *p, size_t n, unsigned int seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 31 + seed);
}

/* A raw header, for frames the encoder refuses to write. */
static void
raw_header(uint8_t *p, uint8_t m0, uint8_t m1, uint8_t ver, uint8_t type, uint32_t len)
{
	p[0] = m0;
	p[1] = m1;
	p[2] = ver;
	p[3] = type;
	p[4] = (uint8_t)(len >> 24);
	p[5] = (uint8_t)(len >> 16);
	p[6] = (uint8_t)(len >> 8);
	p[7] = (uint8_t)len;
}

static void
expect_reason(const uint8_t *d, size_t len, int reason)
{
	struct vh_bifrost_frame f;
	size_t pos = 0;
	int rc;

	assert_int_equal(vh_bifrost_validate(d, len), reason);
	/* the iterator reports the same reason at the same frame; on an empty
	 * datagram it simply has no frame */
	while ((rc = vh_bifrost_next(d, len, &pos, &f)) == 1)
		;
	assert_int_equal(rc, reason == VH_DROP_NONE || len == 0 ? 0 : -reason);
}

static void
test_roundtrip_every_type(void **state)
{
	static const uint32_t sizes[] = {0, 1, 15, 16, 17, 1400, 9000};
	uint8_t payload[9000], buf[9100];

	(void)state;
	fill(payload, sizeof(payload), 7);
	for (size_t t = 0; t < sizeof(known_types); t++) {
		for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
			uint8_t type = known_types[t];
			uint32_t n = sizes[s];
			bool ok = n == 0 ? may_be_empty(type) : !(is_echo(type) && n < 16);
			struct vh_bifrost_frame f;
			size_t pos = 0;
			int len = vh_bifrost_encode(buf, sizeof(buf), type, payload, n);

			if (!ok) {
				assert_int_equal(len, -EINVAL);
				continue;
			}
			assert_int_equal(len, VH_BIFROST_HDR_LEN + n);
			assert_int_equal(vh_bifrost_validate(buf, (size_t)len), VH_DROP_NONE);
			assert_int_equal(vh_bifrost_next(buf, (size_t)len, &pos, &f), 1);
			assert_int_equal(f.version, VH_BIFROST_VERSION);
			assert_int_equal(f.type, type);
			assert_int_equal(f.length, n);
			assert_int_equal(f.offset, 0);
			assert_ptr_equal(f.payload, buf + VH_BIFROST_HDR_LEN);
			if (n > 0)
				assert_memory_equal(f.payload, payload, n);
			assert_int_equal(pos, (size_t)len);
			assert_int_equal(vh_bifrost_next(buf, (size_t)len, &pos, &f), 0);
		}
	}
}

static void
test_encode_refuses(void **state)
{
	uint8_t buf[64], p[32] = {1};

	(void)state;
	/* unknown and reserved types */
	for (unsigned int t = 0; t < 256; t++) {
		bool known = memchr(known_types, (int)t, sizeof(known_types)) != NULL;

		assert_int_equal(vh_bifrost_type_known((uint8_t)t), known);
		if (!known)
			assert_int_equal(
				vh_bifrost_encode(buf, sizeof(buf), (uint8_t)t, p, 16), -EINVAL);
	}
	assert_int_equal(vh_bifrost_encode(buf, sizeof(buf), VH_BIFROST_DATA, NULL, 0), -EINVAL);
	assert_int_equal(vh_bifrost_encode(buf, sizeof(buf), VH_BIFROST_CONTROL, NULL, 0), -EINVAL);
	assert_int_equal(vh_bifrost_encode(buf, sizeof(buf), VH_BIFROST_DATA, NULL, 4), -EINVAL);
	assert_int_equal(
		vh_bifrost_encode(buf, sizeof(buf), VH_BIFROST_ECHO_REQUEST, p, 15), -EINVAL);
	assert_int_equal(vh_bifrost_encode(buf, sizeof(buf), VH_BIFROST_KEEPALIVE, NULL, 0), 8);
	/* room: header + payload exactly */
	assert_int_equal(vh_bifrost_encode(buf, 8 + 31, VH_BIFROST_DATA, p, 32), -ENOSPC);
	assert_int_equal(vh_bifrost_encode(buf, 8 + 32, VH_BIFROST_DATA, p, 32), 40);
	assert_int_equal(vh_bifrost_encode(buf, 7, VH_BIFROST_CLOSE, NULL, 0), -ENOSPC);
	/* size limit, checked before room */
	assert_int_equal(vh_bifrost_encode_header(
				 buf, SIZE_MAX, VH_BIFROST_DATA, VH_BIFROST_MAX_PAYLOAD + 1),
		-EINVAL);
	assert_int_equal(
		vh_bifrost_encode_header(buf, SIZE_MAX, VH_BIFROST_DATA, VH_BIFROST_MAX_PAYLOAD),
		8);
	assert_int_equal(
		vh_bifrost_encode_header(buf, sizeof(buf), VH_BIFROST_DATA, VH_BIFROST_MAX_PAYLOAD),
		-ENOSPC);
}

/* The payload may already sit where the frame goes (header variant) or overlap it. */
static void
test_encode_in_place(void **state)
{
	uint8_t buf[64], want[48];
	struct vh_bifrost_frame f;
	size_t pos = 0;

	(void)state;
	fill(buf + 8, 40, 3);
	memcpy(want, buf + 8, 40);
	assert_int_equal(vh_bifrost_encode_header(buf, sizeof(buf), VH_BIFROST_DATA, 40), 8);
	assert_int_equal(vh_bifrost_next(buf, 48, &pos, &f), 1);
	assert_memory_equal(f.payload, want, 40);

	/* payload starting at buf itself: the header must not clobber it */
	fill(buf, 40, 9);
	memcpy(want, buf, 40);
	assert_int_equal(vh_bifrost_encode(buf, sizeof(buf), VH_BIFROST_CONTROL, buf, 40), 48);
	pos = 0;
	assert_int_equal(vh_bifrost_next(buf, 48, &pos, &f), 1);
	assert_int_equal(f.type, VH_BIFROST_CONTROL);
	assert_memory_equal(f.payload, want, 40);
}

/* A datagram of one frame of every type, then walk it. */
static size_t
build_all_types(uint8_t *d, size_t cap, size_t *offsets)
{
	uint8_t p[32];
	size_t len = 0;

	for (size_t t = 0; t < sizeof(known_types); t++) {
		uint32_t n = may_be_empty(known_types[t]) ? 0 : 16 + (uint32_t)t;
		int rc;

		fill(p, sizeof(p), (unsigned int)t);
		offsets[t] = len;
		rc = vh_bifrost_encode(d + len, cap - len, known_types[t], p, n);
		assert_true(rc > 0);
		len += (size_t)rc;
	}
	return len;
}

static void
test_multiple_frames(void **state)
{
	uint8_t d[512], p[32];
	size_t offsets[sizeof(known_types)], pos = 0, len;
	struct vh_bifrost_frame f;

	(void)state;
	len = build_all_types(d, sizeof(d), offsets);
	assert_int_equal(vh_bifrost_validate(d, len), VH_DROP_NONE);
	for (size_t t = 0; t < sizeof(known_types); t++) {
		assert_int_equal(vh_bifrost_next(d, len, &pos, &f), 1);
		assert_int_equal(f.type, known_types[t]);
		assert_int_equal(f.offset, offsets[t]);
		assert_ptr_equal(f.payload, d + offsets[t] + 8);
		fill(p, sizeof(p), (unsigned int)t);
		if (f.length > 0)
			assert_memory_equal(f.payload, p, f.length);
	}
	assert_int_equal(pos, len);
	assert_int_equal(vh_bifrost_next(d, len, &pos, &f), 0);
	assert_int_equal(vh_bifrost_next(d, len, &pos, &f), 0);
	/* several empty frames back to back */
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(vh_bifrost_encode(d + 8 * i, 8, VH_BIFROST_KEEPALIVE, NULL, 0), 8);
	assert_int_equal(vh_bifrost_validate(d, 40), VH_DROP_NONE);
}

/* Cutting a datagram anywhere but at a frame boundary names the right reason. */
static void
test_truncated_at_every_offset(void **state)
{
	uint8_t d[512];
	size_t offsets[sizeof(known_types) + 1], len;

	(void)state;
	len = build_all_types(d, sizeof(d), offsets);
	offsets[sizeof(known_types)] = len;
	expect_reason(d, 0, VH_DROP_BIFROST_SHORT);
	for (size_t cut = 1; cut <= len; cut++) {
		size_t t = 0;
		int want;

		while (offsets[t + 1] <= cut && t + 1 < sizeof(known_types))
			t++;
		if (cut == offsets[t] || cut == offsets[t + 1])
			want = VH_DROP_NONE;
		else if (cut - offsets[t] < VH_BIFROST_HDR_LEN)
			want = VH_DROP_BIFROST_SHORT;
		else
			want = VH_DROP_BIFROST_BAD_LENGTH;
		expect_reason(d, cut, want);
	}
}

static void
test_bad_magic(void **state)
{
	uint8_t d[24];

	(void)state;
	for (unsigned int which = 0; which < 2; which++) {
		for (unsigned int v = 0; v < 256; v++) {
			assert_int_equal(vh_bifrost_encode(d, sizeof(d), VH_BIFROST_DATA,
						 (const uint8_t *)"0123456789abcdef", 16),
				24);
			d[which] = (uint8_t)v;
			expect_reason(d, sizeof(d),
				v == (which == 0 ? 0x56u : 0x48u) ? VH_DROP_NONE
								  : VH_DROP_BIFROST_BAD_MAGIC);
		}
	}
}

static void
test_bad_version(void **state)
{
	uint8_t d[16];

	(void)state;
	for (unsigned int v = 0; v < 256; v++) {
		raw_header(d, 'V', 'H', (uint8_t)v, VH_BIFROST_KEEPALIVE, 8);
		memset(d + 8, 0, 8);
		expect_reason(d, sizeof(d),
			v == VH_BIFROST_VERSION ? VH_DROP_NONE : VH_DROP_BIFROST_BAD_VERSION);
	}
}

static void
test_lengths(void **state)
{
	static const uint32_t too_big[] = {
		VH_BIFROST_MAX_PAYLOAD + 1, 0x7fffffff, 0x80000000, UINT32_MAX};
	uint8_t d[40] = {0};
	uint8_t *big;

	(void)state;
	/* one byte more than the datagram holds */
	raw_header(d, 'V', 'H', 1, VH_BIFROST_DATA, 33);
	expect_reason(d, 40, VH_DROP_BIFROST_BAD_LENGTH);
	raw_header(d, 'V', 'H', 1, VH_BIFROST_DATA, 32);
	expect_reason(d, 40, VH_DROP_NONE);
	/* the 16 MiB limit comes before the datagram bound */
	raw_header(d, 'V', 'H', 1, VH_BIFROST_DATA, VH_BIFROST_MAX_PAYLOAD);
	expect_reason(d, 40, VH_DROP_BIFROST_BAD_LENGTH);
	for (size_t i = 0; i < sizeof(too_big) / sizeof(too_big[0]); i++) {
		raw_header(d, 'V', 'H', 1, VH_BIFROST_DATA, too_big[i]);
		expect_reason(d, 40, VH_DROP_BIFROST_TOO_LARGE);
	}
	/* exactly 16 MiB is fine when it is really there; one more byte is not */
	big = calloc(1, 8 + (size_t)VH_BIFROST_MAX_PAYLOAD + 1);
	assert_non_null(big);
	raw_header(big, 'V', 'H', 1, VH_BIFROST_DATA, VH_BIFROST_MAX_PAYLOAD);
	expect_reason(big, 8 + (size_t)VH_BIFROST_MAX_PAYLOAD, VH_DROP_NONE);
	raw_header(big, 'V', 'H', 1, VH_BIFROST_DATA, VH_BIFROST_MAX_PAYLOAD + 1);
	expect_reason(big, 8 + (size_t)VH_BIFROST_MAX_PAYLOAD + 1, VH_DROP_BIFROST_TOO_LARGE);
	free(big);
}

static void
test_zero_length(void **state)
{
	uint8_t d[8];

	(void)state;
	for (size_t t = 0; t < sizeof(known_types); t++) {
		raw_header(d, 'V', 'H', 1, known_types[t], 0);
		expect_reason(d, sizeof(d),
			may_be_empty(known_types[t]) ? VH_DROP_NONE : VH_DROP_BIFROST_ZERO_LENGTH);
	}
}

static void
test_unknown_types(void **state)
{
	uint8_t d[8 + 16] = {0};
	unsigned int unknown = 0;

	(void)state;
	for (unsigned int t = 0; t < 256; t++) {
		bool known = (t >= 1 && t <= 6) || (t >= 0x10 && t <= 0x14);

		raw_header(d, 'V', 'H', 1, (uint8_t)t, 16);
		expect_reason(d, sizeof(d), known ? VH_DROP_NONE : VH_DROP_BIFROST_UNKNOWN_TYPE);
		unknown += !known;
	}
	assert_int_equal(unknown, 245);
	/* link frames are known and named; the rest of the reserved ranges is unknown but named */
	assert_string_equal(vh_bifrost_type_name(0x10), "handshake-init");
	assert_string_equal(vh_bifrost_type_name(0x11), "handshake-resp");
	assert_string_equal(vh_bifrost_type_name(0x12), "cookie-reply");
	assert_string_equal(vh_bifrost_type_name(0x13), "link-data");
	assert_string_equal(vh_bifrost_type_name(0x14), "handshake-finish");
	assert_string_equal(vh_bifrost_type_name(0x15), "link-reserved");
	assert_string_equal(vh_bifrost_type_name(0x1f), "link-reserved");
	assert_string_equal(vh_bifrost_type_name(0x20), "mix-reserved");
	assert_string_equal(vh_bifrost_type_name(0x2f), "mix-reserved");
	assert_string_equal(vh_bifrost_type_name(0x0f), "unknown");
	assert_string_equal(vh_bifrost_type_name(0x30), "unknown");
	assert_string_equal(vh_bifrost_type_name(0), "unknown");
	assert_string_equal(vh_bifrost_type_name(VH_BIFROST_DATA), "data");
	assert_string_equal(vh_bifrost_type_name(VH_BIFROST_CONTROL), "control");
	assert_string_equal(vh_bifrost_type_name(VH_BIFROST_KEEPALIVE), "keepalive");
	assert_string_equal(vh_bifrost_type_name(VH_BIFROST_CLOSE), "close");
	assert_string_equal(vh_bifrost_type_name(VH_BIFROST_ECHO_REQUEST), "echo-request");
	assert_string_equal(vh_bifrost_type_name(VH_BIFROST_ECHO_REPLY), "echo-reply");
}

static void
test_short_echo(void **state)
{
	uint8_t d[8 + 16] = {0};

	(void)state;
	for (uint32_t n = 1; n <= 16; n++) {
		raw_header(d, 'V', 'H', 1, VH_BIFROST_ECHO_REQUEST, n);
		expect_reason(d, 8 + n, n < 16 ? VH_DROP_BIFROST_BAD_ECHO : VH_DROP_NONE);
		raw_header(d, 'V', 'H', 1, VH_BIFROST_ECHO_REPLY, n);
		expect_reason(d, 8 + n, n < 16 ? VH_DROP_BIFROST_BAD_ECHO : VH_DROP_NONE);
	}
	assert_int_equal(vh_bifrost_echo_parse(d + 8, 15, NULL, NULL, NULL), -EINVAL);
}

/* The first bad frame decides; the iterator stops there without moving. */
static void
test_first_bad_frame_wins(void **state)
{
	uint8_t d[64] = {0};
	struct vh_bifrost_frame f = {0};
	size_t pos = 0;

	(void)state;
	raw_header(d, 'V', 'H', 1, VH_BIFROST_KEEPALIVE, 0);
	raw_header(d + 8, 'V', 'H', 2, VH_BIFROST_DATA, 4);
	raw_header(d + 20, 'X', 'H', 1, VH_BIFROST_DATA, 4);
	expect_reason(d, 32, VH_DROP_BIFROST_BAD_VERSION);
	assert_int_equal(vh_bifrost_next(d, 32, &pos, &f), 1);
	assert_int_equal(pos, 8);
	assert_int_equal(vh_bifrost_next(d, 32, &pos, &f), -VH_DROP_BIFROST_BAD_VERSION);
	assert_int_equal(pos, 8);
	assert_int_equal(f.type, VH_BIFROST_KEEPALIVE);
	/* trailing junk shorter than a header after good frames */
	raw_header(d, 'V', 'H', 1, VH_BIFROST_CLOSE, 0);
	for (size_t extra = 1; extra < 8; extra++)
		expect_reason(d, 8 + extra, VH_DROP_BIFROST_SHORT);
}

static void
test_echo_build_parse(void **state)
{
	uint8_t buf[1500];
	struct vh_bifrost_frame f;
	uint32_t ident, seq;
	uint64_t ts;
	size_t pos = 0;

	(void)state;
	assert_int_equal(vh_bifrost_echo_build(buf, sizeof(buf), 0xdeadbeef, 0x01020304,
				 0x1122334455667788ull, 100),
		108);
	assert_int_equal(vh_bifrost_next(buf, 108, &pos, &f), 1);
	assert_int_equal(f.type, VH_BIFROST_ECHO_REQUEST);
	assert_int_equal(f.length, 100);
	assert_int_equal(vh_bifrost_echo_parse(f.payload, f.length, &ident, &seq, &ts), 0);
	assert_int_equal(ident, 0xdeadbeef);
	assert_int_equal(seq, 0x01020304);
	assert_true(ts == 0x1122334455667788ull);
	/* big-endian on the wire */
	assert_int_equal(buf[8], 0xde);
	assert_int_equal(buf[12], 0x01);
	assert_int_equal(buf[16], 0x11);
	assert_int_equal(buf[23], 0x88);
	for (size_t i = 24; i < 108; i++)
		assert_int_equal(buf[i], 0);
	assert_int_equal(vh_bifrost_echo_build(buf, sizeof(buf), 1, 2, 3, 15), -EINVAL);
	assert_int_equal(vh_bifrost_echo_build(buf, 23, 1, 2, 3, 16), -ENOSPC);
	assert_int_equal(vh_bifrost_echo_build(buf, 24, 1, 2, 3, 16), 24);
	assert_int_equal(
		vh_bifrost_echo_build(buf, SIZE_MAX, 1, 2, 3, (size_t)VH_BIFROST_MAX_PAYLOAD + 1),
		-EINVAL);
}

static void
test_echo_reply_inplace(void **state)
{
	static const size_t sizes[] = {16, 17, 64, 1400};
	uint8_t d[1500], copy[1500];
	uint32_t ident, seq;
	uint64_t ts;

	(void)state;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		int len = vh_bifrost_echo_build(d, sizeof(d), 42, (uint32_t)i, 1000 + i, sizes[i]);
		struct vh_bifrost_frame f;
		size_t pos = 0;

		assert_true(len > 0);
		fill(d + 24, sizes[i] - 16, 5);
		memcpy(copy, d, (size_t)len);
		assert_int_equal(vh_bifrost_echo_reply_inplace(d, (size_t)len), 0);
		/* only the type byte changed */
		assert_int_equal(d[3], VH_BIFROST_ECHO_REPLY);
		copy[3] = VH_BIFROST_ECHO_REPLY;
		assert_memory_equal(d, copy, (size_t)len);
		assert_int_equal(vh_bifrost_next(d, (size_t)len, &pos, &f), 1);
		assert_int_equal(vh_bifrost_echo_parse(f.payload, f.length, &ident, &seq, &ts), 0);
		assert_int_equal(ident, 42);
		assert_int_equal(seq, i);
		assert_true(ts == 1000 + i);
		/* a reply is never answered again */
		assert_int_equal(vh_bifrost_echo_reply_inplace(d, (size_t)len), -ENOMSG);
		assert_int_equal(d[3], VH_BIFROST_ECHO_REPLY);
	}
}

static void
expect_not_answered(uint8_t *d, size_t len, int rc)
{
	uint8_t copy[256];

	memcpy(copy, d, len);
	assert_int_equal(vh_bifrost_echo_reply_inplace(d, len), rc);
	assert_memory_equal(d, copy, len);
}

static void
test_echo_reply_refused(void **state)
{
	uint8_t d[256];
	int n;

	(void)state;
	n = vh_bifrost_echo_build(d, sizeof(d), 1, 2, 3, 16);
	/* echo followed by another frame: well-formed, but not a lone request */
	assert_int_equal(vh_bifrost_encode(d + n, 8, VH_BIFROST_KEEPALIVE, NULL, 0), 8);
	expect_not_answered(d, (size_t)n + 8, -ENOMSG);
	/* another frame, then the echo */
	assert_int_equal(vh_bifrost_encode(d, 8, VH_BIFROST_KEEPALIVE, NULL, 0), 8);
	assert_int_equal(vh_bifrost_echo_build(d + 8, sizeof(d) - 8, 1, 2, 3, 16), 24);
	expect_not_answered(d, 32, -ENOMSG);
	/* not an echo at all */
	n = vh_bifrost_encode(
		d, sizeof(d), VH_BIFROST_DATA, (const uint8_t *)"0123456789abcdef", 16);
	expect_not_answered(d, (size_t)n, -ENOMSG);
	/* malformed: the drop reason */
	n = vh_bifrost_echo_build(d, sizeof(d), 1, 2, 3, 16);
	expect_not_answered(d, (size_t)n + 1, VH_DROP_BIFROST_SHORT);
	expect_not_answered(d, (size_t)n - 1, VH_DROP_BIFROST_BAD_LENGTH);
	expect_not_answered(d, 0, VH_DROP_BIFROST_SHORT);
	d[2] = 2;
	expect_not_answered(d, (size_t)n, VH_DROP_BIFROST_BAD_VERSION);
	d[2] = 1;
	d[0] = 'v';
	expect_not_answered(d, (size_t)n, VH_DROP_BIFROST_BAD_MAGIC);
	raw_header(d, 'V', 'H', 1, VH_BIFROST_ECHO_REQUEST, 8);
	expect_not_answered(d, 16, VH_DROP_BIFROST_BAD_ECHO);
	raw_header(d, 'V', 'H', 1, VH_BIFROST_ECHO_REQUEST, 0);
	expect_not_answered(d, 8, VH_DROP_BIFROST_ZERO_LENGTH);
}

static size_t
unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = strlen(s);

	assert_true(n % 2 == 0 && n / 2 <= cap);
	for (size_t i = 0; i < n / 2; i++) {
		unsigned int v;

		assert_int_equal(sscanf(s + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
	return n / 2;
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (f == NULL)
		fail_msg("cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), n);
	fclose(f);
	return buf;
}

/* Re-encodes every frame of a valid vector with the public encoder. */
static void
reencode(const uint8_t *d, size_t len)
{
	uint8_t out[256];
	struct vh_bifrost_frame f;
	size_t pos = 0, olen = 0;

	while (vh_bifrost_next(d, len, &pos, &f) == 1) {
		int rc = vh_bifrost_encode(
			out + olen, sizeof(out) - olen, f.type, f.payload, f.length);

		assert_true(rc > 0);
		olen += (size_t)rc;
	}
	assert_int_equal(olen, len);
	assert_memory_equal(out, d, len);
}

/* Vectors with a known origin are rebuilt from their meaning. */
static void
rebuild(const char *name, const uint8_t *d, size_t len)
{
	uint8_t out[256];
	int n = -1;

	if (strcmp(name, "echo_request") == 0 || strcmp(name, "echo_reply") == 0) {
		n = vh_bifrost_echo_build(
			out, sizeof(out), 0x01020304, 1, 0x0011223344556677ull, 16);
		if (strcmp(name, "echo_reply") == 0)
			assert_int_equal(vh_bifrost_echo_reply_inplace(out, (size_t)n), 0);
	} else if (strcmp(name, "data_hello") == 0) {
		n = vh_bifrost_encode(
			out, sizeof(out), VH_BIFROST_DATA, (const uint8_t *)"hello", 5);
	} else if (strcmp(name, "two_frames") == 0) {
		n = vh_bifrost_encode(out, sizeof(out), VH_BIFROST_DATA, (const uint8_t *)"hi", 2);
		n += vh_bifrost_encode(
			out + n, sizeof(out) - (size_t)n, VH_BIFROST_KEEPALIVE, NULL, 0);
	} else {
		return;
	}
	assert_int_equal(n, len);
	assert_memory_equal(out, d, len);
}

static void
test_documented_vectors(void **state)
{
	FILE *f = fopen(vectors_path, "r");
	char *doc = slurp(doc_path);
	unsigned int count = 0, good = 0;
	char line[512];

	(void)state;
	if (f == NULL)
		fail_msg("cannot open %s", vectors_path);
	while (fgets(line, sizeof(line), f) != NULL) {
		char name[64], expect[64], hex[400];
		uint8_t d[200];
		size_t len;
		int want;

		if (line[0] == '#' || line[0] == '\n')
			continue;
		assert_int_equal(sscanf(line, "%63s %63s %399s", name, expect, hex), 3);
		line[strcspn(line, "\n")] = '\0';
		if (strstr(doc, line) == NULL)
			fail_msg("docs/protocol.md does not quote the vector line \"%s\"", line);
		len = unhex(hex, d, sizeof(d));
		want = strcmp(expect, "ok") == 0 ? VH_DROP_NONE : vh_drop_from_name(expect);
		assert_true(want >= 0);
		expect_reason(d, len, want);
		if (want == VH_DROP_NONE) {
			reencode(d, len);
			rebuild(name, d, len);
			good++;
		}
		count++;
	}
	fclose(f);
	free(doc);
	assert_true(good >= 4);
	assert_true(count >= 12);
	print_message("frame vectors checked: %u (%u valid)\n", count, good);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_every_type),
		cmocka_unit_test(test_encode_refuses),
		cmocka_unit_test(test_encode_in_place),
		cmocka_unit_test(test_multiple_frames),
		cmocka_unit_test(test_truncated_at_every_offset),
		cmocka_unit_test(test_bad_magic),
		cmocka_unit_test(test_bad_version),
		cmocka_unit_test(test_lengths),
		cmocka_unit_test(test_zero_length),
		cmocka_unit_test(test_unknown_types),
		cmocka_unit_test(test_short_echo),
		cmocka_unit_test(test_first_bad_frame_wins),
		cmocka_unit_test(test_echo_build_parse),
		cmocka_unit_test(test_echo_reply_inplace),
		cmocka_unit_test(test_echo_reply_refused),
		cmocka_unit_test(test_documented_vectors),
	};

	if (argc != 3) {
		fprintf(stderr, "usage: %s frames.txt protocol.md\n", argv[0]);
		return 2;
	}
	vectors_path = argv[1];
	doc_path = argv[2];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
