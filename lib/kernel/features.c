// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Kernel feature probing. Every answer comes from trying the mechanism,
 * because presence of BTF or of a config option does not mean the kernel
 * lets a program in (bcc's support_kfunc() is wrong on exactly such
 * kernels).
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <probekit/features.h>
#include <probekit/privileges.h>
#include <probekit/tracefs.h>

#include "kernel.h"

#define REASON_MAX 320

struct feature_slot {
	bool probed;
	struct pk_feature_status status;
	char state[24];
	char reason[REASON_MAX];
};

static struct feature_slot slots[PK_FEAT__COUNT];
static unsigned int btf_generation;

static const char *const feature_names[PK_FEAT__COUNT] = {
	[PK_FEAT_BTF] = "btf",		   [PK_FEAT_KFUNC] = "kfunc",
	[PK_FEAT_KPROBE] = "kprobe",	   [PK_FEAT_TRACEPOINT] = "tracepoint",
	[PK_FEAT_RAW_TP] = "raw_tp",	   [PK_FEAT_TP_BTF] = "tp_btf",
	[PK_FEAT_UPROBE] = "uprobe",	   [PK_FEAT_RINGBUF] = "ringbuf",
	[PK_FEAT_PERFBUF] = "perfbuf",	   [PK_FEAT_LOCKDOWN] = "lockdown",
	[PK_FEAT_UPROBE_MULTI] = "uprobe_multi",
};

/* What each feature's probe program is, for reasons. */
static const char *const probe_what[PK_FEAT__COUNT] = {
	[PK_FEAT_KFUNC] = "a minimal fentry program",
	[PK_FEAT_TRACEPOINT] = "a minimal tracepoint program",
	[PK_FEAT_RAW_TP] = "a minimal raw tracepoint program",
	[PK_FEAT_TP_BTF] = "a minimal tp_btf program",
	[PK_FEAT_UPROBE] = "a minimal kprobe-type program",
	[PK_FEAT_UPROBE_MULTI] = "a minimal uprobe_multi program",
};

const char *pk_feature_name(enum pk_feature feat)
{
	return (unsigned int)feat < PK_FEAT__COUNT ? feature_names[feat] : NULL;
}

int pk_feature_by_name(const char *name, enum pk_feature *feat)
{
	int i;

	for (i = 0; i < PK_FEAT__COUNT; i++) {
		if (!strcmp(name, feature_names[i])) {
			*feat = i;
			return 0;
		}
	}
	return -ENOENT;
}

const char *pk__feature_load_reason(enum pk_feature feat, int err, char *why, size_t why_size)
{
	const char *what = (unsigned int)feat < PK_FEAT__COUNT && probe_what[feat] ?
				   probe_what[feat] :
				   "a minimal program";
	const char *text;

	err = err < 0 ? -err : err;
	switch (err) {
	case EPERM:
	case EACCES:
		if (feat == PK_FEAT_KFUNC)
			text = "this kernel does not allow BPF trampolines (fentry/fexit); "
			      "use kprobes or tracepoints";
		else
			text = "BPF is restricted on this kernel, or this process lacks "
			      "CAP_BPF and CAP_PERFMON";
		break;
	case EINVAL:
		text = "this kernel does not know the program type or attach type "
		      "(too old, or built without it)";
		break;
	case ENOTSUPP_ERRNO:
	case EOPNOTSUPP:
		text = "the kernel does not support this attach type on this architecture";
		break;
	case ENOENT:
	case ESRCH:
		text = "the attach target does not exist on this kernel";
		break;
	case E2BIG:
		text = "the kernel is too old for this program's attributes";
		break;
	default:
		text = strerror(err);
		break;
	}
	snprintf(why, why_size, "the kernel refused %s (%s): %s", what,
		 err == ENOTSUPP_ERRNO ? "ENOTSUPP" : pk__errno_name(err), text);
	return why;
}

