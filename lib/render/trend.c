/*
 * render-trend.c - heapdiff trend as text, GitHub-flavoured Markdown and
 * heapdiff/1 JSON.  Folded output is render-folded.c's (first vs last).
 *
 * Reads a finished trend report: the rows in rank order (leak suspects
 * first), each with its struct hd_trend (trend.c computes and classifies;
 * nothing here decides anything).  What is only presentation lives here:
 *
 *   columns    text and Markdown show one value column per profile up to
 *              MAX_COLS profiles; with more, only the first and the last,
 *              and the sparkline (or heat strip) carries the whole series.
 *   sparkline  one character per profile, ▁▂▃▄▅▆▇█ (ASCII: _.:-=+*#), the
 *              row's values scaled from min(0, min) to max(0, max), so a
 *              level line reads as level and anything above the bottom gets
 *              at least the second step.  More than SPARK_MAX profiles are
 *              averaged into SPARK_MAX buckets of consecutive profiles.
 *   heat       Markdown: one square per profile (at most HEAT_MAX buckets),
 *              by |value| against the largest |value| in the table: ⬜ 0,
 *              🟩 < 25%, 🟨 < 50%, 🟧 < 75%, 🟥 >= 75% (ASCII: _.:+#), so
 *              the rows that hold most stand out.
 *
 * Markdown quoting follows render-markdown.c: names and labels are code
 * spans (nothing inside is markup; '|' is "\|" in a table cell), other
 * text is backslash-escaped, control characters become spaces and invalid
 * UTF-8 becomes U+FFFD.
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render/render.h"

#define MAX_COLS 6
#define SPARK_MAX 32
#define HEAT_MAX 24
#define LABEL_MAX 16

#define RED "\033[31m"
#define GREEN "\033[32m"
#define RESET "\033[0m"

static const char *const spark_utf8[8] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
static const char *const spark_ascii[8] = {"_", ".", ":", "-", "=", "+", "*", "#"};
static const char *const heat_utf8[5] = {"⬜", "🟩", "🟨", "🟧", "🟥"};
static const char *const heat_ascii[5] = {"_", ".", ":", "+", "#"};

struct tr {
	const struct hd_report *r;
	const struct hd_render_opts *o;
	struct hd_buf *b;
	struct hd_buf tmp;        /* scratch: one cleaned string */
	struct hd_trend_opts topts;
	int64_t thr;              /* the growth floor in effect */
	size_t shown, nsus;       /* rows shown; growing rows */
	const struct hd_row **sus; /* the growing rows by suspect rank */
	size_t nlisted;           /* suspects listed: --top of them */
	const char *delta, *dcum, *arrow, *r2, *larrow, *ge;
};

static const char *frame_name(const struct hd_report *r, uint32_t f)
{
	return hd_model_frame(r->model, f)->name;
}

/* ---- numbers ---- */

static void fmt_val(const struct tr *t, char *buf, size_t n, int64_t v, int sign)
{
	hd_format_value(buf, n, v, t->r->sample_unit, sign);
}

static int64_t clamp_i64(double v)
{
	if (v >= 9.2e18)
		return INT64_MAX;
	if (v <= -9.2e18)
		return INT64_MIN;
	return (int64_t)llround(v);
}

static void fmt_slope(const struct tr *t, char *buf, size_t n, double v)
{
	if (isnan(v))
		snprintf(buf, n, "n/a");
	else
		fmt_val(t, buf, n, clamp_i64(v), 1);
}

/* A slope per hour, read per second, minute or hour, whichever reads best. */
static void fmt_rate(const struct tr *t, char *buf, size_t n, double per_hour)
{
	if (isnan(per_hour))
		snprintf(buf, n, "n/a");
	else
		hd_format_rate(buf, n, clamp_i64(per_hour), 3600000000000LL, t->r->sample_unit);
}

static void fmt_r2(char *buf, size_t n, double r2)
{
	if (isnan(r2))
		snprintf(buf, n, "n/a");
	else
		snprintf(buf, n, "%.2f", r2);
}

static int64_t flat_at(const struct hd_report *r, const struct hd_row *row, size_t c)
{
	return hd_report_flat(r, row, c);
}

/*
 * The series of row (flat; the totals when row is NULL) averaged into at
 * most max buckets of consecutive columns; returns the number of buckets.
 */
static size_t buckets(const struct hd_report *r, const struct hd_row *row,
		      double *out, size_t max)
{
	size_t n = r->ncols, w = n < max ? n : max, j, c;

	for (j = 0; j < w; j++) {
		size_t lo = j * n / w, hi = (j + 1) * n / w;
		double s = 0;

		for (c = lo; c < hi; c++)
			s += (double)(row ? flat_at(r, row, c) : r->cols[c].total);
		out[j] = s / (double)(hi - lo);
	}
	return w;
}

