/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Request path: split a connection's input into lines, validate each
 * request against docs/control-protocol.md, dispatch it to its handler and
 * queue the answers so they leave in request order, whenever they come.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vh_core.h"

#include "ctl_internal.h"

static void
req_free(struct vh_ctl_req *req)
{
	json_decref(req->id);
	free(req->resp);
	free(req);
}

/* Move answered requests from the head of the queue to the output. */
static void
conn_push(struct conn *c)
{
	while (c->head != NULL && c->head->answered) {
		struct vh_ctl_req *r = c->head;

		if (!c->dead)
			ctl_conn_append(c, r->resp, r->resp_len);
		c->head = r->next;
		if (c->head == NULL)
			c->tail = NULL;
		c->queued--;
		req_free(r);
	}
	ctl_conn_output_ready(c);
}

/* Serialize @p resp (consumed) as the request's response line and queue it. */
static void
answer(struct vh_ctl_req *req, json_t *resp)
{
	static const char fallback[] = "{\"v\":1,\"id\":null,\"ok\":false,\"error\":{\"layer\":"
				       "\"ctl\",\"code\":\"internal\",\"message\":\"cannot encode "
				       "response\",\"retry\":true}}";
	struct conn *c = req->conn;
	char *s = resp != NULL ? json_dumps(resp, JSON_COMPACT) : NULL;
	size_t len = s != NULL ? strlen(s) : 0;

	json_decref(resp);
	if (c == NULL) {
		free(s);
		req_free(req);
		return;
	}
	if (s == NULL || (req->resp = realloc(s, len + 2)) == NULL) {
		free(s);
		req->resp = strdup(fallback);
		len = req->resp != NULL ? strlen(req->resp) : 0;
		if (req->resp == NULL)
			c->dead = true;
	}
	if (req->resp != NULL) {
		req->resp[len] = '\n';
		req->resp[len + 1] = '\0';
		req->resp_len = len + 1;
	}
	req->answered = true;
	c->unanswered--;
	conn_push(c);
}

static json_t *
envelope(const struct vh_ctl_req *req, bool ok)
{
	json_t *o = json_object();

	if (o == NULL)
		return NULL;
	json_object_set_new(o, "v", json_integer(VH_CTL_PROTOCOL));
	json_object_set_new(o, "id", req->id != NULL ? json_incref(req->id) : json_null());
	json_object_set_new(o, "ok", json_boolean(ok));
	return o;
}

void
vh_ctl_reply(struct vh_ctl_req *req, json_t *result)
{
	json_t *o;

	if (req == NULL) {
		json_decref(result);
		return;
	}
	if (result == NULL) {
		vh_ctl_error(req, "ctl", "internal", true, "'%s' produced no result", req->cmd);
		return;
	}
	if (req->conn == NULL) {
		json_decref(result);
		req_free(req);
		return;
	}
	o = envelope(req, true);
	if (o != NULL)
		json_object_set_new(o, "result", result);
	else
		json_decref(result);
	answer(req, o);
}

/* jansson only takes valid UTF-8; a message that is not gets its bytes masked. */
static json_t *
message_json(char *msg)
{
	json_t *s = json_string(msg);

	if (s != NULL)
		return s;
	for (char *p = msg; *p != '\0'; p++)
		if ((unsigned char)*p >= 0x80 || (unsigned char)*p < 0x20)
			*p = '?';
	return json_string(msg);
}

