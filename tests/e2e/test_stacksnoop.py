"""stacksnoop: kernel stacks at a tracepoint hit by a child with a known
pid, symbolized; the error cases for unknown and unhookable targets."""
import bisect
import json
import os
import re
import socket
import subprocess

import pk


def _connect_child():
    """A child that connect()s to a listening loopback port when told to."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    port = srv.getsockname()[1]
    child = pk.Proc([pk.helper_path("statter"), f"connect:{port}"], stdin=subprocess.PIPE)
    child.wait_for(lambda l: l.startswith("ready"), what="ready line")
    return srv, child


def _go(child):
    child.p.stdin.write(b"go\n")
    child.p.stdin.flush()
    assert child.wait() == 0
    # the call is what matters, not its result (a guest may have no loopback)
    assert len(child.out) == 2, child.out


def _features():
    r = pk.run([pk.tool_path("probekit"), "features", "--json"])
    return {o["feature"]: o for o in pk.json_lines(r.stdout.splitlines())}


def test_tracepoint_stack_has_syscall_entry():
    pk.need_bpf()
    srv, child = _connect_child()
    tool = pk.start_tool("stacksnoop", "-v", "-p", str(child.pid), "t:syscalls:sys_enter_connect")
    assert tool.out[0].split() == ["TIME(s)", "COMM", "PID", "CPU", "FUNCTION"], tool.out
    held = pk.bpf_objects(tool.pid)
    _go(child)
    head = tool.wait_for(lambda l: "syscalls:sys_enter_connect" in l, what="event line")
    fields = head.split()
    float(fields[0])
    assert fields[1:3] == ["statter", str(child.pid)], fields
    assert fields[4] == "syscalls:sys_enter_connect", fields
    frame = tool.wait_for(lambda l: l in ("\tdo_syscall_64", "\t[no stack: no stack could be "
                                            "taken here]"), what="do_syscall_64 frame")
    if frame != "\tdo_syscall_64":
        # kernels such as 6.1 hand syscall tracepoints the user registers:
        # then the tool must say so (the development kernel is not one)
        assert _release() < (6, 12), tool.out
        tool.wait_for(lambda l: "raw_tp:sys_enter" in l, stream="err", what="the reason")
        assert tool.stop() == 0
        return
    # the stack ends with an empty line, bcc's layout
    tool.wait_for(lambda l: l == "", what="blank line after the stack")
    start = tool.out.index(head)
    frames = tool.out[start + 1:tool.out.index("", start)]
    assert frames and all(f.startswith("\t") and f.strip() != "[unknown]" for f in frames), frames
    assert tool.stop() == 0, tool.err
    # nothing on stderr but, on a busy machine, a lost-event count
    assert all(re.fullmatch(r"stacksnoop: \d+ events? lost( so far)?", l) for l in tool.err), \
        tool.err
    pk.assert_released(held)
    srv.close()


def _release():
    return tuple(int(x) for x in os.uname().release.split("-")[0].split(".")[:2])


def test_raw_tracepoint_stack_without_machinery():
    pk.need_bpf()
    srv, child = _connect_child()
    tool = pk.start_tool("stacksnoop", "-p", str(child.pid), "raw_tp:sys_enter")
    held = pk.bpf_objects(tool.pid)
    _go(child)
    # every syscall of the child hits sys_enter; one of them is the connect
    tool.wait_for(lambda l: l == "\tdo_syscall_64", what="do_syscall_64 frame")
    assert tool.stop() == 0, tool.err
    heads = [i for i, l in enumerate(tool.out) if l.endswith(" sys_enter")]
    assert heads, tool.out
    for i in heads:
        first = tool.out[i + 1]
        # the stack starts at the kernel, not in the BPF program or bpf_trace_run2
        assert first.startswith("\t") and "bpf_prog_" not in first and \
            "bpf_trace_run" not in first, tool.out[i:i + 4]
    pk.assert_released(held)
    srv.close()


def test_json_with_offsets_and_long_prefix():
    pk.need_bpf()
    srv, child = _connect_child()
    tool = pk.start_tool("stacksnoop", "--json", "--verbose", "-s", "-p", str(child.pid),
                         "tracepoint:syscalls:sys_enter_connect", ready="verbose")
    # stacksnoop attaches its target itself, after the runtime's 'using' line
    tool.wait_for(lambda l: re.search(r"1 (raw_tp|tracepoint) attached", l), stream="err",
                  what="attach line")
    _go(child)
    line = tool.wait_for(lambda l: l.startswith("{"), what="JSON event")
    ev = json.loads(line)
    assert ev["pid"] == child.pid and ev["comm"] == "statter", ev
    assert ev["function"] == "syscalls:sys_enter_connect", ev
    if not ev["stack"] and _release() < (6, 12):
        assert ev["stack_error"] == "no stack could be taken here", ev
        assert tool.stop() == 0
        return
    assert any(f.startswith("do_syscall_64+0x") for f in ev["stack"]), ev["stack"]
    assert all("+0x" in f for f in ev["stack"]), ev["stack"]
    assert tool.stop() == 0
    srv.close()


def test_unknown_function_and_tracepoint():
    pk.need_bpf()
    r = pk.run([pk.tool_path("stacksnoop"), "no_such_kernel_function_pk"])
    assert r.returncode == 1, r
    assert r.stderr == 'stacksnoop: Function "no_such_kernel_function_pk" not found.\n', r.stderr
    r = pk.run([pk.tool_path("stacksnoop"), "t:syscalls:sys_enter_no_such_pk"])
    assert r.returncode == 1, r
    assert r.stderr == ('stacksnoop: Tracepoint "syscalls:sys_enter_no_such_pk" '
                        'not found.\n'), r.stderr
    r = pk.run([pk.tool_path("stacksnoop"), "raw_tp:no_such_pk"])
    assert r.returncode == 1, r
    assert r.stderr == 'stacksnoop: Raw tracepoint "no_such_pk" not found.\n', r.stderr


def test_kernel_function_target():
    """Where no kernel function can be hooked (the development kernel), a
    clear one-line refusal; elsewhere, the stack of tcp_v4_connect."""
    pk.need_bpf()
    feats = _features()
    if feats["kfunc"]["available"] or feats["kprobe"]["available"]:
        _function_stack("tcp_v4_connect")
        if feats["kfunc"]["available"]:
            _function_stack("f:tcp_v4_connect")
        if feats["kprobe"]["available"]:
            _function_stack("k:tcp_v4_connect")
        return
    r = pk.run([pk.tool_path("stacksnoop"), "tcp_v4_connect"])
    assert r.returncode == 1, r
    lines = r.stderr.splitlines()
    # one line: what, why for each mechanism, and what to do instead
    assert len(lines) == 1, lines
    assert "can hook no kernel function" in lines[0], lines
    assert feats["kfunc"]["reason"] in lines[0] and feats["kprobe"]["reason"] in lines[0]
    assert "t:syscalls:sys_enter_connect" in lines[0], lines
    assert "libbpf" not in r.stderr
    r = pk.run([pk.tool_path("stacksnoop"), "k:tcp_v4_connect"])
    assert r.returncode == 1 and "kprobe:" in r.stderr and "fentry:" not in r.stderr, r.stderr


def _function_stack(spec):
    srv, child = _connect_child()
    tool = pk.start_tool("stacksnoop", "-p", str(child.pid), spec)
    _go(child)
    head = tool.wait_for(lambda l: l.endswith("tcp_v4_connect") and not l.startswith("\t"),
                         what="event line")
    tool.wait_for(lambda l: l.strip() == "__sys_connect", what="__sys_connect frame")
    # as in bcc's example: the function itself, then its callers
    first = tool.out[tool.out.index(head) + 1]
    assert first == "\ttcp_v4_connect", (spec, tool.out)
    assert tool.stop() == 0
    srv.close()


def test_usage_errors():
    for args in ([], ["a", "b"], ["u:lib:probe"], ["t:syscalls"], ["x:y"]):
        r = pk.run([pk.tool_path("stacksnoop"), *args])
        assert r.returncode == 2, (args, r)
        assert r.stderr.startswith("stacksnoop: ") and len(r.stderr.splitlines()) == 1, r.stderr


# x86_64's and arm64's numbers for connect (fixed ABI), as the kernel tells them
CONNECT_NR = {"x86_64": 42, "aarch64": 203}

MACHINERY = re.compile(r"^(\[unknown\]|bpf_prog_|bpf_trace_run|__bpf_trace_|perf_trace_|"
                       r"perf_syscall_|__traceiter_)")


def _stacks(probe, *args):
    """stacksnoop --json -p CHILD PROBE as the child connects once and
    exits: the -v lines and the child's events; nothing left attached."""
    srv, child = _connect_child()
    tool = pk.start_tool("stacksnoop", "--json", "--verbose", "-p", str(child.pid), *args,
                         probe, ready="verbose")
    tool.wait_for(lambda l: re.search(r"1 (raw_tp|tracepoint) attached", l), stream="err",
                  what="attach line")
    held = pk.bpf_objects(tool.pid)
    _go(child)
    # the child has exited: every event it caused is in the buffer
    assert tool.stop() == 0, tool.err
    pk.assert_released(held)
    srv.close()
    events = [e for e in pk.json_lines(tool.out) if e["pid"] == child.pid]
    return "\n".join(tool.err), events


