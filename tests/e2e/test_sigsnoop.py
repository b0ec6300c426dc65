"""sigsnoop: a workload run as a uid of our own ignores one signal, catches
another, kills its child and reaps it; the signals generated, the kernel's
SIGCHLDs included, must be exactly those, checked against what the
workload saw (its handler ran, the child's wait status) here and in the
kernel lane; -k shows only the kill() calls."""
import json
import os
import signal
import sys

import pk

UID = 40000 + (os.getpid() + 17) % 20000
SETPRIV = ["/usr/bin/setpriv", f"--reuid={UID}", f"--regid={UID}", "--clear-groups"]

WORKLOAD = """
import json, os, signal, subprocess
signal.signal(signal.SIGUSR1, signal.SIG_IGN)
os.kill(os.getpid(), signal.SIGUSR1)
got = []
signal.signal(signal.SIGUSR2, lambda s, f: got.append(s))
os.kill(os.getpid(), signal.SIGUSR2)
c = subprocess.Popen(["/bin/sleep", "30"])
os.kill(c.pid, signal.SIGTERM)
c.wait()
print(json.dumps({"pid": os.getpid(), "child": c.pid, "status": c.returncode, "got": got}))
"""

DELIVERED, IGNORED = 0, 1


def run(*tool_args):
    tool = pk.start_tool("sigsnoop", "--json", "-v", "-u", str(UID), *tool_args, ready="verbose")
    held = pk.bpf_objects(tool.pid)
    r = pk.run(SETPRIV + [sys.executable, "-c", WORKLOAD])
    assert r.returncode == 0, r.stderr
    assert tool.stop() == 0, tool.err
    pk.assert_released(held)
    # kill(2)'s tracepoints only for -k (PK_PROGS_WHEN): a syscall tracepoint
    # would put every task on the kernel's syscall slow path
    syscall_tps = [l for l in tool.err if "on tracepoint/syscalls/" in l]
    assert bool(syscall_tps) == ("-k" in tool_args), tool.err
    w = json.loads(r.stdout)
    # the workload's own view: the handler ran once, the child died of SIGTERM
    assert w["got"] == [signal.SIGUSR2] and w["status"] == -signal.SIGTERM, w
    events = [x["event"] for x in pk.json_lines(tool.out)]
    return w, [(e["pid"], e["sig"], e["tpid"], e["result"]) for e in events]


@pk.timeout(60)
def test_generated_signals_exactly():
    pk.need_bpf()
    w, got = run()
    me, child = w["pid"], w["child"]
    want = [
        (me, signal.SIGUSR1, me, IGNORED),
        (me, signal.SIGUSR2, me, DELIVERED),
        (me, signal.SIGTERM, child, DELIVERED),
        # the kernel's, from the dying child: the default SIGCHLD is ignored
        (child, signal.SIGCHLD, me, IGNORED),
    ]
    assert got[:4] == want, got
    # and at its own exit the workload's SIGCHLD to us (our disposition decides the result)
    assert len(got) == 5 and got[4][:3] == (me, signal.SIGCHLD, os.getpid()), got


@pk.timeout(60)
def test_kill_only_failed_and_signal_filters():
    pk.need_bpf()
    w, got = run("-k")
    me, child = w["pid"], w["child"]
    assert got == [(me, signal.SIGUSR1, me, 0), (me, signal.SIGUSR2, me, 0),
                   (me, signal.SIGTERM, child, 0)], got
    w, got = run("-s", str(int(signal.SIGTERM)))
    assert got == [(w["pid"], signal.SIGTERM, w["child"], DELIVERED)], got
    w, got = run("-x")
    assert got[:2] == [(w["pid"], signal.SIGUSR1, w["pid"], IGNORED),
                       (w["child"], signal.SIGCHLD, w["pid"], IGNORED)], got
    assert all(g[3] != DELIVERED for g in got), got


