"""probekit run: one BPF C file in, its output out. Each single-file example
and test program runs against events caused by a child whose pid (or uid)
the test knows; every error case is followed by a leak check."""
import json
import glob
import os
import re
import shutil
import signal
import subprocess
import sys
import time

import pk

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLES = os.path.join(ROOT, "examples")
PROGS = os.path.join(ROOT, "tests", "run")
# one cache for the whole run (compiles once per file); tests of the cache make their own
CACHE = os.environ.get("PK_RUN_CACHE") or pk.session_tempdir("pk-run-cache-")
SLEEPER = "import sys, time\nsys.stdin.readline()\nfor _ in range(100):\n    time.sleep(0.01)\n"


def env(**extra):
    e = dict(os.environ, XDG_CACHE_HOME=CACHE)
    e.update(extra)
    return e


def prebuilt(path):
    """In the kernel lane the guests have no clang: the host compiled every
    .bpf.c to a .bpf.o beside it (PK_RUN_PREBUILT=1)."""
    if os.environ.get("PK_RUN_PREBUILT") == "1":
        return path[:-2] + ".o"
    return path


def run_argv(*args):
    return [pk.tool_path("probekit"), "run", *args]


def start(*args, timeout=60):
    """Starts probekit run -v and waits for its 'using' line (attached)."""
    p = pk.Proc(run_argv("-v", *args), env=env())
    p.wait_for(lambda l: ": using " in l, timeout, stream="err", what="'using' line")
    return p


def start_printing(*args):
    """start() for a file that prints: trace_pipe has one reader at a time,
    so wait while another test holds it."""
    deadline = time.monotonic() + 60 * pk.TIMEOUT_SCALE
    while True:
        p = pk.Proc(run_argv("-v", *args), env=env())
        try:
            p.wait_for(lambda l: ": using " in l, 60, stream="err", what="'using' line")
            return p
        except AssertionError:
            p.wait(5)
            if not any("busy" in l for l in p.err) or time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def execs_as(uid, n):
    for _ in range(n):
        subprocess.run(["/usr/bin/setpriv", f"--reuid={uid}", f"--regid={uid}",
                        "--clear-groups", "/bin/true"], check=True)


def test_task_switch_items_text():
    pk.need_bpf()
    child = pk.Proc([sys.executable, "-c", SLEEPER], stdin=subprocess.PIPE)
    tool = start(prebuilt(os.path.join(EXAMPLES, "task_switch.bpf.c")))
    held = pk.bpf_objects(tool.pid)
    child.p.stdin.write(b"go\n")
    child.p.stdin.flush()
    assert child.wait(20) == 0
    assert tool.stop() == 0, tool.err
    pat = re.compile(r"stats\[\{prev_pid=(\d+), curr_pid=(\d+)\}\] = (\d+)$")
    rows = [tuple(map(int, m.groups())) for m in map(pat.match, tool.out) if m]
    assert rows and len(rows) == len(tool.out), tool.out[:5]
    away = sum(n for prev, cur, n in rows if prev == child.pid)
    back = sum(n for prev, cur, n in rows if cur == child.pid)
    assert away >= 90 and back >= 90, (away, back, rows[:5])
    counts = [n for _, _, n in rows]
    assert counts == sorted(counts, reverse=True), "not sorted by value"
    pk.assert_released(held)


def test_task_switch_json_top_and_group_choice():
    pk.need_bpf()
    tool = start("--json", "--top", "3", prebuilt(os.path.join(EXAMPLES, "task_switch.bpf.c")))
    time.sleep(0.5)
    assert tool.stop() == 0, tool.err
    objs = pk.json_lines(tool.out)
    assert 1 <= len(objs) <= 3, objs
    for o in objs:
        assert o["map"] == "stats" and set(o["key"]) == {"prev_pid", "curr_pid"}, o
        assert isinstance(o["value"], int) and o["value"] > 0, o
    # tp_btf works on this kernel: the group's best member is chosen over the tracepoint
    assert any("group sched_switch: chose sched_switch__btf" in l for l in tool.err), tool.err


def test_exec_counts_of_a_chosen_uid():
    pk.need_bpf()
    uid = 41000 + os.getpid() % 20000
    tool = start("--json", prebuilt(os.path.join(PROGS, "execs_by_uid.bpf.c")))
    execs_as(uid, 7)
    assert tool.stop() == 0, tool.err
    by_uid = {o["key"]: o["value"] for o in pk.json_lines(tool.out)}
    assert by_uid.get(uid) == 7, by_uid


