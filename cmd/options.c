/*
 * options.c - every option heapdiff takes, in one table: its name, the
 * commands that take it (a group of struct subcommand.options), how its
 * value is read, and what --help says of it.  cli_parse() reads argv by
 * the table; cli_help() prints from it, so a command's help lists exactly
 * the options it accepts.
 *
 * Owns struct cli's defaults.  Values are checked here; meaning that
 * needs the profiles (a sample type, a regular expression) is lib/'s.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

struct option_spec;
typedef int setter(struct cli *c, const struct option_spec *o, const char *arg);

struct option_spec {
	const char *name;
	char letter;           /* the short form, or 0 */
	int has_arg;           /* getopt's no_, required_ or optional_argument */
	unsigned groups;       /* OPT_*: the commands that take it */
	setter *set;
	const char *arg;       /* the value's name in --help */
	const char *help[3];   /* by enum hd_command; NULL: no line (an alias) */
};
_Static_assert(HD_CMD_TOP == 0 && HD_CMD_DIFF == 1 && HD_CMD_TREND == 2,
	       "option_spec.help has one text per enum hd_command");

static setter set_format, set_output, set_icicle, set_top, set_sample, set_gran,
	set_regex, set_sort, set_max_size, set_max_frames, set_max_output, set_color, set_input,
	set_chain_depth, set_min_delta, set_folded, set_fail_on, set_order,
	set_trend, set_normalize, set_ascii, set_app, set_help, set_native,
	set_seconds, set_timeout, set_watch,
	set_hprof_layout;

/* The same text for every command. */
#define ALL(text) {text, text, text}
#define ROWS "rows to show (default 20; 0 = all)"
#define FOLDED "folded output: both (default), base or new"