static void sparkline(struct tr *t, const struct hd_row *row)
{
	const char *const *lv = t->o->ascii ? spark_ascii : spark_utf8;
	double v[SPARK_MAX], lo = 0, hi = 0;
	size_t w = buckets(t->r, row, v, SPARK_MAX), j;

	for (j = 0; j < w; j++) {
		if (v[j] < lo)
			lo = v[j];
		if (v[j] > hi)
			hi = v[j];
	}
	for (j = 0; j < w; j++) {
		long k = 0;

		if (hi > lo) {
			k = lround((v[j] - lo) / (hi - lo) * 7);
			if (k == 0 && v[j] > lo)
				k = 1;
			if (k > 7)
				k = 7;
		}
		hd_buf_puts(t->b, lv[k]);
	}
}

static size_t spark_width(const struct hd_report *r)
{
	return r->ncols < SPARK_MAX ? r->ncols : SPARK_MAX;
}

/* The largest |flat| of the rows shown, over every column. */
static double table_max(const struct tr *t)
{
	double m = 0;
	size_t i, c;

	for (i = 0; i < t->shown; i++)
		for (c = 0; c < t->r->ncols; c++) {
			double v = fabs((double)flat_at(t->r, &t->r->rows[i], c));
			if (v > m)
				m = v;
		}
	return m;
}

static void heat(struct tr *t, const struct hd_row *row, double max)
{
	const char *const *lv = t->o->ascii ? heat_ascii : heat_utf8;
	double v[HEAT_MAX];
	size_t w = buckets(t->r, row, v, HEAT_MAX), j;

	for (j = 0; j < w; j++) {
		double f = max > 0 ? fabs(v[j]) / max : 0;
		int k = v[j] == 0 ? 0 : f < 0.25 ? 1 : f < 0.5 ? 2 : f < 0.75 ? 3 : 4;

		hd_buf_puts(t->b, lv[k]);
	}
}

/* The columns text and Markdown show: all, or the first and the last. */
static size_t shown_cols(const struct hd_report *r, size_t *cols)
{
	size_t c;

	if (r->ncols > MAX_COLS) {
		cols[0] = 0;
		cols[1] = r->ncols - 1;
		return 2;
	}
	for (c = 0; c < r->ncols; c++)
		cols[c] = c;
	return r->ncols;
}

/* ---- strings ---- */

/* Clean s into t->tmp (valid UTF-8, controls as spaces). */
static const char *clean(struct tr *t, const char *s)
{
	t->tmp.len = 0;
	if (t->tmp.data)
		t->tmp.data[0] = '\0';
	hd_put_clean(&t->tmp, s ? s : "", 1);
	return t->tmp.data && !t->tmp.failed ? t->tmp.data : "";
}

static void put_name(struct tr *t, const char *s)
{
	hd_buf_puts(t->b, clean(t, s));
}

/* s cut to width code points ("…" or "~" marks a cut), padded. */
static void put_cut(struct tr *t, const char *s, size_t width, int right)
{
	const char *p = clean(t, s);
	size_t w = hd_width(p), k = 0;
	const char *e = p;

	if (w <= width) {
		hd_pad(t->b, p, width, right);
		return;
	}
	while (*e && k < width - 1) {
		e++;
		while (((unsigned char)*e & 0xc0) == 0x80)
			e++;
		k++;
	}
	hd_buf_append(t->b, p, (size_t)(e - p));
	hd_buf_puts(t->b, t->o->ascii ? "~" : "…");
}

/* ---- text ---- */

static void text_profile(struct tr *t, size_t c)
{
	const struct hd_column_info *ci = &t->r->cols[c];
	char tm[64], v[64];

	hd_format_time(tm, sizeof(tm), ci->time_nanos);
	fmt_val(t, v, sizeof(v), ci->total, 0);
	hd_buf_printf(t->b, "  %4zu  ", c + 1);
	put_name(t, ci->label);
	hd_buf_puts(t->b, "  ");
	put_name(t, strcmp(ci->path, "-") == 0 ? "<stdin>" : ci->path);
	if (ci->time_nanos)
		hd_buf_printf(t->b, "  %s", tm);
	hd_buf_printf(t->b, "  %s\n", v);
}

