/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The identity key file: 104 bytes (docs/identity.md).
 *
 *   0  4  magic "VHID"
 *   4  1  version (1)
 *   5  1  key type (1: Ed25519)
 *   6  2  reserved, zero
 *   8 32  Ed25519 seed (secret)
 *  40 32  Ed25519 public key
 *  72 32  SHA-256 of bytes 0..71
 *
 * The public key is redundant with the seed on purpose: a file whose seed
 * and public key disagree was damaged or hand-edited, and is refused rather
 * than turned into a different identity.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "identity_priv.h"
#include "vh_identity.h"

#define KF_MAGIC "VHID"
#define KF_VERSION 1
#define KF_TYPE_ED25519 1
#define KF_OFF_SEED 8
#define KF_OFF_PUB 40
#define KF_OFF_SUM 72
#define WHAT "identity key file"

static void
encode(const struct vh_identity *id, uint8_t buf[VH_IDENTITY_KEYFILE_SIZE])
{
	memset(buf, 0, VH_IDENTITY_KEYFILE_SIZE);
	memcpy(buf, KF_MAGIC, 4);
	buf[4] = KF_VERSION;
	buf[5] = KF_TYPE_ED25519;
	/* libsodium's secret key is seed || public key. */
	memcpy(buf + KF_OFF_SEED, id->ed_sec, VH_IDENTITY_SEED_LEN);
	memcpy(buf + KF_OFF_PUB, id->ed_pub, VH_IDENTITY_PUB_LEN);
	crypto_hash_sha256(buf + KF_OFF_SUM, buf, KF_OFF_SUM);
}

static int
decode(const uint8_t buf[VH_IDENTITY_KEYFILE_SIZE], const char *path, struct vh_identity *id,
	char *err, size_t errlen)
{
	uint8_t sum[crypto_hash_sha256_BYTES];

	if (memcmp(buf, KF_MAGIC, 4) != 0)
		return ident_fail(-EBADMSG, err, errlen,
			"%s %s: bad magic (not a Valhalla key file)", WHAT, path);
	crypto_hash_sha256(sum, buf, KF_OFF_SUM);
	if (sodium_memcmp(sum, buf + KF_OFF_SUM, sizeof(sum)) != 0)
		return ident_fail(-EBADMSG, err, errlen,
			"%s %s: checksum mismatch (file corrupt; restore it from a backup)", WHAT,
			path);
	if (buf[4] != KF_VERSION)
		return ident_fail(-EBADMSG, err, errlen,
			"%s %s: version %u not supported (want %u)", WHAT, path, buf[4],
			KF_VERSION);
	if (buf[5] != KF_TYPE_ED25519 || buf[6] != 0 || buf[7] != 0)
		return ident_fail(-EBADMSG, err, errlen,
			"%s %s: unknown key type %u or non-zero reserved bytes", WHAT, path,
			buf[5]);
	if (vh_identity_from_seed(buf + KF_OFF_SEED, id) != 0)
		return ident_fail(-EIO, err, errlen, "libsodium initialisation failed");
	if (sodium_memcmp(id->ed_pub, buf + KF_OFF_PUB, VH_IDENTITY_PUB_LEN) != 0) {
		vh_identity_wipe(id);
		return ident_fail(-EBADMSG, err, errlen,
			"%s %s: public key does not match the secret key", WHAT, path);
	}
	return 0;
}

static int
open_key(const char *path, char *err, size_t errlen)
{
	/* O_NONBLOCK: a FIFO planted at path must not hang the node. */
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	if (fd >= 0)
		return fd;
	if (errno == ENOENT)
		return ident_fail(-ENOENT, err, errlen, "%s %s does not exist", WHAT, path);
	if (errno == ELOOP)
		return ident_fail(-ELOOP, err, errlen, "%s %s is a symlink: refusing to follow it",
			WHAT, path);
	return ident_fail(
		-errno, err, errlen, "cannot open %s %s: %s", WHAT, path, strerror(errno));
}

