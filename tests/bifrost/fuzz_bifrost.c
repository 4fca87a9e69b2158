/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bifrost codec on arbitrary datagrams: validate and the iterator must agree
 * frame by frame, every frame must lie inside the datagram, and the echo
 * answer (on a copy) must change exactly the type byte of a lone request
 * and nothing otherwise.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vh_bifrost.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_frames(
	const uint8_t *data, size_t size, int reason, unsigned int *n_frames, uint8_t *first_type)
{
	struct vh_bifrost_frame f;
	size_t pos = 0, expect_off = 0;
	int rc;

	*n_frames = 0;
	while ((rc = vh_bifrost_next(data, size, &pos, &f)) == 1) {
		if (f.offset != expect_off || f.payload != data + f.offset + VH_BIFROST_HDR_LEN ||
			(size_t)f.length > size - f.offset - VH_BIFROST_HDR_LEN ||
			pos != f.offset + VH_BIFROST_HDR_LEN + f.length ||
			!vh_bifrost_type_known(f.type) || f.version != VH_BIFROST_VERSION)
			abort();
		if ((*n_frames)++ == 0)
			*first_type = f.type;
		expect_off = pos;
	}
	if (pos != expect_off)
		abort();
	/* validate's verdict is the iterator's, except that empty is short */
	if (size == 0 ? reason != VH_DROP_BIFROST_SHORT || rc != 0
		      : (reason == VH_DROP_NONE ? rc != 0 : rc != -reason))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int reason = vh_bifrost_validate(data, size);
	uint8_t first_type = 0;
	unsigned int n_frames;
	uint8_t *copy;
	int rc;

	if (reason < 0 || reason >= VH_DROP_MAX)
		abort();
	check_frames(data, size, reason, &n_frames, &first_type);
	copy = malloc(size > 0 ? size : 1);
	if (copy == NULL)
		return 0;
	if (size > 0)
		memcpy(copy, data, size);
	rc = vh_bifrost_echo_reply_inplace(copy, size);
	if (reason != VH_DROP_NONE) {
		if (rc != reason || (size > 0 && memcmp(copy, data, size) != 0))
			abort();
	} else if (n_frames == 1 && first_type == VH_BIFROST_ECHO_REQUEST) {
		if (rc != 0 || copy[3] != VH_BIFROST_ECHO_REPLY ||
			memcmp(copy + 4, data + 4, size - 4) != 0 || memcmp(copy, data, 3) != 0 ||
			vh_bifrost_validate(copy, size) != VH_DROP_NONE)
			abort();
	} else if (rc != -ENOMSG || memcmp(copy, data, size) != 0) {
		abort();
	}
	free(copy);
	return 0;
}
