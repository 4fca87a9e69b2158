/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Both nodes keep the link (each lists the other), on a fake clock over a
 * simulated network that delays (1-30 ms), reorders and duplicates: the
 * first handshakes cross, then sessions must be renewed before
 * REJECT_AFTER_TIME for several periods, with traffic both ways, one way or
 * none, without a packet refused for lack of a key and without a storm of
 * initiations. Every run is repeated over several network seeds and start
 * offsets, so that the crossings come in different orders.
 */
#include <stdlib.h>

#include "link_test.h"

#define QCAP 8192
#define SEQS 40000
#define NPEND 4

struct pkt {
	uint64_t at;
	int to;
	uint8_t type;
	size_t len;
	uint8_t b[256];
};

/* One node: its peer object for the other and its pending XX responders. */
struct side {
	struct tnode n;
	struct vh_veil_peer *p;
	struct vh_veil_handshake pend[NPEND];
	uint64_t pend_at[NPEND];
	uint64_t start;     /* first tick */
	unsigned int every; /* data every this many ms (0: none) */
	uint64_t sent, inits, completed, held;
	uint64_t up_since; /* NEVER until first up */
	uint8_t *got;      /* [seq] deliveries from the other side */
};

struct sim {
	struct side s[2];
	struct vh_veil_timing t;
	struct pkt q[QCAP];
	size_t n;
	uint64_t now;
	uint64_t dups;
	struct trng r;
};

#define NEVER UINT64_MAX

static const char *const ids[2] = {"A-id", "B-id"};
static int verbose;

static void
trace(struct sim *m, int i, const char *what)
{
	struct vh_veil_peer *p = m->s[i].p;

	if (!verbose)
		return;
	print_message("t=%llu %c %s: prev %08x cur %08x next %08x hs %08x\n",
		(unsigned long long)m->now, 'a' + i, what,
		vh_veil_keypair_local_index(vh_veil_peer_keypair(p, 0)),
		vh_veil_keypair_local_index(vh_veil_peer_keypair(p, 1)),
		vh_veil_keypair_local_index(vh_veil_peer_keypair(p, 2)),
		vh_veil_hs_local_index(vh_veil_peer_handshake(p)));
}

static void
enqueue(struct sim *m, int to, uint8_t type, const uint8_t *b, size_t len)
{
	uint8_t rnd[2];
	int c;

	trng_fn(&m->r, rnd, sizeof(rnd));
	c = type == VH_VEIL_LINK_DATA && (rnd[1] & 31) == 0 ? 2 : 1;
	for (int i = 0; i < c; i++) {
		struct pkt *p = &m->q[m->n++];

		assert_true(m->n < QCAP);
		assert_true(len <= sizeof(p->b));
		p->at = m->now + 1 + (rnd[0] + 97 * i) % 30;
		p->to = to;
		p->type = type;
		p->len = len;
		memcpy(p->b, b, len);
	}
}

static void
send_data(struct sim *m, int from, bool must)
{
	struct side *s = &m->s[from];
	uint8_t pt[8], out[64];
	size_t l;
	int rc;

	memcpy(pt, &s->sent, 8);
	rc = vh_veil_peer_encrypt(s->p, pt, sizeof(pt), m->now, out, sizeof(out), &l);
	if (rc == -ENOKEY && !must)
		return; /* before the first session: the node would stage it */
	assert_int_equal(rc, 0);
	assert_true(s->sent < SEQS);
	s->sent++;
	enqueue(m, !from, VH_VEIL_LINK_DATA, out, l);
}

static void
send_keepalive(struct sim *m, int from)
{
	uint8_t out[64];
	size_t l;

	assert_int_equal(
		vh_veil_peer_encrypt(m->s[from].p, NULL, 0, m->now, out, sizeof(out), &l), 0);
	enqueue(m, !from, VH_VEIL_LINK_DATA, out, l);
}

