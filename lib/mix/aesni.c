/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * AES-256 with AES-NI: key expansion (FIPS-197 5.2 using AESKEYGENASSIST),
 * one-block encryption, and CTR mode with a 128-bit big-endian counter as
 * Go's cipher.NewCTR runs it (Katzenpost's header stream cipher). Built with
 * -maes -msse4.1; callers check CPUID first.
 */
#include <string.h>

#include <wmmintrin.h>
#include <smmintrin.h>

#include <sodium.h>

#include "mix_internal.h"

#define ROUNDS 14

static __m128i
expand_even(__m128i prev, __m128i assist)
{
	assist = _mm_shuffle_epi32(assist, 0xff);
	prev = _mm_xor_si128(prev, _mm_slli_si128(prev, 4));
	prev = _mm_xor_si128(prev, _mm_slli_si128(prev, 4));
	prev = _mm_xor_si128(prev, _mm_slli_si128(prev, 4));
	return _mm_xor_si128(prev, assist);
}

static __m128i
expand_odd(__m128i prev, __m128i even)
{
	__m128i assist = _mm_shuffle_epi32(_mm_aeskeygenassist_si128(even, 0x00), 0xaa);

	prev = _mm_xor_si128(prev, _mm_slli_si128(prev, 4));
	prev = _mm_xor_si128(prev, _mm_slli_si128(prev, 4));
	prev = _mm_xor_si128(prev, _mm_slli_si128(prev, 4));
	return _mm_xor_si128(prev, assist);
}

/* The round constant must be an immediate, hence a macro per step. */
#define EXPAND_STEP(rk, i, rcon)                                                                  \
	do {                                                                                      \
		(rk)[i] = expand_even((rk)[(i)-2], _mm_aeskeygenassist_si128((rk)[(i)-1], rcon)); \
		(rk)[(i) + 1] = expand_odd((rk)[(i)-1], (rk)[i]);                                 \
	} while (0)

static void
expand_key(const uint8_t key[32], __m128i rk[ROUNDS + 1])
{
	rk[0] = _mm_loadu_si128((const __m128i *)key);
	rk[1] = _mm_loadu_si128((const __m128i *)(key + 16));
	EXPAND_STEP(rk, 2, 0x01);
	EXPAND_STEP(rk, 4, 0x02);
	EXPAND_STEP(rk, 6, 0x04);
	EXPAND_STEP(rk, 8, 0x08);
	EXPAND_STEP(rk, 10, 0x10);
	EXPAND_STEP(rk, 12, 0x20);
	rk[14] = expand_even(rk[12], _mm_aeskeygenassist_si128(rk[13], 0x40));
}

static __m128i
encrypt1(const __m128i rk[ROUNDS + 1], __m128i b)
{
	b = _mm_xor_si128(b, rk[0]);
	for (int r = 1; r < ROUNDS; r++)
		b = _mm_aesenc_si128(b, rk[r]);
	return _mm_aesenclast_si128(b, rk[ROUNDS]);
}

static void
encrypt4(const __m128i rk[ROUNDS + 1], __m128i b[4])
{
	for (int i = 0; i < 4; i++)
		b[i] = _mm_xor_si128(b[i], rk[0]);
	for (int r = 1; r < ROUNDS; r++)
		for (int i = 0; i < 4; i++)
			b[i] = _mm_aesenc_si128(b[i], rk[r]);
	for (int i = 0; i < 4; i++)
		b[i] = _mm_aesenclast_si128(b[i], rk[ROUNDS]);
}

static void
wipe_keys(__m128i rk[ROUNDS + 1])
{
	sodium_memzero(rk, sizeof(__m128i) * (ROUNDS + 1));
}

void
aesni_aes256_encrypt_block(const uint8_t key[32], const uint8_t in[16], uint8_t out[16])
{
	__m128i rk[ROUNDS + 1];

	expand_key(key, rk);
	_mm_storeu_si128((__m128i *)out, encrypt1(rk, _mm_loadu_si128((const __m128i *)in)));
	wipe_keys(rk);
}

static uint64_t
load_be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* The counter block for (hi, lo), laid out big-endian in memory. */
static __m128i
ctr_block(uint64_t hi, uint64_t lo)
{
	return _mm_set_epi64x((long long)__builtin_bswap64(lo), (long long)__builtin_bswap64(hi));
}

static void
ctr_next(uint64_t *hi, uint64_t *lo)
{
	if (++*lo == 0)
		++*hi;
}

void
aesni_aes256_ctr_xor(const uint8_t key[32], const uint8_t iv[16], uint8_t *buf, size_t len)
{
	__m128i rk[ROUNDS + 1], ks[4];
	uint64_t hi = load_be64(iv), lo = load_be64(iv + 8);
	uint8_t tail[16];

	expand_key(key, rk);
	for (; len >= 64; len -= 64, buf += 64) {
		for (int i = 0; i < 4; i++) {
			ks[i] = ctr_block(hi, lo);
			ctr_next(&hi, &lo);
		}
		encrypt4(rk, ks);
		for (int i = 0; i < 4; i++) {
			__m128i *p = (__m128i *)(buf + 16 * i);

			_mm_storeu_si128(p, _mm_xor_si128(_mm_loadu_si128(p), ks[i]));
		}
	}
	for (; len > 0; buf += 16) {
		size_t n = len < 16 ? len : 16;

		_mm_storeu_si128((__m128i *)tail, encrypt1(rk, ctr_block(hi, lo)));
		ctr_next(&hi, &lo);
		for (size_t i = 0; i < n; i++)
			buf[i] ^= tail[i];
		len -= n;
	}
	sodium_memzero(tail, sizeof(tail));
	sodium_memzero(ks, sizeof(ks));
	wipe_keys(rk);
}
