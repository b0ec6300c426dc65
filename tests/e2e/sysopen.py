"""The tests/helpers/sysopen child: opens and stats done with syscall(2),
fed as action lines, and a tool (opensnoop or statsnoop) tracing it.
Shared by test_opensnoop.py, test_statsnoop.py and test_differential_syscalls.py."""
import os
import subprocess

import pk

# x86_64 <fcntl.h>
O_RDONLY, O_WRONLY, O_RDWR, O_CREAT, O_EXCL, O_TRUNC = 0, 0o1, 0o2, 0o100, 0o200, 0o1000
O_APPEND, O_NONBLOCK, O_DIRECTORY, O_NOFOLLOW, O_CLOEXEC = 0o2000, 0o4000, 0o200000, \
    0o400000, 0o2000000
O_PATH, O_TMPFILE = 0o10000000, 0o20200000
AT_FDCWD = -100
AT_SYMLINK_NOFOLLOW = 0x100


def hexpath(path):
    return os.fsencode(path).hex() or "-"


def act(op, *args):
    """One action line: the last argument is a path (str or bytes)."""
    *nums, path = args
    return " ".join([op, *map(str, nums), hexpath(path)])


def mechanisms(tool):
    """The mechanisms the kernel has for the tool, best first."""
    import test_mechanisms as tm
    have = [m for m in tm.MECHS if tm.available(m)]
    return have


class Child:
    def __init__(self, argv_prefix=(), cwd=None):
        argv = [*argv_prefix, pk.helper_path("sysopen")]
        self.proc = pk.Proc(argv, stdin=subprocess.PIPE,
                            preexec_fn=(lambda: os.chdir(cwd)) if cwd else None)
        line = self.proc.wait_for(lambda l: l.startswith("ready"), what="ready line")
        self.pid = int(line.split()[1])

    def run(self, actions):
        data = "".join(a + "\n" for a in actions).encode()
        self.proc.p.stdin.write(data)
        self.proc.p.stdin.close()
        assert self.proc.wait(30) == 0, self.proc.err
        res = [tuple(map(int, l.split())) for l in self.proc.out
               if not l.startswith("ready") and l.strip() and l.split()[0].lstrip("-").isdigit()]
        assert len(res) == len(actions), (len(res), len(actions), self.proc.out[-5:])
        return res


def trace(tool, actions, sentinel, *args, mech=None, prefix=(), cwd=None, json=True):
    """Runs the child doing @actions then @sentinel (an action whose event has
    a path ending in the sentinel's name) while @tool -p CHILD traces it,
    with --json unless @json is false. Returns (child, results, events
    before the sentinel's, tool): JSON objects, or text lines after the
    header."""
    child = Child(prefix, cwd)
    targv = (["--json"] if json else []) + ["-v", "-p", str(child.pid), *args]
    if mech:
        targv += ["--mechanism", mech]
    t = pk.start_tool(tool, *targv, ready="verbose")
    held = pk.bpf_objects(t.pid)
    results = child.run(list(actions) + [sentinel])
    mark = os.fsdecode(bytes.fromhex(sentinel.split()[-1]))
    t.wait_for(lambda l: mark in l, what=f"the sentinel event ({mark})")
    assert t.stop() == 0, t.err
    pk.assert_released(held, f" by {tool}")
    used = next((l.split()[2] for l in t.err if l.startswith(f"{tool}: using ")), None)
    if mech:
        assert used == mech, (used, mech, t.err[-3:])
    if not json:
        lines = t.out[1:]
        while lines and mark not in lines[-1]:
            lines.pop()
        return child, results[:-1], lines[:-1], t
    events = [e for e in pk.json_lines(t.out) if e["pid"] == child.pid]
    while events and mark not in events[-1]["path"]:
        events.pop()
    return child, results[:-1], events[:-1], t
