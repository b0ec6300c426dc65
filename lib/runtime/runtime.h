/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The runtime layer's internals (lib/runtime/): the tool runtime's state,
 * shared by its files (cli.c, options.c, declared.c); they include this for
 * the layers below (lib/README.md).
 */
#ifndef PROBEKIT_RUNTIME_H
#define PROBEKIT_RUNTIME_H

#include <probekit/cli.h>
#include <probekit/events.h>

#include "../print/print.h"

/* Options declared in a BPF object, on the command line (declared.c) -------- */

#define PK__MAX_DECLARED 32

struct pk_param_option;
struct pk__declared {
	/* opened, never loaded: the declarations, and the values' checks */
	struct bpf_object *obj;
	char source[128];
	struct pk_param_option *opts;
	int nr;
	/* NAME=VALUE of each option given */
	char *sets[PK__MAX_DECLARED];
	/* the filters' values */
	pid_t pid, tid;
	__u32 uid;
	bool uid_given;
	char comm[16];
	__u64 cgroup;
	__u32 cgroup_level;
};

/* Opens the object at @path, or in @data when not NULL, and reads its
 * declarations; @name (NULL: @path) names it in messages. */
int pk__declared_open(struct pk__declared *d, const char *path, const char *name,
		      const void *data, size_t size, char *why, size_t why_size);
/* Option @i's value from the command line: -EINVAL with @why when it is bad. */
int pk__declared_parse(struct pk__declared *d, int i, const char *arg, char *why, size_t why_size);
/* Sets the values in @obj before load; @pid fills the pid filter unless -p did. */
int pk__declared_apply(const struct pk__declared *d, struct bpf_object *obj, pid_t pid, char *why,
		       size_t why_size);
/* PK_SAMPLE_FREQ()'s value, given or the file's default; 0 when not declared */
unsigned long pk__declared_sample_freq(const struct pk__declared *d);
/* PK_TOOL_DURATION_ARG's value in milliseconds, given or the file's default; 0 when none */
unsigned long pk__declared_duration_ms(const struct pk__declared *d);
bool pk__declared_has_filter(const struct pk__declared *d, const char *kind);
/*
 * Whether program @prog is left out of this run: PK_PROGS_WHEN() of an
 * option not set, or PK_PROGS_UNLESS() of one set.
 */
bool pk__declared_prog_off(const struct pk__declared *d, const char *prog);
/* PK_TARGET() options: their values as targets of their programs, from configure. */
struct pk_attach;
int pk__declared_targets(const struct pk__declared *d, struct pk_attach *att, char *why,
			 size_t why_size);
/* A PK_POSITIONAL option's value given without its name: the next one not given. */
int pk__declared_positional(struct pk__declared *d, const char *arg, char *why, size_t why_size);
void pk__declared_free(struct pk__declared *d);
/*
 * Once the object is loaded: the declarations' own object and the values
 * as given (~70 KB) are not needed any more; the filters' values stay.
 */
void pk__declared_loaded(struct pk__declared *d);
/*
 * A set bool option tagged PK_LIST_NAMES("syscalls"): the names printed
 * to @out (bcc's syscount -l), and true: the tool exits 0 without loading.
 */
bool pk__declared_list(const struct pk__declared *d, FILE *out, bool json);

/* The state of a tool's run (cli.c) ----------------------------------------- */

#define MAX_WATCHES 8

struct watch {
	int fd;
	int (*fn)(struct pk_run *run, int fd);
	bool owned;
};

struct pk_run {
	const struct pk_tool *tool;
	const char *name;
	FILE *out;
	bool out_broken;
	bool json;
	/* --folded, --svg FILE (PK_TOOL_STACKS) */
	bool folded;
	const char *svg;
	int verbose;
	unsigned long duration_ms;
	enum pk_mech mechanism;
	struct pk_events_opts events_opts;
	struct pk_attach *att;
	/* tool->open's object, which owns att */
	struct pk_object *obj;
	struct pk_events *events;
	unsigned int interval_ms;
	int epfd;
	struct watch watches[MAX_WATCHES];
	int nr_watches;
	bool stop;
	int status;
	__u64 lost_reported;
	/* -c */
	const char *command;
	struct pk__child child;
	bool saw_pid;
	/* pk_run__set_command_exit(false): no ptrace of -c's command */
	bool no_command_exit;
	/* options and filters declared in the BPF object */
	struct pk__declared declared;
	/* the pid filter's value from the tool's own -p (run's) */
	pid_t filter_pid;
	/* why a target a declared option gave cannot be attached: the load's reason */
	char target_why[512];
	/* tool options seen before the declarations, handled after them */
	struct {
		int key;
		const char *arg;
	} deferred[64];
	int nr_deferred;
	/* --metrics */
	const char *metrics_addr;
	unsigned long metrics_max;
	bool quiet;
	struct pk_metrics *metrics;
	struct pk_events *metrics_events;
	/* the way out, for -v: the loop left, the final work done, all detached */
	long long stopped_ns, finished_ns, detached_ns;
	/* the way in, for -v: main entered, attaching began and ended */
	long long main_ns, attach_ns, attached_ns;
};

/* Parses the command line into @run (options.c): 0, 1 after --help or --version, or -errno. */
int pk__run_parse_command_line(struct pk_run *run, int argc, char **argv);

#endif
