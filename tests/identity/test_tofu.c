/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/identity TOFU pins: pin, match, mismatch refused, forget, list,
 * labels, persistence across close and reopen, the entry bound, file modes,
 * and damaged or foreign database files (garbage, truncated, wrong entries
 * written with raw LMDB, wrong modes, symlinks), which must give an error,
 * never a crash; a bit flipped in one pin's value or label, which must be
 * reported and refused while the other pins still read; and a store of the
 * format before checksums, whose pins must all survive.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "../vh_test_flip.h"
#include <lmdb.h>
#include <sodium.h>

#include "test_util.h"
#include "vh_identity.h"

struct ctx {
	char root[PATH_MAX];
	char dir[PATH_MAX + 16];
	char db[PATH_MAX + 32];
	char err[512];
	uint8_t x[32], y[32];
};

static int
setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));

	if (c == NULL || scratch_dir(c->root) != 0)
		return -1;
	snprintf(c->dir, sizeof(c->dir), "%s/data", c->root);
	snprintf(c->db, sizeof(c->db), "%s/tofu.mdb", c->dir);
	randombytes_buf(c->x, 32);
	randombytes_buf(c->y, 32);
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

static struct vh_tofu *
open_ok(struct ctx *c, size_t max)
{
	struct vh_tofu *t = vh_tofu_open(c->dir, max, c->err, sizeof(c->err));

	if (t == NULL)
		fail_msg("vh_tofu_open: %s", c->err);
	return t;
}

/* Open must fail with errno e and a message naming the database. */
static void
open_fails(struct ctx *c, int e)
{
	struct vh_tofu *t;

	c->err[0] = '\0';
	errno = 0;
	t = vh_tofu_open(c->dir, 100, c->err, sizeof(c->err));
	if (t != NULL) {
		vh_tofu_close(t);
		fail_msg("opened a bad database");
	}
	assert_int_equal(errno, e);
	assert_non_null(strstr(c->err, "tofu.mdb"));
}

