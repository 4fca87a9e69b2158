/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The cryptodev AEAD engine on DPDK's ipsec-mb software crypto devices:
 * Wycheproof, equality with libsodium and ipsec-mb, tampering, and two engines
 * sharing one application-configured device (one queue pair each, as two
 * lcores would). Arguments: EAL arguments, then -- and the Wycheproof file.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <rte_bus_vdev.h>
#include <rte_cryptodev.h>
#include <rte_eal.h>
#include <rte_errno.h>

#include "aead_check.h"
#include "vh_aead.h"

static const char *vectors;

static struct vh_aead *
cdev_engine(const char *driver)
{
	struct vh_aead_conf conf = {.cdev_driver = driver};

	return vh_aead_create(VH_AEAD_CRYPTODEV, &conf);
}

/*
 * The brief names "crypto_ipsec_mb0": check whether such a driver exists and,
 * for every registered crypto driver, whether it can do ChaCha20-Poly1305
 * (the engine queries the device's capabilities), and say so.
 */
static void
test_which_vdev(void **state)
{
	struct vh_aead *e;
	unsigned int capable = 0;

	(void)state;
	errno = 0;
	e = cdev_engine("crypto_ipsec_mb");
	if (e == NULL) {
		printf("# crypto_ipsec_mb: cannot be used (%s): DPDK 22.11 registers no crypto "
		       "driver of that name. Every registered crypto driver, tried as a vdev:\n",
			strerror(errno));
		assert_int_equal(errno, ENOTSUP);
		assert_true(rte_cryptodev_driver_id_get("crypto_ipsec_mb") < 0);
	} else {
		printf("# crypto_ipsec_mb: available\n");
		vh_aead_destroy(e);
	}
	for (int id = 0; id < 64; id++) {
		const char *drv = rte_cryptodev_driver_name_get((uint8_t)id);

		if (drv == NULL)
			break;
		errno = 0;
		e = cdev_engine(drv);
		printf("# driver %-26s CHACHA20_POLY1305: %s", drv,
			e != NULL ? "yes" : strerror(errno));
		if (e != NULL)
			printf(" (aad up to %u bytes, messages up to %u)\n", vh_aead_max_aad(e),
				vh_aead_max_len(e));
		else
			printf("\n");
		capable += e != NULL;
		vh_aead_destroy(e);
	}
	/* crypto_aesni_mb and crypto_chacha20_poly1305 */
	assert_true(capable >= 2);
}

static void
wycheproof(const char *driver, unsigned int want_skip_aad)
{
	struct vh_aead *e = cdev_engine(driver);
	struct wyche_stats st;

	assert_non_null(e);
	assert_int_equal(wyche_run(e, vectors, 32, &st), 0);
	printf("# cryptodev on %s: %u cases run (%u valid, %u invalid); skipped: %u with a "
	       "nonce not 12 bytes (IETF ChaCha20-Poly1305 takes only 96-bit nonces), %u with "
	       "aad over the device's %u-byte limit (checked to fail with -EINVAL)\n",
		driver, st.run, st.valid, st.invalid, st.skip_nonce, st.skip_aad,
		vh_aead_max_aad(e));
	assert_int_equal(st.run, WYCHE_EXPECT_RUN);
	assert_int_equal(st.run + st.skip_nonce, st.total);
	assert_int_equal(st.skip_aad, want_skip_aad);
	vh_aead_destroy(e);
}

static void
test_wycheproof_aesni_mb(void **state)
{
	(void)state;
	wycheproof("crypto_aesni_mb", 0);
}

static void
test_wycheproof_chacha_pmd(void **state)
{
	(void)state;
	/* tcId 116..121 carry 255..513-byte aad; this PMD stops at 240. */
	wycheproof("crypto_chacha20_poly1305", 6);
}

