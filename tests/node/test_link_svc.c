/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The link service on two nodes of one process, on a wire of two rings, on
 * the fake clock: a handshake that completes (and pins the peer on first
 * use), a configured peer that never answers (initiations retried with the
 * configured backoff, the peer declared dead after rekey_attempt_s), and a
 * peer whose NodeID differs from its pin (config or TOFU store): refused.
 */
#include <errno.h>

#include "vh_host.h"
#include "vh_link.h"

#include "node_test.h"

static const struct vh_node_service *const services[] = {&vh_host_service, &vh_link_service};

/* a: veil on, peer b configured (plus pin); b: as given. */
#define VEIL_A                                                                         \
	"'veil':{'enabled':true,'rekey_timeout_ms':1000,'backoff_max_s':4,"           \
	"'rekey_attempt_s':8},'peers':[{'address':'/udp/10.9.1.2:22088','name':'b'%s}]"
#define VEIL_B_ON "'veil':{'enabled':true,'accept_unknown':true}"

static uint64_t
now_ms(void)
{
	return vh_node_now_ms();
}

static void
test_handshake_and_tofu_pin(void **state)
{
	struct nt_pair p;
	char extra_a[512], err[128];
	uint8_t pinned[VH_IDENTITY_NODEID_LEN];
	struct vh_tofu *t;

	(void)state;
	snprintf(extra_a, sizeof(extra_a), VEIL_A, "");
	nt_clock_on(1000000);
	nt_pair_config(&p, extra_a, VEIL_B_ON);
	nt_pair_start(&p, services, RTE_DIM(services));
	nt_pair_run(&p, 500, NULL, NULL);
	assert_true(vh_link_has_session(vh_link_get(p.a), p.id_b.nodeid));
	assert_true(vh_link_has_session(vh_link_get(p.b), p.id_a.nodeid));
	assert_int_equal(vh_node_counter(p.a, "link_handshakes"), 1);
	assert_int_equal(vh_node_counter(p.b, "link_handshakes"), 1);
	assert_int_equal(vh_node_counter(p.a, "link_key_rejected"), 0);
	/* a keeps the session: no second handshake within a minute */
	nt_pair_run(&p, 60000, NULL, NULL);
	assert_int_equal(vh_node_counter(p.a, "link_handshakes"), 1);
	assert_true(vh_link_has_session(vh_link_get(p.a), p.id_b.nodeid));
	nt_pair_stop_nodes(&p);
	/* b was pinned on first use under its configured name */
	t = vh_tofu_open(p.dir_a, 4096, err, sizeof(err));
	assert_non_null(t);
	assert_int_equal(vh_tofu_lookup(t, "b", pinned), 0);
	assert_memory_equal(pinned, p.id_b.nodeid, VH_IDENTITY_NODEID_LEN);
	vh_tofu_close(t);
	nt_pair_cleanup(&p);
	nt_clock_off();
}

/* ---- a peer that never answers ---- */

#define MAX_SENT 16

struct sends {
	struct nt_pair *p;
	uint64_t seen; /* link frames b got so far */
	uint64_t at[MAX_SENT];
	unsigned int n;
	uint64_t dead_at;
};

static void
note_sends(void *arg)
{
	struct sends *s = arg;
	uint64_t got = vh_node_counter(s->p->b, "link_disabled_rx");

	for (; s->seen < got; s->seen++)
		if (s->n < MAX_SENT)
			s->at[s->n++] = now_ms();
	if (s->dead_at == 0 && vh_node_counter(s->p->a, "link_peers_dead") > 0)
		s->dead_at = now_ms();
}

