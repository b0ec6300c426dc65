// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * System call names: the number table is generated from the system headers
 * at build time (build/syscall_table.h, see the Makefile); the kernel's
 * symbol prefix is read from kallsyms at run time.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <probekit/ksyms.h>
#include <probekit/syscalls.h>

static const char *const names[] = {
#define PK_SYSCALL(nr, name) [nr] = #name,
#include "syscall_table.h"
#undef PK_SYSCALL
};

#define NR_NAMES ((long)(sizeof(names) / sizeof(names[0])))

const char *pk_syscall_name(long nr)
{
	return nr >= 0 && nr < NR_NAMES ? names[nr] : NULL;
}

long pk_syscall_nr(const char *name)
{
	long i;

	for (i = 0; name && i < NR_NAMES; i++) {
		if (names[i] && !strcmp(names[i], name))
			return i;
	}
	return -ENOENT;
}

long pk_syscall_max(void)
{
	return NR_NAMES;
}

/* In bcc's order: older kernels have plain sys_, newer ones a wrapper. */
static const char *const prefixes[] = {
	"sys_",		    "__x64_sys_",  "__x32_compat_sys_", "__ia32_compat_sys_",
	"__arm64_sys_",	    "__s390x_sys_", "__s390_sys_",	"__riscv_sys_",
};

const char *pk_syscall_prefix(void)
{
	static const char *found;
	char name[64];
	size_t i;

	if (found)
		return found;
	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		snprintf(name, sizeof(name), "%sbpf", prefixes[i]);
		if (pk_ksym_exists(name))
			return found = prefixes[i];
	}
	/* no kallsyms to ask: do not remember the guess */
	return prefixes[0];
}

const char *pk_syscall_fnname(const char *name, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s", pk_syscall_prefix(), name);
	return buf;
}
