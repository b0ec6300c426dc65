"""A .bpf.c file as a whole tool, the runtime half (issue 19): the -c
command ends with the tracer, Ctrl-C during the compile loads nothing,
options and filters declared in the file, -D, targets from options, and
the one-file tools compiled into the binary."""
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
CACHE = os.environ.get("PK_RUN_CACHE") or pk.session_tempdir("pk-onefile-cache-")


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
    want = ("\0".join(argv) + "\0").encode()
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
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
            "open(sys.argv[0] + '.ready', 'w').close()\ntime.sleep(37)\n")
    script = tempfile.NamedTemporaryFile("w", suffix=".py", prefix=tag, delete=False)
    try:
        script.write(code)
        script.close()
        p = pk.Proc(run_argv("-v", "-c", f"{sys.executable} {script.name}",
                             prog("idle.bpf.c")), env=env())
        p.wait_for(lambda l: ": using " in l, 60, stream="err", what="'using' line")
        deadline = time.monotonic() + 20
        while not os.path.exists(script.name + ".ready") and time.monotonic() < deadline:
            time.sleep(0.02)
        start = time.monotonic()
        p.p.send_signal(signal.SIGINT)
        assert p.wait(15) == 0, p.err
        took = time.monotonic() - start
        assert processes_with([sys.executable, script.name]) == []
        assert any("the command exited with status 137" in l for l in p.err), p.err
        assert took >= 0.45, took
    finally:
        os.unlink(script.name)
        if os.path.exists(script.name + ".ready"):
            os.unlink(script.name + ".ready")


# Ctrl-C during the compile ----------------------------------------------------

SLOW_CLANG = """#!{python}
import os, sys, time
open(os.environ["PK_TEST_MARK"], "w").close()
time.sleep(30)
os.execvp("clang", ["clang", *sys.argv[1:]])
"""


def test_sigint_during_compile_loads_nothing():
    """clang (a wrapper that sleeps) is running when SIGINT comes: run ends
    at once, kills clang, loads and attaches nothing, caches nothing."""
    pk.need_bpf()
    tmp = tempfile.mkdtemp(prefix="pk-onefile-")
    try:
        wrapper, mark = os.path.join(tmp, "clang"), os.path.join(tmp, "started")
        with open(wrapper, "w") as f:
            f.write(SLOW_CLANG.format(python=sys.executable))
        os.chmod(wrapper, 0o755)
        before = pk.bpf_objects()
        p = pk.Proc(run_argv("-v", os.path.join(PROGS, "idle.bpf.c")),
                    env=env(CLANG=wrapper, PK_TEST_MARK=mark, XDG_CACHE_HOME=tmp))
        deadline = time.monotonic() + 30
        while not os.path.exists(mark) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert os.path.exists(mark), p.err
        start = time.monotonic()
        p.p.send_signal(signal.SIGINT)
        assert p.wait(10) == 1, p.err
        assert time.monotonic() - start < 5
        assert not any(": using " in l or "attached" in l for l in p.err), p.err
        assert processes_with([sys.executable, wrapper]) == [], "clang outlived run"
        assert not [f for f in os.listdir(os.path.join(tmp, "probekit", "obj"))
                    if f.endswith(".bpf.o")], "an object was cached"
        pk.assert_none_left(before, "after SIGINT during the compile")
    finally:
        shutil.rmtree(tmp, True)


# -D: settings for the compile ---------------------------------------------------


def _label_type(*args):
    r = pk.run(run_argv(*args, "--params", os.path.join(PROGS, "sized.bpf.c")), env=env())
    assert r.returncode == 0, r.stderr
    rows = [l.split() for l in r.stdout.splitlines()]
    return [row[1] for row in rows if row and row[0] == "label"]


def test_define_sizes_arrays():
    """-D reaches clang and is part of the cache key: the same file gives a
    char[4], char[7] and char[9] parameter, and char[7] again."""
    pk.need_host_tool("clang")
    assert _label_type() == ["char[4]"]
    assert _label_type("-D", "SLOTS=7") == ["char[7]"]
    assert _label_type("--define", "SLOTS=9") == ["char[9]"]
    assert _label_type("-D", "SLOTS=7") == ["char[7]"]


