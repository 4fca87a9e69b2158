/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vh-perf-aead: each AEAD engine alone on one core, against the bare ipsec-mb
 * loop measured in the same run.
 *
 *   vh-perf-aead [-t seconds] [-s 64,512,1420] [-b 32] [-e ipsecmb,sodium,cryptodev]
 *                [-d crypto_aesni_mb] [-- EAL args]
 *
 * EAL starts only when the cryptodev engine is asked for; without EAL
 * arguments it runs with --no-huge --no-pci -m 256 on the current CPU.
 */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>

#include "bare_loop.h"
#include "vh_aead.h"

#define MAX_SIZES 8
#define MAX_BURST 128

struct opts {
	double seconds;
	unsigned int burst;
	uint32_t sizes[MAX_SIZES];
	unsigned int n_sizes;
	bool want[3];
	const char *driver;
};

static void
usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [-t seconds] [-s sizes] [-b burst] [-e engines] [-d cryptodev-driver]"
		" [-- EAL args]\n"
		"  -t  seconds per measurement (default 2)\n"
		"  -s  comma-separated payload sizes (default 64,512,1420)\n"
		"  -b  packets per burst, 1..%d (default 32)\n"
		"  -e  comma-separated engines: ipsecmb,sodium,cryptodev (default all)\n"
		"  -d  cryptodev vdev driver (default crypto_aesni_mb)\n",
		prog, MAX_BURST);
}

static int
parse_sizes(struct opts *o, char *arg)
{
	o->n_sizes = 0;
	for (char *t = strtok(arg, ","); t != NULL; t = strtok(NULL, ",")) {
		unsigned long v = strtoul(t, NULL, 0);

		if (o->n_sizes == MAX_SIZES || v == 0 || v > 65535)
			return -EINVAL;
		o->sizes[o->n_sizes++] = (uint32_t)v;
	}
	return o->n_sizes != 0 ? 0 : -EINVAL;
}

static int
parse_engines(struct opts *o, char *arg)
{
	memset(o->want, 0, sizeof(o->want));
	for (char *t = strtok(arg, ","); t != NULL; t = strtok(NULL, ",")) {
		int k = vh_aead_kind_from_name(t);

		if (k < 0)
			return -EINVAL;
		o->want[k] = true;
	}
	return 0;
}

static int
parse_opts(struct opts *o, int argc, char **argv)
{
	int c;

	*o = (struct opts){.seconds = 2,
		.burst = 32,
		.sizes = {64, 512, 1420},
		.n_sizes = 3,
		.want = {true, true, true},
		.driver = "crypto_aesni_mb"};
	while ((c = getopt(argc, argv, "t:s:b:e:d:h")) != -1) {
		switch (c) {
		case 't':
			o->seconds = strtod(optarg, NULL);
			break;
		case 's':
			if (parse_sizes(o, optarg) != 0)
				return -EINVAL;
			break;
		case 'b':
			o->burst = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 'e':
			if (parse_engines(o, optarg) != 0)
				return -EINVAL;
			break;
		case 'd':
			o->driver = optarg;
			break;
		default:
			return -EINVAL;
		}
	}
	if (o->seconds <= 0 || o->seconds > 600 || o->burst == 0 || o->burst > MAX_BURST)
		return -EINVAL;
	return 0;
}

/* Buffers and ops for one engine run. */
struct bench {
	struct vh_aead_op ops[MAX_BURST];
	uint8_t *ct, *pt;
	uint8_t tags[MAX_BURST][VH_AEAD_TAG_LEN];
	uint8_t key[VH_AEAD_KEY_LEN];
	uint8_t aad[8];
};

static void
set_ops(struct bench *b, unsigned int burst, uint32_t len, bool enc, uint64_t *counter)
{
	for (unsigned int j = 0; j < burst; j++) {
		struct vh_aead_op *op = &b->ops[j];

		op->key = b->key;
		op->aad = b->aad;
		op->aad_len = sizeof(b->aad);
		op->len = len;
		op->tag = b->tags[j];
		/* Encrypt in place; decrypt out of place so ct stays valid. */
		op->src = b->ct + (size_t)j * len;
		op->dst = enc ? b->ct + (size_t)j * len : b->pt + (size_t)j * len;
		if (enc)
			vh_aead_nonce(op->nonce, (*counter)++);
	}
}

/* Time one engine on one size and direction. -1 if ops failed. */
static int
run_engine(struct vh_aead *e, struct bench *b, const struct opts *o, uint32_t len, bool enc,
	struct vh_perf_aead_result *res)
{
	uint64_t counter = 0, t0;
	double start, end;

	memset(res, 0, sizeof(*res));
	memset(b->ct, 0x5a, (size_t)o->burst * len);
	if (!enc) {
		/* Decrypt the same valid burst again and again. */
		set_ops(b, o->burst, len, true, &counter);
		if (vh_aead_encrypt_burst(e, b->ops, o->burst) != o->burst)
			return -1;
		set_ops(b, o->burst, len, false, &counter);
	}
	start = vh_perf_now();
	end = start + o->seconds;
	t0 = vh_perf_tsc();
	do {
		for (int i = 0; i < 64; i++) {
			unsigned int ok;

			if (enc) {
				set_ops(b, o->burst, len, true, &counter);
				ok = vh_aead_encrypt_burst(e, b->ops, o->burst);
			} else {
				ok = vh_aead_decrypt_burst(e, b->ops, o->burst);
			}
			if (ok != o->burst)
				return -1;
			res->packets += ok;
		}
	} while (vh_perf_now() < end);
	res->tsc = vh_perf_tsc() - t0;
	res->seconds = vh_perf_now() - start;
	res->bytes = res->packets * len;
	return 0;
}

