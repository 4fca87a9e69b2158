/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sphinx packets built here and unwrapped here: forward and SURB round trips
 * at several geometries, tampering (header MAC, payload tag, version,
 * truncation, wrong key), bad paths and RNG failures.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "vh_mix.h"

struct node {
	uint8_t id[VH_SPHINX_NODE_ID_LEN];
	uint8_t priv[VH_SPHINX_KEY_LEN];
};

/* A deterministic RNG: ChaCha20 output under a seed, a fresh block per call. */
struct det_rng {
	uint8_t seed[randombytes_SEEDBYTES];
	uint64_t calls;
	int fail_at; /* call index that fails, or -1 */
};

static int
det_rng(void *ctx, uint8_t *buf, size_t len)
{
	struct det_rng *r = ctx;
	uint8_t s[randombytes_SEEDBYTES];

	if (r->fail_at >= 0 && (uint64_t)r->fail_at == r->calls)
		return -EIO;
	memcpy(s, r->seed, sizeof(s));
	memcpy(s, &r->calls, sizeof(r->calls));
	r->calls++;
	randombytes_buf_deterministic(buf, len, s);
	return 0;
}

static void
rng_init(struct det_rng *r, uint8_t tag)
{
	memset(r, 0, sizeof(*r));
	memset(r->seed, tag, sizeof(r->seed));
	r->fail_at = -1;
}

static void
make_path(struct node *nodes, struct vh_sphinx_hop *path, struct vh_sphinx_cmd *cmds, size_t n,
	bool surb)
{
	for (size_t i = 0; i < n; i++) {
		randombytes_buf(nodes[i].id, sizeof(nodes[i].id));
		randombytes_buf(nodes[i].priv, sizeof(nodes[i].priv));
		memcpy(path[i].id, nodes[i].id, sizeof(path[i].id));
		assert_int_equal(crypto_scalarmult_base(path[i].public_key, nodes[i].priv), 0);
		memset(&cmds[2 * i], 0, 2 * sizeof(cmds[0]));
		path[i].cmds = &cmds[2 * i];
		if (i + 1 < n) {
			cmds[2 * i].type = VH_SPHINX_CMD_NODE_DELAY;
			cmds[2 * i].u.delay = 1000u + (uint32_t)i;
			path[i].nr_cmds = 1;
		} else {
			cmds[2 * i].type = VH_SPHINX_CMD_RECIPIENT;
			memset(cmds[2 * i].u.recipient, 0x5a, VH_SPHINX_RECIPIENT_ID_LEN);
			path[i].nr_cmds = 1;
			if (surb) {
				cmds[2 * i + 1].type = VH_SPHINX_CMD_SURB_REPLY;
				memset(cmds[2 * i + 1].u.surb_id, 0xa5, VH_SPHINX_SURB_ID_LEN);
				path[i].nr_cmds = 2;
			}
		}
	}
}

/* Unwrap through every hop; returns the final result in *last. */
static void
walk(const struct vh_sphinx_geometry *geo, const struct node *nodes, size_t n, uint8_t *pkt,
	struct vh_sphinx_unwrap_result *last)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t tag[VH_SPHINX_REPLAY_TAG_LEN];

		/* the tag a worker checks before any DH is the one unwrap reports */
		assert_int_equal(vh_sphinx_replay_tag(geo, pkt, geo->packet_len, tag), 0);
		assert_int_equal(
			vh_sphinx_unwrap(geo, nodes[i].priv, pkt, geo->packet_len, last), 0);
		assert_memory_equal(tag, last->replay_tag, sizeof(tag));
		assert_int_equal(vh_sphinx_replay_tag(geo, pkt, geo->packet_len - 1, tag), -EINVAL);
		if (i + 1 < n) {
			assert_int_equal(last->next_hop, 1);
			assert_memory_equal(last->cmds[1].u.next_hop.id, nodes[i + 1].id,
				VH_SPHINX_NODE_ID_LEN);
			assert_int_equal(last->cmds[0].u.delay, 1000u + i);
			assert_null(last->payload);
		}
	}
	assert_int_equal(last->next_hop, -1);
	assert_int_equal(last->cmds[0].type, VH_SPHINX_CMD_RECIPIENT);
}

