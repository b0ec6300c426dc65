"""drsnoop against reclaim the test causes: a command in a memory cgroup
of its own with a 32 MB limit writes 64 MB to a file on a disk (its page
cache is reclaimed at the limit), or where there is no disk (the kernel
lane's guests) allocates 256 MB and is OOM-killed after its reclaim
attempts. Oracle: the cgroup's own count of the times its usage hit the
limit (memory.events' max, v1's memory.failcnt): every reclaim at the
limit follows one, though not every one is followed by a reclaim (an
allocation that may not wait fails at once); and the kernel's own record of
mm_vmscan_memcg_reclaim_begin (an ftrace instance of the test's own), whose
count for the command must be the tool's."""
import os
import sys

import irqload
import pk
from memcg import memory_cgroup


def workload(path):
    target = os.path.join(pk.BUILD, "tests", f"drsnoop-{os.getpid()}")
    enter = f"echo $$ > {path}/cgroup.procs && exec"
    if os.major(os.stat(os.path.dirname(target)).st_dev) != 0:
        return f"sh -c '{enter} dd if=/dev/zero of={target} bs=1M count=64 status=none'", target
    return f"sh -c '{enter} {sys.executable} -c \"b = bytearray(256 << 20)\"'", None


def traced(*args):
    record = irqload.EventRecord("dr", "vmscan/mm_vmscan_memcg_reclaim_begin")
    try:
        with memory_cgroup() as (path, count):
            cmd, target = workload(path)
            record.start()
            try:
                r = pk.run([pk.tool_path("drsnoop"), "--json", *args, "-c", cmd], timeout=60)
            finally:
                if target and os.path.exists(target):
                    os.unlink(target)
            recorded = record.stop()
            hits = count("max")
    finally:
        record.close()
    return r, hits, target, recorded


def test_reclaim_at_the_limit():
    pk.need_bpf()
    r, hits, on_disk, recorded = traced("--memcg", "-T", "-U")
    events = [o["event"] for o in pk.json_lines(r.stdout.splitlines())]
    assert hits > 0, r.stdout
    pid = events[0]["pid"]
    assert len(events) == recorded[pid], (len(events), recorded)
    assert len(events) <= hits, (len(events), hits)
    for e in events:
        assert e["pid"] == pid and e["uid"] == 0 and e["kind"] == "memcg", e
        assert e["lat"] > 0, e
    assert all(e["comm"] in ("dd", "python3") for e in events), events[:3]
    if on_disk:
        # clean page cache comes back (a reclaim may free nothing: a loaded machine
        # gave 1 page for 3 reclaims once, so not a page per reclaim)
        assert sum(e["pages"] for e in events) > 0, events[:3]


def test_bcc_leaves_cgroup_limits_out():
    pk.need_bpf()
    r, hits, _, _ = traced()
    assert hits > 0
    # no global memory pressure: no direct reclaim of the machine's
    assert pk.json_lines(r.stdout.splitlines()) == [], r.stdout


def test_text_header_as_bcc():
    """bcc's print("%-14s" % ("TIME(s)"), end=""); print("%-6s" % ("UID"),
    end=""); print("%-14s %-6s %8s %5s" % ("COMM", "PID", "LAT(ms)", "PAGES"))."""
    pk.need_bpf()
    r = pk.run([pk.tool_path("drsnoop"), "-T", "-U", "-d", "0.3"])
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[1] == "%-14s%-6s%-14s %-6s %8s %5s" % (
        "TIME(s)", "UID", "COMM", "PID", "LAT(ms)", "PAGES"), r.stdout
