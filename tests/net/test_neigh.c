/* SPDX-License-Identifier: BSD-3-Clause */
/* Neighbour cache state machine, driven by a fake clock. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "net_test.h"

/* What vh_net_neigh_expire() asked for, by action. */
struct events {
	unsigned int n[3];
	struct vh_net_neigh_entry last;
};

static void
on_event(void *arg, const struct vh_net_neigh_entry *e, enum vh_net_neigh_action act)
{
	struct events *ev = arg;

	assert_true(act <= VH_NET_NEIGH_GIVE_UP);
	ev->n[act]++;
	ev->last = *e;
}

static const uint8_t macA[6] = {0x02, 0xaa, 0, 0, 0, 1};
static const uint8_t macB[6] = {0x02, 0xbb, 0, 0, 0, 2};

static void
test_create(void **state)
{
	struct vh_net_neigh *nc;

	(void)state;
	errno = 0;
	assert_null(vh_net_neigh_create(0));
	assert_int_equal(errno, EINVAL);
	assert_null(vh_net_neigh_create((1u << 20) + 1));
	nc = vh_net_neigh_create(1);
	assert_non_null(nc);
	assert_int_equal(vh_net_neigh_count(nc), 0);
	vh_net_neigh_destroy(nc);
	vh_net_neigh_destroy(NULL);
	assert_string_equal(vh_net_neigh_state_name(VH_NET_NEIGH_STALE), "stale");
	assert_string_equal(vh_net_neigh_state_name(VH_NET_NEIGH_INCOMPLETE), "incomplete");
	assert_string_equal(vh_net_neigh_state_name(VH_NET_NEIGH_REACHABLE), "reachable");
	assert_string_equal(vh_net_neigh_state_name(VH_NET_NEIGH_FAILED), "failed");
	assert_string_equal(vh_net_neigh_state_name(4), "unknown");
}

static void
test_learn_lookup(void **state)
{
	struct vh_net_neigh *nc = vh_net_neigh_create(16);
	uint8_t mac[6];

	(void)state;
	assert_int_equal(vh_net_neigh_lookup(nc, 4, ip4_2, mac, 0), -ENOENT);
	assert_int_equal(vh_net_neigh_learn(nc, 4, ip4_2, macA, 100), 0);
	assert_int_equal(vh_net_neigh_lookup(nc, 4, ip4_2, mac, 101), 0);
	assert_memory_equal(mac, macA, 6);
	/* families are separate: the same first 4 bytes as IPv6 are another key */
	assert_int_equal(
		vh_net_neigh_lookup(nc, 6, (const uint8_t[16]){10, 0, 0, 2}, mac, 1), -ENOENT);
	assert_int_equal(vh_net_neigh_learn(nc, 6, ip6_2, macB, 100), 0);
	assert_int_equal(vh_net_neigh_lookup(nc, 6, ip6_2, mac, 101), 0);
	assert_memory_equal(mac, macB, 6);
	assert_int_equal(vh_net_neigh_count(nc), 2);
	/* a new MAC overrides */
	assert_int_equal(vh_net_neigh_learn(nc, 4, ip4_2, macB, 200), 0);
	assert_int_equal(vh_net_neigh_lookup(nc, 4, ip4_2, mac, 201), 0);
	assert_memory_equal(mac, macB, 6);
	assert_int_equal(vh_net_neigh_count(nc), 2);
	/* bad input */
	assert_int_equal(vh_net_neigh_learn(nc, 5, ip4_2, macA, 1), -EAFNOSUPPORT);
	assert_int_equal(vh_net_neigh_lookup(nc, 0, ip4_2, mac, 1), -EAFNOSUPPORT);
	assert_int_equal(vh_net_neigh_learn(nc, 4, (const uint8_t[4]){0}, macA, 1), -EINVAL);
	assert_int_equal(
		vh_net_neigh_learn(nc, 4, (const uint8_t[4]){224, 0, 0, 1}, macA, 1), -EINVAL);
	assert_int_equal(vh_net_neigh_learn(nc, 4, (const uint8_t[4]){255, 255, 255, 255}, macA, 1),
		-EINVAL);
	assert_int_equal(vh_net_neigh_learn(nc, 6, (const uint8_t[16]){0xff, 2, [15] = 1}, macA, 1),
		-EINVAL);
	assert_int_equal(vh_net_neigh_learn(nc, 6, (const uint8_t[16]){0}, macA, 1), -EINVAL);
	assert_int_equal(
		vh_net_neigh_learn(nc, 4, ip4_1, (const uint8_t[6]){1, 0, 0x5e, 0, 0, 1}, 1),
		-EINVAL);
	assert_int_equal(vh_net_neigh_learn(nc, 4, ip4_1, (const uint8_t[6]){0}, 1), -EINVAL);
	assert_int_equal(vh_net_neigh_count(nc), 2);
	/* forget */
	assert_int_equal(vh_net_neigh_forget(nc, 4, ip4_2), 0);
	assert_int_equal(vh_net_neigh_forget(nc, 4, ip4_2), -ENOENT);
	assert_int_equal(vh_net_neigh_lookup(nc, 4, ip4_2, mac, 300), -ENOENT);
	assert_int_equal(vh_net_neigh_count(nc), 1);
	vh_net_neigh_destroy(nc);
}

