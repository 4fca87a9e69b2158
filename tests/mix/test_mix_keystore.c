/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The mix key store (keystore.c) on a real LMDB file: keys written, the
 * store reopened and the keys loaded; expired epochs deleted; a record with
 * a byte flipped in the file skipped (keys) or refused (filters); modes
 * 0700 / 0600 and a directory open to others refused; replay filters saved
 * and loaded bit for bit; a key set started from saved keys keeps its
 * public keys (a restarted mixnode's descriptors stay valid).
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

#include <cmocka.h>

#include "../vh_test_flip.h"
#include <sodium.h>

#include "mix_rng.h"
#include "vh_mix.h"

#define CAP 1000
#define FP 1e-6

static char root[256];
static char dir[300];

static int
setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/vh-mixkeys-XXXXXX");
	assert_non_null(mkdtemp(root));
	snprintf(dir, sizeof(dir), "%s/mix-keys", root);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[400];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static size_t
image_len(void)
{
	struct vh_mix_replay *f = vh_mix_replay_create(CAP, FP);
	size_t n = vh_mix_replay_image_len(f);

	vh_mix_replay_free(f);
	return n;
}

static struct vh_mix_store *
open_store(void)
{
	char err[320] = "";
	struct vh_mix_store *s = vh_mix_store_open(dir, image_len(), err, sizeof(err));

	if (s == NULL)
		fail_msg("open: %s", err);
	return s;
}

static void
priv_of(uint64_t epoch, uint8_t priv[32])
{
	memset(priv, 0, 32);
	for (unsigned int i = 0; i < 32; i++)
		priv[i] = (uint8_t)(0xa0 + i + 7 * epoch);
}

/* Damage the store's file name wherever pat occurs, off bytes on from it. */
static void
flip_in_file(const char *name, const uint8_t *pat, size_t patlen, size_t off)
{
	char path[400];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (vh_test_flip_in_file(path, pat, patlen, off, 0x20) == 0)
		fail_msg("pattern not found in %s", path);
}

static void
test_write_reopen_load(void **state)
{
	struct vh_mix_saved_key out[4];
	struct vh_mix_store_scan sc;
	struct vh_mix_store *s;
	uint8_t priv[32];
	struct stat st;
	char path[400];

	(void)state;
	s = open_store();
	for (uint64_t e = 100; e <= 102; e++) {
		priv_of(e, priv);
		assert_int_equal(vh_mix_store_put_key(s, e, priv), 0);
	}
	vh_mix_store_close(s);

	/* modes: the directory 0700, the files 0600 */
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	snprintf(path, sizeof(path), "%s/lock.mdb", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	s = open_store();
	assert_int_equal(vh_mix_store_load_keys(s, 100, out, 4, &sc), 3);
	assert_int_equal(sc.expired, 0);
	assert_int_equal(sc.corrupt, 0);
	for (unsigned int i = 0; i < 3; i++) {
		assert_int_equal(out[i].epoch, 100 + i);
		priv_of(100 + i, priv);
		assert_memory_equal(out[i].priv, priv, 32);
	}
	/* at most max: the rest counted, not returned */
	assert_int_equal(vh_mix_store_load_keys(s, 100, out, 2, &sc), 2);
	assert_int_equal(sc.skipped, 1);
	vh_mix_store_close(s);
}

static void
test_expired_deleted(void **state)
{
	struct vh_mix_saved_key out[4];
	struct vh_mix_store_scan sc;
	struct vh_mix_replay *f = vh_mix_replay_create(CAP, FP);
	struct vh_mix_store *s;
	uint8_t priv[32];

	(void)state;
	s = open_store();
	for (uint64_t e = 5; e <= 7; e++) {
		priv_of(e, priv);
		assert_int_equal(vh_mix_store_put_key(s, e, priv), 0);
		assert_int_equal(vh_mix_store_put_replay(s, e, f), 0);
	}
	/* epoch 5 is over: its key and its filter are deleted */
	assert_int_equal(vh_mix_store_load_keys(s, 6, out, 4, &sc), 2);
	assert_int_equal(sc.expired, 2);
	assert_int_equal(out[0].epoch, 6);
	assert_int_equal(out[1].epoch, 7);
	vh_mix_store_close(s);

	s = open_store();
	assert_int_equal(vh_mix_store_load_keys(s, 0, out, 4, &sc), 2);
	assert_int_equal(out[0].epoch, 6);
	assert_int_equal(vh_mix_store_get_replay(s, 5, f), -ENOENT);
	assert_int_equal(vh_mix_store_get_replay(s, 6, f), 0);
	/* prune as a key is wiped */
	assert_int_equal(vh_mix_store_prune(s, 7), 2);
	assert_int_equal(vh_mix_store_load_keys(s, 0, out, 4, &sc), 1);
	assert_int_equal(out[0].epoch, 7);
	vh_mix_store_close(s);
	vh_mix_replay_free(f);
}

static void
test_corrupt_key_skipped(void **state)
{
	struct vh_mix_saved_key out[4];
	struct vh_mix_store_scan sc;
	struct vh_mix_store *s;
	uint8_t priv[32];

	(void)state;
	s = open_store();
	for (uint64_t e = 10; e <= 11; e++) {
		priv_of(e, priv);
		assert_int_equal(vh_mix_store_put_key(s, e, priv), 0);
	}
	vh_mix_store_close(s);
	priv_of(10, priv);
	flip_in_file("data.mdb", priv, 32, 5);

	s = open_store();
	assert_int_equal(vh_mix_store_load_keys(s, 0, out, 4, &sc), 1);
	assert_int_equal(sc.corrupt, 1);
	assert_int_equal(out[0].epoch, 11);
	assert_non_null(strstr(vh_mix_store_error(s), "epoch 10"));
	/* a new key for the epoch replaces the damaged record */
	assert_int_equal(vh_mix_store_put_key(s, 10, priv), 0);
	assert_int_equal(vh_mix_store_load_keys(s, 0, out, 4, &sc), 2);
	assert_int_equal(sc.corrupt, 0);
	assert_memory_equal(out[0].priv, priv, 32);
	vh_mix_store_close(s);
}

/* A tag with random block and bits. */
static void
tag_of(unsigned int i, uint8_t tag[VH_SPHINX_REPLAY_TAG_LEN])
{
	uint8_t seed[randombytes_SEEDBYTES] = {0};

	memcpy(seed, &i, sizeof(i));
	randombytes_buf_deterministic(tag, VH_SPHINX_REPLAY_TAG_LEN, seed);
}

static void
test_filter_saved_and_loaded(void **state)
{
	struct vh_mix_replay *f = vh_mix_replay_create(CAP, FP), *g, *other;
	struct vh_mix_replay_plan plan;
	struct vh_mix_store *s;
	uint8_t tag[VH_SPHINX_REPLAY_TAG_LEN], hdr[18];
	unsigned int fresh_hits = 0;

	(void)state;
	for (unsigned int i = 0; i < 500; i++) {
		tag_of(i, tag);
		assert_int_equal(vh_mix_replay_test_and_set(f, tag), 0);
	}
	s = open_store();
	assert_int_equal(vh_mix_store_put_replay(s, 42, f), 0);
	vh_mix_store_close(s);

	s = open_store();
	g = vh_mix_replay_create(CAP, FP);
	assert_int_equal(vh_mix_store_get_replay(s, 41, g), -ENOENT);
	assert_int_equal(vh_mix_store_get_replay(s, 42, g), 0);
	assert_int_equal(vh_mix_replay_count(g), 500);
	for (unsigned int i = 0; i < 500; i++) {
		tag_of(i, tag);
		assert_int_equal(vh_mix_replay_test(g, tag), 1);
	}
	for (unsigned int i = 500; i < 1500; i++) {
		tag_of(i, tag);
		fresh_hits += vh_mix_replay_test(g, tag) == 1;
	}
	assert_true(fresh_hits <= 1); /* 1e-6 at capacity */
	/* sized for another capacity: refused, the filter untouched */
	other = vh_mix_replay_create(CAP * 10, FP);
	assert_int_equal(vh_mix_store_get_replay(s, 42, other), -EINVAL);
	assert_int_equal(vh_mix_replay_count(other), 0);
	vh_mix_replay_free(other);
	vh_mix_store_close(s);

	/* a byte flipped in the image: refused, the filter left empty */
	vh_mix_replay_plan_get(f, &plan);
	hdr[0] = 1;
	for (unsigned int i = 0; i < 8; i++) {
		hdr[1 + i] = (uint8_t)(plan.nr_blocks >> (56 - 8 * i));
		hdr[10 + i] = (uint8_t)((uint64_t)500 >> (56 - 8 * i));
	}
	hdr[9] = (uint8_t)plan.k;
	flip_in_file("data.mdb", hdr, sizeof(hdr), sizeof(hdr) + vh_mix_replay_image_len(f) / 2);
	s = open_store();
	vh_mix_replay_reset(g);
	assert_int_equal(vh_mix_store_get_replay(s, 42, g), -EBADMSG);
	assert_int_equal(vh_mix_replay_count(g), 0);
	tag_of(0, tag);
	assert_int_equal(vh_mix_replay_test(g, tag), 0);
	assert_non_null(strstr(vh_mix_store_error(s), "checksum"));
	vh_mix_store_close(s);
	vh_mix_replay_free(f);
	vh_mix_replay_free(g);
}

static void
test_refuses_open_dir(void **state)
{
	char err[320] = "", link[320];
	struct vh_mix_store *s;

	(void)state;
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(chmod(dir, 0755), 0);
	s = vh_mix_store_open(dir, image_len(), err, sizeof(err));
	assert_null(s);
	assert_int_equal(errno, EPERM);
	assert_non_null(strstr(err, "chmod 700"));
	/* a symlink to a private directory is refused too */
	assert_int_equal(chmod(dir, 0700), 0);
	snprintf(link, sizeof(link), "%s/link", root);
	assert_int_equal(symlink(dir, link), 0);
	s = vh_mix_store_open(link, image_len(), err, sizeof(err));
	assert_null(s);
	assert_int_equal(errno, EPERM);
	s = vh_mix_store_open(dir, image_len(), err, sizeof(err));
	assert_non_null(s);
	vh_mix_store_close(s);
}

#define E 60000u
#define GRACE 10000u
#define AHEAD 20000u

static const struct vh_mix_epoch_conf conf = {
	.epoch_ms = E,
	.grace_ms = GRACE,
	.publish_ahead_ms = AHEAD,
	.replay_capacity = CAP,
	.replay_fp_rate = FP,
};

/* Save every key of k the way the node does (as they are made). */
static void
save_all(struct vh_mix_store *s, const struct vh_mix_keys *k)
{
	struct vh_mix_key_info ki[VH_MIX_KEYS_SLOTS];
	unsigned int n = vh_mix_keys_info(k, ki, VH_MIX_KEYS_SLOTS);
	uint8_t priv[32];

	for (unsigned int i = 0; i < n; i++) {
		assert_int_equal(vh_mix_keys_private(k, ki[i].epoch, priv), 0);
		assert_int_equal(vh_mix_store_put_key(s, ki[i].epoch, priv), 0);
	}
}

static void
test_restart_keeps_keys(void **state)
{
	/* epoch 1000, 45 s in: current and next exist (publish window) */
	uint64_t t = 1000ull * E + 45000;
	struct vh_mix_key_info before[3], after[3];
	struct vh_mix_saved_key saved[4];
	struct vh_mix_keys_stats st;
	struct vh_mix_store_scan sc;
	struct vh_mix_keys *k;
	struct vh_mix_store *s;
	struct det_rng rng;
	unsigned int nb, na;
	int n;

	(void)state;
	assert_int_equal(vh_mix_epoch_oldest(&conf, 1000ull * E + 5000), 999);
	assert_int_equal(vh_mix_epoch_oldest(&conf, 1000ull * E + GRACE), 1000);
	assert_int_equal(vh_mix_epoch_oldest(&conf, 5000), 0);
	det_rng_init(&rng, 1);
	k = vh_mix_keys_create(&conf, t, det_rng, &rng);
	nb = vh_mix_keys_info(k, before, 3);
	assert_int_equal(nb, 2);
	s = open_store();
	save_all(s, k);
	/* an expired key too: epoch 998 */
	priv_of(998, saved[0].priv);
	assert_int_equal(vh_mix_store_put_key(s, 998, saved[0].priv), 0);
	vh_mix_keys_free(k);
	vh_mix_store_close(s);

	/* the restart, 3 s later */
	s = open_store();
	n = vh_mix_store_load_keys(s, vh_mix_epoch_oldest(&conf, t + 3000), saved, 4, &sc);
	assert_int_equal(n, 2);
	assert_int_equal(sc.expired, 1);
	det_rng_init(&rng, 2); /* another RNG: anything generated would differ */
	k = vh_mix_keys_create_saved(&conf, t + 3000, det_rng, &rng, saved, (unsigned int)n);
	assert_non_null(k);
	na = vh_mix_keys_info(k, after, 3);
	assert_int_equal(na, nb);
	for (unsigned int i = 0; i < na; i++) {
		assert_int_equal(after[i].epoch, before[i].epoch);
		assert_int_equal(after[i].state, before[i].state);
		assert_memory_equal(after[i].public_key, before[i].public_key, 32);
	}
	vh_mix_keys_stats_get(k, &st);
	assert_int_equal(st.restored, 2);
	assert_int_equal(st.generated, 0);
	vh_mix_keys_free(k);

	/* restarted in the next epoch's grace: the old current is previous, kept */
	k = vh_mix_keys_create_saved(&conf, 1001ull * E + 2000, det_rng, &rng, saved, 2);
	na = vh_mix_keys_info(k, after, 3);
	assert_int_equal(after[0].epoch, 1001);
	assert_memory_equal(after[0].public_key, before[1].public_key, 32);
	assert_int_equal(after[1].epoch, 1000);
	assert_int_equal(after[1].state, VH_MIX_KEY_PREVIOUS);
	assert_memory_equal(after[1].public_key, before[0].public_key, 32);
	vh_mix_keys_free(k);

	/* after the grace: the old current is not taken back */
	k = vh_mix_keys_create_saved(&conf, 1001ull * E + GRACE, det_rng, &rng, saved, 2);
	vh_mix_keys_stats_get(k, &st);
	assert_int_equal(st.restored, 1);
	na = vh_mix_keys_info(k, after, 3);
	for (unsigned int i = 0; i < na; i++)
		assert_true(after[i].epoch != 1000);
	vh_mix_keys_free(k);
	sodium_memzero(saved, sizeof(saved));
	vh_mix_store_close(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_write_reopen_load, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expired_deleted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_key_skipped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filter_saved_and_loaded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuses_open_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restart_keeps_keys, setup, teardown),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
