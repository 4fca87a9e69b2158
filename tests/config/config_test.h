/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared by the lib/config tests: configurations built from short texts. */
#ifndef VH_CONFIG_TEST_H
#define VH_CONFIG_TEST_H

#include "vh_config.h"

/* How a table entry's text becomes a whole configuration. */
enum wrap {
	WHOLE, /* the text is the file */
	EXTRA, /* extra root members after a valid node and port */
	NODE,  /* the value of "node", with a valid port */
	PORT,  /* one entry of "ports", with a valid node */
	PORTS, /* the value of "ports", with a valid node */
};

#define OK_NODE "{'name':'n1'}"
#define OK_PORT "{'name':'p0','devargs':'net_tap0','ipv4':'10.0.0.1/24'}"

/* Nine valid ports: one more than allowed. */
#define P9                                                  \
	"[{'name':'a','devargs':'a','ipv4':'10.0.0.1/24'}," \
	"{'name':'b','devargs':'b','ipv4':'10.0.0.1/24'},"  \
	"{'name':'c','devargs':'c','ipv4':'10.0.0.1/24'},"  \
	"{'name':'d','devargs':'d','ipv4':'10.0.0.1/24'},"  \
	"{'name':'e','devargs':'e','ipv4':'10.0.0.1/24'},"  \
	"{'name':'f','devargs':'f','ipv4':'10.0.0.1/24'},"  \
	"{'name':'g','devargs':'g','ipv4':'10.0.0.1/24'},"  \
	"{'name':'h','devargs':'h','ipv4':'10.0.0.1/24'},"  \
	"{'name':'i','devargs':'i','ipv4':'10.0.0.1/24'}]"
#define V6 "'ipv6':['fd00::1/64']"
#define D "'name':'p0','devargs':'net_tap0'"

/* The whole configuration for text; free() it. */
char *build(enum wrap wrap, const char *text);
/* vh_config_load_string() on build(wrap, text). */
int load(enum wrap wrap, const char *text, struct vh_config *cfg, struct vh_config_error *err);
/* Like load(), and the load must succeed. */
void load_ok(enum wrap wrap, const char *text, struct vh_config *cfg);

#endif /* VH_CONFIG_TEST_H */
