/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/config reject paths: a table of bad inputs, each with its exact
 * JSONPath and message; syntax errors with line/column; empty, oversized
 * and non-regular files; error formatting.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "config_test.h"

struct bad {
	enum wrap wrap;
	const char *text;
	const char *path;
	const char *message; /* must occur in the message; ' stands for " */
};
#define X17 "[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17]"
#define S33 "a23456789012345678901234567890123"

static const struct bad bad[] = {
	/* root */
	{WHOLE, "[]", "$", "expected an object, got an array"},
	{WHOLE, "{'node':" OK_NODE "}", "$.ports", "missing required key"},
	{WHOLE, "{'ports':[" OK_PORT "]}", "$.node", "missing required key"},
	{EXTRA, "'bogus':1", "$.bogus",
		"unknown key (expected one of: version, node, log, lcores, "
		"overlay, mempool, ports, telemetry, metrics, peers, veil, dht, mix)"},
	{EXTRA, "'we ird\\'':1", "$['we ird\\'']", "unknown key"},
	{EXTRA, "'version':2", "$.version",
		"unsupported config version (this build reads version 1): 2"},
	{EXTRA, "'version':0", "$.version", "unsupported config version"},
	{EXTRA, "'version':'1'", "$.version", "expected an integer, got string '1'"},
	{WHOLE, "{'version':2,'a':1}", "$.version", "unsupported config version"},
	/* node */
	{NODE, "{'name':'n1','extra':1}", "$.node.extra",
		"unknown key (expected one of: name, "
		"control_socket, data_dir, key_file)"},
	{NODE, "{}", "$.node.name", "missing required key"},
	{NODE, "'n1'", "$.node", "expected an object, got string 'n1'"},
	{NODE, "{'name':''}", "$.node.name", "must not be empty"},
	{NODE, "{'name':'N1'}", "$.node.name", "invalid character \\'N\\' at offset 0"},
	{NODE, "{'name':'-n1'}", "$.node.name", "invalid character \\'-\\' at offset 0"},
	{NODE, "{'name':'n_1'}", "$.node.name", "invalid character \\'_\\' at offset 1"},
	{NODE, "{'name':'" S33 "'}", "$.node.name", "length must be 1..32 bytes, got 33"},
	{NODE, "{'name':7}", "$.node.name", "expected a string, got integer 7"},
	{NODE, "{'name':'n1','control_socket':'run/x.sock'}", "$.node.control_socket",
		"not an absolute path: 'run/x.sock'"},
	{NODE, "{'name':'n1','data_dir':'var/lib'}", "$.node.data_dir", "not an absolute path"},
	{NODE, "{'name':'n1','key_file':''}", "$.node.key_file", "must not be empty"},
	{NODE, "{'name':'n1','key_file':null}", "$.node.key_file", "expected a string, got null"},
	{NODE, "{'name':'n1','key_file':'/a\\tb'}", "$.node.key_file",
		"invalid character byte 0x09 at offset 2"},
	/* log */
	{EXTRA, "'log':[]", "$.log", "expected an object, got an array"},
	{EXTRA, "'log':{'level':'verbose'}", "$.log.level",
		"unknown value 'verbose' (expected one of: emerg, alert, crit, err, warning, "
		"notice, info, debug)"},
	{EXTRA, "'log':{'level':8}", "$.log.level", "expected a string, got integer 8"},
	{EXTRA, "'log':{'lvl':'info'}", "$.log.lvl", "unknown key (expected one of: level, libs)"},
	{EXTRA, "'log':{'libs':{'foo':'info'}}", "$.log.libs.foo",
		"unknown key (expected one of: core, net, bifrost, config, ctl, dp, veil, ygg, "
		"mix, "
		"edge)"},
	{EXTRA, "'log':{'libs':{'net':'loud'}}", "$.log.libs.net", "unknown value 'loud'"},
	{EXTRA, "'log':{'libs':['net']}", "$.log.libs", "expected an object, got an array"},
	/* lcores */
	{EXTRA, "'lcores':{'workers':[0]}", "$.lcores.workers[0]", "out of range 1..127: 0"},
	{EXTRA, "'lcores':{'workers':[1,128]}", "$.lcores.workers[1]", "out of range 1..127: 128"},
	{EXTRA, "'lcores':{'workers':[1,2,1]}", "$.lcores.workers[2]",
		"duplicate lcore id 1 (also workers[0])"},
	{EXTRA, "'lcores':{'workers':'1'}", "$.lcores.workers", "expected an array, got string"},
	{EXTRA, "'lcores':{'workers':[1.5]}", "$.lcores.workers[0]",
		"expected an integer, got number 1.5"},
	{EXTRA, "'lcores':{'workers':" X17 "}", "$.lcores.workers",
		"expected 0..16 entries, got 17"},
	{EXTRA, "'lcores':{'idle':'spin'}", "$.lcores.idle",
		"unknown value 'spin' (expected one of: poll, adaptive)"},
	{EXTRA, "'lcores':{'idle_sleep_max_us':0}", "$.lcores.idle_sleep_max_us",
		"out of range 1..100000: 0"},
	{EXTRA, "'lcores':{'idle_sleep_max_us':100001}", "$.lcores.idle_sleep_max_us",
		"out of range 1..100000: 100001"},
	{EXTRA, "'lcores':{'idle_sleep_max_us':true}", "$.lcores.idle_sleep_max_us",
		"expected an integer, got true"},
	{EXTRA, "'lcores':{'threads':2}", "$.lcores.threads", "unknown key"},
	/* overlay, mempool */
	{EXTRA, "'overlay':{'udp_port':0}", "$.overlay.udp_port", "out of range 1..65535: 0"},
	{EXTRA, "'overlay':{'udp_port':65536}", "$.overlay.udp_port",
		"out of range 1..65535: 65536"},
	{EXTRA, "'overlay':{'udp_port':-1}", "$.overlay.udp_port", "out of range 1..65535: -1"},
	{EXTRA, "'overlay':{'port':1}", "$.overlay.port",
		"unknown key (expected one of: udp_port)"},
	{EXTRA, "'mempool':{'mbufs':1022}", "$.mempool.mbufs", "out of range 1023..1048575: 1022"},
	{EXTRA, "'mempool':{'mbufs':1048576}", "$.mempool.mbufs", "out of range 1023..1048575"},
	{EXTRA, "'mempool':{'cache':513}", "$.mempool.cache", "out of range 0..512: 513"},
	{EXTRA, "'mempool':{'cache':-1}", "$.mempool.cache", "out of range 0..512: -1"},
	{EXTRA, "'mempool':{'size':1}", "$.mempool.size", "unknown key"},
	/* ports */
	{PORTS, "[]", "$.ports", "must not be empty"},
	{PORTS, P9, "$.ports", "expected 1..8 entries, got 9"},
	{PORTS, "{}", "$.ports", "expected an array, got an object"},
	{PORT, "'eth0'", "$.ports[0]", "expected an object, got string 'eth0'"},
	{PORT, "{'devargs':'net_tap0','ipv4':'10.0.0.1/24'}", "$.ports[0].name",
		"missing required key"},
	{PORT, "{'name':'p0','ipv4':'10.0.0.1/24'}", "$.ports[0].devargs", "missing required key"},
	{PORT, "{" D ",'ipv4':'10.0.0.1/24','speed':10}", "$.ports[0].speed",
		"unknown key (expected one of: name, devargs, mac, mtu, ipv4, gateway4, ipv6, "
		"gateway6, rx_desc, tx_desc)"},
	{PORT, "{'name':'eth0.1','devargs':'x','ipv4':'10.0.0.1/24'}", "$.ports[0].name",
		"invalid character \\'.\\' at offset 4"},
	{PORT, "{'name':'p234567890123456','devargs':'x','ipv4':'10.0.0.1/24'}", "$.ports[0].name",
		"length must be 1..15 bytes, got 16"},
	{PORT, "{'name':'p0','devargs':'net_tap0, iface=x','ipv4':'10.0.0.1/24'}",
		"$.ports[0].devargs",
		"invalid character \\' \\' at offset 9 (allowed: printable ASCII, no whitespace)"},
	{PORT, "{'name':'p0','devargs':'','ipv4':'10.0.0.1/24'}", "$.ports[0].devargs",
		"must not be empty"},
	{PORTS, "[" OK_PORT ",{'name':'p0','devargs':'x','ipv4':'10.0.0.1/24'}]", "$.ports[1].name",
		"duplicate port name (also ports[0])"},
	{PORTS, "[" OK_PORT ",{'name':'p1','devargs':'net_tap0','ipv4':'10.0.0.1/24'}]",
		"$.ports[1].devargs", "same device as ports[0]"},
	{PORT, "{" D "}", "$.ports[0]", "a port needs ipv4 or ipv6 (or both)"},
	{PORT, "{" D ",'ipv6':[]}", "$.ports[0]", "a port needs ipv4 or ipv6"},
	/* mac */
	{PORT, "{" D ",'ipv4':'10.0.0.1/24','mac':'01:00:5e:00:00:01'}", "$.ports[0].mac",
		"multicast/broadcast MAC not allowed (first octet is odd): '01:00:5e:00:00:01'"},
	{PORT, "{" D ",'ipv4':'10.0.0.1/24','mac':'ff:ff:ff:ff:ff:ff'}", "$.ports[0].mac",
		"multicast/broadcast MAC not allowed"},
	{PORT, "{" D ",'ipv4':'10.0.0.1/24','mac':'00:00:00:00:00:00'}", "$.ports[0].mac",
		"all-zero MAC not allowed"},
	{PORT, "{" D ",'ipv4':'10.0.0.1/24','mac':'02:00:00:00:00'}", "$.ports[0].mac",
		"not a MAC address (xx:xx:xx:xx:xx:xx): '02:00:00:00:00'"},
	{PORT, "{" D ",'ipv4':'10.0.0.1/24','mac':'02-00-00-00-00-01'}", "$.ports[0].mac",
		"not a MAC address"},
	{PORT, "{" D ",'ipv4':'10.0.0.1/24','mac':'02:00:00:00:00:0g'}", "$.ports[0].mac",
		"not a MAC address"},
	{PORT, "{" D ",'ipv4':'10.0.0.1/24','mac':'02:00:00:00:00:01:02'}", "$.ports[0].mac",
		"length must be 1..17 bytes, got 20"},
	/* mtu */
	{PORT, "{" D ",'ipv4':'10.0.0.1/24','mtu':575}", "$.ports[0].mtu",
		"out of range 576..9000: 575"},
	{PORT, "{" D ",'ipv4':'10.0.0.1/24','mtu':9001}", "$.ports[0].mtu",
		"out of range 576..9000"},
	{PORT, "{" D ",'ipv4':'10.0.0.1/24','mtu':'1500'}", "$.ports[0].mtu",
		"expected an integer, got string '1500'"},
	{PORT, "{" D "," V6 ",'mtu':1000}", "$.ports[0].mtu",
		"IPv6 needs an MTU of at least 1280, got 1000"},
	/* ipv4 */
	{PORT, "{" D ",'ipv4':'10.0.0.300/24'}", "$.ports[0].ipv4",
		"not an IPv4 address with prefix length: '10.0.0.300/24'"},
	{PORT, "{" D ",'ipv4':'10.0.0.1'}", "$.ports[0].ipv4",
		"not an IPv4 address with prefix length"},
	{PORT, "{" D ",'ipv4':'10.0.0.1/024'}", "$.ports[0].ipv4",
		"not an IPv4 address with prefix length"},
	{PORT, "{" D ",'ipv4':'10.0.0.1/33'}", "$.ports[0].ipv4",
		"IPv4 prefix length must be 1..32: '10.0.0.1/33'"},
	{PORT, "{" D ",'ipv4':'10.0.0.1/0'}", "$.ports[0].ipv4",
		"IPv4 prefix length must be 1..32"},
	{PORT, "{" D ",'ipv4':'0.0.0.0/8'}", "$.ports[0].ipv4",
		"unspecified address 0.0.0.0 not allowed"},
	{PORT, "{" D ",'ipv4':'0.1.2.3/8'}", "$.ports[0].ipv4", "address in 0.0.0.0/8 not allowed"},
	{PORT, "{" D ",'ipv4':'127.0.0.1/8'}", "$.ports[0].ipv4", "loopback address not allowed"},
	{PORT, "{" D ",'ipv4':'224.0.0.1/4'}", "$.ports[0].ipv4", "multicast address not allowed"},
	{PORT, "{" D ",'ipv4':'240.0.0.1/8'}", "$.ports[0].ipv4", "reserved address (240.0.0.0/4)"},
	{PORT, "{" D ",'ipv4':'255.255.255.255/32'}", "$.ports[0].ipv4",
		"broadcast address not allowed"},
	{PORT, "{" D ",'ipv4':'10.0.0.0/24'}", "$.ports[0].ipv4",
		"is the network address of its prefix"},
	{PORT, "{" D ",'ipv4':'10.0.0.255/24'}", "$.ports[0].ipv4",
		"is the broadcast address of its prefix"},
	{PORT, "{" D ",'ipv4':['10.0.0.1/24']}", "$.ports[0].ipv4",
		"expected a string, got an array"},
	/* gateway4 */
	{PORT, "{" D ",'ipv4':'10.0.0.1/24','gateway4':'10.0.1.1'}", "$.ports[0].gateway4",
		"gateway is outside the port\\'s prefix 10.0.0.0/24"},
	{PORT, "{" D "," V6 ",'gateway4':'10.0.0.254'}", "$.ports[0].gateway4",
		"gateway4 needs ipv4 on the same port"},
	{PORT, "{" D ",'ipv4':'10.0.0.1/24','gateway4':'10.0.0.1'}", "$.ports[0].gateway4",
		"gateway is the port\\'s own address"},
	{PORT, "{" D ",'ipv4':'10.0.0.1/24','gateway4':'10.0.0.255'}", "$.ports[0].gateway4",
		"gateway is the network or broadcast address of 10.0.0.0/24"},
	{PORT, "{" D ",'ipv4':'10.0.0.1/24','gateway4':'10.0.0.254/24'}", "$.ports[0].gateway4",
		"not an IPv4 address: '10.0.0.254/24'"},
	{PORT, "{" D ",'ipv4':'10.0.0.1/24','gateway4':'127.0.0.1'}", "$.ports[0].gateway4",
		"loopback address not allowed"},
	/* ipv6 */
	{PORT, "{" D ",'ipv6':'fd00::1/64'}", "$.ports[0].ipv6", "expected an array, got string"},
	{PORT, "{" D ",'ipv6':['fd00::1']}", "$.ports[0].ipv6[0]",
		"not an IPv6 address with prefix length: 'fd00::1'"},
	{PORT, "{" D ",'ipv6':['fd00::1/64','fd00::2/129']}", "$.ports[0].ipv6[1]",
		"IPv6 prefix length must be 1..128"},
	{PORT, "{" D ",'ipv6':['ff02::1/64']}", "$.ports[0].ipv6[0]",
		"multicast address not allowed"},
	{PORT, "{" D ",'ipv6':['::/64']}", "$.ports[0].ipv6[0]",
		"unspecified address :: not allowed"},
	{PORT, "{" D ",'ipv6':['::1/128']}", "$.ports[0].ipv6[0]", "loopback address not allowed"},
	{PORT, "{" D ",'ipv6':['::ffff:10.0.0.1/120']}", "$.ports[0].ipv6[0]",
		"IPv4-mapped address not allowed"},
	{PORT, "{" D ",'ipv6':['fd00::/64']}", "$.ports[0].ipv6[0]",
		"host part is zero (a prefix, not an address)"},
	{PORT, "{" D ",'ipv6':['fe80::1%eth0/64']}", "$.ports[0].ipv6[0]",
		"not an IPv6 address with prefix length"},
	{PORT, "{" D ",'ipv6':['fd00::1/64','fd00::2/64','fd00::3/64','fd00::4/64','fd00::5/64']}",
		"$.ports[0].ipv6", "expected 0..4 entries, got 5"},
	{PORT, "{" D ",'ipv6':['fd00::1/64','fd00:0::1/48']}", "$.ports[0].ipv6[1]",
		"duplicate address (also ipv6[0])"},
	{PORT, "{" D ",'ipv6':[64]}", "$.ports[0].ipv6[0]", "expected a string, got integer 64"},
	/* gateway6 */
	{PORT, "{" D ",'ipv4':'10.0.0.1/24','gateway6':'2001:db8::1'}", "$.ports[0].gateway6",
		"a global gateway6 needs ipv6 on the same port"},
	{PORT, "{" D "," V6 ",'gateway6':'fd01::1'}", "$.ports[0].gateway6",
		"gateway is outside every ipv6 prefix of the port"},
	{PORT, "{" D "," V6 ",'gateway6':'fd00::1'}", "$.ports[0].gateway6",
		"gateway is the port\\'s own address"},
	{PORT, "{" D "," V6 ",'gateway6':'ff02::1'}", "$.ports[0].gateway6",
		"multicast address not allowed"},
	{PORT, "{" D "," V6 ",'gateway6':'fd00::fe/64'}", "$.ports[0].gateway6",
		"not an IPv6 address: 'fd00::fe/64'"},
	/* descriptors */
	{PORT, "{" D ",'ipv4':'10.0.0.1/24','rx_desc':1000}", "$.ports[0].rx_desc",
		"not a power of two: 1000"},
	{PORT, "{" D ",'ipv4':'10.0.0.1/24','rx_desc':32}", "$.ports[0].rx_desc",
		"out of range 64..4096: 32"},
	{PORT, "{" D ",'ipv4':'10.0.0.1/24','tx_desc':8192}", "$.ports[0].tx_desc",
		"out of range 64..4096: 8192"},
	{PORT, "{" D ",'ipv4':'10.0.0.1/24','tx_desc':1023}", "$.ports[0].tx_desc",
		"not a power of two: 1023"},
	/* telemetry, metrics */
	{EXTRA, "'telemetry':{'enabled':'yes'}", "$.telemetry.enabled",
		"expected true or false, got string 'yes'"},
	{EXTRA, "'telemetry':{'on':true}", "$.telemetry.on",
		"unknown key (expected one of: enabled)"},
	{EXTRA, "'telemetry':true", "$.telemetry", "expected an object, got true"},
	{EXTRA, "'metrics':{}", "$.metrics.listen", "missing required key"},
	{EXTRA, "'metrics':null", "$.metrics", "expected an object, got null"},
	{EXTRA, "'metrics':{'listen':'127.0.0.1'}", "$.metrics.listen",
		"not host:port (IPv4:port or [IPv6]:port, port 1..65535): '127.0.0.1'"},
	{EXTRA, "'metrics':{'listen':'127.0.0.1:0'}", "$.metrics.listen", "not host:port"},
	{EXTRA, "'metrics':{'listen':'127.0.0.1:65536'}", "$.metrics.listen", "not host:port"},
	{EXTRA, "'metrics':{'listen':'127.0.0.1:09469'}", "$.metrics.listen", "not host:port"},
	{EXTRA, "'metrics':{'listen':'::1:9469'}", "$.metrics.listen",
		"an IPv6 listen address needs brackets: [addr]:port"},
	{EXTRA, "'metrics':{'listen':'[::1]9469'}", "$.metrics.listen", "not host:port"},
	{EXTRA, "'metrics':{'listen':'localhost:9469'}", "$.metrics.listen", "not host:port"},
	{EXTRA, "'metrics':{'listen':'224.0.0.1:9469'}", "$.metrics.listen",
		"multicast address not allowed"},
	{EXTRA, "'metrics':{'listen':'127.0.0.1:9469','path':'/m'}", "$.metrics.path",
		"unknown key (expected one of: listen)"},
	/* peers, veil */
	{EXTRA, "'peers':[{}]", "$.peers[0].address", "missing required key"},
	{EXTRA, "'peers':[{'address':'10.0.0.2:22088'}]", "$.peers[0].address", ""},
	{EXTRA, "'peers':[{'address':'/relay/x'}]", "$.peers[0].address", ""},
	{EXTRA, "'peers':[{'address':'/udp/10.0.0.2','node_id':'VHnot-an-id'}]",
		"$.peers[0].node_id", "not a NodeID"},
	{EXTRA, "'peers':[{'address':'/udp/10.0.0.2'},{'address':'/udp/10.0.0.2'}]",
		"$.peers[1].address", "same address as peers[0]"},
	{EXTRA, "'veil':{'rekey_after_s':200}", "$.veil.reject_after_s",
		"must be more than rekey_after_s (200)"},
	{EXTRA, "'veil':{'keepalive_s':0}", "$.veil.keepalive_s", "out of range 1..3600: 0"},
	/* dht */
	{EXTRA, "'dht':{'lookup_deadline_s':0}", "$.dht.lookup_deadline_s",
		"out of range 1..600: 0"},
	{EXTRA, "'dht':{'lookup_deadline_s':601}", "$.dht.lookup_deadline_s",
		"out of range 1..600: 601"},
	{EXTRA, "'dht':{'lookup_deadline_s':'10'}", "$.dht.lookup_deadline_s",
		"expected an integer, got string '10'"},
};

