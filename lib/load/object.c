// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Any BPF object file with fallback groups: the variant tables that the
 * tools write by hand are built here from the programs' names and
 * sections, and pk_attach does the choosing, so a file gets exactly the
 * tools' fallback.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>

#include <bpf/libbpf.h>

#include <probekit/features.h>
#include <probekit/suggest.h>
#include <probekit/targets.h>
#include <probekit/object.h>
#include <probekit/params.h>
#include <probekit/uprobe.h>
#include <probekit/usyms.h>
#include "load.h"

#define HELPER_TRACE_PRINTK 6
#define HELPER_TRACE_VPRINTK 177
#define DEFAULT_FREQ 49

/*
 * The kinds a group can fall back through, best first. A group's uprobe
 * member is tried first as uprobe_multi (one link per library for its
 * run-time targets, where the kernel has them), then as uprobes.
 */
static const enum pk_mech preference[] = {
	PK_MECH_FENTRY, PK_MECH_KPROBE,	      PK_MECH_TP_BTF, PK_MECH_RAW_TP,
	PK_MECH_TRACEPOINT, PK_MECH_UPROBE_MULTI, PK_MECH_UPROBE,
};
#define NR_PREF (sizeof(preference) / sizeof(preference[0]))

struct prog_info {
	char *name;
	char *sec;
	enum pk_mech mech;
	int group; /* -1 outside groups */
	bool extra; /* attached here rather than by libbpf */
};

struct group {
	char *stem;
	/* after load: the programs loaded, "a, b" */
	char chosen[256];
	enum pk_mech chosen_mech;
};

struct pk_object {
	char *path;
	struct pk_object_opts opts;
	struct prog_info *progs;
	size_t nr_progs;
	struct group *groups;
	size_t nr_groups;
	bool printk;
	/* one variant per kind that some group has, and the terminator */
	struct pk_variant variants[NR_PREF + 1];
	const char **lists[NR_PREF];
	/* each variant's kprobes by their sections' functions, .isra clones found */
	struct pk_target *targets[NR_PREF];
	/* the order groups fall back in: the file's PK_PREFER(), then preference[] */
	enum pk_mech pref[NR_PREF];
	struct pk_skel_ops ops;
	/* the file's bytes, once something asked for them */
	void *image;
	size_t image_size;
	struct pk_attach *att;
	/* the whole verifier log of a rejected program */
	char *verifier_log;
	char error[1024];
};

static int rank_of(const struct pk_object *o, enum pk_mech m)
{
	size_t i;

	for (i = 0; i < NR_PREF; i++) {
		if (o->pref[i] == m)
			return (int)i;
	}
	return (int)NR_PREF;
}

static bool starts(const char *s, const char *p)
{
	return !strncmp(s, p, strlen(p));
}

int pk_object_file_check(const char *path, char *why, size_t why_size)
{
	Elf64_Ehdr eh;
	struct stat st;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC), err;

	if (fd < 0 || fstat(fd, &st)) {
		err = -errno;
		pk__why(why, why_size, "cannot read %s: %s", path, strerror(-err));
		if (fd >= 0)
			close(fd);
		return err;
	}
	n = S_ISDIR(st.st_mode) ? (errno = EISDIR, -1) : read(fd, &eh, sizeof(eh));
	err = n < 0 ? -errno : 0;
	close(fd);
	if (err) {
		pk__why(why, why_size, "cannot read %s: %s", path, strerror(-err));
		return err;
	}
	if (n < SELFMAG || memcmp(eh.e_ident, ELFMAG, SELFMAG)) {
		pk__why(why, why_size, "%s is neither a BPF object (ELF) nor C source (.bpf.c)", path);
		return 0;
	}
	if ((size_t)n < sizeof(eh) || eh.e_ident[EI_CLASS] != ELFCLASS64) {
		pk__why(why, why_size, "%s is a truncated or corrupt ELF file", path);
		return 0;
	}
	if (eh.e_machine != EM_BPF) {
		pk__why(why, why_size, "%s is an ELF file for another machine (e_machine %u), not a "
				   "BPF object: compile it with clang -target bpf",
		    path, eh.e_machine);
		return 0;
	}
	if (eh.e_shoff + (__u64)eh.e_shnum * eh.e_shentsize > (__u64)st.st_size) {
		pk__why(why, why_size, "%s is a truncated BPF object: its section table ends past the "
				   "end of the file (%lld bytes)",
		    path, (long long)st.st_size);
		return 0;
	}
	return 1;
}

