"""mallocstacks against tests/helpers/mallocer.c: alloc_a() mallocs 4096
bytes 10 times, alloc_b() 100 bytes 7 times, each from one call site."""
import os
import re
import shutil
import subprocess

import pk

FOLDED = re.compile(r"^[^;\s][^;]*(;[^;]+)* \d+$")


def start_target(argv=None, preexec_fn=None):
    target = pk.Proc(argv or [pk.helper_path("mallocer")], stdin=subprocess.PIPE,
                     preexec_fn=preexec_fn)
    target.wait_for(lambda l: l == "ready", what="'ready'")
    return target


def allocate_and_exit(target):
    target.p.stdin.write(b"go\n")
    target.p.stdin.flush()
    target.wait_for(lambda l: l == "done", what="'done'")
    target.p.stdin.close()
    assert target.wait() == 0


def blocks(lines):
    """The text output as [(bytes, [frame, ...]), ...]."""
    out = []
    for line in lines:
        m = re.match(r"^(\d+) bytes allocated at:$", line)
        if m:
            out.append((int(m.group(1)), []))
        elif line.startswith("\t") and out:
            out[-1][1].append(line[1:])
    return out


def block_with(found, func):
    for nbytes, frames in found:
        if any(f.startswith(func + "+0x") for f in frames):
            return nbytes, frames
    raise AssertionError(f"no stack with {func}: {found!r}")


def check_text(lines, module="mallocer"):
    found = blocks(lines)
    nbytes, frames = block_with(found, "alloc_a")
    assert nbytes == 40960, (nbytes, frames)
    assert any(re.match(r"^alloc_a\+0x[0-9a-f]+ \(%s\)$" % module, f) for f in frames), frames
    assert any(f.startswith("main+0x") for f in frames), frames
    nbytes, frames = block_with(found, "alloc_b")
    assert nbytes == 700, (nbytes, frames)
    # sorted by bytes, largest first
    sizes = [n for n, _ in found]
    assert sizes == sorted(sizes, reverse=True), sizes


def test_pid_reports_alloc_a_and_alloc_b():
    pk.need_bpf()
    target = start_target()
    tool = pk.start_tool("mallocstacks", "-p", str(target.pid))
    assert f"in pid {target.pid}" in tool.out[0], tool.out
    held = pk.bpf_objects(tool.pid)
    allocate_and_exit(target)
    # the target is gone: the tool prints what it has and exits 0 by itself
    assert tool.wait(15) == 0, tool.err
    check_text(tool.out)
    pk.assert_released(held)


def test_folded_output():
    pk.need_bpf()
    target = start_target()
    tool = pk.start_tool("mallocstacks", "-v", "-f", "-p", str(target.pid), ready=None)
    tool.wait_for(lambda l: "attached 3 uprobes" in l, stream="err", what="attach message")
    allocate_and_exit(target)
    assert tool.wait(15) == 0, tool.err
    assert tool.out, tool.err
    for line in tool.out:
        assert FOLDED.match(line), f"not folded: {line!r}"
    assert any(re.search(r";main;alloc_a;malloc 40960$", l) for l in tool.out), tool.out
    assert any(re.search(r";main;alloc_b;malloc 700$", l) for l in tool.out), tool.out


def test_json_output():
    pk.need_bpf()
    target = start_target()
    tool = pk.start_tool("mallocstacks", "-v", "--json", "-p", str(target.pid), ready=None)
    tool.wait_for(lambda l: "attached 3 uprobes" in l, stream="err", what="attach message")
    allocate_and_exit(target)
    assert tool.wait(15) == 0, tool.err
    objs = pk.json_lines(tool.out)
    by_func = {}
    for o in objs:
        assert o["pid"] == target.pid
        for f in o["stack"]:
            if f["symbol"] in ("alloc_a", "alloc_b"):
                by_func[f["symbol"]] = o
                assert f["module"].endswith("/mallocer"), f
                assert f["offset"] > 0, f
    assert by_func["alloc_a"]["bytes"] == 40960
    assert by_func["alloc_a"]["allocations"] == 10
    assert by_func["alloc_b"]["bytes"] == 700
    assert by_func["alloc_b"]["allocations"] == 7


def test_top_limits_stacks():
    pk.need_bpf()
    target = start_target()
    tool = pk.start_tool("mallocstacks", "-t", "1", "-p", str(target.pid))
    allocate_and_exit(target)
    assert tool.wait(15) == 0, tool.err
    found = blocks(tool.out)
    assert len(found) == 1 and found[0][0] == 40960, found


def test_command_is_started_and_traced():
    pk.need_bpf()
    r = pk.run([pk.tool_path("mallocstacks"), "-c", pk.helper_path("mallocer") + " now"])
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert "done" in lines
    check_text(lines)


def test_other_mount_namespace():
    """A copy of the target that only its own mount namespace can see."""
    pk.need_bpf()
    if not shutil.which("unshare"):
        raise AssertionError("unshare(1) is needed for this test")
    hidden = os.path.join(pk.BUILD, "tests", "ns-hidden")
    os.makedirs(hidden, exist_ok=True)
    exe = os.path.join(hidden, "mallocer")
    script = (f"mount --make-rprivate / && mount -t tmpfs none {hidden} && "
              f"cp {pk.helper_path('mallocer')} {hidden}/ && exec {exe}")
    target = start_target(["unshare", "-m", "sh", "-c", script])
    assert not os.path.exists(exe), "the copy should be invisible from here"
    tool = pk.start_tool("mallocstacks", "-p", str(target.pid))
    allocate_and_exit(target)
    assert tool.wait(15) == 0, tool.err
    check_text(tool.out)


