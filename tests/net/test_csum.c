/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/net's 8-bytes-at-a-time checksum must give exactly what DPDK's
 * rte_raw_cksum() gives, for every length and alignment.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#include "net_priv.h"

static void
test_matches_rte_raw_cksum(void **state)
{
	uint8_t buf[2100];
	unsigned int checked = 0;

	(void)state;
	srand(7);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)rand();
	for (size_t off = 0; off < 8; off++)
		for (size_t len = 0; len + off <= 2064; len++, checked++)
			assert_int_equal(csum_raw(buf + off, len), rte_raw_cksum(buf + off, len));
	assert_true(checked > 16000);
}

static void
test_all_ones_and_carries(void **state)
{
	uint8_t ff[1500];

	(void)state;
	memset(ff, 0xff, sizeof(ff));
	/* maximal carries: every partial sum overflows */
	for (size_t len = 0; len <= sizeof(ff); len += 7)
		assert_int_equal(csum_raw(ff, len), rte_raw_cksum(ff, len));
	assert_int_equal(csum_raw(ff, 0), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matches_rte_raw_cksum),
		cmocka_unit_test(test_all_ones_and_carries),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
