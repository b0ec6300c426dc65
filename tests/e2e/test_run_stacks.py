"""probekit run: stack ids in maps and events printed as stacks, --folded
and --svg. Single .bpf.c files count getppid() calls of
tests/helpers/stacker.c (outer -> middle -> inner -> raw_getppid, frame
pointers, -O0) per stack, or malloc() bytes of tests/helpers/mallocer.c;
the frames are checked against /proc/kallsyms, nm and eu-addr2line."""
import json
import os
import re
import socket
import subprocess
import sys

import pk
from test_flamegraph import PAD, WIDTH, check_renders_and_zooms, check_svg, folded_stacks

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLES = os.path.join(ROOT, "examples")
PROGS = os.path.join(ROOT, "tests", "run")
CACHE = os.environ.get("PK_RUN_CACHE") or pk.session_tempdir("pk-run-cache-")
CALLS = 7
# the stacker's user stack, innermost first
USER_CHAIN = ["raw_getppid", "inner", "middle", "outer", "main"]


def env():
    return dict(os.environ, XDG_CACHE_HOME=CACHE)


def prebuilt(path):
    """In the kernel lane the guests have no clang: .bpf.o files beside."""
    if os.environ.get("PK_RUN_PREBUILT") == "1":
        return path[:-2] + ".o"
    return path


def run_argv(*args):
    return [pk.tool_path("probekit"), "run", *args]


def traced(prog, helper, *args, calls=CALLS, filtered=True):
    """Runs prog with -p on a waiting helper (and, when the file filters
    on it, --set targ_tgid), lets the helper do its calls, and returns
    (pid, stdout lines, stderr lines) once its exit has ended the run."""
    pk.need_bpf()
    argv = [pk.helper_path(helper)] + ([str(calls)] if helper == "stacker" else [])
    child = pk.Proc(argv, stdin=subprocess.PIPE)
    child.wait_for(lambda l: l.startswith("ready"))
    sets = ["--set", f"targ_tgid={child.pid}"] if filtered else []
    tool = pk.Proc(run_argv("-v", "-p", str(child.pid), *sets, *args, prebuilt(prog)),
                   env=env())
    tool.wait_for(lambda l: ": using " in l, 60, stream="err", what="'using' line")
    held = pk.bpf_objects(tool.pid)
    child.p.stdin.write(b"go\n")
    child.p.stdin.flush()
    child.wait_for(lambda l: l.startswith("done"))
    child.p.stdin.close()
    assert child.wait(10) == 0
    assert tool.wait(30) == 0, tool.err
    pk.assert_released(held)
    return child.pid, tool.out, tool.err


def kallsyms():
    """{name: address} of the kernel's text symbols (first one listed)."""
    syms = {}
    with open("/proc/kallsyms") as f:
        for line in f:
            addr, kind, name = line.split()[:3]
            if kind in "tTwW":
                syms.setdefault(name, int(addr, 16))
    assert any(syms.values()), "kallsyms addresses are hidden"
    return syms


def entries(lines):
    """[(entry line, [frame, ...])]: each entry, then its tab-indented frames."""
    out = []
    for line in lines:
        if line.startswith("\t"):
            assert out, line
            out[-1][1].append(line[1:])
        elif line:
            out.append((line, []))
    return out


def split_stacks(frames):
    """Frames of an entry, the stacks apart ("--" between them)."""
    stacks = [[]]
    for f in frames:
        if f == "--":
            stacks.append([])
        else:
            stacks[-1].append(f)
    return stacks


def check_kernel_frames(frames, syms):
    """Kernel frames "name+0xoff": every name a text symbol of kallsyms
    (past the innermost BPF frames: the program, a trampoline), the syscall
    entry outermost, do_syscall_64 just inside it."""
    names = [f.split("+")[0] for f in frames]
    first = next(i for i, n in enumerate(names) if n != "[unknown]" and not n.startswith("bpf_"))
    assert all(re.fullmatch(r"[\w.]+\+0x[0-9a-f]+", f) for f in frames[first:]), frames
    assert all(n in syms for n in names[first:]), (names, frames)
    assert names[-1].startswith("entry_SYSCALL_64"), names
    assert names[-2] == "do_syscall_64", names
    return names


