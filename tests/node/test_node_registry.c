/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The runtime's registries without EAL or a data plane (vh_node_create
 * needs neither): counter blocks, the frame, overlay and punt handler
 * tables, the service table's bookkeeping, the command registry before the
 * control socket exists, and the fake-clock hook.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <rte_errno.h>

#include "vh_bifrost.h"
#include "vh_node.h"

static struct vh_node *
make_node(void)
{
	struct vh_config cfg;
	struct vh_identity id;
	struct vh_node *n;

	memset(&cfg, 0, sizeof(cfg));
	snprintf(cfg.node.name, sizeof(cfg.node.name), "t");
	assert_int_equal(vh_identity_generate(&id), 0);
	n = vh_node_create(&cfg, &id);
	assert_non_null(n);
	/* the node holds its own copy, with a Noise key of its own */
	assert_memory_equal(vh_node_identity(n)->nodeid, id.nodeid, VH_IDENTITY_NODEID_LEN);
	assert_true(vh_node_identity(n)->has_noise);
	vh_identity_wipe(&id);
	return n;
}

static void
destroy(struct vh_node *n)
{
	unsigned int in_use = 1;

	vh_node_destroy(n, &in_use);
	assert_int_equal(in_use, 0);
}

static void
test_create_without_eal(void **state)
{
	struct vh_identity id;
	struct vh_node *n = make_node();
	char text[VH_IDENTITY_NODEID_TEXT_MAX + 1];

	(void)state;
	vh_identity_nodeid_format(vh_node_identity(n)->nodeid, text, sizeof(text));
	assert_string_equal(vh_node_id_text(n), text);
	assert_null(vh_node_dp(n));
	assert_null(vh_node_ctl(n));
	assert_null(vh_node_service(n, "host"));
	/* commands need the control socket, which vh_node_start makes */
	assert_int_equal(vh_node_command_add(n, "x", "h", NULL, NULL), -ENOTCONN);
	destroy(n);
	assert_int_equal(vh_identity_generate(&id), 0);
	rte_errno = 0;
	assert_null(vh_node_create(NULL, &id));
	assert_int_equal(rte_errno, EINVAL);
	vh_identity_wipe(&id);
}

/* ---- counters ---- */

struct walked {
	char names[64][48];
	char blocks[64][16];
	uint64_t vals[64];
	unsigned int n;
};

static void
walk_cb(void *arg, const char *block, const char *name, uint64_t value)
{
	struct walked *w = arg;

	assert_true(w->n < 64);
	snprintf(w->blocks[w->n], sizeof(w->blocks[0]), "%s", block);
	snprintf(w->names[w->n], sizeof(w->names[0]), "%s", name);
	w->vals[w->n++] = value;
}

static unsigned int
walk(struct vh_node *n, struct walked *w)
{
	memset(w, 0, sizeof(*w));
	vh_node_counters_walk(n, walk_cb, w);
	return w->n;
}

static void
test_counter_blocks(void **state)
{
	static const char *const a_names[] = {"a_x", "a_y"};
	static const char *const b_names[] = {"b_x", "a_x"}; /* a_x is a's */
	static const char *const c_names[] = {"punt_rx"};    /* the runtime's own */
	static const char *const d_names[] = {"d_x"};
	uint64_t a[2] = {5, 7}, b[2] = {0}, d[1] = {9};
	struct vh_node *n = make_node();
	struct walked w;
	unsigned int base;

	(void)state;
	/* the runtime registers its own block first */
	base = walk(n, &w);
	assert_true(base > 0);
	assert_string_equal(w.blocks[0], "node");
	assert_string_equal(w.names[0], "punt_rx");

	assert_int_equal(vh_node_counters_add(n, "a", a_names, a, 2), 0);
	assert_int_equal(vh_node_counters_add(n, "a", d_names, d, 1), -EEXIST);
	assert_int_equal(vh_node_counters_add(n, "b", b_names, b, 2), -EEXIST);
	assert_int_equal(vh_node_counters_add(n, "c", c_names, d, 1), -EEXIST);
	assert_int_equal(vh_node_counters_add(n, "e", d_names, d, 0), -EINVAL);
	assert_int_equal(vh_node_counters_add(n, "e", NULL, d, 1), -EINVAL);
	assert_int_equal(vh_node_counters_add(n, "d", d_names, d, 1), 0);

	/* refused blocks left nothing behind; order is registration order */
	assert_int_equal(walk(n, &w), base + 3);
	assert_string_equal(w.names[base], "a_x");
	assert_string_equal(w.blocks[base], "a");
	assert_int_equal(w.vals[base], 5);
	assert_string_equal(w.names[base + 1], "a_y");
	assert_string_equal(w.names[base + 2], "d_x");
	assert_string_equal(w.blocks[base + 2], "d");
	for (unsigned int i = 0; i < w.n; i++)
		assert_string_not_equal(w.names[i], "b_x");

	/* values are read live from the owner's storage */
	a[1] = 1234;
	assert_int_equal(vh_node_counter(n, "a_y"), 1234);
	assert_int_equal(vh_node_counter(n, "d_x"), 9);
	assert_int_equal(vh_node_counter(n, "nope"), 0);
	destroy(n);
}

