/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * valhalla: the overlay node. `valhalla [EAL args] -- -c node.json`.
 * The config is read and checked before EAL starts, so a bad file stops the
 * node before it touches a device.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_pdump.h>
#include <rte_version.h>

#include "vh_host.h"
#include "vh_link.h"
#include "vh_mesh.h"
#include "vh_mixnode.h"
#include "vh_node.h"

/* The services of the node, started in this order and stopped in reverse. */
static const struct vh_node_service *const services[] = {
	&vh_host_service,
	&vh_link_service,
	&vh_mesh_service,
	&vh_mixnode_service,
};

static struct vh_node *the_node;

static void
usage(FILE *f, const char *prog)
{
	fprintf(f,
		"Usage: %s [EAL options] -- -c CONFIG.json\n"
		"       %s --help | --version\n\n"
		"Valhalla overlay node. EAL options are DPDK's (e.g. -l 0-1 --no-huge\n"
		"--file-prefix NAME); ports come from the config's devargs.\n\n"
		"  -c, --config FILE   node configuration (JSON); see docs/config-reference.md\n"
		"  -h, --help          this text\n"
		"  -V, --version       print the version and exit\n",
		prog, prog);
}

static void
version(void)
{
	printf("valhalla %s (control protocol %d, %s)\n", VH_VERSION_STRING, VH_CTL_PROTOCOL,
		rte_version());
}

/* Parse the options after "--". Returns 0 to go on, 1 to exit 0, -1 on error. */
static int
parse_app_args(int argc, char **argv, const char *prog, const char **config)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "c:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			*config = optarg;
			break;
		case 'h':
			usage(stdout, prog);
			return 1;
		case 'V':
			version();
			return 1;
		default:
			fprintf(stderr, "%s: unknown or incomplete option '%s'\n", prog,
				argv[optind - 1]);
			usage(stderr, prog);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", prog, argv[optind]);
		return -1;
	}
	if (*config == NULL) {
		fprintf(stderr, "%s: no configuration: give -c CONFIG.json after --\n", prog);
		return -1;
	}
	return 0;
}

static int
load_config(const char *file, struct vh_config *cfg)
{
	struct vh_config_error err;
	char msg[512];

	if (vh_config_load_file(file, cfg, &err) == 0)
		return 0;
	vh_config_format_error(&err, file, msg, sizeof(msg));
	fprintf(stderr, "valhalla: %s\n", msg);
	return -1;
}

/* The identity is created on first start; a bad key file stops the node. */
static int
load_identity(const struct vh_config *cfg, struct vh_identity *id)
{
	char text[VH_IDENTITY_NODEID_TEXT_MAX + 1];
	char err[256] = "";
	bool created = false;
	int rc;

	rc = vh_identity_load_or_create(cfg->node.key_file, id, &created, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "valhalla: identity: %s\n", err[0] ? err : strerror(-rc));
		return -1;
	}
	vh_identity_nodeid_format(id->nodeid, text, sizeof(text));
	fprintf(stderr, "valhalla: %s identity %s (%s)\n", created ? "created" : "loaded", text,
		cfg->node.key_file);
	return 0;
}

/* The first SIGINT/SIGTERM stops the node cleanly; a second one ends it at once. */
static void
on_signal(int sig)
{
	if (the_node != NULL && vh_node_request_stop(the_node))
		_exit(128 + sig);
}

static void
set_log_levels(const struct vh_config *cfg)
{
	char pattern[64];

	rte_log_set_level_pattern("valhalla.*", (uint32_t)cfg->log.level);
	for (unsigned int i = 0; i < cfg->log.n_libs; i++) {
		snprintf(pattern, sizeof(pattern), "valhalla.%s", cfg->log.libs[i].name);
		rte_log_set_level_pattern(pattern, (uint32_t)cfg->log.libs[i].level);
	}
}

/* The node with its services: NULL (logged) when it cannot be made. */
static struct vh_node *
make_node(const struct vh_config *cfg, struct vh_identity *id)
{
	struct vh_node *n = vh_node_create(cfg, id);

	vh_identity_wipe(id); /* the node holds its own copy */
	if (n == NULL) {
		fprintf(stderr, "valhalla: %s\n", rte_strerror(rte_errno));
		return NULL;
	}
	for (unsigned int i = 0; i < RTE_DIM(services); i++)
		if (vh_node_service_add(n, services[i]) != 0) {
			fprintf(stderr, "valhalla: service %s not added\n", services[i]->name);
			vh_node_destroy(n, &(unsigned int){0});
			return NULL;
		}
	return n;
}

int
main(int argc, char **argv)
{
	static struct vh_config cfg;
	struct vh_identity id;
	const char *config = NULL;
	unsigned int in_use = 0;
	int sep, rc;

	for (sep = 1; sep < argc && strcmp(argv[sep], "--") != 0; sep++)
		;
	/* --help and --version work without EAL (and without root) */
	if (argc > 1 && sep > 1 && argv[1][0] == '-' && argv[1][1] == '-' &&
		(strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "--version") == 0))
		return parse_app_args(2, argv, argv[0], &config) == 1 ? 0 : 2;
	if (sep < argc) {
		rc = parse_app_args(argc - sep, argv + sep, argv[0], &config);
		if (rc != 0)
			return rc > 0 ? 0 : 2;
	} else {
		fprintf(stderr, "%s: missing '--' and -c CONFIG.json\n", argv[0]);
		usage(stderr, argv[0]);
		return 2;
	}
	if (load_config(config, &cfg) != 0 || load_identity(&cfg, &id) != 0)
		return 1;
	rc = rte_eal_init(sep, argv);
	if (rc < 0) {
		fprintf(stderr, "valhalla: EAL initialisation failed: %s\n",
			rte_strerror(rte_errno));
		return 1;
	}
	set_log_levels(&cfg);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	the_node = make_node(&cfg, &id);
	rc = the_node != NULL ? vh_node_start(the_node) : -1;
	if (rc == 0)
		vh_node_run(the_node);
	vh_node_destroy(the_node, &in_use);
	the_node = NULL;
	rte_eal_cleanup();
	if (rc != 0)
		return 1;
	return in_use == 0 ? 0 : 3;
}