static void text_header(struct tr *t)
{
	const struct hd_report *r = t->r;
	const struct hd_column_info *c0 = &r->cols[0], *c1 = &r->cols[r->ncols - 1];
	const struct hd_model_opts *m = &r->opts.model;
	const char *names[4] = {"focus", "ignore", "hide", "show"};
	const char *vals[4] = {m->focus, m->ignore, m->hide, m->show};
	int64_t elapsed = hd_sub_sat(c1->time_nanos, c0->time_nanos);
	char v0[64], v1[64], d[64], p[32];
	size_t c;
	int i, any = 0;

	hd_buf_printf(t->b, "Profiles: %zu\n", r->ncols);
	for (c = 0; c < r->ncols; c++) {
		if (r->ncols > MAX_COLS && c == 2 && r->ncols > 4) {
			hd_buf_printf(t->b, "  %4s  ... %zu more\n", "", r->ncols - 4);
			c = r->ncols - 3;
			continue;
		}
		text_profile(t, c);
	}
	hd_buf_puts(t->b, "Type: ");
	put_name(t, r->sample_type);
	hd_buf_puts(t->b, " (");
	put_name(t, r->sample_unit);
	hd_buf_puts(t->b, ")");
	if (m->granularity != HD_GRAN_FUNCTIONS)
		hd_buf_printf(t->b, ", granularity %s", hd_granularity_name(m->granularity));
	hd_buf_puts(t->b, "\n");
	for (i = 0; i < 4; i++)
		if (vals[i] && *vals[i]) {
			hd_buf_printf(t->b, "%s%s=", any ? " " : "Filters: ", names[i]);
			put_name(t, vals[i]);
			any = 1;
		}
	if (any)
		hd_buf_puts(t->b, "\n");
	fmt_val(t, v0, sizeof(v0), c0->total, 0);
	fmt_val(t, v1, sizeof(v1), c1->total, 0);
	fmt_val(t, d, sizeof(d), r->total_delta, 1);
	hd_format_pct(p, sizeof(p), r->total_pct, 1);
	hd_buf_printf(t->b, "Total: %s %s %s, %s (%s)  ", v0, t->arrow, v1,
		      r->total_delta ? d : "no change", p);
	sparkline(t, NULL);
	hd_buf_puts(t->b, "\n");
	if (c0->time_nanos && c1->time_nanos && elapsed > 0) {
		char e[32], rate[64];

		hd_format_duration(e, sizeof(e), elapsed);
		hd_format_rate(rate, sizeof(rate), r->total_delta, elapsed, r->sample_unit);
		hd_buf_printf(t->b, "Elapsed: %s, growth rate %s\n", e, rate);
	}
	fmt_val(t, d, sizeof(d), t->thr, 0);
	hd_buf_printf(t->b, "Growing: flat rose by more than %s", d);
	if (t->topts.min_growth_pct > 0 && t->thr > t->topts.min_growth)
		hd_buf_printf(t->b, " (%g%% of the first total)", t->topts.min_growth_pct);
	hd_buf_printf(t->b, ", %s %s %.2f, %s %.0f%% of steps not falling\n",
		      t->r2, t->ge, t->topts.min_r2, t->ge, t->topts.min_rising * 100);
}

static void text_chains(struct tr *t, const struct hd_row *row)
{
	size_t j, k;
	char v[64];

	if (row->nchains)
		hd_buf_printf(t->b, "       %s by call path, last vs first:\n", t->dcum);
	for (j = 0; j < row->nchains; j++) {
		const struct hd_chain *c = &row->chains[j];

		fmt_val(t, v, sizeof(v), c->delta, 1);
		hd_buf_printf(t->b, "       %12s  ", v);
		put_name(t, frame_name(t->r, row->frame));
		for (k = 0; k < c->n; k++) {
			hd_buf_printf(t->b, " %s ", t->larrow);
			put_name(t, frame_name(t->r, c->frames[k]));
		}
		if (c->n == 0)
			hd_buf_puts(t->b, " (root)");
		hd_buf_puts(t->b, "\n");
	}
}

/* One line of what a suspect did: growth, slopes, fit, steps. */
static void suspect_line(struct tr *t, const struct hd_row *row, char *buf, size_t n)
{
	const struct hd_trend *tr = row->trend;
	char d[64], p[32], s[64], h[64], q[16];

	fmt_val(t, d, sizeof(d), row->dflat, 1);
	hd_format_pct(p, sizeof(p), row->pct_flat, 1);
	fmt_slope(t, s, sizeof(s), tr->flat.slope_per_version);
	fmt_rate(t, h, sizeof(h), tr->flat.slope_per_hour);
	fmt_r2(q, sizeof(q), tr->flat.r2);
	snprintf(buf, n, "%s (%s), %s per profile%s%s, %s %s, %zu of %zu steps up",
		 d, isnan(row->pct_flat) ? "from 0" : p, s,
		 isnan(tr->flat.slope_per_hour) ? "" : ", ", isnan(tr->flat.slope_per_hour) ? "" : h,
		 t->r2, q, tr->flat.steps_up, t->r->ncols - 1);
}

static void text_suspects(struct tr *t)
{
	const struct hd_report *r = t->r;
	size_t i;
	char line[512], d[64];

	if (!t->nsus) {
		fmt_val(t, d, sizeof(d), t->thr, 0);
		hd_buf_printf(t->b, "\nLeak suspects: none (nothing grew steadily by more than %s)\n", d);
		return;
	}
	hd_buf_printf(t->b, "\nLeak suspects (%zu, by net growth x %s):\n", t->nsus, t->r2);
	for (i = 0; i < t->nlisted; i++) {
		const struct hd_row *row = t->sus[i];

		suspect_line(t, row, line, sizeof(line));
		hd_buf_printf(t->b, "  %2zu. ", row->trend->suspect);
		put_name(t, frame_name(r, row->frame));
		hd_buf_printf(t->b, "  %s  ", line);
		sparkline(t, row);
		hd_buf_puts(t->b, "\n");
		text_chains(t, row);
	}
	if (t->nlisted < t->nsus)
		hd_buf_printf(t->b, "  ... %zu more (--top 0 shows all)\n", t->nsus - t->nlisted);
}

