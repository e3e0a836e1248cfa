/*
 * html.c - heapdiff trend as one self-contained HTML page, for a
 * reviewer to read at a glance (top and diff have no page: render.c's
 * table refuses them):
 *
 *   summary     profiles, total first -> last, the order of the
 *               profiles, what was analysed (levels, or the increments of
 *               a cumulative type), the pair of types, the classes, the
 *               verdict if any
 *   suspects    the leak-suspect table (trend.c's ranking; on a
 *               cumulative type the allocation-rate regressions), each
 *               with its culprit, leak or churn, a small line chart of its
 *               flat value over the profiles and its allocation call paths
 *   heat map    the rows --top shows (frames) x the profiles, each cell
 *               shaded by |flat| (|cum| when sorted by cum) against the
 *               largest in the map on the flame graph's log scale
 *               (hd_log_shade: four decades), its exact value in the
 *               cell's tooltip; the class (where it levelled off) and leak
 *               or churn beside
 *   flame graph the shared module's differential graph (flame.c) of the
 *               last profile against the first, inlined with its script
 *   profiles    label, path, time and total of each column
 *
 * Nothing external: no fonts, scripts, style sheets or images are
 * fetched.  The page is polyglot XHTML (every element closed, attributes
 * quoted, only the five XML entities, script and style in CDATA), so an
 * XML parser reads it as well as a browser does; every string from the
 * profiles goes through render.h's hd_put_clean (escaped for XML, control
 * and bidi characters visible, long names cut).  It computes nothing about
 * the trend itself: the suspects, their order and the floor are the
 * report's.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render/formats.h"
#include "render/render.h"

#define CHART_W 160
#define CHART_H 36
#define NAME_CUT 90   /* code points of a name shown in a table cell */

struct page {
	const struct hd_report *r;
	const struct hd_render_opts *o;
	struct hd_buf *b;
	size_t nlisted, shown;      /* suspects listed, rows in the heat map */
	struct hd_buf tmp;          /* scratch: one cleaned name */
};

static const char css[] =
	"body{font-family:sans-serif;margin:1.5em;color:#222;background:#fff}\n"
	"h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em}\n"
	"table{border-collapse:collapse;font-size:0.9em}\n"
	"td,th{padding:2px 8px;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}\n"
	"td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
	"code{font-family:monospace}\n"
	".pass{color:#116611;font-weight:bold}.fail{color:#b00;font-weight:bold}\n"
	".growing{color:#b00;font-weight:bold}.shrinking{color:#1a55b0}\n"
	"table.heat td.h{width:14px;height:14px;padding:0;border:1px solid #fff}\n"
	"table.heat th.c{padding:0 2px;font-weight:normal;font-size:0.8em;text-align:center}\n"
	"ul.chains{margin:2px 0 0 0;padding-left:1.2em;font-size:0.85em;color:#444}\n"
	"svg.chart{display:block}\n"
	"#hdfg{max-width:100%;height:auto}\n";

/* A path, label, rule or sentence of ours: cleaned and escaped, whole. */
static void put(struct page *p, const char *s)
{
	hd_put_clean(p->b, s, HD_CLEAN_XML, 0);
}

/* A string of the profile outside a table: long ones cut (render.h). */
static void put_name(struct page *p, const char *s)
{
	hd_put_clean(p->b, s, HD_CLEAN_XML, HD_NAME_DISPLAY_MAX);
}

/* A name in a table cell: cleaned, then cut to NAME_CUT code points. */
static void put_cut(struct page *p, const char *s)
{
	size_t n;

	hd_scratch_empty(&p->tmp);
	if (hd_put_clean(&p->tmp, s, HD_CLEAN_TEXT, HD_NAME_DISPLAY_MAX))
		return;
	n = hd_prefix(p->tmp.data, p->tmp.len, NAME_CUT);
	hd_xml_escape(p->b, p->tmp.data, n);
	if (n < p->tmp.len)
		hd_buf_puts(p->b, "\xe2\x80\xa6");
}

static const char *frame_name(const struct page *p, uint32_t f)
{
	return hd_model_frame(p->r->model, f)->name;
}

static void fmt_val(const struct page *p, char *buf, size_t n, int64_t v, int sign)
{
	hd_format_value(buf, n, v, p->r->sample_unit, sign);
}

