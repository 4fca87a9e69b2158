/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vhctl: the operator's client for the node's control socket
 * (docs/vhctl.md). Parses the command line, builds one request, prints the
 * answer as a table (or JSON with --json) and exits with a code scripts can
 * tell apart.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vh_core.h"

#include "client.h"
#include "render.h"

#define DEFAULT_TIMEOUT_MS 5000

struct opts {
	const char *socket;
	bool json;
	long timeout_ms;
	struct render_opts r;
};

struct cmd {
	const char *name;
	const char *usage;
	const char *help;
	/* Fill *args from the words after the command; exit code or 0. */
	int (*parse)(int argc, char **argv, struct opts *o, json_t **args, long *extra_ms);
	int (*render)(const json_t *r, const struct render_opts *o);
};

static int
usage_error(const char *fmt, const char *arg)
{
	fputs("vhctl: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs("\n(vhctl --help for usage)\n", stderr);
	return EXIT_USAGE;
}

static bool
parse_long(const char *s, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0')
		return false;
	*out = v;
	return true;
}

static int
parse_none(int argc, char **argv, struct opts *o, json_t **args, long *extra_ms)
{
	(void)o;
	(void)args;
	(void)extra_ms;
	if (argc > 0)
		return usage_error("unexpected argument '%s'", argv[0]);
	return 0;
}

static int
parse_stats(int argc, char **argv, struct opts *o, json_t **args, long *extra_ms)
{
	(void)args;
	(void)extra_ms;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--all") == 0 || strcmp(argv[i], "-a") == 0)
			o->r.all = true;
		else
			return usage_error("stats: unexpected argument '%s'", argv[i]);
	}
	return 0;
}

static const struct {
	const char *flag;
	const char *key;
	long def;
} ping_flags[] = {
	{"-c", "count", 3},
	{"-i", "interval_ms", 200},
	{"-W", "timeout_ms", 1000},
	{"-s", "size", 16},
};

static int
parse_ping(int argc, char **argv, struct opts *o, json_t **args, long *extra_ms)
{
	long val[4] = {3, 200, 1000, 16};
	bool given[4] = {false};
	const char *target = NULL, *pattern = NULL;

	(void)o;
	for (int i = 0; i < argc; i++) {
		size_t f;

		for (f = 0; f < 4 && strcmp(argv[i], ping_flags[f].flag) != 0; f++)
			;
		if (strcmp(argv[i], "-p") == 0) {
			if (i + 1 == argc)
				return usage_error("ping: %s needs a pattern", argv[i]);
			pattern = argv[++i];
		} else if (f < 4) {
			if (i + 1 == argc || !parse_long(argv[i + 1], &val[f]))
				return usage_error("ping: %s needs an integer", argv[i]);
			given[f] = true;
			i++;
		} else if (argv[i][0] == '-') {
			return usage_error("ping: unknown option '%s'", argv[i]);
		} else if (target != NULL) {
			return usage_error("ping: one target only ('%s')", argv[i]);
		} else {
			target = argv[i];
		}
	}
	if (target == NULL)
		return usage_error("%s",
			"ping: which PathAddr or NodeID? e.g. vhctl ping /udp/10.0.0.2:22088");
	*args = json_pack("{s:s}", "target", target);
	if (pattern != NULL)
		json_object_set_new(*args, "pattern", json_string(pattern));
	for (size_t f = 0; f < 4; f++)
		if (given[f])
			json_object_set_new(*args, ping_flags[f].key, json_integer(val[f]));
	/* The node answers after the last echo's timeout: wait that long too. */
	if (val[0] > 0 && val[0] <= 1000 && val[1] >= 0 && val[1] <= 600000 && val[2] >= 0 &&
		val[2] <= 600000)
		*extra_ms = val[0] * val[1] + val[2];
	return 0;
}

