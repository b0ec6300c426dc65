"""tracepipe: a marker printed with bpf_trace_printk() by a helper process
shows up with that process's pid, in every output form. The kernel lets one
process read trace_pipe at a time, so these tests take turns, and wait while
someone else on the machine holds it."""
import os
import subprocess
import time

import pk


def start_reader(*args, ready="header"):
    deadline = time.monotonic() + 60
    while True:
        tool = pk.Proc([pk.tool_path("tracepipe"), *args])
        try:
            if ready == "header":
                tool.wait_for(lambda l: True, 10, what="header")
            else:
                tool.wait_for(lambda l: "using trace_pipe" in l, 10, stream="err",
                              what="'using' line")
            return tool
        except AssertionError:
            tool.wait(5)
            if not any("busy" in l for l in tool.err) or time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def marker_child(marker, count=50, ms=100):
    child = pk.Proc([pk.helper_path("printk_marker"), marker, str(count), str(ms)],
                    stdin=subprocess.PIPE)
    child.wait_for(lambda l: l.startswith("ready"), what="ready line")
    return child


def go(child):
    child.p.stdin.write(b"go\n")
    child.p.stdin.flush()


def marker():
    return f"pk-marker-{os.getpid()}-{os.urandom(4).hex()}"


def test_fields_show_marker_with_pid():
    pk.need_bpf()
    m = marker()
    tool = start_reader("--fields", "-g", m)
    assert tool.out[0].split() == ["PID", "COMM", "OUTPUT"], tool.out
    child = marker_child(m)
    go(child)
    # trace_pipe is shared: another reader may take some lines, so the
    # child prints the marker many times and one is enough
    line = tool.wait_for(lambda l: m in l, timeout=15, what="marker line")
    pid, comm, msg = line.split(None, 2)
    assert int(pid) == child.pid, line
    assert comm == "printk_marke", line
    assert msg == m, line
    assert tool.stop() == 0


def test_format_json_and_pid_filter():
    pk.need_bpf()
    m = marker()
    child = marker_child(m, count=200, ms=50)
    go(child)
    fmt = start_reader("-f", "{1}|{0}|{5}", "-g", m)
    line = fmt.wait_for(lambda l: m in l, timeout=15, what="formatted marker")
    assert line == f"{child.pid}|printk_marker|{m}", line
    assert fmt.stop() == 0
    js = start_reader("--json", "-v", "-g", m, ready="verbose")
    obj = js.wait_for(lambda l: m in l, timeout=15, what="json marker")
    obj = pk.json_lines([obj])[0]
    assert obj["pid"] == child.pid and obj["msg"] == m and obj["task"] == "printk_marker", obj
    assert js.stop() == 0
    # -p 1 keeps init's lines only: none of the child's
    other = start_reader("-p", "1", "-g", m, "-d", "1")
    assert other.wait(10) == 0
    assert not [l for l in other.out if m in l], other.out
    mine = start_reader("-p", str(child.pid), "-F")
    mine.wait_for(lambda l: m in l, timeout=15, what="marker with -p")
    assert mine.stop() == 0


def test_raw_lines_whole():
    pk.need_bpf()
    m = marker()
    tool = start_reader("-g", m, "-d", "10")
    child = marker_child(m)
    go(child)
    line = tool.wait_for(lambda l: m in l, timeout=15, what="raw marker")
    assert f"printk_marker-{child.pid}" in line and line.endswith(f"bpf_trace_printk: {m}"), line
    assert tool.stop() == 0


def test_usage_errors():
    for args in (["-f", "{9}"], ["-g", "("], ["-p", "0"]):
        r = pk.run([pk.tool_path("tracepipe"), *args])
        assert r.returncode == 2, (args, r.stderr)
        assert r.stderr.startswith("tracepipe: "), r.stderr


def test_mounts_tracefs_when_missing():
    pk.need_bpf()
    # a private mount namespace without tracefs: the tool mounts it there
    # (where debugfs is mounted, it carries a second tracefs at debug/tracing)
    script = (f"umount /sys/kernel/tracing /sys/kernel/debug/tracing /sys/kernel/debug "
              f"2>/dev/null; grep -c ' tracefs ' /proc/self/mounts; "
              f"{pk.tool_path('tracepipe')} -d 0.3 && grep ' /sys/kernel/tracing tracefs ' "
              f"/proc/self/mounts")
    deadline = time.monotonic() + 60
    while True:
        r = pk.run(["unshare", "-m", "sh", "-c", script])
        if "busy" not in r.stderr or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    lines = r.stdout.splitlines()
    assert r.returncode == 0, r
    assert lines[0] == "0", f"tracefs still mounted in the namespace: {lines}"
    assert lines[1].startswith("Reading bpf_trace_printk() output from /sys/kernel/tracing"), lines
    assert "tracefs" in lines[-1], lines
