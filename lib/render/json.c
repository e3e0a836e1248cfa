/*
 * json.c - the heapdiff/1 JSON schema of top, diff and trend, built with
 * cJSON (man/heapdiff.1 lists the fields).
 *
 * 64-bit integers are written from the integer (cJSON raw values), never
 * through a double, so values above 2^53 stay exact; reals have four
 * decimals, or are null for NAN and infinities.  Strings are written by
 * render.h's hd_put_clean (HD_CLEAN_JSON) as raw values, not by cJSON,
 * which would copy C1 and bidi controls through: the document is valid
 * UTF-8 (invalid bytes become U+FFFD), every control and bidi character
 * is a \u escape (the parsed string still holds it), and names are whole.
 *
 * One writer policy: every value and every insertion goes through add()
 * or push(), which remember a failure (cJSON out of memory), and a report
 * that lost anything is not printed: hd_render() fails with
 * HD_ERR_NOMEM and writes nothing.  The same two count what the values
 * will print at least (their text, keys, quotes); past the room the
 * output buffer has, the document would not fit, and nothing more is
 * built: HD_ERR_LIMIT, before cJSON holds more than that room of copies
 * (ten 10 MiB names in chains are refused at the cap, not built whole).
 */
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render/formats.h"
#include "render/render.h"

struct js {
	const struct hd_report *r;
	int failed;   /* 0, HD_ERR_NOMEM or HD_ERR_LIMIT: print nothing */
	size_t room;  /* bytes the output buffer can take */
	size_t used;  /* what the values added so far print, at least */
};

/* ---- values: NULL when out of memory ---- */

static cJSON *j_int(int64_t v)
{
	char s[32];

	snprintf(s, sizeof(s), "%" PRId64, v);
	return cJSON_CreateRaw(s);
}

static cJSON *j_num(double v)
{
	char s[512];

	if (isnan(v) || isinf(v))
		return cJSON_CreateNull();
	snprintf(s, sizeof(s), "%.4f", v);
	return cJSON_CreateRaw(s);
}

/* A string as a JSON literal of its own, or NULL (out of memory, or
 * bigger than the room left: j->failed says which). */
static cJSON *j_str(struct js *j, const char *s)
{
	struct hd_buf b;
	cJSON *v = NULL;

	s = s ? s : "";
	if (j->failed)
		return NULL;
	/* At least its bytes and two quotes: do not even copy what cannot fit. */
	if (strlen(s) + 2 > j->room - j->used) {
		j->failed = HD_ERR_LIMIT;
		return NULL;
	}
	hd_buf_init(&b, 0);
	hd_buf_append(&b, "\"", 1);
	hd_put_clean(&b, s, HD_CLEAN_JSON, 0);
	if (!hd_buf_append(&b, "\"", 1))
		v = cJSON_CreateRaw(b.data);
	hd_buf_release(&b);
	return v;
}

/* What v prints at least (children count when they are added). */
static size_t printed(const cJSON *v)
{
	if (cJSON_IsRaw(v))
		return strlen(v->valuestring);
	if (cJSON_IsString(v))
		return strlen(v->valuestring) + 2;
	return cJSON_IsObject(v) || cJSON_IsArray(v) ? 2 : 1;
}

/* What v adds; 0, or marks the document failed when the room is gone. */
static int count(struct js *j, size_t n)
{
	if (n > j->room - j->used) {
		j->failed = HD_ERR_LIMIT;
		return -1;
	}
	j->used += n;
	return 0;
}

/* Put v into object o under k, or into array a; a NULL anywhere (a
 * failed allocation) marks the document failed and v is freed, and so
 * does a value past the room. */
static void add(struct js *j, cJSON *o, const char *k, cJSON *v)
{
	if (!j->failed && o && v && count(j, printed(v) + strlen(k) + 3) == 0 &&
	    cJSON_AddItemToObject(o, k, v))
		return;
	if (!j->failed)
		j->failed = HD_ERR_NOMEM;
	cJSON_Delete(v);
}

static void push(struct js *j, cJSON *a, cJSON *v)
{
	if (!j->failed && a && v && count(j, printed(v)) == 0 && cJSON_AddItemToArray(a, v))
		return;
	if (!j->failed)
		j->failed = HD_ERR_NOMEM;
	cJSON_Delete(v);
}

