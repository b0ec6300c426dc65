// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * opensnoop_loader: every open, with a kretfunc where the kernel allows
 * one and the openat tracepoints where it does not. Ctrl-C ends it.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <bpf/libbpf.h>
#include <probekit/probekit.h>

#include "opensnoop_loader.h"
#include "opensnoop_loader.skel.h"

PK_SKEL_OPS(opensnoop_loader_bpf);

static const char *const kretfunc[] = { "kretfunc_openat2", NULL };
static const char *const tracepoints[] = { "tp_enter_openat", "tp_exit_openat", NULL };
static const struct pk_variant variants[] = {
	{ .mech = PK_MECH_FENTRY, .progs = kretfunc },
	{ .mech = PK_MECH_TRACEPOINT, .progs = tracepoints },
	{},
};

static volatile sig_atomic_t stop;

static void on_sigint(int sig)
{
	(void)sig;
	stop = 1;
}

static int configure(void *skel, enum pk_mech mech, void *ctx)
{
	(void)mech;
	(void)ctx;
	return pk_events_configure(((struct opensnoop_loader_bpf *)skel)->obj, NULL);
}

static int on_event(void *ctx, const void *data, size_t size)
{
	const struct event *e = data;

	(void)ctx;
	(void)size;
	printf("%-6u ", e->pid);
	pk_fput_text(stdout, e->comm, sizeof(e->comm));
	printf("%*s %4d %3d ", (int)(16 - strnlen(e->comm, sizeof(e->comm))), "",
	       e->ret >= 0 ? e->ret : -1, e->ret >= 0 ? 0 : -e->ret);
	pk_fput_text(stdout, e->path, sizeof(e->path));
	putchar('\n');
	return 0;
}

int main(void)
{
	LIBBPF_OPTS(pk_attach_opts, opts, .configure = configure);
	struct pk_attach *att = pk_attach__new(&opensnoop_loader_bpf_ops, variants, &opts);
	struct pk_events *ev = NULL;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGINT, on_sigint);
	if (!att || pk_attach__load(att)) {
		fprintf(stderr, "cannot attach: %s\n", pk_attach__error(att));
		pk_attach__free(att);
		return 1;
	}
	fprintf(stderr, "using %s\n", pk_mech_name(pk_attach__mechanism(att)));
	ev = pk_events__new(pk_attach__object(att), on_event, NULL, NULL);
	if (ev) {
		printf("%-6s %-16s %4s %3s %s\n", "PID", "COMM", "FD", "ERR", "PATH");
		while (!stop && pk_events__poll(ev, 100) >= 0)
			;
	}
	pk_events__free(ev);
	pk_attach__free(att);
	return ev ? 0 : 1;
}
