// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Whether this process may load BPF programs, from its effective capabilities. */
#include <stdio.h>
#include <unistd.h>

#include <probekit/privileges.h>

bool pk_have_bpf_privileges(void)
{
	unsigned long long caps = 0;
	char line[256];
	FILE *f;

	if (geteuid() == 0)
		return true;
	f = fopen("/proc/self/status", "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "CapEff: %llx", &caps) == 1)
			break;
	}
	fclose(f);
	/* CAP_SYS_ADMIN, or CAP_BPF with CAP_PERFMON */
	return (caps >> 21 & 1) || ((caps >> 39 & 1) && (caps >> 38 & 1));
}
