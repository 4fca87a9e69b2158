/* SPDX-License-Identifier: BSD-3-Clause */
/* The overlay header: byte layout, every check, every truncation, hops. */
#include "vh_overlay.h"

#include "dht_test.h"

static void
test_layout_and_round_trip(void **state)
{
	struct vh_overlay_hdr h = {.hop_limit = 64,
				      .flags = VH_OVERLAY_F_CONTROL,
				      .payload_type = VH_OVERLAY_T_ECHO,
				      .flow_label = 0xabcde},
			      g;
	uint8_t b[VH_OVERLAY_HDR_LEN + 4];

	(void)state;
	memset(h.dst, 0xdd, 32);
	memset(h.src, 0x55, 32);
	assert_int_equal(vh_overlay_encode(&h, b, sizeof(b)), VH_OVERLAY_HDR_LEN);
	/* the layout the documentation gives, byte by byte */
	assert_int_equal(b[0], 64);
	assert_int_equal(b[1], 0x01);
	assert_int_equal(b[2], 3);
	assert_int_equal(b[3], 0);
	assert_int_equal(b[4], 0x00);
	assert_int_equal(b[5], 0x0a);
	assert_int_equal(b[6], 0xbc);
	assert_int_equal(b[7], 0xde);
	assert_int_equal(b[8], 0xdd);
	assert_int_equal(b[39], 0xdd);
	assert_int_equal(b[40], 0x55);
	assert_int_equal(b[71], 0x55);
	assert_int_equal(vh_overlay_decode(b, sizeof(b), &g), VH_OVERLAY_HDR_LEN);
	assert_memory_equal(&g.dst, h.dst, 32);
	assert_memory_equal(&g.src, h.src, 32);
	assert_true(g.hop_limit == 64 && g.flags == 1 && g.payload_type == 3 &&
		    g.flow_label == 0xabcde);
	for (size_t cut = 0; cut < VH_OVERLAY_HDR_LEN; cut++)
		assert_int_equal(vh_overlay_decode(b, cut, &g), -EBADMSG);
	assert_int_equal(vh_overlay_encode(&h, b, VH_OVERLAY_HDR_LEN - 1), -ENOSPC);
}

static void
test_refusals(void **state)
{
	struct vh_overlay_hdr h = {.hop_limit = 1}, g;
	uint8_t b[VH_OVERLAY_HDR_LEN];

	(void)state;
	assert_int_equal(vh_overlay_encode(&h, b, sizeof(b)), VH_OVERLAY_HDR_LEN);
	b[3] = 1; /* reserved */
	assert_int_equal(vh_overlay_decode(b, sizeof(b), &g), -EBADMSG);
	b[3] = 0;
	b[1] = 0x80; /* unknown flag */
	assert_int_equal(vh_overlay_decode(b, sizeof(b), &g), -EBADMSG);
	b[1] = 0;
	b[4] = 0x10; /* flow label over 20 bits */
	assert_int_equal(vh_overlay_decode(b, sizeof(b), &g), -EBADMSG);
	b[4] = 0;
	b[0] = 0; /* a packet with no hops left is never on the wire */
	assert_int_equal(vh_overlay_decode(b, sizeof(b), &g), -EBADMSG);
	h.hop_limit = 0;
	assert_int_equal(vh_overlay_encode(&h, b, sizeof(b)), -EINVAL);
	h.hop_limit = 3;
	h.flow_label = VH_OVERLAY_FLOW_MAX + 1;
	assert_int_equal(vh_overlay_encode(&h, b, sizeof(b)), -EINVAL);
	h.flow_label = 0;
	h.flags = 0x40;
	assert_int_equal(vh_overlay_encode(&h, b, sizeof(b)), -EINVAL);
}

static void
test_hops(void **state)
{
	struct vh_overlay_hdr h = {.hop_limit = 3};
	uint8_t b[VH_OVERLAY_HDR_LEN];

	(void)state;
	assert_int_equal(vh_overlay_encode(&h, b, sizeof(b)), VH_OVERLAY_HDR_LEN);
	assert_int_equal(vh_overlay_hop(b, sizeof(b)), 2);
	assert_int_equal(vh_overlay_hop(b, sizeof(b)), 1);
	/* the last relay must not forward it: it reports "hop limit exceeded" */
	assert_int_equal(vh_overlay_hop(b, sizeof(b)), -ETIMEDOUT);
	assert_int_equal(b[0], 1);
	assert_int_equal(vh_overlay_hop(b, 10), -EBADMSG);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_and_round_trip),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_hops),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
