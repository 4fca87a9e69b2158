/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Handshake DoS defence after WireGuard's cookie.c: MAC1 proves the sender
 * knows the receiver's static key (or, "open", only that it speaks Veil);
 * under load the receiver also wants MAC2, keyed by a cookie it hands out
 * in a COOKIE_REPLY, which proves the sender can receive at its source
 * address. The cookie is a MAC of the source endpoint under a secret that
 * rotates every two minutes, so the receiver keeps no per-source state.
 * BLAKE2b (crypto_generichash) stands in for WireGuard's BLAKE2s.
 */
#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "link_priv.h"
#include "vh_veil.h"

static const uint8_t zero_key[VH_NOISE_KEY_LEN];

/* out = BLAKE2b-256(label || material) */
static void
derive(uint8_t out[32], const char *label, const uint8_t *material)
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, 32);
	crypto_generichash_update(&st, (const uint8_t *)label, strlen(label));
	crypto_generichash_update(&st, material, VH_NOISE_KEY_LEN);
	crypto_generichash_final(&st, out, 32);
	sodium_memzero(&st, sizeof(st));
}

/* out = BLAKE2b-128(key; type || data), the frame type against type confusion */
static void
mac(uint8_t out[VH_VEIL_MAC_LEN], const uint8_t *key, size_t keylen, uint8_t type,
	const uint8_t *data, size_t len)
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, key, keylen, VH_VEIL_MAC_LEN);
	crypto_generichash_update(&st, &type, 1);
	crypto_generichash_update(&st, data, len);
	crypto_generichash_final(&st, out, VH_VEIL_MAC_LEN);
	sodium_memzero(&st, sizeof(st));
}

/* The cookie for an endpoint: MAC(secret, family | port (BE) | addr). */
static void
cookie_of(const struct vh_veil_cookie_checker *c, const struct vh_veil_endpoint *ep,
	uint8_t out[VH_VEIL_MAC_LEN])
{
	uint8_t b[19];

	b[0] = ep->family;
	b[1] = (uint8_t)(ep->port >> 8);
	b[2] = (uint8_t)ep->port;
	memcpy(b + 3, ep->addr, 16);
	crypto_generichash(out, VH_VEIL_MAC_LEN, b, sizeof(b), c->secret, sizeof(c->secret));
}

void
maker_set_remote(struct vh_veil_cookie_maker *m, const uint8_t *remote_static)
{
	const uint8_t *material = remote_static != NULL ? remote_static : zero_key;

	derive(m->mac1_key, "veil-mac1-v1", material);
	derive(m->cookie_key, "veil-cookie-v1", material);
	m->keyed = remote_static != NULL;
	m->has_last_mac1 = false;
}

void
vh_veil_cookie_maker_init(struct vh_veil_cookie_maker *m, const uint8_t *remote_static)
{
	if (m == NULL)
		return;
	sodium_memzero(m, sizeof(*m));
	maker_set_remote(m, remote_static);
}

static bool
cookie_fresh(const struct vh_veil_cookie_maker *m, uint64_t now)
{
	return m->has_cookie && now >= m->cookie_time &&
	       now - m->cookie_time < VH_VEIL_COOKIE_ROTATE_MS - VH_VEIL_COOKIE_LATENCY_MS;
}

int
vh_veil_macs_stamp(
	struct vh_veil_cookie_maker *m, uint8_t type, uint8_t *frame, size_t len, uint64_t now)
{
	struct vh_veil_hs_frame f;
	int rc;

	if (m == NULL || frame == NULL)
		return -EINVAL;
	rc = vh_veil_hs_frame_decode(type, frame, len, &f);
	if (rc != 0)
		return rc;
	frame[2] = m->keyed ? VH_VEIL_HS_FLAG_KEYED : 0;
	mac(frame + len - VH_VEIL_MACS_LEN, m->mac1_key, sizeof(m->mac1_key), type, frame,
		len - VH_VEIL_MACS_LEN);
	memcpy(m->last_mac1, frame + len - VH_VEIL_MACS_LEN, VH_VEIL_MAC_LEN);
	m->has_last_mac1 = true;
	if (cookie_fresh(m, now))
		mac(frame + len - VH_VEIL_MAC_LEN, m->cookie, sizeof(m->cookie), type, frame,
			len - VH_VEIL_MAC_LEN);
	else
		memset(frame + len - VH_VEIL_MAC_LEN, 0, VH_VEIL_MAC_LEN);
	return 0;
}

int
vh_veil_cookie_reply_consume(
	struct vh_veil_cookie_maker *m, const uint8_t *frame, size_t len, uint64_t now)
{
	struct vh_veil_cookie_reply r;
	uint8_t cookie[VH_VEIL_MAC_LEN];
	int rc;

	if (m == NULL || frame == NULL)
		return -EINVAL;
	rc = vh_veil_cookie_reply_decode(frame, len, &r);
	if (rc != 0)
		return rc;
	if (!m->has_last_mac1)
		return -ENOENT;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(cookie, NULL, NULL, r.box,
		    VH_VEIL_MAC_LEN + VH_NOISE_TAG_LEN, m->last_mac1, VH_VEIL_MAC_LEN, r.nonce,
		    m->cookie_key) != 0)
		return -EBADMSG;
	memcpy(m->cookie, cookie, sizeof(cookie));
	sodium_memzero(cookie, sizeof(cookie));
	m->has_cookie = true;
	m->cookie_time = now;
	/* One reply per stamped frame, as WireGuard: a replayed reply is refused. */
	m->has_last_mac1 = false;
	return 0;
}

