"""execsnoop: the execs of a workload run as a uid of our own, checked field by
field against what the script does (also in the kernel lane) and against
strace -f -e trace=execve over the same run: pids, results with their
errno, arguments, and argument lists cut by --max-args or by the buffer
marked as cut."""
import errno
import json
import os
import re
import shutil
import subprocess
import sys

import pk

# a uid of our own, so other tests running at the same time cannot add to it
UID = 40000 + (os.getpid() + 7) % 20000
SETPRIV = ["/usr/bin/setpriv", f"--reuid={UID}", f"--regid={UID}", "--clear-groups"]
LONG = "y" * 3000
# every command by absolute path (a PATH search would make several execve()
# calls), from python rather than a shell: the kernel lane's shell is
# BusyBox's, which may run its applets without an exec
WORKLOAD = """
import subprocess
subprocess.run(["/bin/true", "a", "b c"])
try:
    subprocess.run(["/nonexistent-pk/prog", "1", "2"])
except FileNotFoundError:
    pass
subprocess.run(["/bin/echo"] + [str(i) for i in range(1, 31)], stdout=subprocess.DEVNULL)
subprocess.run(["/bin/true", "y" * 3000])
"""
LONG = "y" * 3000
PY = sys.executable
COMM = os.path.basename(PY)[:15]
ARGS_LEN = 2048
# the text kept before " ..." (execsnoop.bpf.c: ARGS_ROOM less the NUL)
ROOM = ARGS_LEN - 9


def expected():
    """(args, ret, cut) of each exec, in order, as the workload makes them."""
    seq = " ".join(str(i) for i in range(1, 20))
    return [
        (PY + " -c " + WORKLOAD, 0, False),
        ("/bin/true a b c", 0, False),
        ("/nonexistent-pk/prog 1 2", -2, False),
        ("/bin/echo " + seq + " ...", 0, True),
        ("/bin/true " + LONG[:ROOM - len("/bin/true ")] + " ...", 0, True),
    ]


def ours(rows):
    return [r["event"] for r in rows if r["event"]["uid"] == UID]


def run_traced(*args, strace=None):
    tool = pk.start_tool("execsnoop", "--json", "-v", *args, ready="verbose")
    held = pk.bpf_objects(tool.pid)
    argv = SETPRIV + [PY, "-c", WORKLOAD]
    if strace:
        argv = [strace, "-f", "-qq", "-v", "-s", "8192", "-e", "trace=execve", "-e", "signal=none",
                "-o", strace_out(), *argv]
    r = pk.run(argv)
    assert r.returncode == 0, r.stderr
    # every exec of the workload has ended, the failed one's process too:
    # no entry is left in flight (without -x, a failed exec's goes at its
    # thread's end, as no exit tracepoint takes it)
    assert execs_in_flight(held) in (0, None), tool.err
    assert tool.stop() == 0, tool.err
    pk.assert_released(held)
    return ours(pk.json_lines(tool.out))


def execs_in_flight(held):
    """Entries in the tool's pk_execs map (bpftool's view), or None without bpftool."""
    if not shutil.which("bpftool"):
        return None
    for kind, i in held:
        if kind != "map":
            continue
        show = subprocess.run(["bpftool", "-j", "map", "show", "id", str(i)],
                              stdout=subprocess.PIPE, text=True)
        if show.returncode == 0 and json.loads(show.stdout).get("name") == "pk_execs":
            dump = subprocess.run(["bpftool", "-j", "map", "dump", "id", str(i)],
                                  stdout=subprocess.PIPE, text=True, check=True)
            return len(json.loads(dump.stdout))
    raise AssertionError(f"no pk_execs map among {held}")


_out = []


def strace_out():
    if not _out:
        _out.append(os.path.join(pk.tempdir("pk-execsnoop-"), "strace"))
    return _out[0]


def unescape(s):
    """strace's C escapes (\\n, \\") undone."""
    simple = {"n": "\n", "t": "\t", "r": "\r", "v": "\v", "f": "\f", '"': '"', "\\": "\\"}

    def one(m):
        e = m.group(1)
        if e[0] == "x":
            return chr(int(e[1:], 16))
        if e[0].isdigit():
            return chr(int(e, 8))
        return simple[e]
    # by hand: the kernel lane's trimmed stdlib has no unicode_escape codec
    return re.sub(r"\\(x[0-9a-fA-F]{2}|[0-7]{1,3}|.)", one, s)


def parse_strace(path):
    """(pid, filename, argv, ret) of each execve strace saw, after setpriv's own."""
    calls = []
    pat = re.compile(r'^(\d+) +execve\("((?:[^"\\]|\\.)*)", \[(.*?)\], \[.*\]\) += +(0|-1 (E\w+))')
    with open(path) as f:
        for line in f:
            m = pat.match(line)
            assert m, line
            argv = [unescape(a) for a in re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(3))]
            ret = -getattr(errno, m.group(5)) if m.group(5) else 0
            calls.append((int(m.group(1)), unescape(m.group(2)), argv, ret))
    # the first is strace running setpriv, as root
    assert calls[0][1] == "/usr/bin/setpriv", calls[0]
    return calls[1:]


