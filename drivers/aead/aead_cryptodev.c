/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rte_cryptodev engine: the same ops through a DPDK crypto device, so that
 * crypto PMDs and hardware (QAT, ...) plug in. By default the engine creates
 * and owns a private software vdev (crypto_aesni_mb, which runs ipsec-mb); it
 * can instead use one queue pair of a device the application set up.
 *
 * Buffers are lent to the device as mbufs with an external buffer (no copy).
 * A session binds key, aad length and direction, so sessions are cached per
 * (key, aad_len, direction) in a small set-associative cache.
 *
 * The tag comparison on decrypt is the PMD's: crypto_aesni_mb in DPDK 22.11
 * uses memcmp, which is not constant time (see docs/aead.md).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_bus_vdev.h>
#include <rte_crypto.h>
#include <rte_cryptodev.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <sodium.h>

#include "aead_priv.h"

#define CHUNK 64 /* ops per enqueue round */
#define WAYS 4   /* session cache associativity */
#define SETS 16  /* session cache sets (power of two) */
#define QP_DESC 128
/* Private area of each crypto op: the nonce, then the op's index. */
#define IV_OFFSET (sizeof(struct rte_crypto_op) + sizeof(struct rte_crypto_sym_op))
#define IDX_OFFSET (IV_OFFSET + VH_AEAD_NONCE_LEN)
#define OP_PRIV 16
#define DEFAULT_DRIVER "crypto_aesni_mb"

#define LOG(level, fmt, ...) RTE_LOG(level, USER1, "aead cryptodev: " fmt "\n", ##__VA_ARGS__)

struct sess_slot {
	uint8_t key[VH_AEAD_KEY_LEN];
	uint32_t aad_len;
	bool enc;
	bool used;
	uint64_t epoch; /* last chunk that used it; never evicted while in flight */
	void *sess;
};

struct cdev {
	struct vh_aead base;
	uint8_t dev;
	uint16_t qp;
	bool owned; /* we created the vdev and must tear it down */
	bool oop;   /* device can write to a separate dst buffer */
	bool iova_va;
	uint16_t aad_min, aad_inc;
	char vdev_name[RTE_CRYPTODEV_NAME_MAX_LEN];
	struct rte_mempool *op_pool, *mbuf_pool, *sess_pool;
	uint64_t epoch;
	struct sess_slot cache[SETS][WAYS];
	struct vh_aead_op *pending[CHUNK];
	struct rte_crypto_op *cops[CHUNK];
	struct rte_crypto_op *done[CHUNK];
	struct rte_mbuf_ext_shared_info shinfo[2 * CHUNK];
};

static atomic_uint instances;
static uint8_t empty[1];

static void
noop_free(void *addr, void *opaque)
{
	(void)addr;
	(void)opaque;
}

static rte_iova_t
iova_of(const struct cdev *e, const void *p)
{
	/* Software PMDs never look at IOVAs; hardware ones need DPDK memory
	 * when EAL runs in PA mode. */
	return e->iova_va ? (rte_iova_t)(uintptr_t)p : rte_mem_virt2iova(p);
}

static unsigned int
set_of(const uint8_t *key, uint32_t aad_len, bool enc)
{
	uint64_t h;

	memcpy(&h, key, sizeof(h));
	h ^= (uint64_t)aad_len * 0x9e3779b97f4a7c15ULL ^ (uint64_t)enc;
	h *= 0xff51afd7ed558ccdULL;
	return (unsigned int)(h >> 60) & (SETS - 1);
}

static void *
new_session(struct cdev *e, const uint8_t *key, uint32_t aad_len, bool enc)
{
	struct rte_crypto_sym_xform x = {
		.type = RTE_CRYPTO_SYM_XFORM_AEAD,
		.aead =
			{
				.op = enc ? RTE_CRYPTO_AEAD_OP_ENCRYPT : RTE_CRYPTO_AEAD_OP_DECRYPT,
				.algo = RTE_CRYPTO_AEAD_CHACHA20_POLY1305,
				.key = {.data = key, .length = VH_AEAD_KEY_LEN},
				.iv = {.offset = IV_OFFSET, .length = VH_AEAD_NONCE_LEN},
				.digest_length = VH_AEAD_TAG_LEN,
				.aad_length = (uint16_t)aad_len,
			},
	};

	return rte_cryptodev_sym_session_create(e->dev, &x, e->sess_pool);
}

