/*
 * trend.c - heapdiff trend: the statistics of each frame's series of
 * values over every column, its class, and the rank of leak suspects.
 * hd_report_finish() calls hd_trend_compute() once the rows exist and
 * before it ranks them (the ranking asks hd_trend_cmp() first), then
 * hd_trend_finish() once they are ranked.  Knows nothing of output
 * formats.
 *
 * Owns, in the report's arena: one struct hd_trend per row (row->trend
 * points there, so ranking may move rows freely) and the suspect list,
 * which points at the ranked rows.  Sets the report's thresholds, noise
 * floor, suspects and class counts.
 *
 * Statistics, per frame, of the flat series x[0..n-1] (n >= 2 columns)
 * and, for reading only, of the cum series:
 *   slope_per_version  least-squares slope of x against the column index
 *   r2                 coefficient of determination of that line; NAN
 *                      for a constant series (nothing to explain)
 *   slope_per_hour     least-squares slope of x against time_nanos, when
 *                      every profile carries a time and not all are equal;
 *                      else NAN
 *   steps_up/down      of the n - 1 steps x[i] - x[i-1], the rising and the
 *                      falling ones (level steps are neither)
 *   cv                 population standard deviation / |mean|; NAN when
 *                      the mean is 0
 * Sums of values run in double (values are untrusted int64; a double
 * neither overflows nor wraps), centred on the mean for accuracy.
 *
 * The rule, applied in this order; the first that holds is the class:
 *   T = max(min_growth, min_growth_pct % of |total of the first profile|)
 *   net = x[n-1] - x[0] (saturating)
 *   growing      net > T, slope_per_version > 0, r2 >= min_r2, and at
 *                least min_rising of the steps are not falling
 *   new          absent in the first profile (cum 0) and present in the
 *                last: a new caller or allocation site that is not (yet)
 *                growing steadily
 *   gone         present in the first profile and absent in the last
 *   shrinking    the mirror of growing: net < -T, slope < 0, r2 >= min_r2,
 *                at least min_rising of the steps not rising
 *   fluctuating  max(x) - min(x) > T: it moves by more than the noise
 *                floor, but not steadily one way
 *   stable       everything else
 * Growing comes first so that a leak which starts after the first
 * snapshot is still a leak.  Flat decides because memory leaks where it
 * is allocated; a caller's cum grows with every leak beneath it.  With two
 * profiles r2 is 1 and the one step rises or not: growing is "grew by more
 * than T".  Defaults (min_growth 0, min_growth_pct 1, min_r2 0.8,
 * min_rising 0.75) flag a steady leak of 1% of the heap over the series
 * and leave alone runtime noise, one-off steps (r2 of a single jump in the
 * middle of six points is 0.64) and see-saws (r2 near 0).
 *
 * Leak suspects are the growing frames, ranked by score = net x r2
 * (how much, times how steadily), then by name.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/report.h"
#include "input/input.h"

void hd_trend_opts_init(struct hd_trend_opts *o)
{
	o->min_growth = 0;
	o->min_growth_pct = 1.0;
	o->min_r2 = 0.8;
	o->min_rising = 0.75;
}

const char *hd_trend_class_name(enum hd_trend_class c)
{
	switch (c) {
	case HD_TREND_STABLE: return "stable";
	case HD_TREND_GROWING: return "growing";
	case HD_TREND_SHRINKING: return "shrinking";
	case HD_TREND_FLUCTUATING: return "fluctuating";
	case HD_TREND_NEW: return "new";
	case HD_TREND_GONE: return "gone";
	}
	return "?";
}

/* The noise floor T of the rule above. */
static int64_t threshold(const struct hd_report *r, const struct hd_trend_opts *o)
{
	int64_t t = o->min_growth > 0 ? o->min_growth : 0;
	double p;

	if (r->ncols == 0 || !(o->min_growth_pct > 0))
		return t;
	p = fabs((double)r->cols[0].total) * o->min_growth_pct / 100.0;
	if (p >= 9.2e18)
		return INT64_MAX;
	return (int64_t)p > t ? (int64_t)p : t;
}

/*
 * Least-squares line of y against x over n points (two passes, centred).
 * *slope is NAN when x does not vary; *r2 is NAN when either is constant.
 */
static void least_squares(const double *x, const double *y, size_t n,
			  double *slope, double *r2)
{
	double mx = 0, my = 0, sxx = 0, sxy = 0, syy = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		mx += x[i];
		my += y[i];
	}
	mx /= (double)n;
	my /= (double)n;
	for (i = 0; i < n; i++) {
		double dx = x[i] - mx, dy = y[i] - my;

		sxx += dx * dx;
		sxy += dx * dy;
		syy += dy * dy;
	}
	*slope = sxx > 0 ? sxy / sxx : NAN;
	if (r2) {
		*r2 = sxx > 0 && syy > 0 ? sxy * sxy / (sxx * syy) : NAN;
		if (*r2 > 1)
			*r2 = 1; /* rounding */
	}
}

