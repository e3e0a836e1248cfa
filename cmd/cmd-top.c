/*
 * cmd-top.c - heapdiff top: one profile's frames by flat or cum, with the
 * numbers go tool pprof -top prints.
 */
#include <stdio.h>

#include "cli.h"

#define COMMON_HELP \
	"  -f, --format FMT        text (default), markdown, json, folded or svg\n" \
	"                          (an interactive flame graph)\n" \
	"      --output-format FMT the same as --format\n" \
	"  -o, --output FILE       write to FILE (atomically) instead of stdout\n" \
	HELP_SVG \
	"      --top N             rows to show (default 20; 0 = all)\n" \
	"      --sample-index X    sample type by name (inuse_space, space) or\n" \
	"                          0-based index; default: the profile's default\n" \
	"                          type, else the last one\n" \
	HELP_MODEL \
	"                          (RE: POSIX extended regular expressions,\n" \
	"                          matched against function and file names)\n" \
	"      --max-size SIZE     refuse profiles larger than SIZE once\n" \
	"                          decompressed (default 1GiB)\n" \
	"      --max-frames N      refuse profiles whose stacks expand to more\n" \
	"                          than N frames in all (default 16777216)\n" \
	"      --color[=WHEN]      auto (default), always or never\n"

static const char help[] =
	"Show the frames of one profile with their flat and cum values, as\n"
	"go tool pprof -top does.  PROFILE is a path or - for standard input.\n"
	"\n"
	"Options:\n"
	COMMON_HELP
	"      --sort KEY          flat (default) or cum\n"
	"  -h, --help              show this help\n";

static int run(int argc, char **argv)
{
	struct hd_profile *p = NULL;
	struct hd_report *r = NULL;
	struct hd_error err = {0};
	struct cli c;
	int rc;

	rc = cli_parse(&cmd_top, OPT_FORMAT | OPT_OUTPUT | OPT_TOP | OPT_SAMPLE |
		       OPT_GRAN | OPT_FILTERS | OPT_SORT | OPT_MAXSIZE | OPT_COLOR |
		       OPT_FOLDED, argc, argv, &c);
	if (rc)
		return rc < 0 ? HD_EXIT_PASS : rc;
	if (c.nargs != 1) {
		cli_error(NULL, c.nargs ? "top takes one profile (see 'heapdiff help top')" :
			  "top needs a profile (see 'heapdiff help top')");
		return HD_EXIT_TROUBLE;
	}
	if (cli_load(&c, c.args[0], &p))
		return HD_EXIT_TROUBLE;
	rc = HD_EXIT_TROUBLE;
	if (hd_report_new(&c.ropts, &r, &err) ||
	    hd_report_add(r, c.args[0], NULL, p, &err) ||
	    hd_report_finish(r, &err)) {
		cli_error(err.code == HD_ERR_USAGE && !r ? NULL : c.args[0], "%s", err.msg);
		goto out;
	}
	rc = cli_emit(&c, r);
out:
	hd_report_free(r);
	hd_profile_free(p);
	return rc;
}

const struct subcommand cmd_top = {
	"top",
	run,
	"heapdiff top [options] PROFILE",
	help,
};