static void
test_counter_blocks_limit(void **state)
{
	static char names[VH_NODE_MAX_COUNTER_BLOCKS + 1][16];
	static char blocks[VH_NODE_MAX_COUNTER_BLOCKS + 1][16];
	static const char *ptrs[VH_NODE_MAX_COUNTER_BLOCKS + 1];
	uint64_t v = 0;
	struct vh_node *n = make_node();
	unsigned int i;
	int rc = 0;

	(void)state;
	/* the runtime's block takes one place already */
	for (i = 0; i <= VH_NODE_MAX_COUNTER_BLOCKS && rc == 0; i++) {
		snprintf(names[i], sizeof(names[i]), "c%u", i);
		snprintf(blocks[i], sizeof(blocks[i]), "b%u", i);
		ptrs[i] = names[i];
		rc = vh_node_counters_add(n, blocks[i], &ptrs[i], &v, 1);
	}
	assert_int_equal(rc, -ENOSPC);
	assert_int_equal(i, VH_NODE_MAX_COUNTER_BLOCKS);
	destroy(n);
}

/* ---- frame handlers ---- */

struct seen {
	unsigned int calls;
	uint8_t types[8];
	uint8_t first[8];
	uint32_t lens[8];
	const uint8_t *peer;
	unsigned int port;
	const struct vh_net_pkt *pkt;
};

static void
on_frame(void *ctx, const struct vh_node_frame *f)
{
	struct seen *s = ctx;

	assert_true(s->calls < 8);
	s->types[s->calls] = f->type;
	s->first[s->calls] = f->len > 0 ? f->payload[0] : 0;
	s->lens[s->calls++] = f->len;
	s->peer = f->peer;
	s->port = f->port;
	s->pkt = f->pkt;
}

static void
test_frame_table(void **state)
{
	static const uint8_t peer[32] = {1, 2, 3};
	uint8_t payload[4] = {0xab};
	struct vh_node_frame f = {.type = VH_BIFROST_DATA, .payload = payload, .len = 4,
		.port = 2, .peer = peer};
	struct seen s = {0}, other = {0};
	struct vh_node *n = make_node();
	uint64_t other_rx, link_unhandled;

	(void)state;
	assert_int_equal(vh_node_on_frame(n, VH_BIFROST_DATA, on_frame, &s), 0);
	assert_int_equal(vh_node_on_frame(n, VH_BIFROST_DATA, on_frame, &other), -EEXIST);
	assert_int_equal(vh_node_on_frame(n, VH_BIFROST_CONTROL, NULL, &s), -EINVAL);
	assert_int_equal(vh_node_on_frame(NULL, VH_BIFROST_CONTROL, on_frame, &s), -EINVAL);

	assert_int_equal(vh_node_frame_input(n, &f), 0);
	assert_int_equal(s.calls, 1);
	assert_int_equal(other.calls, 0);
	assert_int_equal(s.types[0], VH_BIFROST_DATA);
	assert_int_equal(s.first[0], 0xab);
	assert_ptr_equal(s.peer, peer);
	assert_int_equal(s.port, 2);
	assert_int_equal(vh_node_counter(n, "bifrost_data_rx"), 1);
	assert_int_equal(vh_node_counter(n, "bifrost_unhandled"), 0);

	/* nobody takes echo requests here: counted by type and as unhandled */
	f.type = VH_BIFROST_ECHO_REQUEST;
	assert_int_equal(vh_node_frame_input(n, &f), -ENOENT);
	assert_int_equal(vh_node_counter(n, "bifrost_echo_request_rx"), 1);
	assert_int_equal(vh_node_counter(n, "bifrost_unhandled"), 1);
	assert_int_equal(s.calls, 1);

	/* link frames are the link's to count; other types land in _other_ */
	other_rx = vh_node_counter(n, "bifrost_other_rx");
	f.type = VH_BIFROST_HANDSHAKE_INIT;
	assert_int_equal(vh_node_frame_input(n, &f), -ENOENT);
	assert_int_equal(vh_node_counter(n, "bifrost_other_rx"), other_rx);
	f.type = 0x7f;
	assert_int_equal(vh_node_frame_input(n, &f), -ENOENT);
	assert_int_equal(vh_node_counter(n, "bifrost_other_rx"), other_rx + 1);
	link_unhandled = vh_node_counter(n, "bifrost_unhandled");
	assert_int_equal(link_unhandled, 3);
	destroy(n);
}

