/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Katzenpost's Sphinx vectors, byte for byte: every case is unwrapped hop by
 * hop; each intermediate packet must equal the next recorded packet, each
 * hop's commands must re-encode to the recorded commands, and the final
 * payload (decrypted with the SURB keys for reply cases) must equal the
 * recorded payload. Geometry: x25519, 103-byte payload, no SURB, 5 hops.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <sodium.h>

#include "mix_test_util.h"
#include "vh_mix.h"

#define MIN_CASES 10

static const char *vectors_path;

static void
check_cmd(const struct vh_sphinx_cmd *cmd, const json_t *hop, size_t idx)
{
	const char *hex = json_string_value(json_array_get(json_object_get(hop, "Commands"), idx));
	uint8_t buf[128], *want;
	size_t want_len;
	int n;

	assert_non_null(hex);
	want = hex_decode(hex, &want_len);
	assert_non_null(want);
	n = vh_sphinx_cmd_encode(cmd, buf, sizeof(buf));
	assert_int_equal(n, (int)want_len);
	assert_memory_equal(buf, want, want_len);
	free(want);
}

static void
check_public_key(const json_t *node, const json_t *hop, const uint8_t *priv)
{
	uint8_t pub[32], *want, *id, *hop_id;
	size_t len, id_len, hop_id_len;

	want = json_hex(hop, "PublicKey", &len);
	assert_int_equal(len, 32);
	assert_int_equal(crypto_scalarmult_base(pub, priv), 0);
	assert_memory_equal(pub, want, 32);
	id = json_hex(node, "ID", &id_len);
	hop_id = json_hex(hop, "ID", &hop_id_len);
	assert_int_equal(id_len, hop_id_len);
	assert_memory_equal(id, hop_id, id_len);
	free(want);
	free(id);
	free(hop_id);
}

/* The last hop: commands and payload. */
static void
check_final(const struct vh_sphinx_unwrap_result *res, const json_t *tc, const json_t *hop)
{
	const char *surb = json_string_value(json_object_get(tc, "Surb"));
	uint8_t *want, *keys, *pt;
	size_t want_len, keys_len, pt_len;

	want = json_hex(tc, "Payload", &want_len);
	assert_int_equal(res->next_hop, -1);
	assert_non_null(res->payload);
	if (surb != NULL && surb[0] != '\0') {
		assert_int_equal(res->nr_cmds, 2);
		assert_int_equal(res->cmds[1].type, VH_SPHINX_CMD_SURB_REPLY);
		check_cmd(&res->cmds[0], hop, 0);
		check_cmd(&res->cmds[1], hop, 1);
		keys = json_hex(tc, "SurbKeys", &keys_len);
		assert_int_equal(vh_sphinx_decrypt_surb_payload(res->payload, res->payload_len,
					 keys, keys_len, &pt, &pt_len),
			0);
		assert_int_equal(pt_len, want_len);
		assert_memory_equal(pt, want, want_len);
		free(keys);
	} else {
		assert_int_equal(res->nr_cmds, 1);
		check_cmd(&res->cmds[0], hop, 0);
		assert_int_equal(res->payload_len, want_len);
		assert_memory_equal(res->payload, want, want_len);
	}
	free(want);
}

static size_t
run_case(const struct vh_sphinx_geometry *geo, const json_t *tc)
{
	const json_t *nodes = json_object_get(tc, "Nodes"), *path = json_object_get(tc, "Path");
	const json_t *packets = json_object_get(tc, "Packets");
	size_t n = json_array_size(nodes), len, matched = 0;
	uint8_t *pkt;

	assert_true(n >= 1 && n == json_array_size(path));
	assert_int_equal(json_array_size(packets), n + 1);
	pkt = hex_decode(json_string_value(json_array_get(packets, 0)), &len);
	assert_non_null(pkt);
	assert_int_equal(len, geo->packet_len);
	for (size_t i = 0; i < n; i++) {
		const json_t *node = json_array_get(nodes, i), *hop = json_array_get(path, i);
		struct vh_sphinx_unwrap_result res;
		uint8_t *priv, *next, *next_id;
		size_t plen, next_len;

		priv = json_hex(node, "PrivateKey", &plen);
		assert_int_equal(plen, 32);
		check_public_key(node, hop, priv);
		assert_int_equal(vh_sphinx_unwrap(geo, priv, pkt, len, &res), 0);
		assert_true(res.replay_tag_valid);
		free(priv);
		if (i + 1 == n) {
			check_final(&res, tc, hop);
			break;
		}
		next = hex_decode(json_string_value(json_array_get(packets, i + 1)), &next_len);
		assert_non_null(next);
		assert_int_equal(next_len, len);
		assert_memory_equal(pkt, next, len);
		matched++;
		free(next);
		assert_null(res.payload);
		assert_int_equal(res.nr_cmds, 2);
		check_cmd(&res.cmds[0], hop, 0);
		assert_int_equal(res.next_hop, 1);
		next_id = json_hex(json_array_get(path, i + 1), "ID", &next_len);
		assert_int_equal(next_len, VH_SPHINX_NODE_ID_LEN);
		assert_memory_equal(res.cmds[1].u.next_hop.id, next_id, next_len);
		free(next_id);
	}
	free(pkt);
	return matched;
}

static void
test_vectors(void **state)
{
	struct vh_sphinx_geometry geo;
	json_t *root = load_json(vectors_path), *tc;
	size_t idx, cases = 0, hops = 0, surbs = 0;

	(void)state;
	assert_int_equal(vh_sphinx_geometry_init(&geo, 5, 103, false), 0);
	assert_true(json_is_array(root));
	json_array_foreach(root, idx, tc)
	{
		const char *surb = json_string_value(json_object_get(tc, "Surb"));

		hops += run_case(&geo, tc);
		cases++;
		if (surb != NULL && surb[0] != '\0') {
			/* The recorded SURB itself has the right shape. */
			assert_int_equal(strlen(surb) / 2, geo.surb_len);
			surbs++;
		}
	}
	printf("sphinx vector cases run: %zu (%zu SURB), intermediate packets matched: %zu\n",
		cases, surbs, hops);
	assert_true(cases >= MIN_CASES);
	assert_int_equal(hops, 2 * (0 + 1 + 2 + 3 + 4));
	json_decref(root);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
	};

	if (argc < 2) {
		fprintf(stderr, "usage: %s sphinx_vectors.json\n", argv[0]);
		return 1;
	}
	if (vh_mix_cpu_supported(NULL) != 0) {
		fprintf(stderr, "SKIP: this CPU has no AES-NI, the mix core cannot run\n");
		return 77;
	}
	if (sodium_init() < 0)
		return 1;
	vectors_path = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
