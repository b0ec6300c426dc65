// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * pk_printf(): tests/bpf/printf.bpf.c prints from a child's openat() through
 * the ring buffer and the perf buffer, and the lines are checked against
 * glibc's printf of the same formats; then the formatter alone on records
 * made here, well-formed and not.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <probekit/events.h>
#include <probekit/params.h>
#include <probekit/printf.h>

#include "../../lib/data/data.h"
#include "bpfobj.h"
#include "unit.h"

struct printf_test_event {
	__u64 magic;
	__u32 pid;
	__u32 pad[5];
};

struct lines {
	struct pk_printf *pf;
	char text[8][512];
	int n, other, bad;
	struct printf_test_event ev;
};

static int on_event(void *ctx, const void *data, size_t size)
{
	struct lines *l = ctx;
	char line[512];
	int n = pk_printf__format(l->pf, data, size, line, sizeof(line));

	if (n == -ENOMSG && size >= sizeof(l->ev) && !l->other++)
		memcpy(&l->ev, data, sizeof(l->ev));
	else if (n == -ENOMSG)
		l->other++;
	else if (n < 0)
		l->bad++;
	else if (l->n < 8)
		memcpy(l->text[l->n++], line, sizeof(line));
	return 0;
}

static const char child_path[] = "/nonexistent/pk-printf\tX";

/* A child named "pk\ekid" that opens child_path when told to through @fd. */
static pid_t start_child(int fd[2])
{
	pid_t pid;
	char go;

	if (pipe(fd))
		return -1;
	pid = fork();
	if (pid == 0) {
		close(fd[1]);
		prctl(PR_SET_NAME, "pk\x1bkid");
		if (read(fd[0], &go, 1) == 1) {
			/*
			 * A forked child has no page-table entry for the
			 * parent's .rodata until it touches it, and BPF cannot
			 * fault a page in: read the path first, or the %s comes
			 * out empty (seen under ASan, whose layout leaves that
			 * page untouched). volatile: strlen() must really run.
			 */
			const char *volatile path = child_path;

			if (strlen(path))
				syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
		}
		_exit(0);
	}
	close(fd[0]);
	return pid;
}

static void run_end_to_end(bool perf)
{
	struct pk_events_opts opts = { .sz = sizeof(opts), .force_perf = perf };
	struct bpf_object *obj = NULL;
	struct bpf_link *link = NULL;
	struct pk_events *ev = NULL;
	struct lines l = {};
	char set[64], want[512], why[256];
	int fd[2], i, status;
	struct timespec t0, t;
	pid_t pid = start_child(fd);

	CHECK(pid > 0);
	if (pid <= 0)
		return;
	obj = bpf_object__open_file(pk_test_bpf_obj("printf"), NULL);
	CHECK(obj != NULL);
	if (!obj)
		goto out;
	snprintf(set, sizeof(set), "target_pid=%d", pid);
	CHECK_INT(pk_params__set(obj, set, why, sizeof(why)), 0);
	CHECK_INT(pk_events_configure(obj, &opts), 0);
	CHECK_INT(bpf_object__load(obj), 0);
	link = bpf_program__attach(bpf_object__find_program_by_name(obj, "on_openat"));
	CHECK(link != NULL);
	l.pf = pk_printf__new(obj);
	CHECK(l.pf != NULL);
	ev = pk_events__new(obj, on_event, &l, &opts);
	CHECK(ev != NULL);
	if (!link || !l.pf || !ev)
		goto out;
	CHECK(write(fd[1], "g", 1) == 1);
	waitpid(pid, &status, 0);
	pid = 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		pk_events__poll(ev, 100);
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((l.n < 5 || !l.other) && t.tv_sec - t0.tv_sec < 5);
	CHECK_INT(l.n, 5);
	CHECK_INT(l.bad, 0);
	/* the program's own event: not taken for a line, and intact */
	CHECK_INT(l.other, 1);
	CHECK_INT(l.ev.magic, 0x706b7072696e7466ULL);
	CHECK_INT(l.ev.pid, atoi(set + 11));
	CHECK_INT(pk_events__lost(ev), 0);
	/* %s strings escaped for a terminal, as pk_escape_text() does */
	snprintf(want, sizeof(want), "open /nonexistent/pk-printf\\tX by pk\\ekid pid=%d flags=%#x",
		 atoi(set + 11), O_RDONLY | O_CLOEXEC);
	CHECK_STR(l.text[0], want);
	/* the integers as glibc prints them */
	snprintf(want, sizeof(want), "widths [%-6d] [%08x] [%5u] [%c] [%+d] [%.3d] 100%%", -42,
		 0xbeef, 7, 'Z', 5, 9);
	CHECK_STR(l.text[1], want);
	snprintf(want, sizeof(want), "64-bit %lld %llu %lx %llX %ld %lu %i %X", -1LL, ~0ULL,
		 0xabcdefUL, 0x1122334455667788ULL, -2L, 3UL, -9, 0xabcU);
	CHECK_STR(l.text[2], want);
	snprintf(want, sizeof(want), "pointer %p short %hd char %hhu", (void *)0x1234, (short)-3,
		 (unsigned char)250);
	CHECK_STR(l.text[3], want);
	CHECK_STR(l.text[4], "no arguments");
	for (i = 0; i < l.n && i < 5; i++)
		CHECK(strchr(l.text[i], '\n') == NULL);
out:
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	close(fd[1]);
	pk_events__free(ev);
	pk_printf__free(l.pf);
	bpf_link__destroy(link);
	bpf_object__close(obj);
}

