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

# Identity: created on first start (0600), loaded the same afterwards; a key
# file others can read, or a corrupt one, stops the node with a clear message.
with tempfile.TemporaryDirectory() as tmp:
    key = os.path.join(tmp, 'keys', 'identity.key')
    cfg = os.path.join(tmp, 'id.json')
    with open(cfg, 'w') as f:
        json.dump({'node': {'name': 'idtest', 'key_file': key, 'data_dir': tmp,
                            'control_socket': os.path.join(tmp, 'c.sock')},
                   'ports': [{'name': 'p0', 'devargs': 'net_nosuchpmd0',
                              'ipv4': '10.0.0.1/24'}]}, f)
    eal = ['--no-huge', '-m', '64', '--no-pci', '-l', '0', '--file-prefix',
           'vh-clitest-%d' % os.getpid(), '--log-level', 'lib.eal:crit']
    rc, out, err = run(*eal, '--', '-c', cfg)
    first = [ln for ln in err.splitlines() if 'identity VH' in ln]
    check(rc == 1 and first and 'created identity VH' in first[0],
          'identity created on first start (the bogus port then stops the node)', (rc, err))
    check(os.path.exists(key) and (os.stat(key).st_mode & 0o777) == 0o600,
          'key file mode 0600', oct(os.stat(key).st_mode) if os.path.exists(key) else None)
    rc, out, err = run(*eal, '--', '-c', cfg)
    second = [ln for ln in err.splitlines() if 'identity VH' in ln]
    check(first and second and second[0].split()[3] == first[0].split()[3] and
          'loaded identity' in second[0], 'same NodeID after a restart', (first, second))
    os.chmod(key, 0o644)
    rc, out, err = run(*eal, '--', '-c', cfg)
    check(rc == 1 and 'chmod 600' in err and 'EAL:' not in err,
          'group/other-readable key file refused before EAL', (rc, err))
    os.chmod(key, 0o600)
    with open(key, 'r+b') as f:
        f.seek(40)
        b = f.read(1)
        f.seek(40)
        f.write(bytes([b[0] ^ 0x55]))
    rc, out, err = run(*eal, '--', '-c', cfg)
    check(rc == 1 and 'identity:' in err and 'EAL:' not in err, 'corrupt key file refused',
          (rc, err))

print('test_cli: %d failed' % len(failed))
sys.exit(1 if failed else 0)
