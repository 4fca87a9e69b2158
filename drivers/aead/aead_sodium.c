/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libsodium engine: the portable reference. One call per op; libsodium checks
 * the tag with crypto_verify_16 (constant time) before it decrypts, and zeroes
 * the output when the tag is wrong.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include <sodium.h>

#include "aead_priv.h"

/* libsodium wants a non-NULL pointer even for empty messages. */
static uint8_t empty[1];

static void
seal(struct vh_aead_op *op)
{
	const uint8_t *src = op->len != 0 ? op->src : empty;
	uint8_t *dst = op->len != 0 ? op->dst : empty;

	crypto_aead_chacha20poly1305_ietf_encrypt_detached(
		dst, op->tag, NULL, src, op->len, op->aad, op->aad_len, NULL, op->nonce, op->key);
	op->status = 0;
}

static void
open_op(struct vh_aead_op *op)
{
	const uint8_t *src = op->len != 0 ? op->src : empty;
	uint8_t *dst = op->len != 0 ? op->dst : empty;

	if (crypto_aead_chacha20poly1305_ietf_decrypt_detached(dst, NULL, src, op->len, op->tag,
		    op->aad, op->aad_len, op->nonce, op->key) != 0) {
		/* libsodium already zeroed dst; say so explicitly anyway. */
		if (op->len != 0)
			sodium_memzero(op->dst, op->len);
		op->status = -EBADMSG;
		return;
	}
	op->status = 0;
}

static void
sodium_burst(struct vh_aead *a, struct vh_aead_op *ops, unsigned int n, bool enc)
{
	(void)a;
	for (unsigned int i = 0; i < n; i++) {
		if (ops[i].status != 0)
			continue;
		if (enc)
			seal(&ops[i]);
		else
			open_op(&ops[i]);
	}
}

static void
sodium_destroy(struct vh_aead *a)
{
	free(a);
}

static const struct aead_ops sodium_ops = {
	.name = "sodium",
	.burst = sodium_burst,
	.destroy = sodium_destroy,
};

struct vh_aead *
aead_sodium_create(const struct vh_aead_conf *conf)
{
	struct vh_aead *a;

	(void)conf;
	if (sodium_init() < 0) {
		errno = ENOTSUP;
		return NULL;
	}
	a = calloc(1, sizeof(*a));
	if (a == NULL)
		return NULL;
	a->ops = &sodium_ops;
	a->max_len = UINT32_MAX;
	a->max_aad = UINT32_MAX;
	return a;
}
