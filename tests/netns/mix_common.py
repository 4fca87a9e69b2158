# SPDX-License-Identifier: BSD-3-Clause
"""Helpers of the mix netns tests (test_mix.py, test_mix_restart.py): the mix8
topology's names, sending and receiving through `vhctl mix`."""
import os
import tempfile
import time

from vhbed import mesh

MIXNODES = ['e1', 'e2', 'x1', 'x2', 'z1', 'z2']
CLIENTS = ['c1', 'c2']
NAMES = CLIENTS + MIXNODES


def msg_file(data):
    f = tempfile.NamedTemporaryFile(delete=False, prefix='mixmsg')
    f.write(data)
    f.close()
    return f.name


def send(b, src, dst_id, data, *flags):
    """mix send, retried while no path exists yet; the result or None."""
    path = msg_file(data)
    try:
        for _ in range(20):
            rc, res, err = b.vhctl_rc(src, 'mix', 'send', dst_id, path, *flags)
            if rc == 0:
                return res
            time.sleep(0.5)
        print('mix send %s: rc %s %s' % (src, rc, err))
        return None
    finally:
        os.unlink(path)


def wait_recv(b, name, want, timeout):
    """Poll mix recv until a message whose data is `want` (bytes) arrives."""
    t0 = time.monotonic()
    got = []
    while time.monotonic() - t0 < timeout:
        for m in b.vhctl(name, 'mix', 'recv')['messages']:
            got.append(m)
            if bytes.fromhex(m['data']) == want:
                return m, got
        time.sleep(0.2)
    return None, got


def wait_routes(b, ids, names=NAMES, timeout=10):
    """Overlay routes between every two of names (a mixnode forwards by NodeID)."""
    for a in names:
        for z in names:
            if a != z:
                mesh.wait_lookup(b, a, ids[z], timeout)


def known(b, client, mix_ids):
    """NodeIDs of the mixnodes client holds a verified descriptor of."""
    return {d['node_id'] for d in b.vhctl(client, 'mix', 'status')['directory']
            if d['epochs'] and d['node_id'] in mix_ids}


def wait_descriptors(b, clients, mix_ids, timeout):
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if all(known(b, cl, mix_ids) == mix_ids for cl in clients):
            return True
        time.sleep(0.3)
    return False
