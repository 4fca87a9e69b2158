/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vh-dht-sim: the lib/ygg DHT core, unchanged and without EAL, on a
 * discrete-event network. Every node is a real struct vh_dht; the network
 * is an event heap that delivers each message after the link's latency
 * (drawn once per pair of nodes, uniform in [lat-min, lat-max] ms) and calls
 * vh_dht_tick() when a node's vh_dht_next_deadline() comes.
 *
 * Run: nodes join one by one, each bootstrapped from a few random earlier
 * nodes; the network settles; then random alive nodes look up random
 * existing NodeIDs (FIND_NODE, stop when the target answers), optionally
 * while a fraction of the nodes is replaced (departed nodes stop answering,
 * new ones join by bootstrap), and optionally with every message lost at
 * random (--loss). Reports success, hops and messages per lookup.
 * See docs/dht.md for the figures and the exact command lines.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vh_ygg.h"

#define EPOCH_MS 1700000000000ULL
#define GRACE_MS 10000 /* a joined node is a lookup target after this */

struct opts {
	unsigned nodes, lookups, boot, alpha;
	double churn;
	double loss; /* percent of messages lost */
	unsigned lat_min, lat_max;
	unsigned join_gap_ms, settle_s, window_s;
	uint64_t seed;
	double expect_success;
	double expect_hops;
	bool quiet;
};

struct node {
	struct vh_dht *dht;
	struct sim *sim;
	uint8_t id[VH_DHT_ID_LEN];
	uint32_t idx;
	bool alive;
	uint64_t joined, left_at;
	uint64_t tick_at;
	char addr[24];
	uint8_t addr_len;
};

enum ev_kind { EV_MSG, EV_TICK, EV_JOIN, EV_LEAVE, EV_LOOKUP };

struct event {
	uint64_t t;
	uint64_t seq;
	uint32_t kind, to, from;
	uint16_t len;
	uint8_t *buf;
};

struct lookup_rec {
	struct sim *sim;
	uint32_t src, dst;
	bool done, found, src_left;
	unsigned hops, requests, timeouts;
	uint64_t start, elapsed;
};

struct sim {
	struct opts o;
	uint64_t rng;
	uint64_t lrng; /* losses: apart from the DHTs' randomness */
	uint64_t now, seq;
	struct event *heap;
	size_t nheap, capheap;
	struct node **nodes;
	uint32_t nnodes, cap_nodes;
	uint32_t *alive; /* indexes of alive nodes */
	uint32_t nalive;
	struct lookup_rec *lk;
	unsigned nlk, outstanding;
	uint64_t msgs, events, lost;
};

static uint64_t
splitmix(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t
rnd(struct sim *s)
{
	return splitmix(&s->rng);
}

static void
rand_cb(void *ctx, void *buf, size_t len)
{
	struct sim *s = ((struct node *)ctx)->sim;
	uint8_t *p = buf;

	while (len > 0) {
		uint64_t r = rnd(s);
		size_t n = len < 8 ? len : 8;

		memcpy(p, &r, n);
		p += n;
		len -= n;
	}
}

/* ---- event heap ---- */

static bool
ev_less(const struct event *a, const struct event *b)
{
	return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

static void
push(struct sim *s, struct event e)
{
	size_t i;

	if (s->nheap == s->capheap) {
		s->capheap = s->capheap ? s->capheap * 2 : 4096;
		s->heap = realloc(s->heap, s->capheap * sizeof(*s->heap));
		if (s->heap == NULL) {
			perror("realloc");
			exit(2);
		}
	}
	e.seq = s->seq++;
	i = s->nheap++;
	while (i > 0 && ev_less(&e, &s->heap[(i - 1) / 2])) {
		s->heap[i] = s->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	s->heap[i] = e;
}

static struct event
pop(struct sim *s)
{
	struct event top = s->heap[0], last = s->heap[--s->nheap];
	size_t i = 0;

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= s->nheap)
			break;
		if (c + 1 < s->nheap && ev_less(&s->heap[c + 1], &s->heap[c]))
			c++;
		if (!ev_less(&s->heap[c], &last))
			break;
		s->heap[i] = s->heap[c];
		i = c;
	}
	if (s->nheap > 0)
		s->heap[i] = last;
	return top;
}

/* ---- network ---- */

static unsigned
latency(struct sim *s, uint32_t a, uint32_t b)
{
	uint64_t x = a < b ? ((uint64_t)a << 32 | b) : ((uint64_t)b << 32 | a);

	x ^= s->o.seed * 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 33)) * 0xff51afd7ed558ccdULL;
	x = (x ^ (x >> 33)) * 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return s->o.lat_min + (unsigned)(x % (s->o.lat_max - s->o.lat_min + 1));
}