/* In --help order. */
static const struct option_spec options[] = {
	{"baseline", 0, required_argument, OPT_DIFF, set_input, "BASE",
	 ALL("the reference profile (alias --base)")},
	{"base", 0, required_argument, OPT_DIFF, set_input, "BASE", {NULL}},
	{"incremental", 0, required_argument, OPT_DIFF, set_input, "NEW",
	 ALL("the newer profile")},
	{"normalize", 0, no_argument, OPT_DIFF, set_normalize, NULL,
	 ALL("scale NEW to BASE's total before comparing")},
	{"order", 0, required_argument, OPT_TREND, set_order, "ORDER",
	 ALL("auto (default: by time stamp, time_nanos, when every profile carries a "
	     "distinct one, else as given), time (by time stamp; every profile needs one) "
	     "or given (as given; a warning when the time stamps say otherwise)")},
	{"min-growth", 0, required_argument, OPT_TREND, set_trend, "X",
	 ALL("the noise floor: a SIZE (64KiB) or a share of the median profile total "
	     "(default 0.25%)")},
	{"max-p", 0, required_argument, OPT_TREND, set_trend, "P",
	 ALL("the largest Mann-Kendall p-value of a trend, 0 to 1 (default 0.05)")},
	{"min-r2", 0, required_argument, OPT_TREND, set_trend, "X",
	 ALL("gone: least squares no longer decides (an error; see --max-p)")},
	{"min-rising", 0, required_argument, OPT_TREND, set_trend, "X",
	 ALL("gone: rising steps no longer decide (an error; see --max-p)")},
	{"format", 'f', required_argument, OPT_FORMAT, set_format, "FMT", {
	 [HD_CMD_TOP] = "text (default), markdown, json, folded, svg (an interactive "
		"flame graph) or pprof (the profile as filtered, gzip profile.proto)",
	 [HD_CMD_DIFF] = "text (default), markdown, json, folded, svg (a differential "
		"flame graph: widths max(BASE, NEW), red grew, blue shrank; see heapdiff(1)) "
		"or pprof (NEW - BASE per stack, gzip profile.proto, as go tool pprof -proto "
		"-diff_base writes it)",
	 [HD_CMD_TREND] = "text (default), markdown, json, folded, svg, html or pprof "
		"(folded, svg, pprof: the first vs the last profile, pprof their delta; "
		"html: one page with the suspects, a heat map, charts and the flame graph)"}},
	{"output-format", 0, required_argument, OPT_FORMAT, set_format, "FMT",
	 ALL("the same as --format")},
	{"output", 'o', required_argument, OPT_OUTPUT, set_output, "FILE",
	 ALL("write to FILE (atomically) instead of stdout")},
	{"icicle", 0, no_argument, OPT_FORMAT, set_icicle, NULL,
	 ALL("svg, html: draw the flame graph root at the top (an icicle graph) instead "
	     "of the bottom")},
	{"top", 0, required_argument, OPT_TOP, set_top, "N", {
	 [HD_CMD_TOP] = ROWS,
	 [HD_CMD_DIFF] = "rows per table (default 20; 0 = all)",
	 [HD_CMD_TREND] = ROWS}},
	{"sort", 0, required_argument, OPT_SORT, set_sort, "KEY", {
	 [HD_CMD_TOP] = "flat (default) or cum",
	 [HD_CMD_DIFF] = "delta (|delta flat|, default), delta-cum, flat, cum or pct",
	 [HD_CMD_TREND] = "default: suspects first, then by how much a function moves; "
		"or delta, delta-cum, flat, cum, pct (first vs last)"}},
	{"min-delta", 0, required_argument, OPT_DIFF, set_min_delta, "X",
	 ALL("hide frames whose |delta| is below X: a SIZE (64KiB) or a percentage of "
	     "the base total (0.5%)")},
	{"ref-chain-depth", 0, required_argument, OPT_CHAINS, set_chain_depth, "N",
	 ALL("callers shown per allocation call path (default 3; 0 turns them off)")},
	{"ascii", 0, no_argument, OPT_TREND, set_ascii, NULL,
	 ALL("ASCII sparklines (default when the locale's character set is not UTF-8)")},
	{"fail-on", 0, required_argument, OPT_FAILON, set_fail_on, "RULE", {
	 [HD_CMD_DIFF] = "exit 1 when the rule is crossed (repeatable):\n"
		"total:+8%  total:+50MiB  func:+5%  func:+1MiB\n"
		"cum:+2MiB  new:+512KiB  inuse_objects/total:+10%\n"
		"(% of the base total; with --normalize, on normalized values)\n"
		"memstats.HeapInuse:+10%  memstats.Sys:+64MiB\n"
		"(runtime.MemStats: Go's text heap profile)",
	 [HD_CMD_TREND] = "exit 1 when crossed: leak (any leak suspect), or a diff "
		"rule (total:+8%, ..., memstats.HeapInuse:+10%) applied to the first and "
		"last profiles"}},
	{"folded-columns", 0, required_argument, OPT_FOLDED, set_folded, "C", {
	 [HD_CMD_TOP] = "accepted and ignored: folded output of one profile has one column",
	 [HD_CMD_DIFF] = FOLDED,
	 [HD_CMD_TREND] = FOLDED}},
	{"sample-index", 0, required_argument, OPT_SAMPLE, set_sample, "X", {
	 [HD_CMD_TOP] = "sample type by name (inuse_space, space) or 0-based index; "
		"default: the profile's default type, else the last one",
	 [HD_CMD_DIFF] = "sample type by name or 0-based index (default: BASE's default "
		"type, else its last one)",
	 [HD_CMD_TREND] = "sample type by name or 0-based index (default: the first "
		"profile's default type)"}},
	{"granularity", 0, required_argument, OPT_GRAN, set_gran, "G",
	 ALL("functions (default), filefunctions, files, lines or addresses")},
	{"focus", 0, required_argument, OPT_FILTERS, set_regex, "RE",
	 ALL("keep samples with a frame matching RE")},
	{"ignore", 0, required_argument, OPT_FILTERS, set_regex, "RE",
	 ALL("drop samples with a frame matching RE")},
	{"hide", 0, required_argument, OPT_FILTERS, set_regex, "RE",
	 ALL("remove frames matching RE from stacks")},
	{"show", 0, required_argument, OPT_FILTERS, set_regex, "RE",
	 ALL("keep only frames matching RE in stacks")},
	{"app", 0, required_argument, OPT_APP, set_app, "REGEX",
	 ALL("the user's own code: culprits are the nearest frames matching REGEX "
	     "(default: outside the language runtime and standard library; see CULPRITS "
	     "in heapdiff(1))")},
	{"max-size", 0, required_argument, OPT_LIMITS, set_max_size, "SIZE",
	 ALL("refuse profiles larger than SIZE once decompressed (default 1GiB)")},
	{"max-frames", 0, required_argument, OPT_LIMITS, set_max_frames, "N",
	 ALL("refuse profiles whose stacks expand to more than N frames in all "
	     "(default 16777216, or 4 per byte of the decompressed profile if "
	     "that is more)")},
	{"binary", 0, required_argument, OPT_LIMITS, set_native, "PATH",
	 ALL("C, C++ profiles (jemalloc, tcmalloc, pprof of addresses only): the "
	     "program's executable, when it is not where the profile's memory map says")},
	{"symbols", 0, required_argument, OPT_LIMITS, set_native, "DIR",
	 ALL("C, C++ profiles: a directory of separate debug files (laid out as "
	     "/usr/lib/debug/.build-id, or named after the binary)")},
	{"hprof-layout", 0, required_argument, OPT_LIMITS, set_hprof_layout, "LAYOUT",
	 ALL("Java heap dumps: how the JVM laid objects out, for shallow sizes: "
	     "auto (default: read from the dump), compressed (compressed oops), "
	     "wide-refs (-XX:-UseCompressedOops) or wide (also "
	     "-XX:-UseCompressedClassPointers)")},
	{"max-output", 0, required_argument, OPT_LIMITS, set_max_output, "SIZE",
	 ALL("refuse to write a report larger than SIZE (default 64MiB)")},
	{"seconds", 0, required_argument, OPT_FETCH, set_seconds, "N",
	 ALL("URLs: ask a Go endpoint for a delta profile over N seconds (?seconds=N, "
	     "as go tool pprof does) and wait for it")},
	{"timeout", 0, required_argument, OPT_FETCH, set_timeout, "DURATION",
	 ALL("URLs: give up a fetch after DURATION (default 30s; --seconds N adds N)")},
	{"every", 0, required_argument, OPT_WATCH, set_watch, "DURATION",
	 ALL("take a snapshot every DURATION (default 30s), on a fixed schedule")},
	{"count", 0, required_argument, OPT_WATCH, set_watch, "N",
	 ALL("stop after N snapshots (default: at --for, or Ctrl-C)")},
	{"for", 0, required_argument, OPT_WATCH, set_watch, "DURATION",
	 ALL("stop after DURATION (10m, 1h)")},
	{"save", 0, required_argument, OPT_WATCH, set_watch, "DIR",
	 ALL("save each snapshot as served, as DIR/heap-YYYYMMDDTHHMMSSZ.pb.gz "
	     "(atomically; with milliseconds when --every is under 1s)")},
	{"gc", 0, no_argument, OPT_WATCH, set_watch, NULL,
	 ALL("ask the endpoint to collect garbage before each snapshot (?gc=1)")},
	{"color", 0, optional_argument, OPT_COLOR, set_color, "WHEN",
	 ALL("auto (default), always or never")},
	{"colour", 0, optional_argument, OPT_COLOR, set_color, "WHEN", {NULL}},
	{"help", 'h', no_argument, ~0u, set_help, NULL, ALL("show this help")},
};
#define NOPTS (sizeof(options) / sizeof(options[0]))