static bool calls_printk(const struct bpf_program *prog)
{
	const struct bpf_insn *insn = bpf_program__insns(prog);
	size_t i, n = bpf_program__insn_cnt(prog);

	for (i = 0; insn && i < n; i++) {
		if (insn[i].code == (BPF_JMP | BPF_CALL) && insn[i].src_reg == 0 &&
		    (insn[i].imm == HELPER_TRACE_PRINTK || insn[i].imm == HELPER_TRACE_VPRINTK))
			return true;
	}
	return false;
}

/* uprobes with a short library name, and perf_event sampling, are ours. */
static bool attached_here(const char *sec)
{
	return starts(sec, "uprobe/") || starts(sec, "uretprobe/") || !strcmp(sec, "perf_event");
}

/*
 * A uprobe section on a function (not at an offset into it) is loaded for a
 * uprobe_multi link of that one function where the kernel has them, unless
 * --mechanism uprobe asks for perf-event uprobes: those detach one after
 * another, each waiting for a grace period under the kernel's event_mutex,
 * where uprobe_multi links detach side by side (memleak -p has 20).
 */
static bool multi_uprobe(const struct pk_object *o, const char *sec)
{
	const char *colon = strrchr(sec, ':');

	return (starts(sec, "uprobe/") || starts(sec, "uretprobe/")) && colon &&
	       !strchr(colon, '+') && o->opts.mechanism != PK_MECH_UPROBE &&
	       pk_feature_probe(PK_FEAT_UPROBE_MULTI)->available;
}

static int find_group(struct pk_object *o, const char *stem, size_t len)
{
	size_t i;

	for (i = 0; i < o->nr_groups; i++) {
		if (strlen(o->groups[i].stem) == len && !strncmp(o->groups[i].stem, stem, len))
			return (int)i;
	}
	return -1;
}

static int add_group(struct pk_object *o, const char *stem, size_t len)
{
	struct group *g = realloc(o->groups, (o->nr_groups + 1) * sizeof(*g));

	if (!g)
		return -ENOMEM;
	o->groups = g;
	g[o->nr_groups].stem = strndup(stem, len);
	g[o->nr_groups].chosen[0] = '\0';
	g[o->nr_groups].chosen_mech = PK_MECH_AUTO;
	if (!g[o->nr_groups].stem)
		return -ENOMEM;
	return (int)o->nr_groups++;
}

/*
 * A stem whose programs are all of one kind (PK_TRACEPOINT(syscalls, ...)
 * names several syscalls__*) offers no alternative: its programs load as
 * programs outside groups do.
 */
static void drop_single_kind_groups(struct pk_object *o)
{
	size_t g, i, kept = 0;
	enum pk_mech kind;
	bool mixed;

	for (g = 0; g < o->nr_groups; g++) {
		kind = PK_MECH_AUTO;
		mixed = false;
		for (i = 0; i < o->nr_progs; i++) {
			if (o->progs[i].group != (int)g)
				continue;
			mixed |= kind != PK_MECH_AUTO && o->progs[i].mech != kind;
			kind = o->progs[i].mech;
		}
		for (i = 0; i < o->nr_progs; i++) {
			if (o->progs[i].group == (int)g)
				o->progs[i].group = mixed ? (int)kept : -1;
		}
		if (mixed)
			o->groups[kept++] = o->groups[g];
		else
			free(o->groups[g].stem);
	}
	o->nr_groups = kept;
}

/* A stem shared by two or more programs of different kinds makes a group. */
static int make_groups(struct pk_object *o)
{
	size_t i, j, len;
	const char *sep;
	int g;

	for (i = 0; i < o->nr_progs; i++) {
		sep = strstr(o->progs[i].name, "__");
		while (sep && strstr(sep + 2, "__"))
			sep = strstr(sep + 2, "__");
		if (!sep || sep == o->progs[i].name || o->progs[i].mech == PK_MECH_AUTO)
			continue;
		len = sep - o->progs[i].name;
		for (j = 0; j < o->nr_progs; j++) {
			if (j != i && o->progs[j].mech != PK_MECH_AUTO &&
			    !strncmp(o->progs[j].name, o->progs[i].name, len) &&
			    !strncmp(o->progs[j].name + len, "__", 2) &&
			    !strstr(o->progs[j].name + len + 2, "__"))
				break;
		}
		if (j == o->nr_progs)
			continue;
		g = find_group(o, o->progs[i].name, len);
		if (g < 0 && (g = add_group(o, o->progs[i].name, len)) < 0)
			return g;
		o->progs[i].group = g;
	}
	drop_single_kind_groups(o);
	return 0;
}

/* The kind of group @g's members to use when kind @m is the one being tried. */
static enum pk_mech member_for(const struct pk_object *o, int g, enum pk_mech m)
{
	const struct prog_info *best = NULL, *worst = NULL;
	size_t i;

