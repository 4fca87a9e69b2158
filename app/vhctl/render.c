/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vhctl: human renderings of the results in docs/control-protocol.md.
 * Missing or oddly typed fields print as "-" rather than failing, so a
 * newer or older node still renders.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vh_core.h"

#include "render.h"
#include "table.h"

/* Any JSON scalar (or array of them) as text; "-" for missing or null. */
static void
fmt_value(const json_t *v, char *buf, size_t n)
{
	size_t used = 0;

	if (v == NULL || json_is_null(v)) {
		snprintf(buf, n, "-");
	} else if (json_is_integer(v)) {
		snprintf(buf, n, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	} else if (json_is_real(v)) {
		snprintf(buf, n, "%.3f", json_real_value(v));
	} else if (json_is_string(v)) {
		snprintf(buf, n, "%s", json_string_value(v));
	} else if (json_is_boolean(v)) {
		snprintf(buf, n, "%s", json_is_true(v) ? "yes" : "no");
	} else if (json_is_array(v)) {
		buf[0] = '\0';
		for (size_t i = 0; i < json_array_size(v) && used + 1 < n; i++) {
			char one[256];

			fmt_value(json_array_get(v, i), one, sizeof(one));
			used += (size_t)snprintf(buf + used, n - used, "%s%s", i ? "," : "", one);
		}
		if (json_array_size(v) == 0)
			snprintf(buf, n, "-");
	} else {
		snprintf(buf, n, "{...}");
	}
}

static void
cell(struct table *t, const json_t *obj, const char *key)
{
	char buf[1024];

	fmt_value(json_object_get(obj, key), buf, sizeof(buf));
	table_cell(t, "%s", buf);
}

static void
header(struct table *t, const char *const *names)
{
	table_row(t);
	for (; *names != NULL; names++)
		table_cell(t, "%s", *names);
}

/* One row per array element, one column per key. */
static void
rows(struct table *t, const json_t *arr, const char *const *keys)
{
	size_t i;
	const json_t *e;

	json_array_foreach(arr, i, e)
	{
		table_row(t);
		for (const char *const *k = keys; *k != NULL; k++)
			cell(t, e, *k);
	}
}

static void
fmt_uptime(const json_t *v, char *buf, size_t n)
{
	double s = json_number_value(v);
	long long t = (long long)s;

	if (!json_is_number(v)) {
		snprintf(buf, n, "-");
		return;
	}
	if (t >= 86400)
		snprintf(buf, n, "%lldd %02lld:%02lld:%02lld (%.1f s)", t / 86400, t % 86400 / 3600,
			t % 3600 / 60, t % 60, s);
	else
		snprintf(buf, n, "%02lld:%02lld:%02lld (%.1f s)", t / 3600, t % 3600 / 60, t % 60,
			s);
}

int
render_status(const json_t *r, const struct render_opts *o)
{
	static const char *const keys[][2] = {{"name", "name"}, {"version", "version"},
		{"pid", "pid"}, {"mode", "mode"}, {"idle", "idle"},
		{"control_lcore", "control lcore"}, {"workers", "workers"}, {"ports", "ports"},
		{"udp_port", "udp port"}};
	struct table *t = table_new(2, "ll");
	char buf[128];

	(void)o;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		table_row(t);
		table_cell(t, "%s", keys[i][1]);
		cell(t, r, keys[i][0]);
		if (i == 2) {
			fmt_uptime(json_object_get(r, "uptime_s"), buf, sizeof(buf));
			table_row(t);
			table_cell(t, "uptime");
			table_cell(t, "%s", buf);
		}
	}
	table_print(t, stdout, "");
	return 0;
}

static void
fmt_speed(const json_t *v, char *buf, size_t n)
{
	json_int_t mbps = json_integer_value(v);

	if (!json_is_integer(v) || mbps <= 0)
		snprintf(buf, n, "-");
	else if (mbps % 1000 == 0)
		snprintf(buf, n, "%" JSON_INTEGER_FORMAT "G", mbps / 1000);
	else
		snprintf(buf, n, "%" JSON_INTEGER_FORMAT "M", mbps);
}

/* add-peer / remove-peer: the node's answer as JSON. */
int
render_raw(const json_t *r, const struct render_opts *o)
{
	(void)o;
	return render_json(r);
}

