"""A .bpf.c file as a whole tool, the runtime half (issue 19): the -c
command ends with the tracer, Ctrl-C during the compile loads nothing,
options and filters declared in the file, -D, targets from options, and
the one-file tools compiled into the binary."""
import atexit
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import pk

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROGS = os.path.join(ROOT, "tests", "run")
CACHE = os.environ.get("PK_RUN_CACHE")
if not CACHE:
    CACHE = tempfile.mkdtemp(prefix="pk-onefile-cache-")
    atexit.register(shutil.rmtree, CACHE, True)


def env(**extra):
    e = dict(os.environ, XDG_CACHE_HOME=CACHE)
    e.update(extra)
    return e


def prog(name):
    path = os.path.join(PROGS, name)
    if os.environ.get("PK_RUN_PREBUILT") == "1":
        return path[:-2] + ".o"
    return path


def run_argv(*args):
    return [pk.tool_path("probekit"), "run", *args]


def processes_with(argv):
    """Pids of the processes whose command line is exactly argv."""
    want = "\0".join(argv) + "\0"
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline") as f:
                if f.read() == want:
                    found.append(int(pid))
        except OSError:
            pass
    return found


def unique_sleep():
    """A sleep no other test runs: its length names this test."""
    return ["sleep", f"37.{os.getpid()}{int(time.monotonic() * 1000) % 100000}"]


# -c: the command ends with the tracer ------------------------------------------


def _command_ends(argv, stop=None, extra_env=None):
    sleep = unique_sleep()
    p = pk.Proc([*argv, "-v", "-c", " ".join(sleep)], env=extra_env)
    try:
        p.wait_for(lambda l: ": using " in l, 60, stream="err", what="'using' line")
        started = p.wait_for(lambda l: "started pid" in l, 5, stream="err")
        child = int(re.search(r"started pid (\d+)", started).group(1))
        # the command runs once the loop starts, just after the 'using' line
        deadline = time.monotonic() + 5
        while processes_with(sleep) != [child] and time.monotonic() < deadline:
            time.sleep(0.02)
        assert processes_with(sleep) == [child], (sleep, processes_with(sleep), child)
        if stop:
            p.p.send_signal(stop)
        assert p.wait(15) == 0, p.err
        assert processes_with(sleep) == [], f"{sleep} outlived the tracer"
        assert not os.path.exists(f"/proc/{child}"), child
        # SIGTERM ended it: 128 + 15
        assert any("the command exited with status 143" in l for l in p.err), p.err
    finally:
        for pid in processes_with(sleep):
            os.kill(pid, signal.SIGKILL)


def test_run_duration_ends_command():
    pk.need_bpf()
    _command_ends(run_argv("-d", "1", prog("idle.bpf.c")), extra_env=env())


def test_run_sigint_ends_command():
    pk.need_bpf()
    _command_ends(run_argv(prog("idle.bpf.c")), stop=signal.SIGINT, extra_env=env())


def test_run_sigterm_ends_command():
    pk.need_bpf()
    _command_ends(run_argv(prog("idle.bpf.c")), stop=signal.SIGTERM, extra_env=env())


def test_tool_duration_ends_command():
    """A compiled-in tool with -c (mallocstacks) ends its command too."""
    pk.need_bpf()
    _command_ends([pk.tool_path("mallocstacks"), "-d", "1"])


def test_tool_sigint_ends_command():
    pk.need_bpf()
    _command_ends([pk.tool_path("mallocstacks")], stop=signal.SIGINT)


def test_command_ignoring_sigterm_is_killed():
    """SIGTERM, then SIGKILL after the grace: a command that ignores
    SIGTERM still goes, half a second later."""
    pk.need_bpf()
    tag = f"pk-ignore-{os.getpid()}"
    code = ("import signal, sys, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
            "time.sleep(37)\n")
    script = tempfile.NamedTemporaryFile("w", suffix=".py", prefix=tag, delete=False)
    try:
        script.write(code)
        script.close()
        p = pk.Proc(run_argv("-v", "-c", f"{sys.executable} {script.name}",
                             prog("idle.bpf.c")), env=env())
        p.wait_for(lambda l: ": using " in l, 60, stream="err", what="'using' line")
        time.sleep(0.3)
        start = time.monotonic()
        p.p.send_signal(signal.SIGINT)
        assert p.wait(15) == 0, p.err
        took = time.monotonic() - start
        assert processes_with([sys.executable, script.name]) == []
        assert any("the command exited with status 137" in l for l in p.err), p.err
        assert took >= 0.45, took
    finally:
        os.unlink(script.name)