def test_kernel_stack_map_counts_calls_per_stack():
    pid, out, _ = traced(os.path.join(PROGS, "kstacks.bpf.c"), "stacker")
    es = entries(out)
    # seven calls from one place: one stack, counted seven times
    assert len(es) == 1, out
    m = re.fullmatch(r"calls\[\{pid=(\d+), kstack=(\d+)\}\] = (\d+)", es[0][0])
    assert m and int(m[1]) == pid and int(m[3]) == CALLS, es[0][0]
    check_kernel_frames(es[0][1], kallsyms())


def test_stack_rows_format_and_one_that_cannot_print():
    """PK_STACK_ROWS_FORMAT("  {kstack}\\n    pid {pid} calls {value}\\n"): a
    blank line, the frames two spaces in without offsets, starting at the
    traced code (not the raw_tp program nor bpf_trace_run2), the pid and
    count line, a blank line. A format naming no member is said once, and
    its map prints as items(), its stack starting there too."""
    pid, out, err = traced(os.path.join(PROGS, "stack_rows.bpf.c"), "stacker")
    at = out.index(f"    pid {pid} calls {CALLS}")
    assert out[0] == "" and out[at + 1] == "", out
    frames = out[1:at]
    assert all(re.fullmatch(r"  [\w.]+", f) for f in frames), frames
    names = check_kernel_frames([f[2:] + "+0x0" for f in frames], kallsyms())
    assert not names[0].startswith("bpf_"), names
    es = entries(out[at + 2:])
    assert len(es) == 1 and re.fullmatch(rf"bad\[\{{pid={pid}, kstack=\d+\}}\] = {CALLS}",
                                         es[0][0]), es
    assert [f.split("+")[0] for f in es[0][1]] == names, (es, names)
    assert [l for l in err if "PK_STACK_ROWS_FORMAT" in l] == [
        "run: bad's PK_STACK_ROWS_FORMAT: {NAME} names no member, stack id, value, addr, "
        "kernel or user: printed as entries"], err


def test_kernel_stack_json_frames_match_kallsyms():
    syms = kallsyms()
    pid, out, _ = traced(os.path.join(PROGS, "kstacks.bpf.c"), "stacker", "--json")
    objs = pk.json_lines(out)
    assert len(objs) == 1, objs
    o = objs[0]
    assert o["map"] == "calls" and o["key"]["pid"] == pid and o["value"] == CALLS, o
    st = o["key"]["kstack"]
    assert st["kind"] == "kernel" and st["id"] >= 0 and len(st["frames"]) == len(st["addrs"])
    check_kernel_frames(st["frames"], syms)
    # each frame is its address: the symbol's address in kallsyms plus the offset
    for frame, addr in zip(st["frames"], st["addrs"]):
        name, off = frame.split("+")
        if name in syms:
            assert syms[name] + int(off, 16) == int(addr, 16), (frame, addr, hex(syms[name]))


def nm_symbols(path):
    r = pk.run([pk.need_host_tool("nm"), path])
    return {f[2]: int(f[0], 16) for f in map(str.split, r.stdout.splitlines()) if len(f) == 3}


def addr2line(path, addrs):
    r = pk.run([pk.need_host_tool("eu-addr2line"), "-f", "-e", path] +
               [hex(a) for a in addrs])
    return r.stdout.splitlines()[0::2]


def test_user_stack_names_the_functions_in_order():
    pid, out, _ = traced(os.path.join(PROGS, "ustacks.bpf.c"), "stacker")
    es = entries(out)
    assert len(es) == 1, out
    m = re.fullmatch(r'counts\[\{pid=(\d+), user_stack_id=\d+, kernel_stack_id=\d+, '
                     r'comm="stacker"\}\] = (\d+)', es[0][0])
    assert m and int(m[1]) == pid and int(m[2]) == CALLS, es[0][0]
    user, kernel = split_stacks(es[0][1])
    for frame, name in zip(user, USER_CHAIN):
        assert re.fullmatch(name + r"\+0x[0-9a-f]+ \(stacker\)", frame), (frame, user)
    assert len(user) > len(USER_CHAIN), user
    check_kernel_frames(kernel, kallsyms())


