/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Session keypairs and a peer's three slots, after WireGuard's noise.c:
 * the initiator uses a new keypair at once (current; the old current stays
 * as previous for packets still in flight); the responder cannot send with
 * its new keypair until the initiator has shown it has it too, so it waits
 * in next and is promoted by the first packet that arrives under it. A
 * keypair is dropped when it expires (REJECT_AFTER_TIME) or is pushed out.
 *
 * Slots change only on the thread that owns the peer (the control lcore);
 * a data-plane integration must defer frees past readers (RCU).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "link_priv.h"
#include "vh_veil.h"

struct vh_veil_keypair *
keypair_from_handshake(struct vh_veil_handshake *hs, const struct vh_veil_timing *t, uint64_t now)
{
	struct vh_veil_keypair *kp;
	int rc;

	if (!vh_veil_hs_is_complete(hs)) {
		errno = EPROTO;
		return NULL;
	}
	kp = calloc(1, sizeof(*kp));
	if (kp == NULL)
		return NULL;
	rc = vh_noise_split(&hs->noise, &kp->send, &kp->recv);
	if (rc != 0) {
		free(kp);
		errno = -rc;
		return NULL;
	}
	/* The keypair takes the handshake's index: frames keep naming it. */
	kp->local_index = hs->local_index;
	kp->index = hs->conf->index;
	hs->local_index = 0;
	kp->remote_index = hs->remote_index;
	kp->created = now;
	kp->initiator = hs->initiator;
	kp->xx = hs->wire_pattern == VH_VEIL_WIRE_XX;
	/* IK: the RESP proved the responder's static key and its acceptance. */
	kp->confirmed = kp->initiator && !kp->xx;
	kp->reject_after_messages = t->reject_after_messages < VH_VEIL_REJECT_AFTER_MESSAGES
					    ? t->reject_after_messages
					    : VH_VEIL_REJECT_AFTER_MESSAGES;
	vh_veil_replay_init(&kp->replay);
	return kp;
}

void
keypair_free(struct vh_veil_keypair *kp)
{
	if (kp == NULL)
		return;
	if (kp->local_index != 0 && kp->index != NULL)
		kp->index->release(kp->index->ctx, kp->local_index);
	sodium_memzero(kp, sizeof(*kp));
	free(kp);
}

bool
keypair_expired(const struct vh_veil_keypair *kp, const struct vh_veil_timing *t, uint64_t now)
{
	return now >= kp->created && now - kp->created >= t->reject_after_time;
}

static bool
can_send(const struct vh_veil_keypair *kp, const struct vh_veil_timing *t, uint64_t now)
{
	return kp != NULL && !keypair_expired(kp, t, now) &&
	       kp->send_counter < kp->reject_after_messages;
}

static void
drop(struct vh_veil_peer *p, enum vh_veil_slot s)
{
	keypair_free(p->slot[s]);
	p->slot[s] = NULL;
}

bool
slots_install(struct vh_veil_peer *p, struct vh_veil_keypair *kp)
{
	if (!kp->initiator) {
		drop(p, VH_VEIL_SLOT_NEXT);
		p->slot[VH_VEIL_SLOT_NEXT] = kp;
		return false;
	}
	drop(p, VH_VEIL_SLOT_PREVIOUS);
	if (p->slot[VH_VEIL_SLOT_NEXT] != NULL && peer_wins_ties(p)) {
		/*
		 * Crossing handshakes, and ours wins: the peer may already send
		 * under its own, so keep that rather than the old current.
		 */
		p->slot[VH_VEIL_SLOT_PREVIOUS] = p->slot[VH_VEIL_SLOT_NEXT];
		p->slot[VH_VEIL_SLOT_NEXT] = NULL;
		drop(p, VH_VEIL_SLOT_CURRENT);
	} else {
		/* The peer's (if any) stays next: its first packet promotes it. */
		p->slot[VH_VEIL_SLOT_PREVIOUS] = p->slot[VH_VEIL_SLOT_CURRENT];
	}
	p->slot[VH_VEIL_SLOT_CURRENT] = kp;
	return true;
}

