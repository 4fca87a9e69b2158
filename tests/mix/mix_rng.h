/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A deterministic RNG for the mix tests: ChaCha20 under a seed and a call
 * counter (libsodium's randombytes_buf_deterministic), so a fixed seed gives
 * the same bytes on every run; fail_at makes one call fail.
 */
#ifndef MIX_RNG_H
#define MIX_RNG_H

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <sodium.h>

struct det_rng {
	uint8_t seed[randombytes_SEEDBYTES];
	uint64_t calls;
	int64_t fail_at; /* call index that fails, or -1 */
};

static inline int
det_rng(void *ctx, uint8_t *buf, size_t len)
{
	struct det_rng *r = ctx;
	uint8_t s[randombytes_SEEDBYTES];

	if (r->fail_at >= 0 && (uint64_t)r->fail_at == r->calls) {
		r->calls++;
		return -EIO;
	}
	memcpy(s, r->seed, sizeof(s));
	memcpy(s, &r->calls, sizeof(r->calls));
	r->calls++;
	randombytes_buf_deterministic(buf, len, s);
	return 0;
}

static inline void
det_rng_init(struct det_rng *r, uint8_t tag)
{
	memset(r, 0, sizeof(*r));
	memset(r->seed, tag, sizeof(r->seed));
	r->fail_at = -1;
}

#endif
