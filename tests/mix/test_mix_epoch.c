/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Key epochs: rotation across boundaries (the previous key still unwraps in
 * its grace period and not after), keys generated ahead, old keys wiped and
 * their replay filters freed, clock jumps and a clock going back, RNG
 * failures, bad configurations.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "mix_internal.h"
#include "mix_rng.h"
#include "vh_mix.h"

#define E 60000u /* epoch, ms */
#define GRACE 10000u
#define AHEAD 20000u

static const struct vh_mix_epoch_conf conf = {
	.epoch_ms = E,
	.grace_ms = GRACE,
	.publish_ahead_ms = AHEAD,
	.replay_capacity = 1000,
	.replay_fp_rate = 1e-6,
};

static struct vh_sphinx_geometry geo;

/* A one-hop packet to the holder of pub (Recipient at that hop). */
static void
packet_for(const uint8_t pub[32], uint8_t seed, uint8_t *pkt)
{
	struct vh_sphinx_cmd cmd = {.type = VH_SPHINX_CMD_RECIPIENT};
	struct vh_sphinx_hop hop = {.cmds = &cmd, .nr_cmds = 1};
	uint8_t payload[64];
	struct det_rng rng;

	memset(cmd.u.recipient, 0x42, sizeof(cmd.u.recipient));
	memset(hop.id, 0x11, sizeof(hop.id));
	memcpy(hop.public_key, pub, 32);
	memset(payload, seed, sizeof(payload));
	det_rng_init(&rng, seed);
	assert_int_equal(vh_sphinx_new_packet(&geo, &hop, 1, payload, sizeof(payload), det_rng,
				 &rng, pkt, geo.packet_len),
		0);
}

/* Unwrap a copy of pkt, so pkt itself can be replayed later. */
static int
try_unwrap(struct vh_mix_keys *k, const uint8_t *pkt, uint64_t *epoch)
{
	struct vh_sphinx_unwrap_result res;
	uint8_t copy[1024];
	int rc;

	memcpy(copy, pkt, geo.packet_len);
	*epoch = UINT64_MAX;
	rc = vh_mix_keys_unwrap(k, &geo, copy, geo.packet_len, &res, epoch);
	if (rc == 0) {
		assert_int_equal(res.payload_len, 64);
		assert_int_equal(res.payload[0], res.payload[63]); /* packet_for's payload */
	}
	return rc;
}

static struct mix_key *
slot_of(struct vh_mix_keys *k, uint64_t epoch)
{
	for (unsigned int i = 0; i < VH_MIX_KEYS_SLOTS; i++)
		if (k->slot[i].state != VH_MIX_KEY_EMPTY && k->slot[i].epoch == epoch)
			return &k->slot[i];
	return NULL;
}

static void
test_epoch_numbers(void **state)
{
	(void)state;
	assert_int_equal(vh_mix_epoch_at(0, E), 0);
	assert_int_equal(vh_mix_epoch_at(E - 1, E), 0);
	assert_int_equal(vh_mix_epoch_at(E, E), 1);
	assert_int_equal(vh_mix_epoch_at(1700000000123ull, 1200000), 1416666);
	assert_int_equal(vh_mix_epoch_start(1416666, 1200000), 1699999200000ull);
	assert_int_equal(vh_mix_epoch_start(UINT64_MAX / 2, E), UINT64_MAX);
	assert_int_equal(vh_mix_epoch_at(5, 0), 0);
}

