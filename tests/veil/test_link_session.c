/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Key slots and timers on a fake clock: zero-loss rekeys (by age and by
 * count) over a simulated network that delays, reorders and duplicates;
 * keepalive, rekey triggers, expiry, dead-peer detection, backoff with
 * jitter, zeroing, roaming.
 */
#include <stdlib.h>

#include "link_test.h"

static void
peers(struct tpair *x, bool keep_a)
{
	x->pa = tpeer(&x->a, &x->b, false, keep_a, &x->t);
	x->pb = tpeer(&x->b, &x->a, false, false, &x->t);
}

/*
 * XX handshake at now, then a's keepalive confirms b's keypair and b's
 * answer, due at once, confirms a's.
 */
static void
connect_at(struct tpair *x, uint64_t now)
{
	handshake(&x->a, x->pa, &x->b, x->pb, now);
	assert_false(vh_veil_peer_is_up(x->pa));
	assert_false(vh_veil_peer_is_up(x->pb));
	assert_int_equal(pass(x->pa, x->pb, &x->a.ep, "", 0, now), 0);
	assert_true(vh_veil_peer_is_up(x->pb));
	assert_false(vh_veil_peer_is_up(x->pa));
	assert_int_equal(vh_veil_peer_tick(x->pb, now), VH_VEIL_ACT_SEND_KEEPALIVE);
	assert_int_equal(pass(x->pb, x->pa, &x->b.ep, "", 0, now), 0);
	assert_true(vh_veil_peer_is_up(x->pa));
	assert_int_equal(vh_veil_peer_tick(x->pb, now), 0);
}

/* ---- simulated network ---- */

#define QCAP 4096
#define SEQS 40000

struct pkt {
	uint64_t at;
	int to; /* 0: a, 1: b */
	uint8_t type;
	size_t len;
	uint8_t b[256];
};

struct net {
	struct tpair *x;
	struct pkt q[QCAP];
	size_t n;
	uint64_t now;
	struct vh_veil_handshake pend; /* b's pending XX responder */
	uint8_t got[2][SEQS];          /* [receiver][seq] deliveries accepted */
	uint64_t sent[2];              /* data packets sent by a, b */
	uint64_t dups_refused;
	uint64_t held; /* data frames held for a pending XX responder */
	unsigned int handshakes;
	struct trng r;
};

static void
enqueue(struct net *n, int to, uint8_t type, const uint8_t *b, size_t len)
{
	int copies = trng_fn(&n->r, (uint8_t[1]){0}, 1), c;
	uint8_t rnd[2];

	(void)copies;
	trng_fn(&n->r, rnd, sizeof(rnd));
	/* 1 in 32 data packets is duplicated by the network */
	c = type == VH_VEIL_LINK_DATA && (rnd[1] & 31) == 0 ? 2 : 1;
	for (int i = 0; i < c; i++) {
		struct pkt *p = &n->q[n->n++];

		assert_true(n->n < QCAP);
		assert_true(len <= sizeof(p->b));
		p->at = n->now + 1 + (rnd[0] + 97 * i) % 30; /* 1-30 ms: reorders */
		p->to = to;
		p->type = type;
		p->len = len;
		memcpy(p->b, b, len);
	}
}

static struct vh_veil_peer *
peer_of(struct net *n, int side)
{
	return side == 0 ? n->x->pa : n->x->pb;
}

static void
send_data(struct net *n, int from)
{
	uint8_t pt[8], out[64];
	size_t l;
	uint64_t seq = n->sent[from];
	int rc;

	memcpy(pt, &seq, 8);
	rc = vh_veil_peer_encrypt(peer_of(n, from), pt, sizeof(pt), n->now, out, sizeof(out), &l);
	if (rc == -ENOKEY)
		return; /* not sent: no keys (only before the first handshake) */
	assert_int_equal(rc, 0);
	assert_true(seq < SEQS);
	n->sent[from]++;
	enqueue(n, !from, VH_VEIL_LINK_DATA, out, l);
}

static void
send_keepalive(struct net *n, int from)
{
	uint8_t out[64];
	size_t l;

	assert_int_equal(
		vh_veil_peer_encrypt(peer_of(n, from), NULL, 0, n->now, out, sizeof(out), &l), 0);
	enqueue(n, !from, VH_VEIL_LINK_DATA, out, l);
}

