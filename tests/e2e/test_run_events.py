"""probekit run's event table: records of the PK_EVENT() type, as columns
(text) and as nested JSON, asserted field by field against a child whose
pid, uid, comm and paths the test knows; lost records counted exactly."""
import json
import os
import re
import shlex
import subprocess
import sys

import pk
from test_run import env, prebuilt, run_argv, PROGS, EXAMPLES

UID = 45000 + os.getpid() % 20000
EXISTS = f"/tmp/pk-ev-{os.getpid()}-exists"
ABSENT = f"/tmp/pk-ev-{os.getpid()}-absent"
# control characters and a byte that is not UTF-8: escaped in text, exact in JSON
ODD = f"/tmp/pk-ev-{os.getpid()}-a\x1b[1m\tb\udcffc"
HEADER = "%-14s %7s %7s %7s %-16s %-10s %s" % ("TIME(s)", "PID", "TID", "UID", "COMM", "RET",
                                                "PATH")


def run_opener(*args):
    """probekit run -c 'setpriv ... opener at:PATH...': the opener prints
    "ready PID" and one "fd errno" line per path, on the same stdout."""
    with open(EXISTS, "w"):
        pass
    os.chmod(EXISTS, 0o644)
    command = ["/usr/bin/setpriv", f"--reuid={UID}", f"--regid={UID}", "--clear-groups",
               pk.helper_path("opener")] + [f"at:{p}" for p in (EXISTS, ABSENT, ODD)]
    before = pk.bpf_objects()
    try:
        r = subprocess.run(run_argv(*args, "-c", " ".join(map(shlex.quote, command)),
                                    prebuilt(os.path.join(PROGS, "open_events.bpf.c"))),
                           input=b"go\n", stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           env=env(), timeout=60 * pk.TIMEOUT_SCALE)
    finally:
        os.unlink(EXISTS)
    out = r.stdout.decode("utf-8", "surrogateescape").splitlines()
    assert r.returncode == 0, r.stderr
    assert not re.search(rb"[1-9]\d* events? lost", r.stderr), r.stderr
    ready = [l for l in out if l.startswith("ready ")]
    assert len(ready) == 1, out
    pid = int(ready[0].split()[1])
    # the opener's own report: "fd errno" per path, in order
    results = [tuple(map(int, l.split())) for l in out if re.fullmatch(r"-?\d+ \d+", l)]
    assert len(results) == 3 and results[0][0] >= 3 and results[1] == (-1, 2), out
    pk.assert_none_left(before, "after run -c")
    return pid, results, out


def test_event_table_text_columns():
    pk.need_bpf()
    pid, results, out = run_opener()
    # the header comes first, before the command's output
    assert out[0] == HEADER, out[:2]
    rows = [l for l in out[1:] if l[:1].isdigit() and "/tmp/pk-ev-" in l]
    assert len(rows) == 3, out
    times = []
    odd = ODD.encode("utf-8", "surrogateescape").decode("latin-1")
    for row, path, want in zip(rows, (EXISTS, ABSENT, odd), ("%d" % results[0][0], "-2 ENOENT",
                                                              "-2 ENOENT")):
        t = row.split(" ", 1)[0]
        times.append(float(t))
        shown = path.replace("\x1b", "\\e").replace("\t", "\\t").replace("\xff", "\\xff")
        assert row == "%-14s %7d %7d %7d %-16s %-10s %s" % (t, pid, pid, UID, "opener", want,
                                                           shown), row
        # seconds since the first event, printed as bcc's -T does
        assert re.fullmatch(r"\d+\.\d{9}", t), row
    assert times[0] == 0.0 and times == sorted(times) and times[2] < 5, times


def test_event_table_json_nested_and_exact():
    pk.need_bpf()
    pid, results, out = run_opener("--json")
    events = [json.loads(l) for l in out if l.startswith("{")]
    assert all(set(e) <= {"event", "errno_name"} for e in events), events
    events = [e for e in events if e["event"]["path"].startswith("/tmp/pk-ev-")]
    assert [e["event"]["path"] for e in events] == [EXISTS, ABSENT, ODD], events
    # the path's bytes round-trip exactly (JSON strings with surrogate escapes)
    assert events[2]["event"]["path"].encode("utf-8", "surrogateescape") == \
        ODD.encode("utf-8", "surrogateescape")
    for e, (fd, err) in zip(events, results):
        ev = e["event"]
        assert list(ev) == ["ts_ns", "pid", "tid", "uid", "comm", "ret", "path"], ev
        assert (ev["pid"], ev["tid"], ev["uid"], ev["comm"]) == (pid, pid, UID, "opener"), ev
        assert ev["ret"] == (fd if fd >= 0 else -err), (ev, fd, err)
        # raw values, so that the JSON round-trips; the errno name beside the record
        assert e.get("errno_name") == ({"ret": "ENOENT"} if fd < 0 else None), e
    ts = [e["event"]["ts_ns"] for e in events]
    # bpf_ktime_get_ns(): CLOCK_MONOTONIC, after the test started and in order
    assert ts == sorted(ts) and ts[2] - ts[0] < 5e9, ts


