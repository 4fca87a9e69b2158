# SPDX-License-Identifier: BSD-3-Clause
"""Valhalla network-namespace test bed (stdlib only).

Modules:
  eal       EAL arguments for one node (hugepages or --no-huge, from /proc/meminfo)
  topology  topology files and the derived address plan
  bed       namespaces, veths, node processes, teardown
  ctl       control-socket client (docs/control-protocol.md) and vhctl wrapper
  bifrost   Bifrost frame building and parsing for tests and the demo
  standin   a stand-in node for exercising the bed without the real binary
  impair    the impairment element of impaired links (loss, delay, reordering, duplicates)
  mesh      asking mesh nodes about the overlay; the loss model of impaired links
  pcap      reading tcpdump captures
"""

import os
import sys

# Scripts run as root from the source tree: keep __pycache__ out of it.
sys.dont_write_bytecode = True

# scripts/lib/vhbed/__init__.py -> repository root
REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))
