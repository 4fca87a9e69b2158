/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * PathAddr: the text form of where a peer can be reached.
 *
 *     pathaddr := udp | "/relay/" nodeid [ udp ]
 *     udp      := "/udp/" ( ipv4 | "[" ipv6 "]" ) [ ":" port ]
 *
 * Parsing is strict so that every address has exactly one spelling after
 * formatting and junk from config files or operators is named, not guessed
 * at. The grammar and its rules are in docs/protocol.md.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "vh_bifrost.h"

#define UDP_PREFIX "/udp/"
#define RELAY_PREFIX "/relay/"

static int __attribute__((format(printf, 3, 4)))
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Why an address cannot name a unicast peer, or NULL if it can. */
static const char *
addr_problem(uint8_t family, const uint8_t *a)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	static const uint8_t zero[16];

	if (family == 4) {
		if (a[0] == 0)
			return "0.0.0.0/8 is not a peer address";
		if (a[0] >= 224 && a[0] <= 239)
			return "multicast address";
		if (memcmp(a, "\xff\xff\xff\xff", 4) == 0)
			return "broadcast address";
		return memcmp(a + 4, zero, 12) == 0 ? NULL : "IPv4 address with stray bytes";
	}
	if (memcmp(a, zero, 16) == 0)
		return "unspecified address ::";
	if (a[0] == 0xff)
		return "multicast address";
	if (memcmp(a, mapped, 12) == 0)
		return "IPv4-mapped IPv6 address: write it as /udp/a.b.c.d";
	return NULL;
}

/* Dotted quad, no leading zeros; returns characters used or 0. */
static size_t
parse_ip4(const char *s, uint8_t *out)
{
	size_t i = 0;

	for (int octet = 0; octet < 4; octet++) {
		unsigned int v = 0;
		size_t start;

		if (octet > 0 && s[i++] != '.')
			return 0;
		start = i;
		while (i - start < 4 && is_digit(s[i]))
			v = v * 10 + (unsigned int)(s[i++] - '0');
		if (i == start || i - start > 3 || v > 255 || (s[start] == '0' && i - start > 1))
			return 0;
		out[octet] = (uint8_t)v;
	}
	return i;
}

/* ":port" or nothing; s points after the host. */
static int
parse_port(const char *s, uint16_t *port, char *err, size_t errlen)
{
	unsigned long v = 0;
	size_t n = 0;

	if (*s == '\0') {
		*port = VH_DEFAULT_UDP_PORT;
		return 0;
	}
	if (*s != ':')
		return fail(err, errlen, "unexpected '%c' after the address", *s);
	for (s++; n < 6 && is_digit(s[n]); n++)
		v = v * 10 + (unsigned long)(s[n] - '0');
	if (n == 0)
		return fail(err, errlen, "missing port number after ':'");
	if (s[0] == '0')
		return fail(err, errlen, "%s",
			n == 1 ? "port 0 is not allowed" : "port with a leading zero");
	if (n > 5 || v > 65535)
		return fail(err, errlen, "port out of range (1..65535)");
	if (s[n] != '\0')
		return fail(err, errlen, "trailing characters after the port: \"%s\"", s + n);
	*port = (uint16_t)v;
	return 0;
}

static int
parse_ip6_bracketed(const char *s, struct vh_pathaddr *pa, char *err, size_t errlen)
{
	const char *end = strchr(s, ']');
	char text[INET6_ADDRSTRLEN];
	size_t n;

	if (end == NULL)
		return fail(err, errlen, "missing ']' after the IPv6 address");
	n = (size_t)(end - s - 1);
	if (n == 0 || n >= sizeof(text))
		return fail(err, errlen, "bad IPv6 address length");
	memcpy(text, s + 1, n);
	text[n] = '\0';
	if (strpbrk(text, ".%") != NULL)
		return fail(err, errlen, "IPv6 address with a zone or dotted IPv4 part");
	if (inet_pton(AF_INET6, text, pa->addr) != 1)
		return fail(err, errlen, "bad IPv6 address \"%s\"", text);
	pa->family = 6;
	return parse_port(end + 1, &pa->port, err, errlen);
}

