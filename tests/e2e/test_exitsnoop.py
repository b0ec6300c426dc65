"""exitsnoop: processes of a uid of our own exit with codes and fatal signals
we choose; each event is checked against the wait status the parent got
from waitpid() (the oracle, here and in the kernel lane), its pid, parent
and age; --per-thread against the threads the workload made."""
import os
import re
import signal
import time

import pk

UID = 40000 + (os.getpid() + 11) % 20000
SETPRIV = ["/usr/bin/setpriv", f"--reuid={UID}", f"--regid={UID}", "--clear-groups"]
# each exits as its script says: a code, or a signal it sends itself
# (no child processes: the kernel lane's BusyBox shell may or may not fork for its applets)
SCRIPTS = ["exit 0", "exit 3", "exit 255", "kill -9 $$", "kill -TERM $$", "exit 7"]


def wstatus_text(returncode):
    """bcc's EXIT_CODE from what subprocess got from waitpid()."""
    if returncode < 0:
        sig = -returncode
        return f"signal {sig} ({signal.Signals(sig).name[3:]})"
    return "0" if returncode == 0 else f"code {returncode}"


def run_workload():
    """Runs each script as UID; (pid, returncode, seconds it lived at most) each."""
    import subprocess
    done = []
    for s in SCRIPTS:
        t0 = time.monotonic()
        p = subprocess.Popen(SETPRIV + ["/bin/sh", "-c", s])
        p.wait(timeout=10 * pk.TIMEOUT_SCALE)
        done.append((p.pid, p.returncode, time.monotonic() - t0))
    return done


@pk.timeout(60)
def test_exit_codes_and_signals_match_waitpid():
    pk.need_bpf()
    tool = pk.start_tool("exitsnoop", "--json", "-v", "-u", str(UID), ready="verbose")
    held = pk.bpf_objects(tool.pid)
    done = run_workload()
    assert tool.stop() == 0, tool.err
    pk.assert_released(held)
    rows = pk.json_lines(tool.out)
    assert len(rows) == len(SCRIPTS), rows
    for (pid, rc, lived), r in zip(done, rows):
        e = r["event"]
        assert (e["pid"], e["tid"], e["ppid"], e["comm"]) == (pid, pid, os.getpid(), "sh"), e
        assert r["named"]["exit_code"] == wstatus_text(rc), (r, rc)
        # the raw value is the wait status itself
        assert os.waitstatus_to_exitcode(e["exit_code"]) == rc, (e, rc)
        assert 0 < e["age"] <= lived * 1e9, (e, lived)


@pk.timeout(60)
def test_failed_only_and_text_columns():
    pk.need_bpf()
    tool = pk.start_tool("exitsnoop", "-x", "-t", "--label", "lbl", "-u", str(UID))
    header = tool.out[0].split()
    # bcc's: TIME- and the local zone's name
    zone = time.strftime("%Z")
    assert header == [f"TIME-{zone}", "LABEL", "PCOMM", "PID", "PPID", "TID", "AGE(s)",
                      "EXIT_CODE"], header
    # bcc's print("%-13s" % title, end=""); print("%-6s" % "LABEL", end="");
    # print("%-16s %-7s %-7s %-7s %-7s %-10s" % (...)), less the trailing pad
    assert tool.out[0] == ("%-13s%-6s%-16s %-7s %-7s %-7s %-7s %-10s" % (
        f"TIME-{zone}", "LABEL", "PCOMM", "PID", "PPID", "TID", "AGE(s)", "EXIT_CODE")).rstrip()
    done = run_workload()
    assert tool.stop() == 0, tool.err
    rows = [l for l in tool.out[1:] if l.strip()]
    want = [(pid, rc) for pid, rc, _ in done if rc != 0]
    assert len(rows) == len(want), tool.out
    for (pid, rc), line in zip(want, rows):
        f = line.split(None, 7)
        assert re.fullmatch(r"\d\d:\d\d:\d\d\.\d\d\d", f[0]) and f[1] == "lbl" and \
            f[2] == "sh", line
        assert int(f[3]) == pid and int(f[5]) == pid, line
        assert f[7].strip() == wstatus_text(rc), (line, rc)
        # its rows' "%-13s" "%-6s" "%-16s %-7d %-7d %-7d %-7.2f " of the same values
        assert line.startswith("%-13s%-6s%-16s %-7d %-7d %-7d %-7.2f " % (
            f[0], f[1], f[2], int(f[3]), int(f[4]), int(f[5]), float(f[6]))), line


