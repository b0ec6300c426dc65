"""Kernels without BTF (CONFIG_DEBUG_INFO_BTF off, as on Ubuntu 20.04),
played on this kernel with the override: PROBEKIT_BTF=none (or --btf none)
stands for such a kernel, and PROBEKIT_BTF=FILE (or --btf FILE) for one with
a BTF file from elsewhere, here made by `bpftool gen min_core_btf` from
/sys/kernel/btf/vmlinux for the tool's own object. The suite's tests of the
tools that need no CO-RE run again under "none", and those of the CO-RE
tools under their min_core_btf file, asserting the same real events."""
import importlib.util
import os
import subprocess
import tempfile

import pk

NO_BTF = "the kernel has no BTF (CONFIG_DEBUG_INFO_BTF is not set)"
E2E = os.path.dirname(os.path.abspath(__file__))


def features(*args, env=None):
    r = pk.run([pk.tool_path("probekit"), "features", "--json", *args], env=env)
    assert r.returncode == 0, r.stderr
    return {o["feature"]: o for o in pk.json_lines(r.stdout.splitlines())}


def with_btf(value):
    env = dict(os.environ)
    env["PROBEKIT_BTF"] = value
    return env


def run_suite_module(module, value, skip=()):
    """Runs every test of tests/e2e/test_MODULE.py with PROBEKIT_BTF=value."""
    spec = importlib.util.spec_from_file_location(
        f"nobtf_{module}", os.path.join(E2E, f"test_{module}.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    old = os.environ.get("PROBEKIT_BTF")
    os.environ["PROBEKIT_BTF"] = value
    ran, skipped = 0, []
    try:
        for name, fn in list(vars(mod).items()):
            if not name.startswith("test_") or not callable(fn) or name in skip:
                continue
            try:
                fn()
            except pk.Skip as e:
                # a precondition other than BTF missing here (32-bit programs):
                # that test skips in the suite too, the others still run
                skipped.append(f"{name[5:]}: {e}")
                continue
            except Exception as e:
                raise AssertionError(f"{module}/{name[5:]} with PROBEKIT_BTF={value}: "
                                     f"{type(e).__name__}: {e}") from e
            finally:
                pk.cleanup()
            ran += 1
    finally:
        if old is None:
            del os.environ["PROBEKIT_BTF"]
        else:
            os.environ["PROBEKIT_BTF"] = old
    if not ran and skipped:
        raise pk.Skip(f"every test of test_{module}.py skipped: {skipped}")
    assert ran >= 3, f"only {ran} tests in test_{module}.py ran (skipped: {skipped})"


def min_core_btf(tool, directory):
    """A BTF file with just what @tool's CO-RE relocations need."""
    out = os.path.join(directory, f"{tool}.btf")
    obj = os.path.join(pk.BUILD, "bpf", f"{tool}.bpf.o")
    r = pk.run(["bpftool", "gen", "min_core_btf", "/sys/kernel/btf/vmlinux", out, obj])
    assert r.returncode == 0 and os.path.getsize(out) > 0, r.stderr
    return out


def test_features_and_check_kfunc_without_btf():
    pk.need_bpf()
    for args, env in ((("--btf", "none"), None), ((), with_btf("none"))):
        feats = features(*args, env=env)
        assert not feats["btf"]["available"] and "none" in feats["btf"]["reason"], feats["btf"]
        assert not feats["kfunc"]["available"] and feats["kfunc"]["reason"] == NO_BTF
        assert not feats["tp_btf"]["available"] and NO_BTF in feats["tp_btf"]["reason"]
        # what needs no BTF is still there
        for name in ("tracepoint", "raw_tp", "uprobe", "ringbuf"):
            assert feats[name]["available"], feats[name]
    r = pk.run([pk.tool_path("check_kfunc")], env=with_btf("none"))
    assert r.returncode == 1 and r.stdout == f"kfunc is not supported: {NO_BTF}\n", r
    r = pk.run([pk.tool_path("check_kfunc"), "--btf", "none"])
    assert r.returncode == 1 and r.stdout == f"kfunc is not supported: {NO_BTF}\n", r
    # and without the override, the kernel's own BTF again
    assert features()["btf"]["reason"].startswith("kernel BTF at /sys/kernel/btf/vmlinux")


def test_co_re_tools_say_they_need_btf():
    pk.need_bpf()
    # execcount carries no CO-RE relocation (its raw_tp reads plain u64s): no BTF needed
    r = pk.run([pk.tool_path("execcount"), "--btf", "none", "-d", "1"])
    assert r.returncode == 0 and "ROOT" in r.stdout, r
    for tool in ("taskswitch",):
        for argv, env in (([pk.tool_path(tool), "--btf", "none", "-d", "1"], None),
                          ([pk.tool_path(tool), "-d", "1"], with_btf("none"))):
            before = pk.bpf_objects()
            r = pk.run(argv, env=env)
            assert r.returncode == 1, (argv, r)
            lines = r.stderr.splitlines()
            assert len(lines) == 1 and "need CO-RE" in lines[0] and NO_BTF in lines[0] \
                and "--btf FILE" in lines[0], lines
            pk.assert_none_left(before, tool)


def test_bad_btf_files_are_usage_errors():
    with tempfile.NamedTemporaryFile() as f:
        f.write(b"not BTF at all")
        f.flush()
        for path, why in (("/nonexistent/vmlinux", "No such file"), (f.name, "not a BTF")):
            r = pk.run([pk.tool_path("taskswitch"), "--btf", path])
            assert r.returncode == 2 and len(r.stderr.splitlines()) == 1 \
                and why in r.stderr, (path, r)


@pk.timeout(300)
def test_opensnoop_suite_without_btf():
    pk.need_bpf()
    # -F reads the opener's directory with CO-RE: below, and with a BTF file
    run_suite_module("opensnoop", "none", skip=("test_full_path_is_the_directory_at_the_open",))
    r = pk.run([pk.tool_path("opensnoop"), "-F", "--btf", "none", "-d", "1"])
    assert r.returncode == 1 and len(r.stderr.splitlines()) == 1 \
        and "need CO-RE" in r.stderr, r


@pk.timeout(300)
def test_statsnoop_suite_without_btf():
    pk.need_bpf()
    run_suite_module("statsnoop", "none")


@pk.timeout(300)
def test_stacksnoop_tracepoints_without_btf():
    pk.need_bpf()
    # a kernel function target needs fentry or kprobes, which this kernel lacks anyway
    run_suite_module("stacksnoop", "none", skip=("test_kernel_function_target",))


@pk.timeout(300)
def test_co_re_tools_from_a_min_core_btf_file():
    pk.need_bpf()
    with tempfile.TemporaryDirectory(prefix="pk-btf-") as d:
        # opensnoop's -F object reads the opener's directory with CO-RE
        for tool, obj in (("taskswitch", "taskswitch"), ("opensnoop", "opensnoop_full")):
            btf = min_core_btf(obj, d)
            feats = features("--btf", btf)
            assert feats["btf"]["available"] and btf in feats["btf"]["reason"], feats["btf"]
            run_suite_module(tool, btf)
        # the file really is what relocates: one made for a program without
        # CO-RE has none of the types, and the load fails
        empty = min_core_btf("opensnoop", d)
        r = pk.run([pk.tool_path("taskswitch"), "--btf", empty, "-d", "1"])
        assert r.returncode == 1 and "cannot attach" in r.stderr \
            and "failed to resolve CO-RE relocation" in r.stderr, r
