#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Dead-peer detection and reconnection from one side (topology link2_oneway).

Only n1 lists n2, so after n2 is killed (-9) and restarted it does not dial
back: n1 must notice. n1's session keys are still valid, so its first pings go
out under the old session and n2 (with no state) drops them as
`link_drop_no_session`; n1 gets no answer, its dead-peer timer (keepalive_s +
rekey_timeout) starts a new handshake; the IK attempts fail (n2 has a fresh
Noise static key), n1 falls back to XX, and the session is back. n2 lists n1
as an inbound (unconfigured) peer both times.
"""
import os
import signal
import time

import netns_common as nc

RECONNECT_S = 20

c, build = nc.start('test_link_reconnect')
nc.require_node(c, build)


def peer_of(b, node):
    peers = b.vhctl(node, 'peers')['peers']
    return peers[0] if len(peers) == 1 else None


def wait_peer(b, node, node_id, seconds, min_handshakes=1):
    t0 = time.monotonic()
    while time.monotonic() - t0 < seconds:
        p = peer_of(b, node)
        if p and p['state'] == 'up' and p['node_id'] == node_id and \
                p['handshakes'] >= min_handshakes:
            return p
        time.sleep(0.2)
    return None


with nc.testbed(build, 'link2_oneway', 'test_link_reconnect') as b:
    ids = {n: b.vhctl(n, 'show-identity')['node_id'] for n in ('n1', 'n2')}
    p1 = wait_peer(b, 'n1', ids['n2'], 10)
    p2 = wait_peer(b, 'n2', ids['n1'], 10)
    c.check(p1 is not None and p1['configured'], 'n1: configured peer n2 up', p1)
    c.check(p2 is not None and not p2['configured'] and p2['address'] is None,
            'n2: n1 shows as an inbound peer, up', p2)
    if p1 is None:
        c.finish()
    before = p1['handshakes']

    os.kill(b.pid('n2'), signal.SIGKILL)
    b.procs['n2'].wait(timeout=10)
    if os.path.exists(b.sock('n2')):
        os.unlink(b.sock('n2'))
    node2 = [n for n in b.plan.nodes if n.name == 'n2'][0]
    b._start_node(node2, b.state['nodes']['n2']['cpu'])
    c.check(b.vhctl('n2', 'peers')['peers'] == [], 'restarted n2 has no peers of its own')

    t0 = time.monotonic()
    answered = None
    first_failed = False
    while time.monotonic() - t0 < RECONNECT_S:
        try:
            r = b.vhctl('n1', 'ping', ids['n2'], '-c', '1', '-W', '400')
            ok = r['received'] == 1
        except nc.ctl.CtlError:
            ok = False  # no session at this moment
        if ok:
            answered = time.monotonic() - t0
            break
        first_failed = True
        time.sleep(0.1)
    c.check(first_failed, 'the first ping after the restart is lost (n2 lost its session)')
    c.check(answered is not None, 'n1 reconnects by itself: ping <NodeID> answered after %s s'
            % (None if answered is None else round(answered, 2)))
    p1 = peer_of(b, 'n1')
    c.check(p1['handshakes'] > before, 'n1: a new handshake (%d -> %d)'
            % (before, p1['handshakes']))
    st = b.vhctl('n2', 'stats')['control']
    c.check(st['link_drop_no_session'] > 0,
            'n2 dropped the old session\'s data as link_drop_no_session (%d)'
            % st['link_drop_no_session'])
    drops = b.vhctl('n2', 'stats')['drops']
    c.check(drops.get('veil-no-session', 0) >= st['link_drop_no_session'],
            'n2 stats drops veil-no-session counts them too (%s)' % drops.get('veil-no-session'))
    p2 = wait_peer(b, 'n2', ids['n1'], 5)
    c.check(p2 is not None, 'n2 lists n1 again as an inbound peer, up', p2)

c.finish()
