#!/usr/bin/python3
# The bcc side of the benchmark: opensnoop, statsnoop and mallocstacks
# written as bcc users write them, BPF(text=...) with TRACEPOINT_PROBE (and a
# uprobe for mallocstacks), because bcc's own opensnoop and statsnoop die on
# this kernel (see shared/reference/anchors.md).
#
#   bcc_tools.py opensnoop [UID]    one line per open, as opensnoop prints it
#   bcc_tools.py statsnoop          one line per stat call
#   bcc_tools.py mallocstacks PID   bytes per user stack, printed on SIGINT
#
# "ready" goes to stderr once BPF() has attached everything. On SIGINT the
# tool prints what it has, and "lost N" on stderr.
import signal
import sys

from bcc import BPF

OPEN_TEXT = r"""
struct args_t { const char *fname; };
struct data_t {
    u32 pid;
    s32 ret;
    char comm[16];
    char path[256];
};
BPF_HASH(infotmp, u32, struct args_t);
BPF_PERF_OUTPUT(events);

static int enter(const char *fname)
{
    u32 tid = bpf_get_current_pid_tgid();
    struct args_t a = { .fname = fname };
    if (FILTER)
        return 0;
    infotmp.update(&tid, &a);
    return 0;
}

static int leave(void *ctx, long ret)
{
    u32 tid = bpf_get_current_pid_tgid();
    struct args_t *a = infotmp.lookup(&tid);
    struct data_t d = {};
    if (!a)
        return 0;
    d.pid = bpf_get_current_pid_tgid() >> 32;
    d.ret = ret;
    bpf_get_current_comm(d.comm, sizeof(d.comm));
    bpf_probe_read_user_str(d.path, sizeof(d.path), a->fname);
    events.perf_submit(ctx, &d, sizeof(d));
    infotmp.delete(&tid);
    return 0;
}
"""

OPENSNOOP = OPEN_TEXT + r"""
TRACEPOINT_PROBE(syscalls, sys_enter_openat) { return enter(args->filename); }
TRACEPOINT_PROBE(syscalls, sys_exit_openat) { return leave(args, args->ret); }
TRACEPOINT_PROBE(syscalls, sys_enter_open) { return enter(args->filename); }
TRACEPOINT_PROBE(syscalls, sys_exit_open) { return leave(args, args->ret); }
TRACEPOINT_PROBE(syscalls, sys_enter_openat2) { return enter(args->filename); }
TRACEPOINT_PROBE(syscalls, sys_exit_openat2) { return leave(args, args->ret); }
"""

STATSNOOP = OPEN_TEXT + r"""
TRACEPOINT_PROBE(syscalls, sys_enter_newstat) { return enter(args->filename); }
TRACEPOINT_PROBE(syscalls, sys_exit_newstat) { return leave(args, args->ret); }
TRACEPOINT_PROBE(syscalls, sys_enter_newlstat) { return enter(args->filename); }
TRACEPOINT_PROBE(syscalls, sys_exit_newlstat) { return leave(args, args->ret); }
TRACEPOINT_PROBE(syscalls, sys_enter_newfstatat) { return enter(args->filename); }
TRACEPOINT_PROBE(syscalls, sys_exit_newfstatat) { return leave(args, args->ret); }
TRACEPOINT_PROBE(syscalls, sys_enter_statx) { return enter(args->filename); }
TRACEPOINT_PROBE(syscalls, sys_exit_statx) { return leave(args, args->ret); }
TRACEPOINT_PROBE(syscalls, sys_enter_statfs) { return enter(args->pathname); }
TRACEPOINT_PROBE(syscalls, sys_exit_statfs) { return leave(args, args->ret); }
"""

MALLOCSTACKS = r"""
#include <uapi/linux/ptrace.h>
BPF_HASH(calls, int);
BPF_STACK_TRACE(stack_traces, 1024);
int alloc_enter(struct pt_regs *ctx, size_t size)
{
    int key = stack_traces.get_stackid(ctx, BPF_F_USER_STACK);
    u64 zero = 0, *val;
    if (key < 0)
        return 0;
    val = calls.lookup_or_try_init(&key, &zero);
    if (val)
        (*val) += size;
    return 0;
}
"""

stop = False


def on_sigint(sig, frame):
    global stop
    stop = True


def snoop(text):
    lost = [0]
    b = BPF(text=text, cflags=["-Wno-ignored-attributes"])

    def on_event(cpu, data, size):
        e = b["events"].event(data)
        fd, err = (e.ret, 0) if e.ret >= 0 else (-1, -e.ret)
        print("%-6d %-16s %4d %3d %s" % (e.pid, e.comm.decode("utf-8", "replace"), fd, err,
                                        e.path.decode("utf-8", "replace")), flush=True)

    def on_lost(n):
        lost[0] += n

    b["events"].open_perf_buffer(on_event, page_cnt=64, lost_cb=on_lost)
    print("ready", file=sys.stderr, flush=True)
    print("%-6s %-16s %4s %3s %s" % ("PID", "COMM", "FD", "ERR", "PATH"), flush=True)
    while not stop:
        try:
            b.perf_buffer_poll(timeout=100)
        except KeyboardInterrupt:
            break
    b.perf_buffer_poll(timeout=0)
    print("lost %d" % lost[0], file=sys.stderr, flush=True)


def mallocstacks(pid):
    # blocked, then waited for: no window where SIGINT could be missed
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    b = BPF(text=MALLOCSTACKS, cflags=["-Wno-ignored-attributes"])
    b.attach_uprobe(name="c", sym="malloc", fn_name="alloc_enter", pid=pid)
    print("ready", file=sys.stderr, flush=True)
    signal.sigwait({signal.SIGINT})
    calls, stacks = b["calls"], b["stack_traces"]
    for k, v in reversed(sorted(calls.items(), key=lambda c: c[1].value)):
        print("%d bytes allocated at:" % v.value)
        for addr in stacks.walk(k.value):
            print("\t%s" % b.sym(addr, pid, show_offset=True).decode("utf-8", "replace"))
    sys.stdout.flush()


def main():
    signal.signal(signal.SIGINT, on_sigint)
    tool = sys.argv[1]
    if tool == "opensnoop":
        uid = sys.argv[2] if len(sys.argv) > 2 else None
        snoop(OPENSNOOP.replace("FILTER", "(u32)bpf_get_current_uid_gid() != %d" % int(uid)
                                if uid else "0"))
    elif tool == "statsnoop":
        snoop(STATSNOOP.replace("FILTER", "0"))
    elif tool == "mallocstacks":
        mallocstacks(int(sys.argv[2]))
    else:
        sys.exit("usage: bcc_tools.py opensnoop [UID] | statsnoop | mallocstacks PID")


if __name__ == "__main__":
    main()