static void
drop_slot(struct cdev *e, struct sess_slot *s)
{
	if (s->used)
		rte_cryptodev_sym_session_free(e->dev, s->sess);
	sodium_memzero(s, sizeof(*s));
}

/* The session for this op, or NULL: -EAGAIN when every way of its set is
 * used by the chunk being built, -EIO when the device refuses a session. */
static void *
get_session(struct cdev *e, const struct vh_aead_op *op, bool enc, int *err)
{
	struct sess_slot *set = e->cache[set_of(op->key, op->aad_len, enc)];
	struct sess_slot *victim = NULL;

	for (int w = 0; w < WAYS; w++) {
		struct sess_slot *s = &set[w];

		if (s->used && s->aad_len == op->aad_len && s->enc == enc &&
			sodium_memcmp(s->key, op->key, VH_AEAD_KEY_LEN) == 0) {
			s->epoch = e->epoch;
			return s->sess;
		}
		if (s->epoch != e->epoch &&
			(victim == NULL || !s->used || (victim->used && s->epoch < victim->epoch)))
			victim = s;
	}
	if (victim == NULL) {
		*err = -EAGAIN;
		return NULL;
	}
	drop_slot(e, victim);
	victim->sess = new_session(e, op->key, op->aad_len, enc);
	if (victim->sess == NULL) {
		*err = -EIO;
		return NULL;
	}
	memcpy(victim->key, op->key, VH_AEAD_KEY_LEN);
	victim->aad_len = op->aad_len;
	victim->enc = enc;
	victim->used = true;
	victim->epoch = e->epoch;
	return victim->sess;
}

static void
lend(struct cdev *e, struct rte_mbuf *m, unsigned int slot, const uint8_t *buf, uint32_t len)
{
	void *p = len != 0 ? (void *)(uintptr_t)buf : empty;

	e->shinfo[slot].free_cb = noop_free;
	e->shinfo[slot].fcb_opaque = NULL;
	rte_mbuf_ext_refcnt_set(&e->shinfo[slot], 1);
	rte_pktmbuf_attach_extbuf(
		m, p, iova_of(e, p), len != 0 ? (uint16_t)len : 1, &e->shinfo[slot]);
	m->data_len = (uint16_t)len;
	m->pkt_len = len;
}

/* Fill crypto op k of the chunk for op; 0, -EAGAIN or a negative status. */
static int
prepare(struct cdev *e, struct vh_aead_op *op, unsigned int k, bool enc)
{
	struct rte_crypto_op *cop;
	struct rte_mbuf *m[2];
	bool oop = op->src != op->dst && op->len != 0;
	uint32_t idx = k;
	int err = 0;
	void *sess;

	if (op->aad_len < e->aad_min || (op->aad_len - e->aad_min) % e->aad_inc != 0)
		return -EINVAL;
	sess = get_session(e, op, enc, &err);
	if (sess == NULL)
		return err;
	if (rte_crypto_op_bulk_alloc(e->op_pool, RTE_CRYPTO_OP_TYPE_SYMMETRIC, &cop, 1) != 1)
		return -EIO;
	if (rte_pktmbuf_alloc_bulk(e->mbuf_pool, m, oop ? 2 : 1) != 0) {
		rte_crypto_op_free(cop);
		return -EIO;
	}
	if (oop && !e->oop) {
		/* The device only works in place: do it in dst. */
		memcpy(op->dst, op->src, op->len);
		oop = false;
		rte_pktmbuf_free(m[1]);
	}
	lend(e, m[0], 2 * k, oop ? op->src : op->dst, op->len);
	if (oop)
		lend(e, m[1], 2 * k + 1, op->dst, op->len);
	cop->sym->m_src = m[0];
	cop->sym->m_dst = oop ? m[1] : NULL;
	cop->sym->aead.data.offset = 0;
	cop->sym->aead.data.length = op->len;
	cop->sym->aead.digest.data = op->tag;
	cop->sym->aead.digest.phys_addr = iova_of(e, op->tag);
	cop->sym->aead.aad.data = op->aad_len != 0 ? (uint8_t *)(uintptr_t)op->aad : empty;
	cop->sym->aead.aad.phys_addr = iova_of(e, cop->sym->aead.aad.data);
	rte_crypto_op_attach_sym_session(cop, sess);
	memcpy(rte_crypto_op_ctod_offset(cop, uint8_t *, IV_OFFSET), op->nonce, VH_AEAD_NONCE_LEN);
	memcpy(rte_crypto_op_ctod_offset(cop, uint8_t *, IDX_OFFSET), &idx, sizeof(idx));
	e->cops[k] = cop;
	e->pending[k] = op;
	return 0;
}