PK_TEST(printf_end_to_end_ring_buffer)
{
	if (pk_test_need_bpf("printf_end_to_end_ring_buffer"))
		run_end_to_end(false);
}

PK_TEST(printf_end_to_end_perf_buffer)
{
	if (pk_test_need_bpf("printf_end_to_end_perf_buffer"))
		run_end_to_end(true);
}

/* A record as the BPF macro writes it; @strs[i] non-NULL makes argument i a string. */
static size_t make_record(unsigned char *r, __u64 cookie, __u32 id, const __u64 *args, int nargs,
			  const char *const *strs, unsigned int slot)
{
	__u16 kinds = 0, slot16 = slot;
	int i, nstr = 0;
	size_t off;

	memset(r, 0, 24);
	memcpy(r, &cookie, 8);
	memcpy(r + 8, &id, 4);
	for (i = 0; i < nargs; i++) {
		if (strs && strs[i]) {
			kinds |= 1 << (2 * i);
			nstr++;
		}
	}
	memcpy(r + 12, &kinds, 2);
	r[14] = nargs;
	r[15] = nstr;
	memcpy(r + 16, &slot16, 2);
	memcpy(r + 24, args, 8 * nargs);
	off = 24 + 8 * nargs;
	for (i = 0; i < nargs; i++) {
		if (strs && strs[i]) {
			memset(r + off, 'Z', slot);
			memcpy(r + off, strs[i], strlen(strs[i]) < slot ? strlen(strs[i]) + 1 : slot);
			off += slot;
		}
	}
	return off;
}

#define COOKIE 0x1122334455667788ULL

