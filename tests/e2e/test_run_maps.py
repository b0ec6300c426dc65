"""probekit run: maps printed as users expect them. A hash declared as a
table (PK_TABLE_*: COMM COUNT, sorted, top N), a histogram keyed by a char
comm[16], libbpf's own maps left out, and with -i a time line before every
print, the last one included. The counts are execs of a uid the test owns."""
import json
import os
import re
import subprocess
import time

import pk
from test_run import env, prebuilt, run_argv, start, PROGS

TABLES = os.path.join(PROGS, "tables.bpf.c")


def execs_as(uid, prog, n):
    for _ in range(n):
        subprocess.run(["/usr/bin/setpriv", f"--reuid={uid}", f"--regid={uid}",
                        "--clear-groups", prog], check=True, stdout=subprocess.DEVNULL)


def traced(uid, *args):
    tool = start(f"--set=target_uid={uid}", *args, prebuilt(TABLES))
    execs_as(uid, "/bin/true", 3)
    execs_as(uid, "/bin/echo", 5)
    assert tool.stop() == 0, tool.err
    return tool.out


def test_table_columns_sorted_and_top():
    pk.need_bpf()
    uid = 47000 + os.getpid() % 15000
    out = traced(uid)
    i = out.index("%-16s %20s" % ("COMM", "COUNT"))
    # sorted by COUNT, largest first; PK_TABLE_TOP(5) leaves both
    assert out[i + 1:i + 3] == ["%-16s %20d" % ("echo", 5), "%-16s %20d" % ("true", 3)], out
    j = out.index("%10s %20s" % ("UID", "EXECS"))
    assert out[j + 1] == "%10d %20d" % (uid, 8), out
    # a histogram keyed by a string: bcc's section line, the text as it is
    assert "comm = echo" in out and "comm = true" in out, out
    assert not any("__bpf" in l or "{comm=" in l for l in out), out


def test_table_top_option_and_json():
    pk.need_bpf()
    uid = 47000 + os.getpid() % 15000
    out = traced(uid, "--top", "1")
    i = out.index("%-16s %20s" % ("COMM", "COUNT"))
    assert out[i + 1] == "%-16s %20d" % ("echo", 5) and "true" not in out[i + 2], out
    objs = [json.loads(l) for l in traced(uid, "--json") if l.startswith("{")]
    execs = [o for o in objs if o.get("map") == "execs"]
    assert [(o["key"]["comm"], o["value"]) for o in execs] == [("echo", 5), ("true", 3)], objs
    hists = {o["key"]["comm"]: o["buckets"] for o in objs if o.get("map") == "calls_by_comm"}
    assert {k: sum(b["count"] for b in v) for k, v in hists.items()} == {"echo": 5, "true": 3}
    assert not any(o.get("map", "").startswith("__bpf") for o in objs), objs


def test_interval_every_print_has_its_time_line():
    pk.need_bpf()
    uid = 47000 + os.getpid() % 15000
    out = traced(uid, "-i", "1")
    times = [k for k, l in enumerate(out) if re.fullmatch(r"\[\d\d:\d\d:\d\d\]", l)]
    headers = [k for k, l in enumerate(out) if l == "%-16s %20s" % ("COMM", "COUNT")]
    # every print, the one at exit included, opens with its time
    assert len(times) == len(headers) >= 1 and all(t + 1 == h for t, h in zip(times, headers)), out
    assert out[0] == out[times[0]], out


PYIMPORTS = os.path.join(os.path.dirname(PROGS), "..", "examples", "usdt_pyimports.bpf.c")
IMPORTER = """
import sys
before = set(sys.modules)
print("ready", flush=True)
sys.stdin.readline()
import colorsys, json
print(" ".join(sorted(set(sys.modules) - before)), flush=True)
sys.stdin.readline()
"""