static void text_table(struct tr *t)
{
	const struct hd_report *r = t->r;
	size_t cols[MAX_COLS], nc = shown_cols(r, cols), i, k, w = 11;
	size_t sw = spark_width(r) < 5 ? 5 : spark_width(r);
	char v[64], s[64], q[16], hd[64];

	for (k = 0; k < nc; k++) {
		size_t lw = hd_width(clean(t, r->cols[cols[k]].label));
		if (lw > w)
			w = lw < LABEL_MAX ? lw : LABEL_MAX;
	}
	hd_buf_printf(t->b, "\nFunctions (flat");
	if (t->shown < r->nrows)
		hd_buf_printf(t->b, "; top %zu of %zu", t->shown, r->nrows);
	hd_buf_puts(t->b, "):\n");
	for (k = 0; k < nc; k++) {
		hd_buf_puts(t->b, k ? "  " : "");
		put_cut(t, r->cols[cols[k]].label, w, 1);
	}
	snprintf(hd, sizeof(hd), "%s first%slast", t->delta, t->arrow);
	hd_pad(t->b, hd, 15, 1);
	hd_buf_puts(t->b, " ");
	hd_pad(t->b, "slope/profile", 13, 1);
	hd_buf_puts(t->b, " ");
	hd_pad(t->b, t->r2, 5, 1);
	hd_buf_printf(t->b, "  %-11s  ", "class");
	hd_pad(t->b, "trend", sw, 0);
	hd_buf_puts(t->b, "  name\n");
	for (i = 0; i < t->shown; i++) {
		const struct hd_row *row = &r->rows[i];
		const struct hd_trend *tr = row->trend;
		const char *col = NULL;

		for (k = 0; k < nc; k++) {
			fmt_val(t, v, sizeof(v), flat_at(r, row, cols[k]), 0);
			hd_buf_puts(t->b, k ? "  " : "");
			hd_pad(t->b, v, w, 1);
		}
		fmt_val(t, v, sizeof(v), row->dflat, 1);
		fmt_slope(t, s, sizeof(s), tr->flat.slope_per_version);
		fmt_r2(q, sizeof(q), tr->flat.r2);
		hd_pad(t->b, v, 15, 1);
		hd_buf_puts(t->b, " ");
		hd_pad(t->b, s, 13, 1);
		hd_buf_puts(t->b, " ");
		hd_pad(t->b, q, 5, 1);
		hd_buf_puts(t->b, "  ");
		if (t->o->color && tr->cls == HD_TREND_GROWING)
			col = RED;
		else if (t->o->color && tr->cls == HD_TREND_SHRINKING)
			col = GREEN;
		if (col)
			hd_buf_puts(t->b, col);
		hd_buf_printf(t->b, "%-11s", hd_trend_class_name(tr->cls));
		if (col)
			hd_buf_puts(t->b, RESET);
		hd_buf_puts(t->b, "  ");
		sparkline(t, row);
		for (k = spark_width(r); k < sw; k++)
			hd_buf_puts(t->b, " ");
		hd_buf_puts(t->b, "  ");
		put_name(t, frame_name(r, row->frame));
		hd_buf_puts(t->b, "\n");
	}
}

static int render_text(struct tr *t)
{
	text_header(t);
	text_suspects(t);
	if (t->shown)
		text_table(t);
	hd_text_verdict(t->r, t->o, t->b);
	return 0;
}

/* ---- markdown ---- */

static void md_text(struct tr *t, const char *s)
{
	hd_md_text(t->b, &t->tmp, s);
}

static void md_code(struct tr *t, const char *s, int in_table)
{
	hd_md_code(t->b, &t->tmp, s, in_table);
}

