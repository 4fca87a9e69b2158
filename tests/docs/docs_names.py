# SPDX-License-Identifier: BSD-3-Clause
"""What docs/ and README.md name: config keys, vhctl commands. Shared by the
docs tests (tests/docs/test_docs_config.py, tests/netns/test_docs_commands.py).

Conventions the docs follow (docs/vhctl.md, "Commands"):
- every node command has one `###` heading in docs/vhctl.md whose text is a
  code span starting with the command's name: ### `ping <PathAddr> [-c COUNT]`;
- a command with subcommands has one `####` heading per subcommand under it,
  also a code span: #### `mix send <NodeID> <file|->`;
- a config key is named in code, as a path from the top of the file:
  `mix.role`, `$.mix.role`, `ports[].mtu` (docs/config-reference.md lists
  each as `$.…` in its table); JSON examples in ```json blocks use real keys.
"""
import json
import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, '..', '..'))
DOCS = os.path.join(REPO, 'docs')


def doc_files():
    """README.md and every docs/*.md, repository-relative. Not docs/decisions/:
    a decision records what was true when it was taken, stale names included."""
    out = ['README.md']
    out += [os.path.join('docs', f) for f in os.listdir(DOCS) if f.endswith('.md')]
    return sorted(out)


def read(rel):
    with open(os.path.join(REPO, rel), encoding='utf-8') as f:
        return f.read()


FENCE = re.compile(r'^\s*(```|~~~)\s*(\S*)')
SPAN = re.compile(r'(`+)(.+?)\1')


def code(text):
    """(line number, kind, code text) of every code span, fenced block line and
    indented block line; kind is 'span', 'block' or the fence's language."""
    out = []
    lang = None
    prev_blank = True
    in_indent = False
    for no, line in enumerate(text.split('\n'), 1):
        m = FENCE.match(line)
        if m:
            lang = None if lang is not None else (m.group(2) or 'block')
            continue
        if lang is not None:
            out.append((no, lang, line))
            continue
        indented = line.startswith('    ') and not line.lstrip().startswith(('-', '*', '|'))
        if indented and (prev_blank or in_indent):
            in_indent = True
            out.append((no, 'block', line))
            continue
        in_indent = in_indent and line.strip() == ''
        prev_blank = line.strip() == ''
        for s in SPAN.finditer(line):
            out.append((no, 'span', s.group(2).strip()))
    return out


def json_blocks(text):
    """(first line, text) of each ```json block."""
    out, cur, start = [], None, 0
    for no, line in enumerate(text.split('\n'), 1):
        m = FENCE.match(line)
        if m and cur is None and m.group(2) == 'json':
            cur, start = [], no + 1
        elif m and cur is not None:
            out.append((start, '\n'.join(cur)))
            cur = None
        elif cur is not None:
            cur.append(line)
    return out


# --- config keys -------------------------------------------------------------

# A code span or code word that names a file, not a key: `mix.c`, `dht.mdb`.
FILE_EXT = {'c', 'h', 'go', 'py', 'json', 'md', 'mdb', 'so', 'sock', 'key', 'sh', 'txt'}
KEY_TEXT = re.compile(r'\$?\.?([a-z_][a-z0-9_]*(?:\[\])?(?:\.[a-z_][a-z0-9_]*(?:\[\])?)+)')


def normalise_key(text):
    """'mix.role', '.mix.role', '$.mix.role', 'ports[0].mtu' -> '$.mix.role', ..."""
    text = re.sub(r'\[\d+\]', '[]', text.strip())
    return '$.' + text.lstrip('$').lstrip('.')