static void
act(struct net *n, int side)
{
	unsigned int a = vh_veil_peer_tick(peer_of(n, side), n->now);
	uint8_t out[TBUF];
	size_t l;

	assert_false(a & VH_VEIL_ACT_DEAD);
	if (a & VH_VEIL_ACT_SEND_INIT) {
		assert_int_equal(vh_veil_peer_write_init(
					 peer_of(n, side), NULL, 0, n->now, out, sizeof(out), &l),
			0);
		enqueue(n, !side, VH_VEIL_HANDSHAKE_INIT, out, l);
	}
	if (a & VH_VEIL_ACT_SEND_KEEPALIVE)
		send_keepalive(n, side);
}

/* b answers an initiation (only a initiates in these runs). */
static void
on_init(struct net *n, struct pkt *p)
{
	struct tpair *x = n->x;
	uint8_t out[TBUF], pl[64];
	size_t l, plen;

	assert_int_equal(p->to, 1);
	assert_int_equal(
		vh_veil_macs_check(&x->b.ck, p->type, p->b, p->len, &x->a.ep, false, n->now), 0);
	vh_veil_hs_wipe(&n->pend);
	assert_int_equal(vh_veil_hs_read_init(
				 &n->pend, &x->b.hsc, p->b, p->len, n->now, pl, sizeof(pl), &plen),
		0);
	assert_int_equal(vh_veil_hs_write_resp(&n->pend, NULL, 0, out, sizeof(out), &l), 0);
	enqueue(n, 0, VH_VEIL_HANDSHAKE_RESP, out, l);
	if (vh_veil_hs_is_complete(&n->pend))
		assert_int_equal(vh_veil_peer_on_handshake_complete(x->pb, &n->pend, n->now), 0);
}

static void
on_resp(struct net *n, struct pkt *p)
{
	struct tpair *x = n->x;
	uint8_t out[TBUF], pl[64];
	size_t l, plen;
	int rc;

	rc = vh_veil_peer_read_resp(x->pa, p->b, p->len, pl, sizeof(pl), &plen);
	if (rc == -ESRCH || rc == -EPROTO)
		return; /* answer to an initiation we have replaced */
	assert_int_equal(rc, 0);
	if (!vh_veil_hs_is_complete(vh_veil_peer_handshake(x->pa))) {
		assert_int_equal(
			vh_veil_peer_write_finish(x->pa, NULL, 0, n->now, out, sizeof(out), &l), 0);
		enqueue(n, 1, VH_VEIL_HANDSHAKE_FINISH, out, l);
	}
	assert_int_equal(vh_veil_peer_on_handshake_complete(x->pa, NULL, n->now),
		VH_VEIL_ACT_SEND_KEEPALIVE);
	vh_veil_peer_on_authenticated(x->pa, &x->b.ep, n->now);
	n->handshakes++;
	send_keepalive(n, 0);
}

static void
on_finish(struct net *n, struct pkt *p)
{
	uint8_t pl[64];
	size_t plen;

	assert_int_equal(vh_veil_hs_read_finish(&n->pend, p->b, p->len, pl, sizeof(pl), &plen), 0);
	assert_int_equal(vh_veil_peer_on_handshake_complete(n->x->pb, &n->pend, n->now), 0);
}

static void
on_data(struct net *n, struct pkt *p)
{
	uint8_t pt[64];
	size_t l;
	uint64_t seq;
	const struct vh_veil_endpoint *src = p->to == 0 ? &n->x->b.ep : &n->x->a.ep;
	int rc = vh_veil_peer_decrypt(
		peer_of(n, p->to), p->b, p->len, src, n->now, pt, sizeof(pt), &l);

	if (rc == -EALREADY) {
		n->dups_refused++;
		return;
	}
	if (rc == -ENOKEY && p->to == 1 && !vh_veil_hs_is_complete(&n->pend) &&
		vh_veil_hs_local_index(&n->pend) != 0) {
		uint32_t idx;

		/*
		 * XX: data overtook FINISH (the network reorders). The node
		 * holds frames for the index of a pending handshake briefly.
		 */
		assert_int_equal(vh_veil_frame_receiver(p->type, p->b, p->len, &idx), 0);
		assert_int_equal(idx, vh_veil_hs_local_index(&n->pend));
		p->at = n->now + 1;
		n->q[n->n++] = *p;
		n->held++;
		return;
	}
	assert_int_equal(rc, 0);
	if (l == 0)
		return;
	assert_int_equal(l, 8);
	memcpy(&seq, pt, 8);
	assert_true(seq < n->sent[!p->to]);
	n->got[p->to][seq]++;
	assert_int_equal(n->got[p->to][seq], 1);
}