int
render_peers(const json_t *r, const struct render_opts *o)
{
	static const char *const head[] = {"NODE ID", "NAME", "ADDRESS", "ENDPOINT", "STATE",
		"HANDSHAKE", "RX PKT", "RX BYTES", "TX PKT", "TX BYTES", "REKEYS", "DROPS", NULL};
	static const char *const keys[] = {"name", "address", "endpoint", "state"};
	static const char *const tail[] = {
		"rx_packets", "rx_bytes", "tx_packets", "tx_bytes", "rekeys", "drops"};
	const json_t *peers = json_object_get(r, "peers"), *p, *age;
	struct table *t = table_new(12, "lllllrrrrrrr");
	size_t i;

	(void)o;
	if (json_is_false(json_object_get(r, "enabled")))
		printf("(link sessions are off: veil.enabled is false)\n");
	header(t, head);
	json_array_foreach(peers, i, p)
	{
		table_row(t);
		cell(t, p, "node_id");
		for (size_t k = 0; k < 4; k++)
			cell(t, p, keys[k]);
		age = json_object_get(p, "last_handshake_s");
		if (json_is_number(age))
			table_cell(t, "%.0fs ago", json_number_value(age));
		else
			table_cell(t, "never");
		for (size_t k = 0; k < 6; k++)
			cell(t, p, tail[k]);
	}
	table_print(t, stdout, "");
	if (json_array_size(peers) == 0)
		printf("(no peers)\n");
	return 0;
}

int
render_ports(const json_t *r, const struct render_opts *o)
{
	static const char *const head[] = {"ID", "NAME", "DRIVER", "MAC", "LINK", "SPEED", "MTU",
		"RXQ", "TXQ", "IPV4", "IPV6", "DEVARGS", NULL};
	const json_t *ports = json_object_get(r, "ports"), *p;
	struct table *t = table_new(12, "rllllrrrrlll");
	char buf[64];
	size_t i;

	(void)o;
	header(t, head);
	json_array_foreach(ports, i, p)
	{
		table_row(t);
		cell(t, p, "id");
		cell(t, p, "name");
		cell(t, p, "driver");
		cell(t, p, "mac");
		cell(t, p, "link");
		fmt_speed(json_object_get(p, "speed_mbps"), buf, sizeof(buf));
		table_cell(t, "%s", buf);
		cell(t, p, "mtu");
		cell(t, p, "rx_queues");
		cell(t, p, "tx_queues");
		cell(t, p, "ipv4");
		cell(t, p, "ipv6");
		cell(t, p, "devargs");
	}
	table_print(t, stdout, "");
	if (json_array_size(ports) == 0)
		printf("(no ports)\n");
	return 0;
}

static void
stats_ports(const json_t *arr)
{
	static const char *const head[] = {"ID", "NAME", "RX PACKETS", "RX BYTES", "TX PACKETS",
		"TX BYTES", "RX MISSED", "RX ERRORS", "TX ERRORS", "RX NOMBUF", NULL};
	static const char *const keys[] = {"id", "name", "rx_packets", "rx_bytes", "tx_packets",
		"tx_bytes", "rx_missed", "rx_errors", "tx_errors", "rx_nombuf", NULL};
	struct table *t = table_new(10, "rlrrrrrrrr");

	printf("Ports\n");
	header(t, head);
	rows(t, arr, keys);
	table_print(t, stdout, "  ");
}

static void
stats_lcores(const json_t *arr)
{
	static const char *const head[] = {"LCORE", "ROLE", "RX PACKETS", "TX PACKETS", "PUNTED",
		"INJECTED", "DROPPED", "LOOPS", "IDLE SLEEPS", NULL};
	static const char *const keys[] = {"lcore", "role", "rx_packets", "tx_packets", "punted",
		"injected", "dropped", "loops", "idle_sleeps", NULL};
	struct table *t = table_new(9, "rlrrrrrrr");

	printf("\nLcores\n");
	header(t, head);
	rows(t, arr, keys);
	table_print(t, stdout, "  ");
}

static void
stats_graph(const json_t *arr)
{
	static const char *const head[] = {
		"LCORE", "NODE", "CALLS", "OBJS", "CYCLES", "CYCLES/PKT", "PKTS/CALL", NULL};
	struct table *t = table_new(7, "rlrrrrr");
	const json_t *g;
	size_t i;

	printf("\nGraph nodes\n");
	header(t, head);
	json_array_foreach(arr, i, g)
	{
		json_int_t calls = json_integer_value(json_object_get(g, "calls"));
		json_int_t objs = json_integer_value(json_object_get(g, "objs"));
		json_int_t cycles = json_integer_value(json_object_get(g, "cycles"));

		table_row(t);
		cell(t, g, "lcore");
		cell(t, g, "node");
		cell(t, g, "calls");
		cell(t, g, "objs");
		cell(t, g, "cycles");
		if (objs > 0)
			table_cell(t, "%.1f", (double)cycles / (double)objs);
		else
			table_cell(t, "-");
		if (calls > 0)
			table_cell(t, "%.1f", (double)objs / (double)calls);
		else
			table_cell(t, "-");
	}
	table_print(t, stdout, "  ");
}

static void
stats_drops(const json_t *drops, bool all)
{
	struct table *t = table_new(2, "lr");
	unsigned int zero = 0, shown = 0;
	const char *name;
	const json_t *v;

	printf("\nDrops\n");
	table_row(t);
	table_cell(t, "REASON");
	table_cell(t, "PACKETS");
	json_object_foreach((json_t *)drops, name, v)
	{
		if (json_integer_value(v) == 0 && json_is_integer(v)) {
			zero++;
			if (!all)
				continue;
		}
		table_row(t);
		table_cell(t, "%s", name);
		cell(t, drops, name);
		shown++;
	}
	if (shown > 0)
		table_print(t, stdout, "  ");
	else
		table_free(t);
	if (!all && zero > 0)
		printf("  (%s%u reasons at zero; --all shows all)\n", shown ? "" : "no drops; ",
			zero);
}

