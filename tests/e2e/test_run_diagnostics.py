"""probekit run: errors that name the problem (a misspelt helper with its
line and the nearest helper; "did you mean" for raw tracepoints, uprobe
symbols and section kinds; a refused fentry program named), each one line,
nothing left attached; and pk_printf() inside PK_SYSCALL_ENTER/PK_TRACEPOINT."""
import os
import subprocess

import pk
from test_mechanisms import available
from test_run import prebuilt, run_error, start, PROGS


def one_line(err):
    lines = err.splitlines()
    assert len(lines) == 1, err
    return lines[0]


def test_misspelt_helper_named_with_line_and_nearest():
    if os.environ.get("PK_RUN_PREBUILT") == "1":
        raise pk.Skip("the guests have no clang: a file that does not compile has no object")
    pk.need_host_tool("clang")
    err = run_error(os.path.join(PROGS, "bad_helper.bpf.c"))
    assert one_line(err) == ("run: bpf_get_current_pid_tgdi is not a helper or kfunc "
                             "(bad_helper.bpf.c:9); did you mean bpf_get_current_pid_tgid"
                             " or bpf_get_current_uid_gid?"), err


def test_nearest_names_for_raw_tp_uprobe_and_section_kind():
    pk.need_bpf()
    err = run_error(prebuilt(os.path.join(PROGS, "bad_raw_tp.bpf.c")))
    assert one_line(err) == ("run: program prog_bad_raw_tp: raw tracepoint sched_swich does not "
                             "exist; did you mean sched_switch?"), err
    err = one_line(run_error(prebuilt(os.path.join(PROGS, "bad_uprobe.bpf.c"))))
    assert err.startswith("run: program prog_bad_uprobe: no symbol mallco in /"), err
    assert err.endswith("libc.so.6; did you mean malloc?"), err
    err = run_error(prebuilt(os.path.join(PROGS, "bad_kind.bpf.c")))
    assert one_line(err) == ('run: program prog_bad_kind: SEC("tracepont/syscalls/'
                             'sys_enter_execve"): tracepont is no kind of program; did you '
                             'mean tracepoint/?'), err


def test_refused_fentry_names_the_program():
    pk.need_bpf()
    if available("fentry"):
        raise pk.Skip("fentry works on this kernel: nothing is refused")
    err = one_line(run_error(prebuilt(os.path.join(PROGS, "fentry_only.bpf.c"))))
    assert err.startswith("run: program prog_fentry_only: fentry: "), err


def test_pk_printf_in_syscall_and_tracepoint_macros():
    pk.need_bpf()
    uid = 48000 + os.getpid() % 15000
    tool = start(f"--set=target_uid={uid}", prebuilt(os.path.join(PROGS, "printf_traced.bpf.c")))
    child = subprocess.Popen(["/usr/bin/setpriv", f"--reuid={uid}", f"--regid={uid}",
                              "--clear-groups", "/bin/rm", "-f", f"/tmp/pk-none-{os.getpid()}"])
    child.wait()
    tool.wait_for(lambda l: l.startswith("unlinkat"), what="the unlinkat line")
    assert tool.stop() == 0, tool.err
    # rm is exec'd as the uid (setpriv execs it in place), then unlinks once
    assert tool.out == [f"exec pid={child.pid}", "unlinkat dfd=-100 flags=0"], tool.out