/* DATA(0x11), CONTROL(0x22, 0x23), KEEPALIVE (empty, unhandled), DATA(0x44). */
static size_t
four_frames(uint8_t *buf, size_t cap)
{
	static const uint8_t d1[] = {0x11}, c[] = {0x22, 0x23}, d2[] = {0x44};
	size_t len = 0;
	int k;

	k = vh_bifrost_encode(buf + len, cap - len, VH_BIFROST_DATA, d1, sizeof(d1));
	assert_true(k > 0);
	len += (size_t)k;
	k = vh_bifrost_encode(buf + len, cap - len, VH_BIFROST_CONTROL, c, sizeof(c));
	assert_true(k > 0);
	len += (size_t)k;
	k = vh_bifrost_encode(buf + len, cap - len, VH_BIFROST_KEEPALIVE, NULL, 0);
	assert_true(k > 0);
	len += (size_t)k;
	k = vh_bifrost_encode(buf + len, cap - len, VH_BIFROST_DATA, d2, sizeof(d2));
	assert_true(k > 0);
	return len + (size_t)k;
}

static void
test_datagram_walks_every_frame(void **state)
{
	static const uint8_t peer[32] = {9};
	struct vh_net_pkt pkt = {0};
	struct seen s = {0};
	struct vh_node *n = make_node();
	uint8_t dgram[128];
	size_t len = four_frames(dgram, sizeof(dgram));

	(void)state;
	assert_int_equal(vh_node_on_frame(n, VH_BIFROST_DATA, on_frame, &s), 0);
	assert_int_equal(vh_node_on_frame(n, VH_BIFROST_CONTROL, on_frame, &s), 0);
	assert_int_equal(vh_node_datagram_input(n, dgram, len, &pkt, 1, peer), 4);
	assert_int_equal(s.calls, 3);
	assert_int_equal(s.types[0], VH_BIFROST_DATA);
	assert_int_equal(s.first[0], 0x11);
	assert_int_equal(s.types[1], VH_BIFROST_CONTROL);
	assert_int_equal(s.lens[1], 2);
	assert_int_equal(s.first[1], 0x22);
	assert_int_equal(s.types[2], VH_BIFROST_DATA);
	assert_int_equal(s.first[2], 0x44);
	assert_ptr_equal(s.pkt, &pkt);
	assert_ptr_equal(s.peer, peer);
	assert_int_equal(s.port, 1);
	assert_int_equal(vh_node_counter(n, "bifrost_keepalive_rx"), 1);
	assert_int_equal(vh_node_counter(n, "bifrost_unhandled"), 1);

	/* a cut-off last frame is not handed out; the ones before it are */
	s.calls = 0;
	assert_int_equal(vh_node_datagram_input(n, dgram, len - 1, NULL, 0, NULL), 3);
	assert_int_equal(s.calls, 2);
	destroy(n);
}

/* ---- overlay ---- */

struct ov {
	unsigned int calls;
	uint8_t type;
	uint8_t dst0, src0, p0;
	size_t len;
	int rc;
};

static void
on_overlay(void *ctx, const uint8_t *src, uint8_t *p, size_t len)
{
	struct ov *o = ctx;

	o->calls++;
	o->src0 = src[0];
	o->p0 = p[0];
	o->len = len;
}

static int
sender(void *ctx, const uint8_t *dst, uint8_t type, const uint8_t *p, size_t len)
{
	struct ov *o = ctx;

	o->calls++;
	o->dst0 = dst[0];
	o->type = type;
	o->p0 = p[0];
	o->len = len;
	return o->rc;
}

static void
test_overlay_table(void **state)
{
	static const uint8_t id[32] = {0x5a};
	uint8_t p[3] = {0x77, 0, 0};
	struct ov in = {0}, out = {.rc = -EMSGSIZE}, other = {0};
	struct vh_node *n = make_node();

	(void)state;
	assert_int_equal(vh_node_overlay_send(n, id, 9, p, 3), -ENETUNREACH);
	assert_int_equal(vh_node_set_overlay_sender(n, sender, &out), 0);
	assert_int_equal(vh_node_set_overlay_sender(n, sender, &other), -EEXIST);
	assert_int_equal(vh_node_overlay_send(n, id, 9, p, 3), -EMSGSIZE);
	assert_int_equal(out.calls, 1);
	assert_int_equal(out.dst0, 0x5a);
	assert_int_equal(out.type, 9);
	assert_int_equal(out.p0, 0x77);
	assert_int_equal(out.len, 3);
	assert_int_equal(other.calls, 0);

	assert_int_equal(vh_node_on_overlay(n, 9, on_overlay, &in), 0);
	assert_int_equal(vh_node_on_overlay(n, 9, on_overlay, &other), -EEXIST);
	assert_int_equal(vh_node_overlay_input(n, 9, id, p, 2), 0);
	assert_int_equal(in.calls, 1);
	assert_int_equal(in.src0, 0x5a);
	assert_int_equal(in.len, 2);
	assert_int_equal(vh_node_overlay_input(n, 10, id, p, 2), -ENOENT);
	assert_int_equal(vh_node_counter(n, "overlay_unhandled"), 1);
	assert_int_equal(in.calls, 1);
	destroy(n);
}

