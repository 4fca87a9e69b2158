# SPDX-License-Identifier: BSD-3-Clause
"""EAL arguments for one node of a test bed.

Several nodes share one machine, so every node gets its own file prefix, no
PCI scan and a single lcore (control loop and data plane interleaved), or,
with workers, a control lcore and that many worker lcores mapped onto the
CPUs there are (--lcores: lcore 0, the control lcore, on the node's CPU,
worker k on the k-th CPU after it, round-robin; idle workers back off). Memory
comes from 2 MiB hugepages when enough are free and hugetlbfs is mounted,
otherwise from ordinary memory with --no-huge. (--in-memory is never used:
EAL refuses it together with --no-huge, and dpdk-dumpcap needs the shared
config it turns off.)
"""

import os

#: memory per node, MiB (-m): mempool, rings, graph and tables of one node
NODE_MEM_MB = 256
HUGEPAGE_KB = 2048
HUGEPAGE_SYSFS = '/sys/kernel/mm/hugepages/hugepages-%dkB' % HUGEPAGE_KB


def pages_needed(mem_mb=NODE_MEM_MB):
    """2 MiB pages one node takes with -m mem_mb."""
    return (mem_mb * 1024 + HUGEPAGE_KB - 1) // HUGEPAGE_KB


def _read_int(path):
    try:
        with open(path) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return 0


def free_hugepages():
    """Free 2 MiB pages: from sysfs, else /proc/meminfo when 2 MiB is the default size."""
    if os.path.isdir(HUGEPAGE_SYSFS):
        return _read_int(os.path.join(HUGEPAGE_SYSFS, 'free_hugepages'))
    info = meminfo()
    if info.get('Hugepagesize') == HUGEPAGE_KB:
        return info.get('HugePages_Free', 0)
    return 0


def meminfo(path='/proc/meminfo'):
    """/proc/meminfo as {key: int} (kB for sizes, a count for HugePages_*)."""
    out = {}
    try:
        with open(path) as f:
            for line in f:
                key, _, rest = line.partition(':')
                fields = rest.split()
                if fields and fields[0].isdigit():
                    out[key.strip()] = int(fields[0])
    except OSError:
        pass
    return out


def hugetlbfs_2m_mounted(mounts='/proc/mounts'):
    """True when a hugetlbfs mount serves 2 MiB pages (explicitly or as the default size)."""
    default_kb = meminfo().get('Hugepagesize', 0)
    try:
        with open(mounts) as f:
            lines = f.read().splitlines()
    except OSError:
        return False
    for line in lines:
        fields = line.split()
        if len(fields) < 4 or fields[2] != 'hugetlbfs':
            continue
        opts = fields[3].split(',')
        size = [o.split('=', 1)[1] for o in opts if o.startswith('pagesize=')]
        if size:
            if size[0].upper() in ('2M', '2048K'):
                return True
        elif default_kb == HUGEPAGE_KB:
            return True
    return False


def memory_mode(mem_mb=NODE_MEM_MB):
    """'huge' or 'nohuge' for the next node to start.

    VH_EAL_MEM=huge|nohuge forces a mode (CI, debugging); anything else or
    unset means auto: hugepages only when enough are free right now.
    """
    forced = os.environ.get('VH_EAL_MEM', 'auto')
    if forced in ('huge', 'nohuge'):
        return forced
    if hugetlbfs_2m_mounted() and free_hugepages() >= pages_needed(mem_mb):
        return 'huge'
    return 'nohuge'


def lcore_map(cpu, workers, cpu_list=None):
    """--lcores value: control lcore 0 on `cpu`, workers 1..N round-robin on the CPUs after it
    (several lcores share a CPU when there are fewer CPUs than lcores)."""
    cpu_list = cpu_list or cpus()
    start = cpu_list.index(cpu) if cpu in cpu_list else 0
    return ','.join(['0@%d' % int(cpu)] + ['%d@%d' % (k, cpu_list[(start + k) % len(cpu_list)])
                                           for k in range(1, workers + 1)])


def eal_args(name, cpu, mem_mb=NODE_MEM_MB, mode=None, workers=0, cpu_list=None):
    """EAL arguments (a list) for node `name` pinned to `cpu`; with workers, lcores 1..workers
    are the node's worker lcores (its config's lcores.workers)."""
    mode = mode or memory_mode(mem_mb)
    lcores = ['-l', str(int(cpu))] if not workers else \
        ['--lcores', lcore_map(int(cpu), workers, cpu_list)]
    args = lcores + ['--file-prefix', 'vh-' + name, '--no-pci', '-m', str(mem_mb)]
    if mode == 'nohuge':
        args.append('--no-huge')
    elif mode != 'huge':
        raise ValueError('memory mode must be huge or nohuge, not %r' % mode)
    return args


def cpus():
    """CPUs this process may run on, in order: nodes are assigned round-robin over them."""
    try:
        return sorted(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return list(range(os.cpu_count() or 1))
