/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz harness: the identity payload a peer sends in its Noise handshake.
 * Decode arbitrary bytes; whatever decodes must re-encode to at most the
 * input's size and decode back to the same struct, and then verify against
 * a fixed Noise static key must either succeed with NodeID = SHA-256(key)
 * or fail with -EKEYREJECTED. Anything else aborts.
 *
 * Built with -DFUZZ_IDENTITY_GEN it becomes the seed generator:
 *   fuzz_identity_payload_gen DIR   writes valid and malformed seeds.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "vh_identity.h"

#define CHECK(c)                                                                                  \
	do {                                                                                      \
		if (!(c)) {                                                                       \
			fprintf(stderr, "fuzz_identity_payload: %s:%d: %s\n", __FILE__, __LINE__, \
				#c);                                                              \
			abort();                                                                  \
		}                                                                                 \
	} while (0)

/* The "remote static" every input is checked against: X25519(0x42 * 32). */
static uint8_t remote_static[32];

static void
init(void)
{
	static int done;
	uint8_t priv[32];

	if (done)
		return;
	CHECK(sodium_init() >= 0);
	memset(priv, 0x42, sizeof(priv));
	CHECK(crypto_scalarmult_base(remote_static, priv) == 0);
	done = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vh_identity_payload p, q;
	static uint8_t buf[VH_IDENTITY_PAYLOAD_MAX];
	uint8_t nid[32], want[32];
	int rc, n;

	init();
	rc = vh_identity_payload_decode(data, size, &p);
	if (rc != 0) {
		CHECK(rc == -EBADMSG || (rc == -EMSGSIZE && size > VH_IDENTITY_PAYLOAD_MAX));
		return 0;
	}
	CHECK(p.n_versions >= 1 && p.n_versions <= VH_IDENTITY_MAX_VERSIONS);
	CHECK(p.n_addrs <= VH_IDENTITY_MAX_ADDRS);
	/* Unknown TLVs are dropped, so the encoding is never longer. */
	n = vh_identity_payload_encode(&p, buf, sizeof(buf));
	CHECK(n > 0 && (size_t)n <= size);
	CHECK(vh_identity_payload_decode(buf, (size_t)n, &q) == 0);
	CHECK(memcmp(&p, &q, sizeof(p)) == 0);
	rc = vh_identity_payload_verify(&p, remote_static, nid);
	CHECK(rc == 0 || rc == -EKEYREJECTED);
	if (rc == 0) {
		crypto_hash_sha256(want, p.ed_pub, 32);
		CHECK(memcmp(nid, want, 32) == 0);
	}
	return 0;
}

#ifdef FUZZ_IDENTITY_GEN
static void
put(const char *dir, const char *name, const uint8_t *m, size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	CHECK(f != NULL);
	CHECK(len == 0 || fwrite(m, 1, len, f) == len);
	CHECK(fclose(f) == 0);
}

int
main(int argc, char **argv)
{
	static const uint8_t versions[] = {1, 2};
	static const char *const addrs[] = {"/udp/10.0.0.2:22088", "/udp/[::1]:9000",
		"/relay/VH4uQeVj5tqViQh7yWWGStvkEG1Zmhx6uasJtWCJziofM", "/udp/192.0.2.1:1",
		"/udp/192.0.2.2:2", "/udp/192.0.2.3:3", "/udp/192.0.2.4:4", "/udp/192.0.2.5:5"};
	struct vh_identity id;
	struct vh_identity_payload p;
	uint8_t seed[32], priv[32], m[VH_IDENTITY_PAYLOAD_MAX + 8];
	int n;

	CHECK(argc == 2);
	init();
	memset(seed, 0x11, sizeof(seed));
	memset(priv, 0x42, sizeof(priv));
	CHECK(vh_identity_from_seed(seed, &id) == 0);
	CHECK(vh_identity_noise_init(&id, priv) == 0);
	CHECK(memcmp(id.noise_pub, remote_static, 32) == 0);

	CHECK(vh_identity_payload_build(&id, versions, 2, addrs, 1, &p) == 0);
	n = vh_identity_payload_encode(&p, m, sizeof(m));
	CHECK(n > 0);
	put(argv[1], "valid-one-addr", m, (size_t)n);
	/* An unknown TLV after the known ones. */
	memcpy(m + n, "\x7f\x00\x02zz", 5);
	put(argv[1], "valid-unknown-tlv", m, (size_t)n + 5);
	put(argv[1], "truncated", m, (size_t)n - 1);
	m[1] = 0xff; /* identity key length past the end */
	put(argv[1], "bad-length", m, (size_t)n);

	CHECK(vh_identity_payload_build(&id, versions, 1, NULL, 0, &p) == 0);
	n = vh_identity_payload_encode(&p, m, sizeof(m));
	put(argv[1], "valid-minimal", m, (size_t)n);
	m[40] ^= 1; /* a signature byte */
	put(argv[1], "forged-signature", m, (size_t)n);
	memcpy(m + n, m, 35); /* a second identity key */
	put(argv[1], "duplicate-key", m, (size_t)n + 35);

	CHECK(vh_identity_payload_build(&id, versions, 2, addrs, 8, &p) == 0);
	n = vh_identity_payload_encode(&p, m, sizeof(m));
	put(argv[1], "valid-eight-addrs", m, (size_t)n);
	memcpy(m + n, m + n - 19, 19); /* a ninth address */
	put(argv[1], "nine-addrs", m, (size_t)n + 19);

	put(argv[1], "empty", m, 0);
	memset(m, 0, 40);
	put(argv[1], "zeros", m, 40);
	vh_identity_wipe(&id);
	return 0;
}
#endif
