#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A relay of a ring dies and comes back (topology ring5):

    n1 - n2 - n3 - n4 - n5 - n1     each node bootstraps from its predecessor

n1 reaches n3 by two paths: through n2, or through n5 and n4.

1. All five ring link sessions come up within SESSION_WAIT_S; n1 finds n3
   through the DHT within LOOKUP_WAIT_S; PINGS echoes n1 -> n3 all answered.
2. `traceroute <n3>` from n1 reaches n3 through one of the two ring paths
   (n2, or n5 n4): the path in use.
3. kill -9 the first relay on that path. Traffic reroutes: pings n1 -> n3
   (one echo at a time, 500 ms timeout) are answered again within REROUTE_S,
   then PINGS more are all answered, and within REROUTE_S of the kill
   traceroute goes the other way round, every hop answering.
4. The relay is started again (same key file, same NodeID). It rejoins within
   REJOIN_S: its own lookup of n1 succeeds, n1 and n3 both ping it, its two
   ring neighbours list it in `routes` as a neighbour again, and n1 finds it
   by lookup again.
"""
import time

import netns_common as nc
from vhbed import mesh

NAMES = ['n1', 'n2', 'n3', 'n4', 'n5']
PATHS = [['n2', 'n3'], ['n5', 'n4', 'n3']]   # n1 -> n3, the two ways round
SESSION_WAIT_S = 15
LOOKUP_WAIT_S = 10
# Reroute bound with the bed's timers (keepalive 1 s, DHT refresh 2 s, routes
# dropped when their link dies): dead link noticed in ~1-2 s, new route learnt
# within a refresh or a lookup.
REROUTE_S = 10
REJOIN_S = 15
PINGS = 10

c, build = nc.start('test_mesh_ring')
nc.require_node(c, build)


def ping_until_answered(b, src, dst_id, seconds):
    """Single pings until one is answered; seconds taken or None."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < seconds:
        if mesh.received(mesh.ping(b, src, dst_id, count=1, timeout_ms=500)) == 1:
            return time.monotonic() - t0
        time.sleep(0.2)
    return None


def rnd(x):
    return None if x is None else round(x, 2)


with nc.testbed(build, 'ring5', 'test_mesh_ring') as b:
    ids = mesh.node_ids(b, NAMES)

    # 1. sessions, lookup, pings
    pairs = mesh.bootstrap_pairs(b)
    took, missing = mesh.wait_sessions(b, ids, pairs, SESSION_WAIT_S)
    c.check(took is not None, 'all five ring link sessions up within %d s (took %s s)'
            % (SESSION_WAIT_S, rnd(took)), 'missing %s' % missing)
    if took is None:
        mesh.explain_missing(b, missing)
        c.finish()
    took, res, tries = mesh.wait_lookup(b, 'n1', ids['n3'], LOOKUP_WAIT_S)
    c.check(took is not None, 'n1 finds n3 through the DHT within %d s (took %s s, %d lookups)'
            % (LOOKUP_WAIT_S, rnd(took), tries), res)
    r = mesh.ping(b, 'n1', ids['n3'], count=PINGS)
    c.check(mesh.received(r) == PINGS, 'ping n1 -> n3: %d/%d answered'
            % (mesh.received(r), PINGS), r)

    # 2. the path in use
    rc, tr = mesh.traceroute(b, 'n1', ids['n3'])
    path = mesh.hop_names(tr, ids)
    print('traceroute n1 -> n3 (exit %s): %s %r' % (rc, ' '.join(path), tr))
    c.check(rc == 0 and path in PATHS, 'traceroute n1 -> n3 follows a ring path: %s'
            % ' '.join(path), tr)
    if path not in PATHS:
        c.finish()
    relay = path[0]
    other = PATHS[1] if path == PATHS[0] else PATHS[0]

    # 3. kill -9 the relay: traffic reroutes
    b.kill_node(relay)
    t_kill = time.monotonic()
    print('killed %s (kill -9) at %s' % (relay, time.strftime('%H:%M:%S')))
    took = ping_until_answered(b, 'n1', ids['n3'], REROUTE_S)
    c.check(took is not None, 'after kill -9 of relay %s, pings n1 -> n3 answered again within'
            ' %d s (took %s s)' % (relay, REROUTE_S, rnd(took)))
    r = mesh.ping(b, 'n1', ids['n3'], count=PINGS)
    c.check(mesh.received(r) == PINGS, 'then ping n1 -> n3: %d/%d answered'
            % (mesh.received(r), PINGS), r)
    # Every node on the new path must also have its route back to n1 off the
    # dead relay to answer the probes: allow what is left of REROUTE_S for that.
    deadline = t_kill + REROUTE_S
    while True:
        rc, tr = mesh.traceroute(b, 'n1', ids['n3'])
        now = mesh.hop_names(tr, ids)
        if (rc == 0 and now == other) or time.monotonic() >= deadline:
            break
        print('traceroute n1 -> n3 %.1f s after the kill: %s (exit %s)'
              % (time.monotonic() - t_kill, ' '.join(now), rc))
        time.sleep(0.5)
    c.check(rc == 0 and now == other, 'traceroute n1 -> n3 goes the other way within %d s of'
            ' the kill: %s (expected %s)' % (REROUTE_S, ' '.join(now), ' '.join(other)), tr)
    if now != other:
        by_id = mesh.names_by_id(ids)
        for name in NAMES:
            if name != relay:
                rt = mesh.routes(b, name)
                print('routes on %s: %s' % (name, '; '.join(
                    '%s via %s metric %s %s' % (by_id.get(k, k), ','.join(
                        by_id.get(h, h) for h in v.get('next_hops', [])), v.get('metric'),
                        v.get('source')) for k, v in rt.items())))
                print('mesh counters on %s: %s' % (name, b.vhctl(name, 'dht').get('mesh')))

    # 4. the relay comes back and rejoins
    b.restart_node(relay)
    c.check(b.vhctl(relay, 'show-identity')['node_id'] == ids[relay],
            'restarted %s has the same NodeID' % relay)
    took, res, tries = mesh.wait_lookup(b, relay, ids['n1'], REJOIN_S)
    c.check(took is not None, 'restarted %s finds n1 through the DHT within %d s (took %s s)'
            % (relay, REJOIN_S, rnd(took)), res)
    for src in ('n1', 'n3'):
        took = ping_until_answered(b, src, ids[relay], REJOIN_S)
        c.check(took is not None, '%s pings the restarted %s within %d s (took %s s)'
                % (src, relay, REJOIN_S, rnd(took)))
    for nb in mesh.link_neighbours(b, relay):
        ok = nc.wait_for(lambda: mesh.routes(b, nb).get(ids[relay], {}).get('source')
                         == 'neighbour', REJOIN_S, 0.2)
        c.check(ok, '%s routes to the restarted %s as a neighbour again' % (nb, relay),
                mesh.routes(b, nb).get(ids[relay]))
    took, res, _ = mesh.wait_lookup(b, 'n1', ids[relay], REJOIN_S)
    c.check(took is not None and res.get('found'), 'n1 finds %s by lookup again' % relay, res)
    r = mesh.ping(b, 'n1', ids['n3'], count=PINGS)
    c.check(mesh.received(r) == PINGS, 'ping n1 -> n3 with %s back: %d/%d answered'
            % (relay, mesh.received(r), PINGS), r)
    for name in NAMES:
        c.check(b.procs[name].poll() is None, '%s running at the end' % name,
                b.log_tail(name, 10))

c.finish()