/* ' in an expected text stands for ", \' for a real '. */
static void
unquote(char *dst, size_t cap, const char *s)
{
	size_t o = 0;

	for (; *s != '\0' && o + 1 < cap; s++) {
		if (s[0] == '\\' && s[1] == '\'')
			dst[o++] = *++s;
		else
			dst[o++] = *s == '\'' ? '"' : *s;
	}
	dst[o] = '\0';
}

static void
test_bad_inputs(void **state)
{
	char path[256], msg[512];
	unsigned int failed = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct vh_config cfg;
		struct vh_config_error err;
		int rc = load(bad[i].wrap, bad[i].text, &cfg, &err);

		snprintf(path, sizeof(path), "%s", bad[i].path);
		for (char *p = path; *p != '\0'; p++)
			*p = *p == '\'' ? '"' : *p;
		unquote(msg, sizeof(msg), bad[i].message);
		if (rc != -EINVAL || strcmp(err.path, path) != 0 ||
			strstr(err.message, msg) == NULL || err.line != 0) {
			print_error("bad[%zu] %s\n  rc %d, got   %s: %s\n  expected %s: %s\n", i,
				bad[i].text, rc, err.path, err.message, path, msg);
			failed++;
		}
	}
	print_message("%zu bad inputs checked\n", sizeof(bad) / sizeof(bad[0]));
	assert_true(sizeof(bad) / sizeof(bad[0]) >= 60);
	assert_int_equal(failed, 0);
}
static void
expect_syntax(const char *json, int line, int column, const char *msg)
{
	struct vh_config c;
	struct vh_config_error err;
	char out[512];

	assert_int_equal(vh_config_load_string(json, strlen(json), &c, &err), -EINVAL);
	if (err.line != line || err.column != column || strstr(err.message, msg) == NULL)
		fail_msg("%s: got %d:%d: %s, expected %d:%d: %s", json, err.line, err.column,
			err.message, line, column, msg);
	assert_string_equal(err.path, "");
	vh_config_format_error(&err, "node.json", out, sizeof(out));
	snprintf(out + 300, 200, "node.json:%d:%d: ", line, column);
	assert_memory_equal(out, out + 300, strlen(out + 300));
}