static void
test_rotation(void **state)
{
	struct det_rng rng;
	struct vh_mix_keys *k;
	struct vh_mix_key_info info[VH_MIX_KEYS_SLOTS];
	struct vh_mix_keys_stats st;
	struct mix_key *old;
	uint8_t pub5[32], pub6[32], a[1024], b[1024], n6[1024], late[1024];
	uint64_t ep;
	size_t bytes_before, filter_bytes;

	(void)state;
	det_rng_init(&rng, 1);
	k = vh_mix_keys_create(&conf, 5 * E + 1000, det_rng, &rng);
	assert_non_null(k);
	assert_int_equal(vh_mix_keys_epoch(k), 5);
	assert_int_equal(vh_mix_keys_info(k, info, 3), 1);
	assert_int_equal(info[0].epoch, 5);
	assert_int_equal(info[0].state, VH_MIX_KEY_CURRENT);
	assert_int_equal(vh_mix_keys_public(k, 5, pub5), 0);
	assert_int_equal(vh_mix_keys_public(k, 6, pub6), -ENOENT);
	/* The public key is the private key's. */
	uint8_t chk[32];
	assert_int_equal(crypto_scalarmult_base(chk, slot_of(k, 5)->priv), 0);
	assert_memory_equal(chk, pub5, 32);
	/* ... and the copy handed to a data plane is that private key */
	uint8_t priv[32];
	assert_int_equal(vh_mix_keys_private(k, 5, priv), 0);
	assert_memory_equal(priv, slot_of(k, 5)->priv, 32);
	assert_int_equal(vh_mix_keys_private(k, 6, priv), -ENOENT);
	assert_int_equal(vh_mix_keys_private(NULL, 5, priv), -EINVAL);
	sodium_memzero(priv, sizeof(priv));

	/* Nothing new before the publish window; the next key inside it. */
	assert_int_equal(vh_mix_keys_tick(k, 6 * E - AHEAD - 1), 0);
	assert_int_equal(vh_mix_keys_tick(k, 6 * E - AHEAD), VH_MIX_KEYS_GENERATED);
	assert_int_equal(vh_mix_keys_public(k, 6, pub6), 0);
	assert_memory_not_equal(pub5, pub6, 32);
	assert_int_equal(vh_mix_keys_info(k, info, 3), 2);
	assert_int_equal(info[1].epoch, 6);
	assert_int_equal(info[1].state, VH_MIX_KEY_NEXT);

	packet_for(pub5, 0xa1, a);
	packet_for(pub5, 0xa2, b);
	packet_for(pub5, 0xa3, late);
	packet_for(pub6, 0xb1, n6);
	/* The next key is published but not tried before its epoch. */
	assert_int_equal(try_unwrap(k, n6, &ep), -EBADMSG);
	assert_int_equal(try_unwrap(k, a, &ep), 0);
	assert_int_equal(ep, 5);

	/* Across the boundary: current 6, previous 5, both tried. */
	assert_int_equal(vh_mix_keys_tick(k, 6 * E), VH_MIX_KEYS_ROTATED);
	assert_int_equal(vh_mix_keys_info(k, info, 3), 2);
	assert_int_equal(info[0].epoch, 6);
	assert_int_equal(info[0].state, VH_MIX_KEY_CURRENT);
	assert_int_equal(info[1].epoch, 5);
	assert_int_equal(info[1].state, VH_MIX_KEY_PREVIOUS);
	assert_int_equal(try_unwrap(k, n6, &ep), 0);
	assert_int_equal(ep, 6);
	assert_int_equal(try_unwrap(k, b, &ep), 0); /* under the previous key, in grace */
	assert_int_equal(ep, 5);
	/* Replays are refused whichever key they were under. */
	assert_int_equal(try_unwrap(k, a, &ep), -EALREADY);
	assert_int_equal(try_unwrap(k, b, &ep), -EALREADY);
	assert_int_equal(try_unwrap(k, n6, &ep), -EALREADY);
	vh_mix_keys_stats_get(k, &st);
	assert_int_equal(st.unwrapped_current, 2); /* a (as current), n6 */
	assert_int_equal(st.unwrapped_previous, 1);
	assert_int_equal(st.replayed, 3);
	assert_int_equal(st.failed, 1);
	assert_int_equal(vh_mix_keys_info(k, info, 3), 2);
	assert_int_equal(info[1].replay_count, 2);

	/* End of grace: key 5 is wiped and its filter freed. */
	old = slot_of(k, 5);
	assert_non_null(old);
	filter_bytes = vh_mix_replay_bytes(old->replay);
	assert_true(filter_bytes > 0);
	bytes_before = vh_mix_keys_bytes(k);
	assert_int_equal(vh_mix_keys_tick(k, 6 * E + GRACE - 1), 0);
	assert_int_equal(try_unwrap(k, late, &ep), 0); /* last millisecond of grace */
	assert_int_equal(vh_mix_keys_tick(k, 6 * E + GRACE), VH_MIX_KEYS_WIPED);
	assert_int_equal(old->state, VH_MIX_KEY_EMPTY);
	assert_null(old->replay);
	assert_true(sodium_is_zero(old->priv, sizeof(old->priv)));
	assert_true(sodium_is_zero((const uint8_t *)old, sizeof(*old)));
	assert_int_equal(vh_mix_keys_bytes(k), bytes_before - filter_bytes);
	assert_int_equal(vh_mix_keys_public(k, 5, chk), -ENOENT);
	assert_int_equal(vh_mix_keys_private(k, 5, chk), -ENOENT);
	packet_for(pub5, 0xa4, late);
	assert_int_equal(try_unwrap(k, late, &ep), -EBADMSG); /* refused after the grace */
	assert_int_equal(vh_mix_keys_info(k, info, 3), 1);
	vh_mix_keys_stats_get(k, &st);
	assert_int_equal(st.wiped, 1);
	assert_int_equal(st.generated, 2);
	vh_mix_keys_free(k);
}

