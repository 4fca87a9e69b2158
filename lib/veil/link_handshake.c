/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Handshake glue: Noise XX / IK messages inside HANDSHAKE_INIT, _RESP and
 * _FINISH frames, with session indices and MACs. The identity payload is
 * opaque here (lib/identity defines it). A received message is read into a
 * copy of the Noise state and committed only if it authenticates, so a
 * forged RESP or FINISH that guesses an index cannot kill a handshake.
 */
#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "link_priv.h"
#include "vh_veil.h"

enum step {
	STEP_NONE,
	STEP_SENT_INIT, /* initiator, waiting for RESP */
	STEP_GOT_INIT,  /* responder, RESP to write */
	STEP_SENT_RESP, /* XX responder, waiting for FINISH */
	STEP_GOT_RESP,  /* XX initiator, FINISH to write */
	STEP_DONE,
};

static uint8_t
wire_hash(enum vh_noise_hash h)
{
	return h == VH_NOISE_BLAKE2B ? VH_VEIL_WIRE_BLAKE2B : VH_VEIL_WIRE_SHA256;
}

static bool
conf_valid(const struct vh_veil_hs_conf *c)
{
	return c != NULL && c->local_static != NULL && c->index != NULL &&
	       c->index->reserve != NULL && c->index->release != NULL &&
	       (c->hash == VH_NOISE_SHA256 || c->hash == VH_NOISE_BLAKE2B);
}

/* Start the Noise state; the prologue binds the pattern and hash codes. */
static int
noise_start(struct vh_veil_handshake *hs, const struct vh_veil_hs_conf *c, uint8_t pattern,
	bool initiator, const uint8_t *rs)
{
	uint8_t prologue[sizeof(LINK_PROLOGUE) + 1];
	struct vh_noise_hs_conf nc = {
		.pattern = pattern == VH_VEIL_WIRE_IK ? VH_NOISE_IK : VH_NOISE_XX,
		.hash = c->hash,
		.initiator = initiator,
		.prologue = prologue,
		.prologue_len = sizeof(prologue),
		.local_static = c->local_static,
		.remote_static = rs,
		.rng = c->rng,
		.rng_ctx = c->rng_ctx,
	};

	memcpy(prologue, LINK_PROLOGUE, sizeof(LINK_PROLOGUE) - 1);
	prologue[sizeof(prologue) - 2] = pattern;
	prologue[sizeof(prologue) - 1] = wire_hash(c->hash);
	memset(hs, 0, sizeof(*hs));
	hs->conf = c;
	hs->wire_pattern = pattern;
	hs->initiator = initiator;
	return vh_noise_hs_init(&hs->noise, &nc);
}

/* Write the next Noise message at out + hdr, leaving room for the MACs. */
static int
noise_write(struct vh_veil_handshake *hs, size_t hdr, const uint8_t *payload, size_t plen,
	uint8_t *out, size_t cap, size_t *nlen)
{
	if (cap < hdr + VH_VEIL_MACS_LEN)
		return -ENOBUFS;
	return vh_noise_write_message(
		&hs->noise, payload, plen, out + hdr, cap - hdr - VH_VEIL_MACS_LEN, nlen);
}

/* Read a message into a copy of the state; commit only on success. */
static int
noise_read(struct vh_veil_handshake *hs, const struct vh_veil_hs_frame *f, uint8_t *pl, size_t cap,
	size_t *plen)
{
	struct vh_noise_hs tmp = hs->noise;
	int rc = vh_noise_read_message(&tmp, f->noise, f->noise_len, pl, cap, plen);

	if (rc == 0)
		hs->noise = tmp;
	sodium_memzero(&tmp, sizeof(tmp));
	return rc;
}

static int
frame_out(struct vh_veil_handshake *hs, uint8_t type, uint8_t *out, size_t cap, size_t nlen,
	size_t *outlen)
{
	struct vh_veil_hs_frame f = {
		.type = type,
		.pattern = hs->wire_pattern,
		.hash = wire_hash(hs->conf->hash),
		.sender = hs->local_index,
		.receiver = type == VH_VEIL_HANDSHAKE_INIT ? 0 : hs->remote_index,
		.noise = out + (type == VH_VEIL_HANDSHAKE_INIT ? VH_VEIL_INIT_HDR_LEN
							       : VH_VEIL_RESP_HDR_LEN),
		.noise_len = nlen,
	};

	return vh_veil_hs_frame_encode(&f, out, cap, outlen);
}

static int
fail(struct vh_veil_handshake *hs, int rc)
{
	vh_veil_hs_wipe(hs);
	return rc;
}

