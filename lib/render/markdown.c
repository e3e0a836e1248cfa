/*
 * render-markdown.c - GitHub-flavoured Markdown for CI reports (a pull
 * request comment, a job summary).
 *
 * Contract: the output is a GFM document whose rendered text shows every
 * name exactly as the text report prints it (control characters as
 * spaces, invalid UTF-8 as U+FFFD), and nothing taken from a profile or
 * the command line can add markup, break a table or inject HTML.  The only
 * raw HTML written is the fixed <details>/<summary> around the reference
 * chains.  Two quoting helpers do this:
 *
 *   md_code()  frame names and profile labels, as code spans.  Inside a
 *              code span nothing is markup (no emphasis, entities, HTML,
 *              and on GitHub no @mentions, #refs, :emoji: or $math$); the
 *              fence is one backtick longer than the longest backtick run
 *              in the name, padded with a space each side (which
 *              CommonMark strips again) where the name's own ends would
 *              otherwise join the fence or be stripped.  An empty name
 *              writes nothing.  In a table cell every '|' becomes
 *              "\|": GFM splits cells before parsing code spans, and it
 *              removes exactly one backslash before each pipe, so a name's
 *              own backslash before a pipe survives.
 *   md_text()  other strings (sample type, unit) as plain text, never at
 *              the start of a line: & < > as entities, and \ ` * _ [ ] #
 *              | ~ $ backslash-escaped ($ for GitHub's math).
 *
 * Numbers come from hd_format_value()/hd_format_pct() and need no quoting.
 * Every block ends with a blank line so no table swallows the next line.
 */
#include <stdio.h>
#include <string.h>

#include "render/render.h"

struct md {
	const struct hd_report *r;
	const struct hd_render_opts *o;
	struct hd_buf *b;
	struct hd_buf tmp;  /* scratch: one cleaned string */
};

/* Clean s into tmp (valid UTF-8, controls as spaces); NULL is "". */
static const char *clean_into(struct hd_buf *tmp, const char *s)
{
	tmp->len = 0;
	if (tmp->data)
		tmp->data[0] = '\0';
	hd_put_clean(tmp, s ? s : "", 1);
	return tmp->data && !tmp->failed ? tmp->data : "";
}

void hd_md_text(struct hd_buf *b, struct hd_buf *tmp, const char *s)
{
	const char *p = clean_into(tmp, s);

	for (; *p; p++) {
		switch (*p) {
		case '&':
			hd_buf_puts(b, "&amp;");
			break;
		case '<':
			hd_buf_puts(b, "&lt;");
			break;
		case '>':
			hd_buf_puts(b, "&gt;");
			break;
		case '\\': case '`': case '*': case '_': case '[': case ']':
		case '#': case '|': case '~': case '$':
			hd_buf_append(b, "\\", 1);
			/* fall through */
		default:
			hd_buf_append(b, p, 1);
		}
	}
}

void hd_md_code(struct hd_buf *b, struct hd_buf *tmp, const char *s, int in_table)
{
	const char *p = clean_into(tmp, s);
	size_t run = 0, longest = 0, i, n = strlen(p);
	int all_spaces = 1, pad;

	if (n == 0)
		return;   /* an empty code span cannot be written; show nothing */
	for (i = 0; i < n; i++) {
		run = p[i] == '`' ? run + 1 : 0;
		if (run > longest)
			longest = run;
		if (p[i] != ' ')
			all_spaces = 0;
	}
	/*
	 * CommonMark strips one space from each side of a code span when both
	 * ends are spaces and the content is not all spaces.  Pad with a space
	 * each side (stripped again) when the name starts or ends with a
	 * backtick, which would otherwise join the fence, or starts and ends
	 * with a space, which would otherwise be stripped.
	 */
	pad = !all_spaces && (p[0] == '`' || p[n - 1] == '`' ||
			      (p[0] == ' ' && p[n - 1] == ' '));
	for (i = 0; i <= longest; i++)
		hd_buf_append(b, "`", 1);
	if (pad)
		hd_buf_append(b, " ", 1);
	for (; *p; p++) {
		if (*p == '|' && in_table)
			hd_buf_append(b, "\\", 1);
		hd_buf_append(b, p, 1);
	}
	if (pad)
		hd_buf_append(b, " ", 1);
	for (i = 0; i <= longest; i++)
		hd_buf_append(b, "`", 1);
}