static void
test_syntax_errors(void **state)
{
	(void)state;
	expect_syntax(
		"{\n  \"node\": {\"name\": \"n1\"},\n  bad\n}", 3, 5, "string or '}' expected");
	expect_syntax(
		"{\"node\": {\"name\": \"n1\", \"name\": \"n2\"}}", 1, 30, "duplicate object key");
	expect_syntax("{\"node\": {}} trailing", 1, 21, "end of file expected");
	expect_syntax("{\"node\": {\"name\": \"n\\u0000\"}}", 1, 27, "\\u0000 is not allowed");
	expect_syntax("{\"node\": 1e999}", 1, 14, "real number overflow");
	expect_syntax("{\"node\": {\"name\": \"\xff\"}}", 1, 19, "unable to decode byte 0xff");
	expect_syntax("\"just a string\"", 1, 15, "'[' or '{' expected");
}

static void
expect_plain(int rc, const struct vh_config_error *err, int want_rc, const char *msg)
{
	if (rc != want_rc || strstr(err->message, msg) == NULL)
		fail_msg("got %d %s, expected %d %s", rc, err->message, want_rc, msg);
	assert_string_equal(err->path, "");
	assert_int_equal(err->line, 0);
}

static void
test_empty_and_large(void **state)
{
	struct vh_config c;
	struct vh_config_error err;
	size_t big = VH_CONFIG_MAX_FILE_SIZE + 1;
	char *s = malloc(big);

	(void)state;
	assert_non_null(s);
	expect_plain(
		vh_config_load_string("", 0, &c, &err), &err, -EINVAL, "configuration is empty");
	expect_plain(vh_config_load_string(" \n\t\r\n", 5, &c, &err), &err, -EINVAL,
		"configuration is empty");
	expect_plain(vh_config_load_string(NULL, 0, &c, &err), &err, -EINVAL, "empty");
	memset(s, ' ', big);
	expect_plain(vh_config_load_string(s, big, &c, &err), &err, -EFBIG,
		"configuration is larger than 1 MiB (1048577 bytes)");
	free(s);
	/* err may be NULL */
	assert_int_equal(vh_config_load_string("[]", 2, &c, NULL), -EINVAL);
}

