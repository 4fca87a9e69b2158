#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""DPDK's own tools work against a running node: dpdk-telemetry.py reads the
node's /valhalla/* commands (with counters that match vhctl), and, when the
node runs on hugepages (a secondary process cannot attach to a --no-huge
primary), dpdk-dumpcap captures the node's port through rte_pdump. And a full
table of silent control connections does not lock vhctl out."""
import json
import os
import socket
import subprocess
import tempfile
import time

import netns_common as nc

c, build = nc.start('test_tooling')
nc.require_node(c, build)


def telemetry(prefix, *cmds):
    p = subprocess.run(['dpdk-telemetry.py', '-f', prefix], input='\n'.join(cmds) + '\n',
                       capture_output=True, text=True, timeout=30)
    out = {}
    for line in p.stdout.splitlines():
        line = line.strip()
        if line.startswith('{'):
            out.update(json.loads(line))
    return out


with nc.testbed(build, 'pair', 'test_tooling') as b:
    ip4, ip6, _, _ = nc.host_addrs(b)
    pid = b.pid('n1')
    with open('/proc/%d/cmdline' % pid, 'rb') as f:
        argv = f.read().split(b'\0')
    prefix = argv[argv.index(b'--file-prefix') + 1].decode()
    huge = b'--no-huge' not in argv
    p = b.in_host(['ping', '-c', '3', '-i', '0.2', '-W', '2', ip4], timeout=30)
    c.check(p.returncode == 0, 'ping %s' % ip4, p.stdout)

    t = telemetry(prefix, '/', '/valhalla/status', '/valhalla/drops', '/valhalla/control',
                  '/valhalla/lcores')
    cmds = t.get('/', [])
    for cmd in ('/valhalla/status', '/valhalla/drops', '/valhalla/control', '/valhalla/lcores'):
        c.check(cmd in cmds, 'dpdk-telemetry.py lists %s' % cmd, cmds)
    st = t.get('/valhalla/status', {})
    c.check(st.get('name') == 'n1' and st.get('pid') == pid, '/valhalla/status names the node',
            st)
    drops = t.get('/valhalla/drops', {})
    c.check('bifrost_bad_magic' in drops and len(drops) >= 40,
            '/valhalla/drops has every reason (%d)' % len(drops))
    ctl = t.get('/valhalla/control', {})
    v = b.vhctl('n1', 'stats')['control']
    c.check(ctl.get('icmp_echo_replies', 0) >= 3 and
            ctl.get('icmp_echo_replies') == v['icmp_echo_replies'],
            'telemetry and vhctl agree on icmp_echo_replies (%s, %s)' %
            (ctl.get('icmp_echo_replies'), v['icmp_echo_replies']))

    # as many silent connections as the node allows (16): vhctl is still answered
    silent = []
    for _ in range(16):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(b.sock('n1'))
        silent.append(s)
    t0 = time.monotonic()
    rc, res, err = b.vhctl_rc('n1', 'stats', timeout=10)
    took = time.monotonic() - t0
    ctl_st = res.get('ctl', {}) if isinstance(res, dict) else {}
    c.check(rc == 0 and ctl_st.get('evicted', 0) >= 1,
            'vhctl stats answered in %.2f s with 16 silent control connections open (ctl: %s)'
            % (took, ctl_st), err)
    for s in silent:
        s.close()

    if not huge:
        print('note: the node runs with --no-huge, so dpdk-dumpcap (a secondary process) '
              'cannot attach; the capture check runs only when hugepages are reserved '
              '(scripts/setup reserves them)')
    else:
        def capture(tmp, attempt):
            out = os.path.join(tmp, 'cap%d.pcapng' % attempt)
            # a fixed duration: the pings start once dumpcap has attached
            cap = subprocess.Popen(['dpdk-dumpcap', '--file-prefix=' + prefix, '-i', '0',
                                    '-a', 'duration:8', '-w', out], stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True)
            nc.wait_for(lambda: os.path.exists(out) or cap.poll() is not None, timeout=10)
            if cap.poll() is None:
                time.sleep(1)
                b.in_host(['ping', '-c', '6', '-i', '0.2', '-W', '2', ip4], timeout=30)
            try:
                text, _ = cap.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                cap.kill()
                text, _ = cap.communicate()
            return cap.returncode, text, out

        with tempfile.TemporaryDirectory() as tmp:
            # A secondary process must map the primary's memory at the same
            # addresses; when its own layout (ASLR, and ASan's shadow in the
            # sanitizer build) already uses one, EAL says "Cannot get a virtual
            # area" and a fresh process usually fits: up to three tries.
            for attempt in range(3):
                rc, text, out = capture(tmp, attempt)
                if rc == 0 or 'Cannot get a virtual area' not in text:
                    break
                print('dpdk-dumpcap could not map the node\'s memory (try %d): %s'
                      % (attempt + 1, text.strip().splitlines()[-1:]))
            c.check(rc == 0, 'dpdk-dumpcap exits 0', text[-500:])
            r = subprocess.run(['tshark', '-r', out], capture_output=True, text=True,
                               timeout=30)
            echoes = [ln for ln in r.stdout.splitlines() if 'Echo (ping)' in ln]
            print(r.stdout)
            c.check(len(echoes) >= 12, 'capture holds the pings and replies (%d lines)' %
                    len(echoes))
c.finish()
