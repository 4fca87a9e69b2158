#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The node on a TAP port (net_tap): the kernel on the other side of the TAP
interface pings its IPv4 and IPv6 addresses and gets Bifrost ECHO replies.
Runs in a namespace of its own (not a test bed), removed at the end."""
import os
import socket
import subprocess
import sys
import tempfile
import time

import netns_common as nc

c, build = nc.start('test_tap')
nc.require_node(c, build)
NS = 'tap-vhtest-%d' % os.getpid()
TAP = 'vhtap%d' % (os.getpid() % 10000)


def sh(*cmd, check=True, **kw):
    return subprocess.run(list(cmd), check=check, capture_output=True, text=True, **kw)


def in_ns(*cmd, **kw):
    return sh('ip', 'netns', 'exec', NS, *cmd, **kw)


proc = None
tmp = tempfile.mkdtemp(prefix='vh-tap-')
sock = os.path.join(tmp, 'tap.sock')
try:
    sh('ip', 'netns', 'add', NS)
    in_ns('ip', 'link', 'set', 'lo', 'up')
    in_ns('sysctl', '-qw', 'net.ipv6.conf.all.accept_dad=0',
          'net.ipv6.conf.default.accept_dad=0', 'net.ipv6.conf.default.router_solicitations=0')
    cfg = os.path.join(tmp, 'tap.json')
    with open(cfg, 'w') as f:
        f.write('{"node": {"name": "tap", "control_socket": "%s", "data_dir": "%s"},'
                ' "ports": [{"name": "tap0", "devargs": "net_tap0,iface=%s",'
                ' "ipv4": "10.88.0.1/24", "ipv6": ["fd88::1/64"]}]}' % (sock, tmp, TAP))
    eal = sh(os.path.join(nc.REPO, 'scripts', 'eal-args'), 'tap', '0').stdout.split()
    log = open(os.path.join(tmp, 'node.log'), 'w')
    proc = subprocess.Popen(['ip', 'netns', 'exec', NS, os.path.join(build, 'app', 'valhalla',
                             'valhalla')] + eal + ['--', '-c', cfg], stdout=log,
                            stderr=subprocess.STDOUT)
    vhctl = os.path.join(build, 'app', 'vhctl', 'vhctl')
    up = nc.wait_for(lambda: sh(vhctl, '-s', sock, 'status', check=False).returncode == 0,
                     timeout=30)
    c.check(up, 'node on net_tap answers vhctl status')
    # the kernel side of the TAP: no offloads that would leave checksums unfilled
    in_ns('ethtool', '-K', TAP, 'tx', 'off', check=False)
    in_ns('ip', 'addr', 'add', '10.88.0.2/24', 'dev', TAP)
    in_ns('ip', 'addr', 'add', 'fd88::2/64', 'dev', TAP, 'nodad')
    in_ns('ip', 'link', 'set', TAP, 'up')
    time.sleep(0.5)
    p = in_ns('ping', '-c', '3', '-i', '0.2', '-W', '2', '10.88.0.1', check=False)
    c.check(p.returncode == 0, 'kernel pings the node over TAP (IPv4)', p.stdout + p.stderr)
    p = in_ns('ping', '-6', '-c', '3', '-i', '0.2', '-W', '2', 'fd88::1', check=False)
    c.check(p.returncode == 0, 'kernel pings the node over TAP (IPv6)', p.stdout + p.stderr)
    s = nc.vbed.netns_socket(NS, socket.AF_INET)
    s.settimeout(2)
    ok = 0
    for seq in range(5):
        s.sendto(nc.bifrost.frame(nc.bifrost.ECHO_REQUEST,
                                  nc.bifrost.echo_payload(3, seq, seq, 8)),
                 ('10.88.0.1', nc.bifrost.DEFAULT_PORT))
        try:
            d, _ = s.recvfrom(2048)
            ok += nc.bifrost.parse(d)[0][0] == nc.bifrost.ECHO_REPLY
        except (socket.timeout, ValueError):
            pass
    s.close()
    c.check(ok == 5, 'Bifrost ECHO over TAP (%d/5 replies)' % ok)
finally:
    if proc is not None:
        proc.terminate()
        try:
            code = proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            code = proc.wait()
        c.check(code == 0, 'node exits 0 after SIGTERM', code)
    sh('ip', 'netns', 'del', NS, check=False)
    subprocess.run(['rm', '-rf', tmp])
c.check(NS not in sh('ip', 'netns', 'list').stdout, 'namespace removed')
c.finish()
