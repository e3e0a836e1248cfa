/*
 * markdown.c - GitHub-flavoured Markdown of top, diff and trend for CI
 * reports (a pull request comment, a job summary).
 *
 * Contract: the output is a GFM document whose rendered text shows every
 * string exactly as the text report prints it (render.h's hd_put_clean:
 * hidden code points as visible escapes, invalid UTF-8 as U+FFFD, long
 * names cut), and nothing taken from a profile or the command line can
 * add markup, a link, an @mention, an emoji, an image or HTML, under
 * cmark-gfm with every extension (autolink, tagfilter, table,
 * strikethrough) nor on GitHub, which links mentions and emoji in text
 * but never in code.  The only raw HTML written is the fixed
 * <details>/<summary> around the allocation call paths.  So:
 *
 *   md_code()  every string from a profile (frame names, sample types,
 *   md_name()  units, count types) and from the command line (labels,
 *              filters, rules) is a code span: inside one nothing is
 *              markup (no emphasis, entities, HTML, autolinks, and on
 *              GitHub no @mentions, #refs, :emoji: or $math$).  The
 *              fence is one backtick longer than the longest backtick run
 *              in the string, padded with a space each side (which
 *              CommonMark strips again) where the string's own ends would
 *              otherwise join the fence or be stripped.  An empty string
 *              writes nothing.  In a table cell every '|' becomes "\|":
 *              GFM splits cells before parsing code spans, and it removes
 *              exactly one backslash before each pipe, so a name's own
 *              backslash before a pipe survives.  md_name() cuts long
 *              names (HD_NAME_DISPLAY_MAX), md_code() cuts nothing.
 *   md_text()  heapdiff's own sentences (a verdict's description without
 *              frame names, a suspect's numbers) as plain text, never at
 *              the start of a line: & < > as entities, and \ ` * _ [ ] #
 *              | ~ $ backslash-escaped ($ for GitHub's math).  No string
 *              of a profile goes through it: escaping cannot stop GitHub
 *              from linking "@org/team" in text.
 *
 * Numbers come from hd_format_value()/hd_format_pct() and need no quoting.
 * Every block ends with a blank line so no table swallows the next line.
 *
 * A trend shows one value column per profile up to HD_TREND_COLS (else
 * the first and the last), a sparkline, and a heat strip: one square per
 * profile (at most HEAT_MAX buckets) by |value| against the largest
 * |value| of its own row: ⬜ 0, 🟩 < 25%, 🟨 < 50%, 🟧 < 75%, 🟥 >= 75%
 * (ASCII: _.:+#), so each row's strip shows its own rise and fall (a
 * leak's goes from green to red whatever the other rows hold).
 *
 * Where the profiles carry the pair of types, diff and trend tables add
 * the leak-or-churn columns (in-use Δ, allocated, retention); a diff
 * table whose rows name a culprit other than themselves adds a culprit
 * column, after the function.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "render/formats.h"
#include "render/render.h"

#define HEAT_MAX 24

struct md {
	const struct hd_report *r;
	const struct hd_render_opts *o;
	const struct hd_glyphs *g;
	struct hd_buf *b;
	struct hd_buf tmp;  /* scratch: one cleaned string */
};

/* s cleaned into tmp (render.h), cut past max bytes unless 0. */
static const char *clean_into(struct hd_buf *tmp, const char *s, size_t max)
{
	hd_scratch_empty(tmp);
	hd_put_clean(tmp, s, HD_CLEAN_TEXT, max);
	return tmp->data && !tmp->failed ? tmp->data : "";
}

