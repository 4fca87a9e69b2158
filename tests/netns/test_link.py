#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Veil link sessions between two real nodes (topology link2: n1 <-> n2 over one veth).

1. Each node lists the other in `peers` (config); within a few seconds both show
   the session `up`, with the NodeID the other reports in `show-identity`.
2. `ping <NodeID>` goes through the session: every echo answered, with an RTT.
3. A capture on both veth ends while pinging through the session with a padding
   marker shows LINK_DATA frames (Bifrost type 0x13) and never the marker; the
   same marker sent in a plain (unencrypted) `ping <PathAddr>` does show up in a
   second capture, so the capture would have seen it.
4. kill -9 n2, start it again with the same config and key file: the session
   comes back by itself (both sides `up`, one more handshake on n1) and a
   ping by NodeID works again.
5. The vhctl `peers` table renders; `sessions` lists the current key slot.
6. n2 comes back with a new identity (key file deleted): n1 refuses it, since
   the TOFU pin for "n2" names the old NodeID: a log line and
   `link_key_rejected`, and no peer of n1 with the new NodeID.
7. The operator accepts the new key: `remove-peer` (drops the pin) then
   `add-peer` of the same address: the session with the new NodeID comes up.
"""
import os
import signal
import subprocess
import time

import netns_common as nc

MARKER = 'VEIL-MARKER-7f3a9c'
SESSION_WAIT_S = 10
RESTART_WAIT_S = 15

c, build = nc.start('test_link')
nc.require_node(c, build)


def peer_of(b, node):
    """The single peer entry of node (None when absent)."""
    peers = b.vhctl(node, 'peers')['peers']
    return peers[0] if len(peers) == 1 else None


def wait_up(b, ids, seconds, after=None):
    """Both sides up with the other's NodeID; returns seconds taken or None."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < seconds:
        p1, p2 = peer_of(b, 'n1'), peer_of(b, 'n2')
        ok = (p1 is not None and p2 is not None and p1['state'] == 'up' and p2['state'] == 'up'
              and p1['node_id'] == ids['n2'] and p2['node_id'] == ids['n1'])
        if ok and (after is None or p1['handshakes'] > after):
            return time.monotonic() - t0
        time.sleep(0.2)
    return None


def capture(b, path):
    """tcpdump on both veth ends, writing every UDP frame. In our runs only n2's end
    records anything (n1's requests, which carry the marker; n1's end stays empty for a
    reason not understood yet), so the checks below count on the n1 -> n2 direction;
    the control capture shows that direction does carry the marker in the clear."""
    return [capture_one('vh-n1', 'vh0-n2', path + '.n1'), capture_one('vh-n2', 'vh0-n1', path + '.n2')]


def capture_one(ns, iface, path):
    cmd = ['ip', 'netns', 'exec', ns, 'tcpdump', '-i', iface, '-U', '-s', '0', '-w', path, 'udp']
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True)
    line = p.stderr.readline()  # "listening on ...": the capture is running
    c.check('listening' in line, 'tcpdump started on %s in %s' % (iface, ns), line)
    time.sleep(0.5)
    return p


def stop_capture(procs, path):
    time.sleep(0.5)
    raw = b''
    for p, end in zip(procs, ('.n1', '.n2')):
        p.send_signal(signal.SIGINT)
        p.wait(timeout=10)
        with open(path + end, 'rb') as f:
            part = f.read()
        print('capture %s%s: %d bytes, %d LINK_DATA' % (os.path.basename(path), end, len(part),
                                                       part.count(b'VH\x01\x13')))
        raw += part
    return raw


def ping(b, target, count, pattern):
    return b.vhctl('n1', 'ping', target, '-c', str(count), '-i', '20', '-s', '200',
                   '-p', pattern)