static void
forward_round_trip(unsigned int geo_hops, size_t payload_len, bool with_surb, size_t n)
{
	struct vh_sphinx_geometry geo;
	struct node nodes[VH_SPHINX_MAX_HOPS];
	struct vh_sphinx_hop path[VH_SPHINX_MAX_HOPS];
	struct vh_sphinx_cmd cmds[2 * VH_SPHINX_MAX_HOPS];
	struct vh_sphinx_unwrap_result res;
	struct det_rng rng;
	uint8_t *payload, *pkt;

	assert_int_equal(vh_sphinx_geometry_init(&geo, geo_hops, payload_len, with_surb), 0);
	payload = malloc(geo.forward_payload_len);
	pkt = malloc(geo.packet_len);
	assert_non_null(payload);
	assert_non_null(pkt);
	randombytes_buf(payload, geo.forward_payload_len);
	make_path(nodes, path, cmds, n, false);
	rng_init(&rng, (uint8_t)n);
	assert_int_equal(vh_sphinx_new_packet(&geo, path, n, payload, geo.forward_payload_len,
				 det_rng, &rng, pkt, geo.packet_len),
		0);
	walk(&geo, nodes, n, pkt, &res);
	assert_int_equal(res.nr_cmds, 1);
	assert_int_equal(res.payload_len, geo.forward_payload_len);
	assert_memory_equal(res.payload, payload, geo.forward_payload_len);
	free(payload);
	free(pkt);
}

static void
test_forward_round_trips(void **state)
{
	(void)state;
	for (size_t n = 1; n <= 5; n++)
		forward_round_trip(5, 103, false, n);
	forward_round_trip(3, 2000, true, 3);
	forward_round_trip(1, 1, false, 1);
	forward_round_trip(VH_SPHINX_MAX_HOPS, 512, false, VH_SPHINX_MAX_HOPS);
	forward_round_trip(VH_SPHINX_MAX_HOPS, 31, false, 2);
}

static void
surb_round_trip(unsigned int geo_hops, size_t payload_len, size_t n)
{
	struct vh_sphinx_geometry geo;
	struct node nodes[VH_SPHINX_MAX_HOPS];
	struct vh_sphinx_hop path[VH_SPHINX_MAX_HOPS];
	struct vh_sphinx_cmd cmds[2 * VH_SPHINX_MAX_HOPS];
	struct vh_sphinx_unwrap_result res;
	struct det_rng rng;
	uint8_t first[VH_SPHINX_NODE_ID_LEN], *surb, *keys, *keys2, *payload, *pkt, *pt;
	size_t keys_len = (n + 1) * VH_SPHINX_SURB_KEY_LEN, pt_len;

	assert_int_equal(vh_sphinx_geometry_init(&geo, geo_hops, payload_len, false), 0);
	surb = malloc(geo.surb_len);
	keys = malloc(keys_len);
	keys2 = malloc(keys_len);
	payload = malloc(geo.forward_payload_len);
	pkt = malloc(geo.packet_len);
	randombytes_buf(payload, geo.forward_payload_len);
	make_path(nodes, path, cmds, n, true);
	rng_init(&rng, 0x77);
	assert_int_equal(vh_sphinx_new_surb(
				 &geo, path, n, det_rng, &rng, surb, geo.surb_len, keys, keys_len),
		0);
	assert_int_equal(vh_sphinx_new_packet_from_surb(&geo, surb, geo.surb_len, payload,
				 geo.forward_payload_len, pkt, geo.packet_len, first),
		0);
	assert_memory_equal(first, nodes[0].id, VH_SPHINX_NODE_ID_LEN);
	walk(&geo, nodes, n, pkt, &res);
	assert_int_equal(res.nr_cmds, 2);
	assert_int_equal(res.surb_reply, 1);
	assert_int_equal(res.payload_len, geo.payload_tag_len + geo.forward_payload_len);
	/* A wrong key set fails the tag; the right one recovers the payload. */
	memcpy(keys2, keys, keys_len);
	keys2[0] ^= 1;
	uint8_t *copy = malloc(res.payload_len);
	memcpy(copy, res.payload, res.payload_len);
	assert_int_equal(vh_sphinx_decrypt_surb_payload(
				 copy, res.payload_len, keys2, keys_len, &pt, &pt_len),
		-EBADMSG);
	assert_true(sodium_is_zero(keys2, keys_len)); /* wiped even on failure */
	assert_int_equal(vh_sphinx_decrypt_surb_payload(
				 res.payload, res.payload_len, keys, keys_len, &pt, &pt_len),
		0);
	assert_int_equal(pt_len, geo.forward_payload_len);
	assert_memory_equal(pt, payload, pt_len);
	assert_true(sodium_is_zero(keys, keys_len));
	free(copy);
	free(surb);
	free(keys);
	free(keys2);
	free(payload);
	free(pkt);
}