def test_define_sizes_maps():
    """A map sized by -D: the loaded array has SLOTS entries (bpftool's view)."""
    pk.need_bpf()
    pk.need_host_tool("clang")
    p = pk.Proc(run_argv("-v", "-D", "SLOTS=13", os.path.join(PROGS, "sized.bpf.c")), env=env())
    p.wait_for(lambda l: ": using " in l, 60, stream="err", what="'using' line")
    maps = [m for k, m in pk.bpf_objects(p.pid) if k == "map"]
    sizes = {}
    for m in maps:
        info = json.loads(subprocess.run(["bpftool", "-j", "map", "show", "id", str(m)],
                                         stdout=subprocess.PIPE, text=True).stdout)
        sizes[info.get("name")] = info.get("max_entries")
    assert p.stop() == 0, p.err
    assert sizes.get("slots") == 13, sizes


def test_define_errors():
    for bad in ("1X=2", "A B=1", "=3", "A\nB"):
        r = pk.run(run_argv("-D", bad, os.path.join(PROGS, "sized.bpf.c")), env=env())
        assert r.returncode == 2, (bad, r)
        assert r.stderr.count("\n") == 1 and "invalid define" in r.stderr, r.stderr


# Options declared in the file --------------------------------------------------

WRITER = """import os, sys
fd = os.open("/dev/null", os.O_WRONLY)
if len(sys.argv) > 1:
    import ctypes
    ctypes.CDLL(None).prctl(15, sys.argv[1].encode(), 0, 0, 0)
sys.stdin.readline()
for n in (11, 100, 1001):
    os.write(fd, b"x" * n)
"""


def writer(*argv, prefix=()):
    """A process that writes 11, 100 and 1001 bytes to /dev/null once it reads
    a line; argv[0] (optional) becomes its comm first."""
    return pk.Proc([*prefix, sys.executable, "-c", WRITER, *argv], stdin=subprocess.PIPE)


def go(w):
    w.p.stdin.write(b"go\n")
    w.p.stdin.flush()
    assert w.wait(20) == 0


def counts(lines):
    return {o["key"]: o["value"] for o in pk.json_lines(l for l in lines if l.startswith("{"))
            if o.get("map") == "writes"}


def _declared(*args):
    return pk.run(run_argv(*args), env=env())


def test_declared_options_in_help():
    """run FILE --help lists the file's options: short and long names, value
    names, help and defaults; a flag has no value; the pid filter is run's -p."""
    pk.need_host_tool("clang")
    r = _declared(prog("declared.bpf.c"), "--help")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    section = lines[lines.index("Options of declared.bpf.c:") + 1:lines.index("Common options:") - 1]
    assert [" ".join(l.split()) for l in section] == [
        "-m, --min BYTES count writes of BYTES or more",
        "--odd count writes of an odd size only",
        "--fd FD count writes to FD only; -1: all (-1)",
        "--label TEXT a label for the output (w)",
        "-p, --pid PID trace this process only",
        "-u, --uid UID trace this user only (a number or a name)",
    ], section
    # also before the file; run's own options stay, but its -p gives way to the file's
    r2 = _declared("--help", prog("declared.bpf.c"))
    assert r2.stdout == r.stdout
    assert "--set NAME=VALUE" in r.stdout and r.stdout.count("-p, --pid PID") == 1


def _count_child(*opts):
    r = pk.run(run_argv("--json", "-c", f"{sys.executable} {WRITER_NOWAIT}",
                        prog("declared.bpf.c"), *opts), env=env(), timeout=60)
    assert r.returncode == 0, r.stderr
    return counts(r.stdout.splitlines())


def writer_script():
    """A file that writes 11, 100 and 1001 bytes to /dev/null, for -c."""
    tmp = pk.session_tempdir("pk-onefile-")
    path = os.path.join(tmp, "writer.py")
    with open(path, "w") as f:
        f.write(WRITER.replace("sys.stdin.readline()\n", ""))
    return path


WRITER_NOWAIT = writer_script()


