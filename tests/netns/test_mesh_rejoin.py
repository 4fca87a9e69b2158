#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A restarted node rejoins from its stored DHT state while its bootstrap node
is down (issue 4, item 4; topology triangle3):

    n1 - n2 - n3 - n1       n2 bootstraps from n1, n3 from n2

1. The mesh forms; n3 (whose only session is with n2) finds n1 by lookup;
   n1's signed record carries the address of its port on the n3 - n1 link,
   so n3 connects to n1 directly ("connect directly when it can"); the
   record is in n3's store, which n3 saves in LMDB.
2. n3 is stopped cleanly (it saves its DHT state), then n2, its only
   bootstrap address, is killed.
3. n3 is started again with the same config: its bootstrap stays dead, yet
   within REJOIN_S it has a link session with n1 over the n3 - n1 link (the
   address from the stored record), its lookup of n1 succeeds and n1 answers
   its pings; `dht` shows the direct connect.
"""
import time

import netns_common as nc
from vhbed import mesh

NAMES = ['n1', 'n2', 'n3']
SESSION_WAIT_S = 15
REJOIN_S = 15

c, build = nc.start('test_mesh_rejoin')
nc.require_node(c, build)

with nc.testbed(build, 'triangle3', 'test_mesh_rejoin') as b:
    ids = mesh.node_ids(b, NAMES)
    pairs = mesh.bootstrap_pairs(b)
    c.check(mesh.wait_sessions(b, ids, pairs, SESSION_WAIT_S), 'bootstrap sessions up',
            repr(pairs))
    took, res, _ = mesh.wait_lookup(b, 'n3', ids['n1'], 10)
    c.check(took is not None, 'n3 finds n1 by lookup', repr(res))
    c.check(res is not None and res.get('direct') and
            any(a.startswith('/udp/10.77.2.') for a in res.get('addresses', [])),
            "the lookup brings n1's record (its n3 - n1 link address) and a direct session",
            repr(res))
    c.check(nc.wait_for(lambda: ids['n1'] in mesh.peers_up(b, 'n3'), 10),
            'n3 has a session with n1 over their own link')
    # let n1 publish its record to n3, and n3 store it
    t0 = time.monotonic()
    has_record = False
    while time.monotonic() - t0 < 10 and not has_record:
        has_record = b.vhctl('n3', 'dht').get('records', 0) >= 1
        time.sleep(0.5)
    c.check(has_record, "n3 stores records (n1's among them)")
    c.check(mesh.received(mesh.ping(b, 'n3', ids['n1'], count=3)) == 3,
            'n3 pings n1')

    code = b.stop_node('n3')
    c.check(code == 0, 'n3 stops cleanly (saves its DHT state)', 'exit %r' % code)
    b.kill_node('n2')
    b.restart_node('n3')
    t0 = time.monotonic()
    ok = False
    while time.monotonic() - t0 < REJOIN_S and not ok:
        ok = mesh.received(mesh.ping(b, 'n3', ids['n1'], count=1, timeout_ms=500)) == 1
        if not ok:
            time.sleep(0.5)
    took = time.monotonic() - t0
    c.check(ok, 'restarted n3 reaches n1 with its bootstrap (n2) dead',
            'after %.1f s' % took)
    up = mesh.peers_up(b, 'n3')
    c.check(ids['n1'] in up, 'n3 has a link session with n1 now', repr(up))
    d = b.vhctl('n3', 'dht')
    c.check(d['mesh']['direct_connects'] >= 1, 'the session came from the stored state',
            repr(d['mesh']))
    took2, res, _ = mesh.wait_lookup(b, 'n3', ids['n1'], 10)
    c.check(took2 is not None, 'n3 finds n1 by lookup again', repr(res))
    print('rejoin: %.2f s after the restart' % took)
c.finish()