static void
deliver(struct net *n)
{
	for (size_t i = 0; i < n->n;) {
		struct pkt p = n->q[i];

		if (p.at > n->now) {
			i++;
			continue;
		}
		n->q[i] = n->q[--n->n];
		switch (p.type) {
		case VH_VEIL_HANDSHAKE_INIT:
			on_init(n, &p);
			break;
		case VH_VEIL_HANDSHAKE_RESP:
			on_resp(n, &p);
			break;
		case VH_VEIL_HANDSHAKE_FINISH:
			on_finish(n, &p);
			break;
		default:
			on_data(n, &p);
		}
	}
}

/*
 * Run for `ms` with a sending every a_every ms and b every b_every ms, then
 * drain; every data packet sent must arrive exactly once.
 */
static void
run(struct tpair *x, uint64_t ms, unsigned int a_every, unsigned int b_every, unsigned int min_hs)
{
	static struct net n;

	memset(&n, 0, sizeof(n));
	n.x = x;
	trng_seed(&n.r, 77);
	for (n.now = 1; n.now < ms + 200; n.now++) {
		bool sending = n.now < ms;

		if (n.now < ms + 100) {
			act(&n, 0);
			act(&n, 1);
		}
		if (sending && n.now % a_every == 0)
			send_data(&n, 0);
		if (sending && n.now % b_every == 0)
			send_data(&n, 1);
		deliver(&n);
	}
	assert_int_equal(n.n, 0);
	for (int side = 0; side < 2; side++) {
		assert_true(n.sent[side] > ms / (side ? b_every : a_every) - 20);
		for (uint64_t s = 0; s < n.sent[side]; s++)
			assert_int_equal(n.got[!side][s], 1);
	}
	assert_true(n.handshakes >= min_hs);
	assert_true(n.dups_refused > 0);
	print_message("%u handshakes, %llu + %llu data packets, %llu duplicates refused, "
		      "%llu held for FINISH\n",
		n.handshakes, (unsigned long long)n.sent[0], (unsigned long long)n.sent[1],
		(unsigned long long)n.dups_refused, (unsigned long long)n.held);
	vh_veil_hs_wipe(&n.pend);
}

static void
test_zero_loss_rekey_by_age(void **state)
{
	struct tpair *x = *state;

	x->t.rekey_after_messages = 1000000;
	peers(x, true);
	/* rekey every 1.2 s over 6 s: the first XX, then IK rekeys */
	run(x, 6000, 1, 2, 5);
}

static void
test_zero_loss_rekey_by_count(void **state)
{
	struct tpair *x = *state;

	x->t.rekey_after_time = 100000;
	x->t.reject_after_time = 200000;
	peers(x, true);
	/* a sends 1/ms: a new handshake every ~1000 packets; b sends less */
	run(x, 5000, 1, 5, 4);
}

static void
test_keepalive(void **state)
{
	struct tpair *x = *state;
	const uint64_t t0 = 1000;

	peers(x, false);
	connect_at(x, t0);
	assert_int_equal(vh_veil_peer_tick(x->pa, t0), 0);
	/* b sends data; a has nothing to say */
	assert_int_equal(pass(x->pb, x->pa, &x->b.ep, "hi", 2, t0 + 10), 0);
	assert_int_equal(vh_veil_peer_tick(x->pa, t0 + 109), 0);
	assert_int_equal(vh_veil_peer_tick(x->pa, t0 + 110), VH_VEIL_ACT_SEND_KEEPALIVE);
	/* asked again until sent */
	assert_int_equal(vh_veil_peer_tick(x->pa, t0 + 111), VH_VEIL_ACT_SEND_KEEPALIVE);
	assert_int_equal(pass(x->pa, x->pb, &x->a.ep, "", 0, t0 + 111), 0);
	assert_int_equal(vh_veil_peer_tick(x->pa, t0 + 500), 0);
	/* a keepalive received does not ask for a keepalive back */
	assert_int_equal(vh_veil_peer_tick(x->pb, t0 + 500), 0);
	/* data answered in time: no keepalive */
	assert_int_equal(pass(x->pb, x->pa, &x->b.ep, "hi", 2, t0 + 600), 0);
	assert_int_equal(pass(x->pa, x->pb, &x->a.ep, "yo", 2, t0 + 650), 0);
	assert_int_equal(vh_veil_peer_tick(x->pa, t0 + 799), 0);
	/* persistent keepalive */
	vh_veil_peer_free(x->pa);
	vh_veil_peer_free(x->pb);
	x->t.persistent_keepalive = 300;
	peers(x, false);
	connect_at(x, t0);
	assert_int_equal(vh_veil_peer_tick(x->pa, t0 + 299), 0);
	assert_int_equal(vh_veil_peer_tick(x->pa, t0 + 300), VH_VEIL_ACT_SEND_KEEPALIVE);
}

