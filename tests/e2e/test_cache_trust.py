"""The cache (lib/cache.c) holds what a process that can load BPF loads or
compiles in: `probekit run`'s objects, vmlinux.h and the CO-RE tools'
cut-down BTF. Nothing in it that another user could have written is ever
used: a directory someone else can write is refused for root's private
cache, and a planted, foreign or damaged entry is ignored and made again,
each with a one-line reason under -v (issue 25)."""
import glob
import os
import shutil
import subprocess
import tempfile

import pk

OTHER = 4242
GENUINE = """#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/* %s */
SEC("tp/syscalls/sys_enter_getppid")
int genuine_prog(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
"""
PLANTED = """#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("tp/syscalls/sys_enter_getppid")
int planted_by_uid_4242(void *ctx)
{
	bpf_printk("PLANTED-BY-UID-4242");
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
"""
CHECKED = "it and the directories above it are writable only by this user or root"


def need_clang():
    if os.environ.get("PK_RUN_PREBUILT") == "1":
        raise pk.Skip("no clang in the kernel lane's guests")
    pk.need_host_tool("clang")


class Box:
    """A root-owned 0755 directory in /tmp for one test, removed after it."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="pk-trust-")
        os.chmod(self.dir, 0o755)
        self.private = self.path("private")
        self.src = self.path("a.bpf.c")
        with open(self.src, "w") as f:
            # a comment of its own: no cache anywhere has this source yet
            f.write(GENUINE % self.dir)

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def mkdir(self, path, mode, owner=None):
        """@path (in the box unless absolute) with exactly @mode, whatever the umask."""
        path = self.path(path)
        os.mkdir(path)
        os.chmod(path, mode)
        if owner is not None:
            os.chown(path, owner, owner)
        return path

    def env(self, xdg, **kw):
        e = dict(os.environ, XDG_CACHE_HOME=xdg, PROBEKIT_PRIVATE_CACHE=self.private)
        e.update(kw)
        return e

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        shutil.rmtree(self.dir, ignore_errors=True)


def run_o(env, src, out, *args):
    """probekit run -v -o OUT SRC: compiles (or finds) SRC, copies it out; stderr lines."""
    r = pk.run([pk.tool_path("probekit"), "run", "-v", *args, "-o", out, src], env=env,
               timeout=120)
    assert r.returncode == 0, r.stderr
    return r.stderr.splitlines()


def as_user(uid, *argv):
    subprocess.run(["/usr/bin/setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                    *argv], check=True, timeout=30)


def cache_line(err):
    lines = [l for l in err if l.startswith("  cache: ") and "ignoring" not in l]
    assert len(lines) == 1, err
    return lines[0]


def ignored(err, path):
    return [l for l in err if l.startswith(f"  cache: ignoring {path}: ")]


def compiled(err):
    return any("-target bpf" in l for l in err)


def hit(err):
    return [l.split("compiled before, using ")[1] for l in err if "compiled before, using " in l]


def object_entry(cache):
    objs = glob.glob(os.path.join(cache, "probekit", "obj", "*.bpf.o"))
    assert len(objs) == 1, objs
    return objs[0]


def planted_object(box):
    """A compiled program that prints PLANTED-BY-UID-4242, made apart."""
    src = box.path("planted.bpf.c")
    with open(src, "w") as f:
        f.write(PLANTED)
    out = box.path("planted.bpf.o")
    run_o(box.env(box.path("planter-cache")), src, out)
    os.chmod(out, 0o644)
    return out


# The reproduction ----------------------------------------------------------------

def test_root_never_loads_an_object_planted_in_a_users_cache():
    """Issue 25's steps: XDG_CACHE_HOME is uid 4242's (0755); root runs a.bpf.c,
    uid 4242 replaces every object there with its own, root runs again."""
    pk.need_bpf()
    need_clang()
    with Box() as box:
        planted = planted_object(box)
        xdg = box.mkdir("xdg", 0o755, OTHER)
        # the user's own cache, as their earlier runs left it
        as_user(OTHER, "mkdir", "-p", os.path.join(xdg, "probekit", "obj"))
        argv = [pk.tool_path("probekit"), "run", "-v", "-d", "1", box.src]
        first = pk.run(argv, env=box.env(xdg), timeout=120)
        assert first.returncode == 0, first.stderr
        # uid 4242 plants its program wherever root cached one
        for obj in glob.glob(os.path.join(xdg, "**", "*.bpf.o"), recursive=True):
            as_user(OTHER, "cp", planted, obj + ".new")
            as_user(OTHER, "mv", "-f", obj + ".new", obj)
        r = pk.run(argv, env=box.env(xdg), timeout=120)
        assert r.returncode == 0, r.stderr
        err = r.stderr.splitlines()
        assert not any("planted_by_uid_4242" in l for l in err), err
        assert any(l.startswith("  tracepoint: genuine_prog on ") for l in err), err
        assert "PLANTED-BY-UID-4242" not in r.stdout, r.stdout[-400:]
        # the first run refused the directory and compiled in root's private cache
        line = cache_line(first.stderr.splitlines())
        assert line == (f"  cache: {box.private} (root's private cache), not {xdg}/probekit: "
                        f"{xdg} is owned by uid {OTHER}, not by uid 0 or root"), line
        assert compiled(first.stderr.splitlines()), first.stderr
        assert any(h.startswith(box.private + "/") for h in hit(err)), err
        # and root wrote nothing into the user's directory
        for root, dirs, files in os.walk(xdg):
            for name in dirs + files:
                st = os.lstat(os.path.join(root, name))
                assert st.st_uid == OTHER, (root, name, st.st_uid)


def test_root_falls_back_to_var_cache_probekit():
    """Without the tests' override, root's private cache is /var/cache/probekit
    (0700); only the entry this test made is removed after it."""
    need_clang()
    if os.geteuid() != 0:
        raise pk.Skip("root's private cache is root's")
    with Box() as box:
        xdg = box.mkdir("xdg", 0o775)
        env = box.env(xdg)
        del env["PROBEKIT_PRIVATE_CACHE"]
        out = box.path("out.bpf.o")
        existed = os.path.exists("/var/cache/probekit")
        objdir = "/var/cache/probekit/obj"
        before = set(os.listdir(objdir)) if os.path.isdir(objdir) else set()
        try:
            err = run_o(env, box.src, out)
            line = cache_line(err)
            assert line == ("  cache: /var/cache/probekit (root's private cache), not "
                            f"{xdg}/probekit: {xdg} is group-writable (mode 0775)"), line
            assert compiled(err), err
            err = run_o(env, box.src, out)
            used, = hit(err)
            assert used.startswith(objdir + "/"), err
            st = os.stat("/var/cache/probekit")
            assert st.st_uid == 0 and st.st_mode & 0o077 == 0, oct(st.st_mode)
        finally:
            # what this test made, and no more
            if not existed:
                shutil.rmtree("/var/cache/probekit", ignore_errors=True)
            elif os.path.isdir(objdir):
                for name in set(os.listdir(objdir)) - before:
                    os.unlink(os.path.join(objdir, name))


# Directories ---------------------------------------------------------------------

def refused_for(box, xdg, want):
    out = box.path("out.bpf.o")
    err = run_o(box.env(xdg), box.src, out)
    line = cache_line(err)
    assert line.startswith(f"  cache: {box.private} (root's private cache), not "), line
    assert line.endswith(want), (line, want)
    assert compiled(err) or hit(err)[0].startswith(box.private + "/"), err
    assert not os.path.exists(os.path.join(xdg, "probekit", "obj")), os.listdir(xdg)


def test_group_or_world_writable_cache_directories_are_refused():
    need_clang()
    with Box() as box:
        xdg = box.mkdir("xdg", 0o775)
        refused_for(box, xdg, f"{xdg} is group-writable (mode 0775)")
        os.chmod(xdg, 0o777)
        refused_for(box, xdg, f"{xdg} is world-writable (mode 0777)")
        # sticky will do above the cache (as /tmp), never for the cache itself
        os.chmod(xdg, 0o700)
        box.mkdir(os.path.join(xdg, "probekit"), 0o1777)
        refused_for(box, xdg, f"{xdg}/probekit is world-writable (mode 1777)")


def test_a_sticky_parent_owned_by_root_is_accepted():
    need_clang()
    with Box() as box:
        sticky = box.mkdir("sticky", 0o1777)
        xdg = box.mkdir(os.path.join(sticky, "mine"), 0o700)
        out = box.path("out.bpf.o")
        err = run_o(box.env(xdg), box.src, out)
        assert cache_line(err) == f"  cache: {xdg}/probekit ($XDG_CACHE_HOME; {CHECKED})", err
        assert hit(run_o(box.env(xdg), box.src, out)), err


def test_a_parent_directory_owned_by_another_user_is_refused():
    need_clang()
    with Box() as box:
        theirs = box.mkdir("theirs", 0o755, OTHER)
        xdg = box.mkdir(os.path.join(theirs, "xdg"), 0o700)
        refused_for(box, xdg, f"{theirs} is owned by uid {OTHER}, not by uid 0 or root")


def test_a_private_cache_that_cannot_be_trusted_leaves_none():
    """Refused twice (the usual and root's): a directory for this run only,
    removed when it ends."""
    need_clang()
    with Box() as box:
        xdg = box.mkdir("xdg", 0o777)
        box.mkdir(box.private, 0o777)
        before = set(glob.glob("/tmp/probekit-cache-*"))
        err = run_o(box.env(xdg), box.src, box.path("out.bpf.o"))
        line = cache_line(err)
        assert line.startswith("  cache: none kept: /tmp/probekit-cache-"), line
        assert f"{box.private} is world-writable (mode 0777)" in line, line
        assert set(glob.glob("/tmp/probekit-cache-*")) == before
        assert open(box.path("out.bpf.o"), "rb").read(4) == b"\x7fELF"


# Entries ---------------------------------------------------------------------------

def trusted_cache(box):
    xdg = box.mkdir("xdg", 0o700)
    out = box.path("out.bpf.o")
    err = run_o(box.env(xdg), box.src, out)
    assert compiled(err) and cache_line(err).startswith(f"  cache: {xdg}/probekit ("), err
    return xdg, out, open(out, "rb").read()


def remade(box, xdg, out, good, path, reason):
    err = run_o(box.env(xdg), box.src, out)
    lines = ignored(err, path)
    assert len(lines) == 1 and lines[0].endswith(reason), (lines, reason, err)
    assert compiled(err), err
    assert open(out, "rb").read() == good
    st = os.lstat(path)
    assert st.st_uid == 0 and st.st_mode & 0o7777 == 0o600, (oct(st.st_mode), st.st_uid)
    # and it is used again
    assert hit(run_o(box.env(xdg), box.src, out)) == [path]


SPOILS = {"symlink": ": a symbolic link",
          "owner": f": owned by uid {OTHER}, not by uid 0 or root",
          "mode": ": world-writable (mode 0606)",
          "damaged": ": damaged (its SHA-256 is not its header's)"}


def spoil(path, what, fake):
    """Does to the entry @path what SPOILS[@what] says; a symlink leads to @fake."""
    if what == "symlink":
        os.unlink(path)
        os.symlink(fake, path)
    elif what == "owner":
        os.chown(path, OTHER, OTHER)
    elif what == "mode":
        os.chmod(path, 0o606)
    else:
        with open(path, "r+b") as f:
            f.write(b"#error planted\n")


def test_a_symlink_planted_as_a_cache_file_is_not_followed():
    need_clang()
    with Box() as box:
        xdg, out, good = trusted_cache(box)
        obj = object_entry(xdg)
        planted = planted_object(box)
        os.unlink(obj)
        os.symlink(planted, obj)
        remade(box, xdg, out, good, obj, ": a symbolic link")
        assert b"planted_by_uid_4242" in open(planted, "rb").read()


def test_a_cache_file_owned_by_another_user_is_ignored():
    need_clang()
    with Box() as box:
        xdg, out, good = trusted_cache(box)
        obj = object_entry(xdg)
        os.chown(obj, OTHER, OTHER)
        remade(box, xdg, out, good, obj, f": owned by uid {OTHER}, not by uid 0 or root")
        os.chmod(obj, 0o620)
        remade(box, xdg, out, good, obj, ": group-writable (mode 0620)")


def test_truncated_or_damaged_entries_are_made_again():
    need_clang()
    with Box() as box:
        xdg, out, good = trusted_cache(box)
        obj = object_entry(xdg)
        with open(obj, "r+b") as f:
            f.truncate(100)
        remade(box, xdg, out, good, obj, f": truncated (100 bytes, its header says {len(good)})")
        with open(obj, "r+b") as f:
            f.seek(len(good) // 2)
            byte = f.read(1)
            f.seek(len(good) // 2)
            f.write(bytes([byte[0] ^ 0xff]))
        remade(box, xdg, out, good, obj, ": damaged (its SHA-256 is not its header's)")
        with open(obj + ".sum", "r+b") as f:
            f.truncate(50)
        remade(box, xdg, out, good, obj, f": its header {obj}.sum is damaged")
        os.unlink(obj + ".sum")
        remade(box, xdg, out, good, obj, f": no header ({obj}.sum)")
        os.symlink(box.src, obj + ".sum.x")
        os.unlink(obj + ".sum")
        os.rename(obj + ".sum.x", obj + ".sum")
        remade(box, xdg, out, good, obj, f": its header {obj}.sum: a symbolic link")


def test_the_header_list_entry_is_checked_too():
    need_clang()
    with Box() as box:
        xdg, out, good = trusted_cache(box)
        deps, = glob.glob(os.path.join(xdg, "probekit", "obj", "*.deps"))
        size = os.path.getsize(deps)
        with open(deps, "a") as f:
            f.write("/etc/hostname\n")
        err = run_o(box.env(xdg), box.src, out)
        lines = ignored(err, deps)
        want = f": grown ({size + 14} bytes, its header says {size})"
        assert len(lines) == 1 and lines[0].endswith(want), (want, err)
        assert compiled(err), err
        assert open(out, "rb").read() == good


def test_vmlinux_h_is_checked_as_every_entry():
    need_clang()
    with Box() as box:
        xdg, out, good = trusted_cache(box)
        vml, = glob.glob(os.path.join(xdg, "probekit", "vmlinux", "*", "vmlinux.h"))
        header = open(vml, "rb").read()
        fake = box.path("fake-vmlinux.h")
        with open(fake, "w") as f:
            f.write("#error planted\n")
        for what in ("symlink", "owner", "damaged"):
            spoil(vml, what, fake)
            # a new source: a compile, which includes vmlinux.h
            with open(box.src, "a") as f:
                f.write(f"/* {what} */\n")
            err = run_o(box.env(xdg), box.src, out)
            lines = ignored(err, vml)
            assert len(lines) == 1 and lines[0].endswith(SPOILS[what]), (what, err)
            assert any(l == f"writing {vml} from the kernel's BTF" for l in err), err
            assert compiled(err), err
            assert open(vml, "rb").read() == header
            assert os.lstat(vml).st_uid == 0


def test_an_ordinary_user_with_cap_bpf_keeps_their_cache():
    """uid 4243 with CAP_BPF and CAP_PERFMON (setpriv): their own ~/.cache is
    checked, passes, and hits."""
    need_clang()
    uid = OTHER + 1
    with Box() as box:
        home = box.mkdir("home", 0o755, uid)
        shutil.copy(box.src, os.path.join(home, "a.bpf.c"))
        os.chown(os.path.join(home, "a.bpf.c"), uid, uid)
        env = dict(os.environ, HOME=home)
        env.pop("XDG_CACHE_HOME", None)
        argv = ["/usr/bin/setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                "--inh-caps=+bpf,+perfmon", "--ambient-caps=+bpf,+perfmon",
                pk.tool_path("probekit"), "run", "-v", "-o", os.path.join(home, "out.bpf.o"),
                os.path.join(home, "a.bpf.c")]
        errs = []
        for _ in range(2):
            r = pk.run(argv, env=env, timeout=120)
            assert r.returncode == 0, r.stderr
            errs.append(r.stderr.splitlines())
        cache = os.path.join(home, ".cache", "probekit")
        assert cache_line(errs[0]) == f"  cache: {cache} ($HOME; {CHECKED})", errs[0]
        assert compiled(errs[0]) and not compiled(errs[1]), errs
        used, = hit(errs[1])
        assert used.startswith(cache + "/obj/"), used
        st = os.stat(used)
        assert st.st_uid == uid and st.st_mode & 0o7777 == 0o600, oct(st.st_mode)


# Pruning -------------------------------------------------------------------------

def test_entries_of_other_compilers_and_old_ones_past_the_bound_are_pruned():
    need_clang()
    with Box() as box:
        xdg, out, good = trusted_cache(box)
        obj = object_entry(xdg)
        objdir = os.path.dirname(obj)
        old = 2 * 24 * 3600
        # another compiler's entry (its header's context differs), unused for two days
        other = os.path.join(objdir, "0" * 64 + ".bpf.o")
        shutil.copy(obj, other)
        sumb = bytearray(open(obj + ".sum", "rb").read())
        sumb[48] ^= 1
        open(other + ".sum", "wb").write(bytes(sumb))
        # a big entry of this compiler, unused for two days
        big = os.path.join(objdir, "1" * 64 + ".bpf.o")
        with open(big, "wb") as f:
            f.write(b"\0" * (3 << 20))
        shutil.copy(obj + ".sum", big + ".sum")
        # one left half-written by a process that died
        tmp = os.path.join(objdir, ".tmp-1-0-x.bpf.o")
        open(tmp, "wb").close()
        for p in (other, other + ".sum", big, big + ".sum", tmp):
            st = os.stat(p)
            os.utime(p, (st.st_atime - old, st.st_mtime - old))
        # a new compile stores, then prunes (the bound: 4 MB, vmlinux.h is most)
        with open(box.src, "a") as f:
            f.write("/* another */\n")
        err = run_o(box.env(xdg, PROBEKIT_CACHE_MAX_MB="4"), box.src, out)
        assert compiled(err), err
        for p in (other, other + ".sum", big, big + ".sum", tmp):
            assert not os.path.exists(p), p
        assert os.path.exists(obj) and os.path.exists(obj + ".sum")


# The CO-RE BTF of the compiled-in tools -------------------------------------------

MADE = ("CO-RE: against the kernel's whole BTF this once; a bpftool child cuts it down for "
        "these programs meanwhile")


def taskswitch(env):
    proc = pk.Proc([pk.tool_path("taskswitch"), "--mechanism", "raw_tp", "-v", "--json"],
                   env=env)
    proc.wait_for(lambda l: ": using " in l, 30, stream="err", what="'using' line")
    assert proc.stop() == 0, proc.err
    return proc.err


def test_core_btf_cache_is_checked_the_same():
    pk.need_bpf()
    pk.need_host_tool("bpftool")
    with Box() as box:
        theirs = box.mkdir("theirs", 0o755, OTHER)
        err = taskswitch(box.env(theirs))
        line = cache_line(err)
        assert line == (f"  cache: {box.private} (root's private cache), not {theirs}/probekit: "
                        f"{theirs} is owned by uid {OTHER}, not by uid 0 or root"), line
        made = [l for l in err if MADE in l]
        assert made and made[0].endswith(".btf") and box.private in made[0], err
        path = made[0].rsplit(" ", 1)[1]
        assert not os.listdir(theirs)
        good = open(path, "rb").read()
        fake = box.path("fake.btf")
        with open(fake, "wb") as f:
            f.write(good)
        for what in ("symlink", "owner", "mode", "damaged"):
            spoil(path, what, fake)
            err = taskswitch(box.env(theirs))
            lines = ignored(err, path)
            assert len(lines) == 1 and lines[0].endswith(SPOILS[what]), (what, err)
            assert any(MADE in l for l in err), err
            st = os.lstat(path)
            assert st.st_uid == 0 and st.st_mode & 0o7777 == 0o600 and \
                open(path, "rb").read() == good, (what, oct(st.st_mode))
