# Builds the benchmark programs into $(BUILD)/bench. Called by bench/run
# (through `make bench`) after the main build, whose vmlinux.h and
# libprobekit.a it uses.
#
#   make -f bench/bench.mk core       the workloads, the floor tracer, fmtbench
#   make -f bench/bench.mk optional   benchmarks of libraries that may not exist yet

BUILD ?= build
B := $(BUILD)/bench
CC ?= cc
CLANG ?= clang
BPFTOOL ?= bpftool
LLVM_STRIP ?= llvm-strip
ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')

BENCH_CFLAGS := -O2 -g -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -Iinclude -I$(B)
# the main Makefile's LDLIBS, passed down by bench/run
LDLIBS ?= -lbpf -lelf -lz

CORE := $(B)/openbench $(B)/floor $(B)/fmtbench
# Each needs a library header that another branch may not have merged yet.
OPTIONAL := $(if $(wildcard include/probekit/ksyms.h),$(B)/ksymbench) \
	    $(if $(wildcard include/probekit/usyms.h),$(B)/usymbench $(B)/stackchild)

.PHONY: core optional
core: $(CORE)
optional: $(OPTIONAL)

$(B):
	mkdir -p $@

$(B)/openbench: bench/openbench.c | $(B)
	$(CC) $(BENCH_CFLAGS) -o $@ $< -ldl

$(B)/floor.bpf.o: bench/floor.bpf.c $(BUILD)/vmlinux.h | $(B)
	$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -I$(BUILD) -Wall -Werror \
		-I/usr/include/$(shell $(CC) -dumpmachine) \
		-c $< -o $@
	$(LLVM_STRIP) -g $@

$(B)/floor.skel.h: $(B)/floor.bpf.o
	$(BPFTOOL) gen skeleton $< name floor_bpf > $@.tmp && mv $@.tmp $@

$(B)/floor: bench/floor.c $(B)/floor.skel.h
	$(CC) $(BENCH_CFLAGS) -o $@ $< $(LDLIBS)

# opensnoop's own printers, not a copy of them
$(B)/fmtbench: bench/fmtbench.c tools/opensnoop/opensnoop_print.c $(BUILD)/libprobekit.a | $(B)
	$(CC) $(BENCH_CFLAGS) -o $@ bench/fmtbench.c tools/opensnoop/opensnoop_print.c \
		$(BUILD)/libprobekit.a $(LDLIBS)

$(B)/%bench: bench/%bench.c $(BUILD)/libprobekit.a | $(B)
	$(CC) $(BENCH_CFLAGS) -o $@ $< $(BUILD)/libprobekit.a $(LDLIBS)

# A program with a deep call chain of frame-pointer functions, for user stacks.
$(B)/stackchild: bench/stackchild.c | $(B)
	$(CC) -O1 -g -fno-omit-frame-pointer -fno-inline -fno-optimize-sibling-calls -Wall -o $@ $<
