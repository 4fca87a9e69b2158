/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The routing table and record cache kept in LMDB, so a restarted node
 * rejoins from what it knew even when its bootstrap nodes are down. The DHT
 * itself only knows byte blobs (dht_blob.c); this file stores one, sealed
 * with a checksum (vh_identity_record_seal()): a damaged value is refused
 * and reported, never imported. A value that starts with the blob's magic
 * is the format before checksums: loaded once, and sealed at the next save.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lmdb.h>

#include "vh_identity.h"
#include "vh_ygg.h"

#define DB_FILE "dht.mdb"
#define DB_NAME "dht-v1"
#define DB_KEY "state"
/* a full table (256 x 20 contacts) and store (4096 records) fit many times */
#define MAP_SIZE (64u << 20)

static int
fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

/* LMDB's own codes are positive and not errnos. */
static int
mdb_errno(int rc)
{
	return rc > 0 && rc < MDB_KEYEXIST ? -rc : -EIO;
}

static int
env_open(const char *dir, bool rdonly, MDB_env **env, char *err, size_t errlen)
{
	char path[4096];
	int rc;

	if (dir == NULL || snprintf(path, sizeof(path), "%s/%s", dir, DB_FILE) >= (int)sizeof(path))
		return fail(err, errlen, -EINVAL, "dht store: bad directory");
	if (!rdonly && mkdir(dir, 0700) != 0 && errno != EEXIST)
		return fail(err, errlen, -errno, "dht store: mkdir %s: %s", dir, strerror(errno));
	rc = mdb_env_create(env);
	if (rc == 0)
		rc = mdb_env_set_mapsize(*env, MAP_SIZE);
	if (rc == 0)
		rc = mdb_env_set_maxdbs(*env, 1);
	if (rc == 0)
		rc = mdb_env_open(*env, path, MDB_NOSUBDIR | (rdonly ? MDB_RDONLY : 0), 0600);
	if (rc != 0) {
		if (*env != NULL)
			mdb_env_close(*env);
		*env = NULL;
		return fail(err, errlen, rc == ENOENT ? -ENOENT : mdb_errno(rc),
			"dht store: %s: %s", path, mdb_strerror(rc));
	}
	return 0;
}

int
vh_dht_persist_save(const struct vh_dht *dht, const char *dir, char *err, size_t errlen)
{
	MDB_env *env = NULL;
	MDB_txn *txn = NULL;
	MDB_dbi dbi;
	MDB_val k = {sizeof(DB_KEY) - 1, (void *)DB_KEY}, v;
	long len = vh_dht_export(dht, NULL, 0);
	size_t cap;
	uint8_t *blob;
	int rc;

	if (len <= 0)
		return fail(err, errlen, -EINVAL, "dht store: nothing to export");
	cap = (size_t)len + VH_IDENTITY_RECORD_OVERHEAD;
	blob = malloc(cap);
	if (blob == NULL)
		return fail(err, errlen, -ENOMEM, "dht store: out of memory");
	/* exported at blob + 1 and sealed in place */
	if (vh_dht_export(dht, blob + 1, (size_t)len) != len ||
		(len = vh_identity_record_seal(DB_NAME, DB_KEY, sizeof(DB_KEY) - 1, blob + 1,
			 (size_t)len, blob, cap)) < 0) {
		free(blob);
		return fail(err, errlen, -EIO, "dht store: export changed size");
	}
	rc = env_open(dir, false, &env, err, errlen);
	if (rc != 0) {
		free(blob);
		return rc;
	}
	v.mv_size = (size_t)len;
	v.mv_data = blob;
	rc = mdb_txn_begin(env, NULL, 0, &txn);
	if (rc == 0)
		rc = mdb_dbi_open(txn, DB_NAME, MDB_CREATE, &dbi);
	if (rc == 0)
		rc = mdb_put(txn, dbi, &k, &v, 0);
	if (rc == 0)
		rc = mdb_txn_commit(txn); /* frees txn either way */
	else if (txn != NULL)
		mdb_txn_abort(txn);
	mdb_env_close(env);
	free(blob);
	if (rc != 0)
		return fail(err, errlen, mdb_errno(rc), "dht store: save: %s", mdb_strerror(rc));
	return 0;
}

/* The blob inside a sealed value, or a bare blob of the format before. */
static int
unseal_import(struct vh_dht *dht, const MDB_val *k, const MDB_val *v, uint64_t now, bool *damaged)
{
	const uint8_t *blob = v->mv_data;
	size_t len = v->mv_size;
	int rc;

	if (len >= 4 && memcmp(blob, "VHDT", 4) == 0)
		return vh_dht_import(dht, blob, len, now);
	rc = vh_identity_record_open(
		DB_NAME, k->mv_data, k->mv_size, v->mv_data, v->mv_size, &blob, &len);
	if (rc != 0) {
		*damaged = true;
		return -EBADMSG;
	}
	return vh_dht_import(dht, blob, len, now);
}

int
vh_dht_persist_load(struct vh_dht *dht, const char *dir, uint64_t now, char *err, size_t errlen)
{
	MDB_env *env = NULL;
	MDB_txn *txn = NULL;
	MDB_dbi dbi;
	MDB_val k = {sizeof(DB_KEY) - 1, (void *)DB_KEY}, v;
	bool damaged = false;
	int rc;

	rc = env_open(dir, true, &env, err, errlen);
	if (rc == -ENOENT)
		return 0; /* first start: nothing saved yet */
	if (rc != 0)
		return rc;
	rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn);
	if (rc == 0)
		rc = mdb_dbi_open(txn, DB_NAME, 0, &dbi);
	if (rc == 0)
		rc = mdb_get(txn, dbi, &k, &v);
	if (rc == MDB_NOTFOUND) {
		rc = 0;
		v.mv_size = 0;
	}
	if (rc != 0) {
		if (txn != NULL)
			mdb_txn_abort(txn);
		mdb_env_close(env);
		return fail(err, errlen, mdb_errno(rc), "dht store: load: %s", mdb_strerror(rc));
	}
	/* the value is only valid inside the transaction: import before ending it */
	rc = v.mv_size == 0 ? 0 : unseal_import(dht, &k, &v, now, &damaged);
	mdb_txn_abort(txn);
	mdb_env_close(env);
	if (damaged)
		return fail(err, errlen, rc,
			"dht store: saved state damaged (checksum): ignored, not trusted");
	if (rc < 0)
		return fail(err, errlen, rc, "dht store: saved state refused (%s)",
			rc == -EXDEV ? "it belongs to another NodeID" : "malformed");
	return rc;
}
