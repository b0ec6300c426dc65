"""mountsnoop: a tmpfs mounted and lazily unmounted in a private mount
namespace made by the test (unshare -m), and a mount that fails (ENOENT),
checked against what the test asked for and the commands' results (here
and in the kernel lane) and against strace -f over the same run."""
import os
import re
import subprocess

import pk

def script(d):
    return (f"mount -t tmpfs -o nosuid,nodev,size=1m pkt {d} && umount -l {d} && "
            f"mount -t tmpfs pkt {d}/nosuch; exit 0")


def run(argv_prefix=()):
    d = pk.tempdir("pk-mountsnoop-")
    tool = pk.start_tool("mountsnoop", "--json", "-v", ready="verbose")
    held = pk.bpf_objects(tool.pid)
    r = pk.run([*argv_prefix, "unshare", "-m", "--propagation", "private", "/bin/sh", "-c",
                script(d)])
    assert r.returncode == 0, r.stderr
    assert tool.stop() == 0, tool.err
    pk.assert_released(held)
    rows = pk.json_lines(tool.out)
    ours = [r for r in rows if r["event"].get("target", "").startswith(d)]
    return d, ours


def check(d, ours):
    own_ns = os.stat("/proc/self/ns/mnt").st_ino
    kinds = [r["type"] for r in ours]
    assert kinds[:2] == ["mount_ev", "umount_ev"] and kinds[-1] == "mount_ev", ours
    m, u, bad = ours[0]["event"], ours[1]["event"], ours[-1]["event"]
    assert (m["source"], m["target"], m["fstype"], m["ret"]) == ("pkt", d, "tmpfs", 0), m
    # (--json gives an enum's value by name when one enumerator has it, else the number)
    flags = ours[0]["named"]["flags"].split("|")
    assert "MS_NOSUID" in flags and "MS_NODEV" in flags and "MS_RDONLY" not in flags, ours[0]
    assert "size=1m" in m["data"], m
    assert (u["target"], u["ret"]) == (d, 0), u
    assert ours[1]["named"]["flags"] == "MNT_DETACH", ours[1]
    assert (bad["target"], bad["ret"]) == (d + "/nosuch", -2), bad
    # all in the namespace unshare made, not ours
    assert m["mnt_ns"] == u["mnt_ns"] == bad["mnt_ns"] != own_ns, (m, u, own_ns)
    return m, u


@pk.timeout(60)
def test_tmpfs_in_a_private_namespace():
    pk.need_bpf()
    d, ours = run()
    check(d, ours)


@pk.timeout(60)
def test_matches_strace():
    pk.need_bpf()
    strace = pk.need_host_tool("strace")
    out = os.path.join(pk.tempdir("pk-mountsnoop-st-"), "strace")
    d, ours = run([strace, "-f", "-qq", "-e", "trace=mount,umount2", "-e", "signal=none",
                   "-o", out])
    check(d, ours)
    with open(out) as f:
        seen = [l for l in f if d in l]
    calls = [(re.match(r"^(\d+) +(\w+)\(", l).groups(), l) for l in seen]
    assert [(int(pid), name) for (pid, name), _ in calls] == \
        [(r["event"]["pid"], "mount" if r["type"] == "mount_ev" else "umount2") for r in ours], \
        (seen, ours)
    for ((_, name), line), r in zip(calls, ours):
        if "= 0" in line:
            assert r["event"]["ret"] == 0, (line, r)
        else:
            assert r["event"]["ret"] < 0 and re.search(r"= -1 E", line), (line, r)