def key_mentions(sections):
    """(file, line, '$.key') for every code span naming a config key: the
    span's text is a dotted path whose first part is a top-level section
    of the schema (mix, dht, ports, ...) and whose last part is no file
    extension."""
    out = []
    for rel in doc_files():
        if rel == os.path.join('docs', 'config-reference.md'):
            continue
        for no, kind, text in code(read(rel)):
            if kind != 'span':
                continue
            m = KEY_TEXT.fullmatch(re.sub(r'\[\d+\]', '[]', text))
            if m is None:
                continue
            parts = m.group(1).split('.')
            if parts[0].replace('[]', '') in sections and parts[-1] not in FILE_EXT:
                out.append((rel, no, normalise_key(m.group(1))))
    return out


def json_key_mentions(sections):
    """(file, line, '$.key') for every key of a ```json block that is a node
    config or a piece of one (its top-level keys are all schema sections; a
    block of members without the braces counts). Values of a key with no
    keys below it in the schema (a map such as log.libs) are not walked."""
    out = []
    for rel in doc_files():
        for no, text in json_blocks(read(rel)):
            obj = None
            for attempt in (text, '{' + text.strip().rstrip(',') + '}'):
                try:
                    obj = json.loads(attempt)
                    break
                except ValueError:
                    continue
            if isinstance(obj, dict) and obj and set(obj) <= sections:
                _walk(obj, '$', rel, no, out)
    return out


def _walk(value, path, rel, no, out):
    if isinstance(value, list):
        for v in value:
            _walk(v, path + '[]', rel, no, out)
    elif isinstance(value, dict):
        for k, v in value.items():
            out.append((rel, no, path + '.' + k))
            _walk(v, path + '.' + k, rel, no, out)


def reference_keys():
    """The `$.…` paths of docs/config-reference.md's key table."""
    text = read(os.path.join('docs', 'config-reference.md'))
    return [m.group(1) for m in re.finditer(r'^\| `(\$\.[^`]+)` \|', text, re.M)]


# --- vhctl commands ----------------------------------------------------------

VHCTL_MD = os.path.join('docs', 'vhctl.md')
HEADING = re.compile(r'^(#{3,4})\s+`([^`]+)`\s*$')
WORD = re.compile(r'[a-z][a-z0-9-]*')


def documented_commands():
    """From docs/vhctl.md's "## Commands": ({command: line}, {(command, sub): line})."""
    cmds, subs = {}, {}
    in_cmds, cur = False, None
    for no, line in enumerate(read(VHCTL_MD).split('\n'), 1):
        if line.startswith('## '):
            in_cmds = line.strip() == '## Commands'
            continue
        m = HEADING.match(line)
        if not in_cmds or m is None:
            if in_cmds and line.startswith('### '):
                cur = None  # a heading that is not a command ("Any other command")
            continue
        words = m.group(2).split()
        if len(m.group(1)) == 3:
            cur = words[0]
            cmds[cur] = no
        elif cur is not None and len(words) > 1 and words[0] == cur:
            subs[(cur, words[1])] = no
        else:
            subs[('?', m.group(2))] = no  # a subcommand heading outside its command
    return cmds, subs


# vhctl's global options and whether each takes a value (docs/vhctl.md).
GLOBAL_OPTS = {'-s': True, '--socket': True, '-t': True, '--timeout': True,
               '-j': False, '--json': False, '-a': False, '--all': False}


def vhctl_mentions():
    """(file, line, command, next word or None) for every `vhctl COMMAND` in
    code (spans and blocks) of README.md and docs/: the first word after
    vhctl and its global options, when it is lower case (COMMAND, OTHER and
    --help are not commands)."""
    out = []
    for rel in doc_files():
        for no, kind, text in code(read(rel)):
            for m in re.finditer(r'(?<![\w/-])vhctl\s+(.*)', text):
                words = m.group(1).split()
                i = 0
                while i < len(words) and words[i] in GLOBAL_OPTS:
                    i += 2 if GLOBAL_OPTS[words[i]] else 1
                if i < len(words) and WORD.fullmatch(words[i]):
                    nxt = words[i + 1] if i + 1 < len(words) else None
                    out.append((rel, no, words[i], nxt))
    return out