	for (i = 0; i < o->nr_progs; i++) {
		const struct prog_info *p = &o->progs[i];

		if (p->group != g)
			continue;
		if (p->mech == m || (m == PK_MECH_UPROBE_MULTI && p->mech == PK_MECH_UPROBE))
			return p->mech;
		if (rank_of(o, p->mech) > rank_of(o, m) &&
		    (!best || rank_of(o, p->mech) < rank_of(o, best->mech)))
			best = p;
		if (!worst || rank_of(o, p->mech) > rank_of(o, worst->mech))
			worst = p;
	}
	return best ? best->mech : worst->mech;
}

static bool in_list(const enum pk_mech *l, size_t n, enum pk_mech m)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (l[i] == m)
			return true;
	}
	return false;
}

/* PK_PREFER("raw_tp fentry ..."): those kinds first, in that order. */
static int read_preference(struct pk_object *o, const struct btf *btf, char *why, size_t why_size)
{
	const char *p = pk_params__file_tag(btf, "pk_prefer", 0);
	enum pk_mech m;
	char word[32];
	size_t i, n = 0, len;

	for (; p && *(p += strspn(p, " ,")); p += len) {
		len = strcspn(p, " ,");
		snprintf(word, sizeof(word), "%.*s", (int)len, p);
		if (pk_mech_by_name(word, &m) || !in_list(preference, NR_PREF, m)) {
			pk__why(why, why_size, "%s: PK_PREFER() names '%s': use fentry, kprobe, "
					       "tp_btf, raw_tp, tracepoint, uprobe_multi, uprobe", o->path, word);
			return -EINVAL;
		}
		if (!in_list(o->pref, n, m))
			o->pref[n++] = m;
	}
	for (i = 0; i < NR_PREF; i++) {
		if (!in_list(o->pref, n, preference[i]))
			o->pref[n++] = preference[i];
	}
	return 0;
}

static bool some_group_has(const struct pk_object *o, enum pk_mech m)
{
	size_t i;

	for (i = 0; i < o->nr_progs; i++) {
		if (o->progs[i].group >= 0 &&
		    (o->progs[i].mech == m ||
		     (m == PK_MECH_UPROBE_MULTI && o->progs[i].mech == PK_MECH_UPROBE)))
			return true;
	}
	return false;
}

/*
 * SEC("kprobe/finish_task_switch") where the kernel has only
 * finish_task_switch.isra.0: the section's function as a pk_attach target,
 * which finds the clones (libbpf would attach to the name as written).
 */
static struct pk_target *kprobe_targets(const struct pk_object *o, const char **list, size_t n)
{
	struct pk_target *t = calloc(n + 1, sizeof(*t));
	size_t i, j, nt = 0;
	const char *fn;

	for (i = 0; t && i < n; i++) {
		for (j = 0; j < o->nr_progs && strcmp(o->progs[j].name, list[i]); j++)
			;
		if (j == o->nr_progs || o->progs[j].mech != PK_MECH_KPROBE)
			continue;
		fn = strchr(o->progs[j].sec, '/');
		if (!fn || !fn[1] || strpbrk(fn + 1, "+:/") || starts(o->progs[j].sec, "ksyscall"))
			continue;
		t[nt].prog = o->progs[j].name;
		t[nt++].target = fn + 1;
	}
	return t;
}

/*
 * Variant M holds every program outside groups (so pk_attach checks their
 * targets) and, of each group, its M member or the next best one.
 */
static int make_variants(struct pk_object *o)
{
	size_t i, k, nv = 0, n;
	enum pk_mech single = PK_MECH_AUTO;
	const char **list;

	for (k = 0; k < NR_PREF; k++) {
		if (o->nr_groups ? !some_group_has(o, o->pref[k]) : single != PK_MECH_AUTO)
			continue;
		if (!o->nr_groups) {
			/* no groups: one variant, judged by the first program's kind */
			for (i = 0; i < o->nr_progs && single == PK_MECH_AUTO; i++)
				single = o->progs[i].mech;
			if (single == PK_MECH_AUTO)
				single = PK_MECH_TRACEPOINT;
			if (o->opts.mechanism != PK_MECH_AUTO)
				single = o->opts.mechanism;
		}
		list = calloc(o->nr_progs + o->nr_groups + 1, sizeof(*list));
		if (!list)
			return -ENOMEM;
		n = 0;
		for (i = 0; i < o->nr_progs; i++) {
			if (o->progs[i].group < 0)
				list[n++] = o->progs[i].name;
		}
		for (i = 0; i < o->nr_progs; i++) {
			const struct prog_info *p = &o->progs[i];

			if (p->group >= 0 && p->mech == member_for(o, p->group, o->pref[k]))
				list[n++] = p->name;
		}
		o->lists[nv] = list;
		o->variants[nv].mech = o->nr_groups ? o->pref[k] : single;
		o->variants[nv].progs = list;
		o->variants[nv].targets = o->targets[nv] = kprobe_targets(o, list, n);
		if (!o->targets[nv])
			return -ENOMEM;
		nv++;
		if (!o->nr_groups)
			break;
	}
	o->variants[nv].mech = PK_MECH_AUTO;
	return 0;
}

