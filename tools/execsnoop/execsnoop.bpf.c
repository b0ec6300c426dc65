// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * execsnoop: every exec, with bcc's columns (PCOMM PID PPID RET ARGS) and
 * options. The whole tool is this file: probekit compiles it in, and
 * `probekit run tools/execsnoop/execsnoop.bpf.c` runs a copy from source.
 *
 * The execve/execveat entry tracepoints read the file name and argv while
 * the caller's memory is still there, into a per-thread entry. A success
 * is sent from sched_process_exec (a raw tracepoint); with -x the exit
 * tracepoints send every exec with its result, so failed ones come with
 * their errno. Without -x those are not attached: each classic tracepoint
 * costs a grace period at exit. A thread other than the leader that execs
 * takes the leader's id on success (de_thread()): sched_process_exec, which
 * says both ids, moves its entry so that the exit finds it.
 *
 * ARGS is the file name and then argv[1..], as bcc shows it. An argument
 * list with more than --max-args arguments, or longer than the buffer, ends
 * in " ..." and has args_cut set (--json); it is never cut silently.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "probekit.bpf.h"

PK_TOOL_SUMMARY("Trace new processes: exec() calls, their arguments and results.");
PK_TOOL_EXAMPLE("execsnoop                # trace all exec() calls");
PK_TOOL_EXAMPLE("execsnoop -x             # include failed exec()s, with their errno");
PK_TOOL_EXAMPLE("execsnoop -T -U          # HH:MM:SS and UID columns");
PK_TOOL_EXAMPLE("execsnoop -n main        # only commands whose name contains \"main\"");
PK_TOOL_EXAMPLE("execsnoop -l tpkg        # only commands whose arguments contain \"tpkg\"");
PK_TOOL_EXAMPLE("execsnoop -u 1000 -q     # uid 1000 only, arguments in quotes");
PK_TOOL_EXAMPLE("execsnoop -P 181         # only children of process 181");

PK_FILTER_PID;
PK_FILTER_UID;

const volatile bool print_time PK_OPTION(T, "time", "", "include a time column (HH:MM:SS)") = false;
const volatile bool print_timestamp
    PK_OPTION(t, "timestamp", "", "include a TIME(s) column: seconds since the first") = false;
const volatile bool fails PK_OPTION(x, "fails", "", "include failed exec()s") = false;
/* a failed exec's result is known only at the syscall's exit: for -x only */
PK_PROGS_WHEN(fails, "sys_exit_execve sys_exit_execveat");
const volatile bool quote PK_OPTION(q, "quote", "", "put quotemarks (\") around arguments") = false;
const volatile char name[16] PK_OPTION(n, "name", "NAME",
				       "only commands whose name contains NAME") = "";
const volatile char line[32] PK_OPTION(l, "line", "LINE",
				       "only commands whose arguments contain LINE") = "";
const volatile bool print_uid PK_OPTION(U, "print-uid", "", "print a UID column") = false;
const volatile __u32 max_args PK_OPTION(, "max-args", "N",
					"at most N arguments shown; more end in ...")
    PK_OPTION_RANGE(1, 128) = 20;
const volatile __u32 targ_ppid PK_OPTION(P, "ppid", "PPID", "only children of this process") = 0;
/* no option: in --json only (probekit run FILE --set show_args_cut=1 shows it) */
const volatile bool show_args_cut = false;

/* ARGS: at most ARGS_LEN - 1 bytes, the " ..." of a cut list included */
#define ARGS_LEN  2048
#define ARGS_MASK (ARGS_LEN - 1)
/* the text itself ends before this, leaving room for `" ...` and the NUL */
#define ARGS_ROOM    (ARGS_LEN - 8)
#define MAX_ARGS_CAP 128

/*
 * bcc's layout: "%-9s" "%-8.3f" "%-6d" then "%-16s %-7d %-7s %3d %s" (a
 * column's width here is bcc's less the space the table puts after it).
 * RET names a failure's errno after its number.
 */
