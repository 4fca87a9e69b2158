/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * PathAddr: a table of good inputs with their canonical form and bad inputs
 * with the error they must name; round trips; struct contents; format's
 * refusals; ordering.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "vh_bifrost.h"

/* SHA-256("valhalla"); its base58 was computed independently with Python. */
#define ID "CMTKsL25zezwFBJFNe7W7L3SPW1sAGonehPNMauTZav9"
#define ID_HEX "a8adf040d5380e118d2d20dfab9bd77c90e20683bab66777a9ce69bc465ca40e"
/* 0x00 followed by 31 bytes: 43 characters with a leading '1' */
#define ID_ZERO_LEAD "1jDLQPjKVNyijBqX8gCjYhpgdKwP97A9TXBYwbqZqHR"
/* 33 bytes of 0xff */
#define ID_33 "2K3n5t4wSaF5mj27Tw9vStXWLWyRjjiH5Cp3CFLpKVCr1c"

struct good {
	const char *in;
	const char *canonical; /* NULL: the input is canonical */
};

static const struct good good[] = {
	{"/udp/1.2.3.4:9000", NULL},
	{"/udp/1.2.3.4", "/udp/1.2.3.4:22088"},
	{"/udp/10.0.0.1:5000", NULL},
	{"/udp/127.0.0.1:1", NULL},
	{"/udp/192.168.1.5:65535", NULL},
	{"/udp/255.255.255.254:9", NULL},
	{"/udp/1.0.0.0:22088", NULL},
	{"/udp/[2001:db8::1]:9000", NULL},
	{"/udp/[2001:DB8::1]:9000", "/udp/[2001:db8::1]:9000"},
	{"/udp/[2001:0db8:0000:0000:0000:0000:0000:0001]:9000", "/udp/[2001:db8::1]:9000"},
	{"/udp/[::1]:9000", NULL},
	{"/udp/[::1]", "/udp/[::1]:22088"},
	{"/udp/[1::]:9000", NULL},
	{"/udp/[fe80::1]:9000", NULL},
	{"/udp/[2001:db8::1:1:1:1:1]:7", "/udp/[2001:db8:0:1:1:1:1:1]:7"},
	{"/udp/[2001:db8:0:0:1:0:0:1]:7", "/udp/[2001:db8::1:0:0:1]:7"},
	{"/udp/[2001:0:0:1:0:0:0:1]:7", "/udp/[2001:0:0:1::1]:7"},
	{"/udp/[1:2:3:4:5:6:7:8]:7", NULL},
	{"/udp/[::ffff:0:0:1]:7", NULL},
	/* NodeIDs: printed as "VH" + base58 (as everywhere), read in both forms */
	{"/relay/VH" ID, NULL},
	{"/relay/" ID, "/relay/VH" ID},
	{"/relay/VH" ID "/udp/1.2.3.4:9000", NULL},
	{"/relay/" ID "/udp/1.2.3.4:9000", "/relay/VH" ID "/udp/1.2.3.4:9000"},
	{"/relay/" ID "/udp/[2001:db8::1]", "/relay/VH" ID "/udp/[2001:db8::1]:22088"},
	{"/relay/11111111111111111111111111111111", "/relay/VH11111111111111111111111111111111"},
	{"/relay/VH" ID_ZERO_LEAD "/udp/[::1]:1", NULL},
};

struct bad {
	const char *in;
	const char *error; /* a substring of the message */
};