static void
test_rekey_by_age(void **state)
{
	struct tpair *x = *state;
	const uint64_t t0 = 1000;

	peers(x, false);
	connect_at(x, t0);
	assert_int_equal(pass(x->pa, x->pb, &x->a.ep, "d", 1, t0 + 10), 0);
	assert_int_equal(pass(x->pb, x->pa, &x->b.ep, "d", 1, t0 + 10), 0);
	assert_int_equal(pass(x->pa, x->pb, &x->a.ep, "d", 1, t0 + 20), 0);
	for (uint64_t t = t0 + 30; t < t0 + 1200; t += 50) {
		assert_int_equal(pass(x->pb, x->pa, &x->b.ep, "d", 1, t), 0);
		assert_int_equal(pass(x->pa, x->pb, &x->a.ep, "d", 1, t), 0);
		assert_int_equal(vh_veil_peer_tick(x->pa, t) & VH_VEIL_ACT_SEND_INIT, 0);
		assert_int_equal(vh_veil_peer_tick(x->pb, t), 0);
	}
	/* due by age, noticed when the keypair is next used */
	assert_int_equal(vh_veil_peer_tick(x->pa, t0 + 1200), 0);
	assert_int_equal(pass(x->pa, x->pb, &x->a.ep, "d", 1, t0 + 1200), 0);
	assert_int_equal(vh_veil_peer_tick(x->pa, t0 + 1200), VH_VEIL_ACT_SEND_INIT);
	/* the responder never rekeys by age (both would, at once) */
	assert_int_equal(pass(x->pb, x->pa, &x->b.ep, "d", 1, t0 + 1200), 0);
	assert_int_equal(vh_veil_peer_tick(x->pb, t0 + 1200) & VH_VEIL_ACT_SEND_INIT, 0);
	handshake(&x->a, x->pa, &x->b, x->pb, t0 + 1210);
	/* the old keypair is previous on a, still current on b: both work */
	assert_non_null(vh_veil_peer_keypair(x->pa, VH_VEIL_SLOT_PREVIOUS));
	assert_int_equal(pass(x->pb, x->pa, &x->b.ep, "old", 3, t0 + 1212), 0);
	assert_int_equal(pass(x->pa, x->pb, &x->a.ep, "new", 3, t0 + 1213), 0);
	assert_null(vh_veil_peer_keypair(x->pb, VH_VEIL_SLOT_NEXT));
	assert_non_null(vh_veil_peer_keypair(x->pb, VH_VEIL_SLOT_PREVIOUS));

	/* An idle link (nothing sent under the keypair) is not rekeyed by age. */
	vh_veil_peer_free(x->pa);
	vh_veil_peer_free(x->pb);
	peers(x, false);
	connect_at(x, t0);
	assert_int_equal(vh_veil_peer_tick(x->pa, t0 + 1500), 0);
	assert_int_equal(vh_veil_peer_tick(x->pb, t0 + 1500), 0);
}

static void
test_rekey_by_count(void **state)
{
	struct tpair *x = *state;
	struct vh_veil_keypair *kp;
	uint8_t out[64];
	size_t l;
	uint64_t first;

	peers(x, false);
	connect_at(x, 0); /* the keepalive used counter 0 */
	/* (after REKEY_TIMEOUT: initiations are at least that far apart) */
	for (int i = 1; i < 999; i++)
		assert_int_equal(pass(x->pa, x->pb, &x->a.ep, "c", 1, 100), 0);
	assert_int_equal(vh_veil_peer_tick(x->pa, 100), 0);
	assert_int_equal(pass(x->pa, x->pb, &x->a.ep, "c", 1, 100), 0);
	assert_int_equal(vh_veil_peer_tick(x->pa, 100), VH_VEIL_ACT_SEND_INIT);
	/* at REJECT_AFTER_MESSAGES the keypair stops sending */
	kp = vh_veil_peer_keypair(x->pa, VH_VEIL_SLOT_CURRENT);
	assert_int_equal(vh_veil_keypair_send_counter(kp), 1000);
	assert_int_equal(vh_veil_keypair_reserve(kp, 1001, &first), -ENOKEY);
	assert_int_equal(vh_veil_keypair_reserve(kp, 999, &first), 0);
	assert_int_equal(first, 1000);
	assert_int_equal(pass(x->pa, x->pb, &x->a.ep, "c", 1, 2), 0);
	assert_int_equal(
		vh_veil_peer_encrypt(x->pa, (const uint8_t *)"c", 1, 2, out, sizeof(out), &l),
		-ENOKEY);
	assert_int_equal(vh_veil_keypair_reserve(kp, 1, &first), -ENOKEY);
	/* a receiver refuses counters at its limit too */
	uint8_t fake[VH_VEIL_DATA_MIN_LEN] = {0};

	vh_veil_data_hdr_encode(fake,
		vh_veil_keypair_local_index(vh_veil_peer_keypair(x->pb, VH_VEIL_SLOT_CURRENT)),
		2000);
	assert_int_equal(
		vh_veil_peer_decrypt(x->pb, fake, sizeof(fake), NULL, 2, out, sizeof(out), &l),
		-ERANGE);
}