def _same_hits_and_stacks(probe, reason):
    auto_err, auto = _stacks(probe)
    assert "using raw_tp (1 link)" in auto_err, auto_err
    assert reason in auto_err, auto_err
    classic_err, classic = _stacks(probe, "--mechanism", "tracepoint")
    assert "using tracepoint (1 link)" in classic_err, classic_err
    assert len(auto) == len(classic) == 1, (auto, classic)
    assert auto[0]["function"] == classic[0]["function"] == probe.split(":", 1)[1]
    # 6.1 gives classic syscall tracepoints the user registers: no kernel stack
    if classic[0]["stack"]:
        assert auto[0]["stack"] == classic[0]["stack"], (auto, classic)
        assert not MACHINERY.match(auto[0]["stack"][0]), auto
    assert auto[0]["stack"] and "do_syscall_64" in auto[0]["stack"], auto
    return auto[0]["stack"]


def test_syscall_tracepoint_on_raw_sys_enter():
    """t:syscalls:sys_enter_connect runs on the raw sys_enter tracepoint for
    connect's number only (-v says so): one hit for one connect, and the
    same stack as the classic tracepoint gives, from syscall_trace_enter."""
    pk.need_bpf()
    nr = CONNECT_NR[os.uname().machine]
    stack = _same_hits_and_stacks(
        "t:syscalls:sys_enter_connect",
        f"raw_tp: syscalls:sys_enter_connect as the raw tracepoint sys_enter, syscall {nr} "
        "only")
    # (6.1 names its clone syscall_trace_enter.constprop.0)
    assert re.fullmatch(r"syscall_trace_enter(\.\w+\.\d+)?", stack[0]), stack


