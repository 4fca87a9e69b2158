/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-hop routing commands, encoded as Katzenpost's
 * core/sphinx/commands/commands.go does: a one-byte tag, then a fixed-size
 * body; a 0x00 tag followed by zero padding ends the block.
 */
#include <errno.h>
#include <string.h>

#include "vh_sphinx.h"

size_t
vh_sphinx_cmd_len(enum vh_sphinx_cmd_type type)
{
	switch (type) {
	case VH_SPHINX_CMD_NEXT_NODE_HOP:
		return VH_SPHINX_CMD_NEXT_NODE_HOP_LEN;
	case VH_SPHINX_CMD_RECIPIENT:
		return VH_SPHINX_CMD_RECIPIENT_LEN;
	case VH_SPHINX_CMD_SURB_REPLY:
		return VH_SPHINX_CMD_SURB_REPLY_LEN;
	case VH_SPHINX_CMD_NODE_DELAY:
		return VH_SPHINX_CMD_NODE_DELAY_LEN;
	case VH_SPHINX_CMD_NULL:
	default:
		return 0;
	}
}

int
vh_sphinx_cmd_encode(const struct vh_sphinx_cmd *cmd, uint8_t *out, size_t out_len)
{
	size_t len;

	if (cmd == NULL || out == NULL)
		return -EINVAL;
	len = vh_sphinx_cmd_len(cmd->type);
	if (len == 0)
		return -EINVAL;
	if (out_len < len)
		return -ENOSPC;

	out[0] = (uint8_t)cmd->type;
	switch (cmd->type) {
	case VH_SPHINX_CMD_NEXT_NODE_HOP:
		memcpy(out + 1, cmd->u.next_hop.id, VH_SPHINX_NODE_ID_LEN);
		memcpy(out + 1 + VH_SPHINX_NODE_ID_LEN, cmd->u.next_hop.mac, VH_SPHINX_MAC_LEN);
		break;
	case VH_SPHINX_CMD_RECIPIENT:
		memcpy(out + 1, cmd->u.recipient, VH_SPHINX_RECIPIENT_ID_LEN);
		break;
	case VH_SPHINX_CMD_SURB_REPLY:
		memcpy(out + 1, cmd->u.surb_id, VH_SPHINX_SURB_ID_LEN);
		break;
	default: /* NODE_DELAY, the only one left with a non-zero length */
		out[1] = (uint8_t)(cmd->u.delay >> 24);
		out[2] = (uint8_t)(cmd->u.delay >> 16);
		out[3] = (uint8_t)(cmd->u.delay >> 8);
		out[4] = (uint8_t)cmd->u.delay;
		break;
	}
	return (int)len;
}

static bool
all_zero(const uint8_t *p, size_t len)
{
	uint8_t acc = 0;

	for (size_t i = 0; i < len; i++)
		acc |= p[i];
	return acc == 0;
}

static void
decode_body(const uint8_t *body, struct vh_sphinx_cmd *cmd)
{
	switch (cmd->type) {
	case VH_SPHINX_CMD_NEXT_NODE_HOP:
		memcpy(cmd->u.next_hop.id, body, VH_SPHINX_NODE_ID_LEN);
		memcpy(cmd->u.next_hop.mac, body + VH_SPHINX_NODE_ID_LEN, VH_SPHINX_MAC_LEN);
		break;
	case VH_SPHINX_CMD_RECIPIENT:
		memcpy(cmd->u.recipient, body, VH_SPHINX_RECIPIENT_ID_LEN);
		break;
	case VH_SPHINX_CMD_SURB_REPLY:
		memcpy(cmd->u.surb_id, body, VH_SPHINX_SURB_ID_LEN);
		break;
	default:
		cmd->u.delay = (uint32_t)body[0] << 24 | (uint32_t)body[1] << 16 |
			       (uint32_t)body[2] << 8 | body[3];
		break;
	}
}

int
vh_sphinx_cmd_decode(const uint8_t *buf, size_t len, struct vh_sphinx_cmd *cmd, size_t *consumed)
{
	size_t clen;

	if (cmd == NULL || consumed == NULL || (buf == NULL && len != 0))
		return -EINVAL;
	memset(cmd, 0, sizeof(*cmd));
	*consumed = 0;
	if (len == 0)
		return 0;
	if (buf[0] == VH_SPHINX_CMD_NULL) {
		/* The rest of the block must be padding, so nothing hides there. */
		if (!all_zero(buf + 1, len - 1))
			return -EBADMSG;
		*consumed = len;
		return 0;
	}
	clen = vh_sphinx_cmd_len((enum vh_sphinx_cmd_type)buf[0]);
	if (clen == 0 || len < clen)
		return -EBADMSG;
	cmd->type = (enum vh_sphinx_cmd_type)buf[0];
	decode_body(buf + 1, cmd);
	*consumed = clen;
	return 1;
}

int
vh_sphinx_cmd_decode_block(const uint8_t *buf, size_t len, struct vh_sphinx_unwrap_result *res)
{
	size_t off = 0, used;
	int rc;

	if (res == NULL || (buf == NULL && len != 0))
		return -EINVAL;
	res->nr_cmds = 0;
	res->next_hop = -1;
	res->surb_reply = -1;
	if (len == 0)
		return 0;
	for (;;) {
		struct vh_sphinx_cmd cmd;

		rc = vh_sphinx_cmd_decode(buf + off, len - off, &cmd, &used);
		if (rc < 0)
			return rc;
		if (rc == 0)
			return 0;
		if (res->nr_cmds == VH_SPHINX_MAX_CMDS)
			return -E2BIG;
		if (cmd.type == VH_SPHINX_CMD_NEXT_NODE_HOP) {
			if (res->next_hop >= 0)
				return -EBADMSG;
			res->next_hop = (int)res->nr_cmds;
		} else if (cmd.type == VH_SPHINX_CMD_SURB_REPLY) {
			if (res->surb_reply >= 0)
				return -EBADMSG;
			res->surb_reply = (int)res->nr_cmds;
		}
		res->cmds[res->nr_cmds++] = cmd;
		off += used;
	}
}
