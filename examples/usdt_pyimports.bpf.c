// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * USDT in one file: the modules Python loads, counted by name through the
 * interpreter's python:import__find__load__start probe (bcc attaches such
 * probes with USDT(path=...).enable_probe()), printed as a table:
 *
 *	sudo probekit run --set pid=4242 examples/usdt_pyimports.bpf.c
 *	^C
 *	MODULE                                     LOADS
 *	json.decoder                                   1
 *	json.scanner                                   1
 *
 * SEC("usdt/BINARY:PROVIDER:NAME") attaches to every process of BINARY, one
 * running already or started later (a path; a bare name is looked up on
 * PATH, which may find a wrapper script). The kernel sets the probe's
 * semaphore, which Python checks before it fires the probe. BPF_USDT()
 * names the probe's arguments (this one has the module's name).
 * `probekit list 'u:/usr/bin/python3:*'` lists what a binary offers; its
 * python:function__entry fires, in Python 3.11, only while a tracer is
 * set (sys.settrace()).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/usdt.bpf.h>
#include <probekit/maps.bpf.h>

/* the process whose imports count: 0 for every python3 */
const volatile __u32 pid = 0;

struct module_key { /* not "key": vmlinux.h has a struct key */
	char module[40];
};

PK_HASH(loads, struct module_key, __u64, 4096)
PK_TABLE_VALUE("LOADS") PK_TABLE_SORT("MODULE") PK_TABLE_TOP(50);

SEC("usdt//usr/bin/python3:python:import__find__load__start")
int BPF_USDT(on_import, const char *module)
{
	struct module_key k = {};

	if (pid && bpf_get_current_pid_tgid() >> 32 != pid)
		return 0;
	bpf_probe_read_user_str(k.module, sizeof(k.module), module);
	pk_increment(&loads, &k);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
