// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Uprobes by library short name, path, symbol or offset. The file is found
 * the way the traced process sees it, and symbols are resolved with the
 * symbolizer's own sources (so a function that only a debug file or
 * MiniDebugInfo names can be probed), then handed to libbpf as an offset.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <probekit/suggest.h>
#include <probekit/targets.h>
#include <probekit/uprobe.h>
#include <probekit/usyms.h>

#include "load.h"

#if defined(__x86_64__)
#define MULTIARCH "x86_64-linux-gnu"
#elif defined(__aarch64__)
#define MULTIARCH "aarch64-linux-gnu"
#else
#define MULTIARCH "unknown"
#endif

static const char *const lib_dirs[] = {
	"/lib/" MULTIARCH, "/usr/lib/" MULTIARCH, "/lib64", "/usr/lib64", "/lib", "/usr/lib",
	"/usr/local/lib", NULL,
};

/* "libc.so.6", "libc.so" or "libc-2.31.so" for "c"; not "libcap.so". */
static bool is_lib(const char *file, const char *name)
{
	size_t n = strlen(name);

	if (strncmp(file, "lib", 3) || strncmp(file + 3, name, n))
		return false;
	file += 3 + n;
	if (!strncmp(file, ".so", 3))
		return file[3] == '\0' || file[3] == '.';
	return file[0] == '-' && strstr(file, ".so") != NULL;
}

static bool is_elf_file(const char *path)
{
	char magic[4];
	struct stat st;
	FILE *f;
	bool ok;

	if (stat(path, &st) || !S_ISREG(st.st_mode))
		return false;
	f = fopen(path, "re");
	if (!f)
		return false;
	ok = fread(magic, 1, 4, f) == 4 && !memcmp(magic, "\177ELF", 4);
	fclose(f);
	return ok;
}

/* The library @name among the file mappings of @pid (0: ourselves). */
static bool mapped_lib(pid_t pid, const char *name, char *path, size_t size)
{
	char maps[64], *line = NULL;
	const char *file, *slash;
	size_t cap = 0;
	struct pk__map m;
	bool found = false;
	FILE *f;

	if (pid)
		snprintf(maps, sizeof(maps), "/proc/%d/maps", pid);
	else
		snprintf(maps, sizeof(maps), "/proc/self/maps");
	f = fopen(maps, "re");
	if (!f)
		return false;
	while (!found && getline(&line, &cap, f) > 0) {
		if (pk__parse_maps_line(line, &m, &file) || file[0] != '/')
			continue;
		((char *)file)[strcspn(file, "\n")] = '\0';
		slash = strrchr(file, '/');
		if (!is_lib(slash + 1, name))
			continue;
		if (!pid)
			found = snprintf(path, size, "%s", file) < (int)size;
		else if (strstr(file, " (deleted)"))
			/* map_files reaches the very file, even unlinked */
			found = snprintf(path, size, "/proc/%d/map_files/%" PRIx64 "-%" PRIx64, pid,
					 m.start, m.end) < (int)size;
		else
			found = snprintf(path, size, "/proc/%d/root%s", pid, file) < (int)size;
	}
	free(line);
	fclose(f);
	return found;
}

/* lib<name>.so.N before lib<name>.so, which is often a linker script. */
static bool system_lib(const char *name, char *path, size_t size)
{
	int i, pass;

	for (pass = 0; pass < 2; pass++) {
		for (i = 0; lib_dirs[i]; i++) {
			DIR *d = opendir(lib_dirs[i]);
			struct dirent *e;
			bool found = false;

			while (d && !found && (e = readdir(d))) {
				bool versioned = strstr(e->d_name, ".so.") != NULL;

				if (!is_lib(e->d_name, name) || versioned != (pass == 0))
					continue;
				if (snprintf(path, size, "%s/%s", lib_dirs[i], e->d_name) >= (int)size)
					continue;
				found = is_elf_file(path);
			}
			if (d)
				closedir(d);
			if (found)
				return true;
		}
	}
	return false;
}

static bool on_path(const char *name, char *path, size_t size)
{
	const char *env = getenv("PATH");
	char *dirs, *dir, *save;
	bool found = false;

	dirs = strdup(env ? env : "/usr/local/bin:/usr/bin:/bin");
	for (dir = dirs ? strtok_r(dirs, ":", &save) : NULL; dir && !found;
	     dir = strtok_r(NULL, ":", &save)) {
		if (snprintf(path, size, "%s/%s", dir, name) < (int)size)
			found = is_elf_file(path) && access(path, X_OK) == 0;
	}
	free(dirs);
	return found;
}

int pk_uprobe_find_binary(const char *binary, pid_t pid, char *path, size_t size, char *why,
			  size_t why_size)
{
	if (strchr(binary, '/')) {
		if (pid && binary[0] == '/')
			snprintf(path, size, "/proc/%d/root%s", pid, binary);
		else
			snprintf(path, size, "%s", binary);
		if (is_elf_file(path))
			return 0;
		snprintf(why, why_size, "%s: %s", binary,
			 access(path, F_OK) ? "no such file" : "not an ELF file");
		return -ENOENT;
	}
	if (pid && mapped_lib(pid, binary, path, size))
		return 0;
	if (mapped_lib(0, binary, path, size) || system_lib(binary, path, size) ||
	    on_path(binary, path, size))
		return 0;
	if (pid)
		snprintf(why, why_size,
			 "cannot find library lib%s.so in the maps of pid %d or in the system's "
			 "library directories, nor a program %s on $PATH",
			 binary, pid, binary);
	else
		snprintf(why, why_size,
			 "cannot find library lib%s.so in the system's library directories, nor "
			 "a program %s on $PATH",
			 binary, binary);
	return -ENOENT;
}

