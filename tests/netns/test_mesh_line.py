#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A multi-hop overlay of five node processes in a line (topology line5):

    n1 - n2 - n3 - n4 - n5      every n_k knows only n_(k-1)'s address (dht.bootstrap)

1. Each bootstrap link session comes up (both sides `up` with the other's NodeID)
   within SESSION_WAIT_S; n1's only peer is n2 (`peers` starts empty: nobody is
   configured with `peers`).
2. n1 finds n5 through the DHT: `vhctl lookup <n5>` is found within LOOKUP_WAIT_S
   of the sessions being up, the successful lookup itself took at most
   LOOKUP_MAX_MS, its next hop is n2 (n1's only neighbour) and n5's address on
   link 3 is among the addresses.
3. Under a capture of every veth end, n1 pings n5 through three relays: all
   PINGS echoes answered; `traceroute <n5>` lists exactly n2, n3, n4 then n5.
4. The capture shows only Veil link frames (Bifrost 0x10-0x14) on the overlay
   port, LINK_DATA (0x13) for every echo request and reply on every link, and
   never the `ping -p` marker; a plain `ping <PathAddr>` from n1 to n2 with the
   same marker does show it, so the capture would have seen it.
5. `routes` on n1: n2 a neighbour (metric 1), n5 reached through n2; `dht`
   counts the lookups.
6. With worker lcores (VH_BED_WORKERS, the second meson entry
   netns_mesh_line_2w): every relay's workers each received packets; with
   several queues per port (VH_BED_QUEUES) 64 flows sent to each relay spread
   over its workers and all arrive (docs/testbed.md, "Workers and queues").
"""
import os

import netns_common as nc
from vhbed import mesh, pcap

NAMES = ['n1', 'n2', 'n3', 'n4', 'n5']
MARKER = 'MESH-MARKER-51c9e2'
SESSION_WAIT_S = 15     # all four bootstrap sessions up, counted from the bed being up
LOOKUP_WAIT_S = 10      # n1 finds n5, counted from the sessions being up
LOOKUP_MAX_MS = 2000    # one successful iterative lookup
PINGS = 20

c, build = nc.start('test_mesh_line')
nc.require_node(c, build)

with nc.testbed(build, 'line5', 'test_mesh_line') as b:
    ids = mesh.node_ids(b, NAMES)
    c.check(len(set(ids.values())) == 5, 'five nodes, five NodeIDs', ids)

    # 1. bootstrap sessions
    pairs = mesh.bootstrap_pairs(b)
    took, missing = mesh.wait_sessions(b, ids, pairs, SESSION_WAIT_S)
    c.check(took is not None, 'bootstrap sessions %s up on both sides within %d s (took %s s)'
            % (' '.join('%s>%s' % p for p in pairs), SESSION_WAIT_S,
               None if took is None else round(took, 2)), 'missing %s' % missing)
    if took is None:
        mesh.explain_missing(b, missing)
        c.finish()
    c.check(mesh.peers_up(b, 'n1') == {ids['n2']}, 'n1\'s only link session is with n2',
            b.vhctl('n1', 'peers'))

    # 2. n1 finds n5 through the DHT
    took, res, tries = mesh.wait_lookup(b, 'n1', ids['n5'], LOOKUP_WAIT_S)
    print('lookup n1 -> n5: %r (%d tries)' % (res, tries))
    c.check(took is not None, 'n1 finds n5 through the DHT within %d s (took %s s, %d lookups)'
            % (LOOKUP_WAIT_S, None if took is None else round(took, 2), tries), res)
    if took is None:
        c.finish()
    c.check(res.get('node_id') == ids['n5'], 'the lookup answers for n5')
    c.check(isinstance(res.get('elapsed_ms'), (int, float)) and res['elapsed_ms'] <= LOOKUP_MAX_MS,
            'the successful lookup took %s ms (at most %d)' % (res.get('elapsed_ms'),
                                                               LOOKUP_MAX_MS))
    c.check(res.get('next_hops') == [ids['n2']], 'its next hop is n2', res.get('next_hops'))
    n5_addr = b.plan.pathaddr('n5', 'n4')
    c.check(n5_addr in (res.get('addresses') or []),
            'n5\'s address %s is among the addresses found' % n5_addr, res.get('addresses'))
    # the DHT core's counters reach `stats` through the counter registry
    st = b.vhctl('n1', 'stats')['control']
    c.check(st.get('dht_lookups_started', 0) >= 1 and st.get('dht_tx_find_node', 0) >= 1 and
            st.get('mesh_dht_tx', 0) >= 1, 'the DHT counters are in stats',
            {k: v for k, v in st.items() if k.startswith(('dht_lookups', 'dht_tx_find'))})

    # 3. ping and traceroute through three relays, under capture
    cap = pcap.Capture(b.plan.veth_ends(), b.run_dir, 'mesh')
    c.check(cap.start(), 'tcpdump listening on all %d veth ends' % len(b.plan.veth_ends()),
            cap.errors)
    r = mesh.ping(b, 'n1', ids['n5'], count=PINGS, interval_ms=50, size=200, pattern=MARKER)
    rc, tr = mesh.traceroute(b, 'n1', ids['n5'], max_hops=8, timeout_ms=1000)
    caps = cap.stop()
    print('ping n1 -> n5: %r' % r)
    print('traceroute n1 -> n5 (exit %s): %r' % (rc, tr))
    c.check(r is not None and r.get('sent') == PINGS and mesh.received(r) == PINGS,
            'ping <n5> from n1 through three relays: %s/%s answered'
            % (mesh.received(r), (r or {}).get('sent')), r)
    rtts = (r or {}).get('rtt_ms') or []
    c.check(len(rtts) == PINGS and all(isinstance(x, (int, float)) and x > 0 for x in rtts),
            'an RTT for every echo (avg %s ms)' % (r or {}).get('avg_ms'))
    hops = mesh.hop_names(tr, ids)
    c.check(rc == 0 and tr is not None and tr.get('reached') is True,
            'traceroute <n5> reaches n5 (exit %s)' % rc, tr)
    c.check(hops == ['n2', 'n3', 'n4', 'n5'],
            'traceroute lists n2, n3, n4 then n5: %s' % ' '.join(hops), tr)
    c.check(tr is not None and [h.get('hop') for h in tr.get('hops', [])] == [1, 2, 3, 4]
            and all(isinstance(h.get('rtt_ms'), (int, float)) for h in tr.get('hops', [])),
            'hops numbered 1..4, each with an RTT', tr)

    # 4. what the wires carried
    raw = b''.join(caps.values())
    for link in b.plan.links:
        ends = [('vh-' + e, link.ifnames[j]) for j, e in enumerate(link.ends)]
        data = [pcap.udp_datagrams(caps[e]) for e in ends]
        census = pcap.bifrost_census(data[0] + data[1])
        print('link %d %s-%s: %d + %d UDP datagrams captured, frame types %s' % (
            link.index, link.ends[0], link.ends[1], len(data[0]), len(data[1]),
            {hex(k): v for k, v in sorted(census['types'].items())}))
        c.check(census['not_bifrost'] == 0 and not census['not_link'],
                'link %s-%s: only Veil link frames (0x10-0x14) on port 22088'
                % tuple(link.ends), census)
        # each end records what arrives on it: requests one way, replies the other
        c.check(census['types'].get(0x13, 0) >= 2 * PINGS,
                'link %s-%s: at least %d LINK_DATA frames (%d)'
                % (link.ends[0], link.ends[1], 2 * PINGS, census['types'].get(0x13, 0)))
    c.check(MARKER.encode() not in raw and MARKER[:8].encode() not in raw,
            'marker %r never appears in %d captured bytes' % (MARKER, len(raw)))

    plain = pcap.Capture(b.plan.veth_ends()[:2], b.run_dir, 'plain')
    plain.start()
    r = b.vhctl('n1', 'ping', b.plan.pathaddr('n2', 'n1'), '-c', '3', '-s', '200', '-p', MARKER)
    raw = b''.join(plain.stop().values())
    c.check(mesh.received(r) == 3 and MARKER.encode() in raw,
            'control: a plain ping <PathAddr> n1 -> n2 (%d/3) shows the marker in the capture'
            % mesh.received(r))

    # 5. routes and DHT counters
    routes = mesh.routes(b, 'n1')
    print('routes n1: %r' % b.vhctl('n1', 'routes'))
    n2r, n5r = routes.get(ids['n2'], {}), routes.get(ids['n5'], {})
    c.check(n2r.get('source') == 'neighbour' and n2r.get('metric') == 1,
            'routes on n1: n2 is a neighbour with metric 1', n2r)
    c.check(n5r.get('next_hops') == [ids['n2']] and (n5r.get('metric') or 0) > 1,
            'routes on n1: n5 through n2, metric %s' % n5r.get('metric'), n5r)
    dht = b.vhctl('n1', 'dht')
    print('dht n1: %r' % dht)
    c.check(dht.get('lookups_found', 0) >= 1 and dht.get('table_size', 0) >= 1,
            'dht on n1 counts %s lookup(s) found, %s contacts'
            % (dht.get('lookups_found'), dht.get('table_size')))
    # 6. workers
    if nc.bed_workers() > 1:
        if nc.bed_queues() > 1:
            for k in (1, 2, 3):
                nc.check_rss_spread(c, b, NAMES[k], NAMES[k - 1])
        nc.check_workers(c, b, NAMES[1:4])
    for name in NAMES:
        c.check(b.procs[name].poll() is None and os.path.exists(b.sock(name)),
                '%s still running at the end' % name, b.log_tail(name, 10))

c.finish()
