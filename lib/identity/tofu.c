/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TOFU pins in LMDB: label (a configured peer name or a PathAddr) -> the
 * NodeID first seen there. A NodeID is the hash of its key, so the key of a
 * NodeID cannot change; what can change is who answers at a name or an
 * address, and that is what is pinned.
 *
 * One named database "tofu-v1" holds the pins: key = label bytes (no NUL),
 * value = the NodeID sealed with its checksum (vh_identity_record_seal(): 49
 * bytes). A bare 32-byte NodeID is the format before checksums: accepted at
 * open and rewritten sealed, so an upgrade keeps every pin. A damaged entry
 * is reported and never trusted (see vh_tofu_damaged()). An old binary
 * refuses the sealed values as malformed instead of misreading them.
 *
 * A second named database "stamp-v1" holds, per NodeID (32-byte key), the
 * greatest IK initiation timestamp accepted from it (sealed TAI64N), so a
 * replayed initiation stays refused across a restart (vh_tofu_stamp()).
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <lmdb.h>

#include "identity_priv.h"
#include "vh_identity.h"

#define DB_FILE "tofu.mdb"
#define DB_NAME "tofu-v1"
#define STAMP_DB "stamp-v1"
#define STAMP_SEALED (VH_IDENTITY_TAI64N_LEN + VH_IDENTITY_RECORD_OVERHEAD)
#define WHAT "TOFU database"
#define SEALED_LEN (VH_IDENTITY_NODEID_LEN + VH_IDENTITY_RECORD_OVERHEAD)
/* Per entry: a 255-byte label, the NodeID, node headers, half-full pages
 * and copy-on-write room; generous, since the map is only address space. */
#define MAP_PER_ENTRY 1024
#define MAP_BASE (256 * 1024)
/* LMDB's free-page database, always handle 0. */
#define FREE_DBI 0
/* A walk of 100000 pins takes milliseconds; a child still busy is stuck. */
#define PROBE_SECONDS 20

struct vh_tofu {
	MDB_env *env;
	MDB_dbi dbi;
	MDB_dbi sdbi; /* STAMP_DB */
	size_t max_entries;
	unsigned int damaged;        /* entries whose checksum failed, counted at open */
	unsigned int stamps_damaged; /* stamps whose checksum failed, overwritten */
	char path[PATH_MAX];
	char err[320];
};

/* LMDB results as negative errno values. */
static int
lmdb_errno(int rc)
{
	switch (rc) {
	case MDB_SUCCESS:
		return 0;
	case MDB_NOTFOUND:
		return -ENOENT;
	case MDB_MAP_FULL:
		return -ENOSPC;
	case MDB_INVALID:
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
	case MDB_VERSION_MISMATCH:
	case MDB_INCOMPATIBLE:
	case MDB_BAD_VALSIZE:
		return -EBADMSG;
	default:
		return rc > 0 ? -rc : -EIO;
	}
}

static int
db_fail(struct vh_tofu *t, int rc, const char *op)
{
	int e = lmdb_errno(rc);

	if (e == -EBADMSG)
		ident_fail(0, t->err, sizeof(t->err),
			"%s %s: %s: %s (corrupt or not an LMDB file: move it away to start "
			"with no pins)",
			WHAT, t->path, op, mdb_strerror(rc));
	else
		ident_fail(0, t->err, sizeof(t->err), "%s %s: %s: %s", WHAT, t->path, op,
			mdb_strerror(rc));
	return e;
}

static bool
valid_label(const char *label, size_t *len)
{
	size_t n = label != NULL ? strnlen(label, VH_TOFU_LABEL_MAX + 1) : 0;

	if (n < 1 || n > VH_TOFU_LABEL_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)label[i] < 0x20 || label[i] == 0x7f)
			return false;
	*len = n;
	return true;
}

/*
 * A stored entry as read back, checked, never trusted: 0 (sealed and
 * intact), 1 (a bare NodeID, the format before checksums) or -EBADMSG.
 */
