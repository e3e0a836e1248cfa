/*
 * report.c - the model's columns -> a ranked result: totals, per-frame
 * deltas and status, the growers and shrinkers, allocation call paths; trend.c
 * adds the trend.  Every fact a renderer prints is computed here, once,
 * by hd_report_finish(); knows nothing of output formats.
 *
 * Owns: the report, its model, its rows, and an arena for the lists that
 * point into the rows, for chains and for trend statistics.  The first
 * column is the baseline and the last the newest; for top there is one
 * column and deltas are zero.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "engine/report.h"
#include "input/input.h"

int hd_sort_parse(const char *s, enum hd_sort *out)
{
	static const struct { const char *name; enum hd_sort v; } t[] = {
		{"flat", HD_SORT_FLAT}, {"cum", HD_SORT_CUM},
		{"delta", HD_SORT_DELTA}, {"delta-flat", HD_SORT_DELTA},
		{"delta-cum", HD_SORT_DELTA_CUM}, {"pct", HD_SORT_PCT},
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(s, t[i].name) == 0) {
			*out = t[i].v;
			return 0;
		}
	return HD_ERR_USAGE;
}

const char *hd_row_status_name(enum hd_row_status s)
{
	switch (s) {
	case HD_SAME: return "same";
	case HD_GREW: return "grew";
	case HD_SHRANK: return "shrank";
	case HD_NEW: return "new";
	case HD_GONE: return "gone";
	}
	return "?";
}

void hd_report_opts_init(struct hd_report_opts *o, enum hd_command c)
{
	memset(o, 0, sizeof(*o));
	o->command = c;
	o->model.granularity = HD_GRAN_FUNCTIONS;
	o->sort = HD_SORT_DEFAULT;
	o->ref_chain_depth = 3;
	o->ref_chain_rows = 10;
	o->ref_chain_max = 5;
	o->needs = HD_NEED_ALL;
}

int hd_report_new(const struct hd_report_opts *o, struct hd_report **out,
		  struct hd_error *err)
{
	struct hd_report *r;
	int rc;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (!r || !(r->arena = calloc(1, sizeof(*r->arena)))) {
		free(r);
		return hd_fail(err, HD_ERR_NOMEM, "out of memory");
	}
	hd_arena_init(r->arena);
	r->command = o->command;
	r->opts = *o;
	r->scale = 1.0;
	rc = hd_model_new(&o->model, &r->model, err);
	if (!rc)
		rc = hd_model_set_app(r->model, o->app, err);
	if (rc) {
		hd_report_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

void hd_report_free(struct hd_report *r)
{
	if (!r)
		return;
	hd_model_free(r->model);
	if (r->verdict)
		free(r->verdict->results);
	free(r->cols);
	free(r->rows);
	if (r->arena)
		hd_arena_release(r->arena);
	free(r->arena);
	free(r);
}

static const char *base_label(struct hd_arena *a, const char *path)
{
	const char *s = strrchr(path, '/');

	if (strcmp(path, "-") == 0)
		return "stdin";
	return hd_arena_strndup(a, s && s[1] ? s + 1 : path,
				strlen(s && s[1] ? s + 1 : path));
}

/* "inuse_space" -> "inuse_objects", "space" -> "objects". */
static const char *count_type_for(struct hd_arena *a, const char *type)
{
	size_t n = strlen(type);
	char *s;

	if (strcmp(type, "space") == 0)
		return "objects";
	if (n < 6 || strcmp(type + n - 6, "_space") != 0)
		return NULL;
	s = hd_arena_alloc(a, n + 3);
	if (!s)
		return NULL;
	memcpy(s, type, n - 5);
	strcpy(s + n - 5, "objects");
	return s;
}

/* The type that says what was allocated beside what is in use:
 * "inuse_space" <-> "alloc_space", "inuse_objects" <-> "alloc_objects". */
static const char *pair_type_for(struct hd_arena *a, const char *type)
{
	static const char *const pairs[][2] = {
		{"inuse_space", "alloc_space"}, {"inuse_objects", "alloc_objects"},
	};
	size_t i;

	for (i = 0; i < 4; i++)
		if (strcmp(type, pairs[i / 2][i % 2]) == 0)
			return hd_arena_strndup(a, pairs[i / 2][1 - i % 2],
						strlen(pairs[i / 2][1 - i % 2]));
	return NULL;
}