static int
parse_udp(const char *s, struct vh_pathaddr *pa, char *err, size_t errlen)
{
	const char *why;
	size_t n;
	int rc;

	if (*s == '[') {
		rc = parse_ip6_bracketed(s, pa, err, errlen);
	} else {
		n = parse_ip4(s, pa->addr);
		if (n == 0) {
			if (strchr(s, ':') != NULL && strchr(s, ':') != strrchr(s, ':'))
				return fail(err, errlen,
					"IPv6 addresses go in brackets: /udp/[addr]:port");
			return fail(err, errlen, "bad IPv4 address (hostnames are not supported)");
		}
		pa->family = 4;
		rc = parse_port(s + n, &pa->port, err, errlen);
	}
	if (rc != 0)
		return rc;
	why = addr_problem(pa->family, pa->addr);
	return why == NULL ? 0 : fail(err, errlen, "%s", why);
}

/*
 * A NodeID in either text form: "VH" + base58 (what everything prints) or
 * bare base58 (what PathAddrs carried before). Text starting with "VH" is
 * always the prefixed form (as vh_identity_nodeid_parse() reads it), so a
 * damaged prefixed NodeID never reads as another bare one.
 */
static int
decode_nodeid(const char *s, size_t n, uint8_t *id, size_t cap)
{
	if (n >= 2 && s[0] == 'V' && s[1] == 'H')
		return vh_base58_decode(s + 2, n - 2, id, cap);
	return vh_base58_decode(s, n, id, cap);
}

static int
parse_relay(const char *s, struct vh_pathaddr *pa, char *err, size_t errlen)
{
	const char *end = strchr(s, '/');
	size_t n = end != NULL ? (size_t)(end - s) : strlen(s);
	uint8_t id[VH_NODE_ID_LEN + 1];
	int rc;

	if (n == 0)
		return fail(err, errlen, "missing relay NodeID");
	rc = decode_nodeid(s, n, id, sizeof(id));
	if (rc == -EINVAL)
		return fail(err, errlen, "relay NodeID is not base58");
	if (rc != VH_NODE_ID_LEN)
		return fail(err, errlen, "relay NodeID must be %d bytes in base58", VH_NODE_ID_LEN);
	pa->kind = VH_PATHADDR_RELAY;
	memcpy(pa->relay, id, VH_NODE_ID_LEN);
	if (end == NULL)
		return 0;
	if (strncmp(end, RELAY_PREFIX, strlen(RELAY_PREFIX)) == 0)
		return fail(err, errlen, "only one relay hop is supported");
	if (strncmp(end, UDP_PREFIX, strlen(UDP_PREFIX)) != 0)
		return fail(err, errlen, "after the relay NodeID only /udp/... may follow");
	return parse_udp(end + strlen(UDP_PREFIX), pa, err, errlen);
}

int
vh_pathaddr_parse(const char *str, struct vh_pathaddr *pa, char *err, size_t errlen)
{
	size_t n;
	int rc;

	memset(pa, 0, sizeof(*pa));
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (str == NULL)
		return fail(err, errlen, "no address");
	if (strnlen(str, VH_PATHADDR_STRLEN) >= VH_PATHADDR_STRLEN)
		return fail(err, errlen, "longer than %d characters", VH_PATHADDR_STRLEN - 1);
	if (strncmp(str, UDP_PREFIX, strlen(UDP_PREFIX)) == 0) {
		pa->kind = VH_PATHADDR_UDP;
		rc = parse_udp(str + strlen(UDP_PREFIX), pa, err, errlen);
	} else if (strncmp(str, RELAY_PREFIX, strlen(RELAY_PREFIX)) == 0) {
		rc = parse_relay(str + strlen(RELAY_PREFIX), pa, err, errlen);
	} else if (str[0] == '/' && (n = strcspn(str + 1, "/")) > 0 && n < 16) {
		rc = fail(err, errlen, "unsupported transport \"%.*s\" (only /udp/ and /relay/)",
			(int)n, str + 1);
	} else {
		rc = fail(err, errlen, "must start with /udp/ or /relay/");
	}
	if (rc != 0)
		memset(pa, 0, sizeof(*pa));
	return rc;
}

