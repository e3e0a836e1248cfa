/*
 * cli.c - option parsing, error messages and output plumbing shared by
 * the subcommands.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

void cli_error(const char *file, const char *fmt, ...)
{
	va_list ap;

	fputs("heapdiff: ", stderr);
	if (file)
		fprintf(stderr, "%s: ", strcmp(file, "-") == 0 ? "<stdin>" : file);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void print_help(const struct subcommand *sc)
{
	printf("usage: %s\n\n%s", sc->synopsis, sc->help);
}

enum {
	O_FORMAT = 'f', O_OUTPUT = 'o', O_HELP = 'h',
	O_TOP = 1000, O_SAMPLE, O_GRAN, O_FOCUS, O_IGNORE, O_HIDE, O_SHOW,
	O_SORT, O_MAXSIZE, O_MAXFRAMES, O_COLOR, O_BASE, O_INCR, O_NORMALIZE, O_CHAIN,
	O_MINDELTA, O_FOLDED, O_FAILON,
	O_ORDER, O_ASCII, O_MINGROWTH, O_MINR2, O_MINRISING, O_ICICLE,
};

static const struct {
	struct option o;
	unsigned group;
} all_options[] = {
	{{"format", required_argument, NULL, O_FORMAT}, OPT_FORMAT},
	{{"output-format", required_argument, NULL, O_FORMAT}, OPT_FORMAT},
	{{"output", required_argument, NULL, O_OUTPUT}, OPT_OUTPUT},
	{{"icicle", no_argument, NULL, O_ICICLE}, OPT_FORMAT},
	{{"top", required_argument, NULL, O_TOP}, OPT_TOP},
	{{"sample-index", required_argument, NULL, O_SAMPLE}, OPT_SAMPLE},
	{{"granularity", required_argument, NULL, O_GRAN}, OPT_GRAN},
	{{"focus", required_argument, NULL, O_FOCUS}, OPT_FILTERS},
	{{"ignore", required_argument, NULL, O_IGNORE}, OPT_FILTERS},
	{{"hide", required_argument, NULL, O_HIDE}, OPT_FILTERS},
	{{"show", required_argument, NULL, O_SHOW}, OPT_FILTERS},
	{{"sort", required_argument, NULL, O_SORT}, OPT_SORT},
	{{"max-size", required_argument, NULL, O_MAXSIZE}, OPT_MAXSIZE},
	{{"max-frames", required_argument, NULL, O_MAXFRAMES}, OPT_MAXSIZE},
	{{"color", optional_argument, NULL, O_COLOR}, OPT_COLOR},
	{{"colour", optional_argument, NULL, O_COLOR}, OPT_COLOR},
	{{"baseline", required_argument, NULL, O_BASE}, OPT_DIFF},
	{{"base", required_argument, NULL, O_BASE}, OPT_DIFF},
	{{"incremental", required_argument, NULL, O_INCR}, OPT_DIFF},
	{{"normalize", no_argument, NULL, O_NORMALIZE}, OPT_DIFF},
	{{"ref-chain-depth", required_argument, NULL, O_CHAIN}, OPT_DIFF | OPT_TREND},
	{{"min-delta", required_argument, NULL, O_MINDELTA}, OPT_DIFF},
	{{"folded-columns", required_argument, NULL, O_FOLDED}, OPT_FOLDED},
	{{"fail-on", required_argument, NULL, O_FAILON}, OPT_FAILON},
	{{"order", required_argument, NULL, O_ORDER}, OPT_TREND},
	{{"ascii", no_argument, NULL, O_ASCII}, OPT_TREND},
	{{"min-growth", required_argument, NULL, O_MINGROWTH}, OPT_TREND},
	{{"min-r2", required_argument, NULL, O_MINR2}, OPT_TREND},
	{{"min-rising", required_argument, NULL, O_MINRISING}, OPT_TREND},
	{{"help", no_argument, NULL, O_HELP}, ~0u},
};
#define NOPTS (sizeof(all_options) / sizeof(all_options[0]))

static int bad_value(const char *opt, const char *val, const char *expect)
{
	cli_error(NULL, "invalid value '%s' for --%s (expected %s)", val, opt, expect);
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
	if (*end || errno)
		return -1;
	*out = (size_t)v;
	return 0;
}

/* --min-growth SIZE|PCT%, --min-r2 X, --min-rising X (X in [0, 1]). */
static int trend_option(int opt, const char *s, struct hd_trend_opts *t)
{
	size_t len = strlen(s);
	uint64_t v;
	char *end;
	double x;

	if (opt == O_MINGROWTH && hd_parse_size(s, &v) == 0) {
		t->min_growth = (int64_t)v;
		t->min_growth_pct = 0;
		return 0;
	}
	errno = 0;
	x = strtod(s, &end);
	if (end == s || errno || isnan(x) || x < 0)
		return -1;
	if (opt == O_MINGROWTH) {
		if (len < 2 || end != s + len - 1 || *end != '%')
			return -1;
		t->min_growth = 0;
		t->min_growth_pct = x;
		return 0;
	}
	if (*end || x > 1)
		return -1;
	if (opt == O_MINR2)
		t->min_r2 = x;
	else
		t->min_rising = x;
	return 0;
}

