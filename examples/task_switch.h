/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef TASK_SWITCH_H
#define TASK_SWITCH_H

struct key_t {
	__u32 prev_pid; /* the task that ran until now */
	__u32 curr_pid; /* the task that runs now */
};

#endif