struct event {
	__u64 time PK_FMT("clock") PK_WHEN(print_time) PK_HEADER("TIME");
	__u64 ts PK_WHEN(print_timestamp) PK_WIDTH(-7) PK_PRECISION(3);
	__u32 uid PK_WHEN(print_uid) PK_WIDTH(-5);
	char comm[16] PK_HEADER("PCOMM") PK_WIDTH(-16);
	__u32 pid PK_WIDTH(-7);
	__u32 ppid PK_WIDTH(-7);
	pk_errno_t ret PK_WIDTH(3);
	bool args_cut PK_WHEN(show_args_cut);
	char args[ARGS_LEN];
};

PK_EVENT(struct event);

/*
 * An exec in flight. The args buffer is twice what is kept: a read at any
 * offset below ARGS_LEN of up to ARGS_LEN bytes then stays inside it, which
 * is what the verifier checks (it does not know the size shrinks as the
 * offset grows).
 */
struct exec_args {
	__u32 len;
	bool cut;
	char args[2 * ARGS_LEN];
};

/*
 * By thread, from the entry to the exit. Not preallocated: an entry is
 * 4 KB, and only execs in flight need one.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, struct exec_args);
} pk_execs SEC(".maps");

/* where the entry is built before it is copied into pk_execs (too big for the stack) */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct exec_args);
} pk_exec_scratch SEC(".maps");

/* -q: an argument read here first, then copied with its '"' escaped */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, char[ARGS_LEN]);
} pk_quote_scratch SEC(".maps");

struct quote_copy {
	__u32 n;
	__u32 off;
	bool full;
};

/* Byte @i of the argument in pk_quote_scratch into the args, '"' as bcc's -q writes it: \" */
static long quote_byte(__u32 i, struct quote_copy *q)
{
	__u32 zero = 0;
	struct exec_args *a = bpf_map_lookup_elem(&pk_exec_scratch, &zero);
	char *t = bpf_map_lookup_elem(&pk_quote_scratch, &zero);
	char c;

	if (!a || !t || i >= q->n)
		return 1;
	c = t[i & ARGS_MASK];
	if (c == '"') {
		if (q->off >= ARGS_ROOM)
			goto full;
		a->args[q->off++ & ARGS_MASK] = '\\';
	}
	if (q->off >= ARGS_ROOM)
		goto full;
	a->args[q->off++ & ARGS_MASK] = c;
	return 0;
full:
	q->full = true;
	return 1;
}

/*
 * -q: user string @s between quotemarks, its own escaped, and a space, as
 * bcc's execsnoop -q prints an argument; false when it did not fit whole.
 */
static __always_inline bool append_quoted(struct exec_args *a, const char *s)
{
	struct quote_copy q = {.off = a->len};
	__u32 zero = 0, size;
	char *t = bpf_map_lookup_elem(&pk_quote_scratch, &zero);
	char next = 0;
	long n;

	if (!t || q.off + 1 >= ARGS_ROOM)
		return false;
	a->args[q.off++ & ARGS_MASK] = '"';
	size = ARGS_ROOM - q.off;
	barrier_var(size);
	size &= ARGS_MASK;
	n = bpf_probe_read_user_str(t, size, s);
	/* unreadable: shown as empty, as the kernel would fail it */
	q.n = n < 1 ? 0 : n - 1;
	bpf_loop(ARGS_LEN, quote_byte, &q, 0);
	if (q.full || (n >= size && !bpf_probe_read_user(&next, 1, s + size - 1) && next)) {
		/* what fit stays, then " ..." */
		a->len = q.off;
		return false;
	}
	if (q.off + 2 > ARGS_ROOM) {
		a->len = q.off;
		return false;
	}
	a->args[q.off++ & ARGS_MASK] = '"';
	a->args[q.off++ & ARGS_MASK] = ' ';
	a->len = q.off;
	return true;
}