static void quote_text(struct hd_buf *b, struct hd_buf *tmp, const char *s)
{
	const char *p = clean_into(tmp, s, 0);

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

static void quote_code(struct hd_buf *b, struct hd_buf *tmp, const char *s, int in_table,
		       size_t max)
{
	const char *p = clean_into(tmp, s, max);
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

static void md_text(struct md *m, const char *s)
{
	quote_text(m->b, &m->tmp, s);
}

static void md_code(struct md *m, const char *s, int in_table)
{
	quote_code(m->b, &m->tmp, s, in_table, 0);
}

static void md_name(struct md *m, const char *s, int in_table)
{
	quote_code(m->b, &m->tmp, s, in_table, HD_NAME_DISPLAY_MAX);
}

static const char *frame_name(const struct hd_report *r, uint32_t frame)
{
	return hd_model_frame(r->model, frame)->name;
}

/* The verdict as a pass/fail line and a table of rules. */
static void verdict(struct md *m)
{
	const struct hd_verdict *v = m->r->verdict;
	char d[512];
	size_t i, k;

	if (!v)
		return;
	hd_buf_printf(m->b, "%s **%s**%s\n\n", v->pass ? "✅" : "❌",
		      v->pass ? "PASS" : "FAIL",
		      m->r->opts.normalize ? " (rules evaluated on normalized values)" : "");
	hd_buf_puts(m->b, "| | rule | measured |\n|:---|:---|:---|\n");
	for (i = 0; i < v->n; i++) {
		const struct hd_rule_result *res = &v->results[i];

		hd_verdict_describe(res, d, sizeof(d), 0);
		hd_buf_printf(m->b, "| %s | ", res->pass ? "✅" : "❌");
		md_code(m, res->rule.text, 1);
		hd_buf_puts(m->b, " | ");
		md_text(m, d);
		/* Frames as code spans, not inside the plain-text description. */
		for (k = 0; k < res->nframes && k < 3; k++) {
			hd_buf_puts(m->b, k ? ", " : ": ");
			md_name(m, res->frame_names[k], 1);
		}
		if (res->nframes > 3)
			hd_buf_printf(m->b, " and %zu more", res->nframes - 3);
		hd_buf_puts(m->b, " |\n");
	}
	hd_buf_puts(m->b, "\n");
}

/* "Sample type T (unit), granularity G, focus `RE`", no full stop. */
static void type_line(struct md *m)
{
	const struct hd_report *r = m->r;
	const struct hd_model_opts *mo = &r->opts.model;
	const char *names[4] = {"focus", "ignore", "hide", "show"};
	const char *vals[4] = {mo->focus, mo->ignore, mo->hide, mo->show};
	int i;

	hd_buf_puts(m->b, "Sample type ");
	md_name(m, r->sample_type, 0);
	hd_buf_puts(m->b, " (");
	md_name(m, r->sample_unit, 0);
	hd_buf_puts(m->b, ")");
	if (mo->granularity != HD_GRAN_FUNCTIONS)
		hd_buf_printf(m->b, ", granularity %s", hd_granularity_name(mo->granularity));
	for (i = 0; i < 4; i++)
		if (vals[i] && *vals[i]) {
			hd_buf_printf(m->b, ", %s ", names[i]);
			md_code(m, vals[i], 0);
		}
}

static void top(struct md *m)
{
	const struct hd_report *r = m->r;
	const struct hd_column_info *c = &r->cols[0];
	size_t i, shown = hd_rows_shown(r, m->o);
	char t[64], v1[64];

	hd_buf_puts(m->b, "## heapdiff top: ");
	md_code(m, c->label, 0);
	hd_buf_puts(m->b, " (");
	md_name(m, r->sample_type, 0);
	hd_buf_puts(m->b, ")\n\n");
	type_line(m);
	hd_buf_puts(m->b, ".\n\n");
	hd_format_value(v1, sizeof(v1), c->total, r->sample_unit, 0);
	hd_buf_puts(m->b, "**Total ");
	md_name(m, r->sample_type, 0);
	hd_buf_printf(m->b, ": %s**", v1);
	if (hd_abs_total_cell(r, 0, t))
		hd_buf_printf(m->b, " (sum of \\|values\\| %s, the base of %%)", t);
	if (c->time_nanos) {
		hd_format_time(t, sizeof(t), c->time_nanos);
		hd_buf_printf(m->b, " at %s", t);
	}
	if (c->duration_nanos > 0) {
		hd_format_duration(t, sizeof(t), c->duration_nanos);
		hd_buf_printf(m->b, " over %s", t);
	}
	if (shown < r->nrows)
		hd_buf_printf(m->b, " (top %zu of %zu frames)", shown, r->nrows);
	hd_buf_puts(m->b, "\n\n");
	if (shown == 0) {
		hd_buf_puts(m->b, "No samples.\n");
		return;
	}
	hd_buf_puts(m->b, "| flat | flat% | sum% | cum | cum% | function |\n"
			  "|---:|---:|---:|---:|---:|:---|\n");
	for (i = 0; i < shown && !m->b->failed; i++) {
		const struct hd_row *row = &r->rows[i];
		char cell[5][64];

		hd_top_cells(r, row, cell);
		hd_buf_printf(m->b, "| %s | %s | %s | %s | %s | ", cell[0], cell[1],
			      cell[2], cell[3], cell[4]);
		md_name(m, frame_name(r, row->frame), 1);
		hd_buf_puts(m->b, " |\n");
	}
	hd_buf_puts(m->b, "\n");
}

/* The leak-or-churn cells of a row, "| +1 MiB | +2 MiB | retained " (with
 * the pair of types only). */
static void retention_cells(struct md *m, const struct hd_row *row)
{
	char c[HD_RC_N][64];

	if (!m->r->pair_type)
		return;
	hd_retention_cells(m->r, row, c);
	hd_buf_printf(m->b, "%s | %s | %s | ", c[HD_RC_INUSE], c[HD_RC_ALLOC], c[HD_RC_LABEL]);
}

/* "`LeakApp.sessions` → … → `LeakApp$Session.payload`": what holds the
 * row's objects (a Java heap dump, hd_row_held_by); 0 when nothing. */
static int held_by(struct md *m, const struct hd_row *row, int in_table)
{
	struct hd_held_step st[HD_HELD_BY_MAX];
	size_t gap, n = hd_row_held_by(m->r, row, st, &gap), k;
	char s[1024];

	for (k = 0; k < n; k++) {
		size_t l = st[k].len < sizeof(s) - 1 ? st[k].len : sizeof(s) - 1;

		memcpy(s, st[k].s, l);
		s[l] = 0;
		if (k && k == gap)
			hd_buf_printf(m->b, " %s %s", m->g->arrow, m->g->cut);
		if (k)
			hd_buf_printf(m->b, " %s ", m->g->arrow);
		md_name(m, s, in_table);
	}
	if (gap && gap == n)
		hd_buf_printf(m->b, " %s %s", m->g->arrow, m->g->cut);
	return n > 0;
}

/* " ← `main.handlePool` (98%)" when the row's culprit is another frame. */
static void culprit(struct md *m, const struct hd_row *row, int in_table)
{
	uint32_t c = hd_row_culprit_other(m->r, row);
	char share[32];

	if (c == HD_NO_FRAME)
		return;
	hd_format_share(share, sizeof(share), row->culprit_share);
	if (!in_table)
		hd_buf_printf(m->b, " %s ", m->g->larrow);
	md_name(m, frame_name(m->r, c), in_table);
	hd_buf_printf(m->b, " (%s)", share);
}

/* "Leak or churn: `alloc_space` beside `inuse_space`, first to last." */
static void pair_line(struct md *m)
{
	if (!m->r->pair_type)
		return;
	hd_buf_puts(m->b, "Leak or churn: ");
	md_name(m, m->r->pair_type, 0);
	hd_buf_puts(m->b, " beside ");
	md_name(m, m->r->sample_type, 0);
	hd_buf_puts(m->b, ", first to last: in-use Δ, what was allocated over the same "
		    "interval, and whether it was kept.\n\n");
}

/* Growers (dir 1) or shrinkers (dir -1) in rank order, o->top of them. */
static void diff_table(struct md *m, int dir)
{
	const struct hd_report *r = m->r;
	const struct hd_row *const *rows = dir > 0 ? r->growers : r->shrinkers;
	size_t i, n = hd_shown(dir > 0 ? r->ngrowers : r->nshrinkers, m->o);
	int culprits = 0, holders = 0;
	char v[6][64];
	struct hd_held_step st[HD_HELD_BY_MAX];
	size_t gap;

	for (i = 0; i < n; i++) {
		culprits |= hd_row_culprit_other(r, rows[i]) != HD_NO_FRAME;
		holders |= hd_row_held_by(r, rows[i], st, &gap) > 0;
	}
	for (i = 0; i < n && !m->b->failed; i++) {
		const struct hd_row *row = rows[i];

		if (i == 0) {
			hd_buf_printf(m->b, "### Top %s\n\n"
				      "| Δflat | Δflat%% | base flat | new flat | Δcum | Δcum%% | status | ",
				      dir > 0 ? "growers" : "shrinkers");
			if (r->pair_type)
				hd_buf_puts(m->b, "in-use Δ | allocated | retention | ");
			hd_buf_printf(m->b, "function |%s%s\n|---:|---:|---:|---:|---:|---:|:---|",
				      culprits ? " culprit |" : "", holders ? " held by |" : "");
			if (r->pair_type)
				hd_buf_puts(m->b, "---:|---:|:---|");
			hd_buf_printf(m->b, ":---|%s%s\n", culprits ? ":---|" : "",
				      holders ? ":---|" : "");
		}
		hd_diff_cells(r, row, v);
		hd_buf_printf(m->b, "| %s | %s | %s | %s | %s | %s | %s | ", v[0],
			      v[1], v[2], v[3], v[4], v[5], hd_row_status_name(row->status));
		retention_cells(m, row);
		md_name(m, frame_name(r, row->frame), 1);
		if (culprits) {
			hd_buf_puts(m->b, " | ");
			culprit(m, row, 1);
		}
		if (holders) {
			hd_buf_puts(m->b, " | ");
			held_by(m, row, 1);
		}
		hd_buf_puts(m->b, " |\n");
	}
	if (n)
		hd_buf_puts(m->b, "\n");
}

/* New and gone frames among the rows the two tables show, in rank order. */
static void new_and_gone(struct md *m)
{
	const struct hd_report *r = m->r;
	size_t i, j, ng = hd_shown(r->ngrowers, m->o), ns = hd_shown(r->nshrinkers, m->o);
	int pass, any = 0;
	char v[64];

	for (pass = 0; pass < 2; pass++) {
		enum hd_row_status want = pass == 0 ? HD_NEW : HD_GONE;

		for (i = j = 0; (i < ng || j < ns) && !m->b->failed;) {
			/* Both lists point into r->rows: the lower address ranks higher. */
			const struct hd_row *row = j >= ns || (i < ng && r->growers[i] < r->shrinkers[j]) ?
				r->growers[i++] : r->shrinkers[j++];

			if (row->status != want)
				continue;
			if (!any++)
				hd_buf_puts(m->b, "### New and gone frames\n\n");
			hd_format_value(v, sizeof(v), row->dcum, r->sample_unit, 1);
			hd_buf_printf(m->b, "- **%s** ", hd_row_status_name(row->status));
			md_name(m, frame_name(r, row->frame), 0);
			hd_buf_printf(m->b, " (Δcum %s)\n", v);
		}
	}
	if (any)
		hd_buf_puts(m->b, "\n");
}

/* A row's allocation call paths as list items under indent, then
 * "other paths" when the listed ones do not add up to its change; paths
 * without callers are not shown. */
static void paths(struct md *m, const struct hd_row *row, const char *indent)
{
	size_t j, k;
	char v[64];

	for (j = 0; j < row->nchains && !m->b->failed; j++) {
		const struct hd_chain *c = &row->chains[j];

		if (!hd_chain_shown(c))
			continue;
		hd_format_value(v, sizeof(v), c->delta, m->r->sample_unit, 1);
		hd_buf_printf(m->b, "%s- **%s** ", indent, v);
		md_name(m, frame_name(m->r, row->frame), 0);
		for (k = 0; k < c->n; k++) {
			hd_buf_printf(m->b, " %s ", m->g->larrow);
			md_name(m, frame_name(m->r, c->frames[k]), 0);
		}
		hd_buf_puts(m->b, "\n");
	}
	if (row->chains_other) {
		hd_format_value(v, sizeof(v), row->chains_other, m->r->sample_unit, 1);
		hd_buf_printf(m->b, "%s- **%s** other paths\n", indent, v);
	}
}

static void chains(struct md *m)
{
	const struct hd_report *r = m->r;
	size_t i;
	int any = 0;
	char v[64];

	for (i = 0; i < r->nrows && !m->b->failed; i++) {
		const struct hd_row *row = &r->rows[i];

		if (!hd_row_has_paths(row))
			continue;
		/* Blank lines around the inner Markdown end the HTML blocks,
		 * so GFM renders the list inside <details>. */
		if (!any++)
			hd_buf_printf(m->b, "<details><summary>Allocation call paths "
				      "(up to %d nearest callers, by growth)</summary>\n\n",
				      r->opts.ref_chain_depth);
		hd_format_value(v, sizeof(v), row->dcum, r->sample_unit, 1);
		hd_buf_puts(m->b, "- ");
		md_name(m, frame_name(r, row->frame), 0);
		hd_buf_printf(m->b, " (Δcum %s)\n", v);
		paths(m, row, "  ");
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
	md_name(m, type, 1);
	hd_buf_printf(m->b, " | %s | %s | %s | %s |\n", v0, v1, d, p);
}

/* "Profiled over 10.0s (BASE), 10.0s (NEW)." for delta profiles. */
static void durations(struct md *m)
{
	const struct hd_column_info *c0 = &m->r->cols[0], *c1 = &m->r->cols[m->r->ncols - 1];
	char d0[64], d1[64];

	if (c0->duration_nanos <= 0 && c1->duration_nanos <= 0)
		return;
	hd_format_duration(d0, sizeof(d0), c0->duration_nanos);
	hd_format_duration(d1, sizeof(d1), c1->duration_nanos);
	hd_buf_printf(m->b, "Profiled over %s (base), %s (new).\n\n",
		      c0->duration_nanos > 0 ? d0 : "no duration",
		      c1->duration_nanos > 0 ? d1 : "no duration");
}

static void diff(struct md *m)
{
	const struct hd_report *r = m->r;
	const struct hd_column_info *c0 = &r->cols[0], *c1 = &r->cols[r->ncols - 1];
	char t[4][64], e[64], rate[64];

	hd_buf_puts(m->b, "## heapdiff: ");
	md_code(m, c0->label, 0);
	hd_buf_puts(m->b, " → ");
	md_code(m, c1->label, 0);
	hd_buf_puts(m->b, " (");
	md_name(m, r->sample_type, 0);
	hd_buf_puts(m->b, ")\n\n");

	verdict(m);

	/* The totals line. */
	hd_total_cells(r, t);
	hd_buf_puts(m->b, "**Total ");
	md_name(m, r->sample_type, 0);
	if (r->total_delta)
		hd_buf_printf(m->b, ": %s (%s)** %s → %s\n\n", t[2], t[3], t[0], t[1]);
	else
		hd_buf_printf(m->b, ": no change** %s → %s\n\n", t[0], t[1]);
	if (hd_backwards_note(r, e, sizeof(e)))
		hd_buf_printf(m->b, "**Note: %s.**\n\n", e);

	type_line(m);
	hd_buf_puts(m->b, ".\n\n");
	if (r->opts.normalize)
		hd_buf_printf(m->b, "Normalized: new scaled by %.6g to the base total "
			      "(as `pprof -normalize`)%s.\n\n", r->scale, r->scale != 1 ?
			      "; no growth rate or object counts, which scaling leaves meaningless" :
			      "");
	hd_buf_puts(m->b, "| | base | new | Δ | Δ% |\n|:---|---:|---:|---:|---:|\n");
	summary_row(m, r->sample_type, r->sample_unit, c0->total, c1->total,
		    r->total_delta, r->total_pct);
	if (hd_counts_shown(r))
		summary_row(m, r->count_type, "count", c0->count_total, c1->count_total,
			    r->count_delta, r->count_pct);
	hd_buf_puts(m->b, "\n");
	if (hd_elapsed_cells(r, e, rate)) {
		char t0[64], t1[64];

		hd_format_time(t0, sizeof(t0), c0->time_nanos);
		hd_format_time(t1, sizeof(t1), c1->time_nanos);
		hd_buf_printf(m->b, "Elapsed %s (%s → %s)%s%s.\n\n",
			      e, t0, t1, rate[0] ? ", growth rate " : "", rate);
	}
	durations(m);
	pair_line(m);
	hd_memstats_markdown(r, m->o, m->b);
	if (r->unchanged) {
		hd_buf_puts(m->b, "No change.\n");
		return;
	}
	diff_table(m, 1);
	diff_table(m, -1);
	new_and_gone(m);
	chains(m);
}

/* ---- trend ---- */

static void trend_header(struct md *m)
{
	const struct hd_report *r = m->r;
	const struct hd_column_info *c0 = &r->cols[0], *c1 = &r->cols[r->ncols - 1];
	char t[4][64], e[64], rate[64], note[128];

	hd_buf_printf(m->b, "## heapdiff trend: %zu profiles, ", r->ncols);
	md_code(m, c0->label, 0);
	hd_buf_printf(m->b, " %s ", m->g->arrow);
	md_code(m, c1->label, 0);
	hd_buf_puts(m->b, " (");
	md_name(m, r->sample_type, 0);
	hd_buf_puts(m->b, ")\n\n");

	if (r->nsuspects) {
		hd_suspects_count(r, r->nsuspects, note, sizeof(note));
		hd_buf_printf(m->b, "**%s**", note);
	} else {
		hd_buf_printf(m->b, "**No %s**", r->cumulative ? "allocation-rate regressions" :
			      "leak suspects");
	}
	hd_total_cells(r, t);
	hd_buf_puts(m->b, "; total ");
	md_name(m, r->sample_type, 0);
	if (r->total_delta)
		hd_buf_printf(m->b, " %s (%s), %s %s %s", t[2], t[3], t[0], m->g->arrow, t[1]);
	else
		hd_buf_printf(m->b, " did not change, %s %s %s", t[0], m->g->arrow, t[1]);
	if (hd_elapsed_cells(r, e, rate)) {
		hd_buf_printf(m->b, " in %s", e);
		if (rate[0])
			hd_buf_printf(m->b, " (%s)", rate);
	}
	hd_buf_puts(m->b, ".\n\n");

	if (hd_order_note(r, m->g->dash, note, sizeof(note)))
		hd_buf_printf(m->b, "%s.\n\n", note);
	if (r->cumulative) {
		md_name(m, r->sample_type, 0);
		hd_buf_puts(m->b, HD_CUMULATIVE_NOTE ".\n\n");
	}
	pair_line(m);
	type_line(m);
	hd_buf_puts(m->b, ". Growing: ");
	hd_growing_rule(m->b, r, m->g);
	hd_buf_puts(m->b, ". Classes: ");
	hd_class_counts(m->b, r);
	hd_buf_puts(m->b, ".\n\n");
}

static void trend_chains(struct md *m, const struct hd_row *row)
{
	if (!hd_row_has_paths(row))
		return;
	hd_buf_printf(m->b, "\n   Allocation call paths, %s last vs first:\n\n", m->g->dcum);
	paths(m, row, "   ");
}

static void trend_suspects(struct md *m)
{
	const struct hd_report *r = m->r;
	size_t i, listed = hd_shown(r->nsuspects, m->o), gap;
	char line[512], c[HD_RC_N][64];
	struct hd_held_step st[HD_HELD_BY_MAX];

	if (!r->nsuspects)
		return;
	hd_buf_printf(m->b, "### %s\n\n", hd_suspects_title(r));
	for (i = 0; i < listed && !m->b->failed; i++) {
		const struct hd_row *row = r->suspects[i];

		hd_suspect_line(r, row, m->g, line, sizeof(line));
		hd_buf_printf(m->b, "%zu. ", row->trend->suspect);
		md_name(m, frame_name(r, row->frame), 0);
		culprit(m, row, 0);
		hd_buf_puts(m->b, ": ");
		md_text(m, line);
		if (r->pair_type && row->ret.label != HD_RET_NONE) {
			hd_retention_cells(r, row, c);
			hd_buf_printf(m->b, "; %s: in-use %s, allocated %s", c[HD_RC_LABEL],
				      c[HD_RC_INUSE], c[HD_RC_ALLOC]);
		}
		hd_buf_puts(m->b, " `");
		hd_sparkline(m->b, r, row, 0, m->g);
		hd_buf_puts(m->b, "`\n");
		if (hd_row_held_by(r, row, st, &gap)) {
			hd_buf_puts(m->b, "\n   held by ");
			held_by(m, row, 0);
			hd_buf_puts(m->b, "\n");
		}
		trend_chains(m, row);
	}
	if (listed < r->nsuspects)
		hd_buf_printf(m->b, "\nAnd %zu more.\n", r->nsuspects - listed);
	hd_buf_puts(m->b, "\n");
}

/* The row's heat strip: one square per bucket, by |value| against the
 * row's largest. */
static void heat(struct md *m, const struct hd_row *row)
{
	double v[HEAT_MAX], max = 0;
	size_t w = hd_buckets(m->r, row, hd_trend_by_cum(m->r), v, HEAT_MAX), j;

	for (j = 0; j < w; j++)
		if (fabs(v[j]) > max)
			max = fabs(v[j]);
	for (j = 0; j < w; j++) {
		double f = max > 0 ? fabs(v[j]) / max : 0;
		int k = v[j] == 0 ? 0 : f < 0.25 ? 1 : f < 0.5 ? 2 : f < 0.75 ? 3 : 4;

		hd_buf_puts(m->b, m->g->heat[k]);
	}
}

static void table_row(struct md *m, const struct hd_row *row, const size_t *cols,
		      size_t nc, int culprits)
{
	const struct hd_report *r = m->r;
	int cum = hd_trend_by_cum(r);
	char v[64], c[HD_TC_N][64], level[128];
	size_t k;

	hd_buf_puts(m->b, "| ");
	md_name(m, frame_name(r, row->frame), 1);
	hd_buf_printf(m->b, row->trend->cls == HD_TREND_GROWING ? " | **%s**" : " | %s",
		      hd_trend_class_name(row->trend->cls));
	if (hd_level_note(r, row, level, sizeof(level)))
		hd_buf_printf(m->b, " (%s)", level);
	hd_buf_puts(m->b, " |");
	for (k = 0; k < nc; k++) {
		hd_format_value(v, sizeof(v), hd_trend_value(r, row, cols[k]), r->sample_unit, 0);
		hd_buf_printf(m->b, " %s |", v);
	}
	hd_trend_cells(r, row, c);
	hd_buf_printf(m->b, " %s | %s | ", c[HD_TC_DELTA], c[HD_TC_GROWTH]);
	md_text(m, c[HD_TC_P]);  /* "<0.001": &lt; */
	hd_buf_puts(m->b, " | ");
	retention_cells(m, row);
	if (m->o->ascii)
		hd_buf_puts(m->b, "`");
	heat(m, row);
	hd_buf_puts(m->b, m->o->ascii ? "` | `" : " | `");
	hd_sparkline(m->b, r, row, cum, m->g);
	hd_buf_puts(m->b, "` |");
	if (culprits) {
		hd_buf_puts(m->b, " ");
		culprit(m, row, 1);
		hd_buf_puts(m->b, " |");
	}
	hd_buf_puts(m->b, "\n");
}

static void trend_table(struct md *m, size_t shown)
{
	const struct hd_report *r = m->r;
	size_t cols[HD_TREND_COLS], nc = hd_trend_columns(r, cols), i, k;
	int cum = hd_trend_by_cum(r), culprits = 0;

	for (i = 0; i < shown; i++)
		culprits |= hd_row_culprit_other(r, &r->rows[i]) != HD_NO_FRAME;

	hd_buf_printf(m->b, "### Functions (%s)\n\n| function | class |", hd_trend_values_name(r));
	for (k = 0; k < nc; k++) {
		hd_buf_puts(m->b, " ");
		md_code(m, r->cols[cols[k]].label, 1);
		hd_buf_puts(m->b, " |");
	}
	hd_buf_printf(m->b, " %s first%slast | growth | p | ",
		      cum ? m->g->dcum : m->g->delta, m->g->arrow);
	if (r->pair_type)
		hd_buf_printf(m->b, "in-use %s | allocated | retention | ", m->g->delta);
	hd_buf_printf(m->b, "heat | trend |%s\n|:---|:---|", culprits ? " culprit |" : "");
	for (k = 0; k < nc; k++)
		hd_buf_puts(m->b, "---:|");
	hd_buf_puts(m->b, "---:|---:|---:|");
	if (r->pair_type)
		hd_buf_puts(m->b, "---:|---:|:---|");
	hd_buf_printf(m->b, ":---|:---|%s\n", culprits ? ":---|" : "");
	for (i = 0; i < shown && !m->b->failed; i++)
		table_row(m, &r->rows[i], cols, nc, culprits);
	hd_buf_puts(m->b, "\n");
	if (shown < r->nrows)
		hd_buf_printf(m->b, "Top %zu of %zu functions. ", shown, r->nrows);
	hd_buf_printf(m->b, "Growth and p: the Theil-Sen growth and the Mann-Kendall p of what "
		      "the class reads%s. ", r->cumulative ? " (the increments)" : "");
	if (m->o->ascii)
		hd_buf_puts(m->b, "Heat: one mark per profile, by value against the row's "
			    "largest: `_` none, `.` below 25%, `:` below 50%, `+` below 75%, "
			    "`#` above.");
	else
		hd_buf_puts(m->b, "Heat: one square per profile, by value against the row's "
			    "largest: ⬜ none, 🟩 below 25%, 🟨 below 50%, 🟧 below 75%, "
			    "🟥 above.");
	if (r->ncols > HEAT_MAX)
		hd_buf_printf(m->b, " With %zu profiles, each mark averages consecutive ones.",
			      r->ncols);
	hd_buf_puts(m->b, "\n\n");
}

static void trend(struct md *m)
{
	size_t shown = hd_rows_shown(m->r, m->o);

	trend_header(m);
	verdict(m);
	hd_memstats_markdown(m->r, m->o, m->b);
	trend_suspects(m);
	if (shown)
		trend_table(m, shown);
}

/* ---- entry points ---- */

static int run(const struct hd_report *r, const struct hd_render_opts *o,
	       struct hd_buf *b, void (*body)(struct md *))
{
	struct md m = {r, o, hd_glyphs(o->ascii), b, {0}};
	int rc;

	hd_buf_init(&m.tmp, 0);
	body(&m);
	rc = m.tmp.failed ? HD_ERR_NOMEM : 0;
	hd_buf_release(&m.tmp);
	return rc;
}

int hd_markdown_top(const struct hd_report *r, const struct hd_render_opts *o,
		    struct hd_buf *b)
{
	return run(r, o, b, top);
}

int hd_markdown_diff(const struct hd_report *r, const struct hd_render_opts *o,
		     struct hd_buf *b)
{
	return run(r, o, b, diff);
}

int hd_markdown_trend(const struct hd_report *r, const struct hd_render_opts *o,
		      struct hd_buf *b)
{
	return run(r, o, b, trend);
}
