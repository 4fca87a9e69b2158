/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The mix key store: each epoch key's private key, written when the key is
 * made, and the replay filter of each key in use, written at shutdown, so a
 * restarted mixnode keeps the keys its published descriptors name and still
 * refuses the packets it already unwrapped (docs/mix-keys.md "Persistence").
 *
 * One LMDB environment in its own directory (0700, files 0600), one named
 * database "mixkeys-v1". Keys are 9 bytes: 'k' (private key) or 'f' (replay
 * filter), then the epoch (u64 BE), so a cursor walks by kind and epoch.
 * Every value starts with a version byte and ends with BLAKE2b-256 over the
 * record key and the value before it: a value that fails the check is
 * reported and skipped, never used.
 *
 *   k: [1][private key 32][checksum 32]
 *   f: [1][nr_blocks u64 BE][k u8][tags u64 BE][image nr_blocks * 64][checksum 32]
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lmdb.h>
#include <sodium.h>

#include "vh_mix.h"

#define DB_NAME "mixkeys-v1"
#define REC_VERSION 1
#define KEY_LEN 9
#define SUM_LEN crypto_generichash_BYTES /* 32 */
#define KEY_VAL_LEN (1 + VH_SPHINX_KEY_LEN + SUM_LEN)
#define FLT_HDR_LEN (1 + 8 + 1 + 8)
#define T_KEY ((uint8_t)'k')
#define T_FILTER ((uint8_t)'f')
/* Two filters alive, each rewritten at every stop (copy-on-write: twice),
 * the free pages of the last transaction not yet reusable: six filters. */
#define MAP_FILTERS 6
#define MAP_BASE (1u << 20)

struct vh_mix_store {
	MDB_env *env;
	MDB_dbi dbi;
	char dir[4096];
	char err[320];
};

static int
fail(struct vh_mix_store *s, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->err, sizeof(s->err), fmt, ap);
	va_end(ap);
	return rc;
}

/* LMDB's own codes are positive and not errnos. */
static int
mdb_errno(int rc)
{
	if (rc == MDB_NOTFOUND)
		return -ENOENT;
	if (rc == MDB_MAP_FULL)
		return -ENOSPC;
	return rc > 0 && rc < MDB_KEYEXIST ? -rc : -EIO;
}

static void
rec_key(uint8_t key[KEY_LEN], uint8_t type, uint64_t epoch)
{
	key[0] = (uint8_t)type;
	for (unsigned int i = 0; i < 8; i++)
		key[1 + i] = (uint8_t)(epoch >> (56 - 8 * i));
}

static uint64_t
get_be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static void
put_be64(uint8_t *p, uint64_t v)
{
	for (unsigned int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (56 - 8 * i));
}

/* BLAKE2b-256 over the record key and the value's first len bytes. */
static void
checksum(const uint8_t *key, const uint8_t *val, size_t len, uint8_t out[SUM_LEN])
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, SUM_LEN);
	crypto_generichash_update(&st, key, KEY_LEN);
	crypto_generichash_update(&st, val, len);
	crypto_generichash_final(&st, out, SUM_LEN);
}

/* A value as read back: version and checksum, 0 or -EBADMSG. */
static int
check_value(const MDB_val *k, const MDB_val *v)
{
	const uint8_t *p = v->mv_data;
	uint8_t sum[SUM_LEN];
	int rc;

	if (k->mv_size != KEY_LEN || v->mv_size < 1 + SUM_LEN || p[0] != REC_VERSION)
		return -EBADMSG;
	checksum(k->mv_data, p, v->mv_size - SUM_LEN, sum);
	rc = sodium_memcmp(sum, p + v->mv_size - SUM_LEN, SUM_LEN) == 0 ? 0 : -EBADMSG;
	sodium_memzero(sum, sizeof(sum));
	return rc;
}

/* The directory is ours alone: a real directory, no group or other access. */
static int
check_private(struct vh_mix_store *s, const char *path, bool dir)
{
	struct stat st;

	if (lstat(path, &st) != 0)
		return errno == ENOENT && !dir ? 0
					       : fail(s, -errno, "%s: %s", path, strerror(errno));
	if (S_ISLNK(st.st_mode) || (dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)))
		return fail(s, -EPERM, "%s: not a %s (symlink?)", path,
			dir ? "directory" : "regular file");
	if ((st.st_mode & 077) != 0)
		return fail(s, -EPERM,
			"%s: mode %03o gives others access to secret keys (chmod %s)", path,
			(unsigned int)(st.st_mode & 0777), dir ? "700" : "600");
	if (st.st_uid != geteuid())
		return fail(
			s, -EPERM, "%s: owned by uid %u, not by us", path, (unsigned int)st.st_uid);
	return 0;
}

