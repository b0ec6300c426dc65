"""-c COMMAND, shared by the tools that take -p: the runtime starts the
command, traces only its pid, and ends when it exits. The command's pid
comes from -v's 'started pid' line; its events must carry it, another
process doing the same thing at the same time must not show, and the
tool must end by itself with status 0."""
import os
import re
import subprocess
import time

import pk


def _run(tool, *args, command, verbose=("-v",)):
    """Runs TOOL -v --json -c COMMAND while another process keeps doing
    what the command does; returns (child pid, events, stderr). The
    command's own output is on stdout too."""
    noise = subprocess.Popen(["sh", "-c", "while :; do cat /etc/hostname >/dev/null; "
                              "ls /etc/hostname >/dev/null; sleep 0.01; done"])
    try:
        start = time.monotonic()
        r = pk.run([pk.tool_path(tool), *verbose, "--json", "-c", command, *args], timeout=60)
        took = time.monotonic() - start
    finally:
        noise.kill()
        noise.wait()
    assert r.returncode == 0, r.stderr
    # it ended because the command did, not by a timeout of its own
    assert took < 30 * pk.TIMEOUT_SCALE, took
    events = pk.json_lines([l for l in r.stdout.splitlines() if l.startswith("{")])
    if not verbose:
        return None, events, r.stderr
    started = re.search(r"started pid (\d+) for: ", r.stderr)
    assert started, r.stderr
    assert "the command exited with status 0" in r.stderr, r.stderr
    return int(started.group(1)), events, r.stderr


def test_opensnoop_command():
    pk.need_bpf()
    pid, events, err = _run("opensnoop", command="cat /etc/hostname")
    assert events, err
    assert all(e["pid"] == pid for e in events), [e for e in events if e["pid"] != pid][:5]
    mine = [e for e in events if e["path"] == "/etc/hostname"]
    assert mine and mine[0]["comm"] == "cat" and mine[0]["fd"] >= 0, events


def test_statsnoop_command():
    pk.need_bpf()
    pid, events, err = _run("statsnoop", command="ls /etc/hostname")
    assert events, err
    assert all(e["pid"] == pid for e in events), [e for e in events if e["pid"] != pid][:5]
    assert any(e["path"] == "/etc/hostname" and e["comm"] == "ls" and e["err"] == 0
               for e in events), events


def test_stacksnoop_command():
    pk.need_bpf()
    # stacksnoop's own -v takes the common one's letter: no 'started' line
    _, events, err = _run("stacksnoop", "t:syscalls:sys_enter_openat",
                          command="cat /etc/hostname", verbose=())
    assert events, err
    # one cat, while the other process runs other cats
    assert len({e["pid"] for e in events}) == 1, events
    assert all(e["comm"] == "cat" for e in events), events


def test_command_usage_errors():
    for tool in ("opensnoop", "statsnoop"):
        r = pk.run([pk.tool_path(tool), "-p", str(os.getpid()), "-c", "true"])
        assert r.returncode == 2 and "not both" in r.stderr, r.stderr
        r = pk.run([pk.tool_path(tool), "-c", "/no/such/program-pk"])
        assert r.returncode == 1, r.stderr
        assert r.stderr.count("\n") == 1 and "/no/such/program-pk" in r.stderr, r.stderr
        r = pk.run([pk.tool_path(tool), "-c", "'unclosed"])
        assert r.returncode == 2 and "cannot parse" in r.stderr, r.stderr
    # tools without -p do not take -c either
    r = pk.run([pk.tool_path("taskswitch"), "-c", "true"])
    assert r.returncode == 2, r.stderr


@pk.timeout(60)
def test_exit_times_when_the_process_ended_first():
    """A tool that ends because its process did, and gets SIGINT while it
    detaches, says it took no time to stop: not a negative one (make bench
    reads the line to split a tool's exit)."""
    pk.need_bpf()
    for _ in range(3):
        target = subprocess.Popen(["sleep", "0.3"])
        tool = pk.start_tool("tcptop", "-p", str(target.pid), "-v", ready="verbose")
        # reaped, the process is gone: the tool ends on its own
        target.wait()
        # its lost-events count comes once the loop is left, just before the detach
        tool.wait_for(lambda l: "events lost" in l, 10, stream="err", what="the loop's end")
        assert tool.stop() == 0, tool.err
        times = [l for l in tool.err if ": exit: " in l]
        assert len(times) == 1, tool.err
        parts = [float(x) for x in re.findall(r"(-?[\d.]+) ms", times[0])]
        assert len(parts) == 3 and min(parts) >= 0, times