def test_map_values_sample_interval_and_clear():
    pk.need_bpf()
    uid = 42000 + os.getpid() % 20000
    tool = start("-i", "1", "--clear", prebuilt(os.path.join(EXAMPLES, "map_values_sample.bpf.c")))
    execs_as(uid, 5)
    # two more intervals: the one holding the execs, then one after --clear emptied it
    deadline = time.monotonic() + 10
    while sum(1 for l in tool.out if l.startswith("[")) < 4 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert tool.stop() == 0, tool.err
    blocks, cur = [], None
    for l in tool.out:
        if re.fullmatch(r"\[\d\d:\d\d:\d\d\]", l):
            cur = {}
            blocks.append(cur)
        else:
            m = re.fullmatch(r"uidcnt\[(\d)\] = (\d+)", l)
            assert m, l
            (cur if cur is not None else {}).__setitem__(int(m[1]), int(m[2]))
    other = [b.get(1, 0) for b in blocks]
    # --clear: each interval counts its own execs, so the five show up once, not in every print
    assert sum(other) >= 5, tool.out
    assert max(other) < sum(other) or other.count(max(other)) == 1, other


def test_printk_sample_trace_print_and_fields():
    pk.need_bpf()
    path = prebuilt(os.path.join(EXAMPLES, "printk_sample.bpf.c"))
    for args, pattern in (
            ((), r"-{pid} +\[\d+\] .*: bpf_trace_printk: start of execve time = \d+ , "
                 r"pid = {pid}, comm = "),
            (("--fields",), r"^\d+\.\d+ +\S+ +{pid} +start of execve time = \d+ , "
                            r"pid = {pid}, comm = "),
            (("--printk-format", "{1} {5}"), r"^{pid} start of execve time = \d+ , pid = {pid}, ")):
        tool = start_printing(*args, path)
        if args == ("--fields",):
            # stdout is read by its own thread: wait for the header rather than look
            head = tool.wait_for(lambda l: True, 5, what="header")
            assert head.split() == ["TIME(s)", "COMM", "PID", "MESSAGE"], head
        seen = None
        deadline = time.monotonic() + 15
        while seen is None and time.monotonic() < deadline:
            child = subprocess.Popen(["/bin/true"])
            child.wait()
            try:
                seen = tool.wait_for(lambda l: re.search(pattern.format(pid=child.pid), l), 1)
            except AssertionError:
                pass
        assert seen, (args, tool.out[-5:], tool.err[-3:])
        assert tool.stop() == 0, tool.err


def test_no_trace_pipe_without_printk():
    pk.need_bpf()
    tool = start(prebuilt(os.path.join(PROGS, "execs_by_uid.bpf.c")))
    fds = [os.readlink(f"/proc/{tool.pid}/fd/{fd}") for fd in os.listdir(f"/proc/{tool.pid}/fd")]
    assert not any("trace_pipe" in f for f in fds), fds
    assert tool.stop() == 0, tool.err


def unlinks_counted(want, *args):
    """Runs tests/run/groups.bpf.c: member @want must be the one chosen and
    count the six unlinkat() calls of a child."""
    tool = start("--json", *args, prebuilt(os.path.join(PROGS, "groups.bpf.c")))
    held = pk.bpf_objects(tool.pid)
    assert any(f"group unlink: chose {want} " in l for l in tool.err), (want, tool.err)
    d = pk.tempdir("pk-run-")
    child = pk.Proc([sys.executable, "-c", f"""
import os, sys
sys.stdin.readline()
fd = os.open({d!r}, os.O_RDONLY)
for i in range(6):
    open(os.path.join({d!r}, str(i)), "w").close()
    os.unlink(str(i), dir_fd=fd)  # unlinkat()
"""], stdin=subprocess.PIPE)
    child.p.stdin.write(b"go\n")
    child.p.stdin.flush()
    assert child.wait(20) == 0
    assert tool.stop() == 0, tool.err
    counts = {o["key"]: o["value"] for o in pk.json_lines(tool.out)}
    assert counts.get(child.pid) == 6, (want, counts)
    # only the chosen member was loaded
    assert len([1 for k, _ in held if k == "prog"]) == 1, held
    pk.assert_released(held)
    shutil.rmtree(d)


