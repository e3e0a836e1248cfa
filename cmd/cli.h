/*
 * cli.h - what cmd/ shares: parsed options, the subcommand table entry,
 * output plumbing and error reporting.  lib/ is reached through
 * heapdiff.h only.
 */
#ifndef HD_CLI_H
#define HD_CLI_H

#include <stdint.h>
#include "heapdiff.h"

/* Exit statuses, like diff(1). */
enum { HD_EXIT_PASS = 0, HD_EXIT_REGRESSION = 1, HD_EXIT_TROUBLE = 2 };

/* Options a subcommand accepts (bit mask). */
enum {
	OPT_FORMAT = 1 << 0, OPT_OUTPUT = 1 << 1, OPT_TOP = 1 << 2,
	OPT_SAMPLE = 1 << 3, OPT_GRAN = 1 << 4, OPT_FILTERS = 1 << 5,
	OPT_SORT = 1 << 6, OPT_MAXSIZE = 1 << 7, OPT_COLOR = 1 << 8,
	OPT_DIFF = 1 << 9, /* --baseline/--incremental/--normalize/--ref-chain-depth/--min-delta */
	OPT_FOLDED = 1 << 10,
	OPT_FAILON = 1 << 11,
	OPT_TREND = 1 << 12, /* --order/--ascii/--min-growth/--min-r2/--min-rising */
};

#define MAX_RULES 32

struct cli {
	const char *cmd;
	enum hd_format format;
	const char *output;
	size_t top;
	int top_set;
	struct hd_report_opts ropts;
	struct hd_limits limits; /* --max-size, --max-frames */
	int color; /* -1 auto, 0 never, 1 always */
	const char *baseline, *incremental;
	enum hd_folded_cols folded;
	int folded_set;
	struct hd_rule rules[MAX_RULES];
	int nrules;
	int order_time, ascii;          /* trend: --order time, --ascii */
	int icicle;                     /* svg, html: --icicle */
	struct hd_trend_opts trend;     /* trend: thresholds */
	char **args;
	int nargs;
};

/* --help lines for the flame graph options every command shares. */
#define HELP_SVG \
	"      --icicle            svg, html: draw the flame graph root at the\n" \
	"                          top (an icicle graph) instead of the bottom\n"

/* --help lines for the options every command shares: how frames are made. */
#define HELP_MODEL \
	"      --granularity G     functions (default), filefunctions, files,\n" \
	"                          lines or addresses\n" \
	"      --focus RE          keep samples with a frame matching RE\n" \
	"      --ignore RE         drop samples with a frame matching RE\n" \
	"      --hide RE           remove frames matching RE from stacks\n" \
	"      --show RE           keep only frames matching RE in stacks\n"

struct subcommand {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *synopsis;
	const char *help;
};

extern const struct subcommand cmd_top, cmd_diff;
extern const struct subcommand cmd_trend;

/* heap.c: tune malloc for heapdiff's many small long-lived allocations;
 * call before the first malloc(). */
void heap_setup(void);

/* Parse argv for subcommand sc; on error print and return HD_EXIT_TROUBLE,
 * on --help print help and return -1 (caller exits 0), else 0. */
int cli_parse(const struct subcommand *sc, unsigned allowed, int argc,
	      char **argv, struct cli *c);

/* "heapdiff: FILE: msg" or "heapdiff: msg" on stderr. */
void cli_error(const char *file, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Add to a library message the option it is about ("see --max-size"). */
void cli_explain(struct hd_error *err);

/* Load a profile, printing the error; 0 or HD_EXIT_TROUBLE. */
int cli_load(const struct cli *c, const char *path, struct hd_profile **out);

/* Render r and write it to stdout or --output; 0 or HD_EXIT_TROUBLE. */
int cli_emit(const struct cli *c, const struct hd_report *r);

/*
 * Evaluate every --fail-on rule against r.  A rule on another sample type
 * gets a report of its own, which fill() populates with the same profiles
 * (ctx is fill's).  0, or HD_EXIT_TROUBLE after printing the error.
 */
int cli_check_rules(const struct cli *c, struct hd_report *r,
		    int (*fill)(void *ctx, struct hd_report *other, struct hd_error *err),
		    void *ctx);

/* The exit status for a report that was written successfully. */
int cli_verdict_status(const struct hd_report *r);

#endif