/* Statistics of one series; ver/hours are the abscissas (hours NULL: none). */
static void fit(const int64_t *v, double *y, size_t n, const double *ver,
		const double *hours, struct hd_trend_fit *f)
{
	double mean = 0, ss = 0;
	size_t i;

	f->steps_up = f->steps_down = 0;
	for (i = 0; i < n; i++) {
		y[i] = (double)v[i];
		mean += y[i];
		if (i > 0 && v[i] > v[i - 1])
			f->steps_up++;
		else if (i > 0 && v[i] < v[i - 1])
			f->steps_down++;
	}
	f->steps_level = n - 1 - f->steps_up - f->steps_down;
	mean /= (double)n;
	for (i = 0; i < n; i++)
		ss += (y[i] - mean) * (y[i] - mean);
	if (f->steps_up == 0 && f->steps_down == 0) {
		/* Level: exactly, whatever rounding the sums above did. */
		f->cv = v[0] != 0 ? 0 : NAN;
		f->slope_per_version = 0;
		f->r2 = NAN;
		f->slope_per_hour = NAN;
		if (hours)
			least_squares(hours, y, n, &f->slope_per_hour, NULL);
		if (!isnan(f->slope_per_hour))
			f->slope_per_hour = 0;
		return;
	}
	f->cv = mean != 0 ? sqrt(ss / (double)n) / fabs(mean) : NAN;
	least_squares(ver, y, n, &f->slope_per_version, &f->r2);
	f->slope_per_hour = NAN;
	if (hours)
		least_squares(hours, y, n, &f->slope_per_hour, NULL);
}

static uint64_t uabs(int64_t v)
{
	return v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
}

static enum hd_trend_class classify(const struct hd_trend *t, const int64_t *x,
				    size_t n, int present_first, int present_last,
				    int64_t thr, const struct hd_trend_opts *o)
{
	double not_up = (double)(n - 1 - t->flat.steps_up) / (double)(n - 1);
	int64_t net = hd_sub_sat(x[n - 1], x[0]);
	int fits = !isnan(t->flat.r2) && t->flat.r2 >= o->min_r2;

	if (net > 0 && (uint64_t)net > (uint64_t)thr && t->flat.slope_per_version > 0 &&
	    fits && t->rising >= o->min_rising)
		return HD_TREND_GROWING;
	if (!present_first && present_last)
		return HD_TREND_NEW;
	if (present_first && !present_last)
		return HD_TREND_GONE;
	if (net < 0 && uabs(net) > (uint64_t)thr && t->flat.slope_per_version < 0 &&
	    fits && not_up >= o->min_rising)
		return HD_TREND_SHRINKING;
	if (hd_sub_sat(t->max, t->min) > thr)
		return HD_TREND_FLUCTUATING;
	return HD_TREND_STABLE;
}

/* Suspect order: score, then name, then frame id (a total order); ctx is
 * the model. */
static int cmp_suspect(const void *pa, const void *pb, void *ctx)
{
	const struct hd_row *a = *(const struct hd_row *const *)pa;
	const struct hd_row *b = *(const struct hd_row *const *)pb;
	const struct hd_model *m = ctx;
	int c;

	if (a->trend->score != b->trend->score)
		return a->trend->score > b->trend->score ? -1 : 1;
	c = strcmp(hd_model_frame(m, a->frame)->name, hd_model_frame(m, b->frame)->name);
	if (c)
		return c;
	return a->frame < b->frame ? -1 : a->frame > b->frame;
}

/* Scratch for the series of one row at a time, n columns long. */
struct series {
	size_t n;
	const int64_t **flat, **cum; /* each column's arrays */
	double *ver, *hours;         /* abscissas; hours NULL: no times */
	double *y;
	int64_t *xf, *xc;            /* one row's flat and cum series */
};

static void series_release(struct series *s)
{
	free(s->flat);
	free(s->cum);
	free(s->ver);
	free(s->hours);
	free(s->y);
	free(s->xf);
	free(s->xc);
}

static int series_init(struct series *s, const struct hd_report *r)
{
	size_t n = r->ncols, c;
	int have_times = 1;

	memset(s, 0, sizeof(*s));
	s->n = n;
	s->flat = calloc(n, sizeof(*s->flat));
	s->cum = calloc(n, sizeof(*s->cum));
	s->ver = calloc(n, sizeof(*s->ver));
	s->hours = calloc(n, sizeof(*s->hours));
	s->y = calloc(n, sizeof(*s->y));
	s->xf = calloc(n, sizeof(*s->xf));
	s->xc = calloc(n, sizeof(*s->xc));
	if (!s->flat || !s->cum || !s->ver || !s->hours || !s->y || !s->xf || !s->xc)
		return HD_ERR_NOMEM;
	for (c = 0; c < n; c++) {
		s->flat[c] = hd_model_flat(r->model, c);
		s->cum[c] = hd_model_cum(r->model, c);
		if (!s->flat[c] || !s->cum[c])
			return HD_ERR_NOMEM;
		s->ver[c] = (double)c;
		if (r->cols[c].time_nanos == 0)
			have_times = 0;
		/* Hours since the first profile; may be negative under --order given. */
		s->hours[c] = (double)hd_sub_sat(r->cols[c].time_nanos,
						 r->cols[0].time_nanos) / 3.6e12;
	}
	if (!have_times) {
		free(s->hours);
		s->hours = NULL;
	}
	return 0;
}