static void
stats_kv(const char *title, const json_t *obj)
{
	struct table *t = table_new(2, "lr");
	const char *name;
	const json_t *v;

	printf("\n%s\n", title);
	json_object_foreach((json_t *)obj, name, v)
	{
		table_row(t);
		table_cell(t, "%s", name);
		cell(t, obj, name);
	}
	table_print(t, stdout, "  ");
}

int
render_stats(const json_t *r, const struct render_opts *o)
{
	stats_ports(json_object_get(r, "ports"));
	stats_lcores(json_object_get(r, "lcores"));
	stats_graph(json_object_get(r, "graph"));
	stats_drops(json_object_get(r, "drops"), o->all);
	stats_kv("Control", json_object_get(r, "control"));
	stats_kv("Mempool", json_object_get(r, "mempool"));
	return 0;
}

int
render_version(const json_t *r, const struct render_opts *o)
{
	json_int_t proto = json_integer_value(json_object_get(r, "protocol"));
	struct table *t = table_new(2, "ll");

	(void)o;
	table_row(t);
	table_cell(t, "node");
	cell(t, r, "version");
	table_row(t);
	table_cell(t, "protocol");
	cell(t, r, "protocol");
	table_row(t);
	table_cell(t, "dpdk");
	cell(t, r, "dpdk");
	table_row(t);
	table_cell(t, "vhctl");
	table_cell(t, "%s (protocol %d)", VH_VERSION_STRING, VH_CTL_PROTOCOL);
	table_print(t, stdout, "");
	if (proto != VH_CTL_PROTOCOL)
		fprintf(stderr,
			"warning: the node speaks control protocol %" JSON_INTEGER_FORMAT
			", vhctl speaks %d\n",
			proto, VH_CTL_PROTOCOL);
	return 0;
}

static int
by_name(const void *a, const void *b)
{
	const char *x = json_string_value(json_object_get(*(json_t *const *)a, "name"));
	const char *y = json_string_value(json_object_get(*(json_t *const *)b, "name"));

	return strcmp(x ? x : "", y ? y : "");
}

int
render_help(const json_t *r, const struct render_opts *o)
{
	const json_t *list = json_object_get(r, "commands");
	size_t n = json_array_size(list);
	json_t **v = calloc(n ? n : 1, sizeof(*v));
	struct table *t = table_new(2, "ll");

	(void)o;
	for (size_t i = 0; v != NULL && i < n; i++)
		v[i] = json_array_get(list, i);
	if (v != NULL)
		qsort(v, n, sizeof(*v), by_name);
	printf("Commands of this node (vhctl COMMAND --help for vhctl's options):\n");
	for (size_t i = 0; v != NULL && i < n; i++) {
		table_row(t);
		cell(t, v[i], "name");
		cell(t, v[i], "help");
	}
	table_print(t, stdout, "  ");
	free(v);
	return 0;
}

int
render_ping(const json_t *r, const struct render_opts *o)
{
	json_int_t sent = json_integer_value(json_object_get(r, "sent"));
	json_int_t recv = json_integer_value(json_object_get(r, "received"));
	const json_t *rtts = json_object_get(r, "rtt_ms");
	const char *target = json_string_value(json_object_get(r, "target"));
	size_t i;

	(void)o;
	printf("PING %s\n", target ? target : "?");
	for (i = 0; i < json_array_size(rtts); i++) {
		const json_t *v = json_array_get(rtts, i);

		/* one entry per echo sent, by sequence number; null when none came back */
		if (json_is_number(v))
			printf("seq %zu: rtt %.3f ms\n", i, json_number_value(v));
		else
			printf("seq %zu: no reply\n", i);
	}
	printf("--- %s ---\n", target ? target : "?");
	printf("%" JSON_INTEGER_FORMAT " sent, %" JSON_INTEGER_FORMAT " received, %.1f%% loss\n",
		sent, recv, sent > 0 ? 100.0 * (double)(sent - recv) / (double)sent : 0.0);
	if (recv > 0)
		printf("rtt min/avg/max = %.3f/%.3f/%.3f ms\n",
			json_number_value(json_object_get(r, "min_ms")),
			json_number_value(json_object_get(r, "avg_ms")),
			json_number_value(json_object_get(r, "max_ms")));
	return recv > 0 ? 0 : 1;
}

int
render_json(const json_t *r)
{
	char *s = json_dumps(r, JSON_INDENT(2) | JSON_ENCODE_ANY);

	if (s == NULL)
		return 1;
	printf("%s\n", s);
	free(s);
	return 0;
}