static void
test_three_slots_and_jumps(void **state)
{
	struct vh_mix_epoch_conf c = conf;
	struct vh_mix_key_info info[VH_MIX_KEYS_SLOTS];
	struct det_rng rng;
	struct vh_mix_keys *k;
	int rc;

	(void)state;
	c.publish_ahead_ms = E; /* the next key exists for the whole epoch */
	det_rng_init(&rng, 2);
	k = vh_mix_keys_create(&c, 3 * E, det_rng, &rng);
	assert_non_null(k);
	assert_int_equal(vh_mix_keys_info(k, info, 3), 2);
	rc = vh_mix_keys_tick(k, 4 * E + 1);
	assert_int_equal(rc, VH_MIX_KEYS_ROTATED | VH_MIX_KEYS_GENERATED);
	/* previous 3 (in grace), current 4, next 5: all three slots in use */
	assert_int_equal(vh_mix_keys_info(k, info, 3), 3);
	assert_int_equal(info[0].epoch, 4);
	assert_int_equal(info[1].epoch, 3);
	assert_int_equal(info[2].epoch, 5);
	assert_int_equal(info[2].state, VH_MIX_KEY_NEXT);
	/* max limits what is written */
	assert_int_equal(vh_mix_keys_info(k, info, 1), 1);
	assert_int_equal(info[0].epoch, 4);

	/* A jump of many epochs wipes everything and starts afresh. */
	rc = vh_mix_keys_tick(k, 40 * E + 5);
	assert_int_equal(rc, VH_MIX_KEYS_ROTATED | VH_MIX_KEYS_GENERATED | VH_MIX_KEYS_WIPED);
	assert_int_equal(vh_mix_keys_info(k, info, 3), 2);
	assert_int_equal(info[0].epoch, 40);
	assert_int_equal(info[1].epoch, 41);
	/* The clock going back changes nothing. */
	assert_int_equal(vh_mix_keys_tick(k, 3 * E), 0);
	assert_int_equal(vh_mix_keys_epoch(k), 40);
	assert_int_equal(vh_mix_keys_info(k, info, 3), 2);
	vh_mix_keys_free(k);
}

