#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A restarted mixnode keeps its epoch keys and its replay filter (topology mix8
with 10-minute epochs, docs/mix-keys.md "Persistence").

1. The mix8 bed comes up as in test_mix (sessions, routes, descriptors of the
   six mixnodes at c1 and c2). The test runs inside one epoch: when less than
   RUN_S is left of it, it waits for the next one.
2. c1 sends c2 a message and keeps the Sphinx packet (`mix send --keep`);
   c2 receives it. The entry it went through is the mixnode restarted.
3. The entry is stopped (SIGTERM, exit 0; its log says the filter was saved)
   and started again with the same data directory. Its keys of this epoch
   (and of the next, if it had one) have the same public keys as before; the
   store directory is 0700 and its files 0600; it restored its keys and one
   replay filter per key in use.
4. c1 sends the kept packet again (`mix resend`): the entry counts exactly one
   more replay (drop reason mix-replay) and no unwrap failure, and c2 does not
   receive the message a second time. Before the fix the entry had new keys
   after a restart: its public key changed, the packet failed to unwrap
   (mix-unwrap-failed) and fresh packets built from the descriptors the
   clients held were lost. With the keys kept but not the filter, the entry
   counted no replay: it unwrapped the packet again and forwarded it (the
   next layer, not restarted, refused it).