static void md_header(struct tr *t)
{
	const struct hd_report *r = t->r;
	const struct hd_column_info *c0 = &r->cols[0], *c1 = &r->cols[r->ncols - 1];
	const struct hd_model_opts *mo = &r->opts.model;
	const char *names[4] = {"focus", "ignore", "hide", "show"};
	const char *vals[4] = {mo->focus, mo->ignore, mo->hide, mo->show};
	int64_t elapsed = hd_sub_sat(c1->time_nanos, c0->time_nanos);
	char v0[64], v1[64], d[64], p[32];
	int i;

	hd_buf_printf(t->b, "## heapdiff trend: %zu profiles, ", r->ncols);
	md_code(t, c0->label, 0);
	hd_buf_printf(t->b, " %s ", t->arrow);
	md_code(t, c1->label, 0);
	hd_buf_puts(t->b, " (");
	md_text(t, r->sample_type);
	hd_buf_puts(t->b, ")\n\n");

	if (t->nsus)
		hd_buf_printf(t->b, "**%zu leak suspect%s**", t->nsus, t->nsus == 1 ? "" : "s");
	else
		hd_buf_puts(t->b, "**No leak suspects**");
	fmt_val(t, v0, sizeof(v0), c0->total, 0);
	fmt_val(t, v1, sizeof(v1), c1->total, 0);
	fmt_val(t, d, sizeof(d), r->total_delta, 1);
	hd_format_pct(p, sizeof(p), r->total_pct, 1);
	hd_buf_puts(t->b, "; total ");
	md_text(t, r->sample_type);
	if (r->total_delta)
		hd_buf_printf(t->b, " %s (%s), %s %s %s", d, p, v0, t->arrow, v1);
	else
		hd_buf_printf(t->b, " did not change, %s %s %s", v0, t->arrow, v1);
	if (c0->time_nanos && c1->time_nanos && elapsed > 0) {
		char e[32], rate[64];

		hd_format_duration(e, sizeof(e), elapsed);
		hd_format_rate(rate, sizeof(rate), r->total_delta, elapsed, r->sample_unit);
		hd_buf_printf(t->b, " in %s (%s)", e, rate);
	}
	hd_buf_puts(t->b, ".\n\n");

	hd_buf_puts(t->b, "Sample type ");
	md_text(t, r->sample_type);
	hd_buf_puts(t->b, " (");
	md_text(t, r->sample_unit);
	hd_buf_puts(t->b, ")");
	if (mo->granularity != HD_GRAN_FUNCTIONS)
		hd_buf_printf(t->b, ", granularity %s", hd_granularity_name(mo->granularity));
	for (i = 0; i < 4; i++)
		if (vals[i] && *vals[i]) {
			hd_buf_printf(t->b, ", %s ", names[i]);
			md_code(t, vals[i], 0);
		}
	fmt_val(t, d, sizeof(d), t->thr, 0);
	hd_buf_printf(t->b, ". Growing: flat rose by more than %s", d);
	if (t->topts.min_growth_pct > 0 && t->thr > t->topts.min_growth)
		hd_buf_printf(t->b, " (%g%% of the first total)", t->topts.min_growth_pct);
	hd_buf_printf(t->b, ", %s %s %.2f, %s %.0f%% of steps not falling.\n\n",
		      t->r2, t->ge, t->topts.min_r2, t->ge, t->topts.min_rising * 100);
}

static void md_suspects(struct tr *t)
{
	const struct hd_report *r = t->r;
	size_t i, j, k;
	char line[512], v[64];

	if (!t->nsus)
		return;
	hd_buf_puts(t->b, "### Leak suspects\n\n");
	for (i = 0; i < t->nlisted; i++) {
		const struct hd_row *row = t->sus[i];

		suspect_line(t, row, line, sizeof(line));
		hd_buf_printf(t->b, "%zu. ", row->trend->suspect);
		md_code(t, frame_name(r, row->frame), 0);
		hd_buf_puts(t->b, ": ");
		md_text(t, line);
		hd_buf_puts(t->b, " ");
		hd_buf_puts(t->b, "`");
		sparkline(t, row);
		hd_buf_puts(t->b, "`\n");
		if (row->nchains)
			hd_buf_printf(t->b, "\n   %s by call path, last vs first:\n\n", t->dcum);
		for (j = 0; j < row->nchains; j++) {
			const struct hd_chain *c = &row->chains[j];

			fmt_val(t, v, sizeof(v), c->delta, 1);
			hd_buf_printf(t->b, "   - **%s** ", v);
			md_code(t, frame_name(r, row->frame), 0);
			for (k = 0; k < c->n; k++) {
				hd_buf_printf(t->b, " %s ", t->larrow);
				md_code(t, frame_name(r, c->frames[k]), 0);
			}
			if (c->n == 0)
				hd_buf_puts(t->b, " (root)");
			hd_buf_puts(t->b, "\n");
		}
	}
	if (t->nlisted < t->nsus)
		hd_buf_printf(t->b, "\nAnd %zu more.\n", t->nsus - t->nlisted);
	hd_buf_puts(t->b, "\n");
}

