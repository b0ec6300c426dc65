"""examples/: every program builds from the installed library through
pkg-config (make examples) and does what its bcc original does."""
import json
import os
import re
import subprocess
import time

import pk

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_built = None


def example(name):
    """Builds the examples once per run; returns the path of one."""
    global _built
    if _built is None and os.environ.get("PK_EXAMPLES_PREBUILT") == "1":
        # the kernel lane built them on the host: its guests have no toolchain
        _built = True
    if _built is None:
        r = subprocess.run(["make", "-s", "-C", ROOT, f"BUILD={pk.BUILD}", "examples"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           timeout=300)
        _built = r.returncode == 0
        assert _built, f"make examples failed:\n{r.stdout[-3000:]}"
    assert _built, "make examples failed earlier"
    return os.path.join(pk.BUILD, "examples", name)


def start_reading(argv, pred, what):
    """Starts an example that reads trace_pipe, waiting while another
    process holds it (the kernel allows one reader at a time)."""
    deadline = time.monotonic() + 60
    while True:
        p = pk.Proc(argv)
        try:
            p.wait_for(pred, 10, what=what)
            return p
        except AssertionError:
            p.wait(5)
            if not any("busy" in l for l in p.err) or time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def test_build_from_installed_library():
    path = example("check_kfunc")
    assert os.access(path, os.X_OK)
    for name in ("opensnoop_simple", "printk_sample", "trace_print", "task_switch",
                 "map_values_sample"):
        assert os.access(example(name), os.X_OK), name


def test_check_kfunc():
    r = pk.run([example("check_kfunc")])
    feats = pk.run([pk.tool_path("probekit"), "features", "--json"])
    kfunc = [json.loads(l) for l in feats.stdout.splitlines() if '"kfunc"' in l][0]
    if kfunc["available"]:
        assert r.returncode == 0 and r.stdout == "kfunc is supported\n", r
    else:
        assert r.returncode == 1 and r.stdout.startswith("kfunc is not supported: "), r


def test_opensnoop_simple():
    pk.need_bpf()
    tool = pk.Proc([example("opensnoop_simple")])
    tool.wait_for(lambda l: l.split() == ["PID", "COMM", "FD", "ERR", "PATH"], 20, what="header")
    path = f"/tmp/pk-example-{os.getpid()}-missing"
    child = pk.Proc([pk.helper_path("opener"), f"at:{path}"], stdin=subprocess.PIPE)
    child.wait_for(lambda l: l.startswith("ready"))
    child.p.stdin.write(b"go\n")
    child.p.stdin.flush()
    line = tool.wait_for(lambda l: l.endswith(path), 10, what="the child's open")
    f = line.split()
    assert int(f[0]) == child.pid and f[2:4] == ["-1", "2"], line
    assert tool.stop() == 0, tool.err


def exec_until_seen(proc, pattern_of_pid, what):
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        child = subprocess.Popen(["/bin/true"])
        child.wait()
        try:
            return proc.wait_for(lambda l: re.search(pattern_of_pid(child.pid), l), 1, what=what)
        except AssertionError:
            continue
    raise AssertionError(f"no {what}: {proc.out[-5:]} {proc.err[-5:]}")


def test_printk_sample():
    pk.need_bpf()
    tool = start_reading([example("printk_sample")],
                         lambda l: l.split() == ["PID", "COMM", "OUTPUT"], "header")
    line = exec_until_seen(tool, lambda pid: rf"^{pid} .*start of execve time = \d+ , "
                                             rf"pid = {pid}, comm = ", "execve line")
    assert tool.stop() == 0, (line, tool.err)


def start_reading_with_execs(argv):
    """start_reading until any first line, with execs happening meanwhile:
    on a quiet machine (a test VM) nothing else writes to trace_pipe."""
    pump = subprocess.Popen(["sh", "-c", "while :; do /bin/true; sleep 0.1; done"])
    try:
        return start_reading(argv, lambda l: True, "first line")
    finally:
        pump.kill()
        pump.wait()


def test_trace_print():
    pk.need_bpf()
    tool = start_reading_with_execs([example("trace_print"), "{1} {5}"])
    exec_until_seen(tool, lambda pid: rf"^{pid} start of execve time = \d+ , pid = {pid}, ",
                    "formatted execve line")
    assert tool.stop() == 0, tool.err
    raw = start_reading_with_execs([example("trace_print")])
    exec_until_seen(raw, lambda pid: rf"-{pid} +\[\d+\] .*: bpf_trace_printk: start of execve "
                                     rf"time = \d+ , pid = {pid}, ", "raw execve line")
    assert raw.stop() == 0, raw.err


def test_task_switch():
    pk.need_bpf()
    p = pk.Proc([example("task_switch")])
    assert p.wait(30) == 0, p.err
    pairs = [tuple(map(int, m.groups())) for m in
             (re.match(r"task_switch\[ *(\d+)-> *(\d+)\]=(\d+)$", l) for l in p.out) if m]
    assert pairs, p.out
    away = sum(n for prev, cur, n in pairs if prev == p.pid)
    back = sum(n for prev, cur, n in pairs if cur == p.pid)
    assert away >= 90 and back >= 90, (away, back)


def test_map_values_sample():
    pk.need_bpf()
    uid = 40000 + os.getpid() % 20000
    tool = pk.Proc([example("map_values_sample"), "1"])
    tool.wait_for(lambda l: l.startswith("Counting"), 20, what="start line")
    for _ in range(4):
        subprocess.run(["/usr/bin/setpriv", f"--reuid={uid}", f"--regid={uid}",
                        "--clear-groups", "/bin/true"], check=True)
    time.sleep(2.5)
    assert tool.stop() == 0, tool.err
    other = [int(l.split(":")[1].split()[0]) for l in tool.out if l.startswith("other users:")]
    values = [l.split() for l in tool.out if l.endswith("(calls)       ")]
    assert sum(other) >= 4, tool.out
    assert len(values) == len(other), tool.out


def test_library_caller_without_privileges_is_told_what_it_needs():
    """pk_attach__load() says what is missing, before the kernel's EPERM
    becomes libbpf's memlock hint or a tracefs error: for an unprivileged
    user, and for root with every capability dropped."""
    pk.need_bpf()
    prog = example("opensnoop_simple")
    for drop in (["--reuid=65534", "--regid=65534", "--clear-groups"],
                 ["--inh-caps=-all", "--bounding-set=-all"]):
        r = pk.run(["/usr/bin/setpriv", *drop, prog])
        assert r.returncode == 1, (drop, r.stderr)
        assert r.stderr == ("cannot attach: needs root, or CAP_BPF and CAP_PERFMON, "
                            "to load BPF programs\n"), (drop, r.stderr)


def _hold_trace_pipe():
    """A reader of trace_pipe of ours, once nobody else holds it (the
    kernel allows one reader at a time)."""
    deadline = time.monotonic() + 60
    while True:
        holder = subprocess.Popen(["cat", "/sys/kernel/tracing/trace_pipe"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(0.3)
        if holder.poll() is None:
            return holder
        assert time.monotonic() < deadline, holder.stderr.read()
        time.sleep(0.5)


def test_busy_trace_pipe_names_its_reader():
    """printk_sample and trace_print say who holds trace_pipe (as the
    tracepipe tool does), not an errno clobbered on the way."""
    pk.need_bpf()
    progs = [example("printk_sample"), example("trace_print")]
    holder = _hold_trace_pipe()
    try:
        for prog in progs:
            r = pk.run([prog], timeout=30)
            name = os.path.basename(prog)
            assert r.returncode == 1, r.stderr
            m = re.fullmatch(rf"{name}: trace_pipe is busy: process (\d+) \((.*)\) is reading "
                             r"it, and the kernel allows one reader at a time\n", r.stderr)
            assert m, r.stderr
            # ours, unless another reader came first
            if int(m.group(1)) == holder.pid:
                assert m.group(2) == "cat", r.stderr
    finally:
        holder.kill()
        holder.wait()
