/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_noise: arbitrary bytes as Noise handshake and transport messages.
 *
 * Input: one selector byte, then the message.
 *   bit 0: pattern (0 XX, 1 IK); bit 1: hash (0 SHA-256, 1 BLAKE2b);
 *   bits 2-3: mode
 *     0: the responder reads the bytes as message 1 (and, if it accepts,
 *        answers with message 2);
 *     1: after a valid message 1, the initiator reads the bytes as
 *        message 2 (and, if it accepts, finishes the handshake);
 *     2: after valid messages 1 and 2, the responder reads the bytes as XX
 *        message 3 (IK: as for mode 3);
 *     3: after a full handshake, the responder decrypts the bytes as a
 *        transport message, with its counter and with an explicit nonce
 *        taken from the first 8 bytes.
 * Keys and ephemerals are fixed, so valid seeds stay valid. Every call must
 * return one of its documented codes, and a failed read must leave a dead
 * state; anything else aborts.
 *
 * The 16 starting states (after the honest messages before the fuzzed
 * one) are built once and copied per input: an input then costs only the
 * DH its own read needs, not the ~10 X25519 operations of the handshake
 * before it (docs/fuzzing.md).
 *
 * Built with -DFUZZ_NOISE_GEN it becomes the seed generator:
 *   fuzz_noise_gen DIR   writes valid and malformed seeds into DIR.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vh_noise.h"

