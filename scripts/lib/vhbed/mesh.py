# SPDX-License-Identifier: BSD-3-Clause
"""Asking the nodes of a mesh bed about the overlay (vhctl peers, lookup, routes,
ping, traceroute): shared by the netns mesh tests and scripts/demo.

Every function takes a running bed.Testbed and node names; NodeIDs are the
`VH...` text of `vhctl show-identity`.
"""

import time

from . import ctl


def node_ids(b, names=None):
    """{name: NodeID} of the running nodes."""
    names = names or [n.name for n in b.plan.nodes]
    return {n: b.vhctl(n, 'show-identity')['node_id'] for n in names}


def names_by_id(ids):
    return {v: k for k, v in ids.items()}


def peers_up(b, name):
    """NodeIDs of the peers of `name` whose link session is up."""
    try:
        peers = b.vhctl(name, 'peers')['peers']
    except ctl.CtlError:
        return set()
    return {p['node_id'] for p in peers if p.get('state') == 'up' and p.get('node_id')}


def link_neighbours(b, name):
    """Names of the nodes sharing a link with `name` (the bed's veths)."""
    out = []
    for link in b.plan.links:
        if name in link.ends:
            other = link.ends[1 - link.end_of(name)]
            if other != 'host' and other not in out:
                out.append(other)
    return out


def bootstrap_pairs(b):
    """[(node, node it bootstraps from)] for every bootstrap given by node name."""
    names = [n.name for n in b.plan.nodes]
    return [(n.name, x) for n in b.plan.nodes for x in n.bootstrap if x in names]


def wait_sessions(b, ids, pairs, timeout):
    """Wait until for every (a, z) in pairs both a and z show the session with the
    other up. Returns (seconds taken or None, [pairs still missing])."""
    t0 = time.monotonic()
    missing = list(pairs)
    while True:
        up = {}
        missing = []
        for a, z in pairs:
            for x, y in ((a, z), (z, a)):
                if x not in up:
                    up[x] = peers_up(b, x)
                if ids[y] not in up[x]:
                    missing.append((x, y))
        if not missing:
            return time.monotonic() - t0, []
        if time.monotonic() - t0 >= timeout:
            return None, missing
        time.sleep(0.2)


def explain_missing(b, missing):
    """Print the peers tables of the nodes in missing session pairs (for a failure)."""
    for name in sorted({x for pair in missing for x in pair}):
        try:
            peers = b.vhctl(name, 'peers')['peers']
            ctl_stats = b.vhctl(name, 'stats').get('control', {})
        except ctl.CtlError as e:
            print('%s: %s' % (name, e))
            continue
        for p in peers:
            print('%s peer %s %s state %s handshakes %s drops %s' % (
                name, p.get('address') or p.get('endpoint'), p.get('node_id'), p.get('state'),
                p.get('handshakes'), p.get('drops')))
        print('%s control: %s' % (name, {k: v for k, v in ctl_stats.items()
                                         if 'link' in k or 'neigh' in k or 'arp' in k}))


def lookup(b, name, node_id, timeout=10.0):
    """(exit code, result or None) of `vhctl lookup NODEID` on node `name`."""
    try:
        rc, res, _ = b.vhctl_rc(name, 'lookup', node_id, timeout=timeout)
    except ctl.CtlError:
        return None, None
    return rc, res


def wait_lookup(b, name, node_id, timeout, interval=0.5):
    """Repeat the lookup until it is found; (seconds taken or None, last result, tries)."""
    t0 = time.monotonic()
    tries = 0
    res = None
    while True:
        tries += 1
        rc, res = lookup(b, name, node_id)
        if rc == 0 and res and res.get('found'):
            return time.monotonic() - t0, res, tries
        if time.monotonic() - t0 >= timeout:
            return None, res, tries
        time.sleep(interval)


def ping(b, name, node_id, count=3, interval_ms=50, timeout_ms=1000, size=None, pattern=None):
    """`vhctl ping NODEID`: the result (or None when vhctl printed nothing parseable).
    A ping with no reply exits 1 and still answers: its result is returned too."""
    argv = ['ping', node_id, '-c', str(count), '-i', str(interval_ms), '-W', str(timeout_ms)]
    if size is not None:
        argv += ['-s', str(size)]
    if pattern is not None:
        argv += ['-p', pattern]
    wait = 5 + (count * interval_ms + timeout_ms) / 1000.0
    try:
        _, res, _ = b.vhctl_rc(name, *argv, timeout=wait)
    except ctl.CtlError:
        return None
    return res


def received(res):
    return (res or {}).get('received') or 0


def traceroute(b, name, node_id, max_hops=8, timeout_ms=1000):
    """(exit code, result or None) of `vhctl traceroute NODEID -m MAX -W TIMEOUT`."""
    wait = 5 + max_hops * timeout_ms / 1000.0
    try:
        rc, res, _ = b.vhctl_rc(name, 'traceroute', node_id, '-m', str(max_hops),
                                '-W', str(timeout_ms), timeout=wait)
    except ctl.CtlError:
        return None, None
    return rc, res


def hop_names(res, ids):
    """The hops of a traceroute result as node names (the NodeID when unknown, '*' for
    a hop that did not answer)."""
    by_id = names_by_id(ids)
    out = []
    for h in (res or {}).get('hops', []):
        nid = h.get('node_id')
        out.append('*' if nid is None else by_id.get(nid, nid))
    return out


def routes(b, name):
    """{NodeID: route entry} of `vhctl routes` on node `name` ({} on error)."""
    try:
        res = b.vhctl(name, 'routes')
    except ctl.CtlError:
        return {}
    return {r['node_id']: r for r in res.get('routes', [])}


def hops(plan, src, dst):
    """[(link, sending end index)] of a shortest path src -> dst over the bed's links
    (breadth first, links in file order), or None when dst is unreachable."""
    prev = {src: None}
    frontier = [src]
    while frontier and dst not in prev:
        nxt = []
        for x in frontier:
            for link in plan.links:
                if x in link.ends:
                    j = link.end_of(x)
                    y = link.ends[1 - j]
                    if y not in prev:
                        prev[y] = (x, link, j)
                        nxt.append(y)
        frontier = nxt
    if dst not in prev:
        return None
    path, x = [], dst
    while prev[x] is not None:
        x, link, j = prev[x]
        path.append((link, j))
    return path[::-1]


def echo_delivery(plan, src, dst):
    """The chance that an echo src -> dst and its answer both get through the links'
    configured loss (impair), along a shortest path both ways: the product of
    (1 - loss) over every link crossed, each in its own direction."""
    p = 1.0
    for link, j in hops(plan, src, dst):
        for d in (j, 1 - j):
            if link.impair:
                p *= 1.0 - link.impair['dirs'][d]['loss'] / 100.0
    return p