/* add-peer <PathAddr> [NodeID]; remove-peer <PathAddr|NodeID> */
static int
parse_peer_args(int argc, char **argv, json_t **args, bool add)
{
	if (argc < 1 || argc > (add ? 2 : 1) || argv[0][0] == '-')
		return usage_error("%s", add ? "usage: vhctl add-peer <PathAddr> [NodeID]"
					     : "usage: vhctl remove-peer <PathAddr|NodeID>");
	*args = json_object();
	if (!add && strncmp(argv[0], "VH", 2) == 0)
		json_object_set_new(*args, "node_id", json_string(argv[0]));
	else
		json_object_set_new(*args, "address", json_string(argv[0]));
	if (argc == 2)
		json_object_set_new(*args, "node_id", json_string(argv[1]));
	return 0;
}

static int
parse_add_peer(int argc, char **argv, struct opts *o, json_t **args, long *extra_ms)
{
	(void)o;
	(void)extra_ms;
	return parse_peer_args(argc, argv, args, true);
}

static int
parse_remove_peer(int argc, char **argv, struct opts *o, json_t **args, long *extra_ms)
{
	(void)o;
	(void)extra_ms;
	return parse_peer_args(argc, argv, args, false);
}

/* lookup <NodeID> */
static int
parse_lookup(int argc, char **argv, struct opts *o, json_t **args, long *extra_ms)
{
	(void)o;
	if (argc != 1 || argv[0][0] == '-')
		return usage_error("%s", "usage: vhctl lookup <NodeID>");
	*args = json_pack("{s:s}", "node_id", argv[0]);
	/* a node lookup, then one for its record, each up to dht.lookup_deadline_s (10 s) */
	*extra_ms = 25000;
	return 0;
}

/* traceroute <NodeID> [-m MAX_HOPS] [-W TIMEOUT_MS] */
static int
parse_traceroute(int argc, char **argv, struct opts *o, json_t **args, long *extra_ms)
{
	long max = 16, wait = 1000;
	const char *target = NULL;

	(void)o;
	for (int i = 0; i < argc; i++) {
		bool m = strcmp(argv[i], "-m") == 0, w = strcmp(argv[i], "-W") == 0;

		if (m || w) {
			if (i + 1 == argc || !parse_long(argv[i + 1], m ? &max : &wait))
				return usage_error("traceroute: %s needs an integer", argv[i]);
			i++;
		} else if (argv[i][0] == '-' || target != NULL) {
			return usage_error("traceroute: unexpected argument '%s'", argv[i]);
		} else {
			target = argv[i];
		}
	}
	if (target == NULL)
		return usage_error("%s", "usage: vhctl traceroute <NodeID> [-m MAX_HOPS] [-W "
					 "TIMEOUT_MS]");
	*args = json_pack("{s:s,s:I,s:I}", "node_id", target, "max_hops", (json_int_t)max,
		"timeout_ms", (json_int_t)wait);
	if (max > 0 && max <= 64 && wait > 0 && wait <= 60000)
		*extra_ms = max * wait;
	return 0;
}

/* key=value words; values that parse as integers become integers. */
static int
parse_passthrough(int argc, char **argv, json_t **args)
{
	*args = json_object();
	for (int i = 0; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		char key[256];
		long v;

		if (eq == NULL || eq == argv[i] || (size_t)(eq - argv[i]) >= sizeof(key)) {
			json_decref(*args);
			*args = NULL;
			return usage_error("argument '%s' is not key=value", argv[i]);
		}
		memcpy(key, argv[i], (size_t)(eq - argv[i]));
		key[eq - argv[i]] = '\0';
		if (parse_long(eq + 1, &v))
			json_object_set_new(*args, key, json_integer(v));
		else
			json_object_set_new(*args, key, json_string(eq + 1));
	}
	return 0;
}

/* render_mix.c */
int parse_mix(int argc, char **argv, struct opts *o, json_t **args, long *extra_ms);
int render_mix(const json_t *r, const struct render_opts *o);

