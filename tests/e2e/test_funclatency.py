"""funclatency: a workload function that sleeps known times (nap(): 5 calls
of 2 ms, 3 of 20 ms) timed by a uprobe and a uretprobe, in the slots, count
and total those sleeps give; a pattern of two (nap_a(): the 2 ms ones,
nap_b(): the 20 ms ones) summed in one histogram or, with -F, one per
function, as bcc's; a kernel function by fentry or kprobe where the kernel
has them (the kernel lane), else one line saying why not."""
import subprocess

import pk
from test_syscount import go_and_done, start_helper

HELPER = "dozer"


def attached_or_refused(name, *args):
    """Starts a tool on a kernel function: the tool once attached, or None
    once it has said in one line, naming fentry and kprobes, why it cannot
    (this kernel has neither) and exited 1 with nothing left attached."""
    before = pk.bpf_objects()
    tool = pk.Proc([pk.tool_path(name), "-v", *args])
    try:
        tool.wait_for(lambda l: ": using " in l or "cannot attach" in l, 30, stream="err")
    except AssertionError:
        pass
    if tool.p.poll() is None and not any("cannot attach" in l for l in tool.err):
        return tool
    assert tool.wait() == 1, tool.err
    errors = [l for l in tool.err if l.startswith(f"{name}:")]
    assert len(errors) == 1 and "fentry" in errors[0] and "kprobe" in errors[0], tool.err
    pk.assert_none_left(before, name)
    return None


def attached_or_done(proc, name, *args):
    """attached_or_refused() for a workload @proc that waits on its stdin:
    the tool, or None once the workload is ended too."""
    tool = attached_or_refused(name, *args)
    if not tool:
        proc.p.stdin.close()
        proc.wait()
    return tool


def start_workload(*args):
    return start_helper([pk.helper_path(HELPER), *args])


def run_workload(proc):
    go_and_done(proc)
    proc.p.stdin.close()
    assert proc.wait() == 0, proc.err


def timed(target, *args, workload=()):
    proc, pid = start_workload(*workload)
    tool = pk.start_tool("funclatency", "-p", str(pid), *args, target, "-v", ready="verbose")
    held = pk.bpf_objects(tool.pid)
    run_workload(proc)
    assert tool.stop() == 0, tool.err
    pk.assert_released(held)
    return tool


def check_sleeps(b, ms_slot, slot_16ms):
    """8 calls, none shorter than its sleep: none under 2 ms, 3 at 16 ms or
    more (the 20 ms ones). Sleeps only ever run long, a lot under QEMU's
    emulation (the kernel lane), so the 2 ms ones may land anywhere above."""
    assert sum(b.values()) == 8, b
    assert min(lo for lo, _ in b) >= ms_slot, b
    assert sum(c for (lo, _), c in b.items() if lo >= slot_16ms) >= 3, b


def counted(hist):
    return {(b["low"], b["high"]): b["count"] for b in hist["buckets"] if b["count"]}


def buckets(tool):
    hists = [o for o in pk.json_lines(tool.out) if "buckets" in o]
    assert len(hists) == 1, tool.out
    return counted(hists[0])


def totals(tool):
    rows = [o for o in pk.json_lines(tool.out) if "count" in o and "buckets" not in o]
    assert len(rows) == 1, tool.out
    return rows[0]


def test_user_function_in_ms():
    pk.need_bpf()
    tool = timed(f"{pk.helper_path(HELPER)}:nap", "-m", "--json")
    check_sleeps(buckets(tool), 2, 16)
    t = totals(tool)
    assert t["count"] == 8 and t["total"] >= 70, t
    assert t["avg"] == t["total"] // 8, t
    assert any("group entry: chose entry__uprobe" in l for l in tool.err), tool.err


