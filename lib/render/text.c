/*
 * text.c - the terminal report of top, diff and trend: aligned columns,
 * signed deltas, optional ANSI colour (growth red, shrinkage green).
 *
 * Strings are cleaned as everywhere (render.h's hd_put_clean: control
 * and bidi characters visible, invalid UTF-8 as U+FFFD), names of the
 * profile cut past HD_NAME_DISPLAY_MAX bytes.  A trend shows one value column per profile up to
 * HD_TREND_COLS, else the first and the last, and a sparkline of the
 * whole series (render.h); column labels are cut to LABEL_MAX.
 */
#include <stdio.h>
#include <string.h>

#include "render/formats.h"
#include "render/render.h"

#define LABEL_MAX 16

#define RED "\033[31m"
#define GREEN "\033[32m"
#define RESET "\033[0m"

static const char *frame_name(const struct hd_report *r, uint32_t frame)
{
	return hd_model_frame(r->model, frame)->name;
}

/* A string from the profile, long names cut (render.h). */
static void put_name(struct hd_buf *b, const char *name)
{
	hd_put_clean(b, name, HD_CLEAN_TEXT, HD_NAME_DISPLAY_MAX);
}

/* A path, filter or sentence of ours: cleaned, never cut. */
static void put_str(struct hd_buf *b, const char *s)
{
	hd_put_clean(b, s, HD_CLEAN_TEXT, 0);
}

/* ---- what every command prints ---- */

/* "Type: inuse_space (bytes), granularity lines" */
static void type_line(const struct hd_report *r, struct hd_buf *b)
{
	hd_buf_puts(b, "Type: ");
	put_name(b, r->sample_type);
	hd_buf_puts(b, " (");
	put_name(b, r->sample_unit);
	hd_buf_puts(b, ")");
	if (r->opts.model.granularity != HD_GRAN_FUNCTIONS)
		hd_buf_printf(b, ", granularity %s",
			      hd_granularity_name(r->opts.model.granularity));
	hd_buf_puts(b, "\n");
}

/* "Filters: focus=RE hide=RE", when there are any. */
static void filters_line(const struct hd_report *r, struct hd_buf *b)
{
	const struct hd_model_opts *m = &r->opts.model;
	const char *names[4] = {"focus", "ignore", "hide", "show"};
	const char *vals[4] = {m->focus, m->ignore, m->hide, m->show};
	int i, any = 0;

	for (i = 0; i < 4; i++)
		if (vals[i] && *vals[i]) {
			hd_buf_printf(b, "%s%s=", any ? " " : "Filters: ", names[i]);
			put_str(b, vals[i]);
			any = 1;
		}
	if (any)
		hd_buf_puts(b, "\n");
}

/* The rules, one line each, then one line a CI log can grep for. */
static void verdict(const struct hd_report *r, const struct hd_render_opts *o,
		    struct hd_buf *b)
{
	const struct hd_verdict *v = r->verdict;
	char d[512];
	size_t i;
	int nfail = 0;

	if (!v)
		return;
	hd_buf_printf(b, "\nVerdict%s:\n", r->opts.normalize ? " (on normalized values)" : "");
	for (i = 0; i < v->n; i++) {
		hd_verdict_describe(&v->results[i], d, sizeof(d), 1);
		hd_buf_printf(b, "  %s%s%s  %-16s  ", o->color ? (v->results[i].pass ? GREEN : RED) : "",
			      v->results[i].pass ? "pass" : "FAIL", o->color ? RESET : "",
			      v->results[i].rule.text);
		put_str(b, d);
		hd_buf_puts(b, "\n");
	}
	if (v->pass) {
		hd_buf_printf(b, "PASS\n");
		return;
	}
	hd_buf_puts(b, "FAIL: ");
	for (i = 0; i < v->n; i++) {
		if (v->results[i].pass)
			continue;
		hd_verdict_describe(&v->results[i], d, sizeof(d), 1);
		hd_buf_puts(b, nfail++ ? "; " : "");
		put_str(b, d);
	}
	hd_buf_puts(b, "\n");
}

