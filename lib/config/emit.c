/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Output from the schema table: the effective configuration as JSON (for
 * vhctl) and the Markdown reference (docs/config-reference.md).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "schema.h"

static json_t *emit_value(const struct field *f, const char *base);

/* Entries of an array or map, never more than the schema allows. */
static unsigned int
count(const struct field *f, const char *base)
{
	unsigned int n = *(const unsigned int *)(base + f->count_offset);

	return (int64_t)n > f->max ? (unsigned int)f->max : n;
}

static json_t *
emit_object(const struct field *f, const char *dst)
{
	json_t *o = json_object();

	for (const struct field *m = f->sub; o != NULL && m->key != NULL; m++) {
		if ((m->flags & F_HAS) && !*(const bool *)(dst + m->has_offset))
			continue;
		if (json_object_set_new(o, m->key, emit_value(m, dst)) != 0) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

static json_t *
emit_array(const struct field *f, const char *base)
{
	unsigned int n = count(f, base);
	const char *dst = base + f->offset;
	json_t *a = json_array();

	for (unsigned int i = 0; a != NULL && i < n; i++)
		if (json_array_append_new(a, emit_value(f->sub, dst + i * f->size)) != 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static json_t *
emit_map(const struct field *f, const char *base)
{
	unsigned int n = count(f, base);
	const char *dst = base + f->offset;
	json_t *o = json_object();

	for (unsigned int i = 0; o != NULL && i < n; i++) {
		const char *entry = dst + i * f->size;

		if (json_object_set_new(o, entry, emit_value(f->sub, entry)) != 0) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

static json_t *
emit_scalar(const struct field *f, const char *dst)
{
	char buf[VH_CONFIG_DEVARGS_LEN + 64];
	int i;

	switch (f->kind) {
	case K_STRING:
		f->format(f, dst, buf, sizeof(buf));
		return json_string(buf);
	case K_INT:
		if (f->size == 1)
			return json_integer(*(const uint8_t *)dst);
		if (f->size == 2)
			return json_integer(*(const uint16_t *)dst);
		return json_integer(*(const uint32_t *)dst);
	case K_BOOL:
		return json_boolean(*(const bool *)dst);
	case K_ENUM:
		i = *(const int *)dst - f->enum_base;
		for (int k = 0; i >= 0 && f->names[k] != NULL; k++)
			if (k == i)
				return json_string(f->names[k]);
		return json_integer(*(const int *)dst); /* not loadable: shows the bad value */
	default:
		return NULL;
	}
}

static json_t *
emit_value(const struct field *f, const char *base)
{
	switch (f->kind) {
	case K_OBJECT:
		return emit_object(f, base + f->offset);
	case K_ARRAY:
		return emit_array(f, base);
	case K_MAP:
		return emit_map(f, base);
	default:
		return emit_scalar(f, base + f->offset);
	}
}

json_t *
vh_config_to_json(const struct vh_config *cfg)
{
	return cfg != NULL ? emit_value(&vh_config_schema, (const char *)cfg) : NULL;
}

/* A Markdown table cell: '|' would end the cell early. */
static void
cell(FILE *out, const char *s)
{
	fputs(" ", out);
	for (; *s != '\0'; s++) {
		if (*s == '|')
			fputc('\\', out);
		fputc(*s, out);
	}
	fputs(" |", out);
}

static const char *
type_name(const struct field *f)
{
	static const char *const names[] = {
		[K_OBJECT] = "object",
		[K_ARRAY] = "array",
		[K_MAP] = "object",
		[K_STRING] = "string",
		[K_INT] = "integer",
		[K_BOOL] = "boolean",
		[K_ENUM] = "string",
	};

	if (f->type_doc != NULL)
		return f->type_doc;
	if (f->kind == K_ARRAY && f->sub->kind == K_OBJECT)
		return "array of objects";
	if (f->kind == K_ARRAY && f->sub->kind == K_INT)
		return "array of integers";
	return names[f->kind];
}

static void
names_list(char *buf, size_t cap, const char *const *names)
{
	size_t o = 0;

	buf[0] = '\0';
	for (int i = 0; names[i] != NULL && o < cap; i++)
		o += (size_t)snprintf(buf + o, cap - o, "%s`%s`", i ? ", " : "", names[i]);
}

static void
allowed(const struct field *f, char *buf, size_t cap)
{
	char a[200], b[200];

	if (f->allowed_doc != NULL) {
		snprintf(buf, cap, "%s", f->allowed_doc);
		return;
	}
	switch (f->kind) {
	case K_INT:
		if (f->min == f->max) {
			snprintf(buf, cap, "%" PRId64, f->min);
			break;
		}
		snprintf(buf, cap, "%" PRId64 "..%" PRId64 "%s", f->min, f->max,
			f->flags & F_POW2 ? ", a power of two" : "");
		break;
	case K_ENUM:
		names_list(buf, cap, f->names);
		break;
	case K_BOOL:
		snprintf(buf, cap, "`true`, `false`");
		break;
	case K_MAP:
		names_list(a, sizeof(a), f->names);
		names_list(b, sizeof(b), f->sub->names);
		snprintf(buf, cap, "keys: %s; values: %s", a, b);
		break;
	case K_ARRAY:
		snprintf(buf, cap, "%" PRId64 "..%" PRId64 " entries", f->min, f->max);
		break;
	default:
		buf[0] = '\0';
	}
}

static void
default_text(const struct field *f, char *buf, size_t cap)
{
	if (f->flags & F_REQUIRED)
		snprintf(buf, cap, "-");
	else if (f->def != NULL)
		snprintf(buf, cap, "`%s`", f->def);
	else if (f->def_doc != NULL)
		snprintf(buf, cap, "%s", f->def_doc);
	else if (f->kind == K_OBJECT)
		snprintf(buf, cap, "`{}`");
	else
		snprintf(buf, cap, "none");
}

static void
row(FILE *out, const char *path, const struct field *f)
{
	char a[600], d[100], p[200];

	snprintf(p, sizeof(p), "`%s`", path);
	allowed(f, a, sizeof(a));
	default_text(f, d, sizeof(d));
	fputs("|", out);
	cell(out, p);
	cell(out, type_name(f));
	cell(out, f->flags & F_REQUIRED ? "yes" : "no");
	cell(out, d);
	cell(out, a);
	cell(out, f->doc != NULL ? f->doc : "");
	fputs("\n", out);
}

typedef void (*visit_fn)(const char *path, const struct field *f, void *arg);

/*
 * Every key below obj, parents before their members; one walk serves the
 * reference and vh_config_keys(), so the two cannot list different keys.
 */
static unsigned int
each_key(const char *prefix, const struct field *obj, visit_fn fn, void *arg)
{
	unsigned int n = 0;
	char path[128];

	for (const struct field *m = obj->sub; m->key != NULL; m++) {
		snprintf(path, sizeof(path), "%s.%s", prefix, m->key);
		fn(path, m, arg);
		n++;
		if (m->kind == K_OBJECT) {
			n += each_key(path, m, fn, arg);
		} else if (m->kind == K_ARRAY && m->sub->kind == K_OBJECT) {
			snprintf(path, sizeof(path), "%s.%s[]", prefix, m->key);
			n += each_key(path, m->sub, fn, arg);
		}
	}
	return n;
}

static void
visit_row(const char *path, const struct field *f, void *arg)
{
	row(arg, path, f);
}

struct key_visit {
	vh_config_key_fn fn;
	void *arg;
};

static void
visit_key(const char *path, const struct field *f, void *arg)
{
	const struct key_visit *v = arg;

	(void)f;
	v->fn(path, v->arg);
}

unsigned int
vh_config_keys(vh_config_key_fn fn, void *arg)
{
	struct key_visit v = {fn, arg};

	return fn != NULL ? each_key("$", &vh_config_schema, visit_key, &v) : 0;
}

static const char intro[] =
	"# Valhalla node configuration reference\n"
	"\n"
	"<!-- Generated from the schema table in lib/config/schema.c by\n"
	"     vh_config_print_reference(); do not edit by hand. Regenerate with\n"
	"     build/tests/config/config_reference > docs/config-reference.md -->\n"
	"\n"
	"The node reads one JSON file: `valhalla [EAL args] -- -c node.json`. The file is\n"
	"checked completely before anything starts; the first problem stops the node with\n"
	"the file name, the JSON path of the offending value and the reason, e.g.\n"
	"\n"
	"    node.json: $.ports[0].ipv4: not an IPv4 address with prefix length: "
	"\"10.0.0.300/24\"\n"
	"    node.json:7:12: string or '}' expected near 'mtu'\n"
	"\n"
	"The file must be a regular file of at most 1 MiB holding one JSON object\n"
	"(schema version 1). `vhctl` shows the effective configuration, every default\n"
	"filled in, in the same format.\n"
	"\n"
	"## Keys\n"
	"\n"
	"`[]` in a path stands for every entry of an array. \"Required\" inside an optional\n"
	"object means required when that object is present.\n"
	"\n"
	"| Path | Type | Required | Default | Allowed values | Description |\n"
	"|---|---|---|---|---|---|\n";

static const char example[] =
	"\n"
	"## Smallest configuration\n"
	"\n"
	"```json\n"
	"{\n"
	"  \"node\": { \"name\": \"n1\" },\n"
	"  \"ports\": [ { \"name\": \"tap0\", \"devargs\": \"net_tap0,iface=vh0\",\n"
	"               \"ipv4\": \"10.0.0.1/24\" } ]\n"
	"}\n"
	"```\n"
	"\n"
	"More in `config/` (each one is loaded by the unit tests).\n";

void
vh_config_print_reference(FILE *out)
{
	fputs(intro, out);
	each_key("$", &vh_config_schema, visit_row, out);
	fputs("\n## Rules across keys\n\n", out);
	for (int i = 0; vh_config_rules[i] != NULL; i++)
		fprintf(out, "- %s\n", vh_config_rules[i]);
	fputs(example, out);
}