static void
complete(struct cdev *e, struct rte_crypto_op *cop)
{
	struct vh_aead_op *op;
	uint32_t idx;

	memcpy(&idx, rte_crypto_op_ctod_offset(cop, uint8_t *, IDX_OFFSET), sizeof(idx));
	op = e->pending[idx];
	switch (cop->status) {
	case RTE_CRYPTO_OP_STATUS_SUCCESS:
		op->status = 0;
		break;
	case RTE_CRYPTO_OP_STATUS_AUTH_FAILED:
		if (op->len != 0)
			sodium_memzero(op->dst, op->len);
		op->status = -EBADMSG;
		break;
	case RTE_CRYPTO_OP_STATUS_INVALID_ARGS:
	case RTE_CRYPTO_OP_STATUS_INVALID_SESSION:
		op->status = -EINVAL;
		break;
	default:
		op->status = -EIO;
		break;
	}
	rte_pktmbuf_free(cop->sym->m_src);
	rte_pktmbuf_free(cop->sym->m_dst);
	rte_crypto_op_free(cop);
}

/*
 * Enqueue the chunk and poll until every op is back. A device that keeps ops
 * for over a second is broken: its ops are failed with -EIO and left to it
 * (their buffers may still be written), rather than hanging the lcore.
 */
static void
run_chunk(struct cdev *e, unsigned int k)
{
	uint64_t deadline = rte_get_tsc_cycles() + rte_get_tsc_hz();
	unsigned int enq = 0, deq = 0;

	while (deq < k) {
		uint16_t d;

		if (enq < k)
			enq += rte_cryptodev_enqueue_burst(
				e->dev, e->qp, &e->cops[enq], (uint16_t)(k - enq));
		d = rte_cryptodev_dequeue_burst(e->dev, e->qp, e->done, (uint16_t)(k - deq));
		for (uint16_t j = 0; j < d; j++)
			complete(e, e->done[j]);
		deq += d;
		if (d == 0 && rte_get_tsc_cycles() > deadline)
			break;
	}
	if (deq == k)
		return;
	LOG(ERR, "device %u queue %u kept %u ops past the deadline", e->dev, e->qp, k - deq);
	/* Ops never enqueued are still ours; the rest belong to the device. */
	for (unsigned int j = enq; j < k; j++)
		complete(e, e->cops[j]);
	for (unsigned int j = 0; j < k; j++)
		if (e->pending[j]->status == 1)
			e->pending[j]->status = -EIO;
}