static const char *frame_name(const struct hd_report *r, uint32_t f)
{
	return hd_model_frame(r->model, f)->name;
}

/* NEW was scaled to BASE's total (a trend never is). */
static int normalized(const struct hd_report *r)
{
	return r->command != HD_CMD_TREND && r->opts.normalize;
}

/* ---- the header ---- */

static cJSON *profiles(struct js *j)
{
	const struct hd_report *r = j->r;
	cJSON *a = cJSON_CreateArray();
	size_t i;

	for (i = 0; i < r->ncols; i++) {
		const struct hd_column_info *c = &r->cols[i];
		cJSON *p = cJSON_CreateObject();

		add(j, p, "path", j_str(j, c->path));
		if (r->command == HD_CMD_TREND)
			add(j, p, "label", j_str(j, c->label));
		add(j, p, "time_nanos", j_int(c->time_nanos));
		add(j, p, "duration_nanos", j_int(c->duration_nanos));
		add(j, p, "total", j_int(c->total));
		add(j, p, "abs_total", j_int(c->abs_total));
		if (normalized(r))
			add(j, p, "raw_total", j_int(c->raw_total));
		push(j, a, p);
	}
	return a;
}

static cJSON *totals(struct js *j, int64_t base, int64_t now, int64_t delta, double pct)
{
	cJSON *t = cJSON_CreateObject();

	add(j, t, "base", j_int(base));
	add(j, t, "new", j_int(now));
	add(j, t, "delta", j_int(delta));
	add(j, t, "pct", j_num(pct));
	return t;
}

/* schema, command, sample type, granularity, filters, profiles. */
static void header(struct js *j, cJSON *root)
{
	static const char *const cmd[] = {"top", "diff", "trend"};
	const struct hd_report *r = j->r;
	const struct hd_model_opts *mo = &r->opts.model;
	cJSON *x;

	add(j, root, "schema", cJSON_CreateString("heapdiff/1"));
	add(j, root, "command", cJSON_CreateString(cmd[r->command]));
	x = cJSON_CreateObject();
	add(j, x, "type", j_str(j, r->sample_type));
	add(j, x, "unit", j_str(j, r->sample_unit));
	add(j, root, "sample_type", x);
	add(j, root, "granularity", cJSON_CreateString(hd_granularity_name(mo->granularity)));
	x = cJSON_CreateObject();
	if (mo->focus)
		add(j, x, "focus", j_str(j, mo->focus));
	if (mo->ignore)
		add(j, x, "ignore", j_str(j, mo->ignore));
	if (mo->hide)
		add(j, x, "hide", j_str(j, mo->hide));
	if (mo->show)
		add(j, x, "show", j_str(j, mo->show));
	add(j, root, "filters", x);
	add(j, root, "profiles", profiles(j));
}

/* diff: the names of the growers' or shrinkers' table, in its order, as
 * many as --top shows. */
static cJSON *split(struct js *j, const struct hd_row *const *rows, size_t n)
{
	cJSON *a = cJSON_CreateArray();
	size_t i;

	for (i = 0; i < n && !j->failed; i++)
		push(j, a, j_str(j, frame_name(j->r, rows[i]->frame)));
	return a;
}

/* What diff and trend add: normalization, totals, counts, elapsed time. */
static void changes(struct js *j, cJSON *root, const struct hd_render_opts *o)
{
	const struct hd_report *r = j->r;
	const struct hd_column_info *c0 = &r->cols[0], *c1 = &r->cols[r->ncols - 1];
	cJSON *x;

	add(j, root, "normalized", cJSON_CreateBool(normalized(r)));
	if (normalized(r))
		add(j, root, "scale", cJSON_CreateNumber(r->scale));
	add(j, root, "totals", totals(j, c0->total, c1->total, r->total_delta, r->total_pct));
	if (r->have_counts) {
		x = totals(j, c0->count_total, c1->count_total, r->count_delta, r->count_pct);
		add(j, x, "type", j_str(j, r->count_type));
		add(j, root, "count_totals", x);
	}
	if (r->have_elapsed)
		add(j, root, "elapsed_nanos", j_int(r->elapsed_nanos));
	if (r->command == HD_CMD_DIFF) {
		add(j, root, "backwards", cJSON_CreateBool(r->backwards));
		add(j, root, "growers", split(j, r->growers, hd_shown(r->ngrowers, o)));
		add(j, root, "shrinkers", split(j, r->shrinkers, hd_shown(r->nshrinkers, o)));
	}
	add(j, root, "pair_type", r->pair_type ? j_str(j, r->pair_type) : cJSON_CreateNull());
	if (r->pair_type)
		add(j, root, "pair_total_delta", j_int(r->pair_total_delta));
}

