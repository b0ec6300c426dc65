"""bcc's positional arguments: `TOOL [interval [count]]` (PK_TOOL_INTERVAL_COUNT)
and `TOOL [duration]` (PK_TOOL_DURATION_ARG). `TOOL 1 2` prints exactly twice,
a second apart, and exits 0 by itself; `profile 1` ends after a second; -i and
-d win over the arguments; a bad argument is a one-line usage error (exit 2).
The prints are counted by their interval header (bcc's HH:MM:SS line under
-T, our [HH:MM:SS] line, or a table's header or time-stamped row); times are taken from the tool's "using"
line (-v, once attached) to its exit, so a slow load does not count."""
import os
import re
import time

import pk

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STAMP = re.compile(r"^\[\d\d:\d\d:\d\d\]$")
# PK_TOOL_STAMPED: bcc's print("%-8s\n" % strftime("%H:%M:%S")) under -T
BCC_STAMP = re.compile(r"^\d\d:\d\d:\d\d$")
HIST_HEADER = "     usecs               : count     distribution"
VFSSTAT_ROW = re.compile(r"^\d\d:\d\d:\d\d:\s")
TOP_HEADER = re.compile(r"^[PT]ID\s+COMM\s")

# the tools that take [interval [count]], and what starts each of their prints;
# those with a pid filter trace a sleeping process, so that no print is big
INTERVAL_TOOLS = [
    ("runqlat", ["-T", "-p", "SLEEPER"], BCC_STAMP),
    ("cpudist", ["-T", "-p", "SLEEPER"], BCC_STAMP),
    ("runqlen", [], STAMP),
    ("biolatency", ["-T"], BCC_STAMP),
    ("hardirqs", ["-T"], BCC_STAMP),
    ("softirqs", ["-T"], BCC_STAMP),
    ("tcptop", ["-p", "SLEEPER"], STAMP),
    ("memleak", ["-z", "1000000000"], STAMP),
    ("vfsstat", ["-p", "SLEEPER"], VFSSTAT_ROW),
    ("biotop", ["-p", "SLEEPER"], TOP_HEADER),
    ("filetop", ["-p", "SLEEPER"], TOP_HEADER),
]
DURATION_TOOLS = ["profile", "offcputime", "wakeuptime"]


def sleeper():
    return pk.Proc(["sleep", "300"])


def timed(name, *args, held=None):
    """Runs build/NAME ARGS -v until it exits by itself: its exit status, its
    stdout lines, and the seconds from attached (its "using" line) to exit.
    @held, a set, gets the BPF objects the tool held once attached."""
    tool = pk.start_tool(name, *args, "-v", ready="verbose", timeout=30)
    attached = time.monotonic()
    if held is not None:
        held |= pk.bpf_objects(tool.pid)
    rc = tool.wait(30)
    return rc, tool.out, time.monotonic() - attached


def with_pid(args, pid):
    return [str(pid) if a == "SLEEPER" else a for a in args]


@pk.timeout(240)
def test_interval_and_count_print_count_times_then_exit():
    """`TOOL 1 2`: two prints, the second about 2 s after the tool attached,
    and exit 0 without a signal; nothing more is printed at the end. (The
    lower bound leaves room for the test's own lag in reading the "using"
    line.)"""
    pk.need_bpf()
    pid = sleeper().pid
    for name, args, header in INTERVAL_TOOLS:
        rc, out, took = timed(name, *with_pid(args, pid), "1", "2")
        assert rc == 0, (name, rc, out)
        assert sum(bool(header.match(l)) for l in out) == 2, (name, out)
        # (memleak's end took 3.08 s on a machine loaded by a CI run)
        assert 1.5 < took < 5 * pk.TIMEOUT_SCALE, (name, took)


def test_json_prints_count_times():
    """The same under --json: one {"time": ...} object per print; the tool
    that stopped itself detached everything."""
    pk.need_bpf()
    held = set()
    rc, out, _ = timed("runqlat", "--json", "1", "2", held=held)
    assert rc == 0, out
    assert sum("time" in o for o in pk.json_lines(out)) == 2, out
    pk.assert_released(held)


def test_without_arguments_the_default_interval():
    """PK_TOOL_INTERVAL_COUNT(0) (runqlat): no interval unless given, one
    print at the end without a time line; PK_TOOL_INTERVAL_COUNT(1)
    (vfsstat): every second, and the part interval at the end."""
    pk.need_bpf()
    rc, out, _ = timed("runqlat", "-d", "1")
    assert rc == 0, out
    # bcc's print() before the histogram, no time line without -T, no title
    assert not any(STAMP.match(l) or BCC_STAMP.match(l) for l in out), out
    assert out[1:3] == ["", HIST_HEADER] and out.count(HIST_HEADER) == 1, out
    pid = sleeper().pid
    rc, out, _ = timed("vfsstat", "-p", str(pid), "-d", "1.5")
    assert rc == 0, out
    assert sum(bool(VFSSTAT_ROW.match(l)) for l in out) == 2, out


