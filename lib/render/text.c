/*
 * render-text.c - the terminal report: aligned columns, signed deltas,
 * optional ANSI colour (growth red, shrinkage green).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "render/render.h"

#define RED "\033[31m"
#define GREEN "\033[32m"
#define BOLD "\033[1m"
#define RESET "\033[0m"

static const char *frame_name(const struct hd_report *r, const struct hd_row *row)
{
	return hd_model_frame(r->model, row->frame)->name;
}

static void put_name(struct hd_buf *b, const char *name)
{
	hd_put_clean(b, name, 1);
}

static void header_type(const struct hd_report *r, struct hd_buf *b)
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

static void filters_line(const struct hd_report *r, struct hd_buf *b)
{
	const struct hd_model_opts *m = &r->opts.model;
	const char *names[4] = {"focus", "ignore", "hide", "show"};
	const char *vals[4] = {m->focus, m->ignore, m->hide, m->show};
	int i, any = 0;

	for (i = 0; i < 4; i++)
		if (vals[i] && *vals[i]) {
			hd_buf_printf(b, "%s%s=", any ? " " : "Filters: ", names[i]);
			put_name(b, vals[i]);
			any = 1;
		}
	if (any)
		hd_buf_puts(b, "\n");
}

static int render_top(const struct hd_report *r, const struct hd_render_opts *o,
		      struct hd_buf *b)
{
	const struct hd_column_info *c = &r->cols[0];
	size_t i, shown = hd_rows_shown(r, o);
	char t[64], v1[64];
	int64_t sum = 0;

	hd_buf_puts(b, "File: ");
	put_name(b, strcmp(c->path, "-") == 0 ? "<stdin>" : c->path);
	hd_buf_puts(b, "\n");
	header_type(r, b);
	hd_format_time(t, sizeof(t), c->time_nanos);
	if (c->time_nanos)
		hd_buf_printf(b, "Time: %s\n", t);
	filters_line(r, b);
	hd_format_value(v1, sizeof(v1), c->total, r->sample_unit, 0);
	hd_buf_printf(b, "Total: %s", v1);
	if (shown < r->nrows)
		hd_buf_printf(b, " (showing top %zu of %zu frames)", shown, r->nrows);
	hd_buf_puts(b, "\n");
	hd_buf_printf(b, "%12s %7s %7s %12s %7s  %s\n", "flat", "flat%", "sum%",
		      "cum", "cum%", "name");
	for (i = 0; i < shown; i++) {
		const struct hd_row *row = &r->rows[i];
		char cell[5][64];

		hd_top_cells(r, row, &sum, cell);
		hd_buf_printf(b, "%12s %7s %7s %12s %7s  ", cell[0], cell[1], cell[2],
			      cell[3], cell[4]);
		put_name(b, frame_name(r, row));
		hd_buf_puts(b, "\n");
	}
	return 0;
}

static void colored(struct hd_buf *b, const struct hd_render_opts *o,
		    int64_t d, const char *s, size_t width)
{
	if (o->color && d)
		hd_buf_puts(b, d > 0 ? RED : GREEN);
	hd_pad(b, s, width, 1);
	if (o->color && d)
		hd_buf_puts(b, RESET);
}

static void diff_table(const struct hd_report *r, const struct hd_render_opts *o,
		       struct hd_buf *b, int growers)
{
	const struct hd_row *const *rows = growers ? r->growers : r->shrinkers;
	size_t i, n = growers ? r->ngrowers : r->nshrinkers;
	char v[6][64];

	if (o->top && o->top < n)
		n = o->top;
	for (i = 0; i < n; i++) {
		const struct hd_row *row = rows[i];

		if (i == 0) {
			hd_buf_printf(b, "\n%s:\n", growers ? "Top growers" : "Top shrinkers");
			hd_buf_printf(b, "%14s %10s %12s %12s %14s %10s  %-6s  %s\n",
				      "Δflat", "Δflat%", "base flat", "new flat",
				      "Δcum", "Δcum%", "status", "name");
		}
		hd_diff_cells(r, row, v);
		colored(b, o, row->dflat, v[0], 13);
		hd_buf_puts(b, " ");
		hd_pad(b, v[1], 10, 1);
		hd_buf_printf(b, " %12s %12s ", v[2], v[3]);
		colored(b, o, row->dcum, v[4], 13);
		hd_buf_puts(b, " ");
		hd_pad(b, v[5], 10, 1);
		hd_buf_printf(b, "  %-6s  ", hd_row_status_name(row->status));
		put_name(b, frame_name(r, row));
		hd_buf_puts(b, "\n");
	}
}

static void chains(const struct hd_report *r, struct hd_buf *b)
{
	size_t i, j, k;
	char v[64];
	int any = 0;

	for (i = 0; i < r->nrows; i++) {
		const struct hd_row *row = &r->rows[i];

		if (!row->nchains)
			continue;
		if (!any++)
			hd_buf_printf(b, "\nReference chains (up to %d nearest callers, by growth):\n",
				      r->opts.ref_chain_depth);
		hd_format_value(v, sizeof(v), row->dcum, r->sample_unit, 1);
		hd_buf_puts(b, "  ");
		put_name(b, frame_name(r, row));
		hd_buf_printf(b, "  (Δcum %s)\n", v);
		for (j = 0; j < row->nchains; j++) {
			const struct hd_chain *c = &row->chains[j];

			hd_format_value(v, sizeof(v), c->delta, r->sample_unit, 1);
			hd_buf_printf(b, "    %12s  ", v);
			put_name(b, frame_name(r, row));
			for (k = 0; k < c->n; k++) {
				hd_buf_puts(b, " ← ");
				put_name(b, hd_model_frame(r->model, c->frames[k])->name);
			}
			if (c->n == 0)
				hd_buf_puts(b, " (root)");
			hd_buf_puts(b, "\n");
		}
	}
}

static void hd_text_profile_line(const struct hd_report *r, struct hd_buf *b,
			  const char *what, size_t col)
{
	const struct hd_column_info *c = &r->cols[col];
	char t[64];

	hd_buf_printf(b, "%s", what);
	put_name(b, strcmp(c->path, "-") == 0 ? "<stdin>" : c->path);
	hd_format_time(t, sizeof(t), c->time_nanos);
	if (c->time_nanos)
		hd_buf_printf(b, " (%s)", t);
	hd_buf_puts(b, "\n");
}

static int render_diff(const struct hd_report *r, const struct hd_render_opts *o,
		       struct hd_buf *b)
{
	const struct hd_column_info *c0 = &r->cols[0], *c1 = &r->cols[r->ncols - 1];
	char v0[64], v1[64], d[64], p[32];
	int64_t elapsed = hd_sub_sat(c1->time_nanos, c0->time_nanos);

	hd_text_profile_line(r, b, "Base: ", 0);
	hd_text_profile_line(r, b, "New:  ", r->ncols - 1);
	header_type(r, b);
	if (r->opts.normalize)
		hd_buf_printf(b, "Normalized: new scaled by %.6g to the base total (pprof -normalize)\n",
			      r->scale);
	filters_line(r, b);
	hd_format_value(v0, sizeof(v0), c0->total, r->sample_unit, 0);
	hd_format_value(v1, sizeof(v1), c1->total, r->sample_unit, 0);
	hd_format_value(d, sizeof(d), r->total_delta, r->sample_unit, 1);
	hd_format_pct(p, sizeof(p), r->total_pct, 1);
	hd_buf_printf(b, "Total: %s -> %s, ", v0, v1);
	if (o->color && r->total_delta)
		hd_buf_puts(b, r->total_delta > 0 ? RED : GREEN);
	hd_buf_printf(b, "%s (%s)", r->total_delta ? d : "no change", p);
	if (o->color && r->total_delta)
		hd_buf_puts(b, RESET);
	hd_buf_puts(b, "\n");
	if (c0->have_count && c1->have_count) {
		hd_format_value(v0, sizeof(v0), c0->count_total, "count", 0);
		hd_format_value(v1, sizeof(v1), c1->count_total, "count", 0);
		hd_format_value(d, sizeof(d), r->count_delta, "count", 1);
		hd_format_pct(p, sizeof(p), hd_share(r->count_delta, c0->count_total), 1);
		hd_buf_puts(b, "Objects (");
		put_name(b, r->count_type);
		hd_buf_printf(b, "): %s -> %s, %s (%s)\n",
			      v0, v1, r->count_delta ? d : "no change", p);
	}
	if (c0->time_nanos && c1->time_nanos && elapsed > 0) {
		char e[32], rate[64];

		hd_format_duration(e, sizeof(e), elapsed);
		hd_format_rate(rate, sizeof(rate), r->total_delta, elapsed, r->sample_unit);
		hd_buf_printf(b, "Elapsed: %s, growth rate %s\n", e, rate);
	}
	if (r->unchanged) {
		hd_buf_puts(b, "\nNo change.\n");
		return 0;
	}
	diff_table(r, o, b, 1);
	diff_table(r, o, b, 0);
	chains(r, b);
	return 0;
}

/* The rules, one line each, then one line a CI log can grep for. */
void hd_text_verdict(const struct hd_report *r, const struct hd_render_opts *o,
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
		hd_put_clean(b, d, 1);
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
		hd_put_clean(b, d, 1);
	}
	hd_buf_puts(b, "\n");
}

int hd_render_text(const struct hd_report *r, const struct hd_render_opts *o,
		   struct hd_buf *b)
{
	int rc;

	switch (r->command) {
	case HD_CMD_TOP:
		rc = render_top(r, o, b);
		break;
	case HD_CMD_DIFF:
		rc = render_diff(r, o, b);
		break;
	default:
		return HD_ERR_USAGE;
	}
	if (!rc)
		hd_text_verdict(r, o, b);
	return rc;
}