static void summary(struct page *p)
{
	const struct hd_report *r = p->r;
	char t[4][64], e[64], rate[64], note[128];
	size_t i;

	hd_buf_puts(p->b, "<h1>heapdiff trend: ");
	put(p, r->cols[0].label);
	hd_buf_puts(p->b, " \xe2\x86\x92 ");
	put(p, r->cols[r->ncols - 1].label);
	hd_buf_printf(p->b, " (%zu profiles)</h1>\n<p>", r->ncols);
	if (r->nsuspects) {
		hd_suspects_count(r, r->nsuspects, note, sizeof(note));
		hd_buf_printf(p->b, "<strong class=\"fail\" id=\"nsuspects\">%s</strong>. ", note);
	} else {
		hd_buf_printf(p->b, "<strong class=\"pass\" id=\"nsuspects\">No %s</strong>. ",
			      r->cumulative ? "allocation-rate regressions" : "leak suspects");
	}
	hd_total_cells(r, t);
	hd_buf_puts(p->b, "Total ");
	put_name(p, r->sample_type);
	hd_buf_printf(p->b, ": %s \xe2\x86\x92 %s, %s (%s)", t[0], t[1], t[2], t[3]);
	if (hd_elapsed_cells(r, e, rate)) {
		hd_buf_printf(p->b, " in %s", e);
		if (rate[0])
			hd_buf_printf(p->b, " (%s)", rate);
	}
	/* The rule in the words text and Markdown use. */
	hd_buf_puts(p->b, ".</p>\n<p id=\"rule\">Growing: ");
	hd_scratch_empty(&p->tmp);
	hd_growing_rule(&p->tmp, r, hd_glyphs(0));
	if (!p->tmp.failed && p->tmp.data)
		hd_xml_escape(p->b, p->tmp.data, p->tmp.len);
	hd_buf_puts(p->b, ".</p>\n");
	if (hd_order_note(r, "\xe2\x80\x94", note, sizeof(note)))
		hd_buf_printf(p->b, "<p id=\"order\">%s.</p>\n", note);
	if (r->cumulative) {
		hd_buf_puts(p->b, "<p id=\"analysis\"><code>");
		put_name(p, r->sample_type);
		hd_buf_puts(p->b, "</code>" HD_CUMULATIVE_NOTE ".</p>\n");
	}
	if (r->pair_type) {
		hd_buf_puts(p->b, "<p id=\"pair\">Leak or churn: <code>");
		put_name(p, r->pair_type);
		hd_buf_puts(p->b, "</code> beside <code>");
		put_name(p, r->sample_type);
		hd_buf_puts(p->b, "</code>, first to last.</p>\n");
	}
	hd_buf_puts(p->b, "<p id=\"classes\">Classes: ");
	hd_class_counts(p->b, r);
	hd_buf_puts(p->b, ".</p>\n");
	if (!r->verdict)
		return;
	hd_buf_printf(p->b, "<p class=\"%s\">%s</p>\n<ul>\n", r->verdict->pass ? "pass" : "fail",
		      r->verdict->pass ? "PASS" : "FAIL");
	for (i = 0; i < r->verdict->n; i++) {
		const struct hd_rule_result *res = &r->verdict->results[i];
		char line[512];

		hd_verdict_describe(res, line, sizeof(line), 1);
		hd_buf_printf(p->b, "<li>%s <code>", res->pass ? "pass" : "FAIL");
		put(p, res->rule.text);
		hd_buf_puts(p->b, "</code>: ");
		put(p, line);
		hd_buf_puts(p->b, "</li>\n");
	}
	hd_buf_puts(p->b, "</ul>\n");
}