static void
test_pin_match_mismatch(void **state)
{
	struct ctx *c = *state;
	const char *peer = "/udp/10.0.0.2:22088";
	struct vh_tofu *t = open_ok(c, 100);
	uint8_t got[32];
	bool now = false;
	struct stat st;
	char lock[PATH_MAX + 40];

	assert_int_equal(vh_tofu_check_and_pin(t, peer, c->x, got, &now), 0);
	assert_true(now);
	assert_memory_equal(got, c->x, 32);
	assert_int_equal(vh_tofu_check_and_pin(t, peer, c->x, got, &now), 0);
	assert_false(now);
	memset(got, 0, sizeof(got));
	/* The peer at that address used to be x and now presents y. */
	assert_int_equal(vh_tofu_check_and_pin(t, peer, c->y, got, &now), -EKEYREJECTED);
	assert_false(now);
	assert_memory_equal(got, c->x, 32);
	assert_int_equal(vh_tofu_lookup(t, peer, got), 0);
	assert_memory_equal(got, c->x, 32);
	assert_int_equal(vh_tofu_check_and_pin(t, peer, c->x, NULL, NULL), 0);
	/* y may be pinned under another label (same node, another address). */
	assert_int_equal(vh_tofu_check_and_pin(t, "bob", c->y, NULL, NULL), 0);
	assert_int_equal(vh_tofu_count(t), 2);
	assert_int_equal(vh_tofu_lookup(t, "carol", got), -ENOENT);
	vh_tofu_close(t);

	assert_int_equal(stat(c->dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(lstat(c->db, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	snprintf(lock, sizeof(lock), "%s-lock", c->db);
	assert_int_equal(lstat(lock, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
}

static void
test_persistence(void **state)
{
	struct ctx *c = *state;
	struct vh_tofu *t = open_ok(c, 100);
	uint8_t got[32];
	bool now;

	assert_int_equal(vh_tofu_check_and_pin(t, "alice", c->x, NULL, NULL), 0);
	assert_int_equal(vh_tofu_check_and_pin(t, "/udp/[2001:db8::1]:9000", c->y, NULL, NULL), 0);
	vh_tofu_close(t);

	t = open_ok(c, 100);
	assert_int_equal(vh_tofu_count(t), 2);
	assert_int_equal(vh_tofu_lookup(t, "alice", got), 0);
	assert_memory_equal(got, c->x, 32);
	assert_int_equal(vh_tofu_check_and_pin(t, "alice", c->x, NULL, &now), 0);
	assert_false(now);
	assert_int_equal(vh_tofu_check_and_pin(t, "alice", c->y, NULL, NULL), -EKEYREJECTED);
	/* The operator accepts the new key: forget, then pin again. */
	assert_int_equal(vh_tofu_forget(t, "alice"), 0);
	assert_int_equal(vh_tofu_forget(t, "alice"), -ENOENT);
	assert_int_equal(vh_tofu_check_and_pin(t, "alice", c->y, NULL, &now), 0);
	assert_true(now);
	vh_tofu_close(t);

	t = open_ok(c, 100);
	assert_int_equal(vh_tofu_lookup(t, "alice", got), 0);
	assert_memory_equal(got, c->y, 32);
	assert_int_equal(vh_tofu_check_and_pin(t, "alice", c->x, NULL, NULL), -EKEYREJECTED);
	vh_tofu_close(t);
}

static void
test_bound(void **state)
{
	struct ctx *c = *state;
	struct vh_tofu *t = open_ok(c, 5);
	char label[32];
	uint8_t id[32];

	for (int i = 0; i < 5; i++) {
		snprintf(label, sizeof(label), "peer-%d", i);
		id[0] = (uint8_t)i;
		assert_int_equal(vh_tofu_check_and_pin(t, label, id, NULL, NULL), 0);
	}
	assert_int_equal(vh_tofu_check_and_pin(t, "peer-5", id, NULL, NULL), -ENOSPC);
	assert_non_null(strstr(vh_tofu_errmsg(t), "full"));
	assert_int_equal(vh_tofu_lookup(t, "peer-5", id), -ENOENT);
	/* Known labels still check. */
	id[0] = 3;
	assert_int_equal(vh_tofu_check_and_pin(t, "peer-4", id, NULL, NULL), -EKEYREJECTED);
	id[0] = 4;
	assert_int_equal(vh_tofu_check_and_pin(t, "peer-4", id, NULL, NULL), 0);
	assert_int_equal(vh_tofu_forget(t, "peer-0"), 0);
	assert_int_equal(vh_tofu_check_and_pin(t, "peer-5", id, NULL, NULL), 0);
	assert_int_equal(vh_tofu_count(t), 5);
	vh_tofu_close(t);
	/* A lower bound than what is stored: old pins work, no new ones. */
	t = open_ok(c, 3);
	assert_int_equal(vh_tofu_count(t), 5);
	assert_int_equal(vh_tofu_check_and_pin(t, "peer-5", id, NULL, NULL), 0);
	assert_int_equal(vh_tofu_check_and_pin(t, "peer-6", id, NULL, NULL), -ENOSPC);
	vh_tofu_close(t);
	/* Bad bounds. */
	errno = 0;
	assert_null(vh_tofu_open(c->dir, 0, c->err, sizeof(c->err)));
	assert_int_equal(errno, EINVAL);
	assert_null(vh_tofu_open(c->dir, VH_TOFU_MAX_ENTRIES + 1, NULL, 0));
	assert_int_equal(errno, EINVAL);
	assert_null(vh_tofu_open(NULL, 10, NULL, 0));
	assert_int_equal(errno, EINVAL);
}

/*
 * The map is sized for the bound with the longest labels: fill a store to
 * its bound and measure the pages used (the file's size), which must stay
 * well below the map (MAP_BASE + 1 KiB per entry in tofu.c).
 */
static void
test_full_size(void **state)
{
	struct ctx *c = *state;
	const size_t n = 1000;
	struct vh_tofu *t = open_ok(c, n);
	char label[VH_TOFU_LABEL_MAX + 1];
	uint8_t id[32];
	struct stat st;
	double map = 256.0 * 1024 + 1024.0 * (double)n;

	memset(label, 'L', VH_TOFU_LABEL_MAX);
	label[VH_TOFU_LABEL_MAX] = '\0';
	for (size_t i = 0; i < n; i++) {
		snprintf(label, sizeof(label), "%08zu", i);
		label[8] = 'L'; /* keep all 255 bytes */
		randombytes_buf(id, sizeof(id));
		if (vh_tofu_check_and_pin(t, label, id, NULL, NULL) != 0)
			fail_msg("pin %zu: %s", i, vh_tofu_errmsg(t));
	}
	assert_int_equal(vh_tofu_count(t), (int)n);
	assert_int_equal(vh_tofu_check_and_pin(t, "one more", id, NULL, NULL), -ENOSPC);
	vh_tofu_close(t);
	assert_int_equal(stat(c->db, &st), 0);
	print_message("%zu pins of 255-byte labels: file %lld bytes (%.0f per pin), %.0f%% of "
		      "the map\n",
		n, (long long)st.st_size, (double)st.st_size / (double)n,
		100.0 * (double)st.st_size / map);
	assert_true((double)st.st_size < 0.6 * map);
}

static void
test_labels(void **state)
{
	struct ctx *c = *state;
	struct vh_tofu *t = open_ok(c, 100);
	char label[VH_TOFU_LABEL_MAX + 2];
	uint8_t got[32];

	assert_int_equal(vh_tofu_check_and_pin(t, "", c->x, NULL, NULL), -EINVAL);
	assert_int_equal(vh_tofu_check_and_pin(t, NULL, c->x, NULL, NULL), -EINVAL);
	assert_int_equal(vh_tofu_check_and_pin(t, "a\nb", c->x, NULL, NULL), -EINVAL);
	assert_int_equal(vh_tofu_check_and_pin(t, "a\x7f", c->x, NULL, NULL), -EINVAL);
	assert_int_equal(vh_tofu_check_and_pin(t, "tab\there", c->x, NULL, NULL), -EINVAL);
	memset(label, 'a', sizeof(label));
	label[VH_TOFU_LABEL_MAX + 1] = '\0';
	assert_int_equal(vh_tofu_check_and_pin(t, label, c->x, NULL, NULL), -EINVAL);
	assert_int_equal(vh_tofu_lookup(t, label, got), -EINVAL);
	assert_int_equal(vh_tofu_forget(t, label), -EINVAL);
	label[VH_TOFU_LABEL_MAX] = '\0';
	assert_int_equal(vh_tofu_check_and_pin(t, label, c->x, NULL, NULL), 0);
	assert_int_equal(vh_tofu_check_and_pin(t,
				 "p\xc3\xab"
				 "er",
				 c->x, NULL, NULL),
		0);
	assert_int_equal(vh_tofu_count(t), 2);
	vh_tofu_close(t);
}

struct seen {
	char labels[8][VH_TOFU_LABEL_MAX + 1];
	uint8_t ids[8][32];
	int n, stop_after;
};

static int
collect(void *ctx, const char *label, const uint8_t nodeid[32])
{
	struct seen *s = ctx;

	snprintf(s->labels[s->n], sizeof(s->labels[0]), "%s", label);
	memcpy(s->ids[s->n], nodeid, 32);
	s->n++;
	return s->n == s->stop_after;
}

static void
test_list(void **state)
{
	struct ctx *c = *state;
	struct vh_tofu *t = open_ok(c, 100);
	static const char *const labels[] = {"delta", "/udp/10.0.0.1:1", "bravo", "alpha"};
	static const char *const sorted[] = {"/udp/10.0.0.1:1", "alpha", "bravo", "delta"};
	struct seen s = {.stop_after = -1};
	uint8_t id[32] = {0};

	assert_int_equal(vh_tofu_list(t, collect, &s), 0);
	for (int i = 0; i < 4; i++) {
		id[0] = (uint8_t)labels[i][0];
		assert_int_equal(vh_tofu_check_and_pin(t, labels[i], id, NULL, NULL), 0);
	}
	assert_int_equal(vh_tofu_list(t, collect, &s), 4);
	assert_int_equal(s.n, 4);
	for (int i = 0; i < 4; i++) {
		assert_string_equal(s.labels[i], sorted[i]);
		assert_int_equal(s.ids[i][0], (uint8_t)sorted[i][0]);
	}
	memset(&s, 0, sizeof(s));
	s.stop_after = 2;
	assert_int_equal(vh_tofu_list(t, collect, &s), 2);
	assert_int_equal(vh_tofu_list(t, NULL, NULL), 4);
	vh_tofu_close(t);
}

static void
write_file(const char *path, const void *buf, size_t n, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, n), (ssize_t)n);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static void
test_garbage_files(void **state)
{
	struct ctx *c = *state;
	static uint8_t junk[3 * 4096];
	struct vh_tofu *t;

	assert_int_equal(mkdir(c->dir, 0700), 0);
	randombytes_buf(junk, sizeof(junk));
	write_file(c->db, junk, sizeof(junk), 0600);
	open_fails(c, EBADMSG);
	assert_non_null(strstr(c->err, "move it away"));
	write_file(c->db, "hello, world\n", 13, 0600);
	open_fails(c, EBADMSG);
	memset(junk, 0, sizeof(junk));
	write_file(c->db, junk, sizeof(junk), 0600);
	open_fails(c, EBADMSG);

	/* A good database with its meta pages (the first two) overwritten. */
	unlink(c->db);
	t = open_ok(c, 100);
	assert_int_equal(vh_tofu_check_and_pin(t, "alice", c->x, NULL, NULL), 0);
	vh_tofu_close(t);
	{
		int fd = open(c->db, O_WRONLY);

		assert_true(fd >= 0);
		randombytes_buf(junk, 2 * 4096);
		assert_int_equal(pwrite(fd, junk, 2 * 4096, 0), 2 * 4096);
		close(fd);
	}
	open_fails(c, EBADMSG);
	/* Moving it away, as the message says, starts over. */
	unlink(c->db);
	t = open_ok(c, 100);
	assert_int_equal(vh_tofu_count(t), 0);
	vh_tofu_close(t);
}

/* Write one raw entry with plain LMDB, as another program might. */
static void
raw_put(const char *db, const char *dbname, const void *k, size_t kn, const void *v, size_t vn)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val key = {kn, (void *)(uintptr_t)k}, val = {vn, (void *)(uintptr_t)v};

	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 2), 0);
	assert_int_equal(mdb_env_open(env, db, MDB_NOSUBDIR, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, dbname, MDB_CREATE, &dbi), 0);
	assert_int_equal(mdb_put(txn, dbi, &key, &val, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
}

static void
test_bad_entries(void **state)
{
	struct ctx *c = *state;
	uint8_t v33[33] = {0}, got[32];
	char lock[PATH_MAX + 40];
	struct vh_tofu *t;

	snprintf(lock, sizeof(lock), "%s-lock", c->db);
	assert_int_equal(mkdir(c->dir, 0700), 0);
	/* A value that is not a NodeID: damaged, reported, never handed out. */
	raw_put(c->db, "tofu-v1", "alice", 5, v33, 33);
	t = open_ok(c, 100);
	assert_int_equal(vh_tofu_damaged(t), 1);
	assert_non_null(strstr(vh_tofu_errmsg(t), "1 damaged pin(s)"));
	assert_non_null(strstr(vh_tofu_errmsg(t), "'alice'"));
	assert_int_equal(vh_tofu_lookup(t, "alice", got), -EBADMSG);
	assert_int_equal(vh_tofu_list(t, NULL, NULL), 0);
	vh_tofu_close(t);
	unlink(c->db);
	unlink(lock);
	/* A label with a NUL in it. */
	raw_put(c->db, "tofu-v1", "a\0b", 3, v33, 32);
	t = open_ok(c, 100);
	assert_int_equal(vh_tofu_damaged(t), 1);
	assert_non_null(strstr(vh_tofu_errmsg(t), "'a?b'"));
	vh_tofu_close(t);
	unlink(c->db);
	unlink(lock);
	/* "tofu-v1" is a plain key in the main database, not a database. */
	raw_put(c->db, NULL, "tofu-v1", 7, v33, 32);
	open_fails(c, EBADMSG);
	unlink(c->db);
	unlink(lock);
	/* Another program's database beside ours is fine. */
	raw_put(c->db, "other", "k", 1, "v", 1);
	vh_tofu_close(open_ok(c, 100));
}

/* Three pins; one of them damaged on disk by the caller between runs. */
static void
three_pins(struct ctx *c, uint8_t ids[3][32])
{
	static const char *const labels[] = {"alice", "/udp/10.0.0.2:22088", "carol"};
	struct vh_tofu *t = open_ok(c, 100);

	for (int i = 0; i < 3; i++) {
		randombytes_buf(ids[i], 32);
		assert_int_equal(vh_tofu_check_and_pin(t, labels[i], ids[i], NULL, NULL), 0);
	}
	vh_tofu_close(t);
}

/*
 * A bit flipped inside one stored NodeID: that pin is reported and
 * refused (not re-pinned on first use), the others still read; no new label
 * is pinned until the damaged one is forgotten. Before checksums the
 * flipped NodeID was read back as the pin.
 */
static void
test_flip_value(void **state)
{
	struct ctx *c = *state;
	const char *bob = "/udp/10.0.0.2:22088";
	uint8_t ids[3][32], got[32];
	struct vh_tofu *t;
	bool now = true;

	three_pins(c, ids);
	assert_true(vh_test_flip_in_file(c->db, ids[1], 32, 5, 0x04) >= 1);
	t = open_ok(c, 100);
	assert_int_equal(vh_tofu_damaged(t), 1);
	assert_non_null(strstr(vh_tofu_errmsg(t), bob));
	assert_int_equal(vh_tofu_lookup(t, bob, got), -EBADMSG);
	assert_int_equal(vh_tofu_check_and_pin(t, bob, ids[1], NULL, &now), -EBADMSG);
	assert_false(now);
	ids[1][5] ^= 0x04; /* what the file now says */
	assert_int_equal(vh_tofu_check_and_pin(t, bob, ids[1], NULL, NULL), -EBADMSG);
	assert_non_null(strstr(vh_tofu_errmsg(t), "damaged"));
	assert_int_equal(vh_tofu_lookup(t, "alice", got), 0);
	assert_memory_equal(got, ids[0], 32);
	assert_int_equal(vh_tofu_check_and_pin(t, "carol", ids[2], NULL, NULL), 0);
	assert_int_equal(vh_tofu_list(t, NULL, NULL), 2);
	assert_int_equal(vh_tofu_check_and_pin(t, "dave", ids[0], NULL, NULL), -EBADMSG);
	assert_int_equal(vh_tofu_lookup(t, "dave", got), -ENOENT);
	vh_tofu_close(t);
	/* still damaged after a restart: nothing healed it silently */
	t = open_ok(c, 100);
	assert_int_equal(vh_tofu_damaged(t), 1);
	/* the operator forgets it: bob and new labels pin again */
	assert_int_equal(vh_tofu_forget(t, bob), 0);
	assert_int_equal(vh_tofu_damaged(t), 0);
	assert_int_equal(vh_tofu_check_and_pin(t, bob, ids[1], NULL, &now), 0);
	assert_true(now);
	assert_int_equal(vh_tofu_check_and_pin(t, "dave", ids[0], NULL, NULL), 0);
	vh_tofu_close(t);
	t = open_ok(c, 100);
	assert_int_equal(vh_tofu_damaged(t), 0);
	assert_int_equal(vh_tofu_count(t), 4);
	vh_tofu_close(t);
}

/*
 * A bit flipped in a label: the entry no longer matches its checksum. The
 * label it belonged to is not known, so no label gets a first-use pin until
 * an operator clears the damage.
 */
static void
test_flip_label(void **state)
{
	struct ctx *c = *state;
	uint8_t ids[3][32], got[32];
	struct vh_tofu *t;

	three_pins(c, ids);
	assert_true(vh_test_flip_in_file(c->db, "carol", 5, 2, 0x04) >= 1); /* carol -> cavol */
	t = open_ok(c, 100);
	assert_int_equal(vh_tofu_damaged(t), 1);
	assert_non_null(strstr(vh_tofu_errmsg(t), "'cavol'"));
	assert_int_equal(vh_tofu_lookup(t, "carol", got), -ENOENT);
	assert_int_equal(vh_tofu_check_and_pin(t, "carol", ids[0], NULL, NULL), -EBADMSG);
	assert_int_equal(vh_tofu_lookup(t, "alice", got), 0);
	assert_memory_equal(got, ids[0], 32);
	assert_int_equal(vh_tofu_forget_damaged(t), 1);
	assert_int_equal(vh_tofu_damaged(t), 0);
	assert_int_equal(vh_tofu_count(t), 2);
	assert_int_equal(vh_tofu_check_and_pin(t, "carol", ids[2], NULL, NULL), 0);
	vh_tofu_close(t);
}

/*
 * A store of the format before checksums (bare 32-byte NodeIDs): every pin
 * survives the upgrade, and the first open rewrites them sealed.
 */
static void
test_old_format(void **state)
{
	struct ctx *c = *state;
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val k = {5, "alice"}, v;
	struct vh_tofu *t;
	uint8_t got[32];

	assert_int_equal(mkdir(c->dir, 0700), 0);
	raw_put(c->db, "tofu-v1", "alice", 5, c->x, 32);
	raw_put(c->db, "tofu-v1", "bob", 3, c->y, 32);
	t = open_ok(c, 100);
	assert_int_equal(vh_tofu_damaged(t), 0);
	assert_int_equal(vh_tofu_lookup(t, "alice", got), 0);
	assert_memory_equal(got, c->x, 32);
	assert_int_equal(vh_tofu_check_and_pin(t, "bob", c->x, NULL, NULL), -EKEYREJECTED);
	assert_int_equal(vh_tofu_check_and_pin(t, "bob", c->y, NULL, NULL), 0);
	vh_tofu_close(t);
	/* on disk: version 2, the NodeID, 16 bytes of checksum */
	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 4), 0);
	assert_int_equal(mdb_env_open(env, c->db, MDB_NOSUBDIR | MDB_RDONLY, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "tofu-v1", 0, &dbi), 0);
	assert_int_equal(mdb_get(txn, dbi, &k, &v), 0);
	assert_int_equal(v.mv_size, 1 + 32 + 16);
	assert_int_equal(((uint8_t *)v.mv_data)[0], VH_IDENTITY_RECORD_VERSION);
	assert_memory_equal((uint8_t *)v.mv_data + 1, c->x, 32);
	mdb_txn_abort(txn);
	mdb_env_close(env);
	/* sealed now: a flipped bit is caught */
	assert_true(vh_test_flip_in_file(c->db, c->x, 32, 0, 0x04) >= 1);
	t = open_ok(c, 100);
	assert_int_equal(vh_tofu_damaged(t), 1);
	assert_int_equal(vh_tofu_lookup(t, "bob", got), 0);
	vh_tofu_close(t);
}

static void
test_file_checks(void **state)
{
	struct ctx *c = *state;
	char target[PATH_MAX + 32], lock[PATH_MAX + 40];
	struct vh_tofu *t = open_ok(c, 100);

	vh_tofu_close(t);
	snprintf(lock, sizeof(lock), "%s-lock", c->db);
	assert_int_equal(chmod(c->db, 0644), 0);
	open_fails(c, EPERM);
	assert_non_null(strstr(c->err, "chmod 600"));
	assert_int_equal(chmod(c->db, 0600), 0);
	assert_int_equal(chmod(lock, 0666), 0);
	open_fails(c, EPERM);
	assert_int_equal(chmod(lock, 0600), 0);
	vh_tofu_close(open_ok(c, 100));

	/* A symlinked database. */
	snprintf(target, sizeof(target), "%s/elsewhere.mdb", c->root);
	assert_int_equal(rename(c->db, target), 0);
	assert_int_equal(symlink(target, c->db), 0);
	open_fails(c, ELOOP);
	assert_int_equal(unlink(c->db), 0);
	/* A directory where the file should be. */
	assert_int_equal(mkdir(c->db, 0700), 0);
	open_fails(c, EINVAL);
	assert_int_equal(rmdir(c->db), 0);
	/* The data directory is a file. */
	assert_int_equal(unlink(lock), 0);
	assert_int_equal(rmdir(c->dir), 0);
	write_file(c->dir, "x", 1, 0600);
	errno = 0;
	assert_null(vh_tofu_open(c->dir, 100, c->err, sizeof(c->err)));
	assert_int_equal(errno, ENOTDIR);
}

/* Every read a node does after open, on a store that may be damaged. */
static int
use_store(const char *dir)
{
	struct vh_tofu *t = vh_tofu_open(dir, 100, NULL, 0);
	char label[32];
	uint8_t id[32];

	if (t == NULL)
		return 1;
	vh_tofu_list(t, NULL, NULL);
	vh_tofu_count(t);
	for (int i = 0; i < 60; i++) {
		snprintf(label, sizeof(label), "/udp/10.0.0.%d:22088", i);
		if (vh_tofu_lookup(t, label, id) == 0)
			vh_tofu_check_and_pin(t, label, id, NULL, NULL); /* match: no write */
	}
	vh_tofu_close(t);
	return 0;
}

/*
 * A byte flipped anywhere in the file (every 31st position): open refuses
 * the file or the store works for reading; the process never dies. LMDB
 * itself would crash on some of these; vh_tofu_open's probe catches them.
 */
static void
test_flipped_bytes(void **state)
{
	struct ctx *c = *state;
	struct vh_tofu *t = open_ok(c, 100);
	char label[32];
	uint8_t *good, id[32] = {0};
	int fd, opened = 0, refused = 0;
	struct stat st;

	for (int i = 0; i < 50; i++) {
		snprintf(label, sizeof(label), "/udp/10.0.0.%d:22088", i);
		id[0] = (uint8_t)i;
		assert_int_equal(vh_tofu_check_and_pin(t, label, id, NULL, NULL), 0);
	}
	vh_tofu_close(t);
	assert_int_equal(stat(c->db, &st), 0);
	good = malloc((size_t)st.st_size);
	assert_non_null(good);
	fd = open(c->db, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, good, (size_t)st.st_size, 0), st.st_size);
	for (off_t off = 0; off < st.st_size; off += 31) {
		uint8_t b = good[off] ^ 0xff;
		int status;
		pid_t pid;

		assert_int_equal(pwrite(fd, &b, 1, off), 1);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			/* No cmocka handlers here: a crash must show as a signal. */
			signal(SIGSEGV, SIG_DFL);
			signal(SIGBUS, SIG_DFL);
			signal(SIGABRT, SIG_DFL);
			_exit(use_store(c->dir));
		}
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (WIFSIGNALED(status))
			fail_msg("byte %lld flipped: died of signal %d", (long long)off,
				WTERMSIG(status));
		if (WEXITSTATUS(status) == 0)
			opened++;
		else
			refused++;
		assert_int_equal(pwrite(fd, &good[off], 1, off), 1);
	}
	close(fd);
	free(good);
	print_message("%d flipped files opened, %d refused, no crash\n", opened, refused);
	assert_true(refused > 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pin_match_mismatch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_persistence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bound, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_size, setup, teardown),
		cmocka_unit_test_setup_teardown(test_labels, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_entries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_checks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flip_value, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flip_label, setup, teardown),
		cmocka_unit_test_setup_teardown(test_old_format, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flipped_bytes, setup, teardown),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests_name("identity_tofu", tests, NULL, NULL);
}