static void
test_resolve_retry_fail(void **state)
{
	struct vh_net_neigh *nc = vh_net_neigh_create(16);
	struct events ev = {0};
	uint8_t mac[6];
	uint64_t t = 1000;

	(void)state;
	/* first ask: send now; while pending, asking again sends nothing */
	assert_int_equal(vh_net_neigh_solicit(nc, 6, ip6_2, t), 1);
	assert_int_equal(vh_net_neigh_lookup(nc, 6, ip6_2, mac, t), -EAGAIN);
	assert_int_equal(vh_net_neigh_solicit(nc, 6, ip6_2, t + 10), 0);
	/* a retry every second, none before */
	vh_net_neigh_expire(nc, t + 999, on_event, &ev);
	assert_int_equal(ev.n[VH_NET_NEIGH_REQUEST], 0);
	vh_net_neigh_expire(nc, t + 1000, on_event, &ev);
	assert_int_equal(ev.n[VH_NET_NEIGH_REQUEST], 1);
	assert_int_equal(ev.last.tries, 2);
	assert_int_equal(ev.last.ip_ver, 6);
	assert_int_equal(ev.last.state, VH_NET_NEIGH_INCOMPLETE);
	assert_memory_equal(ev.last.addr, ip6_2, 16);
	vh_net_neigh_expire(nc, t + 1500, on_event, &ev);
	assert_int_equal(ev.n[VH_NET_NEIGH_REQUEST], 1);
	vh_net_neigh_expire(nc, t + 2000, on_event, &ev);
	assert_int_equal(ev.n[VH_NET_NEIGH_REQUEST], 2);
	assert_int_equal(ev.last.tries, 3);
	/* third request unanswered for a second: FAILED, given up once */
	vh_net_neigh_expire(nc, t + 3000, on_event, &ev);
	assert_int_equal(ev.n[VH_NET_NEIGH_REQUEST], 2);
	assert_int_equal(ev.n[VH_NET_NEIGH_GIVE_UP], 1);
	assert_int_equal(ev.last.state, VH_NET_NEIGH_FAILED);
	assert_int_equal(vh_net_neigh_lookup(nc, 6, ip6_2, mac, t + 3000), -EHOSTUNREACH);
	assert_int_equal(vh_net_neigh_solicit(nc, 6, ip6_2, t + 3000), -EHOSTUNREACH);
	/* still wanted: asked for again 2 s after the last request, then every RETRY_MAX_MS */
	vh_net_neigh_expire(nc, t + 3999, on_event, &ev);
	assert_int_equal(ev.n[VH_NET_NEIGH_REQUEST], 2);
	vh_net_neigh_expire(nc, t + 4000, on_event, &ev);
	assert_int_equal(ev.n[VH_NET_NEIGH_REQUEST], 3);
	assert_int_equal(ev.last.state, VH_NET_NEIGH_FAILED);
	assert_int_equal(ev.last.tries, 4);
	assert_int_equal(vh_net_neigh_lookup(nc, 6, ip6_2, mac, t + 5000), -EHOSTUNREACH);
	vh_net_neigh_expire(nc, t + 4000 + VH_NET_NEIGH_RETRY_MAX_MS - 1, on_event, &ev);
	assert_int_equal(ev.n[VH_NET_NEIGH_REQUEST], 3);
	vh_net_neigh_expire(nc, t + 4000 + VH_NET_NEIGH_RETRY_MAX_MS, on_event, &ev);
	assert_int_equal(ev.n[VH_NET_NEIGH_REQUEST], 4);
	assert_int_equal(ev.n[VH_NET_NEIGH_GIVE_UP], 1);
	/* nobody asks any more: no more requests; removed FAILED_MS after the last ask */
	for (uint64_t now = t + 8000; now < t + 5000 + VH_NET_NEIGH_FAILED_MS; now += 200)
		assert_int_equal(vh_net_neigh_expire(nc, now, on_event, &ev), 0);
	assert_int_equal(ev.n[VH_NET_NEIGH_REQUEST], 4);
	assert_int_equal(
		vh_net_neigh_expire(nc, t + 5000 + VH_NET_NEIGH_FAILED_MS, on_event, &ev), 1);
	assert_int_equal(vh_net_neigh_lookup(nc, 6, ip6_2, mac, t + 25000), -ENOENT);
	/* a new ask starts over; an answer at any point makes it reachable */
	assert_int_equal(vh_net_neigh_solicit(nc, 6, ip6_2, t + 25000), 1);
	assert_int_equal(vh_net_neigh_lookup(nc, 6, ip6_2, mac, t + 25001), -EAGAIN);
	assert_int_equal(vh_net_neigh_learn(nc, 6, ip6_2, macA, t + 25100), 0);
	assert_int_equal(vh_net_neigh_lookup(nc, 6, ip6_2, mac, t + 25100), 0);
	assert_memory_equal(mac, macA, 6);
	assert_int_equal(vh_net_neigh_solicit(nc, 6, ip6_2, t + 25200), 0);
	/* a failed entry nobody asked for after its first request gets no more */
	vh_net_neigh_destroy(nc);
	nc = vh_net_neigh_create(16);
	ev = (struct events){0};
	assert_int_equal(vh_net_neigh_solicit(nc, 4, ip4_2, 0), 1);
	for (uint64_t now = 0; now < 3000 + VH_NET_NEIGH_FAILED_MS; now += 250)
		assert_int_equal(vh_net_neigh_expire(nc, now, on_event, &ev), 0);
	assert_int_equal(ev.n[VH_NET_NEIGH_REQUEST], 2);
	assert_int_equal(ev.n[VH_NET_NEIGH_GIVE_UP], 1);
	assert_int_equal(vh_net_neigh_expire(nc, 3000 + VH_NET_NEIGH_FAILED_MS, NULL, NULL), 1);
	assert_int_equal(vh_net_neigh_lookup(nc, 4, ip4_2, mac, 3000), -ENOENT);
	/* bad input */
	assert_int_equal(vh_net_neigh_solicit(nc, 4, (const uint8_t[4]){0}, 1), -EINVAL);
	assert_int_equal(vh_net_neigh_solicit(nc, 7, ip4_2, 1), -EAFNOSUPPORT);
	vh_net_neigh_destroy(nc);
}