/* A line chart of row's flat series, scaled from min(0, min) to max. */
static void chart(struct page *p, const struct hd_row *row)
{
	const struct hd_report *r = p->r;
	double lo = 0, hi = 0, x, y;
	size_t c, n = r->ncols;
	char v[64];

	for (c = 0; c < n; c++) {
		double f = (double)hd_report_series(r, row, c);

		lo = f < lo ? f : lo;
		hi = f > hi ? f : hi;
	}
	hd_buf_printf(p->b, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" "
		      "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" data-values=\"",
		      CHART_W, CHART_H, CHART_W, CHART_H);
	for (c = 0; c < n; c++)
		hd_buf_printf(p->b, "%s%lld", c ? " " : "", (long long)hd_report_series(r, row, c));
	hd_buf_puts(p->b, "\"><title>");
	for (c = 0; c < n; c++) {
		fmt_val(p, v, sizeof(v), hd_report_series(r, row, c), 0);
		hd_buf_printf(p->b, "%s%s", c ? ", " : "", v);
	}
	hd_buf_printf(p->b, "</title><rect width=\"%d\" height=\"%d\" fill=\"#f6f6f6\"/>"
		      "<polyline fill=\"none\" stroke=\"#c0392b\" stroke-width=\"1.5\" points=\"",
		      CHART_W, CHART_H);
	for (c = 0; c < n; c++) {
		double f = (double)hd_report_series(r, row, c);

		x = 3 + (n > 1 ? (double)c * (CHART_W - 6) / (double)(n - 1) : 0);
		y = CHART_H - 3 - (hi > lo ? (f - lo) / (hi - lo) * (CHART_H - 6) : 0);
		hd_buf_printf(p->b, "%s%.1f,%.1f", c ? " " : "", x, y);
	}
	hd_buf_puts(p->b, "\"/></svg>");
}

/* A suspect's allocation call paths, under its name; paths without
 * callers are not shown, the paths not listed are one item. */
static void suspect_chains(struct page *p, const struct hd_row *row)
{
	size_t j, k;
	char d[64];

	if (!hd_row_has_paths(row))
		return;
	hd_buf_puts(p->b, "<ul class=\"chains\" title=\"allocation call paths, \xce\x94" "cum "
		    "last vs first\">");
	for (j = 0; j < row->nchains; j++) {
		const struct hd_chain *c = &row->chains[j];

		if (!hd_chain_shown(c))
			continue;
		fmt_val(p, d, sizeof(d), c->delta, 1);
		hd_buf_printf(p->b, "<li>%s ", d);
		for (k = 0; k < c->n; k++) {
			hd_buf_puts(p->b, k ? " \xe2\x86\x90 " : "\xe2\x86\x90 ");
			put_cut(p, frame_name(p, c->frames[k]));
		}
		hd_buf_puts(p->b, "</li>");
	}
	if (row->chains_other) {
		fmt_val(p, d, sizeof(d), row->chains_other, 1);
		hd_buf_printf(p->b, "<li class=\"other\">%s other paths</li>", d);
	}
	hd_buf_puts(p->b, "</ul>");
}

/* '<div class="held-by">held by <code>LeakApp.sessions</code> → …</div>':
 * what holds the row's objects (a Java heap dump, hd_row_held_by). */
static void held_by(struct page *p, const struct hd_row *row)
{
	struct hd_held_step st[HD_HELD_BY_MAX];
	size_t gap, n = hd_row_held_by(p->r, row, st, &gap), k;
	char s[1024];

	if (!n)
		return;
	hd_buf_puts(p->b, "<div class=\"held-by\">held by ");
	for (k = 0; k < n; k++) {
		size_t l = st[k].len < sizeof(s) - 1 ? st[k].len : sizeof(s) - 1;

		memcpy(s, st[k].s, l);
		s[l] = 0;
		if (k && k == gap)
			hd_buf_puts(p->b, " \xe2\x86\x92 \xe2\x80\xa6");
		if (k)
			hd_buf_puts(p->b, " \xe2\x86\x92 ");
		hd_buf_puts(p->b, "<code>");
		put_cut(p, s);
		hd_buf_puts(p->b, "</code>");
	}
	if (gap && gap == n)
		hd_buf_puts(p->b, " \xe2\x86\x92 \xe2\x80\xa6");
	hd_buf_puts(p->b, "</div>");
}

/* The culprit's name and share in a cell, when it is another frame. */
static void culprit_cell(struct page *p, const struct hd_row *row)
{
	uint32_t c = hd_row_culprit_other(p->r, row);
	char share[32];

	hd_buf_puts(p->b, "<td class=\"culprit\">");
	if (c != HD_NO_FRAME) {
		hd_format_share(share, sizeof(share), row->culprit_share);
		hd_buf_puts(p->b, "<code>");
		put_cut(p, frame_name(p, c));
		hd_buf_printf(p->b, "</code> (%s)", share);
	}
	hd_buf_puts(p->b, "</td>");
}

