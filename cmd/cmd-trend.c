/*
 * cmd-trend.c - heapdiff trend: what keeps growing across a series of
 * profiles (snapshots of one process, or successive builds).
 *
 * Profiles enter the report one at a time, in the order given, and each
 * is freed as soon as it is in, so memory grows with the union of their
 * stacks, not with their number.  The library puts the columns in time
 * order at hd_report_finish (--order), each with its path and label, so
 * every file is read once; after finish, column i need not be argument
 * i, and nothing here assumes it.  A --fail-on rule on another sample
 * type reads the series once more: standard input, which cannot be read
 * twice, is kept in memory for it, and so is the body of each URL, so
 * that the rule sees the snapshot the report saw, not a later one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

/* Show progress on a terminal from this many profiles on. */
#define PROGRESS_MIN 20

struct input {
	const char *path;
	char *label;     /* NAME of NAME=PATH, or NULL for the base name */
	struct hd_buf body; /* a URL's bytes as served, when kept */
	int64_t when;       /* ... and when they were asked for */
	int kept;
};

struct series {
	struct input *in;
	size_t n;
	struct hd_limits limits;
	struct hd_profile *stdin_p; /* "-" is read once and kept */
	int keep_urls;              /* a rule may read the series again */
	int progress;               /* stderr is a terminal and n is large */
	int shown;                  /* a progress line is on the screen */
};

static void progress(struct series *s, const char *what, size_t i)
{
	if (!s->progress)
		return;
	fprintf(stderr, "\r%s %zu/%zu ...", what, i + 1, s->n);
	fflush(stderr);
	s->shown = 1;
}

static void progress_clear(struct series *s)
{
	if (!s->shown)
		return;
	fprintf(stderr, "\r%40s\r", "");
	fflush(stderr);
	s->shown = 0;
}

/* Load input i into *p; *owned says whether the caller frees it. */
static int load(struct series *s, size_t i, struct hd_profile **p, int *owned,
		struct hd_error *err)
{
	const char *path = s->in[i].path;

	*owned = strcmp(path, "-") != 0;
	if (!*owned && s->stdin_p) {
		*p = s->stdin_p;
		return 0;
	}
	if (s->keep_urls && hd_is_url(path)) {
		struct input *in = &s->in[i];

		if (!in->kept) {
			if (hd_fetch(path, &s->limits, &in->body, &in->when, err))
				return HD_EXIT_TROUBLE;
			in->kept = 1;
		}
		if (hd_profile_load_mem(in->body.data, in->body.len, in->when, &s->limits, p,
					err))
			return HD_EXIT_TROUBLE;
		return 0;
	}
	if (hd_profile_load(path, &s->limits, p, err))
		return HD_EXIT_TROUBLE;
	if (!*owned)
		s->stdin_p = *p;
	return 0;
}

/*
 * Add every profile, in order, one at a time.  On error print it as
 * "FILE: what" when print is set, else leave "FILE: what" in err.
 */
static int add_all(struct series *s, struct hd_report *r, const char *what,
		   struct hd_error *err, int print)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		struct hd_profile *p = NULL;
		int owned = 0, rc;

		progress(s, what, i);
		rc = load(s, i, &p, &owned, err);
		if (!rc && hd_report_add(r, s->in[i].path, s->in[i].label, p, err))
			rc = HD_EXIT_TROUBLE;
		if (owned)
			hd_profile_free(p);
		if (rc) {
			progress_clear(s);
			if (print) {
				cli_lib_error(s->in[i].path, err);
			} else {
				char msg[sizeof(err->msg)];
				size_t k = strlen(s->in[i].path);

				/* "FILE: what", the file cut short rather than the message. */
				if (k > sizeof(msg) / 2)
					k = sizeof(msg) / 2;
				memcpy(msg, s->in[i].path, k);
				memcpy(msg + k, ": ", 2);
				memcpy(msg + k + 2, err->msg, sizeof(msg) - k - 3);
				msg[sizeof(msg) - 1] = '\0';
				memcpy(err->msg, msg, sizeof(msg));
			}
			return HD_EXIT_TROUBLE;
		}
	}
	progress_clear(s);
	return 0;
}

/* cli_check_rules() callback: the same series into a report of another type. */
static int fill_series(void *ctx, struct hd_report *other, struct hd_error *err)
{
	return add_all(ctx, other, "checking", err, 0) ? HD_ERR_INCOMPATIBLE : 0;
}

/*
 * NAME=PATH labels a column, unless the argument is an existing file
 * (file names may contain '=') or NAME is empty or has a '/' (then it is
 * a path with a '=' in a directory name).
 */
