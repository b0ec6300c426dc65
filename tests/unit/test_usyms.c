// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The user-space symbolizer against the ELF fixtures that
 * tests/fixtures/build.sh makes at test time (build/tests/fixtures): the
 * expected answers come from `nm -S` of the unstripped binaries.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf_common.h>
#include <probekit/usyms.h>

#include "../../lib/sym/sym.h"
#include "unit.h"

#define ALL (PK_USYM_OFFSET | PK_USYM_MODULE)
#define DATA (ALL | PK_USYM_DATA)

static const char *fixtures(void)
{
	static char dir[PATH_MAX];
	char exe[PATH_MAX];
	ssize_t n;

	if (dir[0])
		return dir;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return "build/tests/fixtures";
	exe[n] = '\0';
	snprintf(dir, sizeof(dir), "%s/fixtures", dirname(exe));
	return dir;
}

static const char *fixture(const char *name)
{
	static char paths[8][PATH_MAX];
	static int next;
	char *p = paths[next++ % 8];

	snprintf(p, PATH_MAX, "%s/%s", fixtures(), name);
	return p;
}

static bool have_fixtures(void)
{
	if (access(fixture(".stamp"), F_OK) == 0)
		return true;
	pk_unit_fail(__FILE__, __LINE__, "no fixtures in %s: run `make test` or `make unit`",
		     fixtures());
	return false;
}

/* The address and size of @name in the `nm -S` listing of @bin. */
static bool nm_sym(const char *bin, const char *name, uint64_t *addr, uint64_t *size)
{
	char path[PATH_MAX], line[512], sym[256], type;
	unsigned long long a, s;
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "%s.nm", fixture(bin));
	f = fopen(path, "r");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		/* symbols without a size have no size column */
		if (sscanf(line, "%llx %llx %c %255s", &a, &s, &type, sym) != 4 &&
		    (s = 0, sscanf(line, "%llx %c %255s", &a, &type, sym)) != 3)
			continue;
		if (!strcmp(sym, name)) {
			*addr = a;
			*size = s;
			found = true;
		}
	}
	fclose(f);
	if (!found)
		pk_unit_fail(__FILE__, __LINE__, "%s not in %s", name, path);
	return found;
}

static struct pk_usyms *new_usyms(const char *debug_dir)
{
	LIBBPF_OPTS(pk_usyms_opts, opts, .debug_dir = debug_dir);

	return pk_usyms__new(&opts);
}

/* What @bin says for symbol @name (its address per @nm) plus @off. */
static char *file_sym(struct pk_usyms *u, const char *bin, const char *nm, const char *name,
		      uint64_t off, unsigned int flags)
{
	static char buf[512];
	struct pk_usym s;
	uint64_t addr, size;
	int err;

	if (!nm_sym(nm, name, &addr, &size))
		return "(no nm)";
	err = pk_usyms__resolve_file(u, fixture(bin), addr + off, flags, &s);
	if (err == -ENOENT)
		return "[unknown]";
	if (err)
		return "(error)";
	snprintf(buf, sizeof(buf), "%s+0x%" PRIx64, s.name, s.offset);
	return buf;
}

PK_TEST(usyms_symtab_pie_nopie_lib)
{
	struct pk_usyms *u = new_usyms(NULL);

	if (!have_fixtures())
		return;
	CHECK_STR(file_sym(u, "pie", "pie", "fix_func_a", 0, 0), "fix_func_a+0x0");
	CHECK_STR(file_sym(u, "pie", "pie", "fix_func_a", 0x10, 0), "fix_func_a+0x10");
	CHECK_STR(file_sym(u, "pie", "pie", "fix_static", 5, 0), "fix_static+0x5");
	CHECK_STR(file_sym(u, "pie", "pie", "fix_data", 8, PK_USYM_DATA), "fix_data+0x8");
	/* a variable names an address only when data is asked for */
	CHECK_STR(file_sym(u, "pie", "pie", "fix_data", 8, 0), "[unknown]");
	CHECK_STR(file_sym(u, "nopie", "nopie", "fix_func_b", 3, 0), "fix_func_b+0x3");
	CHECK_STR(file_sym(u, "nopie", "nopie", "fix_static", 1, 0), "fix_static+0x1");
	CHECK_STR(file_sym(u, "libfix.so", "libfix.so", "fix_lib_func", 7, 0), "fix_lib_func+0x7");
	CHECK_STR(file_sym(u, "libfix.so", "libfix.so", "fix_lib_private", 4, PK_USYM_DATA),
		  "fix_lib_private+0x4");
	pk_usyms__free(u);
}

