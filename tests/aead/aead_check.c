/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Engine checks shared by the unit and eal AEAD tests (see aead_check.h).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "aead_check.h"

#define MAX_BURST 64
#define MAX_LEN 2048

struct vcase {
	int tc_id;
	bool valid;
	uint8_t key[VH_AEAD_KEY_LEN];
	uint8_t nonce[VH_AEAD_NONCE_LEN];
	uint8_t tag[VH_AEAD_TAG_LEN];
	uint8_t *aad, *msg, *ct;
	size_t aad_len, len;
};

/* Deterministic generator (splitmix64): reproducible bursts from a seed. */
static uint64_t
rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void
rnd_fill(uint64_t *s, uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)rnd(s);
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode a JSON hex string into a fresh buffer (never NULL on success). */
static uint8_t *
unhex(json_t *v, size_t *len)
{
	const char *s = json_string_value(v);
	size_t n;
	uint8_t *out;

	if (s == NULL || strlen(s) % 2 != 0)
		return NULL;
	n = strlen(s) / 2;
	out = malloc(n + 1);
	for (size_t i = 0; out != NULL && i < n; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			free(out);
			return NULL;
		}
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	*len = n;
	return out;
}

/* Decode into a fixed-size field; false if the size differs. */
static bool
unhex_fixed(json_t *v, uint8_t *dst, size_t want)
{
	size_t n = 0;
	uint8_t *p = unhex(v, &n);
	bool ok = p != NULL && n == want;

	if (ok)
		memcpy(dst, p, n);
	free(p);
	return ok;
}

static void
free_cases(struct vcase *c, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		free(c[i].aad);
		free(c[i].msg);
		free(c[i].ct);
	}
	free(c);
}

static bool
parse_case(json_t *t, struct vcase *c)
{
	size_t ct_len = 0;
	const char *res = json_string_value(json_object_get(t, "result"));

	c->tc_id = (int)json_integer_value(json_object_get(t, "tcId"));
	c->valid = res != NULL && strcmp(res, "valid") == 0;
	c->aad = unhex(json_object_get(t, "aad"), &c->aad_len);
	c->msg = unhex(json_object_get(t, "msg"), &c->len);
	c->ct = unhex(json_object_get(t, "ct"), &ct_len);
	return unhex_fixed(json_object_get(t, "key"), c->key, VH_AEAD_KEY_LEN) &&
	       unhex_fixed(json_object_get(t, "iv"), c->nonce, VH_AEAD_NONCE_LEN) &&
	       unhex_fixed(json_object_get(t, "tag"), c->tag, VH_AEAD_TAG_LEN) && c->aad != NULL &&
	       c->msg != NULL && c->ct != NULL && ct_len == c->len;
}

/* Load every 12-byte-nonce case; count the others. NULL on a bad file. */
static struct vcase *
load_cases(const char *path, struct wyche_stats *st)
{
	json_error_t jerr;
	json_t *root = json_load_file(path, 0, &jerr), *groups;
	struct vcase *cases = NULL;
	size_t gi;

	if (root == NULL) {
		printf("wycheproof: cannot load %s: %s (line %d)\n", path, jerr.text, jerr.line);
		return NULL;
	}
	st->total = (unsigned int)json_integer_value(json_object_get(root, "numberOfTests"));
	cases = calloc(st->total + 1, sizeof(*cases));
	groups = json_object_get(root, "testGroups");
	for (gi = 0; gi < json_array_size(groups); gi++) {
		json_t *g = json_array_get(groups, gi);
		json_t *tests = json_object_get(g, "tests");

		if (json_integer_value(json_object_get(g, "ivSize")) != 8 * VH_AEAD_NONCE_LEN) {
			st->skip_nonce += (unsigned int)json_array_size(tests);
			continue;
		}
		for (size_t ti = 0; ti < json_array_size(tests); ti++) {
			if (cases == NULL || st->run >= st->total ||
				!parse_case(json_array_get(tests, ti), &cases[st->run])) {
				printf("wycheproof: malformed case %u in %s\n", st->run, path);
				free_cases(cases, st->run + (cases != NULL && st->run < st->total));
				json_decref(root);
				return NULL;
			}
			st->valid += cases[st->run].valid;
			st->invalid += !cases[st->run].valid;
			st->run++;
		}
	}
	json_decref(root);
	return cases;
}

/* Check one case's encrypt result; returns failures. */
static unsigned int
check_seal(const struct vcase *c, const struct vh_aead_op *op, bool too_long)
{
	if (too_long)
		return op->status != -EINVAL;
	if (op->status != 0) {
		printf("tcId %d: encrypt status %d\n", c->tc_id, op->status);
		return 1;
	}
	if (c->valid && (memcmp(op->dst, c->ct, c->len) != 0 ||
				memcmp(op->tag, c->tag, VH_AEAD_TAG_LEN) != 0)) {
		printf("tcId %d: ciphertext or tag differs\n", c->tc_id);
		return 1;
	}
	return 0;
}

