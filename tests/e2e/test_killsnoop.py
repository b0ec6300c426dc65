"""killsnoop: a workload run as a uid of our own sends signals with kill(),
tkill() and tgkill() that succeed and fail (ESRCH, EPERM) and reports what
each call returned; the events must be exactly those (also in the kernel
lane), and match strace -f -e trace=kill,tkill,tgkill over the same run."""
import errno
import json
import os
import re
import signal
import sys

import pk

UID = 40000 + (os.getpid() + 13) % 20000
SETPRIV = ["/usr/bin/setpriv", f"--reuid={UID}", f"--regid={UID}", "--clear-groups"]
NO_PID = 4194309  # above the largest pid_max: ESRCH

WORKLOAD = f"""
import json, os, signal, subprocess, threading
calls = []
def rec(name, tpid, sig, fn):
    try:
        fn()
        ret = 0
    except OSError as e:
        ret = -e.errno
    calls.append([name, tpid, sig, ret])
me = os.getpid()
rec("kill", me, 0, lambda: os.kill(me, 0))
rec("kill", {NO_PID}, 15, lambda: os.kill({NO_PID}, 15))
rec("kill", 1, 10, lambda: os.kill(1, 10))
child = subprocess.Popen(["/bin/sleep", "30"])
rec("kill", child.pid, 15, lambda: os.kill(child.pid, 15))
child.wait()
tid = threading.get_native_id()
rec("tgkill", tid, 0, lambda: signal.pthread_kill(threading.get_ident(), 0))
try:
    import ctypes, platform
    nr = {{"x86_64": 200, "aarch64": 130}}.get(platform.machine())
    if nr:
        libc = ctypes.CDLL(None, use_errno=True)
        r = libc.syscall(nr, tid, 0)
        calls.append(["tkill", tid, 0, -ctypes.get_errno() if r else 0])
except ImportError:
    pass
print(json.dumps(calls))
"""


def run_workload(tool_args, strace=None, out=None):
    tool = pk.start_tool("killsnoop", "--json", "-v", "-u", str(UID), *tool_args, ready="verbose")
    held = pk.bpf_objects(tool.pid)
    argv = SETPRIV + [sys.executable, "-c", WORKLOAD]
    if strace:
        argv = [strace, "-f", "-qq", "-e", "trace=kill,tkill,tgkill", "-e", "signal=none",
                "-o", out, *argv]
    r = pk.run(argv)
    assert r.returncode == 0, r.stderr
    assert tool.stop() == 0, tool.err
    pk.assert_released(held)
    events = [x["event"] for x in pk.json_lines(tool.out)]
    return json.loads(r.stdout), events


def as_calls(events):
    names = {62: "kill", 200: "tkill", 234: "tgkill", 129: "kill", 130: "tkill", 131: "tgkill"}
    return [[names.get(e["syscall"], e["syscall"]), e["tpid"], e["sig"], e["ret"]] for e in events]


def signum(name):
    return 0 if name == "0" else int(signal.Signals[name])


def parse_strace(path):
    calls = []
    pat = re.compile(r"^\d+ +(kill|tkill|tgkill)\(([^)]*)\) +=  *(0|-1 (E\w+))")
    with open(path) as f:
        for line in f:
            m = pat.match(line)
            assert m, line
            args = [a.strip() for a in m.group(2).split(",")]
            if m.group(1) == "tgkill":
                args = args[1:]
            ret = -getattr(errno, m.group(4)) if m.group(4) else 0
            calls.append([m.group(1), int(args[0]), signum(args[1]), ret])
    return calls


@pk.timeout(60)
def test_calls_match_the_workload_and_strace():
    pk.need_bpf()
    strace = pk.need_host_tool("strace")
    out = os.path.join(pk.tempdir("pk-killsnoop-"), "strace")
    calls, events = run_workload([], strace, out)
    assert as_calls(events) == calls, (events, calls)
    assert parse_strace(out) == calls, calls
    assert all(e["comm"] == os.path.basename(sys.executable)[:15] for e in events), events


@pk.timeout(60)
def test_exact_calls_and_filters():
    """Runs in the kernel lane too: the workload's own results are the oracle."""
    pk.need_bpf()
    calls, events = run_workload([])
    assert as_calls(events) == calls, (events, calls)
    assert [c[3] for c in calls[:4]] == [0, -errno.ESRCH, -errno.EPERM, 0], calls
    calls, events = run_workload(["-x"])
    assert as_calls(events) == [c for c in calls if c[3] < 0], (events, calls)
    calls, events = run_workload(["-s", "15"])
    assert as_calls(events) == [c for c in calls if c[2] == 15], (events, calls)
    calls, events = run_workload(["-T", str(NO_PID)])
    assert as_calls(events) == [c for c in calls if c[1] == NO_PID], (events, calls)


@pk.timeout(60)
def test_text_columns():
    pk.need_bpf()
    tool = pk.start_tool("killsnoop", "-x", "-u", str(UID))
    header = tool.out[0].split()
    assert header == ["TIME", "PID", "COMM", "SIG", "TPID", "RESULT"], header
    r = pk.run(SETPRIV + [sys.executable, "-c", WORKLOAD])
    assert r.returncode == 0, r.stderr
    assert tool.stop() == 0, tool.err
    rows = [l.split() for l in tool.out[1:] if l.strip()]
    assert [r[3:] for r in rows] == [["SIGTERM", str(NO_PID), "-3", "ESRCH"],
                                     ["SIGUSR1", "1", "-1", "EPERM"]], tool.out
