#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The impairment element of the bed (scripts/lib/vhbed/impair.py), kernel to kernel.

One impaired link between vh-host and vh-n1; n1 is the stand-in node (it
touches no packet), and the kernel of vh-n1 gets the node's address, so both
ends are ordinary kernel sockets and only the element stands between them:

    vh-host 10.77.0.2 -- vh-imp-0 (impair.py) -- vh-n1 10.77.0.1
    host -> n1: loss 10%, delay 20 +- 5 ms, duplicate 5%
    n1 -> host: reorder 5% (held 5 ms), nothing else

1. host -> n1: 1500 UDP datagrams 2 ms apart carrying a sequence number and
   the send time; the receiver takes the kernel's receive timestamp. Realised
   loss and duplication within 5 standard deviations of the configured
   rates; no datagram faster than 15 ms (delay - jitter), the median within
   the configured 15..25 ms plus slack for a busy machine, the spread showing
   jitter; the element's own counters agree with what the receiver saw.
2. n1 -> host: 1500 datagrams in bursts of 20: none lost, none duplicated,
   late arrivals (overtaken datagrams) seen, about as many as the element
   reports reordering, and that count within bounds of 5%.
3. 200 pings host -> n1: answered about 90% of the time (4 standard deviations), no reply faster than
   the 15 ms minimum delay of the one delayed direction.
4. Teardown stops the element: final stats written (kept with the logs), no
   process, no namespace left.
