"""opensnoop and statsnoop against strace (issue 15): one workload of a few
hundred opens and stats, run under `strace -f -xx`, traced at the same
time by both tools (-p its pid); every call strace saw must be an event
with the same pid, comm, fd, errno, flags, mode and path (opensnoop) or
syscall and path (statsnoop), in JSON and in text, on every mechanism the
kernel has. strace is the oracle: it decodes the calls from the syscall
ABI itself, independently of probekit.

Known, deliberate differences: none. Calls strace shows that the tools do
not trace (chdir, fchdir, setresuid, read...) are left out by name.
"""
import errno
import os
import re
import shutil
import signal
import subprocess

import pk
import sysopen as so

OPEN_CALLS = {"open", "openat", "openat2", "creat"}
# strace's names for x86_64's stat calls -> the kernel's, which statsnoop shows
STAT_CALLS = {"stat": "newstat", "lstat": "newlstat", "newfstatat": "newfstatat",
              "statx": "statx", "statfs": "statfs"}
ODD = b"odd\nname\x1b[31m\xff\\end"


def o_flags():
    names = {n: getattr(os, n) for n in dir(os) if n.startswith("O_")}
    names["O_RDONLY"] = 0
    return names


def workload(d):
    """The actions, and the files they need, under the fresh directory @d."""
    os.makedirs(os.path.join(d, "sub", "deeper"))
    os.mkdir(os.path.join(d, "secret"), 0o700)
    for name in ("f0", "f1", "f2", "sub/f3", "secret/hidden", "sub/deeper/f4"):
        with open(os.path.join(d, name), "w") as f:
            f.write("x")
    odd = os.fsencode(d) + b"/" + ODD
    with open(odd, "w") as f:
        f.write("x")
    long_dir = d
    while len(long_dir) < 400:
        long_dir = os.path.join(long_dir, "a-rather-long-directory-name")
    os.makedirs(long_dir)
    long_file = os.path.join(long_dir, "long-file")
    with open(long_file, "w") as f:
        f.write("x")
    os.symlink("f0", os.path.join(d, "link"))
    A = so.act
    acts = [A("open", 0, 0, d + "/begin")]
    flag_sets = [0, so.O_RDWR, so.O_WRONLY | so.O_APPEND, so.O_RDONLY | so.O_CLOEXEC,
                 so.O_RDONLY | so.O_NONBLOCK, so.O_RDONLY | so.O_NOFOLLOW]
    for i in range(30):
        fl = flag_sets[i % len(flag_sets)]
        acts += [A("open", fl, 0, d + "/f0"),
                 A("openat", so.AT_FDCWD, fl, 0, d + "/f1"),
                 A("open", 0, 0, d + f"/missing{i}"),
                 A("openat", so.AT_FDCWD, fl | so.O_CLOEXEC, 0, d + "/sub/f3")]
    for i, mode in enumerate(("0600", "0644", "0755", "0640", "0")):
        acts += [A("creat", mode, d + f"/creat{i}"),
                 A("open", so.O_CREAT | so.O_WRONLY | so.O_EXCL, mode, d + f"/excl{i}"),
                 A("open", so.O_CREAT | so.O_WRONLY | so.O_EXCL, mode, d + f"/excl{i}"),
                 A("openat", so.AT_FDCWD, so.O_CREAT | so.O_RDWR | so.O_TRUNC, mode,
                   d + f"/trunc{i}"),
                 A("openat2", so.AT_FDCWD, so.O_CREAT | so.O_RDWR, mode, d + f"/how{i}"),
                 A("open", 0, mode, d + "/f2")]
    acts += [A("open", so.O_RDONLY | so.O_DIRECTORY, 0, d + "/sub"),
             A("open", so.O_DIRECTORY, 0, d + "/f0"),
             A("open", so.O_WRONLY, 0, d + "/sub"),
             A("openat2", so.AT_FDCWD, so.O_RDONLY, 0, d + "/f0"),
             A("openat2", so.AT_FDCWD, so.O_RDONLY | (1 << 40), 0, d + "/f0"),
             A("openat2", so.AT_FDCWD, so.O_TMPFILE | so.O_RDWR, "0600", d),
             A("openat", so.AT_FDCWD, so.O_NOFOLLOW, 0, d + "/link"),
             A("open", 0, 0, odd), A("open", so.O_RDWR, 0, odd),
             A("open", 0, 0, long_file), A("open", 0, 0, long_file + "-missing"),
             A("open", 0, 0, ""),
             # relative paths: chdir, dirfds, fchdir
             A("chdir", d), A("open", 0, 0, "f0"), A("open", 0, 0, "sub/f3"),
             A("openat", so.AT_FDCWD, 0, 0, "nope"),
             A("chdir", "sub"), A("open", 0, 0, "../f1"), A("open", 0, 0, "deeper/f4"),
             A("dir", d + "/sub/deeper"), A("dir", d),
             A("openat", "@0", 0, 0, "f4"), A("openat", "@1", so.O_RDWR, 0, "f2"),
             A("openat", "@1", 0, 0, "missing"), A("openat2", "@1", 0, 0, "sub/f3"),
             A("openat", 99, 0, 0, "bad-dirfd"),
             A("fchdir", "@0", "-"), A("open", 0, 0, "f4"), A("creat", "0600", "made")]
    for i in range(12):
        acts += [A("stat", d + "/f0"), A("stat", d + f"/nostat{i}"),
                 A("lstat", d + "/link"), A("lstat", d + "/sub"),
                 A("newfstatat", so.AT_FDCWD, 0, d + "/f1"),
                 A("newfstatat", so.AT_FDCWD, so.AT_SYMLINK_NOFOLLOW, d + "/link"),
                 A("statx", so.AT_FDCWD, 0, d + "/sub/f3"),
                 A("statx", so.AT_FDCWD, 0, d + f"/nostatx{i}"),
                 A("statfs", d), A("statfs", d + "/nofs")]
    acts += [A("chdir", d), A("stat", "f0"), A("lstat", "sub"), A("newfstatat", "@1", 0, "f2"),
             A("statx", "@0", 0, "f4"), A("statfs", "sub"), A("stat", odd),
             A("stat", long_file), A("stat", "")]
    # another user: the secret directory is closed to it
    acts += [A("setuid", 65534, "-"),
             A("open", 0, 0, d + "/secret/hidden"), A("open", 0, 0, d + "/f0"),
             A("creat", "0644", d + "/secret/new"), A("stat", d + "/secret/hidden"),
             A("statx", so.AT_FDCWD, 0, d + "/secret/hidden"), A("open", 0, 0, "secret/hidden")]
    return acts