PK_TEST(usyms_no_attribution_past_the_end)
{
	struct pk_usyms *u = new_usyms(NULL);
	uint64_t addr, size;
	char want[64], *got;

	if (!have_fixtures() || !nm_sym("pie", "fix_static", &addr, &size))
		return;
	snprintf(want, sizeof(want), "fix_static+0x%" PRIx64, size - 1);
	CHECK_STR(file_sym(u, "pie", "pie", "fix_static", size - 1, 0), want);
	got = file_sym(u, "pie", "pie", "fix_static", size, 0);
	CHECK(strncmp(got, "fix_static+", 11) != 0);
	/* the ELF header of a non-PIE is mapped but belongs to no symbol */
	CHECK_INT(pk_usyms__resolve_file(u, fixture("nopie"), 0x400000, 0,
					 &(struct pk_usym){ 0 }), -ENOENT);
	pk_usyms__free(u);
}

PK_TEST(usyms_debuglink_with_crc)
{
	struct pk_usyms *u = new_usyms(NULL);

	if (!have_fixtures())
		return;
	/* strip removed .symtab, so a local function comes from the debug file */
	CHECK_STR(file_sym(u, "debuglink", "pie", "fix_static", 6, 0), "fix_static+0x6");
	CHECK_STR(file_sym(u, "debuglink", "pie", "fix_func_a", 0, 0), "fix_func_a+0x0");
	/* a debug file whose CRC is wrong is not used */
	CHECK_STR(file_sym(u, "badcrc", "pie", "fix_static", 6, 0), "[unknown]");
	pk_usyms__free(u);
}

PK_TEST(usyms_build_id_debug_dir)
{
	char dir[PATH_MAX];
	struct pk_usyms *u, *plain = new_usyms(NULL);

	if (!have_fixtures())
		return;
	snprintf(dir, sizeof(dir), "%s", fixture("debug"));
	u = new_usyms(dir);
	CHECK_STR(file_sym(u, "buildid", "pie", "fix_static", 2, 0), "fix_static+0x2");
	CHECK_STR(file_sym(u, "buildid", "pie", "fix_data", 0, PK_USYM_DATA), "fix_data+0x0");
	CHECK_STR(file_sym(plain, "buildid", "pie", "fix_static", 2, 0), "[unknown]");
	/* a file at the right path with another build-id inside is refused */
	CHECK_STR(file_sym(u, "otherbuild", "pie", "fix_static", 2, 0), "[unknown]");
	pk_usyms__free(u);
	pk_usyms__free(plain);
}

PK_TEST(usyms_minidebuginfo)
{
	struct pk_usyms *u = new_usyms(NULL);

	if (!have_fixtures())
		return;
	CHECK_STR(file_sym(u, "minidebug", "pie", "fix_static", 9, 0), "fix_static+0x9");
	CHECK_STR(file_sym(u, "minidebug", "pie", "fix_func_b", 1, 0), "fix_func_b+0x1");
	pk_usyms__free(u);
}

PK_TEST(usyms_cxx_demangled)
{
	struct pk_usyms *u = new_usyms(NULL);
	LIBBPF_OPTS(pk_usyms_opts, raw_opts, .no_demangle = true);
	struct pk_usyms *raw;

	if (!have_fixtures())
		return;
	raw = pk_usyms__new(&raw_opts);
	CHECK_STR(file_sym(u, "cxx", "cxx", "_ZN3fix6Widget6methodEi", 4, 0),
		  "fix::Widget::method(int)+0x4");
	CHECK_STR(file_sym(u, "cxx", "cxx", "_ZN3fix5twiceIlEET_S1_", 0, 0),
		  "long fix::twice<long>(long)+0x0");
	CHECK_STR(file_sym(u, "cxx", "cxx", "_ZN3fix6Widget6methodEi", 4, PK_USYM_MANGLED),
		  "_ZN3fix6Widget6methodEi+0x4");
	CHECK_STR(file_sym(raw, "cxx", "cxx", "_ZN3fix6Widget6methodEi", 4, 0),
		  "_ZN3fix6Widget6methodEi+0x4");
	pk_usyms__free(u);
	pk_usyms__free(raw);
}

