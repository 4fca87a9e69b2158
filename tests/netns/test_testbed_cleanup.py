#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The bed cleans up after itself, whatever happens.

With the stand-in node (the bed's own mechanics; no valhalla needed), on line3
with its n1 - n2 link impaired (so an impairment element runs too):
  a) `testbed run line3 -- <failing command>` exits with the command's code and
     leaves no vh- namespace, veth, state file or node process;
  b) a `testbed run` that gets SIGTERM while its command runs tears down too;
  c) a `testbed run` killed with SIGKILL leaves everything behind (nodes and
     the element still running), and a later `testbed down` (another
     process) removes all of it.
With the real node: a) again on the pair topology.
"""
import json
import os
import signal
import subprocess
import sys
import tempfile

import netns_common as nc

TESTBED = os.path.join(nc.REPO, 'scripts', 'testbed')

c, build = nc.start('test_testbed_cleanup')
tmp = tempfile.mkdtemp(prefix='vh-cleanup-')


def testbed(*args, **kw):
    return subprocess.Popen([sys.executable, TESTBED] + list(args), stdin=subprocess.DEVNULL, **kw)


def dump_state_cmd(name, code):
    """A shell command that saves the bed's state file (for the node pids), then fails."""
    out = os.path.join(tmp, name)
    return ['sh', '-c', 'cp "$VH_TESTBED_STATE" %s && exit %d' % (out, code)], out


def state_pids(state):
    """(pid, start time) of every process the bed started: nodes and impairment elements."""
    procs = list(state.get('nodes', {}).values()) + list(state.get('relays', {}).values())
    return [(n['pid'], n['starttime']) for n in procs]


def node_pids(state_file):
    with open(state_file) as f:
        return state_pids(json.load(f))


def check_clean(what, pids=()):
    left = nc.vbed.leftovers()
    c.check(not left, '%s: no namespace, veth or state file left' % what, left)
    alive = [p for p, st in pids if nc.vbed.alive(p, st)]
    c.check(len(pids) > 0 and not alive, '%s: all %d processes gone' % (what, len(pids)), alive)


def long_cmd(name):
    """A command that marks that it runs (the bed is up), then sleeps."""
    mark = os.path.join(tmp, name)
    return ['sh', '-c', 'touch %s; exec sleep 60' % mark], mark


def wait_running(mark, timeout=60.0):
    """The bed's state once the command runs, or None."""
    if nc.wait_for(lambda: os.path.exists(mark), timeout=timeout, interval=0.2):
        return nc.vbed.load_state()
    return None


with open(os.path.join(nc.TOPOLOGIES, 'line3.json')) as f:
    line3_data = json.load(f)
line3_data['links'][0] = {'ends': line3_data['links'][0], 'impair': {'loss': 1, 'seed': 1}}
line3 = os.path.join(tmp, 'line3_impaired.json')
with open(line3, 'w') as f:
    json.dump(line3_data, f)
pair = os.path.join(nc.TOPOLOGIES, 'pair.json')

# a) failing command, stand-in nodes
cmd, out = dump_state_cmd('a.json', 7)
p = testbed('run', line3, '--stand-in', '--', *cmd)
rc = p.wait(timeout=120)
c.check(rc == 7, 'stand-in: testbed run returns the command\'s exit code 7', rc)
c.check(os.path.exists(out), 'stand-in: the command saw the state file')
if os.path.exists(out):
    c.check(len(node_pids(out)) == 4, 'stand-in: three nodes and one impairment element ran',
            node_pids(out))
    check_clean('stand-in failing command', node_pids(out))

# b) SIGTERM to the testbed while its command runs
cmd, mark = long_cmd('b.mark')
p = testbed('run', line3, '--stand-in', '--', *cmd)
state = wait_running(mark)
c.check(state is not None, 'stand-in: bed came up under a long command')
pids = state_pids(state or {})
p.send_signal(signal.SIGTERM)
try:
    rc = p.wait(timeout=60)
except subprocess.TimeoutExpired:
    p.kill()
    rc = None
c.check(rc not in (0, None), 'stand-in: SIGTERMed testbed run exits non-zero', rc)
check_clean('stand-in after SIGTERM', pids)

# c) SIGKILL: nothing cleans up, so `testbed down` must
cmd, mark = long_cmd('c.mark')
p = testbed('run', line3, '--stand-in', '--', *cmd, start_new_session=True)
state = wait_running(mark)
c.check(state is not None, 'stand-in: bed came up before the SIGKILL')
pids = state_pids(state or {})
os.killpg(p.pid, signal.SIGKILL)
p.wait()
left = nc.vbed.leftovers()
c.check(any(x.startswith('impairment process') for x in left) and 'namespace vh-imp-0' in left,
        'stand-in: a SIGKILLed run leaves a bed behind, its element too (precondition)', left)
d = testbed('down', stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
outp, _ = d.communicate(timeout=60)
c.check(d.returncode == 0, 'testbed down after SIGKILL exits 0', outp)
check_clean('testbed down after SIGKILL', pids)

# real node: failing command
if not all(os.access(os.path.join(build, x), os.X_OK)
           for x in ('app/valhalla/valhalla', 'app/vhctl/vhctl')):
    c.check(False, 'real node: %s/app/valhalla/valhalla and vhctl are built' % build)
else:
    cmd, out = dump_state_cmd('real.json', 1)
    p = testbed('run', pair, '--build', build, '--keep-logs',
                os.path.join(build, 'meson-logs', 'netns', 'test_testbed_cleanup'), '--', *cmd)
    rc = p.wait(timeout=120)
    c.check(rc == 1, 'real node: testbed run returns the command\'s exit code 1', rc)
    if c.check(os.path.exists(out), 'real node: bed came up and ran the command'):
        check_clean('real node failing command', node_pids(out))

subprocess.run(['rm', '-rf', tmp])
c.finish()