/* "    held by LeakApp.sessions → java.util.ArrayList.elementData →
 * java.lang.Object[]" under a row whose objects have a holder (a Java
 * heap dump's reference chain, hd_row_held_by). */
static void held_by(const struct hd_report *r, const struct hd_row *row, const char *indent,
		    const struct hd_glyphs *g, struct hd_buf *b)
{
	struct hd_held_step st[HD_HELD_BY_MAX];
	size_t gap, n = hd_row_held_by(r, row, st, &gap), k;
	char s[1024];

	if (!n)
		return;
	hd_buf_printf(b, "%sheld by ", indent);
	for (k = 0; k < n; k++) {
		size_t l = st[k].len < sizeof(s) - 1 ? st[k].len : sizeof(s) - 1;

		memcpy(s, st[k].s, l);
		s[l] = 0;
		if (k && k == gap)
			hd_buf_printf(b, " %s %s", g->arrow, g->cut);
		if (k)
			hd_buf_printf(b, " %s ", g->arrow);
		put_name(b, s);
	}
	if (gap && gap == n)
		hd_buf_printf(b, " %s %s", g->arrow, g->cut);
	hd_buf_puts(b, "\n");
}

/* ---- top ---- */

int hd_text_top(const struct hd_report *r, const struct hd_render_opts *o,
		struct hd_buf *b)
{
	const struct hd_column_info *c = &r->cols[0];
	size_t i, shown = hd_rows_shown(r, o);
	char t[64], v1[64];

	hd_buf_puts(b, "File: ");
	put_str(b, hd_path_shown(c->path));
	hd_buf_puts(b, "\n");
	type_line(r, b);
	hd_format_time(t, sizeof(t), c->time_nanos);
	if (c->time_nanos)
		hd_buf_printf(b, "Time: %s\n", t);
	if (c->duration_nanos > 0) {
		hd_format_duration(t, sizeof(t), c->duration_nanos);
		hd_buf_printf(b, "Duration: %s\n", t);
	}
	filters_line(r, b);
	hd_format_value(v1, sizeof(v1), c->total, r->sample_unit, 0);
	hd_buf_printf(b, "Total: %s", v1);
	if (hd_abs_total_cell(r, 0, t))
		hd_buf_printf(b, " (sum of |values| %s, the base of %%)", t);
	if (shown < r->nrows)
		hd_buf_printf(b, " (showing top %zu of %zu frames)", shown, r->nrows);
	hd_buf_puts(b, "\n");
	hd_buf_printf(b, "%12s %7s %7s %12s %7s  %s\n", "flat", "flat%", "sum%",
		      "cum", "cum%", "name");
	for (i = 0; i < shown && !b->failed; i++) {
		const struct hd_row *row = &r->rows[i];
		char cell[5][64];

		hd_top_cells(r, row, cell);
		hd_buf_printf(b, "%12s %7s %7s %12s %7s  ", cell[0], cell[1], cell[2],
			      cell[3], cell[4]);
		put_name(b, frame_name(r, row->frame));
		hd_buf_puts(b, "\n");
		held_by(r, row, "        ", hd_glyphs(0), b);
	}
	verdict(r, o, b);
	return 0;
}

/* ---- diff ---- */

static void colored(struct hd_buf *b, const struct hd_render_opts *o,
		    int64_t d, const char *s, size_t width)
{
	if (o->color && d)
		hd_buf_puts(b, d > 0 ? RED : GREEN);
	hd_pad(b, s, width, 1);
	if (o->color && d)
		hd_buf_puts(b, RESET);
}

/* "  ← main.handlePool (98%)" after a row's name, when its culprit is
 * another frame. */