/*
 * A neighbour that comes up late (issue 9, item 6), on a fake clock: a
 * caller wants it every 500 ms (a handshake retried), as hoststack does
 * (lookup; solicit when unknown); the cache is expired every 200 ms; the
 * neighbour answers requests once it is up. It must be resolved within
 * VH_NET_NEIGH_RETRY_MAX_MS (plus a tick) of coming up, whenever that is,
 * and while it is down requests back off to one per RETRY_MAX_MS.
 */
struct late {
	uint64_t now, up_ms, answer_ms, last_req_ms;
	unsigned int requests, short_gaps;
};

static void
late_event(void *arg, const struct vh_net_neigh_entry *e, enum vh_net_neigh_action act)
{
	struct late *l = arg;

	(void)e;
	if (act != VH_NET_NEIGH_REQUEST)
		return;
	if (l->requests >= VH_NET_NEIGH_TRIES && l->now - l->last_req_ms < 2000)
		l->short_gaps++;
	l->requests++;
	l->last_req_ms = l->now;
	if (l->now >= l->up_ms && l->answer_ms == 0)
		l->answer_ms = l->now + 1;
}

/* Milliseconds from up_ms to the first successful lookup; the late state in *l. */
static uint64_t
late_run(uint64_t up_ms, struct late *l)
{
	struct vh_net_neigh *nc = vh_net_neigh_create(8);
	uint8_t mac[6];
	uint64_t got = 0;

	*l = (struct late){.up_ms = up_ms};
	for (l->now = 0; l->now < up_ms + 30000 && got == 0; l->now += 100) {
		if (l->answer_ms != 0 && l->now >= l->answer_ms)
			assert_int_equal(vh_net_neigh_learn(nc, 4, ip4_2, macB, l->now), 0);
		if (l->now % 500 == 0) {
			int rc = vh_net_neigh_lookup(nc, 4, ip4_2, mac, l->now);

			if (rc == 0)
				got = l->now;
			else if (rc == -ENOENT && vh_net_neigh_solicit(nc, 4, ip4_2, l->now) == 1)
				late_event(l, NULL, VH_NET_NEIGH_REQUEST);
		}
		if (l->now % 200 == 0)
			vh_net_neigh_expire(nc, l->now, late_event, l);
	}
	vh_net_neigh_destroy(nc);
	assert_int_not_equal(got, 0);
	return got - up_ms;
}

