/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/config accept paths: defaults, every key converted, edge values,
 * derived paths, the effective-config round trip and the reference rows.
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
#include "vh_identity.h"
#include "vh_core.h"

static void
test_defaults(void **state)
{
	struct vh_config c;
	const struct vh_config_port *p = &c.ports[0];

	(void)state;
	load_ok(WHOLE, "{'node':{'name':'n1'},'ports':[" OK_PORT "]}", &c);
	assert_int_equal(c.version, 1);
	assert_string_equal(c.node.name, "n1");
	assert_string_equal(c.node.control_socket, "/run/valhalla/n1.sock");
	assert_string_equal(c.node.data_dir, "/var/lib/valhalla/n1");
	assert_string_equal(c.node.key_file, "/var/lib/valhalla/n1/identity.key");
	assert_int_equal(c.log.level, VH_CONFIG_LOG_INFO);
	assert_int_equal(c.log.n_libs, 0);
	assert_int_equal(c.lcores.n_workers, 0);
	assert_int_equal(c.lcores.idle, VH_CONFIG_IDLE_ADAPTIVE);
	assert_int_equal(c.lcores.idle_sleep_max_us, 1000);
	assert_int_equal(c.overlay.udp_port, VH_DEFAULT_UDP_PORT);
	assert_int_equal(c.mempool.mbufs, 8191);
	assert_int_equal(c.mempool.cache, 256);
	assert_int_equal(c.n_ports, 1);
	assert_string_equal(p->name, "p0");
	assert_string_equal(p->devargs, "net_tap0");
	assert_false(p->has_mac);
	assert_int_equal(p->mtu, 1500);
	assert_int_equal(p->rx_desc, 1024);
	assert_int_equal(p->tx_desc, 1024);
	assert_true(p->has_ipv4);
	assert_int_equal(p->ipv4.addr, htonl(0x0a000001));
	assert_int_equal(p->ipv4.plen, 24);
	assert_false(p->has_gateway4);
	assert_int_equal(p->n_ipv6, 0);
	assert_false(p->has_gateway6);
	assert_true(c.telemetry.enabled);
	assert_false(c.metrics.enabled);
}

static const char full[] =
	"{'version':1,"
	"'node':{'name':'full-1','control_socket':'/tmp/f.sock','data_dir':'/srv/vh/',"
	"'key_file':'/etc/vh/k.key'},"
	"'log':{'level':'debug','libs':{'net':'err','edge':'emerg'}},"
	"'lcores':{'workers':[3,1],'idle':'poll','idle_sleep_max_us':100000},"
	"'overlay':{'udp_port':65535},"
	"'mempool':{'mbufs':1048575,'cache':0},"
	"'ports':[{'name':'A_b-9','devargs':'0000:03:00.0','mac':'0A:bc:DE:f0:12:34','mtu':9000,"
	"'ipv4':'192.168.1.2/31','gateway4':'192.168.1.3','ipv6':['2001:db8::1/64',"
	"'fe80::1/64','fd00::1/127','2001:db8:1::1/128'],'gateway6':'2001:db8::ff',"
	"'rx_desc':64,'tx_desc':4096},"
	"{'name':'p1','devargs':'net_tap1','ipv4':'172.16.0.1/32','mtu':576}],"
	"'telemetry':{'enabled':false},"
	"'metrics':{'listen':'[::1]:1'}}";