static void culprit_suffix(const struct hd_report *r, const struct hd_row *row,
			   const char *larrow, struct hd_buf *b)
{
	uint32_t c = hd_row_culprit_other(r, row);
	char share[32];

	if (c == HD_NO_FRAME)
		return;
	hd_format_share(share, sizeof(share), row->culprit_share);
	hd_buf_printf(b, "  %s ", larrow);
	put_name(b, frame_name(r, c));
	hd_buf_printf(b, " (%s)", share);
}

/* The leak-or-churn columns' heading, and a row's cells, when the
 * profiles carry the pair of types. */
static void retention_head(const struct hd_report *r, const char *delta, struct hd_buf *b)
{
	char h[32];

	if (!r->pair_type)
		return;
	snprintf(h, sizeof(h), "in-use %s", delta);
	hd_pad(b, h, 13, 1);
	hd_buf_printf(b, " %13s  %-15s  ", "allocated", "retention");
}

static void retention_cells(const struct hd_report *r, const struct hd_row *row,
			    struct hd_buf *b)
{
	char c[HD_RC_N][64];

	if (!r->pair_type)
		return;
	hd_retention_cells(r, row, c);
	hd_pad(b, c[HD_RC_INUSE], 13, 1);
	hd_buf_puts(b, " ");
	hd_pad(b, c[HD_RC_ALLOC], 13, 1);
	hd_buf_printf(b, "  %-15s  ", c[HD_RC_LABEL]);
}

/* "Leak or churn: alloc_space beside inuse_space, first to last" */
static void pair_line(const struct hd_report *r, struct hd_buf *b)
{
	if (!r->pair_type)
		return;
	hd_buf_puts(b, "Leak or churn: ");
	put_name(b, r->pair_type);
	hd_buf_puts(b, " beside ");
	put_name(b, r->sample_type);
	hd_buf_puts(b, ", first to last\n");
}

/* The growers or the shrinkers, o->top of them. */
static void diff_table(const struct hd_report *r, const struct hd_render_opts *o,
		       struct hd_buf *b, int growers)
{
	const struct hd_row *const *rows = growers ? r->growers : r->shrinkers;
	size_t i, n = hd_shown(growers ? r->ngrowers : r->nshrinkers, o);
	char v[6][64];

	if (n) {
		/* Padded by code points, as the rows are: "Δ" is two bytes. */
		hd_buf_printf(b, "\n%s:\n", growers ? "Top growers" : "Top shrinkers");
		hd_pad(b, "Δflat", 13, 1);
		hd_buf_puts(b, " ");
		hd_pad(b, "Δflat%", 10, 1);
		hd_buf_printf(b, " %12s %12s ", "base flat", "new flat");
		hd_pad(b, "Δcum", 13, 1);
		hd_buf_puts(b, " ");
		hd_pad(b, "Δcum%", 10, 1);
		hd_buf_printf(b, "  %-6s  ", "status");
		retention_head(r, "Δ", b);
		hd_buf_puts(b, "name\n");
	}
	for (i = 0; i < n && !b->failed; i++) {
		const struct hd_row *row = rows[i];

		hd_diff_cells(r, row, v);
		colored(b, o, row->dflat, v[0], 13);
		hd_buf_puts(b, " ");
		hd_pad(b, v[1], 10, 1);
		hd_buf_printf(b, " %12s %12s ", v[2], v[3]);
		colored(b, o, row->dcum, v[4], 13);
		hd_buf_puts(b, " ");
		hd_pad(b, v[5], 10, 1);
		hd_buf_printf(b, "  %-6s  ", hd_row_status_name(row->status));
		retention_cells(r, row, b);
		put_name(b, frame_name(r, row->frame));
		culprit_suffix(r, row, "←", b);
		hd_buf_puts(b, "\n");
		held_by(r, row, "        ", hd_glyphs(0), b);
	}
}

/* A row's allocation call paths, each indented by indent and its
 * delta in a column of 12, then "other paths: +X" when the listed ones
 * do not add up to the row's change.  Paths without callers are not
 * shown: they would say only the row's name. */
