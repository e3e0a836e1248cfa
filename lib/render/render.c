/*
 * render.c - the renderer table: per output format its name, what it
 * renders for each command and what it needs of the report.
 * hd_format_parse(), hd_format_needs() and hd_render() read it and
 * nothing else; the formats themselves are one file each (formats.h).
 *
 * Owns nothing.  Calls the format files, which call the shared module
 * (render.h); neither calls back here.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "render/formats.h"

static const struct renderer {
	const char *name, *alias;
	/* Per command; NULL: the format does not render it. */
	hd_render_fn *top, *diff, *trend;
	unsigned needs;     /* HD_NEED_*: what the report must hold */
	const char *hint;   /* after the refusal of a command it does not render */
} formats[] = {
	[HD_FMT_TEXT] = {"text", NULL, hd_text_top, hd_text_diff, hd_text_trend,
			 HD_NEED_CHAINS, NULL},
	[HD_FMT_MARKDOWN] = {"markdown", "md", hd_markdown_top, hd_markdown_diff,
			     hd_markdown_trend, HD_NEED_CHAINS, NULL},
	[HD_FMT_JSON] = {"json", NULL, hd_json_top, hd_json_diff, hd_json_trend,
			 HD_NEED_CHAINS, NULL},
	/* The first and the last column, whatever the command. */
	[HD_FMT_FOLDED] = {"folded", NULL, hd_folded_stacks, hd_folded_stacks,
			   hd_folded_stacks, 0, NULL},
	/* The model's sorted stacks (flame.c lays the tree out from them). */
	[HD_FMT_SVG] = {"svg", NULL, hd_svg_document, hd_svg_document, hd_svg_document,
			0, NULL},
	/* A single profile or a pair has nothing for the page's table, heat
	 * map and charts to show. */
	[HD_FMT_HTML] = {"html", NULL, NULL, NULL, hd_html_trend, HD_NEED_ALL,
			 "; use svg for a flame graph"},
	/* The model's stacks, whatever the command: no tree, no chains. */
	[HD_FMT_PPROF] = {"pprof", NULL, hd_pprof_profile, hd_pprof_profile,
			  hd_pprof_profile, 0, NULL},
};

#define NFORMATS (sizeof(formats) / sizeof(formats[0]))

static const struct renderer *lookup(enum hd_format f)
{
	return (unsigned)f < NFORMATS && formats[f].name ? &formats[f] : NULL;
}

int hd_format_parse(const char *s, enum hd_format *out)
{
	size_t i;

	for (i = 0; i < NFORMATS; i++)
		if (formats[i].name && (strcmp(s, formats[i].name) == 0 ||
					(formats[i].alias && strcmp(s, formats[i].alias) == 0))) {
			*out = (enum hd_format)i;
			return 0;
		}
	return HD_ERR_USAGE;
}

unsigned hd_format_needs(enum hd_format f)
{
	const struct renderer *fmt = lookup(f);

	return fmt ? fmt->needs : HD_NEED_ALL;
}

static hd_render_fn *cell(const struct renderer *fmt, enum hd_command c)
{
	switch (c) {
	case HD_CMD_TOP: return fmt->top;
	case HD_CMD_DIFF: return fmt->diff;
	case HD_CMD_TREND: return fmt->trend;
	}
	return NULL;
}

/* "html is for trend only; use svg for a flame graph": the commands the
 * format has cells for.  About the format, not the command line: the
 * front end names its own option (err->subject). */
static int refuse(const struct renderer *fmt, struct hd_error *err)
{
	static const char *const names[] = {"top", "diff", "trend"};
	char list[64] = "";
	size_t n = 0;
	int c;

	for (c = HD_CMD_TOP; c <= HD_CMD_TREND; c++)
		if (cell(fmt, (enum hd_command)c))
			n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s",
					      n ? " and " : "", names[c]);
	return hd_fail_about(err, HD_ERR_USAGE, HD_SUBJ_FORMAT, "%s is for %s only%s",
			     fmt->name, list, fmt->hint ? fmt->hint : "");
}

/* "64 MiB", "1.50 GiB", "1000 bytes": the cap of a refusal. */
static void format_cap(char *buf, size_t n, size_t v)
{
	static const char *const units[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
	double d = (double)v;
	size_t u = 0;

	while (u + 1 < sizeof(units) / sizeof(units[0]) && d >= 1024) {
		d /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, n, "%zu bytes", v);
	else if (d == floor(d))
		snprintf(buf, n, "%.0f %s", d, units[u]);
	else
		snprintf(buf, n, "%.2f %s", d, units[u]);
}

int hd_render(const struct hd_report *r, const struct hd_render_opts *o,
	      struct hd_buf *out, struct hd_error *err)
{
	const struct renderer *fmt = lookup(o->format);
	size_t start = out->len, max = out->max, room;
	int failed = out->failed, rc;
	hd_render_fn *fn;
	char cap[32];

	if (!fmt)
		return hd_fail_about(err, HD_ERR_USAGE, HD_SUBJ_FORMAT, "unknown output format");
	fn = cell(fmt, r->command);
	if (!fn)
		return refuse(fmt, err);
	if ((fmt->needs & HD_NEED_TREE) && !hd_model_has_tree(r->model))
		return hd_fail(err, HD_ERR_USAGE, "the report was finished without the call "
			       "tree that %s draws", fmt->name);
	/* A buffer without a cap gets the default, for this render only. */
	if (max == SIZE_MAX && start < SIZE_MAX - 1 - HD_DEFAULT_MAX_OUTPUT)
		out->max = start + 1 + HD_DEFAULT_MAX_OUTPUT;
	rc = fn(r, o, out);
	if (!rc)
		rc = out->failed;
	/* The room the report had: what the buffer may hold, less what it
	 * held before and its NUL; a buffer of max = 1 MiB reads "1 MiB"
	 * (the NUL's byte given back), as does one of 1 MiB + 1. */
	room = out->max - start - 1;
	format_cap(cap, sizeof(cap), room % 1024 && (room + 1) % 1024 == 0 ? room + 1 : room);
	out->max = max;
	if (!rc)
		return 0;
	/* No partial output: the buffer is as it was, its failure too. */
	out->len = start;
	out->failed = failed;
	if (out->data)
		out->data[start] = '\0';
	if (rc == HD_ERR_LIMIT)
		return hd_fail_about(err, HD_ERR_LIMIT, HD_SUBJ_MAX_OUTPUT,
				     "the report would exceed the output limit of %s", cap);
	if (rc == HD_ERR_NOMEM)
		return hd_fail(err, HD_ERR_NOMEM, "out of memory");
	return hd_fail(err, rc, "%s", hd_status_str(rc));
}