static void set_status(struct feature_slot *slot, bool ok, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void set_status(struct feature_slot *slot, bool ok, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(slot->reason, sizeof(slot->reason), fmt, ap);
	va_end(ap);
	if (!slot->state[0])
		snprintf(slot->state, sizeof(slot->state), "%s", ok ? "yes" : "no");
	slot->status.available = ok;
	slot->status.err = ok ? 0 : (err < 0 ? -err : err);
}

static void set_load_failure(struct feature_slot *slot, enum pk_feature feat, int err,
			     const char *log)
{
	char why[REASON_MAX];

	pk__feature_load_reason(feat, err, why, sizeof(why));
	if ((err == -EPERM || err == EPERM) && !pk_have_bpf_privileges()) {
		set_status(slot, false, err, "not probed: loading BPF programs needs root "
					     "(or CAP_BPF and CAP_PERFMON)");
		return;
	}
	set_status(slot, false, err, "%s%s", why,
		   log && !log[0] && (err == -EPERM || err == EPERM) ?
			   " (the verifier log is empty: the load was refused before verification)" :
			   "");
}

/* r0 = 0; exit */
static const struct bpf_insn return_zero[] = {
	{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
	{ .code = BPF_JMP | BPF_EXIT },
};

static int load_minimal(enum bpf_prog_type type, enum bpf_attach_type attach, __u32 btf_id,
			char *log, size_t log_size)
{
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = attach,
		    .attach_btf_id = btf_id, .log_buf = log, .log_size = log_size,
		    .log_level = log ? 1 : 0);
	int fd;

	if (log)
		log[0] = '\0';
	fd = bpf_prog_load(type, "pk_probe", "GPL", return_zero,
			   sizeof(return_zero) / sizeof(return_zero[0]), &opts);
	return fd < 0 ? -errno : fd;
}

/* What kfunc and tp_btf say when the kernel's own BTF is not there to use. */
#define NO_KERNEL_BTF PK__NO_KERNEL_BTF

static void probe_btf(struct feature_slot *slot)
{
	long count = pk_btf_overridden() ? pk__btf_find(NULL, 0) : pk__btf_header_check();

	if (!pk_btf_path())
		set_status(slot, false, ENODATA,
			   "no kernel BTF: PROBEKIT_BTF (or --btf) says none, as on a kernel "
			   "built without CONFIG_DEBUG_INFO_BTF; CO-RE programs need --btf FILE");
	else if (pk_btf_overridden() && count > 0)
		set_status(slot, true, 0,
			   "BTF from %s (%ld types), given by PROBEKIT_BTF or --btf: CO-RE "
			   "programs are relocated against it",
			   pk_btf_path(), count);
	else if (pk_btf_overridden())
		set_status(slot, false, count ? (int)count : ENODATA,
			   "no usable BTF in %s (PROBEKIT_BTF or --btf): %s", pk_btf_path(),
			   count ? strerror((int)-count) : "it holds no types");
	else if (count > 0)
		set_status(slot, true, 0, "kernel BTF at " VMLINUX_BTF_PATH " (%.1f MB)",
			   count / 1e6);
	else
		set_status(slot, false, (int)count,
			   "no usable " VMLINUX_BTF_PATH " (%s): the kernel was built without "
			   "CONFIG_DEBUG_INFO_BTF, so CO-RE programs cannot be relocated",
			   strerror((int)-count));
}

static const char *const fentry_targets[] = { "bpf_fentry_test1", "do_sys_openat2", "vfs_read",
					      "schedule" };

static void probe_kfunc(struct feature_slot *slot)
{
	char log[4096];
	const char *target = NULL;
	int id = -ENOENT, fd, link;
	size_t i;

	/* fentry attaches by the kernel's own BTF ids: a BTF file cannot stand in */
	if (pk_btf_overridden() || !pk_feature_probe(PK_FEAT_BTF)->available) {
		set_status(slot, false, ENODATA, NO_KERNEL_BTF);
		return;
	}
	/*
	 * Without a target the verifier answers EINVAL ("must provide btf_id").
	 * A kernel that refuses trampolines outright, or a caller without
	 * privileges, says EPERM before verifying: that answer needs no search
	 * of the kernel's BTF for a target, which is most of this probe's time.
	 */
	fd = load_minimal(BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY, 0, log, sizeof(log));
	if (fd >= 0)
		close(fd);
	else if (fd == -EPERM) {
		set_load_failure(slot, PK_FEAT_KFUNC, fd, log);
		return;
	}
	for (i = 0; i < sizeof(fentry_targets) / sizeof(fentry_targets[0]) && id == -ENOENT; i++) {
		target = fentry_targets[i];
		id = pk__btf_find(target, BTF_KIND_FUNC);
	}
	if (id < 0 && id != -ENOENT) {
		set_status(slot, false, id,
			   "no usable kernel BTF (%s): fentry/fexit need " VMLINUX_BTF_PATH
			   " (CONFIG_DEBUG_INFO_BTF)",
			   strerror(-id));
		return;
	}
	if (id < 0) {
		set_status(slot, false, ENOENT, "found no function to test fentry on in kernel BTF");
		return;
	}
	fd = load_minimal(BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY, id, log, sizeof(log));
	if (fd < 0) {
		set_load_failure(slot, PK_FEAT_KFUNC, fd, log);
		return;
	}
	link = bpf_link_create(fd, 0, BPF_TRACE_FENTRY, NULL);
	if (link < 0)
		link = bpf_raw_tracepoint_open(NULL, fd);
	if (link < 0) {
		int err = -errno;

		close(fd);
		set_status(slot, false, err,
			   "a minimal fentry program loaded, but attaching it to %s failed (%s): "
			   "the kernel has no BPF trampoline for this architecture",
			   target, pk__errno_name(-err));
		return;
	}
	close(link);
	close(fd);
	set_status(slot, true, 0, "loaded and attached a minimal fentry program to %s", target);
}

static bool pmu_exists(const char *pmu)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/bus/event_source/devices/%s/type", pmu);
	return access(path, R_OK) == 0;
}