static void
test_rng_failure_and_conf(void **state)
{
	struct vh_mix_epoch_conf c = conf;
	struct vh_mix_key_info info[VH_MIX_KEYS_SLOTS];
	struct det_rng rng;
	struct vh_mix_keys *k;
	uint8_t pkt[1024];
	struct vh_sphinx_unwrap_result res;

	(void)state;
	det_rng_init(&rng, 3);
	rng.fail_at = 0;
	errno = 0;
	assert_null(vh_mix_keys_create(&conf, 0, det_rng, &rng));
	assert_int_equal(errno, EIO);

	det_rng_init(&rng, 3);
	k = vh_mix_keys_create(&conf, 10, det_rng, &rng);
	assert_non_null(k);
	rng.fail_at = (int64_t)rng.calls; /* the next key's generation fails ... */
	assert_int_equal(vh_mix_keys_tick(k, E - AHEAD), -EIO);
	assert_int_equal(vh_mix_keys_info(k, info, 3), 1);
	/* ... and the next tick retries it */
	assert_int_equal(vh_mix_keys_tick(k, E - AHEAD + 1), VH_MIX_KEYS_GENERATED);
	assert_int_equal(vh_mix_keys_info(k, info, 3), 2);
	/* malformed packets are counted, not tried */
	memset(pkt, 0, sizeof(pkt));
	assert_int_equal(vh_mix_keys_unwrap(k, &geo, pkt, geo.packet_len - 1, &res, NULL), -EINVAL);
	pkt[0] = 1;
	assert_int_equal(vh_mix_keys_unwrap(k, &geo, pkt, geo.packet_len, &res, NULL), -EPROTO);
	vh_mix_keys_free(k);
	vh_mix_keys_free(NULL);

	c.grace_ms = E;
	assert_int_equal(vh_mix_epoch_conf_check(&c), -EINVAL);
	assert_null(vh_mix_keys_create(&c, 0, det_rng, &rng));
	c = conf;
	c.publish_ahead_ms = E + 1;
	assert_int_equal(vh_mix_epoch_conf_check(&c), -EINVAL);
	c = conf;
	c.epoch_ms = 0;
	assert_int_equal(vh_mix_epoch_conf_check(&c), -EINVAL);
	c = conf;
	c.replay_capacity = 0;
	assert_int_equal(vh_mix_epoch_conf_check(&c), -EINVAL);
	assert_int_equal(vh_mix_epoch_conf_check(&conf), 0);
	assert_null(vh_mix_keys_create(&conf, 0, NULL, NULL));
}

/* Each key's filter is its own: a tag recorded under one key is not in the other's. */
static void
test_filters_per_key(void **state)
{
	struct det_rng rng;
	struct vh_mix_keys *k;
	uint8_t pub[32], pkt[1024], tag[32];
	uint64_t ep;

	(void)state;
	det_rng_init(&rng, 4);
	k = vh_mix_keys_create(&conf, 7 * E, det_rng, &rng);
	assert_non_null(k);
	assert_int_equal(vh_mix_keys_public(k, 7, pub), 0);
	packet_for(pub, 0xc1, pkt);
	assert_int_equal(vh_sphinx_replay_tag(&geo, pkt, geo.packet_len, tag), 0);
	assert_int_equal(try_unwrap(k, pkt, &ep), 0);
	assert_int_equal(vh_mix_keys_tick(k, 8 * E), VH_MIX_KEYS_ROTATED | VH_MIX_KEYS_GENERATED);
	assert_int_equal(vh_mix_replay_test(slot_of(k, 7)->replay, tag), 1);
	assert_int_equal(vh_mix_replay_test(slot_of(k, 8)->replay, tag), 0);
	assert_int_equal(try_unwrap(k, pkt, &ep), -EALREADY);
	vh_mix_keys_free(k);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_epoch_numbers),
		cmocka_unit_test(test_rotation),
		cmocka_unit_test(test_three_slots_and_jumps),
		cmocka_unit_test(test_rng_failure_and_conf),
		cmocka_unit_test(test_filters_per_key),
	};

	if (vh_mix_cpu_supported(NULL) != 0) {
		fprintf(stderr, "SKIP: this CPU has no AES-NI, the mix core cannot run\n");
		return 77;
	}
	if (sodium_init() < 0 || vh_sphinx_geometry_init(&geo, 3, 64, false) != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
