# SPDX-License-Identifier: BSD-3-Clause
"""Topology files and the address plan derived from them (docs/testbed.md).

    {"nodes": ["n1", {"name": "n2", "idle": "poll"}],
     "links": [["n1", "n2"]],
     "host": "n1"}

Every link is one veth pair. Link number L (0-based, in file order, the
"host" links last) gets 10.77.L.0/24 and fd77:L::/64 unless it gives its own
addresses; the first end takes .1/::1, the second .2/::2, and on a link to
the kernel-only "host" namespace the node is always the first end.

Mesh beds (docs/testbed.md): a node's "bootstrap" names other nodes (or gives
/udp/ PathAddrs); each name becomes that node's PathAddr on the first link the
two share, and the bed then writes veil and dht sections (bed.MESH_DEFAULTS,
the topology's "mesh" object on top) into every node's config.
"""

import ipaddress
import json
import re

from . import impair

HOST = 'host'
NAME_RE = re.compile(r'^[a-z][a-z0-9]{0,9}$')
NODE_KEYS = {'name', 'idle', 'udp_port', 'config', 'bootstrap', 'workers', 'queues'}
MAX_WORKERS = 4    # worker lcores per node in a bed (the machine has 2 CPUs)
MAX_QUEUES = 4     # net_af_packet qpairs per port
LINK_KEYS = {'ends', 'ipv4', 'ipv6', 'impair'}
TOP_KEYS = {'nodes', 'links', 'host', 'comment', 'mesh', 'impair'}
MAX_BOOTSTRAP = 8   # entries in the node's dht.bootstrap (docs/config-reference.md)
PATHADDR_RE = re.compile(r'^/udp/(\d+\.\d+\.\d+\.\d+|\[[0-9a-fA-F:]+\]):\d+$')
DEFAULT_UDP_PORT = 22088


class TopologyError(ValueError):
    """A topology file that cannot be used; the message names the field."""


class Link:
    """One veth pair: ends[i] is a node name or HOST; ifnames[i] lives in ends[i]'s namespace.

    An impaired link (impair: {'seed', 'dirs'}, see impair.parse) is two veth
    pairs instead: ifnames[i] in ends[i]'s namespace is paired with
    relay_ifnames[i] in the relay namespace, where the impairment element
    forwards between relay_ifnames[0] and relay_ifnames[1].
    """

    def __init__(self, index, ends, ipv4, ipv6, impair_spec=None):
        self.index = index
        self.ends = ends
        self.ipv4 = ipv4
        self.ipv6 = ipv6
        self.impair = impair_spec
        self.ifnames = [('vh%d-%s' % (index, ends[1 - i]))[:15] for i in range(2)]
        # In the relay namespace, the interface towards end i is named after end i.
        self.relay_ifnames = [('vh%d-%s' % (index, ends[i]))[:15] for i in range(2)]
        if self.relay_ifnames[0] == self.relay_ifnames[1]:
            self.relay_ifnames = ['vh%d-imp%d' % (index, i) for i in range(2)]

    @property
    def relay_ns(self):
        """The relay namespace of an impaired link (None when not impaired)."""
        return 'vh-imp-%d' % self.index if self.impair else None

    def end_of(self, name):
        return self.ends.index(name)

    def to_dict(self):
        out = {'index': self.index, 'ends': self.ends, 'ifnames': self.ifnames,
               'ipv4': self.ipv4, 'ipv6': self.ipv6}
        if self.impair:
            out.update(impair=self.impair, relay_ns=self.relay_ns,
                       relay_ifnames=self.relay_ifnames)
        return out


class Node:
    """A node and the ports (one per link end) it gets."""

    def __init__(self, name, idle='adaptive', udp_port=DEFAULT_UDP_PORT, config=None,
                 bootstrap=None, workers=0, queues=1):
        self.name = name
        self.idle = idle
        self.workers = workers             # worker lcores; 0: single-lcore mode
        self.queues = queues               # RX/TX queue pairs per port (af_packet qpairs)
        self.udp_port = udp_port
        self.config = config or {}
        self.bootstrap = bootstrap or []   # as written: node names or PathAddrs
        self.bootstrap_addrs = []          # resolved PathAddrs (parse)
        self.ports = []

    @property
    def netns(self):
        return 'vh-' + self.name

    def to_dict(self):
        return {'name': self.name, 'idle': self.idle, 'udp_port': self.udp_port,
                'workers': self.workers, 'queues': self.queues, 'netns': self.netns,
                'ports': self.ports, 'bootstrap': self.bootstrap_addrs}


