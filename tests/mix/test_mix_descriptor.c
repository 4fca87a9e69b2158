/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Signed mix descriptors: a good one round-trips; forged signatures, a
 * NodeID that is not the key's, the wrong epoch, truncated and oversized
 * input, unknown versions and malformed fields are each refused with their
 * own error.
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

static uint8_t pk_a[32], sk_a[64], pk_b[32], sk_b[64];

static void
make(struct vh_mix_descriptor *d, const char *addr)
{
	memset(d, 0, sizeof(*d));
	d->epoch = 1416666;
	memset(d->mix_key, 0x5c, sizeof(d->mix_key));
	d->layer = 1;
	d->timestamp_ms = 1700000000123ull;
	d->addr_len = (uint8_t)strlen(addr);
	memcpy(d->addr, addr, d->addr_len);
}

/* Re-sign buf's body with sk as the format says, whatever the body holds. */
static void
resign(uint8_t *buf, size_t len, const uint8_t *sk)
{
	const size_t dl = strlen(VH_MIX_DESC_SIG_DOMAIN);
	uint8_t msg[512];

	memcpy(msg, VH_MIX_DESC_SIG_DOMAIN, dl);
	memcpy(msg + dl, buf, len - 64);
	assert_int_equal(crypto_sign_detached(buf + len - 64, NULL, msg, dl + len - 64, sk), 0);
}

static void
test_good(void **state)
{
	struct vh_mix_descriptor d, out;
	uint8_t buf[VH_MIX_DESC_MAX + 8], id[32];
	int len;

	(void)state;
	make(&d, "/udp/10.0.0.1/4000");
	len = vh_mix_descriptor_sign(&d, sk_a, buf, sizeof(buf));
	assert_int_equal(len, VH_MIX_DESC_MIN + 18);
	crypto_hash_sha256(id, pk_a, 32);
	assert_memory_equal(d.node_id, id, 32); /* filled in from the key */
	assert_memory_equal(d.sign_pk, pk_a, 32);
	assert_int_equal(vh_mix_descriptor_verify(buf, (size_t)len, d.epoch, &out), 0);
	assert_memory_equal(&out, &d, sizeof(d));
	/* Layout spot checks (docs/mix-keys.md). */
	assert_int_equal(buf[0], 1);
	assert_int_equal(buf[1], 1);
	assert_int_equal(buf[2], 18);
	assert_int_equal(buf[3], 0);
	assert_memory_equal(buf + 4, id, 32);
	assert_memory_equal(buf + 36, pk_a, 32);
	assert_int_equal(buf[68 + 5], 0x15); /* 1416666 = 0x159DDA, big-endian */
	assert_int_equal(buf[68 + 7], 0xda);
	assert_memory_equal(buf + 76, d.mix_key, 32);
	assert_memory_equal(buf + 116, "/udp/10.0.0.1/4000", 18);

	/* No address, exit layer: the shortest descriptor. */
	make(&d, "");
	d.layer = VH_MIX_LAYER_EXIT;
	len = vh_mix_descriptor_sign(&d, sk_b, buf, sizeof(buf));
	assert_int_equal(len, VH_MIX_DESC_MIN);
	assert_int_equal(vh_mix_descriptor_verify(buf, (size_t)len, d.epoch, &out), 0);
	assert_int_equal(out.layer, 255);
	assert_int_equal(out.addr_len, 0);
	assert_memory_equal(out.sign_pk, pk_b, 32);
}