def test_usdt_example_counts_a_processes_imports():
    """examples/usdt_pyimports.bpf.c: python's import probe, one row per
    module the child loads; the oracle is the child's own sys.modules."""
    pk.need_bpf()
    python = "/usr/bin/python3"
    if not os.path.exists(python):
        raise pk.Skip("no /usr/bin/python3")
    child = subprocess.Popen([python, "-c", IMPORTER], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline() == "ready\n"
        tool = start(f"--set=pid={child.pid}", prebuilt(os.path.normpath(PYIMPORTS)))
        child.stdin.write("go\n")
        child.stdin.flush()
        loaded = child.stdout.readline().split()
        assert tool.stop() == 0, tool.err
    finally:
        child.stdin.close()
        child.wait(10)
    assert "colorsys" in loaded and "json" in loaded, loaded
    i = tool.out.index("%-32s %20s" % ("MODULE", "LOADS"))
    rows = [l.rsplit(None, 1) for l in tool.out[i + 1:]]
    # sorted by MODULE; one load each; libbpf's USDT maps are not printed
    assert rows == [[m, "1"] for m in sorted(loaded)], (rows, loaded)
    assert not any("__bpf" in l for l in tool.out), tool.out


ROWS = os.path.join(PROGS, "rows_formatted.bpf.c")
GETPPIDS = "import os, sys\nsys.stdin.readline()\nfor _ in range(4):\n    os.getppid()\n"


def rows_of(*sets):
    child = pk.Proc(["python3", "-c", GETPPIDS], stdin=subprocess.PIPE)
    tool = start(f"--set=pid={child.pid}", *[f"--set={s}" for s in sets], prebuilt(ROWS))
    child.p.stdin.write(b"\n")
    child.p.stdin.close()
    assert child.wait() == 0, child.err
    assert tool.stop() == 0, tool.err
    return [l for l in tool.out if l.strip()]


def test_row_formats_conditions_and_named_parameters():
    """A row's members in their declared formats (a syscall's name, a
    duration in us, an errno), the table whose PK_TABLE_WHEN/UNLESS all hold,
    a PK_PRIVATE map left out, and parameters set by name."""
    pk.need_bpf()
    assert rows_of("a=1", "nr=getppid") == ["A getppid        4      6.000"]
    assert rows_of("a=1", "b=1", "nr=getppid", "err=EBADF") == \
        ["AB getppid        4 err=-9 EBADF"]
    assert rows_of("b=1") == []
    r = pk.run(run_argv("--set=err=EFOO", prebuilt(ROWS)), env=env())
    assert r.returncode == 2 and "neither an errno name nor a number" in r.stderr, r.stderr


TWICE = "import os, sys\nfor line in sys.stdin:\n    for _ in range(4):\n        os.getppid()\n"


def test_run_clear_empties_row_tables():
    """run -i --clear empties a row table at each print as it does other
    maps: 4 calls, a print, 4 more give rows of 4 and 4, never 8."""
    pk.need_bpf()
    child = pk.Proc(["python3", "-c", TWICE], stdin=subprocess.PIPE)
    tool = start("--json", "-i", "0.3", "--clear", f"--set=pid={child.pid}", "--set=a=1",
                 "--set=nr=getppid", prebuilt(ROWS))

    def counts():
        return [o["count"] for o in pk.json_lines(tool.out) if "count" in o]

    for _ in range(2):
        n = len(counts())
        child.p.stdin.write(b"\n")
        child.p.stdin.flush()
        deadline = time.monotonic() + 10 * pk.TIMEOUT_SCALE
        while len(counts()) == n and time.monotonic() < deadline:
            time.sleep(0.05)
    child.p.stdin.close()
    assert child.wait() == 0, child.err
    assert tool.stop() == 0, tool.err
    assert counts() == [4, 4], tool.out


def test_tool_clear_empties_printed_maps_but_not_state():
    """PK_TOOL_CLEAR: each -i print empties the printed maps (bcc's
    per-interval histograms); a PK_PRIVATE map is neither printed nor emptied.
    The file counts a uid's execs after its first, which only marks the uid
    in the state map: 3 execs, a print, 3 more give 2, then 3 (2 again if the
    state were emptied)."""
    pk.need_bpf()
    uid = 43000 + os.getpid() % 20000
    tool = start("--json", "-i", "0.5", prebuilt(os.path.join(PROGS, "state_and_clear.bpf.c")))

    def prints():
        return sum(1 for o in pk.json_lines(tool.out) if "time" in o)

    def after_next_print():
        """The output's length once a print has begun and ended after now."""
        n = prints()
        deadline = time.monotonic() + 10 * pk.TIMEOUT_SCALE
        while prints() < n + 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        return len(tool.out)

    def counted(lines):
        return sum(o["value"] for o in pk.json_lines(lines) if o.get("key") == uid)

    # each batch's counts may come in more than one print (slow execs)
    execs_as(uid, "/bin/true", 3)
    first = after_next_print()
    execs_as(uid, "/bin/true", 3)
    assert tool.stop() == 0, tool.err
    assert counted(tool.out[:first]) == 2 and counted(tool.out[first:]) == 3, tool.out
    # emptied at each print: no row counts the first batch again
    assert max(o["value"] for o in pk.json_lines(tool.out) if o.get("key") == uid) <= 3
    assert not any(o.get("map") == "seen" for o in pk.json_lines(tool.out)), tool.out


def test_interval_count_arguments_and_print_programs():
    """PK_TOOL_INTERVAL_COUNT: bcc's `TOOL [interval [count]]`: `run FILE
    1 2` prints twice, a second apart, and stops by itself, with nothing more at the end;
    the file's SEC("syscall") program runs once before each print (the row
    counts its runs); -i takes the place of the interval; 0 is refused."""
    pk.need_bpf()
    path = prebuilt(os.path.join(PROGS, "interval_count.bpf.c"))
    start_ns = time.monotonic()
    r = pk.run(run_argv(path, "1", "2"), env=env(), timeout=30)
    took = time.monotonic() - start_ns
    assert r.returncode == 0, r
    assert r.stdout.splitlines() == ["ROWS", "prints 1", "prints 2"], r.stdout
    assert 1.9 < took < 10 * pk.TIMEOUT_SCALE, took
    r = pk.run(run_argv("--json", "-i", "0.2", path, "5", "2"), env=env(), timeout=30)
    assert r.returncode == 0, r
    assert [o["prints"] for o in pk.json_lines(r.stdout.splitlines())] == [1, 2], r.stdout
    r = pk.run(run_argv(path, "0"), env=env(), timeout=30)
    assert r.returncode == 2 and "interval-secs" in r.stderr, r
