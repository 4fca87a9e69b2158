#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A stand-in for the valhalla binary, for testing the test bed itself.

Same command line as the node ([EAL args] -- -c node.json), same config, same
control socket (status, version, ports, stats, help), same shutdown contract
(SIGTERM: remove the socket, log "shutdown complete: mbufs in use 0", exit 0).
It checks that every port's interface exists in its namespace and forwards no
packets at all: it proves namespaces, veths, configs, start-up, readiness and
teardown work, nothing about the data plane.
"""

import json
import os
import selectors
import signal
import socket
import sys
import time


def log(msg):
    sys.stderr.write('standin: %s\n' % msg)
    sys.stderr.flush()


def parse_args(argv):
    if '--' not in argv:
        raise SystemExit('usage: standin [EAL args] -- -c node.json')
    app = argv[argv.index('--') + 1:]
    if len(app) != 2 or app[0] != '-c':
        raise SystemExit('usage: standin [EAL args] -- -c node.json')
    return app[1]


def check_ports(cfg):
    ports = []
    for p in cfg['ports']:
        opts = dict(kv.split('=', 1) for kv in p['devargs'].split(',')[1:] if '=' in kv)
        iface = opts.get('iface')
        if not iface or not os.path.exists('/sys/class/net/' + iface):
            raise SystemExit('port %s: interface %r not in this namespace' % (p['name'], iface))
        with open('/sys/class/net/%s/address' % iface) as f:
            mac = f.read().strip()
        ports.append({'id': len(ports), 'name': p['name'], 'devargs': p['devargs'],
                      'driver': 'standin', 'mac': mac, 'link': 'up', 'speed_mbps': 10000,
                      'mtu': 1500, 'ipv4': p.get('ipv4'), 'ipv6': p.get('ipv6', []),
                      'rx_queues': 1, 'tx_queues': 1})
    return ports


class Standin:
    def __init__(self, cfg):
        self.cfg = cfg
        self.ports = check_ports(cfg)
        self.start = time.monotonic()
        self.stop = False

    def result(self, cmd):
        node = self.cfg['node']
        if cmd == 'status':
            return {'name': node['name'], 'version': 'standin', 'pid': os.getpid(),
                    'uptime_s': time.monotonic() - self.start, 'mode': 'single',
                    'idle': self.cfg.get('lcores', {}).get('idle', 'adaptive'),
                    'control_lcore': 0, 'workers': [], 'ports': len(self.ports),
                    'udp_port': self.cfg.get('overlay', {}).get('udp_port', 22088)}
        if cmd == 'version':
            return {'version': 'standin', 'protocol': 1, 'dpdk': 'none'}
        if cmd == 'ports':
            return {'ports': self.ports}
        if cmd == 'stats':
            return {'ports': [], 'lcores': [], 'graph': [], 'drops': {}, 'control': {},
                    'mempool': {'in_use': 0, 'available': 0}}
        if cmd == 'help':
            return {'commands': [{'name': c, 'help': ''} for c in
                                 ('help', 'version', 'status', 'ports', 'stats')]}
        return None

    def answer(self, line):
        try:
            req = json.loads(line)
            res = self.result(req.get('cmd'))
        except ValueError:
            req, res = {}, None
        if res is None:
            return {'v': 1, 'id': req.get('id'), 'ok': False,
                    'error': {'layer': 'ctl', 'code': 'unknown-command',
                              'message': 'standin', 'retry': False}}
        return {'v': 1, 'id': req.get('id'), 'ok': True, 'result': res}

    def serve(self, path):
        srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        if os.path.exists(path):
            os.unlink(path)
        srv.bind(path)
        os.chmod(path, 0o600)
        srv.listen(8)
        sel = selectors.DefaultSelector()
        sel.register(srv, selectors.EVENT_READ)
        log('up: %d port(s), control socket %s' % (len(self.ports), path))
        while not self.stop:
            for key, _ in sel.select(timeout=0.2):
                if key.fileobj is srv:
                    conn, _ = srv.accept()
                    sel.register(conn, selectors.EVENT_READ, b'')
                    continue
                conn = key.fileobj
                data = conn.recv(65536)
                if not data:
                    sel.unregister(conn)
                    conn.close()
                    continue
                buf = key.data + data
                while b'\n' in buf:
                    line, buf = buf.split(b'\n', 1)
                    conn.sendall(json.dumps(self.answer(line)).encode() + b'\n')
                sel.modify(conn, selectors.EVENT_READ, buf)
        srv.close()
        os.unlink(path)


def main(argv):
    with open(parse_args(argv)) as f:
        cfg = json.load(f)
    node = Standin(cfg)

    def on_signal(signo, _frame):
        log('signal %d: shutting down' % signo)
        node.stop = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    node.serve(cfg['node']['control_socket'])
    log('shutdown complete: mbufs in use 0')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