def test_user_stack_json_agrees_with_eu_addr2line():
    """The addresses, moved by the binary's load address (from the first
    frame and nm), are the functions eu-addr2line names, in the order the
    calls were made."""
    binary = pk.helper_path("stacker")
    syms = nm_symbols(binary)
    pid, out, _ = traced(os.path.join(PROGS, "ustacks.bpf.c"), "stacker", "--json")
    objs = pk.json_lines(out)
    assert len(objs) == 1 and objs[0]["value"] == CALLS, objs
    key = objs[0]["key"]
    assert key["pid"] == pid and key["comm"] == "stacker", key
    st = key["user_stack_id"]
    assert st["kind"] == "user" and key["kernel_stack_id"]["kind"] == "kernel", key
    addrs = [int(a, 16) for a in st["addrs"][:len(USER_CHAIN)]]
    name, off = st["frames"][0].split(" ")[0].split("+")
    base = addrs[0] - syms[name] - int(off, 16)
    assert base % 4096 == 0, hex(base)
    assert addr2line(binary, [a - base for a in addrs]) == USER_CHAIN, st


def test_folded_and_svg_of_user_and_kernel_stacks():
    svg = os.path.join(pk.tempdir("pk-run-fg-"), "stacks.svg")
    _, out, err = traced(os.path.join(PROGS, "ustacks.bpf.c"), "stacker", "--folded",
                         "--svg", svg)
    stacks = folded_stacks(out)
    assert len(stacks) == 1 and list(stacks.values()) == [CALLS], out
    frames = list(stacks)[0]
    # bcc's stackcount -f / profile -f: comm, user frames outermost first, then kernel ones
    assert frames[0] == "stacker", frames
    i = frames.index("main")
    assert list(frames[i:i + len(USER_CHAIN)]) == USER_CHAIN[::-1], frames
    kernel = frames[i + len(USER_CHAIN):]
    assert kernel[0].startswith("entry_SYSCALL_64") and kernel[1] == "do_syscall_64", frames
    assert "-" not in frames and not any("+0x" in f for f in frames), frames
    check_svg(svg, stacks)
    assert any(f"wrote the flame graph of {CALLS} counts to {svg}" in l for l in err), err


def test_missed_stack_is_named_with_its_reason():
    _, out, _ = traced(os.path.join(PROGS, "missed.bpf.c"), "stacker")
    es = entries(out)
    assert len(es) == 1 and re.search(r"ustack=\d+, kstack=-17\}\] = 7$", es[0][0]), out
    user, kernel = split_stacks(es[0][1])
    assert user[0].startswith("raw_getppid+0x"), user
    assert kernel == ["[Missed Kernel Stack: another stack had the same hash "
                      "(the stack map is too small)]"], kernel
    _, out, _ = traced(os.path.join(PROGS, "missed.bpf.c"), "stacker", "--folded")
    (frames, n), = folded_stacks(out).items()
    assert frames[-1] == "[Missed Kernel Stack]" and frames[-2] == "raw_getppid", frames
    assert n == CALLS
    _, out, _ = traced(os.path.join(PROGS, "missed.bpf.c"), "stacker", "--json")
    (o,) = pk.json_lines(out)
    assert o["key"]["kstack"]["id"] == -17 and o["key"]["kstack"]["frames"] == [], o
    assert "same hash" in o["key"]["kstack"]["error"], o


def test_tags_name_the_stack_maps_and_the_count_is_the_first_member():
    _, out, _ = traced(os.path.join(PROGS, "tagged.bpf.c"), "stacker")
    es = entries(out)
    assert len(es) == 1 and re.search(r"\] = \{calls=7, last_ns=\d+\}$", es[0][0]), out
    user, kernel = split_stacks(es[0][1])
    assert [f.split("+")[0] for f in user[:len(USER_CHAIN)]] == USER_CHAIN, user
    check_kernel_frames(kernel, kallsyms())
    svg = os.path.join(pk.tempdir("pk-run-fg-"), "tagged.svg")
    _, out, err = traced(os.path.join(PROGS, "tagged.bpf.c"), "stacker", "--svg", svg)
    # the unit is the count's name
    assert any(f"wrote the flame graph of {CALLS} calls to" in l for l in err), err