def test_usage_errors():
    bad = [[], ["-p", "1", "-c", "true"], ["-p", "999999999"], ["-p", "x"], ["-t", "0", "-p", "1"],
           ["-f", "--json", "-p", "1"]]
    for args in bad:
        r = pk.run([pk.tool_path("mallocstacks"), *args])
        assert r.returncode == 2, (args, r.returncode, r.stderr)
        assert r.stderr.startswith("mallocstacks: "), (args, r.stderr)


def test_perf_buffer_path():
    pk.need_bpf()
    r = pk.run([pk.tool_path("mallocstacks"), "--perf-buffer", "-c",
                pk.helper_path("mallocer") + " now"])
    assert r.returncode == 0, r.stderr
    check_text(r.stdout.splitlines())


def test_exec_keeps_each_image_apart():
    """A target that execs: the stacks of its first image are symbolized
    with the first image's maps, not the new one's."""
    pk.need_bpf()
    target = start_target([pk.helper_path("mallocer"), "exec"])
    tool = pk.start_tool("mallocstacks", "-v", "-p", str(target.pid))
    target.p.stdin.write(b"go\n")
    target.p.stdin.flush()
    # the new image says ready again
    target.wait_for(lambda l: l == "ready" and target.out.count("ready") == 2, what="2nd ready")
    tool.wait_for(lambda l: "exec'd" in l, stream="err", what="exec message")
    target.p.stdin.write(b"go\n")
    target.p.stdin.flush()
    target.wait_for(lambda l: l == "done", what="'done'")
    # stopped while the new image still runs, so its maps can be read
    assert tool.stop() == 0, tool.err
    target.p.stdin.close()
    assert target.wait() == 0
    found = blocks(tool.out)
    with_a = [(n, f) for n, f in found if any(x.startswith("alloc_a+0x") for x in f)]
    assert len(with_a) == 2 and all(n == 40960 for n, _ in with_a), (found, tool.err)
    nbytes, _ = block_with(found, "alloc_b")
    assert nbytes == 700


def link_types(pid):
    """The kernel's type of each BPF link process pid holds (fdinfo link_type)."""
    types = []
    fddir = f"/proc/{pid}/fdinfo"
    for fd in os.listdir(fddir):
        try:
            with open(os.path.join(fddir, fd)) as f:
                for line in f:
                    if line.startswith("link_type:"):
                        types.append(line.split(":", 1)[1].strip())
        except OSError:
            pass
    return sorted(types)


def uprobe_multi_expected():
    """From the kernel's version, not from probekit: uprobe_multi links
    filtering by process are in 6.10 and later, none before 6.6."""
    m = re.match(r"(\d+)\.(\d+)", os.uname().release)
    version = (int(m.group(1)), int(m.group(2)))
    if version >= (6, 10):
        return True
    if version < (6, 6):
        return False
    return None


def traced_totals(*args):
    """mallocstacks -v --json on mallocer all: the reason line, the link types
    the kernel shows, and {function: (bytes, allocations)} per alloc_X."""
    target = start_target([pk.helper_path("mallocer"), "all"])
    tool = pk.start_tool("mallocstacks", "-v", "--json", "-p", str(target.pid), *args,
                         ready="verbose")
    using = tool.wait_for(lambda l: ": using " in l, stream="err", what="'using' line")
    types = link_types(tool.pid)
    held = pk.bpf_objects(tool.pid)
    allocate_and_exit(target)
    assert tool.wait(15) == 0, tool.err
    pk.assert_released(held)
    totals = {}
    for o in pk.json_lines(tool.out):
        syms = [f["symbol"] for f in o["stack"]]
        for func in ("alloc_a", "alloc_b", "alloc_c", "alloc_d"):
            if func in syms:
                assert func not in totals, (func, tool.out)
                # the probed function is the innermost frame
                totals[func] = (syms[0], o["bytes"], o["allocations"])
    return using, "\n".join(tool.err), types, totals


# malloc 10 x 4096, malloc 7 x 100, calloc 5 x (3 x 1000), realloc 4 x 5000
EXPECTED = {"alloc_a": ("malloc", 40960, 10), "alloc_b": ("malloc", 700, 7),
            "alloc_c": ("calloc", 15000, 5), "alloc_d": ("realloc", 20000, 4)}


def test_uprobe_multi_one_link_counts_each_function():
    """Where the kernel has uprobe_multi, the three functions are one link
    (the kernel says so in fdinfo), -v says why, and each function's
    cookie still picks its own arguments: the bytes of every call site."""
    pk.need_bpf()
    expected = uprobe_multi_expected()
    using, err, types, totals = traced_totals()
    if expected is False:
        assert "using uprobe (" in using, err
        assert "uprobe_multi: not available: the kernel has no uprobe_multi" in err, err
        assert types.count("perf") == 3, types
    else:
        if expected:
            assert "using uprobe_multi (2 links)" in using, err
        if "uprobe_multi (" in using:
            assert ("uprobe_multi: alloc_enter on c:malloc, c:calloc, c:realloc: one link "
                    "for 3 functions") in err, err
            assert "attached 3 uprobes to libc" in err, err
            assert types == ["raw_tracepoint", "uprobe_multi"], types
    assert totals == EXPECTED, (totals, err)


def test_classic_uprobes_count_each_function():
    """--mechanism uprobe: three classic uprobes, one perf event link ("perf") each,
    telling the functions apart by the same cookies."""
    pk.need_bpf()
    using, err, types, totals = traced_totals("--mechanism", "uprobe")
    assert "using uprobe (4 links)" in using, err
    assert types.count("perf") == 3 and types.count("raw_tracepoint") == 1, types
    assert totals == EXPECTED, (totals, err)
