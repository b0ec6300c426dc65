/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef TASKSWITCH_H
#define TASKSWITCH_H

#define TASKSWITCH_COMM_LEN 16

/* One (previous task -> next task) pair, by thread id as bcc's task_switch. */
struct taskswitch_key {
	__u32 prev_pid;
	__u32 next_pid;
};

struct taskswitch_val {
	__u64 count;
	/* the comms last seen for the pair */
	char prev_comm[TASKSWITCH_COMM_LEN];
	char next_comm[TASKSWITCH_COMM_LEN];
};

#endif
