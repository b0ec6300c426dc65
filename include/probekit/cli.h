/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef PROBEKIT_CLI_H
#define PROBEKIT_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include <probekit/attach.h>
#include <probekit/object.h>
#include <probekit/parse.h>
#include <probekit/privileges.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The tool runtime. A tool describes itself in a struct pk_tool; the
 * runtime parses the command line, checks privileges, sets up libbpf
 * logging and signals, loads and attaches the BPF side with fallback,
 * runs the poll loop and cleans up. Exit status: 0 done, 1 runtime
 * error, 2 usage error.
 *
 * Errors: a hook returns 0, or -PK_EUSAGE for a command line that is wrong
 * (pk_run__usage_error() says why and returns it; exit status 2), or another
 * negative errno for anything else that failed (after pk_run__error() says why;
 * exit status 1). -EINVAL is a failure like any other, not a usage error.
 */

/* Not an errno (those end at 4095): a usage error, exit status 2. */
#define PK_EUSAGE 4200

struct pk_run;

/* A tool option. @key is the short option character, or a value above
 * 255 for long-only options. @arg names the argument, NULL for none. */
struct pk_option {
	const char *name;
	int key;
	const char *arg;
	const char *doc;
};

enum pk_tool_flags {
	/* the BPF side sends no events (it only fills maps) */
	PK_TOOL_NO_EVENTS = 1 << 0,
	/* a .main tool that calls pk_run__loop(): it gets -d too */
	PK_TOOL_LOOP = 1 << 1,
	/*
	 * -c COMMAND: the runtime starts the command before load (its pid,
	 * pk_run__child(), is the tool's filter), lets it run once the tool is
	 * attached, and ends the tool when it exits. Not with the tool's -p.
	 */
	PK_TOOL_COMMAND = 1 << 2,
	/*
	 * --metrics, --metrics-max-series and --quiet for a .main tool that
	 * hands its loaded object to pk_run__serve_metrics() (tools with a
	 * skeleton or an .open object have them, served once attached).
	 */
	PK_TOOL_METRICS = 1 << 3,
	/*
	 * The tool prints stacks: -f/--folded (folded lines, not with --json)
	 * and --svg FILE (a flame graph; a file that cannot be written fails
	 * before tracing), read with pk_run__folded() and pk_run__svg().
	 */
	PK_TOOL_STACKS = 1 << 4,
};

struct pk_tool {
	const char *name;
	/* other names that run this tool through argv[0], NULL-terminated */
	const char *const *aliases;
	const char *summary;
	/* what follows the tool name in the usage line */
	const char *usage;
	const char *examples;
	/* the last entry has a NULL name */
	const struct pk_option *options;
	/*
	 * Both return 0, or -PK_EUSAGE from pk_run__usage_error() (exit status
	 * 2). Another negative errno, after a pk_run__error() saying why, exits
	 * with status 1: for arguments that are well formed but name
	 * something this kernel lacks, such as an unknown kernel function.
	 */
	int (*parse_opt)(struct pk_run *run, int key, const char *arg);
	/* positional arguments; without this hook, they are a usage error */
	int (*parse_args)(struct pk_run *run, int argc, char **argv);
	/*
	 * For a tool whose BPF object declares options (PK_OPTION(), the
	 * PK_FILTER_* filters) and is known only from the command line (run's
	 * FILE): called after the tool's and the common options are parsed,
	 * with the other arguments (which may hold declared options' values),
	 * to call pk_run__declare_file(); the declared options are parsed next.
	 */
	int (*declare)(struct pk_run *run, int argc, char **argv);
	/*
	 * With declare: the long names of the tool's options that give way to
	 * a declared option of the same name (run's "pid", "top"), parsed once
	 * the declarations are known; NULL-terminated. A declared option that
	 * takes the name of another of the tool's is an error.
	 */
	const char *const *yielding;