static int find_type(const struct hd_profile *p, const char *type,
		     const char *unit, size_t *idx)
{
	size_t i, n = hd_profile_sample_type_count(p);
	const char *u;

	for (i = 0; i < n; i++)
		if (strcmp(hd_profile_sample_type(p, i, &u), type) == 0 &&
		    (!unit || strcmp(u, unit) == 0)) {
			*idx = i;
			return 1;
		}
	return 0;
}

static void type_list(const struct hd_profile *p, char *buf, size_t n)
{
	size_t i, len = 0, k = hd_profile_sample_type_count(p);

	buf[0] = '\0';
	for (i = 0; i < k && len + 1 < n; i++) {
		const char *u, *t = hd_profile_sample_type(p, i, &u);
		int w = snprintf(buf + len, n - len, "%s%s/%s", i ? ", " : "", t, u);
		if (w < 0)
			break;
		len += (size_t)w;
	}
	if (k == 0)
		snprintf(buf, n, "none");
}

/* Choose the sample index of p for this report (the first profile fixes
 * the type; every later one must have it with the same unit). */
static int select_type(struct hd_report *r, const struct hd_profile *p,
		       size_t *si, struct hd_error *err)
{
	const char *unit, *type;
	char have[256];
	int rc;

	if (!r->sample_type) {
		rc = hd_profile_find_sample_type(p, r->opts.sample_index, si, err);
		if (rc)
			return rc;
		type = hd_profile_sample_type(p, *si, &unit);
		r->sample_type = hd_arena_strndup(r->arena, type, strlen(type));
		r->sample_unit = hd_arena_strndup(r->arena, unit, strlen(unit));
		if (!r->sample_type || !r->sample_unit)
			return hd_fail(err, HD_ERR_NOMEM, "out of memory");
		r->count_type = count_type_for(r->arena, r->sample_type);
		r->pair_type = pair_type_for(r->arena, r->sample_type);
		return 0;
	}
	if (find_type(p, r->sample_type, r->sample_unit, si))
		return 0;
	type_list(p, have, sizeof(have));
	if (find_type(p, r->sample_type, NULL, si)) {
		hd_profile_sample_type(p, *si, &unit);
		return hd_fail(err, HD_ERR_INCOMPATIBLE,
			       "sample type %s is in %s here but in %s in %s; cannot compare",
			       r->sample_type, unit, r->sample_unit, r->cols[0].path);
	}
	return hd_fail(err, HD_ERR_INCOMPATIBLE,
		       "no sample type %s/%s to compare with %s (this profile has: %s)",
		       r->sample_type, r->sample_unit, r->cols[0].path, have);
}

