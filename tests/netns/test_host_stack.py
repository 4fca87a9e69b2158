#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The node's own host stack under kernel bypass: ARP, ICMP echo, ND, ICMPv6 echo.

Pair topology: the kernel in namespace vh-host pings the node's IPv4 and IPv6
addresses over a veth the node drives with net_af_packet; then the node's own
control counters must show it answered (docs/control-protocol.md).
"""
import netns_common as nc

c, build = nc.start('test_host_stack')
nc.require_node(c, build)

with nc.testbed(build, 'pair', 'test_host_stack') as b:
    ip4, ip6, _, _ = nc.host_addrs(b)
    ports = b.vhctl('n1', 'ports')['ports']
    c.check(len(ports) == 1, 'node has one port', ports)
    mac = ports[0]['mac'].lower() if ports else None

    p = b.in_host(['ping', '-c', '3', '-i', '0.2', '-W', '2', ip4], timeout=30)
    c.check(p.returncode == 0, 'ping -c 3 %s' % ip4, p.stdout + p.stderr)
    p = b.in_host(['ping', '-6', '-c', '3', '-i', '0.2', '-W', '2', ip6], timeout=30)
    c.check(p.returncode == 0, 'ping -6 -c 3 %s' % ip6, p.stdout + p.stderr)

    # The kernel learnt the node's MAC from the node's ARP and ND answers.
    for ip in (ip4, ip6):
        neigh = b.in_host(['ip', 'neigh', 'show', ip]).stdout.lower()
        c.check(mac is not None and ('lladdr ' + mac) in neigh,
                'host neighbour entry for %s is the node port MAC %s' % (ip, mac), neigh.strip())

    stats = b.vhctl('n1', 'stats')
    control = stats.get('control', {})
    print('control counters: %s' % control)
    c.check(control.get('arp_replies', 0) >= 1, 'control.arp_replies >= 1', control.get('arp_replies'))
    c.check(control.get('nd_replies', 0) >= 1, 'control.nd_replies >= 1', control.get('nd_replies'))
    c.check(control.get('icmp_echo_replies', 0) >= 6, 'control.icmp_echo_replies >= 6',
            control.get('icmp_echo_replies'))
    port = (stats.get('ports') or [{}])[0]
    c.check(port.get('rx_packets', 0) >= 8 and port.get('tx_packets', 0) >= 8,
            'port eth0 counted the traffic (rx/tx >= 8)', port)

c.check(not nc.vbed.leftovers(), 'teardown left nothing', nc.vbed.leftovers())
c.finish()
