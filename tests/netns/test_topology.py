#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Unit tests of the test bed's pure parts (no root): topology parsing and the
address plan, node configs, EAL argument choice, Bifrost frame helpers."""
import json
import os
import sys
import tempfile
import unittest
from unittest import mock

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', '..', 'scripts', 'lib'))

from vhbed import bed, bifrost, eal, topology  # noqa: E402


class TopologyTest(unittest.TestCase):
    def test_shipped_topologies_load(self):
        for name in ('pair', 'line3', 'demo'):
            plan = topology.load(os.path.join(HERE, 'topologies', name + '.json'))
            self.assertTrue(plan.has_host, name)

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


class EalTest(unittest.TestCase):
    def test_args(self):
        self.assertEqual(eal.eal_args('n1', 1, mode='nohuge'),
                         ['-l', '1', '--file-prefix', 'vh-n1', '--no-pci', '-m', '256', '--no-huge'])
        self.assertEqual(eal.eal_args('n2', 0, mode='huge'),
                         ['-l', '0', '--file-prefix', 'vh-n2', '--no-pci', '-m', '256'])
        self.assertNotIn('--in-memory', eal.eal_args('n1', 0, mode='nohuge'))

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


if __name__ == '__main__':
    unittest.main(verbosity=2)