static void
cdev_burst(struct vh_aead *a, struct vh_aead_op *ops, unsigned int n, bool enc)
{
	struct cdev *e = (struct cdev *)a;
	unsigned int i = 0;

	/* Ops still queued in a chunk keep status 1 until they complete. */
	while (i < n) {
		unsigned int k = 0;

		e->epoch++;
		for (; i < n && k < CHUNK; i++) {
			int r;

			if (ops[i].status != 0)
				continue;
			r = prepare(e, &ops[i], k, enc);
			if (r == -EAGAIN)
				break;
			if (r == 0)
				ops[i].status = 1;
			else
				ops[i].status = r;
			k += r == 0;
		}
		if (k != 0)
			run_chunk(e, k);
	}
}

static void
cdev_destroy(struct vh_aead *a)
{
	struct cdev *e = (struct cdev *)a;

	for (int s = 0; s < SETS; s++)
		for (int w = 0; w < WAYS; w++)
			drop_slot(e, &e->cache[s][w]);
	if (e->owned) {
		rte_cryptodev_stop(e->dev);
		rte_cryptodev_close(e->dev);
		rte_vdev_uninit(e->vdev_name);
	}
	rte_mempool_free(e->op_pool);
	rte_mempool_free(e->mbuf_pool);
	rte_mempool_free(e->sess_pool);
	sodium_memzero(e, sizeof(*e));
	free(e);
}

static const struct aead_ops cdev_ops = {
	.name = "cryptodev",
	.burst = cdev_burst,
	.destroy = cdev_destroy,
};

/* Create, configure and start a private vdev of the given driver. */
static int
open_vdev(struct cdev *e, const char *driver, const char *args, int socket)
{
	struct rte_cryptodev_config cc = {
		.socket_id = socket,
		.nb_queue_pairs = 1,
		.ff_disable = RTE_CRYPTODEV_FF_ASYMMETRIC_CRYPTO | RTE_CRYPTODEV_FF_SECURITY,
	};
	/* Our ops always carry a session: no session pool for sessionless. */
	struct rte_cryptodev_qp_conf qc = {.nb_descriptors = QP_DESC, .mp_session = NULL};
	int id;

	if (rte_cryptodev_driver_id_get(driver) < 0) {
		LOG(ERR, "no crypto driver named %s is registered (is its PMD loaded?)", driver);
		return -ENOTSUP;
	}
	snprintf(e->vdev_name, sizeof(e->vdev_name), "%s_vh%u", driver,
		atomic_fetch_add(&instances, 1));
	if (rte_vdev_init(e->vdev_name, args) != 0) {
		LOG(ERR, "cannot create vdev %s", e->vdev_name);
		return -ENODEV;
	}
	id = rte_cryptodev_get_dev_id(e->vdev_name);
	if (id < 0) {
		rte_vdev_uninit(e->vdev_name);
		return -ENODEV;
	}
	e->dev = (uint8_t)id;
	e->qp = 0;
	e->owned = true;
	if (rte_cryptodev_configure(e->dev, &cc) != 0 ||
		rte_cryptodev_queue_pair_setup(e->dev, 0, &qc, socket) != 0 ||
		rte_cryptodev_start(e->dev) != 0) {
		LOG(ERR, "cannot configure and start %s", e->vdev_name);
		return -EIO;
	}
	return 0;
}

static int
use_device(struct cdev *e, const char *name, uint16_t qp)
{
	int id = rte_cryptodev_get_dev_id(name);

	if (id < 0) {
		LOG(ERR, "no crypto device named %s", name);
		return -ENODEV;
	}
	if (qp >= rte_cryptodev_queue_pair_count((uint8_t)id)) {
		LOG(ERR, "%s has no queue pair %u", name, qp);
		return -EINVAL;
	}
	e->dev = (uint8_t)id;
	e->qp = qp;
	return 0;
}

