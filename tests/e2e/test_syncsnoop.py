"""syncsnoop: a workload run as a uid of our own makes sync-family calls it
counts itself (the oracle here and in the kernel lane); each must show
once, in order, under its name, and match strace -f over the same run."""
import collections
import json
import mmap  # noqa: F401 the workload's: so that the kernel lane's guests carry it
import os
import re
import sys

import pk

UID = 40000 + (os.getpid() + 19) % 20000
SETPRIV = ["/usr/bin/setpriv", f"--reuid={UID}", f"--regid={UID}", "--clear-groups"]
CALLS = "sync,syncfs,fsync,fdatasync,msync,sync_file_range"

WORKLOAD = """
import json, mmap, os, tempfile
made = []
with tempfile.TemporaryFile() as f:
    f.write(b"x" * 4096)
    f.flush()
    for _ in range(3):
        os.fsync(f.fileno())
        made.append("fsync")
    os.fdatasync(f.fileno())
    made.append("fdatasync")
    m = mmap.mmap(f.fileno(), 4096)
    m.flush()
    made.append("msync")
    m.close()
    os.sync()
    made.append("sync")
    try:
        import ctypes, platform
        nrs = {"x86_64": (306, 277), "aarch64": (267, 84)}.get(platform.machine())
        if nrs:
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.syscall(nrs[0], f.fileno()) == 0:
                made.append("syncfs")
            if nrs[1] == 277 and libc.syscall(nrs[1], f.fileno(), 0, 4096, 2) == 0:
                made.append("sync_file_range")
    except ImportError:
        pass
print(json.dumps(made))
"""


def run(strace=None, out=None):
    tool = pk.start_tool("syncsnoop", "--json", "-v", "-u", str(UID), ready="verbose")
    held = pk.bpf_objects(tool.pid)
    argv = SETPRIV + [sys.executable, "-c", WORKLOAD]
    if strace:
        argv = [strace, "-f", "-qq", "-e", "trace=" + CALLS, "-e", "signal=none", "-o", out, *argv]
    r = pk.run(argv)
    assert r.returncode == 0, r.stderr
    assert tool.stop() == 0, tool.err
    pk.assert_released(held)
    return json.loads(r.stdout), [x for x in pk.json_lines(tool.out)]


@pk.timeout(60)
def test_calls_exactly_as_made():
    pk.need_bpf()
    made, rows = run()
    assert [r["named"]["call"] for r in rows] == made, (rows, made)
    assert len(made) >= 6, made
    assert len({r["event"]["pid"] for r in rows}) == 1, rows


@pk.timeout(60)
def test_calls_match_strace():
    pk.need_bpf()
    strace = pk.need_host_tool("strace")
    out = os.path.join(pk.tempdir("pk-syncsnoop-"), "strace")
    made, rows = run(strace, out)
    with open(out) as f:
        seen = [m.group(1) for m in (re.match(r"^\d+ +(\w+)\(", l) for l in f) if m]
    assert collections.Counter(seen) == collections.Counter(made), (seen, made)
    assert [r["named"]["call"] for r in rows] == seen, (rows, seen)


@pk.timeout(60)
def test_text_columns():
    pk.need_bpf()
    tool = pk.start_tool("syncsnoop", "-u", str(UID))
    assert tool.out[0].split() == ["TIME", "PID", "COMM", "CALL"], tool.out
    r = pk.run(SETPRIV + [sys.executable, "-c", WORKLOAD])
    assert r.returncode == 0, r.stderr
    assert tool.stop() == 0, tool.err
    made = json.loads(r.stdout)
    rows = [l.split() for l in tool.out[1:] if l.strip()]
    assert [row[3] for row in rows] == made, tool.out
    assert all(re.fullmatch(r"\d\d:\d\d:\d\d", row[0]) for row in rows), rows