static int
send_cb(void *ctx, const uint8_t *to_id, const uint8_t *to_addr, size_t addr_len,
	const uint8_t *msg, size_t len)
{
	struct node *n = ctx;
	struct sim *s = n->sim;
	char a[24];
	unsigned long to;
	struct event e = {.kind = EV_MSG, .from = n->idx, .len = (uint16_t)len};

	if (addr_len >= sizeof(a) || addr_len < 6 || memcmp(to_addr, "/sim/", 5) != 0)
		return -EHOSTUNREACH;
	memcpy(a, to_addr, addr_len);
	a[addr_len] = 0;
	to = strtoul(a + 5, NULL, 10);
	if (to >= s->nnodes)
		return -EHOSTUNREACH;
	if (to_id != NULL && memcmp(s->nodes[to]->id, to_id, VH_DHT_ID_LEN) != 0)
		return 0; /* the address now belongs to someone else: lost */
	s->msgs++;
	if (s->o.loss > 0 && (double)(splitmix(&s->lrng) >> 11) * 0x1p-53 * 100 < s->o.loss) {
		s->lost++;
		return 0; /* lost on the way: the sender cannot tell */
	}
	e.to = (uint32_t)to;
	e.t = s->now + latency(s, n->idx, e.to);
	e.buf = malloc(len);
	if (e.buf == NULL)
		return -ENOMEM;
	memcpy(e.buf, msg, len);
	push(s, e);
	return 0;
}

static void
schedule_tick(struct sim *s, struct node *n)
{
	uint64_t t = vh_dht_next_deadline(n->dht);

	if (t >= n->tick_at)
		return;
	n->tick_at = t;
	push(s, (struct event){.t = t, .kind = EV_TICK, .to = n->idx});
}

/* ---- membership ---- */

static uint32_t
random_alive(struct sim *s)
{
	return s->alive[rnd(s) % s->nalive];
}

static struct node *
new_node(struct sim *s)
{
	struct node *n = calloc(1, sizeof(*n));
	struct vh_dht_contact boot[8];
	struct vh_dht_config cfg = {0};
	unsigned nb = 0;

	if (n == NULL)
		return NULL;
	n->sim = s;
	n->idx = s->nnodes;
	rand_cb(n, n->id, sizeof(n->id));
	n->addr_len = (uint8_t)snprintf(n->addr, sizeof(n->addr), "/sim/%u", n->idx);
	for (unsigned i = 0; i < s->o.boot && i < 8 && s->nalive > 0; i++) {
		struct node *b = s->nodes[random_alive(s)];

		memcpy(boot[nb].id, b->id, VH_DHT_ID_LEN);
		boot[nb].addr_len = b->addr_len;
		memcpy(boot[nb].addr, b->addr, b->addr_len);
		nb++;
	}
	cfg.node_id = n->id;
	cfg.send = send_cb;
	cfg.rand = rand_cb;
	cfg.ctx = n;
	cfg.self_addr = (const uint8_t *)n->addr;
	cfg.self_addr_len = n->addr_len;
	cfg.bootstrap = boot;
	cfg.nbootstrap = nb;
	cfg.alpha = s->o.alpha;
	cfg.max_pending = 256;
	n->dht = vh_dht_create(&cfg, s->now);
	if (n->dht == NULL) {
		free(n);
		return NULL;
	}
	n->alive = true;
	n->joined = s->now;
	n->left_at = UINT64_MAX;
	n->tick_at = UINT64_MAX;
	return n;
}

static void
join(struct sim *s)
{
	struct node *n;

	if (s->nnodes == s->cap_nodes) {
		s->cap_nodes = s->cap_nodes ? s->cap_nodes * 2 : 1024;
		s->nodes = realloc(s->nodes, s->cap_nodes * sizeof(*s->nodes));
		s->alive = realloc(s->alive, s->cap_nodes * sizeof(*s->alive));
		if (s->nodes == NULL || s->alive == NULL) {
			perror("realloc");
			exit(2);
		}
	}
	n = new_node(s);
	if (n == NULL) {
		perror("vh_dht_create");
		exit(2);
	}
	s->nodes[s->nnodes++] = n;
	s->alive[s->nalive++] = n->idx;
	schedule_tick(s, n);
}

