/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * String formats of the schema: names, paths, devargs, MAC, IPv4/IPv6
 * addresses and prefixes, listen endpoints. Each parser explains a refusal
 * in a few words; the walker appends the offending value.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "schema.h"
#include "vh_bifrost.h"
#include "vh_identity.h"

static int
refuse(char *why, size_t cap, const char *reason)
{
	snprintf(why, cap, "%s", reason);
	return -1;
}

/* Describe byte c for a message: printable as 'c', others as 0xNN. */
static void
describe(char *buf, size_t cap, unsigned char c)
{
	if (c >= 0x20 && c < 0x7f)
		snprintf(buf, cap, "'%c'", c);
	else
		snprintf(buf, cap, "byte 0x%02x", c);
}

static int
bad_char(char *why, size_t cap, const char *s, size_t i, const char *allowed)
{
	char c[16];

	describe(c, sizeof(c), (unsigned char)s[i]);
	snprintf(why, cap, "invalid character %s at offset %zu (allowed: %s)", c, i, allowed);
	return -1;
}

static void
copy(const struct field *f, const char *s, void *dst)
{
	snprintf(dst, f->size, "%s", s);
}

static bool
is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

int
parse_node_name(const struct field *f, const char *s, void *dst, char *why, size_t cap)
{
	for (size_t i = 0; s[i] != '\0'; i++)
		if (!is_lower_alnum(s[i]) && (i == 0 || s[i] != '-'))
			return bad_char(why, cap, s, i, "a-z 0-9, and '-' after the first");
	copy(f, s, dst);
	return 0;
}