/* Said once below the options of a command that takes the group. */
static const struct {
	unsigned groups;
	const char *text;
} notes[] = {
	{OPT_FILTERS, "RE: a POSIX extended regular expression, matched against function "
	 "and file names."},
	{OPT_APP, "REGEX: a POSIX extended regular expression, unanchored, matched against "
	 "the frame's name as the report shows it."},
	{OPT_FETCH, "A PROFILE may be an http:// or https:// URL (Go's "
	 "/debug/pprof/heap): fetched with redirects (at most 10) and TLS verified."},
	{OPT_WATCH, "DURATION: a number and a unit ms, s, m or h (0.5s, 10m; no unit "
	 "means seconds)."},
	{OPT_LIMITS, "SIZE: a number and an optional unit B, K, M, G or T, also written "
	 "KB or KiB and so on, in any case; all are powers of 1024 (64KiB, 1.5m, 100; "
	 "see UNITS in heapdiff(1)).  Fractions need a unit past B: 0.5 alone is refused."},
};

/* ---- --help ---- */

#define HELP_COL 26   /* where an option's text starts */
#define HELP_WIDTH 78 /* where lines end */

/* text from column col to HELP_WIDTH, at word breaks and at each '\n'. */
static void print_wrapped(FILE *f, const char *text, int col)
{
	const char *p = text;

	while (*p) {
		size_t avail = (size_t)(HELP_WIDTH - col), n = strcspn(p, "\n");

		if (n > avail) {
			size_t k = avail;

			while (k > 0 && p[k] != ' ')
				k--;
			n = k ? k : strcspn(p, " \n"); /* a word longer than the line */
			while (n > 1 && p[n - 1] == ' ')
				n--;
		}
		fprintf(f, "%.*s\n", (int)n, p);
		p += n;
		while (*p == ' ')
			p++;
		if (*p == '\n')
			p++;
		if (*p)
			fprintf(f, "%*s", col, "");
	}
}