def test_mallocstacks_sample_with_pid_prints_stacks_by_bytes():
    pid, out, _ = traced(os.path.join(EXAMPLES, "mallocstacks_simple.bpf.c"), "mallocer",
                         filtered=False)
    es = entries(out)
    by_bytes = {}
    for line, frames in es:
        m = re.fullmatch(r"bytes\[(\d+)\] = (\d+)", line)
        assert m, line
        by_bytes[int(m[2])] = frames
    # alloc_a: 10 x 4096, alloc_b: 7 x 100, each from its own place in main
    for n in (40960, 700):
        assert by_bytes[n][0] == "malloc+0x0 (libc.so.6)", by_bytes
        assert re.fullmatch(r"main\+0x[0-9a-f]+ \(mallocer\)", by_bytes[n][1]), by_bytes
    assert by_bytes[40960][1] != by_bytes[700][1]
    sizes = [int(re.fullmatch(r"bytes\[\d+\] = (\d+)", l)[1]) for l, _ in es]
    assert sizes == sorted(sizes, reverse=True), sizes


def test_mallocstacks_sample_command_folded_and_svg():
    """-c: the command's maps are read as it exits, so its stacks resolve
    at the end; --folded and a flame graph that renders in Chromium."""
    pk.need_bpf()
    svg = os.path.join(pk.tempdir("pk-run-fg-"), "malloc.svg")
    before = pk.bpf_objects()
    r = subprocess.run(run_argv("--folded", "--svg", svg, "-c",
                                pk.helper_path("mallocer") + " now",
                                prebuilt(os.path.join(EXAMPLES, "mallocstacks_simple.bpf.c"))),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env(),
                       timeout=60 * pk.TIMEOUT_SCALE)
    assert r.returncode == 0, r.stderr
    lines = [l for l in r.stdout.splitlines() if l not in ("ready", "done")]
    # names without offsets, so main's two call sites read alike: equal
    # folded lines are one, their counts added (as flame-graph tools would)
    sites = sorted(int(l.rsplit(" ", 1)[1]) for l in lines if re.search(r"(^|;)main;malloc ", l))
    assert sites == [700 + 40960], lines
    assert len(lines) == len({l.rsplit(" ", 1)[0] for l in lines}), lines
    stacks = folded_stacks(lines)
    got = check_svg(svg, stacks)
    assert ("main", 40960 + 700) in [(n, c) for n, c, *_ in got], got
    check_renders_and_zooms(svg, "main", WIDTH - 2 * PAD)
    pk.assert_none_left(before, "after run -c")


def test_mallocstacks_sample_json_nests_the_stack_in_the_key():
    pk.need_bpf()
    r = subprocess.run(run_argv("--json", "-c", pk.helper_path("mallocer") + " now",
                                prebuilt(os.path.join(EXAMPLES, "mallocstacks_simple.bpf.c"))),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env(),
                       timeout=60 * pk.TIMEOUT_SCALE)
    assert r.returncode == 0, r.stderr
    objs = [json.loads(l) for l in r.stdout.splitlines() if l.startswith("{")]
    by_bytes = {o["value"]: o["key"] for o in objs}
    for n in (40960, 700):
        k = by_bytes[n]
        assert k["kind"] == "user" and k["frames"][0] == "malloc+0x0 (libc.so.6)", k
        assert k["frames"][1].startswith("main+0x") and len(k["addrs"]) == len(k["frames"]), k


# the kernel lane's guests may have no loopback: connect() is made either way
CONNECTER = """import socket, sys
sys.stdin.readline()
for _ in range(3):
    s = socket.socket()
    try:
        s.connect(("127.0.0.1", int(sys.argv[1])))
    except OSError as e:
        print(e, flush=True)
    s.close()
print("done", flush=True)
"""


