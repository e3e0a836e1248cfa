/*
 * cli.c - messages, loading and --fail-on for the subcommands: the one
 * place a library error becomes a line on stderr, in cmd/'s words.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

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

void cli_explain(struct hd_error *err)
{
	static const char *const hint[] = {
		[HD_SUBJ_MAX_SIZE] = " (see --max-size)",
		[HD_SUBJ_MAX_FRAMES] = " (see --max-frames)",
	};
	size_t n = strlen(err->msg);

	if ((unsigned)err->subject < sizeof(hint) / sizeof(hint[0]) && hint[err->subject])
		snprintf(err->msg + n, sizeof(err->msg) - n, "%s", hint[err->subject]);
	err->subject = HD_SUBJ_NONE; /* once */
}

void cli_lib_error(const char *file, struct hd_error *err)
{
	cli_explain(err);
	cli_error(file, "%s", err->msg);
}

int cli_load(const struct cli *c, const char *path, struct hd_profile **out)
{
	struct hd_error err = {0};

	if (hd_profile_load(path, &c->limits, out, &err)) {
		cli_lib_error(path, &err);
		return HD_EXIT_TROUBLE;
	}
	return 0;
}

/* Check rule against r; a rule on another sample type gets its own report. */
static int check_rule(const struct cli *c, const struct hd_rule *rule, struct hd_report *r,
		      int (*fill)(void *ctx, struct hd_report *other, struct hd_error *err),
		      void *ctx, struct hd_error *err)
{
	struct hd_report_opts o = c->ropts;
	struct hd_report *other = NULL;
	int rc;

	if (!rule->sample_type[0] || strcmp(rule->sample_type, hd_report_sample_type(r)) == 0)
		return hd_report_check(r, r, rule, err);
	o.sample_index = rule->sample_type;
	o.ref_chain_depth = 0;
	rc = hd_report_new(&o, &other, err);
	if (!rc)
		rc = fill(ctx, other, err);
	if (!rc)
		rc = hd_report_finish(other, err);
	if (!rc)
		rc = hd_report_check(r, other, rule, err);
	hd_report_free(other);
	return rc;
}

int cli_check_rules(const struct cli *c, struct hd_report *r,
		    int (*fill)(void *ctx, struct hd_report *other, struct hd_error *err),
		    void *ctx)
{
	struct hd_error err = {0};
	int i;

	for (i = 0; i < c->nrules; i++)
		if (check_rule(c, &c->rules[i], r, fill, ctx, &err)) {
			cli_explain(&err);
			cli_error(NULL, "--fail-on %s: %s", c->rules[i].text, err.msg);
			return HD_EXIT_TROUBLE;
		}
	return 0;
}

int cli_verdict_status(const struct hd_report *r)
{
	return hd_report_failed(r) ? HD_EXIT_REGRESSION : HD_EXIT_PASS;
}