static void
test_full(void **state)
{
	static const uint8_t mac[6] = {0x0a, 0xbc, 0xde, 0xf0, 0x12, 0x34};
	uint8_t a6[16];
	struct vh_config c;
	const struct vh_config_port *p = &c.ports[0];

	(void)state;
	load_ok(WHOLE, full, &c);
	assert_string_equal(c.node.data_dir, "/srv/vh/");
	assert_string_equal(c.node.key_file, "/etc/vh/k.key");
	assert_string_equal(c.node.control_socket, "/tmp/f.sock");
	assert_int_equal(c.log.level, VH_CONFIG_LOG_DEBUG);
	assert_int_equal(c.log.n_libs, 2);
	assert_string_equal(c.log.libs[0].name, "net");
	assert_int_equal(c.log.libs[0].level, VH_CONFIG_LOG_ERR);
	assert_string_equal(c.log.libs[1].name, "edge");
	assert_int_equal(c.log.libs[1].level, VH_CONFIG_LOG_EMERG);
	assert_int_equal(c.lcores.n_workers, 2);
	assert_int_equal(c.lcores.workers[0], 3);
	assert_int_equal(c.lcores.workers[1], 1);
	assert_int_equal(c.lcores.idle, VH_CONFIG_IDLE_POLL);
	assert_int_equal(c.lcores.idle_sleep_max_us, 100000);
	assert_int_equal(c.overlay.udp_port, 65535);
	assert_int_equal(c.mempool.mbufs, 1048575);
	assert_int_equal(c.mempool.cache, 0);
	assert_int_equal(c.n_ports, 2);
	assert_string_equal(p->name, "A_b-9");
	assert_string_equal(p->devargs, "0000:03:00.0");
	assert_true(p->has_mac);
	assert_memory_equal(p->mac, mac, 6);
	assert_int_equal(p->mtu, 9000);
	/* /31: both addresses are hosts (RFC 3021), so no network/broadcast refusal */
	assert_int_equal(p->ipv4.addr, htonl(0xc0a80102));
	assert_int_equal(p->ipv4.plen, 31);
	assert_true(p->has_gateway4);
	assert_int_equal(p->gateway4, htonl(0xc0a80103));
	assert_int_equal(p->n_ipv6, 4);
	inet_pton(AF_INET6, "2001:db8::1", a6);
	assert_memory_equal(p->ipv6[0].addr, a6, 16);
	assert_int_equal(p->ipv6[0].plen, 64);
	assert_int_equal(p->ipv6[2].plen, 127);
	assert_int_equal(p->ipv6[3].plen, 128);
	assert_true(p->has_gateway6);
	inet_pton(AF_INET6, "2001:db8::ff", a6);
	assert_memory_equal(p->gateway6, a6, 16);
	assert_int_equal(p->rx_desc, 64);
	assert_int_equal(p->tx_desc, 4096);
	assert_int_equal(c.ports[1].ipv4.plen, 32);
	assert_int_equal(c.ports[1].mtu, 576);
	assert_false(c.telemetry.enabled);
	assert_true(c.metrics.enabled);
	assert_int_equal(c.metrics.listen.family, AF_INET6);
	inet_pton(AF_INET6, "::1", a6);
	assert_memory_equal(c.metrics.listen.addr, a6, 16);
	assert_int_equal(c.metrics.listen.port, 1);
}

/* Accepted edge values, one per line. */
static void
test_accept_edges(void **state)
{
	static const struct {
		enum wrap wrap;
		const char *text;
	} good[] = {
		{NODE, "{'name':'a2345678901234567890123456789012'}"},
		{NODE, "{'name':'0-'}"},
		{PORT, "{'name':'p23456789012345','devargs':'x','ipv4':'10.0.0.1/24'}"},
		{PORT, "{" D ",'ipv4':'10.0.0.1/24','gateway6':'fe80::1'}"},
		{PORT, "{" D ",'ipv4':'10.0.0.0/31'}"},
		{PORT, "{" D ",'ipv4':'1.0.0.0/7','gateway4':'1.0.0.1'}"},
		{PORT, "{" D ",'ipv6':['fd00::/127']}"},
		{PORT, "{" D ",'ipv6':['fd00::1/1']}"},
		{PORT, "{" D "," V6 ",'mtu':1280,'gateway6':'FD00::ABCD'}"},
		{PORT, "{" D ",'ipv4':'10.0.0.1/24','mac':'02:00:00:00:00:01'}"},
		{EXTRA, "'lcores':{'workers':[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,127]}"},
		{EXTRA, "'overlay':{'udp_port':1}"},
		{EXTRA, "'mempool':{'mbufs':1023,'cache':512}"},
		{EXTRA, "'log':{'libs':{'core':'emerg','net':'alert','bifrost':'crit','config':'"
			"err',"
			"'ctl':'warning','dp':'notice','veil':'info','ygg':'debug','mix':'info',"
			"'edge':'info'}}"},
		{EXTRA, "'metrics':{'listen':'0.0.0.0:65535'}"},
		{EXTRA, "'metrics':{'listen':'[::]:9469'}"},
		{EXTRA, "'version':1,'telemetry':{}"},
	};
	struct vh_config c;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		load_ok(good[i].wrap, good[i].text, &c);
	assert_int_equal(c.n_ports, 1);
	/* 8 ports is the limit; P9 has 9, so drop the last to get exactly 8 */
	{
		char *s = build(PORTS, P9);
		char *last = strstr(s, ",{\"name\":\"i\"");
		struct vh_config_error err;

		assert_non_null(last);
		strcpy(last, "]}");
		assert_int_equal(vh_config_load_string(s, strlen(s), &c, &err), 0);
		assert_int_equal(c.n_ports, 8);
		free(s);
	}
}