static void
test_forged(void **state)
{
	struct vh_mix_descriptor d, out;
	uint8_t buf[VH_MIX_DESC_MAX], copy[VH_MIX_DESC_MAX];
	size_t len;

	(void)state;
	make(&d, "/udp/10.0.0.1/4000");
	len = (size_t)vh_mix_descriptor_sign(&d, sk_a, buf, sizeof(buf));
	/* Every single-bit change of the signed fields or the signature is caught. */
	for (size_t i = 0; i < len; i++) {
		int rc;

		memcpy(copy, buf, len);
		copy[i] ^= 0x04;
		rc = vh_mix_descriptor_verify(copy, len, d.epoch, &out);
		if (i >= 4 && i < 68)
			assert_int_equal(rc, -EKEYREJECTED); /* NodeID or key changed */
		else if (i >= 68 && i < 76)
			assert_int_equal(rc, -EACCES); /* epoch: signature first */
		else if (i == 116)
			assert_int_equal(rc, -EILSEQ); /* the address must start with '/' */
		else if (i >= 76)
			assert_int_equal(rc, -EACCES);
		else
			assert_true(rc < 0);
	}
	/* Mix key swapped for the attacker's, signature kept. */
	memcpy(copy, buf, len);
	memset(copy + 76, 0x66, 32);
	assert_int_equal(vh_mix_descriptor_verify(copy, len, d.epoch, &out), -EACCES);
	/* Signed by B but claiming A's key and NodeID. */
	memcpy(copy, buf, len);
	resign(copy, len, sk_b);
	assert_int_equal(vh_mix_descriptor_verify(copy, len, d.epoch, &out), -EACCES);
	/* The signature is domain separated: a plain Ed25519 signature of the body fails. */
	memcpy(copy, buf, len);
	crypto_sign_detached(copy + len - 64, NULL, copy, len - 64, sk_a);
	assert_int_equal(vh_mix_descriptor_verify(copy, len, d.epoch, &out), -EACCES);
}

static void
test_mismatch_and_epoch(void **state)
{
	struct vh_mix_descriptor d, out;
	uint8_t buf[VH_MIX_DESC_MAX];
	size_t len;

	(void)state;
	make(&d, "/udp/10.0.0.1/4000");
	len = (size_t)vh_mix_descriptor_sign(&d, sk_b, buf, sizeof(buf));
	/* B's key, A's NodeID, correctly signed by B: still refused. */
	crypto_hash_sha256(buf + 4, pk_a, 32);
	resign(buf, len, sk_b);
	assert_int_equal(vh_mix_descriptor_verify(buf, len, d.epoch, &out), -EKEYREJECTED);
	/* Wrong epoch, otherwise perfect. */
	len = (size_t)vh_mix_descriptor_sign(&d, sk_b, buf, sizeof(buf));
	assert_int_equal(vh_mix_descriptor_verify(buf, len, d.epoch + 1, &out), -ESTALE);
	assert_int_equal(vh_mix_descriptor_verify(buf, len, d.epoch - 1, &out), -ESTALE);
	assert_int_equal(vh_mix_descriptor_verify(buf, len, d.epoch, &out), 0);
}

static void
test_lengths(void **state)
{
	struct vh_mix_descriptor d, out;
	uint8_t buf[VH_MIX_DESC_MAX + 64];
	size_t len;

	(void)state;
	make(&d, "/udp/10.0.0.1/4000");
	len = (size_t)vh_mix_descriptor_sign(&d, sk_a, buf, sizeof(buf));
	for (size_t l = 0; l < len; l++)
		assert_int_equal(vh_mix_descriptor_verify(buf, l, d.epoch, &out), -EBADMSG);
	/* trailing bytes, then anything beyond the largest descriptor */
	buf[len] = 0;
	assert_int_equal(vh_mix_descriptor_verify(buf, len + 1, d.epoch, &out), -E2BIG);
	for (size_t l = VH_MIX_DESC_MAX + 1; l < sizeof(buf); l++)
		assert_int_equal(vh_mix_descriptor_verify(buf, l, d.epoch, &out), -E2BIG);
	/* an address length beyond the maximum */
	buf[2] = VH_MIX_DESC_ADDR_MAX + 1;
	assert_int_equal(vh_mix_descriptor_verify(buf, len, d.epoch, &out), -E2BIG);
	/* the longest address round-trips */
	make(&d, "/x");
	d.addr_len = VH_MIX_DESC_ADDR_MAX;
	memset(d.addr + 2, 'a', VH_MIX_DESC_ADDR_MAX - 2);
	assert_int_equal(vh_mix_descriptor_sign(&d, sk_a, buf, VH_MIX_DESC_MAX - 1), -ENOSPC);
	assert_int_equal(vh_mix_descriptor_sign(&d, sk_a, buf, sizeof(buf)), VH_MIX_DESC_MAX);
	assert_int_equal(vh_mix_descriptor_verify(buf, VH_MIX_DESC_MAX, d.epoch, &out), 0);
}