def test_fallback_group_chooses_best_member():
    pk.need_bpf()
    feats = {json.loads(l)["feature"]: json.loads(l) for l in
             pk.run([pk.tool_path("probekit"), "features", "--json"]).stdout.splitlines()}
    want = "unlink__fentry" if feats["kfunc"]["available"] else \
        "unlink__kprobe" if feats["kprobe"]["available"] else "unlink__tp"
    # the kernel lane's guests (Debian 6.1, 6.12) must give fentry, and kprobes
    if os.environ.get("PK_EXPECT_KFUNC") == "1":
        assert want == "unlink__fentry", feats["kfunc"]
    if os.environ.get("PK_EXPECT_KPROBE") == "1":
        assert feats["kprobe"]["available"], feats["kprobe"]
    unlinks_counted(want)
    # every member that the kernel allows works when forced
    for mech, feat, member in (("kprobe", "kprobe", "unlink__kprobe"),
                               ("tracepoint", "tracepoint", "unlink__tp")):
        if feats[feat]["available"]:
            unlinks_counted(member, "--mechanism", mech)


def test_mechanism_forces_a_member():
    pk.need_bpf()
    tool = start("--mechanism", "tracepoint", prebuilt(os.path.join(PROGS, "groups.bpf.c")))
    assert any("group unlink: chose unlink__tp" in l for l in tool.err), tool.err
    assert any("not unlink__fentry (fentry): --mechanism tracepoint" in l for l in tool.err)
    assert tool.stop() == 0, tool.err


# Errors: one line each, the right exit status, nothing left loaded -----------

def run_error(*args, status=1, user=None, **kw):
    before = pk.bpf_objects()
    r = pk.run(run_argv(*args), env=env(**kw), timeout=60,
               preexec_fn=(lambda: (os.setgid(user), os.setuid(user))) if user else None)
    assert r.returncode == status, (args, r.returncode, r.stderr)
    assert r.stdout == "", r.stdout
    pk.assert_none_left(before, f"after run {args}")
    return r.stderr


def test_error_missing_tracepoint_names_program_and_nearest():
    pk.need_bpf()
    err = run_error(prebuilt(os.path.join(PROGS, "bad_tracepoint.bpf.c")))
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert "program on_exec: tracepoint syscalls:sys_enter_exceve does not exist" in err, err
    assert "; did you mean syscalls:sys_enter_execve" in err, err


def test_error_verifier_rejection_key_line_and_source():
    pk.need_bpf()
    err = run_error(prebuilt(os.path.join(PROGS, "verifier_null.bpf.c")))
    assert len(err.splitlines()) == 1, err
    assert "program on_exec rejected by the verifier: R0 invalid mem access " \
           "'map_value_or_null'" in err, err
    # the source line always; its file:line where the kernel's log has it (6.2 on)
    assert "*v += 1; /* no NULL check */" in err, err
    assert "verifier_null.bpf.c:" not in err or "verifier_null.bpf.c:19: *v += 1;" in err, err
    assert "Permission denied" not in err, err
    # -v adds the whole log
    full = run_error("-v", prebuilt(os.path.join(PROGS, "verifier_null.bpf.c")))
    assert "processed" in full or "R1" in full, full


def test_error_unbounded_loop_says_instruction_limit_and_line():
    pk.need_bpf()
    path = os.path.join(PROGS, "unbounded_loop.bpf.c")
    err = run_error(prebuilt(path))
    assert len(err.splitlines()) == 1, err
    assert "No space left on device" not in err and "libbpf_set_print" not in err, err
    release = tuple(int(x) for x in re.findall(r"\d+", os.uname().release)[:2])
    if release < (6, 4):
        # these kernels keep the log's start, not its end with the verdict
        assert "program spin rejected by the verifier, whose log outgrew" in err, err
        return
    # the kernel's limit is 1M instructions: "processed 1000001 insns (limit 1000000)"
    assert "program spin rejected by the verifier: too complex: it gave up after " \
           "1000001 instructions, its limit" in err, err
    lines = range(source_line(path, "for (i = 0;"), source_line(path, "total = sum;") + 1)
    where = re.search(r"\(at unbounded_loop\.bpf\.c:(\d+): ", err)
    assert where and int(where.group(1)) in lines, err


def source_line(path, text):
    with open(path) as f:
        return next(i for i, l in enumerate(f, 1) if text in l)


def test_error_compile_shows_clang_diagnostics():
    if os.environ.get("PK_RUN_PREBUILT") == "1":
        return
    err = run_error(os.path.join(PROGS, "syntax_error.bpf.c"))
    assert "syntax_error.bpf.c:9:9: error: use of undeclared identifier 'undeclared_thing'" \
        in err, err
    assert err.splitlines()[-1].startswith("run: compiling "), err