static void md_table(struct tr *t)
{
	const struct hd_report *r = t->r;
	size_t cols[MAX_COLS], nc = shown_cols(r, cols), i, k;
	double max = table_max(t);
	char v[64], s[64], q[16];

	hd_buf_puts(t->b, "### Functions (flat)\n\n| function | class |");
	for (k = 0; k < nc; k++) {
		hd_buf_puts(t->b, " ");
		md_code(t, r->cols[cols[k]].label, 1);
		hd_buf_puts(t->b, " |");
	}
	hd_buf_printf(t->b, " %s first%slast | slope/profile | %s | heat | trend |\n|:---|:---|",
		      t->delta, t->arrow, t->r2);
	for (k = 0; k < nc; k++)
		hd_buf_puts(t->b, "---:|");
	hd_buf_puts(t->b, "---:|---:|---:|:---|:---|\n");
	for (i = 0; i < t->shown; i++) {
		const struct hd_row *row = &r->rows[i];
		const struct hd_trend *tr = row->trend;

		hd_buf_puts(t->b, "| ");
		md_code(t, frame_name(r, row->frame), 1);
		hd_buf_printf(t->b, tr->cls == HD_TREND_GROWING ? " | **%s** |" : " | %s |",
			      hd_trend_class_name(tr->cls));
		for (k = 0; k < nc; k++) {
			fmt_val(t, v, sizeof(v), flat_at(r, row, cols[k]), 0);
			hd_buf_printf(t->b, " %s |", v);
		}
		fmt_val(t, v, sizeof(v), row->dflat, 1);
		fmt_slope(t, s, sizeof(s), tr->flat.slope_per_version);
		fmt_r2(q, sizeof(q), tr->flat.r2);
		hd_buf_printf(t->b, " %s | %s | %s | ", v, s, q);
		if (t->o->ascii)
			hd_buf_puts(t->b, "`");
		heat(t, row, max);
		hd_buf_puts(t->b, t->o->ascii ? "` | `" : " | `");
		sparkline(t, row);
		hd_buf_puts(t->b, "` |\n");
	}
	hd_buf_puts(t->b, "\n");
	if (t->shown < r->nrows)
		hd_buf_printf(t->b, "Top %zu of %zu functions. ", t->shown, r->nrows);
	if (t->o->ascii)
		hd_buf_puts(t->b, "Heat: one mark per profile, by value against the table's "
			    "largest: `_` none, `.` below 25%, `:` below 50%, `+` below 75%, "
			    "`#` above.");
	else
		hd_buf_puts(t->b, "Heat: one square per profile, by value against the table's "
			    "largest: ⬜ none, 🟩 below 25%, 🟨 below 50%, 🟧 below 75%, "
			    "🟥 above.");
	if (r->ncols > HEAT_MAX)
		hd_buf_printf(t->b, " With %zu profiles, each mark averages consecutive ones.",
			      r->ncols);
	hd_buf_puts(t->b, "\n\n");
}

static void md_verdict(struct tr *t)
{
	hd_md_verdict(t->b, &t->tmp, t->r);
}

static int render_markdown(struct tr *t)
{
	md_header(t);
	md_verdict(t);
	md_suspects(t);
	if (t->shown)
		md_table(t);
	return 0;
}

/* ---- json ---- */

struct js {
	int failed;
};

static void jadd(struct js *j, cJSON *o, const char *k, cJSON *v)
{
	if (!o || !v || !cJSON_AddItemToObject(o, k, v)) {
		j->failed = 1;
		cJSON_Delete(v);
	}
}

static void jpush(struct js *j, cJSON *a, cJSON *v)
{
	if (!a || !v || !cJSON_AddItemToArray(a, v)) {
		j->failed = 1;
		cJSON_Delete(v);
	}
}

enum { SERIES, VS_FIRST, VS_PREV };

static cJSON *j_series(struct js *j, const struct hd_report *r,
		       const struct hd_row *row, int cum, int kind)
{
	cJSON *a = cJSON_CreateArray();
	size_t c;

	for (c = 0; c < r->ncols; c++) {
		int64_t v = cum ? hd_report_cum(r, row, c) : hd_report_flat(r, row, c);
		size_t base = kind == VS_FIRST || c == 0 ? 0 : c - 1;

		if (kind != SERIES)
			v = hd_sub_sat(v, cum ? hd_report_cum(r, row, base) :
				       hd_report_flat(r, row, base));
		jpush(j, a, hd_json_int(v));
	}
	return a;
}

static cJSON *j_pair(struct js *j, const struct hd_report *r,
		     const struct hd_row *row, int kind)
{
	cJSON *o = cJSON_CreateObject();

	jadd(j, o, "flat", j_series(j, r, row, 0, kind));
	jadd(j, o, "cum", j_series(j, r, row, 1, kind));
	return o;
}

static void j_fit(struct js *j, cJSON *o, const struct hd_trend_fit *f, size_t n)
{
	jadd(j, o, "slope_per_version", hd_json_num(f->slope_per_version));
	jadd(j, o, "slope_per_hour", hd_json_num(f->slope_per_hour));
	jadd(j, o, "r2", hd_json_num(f->r2));
	jadd(j, o, "cv", hd_json_num(f->cv));
	jadd(j, o, "steps_up", hd_json_int((int64_t)f->steps_up));
	jadd(j, o, "steps_down", hd_json_int((int64_t)f->steps_down));
	jadd(j, o, "steps_level", hd_json_int((int64_t)f->steps_level));
}

static cJSON *j_trend(struct js *j, const struct hd_report *r, const struct hd_trend *tr)
{
	cJSON *o = cJSON_CreateObject(), *cum = cJSON_CreateObject();

	jadd(j, o, "class", cJSON_CreateString(hd_trend_class_name(tr->cls)));
	jadd(j, o, "suspect_rank", tr->suspect ? hd_json_int((int64_t)tr->suspect) :
	     cJSON_CreateNull());
	jadd(j, o, "score", hd_json_num(tr->score));
	j_fit(j, o, &tr->flat, r->ncols);
	jadd(j, o, "rising_share", hd_json_num(tr->rising));
	jadd(j, o, "min", hd_json_int(tr->min));
	jadd(j, o, "max", hd_json_int(tr->max));
	j_fit(j, cum, &tr->cum, r->ncols);
	jadd(j, o, "cum", cum);
	return o;
}

