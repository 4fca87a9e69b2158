/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * AEAD engines without EAL: libsodium and ipsec-mb against Wycheproof, against
 * each other, and against tampering. Argument: the Wycheproof JSON file.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aead_check.h"
#include "vh_aead.h"

static const char *vectors;

static void
wycheproof(enum vh_aead_kind kind)
{
	static const unsigned int bursts[] = {1, 7, 64};
	struct vh_aead *e = vh_aead_create(kind, NULL);
	struct wyche_stats st;

	assert_non_null(e);
	for (size_t i = 0; i < sizeof(bursts) / sizeof(bursts[0]); i++) {
		assert_int_equal(wyche_run(e, vectors, bursts[i], &st), 0);
		printf("# %s, bursts of %u: %u cases run (%u valid, %u invalid), %u skipped: "
		       "nonce not 12 bytes (IETF ChaCha20-Poly1305 takes only 96-bit nonces)\n",
			vh_aead_name(e), bursts[i], st.run, st.valid, st.invalid, st.skip_nonce);
		assert_int_equal(st.run, WYCHE_EXPECT_RUN);
		assert_int_equal(st.run + st.skip_nonce, st.total);
		assert_int_equal(st.skip_aad, 0);
	}
	vh_aead_destroy(e);
}

static void
test_wycheproof_sodium(void **state)
{
	(void)state;
	wycheproof(VH_AEAD_SODIUM);
}

static void
test_wycheproof_ipsecmb(void **state)
{
	(void)state;
	wycheproof(VH_AEAD_IPSECMB);
}

static void
test_equal(void **state)
{
	struct vh_aead *e[3];
	const char *env = getenv("VH_AEAD_SEED");
	uint64_t seed = env != NULL ? strtoull(env, NULL, 0) : 0x5eed;

	(void)state;
	e[0] = vh_aead_create(VH_AEAD_SODIUM, NULL);
	e[1] = vh_aead_create(VH_AEAD_IPSECMB, NULL);
	/* A second ipsec-mb instance, as another lcore would have. */
	e[2] = vh_aead_create(VH_AEAD_IPSECMB, NULL);
	assert_non_null(e[0]);
	assert_non_null(e[1]);
	assert_non_null(e[2]);
	printf("# equality seed %llu\n", (unsigned long long)seed);
	assert_int_equal(check_equal(e, 3, seed, 200), 0);
	for (int i = 0; i < 3; i++)
		vh_aead_destroy(e[i]);
}

static void
test_tamper(void **state)
{
	(void)state;
	for (int k = VH_AEAD_SODIUM; k <= VH_AEAD_IPSECMB; k++) {
		struct vh_aead *e = vh_aead_create((enum vh_aead_kind)k, NULL);

		assert_non_null(e);
		for (uint64_t seed = 1; seed <= 20; seed++)
			assert_int_equal(check_tamper(e, seed), 0);
		vh_aead_destroy(e);
	}
}

static void
test_invalid_ops(void **state)
{
	(void)state;
	for (int k = VH_AEAD_SODIUM; k <= VH_AEAD_IPSECMB; k++) {
		struct vh_aead *e = vh_aead_create((enum vh_aead_kind)k, NULL);

		assert_non_null(e);
		assert_int_equal(check_invalid(e), 0);
		vh_aead_destroy(e);
	}
}

/* One call with several ipsec-mb chunks (64 jobs each) and a partial one. */
static void
test_big_burst(void **state)
{
	enum { N = 300 };
	struct vh_aead *s = vh_aead_create(VH_AEAD_SODIUM, NULL);
	struct vh_aead *m = vh_aead_create(VH_AEAD_IPSECMB, NULL);
	static uint8_t pt[N][80], a[N][80], b[N][80], ta[N][16], tb[N][16];
	static struct vh_aead_op oa[N], ob[N];
	uint8_t key[VH_AEAD_KEY_LEN];

	(void)state;
	assert_non_null(s);
	assert_non_null(m);
	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(i * 7 + 3);
	for (unsigned int j = 0; j < N; j++) {
		memset(pt[j], (int)j, sizeof(pt[j]));
		oa[j] = (struct vh_aead_op){
			.key = key, .src = pt[j], .dst = a[j], .len = 80, .tag = ta[j]};
		vh_aead_nonce(oa[j].nonce, 1000 + j);
		ob[j] = oa[j];
		ob[j].dst = b[j];
		ob[j].tag = tb[j];
	}
	assert_int_equal(vh_aead_encrypt_burst(s, oa, N), N);
	assert_int_equal(vh_aead_encrypt_burst(m, ob, N), N);
	assert_memory_equal(a, b, sizeof(a));
	assert_memory_equal(ta, tb, sizeof(ta));
	vh_aead_destroy(s);
	vh_aead_destroy(m);
}

static void
test_nonce_and_names(void **state)
{
	static const uint8_t want[VH_AEAD_NONCE_LEN] = {
		0, 0, 0, 0, 0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01};
	uint8_t n[VH_AEAD_NONCE_LEN];

	(void)state;
	memset(n, 0xff, sizeof(n));
	vh_aead_nonce(n, 0x0102030405060708ULL);
	assert_memory_equal(n, want, sizeof(n));
	assert_int_equal(vh_aead_kind_from_name("sodium"), VH_AEAD_SODIUM);
	assert_int_equal(vh_aead_kind_from_name("ipsecmb"), VH_AEAD_IPSECMB);
	assert_int_equal(vh_aead_kind_from_name("cryptodev"), VH_AEAD_CRYPTODEV);
	assert_int_equal(vh_aead_kind_from_name("aesni"), -EINVAL);
	assert_int_equal(vh_aead_kind_from_name(NULL), -EINVAL);
	for (int k = VH_AEAD_SODIUM; k <= VH_AEAD_IPSECMB; k++) {
		struct vh_aead *e = vh_aead_create((enum vh_aead_kind)k, NULL);

		assert_non_null(e);
		assert_int_equal(vh_aead_kind_from_name(vh_aead_name(e)), k);
		vh_aead_destroy(e);
	}
	errno = 0;
	assert_null(vh_aead_create((enum vh_aead_kind)42, NULL));
	assert_int_equal(errno, EINVAL);
	vh_aead_destroy(NULL);
}

/* Without rte_eal_init() the cryptodev engine must refuse, not crash. */
static void
test_cryptodev_needs_eal(void **state)
{
	(void)state;
	errno = 0;
	assert_null(vh_aead_create(VH_AEAD_CRYPTODEV, NULL));
	assert_int_equal(errno, ENODEV);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wycheproof_sodium),
		cmocka_unit_test(test_wycheproof_ipsecmb),
		cmocka_unit_test(test_equal),
		cmocka_unit_test(test_tamper),
		cmocka_unit_test(test_invalid_ops),
		cmocka_unit_test(test_big_burst),
		cmocka_unit_test(test_nonce_and_names),
		cmocka_unit_test(test_cryptodev_needs_eal),
	};

	if (argc != 2) {
		fprintf(stderr, "usage: %s chacha20_poly1305_test.json\n", argv[0]);
		return 2;
	}
	vectors = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