static const struct cmd cmds[] = {
	{"status", "vhctl status",
		"Node name, version, pid, uptime, mode, lcores, ports, UDP port.", parse_none,
		render_status},
	{"ports", "vhctl ports",
		"One row per port: id, name, driver, MAC, link, speed, MTU, queues, addresses, "
		"devargs.",
		parse_none, render_ports},
	{"stats", "vhctl stats [--all]",
		"Counters: per port, per lcore, per graph node (with cycles per packet), drop\n"
		"reasons (non-zero only unless --all), control lcore counters, mempool.",
		parse_stats, render_stats},
	{"version", "vhctl version",
		"Versions of the node, its control protocol and DPDK, and vhctl.", parse_none,
		render_version},
	{"help", "vhctl help", "The commands the node understands, with one line each.", parse_none,
		render_help},
	{"peers", "vhctl peers",
		"Veil link peers: NodeID, name, address, endpoint, state, last handshake, rx/tx\n"
		"packets and bytes, rekeys, drops.",
		parse_none, render_peers},
	{"add-peer", "vhctl add-peer <PathAddr> [NodeID]",
		"Keep a Veil link session with the node at PathAddr (optionally pinned to NodeID).",
		parse_add_peer, render_raw},
	{"remove-peer", "vhctl remove-peer <PathAddr|NodeID>",
		"Drop a peer, its session and its TOFU pin.", parse_remove_peer, render_raw},
	{"ping",
		"vhctl ping <PathAddr|NodeID> [-c COUNT] [-i INTERVAL_MS] [-W TIMEOUT_MS] [-s "
		"SIZE] "
		"[-p PATTERN]",
		"Bifrost echo round trips to PathAddr (e.g. /udp/10.0.0.2:22088), or to a NodeID\n"
		"over its Veil link session.\n"
		"  -c COUNT        echoes to send, 1..100 (default 3)\n"
		"  -i INTERVAL_MS  between echoes (default 200)\n"
		"  -W TIMEOUT_MS   wait for the last echo (default 1000)\n"
		"  -s SIZE         frame payload bytes, 16..1400 (default 16)\n"
		"  -p PATTERN      1..32 characters repeated over the echo padding\n"
		"Exits 1 when no echo came back.",
		parse_ping, render_ping},
	{"lookup", "vhctl lookup <NodeID>",
		"Find a node through the DHT: found or not, hops, time, its addresses and the\n"
		"route to it. Exits 1 when it was not found.",
		parse_lookup, render_lookup},
	{"routes", "vhctl routes",
		"Overlay routes: destination, where it was learnt, metric (hops), age, next hops.",
		parse_none, render_routes},
	{"traceroute", "vhctl traceroute <NodeID> [-m MAX_HOPS] [-W TIMEOUT_MS]",
		"The relays on the way to a node: echo probes with growing hop limits, each\n"
		"relay answering \"hop limit exceeded\". Exits 1 when the target was not reached.",
		parse_traceroute, render_traceroute},
	{"dht", "vhctl dht", "DHT counters (table size, records, lookups) and mesh counters.",
		parse_none, render_raw},
	{"mix",
		"vhctl mix status | send <NodeID> <file|-> [--surb] [--twice] [--keep] |\n"
		"           resend | recv | reply <id> <file|-> | nodes [add <NodeID>...] | delays",
		"The Sphinx mixnet (docs/mix-node.md): status (epoch, keys, counters, delay\n"
		"wheel), send a message (with a SURB for a reply; --twice sends the packet\n"
		"twice and --keep keeps it for resend, which sends it again: replay tests),\n"
		"recv messages and replies, reply through a received SURB, the mixnodes asked\n"
		"for descriptors, per-hop delays held here.",
		parse_mix, render_mix},
};

/* The commands vhctl renders, one line each from the table (docs/vhctl.md). */
static void
usage(FILE *f)
{
	fprintf(f, "usage: vhctl [-s|--socket PATH] [--json] [-t|--timeout SEC] COMMAND [ARGS]\n"
		   "       vhctl --help | --version | COMMAND --help\n"
		   "\n"
		   "commands (vhctl COMMAND --help for arguments):\n");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %s\n", cmds[i].usage + strlen("vhctl "));
	fprintf(f, "  OTHER [key=value ...]   any other node command; the result prints as JSON\n"
		   "\n"
		   "options:\n"
		   "  -s, --socket PATH   control socket (else $VALHALLA_SOCKET, else the only\n"
		   "                      *.sock in $VALHALLA_RUN_DIR or " VHCTL_RUN_DIR ")\n"
		   "  -j, --json          print the raw result object as JSON\n"
		   "  -t, --timeout SEC   give up waiting after SEC seconds (default 5)\n"
		   "  -a, --all           stats: also list drop reasons at zero\n"
		   "\n"
		   "exit codes: 0 ok, 1 error from the node, 2 usage, 3 node not running,\n"
		   "            4 timeout, 5 cannot talk to the node\n");
}