static bool
all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;

	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

static unsigned int
check_open(const struct vcase *c, const struct vh_aead_op *op, bool too_long)
{
	if (too_long)
		return op->status != -EINVAL;
	if (c->valid && (op->status != 0 || memcmp(op->dst, c->msg, c->len) != 0)) {
		printf("tcId %d: valid case not opened (status %d)\n", c->tc_id, op->status);
		return 1;
	}
	if (!c->valid && (op->status != -EBADMSG || !all_zero(op->dst, c->len))) {
		printf("tcId %d: invalid case accepted or output kept (status %d)\n", c->tc_id,
			op->status);
		return 1;
	}
	return 0;
}

/* Seal then open cases [first, first + n) as two bursts. Odd cases run in
 * place, even ones out of place. */
static unsigned int
run_cases(struct vh_aead *e, const struct vcase *c, unsigned int n, struct wyche_stats *st)
{
	struct vh_aead_op ops[MAX_BURST];
	uint8_t tags[MAX_BURST][VH_AEAD_TAG_LEN];
	uint8_t *out[MAX_BURST];
	unsigned int fail = 0;

	for (int pass = 0; pass < 2; pass++) {
		for (unsigned int j = 0; j < n; j++) {
			const uint8_t *in = pass == 0 ? c[j].msg : c[j].ct;

			if (pass == 0)
				out[j] = malloc(c[j].len + 1);
			memset(out[j], 0xaa, c[j].len + 1);
			memcpy(tags[j], c[j].tag, VH_AEAD_TAG_LEN);
			if (j % 2)
				memcpy(out[j], in, c[j].len);
			ops[j] = (struct vh_aead_op){.key = c[j].key,
				.aad = c[j].aad,
				.aad_len = (uint32_t)c[j].aad_len,
				.src = j % 2 ? out[j] : in,
				.dst = out[j],
				.len = (uint32_t)c[j].len,
				.tag = tags[j]};
			memcpy(ops[j].nonce, c[j].nonce, VH_AEAD_NONCE_LEN);
		}
		if (pass == 0)
			vh_aead_encrypt_burst(e, ops, n);
		else
			vh_aead_decrypt_burst(e, ops, n);
		for (unsigned int j = 0; j < n; j++) {
			bool too_long = c[j].aad_len > vh_aead_max_aad(e);

			fail += pass == 0 ? check_seal(&c[j], &ops[j], too_long)
					  : check_open(&c[j], &ops[j], too_long);
			st->skip_aad += pass == 0 && too_long;
		}
	}
	for (unsigned int j = 0; j < n; j++)
		free(out[j]);
	return fail;
}

unsigned int
wyche_run(struct vh_aead *e, const char *path, unsigned int burst, struct wyche_stats *st)
{
	struct vcase *cases;
	unsigned int fail = 0;

	memset(st, 0, sizeof(*st));
	if (burst == 0 || burst > MAX_BURST)
		return 1;
	cases = load_cases(path, st);
	if (cases == NULL)
		return 1;
	for (unsigned int i = 0; i < st->run; i += burst)
		fail += run_cases(e, &cases[i], st->run - i < burst ? st->run - i : burst, st);
	free_cases(cases, st->run);
	return fail;
}

/* One random message of a burst, with its own key, nonce and aad. */
struct msg {
	uint8_t key[VH_AEAD_KEY_LEN];
	uint8_t nonce[VH_AEAD_NONCE_LEN];
	uint8_t aad[64];
	uint8_t pt[MAX_LEN];
	uint32_t aad_len, len;
	bool in_place;
};

static void
random_msg(uint64_t *s, struct msg *m, const uint8_t (*keys)[VH_AEAD_KEY_LEN], uint32_t max_aad)
{
	uint64_t r = rnd(s);

	/* Half the messages reuse one of a few keys, like packets of one session. */
	if (r & 1)
		memcpy(m->key, keys[(r >> 1) % 4], VH_AEAD_KEY_LEN);
	else
		rnd_fill(s, m->key, VH_AEAD_KEY_LEN);
	rnd_fill(s, m->nonce, VH_AEAD_NONCE_LEN);
	m->aad_len = (uint32_t)(rnd(s) % (sizeof(m->aad) + 1));
	if (m->aad_len > max_aad || (r >> 8) % 4 == 0)
		m->aad_len = 0;
	rnd_fill(s, m->aad, m->aad_len);
	/* Mix tiny, block-edge and large sizes. */
	switch ((r >> 16) % 4) {
	case 0:
		m->len = (uint32_t)(rnd(s) % 65);
		break;
	case 1:
		m->len = 64 * (uint32_t)(rnd(s) % 33) + (uint32_t)(rnd(s) % 3) - 1;
		m->len = m->len > MAX_LEN ? MAX_LEN : m->len;
		break;
	default:
		m->len = (uint32_t)(rnd(s) % (MAX_LEN + 1));
		break;
	}
	rnd_fill(s, m->pt, m->len);
	m->in_place = (r >> 24) & 1;
}