static void
act(struct sim *m, int i)
{
	struct side *s = &m->s[i];
	unsigned int a = vh_veil_peer_tick(s->p, m->now);
	const struct vh_veil_keypair *cur;
	uint8_t out[TBUF];
	size_t l;

	assert_false(a & VH_VEIL_ACT_DEAD);
	if (a & VH_VEIL_ACT_SEND_INIT) {
		assert_int_equal(vh_veil_peer_write_init(s->p, (const uint8_t *)ids[i], 4, m->now,
					 out, sizeof(out), &l),
			0);
		s->inits++;
		trace(m, i, "init sent");
		enqueue(m, !i, VH_VEIL_HANDSHAKE_INIT, out, l);
	}
	if (a & VH_VEIL_ACT_SEND_KEEPALIVE)
		send_keepalive(m, i);
	for (int k = 0; k < NPEND; k++)
		if (vh_veil_hs_local_index(&s->pend[k]) != 0 &&
			m->now - s->pend_at[k] > m->t.rekey_timeout)
			vh_veil_hs_wipe(&s->pend[k]);
	/* once up, always up: every keypair renewed before it expires */
	if (vh_veil_peer_is_up(s->p) && s->up_since == NEVER)
		s->up_since = m->now;
	if (s->up_since == NEVER)
		return;
	assert_true(vh_veil_peer_is_up(s->p));
	cur = vh_veil_peer_keypair(s->p, VH_VEIL_SLOT_CURRENT);
	assert_non_null(cur);
}

static struct vh_veil_handshake *
pend_slot(struct side *s)
{
	int oldest = 0;

	for (int k = 0; k < NPEND; k++) {
		if (vh_veil_hs_local_index(&s->pend[k]) == 0)
			return &s->pend[k];
		if (s->pend_at[k] < s->pend_at[oldest])
			oldest = k;
	}
	vh_veil_hs_wipe(&s->pend[oldest]);
	return &s->pend[oldest];
}

static struct vh_veil_handshake *
pend_by_index(struct side *s, uint32_t idx)
{
	for (int k = 0; k < NPEND; k++)
		if (idx != 0 && vh_veil_hs_local_index(&s->pend[k]) == idx)
			return &s->pend[k];
	return NULL;
}

static void
on_init(struct sim *m, struct pkt *p)
{
	struct side *s = &m->s[p->to], *o = &m->s[!p->to];
	struct vh_veil_handshake *hs = pend_slot(s);
	uint8_t out[TBUF], pl[64];
	size_t l, plen;

	assert_int_equal(
		vh_veil_macs_check(&s->n.ck, p->type, p->b, p->len, &o->n.ep, false, m->now), 0);
	assert_int_equal(
		vh_veil_hs_read_init(hs, &s->n.hsc, p->b, p->len, m->now, pl, sizeof(pl), &plen),
		0);
	s->pend_at[hs - s->pend] = m->now;
	if (p->b[0] == VH_VEIL_WIRE_IK) {
		assert_int_equal(plen, 4);
		assert_memory_equal(pl, ids[!p->to], 4);
	} else {
		assert_int_equal(plen, 0);
	}
	assert_int_equal(
		vh_veil_hs_write_resp(hs, (const uint8_t *)ids[p->to], 4, out, sizeof(out), &l), 0);
	enqueue(m, !p->to, VH_VEIL_HANDSHAKE_RESP, out, l);
	trace(m, p->to, "init answered");
	if (vh_veil_hs_is_complete(hs)) {
		assert_int_equal(vh_veil_peer_on_handshake_complete(s->p, hs, m->now), 0);
		vh_veil_hs_wipe(hs);
		trace(m, p->to, "IK responder complete");
	}
}

static void
on_resp(struct sim *m, struct pkt *p)
{
	struct side *s = &m->s[p->to];
	uint8_t out[TBUF], pl[64];
	size_t l, plen;
	int rc;

	rc = vh_veil_peer_read_resp(s->p, p->b, p->len, pl, sizeof(pl), &plen);
	if (rc == -ESRCH || rc == -EPROTO)
		return; /* answers an initiation replaced or made moot */
	assert_int_equal(rc, 0);
	assert_int_equal(plen, 4);
	if (!vh_veil_hs_is_complete(vh_veil_peer_handshake(s->p))) {
		assert_int_equal(vh_veil_peer_write_finish(s->p, (const uint8_t *)ids[p->to], 4,
					 m->now, out, sizeof(out), &l),
			0);
		enqueue(m, !p->to, VH_VEIL_HANDSHAKE_FINISH, out, l);
	}
	assert_int_equal(
		vh_veil_peer_on_handshake_complete(s->p, NULL, m->now), VH_VEIL_ACT_SEND_KEEPALIVE);
	vh_veil_peer_on_authenticated(s->p, &m->s[!p->to].n.ep, m->now);
	s->completed++;
	trace(m, p->to, "initiator complete");
	send_keepalive(m, p->to);
}

