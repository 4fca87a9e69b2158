/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Neighbour cache: ARP and IPv6 ND entries in one bounded table, owned by
 * the control lcore. Fixed arrays allocated once (chained hash over entry
 * indices, free list), so a flood of new addresses costs evictions, never
 * memory. The clock is passed in, so tests drive it.
 */
#include <errno.h>
#include <stdlib.h>

#include "net_priv.h"

#define NIL UINT32_MAX
#define MAX_CAPACITY (1u << 20)

struct slot {
	struct vh_net_neigh_entry e;
	uint64_t next_ms;  /* INCOMPLETE, FAILED: when the next request is due */
	uint64_t req_ms;   /* INCOMPLETE, FAILED: when the last request went out */
	uint64_t probe_ms; /* STALE: last unicast probe */
	uint32_t gap_ms;   /* FAILED: interval to the next request, doubling */
	uint32_t next;     /* hash chain or free list */
	bool used;
};

struct vh_net_neigh {
	unsigned int capacity;
	unsigned int count;
	uint32_t mask;
	uint32_t free;
	uint32_t *buckets;
	struct slot slots[];
};

/* Address bytes for an IP version, 0 for an unknown one. */
static size_t
addr_len(int ip_ver)
{
	return ip_ver == 4 ? 4 : ip_ver == 6 ? 16 : 0;
}

static uint32_t
hash(int ip_ver, const uint8_t *addr)
{
	uint32_t h = 2166136261u ^ (uint32_t)ip_ver; /* FNV-1a */
	size_t n = addr_len(ip_ver);

	for (size_t i = 0; i < n; i++)
		h = (h ^ addr[i]) * 16777619u;
	return h ^ (h >> 15);
}

struct vh_net_neigh *
vh_net_neigh_create(unsigned int capacity)
{
	struct vh_net_neigh *nc;
	uint32_t nb = 1;

	if (capacity == 0 || capacity > MAX_CAPACITY) {
		errno = EINVAL;
		return NULL;
	}
	while (nb < capacity)
		nb <<= 1;
	nc = calloc(1, sizeof(*nc) + (size_t)capacity * sizeof(struct slot));
	if (nc == NULL)
		return NULL;
	nc->buckets = malloc(nb * sizeof(uint32_t));
	if (nc->buckets == NULL) {
		free(nc);
		errno = ENOMEM;
		return NULL;
	}
	for (uint32_t i = 0; i < nb; i++)
		nc->buckets[i] = NIL;
	nc->mask = nb - 1;
	nc->capacity = capacity;
	for (uint32_t i = 0; i < capacity; i++)
		nc->slots[i].next = i + 1 < capacity ? i + 1 : NIL;
	nc->free = 0;
	return nc;
}

void
vh_net_neigh_destroy(struct vh_net_neigh *nc)
{
	if (nc == NULL)
		return;
	free(nc->buckets);
	free(nc);
}

static uint32_t
find(const struct vh_net_neigh *nc, int ip_ver, const uint8_t *addr)
{
	uint32_t i = nc->buckets[hash(ip_ver, addr) & nc->mask];

	while (i != NIL) {
		const struct slot *s = &nc->slots[i];

		if (s->e.ip_ver == ip_ver && memcmp(s->e.addr, addr, addr_len(ip_ver)) == 0)
			return i;
		i = s->next;
	}
	return NIL;
}

static void
unlink_slot(struct vh_net_neigh *nc, uint32_t idx)
{
	struct slot *s = &nc->slots[idx];
	uint32_t *pp = &nc->buckets[hash(s->e.ip_ver, s->e.addr) & nc->mask];

	while (*pp != idx)
		pp = &nc->slots[*pp].next;
	*pp = s->next;
	memset(s, 0, sizeof(*s));
	s->next = nc->free;
	nc->free = idx;
	nc->count--;
}