PK_TEST(usyms_sizeless_symbols_reach_the_next_symbol)
{
	struct pk_usyms *u = new_usyms(NULL);
	uint64_t addr, size, next, next_size;
	char want[64];

	if (!have_fixtures())
		return;
	/* as eu-addr2line and gdb: "_init+0x5", not only at the exact start */
	CHECK_STR(file_sym(u, "pie", "pie", "_init", 5, 0), "_init+0x5");
	CHECK_STR(file_sym(u, "nopie", "nopie", "_init", 5, 0), "_init+0x5");
	CHECK_STR(file_sym(u, "pie", "pie", "frame_dummy", 5, 0), "frame_dummy+0x5");
	CHECK_STR(file_sym(u, "pie", "pie", "register_tm_clones", 5, 0), "register_tm_clones+0x5");
	CHECK_STR(file_sym(u, "pie", "pie", "deregister_tm_clones", 1, 0),
		  "deregister_tm_clones+0x1");
	CHECK_STR(file_sym(u, "pie", "pie", "_fini", 4, 0), "_fini+0x4");
	/* from a debug file too */
	CHECK_STR(file_sym(u, "debuglink", "pie", "frame_dummy", 5, 0), "frame_dummy+0x5");
	/* up to the next symbol, not into it */
	if (nm_sym("pie", "register_tm_clones", &addr, &size) &&
	    nm_sym("pie", "__do_global_dtors_aux", &next, &next_size)) {
		snprintf(want, sizeof(want), "register_tm_clones+0x%" PRIx64, next - addr - 1);
		CHECK_STR(file_sym(u, "pie", "pie", "register_tm_clones", next - addr - 1, 0), want);
		CHECK_STR(file_sym(u, "pie", "pie", "__do_global_dtors_aux", 0, 0),
			  "__do_global_dtors_aux+0x0");
	}
	/* nor past the end of its section: _init is alone in .init (0x17 bytes
	 * here), and what follows is the PLT */
	CHECK(strncmp(file_sym(u, "pie", "pie", "_init", 0x20, 0), "_init", 5) != 0);
	/* a sized symbol keeps its size: the padding after _start is nobody's */
	if (nm_sym("pie", "_start", &addr, &size) && nm_sym("pie", "deregister_tm_clones", &next,
							     &next_size) && addr + size < next)
		CHECK_STR(file_sym(u, "pie", "pie", "_start", size, 0), "[unknown]");
	pk_usyms__free(u);
}

/* Every stub objdump names in @bin's .plt listing resolves to that name. */
static void check_plt(struct pk_usyms *u, const char *bin, const char *listing)
{
	char path[PATH_MAX], line[512], name[400], got[512];
	unsigned long long addr;
	struct pk_usym s;
	int n = 0, off;
	FILE *f;

	snprintf(path, sizeof(path), "%s.plt", fixture(listing));
	f = fopen(path, "r");
	if (!f) {
		pk_unit_fail(__FILE__, __LINE__, "no %s", path);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %399s", &addr, name) != 2)
			continue;
		for (off = 0; off < 8; off += 5) {
			if (pk_usyms__resolve_file(u, fixture(bin), addr + off, PK_USYM_MANGLED, &s))
				snprintf(got, sizeof(got), "[unknown]");
			else
				snprintf(got, sizeof(got), "%s+0x%" PRIx64, s.name, s.offset);
			snprintf(line, sizeof(line), "%s+0x%x", name, off);
			if (strcmp(got, line))
				pk_unit_fail(__FILE__, __LINE__, "%s at %#llx: %s, objdump says %s", bin,
					     addr + off, got, line);
		}
		n++;
	}
	fclose(f);
	if (!n)
		pk_unit_fail(__FILE__, __LINE__, "%s: objdump names no PLT stub", bin);
}

