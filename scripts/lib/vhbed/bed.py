# SPDX-License-Identifier: BSD-3-Clause
"""The test bed: network namespaces, veth pairs, one node process per namespace.

Everything created is written to a state file first, so `down` can undo it
from any process; `down` also removes leftovers of earlier runs by name
(namespaces vh-*, veths vh<N>-* in the root namespace, processes inside vh-*
namespaces). See docs/testbed.md.
"""

import contextlib
import copy
import fcntl
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

from . import REPO_ROOT, ctl, eal, topology
from .topology import HOST

STATE_ROOT = os.environ.get('VH_TESTBED_DIR', '/run/valhalla-testbed')
STATE_FILE = os.path.join(STATE_ROOT, 'state.json')
NS_PREFIX = 'vh-'
HOST_NS = NS_PREFIX + HOST
# The bed's veths are named vh<link>-<peer> (topology.Link); only those are ours.
VETH_RE = re.compile(r'^vh[0-9]+-')
STANDIN = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'standin.py')
IMPAIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'impair.py')
STOP_TIMEOUT = 10.0
# Config every node of a mesh bed gets (topology "mesh" and the node's own
# "config" go on top): Veil sessions and the DHT, with timers short enough
# that tests see joins, dead links and reroutes within seconds instead of the
# production minutes. dht.bootstrap comes from the node's "bootstrap".
MESH_DEFAULTS = {
    'veil': {'enabled': True, 'keepalive_s': 1, 'rekey_timeout_ms': 500, 'backoff_max_s': 2,
             'rekey_attempt_s': 4},
    'dht': {'enabled': True, 'refresh_s': 2, 'rpc_timeout_ms': 500, 'route_ttl_s': 10},
}


# Held (flock) by whoever runs a bed, so beds started by different people on one
# machine wait for each other instead of tearing each other down as leftovers.
# The netns tests take it in netns_common.testbed(); by hand: flock BED_LOCK CMD.
BED_LOCK = '/run/valhalla-testbed.lock'


class BedError(RuntimeError):
    pass


@contextlib.contextmanager
def exclusive(timeout=900.0, path=BED_LOCK):
    """Hold BED_LOCK for the block, waiting up to `timeout` s for another bed to finish.

    Not taken by Testbed itself: a caller already holding it (the netns tests)
    would wait on itself, flock locks being per open file."""
    with open(path, 'w') as f:
        deadline = time.monotonic() + timeout
        said = False
        while True:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise BedError('another test bed has held %s for %.0f s' % (path, timeout))
                if not said:
                    log('another test bed is running (%s held): waiting' % path)
                    said = True
                time.sleep(0.5)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


class Interrupted(BaseException):
    """Raised from a signal handler so that `finally` blocks tear the bed down."""


def log(msg):
    sys.stderr.write('testbed: %s\n' % msg)
    sys.stderr.flush()


def run(cmd, check=True, ns=None, **kw):
    """Run a command (inside namespace `ns` when given); raise BedError on failure when check."""
    if ns:
        cmd = ['ip', 'netns', 'exec', ns] + cmd
    kw.setdefault('stdin', subprocess.DEVNULL)
    kw.setdefault('capture_output', True)
    p = subprocess.run(cmd, text=True, **kw)
    if check and p.returncode != 0:
        raise BedError('%s: exit %d: %s' % (' '.join(cmd), p.returncode,
                                           (p.stderr or '').strip()))
    return p


def require_root():
    if os.geteuid() != 0:
        raise BedError('the test bed needs root (network namespaces, veths): run it with sudo')


def namespaces():
    p = run(['ip', 'netns', 'list'], check=False)
    return [line.split()[0] for line in p.stdout.splitlines() if line.strip()]


def root_veths():
    p = run(['ip', '-o', 'link', 'show', 'type', 'veth'], check=False)
    names = []
    for line in p.stdout.splitlines():
        parts = line.split(':')
        if len(parts) > 1:
            names.append(parts[1].strip().split('@')[0])
    return names


def ns_pids(ns):
    p = run(['ip', 'netns', 'pids', ns], check=False)
    return [int(x) for x in p.stdout.split() if x.isdigit()]


def proc_starttime(pid):
    """Field 22 of /proc/PID/stat (start time in ticks), or None when gone."""
    try:
        with open('/proc/%d/stat' % pid) as f:
            stat = f.read()
    except OSError:
        return None
    fields = stat[stat.rindex(')') + 2:].split()
    if fields[0] == 'Z':
        return None
    return int(fields[19])


