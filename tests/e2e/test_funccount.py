"""funccount: calls counted per function or tracepoint that a pattern
matches, the runtime attaching match i with cookie i (PK_TARGET_EACH).
User functions of a workload (mallocer: alloc_a..alloc_d once each, 5
calloc() and 4 realloc() of libc), syscall tracepoints of another
(syscaller: 1000 getppid(), 7 chdir(), 5 dup()), exact; a kernel pattern
attaches where the kernel has kprobes, else one line says why not."""
import re
import subprocess

import pk
from test_syscount import go_and_done, start_helper

HEADER = "FUNC                                    COUNT"


def rows(tool, lines=None):
    lines = tool.out if lines is None else lines
    i = lines.index(HEADER)
    out = {}
    for line in lines[i + 1:]:
        m = re.fullmatch(r"(\S+) +(\d+)", line)
        assert m, lines
        out[m[1]] = int(m[2])
    return out


def counted_in(helper, *args):
    if helper == "mallocer":
        proc, pid = start_mallocer([pk.helper_path(helper), "all"])
    else:
        proc, pid = start_helper([pk.helper_path(helper)])
    before = pk.bpf_objects()
    tool = pk.start_tool("funccount", "-p", str(pid), *args, "-v", ready="verbose")
    held = pk.bpf_objects(tool.pid)
    go_and_done(proc)
    proc.p.stdin.close()
    assert proc.wait() == 0, proc.err
    assert tool.stop() == 0, tool.err
    pk.assert_released(held)
    pk.assert_none_left(before, "funccount")
    return tool


def start_mallocer(argv):
    """mallocer prints "ready" with no pid: its Proc's own."""
    proc = pk.Proc(argv, stdin=subprocess.PIPE)
    proc.wait_for(lambda l: l == "ready", what="ready line")
    return proc, proc.pid


def test_user_functions_glob_and_regex():
    pk.need_bpf()
    tool = counted_in("mallocer", f"{pk.helper_path('mallocer')}:alloc_*")
    assert rows(tool) == {"alloc_a": 1, "alloc_b": 1, "alloc_c": 1, "alloc_d": 1}, tool.out
    # one uprobe_multi link for the four where the kernel has them, else four uprobes
    assert any(l.endswith(("using uprobe_multi (1 link), events through the ring buffer",
                           "using uprobe (4 links), events through the ring buffer"))
               for l in tool.err), tool.err
    tool = counted_in("mallocer", "-r", "c:(calloc|realloc)$")
    assert rows(tool) == {"calloc": 5, "realloc": 4}, tool.out


def test_tracepoint_glob_and_regex():
    pk.need_bpf()
    tool = counted_in("syscaller", "t:syscalls:sys_enter_getpp*")
    assert rows(tool) == {"syscalls:sys_enter_getppid": 1000}, tool.out
    tool = counted_in("syscaller", "-r", "t:syscalls:sys_enter_(getppid|chdir|dup)$")
    assert rows(tool) == {"syscalls:sys_enter_getppid": 1000, "syscalls:sys_enter_chdir": 7,
                          "syscalls:sys_enter_dup": 5}, tool.out


def test_kernel_pattern():
    """5 fsync() of a workload: vfs_fsync_range 5 times where the kernel
    has kprobes (the kernel lane), else one line saying why not."""
    pk.need_bpf()
    before = pk.bpf_objects()
    d = pk.tempdir("funccount")
    work = "import os, sys; f = open(sys.argv[1], 'w'); [os.fsync(f.fileno()) for _ in range(5)]"
    r = pk.run([pk.tool_path("funccount"), "-c", f"python3 -c \"{work}\" {d}/f", "k:vfs_fsync*"])
    errors = [l for l in r.stderr.splitlines() if l.startswith("funccount:")]
    if r.returncode == 1:
        assert len(errors) == 1 and "kprobe" in errors[0], r.stderr
    else:
        assert r.returncode == 0, r.stderr
        assert rows(None, r.stdout.splitlines()).get("vfs_fsync_range") == 5, r.stdout
    pk.assert_none_left(before, "funccount")


def test_no_match_is_one_line():
    pk.need_bpf()
    r = pk.run([pk.tool_path("funccount"), "c:no_such_function_*"])
    assert r.returncode == 1 and r.stderr.strip().splitlines() == [
        "funccount: cannot attach: c:no_such_function_*: nothing here matches"], r.stderr
