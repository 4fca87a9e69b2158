# SPDX-License-Identifier: BSD-3-Clause
"""Shared helpers of the netns suite: every test takes the build directory as argv[1]."""

import fcntl
import os
import sys
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, '..', '..'))
sys.path.insert(0, os.path.join(REPO, 'scripts', 'lib'))

from vhbed import bed as vbed  # noqa: E402
from vhbed import bifrost, ctl, topology  # noqa: E402,F401 (re-exported for the tests)

TOPOLOGIES = os.path.join(HERE, 'topologies')


class Checks:
    """Named checks; every one is printed, the test fails when any failed."""

    def __init__(self, name):
        self.name = name
        self.failed = []
        self.passed = 0

    def check(self, ok, what, detail=''):
        if ok:
            self.passed += 1
            print('ok   %s' % what, flush=True)
        else:
            self.failed.append(what)
            print('FAIL %s%s' % (what, (': ' + str(detail)) if detail else ''), flush=True)
        return ok

    def fatal(self, what):
        self.failed.append(what)
        print('FAIL %s' % what, flush=True)
        self.finish()

    def finish(self):
        print('%s: %d check(s) passed, %d failed%s' % (
            self.name, self.passed, len(self.failed),
            ('' if not self.failed else ' (' + '; '.join(self.failed) + ')')), flush=True)
        sys.exit(1 if self.failed else 0)


def start(name):
    """Common prologue: argv, root, binaries. Returns (Checks, build dir)."""
    c = Checks(name)
    if len(sys.argv) != 2:
        print('usage: %s BUILD_DIR' % sys.argv[0])
        sys.exit(2)
    build = os.path.abspath(sys.argv[1])
    if os.geteuid() != 0:
        c.fatal('this test needs root (it creates network namespaces and veths): '
                'run the netns suite as root, e.g. sudo meson test -C %s --suite netns' % build)
    return c, build


def require_node(c, build):
    for prog in ('app/valhalla/valhalla', 'app/vhctl/vhctl'):
        path = os.path.join(build, prog)
        if not os.access(path, os.X_OK):
            c.fatal('%s is not built: this test runs the real node' % path)


def plan(name):
    return topology.load(os.path.join(TOPOLOGIES, name + '.json'))


BED_LOCK = '/run/valhalla-testbed.lock'


class _Exclusive:
    """One bed on the machine at a time: they share the vh-* namespace names.

    Meson runs the netns suite serially; the lock is for people (and scripts)
    running beds by hand beside it: `flock /run/valhalla-testbed.lock CMD`.
    """

    def __init__(self, bed):
        self.bed = bed
        self.fd = None

    def __enter__(self):
        self.fd = open(BED_LOCK, 'w')
        deadline = time.monotonic() + 900
        while True:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    self.fd.close()
                    raise RuntimeError('another test bed has held %s for 15 min' % BED_LOCK)
                time.sleep(0.5)
        try:
            return self.bed.__enter__()
        except BaseException:
            self._release()
            raise

    def __exit__(self, *exc):
        try:
            return self.bed.__exit__(*exc)
        finally:
            self._release()

    def _release(self):
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            self.fd.close()
            self.fd = None

    def __getattr__(self, name):
        return getattr(self.bed, name)


def _env_int(name):
    v = os.environ.get(name)
    if v in (None, ''):
        return None
    if not v.isdigit():
        raise SystemExit('%s must be a number, not %r' % (name, v))
    return int(v)


def bed_workers():
    """Worker lcores every node gets (VH_BED_WORKERS; 0 when unset: single-lcore mode)."""
    return _env_int('VH_BED_WORKERS') or 0


def bed_queues():
    """Queue pairs on every port (VH_BED_QUEUES; 1 when unset)."""
    return _env_int('VH_BED_QUEUES') or 1


def testbed(build, topo, test_name, **kw):
    """A Testbed for topology `topo`, held exclusively (BED_LOCK); node logs are
    kept in BUILD/meson-logs/netns/TEST/. VH_BED_WORKERS and VH_BED_QUEUES
    (the second meson entries of some tests) start every node with that many
    worker lcores and every port with that many queue pairs; the logs then go
    to TEST_<W>w<Q>q/."""
    if _env_int('VH_BED_WORKERS') is not None or _env_int('VH_BED_QUEUES') is not None:
        kw.setdefault('workers', bed_workers())
        kw.setdefault('queues', bed_queues())
        test_name += '_%dw%dq' % (kw['workers'], kw['queues'])
    logs = os.path.join(build, 'meson-logs', 'netns', test_name)
    return _Exclusive(vbed.Testbed(plan(topo) if isinstance(topo, str) else topo, build=build,
                                   keep_logs=logs, **kw))


def worker_packets(b, name):
    """[(lcore, rx_packets, tx_packets)] of a node's graph lcores (`stats` lcores)."""
    return [(lc['lcore'], lc['rx_packets'], lc['tx_packets'])
            for lc in b.vhctl(name, 'stats')['lcores']]