static bool tracefs_file_exists(const char *name)
{
	const char *root = pk_tracefs_path();
	char path[256];

	if (!root)
		return false;
	snprintf(path, sizeof(path), "%s/%s", root, name);
	return access(path, F_OK) == 0;
}

static void probe_kprobe(struct feature_slot *slot)
{
	if (pmu_exists("kprobe"))
		set_status(slot, true, 0, "the kprobe PMU exists (perf_event_open kprobes)");
	else if (tracefs_file_exists("kprobe_events"))
		set_status(slot, true, 0, "kprobe_events exists in tracefs (legacy kprobes)");
	else
		set_status(slot, false, ENOENT,
			   "no kprobe PMU and no kprobe_events in tracefs: the kernel was built "
			   "without CONFIG_KPROBES");
}

/*
 * Load, not attach: attaching to a tracepoint and detaching again costs
 * two RCU grace periods (a third of a second here), which every tool would
 * pay at start-up, and a real attach follows anyway.
 */
static void probe_tracepoint(struct feature_slot *slot)
{
	int id, fd;
	bool syscalls;

	if (!pk_tracefs_path()) {
		set_status(slot, false, errno, "tracefs is not mounted and mounting it failed (%s)",
			   strerror(errno));
		return;
	}
	id = pk_tracepoint_id("sched", "sched_switch");
	if (id < 0) {
		set_status(slot, false, id, "no sched:sched_switch in tracefs events (%s)",
			   strerror(-id));
		return;
	}
	fd = load_minimal(BPF_PROG_TYPE_TRACEPOINT, 0, 0, NULL, 0);
	if (fd < 0) {
		set_load_failure(slot, PK_FEAT_TRACEPOINT, fd, NULL);
		return;
	}
	close(fd);
	syscalls = pk_tracepoint_exists("syscalls", "sys_enter_openat");
	set_status(slot, true, 0, "tracepoint programs load and tracefs lists events%s",
		   syscalls ? "; syscall tracepoints exist" :
			      "; no syscall tracepoints (CONFIG_FTRACE_SYSCALLS is off)");
}

/*
 * Attaches the loaded program @fd to sched_switch (by @name, or NULL for
 * its BTF target), says how it went, and closes everything.
 */
static void attach_to_sched_switch(struct feature_slot *slot, int fd, const char *name,
				   const char *what, const char *program)
{
	int link = bpf_raw_tracepoint_open(name, fd);
	int err = -errno;

	close(fd);
	if (link < 0) {
		set_status(slot, false, err, "attaching %s to sched_switch failed (%s)", what,
			   pk__errno_name(-err));
		return;
	}
	close(link);
	set_status(slot, true, 0, "attached %s to sched_switch", program);
}