/* The statistics and class of frame f into t. */
static void row_trend(const struct hd_report *r, struct series *s, uint32_t f,
		      struct hd_trend *t)
{
	size_t n = s->n, c;

	for (c = 0; c < n; c++) {
		s->xf[c] = s->flat[c][f];
		s->xc[c] = s->cum[c][f];
	}
	fit(s->xf, s->y, n, s->ver, s->hours, &t->flat);
	fit(s->xc, s->y, n, s->ver, s->hours, &t->cum);
	t->rising = (double)(n - 1 - t->flat.steps_down) / (double)(n - 1);
	t->min = t->max = s->xf[0];
	for (c = 1; c < n; c++) {
		if (s->xf[c] < t->min)
			t->min = s->xf[c];
		if (s->xf[c] > t->max)
			t->max = s->xf[c];
	}
	t->cls = classify(t, s->xf, n, s->xc[0] != 0, s->xc[n - 1] != 0,
			  r->trend_threshold, &r->trend_opts);
	if (t->cls == HD_TREND_GROWING)
		t->score = (double)hd_sub_sat(s->xf[n - 1], s->xf[0]) * t->flat.r2;
}

int hd_trend_compute(struct hd_report *r, struct hd_error *err)
{
	size_t i, nsus = 0;
	struct hd_trend *tr;
	struct hd_row **sus = NULL;
	struct series s;
	int rc;

	if (r->ncols < 2)
		return hd_fail(err, HD_ERR_USAGE, "a trend needs two or more profiles");
	if (r->opts.trend)
		r->trend_opts = *r->opts.trend;
	else
		hd_trend_opts_init(&r->trend_opts);
	r->trend_threshold = threshold(r, &r->trend_opts);
	r->threshold_from_pct = r->trend_opts.min_growth_pct > 0 &&
		r->trend_threshold > r->trend_opts.min_growth;
	tr = hd_arena_calloc(r->arena, r->nrows + 1, sizeof(*tr));
	sus = calloc(r->nrows + 1, sizeof(*sus));
	rc = series_init(&s, r);
	if (!rc && (!tr || !sus))
		rc = HD_ERR_NOMEM;
	for (i = 0; !rc && i < r->nrows; i++) {
		row_trend(r, &s, r->rows[i].frame, &tr[i]);
		r->rows[i].trend = &tr[i];
		if (tr[i].cls == HD_TREND_GROWING)
			sus[nsus++] = &r->rows[i];
	}
	if (!rc)
		rc = hd_sort(sus, nsus, sizeof(*sus), cmp_suspect, r->model);
	for (i = 0; !rc && i < nsus; i++)
		tr[sus[i]->trend - tr].suspect = i + 1;
	r->nsuspects = rc ? 0 : nsus;
	series_release(&s);
	free(sus);
	return rc ? hd_fail(err, HD_ERR_NOMEM, "out of memory") : 0;
}

int hd_trend_finish(struct hd_report *r, struct hd_error *err)
{
	size_t i;

	r->suspects = hd_arena_calloc(r->arena, r->nsuspects + 1, sizeof(*r->suspects));
	if (!r->suspects)
		return hd_fail(err, HD_ERR_NOMEM, "out of memory");
	for (i = 0; i < r->nrows; i++) {
		const struct hd_trend *t = r->rows[i].trend;

		r->class_count[t->cls]++;
		if (t->suspect)
			r->suspects[t->suspect - 1] = &r->rows[i];
	}
	return 0;
}

int hd_trend_cmp(const struct hd_row *a, const struct hd_row *b)
{
	const struct hd_trend *x = a->trend, *y = b->trend;
	uint64_t rx, ry, mx, my;

	if (!x || !y)
		return 0;
	/* Suspects first, in suspect order. */
	if (x->suspect != y->suspect) {
		if (!x->suspect || !y->suspect)
			return x->suspect ? -1 : 1;
		return x->suspect < y->suspect ? -1 : 1;
	}
	/* Then what moves most, then what holds most. */
	rx = (uint64_t)x->max - (uint64_t)x->min;
	ry = (uint64_t)y->max - (uint64_t)y->min;
	if (rx != ry)
		return rx > ry ? -1 : 1;
	mx = uabs(x->max) > uabs(x->min) ? uabs(x->max) : uabs(x->min);
	my = uabs(y->max) > uabs(y->min) ? uabs(y->max) : uabs(y->min);
	if (mx != my)
		return mx > my ? -1 : 1;
	return 0;
}