/* Read the whole file into buf; one byte of room more to catch growth. */
static int
read_key(int fd, const char *path, uint8_t *buf, size_t cap, char *err, size_t errlen)
{
	size_t got = 0;

	while (got < cap) {
		ssize_t r = read(fd, buf + got, cap - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return ident_fail(-errno, err, errlen, "cannot read %s %s: %s", WHAT, path,
				strerror(errno));
		if (r == 0)
			break;
		got += (size_t)r;
	}
	if (got != VH_IDENTITY_KEYFILE_SIZE)
		return ident_fail(
			-EBADMSG, err, errlen, "%s %s changed size while being read", WHAT, path);
	return 0;
}

int
vh_identity_load(const char *path, struct vh_identity *id, char *err, size_t errlen)
{
	uint8_t buf[VH_IDENTITY_KEYFILE_SIZE + 1];
	struct stat st;
	int fd, rc;

	memset(id, 0, sizeof(*id));
	fd = open_key(path, err, errlen);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) != 0)
		rc = ident_fail(
			-errno, err, errlen, "cannot stat %s %s: %s", WHAT, path, strerror(errno));
	else
		rc = ident_check_private(&st, path, WHAT, err, errlen);
	if (rc == 0 && st.st_size != VH_IDENTITY_KEYFILE_SIZE)
		rc = ident_fail(-EBADMSG, err, errlen,
			"%s %s has %lld bytes, expected %d (truncated or not a key file)", WHAT,
			path, (long long)st.st_size, VH_IDENTITY_KEYFILE_SIZE);
	if (rc == 0)
		rc = read_key(fd, path, buf, sizeof(buf), err, errlen);
	if (rc == 0)
		rc = decode(buf, path, id, err, errlen);
	close(fd);
	sodium_memzero(buf, sizeof(buf));
	if (rc != 0)
		vh_identity_wipe(id);
	return rc;
}

static int
write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Move tmp to path unless path exists (an identity is never replaced). */
static int
install(const char *tmp, const char *path, char *err, size_t errlen)
{
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno == EINVAL || errno == ENOSYS) {
		/* File systems without RENAME_NOREPLACE: link() is no-clobber too. */
		if (link(tmp, path) == 0) {
			unlink(tmp);
			return 0;
		}
	}
	if (errno == EEXIST)
		return ident_fail(-EEXIST, err, errlen,
			"%s %s already exists: not overwriting an identity", WHAT, path);
	return ident_fail(
		-errno, err, errlen, "cannot install %s %s: %s", WHAT, path, strerror(errno));
}

static int
write_tmp(int fd, const char *tmp, const struct vh_identity *id, char *err, size_t errlen)
{
	uint8_t buf[VH_IDENTITY_KEYFILE_SIZE];
	int rc;

	encode(id, buf);
	rc = fchmod(fd, 0600) != 0 ? -errno : 0;
	if (rc == 0)
		rc = write_all(fd, buf, sizeof(buf));
	if (rc == 0 && fsync(fd) != 0)
		rc = -errno;
	sodium_memzero(buf, sizeof(buf));
	if (rc != 0)
		return ident_fail(rc, err, errlen, "cannot write %s: %s", tmp, strerror(-rc));
	return 0;
}

static int
create_in(const char *dir, const char *path, const struct vh_identity *id, char *err, size_t errlen)
{
	const char *base = strrchr(path, '/');
	char tmp[PATH_MAX];
	int fd, rc;

	base = base != NULL ? base + 1 : path;
	if (*base == '\0')
		return ident_fail(-EINVAL, err, errlen, "%s path %s names a directory", WHAT, path);
	if (snprintf(tmp, sizeof(tmp), "%s/.%s.tmp-XXXXXX", dir, base) >= (int)sizeof(tmp))
		return ident_fail(-ENAMETOOLONG, err, errlen, "%s path too long", WHAT);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return ident_fail(-errno, err, errlen, "cannot create a temporary file in %s: %s",
			dir, strerror(errno));
	rc = write_tmp(fd, tmp, id, err, errlen);
	if (close(fd) != 0 && rc == 0)
		rc = ident_fail(-errno, err, errlen, "cannot close %s: %s", tmp, strerror(errno));
	if (rc == 0)
		rc = install(tmp, path, err, errlen);
	if (rc != 0) {
		unlink(tmp);
		return rc;
	}
	return ident_fsync_dir(dir, err, errlen);
}

int
vh_identity_create(const char *path, struct vh_identity *id, char *err, size_t errlen)
{
	char dir[PATH_MAX];
	int rc;

	memset(id, 0, sizeof(*id));
	if (ident_dir_of(path, dir, sizeof(dir)) != 0)
		return ident_fail(-ENAMETOOLONG, err, errlen, "%s path too long", WHAT);
	rc = ident_mkdir_private(dir, err, errlen);
	if (rc == 0)
		rc = vh_identity_generate(id);
	if (rc == 0)
		rc = create_in(dir, path, id, err, errlen);
	if (rc != 0)
		vh_identity_wipe(id);
	return rc;
}

int
vh_identity_load_or_create(
	const char *path, struct vh_identity *id, bool *created, char *err, size_t errlen)
{
	int rc = vh_identity_load(path, id, err, errlen);

	if (created != NULL)
		*created = false;
	if (rc != -ENOENT)
		return rc;
	rc = vh_identity_create(path, id, err, errlen);
	if (rc == -EEXIST) /* created by someone else meanwhile: use theirs */
		return vh_identity_load(path, id, err, errlen);
	if (rc == 0 && created != NULL)
		*created = true;
	return rc;
}
