"""make install: the .pc file follows PREFIX, LIBDIR and INCDIR, the shared
library has its soname and exports only pk_ symbols, commands are installed
under names that clash with nothing, and a program builds against the
installed copy through pkg-config (shared and static) and runs. Also: the
section 3 pages render and name every function of the headers they cover."""
import json
import os
import re
import shutil
import subprocess
import tempfile

import pk

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def install_links():
    """What `make install` puts in BINDIR besides probekit: the Makefile's
    INSTALL_LINKS (one := line, then a += line per shelf)."""
    names = []
    if not os.path.exists(os.path.join(ROOT, "Makefile")):
        return names  # the kernel lane's guests: no source tree, and these tests skip there
    with open(os.path.join(ROOT, "Makefile")) as f:
        for line in f:
            m = re.match(r"INSTALL_LINKS\s*(:=|\+=)(.*)", line)
            if m:
                names = (names if m.group(1) == "+=" else []) + m.group(2).split()
    return names


BCC_NAMES = install_links()


def need_toolchain():
    # the QEMU lane's guests run the e2e tests without make or a compiler
    if not shutil.which("make") or not shutil.which("cc"):
        raise pk.Skip("no make or cc here: install tests run on the build machine")


def sh(argv, **kw):
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=120, **kw)
    assert r.returncode == 0, f"{' '.join(argv)} failed ({r.returncode}):\n{r.stdout[-3000:]}"
    return r.stdout


def install(dest, *assignments):
    sh(["make", "-s", "-C", ROOT, f"BUILD={pk.BUILD}", "install", f"DESTDIR={dest}",
        *assignments])


def pc_vars(path):
    out = {}
    for line in open(path):
        m = re.match(r"^(\w+)=(.*)$", line.strip())
        if m:
            out[m.group(1)] = m.group(2)
    return out


def pkg_config(dest, pcdir, *args):
    env = dict(os.environ, PKG_CONFIG_PATH=dest + pcdir, PKG_CONFIG_SYSROOT_DIR=dest)
    return sh(["pkg-config", *args, "libprobekit"], env=env).split()


def san_flags(lib):
    """The sanitizers a build tree was made with (make SANITIZE=...): a
    program linked with its libprobekit.so needs the same runtime first."""
    if os.environ.get("SANITIZE"):
        return [f"-fsanitize={os.environ['SANITIZE']}"]
    needed = sh(["readelf", "-d", lib])
    kinds = [k for lib_, k in (("libasan", "address"), ("libubsan", "undefined"))
             if lib_ in needed]
    return [f"-fsanitize={','.join(kinds)}"] if kinds else []


def kfunc_available():
    r = pk.run([pk.tool_path("probekit"), "features", "--json"])
    return [json.loads(l) for l in r.stdout.splitlines() if '"kfunc"' in l][0]["available"]


def check_kfunc_output(r, kfunc):
    if kfunc:
        assert r.returncode == 0 and r.stdout == "kfunc is supported\n", r
    else:
        assert r.returncode == 1 and r.stdout.startswith("kfunc is not supported: "), r


