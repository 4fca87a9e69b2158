/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Topology: layers built from verified descriptors (wrong epoch, layer out
 * of range, duplicates and layer moves), path selection that covers every
 * layer and every node, uniform integer draws.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "mix_rng.h"
#include "vh_mix.h"

#define EPOCH 77

/* A verified descriptor of a fresh identity at layer. */
static void
node_desc(struct vh_mix_descriptor *out, uint8_t layer, uint8_t tag, uint64_t ts)
{
	struct vh_mix_descriptor d;
	uint8_t pk[32], sk[64], seed[32], buf[VH_MIX_DESC_MAX];
	int len;

	memset(seed, tag, sizeof(seed));
	crypto_sign_seed_keypair(pk, sk, seed);
	memset(&d, 0, sizeof(d));
	d.epoch = EPOCH;
	d.layer = layer;
	d.timestamp_ms = ts;
	memset(d.mix_key, tag ^ 0x80, sizeof(d.mix_key));
	len = vh_mix_descriptor_sign(&d, sk, buf, sizeof(buf));
	assert_true(len > 0);
	assert_int_equal(vh_mix_descriptor_verify(buf, (size_t)len, EPOCH, out), 0);
}

static void
test_build(void **state)
{
	struct vh_mix_topology *t;
	struct vh_mix_descriptor d, d2;
	struct det_rng rng;
	struct vh_mix_path_hop path[8];

	(void)state;
	assert_null(vh_mix_topology_create(EPOCH, 0));
	assert_null(vh_mix_topology_create(EPOCH, VH_SPHINX_MAX_HOPS - 1));
	t = vh_mix_topology_create(EPOCH, 2);
	assert_non_null(t);
	assert_int_equal(vh_mix_topology_hops(t), 4);
	det_rng_init(&rng, 1);
	node_desc(&d, VH_MIX_LAYER_ENTRY, 1, 100);
	assert_int_equal(vh_mix_topology_add(t, &d), 0);
	/* a layer is empty: no path */
	assert_int_equal(vh_mix_topology_pick(t, det_rng, &rng, path, 8), -ENOENT);
	node_desc(&d, 1, 2, 100);
	assert_int_equal(vh_mix_topology_add(t, &d), 0);
	node_desc(&d, 2, 3, 100);
	assert_int_equal(vh_mix_topology_add(t, &d), 0);
	node_desc(&d, VH_MIX_LAYER_EXIT, 4, 100);
	assert_int_equal(vh_mix_topology_add(t, &d), 0);
	assert_int_equal(vh_mix_topology_pick(t, det_rng, &rng, path, 3), -ENOSPC);
	assert_int_equal(vh_mix_topology_pick(t, det_rng, &rng, path, 8), 4);
	/* mix layer 3 does not exist with L = 2 */
	node_desc(&d, 3, 5, 100);
	assert_int_equal(vh_mix_topology_add(t, &d), -ERANGE);
	/* another epoch */
	d.epoch = EPOCH + 1;
	d.layer = 1;
	assert_int_equal(vh_mix_topology_add(t, &d), -ESTALE);
	/* the same node again: not newer refused, newer replaces, a move changes layers */
	node_desc(&d, 1, 2, 100);
	assert_int_equal(vh_mix_topology_add(t, &d), -ESTALE);
	node_desc(&d, 1, 2, 101);
	d.mix_key[0] ^= 1;
	assert_int_equal(vh_mix_topology_add(t, &d), 1);
	assert_int_equal(vh_mix_topology_layer_size(t, 1), 1);
	assert_int_equal(vh_mix_topology_pick(t, det_rng, &rng, path, 8), 4);
	assert_memory_equal(path[1].mix_key, d.mix_key, 32);
	node_desc(&d2, 2, 2, 102); /* node 2 moves from layer 1 to layer 2 */
	assert_int_equal(vh_mix_topology_add(t, &d2), 1);
	assert_int_equal(vh_mix_topology_layer_size(t, 1), 0);
	assert_int_equal(vh_mix_topology_layer_size(t, 2), 2);
	assert_int_equal(vh_mix_topology_layer_size(t, 4), 0);
	assert_int_equal(vh_mix_topology_pick(t, det_rng, &rng, path, 8), -ENOENT);
	vh_mix_topology_free(t);
	vh_mix_topology_free(NULL);
}

