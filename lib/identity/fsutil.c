/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private files and directories: the key file and the TOFU store share the
 * same rules (ssh's: a secret readable by others is refused, not silently
 * used), so the checks live here once.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "identity_priv.h"

int
ident_fail(int rc, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

int
ident_sodium_ready(void)
{
	return sodium_init() < 0 ? -EIO : 0;
}

static int
mkdir_one(const char *p, char *err, size_t errlen)
{
	if (mkdir(p, 0700) == 0) {
		/* umask may have taken owner bits too; make it exactly 0700. */
		if (chmod(p, 0700) != 0)
			return ident_fail(
				-errno, err, errlen, "cannot chmod 700 %s: %s", p, strerror(errno));
		return 0;
	}
	if (errno == EEXIST)
		return 0;
	return ident_fail(
		-errno, err, errlen, "cannot create directory %s: %s", p, strerror(errno));
}

int
ident_mkdir_private(const char *dir, char *err, size_t errlen)
{
	char buf[PATH_MAX];
	size_t n = strlen(dir);
	struct stat st;
	int rc;

	if (n == 0 || n >= sizeof(buf))
		return ident_fail(-ENAMETOOLONG, err, errlen, "directory name empty or too long");
	memcpy(buf, dir, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		if (buf[i - 1] == '/')
			continue;
		buf[i] = '\0';
		rc = mkdir_one(buf, err, errlen);
		if (rc != 0)
			return rc;
		buf[i] = dir[i];
	}
	if (stat(dir, &st) != 0)
		return ident_fail(
			-errno, err, errlen, "cannot stat directory %s: %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return ident_fail(-ENOTDIR, err, errlen, "%s is not a directory", dir);
	return 0;
}

int
ident_check_private(
	const struct stat *st, const char *path, const char *what, char *err, size_t errlen)
{
	if (S_ISLNK(st->st_mode))
		return ident_fail(-ELOOP, err, errlen, "%s %s is a symlink: refusing to follow it",
			what, path);
	if (!S_ISREG(st->st_mode))
		return ident_fail(-EINVAL, err, errlen, "%s %s is not a regular file", what, path);
	if (st->st_uid != geteuid() && st->st_uid != 0)
		return ident_fail(-EPERM, err, errlen,
			"%s %s is owned by uid %u, not by this user (uid %u)", what, path,
			(unsigned int)st->st_uid, (unsigned int)geteuid());
	if ((st->st_mode & 077) != 0)
		return ident_fail(-EPERM, err, errlen,
			"%s %s has mode %04o: it must not be accessible by group or others "
			"(chmod 600 %s)",
			what, path, (unsigned int)(st->st_mode & 07777), path);
	return 0;
}

int
ident_check_private_path(const char *path, const char *what, char *err, size_t errlen)
{
	struct stat st;

	if (lstat(path, &st) != 0)
		return errno == ENOENT ? -ENOENT
				       : ident_fail(-errno, err, errlen, "cannot stat %s %s: %s",
						 what, path, strerror(errno));
	return ident_check_private(&st, path, what, err, errlen);
}

int
ident_dir_of(const char *path, char *out, size_t cap)
{
	const char *slash = strrchr(path, '/');
	size_t n;

	if (slash == NULL) {
		if (cap < 2)
			return -ENAMETOOLONG;
		memcpy(out, ".", 2);
		return 0;
	}
	n = slash == path ? 1 : (size_t)(slash - path);
	if (n + 1 > cap)
		return -ENAMETOOLONG;
	memcpy(out, path, n);
	out[n] = '\0';
	return 0;
}

int
ident_fsync_dir(const char *dir, char *err, size_t errlen)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = 0;

	if (fd < 0)
		return ident_fail(
			-errno, err, errlen, "cannot open directory %s: %s", dir, strerror(errno));
	if (fsync(fd) != 0)
		rc = ident_fail(
			-errno, err, errlen, "cannot fsync directory %s: %s", dir, strerror(errno));
	close(fd);
	return rc;
}
