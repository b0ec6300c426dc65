"""statsnoop: the stat family from a child with a known pid, with the right
path, syscall and errno, in JSON and in bcc's columns."""
import os
import subprocess
import tempfile

import pk


def _child(*calls):
    child = pk.Proc([pk.helper_path("statter"), *calls], stdin=subprocess.PIPE)
    child.wait_for(lambda l: l.startswith("ready"), what="ready line")
    return child


def _go(child, n):
    child.p.stdin.write(b"go\n")
    child.p.stdin.flush()
    child.wait_for(lambda l: False if len(child.out) < n + 1 else True, what="results")
    assert child.wait() == 0
    return [tuple(int(x) for x in l.split()) for l in child.out[1:n + 1]]


def _mechanisms():
    """The ways statsnoop can hook syscalls on this kernel."""
    r = pk.run([pk.tool_path("probekit"), "features", "--json"])
    feats = {o["feature"]: o["available"] for o in pk.json_lines(r.stdout.splitlines())}
    return [m for m, f in (("fentry", "kfunc"), ("kprobe", "kprobe"), ("raw_tp", "raw_tp"),
                           ("tracepoint", "tracepoint")) if feats.get(f)]


def test_json_sees_each_stat_syscall():
    pk.need_bpf()
    for mech in _mechanisms():
        _json_sees_each_stat_syscall(mech)


def _json_sees_each_stat_syscall(mech):
    with tempfile.TemporaryDirectory(prefix="pk-statsnoop-") as d:
        there = os.path.join(d, "there")
        open(there, "w").close()
        missing = os.path.join(d, "missing")
        calls = [f"stat:{there}", f"stat:{missing}", f"lstat:{there}", f"lstat:{missing}",
                 f"statx:{there}", f"statx:{missing}", f"fstatat:{there}",
                 f"fstatat:{missing}", f"statfs:{d}"]
        child = _child(*calls)
        tool = pk.start_tool("statsnoop", "--json", "-v", "--mechanism", mech, "-p",
                             str(child.pid), ready="verbose")
        if mech == "kprobe":  # attached after the 'using' line
            tool.wait_for(lambda l: "kprobes attached" in l, stream="err", what="kprobes")
        held = pk.bpf_objects(tool.pid)
        results = _go(child, len(calls))
        # stat and lstat are newstat and newlstat on x86_64; others keep their names
        names = {"stat": {"stat", "newstat"}, "lstat": {"lstat", "newlstat"},
                 "statx": {"statx"}, "fstatat": {"newfstatat", "fstatat64"},
                 "statfs": {"statfs"}}
        for call, (ret, err) in zip(calls, results):
            kind, path = call.split(":", 1)
            line = tool.wait_for(
                lambda l: f'"path":"{path}"' in l and
                any(f'"syscall":"{n}"' in l for n in names[kind]),
                what=f"{mech} event for {call}")
            ev = pk.json_lines([line])[0]
            assert ev["pid"] == child.pid and ev["tid"] == child.pid, ev
            assert ev["comm"] == "statter", ev
            assert ev["err"] == err, (call, ev, err)
            assert ev["fd"] == (ret if ret >= 0 else -1), (call, ev)
            assert (err == 0) == (path != missing), (call, err)
            if path == missing:
                assert ev["err"] == 2, ev
        assert tool.stop() == 0, tool.err
        # -p: nothing from other processes
        assert all(e["pid"] == child.pid for e in pk.json_lines(tool.out))
        pk.assert_released(held)


def test_columns_timestamp_failed_only_syscall_name():
    pk.need_bpf()
    with tempfile.TemporaryDirectory(prefix="pk-statsnoop-") as d:
        there = os.path.join(d, "there")
        open(there, "w").close()
        missing = os.path.join(d, "missing")
        child = _child(f"statx:{there}", f"statx:{missing}")
        tool = pk.start_tool("statsnoop", "-t", "-x", "-s", "-p", str(child.pid))
        header = tool.out[0].split()
        assert header == ["TIME(s)", "PID", "COMM", "FD", "ERR", "SYSCALL", "PATH"], header
        _go(child, 2)
        line = tool.wait_for(lambda l: l.endswith(missing), what="failed statx line")
        fields = line.split()
        float(fields[0])
        assert fields[1:] == [str(child.pid), "statter", "-1", "2", "statx", missing], fields
        assert tool.stop() == 0
        # -x: the successful call is not shown
        assert not any(l.endswith(there) for l in tool.out), tool.out


def test_usage_errors():
    r = pk.run([pk.tool_path("statsnoop"), "-p", "0"])
    assert r.returncode == 2 and "invalid PID" in r.stderr, r
    r = pk.run([pk.tool_path("statsnoop"), "-q"])
    assert r.returncode == 2, r
    r = pk.run([pk.tool_path("statsnoop"), "--help"])
    assert r.returncode == 0 and "-s, --sysname" in r.stdout, r.stdout
