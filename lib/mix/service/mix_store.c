/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The mixnode's keys and replay filters across a restart (docs/mix-keys.md
 * "Persistence"): keys are saved as they are made and loaded at start
 * (expired ones deleted), so the descriptors already in the DHT stay valid;
 * the workers' replay filters (the only ones in use) are saved once the
 * workers have let go of them at stop and handed back with the first key
 * set, so a packet unwrapped before the restart is still a replay after it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "mix_priv.h"

#define STORE_DIR "mix-keys"

int
mix_store_open(struct vh_mixnode *m, struct vh_mix_saved_key *saved, unsigned int max)
{
	struct vh_mix_replay_plan plan;
	struct vh_mix_store_scan sc;
	char dir[VH_CONFIG_PATH_LEN + sizeof(STORE_DIR) + 1], err[320] = "";
	int n;

	vh_mix_replay_plan(m->ec.replay_capacity, m->ec.replay_fp_rate, &plan);
	snprintf(dir, sizeof(dir), "%s/%s", m->cfg->node.data_dir, STORE_DIR);
	if (mkdir(m->cfg->node.data_dir, 0700) != 0 && errno != EEXIST) {
		VH_NODE_LOG(ERR, "mix: data_dir %s: %s", m->cfg->node.data_dir, strerror(errno));
		return -errno;
	}
	m->store = vh_mix_store_open(
		dir, plan.nr_blocks * (VH_MIX_REPLAY_BLOCK_BITS / 8), err, sizeof(err));
	if (m->store == NULL) {
		VH_NODE_LOG(ERR, "mix: key store: %s", err);
		return -errno;
	}
	n = vh_mix_store_load_keys(
		m->store, vh_mix_epoch_oldest(&m->ec, mix_unix_ms()), saved, max, &sc);
	if (n < 0) {
		VH_NODE_LOG(ERR, "mix: key store: %s", vh_mix_store_error(m->store));
		return n;
	}
	if (sc.corrupt > 0)
		VH_NODE_LOG(WARNING,
			"mix: key store: %u record(s) failed their check and were "
			"skipped (last: %s)",
			sc.corrupt, vh_mix_store_error(m->store));
	VH_NODE_LOG(NOTICE, "mix: key store %s: %u key(s) loaded, %u expired record(s) deleted",
		dir, sc.loaded, sc.expired);
	m->restore_replay = true;
	for (int i = 0; i < n; i++)
		m->loaded[i] = saved[i].epoch;
	m->n_loaded = (unsigned int)n;
	return n;
}

void
mix_store_restored(struct vh_mixnode *m)
{
	struct vh_mix_keys_stats st;

	vh_mix_keys_stats_get(m->keys, &st);
	m->cnt.keys_restored = st.restored;
	if (st.restored > 0)
		VH_NODE_LOG(NOTICE,
			"mix: %" PRIu64 " saved key(s) in use again: their descriptors "
			"stay valid",
			st.restored);
}

void
mix_store_key(struct vh_mixnode *m, uint64_t epoch, const uint8_t *priv)
{
	if (m->store == NULL)
		return;
	for (unsigned int i = 0; i < m->n_loaded; i++)
		if (m->loaded[i] == epoch)
			return; /* loaded from the store: there already */
	if (vh_mix_store_put_key(m->store, epoch, priv) == 0) {
		m->cnt.keys_saved++;
		return;
	}
	m->cnt.store_failed++;
	VH_NODE_LOG(WARNING, "mix: key store: %s (a restart in this epoch makes a new key)",
		vh_mix_store_error(m->store));
}

void
mix_store_prune(struct vh_mixnode *m)
{
	if (m->store != NULL &&
		vh_mix_store_prune(m->store, vh_mix_epoch_oldest(&m->ec, mix_unix_ms())) < 0) {
		m->cnt.store_failed++;
		VH_NODE_LOG(WARNING, "mix: key store: %s", vh_mix_store_error(m->store));
	}
}

struct vh_mix_replay *
mix_store_filter(struct vh_mixnode *m, uint64_t epoch)
{
	struct vh_mix_replay *f;
	int rc;

	if (m->store == NULL || !m->restore_replay)
		return NULL;
	f = vh_mix_replay_create(m->ec.replay_capacity, m->ec.replay_fp_rate);
	if (f == NULL)
		return NULL;
	rc = vh_mix_store_get_replay(m->store, epoch, f);
	if (rc == 0) {
		m->cnt.replay_restored++;
		VH_NODE_LOG(NOTICE,
			"mix: replay filter of epoch %" PRIu64 " restored (%" PRIu64 " tags)",
			epoch, vh_mix_replay_count(f));
		return f;
	}
	if (rc == -ENOENT) {
		VH_NODE_LOG(NOTICE,
			"mix: no replay filter saved for epoch %" PRIu64
			" (new key, or no clean stop): it starts empty",
			epoch);
	} else {
		m->cnt.replay_dropped++;
		VH_NODE_LOG(WARNING,
			"mix: saved %s: dropped; the key starts with an empty filter, "
			"so packets it unwrapped before the restart are not refused "
			"as replays",
			vh_mix_store_error(m->store));
	}
	vh_mix_replay_free(f);
	return NULL;
}

static void
save_filter(void *arg, uint64_t epoch, const struct vh_mix_replay *f)
{
	struct vh_mixnode *m = arg;

	if (vh_mix_store_put_replay(m->store, epoch, f) == 0) {
		m->cnt.replay_saved++;
		VH_NODE_LOG(NOTICE,
			"mix: replay filter of epoch %" PRIu64 " saved (%" PRIu64 " tags)", epoch,
			vh_mix_replay_count(f));
		return;
	}
	m->cnt.store_failed++;
	VH_NODE_LOG(WARNING, "mix: key store: %s", vh_mix_store_error(m->store));
}

void
mix_store_stop(struct vh_mixnode *m)
{
	vh_dp_mix_disable_export(m->dp, m->store != NULL ? save_filter : NULL, m);
}

void
mix_store_close(struct vh_mixnode *m)
{
	vh_mix_store_close(m->store);
	m->store = NULL;
}