static int
check_dir(struct vh_mix_store *s)
{
	static const char *const files[] = {"data.mdb", "lock.mdb"};
	char path[sizeof(s->dir) + 16];
	int rc;

	if (mkdir(s->dir, 0700) != 0 && errno != EEXIST)
		return fail(s, -errno, "mkdir %s: %s", s->dir, strerror(errno));
	rc = check_private(s, s->dir, true);
	for (unsigned int i = 0; rc == 0 && i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", s->dir, files[i]);
		rc = check_private(s, path, false);
	}
	return rc;
}

static int
open_env(struct vh_mix_store *s, size_t image_len)
{
	size_t map = MAP_BASE + MAP_FILTERS * (image_len + FLT_HDR_LEN + SUM_LEN + 4096);
	long pg = sysconf(_SC_PAGESIZE);
	MDB_txn *txn;
	int rc;

	if (pg > 0)
		map = (map + (size_t)pg - 1) / (size_t)pg * (size_t)pg;
	rc = mdb_env_create(&s->env);
	if (rc == 0)
		rc = mdb_env_set_mapsize(s->env, map);
	if (rc == 0)
		rc = mdb_env_set_maxdbs(s->env, 1);
	if (rc == 0)
		rc = mdb_env_open(s->env, s->dir, 0, 0600);
	if (rc == 0)
		rc = mdb_txn_begin(s->env, NULL, 0, &txn);
	if (rc != 0)
		return fail(s, mdb_errno(rc), "%s: open: %s", s->dir, mdb_strerror(rc));
	rc = mdb_dbi_open(txn, DB_NAME, MDB_CREATE, &s->dbi);
	if (rc == 0)
		rc = mdb_txn_commit(txn);
	else
		mdb_txn_abort(txn);
	return rc != 0 ? fail(s, mdb_errno(rc), "%s: %s: %s", s->dir, DB_NAME, mdb_strerror(rc))
		       : 0;
}

struct vh_mix_store *
vh_mix_store_open(const char *dir, size_t image_len, char *err, size_t errlen)
{
	struct vh_mix_store *s = calloc(1, sizeof(*s));
	int rc = s == NULL ? -ENOMEM : 0;

	if (rc == 0 && (dir == NULL || dir[0] == '\0' ||
			       snprintf(s->dir, sizeof(s->dir), "%s", dir) >= (int)sizeof(s->dir)))
		rc = fail(s, -EINVAL, "mix key store: bad directory");
	if (rc == 0)
		rc = check_dir(s);
	if (rc == 0)
		rc = open_env(s, image_len);
	if (rc == 0)
		return s;
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", s != NULL ? s->err : "out of memory");
	vh_mix_store_close(s);
	errno = -rc;
	return NULL;
}

void
vh_mix_store_close(struct vh_mix_store *s)
{
	if (s == NULL)
		return;
	if (s->env != NULL)
		mdb_env_close(s->env);
	free(s);
}

const char *
vh_mix_store_error(const struct vh_mix_store *s)
{
	return s != NULL ? s->err : "out of memory";
}

int
vh_mix_store_put_key(struct vh_mix_store *s, uint64_t epoch, const uint8_t priv[VH_SPHINX_KEY_LEN])
{
	uint8_t key[KEY_LEN], val[KEY_VAL_LEN];
	MDB_val k = {KEY_LEN, key}, v = {KEY_VAL_LEN, val};
	MDB_txn *txn;
	int rc;

	if (s == NULL || priv == NULL)
		return -EINVAL;
	rec_key(key, T_KEY, epoch);
	val[0] = REC_VERSION;
	memcpy(val + 1, priv, VH_SPHINX_KEY_LEN);
	checksum(key, val, KEY_VAL_LEN - SUM_LEN, val + KEY_VAL_LEN - SUM_LEN);
	rc = mdb_txn_begin(s->env, NULL, 0, &txn);
	if (rc == 0) {
		rc = mdb_put(txn, s->dbi, &k, &v, 0);
		rc = rc == 0 ? mdb_txn_commit(txn) : (mdb_txn_abort(txn), rc);
	}
	sodium_memzero(val, sizeof(val));
	if (rc != 0)
		return fail(s, mdb_errno(rc), "key of epoch %llu not saved: %s",
			(unsigned long long)epoch, mdb_strerror(rc));
	return 0;
}

