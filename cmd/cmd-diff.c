/*
 * cmd-diff.c - heapdiff diff: what grew, by how much, through which
 * callers, between a baseline and a newer profile.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

struct pair {
	const char *bpath, *npath;
	const struct hd_profile *base, *newp;
};

static int fill_pair(void *ctx, struct hd_report *other, struct hd_error *err)
{
	const struct pair *p = ctx;

	return hd_report_add_pair(other, p->bpath, p->base, p->npath, p->newp, err);
}

static int run(struct cli *c)
{
	struct hd_profile *base = NULL, *newp = NULL;
	struct hd_report *r = NULL;
	struct hd_error err = {0};
	const char *bpath, *npath;
	int rc;

	bpath = c->baseline;
	npath = c->incremental;
	if (!bpath && c->nargs > 0)
		bpath = c->args[0];
	if (!npath && c->nargs > (c->baseline ? 0 : 1))
		npath = c->args[c->baseline ? 0 : 1];
	if (!bpath || !npath || c->nargs > (!c->baseline) + (!c->incremental)) {
		cli_error(NULL, "diff takes two profiles, BASE and NEW (see 'heapdiff help diff')");
		return HD_EXIT_TROUBLE;
	}
	if (strcmp(bpath, "-") == 0 && strcmp(npath, "-") == 0) {
		cli_error(NULL, "only one of BASE and NEW can be standard input");
		return HD_EXIT_TROUBLE;
	}
	/* The report keeps what it needs (as trend frees each profile once
	 * in); only a rule on another sample type reads them again.  Else
	 * the report reads them itself, NEW once BASE is in and freed, so
	 * that the two are never in memory together. */
	rc = HD_EXIT_TROUBLE;
	if (!cli_rules_reread(c)) {
		int which;

		if (hd_report_new(&c->ropts, &r, &err)) {
			cli_lib_error(NULL, &err);
			goto out;
		}
		if (hd_report_load_pair(r, bpath, npath, &c->limits, &which, &err)) {
			cli_lib_error(which ? npath : bpath, &err);
			goto out;
		}
	} else {
		if (cli_load(c, bpath, &base) || cli_load(c, npath, &newp))
			goto out;
		if (hd_report_new(&c->ropts, &r, &err)) {
			cli_lib_error(NULL, &err);
			goto out;
		}
		if (hd_report_add_pair(r, bpath, base, npath, newp, &err)) {
			cli_lib_error(hd_report_columns(r) == 0 ? bpath : npath, &err);
			goto out;
		}
	}
	if (hd_report_finish(r, &err)) {
		cli_lib_error(NULL, &err);
		goto out;
	}
	{
		struct pair p = {bpath, npath, base, newp};
		if (cli_check_rules(c, r, fill_pair, &p))
			goto out;
	}
	rc = cli_emit(c, r);
	if (rc == 0) {
		cli_warnings(r);
		rc = cli_verdict_status(r);
	}
out:
	hd_report_free(r);
	hd_profile_free(base);
	hd_profile_free(newp);
	return rc;
}

const struct subcommand cmd_diff = {
	.name = "diff",
	.command = HD_CMD_DIFF,
	.options = OPT_FORMAT | OPT_OUTPUT | OPT_TOP | OPT_SAMPLE | OPT_GRAN | OPT_FILTERS |
		   OPT_SORT | OPT_LIMITS | OPT_COLOR | OPT_DIFF | OPT_CHAINS | OPT_FOLDED |
		   OPT_FAILON | OPT_APP | OPT_FETCH,
	.run = run,
	.synopsis = "heapdiff diff [options] BASE NEW",
	.help =
	"Compare NEW against BASE.  Both forms are the same:\n"
	"  heapdiff diff [options] --baseline BASE --incremental NEW\n"
	"  heapdiff diff [options] BASE NEW\n"
	"Either may be - for standard input.\n"
	"\n"
	"By default the comparison is incremental: two snapshots of one process,\n"
	"absolute deltas NEW - BASE (a leak shows as growth).  --normalize makes it\n"
	"a baseline comparison of two builds: NEW is scaled so its total equals\n"
	"BASE's, exactly as go tool pprof -normalize does.\n",
};