static const struct bad bad[] = {
	{"", "must start with"},
	{"udp/1.2.3.4:9000", "must start with"},
	{"//1.2.3.4", "must start with"},
	{"/tcp/1.2.3.4:9000", "unsupported transport \"tcp\""},
	{"/ws/example.com:443", "unsupported transport \"ws\""},
	{"/UDP/1.2.3.4:9000", "unsupported transport \"UDP\""},
	{"/udp/", "bad IPv4 address"},
	{"/udp/example.com:9000", "hostnames are not supported"},
	{"/udp/ 1.2.3.4", "bad IPv4 address"},
	{"/udp/1.2.3:9000", "bad IPv4 address"},
	{"/udp/1.2.3.4.5:9000", "unexpected '.'"},
	{"/udp/256.1.1.1:9000", "bad IPv4 address"},
	{"/udp/1.2.3.1000:9000", "bad IPv4 address"},
	{"/udp/01.2.3.4:9000", "bad IPv4 address"},
	{"/udp/1..3.4:9000", "bad IPv4 address"},
	{"/udp/1.2.3.4:0", "port 0"},
	{"/udp/1.2.3.4:65536", "out of range"},
	{"/udp/1.2.3.4:99999999", "out of range"},
	{"/udp/1.2.3.4:09000", "leading zero"},
	{"/udp/1.2.3.4:", "missing port"},
	{"/udp/1.2.3.4:-1", "missing port"},
	{"/udp/1.2.3.4:+9000", "missing port"},
	{"/udp/1.2.3.4:9000/", "trailing characters"},
	{"/udp/1.2.3.4:9000x", "trailing characters"},
	{"/udp/1.2.3.4:9000\n", "trailing characters"},
	{"/udp/1.2.3.4 ", "unexpected ' '"},
	{"/udp/0.0.0.0:9000", "0.0.0.0/8"},
	{"/udp/0.1.2.3:9000", "0.0.0.0/8"},
	{"/udp/224.0.0.1:9000", "multicast"},
	{"/udp/239.255.255.255:9000", "multicast"},
	{"/udp/255.255.255.255:9000", "broadcast"},
	{"/udp/2001:db8::1", "brackets"},
	{"/udp/[2001:db8::1", "missing ']'"},
	{"/udp/[]:9000", "bad IPv6 address length"},
	{"/udp/[2001:db8::g]:9000", "bad IPv6 address"},
	{"/udp/[2001:db8:::1]:9000", "bad IPv6 address"},
	{"/udp/[1:2:3:4:5:6:7:8:9]:9000", "bad IPv6 address"},
	{"/udp/[12345::1]:9000", "bad IPv6 address"},
	{"/udp/[fe80::1%eth0]:9000", "zone"},
	{"/udp/[::ffff:1.2.3.4]:9000", "dotted"},
	{"/udp/[::ffff:102:304]:9000", "IPv4-mapped"},
	{"/udp/[::]:9000", "unspecified"},
	{"/udp/[ff02::1]:9000", "multicast"},
	{"/udp/[2001:db8::1]9000", "unexpected '9'"},
	{"/udp/[2001:db8::1]:0", "port 0"},
	{"/relay/", "missing relay NodeID"},
	{"/relay//udp/1.2.3.4:9000", "missing relay NodeID"},
	{"/relay/0OIl", "not base58"},
	{"/relay/abc", "must be 32 bytes"},
	{"/relay/" ID_33, "must be 32 bytes"},
	{"/relay/1" ID, "must be 32 bytes"},
	{"/relay/" ID "/", "only /udp/"},
	{"/relay/" ID "/relay/" ID, "only one relay hop"},
	{"/relay/" ID "/tcp/1.2.3.4:1", "only /udp/"},
	{"/relay/" ID "/udp/1.2.3.4:0", "port 0"},
	{"/relay/" ID "/udp/", "bad IPv4"},
};

static void
test_good_table(void **state)
{
	char out[VH_PATHADDR_STRLEN], err[128];
	struct vh_pathaddr a, b;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		const char *want = good[i].canonical != NULL ? good[i].canonical : good[i].in;

		strcpy(err, "untouched");
		if (vh_pathaddr_parse(good[i].in, &a, err, sizeof(err)) != 0)
			fail_msg("%s: %s", good[i].in, err);
		assert_string_equal(err, "");
		assert_int_equal(vh_pathaddr_format(&a, out, sizeof(out)), strlen(want));
		assert_string_equal(out, want);
		/* parse(format(x)) == x */
		assert_int_equal(vh_pathaddr_parse(out, &b, NULL, 0), 0);
		assert_int_equal(vh_pathaddr_compare(&a, &b), 0);
		assert_memory_equal(&a, &b, sizeof(a));
	}
}