def test_declared_options_set_values():
    """Each option reaches the program: 3 writes of 11, 100 and 1001 bytes by
    -c's command (the pid filter: nothing else counts), 2 of them >= 50
    bytes, 2 odd, 1 both; --set still works; a flag takes no value."""
    pk.need_bpf()
    pk.need_host_tool("clang")
    for opts, want in (((), 3), (("--min", "50"), 2), (("-m", "50"), 2), (("--odd",), 2),
                       (("--odd", "--min=50"), 1), (("--set", "min_bytes=1000"), 1)):
        got = _count_child(*opts)
        assert list(got.values()) == [want], (opts, got)
    # options before the file too
    r = pk.run(run_argv("--json", "--min", "50", "-c",
                        f"{sys.executable} {WRITER_NOWAIT}", prog("declared.bpf.c")),
               env=env(), timeout=60)
    assert r.returncode == 0 and list(counts(r.stdout.splitlines()).values()) == [2], r


def test_declared_option_errors():
    """Type checks: sign, range, string length; a flag given a value; an
    unknown option; a user that does not exist. Exit 2, one line each."""
    pk.need_host_tool("clang")
    cases = [
        (["--min", "-5"], "run: invalid bytes '-5' for -m: min_bytes (__u32): bad value \"-5\": "
                          "out of range"),
        (["--min", "5000000000"], "run: invalid bytes '5000000000' for -m: min_bytes (__u32): "
                                  "bad value \"5000000000\""),
        (["--fd", "x"], "run: invalid fd 'x' for --fd: only_fd (__s32): bad value \"x\""),
        (["--label", "12345678"], "run: invalid text '12345678' for --label: label (char[8]): "
                                  "bad value \"12345678\": longer than 7 characters"),
        (["--odd=yes"], "run: unknown option '--odd=yes' (see --help)"),
        (["--mi", "5"], "run: unknown option '--mi' (see --help)"),
        (["--nosuch"], "run: unknown option '--nosuch' (see --help)"),
        (["-u", "no-such-user-here"], "run: invalid UID 'no-such-user-here'"),
    ]
    for args, want in cases:
        r = _declared(prog("declared.bpf.c"), *args)
        assert r.returncode == 2, (args, r)
        assert r.stderr.startswith(want) and r.stderr.count("\n") == 1, (args, r.stderr)


def test_declared_option_clash():
    """A file may not declare an option run or the runtime has (-v); only
    -c and -d yield to a file's own (bcc's tcpconnect -c, profile -d)."""
    pk.need_host_tool("clang")
    r = _declared(prog("declared_clash.bpf.c"))
    assert r.returncode == 2, r
    assert r.stderr == ("run: declared_clash.bpf.c: the option --delay (-v) declared on delay "
                        "clashes with the common option --verbose\n"), r.stderr


# The standard filters -------------------------------------------------------------


def test_command_tracepoint_sees_only_its_child():
    """run -c on a tracepoint program: only the command's writes are counted
    (before the pid filter, every process's, the tracer's own included)."""
    pk.need_bpf()
    pk.need_host_tool("clang")
    r = pk.run(run_argv("-v", "--json", "-c", f"{sys.executable} {WRITER_NOWAIT}",
                        prog("writes_counted.bpf.c")), env=env(), timeout=60)
    assert r.returncode == 0, r.stderr
    child = int(re.search(r"started pid (\d+)", r.stderr).group(1))
    assert counts(r.stdout.splitlines()) == {child: 3}, r.stdout


def _filtered(opts, w, setup=None):
    p = pk.Proc(run_argv("-v", "--json", prog("writes_counted.bpf.c"), *opts), env=env())
    p.wait_for(lambda l: ": using " in l, 60, stream="err", what="'using' line")
    go(w)
    # a write of the tracer's own is not counted either
    assert p.stop() == 0, p.err
    return counts(p.out)


def test_filter_pid_and_tid():
    pk.need_bpf()
    pk.need_host_tool("clang")
    for flag in ("-p", "-t", "--tid"):
        w = writer()
        assert _filtered([flag, str(w.pid)], w) == {w.pid: 3}, flag


def test_filter_uid():
    pk.need_bpf()
    pk.need_host_tool("clang")
    uid = 40000 + os.getpid() % 20000
    w = writer(prefix=["/usr/bin/setpriv", f"--reuid={uid}", f"--regid={uid}",
                       "--clear-groups"])
    assert _filtered(["-u", str(uid)], w) == {w.pid: 3}
    w = writer()
    assert _filtered(["--uid", "root", "--comm", "nobody-has-it"], w) == {}


