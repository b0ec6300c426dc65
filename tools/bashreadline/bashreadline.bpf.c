// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * bashreadline: the command lines bash reads interactively, from a
 * uretprobe on readline() (bash's own, or a shared libreadline's with -s),
 * as bcc's bashreadline prints them. Only tasks named "bash" are shown, as
 * in bcc: other programs linked with libreadline call it too.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "probekit.bpf.h"

PK_TOOL_SUMMARY("Print the commands typed into bash, system wide.");
PK_TOOL_EXAMPLE("bashreadline                                  # bash's own readline()");
PK_TOOL_EXAMPLE("bashreadline -s /lib/x86_64-linux-gnu/libreadline.so.8  # a shared one");

PK_FILTER_PID;

const volatile char shared[256] PK_OPTION(s, "shared", "LIB",
					  "readline() of this library or binary (default bash's)")
    PK_TARGET(readline_return) = "/bin/bash:readline";

struct event {
	/* bcc's "%-9s %-7d %s" */
	__u64 ts PK_FMT("clock") PK_HEADER("TIME") PK_WIDTH(-9);
	__u32 pid PK_WIDTH(-7);
	char command[256] PK_HEADER("COMMAND");
};
PK_EVENT(struct event);

SEC("uretprobe")
int BPF_KRETPROBE(readline_return, const char *line)
{
	char comm[16];
	struct event *e;

	if (!line || pk_filtered())
		return 0;
	bpf_get_current_comm(comm, sizeof(comm));
	if (comm[0] != 'b' || comm[1] != 'a' || comm[2] != 's' || comm[3] != 'h' || comm[4])
		return 0;
	e = pk_reserve(struct event);
	if (!e)
		return 0;
	e->ts = bpf_ktime_get_ns();
	e->pid = bpf_get_current_pid_tgid() >> 32;
	bpf_probe_read_user_str(e->command, sizeof(e->command), line);
	pk_submit(ctx, e);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