static void
leave(struct sim *s)
{
	uint32_t k = (uint32_t)(rnd(s) % s->nalive);
	struct node *n = s->nodes[s->alive[k]];

	s->alive[k] = s->alive[--s->nalive];
	n->alive = false;
	n->left_at = s->now;
	/* Its lookups die with it, without a callback. */
	for (unsigned i = 0; i < s->nlk; i++) {
		if (s->lk[i].src == n->idx && !s->lk[i].done) {
			s->lk[i].src_left = true;
			s->outstanding--;
		}
	}
	vh_dht_destroy(n->dht);
	n->dht = NULL;
}

/* ---- lookups ---- */

static void
lookup_done(void *arg, const struct vh_dht_lookup_result *res)
{
	struct lookup_rec *r = arg;
	struct sim *s = r->sim;

	s->outstanding--;
	r->done = true;
	r->found = res->found;
	r->hops = res->hops;
	r->requests = res->requests;
	r->timeouts = res->timeouts;
	r->elapsed = res->elapsed_ms;
}

static uint32_t
random_target(struct sim *s, uint32_t src)
{
	for (;;) {
		uint32_t t = random_alive(s);

		if (t != src && s->nodes[t]->joined + GRACE_MS <= s->now)
			return t;
	}
}

static void
start_lookup(struct sim *s)
{
	struct lookup_rec *r = &s->lk[s->nlk++];
	struct node *src;
	int rc;

	do
		r->src = random_alive(s);
	while (s->nodes[r->src]->joined + GRACE_MS > s->now);
	r->dst = random_target(s, r->src);
	src = s->nodes[r->src];
	r->sim = s;
	r->start = s->now;
	s->outstanding++;
	rc = vh_dht_find_node(src->dht, s->nodes[r->dst]->id, VH_DHT_LOOKUP_STOP_AT_TARGET,
		lookup_done, r, s->now);
	if (rc < 0) {
		r->done = true; /* counted as a failure */
		s->outstanding--;
	}
	schedule_tick(s, src);
}

/* ---- the run ---- */

static void
deliver(struct sim *s, struct event *e)
{
	struct node *to = s->nodes[e->to];
	struct node *from = s->nodes[e->from];

	if (to->alive)
		vh_dht_input(to->dht, from->id, (const uint8_t *)from->addr, from->addr_len, e->buf,
			e->len, s->now);
	free(e->buf);
	if (to->alive)
		schedule_tick(s, to);
}

static void
run_event(struct sim *s, struct event *e)
{
	struct node *n;

	s->now = e->t;
	s->events++;
	switch (e->kind) {
	case EV_MSG:
		deliver(s, e);
		break;
	case EV_TICK:
		n = s->nodes[e->to];
		if (!n->alive || n->tick_at != e->t)
			break;
		n->tick_at = UINT64_MAX;
		vh_dht_tick(n->dht, s->now);
		schedule_tick(s, n);
		break;
	case EV_JOIN:
		join(s);
		break;
	case EV_LEAVE:
		leave(s);
		break;
	case EV_LOOKUP:
		start_lookup(s);
		break;
	}
}

static void
plan(struct sim *s)
{
	uint64_t t = EPOCH_MS;
	uint64_t w0, w = (uint64_t)s->o.window_s * 1000;
	unsigned churn = (unsigned)(s->o.churn * s->o.nodes + 0.5);

	for (unsigned i = 0; i < s->o.nodes; i++, t += s->o.join_gap_ms)
		push(s, (struct event){.t = t, .kind = EV_JOIN});
	w0 = t + (uint64_t)s->o.settle_s * 1000;
	for (unsigned i = 0; i < s->o.lookups; i++)
		push(s, (struct event){.t = w0 + w * i / s->o.lookups, .kind = EV_LOOKUP});
	for (unsigned i = 0; i < churn; i++) {
		uint64_t at = w0 + w * i / churn;

		push(s, (struct event){.t = at, .kind = EV_LEAVE});
		push(s, (struct event){.t = at + 1, .kind = EV_JOIN});
	}
}