def test_syscall_exit_tracepoint_on_raw_sys_exit():
    pk.need_bpf()
    if os.uname().machine != "x86_64":
        # the raw sys_exit program reads the number from x86's orig_ax only
        err, events = _stacks("t:syscalls:sys_exit_connect")
        assert "using tracepoint (1 link)" in err and len(events) == 1, (err, events)
        return
    _same_hits_and_stacks(
        "t:syscalls:sys_exit_connect",
        "raw_tp: syscalls:sys_exit_connect as the raw tracepoint sys_exit, syscall 42 only")


def test_other_tracepoint_on_raw_tracepoint():
    """t:sched:sched_process_exit on the raw tracepoint of that name: the
    child's one exit, with the same stack as the classic tracepoint."""
    pk.need_bpf()
    stack = _same_hits_and_stacks(
        "t:sched:sched_process_exit",
        "raw_tp: sched:sched_process_exit as the raw tracepoint sched_process_exit")
    assert "do_exit" in stack[:3], stack


def test_raw_sys_enter_leaves_out_i386_syscalls():
    """A 32-bit process's write is i386 syscall 4, x86_64's stat: on the raw
    sys_enter tracepoint, t:syscalls:sys_enter_newstat must not take its
    50 writes for stats (the classic tracepoint leaves them out too)."""
    pk.need_bpf()
    helper = pk.need_32bit()
    child = subprocess.Popen([helper], stdin=subprocess.PIPE)
    tool = pk.start_tool("stacksnoop", "--json", "--verbose", "-p", str(child.pid),
                         "t:syscalls:sys_enter_newstat", ready="verbose")
    tool.wait_for(lambda l: "1 raw_tp attached" in l, stream="err", what="attach line")
    assert any("as the raw tracepoint sys_enter, syscall 4 only" in l for l in tool.err), \
        tool.err
    child.communicate(b"x", timeout=10 * pk.TIMEOUT_SCALE)
    assert child.returncode == 0
    # the child has exited: its events, had there been any, are in the buffer
    assert tool.stop() == 0, tool.err
    assert not pk.json_lines(tool.out), tool.out


def _code_spans():
    """name -> sizes of its code symbols in /proc/kallsyms (to the next higher address)."""
    syms = []
    with open("/proc/kallsyms") as f:
        for line in f:
            fields = line.split()
            syms.append((int(fields[0], 16), fields[1], fields[2]))
    addrs = sorted({a for a, _, _ in syms}) + [2**64]
    spans = {}
    for addr, typ, name in syms:
        if typ in "tTwW":
            nxt = addrs[bisect.bisect_right(addrs, addr)]
            spans.setdefault(name, []).append(nxt - addr)
    return spans


def test_frames_named_by_the_kernel():
    """Without the kallsyms table: -v says the kernel's own lookup names the
    frames (a syscall program, Linux 5.14 and later), and every frame is a
    code symbol of /proc/kallsyms with an offset inside it."""
    pk.need_bpf()
    srv, child = _connect_child()
    tool = pk.start_tool("stacksnoop", "--json", "--verbose", "-s", "-p", str(child.pid),
                         "t:syscalls:sys_enter_connect", ready="verbose")
    if _release() >= (5, 14):
        tool.wait_for(lambda l: "stacks: named by the kernel's kallsyms" in l, stream="err",
                      what="the kernel's lookup chosen")
    tool.wait_for(lambda l: re.search(r"1 (raw_tp|tracepoint) attached", l), stream="err",
                  what="attach line")
    _go(child)
    ev = json.loads(tool.wait_for(lambda l: l.startswith("{"), what="JSON event"))
    assert tool.stop() == 0
    srv.close()
    if not ev["stack"] and _release() < (6, 12):
        return  # 6.1: no kernel stack at a syscall tracepoint (the test above)
    spans = _code_spans()
    for frame in ev["stack"]:
        name, _, off = frame.rpartition("+0x")
        assert name in spans, (frame, ev["stack"])
        assert any(int(off, 16) < size for size in spans[name]), (frame, spans[name])