static bool
wants_help(int argc, char **argv)
{
	for (int i = 0; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return true;
	return false;
}

static int
parse_global(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{"socket", required_argument, NULL, 's'},
		{"json", no_argument, NULL, 'j'},
		{"timeout", required_argument, NULL, 't'},
		{"all", no_argument, NULL, 'a'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	char *end;
	double sec;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+s:jt:ahV", lo, NULL)) != -1) {
		switch (c) {
		case 's':
			o->socket = optarg;
			break;
		case 'j':
			o->json = true;
			break;
		case 'a':
			o->r.all = true;
			break;
		case 't':
			sec = strtod(optarg, &end);
			if (end == optarg || *end != '\0' || !(sec > 0 && sec <= 86400))
				return usage_error(
					"bad timeout '%s' (seconds, e.g. 2 or 0.5)", optarg);
			o->timeout_ms = (long)(sec * 1000.0 + 0.5);
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("vhctl %s (control protocol %d)\n", VH_VERSION_STRING,
				VH_CTL_PROTOCOL);
			exit(0);
		default:
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind == argc)
		return usage_error("%s", "which command?");
	return 0;
}

int
main(int argc, char **argv)
{
	struct opts o = {.timeout_ms = DEFAULT_TIMEOUT_MS};
	const struct cmd *cmd = NULL;
	json_t *args = NULL, *result = NULL;
	char path[PATH_MAX];
	long extra_ms = 0;
	const char *name;
	int rc, sub_argc;
	char **sub_argv;

	rc = parse_global(argc, argv, &o);
	if (rc != 0)
		return rc;
	name = argv[optind];
	sub_argc = argc - optind - 1;
	sub_argv = argv + optind + 1;
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(cmds[i].name, name) == 0)
			cmd = &cmds[i];
	if (wants_help(sub_argc, sub_argv)) {
		if (cmd != NULL)
			printf("usage: %s\n%s\n", cmd->usage, cmd->help);
		else
			printf("usage: vhctl %s [key=value ...]\nA command vhctl does not know: "
			       "sent to "
			       "the node as is, values that are integers as integers; the result "
			       "prints as JSON.\n",
				name);
		return 0;
	}
	rc = cmd != NULL ? cmd->parse(sub_argc, sub_argv, &o, &args, &extra_ms)
			 : parse_passthrough(sub_argc, sub_argv, &args);
	if (rc == 0)
		rc = client_socket_path(o.socket, path, sizeof(path));
	if (rc == 0) {
		rc = client_call(path, name, args, o.timeout_ms + extra_ms, &result);
		args = NULL;
	}
	json_decref(args);
	if (rc != 0)
		return rc;
	if (o.json || cmd == NULL) {
		rc = render_json(result);
		/* ping's exit status does not depend on the output format */
		if (rc == 0 && cmd != NULL && strcmp(cmd->name, "ping") == 0 &&
			json_integer_value(json_object_get(result, "received")) == 0)
			rc = EXIT_NODE_ERROR;
		if (rc == 0 && cmd != NULL &&
			((strcmp(cmd->name, "lookup") == 0 &&
				 !json_is_true(json_object_get(result, "found"))) ||
				(strcmp(cmd->name, "traceroute") == 0 &&
					!json_is_true(json_object_get(result, "reached")))))
			rc = EXIT_NODE_ERROR;
	} else
		rc = cmd->render(result, &o.r);
	json_decref(result);
	if (fflush(stdout) != 0)
		rc = rc ? rc : EXIT_COMM;
	return rc;
}
