"""lib/ keeps its layers (lib/README.md): scripts/check-layers.py passes on
the library as built, and fails on an upward include, an upward call and a
circle of calls, made here in a scratch tree with the system's compiler and
seen through nm, as the real check sees the library."""
import os
import shutil
import subprocess
import sys
import tempfile

import pk

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CHECK = os.path.join(ROOT, "scripts", "check-layers.py")


def check(src, build):
    pk.need_host_tool("nm")
    return pk.run([sys.executable, CHECK, "--src", src, "--build", build], timeout=60)


def test_library():
    r = check(ROOT, pk.BUILD)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "no upward include or call, no circle" in r.stdout, r.stdout


def test_upward_include_fails():
    with tempfile.TemporaryDirectory(prefix="pk-layers-") as tmp:
        shutil.copytree(os.path.join(ROOT, "lib"), os.path.join(tmp, "lib"))
        why = os.path.join(tmp, "lib", "base", "why.c")
        with open(why, "a") as f:
            f.write('#include "../print/print.h"\n')
        r = check(tmp, pk.BUILD)
        assert r.returncode == 1, r.stdout
        assert r.stdout.splitlines() == [
            "check-layers: lib/base/why.c: upward include of lib/print/print.h "
            "(base is below print)"], r.stdout


def write_lib(tmp, files):
    """@files: {"layer/name.c": source}, compiled to tmp/build/lib/layer/name.o."""
    cc = pk.need_host_tool("cc")
    for rel, text in files.items():
        src = os.path.join(tmp, "lib", rel)
        obj = os.path.join(tmp, "build", "lib", rel[:-2] + ".o")
        os.makedirs(os.path.dirname(src), exist_ok=True)
        os.makedirs(os.path.dirname(obj), exist_ok=True)
        with open(src, "w") as f:
            f.write(text)
        r = pk.run([cc, "-c", "-o", obj, src], timeout=60)
        assert r.returncode == 0, r.stderr


def test_upward_call_and_circle_fail():
    with tempfile.TemporaryDirectory(prefix="pk-layers-") as tmp:
        write_lib(tmp, {
            "base/low.c": "int pk_high(void);\nint pk_low(void) { return pk_high(); }\n",
            "print/high.c": "int pk_high(void) { return 1; }\n",
            # a circle inside one layer, through a variable as well as a call
            "data/a.c": "extern int pk_b_count;\nint pk_a(void) { return pk_b_count; }\n",
            "data/b.c": "int pk_a(void);\nint pk_b_count;\nint pk_b(void) { return pk_a(); }\n",
            "data/c.c": "int pk_a(void);\nint pk_c(void) { return pk_a(); }\n",
        })
        r = check(tmp, os.path.join(tmp, "build"))
        assert r.returncode == 1, r.stdout
        assert r.stdout.splitlines() == [
            "check-layers: lib/base/low.c: upward call of pk_high in lib/print/high.c "
            "(base is below print)",
            "check-layers: call circle: lib/data/a.c -> lib/data/b.c -> lib/data/a.c",
        ], r.stdout


def test_flat_file_fails():
    with tempfile.TemporaryDirectory(prefix="pk-layers-") as tmp:
        write_lib(tmp, {"base/ok.c": "int pk_ok(void) { return 0; }\n"})
        with open(os.path.join(tmp, "lib", "loose.c"), "w") as f:
            f.write("int pk_loose(void) { return 0; }\n")
        r = check(tmp, os.path.join(tmp, "build"))
        assert r.returncode == 1, r.stdout
        assert "lib/loose.c: not in a layer's folder" in r.stdout, r.stdout