static uint64_t
last_activity(const struct slot *s)
{
	return s->e.used_ms > s->e.updated_ms ? s->e.used_ms : s->e.updated_ms;
}

/* Full table: the entry idle longest makes room. O(capacity), only when full. */
static void
evict_oldest(struct vh_net_neigh *nc)
{
	uint32_t victim = NIL;

	for (uint32_t i = 0; i < nc->capacity; i++)
		if (nc->slots[i].used &&
			(victim == NIL ||
				last_activity(&nc->slots[i]) < last_activity(&nc->slots[victim])))
			victim = i;
	if (victim != NIL)
		unlink_slot(nc, victim);
}

static struct slot *
insert(struct vh_net_neigh *nc, int ip_ver, const uint8_t *addr, uint64_t now_ms)
{
	uint32_t idx, *bucket;
	struct slot *s;

	if (nc->free == NIL)
		evict_oldest(nc);
	idx = nc->free;
	s = &nc->slots[idx];
	nc->free = s->next;
	memset(s, 0, sizeof(*s));
	s->used = true;
	s->e.ip_ver = (uint8_t)ip_ver;
	memcpy(s->e.addr, addr, addr_len(ip_ver));
	s->e.updated_ms = now_ms;
	bucket = &nc->buckets[hash(ip_ver, addr) & nc->mask];
	s->next = *bucket;
	*bucket = idx;
	nc->count++;
	return s;
}

/* Addresses no neighbour can have: unspecified, multicast, broadcast. */
static int
check_addr(int ip_ver, const uint8_t *addr)
{
	if (addr_len(ip_ver) == 0)
		return -EAFNOSUPPORT;
	if (addr == NULL)
		return -EINVAL;
	if (ip_ver == 4) {
		if ((addr[0] | addr[1] | addr[2] | addr[3]) == 0 || addr[0] >= 224)
			return -EINVAL;
	} else if (ip6_is_zero(addr) || ip6_is_multicast(addr)) {
		return -EINVAL;
	}
	return 0;
}

int
vh_net_neigh_learn(struct vh_net_neigh *nc, int ip_ver, const uint8_t *addr, const uint8_t mac[6],
	uint64_t now_ms)
{
	struct slot *s;
	uint32_t idx;
	int rc = check_addr(ip_ver, addr);

	if (rc != 0)
		return rc;
	if (mac == NULL || mac_is_group(mac) || mac_is_zero(mac))
		return -EINVAL;
	idx = find(nc, ip_ver, addr);
	s = idx != NIL ? &nc->slots[idx] : insert(nc, ip_ver, addr, now_ms);
	s->e.state = VH_NET_NEIGH_REACHABLE;
	s->e.tries = 0;
	s->e.updated_ms = now_ms;
	memcpy(s->e.mac, mac, 6);
	return 0;
}

int
vh_net_neigh_confirm(struct vh_net_neigh *nc, int ip_ver, const uint8_t *addr, uint64_t now_ms)
{
	struct slot *s;
	uint32_t idx;

	if (addr_len(ip_ver) == 0)
		return -EAFNOSUPPORT;
	idx = find(nc, ip_ver, addr);
	if (idx == NIL)
		return -ENOENT;
	s = &nc->slots[idx];
	if (s->e.state != VH_NET_NEIGH_REACHABLE && s->e.state != VH_NET_NEIGH_STALE)
		return -ENOENT;
	s->e.state = VH_NET_NEIGH_REACHABLE;
	s->e.updated_ms = now_ms;
	return 0;
}

int
vh_net_neigh_lookup(
	struct vh_net_neigh *nc, int ip_ver, const uint8_t *addr, uint8_t mac[6], uint64_t now_ms)
{
	struct slot *s;
	uint32_t idx;