@pk.timeout(300)
def test_prefix_destdir_pc_soname_and_a_program_built_on_it():
    need_toolchain()
    with tempfile.TemporaryDirectory(prefix="pk-install-") as dest:
        install(dest, "PREFIX=/opt/x")
        lib = f"{dest}/opt/x/lib"
        # the .pc file names this install's directories, whatever `make` had
        pc = pc_vars(f"{lib}/pkgconfig/libprobekit.pc")
        assert pc == {"prefix": "/opt/x", "libdir": "/opt/x/lib",
                      "includedir": "/opt/x/include"}, pc

        # one real file, the soname link and the development link
        assert os.path.isfile(f"{lib}/libprobekit.so.0.1.0")
        assert not os.path.islink(f"{lib}/libprobekit.so.0.1.0")
        assert os.readlink(f"{lib}/libprobekit.so.0") == "libprobekit.so.0.1.0"
        assert os.readlink(f"{lib}/libprobekit.so") == "libprobekit.so.0"
        assert os.path.isfile(f"{lib}/libprobekit.a")
        dyn = sh(["readelf", "-d", f"{lib}/libprobekit.so.0.1.0"])
        assert "Library soname: [libprobekit.so.0]" in dyn, dyn
        # only the pk_ API is exported (the version node is an absolute symbol)
        syms = sh(["nm", "-D", "--defined-only", f"{lib}/libprobekit.so.0.1.0"]).splitlines()
        names = [l.split()[-1] for l in syms if l.split()[-2] != "A"]
        assert len(names) > 100, syms
        assert all(n.startswith("pk_") for n in names), [n for n in names if n[:3] != "pk_"]
        # the library-internal pk__ functions stay inside
        assert not any(n.startswith("pk__") for n in names), [n for n in names if n[:4] == "pk__"]
        assert "pk_attach__load@@PROBEKIT_0" in names

        # commands: probekit and the bcc names; generic ones only as subcommands
        bins = sorted(os.listdir(f"{dest}/opt/x/bin"))
        assert bins == sorted(["probekit"] + BCC_NAMES), bins
        for t in BCC_NAMES:
            assert os.readlink(f"{dest}/opt/x/bin/{t}") == "probekit"
        man8 = os.listdir(f"{dest}/opt/x/share/man/man8")
        assert "probekit-features.8" in man8 and "features.8" not in man8, man8
        assert "opensnoop.8" in man8 and "probekit.8" in man8, man8
        man3 = os.listdir(f"{dest}/opt/x/share/man/man3")
        assert {"probekit.3", "pk_attach.3", "pk_events.3", "pk_map.3", "pk_ksyms.3",
                "pk_usyms.3", "pk_trace_pipe.3"} <= set(man3), man3
        assert os.readlink(f"{dest}/opt/x/share/man/man3/pk_attach__load.3") == "pk_attach.3"
        for h in ("probekit.h", "attach.h", "probekit.bpf.h", "maps.bpf.h"):
            assert os.path.isfile(f"{dest}/opt/x/include/probekit/{h}"), h

        # pkg-config, with the stage as its sysroot
        cflags = pkg_config(dest, "/opt/x/lib/pkgconfig", "--cflags")
        libs = pkg_config(dest, "/opt/x/lib/pkgconfig", "--libs")
        static = pkg_config(dest, "/opt/x/lib/pkgconfig", "--static", "--libs")
        assert f"-I{dest}/opt/x/include" in cflags, cflags
        assert libs[:2] == [f"-L{lib}", "-lprobekit"] and "-lbpf" in libs, libs
        assert "-lelf" not in libs, libs
        assert {"-lprobekit", "-lbpf", "-lelf", "-lz", "-llzma"} <= set(static), static

        # the tutorial's check_kfunc, built on the installed library both ways
        kfunc = kfunc_available()
        san = san_flags(f"{lib}/libprobekit.so.0.1.0")
        src = os.path.join(ROOT, "examples", "check_kfunc.c")
        shared = f"{dest}/check_kfunc"
        sh(["cc", *san, "-O1", *cflags, src, "-o", shared, f"-Wl,-rpath,{lib}", *libs])
        ldd = sh(["ldd", shared])
        assert re.search(rf"libprobekit\.so\.0 => {re.escape(lib)}/libprobekit\.so\.0 ", ldd), ldd
        check_kfunc_output(pk.run([shared]), kfunc)
        if not san:  # sanitizer runtimes do not link statically
            linked = f"{dest}/check_kfunc-static"
            sh(["cc", "-static", "-O1", *cflags, src, "-o", linked, *static])
            assert "no dynamic section" in sh(["readelf", "-d", linked]), linked
            check_kfunc_output(pk.run([linked]), kfunc)


def test_pc_follows_libdir_and_incdir():
    need_toolchain()
    with tempfile.TemporaryDirectory(prefix="pk-install-") as dest:
        install(dest, "PREFIX=/usr", "LIBDIR=/usr/lib/x86_64-linux-gnu",
                "INCDIR=/usr/include/pk")
        pc = pc_vars(f"{dest}/usr/lib/x86_64-linux-gnu/pkgconfig/libprobekit.pc")
        assert pc == {"prefix": "/usr", "libdir": "/usr/lib/x86_64-linux-gnu",
                      "includedir": "/usr/include/pk"}, pc
        assert os.path.isfile(f"{dest}/usr/include/pk/probekit/attach.h")
        assert os.path.islink(f"{dest}/usr/lib/x86_64-linux-gnu/libprobekit.so.0")