static void
test_late_neighbour(void **state)
{
	const uint64_t bound = VH_NET_NEIGH_RETRY_MAX_MS + 500 + 200;
	static const uint64_t ups[] = {0, 2500, 5000, 7300, 12000, 19900, 45000, 120000};
	struct late l;

	(void)state;
	for (unsigned int i = 0; i < sizeof(ups) / sizeof(ups[0]); i++) {
		uint64_t took = late_run(ups[i], &l);

		print_message("up at %5.1f s: resolved %.1f s later, %u requests\n",
			(double)ups[i] / 1000, (double)took / 1000, l.requests);
		assert_true(took <= bound);
		assert_int_equal(l.short_gaps, 0);
	}
	/* down for two minutes: about one request per RETRY_MAX_MS, not one per ask */
	late_run(120000, &l);
	assert_true(l.requests <= VH_NET_NEIGH_TRIES + 120000 / VH_NET_NEIGH_RETRY_MAX_MS + 2);
}

/* Traffic from a FAILED address ends FAILED at once; nothing else changes. */
static void
test_heard(void **state)
{
	struct vh_net_neigh *nc = vh_net_neigh_create(8);
	uint8_t mac[6];

	(void)state;
	/* nothing known: nothing to do, no entry made (spoofed sources cost nothing) */
	assert_int_equal(vh_net_neigh_heard(nc, 4, ip4_2, 0), 0);
	assert_int_equal(vh_net_neigh_count(nc), 0);
	assert_int_equal(vh_net_neigh_solicit(nc, 4, ip4_2, 0), 1);
	assert_int_equal(vh_net_neigh_heard(nc, 4, ip4_2, 10), 0); /* in flight already */
	for (uint64_t now = 0; now <= 3000; now += 200)
		vh_net_neigh_expire(nc, now, NULL, NULL);
	assert_int_equal(vh_net_neigh_lookup(nc, 4, ip4_2, mac, 3000), -EHOSTUNREACH);
	/* heard from: a request now, lookups wait for its answer again */
	assert_int_equal(vh_net_neigh_heard(nc, 4, ip4_2, 3100), 1);
	assert_int_equal(vh_net_neigh_lookup(nc, 4, ip4_2, mac, 3100), -EAGAIN);
	assert_int_equal(vh_net_neigh_heard(nc, 4, ip4_2, 3200), 0);
	assert_int_equal(vh_net_neigh_learn(nc, 4, ip4_2, macA, 3300), 0);
	assert_int_equal(vh_net_neigh_heard(nc, 4, ip4_2, 3400), 0);
	assert_int_equal(vh_net_neigh_lookup(nc, 4, ip4_2, mac, 3400), 0);
	assert_memory_equal(mac, macA, 6);
	/* bad input */
	assert_int_equal(vh_net_neigh_heard(nc, 4, (const uint8_t[4]){0}, 1), -EINVAL);
	assert_int_equal(vh_net_neigh_heard(nc, 5, ip4_2, 1), -EAFNOSUPPORT);
	vh_net_neigh_destroy(nc);
}