	/* A tool without BPF programs of its own supplies only this. */
	int (*main)(struct pk_run *run);

	const struct pk_skel_ops *skel;
	const struct pk_variant *variants;
	/* after open, before load: rodata, map sizes, autoload (with .open: @skel
	 * is the struct bpf_object) */
	int (*configure)(struct pk_run *run, void *skel, enum pk_mech mech);
	/* after attach: print the header */
	int (*start)(struct pk_run *run);
	/* one event from pk_submit(); a negative return stops the tool */
	int (*event)(struct pk_run *run, const void *data, size_t size);
	/* every pk_run__set_interval() milliseconds */
	int (*tick)(struct pk_run *run);
	/* before detach, also on Ctrl-C: print what was collected */
	int (*finish)(struct pk_run *run);
	unsigned int flags;
	/* -c: the command is exiting, its memory still mapped (maps to read) */
	void (*command_exit)(struct pk_run *run, pid_t pid);
	/* event buffer pages per CPU unless -b says otherwise; 0: the library's */
	unsigned int buffer_pages;
	/*
	 * Instead of .skel, for a tool whose BPF object is a file named at run
	 * time (`probekit run FILE`): after parsing, sets *@path to the object
	 * file and may fill @opts' pid and sample_freq. The runtime then opens
	 * it as a pk_object (object.h) with --mechanism, -v and .configure,
	 * gives it -c's pid when @opts names none, and runs it as it runs a
	 * skeleton; the object has events when it has probekit.bpf.h's buffer.
	 * *@path left NULL: the tool is done, with pk_run__stop()'s status. A
	 * negative errno as for .parse_opt.
	 */
	int (*open)(struct pk_run *run, const char **path, struct pk_object_opts *opts);
	/* last, whatever happened (after finish, or instead of it): free what
	 * the tool made, before the runtime detaches and frees the object */
	void (*cleanup)(struct pk_run *run);
	/*
	 * A tool made of one BPF file (tools/NAME/NAME.bpf.c alone): its
	 * object, compiled in. It runs as `probekit run` runs a file: options,
	 * filters, tables and the rest declared in it (bpf/probekit.bpf.h).
	 */
	const void *(*object)(size_t *size);
};

/* Runs a tool as its own process would; returns the exit status. */
int pk_tool_main(const struct pk_tool *tool, int argc, char **argv);

/* Common settings, available to every tool. */
FILE *pk_run__out(const struct pk_run *run);
bool pk_run__json(const struct pk_run *run);
int pk_run__verbose(const struct pk_run *run);
const char *pk_run__name(const struct pk_run *run);
void *pk_run__skel(const struct pk_run *run);
struct bpf_object *pk_run__object(const struct pk_run *run);
/* With tool->open: the object opened (NULL before). */
struct pk_object *pk_run__file_object(const struct pk_run *run);
/* The event buffer (NULL without events, or before load). */
struct pk_events *pk_run__events(const struct pk_run *run);
enum pk_mech pk_run__mechanism(const struct pk_run *run);
/* The loaded object's links; pk_attach__add_link() hands it more. */
struct pk_attach *pk_run__attach(const struct pk_run *run);
/* PK_TOOL_STACKS: --folded given; the --svg file, or NULL. */
bool pk_run__folded(const struct pk_run *run);
const char *pk_run__svg(const struct pk_run *run);
/* Calls tool->tick every @ms milliseconds. */
void pk_run__set_interval(struct pk_run *run, unsigned int ms);
/* Ends the poll loop after the current batch, with this exit status. */
void pk_run__stop(struct pk_run *run, int status);
/*
 * Whether the tool is on its way out (SIGINT, SIGTERM, pk_run__stop()):
 * long work before the loop (a compile) asks, and loads nothing.
 */