static void
test_pick_covers_layers(void **state)
{
	const unsigned int L = 3, sizes[5] = {3, 2, 5, 4, 2};
	struct vh_mix_descriptor nodes[5][5];
	struct vh_mix_topology *t;
	struct vh_mix_path_hop path[5];
	struct det_rng rng;
	unsigned int count[5][5] = {{0}};
	const unsigned int rounds = 20000;

	(void)state;
	t = vh_mix_topology_create(EPOCH, L);
	assert_non_null(t);
	for (unsigned int pos = 0; pos < L + 2; pos++) {
		uint8_t layer = pos == 0       ? VH_MIX_LAYER_ENTRY
				: pos == L + 1 ? VH_MIX_LAYER_EXIT
					       : (uint8_t)pos;

		for (unsigned int j = 0; j < sizes[pos]; j++) {
			node_desc(&nodes[pos][j], layer, (uint8_t)(16 * pos + j + 1), 1);
			assert_int_equal(vh_mix_topology_add(t, &nodes[pos][j]), 0);
		}
		assert_int_equal(vh_mix_topology_layer_size(t, pos), sizes[pos]);
	}
	det_rng_init(&rng, 9);
	for (unsigned int r = 0; r < rounds; r++) {
		assert_int_equal(vh_mix_topology_pick(t, det_rng, &rng, path, 5), 5);
		for (unsigned int pos = 0; pos < L + 2; pos++) {
			unsigned int j;

			/* hop pos is a node of layer pos, with that node's mix key */
			for (j = 0; j < sizes[pos]; j++)
				if (memcmp(path[pos].node_id, nodes[pos][j].node_id, 32) == 0)
					break;
			assert_true(j < sizes[pos]);
			assert_memory_equal(path[pos].mix_key, nodes[pos][j].mix_key, 32);
			count[pos][j]++;
		}
	}
	/* Uniform within each layer: every count within 5 sd of rounds / size. */
	for (unsigned int pos = 0; pos < L + 2; pos++) {
		double p = 1.0 / sizes[pos], mean = rounds * p, sd = sqrt(rounds * p * (1 - p));

		for (unsigned int j = 0; j < sizes[pos]; j++) {
			assert_true(count[pos][j] > 0);
			assert_true(fabs(count[pos][j] - mean) < 5 * sd);
		}
	}
	vh_mix_topology_free(t);
}

static void
test_rand_below(void **state)
{
	struct det_rng rng;
	unsigned int c[3] = {0};
	const unsigned int n = 30000;
	double chi = 0;
	uint32_t v;

	(void)state;
	det_rng_init(&rng, 5);
	for (unsigned int i = 0; i < n; i++) {
		assert_int_equal(vh_mix_rand_below(det_rng, &rng, 3, &v), 0);
		assert_true(v < 3);
		c[v]++;
	}
	for (unsigned int i = 0; i < 3; i++)
		chi += (c[i] - n / 3.0) * (c[i] - n / 3.0) / (n / 3.0);
	assert_true(chi < 13.8); /* chi-square, 2 degrees of freedom, p = 0.001 */
	assert_int_equal(vh_mix_rand_below(det_rng, &rng, 1, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(vh_mix_rand_below(det_rng, &rng, 0, &v), -EINVAL);
	rng.fail_at = (int64_t)rng.calls;
	assert_int_equal(vh_mix_rand_below(det_rng, &rng, 3, &v), -EIO);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build),
		cmocka_unit_test(test_pick_covers_layers),
		cmocka_unit_test(test_rand_below),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