static int
read_entry(const MDB_val *k, const MDB_val *v, uint8_t *nodeid)
{
	const uint8_t *d;
	size_t n;

	if (k->mv_size < 1 || k->mv_size > VH_TOFU_LABEL_MAX ||
		memchr(k->mv_data, '\0', k->mv_size) != NULL)
		return -EBADMSG;
	if (v->mv_size == VH_IDENTITY_NODEID_LEN) {
		memcpy(nodeid, v->mv_data, VH_IDENTITY_NODEID_LEN);
		return 1;
	}
	if (vh_identity_record_open(
		    DB_NAME, k->mv_data, k->mv_size, v->mv_data, v->mv_size, &d, &n) != 0 ||
		n != VH_IDENTITY_NODEID_LEN)
		return -EBADMSG;
	memcpy(nodeid, d, VH_IDENTITY_NODEID_LEN);
	return 0;
}

static int
put_sealed(MDB_txn *txn, MDB_dbi dbi, MDB_cursor *cur, const MDB_val *k, const uint8_t *nodeid,
	unsigned int flags)
{
	uint8_t sealed[SEALED_LEN];
	MDB_val v = {.mv_size = sizeof(sealed), .mv_data = sealed};

	if (vh_identity_record_seal(DB_NAME, k->mv_data, k->mv_size, nodeid, VH_IDENTITY_NODEID_LEN,
		    sealed, sizeof(sealed)) != SEALED_LEN)
		return EINVAL;
	return cur != NULL ? mdb_cursor_put(cur, (MDB_val *)(uintptr_t)k, &v, flags)
			   : mdb_put(txn, dbi, (MDB_val *)(uintptr_t)k, &v, flags);
}

/* Refuse a symlinked or world-accessible database before LMDB opens it. */
static int
check_files(const char *dir, char *path, size_t cap, char *err, size_t errlen)
{
	char lock[PATH_MAX + 8];
	int rc;

	if (snprintf(path, cap, "%s/%s", dir, DB_FILE) >= (int)cap)
		return ident_fail(-ENAMETOOLONG, err, errlen, "%s path too long", WHAT);
	rc = ident_check_private_path(path, WHAT, err, errlen);
	if (rc != 0 && rc != -ENOENT)
		return rc;
	snprintf(lock, sizeof(lock), "%s-lock", path);
	rc = ident_check_private_path(lock, WHAT " lock file", err, errlen);
	return rc == -ENOENT ? 0 : rc;
}

static int
open_env(struct vh_tofu *t)
{
	size_t map = MAP_BASE + t->max_entries * MAP_PER_ENTRY;
	long pg = sysconf(_SC_PAGESIZE);
	int rc;

	if (pg > 0)
		map = (map + (size_t)pg - 1) / (size_t)pg * (size_t)pg;
	rc = mdb_env_create(&t->env);
	if (rc != 0)
		return db_fail(t, rc, "mdb_env_create");
	rc = mdb_env_set_mapsize(t->env, map);
	if (rc == 0)
		rc = mdb_env_set_maxdbs(t->env, 2);
	if (rc == 0)
		rc = mdb_env_open(t->env, t->path, MDB_NOSUBDIR, 0600);
	return rc != 0 ? db_fail(t, rc, "open") : 0;
}

static int
open_dbi(struct vh_tofu *t)
{
	MDB_txn *txn;
	int rc = mdb_txn_begin(t->env, NULL, 0, &txn);

	if (rc != 0)
		return db_fail(t, rc, "begin");
	rc = mdb_dbi_open(txn, DB_NAME, MDB_CREATE, &t->dbi);
	if (rc != 0) {
		mdb_txn_abort(txn);
		return db_fail(t, rc, "open " DB_NAME);
	}
	rc = mdb_dbi_open(txn, STAMP_DB, MDB_CREATE, &t->sdbi);
	if (rc != 0) {
		mdb_txn_abort(txn);
		return db_fail(t, rc, "open " STAMP_DB);
	}
	rc = mdb_txn_commit(txn);
	return rc != 0 ? db_fail(t, rc, "commit") : 0;
}