	if (addr_len(ip_ver) == 0)
		return -EAFNOSUPPORT;
	idx = find(nc, ip_ver, addr);
	if (idx == NIL)
		return -ENOENT;
	s = &nc->slots[idx];
	/* a failed lookup is a want too: FAILED entries are asked for while wanted */
	s->e.used_ms = now_ms;
	switch (s->e.state) {
	case VH_NET_NEIGH_REACHABLE:
	case VH_NET_NEIGH_STALE:
		memcpy(mac, s->e.mac, 6);
		return 0;
	case VH_NET_NEIGH_INCOMPLETE:
		return -EAGAIN;
	default:
		return -EHOSTUNREACH;
	}
}

static void
start_incomplete(struct slot *s, uint64_t now_ms)
{
	s->e.state = VH_NET_NEIGH_INCOMPLETE;
	s->e.tries = 1;
	s->e.updated_ms = now_ms;
	s->req_ms = now_ms;
	s->next_ms = now_ms + VH_NET_NEIGH_RETRY_MS;
}

int
vh_net_neigh_solicit(struct vh_net_neigh *nc, int ip_ver, const uint8_t *addr, uint64_t now_ms)
{
	struct slot *s;
	uint32_t idx;
	int rc = check_addr(ip_ver, addr);

	if (rc != 0)
		return rc;
	idx = find(nc, ip_ver, addr);
	if (idx == NIL) {
		start_incomplete(insert(nc, ip_ver, addr, now_ms), now_ms);
		return 1;
	}
	s = &nc->slots[idx];
	if (s->e.state == VH_NET_NEIGH_FAILED) {
		s->e.used_ms = now_ms; /* expire() keeps asking */
		return -EHOSTUNREACH;
	}
	return 0;
}

int
vh_net_neigh_heard(struct vh_net_neigh *nc, int ip_ver, const uint8_t *addr, uint64_t now_ms)
{
	uint32_t idx;
	int rc = check_addr(ip_ver, addr);

	if (rc != 0)
		return rc;
	idx = find(nc, ip_ver, addr);
	if (idx == NIL || nc->slots[idx].e.state != VH_NET_NEIGH_FAILED)
		return 0;
	/* it is up after all: resolve now rather than at the next backed-off request */
	start_incomplete(&nc->slots[idx], now_ms);
	return 1;
}

static bool
tick_stale(struct slot *s, uint64_t now_ms, vh_net_neigh_action_fn fn, void *arg)
{
	struct vh_net_neigh_entry *e = &s->e;

	/* idle, or in use but deaf to our probes, for the whole stale period */
	if (now_ms - last_activity(s) >= VH_NET_NEIGH_STALE_MS ||
		(s->probe_ms != 0 && now_ms - e->updated_ms >= VH_NET_NEIGH_STALE_MS))
		return true;
	/* used since it went stale: confirm by unicast, at most every PROBE_MS */
	if (e->used_ms > e->updated_ms + VH_NET_NEIGH_REACHABLE_MS &&
		(s->probe_ms == 0 || now_ms - s->probe_ms >= VH_NET_NEIGH_PROBE_MS)) {
		s->probe_ms = now_ms;
		if (fn != NULL)
			fn(arg, e, VH_NET_NEIGH_PROBE);
	}
	return false;
}

static void
request(struct slot *s, uint64_t now_ms, uint32_t gap_ms, vh_net_neigh_action_fn fn, void *arg)
{
	if (s->e.tries < UINT8_MAX)
		s->e.tries++;
	s->req_ms = now_ms;
	s->next_ms = now_ms + gap_ms;
	if (fn != NULL)
		fn(arg, &s->e, VH_NET_NEIGH_REQUEST);
}

static void
tick_incomplete(struct slot *s, uint64_t now_ms, vh_net_neigh_action_fn fn, void *arg)
{
	struct vh_net_neigh_entry *e = &s->e;

	if (now_ms < s->next_ms)
		return;
	if (e->tries < VH_NET_NEIGH_TRIES) {
		request(s, now_ms, VH_NET_NEIGH_RETRY_MS, fn, arg);
		return;
	}
	e->state = VH_NET_NEIGH_FAILED;
	e->updated_ms = now_ms;
	/* what waits is dropped, but the address is asked for again, backing off */
	s->gap_ms = 2 * VH_NET_NEIGH_RETRY_MS;
	s->next_ms = s->req_ms + s->gap_ms;
	if (fn != NULL)
		fn(arg, e, VH_NET_NEIGH_GIVE_UP);
}

