"""Histograms in probekit run: a child whose pid the test knows makes an
exact number of read() calls of known sizes, and the histograms must hold
exactly those calls, in the slots their sizes fall in, printed as bcc's own
print_log2_hist()/print_linear_hist() (bcc's table.py is the oracle of the
text)."""
import json
import os
import re
import signal
import subprocess
import time

import pk
from test_run import EXAMPLES, PROGS, env, prebuilt, run_argv

READLAT = os.path.join(EXAMPLES, "readlatency.bpf.c")
SIZES = os.path.join(PROGS, "read_sizes.bpf.c")
# bcc's python module comes with Debian's python3-bpfcc, for Debian's python
BCC_PYTHON = "/usr/bin/python3"
BCC_CODE = """
import json, sys
from bcc.table import _print_log2_hist, _print_linear_hist
kind, vals, unit = json.loads(sys.argv[1])
(_print_log2_hist if kind == "log2" else _print_linear_hist)(vals, unit, False)
"""


def bcc_hist(kind, slots, unit):
    """bcc's text for {slot: count}; None only in the kernel lane's guests,
    which have no bcc (the host runs the same test with it)."""
    vals = [0] * (65 if kind == "log2" else 1025)
    for s, c in slots.items():
        vals[s] = c
    r = subprocess.run([BCC_PYTHON, "-c", BCC_CODE, json.dumps([kind, vals, unit])],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode and os.environ.get("PK_RUN_PREBUILT") == "1":
        return None
    assert r.returncode == 0, f"bcc's table.py (python3-bpfcc) is the oracle: {r.stderr}"
    return r.stdout.splitlines()


def log2_slot(v):
    """bcc's bpf_log2l() + 1 numbering, as pk_log2l()."""
    return v.bit_length() if v else 1


def traced_reads(prog, reads, *args):
    """Runs prog for a reader child doing reads [(count, size)...] on
    /dev/zero, one fd each; returns (tool stdout lines, child pid, fds)."""
    child = pk.Proc([pk.helper_path("reader")] + [f"/dev/zero:{n}:{s}" for n, s in reads])
    pid = int(child.wait_for(lambda l: l.startswith("ready ")).split()[1])
    tool = pk.Proc(run_argv("-v", "--set", f"targ_pid={pid}", *args, prebuilt(prog)), env=env())
    tool.wait_for(lambda l: ": using " in l, 60, stream="err", what="'using' line")
    os.kill(pid, signal.SIGUSR1)
    assert child.wait(20) == 0, child.out
    assert tool.stop() == 0, tool.err
    fds = [int(l.split()[1]) for l in child.out if l.startswith("fd ")]
    assert len(fds) == len(reads), child.out
    return tool.out, pid, fds


def blocks(lines):
    """Text output split per map: {name: [lines]} for histograms (their
    'name:' title), plain map lines under None."""
    out, cur = {None: []}, None
    for l in lines:
        m = re.fullmatch(r"([A-Za-z_]\w*):", l)
        if m:
            cur = m[1]
            out[cur] = []
        elif re.fullmatch(r"\w+\[.*\] = .*", l):
            out[None].append(l)
        else:
            assert cur, l
            out[cur].append(l)
    return out


def rows(lines):
    """{slot low value: count} of bcc rows, log2 or linear."""
    got = {}
    for l in lines:
        m = re.fullmatch(r" *(\d+)(?: -> \d+)? +: (\d+) +\|[* ]+\|", l)
        if m:
            got[int(m[1])] = int(m[2])
    return got


def sections(lines, label):
    """Keyed text: {bucket: [histogram lines]} after bcc's '\\nlabel = value'."""
    out, cur = {}, None
    for i, l in enumerate(lines):
        m = re.fullmatch(re.escape(label) + r" = (\d+)", l)
        if m:
            assert i > 0 and lines[i - 1] == "", lines  # bcc's "\n%s = %r"
            cur = int(m[1])
            out[cur] = []
        elif l and cur is not None:
            out[cur].append(l)
    return out


def test_read_latency_counts_every_read_in_bcc_layout():
    pk.need_bpf()
    n = 40
    out, _, _ = traced_reads(READLAT, [(n, 4096)])
    hist = blocks(out)["read_usecs"]
    assert hist[0] == "     usecs               : count     distribution", hist
    got = rows(hist)
    # every row is bcc's: slots from 0 -> 1 up to the last one used, nothing else
    assert len(got) == len(hist) - 1, hist
    assert sum(got.values()) == n, hist
    slots = {log2_slot(low + 1 if low == 0 else low): c for low, c in got.items()}
    want = bcc_hist("log2", slots, "usecs")
    if want is not None:
        assert hist == want, (hist, want)


def test_keyed_histograms_hold_each_fds_reads_in_their_slots():
    pk.need_bpf()
    (n1, s1), (n2, s2) = reads = [(7, 100), (3, 5000)]
    out, pid, (fd1, fd2) = traced_reads(SIZES, reads)
    b = blocks(out)
    # the plain array of counters stays a plain map
    assert b[None] == [f"calls[0] = {n1 + n2}"], b[None]

    # log2 by fd: 100 -> slot 7 (64 -> 127), 5000 -> slot 13 (4096 -> 8191)
    by_fd = sections(b["sizes_by_fd"], "fd")
    assert sorted(by_fd) == sorted([fd1, fd2]), b["sizes_by_fd"]
    assert rows(by_fd[fd1]) == {**{(1 << i) >> 1 if i > 1 else 0: 0 for i in range(1, 7)},
                                64: n1}, by_fd[fd1]
    assert rows(by_fd[fd2])[4096] == n2 and sum(rows(by_fd[fd2]).values()) == n2
    for fd, n, s in ((fd1, n1, s1), (fd2, n2, s2)):
        want = bcc_hist("log2", {log2_slot(s): n}, "value")
        if want is not None:
            assert by_fd[fd] == want, (by_fd[fd], want)

    # linear, 1024 bytes a slot, unit annotated: rows are the slots' low values
    lin = sections(b["lin_by_fd"], "fd")
    assert lin[fd1] == [
        "     bytes         : count     distribution",
        f"        0          : {n1:<8} |{'*' * 40}|"], lin[fd1]
    assert rows(lin[fd2]) == {0: 0, 1024: 0, 2048: 0, 3072: 0, 4096: n2}, lin[fd2]
    want = bcc_hist("linear", {s2 // 1024: n2}, "bytes")
    if want is not None:
        # bcc prints the slot index; with a step the row shows index * step
        want = [re.sub(r"^( {8})(\d+) +", lambda m: f"{m[1]}{int(m[2]) * 1024:<10} ", l)
                for l in want]
        assert lin[fd2] == want, (lin[fd2], want)

    # unkeyed linear, the unit from the name; both fds' reads in one histogram
    size = b["size_bytes"]
    assert rows(size) == {0: n1, 1024: 0, 2048: 0, 3072: 0, 4096: n2}, size
    assert size[0] == "     bytes         : count     distribution", size

    # a bcc-style { pid, slot } hash without any annotation, one section per pid
    mine = sections(b["by_pid"], "pid")
    assert list(mine) == [pid], b["by_pid"]
    want = bcc_hist("log2", {log2_slot(s1): n1, log2_slot(s2): n2}, "value")
    if want is not None:
        assert mine[pid] == want, (mine[pid], want)


def test_json_buckets_and_keys():
    pk.need_bpf()
    (n1, s1), (n2, s2) = reads = [(5, 300), (2, 70000)]
    out, pid, (fd1, fd2) = traced_reads(SIZES, reads, "--json")
    objs = pk.json_lines(out)
    hists = [o for o in objs if "buckets" in o]
    by = {(o["map"], json.dumps(o.get("key"), sort_keys=True)): o for o in hists}
    assert len(by) == len(hists) == 6, hists

    def nonzero(o):
        return [(b["low"], b["high"], b["count"]) for b in o["buckets"] if b["count"]]

    o = by["sizes_by_fd", json.dumps({"fd": fd1})]
    assert o["unit"] == "value" and o["type"] == "log2" and "step" not in o, o
    assert nonzero(o) == [(256, 511, n1)], o
    assert o["buckets"][0] == {"low": 0, "high": 1, "count": 0}, o
    assert nonzero(by["sizes_by_fd", json.dumps({"fd": fd2})]) == [(65536, 131071, n2)]
    o = by["lin_by_fd", json.dumps({"fd": fd2})]
    assert o["type"] == "linear" and o["step"] == 1024 and o["unit"] == "bytes", o
    # 70000 bytes is past the last of 16 slots: it counts in the last, as pk_hist_add() does
    assert nonzero(o) == [(15 * 1024, 16 * 1024 - 1, n2)], o
    assert nonzero(by["size_bytes", "null"]) == [(0, 1023, n1), (15360, 16383, n2)]
    assert nonzero(by["by_pid", json.dumps({"pid": pid})]) == [(256, 511, n1),
                                                               (65536, 131071, n2)]
    assert {"map": "calls", "key": 0, "value": n1 + n2} in objs, objs


def test_interval_clear_counts_each_read_once():
    pk.need_bpf()
    n = 30
    child = pk.Proc([pk.helper_path("reader"), f"/dev/zero:{n}:64"])
    pid = int(child.wait_for(lambda l: l.startswith("ready ")).split()[1])
    tool = pk.Proc(run_argv("-v", "-i", "1", "--clear", "--json", "--set", f"targ_pid={pid}",
                            prebuilt(READLAT)), env=env())
    tool.wait_for(lambda l: ": using " in l, 60, stream="err", what="'using' line")
    os.kill(pid, signal.SIGUSR1)
    assert child.wait(20) == 0
    # the print holding the reads, then at least one after --clear emptied the array
    tool.wait_for(lambda l: l.startswith('{"map":"read_usecs"'), 10)
    seen = len(tool.out)
    deadline = time.monotonic() + 10 * pk.TIMEOUT_SCALE
    while not any(l.startswith('{"time"') for l in tool.out[seen:]):
        assert time.monotonic() < deadline, tool.out
        time.sleep(0.1)
    assert tool.stop() == 0, tool.err
    objs = pk.json_lines(tool.out)
    hists = [o for o in objs if o.get("map") == "read_usecs"]
    assert len(hists) == 1, objs  # an emptied histogram prints nothing, as in bcc
    assert sum(b["count"] for b in hists[0]["buckets"]) == n, hists
    assert sum(1 for o in objs if "time" in o) >= 2, objs