PK_TEST(usyms_plt_stubs_named_as_gdb_does)
{
	struct pk_usyms *u = new_usyms(NULL);
	struct pk_usym s;
	uint64_t addr, size;

	if (!have_fixtures())
		return;
	check_plt(u, "pie", "pie");		/* lazy .plt and .plt.got */
	check_plt(u, "nopie", "nopie");
	check_plt(u, "ibt", "ibt");		/* IBT: .plt.sec */
	check_plt(u, "now", "now");		/* -z now */
	check_plt(u, "libfix.so", "libfix.so");
	check_plt(u, "cxx", "cxx");
	/* a stripped binary keeps its stubs and relocations */
	check_plt(u, "debuglink", "pie");
	check_plt(u, "minidebug", "pie");
	/* C++ stubs are demangled as gdb shows them */
	if (nm_sym("cxx", "main", &addr, &size)) {
		char path[PATH_MAX], line[256], name[200];
		unsigned long long a;
		FILE *f;

		snprintf(path, sizeof(path), "%s.plt", fixture("cxx"));
		f = fopen(path, "r");
		while (f && fgets(line, sizeof(line), f)) {
			if (sscanf(line, "%llx %199s", &a, name) == 2 && !strcmp(name, "_Znwm@plt")) {
				CHECK_INT(pk_usyms__resolve_file(u, fixture("cxx"), a + 1, 0, &s), 0);
				CHECK_STR(s.name, "operator new(unsigned long)@plt");
			}
		}
		if (f)
			fclose(f);
	}
	/* IBT's lazy-binding stubs in .plt push their .rela.plt index */
	check_plt(u, "ibt", "ibt-lazy");
	pk_usyms__free(u);
}

PK_TEST(usyms_find_symbol_file_offset)
{
	struct pk_usyms *u = new_usyms(NULL);
	uint64_t addr, size, vaddr, off, sz;

	if (!have_fixtures() || !nm_sym("nopie", "fix_func_a", &addr, &size))
		return;
	CHECK_INT(pk_usyms__find_symbol(u, fixture("nopie"), "fix_func_a", &vaddr, &off, &sz), 0);
	CHECK_INT(vaddr, addr);
	CHECK_INT(sz, size);
	/* non-PIE text is linked at 0x400000 + its file offset */
	CHECK_INT(off, addr - 0x400000);
	CHECK_INT(pk_usyms__find_symbol(u, fixture("nopie"), "no_such_function", NULL, NULL,
					NULL), -ENOENT);
	CHECK(pk_usyms__find_symbol(u, fixture("no-such-file"), "main", NULL, NULL, NULL) < 0);
	pk_usyms__free(u);
}

/* Live processes ------------------------------------------------------------------- */

struct served {
	pid_t pid;
	int in;
	char names[16][32];
	uint64_t addrs[16];
	int n;
};

/* Runs @argv (a fixture with "serve") and reads the addresses it prints. */
static bool serve(struct served *s, char *const argv[], void (*setup)(void *), void *arg)
{
	int to[2], from[2];
	char line[256];
	FILE *f;

	memset(s, 0, sizeof(*s));
	if (pipe(to) || pipe(from))
		return false;
	s->pid = fork();
	if (s->pid == 0) {
		dup2(to[0], 0);
		dup2(from[1], 1);
		close(to[1]);
		close(from[0]);
		if (setup)
			setup(arg);
		execv(argv[0], argv);
		_exit(127);
	}
	close(to[0]);
	close(from[1]);
	s->in = to[1];
	f = fdopen(from[0], "r");
	while (f && fgets(line, sizeof(line), f) && strncmp(line, "ready", 5)) {
		unsigned long long a;

		if (s->n < 16 && sscanf(line, "%31s %llx", s->names[s->n], &a) == 2)
			s->addrs[s->n++] = a;
	}
	if (f)
		fclose(f);
	return s->n > 0;
}

static void unserve(struct served *s)
{
	close(s->in);
	if (s->pid > 0)
		waitpid(s->pid, NULL, 0);
}

static uint64_t served_addr(const struct served *s, const char *name)
{
	int i;

	for (i = 0; i < s->n; i++) {
		if (!strcmp(s->names[i], name))
			return s->addrs[i];
	}
	pk_unit_fail(__FILE__, __LINE__, "the fixture did not print %s", name);
	return 0;
}

