/*
 * render-json.c - the heapdiff/1 JSON schema, built with cJSON.
 *
 * 64-bit integers are written from the integer (cJSON raw values), never
 * through a double, so values above 2^53 stay exact.  Strings are made
 * valid UTF-8 first (invalid bytes become U+FFFD).
 */
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render/render.h"

static cJSON *j_int(int64_t v)
{
	char s[32];

	snprintf(s, sizeof(s), "%" PRId64, v);
	return cJSON_CreateRaw(s);
}

static cJSON *j_num(double v)
{
	char s[64];

	if (isnan(v) || isinf(v))
		return cJSON_CreateNull();
	snprintf(s, sizeof(s), "%.4f", v);
	return cJSON_CreateRaw(s);
}

static cJSON *j_str(const char *s)
{
	struct hd_buf b;
	cJSON *j;

	hd_buf_init(&b, 0);
	if (hd_put_clean(&b, s, 0) || !b.data) {
		hd_buf_release(&b);
		return cJSON_CreateString("");
	}
	j = cJSON_CreateString(b.data);
	hd_buf_release(&b);
	return j;
}

static void add(cJSON *o, const char *k, cJSON *v)
{
	cJSON_AddItemToObject(o, k, v);
}

static cJSON *profiles(const struct hd_report *r)
{
	cJSON *a = cJSON_CreateArray();
	size_t i;

	for (i = 0; i < r->ncols; i++) {
		const struct hd_column_info *c = &r->cols[i];
		cJSON *p = cJSON_CreateObject();

		add(p, "path", j_str(c->path));
		if (r->command == HD_CMD_TREND)
			add(p, "label", j_str(c->label));
		add(p, "time_nanos", j_int(c->time_nanos));
		add(p, "duration_nanos", j_int(c->duration_nanos));
		add(p, "total", j_int(c->total));
		add(p, "abs_total", j_int(c->abs_total));
		if (r->opts.normalize)
			add(p, "raw_total", j_int(c->raw_total));
		cJSON_AddItemToArray(a, p);
	}
	return a;
}

static cJSON *values(const struct hd_report *r, const struct hd_row *row, int cum)
{
	cJSON *a = cJSON_CreateArray();
	size_t i;

	for (i = 0; i < r->ncols; i++)
		cJSON_AddItemToArray(a, j_int(cum ? hd_report_cum(r, row, i) :
						    hd_report_flat(r, row, i)));
	return a;
}

static cJSON *function(const struct hd_report *r, const struct hd_row *row)
{
	const struct hd_frame *f = hd_model_frame(r->model, row->frame);
	cJSON *o = cJSON_CreateObject();
	size_t i, k;

	add(o, "name", j_str(f->name));
	add(o, "function", j_str(f->function));
	add(o, "file", j_str(f->file));
	if (f->line)
		add(o, "line", j_int(f->line));
	if (f->address) {
		char s[32];
		snprintf(s, sizeof(s), "0x%" PRIx64, f->address);
		add(o, "address", cJSON_CreateString(s));
	}
	add(o, "flat", values(r, row, 0));
	add(o, "cum", values(r, row, 1));
	if (r->command == HD_CMD_TOP)
		return o;
	add(o, "status", cJSON_CreateString(hd_row_status_name(row->status)));
	add(o, "delta_flat", j_int(row->dflat));
	add(o, "delta_cum", j_int(row->dcum));
	add(o, "pct_flat", j_num(row->pct_flat));
	add(o, "pct_cum", j_num(row->pct_cum));
	if (row->nchains) {
		cJSON *chains = cJSON_CreateArray();

		for (i = 0; i < row->nchains; i++) {
			cJSON *c = cJSON_CreateObject(), *path = cJSON_CreateArray();

			for (k = 0; k < row->chains[i].n; k++)
				cJSON_AddItemToArray(path, j_str(hd_model_frame(r->model,
						row->chains[i].frames[k])->name));
			add(c, "path", path);
			add(c, "delta", j_int(row->chains[i].delta));
			cJSON_AddItemToArray(chains, c);
		}
		add(o, "ref_chains", chains);
	}
	return o;
}

static cJSON *totals(int64_t base, int64_t now, int64_t delta, double pct)
{
	cJSON *t = cJSON_CreateObject();

	add(t, "base", j_int(base));
	add(t, "new", j_int(now));
	add(t, "delta", j_int(delta));
	add(t, "pct", j_num(pct));
	return t;
}

