/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_dht: message decode, then input into a live DHT instance that has
 * one contact and a lookup in flight (so responses reach the lookup code),
 * plus record checks and blob import. The first byte picks the path:
 *   0: message from the contact   1: LAN beacon (no sender)
 *   2: export blob import         3: record check and store
 * Randomness is a fixed sequence, so the lookup's txid is the same on every
 * run and seeds can carry matching responses.
 *
 * Built with -DFUZZ_DHT_GEN it is a program that writes the seed corpus
 * into the directory given as its argument.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "vh_ygg.h"

#define NOW 1700000000000ULL

static uint32_t last_txid;
static uint64_t rng;

static int
fz_send(void *ctx, const uint8_t *to_id, const uint8_t *to_addr, size_t addr_len,
	const uint8_t *msg, size_t len)
{
	struct vh_dht_msg m;

	(void)ctx;
	(void)to_id;
	(void)to_addr;
	(void)addr_len;
	if (vh_dht_msg_decode(msg, len, &m) == 0 && m.type == VH_DHT_FIND_NODE)
		last_txid = m.txid;
	return 0;
}

static void
fz_rand(void *ctx, void *buf, size_t len)
{
	uint8_t *p = buf;

	(void)ctx;
	for (size_t i = 0; i < len; i++) {
		rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
		p[i] = (uint8_t)(rng >> 56);
	}
}

static const uint8_t self_id[32] = {0x11};
static const uint8_t peer_id[32] = {0x91, 0x22};
static const uint8_t peer_addr[] = "/udp/192.0.2.1:22088";
static const uint8_t target[32] = {0x93};

/*
 * The instance every input starts from: one contact, and a lookup in
 * flight. It is created once and reset per input (vh_dht_reset() is what
 * vh_dht_create() does, without the allocations), and the RNG restarts, so
 * every input sees the same txids.
 */
static struct vh_dht *
fresh(void)
{
	static struct vh_dht *d;
	uint8_t buf[16];
	struct vh_dht_msg ping = {.type = VH_DHT_PING, .txid = 1};
	int n;

	rng = 1;
	if (d == NULL) {
		struct vh_dht_config c = {0};

		c.node_id = self_id;
		c.send = fz_send;
		c.rand = fz_rand;
		c.self_addr = peer_addr;
		c.self_addr_len = 4;
		c.lan_discovery = true;
		c.lan_addr = (const uint8_t *)"/lan";
		c.lan_addr_len = 4;
		d = vh_dht_create(&c, NOW);
		if (d == NULL)
			return NULL;
	} else {
		vh_dht_reset(d, NOW);
	}
	n = vh_dht_msg_encode(&ping, buf, sizeof(buf));
	vh_dht_input(d, peer_id, peer_addr, sizeof(peer_addr) - 1, buf, (size_t)n, NOW);
	vh_dht_find_node(d, target, 0, NULL, NULL, NOW);
	return d;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vh_dht_msg m;
	struct vh_dht_record rec;
	struct vh_dht *d;

	if (size < 1)
		return 0;
	vh_dht_msg_decode(data + 1, size - 1, &m);
	d = fresh();
	if (d == NULL)
		return 0;
	switch (data[0] & 3) {
	case 0:
		vh_dht_input(
			d, peer_id, peer_addr, sizeof(peer_addr) - 1, data + 1, size - 1, NOW + 10);
		break;
	case 1:
		vh_dht_input(d, NULL, NULL, 0, data + 1, size - 1, NOW + 10);
		break;
	case 2:
		vh_dht_import(d, data + 1, size - 1, NOW);
		break;
	default:
		vh_dht_record_check(data + 1, size - 1, NOW, 86400000, 600000, &rec);
		vh_dht_store_record(d, peer_id, data + 1, size - 1, NOW);
		break;
	}
	/* Run the timers through timeouts, refresh, walks and expiry. */
	for (int i = 0; i < 4; i++)
		vh_dht_tick(d, vh_dht_next_deadline(d) + (uint64_t)i * 600000);
	return 0;
}

#ifdef FUZZ_DHT_GEN
#include <sodium.h>

static const char *dir;
static int nfile;

static void
save(uint8_t mode, const uint8_t *p, size_t n)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/seed-%02d", dir, nfile++);
	f = fopen(path, "wb");
	if (f == NULL)
		return;
	fwrite(&mode, 1, 1, f);
	fwrite(p, 1, n, f);
	fclose(f);
}

static void
save_msg(uint8_t mode, const struct vh_dht_msg *m)
{
	uint8_t buf[VH_DHT_MSG_MAX];
	int n = vh_dht_msg_encode(m, buf, sizeof(buf));

	if (n > 0) {
		save(mode, buf, (size_t)n);
		save(mode, buf, (size_t)n - 1); /* truncated */
	}
}

int
main(int argc, char **argv)
{
	struct vh_dht_msg m = {0};
	uint8_t rec[VH_DHT_REC_MAX], seed[32] = {7}, pk[32], sk[64], blob[4096];
	struct vh_dht_record r = {.seq = 3, .timestamp_ms = NOW, .naddrs = 1, .addr_len = {4}};
	struct vh_dht *d;
	int rl;
	long bl;

	if (argc != 2 || sodium_init() < 0)
		return 2;
	dir = argv[1];
	fresh(); /* learn the lookup's txid */
	memcpy(r.addrs[0], "/a/b", 4);
	crypto_sign_seed_keypair(pk, sk, seed);
	rl = vh_dht_record_sign(&r, sk, rec, sizeof(rec));
	m.type = VH_DHT_PING, m.txid = 5;
	save_msg(0, &m);
	m.type = VH_DHT_FIND_NODE, memcpy(m.target, target, 32);
	save_msg(0, &m);
	m.type = VH_DHT_FIND_VALUE;
	save_msg(0, &m);
	m.type = VH_DHT_NODES, m.txid = last_txid, m.ncontacts = 2;
	memcpy(m.contacts[0].id, target, 32);
	m.contacts[0].addr_len = 4;
	memcpy(m.contacts[0].addr, "/x/1", 4);
	memcpy(m.contacts[1].id, peer_id, 32);
	m.contacts[1].id[5] = 9;
	m.contacts[1].addr_len = 4;
	memcpy(m.contacts[1].addr, "/x/2", 4);
	save_msg(0, &m);
	m.type = VH_DHT_STORE, m.txid = 6, m.rec = rec, m.rec_len = (uint16_t)rl;
	save_msg(0, &m);
	save(3, rec, (size_t)rl);
	m.type = VH_DHT_BEACON, m.ncontacts = 1;
	save_msg(1, &m);
	d = fresh();
	vh_dht_store_record(d, peer_id, rec, (size_t)rl, NOW);
	bl = vh_dht_export(d, blob, sizeof(blob));
	if (bl > 0) {
		save(2, blob, (size_t)bl);
		save(2, blob, (size_t)bl / 2);
	}
	save(0, (const uint8_t *)"\x01\x63junk", 6);
	printf("%d seeds\n", nfile);
	return 0;
}
#endif
