/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internal interfaces of the Veil link-session files (link_*.c) and their
 * unit tests: the keypair and peer structs, and big-endian helpers.
 */
#ifndef VH_LINK_PRIV_H
#define VH_LINK_PRIV_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#include "vh_core.h"
#include "vh_veil.h"

/** An unarmed timer or a time that never happened. */
#define LINK_NEVER UINT64_MAX

/** Noise prologue prefix; the pattern and hash codes follow it. */
#define LINK_PROLOGUE "valhalla-veil/1"

/* Random bytes from an injected source, or libsodium's. 0 or -EIO. */
static inline int
link_rng(vh_noise_rng_fn rng, void *ctx, uint8_t *out, size_t len)
{
	if (rng == NULL) {
		randombytes_buf(out, len);
		return 0;
	}
	return rng(ctx, out, len) == 0 ? 0 : -EIO;
}

struct vh_veil_keypair {
	struct vh_noise_cs send;
	struct vh_noise_cs recv;
	uint64_t send_counter;
	uint64_t reject_after_messages; /* copied from the peer's timing */
	struct vh_veil_replay replay;
	uint32_t local_index;
	uint32_t remote_index;
	uint64_t created;
	bool initiator;
	/*
	 * A packet authenticated under it was received (IK initiator: at
	 * once, the RESP proved the responder). Until then an XX initiator
	 * does not know whether the responder accepted its FINISH.
	 */
	bool confirmed;
	bool xx; /* from an XX handshake: its initiator waits for our answer */
	const struct vh_veil_index_ops *index; /* releases local_index */
};

struct vh_veil_peer {
	struct vh_veil_timing t;
	const struct vh_veil_hs_conf *hsc;
	struct vh_veil_endpoint endpoint;
	uint8_t remote_static[VH_NOISE_KEY_LEN];
	bool has_remote_static;
	bool keep_link;

	struct vh_veil_keypair *slot[3]; /* enum vh_veil_slot */

	struct vh_veil_handshake hs; /* our own initiation */
	bool hs_active;              /* waiting for RESP (or to send FINISH) */
	bool hs_wanted;              /* tick asks for SEND_INIT */
	bool confirming;             /* our XX keypair is current, unconfirmed */
	struct vh_veil_cookie_maker maker;

	uint32_t attempts;    /* initiations in this cycle */
	uint32_t ik_failures; /* unanswered IK initiations in this cycle */
	uint64_t cycle_start; /* first initiation of this cycle */
	uint64_t last_init_sent;
	uint64_t retry_delay;    /* the last armed retry delay */
	uint64_t last_handshake; /* last completed (confirmed) handshake */
	uint64_t last_sent;      /* any packet */
	bool dead;
	uint64_t last_roam; /* last endpoint move by data (LINK_NEVER: none) */
	uint64_t roams, roams_limited;

	/* timers: absolute deadlines, LINK_NEVER when disarmed */
	uint64_t t_retransmit; /* retry our initiation (or its unconfirmed keypair) */
	uint64_t t_keepalive;  /* answer received data */
	uint64_t t_new_hs;     /* data sent, nothing heard back */
	uint64_t t_zero;       /* wipe everything */
};

/* link_keys.c */
struct vh_veil_keypair *keypair_from_handshake(
	struct vh_veil_handshake *hs, const struct vh_veil_timing *t, uint64_t now);
void keypair_free(struct vh_veil_keypair *kp);
bool keypair_expired(
	const struct vh_veil_keypair *kp, const struct vh_veil_timing *t, uint64_t now);
/* Install a keypair in the slots; returns true when it became current. */
bool slots_install(struct vh_veil_peer *p, struct vh_veil_keypair *kp);
/* First packet under next arrived: next becomes current. */
void slots_promote(struct vh_veil_peer *p);
/* Next moves to previous (crossing handshakes: ours stays current). */
void slots_park_next(struct vh_veil_peer *p);
/* Drop expired keypairs; returns true if any was dropped. */
bool slots_expire(struct vh_veil_peer *p, uint64_t now);
void slots_clear(struct vh_veil_peer *p);

/* link_peer.c */
void peer_handshake_confirmed(struct vh_veil_peer *p, uint64_t now);
/*
 * Crossing handshakes end on the keypair initiated by the node with the
 * smaller static key: true if that is us.
 */
bool peer_wins_ties(const struct vh_veil_peer *p);
/*
 * A packet authenticated under kp (data: non-empty) arrived from src (may
 * be NULL): confirm kp (promoting next), renewal by age, received hooks.
 */
void peer_received_with(struct vh_veil_peer *p, struct vh_veil_keypair *kp, bool data,
	const struct vh_veil_endpoint *src, uint64_t now);

/* link_cookie.c: re-key a maker to a newly learned static key, keeping its cookie. */
void maker_set_remote(struct vh_veil_cookie_maker *m, const uint8_t *remote_static);

#endif /* VH_LINK_PRIV_H */
