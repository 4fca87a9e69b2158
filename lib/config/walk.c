/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The validator: walks the parsed JSON and the schema table side by side,
 * storing converted values at the table's offsets and stopping at the first
 * error with its JSONPath. Also reading the file and formatting errors.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "schema.h"

/* Longest string value or odd key quoted in a message or path. */
#define QUOTE_MAX 60

void
quote(char *buf, size_t cap, const char *s)
{
	size_t o = 0, i;

	if (cap < 8) {
		if (cap > 0)
			buf[0] = '\0';
		return;
	}
	buf[o++] = '"';
	for (i = 0; i < QUOTE_MAX && s[i] != '\0' && o + 8 < cap; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			o += (size_t)snprintf(buf + o, cap - o, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			o += (size_t)snprintf(buf + o, cap - o, "\\x%02x", c);
		else
			buf[o++] = (char)c;
	}
	if (s[i] != '\0' && o + 4 < cap)
		o += (size_t)snprintf(buf + o, cap - o, "...");
	buf[o++] = '"';
	buf[o] = '\0';
}

static void
set_path(struct vh_config_error *e, const char *path)
{
	size_t n = strlen(path);

	if (n < sizeof(e->path)) {
		memcpy(e->path, path, n + 1);
		return;
	}
	memcpy(e->path, path, sizeof(e->path) - 4);
	memcpy(e->path + sizeof(e->path) - 4, "...", 4);
}

static int
vfail(struct walk *w, int rc, const char *sub, const char *fmt, va_list ap)
{
	char path[sizeof(w->path) + 64];

	snprintf(path, sizeof(path), "%s%s", w->path, sub);
	set_path(w->err, path);
	vsnprintf(w->err->message, sizeof(w->err->message), fmt, ap);
	w->err->line = w->err->column = 0;
	return rc;
}

int
walk_fail(struct walk *w, const char *sub, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vfail(w, -EINVAL, sub, fmt, ap);
	va_end(ap);
	return rc;
}

static int
oom(struct walk *w)
{
	snprintf(w->err->message, sizeof(w->err->message), "out of memory");
	return -ENOMEM;
}

static bool
plain_key(const char *k)
{
	size_t i;

	for (i = 0; k[i] != '\0'; i++)
		if (!((k[i] >= 'a' && k[i] <= 'z') || (k[i] >= 'A' && k[i] <= 'Z') ||
			    (k[i] >= '0' && k[i] <= '9') || k[i] == '_' || k[i] == '-'))
			return false;
	return i > 0 && i <= QUOTE_MAX;
}

static void
append(struct walk *w, const char *seg1, const char *seg2, const char *seg3)
{
	int n = snprintf(w->path + w->len, sizeof(w->path) - w->len, "%s%s%s", seg1, seg2, seg3);

	if (n > 0)
		w->len += (size_t)n < sizeof(w->path) - w->len ? (size_t)n
							       : sizeof(w->path) - w->len - 1;
}

/* Descend into member key; returns the length to restore with pop(). */
static size_t
push_key(struct walk *w, const char *key)
{
	size_t old = w->len;
	char q[QUOTE_MAX * 4 + 8];

	if (plain_key(key)) {
		append(w, ".", key, "");
	} else {
		quote(q, sizeof(q), key);
		append(w, "[", q, "]");
	}
	return old;
}

static size_t
push_index(struct walk *w, size_t i)
{
	size_t old = w->len;
	char idx[24];

	snprintf(idx, sizeof(idx), "[%zu]", i);
	append(w, idx, "", "");
	return old;
}

static void
pop(struct walk *w, size_t old)
{
	w->len = old;
	w->path[old] = '\0';
}

static const char *
expected(enum kind k)
{
	switch (k) {
	case K_OBJECT:
	case K_MAP:
		return "an object";
	case K_ARRAY:
		return "an array";
	case K_INT:
		return "an integer";
	case K_BOOL:
		return "true or false";
	default:
		return "a string";
	}
}

static int
type_fail(struct walk *w, const struct field *f, const json_t *v)
{
	char q[QUOTE_MAX * 4 + 8];

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return walk_fail(w, "", "expected %s, got an object", expected(f->kind));
	case JSON_ARRAY:
		return walk_fail(w, "", "expected %s, got an array", expected(f->kind));
	case JSON_STRING:
		quote(q, sizeof(q), json_string_value(v));
		return walk_fail(w, "", "expected %s, got string %s", expected(f->kind), q);
	case JSON_INTEGER:
		return walk_fail(w, "", "expected %s, got integer %" JSON_INTEGER_FORMAT,
			expected(f->kind), json_integer_value(v));
	case JSON_REAL:
		return walk_fail(w, "", "expected %s, got number %.17g", expected(f->kind),
			json_real_value(v));
	case JSON_NULL:
		return walk_fail(w, "", "expected %s, got null", expected(f->kind));
	default:
		return walk_fail(w, "", "expected %s, got %s", expected(f->kind),
			json_is_true(v) ? "true" : "false");
	}
}

