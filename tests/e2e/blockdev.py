"""A block device only the test writes to, and a workload of O_DIRECT
writes of known sizes to it, for the block I/O tools' tests.

The device: $PK_SCRATCH_BLOCKDEV where the kernel lane's guests have one
(an NVMe disk of QEMU's, scripts/kernel-lane.sh), else a loop device made
over a file in a tempdir and detached at the end. No device: the test
skips with the reason. Nothing else writes to it, so every request on it
is the workload's."""
import contextlib
# the writer child's: imported here so that the kernel lane's guests have it
# (their initramfs holds the stdlib modules the tests import)
import mmap  # noqa: F401
import os
import shutil
import subprocess
import sys

import pk

SIZE = 32 << 20

# A child that opens the device O_DIRECT, waits for a line on stdin (the
# tool is attached by then), writes each size in turn at increasing
# 64 KiB-aligned offsets, one write at a time (each is its own request: a
# synchronous O_DIRECT write waits for its completion), and says "done".
WRITER = r"""
import mmap, os, sys
dev, sizes = sys.argv[1], [int(s) for s in sys.argv[2:]]
fd = os.open(dev, os.O_WRONLY | os.O_DIRECT)
buf = mmap.mmap(-1, max(sizes))
buf.write(b"\xa5" * max(sizes))
sys.stdout.write("ready\n"); sys.stdout.flush()
sys.stdin.readline()
off = 0
for s in sizes:
    assert os.pwritev(fd, [memoryview(buf)[:s]], off) == s
    off += (s + 65535) // 65536 * 65536
os.close(fd)
sys.stdout.write("done\n"); sys.stdout.flush()
"""


def _devnum(path):
    st = os.stat(path)
    return os.major(st.st_rdev), os.minor(st.st_rdev)


@contextlib.contextmanager
def scratch_device():
    """Yields (path, name, (major, minor)) of a block device for the test."""
    dev = os.environ.get("PK_SCRATCH_BLOCKDEV")
    if dev:
        if not os.path.exists(dev):
            raise pk.Skip(f"PK_SCRATCH_BLOCKDEV={dev} does not exist")
        yield dev, os.path.basename(dev), _devnum(dev)
        return
    if not shutil.which("losetup") or not os.path.exists("/dev/loop-control"):
        raise pk.Skip("no block device to write to: no PK_SCRATCH_BLOCKDEV, "
                      "and no loop devices (losetup, /dev/loop-control)")
    backing = os.path.join(pk.tempdir("pk-blockdev-"), "disk.img")
    with open(backing, "wb") as f:
        f.truncate(SIZE)
    r = subprocess.run(["losetup", "--find", "--show", backing],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        raise pk.Skip(f"no loop device: losetup: {r.stderr.strip()}")
    dev = r.stdout.strip()
    try:
        yield dev, os.path.basename(dev), _devnum(dev)
    finally:
        subprocess.run(["losetup", "-d", dev], check=False)


def writer(dev, sizes):
    """The writer child, started and waiting for go()."""
    w = pk.Proc([sys.executable, "-c", WRITER, dev] + [str(s) for s in sizes],
                stdin=subprocess.PIPE)
    w.wait_for(lambda l: l == "ready", what="the writer's ready")
    return w


def go(w):
    """Lets the writer write, and waits until it has."""
    w.p.stdin.write(b"go\n")
    w.p.stdin.flush()
    w.wait_for(lambda l: l == "done", timeout=30, what="the writer's done")
    assert w.wait(10) == 0
