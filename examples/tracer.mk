# A Makefile to copy for a tracer of your own with a loader (foo.bpf.c + foo.c).
# `probekit run -o` compiles the BPF half with the kernel's vmlinux.h and
# probekit's headers; a tracer without a loader needs no Makefile at all.
NAME ?= foo
PK := $(shell pkg-config --cflags --libs libprobekit)
$(NAME): $(NAME).c $(NAME).skel.h
	$(CC) -O2 -g -I. $< -o $@ $(PK)
$(NAME).skel.h: $(NAME).bpf.c
	probekit run -o $(NAME).bpf.o $< && bpftool gen skeleton $(NAME).bpf.o name $(NAME)_bpf > $@
