/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/ygg persistence in LMDB: a node's routing table and record cache
 * survive a restart (save, new instance, load), the files are private, a
 * first start finds nothing, another node's state and a damaged file are
 * refused with an error, never a crash; one bit flipped inside the stored
 * value is caught by its checksum and nothing of it is loaded; a value of
 * the format before checksums loads and is sealed at the next save.
 */
#include <dirent.h>
#include <fcntl.h>

#include <lmdb.h>

#include "vh_identity.h"
#include <sys/stat.h>
#include <unistd.h>

#include "dht_test.h"

#include "../vh_test_flip.h"

static const uint8_t src[32] = {0xa};

static struct vh_dht *
make(struct fake *f, uint8_t self_byte)
{
	uint8_t self[32];
	struct vh_dht_config cfg;

	memset(self, self_byte, sizeof(self));
	cfg = fake_config(f, self);
	return vh_dht_create(&cfg, T0);
}

static void
populate(struct vh_dht *d)
{
	uint64_t rng = 9;
	uint8_t r[VH_DHT_REC_MAX];

	for (int i = 0; i < 25; i++) {
		struct vh_dht_msg m = {.type = VH_DHT_PING, .txid = 1};
		struct vh_dht_contact who;
		uint8_t id[32], buf[8];
		int n = vh_dht_msg_encode(&m, buf, sizeof(buf));

		fill_rand(&rng, id, 32);
		contact_of(&who, id, (unsigned)i);
		vh_dht_input(d, id, who.addr, who.addr_len, buf, (size_t)n, T0);
	}
	for (int i = 0; i < 4; i++) {
		struct key k;
		int n;

		key_from(&k, (uint8_t)(40 + i));
		n = make_record(&k, 7, T0, "/udp/192.0.2.7:22088", r);
		assert_int_equal(vh_dht_store_record(d, src, r, (size_t)n, T0), 0);
	}
}

static uint32_t
table_size(struct vh_dht *d)
{
	struct vh_dht_stats st;

	vh_dht_get_stats(d, &st);
	return st.table_size;
}