"""
import json
import os
import socket
import statistics
import struct
import time

import netns_common as nc

N = 1500
PINGS = 200
FWD = {'loss': 10, 'delay_ms': 20, 'jitter_ms': 5, 'duplicate': 5}
BACK = {'reorder': 5, 'reorder_ms': 5}
SEED = 11
# Scheduling slack for a Python relay and Python senders on two busy cores.
SLACK_MS = 10
LOGS = 'test_impair'
SO_TIMESTAMPNS = 35     # Linux; also the cmsg type (SCM_TIMESTAMPNS); not in Python's socket
SO_RCVBUFFORCE = 33

c, build = nc.start('test_impair')

topo = nc.topology.from_dict({
    'comment': 'test_impair: host <-> n1 through the impairment element',
    'nodes': ['n1'],
    'links': [{'ends': ['n1', 'host'],
               'impair': {'seed': SEED, 'from': {'host': FWD, 'n1': BACK}}}]})


def udp_socket(ns, addr):
    s = nc.vbed.netns_socket(ns, socket.AF_INET)
    s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 16 << 20)   # hold a whole stream
    s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    s.bind((addr, 0))
    return s


def receive_all(s, quiet_s=1.0):
    """[(seq, send ns, kernel receive ns)] until nothing came for quiet_s."""
    out = []
    s.settimeout(quiet_s)
    while True:
        try:
            data, anc, _, _ = s.recvmsg(64, 64)
        except socket.timeout:
            return out
        rx = None
        for level, kind, val in anc:
            if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS:
                sec, nsec = struct.unpack('qq', val[:16])
                rx = sec * 10 ** 9 + nsec
        seq, tx = struct.unpack('!Iq', data[:12])
        out.append((seq, tx, rx))


def send_stream(s, dst, gap_s=None, burst=None):
    """N datagrams (seq, send time) to dst: gap_s apart, or in bursts of `burst` 3 ms apart."""
    t0 = time.monotonic()
    for seq in range(N):
        s.sendto(struct.pack('!Iq', seq, time.time_ns()) + b'\0' * 52, dst)
        if gap_s is not None:
            pause = t0 + (seq + 1) * gap_s - time.monotonic()
            if pause > 0:
                time.sleep(pause)
        elif (seq + 1) % burst == 0:
            time.sleep(0.003)


def binomial_ok(count, n, p, sds=5):
    sd = (n * p * (1 - p)) ** 0.5
    return abs(count - n * p) <= sds * sd, '%d of %d (expected %.1f +- %.1f)' % (
        count, n, n * p, sds * sd)


def resolve(b, ns, dst, timeout=15):
    """Ping until answered once: ARP resolved both ways before a stream starts."""
    return nc.wait_for(lambda: b.in_ns(ns, ['ping', '-c', '1', '-W', '1', dst]).returncode == 0,
                       timeout, 0.1)


def direction(stats, sender):
    return [d for d in stats['dirs'] if d['from'] == sender][0]


with nc.testbed(build, topo, LOGS, standin=True) as b:
    link = b.plan.links[0]
    n1_ip, host_ip = link.ipv4[0].split('/')[0], link.ipv4[1].split('/')[0]
    b.in_ns('vh-n1', ['ip', 'addr', 'add', link.ipv4[0], 'dev', link.ifnames[0]], check=True)
    rx_n1 = udp_socket('vh-n1', n1_ip)
    rx_host = udp_socket(nc.vbed.HOST_NS, host_ip)
    c.check(resolve(b, nc.vbed.HOST_NS, n1_ip) and resolve(b, 'vh-n1', host_ip),
            'host and n1 ping each other through the element')

    # 1. host -> n1: loss, delay +- jitter, duplicates
    before = direction(b.impair_stats(0), 'host')
    send_stream(rx_host, rx_n1.getsockname(), gap_s=0.002)
    got = receive_all(rx_n1)
    seqs = [g[0] for g in got]
    unique = set(seqs)
    lost, dups = N - len(unique), len(seqs) - len(unique)
    ok, text = binomial_ok(lost, N, FWD['loss'] / 100)
    c.check(ok, 'host -> n1: realised loss %.1f%% (configured %d%%): %s'
            % (100.0 * lost / N, FWD['loss'], text))
    ok, text = binomial_ok(dups, N - lost, FWD['duplicate'] / 100)
    c.check(ok, 'host -> n1: duplicates %s' % text)
    delays = sorted((rx - tx) / 1e6 for _, tx, rx in got if rx is not None)
    c.check(len(delays) == len(got), 'every datagram has a kernel receive timestamp')
    lo = FWD['delay_ms'] - FWD['jitter_ms']
    hi = FWD['delay_ms'] + FWD['jitter_ms']
    med = statistics.median(delays)
    p10, p90 = delays[len(delays) // 10], delays[9 * len(delays) // 10]
    print('host -> n1 one-way delay ms: min %.2f p10 %.2f median %.2f p90 %.2f max %.2f'
          % (delays[0], p10, med, p90, delays[-1]))
    c.check(delays[0] >= lo, 'no datagram faster than delay - jitter = %d ms (min %.2f ms)'
            % (lo, delays[0]))
    c.check(lo <= med <= hi + SLACK_MS, 'median delay %.2f ms within %d..%d ms (+%d ms slack)'
            % (med, lo, hi, SLACK_MS))
    c.check(p90 - p10 >= FWD['jitter_ms'] / 2, 'delays spread by the jitter: p90 - p10 = %.2f ms'
            % (p90 - p10))
    after = direction(b.impair_stats(0), 'host')
    delta = {k: after[k] - before[k] for k in ('rx', 'dropped', 'duplicated', 'sent')}
    print('element host -> n1 during the stream: %s; delay_ms_mean %s, kernel_drops %d, '
          'overflow %d' % (delta, after['delay_ms_mean'], after['kernel_drops'],
                           after['overflow']))
    # ARP and the like may cross during the stream too: a few frames of slack
    c.check(N <= delta['rx'] <= N + 5 and lost <= delta['dropped'] <= lost + 5
            and dups <= delta['duplicated'] <= dups + 5,
            'the element counted what the receiver saw (rx %d, dropped %d vs %d lost, '
            'duplicated %d vs %d)' % (delta['rx'], delta['dropped'], lost,
                                      delta['duplicated'], dups))
    c.check(lo <= after['delay_ms_mean'] <= hi, 'the element delayed by %.2f ms on average'
            % after['delay_ms_mean'])
    c.check(after['kernel_drops'] == 0 and after['overflow'] == 0 and after['tx_errors'] == 0,
            'the element lost nothing itself', after)

    # 2. n1 -> host: reordering only
    before = direction(b.impair_stats(0), 'n1')
    send_stream(rx_n1, rx_host.getsockname(), burst=20)
    got = receive_all(rx_host)
    seqs = [g[0] for g in got]
    late, top = 0, -1
    for s in seqs:
        if s < top:
            late += 1
        top = max(top, s)
    after = direction(b.impair_stats(0), 'n1')
    reordered = after['reordered'] - before['reordered']
    c.check(sorted(seqs) == list(range(N)), 'n1 -> host: all %d datagrams, once each (got %d, '
            '%d distinct)' % (N, len(seqs), len(set(seqs))))
    ok, text = binomial_ok(reordered, N, BACK['reorder'] / 100)
    c.check(ok, 'n1 -> host: the element reordered %s' % text)
    c.check(late >= 0.7 * reordered and late > 0, 'n1 -> host: %d datagrams arrived after a later'
            ' one (the element held %d back)' % (late, reordered))

    # 3. ping through both directions
    p = b.in_host(['ping', '-c', str(PINGS), '-i', '0.01', '-W', '1', n1_ip])
    print(p.stdout.strip().splitlines()[-2:])
    got = [float(x.split('time=')[1].split()[0]) for x in p.stdout.splitlines() if 'time=' in x]
    answered = {x.split('icmp_seq=')[1].split()[0] for x in p.stdout.splitlines()
                if 'icmp_seq=' in x}
    ok, text = binomial_ok(PINGS - len(answered), PINGS, FWD['loss'] / 100, sds=4)
    c.check(ok, 'ping host -> n1: lost %s' % text)
    c.check(got and min(got) >= lo, 'ping host -> n1: no reply faster than %d ms (min %s ms)'
            % (lo, min(got) if got else None))
    relay_pid = b.relays[0].pid

c.check(not nc.vbed.alive(relay_pid), 'teardown stopped the element (pid %d)' % relay_pid)
c.check(not nc.vbed.leftovers(), 'nothing left after teardown', nc.vbed.leftovers())
kept = os.path.join(build, 'meson-logs', 'netns', LOGS, 'imp-0.stats.json')
try:
    with open(kept) as f:
        final = json.load(f)
except (OSError, ValueError) as e:
    final = {'error': str(e)}
c.check(final.get('final') is True, 'the element wrote its final stats at exit (%s)' % kept,
        final)
c.finish()