void
vh_ctl_error(struct vh_ctl_req *req, const char *layer, const char *code, bool retry,
	const char *fmt, ...)
{
	json_t *o, *err;
	char msg[1024];
	va_list ap;

	if (req == NULL)
		return;
	if (req->conn == NULL) {
		req_free(req);
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	req->conn->ctl->st.errors++;
	o = envelope(req, false);
	err = json_object();
	if (o == NULL || err == NULL) {
		json_decref(o);
		json_decref(err);
		answer(req, NULL);
		return;
	}
	json_object_set_new(err, "layer", json_string(layer != NULL ? layer : "ctl"));
	json_object_set_new(err, "code", json_string(code != NULL ? code : "internal"));
	json_object_set_new(err, "message", message_json(msg));
	json_object_set_new(err, "retry", json_boolean(retry));
	json_object_set_new(o, "error", err);
	answer(req, o);
}

const char *
vh_ctl_req_cmd(const struct vh_ctl_req *req)
{
	return req->cmd;
}

static struct vh_ctl_req *
req_new(struct conn *c)
{
	struct vh_ctl_req *req = calloc(1, sizeof(*req));

	if (req == NULL)
		return NULL;
	req->conn = c;
	if (c->tail != NULL)
		c->tail->next = req;
	else
		c->head = req;
	c->tail = req;
	c->queued++;
	c->unanswered++;
	return req;
}

void
ctl_conn_detach_reqs(struct conn *c)
{
	struct vh_ctl_req *r = c->head, *next;

	for (; r != NULL; r = next) {
		next = r->next;
		r->next = NULL;
		if (r->answered)
			req_free(r);
		else
			r->conn = NULL; /* its handler still owns it */
	}
	c->head = c->tail = NULL;
	c->queued = c->unanswered = 0;
}

static const struct ctl_cmd *
cmd_find(const struct vh_ctl *ctl, const char *name)
{
	for (unsigned int i = 0; i < ctl->n_cmds; i++)
		if (strcmp(ctl->cmds[i].name, name) == 0)
			return &ctl->cmds[i];
	return NULL;
}

#define BAD(...) vh_ctl_error(req, "ctl", "bad-request", false, __VA_ARGS__)

/*
 * Check the envelope; on success return the command and set *args (a new
 * reference), otherwise answer the request and return NULL.
 */
static const struct ctl_cmd *
validate(struct vh_ctl *ctl, json_t *root, struct vh_ctl_req *req, json_t **args)
{
	json_t *id = json_object_get(root, "id"), *v = json_object_get(root, "v");
	json_t *cmd = json_object_get(root, "cmd"), *a = json_object_get(root, "args");
	const struct ctl_cmd *found;

	if (json_is_integer(id))
		req->id = json_incref(id);
	if (v == NULL)
		return BAD("missing 'v' (protocol version)"), NULL;
	if (!json_is_integer(v))
		return BAD("'v' must be an integer"), NULL;
	if (json_integer_value(v) != VH_CTL_PROTOCOL) {
		vh_ctl_error(req, "ctl", "unsupported-version", false,
			"protocol version %" JSON_INTEGER_FORMAT " is not supported (this node "
			"speaks %d)",
			json_integer_value(v), VH_CTL_PROTOCOL);
		return NULL;
	}
	if (id == NULL)
		return BAD("missing 'id'"), NULL;
	if (!json_is_integer(id))
		return BAD("'id' must be an integer"), NULL;
	if (cmd == NULL)
		return BAD("missing 'cmd'"), NULL;
	if (!json_is_string(cmd))
		return BAD("'cmd' must be a string"), NULL;
	if (a != NULL && !json_is_null(a) && !json_is_object(a))
		return BAD("'args' must be an object"), NULL;
	found = cmd_find(ctl, json_string_value(cmd));
	if (found == NULL) {
		vh_ctl_error(req, "ctl", "unknown-command", false, "no command '%.64s'",
			json_string_value(cmd));
		return NULL;
	}
	*args = json_is_object(a) ? json_incref(a) : json_object();
	if (*args == NULL)
		return vh_ctl_error(req, "ctl", "no-memory", true, "out of memory"), NULL;
	return found;
}

static void
handle_line(struct conn *c, const char *line, size_t len)
{
	struct vh_ctl_req *req = req_new(c);
	const struct ctl_cmd *cmd;
	json_t *root, *args = NULL;
	json_error_t e;

	c->ctl->st.requests++;
	if (req == NULL) {
		c->dead = true; /* cannot even say so */
		return;
	}
	if (len > 0 && line[len - 1] == '\r')
		len--;
	root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &e);
	if (root == NULL) {
		BAD("invalid JSON at byte %d: %s", e.position, e.text);
		return;
	}
	if (!json_is_object(root)) {
		BAD("a request is a JSON object");
	} else if ((cmd = validate(c->ctl, root, req, &args)) != NULL) {
		snprintf(req->cmd, sizeof(req->cmd), "%s", cmd->name);
		cmd->fn(cmd->arg, args, req);
		json_decref(args);
	}
	json_decref(root);
}

static void
overlong(struct conn *c)
{
	struct vh_ctl_req *req = req_new(c);

	c->ctl->st.requests++;
	c->ctl->st.dropped++;
	c->in_len = 0;
	c->in_scan = 0;
	c->close_after = true;
	if (req == NULL) {
		c->dead = true;
		return;
	}
	BAD("request longer than %zu bytes", c->ctl->conf.max_request_bytes);
}

/*
 * Back-pressure: a client that does not read its answers stops being served
 * (and, once its input buffer is full, read) until it does, so its memory
 * stays bounded; the idle timeout drops it if it never does.
 */