THREADS = """
import threading, sys
ts = [threading.Thread(target=lambda: None) for _ in range(4)]
[t.start() for t in ts]
[t.join() for t in ts]
sys.exit(5)
"""


@pk.timeout(60)
def test_per_thread():
    pk.need_bpf()
    import subprocess
    import sys
    for per_thread in (False, True):
        args = ["--json", "-v", "-u", str(UID)] + (["--per-thread"] if per_thread else [])
        tool = pk.start_tool("exitsnoop", *args, ready="verbose")
        p = subprocess.Popen(SETPRIV + [sys.executable, "-c", THREADS])
        p.wait(timeout=20 * pk.TIMEOUT_SCALE)
        assert p.returncode == 5
        assert tool.stop() == 0, tool.err
        events = [r["event"] for r in pk.json_lines(tool.out)]
        assert all(e["pid"] == p.pid for e in events), events
        leader = [e for e in events if e["tid"] == p.pid]
        assert len(leader) == 1 and os.waitstatus_to_exitcode(leader[0]["exit_code"]) == 5
        others = [e for e in events if e["tid"] != p.pid]
        # four threads of our own; the interpreter may start none of its own
        assert len(others) == (4 if per_thread else 0), events
        assert len({e["tid"] for e in others}) == len(others), events


def clock_seconds(hms):
    """ "HH:MM:SS.mmm" as seconds into the day."""
    h, m, sec = hms.split(":")
    return int(h) * 3600 + int(m) * 60 + float(sec)


def near(shown, expected):
    """Within 5 s of @expected (seconds into the day), across midnight too."""
    d = abs(clock_seconds(shown) - expected) % 86400
    return min(d, 86400 - d) < 5


@pk.timeout(60)
def test_timestamp_local_and_utc():
    """bcc's -t: HH:MM:SS.mmm in local time under TIME-<zone>; --utc (-t
    implied, and with -t too) the same in UTC under TIME-UTC, one column.
    The local zone is set to "XYZ-3" (a POSIX TZ: UTC+3, needing no zone
    files), so that local and UTC times differ by 3 hours exactly."""
    pk.need_bpf()
    env = dict(os.environ, TZ="XYZ-3")
    for args, header, offset in ((["-t"], "TIME-XYZ", 3 * 3600),
                                 (["--utc"], "TIME-UTC", 0),
                                 (["-t", "--utc"], "TIME-UTC", 0)):
        tool = pk.Proc([pk.tool_path("exitsnoop"), "-x", "-u", str(UID), *args], env=env)
        tool.wait_for(lambda l: True, 20, what="header")
        assert tool.out[0].split() == [header, "PCOMM", "PID", "PPID", "TID", "AGE(s)",
                                       "EXIT_CODE"], tool.out
        assert tool.out[0].index("PCOMM") == 13, tool.out[0]
        done = run_workload()
        now = time.time() % 86400
        assert tool.stop() == 0, tool.err
        rows = [l for l in tool.out[1:] if l.strip()]
        want = [pid for pid, rc, _ in done if rc != 0]
        assert [int(l.split()[2]) for l in rows] == want, tool.out
        for line in rows:
            assert re.fullmatch(r"\d\d:\d\d:\d\d\.\d\d\d", line[:12]) and line[12] == " ", line
            assert near(line[:12], (now + offset) % 86400), (line, args)
