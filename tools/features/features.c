// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * features: which kernel mechanisms work here, and why not. As check_kfunc
 * it answers bcc's BPF.support_kfunc() question alone, with exit status.
 */
#include <errno.h>
#include <string.h>

#include <probekit/cli.h>
#include <probekit/features.h>
#include <probekit/output.h>

static int check_kfunc(struct pk_run *run)
{
	const struct pk_feature_status *st = pk_feature_probe(PK_FEAT_KFUNC);
	FILE *out = pk_run__out(run);

	if (pk_run__json(run)) {
		struct pk_json j;

		pk_json__begin(&j, out);
		pk_json__bool(&j, "kfunc", st->available);
		pk_json__str(&j, "reason", st->reason, strlen(st->reason));
		pk_json__end(&j);
	} else if (st->available) {
		fprintf(out, "kfunc is supported\n");
	} else {
		fprintf(out, "kfunc is not supported: %s\n", st->reason);
	}
	return st->available ? 0 : 1;
}

static void print_feature(struct pk_run *run, enum pk_feature feat)
{
	const struct pk_feature_status *st = pk_feature_probe(feat);
	const char *name = pk_feature_name(feat);
	FILE *out = pk_run__out(run);
	struct pk_json j;

	if (!pk_run__json(run)) {
		fprintf(out, "%-12s %-10s %s\n", name, st->state, st->reason);
		return;
	}
	pk_json__begin(&j, out);
	pk_json__str(&j, "feature", name, strlen(name));
	pk_json__bool(&j, "available", st->available);
	pk_json__str(&j, "state", st->state, strlen(st->state));
	pk_json__str(&j, "reason", st->reason, strlen(st->reason));
	pk_json__end(&j);
}

static int features_main(struct pk_run *run)
{
	int feat;

	if (!strcmp(pk_run__name(run), "check_kfunc"))
		return check_kfunc(run);
	if (!pk_run__json(run))
		fprintf(pk_run__out(run), "%-12s %-10s %s\n", "FEATURE", "AVAILABLE", "REASON");
	for (feat = 0; feat < PK_FEAT__COUNT; feat++)
		print_feature(run, feat);
	return 0;
}

static const char *const features_aliases[] = { "check_kfunc", NULL };

enum { OPT_BTF = 256 };

static const struct pk_option features_options[] = {
	{ "btf", OPT_BTF, "FILE", "answer as with kernel BTF from FILE, or with none ('none')" },
	{ NULL, 0, NULL, NULL },
};

static int features_parse(struct pk_run *run, int key, const char *arg)
{
	int err;

	if (key != OPT_BTF)
		return -EINVAL;
	err = pk_btf_set_path(arg);
	if (err)
		return pk_run__usage_error(run, "cannot use '%s' as kernel BTF: %s", arg,
					   err == -EINVAL ? "not a BTF file" : strerror(-err));
	return 0;
}

const struct pk_tool features_tool = {
	.name = "features",
	.aliases = features_aliases,
	.summary = "Show which kernel tracing mechanisms work here, and why not.",
	.usage = "[--json] [--btf FILE|none]",
	.options = features_options,
	.parse_opt = features_parse,
	.examples = "  probekit features         # the table\n"
		    "  probekit features --json  # one JSON object per feature\n"
		    "  check_kfunc               # exit 0 when fentry/fexit (kfunc) works\n",
	.main = features_main,
};