static __always_inline __u32 parent_tgid(void)
{
	struct task_struct *task = (void *)bpf_get_current_task();

	return BPF_CORE_READ(task, real_parent, tgid);
}

/* Appends user string @s and a space; false when it did not fit whole. */
static __always_inline bool append(struct exec_args *a, const char *s)
{
	__u32 off = a->len, size;
	long n;
	char next = 0;

	if (quote)
		return append_quoted(a, s);
	if (off >= ARGS_ROOM)
		return false;
	size = ARGS_ROOM - off;
	/* the compiler would drop the masks the verifier needs (off < ARGS_ROOM) */
	barrier_var(size);
	size &= ARGS_MASK;
	barrier_var(off);
	off &= ARGS_MASK;
	n = bpf_probe_read_user_str(&a->args[off], size, s);
	if (n < 1) {
		/* unreadable: shown as empty, as the kernel would fail it */
		n = 1;
		a->args[off & ARGS_MASK] = '\0';
	}
	off += n - 1;
	if (n >= size) {
		bpf_probe_read_user(&next, 1, s + size - 1);
		if (next) {
			/* what fit stays, then " ..." */
			a->len = off;
			return false;
		}
	}
	a->args[off++ & ARGS_MASK] = ' ';
	a->len = off;
	return true;
}

struct argv_walk {
	const char *const *argv;
	bool cut;
};

/*
 * Argument @i + 1 into the args, for bpf_loop(): the verifier then checks
 * append() once, where a bounded loop had it walk all 127 copies (most of
 * execsnoop's start-up).
 */
static long argv_at(__u32 i, struct argv_walk *w)
{
	__u32 zero = 0;
	struct exec_args *a = bpf_map_lookup_elem(&pk_exec_scratch, &zero);
	const char *arg = NULL;

	if (!a || bpf_probe_read_user(&arg, sizeof(arg), &w->argv[i + 1]) || !arg)
		return 1;
	if (i + 1 >= max_args || !append(a, arg)) {
		w->cut = true;
		return 1;
	}
	return 0;
}

static __always_inline int enter(const char *filename, const char *const *argv)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid(), zero = 0;
	struct argv_walk w = {.argv = argv};
	struct exec_args *a;

	if (pk_filtered() || (targ_ppid && parent_tgid() != targ_ppid))
		return 0;
	a = bpf_map_lookup_elem(&pk_exec_scratch, &zero);
	if (!a)
		return 0;
	a->len = 0;
	a->cut = false;
	if (!append(a, filename)) {
		a->cut = true;
		goto done;
	}
	bpf_loop(MAX_ARGS_CAP - 1, argv_at, &w, 0);
	a->cut = w.cut;
done:
	/* the space after the last argument goes; a cut list ends in " ..." (-q: " \"...\"", bcc's)
	 */
	if (a->len && a->args[(a->len - 1) & ARGS_MASK] == ' ')
		a->len--;
	if (a->cut) {
		a->args[a->len++ & ARGS_MASK] = ' ';
		if (quote)
			a->args[a->len++ & ARGS_MASK] = '"';
		a->args[a->len++ & ARGS_MASK] = '.';
		a->args[a->len++ & ARGS_MASK] = '.';
		a->args[a->len++ & ARGS_MASK] = '.';
		if (quote)
			a->args[a->len++ & ARGS_MASK] = '"';
	}
	a->args[a->len & ARGS_MASK] = '\0';
	if (bpf_map_update_elem(&pk_execs, &tid, a, BPF_ANY))
		/* this exec's event will not be sent */
		pk_count_lost();
	return 0;
}

/* Whether the 16-byte @comm contains -n's NAME. */
static __always_inline bool comm_has_name(const char *comm)
{
	int i, j;

	for (i = 0; i < 16; i++) {
		for (j = 0; j < 16 && name[j]; j++) {
			if (i + j >= 16 || comm[(i + j) & 15] != name[j])
				break;
		}
		if (j == 16 || !name[j])
			return true;
		if (!comm[i])
			break;
	}
	return false;
}