static void
test_expiry_and_zero(void **state)
{
	struct tpair *x = *state;
	uint8_t ct[64], out[64];
	size_t cl, l;
	const uint64_t t0 = 1000;

	peers(x, false);
	connect_at(x, t0);
	assert_int_equal(vh_veil_index_table_count(x->a.tab), 1);
	assert_int_equal(vh_veil_peer_encrypt(
				 x->pb, (const uint8_t *)"late", 4, t0 + 1799, ct, sizeof(ct), &cl),
		0);
	/* not ticked yet: the keypair is there but expired */
	assert_int_equal(vh_veil_peer_decrypt(x->pa, ct, cl, NULL, t0 + 1800, out, sizeof(out), &l),
		-EKEYEXPIRED);
	assert_int_equal(vh_veil_peer_encrypt(
				 x->pa, (const uint8_t *)"x", 1, t0 + 1800, out, sizeof(out), &l),
		-ENOKEY);
	assert_int_equal(vh_veil_peer_tick(x->pa, t0 + 1800), VH_VEIL_ACT_ZERO_KEYS);
	assert_null(vh_veil_peer_keypair(x->pa, VH_VEIL_SLOT_CURRENT));
	assert_int_equal(vh_veil_index_table_count(x->a.tab), 0);
	assert_int_equal(vh_veil_peer_decrypt(x->pa, ct, cl, NULL, t0 + 1800, out, sizeof(out), &l),
		-ENOKEY);
	assert_int_equal(vh_veil_peer_tick(x->pa, t0 + 1801), 0);

	/* 3 * REJECT_AFTER_TIME after the last handshake, a pending one goes too. */
	vh_veil_peer_free(x->pa);
	vh_veil_peer_free(x->pb);
	peers(x, false);
	connect_at(x, t0);
	assert_int_equal(vh_veil_peer_tick(x->pa, t0 + 1800), VH_VEIL_ACT_ZERO_KEYS);
	uint8_t big[TBUF];

	assert_int_equal(
		vh_veil_peer_write_init(x->pa, NULL, 0, t0 + 5000, big, sizeof(big), &l), 0);
	assert_int_equal(vh_veil_index_table_count(x->a.tab), 1);
	assert_int_equal(vh_veil_peer_tick(x->pa, t0 + 5399) & VH_VEIL_ACT_ZERO_KEYS, 0);
	assert_int_equal(
		vh_veil_peer_tick(x->pa, t0 + 5400) & VH_VEIL_ACT_ZERO_KEYS, VH_VEIL_ACT_ZERO_KEYS);
	assert_int_equal(vh_veil_index_table_count(x->a.tab), 0);
}

/* Data sent, nothing heard: new handshake, retries with backoff, dead. */
static void
test_dead_peer(void **state)
{
	struct tpair *x = *state;
	uint8_t out[TBUF];
	size_t l;
	const uint64_t t0 = 1000;
	uint64_t sent_at[32], t;
	int n = 0, dead = 0;

	peers(x, false);
	connect_at(x, t0);
	assert_int_equal(pass(x->pa, x->pb, &x->a.ep, "?", 1, t0 + 10), 0);
	/* b's keepalive would clear it; b is gone: nothing comes back */
	assert_int_equal(vh_veil_peer_tick(x->pa, t0 + 159), 0);
	for (t = t0 + 160; t < t0 + 3000; t++) {
		unsigned int a = vh_veil_peer_tick(x->pa, t);

		if (a & VH_VEIL_ACT_DEAD) {
			dead++;
			assert_true(vh_veil_peer_is_dead(x->pa));
		}
		if (a & VH_VEIL_ACT_SEND_INIT) {
			assert_true(n < 32);
			sent_at[n++] = t;
			assert_int_equal(
				vh_veil_peer_write_init(x->pa, NULL, 0, t, out, sizeof(out), &l),
				0);
		}
	}
	assert_int_equal(dead, 1);
	assert_int_equal(sent_at[0], t0 + 160); /* KEEPALIVE + REKEY_TIMEOUT after the data */
	/* backoff 50, 100, 200, 400, 400, ... until 900 ms of trying, then stop */
	const uint64_t want[] = {0, 50, 150, 350, 750};

	assert_int_equal(n, 5);
	for (int i = 0; i < n; i++)
		assert_int_equal(sent_at[i] - sent_at[0], want[i]);
	/* a completed handshake revives it */
	handshake(&x->a, x->pa, &x->b, x->pb, t);
	assert_false(vh_veil_peer_is_dead(x->pa));
}

