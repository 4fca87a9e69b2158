/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A started node (EAL --no-huge, one port on rings the test holds): the
 * service table (init and start in order, stop and free in reverse, a
 * failed init or start unwinds exactly what was initialised), the command
 * registry through the real control socket, counters through `stats`, and
 * ticks on the fake clock.
 */
#include <errno.h>

#include "ctl_client.h"
#include "node_test.h"

/* What the recording services did, in order: "i1 s1 i2 ..." */
static char calls[512];

static void
note(const char *what, const char *name)
{
	size_t k = strlen(calls);

	snprintf(calls + k, sizeof(calls) - k, "%s%s%s", k > 0 ? " " : "", what, name + 3);
}

/* A service's behaviour, by name "svc<digit>": what fails, what it ticked. */
struct rec {
	const char *name;
	int init_rc;        /* init returns this */
	bool init_half;     /* ... and leaves a half-made state behind */
	int start_rc;       /* start returns this */
	uint64_t ticked_ms; /* the last tick's time */
	uint64_t counter[1];
};

static struct rec recs[3];

static struct rec *
rec_of(const char *name)
{
	return &recs[name[3] - '1'];
}

static void
cmd_hello(void *arg, const json_t *args, struct vh_ctl_req *req)
{
	struct rec *r = arg;

	vh_ctl_reply(req, json_pack("{s:s, s:O}", "svc", r->name, "args", args));
}

static const char *const rec_names[][1] = {{"svc1_events"}, {"svc2_events"}, {"svc3_events"}};

static int
rec_init(struct vh_node *n, void **ctx, const char *name)
{
	struct rec *r = rec_of(name);

	note("i", name);
	if (r->init_rc != 0) {
		*ctx = r->init_half ? r : NULL;
		return r->init_rc;
	}
	*ctx = r;
	if (vh_node_counters_add(n, name, rec_names[name[3] - '1'], r->counter, 1) != 0)
		return -EINVAL;
	return name[3] == '1' ? vh_node_command_add(n, "t-hello", "test", cmd_hello, r) : 0;
}