PK_TEST(printf_formatter)
{
	static const __u32 ids[] = { 1, 2, 3, 4, 5, 7 };
	static const char *const fmts[] = {
		"%s|%5s|%-5s|%.2s|%d\n", "%q %*d %100d %", "a\x1b[2Jb %c%c", "%d %s %d",
		"[%5p] [%-4c] [%hhd] [%hx] [%o] [%zu]", "tab\there\n\n",
	};
	struct pk_printf *p = pk__printf_from(COOKIE, ids, fmts, 6);
	unsigned char r[1024];
	char buf[256], small[8];
	__u64 args[8] = { 0 };
	const char *strs[8] = { "abc", "xy", "xy", "abcdef", NULL };
	size_t n;

	CHECK(p != NULL);
	if (!p)
		return;
	args[4] = (__u64)-7;
	n = make_record(r, COOKIE, 1, args, 5, strs, 16);
	CHECK_INT(pk_printf__format(p, r, n, buf, sizeof(buf)), 21);
	CHECK_STR(buf, "abc|   xy|xy   |ab|-7");
	/* cut like snprintf, the full length returned */
	CHECK_INT(pk_printf__format(p, r, n, small, sizeof(small)), 21);
	CHECK_STR(small, "abc|   ");
	/* perf buffer padding up to 8 bytes is fine, more is not */
	CHECK_INT(pk_printf__format(p, r, n + 4, buf, sizeof(buf)), 21);
	CHECK_INT(pk_printf__format(p, r, n + 8, buf, sizeof(buf)), -EINVAL);
	CHECK_INT(pk_printf__format(p, r, n - 1, buf, sizeof(buf)), -EINVAL);
	/* a string slot without a NUL stays within its slot */
	strs[0] = "0123456789abcdefOVERFLOW";
	n = make_record(r, COOKIE, 1, args, 5, strs, 16);
	pk_printf__format(p, r, n, buf, sizeof(buf));
	CHECK_STR(buf, "0123456789abcdef|   xy|xy   |ab|-7");
	/* not conversions: shown as written; no argument consumed */
	n = make_record(r, COOKIE, 2, args, 1, NULL, 0);
	pk_printf__format(p, r, n, buf, sizeof(buf));
	CHECK_STR(buf, "%q %*d %100d %");
	/* control characters in the format and in %c are escaped */
	args[0] = 'x';
	args[1] = '\n';
	n = make_record(r, COOKIE, 3, args, 2, NULL, 0);
	pk_printf__format(p, r, n, buf, sizeof(buf));
	CHECK_STR(buf, "a\\e[2Jb x\\n");
	/* a string where an integer goes is still its raw value; an integer for %s is refused */
	{
		const char *mixed[3] = { NULL, NULL, NULL };

		args[0] = 1;
		args[1] = 2;
		n = make_record(r, COOKIE, 4, args, 2, mixed, 8);
		pk_printf__format(p, r, n, buf, sizeof(buf));
		CHECK_STR(buf, "1 (not a string) (missing)");
	}
	args[0] = 0xab;
	args[1] = 'q';
	args[2] = 0x1ff;
	args[3] = 0x12345;
	args[4] = 8;
	args[5] = 42;
	n = make_record(r, COOKIE, 5, args, 6, NULL, 0);
	pk_printf__format(p, r, n, buf, sizeof(buf));
	{
		char want[128];

		snprintf(want, sizeof(want), "[ 0xab] [%-4c] [%hhd] [%hx] [%o] [%zu]", 'q',
			 (signed char)0xff, (unsigned short)0x2345, 8, (size_t)42);
		CHECK_STR(buf, want);
	}
	n = make_record(r, COOKIE, 7, args, 0, NULL, 0);
	CHECK_INT(pk_printf__format(p, r, n, buf, sizeof(buf)), 11);
	CHECK_STR(buf, "tab\\there\\n");

	/* not ours: another cookie, or too short to say */
	n = make_record(r, COOKIE + 1, 1, args, 5, strs, 16);
	CHECK_INT(pk_printf__format(p, r, n, buf, sizeof(buf)), -ENOMSG);
	CHECK_INT(pk_printf__format(p, r, 23, buf, sizeof(buf)), -ENOMSG);
	/* ours but malformed */
	n = make_record(r, COOKIE, 6, args, 0, NULL, 0);
	CHECK_INT(pk_printf__format(p, r, n, buf, sizeof(buf)), -EINVAL);
	n = make_record(r, COOKIE, 1, args, 5, strs, 16);
	r[14] = 9;
	CHECK_INT(pk_printf__format(p, r, n, buf, sizeof(buf)), -EINVAL);
	n = make_record(r, COOKIE, 1, args, 5, strs, 16);
	r[15] = 3;
	CHECK_INT(pk_printf__format(p, r, n, buf, sizeof(buf)), -EINVAL);
	n = make_record(r, COOKIE, 1, args, 5, strs, 16);
	r[13] = 0xc0;
	CHECK_INT(pk_printf__format(p, r, n, buf, sizeof(buf)), -EINVAL);
	n = make_record(r, COOKIE, 1, args, 5, strs, 16);
	r[16] = 0;
	CHECK_INT(pk_printf__format(p, r, n, buf, sizeof(buf)), -EINVAL);
	CHECK_INT(pk_printf__format(NULL, r, n, buf, sizeof(buf)), -EINVAL);
	pk_printf__free(p);
	pk_printf__free(NULL);
}

/* A file that never calls pk_printf() has none of it. */
PK_TEST(printf_absent_costs_nothing)
{
	struct bpf_object *obj = bpf_object__open_file(pk_test_bpf_obj("params"), NULL);
	struct btf *btf;

	CHECK(obj != NULL);
	if (!obj)
		return;
	errno = 0;
	CHECK(pk_printf__new(obj) == NULL);
	CHECK_INT(errno, ENOENT);
	btf = bpf_object__btf(obj);
	CHECK(btf__find_by_name_kind(btf, "pk__printf_cookie", BTF_KIND_VAR) < 0);
	bpf_object__close(obj);
}

/* The cookie differs per load and is not the built-in one. */
PK_TEST(printf_cookie_is_random)
{
	struct bpf_object *a = bpf_object__open_file(pk_test_bpf_obj("printf"), NULL);
	struct bpf_object *b = bpf_object__open_file(pk_test_bpf_obj("printf"), NULL);
	struct pk_printf *pa = NULL, *pb = NULL;
	unsigned char r[64];
	__u64 none[1] = { 0 };
	char buf[64];
	size_t n;

	CHECK(a && b);
	if (!a || !b)
		goto out;
	pa = pk_printf__new(a);
	CHECK(pa != NULL);
	/* before pk_events_configure(), the built-in cookie */
	n = make_record(r, 0x706b7072696e7466ULL, 4, none, 0, NULL, 0);
	CHECK_INT(pk_printf__format(pa, r, n, buf, sizeof(buf)), 12);
	pk_printf__free(pa);
	CHECK_INT(pk__printf_configure(a), 0);
	CHECK_INT(pk__printf_configure(b), 0);
	pa = pk_printf__new(a);
	pb = pk_printf__new(b);
	CHECK(pa && pb);
	if (pa && pb) {
		CHECK_INT(pk_printf__format(pa, r, n, buf, sizeof(buf)), -ENOMSG);
		CHECK_INT(pk_printf__format(pb, r, n, buf, sizeof(buf)), -ENOMSG);
	}
out:
	pk_printf__free(pa);
	pk_printf__free(pb);
	bpf_object__close(a);
	bpf_object__close(b);
}
