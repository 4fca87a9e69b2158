/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internal engine interface. aead.c validates every op before an engine sees
 * it, so an engine only handles ops whose status is still 0 and may trust
 * their pointers and lengths.
 */
#ifndef VH_AEAD_PRIV_H
#define VH_AEAD_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "vh_aead.h"

/* Back-end methods. */
struct aead_ops {
	const char *name;
	/* Process the ops whose status is 0; set their status. */
	void (*burst)(struct vh_aead *a, struct vh_aead_op *ops, unsigned int n, bool enc);
	void (*destroy)(struct vh_aead *a);
};

/* Every engine's state starts with this. */
struct vh_aead {
	const struct aead_ops *ops;
	uint32_t max_len;
	uint32_t max_aad;
};

struct vh_aead *aead_sodium_create(const struct vh_aead_conf *conf);
struct vh_aead *aead_ipsecmb_create(const struct vh_aead_conf *conf);
struct vh_aead *aead_cryptodev_create(const struct vh_aead_conf *conf);

#endif /* VH_AEAD_PRIV_H */