static void
test_bad_table(void **state)
{
	struct vh_pathaddr a;
	char err[128];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		static const struct vh_pathaddr zero;

		memset(&a, 0xa5, sizeof(a));
		err[0] = '\0';
		assert_int_equal(vh_pathaddr_parse(bad[i].in, &a, err, sizeof(err)), -EINVAL);
		if (strstr(err, bad[i].error) == NULL)
			fail_msg("\"%s\": message \"%s\" does not say \"%s\"", bad[i].in, err,
				bad[i].error);
		/* nothing half-parsed is left behind */
		assert_memory_equal(&a, &zero, sizeof(a));
		/* and no message buffer is needed */
		assert_int_equal(vh_pathaddr_parse(bad[i].in, &a, NULL, 0), -EINVAL);
	}
	print_message("PathAddr cases: %zu good, %zu bad\n", sizeof(good) / sizeof(good[0]),
		sizeof(bad) / sizeof(bad[0]));
}

static void
test_length_limit(void **state)
{
	char s[VH_PATHADDR_STRLEN + 8], err[128];
	struct vh_pathaddr a;
	size_t n;

	(void)state;
	/* 127 characters is the longest accepted length; it fails for other reasons here */
	strcpy(s, "/udp/1.2.3.4:9000");
	n = strlen(s);
	memset(s + n, 'x', sizeof(s) - n);
	s[VH_PATHADDR_STRLEN - 1] = '\0';
	assert_int_equal(vh_pathaddr_parse(s, &a, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "trailing"));
	s[VH_PATHADDR_STRLEN - 1] = 'x';
	s[VH_PATHADDR_STRLEN] = '\0';
	assert_int_equal(vh_pathaddr_parse(s, &a, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "longer than 127"));
	assert_int_equal(vh_pathaddr_parse(NULL, &a, err, sizeof(err)), -EINVAL);
	/* a tiny message buffer is truncated, not overrun */
	assert_int_equal(vh_pathaddr_parse("/tcp/x", &a, err, 4), -EINVAL);
	assert_string_equal(err, "uns");
}