class Topology:
    def __init__(self, nodes, links, mesh=None):
        self.nodes = nodes
        self.links = links
        self.mesh = mesh   # None, or config merged into every node of a mesh bed

    @property
    def is_mesh(self):
        """Nodes run Veil and the DHT: the topology has "mesh" or some node a bootstrap."""
        return self.mesh is not None or any(n.bootstrap for n in self.nodes)

    def link_between(self, a, b):
        """The first link joining nodes a and b, or None."""
        for link in self.links:
            if a in link.ends and b in link.ends:
                return link
        return None

    def pathaddr(self, name, via):
        """Node `name`'s /udp/ PathAddr (IPv4) on the first link it shares with `via`."""
        link = self.link_between(name, via)
        if link is None:
            raise KeyError('%s and %s share no link' % (name, via))
        ip = link.ipv4[link.end_of(name)].split('/')[0]
        return '/udp/%s:%d' % (ip, self.node(name).udp_port)

    @property
    def has_host(self):
        return any(HOST in link.ends for link in self.links)

    def node(self, name):
        for n in self.nodes:
            if n.name == name:
                return n
        raise KeyError(name)

    def veth_ends(self):
        """[(namespace, interface)] of every veth end, link by link (for captures); an
        impaired link also has its two ends in the relay namespace (what the nodes send,
        before the impairment)."""
        out = []
        for link in self.links:
            out += [('vh-' + end, link.ifnames[j]) for j, end in enumerate(link.ends)]
            if link.impair:
                out += [(link.relay_ns, name) for name in link.relay_ifnames]
        return out

    @property
    def impaired(self):
        return [link for link in self.links if link.impair]

    def host_addresses(self, node):
        """(host ipv4, host ipv6 list, node ipv4, node ipv6 list) of the host link to `node`."""
        for link in self.links:
            if HOST in link.ends and node in link.ends:
                h, n = link.end_of(HOST), link.end_of(node)
                return link.ipv4[h], link.ipv6[h], link.ipv4[n], link.ipv6[n]
        raise KeyError('no host link to ' + node)

    def to_dict(self):
        return {'nodes': [n.to_dict() for n in self.nodes],
                'links': [link.to_dict() for link in self.links]}


def _fail(where, why):
    raise TopologyError('%s: %s' % (where, why))


def _parse_node(i, spec):
    where = 'nodes[%d]' % i
    if isinstance(spec, str):
        spec = {'name': spec}
    if not isinstance(spec, dict):
        _fail(where, 'must be a name or an object')
    extra = set(spec) - NODE_KEYS
    if extra:
        _fail(where, 'unknown key(s) %s' % ', '.join(sorted(extra)))
    name = spec.get('name')
    if not isinstance(name, str) or not NAME_RE.match(name) or name == HOST:
        _fail(where + '.name', 'must match [a-z][a-z0-9]{0,9} and not be "host"')
    idle = spec.get('idle', 'adaptive')
    if idle not in ('adaptive', 'poll'):
        _fail(where + '.idle', 'must be "adaptive" or "poll"')
    port = spec.get('udp_port', DEFAULT_UDP_PORT)
    if not isinstance(port, int) or not 1 <= port <= 65535:
        _fail(where + '.udp_port', 'must be an integer 1..65535')
    config = spec.get('config', {})
    if not isinstance(config, dict):
        _fail(where + '.config', 'must be an object')
    boot = spec.get('bootstrap', [])
    boot = [boot] if isinstance(boot, str) else boot
    if not isinstance(boot, list) or not all(isinstance(b, str) for b in boot) or \
            len(boot) > MAX_BOOTSTRAP or len(set(boot)) != len(boot):
        _fail(where + '.bootstrap', 'must be a node name, a /udp/ PathAddr or a list of up to '
              '%d different ones' % MAX_BOOTSTRAP)
    workers = spec.get('workers', 0)
    if not isinstance(workers, int) or isinstance(workers, bool) or \
            not 0 <= workers <= MAX_WORKERS:
        _fail(where + '.workers', 'must be an integer 0..%d' % MAX_WORKERS)
    queues = spec.get('queues', 1)
    if not isinstance(queues, int) or isinstance(queues, bool) or not 1 <= queues <= MAX_QUEUES:
        _fail(where + '.queues', 'must be an integer 1..%d' % MAX_QUEUES)
    return Node(name, idle, port, config, boot, workers, queues)