def test_filter_comm():
    pk.need_bpf()
    pk.need_host_tool("clang")
    comm = f"pkw{os.getpid() % 100000}"
    w = writer(comm)
    assert _filtered(["--comm", comm], w) == {w.pid: 3}
    r = _declared(prog("writes_counted.bpf.c"), "--comm", "x" * 16)
    assert r.returncode == 2 and "invalid COMM" in r.stderr, r


def test_filter_cgroup():
    """--cgroup PATH: tasks in that cgroup v2 or below it (a child cgroup)."""
    pk.need_bpf()
    pk.need_host_tool("clang")
    with open("/proc/mounts") as f:
        roots = [l.split()[1] for l in f if l.split()[2] == "cgroup2"]
    if not roots:
        raise pk.Skip("no cgroup v2 hierarchy mounted")
    root = roots[0]
    top = os.path.join(root, f"pk-onefile-{os.getpid()}")
    sub = os.path.join(top, "sub")
    os.makedirs(sub)
    try:
        w = writer()
        with open(os.path.join(sub, "cgroup.procs"), "w") as f:
            f.write(str(w.pid))
        assert _filtered(["--cgroup", top], w) == {w.pid: 3}
        w = writer()
        assert _filtered(["--cgroup", sub], w) == {}
        r = _declared(prog("writes_counted.bpf.c"), "--cgroup", "/tmp")
        assert r.returncode == 2 and "/tmp is not a cgroup v2 directory" in r.stderr, r
    finally:
        pk.cleanup_processes()
        for d in (sub, top):
            for _ in range(50):
                try:
                    os.rmdir(d)
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.1)


# One-file tools compiled in -----------------------------------------------------

# (the kernel lane's guests carry no tools/ sources: none there, and onefile/ is skipped)
ONEFILE_TOOLS = sorted(d for d in (os.listdir(os.path.join(ROOT, "tools"))
                                   if os.path.isdir(os.path.join(ROOT, "tools")) else [])
                       if os.path.isdir(os.path.join(ROOT, "tools", d))
                       and os.listdir(os.path.join(ROOT, "tools", d)) == [f"{d}.bpf.c"])


def test_onefile_tools_are_listed():
    """execcount and taskswitch are single files, compiled in and listed."""
    assert {"execcount", "taskswitch"} <= set(ONEFILE_TOOLS), ONEFILE_TOOLS
    listed = pk.run([pk.tool_path("probekit"), "--list"]).stdout.split()
    assert set(ONEFILE_TOOLS) <= set(listed), listed
    usage = pk.run([pk.tool_path("probekit"), "--help"]).stdout
    assert "taskswitch     Count context switches per (previous task -> next task) pair." \
        in usage, usage


def _no_compiler_env(tmp):
    """No clang anywhere: $CLANG points nowhere and PATH holds no compiler."""
    return dict(os.environ, CLANG=os.path.join(tmp, "no-clang"), PATH="/nonexistent",
                XDG_CACHE_HOME=tmp)


def test_onefile_tool_needs_no_compiler():
    """build/taskswitch and probekit execcount run with no clang to be found,
    and compile nothing (no object appears in the cache)."""
    pk.need_bpf()
    tmp = tempfile.mkdtemp(prefix="pk-onefile-")
    try:
        for argv in ([pk.tool_path("taskswitch"), "-d", "0.5", "-t", "2", "--json"],
                     [pk.tool_path("probekit"), "execcount", "-i", "0.2", "-d", "0.5"]):
            r = pk.run(argv, env=_no_compiler_env(tmp))
            assert r.returncode == 0, (argv, r.stderr)
        assert len(pk.json_lines(pk.run([pk.tool_path("taskswitch"), "-d", "0.5", "-t", "2",
                                         "--json"], env=_no_compiler_env(tmp))
                                 .stdout.splitlines())) == 2
        assert not os.path.exists(os.path.join(tmp, "probekit", "obj")), os.listdir(tmp)
    finally:
        shutil.rmtree(tmp, True)


