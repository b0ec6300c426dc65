"""ext4slower: on a kernel that allows fentry or kprobes (the kernel lane),
an ext4 file system made on the scratch disk and mounted in a tempdir; a
child opens a file on it, writes 3 x 4096 bytes, fsyncs, reads 2 x 4096;
with threshold 0 and -p, exactly those 7 operations in order, with their
bytes and offsets. Where neither works (this machine), one line naming
both, exit 1, nothing attached."""
import json
import os
import shutil
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
    os.write(fd, b"e" * 4096)
os.fsync(fd)
os.pread(fd, 4096, 0)
os.pread(fd, 4096, 4096)
os.write(1, b"done\n")
time.sleep(60)
"""


def mechanisms():
    r = pk.run([pk.tool_path("probekit"), "features", "--json"])
    feats = {}
    for line in r.stdout.splitlines():
        try:
            o = json.loads(line)
            feats[o["feature"]] = o["available"]
        except (ValueError, KeyError):
            pass
    return feats.get("kfunc", False) or feats.get("kprobe", False)


@pk.timeout(120)
def test_ext4_operations_or_one_line_why_not():
    pk.need_bpf()
    if not mechanisms():
        r = pk.run([pk.tool_path("ext4slower"), "0", "-d", "1"])
        assert r.returncode == 1, r
        err = [l for l in r.stderr.splitlines() if l]
        assert len(err) == 1 and "fentry" in err[0] and "kprobe" in err[0], err
        return
    dev = os.environ.get("PK_SCRATCH_BLOCKDEV")
    mkfs = shutil.which("mkfs.ext4") or shutil.which("mke2fs")
    if not dev or not mkfs:
        raise pk.Skip("no scratch block device ($PK_SCRATCH_BLOCKDEV) or mke2fs for an ext4 "
                      "file system")
    # BusyBox's mke2fs (the lane's) makes ext2, which the ext4 driver mounts as ext4
    subprocess.run([mkfs, "-F", dev], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    mnt = pk.tempdir("pk-ext4slower-")
    subprocess.run(["mount", "-t", "ext4", dev, mnt], check=True)
    try:
        child = pk.Proc([sys.executable, "-c", CHILD, os.path.join(mnt, "f")],
                        stdin=subprocess.PIPE)
        child.wait_for(lambda l: l == "ready", what="ready")
        tool = pk.start_tool("ext4slower", "0", "--json", "-v", "-p", str(child.pid),
                             ready="verbose")
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