def _resolve_bootstrap(plan):
    """Turn every bootstrap entry into a PathAddr: a node name becomes that node's
    address on the first link it shares with the node bootstrapping from it."""
    for i, node in enumerate(plan.nodes):
        where = 'nodes[%d].bootstrap' % i
        node.bootstrap_addrs = []
        for b in node.bootstrap:
            if b.startswith('/'):
                if not PATHADDR_RE.match(b):
                    _fail(where, '%r is not a /udp/ PathAddr (/udp/A.B.C.D:PORT or '
                          '/udp/[V6]:PORT)' % b)
                node.bootstrap_addrs.append(b)
                continue
            if b == node.name:
                _fail(where, 'a node cannot bootstrap from itself')
            if b not in [n.name for n in plan.nodes]:
                _fail(where, '%r is not a node' % b)
            if plan.link_between(node.name, b) is None:
                _fail(where, '%s shares no link with %s' % (b, node.name))
            node.bootstrap_addrs.append(plan.pathaddr(b, node.name))


def _addr_list(where, value, version):
    vals = value if isinstance(value, list) else [value]
    out = []
    for v in vals:
        try:
            iface = ipaddress.ip_interface(v)
        except (ValueError, TypeError):
            _fail(where, '%r is not an address/prefix' % (v,))
        if iface.version != version or '/' not in v:
            _fail(where, '%r must be an IPv%d address with a prefix length' % (v, version))
        out.append(str(iface))
    return out


def _parse_link(i, spec, names):
    where = 'links[%d]' % i
    if isinstance(spec, list):
        spec = {'ends': spec}
    if not isinstance(spec, dict):
        _fail(where, 'must be [a, b] or an object')
    spec = dict(spec)
    extra = set(spec) - LINK_KEYS
    if extra:
        _fail(where, 'unknown key(s) %s' % ', '.join(sorted(extra)))
    ends = spec.get('ends')
    if not isinstance(ends, list) or len(ends) != 2 or ends[0] == ends[1]:
        _fail(where, 'needs two different ends')
    for e in ends:
        if e != HOST and e not in names:
            _fail(where, 'end %r is not a node' % (e,))
    if ends[1] != HOST and ends[0] == HOST:
        ends = [ends[1], ends[0]]
        for key in ('ipv4', 'ipv6'):
            if key in spec:
                spec[key] = list(reversed(spec[key]))
    link = {'ends': ends}
    if 'impair' in spec:
        link['impair'] = spec['impair']
    for key, version in (('ipv4', 4), ('ipv6', 6)):
        if key in spec:
            if not isinstance(spec[key], list) or len(spec[key]) != 2:
                _fail(where + '.' + key, 'must list one entry per end')
            link[key] = [_addr_list('%s.%s[%d]' % (where, key, j), spec[key][j], version)
                         for j in range(2)]
    return link


def parse(data):
    """Validate a topology (a dict) and derive the full plan."""
    if not isinstance(data, dict):
        _fail('topology', 'must be an object')
    extra = set(data) - TOP_KEYS
    if extra:
        _fail('topology', 'unknown key(s) %s' % ', '.join(sorted(extra)))
    specs = data.get('nodes')
    if not isinstance(specs, list) or not specs:
        _fail('nodes', 'must be a non-empty list')
    nodes = [_parse_node(i, s) for i, s in enumerate(specs)]
    names = [n.name for n in nodes]
    if len(set(names)) != len(names):
        _fail('nodes', 'names must be unique')
    raw = data.get('links', [])
    if not isinstance(raw, list):
        _fail('links', 'must be a list')
    links = [_parse_link(i, s, names) for i, s in enumerate(raw)]
    host = data.get('host', [])
    host = [host] if isinstance(host, str) else host
    if not isinstance(host, list):
        _fail('host', 'must be a node name or a list of them')
    for h in host:
        if h not in names:
            _fail('host', '%r is not a node' % (h,))
        links.append({'ends': [h, HOST]})
    if len(links) > 256:
        _fail('links', 'at most 256')
    mesh = data.get('mesh')
    if mesh is True:
        mesh = {}
    elif mesh is False:
        mesh = None
    elif mesh is not None and not isinstance(mesh, dict):
        _fail('mesh', 'must be true, false or an object (config for every node)')
    default = data.get('impair')
    if default is not None:
        if isinstance(default, dict) and 'from' in default:
            _fail('impair.from', 'only in a link\'s own "impair" (it names the link\'s ends)')
        try:
            impair.parse('impair', default, [])
        except impair.ImpairError as e:
            raise TopologyError(str(e))
    for i, spec in enumerate(links):
        _impair_link(i, spec, default)
    plan = Topology(nodes, [_plan_link(i, spec) for i, spec in enumerate(links)], mesh)
    _resolve_bootstrap(plan)
    return plan


