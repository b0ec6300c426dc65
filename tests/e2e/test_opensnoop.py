"""opensnoop against the real kernel: a child with a known pid opens
paths, and the tool must report them with the right fields."""
import os
import re
import signal
import subprocess
import time

import pk

LINE = re.compile(r"^(\d+)\s+(\S+)\s+(-?\d+)\s+(\d+) (.*)$")


class Opener:
    """The tests/helpers/opener child: it waits for 'go', then opens."""

    def __init__(self, *paths, user=None):
        argv = [pk.helper_path("opener"), *paths]
        if user is not None:
            argv = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", *argv]
        self.proc = pk.Proc(argv, stdin=subprocess.PIPE)
        self.proc.wait_for(lambda l: l.startswith("ready"), what="ready line")
        self.pid = int(self.proc.out[0].split()[1])

    def go(self):
        self.proc.p.stdin.write(b"go\n")
        self.proc.p.stdin.flush()
        assert self.proc.wait() == 0
        return [tuple(map(int, l.split())) for l in self.proc.out[1:]]


def workdir():
    d = pk.tempdir("pk-opensnoop-")
    exists = os.path.join(d, "exists.txt")
    with open(exists, "w") as f:
        f.write("x")
    weird = os.path.join(d, "nl\nesc\x1b[31m")
    with open(weird, "w") as f:
        f.write("x")
    return d, exists, os.path.join(d, "missing.txt"), weird


def escaped(path):
    return path.replace("\\", "\\\\").replace("\n", "\\n").replace("\x1b", "\\e")


def parse(lines):
    return [LINE.match(l).groups() for l in lines[1:] if LINE.match(l)]


def wait_path(tool, path, **kw):
    return tool.wait_for(lambda l: l.endswith(" " + escaped(path)), what=f"line for {path!r}",
                         **kw)


def test_fields_of_a_known_child():
    pk.need_bpf()
    d, exists, missing, weird = workdir()
    child = Opener(exists, missing, "at:" + weird)
    tool = pk.start_tool("opensnoop", "-p", str(child.pid))
    assert tool.out[0].split() == ["PID", "COMM", "FD", "ERR", "PATH"]
    results = child.go()
    for path, (fd, err) in zip((exists, missing, weird), results):
        line = wait_path(tool, path)
        pid, comm, got_fd, got_err, got_path = LINE.match(line).groups()
        assert int(pid) == child.pid, line
        assert comm == "opener", line
        assert int(got_fd) == fd and int(got_err) == err, (line, fd, err)
        assert got_path == escaped(path)
    assert results[1] == (-1, 2)
    assert "\x1b" not in "".join(tool.out), "raw ESC reached the terminal"
    assert all(int(p) == child.pid for p, *_ in parse(tool.out)), tool.out
    assert tool.stop() == 0


def test_json_lines_parse_and_round_trip():
    pk.need_bpf()
    d, exists, missing, weird = workdir()
    child = Opener(exists, missing, weird)
    tool = pk.start_tool("opensnoop", "--json", "-v", "-p", str(child.pid), ready="verbose")
    child.go()
    tool.wait_for(lambda l: "missing.txt" in l, what="JSON line for the missing path")
    tool.wait_for(lambda l: "nl\\nesc" in l, what="JSON line for the odd path")
    assert tool.stop() == 0
    events = pk.json_lines(tool.out)
    by_path = {e["path"]: e for e in events}
    assert by_path[exists]["fd"] >= 0 and by_path[exists]["err"] == 0
    assert by_path[missing]["fd"] == -1 and by_path[missing]["err"] == 2
    assert weird in by_path, "the path with a newline and ESC did not round-trip"
    for e in events:
        assert e["pid"] == child.pid and e["comm"] == "opener"
        assert set(e) >= {"time", "pid", "tid", "uid", "comm", "fd", "err", "flags", "mode",
                          "path"}


def test_failed_only():
    pk.need_bpf()
    d, exists, missing, _ = workdir()
    child = Opener(exists, missing)
    tool = pk.start_tool("opensnoop", "-x", "-p", str(child.pid))
    child.go()
    wait_path(tool, missing)
    assert not any(l.endswith(exists) for l in tool.out), tool.out
    assert tool.stop() == 0