/* Build op j over message m: in place works on buf, else reads src. */
static void
set_op(struct vh_aead_op *op, const struct msg *m, const uint8_t *src, uint8_t *buf, uint8_t *tag)
{
	if (m->in_place)
		memcpy(buf, src, m->len);
	*op = (struct vh_aead_op){.key = m->key,
		.aad = m->aad,
		.aad_len = m->aad_len,
		.src = m->in_place ? buf : src,
		.dst = buf,
		.len = m->len,
		.tag = tag};
	memcpy(op->nonce, m->nonce, VH_AEAD_NONCE_LEN);
}

struct eq_state {
	struct msg msgs[MAX_BURST];
	uint8_t ref_ct[MAX_BURST][MAX_LEN];
	uint8_t ref_tag[MAX_BURST][VH_AEAD_TAG_LEN];
	uint8_t buf[MAX_BURST][MAX_LEN];
	uint8_t tag[MAX_BURST][VH_AEAD_TAG_LEN];
	struct vh_aead_op ops[MAX_BURST];
};

/* Engine i seals the burst; compare with the reference (engine 0). */
static unsigned int
eq_seal(struct eq_state *q, struct vh_aead *e, unsigned int b, bool is_ref)
{
	unsigned int fail = 0;

	for (unsigned int j = 0; j < b; j++)
		set_op(&q->ops[j], &q->msgs[j], q->msgs[j].pt, q->buf[j], q->tag[j]);
	if (vh_aead_encrypt_burst(e, q->ops, b) != b) {
		printf("equality: %s encrypt burst of %u failed\n", vh_aead_name(e), b);
		return 1;
	}
	for (unsigned int j = 0; j < b; j++) {
		if (is_ref) {
			memcpy(q->ref_ct[j], q->buf[j], q->msgs[j].len);
			memcpy(q->ref_tag[j], q->tag[j], VH_AEAD_TAG_LEN);
		} else if (memcmp(q->ref_ct[j], q->buf[j], q->msgs[j].len) != 0 ||
			   memcmp(q->ref_tag[j], q->tag[j], VH_AEAD_TAG_LEN) != 0) {
			printf("equality: %s differs on op %u (len %u aad %u)\n", vh_aead_name(e),
				j, q->msgs[j].len, q->msgs[j].aad_len);
			fail++;
		}
	}
	return fail;
}

/* Engine e opens the reference ciphertexts and must get the plaintexts. */
static unsigned int
eq_open(struct eq_state *q, struct vh_aead *e, unsigned int b)
{
	unsigned int fail = 0;

	for (unsigned int j = 0; j < b; j++) {
		memcpy(q->tag[j], q->ref_tag[j], VH_AEAD_TAG_LEN);
		set_op(&q->ops[j], &q->msgs[j], q->ref_ct[j], q->buf[j], q->tag[j]);
	}
	if (vh_aead_decrypt_burst(e, q->ops, b) != b)
		fail++;
	for (unsigned int j = 0; j < b; j++)
		if (q->ops[j].status != 0 || memcmp(q->buf[j], q->msgs[j].pt, q->msgs[j].len))
			fail++;
	if (fail != 0)
		printf("equality: %s failed to open %u of %u ops\n", vh_aead_name(e), fail, b);
	return fail;
}

unsigned int
check_equal(struct vh_aead **engines, unsigned int n, uint64_t seed, unsigned int rounds)
{
	struct eq_state *q = calloc(1, sizeof(*q));
	uint8_t keys[4][VH_AEAD_KEY_LEN];
	uint32_t max_aad = UINT32_MAX;
	unsigned int fail = 0;
	uint64_t s = seed;

	if (q == NULL)
		return 1;
	for (unsigned int i = 0; i < n; i++)
		max_aad = vh_aead_max_aad(engines[i]) < max_aad ? vh_aead_max_aad(engines[i])
								: max_aad;
	rnd_fill(&s, &keys[0][0], sizeof(keys));
	for (unsigned int r = 0; r < rounds && fail == 0; r++) {
		unsigned int b = 1 + (unsigned int)(rnd(&s) % MAX_BURST);

		for (unsigned int j = 0; j < b; j++)
			random_msg(&s, &q->msgs[j], keys, max_aad);
		for (unsigned int i = 0; i < n; i++)
			fail += eq_seal(q, engines[i], b, i == 0);
		/* Each engine opens the reference's output. */
		for (unsigned int i = 0; i < n; i++)
			fail += eq_open(q, engines[i], b);
	}
	if (fail != 0)
		printf("equality: seed %llu failed\n", (unsigned long long)seed);
	free(q);
	return fail;
}