int
vh_veil_hs_write_init(struct vh_veil_handshake *hs, const struct vh_veil_hs_conf *conf,
	const uint8_t *remote_static, const uint8_t *payload, size_t plen,
	struct vh_veil_cookie_maker *m, uint64_t now, uint8_t *out, size_t cap, size_t *outlen)
{
	uint8_t pattern = remote_static != NULL ? VH_VEIL_WIRE_IK : VH_VEIL_WIRE_XX;
	size_t nlen;
	int rc;

	if (hs == NULL || !conf_valid(conf) || m == NULL || out == NULL || outlen == NULL ||
		(payload == NULL && plen > 0))
		return -EINVAL;
	rc = noise_start(hs, conf, pattern, true, remote_static);
	if (rc != 0)
		return fail(hs, rc);
	rc = noise_write(hs, VH_VEIL_INIT_HDR_LEN, payload, plen, out, cap, &nlen);
	if (rc == 0)
		rc = vh_veil_index_alloc(conf->index, conf->rng, conf->rng_ctx, &hs->local_index);
	if (rc == 0)
		rc = frame_out(hs, VH_VEIL_HANDSHAKE_INIT, out, cap, nlen, outlen);
	if (rc == 0) {
		maker_set_remote(m, remote_static);
		rc = vh_veil_macs_stamp(m, VH_VEIL_HANDSHAKE_INIT, out, *outlen, now);
	}
	if (rc != 0)
		return fail(hs, rc);
	hs->created = now;
	hs->step = STEP_SENT_INIT;
	return 0;
}

static int
decode_for(const struct vh_veil_handshake *hs, uint8_t type, const uint8_t *frame, size_t len,
	struct vh_veil_hs_frame *f)
{
	int rc = vh_veil_hs_frame_decode(type, frame, len, f);

	if (rc != 0)
		return rc;
	if (f->hash != wire_hash(hs->conf->hash) || f->pattern != hs->wire_pattern)
		return -EBADMSG;
	if (type != VH_VEIL_HANDSHAKE_INIT && f->receiver != hs->local_index)
		return -ESRCH;
	return 0;
}

int
vh_veil_hs_read_init(struct vh_veil_handshake *hs, const struct vh_veil_hs_conf *conf,
	const uint8_t *frame, size_t len, uint64_t now, uint8_t *pl, size_t cap, size_t *plen)
{
	struct vh_veil_hs_frame f;
	int rc;

	if (hs == NULL || !conf_valid(conf) || frame == NULL || plen == NULL ||
		(pl == NULL && cap > 0))
		return -EINVAL;
	rc = vh_veil_hs_frame_decode(VH_VEIL_HANDSHAKE_INIT, frame, len, &f);
	if (rc != 0)
		return rc;
	rc = noise_start(hs, conf, f.pattern, false, NULL);
	if (rc == 0)
		rc = decode_for(hs, VH_VEIL_HANDSHAKE_INIT, frame, len, &f);
	if (rc == 0)
		rc = noise_read(hs, &f, pl, cap, plen);
	if (rc != 0)
		return fail(hs, rc);
	hs->remote_index = f.sender;
	hs->created = now;
	hs->step = STEP_GOT_INIT;
	return 0;
}

int
vh_veil_hs_write_resp(struct vh_veil_handshake *hs, const uint8_t *payload, size_t plen,
	uint8_t *out, size_t cap, size_t *outlen)
{
	struct vh_veil_cookie_maker m;
	uint8_t rs[VH_NOISE_KEY_LEN];
	bool ik;
	size_t nlen;
	int rc;

	if (hs == NULL || out == NULL || outlen == NULL || (payload == NULL && plen > 0))
		return -EINVAL;
	if (hs->step != STEP_GOT_INIT)
		return -EPROTO;
	ik = hs->wire_pattern == VH_VEIL_WIRE_IK;
	rc = noise_write(hs, VH_VEIL_RESP_HDR_LEN, payload, plen, out, cap, &nlen);
	if (rc == -ENOBUFS || rc == -EMSGSIZE)
		return rc; /* nothing done: the caller may retry */
	/* Arguments were checked: a bad DH comes from the initiator's low-order e. */
	if (rc == -EINVAL)
		rc = -EBADMSG;
	if (rc == 0)
		rc = vh_veil_index_alloc(
			hs->conf->index, hs->conf->rng, hs->conf->rng_ctx, &hs->local_index);
	if (rc == 0)
		rc = frame_out(hs, VH_VEIL_HANDSHAKE_RESP, out, cap, nlen, outlen);
	if (rc == 0 && ik)
		rc = vh_veil_hs_remote_static(hs, rs);
	if (rc == 0) {
		/* The initiator's key is known only in IK; XX answers open. */
		vh_veil_cookie_maker_init(&m, ik ? rs : NULL);
		rc = vh_veil_macs_stamp(&m, VH_VEIL_HANDSHAKE_RESP, out, *outlen, 0);
		sodium_memzero(&m, sizeof(m));
	}
	if (rc != 0)
		return fail(hs, rc);
	hs->step = ik ? STEP_DONE : STEP_SENT_RESP;
	return 0;
}

