/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_veil_frame: arbitrary bytes as Veil link frames.
 *
 * Input: one selector byte, then the frame payload.
 *   bits 0-2: mode
 *     0: node B receives the bytes as HANDSHAKE_INIT: decode (and re-encode
 *        byte for byte), MAC checks (idle and under load), cookie reply,
 *        then read and answer it;
 *     1: after a valid INIT, node A reads the bytes as HANDSHAKE_RESP (and
 *        finishes the handshake if it accepts);
 *     2: after valid INIT and RESP (XX), B reads the bytes as FINISH;
 *     3: after a full handshake, B decrypts the bytes as LINK_DATA (bit 4:
 *        first overwrite the receiver index with the live one);
 *     4: the bytes are big-endian 64-bit counters for a replay window,
 *        checked against a model of every accepted counter;
 *     5: A parses the bytes as a COOKIE_REPLY to its last INIT;
 *     6, 7: as 0 and 3.
 *   bit 3: IK instead of XX (modes 0, 1, 3, 5).
 * Keys and RNGs are fixed, so valid seeds stay valid. Every call must
 * return one of its documented codes; anything else aborts.
 *
 * The handshakes a mode starts from are made once and kept (docs/fuzzing.md):
 * a frame that fails changes nothing (the library reads into a copy, decrypts
 * before it updates), so only an accepted one makes its world be rebuilt.
 * Building them per input cost up to a dozen X25519 operations.
 *
 * Built with -DFUZZ_VEIL_GEN it becomes the seed generator:
 *   fuzz_veil_frame_gen DIR   writes valid and malformed seeds into DIR.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "vh_veil.h"