void hd_md_verdict(struct hd_buf *b, struct hd_buf *tmp, const struct hd_report *r)
{
	const struct hd_verdict *v = r->verdict;
	char d[512];
	size_t i, k;

	if (!v)
		return;
	hd_buf_printf(b, "%s **%s**%s\n\n", v->pass ? "✅" : "❌",
		      v->pass ? "PASS" : "FAIL",
		      r->opts.normalize ? " (rules evaluated on normalized values)" : "");
	hd_buf_puts(b, "| | rule | measured |\n|:---|:---|:---|\n");
	for (i = 0; i < v->n; i++) {
		const struct hd_rule_result *res = &v->results[i];

		hd_verdict_describe(res, d, sizeof(d), 0);
		hd_buf_printf(b, "| %s | ", res->pass ? "✅" : "❌");
		hd_md_code(b, tmp, res->rule.text, 1);
		hd_buf_puts(b, " | ");
		hd_md_text(b, tmp, d);
		/* Frames as code spans, not inside the plain-text description. */
		for (k = 0; k < res->nframes && k < 3; k++) {
			hd_buf_puts(b, k ? ", " : ": ");
			hd_md_code(b, tmp, res->frame_names[k], 1);
		}
		if (res->nframes > 3)
			hd_buf_printf(b, " and %zu more", res->nframes - 3);
		hd_buf_puts(b, " |\n");
	}
	hd_buf_puts(b, "\n");
}

static void md_text(struct md *m, const char *s)
{
	hd_md_text(m->b, &m->tmp, s);
}

static void md_code(struct md *m, const char *s, int in_table)
{
	hd_md_code(m->b, &m->tmp, s, in_table);
}

static const char *frame_name(const struct hd_report *r, uint32_t frame)
{
	return hd_model_frame(r->model, frame)->name;
}

static void type_line(struct md *m)
{
	const struct hd_report *r = m->r;
	const struct hd_model_opts *mo = &r->opts.model;
	const char *names[4] = {"focus", "ignore", "hide", "show"};
	const char *vals[4] = {mo->focus, mo->ignore, mo->hide, mo->show};
	int i;

	hd_buf_puts(m->b, "Sample type ");
	md_text(m, r->sample_type);
	hd_buf_puts(m->b, " (");
	md_text(m, r->sample_unit);
	hd_buf_puts(m->b, ")");
	if (mo->granularity != HD_GRAN_FUNCTIONS)
		hd_buf_printf(m->b, ", granularity %s", hd_granularity_name(mo->granularity));
	for (i = 0; i < 4; i++)
		if (vals[i] && *vals[i]) {
			hd_buf_printf(m->b, ", %s ", names[i]);
			md_code(m, vals[i], 0);
		}
	hd_buf_puts(m->b, ".\n\n");
}

static int render_top(struct md *m)
{
	const struct hd_report *r = m->r;
	const struct hd_column_info *c = &r->cols[0];
	size_t i, shown = hd_rows_shown(r, m->o);
	char t[64], v1[64];
	int64_t sum = 0;

	hd_buf_puts(m->b, "## heapdiff top: ");
	md_code(m, c->label, 0);
	hd_buf_puts(m->b, " (");
	md_text(m, r->sample_type);
	hd_buf_puts(m->b, ")\n\n");
	type_line(m);
	hd_format_value(v1, sizeof(v1), c->total, r->sample_unit, 0);
	hd_buf_puts(m->b, "**Total ");
	md_text(m, r->sample_type);
	hd_buf_printf(m->b, ": %s**", v1);
	if (c->time_nanos) {
		hd_format_time(t, sizeof(t), c->time_nanos);
		hd_buf_printf(m->b, " at %s", t);
	}
	if (shown < r->nrows)
		hd_buf_printf(m->b, " (top %zu of %zu frames)", shown, r->nrows);
	hd_buf_puts(m->b, "\n\n");
	if (shown == 0) {
		hd_buf_puts(m->b, "No samples.\n");
		return 0;
	}
	hd_buf_puts(m->b, "| flat | flat% | sum% | cum | cum% | function |\n"
			  "|---:|---:|---:|---:|---:|:---|\n");
	for (i = 0; i < shown; i++) {
		const struct hd_row *row = &r->rows[i];
		char cell[5][64];

		hd_top_cells(r, row, &sum, cell);
		hd_buf_printf(m->b, "| %s | %s | %s | %s | %s | ", cell[0], cell[1],
			      cell[2], cell[3], cell[4]);
		md_code(m, frame_name(r, row->frame), 1);
		hd_buf_puts(m->b, " |\n");
	}
	hd_buf_puts(m->b, "\n");
	return 0;
}