/* What every command says of how it read the profiles: the order (trend),
 * the rule for the user's code, the warnings. */
static void notes(struct js *j, cJSON *root)
{
	const struct hd_report *r = j->r;
	cJSON *x;
	size_t i;

	if (r->command == HD_CMD_TREND) {
		x = cJSON_CreateObject();
		/* One rule with the text's "Order:" line: time, else given. */
		add(j, x, "used", cJSON_CreateString(r->order_used == HD_ORDER_TIME ? "time" :
						     "given"));
		add(j, x, "requested", cJSON_CreateString(hd_order_name(r->opts.order)));
		add(j, x, "contradicts_times", cJSON_CreateBool(r->order_contradicts));
		add(j, root, "order", x);
	}
	add(j, root, "app_rule", r->app_rule ? j_str(j, r->app_rule) : cJSON_CreateNull());
	x = cJSON_CreateArray();
	for (i = 0; i < r->nwarnings && !j->failed; i++)
		push(j, x, j_str(j, r->warnings[i]));
	add(j, root, "warnings", x);
}

/* What trend adds: the thresholds, the class counts, the suspects. */
static void classes(struct js *j, cJSON *root)
{
	const struct hd_report *r = j->r;
	const struct hd_trend_opts *o = &r->trend_opts;
	cJSON *x;
	size_t i;

	x = cJSON_CreateObject();
	/* What the class reads: each function's "series" (own value for the
	 * user's code, flat elsewhere), or on a cumulative type its
	 * increments. */
	add(j, x, "values", cJSON_CreateString(r->cumulative ? "increments" : "attributed"));
	add(j, x, "threshold", j_int(r->trend_threshold));
	add(j, x, "threshold_base", j_int(r->trend_base));
	add(j, x, "min_growth", j_int(o->min_growth));
	add(j, x, "min_growth_pct", j_num(o->min_growth_pct));
	add(j, x, "max_p", j_num(o->max_p));
	add(j, x, "min_r2", j_num(o->min_r2));
	add(j, x, "min_rising", j_num(o->min_rising));
	if (r->cumulative)
		add(j, x, "interval_seconds", r->trend_interval > 0 ? j_num(r->trend_interval) :
		    cJSON_CreateNull());
	add(j, root, "classification", x);
	x = cJSON_CreateObject();
	for (i = 0; i < HD_TREND_NCLASSES; i++)
		add(j, x, hd_trend_class_name((enum hd_trend_class)i),
		    j_int((int64_t)r->class_count[i]));
	add(j, root, "classes", x);
	add(j, root, "analysis", cJSON_CreateString(r->cumulative ? "increments" : "levels"));
	add(j, root, "suspects_kind", cJSON_CreateString(r->cumulative ? "allocation-rate" :
							 "leak"));
	/* Every suspect, even those --top leaves out of functions, in the
	 * order of the ranked rows (suspect order under the default sort). */
	x = cJSON_CreateArray();
	for (i = 0; i < r->nrows && !j->failed; i++)
		if (r->rows[i].trend->suspect)
			push(j, x, j_str(j, frame_name(r, r->rows[i].frame)));
	add(j, root, "suspects", x);
}

