/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared by the storage tests (TOFU pins, DHT state, mix keys): damage a
 * stored value on disk. Include after <cmocka.h>.
 */
#ifndef VH_TEST_FLIP_H
#define VH_TEST_FLIP_H

#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * Flip the bits of mask in the byte at offset at from every copy of needle
 * (n bytes) in the file: LMDB's copy-on-write leaves older copies of a page
 * in the file, and the one in use is among them.
 * @return the copies flipped
 */
static inline int
vh_test_flip_in_file(const char *path, const void *needle, size_t n, size_t at, uint8_t mask)
{
	int fd = open(path, O_RDWR), flipped = 0;
	struct stat st;
	uint8_t *buf, *end;

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	buf = malloc((size_t)st.st_size);
	assert_non_null(buf);
	assert_int_equal(pread(fd, buf, (size_t)st.st_size, 0), st.st_size);
	end = buf + st.st_size;
	for (uint8_t *p = buf; (p = memmem(p, (size_t)(end - p), needle, n)) != NULL; p += n) {
		uint8_t b;

		if (at >= (size_t)(end - p))
			break;
		b = p[at] ^ mask;
		assert_int_equal(pwrite(fd, &b, 1, p - buf + (off_t)at), 1);
		flipped++;
	}
	close(fd);
	free(buf);
	return flipped;
}

#endif /* VH_TEST_FLIP_H */
