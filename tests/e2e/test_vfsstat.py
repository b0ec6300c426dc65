"""vfsstat: a child that, after "go", makes exactly 5 reads (read, pread,
readv), 5 writes (write, pwrite, writev), 3 fsyncs (fsync, fdatasync), 4
opens of which 2 ask for O_CREAT; -p counts those and nothing else."""
import subprocess
import sys

import pk

CHILD = r"""
import os, sys, time
d = sys.argv[1]
os.write(1, b"ready\n")
os.read(0, 3)    # entered before the tool attaches: not counted
fd = os.open(os.path.join(d, "a"), os.O_RDWR | os.O_CREAT, 0o600)   # open 1, create 1
os.write(fd, b"x" * 100)                        # write 1
os.pwrite(fd, b"y", 5)                          # write 2
os.writev(fd, [b"a", b"b"])                     # write 3
os.fsync(fd)                                    # fsync 1
os.fdatasync(fd)                                # fsync 2
os.pread(fd, 10, 0)                             # read 1
os.readv(fd, [bytearray(4)])                    # read 2
os.read(fd, 1)                                  # read 3
os.close(fd)
fd = os.open(os.path.join(d, "b"), os.O_WRONLY | os.O_CREAT, 0o600)  # open 2, create 2
os.fsync(fd)                                    # fsync 3
os.close(fd)
for _ in range(2):
    fd = os.open(os.path.join(d, "a"), os.O_RDONLY)                  # opens 3, 4
    os.read(fd, 1)                              # reads 4, 5
    os.close(fd)
os.write(2, b"")                                # write 4
os.write(1, b"done\n")                          # write 5: counted on entry, before the test reads it
time.sleep(60)
"""


@pk.timeout(60)
def test_exact_counts_of_one_process():
    pk.need_bpf()
    d = pk.tempdir("pk-vfsstat-")
    child = pk.Proc([sys.executable, "-c", CHILD, d], stdin=subprocess.PIPE)
    child.wait_for(lambda l: l == "ready", what="ready")
    tool = pk.start_tool("vfsstat", "-i", "60", "--json", "-v", "-p", str(child.pid),
                         ready="verbose")
    held = pk.bpf_objects(tool.pid)
    child.p.stdin.write(b"go\n")
    child.p.stdin.flush()
    child.wait_for(lambda l: l == "done", what="done")
    assert tool.stop() == 0, tool.err
    rows = [r for r in pk.json_lines(tool.out) if "read" in r]
    assert len(rows) == 1, tool.out
    got = {k: rows[0][k] for k in ("read", "write", "fsync", "open", "create")}
    assert got == {"read": 5, "write": 5, "fsync": 3, "open": 4, "create": 2}, got
    pk.assert_released(held)


def test_text_header():
    pk.need_bpf()
    r = pk.run([pk.tool_path("vfsstat"), "-i", "0.3", "-d", "1"])
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["TIME", "READ", "WRITE", "FSYNC", "OPEN", "CREATE"], lines
    assert len(lines) >= 3 and all(len(l.split()) == 6 for l in lines[1:]), lines