static void
test_unanswered_backoff(void **state)
{
	/* rekey_timeout 1000 ms (jitter up to 333 ms), doubling, capped at 4 s */
	static const uint64_t base[] = {1000, 2000, 4000, 4000, 4000};
	struct sends s = {0};
	struct nt_pair p;
	char extra_a[512];
	uint64_t t0;

	(void)state;
	snprintf(extra_a, sizeof(extra_a), VEIL_A, "");
	nt_clock_on(1000000);
	/* b answers ARP (host stack) but runs no link sessions: it never answers a handshake */
	nt_pair_config(&p, extra_a, "'veil':{'enabled':false}");
	nt_pair_start(&p, services, RTE_DIM(services));
	s.p = &p;
	t0 = now_ms();
	nt_pair_run(&p, 20000, note_sends, &s);

	assert_true(s.n >= RTE_DIM(base) + 1);
	assert_true(s.at[0] - t0 <= 20); /* the first initiation goes at once */
	for (unsigned int i = 0; i < RTE_DIM(base); i++) {
		uint64_t gap = s.at[i + 1] - s.at[i];

		print_message("initiation %u after %" PRIu64 " ms\n", i + 2, gap);
		assert_true(gap >= base[i] && gap <= base[i] + 333 + 10);
	}
	/* every initiation a sent crossed the wire, nothing else did */
	assert_int_equal(vh_node_counter(p.a, "link_hs_tx"), s.seen);
	/* dead at the first retry at least rekey_attempt_s after the first try */
	assert_int_equal(vh_node_counter(p.a, "link_peers_dead"), 1);
	assert_true(s.dead_at - s.at[0] >= 8000 && s.dead_at - s.at[0] <= 8000 + 4343 + 10);
	/* a configured peer is kept and retried after that */
	assert_true(s.at[s.n - 1] > s.dead_at);
	assert_false(vh_link_has_session(vh_link_get(p.a), p.id_b.nodeid));
	nt_pair_stop(&p);
	nt_clock_off();
}

/* ---- refused: the peer proves another NodeID than its pin ---- */

static void
expect_refused(struct nt_pair *p)
{
	nt_pair_start(p, services, RTE_DIM(services));
	nt_pair_run(p, 3000, NULL, NULL);
	/* b answered (a RESP with its identity): a refused it, every try */
	assert_true(vh_node_counter(p->a, "link_key_rejected") >= 2);
	assert_int_equal(vh_node_counter(p->a, "link_handshakes"), 0);
	assert_false(vh_link_has_session(vh_link_get(p->a), p->id_b.nodeid));
	assert_false(vh_link_has_session(vh_link_get(p->b), p->id_a.nodeid));
	assert_int_equal(vh_node_counter(p->b, "link_handshakes"), 0);
	nt_pair_stop(p);
}

static void
test_refused_config_pin(void **state)
{
	char extra_a[512], pin[160], other_text[VH_IDENTITY_NODEID_TEXT_MAX + 1];
	struct vh_identity other;
	struct nt_pair p;

	(void)state;
	assert_int_equal(vh_identity_generate(&other), 0);
	vh_identity_nodeid_format(other.nodeid, other_text, sizeof(other_text));
	vh_identity_wipe(&other);
	snprintf(pin, sizeof(pin), ",'node_id':'%s'", other_text);
	snprintf(extra_a, sizeof(extra_a), VEIL_A, pin);
	nt_clock_on(1000000);
	nt_pair_config(&p, extra_a, VEIL_B_ON);
	expect_refused(&p);
	nt_clock_off();
}

static void
test_refused_tofu_pin(void **state)
{
	uint8_t pinned[VH_IDENTITY_NODEID_LEN];
	struct vh_identity other;
	char extra_a[512], err[256];
	struct nt_pair p;
	struct vh_tofu *t;
	bool now = false;

	(void)state;
	snprintf(extra_a, sizeof(extra_a), VEIL_A, "");
	nt_clock_on(1000000);
	nt_pair_config(&p, extra_a, VEIL_B_ON);
	/* a met another "b" before: its pin is in a's TOFU store */
	assert_int_equal(vh_identity_generate(&other), 0);
	t = vh_tofu_open(p.dir_a, 4096, err, sizeof(err));
	assert_non_null(t);
	assert_int_equal(vh_tofu_check_and_pin(t, "b", other.nodeid, pinned, &now), 0);
	assert_true(now);
	vh_tofu_close(t);
	expect_refused(&p);
	vh_identity_wipe(&other);
	nt_clock_off();
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_handshake_and_tofu_pin),
		cmocka_unit_test(test_unanswered_backoff),
		cmocka_unit_test(test_refused_config_pin),
		cmocka_unit_test(test_refused_tofu_pin),
	};
	int failed;

	(void)argc;
	if (nt_eal_init(argv[0], "link") != 0)
		return 1;
	failed = cmocka_run_group_tests_name("link_svc", tests, NULL, NULL);
	rte_eal_cleanup();
	return failed;
}
