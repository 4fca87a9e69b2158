#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""An idle node with lcores.idle = "adaptive" must not burn its core: at most 5% of one
core over 10 s without traffic (utime + stime from /proc/PID/stat)."""
import time

import netns_common as nc

LIMIT = 0.05
WINDOW = 10.0

c, build = nc.start('test_idle_cpu')
nc.require_node(c, build)

with nc.testbed(build, 'pair', 'test_idle_cpu') as b:
    status = b.vhctl('n1', 'status')
    c.check(status.get('idle') == 'adaptive', 'node reports idle "adaptive"', status.get('idle'))
    pid = b.pid('n1')
    time.sleep(2.0)  # start-up work and the kernel's first MLD/ND noise settle
    cpu0, t0 = nc.vbed.proc_cpu_seconds(pid), time.monotonic()
    time.sleep(WINDOW)
    cpu1, t1 = nc.vbed.proc_cpu_seconds(pid), time.monotonic()
    share = (cpu1 - cpu0) / (t1 - t0)
    print('idle CPU: %.2f%% of one core over %.1f s (%.3f s CPU)' % (share * 100, t1 - t0,
                                                                     cpu1 - cpu0))
    c.check(share <= LIMIT, 'idle CPU %.2f%% <= %.0f%%' % (share * 100, LIMIT * 100))
    c.check(nc.vbed.alive(pid), 'node still running after the window')
c.finish()