def test_interval_option_wins_over_the_argument():
    """-i 0.5 takes the place of the interval 60; the count 2 stands (the
    argument's interval would take two minutes)."""
    pk.need_bpf()
    pid = sleeper().pid
    rc, out, took = timed("runqlat", "-T", "-p", str(pid), "-i", "0.5", "60", "2")
    assert rc == 0, out
    assert sum(bool(BCC_STAMP.match(l)) for l in out) == 2, out
    assert 0.5 < took < 4 * pk.TIMEOUT_SCALE, took


def test_duration_argument_ends_the_run():
    """`profile 1`, `offcputime 1`, `wakeuptime 1` end by themselves after a
    second, with status 0."""
    pk.need_bpf()
    for name in DURATION_TOOLS:
        rc, out, took = timed(name, "1")
        assert rc == 0, (name, rc, out)
        assert 0.7 < took < 2.5 * pk.TIMEOUT_SCALE, (name, took)


def test_duration_option_wins_over_the_argument():
    """-d 0.5 (profile: --duration 0.5, its -d being bcc's --delimited)
    takes the place of the argument 600."""
    pk.need_bpf()
    for name in DURATION_TOOLS:
        opt = "--duration" if name == "profile" else "-d"
        rc, out, took = timed(name, opt, "0.5", "600")
        assert rc == 0, (name, rc, out)
        assert 0.3 < took < 8 * pk.TIMEOUT_SCALE, (name, took)


BAD = [
    (["runqlat", "0"],
     "runqlat: invalid secs '0' for --interval-secs: give a number from 1 to 86400"),
    (["runqlat", "x"],
     "runqlat: invalid secs 'x' for --interval-secs: interval_secs (__u32): bad value \"x\": "
     "not an integer (decimal or 0x hex)"),
    (["runqlat", "1", "2", "3"], "runqlat: unexpected argument '3'"),
    (["hardirqs", "1", "x"],
     "hardirqs: invalid count 'x' for --interval-count: interval_count (__u32): bad value "
     "\"x\": not an integer (decimal or 0x hex)"),
    (["vfsstat", "86401"],
     "vfsstat: invalid secs '86401' for --interval-secs: give a number from 1 to 86400"),
    (["profile", "0"],
     "profile: invalid secs '0' for --duration-secs: give a number from 1 to 99999999"),
    (["offcputime", "1", "2"], "offcputime: unexpected argument '2'"),
]


def test_bad_arguments_are_usage_errors():
    """A bad value, or an argument too many: one line on stderr, exit 2,
    nothing on stdout, before anything loads."""
    for argv, want in BAD:
        r = pk.run([pk.tool_path(argv[0]), *argv[1:]])
        assert (r.returncode, r.stdout, r.stderr) == (2, "", want + "\n"), (argv, r)


def test_usage_line_shows_the_arguments():
    """--help's first line names a file's positional arguments, optional
    ones in brackets, each nesting the next; a needed target bare."""
    want = {
        "runqlat": "[OPTIONS] [SECS [COUNT]]",
        "hardirqs": "[OPTIONS] [SECS [COUNT]]",
        "vfsstat": "[OPTIONS] [SECS [COUNT]]",
        "cachestat": "[OPTIONS] [SECS [COUNT]]",
        "profile": "[OPTIONS] [SECS]",
        "wakeuptime": "[OPTIONS] [SECS]",
        "ext4slower": "[OPTIONS] [MS]",
        "funccount": "[OPTIONS] PATTERN",
        "execsnoop": "[OPTIONS]",
    }
    for name, usage in want.items():
        r = pk.run([pk.tool_path(name), "--help"])
        assert r.returncode == 0, r
        assert r.stdout.splitlines()[0] == f"Usage: {name} {usage}", (name, r.stdout[:200])


def test_man_synopsis_has_the_arguments():
    """man/TOOL.8's synopsis ends with bcc's arguments, as bcc's page has them."""
    if not os.path.isdir(os.path.join(ROOT, "man")):
        raise pk.Skip("no man/ here (the kernel lane's guests carry no source tree)")
    want = {name: r"[\fIinterval\fR [\fIcount\fR]]" for name, _, _ in INTERVAL_TOOLS}
    want.update({"hardirqs": r"[\fIinterval\fR [\fIoutputs\fR]]", "biopattern":
                 r"[\fIinterval\fR [\fIcount\fR]]", "cachestat": r"[\fIinterval\fR [\fIcount\fR]]"})
    want.update({name: r"[\fIduration\fR]" for name in DURATION_TOOLS})
    for name, args in want.items():
        with open(os.path.join(ROOT, "man", f"{name}.8")) as f:
            synopsis = f.read().split(".SH SYNOPSIS\n", 1)[1].split("\n.SH ", 1)[0]
        assert synopsis.endswith(args), (name, synopsis)
