/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Replay window (RFC 6479): a ring of 64-bit words over the most recent
 * counters. Moving forward clears whole words instead of shifting the
 * bitmap, so a jump costs at most one pass over the ring. One word is kept
 * as slack for the block holding the highest counter, which is why the
 * usable window is VH_VEIL_REPLAY_BITS - 64 counters.
 */
#include <errno.h>
#include <string.h>

#include "vh_veil.h"

#define WORDS (VH_VEIL_REPLAY_BITS / 64)

void
vh_veil_replay_init(struct vh_veil_replay *w)
{
	if (w != NULL)
		memset(w, 0, sizeof(*w));
}

static size_t
word_of(uint64_t counter)
{
	return (size_t)((counter >> 6) % WORDS);
}

static uint64_t
bit_of(uint64_t counter)
{
	return 1ULL << (counter & 63);
}

int
vh_veil_replay_check(const struct vh_veil_replay *w, uint64_t counter)
{
	if (w == NULL)
		return -EINVAL;
	if (counter >= VH_VEIL_REJECT_AFTER_MESSAGES)
		return -ERANGE;
	if (counter >= w->top)
		return 0;
	if (w->top - counter > VH_VEIL_REPLAY_WINDOW)
		return -ESTALE;
	return (w->bits[word_of(counter)] & bit_of(counter)) ? -EALREADY : 0;
}

/* Clear the words between the old highest block and counter's block. */
static void
advance(struct vh_veil_replay *w, uint64_t counter)
{
	uint64_t cur, diff;

	if (w->top != 0) {
		cur = (w->top - 1) >> 6;
		diff = (counter >> 6) - cur;
		if (diff > WORDS)
			diff = WORDS;
		for (uint64_t i = 1; i <= diff; i++)
			w->bits[(cur + i) % WORDS] = 0;
	}
	w->top = counter + 1;
}

int
vh_veil_replay_update(struct vh_veil_replay *w, uint64_t counter)
{
	int rc = vh_veil_replay_check(w, counter);

	if (rc != 0)
		return rc;
	if (counter >= w->top)
		advance(w, counter);
	w->bits[word_of(counter)] |= bit_of(counter);
	return 0;
}
