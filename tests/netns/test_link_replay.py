#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Replayed LINK_DATA never delivers twice nor moves a peer (topology replay3, docs/veil.md).

n1 <-> n2 have a session whose keypairs live in the data plane. A capture on
n2's link to n1 takes real LINK_DATA frames of n1 (pings by NodeID, sealed by
n1). The kernel-only host namespace (a third address, 10.77.1.2, on n2's
second link) then sends them back to n2:

- alone (the workers open it: a replay in the data plane's window);
- inside multi-frame datagrams, before, after and between other Bifrost frames
  (KEEPALIVE): the workers punt such a datagram whole and the control lcore
  opens the frame, in the same window since the fix (before it, the control
  lcore used a window of its own that had never seen the counters: the frame
  was delivered again and roaming moved n1's endpoint to the replayer);
- alone again after all that (a re-install used to reset the window).

Each replayed frame must be counted as a replay (drops veil-replay), n1's
endpoint on n2 must stay 10.77.0.1:22088 with no roam, the echo requests
inside must not be answered again, and pings by NodeID both ways must keep
working.
"""
import os
import signal
import socket
import struct
import subprocess
import sys
import time

import netns_common as nc

LINK_DATA = 0x13
KEEPALIVE = 0x03
N1 = '10.77.0.1'


def bifrost(ftype, payload):
    return b'VH' + struct.pack('>BBI', 1, ftype, len(payload)) + payload


def link_data_frames(path, src_ip):
    """Bifrost LINK_DATA frames (whole, header included) sent by src_ip in a pcap."""
    with open(path, 'rb') as f:
        data = f.read()
    out = []
    pos = 24
    src = socket.inet_aton(src_ip)
    while pos + 16 <= len(data):
        incl = struct.unpack('<I', data[pos + 8:pos + 12])[0]
        pkt = data[pos + 16:pos + 16 + incl]
        pos += 16 + incl
        if len(pkt) < 14 + 20 + 8 + 8 or pkt[12:14] != b'\x08\x00' or pkt[23] != 17:
            continue
        ihl = (pkt[14] & 15) * 4
        if pkt[26:30] != src:
            continue
        d = pkt[14 + ihl + 8:]
        if d[:3] == b'VH\x01' and d[3] == LINK_DATA:
            n = struct.unpack('>I', d[4:8])[0]
            if len(d) >= 8 + n and n > 28:  # not a keepalive: it carries an echo
                out.append(d[:8 + n])
    return out


def main():
    c, build = nc.start('test_link_replay')
    nc.require_node(c, build)
    with nc.testbed(build, 'replay3', 'test_link_replay') as b:
        ids = {n: b.vhctl(n, 'show-identity')['node_id'] for n in ('n1', 'n2')}

        def peer(node):
            p = b.vhctl(node, 'peers')['peers']
            return p[0] if len(p) == 1 else None

        def both_up():
            p1, p2 = peer('n1'), peer('n2')
            return p1 and p2 and p1['state'] == 'up' and p2['state'] == 'up' and \
                p1['dp_index'] is not None and p2['dp_index'] is not None

        c.check(nc.wait_for(both_up, 20), 'session up on both sides, keys in the data plane')
        before = peer('n2')
        ep = before['endpoint']
        c.check(ep == '/udp/%s:22088' % N1, "n2 sees n1 at its link address (%s)" % ep)

        path = os.path.join(b.run_dir, 'n1.pcap')
        cap = subprocess.Popen(['ip', 'netns', 'exec', 'vh-n2', 'tcpdump', '-i', 'vh0-n1', '-U',
                                '-s', '0', '-w', path, 'udp and src host %s' % N1],
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
        cap.stderr.readline()  # "listening on ..."
        frames = []
        deadline = time.monotonic() + 20
        while len(frames) < 4 and time.monotonic() < deadline:
            b.vhctl('n1', 'ping', ids['n2'], '-c', '5', '-i', '20')
            time.sleep(0.3)
            frames = link_data_frames(path, N1)
        cap.send_signal(signal.SIGINT)
        cap.wait(timeout=10)
        c.check(len(frames) >= 4, 'captured %d LINK_DATA frames of n1 carrying echoes'
                % len(frames))
        if len(frames) < 4:
            c.finish()

        def counters():
            st = b.vhctl('n2', 'stats')
            return st['drops'].get('veil-replay', 0), st['control']

        replay0, ctl0 = counters()
        ka = bifrost(KEEPALIVE, b'')
        f = frames
        dgrams = [
            ('alone', f[0], 1),
            ('after a KEEPALIVE', ka + f[1], 1),
            ('before a KEEPALIVE', f[2] + ka, 1),
            ('between two KEEPALIVEs', ka + f[3] + ka, 1),
            ('two replays in one datagram', f[0] + f[1], 2),
            ('all four after a KEEPALIVE', ka + f[0] + f[1] + f[2] + f[3], 4),
            ('alone again, after the multi-frame replays', f[1], 1),
        ]
        sender = ("import socket,sys\n"
                  "s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n"
                  "s.bind(('10.77.1.2',41000))\n"
                  "for h in sys.argv[1:]:\n"
                  "    s.sendto(bytes.fromhex(h),('10.77.1.1',22088))\n")
        expected = 0
        for what, d, n in dgrams:
            expected += n
            r = b.in_host([sys.executable, '-c', sender, d.hex()])
            c.check(r.returncode == 0, 'sent: %s' % what, r.stderr)
            got = nc.wait_for(lambda: counters()[0] - replay0 >= expected, 5)
            c.check(got, 'counted as replay: %s (veil-replay +%d, expected +%d)'
                    % (what, counters()[0] - replay0, expected))
        time.sleep(0.5)
        replay1, ctl1 = counters()
        c.check(replay1 - replay0 == expected, 'every replayed frame counted once as a replay '
                '(%d of %d)' % (replay1 - replay0, expected))
        c.check(ctl1['link_echo_answered'] == ctl0['link_echo_answered'],
                'no replayed echo request answered by the control lcore (%d -> %d)'
                % (ctl0['link_echo_answered'], ctl1['link_echo_answered']))
        after = peer('n2')
        c.check(after['endpoint'] == ep, "n1's endpoint unchanged on n2 (%s)" % after['endpoint'])
        moves = [p['dp'].get('endpoint_moves') for p in (before, after)]
        c.check(after['dp']['roams'] == before['dp']['roams'] and moves[0] == moves[1],
                'no roam, no endpoint move (roams %d -> %d, moves %s -> %s)'
                % (before['dp']['roams'], after['dp']['roams'], moves[0], moves[1]))
        for a, z in (('n1', 'n2'), ('n2', 'n1')):
            r = b.vhctl(a, 'ping', ids[z], '-c', '20', '-i', '20')
            c.check(r['received'] == 20, 'ping <NodeID> %s -> %s: %d/20' % (a, z, r['received']))
    c.finish()


if __name__ == '__main__':
    main()