/* "  -f, --format FMT        text ...", or nothing for an alias. */
static void print_option(FILE *f, const struct option_spec *o, enum hd_command cmd)
{
	const char *help = o->help[cmd];
	char name[64];
	int n;

	if (!help)
		return;
	if (o->letter)
		n = snprintf(name, sizeof(name), "  -%c, --%s", o->letter, o->name);
	else
		n = snprintf(name, sizeof(name), "      --%s", o->name);
	if (o->arg && n >= 0 && (size_t)n < sizeof(name))
		snprintf(name + n, sizeof(name) - (size_t)n,
			 o->has_arg == optional_argument ? "[=%s]" : " %s", o->arg);
	if (strlen(name) < HELP_COL)
		fprintf(f, "%-*s", HELP_COL, name);
	else
		fprintf(f, "%s\n%*s", name, HELP_COL, "");
	print_wrapped(f, help, HELP_COL);
}

void cli_help(const struct subcommand *sc, FILE *f)
{
	size_t i;

	fprintf(f, "usage: %s\n\n%s\nOptions:\n", sc->synopsis, sc->help);
	for (i = 0; i < NOPTS; i++)
		if (options[i].groups & sc->options)
			print_option(f, &options[i], sc->command);
	for (i = 0; i < sizeof(notes) / sizeof(notes[0]); i++)
		if (notes[i].groups & sc->options) {
			fputc('\n', f);
			print_wrapped(f, notes[i].text, 0);
		}
}

/* ---- reading values ---- */

static int bad_value(const struct option_spec *o, const char *val, const char *expect)
{
	cli_error(NULL, "invalid value '%s' for --%s (expected %s)", val, o->name, expect);
	return HD_EXIT_TROUBLE;
}

static int parse_count(const char *s, size_t *out)
{
	char *end;
	unsigned long long v;

	if (!*s || *s == '-')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end || errno || v > SIZE_MAX)
		return -1;
	*out = (size_t)v;
	return 0;
}

/* "0.5%": a finite percentage, not negative. */
static int parse_pct(const char *s, double *out)
{
	size_t len = strlen(s);
	char *end;
	double p;

	if (len < 2 || s[len - 1] != '%' || *s == '-')
		return -1;
	errno = 0;
	p = strtod(s, &end);
	if (end != s + len - 1 || errno || isnan(p) || isinf(p) || p < 0)
		return -1;
	*out = p;
	return 0;
}

