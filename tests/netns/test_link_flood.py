#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A handshake flood does not stop a Veil session (topology flood3, docs/handshake-defence.md).

n1 -> n2 have a session (only n1 dials; it rekeys every 3 s with IK). A capture
on n2's link to n1 takes one real HANDSHAKE_INIT of n1. Then the kernel-only
host namespace on n2's second link floods n2 for FLOOD_S seconds, from its own
address (UDP socket) and from SPOOFED forged addresses (raw socket), with three
kinds of well-framed Bifrost HANDSHAKE_INIT frames:

- junk: random content: counted as malformed (link_drop_malformed) when it does
  not decode as a handshake frame, else as a MAC1 failure (link_drop_mac);
- forged: an XX initiation with a fresh random ephemeral and a valid *open*
  MAC1 (anyone can make one for a node that accepts unknown peers): each one
  would cost n2 two X25519 operations; stopped by the per-source meter
  (hs_ratelimited), the per-round DH budget (hs_dh_budget) and, once that
  pressure is seen, by cookies (hs_cookie_sent / hs_cookie_budget);
- replay: the captured initiation of n1, which n2 accepted: hs_replayed (or
  the meter / cookies before that check).

The flooder also reads the COOKIE_REPLYs sent to its own address and puts a
valid MAC2 into its later forged initiations from that address (an attacker
with a real address can): those pass the cookie check and are stopped by the
per-source srTCM meter (hs_ratelimited).

Before the flood, single initiations from the host check that each rejection is
counted under its own reason on a quiet node: an all-zero and an order-8
ephemeral (valid open MAC1) as hs_low_order, a frame with a bad reserved byte
(valid MAC1) as link_drop_malformed, the captured initiation as hs_replayed.

During the flood a capture on the attacker's side of the link (the host's veth)
checks that n2 answers spoofed sources without resolving them: no ARP request
from n2 for a spoofed address, and every COOKIE_REPLY / RESP n2 sends goes to
the flood's source MAC (the host's), those to spoofed addresses included
(docs/handshake-defence.md); n2 counts them in replies_to_src_mac.

Meanwhile n1 pings n2 by NodeID through the session (the echo is answered by
n2's worker, the reply opened by n1's worker and handed to ping):
at least PING_MIN_OK of the pings must be answered (loss bound 2 %), n2 must
answer `vhctl status` within CTL_MAX_S every time, n1 must complete a rekey
during the flood (its IK initiation gets a cookie first when n2 is under load),
and the session stays up afterwards.
"""
import collections
import ctypes
import hashlib
import json
import os
import random
import signal
import socket
import struct
import subprocess
import sys
import time

FLOOD_S = 12
FLOOD_PPS = 30000       # target rate of the flooder (it reports what it reached)
SPOOFED = 64            # forged source addresses 10.77.1.100-163
PINGS = 400             # 4 x 100 at 20 ms
PING_MIN_OK = 392       # loss bound: 2 %
CTL_MAX_S = 1.0

INIT = 0x10


def bifrost(ftype, payload):
    return b'VH' + struct.pack('>BBI', 1, ftype, len(payload)) + payload


def open_mac1_key():
    """vh_veil's MAC1 key for an initiator that does not know the static key."""
    return hashlib.blake2b(b'veil-mac1-v1' + bytes(32), digest_size=32).digest()


def forged_xx(mac1_key, e=None, reserved=0):
    """HANDSHAKE_INIT payload: XX, SHA256, open, sender, e, MAC1 (valid), MAC2 zero."""
    hdr = bytes([1, 1, 0, reserved]) + struct.pack('>I', random.randrange(1, 1 << 32))
    body = hdr + (os.urandom(32) if e is None else e)
    mac1 = hashlib.blake2b(bytes([INIT]) + body, key=mac1_key, digest_size=16).digest()
    return body + mac1 + bytes(16)


ORDER8 = bytes.fromhex('e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800')


def probes(replay):
    """One initiation per rejection reason: {name: HANDSHAKE_INIT payload}."""
    key = open_mac1_key()
    return {'zero_e': forged_xx(key, bytes(32)), 'order8_e': forged_xx(key, ORDER8),
            'reserved': forged_xx(key, reserved=1), 'replay': replay}


def probe_main(dst, port, payloads_hex):
    """Runs inside the host namespace: each INIT once, from one UDP socket."""
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(('0.0.0.0', 40001))
    for h in payloads_hex.split(','):
        udp.sendto(bifrost(INIT, bytes.fromhex(h)), (dst, port))