static void
on_finish(struct sim *m, struct pkt *p)
{
	struct side *s = &m->s[p->to];
	struct vh_veil_handshake *hs;
	uint8_t pl[64];
	size_t plen;
	uint32_t idx;

	assert_int_equal(vh_veil_frame_receiver(p->type, p->b, p->len, &idx), 0);
	hs = pend_by_index(s, idx);
	assert_non_null(hs); /* never dropped before its FINISH here */
	assert_int_equal(vh_veil_hs_read_finish(hs, p->b, p->len, pl, sizeof(pl), &plen), 0);
	assert_int_equal(vh_veil_peer_on_handshake_complete(s->p, hs, m->now), 0);
	vh_veil_hs_wipe(hs);
	trace(m, p->to, "XX responder complete");
}

static void
on_data(struct sim *m, struct pkt *p)
{
	struct side *s = &m->s[p->to];
	uint8_t pt[64];
	size_t l;
	uint64_t seq;
	uint32_t idx;
	const struct vh_veil_keypair *cur = vh_veil_peer_keypair(s->p, VH_VEIL_SLOT_CURRENT);
	int rc = vh_veil_peer_decrypt(
		s->p, p->b, p->len, &m->s[!p->to].n.ep, m->now, pt, sizeof(pt), &l);

	if (rc == 0 && cur != vh_veil_peer_keypair(s->p, VH_VEIL_SLOT_CURRENT))
		trace(m, p->to, "current changed by a packet");

	if (rc == -EALREADY) {
		m->dups++;
		return;
	}
	assert_int_equal(vh_veil_frame_receiver(p->type, p->b, p->len, &idx), 0);
	if (rc == -ENOKEY && pend_by_index(s, idx) != NULL) {
		/* overtook its FINISH: the node holds it briefly */
		p->at = m->now + 1;
		m->q[m->n++] = *p;
		s->held++;
		return;
	}
	/* no packet refused for lack of a key, expired or pushed out */
	if (rc != 0) {
		print_message("t=%llu to %d rc %d idx %08x slots %08x %08x %08x len %zu\n",
			(unsigned long long)m->now, p->to, rc, idx,
			vh_veil_keypair_local_index(vh_veil_peer_keypair(s->p, 0)),
			vh_veil_keypair_local_index(vh_veil_peer_keypair(s->p, 1)),
			vh_veil_keypair_local_index(vh_veil_peer_keypair(s->p, 2)), p->len);
	}
	assert_int_equal(rc, 0);
	if (l == 0)
		return;
	assert_int_equal(l, 8);
	memcpy(&seq, pt, 8);
	assert_true(seq < m->s[!p->to].sent);
	s->got[seq]++;
	assert_int_equal(s->got[seq], 1);
}

static void
deliver(struct sim *m)
{
	for (size_t i = 0; i < m->n;) {
		struct pkt p = m->q[i];

		if (p.at > m->now) {
			i++;
			continue;
		}
		m->q[i] = m->q[--m->n];
		switch (p.type) {
		case VH_VEIL_HANDSHAKE_INIT:
			on_init(m, &p);
			break;
		case VH_VEIL_HANDSHAKE_RESP:
			on_resp(m, &p);
			break;
		case VH_VEIL_HANDSHAKE_FINISH:
			on_finish(m, &p);
			break;
		default:
			on_data(m, &p);
		}
	}
}

struct scenario {
	uint8_t seed;       /* network and node RNGs */
	uint64_t b_start;   /* b's first tick (a at 1) */
	unsigned int every; /* data every this many ms each way; 0: none */
	bool one_way;       /* only a sends data */
	bool know_static;   /* IK from the first handshake */
	uint64_t ms;
};