with nc.testbed(build, 'link2', 'test_link') as b:
    ids = {n: b.vhctl(n, 'show-identity')['node_id'] for n in ('n1', 'n2')}

    # 1. sessions from config
    took = wait_up(b, ids, SESSION_WAIT_S)
    c.check(took is not None, 'both nodes show the session up with each other\'s NodeID'
            ' within %d s (took %s s)' % (SESSION_WAIT_S, None if took is None else round(took, 2)),
            '%r / %r' % (peer_of(b, 'n1'), peer_of(b, 'n2')))
    if took is None:
        c.finish()

    # 2 + 3. ping by NodeID under capture; then the control capture
    run_dir = b.run_dir
    pcap_link = os.path.join(run_dir, 'link.pcap')
    cap = capture(b, pcap_link)
    r = ping(b, ids['n2'], 20, MARKER)
    raw = stop_capture(cap, pcap_link)
    c.check(r['received'] == 20 and r['sent'] == 20,
            'ping <NodeID> over the session: %d/%d answered' % (r['received'], r['sent']), r)
    c.check(r['avg_ms'] is not None and 0 < r['avg_ms'] < 1000,
            'RTT reported: avg %s ms' % r['avg_ms'])
    link_frames = raw.count(b'VH\x01\x13')
    c.check(link_frames >= 20, 'capture shows the LINK_DATA frames of the 20 requests (%d)'
            % link_frames)
    c.check(raw.count(b'VH\x01\x05') == 0 and raw.count(b'VH\x01\x06') == 0,
            'capture shows no plaintext ECHO frames')
    c.check(MARKER.encode() not in raw and MARKER[:8].encode() not in raw,
            'marker %r never appears in %d captured bytes' % (MARKER, len(raw)))

    pcap_plain = os.path.join(run_dir, 'plain.pcap')
    cap = capture(b, pcap_plain)
    r = ping(b, '/udp/10.77.0.2:22088', 3, MARKER)
    raw = stop_capture(cap, pcap_plain)
    c.check(r['received'] == 3, 'plain ping <PathAddr>: %d/3 answered' % r['received'])
    c.check(MARKER.encode() in raw,
            'control: the capture does see the marker in plain (unencrypted) echoes')

    # 4. kill -9 n2 and restart it: the session comes back by itself
    before = peer_of(b, 'n1')['handshakes']
    os.kill(b.pid('n2'), signal.SIGKILL)
    b.procs['n2'].wait(timeout=10)
    node2 = [n for n in b.plan.nodes if n.name == 'n2'][0]
    if os.path.exists(b.sock('n2')):
        os.unlink(b.sock('n2'))
    b._start_node(node2, b.state['nodes']['n2']['cpu'])
    c.check(b.vhctl('n2', 'show-identity')['node_id'] == ids['n2'],
            'restarted n2 has the same NodeID (same key file)')
    took = wait_up(b, ids, RESTART_WAIT_S, after=before)
    c.check(took is not None,
            'after kill -9 and restart the session is back within %d s (took %s s)'
            % (RESTART_WAIT_S, None if took is None else round(took, 2)),
            '%r / %r' % (peer_of(b, 'n1'), peer_of(b, 'n2')))
    r = ping(b, ids['n2'], 5, MARKER)
    c.check(r['received'] == 5, 'ping <NodeID> after the restart: %d/5 answered' % r['received'])
    c.check('pinned on first use' in b.log_text('n2') and 'refused' not in b.log_text('n1'),
            'TOFU: pins made, no refusal after the restart')

    # 5. the table view
    p = subprocess.run([os.path.join(build, 'app/vhctl/vhctl'), '-s', b.sock('n1'), 'peers'],
                       capture_output=True, text=True, timeout=10)
    c.check(p.returncode == 0 and ids['n2'] in p.stdout and ' up ' in p.stdout,
            'vhctl peers renders a table with n2 up', p.stdout + p.stderr)
    slots = b.vhctl('n1', 'sessions')['sessions']
    c.check(any(k['slot'] == 'current' and k['node_id'] == ids['n2'] for k in slots),
            'sessions lists a current key slot for n2', slots)

    # 6. a changed key from a pinned peer is refused
    os.kill(b.pid('n2'), signal.SIGKILL)
    b.procs['n2'].wait(timeout=10)
    os.unlink(os.path.join(b.run_dir, 'n2.data', 'identity.key'))
    if os.path.exists(b.sock('n2')):
        os.unlink(b.sock('n2'))
    b._start_node(node2, b.state['nodes']['n2']['cpu'])
    new_id = b.vhctl('n2', 'show-identity')['node_id']
    c.check(new_id != ids['n2'], 'n2 restarted with a new NodeID')
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if b.vhctl('n1', 'stats')['control']['link_key_rejected'] > 0:
            break
        time.sleep(0.2)
    rejected = b.vhctl('n1', 'stats')['control']['link_key_rejected']
    c.check(rejected > 0, 'n1 counts link_key_rejected (%d)' % rejected)
    drops = b.vhctl('n1', 'stats')['drops']
    c.check(drops.get('veil-key-rejected', 0) == rejected,
            'stats drops veil-key-rejected matches (%s)' % drops.get('veil-key-rejected'))
    c.check('peer n2 refused: it proved NodeID %s' % new_id in b.log_text('n1'),
            'n1 logs the refusal naming the new NodeID and the pin', b.log_tail('n1', 5))
    c.check(all(p['node_id'] != new_id for p in b.vhctl('n1', 'peers')['peers']),
            'n1 has no peer with the refused NodeID')

    # 7. remove-peer + add-peer accepts the new key
    addr = '/udp/10.77.0.2:22088'
    r = b.vhctl('n1', 'remove-peer', addr)
    c.check(r.get('removed') is True and
            all(p['address'] != addr for p in b.vhctl('n1', 'peers')['peers']),
            'remove-peer drops the configured peer', r)
    r = b.vhctl('n1', 'add-peer', addr)
    c.check(r.get('address') == addr, 'add-peer answers with the new peer', r)
    deadline = time.monotonic() + 10
    ok = False
    while time.monotonic() < deadline and not ok:
        ok = any(p['address'] == addr and p['node_id'] == new_id and p['state'] == 'up'
                 for p in b.vhctl('n1', 'peers')['peers'])
        time.sleep(0.2)
    c.check(ok, 'after remove-peer + add-peer the session with the new NodeID is up',
            b.vhctl('n1', 'peers'))
    r = ping(b, new_id, 3, MARKER)
    c.check(r['received'] == 3, 'ping <new NodeID>: %d/3 answered' % r['received'])

c.finish()