/*
 * A size of at least min (hd_parse_size's grammar: at most INT64_MAX, so
 * it fits int64_t too).  0, or HD_EXIT_TROUBLE with the message printed:
 * lib/'s reason when the value is a number of bytes that is not whole
 * ("0.5": a forgotten unit), else what was expected.
 */
static int size_value(const struct option_spec *o, const char *arg, uint64_t min,
		      uint64_t *out, const char *expect)
{
	struct hd_error err = {0};
	uint64_t v;

	if (hd_parse_size(arg, &v, &err) == 0 && v >= min) {
		*out = v;
		return 0;
	}
	if (err.code) {
		cli_error(NULL, "invalid value '%s' for --%s: %s", arg, o->name, err.msg);
		return HD_EXIT_TROUBLE;
	}
	return bad_value(o, arg, expect);
}

static int size_value64(const struct option_spec *o, const char *arg, int64_t *out,
			const char *expect)
{
	uint64_t v;
	int rc = size_value(o, arg, 0, &v, expect);

	if (!rc)
		*out = (int64_t)v;
	return rc;
}

static int set_format(struct cli *c, const struct option_spec *o, const char *arg)
{
	if (hd_format_parse(arg, &c->format))
		return bad_value(o, arg, "text, markdown, json, folded, svg, html or pprof");
	return 0;
}

static int set_output(struct cli *c, const struct option_spec *o, const char *arg)
{
	c->output = arg;
	return 0;
}

static int set_icicle(struct cli *c, const struct option_spec *o, const char *arg)
{
	c->icicle = 1;
	return 0;
}

static int set_normalize(struct cli *c, const struct option_spec *o, const char *arg)
{
	c->ropts.normalize = 1;
	return 0;
}

static int set_ascii(struct cli *c, const struct option_spec *o, const char *arg)
{
	c->ascii = 1;
	return 0;
}

static int set_top(struct cli *c, const struct option_spec *o, const char *arg)
{
	if (parse_count(arg, &c->top))
		return bad_value(o, arg, "a number of rows, 0 for all");
	c->top_set = 1;
	return 0;
}

static int set_sample(struct cli *c, const struct option_spec *o, const char *arg)
{
	c->ropts.sample_index = arg;
	return 0;
}

static int set_gran(struct cli *c, const struct option_spec *o, const char *arg)
{
	if (hd_granularity_parse(arg, &c->ropts.model.granularity))
		return bad_value(o, arg, "functions, filefunctions, files, lines or addresses");
	return 0;
}

static int set_regex(struct cli *c, const struct option_spec *o, const char *arg)
{
	struct hd_model_opts *m = &c->ropts.model;

	if (strcmp(o->name, "focus") == 0)
		m->focus = arg;
	else if (strcmp(o->name, "ignore") == 0)
		m->ignore = arg;
	else if (strcmp(o->name, "hide") == 0)
		m->hide = arg;
	else
		m->show = arg;
	return 0;
}

/* Checked by lib/ with the filters' rule (an invalid one names --app). */
static int set_app(struct cli *c, const struct option_spec *o, const char *arg)
{
	c->ropts.app = arg;
	return 0;
}

static int set_sort(struct cli *c, const struct option_spec *o, const char *arg)
{
	int top = c->ropts.command == HD_CMD_TOP;

	if (hd_sort_parse(arg, &c->ropts.sort) ||
	    (top && c->ropts.sort != HD_SORT_FLAT && c->ropts.sort != HD_SORT_CUM))
		return bad_value(o, arg, top ? "flat or cum" : "delta, delta-cum, flat, cum or pct");
	return 0;
}

static int set_max_size(struct cli *c, const struct option_spec *o, const char *arg)
{
	return size_value(o, arg, 1, &c->limits.max_size, "a size such as 512MiB or 4GiB");
}

static int set_native(struct cli *c, const struct option_spec *o, const char *arg)
{
	if (!*arg)
		return bad_value(o, arg, "a path");
	if (o->name[0] == 'b')
		c->limits.binary = arg;
	else
		c->limits.symbols = arg;
	return 0;
}