# The section 3 pages and the headers each documents.
MAN3 = {"pk_attach.3": ["attach.h"], "pk_events.3": ["events.h"], "pk_map.3": ["maps.h"],
        "pk_ksyms.3": ["ksyms.h"], "pk_usyms.3": ["usyms.h"],
        "pk_trace_pipe.3": ["tracepipe.h"], "pk_event_table.3": ["eventtable.h"],
        "pk_hist.3": ["hist.h"], "pk_btf_stack_id.3": ["stackid.h"],
        "pk_metrics.3": ["metrics.h"]}


def declared_functions(header):
    text = open(os.path.join(ROOT, "include", "probekit", header)).read()
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return set(re.findall(r"\b(pk_\w+)\s*\(", text)) - {"pk_event_fn"}


def man_names(page):
    """The names a page's NAME section lists."""
    text = open(os.path.join(ROOT, "man", page)).read()
    name = text.split(".SH NAME\n", 1)[1].split(".SH", 1)[0]
    return set(re.findall(r"\b(pk_\w+|PK_SKEL_OPS)\b", name.replace("\\", "")))


def test_man3_pages_render_and_cover_their_headers():
    assert shutil.which("groff"), "groff is not installed (scripts/install-deps.sh has it)"
    for page in ["probekit.3"] + sorted(MAN3):
        path = os.path.join(ROOT, "man", page)
        r = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z", path],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert r.returncode == 0 and not r.stdout.strip(), (page, r.stdout)
    for page, headers in MAN3.items():
        declared = set().union(*(declared_functions(h) for h in headers))
        named = man_names(page) - {"PK_SKEL_OPS"}
        assert declared - named == set(), f"{page} does not document {sorted(declared - named)}"
        assert named - declared == set(), f"{page} names what the headers lack: " \
            f"{sorted(named - declared)}"


def test_man8_pages_render_and_name_their_installed_page():
    """Each section 8 page renders without a groff warning, and its NAME line
    is a whatis entry (lintian's bad-whatis-entry otherwise) that starts with
    the name `make install` gives it: the tool's own, or probekit-TOOL."""
    assert shutil.which("groff"), "groff is not installed (scripts/install-deps.sh has it)"
    for page in sorted(os.listdir(os.path.join(ROOT, "man"))):
        if not page.endswith(".8"):
            continue
        path = os.path.join(ROOT, "man", page)
        r = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z", path],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert r.returncode == 0 and not r.stdout.strip(), (page, r.stdout)
        tool = page[:-2]
        installed = tool if tool in BCC_NAMES + ["probekit"] else f"probekit-{tool}"
        line = open(path).read().split(".SH NAME\n", 1)[1].split("\n", 1)[0]
        names, sep, what = line.replace("\\-", "-").partition(" - ")
        names = [n.strip() for n in names.split(",")]
        assert sep and what and all(re.fullmatch(r"[\w.+-]+", n) for n in names), (page, line)
        assert names[0] == installed, (page, names, installed)


def test_as_root_runs_directly_as_root_and_explains_without_sudo():
    """scripts/as-root, which the README's commands and `make test` use: as
    root it runs the command as it is (a container has no sudo); a user
    without sudo gets one line saying what to do, and exit 1."""
    script = os.path.join(ROOT, "scripts", "as-root")
    if os.geteuid() == 0:
        r = subprocess.run([script, "sh", "-c", "id -u; echo $PK_AS_ROOT_MARK"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           env=dict(os.environ, PATH="/usr/bin:/bin", PK_AS_ROOT_MARK="x"))
        assert (r.returncode, r.stdout, r.stderr) == (0, "0\nx\n", ""), r
    with tempfile.TemporaryDirectory() as bindir:
        # a PATH with what the script needs and no sudo in it
        for tool in ("id", "env"):
            os.symlink(shutil.which(tool), os.path.join(bindir, tool))
        os.chmod(bindir, 0o755)
        # a copy nobody can read, wherever the tree is (/root is 0700)
        shutil.copy(script, os.path.join(bindir, "as-root"))
        argv = [os.path.join(bindir, "as-root"), "true"]
        if os.geteuid() == 0:
            argv = ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                    "/bin/bash", *argv]
        r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           env={"PATH": bindir})
    assert r.returncode == 1 and r.stdout == "", r
    assert r.stderr == "as-root: 'true' needs root, and there is no sudo: run it as root\n", r
    r = subprocess.run([script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert r.returncode == 2 and r.stderr.startswith("usage: as-root"), r
