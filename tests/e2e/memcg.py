"""A memory cgroup of the test's own, with a 32 MB limit, in whichever
hierarchy has the memory controller: cgroup v1's, cgroup v2's, or (the
kernel lane's guests mount none) a cgroup2 mount made here. Removed at the
end, with the mount."""
import contextlib
import os
import subprocess
import time

import pk

LIMIT = 32 << 20


def _mount_of(fstype, option=None):
    with open("/proc/mounts") as f:
        for line in f:
            dev, where, kind, opts = line.split()[:4]
            if kind == fstype and (option is None or option in opts.split(",")):
                return where
    return None


@contextlib.contextmanager
def memory_cgroup():
    """A new memory cgroup with a 32 MB limit: (path, its oom_kill count)."""
    mounted = None
    v1 = _mount_of("cgroup", "memory")
    if v1:
        # v1: below this process's own memory cgroup
        with open("/proc/self/cgroup") as f:
            mine = [l.split(":", 2)[2].strip() for l in f if l.split(":")[1] == "memory"]
        parent = os.path.join(v1, (mine[0] if mine else "/").lstrip("/"))
    else:
        parent = _mount_of("cgroup2")
        if not parent:
            # the kernel lane's guests mount no cgroup file system
            parent = mounted = pk.tempdir("pk-cg2")
            subprocess.run(["mount", "-t", "cgroup2", "none", mounted], check=True)
        with open(os.path.join(parent, "cgroup.subtree_control"), "w") as f:
            f.write("+memory")
    path = os.path.join(parent, f"pk-oom-{os.getpid()}")
    os.mkdir(path)
    try:
        if v1:
            with open(os.path.join(path, "memory.limit_in_bytes"), "w") as f:
                f.write(str(LIMIT))
        else:
            with open(os.path.join(path, "memory.max"), "w") as f:
                f.write(str(LIMIT))
            if os.path.exists(os.path.join(path, "memory.swap.max")):
                with open(os.path.join(path, "memory.swap.max"), "w") as f:
                    f.write("0")
        yield path, lambda key: counter(path, v1, key)
    finally:
        for _ in range(50):
            try:
                os.rmdir(path)
                break
            except OSError:
                time.sleep(0.1)
        if mounted:
            subprocess.run(["umount", mounted], check=True)


def counter(path, v1, key):
    """The cgroup's own count: "oom_kill" (OOM kills) or "max" (times its
    usage hit the limit: memory.failcnt in v1)."""
    if v1 and key == "max":
        with open(os.path.join(path, "memory.failcnt")) as f:
            return int(f.read())
    name = "memory.oom_control" if v1 else "memory.events"
    with open(os.path.join(path, name)) as f:
        for line in f:
            k, value = line.split()
            if k == key:
                return int(value)
    raise AssertionError(f"no {key} in {name}")
