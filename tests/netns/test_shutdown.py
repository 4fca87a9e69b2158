#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Graceful shutdown: after traffic, SIGTERM makes the node exit 0 with every mbuf back
in its pool, remove its control socket, and the bed leaves nothing behind."""
import os
import socket
import subprocess
import time

import netns_common as nc

c, build = nc.start('test_shutdown')
nc.require_node(c, build)

with nc.testbed(build, 'pair', 'test_shutdown') as b:
    ip4, ip6, _, _ = nc.host_addrs(b)
    pid = b.pid('n1')
    p = b.in_host(['ping', '-c', '5', '-i', '0.2', '-W', '2', ip4], timeout=30)
    c.check(p.returncode == 0, 'ping %s before shutdown' % ip4, p.stdout)
    p = b.in_host(['ping', '-6', '-c', '5', '-i', '0.2', '-W', '2', ip6], timeout=30)
    c.check(p.returncode == 0, 'ping -6 %s before shutdown' % ip6, p.stdout)
    s = nc.vbed.netns_socket(nc.vbed.HOST_NS, socket.AF_INET)
    s.settimeout(1.0)
    replies = 0
    for seq in range(50):
        s.sendto(nc.bifrost.frame(nc.bifrost.ECHO_REQUEST,
                                  nc.bifrost.echo_payload(7, seq, time.monotonic_ns(), 64)),
                 (ip4, nc.bifrost.DEFAULT_PORT))
        try:
            s.recvfrom(2048)
            replies += 1
        except socket.timeout:
            pass
    s.close()
    c.check(replies == 50, 'Bifrost echo traffic before shutdown (%d/50 replies)' % replies)
    stats = b.vhctl('n1', 'stats')
    print('mempool before shutdown: %s' % stats.get('mempool'))

    sock = b.sock('n1')
    c.check(os.path.exists(sock), 'control socket exists while running')
    t0 = time.monotonic()
    code = b.stop_node('n1', timeout=15)
    print('node stopped %.2f s after SIGTERM, exit code %s' % (time.monotonic() - t0, code))
    c.check(code == 0, 'exit code 0 after SIGTERM', code)
    log = b.log_text('n1')
    c.check('shutdown complete: mbufs in use 0' in log,
            'log says "shutdown complete: mbufs in use 0"', b.log_tail('n1', 10))
    c.check(not os.path.exists(sock), 'control socket removed', sock)
    c.check(not nc.vbed.alive(pid), 'node process %d gone' % pid)

left = nc.vbed.leftovers()
c.check(not left, 'no namespace, veth, state or process left after teardown', left)
ps = subprocess.run(['ps', '-eo', 'pid,args'], capture_output=True, text=True).stdout
c.check(('--file-prefix vh-n1') not in ps, 'no process with --file-prefix vh-n1 running')
c.finish()