static void paths(const struct hd_report *r, const struct hd_row *row, const char *indent,
		  const char *larrow, struct hd_buf *b)
{
	size_t j, k;
	char v[64];

	for (j = 0; j < row->nchains && !b->failed; j++) {
		const struct hd_chain *c = &row->chains[j];

		if (!hd_chain_shown(c))
			continue;
		hd_format_value(v, sizeof(v), c->delta, r->sample_unit, 1);
		hd_buf_printf(b, "%s%12s  ", indent, v);
		put_name(b, frame_name(r, row->frame));
		for (k = 0; k < c->n; k++) {
			hd_buf_printf(b, " %s ", larrow);
			put_name(b, frame_name(r, c->frames[k]));
		}
		hd_buf_puts(b, "\n");
	}
	if (row->chains_other) {
		hd_format_value(v, sizeof(v), row->chains_other, r->sample_unit, 1);
		hd_buf_printf(b, "%s%12s  other paths\n", indent, v);
	}
}

static void chains(const struct hd_report *r, struct hd_buf *b)
{
	size_t i;
	char v[64];
	int any = 0;

	for (i = 0; i < r->nrows && !b->failed; i++) {
		const struct hd_row *row = &r->rows[i];

		if (!hd_row_has_paths(row))
			continue;
		if (!any++)
			hd_buf_printf(b, "\nAllocation call paths (up to %d nearest callers, by growth):\n",
				      r->opts.ref_chain_depth);
		hd_format_value(v, sizeof(v), row->dcum, r->sample_unit, 1);
		hd_buf_puts(b, "  ");
		put_name(b, frame_name(r, row->frame));
		hd_buf_printf(b, "  (Δcum %s)\n", v);
		paths(r, row, "    ", "←", b);
	}
}

static void profile_line(const struct hd_report *r, struct hd_buf *b,
			 const char *what, size_t col)
{
	const struct hd_column_info *c = &r->cols[col];
	char t[64];

	hd_buf_printf(b, "%s", what);
	put_str(b, hd_path_shown(c->path));
	hd_format_time(t, sizeof(t), c->time_nanos);
	if (c->time_nanos)
		hd_buf_printf(b, " (%s)", t);
	if (c->duration_nanos > 0) {
		hd_format_duration(t, sizeof(t), c->duration_nanos);
		hd_buf_printf(b, ", over %s", t);
	}
	hd_buf_puts(b, "\n");
}

/* "Total: 1 MiB -> 2 MiB, +1 MiB (+100.00%)", the objects, the time. */
static void diff_totals(const struct hd_report *r, const struct hd_render_opts *o,
			struct hd_buf *b)
{
	const struct hd_column_info *c0 = &r->cols[0], *c1 = &r->cols[r->ncols - 1];
	char t[4][64], e[64], rate[64];

	hd_total_cells(r, t);
	hd_buf_printf(b, "Total: %s -> %s, ", t[0], t[1]);
	if (o->color && r->total_delta)
		hd_buf_puts(b, r->total_delta > 0 ? RED : GREEN);
	hd_buf_printf(b, "%s (%s)", r->total_delta ? t[2] : "no change", t[3]);
	if (o->color && r->total_delta)
		hd_buf_puts(b, RESET);
	hd_buf_puts(b, "\n");
	if (hd_counts_shown(r)) {
		hd_format_value(t[0], 64, c0->count_total, "count", 0);
		hd_format_value(t[1], 64, c1->count_total, "count", 0);
		hd_format_value(t[2], 64, r->count_delta, "count", 1);
		hd_format_pct(t[3], 64, r->count_pct, 1);
		hd_buf_puts(b, "Objects (");
		put_name(b, r->count_type);
		hd_buf_printf(b, "): %s -> %s, %s (%s)\n",
			      t[0], t[1], r->count_delta ? t[2] : "no change", t[3]);
	}
	if (hd_elapsed_cells(r, e, rate))
		hd_buf_printf(b, "Elapsed: %s%s%s\n", e, rate[0] ? ", growth rate " : "", rate);
}

