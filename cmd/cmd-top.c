/*
 * cmd-top.c - heapdiff top: one profile's frames by flat or cum, with the
 * numbers go tool pprof -top prints.
 */
#include <stdio.h>

#include "cli.h"

static int run(struct cli *c)
{
	struct hd_profile *p = NULL;
	struct hd_report *r = NULL;
	struct hd_error err = {0};
	int rc;

	if (c->nargs != 1) {
		cli_error(NULL, c->nargs ? "top takes one profile (see 'heapdiff help top')" :
			  "top needs a profile (see 'heapdiff help top')");
		return HD_EXIT_TROUBLE;
	}
	if (cli_load(c, c->args[0], &p))
		return HD_EXIT_TROUBLE;
	rc = HD_EXIT_TROUBLE;
	if (hd_report_new(&c->ropts, &r, &err) ||
	    hd_report_add(r, c->args[0], NULL, p, &err) ||
	    hd_report_finish(r, &err)) {
		cli_lib_error(err.code == HD_ERR_USAGE && !r ? NULL : c->args[0], &err);
		goto out;
	}
	rc = cli_emit(c, r);
	if (rc == 0)
		cli_warnings(r);
out:
	hd_report_free(r);
	hd_profile_free(p);
	return rc;
}

const struct subcommand cmd_top = {
	.name = "top",
	.command = HD_CMD_TOP,
	.options = OPT_FORMAT | OPT_OUTPUT | OPT_TOP | OPT_SAMPLE | OPT_GRAN | OPT_FILTERS |
		   OPT_SORT | OPT_LIMITS | OPT_COLOR | OPT_FOLDED | OPT_FETCH,
	.run = run,
	.synopsis = "heapdiff top [options] PROFILE",
	.help =
	"Show the frames of one profile with their flat and cum values, as\n"
	"go tool pprof -top does.  PROFILE is a path or - for standard input.\n",
};
