/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internal: the schema table that drives validation, the effective-config
 * JSON and the reference documentation, and the walker state the table's
 * cross-key rules report errors through.
 */
#ifndef VH_CONFIG_SCHEMA_H
#define VH_CONFIG_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vh_config.h"

enum kind {
	K_OBJECT, /* fixed keys, described by sub[] */
	K_ARRAY,  /* entries described by sub[0] */
	K_MAP,    /* object whose keys come from names[], values from sub[0] */
	K_STRING, /* converted by parse(), printed back by format() */
	K_INT,
	K_BOOL,
	K_ENUM, /* a string from names[], stored as enum_base + index */
};

#define F_REQUIRED 0x1u /* absence is an error */
#define F_POW2 0x2u     /* K_INT: power of two */
#define F_HAS 0x4u      /* a bool at has_offset records presence */
#define F_FIRST 0x8u    /* checked before unknown keys (version) */

struct walk;
struct field;

/* Parse s into dst; on failure write a short reason to why and return -1. */
typedef int (*parse_fn)(const struct field *f, const char *s, void *dst, char *why, size_t cap);
/* Print the stored value back as the string parse() accepts. */
typedef void (*format_fn)(const struct field *f, const void *src, char *buf, size_t cap);
/* Cross-key rules and derived defaults of an object, after its members. */
typedef int (*finish_fn)(struct walk *w, void *obj);

/*
 * One key. Offsets are relative to the struct of the enclosing object
 * (for array and map entries: to the entry).
 */
struct field {
	const char *key;
	enum kind kind;
	unsigned int flags;
	size_t offset;
	size_t has_offset;   /* F_HAS */
	size_t size;         /* K_INT width, K_STRING capacity, K_ARRAY/K_MAP stride */
	size_t count_offset; /* K_ARRAY/K_MAP: unsigned int entry count */
	size_t key_size;     /* K_MAP: capacity of the key copied to offset 0 of the entry */
	int64_t min, max;    /* K_INT value, K_STRING length, K_ARRAY/K_MAP entries */
	const char *def;     /* JSON text used when absent, NULL: none */
	const char *def_doc; /* reference text when def is NULL */
	const char *const *names;
	int enum_base;
	const struct field *sub;
	finish_fn finish;
	parse_fn parse;
	format_fn format;
	const char *type_doc;    /* reference "Type" when not the kind's name */
	const char *allowed_doc; /* reference "Allowed" when not derived */
	const char *range_why;   /* K_INT message replacing "out of range" */
	const char *doc;
};

/* The whole file. */
extern const struct field vh_config_schema;
/* Cross-key rules, one sentence each, for the reference. */
extern const char *const vh_config_rules[];

/* Walker state; path is the JSONPath of the value being checked. */
struct walk {
	struct vh_config_error *err;
	char path[512];
	size_t len;
};

/* Report an error at path + sub (sub may be ""); returns -EINVAL. */
int walk_fail(struct walk *w, const char *sub, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Write s as a quoted, escaped, length-limited JSON-ish string. */
void quote(char *buf, size_t cap, const char *s);

/* Value parsers and printers used by the table (formats.c). */
int parse_node_name(const struct field *f, const char *s, void *dst, char *why, size_t cap);
int parse_port_name(const struct field *f, const char *s, void *dst, char *why, size_t cap);
int parse_devargs(const struct field *f, const char *s, void *dst, char *why, size_t cap);
int parse_abs_path(const struct field *f, const char *s, void *dst, char *why, size_t cap);
int parse_mac(const struct field *f, const char *s, void *dst, char *why, size_t cap);
int parse_prefix4(const struct field *f, const char *s, void *dst, char *why, size_t cap);
int parse_addr4(const struct field *f, const char *s, void *dst, char *why, size_t cap);
int parse_prefix6(const struct field *f, const char *s, void *dst, char *why, size_t cap);
int parse_addr6(const struct field *f, const char *s, void *dst, char *why, size_t cap);
int parse_endpoint(const struct field *f, const char *s, void *dst, char *why, size_t cap);
int parse_peer_address(const struct field *f, const char *s, void *dst, char *why, size_t cap);
int parse_node_id(const struct field *f, const char *s, void *dst, char *why, size_t cap);
void format_node_id(const struct field *f, const void *src, char *buf, size_t cap);
void format_text(const struct field *f, const void *src, char *buf, size_t cap);
void format_mac(const struct field *f, const void *src, char *buf, size_t cap);
void format_prefix4(const struct field *f, const void *src, char *buf, size_t cap);
void format_addr4(const struct field *f, const void *src, char *buf, size_t cap);
void format_prefix6(const struct field *f, const void *src, char *buf, size_t cap);
void format_addr6(const struct field *f, const void *src, char *buf, size_t cap);
void format_endpoint(const struct field *f, const void *src, char *buf, size_t cap);

/* Address predicates shared by parsers and cross-key rules. */
bool prefix4_contains(const struct vh_config_prefix4 *p, uint32_t addr);
bool prefix6_contains(const struct vh_config_prefix6 *p, const uint8_t *addr);

#endif /* VH_CONFIG_SCHEMA_H */