/*
 * FAILED: asked for again (doubling interval, capped) as long as someone
 * wanted it since the last request, so a neighbour that comes up late is
 * found within VH_NET_NEIGH_RETRY_MAX_MS; forgotten once unwanted for
 * VH_NET_NEIGH_FAILED_MS.
 */
static bool
tick_failed(struct slot *s, uint64_t now_ms, vh_net_neigh_action_fn fn, void *arg)
{
	if (s->e.used_ms <= s->req_ms)
		return now_ms - last_activity(s) >= VH_NET_NEIGH_FAILED_MS;
	if (now_ms < s->next_ms)
		return false;
	s->gap_ms = RTE_MIN(2 * s->gap_ms, VH_NET_NEIGH_RETRY_MAX_MS);
	request(s, now_ms, s->gap_ms, fn, arg);
	return false;
}

/* One entry's timers; returns true when the entry is to be removed. */
static bool
tick(struct slot *s, uint64_t now_ms, vh_net_neigh_action_fn fn, void *arg)
{
	switch (s->e.state) {
	case VH_NET_NEIGH_REACHABLE:
		if (now_ms - s->e.updated_ms < VH_NET_NEIGH_REACHABLE_MS)
			return false;
		s->e.state = VH_NET_NEIGH_STALE;
		s->probe_ms = 0;
		return tick_stale(s, now_ms, fn, arg);
	case VH_NET_NEIGH_STALE:
		return tick_stale(s, now_ms, fn, arg);
	case VH_NET_NEIGH_INCOMPLETE:
		tick_incomplete(s, now_ms, fn, arg);
		return false;
	default:
		return tick_failed(s, now_ms, fn, arg);
	}
}

unsigned int
vh_net_neigh_expire(struct vh_net_neigh *nc, uint64_t now_ms, vh_net_neigh_action_fn fn, void *arg)
{
	unsigned int removed = 0;

	for (uint32_t i = 0; i < nc->capacity; i++) {
		if (!nc->slots[i].used)
			continue;
		if (tick(&nc->slots[i], now_ms, fn, arg)) {
			unlink_slot(nc, i);
			removed++;
		}
	}
	return removed;
}

int
vh_net_neigh_forget(struct vh_net_neigh *nc, int ip_ver, const uint8_t *addr)
{
	uint32_t idx;

	if (addr_len(ip_ver) == 0)
		return -EAFNOSUPPORT;
	idx = find(nc, ip_ver, addr);
	if (idx == NIL)
		return -ENOENT;
	unlink_slot(nc, idx);
	return 0;
}

int
vh_net_neigh_walk(const struct vh_net_neigh *nc, vh_net_neigh_fn fn, void *arg)
{
	for (uint32_t i = 0; i < nc->capacity; i++) {
		if (nc->slots[i].used) {
			struct vh_net_neigh_entry copy = nc->slots[i].e;
			int rc = fn(arg, &copy);

			if (rc != 0)
				return rc;
		}
	}
	return 0;
}

unsigned int
vh_net_neigh_count(const struct vh_net_neigh *nc)
{
	return nc->count;
}

const char *
vh_net_neigh_state_name(unsigned int state)
{
	static const char *const names[] = {
		[VH_NET_NEIGH_INCOMPLETE] = "incomplete",
		[VH_NET_NEIGH_REACHABLE] = "reachable",
		[VH_NET_NEIGH_STALE] = "stale",
		[VH_NET_NEIGH_FAILED] = "failed",
	};

	return state < RTE_DIM(names) ? names[state] : "unknown";
}
