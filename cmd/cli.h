/*
 * cli.h - what cmd/ shares: exit statuses, the subcommand table entry,
 * parsed options, error reporting and output plumbing.  lib/ is reached
 * through heapdiff.h only.
 *
 * The front end in files: heapdiff.c (main: the command table, exit),
 * options.c (the option table: parsing and --help), cli.c (messages,
 * loading, --fail-on), output.c (stdout, -o FILE), heap.c (malloc
 * tuning), cmd-<name>.c (one per subcommand).
 */
#ifndef HD_CLI_H
#define HD_CLI_H

#include <stdint.h>
#include <stdio.h>
#include "heapdiff.h"

/* Exit statuses, like diff(1). */
enum { HD_EXIT_PASS = 0, HD_EXIT_REGRESSION = 1, HD_EXIT_TROUBLE = 2 };

/* Groups of options a subcommand accepts (struct subcommand.options). */
enum {
	OPT_FORMAT = 1 << 0,  /* --format, --output-format, --icicle */
	OPT_OUTPUT = 1 << 1,  /* --output */
	OPT_TOP = 1 << 2,
	OPT_SAMPLE = 1 << 3,
	OPT_GRAN = 1 << 4,
	OPT_FILTERS = 1 << 5, /* --focus, --ignore, --hide, --show */
	OPT_SORT = 1 << 6,
	OPT_LIMITS = 1 << 7,  /* --max-size, --max-frames */
	OPT_COLOR = 1 << 8,
	OPT_DIFF = 1 << 9,    /* --baseline/--incremental/--normalize/--min-delta */
	OPT_FOLDED = 1 << 10,
	OPT_FAILON = 1 << 11,
	OPT_TREND = 1 << 12,  /* --order/--ascii/--min-growth/--min-r2/--min-rising */
	OPT_CHAINS = 1 << 13, /* --ref-chain-depth */
	OPT_APP = 1 << 14,    /* --app: culprits, for the growers of diff and trend */
	OPT_FETCH = 1 << 15,  /* --seconds, --timeout: profiles from URLs */
	OPT_WATCH = 1 << 16,  /* --every, --count, --for, --save, --gc */
};

#define MAX_RULES 32

struct subcommand;

struct cli {
	const struct subcommand *sc;
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
	int ascii;                      /* trend: --ascii (--order is ropts.order) */
	int icicle;                     /* svg, html: --icicle */
	uint64_t max_output;            /* --max-output; 0: the library default */
	struct hd_trend_opts trend;     /* trend: thresholds */
	/* watch: seconds between snapshots, how many (0: no limit), for how
	 * long in seconds (0: no limit), where to save them, ?gc=1. */
	double every;
	size_t count;
	double duration;
	const char *save;
	int gc;
	char **args;
	int nargs;
};

/*
 * One subcommand, all it is (kmod's tools/kmod.c): heapdiff.c's table
 * lists them, cli_parse() reads options by the mask, cli_help() prints
 * the help from the text and the option table.
 */
struct subcommand {
	const char *name;
	enum hd_command command;
	unsigned options;          /* OPT_* it accepts */
	int (*run)(struct cli *c); /* after cli_parse(); an HD_EXIT_* */
	const char *synopsis;      /* "heapdiff top [options] PROFILE" */
	const char *help;          /* what it does, before the options */
};

extern const struct subcommand cmd_top, cmd_diff, cmd_trend, cmd_watch;

/* ---- options.c ---- */

/* Parse argv (argv[0] is the command's name) for sc; on error print it
 * and return HD_EXIT_TROUBLE, on --help print the help and return -1
 * (the caller exits 0), else 0. */
int cli_parse(const struct subcommand *sc, int argc, char **argv, struct cli *c);

/* "usage: SYNOPSIS", the command's text, its options and notes. */
void cli_help(const struct subcommand *sc, FILE *f);

/* "30s", "0.5s", "250ms", "10m", "1h", or a number of seconds: 0 and the
 * seconds in *out (finite, > 0), or -1. */
int cli_parse_duration(const char *s, double *out);

/* ---- cli.c ---- */

/* Whether the user's locale uses UTF-8 (trend and watch draw sparklines). */
int cli_utf8_locale(void);

/* "heapdiff: FILE: msg" or "heapdiff: msg" on stderr. */
void cli_error(const char *file, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Put the option a library error is about into its message, in cmd/'s
 * words: "invalid regular expression" becomes "invalid --focus regular
 * expression", "... limit of 1 GiB" gets "(see --max-size)".  Once: the
 * subject is cleared.
 */
void cli_explain(struct hd_error *err);

/* cli_explain(), then cli_error(file, ...): every library error is
 * printed through here. */
void cli_lib_error(const char *file, struct hd_error *err);

/* Load a profile, printing the error; 0 or HD_EXIT_TROUBLE. */
int cli_load(const struct cli *c, const char *path, struct hd_profile **out);

/*
 * Evaluate every --fail-on rule against r.  A rule on another sample type
 * gets a report of its own, which fill() populates with the same profiles
 * (ctx is fill's).  0, or HD_EXIT_TROUBLE after printing the error.
 */
int cli_check_rules(const struct cli *c, struct hd_report *r,
		    int (*fill)(void *ctx, struct hd_report *other, struct hd_error *err),
		    void *ctx);

/* 1 when a --fail-on rule names a sample type, so that its profiles may
 * be read again (cli_check_rules' fill): keep them, or what they came from. */
int cli_rules_reread(const struct cli *c);

/* The exit status for a report that was written successfully. */
int cli_verdict_status(const struct hd_report *r);

/*
 * "heapdiff: warning: MESSAGE" on stderr for each of hd_report_warnings():
 * what a user must hear even when only the exit status is read.  Called
 * once the report was written (to stdout or -o FILE), so that they are
 * the last thing on a terminal rather than above a long report, and so
 * that a run that fails says one line only.  They never change the status.
 */
void cli_warnings(const struct hd_report *r);

/* ---- output.c ---- */

/* Refuse, with a message, a binary format (pprof) bound for a terminal:
 * standard output is one and no -o FILE was given.  0 or HD_EXIT_TROUBLE,
 * before any profile is read. */
int cli_check_terminal(const struct cli *c);

/* Render r and write it to stdout or --output; 0 or HD_EXIT_TROUBLE. */
int cli_emit(const struct cli *c, const struct hd_report *r);

/* At exit (git.c): flush and close stdout; a failure makes status
 * HD_EXIT_TROUBLE, with a message.  Returns the status to exit with. */
int cli_close_stdout(int status);

/* ---- heap.c ---- */

/* Tune malloc for heapdiff's many small long-lived allocations;
 * few_profiles: the command holds one or two (top, diff). */
void heap_setup(int few_profiles);

#endif
