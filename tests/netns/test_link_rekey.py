#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Veil rekeys under continuous traffic lose nothing (topology link2_rekey:
only n1 lists n2, so n1 initiates every session; test_link_rekey_both.py runs
the same checks with both nodes listing each other).

Sessions rekey every 2 s, keys are dropped after 6 s. Three rounds of 100
pings by NodeID, one every 80 ms (about 24 s in all), run from n1 to n2 and
from n2 to n1 at once: every echo must come back, both peers report at least
4 more handshakes than before, one peer entry each, no drops, and no
LINK_DATA refused under an expired or unknown keypair.
"""
import threading
import time

import netns_common as nc

ROUNDS = 3
COUNT = 100
INTERVAL_MS = 80


def peer_of(b, node):
    peers = b.vhctl(node, 'peers')['peers']
    return peers[0] if len(peers) == 1 else None


def run(name, topology):
    """The whole test on a two-node topology; exits with the result."""
    c, build = nc.start(name)
    nc.require_node(c, build)
    with nc.testbed(build, topology, name) as b:
        check(c, b)
    c.finish()


def check(c, b):
    ids = {n: b.vhctl(n, 'show-identity')['node_id'] for n in ('n1', 'n2')}
    t0 = time.monotonic()
    p1 = p2 = None
    while time.monotonic() - t0 < 10:
        p1, p2 = peer_of(b, 'n1'), peer_of(b, 'n2')
        if p1 and p2 and p1['state'] == 'up' and p2['state'] == 'up':
            break
        time.sleep(0.2)
    c.check(p1 is not None and p2 is not None and p1['state'] == 'up' and p2['state'] == 'up',
            'sessions up', '%r / %r' % (p1, p2))
    # one peer entry on each side: the configured one, not a second inbound
    c.check(len(b.vhctl('n1', 'peers')['peers']) == 1 and
            len(b.vhctl('n2', 'peers')['peers']) == 1, 'one peer entry per node')
    before = {n: peer_of(b, n)['handshakes'] for n in ('n1', 'n2')}
    # LINK_DATA under an unknown index counts as link_drop_no_session (so do
    # answers to an initiation a crossing made moot, at start): deltas only
    drops0 = {n: b.vhctl(n, 'stats')['control'] for n in ('n1', 'n2')}
    results = {}

    def pinger(src, dst):
        got = sent = 0
        for _ in range(ROUNDS):
            r = b.vhctl(src, 'ping', ids[dst], '-c', str(COUNT), '-i', str(INTERVAL_MS),
                        '-W', '2000', timeout=60)
            got += r['received']
            sent += r['sent']
        results[src] = (got, sent)

    threads = [threading.Thread(target=pinger, args=(s, d)) for s, d in (('n1', 'n2'),
                                                                         ('n2', 'n1'))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for src, dst in (('n1', 'n2'), ('n2', 'n1')):
        got, sent = results.get(src, (0, 0))
        c.check(sent == ROUNDS * COUNT and got == sent,
                '%s -> %s: %d/%d echoes answered through the rekeys' % (src, dst, got, sent))
    for n in ('n1', 'n2'):
        p = peer_of(b, n)
        c.check(p['handshakes'] - before[n] >= 4,
                '%s: %d handshakes during the pings (>= 4)' % (n, p['handshakes'] - before[n]))
        c.check(p['drops'] == 0, '%s: no drops on the peer (%d)' % (n, p['drops']))
    for n in ('n1', 'n2'):
        stats = b.vhctl(n, 'stats')['control']
        link = {k: v for k, v in stats.items() if k.startswith('link_') or k.startswith('ping_')}
        print('%s counters: %r' % (n, link))
        c.check(stats['link_drop_replay'] == 0 and stats['link_drop_auth'] == 0,
                '%s: no replay or authentication drops' % n)
        d = {k: stats.get(k, 0) - drops0[n].get(k, 0)
             for k in ('link_drop_expired', 'link_drop_no_session')}
        c.check(d['link_drop_expired'] == 0 and d['link_drop_no_session'] == 0,
                '%s: nothing refused as expired or unknown during the pings' % n, repr(d))


if __name__ == '__main__':
    run('test_link_rekey', 'link2_rekey')
