#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Prometheus metrics: a node with metrics.listen serves GET /metrics in the text
exposition format, inside its namespace, with counters that move with traffic and
agree with vhctl; anything else is a 404."""
import re

import netns_common as nc

c, build = nc.start('test_metrics')
nc.require_node(c, build)

FETCH = '''
import sys, urllib.request, urllib.error
try:
    r = urllib.request.urlopen(sys.argv[1], timeout=5)
    print(r.status); print(r.headers.get('Content-Type')); sys.stdout.write(r.read().decode())
except urllib.error.HTTPError as e:
    print(e.code)
'''


def fetch(b, path):
    p = b.in_ns('vh-n1', ['python3', '-c', FETCH, 'http://127.0.0.1:9469' + path], timeout=20)
    lines = p.stdout.split('\n')
    return int(lines[0]) if lines[0].isdigit() else None, lines[1:]


def sample(lines, name, labels):
    pat = re.compile(r'^%s\{%s\} (\S+)$' % (re.escape(name), re.escape(labels)))
    for ln in lines:
        m = pat.match(ln)
        if m:
            return float(m.group(1))
    return None


plan = nc.plan('pair')
for node in plan.nodes:
    if node.name == 'n1':
        node.config = nc.vbed.merge(node.config or {}, {'metrics': {'listen': '127.0.0.1:9469'}})

with nc.testbed(build, plan, 'test_metrics') as b:
    ip4, _, _, _ = nc.host_addrs(b)
    p = b.in_host(['ping', '-c', '4', '-i', '0.2', '-W', '2', ip4], timeout=30)
    c.check(p.returncode == 0, 'ping %s' % ip4, p.stdout)
    status, lines = fetch(b, '/metrics')
    c.check(status == 200, 'GET /metrics answers 200', status)
    c.check(lines and lines[0].startswith('text/plain'), 'text/plain content type', lines[:1])
    c.check(sample(lines, 'valhalla_up', 'node="n1"') == 1, 'valhalla_up{node="n1"} 1')
    echoes = sample(lines, 'valhalla_control_events_total',
                    'layer="host",event="icmp_echo_replies"')
    v = b.vhctl('n1', 'stats')
    c.check(echoes is not None and echoes >= 4, 'icmp_echo_replies counted (%s)' % echoes)
    c.check(echoes == v['control']['icmp_echo_replies'], 'metrics agree with vhctl (%s, %s)' %
            (echoes, v['control']['icmp_echo_replies']))
    # one counter registry: every layer's block reaches /metrics and `stats`
    for layer, event in (('node', 'punt_rx'), ('link', 'link_hs_rx'), ('mesh', 'mesh_rx'),
                         ('ping', 'ping_sent'), ('dht', 'dht_rx_ping'), ('mix', 'mix_unwrapped')):
        got = sample(lines, 'valhalla_control_events_total',
                     'layer="%s",event="%s"' % (layer, event))
        c.check(got is not None, '%s counters exported (%s)' % (layer, event))
        c.check(event in v['control'], '%s counters in vhctl stats (%s)' % (layer, event))
    c.check(sample(lines, 'valhalla_drops_total', 'reason="bifrost-bad-magic"') == 0,
            'every drop reason is exported')
    types = [ln for ln in lines if ln.startswith('# TYPE ')]
    names = [t.split()[2] for t in types]
    c.check(len(names) == len(set(names)), 'each metric family declared once (%d)' % len(names))
    c.check(any(ln.startswith('valhalla_graph_node_objs_total{lcore="') for ln in lines),
            'graph node counters exported')
    status, _ = fetch(b, '/nope')
    c.check(status == 404, 'other paths answer 404', status)
c.finish()