static void
test_derived_paths(void **state)
{
	struct vh_config c;

	(void)state;
	load_ok(NODE, "{'name':'x','data_dir':'/d/'}", &c);
	assert_string_equal(c.node.key_file, "/d/identity.key");
	load_ok(NODE, "{'name':'x','data_dir':'/'}", &c);
	assert_string_equal(c.node.key_file, "/identity.key");
	assert_string_equal(c.node.control_socket, "/run/valhalla/x.sock");
}

static void
test_long_data_dir(void **state)
{
	char dir[260], text[400];
	struct vh_config c;
	struct vh_config_error err;

	(void)state;
	memset(dir, 'd', sizeof(dir));
	dir[0] = '/';
	dir[242] = '\0';
	snprintf(text, sizeof(text), "{'name':'x','data_dir':'%s'}", dir);
	load_ok(NODE, text, &c);
	assert_int_equal(strlen(c.node.key_file), 255);
	dir[242] = 'd';
	dir[243] = '\0';
	snprintf(text, sizeof(text), "{'name':'x','data_dir':'%s'}", dir);
	assert_int_equal(load(NODE, text, &c, &err), -EINVAL);
	assert_string_equal(err.path, "$.node.data_dir");
	assert_non_null(strstr(err.message, "length must be 1..242 bytes, got 243"));
}

static void
test_socket_path_limit(void **state)
{
	char sock[120], text[300];
	struct vh_config c;
	struct vh_config_error err;

	(void)state;
	memset(sock, 's', sizeof(sock));
	sock[0] = '/';
	sock[107] = '\0';
	snprintf(text, sizeof(text), "{'name':'x','control_socket':'%s'}", sock);
	load_ok(NODE, text, &c);
	assert_int_equal(strlen(c.node.control_socket), 107);
	sock[107] = 's';
	sock[108] = '\0';
	snprintf(text, sizeof(text), "{'name':'x','control_socket':'%s'}", sock);
	assert_int_equal(load(NODE, text, &c, &err), -EINVAL);
	assert_string_equal(err.path, "$.node.control_socket");
	assert_non_null(strstr(err.message, "length must be 1..107 bytes, got 108"));
}

static void
assert_round_trip(const char *json)
{
	struct vh_config a, b;
	struct vh_config_error err;
	json_t *ja, *jb;
	char *text;

	assert_int_equal(vh_config_load_string(json, strlen(json), &a, &err), 0);
	ja = vh_config_to_json(&a);
	assert_non_null(ja);
	text = json_dumps(ja, JSON_COMPACT);
	assert_non_null(text);
	memset(&b, 0xa5, sizeof(b));
	if (vh_config_load_string(text, strlen(text), &b, &err) != 0)
		fail_msg("effective config does not load: %s: %s\n%s", err.path, err.message, text);
	assert_memory_equal(&a, &b, sizeof(a));
	jb = vh_config_to_json(&b);
	assert_true(json_equal(ja, jb));
	free(text);
	json_decref(ja);
	json_decref(jb);
}

