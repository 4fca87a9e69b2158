# SPDX-License-Identifier: BSD-3-Clause
"""Reading what tcpdump -w wrote: classic pcap, Ethernet, UDP over IPv4/IPv6.

Enough for the netns tests to say what crossed a veth: every UDP datagram
with its addresses and payload, and which Bifrost frame types those payloads
held (a capture of a mesh must show Veil link frames, 0x10-0x14, and nothing
in the clear).
"""

import collections
import ipaddress
import os
import signal
import struct
import subprocess
import time

from . import bifrost

LINKTYPE_ETHERNET = 1
ETH_IPV4, ETH_IPV6, ETH_VLAN = 0x0800, 0x86DD, 0x8100
IPPROTO_UDP = 17
LINK_TYPES = range(0x10, 0x15)   # Veil link frames (docs/protocol.md)

Udp = collections.namedtuple('Udp', 'src sport dst dport payload')


def records(data):
    """Frames of a pcap file's bytes, as a list of bytes; ValueError when not pcap/Ethernet."""
    if len(data) < 24:
        if not data:
            return []       # tcpdump stopped before writing its header: nothing captured
        raise ValueError('pcap: short file header')
    magic = data[:4]
    if magic in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1'):
        end = '<'
    elif magic in (b'\xa1\xb2\xc3\xd4', b'\xa1\xb2\x3c\x4d'):
        end = '>'
    else:
        raise ValueError('pcap: bad magic %s (pcapng is not read)' % magic.hex())
    linktype = struct.unpack_from(end + 'I', data, 20)[0]
    if linktype != LINKTYPE_ETHERNET:
        raise ValueError('pcap: link type %d, not Ethernet' % linktype)
    out = []
    off = 24
    while off + 16 <= len(data):
        caplen = struct.unpack_from(end + 'I', data, off + 8)[0]
        off += 16
        out.append(data[off:off + caplen])
        off += caplen
    return out


def udp_of(frame):
    """The Udp of one Ethernet frame, or None when it is not UDP (or truncated)."""
    if len(frame) < 14:
        return None
    etype = struct.unpack_from('>H', frame, 12)[0]
    off = 14
    if etype == ETH_VLAN and len(frame) >= 18:
        etype = struct.unpack_from('>H', frame, 16)[0]
        off = 18
    if etype == ETH_IPV4 and len(frame) >= off + 20:
        ihl = (frame[off] & 0x0f) * 4
        if frame[off + 9] != IPPROTO_UDP:
            return None
        src = ipaddress.ip_address(frame[off + 12:off + 16])
        dst = ipaddress.ip_address(frame[off + 16:off + 20])
        off += ihl
    elif etype == ETH_IPV6 and len(frame) >= off + 40:
        if frame[off + 6] != IPPROTO_UDP:
            return None      # extension headers: not something the nodes send
        src = ipaddress.ip_address(frame[off + 8:off + 24])
        dst = ipaddress.ip_address(frame[off + 24:off + 40])
        off += 40
    else:
        return None
    if len(frame) < off + 8:
        return None
    sport, dport, ulen = struct.unpack_from('>HHH', frame, off)
    return Udp(str(src), sport, str(dst), dport, frame[off + 8:off + max(ulen, 8)])


def udp_datagrams(data):
    """Every UDP datagram of a pcap file's bytes."""
    return [u for u in (udp_of(f) for f in records(data)) if u is not None]


def bifrost_census(datagrams, port=bifrost.DEFAULT_PORT):
    """What the datagrams to or from `port` carried.

    Returns {'datagrams': n, 'types': {frame type: count}, 'not_bifrost': n,
    'not_link': [(src, dst, type)...]} where not_link lists frames outside the
    Veil link types (anything a node sent in the clear).
    """
    out = {'datagrams': 0, 'types': collections.Counter(), 'not_bifrost': 0, 'not_link': []}
    for u in datagrams:
        if port not in (u.sport, u.dport):
            continue
        out['datagrams'] += 1
        try:
            frames = bifrost.parse(u.payload)
        except ValueError:
            out['not_bifrost'] += 1
            continue
        for ftype, _ in frames:
            out['types'][ftype] += 1
            if ftype not in LINK_TYPES:
                out['not_link'].append((u.src, u.dst, ftype))
    out['types'] = dict(out['types'])
    return out


class Capture:
    """tcpdump -w on several interfaces at once, each inside its namespace.

    points: [(namespace, interface)]. Capture both ends of a veth: a node's
    net_af_packet port does not show its own transmissions to a capture on the
    same interface (test_link.py), so each datagram is seen where it arrives.
    """

    def __init__(self, points, directory, label, bpf='udp'):
        self.points = points
        self.paths = [os.path.join(directory, '%s.%s.%s.pcap' % (label, ns, ifc))
                      for ns, ifc in points]
        self.bpf = bpf
        self.procs = []
        self.errors = []

    def start(self, settle=0.5):
        """Start every tcpdump; True when each said it is listening."""
        for (ns, ifc), path in zip(self.points, self.paths):
            cmd = ['ip', 'netns', 'exec', ns, 'tcpdump', '-i', ifc, '-U', '-n', '-s', '0',
                   '-w', path, self.bpf]
            p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.PIPE, text=True)
            line = p.stderr.readline()      # "listening on ...": the capture runs
            if 'listening' not in line:
                self.errors.append('%s in %s: %s' % (ifc, ns, line.strip() or 'no output'))
            self.procs.append(p)
        time.sleep(settle)
        return not self.errors

    def stop(self, settle=0.5):
        """Stop the captures; {(namespace, interface): pcap bytes}."""
        time.sleep(settle)
        out = {}
        for point, p, path in zip(self.points, self.procs, self.paths):
            if p.poll() is None:
                p.send_signal(signal.SIGINT)
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
            try:
                with open(path, 'rb') as f:
                    out[point] = f.read()
            except OSError as e:
                self.errors.append('%s: %s' % (path, e))
                out[point] = b''
        self.procs = []
        return out