static void
test_untouched_on_error(void **state)
{
	struct vh_config c, before;
	struct vh_config_error err;

	(void)state;
	memset(&c, 0x5a, sizeof(c));
	memcpy(&before, &c, sizeof(c));
	assert_int_equal(load(PORT, "{" D ",'ipv4':'10.0.0.1/24','mtu':1}", &c, &err), -EINVAL);
	assert_memory_equal(&c, &before, sizeof(c));
}

static void
test_format_error(void **state)
{
	struct vh_config c;
	struct vh_config_error err;
	char out[512];
	int n;

	(void)state;
	assert_int_equal(load(PORT, "{" D ",'ipv4':'10.0.0.300/24'}", &c, &err), -EINVAL);
	n = vh_config_format_error(&err, "node.json", out, sizeof(out));
	assert_string_equal(out, "node.json: $.ports[0].ipv4: not an IPv4 address with prefix "
				 "length: \"10.0.0.300/24\"");
	assert_int_equal(n, (int)strlen(out));
	/* truncation reports the full length, like snprintf */
	assert_int_equal(vh_config_format_error(&err, "node.json", out, 10), n);
	assert_string_equal(out, "node.json");
	vh_config_format_error(&err, NULL, out, sizeof(out));
	assert_string_equal(out, "$.ports[0].ipv4: not an IPv4 address with prefix length: "
				 "\"10.0.0.300/24\"");
	expect_plain(vh_config_load_string("", 0, &c, &err), &err, -EINVAL, "empty");
	vh_config_format_error(&err, "node.json", out, sizeof(out));
	assert_string_equal(out, "node.json: configuration is empty");
	vh_config_format_error(NULL, "node.json", out, sizeof(out));
	assert_string_equal(out, "node.json: no error information");
}