void
slots_promote(struct vh_veil_peer *p)
{
	if (p->slot[VH_VEIL_SLOT_NEXT] == NULL)
		return;
	drop(p, VH_VEIL_SLOT_PREVIOUS);
	p->slot[VH_VEIL_SLOT_PREVIOUS] = p->slot[VH_VEIL_SLOT_CURRENT];
	p->slot[VH_VEIL_SLOT_CURRENT] = p->slot[VH_VEIL_SLOT_NEXT];
	p->slot[VH_VEIL_SLOT_NEXT] = NULL;
}

void
slots_park_next(struct vh_veil_peer *p)
{
	drop(p, VH_VEIL_SLOT_PREVIOUS);
	p->slot[VH_VEIL_SLOT_PREVIOUS] = p->slot[VH_VEIL_SLOT_NEXT];
	p->slot[VH_VEIL_SLOT_NEXT] = NULL;
}

bool
slots_expire(struct vh_veil_peer *p, uint64_t now)
{
	bool any = false;

	for (int s = 0; s < 3; s++) {
		if (p->slot[s] != NULL && keypair_expired(p->slot[s], &p->t, now)) {
			drop(p, (enum vh_veil_slot)s);
			any = true;
		}
	}
	return any;
}

void
slots_clear(struct vh_veil_peer *p)
{
	for (int s = 0; s < 3; s++)
		drop(p, (enum vh_veil_slot)s);
}

int
vh_veil_peer_encrypt(struct vh_veil_peer *p, const uint8_t *pt, size_t plen, uint64_t now,
	uint8_t *out, size_t cap, size_t *outlen)
{
	struct vh_veil_keypair *kp;
	uint64_t counter;
	size_t n;
	int rc;

	if (p == NULL || out == NULL || outlen == NULL || (pt == NULL && plen > 0))
		return -EINVAL;
	if (plen > VH_VEIL_DATA_MAX_PT)
		return -EMSGSIZE;
	if (cap < plen + VH_VEIL_DATA_MIN_LEN)
		return -ENOBUFS;
	kp = p->slot[VH_VEIL_SLOT_CURRENT];
	if (!can_send(kp, &p->t, now))
		return -ENOKEY;
	counter = kp->send_counter++;
	/* pt may sit at out + 12 (in place); the header goes in front. */
	vh_veil_data_hdr_encode(out, kp->remote_index, counter);
	rc = vh_noise_cs_encrypt_nonce(&kp->send, counter, out, VH_VEIL_DATA_HDR_LEN, pt, plen,
		out + VH_VEIL_DATA_HDR_LEN, cap - VH_VEIL_DATA_HDR_LEN, &n);
	if (rc != 0)
		return rc;
	*outlen = VH_VEIL_DATA_HDR_LEN + n;
	if (plen > 0)
		vh_veil_peer_on_data_sent(p, now);
	else
		vh_veil_peer_on_keepalive_sent(p, now);
	return 0;
}

/*
 * Find, check and open a frame's keypair; with own_window the keypair's
 * replay window refuses a replay before any decryption (else the window is
 * the caller's and is not touched).
 */
static int
open_frame(struct vh_veil_peer *p, const uint8_t *frame, size_t len, uint64_t now, uint8_t *out,
	size_t cap, size_t *outlen, bool own_window, struct vh_veil_keypair **kpp,
	uint64_t *counter)
{
	struct vh_veil_keypair *kp;
	struct vh_veil_data d;
	int rc;

	rc = vh_veil_data_decode(frame, len, &d);
	if (rc != 0)
		return rc;
	kp = vh_veil_peer_keypair_by_index(p, d.receiver);
	if (kp == NULL)
		return -ENOKEY;
	if (keypair_expired(kp, &p->t, now))
		return -EKEYEXPIRED;
	if (d.counter >= kp->reject_after_messages)
		return -ERANGE;
	if (own_window) {
		rc = vh_veil_replay_check(&kp->replay, d.counter);
		if (rc != 0)
			return rc;
	}
	if (cap < d.ct_len - VH_NOISE_TAG_LEN)
		return -ENOBUFS;
	*kpp = kp;
	*counter = d.counter;
	rc = vh_noise_cs_decrypt_nonce(&kp->recv, d.counter, d.hdr, VH_VEIL_DATA_HDR_LEN, d.ct,
		d.ct_len, out, cap, outlen);
	return rc != 0 ? -EBADMSG : 0;
}

