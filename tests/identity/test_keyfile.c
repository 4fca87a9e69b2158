/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/identity key file: create and reload, directory and file modes, no
 * overwrite, load_or_create, and every refusal: group/other modes, symlink,
 * directory, FIFO, missing, every truncation, every flipped byte, and
 * hand-built files with a valid checksum but a wrong field (which also
 * checks the documented layout byte by byte).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>

#include <cmocka.h>
#include <sodium.h>

#include "test_util.h"
#include "vh_identity.h"

#define KF VH_IDENTITY_KEYFILE_SIZE

struct ctx {
	char root[PATH_MAX];
	char path[PATH_MAX + 32];
	char err[512];
};

static int
setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));

	if (c == NULL || scratch_dir(c->root) != 0)
		return -1;
	snprintf(c->path, sizeof(c->path), "%s/node.key", c->root);
	*state = c;
	return 0;
}

static int
teardown(void **state)
{
	struct ctx *c = *state;

	rm_tree(c->root);
	free(c);
	return 0;
}

static void
write_file(const char *path, const uint8_t *buf, size_t n, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, n), (ssize_t)n);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static size_t
read_file(const char *path, uint8_t *buf, size_t cap)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	assert_true(fd >= 0);
	n = read(fd, buf, cap);
	close(fd);
	assert_true(n >= 0);
	return (size_t)n;
}

static int
entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void
assert_wiped(const struct vh_identity *id)
{
	static const struct vh_identity zero;

	assert_memory_equal(id, &zero, sizeof(zero));
}

/* Load must fail with rc and leave id wiped. */
static void
expect_load(struct ctx *c, int rc)
{
	struct vh_identity id;

	memset(&id, 0x55, sizeof(id));
	c->err[0] = '\0';
	assert_int_equal(vh_identity_load(c->path, &id, c->err, sizeof(c->err)), rc);
	assert_wiped(&id);
	assert_true(strlen(c->err) > 0);
}