int hd_text_diff(const struct hd_report *r, const struct hd_render_opts *o,
		 struct hd_buf *b)
{
	char note[128];

	profile_line(r, b, "Base: ", 0);
	profile_line(r, b, "New:  ", r->ncols - 1);
	if (hd_backwards_note(r, note, sizeof(note)))
		hd_buf_printf(b, "%s\n", note);
	type_line(r, b);
	if (r->opts.normalize)
		hd_buf_printf(b, "Normalized: new scaled by %.6g to the base total (pprof -normalize)%s\n",
			      r->scale, r->scale != 1 ? "; no growth rate or object counts, "
			      "which scaling leaves meaningless" : "");
	filters_line(r, b);
	diff_totals(r, o, b);
	pair_line(r, b);
	hd_memstats_text(r, o, b);
	if (r->unchanged) {
		hd_buf_puts(b, "\nNo change.\n");
	} else {
		diff_table(r, o, b, 1);
		diff_table(r, o, b, 0);
		chains(r, b);
	}
	verdict(r, o, b);
	return 0;
}

/* ---- trend ---- */

struct tr {
	const struct hd_report *r;
	const struct hd_render_opts *o;
	const struct hd_glyphs *g;
	struct hd_buf *b;
	struct hd_buf tmp;        /* scratch: one cleaned string */
};

/* s cleaned into t->tmp, as put_str() writes it. */
static const char *clean(struct tr *t, const char *s)
{
	hd_scratch_empty(&t->tmp);
	put_str(&t->tmp, s);
	return t->tmp.data && !t->tmp.failed ? t->tmp.data : "";
}

/* s cut to width code points (the glyph "cut" marks a cut), or padded. */
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
	hd_buf_puts(t->b, t->g->cut);
}

static void trend_profile(struct tr *t, size_t c)
{
	const struct hd_column_info *ci = &t->r->cols[c];
	char tm[64], v[64];

	hd_format_time(tm, sizeof(tm), ci->time_nanos);
	hd_format_value(v, sizeof(v), ci->total, t->r->sample_unit, 0);
	hd_buf_printf(t->b, "  %4zu  ", c + 1);
	put_str(t->b, ci->label);
	hd_buf_puts(t->b, "  ");
	put_str(t->b, hd_path_shown(ci->path));
	if (ci->time_nanos)
		hd_buf_printf(t->b, "  %s", tm);
	hd_buf_printf(t->b, "  %s\n", v);
}

static void trend_header(struct tr *t)
{
	const struct hd_report *r = t->r;
	char tc[4][64], e[64], rate[64], note[128];
	size_t c;

	hd_buf_printf(t->b, "Profiles: %zu\n", r->ncols);
	for (c = 0; c < r->ncols; c++) {
		if (r->ncols > HD_TREND_COLS && c == 2 && r->ncols > 4) {
			hd_buf_printf(t->b, "  %4s  ... %zu more\n", "", r->ncols - 4);
			c = r->ncols - 3;
			continue;
		}
		trend_profile(t, c);
	}
	type_line(r, t->b);
	filters_line(r, t->b);
	hd_total_cells(r, tc);
	hd_buf_printf(t->b, "Total: %s %s %s, %s (%s)  ", tc[0], t->g->arrow, tc[1],
		      r->total_delta ? tc[2] : "no change", tc[3]);
	hd_sparkline(t->b, r, NULL, 0, t->g);
	hd_buf_puts(t->b, "\n");
	if (hd_elapsed_cells(r, e, rate))
		hd_buf_printf(t->b, "Elapsed: %s%s%s\n", e, rate[0] ? ", growth rate " : "", rate);
	if (hd_order_note(r, t->g->dash, note, sizeof(note)))
		hd_buf_printf(t->b, "%s\n", note);
	if (r->cumulative) {
		put_name(t->b, r->sample_type);
		hd_buf_puts(t->b, HD_CUMULATIVE_NOTE "\n");
	}
	pair_line(r, t->b);
	hd_buf_puts(t->b, "Growing: ");
	hd_growing_rule(t->b, r, t->g);
	hd_buf_puts(t->b, "\n");
	hd_buf_puts(t->b, "Classes: ");
	hd_class_counts(t->b, r);
	hd_buf_puts(t->b, "\n");
}

