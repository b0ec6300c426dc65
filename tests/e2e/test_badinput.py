"""Bad input, table-driven over every tool: each case must print one line
naming the problem, exit 2 (usage) or 1 (runtime), and leave nothing
attached."""
import os

import pk

MISSING_PID = "2147483646"

# (tool, args, exit status, text the one line must contain)
CASES = [
    ("opensnoop", ["-z"], 2, "unknown option '-z'"),
    ("opensnoop", ["-p", "abc"], 2, "invalid PID"),
    ("opensnoop", ["-p", MISSING_PID], 2, "no process"),
    ("opensnoop", ["-d", "-1"], 2, "invalid duration"),
    ("opensnoop", ["-f", "O_NOPE"], 2, "unknown open flag"),
    ("statsnoop", ["--nope"], 2, "unknown option '--nope'"),
    ("statsnoop", ["-p", "x1"], 2, "invalid PID"),
    ("statsnoop", ["-p", MISSING_PID], 2, "no process"),
    ("statsnoop", ["-d", "0"], 2, "invalid duration"),
    ("stacksnoop", [], 2, ""),
    ("stacksnoop", ["no_such_kernel_function_pk"], 1, 'Function "no_such_kernel_function_pk" not found'),
    ("stacksnoop", ["t:no_such:event_pk"], 1, 'Tracepoint "no_such:event_pk" not found'),
    ("stacksnoop", ["-p", "abc", "t:syscalls:sys_enter_connect"], 2, "invalid PID"),
    ("taskswitch", ["-p", MISSING_PID], 2, "no process"),
    ("taskswitch", ["-t", "-3"], 2, "invalid count"),
    ("taskswitch", ["-d", "soon"], 2, "invalid duration"),
    ("execcount", ["-i", "-1"], 2, "invalid interval"),
    ("execcount", ["--by-pid"], 2, "unknown option"),
    ("tracepipe", ["-p", "abc"], 2, "invalid PID"),
    ("tracepipe", ["extra"], 2, "unexpected argument"),
    ("mallocstacks", ["-p", MISSING_PID], 2, "no process"),
    ("mallocstacks", ["-c", "/no/such/binary-pk"], 1, "/no/such/binary-pk"),
    ("mallocstacks", ["-t", "many"], 2, ""),
    # -f/--folded and --svg are the runtime's (PK_TOOL_STACKS): one check for every tool
    ("mallocstacks", ["-f", "--json", "-p", "1"], 2, "--folded and --json do not go together"),
    ("mallocstacks", ["--svg", "", "-p", "1"], 2, "empty --svg"),
    ("stacksnoop", ["--folded", "--json", "t:sched:sched_switch"], 2,
     "--folded and --json do not go together"),
    ("features", ["--bogus"], 2, "unknown option"),
    ("list", ["--bogus"], 2, "unknown option"),
    ("list", ["t:"], 2, "cannot read 't:'"),
    ("list", ["-p", MISSING_PID], 2, "no process"),
    ("list", ["t:no_such:event_pk"], 1, "nothing matches 't:no_such:event_pk'"),
    ("list", ["p:/no/such/binary-pk:*"], 1, "/no/such/binary-pk"),
    ("stacksnoop", ["--svg", "", "t:sched:sched_switch"], 2, "empty --svg"),
    # a one-file tool without a stack map has no stacks to fold or draw
    ("execsnoop", ["--svg", "x.svg"], 2, "unknown option '--svg'"),
    ("exitsnoop", ["--folded"], 2, "unknown option '--folded'"),
    # nor -i without a table to print
    ("execsnoop", ["-i", "1"], 2, "unknown option '-i'"),
    ("stacksnoop", ["--svg", "/no/such/dir/x.svg", "t:sched:sched_switch"], 1,
     "cannot write /no/such/dir/x.svg: No such file or directory"),
    ("mallocstacks", ["--svg", "/no/such/dir/x.svg", "-p", "1"], 1,
     "cannot write /no/such/dir/x.svg"),
]

TOOLS_WITH_BPF = ["opensnoop", "statsnoop", "taskswitch", "execcount", "mallocstacks"]


def built(tool):
    return os.path.exists(pk.tool_path(tool))


def check(argv, status, text, user=None):
    tool = os.path.basename(argv[0])
    if user is not None:
        argv = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", *argv]
    r = pk.run(argv)
    lines = r.stderr.strip().splitlines()
    assert r.returncode == status, (argv, r.returncode, r.stderr)
    assert len(lines) == 1 and lines[0].startswith(f"{tool}: "), (argv, r.stderr)
    assert text in lines[0], (argv, lines[0])


def test_bad_input_table():
    pk.need_bpf()
    before = pk.bpf_objects()
    checked = 0
    for tool, args, status, text in CASES:
        if built(tool):
            check([pk.tool_path(tool), *args], status, text)
            checked += 1
    assert checked >= 20
    pk.assert_none_left(before, "by bad input")


def test_unprivileged_user_is_refused_by_every_tool():
    for tool in TOOLS_WITH_BPF + ["stacksnoop"]:
        if not built(tool):
            continue
        args = ["t:syscalls:sys_enter_connect"] if tool == "stacksnoop" else []
        if tool == "mallocstacks":
            args = ["-p", str(os.getpid())]
        check([pk.tool_path(tool), *args], 1, "needs root", user=65534)


def test_closed_pipe_ends_every_tool_quietly():
    """`tool | head -1`: the tool ends on its next write, quietly."""
    pk.need_bpf()
    import subprocess
    import time
    for argv in (["opensnoop"], ["statsnoop"], ["stacksnoop", "t:syscalls:sys_enter_openat"]):
        if not built(argv[0]):
            continue
        p = subprocess.Popen([pk.tool_path(argv[0]), *argv[1:]], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        p.stdout.readline()
        held = pk.bpf_objects(p.pid)
        p.stdout.close()
        deadline = time.monotonic() + 15
        while p.poll() is None and time.monotonic() < deadline:
            os.stat("/etc/hostname")
            open("/etc/hostname").close()
            time.sleep(0.05)
        if p.poll() is None:
            p.kill()
        assert p.wait() == 0, argv
        err = p.stderr.read()
        # stacksnoop's notice on kernels (6.1) whose syscall tracepoints have no kernel stack
        err = b"\n".join(l for l in err.splitlines() if b"have no kernel stack" not in l)
        assert pk.only_loss_reports(err, argv[0]), (argv, err)
        pk.assert_released(held, f" by {argv[0]} after the pipe closed")


def test_root_without_capabilities_is_refused_by_every_tool():
    """The capabilities decide, not the uid."""
    pk.need_bpf()
    for tool in ["opensnoop", "statsnoop", "taskswitch"]:
        r = pk.run(["setpriv", "--inh-caps=-all", "--bounding-set=-all", pk.tool_path(tool)])
        assert r.returncode == 1, (tool, r.stderr)
        assert r.stderr == f"{tool}: needs root, or CAP_BPF and CAP_PERFMON, to load BPF " \
            "programs\n", (tool, r.stderr)