static int parse_input(const char *arg, struct input *in)
{
	const char *eq = strchr(arg, '=');
	struct stat st;
	size_t n;

	in->path = arg;
	in->label = NULL;
	if (!eq || eq == arg || !eq[1] || stat(arg, &st) == 0)
		return 0;
	n = (size_t)(eq - arg);
	if (memchr(arg, '/', n))
		return 0;
	in->label = malloc(n + 1);
	if (!in->label)
		return -1;
	memcpy(in->label, arg, n);
	in->label[n] = '\0';
	in->path = eq + 1;
	return 0;
}

static int run(struct cli *c)
{
	struct series s;
	struct hd_report *r = NULL;
	struct hd_error err = {0};
	size_t i, nstdin = 0;
	int rc;

	memset(&s, 0, sizeof(s));
	if (c->nargs < 2) {
		cli_error(NULL, "trend takes two or more profiles (see 'heapdiff help trend')");
		return HD_EXIT_TROUBLE;
	}
	c->ropts.trend = &c->trend;
	if (!c->ascii && !cli_utf8_locale())
		c->ascii = 1;
	s.n = (size_t)c->nargs;
	s.limits = c->limits;
	s.progress = s.n >= PROGRESS_MIN && isatty(STDERR_FILENO);
	s.keep_urls = cli_rules_reread(c);
	s.in = calloc(s.n, sizeof(*s.in));
	rc = HD_EXIT_TROUBLE;
	if (!s.in) {
		cli_error(NULL, "out of memory");
		goto out;
	}
	for (i = 0; i < s.n; i++) {
		if (parse_input(c->args[i], &s.in[i])) {
			cli_error(NULL, "out of memory");
			goto out;
		}
		nstdin += strcmp(s.in[i].path, "-") == 0;
	}
	if (nstdin > 1) {
		cli_error(NULL, "standard input (-) can be given only once");
		goto out;
	}
	if (hd_report_new(&c->ropts, &r, &err)) {
		cli_lib_error(NULL, &err);
		goto out;
	}
	if (add_all(&s, r, "loading", &err, 1))
		goto out;
	if (hd_report_finish(r, &err)) {
		cli_lib_error(NULL, &err);
		goto out;
	}
	if (cli_check_rules(c, r, fill_series, &s))
		goto out;
	rc = cli_emit(c, r);
	if (rc == 0) {
		cli_warnings(r);
		rc = cli_verdict_status(r);
	}
out:
	hd_report_free(r);
	hd_profile_free(s.stdin_p);
	for (i = 0; s.in && i < s.n; i++) {
		free(s.in[i].label);
		hd_buf_release(&s.in[i].body);
	}
	free(s.in);
	return rc;
}

const struct subcommand cmd_trend = {
	.name = "trend",
	.command = HD_CMD_TREND,
	.options = OPT_FORMAT | OPT_OUTPUT | OPT_TOP | OPT_SAMPLE | OPT_GRAN | OPT_FILTERS |
		   OPT_SORT | OPT_LIMITS | OPT_COLOR | OPT_CHAINS | OPT_FOLDED | OPT_FAILON |
		   OPT_TREND | OPT_APP | OPT_FETCH,
	.run = run,
	.synopsis = "heapdiff trend [options] PROFILE PROFILE [PROFILE...]",
	.help =
	"Follow every function across a series of profiles and find what keeps\n"
	"growing: the series of values, Mann-Kendall trend test, Theil-Sen slope\n"
	"and a class per function (growing, levelled, shrinking, fluctuating,\n"
	"stable, new, gone); growing functions of the user's code are the leak\n"
	"suspects, listed first with their culprits and allocation call paths\n"
	"(last profile against the first).\n"
	"\n"
	"A PROFILE may be NAME=PATH to label its column NAME (NAME without '/',\n"
	"and only when NAME=PATH is not itself an existing file); the default\n"
	"label is the file's base name.  - is standard input (once).  Columns\n"
	"are in time order when every profile carries a distinct time stamp,\n"
	"else as given (see --order).\n"
	"\n"
	"Classification, on each function's attributed series (its own value for\n"
	"the user's code, flat elsewhere; the increments for alloc_* types),\n"
	"first rule that holds (heapdiff(1) has the exact rule):\n"
	"  stable       all zero\n"
	"  levelled     grew, then level for at least the last third\n"
	"  growing      Mann-Kendall p <= --max-p (or every later value above\n"
	"               every earlier one) and Theil-Sen growth above the\n"
	"               --min-growth floor; or a sawtooth whose floor and peaks\n"
	"               both rise\n"
	"  new / gone   zero in the first / the last profile\n"
	"  shrinking    the mirror of growing\n"
	"  fluctuating  max - min above the floor\n"
	"  stable       anything else\n",
};
