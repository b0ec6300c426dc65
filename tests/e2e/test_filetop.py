"""filetop: a child makes 3 writes of 1000 bytes and 5 reads of 2048 to a
file of its own (after "go"), and writes "done" to a pipe; -p gives one
row for the file (R, the reads, writes and kbytes asked for) and, with -a,
one for the pipe."""
import os
import subprocess
import sys

import pk

CHILD = r"""
import os, sys, time
path = sys.argv[1]
os.write(1, b"ready\n")
os.read(0, 3)
fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
for _ in range(3):
    os.write(fd, b"z" * 1000)
for _ in range(5):
    os.pread(fd, 2048, 0)
os.close(fd)
os.write(1, b"done\n")
time.sleep(60)
"""


def run(*args):
    pk.need_bpf()
    name = f"pk-filetop-{os.getpid()}"
    path = os.path.join(pk.tempdir("pk-filetop-"), name)
    child = pk.Proc([sys.executable, "-c", CHILD, path], stdin=subprocess.PIPE)
    child.wait_for(lambda l: l == "ready", what="ready")
    tool = pk.start_tool("filetop", "-i", "60", "--json", "-v", "-p", str(child.pid), *args,
                         ready="verbose")
    held = pk.bpf_objects(tool.pid)
    child.p.stdin.write(b"go\n")
    child.p.stdin.flush()
    child.wait_for(lambda l: l == "done", what="done")
    assert tool.stop() == 0, tool.err
    pk.assert_released(held)
    return name, child.pid, [r for r in pk.json_lines(tool.out) if "reads" in r]


@pk.timeout(60)
def test_regular_file_counts():
    name, pid, rows = run()
    assert len(rows) == 1, rows
    r = rows[0]
    assert (r["file"], r["tid"], r["comm"], r["type"]) == (name, pid, "python3", "R"), r
    # the row's columns: kbytes asked for, 5 * 2048 and 3 * 1000 bytes
    assert (r["reads"], r["writes"], r["r_kb"], r["w_kb"]) == (5, 3, 10, 2), r


@pk.timeout(60)
def test_all_files_has_the_pipe():
    name, _, rows = run("-a")
    assert sorted((r["type"], r["writes"]) for r in rows) == [("O", 1), ("R", 3)], rows