static void
test_malformed(void **state)
{
	struct vh_mix_descriptor d, out;
	uint8_t buf[VH_MIX_DESC_MAX];
	size_t len;

	(void)state;
	make(&d, "/udp/10.0.0.1/4000");
	len = (size_t)vh_mix_descriptor_sign(&d, sk_a, buf, sizeof(buf));
	buf[0] = 2;
	assert_int_equal(vh_mix_descriptor_verify(buf, len, d.epoch, &out), -EPROTONOSUPPORT);
	buf[0] = 1;
	buf[3] = 1; /* reserved */
	assert_int_equal(vh_mix_descriptor_verify(buf, len, d.epoch, &out), -EILSEQ);
	buf[3] = 0;
	buf[120] = ' '; /* address with a space */
	assert_int_equal(vh_mix_descriptor_verify(buf, len, d.epoch, &out), -EILSEQ);
	len = (size_t)vh_mix_descriptor_sign(&d, sk_a, buf, sizeof(buf));
	memset(buf + 76, 0, 32); /* all-zero mix key */
	resign(buf, len, sk_a);
	assert_int_equal(vh_mix_descriptor_verify(buf, len, d.epoch, &out), -EILSEQ);
	/* sign refuses what verify would refuse */
	d.addr[0] = 'u';
	assert_int_equal(vh_mix_descriptor_sign(&d, sk_a, buf, sizeof(buf)), -EINVAL);
	make(&d, "/ok");
	memset(d.mix_key, 0, 32);
	assert_int_equal(vh_mix_descriptor_sign(&d, sk_a, buf, sizeof(buf)), -EINVAL);
	make(&d, "/ok");
	d.addr_len = VH_MIX_DESC_ADDR_MAX + 1;
	assert_int_equal(vh_mix_descriptor_sign(&d, sk_a, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(vh_mix_descriptor_verify(NULL, 10, 0, &out), -EINVAL);
}

static void
test_error_names(void **state)
{
	const int codes[] = {-E2BIG, -EBADMSG, -EPROTONOSUPPORT, -EILSEQ, -EKEYREJECTED, -EACCES,
		-ESTALE, -EINVAL};
	const size_t n = sizeof(codes) / sizeof(codes[0]);

	(void)state;
	assert_string_equal(vh_mix_descriptor_strerror(-EACCES), "bad-signature");
	assert_string_equal(vh_mix_descriptor_strerror(-EKEYREJECTED), "nodeid-key-mismatch");
	for (size_t i = 0; i < n; i++) {
		assert_string_not_equal(vh_mix_descriptor_strerror(codes[i]), "unknown");
		for (size_t j = i + 1; j < n; j++)
			assert_string_not_equal(vh_mix_descriptor_strerror(codes[i]),
				vh_mix_descriptor_strerror(codes[j]));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_forged),
		cmocka_unit_test(test_mismatch_and_epoch),
		cmocka_unit_test(test_lengths),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_error_names),
	};
	uint8_t seed[32];

	if (sodium_init() < 0)
		return 1;
	memset(seed, 0xa1, sizeof(seed));
	crypto_sign_seed_keypair(pk_a, sk_a, seed);
	memset(seed, 0xb2, sizeof(seed));
	crypto_sign_seed_keypair(pk_b, sk_b, seed);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
