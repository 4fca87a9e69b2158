# SPDX-License-Identifier: BSD-3-Clause
"""Talking to a node: the vhctl binary, or the control protocol directly.

Protocol (docs/control-protocol.md): one JSON object per line over a Unix
stream socket; request {"v": 1, "id": N, "cmd": ..., "args": {...}},
response {"v": 1, "id": N, "ok": bool, "result"|"error": ...}.
"""

import json
import os
import socket
import subprocess


class CtlError(RuntimeError):
    pass


def request(sock_path, cmd, args=None, timeout=5.0, req_id=1):
    """One request straight over the socket; returns the `result` object."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(sock_path)
        msg = {'v': 1, 'id': req_id, 'cmd': cmd}
        if args is not None:
            msg['args'] = args
        s.sendall(json.dumps(msg).encode() + b'\n')
        buf = b''
        while b'\n' not in buf:
            chunk = s.recv(65536)
            if not chunk:
                raise CtlError('%s: connection closed before a response' % sock_path)
            buf += chunk
    except OSError as e:
        raise CtlError('%s: %s' % (sock_path, e))
    finally:
        s.close()
    resp = json.loads(buf.split(b'\n', 1)[0])
    if resp.get('id') != req_id:
        raise CtlError('%s: response id %r for request %r' % (sock_path, resp.get('id'), req_id))
    if not resp.get('ok'):
        raise CtlError('%s: %s' % (sock_path, resp.get('error')))
    return resp.get('result')


def _vhctl_run(vhctl_path, sock_path, argv, timeout):
    # vhctl's own wait (-t, default 5 s) would end a long traceroute or lookup
    # early: let it wait as long as we do.
    cmd = [vhctl_path, '-s', sock_path, '--json', '-t', '%d' % max(1, int(timeout))] + list(argv)
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True,
                           timeout=timeout + 5, text=True)
    except subprocess.TimeoutExpired:
        raise CtlError('%s: timed out after %.0f s' % (' '.join(cmd), timeout + 5))
    return cmd, p


def vhctl(vhctl_path, sock_path, *argv, timeout=15.0):
    """`vhctl -s SOCK --json ARGV...` parsed; raises CtlError on a non-zero exit."""
    cmd, p = _vhctl_run(vhctl_path, sock_path, argv, timeout)
    if p.returncode != 0:
        raise CtlError('%s: exit %d: %s' % (' '.join(cmd), p.returncode,
                                              (p.stderr or p.stdout).strip()))
    try:
        return json.loads(p.stdout)
    except ValueError:
        raise CtlError('%s: output is not JSON: %r' % (' '.join(cmd), p.stdout[:200]))


def vhctl_rc(vhctl_path, sock_path, *argv, timeout=15.0):
    """(exit code, parsed JSON result or None, stderr) of `vhctl -s SOCK --json ARGV...`.

    For commands that answer even when they fail (a lookup that found nothing
    exits 1 and still prints its result)."""
    _, p = _vhctl_run(vhctl_path, sock_path, argv, timeout)
    try:
        res = json.loads(p.stdout) if p.stdout.strip() else None
    except ValueError:
        res = None
    return p.returncode, res, p.stderr.strip()


def is_up(sock_path, vhctl_path=None, timeout=3.0):
    """True when the node answers `status` (via vhctl when given, else the socket)."""
    if not os.path.exists(sock_path):
        return False
    if vhctl_path:
        try:
            p = subprocess.run([vhctl_path, '-s', sock_path, 'status'], stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               timeout=timeout)
        except subprocess.TimeoutExpired:
            return False
        return p.returncode == 0
    try:
        request(sock_path, 'status', timeout=timeout)
        return True
    except (CtlError, ValueError):
        return False
