/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A .bpf.c file as a whole tool: its options, filters, tables' tool-level
 * settings and description, declared in BTF for the runtime to read. No
 * maps and no code unless used (probekit.bpf.h includes it; a tool that
 * sends no events can include this alone, and its object carries no event
 * buffer). Include after vmlinux.h and <bpf/bpf_helpers.h>.
 */
#ifndef PROBEKIT_TOOL_BPF_H
#define PROBEKIT_TOOL_BPF_H

/*
 * Options declared in the file. A `const volatile` global followed by
 * PK_OPTION() is a command-line option of `probekit run FILE` and of a tool
 * built from the file, listed by --help and type-checked as --set is
 * (integers in the type's range and sign, enums by name, char arrays as
 * strings); a bool is a flag, given without a value:
 *
 *	const volatile __u32 min_us PK_OPTION(m, "min", "USECS", "only slower than USECS") = 0;
 *	const volatile bool by_uid PK_OPTION(, "by-uid", "", "one row per uid") = false;
 *
 * The short name is a letter or digit, bare or quoted ('m'), or empty for a
 * long option only. The value name is unused for a flag.
 */
#ifndef PK__TAG
#if __has_attribute(btf_decl_tag)
#define PK__TAG(s) __attribute__((btf_decl_tag(s)))
#else
#define PK__TAG(s)
#endif
#endif
#define PK_OPTION(short_name, long_name, value_name, help)                                  \
	PK__TAG("pk_option:" #short_name "|" long_name "|" value_name "|" help)

/*
 * A file that is a whole tool (tools/NAME/NAME.bpf.c alone, compiled into
 * the binary; or any file under `probekit run`) describes itself:
 *
 *	PK_TOOL_SUMMARY("Count context switches per (previous -> next task) pair.");
 *	PK_TOOL_EXAMPLE("taskswitch -d 5 -t 10    # the 10 most frequent pairs over 5 s");
 *	PK_TOOL_BANNER("Counting every {interval} s... Hit Ctrl-C to end.");
 *	PK_TOOL_INTERVAL(5);		print the tables every 5 s unless -i says otherwise
 *	PK_TOOL_CLEAR;			each print (every -i) empties the maps, as bcc's
 *					tools clear their histograms per interval
 *	PK_PREFER("raw_tp fentry kprobe tp_btf tracepoint");
 *	PK_TOOL_CLEAR;			each print under -i empties the maps (run's --clear)
 *
 * The banner is printed once attached (not with --json); {interval} is -i's
 * seconds. PK_PREFER orders the fallback of the programs' groups (object.h)
 * where the default order (fentry kprobe tp_btf raw_tp tracepoint) is not
 * the best for the file. Each is a tag on a one-byte static constant.
 */
#define PK__FILE_TAG(tag) PK__FILE_TAG_(tag, __COUNTER__)
#define PK__FILE_TAG_(tag, n) PK__FILE_TAG__(tag, n)
#define PK__FILE_TAG__(tag, n)                                                                     \
	static const volatile char pk__file_tag_##n PK__TAG(tag) __attribute__((used)) = 0
#define PK_TOOL_SUMMARY(text) PK__FILE_TAG("pk_summary:" text)
#define PK_TOOL_EXAMPLE(text) PK__FILE_TAG("pk_example:" text)
#define PK_TOOL_BANNER(text) PK__FILE_TAG("pk_banner:" text)
#define PK_TOOL_INTERVAL(secs) PK__FILE_TAG("pk_interval:" #secs)
#define PK_TOOL_CLEAR PK__FILE_TAG("pk_clear:")
#define PK_PREFER(kinds) PK__FILE_TAG("pk_prefer:" kinds)
/*
 * A built-in tool that traces one process only (uprobes in every process
 * would tax the whole machine): without -p or -c it is a usage error. The
 * file declares PK_FILTER_PID too.
 */
#define PK_TOOL_NEEDS_PID PK__FILE_TAG("pk_needs:pid")
/*
 * Programs attached only when the run has a pid filter (-p, or -c's
 * command), or only when it has none: bcc's memleak traces a process's
 * allocators with uprobes, and the kernel's, through the kmem tracepoints,
 * without one. @progs is a space-separated list of program names, each a
 * glob ("*_enter"); the others are left out before load. For programs in no
 * fallback group (a group's member is chosen by its group).
 *
 *	PK_WITH_PID("*_enter *_exit");
 *	PK_WITHOUT_PID("kmem_*");
 */
#define PK_WITH_PID(progs) PK__FILE_TAG("pk_with_pid:" progs)
#define PK_WITHOUT_PID(progs) PK__FILE_TAG("pk_without_pid:" progs)
/*
 * PK_PROGS_WHEN(var, progs): programs loaded only while the option global
 * @var is set (non-zero): a program that would only return at once costs
 * every event of its hook all the same (syscount's sys_enter, needed for
 * -L only, is a raw tracepoint on every syscall of the machine). @progs as
 * in PK_WITH_PID(); a fallback group whose members are all left out is
 * left out whole.
 *
 *	PK_PROGS_WHEN(latency, "enter__*");
 */
#define PK_PROGS_WHEN(var, progs) PK__FILE_TAG("pk_progs_when:" #var ":" progs)
/* PK_PROGS_UNLESS(var, progs): the other way round, loaded only while @var is not set. */
#define PK_PROGS_UNLESS(var, progs) PK__FILE_TAG("pk_progs_unless:" #var ":" progs)
/*
 * -c/--command for a built-in tool that cannot filter by pid (what it
 * traces happens in softirq: retransmits, RTT samples): it traces the
 * whole machine while the command runs, and ends when it exits. A file
 * with PK_FILTER_PID has -c without this (and traces the command only).
 */
#define PK_TOOL_COMMAND_LIFETIME PK__FILE_TAG("pk_command:lifetime")
/*
 * PK_TOOL_STAMPED(var): the maps print as bcc's summary tools print theirs
 * (runqlat, biolatency): each print after a blank line, with an HH:MM:SS
 * line first only while the global @var is set (their -T), and a histogram
 * without its map's name above it. --json is unchanged.
 */
#define PK_TOOL_STAMPED(var) PK__FILE_TAG("pk_stamped:" #var)
/*
 * PK_EVENTS_UNLESS(var): the file sends no PK_EVENT() records while the
 * global @var is set (an option such as bcc's -c that counts into a table
 * instead), so the records' header is not printed then either.
 */
#define PK_EVENTS_UNLESS(var) PK__FILE_TAG("pk_events_unless:" #var)
/*
 * PK_EVENTS_WHEN(var): the file sends PK_EVENT() records only while the
 * global @var is set (memleak's -t traces each call), so the records'
 * header is printed then only.
 */
#define PK_EVENTS_WHEN(var) PK__FILE_TAG("pk_events_when:" #var)
/*
 * PK_TOOL_CSV(var): while the global @var is set (bcc's tcplife -s), the
 * records' header and rows are comma-separated and unpadded.
 */
#define PK_TOOL_CSV(var) PK__FILE_TAG("pk_csv:" #var)

/*
 * PK_TOOL_INTERVAL_COUNT(1): bcc's `TOOL [interval [count]]` (cachestat,
 * vmstat's shape): two positional options, the seconds between prints
 * (@secs unless given; -i still wins) and how many prints before the tool
 * stops by itself (0, the default: until Ctrl-C or -d). @secs 0: no
 * interval unless given, the tables print at the end only (bcc's runqlat
 * and biolatency without arguments); a value given is still 1 or more.
 * It takes PK_TOOL_INTERVAL()'s place: a file declares one or the other.
 * The file declares no other PK_POSITIONAL option before them.
 */
#define PK_TOOL_INTERVAL_COUNT(secs)                                                               \
	PK__FILE_TAG("pk_interval_count:");                                                        \
	const volatile __u32 interval_secs PK_OPTION(, "interval-secs", "SECS",                    \
						     "print every SECS seconds")                   \
	    PK_OPTION_RANGE(1, 86400) PK_POSITIONAL = secs;                                        \
	const volatile __u32 interval_count PK_OPTION(                                             \
	    , "interval-count", "COUNT", "stop after COUNT prints (0: never)") PK_POSITIONAL = 0

/*
 * PK_TOOL_DURATION_ARG: bcc's `TOOL [duration]` (profile, offcputime): one
 * positional option, the seconds the tool runs, as -d/--duration's; an
 * explicit -d/--duration wins. The file declares no other PK_POSITIONAL
 * option before it.
 */
#define PK_TOOL_DURATION_ARG                                                                       \
	const volatile __u32 duration_secs PK_OPTION(, "duration-secs", "SECS",                    \
						     "stop after SECS seconds")                    \
	    PK_OPTION_RANGE(1, 99999999) PK__TAG("pk_duration") PK_POSITIONAL = 0

/*
 * Integer options with a range: PK_OPTION_RANGE(1, 1000000) after
 * PK_OPTION() makes anything outside it a usage error; PK_OPTION_PID, a
 * pid or tid that does not exist.
 */
#define PK_OPTION_RANGE(lo, hi) PK__TAG("pk_range:" #lo ":" #hi)
/* The value is a process or thread id that must exist when the tool starts. */
#define PK_OPTION_PID PK__TAG("pk_check:pid")

/*
 * Targets chosen at run time. PK_TARGET(prog) on a string option makes its
 * value the target of program @prog, whose SEC() names none, as bcc's
 * funccount takes 'c:malloc': "LIB:SYMBOL" for a uprobe, "CATEGORY:EVENT"
 * for a tracepoint, a function for a kprobe. PK_POSITIONAL lets the option
 * be given as an argument without its name (after the FILE under run):
 *
 *	const volatile char func[64] PK_OPTION(s, "func", "LIB:SYMBOL", "count calls of it")
 *		PK_TARGET(count_calls) PK_POSITIONAL = "c:malloc";
 *	SEC("uprobe") int count_calls(void *ctx) { ... }
 *
 * The target is checked and attached as the program's own would be
 * (pk_attach__add_target()): a missing one gets "did you mean".
 */
#define PK_TARGET(prog) PK__TAG("pk_target:" #prog)
/*
 * PK_TARGET_EACH after PK_TARGET(): the value is a pattern, bcc
 * funccount's: a glob ("c:malloc*", "t:syscalls:sys_enter_getpp*",
 * "vfs_*"), or with the bool option tagged PK_TARGET_REGEX set, an
 * extended regular expression matched from the name's start. The runtime
 * attaches the program once per match (one uprobe_multi link for a
 * library's functions where the kernel has them), match i with cookie i,
 * and a key member of type pk_target_t prints as the name of match i:
 *
 *	const volatile char pattern[256] PK_OPTION(, "pattern", "PATTERN", "...")
 *		PK_TARGET(count__uprobe count__tp) PK_TARGET_EACH PK_POSITIONAL = "";
 *	const volatile bool regex PK_OPTION(r, "regexp", "", "...") PK_TARGET_REGEX = false;
 *	struct key { pk_target_t func; };	counts[{bpf_get_attach_cookie(ctx)}]++
 *
 * Cookies need kernel 5.15 (uprobes, kprobes, tracepoints); no match is an
 * error, and more than PK_TARGET_EACH_MAX (1000) matches too.
 */
#define PK_TARGET_EACH PK__TAG("pk_target_each")
/*
 * PK_TARGET_CHOICE(progs, table) on a string option: programs @progs
 * (whose SEC() names no target) take the target that the option's value
 * picks from @table, "VALUE=TARGET ..."; a value not in it is a usage
 * error naming the choices. fsslower's -t:
 *
 *	const volatile char fstype[16] PK_OPTION(t, "type", "FSTYPE", "...")
 *		PK_TARGET_CHOICE(read__fentry read__kprobe,
 *				 "ext4=ext4_file_read_iter xfs=xfs_file_read_iter") = "ext4";
 */
#define PK_TARGET_CHOICE(progs, table) PK__TAG("pk_target_choice:" #progs "|" table)
#define PK_TARGET_REGEX PK__TAG("pk_target_regex")
#define PK_POSITIONAL PK__TAG("pk_positional")
/*
 * PK_LIST_NAMES("syscalls") on a bool option: given, the tool prints the
 * names it knows of that kind and exits 0 without loading anything (bcc's
 * syscount -l: the architecture's syscall names, sorted, four a line).
 */
#define PK_LIST_NAMES(kind) PK__TAG("pk_lists:" kind)

/*
 * PK_SAMPLE_FREQ(49): the file's -F HZ option, the rate at which its
 * perf_event programs sample the CPU clock on each CPU (bcc's profile -F);
 * the runtime opens the perf events at the value given, else at @hz.
 */
#define PK_SAMPLE_FREQ(hz)                                                                         \
	const volatile __u32 sample_freq PK_OPTION(F, "frequency", "HZ",                         \
						   "sample the CPU clock at HZ on each CPU")    \
		PK_OPTION_RANGE(1, 100000) PK__TAG("pk_sample_freq") = hz

/*
 * The standard filters, filled in by the runtime. A program calls
 * pk_filtered() and skips the event when it says so; a file offers a
 * filter by declaring it, one line each:
 *
 *	PK_FILTER_PID;		-p PID: this process only (-c's command under run)
 *	PK_FILTER_TID;		-t TID: this thread only
 *	PK_FILTER_UID;		-u UID: this user only (a number or a name)
 *	PK_FILTER_COMM;		--comm COMM: tasks of this name only
 *	PK_FILTER_CGROUP;	--cgroup PATH: tasks in this cgroup v2 or below it
 *
 * Those not declared stay zero, and the verifier drops their tests. Each is
 * a static global, which clang keeps only when pk_filtered() is called.
 */
static const volatile __u32 pk_filter_tgid;
static const volatile __u32 pk_filter_tid;
/* the uid plus one: uid 0 (root) is a filter too */
static const volatile __u32 pk_filter_uid;
static const volatile char pk_filter_comm[16];
static const volatile __u64 pk_filter_cgroup;
static const volatile __u32 pk_filter_cgroup_level;

#define PK_FILTER_PID static const volatile __u32 pk_filter_tgid PK__TAG("pk_filter:pid")
#define PK_FILTER_TID static const volatile __u32 pk_filter_tid PK__TAG("pk_filter:tid")
#define PK_FILTER_UID static const volatile __u32 pk_filter_uid PK__TAG("pk_filter:uid")
#define PK_FILTER_COMM static const volatile char pk_filter_comm[16] PK__TAG("pk_filter:comm")
#define PK_FILTER_CGROUP static const volatile __u64 pk_filter_cgroup PK__TAG("pk_filter:cgroup")

static __always_inline bool pk__comm_differs(void)
{
	char comm[16];
	int i;

	bpf_get_current_comm(comm, sizeof(comm));
	for (i = 0; i < 16; i++) {
		if (comm[i] != pk_filter_comm[i])
			return true;
		if (!comm[i])
			break;
	}
	return false;
}

/* Whether the current task is one the declared filters leave out. */
static __always_inline bool pk_filtered(void)
{
	__u64 id = bpf_get_current_pid_tgid();

	if (pk_filter_tgid && (__u32)(id >> 32) != pk_filter_tgid)
		return true;
	if (pk_filter_tid && (__u32)id != pk_filter_tid)
		return true;
	if (pk_filter_uid && (__u32)bpf_get_current_uid_gid() != pk_filter_uid - 1)
		return true;
	if (pk_filter_comm[0] && pk__comm_differs())
		return true;
	if (pk_filter_cgroup &&
	    bpf_get_current_ancestor_cgroup_id(pk_filter_cgroup_level) != pk_filter_cgroup)
		return true;
	return false;
}

#endif
