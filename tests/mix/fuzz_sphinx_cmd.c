/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz the routing-command decoder: every command decoded from arbitrary
 * bytes must re-encode to exactly the bytes it came from, and the block
 * decoder must agree with decoding one command at a time.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vh_sphinx.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vh_sphinx_unwrap_result res;
	struct vh_sphinx_cmd cmd;
	uint8_t enc[VH_SPHINX_CMD_NEXT_NODE_HOP_LEN];
	size_t off = 0, used, count = 0;
	int rc, block_rc;

	block_rc = vh_sphinx_cmd_decode_block(data, size, &res);
	for (;;) {
		rc = vh_sphinx_cmd_decode(data + off, size - off, &cmd, &used);
		if (rc <= 0)
			break;
		if (used > size - off ||
			vh_sphinx_cmd_encode(&cmd, enc, sizeof(enc)) != (int)used ||
			memcmp(enc, data + off, used) != 0)
			abort();
		off += used;
		count++;
		if (count > size)
			abort(); /* no progress: a decoder bug */
	}
	/* A clean block decode saw exactly the commands counted here. */
	if (block_rc == 0 && (rc != 0 || res.nr_cmds != count))
		abort();
	return 0;
}