int cli_parse(const struct subcommand *sc, unsigned allowed, int argc,
	      char **argv, struct cli *c)
{
	struct option longopts[NOPTS + 1];
	size_t i, n = 0;
	int opt;

	memset(c, 0, sizeof(*c));
	c->cmd = sc->name;
	c->format = HD_FMT_TEXT;
	c->top = 20;
	c->color = -1;
	c->limits.max_size = HD_DEFAULT_MAX_SIZE;
	c->limits.max_frames = HD_DEFAULT_MAX_FRAMES;
	hd_trend_opts_init(&c->trend);
	hd_report_opts_init(&c->ropts, strcmp(sc->name, "top") == 0 ? HD_CMD_TOP :
			    strcmp(sc->name, "diff") == 0 ? HD_CMD_DIFF : HD_CMD_TREND);
	for (i = 0; i < NOPTS; i++)
		if (all_options[i].group & allowed)
			longopts[n++] = all_options[i].o;
	memset(&longopts[n], 0, sizeof(longopts[n]));

	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, ":f:o:h", longopts, NULL)) != -1) {
		const char *name = NULL;

		for (i = 0; i < n; i++)
			if (longopts[i].val == opt)
				name = longopts[i].name;
		switch (opt) {
		case O_HELP:
			print_help(sc);
			return -1;
		case O_FORMAT:
			if (hd_format_parse(optarg, &c->format))
				return bad_value("format", optarg,
						 "text, markdown, json, folded, svg or html");
			break;
		case O_OUTPUT:
			c->output = optarg;
			break;
		case O_ICICLE: c->icicle = 1; break;
		case O_TOP:
			if (parse_count(optarg, &c->top))
				return bad_value("top", optarg, "a number of rows, 0 for all");
			c->top_set = 1;
			break;
		case O_SAMPLE:
			c->ropts.sample_index = optarg;
			break;
		case O_GRAN:
			if (hd_granularity_parse(optarg, &c->ropts.model.granularity))
				return bad_value("granularity", optarg,
						 "functions, filefunctions, files, lines or addresses");
			break;
		case O_FOCUS: c->ropts.model.focus = optarg; break;
		case O_IGNORE: c->ropts.model.ignore = optarg; break;
		case O_HIDE: c->ropts.model.hide = optarg; break;
		case O_SHOW: c->ropts.model.show = optarg; break;
		case O_SORT:
			if (hd_sort_parse(optarg, &c->ropts.sort) ||
			    (c->ropts.command == HD_CMD_TOP && c->ropts.sort != HD_SORT_FLAT &&
			     c->ropts.sort != HD_SORT_CUM))
				return bad_value("sort", optarg,
						 c->ropts.command == HD_CMD_TOP ? "flat or cum" :
						 "delta, delta-cum, flat, cum or pct");
			break;
		case O_MAXSIZE:
			if (hd_parse_size(optarg, &c->limits.max_size) || c->limits.max_size == 0)
				return bad_value("max-size", optarg, "a size such as 512MiB or 4GiB");
			break;
		case O_MAXFRAMES: {
			size_t frames;

			/* 2^40 frames would take terabytes: larger is a typo. */
			if (parse_count(optarg, &frames) || frames == 0 ||
			    frames > ((size_t)1 << 40))
				return bad_value("max-frames", optarg,
						 "a number of frames from 1 to 1099511627776");
			c->limits.max_frames = frames;
			break;
		}
		case O_COLOR:
			if (!optarg || strcmp(optarg, "always") == 0)
				c->color = 1;
			else if (strcmp(optarg, "never") == 0)
				c->color = 0;
			else if (strcmp(optarg, "auto") == 0)
				c->color = -1;
			else
				return bad_value("color", optarg, "auto, always or never");
			break;
		case O_BASE: c->baseline = optarg; break;
		case O_INCR: c->incremental = optarg; break;
		case O_NORMALIZE: c->ropts.normalize = 1; break;
		case O_CHAIN: {
			size_t d;
			if (parse_count(optarg, &d) || d > 16)
				return bad_value("ref-chain-depth", optarg, "a number from 0 to 16");
			c->ropts.ref_chain_depth = (int)d;
			break;
		}
		case O_MINDELTA: {
			size_t len = strlen(optarg);
			uint64_t v;
			if (len > 1 && optarg[len - 1] == '%') {
				char *end;
				double p = strtod(optarg, &end);
				if (end != optarg + len - 1 || p < 0 || isnan(p) || isinf(p))
					return bad_value("min-delta", optarg, "a size or a percentage");
				c->ropts.min_delta_pct = p;
			} else if (hd_parse_size(optarg, &v) == 0) {
				c->ropts.min_delta = (int64_t)v;
			} else {
				return bad_value("min-delta", optarg, "a size such as 64KiB or a percentage such as 1%");
			}
			break;
		}
		case O_FOLDED:
			if (strcmp(optarg, "both") == 0)
				c->folded = HD_FOLDED_BOTH;
			else if (strcmp(optarg, "base") == 0)
				c->folded = HD_FOLDED_BASE;
			else if (strcmp(optarg, "new") == 0)
				c->folded = HD_FOLDED_NEW;
			else
				return bad_value("folded-columns", optarg, "new, base or both");
			c->folded_set = 1;
			break;
		case O_FAILON: {
			struct hd_error err = {0};

			if (c->nrules == MAX_RULES) {
				cli_error(NULL, "too many --fail-on rules (at most %d)", MAX_RULES);
				return HD_EXIT_TROUBLE;
			}
			if (hd_rule_parse(optarg, &c->rules[c->nrules], &err)) {
				cli_error(NULL, "%s", err.msg);
				return HD_EXIT_TROUBLE;
			}
			c->nrules++;
			break;
		}
		case O_ORDER:
			if (strcmp(optarg, "time") != 0 && strcmp(optarg, "given") != 0)
				return bad_value("order", optarg, "given or time");
			c->order_time = strcmp(optarg, "time") == 0;
			break;
		case O_ASCII: c->ascii = 1; break;
		case O_MINGROWTH:
		case O_MINR2:
		case O_MINRISING:
			if (trend_option(opt, optarg, &c->trend))
				return bad_value(name, optarg, opt == O_MINGROWTH ?
						 "a size such as 64KiB or a percentage such as 1%" :
						 "a number from 0 to 1");
			break;
		case ':':
			cli_error(NULL, "option '%s' needs a value (see 'heapdiff help %s')",
				  argv[optind - 1], sc->name);
			return HD_EXIT_TROUBLE;
		default:
			(void)name;
			cli_error(NULL, "unknown option '%s' for %s (see 'heapdiff help %s')",
				  argv[optind - 1], sc->name, sc->name);
			return HD_EXIT_TROUBLE;
		}
	}
	c->ropts.needs = hd_format_needs(c->format);
	/* Chains are drawn for the growers a table shows, at most ten. */
	if (c->top && c->top < c->ropts.ref_chain_rows)
		c->ropts.ref_chain_rows = c->top;
	c->args = argv + optind;
	c->nargs = argc - optind;
	return 0;
}

