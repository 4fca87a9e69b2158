/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz the mix descriptor decoder. The epoch checked against is the one the
 * input claims (bytes 68..75 when present), so a valid seed reaches the
 * signature check. Every answer must be one of the documented errors, and
 * an accepted descriptor must be consistent with the bytes it came from.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "vh_mix.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vh_mix_descriptor d;
	uint8_t id[32];
	uint64_t epoch = 0;
	int rc;

	if (sodium_init() < 0)
		abort();
	for (size_t i = 68; i < 76 && i < size; i++)
		epoch = epoch << 8 | data[i];
	rc = vh_mix_descriptor_verify(data, size, epoch, &d);
	if (strcmp(vh_mix_descriptor_strerror(rc), "unknown") == 0 || rc == -EINVAL)
		abort();
	if (rc != 0)
		return 0;
	crypto_hash_sha256(id, d.sign_pk, sizeof(id));
	if (size != (size_t)VH_MIX_DESC_MIN + d.addr_len || d.addr_len > VH_MIX_DESC_ADDR_MAX ||
		memcmp(id, d.node_id, sizeof(id)) != 0 || d.epoch != epoch ||
		memcmp(d.mix_key, data + 76, 32) != 0 || d.layer != data[1] ||
		memcmp(d.addr, data + VH_MIX_DESC_FIXED_LEN, d.addr_len) != 0)
		abort();
	/* A one-epoch-off check must fail with the epoch error only. */
	if (vh_mix_descriptor_verify(data, size, epoch + 1, &d) != -ESTALE)
		abort();
	return 0;
}