static void
test_round_trip(void **state)
{
	char *s;

	(void)state;
	s = build(WHOLE, full);
	assert_round_trip(s);
	free(s);
	s = build(WHOLE, "{'node':{'name':'n1'},'ports':[" OK_PORT "]}");
	assert_round_trip(s);
	free(s);
}

static void
test_to_json_values(void **state)
{
	struct vh_config c;
	json_t *j;
	char *s = build(WHOLE, full);

	(void)state;
	assert_int_equal(vh_config_load_string(s, strlen(s), &c, NULL), 0);
	free(s);
	j = vh_config_to_json(&c);
	assert_non_null(j);
	assert_int_equal(json_integer_value(json_object_get(j, "version")), 1);
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(j, "lcores"), "idle")), "poll");
	json_t *p0 = json_array_get(json_object_get(j, "ports"), 0);
	json_t *p1 = json_array_get(json_object_get(j, "ports"), 1);
	assert_string_equal(json_string_value(json_object_get(p0, "mac")), "0a:bc:de:f0:12:34");
	assert_string_equal(json_string_value(json_object_get(p0, "ipv4")), "192.168.1.2/31");
	assert_string_equal(
		json_string_value(json_array_get(json_object_get(p0, "ipv6"), 1)), "fe80::1/64");
	assert_string_equal(json_string_value(json_object_get(p0, "gateway6")), "2001:db8::ff");
	/* absent optional values stay absent; defaults are explicit */
	assert_null(json_object_get(p1, "mac"));
	assert_null(json_object_get(p1, "gateway4"));
	assert_int_equal(json_integer_value(json_object_get(p1, "rx_desc")), 1024);
	assert_int_equal(json_array_size(json_object_get(p1, "ipv6")), 0);
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(j, "metrics"), "listen")),
		"[::1]:1");
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(j, "log"), "level")), "debug");
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(json_object_get(j, "log"), "libs"), "edge")),
		"emerg");
	json_decref(j);

	s = build(WHOLE, "{'node':{'name':'n1'},'ports':[" OK_PORT "]}");
	assert_int_equal(vh_config_load_string(s, strlen(s), &c, NULL), 0);
	free(s);
	j = vh_config_to_json(&c);
	assert_null(json_object_get(j, "metrics"));
	assert_true(json_is_true(json_object_get(json_object_get(j, "telemetry"), "enabled")));
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(j, "node"), "key_file")),
		"/var/lib/valhalla/n1/identity.key");
	json_decref(j);
	assert_null(vh_config_to_json(NULL));

	/* a struct not from a load: counts past the limits are clamped */
	c.n_ports = 1000;
	c.log.n_libs = 1000;
	j = vh_config_to_json(&c);
	assert_non_null(j);
	assert_int_equal(json_array_size(json_object_get(j, "ports")), VH_CONFIG_MAX_PORTS);
	json_decref(j);
}
/* peers[] and veil: values stored, NodeID parsed and printed back, defaults. */
static void
test_peers(void **state)
{
	uint8_t id[VH_IDENTITY_NODEID_LEN];
	char id_text[VH_IDENTITY_NODEID_TEXT_MAX + 1], text[1024], *s;
	struct vh_config c;
	json_t *j, *p0;

	(void)state;
	for (unsigned int i = 0; i < sizeof(id); i++)
		id[i] = (uint8_t)(i * 7 + 1);
	assert_true(vh_identity_nodeid_format(id, id_text, sizeof(id_text)) > 0);
	snprintf(text, sizeof(text),
		"'peers':[{'address':'/udp/10.0.0.2:22089','node_id':'%s','name':'n2'},"
		"{'address':'/udp/[fd00::2]'}],'veil':{'enabled':true,'rekey_after_s':5,"
		"'reject_after_s':9,'rekey_timeout_ms':100}",
		id_text);
	load_ok(EXTRA, text, &c);
	assert_int_equal(c.n_peers, 2);
	assert_string_equal(c.peers[0].address, "/udp/10.0.0.2:22089");
	assert_true(c.peers[0].has_node_id);
	assert_memory_equal(c.peers[0].node_id, id, sizeof(id));
	assert_string_equal(c.peers[0].name, "n2");
	assert_false(c.peers[1].has_node_id);
	assert_string_equal(c.peers[1].name, "");
	assert_true(c.veil.enabled);
	assert_int_equal(c.veil.rekey_after_s, 5);
	assert_int_equal(c.veil.reject_after_s, 9);
	assert_int_equal(c.veil.keepalive_s, 10);
	assert_int_equal(c.veil.rekey_timeout_ms, 100);
	assert_true(c.veil.accept_unknown);
	j = vh_config_to_json(&c);
	p0 = json_array_get(json_object_get(j, "peers"), 0);
	assert_string_equal(json_string_value(json_object_get(p0, "node_id")), id_text);
	assert_null(json_object_get(json_array_get(json_object_get(j, "peers"), 1), "node_id"));
	json_decref(j);
	s = build(EXTRA, text);
	assert_round_trip(s);
	free(s);
	/* absent: no peers, link sessions off, WireGuard's timers */
	load_ok(WHOLE, "{'node':{'name':'n1'},'ports':[" OK_PORT "]}", &c);
	assert_int_equal(c.n_peers, 0);
	assert_false(c.veil.enabled);
	assert_int_equal(c.veil.rekey_after_s, 120);
	assert_int_equal(c.veil.reject_after_s, 180);
}

