// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * check_kfunc: bcc's BPF.support_kfunc(), answered by loading a real fentry
 * program rather than by looking for BTF. Exit status 0 when supported.
 */
#include <stdio.h>

#include <probekit/probekit.h>

int main(void)
{
	const struct pk_feature_status *st = pk_feature_probe(PK_FEAT_KFUNC);

	if (!pk_support_kfunc()) {
		printf("kfunc is not supported: %s\n", st->reason);
		return 1;
	}
	printf("kfunc is supported\n");
	return 0;
}