/* The leak-or-churn cells (with the pair of types only). */
static void retention_cells(struct page *p, const struct hd_row *row)
{
	char c[HD_RC_N][64];

	if (!p->r->pair_type)
		return;
	hd_retention_cells(p->r, row, c);
	hd_buf_printf(p->b, "<td class=\"num\">%s</td><td class=\"num\">%s</td>"
		      "<td class=\"retention\">%s</td>", c[HD_RC_INUSE], c[HD_RC_ALLOC],
		      c[HD_RC_LABEL]);
}

static void suspects(struct page *p)
{
	const struct hd_report *r = p->r;
	char c[HD_TC_N][64];
	size_t i;

	hd_buf_printf(p->b, "<h2>%s</h2>\n", hd_suspects_title(r));
	if (!r->nsuspects) {
		hd_buf_puts(p->b, "<p>None: nothing grew steadily past the threshold.</p>\n");
		return;
	}
	hd_buf_printf(p->b, "<p>Growth, per profile and per hour: Theil-Sen, and p: Mann-Kendall, "
		      "of what the class reads (%s%s).</p>\n", HD_SERIES_NAME,
		      r->cumulative ? "; its increments" : "");
	hd_buf_puts(p->b, "<table class=\"suspects\">\n<thead><tr><th>#</th><th>function</th>"
		    "<th>culprit</th><th>\xce\x94</th><th>growth</th><th>per profile</th>"
		    "<th>per hour</th><th>p</th>");
	if (r->pair_type)
		hd_buf_puts(p->b, "<th>in-use \xce\x94</th><th>allocated</th><th>retention</th>");
	hd_buf_puts(p->b, "<th>over the profiles</th></tr></thead>\n<tbody>\n");
	for (i = 0; i < p->nlisted && !p->b->failed; i++) {
		const struct hd_row *row = r->suspects[i];
		const struct hd_trend *tr = row->trend;
		char d[64];

		hd_trend_cells(r, row, c);
		fmt_val(p, d, sizeof(d), row->dattr, 1);
		hd_buf_printf(p->b, "<tr class=\"suspect\"><td class=\"num\">%zu</td><td><code>",
			      tr->suspect);
		put_cut(p, frame_name(p, row->frame));
		hd_buf_puts(p->b, "</code>");
		held_by(p, row);
		suspect_chains(p, row);
		hd_buf_puts(p->b, "</td>");
		culprit_cell(p, row);
		hd_buf_printf(p->b, "<td class=\"num\">%s</td><td class=\"num\">%s</td>"
			      "<td class=\"num\">%s</td><td class=\"num\">%s</td>"
			      "<td class=\"num\">", d, c[HD_TC_GROWTH], c[HD_TC_SLOPE],
			      c[HD_TC_HOURLY]);
		put(p, c[HD_TC_P]);  /* "<0.001" */
		hd_buf_puts(p->b, "</td>");
		retention_cells(p, row);
		hd_buf_puts(p->b, "<td>");
		chart(p, row);
		hd_buf_puts(p->b, "</td></tr>\n");
	}
	hd_buf_puts(p->b, "</tbody></table>\n");
	if (p->nlisted < r->nsuspects)
		hd_buf_printf(p->b, "<p>And %zu more.</p>\n", r->nsuspects - p->nlisted);
}

static void heat_colour(char *buf, size_t n, double v, double max)
{
	static const double lo[3] = {255, 241, 224}, hi[3] = {165, 28, 10};
	double s = hd_log_shade(v, max);
	int k, c[3];

	if (s == 0) {
		snprintf(buf, n, "rgb(248,248,248)");
		return;
	}
	for (k = 0; k < 3; k++)
		c[k] = (int)lround(lo[k] + (hi[k] - lo[k]) * s);
	snprintf(buf, n, "rgb(%d,%d,%d)", c[0], c[1], c[2]);
}

