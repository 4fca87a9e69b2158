# SPDX-License-Identifier: BSD-3-Clause
"""The bed's impairment element: seeded loss, delay +- jitter, reordering and
duplication on one link (docs/testbed.md, "Impaired links").

The kernel of the test machines has no netem, and a node's net_af_packet port
reads frames before any ingress hook and sends past every egress hook, so the
impairment sits on the wire itself: an impaired link's two node-side veths
both end in a relay namespace (vh-imp-<link>), where this program forwards L2
frames between the two interfaces with AF_PACKET raw sockets. Per direction
and per frame it draws four numbers from its own seeded PRNG (loss, duplicate,
reorder, jitter, always all four, so the k-th frame of a direction meets the
same fate for a given seed), and delivers from a timer heap.

    python3 impair.py CONFIG.json      (run by the bed inside the relay namespace)

CONFIG: {"link": L, "ifaces": [if0, if1], "ends": [a, b], "seed": S,
         "dirs": [{effects a -> b}, {effects b -> a}], "stats": PATH}

Stats (PATH, replaced atomically at most every STATS_EVERY_S while something
changed, and at exit) count per direction what arrived, what was dropped,
duplicated, reordered and sent, so tests can check the realised rates. SIGTERM
or SIGINT: write the final stats, exit 0 (frames still queued are discarded).

Only the standard library: this file is also imported by topology.py for
parse(), and by the unit tests for Direction.
"""

import heapq
import json
import os
import random
import select
import signal
import socket
import struct
import sys
import time

# Per-direction effects and their defaults. loss/duplicate/reorder are per cent.
EFFECTS = {'loss': 0.0, 'delay_ms': 0.0, 'jitter_ms': 0.0, 'reorder': 0.0,
           'reorder_ms': 10.0, 'duplicate': 0.0}
PERCENT = ('loss', 'duplicate', 'reorder')
MAX_MS = 10000.0
KEYS = set(EFFECTS) | {'seed', 'from'}

STATS_EVERY_S = 0.2
QUEUE_MAX = 100000          # frames held at once (both directions); beyond: counted overflow
BURST = 64                  # frames read per socket per wake-up

ETH_P_ALL = 3
SOL_PACKET = 263
PACKET_STATISTICS = 6
PACKET_QDISC_BYPASS = 20
PACKET_IGNORE_OUTGOING = 23
PACKET_OUTGOING = 4
SO_RCVBUFFORCE = 33
SO_SNDBUFFORCE = 32


class ImpairError(ValueError):
    """Bad impair settings; the message starts with the field."""


def _fail(where, why):
    raise ImpairError('%s: %s' % (where, why))


def _effects(where, spec, base):
    """Effects of one direction: `base` with the effect keys of `spec` on top."""
    out = dict(base)
    for key, value in spec.items():
        if key not in EFFECTS:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
            _fail('%s.%s' % (where, key), 'must be a number')
        if key in PERCENT and not 0 <= value <= 100:
            _fail('%s.%s' % (where, key), 'must be a per cent, 0..100')
        if key not in PERCENT and not 0 <= value <= MAX_MS:
            _fail('%s.%s' % (where, key), 'must be 0..%d ms' % MAX_MS)
        out[key] = float(value)
    if out['jitter_ms'] > out['delay_ms']:
        _fail(where + '.jitter_ms', 'must not exceed delay_ms (%g): the delay is delay_ms +- '
              'jitter_ms' % out['delay_ms'])
    if out['reorder'] and out['reorder_ms'] <= 0:
        _fail(where + '.reorder_ms', 'must be > 0 when reorder is set')
    return out


