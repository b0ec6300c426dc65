# probekit build. `make` builds build/probekit, its tool symlinks,
# build/libprobekit.a and build/libprobekit.so*; `make test` runs every test.
#
# A tool is a directory tools/<name>/ holding <name>.c and, optionally,
# <name>.bpf.c; or <name>.bpf.c alone, a one-file tool whose object is
# compiled into the binary. Nothing here needs editing to add one.

VERSION := 0.1.0
BUILD ?= build
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
INCDIR ?= $(PREFIX)/include
MANDIR ?= $(PREFIX)/share/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
# the --metrics unit template (systemd also reads /usr/local/lib/systemd/system)
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
# The shared library's ABI version (its soname is libprobekit.so.$(SOVERSION)).
SOVERSION := 0
# Tools installed as commands of their own: bcc's names, which Debian's
# bpfcc-tools leaves free (it installs opensnoop-bpfcc, ...). Every other tool,
# generic names like `features` included, is installed only as `probekit TOOL`.
INSTALL_LINKS := opensnoop statsnoop stacksnoop mallocstacks
INSTALL_LINKS += execsnoop exitsnoop killsnoop sigsnoop syncsnoop setuids mountsnoop
INSTALL_LINKS += syscount funccount funclatency gethostlatency stackcount bashreadline threadsnoop capable
INSTALL_LINKS += memleak hardirqs softirqs oomkill drsnoop
INSTALL_LINKS += tcpconnect tcplife tcpstates tcpretrans tcpconnlat bindsnoop solisten tcprtt tcpdrop tcptop
INSTALL_LINKS += biolatency biosnoop vfsstat filelife bitesize biotop biopattern filetop ext4slower fsslower
INSTALL_LINKS += runqlat profile offcputime cpudist runqslower runqlen wakeuptime
INSTALL_LINKS += cachestat

CC ?= cc
CLANG ?= clang
# Debian puts bpftool in /usr/sbin, outside a user's PATH
BPFTOOL ?= $(or $(shell command -v bpftool),/usr/sbin/bpftool)
LLVM_STRIP ?= llvm-strip
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux
ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')

# SANITIZE=address,undefined builds everything with those sanitizers.
ifneq ($(SANITIZE),)
SAN_FLAGS := -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
endif

CFLAGS ?= -O2 -g
# Each function in a section of its own, so that the static link drops what no
# tool calls (--gc-sections below) and the code a start runs sits on fewer
# 64 KB fault-around windows: 64-320 KB less peak RSS per tool (docs/performance.md).
override CFLAGS += -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wno-missing-field-initializers \
	-ffunction-sections -fdata-sections -Iinclude -I$(BUILD) -I$(BUILD)/skel -DPK_VERSION='"$(VERSION)"' -MMD -MP $(SAN_FLAGS)
override LDFLAGS += $(SAN_FLAGS)
# build/probekit is linked statically (STATIC=0 for a dynamic one; sanitizer
# builds always are dynamic): a tool then maps 1.7 MB of its own pages, where
# shared libc, ld.so, libbpf, libelf, libz and liblzma mapped 2.6 MB, a third
# of the peak RSS (bench/README.md), about 1 MB more. The C++ demangler comes
# from libsupc++. (STATIC=1 also links the examples statically, as it did before.)
# SHARED=1 links it dynamically against build/libprobekit.so.0 too, as the
# Debian package does: a distribution's binaries use its shared libbpf, libelf
# and zlib, which get its security fixes (and libprobekit0 its own).
SHARED ?= 0
PK_LINK_STATIC := $(if $(SANITIZE)$(filter 1,$(SHARED)),0,$(if $(STATIC),$(STATIC),1))
PK_GC_SECTIONS := -Wl,--gc-sections
PK_STATIC := $(if $(filter 1,$(PK_LINK_STATIC)),-static -u __cxa_demangle $(PK_GC_SECTIONS))
PK_STATIC_LIBS := $(if $(filter 1,$(PK_LINK_STATIC)),-lsupc++)
LDLIBS := -lbpf -lelf -lz -llzma -lmd