/* Read every page a later operation may read: ours, the main and free DBs. */
static int
walk(struct vh_tofu *t, MDB_txn *txn, MDB_dbi dbi)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc = mdb_cursor_open(txn, dbi, &cur);

	for (int op = MDB_FIRST; rc == 0; op = MDB_NEXT)
		rc = mdb_cursor_get(cur, &k, &v, (MDB_cursor_op)op);
	if (rc != MDB_NOTFOUND)
		return db_fail(t, rc, "walk");
	mdb_cursor_close(cur);
	return 0;
}

static int
open_all(struct vh_tofu *t)
{
	MDB_txn *txn;
	MDB_dbi main_dbi;
	int rc = open_env(t);

	if (rc == 0)
		rc = open_dbi(t);
	if (rc == 0) /* checks every entry too, so damage is reported by name */
		rc = vh_tofu_list(t, NULL, NULL);
	if (rc < 0)
		return rc;
	rc = mdb_txn_begin(t->env, NULL, MDB_RDONLY, &txn);
	if (rc != 0)
		return db_fail(t, rc, "begin");
	rc = mdb_dbi_open(txn, NULL, 0, &main_dbi);
	rc = rc != 0 ? db_fail(t, rc, "open main") : walk(t, txn, main_dbi);
	if (rc == 0)
		rc = walk(t, txn, FREE_DBI);
	mdb_txn_abort(txn);
	return rc;
}

/*
 * In the probe child only: rewrite every pin in place and insert a key
 * beside each, in one transaction that is then aborted (nothing reaches
 * the file). That runs LMDB's copy-on-write and insert code over every
 * page a later pin or forget may modify.
 */