static int
cmp_u(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

	return x < y ? -1 : x > y;
}

static unsigned
pct(unsigned *v, unsigned n, double p)
{
	size_t i;

	if (n == 0)
		return 0;
	i = (size_t)(p * (n - 1) + 0.5);
	return v[i];
}

struct summary {
	unsigned counted, ok, excluded;
	double success, hops_med, req_mean;
};

static struct summary
report(struct sim *s, double wall)
{
	struct summary sm = {0};
	unsigned *hops = calloc(s->nlk + 1, sizeof(unsigned));
	unsigned *req = calloc(s->nlk + 1, sizeof(unsigned));
	unsigned *ms = calloc(s->nlk + 1, sizeof(unsigned));
	uint64_t req_sum = 0, to_sum = 0;

	for (unsigned i = 0; i < s->nlk; i++) {
		struct lookup_rec *r = &s->lk[i];

		/* A lookup whose source or target left before it ended has no answer to find. */
		if (r->src_left ||
			(!r->found && s->nodes[r->dst]->left_at <= r->start + r->elapsed)) {
			sm.excluded++;
			continue;
		}
		req[sm.counted] = r->requests;
		ms[sm.counted] = (unsigned)r->elapsed;
		req_sum += r->requests;
		to_sum += r->timeouts;
		sm.counted++;
		if (r->found)
			hops[sm.ok++] = r->hops;
	}
	if (getenv("SIM_DEBUG")) {
		for (unsigned i = 0, shown = 0; i < s->nlk && shown < 5; i++) {
			struct lookup_rec *r = &s->lk[i];
			unsigned know = 0;
			struct vh_dht_stats st;

			if (r->found)
				continue;
			shown++;
			for (uint32_t j = 0; j < s->nalive; j++) {
				struct vh_dht_contact c;
				struct node *n = s->nodes[s->alive[j]];

				if (vh_dht_closest(n->dht, s->nodes[r->dst]->id, &c, 1) == 1 &&
					memcmp(c.id, s->nodes[r->dst]->id, 32) == 0)
					know++;
			}
			vh_dht_get_stats(s->nodes[r->dst]->dht, &st);
			printf("fail src %u dst %u req %u: %u nodes know dst; dst table %u rx "
			       "%lu\n",
				r->src, r->dst, r->requests, know, st.table_size,
				(unsigned long)st.rx[VH_DHT_FIND_NODE]);
		}
	}
	qsort(hops, sm.ok, sizeof(unsigned), cmp_u);
	qsort(req, sm.counted, sizeof(unsigned), cmp_u);
	qsort(ms, sm.counted, sizeof(unsigned), cmp_u);
	sm.success = sm.counted ? 100.0 * sm.ok / sm.counted : 0;
	sm.hops_med = pct(hops, sm.ok, 0.5);
	sm.req_mean = sm.counted ? (double)req_sum / sm.counted : 0;
	printf("nodes %u (+%u joined, %u alive at end), churn %.0f%%, alpha %u, latency %u-%u ms, "
	       "loss %.1f%%, seed %" PRIu64 "\n",
		s->o.nodes, s->nnodes - s->o.nodes, s->nalive, s->o.churn * 100, s->o.alpha,
		s->o.lat_min, s->o.lat_max, s->o.loss, s->o.seed);
	printf("lookups %u counted (%u excluded: source or target left during the lookup)\n",
		sm.counted, sm.excluded);
	printf("success %.2f%% (%u/%u)\n", sm.success, sm.ok, sm.counted);
	printf("hops median %u p99 %u max %u\n", pct(hops, sm.ok, 0.5), pct(hops, sm.ok, 0.99),
		sm.ok ? hops[sm.ok - 1] : 0);
	printf("requests/lookup mean %.2f median %u p99 %u; timeouts/lookup mean %.2f\n",
		sm.req_mean, pct(req, sm.counted, 0.5), pct(req, sm.counted, 0.99),
		sm.counted ? (double)to_sum / sm.counted : 0);
	printf("lookup time median %u ms p99 %u ms\n", pct(ms, sm.counted, 0.5),
		pct(ms, sm.counted, 0.99));
	printf("simulated %.0f s, %" PRIu64 " events, %" PRIu64 " messages (%" PRIu64
	       " lost), wall %.1f s\n",
		(double)(s->now - EPOCH_MS) / 1000, s->events, s->msgs, s->lost, wall);
	free(hops);
	free(req);
	free(ms);
	return sm;
}