static void
test_surb_round_trips(void **state)
{
	(void)state;
	for (size_t n = 1; n <= 5; n++)
		surb_round_trip(5, 103, n);
	surb_round_trip(8, 3000, 8);
}

struct fixture {
	struct vh_sphinx_geometry geo;
	struct node nodes[3];
	struct vh_sphinx_hop path[3];
	struct vh_sphinx_cmd cmds[6];
	uint8_t payload[103];
	uint8_t pkt[1024];
};

static void
fixture_packet(struct fixture *f, uint8_t seed)
{
	struct det_rng rng;

	assert_int_equal(vh_sphinx_geometry_init(&f->geo, 5, sizeof(f->payload), false), 0);
	assert_true(f->geo.packet_len <= sizeof(f->pkt));
	randombytes_buf(f->payload, sizeof(f->payload));
	make_path(f->nodes, f->path, f->cmds, 3, false);
	rng_init(&rng, seed);
	assert_int_equal(vh_sphinx_new_packet(&f->geo, f->path, 3, f->payload, sizeof(f->payload),
				 det_rng, &rng, f->pkt, sizeof(f->pkt)),
		0);
}

static void
test_tampered_header(void **state)
{
	struct fixture f;
	struct vh_sphinx_unwrap_result res;
	uint8_t orig[1024];
	size_t spots[] = {2, 20, 40, 300, 475 - 32, 475};

	(void)state;
	fixture_packet(&f, 1);
	memcpy(orig, f.pkt, f.geo.packet_len);
	for (size_t s = 0; s < sizeof(spots) / sizeof(spots[0]); s++) {
		memcpy(f.pkt, orig, f.geo.packet_len);
		f.pkt[spots[s]] ^= 0x01;
		int rc = vh_sphinx_unwrap(&f.geo, f.nodes[0].priv, f.pkt, f.geo.packet_len, &res);
		assert_int_equal(rc, -EBADMSG);
		assert_int_equal(res.nr_cmds, 0);
		/* A MAC failure leaves the packet as it was. */
		orig[spots[s]] ^= 0x01;
		assert_memory_equal(f.pkt, orig, f.geo.packet_len);
		orig[spots[s]] ^= 0x01;
	}
	/* Wrong node key: MAC failure as well. */
	memcpy(f.pkt, orig, f.geo.packet_len);
	assert_int_equal(
		vh_sphinx_unwrap(&f.geo, f.nodes[1].priv, f.pkt, f.geo.packet_len, &res), -EBADMSG);
	assert_true(res.replay_tag_valid);
	/* Unknown version. */
	f.pkt[0] = 1;
	assert_int_equal(
		vh_sphinx_unwrap(&f.geo, f.nodes[0].priv, f.pkt, f.geo.packet_len, &res), -EPROTO);
}

static void
test_tampered_payload(void **state)
{
	struct fixture f;
	struct vh_sphinx_unwrap_result res;

	(void)state;
	fixture_packet(&f, 2);
	/* The payload is not MACed per hop: the damage shows at the last hop. */
	f.pkt[f.geo.header_len + 50] ^= 0x80;
	assert_int_equal(
		vh_sphinx_unwrap(&f.geo, f.nodes[0].priv, f.pkt, f.geo.packet_len, &res), 0);
	assert_int_equal(
		vh_sphinx_unwrap(&f.geo, f.nodes[1].priv, f.pkt, f.geo.packet_len, &res), 0);
	assert_int_equal(
		vh_sphinx_unwrap(&f.geo, f.nodes[2].priv, f.pkt, f.geo.packet_len, &res), -EBADMSG);
	assert_null(res.payload);
	assert_true(res.replay_tag_valid);
}

