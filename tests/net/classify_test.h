/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared by the classifier tests: the two test nodes, and EXPECT(), which
 * classifies a copy of exactly len bytes in its own heap block (so the
 * sanitizer build catches any read past the end) and fails with both
 * reason names when the verdict is not the expected one.
 */
#ifndef VH_NET_CLASSIFY_TEST_H
#define VH_NET_CLASSIFY_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "captured.h"
#include "net_test.h"

static struct vh_net_if if1, if2;
static struct vh_net_pkt pkt;

static int
setup(void **state)
{
	(void)state;
	t_ifc(&if1, 1);
	t_ifc(&if2, 2);
	return 0;
}

static int
cls_ifc(const uint8_t *f, size_t len, const struct vh_net_if *ifc)
{
	uint8_t *copy = malloc(len > 0 ? len : 1);
	int rc;

	assert_non_null(copy);
	memcpy(copy, f, len);
	memset(&pkt, 0xaa, sizeof(pkt));
	rc = vh_net_classify(copy, len, ifc, &pkt);
	free(copy);
	return rc;
}

#define EXPECT_IF(f, len, ifc, want)                                                      \
	do {                                                                              \
		int rc_ = cls_ifc((f), (len), (ifc));                                     \
		if (rc_ != (int)(want))                                                   \
			fail_msg("line %d: got %s, want %s", __LINE__, vh_drop_name(rc_), \
				vh_drop_name(want));                                      \
	} while (0)
#define EXPECT(f, len, want) EXPECT_IF(f, len, &if1, want)

#endif /* VH_NET_CLASSIFY_TEST_H */
