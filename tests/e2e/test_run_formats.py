"""probekit run: one file with three declared options, columns formatted by
declaration (typedefs and tags of bpf/probekit.bpf.h: open flags, a duration
in ms, an errno, an IPv4/IPv6 address with its port, a wall-clock time) and
two record types, in text and JSON, against a child of a known uid whose
opens and connects the test chose."""
import json
import os
import re
import shlex
import subprocess
import time

import pk
from test_run import env, prebuilt, run_argv, PROGS

UID = 46000 + os.getpid() % 15000
PORT4 = 40000 + os.getpid() % 10000
PORT6 = PORT4 + 1
# connects to it are left out by --skip-port
PORT_SKIP = PORT4 + 2
FILE = f"/tmp/pk-fmt-{os.getpid()}-made"
ABSENT = f"/tmp/pk-fmt-{os.getpid()}-absent"
# flags the oracle (Python's os module) names
FLAGS_MADE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
FLAGS_ABSENT = os.O_RDONLY | os.O_DIRECTORY
# os.open() adds O_CLOEXEC
NAMES_MADE = "O_WRONLY|O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC"
NAMES_ABSENT = "O_RDONLY|O_DIRECTORY|O_CLOEXEC"
WORKLOAD = f"""
import os, socket
os.close(os.open({FILE!r}, {FLAGS_MADE}, 0o600))
try:
    os.open({ABSENT!r}, {FLAGS_ABSENT})
except OSError:
    pass
os.unlink({FILE!r})
for fam, addr in ((socket.AF_INET, ("127.0.0.1", {PORT4})), (socket.AF_INET, ("127.0.0.1", {PORT_SKIP})),
                  (socket.AF_INET6, ("::1", {PORT6}))):
    s = socket.socket(fam)
    try:
        s.connect(addr)
    except OSError:
        pass
"""
OPEN_HEADER = "%7s %-24s %10s %11s %-10s %s" % ("PID", "FLAGS", "LAT(ms)", "RET", "ERR", "PATH")
CONN_HEADER = "%7s %-16s %-25s %5s" % ("PID", "COMM", "DADDR", "AF")


def run_formats(*args):
    command = ["/usr/bin/setpriv", f"--reuid={UID}", f"--regid={UID}", "--clear-groups",
               "/usr/bin/python3", "-c", WORKLOAD]
    before = pk.bpf_objects()
    r = subprocess.run(run_argv(prebuilt(os.path.join(PROGS, "formats.bpf.c")), "--traced-uid", str(UID),
                                "--skip-port", str(PORT_SKIP), *args, "-c", shlex.join(command)),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env(),
                       timeout=60 * pk.TIMEOUT_SCALE)
    assert r.returncode == 0, r.stderr
    assert not os.path.exists(FILE)
    pk.assert_none_left(before, "after run -c")
    out = r.stdout.decode().splitlines()
    pids = {int(l.split()[0]) for l in out if l[:8].strip().isdigit()}
    return out, pids


def test_declared_formats_and_two_record_types_text():
    pk.need_bpf()
    out, pids = run_formats()
    assert len(pids) == 1, out
    pid = pids.pop()
    # each record type is its own table, under its own header
    assert out[0] == OPEN_HEADER and out[3] == CONN_HEADER and len(out) == 6, out
    made, absent = out[1], out[2]
    m = re.fullmatch(r"%7d %-24s +(\d+\.\d{3}) +(\d+) 0 +%s" % (pid, re.escape(NAMES_MADE),
                                                               re.escape(FILE)), made)
    assert m and int(m.group(2)) >= 3, made
    # a plain int ret is a number; the declared errno is named
    assert re.fullmatch(r"%7d %-24s +\d+\.\d{3} +-2 -2 ENOENT  %s" % (
        pid, re.escape(NAMES_ABSENT), re.escape(ABSENT)), absent), absent
    assert out[4] == "%7d %-16s %-25s %5d" % (pid, "python3", f"127.0.0.1:{PORT4}", 2), out[4]
    assert out[5] == "%7d %-16s %-25s %5d" % (pid, "python3", f"[::1]:{PORT6}", 10), out[5]


def test_declared_formats_json_raw_and_named():
    pk.need_bpf()
    out, _ = run_formats("--json")
    recs = [json.loads(l) for l in out]
    assert [r["type"] for r in recs] == ["open_ev"] * 2 + ["conn_ev"] * 2, recs
    made, absent, c4, c6 = recs
    # raw values stay raw; the named form is beside them
    assert made["event"]["flags"] == FLAGS_MADE | os.O_CLOEXEC and made["named"]["flags"] == NAMES_MADE, made
    assert absent["event"]["flags"] == FLAGS_ABSENT | os.O_CLOEXEC, absent
    assert absent["named"]["flags"] == NAMES_ABSENT, absent
    assert absent["event"]["ret"] == -2 and absent["errno_name"] == {"err": "ENOENT"}, absent
    assert "errno_name" not in made, made
    for r in (made, absent):
        lat = r["event"]["lat"]
        assert r["named"]["lat"] == "%d.%03d" % (lat // 1000000, lat // 1000 % 1000), r
        # hidden in text (no -T), named in JSON all the same
        assert re.fullmatch(r"\d\d:\d\d:\d\d", r["named"]["ts"]), r
    assert c4["event"]["af"] == 2 and c4["event"]["dport"] == int.from_bytes(
        PORT4.to_bytes(2, "big"), "little"), c4
    # an address column is its address text in the record, its port a number
    assert c4["event"]["daddr"] == "127.0.0.1" and c6["event"]["daddr"] == "::1", (c4, c6)
    assert c4["named"] == {"daddr": f"127.0.0.1:{PORT4}"}, c4
    assert c6["event"]["af"] == 10 and c6["named"] == {"daddr": f"[::1]:{PORT6}"}, c6


def test_column_shown_when_its_variable_is_set():
    pk.need_bpf()
    before = time.time()
    out, _ = run_formats("-T")
    after = time.time()
    assert out[0] == "%-8s %s" % ("TIME", OPEN_HEADER), out
    shown = {out[1][:8], out[2][:8]}
    want = {time.strftime("%H:%M:%S", time.localtime(t)) for t in range(int(before),
                                                                         int(after) + 2)}
    assert shown <= want, (shown, want)
    # the other record type has no such column
    assert out[3] == CONN_HEADER, out


def test_declared_options_in_help():
    r = subprocess.run(run_argv(prebuilt(os.path.join(PROGS, "formats.bpf.c")), "--help"),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env(), timeout=60)
    assert r.returncode == 0, r.stderr
    text = r.stdout.decode()
    for opt, help_text in (("--traced-uid UID", "trace this uid only"),
                           ("-T, --time", "show the wall-clock time of opens"),
                           ("--skip-port PORT", "leave out connects to PORT")):
        assert re.search(r"^\s+%s\s+%s$" % (re.escape(opt), re.escape(help_text)), text,
                         re.M), (opt, text)
