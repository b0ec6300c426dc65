// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * profile: a CPU profiler, as bcc's profile is: the CPU clock (a software
 * perf event, which works in a VM without a hardware PMU) sampled at -F Hz
 * on every CPU, each sample counted by process, kernel stack and user
 * stack; printed at the end as stacks with their counts, -f folded (one
 * line a stack, flamegraph.pl's input) or --svg a flame graph.
 *
 * A sample taken in user mode has no kernel stack (its id is -EFAULT), and
 * -U/-K's stack not taken is -EFAULT too: no stack in this mode, printed as
 * nothing rather than as a miss. The idle tasks (pid 0) are left out
 * unless -I. The whole tool is this file.
 *
 * bcc's -a (kernel frames end in "_[k]"), -d (a "-" frame between the user
 * and the kernel stack of a folded line) and --stack-storage-size (the
 * stack map's size) are options of the file that the runtime reads by
 * their names; so -d is not the duration here (that is --duration), as in
 * bcc. A stack lost to a full stack map (-ENOMEM) or a hash collision in it
 * (-EEXIST) prints as a miss, counted after the stacks as bcc warns:
 * "WARNING: N stack traces could not be displayed."
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "maps.bpf.h"
#include "probekit.bpf.h"

PK_TOOL_SUMMARY("Profile CPU usage by sampling stack traces at a timed interval.");
PK_TOOL_EXAMPLE("profile 10              # profile stacks at 49 Hz for 10 seconds");
PK_TOOL_EXAMPLE("profile -F 99 -f --duration 5  # 99 Hz, folded stacks for flamegraph.pl");
PK_TOOL_EXAMPLE("profile -adf --duration 5      # folded, kernel frames marked, user - kernel");
PK_TOOL_EXAMPLE("profile -p 185 --svg p.svg  # a flame graph of process 185");
PK_TOOL_EXAMPLE("profile -U -L 186       # user stacks of thread 186 only");
PK_TOOL_BANNER("Sampling all threads by user + kernel stack... Hit Ctrl-C to end.");
PK_SAMPLE_FREQ(49);
/* bcc's [duration] (its -d is -d/--delimited: --duration is the option) */
PK_TOOL_DURATION_ARG;

#ifndef EFAULT
#define EFAULT 14
#endif

PK_FILTER_PID;

const volatile __u32 targ_tid PK_OPTION(L, "tid", "TID",
					"profile this thread only") PK_OPTION_PID = 0;
const volatile bool user_only PK_OPTION(U, "user-stacks-only", "",
					"user stacks only (no kernel stacks)") = false;
const volatile bool kernel_only PK_OPTION(K, "kernel-stacks-only", "",
					  "kernel stacks only (no user stacks)") = false;
const volatile bool include_idle PK_OPTION(I, "include-idle", "",
					   "include CPU idle stacks") = false;
/* -1: every CPU */
const volatile __s32 targ_cpu PK_OPTION(C, "cpu", "CPU", "sample this CPU only")
    PK_OPTION_RANGE(-1, 4095) = -1;
/* read by the runtime, by name (docs/library.md) */
const volatile bool annotations PK_OPTION(a, "annotations", "",
					  "add _[k] annotations to kernel frames") = false;
const volatile bool delimited PK_OPTION(d, "delimited", "",
					"insert delimiter between kernel/user stacks") = false;
const volatile __u32 stack_storage_size
    PK_OPTION(, "stack-storage-size", "SIZE",
	      "the number of unique stack traces that can be stored and displayed")
	PK_OPTION_RANGE(1, 1048576) = 16384;

struct sample_key {
	__u32 pid;
	char comm[16];
	__s32 kstack;
	__s32 ustack;
};

PK_STACK_TRACE(stacks, 16384);
/* bcc's profile's text: kernel frames, "--" (-d), user frames, "-  comm (pid)", the count */
PK_HASH(samples, struct sample_key, __u64, 16384) PK_STACK_ROWS;

SEC("perf_event")
int do_sample(struct bpf_perf_event_data *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct sample_key key = {};

	if (targ_cpu >= 0 && bpf_get_smp_processor_id() != (__u32)targ_cpu)
		return 0;
	if (!include_idle && (__u32)id == 0)
		return 0;
	if (pk_filtered() || (targ_tid && (__u32)id != targ_tid))
		return 0;
	key.pid = id >> 32;
	bpf_get_current_comm(key.comm, sizeof(key.comm));
	key.kstack = user_only ? -EFAULT : pk_stack_id(ctx, &stacks, false);
	key.ustack = kernel_only ? -EFAULT : pk_stack_id(ctx, &stacks, true);
	pk_increment(&samples, &key);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