static int read_programs(struct pk_object *o, struct bpf_object *obj)
{
	struct bpf_program *prog;
	size_t n = 0;

	bpf_object__for_each_program(prog, obj)
		n++;
	o->progs = calloc(n ? n : 1, sizeof(*o->progs));
	if (!o->progs)
		return -ENOMEM;
	bpf_object__for_each_program(prog, obj) {
		struct prog_info *p;

		/*
		 * PK_WITH_PID()/PK_WITHOUT_PID(), or an option's PK_PROGS_WHEN():
		 * not for this run, in no variant
		 */
		if (pk_params__prog_off(bpf_object__btf(obj), bpf_program__name(prog),
					o->opts.pid != 0) ||
		    (o->opts.leave_out && o->opts.leave_out(bpf_program__name(prog), o->opts.ctx)))
			continue;
		p = &o->progs[o->nr_progs++];

		p->name = strdup(bpf_program__name(prog));
		p->sec = strdup(bpf_program__section_name(prog));
		if (!p->name || !p->sec)
			return -ENOMEM;
		/* the kind libbpf made of the SEC name, as pk_attach judges it */
		p->mech = pk__prog_kind(prog);
		p->group = -1;
		p->extra = attached_here(p->sec);
		o->printk |= calls_printk(prog);
	}
	return 0;
}

static void copy_opts(struct pk_object_opts *to, const struct pk_object_opts *opts)
{
	to->sz = sizeof(*to);
	to->mechanism = PK_OPTS_GET(opts, mechanism, PK_MECH_AUTO);
	to->log = PK_OPTS_GET(opts, log, NULL);
	to->pid = PK_OPTS_GET(opts, pid, 0);
	to->sample_freq = PK_OPTS_GET(opts, sample_freq, 0);
	to->configure = PK_OPTS_GET(opts, configure, NULL);
	to->ctx = PK_OPTS_GET(opts, ctx, NULL);
	to->leave_out = PK_OPTS_GET(opts, leave_out, NULL);
}

struct pk_object *pk_object__open(const char *path, const struct pk_object_opts *opts,
				  char *why, size_t why_size)
{
	struct bpf_object *obj;
	struct pk_object *o;
	int err;

	if (!path || !PK_OPTS_VALID(opts, pk_object_opts)) {
		errno = EINVAL;
		return NULL;
	}
	err = pk_object_file_check(path, why, why_size);
	if (err <= 0) {
		errno = err ? -err : EINVAL;
		return NULL;
	}
	obj = bpf_object__open_file(path, NULL);
	err = libbpf_get_error(obj);
	if (err) {
		char msg[128];

		libbpf_strerror(err, msg, sizeof(msg));
		pk__why(why, why_size, "%s is not a usable BPF object: %s (-vv shows libbpf's log)", path,
		    msg);
		errno = EINVAL;
		return NULL;
	}
	o = calloc(1, sizeof(*o));
	if (o)
		copy_opts(&o->opts, opts);
	err = !o ? -ENOMEM : (o->path = strdup(path)) ? read_programs(o, obj) : -ENOMEM;
	if (!err)
		err = read_preference(o, bpf_object__btf(obj), why, why_size);
	bpf_object__close(obj);
	if (!err && o->nr_progs == 0) {
		pk__why(why, why_size, "%s holds no BPF programs (no SEC(\"...\") functions)", path);
		err = -ENOENT;
	}
	if (!err)
		err = make_groups(o);
	if (!err)
		err = make_variants(o);
	if (err) {
		if (err == -ENOMEM)
			pk__why(why, why_size, "%s", strerror(ENOMEM));
		pk_object__free(o);
		errno = -err;
		return NULL;
	}
	return o;
}

/* Skeleton operations over a plain object file ------------------------------ */

static void *skel_open(void *ctx, const struct bpf_object_open_opts *opts)
{
	struct pk_object *o = ctx;
	struct bpf_object *obj;
	struct bpf_program *prog;

	obj = bpf_object__open_file(o->path, opts);
	if (libbpf_get_error(obj)) {
		errno = -libbpf_get_error(obj);
		return NULL;
	}
	bpf_object__for_each_program(prog, obj) {
		const char *sec = bpf_program__section_name(prog);

		if (!attached_here(sec))
			continue;
		bpf_program__set_autoattach(prog, false);
		if (multi_uprobe(o, sec))
			bpf_program__set_expected_attach_type(
			    prog, (enum bpf_attach_type)PK__BPF_TRACE_UPROBE_MULTI);
	}
	return obj;
}