def test_name_filter_in_user_space():
    pk.need_bpf()
    d, exists, missing, _ = workdir()
    child = Opener(exists)
    tool = pk.start_tool("opensnoop", "-n", "pene")
    child.go()
    wait_path(tool, exists)
    assert all(c.find("pene") >= 0 for _, c, *_ in parse(tool.out)), tool.out
    assert tool.stop() == 0
    # a name nobody has: nothing, and the tool keeps running until -d ends it
    child = Opener(exists)
    tool = pk.start_tool("opensnoop", "-n", "no-such-comm-xyz", "-d", "2")
    child.go()
    assert tool.wait(15) == 0
    assert tool.out[1:] == [], tool.out


def test_uid_filter_and_uid_column():
    pk.need_bpf()
    root_child = Opener("/etc/hostname")
    nobody_child = Opener("/etc/hostname", "/nonexistent-pk", user=65534)
    tool = pk.start_tool("opensnoop", "-U", "-u", "65534", "-n", "opener")
    assert tool.out[0].split()[:2] == ["UID", "PID"]
    root_child.go()
    nobody_child.go()
    line = tool.wait_for(lambda l: l.endswith("/nonexistent-pk"), what="nobody's open")
    uid, pid = line.split()[:2]
    assert (int(uid), int(pid)) == (65534, nobody_child.pid), line
    assert not any(l.split()[1] == str(root_child.pid) for l in tool.out[1:]), tool.out
    assert tool.stop() == 0


def test_flag_filter_and_extended_columns():
    pk.need_bpf()
    d, exists, _, _ = workdir()
    written = os.path.join(d, "written.txt")
    child = Opener(exists, "w:" + written)
    tool = pk.start_tool("opensnoop", "-e", "-f", "O_WRONLY", "-p", str(child.pid))
    assert tool.out[0].split() == ["PID", "COMM", "FD", "ERR", "FLAGS", "MODE", "PATH"]
    child.go()
    line = wait_path(tool, written)
    flags, mode = line.split()[4:6]
    assert int(flags, 8) & os.O_WRONLY and int(flags, 8) & os.O_CREAT, line
    assert mode == "0640", line
    assert not any(l.endswith(exists) for l in tool.out), tool.out
    assert tool.stop() == 0


def test_tid_filter_and_timestamp():
    pk.need_bpf()
    d, exists, _, _ = workdir()
    child = Opener(exists)
    tool = pk.start_tool("opensnoop", "-T", "-t", str(child.pid))
    assert tool.out[0].split()[:2] == ["TIME(s)", "TID"]
    child.go()
    line = wait_path(tool, exists)
    ts, tid = line.split()[:2]
    assert float(ts) >= 0 and int(tid) == child.pid, line
    assert tool.stop() == 0


def test_perf_buffer_path():
    pk.need_bpf()
    d, exists, missing, _ = workdir()
    child = Opener(exists, missing)
    tool = pk.start_tool("opensnoop", "--perf-buffer", "-v", "-p", str(child.pid))
    child.go()
    wait_path(tool, missing)
    assert any("perf buffer" in l for l in tool.err), tool.err
    assert tool.stop() == 0


def test_detaches_on_sigint_sigterm_and_duration():
    pk.need_bpf()
    for how in ("SIGINT", "SIGTERM", "duration"):
        args = ["-d", "1"] if how == "duration" else []
        tool = pk.start_tool("opensnoop", *args)
        held = pk.bpf_objects(tool.pid)
        if how == "duration":
            rc = tool.wait(15)
        else:
            rc = tool.stop(getattr(signal, how))
        assert rc == 0, (how, rc, tool.err)
        pk.assert_released(held, f" after {how}")


def bad(*args, user=None):
    argv = [pk.tool_path("opensnoop"), *args]
    if user is not None:
        argv = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", *argv]
    r = pk.run(argv)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("opensnoop: "), r.stderr
    return r.returncode, lines[0]