static cJSON *verdict(struct js *j)
{
	const struct hd_report *r = j->r;
	const struct hd_verdict *v = r->verdict;
	cJSON *o = cJSON_CreateObject(), *rules = cJSON_CreateArray();
	size_t i, k;

	add(j, o, "pass", cJSON_CreateBool(v->pass));
	add(j, o, "normalized", cJSON_CreateBool(r->opts.normalize));
	for (i = 0; i < v->n; i++) {
		const struct hd_rule_result *res = &v->results[i];
		cJSON *x = cJSON_CreateObject(), *frames = cJSON_CreateArray();
		char d[512];

		add(j, x, "rule", j_str(j, res->rule.text));
		add(j, x, "sample_type", j_str(j, res->rule.sample_type[0] ? res->rule.sample_type :
						r->sample_type));
		add(j, x, "pass", cJSON_CreateBool(res->pass));
		add(j, x, "measured", j_int(res->measured));
		add(j, x, "measured_pct", j_num(res->measured_pct));
		if (res->rule.scope == HD_RULE_LEAK)
			add(j, x, "limit", cJSON_CreateNull());
		else
			add(j, x, "limit", res->rule.is_pct ? j_num(res->rule.pct) :
			    j_int(res->rule.limit));
		add(j, x, "limit_kind", cJSON_CreateString(res->rule.scope == HD_RULE_LEAK ? "none" :
							   res->rule.is_pct ? "percent" : "absolute"));
		add(j, x, "unit", j_str(j, res->unit));
		for (k = 0; k < res->nframes && k < HD_VERDICT_NAMES; k++)
			push(j, frames, j_str(j, res->frame_names[k]));
		add(j, x, "frames", frames);
		add(j, x, "frames_total", j_int((int64_t)res->nframes));
		hd_verdict_describe(res, d, sizeof(d), 1);
		add(j, x, "message", j_str(j, d));
		push(j, rules, x);
	}
	add(j, o, "rules", rules);
	return o;
}

/* ---- functions ---- */

static cJSON *values(struct js *j, const struct hd_row *row, int cum)
{
	const struct hd_report *r = j->r;
	cJSON *a = cJSON_CreateArray();
	size_t c;

	for (c = 0; c < r->ncols; c++)
		push(j, a, j_int(cum ? hd_report_cum(r, row, c) : hd_report_flat(r, row, c)));
	return a;
}

/* The attributed series the class reads, one value per column. */
static cJSON *series(struct js *j, const struct hd_row *row)
{
	cJSON *a = cJSON_CreateArray();
	size_t c;

	for (c = 0; c < j->r->ncols; c++)
		push(j, a, j_int(hd_report_series(j->r, row, c)));
	return a;
}

/* Each column's change from the first column, or (prev) from the one
 * before it: {"flat": [...], "cum": [...]}. */
static cJSON *changes_of(struct js *j, const struct hd_row *row, int prev)
{
	const struct hd_report *r = j->r;
	cJSON *o = cJSON_CreateObject();
	int cum;

	for (cum = 0; cum < 2; cum++) {
		cJSON *a = cJSON_CreateArray();
		size_t c;

		for (c = 0; c < r->ncols; c++)
			push(j, a, j_int(hd_report_change(r, row, c, prev && c ? c - 1 : 0, cum)));
		add(j, o, cum ? "cum" : "flat", a);
	}
	return o;
}

static void fit(struct js *j, cJSON *o, const struct hd_trend_fit *f)
{
	add(j, o, "slope_per_version", j_num(f->slope_per_version));
	add(j, o, "slope_per_hour", j_num(f->slope_per_hour));
	add(j, o, "r2", j_num(f->r2));
	add(j, o, "cv", j_num(f->cv));
	add(j, o, "steps_up", j_int((int64_t)f->steps_up));
	add(j, o, "steps_down", j_int((int64_t)f->steps_down));
	add(j, o, "steps_level", j_int((int64_t)f->steps_level));
}

static cJSON *trend(struct js *j, const struct hd_trend *tr)
{
	cJSON *o = cJSON_CreateObject(), *cum = cJSON_CreateObject();
	int levelled = tr->cls == HD_TREND_LEVELLED;

	add(j, o, "class", cJSON_CreateString(hd_trend_class_name(tr->cls)));
	add(j, o, "suspect_rank", tr->suspect ? j_int((int64_t)tr->suspect) : cJSON_CreateNull());
	add(j, o, "score", j_num(tr->score));
	add(j, o, "level_from", levelled ? j_int((int64_t)tr->level_from) : cJSON_CreateNull());
	add(j, o, "level_value", levelled ? j_int(tr->level_value) : cJSON_CreateNull());
	add(j, o, "mk_s", j_num(tr->mk_s));
	add(j, o, "mk_z", j_num(tr->mk_z));
	add(j, o, "mk_p", j_num(tr->mk_p));
	add(j, o, "sen_per_version", j_num(tr->sen_per_version));
	add(j, o, "sen_per_hour", j_num(tr->sen_per_hour));
	add(j, o, "growth", j_num(tr->growth));
	add(j, o, "floor_rising", cJSON_CreateBool(tr->floor_rising));
	add(j, o, "peaks_rising", cJSON_CreateBool(tr->peaks_rising));
	fit(j, o, &tr->flat);
	add(j, o, "rising_share", j_num(tr->rising));
	add(j, o, "min", j_int(tr->min));
	add(j, o, "max", j_int(tr->max));
	fit(j, cum, &tr->cum);
	add(j, o, "cum", cum);
	return o;
}