def _help_options(argv, **kw):
    """(short, long, value) of each option --help lists, by section."""
    r = pk.run([*argv, "--help"], **kw)
    assert r.returncode == 0, r.stderr
    sections, current = {}, None
    for line in r.stdout.splitlines():
        if line.endswith(":") and not line.startswith(" "):
            current = sections.setdefault(line[:-1], set())
            continue
        m = re.match(r"^  (?:-(\w), )?\s*--([\w-]+)(?: (\S+))?", line)
        if m and current is not None and line.strip().startswith("-"):
            current.add((m.group(1), m.group(2), m.group(3)))
    return sections


def _man_options(path):
    """(short, long, value) of each .TP entry of OPTIONS in a man page."""
    with open(path) as f:
        text = f.read()
    body = text.split(".SH OPTIONS", 1)[1].split("\n.SH ", 1)[0]
    found = set()
    lines = body.splitlines()
    for i, line in enumerate(lines):
        if line != ".TP" or i + 1 >= len(lines):
            continue
        words = re.findall(r'"[^"]*"|\S+', lines[i + 1])[1:]
        words = [w.strip('"').strip(", ").replace("\\-", "-") for w in words]
        words = [w for w in words if w]
        short = next((w[1:] for w in words if re.fullmatch(r"-\w", w)), None)
        long = next((w[2:] for w in words if w.startswith("--")), None)
        value = next((w for w in words if not w.startswith("-")), None)
        found.add((short, long, value))
    return found


def test_onefile_man_pages_match_their_declarations():
    """man/NAME.8 of each one-file tool documents every option the file
    declares (short and long name, value name), and no option the tool does
    not have."""
    for tool in ONEFILE_TOOLS:
        sections = _help_options([pk.tool_path("probekit"), tool])
        # a tool may declare none (oomkill, as bcc's)
        declared = sections.get(f"Options of {tool}", set())
        every = set().union(*sections.values())
        man = _man_options(os.path.join(ROOT, "man", f"{tool}.8"))
        assert every, sections
        for short, long, value in declared:
            assert any(m[1] == long and m[0] == short and m[2] == value for m in man), \
                (tool, (short, long, value), man)
        names = {o[1] for o in every} | {o[0] for o in every if o[0]}
        for short, long, value in man:
            assert (long or short) in names, (tool, short, long, "documented, not in --help")


def test_onefile_tool_runs_from_source():
    """probekit run tools/taskswitch/taskswitch.bpf.c is the same tool: the
    same declared options, banner, header and JSON rows."""
    pk.need_bpf()
    pk.need_host_tool("clang")
    src = os.path.join(ROOT, "tools", "taskswitch", "taskswitch.bpf.c")
    built = _help_options([pk.tool_path("taskswitch")])["Options of taskswitch"]
    assert _help_options(run_argv(src), env=env())["Options of taskswitch.bpf.c"] == built
    r = pk.run(run_argv("-d", "0.5", src, "-t", "3"), env=env(), timeout=60)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[:3] == ["Counting context switches... Hit Ctrl-C to end.", "",
                         "   PREV PREV_COMM              NEXT NEXT_COMM           COUNT"], lines
    assert len(lines) == 6 and all(l.split()[2] == "->" for l in lines[3:]), lines
    r = pk.run(run_argv("--json", "-d", "0.5", src, "--top", "2"), env=env(), timeout=60)
    rows = pk.json_lines(r.stdout.splitlines())
    assert len(rows) == 2 and list(rows[0]) == ["prev_pid", "prev_comm", "next_pid",
                                                "next_comm", "count"], rows
    assert rows[0]["count"] >= rows[1]["count"], rows
    r = pk.run(run_argv(src, "-t", "0"), env=env())
    assert r.returncode == 2 and "invalid count '0' for -t" in r.stderr, r


def test_onefile_tool_copied_and_changed():
    """A user copies execcount.bpf.c, changes its banner and interval, and
    runs the copy: the copy's declarations are the ones that count."""
    pk.need_bpf()
    pk.need_host_tool("clang")
    tmp = tempfile.mkdtemp(prefix="pk-onefile-")
    try:
        with open(os.path.join(ROOT, "tools", "execcount", "execcount.bpf.c")) as f:
            src = f.read()
        src = src.replace('"Counting execve() calls every {interval} s... Hit Ctrl-C to end."',
                          '"my copy, every {interval} s"').replace("PK_TOOL_INTERVAL(5)",
                                                                   "PK_TOOL_INTERVAL(0.25)")
        copy = os.path.join(tmp, "mycount.bpf.c")
        with open(copy, "w") as f:
            f.write(src)
        r = pk.run(run_argv("-d", "0.9", copy), env=env(), timeout=60)
        assert r.returncode == 0, r.stderr
        lines = r.stdout.splitlines()
        assert lines[:2] == ["my copy, every 0.25 s", "TIME         ROOT    OTHER"], lines
        # every 0.25 s for 0.9 s, and the last partial interval
        assert len(lines) - 2 >= 3 and all(l[:2].isdigit() for l in lines[2:]), lines
    finally:
        shutil.rmtree(tmp, True)


