/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Routing commands: Katzenpost's command vectors byte for byte, decoding,
 * malformed blocks, and the geometry Katzenpost derives for its vectors.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "mix_test_util.h"
#include "vh_sphinx.h"

static const char *vectors_path;

static void
check_encoding(const struct vh_sphinx_cmd *cmd, const json_t *root, const char *field)
{
	uint8_t buf[128], *want;
	size_t want_len, used;
	struct vh_sphinx_cmd back;
	int n;

	want = json_hex(root, field, &want_len);
	n = vh_sphinx_cmd_encode(cmd, buf, sizeof(buf));
	assert_int_equal(n, (int)want_len);
	assert_memory_equal(buf, want, want_len);
	assert_int_equal(vh_sphinx_cmd_decode(want, want_len, &back, &used), 1);
	assert_int_equal(used, want_len);
	assert_memory_equal(&back, cmd, sizeof(back));
	free(want);
}

static void
copy_hex(const json_t *root, const char *field, uint8_t *dst, size_t dst_len)
{
	size_t len;
	uint8_t *b = json_hex(root, field, &len);

	assert_int_equal(len, dst_len);
	memcpy(dst, b, len);
	free(b);
}

static void
test_command_vectors(void **state)
{
	json_t *root = load_json(vectors_path);
	struct vh_sphinx_cmd cmd;
	int checked = 0;

	(void)state;
	memset(&cmd, 0, sizeof(cmd));
	cmd.type = VH_SPHINX_CMD_NEXT_NODE_HOP;
	copy_hex(root, "NextHopID", cmd.u.next_hop.id, VH_SPHINX_NODE_ID_LEN);
	copy_hex(root, "NextHopMAC", cmd.u.next_hop.mac, VH_SPHINX_MAC_LEN);
	check_encoding(&cmd, root, "NextHopCmdWant");
	checked++;

	memset(&cmd, 0, sizeof(cmd));
	cmd.type = VH_SPHINX_CMD_RECIPIENT;
	copy_hex(root, "RecipientID", cmd.u.recipient, VH_SPHINX_RECIPIENT_ID_LEN);
	check_encoding(&cmd, root, "RecipientCmdWant");
	checked++;

	memset(&cmd, 0, sizeof(cmd));
	cmd.type = VH_SPHINX_CMD_SURB_REPLY;
	copy_hex(root, "SURBReplyID", cmd.u.surb_id, VH_SPHINX_SURB_ID_LEN);
	check_encoding(&cmd, root, "SURBReplyCmdWant");
	checked++;

	memset(&cmd, 0, sizeof(cmd));
	cmd.type = VH_SPHINX_CMD_NODE_DELAY;
	cmd.u.delay = (uint32_t)json_integer_value(json_object_get(root, "NodeDelay"));
	assert_int_not_equal(cmd.u.delay, 0);
	check_encoding(&cmd, root, "NodeDelayCmdWant");
	checked++;

	printf("command vectors checked: %d\n", checked);
	json_decref(root);
}

static void
test_decode_null_and_errors(void **state)
{
	struct vh_sphinx_cmd cmd;
	uint8_t buf[82];
	size_t used;

	(void)state;
	memset(buf, 0, sizeof(buf));
	assert_int_equal(vh_sphinx_cmd_decode(buf, 0, &cmd, &used), 0);
	assert_int_equal(vh_sphinx_cmd_decode(buf, 1, &cmd, &used), 0);
	assert_int_equal(vh_sphinx_cmd_decode(buf, sizeof(buf), &cmd, &used), 0);
	/* Non-zero bytes after the null command are refused. */
	buf[40] = 1;
	assert_int_equal(vh_sphinx_cmd_decode(buf, sizeof(buf), &cmd, &used), -EBADMSG);
	/* Unknown tags, and a lone non-null tag byte. */
	buf[0] = 0x04;
	assert_int_equal(vh_sphinx_cmd_decode(buf, sizeof(buf), &cmd, &used), -EBADMSG);
	buf[0] = 0x80;
	assert_int_equal(vh_sphinx_cmd_decode(buf, 1, &cmd, &used), -EBADMSG);
	/* Each command truncated by one byte. */
	buf[0] = VH_SPHINX_CMD_NEXT_NODE_HOP;
	assert_int_equal(vh_sphinx_cmd_decode(buf, 64, &cmd, &used), -EBADMSG);
	buf[0] = VH_SPHINX_CMD_RECIPIENT;
	assert_int_equal(vh_sphinx_cmd_decode(buf, 32, &cmd, &used), -EBADMSG);
	buf[0] = VH_SPHINX_CMD_SURB_REPLY;
	assert_int_equal(vh_sphinx_cmd_decode(buf, 16, &cmd, &used), -EBADMSG);
	buf[0] = VH_SPHINX_CMD_NODE_DELAY;
	buf[1] = 0x01;
	buf[3] = 0x04;
	buf[4] = 0xd2;
	assert_int_equal(vh_sphinx_cmd_decode(buf, 4, &cmd, &used), -EBADMSG);
	assert_int_equal(vh_sphinx_cmd_decode(buf, 5, &cmd, &used), 1);
	assert_int_equal(used, 5);
	assert_int_equal(cmd.u.delay, 0x010004d2u);
}

