"""filelife: a child creates three files (openat O_CREAT, creat-like
O_CREAT|O_TRUNC, and one it keeps), sleeps known times, deletes two
(unlink, unlinkat relative to a directory fd); the tool reports exactly
those two, with the child's pid and ages no shorter than the sleeps."""
import os
import subprocess
import sys

import pk

CHILD = r"""
import os, sys, time
d = sys.argv[1]
os.write(1, b"ready\n")
os.read(0, 3)
fd = os.open(os.path.join(d, "short-lived-a"), os.O_WRONLY | os.O_CREAT, 0o600)
os.close(fd)
fd = os.open(os.path.join(d, "short-lived-b"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
os.close(fd)
fd = os.open(os.path.join(d, "kept"), os.O_WRONLY | os.O_CREAT, 0o600)
os.close(fd)
time.sleep(0.2)
os.unlink(os.path.join(d, "short-lived-a"))
time.sleep(0.3)
dfd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
os.unlink("short-lived-b", dir_fd=dfd)
os.rmdir(os.path.join(d, "sub")) if os.path.exists(os.path.join(d, "sub")) else None
os.write(1, b"done\n")
time.sleep(60)
"""


@pk.timeout(60)
def test_created_and_deleted_files_of_one_process():
    pk.need_bpf()
    d = pk.tempdir("pk-filelife-")
    child = pk.Proc([sys.executable, "-c", CHILD, d], stdin=subprocess.PIPE)
    child.wait_for(lambda l: l == "ready", what="ready")
    tool = pk.start_tool("filelife", "--json", "-v", "-p", str(child.pid), ready="verbose")
    held = pk.bpf_objects(tool.pid)
    child.p.stdin.write(b"go\n")
    child.p.stdin.flush()
    child.wait_for(lambda l: l == "done", what="done")
    assert tool.stop() == 0, tool.err
    events = [o["event"] for o in pk.json_lines(tool.out)]
    assert [e["file"] for e in events] == ["short-lived-a", "short-lived-b"], events
    assert all(e["pid"] == child.pid and e["comm"] == "python3" for e in events), events
    ages = [e["age"] / 1e9 for e in events]
    assert 0.2 <= ages[0] < 5 and 0.5 <= ages[1] < 5, ages
    assert os.path.exists(os.path.join(d, "kept"))
    pk.assert_released(held)


def test_text_columns():
    pk.need_bpf()
    d = pk.tempdir("pk-filelife-")
    name = f"gone-{os.getpid()}"
    path = os.path.join(d, name)
    tool = pk.start_tool("filelife")
    subprocess.run(["sh", "-c", f"touch {path} && sleep 0.1 && rm {path}"], check=True)
    tool.wait_for(lambda l: l.endswith(" " + name), what="the file's line")
    assert tool.stop() == 0, tool.err
    # bcc's print("%-8s %-7s %-16s %-7s %s" % ("TIME", "PID", "COMM", "AGE(s)", "FILE"))
    assert tool.out[0] == "%-8s %-7s %-16s %-7s %s" % ("TIME", "PID", "COMM", "AGE(s)", "FILE")
    rows = [l.split() for l in tool.out[1:] if l.endswith(" " + name)]
    assert len(rows) == 1 and rows[0][2] == "rm", tool.out
    # and its row's "%-8s %-7d %-16s %-7.2f %s" of the same values
    r = rows[0]
    assert any(
        l == "%-8s %-7d %-16s %-7.2f %s" % (r[0], int(r[1]), r[2], float(r[3]), r[4])
        for l in tool.out), (tool.out, r)
    assert 0.1 <= float(rows[0][3]) < 5, rows