static const char *live_sym(struct pk_usyms *u, const struct served *s, const char *name,
			    uint64_t off)
{
	static char buf[512];

	return pk_usyms__sym(u, s->pid, served_addr(s, name) + off, DATA, buf, sizeof(buf));
}

static void check_served(struct pk_usyms *u, const struct served *s, const char *bin)
{
	char want[128];

	snprintf(want, sizeof(want), "fix_func_a+0x2 (%s)", bin);
	CHECK_STR(live_sym(u, s, "fix_func_a", 2), want);
	snprintf(want, sizeof(want), "fix_static+0x0 (%s)", bin);
	CHECK_STR(live_sym(u, s, "fix_static", 0), want);
	snprintf(want, sizeof(want), "fix_data+0x4 (%s)", bin);
	CHECK_STR(live_sym(u, s, "fix_data", 4), want);
	/* a non-PIE's function pointer to a library is its PLT stub */
	if (strcmp(bin, "nopie"))
		CHECK_STR(live_sym(u, s, "fix_lib_func", 0x11), "fix_lib_func+0x11 (libfix.so)");
	CHECK_STR(live_sym(u, s, "fix_lib_private", 8), "fix_lib_private+0x8 (libfix.so)");
}

PK_TEST(usyms_live_pie_and_nopie)
{
	struct pk_usyms *u = new_usyms(NULL);
	struct served s;
	char buf[256];
	char *argv[] = { NULL, "serve", NULL };

	if (!have_fixtures())
		return;
	argv[0] = (char *)fixture("pie");
	CHECK(serve(&s, argv, NULL, NULL));
	check_served(u, &s, "pie");
	/* name only, and the module's full path */
	CHECK_STR(pk_usyms__sym(u, s.pid, served_addr(&s, "fix_func_b") + 1, 0, buf, sizeof(buf)),
		  "fix_func_b");
	pk_usyms__sym(u, s.pid, served_addr(&s, "fix_func_b"), PK_USYM_MODULE | PK_USYM_FULL_PATH,
		      buf, sizeof(buf));
	CHECK(strstr(buf, "fix_func_b (/") && strstr(buf, "/fixtures/pie)"));
	unserve(&s);

	argv[0] = (char *)fixture("nopie");
	CHECK(serve(&s, argv, NULL, NULL));
	check_served(u, &s, "nopie");
	CHECK_STR(pk_usyms__sym(u, s.pid, 0x400000, ALL, buf, sizeof(buf)), "[unknown] (nopie)");
	CHECK_STR(pk_usyms__sym(u, s.pid, 0x10, ALL, buf, sizeof(buf)), "[unknown]");
	unserve(&s);
	pk_usyms__free(u);
}

/* Once it has seen a process, the symbolizer still knows it after it exits. */
PK_TEST(usyms_after_exit)
{
	struct pk_usyms *u = new_usyms(NULL);
	struct served s;
	char *argv[] = { (char *)fixture("pie"), "serve", NULL };

	if (!have_fixtures())
		return;
	CHECK(serve(&s, argv, NULL, NULL));
	CHECK_INT(pk_usyms__load_pid(u, s.pid), 0);
	unserve(&s);
	check_served(u, &s, "pie");
	pk_usyms__free(u);
}

PK_TEST(usyms_deleted_binary)
{
	struct pk_usyms *u = new_usyms(NULL);
	char path[PATH_MAX], cmd[PATH_MAX * 2 + 16];
	char *argv[] = { path, "serve", NULL };
	struct served s;

	if (!have_fixtures())
		return;
	snprintf(path, sizeof(path), "%s", fixture("deleted-pie"));
	snprintf(cmd, sizeof(cmd), "cp %s %s", fixture("pie"), path);
	CHECK_INT(system(cmd), 0);
	CHECK(serve(&s, argv, NULL, NULL));
	unlink(path);
	check_served(u, &s, "deleted-pie");
	unserve(&s);
	pk_usyms__free(u);
}