/* The allocation call paths that have callers (render.h). */
static cJSON *chains(struct js *j, const struct hd_row *row)
{
	cJSON *a = cJSON_CreateArray();
	size_t i, k;

	for (i = 0; i < row->nchains; i++) {
		cJSON *c, *path;

		if (!hd_chain_shown(&row->chains[i]))
			continue;
		c = cJSON_CreateObject();
		path = cJSON_CreateArray();

		for (k = 0; k < row->chains[i].n; k++)
			push(j, path, j_str(j, frame_name(j->r, row->chains[i].frames[k])));
		add(j, c, "path", path);
		add(j, c, "delta", j_int(row->chains[i].delta));
		push(j, a, c);
	}
	return a;
}

/* Leak or churn: {"label", "inuse_delta", "alloc_delta", "kept", "alloc_type"}. */
static cJSON *retention(struct js *j, const struct hd_row *row)
{
	const struct hd_retention *t = &row->ret;
	cJSON *o = cJSON_CreateObject();

	add(j, o, "label", t->label == HD_RET_NONE ? cJSON_CreateNull() :
	    cJSON_CreateString(hd_retention_name(t->label)));
	add(j, o, "inuse_delta", j_int(t->inuse_delta));
	add(j, o, "alloc_delta", j_int(t->alloc_delta));
	add(j, o, "kept", j_num(t->kept));
	add(j, o, "alloc_type", j_str(j, j->r->pair_type));
	return o;
}

/* "held_by": ["LeakApp.sessions", "…", "java.lang.Object[]",
 * "LeakApp$Session.payload"], when the row's objects have a holder (a
 * Java heap dump, hd_row_held_by); "…" where steps were left out. */
static void held_by(struct js *j, cJSON *o, const struct hd_row *row)
{
	struct hd_held_step st[HD_HELD_BY_MAX];
	size_t gap, n = hd_row_held_by(j->r, row, st, &gap), k;
	cJSON *a;
	char s[1024];

	if (!n)
		return;
	a = cJSON_CreateArray();
	for (k = 0; k < n; k++) {
		size_t l = st[k].len < sizeof(s) - 1 ? st[k].len : sizeof(s) - 1;

		memcpy(s, st[k].s, l);
		s[l] = 0;
		if (k && k == gap)
			push(j, a, j_str(j, "…"));
		push(j, a, j_str(j, s));
	}
	if (gap && gap == n)
		push(j, a, j_str(j, "…"));
	add(j, o, "held_by", a);
}

static cJSON *function(struct js *j, const struct hd_row *row)
{
	const struct hd_report *r = j->r;
	const struct hd_frame *f = hd_model_frame(r->model, row->frame);
	cJSON *o = cJSON_CreateObject();
	uint32_t culprit;

	add(j, o, "name", j_str(j, f->name));
	add(j, o, "function", j_str(j, f->function));
	add(j, o, "file", j_str(j, f->file));
	if (f->line)
		add(j, o, "line", j_int(f->line));
	if (f->address) {
		char s[32];

		snprintf(s, sizeof(s), "0x%" PRIx64, f->address);
		add(j, o, "address", cJSON_CreateString(s));
	}
	add(j, o, "flat", values(j, row, 0));
	add(j, o, "cum", values(j, row, 1));
	held_by(j, o, row);
	if (r->command == HD_CMD_TOP)
		return o;
	add(j, o, "status", cJSON_CreateString(hd_row_status_name(row->status)));
	add(j, o, "delta_flat", j_int(row->dflat));
	add(j, o, "delta_cum", j_int(row->dcum));
	add(j, o, "pct_flat", j_num(row->pct_flat));
	add(j, o, "pct_cum", j_num(row->pct_cum));
	culprit = hd_row_culprit(r, row);
	add(j, o, "culprit", culprit == HD_NO_FRAME ? cJSON_CreateNull() :
	    j_str(j, frame_name(r, culprit)));
	add(j, o, "culprit_share", culprit == HD_NO_FRAME ? cJSON_CreateNull() :
	    j_num(row->culprit_share));
	add(j, o, "delta_attributed", j_int(row->dattr));
	if (r->pair_type)
		add(j, o, "retention", retention(j, row));
	if (r->command == HD_CMD_TREND) {
		add(j, o, "series", series(j, row));
		add(j, o, "delta_vs_first", changes_of(j, row, 0));
		add(j, o, "delta_vs_prev", changes_of(j, row, 1));
		add(j, o, "trend", trend(j, row->trend));
	}
	if (hd_row_has_paths(row)) {
		add(j, o, "call_paths", chains(j, row));
		add(j, o, "call_paths_other", j_int(row->chains_other));
	}
	return o;
}

