#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""docs/ and README.md name only config keys the schema has, and the
reference lists every key the schema has (issue 10 defect: stale docs).

The keys come from the schema table itself (vh_config_keys(), printed by
tests/config/config_keys); what the docs name is read as described in
tests/docs/docs_names.py. A failure prints each name that is missing or
extra and where the docs use it.

Usage: test_docs_config.py CONFIG_KEYS_BINARY
"""
import os
import subprocess
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import docs_names as dn  # noqa: E402

failed = []


def check(ok, what, detail=()):
    print(('ok   ' if ok else 'FAIL ') + what, flush=True)
    if not ok:
        for d in detail:
            print('       ' + d)
        failed.append(what)


def main():
    if len(sys.argv) != 2:
        print('usage: %s CONFIG_KEYS_BINARY' % sys.argv[0])
        return 2
    p = subprocess.run([sys.argv[1]], capture_output=True, text=True, timeout=30)
    keys = p.stdout.split()
    check(p.returncode == 0 and len(keys) > 50, 'the schema lists its keys (%d)' % len(keys),
          [p.stderr.strip()] if p.stderr.strip() else ())
    schema = set(keys)
    sections = {k.split('.')[1].replace('[]', '') for k in schema}

    ref = dn.reference_keys()
    missing = sorted(schema - set(ref))
    extra = sorted(set(ref) - schema)
    check(not missing, 'every key of the schema has a row in docs/config-reference.md',
          ['undocumented key: ' + k for k in missing])
    check(not extra, 'every row of docs/config-reference.md is a key of the schema',
          ['no such key: ' + k for k in extra])
    check(len(ref) == len(set(ref)), 'each key has one row',
          sorted({'twice: ' + k for k in ref if ref.count(k) > 1}))

    named = dn.key_mentions(sections)
    bad = ['%s:%d: `%s` is not a config key' % m for m in named if m[2] not in schema]
    check(not bad, 'the %d config keys named in code spans of docs/ and README.md exist'
          % len(named), bad)
    check(any(m[2] == '$.dht.enabled' for m in named), 'key mentions are found at all',
          ['`dht.enabled` is named in docs/mesh.md yet was not found: the parser is broken'])

    in_json = dn.json_key_mentions(sections)
    bad = ['%s:%d: "%s" in a JSON example is not a config key' % m
           for m in in_json if m[2] not in schema]
    check(not bad, 'the %d keys of JSON config examples exist' % len(in_json), bad)
    check(any(m[2] == '$.ports[].devargs' for m in in_json), 'JSON examples are found at all',
          ['README.md has a JSON config yet none was found: the parser is broken'])

    print('test_docs_config: %d failed' % len(failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