def test_bad_input_is_one_line_and_nonzero():
    cases = [
        (("-z",), 2, "unknown option '-z'"),
        (("--bogus",), 2, "unknown option '--bogus'"),
        (("-p", "abc"), 2, "invalid PID 'abc'"),
        (("-p", "2147483646"), 2, "no process with PID"),
        (("-d", "-1"), 2, "invalid duration"),
        (("-f", "O_BOGUS"), 2, "unknown open flag 'O_BOGUS'"),
        (("-b", "3"), 2, "power of two"),
        (("--mechanism", "warp"), 2, "unknown mechanism"),
        (("stray",), 2, "unexpected argument"),
        (("-p",), 2, "needs a value"),
    ]
    for args, status, text in cases:
        rc, line = bad(*args)
        assert rc == status and text in line, (args, rc, line)


def test_unprivileged_user_is_refused():
    rc, line = bad(user=65534)
    assert rc == 1 and "needs root" in line, line


def test_unavailable_mechanism_says_why():
    pk.need_bpf()
    r = pk.run([pk.tool_path("probekit"), "features", "--json"])
    feats = {o["feature"]: o for o in pk.json_lines(r.stdout.splitlines())}
    for mech, feat in (("fentry", "kfunc"), ("kprobe", "kprobe")):
        if feats[feat]["available"]:
            continue
        rc, line = bad("--mechanism", mech, "-d", "1")
        assert rc == 1, line
        assert line.startswith(f"opensnoop: cannot attach: {mech}: "), line
        assert feats[feat]["reason"] in line, line


def test_truncated_path_is_marked():
    pk.need_bpf()
    long_path = "/tmp/" + "d" * 200 + "/" + "e" * 200 + "/" + "f" * 200
    exact = "/tmp/" + "x" * (511 - 5)  # 511 bytes and its NUL fill the buffer
    child = Opener(long_path, exact)
    tool = pk.start_tool("opensnoop", "-p", str(child.pid))
    child.go()
    cut = tool.wait_for(lambda l: "/tmp/ddd" in l, what="the long path")
    assert cut.endswith("..."), cut
    assert cut.split()[-1] == long_path[:511] + "...", cut
    fits = tool.wait_for(lambda l: "/tmp/xxx" in l, what="the exact fit")
    assert fits.split()[-1] == exact, "an exact fit must not be marked as cut"
    assert tool.stop() == 0
    child2 = Opener(long_path)
    tool2 = pk.start_tool("opensnoop", "--json", "-v", "-p", str(child2.pid), ready="verbose")
    child2.go()
    line = tool2.wait_for(lambda l: "ddd" in l, what="JSON line of the long path")
    events = pk.json_lines([line])
    assert events[0]["truncated"] is True and events[0]["path"] == long_path[:511]
    assert tool2.stop() == 0


# Issue 15's defects, on every mechanism the kernel has ------------------------
import shutil  # noqa: E402

import sysopen as so  # noqa: E402


def _tmp():
    d = pk.tempdir("pk-opensnoop-")
    with open(os.path.join(d, "exists"), "w") as f:
        f.write("x")
    return d


def _each_mechanism(fn):
    for mech in so.mechanisms("opensnoop"):
        try:
            fn(mech)
        except AssertionError as e:
            raise AssertionError(f"--mechanism {mech}: {e}") from e


def test_creat_is_an_open_on_every_mechanism():
    """creat(2) (called as the syscall, not through libc) is reported as an
    open with O_CREAT|O_WRONLY|O_TRUNC and its mode, in JSON and with -e."""
    pk.need_bpf()
    d = _tmp()
    path = os.path.join(d, "made-by-creat")

    def check(mech):
        child, res, evs, _ = so.trace("opensnoop", [so.act("creat", "0640", path)],
                                      so.act("open", 0, 0, d + "/exists"), mech=mech)
        assert res[0][0] >= 0, res
        assert len(evs) == 1, evs
        e = evs[0]
        assert (e["path"], e["fd"], e["err"]) == (path, res[0][0], 0), e
        assert e["flags"] == so.O_CREAT | so.O_WRONLY | so.O_TRUNC and e["mode"] == 0o640, e
        os.unlink(path)
        _, _, lines, _ = so.trace("opensnoop", [so.act("creat", "0600", path)],
                                  so.act("open", 0, 0, d + "/exists"), "-e", mech=mech,
                                  json=False)
        assert len(lines) == 1 and lines[0].split()[4:7] == ["00001101", "0600", path], lines
        os.unlink(path)
    _each_mechanism(check)
    shutil.rmtree(d)


