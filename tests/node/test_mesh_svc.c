/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The mesh service on two nodes with a link session between them (a ring
 * wire, the fake clock): a control packet from a third node S handed in as
 * the link hands in a session's DATA frame from neighbour b teaches a the
 * route S via b with the hop count its hop limit says; `routes` shows it;
 * it expires after dht.route_ttl_s unless heard of again.
 */
#include <errno.h>

#include "vh_bifrost.h"
#include "vh_host.h"
#include "vh_link.h"
#include "vh_mesh.h"

#include "ctl_client.h"
#include "node_test.h"

static const struct vh_node_service *const services[] = {
	&vh_host_service, &vh_link_service, &vh_mesh_service};

#define MESH_A                                                                            \
	"'veil':{'enabled':true},'dht':{'enabled':true,'route_ttl_s':5,'hop_limit':64},"   \
	"'peers':[{'address':'/udp/10.9.1.2:22088','name':'b'}]"
#define MESH_B "'veil':{'enabled':true,'accept_unknown':true},'dht':{'enabled':true}"

#define MESH_CTL_HELLO 2 /* lib/ygg/service/mesh_priv.h */

static struct nt_pair p;
static uint8_t s_id[32]; /* a node behind b */

static int
setup(void **state)
{
	(void)state;
	nt_clock_on(1000000);
	nt_pair_config(&p, MESH_A, MESH_B);
	nt_pair_start(&p, services, RTE_DIM(services));
	nt_pair_run(&p, 1000, NULL, NULL);
	assert_true(vh_link_has_session(vh_link_get(p.a), p.id_b.nodeid));
	memset(s_id, 0x5e, sizeof(s_id));
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	nt_pair_stop(&p);
	nt_clock_off();
	return 0;
}

/* S's hello to a, hop_limit left, handed to a as from its neighbour b. */
static void
hello_from_s_via_b(uint8_t hop_limit)
{
	struct vh_overlay_hdr h = {.hop_limit = hop_limit, .flags = VH_OVERLAY_F_CONTROL,
		.payload_type = VH_OVERLAY_T_CONTROL};
	uint8_t pkt[VH_OVERLAY_HDR_LEN + 1];
	struct vh_node_frame f = {.type = VH_BIFROST_DATA, .payload = pkt, .len = sizeof(pkt),
		.peer = p.id_b.nodeid};

	memcpy(h.src, s_id, 32);
	memcpy(h.dst, p.id_a.nodeid, 32);
	assert_int_equal(vh_overlay_encode(&h, pkt, sizeof(pkt)), VH_OVERLAY_HDR_LEN);
	pkt[VH_OVERLAY_HDR_LEN] = MESH_CTL_HELLO;
	assert_int_equal(vh_node_frame_input(p.a, &f), 0);
}

/* a's `routes` entry for id over the control socket: NULL when absent (caller decrefs r). */
static json_t *
route_of(const uint8_t *id, json_t **r)
{
	char path[128], text[VH_IDENTITY_NODEID_TEXT_MAX + 1];
	json_t *routes;
	struct cli *c;
	size_t i;
	json_t *e;

	snprintf(path, sizeof(path), "%s/ctl.sock", p.dir_a);
	c = cli_open(path);
	assert_non_null(c);
	cli_send(c, req_line(1, "routes", NULL));
	*r = cli_recv(vh_node_ctl(p.a), c, vh_node_now_ms());
	cli_close(c);
	assert_non_null(*r);
	assert_true(json_is_true(json_object_get(*r, "ok")));
	routes = json_object_get(json_object_get(*r, "result"), "routes");
	vh_identity_nodeid_format(id, text, sizeof(text));
	json_array_foreach(routes, i, e)
		if (strcmp(json_string_value(json_object_get(e, "node_id")), text) == 0)
			return e;
	return NULL;
}

static void
test_route_learnt(void **state)
{
	char b_text[VH_IDENTITY_NODEID_TEXT_MAX + 1];
	json_t *r, *e;

	(void)state;
	/* b is a neighbour (metric 1) from the link event */
	e = route_of(p.id_b.nodeid, &r);
	assert_non_null(e);
	assert_string_equal(json_string_value(json_object_get(e, "source")), "neighbour");
	json_decref(r);
	assert_null(route_of(s_id, &r));
	json_decref(r);

	hello_from_s_via_b(62); /* sent with 64, two hops on the way: three hops away */
	assert_int_equal(vh_node_counter(p.a, "mesh_hello_rx"), 1);
	assert_int_equal(vh_node_counter(p.a, "mesh_routes_learnt"), 1);
	e = route_of(s_id, &r);
	assert_non_null(e);
	assert_int_equal(json_integer_value(json_object_get(e, "metric")), 3);
	assert_int_equal(json_array_size(json_object_get(e, "next_hops")), 1);
	vh_identity_nodeid_format(p.id_b.nodeid, b_text, sizeof(b_text));
	assert_string_equal(
		json_string_value(json_array_get(json_object_get(e, "next_hops"), 0)), b_text);
	json_decref(r);

	/* a shorter way through the same neighbour replaces the measurement */
	hello_from_s_via_b(63);
	e = route_of(s_id, &r);
	assert_non_null(e);
	assert_int_equal(json_integer_value(json_object_get(e, "metric")), 2);
	json_decref(r);
}

static void
test_route_expires(void **state)
{
	json_t *r;

	(void)state;
	hello_from_s_via_b(62);
	/* within the TTL (5 s) it stays; b stays a live neighbour all along */
	nt_pair_run(&p, 4500, NULL, NULL);
	assert_non_null(route_of(s_id, &r));
	json_decref(r);
	assert_int_equal(vh_node_counter(p.a, "mesh_routes_expired"), 0);
	nt_pair_run(&p, 1000, NULL, NULL);
	assert_null(route_of(s_id, &r));
	json_decref(r);
	assert_int_equal(vh_node_counter(p.a, "mesh_routes_expired"), 1);
	assert_true(vh_link_has_session(vh_link_get(p.a), p.id_b.nodeid));
	assert_non_null(route_of(p.id_b.nodeid, &r));
	json_decref(r);
}

static void
test_route_refreshed(void **state)
{
	json_t *r;

	(void)state;
	hello_from_s_via_b(62);
	nt_pair_run(&p, 4000, NULL, NULL);
	hello_from_s_via_b(62); /* heard of again: the TTL starts over */
	nt_pair_run(&p, 4000, NULL, NULL);
	assert_non_null(route_of(s_id, &r));
	json_decref(r);
	nt_pair_run(&p, 1500, NULL, NULL);
	assert_null(route_of(s_id, &r));
	json_decref(r);
	assert_int_equal(vh_node_counter(p.a, "mesh_routes_learnt"), 1);
	assert_int_equal(vh_node_counter(p.a, "mesh_routes_expired"), 1);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_route_learnt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_route_expires, setup, teardown),
		cmocka_unit_test_setup_teardown(test_route_refreshed, setup, teardown),
	};
	int failed;

	(void)argc;
	if (nt_eal_init(argv[0], "mesh") != 0)
		return 1;
	failed = cmocka_run_group_tests_name("mesh_svc", tests, NULL, NULL);
	rte_eal_cleanup();
	return failed;
}
