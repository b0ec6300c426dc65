"""probekit run: maps printed as users expect them. A hash declared as a
table (PK_TABLE_*: COMM COUNT, sorted, top N), a histogram keyed by a char
comm[16], libbpf's own maps left out, and with -i a time line before every
print, the last one included. The counts are execs of a uid the test owns."""
import json
import os
import re
import subprocess

import pk
from test_run import prebuilt, start, PROGS

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