#define REC_SERVICE(k)                                                           \
	static int init##k(struct vh_node *n, void **ctx)                           \
	{                                                                            \
		return rec_init(n, ctx, "svc" #k);                                   \
	}                                                                            \
	static int start##k(void *ctx)                                               \
	{                                                                            \
		note("s", "svc" #k);                                                 \
		return ((struct rec *)ctx)->start_rc;                                \
	}                                                                            \
	static void tick##k(void *ctx, uint64_t now)                                 \
	{                                                                            \
		((struct rec *)ctx)->ticked_ms = now;                                \
	}                                                                            \
	static void stop##k(void *ctx)                                               \
	{                                                                            \
		assert_ptr_equal(ctx, &recs[k - 1]);                                 \
		note("t", "svc" #k);                                                 \
	}                                                                            \
	static void free##k(void *ctx)                                               \
	{                                                                            \
		assert_ptr_equal(ctx, &recs[k - 1]);                                 \
		note("f", "svc" #k);                                                 \
	}                                                                            \
	static const struct vh_node_service svc##k = {.name = "svc" #k,             \
		.init = init##k, .start = start##k, .tick = tick##k, .stop = stop##k, \
		.free = free##k};

REC_SERVICE(1)
REC_SERVICE(2)
REC_SERVICE(3)

static const struct vh_node_service *const three[] = {&svc1, &svc2, &svc3};

static struct nt_port port;
static char dir[64];

static void
make_config(struct vh_config *c)
{
	nt_port_make(&port, NULL, NULL);
	nt_config(c,
		"{'node':{'name':'t','data_dir':'%s','control_socket':'%s/ctl.sock'},"
		"'telemetry':{'enabled':false},'mempool':{'mbufs':1023,'cache':32},"
		"'ports':[{'name':'p0','devargs':'%s','ipv4':'10.9.0.1/24','mac':'02:00:00:00:09:01',"
		"'rx_desc':64,'tx_desc':64}]}",
		dir, dir, port.devargs);
}

static int
setup(void **state)
{
	(void)state;
	memset(calls, 0, sizeof(calls));
	memset(recs, 0, sizeof(recs));
	recs[0].name = "svc1";
	recs[1].name = "svc2";
	recs[2].name = "svc3";
	nt_tmpdir(dir, sizeof(dir));
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	nt_port_free(&port);
	nt_rmdir(dir);
	return 0;
}

/* A node with the three recording services: what vh_node_start returned. */
static int
start_three(struct vh_node **np)
{
	struct vh_config cfg;
	struct vh_identity id;

	make_config(&cfg);
	assert_int_equal(vh_identity_generate(&id), 0);
	*np = vh_node_create(&cfg, &id);
	vh_identity_wipe(&id);
	assert_non_null(*np);
	for (unsigned int i = 0; i < RTE_DIM(three); i++)
		assert_int_equal(vh_node_service_add(*np, three[i]), 0);
	return vh_node_start(*np);
}

static void
test_services_in_order(void **state)
{
	struct vh_node *n;

	(void)state;
	assert_int_equal(start_three(&n), 0);
	assert_string_equal(calls, "i1 i2 i3 s1 s2 s3");
	assert_ptr_equal(vh_node_service(n, "svc2"), &recs[1]);
	assert_null(vh_node_service(n, "svc4"));
	calls[0] = '\0';
	nt_node_destroy(n);
	assert_string_equal(calls, "t3 t2 t1 f3 f2 f1");
}

static void
test_failed_init_unwinds(void **state)
{
	struct vh_node *n;

	(void)state;
	recs[1].init_rc = -ENOMEM;
	assert_int_equal(start_three(&n), -ENOMEM);
	/* svc3 was never initialised, svc2 left nothing behind */
	assert_string_equal(calls, "i1 i2");
	calls[0] = '\0';
	nt_node_destroy(n);
	assert_string_equal(calls, "t1 f1");
}

static void
test_failed_half_init_freed(void **state)
{
	struct vh_node *n;

	(void)state;
	recs[1].init_rc = -EIO;
	recs[1].init_half = true; /* a state to free */
	assert_int_equal(start_three(&n), -EIO);
	assert_string_equal(calls, "i1 i2");
	calls[0] = '\0';
	nt_node_destroy(n);
	assert_string_equal(calls, "t2 t1 f2 f1");
}

static void
test_failed_start_unwinds(void **state)
{
	struct vh_node *n;

	(void)state;
	recs[1].start_rc = -EADDRINUSE;
	assert_int_equal(start_three(&n), -EADDRINUSE);
	/* every service was initialised; svc3 never started */
	assert_string_equal(calls, "i1 i2 i3 s1 s2");
	calls[0] = '\0';
	nt_node_destroy(n);
	assert_string_equal(calls, "t3 t2 t1 f3 f2 f1");
}

static json_t *
request(struct vh_node *n, struct cli *c, int id, const char *cmd, const char *args)
{
	json_t *r;

	cli_send(c, req_line(id, cmd, args));
	r = cli_recv(vh_node_ctl(n), c, vh_node_now_ms());
	assert_non_null(r);
	assert_int_equal(json_integer_value(json_object_get(r, "id")), id);
	return r;
}

static void
test_commands_over_socket(void **state)
{
	char path[128];
	struct vh_node *n;
	struct cli *c;
	json_t *r, *res;

	(void)state;
	assert_int_equal(start_three(&n), 0);
	/* the runtime's own names and a service's are taken */
	assert_int_equal(vh_node_command_add(n, "status", "again", cmd_hello, NULL), -EEXIST);
	assert_int_equal(vh_node_command_add(n, "t-hello", "again", cmd_hello, NULL), -EEXIST);
	snprintf(path, sizeof(path), "%s/ctl.sock", dir);
	c = cli_open(path);
	assert_non_null(c);

	r = request(n, c, 1, "t-hello", "{\"x\":42}");
	assert_true(json_is_true(json_object_get(r, "ok")));
	res = json_object_get(r, "result");
	assert_string_equal(json_string_value(json_object_get(res, "svc")), "svc1");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(res, "args"), "x")), 42);
	json_decref(r);

	/* every block's counters reach `stats` through the registry */
	recs[2].counter[0] = 31337;
	r = request(n, c, 2, "stats", NULL);
	res = json_object_get(json_object_get(r, "result"), "control");
	assert_int_equal(json_integer_value(json_object_get(res, "svc3_events")), 31337);
	assert_non_null(json_object_get(res, "svc1_events"));
	assert_non_null(json_object_get(res, "punt_rx"));
	json_decref(r);

	r = request(n, c, 3, "no-such-command", NULL);
	assert_true(json_is_false(json_object_get(r, "ok")));
	json_decref(r);
	cli_close(c);
	nt_node_destroy(n);
}

static void
test_tick_reads_fake_clock(void **state)
{
	struct vh_node *n;

	(void)state;
	assert_int_equal(start_three(&n), 0);
	nt_clock_on(1000000);
	vh_node_tick(n);
	assert_int_equal(recs[0].ticked_ms, 1000000);
	assert_int_equal(recs[2].ticked_ms, 1000000);
	nt_advance_ms(86400000);
	vh_node_tick(n);
	assert_int_equal(recs[1].ticked_ms, 1000000 + 86400000);
	nt_clock_off();
	nt_node_destroy(n);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_services_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_init_unwinds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_half_init_freed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_start_unwinds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_commands_over_socket, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tick_reads_fake_clock, setup, teardown),
	};
	int failed;

	(void)argc;
	if (nt_eal_init(argv[0], "node") != 0)
		return 1;
	failed = cmocka_run_group_tests_name("node_eal", tests, NULL, NULL);
	rte_eal_cleanup();
	return failed;
}
