// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Whether this process may load BPF programs, from its effective capabilities. */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include <probekit/privileges.h>
#include "base.h"

#define CAP_SYS_ADMIN_BIT 21
#define CAP_PERFMON_BIT	  38
#define CAP_BPF_BIT	  39

int pk__cap_effective(unsigned long long *caps)
{
	bool found = false;
	char line[256];
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return -errno;
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "CapEff: %llx", caps) == 1;
	fclose(f);
	return found ? 0 : -ENOENT;
}

bool pk_have_bpf_privileges(void)
{
	unsigned long long caps = 0;

	/*
	 * The capabilities decide, not the uid: root in a container, or under
	 * setpriv --inh-caps=-all, may have none of them.
	 */
	if (pk__cap_effective(&caps))
		return geteuid() == 0;
	return (caps >> CAP_SYS_ADMIN_BIT & 1) ||
	       ((caps >> CAP_BPF_BIT & 1) && (caps >> CAP_PERFMON_BIT & 1));
}

int pk_check_bpf_privileges(char *why, size_t why_size)
{
	if (pk_have_bpf_privileges())
		return 0;
	snprintf(why, why_size, "needs root, or CAP_BPF and CAP_PERFMON, to load BPF programs");
	return -EPERM;
}
