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
    for name in ("opensnoop_loader", "task_switch", "embed_run"):
        assert os.access(example(name), os.X_OK), name


def test_check_kfunc():
    r = pk.run([example("check_kfunc")])
    feats = pk.run([pk.tool_path("probekit"), "features", "--json"])
    kfunc = [json.loads(l) for l in feats.stdout.splitlines() if '"kfunc"' in l][0]
    if kfunc["available"]:
        assert r.returncode == 0 and r.stdout == "kfunc is supported\n", r
    else:
        assert r.returncode == 1 and r.stdout.startswith("kfunc is not supported: "), r


def test_opensnoop_loader():
    pk.need_bpf()
    tool = pk.Proc([example("opensnoop_loader")])
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


def test_task_switch_loader():
    pk.need_bpf()
    p = pk.Proc([example("task_switch")])
    assert p.wait(30) == 0, p.err
    pairs = [tuple(map(int, m.groups())) for m in
             (re.match(r"task_switch\[ *(\d+)-> *(\d+)\]=(\d+)$", l) for l in p.out) if m]
    assert pairs, p.out
    away = sum(n for prev, cur, n in pairs if prev == p.pid)
    back = sum(n for prev, cur, n in pairs if cur == p.pid)
    assert away >= 90 and back >= 90, (away, back)


def test_embed_run_prints_maps_of_any_object():
    """embed_run does what `probekit run FILE.bpf.o` does, through pk_object."""
    pk.need_bpf()
    embed_run = example("embed_run")
    obj = os.path.join(pk.BUILD, "examples", "embed_run_sample.bpf.o")
    src = os.path.join(ROOT, "tests", "run", "execs_by_uid.bpf.c")
    if os.environ.get("PK_RUN_PREBUILT") == "1":
        obj = src[:-2] + ".o"
    else:
        r = pk.run([pk.tool_path("probekit"), "run", "-o", obj, src])
        assert r.returncode == 0, r.stderr
    uid = 44000 + os.getpid() % 20000
    p = pk.Proc([embed_run, obj, "3"])
    p.wait_for(lambda l: l == "attached 1 programs", 20, stream="err")
    for _ in range(3):
        subprocess.run(["/usr/bin/setpriv", f"--reuid={uid}", f"--regid={uid}",
                        "--clear-groups", "/bin/true"], check=True)
    assert p.wait(20) == 0, p.err
    assert f"execs[{uid}] = 3" in p.out, p.out


def test_library_caller_without_privileges_is_told_what_it_needs():
    """pk_attach__load() says what is missing, before the kernel's EPERM
    becomes libbpf's memlock hint or a tracefs error: for an unprivileged
    user, and for root with every capability dropped."""
    pk.need_bpf()
    prog = example("opensnoop_loader")
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
    """probekit run on printk_sample says who holds trace_pipe (as the
    tracepipe tool does), not an errno clobbered on the way."""
    pk.need_bpf()
    src = os.path.join(ROOT, "examples", "printk_sample.bpf.c")
    if os.environ.get("PK_RUN_PREBUILT") == "1":
        src = src[:-2] + ".o"
    holder = _hold_trace_pipe()
    try:
        r = pk.run([pk.tool_path("probekit"), "run", src], timeout=60)
        assert r.returncode == 1, r.stderr
        m = re.fullmatch(r"run: the program prints with bpf_trace_printk\(\), but trace_pipe is "
                         r"busy: process (\d+) is reading it, and the kernel allows one reader "
                         r"at a time \(pk_printf\(\) needs no trace_pipe\)\n", r.stderr)
        assert m, r.stderr
    finally:
        holder.kill()
        holder.wait()