def check_workers(c, b, names, min_rx=1):
    """With worker lcores: every node's stats list that many workers, and on each node
    named in `names` every worker received at least min_rx packets. Prints the figures."""
    workers = b.lcores_of(b.plan.node(names[0]))[0] if names else 0
    for name in names:
        per = worker_packets(b, name)
        print('%s per worker (lcore, rx, tx): %s' % (name, per), flush=True)
        c.check(len(per) == workers and all(rx >= min_rx for _, rx, _ in per),
                '%s: each of its %d workers received packets (rx %s)'
                % (name, workers, ' '.join(str(rx) for _, rx, _ in per)), per)


def host_addrs(b, node='n1'):
    """(node IPv4, node IPv6, host IPv4, host IPv6) without prefix lengths."""
    h4, h6, n4, n6 = b.plan.host_addresses(node)
    return n4.split('/')[0], n6[0].split('/')[0], h4.split('/')[0], h6[0].split('/')[0]


def wait_for(fn, timeout=5.0, interval=0.1):
    """Call fn until it returns a true value or timeout; returns the last value."""
    deadline = time.monotonic() + timeout
    while True:
        v = fn()
        if v or time.monotonic() >= deadline:
            return v
        time.sleep(interval)


def _ip_csum(hdr):
    s = sum((hdr[i] << 8) + hdr[i + 1] for i in range(0, len(hdr), 2))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def send_udp_flows(ns, ifname, dst_mac, src_ip, dst_ip, payload, flows=64,
                   dst_port=bifrost.DEFAULT_PORT, first_sport=40000):
    """One UDP datagram per source port first_sport.. (`flows` different 5-tuples) from a
    raw socket on interface `ifname` of namespace `ns` to dst_mac/dst_ip:dst_port: flows
    for RSS (af_packet's fanout hash) to spread. Made-up source MAC; IPv4, no UDP
    checksum. Returns the number of frames sent."""
    import ipaddress
    import socket
    import struct
    mac = bytes(int(x, 16) for x in dst_mac.split(':'))
    src = ipaddress.IPv4Address(src_ip.split('/')[0]).packed
    dst = ipaddress.IPv4Address(dst_ip.split('/')[0]).packed
    s = vbed.netns_socket(ns, socket.AF_PACKET, socket.SOCK_RAW)
    try:
        s.bind((ifname, 0))
        for i in range(flows):
            udp = struct.pack('>HHHH', first_sport + i, dst_port, 8 + len(payload), 0) + payload
            ip = bytearray(struct.pack('>BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), i, 0, 64, 17, 0,
                                       src, dst))
            ip[10:12] = struct.pack('>H', _ip_csum(ip))
            s.send(mac + bytes.fromhex('02000000fe01') + b'\x08\x00' + bytes(ip) + udp)
    finally:
        s.close()
    return flows


def check_rss_spread(c, b, name, via, flows=64):
    """Node `name`'s port towards `via` spreads flows over its workers: `flows` datagrams
    (each its own source port, a Bifrost frame with a bad magic) sent from via's
    namespace all arrive (the node counts each as bifrost-bad-magic, so no queue went
    unpolled), and every worker of `name` received at least an eighth of them while
    they arrived (the background, a keepalive a second per session, is far less: a
    port that sent every flow to one queue fails)."""
    link = b.plan.link_between(via, name)
    end = link.end_of(via)
    pname = [q['name'] for q in b.plan.node(name).ports if q['link'] == link.index][0]
    port = [p for p in b.vhctl(name, 'ports')['ports'] if p['name'] == pname][0]
    drops0 = b.vhctl(name, 'stats')['drops'].get('bifrost-bad-magic', 0)
    before = worker_packets(b, name)
    bad = bifrost.malformed('bad-magic')[0]
    send_udp_flows('vh-' + via, link.ifnames[end], port['mac'], link.ipv4[end],
                   link.ipv4[1 - end], bad, flows)
    got = wait_for(lambda: b.vhctl(name, 'stats')['drops'].get('bifrost-bad-magic', 0) - drops0
                   >= flows, timeout=5.0)
    drops = b.vhctl(name, 'stats')['drops'].get('bifrost-bad-magic', 0) - drops0
    after = worker_packets(b, name)
    spread = [a[1] - b_[1] for a, b_ in zip(after, before)]
    print('%s: %d flows from %s on %s (%d rx queues): rx per worker %s' % (
        name, flows, via, port['name'], port['rx_queues'], spread), flush=True)
    c.check(got and drops == flows, '%s: all %d flows from %s arrived (bifrost-bad-magic +%d)'
            % (name, flows, via, drops))
    c.check(port['rx_queues'] == len(spread), '%s: port %s polls %d rx queues, one per worker'
            % (name, port['name'], port['rx_queues']), port)
    c.check(len(spread) > 1 and all(x >= flows // 8 for x in spread),
            '%s: the %d flows on %s spread over its %d workers: %s (each at least %d)'
            % (name, flows, port['name'], len(spread), spread, flows // 8))


def workers_all_busy(b, name, pairs):
    """True when, with one queue per port (ports spread over the workers by port index),
    every worker of node `name` owns a port whose link carries a session (one of the
    bootstrap `pairs`), so each must receive packets."""
    workers = b.lcores_of(b.plan.node(name))[0]
    busy = set()
    for i, port in enumerate(b.plan.node(name).ports):
        if (name, port['peer']) in pairs or (port['peer'], name) in pairs:
            busy.add(i % workers)
    return workers > 0 and len(busy) == workers