@pk.timeout(60)
def test_execs_match_the_script_and_strace():
    pk.need_bpf()
    strace = pk.need_host_tool("strace")
    events = run_traced("-x", "-u", str(UID), strace=strace)
    assert [(e["args"], e["ret"], e["args_cut"]) for e in events] == expected(), events
    calls = parse_strace(strace_out())
    assert len(calls) == len(events), (calls, events)
    for (pid, filename, argv, ret), e in zip(calls, events):
        assert e["pid"] == pid, (e, pid)
        assert e["ret"] == ret, (e, ret)
        full = " ".join([filename] + argv[1:])
        if e["args_cut"]:
            assert full.startswith(e["args"][:-4]) and e["args"].endswith(" ..."), (e, full)
            assert len(e["args"]) == ROOM + 4 or len(argv) > 20, e
        else:
            assert e["args"] == full, (e, full)
    # the failed exec's comm is its caller's; the others are the new programs'
    assert [e["comm"] for e in events] == [COMM, "true", COMM, "echo", "true"], events
    py = events[0]["pid"]
    assert all(e["ppid"] == py for e in events[1:]), events


@pk.timeout(60)
def test_exact_counts_without_strace():
    """The assertion that runs in the kernel lane too (no strace there)."""
    pk.need_bpf()
    events = run_traced("-x", "-u", str(UID))
    assert [(e["args"], e["ret"], e["args_cut"]) for e in events] == expected(), events
    assert len({e["pid"] for e in events}) == 5, events


@pk.timeout(60)
def test_failed_only_with_x_and_filters():
    pk.need_bpf()
    want = [x for x in expected() if x[1] == 0]
    events = run_traced("-u", str(UID))
    assert [(e["args"], e["ret"], e["args_cut"]) for e in events] == want, events
    events = run_traced("-u", str(UID), "-n", "ech")
    assert [e["comm"] for e in events] == ["echo"], events
    events = run_traced("-u", str(UID), "-x", "-l", "prog\", \"1")
    # the workload's own command line holds it
    assert [e["args"] for e in events] == [PY + " -c " + WORKLOAD], events
    events = run_traced("-u", str(UID), "-x", "-l", "prog 1")
    assert [e["args"] for e in events] == ["/nonexistent-pk/prog 1 2"], events
    events = run_traced("-u", str(UID), "--max-args", "3", "-q")
    assert events[1]["args"] == '"/bin/true" "a" "b c"' and not events[1]["args_cut"], events
    # no -x: the failed exec is not among them
    # bcc submits "..." as one more argument, quoted too under -q
    assert events[2]["args"] == '"/bin/echo" "1" "2" "..."' and events[2]["args_cut"], events


@pk.timeout(60)
def test_text_columns():
    pk.need_bpf()
    tool = pk.start_tool("execsnoop", "-T", "-t", "-U", "-x", "-u", str(UID))
    # bcc's execsnoop: print("%-9s" % ("TIME"), end=""); print("%-8s" %
    # ("TIME(s)"), end=""); print("%-6s" % ("UID"), end=""); print("%-16s
    # %-7s %-7s %3s %s" % ("PCOMM", "PID", "PPID", "RET", "ARGS"))
    assert tool.out[0] == "%-9s%-8s%-6s%-16s %-7s %-7s %3s %s" % (
        "TIME", "TIME(s)", "UID", "PCOMM", "PID", "PPID", "RET", "ARGS"), tool.out[0]
    r = pk.run(SETPRIV + [PY, "-c", WORKLOAD])
    assert r.returncode == 0, r.stderr
    assert tool.stop() == 0, tool.err
    rows = [l.split(None, 7) for l in tool.out[1:] if l.strip()]
    assert len(rows) == 5, tool.out
    for row in rows:
        assert re.fullmatch(r"\d\d:\d\d:\d\d", row[0]) and int(row[2]) == UID, row
    # a row, as bcc's printb(b"%-9s" ...), (b"%-8.3f" ...), (b"%-6d" ...),
    # (b"%-16s %-7d %-7s %3d %s" ...) makes it of the same values
    for line, row in zip([l for l in tool.out[1:] if l.strip()], rows):
        if row[6] != "0":
            continue
        assert line == "%-9s%-8.3f%-6d%-16s %-7d %-7s %3d %s" % (
            row[0], float(row[1]), int(row[2]), row[3], int(row[4]), row[5], 0, row[7]), line
    failed = [l for l in tool.out if l.endswith(" /nonexistent-pk/prog 1 2")]
    assert len(failed) == 1 and " -2 ENOENT " in failed[0], failed


def bcc_quoted(argv):
    """bcc's execsnoop -q, its own expression: each argument between
    quotemarks, its quotemarks escaped, joined by spaces."""
    return " ".join('"' + a.replace('"', '\\"') + '"' for a in argv)


@pk.timeout(60)
def test_quote_as_bcc():
    """-q on arguments with spaces, quotemarks, backslashes and empty ones:
    the ARGS bcc's formula makes of the argv the workload passed, in JSON
    and in the text column (where probekit doubles a backslash)."""
    pk.need_bpf()
    argv = ["/bin/true", "a b", 'say "hi"', "", '"', "back\\slash", "x"]
    prog = f"import subprocess; subprocess.run({argv!r})"
    for json in (True, False):
        args = ["--json", "-v"] if json else []
        tool = pk.start_tool("execsnoop", "-q", "-u", str(UID), *args,
                             ready="verbose" if json else "header")
        r = pk.run(SETPRIV + [PY, "-c", prog])
        assert r.returncode == 0, r.stderr
        assert tool.stop() == 0, tool.err
        if json:
            got = [e["args"] for e in ours(pk.json_lines(tool.out)) if e["comm"] == "true"]
        else:
            # probekit's text escapes a backslash as \\ (its rule for safe output)
            got = [l.split(None, 4)[4].replace("\\\\", "\\") for l in tool.out[1:]
                   if l.startswith("true ")]
        assert got == [bcc_quoted(argv)], (got, tool.out)
