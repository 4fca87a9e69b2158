/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The handler tables: punted packets by kind, Bifrost frames by type,
 * overlay payloads by type. Layers register here instead of naming each
 * other; what nobody handles is counted and dropped.
 */
#include <errno.h>

#include "vh_bifrost.h"

#include "node_priv.h"

static int
set(struct node_handler *h, void *fn, void *ctx)
{
	if (fn == NULL)
		return -EINVAL;
	if (h->fn != NULL)
		return -EEXIST;
	h->fn = fn;
	h->ctx = ctx;
	return 0;
}

int
vh_node_on_punt(struct vh_node *n, enum vh_node_punt kind, vh_node_punt_fn fn, void *ctx)
{
	if (n == NULL || (unsigned int)kind >= VH_NODE_PUNT_MAX)
		return -EINVAL;
	return set(&n->punt[kind], (void *)fn, ctx);
}

int
vh_node_on_frame(struct vh_node *n, uint8_t type, vh_node_frame_fn fn, void *ctx)
{
	return n == NULL ? -EINVAL : set(&n->frame[type], (void *)fn, ctx);
}

int
vh_node_on_overlay(struct vh_node *n, uint8_t type, vh_node_overlay_fn fn, void *ctx)
{
	return n == NULL ? -EINVAL : set(&n->overlay[type], (void *)fn, ctx);
}

int
vh_node_set_overlay_sender(struct vh_node *n, vh_node_overlay_send_fn fn, void *ctx)
{
	return n == NULL ? -EINVAL : set(&n->overlay_send, (void *)fn, ctx);
}

static void
count_type(struct vh_node *n, uint8_t type)
{
	switch (type) {
	case VH_BIFROST_DATA:
		n->cnt.bifrost_data_rx++;
		break;
	case VH_BIFROST_CONTROL:
		n->cnt.bifrost_control_rx++;
		break;
	case VH_BIFROST_KEEPALIVE:
		n->cnt.bifrost_keepalive_rx++;
		break;
	case VH_BIFROST_CLOSE:
		n->cnt.bifrost_close_rx++;
		break;
	case VH_BIFROST_ECHO_REQUEST:
		n->cnt.bifrost_echo_request_rx++;
		break;
	case VH_BIFROST_ECHO_REPLY:
		n->cnt.bifrost_echo_reply_rx++;
		break;
	default:
		n->cnt.bifrost_other_rx++;
		break;
	}
}

/* Link frames (0x10-0x14) are counted by the link service itself. */
static bool
is_link_type(uint8_t type)
{
	return type >= VH_BIFROST_HANDSHAKE_INIT && type <= VH_BIFROST_HANDSHAKE_FINISH;
}

int
vh_node_frame_input(struct vh_node *n, const struct vh_node_frame *f)
{
	const struct node_handler *h = &n->frame[f->type];

	if (!is_link_type(f->type))
		count_type(n, f->type);
	if (h->fn == NULL) {
		n->cnt.bifrost_unhandled++;
		return -ENOENT;
	}
	((vh_node_frame_fn)h->fn)(h->ctx, f);
	return 0;
}

unsigned int
vh_node_datagram_input(struct vh_node *n, uint8_t *dgram, size_t len, const struct vh_net_pkt *pkt,
	unsigned int port, const uint8_t *peer)
{
	struct vh_node_frame nf = {.pkt = pkt, .port = port, .peer = peer};
	struct vh_bifrost_frame f;
	unsigned int k = 0;
	size_t pos = 0;

	/* the sender validated the datagram; the iterator re-checks every bound */
	while (vh_bifrost_next(dgram, len, &pos, &f) == 1) {
		nf.type = f.type;
		nf.payload = (uint8_t *)(uintptr_t)f.payload;
		nf.len = f.length;
		vh_node_frame_input(n, &nf);
		k++;
	}
	return k;
}

int
vh_node_overlay_input(struct vh_node *n, uint8_t type, const uint8_t *src, uint8_t *p, size_t len)
{
	const struct node_handler *h = &n->overlay[type];

	if (h->fn == NULL) {
		n->cnt.overlay_unhandled++;
		return -ENOENT;
	}
	((vh_node_overlay_fn)h->fn)(h->ctx, src, p, len);
	return 0;
}

int
vh_node_overlay_send(
	struct vh_node *n, const uint8_t *dst, uint8_t type, const uint8_t *p, size_t len)
{
	const struct node_handler *h = &n->overlay_send;

	if (h->fn == NULL)
		return -ENETUNREACH;
	return ((vh_node_overlay_send_fn)h->fn)(h->ctx, dst, type, p, len);
}

static bool
take(struct vh_node *n, enum vh_node_punt kind, struct rte_mbuf *m)
{
	const struct node_handler *h = &n->punt[kind];

	if (h->fn == NULL)
		return false;
	((vh_node_punt_fn)h->fn)(h->ctx, m);
	return true;
}

static void
bifrost_input(struct vh_node *n, struct rte_mbuf *m)
{
	const struct vh_dp_meta *meta = vh_dp_meta(m);
	uint8_t *dgram = rte_pktmbuf_mtod_offset(m, uint8_t *, meta->pkt.payload_off);

	vh_node_datagram_input(n, dgram, meta->pkt.payload_len, &meta->pkt, meta->port_idx, NULL);
	rte_pktmbuf_free(m);
}

void
node_punt_input(struct vh_node *n, struct rte_mbuf *m)
{
	const struct vh_dp_meta *meta = vh_dp_meta(m);

	if (meta->opened) {
		if (!take(n, VH_NODE_PUNT_OPENED, m))
			goto unhandled;
		return;
	}
	take(n, VH_NODE_PUNT_SEEN, m);
	if (meta->pkt.kind == VH_NET_OVERLAY) {
		bifrost_input(n, m);
		return;
	}
	if (take(n, VH_NODE_PUNT_HOST, m))
		return;
unhandled:
	n->cnt.punt_unhandled++;
	rte_pktmbuf_free(m);
}
