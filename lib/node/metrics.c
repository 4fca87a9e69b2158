/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Prometheus text metrics over HTTP (libmicrohttpd, its own thread), at
 * `metrics.listen`. The page is the `stats` command's counters in the
 * exposition format, every layer's block from the counter registry labelled
 * with its layer: counters are written by single writers and read whole,
 * so the HTTP thread can read them without locks.
 */
#include <errno.h>
#include <arpa/inet.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node_priv.h"

static void
family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* One family per numeric key of the objects in arr, labelled by lkeys. */
static void
array_families(
	FILE *f, const json_t *arr, const char *prefix, const char *const *lkeys, unsigned int nl)
{
	const json_t *first = json_array_get(arr, 0);
	const char *key;
	const json_t *v;

	json_object_foreach((json_t *)first, key, v)
	{
		char name[128];
		size_t i;
		const json_t *o;
		bool label = false;

		for (unsigned int l = 0; l < nl; l++)
			label |= strcmp(key, lkeys[l]) == 0;
		if (label || !json_is_integer(v))
			continue;
		snprintf(name, sizeof(name), "%s_%s_total", prefix, key);
		family(f, name, "counter", key);
		json_array_foreach(arr, i, o)
		{
			fprintf(f, "%s{", name);
			for (unsigned int l = 0; l < nl; l++) {
				const json_t *lv = json_object_get(o, lkeys[l]);

				if (json_is_string(lv))
					fprintf(f, "%s%s=\"%s\"", l ? "," : "", lkeys[l],
						json_string_value(lv));
				else
					fprintf(f, "%s%s=\"%lld\"", l ? "," : "", lkeys[l],
						(long long)json_integer_value(lv));
			}
			fprintf(f, "} %lld\n",
				(long long)json_integer_value(json_object_get(o, key)));
		}
	}
}

static void
object_family(FILE *f, const json_t *obj, const char *name, const char *label, const char *help)
{
	const char *key;
	const json_t *v;

	family(f, name, "counter", help);
	json_object_foreach((json_t *)obj, key, v) fprintf(
		f, "%s{%s=\"%s\"} %lld\n", name, label, key, (long long)json_integer_value(v));
}

static void
event_sample(void *arg, const char *block, const char *name, uint64_t v)
{
	fprintf(arg, "valhalla_control_events_total{layer=\"%s\",event=\"%s\"} %llu\n", block, name,
		(unsigned long long)v);
}

static char *
render(struct vh_node *n, size_t *len)
{
	static const char *const port_l[] = {"name", "id"}, *const lcore_l[] = {"lcore", "role"},
				 *const graph_l[] = {"lcore", "node"};
	json_t *st = node_stats_json(n);
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	if (f == NULL) {
		json_decref(st);
		return NULL;
	}
	family(f, "valhalla_up", "gauge", "1 while the node runs");
	fprintf(f, "valhalla_up{node=\"%s\"} 1\n", n->cfg.node.name);
	family(f, "valhalla_uptime_seconds", "gauge", "seconds since start");
	fprintf(f, "valhalla_uptime_seconds %.3f\n", (double)vh_node_uptime_ms(n) / 1e3);
	array_families(f, json_object_get(st, "ports"), "valhalla_port", port_l, 2);
	array_families(f, json_object_get(st, "lcores"), "valhalla_lcore", lcore_l, 2);
	array_families(f, json_object_get(st, "graph"), "valhalla_graph_node", graph_l, 2);
	object_family(f, json_object_get(st, "drops"), "valhalla_drops_total", "reason",
		"packets dropped, by reason");
	family(f, "valhalla_control_events_total", "counter",
		"control-lcore events, by layer (counter block) and event");
	vh_node_counters_walk(n, event_sample, f);
	object_family(f, json_object_get(st, "ctl"), "valhalla_ctl_total", "counter",
		"control-socket counters");
	family(f, "valhalla_mempool_mbufs", "gauge", "mbufs in use and available");
	fprintf(f, "valhalla_mempool_mbufs{state=\"in_use\"} %lld\n",
		(long long)json_integer_value(
			json_object_get(json_object_get(st, "mempool"), "in_use")));
	fprintf(f, "valhalla_mempool_mbufs{state=\"available\"} %lld\n",
		(long long)json_integer_value(
			json_object_get(json_object_get(st, "mempool"), "available")));
	fclose(f);
	json_decref(st);
	return buf;
}

static enum MHD_Result
answer(void *cls, struct MHD_Connection *c, const char *url, const char *method,
	const char *version, const char *upload, size_t *upload_len, void **con_cls)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	unsigned int status = MHD_HTTP_OK;
	char *body;
	size_t len = 0;

	RTE_SET_USED(version);
	RTE_SET_USED(upload);
	RTE_SET_USED(upload_len);
	RTE_SET_USED(con_cls);
	if (strcmp(method, "GET") != 0 || strcmp(url, "/metrics") != 0) {
		body = strdup("only GET /metrics is served here\n");
		len = body ? strlen(body) : 0;
		status = MHD_HTTP_NOT_FOUND;
	} else {
		body = render(cls, &len);
	}
	if (body == NULL)
		return MHD_NO;
	r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", "text/plain; version=0.0.4");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

int
node_metrics_start(struct vh_node *n)
{
	const struct vh_config_endpoint *ep = &n->cfg.metrics.listen;
	struct sockaddr_storage ss;
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;

	if (!n->cfg.metrics.enabled)
		return 0;
	memset(&ss, 0, sizeof(ss));
	if (ep->family == AF_INET) {
		struct sockaddr_in *sa = (struct sockaddr_in *)&ss;

		sa->sin_family = AF_INET;
		sa->sin_port = htons(ep->port);
		memcpy(&sa->sin_addr, ep->addr, 4);
	} else {
		struct sockaddr_in6 *sa = (struct sockaddr_in6 *)&ss;

		sa->sin6_family = AF_INET6;
		sa->sin6_port = htons(ep->port);
		memcpy(&sa->sin6_addr, ep->addr, 16);
		flags |= MHD_USE_IPv6;
	}
	n->metrics = MHD_start_daemon(flags, ep->port, NULL, NULL, answer, n, MHD_OPTION_SOCK_ADDR,
		(struct sockaddr *)&ss, MHD_OPTION_CONNECTION_LIMIT, 16U,
		MHD_OPTION_CONNECTION_TIMEOUT, 10U, MHD_OPTION_END);
	if (n->metrics == NULL) {
		VH_NODE_LOG(ERR, "metrics: cannot listen on port %u", ep->port);
		return -EADDRINUSE;
	}
	{
		char host[INET6_ADDRSTRLEN];

		inet_ntop(ep->family, ep->addr, host, sizeof(host));
		VH_NODE_LOG(INFO, "metrics: Prometheus text at http://%s%s%s:%u/metrics",
			ep->family == AF_INET6 ? "[" : "", host, ep->family == AF_INET6 ? "]" : "",
			ep->port);
	}
	return 0;
}

void
node_metrics_stop(struct vh_node *n)
{
	if (n->metrics != NULL)
		MHD_stop_daemon(n->metrics);
	n->metrics = NULL;
}