void
vh_veil_cookie_checker_init(struct vh_veil_cookie_checker *c, const uint8_t local_static[32],
	bool allow_open_init, vh_noise_rng_fn rng, void *rng_ctx)
{
	if (c == NULL || local_static == NULL)
		return;
	sodium_memzero(c, sizeof(*c));
	derive(c->mac1_key, "veil-mac1-v1", local_static);
	derive(c->cookie_key, "veil-cookie-v1", local_static);
	derive(c->open_mac1_key, "veil-mac1-v1", zero_key);
	derive(c->open_cookie_key, "veil-cookie-v1", zero_key);
	c->allow_open_init = allow_open_init;
	c->rng = rng;
	c->rng_ctx = rng_ctx;
}

static bool
secret_valid(const struct vh_veil_cookie_checker *c, uint64_t now)
{
	return c->has_secret && now >= c->secret_time &&
	       now - c->secret_time < VH_VEIL_COOKIE_ROTATE_MS;
}

/* Which MAC1 key a frame uses; NULL when its open MAC1 is not accepted. */
static const uint8_t *
mac1_key_for(const struct vh_veil_cookie_checker *c, const struct vh_veil_hs_frame *f)
{
	if (f->flags & VH_VEIL_HS_FLAG_KEYED)
		return c->mac1_key;
	if (f->type == VH_VEIL_HANDSHAKE_RESP ||
		(f->type == VH_VEIL_HANDSHAKE_INIT && c->allow_open_init))
		return c->open_mac1_key;
	return NULL;
}

int
vh_veil_macs_check(const struct vh_veil_cookie_checker *c, uint8_t type, const uint8_t *frame,
	size_t len, const struct vh_veil_endpoint *src, bool under_load, uint64_t now)
{
	struct vh_veil_hs_frame f;
	uint8_t want[VH_VEIL_MAC_LEN], cookie[VH_VEIL_MAC_LEN];
	const uint8_t *key;
	int rc;

	if (c == NULL || frame == NULL)
		return -EINVAL;
	rc = vh_veil_hs_frame_decode(type, frame, len, &f);
	if (rc != 0)
		return rc;
	key = mac1_key_for(c, &f);
	if (key == NULL)
		return -EBADMSG;
	mac(want, key, 32, type, frame, len - VH_VEIL_MACS_LEN);
	if (sodium_memcmp(want, f.mac1, VH_VEIL_MAC_LEN) != 0)
		return -EBADMSG;
	if (!under_load || type == VH_VEIL_HANDSHAKE_RESP)
		return 0;
	if (src == NULL)
		return -EINVAL;
	if (!secret_valid(c, now))
		return -EAGAIN;
	cookie_of(c, src, cookie);
	mac(want, cookie, sizeof(cookie), type, frame, len - VH_VEIL_MAC_LEN);
	sodium_memzero(cookie, sizeof(cookie));
	return sodium_memcmp(want, f.mac2, VH_VEIL_MAC_LEN) == 0 ? 0 : -EAGAIN;
}

int
vh_veil_cookie_reply_create(struct vh_veil_cookie_checker *c, uint8_t type, const uint8_t *frame,
	size_t len, const struct vh_veil_endpoint *src, uint64_t now, uint8_t *out, size_t cap)
{
	struct vh_veil_hs_frame f;
	uint8_t cookie[VH_VEIL_MAC_LEN], nonce[VH_VEIL_COOKIE_NONCE_LEN];
	uint8_t box[VH_VEIL_MAC_LEN + VH_NOISE_TAG_LEN];
	int rc;

	if (c == NULL || frame == NULL || src == NULL || out == NULL)
		return -EINVAL;
	rc = vh_veil_hs_frame_decode(type, frame, len, &f);
	if (rc != 0)
		return rc;
	if (cap < VH_VEIL_COOKIE_REPLY_LEN)
		return -ENOBUFS;
	if (!secret_valid(c, now)) {
		if (link_rng(c->rng, c->rng_ctx, c->secret, sizeof(c->secret)) != 0)
			return -EIO;
		c->secret_time = now;
		c->has_secret = true;
	}
	if (link_rng(c->rng, c->rng_ctx, nonce, sizeof(nonce)) != 0)
		return -EIO;
	cookie_of(c, src, cookie);
	crypto_aead_xchacha20poly1305_ietf_encrypt(box, NULL, cookie, sizeof(cookie), f.mac1,
		VH_VEIL_MAC_LEN, NULL, nonce,
		(f.flags & VH_VEIL_HS_FLAG_KEYED) ? c->cookie_key : c->open_cookie_key);
	sodium_memzero(cookie, sizeof(cookie));
	return vh_veil_cookie_reply_encode(f.sender, nonce, box, out, cap);
}

void
vh_veil_cookie_checker_wipe(struct vh_veil_cookie_checker *c)
{
	if (c != NULL)
		sodium_memzero(c, sizeof(*c));
}
