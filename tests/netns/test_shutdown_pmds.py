#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A node exits within 5 s of SIGTERM on every PMD the docs list (issue 10 defect).

`dp_ports_close()` used to read each RX queue until it was empty, which
never happens on a port that always has packets: net_null, net_pcap with
infinite_rx=1, a busy NIC. The node hung at exit there. Here one node at a
time runs in a namespace of its own on net_ring, net_null, net_pcap
(infinite_rx), net_tap and net_af_packet; each gets SIGTERM once it answers
`vhctl status` and must exit 0 within 5 s. A second signal must end a node
at once (exit 128 + the signal number), even while it shuts down.
"""
import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

import netns_common as nc
from vhbed import eal as veal  # noqa: E402 (netns_common sets the path)

NS = 'vh-sdpmd'
EXIT_S = 5.0


def sh(*cmd, check=True):
    return subprocess.run(list(cmd), check=check, capture_output=True, text=True)


def write_pcap(path):
    """One Ethernet/IPv4/UDP frame, enough for infinite_rx to loop on."""
    frame = (b'\x02\x00\x00\x00\x00\x01' + b'\x02\x00\x00\x00\x00\x02' + b'\x08\x00' +
             struct.pack('!BBHHHBBH4s4s', 0x45, 0, 28, 0, 0, 64, 17, 0,
                         bytes([10, 99, 0, 2]), bytes([10, 99, 0, 1])) +
             struct.pack('!HHHH', 1000, 2000, 8, 0))
    with open(path, 'wb') as f:
        f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        f.write(struct.pack('<IIII', 0, 0, len(frame), len(frame)) + frame)


def config(tmp, name, devargs):
    import json
    cfg = {
        'version': 1,
        'node': {'name': name, 'control_socket': os.path.join(tmp, name + '.sock'),
                 'data_dir': os.path.join(tmp, name + '.data')},
        'log': {'level': 'notice'},
        'ports': [{'name': 'p0', 'devargs': devargs, 'ipv4': '10.99.0.1/24'}],
    }
    path = os.path.join(tmp, name + '.json')
    with open(path, 'w') as f:
        json.dump(cfg, f)
    return cfg, path


def start(build, tmp, name, devargs):
    cfg, path = config(tmp, name, devargs)
    eal = veal.eal_args('sd' + name, 0)
    log = open(os.path.join(tmp, name + '.log'), 'w')
    p = subprocess.Popen(['ip', 'netns', 'exec', NS, os.path.join(build, 'app/valhalla/valhalla')] +
                         eal + ['--', '-c', path], stdin=subprocess.DEVNULL, stdout=log,
                         stderr=subprocess.STDOUT)
    vhctl = os.path.join(build, 'app/vhctl/vhctl')
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and p.poll() is None:
        r = subprocess.run([vhctl, '-s', cfg['node']['control_socket'], 'status'],
                           capture_output=True, text=True)
        if r.returncode == 0:
            return p, True
        time.sleep(0.2)
    return p, False


def log_tail(tmp, name):
    with open(os.path.join(tmp, name + '.log')) as f:
        return ''.join(f.readlines()[-8:])


def main():
    c, build = nc.start('test_shutdown_pmds')
    nc.require_node(c, build)
    tmp = tempfile.mkdtemp(prefix='vh-sdpmd-')
    sh('ip', 'netns', 'del', NS, check=False)
    sh('ip', 'netns', 'add', NS)
    try:
        sh('ip', 'netns', 'exec', NS, 'ip', 'link', 'set', 'lo', 'up')
        sh('ip', 'netns', 'exec', NS, 'ip', 'link', 'add', 'vhsd0', 'type', 'veth', 'peer',
           'name', 'vhsd1')
        for i in ('vhsd0', 'vhsd1'):
            sh('ip', 'netns', 'exec', NS, 'ip', 'link', 'set', i, 'up')
        pcap = os.path.join(tmp, 'one.pcap')
        write_pcap(pcap)
        pmds = [
            ('ring', 'net_ring0'),
            ('null', 'net_null0'),
            ('pcap', 'net_pcap0,rx_pcap=%s,tx_pcap=%s,infinite_rx=1'
             % (pcap, os.path.join(tmp, 'out.pcap'))),
            ('tap', 'net_tap0,iface=vhsdtap0'),
            ('afpacket', 'net_af_packet0,iface=vhsd0'),
        ]
        for name, devargs in pmds:
            p, up = start(build, tmp, name, devargs)
            c.check(up, '%s: node up (%s)' % (name, devargs), log_tail(tmp, name))
            if not up:
                p.kill()
                p.wait()
                continue
            time.sleep(0.5)  # let the port deliver packets for a while
            t0 = time.monotonic()
            p.send_signal(signal.SIGTERM)
            try:
                code = p.wait(timeout=EXIT_S)
            except subprocess.TimeoutExpired:
                code = None
                p.kill()
                p.wait()
            took = time.monotonic() - t0
            c.check(code == 0, '%s: exit 0 within %.0f s of SIGTERM (exit %s after %.2f s)'
                    % (name, EXIT_S, code, took), log_tail(tmp, name))
        # a second signal ends the node at once
        p, up = start(build, tmp, 'twice', 'net_null0')
        c.check(up, 'twice: node up on net_null0', log_tail(tmp, 'twice'))
        if up:
            t0 = time.monotonic()
            p.send_signal(signal.SIGINT)
            p.send_signal(signal.SIGINT)
            try:
                code = p.wait(timeout=2)
            except subprocess.TimeoutExpired:
                code = None
                p.kill()
                p.wait()
            c.check(code in (0, 128 + signal.SIGINT),
                    'a second SIGINT ends the node at once (exit %s after %.2f s)'
                    % (code, time.monotonic() - t0))
    finally:
        subprocess.run(['pkill', '-9', '-f', 'file-prefix vh-sd'], capture_output=True)
        sh('ip', 'netns', 'del', NS, check=False)
        shutil.rmtree(tmp, ignore_errors=True)
    left = sh('ip', 'netns', 'list').stdout
    c.check(NS not in left, 'namespace %s removed' % NS)
    c.finish()


if __name__ == '__main__':
    main()