static cJSON *j_function(struct js *j, const struct hd_report *r, const struct hd_row *row)
{
	const struct hd_frame *f = hd_model_frame(r->model, row->frame);
	cJSON *o = cJSON_CreateObject();
	size_t i, k;

	jadd(j, o, "name", hd_json_str(f->name));
	jadd(j, o, "function", hd_json_str(f->function));
	jadd(j, o, "file", hd_json_str(f->file));
	if (f->line)
		jadd(j, o, "line", hd_json_int(f->line));
	if (f->address) {
		char s[32];
		snprintf(s, sizeof(s), "0x%llx", (unsigned long long)f->address);
		jadd(j, o, "address", cJSON_CreateString(s));
	}
	jadd(j, o, "flat", j_series(j, r, row, 0, SERIES));
	jadd(j, o, "cum", j_series(j, r, row, 1, SERIES));
	jadd(j, o, "status", cJSON_CreateString(hd_row_status_name(row->status)));
	jadd(j, o, "delta_flat", hd_json_int(row->dflat));
	jadd(j, o, "delta_cum", hd_json_int(row->dcum));
	jadd(j, o, "pct_flat", hd_json_num(row->pct_flat));
	jadd(j, o, "pct_cum", hd_json_num(row->pct_cum));
	jadd(j, o, "delta_vs_first", j_pair(j, r, row, VS_FIRST));
	jadd(j, o, "delta_vs_prev", j_pair(j, r, row, VS_PREV));
	jadd(j, o, "trend", j_trend(j, r, row->trend));
	if (row->nchains) {
		cJSON *chains = cJSON_CreateArray();

		for (i = 0; i < row->nchains; i++) {
			cJSON *c = cJSON_CreateObject(), *path = cJSON_CreateArray();

			for (k = 0; k < row->chains[i].n; k++)
				jpush(j, path, hd_json_str(frame_name(r, row->chains[i].frames[k])));
			jadd(j, c, "path", path);
			jadd(j, c, "delta", hd_json_int(row->chains[i].delta));
			jpush(j, chains, c);
		}
		jadd(j, o, "ref_chains", chains);
	}
	return o;
}

static cJSON *j_totals(struct js *j, int64_t base, int64_t now, int64_t delta, double pct)
{
	cJSON *t = cJSON_CreateObject();

	jadd(j, t, "base", hd_json_int(base));
	jadd(j, t, "new", hd_json_int(now));
	jadd(j, t, "delta", hd_json_int(delta));
	jadd(j, t, "pct", hd_json_num(pct));
	return t;
}