static int set_hprof_layout(struct cli *c, const struct option_spec *o, const char *arg)
{
	if (hd_hprof_layout_parse(arg, &c->limits.hprof_layout))
		return bad_value(o, arg, "auto, compressed, wide-refs or wide");
	return 0;
}

static int set_max_frames(struct cli *c, const struct option_spec *o, const char *arg)
{
	size_t frames;

	/* 2^40 frames would take terabytes: larger is a typo. */
	if (parse_count(arg, &frames) || frames == 0 || frames > ((size_t)1 << 40))
		return bad_value(o, arg, "a number of frames from 1 to 1099511627776");
	c->limits.max_frames = frames;
	return 0;
}

static int set_max_output(struct cli *c, const struct option_spec *o, const char *arg)
{
	return size_value(o, arg, 1, &c->max_output, "a size such as 64MiB or 1GiB");
}

static int set_color(struct cli *c, const struct option_spec *o, const char *arg)
{
	if (!arg || strcmp(arg, "always") == 0)
		c->color = 1;
	else if (strcmp(arg, "never") == 0)
		c->color = 0;
	else if (strcmp(arg, "auto") == 0)
		c->color = -1;
	else
		return bad_value(o, arg, "auto, always or never");
	return 0;
}

static int set_input(struct cli *c, const struct option_spec *o, const char *arg)
{
	if (strcmp(o->name, "incremental") != 0)
		c->baseline = arg; /* --baseline, --base */
	else
		c->incremental = arg;
	return 0;
}

static int set_chain_depth(struct cli *c, const struct option_spec *o, const char *arg)
{
	size_t d;

	if (parse_count(arg, &d) || d > 16)
		return bad_value(o, arg, "a number from 0 to 16");
	c->ropts.ref_chain_depth = (int)d;
	return 0;
}

static int set_min_delta(struct cli *c, const struct option_spec *o, const char *arg)
{
	size_t len = strlen(arg);

	if (len > 1 && arg[len - 1] == '%') {
		if (parse_pct(arg, &c->ropts.min_delta_pct))
			return bad_value(o, arg, "a size or a percentage");
		return 0;
	}
	return size_value64(o, arg, &c->ropts.min_delta,
			    "a size such as 64KiB or a percentage such as 1%");
}

static int set_folded(struct cli *c, const struct option_spec *o, const char *arg)
{
	if (strcmp(arg, "both") == 0)
		c->folded = HD_FOLDED_BOTH;
	else if (strcmp(arg, "base") == 0)
		c->folded = HD_FOLDED_BASE;
	else if (strcmp(arg, "new") == 0)
		c->folded = HD_FOLDED_NEW;
	else
		return bad_value(o, arg, "new, base or both");
	c->folded_set = 1;
	return 0;
}

static int set_fail_on(struct cli *c, const struct option_spec *o, const char *arg)
{
	struct hd_error err = {0};

	if (c->nrules == MAX_RULES) {
		cli_error(NULL, "too many --fail-on rules (at most %d)", MAX_RULES);
		return HD_EXIT_TROUBLE;
	}
	if (hd_rule_parse(arg, &c->rules[c->nrules], &err)) {
		cli_lib_error(NULL, &err);
		return HD_EXIT_TROUBLE;
	}
	c->nrules++;
	return 0;
}

static int set_order(struct cli *c, const struct option_spec *o, const char *arg)
{
	if (hd_order_parse(arg, &c->ropts.order))
		return bad_value(o, arg, "auto, time or given");
	return 0;
}

/* --min-growth SIZE|PCT%, --max-p P (P in [0, 1]); --min-r2 and
 * --min-rising are refused by name, saying what replaced them. */