enum tamper { T_NONE, T_TAG, T_CT, T_AAD, T_NONCE, T_AAD_LEN, T_COUNT };

static const char *const tamper_names[] = {
	"none", "tag", "ciphertext", "aad", "nonce", "aad-length"};

/* One burst mixing every kind of tampering with untouched ops. */
unsigned int
check_tamper(struct vh_aead *e, uint64_t seed)
{
	enum { N = 4 * T_COUNT };
	uint8_t key[VH_AEAD_KEY_LEN], aad[N][16], pt[N][100], ct[N][100], tag[N][16];
	struct vh_aead_op ops[N];
	unsigned int fail = 0, want_ok = 0;
	uint64_t s = seed;

	rnd_fill(&s, key, sizeof(key));
	for (unsigned int j = 0; j < N; j++) {
		rnd_fill(&s, aad[j], sizeof(aad[j]));
		rnd_fill(&s, pt[j], sizeof(pt[j]));
		ops[j] = (struct vh_aead_op){.key = key,
			.aad = aad[j],
			.aad_len = 16,
			.src = pt[j],
			.dst = ct[j],
			.len = 1 + j * 3,
			.tag = tag[j]};
		vh_aead_nonce(ops[j].nonce, j);
	}
	if (vh_aead_encrypt_burst(e, ops, N) != N)
		return 1;
	for (unsigned int j = 0; j < N; j++) {
		uint64_t r = rnd(&s);

		switch ((enum tamper)(j % T_COUNT)) {
		case T_NONE:
			want_ok++;
			break;
		case T_TAG:
			tag[j][r % 16] ^= (uint8_t)(1u << (r >> 8) % 8);
			break;
		case T_CT:
			ct[j][r % ops[j].len] ^= (uint8_t)(1u << (r >> 8) % 8);
			break;
		case T_AAD:
			aad[j][r % 16] ^= (uint8_t)(1u << (r >> 8) % 8);
			break;
		case T_NONCE:
			ops[j].nonce[4] ^= 1; /* the next counter */
			break;
		case T_AAD_LEN:
			ops[j].aad_len = 15;
			break;
		default:
			break;
		}
		ops[j].src = ct[j];
		ops[j].dst = ct[j]; /* in place: a rejected op must wipe it */
	}
	if (vh_aead_decrypt_burst(e, ops, N) != want_ok)
		fail++;
	for (unsigned int j = 0; j < N; j++) {
		bool clean = j % T_COUNT == T_NONE;
		bool ok = clean ? ops[j].status == 0 && memcmp(ct[j], pt[j], ops[j].len) == 0
				: ops[j].status == -EBADMSG && all_zero(ct[j], ops[j].len);

		if (!ok) {
			printf("tamper: %s, %s op %u: status %d\n", vh_aead_name(e),
				tamper_names[j % T_COUNT], j, ops[j].status);
			fail++;
		}
	}
	return fail;
}

unsigned int
check_invalid(struct vh_aead *e)
{
	uint8_t key[VH_AEAD_KEY_LEN] = {1}, buf[64] = {0}, tag[VH_AEAD_TAG_LEN];
	struct vh_aead_op good = {.key = key, .src = buf, .dst = buf, .len = 32, .tag = tag};
	struct vh_aead_op ops[7];
	unsigned int fail = 0;

	for (unsigned int j = 0; j < 7; j++)
		ops[j] = good;
	ops[1].key = NULL;
	ops[2].tag = NULL;
	ops[3].src = NULL;
	ops[4].aad_len = 4;    /* aad NULL */
	ops[5].dst = buf + 1;  /* shifted overlap */
	ops[6].tag = buf + 16; /* tag inside dst */
	if (vh_aead_encrypt_burst(e, ops, 7) != 1)
		fail++;
	for (unsigned int j = 0; j < 7; j++)
		if (ops[j].status != (j == 0 ? 0 : -EINVAL)) {
			printf("invalid: %s op %u status %d\n", vh_aead_name(e), j, ops[j].status);
			fail++;
		}
	/* Zero length with NULL buffers is a tag over aad alone. */
	ops[0] = (struct vh_aead_op){.key = key, .tag = tag};
	if (vh_aead_encrypt_burst(e, ops, 1) != 1 || vh_aead_decrypt_burst(e, ops, 1) != 1)
		fail++;
	if (vh_aead_encrypt_burst(e, NULL, 0) != 0 || vh_aead_encrypt_burst(NULL, ops, 1) != 0)
		fail++;
	return fail;
}
