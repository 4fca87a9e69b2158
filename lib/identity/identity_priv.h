/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internal helpers of lib/identity shared by the key file and the TOFU store:
 * error messages and the checks that keep private files private.
 */
#ifndef VH_IDENTITY_PRIV_H
#define VH_IDENTITY_PRIV_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

/** Write a formatted message into err (if not NULL) and return rc. */
int ident_fail(int rc, char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/** libsodium initialised: 0, or -EIO. */
int ident_sodium_ready(void);

/**
 * Create dir and its missing parents with mode 0700 (existing ones are left
 * alone) and check that dir is a directory.
 */
int ident_mkdir_private(const char *dir, char *err, size_t errlen);

/**
 * The checks on an opened private file (fstat result st): a regular file,
 * owned by this user or root, no group/other bits. what names the file kind
 * in messages ("identity key file").
 */
int ident_check_private(
	const struct stat *st, const char *path, const char *what, char *err, size_t errlen);

/**
 * The same checks by path without following a final symlink (-ELOOP);
 * -ENOENT is returned without a message.
 */
int ident_check_private_path(const char *path, const char *what, char *err, size_t errlen);

/** Directory part of path into out (cap bytes): "." when path has no '/'. */
int ident_dir_of(const char *path, char *out, size_t cap);

/** fsync a directory so a rename in it is durable. */
int ident_fsync_dir(const char *dir, char *err, size_t errlen);

/**
 * Check sig over "valhalla-noise-static:" || static_pub with ed_pub (32, 64
 * and 32 bytes): 0, -EKEYREJECTED or -EIO.
 */
int ident_static_verify(const uint8_t *sig, const uint8_t *ed_pub, const uint8_t *static_pub);

#endif /* VH_IDENTITY_PRIV_H */