static int
index_of(const char *const *names, const char *s)
{
	for (int i = 0; names[i] != NULL; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

/* "a, b, c" from the keys of a member table or a names list. */
static void
join(char *buf, size_t cap, const struct field *members, const char *const *names)
{
	size_t o = 0;

	buf[0] = '\0';
	for (int i = 0; members ? members[i].key != NULL : names[i] != NULL; i++) {
		int n = snprintf(buf + o, cap - o, "%s%s", i ? ", " : "",
			members ? members[i].key : names[i]);

		if (n < 0 || (size_t)n >= cap - o)
			return;
		o += (size_t)n;
	}
}

static int walk_value(struct walk *w, const struct field *f, json_t *v, char *base);

static int
unknown_key(struct walk *w, const char *key, const struct field *members, const char *const *names)
{
	char known[160];
	size_t old = push_key(w, key);
	int rc;

	join(known, sizeof(known), members, names);
	rc = walk_fail(w, "", "unknown key (expected one of: %s)", known);
	pop(w, old);
	return rc;
}

static int
member(struct walk *w, const struct field *m, json_t *obj, char *base)
{
	json_t *v = json_object_get(obj, m->key);
	size_t old = push_key(w, m->key);
	int rc = 0;

	if (v != NULL) {
		if (m->flags & F_HAS)
			*(bool *)(base + m->has_offset) = true;
		rc = walk_value(w, m, v, base);
	} else if (m->flags & F_REQUIRED) {
		rc = walk_fail(w, "", "missing required key");
	} else if (m->def != NULL) {
		v = json_loads(m->def, JSON_DECODE_ANY, NULL);
		rc = v != NULL ? walk_value(w, m, v, base) : oom(w);
		json_decref(v);
	} else if (m->kind == K_OBJECT && !(m->flags & F_HAS)) {
		rc = walk_value(w, m, NULL, base); /* as {}: apply the members' defaults */
	}
	pop(w, old);
	return rc;
}

/* obj NULL stands for an empty object. */
static int
walk_object(struct walk *w, const struct field *f, json_t *obj, char *dst)
{
	const struct field *m;
	const char *key;
	json_t *v;
	int rc;

	if (obj != NULL && !json_is_object(obj))
		return type_fail(w, f, obj);
	for (m = f->sub; m->key != NULL; m++)
		if ((m->flags & F_FIRST) && (rc = member(w, m, obj, dst)) != 0)
			return rc;
	json_object_foreach(obj, key, v)
	{
		for (m = f->sub; m->key != NULL && strcmp(m->key, key) != 0; m++)
			;
		if (m->key == NULL)
			return unknown_key(w, key, f->sub, NULL);
	}
	for (m = f->sub; m->key != NULL; m++)
		if (!(m->flags & F_FIRST) && (rc = member(w, m, obj, dst)) != 0)
			return rc;
	return f->finish != NULL ? f->finish(w, dst) : 0;
}

static int
count_fail(struct walk *w, const struct field *f, size_t n)
{
	if (n == 0)
		return walk_fail(w, "", "must not be empty");
	return walk_fail(
		w, "", "expected %" PRId64 "..%" PRId64 " entries, got %zu", f->min, f->max, n);
}

static int
walk_array(struct walk *w, const struct field *f, json_t *a, char *base)
{
	size_t n = json_array_size(a), old;
	char *dst = base + f->offset;
	int rc;

	if (!json_is_array(a))
		return type_fail(w, f, a);
	if ((int64_t)n < f->min || (int64_t)n > f->max)
		return count_fail(w, f, n);
	for (size_t i = 0; i < n; i++) {
		old = push_index(w, i);
		rc = walk_value(w, f->sub, json_array_get(a, i), dst + i * f->size);
		pop(w, old);
		if (rc != 0)
			return rc;
	}
	*(unsigned int *)(base + f->count_offset) = (unsigned int)n;
	return 0;
}

static int
walk_map(struct walk *w, const struct field *f, json_t *obj, char *base)
{
	char *dst = base + f->offset, *entry;
	unsigned int n = 0;
	const char *key;
	size_t old;
	json_t *v;
	int rc;

	if (!json_is_object(obj))
		return type_fail(w, f, obj);
	if ((int64_t)json_object_size(obj) > f->max)
		return count_fail(w, f, json_object_size(obj));
	json_object_foreach(obj, key, v)
	{
		if (index_of(f->names, key) < 0)
			return unknown_key(w, key, NULL, f->names);
		entry = dst + n++ * f->size;
		snprintf(entry, f->key_size, "%s", key);
		old = push_key(w, key);
		rc = walk_value(w, f->sub, v, entry);
		pop(w, old);
		if (rc != 0)
			return rc;
	}
	*(unsigned int *)(base + f->count_offset) = n;
	return 0;
}

static int
walk_string(struct walk *w, const struct field *f, json_t *v, char *dst)
{
	char why[160], q[QUOTE_MAX * 4 + 8];
	const char *s = json_string_value(v);
	size_t n = json_string_length(v);

	if (!json_is_string(v))
		return type_fail(w, f, v);
	quote(q, sizeof(q), s);
	if (n == 0 && f->min > 0)
		return walk_fail(w, "", "must not be empty");
	if ((int64_t)n < f->min || (int64_t)n > f->max)
		return walk_fail(w, "",
			"length must be %" PRId64 "..%" PRId64 " bytes, got %zu: %s", f->min,
			f->max, n, q);
	if (f->parse(f, s, dst, why, sizeof(why)) != 0)
		return walk_fail(w, "", "%s: %s", why, q);
	return 0;
}

static int
walk_int(struct walk *w, const struct field *f, json_t *v, char *dst)
{
	json_int_t x = json_integer_value(v);

	if (!json_is_integer(v))
		return type_fail(w, f, v);
	if (x < f->min || x > f->max) {
		if (f->range_why != NULL)
			return walk_fail(w, "", "%s: %" JSON_INTEGER_FORMAT, f->range_why, x);
		return walk_fail(w, "",
			"out of range %" PRId64 "..%" PRId64 ": %" JSON_INTEGER_FORMAT, f->min,
			f->max, x);
	}
	if ((f->flags & F_POW2) && (x & (x - 1)) != 0)
		return walk_fail(w, "", "not a power of two: %" JSON_INTEGER_FORMAT, x);
	if (f->size == 1)
		*(uint8_t *)dst = (uint8_t)x;
	else if (f->size == 2)
		*(uint16_t *)dst = (uint16_t)x;
	else
		*(uint32_t *)dst = (uint32_t)x;
	return 0;
}

static int
walk_enum(struct walk *w, const struct field *f, json_t *v, char *dst)
{
	char q[QUOTE_MAX * 4 + 8], known[160];
	int i;

	if (!json_is_string(v))
		return type_fail(w, f, v);
	i = index_of(f->names, json_string_value(v));
	if (i < 0) {
		quote(q, sizeof(q), json_string_value(v));
		join(known, sizeof(known), NULL, f->names);
		return walk_fail(w, "", "unknown value %s (expected one of: %s)", q, known);
	}
	*(int *)dst = f->enum_base + i;
	return 0;
}

/* Check v against f and store it at base + f->offset. */
static int
walk_value(struct walk *w, const struct field *f, json_t *v, char *base)
{
	char *dst = base + f->offset;

	switch (f->kind) {
	case K_OBJECT:
		return walk_object(w, f, v, dst);
	case K_ARRAY:
		return walk_array(w, f, v, base);
	case K_MAP:
		return walk_map(w, f, v, base);
	case K_STRING:
		return walk_string(w, f, v, dst);
	case K_INT:
		return walk_int(w, f, v, dst);
	case K_ENUM:
		return walk_enum(w, f, v, dst);
	case K_BOOL:
		if (!json_is_boolean(v))
			return type_fail(w, f, v);
		*(bool *)dst = json_is_true(v);
		return 0;
	}
	return -EINVAL;
}

static int plain_error(struct vh_config_error *err, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
plain_error(struct vh_config_error *err, int rc, const char *fmt, ...)
{
	va_list ap;

	memset(err, 0, sizeof(*err));
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return rc;
}

static bool
blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
			return false;
	return true;
}

static int
syntax_error(struct vh_config_error *err, const json_error_t *jerr)
{
	if (json_error_code(jerr) == json_error_out_of_memory)
		return plain_error(err, -ENOMEM, "out of memory");
	plain_error(err, -EINVAL, "%s", jerr->text);
	err->line = jerr->line > 0 ? jerr->line : 1;
	err->column = jerr->column > 0 ? jerr->column : 1;
	return -EINVAL;
}

int
vh_config_load_string(
	const char *json, size_t len, struct vh_config *cfg, struct vh_config_error *err)
{
	struct vh_config_error local;
	struct walk w = {.path = "$", .len = 1};
	struct vh_config tmp;
	json_error_t jerr;
	json_t *root;
	int rc;

	if (err == NULL)
		err = &local;
	memset(err, 0, sizeof(*err));
	if (cfg == NULL || (json == NULL && len > 0))
		return plain_error(err, -EINVAL, "no configuration given");
	if (len > VH_CONFIG_MAX_FILE_SIZE)
		return plain_error(
			err, -EFBIG, "configuration is larger than 1 MiB (%zu bytes)", len);
	if (blank(json, len))
		return plain_error(err, -EINVAL, "configuration is empty");
	root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL)
		return syntax_error(err, &jerr);
	memset(&tmp, 0, sizeof(tmp));
	w.err = err;
	rc = walk_value(&w, &vh_config_schema, root, (char *)&tmp);
	json_decref(root);
	if (rc == 0)
		memcpy(cfg, &tmp, sizeof(tmp));
	return rc;
}

/* Read a whole regular file of at most VH_CONFIG_MAX_FILE_SIZE bytes. */
static int
read_file(int fd, char **out, size_t *len, struct vh_config_error *err)
{
	size_t cap = VH_CONFIG_MAX_FILE_SIZE + 1, n = 0;
	char *buf = malloc(cap);
	ssize_t r;

	if (buf == NULL)
		return plain_error(err, -ENOMEM, "out of memory");
	/* read to one byte past the limit: the file may grow after fstat() */
	while (n < cap && (r = read(fd, buf + n, cap - n)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;

			free(buf);
			return plain_error(err, -e, "cannot read: %s", strerror(e));
		}
		n += (size_t)r;
	}
	if (n > VH_CONFIG_MAX_FILE_SIZE) {
		free(buf);
		return plain_error(err, -EFBIG, "file is larger than 1 MiB");
	}
	*out = buf;
	*len = n;
	return 0;
}

int
vh_config_load_file(const char *file, struct vh_config *cfg, struct vh_config_error *err)
{
	struct vh_config_error local;
	struct stat st;
	size_t len = 0;
	char *buf = NULL;
	int fd, rc;

	if (err == NULL)
		err = &local;
	if (file == NULL || cfg == NULL)
		return plain_error(err, -EINVAL, "no configuration file given");
	/* O_NONBLOCK: opening a FIFO must not hang; it is refused below */
	fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		rc = errno;
		return plain_error(err, -rc, "cannot open: %s", strerror(rc));
	}
	if (fstat(fd, &st) != 0) {
		rc = errno;
		close(fd);
		return plain_error(err, -rc, "cannot stat: %s", strerror(rc));
	}
	if (S_ISDIR(st.st_mode))
		rc = plain_error(err, -EISDIR, "is a directory, not a configuration file");
	else if (!S_ISREG(st.st_mode))
		rc = plain_error(err, -EINVAL, "not a regular file");
	else if (st.st_size > VH_CONFIG_MAX_FILE_SIZE)
		rc = plain_error(err, -EFBIG, "file is larger than 1 MiB (%lld bytes)",
			(long long)st.st_size);
	else
		rc = read_file(fd, &buf, &len, err);
	close(fd);
	if (rc != 0)
		return rc;
	rc = vh_config_load_string(buf, len, cfg, err);
	free(buf);
	return rc;
}

int
vh_config_format_error(const struct vh_config_error *err, const char *file, char *buf, size_t cap)
{
	const char *sep = file != NULL ? ": " : "";

	if (err == NULL)
		return snprintf(buf, cap, "%s%sno error information", file ? file : "", sep);
	if (file == NULL)
		file = "";
	if (err->line > 0)
		return snprintf(buf, cap, "%s%s%d:%d: %s", file, *file ? ":" : "", err->line,
			err->column, err->message);
	if (err->path[0] != '\0')
		return snprintf(buf, cap, "%s%s%s: %s", file, sep, err->path, err->message);
	return snprintf(buf, cap, "%s%s%s", file, sep, err->message);
}