struct line_search {
	__u32 tid;
	__u32 len;
	bool found;
};

/* One start position of the -l search: bpf_loop() walks them. */
static long line_at(__u32 i, struct line_search *s)
{
	struct exec_args *a = bpf_map_lookup_elem(&pk_execs, &s->tid);
	int j;

	if (!a || i >= s->len)
		return 1;
	for (j = 0; j < 32 && line[j]; j++) {
		if (a->args[(i + j) & ARGS_MASK] != line[j])
			return 0;
	}
	s->found = true;
	return 1;
}

static __always_inline bool args_have_line(__u32 tid, __u32 len)
{
	struct line_search s = {.tid = tid, .len = len};

	bpf_loop(ARGS_LEN, line_at, &s, 0);
	return s.found;
}

static __always_inline int leave(void *ctx, long ret)
{
	__u64 id = bpf_get_current_pid_tgid(), now;
	__u32 tid = (__u32)id;
	struct exec_args *a = bpf_map_lookup_elem(&pk_execs, &tid);
	struct event *e;
	__u32 len;

	if (!a)
		return 0;
	if (ret && !fails)
		goto out;
	e = pk_reserve_cut(struct event);
	if (!e)
		goto out;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	if (name[0] && !comm_has_name(e->comm))
		goto out;
	len = a->len & ARGS_MASK;
	if (line[0] && !args_have_line(tid, len))
		goto out;
	now = bpf_ktime_get_ns();
	e->time = now;
	e->ts = now;
	e->uid = (__u32)bpf_get_current_uid_gid();
	e->pid = id >> 32;
	e->ppid = parent_tgid();
	e->ret = ret;
	e->args_cut = a->cut;
	bpf_probe_read_kernel(e->args, len + 1, a->args);
	pk_submit_cut_at(ctx, e, __builtin_offsetof(struct event, args) + len + 1, now);
out:
	bpf_map_delete_elem(&pk_execs, &tid);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_execve")
int sys_enter_execve(struct pk_syscall_enter *ctx)
{
	return enter((const char *)ctx->args[0], (const char *const *)ctx->args[1]);
}

SEC("tracepoint/syscalls/sys_enter_execveat")
int sys_enter_execveat(struct pk_syscall_enter *ctx)
{
	return enter((const char *)ctx->args[1], (const char *const *)ctx->args[2]);
}

SEC("tracepoint/syscalls/sys_exit_execve")
int sys_exit_execve(struct pk_syscall_exit *ctx)
{
	return leave(ctx, ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_execveat")
int sys_exit_execveat(struct pk_syscall_exit *ctx)
{
	return leave(ctx, ctx->ret);
}

/*
 * The exec succeeded: a non-leader thread's exec took the leader's id, and
 * its entry goes with it. Without -x, successes are all that print, and the
 * event goes from here: execve's exit tracepoints are not attached then
 * (PK_PROGS_WHEN below). A raw tracepoint, as sched_process_exit's: their
 * detach waits for no grace period, where a classic one's does, one after
 * another at exit.
 */
SEC("raw_tp/sched_process_exec")
int BPF_PROG(sched_process_exec, struct task_struct *p, pid_t old_pid)
{
	__u32 old = old_pid, now = BPF_CORE_READ(p, pid);
	struct exec_args *a;

	if (old != now && (a = bpf_map_lookup_elem(&pk_execs, &old))) {
		bpf_map_update_elem(&pk_execs, &now, a, BPF_ANY);
		bpf_map_delete_elem(&pk_execs, &old);
	}
	return fails ? 0 : leave(ctx, 0);
}

/* Without -x a failed exec leaves its entry: the thread's end takes it away. */
SEC("raw_tp/sched_process_exit")
int sched_process_exit(void *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	if (!fails)
		bpf_map_delete_elem(&pk_execs, &tid);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
