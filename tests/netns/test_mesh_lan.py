#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""LAN discovery (issue 4, item 2; topology lan3): n1 - n2 - n3 are started with
`dht.lan_discovery` and no bootstrap address. Each port sends a beacon (a
Bifrost CONTROL frame holding a DHT BEACON: NodeID and the port's address) to
ff02::1 every refresh; a node hearing one starts a link session to the
announced address.

1. Within SESSION_WAIT_S both links carry a session (n1-n2, n2-n3), found
   only through beacons; the nodes count beacons sent and heard.
2. n1 finds n3 through the DHT and pings it through n2.
(A beacon only says where to handshake: the Veil handshake proves the NodeID,
so a forged beacon cannot make a node accept a false identity.)
"""
import netns_common as nc
from vhbed import mesh

SESSION_WAIT_S = 20

c, build = nc.start('test_mesh_lan')
nc.require_node(c, build)

with nc.testbed(build, 'lan3', 'test_mesh_lan') as b:
    ids = mesh.node_ids(b, ['n1', 'n2', 'n3'])
    ok = nc.wait_for(lambda: ids['n2'] in mesh.peers_up(b, 'n1') and
                     ids['n3'] in mesh.peers_up(b, 'n2'), SESSION_WAIT_S, 0.5)
    c.check(ok, 'sessions n1-n2 and n2-n3 from beacons alone',
            '%r / %r' % (mesh.peers_up(b, 'n1'), mesh.peers_up(b, 'n2')))
    d = {n: b.vhctl(n, 'dht')['mesh'] for n in ('n1', 'n2', 'n3')}
    c.check(d['n2']['beacons_tx'] >= 2, 'n2 sends beacons on both ports', repr(d['n2']))
    heard = sum(x['beacons_rx'] for x in d.values())
    c.check(heard >= 2 and all(x['beacons_bad'] == 0 for x in d.values()),
            'beacons heard across both links, none malformed',
            repr({n: (x['beacons_tx'], x['beacons_rx']) for n, x in d.items()}))
    took, res, _ = mesh.wait_lookup(b, 'n1', ids['n3'], 10)
    c.check(took is not None, 'n1 finds n3 through the DHT', repr(res))
    r = mesh.ping(b, 'n1', ids['n3'], count=3)
    c.check(mesh.received(r) == 3, 'n1 pings n3 through n2', repr(r))
    tr_rc, tr = mesh.traceroute(b, 'n1', ids['n3'], max_hops=4, timeout_ms=500)
    c.check(tr_rc == 0 and mesh.hop_names(tr, ids) == ['n2', 'n3'],
            'traceroute n1 -> n3 lists n2 then n3', repr(tr))

c.finish()
