"""syscount: the syscalls of a workload whose calls are known (1000 getppid,
7 chdir failing with ENOENT, 5 dup(-1) failing with EBADF, 3 nanosleep of
20 ms, between one read and one write), counted exactly by syscall, by
process, failed only, by errno and with their time; strace -c agrees."""
import os
import re
import subprocess

import pk

HELPER = "syscaller"
# what the helper does after its go line: the read that returns it, its calls, its "done"
CALLS = {"read": 1, "getppid": 1000, "chdir": 7, "dup": 5, "nanosleep": 3, "write": 1}


def start_helper(argv):
    """A test helper that prints "ready PID" and waits for a line on stdin
    (syscaller, dozer...): the process and its pid."""
    proc = pk.Proc(argv, stdin=subprocess.PIPE)
    pid = int(proc.wait_for(lambda l: l.startswith("ready "), what="ready line").split()[1])
    return proc, pid


def go_and_done(proc):
    """The helper's go line, then its "done" once its calls are made."""
    proc.p.stdin.write(b"go\n")
    proc.p.stdin.flush()
    proc.wait_for(lambda l: l == "done", what="done line")


def start_workload(argv=None):
    return start_helper(argv or [pk.helper_path(HELPER)])


def finish_workload(proc):
    go_and_done(proc)


def end_workload(proc):
    proc.p.stdin.close()
    assert proc.wait() == 0, proc.err


def text_rows(lines, header="SYSCALL"):
    """{name: [numbers...]} of the table under the header line."""
    rows, seen = {}, False
    for line in lines:
        if line.startswith(header):
            seen = True
        elif seen and line.split():
            words = line.split()
            rows[words[0]] = [float(w) for w in words[1:]]
    assert seen, lines
    return rows


def counts(lines):
    return {name: int(v[0]) for name, v in text_rows(lines).items()}


@pk.timeout(90)
def test_exact_counts_each_mode():
    """Six ways of counting one run of the workload, each exact."""
    pk.need_bpf()
    proc, pid = start_workload()
    p = str(pid)
    tools = {
        "all": pk.start_tool("syscount", "-p", p, "-T", "0", "-v", ready="verbose"),
        "failed": pk.start_tool("syscount", "-p", p, "-x", "-v", ready="verbose"),
        "ebadf": pk.start_tool("syscount", "-p", p, "-e", "EBADF", "-v", ready="verbose"),
        "latency": pk.start_tool("syscount", "-p", p, "-L", "-T", "0", "-v",
                                 ready="verbose"),
        "process": pk.start_tool("syscount", "-p", p, "-P", "--json", "-v",
                                 ready="verbose"),
        "only": pk.start_tool("syscount", "-p", p, "--syscall", "getppid", "--json", "-v",
                              ready="verbose"),
    }
    held = pk.bpf_objects(tools["all"].pid)
    finish_workload(proc)
    for t in tools.values():
        assert t.stop() == 0, t.err
    end_workload(proc)

    assert counts(tools["all"].out) == CALLS, tools["all"].out
    assert counts(tools["failed"].out) == {"chdir": 7, "dup": 5}, tools["failed"].out
    assert counts(tools["ebadf"].out) == {"dup": 5}, tools["ebadf"].out
    # -L: a read that began before the tool did has no start time, so it is not counted
    lat = text_rows(tools["latency"].out)
    assert {k: int(v[0]) for k, v in lat.items()} == \
        {k: v for k, v in CALLS.items() if k != "read"}, lat
    # three sleeps of 20 ms: no less (under QEMU's emulation, much more)
    assert lat["nanosleep"][1] >= 60000, lat
    assert lat["getppid"][1] < lat["nanosleep"][1], lat
    rows = pk.json_lines(tools["process"].out)
    assert rows == [{"pid": pid, "comm": HELPER, "count": sum(CALLS.values())}], rows
    only = pk.json_lines(tools["only"].out)
    # the syscall number, and its name beside it as the text table shows it
    assert len(only) == 1 and only[0]["count"] == 1000, only
    assert only[0]["named"] == {"nr": "getppid"}, only
    # the mechanism is said: the raw syscall tracepoints, or their classic form
    assert any("group exit: chose exit__" in l for l in tools["all"].err), tools["all"].err
    # the syscalls' entries carry a program only for -L (PK_PROGS_WHEN): without it
    # no program runs on every syscall's entry, and the counts above are whole
    assert not any("group enter:" in l for l in tools["all"].err), tools["all"].err
    assert any("group enter: chose enter__" in l for l in tools["latency"].err), \
        tools["latency"].err
    pk.assert_released(held)