static void
report(const char *engine, const char *dir, uint32_t len, const struct vh_perf_aead_result *r,
	double bare_pps)
{
	double pps = (double)r->packets / r->seconds;

	printf("%-10s %-7s %6u %10.3f %10.3f %12.0f %8.3f\n", engine, dir, len, pps / 1e6,
		(double)r->bytes * 8 / r->seconds / 1e9, (double)r->tsc / (double)r->packets,
		bare_pps > 0 ? pps / bare_pps : 0);
}

static int
start_eal(int argc, char **argv, int first)
{
	char prefix[64], lcore[16];
	char *def[] = {argv[0], "--no-huge", "--no-pci", "-m", "256", "--file-prefix", prefix, "-l",
		lcore, "--log-level", "error", NULL};

	if (first < argc) {
		argv[first - 1] = argv[0];
		return rte_eal_init(argc - first + 1, argv + first - 1) < 0 ? -1 : 0;
	}
	snprintf(prefix, sizeof(prefix), "vh-perf-aead-%d", (int)getpid());
	snprintf(lcore, sizeof(lcore), "%d", sched_getcpu() < 0 ? 0 : sched_getcpu());
	return rte_eal_init((int)(sizeof(def) / sizeof(def[0])) - 1, def) < 0 ? -1 : 0;
}

static struct vh_aead *
make_engine(int kind, const struct opts *o)
{
	struct vh_aead_conf conf = {.cdev_driver = o->driver};

	return vh_aead_create((enum vh_aead_kind)kind, &conf);
}

static int
bench_size(struct vh_aead **engines, struct bench *b, const struct opts *o, uint32_t len)
{
	static const int order[] = {VH_AEAD_IPSECMB, VH_AEAD_SODIUM, VH_AEAD_CRYPTODEV};

	for (int d = 0; d < 2; d++) {
		bool enc = d == 0;
		const char *dir = enc ? "encrypt" : "decrypt";
		struct vh_perf_aead_result r;
		double bare;

		if (vh_perf_aead_bare_run(len, o->burst, enc, o->seconds, &r) != 0)
			return -1;
		bare = (double)r.packets / r.seconds;
		report("bare", dir, len, &r, bare);
		for (int i = 0; i < 3; i++) {
			struct vh_aead *e = engines[order[i]];

			if (e == NULL)
				continue;
			if (run_engine(e, b, o, len, enc, &r) != 0) {
				fprintf(stderr, "%s %s %u: operations failed\n", vh_aead_name(e),
					dir, len);
				return -1;
			}
			report(vh_aead_name(e), dir, len, &r, bare);
		}
		fflush(stdout);
	}
	return 0;
}

static void
print_header(const struct opts *o)
{
	printf("# vh-perf-aead: ChaCha20-Poly1305, one core (cpu %d), burst %u, %.1f s per line, "
	       "8-byte aad, ipsec-mb %s code path\n",
		sched_getcpu(), o->burst, o->seconds, vh_perf_aead_bare_arch());
	printf("# cycles are TSC ticks; ratio = engine Mpps / bare ipsec-mb loop Mpps\n");
	printf("%-10s %-7s %6s %10s %10s %12s %8s\n", "engine", "op", "bytes", "Mpps", "Gbit/s",
		"cycles/pkt", "ratio");
}

static int
run_all(struct vh_aead **engines, const struct opts *o)
{
	struct bench *b = calloc(1, sizeof(*b));
	int rc = -1;

	if (b == NULL)
		return -1;
	b->ct = malloc((size_t)o->burst * 65536);
	b->pt = malloc((size_t)o->burst * 65536);
	if (b->ct != NULL && b->pt != NULL) {
		memset(b->key, 0x42, sizeof(b->key));
		print_header(o);
		rc = 0;
		for (unsigned int i = 0; i < o->n_sizes && rc == 0; i++)
			rc = bench_size(engines, b, o, o->sizes[i]);
	}
	free(b->ct);
	free(b->pt);
	free(b);
	return rc;
}

int
main(int argc, char **argv)
{
	struct vh_aead *engines[3] = {NULL};
	struct opts o;
	int rc = 0;

	if (parse_opts(&o, argc, argv) != 0) {
		usage(argv[0]);
		return 2;
	}
	if (o.want[VH_AEAD_CRYPTODEV] && start_eal(argc, argv, optind) != 0) {
		fprintf(stderr, "rte_eal_init failed\n");
		return 1;
	}
	for (int k = 0; k < 3 && rc == 0; k++) {
		if (!o.want[k])
			continue;
		engines[k] = make_engine(k, &o);
		if (engines[k] == NULL) {
			fprintf(stderr, "engine %d: %s\n", k, strerror(errno));
			rc = -1;
		}
	}
	if (rc == 0)
		rc = run_all(engines, &o);
	for (int k = 0; k < 3; k++)
		vh_aead_destroy(engines[k]);
	if (o.want[VH_AEAD_CRYPTODEV])
		rte_eal_cleanup();
	return rc == 0 ? 0 : 1;
}