static void
hex_to(const char *hex, uint8_t *out)
{
	for (size_t i = 0; hex[2 * i] != '\0'; i++) {
		unsigned int v;

		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

static void
test_struct_contents(void **state)
{
	static const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
	static const uint8_t zero[32];
	uint8_t id[32];
	struct vh_pathaddr a;

	(void)state;
	assert_int_equal(vh_pathaddr_parse("/udp/1.2.3.4:9000", &a, NULL, 0), 0);
	assert_int_equal(a.kind, VH_PATHADDR_UDP);
	assert_int_equal(a.family, 4);
	assert_int_equal(a.port, 9000);
	assert_memory_equal(a.addr, "\x01\x02\x03\x04", 4);
	assert_memory_equal(a.addr + 4, zero, 12);
	assert_memory_equal(a.relay, zero, 32);

	assert_int_equal(vh_pathaddr_parse("/udp/[2001:db8::1]", &a, NULL, 0), 0);
	assert_int_equal(a.family, 6);
	assert_int_equal(a.port, VH_DEFAULT_UDP_PORT);
	assert_memory_equal(a.addr, v6, 16);

	hex_to(ID_HEX, id);
	assert_int_equal(vh_pathaddr_parse("/relay/" ID, &a, NULL, 0), 0);
	assert_int_equal(a.kind, VH_PATHADDR_RELAY);
	assert_int_equal(a.family, 0);
	assert_int_equal(a.port, 0);
	assert_memory_equal(a.relay, id, 32);
	assert_memory_equal(a.addr, zero, 16);

	assert_int_equal(vh_pathaddr_parse("/relay/" ID "/udp/10.0.0.1:5000", &a, NULL, 0), 0);
	assert_int_equal(a.kind, VH_PATHADDR_RELAY);
	assert_int_equal(a.family, 4);
	assert_int_equal(a.port, 5000);
	assert_memory_equal(a.relay, id, 32);
	assert_memory_equal(a.addr, "\x0a\x00\x00\x01", 4);
}

static void
test_format_refuses(void **state)
{
	struct vh_pathaddr a, ok;
	char out[VH_PATHADDR_STRLEN];
	int n;

	(void)state;
	assert_int_equal(vh_pathaddr_parse("/relay/" ID "/udp/[2001:db8::1]:9", &ok, NULL, 0), 0);
	n = vh_pathaddr_format(&ok, out, sizeof(out));
	assert_true(n > 0);
	assert_int_equal(vh_pathaddr_format(&ok, out, (size_t)n), -ENOSPC);
	assert_int_equal(vh_pathaddr_format(&ok, out, (size_t)n + 1), n);

	a = ok;
	a.kind = 0;
	assert_int_equal(vh_pathaddr_format(&a, out, sizeof(out)), -EINVAL);
	a = ok;
	a.kind = 3;
	assert_int_equal(vh_pathaddr_format(&a, out, sizeof(out)), -EINVAL);
	a = ok;
	a.family = 5;
	assert_int_equal(vh_pathaddr_format(&a, out, sizeof(out)), -EINVAL);
	a = ok;
	a.port = 0;
	assert_int_equal(vh_pathaddr_format(&a, out, sizeof(out)), -EINVAL);
	a = ok;
	a.kind = VH_PATHADDR_UDP; /* a UDP address with a relay id set */
	assert_int_equal(vh_pathaddr_format(&a, out, sizeof(out)), -EINVAL);
	a = ok;
	a.family = 0; /* relay only, but address bytes left over */
	assert_int_equal(vh_pathaddr_format(&a, out, sizeof(out)), -EINVAL);
	a = ok;
	memset(a.addr, 0, sizeof(a.addr)); /* :: */
	assert_int_equal(vh_pathaddr_format(&a, out, sizeof(out)), -EINVAL);
	assert_int_equal(vh_pathaddr_parse("/udp/1.2.3.4:9", &a, NULL, 0), 0);
	a.addr[15] = 1; /* IPv4 with stray bytes */
	assert_int_equal(vh_pathaddr_format(&a, out, sizeof(out)), -EINVAL);
	memset(&a, 0, sizeof(a));
	assert_int_equal(vh_pathaddr_format(&a, out, sizeof(out)), -EINVAL);
}

static int
sign(int v)
{
	return (v > 0) - (v < 0);
}

static void
test_compare(void **state)
{
	static const char *const sorted[] = {
		"/udp/1.2.3.4:9000",
		"/udp/1.2.3.4:9001",
		"/udp/1.2.3.5:1",
		"/udp/[::1]:1",
		"/udp/[2001:db8::1]:9000",
		"/relay/11111111111111111111111111111111",
		"/relay/11111111111111111111111111111111/udp/1.2.3.4:9000",
		"/relay/11111111111111111111111111111111/udp/[::1]:9000",
		("/relay/" ID),
	};
	const size_t n = sizeof(sorted) / sizeof(sorted[0]);
	struct vh_pathaddr a, b;

	(void)state;
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < n; j++) {
			int want = i < j ? -1 : i > j;

			assert_int_equal(vh_pathaddr_parse(sorted[i], &a, NULL, 0), 0);
			assert_int_equal(vh_pathaddr_parse(sorted[j], &b, NULL, 0), 0);
			assert_int_equal(sign(vh_pathaddr_compare(&a, &b)), want);
		}
	}
	/* different spellings of one address are equal */
	assert_int_equal(vh_pathaddr_parse("/udp/[2001:DB8:0::1]", &a, NULL, 0), 0);
	assert_int_equal(vh_pathaddr_parse("/udp/[2001:db8::1]:22088", &b, NULL, 0), 0);
	assert_int_equal(vh_pathaddr_compare(&a, &b), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_table),
		cmocka_unit_test(test_bad_table),
		cmocka_unit_test(test_length_limit),
		cmocka_unit_test(test_struct_contents),
		cmocka_unit_test(test_format_refuses),
		cmocka_unit_test(test_compare),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