#define CHECK(c)                                                                            \
	do {                                                                                \
		if (!(c)) {                                                                 \
			fprintf(stderr, "fuzz_noise: %s:%d: %s\n", __FILE__, __LINE__, #c); \
			abort();                                                            \
		}                                                                           \
	} while (0)

static uint8_t msgbuf[VH_NOISE_MAX_MSG], outbuf[VH_NOISE_MAX_MSG];

/* Each side's ephemeral: 32 bytes of one fixed value. */
static int
fixed_rng(void *ctx, uint8_t *out, size_t len)
{
	memset(out, *(const uint8_t *)ctx, len);
	return 0;
}

static const uint8_t eph[2] = {0x33, 0x44};

/* The static keys, derived once: X25519 costs ~50 us. */
static struct vh_noise_keypair statics[2];

static void
setup(struct vh_noise_hs hs[2], enum vh_noise_pattern p, enum vh_noise_hash h)
{
	static const uint8_t prologue[] = "fuzz_noise";
	static bool have_statics;

	for (int i = 0; i < 2 && !have_statics; i++) {
		uint8_t priv[32];

		memset(priv, 0x11 * (i + 1), sizeof(priv));
		CHECK(vh_noise_keypair_from_private(&statics[i], priv) == 0);
	}
	have_statics = true;
	for (int i = 0; i < 2; i++) {
		struct vh_noise_hs_conf c = {.pattern = p,
			.hash = h,
			.initiator = i == 0,
			.prologue = prologue,
			.prologue_len = sizeof(prologue),
			.local_static = &statics[i],
			.rng = fixed_rng,
			.rng_ctx = (void *)&eph[i]};

		if (p == VH_NOISE_IK && i == 0)
			c.remote_static = statics[1].pub;
		CHECK(vh_noise_hs_init(&hs[i], &c) == 0);
	}
}

/* Honest message i (side i % 2 writes, the other reads); its bytes land in msgbuf. */
static size_t
honest(struct vh_noise_hs hs[2], int i)
{
	static const uint8_t pl[] = "payload";
	size_t len, plen;

	CHECK(vh_noise_write_message(&hs[i % 2], pl, sizeof(pl), msgbuf, sizeof(msgbuf), &len) ==
		0);
	CHECK(vh_noise_read_message(&hs[1 - i % 2], msgbuf, len, outbuf, sizeof(outbuf), &plen) ==
		0);
	CHECK(plen == sizeof(pl) && memcmp(outbuf, pl, plen) == 0);
	return len;
}

/* Side r reads data; on success the handshake continues honestly. */
static void
fuzz_read(struct vh_noise_hs hs[2], int r, const uint8_t *data, size_t size)
{
	size_t plen, len;
	int rc = vh_noise_read_message(&hs[r], data, size, outbuf, sizeof(outbuf), &plen);

	if (rc != 0) {
		CHECK(rc == -EBADMSG);
		CHECK(!vh_noise_wants_write(&hs[r]) && !vh_noise_is_complete(&hs[r]));
		CHECK(vh_noise_write_message(&hs[r], NULL, 0, msgbuf, sizeof(msgbuf), &len) ==
			-EPROTO);
		return;
	}
	CHECK(plen <= size);
	if (vh_noise_is_complete(&hs[r])) {
		struct vh_noise_cs tx, rx;

		CHECK(vh_noise_split(&hs[r], &tx, &rx) == 0);
		vh_noise_cs_wipe(&tx);
		vh_noise_cs_wipe(&rx);
		return;
	}
	CHECK(vh_noise_wants_write(&hs[r]));
	/* writing may still fail on a low-order key the message carried */
	rc = vh_noise_write_message(&hs[r], NULL, 0, msgbuf, sizeof(msgbuf), &len);
	CHECK(rc == 0 || rc == -EINVAL);
}

static void
fuzz_transport(struct vh_noise_hs hs[2], const uint8_t *data, size_t size)
{
	struct vh_noise_cs tx, rx;
	uint64_t nonce = 0;
	size_t len;
	int rc;

	CHECK(vh_noise_split(&hs[1], &tx, &rx) == 0);
	rc = vh_noise_cs_decrypt(&rx, NULL, 0, data, size, outbuf, sizeof(outbuf), &len);
	CHECK(rc == 0 || rc == -EBADMSG || rc == -EMSGSIZE);
	CHECK(vh_noise_cs_nonce(&rx) == (rc == 0 ? 1u : 0u));
	if (size >= 8) {
		memcpy(&nonce, data, 8);
		rc = vh_noise_cs_decrypt_nonce(
			&rx, nonce, data, 8, data + 8, size - 8, outbuf, sizeof(outbuf), &len);
		CHECK(rc == 0 || rc == -EBADMSG || rc == -EMSGSIZE || rc == -EOVERFLOW);
	}
	vh_noise_cs_wipe(&tx);
	vh_noise_cs_wipe(&rx);
}

/*
 * What selector sel's mode starts from: both sides after the honest
 * messages before the fuzzed one (all of them for a transport message).
 * A handshake state is a plain value (the rng context points to static
 * data), so a struct copy restores it.
 */
static struct vh_noise_hs start[16][2];

static int
nr_honest(int sel)
{
	int mode = (sel >> 2) & 3, nmsg = sel & 1 ? 2 : 3;

	return mode == 3 || mode >= nmsg ? nmsg : mode;
}

static void
build_starts(void)
{
	for (int sel = 0; sel < 16; sel++) {
		setup(start[sel], sel & 1 ? VH_NOISE_IK : VH_NOISE_XX,
			sel & 2 ? VH_NOISE_BLAKE2B : VH_NOISE_SHA256);
		for (int i = 0; i < nr_honest(sel); i++)
			honest(start[sel], i);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool built;
	struct vh_noise_hs hs[2];
	int sel, n;

	if (!built) {
		build_starts();
		built = true;
	}
	if (size < 1)
		return 0;
	sel = data[0] & 15;
	n = nr_honest(sel);
	memcpy(hs, start[sel], sizeof(hs));
	data++;
	size--;
	if (n == (sel & 1 ? 2 : 3))
		fuzz_transport(hs, data, size);
	else
		fuzz_read(hs, 1 - n % 2, data, size);
	vh_noise_hs_wipe(&hs[0]);
	vh_noise_hs_wipe(&hs[1]);
	return 0;
}

#ifdef FUZZ_NOISE_GEN
static void
put(const char *dir, const char *name, uint8_t sel, const uint8_t *m, size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	CHECK(f != NULL);
	CHECK(fwrite(&sel, 1, 1, f) == 1);
	CHECK(len == 0 || fwrite(m, 1, len, f) == len);
	CHECK(fclose(f) == 0);
}

int
main(int argc, char **argv)
{
	static const char *const pn[2] = {"xx", "ik"}, *const hn[2] = {"sha256", "blake2b"};

	CHECK(argc == 2);
	for (int sel = 0; sel < 16; sel++) {
		struct vh_noise_hs hs[2];
		enum vh_noise_pattern p = sel & 1 ? VH_NOISE_IK : VH_NOISE_XX;
		int mode = (sel >> 2) & 3, nmsg = p == VH_NOISE_XX ? 3 : 2, last = mode;
		char name[64];
		size_t len = 0;
		uint8_t m[512];
		struct vh_noise_cs tx, rx;

		if (p == VH_NOISE_IK && mode == 2)
			continue; /* same as mode 3 */
		setup(hs, p, sel & 2 ? VH_NOISE_BLAKE2B : VH_NOISE_SHA256);
		if (mode == 3)
			last = nmsg;
		for (int i = 0; i <= last && i < nmsg; i++)
			len = honest(hs, i);
		if (mode == 3) {
			CHECK(vh_noise_split(&hs[0], &tx, &rx) == 0);
			CHECK(vh_noise_cs_encrypt(&tx, NULL, 0, (const uint8_t *)"transport", 9,
				      msgbuf, sizeof(msgbuf), &len) == 0);
		}
		CHECK(len <= sizeof(m));
		memcpy(m, msgbuf, len);
		snprintf(name, sizeof(name), "valid_%s_%s_mode%d", pn[sel & 1], hn[(sel >> 1) & 1],
			mode);
		put(argv[1], name, (uint8_t)sel, m, len);
		if ((sel & 2) == 0) {
			m[len / 2] ^= 0x01;
			snprintf(name, sizeof(name), "flipped_%s_mode%d", pn[sel & 1], mode);
			put(argv[1], name, (uint8_t)sel, m, len);
			snprintf(name, sizeof(name), "truncated_%s_mode%d", pn[sel & 1], mode);
			put(argv[1], name, (uint8_t)sel, m, len > 20 ? len - 20 : 0);
		}
	}
	put(argv[1], "empty_mode0", 0, NULL, 0);
	put(argv[1], "junk_ik_mode1", 0x05, (const uint8_t *)"\xff\x00junkjunkjunk", 14);
	return 0;
}
#endif