int
vh_veil_peer_open(struct vh_veil_peer *p, const uint8_t *frame, size_t len, uint64_t now,
	uint8_t *out, size_t cap, size_t *outlen, uint32_t *local_index, uint64_t *counter)
{
	struct vh_veil_keypair *kp;
	int rc;

	if (p == NULL || frame == NULL || outlen == NULL || local_index == NULL ||
		counter == NULL || (out == NULL && cap > 0))
		return -EINVAL;
	rc = open_frame(p, frame, len, now, out, cap, outlen, false, &kp, counter);
	if (rc == 0)
		*local_index = kp->local_index;
	return rc;
}

int
vh_veil_peer_decrypt(struct vh_veil_peer *p, const uint8_t *frame, size_t len,
	const struct vh_veil_endpoint *src, uint64_t now, uint8_t *out, size_t cap, size_t *outlen)
{
	struct vh_veil_keypair *kp;
	uint64_t counter;
	bool newest;
	int rc;

	if (p == NULL || frame == NULL || outlen == NULL || (out == NULL && cap > 0))
		return -EINVAL;
	rc = open_frame(p, frame, len, now, out, cap, outlen, true, &kp, &counter);
	if (rc != 0)
		return rc;
	newest = counter >= kp->replay.top;
	rc = vh_veil_replay_update(&kp->replay, counter);
	if (rc != 0)
		return rc;
	/* only the newest frame may move the peer: an older one could be a replay from elsewhere */
	peer_received_with(p, kp, *outlen > 0, newest ? src : NULL, now);
	return 0;
}

int
vh_veil_peer_on_keypair_used(struct vh_veil_peer *p, uint32_t local_index, bool data,
	const struct vh_veil_endpoint *src, uint64_t now)
{
	struct vh_veil_keypair *kp;

	if (p == NULL)
		return -EINVAL;
	kp = vh_veil_peer_keypair_by_index(p, local_index);
	if (kp == NULL)
		return -ENOKEY;
	if (keypair_expired(kp, &p->t, now))
		return -EKEYEXPIRED;
	peer_received_with(p, kp, data, src, now);
	return 0;
}

struct vh_veil_keypair *
vh_veil_peer_keypair(const struct vh_veil_peer *p, enum vh_veil_slot s)
{
	if (p == NULL || (unsigned int)s > VH_VEIL_SLOT_NEXT)
		return NULL;
	return p->slot[s];
}

struct vh_veil_keypair *
vh_veil_peer_keypair_by_index(const struct vh_veil_peer *p, uint32_t idx)
{
	if (p == NULL || idx == 0)
		return NULL;
	for (int s = 0; s < 3; s++)
		if (p->slot[s] != NULL && p->slot[s]->local_index == idx)
			return p->slot[s];
	return NULL;
}

uint32_t
vh_veil_keypair_local_index(const struct vh_veil_keypair *kp)
{
	return kp != NULL ? kp->local_index : 0;
}

uint32_t
vh_veil_keypair_remote_index(const struct vh_veil_keypair *kp)
{
	return kp != NULL ? kp->remote_index : 0;
}

bool
vh_veil_keypair_is_initiator(const struct vh_veil_keypair *kp)
{
	return kp != NULL && kp->initiator;
}

bool
vh_veil_keypair_is_confirmed(const struct vh_veil_keypair *kp)
{
	return kp != NULL && kp->confirmed;
}

uint64_t
vh_veil_keypair_send_counter(const struct vh_veil_keypair *kp)
{
	return kp != NULL ? kp->send_counter : 0;
}

int
vh_veil_keypair_reserve(struct vh_veil_keypair *kp, uint32_t n, uint64_t *first)
{
	if (kp == NULL || first == NULL || n == 0)
		return -EINVAL;
	if (kp->send_counter >= kp->reject_after_messages ||
		kp->reject_after_messages - kp->send_counter < n)
		return -ENOKEY;
	*first = kp->send_counter;
	kp->send_counter += n;
	return 0;
}

struct vh_veil_replay *
vh_veil_keypair_replay(struct vh_veil_keypair *kp)
{
	return kp != NULL ? &kp->replay : NULL;
}

void
vh_veil_keypair_keys(const struct vh_veil_keypair *kp, uint8_t *send_key, uint8_t *recv_key)
{
	if (kp == NULL)
		return;
	if (send_key != NULL)
		memcpy(send_key, kp->send.k, VH_NOISE_KEY_LEN);
	if (recv_key != NULL)
		memcpy(recv_key, kp->recv.k, VH_NOISE_KEY_LEN);
}
