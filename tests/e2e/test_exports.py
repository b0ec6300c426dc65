"""The shared library exports exactly the documented API: every function
the public headers declare (as the compiler sees them, through gcc's
-aux-info on the umbrella header), and nothing else (as the dynamic linker
sees the library, through nm -D)."""
import os
import re
import tempfile

import pk

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
INCLUDE = os.path.join(ROOT, "include")
HEADERS = os.path.join(INCLUDE, "probekit")


def declared():
    """Functions with external linkage declared in include/probekit/*.h."""
    cc = pk.need_host_tool("gcc")
    with tempfile.TemporaryDirectory(prefix="pk-exports-") as tmp:
        src, aux = os.path.join(tmp, "all.c"), os.path.join(tmp, "aux.txt")
        with open(src, "w") as f:
            f.write("#include <probekit/probekit.h>\n")
        r = pk.run([cc, "-std=gnu11", "-D_GNU_SOURCE", "-I" + INCLUDE, "-fsyntax-only",
                    "-aux-info", aux, src], timeout=60)
        assert r.returncode == 0, r.stderr
        with open(aux) as f:
            lines = [l for l in f if HEADERS + "/" in l]
    names = set()
    for l in lines:
        if re.search(r"\*/ static ", l):
            continue
        m = re.search(r"\b(pk_\w+) \(", l)
        assert m, l
        names.add(m.group(1))
    return names


def exported():
    nm = pk.need_host_tool("nm")
    r = pk.run([nm, "-D", "--defined-only", os.path.join(pk.BUILD, "libprobekit.so")],
               timeout=60)
    assert r.returncode == 0, r.stderr
    names = set()
    for l in r.stdout.splitlines():
        parts = l.split()
        if len(parts) == 3 and parts[1] != "A":
            names.add(parts[2].split("@")[0])
    return names


def test_umbrella_includes_every_public_header():
    with open(os.path.join(HEADERS, "probekit.h")) as f:
        included = set(re.findall(r"#include <probekit/(\w+\.h)>", f.read()))
    public = {h for h in os.listdir(HEADERS) if h.endswith(".h")} - {"probekit.h"}
    assert included == public, (public - included, included - public)


def test_exported_symbols_are_the_declared_functions():
    d, e = declared(), exported()
    assert len(d) > 100, sorted(d)
    assert not e - d, f"exported but not declared in include/probekit: {sorted(e - d)}"
    assert not d - e, f"declared in include/probekit but not exported: {sorted(d - e)}"


def test_debian_symbols_file_lists_the_exported_symbols():
    """debian/libprobekit0.symbols names every exported function and no other
    (`make deb` fails otherwise, late in CI; scripts/update-symbols.sh mends it)."""
    e = exported()
    path = os.path.join(ROOT, "debian", "libprobekit0.symbols")
    with open(path) as f:
        # the version node (PROBEKIT_0@PROBEKIT_0) is no function
        listed = {line.split()[0].split("@")[0] for line in f
                  if line.startswith(" ") and "@PROBEKIT_" in line} - {"PROBEKIT_0"}
    assert not e - listed, f"exported but not in {path} (scripts/update-symbols.sh): " \
                           f"{sorted(e - listed)}"
    assert not listed - e, f"in {path} but not exported: {sorted(listed - e)}"