static void trend_chains(struct tr *t, const struct hd_row *row)
{
	if (hd_row_has_paths(row))
		hd_buf_printf(t->b, "       allocation call paths, %s last vs first:\n", t->g->dcum);
	if (hd_row_has_paths(row) || row->chains_other)
		paths(t->r, row, "       ", t->g->larrow, t->b);
}

/* "       retained: in-use +1.00 MiB of +1.10 MiB allocated" */
static void trend_retention(struct tr *t, const struct hd_row *row)
{
	char c[HD_RC_N][64];

	if (!t->r->pair_type || row->ret.label == HD_RET_NONE)
		return;
	hd_retention_cells(t->r, row, c);
	hd_buf_printf(t->b, "       %s: in-use %s, allocated %s\n", c[HD_RC_LABEL],
		      c[HD_RC_INUSE], c[HD_RC_ALLOC]);
}

static void trend_suspects(struct tr *t)
{
	const struct hd_report *r = t->r;
	size_t i, listed = hd_shown(r->nsuspects, t->o);
	const char *title = hd_suspects_title(r);
	char line[512], d[64];

	if (!r->nsuspects) {
		hd_format_value(d, sizeof(d), r->trend_threshold, r->sample_unit, 0);
		hd_buf_printf(t->b, "\n%s: none (nothing grew steadily by more than %s)\n", title, d);
		return;
	}
	hd_buf_printf(t->b, "\n%s (%zu, by growth x (1 - p)):\n", title, r->nsuspects);
	for (i = 0; i < listed && !t->b->failed; i++) {
		const struct hd_row *row = r->suspects[i];

		hd_suspect_line(r, row, t->g, line, sizeof(line));
		hd_buf_printf(t->b, "  %2zu. ", row->trend->suspect);
		put_name(t->b, frame_name(r, row->frame));
		culprit_suffix(r, row, t->g->larrow, t->b);
		hd_buf_printf(t->b, "  %s  ", line);
		hd_sparkline(t->b, r, row, 0, t->g);
		hd_buf_puts(t->b, "\n");
		held_by(r, row, "       ", t->g, t->b);
		trend_retention(t, row);
		trend_chains(t, row);
	}
	if (listed < r->nsuspects)
		hd_buf_printf(t->b, "  ... and %zu more\n", r->nsuspects - listed);
}

/* The delta column's heading, "Δ first→last" ("Δcum first→last" by
 * cum), and its width: 15, or the heading's and two spaces. */
static size_t delta_head(const struct tr *t, char *buf, size_t n)
{
	size_t w;

	snprintf(buf, n, "%s first%slast", hd_trend_by_cum(t->r) ? t->g->dcum : t->g->delta,
		 t->g->arrow);
	w = hd_width(buf) + 2;
	return w > 15 ? w : 15;
}

