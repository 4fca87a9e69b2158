/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Base58, Bitcoin alphabet. Schoolbook base conversion in the caller's
 * buffer: the digits of the result are built least significant first, then
 * reversed, so no allocation and no length limit beyond cap.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "vh_core.h"

static const char alphabet[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

static int
digit_value(unsigned char c)
{
	const char *p = c != 0 ? memchr(alphabet, c, 58) : NULL;

	return p != NULL ? (int)(p - alphabet) : -1;
}

static void
reverse(unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n / 2; i++) {
		unsigned char t = p[i];

		p[i] = p[n - 1 - i];
		p[n - 1 - i] = t;
	}
}

int
vh_base58_encode(const uint8_t *in, size_t len, char *out, size_t cap)
{
	unsigned char *dig;
	size_t zeros = 0, n = 0;

	while (zeros < len && in[zeros] == 0)
		zeros++;
	if (zeros + 1 > cap || len > INT_MAX / 2)
		return -ENOSPC;
	dig = (unsigned char *)out + zeros;
	for (size_t i = zeros; i < len; i++) {
		unsigned int carry = in[i];

		for (size_t j = 0; j < n; j++) {
			carry += (unsigned int)dig[j] << 8;
			dig[j] = (unsigned char)(carry % 58);
			carry /= 58;
		}
		for (; carry != 0; carry /= 58) {
			if (zeros + n + 1 >= cap)
				return -ENOSPC;
			dig[n++] = (unsigned char)(carry % 58);
		}
	}
	reverse(dig, n);
	for (size_t j = 0; j < n; j++)
		dig[j] = (unsigned char)alphabet[dig[j]];
	memset(out, '1', zeros);
	out[zeros + n] = '\0';
	return (int)(zeros + n);
}

int
vh_base58_decode(const char *in, size_t len, uint8_t *out, size_t cap)
{
	size_t zeros = 0, n = 0;

	for (size_t i = 0; i < len; i++)
		if (digit_value((unsigned char)in[i]) < 0)
			return -EINVAL;
	if (len == 0)
		return 0;
	if (cap == 0 || len > INT_MAX / 2)
		return -ENOSPC;
	while (zeros < len && in[zeros] == '1')
		zeros++;
	if (zeros > cap)
		return -ENOSPC;
	for (size_t i = zeros; i < len; i++) {
		unsigned int carry = (unsigned int)digit_value((unsigned char)in[i]);
		uint8_t *b = out + zeros;

		for (size_t j = 0; j < n; j++) {
			carry += (unsigned int)b[j] * 58;
			b[j] = (uint8_t)carry;
			carry >>= 8;
		}
		for (; carry != 0; carry >>= 8) {
			if (zeros + n >= cap)
				return -ENOSPC;
			b[n++] = (uint8_t)carry;
		}
	}
	reverse(out + zeros, n);
	memset(out, 0, zeros);
	return (int)(zeros + n);
}
