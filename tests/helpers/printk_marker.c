// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Test child: prints "ready PID", waits for a line on stdin, then makes a
 * BPF program call bpf_trace_printk("MARKER\n") COUNT times, INTERVAL_MS
 * apart. The program runs through BPF_PROG_TEST_RUN in this process, so
 * trace_pipe shows the lines with this pid. Built from raw instructions so
 * that the helper needs neither clang nor libbpf.
 *
 *   printk_marker MARKER [COUNT [INTERVAL_MS]]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <sys/syscall.h>

#define MAX_INSNS 128

static struct bpf_insn insns[MAX_INSNS];
static int n;

static void emit(__u8 code, __u8 dst, __u8 src, __s16 off, __s32 imm)
{
	insns[n++] = (struct bpf_insn){ .code = code, .dst_reg = dst, .src_reg = src, .off = off,
					.imm = imm };
}

/* The message on the stack, r1 = its address, r2 = its size, call, exit. */
static void build(const char *msg)
{
	size_t len = strlen(msg) + 1, size = (len + 7) & ~7UL, i;
	char buf[96] = { 0 };
	__u64 chunk;

	memcpy(buf, msg, len);
	for (i = 0; i < size; i += 8) {
		memcpy(&chunk, buf + i, 8);
		emit(BPF_LD | BPF_DW | BPF_IMM, 1, 0, 0, (__u32)chunk);
		emit(0, 0, 0, 0, (__u32)(chunk >> 32));
		emit(BPF_STX | BPF_DW | BPF_MEM, 10, 1, (__s16)(i - size), 0);
	}
	emit(BPF_ALU64 | BPF_MOV | BPF_X, 1, 10, 0, 0);
	emit(BPF_ALU64 | BPF_ADD | BPF_K, 1, 0, 0, -(__s32)size);
	emit(BPF_ALU64 | BPF_MOV | BPF_K, 2, 0, 0, (__s32)len);
	emit(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_trace_printk);
	emit(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0);
	emit(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

static int load(void)
{
	static char log[4096];
	union bpf_attr attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_RAW_TRACEPOINT;
	attr.insns = (__u64)(unsigned long)insns;
	attr.insn_cnt = n;
	attr.license = (__u64)(unsigned long)"GPL";
	attr.log_buf = (__u64)(unsigned long)log;
	attr.log_size = sizeof(log);
	attr.log_level = 1;
	fd = syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
	if (fd < 0)
		fprintf(stderr, "printk_marker: load: %s\n%s", strerror(errno), log);
	return fd;
}

static int run(int fd)
{
	__u64 ctx[1] = { 0 };
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.test.prog_fd = fd;
	attr.test.ctx_in = (__u64)(unsigned long)ctx;
	attr.test.ctx_size_in = sizeof(ctx);
	return syscall(SYS_bpf, BPF_PROG_TEST_RUN, &attr, sizeof(attr));
}

int main(int argc, char **argv)
{
	int count = argc > 2 ? atoi(argv[2]) : 1, ms = argc > 3 ? atoi(argv[3]) : 100, fd, i;
	struct timespec gap = { ms / 1000, (ms % 1000) * 1000000L };
	char msg[80], line[64];

	if (argc < 2 || strlen(argv[1]) > 70) {
		fprintf(stderr, "usage: printk_marker MARKER [COUNT [INTERVAL_MS]]\n");
		return 2;
	}
	snprintf(msg, sizeof(msg), "%s\n", argv[1]);
	build(msg);
	fd = load();
	if (fd < 0)
		return 1;
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready %d\n", getpid());
	if (!fgets(line, sizeof(line), stdin))
		return 1;
	for (i = 0; i < count; i++) {
		if (run(fd)) {
			fprintf(stderr, "printk_marker: test run: %s\n", strerror(errno));
			return 1;
		}
		nanosleep(&gap, NULL);
	}
	printf("done\n");
	return 0;
}