class Cookies:
    """The flooder's side of the cookie exchange (libsodium through ctypes)."""

    def __init__(self):
        self.na = ctypes.CDLL('libsodium.so.23')
        self.na.sodium_init()
        self.key = hashlib.blake2b(b'veil-cookie-v1' + bytes(32), digest_size=32).digest()
        self.mac1 = {}    # our sender index -> MAC1 of the INIT
        self.cookie = None

    def sent(self, payload):
        self.mac1[payload[4:8]] = payload[-32:-16]
        if len(self.mac1) > 4096:
            self.mac1.clear()

    def reply(self, dgram):
        """A COOKIE_REPLY (receiver, nonce 24, box 32) to one of our INITs."""
        if len(dgram) != 8 + 60 or dgram[3] != 0x12 or dgram[8:12] not in self.mac1:
            return
        out = ctypes.create_string_buffer(16)
        box, nonce, ad = dgram[36:68], dgram[12:36], self.mac1[dgram[8:12]]
        if self.na.crypto_aead_xchacha20poly1305_ietf_decrypt(
                out, None, None, box, ctypes.c_ulonglong(32), ad, ctypes.c_ulonglong(16),
                nonce, self.key) == 0:
            self.cookie = out.raw

    def stamp(self, payload):
        """Put MAC2 (keyed by the cookie) into an INIT payload."""
        if self.cookie is None:
            return payload
        mac2 = hashlib.blake2b(bytes([INIT]) + payload[:-16], key=self.cookie,
                               digest_size=16).digest()
        return payload[:-16] + mac2


def junk():
    return os.urandom(random.choice((72, 120, 160)))


def csum(b):
    if len(b) % 2:
        b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def ip_udp(src, dst, sport, dport, payload):
    udp = struct.pack('!HHHH', sport, dport, 8 + len(payload), 0) + payload
    iph = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), random.randrange(65536), 0, 64,
                      17, 0, socket.inet_aton(src), socket.inet_aton(dst))
    iph = iph[:10] + struct.pack('!H', csum(iph)) + iph[12:]
    return iph + udp


def flood_main(dst, port, seconds, pps, replay_hex, out_path):
    """Runs inside the host namespace (ip netns exec): send, then report counts."""
    replay = bytes.fromhex(replay_hex)
    key = open_mac1_key()
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(('0.0.0.0', 40000))  # the cookie is bound to this address and port
    udp.setblocking(False)
    ck = Cookies()
    raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    spoofed = ['10.77.1.%d' % (100 + i) for i in range(SPOOFED)]
    sent = {'junk': 0, 'forged': 0, 'replay': 0, 'spoofed': 0, 'errors': 0, 'with_mac2': 0}
    t0 = time.monotonic()
    n = 0
    while True:
        el = time.monotonic() - t0
        if el >= seconds:
            break
        if n > el * pps:  # pace: sleep off any lead over the target rate
            time.sleep(0.001)
            continue
        kind = ('junk', 'forged', 'replay')[n % 3]
        payload = junk() if kind == 'junk' else forged_xx(key) if kind == 'forged' else replay
        dgram = bifrost(INIT, payload)
        try:
            if n % 2:
                raw.sendto(ip_udp(random.choice(spoofed), dst, random.randrange(1024, 65535),
                                  port, dgram), (dst, 0))
                sent['spoofed'] += 1
            else:
                if kind == 'forged':
                    payload = ck.stamp(payload)
                    ck.sent(payload)
                    sent['with_mac2'] += ck.cookie is not None
                    dgram = bifrost(INIT, payload)
                udp.sendto(dgram, (dst, port))
            sent[kind] += 1
        except OSError:
            sent['errors'] += 1
        n += 1
        for _ in range(4):
            try:
                ck.reply(udp.recv(2048))
            except BlockingIOError:
                break
    sent['seconds'] = round(time.monotonic() - t0, 2)
    with open(out_path, 'w') as f:
        f.write(repr(sent))


if len(sys.argv) == 8 and sys.argv[1] == '--flood':
    flood_main(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]), sys.argv[6],
               sys.argv[7])
    sys.exit(0)
