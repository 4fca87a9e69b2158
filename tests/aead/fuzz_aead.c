/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Differential fuzzing of decryption: libsodium and ipsec-mb must both reject
 * or both accept with the same plaintext.
 *
 * Input: mode(1) key(32) nonce(12) aad_len(1) aad ct tag(16). With mode bit 0
 * set the tag is first made valid (sealed with libsodium over ct as the
 * plaintext), then mode bit 1 flips the bit chosen by the last input byte:
 * so both the accept and the near-miss reject paths are reached.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vh_aead.h"

#define HDR (1 + VH_AEAD_KEY_LEN + VH_AEAD_NONCE_LEN + 1)

static struct vh_aead *ref, *mb;

static void
open_with(struct vh_aead *e, struct vh_aead_op *op, const uint8_t *ct, uint8_t *out,
	const uint8_t *tag, uint8_t *tag_copy)
{
	memcpy(tag_copy, tag, VH_AEAD_TAG_LEN);
	op->src = ct;
	op->dst = out;
	op->tag = tag_copy;
	vh_aead_decrypt_burst(e, op, 1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vh_aead_op op = {0}, op2;
	uint8_t tag[VH_AEAD_TAG_LEN], t1[VH_AEAD_TAG_LEN], t2[VH_AEAD_TAG_LEN];
	uint8_t mode, *out1, *out2;
	size_t aad_len, ct_len;

	if (ref == NULL) {
		ref = vh_aead_create(VH_AEAD_SODIUM, NULL);
		mb = vh_aead_create(VH_AEAD_IPSECMB, NULL);
		if (ref == NULL || mb == NULL)
			abort();
	}
	if (size < HDR + VH_AEAD_TAG_LEN)
		return 0;
	mode = data[0];
	aad_len = data[HDR - 1];
	if (HDR + aad_len + VH_AEAD_TAG_LEN > size)
		aad_len = size - HDR - VH_AEAD_TAG_LEN;
	ct_len = size - HDR - aad_len - VH_AEAD_TAG_LEN;
	op.key = data + 1;
	memcpy(op.nonce, data + 1 + VH_AEAD_KEY_LEN, VH_AEAD_NONCE_LEN);
	op.aad = data + HDR;
	op.aad_len = (uint32_t)aad_len;
	op.len = (uint32_t)ct_len;
	memcpy(tag, data + size - VH_AEAD_TAG_LEN, VH_AEAD_TAG_LEN);
	out1 = malloc(ct_len + 1);
	out2 = malloc(ct_len + 1);
	if (out1 == NULL || out2 == NULL)
		abort();
	if (mode & 1) {
		op2 = op;
		op2.src = data + HDR + aad_len;
		op2.dst = out1;
		op2.tag = tag;
		if (vh_aead_encrypt_burst(ref, &op2, 1) != 1)
			abort();
		if (mode & 2)
			tag[data[size - 1] % VH_AEAD_TAG_LEN] ^= (uint8_t)(1u << (mode >> 2) % 8);
	}
	op2 = op;
	open_with(ref, &op, data + HDR + aad_len, out1, tag, t1);
	open_with(mb, &op2, data + HDR + aad_len, out2, tag, t2);
	if (op.status != op2.status || memcmp(out1, out2, ct_len) != 0) {
		fprintf(stderr, "fuzz_aead: sodium status %d, ipsecmb status %d, len %zu\n",
			op.status, op2.status, ct_len);
		abort();
	}
	free(out1);
	free(out2);
	return 0;
}