static void probe_raw_tp(struct feature_slot *slot)
{
	int fd;

	fd = load_minimal(BPF_PROG_TYPE_RAW_TRACEPOINT, 0, 0, NULL, 0);
	if (fd < 0) {
		set_load_failure(slot, PK_FEAT_RAW_TP, fd, NULL);
		return;
	}
	attach_to_sched_switch(slot, fd, "sched_switch", "a raw tracepoint",
			       "a minimal raw tracepoint program");
}

static void probe_tp_btf(struct feature_slot *slot)
{
	char log[4096];
	int id, fd;

	if (pk_btf_overridden() || !pk_feature_probe(PK_FEAT_BTF)->available) {
		set_status(slot, false, ENODATA,
			   "tp_btf needs the kernel's own BTF: " NO_KERNEL_BTF);
		return;
	}
	id = pk__btf_find("btf_trace_sched_switch", BTF_KIND_TYPEDEF);
	if (id < 0) {
		set_status(slot, false, id, id == -ENOENT ?
				"no btf_trace_sched_switch in kernel BTF" :
				"no usable kernel BTF: tp_btf needs " VMLINUX_BTF_PATH);
		return;
	}
	fd = load_minimal(BPF_PROG_TYPE_TRACING, BPF_TRACE_RAW_TP, id, log, sizeof(log));
	if (fd < 0) {
		set_load_failure(slot, PK_FEAT_TP_BTF, fd, log);
		return;
	}
	attach_to_sched_switch(slot, fd, NULL, "tp_btf", "a minimal tp_btf program");
}

static void probe_uprobe(struct feature_slot *slot)
{
	bool pmu = pmu_exists("uprobe");
	int fd;

	if (!pmu && !tracefs_file_exists("uprobe_events")) {
		set_status(slot, false, ENOENT,
			   "no uprobe PMU and no uprobe_events in tracefs: the kernel was built "
			   "without CONFIG_UPROBE_EVENTS");
		return;
	}
	fd = load_minimal(BPF_PROG_TYPE_KPROBE, 0, 0, NULL, 0);
	if (fd < 0) {
		set_load_failure(slot, PK_FEAT_UPROBE, fd, NULL);
		return;
	}
	close(fd);
	set_status(slot, true, 0, "%s, and kprobe-type programs load",
		   pmu ? "the uprobe PMU exists" : "uprobe_events exists in tracefs");
}

/*
 * A uprobe_multi link on "/" fails with EBADF (not a regular file) where
 * the kernel has them, EINVAL where BPF_LINK_CREATE does not know the
 * attach type. Kernels whose links filtered by thread rather than process
 * (6.6 to 6.9) did not check the pid first: pid -1 gives EBADF there and
 * EINVAL once fixed. A tool tracing one process needs the fixed ones.
 */
static void probe_uprobe_multi(struct feature_slot *slot)
{
	unsigned long off = 0;
	int fd, err;

	fd = load_minimal(BPF_PROG_TYPE_KPROBE, PK__BPF_TRACE_UPROBE_MULTI, 0, NULL, 0);
	if (fd < 0) {
		set_load_failure(slot, PK_FEAT_UPROBE_MULTI, fd, NULL);
		return;
	}
	err = pk__uprobe_multi_link(fd, "/", &off, NULL, 1, 0, 0);
	if (err != -EBADF) {
		if (err >= 0)
			close(err);
		set_status(slot, false, err >= 0 ? EINVAL : err,
			   "the kernel has no uprobe_multi links (added in Linux 6.6): "
			   "BPF_LINK_CREATE says %s to one", err >= 0 ? "yes to a bad path" :
			   pk__errno_name(-err));
		close(fd);
		return;
	}
	err = pk__uprobe_multi_link(fd, "/", &off, NULL, 1, -1, 0);
	close(fd);
	if (err != -EINVAL) {
		if (err >= 0)
			close(err);
		set_status(slot, false, EINVAL,
			   "the kernel's uprobe_multi links filter by thread, not by process "
			   "(fixed in Linux 6.10)");
		return;
	}
	set_status(slot, true, 0, "uprobe_multi links work, filtering by process");
}