/* The file's bytes, read once: pk_attach looks for CO-RE relocations in them. */
static const void *skel_elf_bytes(void *ctx, size_t *size)
{
	struct pk_object *o = ctx;
	FILE *f;
	long n;

	if (!o->image && (f = fopen(o->path, "rbe"))) {
		if (!fseek(f, 0, SEEK_END) && (n = ftell(f)) > 0 && !fseek(f, 0, SEEK_SET) &&
		    (o->image = malloc(n)) && fread(o->image, 1, n, f) == (size_t)n)
			o->image_size = n;
		fclose(f);
		if (!o->image_size) {
			free(o->image);
			o->image = NULL;
		}
	}
	*size = o->image_size;
	return o->image;
}

static int skel_load(void *skel)
{
	return bpf_object__load(skel);
}

static void skel_destroy(void *skel)
{
	bpf_object__close(skel);
}

static struct bpf_object *skel_object(void *skel)
{
	return skel;
}

const struct pk_skel_ops *pk_object__skel_ops(struct pk_object *o)
{
	o->ops = (struct pk_skel_ops){
	    .load = skel_load,
	    .destroy = skel_destroy,
	    .object = skel_object,
	    .ctx = o,
	    .open_ctx = skel_open,
	    .elf_bytes_ctx = skel_elf_bytes,
	};
	return &o->ops;
}

const struct pk_variant *pk_object__variants(const struct pk_object *o)
{
	return o->variants;
}

/* Extra attachments ------------------------------------------------------ */

