#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A neighbour that comes up late is linked within seconds (issue 9, item 6).

Topology late2: n1 bootstraps from n2, which the bed holds back. n1 keeps
trying its handshake to n2; its ARP requests go unanswered and n2's entry in
n1's neighbour cache turns FAILED (`vhctl neigh`). n2 is started at least
START_AFTER_S after n1, once that entry is FAILED. The link session must come
up within LINK_WAIT_S of n2 answering on its control socket: n1 keeps asking
for a wanted FAILED neighbour (requests backing off to 4 s apart), where it
used to give up for 20 s. Then n1 pings n2 by NodeID.
"""
import time

import netns_common as nc
from vhbed import mesh

START_AFTER_S = 5
FAILED_WAIT_S = 15
# n1 asks for n2 at most 4 s apart, its handshake retries at most 2 s apart
# (bed timers), plus the handshake and polling: well under the old 20 s hole.
LINK_WAIT_S = 10

c, build = nc.start('test_neigh_late')
nc.require_node(c, build)


def n2_entry(b, ip):
    for e in b.vhctl('n1', 'neigh').get('neighbours', []):
        if e.get('family') == 4 and e.get('address') == ip:
            return e
    return None


with nc.testbed(build, 'late2', 'test_neigh_late', hold=['n2']) as b:
    t_n1 = time.monotonic()
    ip2 = b.plan.links[0].ipv4[1].split('/')[0]
    c.check(b.procs.get('n2') is None, 'n2 is held back while n1 runs')
    failed = nc.wait_for(lambda: (n2_entry(b, ip2) or {}).get('state') == 'failed',
                         FAILED_WAIT_S, 0.2)
    c.check(failed, "n2's address %s turns FAILED in n1's neighbour cache" % ip2,
            n2_entry(b, ip2))
    if not failed:
        c.finish()
    time.sleep(max(0.0, START_AFTER_S - (time.monotonic() - t_n1)))

    t_start = time.monotonic()
    b.start_node('n2')
    t_ready = time.monotonic()
    print('n2 started %.1f s after n1, answering after %.1f s'
          % (t_start - t_n1, t_ready - t_start))
    ids = mesh.node_ids(b, ['n1', 'n2'])
    took, missing = mesh.wait_sessions(b, ids, [('n1', 'n2')], LINK_WAIT_S)
    since_start = None if took is None else time.monotonic() - t_start
    c.check(took is not None, 'link n1 - n2 up within %d s of n2 answering (took %s s, %s s'
            ' after its start)' % (LINK_WAIT_S, None if took is None else round(took, 2),
                                   None if since_start is None else round(since_start, 2)),
            'missing %s' % missing)
    if took is None:
        mesh.explain_missing(b, missing)
        print('n1 neighbours: %s' % b.vhctl('n1', 'neigh'))
    e = n2_entry(b, ip2)
    c.check(e is not None and e.get('state') in ('reachable', 'stale'),
            "n2's address resolved in n1's cache", e)
    control = b.vhctl('n1', 'stats').get('control', {})
    print('n1 control: arp_requests_sent %s neigh_failed %s neigh_learned %s' % (
        control.get('arp_requests_sent'), control.get('neigh_failed'),
        control.get('neigh_learned')))
    c.check(control.get('neigh_failed', 0) >= 1, 'n1 had given n2 up first (neigh_failed >= 1)',
            control.get('neigh_failed'))
    r = mesh.ping(b, 'n1', ids['n2'], count=5)
    c.check(mesh.received(r) == 5, 'ping n1 -> n2 by NodeID: %d/5 answered' % mesh.received(r), r)
    for name in ('n1', 'n2'):
        c.check(b.procs[name].poll() is None, '%s running at the end' % name, b.log_tail(name, 10))

c.check(not nc.vbed.leftovers(), 'teardown left nothing', nc.vbed.leftovers())
c.finish()