/*
 * +1 for a grower, -1 for a shrinker, 0 for neither.  The sign of Δflat,
 * or of Δcum when Δflat is 0; under --sort cum/delta-cum the sign of Δcum,
 * so the tables split the ranking the way the text report does.
 */
/* Growers (dir 1) or shrinkers (dir -1) in rank order, o->top of them. */
static void diff_table(struct md *m, int dir)
{
	const struct hd_report *r = m->r;
	const struct hd_row *const *rows = dir > 0 ? r->growers : r->shrinkers;
	size_t i, n = dir > 0 ? r->ngrowers : r->nshrinkers;
	char v[6][64];

	if (m->o->top && m->o->top < n)
		n = m->o->top;
	for (i = 0; i < n; i++) {
		const struct hd_row *row = rows[i];

		if (i == 0)
			hd_buf_printf(m->b, "### Top %s\n\n"
				      "| Δflat | Δflat%% | base flat | new flat | Δcum | Δcum%% | status | function |\n"
				      "|---:|---:|---:|---:|---:|---:|:---|:---|\n",
				      dir > 0 ? "growers" : "shrinkers");
		hd_diff_cells(r, row, v);
		hd_buf_printf(m->b, "| %s | %s | %s | %s | %s | %s | %s | ", v[0],
			      v[1], v[2], v[3], v[4], v[5], hd_row_status_name(row->status));
		md_code(m, frame_name(r, row->frame), 1);
		hd_buf_puts(m->b, " |\n");
	}
	if (n)
		hd_buf_puts(m->b, "\n");
}

/* New and gone frames among the rows the two tables show, in rank order. */
static void new_and_gone(struct md *m)
{
	const struct hd_report *r = m->r;
	size_t i, j, ng = r->ngrowers, ns = r->nshrinkers;
	int pass, any = 0;
	char v[64];

	if (m->o->top && m->o->top < ng)
		ng = m->o->top;
	if (m->o->top && m->o->top < ns)
		ns = m->o->top;
	for (pass = 0; pass < 2; pass++) {
		enum hd_row_status want = pass == 0 ? HD_NEW : HD_GONE;

		for (i = j = 0; i < ng || j < ns;) {
			/* Both lists point into r->rows: the lower address ranks higher. */
			const struct hd_row *row = j >= ns || (i < ng && r->growers[i] < r->shrinkers[j]) ?
				r->growers[i++] : r->shrinkers[j++];

			if (row->status != want)
				continue;
			if (!any++)
				hd_buf_puts(m->b, "### New and gone frames\n\n");
			hd_format_value(v, sizeof(v), row->dcum, r->sample_unit, 1);
			hd_buf_printf(m->b, "- **%s** ", hd_row_status_name(row->status));
			md_code(m, frame_name(r, row->frame), 0);
			hd_buf_printf(m->b, " (Δcum %s)\n", v);
		}
	}
	if (any)
		hd_buf_puts(m->b, "\n");
}

static void chains(struct md *m)
{
	const struct hd_report *r = m->r;
	size_t i, j, k;
	int any = 0;
	char v[64];

	for (i = 0; i < r->nrows; i++) {
		const struct hd_row *row = &r->rows[i];

		if (!row->nchains)
			continue;
		/* Blank lines around the inner Markdown end the HTML blocks,
		 * so GFM renders the list inside <details>. */
		if (!any++)
			hd_buf_printf(m->b, "<details><summary>Reference chains "
				      "(up to %d nearest callers, by growth)</summary>\n\n",
				      r->opts.ref_chain_depth);
		hd_format_value(v, sizeof(v), row->dcum, r->sample_unit, 1);
		hd_buf_puts(m->b, "- ");
		md_code(m, frame_name(r, row->frame), 0);
		hd_buf_printf(m->b, " (Δcum %s)\n", v);
		for (j = 0; j < row->nchains; j++) {
			const struct hd_chain *c = &row->chains[j];

			hd_format_value(v, sizeof(v), c->delta, r->sample_unit, 1);
			hd_buf_printf(m->b, "  - **%s** ", v);
			md_code(m, frame_name(r, row->frame), 0);
			for (k = 0; k < c->n; k++) {
				hd_buf_puts(m->b, " ← ");
				md_code(m, frame_name(r, c->frames[k]), 0);
			}
			if (c->n == 0)
				hd_buf_puts(m->b, " (root)");
			hd_buf_puts(m->b, "\n");
		}
	}
	if (any)
		hd_buf_puts(m->b, "\n</details>\n\n");
}