/* Delete every record (both kinds) of an epoch below oldest. */
static int
prune(struct vh_mix_store *s, MDB_txn *txn, uint64_t oldest, unsigned int *n)
{
	static const uint8_t types[] = {T_FILTER, T_KEY};
	uint8_t key[KEY_LEN];
	MDB_cursor *cur;
	MDB_val k, v;
	int rc = mdb_cursor_open(txn, s->dbi, &cur);

	if (rc != 0)
		return rc;
	for (unsigned int t = 0; rc == 0 && t < 2; t++) {
		for (;;) {
			/* seek again after each delete: the smallest record left of this kind */
			rec_key(key, types[t], 0);
			k.mv_size = KEY_LEN;
			k.mv_data = key;
			rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
			if (rc != 0 || k.mv_size != KEY_LEN ||
				((uint8_t *)k.mv_data)[0] != types[t] ||
				get_be64((uint8_t *)k.mv_data + 1) >= oldest)
				break;
			rc = mdb_cursor_del(cur, 0);
			if (rc != 0)
				break;
			(*n)++;
		}
		if (rc == MDB_NOTFOUND)
			rc = 0;
	}
	mdb_cursor_close(cur);
	return rc;
}

int
vh_mix_store_prune(struct vh_mix_store *s, uint64_t oldest)
{
	unsigned int n = 0;
	MDB_txn *txn;
	int rc;

	if (s == NULL)
		return -EINVAL;
	rc = mdb_txn_begin(s->env, NULL, 0, &txn);
	if (rc == 0) {
		rc = prune(s, txn, oldest, &n);
		rc = rc == 0 ? mdb_txn_commit(txn) : (mdb_txn_abort(txn), rc);
	}
	if (rc != 0)
		return fail(s, mdb_errno(rc), "prune: %s", mdb_strerror(rc));
	return (int)n;
}