def test_strace_c_agrees():
    strace = pk.need_host_tool("strace")
    pk.need_bpf()
    d = pk.tempdir("pk-syscount-")
    out = os.path.join(d, "strace.txt")
    proc, pid = start_workload([strace, "-c", "-o", out, pk.helper_path(HELPER)])
    tool = pk.start_tool("syscount", "-p", str(pid), "-T", "0", "-v", ready="verbose")
    finish_workload(proc)
    assert tool.stop() == 0, tool.err
    end_workload(proc)
    with open(out) as f:
        table = f.read().splitlines()
    # strace -c: % time, seconds, usecs/call, calls, [errors], syscall
    theirs = {}
    for line in table:
        w = line.split()
        if len(w) >= 5 and w[-1].isidentifier() and w[3].isdigit():
            theirs[w[-1]] = (int(w[3]), int(w[4]) if len(w) == 6 else 0)
    ours = counts(tool.out)
    # the calls the loader never makes: all of strace's are after the go line
    for name in ("getppid", "chdir", "dup", "nanosleep"):
        assert ours[name] == theirs[name][0], (name, ours, theirs)
    assert theirs["chdir"][1] == 7 and theirs["dup"][1] == 5, theirs


def test_command_and_its_end():
    """-c: the command's calls only, and the tool ends with it."""
    pk.need_bpf()
    r = pk.run([pk.tool_path("syscount"), "-c", f"{pk.helper_path(HELPER)} now",
                "--syscall", "getppid"])
    assert r.returncode == 0, r.stderr
    assert counts(r.stdout.splitlines()) == {"getppid": 1000}, r.stdout


def test_bad_names_are_usage_errors():
    for args, what in ((["-e", "EFOO"], "errno"), (["--syscall", "nosuchcall"], "syscall")):
        r = pk.run([pk.tool_path("syscount"), *args])
        assert r.returncode == 2, r.stderr
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and what in lines[0] and args[1] in lines[0], r.stderr


UNISTD = "/usr/include/x86_64-linux-gnu/asm/unistd_64.h"


def test_list_prints_the_names_as_bcc_and_exits():
    """bcc's syscount -l: the names sorted, four a line, each "%-22s" and
    joined by three blanks; exit 0 with nothing loaded. The names are the
    system's <asm/unistd_64.h> ones where it is installed (the numbers
    too, under --json); the kernel lane's guests have no headers: there,
    the layout and a few names every x86-64 kernel has."""
    import itertools
    r = pk.run([pk.tool_path("syscount"), "-l"])
    assert r.returncode == 0 and r.stderr == "", r.stderr
    names = [n for line in r.stdout.splitlines() for n in line.split()]
    assert names == sorted(names) and len(set(names)) == len(names), r.stdout
    assert {"read", "write", "getppid", "exit_group", "clone3"} <= set(names), names
    table = {}
    if os.uname().machine == "x86_64" and os.path.exists(UNISTD):
        with open(UNISTD) as f:
            for m in re.finditer(r"^#define __NR_(\w+) (\d+)$", f.read(), re.M):
                table[m[1]] = int(m[2])
        assert names == sorted(table), set(names) ^ set(table)
    # bcc's own lines, from its formula
    want = ["   ".join("%-22s" % s for s in grp if s is not None)
            for grp in itertools.zip_longest(*(iter(names),) * 4)]
    assert r.stdout.splitlines() == want, r.stdout
    r = pk.run([pk.tool_path("syscount"), "-l", "--json"])
    assert r.returncode == 0, r.stderr
    objs = pk.json_lines(r.stdout.splitlines())
    assert [o["syscall"] for o in objs] == names, r.stdout
    if table:
        assert all(o["nr"] == table[o["syscall"]] for o in objs), objs