STRACE_LINE = re.compile(r'^(\d+) +(\w+)\((.*)\) += (-?\d+|\?)(?: (E\w+) .*)?$')
QUOTED = re.compile(r'"((?:\\x[0-9a-f]{2})*)"')


def parse_strace(path):
    """The open and stat calls in strace -f -xx output, as dicts."""
    flags = o_flags()
    calls = []
    with open(path) as f:
        for line in f:
            m = STRACE_LINE.match(line.rstrip("\n"))
            if not m:
                continue
            pid, name, args, ret, err = m.groups()
            if name not in OPEN_CALLS and name not in STAT_CALLS:
                continue
            q = QUOTED.search(args)
            raw = bytes.fromhex(q.group(1).replace("\\x", "")) if q else b""
            c = {"pid": int(pid), "call": name, "path": os.fsdecode(raw),
                 "fd": int(ret) if int(ret) >= 0 else -1,
                 "err": errno.errorcode and getattr(errno, err) if err else 0}
            rest = args[q.end():] if q else args
            if name in OPEN_CALLS:
                mode = 0
                if name == "creat":
                    fl = so.O_CREAT | so.O_WRONLY | so.O_TRUNC
                    mode = int(rest.strip(", "), 8)
                else:
                    fm = re.search(r"(?:flags=)?((?:O_\w+|0x[0-9a-f]+)(?:\|(?:O_\w+|0x[0-9a-f]+))*)",
                                   rest)
                    fl = 0
                    for part in fm.group(1).split("|"):
                        fl |= int(part, 16) if part.startswith("0x") else flags[part]
                    mm = re.search(r"(?:mode=|, )(0[0-7]*)(?:,|$|\})", rest[fm.end():])
                    if mm:
                        mode = int(mm.group(1), 8)
                c.update(flags=fl, mode=mode)
            calls.append(c)
    return calls


def escape_text(s):
    out = []
    for ch in s:
        o = ord(ch)
        if ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\x1b":
            out.append("\\e")
        elif 0xdc80 <= o <= 0xdcff:
            out.append(f"\\x{o - 0xdc00:02x}")
        elif o < 0x20 or o == 0x7f:
            out.append(f"\\x{o:02x}")
        else:
            out.append(ch)
    return "".join(out)


