/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Single Use Reply Blocks, as Katzenpost's core/sphinx/surb.go builds them.
 *
 * SURB = header || first hop ID || payload SPRP key || payload SPRP IV.
 * The creator keeps (nr_hops + 1) key records: the hops' SPRP keys from the
 * last hop to the first, then the payload key. The replier encrypts the
 * tagged payload once with the payload key; each hop decrypts it once; the
 * creator re-encrypts with every hop key (undoing those decryptions) and
 * finally decrypts with the payload key and checks the zero tag.
 */
#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "mix_internal.h"

int
vh_sphinx_new_surb(const struct vh_sphinx_geometry *geo, const struct vh_sphinx_hop *path,
	size_t nr_hops, vh_sphinx_rng_fn rng, void *rng_ctx, uint8_t *surb, size_t surb_len,
	uint8_t *keys, size_t keys_len)
{
	struct sphinx_sprp_key sprp[VH_SPHINX_MAX_HOPS];
	uint8_t payload_key[VH_SPHINX_SURB_KEY_LEN];
	uint8_t *p;
	int rc;

	rc = sphinx_check_geometry(geo);
	if (rc < 0)
		return rc;
	if (surb == NULL || keys == NULL || path == NULL || rng == NULL || nr_hops == 0 ||
		nr_hops > geo->nr_hops)
		return -EINVAL;
	if (surb_len < geo->surb_len || keys_len != (nr_hops + 1) * VH_SPHINX_SURB_KEY_LEN)
		return -ENOSPC;
	/* Same order as Katzenpost: the payload key first, then the header. */
	rc = rng(rng_ctx, payload_key, sizeof(payload_key));
	if (rc == 0)
		rc = sphinx_create_header(geo, path, nr_hops, rng, rng_ctx, surb, sprp);
	if (rc == 0) {
		p = keys;
		for (size_t i = nr_hops; i-- > 0; p += VH_SPHINX_SURB_KEY_LEN) {
			memcpy(p, sprp[i].key, VH_SPHINX_SPRP_KEY_LEN);
			memcpy(p + VH_SPHINX_SPRP_KEY_LEN, sprp[i].iv, VH_SPHINX_SPRP_IV_LEN);
		}
		memcpy(p, payload_key, sizeof(payload_key));
		p = surb + geo->header_len;
		memcpy(p, path[0].id, VH_SPHINX_NODE_ID_LEN);
		memcpy(p + VH_SPHINX_NODE_ID_LEN, payload_key, sizeof(payload_key));
	}
	sodium_memzero(payload_key, sizeof(payload_key));
	sodium_memzero(sprp, sizeof(sprp));
	return rc;
}

int
vh_sphinx_new_packet_from_surb(const struct vh_sphinx_geometry *geo, const uint8_t *surb,
	size_t surb_len, const uint8_t *payload, size_t payload_len, uint8_t *out, size_t out_len,
	uint8_t first_hop[VH_SPHINX_NODE_ID_LEN])
{
	const uint8_t *id, *key, *iv;
	uint8_t *body;
	int rc;

	rc = sphinx_check_geometry(geo);
	if (rc < 0)
		return rc;
	if (surb == NULL || surb_len != geo->surb_len || payload == NULL ||
		payload_len != geo->forward_payload_len || out == NULL || first_hop == NULL)
		return -EINVAL;
	if (out_len < geo->packet_len)
		return -ENOSPC;
	id = surb + geo->header_len;
	key = id + VH_SPHINX_NODE_ID_LEN;
	iv = key + VH_SPHINX_SPRP_KEY_LEN;
	memmove(out, surb, geo->header_len);
	body = out + geo->header_len;
	memset(body, 0, geo->payload_tag_len);
	memcpy(body + geo->payload_tag_len, payload, payload_len);
	sphinx_sprp_encrypt(key, iv, body, geo->payload_tag_len + payload_len);
	memcpy(first_hop, id, VH_SPHINX_NODE_ID_LEN);
	return 0;
}

int
vh_sphinx_decrypt_surb_payload(uint8_t *payload, size_t payload_len, uint8_t *keys, size_t keys_len,
	uint8_t **plaintext, size_t *plaintext_len)
{
	size_t nr = keys_len / VH_SPHINX_SURB_KEY_LEN;
	const uint8_t *k = keys;
	int rc;

	if (payload == NULL || keys == NULL || plaintext == NULL || plaintext_len == NULL)
		return -EINVAL;
	*plaintext = NULL;
	*plaintext_len = 0;
	if (keys_len % VH_SPHINX_SURB_KEY_LEN != 0 || nr < 2 || nr > VH_SPHINX_MAX_HOPS + 1 ||
		payload_len < VH_SPHINX_PAYLOAD_TAG_LEN) {
		rc = -EINVAL;
		goto out;
	}
	rc = vh_mix_cpu_supported(NULL);
	if (rc < 0)
		goto out;
	for (size_t i = 0; i < nr; i++, k += VH_SPHINX_SURB_KEY_LEN) {
		if (i + 1 == nr)
			sphinx_sprp_decrypt(k, k + VH_SPHINX_SPRP_KEY_LEN, payload, payload_len);
		else
			sphinx_sprp_encrypt(k, k + VH_SPHINX_SPRP_KEY_LEN, payload, payload_len);
	}
	if (sodium_is_zero(payload, VH_SPHINX_PAYLOAD_TAG_LEN) != 1) {
		rc = -EBADMSG;
		goto out;
	}
	*plaintext = payload + VH_SPHINX_PAYLOAD_TAG_LEN;
	*plaintext_len = payload_len - VH_SPHINX_PAYLOAD_TAG_LEN;
out:
	sodium_memzero(keys, keys_len);
	return rc;
}
