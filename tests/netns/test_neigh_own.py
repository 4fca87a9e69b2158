#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""ARP and ND claiming the node's own addresses are dropped (issue 9, item 2).

Pair topology. From vh-host, a raw AF_PACKET socket sends, from a made-up MAC
ATT, six frames that each claim one of n1's addresses: a gratuitous ARP
request and reply (broadcast), an ARP reply to n1 with n1's IPv4 address as
the sender's, an unsolicited NA to ff02::1 for n1's global IPv6 address, a
solicited NA to n1 for its link-local address, and an NS from n1's global
address for itself. Then one ordinary ARP request from ATT (sender
10.77.0.66), which n1 must answer and learn: it shows the capture and the
cache would have seen the others.

Checks: drop reason `neigh-own-address` rose by exactly 6; nothing n1 sent
to ATT other than the ARP reply to 10.77.0.66 (captured on vh-host's veth);
`vhctl neigh` has no entry for any of n1's own addresses and has 10.77.0.66
at ATT; the kernel in vh-host still pings n1 over IPv4 and IPv6.
"""
import ipaddress
import socket
import struct
import time

import netns_common as nc

ATT = bytes.fromhex('026666666666')
DECOY4 = '10.77.0.66'
ETH_P_ALL = 0x0003
CLAIMS = 6
WAIT_S = 10

c, build = nc.start('test_neigh_own')
nc.require_node(c, build)


def mac_bytes(text):
    return bytes(int(x, 16) for x in text.split(':'))


def mac_text(b):
    return ':'.join('%02x' % x for x in b)


def link_local(mac):
    eui = bytes([mac[0] ^ 2]) + mac[1:3] + b'\xff\xfe' + mac[3:]
    return b'\xfe\x80' + bytes(6) + eui


def csum(data):
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def arp(dst_mac, op, spa, tpa, tha=bytes(6)):
    return (dst_mac + ATT + b'\x08\x06' + struct.pack('!HHBBH', 1, 0x0800, 6, 4, op) +
            ATT + spa + tha + tpa)


def nd(dst_mac, src, dst, icmp_type, flags, target, opt_type):
    body = struct.pack('!BBHI', icmp_type, 0, 0, flags << 24) + target
    body += struct.pack('!BB', opt_type, 1) + ATT
    pseudo = src + dst + struct.pack('!I', len(body)) + b'\0\0\0\x3a'
    body = body[:2] + struct.pack('!H', csum(pseudo + body)) + body[4:]
    ip6 = struct.pack('!IHBB', 0x60000000, len(body), 58, 255) + src + dst
    return dst_mac + ATT + b'\x86\xdd' + ip6 + body


def sent_to_att(frames):
    """The frames n1 sent to ATT, as short descriptions."""
    out = []
    for f in frames:
        if f[:6] != ATT or f[6:12] == ATT:
            continue
        etype = struct.unpack_from('!H', f, 12)[0]
        if etype == 0x0806:
            op = struct.unpack_from('!H', f, 20)[0]
            out.append('arp op %d %s -> %s' % (op, socket.inet_ntoa(f[28:32]),
                                              socket.inet_ntoa(f[38:42])))
        elif etype == 0x86dd and len(f) >= 78:
            out.append('icmpv6 type %d target %s' % (f[54], ipaddress.IPv6Address(f[62:78])))
        else:
            out.append('ethertype 0x%04x' % etype)
    return out


with nc.testbed(build, 'pair', 'test_neigh_own') as b:
    ip4, ip6, _, _ = nc.host_addrs(b)
    nmac = mac_bytes(b.vhctl('n1', 'ports')['ports'][0]['mac'].lower())
    link = b.plan.links[0]
    hif = link.ifnames[link.end_of('host')]
    nip4 = socket.inet_aton(ip4)
    nip6 = ipaddress.IPv6Address(ip6).packed
    nll6 = link_local(nmac)
    snode = b'\xff\x02' + bytes(9) + b'\x01\xff' + nip6[13:]
    all_nodes = b'\xff\x02' + bytes(13) + b'\x01'
    src_ll = b'\xfe\x80' + bytes(13) + b'\x66'
    bcast = b'\xff' * 6
    claims = [
        ('gratuitous ARP request', arp(bcast, 1, nip4, nip4)),
        ('gratuitous ARP reply', arp(bcast, 2, nip4, nip4)),
        ('ARP reply to n1 from its own address', arp(nmac, 2, nip4, nip4, nmac)),
        ('unsolicited NA for the global address',
         nd(b'\x33\x33\x00\x00\x00\x01', src_ll, all_nodes, 136, 0x20, nip6, 2)),
        ('solicited NA for the link-local address', nd(nmac, src_ll, nip6, 136, 0x60, nll6, 2)),
        ('NS from the global address', nd(b'\x33\x33' + snode[12:], nip6, snode, 135, 0, nip6, 1)),
    ]
    assert len(claims) == CLAIMS

    # The host's first pings, so its neighbour entries are in place beforehand.
    p = b.in_host(['ping', '-c', '1', '-W', '2', ip4], timeout=30)
    c.check(p.returncode == 0, 'ping %s before' % ip4, p.stdout + p.stderr)
    before = b.vhctl('n1', 'stats')['drops']
    c.check('neigh-own-address' in before, 'drop reason neigh-own-address exists',
            sorted(before))
    base = before.get('neigh-own-address', 0)

    s = nc.vbed.netns_socket(nc.vbed.HOST_NS, socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((hif, ETH_P_ALL))
    s.settimeout(0.1)
    for _, frame in claims:
        s.send(frame)
    s.send(arp(bcast, 1, socket.inet_aton(DECOY4), nip4))

    captured = []
    deadline = time.monotonic() + WAIT_S
    got = base
    decoy_answered = False
    while time.monotonic() < deadline and not (got - base >= CLAIMS and decoy_answered):
        try:
            while True:
                captured.append(s.recv(2048))
        except socket.timeout:
            pass
        got = b.vhctl('n1', 'stats')['drops'].get('neigh-own-address', 0)
        decoy_answered = any(x.startswith('arp op 2 %s -> %s' % (ip4, DECOY4))
                             for x in sent_to_att(captured))
    # anything n1 answered to the claims would have come by now; look a little longer
    end = time.monotonic() + 1.0
    while time.monotonic() < end:
        try:
            captured.append(s.recv(2048))
        except socket.timeout:
            pass
    s.close()

    answers = sent_to_att(captured)
    print('n1 sent to %s: %s' % (mac_text(ATT), answers))
    c.check(decoy_answered, 'n1 answered the ordinary ARP request from %s' % DECOY4, answers)
    c.check(got - base == CLAIMS, 'neigh-own-address rose by exactly %d (%d)'
            % (CLAIMS, got - base))
    others = [x for x in answers if not x.startswith('arp op 2 %s -> %s' % (ip4, DECOY4))]
    c.check(not others, 'n1 answered none of the %d claims' % CLAIMS, others)

    neigh = b.vhctl('n1', 'neigh').get('neighbours', [])
    print('n1 neighbours: %s' % neigh)
    own = {ip4, ip6, str(ipaddress.IPv6Address(nll6))}
    learnt = [e for e in neigh if e.get('address') in own]
    c.check(not learnt, "n1's cache has no entry for its own addresses %s" % sorted(own), learnt)
    decoy = [e for e in neigh if e.get('address') == DECOY4]
    c.check(len(decoy) == 1 and (decoy[0].get('mac') or '').lower() == mac_text(ATT),
            "n1's cache has %s at %s" % (DECOY4, mac_text(ATT)), decoy)

    p = b.in_host(['ping', '-c', '3', '-i', '0.2', '-W', '2', ip4], timeout=30)
    c.check(p.returncode == 0, 'ping -c 3 %s after' % ip4, p.stdout + p.stderr)
    p = b.in_host(['ping', '-6', '-c', '3', '-i', '0.2', '-W', '2', ip6], timeout=30)
    c.check(p.returncode == 0, 'ping -6 -c 3 %s after' % ip6, p.stdout + p.stderr)

c.check(not nc.vbed.leftovers(), 'teardown left nothing', nc.vbed.leftovers())
c.finish()