void cli_explain(struct hd_error *err)
{
	static const char *const hint[] = {
		[HD_SUBJ_MAX_SIZE] = " (see --max-size)",
		[HD_SUBJ_MAX_FRAMES] = " (see --max-frames)",
	};
	size_t n = strlen(err->msg);

	if ((unsigned)err->subject < sizeof(hint) / sizeof(hint[0]) && hint[err->subject])
		snprintf(err->msg + n, sizeof(err->msg) - n, "%s", hint[err->subject]);
}

int cli_load(const struct cli *c, const char *path, struct hd_profile **out)
{
	struct hd_error err = {0};

	if (hd_profile_load(path, &c->limits, out, &err)) {
		cli_explain(&err);
		cli_error(path, "%s", err.msg);
		return HD_EXIT_TROUBLE;
	}
	return 0;
}

int cli_check_rules(const struct cli *c, struct hd_report *r,
		    int (*fill)(void *ctx, struct hd_report *other, struct hd_error *err),
		    void *ctx)
{
	struct hd_error err = {0};
	int i;

	for (i = 0; i < c->nrules; i++) {
		const struct hd_rule *rule = &c->rules[i];
		struct hd_report_opts o = c->ropts;
		struct hd_report *other = NULL;

		if (!rule->sample_type[0] || strcmp(rule->sample_type, hd_report_sample_type(r)) == 0) {
			if (hd_report_check(r, r, rule, &err))
				goto fail;
			continue;
		}
		o.sample_index = rule->sample_type;
		o.ref_chain_depth = 0;
		if (hd_report_new(&o, &other, &err) || fill(ctx, other, &err) ||
		    hd_report_finish(other, &err) || hd_report_check(r, other, rule, &err)) {
			hd_report_free(other);
			goto fail;
		}
		hd_report_free(other);
	}
	return 0;
fail:
	cli_error(NULL, "--fail-on %s: %s", c->rules[i].text, err.msg);
	return HD_EXIT_TROUBLE;
}

