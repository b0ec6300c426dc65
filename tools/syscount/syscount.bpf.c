// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * syscount: system calls counted per syscall, or per process with -P, with
 * their total time under -L, as bcc's syscount counts them: at the
 * syscall's exit, so that -x and -e see its result (a call that never
 * returns, exit_group(2), is not counted; strace -c leaves it out too).
 *
 * The mechanism: counting every syscall is the one job for which the raw
 * sys_enter/sys_exit tracepoints are right (one program each, rather than
 * 300-odd syscall tracepoints). Their price is that every syscall of the
 * machine runs them, traced or not: ~10-17 % of a getppid() here, twice
 * as much with both (the sys_enter program is attached in any case and
 * returns at once without -L). -p, -t and --syscall filter inside the
 * programs: no tracepoint attaches to one process alone, so they do not
 * make untraced syscalls cheaper. The classic raw_syscalls tracepoints are
 * the fallback, for kernels without raw_tp.
 *
 * The arguments are read with fixed layouts (tracepoint records, pt_regs),
 * so there are no CO-RE relocations and libbpf never parses the kernel's
 * BTF.
 */
#include <stdbool.h>
#include <linux/types.h>
#include <linux/bpf.h>
#include <asm/ptrace.h>
#include <asm/unistd.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "probekit.bpf.h"
#include "maps.bpf.h"
#include "syscalls.bpf.h"

PK_TOOL_SUMMARY("Count system calls per syscall or per process, with their total time (-L).");
PK_TOOL_EXAMPLE("syscount                 # the 10 most frequent syscalls, at Ctrl-C");
PK_TOOL_EXAMPLE("syscount -P -i 1         # per process, every second");
PK_TOOL_EXAMPLE("syscount -L -p 181       # counts and time in syscalls of process 181");
PK_TOOL_EXAMPLE("syscount -x              # failed syscalls only");
PK_TOOL_EXAMPLE("syscount -e ENOENT       # syscalls that failed with ENOENT");
PK_TOOL_EXAMPLE("syscount -c 'ls /'       # the syscalls of a command");
PK_TOOL_EXAMPLE("syscount -l              # the syscall names it knows");
PK_TOOL_BANNER("Tracing syscalls... Ctrl+C to quit.");
PK_PREFER("raw_tp tracepoint");

PK_FILTER_PID;
PK_FILTER_TID;

const volatile __u32 top PK_OPTION(T, "top", "TOP", "print only the TOP most frequent (0: all)")
    PK_OPTION_RANGE(0, 100000) = 10;
const volatile bool failures PK_OPTION(x, "failures", "", "count only failed syscalls") = false;
const volatile pk_errno_t errno_only
    PK_OPTION(e, "errno", "ERRNO", "count only syscalls failed with ERRNO (EPERM or 1)") = 0;
const volatile bool latency PK_OPTION(L, "latency", "",
				      "also the total time in the syscalls") = false;
/* the syscalls' entries are timed for -L only: without it, no program on them */
PK_PROGS_WHEN(latency, "enter__*");
const volatile bool millis PK_OPTION(m, "milliseconds", "", "times in ms (default: us)") = false;
const volatile bool by_process PK_OPTION(P, "process", "",
					 "count per process, not per syscall") = false;
const volatile pk_syscall_t only PK_OPTION(, "syscall", "SYSCALL",
					   "count only this syscall (a name or a number)") = -1;
/* bcc's -l: the names --syscall and the counts use, this architecture's */
const volatile bool list PK_OPTION(l, "list", "", "print the syscall names known and exit")
    PK_LIST_NAMES("syscalls") = false;

struct sys_key {
	pk_syscall_t nr;
};

struct proc_key {
	__u32 pid;
};

/* bcc's columns: the value types differ in the unit TIME is shown in */
struct sys_count {
	__u64 count;
};

struct sys_time_us {
	__u64 count;
	__u64 total_ns PK_DURATION(ns, us);
};

struct sys_time_ms {
	__u64 count;
	__u64 total_ns PK_DURATION(ns, ms);
};

