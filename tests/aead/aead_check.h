/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Checks shared by the unit (no EAL) and eal AEAD tests: Wycheproof vectors,
 * cross-engine equality and tamper rejection. Each returns the number of
 * failures and prints what failed, so the cmocka tests assert on zero.
 */
#ifndef AEAD_CHECK_H
#define AEAD_CHECK_H

#include <stdint.h>

#include "vh_aead.h"

/* Cases in the vector file with a 12-byte nonce: the ones an IETF
 * ChaCha20-Poly1305 can run (256 valid, 60 invalid). */
#define WYCHE_EXPECT_RUN 316

struct wyche_stats {
	unsigned int total;      /* numberOfTests in the file header */
	unsigned int run;        /* cases with a 12-byte nonce */
	unsigned int valid;      /* of those, result "valid" */
	unsigned int invalid;    /* of those, result "invalid" */
	unsigned int skip_nonce; /* cases with another nonce size */
	unsigned int skip_aad;   /* cases over the engine's aad limit (got -EINVAL) */
};

/*
 * Run the Wycheproof ChaCha20-Poly1305 file through an engine in bursts of
 * `burst` ops: valid cases must encrypt to the exact ct and tag and decrypt
 * back; invalid ones must be rejected with -EBADMSG and a zeroed output.
 */
unsigned int wyche_run(
	struct vh_aead *e, const char *path, unsigned int burst, struct wyche_stats *st);

/*
 * Random bursts (seeded): every engine must give the reference engine
 * (engines[0])'s bytes, in place and out of place, and each engine must open
 * what the next one sealed. aad lengths stay within every engine's limit.
 */
unsigned int check_equal(
	struct vh_aead **engines, unsigned int n, uint64_t seed, unsigned int rounds);

/* Flipped tag, ciphertext, aad bits, wrong nonce or aad length: rejected,
 * output zeroed, and untouched ops in the same burst still pass. */
unsigned int check_tamper(struct vh_aead *e, uint64_t seed);

/* Malformed ops get -EINVAL and never reach the engine. */
unsigned int check_invalid(struct vh_aead *e);

#endif /* AEAD_CHECK_H */