/* The child: a mount namespace of its own, with a tmpfs only it sees. */
static void private_copy(void *arg)
{
	const char *dir = arg;
	char cmd[PATH_MAX * 3];

	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("none", dir, "tmpfs", 0, NULL))
		_exit(126);
	snprintf(cmd, sizeof(cmd), "cp %s %s %s/", fixture("pie"), fixture("libfix.so"), dir);
	if (system(cmd))
		_exit(125);
}

PK_TEST(usyms_other_mount_namespace)
{
	struct pk_usyms *u = new_usyms(NULL);
	char dir[PATH_MAX], exe[PATH_MAX + 8];
	char *argv[] = { exe, "serve", NULL };
	struct served s;

	if (!have_fixtures())
		return;
	if (geteuid() != 0) {
		printf("  (usyms_other_mount_namespace needs root: not run)\n");
		pk_usyms__free(u);
		return;
	}
	snprintf(dir, sizeof(dir), "%s", fixture("nsdir"));
	mkdir(dir, 0755);
	snprintf(exe, sizeof(exe), "%s/pie", dir);
	CHECK(serve(&s, argv, private_copy, dir));
	/* invisible from here: only map_files or /proc/PID/root reach it */
	CHECK(access(exe, F_OK) != 0);
	check_served(u, &s, "pie");
	unserve(&s);
	pk_usyms__free(u);
}

/* Our own process: the vDSO, a JIT perf map, and a library loaded later. */
static uint64_t vdso_symbol(const char *want)
{
	uint64_t base = getauxval(AT_SYSINFO_EHDR);
	Elf *elf;
	Elf_Scn *scn = NULL;
	uint64_t found = 0;

	if (!base)
		return 0;
	elf_version(EV_CURRENT);
	/* the vDSO's size is not known here; its headers are in the first page */
	elf = elf_memory((char *)base, 2 * sysconf(_SC_PAGESIZE));
	while (elf && !found && (scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;
		GElf_Sym sym;
		int i;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNSYM)
			continue;
		d = elf_getdata(scn, NULL);
		for (i = 0; d && gelf_getsym(d, i, &sym); i++) {
			const char *n = elf_strptr(elf, sh.sh_link, sym.st_name);

			if (n && !strcmp(n, want))
				found = base + sym.st_value;
		}
	}
	elf_end(elf);
	return found;
}

PK_TEST(usyms_vdso)
{
	struct pk_usyms *u = new_usyms(NULL);
	uint64_t addr = vdso_symbol("__vdso_clock_gettime");
	char buf[256];

	CHECK(addr != 0);
	pk_usyms__sym(u, getpid(), addr + 1, ALL, buf, sizeof(buf));
	CHECK(strstr(buf, "clock_gettime+0x1 ([vdso])") != NULL);
	pk_usyms__free(u);
}

PK_TEST(usyms_perf_map)
{
	struct pk_usyms *u = new_usyms(NULL);
	char path[64], want[128], buf[256];
	size_t page = sysconf(_SC_PAGESIZE);
	char *jit = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	FILE *f;

	CHECK(jit != MAP_FAILED);
	snprintf(path, sizeof(path), "/tmp/perf-%d.map", getpid());
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (!f || jit == MAP_FAILED)
		return;
	fprintf(f, "%lx 40 jitted_one\n%lx 20 LazyCompile:*two app.js:3\n", (unsigned long)jit,
		(unsigned long)jit + 0x80);
	fclose(f);
	CHECK_STR(pk_usyms__sym(u, getpid(), (uint64_t)jit + 4, ALL, buf, sizeof(buf)),
		  (snprintf(want, sizeof(want), "jitted_one+0x4 (perf-%d.map)", getpid()), want));
	CHECK_STR(pk_usyms__sym(u, getpid(), (uint64_t)jit + 0x85, PK_USYM_OFFSET, buf,
				sizeof(buf)), "LazyCompile:*two app.js:3+0x5");
	/* between the two, and past the second: nothing */
	CHECK_STR(pk_usyms__sym(u, getpid(), (uint64_t)jit + 0x50, 0, buf, sizeof(buf)),
		  "[unknown]");
	CHECK_STR(pk_usyms__sym(u, getpid(), (uint64_t)jit + 0xa0, 0, buf, sizeof(buf)),
		  "[unknown]");
	unlink(path);
	munmap(jit, page);
	pk_usyms__free(u);
}

