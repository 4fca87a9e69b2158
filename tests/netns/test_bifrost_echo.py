#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Bifrost over real UDP: echo replies, the one-frame rule, and drop accounting.

From the kernel namespace vh-host, with ordinary UDP sockets:
1. N valid ECHO_REQUESTs over IPv4 and over IPv6: each answered by exactly one
   ECHO_REPLY frame with the same payload, from the node's address and port 22088.
2. A KEEPALIVE + ECHO_REQUEST datagram: the node answers an ECHO only when it is
   the datagram's only frame, so this one gets no reply (and the node keeps
   answering a plain echo sent right after it).
3. Exactly K datagrams of each malformed kind and K UDP datagrams to a closed
   port: `vhctl --json stats` must count exactly K more under each reason.
"""
import select
import socket
import time

import netns_common as nc

bf = nc.bifrost
N = 20
K = 5
PORT = bf.DEFAULT_PORT
CLOSED_PORT = PORT + 1

c, build = nc.start('test_bifrost_echo')
nc.require_node(c, build)


def echo_round(s, dest, ident, count):
    """Send `count` echoes one at a time; returns the number answered correctly."""
    good = 0
    for seq in range(count):
        payload = bf.echo_payload(ident, seq, time.monotonic_ns(), pad=(seq * 37) % 200)
        s.sendto(bf.frame(bf.ECHO_REQUEST, payload), dest)
        try:
            data, src = s.recvfrom(4096)
        except socket.timeout:
            c.check(False, 'echo %d/%d to %s answered' % (seq, ident, dest[0]), 'timeout')
            continue
        try:
            frames = bf.parse(data)
        except ValueError as e:
            c.check(False, 'reply to echo %d is a well-formed datagram' % seq, e)
            continue
        ok = (src[0] == dest[0] and src[1] == PORT and len(frames) == 1
              and frames[0][0] == bf.ECHO_REPLY and frames[0][1] == payload)
        if not ok:
            c.check(False, 'echo %d: one ECHO_REPLY, same payload, from %s port %d'
                    % (seq, dest[0], PORT), 'from %s frames %r' % (src, frames))
        good += ok
    return good


def quiet(s, seconds):
    """True when nothing arrives on s for `seconds`."""
    r, _, _ = select.select([s], [], [], seconds)
    return not r


def drops(b):
    return b.vhctl('n1', 'stats')['drops']


with nc.testbed(build, 'pair', 'test_bifrost_echo') as b:
    ip4, ip6, _, _ = nc.host_addrs(b)
    s4 = nc.vbed.netns_socket(nc.vbed.HOST_NS, socket.AF_INET)
    s6 = nc.vbed.netns_socket(nc.vbed.HOST_NS, socket.AF_INET6)
    closed = nc.vbed.netns_socket(nc.vbed.HOST_NS, socket.AF_INET)
    for s in (s4, s6):
        s.settimeout(2.0)

    # 1. valid echoes
    good = echo_round(s4, (ip4, PORT), 0x1234, N)
    c.check(good == N, 'IPv4: %d/%d echoes answered with an identical ECHO_REPLY' % (good, N))
    good = echo_round(s6, (ip6, PORT), 0x5678, N)
    c.check(good == N, 'IPv6: %d/%d echoes answered with an identical ECHO_REPLY' % (good, N))

    # 2. two frames: KEEPALIVE then ECHO_REQUEST -> no reply
    two = bf.frame(bf.KEEPALIVE) + bf.frame(bf.ECHO_REQUEST, bf.echo_payload(0x77, 1, 0))
    s4.sendto(two, (ip4, PORT))
    c.check(quiet(s4, 1.0), 'KEEPALIVE+ECHO_REQUEST datagram gets no echo reply')
    c.check(echo_round(s4, (ip4, PORT), 0x78, 1) == 1, 'a single echo right after it is answered')

    # 3. malformed datagrams, counted exactly
    expected = {}
    for kind in bf.MALFORMED_KINDS:
        expected[bf.malformed(kind)[1]] = K
    expected['udp-port-closed'] = K
    time.sleep(0.5)
    before = drops(b)
    missing = [r for r in expected if r not in before]
    c.check(not missing, 'stats.drops lists every reason this test uses', missing)
    for kind in bf.MALFORMED_KINDS:
        data, _ = bf.malformed(kind)
        for _ in range(K):
            s4.sendto(data, (ip4, PORT))
            time.sleep(0.002)
    valid = bf.frame(bf.ECHO_REQUEST, bf.echo_payload(9, 9, 0))
    for _ in range(K):
        closed.sendto(valid, (ip4, CLOSED_PORT))
        time.sleep(0.002)

    def delta():
        now = drops(b)
        return {r: now.get(r, 0) - before.get(r, 0) for r in expected}

    nc.wait_for(lambda: all(v >= expected[r] for r, v in delta().items()), timeout=5.0)
    time.sleep(0.5)  # anything late would show up as an overshoot
    d = delta()
    print('drop counter deltas: %s' % d)
    for reason, want in expected.items():
        c.check(d[reason] == want, 'drops[%s] grew by exactly %d' % (reason, want), d[reason])
    c.check(quiet(s4, 0.5), 'no reply to any malformed datagram')
    for s in (s4, s6, closed):
        s.close()

c.check(not nc.vbed.leftovers(), 'teardown left nothing', nc.vbed.leftovers())
c.finish()