/* keep_link: retries continue after DEAD, at the capped delay. */
static void
test_keep_link_retries(void **state)
{
	struct tpair *x = *state;
	uint8_t out[TBUF];
	size_t l;
	uint64_t last = 0, t;
	int n = 0, dead = 0;

	peers(x, true);
	for (t = 0; t < 4000; t++) {
		unsigned int a = vh_veil_peer_tick(x->pa, t);

		dead += !!(a & VH_VEIL_ACT_DEAD);
		if (a & VH_VEIL_ACT_SEND_INIT) {
			if (n > 4)
				assert_int_equal(t - last, 400);
			last = t;
			n++;
			assert_int_equal(
				vh_veil_peer_write_init(x->pa, NULL, 0, t, out, sizeof(out), &l),
				0);
		}
	}
	assert_int_equal(dead, 1);
	assert_true(n >= 12);
	assert_int_equal(vh_veil_index_table_count(x->a.tab), 1); /* one live initiation */
}

static void
test_backoff_jitter(void **state)
{
	struct tpair *x = *state;
	uint8_t out[TBUF];
	size_t l;
	uint64_t lo = UINT64_MAX, hi = 0;
	unsigned int buckets[4] = {0};

	x->t.rekey_jitter = 333;
	peers(x, true);
	/* delays by attempt: base = min(50 * 2^(k-1), 400), plus [0, 333] */
	for (uint32_t k = 1; k <= 8; k++) {
		uint64_t base = 50ULL << (k - 1) < 400 ? 50ULL << (k - 1) : 400;

		assert_int_equal(
			vh_veil_peer_write_init(x->pa, NULL, 0, k * 1000, out, sizeof(out), &l), 0);
		assert_true(vh_veil_peer_retry_delay(x->pa) >= base);
		assert_true(vh_veil_peer_retry_delay(x->pa) <= base + 333);
	}
	/* spread of the jitter over many first attempts */
	for (int i = 0; i < 400; i++) {
		vh_veil_peer_clear(x->pa);
		assert_int_equal(
			vh_veil_peer_write_init(x->pa, NULL, 0, 0, out, sizeof(out), &l), 0);
		uint64_t j = vh_veil_peer_retry_delay(x->pa) - 50;

		assert_true(j <= 333);
		lo = j < lo ? j : lo;
		hi = j > hi ? j : hi;
		buckets[j * 4 / 334]++;
	}
	assert_true(lo < 20);
	assert_true(hi > 313);
	for (int b = 0; b < 4; b++)
		assert_true(buckets[b] > 60); /* about 100 each */
}

static void
test_roaming(void **state)
{
	struct tpair *x = *state;
	const uint8_t ip2[4] = {198, 51, 100, 7};
	struct vh_veil_endpoint moved;
	uint8_t ct[64], out[64];
	size_t cl, l;

	vh_veil_endpoint_ipv4(&moved, ip2, 40000);
	peers(x, false);
	connect_at(x, 0);
	assert_true(vh_veil_endpoint_equal(vh_veil_peer_endpoint(x->pa), &x->b.ep));
	assert_int_equal(
		vh_veil_peer_encrypt(x->pb, (const uint8_t *)"m", 1, 1, ct, sizeof(ct), &cl), 0);
	/* a forged packet from elsewhere does not move the peer */
	ct[cl - 1] ^= 1;
	assert_int_equal(
		vh_veil_peer_decrypt(x->pa, ct, cl, &moved, 1, out, sizeof(out), &l), -EBADMSG);
	assert_true(vh_veil_endpoint_equal(vh_veil_peer_endpoint(x->pa), &x->b.ep));
	ct[cl - 1] ^= 1;
	/* an authenticated one does */
	assert_int_equal(vh_veil_peer_decrypt(x->pa, ct, cl, &moved, 1, out, sizeof(out), &l), 0);
	assert_true(vh_veil_endpoint_equal(vh_veil_peer_endpoint(x->pa), &moved));
	/* a replay of it from the old address does not move it back */
	assert_int_equal(
		vh_veil_peer_decrypt(x->pa, ct, cl, &x->b.ep, 1, out, sizeof(out), &l), -EALREADY);
	assert_true(vh_veil_endpoint_equal(vh_veil_peer_endpoint(x->pa), &moved));
	assert_int_equal(vh_veil_peer_on_authenticated(x->pa, &moved, 2), 0);
	assert_int_equal(vh_veil_peer_on_authenticated(x->pa, &x->b.ep, 2), 1);
}