5. Fresh messages through the restarted entry still arrive.
"""
import os
import stat
import time

import netns_common as nc
from mix_common import CLIENTS, MIXNODES, NAMES, send, wait_descriptors, wait_recv, wait_routes
from vhbed import mesh

EPOCH_S = 600
GRACE_S = 60
AHEAD_S = 300
RUN_S = 150             # the test must fit in what is left of the epoch
SESSION_WAIT_S = 30
DESC_WAIT_S = 20
MSG_WAIT_S = 10

c, build = nc.start('test_mix_restart')
nc.require_node(c, build)


def plan():
    p = nc.plan('mix8')
    mix = p.mesh['mix']
    mix.update({'epoch_s': EPOCH_S, 'grace_s': GRACE_S, 'publish_ahead_s': AHEAD_S})
    return p


def keys_by_epoch(st):
    """The keys of this epoch and the next (a previous one may end its grace meanwhile)."""
    return {k['epoch']: (k['state'], k['public_key']) for k in st['keys']
            if k['epoch'] >= st['epoch']}


def mode(path):
    return stat.S_IMODE(os.lstat(path).st_mode)


with nc.testbed(build, plan(), 'test_mix_restart') as b:
    ids = mesh.node_ids(b, NAMES)
    names = {v: k for k, v in ids.items()}
    took, missing = mesh.wait_sessions(b, ids, mesh.bootstrap_pairs(b), SESSION_WAIT_S)
    c.check(took is not None, 'bootstrap sessions up within %d s' % SESSION_WAIT_S, missing)
    if took is None:
        c.finish()
    wait_routes(b, ids)

    # 1. one epoch for the whole run
    st = b.vhctl('e1', 'mix', 'status')
    c.check(st['epoch_ms'] == EPOCH_S * 1000, 'epochs of %d s' % EPOCH_S, st['epoch_ms'])
    left = (st['epoch'] + 1) * EPOCH_S - time.time()
    if left < RUN_S:
        print('%.0f s left of epoch %d: waiting for the next' % (left, st['epoch']))
        time.sleep(left + 3)
    b.vhctl('c1', 'mix', 'nodes', 'add', *[ids[m] for m in MIXNODES])
    mix_ids = {ids[m] for m in MIXNODES}
    c.check(wait_descriptors(b, CLIENTS, mix_ids, DESC_WAIT_S),
            'both clients hold a descriptor of all six mixnodes within %d s' % DESC_WAIT_S)

    # 2. a message whose packet c1 keeps
    m1 = b'kept, replayed after the restart'
    res = send(b, 'c1', ids['c2'], m1, '--keep')
    c.check(res is not None and res.get('kept_entry') in mix_ids,
            'c1 sends a message and keeps its packet', res)
    if res is None or res.get('kept_entry') not in mix_ids:
        c.finish()
    entry = names[res['kept_entry']]
    got, seen = wait_recv(b, 'c2', m1, MSG_WAIT_S)
    c.check(got is not None, 'c2 receives it (entry %s)' % entry, seen)
    before = b.vhctl(entry, 'mix', 'status')
    keys0 = keys_by_epoch(before)
    epoch = before['epoch']
    c.check(keys0.get(epoch, ('',))[0] == 'current', '%s has a current key for epoch %d'
            % (entry, epoch), before['keys'])

    # 3. stop and start the entry
    code = b.stop_node(entry)
    c.check(code == 0, '%s stopped on SIGTERM with exit status 0' % entry, code)
    log = b.log_text(entry)
    c.check('replay filter of epoch %d saved' % epoch in log,
            '%s saved the replay filter of epoch %d at stop' % (entry, epoch), b.log_tail(entry))
    b.restart_node(entry)
    after = b.vhctl(entry, 'mix', 'status')
    c.check(after['epoch'] == epoch, 'still epoch %d after the restart' % epoch, after['epoch'])
    keys1 = keys_by_epoch(after)
    c.check(keys1.get(epoch) == keys0.get(epoch),
            'the key of epoch %d is the same after the restart' % epoch, (keys0, keys1))
    c.check(all(keys1.get(e, (None, None))[1] == k[1] for e, k in keys0.items()),
            'every key it held came back with the same public key', (keys0, keys1))
    ctl = after['control']
    c.check(ctl['keys_restored'] >= len(keys0) and ctl['replay_restored'] >= 1 and
            ctl['replay_dropped'] == 0,
            'keys (%d) and the replay filter restored from the store' % ctl['keys_restored'],
            ctl)
    store = os.path.join(b.run_dir, entry + '.data', 'mix-keys')
    modes = {p: mode(os.path.join(store, p)) for p in ('', 'data.mdb', 'lock.mdb')}
    c.check(modes == {'': 0o700, 'data.mdb': 0o600, 'lock.mdb': 0o600},
            'key store directory 0700, files 0600', {k: oct(v) for k, v in modes.items()})
    took, missing = mesh.wait_sessions(b, ids, mesh.bootstrap_pairs(b), SESSION_WAIT_S)
    c.check(took is not None, 'sessions back within %d s' % SESSION_WAIT_S, missing)
    mesh.wait_lookup(b, 'c1', ids[entry], 10)

    # 4. the kept packet again
    t0 = b.vhctl(entry, 'mix', 'status')['totals']
    rc, r, err = b.vhctl_rc('c1', 'mix', 'resend')
    c.check(rc == 0 and r['entry'] == ids[entry], 'c1 sends the kept packet again', (r, err))

    def replayed():
        return b.vhctl(entry, 'mix', 'status')['totals']['replayed'] > t0['replayed']

    nc.wait_for(replayed, 5.0)
    time.sleep(1.0)
    t1 = b.vhctl(entry, 'mix', 'status')['totals']
    c.check(t1['replayed'] - t0['replayed'] == 1 and
            t1['dropped']['mix-replay'] - t0['dropped']['mix-replay'] == 1,
            '%s counts one replay (mix-replay %d -> %d)'
            % (entry, t0['dropped']['mix-replay'], t1['dropped']['mix-replay']))
    c.check(t1['dropped']['mix-unwrap-failed'] == t0['dropped']['mix-unwrap-failed'],
            'and no unwrap failure (it still holds the key)', (t0, t1))
    again = [m for m in b.vhctl('c2', 'mix', 'recv')['messages']
             if bytes.fromhex(m['data']) == m1]
    c.check(not again, 'c2 does not receive the message a second time', again)

    # 5. fresh packets through the restarted entry
    through = None
    for i in range(12):
        data = b'fresh %d' % i
        r = send(b, 'c1', ids['c2'], data, '--keep')
        if r is None:
            continue
        got, seen = wait_recv(b, 'c2', data, MSG_WAIT_S)
        c.check(got is not None, 'fresh message %d arrives (entry %s)'
                % (i, names.get(r.get('kept_entry'))), seen)
        if r.get('kept_entry') == ids[entry]:
            through = i
            break
    c.check(through is not None, 'a fresh message went through the restarted %s' % entry)
    print('%s after the run: %r' % (entry, b.vhctl(entry, 'mix', 'status')['control']))

c.finish()