static void
test_truncated_and_bad_args(void **state)
{
	struct fixture f;
	struct vh_sphinx_unwrap_result res;
	struct vh_sphinx_geometry bad;

	(void)state;
	fixture_packet(&f, 3);
	for (size_t len = 0; len < f.geo.packet_len; len += 37)
		assert_int_equal(
			vh_sphinx_unwrap(&f.geo, f.nodes[0].priv, f.pkt, len, &res), -EINVAL);
	assert_int_equal(
		vh_sphinx_unwrap(&f.geo, f.nodes[0].priv, f.pkt, f.geo.packet_len - 1, &res),
		-EINVAL);
	assert_int_equal(
		vh_sphinx_unwrap(&f.geo, f.nodes[0].priv, f.pkt, f.geo.packet_len + 1, &res),
		-EINVAL);
	assert_int_equal(
		vh_sphinx_unwrap(&f.geo, f.nodes[0].priv, NULL, f.geo.packet_len, &res), -EINVAL);
	bad = f.geo;
	bad.header_len++;
	assert_int_equal(
		vh_sphinx_unwrap(&bad, f.nodes[0].priv, f.pkt, f.geo.packet_len, &res), -EINVAL);
	/* Still intact after all that. */
	assert_int_equal(
		vh_sphinx_unwrap(&f.geo, f.nodes[0].priv, f.pkt, f.geo.packet_len, &res), 0);
}

static void
test_bad_paths(void **state)
{
	struct fixture f;
	struct det_rng rng;
	struct vh_sphinx_cmd extra[3];

	(void)state;
	fixture_packet(&f, 4);
	rng_init(&rng, 9);
	/* More hops than the header has room for. */
	assert_int_equal(vh_sphinx_new_packet(&f.geo, f.path, 6, f.payload, sizeof(f.payload),
				 det_rng, &rng, f.pkt, sizeof(f.pkt)),
		-EINVAL);
	/* Wrong payload length, short output. */
	assert_int_equal(vh_sphinx_new_packet(&f.geo, f.path, 3, f.payload, 102, det_rng, &rng,
				 f.pkt, sizeof(f.pkt)),
		-EINVAL);
	assert_int_equal(vh_sphinx_new_packet(&f.geo, f.path, 3, f.payload, sizeof(f.payload),
				 det_rng, &rng, f.pkt, f.geo.packet_len - 1),
		-ENOSPC);
	/* A caller-supplied NextNodeHop is refused. */
	memset(extra, 0, sizeof(extra));
	extra[0].type = VH_SPHINX_CMD_NEXT_NODE_HOP;
	f.path[0].cmds = extra;
	f.path[0].nr_cmds = 1;
	assert_int_equal(vh_sphinx_new_packet(&f.geo, f.path, 3, f.payload, sizeof(f.payload),
				 det_rng, &rng, f.pkt, sizeof(f.pkt)),
		-EINVAL);
	/* An intermediate hop whose commands leave no room for NextNodeHop. */
	extra[0].type = VH_SPHINX_CMD_RECIPIENT;
	extra[1].type = VH_SPHINX_CMD_SURB_REPLY;
	f.path[0].nr_cmds = 2;
	assert_int_equal(vh_sphinx_new_packet(&f.geo, f.path, 3, f.payload, sizeof(f.payload),
				 det_rng, &rng, f.pkt, sizeof(f.pkt)),
		-EINVAL);
	/* Commands that do not fit a hop at all. */
	extra[1].type = VH_SPHINX_CMD_RECIPIENT;
	extra[2].type = VH_SPHINX_CMD_RECIPIENT;
	f.path[2].cmds = extra;
	f.path[2].nr_cmds = 3;
	f.path[0].nr_cmds = 0;
	assert_int_equal(vh_sphinx_new_packet(&f.geo, f.path, 3, f.payload, sizeof(f.payload),
				 det_rng, &rng, f.pkt, sizeof(f.pkt)),
		-EINVAL);
}

