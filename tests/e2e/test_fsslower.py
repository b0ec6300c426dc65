"""fsslower: -t ext4 on a kernel that allows fentry or kprobes (the kernel
lane), over the ext4 file system made on the scratch disk, as
test_ext4slower does: a child's open, 3 writes of 4096 bytes, fsync and 2
reads, exactly, in order; -t with a file system it does not know is
refused naming the choices. Where neither mechanism works (this machine),
one line naming both, exit 1, nothing attached."""
import os
import shutil
import subprocess
import sys

import pk
from test_ext4slower import CHILD, mechanisms


@pk.timeout(120)
def test_ext4_operations_or_one_line_why_not():
    pk.need_bpf()
    if not mechanisms():
        before = pk.bpf_objects()
        r = pk.run([pk.tool_path("fsslower"), "-t", "ext4", "0", "-d", "1"])
        assert r.returncode == 1, r
        err = [l for l in r.stderr.splitlines() if l]
        assert len(err) == 1 and "fentry" in err[0] and "kprobe" in err[0], err
        pk.assert_none_left(before, "fsslower")
        return
    r = pk.run([pk.tool_path("fsslower"), "-t", "zfs", "0", "-d", "1"])
    assert r.returncode != 0 and "choose one of: ext4 xfs btrfs nfs" in r.stderr, r
    dev = os.environ.get("PK_SCRATCH_BLOCKDEV")
    mkfs = shutil.which("mkfs.ext4") or shutil.which("mke2fs")
    if not dev or not mkfs:
        raise pk.Skip("no scratch block device ($PK_SCRATCH_BLOCKDEV) or mke2fs for an ext4 "
                      "file system")
    subprocess.run([mkfs, "-F", dev], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    mnt = pk.tempdir("pk-fsslower-")
    subprocess.run(["mount", "-t", "ext4", dev, mnt], check=True)
    try:
        child = pk.Proc([sys.executable, "-c", CHILD, os.path.join(mnt, "f")],
                        stdin=subprocess.PIPE)
        child.wait_for(lambda l: l == "ready", what="ready")
        tool = pk.start_tool("fsslower", "-t", "ext4", "0", "--json", "-v", "-p",
                             str(child.pid), ready="verbose")
        held = pk.bpf_objects(tool.pid)
        child.p.stdin.write(b"go\n")
        child.p.stdin.flush()
        child.wait_for(lambda l: l == "done", what="done")
        assert tool.stop() == 0, tool.err
        pk.assert_released(held)
        events = [o["event"] for o in pk.json_lines(tool.out)]
        assert [(e["t"], e["bytes"], e["off_kb"]) for e in events] == [
            ("O", 0, 0), ("W", 4096, 0), ("W", 4096, 4), ("W", 4096, 8), ("S", 0, 0),
            ("R", 4096, 0), ("R", 4096, 4)], events
        assert all(e["file"] == "f" and e["pid"] == child.pid for e in events), events
    finally:
        pk.cleanup_processes()
        subprocess.run(["umount", mnt], check=False)