def proc_cpu_seconds(pid):
    """utime + stime of a process, in seconds."""
    with open('/proc/%d/stat' % pid) as f:
        stat = f.read()
    fields = stat[stat.rindex(')') + 2:].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


def alive(pid, starttime=None):
    st = proc_starttime(pid)
    return st is not None and (starttime is None or st == starttime)


def kill_and_wait(pids, timeout=STOP_TIMEOUT, popen=None):
    """SIGTERM the processes, SIGKILL whatever is left after `timeout`.

    pids: {pid: starttime or None}; popen: {pid: Popen} for children we can reap.
    Returns {pid: exit code or None (not our child, or killed)}.
    """
    popen = popen or {}
    codes = {}
    for pid, st in pids.items():
        if alive(pid, st):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
    deadline = time.monotonic() + timeout
    pending = dict(pids)
    while pending and time.monotonic() < deadline:
        for pid in list(pending):
            if pid in popen and popen[pid].poll() is not None:
                codes[pid] = popen[pid].returncode
                del pending[pid]
            elif pid not in popen and not alive(pid, pending[pid]):
                codes[pid] = None
                del pending[pid]
        time.sleep(0.05)
    for pid, st in pending.items():
        log('pid %d did not stop within %.0f s after SIGTERM: SIGKILL' % (pid, timeout))
        if alive(pid, st):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if pid in popen:
            popen[pid].wait()
        codes[pid] = None
    return codes


def load_state():
    try:
        with open(STATE_FILE) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def save_state(state):
    os.makedirs(STATE_ROOT, exist_ok=True)
    tmp = STATE_FILE + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(state, f, indent=1)
    os.replace(tmp, STATE_FILE)


def leftovers():
    """What a complete teardown must leave behind: nothing. Returns a description list."""
    left = ['namespace ' + n for n in namespaces() if n.startswith(NS_PREFIX)]
    left += ['veth ' + v for v in root_veths() if VETH_RE.match(v)]
    state = load_state()
    if state:
        left.append('state file ' + STATE_FILE)
        for node in state.get('nodes', {}).values():
            if node.get('pid') and alive(node['pid'], node.get('starttime')):
                left.append('node process %d' % node['pid'])
        for relay in state.get('relays', {}).values():
            if relay.get('pid') and alive(relay['pid'], relay.get('starttime')):
                left.append('impairment process %d' % relay['pid'])
    return left


def down_all(keep_logs=None, quiet=False):
    """Tear down the bed of the state file and every vh- leftover. Returns a list of errors."""
    errors = []
    state = load_state() or {}
    nodes = state.get('nodes', {})
    procs = list(nodes.values()) + list(state.get('relays', {}).values())
    pids = {n['pid']: n.get('starttime') for n in procs if n.get('pid')}
    if pids:
        kill_and_wait(pids)
    for ns in namespaces():
        if not ns.startswith(NS_PREFIX):
            continue
        stray = {pid: proc_starttime(pid) for pid in ns_pids(ns)}
        if stray:
            if not quiet:
                log('stopping %d process(es) left in %s' % (len(stray), ns))
            kill_and_wait(stray)
        p = run(['ip', 'netns', 'del', ns], check=False)
        if p.returncode != 0:
            errors.append('ip netns del %s: %s' % (ns, p.stderr.strip()))
    for veth in root_veths():
        if VETH_RE.match(veth):
            p = run(['ip', 'link', 'del', veth], check=False)
            if p.returncode != 0 and veth in root_veths():
                errors.append('ip link del %s: %s' % (veth, p.stderr.strip()))
    for name in nodes:
        shutil.rmtree('/run/dpdk/vh-' + name, ignore_errors=True)
        hp = '/dev/hugepages'
        if os.path.isdir(hp):
            for f in os.listdir(hp):
                if f.startswith('vh-%smap_' % name):
                    try:
                        os.unlink(os.path.join(hp, f))
                    except OSError as e:
                        errors.append('%s: %s' % (f, e))
    run_dir = state.get('run_dir')
    if run_dir and os.path.isdir(run_dir):
        if keep_logs:
            os.makedirs(keep_logs, exist_ok=True)
            for f in os.listdir(run_dir):
                if f.endswith('.log') or f.endswith('.json'):   # imp-L.stats.json too
                    shutil.copy(os.path.join(run_dir, f), keep_logs)
        shutil.rmtree(run_dir, ignore_errors=True)
    try:
        os.unlink(STATE_FILE)
    except FileNotFoundError:
        pass
    for e in errors:
        log('teardown: ' + e)
    return errors


