"""cpudist: a child that runs 20 times for 5 ms of CPU, sleeping 10 ms
after each, blocked on its stdin before and after. On-CPU: each run ends
in a switch-out that /proc/PID/status counts (voluntary + nonvoluntary
switches), so the histogram's total is that count (bounded as in
test_runqlat: the kernel was seen tracing a few fewer switches than it
counted), and the 5 ms runs land in the 4096-8191 us slot, less one per
preemption (it splits a run). -O: the time off CPU between runs, one fewer
than the switch-outs (the first block began before the tool)."""
import os
import subprocess
import sys

import pk
from test_runqlat import blocked, switches

RUNS = 20
PULSER = ("import sys, time\nsys.stdin.readline()\n"
          f"for _ in range({RUNS}):\n"
          "    t = time.thread_time()\n"
          "    while time.thread_time() - t < 0.005:\n        pass\n"
          "    time.sleep(0.01)\n"
          "sys.stdout.write('done\\n')\nsys.stdout.flush()\nsys.stdin.readline()\n")


def traced(*args):
    child = subprocess.Popen([sys.executable, "-c", PULSER], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE)
    before = blocked(child.pid)
    tool = pk.start_tool("cpudist", "-p", str(child.pid), "--json", "-v", *args,
                         ready="verbose")
    held = pk.bpf_objects(tool.pid)
    child.stdin.write(b"go\n")
    child.stdin.flush()
    assert child.stdout.readline() == b"done\n"
    blocked(child.pid)
    assert tool.stop() == 0, tool.err
    pk.assert_released(held)
    after = switches(child.pid)
    child.stdin.close()
    assert child.wait(10) == 0
    hists = [o for o in pk.json_lines(tool.out) if "buckets" in o]
    return child.pid, hists, after[0] - before[0], after[1] - before[1]


def total(hists):
    return sum(b["count"] for h in hists for b in h["buckets"])


def slot(hists, low):
    return sum(b["count"] for h in hists for b in h["buckets"] if b["low"] == low)


def test_oncpu_runs():
    pk.need_bpf()
    pid, hists, vol, invol = traced()
    assert [h["map"] for h in hists] == ["usecs"], hists
    assert vol + invol - 3 <= total(hists) <= vol + invol, (hists, vol, invol)
    # not in the kernel lane's emulated guests, where a 5 ms run of Python
    # is not 5 ms of its CPU time
    if os.environ.get("PK_EXAMPLES_PREBUILT") != "1":
        assert slot(hists, 4096) >= RUNS - invol - 2, (hists, invol)


def test_offcpu_runs_per_process_milliseconds():
    pk.need_bpf()
    pid, hists, vol, invol = traced("-O", "-P", "-m")
    assert [(h["map"], h["key"]) for h in hists] == [("pid_msecs", {"pid": pid})], hists
    assert vol + invol - 4 <= total(hists) <= vol + invol - 1, (hists, vol, invol)
    # the 10 ms sleeps: 8-15 ms, unless the wait for a CPU after one is long
    assert slot(hists, 8) >= RUNS // 2, hists


def test_per_thread_and_mechanisms():
    pk.need_bpf()
    feats = {o["feature"]: o["available"] for o in pk.json_lines(
        pk.run([pk.tool_path("probekit"), "features", "--json"]).stdout.splitlines())}
    for mech in [m for m in ("tp_btf",) if feats.get(m)] + ["tracepoint"]:
        pid, hists, vol, invol = traced("-L", "--mechanism", mech)
        assert [h["key"] for h in hists] == [{"tid": pid}], (mech, hists)
        assert vol + invol - 3 <= total(hists) <= vol + invol, (mech, hists, vol, invol)


def test_usage_errors():
    for args in (["-p", "notapid"], ["-x"], ["-i", "0"]):
        r = pk.run([pk.tool_path("cpudist"), *args])
        assert r.returncode == 2, (args, r.stderr)
        assert r.stderr.startswith("cpudist: ") and r.stderr.count("\n") == 1, r.stderr