def test_stacksnoop_sample_prints_the_stack_under_each_event():
    pk.need_bpf()
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    port = srv.getsockname()[1]
    syms = kallsyms()
    for args in ((), ("--json",)):
        tool = pk.Proc(run_argv("-v", *args,
                                prebuilt(os.path.join(EXAMPLES, "stacksnoop_simple.bpf.c"))),
                       env=env())
        tool.wait_for(lambda l: ": using " in l, 60, stream="err", what="'using' line")
        child = pk.Proc([sys.executable, "-c", CONNECTER, str(port)], stdin=subprocess.PIPE)
        child.p.stdin.write(b"go\n")
        child.p.stdin.flush()
        assert child.wait(20) == 0
        if args:
            line = tool.wait_for(lambda l: f'"pid":{child.pid},' in l, 10, what="an event")
            o = json.loads(line)
            ev, st = o["event"], o["stacks"]["stack_id"]
            # "stack_id": a kernel stack by its addresses
            assert ev["comm"] == "python3" and st["kind"] == "kernel", o
            assert st["id"] == ev["stack_id"] and len(st["addrs"]) == len(st["frames"]), o
            check_kernel_frames(st["frames"], syms)
        else:
            tool.wait_for(lambda l: l.split()[:1] == [str(child.pid)], 10, what="an event")
        assert tool.stop() == 0, tool.err
        if args:
            continue
        # the event table (PID CPU COMM STACK_ID), each row's stack under it
        assert tool.out[0].split() == ["PID", "CPU", "COMM", "STACK_ID"], tool.out[:2]
        es = entries(tool.out[1:])
        mine = [(l, f) for l, f in es if l.split()[:1] == [str(child.pid)]]
        assert len(mine) == 3, es
        for line, frames in mine:
            assert re.fullmatch(r" *\d+ +\d+ python3 +\d+", line), line
            check_kernel_frames(frames, syms)
        # the hits map counts them per stack, printed at the end with the
        # stack (one, unless another tracer on the same tracepoint came or
        # went between the calls: the kernel's path to it differs then)
        ids = {l.split()[3]: f for l, f in mine}
        total = 0
        for sid, frames in ids.items():
            hits = [(l, f) for l, f in es if l.startswith(f"hits[{sid}] = ")]
            assert len(hits) == 1 and hits[0][1] == frames, (sid, hits)
            total += int(hits[0][0].split(" = ")[1])
        assert total >= 3, es
    srv.close()


def test_bad_folded_and_svg_use():
    pk.need_bpf()
    prog = prebuilt(os.path.join(PROGS, "kstacks.bpf.c"))
    r = pk.run(run_argv("--folded", "--json", prog), env=env())
    assert r.returncode == 2 and "--folded and --json do not go together" in r.stderr, r
    before = pk.bpf_objects()
    r = pk.run(run_argv("--svg", "/no/such/dir/x.svg", prog), env=env())
    assert r.returncode == 1, r
    assert r.stderr.strip().splitlines() == [
        "run: cannot write /no/such/dir/x.svg: No such file or directory"], r.stderr
    pk.assert_none_left(before, "after a bad --svg")


def test_untagged_id_with_two_stack_maps_prints_as_a_number():
    pid, out, err = traced(os.path.join(PROGS, "two_stack_maps.bpf.c"), "stacker")
    assert len(out) == 1, out
    assert re.fullmatch(rf"calls\[\{{pid={pid}, kstack=\d+\}}\] = 7", out[0]), out
    assert "run: calls.kstack looks like a stack id, but the object has 2 stack maps: " \
        "tag it PK_STACK_ID_OF(map); printed as a number" in err, err


def test_event_stack_ids_by_name_tag_and_a_broken_tag():
    """pk_btf_stack_id()'s rule in an event: bcc's user_stack_id and a
    PK_KSTACK_ID member print as stacks under each row (stack id columns of
    the event table); a tag with the map before the kind is reported and
    its member prints as a number."""
    pid, out, err = traced(os.path.join(PROGS, "event_stacks.bpf.c"), "stacker")
    assert out[0].split() == ["PID", "USER_STACK_ID", "WHERE", "BAD"], out[:2]
    es = entries(out[1:])
    assert len(es) == CALLS, es
    syms = kallsyms()
    for line, frames in es:
        m = re.fullmatch(r" *(\d+) +(\d+) +(\d+) +(\d+)", line)
        # the same kernel stack id in the tagged member and the broken one
        assert m and int(m[1]) == pid and m[3] == m[4], line
        user, kernel = split_stacks(frames)
        assert [f.split("+")[0] for f in user[:len(USER_CHAIN)]] == USER_CHAIN, user
        check_kernel_frames(kernel, syms)
    assert 'run: event.bad is tagged "pk_stack_id:stack_traces:user", not ' \
        'pk_stack_id[:user|:kernel][:MAP]: printed as a number' in err, err
