"""execcount: 5 execs as root and 3 as an otherwise unused uid, counted in
one interval; clearing between intervals counts nothing twice."""
import os
import subprocess
import time

import pk

# a uid of our own, so other tests running at the same time cannot add to it
UID = 40000 + os.getpid() % 20000
TRUE = "/bin/true"


def run_execs(root=5, other=3):
    # absolute paths: a PATH search would make several execve() calls each
    for _ in range(root):
        subprocess.run([TRUE], check=True)
    for _ in range(other):
        subprocess.run(["/usr/bin/setpriv", f"--reuid={UID}", f"--regid={UID}",
                        "--clear-groups", TRUE], check=True)


def test_by_uid_one_interval():
    pk.need_bpf()
    tool = pk.start_tool("execcount", "-i", "60", "--by-uid", "--json", "-v", ready="verbose")
    held = pk.bpf_objects(tool.pid)
    run_execs()
    assert tool.stop() == 0, tool.err
    rows = pk.json_lines(tool.out)
    assert len({r["time"] for r in rows}) == 1, rows
    by_uid = {r["uid"]: r["execs"] for r in rows}
    assert by_uid.get(UID) == 3, by_uid
    # setpriv itself is exec'd by root too
    assert by_uid.get(0, 0) >= 5 + 3, by_uid
    pk.assert_released(held)


def test_root_and_other_columns():
    pk.need_bpf()
    tool = pk.start_tool("execcount", "-i", "60")
    tool.wait_for(lambda l: l.split()[:3] == ["TIME", "ROOT", "OTHER"], what="column header")
    run_execs()
    assert tool.stop() == 0, tool.err
    rows = [l.split() for l in tool.out if l[:1].isdigit()]
    assert len(rows) == 1, tool.out
    assert int(rows[0][1]) >= 8 and int(rows[0][2]) >= 3, rows


def test_intervals_clear_counts():
    pk.need_bpf()
    tool = pk.start_tool("execcount", "-i", "0.3", "--by-uid", "--json", "-v", ready="verbose")
    run_execs(root=0, other=3)
    time.sleep(1.2)
    run_execs(root=0, other=2)
    time.sleep(1)
    assert tool.stop() == 0, tool.err
    rows = [r for r in pk.json_lines(tool.out) if r["uid"] == UID]
    assert sum(r["execs"] for r in rows) == 5, rows
    assert len({r["time"] for r in pk.json_lines(tool.out)}) >= 2, tool.out


def test_duration_ends_it():
    pk.need_bpf()
    r = pk.run([pk.tool_path("execcount"), "-i", "0.2", "-d", "0.7"])
    assert r.returncode == 0, r.stderr
    assert len([l for l in r.stdout.splitlines() if l[:1].isdigit()]) >= 2, r.stdout