static void probe_map(struct feature_slot *slot, enum bpf_map_type type, const char *what,
		      const char *since)
{
	int ret = libbpf_probe_bpf_map_type(type, NULL);

	if (ret == 1)
		set_status(slot, true, 0, "the kernel creates %s maps", what);
	else if (ret == 0)
		set_status(slot, false, EINVAL, "the kernel does not know %s maps (%s)", what,
			   since);
	else
		set_status(slot, false, ret, "creating a %s map failed (%s)", what,
			   pk__errno_name(-ret));
}

static void probe_lockdown(struct feature_slot *slot)
{
	static const char path[] = "/sys/kernel/security/lockdown";
	char buf[128], *open, *close_;
	FILE *f;

	if (access(path, F_OK) != 0)
		mount("securityfs", "/sys/kernel/security", "securityfs", 0, NULL);
	f = fopen(path, "re");
	if (!f) {
		snprintf(slot->state, sizeof(slot->state), "none");
		set_status(slot, true, 0, "no lockdown LSM is active (%s missing)", path);
		return;
	}
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	open = strchr(buf, '[');
	close_ = open ? strchr(open, ']') : NULL;
	if (!open || !close_) {
		snprintf(slot->state, sizeof(slot->state), "unknown");
		set_status(slot, false, EINVAL, "cannot parse %s", path);
		return;
	}
	*close_ = '\0';
	snprintf(slot->state, sizeof(slot->state), "%s", open + 1);
	if (!strcmp(slot->state, "none"))
		set_status(slot, true, 0, "kernel lockdown is off");
	else if (!strcmp(slot->state, "integrity"))
		set_status(slot, false, EPERM,
			   "lockdown=integrity: bpf_probe_write_user and kernel memory writes are "
			   "refused; tracing (reading) works");
	else
		set_status(slot, false, EPERM,
			   "lockdown=%s: reading kernel memory is refused, so most tracing "
			   "programs cannot run",
			   slot->state);
}

const struct pk_feature_status *pk_feature_probe(enum pk_feature feat)
{
	struct feature_slot *slot;

	if ((unsigned int)feat >= PK_FEAT__COUNT)
		feat = PK_FEAT_BTF;
	/* the BTF source changed: what depended on it is probed again */
	if (btf_generation != pk__btf_generation()) {
		btf_generation = pk__btf_generation();
		slots[PK_FEAT_BTF] = slots[PK_FEAT_KFUNC] = slots[PK_FEAT_TP_BTF] =
			(struct feature_slot){};
	}
	slot = &slots[feat];
	if (slot->probed)
		return &slot->status;
	switch (feat) {
	case PK_FEAT_BTF: probe_btf(slot); break;
	case PK_FEAT_KFUNC: probe_kfunc(slot); break;
	case PK_FEAT_KPROBE: probe_kprobe(slot); break;
	case PK_FEAT_TRACEPOINT: probe_tracepoint(slot); break;
	case PK_FEAT_RAW_TP: probe_raw_tp(slot); break;
	case PK_FEAT_TP_BTF: probe_tp_btf(slot); break;
	case PK_FEAT_UPROBE: probe_uprobe(slot); break;
	case PK_FEAT_RINGBUF:
		probe_map(slot, BPF_MAP_TYPE_RINGBUF, "BPF ring buffer", "added in Linux 5.8");
		break;
	case PK_FEAT_PERFBUF:
		probe_map(slot, BPF_MAP_TYPE_PERF_EVENT_ARRAY, "perf event array",
			  "added in Linux 4.3");
		break;
	case PK_FEAT_LOCKDOWN: probe_lockdown(slot); break;
	case PK_FEAT_UPROBE_MULTI: probe_uprobe_multi(slot); break;
	default: break;
	}
	slot->status.state = slot->state;
	slot->status.reason = slot->reason;
	slot->probed = true;
	return &slot->status;
}

bool pk_support_kfunc(void)
{
	return pk_feature_probe(PK_FEAT_KFUNC)->available;
}
