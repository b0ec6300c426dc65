"""wakeuptime: a child blocked reading a pipe, woken by this test's writes,
100 ms apart; it notes when each read returned. Its blocked time, summed
under this process as the waker with pipe_write in the waker's stack, is
the time from each return (it blocks again at once) to the next write,
within a few ms, under every mechanism."""
import os
import re
import subprocess
import sys
import time

import pk
from test_flamegraph import bcc_entries, folded_stacks
from test_runqlat import blocked

WRITES = 5
# a few ms: between a read's return and the next block, and write to wakeup
SLACK_US = 15000 if os.environ.get("PK_EXAMPLES_PREBUILT") == "1" else 4000


def reader_of(reads):
    return (f"import os, time\nt = []\nfor _ in range({reads}):\n    os.read(0, 1)\n"
            "    t.append(time.monotonic())\nprint(' '.join(map(repr, t)))\n")


READER = reader_of(WRITES)


def traced(*args):
    child = subprocess.Popen([sys.executable, "-c", READER], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    blocked(child.pid)
    tool = pk.start_tool("wakeuptime", "-p", str(child.pid), "-v", *args, ready="verbose")
    held = pk.bpf_objects(tool.pid)
    stamps = []
    for _ in range(WRITES):
        time.sleep(0.1)
        stamps.append(time.monotonic())
        os.write(child.stdin.fileno(), b"x")
    returned = [float(t) for t in child.stdout.readline().split()]
    assert child.wait(10) == 0
    assert tool.stop() == 0, tool.err
    pk.assert_released(held)
    child.stdin.close()
    child.stdout.close()
    # the first block began before the tool; each other from a read's return
    # to the next write
    gaps_us = int(sum(w - r for r, w in zip(returned, stamps[1:])) * 1e6)
    return child, tool, gaps_us


def test_blocked_time_by_waker():
    pk.need_bpf()
    child, tool, gaps_us = traced("--json")
    rows = [o for o in pk.json_lines(tool.out) if o.get("map") == "usecs"]
    mine = [r for r in rows if r["key"]["waker_pid"] == os.getpid()]
    assert all(r["key"]["comm"] == "python3" or r["key"]["comm"].startswith("python")
               for r in mine), mine
    total = sum(r["value"] for r in mine)
    assert gaps_us - SLACK_US <= total <= gaps_us + SLACK_US, (total, gaps_us, rows)
    frames = [f for r in mine for f in r["key"]["kstack"]["frames"]]
    assert any("pipe_write" in f for f in frames), frames
    # raw_tp first: tp_btf would have libbpf parse the whole kernel BTF
    assert any("wakeuptime: using raw_tp" in l for l in tool.err), tool.err


# The writer: its own comm, on another CPU than the reader where there is
# one, so that the reader's CPU is idle at each write; then the kernel
# queues the wakeup to that CPU (TTWU_QUEUE) and sched_wakeup fires there
# later, from its idle task (seen for some of 5 wakeups, not all: the CPU
# may be busy). It writes a byte 30 ms apart and prints when.
WAKER_COMM = "pk-waker"
WAKEUPS = 10
WRITER = (f"import os, sys, time\nopen('/proc/self/comm', 'w').write('{WAKER_COMM}')\n"
          "cpu = int(sys.argv[2])\nif cpu >= 0:\n    os.sched_setaffinity(0, {cpu})\n"
          "sys.stdin.readline()\nt = []\n"
          f"for _ in range({WAKEUPS}):\n    time.sleep(0.03)\n    t.append(time.monotonic())\n"
          "    os.write(int(sys.argv[1]), b'x')\nprint(' '.join(map(repr, t)), flush=True)\n")


def writer_and_reader():
    """The reader on the first CPU this test may use, the writer on the
    second (-1: on one CPU, wherever the scheduler puts them)."""
    cpus = sorted(os.sched_getaffinity(0))
    r, w = os.pipe()
    reader = subprocess.Popen([sys.executable, "-c", reader_of(WAKEUPS)], stdin=r,
                              stdout=subprocess.PIPE,
                              text=True,
                              preexec_fn=lambda: os.sched_setaffinity(0, cpus[:1]))
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(w),
                               str(cpus[1] if len(cpus) > 1 else -1)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                              pass_fds=(w,))
    os.close(r)
    os.close(w)
    return reader, writer