struct proc_count {
	__u64 count;
	char comm[16];
};

struct proc_time_us {
	__u64 count;
	char comm[16];
	__u64 total_ns PK_DURATION(ns, us);
};

struct proc_time_ms {
	__u64 count;
	char comm[16];
	__u64 total_ns PK_DURATION(ns, ms);
};

/* One table per shape of bcc's output; the options choose which fills and prints. */
PK_PERCPU_HASH(by_syscall, struct sys_key, struct sys_count, 1024)
PK_TABLE_ROW("{nr:-22} {count:8}")
PK_ROW_HEADER("SYSCALL                   COUNT")
PK_ROW_SORT("-count nr") PK_ROW_TOP(top) PK_CLEAR PK_TABLE_UNLESS(by_process)
    PK_TABLE_UNLESS(latency);
PK_PERCPU_HASH(by_syscall_us, struct sys_key, struct sys_time_us, 1024)
PK_TABLE_ROW("{nr:-22} {count:8} {total_ns:16}")
PK_ROW_HEADER("SYSCALL                   COUNT        TIME (us)")
PK_ROW_SORT("-total_ns nr")
PK_ROW_TOP(top) PK_CLEAR PK_TABLE_UNLESS(by_process) PK_TABLE_WHEN(latency) PK_TABLE_UNLESS(millis);
PK_PERCPU_HASH(by_syscall_ms, struct sys_key, struct sys_time_ms, 1024)
PK_TABLE_ROW("{nr:-22} {count:8} {total_ns:16}")
PK_ROW_HEADER("SYSCALL                   COUNT        TIME (ms)")
PK_ROW_SORT("-total_ns nr")
PK_ROW_TOP(top) PK_CLEAR PK_TABLE_UNLESS(by_process) PK_TABLE_WHEN(latency) PK_TABLE_WHEN(millis);
/* not per-CPU: the comm is not a number to sum over CPUs */
PK_HASH(by_process_cnt, struct proc_key, struct proc_count, 10240)
PK_TABLE_ROW("{pid:-6} {comm:-15} {count:8}")
PK_ROW_HEADER("PID    COMM               COUNT")
PK_ROW_SORT("-count pid") PK_ROW_TOP(top) PK_CLEAR PK_TABLE_WHEN(by_process)
    PK_TABLE_UNLESS(latency);
PK_HASH(by_process_us, struct proc_key, struct proc_time_us, 10240)
PK_TABLE_ROW("{pid:-6} {comm:-15} {count:8} {total_ns:16}")
PK_ROW_HEADER("PID    COMM               COUNT        TIME (us)")
PK_ROW_SORT("-total_ns pid")
PK_ROW_TOP(top) PK_CLEAR PK_TABLE_WHEN(by_process) PK_TABLE_WHEN(latency) PK_TABLE_UNLESS(millis);
PK_HASH(by_process_ms, struct proc_key, struct proc_time_ms, 10240)
PK_TABLE_ROW("{pid:-6} {comm:-15} {count:8} {total_ns:16}")
PK_ROW_HEADER("PID    COMM               COUNT        TIME (ms)")
PK_ROW_SORT("-total_ns pid")
PK_ROW_TOP(top) PK_CLEAR PK_TABLE_WHEN(by_process) PK_TABLE_WHEN(latency) PK_TABLE_WHEN(millis);

/* -L: when each thread entered its syscall */
PK_HASH(start, __u64, __u64, 10240) PK_PRIVATE;

/* the raw_syscalls tracepoints' records (their id is a long, not an int) */
struct raw_enter {
	__u64 common;
	long id;
	unsigned long args[6];
};

struct raw_exit {
	__u64 common;
	long id;
	long ret;
};

static __always_inline bool wanted(long nr)
{
	return nr >= 0 && (only < 0 || nr == only) && !pk_filtered();
}

static __always_inline int enter(long nr)
{
	__u64 id, ts;

	if (!latency || !wanted(nr))
		return 0;
	id = bpf_get_current_pid_tgid();
	ts = bpf_ktime_get_ns();
	bpf_map_update_elem(&start, &id, &ts, BPF_ANY);
	return 0;
}

