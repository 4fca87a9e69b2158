/* SPDX-License-Identifier: BSD-3-Clause */
/* vhctl: renderings of lookup, routes and traceroute (docs/mesh.md). */
#include <stdio.h>
#include <string.h>

#include "render.h"
#include "table.h"

static const char *
str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s != NULL ? s : "-";
}

static void
ids_line(const json_t *a, char *buf, size_t cap)
{
	size_t i, off = 0;
	const json_t *v;

	buf[0] = '\0';
	json_array_foreach(a, i, v)
	{
		int k = snprintf(buf + off, cap - off, "%s%s", i > 0 ? "," : "",
			json_string_value(v) != NULL ? json_string_value(v) : "?");

		if (k < 0 || (size_t)k >= cap - off)
			break;
		off += (size_t)k;
	}
	if (off == 0)
		snprintf(buf, cap, "-");
}

int
render_lookup(const json_t *r, const struct render_opts *o)
{
	bool found = json_is_true(json_object_get(r, "found"));
	char nh[1024];

	(void)o;
	ids_line(json_object_get(r, "next_hops"), nh, sizeof(nh));
	printf("%s: %s after %lld ms (%lld hops, %lld requests, %lld retries)\n", str(r, "node_id"),
		found ? "found" : "NOT found",
		(long long)json_integer_value(json_object_get(r, "elapsed_ms")),
		(long long)json_integer_value(json_object_get(r, "hops")),
		(long long)json_integer_value(json_object_get(r, "requests")),
		(long long)json_integer_value(json_object_get(r, "retries")));
	ids_line(json_object_get(r, "addresses"), nh + 512, 512);
	printf("  addresses: %s\n", nh + 512);
	ids_line(json_object_get(r, "next_hops"), nh, 512);
	printf("  route: metric %lld via %s\n",
		(long long)json_integer_value(json_object_get(r, "metric")), nh);
	return found ? 0 : 1;
}

int
render_routes(const json_t *r, const struct render_opts *o)
{
	struct table *t = table_new(5, "llrrl");
	const json_t *v;
	char nh[1024];
	size_t i;

	(void)o;
	table_row(t);
	table_cell(t, "DESTINATION");
	table_cell(t, "SOURCE");
	table_cell(t, "METRIC");
	table_cell(t, "AGE S");
	table_cell(t, "NEXT HOPS");
	json_array_foreach(json_object_get(r, "routes"), i, v)
	{
		ids_line(json_object_get(v, "next_hops"), nh, sizeof(nh));
		table_row(t);
		table_cell(t, "%s", str(v, "node_id"));
		table_cell(t, "%s", str(v, "source"));
		table_cell(t, "%lld", (long long)json_integer_value(json_object_get(v, "metric")));
		table_cell(t, "%.1f",
			(double)json_integer_value(json_object_get(v, "age_ms")) / 1000.0);
		table_cell(t, "%s", nh);
	}
	table_print(t, stdout, "");
	return 0;
}

int
render_traceroute(const json_t *r, const struct render_opts *o)
{
	bool reached = json_is_true(json_object_get(r, "reached"));
	const json_t *h;
	size_t i;

	(void)o;
	printf("traceroute to %s\n", str(r, "target"));
	json_array_foreach(json_object_get(r, "hops"), i, h)
	{
		const json_t *rtt = json_object_get(h, "rtt_ms");

		if (json_is_null(json_object_get(h, "node_id")))
			printf("%3lld  *\n",
				(long long)json_integer_value(json_object_get(h, "hop")));
		else
			printf("%3lld  %s  %.3f ms\n",
				(long long)json_integer_value(json_object_get(h, "hop")),
				str(h, "node_id"), json_real_value(rtt));
	}
	if (!reached)
		printf("target not reached\n");
	return reached ? 0 : 1;
}