def test_openat2_keeps_64_bit_flags():
    """A flag at bit 40 (the kernel refuses it: EINVAL) stays in the event,
    the -e column and JSON, and -f with a number selects by it."""
    pk.need_bpf()
    d = _tmp()
    high = 1 << 40
    acts = [so.act("openat2", so.AT_FDCWD, hex(high | so.O_RDWR), 0, d + "/exists"),
            so.act("open", 0, 0, d + "/exists")]

    def check(mech):
        _, res, evs, _ = so.trace("opensnoop", acts, so.act("open", 0, 0, d + "/sentinel"),
                                  mech=mech)
        assert res[0] == (-1, 22), res
        assert [e["flags"] for e in evs] == [high | so.O_RDWR, 0], evs
        _, _, lines, _ = so.trace("opensnoop", acts,
                                  so.act("openat2", so.AT_FDCWD, hex(high), 0, d + "/sentinel"),
                                  "-e", "-f", hex(high), mech=mech, json=False)
        assert [l.split()[4:] for l in lines] == \
            [[f"{high | so.O_RDWR:08o}", "n/a", d + "/exists"]], lines
    _each_mechanism(check)
    shutil.rmtree(d)


def test_mode_shown_only_when_the_kernel_uses_it():
    """open(path, O_RDONLY, 0644) has no mode (the kernel ignores it): JSON
    mode 0 and -e 'n/a' on every mechanism; with O_CREAT the mode is kept,
    and openat2 with O_TMPFILE has one too."""
    pk.need_bpf()
    d = _tmp()
    acts = [so.act("open", 0, "0644", d + "/exists"),
            so.act("openat", so.AT_FDCWD, so.O_CREAT | so.O_WRONLY, "0604", d + "/new"),
            so.act("openat2", so.AT_FDCWD, so.O_TMPFILE | so.O_RDWR, "0600", d)]

    def check(mech):
        _, res, evs, _ = so.trace("opensnoop", acts, so.act("open", 0, 0, d + "/sentinel"),
                                  mech=mech)
        assert [e["mode"] for e in evs] == [0, 0o604, 0o600], (evs, res)
        _, _, lines, _ = so.trace("opensnoop", acts, so.act("open", 0, 0, d + "/sentinel"),
                                  "-e", mech=mech, json=False)
        assert [l.split()[5] for l in lines] == ["n/a", "0604", "0600"], lines
        os.unlink(d + "/new")
    _each_mechanism(check)
    shutil.rmtree(d)


def test_full_path_is_the_directory_at_the_open():
    """-F: chdir(a); open(x); chdir(b) is a/x, not b/x; a dirfd's path and
    fchdir too; a path through a mount point crosses it; a directory moved
    after the open does not change what was printed."""
    pk.need_bpf()
    d = _tmp()
    for sub in ("a", "b", "c"):
        os.mkdir(os.path.join(d, sub))
    acts = [so.act("chdir", d + "/a"),
            so.act("open", 0, 0, "x"),
            so.act("chdir", d + "/b"),
            so.act("dir", d + "/c"),
            so.act("openat", "@0", 0, 0, "y"),
            so.act("fchdir", "@0", "-"),
            so.act("openat", so.AT_FDCWD, 0, 0, "z"),
            so.act("chdir", "/proc"),
            so.act("open", 0, 0, "self/stat"),
            so.act("chdir", "/"),
            so.act("open", 0, 0, "etc"),
            so.act("open", 0, 0, d + "/abs")]
    want = [d + "/a/x", d + "/c/y", d + "/c/z", "/proc/self/stat", "/etc", d + "/abs"]

    def check(mech):
        _, res, evs, _ = so.trace("opensnoop", acts, so.act("open", 0, 0, d + "/sentinel"),
                                  "-F", mech=mech)
        assert [e["path"] for e in evs if e["path"] != d + "/c"] == want, evs
        _, _, lines, _ = so.trace("opensnoop", acts, so.act("open", 0, 0, d + "/sentinel"),
                                  "-F", mech=mech, json=False)
        assert [l.split()[4] for l in lines if not l.endswith(d + "/c")] == want, lines
    _each_mechanism(check)
    shutil.rmtree(d)