#define CHECK(c)                                                                                 \
	do {                                                                                     \
		if (!(c)) {                                                                      \
			fprintf(stderr, "fuzz_veil_frame: %s:%d: %s\n", __FILE__, __LINE__, #c); \
			abort();                                                                 \
		}                                                                                \
	} while (0)

#define BUF (VH_VEIL_HS_MAX_LEN + 64)

struct rng {
	uint8_t key[32];
	uint64_t ctr;
};

static int
rng_fn(void *ctx, uint8_t *out, size_t len)
{
	struct rng *r = ctx;
	uint8_t nonce[8];

	memcpy(nonce, &r->ctr, sizeof(nonce));
	r->ctr++;
	crypto_stream_chacha20(out, len, nonce, r->key);
	return 0;
}

struct node {
	struct vh_noise_keypair s;
	struct rng rng;
	struct vh_veil_index_table *tab;
	struct vh_veil_index_ops ops;
	struct vh_veil_hs_conf hsc;
	struct vh_veil_cookie_checker ck;
	struct vh_veil_endpoint ep;
};

struct world {
	struct node a, b;
	struct vh_veil_peer *pa, *pb;
	struct vh_veil_handshake r; /* B's responder handshake */
	uint8_t m[BUF];
	size_t len;
	uint8_t pl[256];
	size_t plen;
};

/* Static keys of nodes 1 and 2, derived once (X25519 base point multiply). */
static void
static_key(struct vh_noise_keypair *kp, uint8_t seed)
{
	static struct vh_noise_keypair keys[3];
	static bool have[3];
	uint8_t priv[32];

	CHECK(seed < 3);
	if (!have[seed]) {
		memset(priv, seed * 0x11, sizeof(priv));
		CHECK(vh_noise_keypair_from_private(&keys[seed], priv) == 0);
		have[seed] = true;
	}
	*kp = keys[seed];
}

static void
node_init(struct node *n, uint8_t seed)
{
	uint8_t ip[4] = {10, 0, 0, seed};

	memset(n, 0, sizeof(*n));
	memset(n->rng.key, seed, sizeof(n->rng.key));
	static_key(&n->s, seed);
	n->tab = vh_veil_index_table_new(16);
	CHECK(n->tab != NULL);
	vh_veil_index_table_ops(n->tab, &n->ops);
	n->hsc.hash = VH_NOISE_SHA256;
	n->hsc.local_static = &n->s;
	n->hsc.index = &n->ops;
	n->hsc.rng = rng_fn;
	n->hsc.rng_ctx = &n->rng;
	vh_veil_cookie_checker_init(&n->ck, n->s.pub, true, rng_fn, &n->rng);
	vh_veil_endpoint_ipv4(&n->ep, ip, 22088);
}

static struct vh_veil_peer *
peer(struct node *self, const struct node *remote, bool ik)
{
	struct vh_veil_peer_conf c = {
		.hs = &self->hsc,
		.remote_static = ik ? remote->s.pub : NULL,
		.endpoint = &remote->ep,
	};
	struct vh_veil_peer *p;

	vh_veil_timing_default(&c.timing);
	p = vh_veil_peer_new(&c);
	CHECK(p != NULL);
	return p;
}

static void
world_init(struct world *w, bool ik)
{
	memset(w, 0, sizeof(*w));
	node_init(&w->a, 1);
	node_init(&w->b, 2);
	w->pa = peer(&w->a, &w->b, ik);
	w->pb = peer(&w->b, &w->a, false);
}

static void
world_fini(struct world *w)
{
	vh_veil_hs_wipe(&w->r);
	vh_veil_peer_free(w->pa);
	vh_veil_peer_free(w->pb);
	CHECK(vh_veil_index_table_count(w->a.tab) == 0);
	CHECK(vh_veil_index_table_count(w->b.tab) == 0);
	vh_veil_index_table_free(w->a.tab);
	vh_veil_index_table_free(w->b.tab);
}

/* A's INIT into w->m. */
static void
step_init(struct world *w)
{
	CHECK(vh_veil_peer_write_init(
		      w->pa, (const uint8_t *)"A", 1, 0, w->m, sizeof(w->m), &w->len) == 0);
}

/* B reads w->m as INIT and answers into w->m. */
static int
b_answers(struct world *w, const uint8_t *in, size_t len)
{
	int rc = vh_veil_hs_read_init(&w->r, &w->b.hsc, in, len, 0, w->pl, sizeof(w->pl), &w->plen);

	CHECK(rc == 0 || rc == -EBADMSG || rc == -ENOBUFS);
	if (rc != 0)
		return rc;
	rc = vh_veil_hs_write_resp(&w->r, (const uint8_t *)"B", 1, w->m, sizeof(w->m), &w->len);
	/* XX message 1 is unauthenticated: a low-order e fails only here */
	CHECK(rc == 0 || rc == -EBADMSG);
	if (rc != 0) {
		CHECK(vh_veil_hs_local_index(&w->r) == 0);
		return rc;
	}
	if (vh_veil_hs_is_complete(&w->r))
		CHECK(vh_veil_peer_on_handshake_complete(w->pb, &w->r, 0) == 0);
	return 0;
}

/* A reads RESP; XX: FINISH into w->m. */
static int
a_reads_resp(struct world *w, const uint8_t *in, size_t len)
{
	int rc = vh_veil_peer_read_resp(w->pa, in, len, w->pl, sizeof(w->pl), &w->plen);

	CHECK(rc == 0 || rc == -EBADMSG || rc == -ESRCH || rc == -ENOBUFS);
	if (rc != 0)
		return rc;
	if (!vh_veil_hs_is_complete(vh_veil_peer_handshake(w->pa)))
		CHECK(vh_veil_peer_write_finish(
			      w->pa, (const uint8_t *)"A", 1, 0, w->m, sizeof(w->m), &w->len) == 0);
	CHECK(vh_veil_peer_on_handshake_complete(w->pa, NULL, 0) == VH_VEIL_ACT_SEND_KEEPALIVE);
	return 0;
}

static int
b_reads_finish(struct world *w, const uint8_t *in, size_t len)
{
	int rc = vh_veil_hs_read_finish(&w->r, in, len, w->pl, sizeof(w->pl), &w->plen);

	CHECK(rc == 0 || rc == -EBADMSG || rc == -ESRCH || rc == -ENOBUFS);
	if (rc == 0)
		CHECK(vh_veil_peer_on_handshake_complete(w->pb, &w->r, 0) == 0);
	return rc;
}

static void
full_handshake(struct world *w)
{
	step_init(w);
	CHECK(b_answers(w, w->m, w->len) == 0);
	CHECK(a_reads_resp(w, w->m, w->len) == 0);
	if (vh_veil_peer_keypair(w->pb, VH_VEIL_SLOT_NEXT) == NULL)
		CHECK(b_reads_finish(w, w->m, w->len) == 0);
}

/* Where a mode starts; mode_init builds a fresh world, which is cheap. */
enum start {
	ST_RESP_XX,
	ST_RESP_IK,
	ST_FINISH,
	ST_DATA_XX,
	ST_DATA_IK,
	ST_COOKIE_XX,
	ST_COOKIE_IK,
	ST_N
};

static struct {
	struct world w;
	uint64_t ctr_a, ctr_b; /* the RNGs' positions once built */
	bool built;
} starts[ST_N];

static void
prepare(struct world *w, enum start st)
{
	switch (st) {
	case ST_RESP_XX:
	case ST_RESP_IK:
		step_init(w);
		CHECK(b_answers(w, w->m, w->len) == 0);
		break;
	case ST_FINISH:
		step_init(w);
		CHECK(b_answers(w, w->m, w->len) == 0);
		CHECK(a_reads_resp(w, w->m, w->len) == 0);
		break;
	case ST_DATA_XX:
	case ST_DATA_IK:
		full_handshake(w);
		break;
	default:
		step_init(w);
	}
}

/* The world of start st, built on first use or after a change. */
static struct world *
world_get(enum start st)
{
	if (!starts[st].built) {
		world_init(
			&starts[st].w, st == ST_RESP_IK || st == ST_DATA_IK || st == ST_COOKIE_IK);
		prepare(&starts[st].w, st);
		starts[st].ctr_a = starts[st].w.a.rng.ctr;
		starts[st].ctr_b = starts[st].w.b.rng.ctr;
		starts[st].built = true;
	}
	starts[st].w.a.rng.ctr = starts[st].ctr_a;
	starts[st].w.b.rng.ctr = starts[st].ctr_b;
	return &starts[st].w;
}

/* An input was accepted and moved the world on: the next one needs a new one. */
static void
world_changed(struct world *w)
{
	for (int i = 0; i < ST_N; i++)
		if (&starts[i].w == w && starts[i].built) {
			world_fini(w);
			starts[i].built = false;
		}
}

static void
mode_init(const uint8_t *d, size_t n, bool ik)
{
	static struct world w;
	struct vh_veil_hs_frame f;
	static uint8_t re[BUF];
	uint8_t reply[VH_VEIL_COOKIE_REPLY_LEN];
	size_t rl;
	int rc;

	(void)ik;
	world_init(&w, false);
	rc = vh_veil_hs_frame_decode(VH_VEIL_HANDSHAKE_INIT, d, n, &f);
	CHECK(rc == 0 || rc == -EBADMSG);
	if (rc == 0) {
		CHECK(vh_veil_hs_frame_encode(&f, re, sizeof(re), &rl) == 0);
		CHECK(rl == n && memcmp(re, d, n) == 0);
	}
	rc = vh_veil_macs_check(&w.b.ck, VH_VEIL_HANDSHAKE_INIT, d, n, &w.a.ep, false, 0);
	CHECK(rc == 0 || rc == -EBADMSG);
	if (rc == 0) {
		rc = vh_veil_macs_check(&w.b.ck, VH_VEIL_HANDSHAKE_INIT, d, n, &w.a.ep, true, 0);
		CHECK(rc == -EAGAIN);
		CHECK(vh_veil_cookie_reply_create(&w.b.ck, VH_VEIL_HANDSHAKE_INIT, d, n, &w.a.ep, 0,
			      reply, sizeof(reply)) == 0);
	}
	b_answers(&w, d, n);
	world_fini(&w);
}

static void
mode_resp(const uint8_t *d, size_t n, bool ik)
{
	struct world *w = world_get(ik ? ST_RESP_IK : ST_RESP_XX);
	int rc;

	rc = vh_veil_macs_check(&w->a.ck, VH_VEIL_HANDSHAKE_RESP, d, n, &w->b.ep, true, 0);
	CHECK(rc == 0 || rc == -EBADMSG);
	if (a_reads_resp(w, d, n) == 0)
		world_changed(w);
}

static void
mode_finish(const uint8_t *d, size_t n)
{
	struct world *w = world_get(ST_FINISH);
	int rc;

	rc = vh_veil_macs_check(&w->b.ck, VH_VEIL_HANDSHAKE_FINISH, d, n, &w->a.ep, false, 0);
	CHECK(rc == 0 || rc == -EBADMSG);
	if (b_reads_finish(w, d, n) == 0)
		world_changed(w);
}

static void
mode_data(const uint8_t *d, size_t n, bool ik, bool live_index)
{
	static uint8_t in[BUF], out[BUF];
	struct vh_veil_data dd;
	struct world *w;
	size_t l;
	int rc;

	if (n > sizeof(in))
		return;
	w = world_get(ik ? ST_DATA_IK : ST_DATA_XX);
	memcpy(in, d, n);
	if (live_index && n >= 4) {
		uint32_t idx =
			vh_veil_keypair_local_index(vh_veil_peer_keypair(w->pb, VH_VEIL_SLOT_NEXT));

		in[0] = (uint8_t)(idx >> 24);
		in[1] = (uint8_t)(idx >> 16);
		in[2] = (uint8_t)(idx >> 8);
		in[3] = (uint8_t)idx;
	}
	rc = vh_veil_data_decode(in, n, &dd);
	CHECK(rc == 0 || rc == -EBADMSG);
	rc = vh_veil_peer_decrypt(w->pb, in, n, &w->a.ep, 1, out, sizeof(out), &l);
	CHECK(rc == 0 || rc == -EBADMSG || rc == -ENOKEY || rc == -ERANGE);
	if (rc == 0) {
		CHECK(l + VH_VEIL_DATA_MIN_LEN == n);
		/* accepted once only */
		rc = vh_veil_peer_decrypt(w->pb, in, n, &w->a.ep, 1, out, sizeof(out), &l);
		CHECK(rc == -EALREADY);
		world_changed(w);
	}
}

static void
mode_replay(const uint8_t *d, size_t n)
{
	static struct vh_veil_replay w;
	static uint64_t acc[4096];
	size_t na = 0;
	uint64_t top = 0;

	vh_veil_replay_init(&w);
	for (size_t i = 0; i + 8 <= n && na < 4096; i += 8) {
		uint64_t c = 0;
		bool dup = false;
		int want, rc;

		for (int k = 0; k < 8; k++)
			c = c << 8 | d[i + k];
		for (size_t j = 0; j < na; j++)
			dup |= acc[j] == c;
		if (c >= VH_VEIL_REJECT_AFTER_MESSAGES)
			want = -ERANGE;
		else if (na > 0 && c < top && top - c >= VH_VEIL_REPLAY_WINDOW)
			want = -ESTALE;
		else
			want = dup ? -EALREADY : 0;
		CHECK(vh_veil_replay_check(&w, c) == want);
		rc = vh_veil_replay_update(&w, c);
		CHECK(rc == want);
		if (rc == 0) {
			acc[na++] = c;
			if (na == 1 || c > top)
				top = c;
			CHECK(vh_veil_replay_check(&w, c) == -EALREADY);
		}
	}
}

static void
mode_cookie(const uint8_t *d, size_t n, bool ik)
{
	struct world *w = world_get(ik ? ST_COOKIE_IK : ST_COOKIE_XX);
	struct vh_veil_cookie_reply r;
	int rc;

	rc = vh_veil_cookie_reply_decode(d, n, &r);
	CHECK(rc == 0 || rc == -EBADMSG);
	rc = vh_veil_peer_read_cookie_reply(w->pa, d, n, 0);
	CHECK(rc == 0 || rc == -EBADMSG || rc == -ESRCH);
	if (rc == 0)
		world_changed(w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool once;
	uint8_t sel;
	bool ik;

	if (!once) {
		CHECK(sodium_init() >= 0);
		once = true;
	}
	if (size < 1)
		return 0;
	sel = data[0];
	ik = (sel & 8) != 0;
	data++;
	size--;
	switch (sel & 7) {
	case 0:
	case 6:
		mode_init(data, size, ik);
		break;
	case 1:
		mode_resp(data, size, ik);
		break;
	case 2:
		mode_finish(data, size);
		break;
	case 3:
	case 7:
		mode_data(data, size, ik, (sel & 16) != 0);
		break;
	case 4:
		mode_replay(data, size);
		break;
	default:
		mode_cookie(data, size, ik);
	}
	return 0;
}

#ifdef FUZZ_VEIL_GEN
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

/* The valid frame a mode expects, plus a flipped and a truncated copy. */
static void
put_variants(const char *dir, const char *name, uint8_t sel, const uint8_t *m, size_t len)
{
	static uint8_t b[BUF];
	char n[96];

	put(dir, name, sel, m, len);
	memcpy(b, m, len);
	b[len / 2] ^= 0x40;
	snprintf(n, sizeof(n), "flipped_%s", name);
	put(dir, n, sel, b, len);
	snprintf(n, sizeof(n), "truncated_%s", name);
	put(dir, n, sel, m, len - 1);
}

int
main(int argc, char **argv)
{
	static struct world w;
	uint8_t buf[64], reply[VH_VEIL_COOKIE_REPLY_LEN];
	size_t l;

	CHECK(argc == 2 && sodium_init() >= 0);
	for (int ik = 0; ik < 2; ik++) {
		const char *pn = ik ? "ik" : "xx";
		uint8_t s = ik ? 8 : 0;
		char name[64];

		world_init(&w, ik);
		step_init(&w);
		snprintf(name, sizeof(name), "init_%s", pn);
		put_variants(argv[1], name, s | 0, w.m, w.len);
		vh_veil_cookie_reply_create(&w.b.ck, VH_VEIL_HANDSHAKE_INIT, w.m, w.len, &w.a.ep, 0,
			reply, sizeof(reply));
		snprintf(name, sizeof(name), "cookie_%s", pn);
		put_variants(argv[1], name, s | 5, reply, sizeof(reply));
		CHECK(b_answers(&w, w.m, w.len) == 0);
		snprintf(name, sizeof(name), "resp_%s", pn);
		put_variants(argv[1], name, s | 1, w.m, w.len);
		CHECK(a_reads_resp(&w, w.m, w.len) == 0);
		if (!ik)
			put_variants(argv[1], "finish_xx", 2, w.m, w.len);
		world_fini(&w);

		world_init(&w, ik);
		full_handshake(&w);
		CHECK(vh_veil_peer_encrypt(
			      w.pa, (const uint8_t *)"hello", 5, 1, buf, sizeof(buf), &l) == 0);
		snprintf(name, sizeof(name), "data_%s", pn);
		put_variants(argv[1], name, s | 3, buf, l);
		CHECK(vh_veil_peer_encrypt(w.pa, NULL, 0, 1, buf, sizeof(buf), &l) == 0);
		snprintf(name, sizeof(name), "keepalive_%s", pn);
		put(argv[1], name, s | 3, buf, l);
		world_fini(&w);
	}
	{
		/* counters: in order, duplicate, far jump, stale, limit */
		const uint64_t cs[] = {0, 1, 2, 2, 1000000, 5, 999999, UINT64_MAX,
			0xffffffffffffe000ULL, 0xffffffffffffdfffULL};
		uint8_t b[sizeof(cs)];

		for (size_t i = 0; i < sizeof(cs) / sizeof(cs[0]); i++)
			for (int k = 0; k < 8; k++)
				b[8 * i + k] = (uint8_t)(cs[i] >> (56 - 8 * k));
		put(argv[1], "replay_edges", 4, b, sizeof(b));
	}
	put(argv[1], "empty_init", 0, NULL, 0);
	put(argv[1], "junk_data_live", 3 | 16, (const uint8_t *)"0123456789abcdefghijklmnopq", 28);
	return 0;
}
#endif
