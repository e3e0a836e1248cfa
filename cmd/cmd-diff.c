/*
 * cmd-diff.c - heapdiff diff: what grew, by how much, through which
 * callers, between a baseline and a newer profile.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char help[] =
	"Compare NEW against BASE.  Both forms are the same:\n"
	"  heapdiff diff [options] --baseline BASE --incremental NEW\n"
	"  heapdiff diff [options] BASE NEW\n"
	"Either may be - for standard input.\n"
	"\n"
	"By default the comparison is incremental: two snapshots of one process,\n"
	"absolute deltas NEW - BASE (a leak shows as growth).  --normalize makes it\n"
	"a baseline comparison of two builds: NEW is scaled so its total equals\n"
	"BASE's, exactly as go tool pprof -normalize does.\n"
	"\n"
	"Options:\n"
	"      --baseline BASE     the reference profile (alias --base)\n"
	"      --incremental NEW   the newer profile\n"
	"      --normalize         scale NEW to BASE's total before comparing\n"
	"  -f, --format FMT        text (default), markdown, json, folded or svg\n"
	"                          (a differential flame graph: widths max(BASE,\n"
	"                          NEW), red grew, blue shrank; see heapdiff(1))\n"
	"      --output-format FMT the same as --format\n"
	"  -o, --output FILE       write to FILE (atomically) instead of stdout\n"
	HELP_SVG
	"      --top N             rows per table (default 20; 0 = all)\n"
	"      --sort KEY          delta (|delta flat|, default), delta-cum, flat,\n"
	"                          cum or pct\n"
	"      --min-delta X       hide frames whose |delta| is below X: a size\n"
	"                          (64KiB) or a percentage of the base total (0.5%)\n"
	"      --ref-chain-depth N callers shown per reference chain (default 3;\n"
	"                          0 turns chains off)\n"
	"      --sample-index X    sample type by name or 0-based index (default:\n"
	"                          BASE's default type, else its last one)\n"
	HELP_MODEL
	"      --folded-columns C  folded output: both (default), base or new\n"
	"      --fail-on RULE      exit 1 when the rule is crossed (repeatable):\n"
	"                          total:+8%  total:+50MiB  func:+5%  func:+1MiB\n"
	"                          cum:+2MiB  new:+512KiB  inuse_objects/total:+10%\n"
	"                          (% of the base total; with --normalize, on\n"
	"                          normalized values)\n"
	"      --max-size SIZE     refuse profiles larger than SIZE once\n"
	"                          decompressed (default 1GiB)\n"
	"      --max-frames N      refuse profiles whose stacks expand to more\n"
	"                          than N frames in all (default 16777216)\n"
	"      --color[=WHEN]      auto (default), always or never\n"
	"  -h, --help              show this help\n";

struct pair {
	const char *bpath, *npath;
	const struct hd_profile *base, *newp;
};

static int fill_pair(void *ctx, struct hd_report *other, struct hd_error *err)
{
	const struct pair *p = ctx;

	return hd_report_add_pair(other, p->bpath, p->base, p->npath, p->newp, err);
}

static int run(int argc, char **argv)
{
	struct hd_profile *base = NULL, *newp = NULL;
	struct hd_report *r = NULL;
	struct hd_error err = {0};
	const char *bpath, *npath;
	struct cli c;
	int rc;

	rc = cli_parse(&cmd_diff, OPT_FORMAT | OPT_OUTPUT | OPT_TOP | OPT_SAMPLE |
		       OPT_GRAN | OPT_FILTERS | OPT_SORT | OPT_MAXSIZE | OPT_COLOR |
		       OPT_DIFF | OPT_FOLDED | OPT_FAILON, argc, argv, &c);
	if (rc)
		return rc < 0 ? HD_EXIT_PASS : rc;
	bpath = c.baseline;
	npath = c.incremental;
	if (!bpath && c.nargs > 0)
		bpath = c.args[0];
	if (!npath && c.nargs > (c.baseline ? 0 : 1))
		npath = c.args[c.baseline ? 0 : 1];
	if (!bpath || !npath || c.nargs > (!c.baseline) + (!c.incremental)) {
		cli_error(NULL, "diff takes two profiles, BASE and NEW (see 'heapdiff help diff')");
		return HD_EXIT_TROUBLE;
	}
	if (strcmp(bpath, "-") == 0 && strcmp(npath, "-") == 0) {
		cli_error(NULL, "only one of BASE and NEW can be standard input");
		return HD_EXIT_TROUBLE;
	}
	if (cli_load(&c, bpath, &base) || cli_load(&c, npath, &newp)) {
		rc = HD_EXIT_TROUBLE;
		goto out;
	}
	rc = HD_EXIT_TROUBLE;
	if (hd_report_new(&c.ropts, &r, &err)) {
		cli_error(NULL, "%s", err.msg);
		goto out;
	}
	if (hd_report_add_pair(r, bpath, base, npath, newp, &err)) {
		cli_error(hd_report_columns(r) == 0 ? bpath : npath, "%s", err.msg);
		goto out;
	}
	if (hd_report_finish(r, &err)) {
		cli_error(NULL, "%s", err.msg);
		goto out;
	}
	{
		struct pair p = {bpath, npath, base, newp};
		if (cli_check_rules(&c, r, fill_pair, &p))
			goto out;
	}
	rc = cli_emit(&c, r);
	if (rc == 0)
		rc = cli_verdict_status(r);
out:
	hd_report_free(r);
	hd_profile_free(base);
	hd_profile_free(newp);
	return rc;
}

const struct subcommand cmd_diff = {
	"diff",
	run,
	"heapdiff diff [options] BASE NEW",
	help,
};
