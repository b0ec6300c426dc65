"""cachestat: where fentry or kprobes work (the kernel lane), a child of
known pid reads a file of PAGES pages on an ext4 file system the test makes
on the scratch disk, after the test dropped it from the page cache
(fsync, then posix_fadvise DONTNEED): at least PAGES misses; reads it again:
at least PAGES hits; writes PAGES new pages: at least PAGES dirtied
buffers. Each page is read by its own pread, last page first, so that each
read marks its page accessed (filemap_read marks a page once per run of
reads of it). The workload's own page count is the oracle. BUFFERS_MB and
CACHED_MB match /proc/meminfo's Buffers and Cached; `cachestat 1 2` prints
two lines and stops. Where neither fentry nor kprobes work (this machine):
one line naming both, exit 1, nothing attached."""
import os
import re
import shutil
import subprocess
import sys

import pk
from test_ext4slower import mechanisms

PAGES = 64

CHILD = r"""
import os, sys
phase, path, pages = sys.argv[1], sys.argv[2], int(sys.argv[3])
if phase == "write":
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    for i in range(pages):
        assert os.write(fd, b"x" * 4096) == 4096
else:
    fd = os.open(path, os.O_RDONLY)
    for i in reversed(range(pages)):
        assert len(os.pread(fd, 4096, i * 4096)) == 4096
os.close(fd)
"""


def refused():
    before = pk.bpf_objects()
    r = pk.run([pk.tool_path("cachestat"), "-d", "1"])
    assert r.returncode == 1, r
    err = [l for l in r.stderr.splitlines() if l]
    assert len(err) == 1 and "fentry" in err[0] and "kprobe" in err[0], err
    assert r.stdout == "", r.stdout
    pk.assert_none_left(before, "cachestat")


def scratch_ext4():
    dev = os.environ.get("PK_SCRATCH_BLOCKDEV")
    mkfs = shutil.which("mkfs.ext4") or shutil.which("mke2fs")
    if not dev or not mkfs:
        raise pk.Skip("no scratch block device ($PK_SCRATCH_BLOCKDEV) or mke2fs for an ext4 "
                      "file system")
    subprocess.run([mkfs, "-F", "-b", "4096", dev], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    mnt = pk.tempdir("pk-cachestat-")
    # noatime: a read dirties no inode buffer
    subprocess.run(["mount", "-t", "ext4", "-o", "noatime", dev, mnt], check=True)
    return mnt


def traced(script, phase, path, *args):
    r = pk.run([pk.tool_path("cachestat"), "--json", *args, "-c",
                f"{sys.executable} {script} {phase} {path} {PAGES}"], timeout=60)
    assert r.returncode == 0, r
    rows = pk.json_lines(r.stdout.splitlines())
    assert rows, r
    return {k: sum(row[k] for row in rows) for k in ("hits", "misses", "dirties")}, rows


def meminfo_mb(field):
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise AssertionError(field)


def kallsyms_has(name):
    with open("/proc/kallsyms") as f:
        return any(line.split()[2] == name for line in f)


@pk.timeout(180)
def test_hits_misses_dirties_or_one_line_why_not():
    pk.need_bpf()
    if not mechanisms():
        refused()
        return
    mnt = scratch_ext4()
    try:
        script = os.path.join(pk.tempdir("pk-cachestat-child-"), "child.py")
        with open(script, "w") as f:
            f.write(CHILD)
        path = os.path.join(mnt, "f")
        subprocess.run([sys.executable, script, "write", path, str(PAGES)], check=True)
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)

        cold, _ = traced(script, "read", path)
        assert cold["misses"] >= PAGES, cold
        warm, rows = traced(script, "read", path, "-T")
        assert warm["hits"] >= PAGES, warm
        assert all(re.fullmatch(r"\d\d:\d\d:\d\d", row["time"]) for row in rows), rows
        assert all(re.fullmatch(r"\d+\.\d\d%", row["ratio"]) for row in rows), rows
        written, rows = traced(script, "write", os.path.join(mnt, "g"))
        assert written["dirties"] >= PAGES, written

        # the memory columns, as /proc/meminfo has them at the same time
        r = pk.run([pk.tool_path("cachestat"), "--json", "1", "2"], timeout=30)
        assert r.returncode == 0, r
        rows = pk.json_lines(r.stdout.splitlines())
        assert len(rows) == 2 and "time" not in rows[0], rows
        if kallsyms_has("vm_node_stat") and kallsyms_has("blockdev_superblock"):
            assert abs(rows[-1]["buffers_mb"] - meminfo_mb("Buffers")) <= 1, rows
            assert abs(rows[-1]["cached_mb"] - meminfo_mb("Cached")) <= 4, rows
    finally:
        pk.cleanup_processes()
        subprocess.run(["umount", mnt], check=False)


def test_text_header_as_bcc():
    """bcc's header, and -T's TIME column in front; a usage error for a bad
    interval (no BPF needed for either check of the arguments)."""
    r = pk.run([pk.tool_path("cachestat"), "0"])
    assert r.returncode != 0 and "interval-secs" in r.stderr, r
    pk.need_bpf()
    if not mechanisms():
        return
    r = pk.run([pk.tool_path("cachestat"), "-T", "1", "1"])
    assert r.returncode == 0, r
    lines = r.stdout.splitlines()
    assert lines[0] == ("TIME         HITS   MISSES  DIRTIES HITRATIO   BUFFERS_MB  CACHED_MB"), lines
    assert len(lines) == 2 and re.fullmatch(r"\d\d:\d\d:\d\d +\d+ +\d+ +\d+ +\d+\.\d\d% +\d+ +\d+",
                                            lines[1]), lines