def test_waker_is_the_writer_never_swapper():
    """Every wakeup of a reader blocked on a pipe is the writer's: its comm
    and pid, whichever CPU the reader sleeps on (sched_waking, in the
    waker's try_to_wake_up(), as bcc's kprobe; sched_wakeup named the idle
    task swapper/N for a wakeup queued to the reader's idle CPU)."""
    pk.need_bpf()
    for mech in mechanisms():
        reader, writer = writer_and_reader()
        blocked(reader.pid)
        tool = pk.start_tool("wakeuptime", "-p", str(reader.pid), "-v", "--json",
                             "--mechanism", mech, ready="verbose")
        writer.stdin.write("go\n")
        writer.stdin.flush()
        stamps = [float(t) for t in writer.stdout.readline().split()]
        returned = [float(t) for t in reader.stdout.readline().split()]
        assert writer.wait(10) == 0 and reader.wait(10) == 0
        assert tool.stop() == 0, tool.err
        for f in (writer.stdin, writer.stdout, reader.stdout):
            f.close()
        assert any(f"wakeuptime: using {mech}" in l for l in tool.err), tool.err
        rows = [o for o in pk.json_lines(tool.out) if o.get("map") == "usecs"]
        wakers = {(r["key"]["waker"], r["key"]["waker_pid"]) for r in rows}
        assert wakers == {(WAKER_COMM, writer.pid)}, (mech, rows)
        gaps_us = int(sum(w - r for r, w in zip(returned, stamps[1:])) * 1e6)
        total = sum(r["value"] for r in rows)
        assert gaps_us - SLACK_US <= total <= gaps_us + SLACK_US, (mech, total, gaps_us, rows)


def mechanisms():
    feats = {o["feature"]: o["available"] for o in pk.json_lines(
        pk.run([pk.tool_path("probekit"), "features", "--json"]).stdout.splitlines())}
    return [m for m in ("raw_tp", "tp_btf") if feats.get(m)] + ["tracepoint"]


def test_folded_and_mechanisms():
    pk.need_bpf()
    for mech in mechanisms():
        child, tool, gaps_us = traced("-f", "--mechanism", mech)
        assert any(f"using {mech}" in l for l in tool.err), tool.err
        stacks = folded_stacks(tool.out)
        # every wakeup in the writer's pipe_write, also one the kernel queues
        # to the sleeper's CPU (sched_waking fires in the waker)
        woken = sum(c for s, c in stacks.items() if any("pipe_write" in f for f in s))
        assert gaps_us - SLACK_US <= woken <= gaps_us + SLACK_US, (mech, woken, gaps_us, stacks)


def test_text_in_bccs_layout():
    """wakeuptime's text is bcc's (PK_STACK_ROWS_FORMAT), whose print loop is
        for k, v in sorted(counts.items(), key=lambda counts: counts[1].value):
            ...
            waker_kernel_stack = [] if k.w_k_stack_id < 1 else \\
                reversed(list(stack_traces.walk(k.w_k_stack_id))[1:])
            ...
                printb(b"    %-16s %s" % (b"target:", k.target))
                for addr in waker_kernel_stack:
                    printb(b"    %-16x %s" % (addr, b.ksym(addr)))
                printb(b"    %-16s %s" % (b"waker:", k.waker))
                print("        %d\n" % v.value)
    (the waker's stack outermost first). The target line is the reader's
    exact comm; the blocked time under this process's wakeups, summed from
    the text, is the gaps as the folded lines' is; the write's stack runs
    from the system call entry down to the wakeup (no BPF frame)."""
    pk.need_bpf()
    child, tool, gaps_us = traced()
    with open(f"/proc/{os.getpid()}/comm") as f:
        me = f.read().rstrip("\n")
    entries = bcc_entries(tool.out, 8)
    woken = 0
    for lines, n in entries:
        # the reader's comm: its executable's name, as exec gave it
        assert lines[0] == f"    target:          {os.path.basename(sys.executable)[:15]}", lines
        assert lines[-1].startswith("    waker:           "), lines
        frames = [re.fullmatch(r"    ([0-9a-f]{16}) (\S+)", l) for l in lines[1:-1]]
        assert all(frames), lines
        names = [m[2] for m in frames]
        if any("pipe_write" in f or "sched_ttwu_pending" in f for f in names):
            woken += n
        if any("pipe_write" in f for f in names):
            assert lines[-1] == f"    waker:           {me}", lines
            assert names[0] == "entry_SYSCALL_64_after_hwframe", names
            assert "wake" in names[-1] or "ttwu" in names[-1], names
    assert gaps_us - SLACK_US <= woken <= gaps_us + SLACK_US, (woken, gaps_us, entries)


def test_usage_errors():
    for args in (["-p", "notapid"], ["-m", "x"], ["-x"]):
        r = pk.run([pk.tool_path("wakeuptime"), *args])
        assert r.returncode == 2, (args, r.stderr)
        assert r.stderr.startswith("wakeuptime: ") and r.stderr.count("\n") == 1, r.stderr