/* ---- the document ---- */

/* *sum plus the bytes of s, counted no further than past room: 1 when
 * that is past room. */
static int over(size_t *sum, size_t room, const char *s)
{
	*sum += strnlen(s, room - *sum + 1);
	return *sum > room;
}

/*
 * 1 when the names of the rows shown (their name, function, file and
 * the frames of their chains) could not fit in the room even printed
 * alone.  One pass of strnlen that stops at the room: a report asking
 * for gigabytes of names (a 10 MiB name in every chain) is refused
 * before cJSON copies a byte of them.
 */
static int names_past_room(const struct js *j, size_t shown)
{
	size_t i, c, k, sum = 0;

	for (i = 0; i < shown; i++) {
		const struct hd_row *row = &j->r->rows[i];
		const struct hd_frame *f = hd_model_frame(j->r->model, row->frame);

		if (over(&sum, j->room, f->name) || over(&sum, j->room, f->function) ||
		    over(&sum, j->room, f->file))
			return 1;
		for (c = 0; c < row->nchains; c++)
			for (k = 0; k < row->chains[c].n; k++)
				if (over(&sum, j->room, frame_name(j->r, row->chains[c].frames[k])))
					return 1;
		if (hd_row_culprit(j->r, row) != HD_NO_FRAME &&
		    over(&sum, j->room, frame_name(j->r, hd_row_culprit(j->r, row))))
			return 1;
	}
	return 0;
}

static int document(const struct hd_report *r, const struct hd_render_opts *o,
		    struct hd_buf *b)
{
	struct js j = {r, 0, b->max - b->len - 1, 0};
	cJSON *root = cJSON_CreateObject(), *fns;
	size_t i, shown = hd_rows_shown(r, o);
	char *text = NULL;
	int rc = 0;

	if (names_past_room(&j, shown))
		j.failed = HD_ERR_LIMIT;
	header(&j, root);
	notes(&j, root);
	if (r->command != HD_CMD_TOP)
		changes(&j, root, o);
	if (r->memstats)
		add(&j, root, "memstats", hd_memstats_json(r));
	if (r->command == HD_CMD_TREND)
		classes(&j, root);
	if (r->verdict)
		add(&j, root, "verdict", verdict(&j));
	add(&j, root, "frames_total", j_int((int64_t)r->nrows));
	fns = cJSON_CreateArray();
	for (i = 0; i < shown && !j.failed; i++)
		push(&j, fns, function(&j, &r->rows[i]));
	add(&j, root, "functions", fns);

	if (!j.failed)
		text = cJSON_Print(root);
	if (j.failed)
		rc = j.failed;
	else if (!text)
		rc = HD_ERR_NOMEM;
	else if (!(rc = hd_buf_puts(b, text)))
		rc = hd_buf_puts(b, "\n");
	free(text);
	cJSON_Delete(root);
	return rc;
}

int hd_json_top(const struct hd_report *r, const struct hd_render_opts *o,
		struct hd_buf *b)
{
	return document(r, o, b);
}

int hd_json_diff(const struct hd_report *r, const struct hd_render_opts *o,
		 struct hd_buf *b)
{
	return document(r, o, b);
}

int hd_json_trend(const struct hd_report *r, const struct hd_render_opts *o,
		  struct hd_buf *b)
{
	return document(r, o, b);
}