struct find {
	int ver;
	const uint8_t *addr;
	struct vh_net_neigh_entry e;
	int found;
};

static int
find_cb(void *arg, const struct vh_net_neigh_entry *e)
{
	struct find *f = arg;

	if (e->ip_ver != f->ver || memcmp(e->addr, f->addr, f->ver == 4 ? 4 : 16) != 0)
		return 0;
	f->e = *e;
	f->found = 1;
	return 7; /* stop: the walk returns it */
}

/* State of addr as vhctl would see it through the walk, -1 if absent. */
static int
state_of(struct vh_net_neigh *nc, int ver, const uint8_t *addr)
{
	struct find f = {.ver = ver, .addr = addr};
	int rc = vh_net_neigh_walk(nc, find_cb, &f);

	assert_int_equal(rc, f.found ? 7 : 0);
	return f.found ? f.e.state : -1;
}

static void
test_reachable_stale_expiry(void **state)
{
	struct vh_net_neigh *nc = vh_net_neigh_create(8);
	struct events ev = {0};
	uint8_t mac[6];
	const uint64_t R = VH_NET_NEIGH_REACHABLE_MS, S = VH_NET_NEIGH_STALE_MS;

	(void)state;
	assert_int_equal(vh_net_neigh_learn(nc, 4, ip4_2, macA, 0), 0);
	assert_int_equal(state_of(nc, 4, ip4_2), VH_NET_NEIGH_REACHABLE);
	vh_net_neigh_expire(nc, R - 1, on_event, &ev);
	assert_int_equal(state_of(nc, 4, ip4_2), VH_NET_NEIGH_REACHABLE);
	/* 30 s after confirmation: stale, still usable, nothing to send while unused */
	vh_net_neigh_expire(nc, R, on_event, &ev);
	assert_int_equal(state_of(nc, 4, ip4_2), VH_NET_NEIGH_STALE);
	assert_int_equal(ev.n[VH_NET_NEIGH_PROBE], 0);
	assert_int_equal(vh_net_neigh_lookup(nc, 4, ip4_2, mac, R + 5), 0);
	assert_memory_equal(mac, macA, 6);
	/* used while stale: one unicast probe, then none for PROBE_MS */
	vh_net_neigh_expire(nc, R + 10, on_event, &ev);
	assert_int_equal(ev.n[VH_NET_NEIGH_PROBE], 1);
	assert_memory_equal(ev.last.mac, macA, 6);
	assert_int_equal(vh_net_neigh_lookup(nc, 4, ip4_2, mac, R + 20), 0);
	vh_net_neigh_expire(nc, R + 20, on_event, &ev);
	assert_int_equal(ev.n[VH_NET_NEIGH_PROBE], 1);
	/* answered by an NA without link-layer option: confirmed, MAC kept */
	assert_int_equal(vh_net_neigh_confirm(nc, 4, ip4_2, R + 25), 0);
	assert_int_equal(state_of(nc, 4, ip4_2), VH_NET_NEIGH_REACHABLE);
	vh_net_neigh_expire(nc, R + 25 + R - 1, NULL, NULL);
	assert_int_equal(state_of(nc, 4, ip4_2), VH_NET_NEIGH_REACHABLE);
	vh_net_neigh_expire(nc, R + 25 + R, NULL, NULL);
	assert_int_equal(state_of(nc, 4, ip4_2), VH_NET_NEIGH_STALE);
	assert_int_equal(vh_net_neigh_lookup(nc, 4, ip4_2, mac, R + 26), 0);
	assert_memory_equal(mac, macA, 6);
	assert_int_equal(vh_net_neigh_confirm(nc, 4, ip4_1, R + 25), -ENOENT);
	assert_int_equal(vh_net_neigh_confirm(nc, 3, ip4_1, R + 25), -EAFNOSUPPORT);
	assert_int_equal(vh_net_neigh_solicit(nc, 4, ip4_1, R + 25), 1);
	assert_int_equal(vh_net_neigh_confirm(nc, 4, ip4_1, R + 25), -ENOENT); /* no MAC yet */
	/* the probe answered: reachable again */
	assert_int_equal(vh_net_neigh_learn(nc, 4, ip4_2, macA, R + 30), 0);
	assert_int_equal(state_of(nc, 4, ip4_2), VH_NET_NEIGH_REACHABLE);

	/* idle for 10 minutes: removed; one millisecond earlier it stays */
	assert_int_equal(vh_net_neigh_learn(nc, 6, ip6_2, macB, 1000), 0);
	vh_net_neigh_expire(nc, 1000 + R, NULL, NULL);
	assert_int_equal(state_of(nc, 6, ip6_2), VH_NET_NEIGH_STALE);
	assert_int_equal(vh_net_neigh_expire(nc, 1000 + S - 1, NULL, NULL), 0);
	assert_int_equal(state_of(nc, 6, ip6_2), VH_NET_NEIGH_STALE);
	assert_int_equal(vh_net_neigh_expire(nc, 1000 + S, NULL, NULL), 1);
	assert_int_equal(state_of(nc, 6, ip6_2), -1);
	assert_int_equal(vh_net_neigh_lookup(nc, 6, ip6_2, mac, 1000 + S), -ENOENT);

	/* in use but never answering probes: removed once unconfirmed for 10 minutes */
	assert_int_equal(vh_net_neigh_learn(nc, 6, ip6_1, macB, 0), 0);
	for (uint64_t now = 0; now < S; now += 1000) {
		assert_int_equal(vh_net_neigh_lookup(nc, 6, ip6_1, mac, now), 0);
		vh_net_neigh_expire(nc, now, NULL, NULL);
	}
	assert_int_equal(state_of(nc, 6, ip6_1), VH_NET_NEIGH_STALE);
	assert_int_equal(vh_net_neigh_lookup(nc, 6, ip6_1, mac, S), 0);
	vh_net_neigh_expire(nc, S, NULL, NULL);
	assert_int_equal(state_of(nc, 6, ip6_1), -1);
	vh_net_neigh_destroy(nc);
}

