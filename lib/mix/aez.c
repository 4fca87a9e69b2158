/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * AEZ v5 (Hoang, Krovetz, Rogaway, "AEZ v5: Authenticated Encryption by
 * Enciphering", CAESAR round 3), with the AES round function from AES-NI.
 * Written from the specification and checked against the reference
 * behaviour Katzenpost relies on (gitlab.com/yawning/aez, itself a port of
 * Krovetz's reference code). Built with -maes -msse4.1; callers check CPUID.
 *
 * Notation follows the spec: the extracted key is I || J || L; E(j, i) is the
 * tweakable block cipher:
 *   j >= 0: AES4(X ^ jJ ^ 2^ceil(i/8) I ^ (i mod 8) L), round keys J, I, L, 0
 *   j = -1: AES10(X ^ iL), round keys I, J, L, I, J, L, I, J, L, I
 * where every "round" is a full AES round (AESENC, MixColumns included) and
 * there is no initial whitening key. Blocks are big-endian bit strings, and
 * doubling is multiplication by x modulo x^128 + x^7 + x^2 + x + 1.
 */
#include <errno.h>
#include <string.h>

#include <smmintrin.h>
#include <wmmintrin.h>

#include <sodium.h>

#include "mix_internal.h"

#define BLK 16

struct aez {
	__m128i I, I2;     /* I, 2I */
	__m128i J, J2, J4; /* J, 2J, 4J */
	__m128i L[8];      /* 0L .. 7L */
	__m128i k10[10];   /* AES10 round keys */
	__m128i zero;
};

static inline __m128i
ld(const uint8_t *p)
{
	return _mm_loadu_si128((const __m128i *)p);
}

static inline void
st(uint8_t *p, __m128i v)
{
	_mm_storeu_si128((__m128i *)p, v);
}

static inline __m128i
x3(__m128i a, __m128i b, __m128i c)
{
	return _mm_xor_si128(a, _mm_xor_si128(b, c));
}

/* Multiply a big-endian 128-bit string by x (the spec's doubling). */
static void
dbl_bytes(uint8_t p[BLK])
{
	uint8_t carry = p[0] >> 7;

	for (int i = 0; i < BLK - 1; i++)
		p[i] = (uint8_t)(p[i] << 1 | p[i + 1] >> 7);
	p[BLK - 1] = (uint8_t)(p[BLK - 1] << 1) ^ (uint8_t)(carry * 0x87);
}

static __m128i
dbl(__m128i v)
{
	uint8_t b[BLK];

	st(b, v);
	dbl_bytes(b);
	v = ld(b);
	sodium_memzero(b, sizeof(b));
	return v;
}

/* n * v in GF(2^128), n a small public integer. */
static __m128i
mult(unsigned int n, __m128i v)
{
	__m128i r = _mm_setzero_si128();

	for (; n != 0; n >>= 1) {
		if (n & 1)
			r = _mm_xor_si128(r, v);
		v = dbl(v);
	}
	return r;
}

static void
aez_init(struct aez *a, const uint8_t key[48])
{
	a->I = ld(key);
	a->J = ld(key + 16);
	a->L[1] = ld(key + 32);
	a->I2 = dbl(a->I);
	a->J2 = dbl(a->J);
	a->J4 = dbl(a->J2);
	a->L[0] = _mm_setzero_si128();
	for (int i = 2; i < 8; i++)
		a->L[i] = (i & 1) ? _mm_xor_si128(a->L[i - 1], a->L[1]) : dbl(a->L[i / 2]);
	for (int r = 0; r < 10; r++)
		a->k10[r] = r % 3 == 0 ? a->I : (r % 3 == 1 ? a->J : a->L[1]);
	a->zero = _mm_setzero_si128();
}

static void
aez_wipe(struct aez *a)
{
	sodium_memzero(a, sizeof(*a));
}

/* AES4 on x, which already carries its tweak offset. */
static inline __m128i
aes4(const struct aez *a, __m128i x)
{
	x = _mm_aesenc_si128(x, a->J);
	x = _mm_aesenc_si128(x, a->I);
	x = _mm_aesenc_si128(x, a->L[1]);
	return _mm_aesenc_si128(x, a->zero);
}

/* E(-1, i) = AES10(x ^ iL), i in 0..7. */
static inline __m128i
e10(const struct aez *a, unsigned int i, __m128i x)
{
	x = _mm_xor_si128(x, a->L[i]);
	for (int r = 0; r < 10; r++)
		x = _mm_aesenc_si128(x, a->k10[r]);
	return x;
}

/* E(0, i) for 1 <= i <= 8: the I term is 2I. */
static inline __m128i
e0(const struct aez *a, unsigned int i, __m128i x)
{
	return aes4(a, x3(x, a->I2, a->L[i % 8]));
}

/* E(0, 0): the I term is I and there is no L term. */
static inline __m128i
e00(const struct aez *a, __m128i x)
{
	return aes4(a, _mm_xor_si128(x, a->I));
}

/* 10* padding of a partial block. */
static __m128i
pad10(const uint8_t *p, size_t n)
{
	uint8_t b[BLK] = {0};

	memcpy(b, p, n);
	b[n] = 0x80;
	return ld(b);
}

/*
 * AEZ-hash of one string with tweak jJ: full blocks use E(j, i), i = 1..,
 * and a partial (or empty) last block is 10*-padded and uses E(j, 0).
 */
static __m128i
hash_string(const struct aez *a, __m128i jJ, const struct aez_span *s)
{
	__m128i sum = _mm_setzero_si128(), icur = a->I2;
	const uint8_t *p = s->p;
	size_t left = s->len;
	unsigned int i;

	for (i = 1; left >= BLK; i++, left -= BLK, p += BLK) {
		sum = _mm_xor_si128(sum, aes4(a, x3(ld(p), jJ, _mm_xor_si128(icur, a->L[i % 8]))));
		if (i % 8 == 0)
			icur = dbl(icur);
	}
	if (left > 0 || s->len == 0)
		sum = _mm_xor_si128(sum, aes4(a, x3(pad10(p, left), jJ, a->I)));
	return sum;
}

static __m128i
aez_hash(const struct aez *a, const struct aez_span *nonce, const struct aez_span *ad, size_t nr_ad,
	size_t tau_bits)
{
	uint8_t tb[BLK] = {0};
	__m128i sum;

	tb[12] = (uint8_t)(tau_bits >> 24);
	tb[13] = (uint8_t)(tau_bits >> 16);
	tb[14] = (uint8_t)(tau_bits >> 8);
	tb[15] = (uint8_t)tau_bits;
	/* E(3, 1): 3J ^ 2I ^ L. */
	sum = aes4(a, x3(ld(tb), _mm_xor_si128(a->J, a->J2), _mm_xor_si128(a->I2, a->L[1])));
	sum = _mm_xor_si128(sum, hash_string(a, a->J4, nonce));
	for (size_t k = 0; k < nr_ad; k++)
		sum = _mm_xor_si128(sum, hash_string(a, mult((unsigned int)(5 + k), a->J), &ad[k]));
	return sum;
}

/* AEZ-prf: tau bytes of E(-1, 3)(delta ^ counter). */
static void
aez_prf(const struct aez *a, __m128i delta, size_t tau, uint8_t *out)
{
	uint8_t ctr[BLK] = {0}, b[BLK];

	for (size_t off = 0; off < tau; off += BLK) {
		size_t n = tau - off < BLK ? tau - off : BLK;

		st(b, e10(a, 3, _mm_xor_si128(delta, ld(ctr))));
		memcpy(out + off, b, n);
		for (int i = BLK - 1; i >= 0 && ++ctr[i] == 0; i--)
			;
	}
	sodium_memzero(b, sizeof(b));
}

/* The fragment part of the X (d = in) or Y (d = out) checksum. */
static __m128i
frag_sum(const struct aez *a, const uint8_t *p, size_t frag)
{
	__m128i s = _mm_setzero_si128();

	if (frag >= BLK) {
		s = e0(a, 4, ld(p));
		s = _mm_xor_si128(s, e0(a, 5, pad10(p + BLK, frag - BLK)));
	} else if (frag > 0) {
		s = e0(a, 4, pad10(p, frag));
	}
	return s;
}

/* Encrypt the fragment with E(-1, 4)(S) and E(-1, 5)(S) as a stream. */
static void
frag_xor(const struct aez *a, __m128i S, uint8_t *p, size_t frag)
{
	uint8_t ks[2 * BLK];

	st(ks, e10(a, 4, S));
	st(ks + BLK, e10(a, 5, S));
	for (size_t i = 0; i < frag; i++)
		p[i] ^= ks[i];
	sodium_memzero(ks, sizeof(ks));
}

/* AEZ-core, in place on buf (len >= 32); d = 0 enciphers, 1 deciphers. */
static void
aez_core(const struct aez *a, __m128i delta, uint8_t *buf, size_t len, unsigned int d)
{
	size_t pairs = len / 32 - 1, frag = len % 32, fs = 32 * pairs, last = len - 32;
	__m128i X = _mm_setzero_si128(), Y = _mm_setzero_si128(), S, icur = a->I2, w, x, t;
	uint8_t *p;
	unsigned int i;

	/* Pass 1: W_i = M_i ^ E(1, i)(M'_i), X_i = M'_i ^ E(0, 0)(W_i). */
	for (i = 1, p = buf; i <= pairs; i++, p += 32) {
		x = ld(p + BLK);
		w = _mm_xor_si128(ld(p), aes4(a, x3(x, a->J, _mm_xor_si128(icur, a->L[i % 8]))));
		x = _mm_xor_si128(x, e00(a, w));
		st(p, w);
		st(p + BLK, x);
		X = _mm_xor_si128(X, x);
		if (i % 8 == 0)
			icur = dbl(icur);
	}
	X = _mm_xor_si128(X, frag_sum(a, buf + fs, frag));

	/* The middle two blocks give S. */
	p = buf + last;
	t = x3(X, ld(p), _mm_xor_si128(delta, e0(a, 1 + d, ld(p + BLK))));
	st(p + BLK, _mm_xor_si128(ld(p + BLK), e10(a, 1 + d, t)));
	st(p, t);
	S = _mm_xor_si128(t, ld(p + BLK));

	/* Pass 2 over the intermediate pairs. */
	icur = a->I2;
	for (i = 1, p = buf; i <= pairs; i++, p += 32) {
		t = aes4(a, x3(S, a->J2, _mm_xor_si128(icur, a->L[i % 8])));
		w = _mm_xor_si128(ld(p), t);
		x = _mm_xor_si128(ld(p + BLK), t);
		Y = _mm_xor_si128(Y, w);
		w = _mm_xor_si128(w, e00(a, x));
		x = _mm_xor_si128(x, aes4(a, x3(w, a->J, _mm_xor_si128(icur, a->L[i % 8]))));
		st(p, x);
		st(p + BLK, w);
		if (i % 8 == 0)
			icur = dbl(icur);
	}
	frag_xor(a, S, buf + fs, frag);
	Y = _mm_xor_si128(Y, frag_sum(a, buf + fs, frag));

	/* The last two blocks, swapped on output. */
	p = buf + last;
	w = _mm_xor_si128(ld(p), e10(a, 2 - d, ld(p + BLK)));
	x = x3(ld(p + BLK), e0(a, 2 - d, w), _mm_xor_si128(delta, Y));
	st(p, x);
	st(p + BLK, w);
}

/* Copy a block into a zeroed 16-byte buffer as the tiny Feistel input. */
static void
tiny_round_input(uint8_t b[BLK], const uint8_t *half, size_t n, uint8_t mask, uint8_t pad,
	__m128i delta, uint8_t jbyte)
{
	memset(b, 0, BLK);
	memcpy(b, half, (n + 1) / 2);
	b[n / 2] = (uint8_t)((b[n / 2] & mask) | pad);
	st(b, _mm_xor_si128(ld(b), delta));
	b[BLK - 1] ^= jbyte;
}

/* The 0x80 bit fix-up AEZ-tiny applies to messages shorter than a block. */
static uint8_t
tiny_msb(const struct aez *a, const uint8_t *src, size_t n, __m128i delta)
{
	uint8_t b[BLK] = {0};

	memcpy(b, src, n);
	b[0] |= 0x80;
	st(b, e0(a, 3, _mm_xor_si128(ld(b), delta)));
	return b[0] & 0x80;
}

/* AEZ-tiny, in place on buf (1 <= len < 32): a Feistel network over halves. */
static void
aez_tiny(const struct aez *a, __m128i delta, uint8_t *buf, size_t n, unsigned int d)
{
	unsigned int rounds, ei = 7;
	uint8_t L[BLK] = {0}, R[BLK] = {0}, b[2 * BLK] = {0}, mask = 0x00, pad = 0x80;
	int j, step;

	if (n == 1) {
		rounds = 24;
	} else if (n == 2) {
		rounds = 16;
	} else if (n < 16) {
		rounds = 10;
	} else {
		rounds = 8;
		ei = 6;
	}

	/* Split the n*8 bits in two; with odd n the halves share a nibble. */
	memcpy(L, buf, (n + 1) / 2);
	memcpy(R, buf + n / 2, (n + 1) / 2);
	if (n & 1) {
		for (size_t k = 0; k < n / 2; k++)
			R[k] = (uint8_t)(R[k] << 4 | R[k + 1] >> 4);
		R[n / 2] = (uint8_t)(R[n / 2] << 4);
		pad = 0x08;
		mask = 0xf0;
	}
	if (d) {
		if (n < 16)
			L[0] ^= tiny_msb(a, buf, n, delta);
		j = (int)rounds - 1;
		step = -1;
	} else {
		j = 0;
		step = 1;
	}
	for (unsigned int k = 0; k < rounds / 2; k++, j += 2 * step) {
		tiny_round_input(b, R, n, mask, pad, delta, (uint8_t)j);
		st(L, _mm_xor_si128(ld(L), e0(a, ei, ld(b))));
		tiny_round_input(b, L, n, mask, pad, delta, (uint8_t)(j + step));
		st(R, _mm_xor_si128(ld(R), e0(a, ei, ld(b))));
	}
	memset(b, 0, sizeof(b));
	memcpy(b, R, n / 2);
	memcpy(b + n / 2, L, (n + 1) / 2);
	if (n & 1) {
		for (size_t k = n - 1; k > n / 2; k--)
			b[k] = (uint8_t)(b[k] >> 4 | b[k - 1] << 4);
		b[n / 2] = (uint8_t)(L[0] >> 4 | (R[n / 2] & 0xf0));
	}
	memcpy(buf, b, n);
	if (n < 16 && !d)
		buf[0] ^= tiny_msb(a, b, n, delta);
	sodium_memzero(L, sizeof(L));
	sodium_memzero(R, sizeof(R));
	sodium_memzero(b, sizeof(b));
}

static void
cipher(const struct aez *a, __m128i delta, uint8_t *buf, size_t len, unsigned int d)
{
	if (len == 0)
		return;
	if (len < 32)
		aez_tiny(a, delta, buf, len, d);
	else
		aez_core(a, delta, buf, len, d);
}

void
aez_encrypt_raw(const uint8_t key[48], const struct aez_span *nonce, const struct aez_span *ad,
	size_t nr_ad, size_t tau, const uint8_t *in, size_t in_len, uint8_t *out)
{
	struct aez a;
	__m128i delta;

	aez_init(&a, key);
	delta = aez_hash(&a, nonce, ad, nr_ad, tau * 8);
	if (in_len == 0) {
		aez_prf(&a, delta, tau, out);
	} else {
		if (out != in)
			memmove(out, in, in_len);
		memset(out + in_len, 0, tau);
		cipher(&a, delta, out, in_len + tau, 0);
	}
	aez_wipe(&a);
}

int
aez_decrypt_raw(const uint8_t key[48], const struct aez_span *nonce, const struct aez_span *ad,
	size_t nr_ad, size_t tau, const uint8_t *in, size_t in_len, uint8_t *out)
{
	struct aez a;
	__m128i delta;
	uint8_t acc = 0, prf[BLK];

	aez_init(&a, key);
	delta = aez_hash(&a, nonce, ad, nr_ad, tau * 8);
	if (in_len == tau) {
		aez_prf(&a, delta, tau, prf);
		for (size_t i = 0; i < tau; i++)
			acc |= prf[i] ^ in[i];
		sodium_memzero(prf, sizeof(prf));
	} else {
		if (out != in)
			memmove(out, in, in_len);
		cipher(&a, delta, out, in_len, 1);
		for (size_t i = in_len - tau; i < in_len; i++)
			acc |= out[i];
		if (acc != 0)
			sodium_memzero(out, in_len);
	}
	aez_wipe(&a);
	return acc == 0 ? 0 : -EBADMSG;
}