/* RFC 5952: lower case, no leading zeros, the longest run (>= 2) of zero groups as "::". */
static void
format_ip6(const uint8_t *a, char *out)
{
	unsigned int g[8];
	int best = -1, best_len = 0;

	for (int i = 0; i < 8; i++)
		g[i] = (unsigned int)a[2 * i] << 8 | a[2 * i + 1];
	for (int i = 0; i < 8;) {
		int j = i;

		while (j < 8 && g[j] == 0)
			j++;
		if (j - i > best_len && j - i >= 2) {
			best = i;
			best_len = j - i;
		}
		i = j > i ? j : i + 1;
	}
	for (int i = 0; i < 8; i++) {
		if (i == best) {
			out += sprintf(out, "::");
			i += best_len - 1;
			continue;
		}
		out += sprintf(out, "%s%x", i > 0 && i != best + best_len ? ":" : "", g[i]);
	}
	*out = '\0';
}

static int
format_udp(const struct vh_pathaddr *pa, char *out)
{
	char host[INET6_ADDRSTRLEN];

	if (pa->family == 4)
		snprintf(host, sizeof(host), "%u.%u.%u.%u", pa->addr[0], pa->addr[1], pa->addr[2],
			pa->addr[3]);
	else
		format_ip6(pa->addr, host);
	return sprintf(out, pa->family == 4 ? "/udp/%s:%u" : "/udp/[%s]:%u", host, pa->port);
}

static bool
valid(const struct vh_pathaddr *pa)
{
	static const uint8_t zero[VH_NODE_ID_LEN];
	bool udp_part = pa->family == 4 || pa->family == 6;

	if (pa->kind == VH_PATHADDR_UDP && memcmp(pa->relay, zero, sizeof(zero)) != 0)
		return false;
	if (pa->kind != VH_PATHADDR_UDP && pa->kind != VH_PATHADDR_RELAY)
		return false;
	if (!udp_part)
		return pa->kind == VH_PATHADDR_RELAY && pa->family == 0 && pa->port == 0 &&
		       memcmp(pa->addr, zero, sizeof(pa->addr)) == 0;
	return pa->port != 0 && addr_problem(pa->family, pa->addr) == NULL;
}

int
vh_pathaddr_format(const struct vh_pathaddr *pa, char *buf, size_t cap)
{
	char out[VH_PATHADDR_STRLEN];
	int n = 0, rc;

	if (!valid(pa))
		return -EINVAL;
	if (pa->kind == VH_PATHADDR_RELAY) {
		n = sprintf(out, RELAY_PREFIX "VH");
		rc = vh_base58_encode(pa->relay, VH_NODE_ID_LEN, out + n, sizeof(out) - (size_t)n);
		if (rc < 0)
			return rc;
		n += rc;
	}
	if (pa->family != 0)
		n += format_udp(pa, out + n);
	if ((size_t)n >= cap)
		return -ENOSPC;
	memcpy(buf, out, (size_t)n + 1);
	return n;
}

int
vh_pathaddr_compare(const struct vh_pathaddr *a, const struct vh_pathaddr *b)
{
	int rc;

	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	rc = memcmp(a->relay, b->relay, sizeof(a->relay));
	if (rc != 0)
		return rc;
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	rc = memcmp(a->addr, b->addr, sizeof(a->addr));
	if (rc != 0)
		return rc;
	return a->port == b->port ? 0 : (a->port < b->port ? -1 : 1);
}