static void
test_eviction(void **state)
{
	struct vh_net_neigh *nc = vh_net_neigh_create(4);
	uint8_t mac[6], a[4] = {10, 1, 0, 0};

	(void)state;
	for (uint8_t i = 1; i <= 4; i++) {
		a[3] = i;
		assert_int_equal(vh_net_neigh_learn(nc, 4, a, macA, 100 * i), 0);
	}
	assert_int_equal(vh_net_neigh_count(nc), 4);
	/* .1 is used, so .2 is the one idle longest */
	a[3] = 1;
	assert_int_equal(vh_net_neigh_lookup(nc, 4, a, mac, 500), 0);
	a[3] = 5;
	assert_int_equal(vh_net_neigh_learn(nc, 4, a, macB, 600), 0);
	assert_int_equal(vh_net_neigh_count(nc), 4);
	a[3] = 2;
	assert_int_equal(vh_net_neigh_lookup(nc, 4, a, mac, 600), -ENOENT);
	for (uint8_t i = 1; i <= 5; i++) {
		a[3] = i;
		if (i != 2)
			assert_int_equal(vh_net_neigh_lookup(nc, 4, a, mac, 600), 0);
	}
	/* a solicit on a full table evicts too; a flood never grows it */
	for (unsigned int i = 0; i < 10000; i++) {
		uint8_t b[16] = {0x20, 0x01, 0x0d, 0xb8, [14] = (uint8_t)(i >> 8), (uint8_t)i};

		assert_int_equal(vh_net_neigh_solicit(nc, 6, b, 1000 + i), 1);
		assert_true(vh_net_neigh_count(nc) <= 4);
	}
	assert_int_equal(vh_net_neigh_count(nc), 4);
	vh_net_neigh_destroy(nc);
}