def run_once(mech, json):
    d = pk.tempdir("pk-diff-")
    os.chmod(d, 0o755)
    log = os.path.join(d, "strace.log")
    try:
        acts = workload(d)
        sentinel = [so.act("open", 0, 0, d + "/sentinel-open"),
                    so.act("stat", d + "/sentinel-stat")]
        child = so.Child(["strace", "-f", "-xx", "-qq", "-o", log,
                          "-e", "trace=" + ",".join(sorted(OPEN_CALLS | set(STAT_CALLS)))])
        common = (["--json"] if json else []) + ["-v", "-p", str(child.pid)] + \
            (["--mechanism", mech] if mech else [])
        osnoop = pk.start_tool("opensnoop", *common, *([] if json else ["-e"]), ready="verbose")
        ssnoop = pk.start_tool("statsnoop", *common, *([] if json else ["-s"]), ready="verbose")
        for t, name in ((osnoop, "opensnoop"), (ssnoop, "statsnoop")):
            used = next(l.split()[2] for l in t.err if l.startswith(f"{name}: using "))
            assert used == mech, (name, used, mech)
        results = child.run(acts + sentinel)
        osnoop.wait_for(lambda l: "sentinel-open" in l, what="opensnoop's sentinel")
        ssnoop.wait_for(lambda l: "sentinel-stat" in l, what="statsnoop's sentinel")
        assert osnoop.stop() == 0 and ssnoop.stop() == 0, (osnoop.err, ssnoop.err)
        calls = parse_strace(log)
        begin = next(i for i, c in enumerate(calls) if c["path"] == d + "/begin")
        calls = [c for c in calls[begin:] if "sentinel" not in c["path"]]
        assert all(c["pid"] == child.pid for c in calls), calls[:3]
        opens = [c for c in calls if c["call"] in OPEN_CALLS]
        stats = [c for c in calls if c["call"] in STAT_CALLS]
        assert len(opens) > 150 and len(stats) > 100, (len(opens), len(stats))
        assert any(c["err"] == errno.EACCES for c in opens) and \
            any(c["err"] == errno.EACCES for c in stats), "the workload made no EACCES"
        assert len(results) == len(acts) + 2
        if json:
            compare_json(osnoop, ssnoop, opens, stats, child.pid)
        else:
            compare_text(osnoop, ssnoop, opens, stats, child.pid)
        return len(opens), len(stats)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def _upto_sentinel(items, key):
    out = []
    for it in items:
        if "sentinel" in key(it):
            break
        out.append(it)
    return out


def compare_json(osnoop, ssnoop, opens, stats, pid):
    oev = _upto_sentinel([e for e in pk.json_lines(osnoop.out) if e["pid"] == pid],
                         lambda e: e["path"])
    sev = _upto_sentinel([e for e in pk.json_lines(ssnoop.out) if e["pid"] == pid],
                         lambda e: e["path"])
    got = [(e["pid"], e["comm"], e["fd"], e["err"], e["flags"], e["mode"], e["path"])
           for e in oev]
    want = [(c["pid"], "sysopen", c["fd"], c["err"], c["flags"], c["mode"], c["path"])
            for c in opens]
    assert_same("opensnoop --json", got, want)
    got = [(e["pid"], e["comm"], e["fd"], e["err"], e["syscall"], e["path"]) for e in sev]
    want = [(c["pid"], "sysopen", c["fd"] if c["fd"] < 0 else 0, c["err"],
             STAT_CALLS[c["call"]], c["path"]) for c in stats]
    assert_same("statsnoop --json", got, want)


def compare_text(osnoop, ssnoop, opens, stats, pid):
    # PID COMM FD ERR FLAGS MODE PATH (-e); PID COMM FD ERR SYSCALL PATH (-s)
    olines = _upto_sentinel([l for l in osnoop.out[1:] if l.split()[0] == str(pid)],
                            lambda l: l)
    slines = _upto_sentinel([l for l in ssnoop.out[1:] if l.split()[0] == str(pid)],
                            lambda l: l)
    got = [tuple(l.split(None, 6)) for l in olines]
    want = [(str(c["pid"]), "sysopen", str(c["fd"]), str(c["err"]), f"{c['flags']:08o}",
             f"{c['mode']:04o}" if c["flags"] & (so.O_CREAT | 0o20000000) else "n/a",
             escape_text(c["path"])) for c in opens]
    # an empty path leaves the line ending in the column's separator
    got = [g if len(g) == 7 else g + ("",) for g in got]
    assert_same("opensnoop -e", got, want)
    got = [tuple(l.split(None, 5)) for l in slines]
    got = [g if len(g) == 6 else g + ("",) for g in got]
    want = [(str(c["pid"]), "sysopen", str(c["fd"] if c["fd"] < 0 else 0), str(c["err"]),
             STAT_CALLS[c["call"]], escape_text(c["path"])) for c in stats]
    assert_same("statsnoop -s", got, want)


def assert_same(what, got, want):
    if got == want:
        return
    diffs = [f"  #{i}: tool {g!r}\n       strace {w!r}" for i, (g, w) in
             enumerate(zip(got, want)) if g != w][:6]
    raise AssertionError(f"{what}: {len(got)} events, strace {len(want)} calls; "
                         f"first differences:\n" + "\n".join(diffs))


def _mechs():
    return so.mechanisms("opensnoop")


def test_opensnoop_statsnoop_agree_with_strace_json():
    pk.need_bpf()
    pk.need_host_tool("strace")
    for mech in _mechs():
        run_once(mech, json=True)


def test_opensnoop_statsnoop_agree_with_strace_text():
    pk.need_bpf()
    pk.need_host_tool("strace")
    for mech in _mechs():
        run_once(mech, json=False)
