/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bare ipsec-mb ChaCha20-Poly1305 loop (see bare_loop.h): the least work a
 * core can do per packet, so every AEAD path is measured against it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <x86intrin.h>

#include <intel-ipsec-mb.h>

#include "bare_loop.h"

/* Check the clock once per this many bursts: cheap, and well under 1 ms. */
#define CLOCK_EVERY 64

struct bufs {
	uint8_t *src, *dst, *tags;
	uint8_t (*nonces)[12];
	IMB_JOB **jobs;
};

uint64_t
vh_perf_tsc(void)
{
	return __rdtsc();
}

double
vh_perf_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

const char *
vh_perf_aead_bare_arch(void)
{
	static const char *const names[] = {"none", "no-aesni", "sse", "avx", "avx2", "avx512"};
	IMB_MGR *m = alloc_mb_mgr(0);
	IMB_ARCH arch = IMB_ARCH_NONE;

	if (m != NULL) {
		init_mb_mgr_auto(m, &arch);
		free_mb_mgr(m);
	}
	return (unsigned int)arch < sizeof(names) / sizeof(names[0]) ? names[arch] : "?";
}

static void
free_bufs(struct bufs *b)
{
	free(b->src);
	free(b->dst);
	free(b->tags);
	free(b->nonces);
	free(b->jobs);
}

static int
alloc_bufs(struct bufs *b, uint32_t len, unsigned int burst)
{
	b->src = aligned_alloc(64, (size_t)burst * ((len + 63) & ~63u));
	b->dst = aligned_alloc(64, (size_t)burst * ((len + 63) & ~63u));
	b->tags = calloc(burst, 16);
	b->nonces = calloc(burst, 12);
	b->jobs = calloc(burst, sizeof(*b->jobs));
	if (b->src == NULL || b->dst == NULL || b->tags == NULL || b->nonces == NULL ||
		b->jobs == NULL) {
		free_bufs(b);
		return -ENOMEM;
	}
	for (size_t i = 0; i < (size_t)burst * ((len + 63) & ~63u); i++)
		b->src[i] = (uint8_t)(i * 131);
	return 0;
}

static void
fill(IMB_JOB *job, const uint8_t *key, const uint8_t *aad, const uint8_t *src, uint8_t *dst,
	uint32_t len, const uint8_t *nonce, uint8_t *tag, bool enc)
{
	job->cipher_mode = IMB_CIPHER_CHACHA20_POLY1305;
	job->hash_alg = IMB_AUTH_CHACHA20_POLY1305;
	job->cipher_direction = enc ? IMB_DIR_ENCRYPT : IMB_DIR_DECRYPT;
	job->chain_order = enc ? IMB_ORDER_CIPHER_HASH : IMB_ORDER_HASH_CIPHER;
	job->enc_keys = key;
	job->dec_keys = key;
	job->key_len_in_bytes = 32;
	job->src = src;
	job->dst = dst;
	job->cipher_start_src_offset_in_bytes = 0;
	job->msg_len_to_cipher_in_bytes = len;
	job->hash_start_src_offset_in_bytes = 0;
	job->msg_len_to_hash_in_bytes = len;
	job->iv = nonce;
	job->iv_len_in_bytes = 12;
	job->auth_tag_output = tag;
	job->auth_tag_output_len_in_bytes = 16;
	job->u.CHACHA20_POLY1305.aad = aad;
	job->u.CHACHA20_POLY1305.aad_len_in_bytes = 8;
	job->u.CHACHA20_POLY1305.ctx = NULL;
}

/* One burst: counter nonces, submit, flush. Returns packets completed. */
static uint32_t
one_burst(IMB_MGR *m, struct bufs *b, uint32_t len, unsigned int burst, bool enc, uint64_t *counter)
{
	static const uint8_t key[32] = {7}, aad[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	size_t stride = (len + 63) & ~63u;
	uint32_t got = IMB_GET_NEXT_BURST(m, burst, b->jobs), done;

	for (uint32_t j = 0; j < got; j++) {
		uint64_t c = (*counter)++;
		uint8_t *src = b->src + j * stride;

		memcpy(&b->nonces[j][4], &c, 8); /* little-endian host */
		fill(b->jobs[j], key, aad, src, enc ? src : b->dst + j * stride, len, b->nonces[j],
			b->tags + 16 * j, enc);
	}
	done = IMB_SUBMIT_BURST_NOCHECK(m, got, b->jobs);
	while (done < got) {
		uint32_t f = IMB_FLUSH_BURST(m, got - done, b->jobs);

		if (f == 0)
			break;
		done += f;
	}
	return done;
}

int
vh_perf_aead_bare_run(uint32_t len, unsigned int burst, bool encrypt, double seconds,
	struct vh_perf_aead_result *res)
{
	struct bufs b = {0};
	uint64_t counter = 0, t0;
	double start, end;
	IMB_MGR *m;

	if (len == 0 || len > 65535 || burst == 0 || burst > IMB_MAX_BURST_SIZE || res == NULL)
		return -EINVAL;
	if (alloc_bufs(&b, len, burst) != 0)
		return -ENOMEM;
	m = alloc_mb_mgr(0);
	if (m == NULL) {
		free_bufs(&b);
		return -ENOMEM;
	}
	init_mb_mgr_auto(m, NULL);
	memset(res, 0, sizeof(*res));
	start = vh_perf_now();
	end = start + seconds;
	t0 = vh_perf_tsc();
	do {
		for (int i = 0; i < CLOCK_EVERY; i++)
			res->packets += one_burst(m, &b, len, burst, encrypt, &counter);
	} while (vh_perf_now() < end);
	res->tsc = vh_perf_tsc() - t0;
	res->seconds = vh_perf_now() - start;
	res->bytes = res->packets * len;
	free_mb_mgr(m);
	free_bufs(&b);
	return 0;
}
