/*
 * cli.c - messages, loading and --fail-on for the subcommands: the one
 * place a library error becomes a line on stderr, in cmd/'s words.
 */
#include <langinfo.h>
#include <locale.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

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

/*
 * The option each subject of struct hd_error is, and the noun of lib/'s
 * neutral "invalid NOUN ..." that the option's name goes before.
 */
static const struct {
	const char *option;
	const char *noun;
} subjects[] = {
	[HD_SUBJ_MAX_SIZE] = {"--max-size", NULL},
	[HD_SUBJ_MAX_FRAMES] = {"--max-frames", NULL},
	[HD_SUBJ_FOCUS] = {"--focus", "regular expression"},
	[HD_SUBJ_IGNORE] = {"--ignore", "regular expression"},
	[HD_SUBJ_HIDE] = {"--hide", "regular expression"},
	[HD_SUBJ_SHOW] = {"--show", "regular expression"},
	[HD_SUBJ_RULE] = {"--fail-on", "rule"},
	[HD_SUBJ_FORMAT] = {"--format", NULL},
	[HD_SUBJ_MAX_OUTPUT] = {"--max-output", NULL},
	[HD_SUBJ_APP] = {"--app", "regular expression"},
};

/* Insert ins at msg[at] (cut at the buffer's end). */
static void insert(char *msg, size_t size, size_t at, const char *ins)
{
	size_t len = strlen(msg), n = strlen(ins);

	if (at > len)
		return;
	if (n > size - 1 - at)
		n = size - 1 - at;
	if (len + n > size - 1)
		len = size - 1 - n;
	memmove(msg + at + n, msg + at, len - at);
	memcpy(msg + at, ins, n);
	msg[len + n] = '\0';
}

static int is_word(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '-';
}

/* "html is for trend only; use svg ..." names formats by their option:
 * each word that is a format's name gets "--format " before it. */
static void name_formats(char *msg, size_t size)
{
	const char *opt = "--format ";
	size_t i = 0, len = strlen(opt);

	while (msg[i]) {
		size_t n = 0;
		char word[16];
		enum hd_format f;

		while (is_word(msg[i + n]))
			n++;
		if (n == 0) {
			i++;
			continue;
		}
		snprintf(word, sizeof(word), "%.*s", (int)n, msg + i);
		if (n < sizeof(word) && hd_format_parse(word, &f) == 0 &&
		    !(i >= len && strncmp(msg + i - len, opt, len) == 0)) {
			insert(msg, size, i, opt);
			i += len;
		}
		i += n;
	}
}

void cli_explain(struct hd_error *err)
{
	enum hd_subject subj = err->subject;
	const char *opt, *noun;
	size_t n;

	if ((unsigned)subj >= sizeof(subjects) / sizeof(subjects[0]) || !subjects[subj].option)
		return;
	opt = subjects[subj].option;
	noun = subjects[subj].noun;
	n = strlen(err->msg);
	err->subject = HD_SUBJ_NONE; /* once */
	if (subj == HD_SUBJ_FORMAT) {
		name_formats(err->msg, sizeof(err->msg));
	} else if (noun && strncmp(err->msg, "invalid ", 8) == 0 &&
		   strncmp(err->msg + 8, noun, strlen(noun)) == 0) {
		/* "invalid rule 'x'" -> "invalid --fail-on rule 'x'" */
		insert(err->msg, sizeof(err->msg), 8, " ");
		insert(err->msg, sizeof(err->msg), 8, opt);
	} else if (!strstr(err->msg, opt)) { /* else lib/ named it already */
		snprintf(err->msg + n, sizeof(err->msg) - n, " (see %s)", opt);
	}
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
			char msg[sizeof(err.msg) + sizeof(c->rules[i].text) + 16];
			size_t n;

			/* "--fail-on RULE: what" names the option; explained after
			 * the prefix is in, so that an error about the rule itself
			 * (HD_SUBJ_RULE) does not name it a second time.  Cut, if
			 * it must be, before a whole UTF-8 character. */
			snprintf(msg, sizeof(msg), "--fail-on %s: %s", c->rules[i].text, err.msg);
			n = strlen(msg);
			if (n >= sizeof(err.msg)) {
				n = sizeof(err.msg) - 1;
				while (n > 0 && ((unsigned char)msg[n] & 0xc0) == 0x80)
					n--;
			}
			memcpy(err.msg, msg, n);
			err.msg[n] = '\0';
			cli_lib_error(NULL, &err);
			return HD_EXIT_TROUBLE;
		}
	return 0;
}

int cli_rules_reread(const struct cli *c)
{
	int i;

	for (i = 0; i < c->nrules; i++)
		if (c->rules[i].sample_type[0])
			return 1;
	return 0;
}

int cli_verdict_status(const struct hd_report *r)
{
	return hd_report_failed(r) ? HD_EXIT_REGRESSION : HD_EXIT_PASS;
}

void cli_warnings(const struct hd_report *r)
{
	const char *const *w;
	size_t i, n = hd_report_warnings(r, &w);

	for (i = 0; i < n; i++)
		cli_error(NULL, "warning: %s", w[i]);
}

/*
 * Whether the user's locale (LC_ALL, LC_CTYPE, LANG) uses UTF-8.  The
 * locale is set only to ask and then put back to "C", so that regular
 * expressions and everything else behave as in top and diff.
 */
int cli_utf8_locale(void)
{
	const char *env[] = {"LC_ALL", "LC_CTYPE", "LANG"}, *v, *cs;
	int utf8 = 0;
	size_t i;

	if (setlocale(LC_CTYPE, "")) {
		cs = nl_langinfo(CODESET);
		utf8 = cs && (strcasecmp(cs, "UTF-8") == 0 || strcasecmp(cs, "UTF8") == 0);
		setlocale(LC_CTYPE, "C");
		return utf8;
	}
	/* The locale is not installed: trust the name of the first one set. */
	for (i = 0; i < sizeof(env) / sizeof(env[0]); i++) {
		v = getenv(env[i]);
		if (v && *v)
			return strstr(v, "UTF-8") || strstr(v, "utf-8") ||
			       strstr(v, "UTF8") || strstr(v, "utf8");
	}
	return 0;
}