static void
rmtree(const char *dir)
{
	char path[512];
	DIR *dp = opendir(dir);
	struct dirent *e;

	while (dp != NULL && (e = readdir(dp)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	if (dp != NULL)
		closedir(dp);
	rmdir(dir);
}

static void
test_survives_restart(void **state)
{
	char base[] = "/tmp/vh-dht-persist-XXXXXX", dir[256], err[256] = "", path[300];
	struct fake f1, f2;
	struct vh_dht *a, *b;
	struct vh_dht_record got;
	struct key k;
	struct stat st;

	(void)state;
	assert_non_null(mkdtemp(base));
	snprintf(dir, sizeof(dir), "%s/state", base);
	a = make(&f1, 0x55);
	populate(a);
	assert_int_equal(table_size(a), 25);
	assert_int_equal(vh_dht_persist_save(a, dir, err, sizeof(err)), 0);
	vh_dht_destroy(a);

	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	snprintf(path, sizeof(path), "%s/dht.mdb", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	b = make(&f2, 0x55);
	assert_int_equal(table_size(b), 0);
	assert_int_equal(vh_dht_persist_load(b, dir, T0 + 1000, err, sizeof(err)), 29);
	assert_int_equal(table_size(b), 25);
	key_from(&k, 42);
	assert_int_equal(vh_dht_get_record(b, k.id, &got), 0);
	assert_int_equal(got.seq, 7);
	/* saving again replaces the state */
	assert_int_equal(vh_dht_persist_save(b, dir, err, sizeof(err)), 0);
	vh_dht_destroy(b);
	rmtree(dir);
	rmdir(base);
}

static void
test_first_start_and_refusals(void **state)
{
	char base[] = "/tmp/vh-dht-persist-XXXXXX", dir[256], err[256] = "", path[300];
	struct fake f1, f2;
	struct vh_dht *a, *other;
	FILE *fp;

	(void)state;
	assert_non_null(mkdtemp(base));
	snprintf(dir, sizeof(dir), "%s/state", base);
	a = make(&f1, 0x55);
	/* nothing saved yet: a first start */
	assert_int_equal(vh_dht_persist_load(a, dir, T0, err, sizeof(err)), 0);
	populate(a);
	assert_int_equal(vh_dht_persist_save(a, dir, err, sizeof(err)), 0);
	/* the state of another NodeID is refused, and says so */
	other = make(&f2, 0x66);
	err[0] = '\0';
	assert_int_equal(vh_dht_persist_load(other, dir, T0, err, sizeof(err)), -EXDEV);
	assert_non_null(strstr(err, "another NodeID"));
	assert_int_equal(table_size(other), 0);
	vh_dht_destroy(other);
	/* a damaged file: an error, not a crash */
	snprintf(path, sizeof(path), "%s/dht.mdb", dir);
	fp = fopen(path, "r+b");
	assert_non_null(fp);
	for (long off = 0; off < 8192; off += 61) {
		fseek(fp, off, SEEK_SET);
		fputc(0xa5, fp);
	}
	fclose(fp);
	vh_dht_destroy(a);
	a = make(&f1, 0x55);
	assert_true(vh_dht_persist_load(a, dir, T0, err, sizeof(err)) <= 29);
	/* a bad directory */
	assert_true(vh_dht_persist_save(a, "/proc/nonexistent/x", err, sizeof(err)) < 0);
	assert_true(strlen(err) > 0);
	vh_dht_destroy(a);
	rmtree(dir);
	rmdir(base);
}

/*
 * One bit of one contact's ID flipped in the file: without the checksum the
 * import took the wrong ID as a contact; now the whole value is refused and
 * reported, and nothing of it enters the table.
 */
static void
test_flipped_value(void **state)
{
	char base[] = "/tmp/vh-dht-persist-XXXXXX", dir[256], err[256] = "", path[300];
	uint64_t rng = 9;
	uint8_t first[32];
	struct fake f1, f2;
	struct vh_dht *a;

	(void)state;
	assert_non_null(mkdtemp(base));
	snprintf(dir, sizeof(dir), "%s/state", base);
	snprintf(path, sizeof(path), "%s/dht.mdb", dir);
	a = make(&f1, 0x55);
	populate(a);
	assert_int_equal(vh_dht_persist_save(a, dir, err, sizeof(err)), 0);
	vh_dht_destroy(a);
	fill_rand(&rng, first, 32); /* populate()'s first contact */
	assert_true(vh_test_flip_in_file(path, first, 32, 16, 0x10) >= 1);
	a = make(&f2, 0x55);
	assert_int_equal(vh_dht_persist_load(a, dir, T0, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "damaged"));
	assert_int_equal(table_size(a), 0);
	/* the next save replaces it with a good one */
	populate(a);
	assert_int_equal(vh_dht_persist_save(a, dir, err, sizeof(err)), 0);
	vh_dht_destroy(a);
	a = make(&f1, 0x55);
	assert_int_equal(vh_dht_persist_load(a, dir, T0, err, sizeof(err)), 29);
	vh_dht_destroy(a);
	rmtree(dir);
	rmdir(base);
}

/* The value as raw LMDB holds it: put (v != NULL) or get into out. */
static size_t
raw(const char *path, const uint8_t *v, size_t n, uint8_t *out, size_t cap)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val k = {5, "state"}, val = {n, (void *)(uintptr_t)v};

	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 2), 0);
	assert_int_equal(mdb_env_open(env, path, MDB_NOSUBDIR, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "dht-v1", MDB_CREATE, &dbi), 0);
	if (v != NULL)
		assert_int_equal(mdb_put(txn, dbi, &k, &val, 0), 0);
	else {
		assert_int_equal(mdb_get(txn, dbi, &k, &val), 0);
		assert_true(val.mv_size <= cap);
		memcpy(out, val.mv_data, val.mv_size);
	}
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
	return val.mv_size;
}

/* A bare export blob, as the binary before checksums stored it. */
static void
test_old_format(void **state)
{
	char base[] = "/tmp/vh-dht-persist-XXXXXX", dir[256], err[256] = "", path[300];
	static uint8_t blob[1 << 20], back[1 << 20];
	struct fake f1, f2;
	struct vh_dht *a;
	long n;
	size_t m;

	(void)state;
	assert_non_null(mkdtemp(base));
	snprintf(dir, sizeof(dir), "%s/state", base);
	snprintf(path, sizeof(path), "%s/dht.mdb", dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	a = make(&f1, 0x55);
	populate(a);
	n = vh_dht_export(a, blob, sizeof(blob));
	assert_true(n > 0);
	vh_dht_destroy(a);
	raw(path, blob, (size_t)n, NULL, 0);
	a = make(&f2, 0x55);
	assert_int_equal(vh_dht_persist_load(a, dir, T0, err, sizeof(err)), 29);
	assert_int_equal(vh_dht_persist_save(a, dir, err, sizeof(err)), 0);
	vh_dht_destroy(a);
	m = raw(path, NULL, 0, back, sizeof(back));
	assert_int_equal(m, (size_t)n + VH_IDENTITY_RECORD_OVERHEAD);
	assert_int_equal(back[0], VH_IDENTITY_RECORD_VERSION);
	assert_memory_equal(back + 1, "VHDT", 4);
	rmtree(dir);
	rmdir(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_survives_restart),
		cmocka_unit_test(test_first_start_and_refusals),
		cmocka_unit_test(test_flipped_value),
		cmocka_unit_test(test_old_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
