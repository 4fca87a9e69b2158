#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""An inbound peer survives the expiry of its old keypair (topology link2_expire).

n2 holds n1 as an inbound peer. Its previous keypair expires by age while
the current one is in use (as at 180 s with the default timers, after the
rekey at 120 s); vh_veil reports that as ZERO_KEYS, and the node used to
forget the whole inbound peer then, tearing the session down on every link
of a ring every 180 s. The checks are test_link_rekey's: continuous pings
both ways lose nothing, the handshake count of each peer entry only grows.
"""
import test_link_rekey

if __name__ == '__main__':
    test_link_rekey.run('test_link_expire', 'link2_expire')
