# SPDX-License-Identifier: BSD-3-Clause
"""Shared helpers of the netns suite: every test takes the build directory as argv[1]."""

import fcntl
import os
import sys
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, '..', '..'))
sys.path.insert(0, os.path.join(REPO, 'scripts', 'lib'))

from vhbed import bed as vbed  # noqa: E402
from vhbed import bifrost, ctl, topology  # noqa: E402,F401 (re-exported for the tests)

TOPOLOGIES = os.path.join(HERE, 'topologies')


class Checks:
    """Named checks; every one is printed, the test fails when any failed."""

    def __init__(self, name):
        self.name = name
        self.failed = []
        self.passed = 0

    def check(self, ok, what, detail=''):
        if ok:
            self.passed += 1
            print('ok   %s' % what, flush=True)
        else:
            self.failed.append(what)
            print('FAIL %s%s' % (what, (': ' + str(detail)) if detail else ''), flush=True)
        return ok

    def fatal(self, what):
        self.failed.append(what)
        print('FAIL %s' % what, flush=True)
        self.finish()

    def finish(self):
        print('%s: %d check(s) passed, %d failed%s' % (
            self.name, self.passed, len(self.failed),
            ('' if not self.failed else ' (' + '; '.join(self.failed) + ')')), flush=True)
        sys.exit(1 if self.failed else 0)


def start(name):
    """Common prologue: argv, root, binaries. Returns (Checks, build dir)."""
    c = Checks(name)
    if len(sys.argv) != 2:
        print('usage: %s BUILD_DIR' % sys.argv[0])
        sys.exit(2)
    build = os.path.abspath(sys.argv[1])
    if os.geteuid() != 0:
        c.fatal('this test needs root (it creates network namespaces and veths): '
                'run the netns suite as root, e.g. sudo meson test -C %s --suite netns' % build)
    return c, build


def require_node(c, build):
    for prog in ('app/valhalla/valhalla', 'app/vhctl/vhctl'):
        path = os.path.join(build, prog)
        if not os.access(path, os.X_OK):
            c.fatal('%s is not built: this test runs the real node' % path)


def plan(name):
    return topology.load(os.path.join(TOPOLOGIES, name + '.json'))


BED_LOCK = '/run/valhalla-testbed.lock'


class _Exclusive:
    """One bed on the machine at a time: they share the vh-* namespace names.

    Meson runs the netns suite serially; the lock is for people (and scripts)
    running beds by hand beside it: `flock /run/valhalla-testbed.lock CMD`.
    """

    def __init__(self, bed):
        self.bed = bed
        self.fd = None

    def __enter__(self):
        self.fd = open(BED_LOCK, 'w')
        deadline = time.monotonic() + 900
        while True:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    self.fd.close()
                    raise RuntimeError('another test bed has held %s for 15 min' % BED_LOCK)
                time.sleep(0.5)
        try:
            return self.bed.__enter__()
        except BaseException:
            self._release()
            raise

    def __exit__(self, *exc):
        try:
            return self.bed.__exit__(*exc)
        finally:
            self._release()

    def _release(self):
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            self.fd.close()
            self.fd = None

    def __getattr__(self, name):
        return getattr(self.bed, name)


def testbed(build, topo, test_name, **kw):
    """A Testbed for topology `topo`, held exclusively (BED_LOCK); node logs are
    kept in BUILD/meson-logs/netns/TEST/."""
    logs = os.path.join(build, 'meson-logs', 'netns', test_name)
    return _Exclusive(vbed.Testbed(plan(topo) if isinstance(topo, str) else topo, build=build,
                                   keep_logs=logs, **kw))


def host_addrs(b, node='n1'):
    """(node IPv4, node IPv6, host IPv4, host IPv6) without prefix lengths."""
    h4, h6, n4, n6 = b.plan.host_addresses(node)
    return n4.split('/')[0], n6[0].split('/')[0], h4.split('/')[0], h6[0].split('/')[0]


def wait_for(fn, timeout=5.0, interval=0.1):
    """Call fn until it returns a true value or timeout; returns the last value."""
    deadline = time.monotonic() + timeout
    while True:
        v = fn()
        if v or time.monotonic() >= deadline:
            return v
        time.sleep(interval)