static int set_trend(struct cli *c, const struct option_spec *o, const char *arg)
{
	struct hd_trend_opts *t = &c->trend;
	char *end;
	double x;

	if (strcmp(o->name, "min-growth") == 0) {
		const char *expect = "a size such as 64KiB or a percentage such as 1%";
		int rc;

		if (parse_pct(arg, &t->min_growth_pct) == 0) {
			t->min_growth = 0;
			return 0;
		}
		if (strchr(arg, '%'))
			return bad_value(o, arg, expect);
		rc = size_value64(o, arg, &t->min_growth, expect);
		if (!rc)
			t->min_growth_pct = 0;
		return rc;
	}
	if (strcmp(o->name, "max-p") != 0) {
		cli_error(NULL, "--%s is no longer used: trend tests for a trend with "
			  "Mann-Kendall; use --max-p P (default 0.05; see heapdiff(1))", o->name);
		return HD_EXIT_TROUBLE;
	}
	errno = 0;
	x = strtod(arg, &end);
	if (end == arg || *end || errno || isnan(x) || x < 0 || x > 1)
		return bad_value(o, arg, "a number from 0 to 1");
	t->max_p = x;
	return 0;
}

int cli_parse_duration(const char *s, double *out)
{
	static const struct {
		const char *unit;
		double secs;
	} units[] = {{"", 1}, {"ms", 0.001}, {"s", 1}, {"m", 60}, {"h", 3600}};
	char *end;
	double v;
	size_t i;

	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno || isnan(v) || isinf(v) || v <= 0 || strpbrk(s, "xXpPeE"))
		return -1;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(end, units[i].unit) == 0) {
			v *= units[i].secs;
			if (!(v > 0) || v > 1e9)
				return -1;
			*out = v;
			return 0;
		}
	return -1;
}

static int set_seconds(struct cli *c, const struct option_spec *o, const char *arg)
{
	size_t n;

	/* A delta profile over more than a day is a typo. */
	if (parse_count(arg, &n) || n == 0 || n > 86400)
		return bad_value(o, arg, "a number of seconds from 1 to 86400");
	c->limits.seconds = n;
	return 0;
}

static int set_timeout(struct cli *c, const struct option_spec *o, const char *arg)
{
	if (cli_parse_duration(arg, &c->limits.timeout))
		return bad_value(o, arg, "a duration such as 30s, 2m or 0.5s");
	return 0;
}

static int set_watch(struct cli *c, const struct option_spec *o, const char *arg)
{
	if (strcmp(o->name, "every") == 0) {
		if (cli_parse_duration(arg, &c->every) || c->every < 0.01)
			return bad_value(o, arg, "a duration of at least 10ms, such as 30s");
	} else if (strcmp(o->name, "for") == 0) {
		if (cli_parse_duration(arg, &c->duration))
			return bad_value(o, arg, "a duration such as 10m or 1h");
	} else if (strcmp(o->name, "count") == 0) {
		if (parse_count(arg, &c->count) || c->count < 2)
			return bad_value(o, arg, "a number of snapshots, at least 2");
	} else if (strcmp(o->name, "save") == 0) {
		if (!*arg)
			return bad_value(o, arg, "a directory");
		c->save = arg;
	} else {
		c->gc = 1;
	}
	return 0;
}

static int set_help(struct cli *c, const struct option_spec *o, const char *arg)
{
	cli_help(c->sc, stdout);
	return -1;
}

/* ---- argv ---- */

static void defaults(const struct subcommand *sc, struct cli *c)
{
	memset(c, 0, sizeof(*c));
	c->sc = sc;
	c->format = HD_FMT_TEXT;
	c->top = 20;
	c->color = -1;
	c->limits.max_size = HD_DEFAULT_MAX_SIZE;
	c->limits.max_frames = 0; /* the library default, which grows with the profile */
	hd_trend_opts_init(&c->trend);
	hd_report_opts_init(&c->ropts, sc->command);
	c->every = 30;
}

/*
 * getopt_long's view of the options sc takes: longopts[k] is
 * options[spec[k]], its val LONG_VAL + k (past every letter and getopt's
 * ':' and '?'); shorts ("f:o:h") the letters.  Returns the number of
 * long options.
 */
#define LONG_VAL 256