def _impair_link(i, spec, default):
    """A link's impairment: its own "impair" (false: none), else the topology's."""
    own = spec.get('impair')
    use = default if own is None else own
    if use is None or use is False:
        spec['impair'] = None
        return
    try:
        spec['impair'] = impair.parse('links[%d].impair' % i, use, spec['ends'])
    except impair.ImpairError as e:
        raise TopologyError(str(e))


def _plan_link(index, spec):
    ipv4 = spec.get('ipv4') or [['10.77.%d.%d/24' % (index, j + 1)] for j in range(2)]
    ipv6 = spec.get('ipv6') or [[str(ipaddress.ip_interface('fd77:%d::%d/64' % (index, j + 1)))]
                                 for j in range(2)]
    if len(ipv4[0]) != 1 or len(ipv4[1]) != 1:
        _fail('links[%d].ipv4' % index, 'one IPv4 address per end')
    return Link(index, spec['ends'], [ipv4[0][0], ipv4[1][0]], ipv6, spec.get('impair'))


def load(path):
    try:
        with open(path) as f:
            data = json.load(f)
    except OSError as e:
        raise TopologyError('%s: %s' % (path, e.strerror))
    except ValueError as e:
        raise TopologyError('%s: not JSON: %s' % (path, e))
    plan = parse(data)
    _assign_ports(plan)
    return plan


def _assign_ports(plan):
    """Give every node one port per link end, in link order."""
    for node in plan.nodes:
        node.ports = []
    for link in plan.links:
        for j, end in enumerate(link.ends):
            if end == HOST:
                continue
            node = plan.node(end)
            k = len(node.ports)
            node.ports.append({
                'name': 'eth%d' % k,
                'devargs': 'net_af_packet%d,iface=%s' % (k, link.ifnames[j]),
                'ipv4': link.ipv4[j],
                'ipv6': list(link.ipv6[j]),
                'link': link.index,
                'peer': link.ends[1 - j],
                'peer_ipv4': link.ipv4[1 - j],
                'peer_ipv6': list(link.ipv6[1 - j]),
            })


def from_dict(data):
    plan = parse(data)
    _assign_ports(plan)
    return plan


class _Xorshift:
    """xorshift64*: the same sequence for a seed on every Python version."""

    def __init__(self, seed):
        self.s = (seed * 0x9E3779B97F4A7C15 + 1) & 0xFFFFFFFFFFFFFFFF or 1

    def below(self, n):
        x = self.s
        x ^= x >> 12
        x ^= (x << 25) & 0xFFFFFFFFFFFFFFFF
        x ^= x >> 27
        self.s = x
        return ((x * 0x2545F4914F6CDD1D) & 0xFFFFFFFFFFFFFFFF) % n


def random_mesh(nodes, extra, seed, comment=None):
    """A connected random graph as a topology dict (mesh bed).

    A random spanning tree (node k links to, and bootstraps from, a random one
    of n1..n(k-1)), then `extra` more links between random unlinked pairs.
    Deterministic for a seed (own PRNG), so a checked-in file can be
    regenerated exactly (scripts/testbed random).
    """
    if nodes < 2 or extra < 0 or extra > nodes * (nodes - 1) // 2 - (nodes - 1):
        raise TopologyError('random: need nodes >= 2 and 0 <= extra <= %d'
                            % max(0, nodes * (nodes - 1) // 2 - (nodes - 1)))
    rng = _Xorshift(seed)
    names = ['n%d' % (k + 1) for k in range(nodes)]
    specs = [{'name': names[0]}]
    links = []
    for k in range(1, nodes):
        parent = names[rng.below(k)]
        specs.append({'name': names[k], 'bootstrap': parent})
        links.append([parent, names[k]])
    linked = {frozenset(pair) for pair in links}
    while extra:
        a, b = names[rng.below(nodes)], names[rng.below(nodes)]
        if a != b and frozenset((a, b)) not in linked:
            linked.add(frozenset((a, b)))
            links.append(sorted([a, b], key=names.index))
            extra -= 1
    return {'comment': comment or ('random connected graph: %d nodes, %d links, seed %d '
                                   '(scripts/testbed random %d %d %d)'
                                   % (nodes, len(links), seed, nodes, len(links) - nodes + 1,
                                      seed)),
            'mesh': True, 'nodes': specs, 'links': links}
