/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/ygg persistence in LMDB: a node's routing table and record cache
 * survive a restart (save, new instance, load), the files are private, a
 * first start finds nothing, another node's state and a damaged file are
 * refused with an error, never a crash.
 */
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dht_test.h"

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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_survives_restart),
		cmocka_unit_test(test_first_start_and_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