static size_t getopt_tables(const struct subcommand *sc, struct option *longopts,
			    size_t *spec, char *shorts)
{
	size_t i, n = 0, ns = 0;

	shorts[ns++] = ':'; /* a missing value is ':', not '?' */
	for (i = 0; i < NOPTS; i++) {
		const struct option_spec *o = &options[i];

		if (!(o->groups & sc->options))
			continue;
		longopts[n] = (struct option){o->name, o->has_arg, NULL, LONG_VAL + (int)n};
		spec[n++] = i;
		if (o->letter) {
			shorts[ns++] = o->letter;
			if (o->has_arg == required_argument)
				shorts[ns++] = ':';
		}
	}
	memset(&longopts[n], 0, sizeof(longopts[n]));
	shorts[ns] = '\0';
	return n;
}

/* The table entry of getopt's answer opt: a long option's index or a letter. */
static const struct option_spec *which(int opt, size_t n, const size_t *spec)
{
	size_t i;

	if (opt >= LONG_VAL && (size_t)(opt - LONG_VAL) < n)
		return &options[spec[opt - LONG_VAL]];
	for (i = 0; i < n; i++)
		if (options[spec[i]].letter && options[spec[i]].letter == opt)
			return &options[spec[i]];
	return NULL;
}

static int bad_option(const struct subcommand *sc, int opt, const char *arg)
{
	if (opt == ':')
		cli_error(NULL, "option '%s' needs a value (see 'heapdiff help %s')", arg, sc->name);
	else
		cli_error(NULL, "unknown option '%s' for %s (see 'heapdiff help %s')",
			  arg, sc->name, sc->name);
	return HD_EXIT_TROUBLE;
}

/*
 * getopt_long takes an unambiguous prefix of a long option for it; a
 * prefix that is itself the whole name of an option of another command
 * (top --for: watch's --for, not --format) is that option, which this
 * command does not take.  1 then.
 */
/* The argument getopt_long just read an option from ("--name", "--name=V"). */
static const char *option_token(int argc, char **argv)
{
	if (optind < 1 || optind > argc)
		return "";
	if (optarg && optarg == argv[optind - 1] && optind >= 2)
		return argv[optind - 2]; /* "--name VALUE" */
	return argv[optind - 1];
}

static int other_command_option(const struct subcommand *sc, const struct option_spec *o,
				int argc, char **argv)
{
	const char *tok = option_token(argc, argv);
	size_t i, n;

	if (strncmp(tok, "--", 2) != 0)
		return 0;
	tok += 2;
	n = strcspn(tok, "=");
	if (o && n == strlen(o->name) && strncmp(tok, o->name, n) == 0)
		return 0;
	for (i = 0; i < NOPTS; i++)
		if (strlen(options[i].name) == n && strncmp(options[i].name, tok, n) == 0)
			return !(options[i].groups & sc->options);
	return 0;
}

/* What the options mean together, once all are read. */
static void settle(struct cli *c)
{
	c->ropts.needs = hd_format_needs(c->format);
	/* Chains are drawn for the growers a table shows, at most ten. */
	if (c->top && c->top < c->ropts.ref_chain_rows)
		c->ropts.ref_chain_rows = c->top;
}

int cli_parse(const struct subcommand *sc, int argc, char **argv, struct cli *c)
{
	struct option longopts[NOPTS + 1];
	size_t spec[NOPTS], n;
	char shorts[2 * NOPTS + 2];
	int opt;

	defaults(sc, c);
	n = getopt_tables(sc, longopts, spec, shorts);
	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, shorts, longopts, NULL)) != -1) {
		const struct option_spec *o = which(opt, n, spec);
		int rc;

		if (other_command_option(sc, o, argc, argv))
			return bad_option(sc, '?', option_token(argc, argv));
		if (!o)
			return bad_option(sc, opt, argv[optind - 1]);
		rc = o->set(c, o, optarg);
		if (rc)
			return rc;
	}
	settle(c);
	if (cli_check_terminal(c))
		return HD_EXIT_TROUBLE;
	c->args = argv + optind;
	c->nargs = argc - optind;
	return 0;
}