/* The column headings of the table; *w: the width of a value column. */
static void table_head(struct tr *t, const size_t *cols, size_t nc, size_t shown,
		       size_t *w)
{
	const struct hd_report *r = t->r;
	size_t k, sw = hd_spark_width(r) < 5 ? 5 : hd_spark_width(r);
	char hd[64];

	*w = 11;
	for (k = 0; k < nc; k++) {
		size_t lw = hd_width(clean(t, r->cols[cols[k]].label));
		if (lw > *w)
			*w = lw < LABEL_MAX ? lw : LABEL_MAX;
	}
	hd_buf_printf(t->b, "\nFunctions (%s", hd_trend_values_name(r));
	if (shown < r->nrows)
		hd_buf_printf(t->b, "; top %zu of %zu", shown, r->nrows);
	hd_buf_printf(t->b, "; growth and p of what the class reads%s):\n",
		      r->cumulative ? ", the increments" : "");
	for (k = 0; k < nc; k++) {
		hd_buf_puts(t->b, k ? "  " : "");
		put_cut(t, r->cols[cols[k]].label, *w, 1);
	}
	hd_pad(t->b, hd, delta_head(t, hd, sizeof(hd)), 1);
	hd_buf_puts(t->b, " ");
	hd_pad(t->b, "growth", 13, 1);
	hd_buf_puts(t->b, " ");
	hd_pad(t->b, "p", 6, 1);
	hd_buf_printf(t->b, "  %-11s  ", "class");
	retention_head(r, t->g->delta, t->b);
	hd_pad(t->b, "trend", sw, 0);
	hd_buf_puts(t->b, "  name\n");
}

static void table_row(struct tr *t, const struct hd_row *row, const size_t *cols,
		      size_t nc, size_t w)
{
	const struct hd_report *r = t->r;
	enum hd_trend_class cls = row->trend->cls;
	size_t k, sw = hd_spark_width(r) < 5 ? 5 : hd_spark_width(r);
	const char *col = NULL;
	char v[64], c[HD_TC_N][64], level[128], dh[64];

	for (k = 0; k < nc; k++) {
		hd_format_value(v, sizeof(v), hd_trend_value(r, row, cols[k]), r->sample_unit, 0);
		hd_buf_puts(t->b, k ? "  " : "");
		hd_pad(t->b, v, w, 1);
	}
	hd_trend_cells(r, row, c);
	hd_pad(t->b, c[HD_TC_DELTA], delta_head(t, dh, sizeof(dh)), 1);
	hd_buf_puts(t->b, " ");
	hd_pad(t->b, c[HD_TC_GROWTH], 13, 1);
	hd_buf_puts(t->b, " ");
	hd_pad(t->b, c[HD_TC_P], 6, 1);
	hd_buf_puts(t->b, "  ");
	if (t->o->color && cls == HD_TREND_GROWING)
		col = RED;
	else if (t->o->color && cls == HD_TREND_SHRINKING)
		col = GREEN;
	hd_buf_printf(t->b, "%s%-11s%s  ", col ? col : "", hd_trend_class_name(cls),
		      col ? RESET : "");
	retention_cells(r, row, t->b);
	hd_sparkline(t->b, r, row, hd_trend_by_cum(r), t->g);
	for (k = hd_spark_width(r); k < sw; k++)
		hd_buf_puts(t->b, " ");
	hd_buf_puts(t->b, "  ");
	put_name(t->b, frame_name(r, row->frame));
	culprit_suffix(r, row, t->g->larrow, t->b);
	if (hd_level_note(r, row, level, sizeof(level)))
		hd_buf_printf(t->b, "  (%s)", level);
	hd_buf_puts(t->b, "\n");
}

int hd_text_trend(const struct hd_report *r, const struct hd_render_opts *o,
		  struct hd_buf *b)
{
	struct tr t = {r, o, hd_glyphs(o->ascii), b, {0}};
	size_t cols[HD_TREND_COLS], nc = hd_trend_columns(r, cols), shown = hd_rows_shown(r, o);
	size_t i, w;
	int rc;

	hd_buf_init(&t.tmp, 0);
	trend_header(&t);
	hd_memstats_text(r, o, b);
	trend_suspects(&t);
	if (shown) {
		table_head(&t, cols, nc, shown, &w);
		/* A buffer past its cap stops the table: what follows
		 * would be thrown away. */
		for (i = 0; i < shown && !b->failed; i++)
			table_row(&t, &r->rows[i], cols, nc, w);
	}
	verdict(r, o, b);
	rc = t.tmp.failed ? HD_ERR_NOMEM : 0;
	hd_buf_release(&t.tmp);
	return rc;
}
