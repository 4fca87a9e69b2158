/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IK replay defence by timestamp (issue 10): an initiator stamps each IK
 * message 1 with its wall clock (TAI64N in the identity payload); the
 * responder, after reading message 1 and verifying the identity, refuses a
 * stamp not newer than the greatest accepted from that NodeID, before it
 * writes a RESP or touches the session, and remembers the greatest one in
 * the TOFU store so a restart keeps refusing. The node's ephemeral filter
 * (hsguard, 256 entries) forgets an initiation after 256 others; here 300
 * later initiations pass before the replay, so only the stamp can catch it.
 * Clocks are fake: the stamps come from the test's own counter.
 */
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "link_test.h"
#include "vh_identity.h"

#define T0_NS 1800000000000000000ull /* 2027-01-15, the fake wall clock */

static const uint8_t versions[] = {1};

struct side {
	struct tnode tn;
	struct vh_identity id;
	uint8_t pl[VH_IDENTITY_PAYLOAD_MAX];
	int plen;
};

struct bed {
	struct side a, b, c;
	struct vh_veil_peer *pa, *pb;
	struct vh_tofu *store;
	char dir[PATH_MAX];
	unsigned int sessions; /* handshakes the responder completed */
};

static void
side_init(struct side *s, uint8_t seed)
{
	uint8_t ed_seed[32];
	struct vh_identity_payload p;

	tnode_init(&s->tn, seed, VH_NOISE_BLAKE2B);
	memset(ed_seed, seed, sizeof(ed_seed));
	assert_int_equal(vh_identity_from_seed(ed_seed, &s->id), 0);
	assert_int_equal(vh_identity_noise_init(&s->id, s->tn.s.priv), 0);
	assert_memory_equal(s->id.noise_pub, s->tn.s.pub, 32);
	assert_int_equal(vh_identity_payload_build(&s->id, versions, 1, NULL, 0, &p), 0);
	s->plen = vh_identity_payload_encode(&p, s->pl, sizeof(s->pl));
	assert_true(s->plen > 0);
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
reopen(struct bed *t)
{
	char err[320];

	vh_tofu_close(t->store);
	t->store = vh_tofu_open(t->dir, 100, err, sizeof(err));
	if (t->store == NULL)
		fail_msg("vh_tofu_open: %s", err);
}

static int
setup(void **state)
{
	struct bed *t = calloc(1, sizeof(*t));
	struct vh_veil_timing tm;
	const char *tmp = getenv("TMPDIR");

	if (t == NULL)
		return -1;
	snprintf(t->dir, sizeof(t->dir), "%s/vh-stamp-XXXXXX", tmp != NULL && *tmp ? tmp : "/tmp");
	if (mkdtemp(t->dir) == NULL)
		return -1;
	side_init(&t->a, 1);
	side_init(&t->b, 2);
	side_init(&t->c, 3);
	small_timing(&tm);
	t->pa = tpeer(&t->a.tn, &t->b.tn, true, false, &tm);
	t->pb = tpeer(&t->b.tn, &t->a.tn, true, false, &tm);
	reopen(t);
	*state = t;
	return 0;
}

static int
teardown(void **state)
{
	struct bed *t = *state;

	vh_tofu_close(t->store);
	vh_veil_peer_free(t->pa);
	vh_veil_peer_free(t->pb);
	tnode_fini(&t->a.tn);
	tnode_fini(&t->b.tn);
	tnode_fini(&t->c.tn);
	nftw(t->dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	free(t);
	return 0;
}

/* An IK message 1 from s to b, stamped at ns (0: no stamp, an older sender). */
static size_t
initiation(struct bed *t, struct side *s, uint64_t ns, uint8_t *out, size_t cap)
{
	struct vh_veil_cookie_maker m;
	struct vh_veil_handshake hs;
	uint8_t pl[VH_IDENTITY_PAYLOAD_MAX], ts[VH_IDENTITY_TAI64N_LEN];
	int plen = s->plen;
	size_t len;

	memcpy(pl, s->pl, (size_t)plen);
	if (ns != 0) {
		vh_identity_tai64n(ns, ts);
		plen = vh_identity_payload_stamp(s->pl, (size_t)s->plen, ts, pl, sizeof(pl));
		assert_true(plen > s->plen);
	}
	vh_veil_cookie_maker_init(&m, t->b.tn.s.pub);
	memset(&hs, 0, sizeof(hs));
	assert_int_equal(vh_veil_hs_write_init(&hs, &s->tn.hsc, t->b.tn.s.pub, pl, (size_t)plen, &m,
				 1, out, cap, &len),
		0);
	vh_veil_hs_wipe(&hs);
	return len;
}

/*
 * The responder, in the order app/valhalla/link.c follows: read message 1
 * (its DHs), verify the identity, check the stamp; only then the RESP (the
 * further DHs) and the session.
 */
static int
respond(struct bed *t, const uint8_t *m1, size_t l1)
{
	uint8_t pl[VH_IDENTITY_PAYLOAD_MAX], rs[32], nodeid[32], m2[TBUF];
	struct vh_identity_payload p;
	struct vh_veil_handshake hs;
	size_t plen, l2;
	int rc;

	memset(&hs, 0, sizeof(hs));
	assert_int_equal(
		vh_veil_hs_read_init(&hs, &t->b.tn.hsc, m1, l1, 1, pl, sizeof(pl), &plen), 0);
	assert_int_equal(vh_veil_hs_remote_static(&hs, rs), 0);
	assert_int_equal(vh_identity_payload_decode(pl, plen, &p), 0);
	assert_int_equal(vh_identity_payload_verify(&p, rs, nodeid), 0);
	rc = vh_tofu_stamp_payload(t->store, nodeid, pl, plen);
	if (rc != 0) {
		vh_veil_hs_wipe(&hs);
		return rc;
	}
	assert_int_equal(vh_veil_hs_write_resp(&hs, NULL, 0, m2, sizeof(m2), &l2), 0);
	if (memcmp(rs, t->a.tn.s.pub, 32) == 0) {
		assert_int_equal(vh_veil_peer_on_handshake_complete(t->pb, &hs, 1), 0);
		t->sessions++;
	}
	vh_veil_hs_wipe(&hs);
	return 0;
}

static void
test_replay_after_filter(void **state)
{
	struct bed *t = *state;
	static uint8_t first[TBUF], last[TBUF], m[TBUF];
	size_t l_first, l_last, l;

	l_first = initiation(t, &t->a, T0_NS, first, sizeof(first));
	assert_int_equal(respond(t, first, l_first), 0);
	assert_int_equal(t->sessions, 1);
	/* more initiations than the node's 256-entry ephemeral filter holds */
	for (unsigned int i = 1; i <= 300; i++) {
		l = initiation(t, &t->a, T0_NS + i * 1000u, m, sizeof(m));
		assert_int_equal(respond(t, m, l), 0);
	}
	assert_int_equal(t->sessions, 301);
	l_last = l;
	memcpy(last, m, l);
	/* replays: the first and the newest; neither gets a RESP or a session */
	assert_int_equal(respond(t, first, l_first), -ESTALE);
	assert_int_equal(respond(t, last, l_last), -ESTALE);
	assert_int_equal(t->sessions, 301);
	/* the responder restarts: still refused */
	reopen(t);
	assert_int_equal(respond(t, first, l_first), -ESTALE);
	assert_int_equal(respond(t, last, l_last), -ESTALE);
	assert_int_equal(t->sessions, 301);
	/* the initiator's next one (a new static key after its own restart works too) */
	l = initiation(t, &t->a, T0_NS + 301 * 1000u, m, sizeof(m));
	assert_int_equal(respond(t, m, l), 0);
	assert_int_equal(t->sessions, 302);
	/* same second, earlier nanosecond: refused */
	l = initiation(t, &t->a, T0_NS + 300 * 1000u + 1, m, sizeof(m));
	assert_int_equal(respond(t, m, l), -ESTALE);
}

/*
 * An initiation without a stamp (a binary before this change): accepted
 * from a NodeID never seen stamping, refused from one that did (a replay
 * of an older message, or a downgrade; XX still works for those).
 */
static void
test_unstamped(void **state)
{
	struct bed *t = *state;
	uint8_t m[TBUF];
	size_t l;

	l = initiation(t, &t->c, 0, m, sizeof(m));
	assert_int_equal(respond(t, m, l), 0);
	assert_int_equal(respond(t, m, l), 0); /* nothing to compare: the filter's job */
	l = initiation(t, &t->a, T0_NS, m, sizeof(m));
	assert_int_equal(respond(t, m, l), 0);
	l = initiation(t, &t->a, 0, m, sizeof(m));
	assert_int_equal(respond(t, m, l), -ESTALE);
	reopen(t);
	assert_int_equal(respond(t, m, l), -ESTALE);
	/* c stamps from now on: its unstamped ones are refused after that */
	l = initiation(t, &t->c, T0_NS, m, sizeof(m));
	assert_int_equal(respond(t, m, l), 0);
	l = initiation(t, &t->c, 0, m, sizeof(m));
	assert_int_equal(respond(t, m, l), -ESTALE);
}

/*
 * A stored stamp whose checksum fails is skipped (no floor, never a wrong
 * one), counted, and replaced by the next accepted stamp.
 */
static void
test_damaged_stamp(void **state)
{
	struct bed *t = *state;
	uint8_t m[TBUF], ts[VH_IDENTITY_TAI64N_LEN], *buf;
	char path[PATH_MAX + 16];
	struct stat st;
	size_t l;
	int fd, flipped = 0;

	l = initiation(t, &t->a, T0_NS + 777, m, sizeof(m));
	assert_int_equal(respond(t, m, l), 0);
	vh_tofu_close(t->store);
	t->store = NULL;
	vh_identity_tai64n(T0_NS + 777, ts);
	snprintf(path, sizeof(path), "%s/tofu.mdb", t->dir);
	fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	buf = malloc((size_t)st.st_size);
	assert_non_null(buf);
	assert_int_equal(pread(fd, buf, (size_t)st.st_size, 0), st.st_size);
	for (uint8_t *p = buf; (p = memmem(p, (size_t)(buf + st.st_size - p), ts, 12)) != NULL;
		p += 12) {
		uint8_t b = p[11] ^ 0x01;

		assert_int_equal(pwrite(fd, &b, 1, p - buf + 11), 1);
		flipped++;
	}
	close(fd);
	free(buf);
	assert_true(flipped >= 1);
	reopen(t);
	assert_int_equal(respond(t, m, l), 0); /* no floor: the damage cost one replay */
	assert_int_equal(vh_tofu_stamps_damaged(t->store), 1);
	assert_int_equal(respond(t, m, l), -ESTALE); /* replaced, sealed again */
	reopen(t);
	assert_int_equal(respond(t, m, l), -ESTALE);
	assert_int_equal(vh_tofu_stamps_damaged(t->store), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_replay_after_filter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unstamped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_damaged_stamp, setup, teardown),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests_name("veil_link_stamp", tests, NULL, NULL);
}