/* Seal a one-byte frame from from into ct (cap 64); returns its length. */
static size_t
seal1(struct vh_veil_peer *from, uint8_t *ct, uint64_t now)
{
	size_t cl;

	assert_int_equal(vh_veil_peer_encrypt(from, (const uint8_t *)"m", 1, now, ct, 64, &cl), 0);
	return cl;
}

/*
 * WireGuard's roaming rule: only a frame newer than every one accepted under
 * the keypair moves the peer (an older one may be a copy replayed from
 * elsewhere ahead of the original), and data moves it at most once per
 * roam_interval.
 */
static void
test_roaming_newest_only(void **state)
{
	struct tpair *x = *state;
	const uint8_t ip2[4] = {198, 51, 100, 7}, ip3[4] = {203, 0, 113, 9};
	struct vh_veil_endpoint e2, e3;
	uint8_t c1[64], c2[64], c3[64], out[64];
	size_t l1, l2, l3, l;
	uint64_t moved, limited;

	vh_veil_endpoint_ipv4(&e2, ip2, 40000);
	vh_veil_endpoint_ipv4(&e3, ip3, 40001);
	peers(x, false);
	connect_at(x, 0);
	l1 = seal1(x->pb, c1, 1);
	l2 = seal1(x->pb, c2, 1);
	assert_int_equal(vh_veil_peer_decrypt(x->pa, c2, l2, &x->b.ep, 1, out, 64, &l), 0);
	/* the older frame, first seen from elsewhere: accepted, no move */
	assert_int_equal(vh_veil_peer_decrypt(x->pa, c1, l1, &e2, 1, out, 64, &l), 0);
	assert_true(vh_veil_endpoint_equal(vh_veil_peer_endpoint(x->pa), &x->b.ep));
	/* the newest from elsewhere moves it */
	l3 = seal1(x->pb, c3, 1);
	assert_int_equal(vh_veil_peer_decrypt(x->pa, c3, l3, &e2, 1, out, 64, &l), 0);
	assert_true(vh_veil_endpoint_equal(vh_veil_peer_endpoint(x->pa), &e2));
	/* again from a third address within roam_interval: refused and counted */
	l3 = seal1(x->pb, c3, 500);
	assert_int_equal(vh_veil_peer_decrypt(x->pa, c3, l3, &e3, 500, out, 64, &l), 0);
	assert_true(vh_veil_endpoint_equal(vh_veil_peer_endpoint(x->pa), &e2));
	vh_veil_peer_roam_stats(x->pa, &moved, &limited);
	assert_true(moved == 1 && limited == 1);
	/* the same through the hook a data plane uses */
	assert_int_equal(vh_veil_peer_on_keypair_used(x->pa,
				 vh_veil_keypair_local_index(
					 vh_veil_peer_keypair(x->pa, VH_VEIL_SLOT_CURRENT)),
				 true, &e3, 900),
		0);
	assert_true(vh_veil_endpoint_equal(vh_veil_peer_endpoint(x->pa), &e2));
	/* after the interval it moves */
	l3 = seal1(x->pb, c3, 1001);
	assert_int_equal(vh_veil_peer_decrypt(x->pa, c3, l3, &e3, 1001, out, 64, &l), 0);
	assert_true(vh_veil_endpoint_equal(vh_veil_peer_endpoint(x->pa), &e3));
	vh_veil_peer_roam_stats(x->pa, &moved, &limited);
	assert_true(moved == 2 && limited == 2);
}