/* Many entries in a large table: chains, removal in the middle of chains. */
static void
test_many(void **state)
{
	struct vh_net_neigh *nc = vh_net_neigh_create(1000);
	uint8_t mac[6];

	(void)state;
	for (unsigned int i = 0; i < 1000; i++) {
		uint8_t a[4] = {10, 2, (uint8_t)(i >> 8), (uint8_t)(i + 1)};
		uint8_t m[6] = {2, 0, 0, 0, (uint8_t)(i >> 8), (uint8_t)i};

		assert_int_equal(vh_net_neigh_learn(nc, 4, a, m, i), 0);
	}
	assert_int_equal(vh_net_neigh_count(nc), 1000);
	for (unsigned int i = 0; i < 1000; i += 2) {
		uint8_t a[4] = {10, 2, (uint8_t)(i >> 8), (uint8_t)(i + 1)};

		assert_int_equal(vh_net_neigh_forget(nc, 4, a), 0);
	}
	for (unsigned int i = 0; i < 1000; i++) {
		uint8_t a[4] = {10, 2, (uint8_t)(i >> 8), (uint8_t)(i + 1)};
		int rc = vh_net_neigh_lookup(nc, 4, a, mac, 2000);

		if (i % 2 == 0) {
			assert_int_equal(rc, -ENOENT);
		} else {
			assert_int_equal(rc, 0);
			assert_int_equal(mac[4], (uint8_t)(i >> 8));
			assert_int_equal(mac[5], (uint8_t)i);
		}
	}
	assert_int_equal(vh_net_neigh_count(nc), 500);
	/* all of them idle out together */
	vh_net_neigh_expire(nc, 2000 + VH_NET_NEIGH_REACHABLE_MS, NULL, NULL);
	assert_int_equal(vh_net_neigh_expire(nc, 2000 + VH_NET_NEIGH_STALE_MS, NULL, NULL), 500);
	assert_int_equal(vh_net_neigh_count(nc), 0);
	vh_net_neigh_destroy(nc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create),
		cmocka_unit_test(test_learn_lookup),
		cmocka_unit_test(test_resolve_retry_fail),
		cmocka_unit_test(test_late_neighbour),
		cmocka_unit_test(test_heard),
		cmocka_unit_test(test_reachable_stale_expiry),
		cmocka_unit_test(test_eviction),
		cmocka_unit_test(test_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