static bool
paused(const struct conn *c)
{
	return c->queued >= c->ctl->conf.max_pipeline ||
	       c->out_len - c->out_off >= c->ctl->conf.max_output_bytes / 2;
}

/* The first newline at or after @p from in the input, or NULL; counts the bytes searched. */
static const char *
find_nl(struct conn *c, size_t from)
{
	const char *nl = memchr(c->in + from, '\n', c->in_len - from);

	c->scanned += (nl != NULL ? (size_t)(nl - c->in) + 1 : c->in_len) - from;
	return nl;
}

bool
ctl_has_line(struct conn *c)
{
	if (c->dead || c->close_after || c->in_len == 0 || paused(c))
		return false;
	if (c->eof || c->in_len > c->ctl->conf.max_request_bytes)
		return true;
	if (c->in_scan < c->in_len && find_nl(c, c->in_scan) != NULL)
		return true;
	c->in_scan = c->in_len;
	return false;
}

void
ctl_dispatch_lines(struct conn *c, unsigned int max_lines, size_t max_out)
{
	size_t max = c->ctl->conf.max_request_bytes, pos = 0;
	size_t out0 = c->out_len - c->out_off;
	bool partial = false; /* stopped at a line without its newline yet */

	while (max_lines-- > 0 && !c->dead && !c->close_after && !paused(c) && pos < c->in_len &&
		c->out_len - c->out_off - out0 < max_out) {
		const char *line = c->in + pos;
		/* the first line's bytes before in_scan were searched by an earlier call */
		const char *nl = find_nl(c, pos == 0 ? c->in_scan : pos);
		size_t len = nl != NULL ? (size_t)(nl - line) : c->in_len - pos;

		if (len > max) {
			overlong(c);
			return;
		}
		if (nl == NULL && !c->eof) {
			partial = true;
			break;
		}
		pos += len + (nl != NULL);
		c->in_scan = 0;
		handle_line(c, line, len);
	}
	if (c->close_after || c->dead) {
		c->in_len = 0;
		c->in_scan = 0;
	} else if (pos > 0) {
		memmove(c->in, c->in + pos, c->in_len - pos);
		c->in_len -= pos;
	}
	c->in_scan = partial ? c->in_len : c->in_scan;
}

static bool
name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= CTL_NAME_MAX)
		return false;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '.' ||
			    *s == '_' || *s == '-'))
			return false;
	return true;
}

int
vh_ctl_register(
	struct vh_ctl *ctl, const char *cmd, const char *help, vh_ctl_handler_t fn, void *arg)
{
	struct ctl_cmd *c;

	if (ctl == NULL || cmd == NULL || fn == NULL || !name_ok(cmd))
		return -EINVAL;
	if (cmd_find(ctl, cmd) != NULL)
		return -EEXIST;
	if (ctl->n_cmds == ctl->cap_cmds) {
		unsigned int cap = ctl->cap_cmds ? ctl->cap_cmds * 2 : 16;
		struct ctl_cmd *n = realloc(ctl->cmds, cap * sizeof(*n));

		if (n == NULL)
			return -ENOMEM;
		ctl->cmds = n;
		ctl->cap_cmds = cap;
	}
	c = &ctl->cmds[ctl->n_cmds];
	c->help = strdup(help != NULL ? help : "");
	if (c->help == NULL)
		return -ENOMEM;
	snprintf(c->name, sizeof(c->name), "%s", cmd);
	c->fn = fn;
	c->arg = arg;
	ctl->n_cmds++;
	return 0;
}

static void
cmd_help(void *arg, const json_t *args, struct vh_ctl_req *req)
{
	const struct vh_ctl *ctl = arg;
	json_t *list = json_array();

	(void)args;
	for (unsigned int i = 0; list != NULL && i < ctl->n_cmds; i++)
		json_array_append_new(list, json_pack("{s:s, s:s}", "name", ctl->cmds[i].name,
						    "help", ctl->cmds[i].help));
	vh_ctl_reply(req, list != NULL ? json_pack("{s:o}", "commands", list) : NULL);
}

int
ctl_register_help(struct vh_ctl *ctl)
{
	return vh_ctl_register(
		ctl, "help", "list the commands this node understands", cmd_help, ctl);
}

void
ctl_cmds_free(struct vh_ctl *ctl)
{
	for (unsigned int i = 0; i < ctl->n_cmds; i++)
		free(ctl->cmds[i].help);
	free(ctl->cmds);
	ctl->cmds = NULL;
	ctl->n_cmds = ctl->cap_cmds = 0;
}
