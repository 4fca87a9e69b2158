/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared fixture of the lib/ctl unit tests: a server with test handlers. */
#ifndef CTL_TEST_FIXTURE_H
#define CTL_TEST_FIXTURE_H

#include "ctl_client.h"

#define FIX_PENDING_MAX 256

struct fix {
	struct vh_ctl *ctl;
	char path[108];
	char dir[108];
	struct vh_ctl_req *pending[FIX_PENDING_MAX]; /* requests held by "later" */
	unsigned int n_pending;
};

/*
 * Server on a fresh temp path with commands: echo (sync, result {"args":
 * args}), later (async: held in pending[]), fail (sync error dp/port-down,
 * retry), big (sync, {"data": "xxx..."} of args.size bytes).
 */
struct fix *fix_new(const struct vh_ctl_conf *conf);
void fix_free(struct fix *f);
/* Answer the oldest held request with {"late": N}. */
void fix_answer_oldest(struct fix *f, int n);
/* Answer the oldest held request with {"data": "qqq..."} of @p size bytes. */
void fix_answer_oldest_big(struct fix *f, size_t size);
/* Check one response's envelope: id (-1 for null), ok, and error code if !ok. */
void check_resp(const json_t *r, int id, bool ok, const char *code);

#endif