def test_error_no_clang_says_how_to_get_it():
    """A machine without clang (the Debian package only recommends it): one
    line that says how to install it, or to pass a .bpf.o instead."""
    if os.environ.get("PK_RUN_PREBUILT") == "1":
        raise pk.Skip("the kernel lane's guests carry no sources to compile")
    empty = pk.tempdir("pk-run-noclang-")
    err = run_error(os.path.join(EXAMPLES, "task_switch.bpf.c"), PATH=empty,
                    XDG_CACHE_HOME=pk.tempdir("pk-run-cache-"))
    assert err == ("run: no C compiler for BPF: clang not found; install clang "
                   "(Debian: apt-get install clang), or pass a compiled .bpf.o\n"), err


def test_error_not_bpf_unreadable_truncated():
    d = pk.tempdir("pk-run-")
    text = os.path.join(d, "notes.txt")
    with open(text, "w") as f:
        f.write("hello\n")
    err = run_error(text)
    assert err == f"run: {text} is neither a BPF object (ELF) nor C source (.bpf.c)\n", err
    err = run_error("/bin/true")
    assert "ELF file for another machine" in err and len(err.splitlines()) == 1, err
    err = run_error(os.path.join(d, "missing.bpf.o"))
    assert err == f"run: cannot read {d}/missing.bpf.o: No such file or directory\n", err
    good = prebuilt(os.path.join(PROGS, "execs_by_uid.bpf.c"))
    if good.endswith(".c"):
        obj = os.path.join(d, "good.bpf.o")
        assert pk.run(run_argv("-o", obj, good), env=env()).returncode == 0
        good = obj
    data = open(good, "rb").read()
    cut = os.path.join(d, "cut.bpf.o")
    with open(cut, "wb") as f:
        f.write(data[:len(data) // 2])
    err = run_error(cut)
    assert "truncated" in err and len(err.splitlines()) == 1, err
    bad = os.path.join(d, "bad.bpf.o")
    with open(bad, "wb") as f:
        f.write(data[:64] + bytes(b ^ 0x5a for b in data[64:]))
    err = run_error(bad)
    assert len(err.splitlines()) == 1 and ("corrupt" in err or "not a usable" in err
                                           or "truncated" in err), err
    os.chmod(d, 0o700)
    shutil.rmtree(d)


def test_error_no_privileges():
    d = pk.tempdir("pk-run-")
    os.chmod(d, 0o755)
    good = prebuilt(os.path.join(PROGS, "execs_by_uid.bpf.c"))
    if good.endswith(".c"):
        obj = os.path.join(d, "good.bpf.o")
        assert pk.run(run_argv("-o", obj, good), env=env()).returncode == 0
        os.chmod(obj, 0o644)
        good = obj
    err = run_error(good, user=65534)
    assert err == "run: needs root, or CAP_BPF and CAP_PERFMON, to load BPF programs\n", err
    shutil.rmtree(d)


def test_usage_errors():
    for args, want in ((["a.bpf.c", "b.bpf.c"], "unexpected argument 'b.bpf.c'"),
                       ([], "give a BPF C file"),
                       (["--set", "novalue", "x.bpf.c"], "invalid --set 'novalue'"),
                       (["--mechanism", "nope", "x.bpf.c"], "unknown mechanism 'nope'"),
                       (["--top", "0", "x.bpf.c"], "invalid --top '0'")):
        r = pk.run(run_argv(*args), env=env())
        assert r.returncode == 2 and want in r.stderr and len(r.stderr.splitlines()) == 1, \
            (args, r.stderr)


# The cache --------------------------------------------------------------------

def clang_wrapper(d):
    log = os.path.join(d, "clang.log")
    wrapper = os.path.join(d, "clang-wrapper")
    with open(wrapper, "w") as f:
        f.write(f"#!/bin/sh\necho \"$@\" >> {log}\nexec {shutil.which('clang')} \"$@\"\n")
    os.chmod(wrapper, 0o755)
    return wrapper, log


def calls(log):
    """The compiles clang ran (not the precompiled header's)."""
    if not os.path.exists(log):
        return 0
    return sum(1 for l in open(log).read().splitlines() if " -c " in f" {l} ")


def test_precompiled_vmlinux_h_made_once_and_same_object():
    """A source whose first line includes vmlinux.h compiles against the
    kernel's types precompiled once per kernel BTF and compiler (in the
    cache, next to vmlinux.h); the object is the one clang makes without it
    (PROBEKIT_NO_PCH=1), byte for byte."""
    if os.environ.get("PK_RUN_PREBUILT") == "1" or not shutil.which("clang"):
        return
    d = pk.tempdir("pk-pch-")
    try:
        wrapper, log = clang_wrapper(d)
        objs = {}
        # the same layout under two names of one length: -g records the paths
        for name, extra in (("pch0", {}), ("pch1", {"PROBEKIT_NO_PCH": "1"})):
            top = os.path.join(d, name)
            os.mkdir(top)
            cache = os.path.join(top, "cache")
            e = dict(os.environ, XDG_CACHE_HOME=cache, CLANG=wrapper, **extra)
            for i in range(2):
                src = os.path.join(top, f"x{i}.bpf.c")
                with open(os.path.join(ROOT, "examples", "opensnoop_simple.bpf.c")) as f:
                    text = f.read()
                with open(src, "w") as f:
                    f.write(text + f"/* {i} */\n")
                out = os.path.join(top, f"x{i}.bpf.o")
                r = pk.run(run_argv("-o", out, src), env=e)
                assert r.returncode == 0, r.stderr
                objs[name, i] = open(out, "rb").read().replace(f"/{name}/".encode(), b"/TOP0/")
            lines = open(log).read().splitlines()
            os.unlink(log)
            made = [l for l in lines if "-x c-header" in l]
            used = [l for l in lines if "-include-pch" in l]
            if not extra:
                assert len(made) == 1 and len(used) == 2, lines
                pch = glob.glob(os.path.join(cache, "probekit", "vmlinux", "*", "vmlinux-*.pch"))
                assert len(pch) == 1 and f"-include-pch {pch[0]} " in used[0], (pch, used)
            else:
                assert not made and not used, lines
        for i in range(2):
            assert objs["pch0", i] == objs["pch1", i], f"the objects differ ({i})"
    finally:
        shutil.rmtree(d)


def test_cache_second_run_starts_no_compiler_and_header_edit_recompiles():
    if os.environ.get("PK_RUN_PREBUILT") == "1" or not shutil.which("clang"):
        return
    d = pk.tempdir("pk-run-")
    src = os.path.join(d, "with_header.bpf.c")
    hdr = os.path.join(d, "with_header.h")
    shutil.copy(os.path.join(PROGS, "with_header.bpf.c"), src)
    shutil.copy(os.path.join(PROGS, "with_header.h"), hdr)
    wrapper, log = clang_wrapper(d)
    cache = os.path.join(d, "cache")
    e = dict(os.environ, XDG_CACHE_HOME=cache, CLANG=wrapper)
    out = os.path.join(d, "out.bpf.o")
    for _ in range(2):
        r = pk.run(run_argv("-o", out, src), env=e)
        assert r.returncode == 0, r.stderr
    assert calls(log) == 1, open(log).read()
    assert os.path.exists(os.path.join(cache, "probekit")), os.listdir(cache)
    assert open(out, "rb").read(4) == b"\x7fELF"
    with open(hdr, "w") as f:
        f.write("#define VALUE 1\n")
    r = pk.run(run_argv("-o", out, src), env=e)
    assert r.returncode == 0 and calls(log) == 2, (r.stderr, open(log).read())
    r = pk.run(run_argv("-o", out, src), env=e)
    assert r.returncode == 0 and calls(log) == 2, open(log).read()
    # the source itself
    with open(src, "a") as f:
        f.write("/* edited */\n")
    r = pk.run(run_argv("-o", out, src), env=e)
    assert r.returncode == 0 and calls(log) == 3, open(log).read()
    # no compiler at all: say what to do
    r = pk.run(run_argv("-o", out, src), env=dict(e, CLANG="/nonexistent/clang"))
    assert r.returncode == 1 and "install clang" in r.stderr and "pass a compiled .bpf.o" in \
        r.stderr and len(r.stderr.splitlines()) == 1, r.stderr
    shutil.rmtree(d)


def test_sigterm_detaches():
    pk.need_bpf()
    tool = start(prebuilt(os.path.join(EXAMPLES, "task_switch.bpf.c")))
    held = pk.bpf_objects(tool.pid)
    assert tool.stop(signal.SIGTERM) == 0, tool.err
    pk.assert_released(held)


# Parameters -------------------------------------------------------------------

def test_set_parameter_counts_only_that_uid():
    pk.need_bpf()
    uid = 43000 + os.getpid() % 20000
    tool = start("--set", f"target_uid={uid}", "--json", "--globals",
                 prebuilt(os.path.join(PROGS, "params.bpf.c")))
    execs_as(uid, 3)
    execs_as(uid + 1, 2)
    assert tool.stop() == 0, tool.err
    objs = pk.json_lines(tool.out)
    assert {"map": "execs", "key": 0, "value": 3} in objs, objs
    assert {"global": "target_uid", "value": uid} in objs, objs
    assert {"global": "count_all", "value": False} in objs, objs


def test_params_list_and_bad_set():
    path = prebuilt(os.path.join(PROGS, "params.bpf.c"))
    r = pk.run(run_argv("--params", path), env=env())
    assert r.returncode == 0, r.stderr
    rows = [l.split() for l in r.stdout.splitlines()]
    assert rows[0] == ["NAME", "TYPE", "DEFAULT"], rows
    assert ["target_uid", "__u32", "0"] in rows and ["count_all", "bool", "false"] in rows, rows
    for bad, want in (("nosuch=1", "nosuch"), ("target_uid=-1", "target_uid"),
                      ("target_uid=99999999999", "target_uid"), ("count_all=maybe", "count_all")):
        r = pk.run(run_argv("--set", bad, path), env=env())
        assert r.returncode == 2 and want in r.stderr, (bad, r.stderr)
        assert "the parameters are: target_uid (__u32, 0), count_all (bool, false)" in r.stderr
        assert len(r.stderr.splitlines()) == 1 and r.stdout == "", r.stderr


def test_opensnoop_simple_pk_printf_lines():
    pk.need_bpf()
    tool = start(prebuilt(os.path.join(EXAMPLES, "opensnoop_simple.bpf.c")))
    path = f"/tmp/pk-run-{os.getpid()}-missing"
    child = pk.Proc([pk.helper_path("opener"), f"at:{path}"], stdin=subprocess.PIPE)
    child.wait_for(lambda l: l.startswith("ready"))
    child.p.stdin.write(b"go\n")
    child.p.stdin.flush()
    line = tool.wait_for(lambda l: l.endswith(path), 10, what="the child's open")
    f = line.split()
    assert int(f[0]) == child.pid and f[1] == "opener" and f[2:4] == ["-1", "2"], line
    assert tool.stop() == 0, tool.err
    assert not any(re.search(r"[1-9]\d* events? lost", l) for l in tool.err), tool.err


def test_uprobe_by_library_short_name_for_one_pid():
    pk.need_bpf()
    target = pk.Proc([pk.helper_path("mallocer")], stdin=subprocess.PIPE)
    target.wait_for(lambda l: l.startswith("ready"))
    other = pk.Proc([pk.helper_path("mallocer")], stdin=subprocess.PIPE)
    other.wait_for(lambda l: l.startswith("ready"))
    tool = start("--json", "-p", str(target.pid),
                 prebuilt(os.path.join(PROGS, "uprobe_malloc.bpf.c")))
    held = pk.bpf_objects(tool.pid)
    for p in (target, other):
        p.p.stdin.write(b"go\n")
        p.p.stdin.flush()
        p.wait_for(lambda l: l.startswith("done"))
    # -p: the target's exit ends the run, which prints its maps
    target.p.stdin.close()
    assert target.wait(10) == 0
    assert tool.wait(20) == 0, tool.err
    sizes = {o["key"]: o["value"] for o in pk.json_lines(tool.out)}
    # only the target's: the other process made the same calls
    assert sizes.get(4096) == 10 and sizes.get(100) == 7, sizes
    pk.assert_released(held)


def test_command_is_traced_until_it_exits():
    """-c: run starts the command, traces only it, and ends with it,
    printing the maps (no -d, no signal)."""
    pk.need_bpf()
    other = pk.Proc([pk.helper_path("mallocer")], stdin=subprocess.PIPE)
    other.wait_for(lambda l: l.startswith("ready"))
    before = pk.bpf_objects()
    r = subprocess.run(run_argv("--json", "-c", pk.helper_path("mallocer") + " now",
                                prebuilt(os.path.join(PROGS, "uprobe_malloc.bpf.c"))),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env(),
                       timeout=60 * pk.TIMEOUT_SCALE)
    other.p.stdin.write(b"go\n")
    other.p.stdin.close()
    assert other.wait(10) == 0
    assert r.returncode == 0, r.stderr
    # the command's own "ready"/"done" lines share stdout with the JSON
    maps = [json.loads(l) for l in r.stdout.splitlines() if l.startswith("{")]
    sizes = {o["key"]: o["value"] for o in maps}
    # traced from its exec: alloc_a's 10 and stdio's 4096-byte stdout buffer
    # (the pipe's block size), which the -p test attaches too late to see
    assert sizes.get(4096) == 11 and sizes.get(100) == 7, (sizes, r.stdout)
    pk.assert_none_left(before, "after run -c")


def tracer_of_command(path):
    """run -c on @path with a command that reports its own TracerPid."""
    r = subprocess.run(run_argv("-d", "30", "-c", "grep TracerPid /proc/self/status",
                                prebuilt(path)),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env(),
                       timeout=60 * pk.TIMEOUT_SCALE)
    assert r.returncode == 0, r.stderr
    line = [l for l in r.stdout.splitlines() if l.startswith("TracerPid:")]
    assert len(line) == 1, r.stdout
    return int(line[0].split()[1])


def test_command_is_ptraced_only_for_user_stacks():
    """-c holds the command on its way out (a ptrace stop) only when the
    object has a stack map whose user stacks need its memory; otherwise the
    command is free to be traced by a debugger of its own."""
    pk.need_bpf()
    assert tracer_of_command(os.path.join(EXAMPLES, "task_switch.bpf.c")) == 0
    assert tracer_of_command(os.path.join(EXAMPLES, "mallocstacks_simple.bpf.c")) > 0


def test_perf_event_samples_cpu_clock_per_cpu():
    pk.need_bpf()
    # 1.5 s of CPU time, not of the clock: a busy machine gives a spinner a
    # share of a CPU, and the cpu-clock event samples what runs
    spin = pk.Proc([sys.executable, "-c",
                    "import sys, time\nsys.stdin.readline()\nt = time.process_time()\n"
                    "while time.process_time() - t < 1.5: pass\n"], stdin=subprocess.PIPE)
    tool = start("--json", "--per-cpu", "-F", "199",
                 prebuilt(os.path.join(PROGS, "cpu_samples.bpf.c")))
    spin.p.stdin.write(b"go\n")
    spin.p.stdin.flush()
    assert spin.wait(60) == 0
    assert tool.stop() == 0, tool.err
    per_pid = {o["key"]: o["values"] for o in pk.json_lines(tool.out)}
    ncpu = os.cpu_count()
    assert all(len(v) == len(per_pid[spin.pid]) >= ncpu for v in per_pid.values()), per_pid
    # 1.5 s on a CPU at 199 Hz is ~300 samples
    assert sum(per_pid[spin.pid]) >= 100, per_pid.get(spin.pid)


def test_typed_events_printed_from_btf():
    pk.need_bpf()
    uid = 45000 + os.getpid() % 20000
    path = prebuilt(os.path.join(PROGS, "events.bpf.c"))
    for args in (("--json",), ()):
        tool = start(*args, path)
        child = subprocess.Popen(["/usr/bin/setpriv", f"--reuid={uid}", f"--regid={uid}",
                                  "--clear-groups", "/bin/true"])
        child.wait()
        if args:
            line = tool.wait_for(lambda l: f'"uid":{uid}' in l, 10, what="the child's exec")
            ev = json.loads(line)["event"]
            # setpriv execs /bin/true as the uid: that exec is the setpriv process's
            assert ev["pid"] == child.pid and ev["uid"] == uid and ev["minus_one"] == -1, ev
            assert ev["comm"] == "setpriv", ev
        else:
            # a table (eventtable.h; test_run_events.py has the full story)
            line = tool.wait_for(lambda l: l.split()[:2] == [str(child.pid), str(uid)], 10,
                                 what="the child's exec")
            assert tool.out[0] == "%7s %7s %-16s %20s" % ("PID", "UID", "COMM", "MINUS_ONE")
            assert line == "%7d %7d %-16s %20d" % (child.pid, uid, "setpriv", -1), line
        assert tool.stop() == 0, tool.err


# The runtime's part ----------------------------------------------------------------

def test_help_shows_the_runtime_options_once_with_true_defaults():
    """-b, --perf-buffer and --mechanism are the runtime's: listed once, with
    the default the library uses and every mechanism it knows."""
    if os.environ.get("PK_RUN_PREBUILT") == "1":
        raise pk.Skip("the kernel lane's guests carry no headers to read the default from")
    r = pk.run(run_argv("--help"), env=env())
    assert r.returncode == 0, r.stderr
    with open(os.path.join(ROOT, "include", "probekit", "events.h")) as f:
        pages = re.search(r"#define PK_EVENTS_DEFAULT_PAGES (\d+)", f.read()).group(1)
    lines = r.stdout.splitlines()
    for opt in ("--buffer-pages", "--perf-buffer", "--mechanism"):
        assert sum(opt in l for l in lines) == 1, (opt, r.stdout)
    pages_line = next(l for l in lines if "--buffer-pages" in l)
    assert pages_line.rstrip().endswith(f"({pages})"), pages_line
    mech_line = next(l for l in lines if "--mechanism" in l)
    assert "uprobe_multi" in mech_line, mech_line
    # and the runtime parses them: a bad -b is its usage error
    r = pk.run(run_argv("-b", "3", "x.bpf.c"), env=env())
    assert r.returncode == 2 and "invalid buffer size '3'" in r.stderr, r.stderr


def voluntary_switches(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("voluntary_ctxt_switches:"):
                return int(line.split()[1])
    raise AssertionError(f"no voluntary_ctxt_switches for {pid}")


def test_idle_run_sleeps_in_one_loop():
    """With an event buffer and no events, run sleeps in the runtime's one
    loop: about one wakeup a second (the lost-event check), not a 100 Hz
    poll of the buffer beside it."""
    pk.need_bpf()
    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        p = start("--set", f"target_pid={sleeper.pid}",
                  prebuilt(os.path.join(PROGS, "quiet.bpf.c")))
        time.sleep(0.5)
        before = voluntary_switches(p.pid)
        time.sleep(2.0)
        woke = voluntary_switches(p.pid) - before
        assert p.p.poll() is None, p.err
        assert p.stop() == 0, p.err
    finally:
        sleeper.kill()
        sleeper.wait()
    # the old nested loop polled every 10 ms: ~200 in these two seconds
    assert woke <= 10, f"{woke} wakeups in 2 s of idle"


def test_programs_with_and_without_a_pid():
    """PK_WITH_PID / PK_WITHOUT_PID (tests/run/with_pid.bpf.c): with -c only
    the process's program runs, and counts the 1000 getppid() calls of
    tests/helpers/syscaller.c exactly; without a pid only the machine's,
    which sees at least ours."""
    pk.need_bpf()
    path = prebuilt(os.path.join(PROGS, "with_pid.bpf.c"))
    r = pk.run(run_argv("--json", "-c", pk.helper_path("syscaller") + " now", path), env=env(),
               timeout=60, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stderr
    maps = [(o["map"], o["value"]) for o in pk.json_lines(r.stdout.splitlines()) if "map" in o]
    assert maps == [("proc_counts", 1000)], r.stdout
    tool = start("--json", path)
    held = pk.bpf_objects(tool.pid)
    for _ in range(5):
        os.getppid()
    assert tool.stop() == 0, tool.err
    pk.assert_released(held)
    maps = [(o["map"], o["value"]) for o in pk.json_lines(tool.out) if "map" in o]
    assert [m for m, _ in maps] == ["machine_counts"] and maps[0][1] >= 5, tool.out


def test_programs_when_an_option_is_set():
    """PK_PROGS_WHEN / PK_PROGS_UNLESS (tests/run/progs_when.bpf.c): with -t
    only timed_calls is loaded and counts the 1000 getppid() calls of
    tests/helpers/syscaller.c, without it only plain_calls; a tag naming a
    variable that is no option is refused in one line."""
    pk.need_bpf()
    path = prebuilt(os.path.join(PROGS, "progs_when.bpf.c"))
    for args, want in ((["-t"], "timed_counts"), ([], "plain_counts")):
        r = pk.run(run_argv("--json", "-v", "-c", pk.helper_path("syscaller") + " now", path,
                            *args), env=env(), timeout=60, stdin=subprocess.DEVNULL)
        assert r.returncode == 0, r.stderr
        maps = [(o["map"], o["value"]) for o in pk.json_lines(r.stdout.splitlines())
                if "map" in o]
        assert maps == [(want, 1000)], (args, r.stdout)
        loaded = [l for l in r.stderr.splitlines() if "on tracepoint/" in l]
        assert len(loaded) == 1 and want.replace("_counts", "_calls") in loaded[0], r.stderr
    path = prebuilt(os.path.join(PROGS, "progs_when_typo.bpf.c"))
    r = pk.run(run_argv(path), env=env(), timeout=60)
    assert r.returncode != 0, r
    # the file as given: the .bpf.o the host built for the lane's guests there
    assert r.stderr == (f"run: {os.path.basename(path)}: PK_PROGS_WHEN() names 'timd', which "
                        "is not one of its options\n"), r.stderr