def parse(where, spec, ends):
    """Validate an `impair` object of a link with `ends` [a, b].

    Returns {'seed': int, 'dirs': [effects a -> b, effects b -> a]}. The
    effect keys at the top apply both ways; "from": {END: {...}} overrides them
    for the frames END sends.
    """
    if not isinstance(spec, dict):
        _fail(where, 'must be an object (loss, delay_ms, jitter_ms, reorder, reorder_ms, '
              'duplicate, seed, from)')
    extra = set(spec) - KEYS
    if extra:
        _fail(where, 'unknown key(s) %s' % ', '.join(sorted(extra)))
    seed = spec.get('seed', 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2 ** 63:
        _fail(where + '.seed', 'must be an integer 0..2^63-1')
    both = _effects(where, spec, EFFECTS)
    per = spec.get('from', {})
    if not isinstance(per, dict):
        _fail(where + '.from', 'must be an object {END: {effects}}')
    for end, eff in per.items():
        if end not in ends:
            _fail(where + '.from', '%r is not an end of this link (%s)' % (end, ', '.join(ends)))
        if not isinstance(eff, dict):
            _fail('%s.from.%s' % (where, end), 'must be an object of effects')
        bad = set(eff) - set(EFFECTS)
        if bad:
            _fail('%s.from.%s' % (where, end), 'unknown key(s) %s' % ', '.join(sorted(bad)))
    dirs = [_effects('%s.from.%s' % (where, e), per.get(e, {}), both) for e in ends]
    return {'seed': seed, 'dirs': dirs}


def describe(effects):
    """Short text of one direction's effects, e.g. 'loss 10% delay 20+-5 ms'."""
    parts = []
    if effects['loss']:
        parts.append('loss %g%%' % effects['loss'])
    if effects['delay_ms']:
        parts.append('delay %g%s ms' % (effects['delay_ms'], '+-%g' % effects['jitter_ms']
                                        if effects['jitter_ms'] else ''))
    if effects['reorder']:
        parts.append('reorder %g%% (+%g ms)' % (effects['reorder'], effects['reorder_ms']))
    if effects['duplicate']:
        parts.append('duplicate %g%%' % effects['duplicate'])
    return ' '.join(parts) or 'none'


class Direction:
    """The fate of the frames of one direction. Pure: no sockets, no clock.

    admit(now) -> [deliver times], one per copy to send ([] when dropped).
    Without reordering, delivery keeps arrival order (jitter never reorders:
    a frame is not delivered before the one in front of it); a reordered frame
    is held reorder_ms longer and does not hold up the frames behind it, so
    those overtake it.
    """

    COUNTERS = ('rx', 'dropped', 'duplicated', 'reordered', 'sent', 'overflow', 'tx_errors',
                'kernel_drops')

    def __init__(self, effects, seed, link, index):
        self.fx = dict(effects)
        # Seeded per link and direction: one seed for every link of a topology
        # still gives each its own sequence.
        self.rng = random.Random('vh-impair/%d/%d/%d' % (seed, link, index))
        self.last = 0.0          # delivery time of the latest in-order frame
        self.delay_sum = 0.0     # over every copy queued, in seconds
        self.delay_max = 0.0
        self.n = dict.fromkeys(self.COUNTERS, 0)

    def admit(self, now):
        fx, r = self.fx, self.rng.random
        u_loss, u_dup, u_reorder, u_jitter = r(), r(), r(), r()
        self.n['rx'] += 1
        if u_loss * 100 < fx['loss']:
            self.n['dropped'] += 1
            return []
        delay = (fx['delay_ms'] + (2 * u_jitter - 1) * fx['jitter_ms']) / 1000.0
        when = now + delay
        if u_reorder * 100 < fx['reorder']:
            self.n['reordered'] += 1
            when += fx['reorder_ms'] / 1000.0
        else:
            when = max(when, self.last)
            self.last = when
        copies = 2 if u_dup * 100 < fx['duplicate'] else 1
        if copies == 2:
            self.n['duplicated'] += 1
        self.delay_sum += copies * (when - now)
        self.delay_max = max(self.delay_max, when - now)
        return [when] * copies

    def stats(self):
        out = dict(self.n)
        queued = self.n['rx'] - self.n['dropped'] + self.n['duplicated']
        out['delay_ms_mean'] = round(1000.0 * self.delay_sum / queued, 3) if queued else None
        out['delay_ms_max'] = round(1000.0 * self.delay_max, 3)
        return out


# ---- the relay process ------------------------------------------------------------------

def packet_socket(ifname):
    # Protocol 0 until bound: an ETH_P_ALL socket would see every interface's
    # frames in between.
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    for opt, val in ((PACKET_IGNORE_OUTGOING, 1), (PACKET_QDISC_BYPASS, 1)):
        try:
            s.setsockopt(SOL_PACKET, opt, val)
        except OSError:
            pass     # older kernels: outgoing frames are skipped by type below
    for opt, fallback in ((SO_RCVBUFFORCE, socket.SO_RCVBUF), (SO_SNDBUFFORCE, socket.SO_SNDBUF)):
        try:
            s.setsockopt(socket.SOL_SOCKET, opt, 8 << 20)
        except OSError:
            s.setsockopt(socket.SOL_SOCKET, fallback, 8 << 20)
    s.bind((ifname, ETH_P_ALL))
    s.setblocking(False)
    return s


def kernel_drops(s):
    """Frames the socket's receive queue dropped since the last call (counter resets on read)."""
    try:
        _, drops = struct.unpack('II', s.getsockopt(SOL_PACKET, PACKET_STATISTICS, 8))
    except OSError:
        return 0
    return drops


class Relay:
    def __init__(self, cfg):
        self.cfg = cfg
        self.ends = cfg['ends']
        self.dirs = [Direction(cfg['dirs'][i], cfg['seed'], cfg['link'], i) for i in range(2)]
        self.socks = [packet_socket(ifname) for ifname in cfg['ifaces']]
        self.heap = []
        self.seq = 0
        self.queue_max = 0
        self.dirty = True
        self.stop = False

    def write_stats(self, final=False):
        out = {'link': self.cfg['link'], 'pid': os.getpid(), 'ready': True, 'final': final,
               'updated': time.time(), 'queued': len(self.heap), 'queue_max': self.queue_max,
               'dirs': []}
        for i, d in enumerate(self.dirs):
            entry = {'from': self.ends[i], 'to': self.ends[1 - i], 'effects': d.fx}
            entry.update(d.stats())
            out['dirs'].append(entry)
        tmp = self.cfg['stats'] + '.tmp'
        with open(tmp, 'w') as f:
            json.dump(out, f, indent=1)
        os.replace(tmp, self.cfg['stats'])
        self.dirty = False

    def receive(self, i, now):
        """Read a burst from interface i and queue it for the other interface."""
        s, d = self.socks[i], self.dirs[i]
        for _ in range(BURST):
            try:
                frame, addr = s.recvfrom(65535)
            except (BlockingIOError, InterruptedError):
                return
            if addr[2] == PACKET_OUTGOING:
                continue
            for when in d.admit(now):
                if len(self.heap) >= QUEUE_MAX:
                    d.n['overflow'] += 1
                    continue
                self.seq += 1
                heapq.heappush(self.heap, (when, self.seq, 1 - i, frame))
            self.queue_max = max(self.queue_max, len(self.heap))
            self.dirty = True

    def deliver(self, now):
        while self.heap and self.heap[0][0] <= now:
            _, _, out, frame = heapq.heappop(self.heap)
            d = self.dirs[1 - out]
            try:
                self.socks[out].send(frame)
                d.n['sent'] += 1
            except OSError:
                d.n['tx_errors'] += 1
            self.dirty = True

    def run(self):
        self.write_stats()
        next_stats = time.monotonic() + STATS_EVERY_S
        while not self.stop:
            now = time.monotonic()
            wait = next_stats - now
            if self.heap:
                wait = min(wait, self.heap[0][0] - now)
            try:
                ready, _, _ = select.select(self.socks, [], [], max(0.0, wait))
            except InterruptedError:
                continue
            now = time.monotonic()
            for s in ready:
                self.receive(self.socks.index(s), now)
            self.deliver(time.monotonic())
            if time.monotonic() >= next_stats:
                for i, s in enumerate(self.socks):
                    lost = kernel_drops(s)
                    if lost:
                        self.dirs[i].n['kernel_drops'] += lost
                        self.dirty = True
                if self.dirty:
                    self.write_stats()
                next_stats = time.monotonic() + STATS_EVERY_S
        self.write_stats(final=True)


def main(argv):
    if len(argv) != 2:
        sys.stderr.write('usage: impair.py CONFIG.json\n')
        return 2
    with open(argv[1]) as f:
        cfg = json.load(f)
    relay = Relay(cfg)

    def stop(_signo, _frame):
        relay.stop = True
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for i in range(2):
        sys.stderr.write('impair: link %d %s -> %s: %s\n' % (
            cfg['link'], cfg['ends'][i], cfg['ends'][1 - i], describe(cfg['dirs'][i])))
    sys.stderr.flush()
    relay.run()
    sys.stderr.write('impair: link %d stopped\n' % cfg['link'])
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
