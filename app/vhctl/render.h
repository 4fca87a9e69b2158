/* SPDX-License-Identifier: BSD-3-Clause */
/* vhctl: human output for each known command's result. */
#ifndef VHCTL_RENDER_H
#define VHCTL_RENDER_H

#include <stdbool.h>

#include <jansson.h>

struct render_opts {
	bool all; /* stats: show drop reasons at zero too */
};

/* Each prints @p r to stdout and returns vhctl's exit code for it. */
int render_status(const json_t *r, const struct render_opts *o);
int render_ports(const json_t *r, const struct render_opts *o);
int render_stats(const json_t *r, const struct render_opts *o);
int render_version(const json_t *r, const struct render_opts *o);
int render_help(const json_t *r, const struct render_opts *o);
/* Exit code 1 when no echo came back, like ping(8). */
int render_raw(const json_t *r, const struct render_opts *o);
int render_peers(const json_t *r, const struct render_opts *o);
int render_ping(const json_t *r, const struct render_opts *o);
/* render_mesh.c: lookup and traceroute return 1 when the target was not found / reached */
int render_lookup(const json_t *r, const struct render_opts *o);
int render_routes(const json_t *r, const struct render_opts *o);
int render_traceroute(const json_t *r, const struct render_opts *o);
/* Pretty JSON, one document. */
int render_json(const json_t *r);

#endif /* VHCTL_RENDER_H */