/* vh_veil_peer_open() authenticates but leaves window, timers and endpoint alone. */
static void
test_open_leaves_window(void **state)
{
	struct tpair *x = *state;
	uint8_t ct[64], out[64];
	uint32_t idx;
	uint64_t ctr;
	size_t cl, l;

	peers(x, false);
	handshake(&x->a, x->pa, &x->b, x->pb, 0);
	cl = seal1(x->pa, ct, 1);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(vh_veil_peer_open(x->pb, ct, cl, 1, out, 64, &l, &idx, &ctr), 0);
		assert_true(l == 1 && out[0] == 'm' && ctr == 0);
	}
	assert_true(
		idx == vh_veil_keypair_local_index(vh_veil_peer_keypair(x->pb, VH_VEIL_SLOT_NEXT)));
	/* nothing confirmed: next is still next */
	assert_null(vh_veil_peer_keypair(x->pb, VH_VEIL_SLOT_CURRENT));
	assert_int_equal(vh_veil_peer_decrypt(x->pb, ct, cl, NULL, 1, out, 64, &l), 0);
	assert_int_equal(vh_veil_peer_decrypt(x->pb, ct, cl, NULL, 1, out, 64, &l), -EALREADY);
	ct[cl - 1] ^= 1;
	assert_int_equal(vh_veil_peer_open(x->pb, ct, cl, 1, out, 64, &l, &idx, &ctr), -EBADMSG);
	assert_int_equal(vh_veil_peer_open(x->pb, ct, cl, 1, out, 64, &l, NULL, &ctr), -EINVAL);
}

/* Truncated and misdirected data frames. */
static void
test_data_errors(void **state)
{
	struct tpair *x = *state;
	uint8_t ct[64], out[64];
	size_t cl, l;

	peers(x, false);
	connect_at(x, 0);
	assert_int_equal(vh_veil_peer_encrypt(
				 x->pa, (const uint8_t *)"0123456789", 10, 1, ct, sizeof(ct), &cl),
		0);
	assert_int_equal(cl, 10 + VH_VEIL_DATA_MIN_LEN);
	for (size_t t = 0; t < cl; t++) {
		/* too short to decode, or failing the tag */
		assert_int_equal(vh_veil_peer_decrypt(x->pb, ct, t, NULL, 1, out, sizeof(out), &l),
			-EBADMSG);
	}
	/* the header is authenticated: a changed (unseen) counter fails */
	ct[11] ^= 2;
	assert_int_equal(
		vh_veil_peer_decrypt(x->pb, ct, cl, NULL, 1, out, sizeof(out), &l), -EBADMSG);
	ct[11] ^= 2;
	ct[0] ^= 1;
	assert_int_equal(
		vh_veil_peer_decrypt(x->pb, ct, cl, NULL, 1, out, sizeof(out), &l), -ENOKEY);
	ct[0] ^= 1;
	assert_int_equal(vh_veil_peer_decrypt(x->pb, ct, cl, NULL, 1, out, 9, &l), -ENOBUFS);
	assert_int_equal(vh_veil_peer_decrypt(x->pb, ct, cl, NULL, 1, out, 10, &l), 0);
	assert_memory_equal(out, "0123456789", 10);
	/* in place */
	memcpy(ct + VH_VEIL_DATA_HDR_LEN, "abc", 3);
	assert_int_equal(
		vh_veil_peer_encrypt(x->pa, ct + VH_VEIL_DATA_HDR_LEN, 3, 1, ct, sizeof(ct), &cl),
		0);
	assert_int_equal(vh_veil_peer_decrypt(x->pb, ct, cl, NULL, 1, out, sizeof(out), &l), 0);
	assert_memory_equal(out, "abc", 3);
	assert_int_equal(vh_veil_peer_encrypt(x->pa, out, 3, 1, ct, 3 + 27, &cl), -ENOBUFS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_zero_loss_rekey_by_age, tpair_setup, tpair_teardown),
		cmocka_unit_test_setup_teardown(
			test_zero_loss_rekey_by_count, tpair_setup, tpair_teardown),
		cmocka_unit_test_setup_teardown(test_keepalive, tpair_setup, tpair_teardown),
		cmocka_unit_test_setup_teardown(test_rekey_by_age, tpair_setup, tpair_teardown),
		cmocka_unit_test_setup_teardown(test_rekey_by_count, tpair_setup, tpair_teardown),
		cmocka_unit_test_setup_teardown(test_expiry_and_zero, tpair_setup, tpair_teardown),
		cmocka_unit_test_setup_teardown(test_dead_peer, tpair_setup, tpair_teardown),
		cmocka_unit_test_setup_teardown(
			test_keep_link_retries, tpair_setup, tpair_teardown),
		cmocka_unit_test_setup_teardown(test_backoff_jitter, tpair_setup, tpair_teardown),
		cmocka_unit_test_setup_teardown(test_roaming, tpair_setup, tpair_teardown),
		cmocka_unit_test_setup_teardown(
			test_roaming_newest_only, tpair_setup, tpair_teardown),
		cmocka_unit_test_setup_teardown(
			test_open_leaves_window, tpair_setup, tpair_teardown),
		cmocka_unit_test_setup_teardown(test_data_errors, tpair_setup, tpair_teardown),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