int
vh_veil_hs_read_resp(struct vh_veil_handshake *hs, const uint8_t *frame, size_t len, uint8_t *pl,
	size_t cap, size_t *plen)
{
	struct vh_veil_hs_frame f;
	int rc;

	if (hs == NULL || frame == NULL || plen == NULL || (pl == NULL && cap > 0))
		return -EINVAL;
	if (hs->step != STEP_SENT_INIT)
		return -EPROTO;
	rc = decode_for(hs, VH_VEIL_HANDSHAKE_RESP, frame, len, &f);
	if (rc == 0)
		rc = noise_read(hs, &f, pl, cap, plen);
	if (rc != 0)
		return rc;
	hs->remote_index = f.sender;
	hs->step = hs->wire_pattern == VH_VEIL_WIRE_IK ? STEP_DONE : STEP_GOT_RESP;
	return 0;
}

int
vh_veil_hs_write_finish(struct vh_veil_handshake *hs, const uint8_t *payload, size_t plen,
	struct vh_veil_cookie_maker *m, uint64_t now, uint8_t *out, size_t cap, size_t *outlen)
{
	uint8_t rs[VH_NOISE_KEY_LEN];
	size_t nlen;
	int rc;

	if (hs == NULL || m == NULL || out == NULL || outlen == NULL ||
		(payload == NULL && plen > 0))
		return -EINVAL;
	if (hs->step != STEP_GOT_RESP)
		return -EPROTO;
	rc = noise_write(hs, VH_VEIL_RESP_HDR_LEN, payload, plen, out, cap, &nlen);
	if (rc == -ENOBUFS || rc == -EMSGSIZE)
		return rc;
	if (rc == 0)
		rc = frame_out(hs, VH_VEIL_HANDSHAKE_FINISH, out, cap, nlen, outlen);
	if (rc == 0)
		rc = vh_veil_hs_remote_static(hs, rs);
	if (rc == 0) {
		maker_set_remote(m, rs);
		rc = vh_veil_macs_stamp(m, VH_VEIL_HANDSHAKE_FINISH, out, *outlen, now);
	}
	if (rc != 0)
		return fail(hs, rc);
	hs->step = STEP_DONE;
	return 0;
}

int
vh_veil_hs_read_finish(struct vh_veil_handshake *hs, const uint8_t *frame, size_t len, uint8_t *pl,
	size_t cap, size_t *plen)
{
	struct vh_veil_hs_frame f;
	int rc;

	if (hs == NULL || frame == NULL || plen == NULL || (pl == NULL && cap > 0))
		return -EINVAL;
	if (hs->step != STEP_SENT_RESP)
		return -EPROTO;
	rc = decode_for(hs, VH_VEIL_HANDSHAKE_FINISH, frame, len, &f);
	if (rc == 0 && f.sender != hs->remote_index)
		rc = -EBADMSG;
	if (rc == 0)
		rc = noise_read(hs, &f, pl, cap, plen);
	if (rc != 0)
		return rc;
	hs->step = STEP_DONE;
	return 0;
}

bool
vh_veil_hs_is_complete(const struct vh_veil_handshake *hs)
{
	return hs != NULL && hs->step == STEP_DONE;
}

int
vh_veil_hs_remote_static(const struct vh_veil_handshake *hs, uint8_t out[VH_NOISE_KEY_LEN])
{
	if (hs == NULL || out == NULL)
		return -EINVAL;
	if (hs->step == STEP_NONE)
		return -EPROTO;
	return vh_noise_get_remote_static(&hs->noise, out);
}

uint32_t
vh_veil_hs_local_index(const struct vh_veil_handshake *hs)
{
	return hs != NULL ? hs->local_index : 0;
}

void
vh_veil_hs_wipe(struct vh_veil_handshake *hs)
{
	if (hs == NULL)
		return;
	if (hs->local_index != 0 && hs->conf != NULL && hs->conf->index != NULL)
		hs->conf->index->release(hs->conf->index->ctx, hs->local_index);
	vh_noise_hs_wipe(&hs->noise);
	sodium_memzero(hs, sizeof(*hs));
}
