"""CO-RE against the kernel's BTF cut down per object (lib/kernel/core_btf.c): an
object not seen before starts on the whole kernel BTF while a bpftool child makes
the cut-down one, which is in the cache when the tool has exited and is read from
there by the next start; damaged files made again; the whole kernel BTF, as
before, when bpftool or the cache is missing. The programs the kernel runs are
the same either way."""
import glob
import os
import re
import subprocess
import tempfile

import pk

MADE = ("CO-RE: against the kernel's whole BTF this once; a bpftool child cuts it down for "
        "these programs meanwhile")
DONE = "CO-RE: the cut-down BTF made for later starts: "
CACHED = "CO-RE: against the kernel's BTF cut down for these programs, from the cache: "
WHOLE = "CO-RE: against the kernel's whole BTF: "


def env_with(**kw):
    env = dict(os.environ)
    env.update(kw)
    return env


def taskswitch(env, *args):
    """taskswitch -v on raw_tp for a second: its stderr lines and, while it
    ran, the xlated instructions of its program (bpftool's dump)."""
    proc = pk.Proc([pk.tool_path("taskswitch"), "--mechanism", "raw_tp", "-v", "--json",
                    *args], env=env)
    proc.wait_for(lambda l: ": using " in l, 20, stream="err", what="'using' line")
    progs = [i for k, i in pk.bpf_objects(proc.pid) if k == "prog"]
    xlated = []
    for prog in sorted(progs):
        r = subprocess.run(["/usr/sbin/bpftool", "prog", "dump", "xlated", "id", str(prog)],
                           stdout=subprocess.PIPE, text=True)
        # map ids differ from one load to the next; nothing else may
        xlated.append(re.sub(r"map\[id:\d+\]", "map[id:N]", r.stdout))
    assert proc.stop() == 0, proc.err
    assert any("pairs" in l or "count" in l for l in proc.out + proc.err), proc.err
    return proc.err, xlated


def cache_files(xdg):
    return glob.glob(os.path.join(xdg, "probekit", "core-btf", "*.btf"))


def test_made_once_then_read_from_the_cache():
    pk.need_bpf()
    bpftool = pk.need_host_tool("bpftool")
    with tempfile.TemporaryDirectory(prefix="pk-cache-") as xdg:
        err, _ = taskswitch(env_with(XDG_CACHE_HOME=xdg))
        made = [l for l in err if MADE in l]
        assert made, err
        files = cache_files(xdg)
        assert len(files) == 1 and made[0].endswith(files[0]), (made, files)
        assert any(l.endswith(DONE + files[0]) for l in err), err
        # a BTF file bpftool reads, with the one struct the programs read
        r = subprocess.run([bpftool, "btf", "dump", "file", files[0]], stdout=subprocess.PIPE,
                           text=True)
        assert r.returncode == 0 and "STRUCT 'task_struct'" in r.stdout, r
        assert os.path.getsize(files[0]) < 64 * 1024, os.path.getsize(files[0])
        err, _ = taskswitch(env_with(XDG_CACHE_HOME=xdg))
        assert any(l.endswith(CACHED + files[0]) for l in err), err
        assert cache_files(xdg) == files
        assert not glob.glob(os.path.join(xdg, "probekit", "core-btf", "tmp-*"))


def test_a_damaged_cache_file_is_made_again():
    pk.need_bpf()
    pk.need_host_tool("bpftool")
    with tempfile.TemporaryDirectory(prefix="pk-cache-") as xdg:
        taskswitch(env_with(XDG_CACHE_HOME=xdg))
        path, = cache_files(xdg)
        good = open(path, "rb").read()
        for damage in (good[:len(good) // 2], b"not BTF at all", good[:4] + b"\xff" * 60, b""):
            with open(path, "wb") as f:
                f.write(damage)
            err, _ = taskswitch(env_with(XDG_CACHE_HOME=xdg))
            assert any(MADE in l for l in err), (damage[:16], err)
            assert open(path, "rb").read() == good


def test_whole_btf_without_bpftool():
    pk.need_bpf()
    with tempfile.TemporaryDirectory(prefix="pk-cache-") as xdg:
        # /usr/bin and /bin have no bpftool (it is in /usr/sbin)
        err, _ = taskswitch(env_with(XDG_CACHE_HOME=xdg, PATH="/usr/bin:/bin"))
        why = [l for l in err if WHOLE in l]
        assert why and "cannot run bpftool" in why[0], err
        assert not cache_files(xdg)


def test_whole_btf_without_a_cache_directory():
    pk.need_bpf()
    with tempfile.NamedTemporaryFile() as f:
        # a file where the directory should be: not even root can create it,
        # neither the usual one nor root's private one (test_cache_trust.py)
        err, _ = taskswitch(env_with(XDG_CACHE_HOME=f.name, PROBEKIT_PRIVATE_CACHE=f.name))
        why = [l for l in err if WHOLE in l]
        assert why and "no cache directory" in why[0] and "Not a directory" in why[0], err


def test_an_explicit_btf_file_is_used_as_given():
    pk.need_bpf()
    with tempfile.TemporaryDirectory(prefix="pk-cache-") as xdg:
        # the kernel's BTF, but as a file given: CO-RE takes it as it is
        given = os.path.join(xdg, "vmlinux")
        with open("/sys/kernel/btf/vmlinux", "rb") as src, open(given, "wb") as dst:
            dst.write(src.read())
        err, _ = taskswitch(env_with(XDG_CACHE_HOME=xdg), "--btf", given)
        assert not [l for l in err if "CO-RE:" in l], err
        assert not cache_files(xdg)


def test_same_programs_either_way():
    """The kernel runs the same instructions whether CO-RE was relocated
    against the cut-down BTF or the whole one."""
    pk.need_bpf()
    pk.need_host_tool("bpftool")
    with tempfile.TemporaryDirectory(prefix="pk-cache-") as xdg, \
            tempfile.TemporaryDirectory(prefix="pk-cache-") as empty:
        err_made, _ = taskswitch(env_with(XDG_CACHE_HOME=xdg))
        err_cut, cut = taskswitch(env_with(XDG_CACHE_HOME=xdg))
        err_whole, whole = taskswitch(env_with(XDG_CACHE_HOME=empty, PATH="/usr/bin:/bin"))
        assert any(MADE in l for l in err_made) and any(CACHED in l for l in err_cut)
        assert any(WHOLE in l for l in err_whole)
        assert cut and all(cut), cut
        assert cut == whole, (cut, whole)