bool pk_run__stopping(const struct pk_run *run);
/* -c: the command given, or NULL. */
const char *pk_run__command(const struct pk_run *run);
/* The pid of the command pk_run__spawn() started, or 0. */
pid_t pk_run__child(const struct pk_run *run);
/*
 * Starts @command (split into words as a shell would, without a shell) as
 * a child that waits, and returns its pid; it runs the command when the
 * poll loop starts, and the tool ends (status 0) when it exits. Tools with
 * PK_TOOL_COMMAND get this for -c before load. A negative errno after a
 * pk_run__error() on failure.
 */
pid_t pk_run__spawn(struct pk_run *run, const char *command);
/*
 * Whether pk_run__spawn() stops the command on its way out for
 * tool->command_exit (it does by default when the tool has that hook). The
 * stop costs a ptrace of the command, which a command that traces (strace,
 * gdb) cannot then do itself, so a tool that needs the hook only sometimes
 * says so before it spawns.
 */
void pk_run__set_command_exit(struct pk_run *run, bool wanted);
/* Ends the tool (status 0) when process @pid exits. */
int pk_run__watch_pid(struct pk_run *run, pid_t pid);
/* Calls @fn whenever @fd is readable; a negative return stops the tool. */
int pk_run__watch_fd(struct pk_run *run, int fd, int (*fn)(struct pk_run *run, int fd));
/*
 * For a .main tool without BPF programs (flag PK_TOOL_LOOP): runs the
 * runtime's poll loop over the pk_run__watch_fd() descriptors, with ticks,
 * -d and Ctrl-C, and returns the exit status.
 */
int pk_run__loop(struct pk_run *run);

struct pk_events;
/*
 * --metrics: serves @obj's maps as Prometheus metrics (metrics.h) from the
 * runtime's loop, with @events' lost count (NULL: none). Does nothing
 * without --metrics. 0, or a negative errno after a pk_run__error() saying why.
 */
int pk_run__serve_metrics(struct pk_run *run, struct bpf_object *obj, struct pk_events *events);

/*
 * The options a BPF object declares (PK_OPTION(), PK_FILTER_*; params.h
 * reads them) become options of the tool, listed by --help and checked by
 * type; from tool->declare. @name (the source file, say) names them in
 * --help and in errors. A negative errno after a pk_run__error().
 */
int pk_run__declare_file(struct pk_run *run, const char *path, const char *name);
/*
 * Sets the declared options given and the filters in @obj, before load:
 * the pid filter takes -p, else pk_run__set_pid_filter()'s pid, else the
 * -c command's. The runtime does it for skeleton tools; a tool that loads
 * its own object (run) calls it from its configure step.
 */
int pk_run__apply_declared(struct pk_run *run, struct bpf_object *obj);
/*
 * PK_TARGET() options: each value becomes its program's target through
 * pk_attach__add_target(), from the configure step of a tool that loads
 * the object that declares them (run). A negative errno; the runtime says
 * why when the load fails.
 */
int pk_run__add_targets(struct pk_run *run, struct pk_attach *att);
/* Arguments given to PK_POSITIONAL options in order; a usage error for any left. */
int pk_run__positional(struct pk_run *run, int argc, char **argv);
/* For a tool with its own -p (run): the pid filter's value. */
void pk_run__set_pid_filter(struct pk_run *run, pid_t pid);
/* The pid a declared PK_FILTER_PID option (-p) was given, or 0. */
pid_t pk_run__declared_pid(const struct pk_run *run);

/* "tool: message" on stderr; returns -PK_EUSAGE so a parser can return it. */
int pk_run__usage_error(const struct pk_run *run, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* "tool: message" on stderr. */
void pk_run__error(const struct pk_run *run, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* "tool: message" on stderr, only with -v. */
void pk_run__info(const struct pk_run *run, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* pk_parse_pid() for an option: a usage error names @what ("PID",
 * "TID") and says whether the value was malformed or no such process runs. */
int pk_parse_pid_arg(const struct pk_run *run, const char *what, const char *arg, pid_t *out);

#ifdef __cplusplus
}
#endif
#endif
