# SPDX-License-Identifier: BSD-3-Clause
"""Bifrost frames as the tests and the demo send them.

Frame: magic 0x56 0x48 ("VH"), version (1), type, length (u32 big-endian),
payload. A datagram carries one or more frames. ECHO_REQUEST payload:
id u32, seq u32, timestamp u64, then padding; it comes back unchanged in an
ECHO_REPLY.
"""

import struct

MAGIC = b'VH'
VERSION = 1
HEADER = 8
DATA, CONTROL, KEEPALIVE, CLOSE, ECHO_REQUEST, ECHO_REPLY = 1, 2, 3, 4, 5, 6
ECHO_MIN = 16
DEFAULT_PORT = 22088


def frame(ftype, payload=b'', version=VERSION, magic=MAGIC, length=None):
    """One frame; `length` overrides the length field (for malformed frames)."""
    n = len(payload) if length is None else length
    return magic + struct.pack('>BBI', version, ftype, n) + payload


def echo_payload(ident, seq, timestamp_ns, pad=0):
    return struct.pack('>IIQ', ident, seq, timestamp_ns) + bytes((i * 7 + seq) & 0xff
                                                               for i in range(pad))


def parse(datagram):
    """Frames of a datagram as [(type, payload)]; ValueError when malformed."""
    frames = []
    off = 0
    while off < len(datagram):
        if len(datagram) - off < HEADER:
            raise ValueError('short frame header at %d' % off)
        magic, version, ftype, n = struct.unpack_from('>2sBBI', datagram, off)
        if magic != MAGIC or version != VERSION:
            raise ValueError('bad magic/version at %d' % off)
        off += HEADER
        if n > len(datagram) - off:
            raise ValueError('length past datagram at %d' % off)
        frames.append((ftype, datagram[off:off + n]))
        off += n
    if not frames:
        raise ValueError('empty datagram')
    return frames


def malformed(kind):
    """(datagram, drop reason the node must count) for each kind of bad input."""
    echo = echo_payload(0xbad, 1, 0)
    table = {
        'short': (MAGIC + bytes([VERSION, ECHO_REQUEST, 0]), 'bifrost-short'),
        'bad-magic': (frame(ECHO_REQUEST, echo, magic=b'XH'), 'bifrost-bad-magic'),
        'bad-version': (frame(ECHO_REQUEST, echo, version=2), 'bifrost-bad-version'),
        'length-past': (frame(DATA, b'x' * 10, length=100), 'bifrost-length-past-datagram'),
        'zero-length': (frame(DATA, b''), 'bifrost-zero-length'),
        'unknown-type': (frame(0x7f, b'y' * 16), 'bifrost-unknown-type'),
        'short-echo': (frame(ECHO_REQUEST, b'z' * 8), 'bifrost-bad-echo'),
    }
    return table[kind]


MALFORMED_KINDS = ('short', 'bad-magic', 'bad-version', 'length-past', 'zero-length',
                   'unknown-type', 'short-echo')
