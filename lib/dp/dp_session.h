/* SPDX-License-Identifier: BSD-3-Clause */
/* Internal to lib/dp: link sessions, their replay windows, the link nodes. */
#ifndef VH_DP_SESSION_H
#define VH_DP_SESSION_H

#include "vh_aead.h"
#include "vh_veil.h"

#include "dp_priv.h"

#define DP_NODE_LINK_IN "vh_link_decrypt"
#define DP_NODE_LINK_OUT "vh_link_encrypt"

/*
 * Replay window of a data-plane session: exactly the 2048 counters below
 * the highest accepted one (the minimum the transport promises), one bit
 * each, where lib/veil's 8192-bit window (RFC 6479 style, a word of slack)
 * would make the bitmap four times the size of everything else in the
 * session. Moving forward clears the bits of the counters skipped.
 */
#define DP_REPLAY_BITS 2048

struct dp_replay {
	uint64_t top; /* highest accepted counter + 1; 0: none yet */
	uint64_t bits[DP_REPLAY_BITS / 64];
};

/* Where a session's frames go when relaying onto it (from its conf). */
struct dp_endpoint {
	bool has_endpoint;
	uint8_t ip_ver;
	uint16_t port_idx;
	uint16_t dst_port;
	uint8_t dst_mac[6];
	uint8_t dst_ip[16];
};

/* A link keypair the workers use. Counters are updated with atomics (one add
 * per run of a session's packets in a burst): with RSS a session's frames
 * normally stay on one lcore, but nothing relies on it. The replay window is
 * the only window of the keypair: every path that opens its frames (workers,
 * and the control lcore through vh_dp_session_replay_*) checks and marks
 * counters under replay_lock. Hot fields first. */
struct dp_session {
	uint32_t local_index;
	uint32_t remote_index;
	uint64_t send_counter;
	uint8_t recv_key[32];
	uint8_t send_key[32];
	/* where frames relayed onto it go; NULL: none yet. Replaced whole by
	 * the control lcore (vh_dp_session_set_endpoint), the old one freed
	 * after an RCU grace period, so the session and its window persist */
	struct dp_endpoint *ep;
	/* where the latest newest-counter frame from elsewhere than ep came
	 * from (roaming hint for the control lcore; written only when it
	 * changes) */
	uint8_t src_ip_ver;
	uint16_t src_port;
	uint8_t src_ip[16];
	uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes, auth_failed, replayed;
	uint64_t rx_keepalives;
	rte_spinlock_t replay_lock;
	struct dp_replay replay;
} __rte_cache_aligned;

/* The session's endpoint as this burst sees it (NULL: none). */
static inline const struct dp_endpoint *
dp_session_ep(const struct dp_session *s)
{
	return __atomic_load_n(&s->ep, __ATOMIC_ACQUIRE);
}

/*
 * Could this counter be accepted? 0, or -EALREADY / -ESTALE / -ERANGE. Also
 * read without the lock, as a filter before decryption: a stale answer
 * there only costs a decryption, since dp_replay_update() decides.
 */
static inline int
dp_replay_check(const struct dp_replay *w, uint64_t counter)
{
	uint64_t top = __atomic_load_n(&w->top, __ATOMIC_ACQUIRE), word;

	if (unlikely(counter >= VH_VEIL_REJECT_AFTER_MESSAGES))
		return -ERANGE;
	if (likely(counter >= top))
		return 0;
	if (top - counter > DP_REPLAY_BITS)
		return -ESTALE;
	word = __atomic_load_n(&w->bits[(counter / 64) % RTE_DIM(w->bits)], __ATOMIC_RELAXED);
	return (word >> (counter % 64)) & 1 ? -EALREADY : 0;
}

/* Clear the bits of n counters from first on (they were skipped). */
static inline void
dp_replay_clear(struct dp_replay *w, uint64_t first, uint64_t n)
{
	if (n >= DP_REPLAY_BITS) {
		memset(w->bits, 0, sizeof(w->bits));
		return;
	}
	while (n != 0) {
		unsigned int b = (unsigned int)(first % 64);
		unsigned int k = (unsigned int)RTE_MIN(64 - b, n);
		uint64_t mask = (k == 64 ? UINT64_MAX : (UINT64_C(1) << k) - 1) << b;

		w->bits[(first / 64) % RTE_DIM(w->bits)] &= ~mask;
		first += k;
		n -= k;
	}
}

/*
 * Mark a counter seen after its frame authenticated, with the session's
 * replay_lock held (checks again: of two copies only the first passes).
 * Returns 1 when the counter is the newest so far (only such a frame may
 * move the peer: WireGuard's roaming rule), 0 when it is an older one not
 * seen before, or a negative errno as dp_replay_check().
 */
static inline int
dp_replay_update(struct dp_replay *w, uint64_t counter)
{
	int rc = dp_replay_check(w, counter);
	uint64_t *word = &w->bits[(counter / 64) % RTE_DIM(w->bits)];

	if (rc != 0)
		return rc;
	if (counter >= w->top) {
		dp_replay_clear(w, w->top, counter - w->top);
		rc = 1;
	}
	__atomic_store_n(word, *word | UINT64_C(1) << (counter % 64), __ATOMIC_RELAXED);
	if (rc == 1)
		__atomic_store_n(&w->top, counter + 1, __ATOMIC_RELEASE);
	return rc;
}

/* The session a receiver index names, or NULL (lock-free: RCU readers). */
static inline struct dp_session *
dp_session_find(const struct vh_dp *dp, uint32_t index)
{
	struct dp_session *s =
		__atomic_load_n(&dp->sessions[index % VH_DP_SESSIONS], __ATOMIC_ACQUIRE);

	return s != NULL && s->local_index == index ? s : NULL;
}

int dp_sessions_init(struct vh_dp *dp);
void dp_sessions_free(struct vh_dp *dp);

#endif /* VH_DP_SESSION_H */
