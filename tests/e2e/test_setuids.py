"""setuids: a root workload changes its uids with setresuid(), setreuid(),
setfsuid() and setuid(), the last one refused (EPERM) once it has dropped
root; it reports each call's arguments and result (the oracle, here and in
the kernel lane), and strace -f sees the same calls."""
import json
import os
import re
import subprocess
import sys

import pk

U = 40000 + (os.getpid() + 23) % 20000

WORKLOAD = f"""
import json, os, sys
print(os.getpid(), flush=True)
sys.stdin.readline()
made = []
def rec(name, r, e, s, fs, fn):
    uid = os.getuid()
    try:
        ret = fn() or 0
    except OSError as x:
        ret = -x.errno
    made.append([uid, name, r, e, s, fs, ret])
rec("setresuid", 0, {U}, 0, -1, lambda: os.setresuid(0, {U}, 0))
rec("setreuid", -1, 0, -1, -1, lambda: os.setreuid(-1, 0))
try:
    import ctypes, platform
    nr = {{"x86_64": 122, "aarch64": 151}}.get(platform.machine())
    if nr:
        libc = ctypes.CDLL(None)
        rec("setfsuid", -1, -1, -1, {U}, lambda: libc.syscall(nr, {U}))
except ImportError:
    pass
rec("setuid", -1, {U}, -1, -1, lambda: os.setuid({U}))
rec("setuid", -1, 0, -1, -1, lambda: os.setuid(0))
print(json.dumps(made))
"""


def run(tool_args=(), strace=None, out=None):
    argv = [sys.executable, "-c", WORKLOAD]
    if strace:
        argv = [strace, "-f", "-qq", "-e", "trace=setuid,setreuid,setresuid,setfsuid",
                "-e", "signal=none", "-o", out, *argv]
    w = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        pid = int(w.stdout.readline())
        tool = pk.start_tool("setuids", "--json", "-v", "-p", str(pid), *tool_args,
                             ready="verbose")
        held = pk.bpf_objects(tool.pid)
        w.stdin.write("go\n")
        w.stdin.flush()
        made = json.loads(w.stdout.readline())
        assert w.wait(timeout=20 * pk.TIMEOUT_SCALE) == 0
    finally:
        if w.poll() is None:
            w.kill()
            w.wait()
    assert tool.stop() == 0, tool.err
    pk.assert_released(held)
    rows = pk.json_lines(tool.out)
    got = [[r["event"]["uid"], r["named"]["syscall"], r["event"]["ruid"], r["event"]["euid"],
            r["event"]["suid"], r["event"]["fsuid"], r["event"]["ret"]] for r in rows]
    assert all(r["event"]["pid"] == pid for r in rows), rows
    return made, got


@pk.timeout(60)
def test_calls_exactly_as_made():
    pk.need_bpf()
    made, got = run()
    assert got == made, (got, made)
    assert made[-1][0] == U and made[-1][-1] == -1, made  # EPERM once root is dropped


@pk.timeout(60)
def test_failed_only():
    pk.need_bpf()
    made, got = run(["-x"])
    assert got == [m for m in made if m[1] != "setfsuid" and m[-1] < 0] and len(got) == 1, got


@pk.timeout(60)
def test_calls_match_strace():
    pk.need_bpf()
    strace = pk.need_host_tool("strace")
    out = os.path.join(pk.tempdir("pk-setuids-"), "strace")
    made, got = run(strace=strace, out=out)
    assert got == made, (got, made)
    with open(out) as f:
        seen = [m.group(1) for m in (re.match(r"^\d+ +(\w+)\(", l) for l in f) if m]
    assert seen == [m[1] for m in made], (seen, made)
