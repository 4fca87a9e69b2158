#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Runs the real vhctl binary against ctl_test_server (the real lib/ctl with
canned handlers) and checks tables, --json output, pass-through, socket
resolution and exit codes.

usage: test_vhctl.py VHCTL CTL_TEST_SERVER CANNED.json
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

VHCTL, SERVER, CANNED_PATH = sys.argv[1:4]
CANNED = json.load(open(CANNED_PATH))
TMP = tempfile.mkdtemp(prefix="vh-vhctl-test-")
RUN = os.path.join(TMP, "run")
SOCK = os.path.join(RUN, "node-a.sock")
ENV = {k: v for k, v in os.environ.items() if k not in ("VALHALLA_SOCKET", "VALHALLA_RUN_DIR")}

failures = []
passed = 0


def vhctl(*args, env=None, **kw):
    e = dict(ENV)
    e.update(env or {})
    p = subprocess.run([VHCTL, *args], capture_output=True, text=True, env=e, timeout=20, **kw)
    return p.returncode, p.stdout, p.stderr


def vs(*args, **kw):
    """vhctl with -s SOCK."""
    return vhctl("-s", SOCK, *args, **kw)


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def raw_call(cmd, args=None):
    """Speak the protocol directly, for comparison with vhctl --json."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(SOCK)
    req = {"v": 1, "id": 77, "cmd": cmd}
    if args is not None:
        req["args"] = args
    s.sendall((json.dumps(req) + "\n").encode())
    buf = b""
    while not buf.endswith(b"\n"):
        chunk = s.recv(65536)
        check(chunk, "server closed early")
        buf += chunk
    s.close()
    resp = json.loads(buf)
    check(resp["id"] == 77 and resp["v"] == 1 and resp["ok"] is True, f"raw {cmd}: {resp}")
    return resp["result"]


def stale_socket(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    s.close()


def lines_with(out, word):
    return [l for l in out.splitlines() if word in l.split()]


# ---- tests -------------------------------------------------------------


def test_status_table():
    rc, out, err = vs("status")
    check(rc == 0, f"rc {rc} {err}")
    fields = {l.split(None, 1)[0] if not l.startswith(("control lcore", "udp port")) else
              " ".join(l.split()[:2]): l for l in out.splitlines()}
    check("node-a" in fields["name"], out)
    check("4242" in fields["pid"], out)
    check("1d 02:03:04 (93784.5 s)" in fields["uptime"], out)
    check(fields["mode"].split()[-1] == "multi", out)
    check(fields["workers"].split()[-1] == "1,2", out)
    check(fields["udp port"].split()[-1] == "22088", out)
    # values start in one column
    cols = {len(l) - len(l.split()[-1]) for l in out.splitlines() if not l.startswith("uptime")}
    check(len(cols) == 1, f"values not aligned:\n{out}")


def test_json_equals_canned():
    for cmd in ("status", "ports", "version"):
        rc, out, err = vs("--json", cmd)
        check(rc == 0, f"{cmd}: rc {rc} {err}")
        check(json.loads(out) == CANNED[cmd], f"{cmd} --json differs: {out}")
        check(out.count("\n") > 3, f"{cmd} --json not pretty-printed")


def test_ports_table():
    rc, out, err = vs("ports")
    check(rc == 0, f"rc {rc} {err}")
    lines = out.splitlines()
    head = lines[0]
    check(head.split()[:4] == ["ID", "NAME", "DRIVER", "MAC"], head)
    eth0 = next(l for l in lines if " eth0 " in l)
    bb = next(l for l in lines if " backbone1 " in l)
    for v in ("net_af_packet", "02:00:00:00:00:01", "up", "10G", "1500", "10.0.0.1/24",
              "fd00::1/64,fe80::1/64", "net_af_packet0,iface=veth0"):
        check(v in eth0.split(), f"{v} missing in {eth0}")
    check(bb.split()[4:6] == ["down", "-"], bb)
    check(head.index("MAC") == eth0.index("02:00:00:00:00:01") ==
          bb.index("02:00:00:00:00:02"), f"MAC column not aligned:\n{out}")
    check(head.index("IPV4") == eth0.index("10.0.0.1/24"), f"IPV4 not aligned:\n{out}")


def test_version():
    rc, out, err = vs("version")
    check(rc == 0 and "DPDK 22.11.4" in out and "protocol" in out, out + err)
    rc, out, err = vhctl("--version")
    check(rc == 0 and out.startswith("vhctl 0.1.0"), out)


def test_stats_table():
    rc, out, err = vs("stats")
    check(rc == 0, f"rc {rc} {err}")
    for title in ("Ports", "Lcores", "Graph nodes", "Drops", "Control", "Mempool"):
        check(title in out.splitlines(), f"section {title} missing:\n{out}")
    port = lines_with(out, "eth0")[0].split()
    check(port == ["0", "eth0", "123456", "98765432", "120001", "87654321", "7", "0", "0", "3"],
          port)
    w = [l.split() for l in out.splitlines() if l.split()[:2] == ["1", "worker"]][0]
    check(w[2:] == ["123456", "119990", "40", "0", "17", "99999", "0"], w)
    g = lines_with(out, "vh_classify")[0].split()
    check(g == ["1", "vh_classify", "1000", "32000", "1600000", "50.0", "32.0"], g)
    g = lines_with(out, "vh_link_encrypt")[0].split()
    check(g[-2:] == ["-", "-"], g)
    check(lines_with(out, "eth-short")[0].split() == ["eth-short", "5"], out)
    check(lines_with(out, "udp-bad-checksum")[0].split() == ["udp-bad-checksum", "12"], out)
    check("ip4-short" not in out, "zero drop reasons shown without --all")
    n_reasons = len(raw_call("stats")["drops"])
    check(n_reasons > 40, f"only {n_reasons} drop reasons")
    check(f"({n_reasons - 3} reasons at zero; --all shows all)" in out, out)
    check(lines_with(out, "icmp_echo_replies")[0].split() == ["icmp_echo_replies", "9"], out)
    check(lines_with(out, "available")[0].split() == ["available", "7168"], out)
    rc, out, err = vs("stats", "--all")
    check(rc == 0 and lines_with(out, "ip4-short")[0].split() == ["ip4-short", "0"], out)
    check("reasons at zero" not in out, out)


def test_stats_json_equals_protocol():
    rc, out, err = vs("--json", "stats")
    check(rc == 0, err)
    check(json.loads(out) == raw_call("stats"), "stats --json differs from the raw result")


def test_help():
    rc, out, err = vs("help")
    check(rc == 0, err)
    names = [l.split()[0] for l in out.splitlines()[1:]]
    check(names == sorted(names), names)
    for n in ("help", "status", "ports", "stats", "ping", "fail", "echo"):
        check(n in names, f"{n} not in help: {names}")
    rc, out, err = vhctl("--help")
    check(rc == 0 and out.startswith("usage: vhctl"), out)
    rc, out, err = vhctl("ping", "--help")
    check(rc == 0 and "-W TIMEOUT_MS" in out, out)


def test_ping():
    rc, out, err = vs("ping", "/udp/10.0.0.2:22088", "-c", "3", "-i", "10", "-s", "64")
    check(rc == 0, f"rc {rc} {err}")
    check("PING /udp/10.0.0.2:22088" in out, out)
    check("3 sent, 3 received, 0.0% loss" in out, out)
    check("rtt min/avg/max = 0.250/0.500/0.750 ms" in out, out)
    check("seq 0: rtt 0.250 ms" in out and "seq 2: rtt 0.750 ms" in out, out)
    rc, out, err = vs("--json", "ping", "/udp/10.0.0.2:22088")
    want = dict(CANNED["ping"], target="/udp/10.0.0.2:22088")
    check(rc == 0 and json.loads(out) == want, out)
    rc, out, err = vs("ping", "/udp/192.0.2.1:22088", "-c", "2")
    check(rc == 1, f"all lost must exit 1, got {rc}")
    check("2 sent, 0 received, 100.0% loss" in out and "rtt min" not in out, out)
    check("seq 0: no reply" in out and "seq 1: no reply" in out, out)
    rc, out, err = vs("ping", "/udp/10.0.0.2:22088", "-c", "500")
    check(rc == 1 and err == "error: count 1..100 [ctl/bad-request]\n", f"{rc} {err!r}")


def test_node_error():
    rc, out, err = vs("fail")
    check(rc == 1, f"rc {rc}")
    check(err == "error: port 3 is down [dp/port-down]\n", repr(err))
    check(out == "", out)
    rc, out, err = vs("nosuch")
    check(rc == 1 and "[ctl/unknown-command]" in err and "nosuch" in err, err)


def test_passthrough():
    rc, out, err = vs("echo", "a=1", "b=x", "c=-7", "d=1.5", "e=", "f=a=b")
    check(rc == 0, err)
    got = json.loads(out)
    check(got == {"cmd": "echo", "args": {"a": 1, "b": "x", "c": -7, "d": "1.5", "e": "",
                                           "f": "a=b"}}, got)


def test_usage_errors():
    for args in ([], ["status", "extra"], ["ping"], ["ping", "x", "-c", "y"],
                 ["ping", "a", "b"], ["-t", "abc", "status"], ["-t", "0", "status"],
                 ["--bogus", "status"], ["echo", "novalue"], ["echo", "=1"],
                 ["stats", "--nope"]):
        rc, out, err = vs(*args)
        check(rc == 2, f"{args}: rc {rc}")
        check(err.startswith("vhctl: "), f"{args}: {err!r}")


def test_socket_resolution():
    rc, out, err = vhctl("--json", "status", env={"VALHALLA_SOCKET": SOCK})
    check(rc == 0 and json.loads(out)["name"] == "node-a", err)
    rc, out, err = vhctl("--json", "status", env={"VALHALLA_RUN_DIR": RUN})
    check(rc == 0 and json.loads(out)["name"] == "node-a", err)
    other = os.path.join(RUN, "node-b.sock")
    stale_socket(other)
    try:
        rc, out, err = vhctl("status", env={"VALHALLA_RUN_DIR": RUN})
        check(rc == 2 and SOCK in err and other in err and "-s" in err, f"{rc} {err}")
    finally:
        os.unlink(other)
    empty = os.path.join(TMP, "empty")
    os.mkdir(empty)
    rc, out, err = vhctl("status", env={"VALHALLA_RUN_DIR": empty})
    check(rc == 3 and "valhalla is not running" in err, f"{rc} {err}")
    # -s wins over the environment
    rc, out, err = vs("--json", "status", env={"VALHALLA_SOCKET": "/nonexistent.sock"})
    check(rc == 0, err)


def test_not_running():
    path = os.path.join(TMP, "none.sock")
    rc, out, err = vhctl("-s", path, "status")
    check(rc == 3, f"rc {rc}")
    check(err == f"valhalla is not running: no control socket at {path}\n", repr(err))
    stale = os.path.join(TMP, "stale.sock")
    stale_socket(stale)
    rc, out, err = vhctl("-s", stale, "status")
    check(rc == 3 and f"the node at {stale} is not running (stale socket)" in err, f"{rc} {err}")
    plain = os.path.join(TMP, "plain.sock")
    open(plain, "w").close()
    rc, out, err = vhctl("-s", plain, "status")
    check(rc == 5 and "not a socket" in err, f"{rc} {err}")


def test_timeout():
    t = time.monotonic()
    rc, out, err = vs("-t", "0.3", "slow")
    took = time.monotonic() - t
    check(rc == 4 and "timeout" in err, f"{rc} {err}")
    check(took < 2.5, f"took {took:.2f} s")


def test_full_table_of_silent_clients():
    """16 connections that send nothing (the default limit) do not lock vhctl out."""
    silent = []
    try:
        for _ in range(16):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(SOCK)
            silent.append(s)
        for i in range(3):  # each one takes the place of the one idle the longest
            rc, out, err = vs("status")
            check(rc == 0 and "node-a" in out, f"vhctl status #{i} with 16 silent clients: "
                  f"rc {rc} {out!r} {err!r}")
        silent[0].settimeout(5)
        line = silent[0].recv(4096)
        check(b'"code":"evicted"' in line, f"the oldest silent client was told: {line!r}")
    finally:
        for s in silent:
            s.close()


def test_busy_explained():
    """When every connection waits for an answer, vhctl says the node is busy."""
    waiting = []
    try:
        for i in range(16):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(SOCK)
            # one write: the echo's answer shows the server has read (and
            # dispatched) the slow request behind it too
            s.sendall(b'{"v":1,"id":%d,"cmd":"echo"}\n{"v":1,"id":%d,"cmd":"slow"}\n'
                      % (100 + i, i))
            s.settimeout(10)
            check(b'"id":%d' % (100 + i) in s.recv(4096), "echo answer")
            waiting.append(s)
        rc, out, err = vs("status")
        check(rc == 1 and "[ctl/busy]" in err, f"rc {rc} {out!r} {err!r}")
        for s in waiting:  # every slow request is answered: the table empties
            s.settimeout(10)
            check(b'"slow":true' in s.recv(4096), "slow answer")
    finally:
        for s in waiting:
            s.close()


def test_permission_denied():
    if os.geteuid() == 0:
        def drop():
            os.setgid(65534)
            os.setuid(65534)
        # nobody cannot reach the 0600 root socket (nor its 0700 directory)
        rc, out, err = vs("status", preexec_fn=drop)
    else:
        os.chmod(SOCK, 0)
        try:
            rc, out, err = vs("status")
        finally:
            os.chmod(SOCK, 0o600)
    check(rc == 5 and "permission denied" in err and "run as root or as the node's user" in err,
          f"{rc} {err}")


def start_server():
    proc = subprocess.Popen([SERVER, SOCK, CANNED_PATH])
    for _ in range(500):
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(SOCK)
            s.close()
            return proc
        except OSError:
            time.sleep(0.01)
    proc.kill()
    raise SystemExit("ctl_test_server did not come up")


def main():
    global passed
    os.chmod(TMP, 0o755)  # so the permission test fails on the socket, not earlier
    proc = start_server()
    tests = [v for k, v in globals().items() if k.startswith("test_")]
    try:
        for t in tests:
            try:
                t()
                passed += 1
                print(f"ok   {t.__name__}")
            except Exception as e:  # noqa: BLE001 - report every failure
                failures.append(t.__name__)
                print(f"FAIL {t.__name__}: {e}")
    finally:
        proc.send_signal(signal.SIGTERM)
        rc = proc.wait(timeout=10)
    if rc != 0:
        failures.append(f"server exit {rc}")
    if os.path.exists(SOCK):
        failures.append("socket file left behind after SIGTERM")
    shutil.rmtree(TMP, ignore_errors=True)
    print(f"{passed}/{len(tests)} passed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