static int warn(struct hd_report *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int add_column(struct hd_report *r, const char *path, const char *label,
		      const struct hd_profile *p, size_t si, double scale,
		      const struct hd_profile *frames_from, struct hd_error *err)
{
	struct hd_add_opts ao;
	struct hd_column_info *ci;
	size_t ci_idx;
	int rc;

	ci = realloc(r->cols, (r->ncols + 1) * sizeof(*ci));
	if (!ci)
		return hd_fail(err, HD_ERR_NOMEM, "out of memory");
	r->cols = ci;
	ci = &r->cols[r->ncols];
	memset(ci, 0, sizeof(*ci));
	ci->path = hd_arena_strndup(r->arena, path, strlen(path));
	ci->label = label ? hd_arena_strndup(r->arena, label, strlen(label)) :
		base_label(r->arena, path);
	if (!ci->path || !ci->label)
		return hd_fail(err, HD_ERR_NOMEM, "out of memory");
	ci->time_nanos = hd_profile_time_nanos(p);
	ci->duration_nanos = hd_profile_duration_nanos(p);
	ci->period = p->period;
	ci->period_type = hd_arena_strndup(r->arena, p->period_type ? p->period_type : "",
					   p->period_type ? strlen(p->period_type) : 0);
	ci->period_unit = hd_arena_strndup(r->arena, p->period_unit ? p->period_unit : "",
					   p->period_unit ? strlen(p->period_unit) : 0);
	if (!ci->period_type || !ci->period_unit)
		return hd_fail(err, HD_ERR_NOMEM, "out of memory");
	ao.sample_index = si;
	ao.scale = scale;
	ao.frames_from = frames_from;
	ao.pair_index = SIZE_MAX;
	/* The pair is for retention labels, which the tables print. */
	if (r->pair_type && (r->command == HD_CMD_TREND || (r->opts.needs & HD_NEED_CHAINS)) &&
	    !find_type(p, r->pair_type, NULL, &ao.pair_index))
		ao.pair_index = SIZE_MAX;
	ci->given = r->ncols;
	/* The decoder's warnings (input.h: a binary not found, ...), each
	 * once even when several profiles say it. */
	for (size_t w = 0, k; w < p->nwarnings; w++) {
		for (k = 0; k < r->nwarnings && strcmp(r->warnings[k], p->warnings[w]); k++)
			;
		if (k == r->nwarnings && warn(r, "%s", p->warnings[w]))
			return hd_fail(err, HD_ERR_NOMEM, "out of memory");
	}
	if ((rc = hd_memstats_add(r, ci, p, err)))
		return rc;
	rc = hd_model_add(r->model, p, &ao, err);
	if (rc < 0)
		return rc;
	/* After the model read the samples: a pprof profile's totals are
	 * summed by that read (input.h), which also checked them. */
	ci->raw_total = hd_profile_total(p, si);
	if (r->count_type && find_type(p, r->count_type, NULL, &ci_idx)) {
		ci->have_count = 1;
		ci->raw_count_total = hd_profile_total(p, ci_idx);
		ci->count_total = ci->raw_count_total;
		if (scale != 1.0 && r->ncols > 0 && r->cols[0].have_count) {
			double cs = ci->raw_count_total == 0 ? 0.0 :
				(double)r->cols[0].raw_count_total / (double)ci->raw_count_total;
			ci->count_total = hd_profile_total_scaled(p, ci_idx, cs);
		}
	}
	ci->total = hd_model_total(r->model, (size_t)rc);
	ci->abs_total = hd_model_abs_total(r->model, (size_t)rc);
	r->ncols++;
	return 0;
}

int hd_report_add(struct hd_report *r, const char *path, const char *label,
		  const struct hd_profile *p, struct hd_error *err)
{
	size_t si;
	int rc = select_type(r, p, &si, err);

	if (rc)
		return rc;
	return add_column(r, path, label, p, si, 1.0, NULL, err);
}

/*
 * BASE's column, pruned with the drop_frames and keep_frames of
 * frames_from (pprof prunes both with NEW's), the model's room reserved
 * for it and for newp (NULL: not read yet, as big as BASE); BASE's total
 * into *base_total for --normalize.
 */
static int add_base(struct hd_report *r, const char *base_path,
		    const struct hd_profile *base, const struct hd_profile *newp,
		    const struct hd_profile *frames_from, int64_t *base_total,
		    struct hd_error *err)
{
	size_t sb;
	int rc;

	if ((rc = select_type(r, base, &sb, err)))
		return rc;
	if (hd_model_reserve(r->model,
			     (const struct hd_profile *const[]){base, newp ? newp : base}, 2))
		return hd_fail(err, HD_ERR_NOMEM, "out of memory");
	/* Column 0 must exist for select_type's messages about NEW. */
	if ((rc = add_column(r, base_path, NULL, base, sb, 1.0, frames_from, err)))
		return rc;
	*base_total = r->opts.normalize ? hd_profile_total(base, sb) : 0;
	return 0;
}

static int add_new(struct hd_report *r, const char *new_path,
		   const struct hd_profile *newp, int64_t base_total,
		   struct hd_error *err)
{
	double scale = 1.0;
	size_t sn;
	int rc;

	if ((rc = select_type(r, newp, &sn, err)))
		return rc;
	if (r->opts.normalize) {
		int64_t nt = hd_profile_total(newp, sn);

		scale = nt == 0 ? 0.0 : (double)base_total / (double)nt;
		r->scale = scale;
	}
	return add_column(r, new_path, NULL, newp, sn, scale, newp, err);
}

int hd_report_add_pair(struct hd_report *r, const char *base_path,
		       const struct hd_profile *base, const char *new_path,
		       const struct hd_profile *newp, struct hd_error *err)
{
	int64_t bt;
	int rc = add_base(r, base_path, base, newp, newp, &bt, err);

	return rc ? rc : add_new(r, new_path, newp, bt, err);
}

int hd_report_take_pair(struct hd_report *r, const char *base_path,
			struct hd_profile **base, const char *new_path,
			struct hd_profile **newp, struct hd_error *err)
{
	int64_t bt;
	int rc = add_base(r, base_path, *base, *newp, *newp, &bt, err);

	hd_profile_free(*base);
	*base = NULL;
	if (!rc)
		rc = add_new(r, new_path, *newp, bt, err);
	hd_profile_free(*newp);
	*newp = NULL;
	return rc;
}

/* 1 when path reads the same bytes a second time: a regular file, not
 * standard input, a pipe or a live service's URL. */
static int rereadable(const char *path)
{
	struct stat st;

	return strcmp(path, "-") != 0 && !hd_is_url(path) && stat(path, &st) == 0 &&
	       S_ISREG(st.st_mode);
}

/* r as hd_report_new made it, for a second start. */
static int report_restart(struct hd_report *r, struct hd_error *err)
{
	struct hd_report *fresh, old;
	int rc = hd_report_new(&r->opts, &fresh, err);

	if (rc)
		return rc;
	old = *r;
	*r = *fresh;
	*fresh = old;
	hd_report_free(fresh);
	return 0;
}

static int same_string(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

/* Both read first, as hd_report_take_pair takes them. */
static int load_both(struct hd_report *r, const char *base_path, const char *new_path,
		     const struct hd_limits *lim, int *which, struct hd_error *err)
{
	struct hd_profile *base = NULL, *newp = NULL;
	int rc;

	*which = 0;
	if ((rc = hd_profile_load(base_path, lim, &base, err)))
		return rc;
	*which = 1;
	if ((rc = hd_profile_load(new_path, lim, &newp, err))) {
		hd_profile_free(base);
		return rc;
	}
	rc = hd_report_take_pair(r, base_path, &base, new_path, &newp, err);
	*which = hd_report_columns(r) != 0;
	return rc;
}

int hd_report_load_pair(struct hd_report *r, const char *base_path, const char *new_path,
			const struct hd_limits *lim, int *which, struct hd_error *err)
{
	struct hd_profile *base = NULL, *newp = NULL;
	struct hd_buf spare = {0};
	char *drop = NULL, *keep = NULL;
	int64_t bt;
	int rc;

	if (!rereadable(base_path))
		return load_both(r, base_path, new_path, lim, which, err);
	*which = 0;
	/* An empty spare: BASE's buffer gets room for a bigger NEW. */
	if ((rc = hd_profile_load_reuse(base_path, lim, &spare, &base, err)))
		return rc;
	if (!(drop = strdup(base->drop_frames ? base->drop_frames : "")) ||
	    !(keep = strdup(base->keep_frames ? base->keep_frames : "")))
		rc = hd_fail(err, HD_ERR_NOMEM, "out of memory");
	else
		rc = add_base(r, base_path, base, NULL, base, &bt, err);
	hd_profile_free_keep(base, &spare);
	if (rc)
		goto out;
	*which = 1;
	if ((rc = hd_profile_load_reuse(new_path, lim, &spare, &newp, err)))
		goto out;
	if (same_string(drop, newp->drop_frames) && same_string(keep, newp->keep_frames)) {
		rc = add_new(r, new_path, newp, bt, err);
	} else if (!(rc = report_restart(r, err))) {
		/* pprof prunes BASE with NEW's: read BASE again. */
		*which = 0;
		if (!(rc = hd_profile_load(base_path, lim, &base, err))) {
			rc = hd_report_take_pair(r, base_path, &base, new_path, &newp, err);
			*which = hd_report_columns(r) != 0;
		}
	}
out:
	hd_profile_free(newp);
	hd_buf_release(&spare);
	free(drop);
	free(keep);
	return rc;
}

/* ---- order ---- */

static int warn(struct hd_report *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Append a warning (hd_report_warnings) in the report's arena. */
static int warn(struct hd_report *r, const char *fmt, ...)
{
	char buf[1024];
	const char **w;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	w = hd_arena_alloc(r->arena, (r->nwarnings + 1) * sizeof(*w));
	if (!w)
		return HD_ERR_NOMEM;
	if (r->nwarnings)
		memcpy(w, r->warnings, r->nwarnings * sizeof(*w));
	w[r->nwarnings] = hd_arena_strndup(r->arena, buf, strlen(buf));
	if (!w[r->nwarnings])
		return HD_ERR_NOMEM;
	r->warnings = w;
	r->nwarnings++;
	return 0;
}

/* Before the model orders its columns: a time order needs every stamp. */
static int check_times(const struct hd_report *r, struct hd_error *err)
{
	size_t c;

	if (r->command != HD_CMD_TREND || r->opts.order != HD_ORDER_TIME)
		return 0;
	for (c = 0; c < r->ncols; c++)
		if (r->cols[c].time_nanos == 0)
			return hd_fail(err, HD_ERR_USAGE, "%s: no time stamp (time_nanos); "
				       "ordering by time needs one in every profile",
				       r->cols[c].path);
	return 0;
}

/*
 * The column infos in the model's order, and what the order says: which
 * was used, whether the order given runs against the time stamps (a
 * warning then), and, in a diff, whether NEW is older than BASE.
 */
static int order_facts(struct hd_report *r, struct hd_error *err)
{
	struct hd_column_info *ci = malloc((r->ncols + 1) * sizeof(*ci));
	size_t c, back = 0;
	int stamped = 1;

	if (!ci)
		return hd_fail(err, HD_ERR_NOMEM, "out of memory");
	for (c = 0; c < r->ncols; c++)
		ci[c] = r->cols[hd_model_given(r->model, c)];
	memcpy(r->cols, ci, r->ncols * sizeof(*ci));
	free(ci);
	r->order_used = hd_model_order_used(r->model);
	for (c = 0; c < r->ncols; c++)
		stamped &= r->cols[c].time_nanos != 0;
	for (c = 1; stamped && c < r->ncols; c++)
		if (r->cols[c].time_nanos < r->cols[c - 1].time_nanos && !back)
			back = c;
	if (r->command == HD_CMD_TREND && r->order_used == HD_ORDER_GIVEN && back) {
		r->order_contradicts = 1;
		if (warn(r, "the profiles are not in time order: %s is older than %s before it; "
			 "kept the order given%s", r->cols[back].path, r->cols[back - 1].path,
			 r->opts.order == HD_ORDER_GIVEN ? "" :
			 " (two profiles have the same time stamp)"))
			return hd_fail(err, HD_ERR_NOMEM, "out of memory");
	}
	if (r->command == HD_CMD_DIFF && back) {
		r->backwards = 1;
		if (warn(r, "NEW (%s) is older than BASE (%s) by %.1f s: the changes run "
			 "backwards in time", r->cols[1].path, r->cols[0].path,
			 (double)hd_sub_sat(r->cols[0].time_nanos, r->cols[1].time_nanos) / 1e9))
			return hd_fail(err, HD_ERR_NOMEM, "out of memory");
	}
	r->app_rule = hd_model_app_rule(r->model);
	if (!hd_model_pair_flat(r->model, 0) || !hd_model_pair_flat(r->model, r->ncols - 1))
		r->pair_type = NULL;
	return 0;
}

/* ---- ranking ---- */

/* What the row comparison reads: the report and its last column. */
struct rank_ctx {
	const struct hd_report *r;
	const int64_t *flat, *cum;
};

static uint64_t uabs(int64_t v)
{
	return v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
}

static int cmp_u64(uint64_t a, uint64_t b)
{
	return a > b ? -1 : a < b ? 1 : 0;
}

static int cmp_rows(const void *pa, const void *pb, void *ctx)
{
	const struct rank_ctx *k = ctx;
	const struct hd_report *r = k->r;
	const struct hd_row *a = pa, *b = pb;
	const int64_t *flat = k->flat, *cum = k->cum;
	enum hd_sort s = r->opts.sort;
	int c = 0;

	/* trend: leak suspects first (trend.c), then as a diff ranks. */
	if (s == HD_SORT_DEFAULT && r->command == HD_CMD_TREND && (c = hd_trend_cmp(a, b)))
		return c;
	if (s == HD_SORT_DEFAULT)
		s = r->command == HD_CMD_TOP ? HD_SORT_FLAT : HD_SORT_DELTA;
	switch (s) {
	case HD_SORT_FLAT:
		c = cmp_u64(uabs(flat[a->frame]), uabs(flat[b->frame]));
		break;
	case HD_SORT_CUM:
		c = cmp_u64(uabs(cum[a->frame]), uabs(cum[b->frame]));
		break;
	case HD_SORT_DELTA_CUM:
		c = cmp_u64(uabs(a->dcum), uabs(b->dcum));
		if (!c)
			c = cmp_u64(uabs(a->dflat), uabs(b->dflat));
		break;
	case HD_SORT_PCT: {
		double x = isnan(a->pct_flat) ? (a->dflat ? INFINITY : 0) : fabs(a->pct_flat);
		double y = isnan(b->pct_flat) ? (b->dflat ? INFINITY : 0) : fabs(b->pct_flat);
		c = x > y ? -1 : x < y ? 1 : 0;
		if (!c)
			c = cmp_u64(uabs(a->dflat), uabs(b->dflat));
		break;
	}
	case HD_SORT_DELTA:
	case HD_SORT_DEFAULT:
		c = cmp_u64(uabs(a->dflat), uabs(b->dflat));
		if (!c)
			c = cmp_u64(uabs(a->dcum), uabs(b->dcum));
		break;
	}
	if (c)
		return c;
	/* pprof breaks ties by name, then by the other value. */
	c = strcmp(hd_model_frame(r->model, a->frame)->name,
		   hd_model_frame(r->model, b->frame)->name);
	if (c)
		return c;
	c = cmp_u64(uabs(cum[a->frame]), uabs(cum[b->frame]));
	if (c)
		return c;
	return a->frame < b->frame ? -1 : a->frame > b->frame;
}

static int cmp_row_ptrs(const void *pa, const void *pb, void *ctx)
{
	return cmp_rows(*(const struct hd_row *const *)pa, *(const struct hd_row *const *)pb, ctx);
}

/*
 * Rank the rows: sort pointers, then move each row once, in place, cycle
 * by cycle.  A row is some 200 bytes and a trend may have 450 000 of
 * them: a merge sort of the rows themselves copied them log n times
 * over, and its scratch was another copy of them all.
 */
static int rank_rows(struct hd_report *r, struct rank_ctx *rank)
{
	struct hd_row **p = malloc((r->nrows + 1) * sizeof(*p)), tmp;
	size_t i, j, k;

	if (!p)
		return HD_ERR_NOMEM;
	for (i = 0; i < r->nrows; i++)
		p[i] = &r->rows[i];
	if (hd_sort(p, r->nrows, sizeof(*p), cmp_row_ptrs, rank)) {
		free(p);
		return HD_ERR_NOMEM;
	}
	/* p[i]: the row that goes to place i; NULL once placed. */
	for (i = 0; i < r->nrows; i++) {
		if (!p[i])
			continue;
		tmp = r->rows[i];
		for (j = i; ; j = k) {
			k = (size_t)(p[j] - r->rows);
			p[j] = NULL;
			if (k == i) {
				r->rows[j] = tmp;
				break;
			}
			r->rows[j] = r->rows[k];
		}
	}
	free(p);
	return 0;
}

static double pct_of(int64_t delta, int64_t base)
{
	if (base == 0)
		return NAN;
	return (double)delta * 100.0 / fabs((double)base);
}


/* The delta threshold of --min-delta: the larger of the absolute one and
 * the percentage of the base total. */
static int64_t delta_floor(const struct hd_report *r)
{
	int64_t thr = 0;

	if (r->opts.min_delta_pct > 0 && r->cols[0].total != 0) {
		/* Both factors are unbounded (a hostile total, --min-delta
		 * 1e30%): clamp before converting, never convert NaN. */
		double t = fabs((double)r->cols[0].total) * (r->opts.min_delta_pct / 100.0);

		thr = t < 9.2233720368547758e18 ? (int64_t)t : INT64_MAX;
	}
	return r->opts.min_delta > thr ? r->opts.min_delta : thr;
}

static enum hd_row_status row_status(const struct hd_row *row, int64_t c0, int64_t cl)
{
	if (c0 == 0 && cl != 0)
		return HD_NEW;
	if (c0 != 0 && cl == 0)
		return HD_GONE;
	if (row->dflat > 0 || (row->dflat == 0 && row->dcum > 0))
		return HD_GREW;
	if (row->dflat < 0 || (row->dflat == 0 && row->dcum < 0))
		return HD_SHRANK;
	return HD_SAME;
}

/* One row per frame with a value in some column, less those --min-delta
 * hides; unranked. */
static int build_rows(struct hd_report *r, struct hd_error *err)
{
	const struct hd_model *m = r->model;
	size_t nf = hd_model_frame_count(m), last = r->ncols - 1, f, c;
	const int64_t *f0 = hd_model_flat(m, 0), *c0 = hd_model_cum(m, 0);
	const int64_t *fl = hd_model_flat(m, last), *cl = hd_model_cum(m, last);
	const int64_t *p0 = hd_model_pair_flat(m, 0), *pl = hd_model_pair_flat(m, last);
	const int64_t *o0 = hd_model_pair_own(m, 0), *ol = hd_model_pair_own(m, last);
	int64_t churn_floor = r->pair_type && r->ncols > 1 && p0 && pl && o0 && ol ?
		hd_retention_floor(r) : -1;
	uint8_t *present;
	int64_t thr;

	if (!f0 || !c0 || !fl || !cl)
		return hd_fail(err, HD_ERR_NOMEM, "out of memory");
	r->rows = calloc(nf + 1, sizeof(*r->rows));
	if (!r->rows)
		return hd_fail(err, HD_ERR_NOMEM, "out of memory");
	/* Frames with a value in a column between the first and the last:
	 * those columns list only the frames they have. */
	present = calloc(nf + 1, 1);
	if (!present)
		return hd_fail(err, HD_ERR_NOMEM, "out of memory");
	for (c = 1; c + 1 < r->ncols; c++) {
		const uint32_t *fr;
		const int64_t *sf, *sc;
		size_t k, n = hd_model_sparse(m, c, &fr, &sf, &sc);

		for (k = 0; k < n; k++)
			present[fr[k]] |= sf[k] != 0 || sc[k] != 0;
	}
	thr = delta_floor(r);
	for (f = 0; f < nf; f++) {
		struct hd_row *row = &r->rows[r->nrows];

		/* A frame that allocates and keeps nothing (churn) is a row
		 * when it allocated enough to be labelled (culprit.c). */
		if (!present[f] && !f0[f] && !c0[f] && !fl[f] && !cl[f] &&
		    !(churn_floor >= 0 && (uabs(hd_sub_sat(pl[f], p0[f])) > (uint64_t)churn_floor ||
					   uabs(hd_sub_sat(ol[f], o0[f])) > (uint64_t)churn_floor)))
			continue;
		row->frame = (uint32_t)f;
		row->dflat = hd_sub_sat(fl[f], f0[f]);
		row->dcum = hd_sub_sat(cl[f], c0[f]);
		row->pct_flat = pct_of(row->dflat, f0[f]);
		row->pct_cum = pct_of(row->dcum, c0[f]);
		row->status = row_status(row, c0[f], cl[f]);
		if (r->ncols > 1 && thr > 0 && uabs(row->dflat) < (uint64_t)thr &&
		    uabs(row->dcum) < (uint64_t)thr)
			continue;
		r->nrows++;
	}
	free(present);
	return 0;
}

static void totals(struct hd_report *r)
{
	const struct hd_column_info *c0 = &r->cols[0], *cl = &r->cols[r->ncols - 1];

	r->total_delta = hd_sub_sat(cl->total, c0->total);
	r->total_pct = pct_of(r->total_delta, c0->total);
	r->have_counts = c0->have_count && cl->have_count;
	r->count_pct = NAN;
	if (r->have_counts) {
		r->count_delta = hd_sub_sat(cl->count_total, c0->count_total);
		r->count_pct = pct_of(r->count_delta, c0->count_total);
	}
	r->have_elapsed = c0->time_nanos != 0 && cl->time_nanos != 0 && r->ncols > 1;
	if (r->have_elapsed)
		r->elapsed_nanos = hd_sub_sat(cl->time_nanos, c0->time_nanos);
}

/* 1 when a row belongs with the growers, -1 with the shrinkers, 0 with
 * neither (report.h says by what). */
static int row_direction(const struct hd_report *r, const struct hd_row *row)
{
	/* By flat, a caller whose flat did not move is no grower: its cum
	 * moved with what it calls, which is listed on its own. */
	int64_t k = r->opts.sort == HD_SORT_DELTA_CUM || r->opts.sort == HD_SORT_CUM ?
		row->dcum : row->dflat;

	return k > 0 ? 1 : k < 0 ? -1 : 0;
}

/* What the ranked rows say as a whole: top's running sum, the growers
 * and shrinkers, and whether anything changed. */
static int ranked_facts(struct hd_report *r, struct hd_error *err)
{
	const int64_t *f0 = hd_model_flat(r->model, 0);
	size_t i, ng = 0, ns = 0;
	int64_t sum = 0;

	for (i = 0; i < r->nrows; i++) {
		int dir = row_direction(r, &r->rows[i]);

		ng += dir > 0;
		ns += dir < 0;
		sum = hd_add_sat(sum, f0[r->rows[i].frame]);
		r->rows[i].sum_flat = sum;
	}
	r->growers = hd_arena_calloc(r->arena, ng + 1, sizeof(*r->growers));
	r->shrinkers = hd_arena_calloc(r->arena, ns + 1, sizeof(*r->shrinkers));
	if (!r->growers || !r->shrinkers)
		return hd_fail(err, HD_ERR_NOMEM, "out of memory");
	for (i = 0; i < r->nrows; i++) {
		int dir = row_direction(r, &r->rows[i]);

		if (dir > 0)
			r->growers[r->ngrowers++] = &r->rows[i];
		else if (dir < 0)
			r->shrinkers[r->nshrinkers++] = &r->rows[i];
	}
	r->unchanged = r->nrows == 0 ||
		(r->total_delta == 0 && !r->rows[0].dflat && !r->rows[0].dcum);
	return 0;
}

int hd_report_finish(struct hd_report *r, struct hd_error *err)
{
	struct rank_ctx rank;
	int rc;

	if (r->ncols == 0)
		return hd_fail(err, HD_ERR_USAGE, "no profiles");
	if ((rc = check_times(r, err)))
		return rc;
	if (hd_model_finish(r->model, (r->opts.needs & HD_NEED_TREE) != 0,
			    r->command == HD_CMD_TREND ? r->opts.order : HD_ORDER_GIVEN, err))
		return err ? err->code : HD_ERR_NOMEM;
	if ((rc = order_facts(r, err)))
		return rc;
	if ((rc = build_rows(r, err)))
		return rc;
	if ((r->command == HD_CMD_TREND || (r->opts.needs & HD_NEED_CHAINS)) &&
	    (rc = hd_culprits_build(r, err)))
		return rc;
	if (r->command == HD_CMD_TREND && (rc = hd_trend_compute(r, err)))
		return rc;
	rank.r = r;
	rank.flat = hd_model_flat(r->model, r->ncols - 1);
	rank.cum = hd_model_cum(r->model, r->ncols - 1);
	if (rank_rows(r, &rank))
		return hd_fail(err, HD_ERR_NOMEM, "out of memory");
	/* Rows stay where they are from here on: the lists below point at them. */
	totals(r);
	if ((rc = hd_memstats_finish(r, err)))
		return rc;
	if ((rc = ranked_facts(r, err)))
		return rc;
	if (r->command == HD_CMD_TREND && (rc = hd_trend_finish(r, err)))
		return rc;
	return r->opts.needs & HD_NEED_CHAINS ? hd_chains_build(r, err) : 0;
}

const char *hd_report_sample_type(const struct hd_report *r)
{
	return r->sample_type ? r->sample_type : "";
}

size_t hd_report_columns(const struct hd_report *r)
{
	return r->ncols;
}

int hd_report_failed(const struct hd_report *r)
{
	return r->verdict && !r->verdict->pass;
}

size_t hd_report_warnings(const struct hd_report *r, const char *const **out)
{
	*out = r->warnings;
	return r->nwarnings;
}

const char *hd_retention_name(enum hd_retention_label l)
{
	switch (l) {
	case HD_RET_NONE: return "";
	case HD_RET_RETAINED: return "retained";
	case HD_RET_PARTLY: return "partly retained";
	case HD_RET_CHURN: return "churn";
	}
	return "?";
}

int hd_order_parse(const char *s, enum hd_order *out)
{
	if (strcmp(s, "auto") == 0)
		*out = HD_ORDER_AUTO;
	else if (strcmp(s, "time") == 0)
		*out = HD_ORDER_TIME;
	else if (strcmp(s, "given") == 0)
		*out = HD_ORDER_GIVEN;
	else
		return HD_ERR_USAGE;
	return 0;
}

const char *hd_order_name(enum hd_order o)
{
	switch (o) {
	case HD_ORDER_AUTO: return "auto";
	case HD_ORDER_TIME: return "time";
	case HD_ORDER_GIVEN: return "given";
	}
	return "?";
}

size_t hd_row_held_by(const struct hd_report *r, const struct hd_row *row,
		      struct hd_held_step *steps, size_t *gap)
{
	const char *s = hd_model_frame(r->model, row->frame)->held_by, *e;
	size_t total = 1, n = 0, k = 0, max = r->opts.ref_chain_depth > 0 ?
		(size_t)r->opts.ref_chain_depth : 0;

	*gap = 0;
	if (max > HD_HELD_BY_MAX)
		max = HD_HELD_BY_MAX;
	if (!s || !max)
		return 0;
	for (e = s; (e = strchr(e, HD_HELD_BY_SEP[0])); e++)
		total++;
	/* the holder, then the max - 1 steps nearest the row */
	for (;; k++) {
		e = strchr(s, HD_HELD_BY_SEP[0]);
		if (total <= max || k == 0 || k >= total - (max - 1)) {
			if (n == 1 && k > 1)
				*gap = 1;
			steps[n].s = s;
			steps[n++].len = e ? (size_t)(e - s) : strlen(s);
		}
		if (!e || n == max)
			break;
		s = e + 1;
	}
	if (n < total && !*gap)
		*gap = n;
	return n;
}