static void explain_attach_error(int err, const char *where, bool ret, char *why,
				 size_t why_size)
{
	const char *kind = ret ? "uretprobe" : "uprobe";

	if (err == -EINVAL)
		snprintf(why, why_size,
			 "attaching a %s to %s failed: EINVAL. Most often another uprobe on the "
			 "same function with a different ref_ctr_offset (a USDT semaphore) is in "
			 "place: dmesg then says \"ref_ctr_offset mismatch\"",
			 kind, where);
	else if (err == -ENOENT)
		snprintf(why, why_size, "attaching a %s to %s failed: %s (is the uprobe PMU "
			 "there? /sys/bus/event_source/devices/uprobe)", kind, where,
			 strerror(-err));
	else
		snprintf(why, why_size, "attaching a %s to %s failed: %s", kind, where,
			 strerror(-err));
}

/* "no symbol mallco in libc.so.6; did you mean malloc?" */
static void no_symbol(const char *path, const char *sym, char *why, size_t why_size)
{
	struct pk_suggest *s = pk_suggest__new(sym, 3);
	char near[256] = "";

	if (s && !pk_targets_elf_functions(path, pk_suggest__add_cb, s))
		pk_suggest__format(s, NULL, near, sizeof(near));
	pk_suggest__free(s);
	snprintf(why, why_size, "no symbol %s in %s%s%s%s", sym, path,
		 near[0] ? "; did you mean " : "", near, near[0] ? "?" : "");
}

static int symbol_offset(struct pk_usyms *shared, const char *path, const char *sym,
			 uint64_t *off, char *why, size_t why_size)
{
	struct pk_usyms *u = shared ? shared : pk_usyms__new(NULL);
	int err;

	if (!u)
		return -errno;
	err = pk_usyms__find_symbol(u, path, sym, NULL, off, NULL);
	if (!shared)
		pk_usyms__free(u);
	if (err == -ENOENT)
		no_symbol(path, sym, why, why_size);
	else if (err == -ERANGE)
		snprintf(why, why_size, "symbol %s in %s is not in a loaded segment", sym, path);
	else if (err)
		snprintf(why, why_size, "cannot read symbols of %s: %s", path, strerror(-err));
	return err;
}

struct bpf_link *pk_uprobe_attach(struct bpf_program *prog, const char *binary, const char *sym,
				  const struct pk_uprobe_opts *opts, char *why, size_t why_size)
{
	LIBBPF_OPTS(bpf_uprobe_opts, uopts);
	pid_t pid = PK_OPTS_GET(opts, pid, 0);
	bool retprobe = PK_OPTS_GET(opts, retprobe, false);
	char path[PATH_MAX], where[PATH_MAX + 128];
	uint64_t off = 0;
	struct bpf_link *link;
	int err;

	if (!PK_OPTS_VALID(opts, pk_uprobe_opts)) {
		snprintf(why, why_size, "invalid pk_uprobe_opts: unknown options set");
		errno = EINVAL;
		return NULL;
	}
	err = pk_uprobe_find_binary(binary, pid, path, sizeof(path), why, why_size);
	if (!err && sym)
		err = symbol_offset(PK_OPTS_GET(opts, usyms, NULL), path, sym, &off, why,
				    why_size);
	if (err) {
		errno = -err;
		return NULL;
	}
	off += PK_OPTS_GET(opts, offset, 0);
	uopts.retprobe = retprobe;
	uopts.bpf_cookie = PK_OPTS_GET(opts, cookie, 0);
	link = bpf_program__attach_uprobe_opts(prog, pid ? pid : -1, path, off, &uopts);
	err = libbpf_get_error(link);
	if (!err)
		return link;
	if (sym)
		snprintf(where, sizeof(where), "%s in %s", sym, path);
	else
		snprintf(where, sizeof(where), "offset 0x%" PRIx64 " of %s", off, path);
	explain_attach_error((int)err, where, retprobe, why, why_size);
	errno = (int)-err;
	return NULL;
}

int pk__uprobe_multi_attach(const struct bpf_program *prog, const char *lib, pid_t pid,
			    bool retprobe, const char *const *syms, const __u64 *cookies,
			    unsigned int n, struct pk_usyms *shared, char *why, size_t why_size)
{
	char path[PATH_MAX];
	struct pk_usyms *u;
	unsigned long *offs;
	unsigned int i;
	uint64_t off;
	int err, fd;

	err = pk_uprobe_find_binary(lib, pid, path, sizeof(path), why, why_size);
	if (err)
		return err;
	offs = calloc(n ? n : 1, sizeof(*offs));
	u = shared ? shared : pk_usyms__new(NULL);
	err = offs && u ? 0 : -ENOMEM;
	for (i = 0; i < n && !err; i++) {
		err = symbol_offset(u, path, syms[i], &off, why, why_size);
		offs[i] = off;
	}
	if (!shared)
		pk_usyms__free(u);
	if (err) {
		free(offs);
		if (err == -ENOMEM)
			pk__why(why, why_size, "%s", strerror(ENOMEM));
		return err;
	}
	fd = pk__uprobe_multi_link(bpf_program__fd(prog), path, offs, cookies, n, pid,
				   retprobe ? PK__BPF_F_UPROBE_MULTI_RETURN : 0);
	free(offs);
	if (fd < 0)
		pk__why(why, why_size, "attaching %s to %u function%s of %s as one uprobe_multi "
			"link failed: %s", bpf_program__name(prog), n, n == 1 ? "" : "s", path,
			strerror(-fd));
	return fd;
}