PK_TEST(usyms_rereads_maps_on_miss)
{
	struct pk_usyms *u = new_usyms(NULL);
	char buf[256];
	void *h, *fn;

	if (!have_fixtures())
		return;
	/* the first lookup reads our maps, before libfix.so is there */
	pk_usyms__sym(u, getpid(), (uint64_t)(uintptr_t)&new_usyms, 0, buf, sizeof(buf));
	CHECK_STR(buf, "new_usyms");
	h = dlopen(fixture("libfix.so"), RTLD_NOW);
	CHECK(h != NULL);
	if (!h)
		return;
	fn = dlsym(h, "fix_lib_func");
	CHECK_STR(pk_usyms__sym(u, getpid(), (uint64_t)(uintptr_t)fn + 3, ALL, buf, sizeof(buf)),
		  "fix_lib_func+0x3 (libfix.so)");
	dlclose(h);
	pk_usyms__free(u);
}

/* Malformed input ---------------------------------------------------------------- */

PK_TEST(usyms_truncated_and_corrupt_elf)
{
	static const char *const cuts[] = { "trunc.0", "trunc.4", "trunc.16", "trunc.52",
					    "trunc.64", "trunc.200", "trunc.1000", "trunc.4000" };
	char path[PATH_MAX], *image;
	struct pk_usym s;
	struct stat st;
	size_t i;
	int fd, round;

	if (!have_fixtures())
		return;
	for (i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		struct pk_usyms *u = new_usyms(NULL);

		pk_usyms__resolve_file(u, fixture(cuts[i]), 0x10f9, ALL, &s);
		pk_usyms__find_symbol(u, fixture(cuts[i]), "fix_lib_func", NULL, NULL, NULL);
		pk_usyms__free(u);
	}
	/* random bytes over a real library, many times: no crash, no hang */
	fd = open(fixture("libfix.so"), O_RDONLY);
	CHECK(fd >= 0 && fstat(fd, &st) == 0);
	image = malloc(st.st_size);
	CHECK(image && read(fd, image, st.st_size) == st.st_size);
	close(fd);
	snprintf(path, sizeof(path), "%s", fixture("corrupt.so"));
	srand(4);
	for (round = 0; round < 300; round++) {
		char *copy = malloc(st.st_size);
		struct pk_usyms *u = new_usyms(NULL);
		int k, flips = 1 + rand() % 16;

		memcpy(copy, image, st.st_size);
		for (k = 0; k < flips; k++) {
			/* headers are where the interesting lengths live */
			size_t at = rand() % (rand() % 2 ? 256 : st.st_size);

			copy[at] = (char)rand();
		}
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		CHECK(fd >= 0 && write(fd, copy, st.st_size) == st.st_size);
		close(fd);
		pk_usyms__resolve_file(u, path, 0x10f9 + rand() % 64, ALL, &s);
		pk_usyms__find_symbol(u, path, "fix_lib_func", NULL, NULL, NULL);
		pk_usyms__free(u);
		free(copy);
	}
	free(image);
	unlink(path);
}

PK_TEST(usyms_maps_lines)
{
	struct pk__map m;
	const char *path;
	static const char *const bad[] = {
		"", "\n", "garbage", "1000-", "2000-1000 r-xp 00000000 08:01 12 /x",
		"zz-1000 r-xp 0 08:01 1 /x", "1000-2000 r-xp", "1000-2000 r-xp 0 08:01",
		"1000-2000 r-xp 0 0801 5 /x",
	};
	size_t i;

	CHECK_INT(pk__parse_maps_line("55d0c0a00000-55d0c0a02000 r-xp 00001000 fe:01 1234567 "
				      "/usr/bin/with space (deleted)\n", &m, &path), 0);
	CHECK_INT(m.start, 0x55d0c0a00000ull);
	CHECK_INT(m.end, 0x55d0c0a02000ull);
	CHECK_INT(m.pgoff, 0x1000);
	CHECK_INT(m.ino, 1234567);
	CHECK_STR(m.perms, "r-xp");
	CHECK_STR(path, "/usr/bin/with space (deleted)\n");
	CHECK_INT(pk__parse_maps_line("7ffc1000-7ffc3000 r-xp 00000000 00:00 0 [vdso]", &m, &path),
		  0);
	CHECK_STR(path, "[vdso]");
	CHECK_INT(pk__parse_maps_line("7f0000000000-7f0000001000 rw-p 00000000 00:00 0 ", &m,
				      &path), 0);
	CHECK_STR(path, "");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_INT(pk__parse_maps_line(bad[i], &m, &path), -EINVAL);
}