static void
sim_free(struct sim *s)
{
	for (size_t i = 0; i < s->nheap; i++)
		free(s->heap[i].buf);
	for (uint32_t i = 0; i < s->nnodes; i++) {
		vh_dht_destroy(s->nodes[i]->dht);
		free(s->nodes[i]);
	}
	free(s->heap);
	free(s->nodes);
	free(s->alive);
	free(s->lk);
}

static void
usage(void)
{
	fprintf(stderr,
		"usage: vh-dht-sim [--nodes N] [--lookups N] [--churn FRACTION] [--boot N]\n"
		"                  [--alpha N] [--latency MIN-MAX] [--join-gap MS] [--settle S]\n"
		"                  [--window S] [--loss PCT] [--seed N] [--expect-success PCT]\n"
		"                  [--expect-hops-median N]\n");
}

static int
parse(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {{"nodes", 1, 0, 'n'}, {"lookups", 1, 0, 'l'},
		{"churn", 1, 0, 'c'}, {"boot", 1, 0, 'b'}, {"alpha", 1, 0, 'a'},
		{"latency", 1, 0, 'L'}, {"join-gap", 1, 0, 'j'}, {"settle", 1, 0, 's'},
		{"window", 1, 0, 'w'}, {"loss", 1, 0, 'x'}, {"seed", 1, 0, 'S'},
		{"expect-success", 1, 0, 'e'}, {"expect-hops-median", 1, 0, 'H'},
		{"help", 0, 0, 'h'}, {0, 0, 0, 0}};
	int c;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'n':
			o->nodes = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'l':
			o->lookups = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'c':
			o->churn = strtod(optarg, NULL);
			break;
		case 'b':
			o->boot = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'a':
			o->alpha = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'L':
			if (sscanf(optarg, "%u-%u", &o->lat_min, &o->lat_max) != 2)
				return -1;
			break;
		case 'j':
			o->join_gap_ms = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 's':
			o->settle_s = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'w':
			o->window_s = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'x':
			o->loss = strtod(optarg, NULL);
			break;
		case 'S':
			o->seed = strtoull(optarg, NULL, 10);
			break;
		case 'e':
			o->expect_success = strtod(optarg, NULL);
			break;
		case 'H':
			o->expect_hops = strtod(optarg, NULL);
			break;
		default:
			return -1;
		}
	}
	if (o->nodes < 2 || o->lookups == 0 || o->lat_min == 0 || o->lat_max < o->lat_min ||
		o->churn < 0 || o->churn > 1 || o->loss < 0 || o->loss >= 100 || o->boot == 0 ||
		o->window_s == 0)
		return -1;
	return 0;
}

int
main(int argc, char **argv)
{
	struct sim s = {.o = {.nodes = 10000,
				.lookups = 2000,
				.boot = 3,
				.alpha = 3,
				.lat_min = 10,
				.lat_max = 200,
				.join_gap_ms = 20,
				.settle_s = 60,
				.window_s = 300,
				.seed = 1,
				.expect_success = -1,
				.expect_hops = -1}};
	struct timespec t0, t1;
	struct summary sm;
	double wall;

	if (parse(argc, argv, &s.o) != 0) {
		usage();
		return 2;
	}
	s.rng = s.o.seed;
	s.lrng = s.o.seed ^ 0x6c6f7373; /* "loss" */
	s.lk = calloc(s.o.lookups, sizeof(*s.lk));
	if (s.lk == NULL)
		return 2;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	plan(&s);
	while (s.nheap > 0) {
		struct event e = pop(&s);

		run_event(&s, &e);
		/* Stop once every lookup has ended: the rest is background upkeep. */
		if (s.nlk == s.o.lookups && s.outstanding == 0)
			break;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	wall = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	sm = report(&s, wall);
	sim_free(&s);
	if (s.o.expect_success >= 0 && sm.success < s.o.expect_success) {
		printf("FAIL: success %.2f%% < %.2f%%\n", sm.success, s.o.expect_success);
		return 1;
	}
	if (s.o.expect_hops >= 0 && sm.hops_med > s.o.expect_hops) {
		printf("FAIL: median hops %.0f > %.0f\n", sm.hops_med, s.o.expect_hops);
		return 1;
	}
	return 0;
}
