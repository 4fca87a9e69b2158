/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vhctl mix <status|send|resend|recv|reply|nodes|delays>: the node's "mix"
 * command with the subcommand in args.sub (docs/vhctl.md). Message bodies
 * travel as hex; send and reply read a file or standard input ("-").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "render.h"

/* Largest message read (the geometry's limit is checked by the node). */
#define MIX_READ_MAX 65536

struct opts;
int parse_mix(int argc, char **argv, struct opts *o, json_t **args, long *extra_ms);
int render_mix(const json_t *r, const struct render_opts *o);

static int
bad(const char *what)
{
	fprintf(stderr,
		"vhctl: %s\nusage: vhctl mix status | send <NodeID> <file|-> [--surb] [--twice] "
		"[--keep] | resend | recv | reply <id> <file|-> | nodes [add <NodeID>...] | "
		"delays\n",
		what);
	return EXIT_USAGE;
}

/* The file (or stdin) as a hex JSON string, or NULL. */
static json_t *
read_hex(const char *path)
{
	static const char digits[] = "0123456789abcdef";
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	unsigned char *b = malloc(MIX_READ_MAX);
	char *h = malloc(2 * MIX_READ_MAX + 1);
	json_t *j = NULL;
	size_t n;

	if (f != NULL && b != NULL && h != NULL) {
		n = fread(b, 1, MIX_READ_MAX, f);
		for (size_t i = 0; i < n; i++) {
			h[2 * i] = digits[b[i] >> 4];
			h[2 * i + 1] = digits[b[i] & 15];
		}
		h[2 * n] = '\0';
		j = json_string(h);
	}
	if (f != NULL && f != stdin)
		fclose(f);
	free(b);
	free(h);
	return j;
}

static int
parse_send(int argc, char **argv, json_t **args)
{
	const char *pos[2] = {NULL, NULL};
	bool surb = false, twice = false, keep = false;
	unsigned int k = 0;
	json_t *data;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--surb") == 0)
			surb = true;
		else if (strcmp(argv[i], "--twice") == 0)
			twice = true;
		else if (strcmp(argv[i], "--keep") == 0)
			keep = true;
		else if (k < 2)
			pos[k++] = argv[i];
		else
			return bad("send: too many arguments");
	}
	if (k != 2)
		return bad("send needs <NodeID> <file|->");
	data = read_hex(pos[1]);
	if (data == NULL)
		return bad("send: cannot read the message");
	*args = json_pack("{s:s,s:s,s:o,s:b,s:b,s:b}", "sub", "send", "node_id", pos[0], "data",
		data, "surb", surb, "twice", twice, "keep", keep);
	return 0;
}

static int
parse_reply(int argc, char **argv, json_t **args)
{
	char *end;
	long id;
	json_t *data;

	if (argc != 2)
		return bad("reply needs <id> <file|->");
	id = strtol(argv[0], &end, 10);
	if (*end != '\0' || id <= 0)
		return bad("reply: bad message id");
	data = read_hex(argv[1]);
	if (data == NULL)
		return bad("reply: cannot read the message");
	*args = json_pack("{s:s,s:I,s:o}", "sub", "reply", "id", (json_int_t)id, "data", data);
	return 0;
}

int
parse_mix(int argc, char **argv, struct opts *o, json_t **args, long *extra_ms)
{
	(void)o;
	(void)extra_ms;
	if (argc < 1)
		return bad("which mix command?");
	if (strcmp(argv[0], "send") == 0)
		return parse_send(argc - 1, argv + 1, args);
	if (strcmp(argv[0], "reply") == 0)
		return parse_reply(argc - 1, argv + 1, args);
	if (strcmp(argv[0], "nodes") == 0) {
		json_t *add = json_array();

		if (argc > 1 && strcmp(argv[1], "add") != 0) {
			json_decref(add);
			return bad("nodes: only 'add <NodeID>...'");
		}
		for (int i = 2; i < argc; i++)
			json_array_append_new(add, json_string(argv[i]));
		*args = json_pack("{s:s,s:o}", "sub", "nodes", "add", add);
		return 0;
	}
	if (argc != 1 || (strcmp(argv[0], "status") != 0 && strcmp(argv[0], "recv") != 0 &&
				 strcmp(argv[0], "delays") != 0 && strcmp(argv[0], "resend") != 0))
		return bad("unknown mix command");
	*args = json_pack("{s:s}", "sub", argv[0]);
	return 0;
}

static void
print_counters(const char *title, const json_t *o)
{
	const char *k;
	json_t *v;

	if (!json_is_object(o))
		return;
	printf("%s:", title);
	json_object_foreach((json_t *)o, k, v)
	{
		if (json_is_integer(v) && json_integer_value(v) != 0)
			printf(" %s=%lld", k, (long long)json_integer_value(v));
	}
	printf("\n");
}

static int
mix_status(const json_t *r)
{
	const json_t *keys = json_object_get(r, "keys"), *k;
	const json_t *t = json_object_get(r, "totals"), *w = json_object_get(r, "wheel");
	size_t i;

	printf("role %s, layer %lld of %lld, epoch %lld (%lld ms), %lld-byte packets\n",
		json_string_value(json_object_get(r, "role")),
		(long long)json_integer_value(json_object_get(r, "layer")),
		(long long)json_integer_value(json_object_get(r, "layers")),
		(long long)json_integer_value(json_object_get(r, "epoch")),
		(long long)json_integer_value(json_object_get(r, "epoch_ms")),
		(long long)json_integer_value(json_object_get(r, "packet_len")));
	json_array_foreach(keys, i, k)
		printf("key epoch %lld %-8s %.16s... replay tags %lld, unwrapped %lld\n",
			(long long)json_integer_value(json_object_get(k, "epoch")),
			json_string_value(json_object_get(k, "state")),
			json_string_value(json_object_get(k, "public_key")),
			(long long)json_integer_value(json_object_get(k, "replay_tags")),
			(long long)json_integer_value(json_object_get(k, "unwrapped")));
	printf("unwrapped %lld, forwarded %lld, delayed %lld, replayed %lld\n",
		(long long)json_integer_value(json_object_get(t, "unwrapped")),
		(long long)json_integer_value(json_object_get(t, "forwarded")),
		(long long)json_integer_value(json_object_get(t, "delayed")),
		(long long)json_integer_value(json_object_get(t, "replayed")));
	print_counters("dropped", json_object_get(t, "dropped"));
	printf("delay wheel: %lld held of %lld\n",
		(long long)json_integer_value(json_object_get(w, "held")),
		(long long)json_integer_value(json_object_get(w, "capacity")));
	print_counters("control", json_object_get(r, "control"));
	print_counters("workers", json_object_get(r, "workers"));
	printf("directory: %zu mixnodes\n", json_array_size(json_object_get(r, "directory")));
	return 0;
}

int
render_mix(const json_t *r, const struct render_opts *o)
{
	(void)o;
	if (json_object_get(r, "keys") != NULL)
		return mix_status(r);
	return render_json(r);
}
