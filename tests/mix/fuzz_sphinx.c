/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz the Sphinx unwrap with a fixed node key (hop 0 of Katzenpost vector
 * case 0, so that case's packet is a valid seed) and Katzenpost's vector
 * geometry (5 hops, 103-byte payload). The input is unwrapped as is (any
 * length), then padded or cut to a full packet and unwrapped again.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vh_sphinx.h"

static const uint8_t node_key[VH_SPHINX_KEY_LEN] = {
	0x98,
	0x81,
	0x19,
	0x61,
	0x3d,
	0x4f,
	0x34,
	0xd7,
	0xd4,
	0x96,
	0x4b,
	0xc6,
	0xf8,
	0x01,
	0x7d,
	0xcb,
	0xa6,
	0xe9,
	0x05,
	0xd7,
	0x02,
	0x09,
	0x16,
	0x7d,
	0x81,
	0x12,
	0x80,
	0x80,
	0xd8,
	0x1a,
	0x4a,
	0x21,
};

static void
check_result(int rc, const struct vh_sphinx_unwrap_result *res, const uint8_t *pkt, size_t len)
{
	/* Whatever the input, a result must be self-consistent. */
	if (rc == 0) {
		if (res->nr_cmds > VH_SPHINX_MAX_CMDS)
			abort();
		if (res->next_hop >= 0 && res->payload != NULL)
			abort();
		if (res->payload != NULL &&
			(res->payload < pkt || res->payload + res->payload_len > pkt + len))
			abort();
	} else if (res->payload != NULL || res->nr_cmds != 0) {
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vh_sphinx_geometry geo;
	static int ready;
	struct vh_sphinx_unwrap_result res;
	uint8_t *buf;
	int rc;

	if (!ready) {
		if (vh_sphinx_geometry_init(&geo, 5, 103, false) != 0 ||
			vh_mix_cpu_supported(NULL) != 0)
			abort();
		ready = 1;
	}
	buf = malloc(size > geo.packet_len ? size : geo.packet_len);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	rc = vh_sphinx_unwrap(&geo, node_key, buf, size, &res);
	check_result(rc, &res, buf, size);

	memset(buf, 0, geo.packet_len);
	memcpy(buf, data, size < geo.packet_len ? size : geo.packet_len);
	rc = vh_sphinx_unwrap(&geo, node_key, buf, geo.packet_len, &res);
	check_result(rc, &res, buf, geo.packet_len);
	free(buf);
	return 0;
}