static void
test_decode_block(void **state)
{
	struct vh_sphinx_unwrap_result res;
	struct vh_sphinx_cmd a;
	uint8_t buf[82];
	int n;

	(void)state;
	memset(buf, 0, sizeof(buf));
	memset(&a, 0, sizeof(a));
	a.type = VH_SPHINX_CMD_NODE_DELAY;
	a.u.delay = 0xdeadbabe;
	n = vh_sphinx_cmd_encode(&a, buf, sizeof(buf));
	assert_int_equal(n, 5);
	a.type = VH_SPHINX_CMD_NEXT_NODE_HOP;
	memset(a.u.next_hop.id, 0x11, sizeof(a.u.next_hop.id));
	memset(a.u.next_hop.mac, 0x22, sizeof(a.u.next_hop.mac));
	assert_int_equal(vh_sphinx_cmd_encode(&a, buf + 5, sizeof(buf) - 5), 65);
	assert_int_equal(vh_sphinx_cmd_decode_block(buf, sizeof(buf), &res), 0);
	assert_int_equal(res.nr_cmds, 2);
	assert_int_equal(res.next_hop, 1);
	assert_int_equal(res.surb_reply, -1);
	assert_int_equal(res.cmds[0].u.delay, 0xdeadbabe);
	assert_memory_equal(res.cmds[1].u.next_hop.mac, a.u.next_hop.mac, VH_SPHINX_MAC_LEN);

	/* Two SURBReply commands in one block are refused. */
	memset(buf, 0, sizeof(buf));
	buf[0] = VH_SPHINX_CMD_SURB_REPLY;
	buf[17] = VH_SPHINX_CMD_SURB_REPLY;
	assert_int_equal(vh_sphinx_cmd_decode_block(buf, sizeof(buf), &res), -EBADMSG);
	/* Sixteen NodeDelays fill 80 bytes; a seventeenth cannot fit, so E2BIG
	 * needs a longer block. */
	uint8_t big[90];
	memset(big, 0, sizeof(big));
	for (int i = 0; i < 17; i++)
		big[5 * i] = VH_SPHINX_CMD_NODE_DELAY;
	assert_int_equal(vh_sphinx_cmd_decode_block(big, 85, &res), -E2BIG);
	assert_int_equal(vh_sphinx_cmd_decode_block(big, 80, &res), 0);
	assert_int_equal(res.nr_cmds, 16);
}

static void
test_encode_errors(void **state)
{
	struct vh_sphinx_cmd c;
	uint8_t buf[8];

	(void)state;
	memset(&c, 0, sizeof(c));
	c.type = VH_SPHINX_CMD_NULL;
	assert_int_equal(vh_sphinx_cmd_encode(&c, buf, sizeof(buf)), -EINVAL);
	c.type = VH_SPHINX_CMD_RECIPIENT;
	assert_int_equal(vh_sphinx_cmd_encode(&c, buf, sizeof(buf)), -ENOSPC);
	c.type = (enum vh_sphinx_cmd_type)0x7f;
	assert_int_equal(vh_sphinx_cmd_encode(&c, buf, sizeof(buf)), -EINVAL);
}

static void
test_geometry(void **state)
{
	struct vh_sphinx_geometry g;

	(void)state;
	/* Katzenpost's vectors: x25519, 103-byte user payload, no SURB, 5 hops. */
	assert_int_equal(vh_sphinx_geometry_init(&g, 5, 103, false), 0);
	assert_int_equal(g.per_hop_routing_info_len, 82);
	assert_int_equal(g.routing_info_len, 410);
	assert_int_equal(g.header_len, 476);
	assert_int_equal(g.surb_len, 572);
	assert_int_equal(g.packet_len, 611);
	assert_int_equal(g.forward_payload_len, 103);
	/* With a SURB the payload carries the plaintext header and the SURB. */
	assert_int_equal(vh_sphinx_geometry_init(&g, 5, 2000, true), 0);
	assert_int_equal(g.forward_payload_len, 2000 + 2 + 572);
	assert_int_equal(g.packet_len, 476 + 32 + 2574);
	assert_int_equal(vh_sphinx_geometry_init(&g, 0, 103, false), -EINVAL);
	assert_int_equal(vh_sphinx_geometry_init(&g, VH_SPHINX_MAX_HOPS + 1, 103, false), -EINVAL);
	assert_int_equal(vh_sphinx_geometry_init(&g, 3, 0, false), -EINVAL);
	assert_int_equal(vh_sphinx_geometry_init(NULL, 3, 10, false), -EINVAL);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_command_vectors),
		cmocka_unit_test(test_decode_null_and_errors),
		cmocka_unit_test(test_decode_block),
		cmocka_unit_test(test_encode_errors),
		cmocka_unit_test(test_geometry),
	};

	if (argc < 2) {
		fprintf(stderr, "usage: %s sphinx_commands_vectors.json\n", argv[0]);
		return 1;
	}
	vectors_path = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
