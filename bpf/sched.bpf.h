/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The scheduler as the sched_switch programs of the scheduler tools read it
 * (runqlat, runqslower, wakeuptime): a task's state across kernels, and
 * whether a task switched out stays queued. Include after vmlinux.h and
 * <bpf/bpf_core_read.h>.
 */
#ifndef PROBEKIT_SCHED_BPF_H
#define PROBEKIT_SCHED_BPF_H

#define PK_TASK_RUNNING 0
/*
 * The classic sched_switch tracepoint gives a preempted task's prev_state
 * as TASK_REPORT_MAX (0x100 since 4.14), whatever its state was.
 */
#define PK_TASK_REPORT_MAX 0x100

/* The state a task is in: __state since 5.14, state before. */
static __always_inline long pk_task_state(struct task_struct *t)
{
	struct task_struct___old {
		long state;
	} *o = (void *)t;

	if (bpf_core_field_exists(t->__state))
		return BPF_CORE_READ(t, __state);
	return BPF_CORE_READ(o, state);
}

/*
 * Whether a task switched out stays on its run queue: when preempted,
 * whatever its state (it may have been about to sleep), or when runnable
 * (sched_yield()); otherwise it blocked.
 */
static __always_inline bool pk_switched_out_queued(bool preempt, struct task_struct *prev)
{
	return preempt || pk_task_state(prev) == PK_TASK_RUNNING;
}

/* The same from the classic tracepoint's prev_state. */
static __always_inline bool pk_switched_out_queued_tp(long prev_state)
{
	return prev_state == PK_TASK_RUNNING || prev_state == PK_TASK_REPORT_MAX;
}

#endif
