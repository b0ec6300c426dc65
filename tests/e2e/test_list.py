"""probekit list against oracles it does not share code with: tracefs's
available_events and format files, bpftool's dump of the kernel BTF, nm's
symbols of a test binary and libc, readelf's USDT notes of that binary,
libstdc++ and libpython."""
import fnmatch
import json
import os
import re
import subprocess

import pk

TRACEFS = "/sys/kernel/tracing"


def listed(*args, rc=0):
    r = pk.run([pk.tool_path("probekit"), "list", *args], timeout=60)
    assert r.returncode == rc, (args, r.returncode, r.stderr)
    return r


def lines(*args):
    out = listed(*args).stdout.splitlines()
    assert out == sorted(set(out)), "output is sorted, each probe once"
    return out


def available_events():
    with open(os.path.join(TRACEFS, "available_events")) as f:
        return [l.strip() for l in f if l.strip()]


def test_tracepoints_match_available_events():
    pk.need_bpf()
    events = available_events()
    assert lines("t:sched:*") == sorted("t:" + e for e in events if e.startswith("sched:"))
    assert lines("t:syscalls:*open*") == sorted(
        "t:" + e for e in events if fnmatch.fnmatchcase(e, "syscalls:*open*"))
    # every tracepoint, in the plain listing too
    every = lines("t:*:*")
    assert every == sorted("t:" + e for e in set(events))
    assert set(every) <= set(listed().stdout.splitlines())


def format_fields(cat, event):
    fields = []
    with open(os.path.join(TRACEFS, "events", cat, event, "format")) as f:
        for line in f:
            m = re.match(r"\s*field:(.*);\s*offset:(\d+);\s*size:(\d+);\s*signed:(\d+);", line)
            if m and " common_" not in m.group(1):
                fields.append((m.group(1), int(m.group(2)), int(m.group(3)), m.group(4) == "1"))
    return fields


def test_verbose_fields_match_format_files():
    pk.need_bpf()
    for cat, event in [("sched", "sched_switch"), ("syscalls", "sys_enter_openat"),
                       ("sched", "sched_process_exec")]:
        want = format_fields(cat, event)
        assert want, (cat, event)
        text = listed("-v", f"t:{cat}:{event}").stdout.splitlines()
        assert text == [f"t:{cat}:{event}"] + [f"    {decl};" for decl, *_ in want], text
        (obj,) = pk.json_lines(listed("-v", "--json", f"t:{cat}:{event}").stdout.splitlines())
        assert obj["probe"] == f"t:{cat}:{event}" and obj["kind"] == "tracepoint", obj
        got = [(f["type"], f["name"], f["offset"], f["size"], f["signed"])
               for f in obj["fields"]]
        for (decl, off, size, signed), (typ, name, goff, gsize, gsigned) in zip(want, got):
            assert (off, size, signed) == (goff, gsize, gsigned), (decl, got)
            # the declaration is the type with the name put in before any [N]
            # ("char prev_comm[16]"), or after it ("__data_loc char[] filename")
            base = re.sub(r"\[.*\]$", "", typ)
            assert decl in (f"{base} {name}{typ[len(base):]}", f"{typ} {name}"), (decl, typ)
        assert len(got) == len(want)


def btf_names(kind, prefix=""):
    r = pk.run(["bpftool", "btf", "dump", "file", "/sys/kernel/btf/vmlinux"], timeout=120)
    assert r.returncode == 0, r.stderr
    return {m.group(1)[len(prefix):] for m in re.finditer(r"^\[\d+\] %s '([^']+)'" % kind,
                                                            r.stdout, re.M)
            if m.group(1).startswith(prefix)}


def test_raw_tracepoints_and_btf_functions_match_bpftool():
    pk.need_bpf()
    raw = btf_names("TYPEDEF", "btf_trace_")
    assert lines("raw_tp:sched_*") == sorted(
        "raw_tp:" + n for n in raw if fnmatch.fnmatchcase(n, "sched_*"))
    funcs = btf_names("FUNC")
    want = sorted("f:" + n for n in funcs if fnmatch.fnmatchcase(n, "tcp_v4_*"))
    assert want and lines("f:tcp_v4_*") == want


def test_kprobe_targets_follow_features():
    pk.need_bpf()
    feats = {o["feature"]: o for o in pk.json_lines(
        pk.run([pk.tool_path("probekit"), "features", "--json"]).stdout.splitlines())}
    if feats["kprobe"]["available"]:
        with open("/proc/kallsyms") as f:
            names = {l.split()[2] for l in f if l.split()[1] in "tTwW" and
                     "[bpf]" not in l and fnmatch.fnmatchcase(l.split()[2], "vfs_rea*")}
        assert lines("k:vfs_rea*") == sorted("k:" + n for n in names)
    else:
        r = listed("k:vfs_rea*", rc=1)
        assert r.stdout == "" and "kprobes are not available here" in r.stderr, r.stderr