static void
test_long_key_path(void **state)
{
	char key[400], text[600];
	struct vh_config c;
	struct vh_config_error err;

	(void)state;
	memset(key, 'k', sizeof(key));
	key[sizeof(key) - 1] = '\0';
	snprintf(text, sizeof(text), "'lcores':{'%s':1}", key);
	assert_int_equal(load(EXTRA, text, &c, &err), -EINVAL);
	/* an over-long key is quoted, cut, and the path still fits */
	assert_true(strlen(err.path) < sizeof(err.path));
	assert_memory_equal(err.path, "$.lcores[\"kkkk", 14);
	assert_non_null(strstr(err.path, "...\"]"));
	assert_non_null(strstr(err.message, "unknown key"));
}

static char tmpdir[64];

static int
make_tmpdir(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/vh-config-test-XXXXXX");
	return mkdtemp(tmpdir) != NULL ? 0 : -1;
}

static int
remove_tmpdir(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void
test_files(void **state)
{
	static const char syntax[] = "{\n\"node\": {\"name\": \"n1\"},\n\"ports\": [x]}";
	char path[128], *s;
	struct vh_config c;
	struct vh_config_error err;
	size_t big = VH_CONFIG_MAX_FILE_SIZE + 1;

	(void)state;
	snprintf(path, sizeof(path), "%s/none.json", tmpdir);
	expect_plain(vh_config_load_file(path, &c, &err), &err, -ENOENT,
		"cannot open: No such file or directory");
	expect_plain(vh_config_load_file(tmpdir, &c, &err), &err, -EISDIR,
		"is a directory, not a configuration file");

	snprintf(path, sizeof(path), "%s/fifo.json", tmpdir);
	assert_int_equal(mkfifo(path, 0600), 0);
	expect_plain(vh_config_load_file(path, &c, &err), &err, -EINVAL, "not a regular file");

	snprintf(path, sizeof(path), "%s/empty.json", tmpdir);
	write_file(path, "", 0);
	expect_plain(vh_config_load_file(path, &c, &err), &err, -EINVAL, "configuration is empty");

	s = malloc(big);
	assert_non_null(s);
	memset(s, ' ', big);
	snprintf(path, sizeof(path), "%s/big.json", tmpdir);
	write_file(path, s, big);
	expect_plain(vh_config_load_file(path, &c, &err), &err, -EFBIG,
		"file is larger than 1 MiB (1048577 bytes)");
	/* exactly 1 MiB is allowed: a valid object padded with spaces */
	free(s);
	s = build(WHOLE, "{'node':{'name':'big'},'ports':[" OK_PORT "]}");
	{
		char *padded = malloc(VH_CONFIG_MAX_FILE_SIZE);

		assert_non_null(padded);
		memset(padded, ' ', VH_CONFIG_MAX_FILE_SIZE);
		memcpy(padded, s, strlen(s));
		write_file(path, padded, VH_CONFIG_MAX_FILE_SIZE);
		free(padded);
	}
	assert_int_equal(vh_config_load_file(path, &c, &err), 0);
	assert_string_equal(c.node.name, "big");
	free(s);

	snprintf(path, sizeof(path), "%s/bad.json", tmpdir);
	write_file(path, syntax, strlen(syntax));
	assert_int_equal(vh_config_load_file(path, &c, &err), -EINVAL);
	assert_int_equal(err.line, 3);
	assert_int_equal(vh_config_load_file(NULL, &c, &err), -EINVAL);
}
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_inputs),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_empty_and_large),
		cmocka_unit_test(test_untouched_on_error),
		cmocka_unit_test(test_format_error),
		cmocka_unit_test(test_long_key_path),
		cmocka_unit_test_setup_teardown(test_files, make_tmpdir, remove_tmpdir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
