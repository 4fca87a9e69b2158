/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared helpers of the lib/identity tests: private scratch directories
 * (removed afterwards) and hex.
 */
#ifndef VH_IDENTITY_TEST_UTIL_H
#define VH_IDENTITY_TEST_UTIL_H

#include <ftw.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A fresh directory under $TMPDIR (or /tmp): out must hold PATH_MAX. */
static inline int
scratch_dir(char *out)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(out, PATH_MAX, "%s/vh-identity-XXXXXX", tmp != NULL && *tmp ? tmp : "/tmp");
	return mkdtemp(out) != NULL ? 0 : -1;
}

static inline int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static inline void
rm_tree(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Parse hex of exactly n bytes: 0, or -1. */
static inline int
unhex(const char *hex, uint8_t *out, size_t n)
{
	if (hex == NULL || strlen(hex) != 2 * n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned int b;

		if (sscanf(hex + 2 * i, "%2x", &b) != 1)
			return -1;
		out[i] = (uint8_t)b;
	}
	return 0;
}

#endif /* VH_IDENTITY_TEST_UTIL_H */