class Testbed:
    """One bed from a topology plan. Use as a context manager: teardown always runs."""

    def __init__(self, plan, build=None, standin=False, ready_timeout=30.0, keep_logs=None,
                 mem_mode=None, hold=(), workers=None, queues=None):
        self.plan = plan
        # Bed-wide lcore layout over the topology's per-node one (None: keep the node's).
        if workers is not None and not 0 <= workers <= topology.MAX_WORKERS:
            raise BedError('workers must be 0..%d, not %r' % (topology.MAX_WORKERS, workers))
        if queues is not None and not 1 <= queues <= topology.MAX_QUEUES:
            raise BedError('queues must be 1..%d, not %r' % (topology.MAX_QUEUES, queues))
        self.workers = workers
        self.queues = queues
        self.build = os.path.abspath(build or os.path.join(REPO_ROOT, 'build'))
        self.valhalla = os.path.join(self.build, 'app', 'valhalla', 'valhalla')
        self.vhctl_path = os.path.join(self.build, 'app', 'vhctl', 'vhctl')
        self.standin = standin
        self.ready_timeout = ready_timeout
        self.keep_logs = keep_logs
        self.mem_mode = mem_mode
        self.run_dir = os.path.join(STATE_ROOT, 'run')
        self.procs = {}
        # Nodes up() does not start (namespaces and links are made): start_node() starts
        # each later, as a neighbour that comes up after the others.
        self.hold = set(hold)
        self.cpu_of = {}
        self.relays = {}     # link index -> Popen of its impairment element
        self.state = None
        self._old_handlers = {}

    # ---- context manager and signals ------------------------------------------------------

    def __enter__(self):
        self.catch_signals()
        try:
            self.up()
        except BaseException:
            self.down()
            self.restore_signals()
            raise
        return self

    def __exit__(self, *exc):
        self.down()
        self.restore_signals()
        return False

    def catch_signals(self):
        def raise_interrupted(signo, _frame):
            raise Interrupted('signal %d' % signo)
        for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            self._old_handlers[s] = signal.signal(s, raise_interrupted)

    def restore_signals(self):
        for s, h in self._old_handlers.items():
            signal.signal(s, h)
        self._old_handlers = {}

    # ---- bring-up ------------------------------------------------------------------------

    def up(self):
        require_root()
        if not self.standin:
            for path in (self.valhalla, self.vhctl_path):
                if not os.access(path, os.X_OK):
                    raise BedError('%s not built (build with: meson setup build && ninja -C build)'
                                   % path)
        if leftovers():
            log('removing leftovers of an earlier run')
            down_all(quiet=True)
        self.state = {'build': self.build, 'run_dir': self.run_dir, 'standin': self.standin,
                      'vhctl': None if self.standin else self.vhctl_path,
                      'topology': self.plan.to_dict(), 'namespaces': [], 'nodes': {},
                      'relays': {}}
        os.makedirs(self.run_dir, mode=0o755, exist_ok=True)
        save_state(self.state)
        self._make_namespaces()
        self._make_links()
        for link in self.plan.impaired:
            self._start_relay(link)
        cpus = eal.cpus()
        for i, node in enumerate(self.plan.nodes):
            self.cpu_of[node.name] = cpus[i % len(cpus)]
            if node.name not in self.hold:
                self._start_node(node, self.cpu_of[node.name])
        return self

    def _make_namespaces(self):
        names = [n.netns for n in self.plan.nodes] + ([HOST_NS] if self.plan.has_host else [])
        names += [link.relay_ns for link in self.plan.impaired]
        for ns in names:
            self.state['namespaces'].append(ns)
            save_state(self.state)
            run(['ip', 'netns', 'add', ns])
            run(['ip', '-n', ns, 'link', 'set', 'lo', 'up'])
            # Deterministic ND: no duplicate address detection, no router solicitations.
            sysctls = ['net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0',
                       'net.ipv6.conf.all.router_solicitations=0',
                       'net.ipv6.conf.default.router_solicitations=0']
            if ns != HOST_NS:
                # The node owns the addresses; the kernel must not speak IPv6 on its veths.
                sysctls.append('net.ipv6.conf.default.disable_ipv6=1')
            run(['sysctl', '-q', '-w'] + sysctls, ns=ns)

    def _make_links(self):
        for link in self.plan.links:
            ns = [self._ns(e) for e in link.ends]
            if link.impair:
                # Each end is paired with an interface of the relay namespace
                # instead of with the other end.
                for j in range(2):
                    run(['ip', 'link', 'add', link.ifnames[j], 'netns', ns[j], 'type', 'veth',
                         'peer', 'name', link.relay_ifnames[j], 'netns', link.relay_ns])
                    self._setup_relay_iface(link.relay_ns, link.relay_ifnames[j])
            else:
                run(['ip', 'link', 'add', link.ifnames[0], 'netns', ns[0], 'type', 'veth',
                     'peer', 'name', link.ifnames[1], 'netns', ns[1]])
            for j in range(2):
                self._setup_iface(ns[j], link.ifnames[j], link, j)

    def _setup_relay_iface(self, ns, ifname):
        """A relay end: no addresses, no IPv6, promiscuous (it carries other hosts' frames)."""
        run(['sysctl', '-q', '-w', 'net.ipv6.conf.%s.disable_ipv6=1' % ifname], ns=ns)
        if shutil.which('ethtool'):
            run(['ethtool', '-K', ifname, 'tx', 'off', 'tso', 'off', 'gso', 'off', 'gro', 'off'],
                ns=ns, check=False)
        run(['ip', '-n', ns, 'link', 'set', ifname, 'promisc', 'on', 'up'])

    def _start_relay(self, link):
        """Start the impairment element of an impaired link in its relay namespace and wait
        until it has bound its sockets (first stats file)."""
        base = os.path.join(self.run_dir, 'imp-%d' % link.index)
        cfg = {'link': link.index, 'ifaces': link.relay_ifnames, 'ends': link.ends,
               'seed': link.impair['seed'], 'dirs': link.impair['dirs'],
               'stats': base + '.stats.json'}
        with open(base + '.json', 'w') as f:
            json.dump(cfg, f, indent=1)
        cmd = ['ip', 'netns', 'exec', link.relay_ns, sys.executable, IMPAIR, base + '.json']
        logf = open(base + '.log', 'ab')
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=logf, stderr=logf,
                                start_new_session=True)
        logf.close()
        self.relays[link.index] = proc
        self.state['relays'][str(link.index)] = {
            'pid': proc.pid, 'starttime': proc_starttime(proc.pid), 'netns': link.relay_ns,
            'config': base + '.json', 'stats': cfg['stats'], 'log': base + '.log'}
        save_state(self.state)
        deadline = time.monotonic() + self.ready_timeout
        while not os.path.exists(cfg['stats']):
            if proc.poll() is not None or time.monotonic() > deadline:
                with open(base + '.log', errors='replace') as f:
                    tail = f.read()[-2000:]
                raise BedError('impairment element of link %d %s; log %s:\n%s' % (
                    link.index, 'exited with %d' % proc.returncode if proc.poll() is not None
                    else 'not ready after %.0f s' % self.ready_timeout, base + '.log', tail))
            time.sleep(0.05)
        log('link %d impaired (pid %d, %s)' % (link.index, proc.pid, base + '.log'))

    def _setup_iface(self, ns, ifname, link, end):
        kernel = link.ends[end] == HOST
        sysctls = ['net.ipv6.conf.%s.accept_dad=0' % ifname,
                   'net.ipv6.conf.%s.router_solicitations=0' % ifname,
                   'net.ipv6.conf.%s.disable_ipv6=%d' % (ifname, 0 if kernel else 1)]
        run(['sysctl', '-q', '-w'] + sysctls, ns=ns)
        # The kernel would hand af_packet frames with unfinished checksums and
        # GSO super-frames: make it finish every packet in software.
        if shutil.which('ethtool'):
            run(['ethtool', '-K', ifname, 'tx', 'off', 'tso', 'off', 'gso', 'off'],
                ns=ns, check=False)
        else:
            log('ethtool missing: checksum offload stays on (run scripts/setup)')
        if kernel:
            run(['ip', '-n', ns, 'addr', 'add', link.ipv4[end], 'dev', ifname])
            for a in link.ipv6[end]:
                run(['ip', '-n', ns, 'addr', 'add', a, 'dev', ifname, 'nodad'])
        run(['ip', '-n', ns, 'link', 'set', ifname, 'up'])

    def _ns(self, end):
        return HOST_NS if end == HOST else NS_PREFIX + end

    def lcores_of(self, node):
        """(worker lcores, queue pairs per port) of a node: the bed's setting, else the
        node's own (topology "workers", "queues")."""
        return (node.workers if self.workers is None else self.workers,
                node.queues if self.queues is None else self.queues)

    def config_for(self, node):
        workers, queues = self.lcores_of(node)
        # net_af_packet's qpairs sockets form a PACKET_FANOUT_HASH group: the
        # kernel spreads flows over them (the RSS of this PMD)
        qpairs = ',qpairs=%d' % queues if queues > 1 else ''
        lcores = {'idle': node.idle}
        if workers:
            lcores['workers'] = list(range(1, workers + 1))   # eal.eal_args: lcores 1..N
        cfg = {'node': {'name': node.name, 'control_socket': self.sock(node.name),
                        'data_dir': os.path.join(self.run_dir, node.name + '.data')},
               'lcores': lcores,
               'overlay': {'udp_port': node.udp_port},
               'ports': [{'name': p['name'], 'devargs': p['devargs'] + qpairs,
                          'ipv4': p['ipv4'], 'ipv6': p['ipv6']} for p in node.ports]}
        if self.plan.is_mesh:
            merge(cfg, copy.deepcopy(MESH_DEFAULTS))
            merge(cfg, copy.deepcopy(self.plan.mesh or {}))
            if node.bootstrap_addrs:
                cfg['dht']['bootstrap'] = list(node.bootstrap_addrs)
        return merge(cfg, copy.deepcopy(node.config))

    def _start_node(self, node, cpu):
        cfg_path = os.path.join(self.run_dir, node.name + '.json')
        with open(cfg_path, 'w') as f:
            json.dump(self.config_for(node), f, indent=1)
        os.makedirs(os.path.join(self.run_dir, node.name + '.data'), exist_ok=True)
        workers, queues = self.lcores_of(node)
        args = eal.eal_args(node.name, cpu, mode=self.mem_mode, workers=workers)
        prog = [sys.executable, STANDIN] if self.standin else [self.valhalla]
        cmd = ['ip', 'netns', 'exec', node.netns] + prog + args + ['--', '-c', cfg_path]
        logf = open(self.log_path(node.name), 'ab')
        logf.write(('testbed: %s\n' % ' '.join(cmd)).encode())
        logf.flush()
        # A session of its own: a ^C on the terminal reaches the bed, which then
        # stops the nodes in order, instead of hitting every node at once.
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=logf, stderr=logf,
                                start_new_session=True)
        logf.close()
        self.procs[node.name] = proc
        self.state['nodes'][node.name] = {'pid': proc.pid, 'starttime': proc_starttime(proc.pid),
                                          'netns': node.netns, 'cpu': cpu, 'eal': args,
                                          'workers': workers, 'queues': queues,
                                          'socket': self.sock(node.name), 'config': cfg_path,
                                          'log': self.log_path(node.name)}
        save_state(self.state)
        self._wait_ready(node.name, proc)

    def _wait_ready(self, name, proc):
        deadline = time.monotonic() + self.ready_timeout
        vhctl = None if self.standin else self.vhctl_path
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise BedError('node %s exited with %d during start-up; log %s:\n%s'
                               % (name, proc.returncode, self.log_path(name), self.log_tail(name)))
            if ctl.is_up(self.sock(name), vhctl):
                log('node %s up (pid %d, %s)' % (name, proc.pid, self.log_path(name)))
                return
            time.sleep(0.2)
        raise BedError('node %s not answering status after %.0f s; log %s:\n%s'
                       % (name, self.ready_timeout, self.log_path(name), self.log_tail(name)))

    # ---- using the bed -------------------------------------------------------------------

    def sock(self, name):
        return os.path.join(self.run_dir, name + '.sock')

    def log_path(self, name):
        return os.path.join(self.run_dir, name + '.log')

    def log_text(self, name):
        try:
            with open(self.log_path(name), errors='replace') as f:
                return f.read()
        except OSError:
            return ''

    def log_tail(self, name, lines=30):
        return '\n'.join(self.log_text(name).splitlines()[-lines:])

    def pid(self, name):
        return self.procs[name].pid

    def impair_stats(self, link):
        """The latest stats of link `link`'s impairment element (impair.py): per direction
        rx, dropped, duplicated, reordered, sent, ...; at most STATS_EVERY_S old."""
        with open(self.state['relays'][str(link)]['stats']) as f:
            return json.load(f)

    def kill_node(self, name):
        """SIGKILL one node (no clean shutdown) and reap it; its socket file is removed."""
        proc = self.procs[name]
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=STOP_TIMEOUT)
        self.state['nodes'][name]['pid'] = None
        save_state(self.state)
        try:
            os.unlink(self.sock(name))
        except FileNotFoundError:
            pass

    def start_node(self, name):
        """Start a node held back by Testbed(hold=...); returns when it answers status."""
        if name in self.procs:
            raise BedError('node %s was started already (restart_node starts it again)' % name)
        self._start_node(self.plan.node(name), self.cpu_of[name])

    def restart_node(self, name):
        """Start a stopped node again: same config, data directory (key file) and CPU."""
        if self.procs[name].poll() is None:
            raise BedError('node %s is still running' % name)
        try:
            os.unlink(self.sock(name))
        except FileNotFoundError:
            pass
        self._start_node(self.plan.node(name), self.state['nodes'][name]['cpu'])

    def vhctl_rc(self, name, *argv, timeout=15.0):
        """(exit code, parsed JSON or None, stderr) of `vhctl --json ARGV` for node `name`:
        for commands whose failure still answers (lookup not found, traceroute not reached)."""
        return ctl.vhctl_rc(self.vhctl_path, self.sock(name), *argv, timeout=timeout)

    def vhctl(self, name, *argv, timeout=15.0):
        """`vhctl -s SOCK --json ARGV` for node `name`, parsed.

        With the stand-in there is no vhctl: the request goes over the socket directly.
        """
        if self.standin:
            args = {'target': argv[1]} if argv[0] == 'ping' and len(argv) > 1 else None
            return ctl.request(self.sock(name), argv[0], args, timeout=timeout)
        return ctl.vhctl(self.vhctl_path, self.sock(name), *argv, timeout=timeout)

    def in_ns(self, ns, cmd, check=False, **kw):
        return run(cmd, check=check, ns=ns, **kw)

    def in_host(self, cmd, check=False, **kw):
        return run(cmd, check=check, ns=HOST_NS, **kw)

    def stop_node(self, name, timeout=STOP_TIMEOUT):
        """SIGTERM one node (SIGKILL after timeout); returns its exit code, None when killed."""
        proc = self.procs[name]
        st = self.state['nodes'][name].get('starttime')
        code = kill_and_wait({proc.pid: st}, timeout, popen={proc.pid: proc})[proc.pid]
        self.state['nodes'][name]['pid'] = None
        save_state(self.state)
        return code

    def down(self):
        """Stop every node, delete namespaces, veths and run files. Returns errors."""
        old = {}
        for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            old[s] = signal.signal(s, signal.SIG_IGN)    # finish the teardown first
        try:
            live = {p.pid: p for p in list(self.procs.values()) + list(self.relays.values())
                    if p.poll() is None}
            if live:
                kill_and_wait({pid: None for pid in live}, popen=live)
            return down_all(keep_logs=self.keep_logs)
        finally:
            for s, h in old.items():
                signal.signal(s, h)


def merge(base, extra):
    """Deep-merge dict `extra` into `base` (topology per-node "config" overrides)."""
    for k, v in extra.items():
        if isinstance(v, dict) and isinstance(base.get(k), dict):
            merge(base[k], v)
        else:
            base[k] = v
    return base


CLONE_NEWNET = 0x40000000


def netns_socket(ns, family, type_=None):
    """A socket created inside network namespace `ns` (the caller stays where it is)."""
    import ctypes
    import socket
    libc = ctypes.CDLL(None, use_errno=True)
    here = os.open('/proc/thread-self/ns/net', os.O_RDONLY)
    there = os.open('/run/netns/' + ns, os.O_RDONLY)
    try:
        if libc.setns(there, CLONE_NEWNET) != 0:
            raise BedError('setns %s: %s' % (ns, os.strerror(ctypes.get_errno())))
        try:
            return socket.socket(family, type_ or socket.SOCK_DGRAM)
        finally:
            if libc.setns(here, CLONE_NEWNET) != 0:
                raise BedError('setns back: %s' % os.strerror(ctypes.get_errno()))
    finally:
        os.close(here)
        os.close(there)
