#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Unit tests of the test bed's pure parts (no root): topology parsing and the
address plan, node configs, mesh beds (bootstrap, random graphs), EAL argument
choice, Bifrost frame helpers, pcap reading, vhctl wrapper, impaired links
(settings and the impairment element's seeded decisions)."""
import json
import os
import stat
import struct
import sys
import tempfile
import unittest
from unittest import mock

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', '..', 'scripts', 'lib'))

from vhbed import bed, bifrost, ctl, eal, impair, mesh, pcap, topology  # noqa: E402

TOPOLOGIES = os.path.join(HERE, 'topologies')


class TopologyTest(unittest.TestCase):
    def test_shipped_topologies_load(self):
        for name in ('pair', 'line3', 'demo'):
            plan = topology.load(os.path.join(HERE, 'topologies', name + '.json'))
            self.assertTrue(plan.has_host, name)
            self.assertFalse(plan.is_mesh, name)

    def test_address_plan(self):
        plan = topology.from_dict({'nodes': ['n1', 'n2'], 'links': [['n1', 'n2']],
                                   'host': 'n2'})
        l0, l1 = plan.links
        self.assertEqual(l0.ipv4, ['10.77.0.1/24', '10.77.0.2/24'])
        self.assertEqual(l0.ipv6, [['fd77::1/64'], ['fd77::2/64']])
        self.assertEqual(l1.ends, ['n2', 'host'])
        self.assertEqual(l1.ipv4, ['10.77.1.1/24', '10.77.1.2/24'])
        self.assertEqual(l0.ifnames, ['vh0-n2', 'vh0-n1'])
        n2 = plan.node('n2')
        self.assertEqual([p['devargs'] for p in n2.ports],
                         ['net_af_packet0,iface=vh0-n1', 'net_af_packet1,iface=vh1-host'])
        self.assertEqual(plan.host_addresses('n2'),
                         ('10.77.1.2/24', ['fd77:1::2/64'], '10.77.1.1/24', ['fd77:1::1/64']))

    def test_host_first_end_is_swapped_with_its_addresses(self):
        plan = topology.from_dict({'nodes': ['a'], 'links': [
            {'ends': ['host', 'a'], 'ipv4': ['10.9.0.2/24', '10.9.0.1/24'],
             'ipv6': ['fd09::2/64', ['fd09::1/64', 'fd09::11/64']]}]})
        link = plan.links[0]
        self.assertEqual(link.ends, ['a', 'host'])
        self.assertEqual(link.ipv4, ['10.9.0.1/24', '10.9.0.2/24'])
        self.assertEqual(plan.node('a').ports[0]['ipv6'], ['fd09::1/64', 'fd09::11/64'])

    def test_errors_name_the_field(self):
        bad = [
            ({'nodes': ['n1'], 'extra': 1}, 'topology'),
            ({'nodes': []}, 'nodes'),
            ({'nodes': ['host']}, 'nodes[0].name'),
            ({'nodes': ['N1']}, 'nodes[0].name'),
            ({'nodes': ['n1', 'n1']}, 'nodes'),
            ({'nodes': [{'name': 'n1', 'idel': 'poll'}]}, 'nodes[0]'),
            ({'nodes': [{'name': 'n1', 'idle': 'spin'}]}, 'nodes[0].idle'),
            ({'nodes': [{'name': 'n1', 'workers': 5}]}, 'nodes[0].workers'),
            ({'nodes': [{'name': 'n1', 'workers': True}]}, 'nodes[0].workers'),
            ({'nodes': [{'name': 'n1', 'queues': 0}]}, 'nodes[0].queues'),
            ({'nodes': [{'name': 'n1', 'queues': '2'}]}, 'nodes[0].queues'),
            ({'nodes': ['n1'], 'links': [['n1', 'n9']]}, 'links[0]'),
            ({'nodes': ['n1'], 'links': [['n1', 'n1']]}, 'links[0]'),
            ({'nodes': ['n1'], 'host': 'n2'}, 'host'),
            ({'nodes': ['n1', 'n2'], 'links': [{'ends': ['n1', 'n2'], 'ipv4': ['10.0.0.1', 'x']}]},
             'links[0].ipv4[0]'),
            ({'nodes': ['n1', 'n2'], 'links': [{'ends': ['n1', 'n2'],
                                                 'ipv6': ['10.0.0.1/24', 'fd::1/64']}]},
             'links[0].ipv6[0]'),
        ]
        for data, where in bad:
            with self.assertRaises(topology.TopologyError) as cm:
                topology.from_dict(data)
            self.assertTrue(str(cm.exception).startswith(where + ':'), (data, str(cm.exception)))

    def test_node_config(self):
        plan = topology.from_dict({'nodes': [{'name': 'n1', 'idle': 'poll', 'udp_port': 4000,
                                              'config': {'lcores': {'idle_sleep_max_us': 50}}}],
                                   'host': 'n1'})
        b = bed.Testbed(plan, build='/nonexistent')
        cfg = b.config_for(plan.node('n1'))
        self.assertEqual(sorted(cfg), ['lcores', 'node', 'overlay', 'ports'])
        self.assertEqual(cfg['lcores'], {'idle': 'poll', 'idle_sleep_max_us': 50})
        self.assertEqual(cfg['overlay'], {'udp_port': 4000})
        self.assertEqual(cfg['node']['control_socket'], b.sock('n1'))
        self.assertEqual(cfg['ports'], [{'name': 'eth0', 'devargs': 'net_af_packet0,iface=vh0-host',
                                         'ipv4': '10.77.0.1/24', 'ipv6': ['fd77::1/64']}])
        json.dumps(cfg)

    def test_workers_and_queues(self):
        plan = topology.from_dict({'nodes': [{'name': 'n1', 'workers': 2, 'queues': 2}, 'n2'],
                                   'links': [['n1', 'n2']]})
        b = bed.Testbed(plan, build='/nonexistent')
        self.assertEqual(b.lcores_of(plan.node('n1')), (2, 2))
        self.assertEqual(b.lcores_of(plan.node('n2')), (0, 1))
        c1, c2 = b.config_for(plan.node('n1')), b.config_for(plan.node('n2'))
        self.assertEqual(c1['lcores'], {'idle': 'adaptive', 'workers': [1, 2]})
        self.assertEqual(c1['ports'][0]['devargs'], 'net_af_packet0,iface=vh0-n2,qpairs=2')
        self.assertEqual(c2['lcores'], {'idle': 'adaptive'})
        self.assertEqual(c2['ports'][0]['devargs'], 'net_af_packet0,iface=vh0-n1')
        # the bed's setting wins over every node's
        b = bed.Testbed(plan, build='/nonexistent', workers=1, queues=1)
        self.assertEqual(b.lcores_of(plan.node('n1')), (1, 1))
        self.assertEqual(b.config_for(plan.node('n2'))['lcores']['workers'], [1])
        self.assertEqual(b.config_for(plan.node('n1'))['ports'][0]['devargs'],
                         'net_af_packet0,iface=vh0-n2')
        with self.assertRaises(bed.BedError):
            bed.Testbed(plan, build='/nonexistent', workers=9)
        with self.assertRaises(bed.BedError):
            bed.Testbed(plan, build='/nonexistent', queues=0)


class MeshTopologyTest(unittest.TestCase):
    def load(self, name):
        return topology.load(os.path.join(TOPOLOGIES, name + '.json'))

    def test_line5(self):
        plan = self.load('line5')
        self.assertTrue(plan.is_mesh)
        self.assertFalse(plan.has_host)
        self.assertEqual([n.bootstrap_addrs for n in plan.nodes],
                         [[], ['/udp/10.77.0.1:22088'], ['/udp/10.77.1.1:22088'],
                          ['/udp/10.77.2.1:22088'], ['/udp/10.77.3.1:22088']])
        self.assertEqual(plan.pathaddr('n5', 'n4'), '/udp/10.77.3.2:22088')

    def test_ring5_every_link_has_a_bootstrap(self):
        plan = self.load('ring5')
        pairs = {frozenset((n.name, x)) for n in plan.nodes for x in n.bootstrap}
        self.assertEqual(pairs, {frozenset(link.ends) for link in plan.links})
        self.assertEqual(plan.node('n1').bootstrap_addrs, ['/udp/10.77.4.1:22088'])

    def test_random7_is_the_generator_output(self):
        with open(os.path.join(TOPOLOGIES, 'random7.json')) as f:
            self.assertEqual(json.load(f), topology.random_mesh(7, 3, 1))
        plan = self.load('random7')
        self.assertEqual(len(plan.nodes), 7)
        self.assertEqual(len(plan.links), 9)

    def test_random_graphs_are_connected_and_deterministic(self):
        for seed in range(50):
            for n, extra in ((6, 2), (8, 4), (2, 0)):
                t = topology.random_mesh(n, extra, seed)
                self.assertEqual(t, topology.random_mesh(n, extra, seed))
                self.assertEqual(len(t['links']), n - 1 + extra)
                self.assertEqual(len({frozenset(x) for x in t['links']}), len(t['links']))
                seen, todo = {'n1'}, ['n1']
                while todo:
                    x = todo.pop()
                    for a, z in t['links']:
                        for u, v in ((a, z), (z, a)):
                            if u == x and v not in seen:
                                seen.add(v)
                                todo.append(v)
                self.assertEqual(len(seen), n, (seed, t))
                plan = topology.from_dict(t)
                for node in plan.nodes[1:]:
                    self.assertEqual(len(node.bootstrap_addrs), 1)
        self.assertNotEqual(topology.random_mesh(7, 3, 1), topology.random_mesh(7, 3, 2))
        for bad in ((1, 0), (4, 4), (5, -1)):
            with self.assertRaises(topology.TopologyError):
                topology.random_mesh(bad[0], bad[1], 1)

    def test_bootstrap_forms(self):
        plan = topology.from_dict({
            'nodes': ['a', {'name': 'b', 'bootstrap': ['a', '/udp/[fd00::1]:9']},
                     {'name': 'c', 'bootstrap': 'b', 'udp_port': 4000}, {'name': 'd', 'bootstrap': 'c'}],
            'links': [['a', 'b'], {'ends': ['c', 'b'], 'ipv4': ['10.9.0.3/24', '10.9.0.2/24']},
                      ['b', 'c'], ['c', 'd']]})
        self.assertTrue(plan.is_mesh)
        self.assertIsNone(plan.mesh)
        self.assertEqual(plan.node('b').bootstrap_addrs, ['/udp/10.77.0.1:22088',
                                                           '/udp/[fd00::1]:9'])
        # the first link the two share, b's end of it
        self.assertEqual(plan.node('c').bootstrap_addrs, ['/udp/10.9.0.2:22088'])
        self.assertEqual(plan.node('d').bootstrap_addrs, ['/udp/10.77.3.1:4000'])
        self.assertEqual(plan.node('d').to_dict()['bootstrap'], ['/udp/10.77.3.1:4000'])
        self.assertFalse(topology.from_dict({'nodes': ['a'], 'mesh': False}).is_mesh)
        self.assertTrue(topology.from_dict({'nodes': ['a'], 'mesh': True}).is_mesh)

    def test_bootstrap_errors_name_the_field(self):
        two = [['a', 'b']]
        bad = [
            ({'nodes': ['a', {'name': 'b', 'bootstrap': 'z'}], 'links': two}, 'nodes[1].bootstrap'),
            ({'nodes': ['a', {'name': 'b', 'bootstrap': 'b'}], 'links': two}, 'nodes[1].bootstrap'),
            ({'nodes': ['a', {'name': 'b', 'bootstrap': 'a'}, 'c'], 'links': [['b', 'c']]},
             'nodes[1].bootstrap'),
            ({'nodes': ['a', {'name': 'b', 'bootstrap': 'host'}], 'host': 'b'},
             'nodes[1].bootstrap'),
            ({'nodes': [{'name': 'a', 'bootstrap': '/tcp/1.2.3.4:5'}]}, 'nodes[0].bootstrap'),
            ({'nodes': [{'name': 'a', 'bootstrap': '/udp/1.2.3.4'}]}, 'nodes[0].bootstrap'),
            ({'nodes': [{'name': 'a', 'bootstrap': 7}]}, 'nodes[0].bootstrap'),
            ({'nodes': [{'name': 'a', 'bootstrap': ['b', 'b']}, 'b'], 'links': two},
             'nodes[0].bootstrap'),
            ({'nodes': [{'name': 'a', 'bootstrap': ['/udp/1.2.3.4:%d' % i for i in range(9)]}]},
             'nodes[0].bootstrap'),
            ({'nodes': ['a'], 'mesh': 'yes'}, 'mesh'),
        ]
        for data, where in bad:
            with self.assertRaises(topology.TopologyError) as cm:
                topology.from_dict(data)
            self.assertTrue(str(cm.exception).startswith(where + ':'), (data, str(cm.exception)))

    def test_mesh_node_config(self):
        plan = topology.from_dict({
            'mesh': {'dht': {'route_ttl_s': 30}, 'veil': {'keepalive_s': 2}},
            'nodes': ['n1', {'name': 'n2', 'bootstrap': 'n1',
                             'config': {'dht': {'refresh_s': 5}, 'log': {'level': 'debug'}}}],
            'links': [['n1', 'n2']]})
        b = bed.Testbed(plan, build='/nonexistent')
        c1, c2 = b.config_for(plan.node('n1')), b.config_for(plan.node('n2'))
        self.assertEqual(sorted(c1), ['dht', 'lcores', 'node', 'overlay', 'ports', 'veil'])
        self.assertNotIn('peers', c2)
        self.assertNotIn('bootstrap', c1['dht'])
        self.assertEqual(c2['dht'], {'enabled': True, 'refresh_s': 5, 'rpc_timeout_ms': 500,
                                     'route_ttl_s': 30, 'bootstrap': ['/udp/10.77.0.1:22088']})
        self.assertEqual(c2['veil'], dict(bed.MESH_DEFAULTS['veil'], keepalive_s=2))
        self.assertEqual(c2['log'], {'level': 'debug'})
        # the defaults themselves are never modified by a node's overrides
        self.assertEqual(bed.MESH_DEFAULTS['dht']['refresh_s'], 2)
        self.assertEqual(bed.MESH_DEFAULTS['veil']['keepalive_s'], 1)
        self.assertEqual(b.config_for(plan.node('n1'))['dht']['refresh_s'], 2)

    def test_shipped_mesh_configs_respect_config_rules(self):
        for name in ('line5', 'ring5', 'random7'):
            plan = self.load(name)
            b = bed.Testbed(plan, build='/nonexistent')
            for node in plan.nodes:
                cfg = b.config_for(node)
                self.assertTrue(cfg['veil']['enabled'] and cfg['dht']['enabled'])
                self.assertLessEqual(len(cfg['dht'].get('bootstrap', [])), topology.MAX_BOOTSTRAP)
                self.assertNotIn('peers', cfg)
                own = {p['ipv4'].split('/')[0] for p in cfg['ports']}
                for a in cfg['dht'].get('bootstrap', []):
                    ip = a[len('/udp/'):].rsplit(':', 1)[0]
                    self.assertNotIn(ip, own, (name, node.name, a))

    def test_veth_ends(self):
        plan = self.load('line3')
        self.assertEqual(plan.veth_ends(), [('vh-n1', 'vh0-n2'), ('vh-n2', 'vh0-n1'),
                                            ('vh-n2', 'vh1-n3'), ('vh-n3', 'vh1-n2'),
                                            ('vh-n1', 'vh2-host'), ('vh-host', 'vh2-n1')])


def _eth(etype, payload):
    return b'\x02' * 6 + b'\x04' * 6 + struct.pack('>H', etype) + payload


def _udp4(payload, sport=22088, dport=22088):
    ip = struct.pack('>BBHHHBBH4s4s', 0x45, 0, 28 + len(payload), 0, 0, 64, 17, 0,
                     bytes([10, 77, 0, 1]), bytes([10, 77, 0, 2]))
    return _eth(0x0800, ip + struct.pack('>HHHH', sport, dport, 8 + len(payload), 0) + payload)


def _udp6(payload):
    ip = struct.pack('>IHBB16s16s', 0x60000000, 8 + len(payload), 17, 64,
                     bytes.fromhex('fd77' + '00' * 13 + '01'), bytes.fromhex('fd77' + '00' * 13 + '02'))
    return _eth(0x86DD, ip + struct.pack('>HHHH', 22088, 22088, 8 + len(payload), 0) + payload)


def _pcap(frames, big=False):
    e = '>' if big else '<'
    out = struct.pack(e + 'IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)
    for f in frames:
        out += struct.pack(e + 'IIII', 0, 0, len(f), len(f)) + f
    return out


class PcapTest(unittest.TestCase):
    def test_udp_and_census(self):
        link = bifrost.frame(0x13, b'\xaa' * 40)
        frames = [_udp4(link), _udp6(bifrost.frame(0x10, b'h' * 20) + link),
                  _eth(0x0806, b'\x00' * 28),                                # ARP: not UDP
                  _udp4(bifrost.frame(bifrost.ECHO_REQUEST, b'e' * 16)),     # plaintext
                  _udp4(b'junk'), _udp4(b'x', sport=53, dport=53)]           # other port
        for big in (False, True):
            dgrams = pcap.udp_datagrams(_pcap(frames, big))
            self.assertEqual(len(dgrams), 5)
            self.assertEqual(dgrams[0], pcap.Udp('10.77.0.1', 22088, '10.77.0.2', 22088, link))
            self.assertEqual(dgrams[1].src, 'fd77::1')
            census = pcap.bifrost_census(dgrams)
            self.assertEqual(census['datagrams'], 4)
            self.assertEqual(census['types'], {0x13: 2, 0x10: 1, bifrost.ECHO_REQUEST: 1})
            self.assertEqual(census['not_bifrost'], 1)
            self.assertEqual(census['not_link'], [('10.77.0.1', '10.77.0.2', bifrost.ECHO_REQUEST)])
        self.assertEqual(pcap.records(b''), [])
        with self.assertRaises(ValueError):
            pcap.records(b'\x0a\x0d\x0d\x0a' + b'\x00' * 28)   # pcapng


class CtlTest(unittest.TestCase):
    def fake_vhctl(self, body):
        d = tempfile.mkdtemp()
        path = os.path.join(d, 'vhctl')
        with open(path, 'w') as f:
            f.write('#!/bin/sh\n' + body + '\n')
        os.chmod(path, stat.S_IRWXU)
        self.addCleanup(lambda: (os.unlink(path), os.rmdir(d)))
        return path

    def test_failure_with_a_result(self):
        path = self.fake_vhctl('echo "$*" >&2; echo \'{"found": false}\'; exit 1')
        rc, res, err = ctl.vhctl_rc(path, '/x.sock', 'lookup', 'VHabc', timeout=7)
        self.assertEqual((rc, res), (1, {'found': False}))
        self.assertEqual(err, '-s /x.sock --json -t 7 lookup VHabc')
        with self.assertRaises(ctl.CtlError):
            ctl.vhctl(path, '/x.sock', 'lookup', 'VHabc')
        rc, res, _ = ctl.vhctl_rc(self.fake_vhctl('echo oops; exit 3'), '/x.sock', 'status')
        self.assertEqual((rc, res), (3, None))
        self.assertEqual(ctl.vhctl(self.fake_vhctl('echo \'{"a": 1}\''), '/x.sock', 'x'),
                         {'a': 1})


class LockTest(unittest.TestCase):
    def test_second_holder_waits_then_gives_up(self):
        with tempfile.NamedTemporaryFile() as f:
            with bed.exclusive(path=f.name):
                with self.assertRaises(bed.BedError):
                    with bed.exclusive(timeout=0.3, path=f.name):
                        pass
            with bed.exclusive(timeout=0.3, path=f.name):
                pass        # free again once the first holder left


class EalTest(unittest.TestCase):
    def test_args(self):
        self.assertEqual(eal.eal_args('n1', 1, mode='nohuge'),
                         ['-l', '1', '--file-prefix', 'vh-n1', '--no-pci', '-m', '256', '--no-huge'])
        self.assertEqual(eal.eal_args('n2', 0, mode='huge'),
                         ['-l', '0', '--file-prefix', 'vh-n2', '--no-pci', '-m', '256'])
        self.assertNotIn('--in-memory', eal.eal_args('n1', 0, mode='nohuge'))

    def test_workers_map_onto_the_cpus(self):
        # control lcore 0 on the node's CPU, workers round-robin on the CPUs after it
        self.assertEqual(eal.eal_args('n1', 1, mode='huge', workers=2, cpu_list=[0, 1]),
                         ['--lcores', '0@1,1@0,2@1', '--file-prefix', 'vh-n1', '--no-pci',
                          '-m', '256'])
        self.assertEqual(eal.lcore_map(0, 2, [0, 1]), '0@0,1@1,2@0')
        self.assertEqual(eal.lcore_map(0, 3, [0]), '0@0,1@0,2@0,3@0')
        self.assertEqual(eal.lcore_map(2, 1, [0, 2, 4]), '0@2,1@4')

    def test_mode_follows_free_pages(self):
        with mock.patch.dict(os.environ, {'VH_EAL_MEM': 'auto'}), \
                mock.patch.object(eal, 'hugetlbfs_2m_mounted', return_value=True):
            with mock.patch.object(eal, 'free_hugepages', return_value=128):
                self.assertEqual(eal.memory_mode(), 'huge')
            with mock.patch.object(eal, 'free_hugepages', return_value=127):
                self.assertEqual(eal.memory_mode(), 'nohuge')
        with mock.patch.dict(os.environ, {'VH_EAL_MEM': 'auto'}), \
                mock.patch.object(eal, 'hugetlbfs_2m_mounted', return_value=False), \
                mock.patch.object(eal, 'free_hugepages', return_value=1000):
            self.assertEqual(eal.memory_mode(), 'nohuge')
        with mock.patch.dict(os.environ, {'VH_EAL_MEM': 'nohuge'}):
            self.assertEqual(eal.memory_mode(), 'nohuge')

    def test_mount_detection(self):
        cases = [('nodev /dev/hugepages hugetlbfs rw,relatime,pagesize=2M 0 0\n', True),
                 ('nodev /mnt/huge1g hugetlbfs rw,relatime,pagesize=1024M 0 0\n', False),
                 ('proc /proc proc rw 0 0\n', False)]
        for text, want in cases:
            with tempfile.NamedTemporaryFile('w', delete=False) as f:
                f.write(text)
            try:
                self.assertEqual(eal.hugetlbfs_2m_mounted(f.name), want, text)
            finally:
                os.unlink(f.name)


class BifrostTest(unittest.TestCase):
    def test_frame_layout(self):
        f = bifrost.frame(bifrost.ECHO_REQUEST, b'\x01' * 16)
        self.assertEqual(f[:8], b'\x56\x48\x01\x05\x00\x00\x00\x10')
        self.assertEqual(bifrost.parse(f + bifrost.frame(bifrost.KEEPALIVE)),
                         [(5, b'\x01' * 16), (3, b'')])

    def test_malformed_are_malformed(self):
        for kind in bifrost.MALFORMED_KINDS:
            data, reason = bifrost.malformed(kind)
            self.assertTrue(reason.startswith('bifrost-'))
            if kind in ('zero-length', 'unknown-type', 'short-echo'):
                continue  # well-framed; wrong only by the rules of their type
            with self.assertRaises(ValueError, msg=kind):
                bifrost.parse(data)
        self.assertEqual(len(bifrost.malformed('short')[0]), 5)
        self.assertEqual(bifrost.parse(bifrost.malformed('short-echo')[0])[0][0],
                         bifrost.ECHO_REQUEST)


class ImpairTest(unittest.TestCase):
    TWO = {'nodes': ['n1', 'n2'], 'links': [['n1', 'n2']]}

    def plan(self, link_impair=None, top=None, host=False):
        data = {'nodes': ['n1', 'n2'], 'links': [{'ends': ['n1', 'n2']}]}
        if link_impair is not None:
            data['links'][0]['impair'] = link_impair
        if top is not None:
            data['impair'] = top
        if host:
            data['host'] = 'n2'
        return topology.from_dict(data)

    def test_defaults_and_directions(self):
        plan = self.plan({'loss': 10, 'delay_ms': 20, 'jitter_ms': 5, 'seed': 7,
                          'from': {'n2': {'loss': 0, 'duplicate': 2.5}}})
        link = plan.links[0]
        self.assertEqual(link.impair['seed'], 7)
        self.assertEqual(link.impair['dirs'][0], {'loss': 10.0, 'delay_ms': 20.0, 'jitter_ms': 5.0,
                                                  'reorder': 0.0, 'reorder_ms': 10.0,
                                                  'duplicate': 0.0})
        self.assertEqual(link.impair['dirs'][1], dict(link.impair['dirs'][0], loss=0.0,
                                                      duplicate=2.5))
        self.assertEqual(link.relay_ns, 'vh-imp-0')
        self.assertEqual(link.ifnames, ['vh0-n2', 'vh0-n1'])
        self.assertEqual(link.relay_ifnames, ['vh0-n1', 'vh0-n2'])
        self.assertEqual(plan.veth_ends(), [('vh-n1', 'vh0-n2'), ('vh-n2', 'vh0-n1'),
                                            ('vh-imp-0', 'vh0-n1'), ('vh-imp-0', 'vh0-n2')])
        self.assertEqual(plan.impaired, [link])
        d = link.to_dict()
        self.assertEqual((d['relay_ns'], d['relay_ifnames']), ('vh-imp-0', ['vh0-n1', 'vh0-n2']))
        self.assertEqual(impair.describe(link.impair['dirs'][1]),
                         'delay 20+-5 ms duplicate 2.5%')
        # ports are unchanged by the relay: the node's interfaces keep their names
        self.assertEqual(plan.node('n1').ports[0]['devargs'], 'net_af_packet0,iface=vh0-n2')
        self.assertIsNone(self.plan().links[0].impair)
        self.assertIsNone(self.plan().links[0].relay_ns)
        self.assertNotIn('impair', self.plan().links[0].to_dict())

    def test_topology_wide_default(self):
        plan = self.plan(top={'loss': 5}, host=True)
        self.assertEqual([link.impair['dirs'][0]['loss'] for link in plan.links], [5.0, 5.0])
        self.assertEqual([link.relay_ns for link in plan.links], ['vh-imp-0', 'vh-imp-1'])
        plan = self.plan(link_impair=False, top={'loss': 5}, host=True)
        self.assertEqual([link.relay_ns for link in plan.links], [None, 'vh-imp-1'])
        plan = self.plan(link_impair={'delay_ms': 3}, top={'loss': 5})
        self.assertEqual(plan.links[0].impair['dirs'][0]['loss'], 0.0)   # own replaces default
        # a host link's "from" names host; swapping the ends keeps the direction
        plan = topology.from_dict({'nodes': ['a'], 'links': [
            {'ends': ['host', 'a'], 'impair': {'from': {'host': {'loss': 50}}}}]})
        link = plan.links[0]
        self.assertEqual(link.ends, ['a', 'host'])
        self.assertEqual([d['loss'] for d in link.impair['dirs']], [0.0, 50.0])

    def test_errors_name_the_field(self):
        bad = [
            ({'loss': 101}, 'links[0].impair.loss'),
            ({'loss': -1}, 'links[0].impair.loss'),
            ({'loss': '10'}, 'links[0].impair.loss'),
            ({'loss': True}, 'links[0].impair.loss'),
            ({'duplicate': 200}, 'links[0].impair.duplicate'),
            ({'reorder': 100.5}, 'links[0].impair.reorder'),
            ({'delay_ms': -5}, 'links[0].impair.delay_ms'),
            ({'delay_ms': 20000}, 'links[0].impair.delay_ms'),
            ({'delay_ms': 5, 'jitter_ms': 6}, 'links[0].impair.jitter_ms'),
            ({'reorder': 5, 'reorder_ms': 0}, 'links[0].impair.reorder_ms'),
            ({'seed': -1}, 'links[0].impair.seed'),
            ({'seed': 1.5}, 'links[0].impair.seed'),
            ({'los': 10}, 'links[0].impair'),
            ('lossy', 'links[0].impair'),
            (True, 'links[0].impair'),
            ({'from': []}, 'links[0].impair.from'),
            ({'from': {'n3': {'loss': 1}}}, 'links[0].impair.from'),
            ({'from': {'n1': 5}}, 'links[0].impair.from.n1'),
            ({'from': {'n1': {'seed': 5}}}, 'links[0].impair.from.n1'),
            ({'from': {'n2': {'loss': 300}}}, 'links[0].impair.from.n2.loss'),
            ({'delay_ms': 5, 'from': {'n2': {'jitter_ms': 9}}}, 'links[0].impair.from.n2.jitter_ms'),
        ]
        for spec, where in bad:
            with self.assertRaises(topology.TopologyError) as cm:
                self.plan(spec)
            self.assertTrue(str(cm.exception).startswith(where + ':'), (spec, str(cm.exception)))
        for top, where in (({'loss': 150}, 'impair.loss'), ([1], 'impair'),
                           ({'from': {'n1': {}}}, 'impair.from'), ({'x': 1}, 'impair')):
            with self.assertRaises(topology.TopologyError) as cm:
                self.plan(top=top)
            self.assertTrue(str(cm.exception).startswith(where + ':'), (top, str(cm.exception)))

    def test_ring5_lossy_and_the_echo_model(self):
        plan = topology.load(os.path.join(TOPOLOGIES, 'ring5_lossy.json'))
        self.assertEqual(len(plan.impaired), 5)
        self.assertEqual([n.bootstrap for n in plan.nodes],
                         [n.bootstrap for n in topology.load(
                             os.path.join(TOPOLOGIES, 'ring5.json')).nodes])
        for link in plan.links:
            self.assertEqual(link.impair['dirs'][0], link.impair['dirs'][1])
            self.assertEqual(link.impair['dirs'][0]['loss'], 10.0)
        self.assertEqual([len(mesh.hops(plan, 'n1', x)) for x in ('n2', 'n3', 'n4', 'n5')],
                         [1, 2, 2, 1])
        self.assertAlmostEqual(mesh.echo_delivery(plan, 'n1', 'n2'), 0.81)
        self.assertAlmostEqual(mesh.echo_delivery(plan, 'n4', 'n1'), 0.9 ** 4)
        # per direction: only the lossy direction counts, once each way
        plan = topology.from_dict({'nodes': ['a', 'b', 'c'], 'links': [
            {'ends': ['a', 'b'], 'impair': {'from': {'b': {'loss': 50}}}}, ['b', 'c']]})
        self.assertEqual(mesh.hops(plan, 'c', 'a'), [(plan.links[1], 1), (plan.links[0], 1)])
        self.assertAlmostEqual(mesh.echo_delivery(plan, 'a', 'c'), 0.5)
        self.assertAlmostEqual(mesh.echo_delivery(plan, 'b', 'c'), 1.0)
        self.assertIsNone(mesh.hops(topology.from_dict({'nodes': ['a', 'b']}), 'a', 'b'))

    def run_direction(self, fx, n=20000, seed=3, gap=0.001):
        d = impair.Direction(dict(impair.EFFECTS, **fx), seed, 0, 0)
        return d, [d.admit(k * gap) for k in range(n)]

    def test_direction_is_seeded(self):
        fx = {'loss': 10, 'duplicate': 5, 'reorder': 5, 'delay_ms': 4, 'jitter_ms': 2}
        _, a = self.run_direction(fx, 2000)
        _, b = self.run_direction(fx, 2000)
        _, c = self.run_direction(fx, 2000, seed=4)
        self.assertEqual(a, b)
        self.assertNotEqual(a, c)
        # each direction and link has its own sequence for one seed
        other = impair.Direction(dict(impair.EFFECTS, **fx), 3, 0, 1)
        self.assertNotEqual(a, [other.admit(k * 0.001) for k in range(2000)])
        other = impair.Direction(dict(impair.EFFECTS, **fx), 3, 1, 0)
        self.assertNotEqual(a, [other.admit(k * 0.001) for k in range(2000)])

    def test_direction_rates(self):
        n = 20000
        d, out = self.run_direction({'loss': 10, 'duplicate': 5, 'reorder': 2}, n)
        # binomial bounds, 5 standard deviations
        for key, p in (('dropped', 0.10), ('duplicated', 0.05 * 0.9), ('reordered', 0.02 * 0.9)):
            sd = (n * p * (1 - p)) ** 0.5
            self.assertLess(abs(d.n[key] - n * p), 5 * sd, (key, d.n[key]))
        self.assertEqual(d.n['rx'], n)
        self.assertEqual(sum(len(x) for x in out), n - d.n['dropped'] + d.n['duplicated'])
        self.assertEqual(sum(1 for x in out if len(x) == 2), d.n['duplicated'])
        d, out = self.run_direction({}, 100)
        self.assertEqual(out, [[k * 0.001] for k in range(100)])      # no effects: as it came
        d, out = self.run_direction({'loss': 100}, 100)
        self.assertEqual((out, d.n['dropped']), ([[]] * 100, 100))

    def test_direction_delay_jitter_order(self):
        # frames 1 ms apart, 20 +- 5 ms: never earlier than 15 ms, never later than 25
        # (a frame held behind its predecessor is at most that one's delay), in order
        d, out = self.run_direction({'delay_ms': 20, 'jitter_ms': 5}, 5000)
        times = [x[0] for x in out]
        delays = [t - k * 0.001 for k, t in enumerate(times)]
        self.assertGreaterEqual(min(delays), 0.015 - 1e-9)
        self.assertLessEqual(max(delays), 0.025 + 1e-9)
        self.assertEqual(times, sorted(times))
        self.assertGreater(max(delays) - min(delays), 0.008)          # jitter applied
        self.assertAlmostEqual(d.stats()['delay_ms_mean'], 1000 * sum(delays) / len(delays),
                               places=2)
        # frames 20 ms apart are never held back: delays spread over the whole +- 5 ms
        d, out = self.run_direction({'delay_ms': 20, 'jitter_ms': 5}, 5000, gap=0.02)
        delays = [x[0] - k * 0.02 for k, x in enumerate(out)]
        self.assertLess(abs(sum(delays) / len(delays) - 0.020), 0.0005)
        # reordered frames are held reorder_ms longer and overtaken; the rest keep order
        d, out = self.run_direction({'delay_ms': 2, 'reorder': 10, 'reorder_ms': 5}, 5000)
        times = [x[0] for x in out]
        late = [k for k, t in enumerate(times) if t - k * 0.001 > 0.0069]
        self.assertEqual(len(late), d.n['reordered'])
        followed = [k for k in late if k + 1 < len(times) and k + 1 not in late]
        self.assertGreater(len(followed), 300)
        self.assertTrue(all(times[k + 1] < times[k] for k in followed))
        rest = [t for k, t in enumerate(times) if k not in set(late)]
        self.assertEqual(rest, sorted(rest))


if __name__ == '__main__':
    unittest.main(verbosity=2)