/* Check the device does ChaCha20-Poly1305 with our sizes; learn its aad range. */
static int
check_caps(struct cdev *e)
{
	const struct rte_cryptodev_symmetric_capability *cap;
	struct rte_cryptodev_sym_capability_idx idx = {
		.type = RTE_CRYPTO_SYM_XFORM_AEAD,
		.algo.aead = RTE_CRYPTO_AEAD_CHACHA20_POLY1305,
	};
	struct rte_cryptodev_info info;

	rte_cryptodev_info_get(e->dev, &info);
	cap = rte_cryptodev_sym_capability_get(e->dev, &idx);
	if (cap == NULL) {
		LOG(ERR, "device %s (driver %s) has no CHACHA20_POLY1305 capability",
			rte_cryptodev_name_get(e->dev), info.driver_name);
		return -ENOTSUP;
	}
	if (rte_cryptodev_sym_capability_check_aead(cap, VH_AEAD_KEY_LEN, VH_AEAD_TAG_LEN,
		    cap->aead.aad_size.min, VH_AEAD_NONCE_LEN) != 0) {
		LOG(ERR,
			"device %s: CHACHA20_POLY1305 without 32-byte key, 16-byte tag, "
			"12-byte nonce",
			rte_cryptodev_name_get(e->dev));
		return -ENOTSUP;
	}
	e->aad_min = cap->aead.aad_size.min;
	e->aad_inc = cap->aead.aad_size.increment != 0 ? cap->aead.aad_size.increment : 1;
	e->base.max_aad = cap->aead.aad_size.max;
	e->base.max_len = UINT16_MAX; /* one mbuf segment */
	e->oop = (info.feature_flags & RTE_CRYPTODEV_FF_OOP_LB_IN_LB_OUT) != 0;
	return 0;
}

/* Pools named after the engine, so several engines can coexist. */
static int
make_pools(struct cdev *e, int socket, uint32_t sess_size)
{
	char name[RTE_MEMPOOL_NAMESIZE];
	unsigned int id = atomic_fetch_add(&instances, 1);

	snprintf(name, sizeof(name), "vh_aead_op%u", id);
	e->op_pool = rte_crypto_op_pool_create(
		name, RTE_CRYPTO_OP_TYPE_SYMMETRIC, 2 * CHUNK, 0, OP_PRIV, socket);
	snprintf(name, sizeof(name), "vh_aead_mb%u", id);
	/* No data room: every mbuf borrows the caller's buffer. */
	e->mbuf_pool = rte_pktmbuf_pool_create(name, 4 * CHUNK, 0, 0, 0, socket);
	snprintf(name, sizeof(name), "vh_aead_ss%u", id);
	e->sess_pool = rte_cryptodev_sym_session_pool_create(
		name, SETS * WAYS + 8, sess_size, 0, 0, socket);
	return e->op_pool != NULL && e->mbuf_pool != NULL && e->sess_pool != NULL ? 0 : -ENOMEM;
}

static int
setup(struct cdev *e, const struct vh_aead_conf *conf)
{
	int r;

	e->iova_va = rte_eal_iova_mode() == RTE_IOVA_VA;
	if (conf->cdev_name != NULL)
		r = use_device(e, conf->cdev_name, conf->cdev_qp);
	else
		r = open_vdev(e, conf->cdev_driver != NULL ? conf->cdev_driver : DEFAULT_DRIVER,
			conf->cdev_args, conf->socket_id);
	if (r != 0)
		return r;
	r = check_caps(e);
	if (r != 0)
		return r;
	return make_pools(e, conf->socket_id, rte_cryptodev_sym_get_private_session_size(e->dev));
}

struct vh_aead *
aead_cryptodev_create(const struct vh_aead_conf *conf)
{
	static const struct vh_aead_conf defaults;
	struct cdev *e;
	int r;

	/* Before rte_eal_init() there is no memory to build pools from. */
	if (rte_lcore_count() == 0) {
		errno = ENODEV;
		return NULL;
	}
	if (sodium_init() < 0) {
		errno = ENOTSUP;
		return NULL;
	}
	e = calloc(1, sizeof(*e));
	if (e == NULL)
		return NULL;
	e->base.ops = &cdev_ops;
	r = setup(e, conf != NULL ? conf : &defaults);
	if (r != 0) {
		cdev_destroy(&e->base);
		errno = -r;
		return NULL;
	}
	return &e->base;
}
