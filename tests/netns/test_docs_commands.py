#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""docs/ names exactly the commands a node has (issue 10 defect: stale docs).

A node with every layer on (veil, dht, mix, telemetry, metrics) runs on a
net_null port in a namespace of its own; its built-in `help` lists the
commands it registered. They are compared, both ways, with the command
headings of docs/vhctl.md (the convention is in tests/docs/docs_names.py):
every documented command exists and every command is documented. The same
for subcommands (a command whose help says `args.sub`: its error for an
unknown one lists them). vhctl's own table (`vhctl --help`, `vhctl mix
--help`) must name only commands and subcommands the node has, and every
`vhctl COMMAND` written in code in docs/ or README.md must name one.
Names come from the running node, never from its sources. A failure prints
each missing or extra name.
"""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

import netns_common as nc
from vhbed import eal as veal  # noqa: E402 (netns_common sets the path)

sys.path.insert(0, os.path.join(nc.REPO, 'tests', 'docs'))
import docs_names as dn  # noqa: E402

NS = 'vh-docs'


def sh(*cmd, check=True):
    return subprocess.run(list(cmd), check=check, capture_output=True, text=True)


def config(tmp):
    cfg = {
        'node': {'name': 'docs', 'control_socket': os.path.join(tmp, 'docs.sock'),
                 'data_dir': os.path.join(tmp, 'data')},
        'log': {'level': 'notice'},
        'ports': [{'name': 'p0', 'devargs': 'net_null0', 'ipv4': '10.99.1.1/24'}],
        'telemetry': {'enabled': True},
        'metrics': {'listen': '127.0.0.1:9470'},
        'veil': {'enabled': True},
        'dht': {'enabled': True},
        'mix': {'enabled': True, 'role': 'both', 'layer': 0},
    }
    path = os.path.join(tmp, 'docs.json')
    with open(path, 'w') as f:
        json.dump(cfg, f)
    return cfg, path


def raw(sock, cmd, args):
    """The whole response object (ok or not) to one request."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    try:
        s.connect(sock)
        s.sendall(json.dumps({'v': 1, 'id': 1, 'cmd': cmd, 'args': args}).encode() + b'\n')
        buf = b''
        while b'\n' not in buf:
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
    finally:
        s.close()
    return json.loads(buf.split(b'\n', 1)[0])


def node_subcommands(sock, cmd):
    """The subcommands the node lists when asked for one it does not have."""
    r = raw(sock, cmd, {'sub': 'no-such-subcommand'})
    msg = (r.get('error') or {}).get('message', '')
    m = re.search(r'one of ([a-z0-9, -]+)', msg)
    return (set(w.strip() for w in m.group(1).split(',')) if m else None), r


def vhctl_table(vhctl):
    """The commands vhctl renders itself: `vhctl --help`'s command lines."""
    out = sh(vhctl, '--help').stdout
    body = out.split('commands', 1)[1].split('\n\n', 1)[0]
    return {m.group(1) for m in re.finditer(r'^  ([a-z][a-z0-9-]*)\b', body, re.M)}


def vhctl_subcommands(vhctl, cmd):
    """Subcommands in `vhctl CMD --help`'s usage (`a | b <ARG> | c`)."""
    lines = sh(vhctl, cmd, '--help').stdout.split('\n')
    usage = lines[0]
    for ln in lines[1:]:
        if not ln.startswith(' '):
            break
        usage += ' ' + ln
    usage = usage.split('vhctl %s ' % cmd, 1)[-1]
    return {part.split()[0] for part in re.split(r'\s+\|\s+', usage) if part.split()}


def diff(c, have, doc, what, where):
    missing = sorted(have - set(doc))
    extra = sorted(set(doc) - have)
    c.check(not missing, 'every %s is documented in docs/vhctl.md' % what,
            '; '.join('undocumented: %s' % n for n in missing))
    c.check(not extra, 'every %s documented in docs/vhctl.md exists' % what,
            '; '.join('%s (%s:%d) does not exist' % (n, dn.VHCTL_MD, where[n]) for n in extra))


def main():
    c, build = nc.start('test_docs_commands')
    nc.require_node(c, build)
    vhctl = os.path.join(build, 'app/vhctl/vhctl')
    tmp = tempfile.mkdtemp(prefix='vh-docs-')
    sh('ip', 'netns', 'del', NS, check=False)
    sh('ip', 'netns', 'add', NS)
    p = None
    try:
        sh('ip', 'netns', 'exec', NS, 'ip', 'link', 'set', 'lo', 'up')
        cfg, path = config(tmp)
        sock = cfg['node']['control_socket']
        log = open(os.path.join(tmp, 'node.log'), 'w')
        p = subprocess.Popen(['ip', 'netns', 'exec', NS,
                              os.path.join(build, 'app/valhalla/valhalla')] +
                             veal.eal_args('docs', 0) + ['--', '-c', path],
                             stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)

        def ask_help():
            r = sh(vhctl, '-s', sock, '--json', 'help', check=False)
            return r if r.returncode == 0 else ('exited' if p.poll() is not None else None)

        helped = nc.wait_for(ask_help, timeout=30, interval=0.2)
        if not isinstance(helped, subprocess.CompletedProcess):
            with open(os.path.join(tmp, 'node.log')) as f:
                c.fatal('node up with every layer on: %s' % ''.join(f.readlines()[-10:]))
        listed = json.loads(helped.stdout)['commands']
        node = {e['name'] for e in listed}
        c.check({'status', 'peers', 'lookup', 'mix', 'help'} <= node,
                'the node registered every layer\'s commands (%d)' % len(node), sorted(node))

        doc_cmds, doc_subs = dn.documented_commands()
        c.check(len(doc_cmds) > 5, 'docs/vhctl.md has command headings (%d)' % len(doc_cmds),
                'none found: the headings lost their `code` form')
        diff(c, node, doc_cmds, 'node command', doc_cmds)

        with_subs = sorted(e['name'] for e in listed if 'args.sub' in e['help'])
        c.check('mix' in with_subs, 'commands with subcommands: %s' % with_subs)
        subs = {}
        for cmd in with_subs:
            got, r = node_subcommands(sock, cmd)
            c.check(got, '%s lists its subcommands when asked for an unknown one' % cmd, r)
            subs[cmd] = got or set()
            documented = {s: no for (k, s), no in doc_subs.items() if k == cmd}
            diff(c, subs[cmd], documented, '%s subcommand' % cmd, documented)
        stray = ['%s (%s:%d)' % (s, dn.VHCTL_MD, no) for (k, s), no in doc_subs.items()
                 if k not in subs]
        c.check(not stray, 'every subcommand heading is under a command that has subcommands',
                '; '.join(stray))

        table = vhctl_table(vhctl)
        c.check(len(table) > 5, 'vhctl --help lists its commands (%d)' % len(table))
        c.check(table <= node, 'every command vhctl renders exists in the node',
                '; '.join('vhctl has %s, the node does not' % n for n in sorted(table - node)))
        for cmd in with_subs:
            if cmd in table:
                mine = vhctl_subcommands(vhctl, cmd)
                c.check(mine == subs[cmd], 'vhctl %s knows the node\'s subcommands' % cmd,
                        'vhctl only: %s; node only: %s' % (sorted(mine - subs[cmd]),
                                                          sorted(subs[cmd] - mine)))

        bad = []
        mentions = dn.vhctl_mentions()
        for rel, no, cmd, nxt in mentions:
            if cmd not in node:
                bad.append('%s:%d: vhctl %s: no such command' % (rel, no, cmd))
            elif cmd in subs and nxt is not None and nxt not in subs[cmd] and \
                    not nxt.startswith(('-', '<', '[', '|', '#')):
                bad.append('%s:%d: vhctl %s %s: no such subcommand' % (rel, no, cmd, nxt))
        c.check(len(mentions) > 20, '`vhctl COMMAND` found in the docs (%d)' % len(mentions))
        c.check(not bad, 'every `vhctl COMMAND` in docs/ and README.md exists', '; '.join(bad))
    finally:
        if p is not None and p.poll() is None:
            p.terminate()
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        sh('ip', 'netns', 'del', NS, check=False)
        shutil.rmtree(tmp, ignore_errors=True)
    c.finish()


if __name__ == '__main__':
    main()