static void
test_rng_and_determinism(void **state)
{
	struct fixture a, b;
	struct det_rng rng;
	struct vh_sphinx_unwrap_result r1, r2;

	(void)state;
	fixture_packet(&a, 5);
	b = a;
	/* Same RNG stream, same path: the same packet. */
	rng_init(&rng, 5);
	assert_int_equal(vh_sphinx_new_packet(&b.geo, b.path, 3, b.payload, sizeof(b.payload),
				 det_rng, &rng, b.pkt, sizeof(b.pkt)),
		0);
	assert_memory_equal(a.pkt, b.pkt, a.geo.packet_len);
	/* Replaying a packet gives the same replay tag; a new one does not. */
	assert_int_equal(
		vh_sphinx_unwrap(&a.geo, a.nodes[0].priv, a.pkt, a.geo.packet_len, &r1), 0);
	assert_int_equal(
		vh_sphinx_unwrap(&b.geo, b.nodes[0].priv, b.pkt, b.geo.packet_len, &r2), 0);
	assert_memory_equal(r1.replay_tag, r2.replay_tag, VH_SPHINX_REPLAY_TAG_LEN);
	rng_init(&rng, 6);
	assert_int_equal(vh_sphinx_new_packet(&b.geo, b.path, 3, b.payload, sizeof(b.payload),
				 det_rng, &rng, b.pkt, sizeof(b.pkt)),
		0);
	assert_int_equal(
		vh_sphinx_unwrap(&b.geo, b.nodes[0].priv, b.pkt, b.geo.packet_len, &r2), 0);
	assert_memory_not_equal(r1.replay_tag, r2.replay_tag, VH_SPHINX_REPLAY_TAG_LEN);
	/* RNG failures propagate: the ephemeral key (call 0), the filler (call 1). */
	for (int k = 0; k < 2; k++) {
		rng_init(&rng, 5);
		rng.fail_at = k;
		assert_int_equal(vh_sphinx_new_packet(&b.geo, b.path, 3, b.payload,
					 sizeof(b.payload), det_rng, &rng, b.pkt, sizeof(b.pkt)),
			-EIO);
	}
}

static void
test_surb_bad_args(void **state)
{
	struct vh_sphinx_geometry geo;
	uint8_t surb[600] = {0}, pkt[700], first[32], keys[128] = {0}, payload[103] = {0}, *pt;
	size_t pt_len;

	(void)state;
	assert_int_equal(vh_sphinx_geometry_init(&geo, 5, 103, false), 0);
	assert_int_equal(vh_sphinx_new_packet_from_surb(&geo, surb, geo.surb_len - 1, payload,
				 sizeof(payload), pkt, sizeof(pkt), first),
		-EINVAL);
	assert_int_equal(vh_sphinx_new_packet_from_surb(
				 &geo, surb, geo.surb_len, payload, 10, pkt, sizeof(pkt), first),
		-EINVAL);
	assert_int_equal(
		vh_sphinx_decrypt_surb_payload(payload, sizeof(payload), keys, 64, &pt, &pt_len),
		-EINVAL);
	assert_int_equal(
		vh_sphinx_decrypt_surb_payload(payload, sizeof(payload), keys, 100, &pt, &pt_len),
		-EINVAL);
	assert_int_equal(
		vh_sphinx_decrypt_surb_payload(payload, 31, keys, 128, &pt, &pt_len), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forward_round_trips),
		cmocka_unit_test(test_surb_round_trips),
		cmocka_unit_test(test_tampered_header),
		cmocka_unit_test(test_tampered_payload),
		cmocka_unit_test(test_truncated_and_bad_args),
		cmocka_unit_test(test_bad_paths),
		cmocka_unit_test(test_rng_and_determinism),
		cmocka_unit_test(test_surb_bad_args),
	};

	if (vh_mix_cpu_supported(NULL) != 0) {
		fprintf(stderr, "SKIP: this CPU has no AES-NI, the mix core cannot run\n");
		return 77;
	}
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
