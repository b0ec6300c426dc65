"""oomkill against a kill the test causes: a child put in a memory cgroup
of its own with a 32 MB limit allocates 256 MB and is OOM-killed. Oracles:
the child's own end (SIGKILL, by waitpid) and the cgroup's oom_kill
counter (memory.events in cgroup v2, memory.oom_control in v1). The
cgroup (and a cgroup2 mount the test made) is removed at the end."""
import os
import signal
import subprocess
import sys

import pk
from memcg import LIMIT, memory_cgroup

HOG = "b = bytearray(256 << 20)"


def run_hog(path):
    def enter():
        with open(os.path.join(path, "cgroup.procs"), "w") as f:
            f.write(str(os.getpid()))
    p = subprocess.Popen([sys.executable, "-c", HOG], preexec_fn=enter,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return p.pid, p.wait(30 * pk.TIMEOUT_SCALE)


def test_kill_in_a_small_memory_cgroup():
    pk.need_bpf()
    with memory_cgroup() as (path, count):
        tool = pk.start_tool("oomkill", "--json", "-v", ready="verbose")
        held = pk.bpf_objects(tool.pid)
        pid, status = run_hog(path)
        # the kernel's own accounts: the hog died of SIGKILL, and its cgroup
        # counts one OOM kill
        assert status == -signal.SIGKILL, status
        assert count("oom_kill") == 1
        tool.wait_for(lambda l: '"victim_pid"' in l, what="the kill's record")
        assert tool.stop() == 0, tool.err
        pk.assert_released(held)
    mine = [o["event"] for o in pk.json_lines(tool.out) if o["event"]["victim_pid"] == pid]
    assert len(mine) == 1, tool.out
    e = mine[0]
    # in a memory cgroup, the hog's own allocation fails: it triggers it
    assert e["pid"] == pid, e
    assert e["comm"].startswith("python3"), e
    mech = "\n".join(tool.err)
    if "using tracepoint" in mech:
        assert e["pages"] == 0, e
        # 6.8 and later: mark_victim carries the comm and the RSS
        if e["victim_comm"]:
            assert e["victim_comm"].startswith("python3"), e
            assert 8 << 10 <= e["rss_kb"] <= 2 * (LIMIT >> 10), e
    else:
        # fentry/kprobe: the oom_control's limit, in pages
        assert e["victim_comm"].startswith("python3"), e
        assert e["pages"] == LIMIT // os.sysconf("SC_PAGE_SIZE"), e