static int
exercise_writes(struct vh_tofu *t)
{
	uint8_t key[VH_TOFU_LABEL_MAX + 1];
	MDB_cursor *cur;
	MDB_txn *txn;
	MDB_val k, v;
	int rc = mdb_txn_begin(t->env, NULL, 0, &txn);

	if (rc != 0)
		return rc;
	rc = mdb_cursor_open(txn, t->dbi, &cur);
	for (int op = MDB_FIRST; rc == 0; op = MDB_NEXT) {
		size_t n;

		rc = mdb_cursor_get(cur, &k, &v, (MDB_cursor_op)op);
		if (rc != 0 || k.mv_size > VH_TOFU_LABEL_MAX || v.mv_size > SEALED_LEN)
			break;
		rc = mdb_cursor_put(cur, &k, &v, MDB_CURRENT);
		n = k.mv_size;
		memcpy(key, k.mv_data, n);
		if (rc == 0 && n < VH_TOFU_LABEL_MAX) {
			MDB_val k2 = {.mv_size = n + 1, .mv_data = key};

			key[n] = 1;
			rc = mdb_put(txn, t->dbi, &k2, &v, MDB_NOOVERWRITE);
			rc = rc == MDB_KEYEXIST ? 0 : rc;
			/* Go on after the inserted key (MDB_NEXT from there). */
			if (rc == 0)
				rc = mdb_cursor_get(cur, &k2, &v, MDB_SET);
		}
	}
	mdb_txn_abort(txn);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/*
 * LMDB trusts its pages: a damaged branch or leaf page can make it read
 * outside the map (SIGSEGV, SIGBUS). So the first full read happens in a
 * short-lived child; if that dies, the file is reported as corrupt instead
 * of taking the node down. Once at open, before the node's own open.
 */
static int
probe(struct vh_tofu *t)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return 0; /* cannot probe: the open below still checks all it can */
	if (pid == 0) {
		/* A crash must end the child, whatever handlers the process has. */
		static const int fatal[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGALRM};

		for (size_t i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
			signal(fatal[i], SIG_DFL);
		alarm(PROBE_SECONDS);
		status = open_all(t) == 0 && exercise_writes(t) == 0 ? 0 : 1;
		if (t->env != NULL)
			mdb_env_close(t->env); /* leave the lock file tidy */
		_exit(status);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 0;
	if (!WIFSIGNALED(status))
		return 0;
	return ident_fail(-EBADMSG, t->err, sizeof(t->err),
		"%s %s: LMDB died (signal %d) reading it: the file is corrupt (move it away "
		"to start with no pins)",
		WHAT, t->path, WTERMSIG(status));
}

/* A label from the file, printable for a log line: bytes below 0x20 as '?'. */
static void
printable(const MDB_val *k, char *out, size_t cap)
{
	size_t n = k->mv_size < cap - 1 ? k->mv_size : cap - 1;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = ((const unsigned char *)k->mv_data)[i];

		out[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	out[n] = '\0';
}

static void
report_damaged(struct vh_tofu *t, const char *label)
{
	ident_fail(0, t->err, sizeof(t->err),
		"%s %s: %u damaged pin(s) (checksum), first '%s': those labels are refused, and no "
		"new label is pinned until they are forgotten (docs/identity.md)",
		WHAT, t->path, t->damaged, label);
}

/*
 * Once at open, in one transaction: count the damaged entries and rewrite
 * bare NodeIDs (the format before checksums) sealed. An unsealed value is
 * trusted this once, as the previous binary trusted it every time.
 */
static int
scan(struct vh_tofu *t)
{
	uint8_t key[VH_TOFU_LABEL_MAX], id[VH_IDENTITY_NODEID_LEN];
	char first[64] = "";
	unsigned int migrated = 0;
	MDB_cursor *cur;
	MDB_txn *txn;
	MDB_val k, v;
	int rc = mdb_txn_begin(t->env, NULL, 0, &txn);

	if (rc != 0)
		return db_fail(t, rc, "begin");
	rc = mdb_cursor_open(txn, t->dbi, &cur);
	for (int op = MDB_FIRST; rc == 0; op = MDB_NEXT) {
		int e;

		rc = mdb_cursor_get(cur, &k, &v, (MDB_cursor_op)op);
		if (rc != 0)
			break;
		e = read_entry(&k, &v, id);
		if (e < 0 && t->damaged++ == 0)
			printable(&k, first, sizeof(first));
		if (e != 1)
			continue;
		memcpy(key, k.mv_data, k.mv_size);
		k.mv_data = key;
		rc = put_sealed(txn, t->dbi, cur, &k, id, MDB_CURRENT);
		migrated++;
	}
	if (rc != MDB_NOTFOUND) {
		mdb_txn_abort(txn);
		return db_fail(t, rc, "checking the pins");
	}
	if (t->damaged > 0)
		report_damaged(t, first);
	if (migrated == 0) {
		mdb_txn_abort(txn);
		return 0;
	}
	rc = mdb_txn_commit(txn);
	return rc != 0 ? db_fail(t, rc, "commit (sealing pins of the earlier format)") : 0;
}

struct vh_tofu *
vh_tofu_open(const char *dir, size_t max_entries, char *err, size_t errlen)
{
	struct vh_tofu *t;
	int rc;

	if (dir == NULL || max_entries < 1 || max_entries > VH_TOFU_MAX_ENTRIES) {
		errno = -ident_fail(-EINVAL, err, errlen,
			"%s: bad directory or entry bound (1..%d)", WHAT, VH_TOFU_MAX_ENTRIES);
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (t == NULL) {
		errno = -ident_fail(-ENOMEM, err, errlen, "%s: out of memory", WHAT);
		return NULL;
	}
	t->max_entries = max_entries;
	rc = ident_mkdir_private(dir, t->err, sizeof(t->err));
	if (rc == 0)
		rc = check_files(dir, t->path, sizeof(t->path), t->err, sizeof(t->err));
	if (rc == 0)
		rc = probe(t);
	if (rc == 0)
		rc = open_all(t);
	if (rc == 0)
		rc = scan(t);
	if (rc != 0) {
		ident_fail(0, err, errlen, "%s", t->err);
		vh_tofu_close(t);
		errno = -rc;
		return NULL;
	}
	return t;
}

void
vh_tofu_close(struct vh_tofu *t)
{
	if (t == NULL)
		return;
	if (t->env != NULL)
		mdb_env_close(t->env);
	free(t);
}

const char *
vh_tofu_errmsg(const struct vh_tofu *t)
{
	return t->err;
}

/* Read label's pin inside txn: 0, -ENOENT, -EBADMSG or another error. */
static int
get_pin(struct vh_tofu *t, MDB_txn *txn, const char *label, size_t n, uint8_t *nodeid)
{
	MDB_val k = {.mv_size = n, .mv_data = (void *)(uintptr_t)label}, v;
	int rc = mdb_get(txn, t->dbi, &k, &v);

	if (rc == MDB_NOTFOUND)
		return -ENOENT;
	if (rc != 0)
		return db_fail(t, rc, "get");
	if (read_entry(&k, &v, nodeid) < 0)
		return ident_fail(-EBADMSG, t->err, sizeof(t->err),
			"%s %s: the pin for %s is damaged (checksum): refused until it is "
			"forgotten",
			WHAT, t->path, label);
	return 0;
}

static int
add_pin(struct vh_tofu *t, MDB_txn *txn, const char *label, size_t n, const uint8_t *nodeid)
{
	MDB_val k = {.mv_size = n, .mv_data = (void *)(uintptr_t)label};
	MDB_stat st;
	int rc = mdb_stat(txn, t->dbi, &st);

	if (rc != 0)
		return db_fail(t, rc, "stat");
	if (st.ms_entries >= t->max_entries)
		return ident_fail(-ENOSPC, t->err, sizeof(t->err),
			"%s %s: full (%zu pins): not pinning %s", WHAT, t->path, t->max_entries,
			label);
	/* A damaged entry may have been this label's pin: no first use now. */
	if (t->damaged > 0)
		return ident_fail(-EBADMSG, t->err, sizeof(t->err),
			"%s %s: not pinning %s: %u damaged pin(s) in the store, one may have "
			"been its pin (forget them first)",
			WHAT, t->path, label, t->damaged);
	rc = put_sealed(txn, t->dbi, NULL, &k, nodeid, MDB_NOOVERWRITE);
	return rc != 0 ? db_fail(t, rc, "put") : 0;
}

int
vh_tofu_check_and_pin(struct vh_tofu *t, const char *label,
	const uint8_t nodeid[VH_IDENTITY_NODEID_LEN], uint8_t *pinned, bool *pinned_now)
{
	uint8_t old[VH_IDENTITY_NODEID_LEN];
	MDB_txn *txn;
	size_t n;
	int rc;

	if (pinned_now != NULL)
		*pinned_now = false;
	if (!valid_label(label, &n))
		return ident_fail(-EINVAL, t->err, sizeof(t->err), "%s: bad label", WHAT);
	rc = mdb_txn_begin(t->env, NULL, 0, &txn);
	if (rc != 0)
		return db_fail(t, rc, "begin");
	rc = get_pin(t, txn, label, n, old);
	if (rc == 0) {
		mdb_txn_abort(txn);
		if (pinned != NULL)
			memcpy(pinned, old, sizeof(old));
		return memcmp(old, nodeid, sizeof(old)) == 0 ? 0 : -EKEYREJECTED;
	}
	if (rc == -ENOENT)
		rc = add_pin(t, txn, label, n, nodeid);
	if (rc != 0) {
		mdb_txn_abort(txn);
		return rc;
	}
	rc = mdb_txn_commit(txn);
	if (rc != 0)
		return db_fail(t, rc, "commit");
	if (pinned != NULL)
		memcpy(pinned, nodeid, VH_IDENTITY_NODEID_LEN);
	if (pinned_now != NULL)
		*pinned_now = true;
	return 0;
}

int
vh_tofu_lookup(struct vh_tofu *t, const char *label, uint8_t nodeid[VH_IDENTITY_NODEID_LEN])
{
	MDB_txn *txn;
	size_t n;
	int rc;

	if (!valid_label(label, &n))
		return ident_fail(-EINVAL, t->err, sizeof(t->err), "%s: bad label", WHAT);
	rc = mdb_txn_begin(t->env, NULL, MDB_RDONLY, &txn);
	if (rc != 0)
		return db_fail(t, rc, "begin");
	rc = get_pin(t, txn, label, n, nodeid);
	mdb_txn_abort(txn);
	return rc;
}

int
vh_tofu_forget(struct vh_tofu *t, const char *label)
{
	uint8_t id[VH_IDENTITY_NODEID_LEN];
	MDB_txn *txn;
	MDB_val k, v;
	bool damaged;
	size_t n;
	int rc;

	if (!valid_label(label, &n))
		return ident_fail(-EINVAL, t->err, sizeof(t->err), "%s: bad label", WHAT);
	k.mv_size = n;
	k.mv_data = (void *)(uintptr_t)label;
	rc = mdb_txn_begin(t->env, NULL, 0, &txn);
	if (rc != 0)
		return db_fail(t, rc, "begin");
	rc = mdb_get(txn, t->dbi, &k, &v);
	damaged = rc == 0 && read_entry(&k, &v, id) < 0;
	if (rc == 0)
		rc = mdb_del(txn, t->dbi, &k, NULL);
	if (rc != 0) {
		mdb_txn_abort(txn);
		return rc == MDB_NOTFOUND ? -ENOENT : db_fail(t, rc, "delete");
	}
	rc = mdb_txn_commit(txn);
	if (rc != 0)
		return db_fail(t, rc, "commit");
	if (damaged && t->damaged > 0)
		t->damaged--;
	return 0;
}

static int
visit(struct vh_tofu *t, MDB_cursor *cur, vh_tofu_list_fn fn, void *ctx)
{
	char label[VH_TOFU_LABEL_MAX + 1];
	uint8_t id[VH_IDENTITY_NODEID_LEN];
	MDB_val k, v;
	int count = 0;

	for (int op = MDB_FIRST;; op = MDB_NEXT) {
		int rc = mdb_cursor_get(cur, &k, &v, (MDB_cursor_op)op);

		if (rc == MDB_NOTFOUND)
			return count;
		if (rc != 0)
			return db_fail(t, rc, "list");
		if (read_entry(&k, &v, id) < 0)
			continue; /* damaged: counted at open, never handed out */
		memcpy(label, k.mv_data, k.mv_size);
		label[k.mv_size] = '\0';
		count++;
		if (fn != NULL && fn(ctx, label, id) != 0)
			return count;
	}
}

int
vh_tofu_list(struct vh_tofu *t, vh_tofu_list_fn fn, void *ctx)
{
	MDB_txn *txn;
	MDB_cursor *cur;
	int rc = mdb_txn_begin(t->env, NULL, MDB_RDONLY, &txn);

	if (rc != 0)
		return db_fail(t, rc, "begin");
	rc = mdb_cursor_open(txn, t->dbi, &cur);
	if (rc != 0) {
		mdb_txn_abort(txn);
		return db_fail(t, rc, "cursor");
	}
	rc = visit(t, cur, fn, ctx);
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	return rc;
}

int
vh_tofu_count(struct vh_tofu *t)
{
	MDB_txn *txn;
	MDB_stat st;
	int rc = mdb_txn_begin(t->env, NULL, MDB_RDONLY, &txn);

	if (rc != 0)
		return db_fail(t, rc, "begin");
	rc = mdb_stat(txn, t->dbi, &st);
	mdb_txn_abort(txn);
	if (rc != 0)
		return db_fail(t, rc, "stat");
	return st.ms_entries > INT_MAX ? INT_MAX : (int)st.ms_entries;
}

unsigned int
vh_tofu_damaged(const struct vh_tofu *t)
{
	return t->damaged;
}

int
vh_tofu_forget_damaged(struct vh_tofu *t)
{
	uint8_t id[VH_IDENTITY_NODEID_LEN];
	MDB_cursor *cur;
	MDB_txn *txn;
	MDB_val k, v;
	int gone = 0;
	int rc = mdb_txn_begin(t->env, NULL, 0, &txn);

	if (rc != 0)
		return db_fail(t, rc, "begin");
	rc = mdb_cursor_open(txn, t->dbi, &cur);
	/* MDB_NEXT after a delete gives the entry that followed the deleted one */
	for (int op = MDB_FIRST; rc == 0; op = MDB_NEXT) {
		rc = mdb_cursor_get(cur, &k, &v, (MDB_cursor_op)op);
		if (rc != 0 || read_entry(&k, &v, id) >= 0)
			continue;
		rc = mdb_cursor_del(cur, 0);
		gone++;
	}
	if (rc != MDB_NOTFOUND) {
		mdb_txn_abort(txn);
		return db_fail(t, rc, "forgetting damaged pins");
	}
	rc = mdb_txn_commit(txn);
	if (rc != 0)
		return db_fail(t, rc, "commit");
	t->damaged = 0;
	return gone;
}

/* The stored stamp of nodeid into last: 0, -ENOENT (none, or damaged: skipped). */
static int
stamp_get(struct vh_tofu *t, MDB_txn *txn, MDB_val *k, uint8_t *last)
{
	const uint8_t *d;
	MDB_val v;
	size_t n;
	int rc = mdb_get(txn, t->sdbi, k, &v);

	if (rc == MDB_NOTFOUND)
		return -ENOENT;
	if (rc != 0)
		return db_fail(t, rc, "get stamp");
	if (vh_identity_record_open(
		    STAMP_DB, k->mv_data, k->mv_size, v.mv_data, v.mv_size, &d, &n) != 0 ||
		n != VH_IDENTITY_TAI64N_LEN) {
		/* no floor rather than a wrong one; the next accepted stamp replaces it */
		t->stamps_damaged++;
		return -ENOENT;
	}
	memcpy(last, d, n);
	return 0;
}

static int
stamp_put(struct vh_tofu *t, MDB_txn *txn, MDB_val *k, const uint8_t *ts)
{
	uint8_t sealed[STAMP_SEALED];
	MDB_val v = {.mv_size = sizeof(sealed), .mv_data = sealed};
	MDB_stat st;
	int rc = mdb_stat(txn, t->sdbi, &st);

	if (rc != 0)
		return db_fail(t, rc, "stat stamps");
	if (st.ms_entries >= t->max_entries && mdb_get(txn, t->sdbi, k, &(MDB_val){0}) != 0)
		return -ENOSPC;
	vh_identity_record_seal(STAMP_DB, k->mv_data, k->mv_size, ts, VH_IDENTITY_TAI64N_LEN,
		sealed, sizeof(sealed));
	rc = mdb_put(txn, t->sdbi, k, &v, 0);
	return rc != 0 ? db_fail(t, rc, "put stamp") : 0;
}

int
vh_tofu_stamp(struct vh_tofu *t, const uint8_t nodeid[VH_IDENTITY_NODEID_LEN], const uint8_t *ts)
{
	uint8_t last[VH_IDENTITY_TAI64N_LEN];
	MDB_val k = {.mv_size = VH_IDENTITY_NODEID_LEN, .mv_data = (void *)(uintptr_t)nodeid};
	MDB_txn *txn;
	int rc;

	if (t == NULL || nodeid == NULL)
		return -EINVAL;
	rc = mdb_txn_begin(t->env, NULL, ts != NULL ? 0 : MDB_RDONLY, &txn);
	if (rc != 0)
		return db_fail(t, rc, "begin");
	rc = stamp_get(t, txn, &k, last);
	/* no stamp from a NodeID that sent one before: replay of an old message */
	if (rc == 0 && (ts == NULL || memcmp(ts, last, sizeof(last)) <= 0))
		rc = -ESTALE;
	else if (rc == -ENOENT || rc == 0)
		rc = ts != NULL ? stamp_put(t, txn, &k, ts) : 0;
	if (rc != 0 || ts == NULL) {
		mdb_txn_abort(txn);
		return rc == -ENOSPC ? 0 : rc; /* full: accepted, not remembered */
	}
	rc = mdb_txn_commit(txn);
	return rc != 0 ? db_fail(t, rc, "commit stamp") : 0;
}

unsigned int
vh_tofu_stamps_damaged(const struct vh_tofu *t)
{
	return t->stamps_damaged;
}

int
vh_tofu_stamp_payload(struct vh_tofu *t, const uint8_t nodeid[VH_IDENTITY_NODEID_LEN],
	const uint8_t *pl, size_t plen)
{
	struct vh_identity_payload p;
	int rc = vh_identity_payload_decode(pl, plen, &p);

	if (rc != 0)
		return rc;
	return vh_tofu_stamp(t, nodeid, p.has_timestamp ? p.timestamp : NULL);
}