def elf_functions(path, dynamic=False):
    """Defined FUNC and IFUNC symbols, by readelf (binutils)."""
    r = pk.run([pk.need_host_tool("readelf"), "-W", "--dyn-syms" if dynamic else "--syms", path])
    assert r.returncode == 0, r.stderr
    names = set()
    for l in r.stdout.splitlines():
        f = l.split()
        if len(f) >= 8 and f[3] in ("FUNC", "IFUNC") and f[6] != "UND":
            names.add(f[7].split("@")[0])
    return names


def test_uprobe_functions_match_readelf():
    pk.need_bpf()
    binary = pk.helper_path("listme")
    got = lines(f"p:{binary}:*")
    assert got == sorted(f"p:{binary}:{n}" for n in elf_functions(binary)), got
    assert f"p:{binary}:pk_list_beta" in lines(f"uprobe:{binary}:pk_list_b*")
    # a library by its short name, as uprobes take it; its dynamic symbols as the oracle
    libc = [l for l in lines("p:c:*alloc") if l.endswith(":malloc") or l.endswith(":calloc")]
    path = libc[0][2:libc[0].rindex(":")]
    assert {l[l.rindex(":") + 1:] for l in lines("p:c:*alloc")} >= \
        {n for n in elf_functions(path, dynamic=True) if fnmatch.fnmatchcase(n, "*alloc")}


def readelf_usdt(path):
    r = pk.run([pk.need_host_tool("readelf"), "-n", path])
    probes = []
    for m in re.finditer(r"Provider: (\S+)\n\s+Name: (\S+)\n\s+Location: .*\n"
                         r"(?:\s+Arguments: ?(.*)\n)?", r.stdout + "\n"):
        probes.append((m.group(1), m.group(2), (m.group(3) or "").strip()))
    return probes


def usdt_listing(pattern):
    out = listed("-v", "--json", pattern).stdout.splitlines()
    got = []
    for obj in pk.json_lines(out):
        assert obj["kind"] == "usdt", obj
        provider, name = obj["probe"].split(":")[-2:]
        got.append((provider, name, obj["args"]))
    return got


def test_usdt_matches_readelf():
    pk.need_bpf()
    binary = pk.helper_path("listme")
    want = readelf_usdt(binary)
    assert sorted(want) == [("pktest", "done", ""), ("pktest", "start", "-4@%edi 8@%rax")] or \
        len(want) == 2, want
    assert sorted(usdt_listing(f"u:{binary}:*")) == sorted(want)
    assert usdt_listing(f"u:{binary}:pktest:sta*") == [w for w in want if w[1] == "start"]
    for lib in ["/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
                "/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0"]:
        if not os.path.exists(lib):
            continue
        want = readelf_usdt(lib)
        assert want, lib
        assert sorted(usdt_listing(f"u:{lib}:*")) == sorted(want), lib


def test_usdt_of_a_process():
    pk.need_bpf()
    child = pk.Proc([pk.helper_path("listme")], stdin=subprocess.PIPE)
    child.wait_for(lambda l: l.startswith("ready"), what="ready")
    binary = os.path.realpath(pk.helper_path("listme"))
    got = lines("-p", str(child.pid))
    assert f"u:{binary}:pktest:done" in got and f"u:{binary}:pktest:start" in got, got
    assert lines("-p", str(child.pid), "u:*:*:done") == [f"u:{binary}:pktest:done"]
    child.p.stdin.close()
    assert child.wait() == 0


def test_no_match_suggests_and_bad_patterns():
    pk.need_bpf()
    r = listed("t:sched:sched_swich", rc=1)
    assert r.stdout == ""
    assert r.stderr.strip() == ("list: nothing matches 't:sched:sched_swich'. "
                                "Did you mean t:sched:sched_switch?"), r.stderr
    r = listed("raw_tp:sched_swich", rc=1)
    assert "Did you mean raw_tp:sched_switch" in r.stderr, r.stderr
    r = listed("t:qqqzzz:xxxyyy", rc=1)
    assert "Did you mean" not in r.stderr and r.stderr.count("\n") == 1, r.stderr
    r = listed("t:", rc=2)
    assert r.stderr.count("\n") == 1 and "cannot read 't:'" in r.stderr, r.stderr
    r = listed("p:/nonexistent/bin:*", rc=1)
    assert r.stderr.count("\n") == 1 and "/nonexistent/bin" in r.stderr, r.stderr


def test_json_lines_parse():
    pk.need_bpf()
    out = listed("--json", "t:sched:*", "raw_tp:sched_*").stdout.splitlines()
    objs = [json.loads(l) for l in out]
    assert {o["kind"] for o in objs} == {"tracepoint", "raw_tracepoint"}, objs[:3]
    assert len(objs) == len(lines("t:sched:*")) + len(lines("raw_tp:sched_*"))