int cli_verdict_status(const struct hd_report *r)
{
	return hd_report_failed(r) ? HD_EXIT_REGRESSION : HD_EXIT_PASS;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Write to a temporary file beside path and rename it into place, so a
 * failure never leaves half a report and never clobbers the old one. */
static int write_file(const char *path, const struct hd_buf *b)
{
	size_t n = strlen(path);
	char *tmp = malloc(n + 16);
	int fd, e;

	if (!tmp) {
		cli_error(path, "out of memory");
		return HD_EXIT_TROUBLE;
	}
	snprintf(tmp, n + 16, "%s.tmp-XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		cli_error(path, "cannot create a temporary file: %s", strerror(errno));
		free(tmp);
		return HD_EXIT_TROUBLE;
	}
	fchmod(fd, 0644);
	if (write_all(fd, b->data ? b->data : "", b->len) || fsync(fd) || close(fd)) {
		e = errno;
		close(fd);
		unlink(tmp);
		free(tmp);
		cli_error(path, "write error: %s", strerror(e));
		return HD_EXIT_TROUBLE;
	}
	if (rename(tmp, path)) {
		e = errno;
		unlink(tmp);
		free(tmp);
		cli_error(path, "cannot rename the temporary file into place: %s", strerror(e));
		return HD_EXIT_TROUBLE;
	}
	free(tmp);
	return 0;
}

int cli_emit(const struct cli *c, const struct hd_report *r)
{
	struct hd_render_opts ro;
	struct hd_error err = {0};
	struct hd_buf b;
	int rc = 0;

	memset(&ro, 0, sizeof(ro));
	ro.format = c->format;
	ro.top = c->top;
	ro.folded = c->folded;
	ro.ascii = c->ascii;
	ro.icicle = c->icicle;
	if (c->color < 0) {
		const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");
		ro.color = !c->output && isatty(STDOUT_FILENO) && !(nc && *nc) &&
			   !(term && strcmp(term, "dumb") == 0);
	} else {
		ro.color = c->color;
	}
	hd_buf_init(&b, 0);
	if (hd_render(r, &ro, &b, &err)) {
		cli_error(NULL, "%s", err.msg);
		hd_buf_release(&b);
		return HD_EXIT_TROUBLE;
	}
	if (c->output && strcmp(c->output, "-") != 0) {
		rc = write_file(c->output, &b);
	} else if (write_all(STDOUT_FILENO, b.data ? b.data : "", b.len)) {
		/* A reader that stopped early (| head) is not an error. */
		if (errno != EPIPE) {
			cli_error(NULL, "write error on standard output: %s", strerror(errno));
			rc = HD_EXIT_TROUBLE;
		}
	}
	hd_buf_release(&b);
	return rc;
}