static int render_json(struct tr *t)
{
	const struct hd_report *r = t->r;
	const struct hd_model_opts *mo = &r->opts.model;
	size_t i, last = r->ncols - 1, counts[HD_TREND_GONE + 1] = {0};
	struct js j = {0};
	cJSON *root = cJSON_CreateObject(), *x, *a;
	char *text;
	int rc = 0;

	jadd(&j, root, "schema", cJSON_CreateString("heapdiff/1"));
	jadd(&j, root, "command", cJSON_CreateString("trend"));
	x = cJSON_CreateObject();
	jadd(&j, x, "type", hd_json_str(r->sample_type));
	jadd(&j, x, "unit", hd_json_str(r->sample_unit));
	jadd(&j, root, "sample_type", x);
	jadd(&j, root, "granularity", cJSON_CreateString(hd_granularity_name(mo->granularity)));
	x = cJSON_CreateObject();
	if (mo->focus) jadd(&j, x, "focus", hd_json_str(mo->focus));
	if (mo->ignore) jadd(&j, x, "ignore", hd_json_str(mo->ignore));
	if (mo->hide) jadd(&j, x, "hide", hd_json_str(mo->hide));
	if (mo->show) jadd(&j, x, "show", hd_json_str(mo->show));
	jadd(&j, root, "filters", x);
	a = cJSON_CreateArray();
	for (i = 0; i < r->ncols; i++) {
		const struct hd_column_info *c = &r->cols[i];

		x = cJSON_CreateObject();
		jadd(&j, x, "path", hd_json_str(c->path));
		jadd(&j, x, "label", hd_json_str(c->label));
		jadd(&j, x, "time_nanos", hd_json_int(c->time_nanos));
		jadd(&j, x, "duration_nanos", hd_json_int(c->duration_nanos));
		jadd(&j, x, "total", hd_json_int(c->total));
		jadd(&j, x, "abs_total", hd_json_int(c->abs_total));
		jpush(&j, a, x);
	}
	jadd(&j, root, "profiles", a);
	jadd(&j, root, "normalized", cJSON_CreateFalse());
	jadd(&j, root, "totals", j_totals(&j, r->cols[0].total, r->cols[last].total,
					  r->total_delta, r->total_pct));
	if (r->cols[0].have_count && r->cols[last].have_count) {
		x = j_totals(&j, r->cols[0].count_total, r->cols[last].count_total,
			     r->count_delta, hd_share(r->count_delta, r->cols[0].count_total));
		jadd(&j, x, "type", hd_json_str(r->count_type));
		jadd(&j, root, "count_totals", x);
	}
	if (r->cols[0].time_nanos && r->cols[last].time_nanos)
		jadd(&j, root, "elapsed_nanos", hd_json_int(hd_sub_sat(r->cols[last].time_nanos,
								       r->cols[0].time_nanos)));
	x = cJSON_CreateObject();
	jadd(&j, x, "values", cJSON_CreateString("flat"));
	jadd(&j, x, "threshold", hd_json_int(t->thr));
	jadd(&j, x, "min_growth", hd_json_int(t->topts.min_growth));
	jadd(&j, x, "min_growth_pct", hd_json_num(t->topts.min_growth_pct));
	jadd(&j, x, "min_r2", hd_json_num(t->topts.min_r2));
	jadd(&j, x, "min_rising", hd_json_num(t->topts.min_rising));
	jadd(&j, root, "classification", x);
	for (i = 0; i < r->nrows; i++)
		counts[r->rows[i].trend->cls]++;
	x = cJSON_CreateObject();
	for (i = 0; i <= HD_TREND_GONE; i++)
		jadd(&j, x, hd_trend_class_name((enum hd_trend_class)i),
		     hd_json_int((int64_t)counts[i]));
	jadd(&j, root, "classes", x);
	/* Every suspect, by rank, even those --top leaves out of functions. */
	a = cJSON_CreateArray();
	for (i = 0; i < r->nrows; i++)
		if (r->rows[i].trend->suspect)
			jpush(&j, a, hd_json_str(frame_name(r, r->rows[i].frame)));
	jadd(&j, root, "suspects", a);
	if (r->verdict)
		jadd(&j, root, "verdict", hd_json_verdict(r));
	jadd(&j, root, "frames_total", hd_json_int((int64_t)r->nrows));
	a = cJSON_CreateArray();
	for (i = 0; i < t->shown; i++)
		jpush(&j, a, j_function(&j, r, &r->rows[i]));
	jadd(&j, root, "functions", a);

	text = j.failed ? NULL : cJSON_Print(root);
	if (!text)
		rc = HD_ERR_NOMEM;
	else if (hd_buf_puts(t->b, text) || hd_buf_puts(t->b, "\n"))
		rc = HD_ERR_NOMEM;
	free(text);
	cJSON_Delete(root);
	return rc;
}

int hd_render_trend(const struct hd_report *r, const struct hd_render_opts *o,
		    struct hd_buf *b)
{
	struct tr t;
	size_t i;
	int rc;

	if (r->command != HD_CMD_TREND || r->ncols < 2)
		return HD_ERR_USAGE;
	memset(&t, 0, sizeof(t));
	t.r = r;
	t.o = o;
	t.b = b;
	hd_buf_init(&t.tmp, 0);
	if (r->opts.trend)
		t.topts = *r->opts.trend;
	else
		hd_trend_opts_init(&t.topts);
	t.thr = r->trend_threshold;
	t.shown = hd_rows_shown(r, o);
	for (i = 0; i < r->nrows; i++)
		if (r->rows[i].trend && r->rows[i].trend->suspect)
			t.nsus++;
	/* Suspects in rank order whatever --sort did to the rows. */
	t.sus = calloc(t.nsus + 1, sizeof(*t.sus));
	if (!t.sus)
		return HD_ERR_NOMEM;
	for (i = 0; i < r->nrows; i++) {
		const struct hd_trend *tr = r->rows[i].trend;
		if (tr && tr->suspect && tr->suspect <= t.nsus)
			t.sus[tr->suspect - 1] = &r->rows[i];
	}
	t.nlisted = o->top && o->top < t.nsus ? o->top : t.nsus;
	t.delta = o->ascii ? "d" : "Δ";
	t.dcum = o->ascii ? "cum delta" : "Δcum";
	t.arrow = o->ascii ? "->" : "→";
	t.larrow = o->ascii ? "<-" : "←";
	t.r2 = o->ascii ? "r2" : "r²";
	t.ge = o->ascii ? ">=" : "≥";
	switch (o->format) {
	case HD_FMT_TEXT:
		rc = render_text(&t);
		break;
	case HD_FMT_MARKDOWN:
		rc = render_markdown(&t);
		break;
	case HD_FMT_JSON:
		rc = render_json(&t);
		break;
	default:
		rc = HD_ERR_USAGE;
		break;
	}
	if (!rc && t.tmp.failed)
		rc = HD_ERR_NOMEM;
	hd_buf_release(&t.tmp);
	free(t.sus);
	return rc;
}
