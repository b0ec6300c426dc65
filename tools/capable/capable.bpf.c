// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * capable: the kernel's capability checks (cap_capable()), one line each,
 * as bcc's capable prints them: TIME UID PID COMM CAP NAME AUDIT, with the
 * kernel and user stacks under -K and -U. Only checks that would be
 * audited print unless -v... which is probekit's "mechanism" flag: bcc's
 * -v is --all here.
 *
 * -x adds bcc's TID and INSETID columns (the check came from a set*id()
 * call: CAP_OPT_INSETID); bcc prints the thread id under PID and the
 * process id under TID, here each is under its own name. --unique shows
 * a check once per process, capability and stacks, as bcc's does.
 *
 * cap_capable() has no tracepoint: fentry, else a kprobe. A kernel with
 * neither (no BPF trampolines, no CONFIG_KPROBES) cannot run this tool;
 * the runtime says so in one line, naming both reasons, and attaches
 * nothing.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "probekit.bpf.h"
#include "maps.bpf.h"

PK_TOOL_SUMMARY("Show the kernel's capability checks (cap_capable()).");
PK_TOOL_EXAMPLE("capable                  # audited checks, every process");
PK_TOOL_EXAMPLE("capable -a -p 181        # every check of process 181");
PK_TOOL_EXAMPLE("capable -K -U            # with kernel and user stacks");
PK_TOOL_EXAMPLE("capable -x               # TID and INSETID columns");
PK_TOOL_EXAMPLE("capable --unique -K      # each check once per process and stack");

PK_FILTER_PID;

const volatile bool not_audited PK_OPTION(a, "all", "",
					  "also checks that are not audited (bcc's -v)") = false;
const volatile bool kstacks PK_OPTION(K, "kernel-stack", "", "the kernel stack of each") = false;
const volatile bool ustacks PK_OPTION(U, "user-stack", "", "the user stack of each") = false;
const volatile bool extra PK_OPTION(x, "extra", "", "TID and INSETID columns") = false;
const volatile bool unique PK_OPTION(, "unique", "",
				     "each check once per process, capability and stacks") = false;

enum cap_name {
	CAP_CHOWN = 0,
	CAP_DAC_OVERRIDE = 1,
	CAP_DAC_READ_SEARCH = 2,
	CAP_FOWNER = 3,
	CAP_FSETID = 4,
	CAP_KILL = 5,
	CAP_SETGID = 6,
	CAP_SETUID = 7,
	CAP_SETPCAP = 8,
	CAP_LINUX_IMMUTABLE = 9,
	CAP_NET_BIND_SERVICE = 10,
	CAP_NET_BROADCAST = 11,
	CAP_NET_ADMIN = 12,
	CAP_NET_RAW = 13,
	CAP_IPC_LOCK = 14,
	CAP_IPC_OWNER = 15,
	CAP_SYS_MODULE = 16,
	CAP_SYS_RAWIO = 17,
	CAP_SYS_CHROOT = 18,
	CAP_SYS_PTRACE = 19,
	CAP_SYS_PACCT = 20,
	CAP_SYS_ADMIN = 21,
	CAP_SYS_BOOT = 22,
	CAP_SYS_NICE = 23,
	CAP_SYS_RESOURCE = 24,
	CAP_SYS_TIME = 25,
	CAP_SYS_TTY_CONFIG = 26,
	CAP_MKNOD = 27,
	CAP_LEASE = 28,
	CAP_AUDIT_WRITE = 29,
	CAP_AUDIT_CONTROL = 30,
	CAP_SETFCAP = 31,
	CAP_MAC_OVERRIDE = 32,
	CAP_MAC_ADMIN = 33,
	CAP_SYSLOG = 34,
	CAP_WAKE_ALARM = 35,
	CAP_BLOCK_SUSPEND = 36,
	CAP_AUDIT_READ = 37,
	CAP_PERFMON = 38,
	CAP_BPF = 39,
	CAP_CHECKPOINT_RESTORE = 40,
};

PK_STACK_TRACE(stack_traces, 4096);

struct event {
	__u64 ts PK_FMT("clock") PK_HEADER("TIME");
	__u32 uid;
	__u32 pid;
	__u32 tid PK_WHEN(extra);
	char comm[16];
	__s32 cap PK_HEADER("CAP");
	enum cap_name name PK_HEADER("NAME");
	__u32 audit PK_HEADER("AUDIT");
	__u32 insetid PK_WHEN(extra) PK_HEADER("INSETID");
	/* no KSTACK/USTACK columns of -EFAULT ids in the text unless asked for */
	__s32 kstack PK_KSTACK_ID PK_WHEN(kstacks);
	__s32 ustack PK_USTACK_ID PK_WHEN(ustacks);
};
PK_EVENT(struct event);

/* the kernel's opts: a check that is not audited; one from a set*id() call */
#define CAP_OPT_NOAUDIT 2
#define CAP_OPT_INSETID 4

/* --unique: what bcc's capable counts as a repeat */
struct repeat {
	__u32 tgid;
	__s32 cap;
	__s32 kstack;
	__s32 ustack;
};

PK_HASH(seen, struct repeat, __u8, 10240) PK_PRIVATE;
/* a stack not asked for: -EFAULT, which prints as nothing */
#define NOT_ASKED -14

static __always_inline int check(void *ctx, int cap, unsigned int opts)
{
	bool audit = !(opts & CAP_OPT_NOAUDIT);
	__u64 id = bpf_get_current_pid_tgid();
	struct repeat r = {.tgid = id >> 32, .cap = cap};
	static const __u8 one = 1;
	struct event *e;

	if ((!audit && !not_audited) || pk_filtered())
		return 0;
	r.kstack = kstacks ? pk_stack_id(ctx, &stack_traces, false) : NOT_ASKED;
	r.ustack = ustacks ? pk_stack_id(ctx, &stack_traces, true) : NOT_ASKED;
	/* bcc's: a lookup, then the first of its kind is kept (BPF_NOEXIST printed all on 6.1) */
	if (unique) {
		if (bpf_map_lookup_elem(&seen, &r))
			return 0;
		bpf_map_update_elem(&seen, &r, &one, BPF_ANY);
	}
	e = pk_reserve(struct event);
	if (!e)
		return 0;
	e->ts = bpf_ktime_get_ns();
	e->uid = (__u32)bpf_get_current_uid_gid();
	e->pid = id >> 32;
	e->tid = (__u32)id;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	e->cap = cap;
	e->name = cap;
	e->audit = audit;
	e->insetid = !!(opts & CAP_OPT_INSETID);
	e->kstack = r.kstack;
	e->ustack = r.ustack;
	pk_submit(ctx, e);
	return 0;
}

SEC("fentry/cap_capable")
int BPF_PROG(capable__fentry, const struct cred *cred, struct user_namespace *ns, int cap,
	     unsigned int opts)
{
	return check(ctx, cap, opts);
}

SEC("kprobe/cap_capable")
int BPF_KPROBE(capable__kprobe, const struct cred *cred, struct user_namespace *ns, int cap,
	       unsigned int opts)
{
	return check(ctx, cap, opts);
}

char LICENSE[] SEC("license") = "GPL";