# Targets chosen at run time --------------------------------------------------------

CALLER = """import ctypes, sys
libc = ctypes.CDLL("libc.so.6")
for _ in range(int(sys.argv[1])):
    libc.getppid()
"""


def counted_calls(n, file, *target):
    """probekit run FILE TARGET... over -c's caller making @n getppid()
    calls: its pid, the calls map ({pid: count}) and the run (stdout, stderr)."""
    tmp = tempfile.mkdtemp(prefix="pk-onefile-")
    try:
        script = os.path.join(tmp, "caller.py")
        with open(script, "w") as f:
            f.write(CALLER)
        r = pk.run(run_argv("-v", "--json", "-c", f"{sys.executable} {script} {n}",
                            prog(file), *target), env=env(), timeout=60)
        assert r.returncode == 0, r.stderr
        child = int(re.search(r"started pid (\d+)", r.stderr).group(1))
        got = {o["key"]: o["value"] for o in pk.json_lines(
            l for l in r.stdout.splitlines() if l.startswith("{")) if o.get("map") == "calls"}
        return child, got, r
    finally:
        shutil.rmtree(tmp, True)


def test_target_from_option_or_argument():
    """A uprobe whose target an option names (PK_TARGET), given by name or
    as the argument after the file (PK_POSITIONAL): exactly the 7 (or 3)
    calls of getppid() by -c's command."""
    pk.need_bpf()
    pk.need_host_tool("clang")
    for n, target in ((7, ["--func", "c:getppid"]), (3, ["c:getppid"]),
                      (5, ["-s", "c:getppid"])):
        child, got, r = counted_calls(n, "calls_counted.bpf.c", *target)
        assert got == {child: n}, (target, got, r.stderr)
        assert "uprobe: count_call on " in r.stderr, r.stderr


def test_target_routed_past_64_characters():
    """PK_TARGET(a b c) whose uprobe program is named past the list's 64th
    character (once cut off there, without a word): it takes c:getppid."""
    pk.need_bpf()
    pk.need_host_tool("clang")
    child, got, r = counted_calls(4, "calls_routed_far.bpf.c", "c:getppid")
    assert got == {child: 4}, (got, r.stderr)


def test_private_stack_keyed_map_is_not_printed():
    """PK_PRIVATE on a map keyed by a stack id: the stack printer leaves it
    out too (capable --unique's "seen" printed at exit without it)."""
    pk.need_bpf()
    pk.need_host_tool("clang")
    child, got, r = counted_calls(3, "private_stack_map.bpf.c", "c:getppid")
    assert got == {child: 3}, (got, r.stderr)
    assert '"seen"' not in r.stdout, r.stdout


def test_target_errors():
    """No target: a usage error naming the option; a missing symbol: one
    line naming it (checked before anything loads); a second argument:
    unexpected."""
    pk.need_bpf()
    pk.need_host_tool("clang")
    r = pk.run(run_argv(prog("calls_counted.bpf.c")), env=env())
    assert r.returncode == 2 and r.stderr == (
        "run: give --func LIB:SYMBOL (or as an argument): program count_call attaches "
        "there\n"), r.stderr
    r = pk.run(run_argv(prog("calls_counted.bpf.c"), "c:no_such_function_pk"), env=env())
    assert r.returncode == 1 and r.stderr.count("\n") == 1 \
        and "no_such_function_pk" in r.stderr, r.stderr
    r = pk.run(run_argv(prog("calls_counted.bpf.c"), "c:getppid", "extra"), env=env())
    assert r.returncode == 2 and "unexpected argument 'extra'" in r.stderr, r.stderr