def test_user_function_text_in_us():
    pk.need_bpf()
    tool = timed(f"{pk.helper_path(HELPER)}:nap", "-u")
    b = {(int(l.split()[0]), int(l.split()[2])): int(l.split(":")[1].split()[0])
         for l in tool.out if "->" in l and int(l.split(":")[1].split()[0])}
    # 2 ms or more: from slot 1024 -> 2047 on; 20 ms or more: from 16384 -> 32767 on
    check_sleeps(b, 1024, 16384)
    line = [l for l in tool.out if l.startswith("avg = ")]
    assert len(line) == 1 and line[0].endswith("usecs, count: 8"), tool.out
    assert int(line[0].split("total: ")[1].split()[0]) >= 70000, line


def test_pattern_sums_its_functions():
    """bcc's funclatency 'LIB:nap_*': nap_a() and nap_b()'s 8 calls in one
    histogram, as a glob and as a regular expression (-r)."""
    pk.need_bpf()
    for args in ([f"{pk.helper_path(HELPER)}:nap_*"],
                 ["-r", f"{pk.helper_path(HELPER)}:nap_(a|b)$"]):
        tool = timed(*args[-1:], "-m", "--json", *args[:-1], workload=["pair"])
        check_sleeps(buckets(tool), 2, 16)
        t = totals(tool)
        assert t["count"] == 8 and t["total"] >= 70, t
        # one uprobe_multi link for entry and one for exit, else a uprobe per function
        assert any(l.endswith(("(2 links), events through the ring buffer",
                               "(4 links), events through the ring buffer"))
                   for l in tool.err), tool.err


def test_F_one_histogram_per_function():
    """-F: nap_a()'s 5 calls of 2 ms and nap_b()'s 3 of 20 ms, each in its
    own histogram named as bcc's "Function = nap_a"; the totals of all."""
    pk.need_bpf()
    tool = timed(f"{pk.helper_path(HELPER)}:nap_*", "-m", "-F", "--json", workload=["pair"])
    hists = {o["key"]["Function"]: counted(o) for o in pk.json_lines(tool.out) if "buckets" in o}
    assert sorted(hists) == ["nap_a", "nap_b"], tool.out
    assert sum(hists["nap_a"].values()) == 5 and min(lo for lo, _ in hists["nap_a"]) >= 2, hists
    assert sum(hists["nap_b"].values()) == 3 and min(lo for lo, _ in hists["nap_b"]) >= 16, hists
    assert totals(tool)["count"] == 8, tool.out
    tool = timed(f"{pk.helper_path(HELPER)}:nap_*", "-m", "-F", workload=["pair"])
    sections = [l for l in tool.out if l.startswith("Function = ")]
    assert sections == ["Function = nap_a", "Function = nap_b"], tool.out
    counts = [sum(int(l.split(":")[1].split()[0]) for l in part.splitlines() if "->" in l)
              for part in "\n".join(tool.out).split("Function = ")[1:]]
    assert counts == [5, 3], tool.out


def test_kernel_function_or_why_not():
    """hrtimer_nanosleep() runs once per nanosleep(2): 8 calls."""
    pk.need_bpf()
    proc, pid = start_workload()
    tool = attached_or_done(proc, "funclatency", "-m", "--json", "-p", str(pid), "hrtimer_nanosleep")
    if not tool:
        return
    run_workload(proc)
    assert tool.stop() == 0, tool.err
    check_sleeps(buckets(tool), 2, 16)


def test_kernel_pattern_or_why_not():
    """A pattern of several kernel functions takes kprobes (fentry binds one
    function at load): hrtimer_nanosleep's 8 calls under -F, else one line
    saying why not."""
    pk.need_bpf()
    proc, pid = start_workload()
    tool = attached_or_done(proc, "funclatency", "-m", "-F", "--json", "-p", str(pid),
                               "hrtimer_nanosle*")
    if not tool:
        return
    run_workload(proc)
    assert tool.stop() == 0, tool.err
    hists = {o["key"]["Function"]: counted(o) for o in pk.json_lines(tool.out) if "buckets" in o}
    assert list(hists) == ["hrtimer_nanosleep"], tool.out
    assert sum(hists["hrtimer_nanosleep"].values()) == 8, hists


def test_no_function_is_a_usage_error():
    r = pk.run([pk.tool_path("funclatency"), "-d", "1"])
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