static void
punt_fn(void *ctx, struct rte_mbuf *m)
{
	(void)ctx;
	(void)m;
}

static void
test_punt_table(void **state)
{
	struct vh_node *n = make_node();

	(void)state;
	assert_int_equal(vh_node_on_punt(n, VH_NODE_PUNT_HOST, punt_fn, NULL), 0);
	assert_int_equal(vh_node_on_punt(n, VH_NODE_PUNT_HOST, punt_fn, NULL), -EEXIST);
	assert_int_equal(vh_node_on_punt(n, VH_NODE_PUNT_SEEN, punt_fn, NULL), 0);
	assert_int_equal(vh_node_on_punt(n, VH_NODE_PUNT_MAX, punt_fn, NULL), -EINVAL);
	assert_int_equal(vh_node_on_punt(n, VH_NODE_PUNT_OPENED, NULL, NULL), -EINVAL);
	destroy(n);
}

/* ---- services (bookkeeping; starting them is in test_node_eal.c) ---- */

static int
init_ok(struct vh_node *n, void **ctx)
{
	(void)n;
	*ctx = NULL;
	return 0;
}

static void
test_service_add(void **state)
{
	static char names[VH_NODE_MAX_SERVICES + 1][8];
	struct vh_node_service s = {.name = "a", .init = init_ok};
	struct vh_node *n = make_node();

	(void)state;
	assert_int_equal(vh_node_service_add(n, &s), 0);
	assert_int_equal(vh_node_service_add(n, &s), -EEXIST);
	s.init = NULL;
	s.name = "b";
	assert_int_equal(vh_node_service_add(n, &s), -EINVAL);
	s.init = init_ok;
	s.name = NULL;
	assert_int_equal(vh_node_service_add(n, &s), -EINVAL);
	for (unsigned int i = 1; i < VH_NODE_MAX_SERVICES; i++) {
		snprintf(names[i], sizeof(names[i]), "s%u", i);
		s.name = names[i];
		assert_int_equal(vh_node_service_add(n, &s), 0);
	}
	s.name = "full";
	assert_int_equal(vh_node_service_add(n, &s), -ENOSPC);
	/* not initialised before vh_node_start: nobody finds it yet */
	assert_null(vh_node_service(n, "a"));
	destroy(n);
}

static void
test_int_arg(void **state)
{
	json_t *args = json_pack("{s:i, s:s, s:i}", "n", 5, "s", "x", "big", 99);
	int v;

	(void)state;
	assert_int_equal(vh_node_int_arg(args, "n", 1, 0, 10, &v), 0);
	assert_int_equal(v, 5);
	assert_int_equal(vh_node_int_arg(args, "absent", 3, 0, 10, &v), 0);
	assert_int_equal(v, 3);
	assert_int_equal(vh_node_int_arg(NULL, "n", 4, 0, 10, &v), 0);
	assert_int_equal(v, 4);
	assert_int_equal(vh_node_int_arg(args, "s", 1, 0, 10, &v), -EINVAL);
	assert_int_equal(vh_node_int_arg(args, "big", 1, 0, 10, &v), -EINVAL);
	json_decref(args);
}

/* ---- the clock hook ---- */

static uint64_t
fixed(void *ctx)
{
	return *(uint64_t *)ctx;
}

static void
test_clock_hook(void **state)
{
	uint64_t t = 5000000123ull, real;
	struct timespec ts;

	(void)state;
	vh_node_set_clock(fixed, &t);
	assert_true(vh_node_now_ns() == 5000000123ull);
	assert_int_equal(vh_node_now_ms(), 5000);
	t += 2500000000ull;
	assert_int_equal(vh_node_now_ms(), 7500);
	vh_node_set_clock(NULL, NULL);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	real = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	assert_true(vh_node_now_ms() >= real && vh_node_now_ms() - real < 1000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_without_eal),
		cmocka_unit_test(test_counter_blocks),
		cmocka_unit_test(test_counter_blocks_limit),
		cmocka_unit_test(test_frame_table),
		cmocka_unit_test(test_datagram_walks_every_frame),
		cmocka_unit_test(test_overlay_table),
		cmocka_unit_test(test_punt_table),
		cmocka_unit_test(test_service_add),
		cmocka_unit_test(test_int_arg),
		cmocka_unit_test(test_clock_hook),
	};

	return cmocka_run_group_tests_name("node_registry", tests, NULL, NULL);
}