int
parse_port_name(const struct field *f, const char *s, void *dst, char *why, size_t cap)
{
	for (size_t i = 0; s[i] != '\0'; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-')
			return bad_char(why, cap, s, i, "a-z A-Z 0-9 _ -");
	copy(f, s, dst);
	return 0;
}

int
parse_devargs(const struct field *f, const char *s, void *dst, char *why, size_t cap)
{
	for (size_t i = 0; s[i] != '\0'; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return bad_char(why, cap, s, i, "printable ASCII, no whitespace");
	copy(f, s, dst);
	return 0;
}

int
parse_abs_path(const struct field *f, const char *s, void *dst, char *why, size_t cap)
{
	if (s[0] != '/')
		return refuse(why, cap, "not an absolute path");
	for (size_t i = 0; s[i] != '\0'; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return bad_char(why, cap, s, i, "no control characters");
	copy(f, s, dst);
	return 0;
}

static int
hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int
parse_mac(const struct field *f, const char *s, void *dst, char *why, size_t cap)
{
	static const uint8_t zero[6];
	uint8_t mac[6];

	(void)f;
	if (strlen(s) != 17)
		return refuse(why, cap, "not a MAC address (xx:xx:xx:xx:xx:xx)");
	for (int i = 0; i < 6; i++) {
		int hi = hex(s[3 * i]), lo = hex(s[3 * i + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != ':'))
			return refuse(why, cap, "not a MAC address (xx:xx:xx:xx:xx:xx)");
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	if (mac[0] & 1)
		return refuse(why, cap, "multicast/broadcast MAC not allowed (first octet is odd)");
	if (memcmp(mac, zero, 6) == 0)
		return refuse(why, cap, "all-zero MAC not allowed");
	memcpy(dst, mac, 6);
	return 0;
}

/* Strict decimal: digits only, no leading zero, at most max. */
static int
decimal(const char *s, size_t n, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;

	if (n == 0 || n > 10 || (n > 1 && s[0] == '0'))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

/* inet_pton on the first n bytes of s. */
static int
pton(int af, const char *s, size_t n, void *out)
{
	char buf[INET6_ADDRSTRLEN];

	if (n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return inet_pton(af, buf, out) == 1 ? 0 : -1;
}

/* Split "addr/plen"; returns -1 when there is no well-formed plen. */
static int
split_prefix(const char *s, size_t *addr_len, unsigned long *plen)
{
	const char *slash = strchr(s, '/');

	if (slash == NULL)
		return -1;
	*addr_len = (size_t)(slash - s);
	return decimal(slash + 1, strlen(slash + 1), 255, plen);
}

static const char *
unicast4(uint32_t a)
{
	if (a == 0)
		return "unspecified address 0.0.0.0 not allowed";
	if (a >> 24 == 0)
		return "address in 0.0.0.0/8 not allowed";
	if (a >> 24 == 127)
		return "loopback address not allowed";
	if (a >> 28 == 0xe)
		return "multicast address not allowed";
	if (a == 0xffffffff)
		return "broadcast address not allowed";
	if (a >> 28 == 0xf)
		return "reserved address (240.0.0.0/4) not allowed";
	return NULL;
}

static uint32_t
mask4(unsigned int plen)
{
	return plen == 0 ? 0 : ~(uint32_t)0 << (32 - plen);
}

int
parse_prefix4(const struct field *f, const char *s, void *dst, char *why, size_t cap)
{
	struct vh_config_prefix4 *p = dst;
	const char *bad;
	unsigned long plen;
	uint32_t a, m;
	size_t n;

	(void)f;
	if (split_prefix(s, &n, &plen) != 0 || pton(AF_INET, s, n, &p->addr) != 0)
		return refuse(why, cap, "not an IPv4 address with prefix length");
	if (plen < 1 || plen > 32)
		return refuse(why, cap, "IPv4 prefix length must be 1..32");
	a = ntohl(p->addr);
	bad = unicast4(a);
	if (bad != NULL)
		return refuse(why, cap, bad);
	m = mask4((unsigned int)plen);
	if (plen <= 30 && (a & ~m) == 0)
		return refuse(why, cap, "is the network address of its prefix");
	if (plen <= 30 && (a & ~m) == ~m)
		return refuse(why, cap, "is the broadcast address of its prefix");
	p->plen = (uint8_t)plen;
	return 0;
}

int
parse_addr4(const struct field *f, const char *s, void *dst, char *why, size_t cap)
{
	const char *bad;
	uint32_t a;

	(void)f;
	if (pton(AF_INET, s, strlen(s), &a) != 0)
		return refuse(why, cap, "not an IPv4 address");
	bad = unicast4(ntohl(a));
	if (bad != NULL)
		return refuse(why, cap, bad);
	memcpy(dst, &a, sizeof(a));
	return 0;
}

static const char *
unicast6(const uint8_t *a)
{
	static const uint8_t zero[16];
	static const uint8_t mapped[12] = {[10] = 0xff, [11] = 0xff};

	if (memcmp(a, zero, 16) == 0)
		return "unspecified address :: not allowed";
	if (memcmp(a, zero, 15) == 0 && a[15] == 1)
		return "loopback address not allowed";
	if (a[0] == 0xff)
		return "multicast address not allowed";
	if (memcmp(a, mapped, 12) == 0)
		return "IPv4-mapped address not allowed";
	return NULL;
}

/* True when the bits of a after the first plen are all zero. */
static bool
host_zero6(const uint8_t *a, unsigned int plen)
{
	for (unsigned int bit = plen; bit < 128; bit++)
		if (a[bit / 8] & (0x80 >> (bit % 8)))
			return false;
	return true;
}

int
parse_prefix6(const struct field *f, const char *s, void *dst, char *why, size_t cap)
{
	struct vh_config_prefix6 *p = dst;
	const char *bad;
	unsigned long plen;
	size_t n;

	(void)f;
	if (split_prefix(s, &n, &plen) != 0 || pton(AF_INET6, s, n, p->addr) != 0)
		return refuse(why, cap, "not an IPv6 address with prefix length");
	if (plen < 1 || plen > 128)
		return refuse(why, cap, "IPv6 prefix length must be 1..128");
	bad = unicast6(p->addr);
	if (bad != NULL)
		return refuse(why, cap, bad);
	if (plen <= 126 && host_zero6(p->addr, (unsigned int)plen))
		return refuse(why, cap, "host part is zero (a prefix, not an address)");
	p->plen = (uint8_t)plen;
	return 0;
}

int
parse_addr6(const struct field *f, const char *s, void *dst, char *why, size_t cap)
{
	const char *bad;
	uint8_t a[16];

	(void)f;
	if (pton(AF_INET6, s, strlen(s), a) != 0)
		return refuse(why, cap, "not an IPv6 address");
	bad = unicast6(a);
	if (bad != NULL)
		return refuse(why, cap, bad);
	memcpy(dst, a, 16);
	return 0;
}

int
parse_endpoint(const struct field *f, const char *s, void *dst, char *why, size_t cap)
{
	static const char form[] = "not host:port (IPv4:port or [IPv6]:port, port 1..65535)";
	struct vh_config_endpoint e = {0};
	const char *colon, *host = s;
	unsigned long port;
	size_t n;

	(void)f;
	if (s[0] == '[') {
		const char *end = strchr(s, ']');

		if (end == NULL || end[1] != ':')
			return refuse(why, cap, form);
		host = s + 1;
		n = (size_t)(end - host);
		colon = end + 1;
		e.family = AF_INET6;
	} else {
		colon = strchr(s, ':');
		if (colon != NULL && strchr(colon + 1, ':') != NULL)
			return refuse(
				why, cap, "an IPv6 listen address needs brackets: [addr]:port");
		if (colon == NULL)
			return refuse(why, cap, form);
		n = (size_t)(colon - s);
		e.family = AF_INET;
	}
	if (pton(e.family, host, n, e.addr) != 0 ||
		decimal(colon + 1, strlen(colon + 1), 65535, &port) != 0 || port == 0)
		return refuse(why, cap, form);
	if ((e.family == AF_INET && e.addr[0] >> 4 == 0xe) ||
		(e.family == AF_INET6 && e.addr[0] == 0xff))
		return refuse(why, cap, "multicast address not allowed");
	e.port = (uint16_t)port;
	memcpy(dst, &e, sizeof(e));
	return 0;
}

void
format_text(const struct field *f, const void *src, char *buf, size_t cap)
{
	/* bounded: the struct may not come from a load */
	snprintf(buf, cap, "%.*s", (int)f->size, (const char *)src);
}

void
format_mac(const struct field *f, const void *src, char *buf, size_t cap)
{
	const uint8_t *m = src;

	(void)f;
	snprintf(buf, cap, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

void
format_addr4(const struct field *f, const void *src, char *buf, size_t cap)
{
	(void)f;
	if (inet_ntop(AF_INET, src, buf, (socklen_t)cap) == NULL && cap > 0)
		buf[0] = '\0';
}

void
format_addr6(const struct field *f, const void *src, char *buf, size_t cap)
{
	(void)f;
	if (inet_ntop(AF_INET6, src, buf, (socklen_t)cap) == NULL && cap > 0)
		buf[0] = '\0';
}

void
format_prefix4(const struct field *f, const void *src, char *buf, size_t cap)
{
	const struct vh_config_prefix4 *p = src;
	char a[INET_ADDRSTRLEN];

	format_addr4(f, &p->addr, a, sizeof(a));
	snprintf(buf, cap, "%s/%u", a, p->plen);
}

void
format_prefix6(const struct field *f, const void *src, char *buf, size_t cap)
{
	const struct vh_config_prefix6 *p = src;
	char a[INET6_ADDRSTRLEN];

	format_addr6(f, p->addr, a, sizeof(a));
	snprintf(buf, cap, "%s/%u", a, p->plen);
}

void
format_endpoint(const struct field *f, const void *src, char *buf, size_t cap)
{
	const struct vh_config_endpoint *e = src;
	char a[INET6_ADDRSTRLEN];

	if (e->family == AF_INET6) {
		format_addr6(f, e->addr, a, sizeof(a));
		snprintf(buf, cap, "[%s]:%u", a, e->port);
	} else {
		format_addr4(f, e->addr, a, sizeof(a));
		snprintf(buf, cap, "%s:%u", a, e->port);
	}
}

bool
prefix4_contains(const struct vh_config_prefix4 *p, uint32_t addr)
{
	uint32_t m = mask4(p->plen);

	return (ntohl(p->addr) & m) == (ntohl(addr) & m);
}

bool
prefix6_contains(const struct vh_config_prefix6 *p, const uint8_t *addr)
{
	unsigned int full = p->plen / 8, rest = p->plen % 8;

	if (memcmp(p->addr, addr, full) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((p->addr[full] ^ addr[full]) & (0xff << (8 - rest))) == 0;
}

int
parse_peer_address(const struct field *f, const char *s, void *dst, char *why, size_t cap)
{
	struct vh_pathaddr pa;
	char err[128] = "";

	if (vh_pathaddr_parse(s, &pa, err, sizeof(err)) != 0)
		return refuse(why, cap, err[0] != '\0' ? err : "not a PathAddr");
	if (pa.kind != VH_PATHADDR_UDP)
		return refuse(
			why, cap, "only /udp/ PathAddrs can be peers until the mesh layer exists");
	snprintf(dst, f->size, "%s", s);
	return 0;
}

int
parse_node_id(const struct field *f, const char *s, void *dst, char *why, size_t cap)
{
	(void)f;
	if (vh_identity_nodeid_parse(s, dst) != 0)
		return refuse(why, cap, "not a NodeID (VH... text with a valid checksum)");
	return 0;
}

void
format_node_id(const struct field *f, const void *src, char *buf, size_t cap)
{
	(void)f;
	if (vh_identity_nodeid_format(src, buf, cap) < 0 && cap > 0)
		buf[0] = '\0';
}