if len(sys.argv) == 5 and sys.argv[1] == '--probe':
    probe_main(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    sys.exit(0)

import netns_common as nc  # noqa: E402
from vhbed import pcap  # noqa: E402

c, build = nc.start('test_link_flood')
nc.require_node(c, build)


def peer_of(b, node):
    peers = b.vhctl(node, 'peers')['peers']
    return peers[0] if len(peers) == 1 else None


def wait_up(b, ids, seconds):
    t0 = time.monotonic()
    while time.monotonic() - t0 < seconds:
        p1, p2 = peer_of(b, 'n1'), peer_of(b, 'n2')
        if p1 and p2 and p1['state'] == 'up' and p2['state'] == 'up' and \
                p1['dp_index'] is not None and p2['dp_index'] is not None:
            return p1, p2
        time.sleep(0.2)
    return None, None


def capture_init(b, seconds):
    """One HANDSHAKE_INIT frame payload of n1, from a capture on n2's side."""
    path = os.path.join(b.run_dir, 'init.pcap')
    p = subprocess.Popen(['ip', 'netns', 'exec', 'vh-n2', 'tcpdump', '-i', 'vh0-n1', '-U', '-s',
                          '0', '-w', path, 'udp'], stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    p.stderr.readline()
    t0 = time.monotonic()
    frame = None
    while frame is None and time.monotonic() - t0 < seconds:
        time.sleep(0.5)
        with open(path, 'rb') as f:
            data = f.read()
        at = data.find(b'VH\x01\x10')
        if at >= 0 and len(data) >= at + 8:
            n = struct.unpack('>I', data[at + 4:at + 8])[0]
            if len(data) >= at + 8 + n:
                frame = data[at + 8:at + 8 + n]
    p.send_signal(signal.SIGINT)
    p.wait(timeout=10)
    return frame


def reasons(b):
    cnt = b.vhctl('n2', 'stats')['control']
    keys = ('hs_low_order', 'hs_replayed', 'link_drop_malformed', 'link_drop_mac',
            'link_hs_failed', 'link_drop_auth')
    return {k: cnt.get(k, 0) for k in keys}


def probe_reasons(b, c, init):
    """Each single initiation counted under its own reason on a quiet node."""
    before = reasons(b)
    subprocess.run(['ip', 'netns', 'exec', 'vh-host', sys.executable, os.path.abspath(__file__),
                    '--probe', '10.77.1.1', '22088',
                    ','.join(p.hex() for p in probes(init).values())], check=True, timeout=30)

    def delta():
        now = reasons(b)
        return {k: now[k] - before[k] for k in now}

    def all_counted():
        d = delta()
        return d if d['hs_low_order'] >= 2 and d['hs_replayed'] >= 1 and \
            d['link_drop_malformed'] >= 1 else None
    d = nc.wait_for(all_counted, 10) or delta()
    print('quiet node, one initiation of each kind: %r' % d)
    c.check(d['hs_low_order'] == 2, 'all-zero and order-8 ephemerals counted as hs_low_order '
            '(%d of 2)' % d['hs_low_order'], d)
    c.check(d['hs_replayed'] == 1, 'only the real replay counted as hs_replayed (%d of 1)'
            % d['hs_replayed'], d)
    c.check(d['link_drop_malformed'] == 1 and d['link_drop_mac'] == 0,
            'an INIT that does not decode counted as link_drop_malformed, not MAC1', d)
    c.check(d['link_hs_failed'] == 0 and d['link_drop_auth'] == 0,
            'none reached Noise (link_hs_failed, link_drop_auth unchanged)', d)


def host_side(b):
    """(namespace, interface, MAC) of the host's end of its link to n2."""
    ns, ifc = [e for e in b.plan.veth_ends() if e[0] == 'vh-host'][0]
    out = subprocess.run(['ip', '-n', ns, '-j', 'link', 'show', 'dev', ifc], check=True,
                         capture_output=True, text=True).stdout
    return ns, ifc, json.loads(out)[0]['address'].lower()


def n2_link_mac(b):
    for p in b.vhctl('n2', 'ports')['ports']:
        if (p.get('ipv4') or '').startswith('10.77.1.1/'):
            return p['mac'].lower()
    return None


def mac_str(raw):
    return ':'.join('%02x' % x for x in raw)


def answers_census(frames, n2_mac, spoofed):
    """What n2 sent on the host link: ARP requests and handshake answers, by destination."""
    out = {'arp_req': 0, 'arp_req_spoofed': 0, 'answers': 0, 'answers_to_spoofed': 0,
           'dst_macs': collections.Counter()}
    for f in frames:
        if len(f) < 14 or mac_str(f[6:12]) != n2_mac:
            continue
        etype = struct.unpack_from('>H', f, 12)[0]
        if etype == 0x0806 and len(f) >= 42 and struct.unpack_from('>H', f, 20)[0] == 1:
            out['arp_req'] += 1
            out['arp_req_spoofed'] += socket.inet_ntoa(f[38:42]) in spoofed
            continue
        u = pcap.udp_of(f)
        if u is None or u.sport != 22088 or len(u.payload) < 4 or u.payload[3] not in (
                0x11, 0x12):
            continue
        out['answers'] += 1
        out['answers_to_spoofed'] += u.dst in spoofed
        out['dst_macs'][mac_str(f[0:6])] += 1
    out['dst_macs'] = dict(out['dst_macs'])
    return out


def ctl_latency(b):
    t = time.monotonic()
    b.vhctl('n2', 'status', timeout=10)
    return time.monotonic() - t


with nc.testbed(build, 'flood3', 'test_link_flood') as b:
    ids = {n: b.vhctl(n, 'show-identity')['node_id'] for n in ('n1', 'n2')}
    p1, p2 = wait_up(b, ids, 10)
    c.check(p1 is not None, 'session up on both sides, in the data plane (dp_index %s / %s)'
            % (p1 and p1['dp_index'], p2 and p2['dp_index']), (p1, p2))
    if p1 is None:
        c.finish()
    r = b.vhctl('n1', 'ping', ids['n2'], '-c', '20', '-i', '20')
    c.check(r['received'] == 20, 'before the flood: ping <NodeID> %d/20' % r['received'])
    s2 = b.vhctl('n2', 'sessions')['sessions']
    c.check(any(s['dp'] is not None and s['dp']['rx_packets'] > 0 for s in s2),
            'n2: the echoes were opened by the data plane (sessions dp counters)', s2)

    init = capture_init(b, 8)
    c.check(init is not None and init[0] == 2,
            'captured a real IK HANDSHAKE_INIT of n1 (%s bytes)' % (init and len(init)))
    if init is None:
        c.finish()
    time.sleep(0.5)  # n2 has accepted it (and remembered its ephemeral)
    probe_reasons(b, c, init)
    hs_before = peer_of(b, 'n1')['handshakes']

    host_ns, host_if, host_mac = host_side(b)
    n2_mac = n2_link_mac(b)
    cap = pcap.Capture([(host_ns, host_if)], b.run_dir, 'attacker',
                       bpf='arp or udp src port 22088')
    c.check(cap.start(), 'capture on the attacker side (%s in %s) running' % (host_if, host_ns),
            cap.errors)
    out = os.path.join(b.run_dir, 'flood.out')
    flooder = subprocess.Popen(['ip', 'netns', 'exec', 'vh-host', sys.executable,
                                os.path.abspath(__file__), '--flood', '10.77.1.1', '22088',
                                str(FLOOD_S), str(FLOOD_PPS), init.hex(), out])
    time.sleep(1.0)
    ok = sent_pings = 0
    lat = []
    for _ in range(PINGS // 100):
        r = b.vhctl('n1', 'ping', ids['n2'], '-c', '100', '-i', '20', timeout=30)
        ok += r['received']
        sent_pings += r['sent']
        lat.append(ctl_latency(b))
    flood_alive = flooder.poll() is None
    flooder.wait(timeout=FLOOD_S + 30)
    frames = pcap.records(cap.stop()[(host_ns, host_if)])
    with open(out) as f:
        sent = eval(f.read())  # noqa: S307 (our own repr of a dict of ints)
    total = sent['junk'] + sent['forged'] + sent['replay']
    print('flooder: %r, %.0f frames/s' % (sent, total / max(sent['seconds'], 0.1)))
    c.check(flood_alive, 'the flood ran for the whole ping run')
    c.check(total / max(sent['seconds'], 0.1) > 5000,
            'flood rate above 5000 handshake frames/s (%d in %s s)' % (total, sent['seconds']))
    c.check(ok >= PING_MIN_OK and sent_pings == PINGS,
            'pings by NodeID during the flood: %d/%d answered (bound %d)'
            % (ok, sent_pings, PING_MIN_OK))
    c.check(max(lat) < CTL_MAX_S, 'n2 answers vhctl during the flood (slowest %.3f s)' % max(lat))

    st = b.vhctl('n2', 'stats')
    cnt, drops = st['control'], st['drops']
    print('n2 counters: ' + ', '.join('%s=%d' % (k, v) for k, v in sorted(cnt.items())
                                      if k.startswith(('hs_', 'link_hs', 'link_drop'))))
    print('n2 drops: %r' % {k: v for k, v in drops.items() if v})
    junk_counted = cnt.get('link_drop_malformed', 0) + cnt['link_drop_mac']
    c.check(junk_counted > sent['junk'] // 4,
            'junk counted as malformed or MAC1 failures: link_drop_malformed %d + link_drop_mac '
            '%d (junk sent %d)' % (cnt['link_drop_malformed'], cnt['link_drop_mac'],
                                   sent['junk']))
    c.check(drops.get('veil-mac1', 0) >= cnt['link_drop_mac'] and
            drops.get('veil-malformed', 0) >= cnt['link_drop_malformed'],
            'stats drops veil-malformed and veil-mac1 count them too (%s, %s)'
            % (drops.get('veil-malformed'), drops.get('veil-mac1')))
    c.check(cnt['hs_replayed'] > 0, 'replays of the real initiation counted: hs_replayed %d'
            % cnt['hs_replayed'])
    c.check(sent['with_mac2'] > 0 and cnt['hs_mac2_ok'] > 0,
            'forged initiations with a valid MAC2 (from cookies the flooder read) passed the '
            'cookie check: %d sent, hs_mac2_ok %d' % (sent['with_mac2'], cnt['hs_mac2_ok']))
    c.check(cnt['hs_ratelimited'] > sent['with_mac2'] // 2,
            'per-source meter stopped most of them: hs_ratelimited %d' % cnt['hs_ratelimited'])
    c.check(cnt['hs_cookie_sent'] > 0, 'under load n2 answered with cookies: hs_cookie_sent %d'
            ' (beyond the round budget: %d)' % (cnt['hs_cookie_sent'], cnt['hs_cookie_budget']))
    counted = sum(cnt.get(k, 0) for k in (
        'link_drop_malformed', 'link_drop_mac', 'hs_low_order', 'hs_replayed', 'hs_ratelimited',
        'hs_cookie_sent', 'hs_cookie_budget', 'hs_dh_budget'))
    work = cnt['link_hs_tx']
    print('n2: %d of %d flood frames counted by reason; %d handshake frames sent (RESP and '
          'COOKIE_REPLY); punt ring full %d' % (counted, total, work,
                                                drops.get('punt-ring-full', 0)))
    c.check(counted + drops.get('punt-ring-full', 0) + cnt['link_drop_auth'] >= total * 0.9,
            'at least 90 %% of the flood is accounted for by reason (%d + ring %d + auth %d '
            'of %d)' % (counted, drops.get('punt-ring-full', 0), cnt['link_drop_auth'], total))
    spoofed = {'10.77.1.%d' % (100 + i) for i in range(SPOOFED)}
    seen = answers_census(frames, n2_mac, spoofed)
    print('attacker side (n2 %s, host %s): %r' % (n2_mac, host_mac, seen))
    c.check(seen['arp_req_spoofed'] == 0,
            'no ARP request from n2 for a spoofed address (%d; %d ARP requests from n2 in all)'
            % (seen['arp_req_spoofed'], seen['arp_req']))
    c.check(seen['answers'] > 0 and set(seen['dst_macs']) == {host_mac},
            "every COOKIE_REPLY / RESP n2 sent went to the flood's source MAC (%d answers, by "
            'destination MAC %r)' % (seen['answers'], seen['dst_macs']))
    c.check(seen['answers_to_spoofed'] > 0,
            'spoofed sources were answered all the same, by MAC (%d answers to spoofed '
            'addresses)' % seen['answers_to_spoofed'])
    c.check(cnt.get('replies_to_src_mac', 0) >= seen['answers'],
            'n2 counted them: replies_to_src_mac %d >= %d captured'
            % (cnt.get('replies_to_src_mac', 0), seen['answers']))
    p1 = peer_of(b, 'n1')
    c.check(p1['handshakes'] > hs_before, 'n1 rekeyed during the flood (%d -> %d handshakes)'
            % (hs_before, p1['handshakes']))
    g = b.vhctl('n2', 'peers')['handshake_defence']
    c.check(g is not None and g['sources'] <= 1024, 'meter table bounded: %s sources'
            % (g and g['sources']))
    p1, p2 = wait_up(b, ids, 5)
    c.check(p1 is not None, 'session still up on both sides after the flood')
    r = b.vhctl('n1', 'ping', ids['n2'], '-c', '20', '-i', '20')
    c.check(r['received'] == 20, 'after the flood: ping <NodeID> %d/20' % r['received'])

c.finish()