static void summary_row(struct md *m, const char *type, const char *unit,
			int64_t base, int64_t now, int64_t delta, double pct)
{
	char v0[64], v1[64], d[64], p[32];

	hd_format_value(v0, sizeof(v0), base, unit, 0);
	hd_format_value(v1, sizeof(v1), now, unit, 0);
	hd_format_value(d, sizeof(d), delta, unit, 1);
	hd_format_pct(p, sizeof(p), pct, 1);
	hd_buf_puts(m->b, "| ");
	md_text(m, type);
	hd_buf_printf(m->b, " | %s | %s | %s | %s |\n", v0, v1, d, p);
}

static int render_diff(struct md *m)
{
	const struct hd_report *r = m->r;
	const struct hd_column_info *c0 = &r->cols[0], *c1 = &r->cols[r->ncols - 1];
	int64_t elapsed = hd_sub_sat(c1->time_nanos, c0->time_nanos);
	char v0[64], v1[64], d[64], p[32];

	hd_buf_puts(m->b, "## heapdiff: ");
	md_code(m, c0->label, 0);
	hd_buf_puts(m->b, " → ");
	md_code(m, c1->label, 0);
	hd_buf_puts(m->b, " (");
	md_text(m, r->sample_type);
	hd_buf_puts(m->b, ")\n\n");

	hd_md_verdict(m->b, &m->tmp, r);

	/* The totals line. */
	hd_format_value(v0, sizeof(v0), c0->total, r->sample_unit, 0);
	hd_format_value(v1, sizeof(v1), c1->total, r->sample_unit, 0);
	hd_format_value(d, sizeof(d), r->total_delta, r->sample_unit, 1);
	hd_format_pct(p, sizeof(p), r->total_pct, 1);
	hd_buf_puts(m->b, "**Total ");
	md_text(m, r->sample_type);
	if (r->total_delta)
		hd_buf_printf(m->b, ": %s (%s)** %s → %s\n\n", d, p, v0, v1);
	else
		hd_buf_printf(m->b, ": no change** %s → %s\n\n", v0, v1);

	type_line(m);
	if (r->opts.normalize)
		hd_buf_printf(m->b, "Normalized: new scaled by %.6g to the base total "
			      "(as `pprof -normalize`).\n\n", r->scale);
	hd_buf_puts(m->b, "| | base | new | Δ | Δ% |\n|:---|---:|---:|---:|---:|\n");
	summary_row(m, r->sample_type, r->sample_unit, c0->total, c1->total,
		    r->total_delta, r->total_pct);
	if (c0->have_count && c1->have_count)
		summary_row(m, r->count_type, "count", c0->count_total, c1->count_total,
			    r->count_delta, hd_share(r->count_delta, c0->count_total));
	hd_buf_puts(m->b, "\n");
	if (c0->time_nanos && c1->time_nanos && elapsed > 0) {
		char t0[64], t1[64], e[32], rate[64];

		hd_format_time(t0, sizeof(t0), c0->time_nanos);
		hd_format_time(t1, sizeof(t1), c1->time_nanos);
		hd_format_duration(e, sizeof(e), elapsed);
		hd_format_rate(rate, sizeof(rate), r->total_delta, elapsed, r->sample_unit);
		hd_buf_printf(m->b, "Elapsed %s (%s → %s), growth rate %s.\n\n",
			      e, t0, t1, rate);
	}
	if (r->unchanged) {
		hd_buf_puts(m->b, "No change.\n");
		return 0;
	}
	diff_table(m, 1);
	diff_table(m, -1);
	new_and_gone(m);
	chains(m);
	return 0;
}

int hd_render_markdown(const struct hd_report *r, const struct hd_render_opts *o,
		       struct hd_buf *b)
{
	struct md m;
	int rc;

	m.r = r;
	m.o = o;
	m.b = b;
	hd_buf_init(&m.tmp, 0);
	switch (r->command) {
	case HD_CMD_TOP:
		rc = render_top(&m);
		break;
	case HD_CMD_DIFF:
		rc = render_diff(&m);
		break;
	default:
		/* Placeholder until trend has its own Markdown. */
		hd_buf_puts(b, "## heapdiff trend\n\ntrend output: see text\n");
		rc = 0;
		break;
	}
	if (!rc && m.tmp.failed)
		rc = HD_ERR_NOMEM;
	hd_buf_release(&m.tmp);
	return rc;
}
