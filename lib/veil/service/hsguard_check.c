/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The node's side of the handshake defence: hsguard_judge() (hsguard.c)
 * decides, this counts each verdict under its own reason and sends the
 * cookie replies (docs/handshake-defence.md).
 */
#include <rte_cycles.h>

#include "vh_bifrost.h"

#include "hsguard.h"
#include "link_svc.h"

/*
 * Under load, a handshake without MAC2 gets a cookie instead of DH work,
 * sent back where the frame came from: its source address is unproven.
 */
static void
cookie_reply(struct vh_link *lk, const struct hsguard_frame *f, const struct vh_host_l2 *l2,
	uint64_t now)
{
	uint8_t buf[VH_BIFROST_HDR_LEN + VH_VEIL_COOKIE_REPLY_LEN];

	if (vh_veil_cookie_reply_create(&lk->ck, f->type, f->p, f->len, f->src, now,
		    buf + VH_BIFROST_HDR_LEN, sizeof(buf) - VH_BIFROST_HDR_LEN) != 0)
		return;
	lk->cnt.hs_cookie_sent++;
	link_reply_frame(lk, f->src, l2, VH_BIFROST_COOKIE_REPLY, buf, VH_VEIL_COOKIE_REPLY_LEN);
}

/* Count a frame the defence stopped under its reason; answer it if it gets a cookie. */
static void
count(struct vh_link *lk, enum hsguard_verdict v, const struct hsguard_frame *f,
	const struct vh_host_l2 *l2, uint64_t now)
{
	switch (v) {
	case HSGUARD_MALFORMED:
		LINK_DROP(lk, link_drop_malformed, VEIL_MALFORMED);
		break;
	case HSGUARD_MAC1:
		LINK_DROP(lk, link_drop_mac, VEIL_MAC1);
		break;
	case HSGUARD_COOKIE:
		vh_dp_count_drop(lk->dp, VH_DROP_VEIL_COOKIE_REQUIRED);
		cookie_reply(lk, f, l2, now);
		break;
	case HSGUARD_COOKIE_BUDGET:
		LINK_DROP(lk, hs_cookie_budget, VEIL_COOKIE_REQUIRED);
		break;
	case HSGUARD_RATELIMITED:
		lk->cnt.hs_ratelimited++;
		break;
	case HSGUARD_LOW_ORDER:
		LINK_DROP(lk, hs_low_order, VEIL_LOW_ORDER);
		break;
	case HSGUARD_REPLAY:
		LINK_DROP(lk, hs_replayed, VEIL_REPLAY);
		break;
	case HSGUARD_DH_BUDGET:
		lk->cnt.hs_dh_budget++;
		break;
	case HSGUARD_GO:
		break;
	}
}

int
hsguard_check(struct vh_link *lk, uint8_t type, const uint8_t *p, uint32_t len,
	const struct vh_veil_endpoint *src, const struct vh_host_l2 *l2, uint64_t now, uint8_t *e)
{
	struct hsguard_frame f = {.type = type, .p = p, .len = len, .src = src};
	struct hsguard_out out;
	enum hsguard_verdict v;

	v = hsguard_judge(lk->guard, &lk->ck, &f, vh_dp_punt_load(lk->dp), rte_rdtsc(), now, &out);
	lk->cnt.hs_mac2_ok += out.mac2_ok;
	lk->cnt.hs_sources_evicted += out.evicted;
	count(lk, v, &f, l2, now);
	if (e != NULL && type == VH_BIFROST_HANDSHAKE_INIT)
		memcpy(e, out.e, sizeof(out.e));
	return v == HSGUARD_GO ? 0 : -EBADMSG;
}
