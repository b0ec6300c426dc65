// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* pk_printf() of every kind of argument, from one process's openat() calls. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "probekit.bpf.h"

/* starts like a pk_printf() record with the built-in cookie, to be told apart */
struct printf_test_event {
	__u64 magic;
	__u32 pid;
	__u32 pad[5];
};

const volatile int target_pid = 0;

SEC("tracepoint/syscalls/sys_enter_openat")
int on_openat(struct trace_event_raw_sys_enter *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct printf_test_event *e;
	char comm[16];

	if (pid != target_pid)
		return 0;
	bpf_get_current_comm(comm, sizeof(comm));
	/* the program's own event, filled around a pk_printf() */
	e = pk_reserve(struct printf_test_event);
	if (!e)
		return 0;
	e->pid = pid;
	pk_printf("open %s by %s pid=%d flags=%#x", pk_user_str(ctx->args[1]), comm, pid,
		  (int)ctx->args[2]);
	e->magic = 0x706b7072696e7466ULL;
	pk_submit(ctx, e);
	pk_printf("widths [%-6d] [%08x] [%5u] [%c] [%+d] [%.3d] 100%%", -42, 0xbeef, 7, 'Z', 5, 9);
	pk_printf("64-bit %lld %llu %lx %llX %ld %lu %i %X", -1LL, ~0ULL, 0xabcdefUL,
		  0x1122334455667788ULL, -2L, 3UL, -9, 0xabcU);
	pk_printf("pointer %p short %hd char %hhu", (void *)0x1234, (short)-3, (unsigned char)250);
	pk_printf("no arguments\n");
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
