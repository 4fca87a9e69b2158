#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Veil rekeys with both nodes keeping the link lose nothing (topology
link2_rekey_both): the checks of test_link_rekey.py, with both nodes listing
each other, so both initiate at start and the first handshakes may cross;
lib/veil then settles both sides on one keypair (the one initiated by the
node with the smaller static key) and the side that did not initiate a
keypair renews it too, later (docs/veil.md, "Crossing handshakes").
"""
import test_link_rekey

test_link_rekey.run('test_link_rekey_both', 'link2_rekey_both')