static void
sim_run(const struct scenario *sc)
{
	static struct sim m;
	struct side *a = &m.s[0], *b = &m.s[1];
	uint64_t end = sc->ms;

	memset(&m, 0, sizeof(m));
	small_timing(&m.t);
	m.t.rekey_after_messages = 1000000;
	/* longer than a round trip (up to 60 ms): pending responders live this long */
	m.t.rekey_timeout = 100;
	tnode_init(&a->n, 1, VH_NOISE_SHA256);
	tnode_init(&b->n, 2, VH_NOISE_SHA256);
	a->n.rng.ctr = b->n.rng.ctr = sc->seed * 1000ULL;
	trng_seed(&m.r, sc->seed);
	a->p = tpeer(&a->n, &b->n, sc->know_static, true, &m.t);
	b->p = tpeer(&b->n, &a->n, sc->know_static, true, &m.t);
	a->start = 1;
	b->start = sc->b_start;
	a->every = sc->every;
	b->every = sc->one_way ? 0 : sc->every;
	for (int i = 0; i < 2; i++) {
		m.s[i].up_since = NEVER;
		m.s[i].got = calloc(SEQS, 1);
		assert_non_null(m.s[i].got);
	}
	for (m.now = 1; m.now < end + 200; m.now++) {
		bool sending = m.now < end;

		for (int i = 0; i < 2; i++) {
			struct side *s = &m.s[i];

			if (m.now >= s->start && m.now < end + 100)
				act(&m, i);
			if (sending && s->every > 0 && m.now >= s->start && m.now % s->every == 0)
				send_data(&m, i, s->up_since != NEVER);
		}
		deliver(&m);
	}
	assert_int_equal(m.n, 0);
	for (int i = 0; i < 2; i++) {
		struct side *s = &m.s[i];

		/* up within a few round trips of the later start */
		assert_true(s->up_since != NEVER);
		assert_true(s->up_since < sc->b_start + 200);
		for (uint64_t q = 0; q < s->sent; q++)
			assert_int_equal(m.s[!i].got[q], 1);
	}
	/*
	 * Renewed about every REKEY_AFTER_TIME, by one side at a time: at
	 * least one handshake per period, and no storm (crossings allowed
	 * only at the start).
	 */
	uint64_t periods = end / m.t.rekey_after_time;
	uint64_t inits = a->inits + b->inits;

	assert_true(a->completed + b->completed >= periods);
	assert_true(inits <= periods + 4);
	print_message("seed %u b+%llu every %u%s%s: inits %llu + %llu, completed %llu + %llu, "
		      "data %llu + %llu, held %llu + %llu, dups %llu\n",
		sc->seed, (unsigned long long)sc->b_start, sc->every, sc->one_way ? " one-way" : "",
		sc->know_static ? " IK" : "", (unsigned long long)a->inits,
		(unsigned long long)b->inits, (unsigned long long)a->completed,
		(unsigned long long)b->completed, (unsigned long long)a->sent,
		(unsigned long long)b->sent, (unsigned long long)a->held,
		(unsigned long long)b->held, (unsigned long long)m.dups);
	for (int i = 0; i < 2; i++) {
		for (int k = 0; k < NPEND; k++)
			vh_veil_hs_wipe(&m.s[i].pend[k]);
		vh_veil_peer_free(m.s[i].p);
		assert_int_equal(vh_veil_index_table_count(m.s[i].n.tab), 0);
		tnode_fini(&m.s[i].n);
		free(m.s[i].got);
	}
}

/* Both start together: the first handshakes cross (XX, then IK). */
static void
test_crossing_start(void **state)
{
	(void)state;
	for (uint8_t seed = 1; seed <= 6; seed++)
		sim_run(&(struct scenario){.seed = seed, .b_start = 1, .every = 2, .ms = 8000});
}

/* b starts a little later: crossings in every order while in flight. */
static void
test_staggered_start(void **state)
{
	(void)state;
	for (uint8_t seed = 1; seed <= 12; seed++)
		sim_run(&(struct scenario){
			.seed = seed, .b_start = 1 + seed * 3, .every = 3, .ms = 6000});
}

/* Both know each other's static key: IK crossings. */
static void
test_crossing_ik(void **state)
{
	(void)state;
	for (uint8_t seed = 1; seed <= 6; seed++)
		sim_run(&(struct scenario){.seed = seed,
			.b_start = 1 + seed,
			.every = 2,
			.know_static = true,
			.ms = 6000});
}

/* Traffic one way only, and no traffic at all: the tick renews. */
static void
test_one_way_and_idle(void **state)
{
	(void)state;
	for (uint8_t seed = 1; seed <= 4; seed++) {
		sim_run(&(struct scenario){
			.seed = seed, .b_start = 1, .every = 2, .one_way = true, .ms = 6000});
		sim_run(&(struct scenario){.seed = seed, .b_start = 1, .every = 0, .ms = 6000});
	}
}

/* No crossing: b starts after a's session is up; b responds, then both renew. */
static void
test_late_start(void **state)
{
	(void)state;
	for (uint8_t seed = 1; seed <= 4; seed++)
		sim_run(&(struct scenario){.seed = seed, .b_start = 150, .every = 2, .ms = 6000});
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crossing_start),
		cmocka_unit_test(test_staggered_start),
		cmocka_unit_test(test_crossing_ik),
		cmocka_unit_test(test_one_way_and_idle),
		cmocka_unit_test(test_late_start),
	};

	if (sodium_init() < 0)
		return 1;
	verbose = getenv("VERBOSE") != NULL;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