def flood(*args):
    """The flood program on a one-page buffer: run's count of lost records
    and the records it printed add up to exactly what the child caused."""
    calls, burst = 40, 64
    child = (f"{sys.executable} -c 'import os\nprint(\"pid\", os.getpid(), flush=True)\n"
             f"for _ in range({calls}):\n    try: os.close(987654)\n"
             f"    except OSError: pass\n'")
    r = subprocess.run(run_argv("-b", "1", *args, "-c", child,
                                prebuilt(os.path.join(PROGS, "flood.bpf.c"))),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env(),
                       timeout=60 * pk.TIMEOUT_SCALE)
    assert r.returncode == 0, r.stderr
    out = r.stdout.splitlines()
    pid = int(next(l for l in out if l.startswith("pid ")).split()[1])
    assert out[0].split() == ["PID", "SEQ", "FILLER"], out[0]
    rows = [l.split(None, 2) for l in out[1:] if l[:1] == " " or l[:1].isdigit()]
    shown = sum(1 for f in rows if f[0] == str(pid))
    lost = [l for l in r.stderr.splitlines() if re.fullmatch(r"run: \d+ events? lost", l)]
    assert len(lost) == 1, r.stderr
    n = int(lost[0].split()[1])
    assert n > 0, "a one-page buffer lost nothing: the test proves nothing"
    # close(987654) is the child's alone: every record is its
    assert len(rows) == shown and shown + n == calls * burst, (shown, n, r.stderr)


def test_lost_records_counted_ring_buffer():
    pk.need_bpf()
    flood()


def test_lost_records_counted_perf_buffer():
    pk.need_bpf()
    flood("--perf-buffer")


def test_lost_records_reported_while_running():
    """Lost records are said while run runs (each second, as the tools do),
    not only at the end: this process floods a one-page buffer, and the
    "so far" line comes while run still runs."""
    pk.need_bpf()
    from test_run import start
    p = start("-b", "1", prebuilt(os.path.join(PROGS, "flood.bpf.c")))
    try:
        for _ in range(40):
            try:
                os.close(987654)
            except OSError:
                pass
        line = p.wait_for(lambda l: re.fullmatch(r"run: \d+ events? lost so far", l), 10,
                          stream="err", what="'lost so far' line")
        assert p.p.poll() is None, "run ended before saying what it lost"
        so_far = int(line.split()[1])
        assert so_far > 0, line
    finally:
        rc = p.stop()
    assert rc == 0, p.err
    final = [l for l in p.err if re.fullmatch(r"run: \d+ events? lost", l)]
    assert len(final) == 1 and int(final[0].split()[1]) >= so_far, p.err


def test_opensnoop_table_example():
    """examples/opensnoop_table.bpf.c: the user's view, bcc's opensnoop -T."""
    pk.need_bpf()
    with open(EXISTS, "w"):
        pass
    try:
        command = [pk.helper_path("opener"), f"at:{ABSENT}", f"at:{EXISTS}"]
        r = subprocess.run(run_argv("-c", " ".join(map(shlex.quote, command)),
                                    prebuilt(os.path.join(EXAMPLES, "opensnoop_table.bpf.c"))),
                           input=b"go\n", stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           env=env(), timeout=60 * pk.TIMEOUT_SCALE)
    finally:
        os.unlink(EXISTS)
    out = r.stdout.decode("utf-8", "surrogateescape").splitlines()
    assert r.returncode == 0, r.stderr
    assert out[0] == "%-14s %7s %-16s %-10s %s" % ("TIME(s)", "PID", "COMM", "RET", "PATH")
    pid = int(next(l for l in out if l.startswith("ready ")).split()[1])
    fd = int(next(l for l in out if re.fullmatch(r"\d+ 0", l)).split()[0])
    mine = [l[15:] for l in out if l[15:].startswith("%7d " % pid) and "/tmp/pk-ev-" in l]
    assert mine == ["%7d %-16s %-10s %s" % (pid, "opener", "-2 ENOENT", ABSENT),
                    "%7d %-16s %-10s %s" % (pid, "opener", fd, EXISTS)], out