/* Not an assertion: how long a warm lookup takes, for the record. */
PK_TEST(usyms_warm_cache_speed)
{
	struct pk_usyms *u = new_usyms(NULL);
	struct timespec a, b;
	char buf[256];
	uint64_t frames[20];
	int i, round;

	for (i = 0; i < 20; i++)
		frames[i] = (uint64_t)(uintptr_t)(i % 2 ? (void *)&printf : (void *)&new_usyms) + i;
	for (i = 0; i < 20; i++)
		pk_usyms__sym(u, getpid(), frames[i], ALL, buf, sizeof(buf));
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (round = 0; round < 1000; round++)
		for (i = 0; i < 20; i++)
			pk_usyms__sym(u, getpid(), frames[i], ALL, buf, sizeof(buf));
	clock_gettime(CLOCK_MONOTONIC, &b);
	CHECK(strstr(buf, "printf") != NULL);
	printf("  (usyms: a 20-frame stack, warm, in %.2f us)\n",
	       ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / 1000.0 / 1000.0);
	pk_usyms__free(u);
}

/*
 * A JIT in its own pid and mount namespaces: it is pid 1 there and writes
 * /tmp/perf-1.map on a /tmp that only it sees. The symbolizer must use
 * the pid from NSpid and read the file through /proc/PID/root.
 */
static void jit_grandchild(int in, int out)
{
	size_t page = sysconf(_SC_PAGESIZE);
	char *jit = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char path[64], c;
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/perf-%d.map", getpid());
	f = fopen(path, "w");
	if (jit == MAP_FAILED || !f)
		_exit(1);
	fprintf(f, "%lx 30 jitted_in_ns\n", (unsigned long)jit);
	fclose(f);
	dprintf(out, "jit %lx\nready\n", (unsigned long)jit);
	while (read(in, &c, 1) > 0)
		;
	_exit(0);
}

static void jit_middle(int in, int out)
{
	pid_t pid;

	if (unshare(CLONE_NEWPID | CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("none", "/tmp", "tmpfs", 0, NULL))
		_exit(126);
	pid = fork();
	if (pid == 0)
		jit_grandchild(in, out);
	/* the grandchild's pid out here, where we still live */
	dprintf(out, "pid %d\n", pid);
	waitpid(pid, NULL, 0);
	_exit(0);
}

PK_TEST(usyms_perf_map_in_pid_namespace)
{
	struct pk_usyms *u = new_usyms(NULL);
	unsigned long long jit = 0;
	int to[2], from[2], pid = 0;
	char line[128], buf[256];
	bool ready = false;
	pid_t middle;
	FILE *f;

	if (geteuid() != 0) {
		printf("  (usyms_perf_map_in_pid_namespace needs root: not run)\n");
		pk_usyms__free(u);
		return;
	}
	CHECK(pipe(to) == 0 && pipe(from) == 0);
	fflush(NULL);
	middle = fork();
	if (middle == 0) {
		close(to[1]);
		close(from[0]);
		jit_middle(to[0], from[1]);
	}
	close(to[0]);
	close(from[1]);
	f = fdopen(from[0], "r");
	/* two writers: the pid and "ready" come in either order */
	while (f && (!pid || !ready) && fgets(line, sizeof(line), f)) {
		sscanf(line, "pid %d", &pid);
		sscanf(line, "jit %llx", &jit);
		ready |= !strncmp(line, "ready", 5);
	}
	CHECK(pid > 0 && jit != 0);
	if (pid > 0 && jit)
		CHECK_STR(pk_usyms__sym(u, pid, jit + 4, ALL, buf, sizeof(buf)),
			  "jitted_in_ns+0x4 (perf-1.map)");
	close(to[1]);
	if (f)
		fclose(f);
	waitpid(middle, NULL, 0);
	pk_usyms__free(u);
}