static void
test_equal(void **state)
{
	struct vh_aead *e[4];

	(void)state;
	e[0] = vh_aead_create(VH_AEAD_SODIUM, NULL);
	e[1] = vh_aead_create(VH_AEAD_IPSECMB, NULL);
	e[2] = cdev_engine("crypto_aesni_mb");
	e[3] = cdev_engine("crypto_chacha20_poly1305");
	for (int i = 0; i < 4; i++)
		assert_non_null(e[i]);
	assert_int_equal(check_equal(e, 4, 0xcafe, 100), 0);
	for (int i = 0; i < 4; i++)
		vh_aead_destroy(e[i]);
}

static void
test_tamper_invalid(void **state)
{
	static const char *const drivers[] = {"crypto_aesni_mb", "crypto_chacha20_poly1305"};

	(void)state;
	for (int d = 0; d < 2; d++) {
		struct vh_aead *e = cdev_engine(drivers[d]);

		assert_non_null(e);
		for (uint64_t seed = 1; seed <= 10; seed++)
			assert_int_equal(check_tamper(e, seed), 0);
		assert_int_equal(check_invalid(e), 0);
		vh_aead_destroy(e);
	}
}

/* The application owns the device; each engine takes one queue pair. */
static void
test_shared_device(void **state)
{
	struct rte_cryptodev_config cc = {.socket_id = 0, .nb_queue_pairs = 2};
	struct rte_cryptodev_qp_conf qc = {.nb_descriptors = 128};
	struct vh_aead_conf conf = {.cdev_name = "crypto_aesni_mb_shared"};
	struct vh_aead *e[3];
	int dev;

	(void)state;
	assert_int_equal(rte_vdev_init("crypto_aesni_mb_shared", NULL), 0);
	dev = rte_cryptodev_get_dev_id("crypto_aesni_mb_shared");
	assert_true(dev >= 0);
	assert_int_equal(rte_cryptodev_configure((uint8_t)dev, &cc), 0);
	assert_int_equal(rte_cryptodev_queue_pair_setup((uint8_t)dev, 0, &qc, 0), 0);
	assert_int_equal(rte_cryptodev_queue_pair_setup((uint8_t)dev, 1, &qc, 0), 0);
	assert_int_equal(rte_cryptodev_start((uint8_t)dev), 0);
	e[0] = vh_aead_create(VH_AEAD_SODIUM, NULL);
	e[1] = vh_aead_create(VH_AEAD_CRYPTODEV, &conf);
	conf.cdev_qp = 1;
	e[2] = vh_aead_create(VH_AEAD_CRYPTODEV, &conf);
	for (int i = 0; i < 3; i++)
		assert_non_null(e[i]);
	assert_int_equal(check_equal(e, 3, 0xbeef, 30), 0);
	conf.cdev_qp = 2;
	errno = 0;
	assert_null(vh_aead_create(VH_AEAD_CRYPTODEV, &conf));
	assert_int_equal(errno, EINVAL);
	for (int i = 0; i < 3; i++)
		vh_aead_destroy(e[i]);
	rte_cryptodev_stop((uint8_t)dev);
	assert_int_equal(rte_cryptodev_close((uint8_t)dev), 0);
	assert_int_equal(rte_vdev_uninit("crypto_aesni_mb_shared"), 0);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_which_vdev),
		cmocka_unit_test(test_wycheproof_aesni_mb),
		cmocka_unit_test(test_wycheproof_chacha_pmd),
		cmocka_unit_test(test_equal),
		cmocka_unit_test(test_tamper_invalid),
		cmocka_unit_test(test_shared_device),
	};
	int n = rte_eal_init(argc, argv), rc;

	if (n < 0) {
		fprintf(stderr, "rte_eal_init failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	if (argc - n != 2) {
		fprintf(stderr, "usage: %s EAL-args -- chacha20_poly1305_test.json\n", argv[0]);
		return 2;
	}
	vectors = argv[n + 1];
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	rte_eal_cleanup();
	return rc;
}
