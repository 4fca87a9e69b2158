#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""valhalla's command line and config errors: clear messages and exit codes,
before EAL starts (so no root, no hugepages, no devices are needed)."""
import json
import os
import subprocess
import sys
import tempfile

node = sys.argv[1]
failed = []


def check(ok, what, detail=''):
    print(('ok   ' if ok else 'FAIL ') + what + ('' if ok else ': ' + str(detail)))
    if not ok:
        failed.append(what)


def run(*args):
    p = subprocess.run([node] + list(args), capture_output=True, text=True, timeout=30)
    return p.returncode, p.stdout, p.stderr


rc, out, err = run('--version')
check(rc == 0 and out.startswith('valhalla ') and 'DPDK' in out, '--version', (rc, out, err))
rc, out, err = run('--help')
check(rc == 0 and '-c, --config FILE' in out, '--help', (rc, out, err))
rc, out, err = run('-l', '0', '--', '--help')
check(rc == 0 and 'Usage:' in out, '-- --help after EAL options', (rc, out, err))
rc, out, err = run('-l', '0')
check(rc == 2 and "missing '--'" in err, "no '--': usage error 2", (rc, err))
rc, out, err = run('--', '--bogus')
check(rc == 2 and "'--bogus'" in err, 'unknown option: exit 2 naming it', (rc, err))
rc, out, err = run('--')
check(rc == 2 and 'no configuration' in err, 'no -c: exit 2', (rc, err))
rc, out, err = run('--', '-c', 'x.json', 'extra')
check(rc == 2 and "'extra'" in err, 'stray argument: exit 2', (rc, err))

with tempfile.TemporaryDirectory() as tmp:
    missing = os.path.join(tmp, 'missing.json')
    rc, out, err = run('--', '-c', missing)
    check(rc == 1 and missing in err and 'EAL' not in err, 'missing file: exit 1 before EAL',
          (rc, err))
    bad = os.path.join(tmp, 'bad.json')
    with open(bad, 'w') as f:
        json.dump({'node': {'name': 'n1'}, 'ports': [{'name': 'eth0', 'devargs': 'net_null0',
                                                     'ipv4': '10.0.0.300/24'}]}, f)
    rc, out, err = run('--no-huge', '--', '-c', bad)
    check(rc == 1 and '$.ports[0].ipv4' in err and '10.0.0.300/24' in err and 'EAL:' not in err,
          'bad address: exit 1 naming the JSON path, before EAL', (rc, err))
    unknown = os.path.join(tmp, 'unknown.json')
    with open(unknown, 'w') as f:
        f.write('{"node": {"name": "n1", "colour": "blue"}, "ports": []}')
    rc, out, err = run('--', '-c', unknown)
    check(rc == 1 and '$.node.colour' in err, 'unknown key named', (rc, err))
    syntax = os.path.join(tmp, 'syntax.json')
    with open(syntax, 'w') as f:
        f.write('{"node": {"name": "n1",}\n')
    rc, out, err = run('--', '-c', syntax)
    check(rc == 1 and 'syntax.json:1:' in err, 'syntax error with line number', (rc, err))

print('test_cli: %d failed' % len(failed))
sys.exit(1 if failed else 0)