static void
test_create_reload(void **state)
{
	struct ctx *c = *state;
	struct vh_identity a, b;
	char dir[PATH_MAX + 16], mid[PATH_MAX + 8];
	struct stat st;
	mode_t old = umask(0); /* even with a permissive umask */

	snprintf(mid, sizeof(mid), "%s/a", c->root);
	snprintf(dir, sizeof(dir), "%s/a/b", c->root);
	snprintf(c->path, sizeof(c->path), "%s/a/b/node.key", c->root);
	assert_int_equal(vh_identity_create(c->path, &a, c->err, sizeof(c->err)), 0);
	umask(old);
	assert_int_equal(stat(mid, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(lstat(c->path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_size, KF);
	assert_int_equal(entries(dir), 1); /* no temporary file left */

	assert_int_equal(vh_identity_load(c->path, &b, c->err, sizeof(c->err)), 0);
	assert_memory_equal(a.ed_pub, b.ed_pub, 32);
	assert_memory_equal(a.ed_sec, b.ed_sec, 64);
	assert_memory_equal(a.nodeid, b.nodeid, 32);
	vh_identity_wipe(&a);
	vh_identity_wipe(&b);
}

static void
test_no_overwrite(void **state)
{
	struct ctx *c = *state;
	uint8_t before[KF + 1], after[KF + 1];
	struct vh_identity a, b;

	assert_int_equal(vh_identity_create(c->path, &a, c->err, sizeof(c->err)), 0);
	assert_int_equal(read_file(c->path, before, sizeof(before)), KF);
	assert_int_equal(vh_identity_create(c->path, &b, c->err, sizeof(c->err)), -EEXIST);
	assert_wiped(&b);
	assert_non_null(strstr(c->err, c->path));
	assert_int_equal(read_file(c->path, after, sizeof(after)), KF);
	assert_memory_equal(before, after, KF);
	assert_int_equal(entries(c->root), 1);
	vh_identity_wipe(&a);
}

static void
test_load_or_create(void **state)
{
	struct ctx *c = *state;
	struct vh_identity a, b;
	bool created = false;

	assert_int_equal(vh_identity_load(c->path, &a, c->err, sizeof(c->err)), -ENOENT);
	assert_int_equal(
		vh_identity_load_or_create(c->path, &a, &created, c->err, sizeof(c->err)), 0);
	assert_true(created);
	assert_int_equal(
		vh_identity_load_or_create(c->path, &b, &created, c->err, sizeof(c->err)), 0);
	assert_false(created);
	assert_memory_equal(a.ed_sec, b.ed_sec, 64);
	assert_memory_equal(a.nodeid, b.nodeid, 32);
	/* A broken file is reported, never replaced by a new identity. */
	assert_int_equal(chmod(c->path, 0644), 0);
	assert_int_equal(
		vh_identity_load_or_create(c->path, &b, &created, c->err, sizeof(c->err)), -EPERM);
	assert_false(created);
	vh_identity_wipe(&a);
}

static void
test_modes(void **state)
{
	static const mode_t bad[] = {0644, 0640, 0604, 0620, 0602, 0660, 0666, 0610, 0601, 0777};
	struct ctx *c = *state;
	struct vh_identity id;
	char want[16];

	assert_int_equal(vh_identity_create(c->path, &id, c->err, sizeof(c->err)), 0);
	vh_identity_wipe(&id);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(chmod(c->path, bad[i]), 0);
		expect_load(c, -EPERM);
		snprintf(want, sizeof(want), "%04o", (unsigned int)bad[i]);
		assert_non_null(strstr(c->err, want));
		assert_non_null(strstr(c->err, c->path));
		assert_non_null(strstr(c->err, "chmod 600"));
	}
	/* Owner-only modes are fine. */
	assert_int_equal(chmod(c->path, 0400), 0);
	assert_int_equal(vh_identity_load(c->path, &id, c->err, sizeof(c->err)), 0);
	assert_int_equal(chmod(c->path, 0600), 0);
	assert_int_equal(vh_identity_load(c->path, &id, c->err, sizeof(c->err)), 0);
	vh_identity_wipe(&id);
}

static void
test_owner(void **state)
{
	struct ctx *c = *state;
	struct vh_identity id;

	if (geteuid() != 0) {
		print_message("owner check not exercised: needs root to chown (uid %u)\n",
			(unsigned int)geteuid());
		skip();
	}
	assert_int_equal(vh_identity_create(c->path, &id, c->err, sizeof(c->err)), 0);
	vh_identity_wipe(&id);
	assert_int_equal(chown(c->path, 65534, 65534), 0);
	expect_load(c, -EPERM);
	assert_non_null(strstr(c->err, "owned by uid 65534"));
}

static void
test_not_regular(void **state)
{
	struct ctx *c = *state;
	char target[PATH_MAX + 16];
	struct vh_identity id;

	snprintf(target, sizeof(target), "%s/real.key", c->root);
	assert_int_equal(vh_identity_create(target, &id, c->err, sizeof(c->err)), 0);
	vh_identity_wipe(&id);
	/* A symlink to a perfectly good key file. */
	assert_int_equal(symlink(target, c->path), 0);
	expect_load(c, -ELOOP);
	assert_non_null(strstr(c->err, "symlink"));
	assert_int_equal(unlink(c->path), 0);
	/* A dangling one too. */
	assert_int_equal(symlink("/nonexistent/key", c->path), 0);
	expect_load(c, -ELOOP);
	assert_int_equal(unlink(c->path), 0);
	/* A directory. */
	assert_int_equal(mkdir(c->path, 0700), 0);
	expect_load(c, -EINVAL);
	assert_non_null(strstr(c->err, "not a regular file"));
	assert_int_equal(rmdir(c->path), 0);
	/* A FIFO must not hang the load. */
	assert_int_equal(mkfifo(c->path, 0600), 0);
	expect_load(c, -EINVAL);
	assert_int_equal(unlink(c->path), 0);
	/* Missing. */
	expect_load(c, -ENOENT);
	assert_non_null(strstr(c->err, "does not exist"));
}

static void
test_truncated_and_flipped(void **state)
{
	struct ctx *c = *state;
	uint8_t good[KF + 1], bad[KF + 1];
	struct vh_identity id;
	int n = 0;

	assert_int_equal(vh_identity_create(c->path, &id, c->err, sizeof(c->err)), 0);
	vh_identity_wipe(&id);
	assert_int_equal(read_file(c->path, good, sizeof(good)), KF);
	for (size_t len = 0; len < KF; len++, n++) {
		write_file(c->path, good, len, 0600);
		expect_load(c, -EBADMSG);
	}
	memcpy(bad, good, KF);
	bad[KF] = 0;
	write_file(c->path, bad, KF + 1, 0600);
	expect_load(c, -EBADMSG);
	for (size_t i = 0; i < KF; i++) {
		static const uint8_t masks[] = {0x01, 0x80, 0xff};

		for (size_t m = 0; m < sizeof(masks); m++, n++) {
			memcpy(bad, good, KF);
			bad[i] ^= masks[m];
			write_file(c->path, bad, KF, 0600);
			expect_load(c, -EBADMSG);
		}
	}
	write_file(c->path, good, KF, 0600);
	assert_int_equal(vh_identity_load(c->path, &id, c->err, sizeof(c->err)), 0);
	vh_identity_wipe(&id);
	print_message("%d damaged files refused\n", n + 1);
}

/* A key file built here from docs/identity.md, with a valid checksum. */
static void
build(uint8_t f[KF], const uint8_t seed[32], const uint8_t pub[32])
{
	memcpy(f, "VHID", 4);
	f[4] = 1;
	f[5] = 1;
	f[6] = f[7] = 0;
	memcpy(f + 8, seed, 32);
	memcpy(f + 40, pub, 32);
	crypto_hash_sha256(f + 72, f, 72);
}

static void
test_layout(void **state)
{
	struct ctx *c = *state;
	uint8_t seed[32], pub[32], sec[64], f[KF];
	struct vh_identity id;

	randombytes_buf(seed, sizeof(seed));
	crypto_sign_seed_keypair(pub, sec, seed);
	build(f, seed, pub);
	write_file(c->path, f, KF, 0600);
	assert_int_equal(vh_identity_load(c->path, &id, c->err, sizeof(c->err)), 0);
	assert_memory_equal(id.ed_sec, sec, 64);
	assert_memory_equal(id.ed_pub, pub, 32);
	vh_identity_wipe(&id);

	/* Valid checksums, wrong fields: each refused by name. */
	f[4] = 2;
	crypto_hash_sha256(f + 72, f, 72);
	write_file(c->path, f, KF, 0600);
	expect_load(c, -EBADMSG);
	assert_non_null(strstr(c->err, "version 2"));
	build(f, seed, pub);
	f[5] = 2;
	crypto_hash_sha256(f + 72, f, 72);
	write_file(c->path, f, KF, 0600);
	expect_load(c, -EBADMSG);
	build(f, seed, pub);
	f[7] = 1;
	crypto_hash_sha256(f + 72, f, 72);
	write_file(c->path, f, KF, 0600);
	expect_load(c, -EBADMSG);
	pub[0] ^= 1;
	build(f, seed, pub);
	write_file(c->path, f, KF, 0600);
	expect_load(c, -EBADMSG);
	assert_non_null(strstr(c->err, "does not match"));
	build(f, seed, pub);
	memcpy(f, "VHIE", 4);
	crypto_hash_sha256(f + 72, f, 72);
	write_file(c->path, f, KF, 0600);
	expect_load(c, -EBADMSG);
	assert_non_null(strstr(c->err, "magic"));
	sodium_memzero(seed, sizeof(seed));
	sodium_memzero(sec, sizeof(sec));
}

static void
test_bad_directory(void **state)
{
	struct ctx *c = *state;
	char path[PATH_MAX + 32];
	struct vh_identity id;
	uint8_t junk[4] = {0};

	/* The parent "directory" is a file. */
	snprintf(path, sizeof(path), "%s/file", c->root);
	write_file(path, junk, sizeof(junk), 0600);
	snprintf(path, sizeof(path), "%s/file/node.key", c->root);
	assert_int_equal(vh_identity_create(path, &id, c->err, sizeof(c->err)), -ENOTDIR);
	assert_wiped(&id);
	/* A path naming a directory. */
	snprintf(path, sizeof(path), "%s/", c->root);
	assert_int_equal(vh_identity_create(path, &id, c->err, sizeof(c->err)), -EINVAL);
	/* err may be NULL. */
	assert_int_equal(vh_identity_load("/nonexistent/vh/key", &id, NULL, 0), -ENOENT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_reload, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_overwrite, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_or_create, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_owner, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_regular, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated_and_flipped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_directory, setup, teardown),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests_name("identity_keyfile", tests, NULL, NULL);
}