@pk.timeout(60)
def test_text_columns():
    pk.need_bpf()
    tool = pk.start_tool("sigsnoop", "-s", str(int(signal.SIGTERM)), "-u", str(UID))
    assert tool.out[0].split() == ["TIME", "PID", "COMM", "SIG", "TPID", "RESULT"], tool.out
    r = pk.run(SETPRIV + [sys.executable, "-c", WORKLOAD])
    assert r.returncode == 0, r.stderr
    assert tool.stop() == 0, tool.err
    w = json.loads(r.stdout)
    rows = [l.split() for l in tool.out[1:] if l.strip()]
    assert [r[1:] for r in rows] == [[str(w["pid"]), os.path.basename(sys.executable)[:15], "SIGTERM", str(w["child"]), "0"]], \
        tool.out


# kill(), tgkill() (pthread_kill) and a kill() that fails (no such process)
STRACED = """
import os, signal, subprocess, threading
got = []
signal.signal(signal.SIGUSR2, lambda s, f: got.append(s))
os.kill(os.getpid(), signal.SIGUSR2)
signal.pthread_kill(threading.main_thread().ident, signal.SIGUSR2)
c = subprocess.Popen(["/bin/sleep", "30"])
os.kill(c.pid, signal.SIGTERM)
c.wait()
try:
    os.kill(4194304 + 7, signal.SIGTERM)
except ProcessLookupError:
    pass
assert got == [signal.SIGUSR2, signal.SIGUSR2] and c.returncode == -signal.SIGTERM
"""

ERRNOS = {"ESRCH": 3, "EPERM": 1, "EINVAL": 22}


def strace_calls(path):
    """strace's kill/tkill/tgkill lines: (caller, call, target, signal, result)."""
    import re
    calls = []
    with open(path) as f:
        for line in f:
            m = re.match(r"(\d+) +(kill|tkill|tgkill)\(([^)]*)\) += (-?\d+)(?: (E[A-Z]+))?", line)
            if not m:
                continue
            args = [a.strip() for a in m[3].split(",")]
            sig = int(getattr(signal, args[-1])) if args[-1].startswith("SIG") else int(args[-1])
            result = -ERRNOS[m[5]] if m[5] else int(m[4])
            calls.append((int(m[1]), m[2], int(args[-2]), sig, result))
    return calls


@pk.timeout(90)
def test_strace_oracle():
    """strace -f -e trace=kill,tkill,tgkill over a workload: -k's lines are
    its kill() calls exactly (caller, signal, target, result: 0 or
    -errno); the default lines, less the kernel's SIGCHLDs, are the
    signals its successful calls generated (tgkill's target the thread)."""
    pk.need_bpf()
    strace = pk.need_host_tool("strace")
    out = os.path.join(pk.tempdir("pk-sigsnoop-"), "strace")
    kills = pk.start_tool("sigsnoop", "-k", "--json", "-v", "-u", str(UID), ready="verbose")
    every = pk.start_tool("sigsnoop", "--json", "-v", "-u", str(UID), ready="verbose")
    r = pk.run([strace, "-f", "-qq", "-e", "trace=kill,tkill,tgkill", "-e", "signal=none",
                "-o", out] + SETPRIV + [sys.executable, "-c", STRACED])
    assert r.returncode == 0, r.stderr
    assert kills.stop() == 0 and every.stop() == 0, (kills.err, every.err)
    calls = strace_calls(out)
    assert [c[1] for c in calls] == ["kill", "tgkill", "kill", "kill"], calls
    got = [(e["pid"], e["sig"], e["tpid"], e["result"])
           for e in (x["event"] for x in pk.json_lines(kills.out))]
    assert got == [(c[0], c[3], c[2], c[4]) for c in calls if c[1] == "kill"], (got, calls)
    got = [(e["pid"], e["sig"], e["tpid"])
           for e in (x["event"] for x in pk.json_lines(every.out)) if e["sig"] != signal.SIGCHLD]
    assert got == [(c[0], c[3], c[2]) for c in calls if c[4] == 0], (got, calls)