static __always_inline void count_syscall(long nr, __u64 ns)
{
	struct sys_key key = {.nr = (__s32)nr};
	static const struct sys_time_us zero;
	struct sys_time_us *v;

	if (!latency) {
		struct sys_count *c = pk_lookup_or_try_init(&by_syscall, &key, &zero);

		if (c)
			c->count++;
		return;
	}
	/* the two value types have one layout: only the unit shown differs */
	v = millis ? pk_lookup_or_try_init(&by_syscall_ms, &key, &zero)
		   : pk_lookup_or_try_init(&by_syscall_us, &key, &zero);
	if (v) {
		v->count++;
		v->total_ns += ns;
	}
}

static __always_inline void count_process(__u32 pid, __u64 ns)
{
	struct proc_key key = {.pid = pid};
	static const struct proc_time_us zero;
	struct proc_time_us *v;

	if (!latency) {
		struct proc_count *c = pk_lookup_or_try_init(&by_process_cnt, &key, &zero);

		if (c) {
			__sync_fetch_and_add(&c->count, 1);
			bpf_get_current_comm(c->comm, sizeof(c->comm));
		}
		return;
	}
	v = millis ? pk_lookup_or_try_init(&by_process_ms, &key, &zero)
		   : pk_lookup_or_try_init(&by_process_us, &key, &zero);
	if (v) {
		__sync_fetch_and_add(&v->count, 1);
		__sync_fetch_and_add(&v->total_ns, ns);
		bpf_get_current_comm(v->comm, sizeof(v->comm));
	}
}

static __always_inline int leave(long nr, long ret)
{
	__u64 id, ns = 0, *ts;

	if (!wanted(nr))
		return 0;
	if (failures && ret >= 0)
		return 0;
	if (errno_only && ret != -(long)errno_only)
		return 0;
	id = bpf_get_current_pid_tgid();
	if (latency) {
		ts = bpf_map_lookup_elem(&start, &id);
		/* entered before the tool started: no time to count */
		if (!ts)
			return 0;
		ns = bpf_ktime_get_ns() - *ts;
		bpf_map_delete_elem(&start, &id);
	}
	if (by_process)
		count_process(id >> 32, ns);
	else
		count_syscall(nr, ns);
	return 0;
}

/*
 * Whether the raw tracepoint's @regs are a native syscall's: a 32-bit
 * process's calls arrive with other numbers (4 is write there, stat here),
 * and the syscall tracepoints leave them out; so do we. Only the code
 * segment is read, not the whole pt_regs as pk_regs_native() takes it.
 */
static __always_inline bool native(__u64 regs)
{
#if defined(__TARGET_ARCH_x86)
	__u64 cs = 0;

	bpf_probe_read_kernel(&cs, sizeof(cs), &((struct pt_regs *)regs)->cs);
	return (cs & 0xffff) == 0x33;
#else
	(void)regs;
	return true;
#endif
}

SEC("raw_tp/sys_enter")
int enter__raw_tp(struct bpf_raw_tracepoint_args *ctx)
{
	if (!latency || !native(ctx->args[0]))
		return 0;
	return enter((long)ctx->args[1]);
}

SEC("raw_tp/sys_exit")
int exit__raw_tp(struct bpf_raw_tracepoint_args *ctx)
{
	/* on x86 from regs->orig_ax; other architectures: not known here */
	long nr = pk_raw_exit_nr(ctx);

	if (!native(ctx->args[0]))
		return 0;
	return leave(nr, (long)ctx->args[1]);
}

SEC("tracepoint/raw_syscalls/sys_enter")
int enter__tp(struct raw_enter *ctx)
{
	return enter(ctx->id);
}

SEC("tracepoint/raw_syscalls/sys_exit")
int exit__tp(struct raw_exit *ctx)
{
	return leave(ctx->id, ctx->ret);
}

char LICENSE[] SEC("license") = "GPL";
