/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Intel ipsec-mb engine, the fast default. A burst goes to the library in
 * chunks through its job burst API so that the multi-buffer lanes fill; the
 * chunk is flushed before returning, so nothing stays queued between calls.
 *
 * The IMB_MGR holds the lanes and is not thread-safe: one engine per lcore.
 * ipsec-mb only computes the tag on decrypt; the comparison is ours, in
 * constant time (tag_differs()).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <intel-ipsec-mb.h>
#include <sodium.h>

#include "aead_priv.h"

/* Jobs per submission: enough to fill every lane of the widest (AVX-512)
 * manager several times over, and within IMB_MAX_BURST_SIZE. */
#define CHUNK 64

struct ipsecmb {
	struct vh_aead base;
	IMB_MGR *mgr;
	IMB_JOB *jobs[CHUNK];
	struct vh_aead_op *pending[CHUNK];
	uint8_t tags[CHUNK][VH_AEAD_TAG_LEN]; /* tags computed on decrypt */
};

/* ipsec-mb wants non-NULL buffers even for empty messages and aad. */
static uint8_t empty[1];

static void
fill_job(IMB_JOB *job, struct vh_aead_op *op, uint8_t *tag_out, bool enc)
{
	job->cipher_mode = IMB_CIPHER_CHACHA20_POLY1305;
	job->hash_alg = IMB_AUTH_CHACHA20_POLY1305;
	job->cipher_direction = enc ? IMB_DIR_ENCRYPT : IMB_DIR_DECRYPT;
	job->chain_order = enc ? IMB_ORDER_CIPHER_HASH : IMB_ORDER_HASH_CIPHER;
	job->enc_keys = op->key;
	job->dec_keys = op->key;
	job->key_len_in_bytes = VH_AEAD_KEY_LEN;
	job->src = op->len != 0 ? op->src : empty;
	job->dst = op->len != 0 ? op->dst : empty;
	job->cipher_start_src_offset_in_bytes = 0;
	job->msg_len_to_cipher_in_bytes = op->len;
	job->hash_start_src_offset_in_bytes = 0;
	job->msg_len_to_hash_in_bytes = op->len;
	job->iv = op->nonce;
	job->iv_len_in_bytes = VH_AEAD_NONCE_LEN;
	job->auth_tag_output = enc ? op->tag : tag_out;
	job->auth_tag_output_len_in_bytes = VH_AEAD_TAG_LEN;
	job->u.CHACHA20_POLY1305.aad = op->aad_len != 0 ? op->aad : empty;
	job->u.CHACHA20_POLY1305.aad_len_in_bytes = op->aad_len;
	job->u.CHACHA20_POLY1305.ctx = NULL;
	job->user_data = op;
	job->user_data2 = tag_out;
}

/*
 * Constant-time comparison of two 16-byte tags: the XORs of both halves are
 * ORed, so no byte decides when the comparison ends. Inline, it costs a few
 * instructions where sodium_memcmp() costs a call and a byte loop per op.
 */
static inline bool
tag_differs(const uint8_t *a, const uint8_t *b)
{
	uint64_t a0, a1, b0, b1;

	memcpy(&a0, a, 8);
	memcpy(&a1, a + 8, 8);
	memcpy(&b0, b, 8);
	memcpy(&b1, b + 8, 8);
	return ((a0 ^ b0) | (a1 ^ b1)) != 0;
}

/* Turn a returned job into the op's status. */
static void
finish_job(const IMB_JOB *job, bool enc)
{
	struct vh_aead_op *op = job->user_data;

	if (job->status != IMB_STATUS_COMPLETED) {
		op->status = -EINVAL;
		return;
	}
	if (!enc && tag_differs(job->user_data2, op->tag)) {
		if (op->len != 0)
			sodium_memzero(op->dst, op->len);
		op->status = -EBADMSG;
		return;
	}
	op->status = 0;
}

static void
drain(struct ipsecmb *e, bool enc)
{
	uint32_t n;

	while ((n = IMB_FLUSH_BURST(e->mgr, CHUNK, e->jobs)) != 0)
		for (uint32_t i = 0; i < n; i++)
			finish_job(e->jobs[i], enc);
}

/*
 * Jobs go in unchecked (IMB_SUBMIT_BURST_NOCHECK): aead.c has checked every
 * op already, and fill_job() sets every field the library's own checks look
 * at (algorithm, key and IV lengths, non-NULL buffers even when empty), so
 * the library would only check again what cannot fail.
 */
static void
submit_chunk(struct ipsecmb *e, unsigned int k, bool enc)
{
	uint32_t got, done;

	got = IMB_GET_NEXT_BURST(e->mgr, k, e->jobs);
	if (got != k) {
		/* Only if something was left queued: empty it and retry. */
		drain(e, enc);
		got = IMB_GET_NEXT_BURST(e->mgr, k, e->jobs);
	}
	for (unsigned int j = got; j < k; j++)
		e->pending[j]->status = -EIO;
	for (unsigned int j = 0; j < got; j++)
		fill_job(e->jobs[j], e->pending[j], e->tags[j], enc);
	done = IMB_SUBMIT_BURST_NOCHECK(e->mgr, got, e->jobs);
	for (uint32_t j = 0; j < done; j++)
		finish_job(e->jobs[j], enc);
	drain(e, enc);
}

static void
ipsecmb_burst(struct vh_aead *a, struct vh_aead_op *ops, unsigned int n, bool enc)
{
	struct ipsecmb *e = (struct ipsecmb *)a;
	unsigned int k = 0;

	for (unsigned int i = 0; i < n; i++) {
		if (ops[i].status != 0)
			continue;
		e->pending[k++] = &ops[i];
		if (k == CHUNK) {
			submit_chunk(e, k, enc);
			k = 0;
		}
	}
	if (k != 0)
		submit_chunk(e, k, enc);
}

static void
ipsecmb_destroy(struct vh_aead *a)
{
	struct ipsecmb *e = (struct ipsecmb *)a;

	/* The lanes keep key-derived state (Poly1305 keys) inside the manager. */
	sodium_memzero(e->mgr, imb_get_mb_mgr_size());
	free_mb_mgr(e->mgr);
	sodium_memzero(e, sizeof(*e));
	free(e);
}

static const struct aead_ops ipsecmb_ops = {
	.name = "ipsecmb",
	.burst = ipsecmb_burst,
	.destroy = ipsecmb_destroy,
};

struct vh_aead *
aead_ipsecmb_create(const struct vh_aead_conf *conf)
{
	struct ipsecmb *e;
	IMB_ARCH arch;

	(void)conf;
	if (sodium_init() < 0) {
		errno = ENOTSUP;
		return NULL;
	}
	e = calloc(1, sizeof(*e));
	if (e == NULL)
		return NULL;
	e->mgr = alloc_mb_mgr(0);
	if (e->mgr == NULL) {
		free(e);
		errno = ENOMEM;
		return NULL;
	}
	/* Picks the SSE, AVX2 or AVX-512 code at run time. */
	init_mb_mgr_auto(e->mgr, &arch);
	if (imb_get_errno(e->mgr) != 0 || arch == IMB_ARCH_NONE) {
		free_mb_mgr(e->mgr);
		free(e);
		errno = ENOTSUP;
		return NULL;
	}
	e->base.ops = &ipsecmb_ops;
	e->base.max_len = UINT32_MAX;
	e->base.max_aad = UINT32_MAX;
	return &e->base;
}