# The multiarch directory holds <asm/...> for programs that use UAPI headers.
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -I$(BUILD) -Ibpf -Iinclude \
	-I/usr/include/$(shell $(CC) -dumpmachine) \
	-Wall -Werror -Wno-unused-function

# lib/ has one folder per layer (lib/README.md), built into $(BUILD)/lib/LAYER/
LIB_SRCS := $(wildcard lib/*/*.c)
LIB_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRCS))
TOOL_DIRS := $(sort $(dir $(wildcard tools/*/*.c)))
TOOLS := $(patsubst tools/%/,%,$(TOOL_DIRS))
BPF_SRCS := $(wildcard tools/*/*.bpf.c)
# the library's own BPF programs, embedded through their skeletons
LIB_BPF_SRCS := $(wildcard bpf/*.bpf.c)
SKELS := $(foreach s,$(BPF_SRCS) $(LIB_BPF_SRCS),$(BUILD)/skel/$(notdir $(s:.bpf.c=.skel.h)))
TOOL_SRCS := $(filter-out %.bpf.c,$(wildcard tools/*/*.c)) tools/probekit.c
# one-file tools: tools/NAME/NAME.bpf.c alone, run by run's machinery
ONEFILE_TOOLS := $(foreach t,$(TOOLS),$(if $(filter-out %.bpf.c,$(wildcard tools/$(t)/*.c)),,$(t)))
TOOL_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(TOOL_SRCS)) \
	$(patsubst %,$(BUILD)/onefile/%.o,$(ONEFILE_TOOLS))
UNIT_SRCS := $(wildcard tests/unit/*.c)
HELPER_SRCS := $(wildcard tests/helpers/*.c)
HELPERS := $(patsubst tests/helpers/%.c,$(BUILD)/tests/%,$(HELPER_SRCS))
FIXTURES := $(BUILD)/tests/fixtures/.stamp
# BPF objects the unit tests load (tests/bpf/*.bpf.c), with their BTF line info
TEST_BPF_OBJS := $(patsubst tests/bpf/%.bpf.c,$(BUILD)/tests/bpf/%.bpf.o,$(wildcard tests/bpf/*.bpf.c))

.PHONY: all lib test unit install clean format help-check examples bench test-kernels deb
.DELETE_ON_ERROR:
.SECONDARY:
.SECONDEXPANSION:

SHLIB := $(BUILD)/libprobekit.so.$(VERSION)

all: $(BUILD)/probekit $(BUILD)/libprobekit.a $(SHLIB) links

$(BUILD)/vmlinux.h: | $(BUILD)
	$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@.tmp && mv $@.tmp $@

$(BUILD):
	mkdir -p $@

# tools/T/X.bpf.c: X is T, or another object of tool T (opensnoop_full);
# bpf/X.bpf.c: one of the library's
$(BUILD)/bpf/%.bpf.o: $$(firstword $$(wildcard tools/*/$$*.bpf.c bpf/$$*.bpf.c)) $(BUILD)/vmlinux.h
	@mkdir -p $(dir $@)
	$(CLANG) $(BPF_CFLAGS) -I$(dir $<) -MMD -MP -c $< -o $@
	$(LLVM_STRIP) -g $@

$(BUILD)/skel/%.skel.h: $(BUILD)/bpf/%.bpf.o
	@mkdir -p $(dir $@)
	$(BPFTOOL) gen skeleton $< name $*_bpf > $@.tmp && mv $@.tmp $@

# The table of tools compiled into the binary, from the tools/ directories.
$(BUILD)/tools.inc: $(TOOL_DIRS) Makefile | $(BUILD)
	printf 'PK_TOOL(%s)\n' $(TOOLS) > $@.tmp && mv $@.tmp $@

# The syscall number <-> name table, from the system's own header.
SYSCALL_HEADER ?= $(if $(filter x86,$(ARCH)),asm/unistd_64.h,asm/unistd.h)
$(BUILD)/syscall_table.h: | $(BUILD)
	echo '#include <$(SYSCALL_HEADER)>' | $(CC) -E -dM -x c - | sed -n \
	    's/^#define __NR_\([a-z0-9_]*\) \([0-9][0-9]*\)$$/PK_SYSCALL(\2, \1)/p' > $@.tmp
	test -s $@.tmp && mv $@.tmp $@

$(BUILD)/lib/kernel/syscalls.o: $(BUILD)/syscall_table.h

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(TOOL_OBJS): $(SKELS) $(BUILD)/tools.inc

# A one-file tool: a table entry around its object, from its declarations.
$(BUILD)/onefile/%.c: $(BUILD)/bpf/%.bpf.o scripts/onefile-tool.sh bpf/probekit.bpf.h
	@mkdir -p $(dir $@)
	sh scripts/onefile-tool.sh $* $< $(BPFTOOL) > $@.tmp && mv $@.tmp $@

$(BUILD)/onefile/%.o: $(BUILD)/onefile/%.c $(BUILD)/skel/%.skel.h
	$(CC) $(CFLAGS) -c $< -o $@
$(BUILD)/lib/sym/ksyms_kernel.o: $(BUILD)/skel/ksyms_kernel.skel.h

# Position-independent, so that the same objects make the shared library.
# Objects of a build tree from before that (no lib/.pic stamp) are rebuilt.
$(LIB_OBJS): override CFLAGS += -fPIC
ifeq ($(wildcard $(BUILD)/lib/.pic),)
$(if $(wildcard $(BUILD)/lib/*.o $(BUILD)/lib/*/*.o),$(shell rm -f $(BUILD)/lib/*.o $(BUILD)/lib/*/*.o \
	$(BUILD)/libprobekit.a))
endif

$(BUILD)/libprobekit.a: $(LIB_OBJS)
	rm -f $@ && ar rcs $@ $^
	touch $(BUILD)/lib/.pic

# Only pk_ symbols are exported (lib/libprobekit.map).
$(SHLIB): $(LIB_OBJS) lib/libprobekit.map
	$(CC) $(LDFLAGS) -shared -Wl,-soname,libprobekit.so.$(SOVERSION) \
		-Wl,--version-script=lib/libprobekit.map -Wl,--no-undefined \
		-o $@ $(LIB_OBJS) $(LDLIBS)
	ln -sf $(notdir $@) $(BUILD)/libprobekit.so.$(SOVERSION)
	ln -sf libprobekit.so.$(SOVERSION) $(BUILD)/libprobekit.so

ifeq ($(SHARED),1)
$(BUILD)/probekit: $(TOOL_OBJS) $(SHLIB)
	$(CC) $(LDFLAGS) -o $@ $(TOOL_OBJS) -L$(BUILD) -lprobekit -lbpf
else
$(BUILD)/probekit: $(TOOL_OBJS) $(BUILD)/libprobekit.a
	$(CC) $(LDFLAGS) $(PK_STATIC) -o $@ $(TOOL_OBJS) $(BUILD)/libprobekit.a $(LDLIBS) \
		$(PK_STATIC_LIBS)
endif
# build/probekit as built: with SHARED=1 it needs the build's libprobekit.so.0
PK_RUN := LD_LIBRARY_PATH=$(abspath $(BUILD))$${LD_LIBRARY_PATH:+:$$LD_LIBRARY_PATH} $(BUILD)/probekit

links: $(BUILD)/probekit
	@for t in $$($(PK_RUN) --list); do ln -sf probekit $(BUILD)/$$t; done

# Tests ---------------------------------------------------------------------

$(BUILD)/tests/unit-tests: $(patsubst %.c,$(BUILD)/%.o,$(UNIT_SRCS)) $(BUILD)/libprobekit.a
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(BUILD)/libprobekit.a $(LDLIBS)

$(BUILD)/tests/%: tests/helpers/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -O1 -fno-omit-frame-pointer -o $@ $< $(LDFLAGS)

# mallocstacks' and memleak's targets must call libc's malloc, not a sanitizer's; the
# strace differential test's workload runs under ptrace, where LeakSanitizer
# cannot work (nor for syscount's, whose calls strace -c counts)
$(BUILD)/tests/mallocer $(BUILD)/tests/sysopen $(BUILD)/tests/syscaller $(BUILD)/tests/leaker: $(BUILD)/tests/%: tests/helpers/%.c
	@mkdir -p $(dir $@)
	$(CC) -O1 -g -std=gnu11 -D_GNU_SOURCE -fno-omit-frame-pointer -Wall -Werror -o $@ $<

# the stack tests' target: every function keeps its frame (-O0, frame pointers)
$(BUILD)/tests/stacker: tests/helpers/stacker.c
	@mkdir -p $(dir $@)
	$(CC) -O0 -g -std=gnu11 -D_GNU_SOURCE -fno-omit-frame-pointer -Wall -Werror -o $@ $<

# the symbolizers as a filter, for the differential tests
$(BUILD)/tests/symlookup: tests/helpers/symlookup.c $(BUILD)/libprobekit.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LDFLAGS) $(BUILD)/libprobekit.a $(LDLIBS)

# an i386 program without libc, for the raw_tp variants' compat test; a
# compiler that cannot make one leaves a stand-in that exits 77 (skip)
$(BUILD)/tests/compat32: tests/helpers/compat32.c
	@mkdir -p $(dir $@)
	$(CC) -m32 -static -nostdlib -O1 -fno-pic -Wall -Werror -o $@ $< || \
		printf '#!/bin/sh\nexit 77\n' > $@ && chmod +x $@

# ELF files for the symbolizer's tests, built with the system's compilers
$(FIXTURES): $(wildcard tests/fixtures/*)
	sh tests/fixtures/build.sh $(dir $@)
	touch $@

$(BUILD)/tests/bpf/%.bpf.o: tests/bpf/%.bpf.c $(BUILD)/vmlinux.h
	@mkdir -p $(dir $@)
	$(CLANG) $(BPF_CFLAGS) -MMD -MP -c $< -o $@

# The tests run as root (BPF needs it): through sudo when make is not root,
# leaving no root-owned file in your tree. AS_ROOT= runs them as you are (the
# BPF tests then skip, saying why).
AS_ROOT ?= scripts/as-root --chown $(BUILD)
test: all $(BUILD)/tests/unit-tests $(HELPERS) $(FIXTURES) $(TEST_BPF_OBJS)
	@PYTHONDONTWRITEBYTECODE=1 $(AS_ROOT) python3 tests/run.py --build $(BUILD) $(TEST_ARGS)

# test_attach loads a real object: stacksnoop's
unit: $(BUILD)/tests/unit-tests $(FIXTURES) $(TEST_BPF_OBJS) $(BUILD)/bpf/stacksnoop.bpf.o
	$(BUILD)/tests/unit-tests

# Benchmarks (never part of the tests): see bench/README.md. BENCH_ARGS=--quick is short.
bench: all
	PK_LDLIBS='$(LDLIBS)' /usr/bin/python3 bench/run --build $(BUILD) $(BENCH_ARGS)

# The end-to-end tests here and under stock Debian kernels in QEMU.
test-kernels:
	scripts/kernel-lane.sh

# Install -------------------------------------------------------------------

# The .pc file is written at install time, so it names the directories of
# this install (PREFIX, LIBDIR, INCDIR), whatever `make` was given before.
install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCDIR)/probekit \
		$(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man3
	install -m 0755 $(BUILD)/probekit $(DESTDIR)$(BINDIR)/probekit
	@for t in $(INSTALL_LINKS); do \
		$(PK_RUN) --list | grep -qx $$t || { echo "install: no tool $$t" >&2; exit 1; }; \
		echo "ln -sf probekit $(DESTDIR)$(BINDIR)/$$t"; ln -sf probekit $(DESTDIR)$(BINDIR)/$$t; \
	done
	install -m 0644 $(BUILD)/libprobekit.a $(SHLIB) $(DESTDIR)$(LIBDIR)/
	ln -sf $(notdir $(SHLIB)) $(DESTDIR)$(LIBDIR)/libprobekit.so.$(SOVERSION)
	ln -sf libprobekit.so.$(SOVERSION) $(DESTDIR)$(LIBDIR)/libprobekit.so
	install -m 0644 include/probekit/*.h $(DESTDIR)$(INCDIR)/probekit/
	install -d $(DESTDIR)$(SYSTEMDUNITDIR)
	install -m 0644 contrib/systemd/probekit-metrics@.service $(DESTDIR)$(SYSTEMDUNITDIR)/
	install -m 0644 bpf/*.h $(DESTDIR)$(INCDIR)/probekit/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@INCDIR@|$(INCDIR)|' \
	    -e 's|@VERSION@|$(VERSION)|' libprobekit.pc.in > $(DESTDIR)$(PKGCONFIGDIR)/libprobekit.pc
	@# pages of tools installed only as `probekit TOOL` are probekit-TOOL(8)
	@for m in man/*.8; do \
		n=$$(basename $$m .8); \
		case " probekit $(INSTALL_LINKS) " in *" $$n "*) ;; *) n=probekit-$$n ;; esac; \
		echo "install -m 0644 $$m $(DESTDIR)$(MANDIR)/man8/$$n.8"; \
		install -m 0644 $$m $(DESTDIR)$(MANDIR)/man8/$$n.8 || exit 1; \
		for o in $$(sed -n '/^\.SH NAME/{n;s/ \\- .*//;s/\\//g;s/,/ /g;p;}' $$m); do \
			[ "$$o" = "$$n" ] || ln -sf $$n.8 $(DESTDIR)$(MANDIR)/man8/$$o.8; \
		done; \
	done
	install -m 0644 man/*.3 $(DESTDIR)$(MANDIR)/man3/
	@# `man pk_attach__load` finds pk_attach(3): a link per name a page's NAME lists
	@for m in man/*.3; do \
		sed -n '/^\.SH NAME/,/^\.SH SYNOPSIS/p' $$m | grep -o 'pk_[a-z0-9_]*' | \
		while read -r n; do \
			[ "$$n.3" = "$${m#man/}" ] || ln -sf $${m#man/} $(DESTDIR)$(MANDIR)/man3/$$n.3; \
		done; \
	done
	@# a new shared library in a system directory is found once ld.so's cache knows it
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ]; then ldconfig; fi

# The examples build from an installed copy, through pkg-config, as a user's would:
# installed under DESTDIR=build/stage, PKG_CONFIG_SYSROOT_DIR makes pkg-config put
# the stage in front of the .pc file's -I and -L directories, and the programs
# find the staged libprobekit.so through their RPATH (STATIC=1 links them statically).
STAGE := $(abspath $(BUILD)/stage)
examples:
	$(MAKE) install DESTDIR=$(STAGE)
	PKG_CONFIG_PATH=$(STAGE)$(PKGCONFIGDIR) PKG_CONFIG_SYSROOT_DIR=$(STAGE) \
		$(MAKE) -C examples OUT=$(abspath $(BUILD)/examples) CC="$(CC) $(SAN_FLAGS)" \
		STATIC=$(STATIC) RPATH=$(STAGE)$(LIBDIR)

# The Debian packages (debian/, debhelper): probekit (the tools), libprobekit0
# (the shared library) and libprobekit-dev, as build/NAME_$(VERSION)_ARCH.deb.
# Their build dependencies are installed first when missing (through
# scripts/install-deps.sh --deb, which asks for root only then). It builds in
# build/deb and writes nothing outside build/ (no ../*.deb, and debhelper's
# files in debian/ are cleaned up), as root or not (no fakeroot:
# Rules-Requires-Root is no). scripts/deb-check.sh lints, installs and tries them.
DEB_PACKAGES := probekit libprobekit0 libprobekit-dev
deb:
	@test "$$(dpkg-parsechangelog -S Version)" = "$(VERSION)" || \
		{ echo "deb: debian/changelog is not at version $(VERSION)" >&2; exit 1; }
	@scripts/install-deps.sh --deb
	@dpkg-checkbuilddeps 2>/dev/null || { echo "deb: build dependencies are missing" \
		"($$(dpkg-checkbuilddeps 2>&1 | sed 's/.*Unmet build dependencies: //')):" \
		"scripts/install-deps.sh --deb installs them" >&2; exit 1; }
	debian/rules clean
	DEB_BUILD_OPTIONS="$${DEB_BUILD_OPTIONS:-parallel=$$(nproc)}" DEB_RULES_REQUIRES_ROOT=no \
		DEB_OUT=$(abspath $(BUILD)) debian/rules binary || \
		{ debian/rules clean; exit 1; }
	debian/rules clean
	@ls $(foreach p,$(DEB_PACKAGES),$(BUILD)/$(p)_$(VERSION)_*.deb)

format:
	clang-format -i $(LIB_SRCS) lib/*/*.h $(TOOL_SRCS) $(BPF_SRCS) $(LIB_BPF_SRCS) include/probekit/*.h bpf/*.h tools/*/*.h

clean:
	rm -rf $(BUILD)

# The compilers' dependency files, included; nothing remakes them (else make's
# built-in %: %.c tries build/onefile/NAME.d from a NAME.d.c, compiling vmlinux.h
# for it at every run)
%.d: ;
-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# Fuzzing -------------------------------------------------------------------
# `make fuzz FUZZ_SECONDS=60` runs every fuzz/fuzz_*.c target with libFuzzer
# on its committed seed corpus (fuzz/corpus/NAME); new inputs it finds go to
# build-fuzz/corpus/NAME, failures to build-fuzz/.

FUZZ_SECONDS ?= 20
FUZZ_BUILD := build-fuzz
FUZZ_TARGETS := $(patsubst fuzz/fuzz_%.c,%,$(wildcard fuzz/fuzz_*.c))
FUZZ_SAN := address,undefined

.PHONY: fuzz fuzz-build
fuzz-build:
	$(MAKE) BUILD=$(FUZZ_BUILD) CC=clang SANITIZE=fuzzer-no-link,$(FUZZ_SAN) \
		$(FUZZ_BUILD)/libprobekit.a
	@for t in $(FUZZ_TARGETS); do \
		clang -g -O1 -D_GNU_SOURCE -Iinclude -I$(FUZZ_BUILD) -fsanitize=fuzzer,$(FUZZ_SAN) \
			fuzz/fuzz_$$t.c $(FUZZ_BUILD)/libprobekit.a $(LDLIBS) \
			-o $(FUZZ_BUILD)/fuzz_$$t || exit 1; \
	done

fuzz: fuzz-build
	@for t in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ_BUILD)/corpus/$$t fuzz/corpus/$$t; \
		echo "fuzz: $$t for $(FUZZ_SECONDS)s"; \
		$(FUZZ_BUILD)/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -close_fd_mask=3 \
			-artifact_prefix=$(FUZZ_BUILD)/$$t- $(FUZZ_BUILD)/corpus/$$t fuzz/corpus/$$t \
			2>$(FUZZ_BUILD)/$$t.log || { tail -40 $(FUZZ_BUILD)/$$t.log; exit 1; }; \
		grep -E '^Done [0-9]+ runs' $(FUZZ_BUILD)/$$t.log || tail -1 $(FUZZ_BUILD)/$$t.log; \
	done