static void heat_map(struct page *p)
{
	const struct hd_report *r = p->r;
	double max = 0;
	size_t i, c;
	char v[64], col[32];

	hd_buf_puts(p->b, "<h2>Heat map</h2>\n");
	if (!p->shown) {
		hd_buf_puts(p->b, "<p>No frames.</p>\n");
		return;
	}
	max = hd_table_max(r, p->shown);
	hd_buf_printf(p->b, "<p>The top %zu of %zu functions in each profile (%s), "
		      "darker for more: each tenfold less a quarter paler, down to four "
		      "decades below the largest", p->shown, r->nrows, hd_trend_values_name(r));
	/* |INT64_MIN| is one past INT64_MAX: clamp before converting. */
	fmt_val(p, v, sizeof(v), hd_clamp_i64(max), 0);
	hd_buf_printf(p->b, " (%s). Hover over a cell for its value.</p>\n"
		      "<table class=\"heat\">\n<thead><tr><th>function</th><th>class</th>", v);
	if (r->pair_type)
		hd_buf_puts(p->b, "<th>in-use \xce\x94</th><th>allocated</th><th>retention</th>");
	for (c = 0; c < r->ncols; c++) {
		hd_buf_printf(p->b, "<th class=\"c\" title=\"");
		put(p, r->cols[c].label);
		hd_buf_printf(p->b, "\">%zu</th>", c + 1);
	}
	hd_buf_puts(p->b, "</tr></thead>\n<tbody>\n");
	for (i = 0; i < p->shown && !p->b->failed; i++) {
		const struct hd_row *row = &r->rows[i];
		const char *cls = hd_trend_class_name(row->trend->cls);
		char level[128];

		hd_buf_puts(p->b, "<tr><td><code>");
		put_cut(p, frame_name(p, row->frame));
		hd_buf_printf(p->b, "</code></td><td class=\"%s\">%s", cls, cls);
		if (hd_level_note(r, row, level, sizeof(level)))
			hd_buf_printf(p->b, " <span class=\"level\">(%s)</span>", level);
		hd_buf_puts(p->b, "</td>");
		retention_cells(p, row);
		for (c = 0; c < r->ncols; c++) {
			int64_t f = hd_trend_value(r, row, c);

			heat_colour(col, sizeof(col), fabs((double)f), max);
			fmt_val(p, v, sizeof(v), f, 0);
			hd_buf_printf(p->b, "<td class=\"h\" style=\"background:%s\" data-v=\"%lld\" "
				      "title=\"", col, (long long)f);
			put(p, r->cols[c].label);
			hd_buf_printf(p->b, ": %s\"></td>", v);
		}
		hd_buf_puts(p->b, "</tr>\n");
	}
	hd_buf_puts(p->b, "</tbody></table>\n");
}

static void profiles(struct page *p)
{
	const struct hd_report *r = p->r;
	size_t c;
	char t[64], v[64];

	hd_buf_puts(p->b, "<h2>Profiles</h2>\n<table class=\"profiles\">\n<thead><tr><th>#</th>"
		    "<th>label</th><th>file</th><th>time</th><th>total</th></tr></thead>\n<tbody>\n");
	for (c = 0; c < r->ncols; c++) {
		const struct hd_column_info *ci = &r->cols[c];

		hd_format_time(t, sizeof(t), ci->time_nanos);
		fmt_val(p, v, sizeof(v), ci->total, 0);
		hd_buf_printf(p->b, "<tr><td class=\"num\">%zu</td><td><code>", c + 1);
		put(p, ci->label);
		hd_buf_puts(p->b, "</code></td><td><code>");
		put(p, hd_path_shown(ci->path));
		hd_buf_printf(p->b, "</code></td><td>%s</td><td class=\"num\">%s</td></tr>\n", t, v);
	}
	hd_buf_puts(p->b, "</tbody></table>\n");
}

int hd_html_trend(const struct hd_report *r, const struct hd_render_opts *o,
		  struct hd_buf *b)
{
	struct page p = {r, o, b, hd_shown(r->nsuspects, o), hd_rows_shown(r, o), {0}};
	int rc;

	hd_buf_init(&p.tmp, 0);

	hd_buf_puts(b, "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n"
		    "<head>\n<meta charset=\"utf-8\"/>\n<title>heapdiff trend: ");
	put(&p, r->cols[0].label);
	hd_buf_puts(b, " \xe2\x86\x92 ");
	put(&p, r->cols[r->ncols - 1].label);
	hd_buf_printf(b, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", css);
	summary(&p);
	hd_memstats_html(r, o, b);
	suspects(&p);
	heat_map(&p);
	hd_buf_puts(b, "<h2>Differential flame graph: last vs first</h2>\n<div class=\"fg\">\n");
	rc = hd_flame_graph(r, o, b);
	if (!rc) {
		hd_buf_puts(b, "</div>\n");
		profiles(&p);
		hd_buf_puts(b, "</body>\n</html>\n");
	}
	if (!rc)
		rc = p.tmp.failed ? p.tmp.failed : b->failed;
	hd_buf_release(&p.tmp);
	return rc;
}