static int perf_open(pid_t pid, int cpu, unsigned long freq)
{
	struct perf_event_attr attr = {
		.size = sizeof(attr),
		.type = PERF_TYPE_SOFTWARE,
		.config = PERF_COUNT_SW_CPU_CLOCK,
		.freq = 1,
		.sample_freq = freq,
	};

	return syscall(SYS_perf_event_open, &attr, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
}

static int attach_perf(struct pk_object *o, struct bpf_program *prog, struct pk_attach *att)
{
	unsigned long freq = o->opts.sample_freq ? o->opts.sample_freq : DEFAULT_FREQ;
	int cpu, ncpu = libbpf_num_possible_cpus(), fd, err;
	struct bpf_link *link;

	for (cpu = 0; cpu < ncpu; cpu++) {
		fd = perf_open(o->opts.pid ? o->opts.pid : -1, cpu, freq);
		if (fd < 0) {
			/* a possible CPU that is offline */
			if (errno == ENODEV)
				continue;
			err = -errno;
			snprintf(o->error, sizeof(o->error),
				 "program %s: cannot sample the CPU clock at %lu Hz on CPU %d: %s",
				 bpf_program__name(prog), freq, cpu, strerror(-err));
			return err;
		}
		link = bpf_program__attach_perf_event(prog, fd);
		err = libbpf_get_error(link);
		if (err) {
			close(fd);
			snprintf(o->error, sizeof(o->error), "program %s: attaching to CPU %d failed: %s",
				 bpf_program__name(prog), cpu, strerror(-err));
			return err;
		}
		if ((err = pk_attach__add_link(att, link))) {
			bpf_link__destroy(link);
			return err;
		}
	}
	return 0;
}

/* A uprobe section's function @sym of @lib as a uprobe_multi link of one (multi_uprobe()). */
static int attach_uprobe_multi(struct pk_object *o, struct bpf_program *prog, struct pk_attach *att,
			       const char *lib, const char *sym, struct pk_usyms *usyms)
{
	const char *sec = bpf_program__section_name(prog);
	char why[512], where[1100];
	__u64 cookie = 0;
	int fd;

	fd = pk__uprobe_multi_attach(prog, lib, o->opts.pid, starts(sec, "uretprobe/"), &sym,
				     &cookie, 1, usyms, why, sizeof(why));
	if (fd < 0) {
		snprintf(o->error, sizeof(o->error), "program %s: %s", bpf_program__name(prog),
			 why);
		return fd;
	}
	snprintf(where, sizeof(where), "%s:%s", lib, sym);
	return pk__attach_add_multi_link(att, fd, bpf_program__name(prog), where);
}

/*
 * "uprobe/c:malloc", "uretprobe//usr/bin/bash:readline", "uprobe/c:malloc+4";
 * the library's symbols read once, through @usyms, for all of them.
 */
static int attach_uprobe(struct pk_object *o, struct bpf_program *prog, struct pk_attach *att,
			 struct pk_usyms *usyms)
{
	const char *sec = bpf_program__section_name(prog);
	LIBBPF_OPTS(pk_uprobe_opts, uo, .pid = o->opts.pid, .retprobe = starts(sec, "uretprobe/"),
		    .usyms = usyms);
	char target[512], why[512], *colon, *plus;
	struct bpf_link *link;
	int err;

	snprintf(target, sizeof(target), "%s", strchr(sec, '/') + 1);
	colon = strrchr(target, ':');
	if (!colon || colon == target || !colon[1]) {
		snprintf(o->error, sizeof(o->error),
			 "program %s: section \"%s\" names no function: use uprobe/LIB:FUNC or "
			 "uprobe//PATH:FUNC",
			 bpf_program__name(prog), sec);
		return -EINVAL;
	}
	*colon = '\0';
	plus = strchr(colon + 1, '+');
	if (plus) {
		*plus = '\0';
		uo.offset = strtoull(plus + 1, NULL, 0);
	}
	if (pk__prog_kind(prog) == PK_MECH_UPROBE_MULTI)
		return attach_uprobe_multi(o, prog, att, target, colon + 1, usyms);
	link = pk_uprobe_attach(prog, target, colon + 1, &uo, why, sizeof(why));
	if (!link) {
		err = -errno;
		snprintf(o->error, sizeof(o->error), "program %s: %s", bpf_program__name(prog), why);
		return err ? err : -ENOENT;
	}
	if ((err = pk_attach__add_link(att, link)))
		bpf_link__destroy(link);
	return err;
}

int pk_object__attach_extra(struct pk_object *o, struct pk_attach *att)
{
	struct bpf_object *obj = pk_attach__object(att);
	struct pk_usyms *usyms = NULL;
	struct bpf_program *prog;
	int err = 0;

	bpf_object__for_each_program(prog, obj) {
		const char *sec = bpf_program__section_name(prog);

		if (!bpf_program__autoload(prog) || bpf_program__autoattach(prog))
			continue;
		if (!strcmp(sec, "perf_event")) {
			err = attach_perf(o, prog, att);
		} else if (starts(sec, "uprobe/") || starts(sec, "uretprobe/")) {
			/* one sorted symbol table per library, not one per program */
			if (!usyms && !(usyms = pk_usyms__new(NULL))) {
				err = -errno;
				break;
			}
			err = attach_uprobe(o, prog, att, usyms);
		}
		if (err)
			break;
	}
	pk_usyms__free(usyms);
	return err;
}

/* Loading ---------------------------------------------------------------- */

static int configure(void *skel, enum pk_mech mech, void *ctx)
{
	struct pk_object *o = ctx;

	return o->opts.configure ? o->opts.configure(skel, mech, o->opts.ctx) : 0;
}

/*
 * "did you mean": the names nearest to the missing target of section @sec
 * ("tracepoint/cat/event", "fentry/func", "tp_btf/event"...), from the walker
 * of targets.h for its kind. Returns how many were written to @out.
 */
static size_t nearest_targets(const char *sec, enum pk_mech mech, char *out, size_t size)
{
	int (*walk)(pk_target_fn fn, void *arg) = NULL;
	const char *t = strchr(sec, '/');
	char want[256], *slash;
	struct pk_suggest *s;
	size_t n = 0;

	if (size)
		out[0] = '\0';
	if (!t || !t[1])
		return 0;
	snprintf(want, sizeof(want), "%s", t + 1);
	want[strcspn(want, "+")] = '\0';
	switch (mech) {
	case PK_MECH_TRACEPOINT:
		slash = strchr(want, '/');
		if (slash)
			*slash = ':';
		walk = pk_targets_tracepoints;
		break;
	case PK_MECH_TP_BTF:
	case PK_MECH_RAW_TP:
		walk = pk_targets_raw_tracepoints;
		break;
	case PK_MECH_FENTRY:
		walk = pk_targets_btf_functions;
		break;
	case PK_MECH_KPROBE:
		walk = pk_targets_kallsyms_functions;
		break;
	default:
		return 0;
	}
	s = pk_suggest__new(want, 3);
	if (s && !walk(pk_suggest__add_cb, s))
		n = pk_suggest__format(s, NULL, out, size);
	pk_suggest__free(s);
	return n;
}

/* The kinds of section libbpf knows: the part before the first '/' or '+'. */
static const char *const sec_kinds[] = {
	"socket", "sk_reuseport", "kprobe", "uprobe", "uprobe.s", "kretprobe", "uretprobe",
	"uretprobe.s", "kprobe.multi", "kretprobe.multi", "kprobe.session", "uprobe.multi",
	"uretprobe.multi", "uprobe.multi.s", "uretprobe.multi.s", "uprobe.session", "ksyscall",
	"kretsyscall", "usdt", "usdt.s", "tc", "tcx", "netkit", "classifier", "action",
	"tracepoint", "tp", "raw_tracepoint", "raw_tp", "raw_tracepoint.w", "raw_tp.w", "tp_btf",
	"fentry", "fmod_ret", "fexit", "fentry.s", "fmod_ret.s", "fexit.s", "freplace", "lsm",
	"lsm.s", "lsm_cgroup", "iter", "iter.s", "syscall", "xdp", "xdp.frags", "perf_event",
	"lwt_in", "lwt_out", "lwt_xmit", "lwt_seg6local", "sockops", "sk_skb", "sk_msg",
	"lirc_mode2", "flow_dissector", "cgroup_skb", "cgroup", "struct_ops", "struct_ops.s",
	"sk_lookup", "netfilter", NULL,
};

/* "tracepont/..." names no kind: 0, or -EINVAL with the nearest kinds in o->error. */
static int check_kind(struct pk_object *o, const struct prog_info *p)
{
	char kind[64], near[256] = "";
	const char *const *k;
	struct pk_suggest *s;

	snprintf(kind, sizeof(kind), "%.*s", (int)strcspn(p->sec, "/+"), p->sec);
	for (k = sec_kinds; *k; k++) {
		if (!strcmp(kind, *k))
			return 0;
	}
	s = pk_suggest__new(kind, 3);
	for (k = sec_kinds; s && *k; k++)
		pk_suggest__add(s, *k);
	pk_suggest__format(s, "%s/", near, sizeof(near));
	pk_suggest__free(s);
	snprintf(o->error, sizeof(o->error), "program %s: SEC(\"%s\"): %s is no kind of program%s%s%s",
		 p->name, p->sec, kind, near[0] ? "; did you mean " : "", near, near[0] ? "?" : "");
	return -EINVAL;
}

/* A program outside groups whose target is missing fails the file. */
static int check_targets(struct pk_object *o)
{
	char reason[256], near[256];
	size_t i;

	for (i = 0; i < o->nr_progs; i++) {
		const struct prog_info *p = &o->progs[i];

		if (check_kind(o, p))
			return -EINVAL;

		if (p->group >= 0 || pk_attach_target_exists(p->sec, reason, sizeof(reason)))
			continue;
		if (nearest_targets(p->sec, p->mech, near, sizeof(near)) > 0)
			snprintf(o->error, sizeof(o->error), "program %s: %s; did you mean %s?",
				 p->name, reason, near);
		else
			snprintf(o->error, sizeof(o->error), "program %s: %s", p->name, reason);
		return -ENOENT;
	}
	return 0;
}

/* Why the member @p of a group was not the one chosen. */
static void why_not(const struct pk_object *o, const struct prog_info *p, enum pk_mech chosen,
		    char *reason, size_t size)
{
	if (o->opts.mechanism != PK_MECH_AUTO && p->mech != o->opts.mechanism) {
		snprintf(reason, size, "--mechanism %s", pk_mech_name(o->opts.mechanism));
		return;
	}
	/*
	 * attach.c's table of what each mechanism needs, before the target: the
	 * answer is the probes' already, where a kprobe or fentry target's
	 * existence reads all of kallsyms or the kernel's BTF (60 ms and 3.5 MB
	 * of a -v start)
	 */
	if (p->mech > PK_MECH_AUTO && p->mech < PK_MECH__COUNT &&
	    !pk_mech_usable(p->mech, reason, size))
		return;
	if (!pk_attach_target_exists(p->sec, reason, size))
		return;
	snprintf(reason, size, "%s",
		 rank_of(o, p->mech) > rank_of(o, chosen) ? "a better member works" :
						      "it failed to load or attach (see above)");
}

/* Records which programs of group @g were loaded; under -v says why not the others. */
static void explain_group(struct pk_object *o, size_t g, struct bpf_object *obj)
{
	struct group *gr = &o->groups[g];
	struct bpf_program *prog;
	char reason[256];
	size_t i, len = 0;

	for (i = 0; i < o->nr_progs; i++) {
		if (o->progs[i].group != (int)g)
			continue;
		prog = bpf_object__find_program_by_name(obj, o->progs[i].name);
		if (!prog || !bpf_program__autoload(prog) || len >= sizeof(gr->chosen))
			continue;
		len += snprintf(gr->chosen + len, sizeof(gr->chosen) - len, "%s%s", len ? ", " : "",
				o->progs[i].name);
		gr->chosen_mech = o->progs[i].mech;
	}
	if (!o->opts.log)
		return;
	fprintf(o->opts.log, "  group %s: chose %s (%s)\n", gr->stem,
		gr->chosen[0] ? gr->chosen : "nothing", pk_mech_name(gr->chosen_mech));
	for (i = 0; i < o->nr_progs; i++) {
		const struct prog_info *p = &o->progs[i];

		if (p->group != (int)g || p->mech == gr->chosen_mech)
			continue;
		why_not(o, p, gr->chosen_mech, reason, sizeof(reason));
		fprintf(o->opts.log, "    not %s (%s): %s\n", p->name, pk_mech_name(p->mech), reason);
	}
}

/*
 * pk_attach's "fentry: the kernel refused..." for a mechanism the kernel
 * refuses outright, named by the programs of that kind outside groups, as
 * the other errors name them: "program on_open: fentry: ...".
 */
static void name_refused(struct pk_object *o, const char *err)
{
	size_t i, len = 0, n = 0, kind = strcspn(err, ":");
	char names[256] = "";

	for (i = 0; i < o->nr_progs && err[kind]; i++) {
		const struct prog_info *p = &o->progs[i];
		const char *mech = pk_mech_name(p->mech);

		if (p->group >= 0 || strlen(mech) != kind || strncmp(err, mech, kind) ||
		    len >= sizeof(names))
			continue;
		len += snprintf(names + len, sizeof(names) - len, "%s%s", n++ ? ", " : "", p->name);
	}
	if (n)
		snprintf(o->error, sizeof(o->error), "program%s %s: %s", n > 1 ? "s" : "", names,
			 err);
	else
		snprintf(o->error, sizeof(o->error), "%s", err);
}

int pk_object__load(struct pk_object *o)
{
	LIBBPF_OPTS(pk_attach_opts, ao, .mechanism = o ? o->opts.mechanism : PK_MECH_AUTO,
		    .configure = configure, .ctx = o, .log = o ? o->opts.log : NULL);
	size_t g;
	int err;

	if (!o)
		return -EINVAL;
	if (o->att)
		return -EBUSY;
	o->error[0] = '\0';
	err = check_targets(o);
	if (err)
		return err;
	o->att = pk_attach__new(pk_object__skel_ops(o), o->variants, &ao);
	if (!o->att)
		return -errno;
	err = pk_attach__load(o->att);
	if (err) {
		if (err == -EOPNOTSUPP)
			name_refused(o, pk_attach__error(o->att));
		else
			snprintf(o->error, sizeof(o->error), "%s", pk_attach__error(o->att));
		free(o->verifier_log);
		o->verifier_log = pk_attach__verifier_log(o->att) ?
					  strdup(pk_attach__verifier_log(o->att)) :
					  NULL;
	} else {
		err = pk_object__attach_extra(o, o->att);
	}
	if (err) {
		pk_attach__free(o->att);
		o->att = NULL;
		return err;
	}
	for (g = 0; g < o->nr_groups; g++)
		explain_group(o, g, pk_attach__object(o->att));
	/* the file's bytes were for the load's CO-RE checks (skel_elf_bytes()):
	 * ~80 KB the run would hold for nothing; read again if ever asked */
	free(o->image);
	o->image = NULL;
	o->image_size = 0;
	return 0;
}

const char *pk_object__verifier_log(const struct pk_object *o)
{
	return o ? o->verifier_log : NULL;
}

const char *pk_object__error(const struct pk_object *o)
{
	return o ? o->error : "";
}

struct bpf_object *pk_object__bpf(const struct pk_object *o)
{
	return o ? pk_attach__object(o->att) : NULL;
}

struct pk_attach *pk_object__attach(const struct pk_object *o)
{
	return o ? o->att : NULL;
}

enum pk_mech pk_object__mechanism(const struct pk_object *o)
{
	return o ? pk_attach__mechanism(o->att) : PK_MECH_AUTO;
}

size_t pk_object__group_count(const struct pk_object *o)
{
	return o ? o->nr_groups : 0;
}

const char *pk_object__group_name(const struct pk_object *o, size_t i)
{
	return o && i < o->nr_groups ? o->groups[i].stem : NULL;
}

const char *pk_object__group_chosen(const struct pk_object *o, size_t i)
{
	return o && i < o->nr_groups ? o->groups[i].chosen : NULL;
}

bool pk_object__uses_printk(const struct pk_object *o)
{
	return o && o->printk;
}

void pk_object__free(struct pk_object *o)
{
	size_t i;

	if (!o)
		return;
	pk_attach__free(o->att);
	free(o->image);
	for (i = 0; i < o->nr_progs; i++) {
		free(o->progs[i].name);
		free(o->progs[i].sec);
	}
	for (i = 0; i < o->nr_groups; i++)
		free(o->groups[i].stem);
	for (i = 0; i < NR_PREF; i++) {
		free(o->lists[i]);
		free(o->targets[i]);
	}
	free(o->progs);
	free(o->groups);
	free(o->verifier_log);
	free(o->path);
	free(o);
}
