/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sphinx packets (Danezis and Goldberg, "Sphinx: A Compact and Provably
 * Secure Mix Format", 2009) as Katzenpost parameterises them
 * (core/sphinx/sphinx.go, NIKE variant): header creation, forward packets
 * and the per-hop unwrap.
 *
 * Header: AD (2) || alpha (32) || routing info (nr_hops * 82) || MAC (32).
 * Hop i derives s_i = X25519(x, pk_i) blinded by b_0..b_{i-1}, and
 * keys_i = KDF(s_i); alpha_{i+1} = X25519(b_i, alpha_i).
 */
#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "mix_internal.h"

static const uint8_t v0_ad[VH_SPHINX_AD_LEN] = {0x00, 0x00};

int
sphinx_check_geometry(const struct vh_sphinx_geometry *geo)
{
	size_t ph = VH_SPHINX_CMD_NEXT_NODE_HOP_LEN + VH_SPHINX_CMD_SURB_REPLY_LEN;

	/* Callers may build the struct by hand, so every derived length is re-checked. */
	if (geo == NULL || geo->nr_hops == 0 || geo->nr_hops > VH_SPHINX_MAX_HOPS ||
		geo->per_hop_routing_info_len != ph || geo->routing_info_len != ph * geo->nr_hops ||
		geo->header_len != VH_SPHINX_AD_LEN + VH_SPHINX_KEY_LEN + geo->routing_info_len +
					   VH_SPHINX_MAC_LEN ||
		geo->payload_tag_len != VH_SPHINX_PAYLOAD_TAG_LEN ||
		geo->forward_payload_len == 0 || geo->forward_payload_len > (64u << 20) ||
		geo->surb_len != geo->header_len + VH_SPHINX_NODE_ID_LEN + VH_SPHINX_SURB_KEY_LEN ||
		geo->packet_len !=
			geo->header_len + geo->payload_tag_len + geo->forward_payload_len)
		return -EINVAL;
	return vh_mix_cpu_supported(NULL);
}

/* Shared secrets, keys and group elements for every hop of the path. */
static int
derive_hop_keys(const struct vh_sphinx_hop *path, size_t n, const uint8_t x[VH_SPHINX_KEY_LEN],
	struct sphinx_keys *keys, uint8_t alpha[][VH_SPHINX_KEY_LEN])
{
	uint8_t s[VH_SPHINX_KEY_LEN];
	int rc = 0;

	if (sphinx_x25519_base(alpha[0], x) < 0)
		return -EINVAL;
	for (size_t i = 0; i < n && rc == 0; i++) {
		rc = sphinx_x25519(s, x, path[i].public_key);
		for (size_t j = 0; j < i && rc == 0; j++)
			rc = sphinx_x25519(s, keys[j].blinding, s);
		if (rc == 0)
			sphinx_kdf(s, &keys[i]);
		if (rc == 0 && i > 0)
			rc = sphinx_x25519(alpha[i], keys[i - 1].blinding, alpha[i - 1]);
	}
	sodium_memzero(s, sizeof(s));
	return rc;
}

/*
 * The filler: pad[i] ((i + 1) * per-hop bytes) is what the routing info of
 * hop i+1 ends with after hop i shifted it, so the MACs can cover it.
 */
static void
compute_padding(const struct vh_sphinx_geometry *geo, const struct sphinx_keys *keys, size_t n,
	uint8_t pad[][SPHINX_MAX_RI])
{
	size_t ph = geo->per_hop_routing_info_len, total = geo->routing_info_len + ph;
	uint8_t ks[SPHINX_MAX_RI];

	for (size_t i = 0; i < n; i++) {
		size_t ks_len = total - (i + 1) * ph;

		memset(ks, 0, total);
		sphinx_stream_xor(keys[i].header_enc, keys[i].header_iv, ks, total);
		memcpy(pad[i], ks + ks_len, (i + 1) * ph);
		for (size_t k = 0; i > 0 && k < i * ph; k++)
			pad[i][k] ^= pad[i - 1][k];
	}
	sodium_memzero(ks, sizeof(ks));
}

/* Serialise hop's commands plus, unless terminal, the NextNodeHop. */
static int
encode_block(const struct vh_sphinx_geometry *geo, const struct vh_sphinx_hop *hop,
	const uint8_t *next_id, const uint8_t *next_mac, uint8_t *out)
{
	size_t ph = geo->per_hop_routing_info_len, off = 0;
	struct vh_sphinx_cmd nh;
	int n;

	memset(out, 0, ph);
	if (hop->nr_cmds > 0 && hop->cmds == NULL)
		return -EINVAL;
	for (size_t c = 0; c < hop->nr_cmds; c++) {
		/* The header adds NextNodeHop itself; one from the caller is a bug. */
		if (hop->cmds[c].type == VH_SPHINX_CMD_NEXT_NODE_HOP)
			return -EINVAL;
		n = vh_sphinx_cmd_encode(&hop->cmds[c], out + off, ph - off);
		if (n < 0)
			return n == -ENOSPC ? -EINVAL : n;
		off += (size_t)n;
	}
	if (next_id == NULL)
		return 0;
	if (ph - off < geo->next_node_hop_len)
		return -EINVAL;
	nh.type = VH_SPHINX_CMD_NEXT_NODE_HOP;
	memcpy(nh.u.next_hop.id, next_id, VH_SPHINX_NODE_ID_LEN);
	memcpy(nh.u.next_hop.mac, next_mac, VH_SPHINX_MAC_LEN);
	n = vh_sphinx_cmd_encode(&nh, out + off, ph - off);
	return n < 0 ? n : 0;
}

/* HMAC-SHA256(key, AD || alpha || routing info || filler). */
static void
header_mac(const uint8_t *key, const uint8_t *alpha, const uint8_t *ri, size_t ri_len,
	const uint8_t *filler, size_t filler_len, uint8_t mac[VH_SPHINX_MAC_LEN])
{
	crypto_auth_hmacsha256_state st;

	crypto_auth_hmacsha256_init(&st, key, SPHINX_MAC_KEY_LEN);
	crypto_auth_hmacsha256_update(&st, v0_ad, sizeof(v0_ad));
	crypto_auth_hmacsha256_update(&st, alpha, VH_SPHINX_KEY_LEN);
	crypto_auth_hmacsha256_update(&st, ri, ri_len);
	if (filler_len > 0)
		crypto_auth_hmacsha256_update(&st, filler, filler_len);
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_memzero(&st, sizeof(st));
}

/*
 * Build the routing information from the last hop back to the first,
 * encrypting and MACing each layer; ri is the full routing info buffer.
 */
static int
build_routing_info(const struct vh_sphinx_geometry *geo, const struct vh_sphinx_hop *path, size_t n,
	const struct sphinx_keys *keys, uint8_t alpha[][VH_SPHINX_KEY_LEN],
	uint8_t pad[][SPHINX_MAX_RI], uint8_t *ri, uint8_t mac[VH_SPHINX_MAC_LEN])
{
	size_t ph = geo->per_hop_routing_info_len, ri_len = geo->routing_info_len;
	uint8_t *layer;
	int rc;

	for (size_t k = n; k-- > 0;) {
		layer = ri + k * ph;
		rc = encode_block(geo, &path[k], k + 1 < n ? path[k + 1].id : NULL, mac, layer);
		if (rc < 0)
			return rc;
		sphinx_stream_xor(keys[k].header_enc, keys[k].header_iv, layer, ri_len - k * ph);
		/* Hop k's MAC also covers the filler it will append (none at hop 0). */
		header_mac(keys[k].header_mac, alpha[k], layer, ri_len - k * ph,
			k > 0 ? pad[k - 1] : NULL, k * ph, mac);
	}
	return 0;
}

int
sphinx_create_header(const struct vh_sphinx_geometry *geo, const struct vh_sphinx_hop *path,
	size_t n, vh_sphinx_rng_fn rng, void *rng_ctx, uint8_t *hdr, struct sphinx_sprp_key *sprp)
{
	struct sphinx_keys keys[VH_SPHINX_MAX_HOPS];
	uint8_t alpha[VH_SPHINX_MAX_HOPS][VH_SPHINX_KEY_LEN];
	uint8_t pad[VH_SPHINX_MAX_HOPS][SPHINX_MAX_RI];
	uint8_t x[VH_SPHINX_KEY_LEN], mac[VH_SPHINX_MAC_LEN] = {0};
	uint8_t *ri = hdr + VH_SPHINX_AD_LEN + VH_SPHINX_KEY_LEN;
	size_t ph = geo->per_hop_routing_info_len;
	int rc;

	if (path == NULL || n == 0 || n > geo->nr_hops || rng == NULL)
		return -EINVAL;
	rc = rng(rng_ctx, x, sizeof(x));
	if (rc == 0)
		rc = derive_hop_keys(path, n, x, keys, alpha);
	/* Unused hops at the end are random, as in Katzenpost. */
	if (rc == 0 && n < geo->nr_hops)
		rc = rng(rng_ctx, ri + n * ph, (geo->nr_hops - n) * ph);
	if (rc == 0) {
		compute_padding(geo, keys, n, pad);
		rc = build_routing_info(geo, path, n, keys, alpha, pad, ri, mac);
	}
	if (rc == 0) {
		memcpy(hdr, v0_ad, sizeof(v0_ad));
		memcpy(hdr + VH_SPHINX_AD_LEN, alpha[0], VH_SPHINX_KEY_LEN);
		memcpy(hdr + geo->header_len - VH_SPHINX_MAC_LEN, mac, VH_SPHINX_MAC_LEN);
		/* The header IV doubles as the SPRP nonce: other key, other primitive. */
		for (size_t i = 0; i < n; i++) {
			memcpy(sprp[i].key, keys[i].payload_key, VH_SPHINX_SPRP_KEY_LEN);
			memcpy(sprp[i].iv, keys[i].header_iv, VH_SPHINX_SPRP_IV_LEN);
		}
	}
	sodium_memzero(x, sizeof(x));
	sodium_memzero(keys, sizeof(keys));
	sodium_memzero(pad, sizeof(pad));
	return rc;
}

int
vh_sphinx_new_packet(const struct vh_sphinx_geometry *geo, const struct vh_sphinx_hop *path,
	size_t nr_hops, const uint8_t *payload, size_t payload_len, vh_sphinx_rng_fn rng,
	void *rng_ctx, uint8_t *out, size_t out_len)
{
	struct sphinx_sprp_key sprp[VH_SPHINX_MAX_HOPS];
	uint8_t *body;
	size_t body_len;
	int rc;

	rc = sphinx_check_geometry(geo);
	if (rc < 0)
		return rc;
	if (payload == NULL || payload_len != geo->forward_payload_len || out == NULL)
		return -EINVAL;
	if (out_len < geo->packet_len)
		return -ENOSPC;
	rc = sphinx_create_header(geo, path, nr_hops, rng, rng_ctx, out, sprp);
	if (rc < 0)
		return rc;
	body = out + geo->header_len;
	body_len = geo->payload_tag_len + payload_len;
	memset(body, 0, geo->payload_tag_len);
	memcpy(body + geo->payload_tag_len, payload, payload_len);
	for (size_t i = nr_hops; i-- > 0;)
		sphinx_sprp_encrypt(sprp[i].key, sprp[i].iv, body, body_len);
	sodium_memzero(sprp, sizeof(sprp));
	return 0;
}

static bool
is_zero_ct(const uint8_t *p, size_t len)
{
	return sodium_is_zero(p, len) == 1;
}

/* Rewrite pkt in place as the next hop's packet. */
static int
forward(const struct vh_sphinx_geometry *geo, const struct sphinx_keys *k, const uint8_t *ri_next,
	const struct vh_sphinx_cmd *nh, uint8_t *pkt)
{
	uint8_t *alpha = pkt + VH_SPHINX_AD_LEN;

	if (sphinx_x25519(alpha, k->blinding, alpha) < 0)
		return -EBADMSG;
	memcpy(alpha + VH_SPHINX_KEY_LEN, ri_next, geo->routing_info_len);
	memcpy(pkt + geo->header_len - VH_SPHINX_MAC_LEN, nh->u.next_hop.mac, VH_SPHINX_MAC_LEN);
	return 0;
}

/* Authenticate the header and decrypt this hop's routing commands into res. */
static int
open_header(const struct vh_sphinx_geometry *geo, const struct sphinx_keys *k, const uint8_t *pkt,
	uint8_t *ri, struct vh_sphinx_unwrap_result *res)
{
	size_t mac_off = geo->header_len - VH_SPHINX_MAC_LEN, ph = geo->per_hop_routing_info_len;
	uint8_t mac[VH_SPHINX_MAC_LEN];
	int rc;

	sphinx_mac(k->header_mac, pkt, mac_off, NULL, 0, NULL, 0, mac);
	rc = sodium_memcmp(mac, pkt + mac_off, VH_SPHINX_MAC_LEN);
	sodium_memzero(mac, sizeof(mac));
	if (rc != 0)
		return -EBADMSG;
	/* Shift in per-hop bytes of keystream so the length never changes. */
	memcpy(ri, pkt + VH_SPHINX_AD_LEN + VH_SPHINX_KEY_LEN, geo->routing_info_len);
	memset(ri + geo->routing_info_len, 0, ph);
	sphinx_stream_xor(k->header_enc, k->header_iv, ri, geo->routing_info_len + ph);
	rc = vh_sphinx_cmd_decode_block(ri, ph, res);
	return rc < 0 ? -EBADMSG : 0;
}

static int
unwrap_checked(const struct vh_sphinx_geometry *geo, const uint8_t *priv, uint8_t *pkt,
	struct vh_sphinx_unwrap_result *res, struct sphinx_keys *k, uint8_t *ri)
{
	uint8_t s[VH_SPHINX_KEY_LEN], *body = pkt + geo->header_len;
	size_t body_len = geo->payload_tag_len + geo->forward_payload_len;
	int rc;

	sphinx_hash(pkt + VH_SPHINX_AD_LEN, VH_SPHINX_KEY_LEN, res->replay_tag);
	res->replay_tag_valid = true;
	rc = sphinx_x25519(s, priv, pkt + VH_SPHINX_AD_LEN);
	if (rc < 0)
		return -EBADMSG;
	sphinx_kdf(s, k);
	sodium_memzero(s, sizeof(s));
	rc = open_header(geo, k, pkt, ri, res);
	if (rc < 0)
		return rc;
	sphinx_sprp_decrypt(k->payload_key, k->header_iv, body, body_len);
	if (res->next_hop >= 0)
		return forward(
			geo, k, ri + geo->per_hop_routing_info_len, &res->cmds[res->next_hop], pkt);
	if (res->surb_reply >= 0) {
		/* Only the SURB's creator can check a reply's tag. */
		res->payload = body;
		res->payload_len = body_len;
		return 0;
	}
	if (!is_zero_ct(body, geo->payload_tag_len))
		return -EBADMSG;
	res->payload = body + geo->payload_tag_len;
	res->payload_len = geo->forward_payload_len;
	return 0;
}

int
vh_sphinx_replay_tag(const struct vh_sphinx_geometry *geo, const uint8_t *pkt, size_t pkt_len,
	uint8_t tag[VH_SPHINX_REPLAY_TAG_LEN])
{
	int rc = sphinx_check_geometry(geo);

	if (rc < 0)
		return rc;
	if (pkt == NULL || tag == NULL || pkt_len != geo->packet_len)
		return -EINVAL;
	if (memcmp(pkt, v0_ad, sizeof(v0_ad)) != 0)
		return -EPROTO;
	/* the same hash unwrap computes, of the group element alone: no DH needed */
	sphinx_hash(pkt + VH_SPHINX_AD_LEN, VH_SPHINX_KEY_LEN, tag);
	return 0;
}

int
vh_sphinx_unwrap(const struct vh_sphinx_geometry *geo, const uint8_t *private_key, uint8_t *pkt,
	size_t pkt_len, struct vh_sphinx_unwrap_result *res)
{
	struct sphinx_keys k;
	uint8_t ri[SPHINX_MAX_RI];
	int rc;

	if (res == NULL)
		return -EINVAL;
	memset(res, 0, sizeof(*res));
	res->next_hop = -1;
	res->surb_reply = -1;
	rc = sphinx_check_geometry(geo);
	if (rc < 0)
		return rc;
	if (private_key == NULL || pkt == NULL || pkt_len != geo->packet_len)
		return -EINVAL;
	if (memcmp(pkt, v0_ad, sizeof(v0_ad)) != 0)
		return -EPROTO;
	rc = unwrap_checked(geo, private_key, pkt, res, &k, ri);
	sodium_memzero(&k, sizeof(k));
	sodium_memzero(ri, sizeof(ri));
	if (rc < 0) {
		/* Keep only the replay tag: nothing else of a bad packet is usable. */
		memset(res->cmds, 0, sizeof(res->cmds));
		res->nr_cmds = 0;
		res->next_hop = -1;
		res->surb_reply = -1;
		res->payload = NULL;
		res->payload_len = 0;
	}
	return rc;
}
