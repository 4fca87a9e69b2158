/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The bare Intel ipsec-mb ChaCha20-Poly1305 loop: the ceiling for encrypted
 * relaying on one core. Benchmarks report their AEAD path as a ratio to it.
 * No EAL needed.
 */
#ifndef VH_PERF_BARE_LOOP_H
#define VH_PERF_BARE_LOOP_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** What a timed loop did. */
struct vh_perf_aead_result {
	uint64_t packets; /**< packets processed */
	uint64_t bytes;   /**< payload bytes processed */
	uint64_t tsc;     /**< TSC ticks spent (rdtsc) */
	double seconds;   /**< wall-clock seconds spent */
};

/**
 * Run the bare loop on the calling thread: one IMB_MGR, bursts of `burst`
 * packets of `len` bytes through the job burst API without per-job checks,
 * one key, counter nonces, 8 bytes of aad. Encrypt works in place; decrypt
 * works out of place and computes the tag without comparing it (the
 * comparison is the caller's cost, not ipsec-mb's).
 *
 * @param len      payload bytes per packet (1..65535)
 * @param burst    packets per burst (1..128)
 * @param encrypt  true to encrypt, false to decrypt
 * @param seconds  how long to run
 * @param res      out: what was done
 * @return 0, or -EINVAL for bad arguments, -ENOMEM.
 */
int vh_perf_aead_bare_run(uint32_t len, unsigned int burst, bool encrypt, double seconds,
	struct vh_perf_aead_result *res);

/**
 * Name of the ipsec-mb code path the bare loop uses on this CPU
 * ("sse", "avx", "avx2", "avx512").
 */
const char *vh_perf_aead_bare_arch(void);

/** Current TSC value (rdtsc). */
uint64_t vh_perf_tsc(void);

/** Monotonic wall-clock time in seconds. */
double vh_perf_now(void);

#ifdef __cplusplus
}
#endif

#endif /* VH_PERF_BARE_LOOP_H */
