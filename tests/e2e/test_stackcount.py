"""stackcount: the stacker helper's known calls (main -> outer -> middle ->
inner, which makes 7 getppid system calls) counted per stack: a uprobe on
inner (1 call), the getppid tracepoint (7 hits, one stack), folded lines
with the comm (-P -f), user or kernel stacks only (-U, -K); bcc's patterns
of several functions (outer and inner, once each: one stack each, each
stack's innermost frame the function); a kernel function by fentry or
kprobe where the kernel has them, a kernel pattern by kprobes, else one
line why."""
import os
import subprocess

import pk
from test_flamegraph import bcc_entries
from test_funclatency import attached_or_refused
from test_syscount import go_and_done

# 6.1 hands syscall tracepoint programs the user-space registers: no kernel
# stack starts there (stacksnoop says so too); later kernels give one
NO_SYSCALL_KSTACK = os.uname().release.startswith("6.1.")

CALLS = 7
CHAIN = ["main", "outer", "middle", "inner"]


def traced(*args, target):
    child = pk.Proc([pk.helper_path("stacker"), str(CALLS)], stdin=subprocess.PIPE)
    child.wait_for(lambda l: l.startswith("ready"))
    tool = pk.start_tool("stackcount", "-p", str(child.pid), "-v", *args, target,
                         ready="verbose")
    held = pk.bpf_objects(tool.pid)
    go_and_done(child)
    # stopped while the helper lives: its user stacks are symbolized in it
    assert tool.stop() == 0, tool.err
    child.p.stdin.close()
    assert child.wait() == 0, child.err
    pk.assert_released(held)
    return child.pid, tool


def folded(tool):
    out = {}
    for line in tool.out:
        frames, _, n = line.rpartition(" ")
        if frames and n.isdigit():
            out[tuple(frames.split(";"))] = int(n)
    return out


def test_uprobe_counts_one_call_with_its_callers():
    pk.need_bpf()
    pid, tool = traced("--json", target=f"{pk.helper_path('stacker')}:inner")
    objs = pk.json_lines(tool.out)
    assert len(objs) == 1 and objs[0]["value"] == 1, objs
    frames = [f.split("+")[0] for f in objs[0]["key"]["user_stack_id"]["frames"]]
    assert frames[:4] == CHAIN[::-1], frames
    assert objs[0]["key"]["pid"] == pid, objs


def test_tracepoint_folded_per_process():
    pk.need_bpf()
    _, tool = traced("-P", "-f", target="t:syscalls:sys_enter_getppid")
    stacks = folded(tool)
    assert list(stacks.values()) == [CALLS], tool.out
    frames = list(stacks)[0]
    # bcc's stackcount -P -f: the comm, user frames outermost first, then the kernel's
    assert frames[0] == "stacker", frames
    i = frames.index("main")
    assert list(frames[i:i + 5]) == CHAIN + ["raw_getppid"], frames
    kernel = frames[i + 5:]
    if NO_SYSCALL_KSTACK:
        assert kernel == (), frames
    else:
        assert any(f.startswith("entry_SYSCALL") for f in kernel), frames


def test_text_in_bccs_layout():
    """stackcount's text is bcc's (PK_STACK_ROWS_FORMAT), whose print loop is
        for k, v in sorted(counts.items(), key=lambda counts: counts[1].value):
            ...
                for addr in kernel_stack:
                    self._print_kframe(addr)        # print("  ", end=""), the symbol
                if self.need_delimiter:
                    print("    --")
                for addr in user_stack:
                    self._print_uframe(addr, k.tgid)
                if not self.args.pid and k.tgid != 0xffffffff:
                    self._print_comm(k.name, k.tgid)  # print("    %s [%d]" % (comm, pid))
                print("    %d\n" % v.value)
    -P: the getppid tracepoint's one stack, 7 hits, "    stacker [PID]", and
    its frames those of -P -f's line (the comm, then outermost first).
    Without -P no comm line: the uprobe on inner, once."""
    pk.need_bpf()
    pid, tool = traced("-P", target="t:syscalls:sys_enter_getppid")
    [(lines, n)] = bcc_entries(tool.out, 4)
    assert n == CALLS and lines[-1] == f"    stacker [{pid}]", lines
    assert all(l.startswith("  ") and l[2] != " " for l in lines[:-1]), lines
    _, tool = traced("-P", "-f", target="t:syscalls:sys_enter_getppid")
    assert folded(tool) == {("stacker", *reversed([l[2:] for l in lines[:-1]])): CALLS}, \
        (folded(tool), lines)
    _, tool = traced(target=f"{pk.helper_path('stacker')}:inner")
    [(lines, n)] = bcc_entries(tool.out, 4)
    assert n == 1 and [l[2:] for l in lines[:4]] == CHAIN[::-1], lines


