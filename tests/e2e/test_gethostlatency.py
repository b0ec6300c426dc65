"""gethostlatency: a workload's own lookups (getaddrinfo of localhost and
of a non-number with AI_NUMERICHOST, gethostbyname and gethostbyname2 of
localhost), one record each, in order, with the result the workload got:
getaddrinfo's EAI_* code by name, never an errno name."""
import subprocess

import pk

HELPER = "resolver"
# <netdb.h>'s codes (the resolver of a minimal machine may fail on localhost too)
NAMES = {0: "OK", -1: "EAI_BADFLAGS", -2: "EAI_NONAME", -3: "EAI_AGAIN", -4: "EAI_FAIL",
         -5: "EAI_NODATA", -6: "EAI_FAMILY", -8: "EAI_SERVICE", -9: "EAI_ADDRFAMILY",
         -10: "EAI_MEMORY", -11: "EAI_SYSTEM"}


def traced(*args):
    proc = pk.Proc([pk.helper_path(HELPER)], stdin=subprocess.PIPE)
    pid = int(proc.wait_for(lambda l: l.startswith("ready "), what="ready line").split()[1])
    tool = pk.start_tool("gethostlatency", "-p", str(pid), "-v", *args, ready="verbose")
    held = pk.bpf_objects(tool.pid)
    proc.p.stdin.write(b"go\n")
    proc.p.stdin.flush()
    proc.wait_for(lambda l: l == "done", what="done line")
    proc.p.stdin.close()
    assert proc.wait() == 0, proc.err
    assert tool.stop() == 0, tool.err
    pk.assert_released(held)
    # what the workload got: FUNC HOST RESULT
    theirs = [l.split() for l in proc.out if l.startswith("get")]
    return pid, tool, theirs


def test_json_records_match_the_workload():
    pk.need_bpf()
    pid, tool, theirs = traced("--json")
    rows = [o["event"] for o in pk.json_lines(tool.out)]
    assert [r["host"] for r in rows] == [t[1] for t in theirs], (rows, theirs)
    # the enum's names in JSON too: EAI_NONAME is getaddrinfo's -2
    want = [NAMES[int(t[2])] if t[0] == "getaddrinfo" else
            ("OK" if t[2] == "0" else "NULL_HOSTENT") for t in theirs]
    assert [r["ret"] for r in rows] == want, (rows, theirs)
    # AI_NUMERICHOST fails at once, whatever the machine's resolver
    assert want[1] == "EAI_NONAME", theirs
    assert all(r["pid"] == pid and r["comm"] == HELPER for r in rows), rows
    # a lookup takes some time, and less than the whole run
    assert all(0 < r["lat"] < 10 * 10**9 for r in rows), rows


def test_text_columns_and_eai_names():
    pk.need_bpf()
    pid, tool, theirs = traced()
    # bcc's print("%-9s %-7s %-16s %10s %s" % ("TIME", "PID", "COMM", "LATms",
    # "HOST")), with our RET before HOST
    assert tool.out[0].startswith("%-9s %-7s %-16s %10s RET " % (
        "TIME", "PID", "COMM", "LATms")) and tool.out[0].endswith(" HOST"), tool.out
    rows = [l.split() for l in tool.out[1:] if l.split()]
    # and its rows' "%-9s %-7d %-16s %10.2f " of the same values
    for line, r in zip([l for l in tool.out[1:] if l.split()], rows):
        assert line.startswith("%-9s %-7d %-16s %10.2f " % (r[0], int(r[1]), r[2], float(r[3]))), line
    assert [(r[1], r[2], r[4], r[5]) for r in rows] == [
        (str(pid), HELPER, NAMES[int(t[2])] if t[0] == "getaddrinfo" else
         ("OK" if t[2] == "0" else "NULL_HOSTENT"), t[1])
        for t in theirs], (rows, theirs)
    # EAI_NONAME is -2: an errno name would have said ENOENT
    assert "ENOENT" not in " ".join(tool.out), tool.out
    assert all(float(r[3]) >= 0 for r in rows), rows