cJSON *hd_json_verdict(const struct hd_report *r)
{
	const struct hd_verdict *v = r->verdict;
	cJSON *o = cJSON_CreateObject(), *rules = cJSON_CreateArray();
	size_t i, k;

	add(o, "pass", cJSON_CreateBool(v->pass));
	add(o, "normalized", cJSON_CreateBool(r->opts.normalize));
	for (i = 0; i < v->n; i++) {
		const struct hd_rule_result *res = &v->results[i];
		cJSON *x = cJSON_CreateObject(), *frames = cJSON_CreateArray();
		char d[512];

		add(x, "rule", j_str(res->rule.text));
		add(x, "sample_type", j_str(res->rule.sample_type[0] ? res->rule.sample_type :
					     r->sample_type));
		add(x, "pass", cJSON_CreateBool(res->pass));
		add(x, "measured", j_int(res->measured));
		add(x, "measured_pct", j_num(res->measured_pct));
		if (res->rule.scope == HD_RULE_LEAK)
			add(x, "limit", cJSON_CreateNull());
		else
			add(x, "limit", res->rule.is_pct ? j_num(res->rule.pct) : j_int(res->rule.limit));
		add(x, "limit_kind", cJSON_CreateString(res->rule.scope == HD_RULE_LEAK ? "none" :
							res->rule.is_pct ? "percent" : "absolute"));
		add(x, "unit", j_str(res->unit));
		for (k = 0; k < res->nframes && k < HD_VERDICT_NAMES; k++)
			cJSON_AddItemToArray(frames, j_str(res->frame_names[k]));
		add(x, "frames", frames);
		add(x, "frames_total", j_int((int64_t)res->nframes));
		hd_verdict_describe(res, d, sizeof(d), 1);
		add(x, "message", j_str(d));
		cJSON_AddItemToArray(rules, x);
	}
	add(o, "rules", rules);
	return o;
}

int hd_render_json(const struct hd_report *r, const struct hd_render_opts *o,
		   struct hd_buf *b)
{
	static const char *const cmd[] = {"top", "diff", "trend"};
	cJSON *root = cJSON_CreateObject(), *st, *fns, *filters;
	const struct hd_model_opts *mo = &r->opts.model;
	size_t i, shown = hd_rows_shown(r, o), last = r->ncols - 1;
	char *text;
	int rc = 0;

	add(root, "schema", cJSON_CreateString("heapdiff/1"));
	add(root, "command", cJSON_CreateString(cmd[r->command]));
	st = cJSON_CreateObject();
	add(st, "type", j_str(r->sample_type));
	add(st, "unit", j_str(r->sample_unit));
	add(root, "sample_type", st);
	add(root, "granularity", cJSON_CreateString(hd_granularity_name(mo->granularity)));
	filters = cJSON_CreateObject();
	if (mo->focus) add(filters, "focus", j_str(mo->focus));
	if (mo->ignore) add(filters, "ignore", j_str(mo->ignore));
	if (mo->hide) add(filters, "hide", j_str(mo->hide));
	if (mo->show) add(filters, "show", j_str(mo->show));
	add(root, "filters", filters);
	add(root, "profiles", profiles(r));
	if (r->command != HD_CMD_TOP) {
		add(root, "normalized", cJSON_CreateBool(r->opts.normalize));
		if (r->opts.normalize)
			add(root, "scale", cJSON_CreateNumber(r->scale));
		add(root, "totals", totals(r->cols[0].total, r->cols[last].total,
					   r->total_delta, r->total_pct));
		if (r->cols[0].have_count && r->cols[last].have_count) {
			cJSON *ct = totals(r->cols[0].count_total, r->cols[last].count_total,
					   r->count_delta,
					   hd_share(r->count_delta, r->cols[0].count_total));
			add(ct, "type", cJSON_CreateString(r->count_type));
			add(root, "count_totals", ct);
		}
		if (r->cols[0].time_nanos && r->cols[last].time_nanos)
			add(root, "elapsed_nanos", j_int(hd_sub_sat(r->cols[last].time_nanos,
								    r->cols[0].time_nanos)));
	}
	if (r->verdict)
		add(root, "verdict", hd_json_verdict(r));
	add(root, "frames_total", j_int((int64_t)r->nrows));
	fns = cJSON_CreateArray();
	for (i = 0; i < shown; i++)
		cJSON_AddItemToArray(fns, function(r, &r->rows[i]));
	add(root, "functions", fns);

	text = cJSON_Print(root);
	if (!text)
		rc = HD_ERR_NOMEM;
	else if (hd_buf_puts(b, text) || hd_buf_puts(b, "\n"))
		rc = HD_ERR_NOMEM;
	free(text);
	cJSON_Delete(root);
	return rc;
}
