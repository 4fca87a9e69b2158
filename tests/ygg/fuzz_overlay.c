/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_overlay: the overlay header as relays and the mesh read it: decode,
 * then (when valid) re-encode and compare, and take hops until the limit
 * runs out. A decoded header must encode back to the same 72 bytes, and a
 * hop must never wrap the limit.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vh_overlay.h"
#include "vh_ygg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vh_overlay_hdr h;
	uint8_t buf[VH_OVERLAY_HDR_LEN], again[VH_OVERLAY_HDR_LEN];
	int rc;

	if (vh_overlay_decode(data, size, &h) != VH_OVERLAY_HDR_LEN)
		return 0;
	if (vh_overlay_encode(&h, buf, sizeof(buf)) != VH_OVERLAY_HDR_LEN ||
		memcmp(buf, data, VH_OVERLAY_HDR_LEN) != 0)
		abort();
	memcpy(again, buf, sizeof(again));
	for (unsigned int i = 0; i < 256; i++) {
		uint8_t before = again[0];

		rc = vh_overlay_hop(again, sizeof(again));
		if (rc == -ETIMEDOUT) {
			if (before != 1)
				abort();
			break;
		}
		if (rc < 1 || rc != before - 1 || memcmp(again + 1, buf + 1, sizeof(buf) - 1) != 0)
			abort();
	}
	return 0;
}