/* Read the key records of epoch >= oldest, in epoch order. */
static int
read_keys(struct vh_mix_store *s, MDB_txn *txn, uint64_t oldest, struct vh_mix_saved_key *out,
	unsigned int max, struct vh_mix_store_scan *sc)
{
	uint8_t key[KEY_LEN];
	MDB_val k = {KEY_LEN, key}, v;
	MDB_cursor *cur;
	int rc = mdb_cursor_open(txn, s->dbi, &cur);

	rec_key(key, T_KEY, oldest);
	for (int op = MDB_SET_RANGE; rc == 0; op = MDB_NEXT) {
		uint64_t epoch;

		rc = mdb_cursor_get(cur, &k, &v, (MDB_cursor_op)op);
		if (rc != 0 || k.mv_size != KEY_LEN || ((uint8_t *)k.mv_data)[0] != T_KEY)
			break;
		epoch = get_be64((uint8_t *)k.mv_data + 1);
		if (check_value(&k, &v) != 0 || v.mv_size != KEY_VAL_LEN) {
			sc->corrupt++;
			fail(s, 0, "key of epoch %llu: bad checksum or version, skipped",
				(unsigned long long)epoch);
			continue;
		}
		if (sc->loaded == max) {
			sc->skipped++;
			continue;
		}
		out[sc->loaded].epoch = epoch;
		memcpy(out[sc->loaded].priv, (uint8_t *)v.mv_data + 1, VH_SPHINX_KEY_LEN);
		sc->loaded++;
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

int
vh_mix_store_load_keys(struct vh_mix_store *s, uint64_t oldest, struct vh_mix_saved_key *out,
	unsigned int max, struct vh_mix_store_scan *sc)
{
	MDB_txn *txn;
	int rc;

	if (s == NULL || sc == NULL || (max > 0 && out == NULL))
		return -EINVAL;
	memset(sc, 0, sizeof(*sc));
	rc = mdb_txn_begin(s->env, NULL, 0, &txn);
	if (rc != 0)
		return fail(s, mdb_errno(rc), "load: %s", mdb_strerror(rc));
	/* expired keys go first: a key must not outlive its epoch on disk either */
	rc = prune(s, txn, oldest, &sc->expired);
	if (rc == 0)
		rc = read_keys(s, txn, oldest, out, max, sc);
	rc = rc == 0 ? mdb_txn_commit(txn) : (mdb_txn_abort(txn), rc);
	if (rc != 0) {
		sodium_memzero(out, max * sizeof(*out));
		sc->loaded = 0;
		return fail(s, mdb_errno(rc), "load: %s", mdb_strerror(rc));
	}
	return (int)sc->loaded;
}

int
vh_mix_store_put_replay(struct vh_mix_store *s, uint64_t epoch, const struct vh_mix_replay *f)
{
	struct vh_mix_replay_plan plan;
	size_t img = vh_mix_replay_image_len(f);
	uint8_t key[KEY_LEN], *p;
	MDB_val k = {KEY_LEN, key}, v = {FLT_HDR_LEN + img + SUM_LEN, NULL};
	MDB_txn *txn;
	int rc;

	if (s == NULL || f == NULL)
		return -EINVAL;
	vh_mix_replay_plan_get(f, &plan);
	rec_key(key, T_FILTER, epoch);
	rc = mdb_txn_begin(s->env, NULL, 0, &txn);
	if (rc == 0)
		rc = mdb_put(txn, s->dbi, &k, &v, MDB_RESERVE); /* written in place below */
	if (rc == 0) {
		p = v.mv_data;
		p[0] = REC_VERSION;
		put_be64(p + 1, plan.nr_blocks);
		p[9] = (uint8_t)plan.k;
		put_be64(p + 10, vh_mix_replay_count(f));
		vh_mix_replay_save(f, p + FLT_HDR_LEN, img);
		checksum(key, p, FLT_HDR_LEN + img, p + FLT_HDR_LEN + img);
		rc = mdb_txn_commit(txn);
	} else if (txn != NULL) {
		mdb_txn_abort(txn);
	}
	if (rc != 0)
		return fail(s, mdb_errno(rc), "replay filter of epoch %llu not saved: %s",
			(unsigned long long)epoch, mdb_strerror(rc));
	return 0;
}

int
vh_mix_store_get_replay(struct vh_mix_store *s, uint64_t epoch, struct vh_mix_replay *f)
{
	struct vh_mix_replay_plan plan;
	size_t img = vh_mix_replay_image_len(f);
	uint8_t key[KEY_LEN];
	MDB_val k = {KEY_LEN, key}, v;
	const uint8_t *p;
	MDB_txn *txn;
	int rc;

	if (s == NULL || f == NULL)
		return -EINVAL;
	vh_mix_replay_plan_get(f, &plan);
	rec_key(key, T_FILTER, epoch);
	rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn);
	if (rc != 0)
		return fail(s, mdb_errno(rc), "load: %s", mdb_strerror(rc));
	rc = mdb_get(txn, s->dbi, &k, &v);
	if (rc != 0) {
		mdb_txn_abort(txn);
		if (rc == MDB_NOTFOUND)
			return fail(s, -ENOENT, "no replay filter saved for epoch %llu",
				(unsigned long long)epoch);
		return fail(s, mdb_errno(rc), "load: %s", mdb_strerror(rc));
	}
	p = v.mv_data;
	/* the value lives in the map only inside the transaction */
	if (check_value(&k, &v) != 0 || v.mv_size < FLT_HDR_LEN + SUM_LEN)
		rc = fail(s, -EBADMSG, "replay filter of epoch %llu: bad checksum or version",
			(unsigned long long)epoch);
	else if (get_be64(p + 1) != plan.nr_blocks || p[9] != plan.k ||
		 v.mv_size != FLT_HDR_LEN + img + SUM_LEN)
		rc = fail(s, -EINVAL,
			"replay filter of epoch %llu: sized for another replay_capacity or "
			"replay_fp_exp",
			(unsigned long long)epoch);
	else
		rc = vh_mix_replay_load(f, p + FLT_HDR_LEN, img, get_be64(p + 10));
	mdb_txn_abort(txn);
	return rc;
}