/* The DHT's lookup deadline: 10 s unless set, 1..600. */
static void
test_dht_deadline(void **state)
{
	struct vh_config c;

	(void)state;
	load_ok(WHOLE, "{'node':{'name':'n1'},'ports':[" OK_PORT "]}", &c);
	assert_int_equal(c.dht.lookup_deadline_s, 10);
	load_ok(EXTRA, "'dht':{'lookup_deadline_s':1}", &c);
	assert_int_equal(c.dht.lookup_deadline_s, 1);
	load_ok(EXTRA, "'dht':{'lookup_deadline_s':600,'rpc_timeout_ms':200}", &c);
	assert_int_equal(c.dht.lookup_deadline_s, 600);
	assert_int_equal(c.dht.rpc_timeout_ms, 200);
}

static void
test_reference(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	(void)state;
	assert_non_null(f);
	vh_config_print_reference(f);
	assert_int_equal(fclose(f), 0);
	/* every key of schema v1 has a row */
	static const char *const paths[] = {"`$.version`", "`$.node.name`",
		"`$.node.control_socket`", "`$.node.data_dir`", "`$.node.key_file`",
		"`$.log.level`", "`$.log.libs`", "`$.lcores.workers`", "`$.lcores.idle`",
		"`$.lcores.idle_sleep_max_us`", "`$.overlay.udp_port`", "`$.mempool.mbufs`",
		"`$.mempool.cache`", "`$.ports`", "`$.ports[].name`", "`$.ports[].devargs`",
		"`$.ports[].mac`", "`$.ports[].mtu`", "`$.ports[].ipv4`", "`$.ports[].gateway4`",
		"`$.ports[].ipv6`", "`$.ports[].gateway6`", "`$.ports[].rx_desc`",
		"`$.ports[].tx_desc`", "`$.telemetry.enabled`", "`$.metrics.listen`"};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (strstr(text, paths[i]) == NULL)
			fail_msg("reference lacks %s", paths[i]);
	assert_non_null(strstr(text, "| `$.ports[].mtu` | integer | no | `1500` | 576..9000 |"));
	assert_non_null(
		strstr(text, "| `$.overlay.udp_port` | integer | no | `22088` | 1..65535 |"));
	assert_non_null(strstr(text, "64..4096, a power of two"));
	free(text);
}
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_accept_edges),
		cmocka_unit_test(test_derived_paths),
		cmocka_unit_test(test_long_data_dir),
		cmocka_unit_test(test_socket_path_limit),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_to_json_values),
		cmocka_unit_test(test_reference),
		cmocka_unit_test(test_peers),
		cmocka_unit_test(test_dht_deadline),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
