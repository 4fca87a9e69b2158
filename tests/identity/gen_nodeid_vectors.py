#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Derive tests/vectors/identity/nodeid_vectors.json: for every Ed25519 key
pair of Wycheproof's eddsa_test.json, NodeID = SHA-256(pk) with Python's
hashlib and the text form "VH" + base58 (Bitcoin alphabet) with Python big
integers; plus edge NodeIDs (all zero, leading zero bytes, all 0xff). An
implementation independent of lib/identity and lib/core, run once:

    python3 tests/identity/gen_nodeid_vectors.py > tests/vectors/identity/nodeid_vectors.json
"""
import hashlib
import json
import os
import sys

ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def b58(data):
    n = int.from_bytes(data, "big")
    s = ""
    while n:
        n, r = divmod(n, 58)
        s = ALPHABET[r] + s
    zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * zeros + s


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    src = os.path.join(here, "..", "vectors", "identity", "eddsa_test.json")
    groups = json.load(open(src))["testGroups"]
    keys = []
    for g in groups:
        pk = bytes.fromhex(g["key"]["pk"])
        nid = hashlib.sha256(pk).digest()
        keys.append({"seed": g["key"]["sk"], "pk": pk.hex(), "nodeid": nid.hex(),
                     "text": "VH" + b58(nid)})
    edges = []
    for nid in (bytes(32), bytes(31) + b"\1", b"\0\0" + b"\xff" * 30, b"\xff" * 32,
                b"\1" + bytes(31)):
        edges.append({"nodeid": nid.hex(), "text": "VH" + b58(nid)})
    json.dump({"_comment": "derived from Wycheproof eddsa_test.json (Apache-2.0) by "
               "tests/identity/gen_nodeid_vectors.py: SHA-256 by hashlib, base58 by "
               "Python integers", "keys": keys, "edges": edges}, sys.stdout, indent=1)
    sys.stdout.write("\n")


main()