def test_user_or_kernel_stacks_only():
    pk.need_bpf()
    _, user = traced("-U", "-f", target="t:syscalls:sys_enter_getppid")
    _, kernel = traced("-K", "-f", target="t:syscalls:sys_enter_getppid")
    (ustack, n), = folded(user).items()
    assert n == CALLS and "inner" in ustack and \
        not any(f.startswith("entry_SYSCALL") for f in ustack), ustack
    if NO_SYSCALL_KSTACK:
        assert folded(kernel) == {}, kernel.out
        return
    (kstack, n), = folded(kernel).items()
    assert n == CALLS and "inner" not in kstack and \
        any(f.startswith("entry_SYSCALL") for f in kstack), kstack


def innermost(tool):
    out = {}
    for frames, n in folded(tool).items():
        out[frames[-1]] = out.get(frames[-1], 0) + n
    return out


def test_pattern_of_several_functions():
    """bcc's stackcount 'LIB:*er' (outer, inner) and -r '(middle|inner)$':
    each function's one call is one stack that ends in it."""
    pk.need_bpf()
    stacker = pk.helper_path("stacker")
    _, tool = traced("-U", "-f", target=f"{stacker}:*er")
    assert innermost(tool) == {"outer": 1, "inner": 1}, tool.out
    chains = sorted(f[f.index("main"):] for f in folded(tool))
    assert chains == [("main", "outer"), tuple(CHAIN)], tool.out
    _, tool = traced("-U", "-f", "-r", target=f"{stacker}:(middle|inner)$")
    assert innermost(tool) == {"middle": 1, "inner": 1}, tool.out


def test_tracepoint_pattern():
    pk.need_bpf()
    _, tool = traced("-U", "-f", target="t:syscalls:sys_enter_getpp*")
    assert list(folded(tool).values()) == [CALLS], tool.out


def test_kernel_function_or_why_not():
    """__x64_sys_getppid runs once per getppid(2): 7 hits."""
    pk.need_bpf()
    child = pk.Proc([pk.helper_path("stacker"), str(CALLS)], stdin=subprocess.PIPE)
    child.wait_for(lambda l: l.startswith("ready"))
    tool = attached_or_refused("stackcount", "-p", str(child.pid), "-K", "-f",
                               "__x64_sys_getppid")
    if not tool:
        child.p.stdin.close()
        child.wait()
        return
    go_and_done(child)
    assert tool.stop() == 0, tool.err
    child.p.stdin.close()
    child.wait()
    assert sum(folded(tool).values()) == CALLS, tool.out


def test_kernel_pattern_or_why_not():
    """hrtimer_nanosle* (hrtimer_nanosleep and its restart: kprobes, as
    fentry binds one function) over the dozer helper's 8 nanosleep()
    calls: 8 stacks counted, each ending in hrtimer_nanosleep, else one
    line why not."""
    pk.need_bpf()
    from test_funclatency import attached_or_done, run_workload, start_workload
    proc, pid = start_workload()
    tool = attached_or_done(proc, "stackcount", "-p", str(pid), "-K", "-f", "hrtimer_nanosle*")
    if not tool:
        return
    run_workload(proc)
    assert tool.stop() == 0, tool.err
    stacks = folded(tool)
    assert sum(stacks.values()) == 8, tool.out
    assert all(f[-1].startswith("hrtimer_nanosleep") for f in stacks), tool.out
