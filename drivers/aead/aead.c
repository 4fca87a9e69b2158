/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Dispatch to the engines and the checks every engine shares, so that all
 * back ends reject exactly the same malformed ops.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "aead_priv.h"

static const char *const kind_names[] = {
	[VH_AEAD_SODIUM] = "sodium",
	[VH_AEAD_IPSECMB] = "ipsecmb",
	[VH_AEAD_CRYPTODEV] = "cryptodev",
};

struct vh_aead *
vh_aead_create(enum vh_aead_kind kind, const struct vh_aead_conf *conf)
{
	switch (kind) {
	case VH_AEAD_SODIUM:
		return aead_sodium_create(conf);
	case VH_AEAD_IPSECMB:
		return aead_ipsecmb_create(conf);
	case VH_AEAD_CRYPTODEV:
		return aead_cryptodev_create(conf);
	}
	errno = EINVAL;
	return NULL;
}

/* True when [a, a+alen) and [b, b+blen) share a byte. */
static bool
overlap(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	uintptr_t pa = (uintptr_t)a, pb = (uintptr_t)b;

	return alen != 0 && blen != 0 && pa < pb + blen && pb < pa + alen;
}

static int
check_op(const struct vh_aead *a, const struct vh_aead_op *op)
{
	if (op->key == NULL || op->tag == NULL)
		return -EINVAL;
	if (op->len > a->max_len || op->aad_len > a->max_aad)
		return -EINVAL;
	if (op->len != 0 && (op->src == NULL || op->dst == NULL))
		return -EINVAL;
	if (op->aad_len != 0 && op->aad == NULL)
		return -EINVAL;
	/* In place is fine; a shifted overlap would read what it just wrote. */
	if (op->src != op->dst && overlap(op->src, op->len, op->dst, op->len))
		return -EINVAL;
	/* The tag is read (decrypt) or written (encrypt) after dst. */
	if (overlap(op->tag, VH_AEAD_TAG_LEN, op->dst, op->len))
		return -EINVAL;
	return 0;
}

static unsigned int
run_burst(struct vh_aead *a, struct vh_aead_op *ops, unsigned int n, bool enc)
{
	unsigned int ok = 0, valid = 0;

	if (a == NULL || (ops == NULL && n != 0))
		return 0;
	for (unsigned int i = 0; i < n; i++) {
		ops[i].status = check_op(a, &ops[i]);
		valid += ops[i].status == 0;
	}
	if (valid != 0)
		a->ops->burst(a, ops, n, enc);
	for (unsigned int i = 0; i < n; i++)
		ok += ops[i].status == 0;
	return ok;
}

unsigned int
vh_aead_encrypt_burst(struct vh_aead *a, struct vh_aead_op *ops, unsigned int n)
{
	return run_burst(a, ops, n, true);
}

unsigned int
vh_aead_decrypt_burst(struct vh_aead *a, struct vh_aead_op *ops, unsigned int n)
{
	return run_burst(a, ops, n, false);
}

const char *
vh_aead_name(const struct vh_aead *a)
{
	return a != NULL ? a->ops->name : "none";
}

uint32_t
vh_aead_max_len(const struct vh_aead *a)
{
	return a != NULL ? a->max_len : 0;
}

uint32_t
vh_aead_max_aad(const struct vh_aead *a)
{
	return a != NULL ? a->max_aad : 0;
}

int
vh_aead_kind_from_name(const char *name)
{
	if (name == NULL)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(kind_names) / sizeof(kind_names[0]); i++)
		if (strcmp(name, kind_names[i]) == 0)
			return (int)i;
	return -EINVAL;
}

void
vh_aead_destroy(struct vh_aead *a)
{
	if (a != NULL)
		a->ops->destroy(a);
}
