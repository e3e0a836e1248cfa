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
	case HD_TREND_LEVELLED: return "levelled";
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
/*
 * A row's series is sparse: the columns between the first and the last
 * list only the frames they have, so a row is its m entries (column,
 * value) with zeros elsewhere, and every statistic below is computed
 * from those m entries and sums over the abscissas made once per report:
 * the work is linear in what the profiles hold, not rows x profiles
 * (500 profiles of their own 1 000 frames each are 450 000 rows).
 */
struct axis {
	const double *x;  /* per column */
	double mean, sxx; /* of x over every column, centred */
};

static void axis_init(struct axis *a, const double *x, size_t n)
{
	size_t i;

	a->x = x;
	a->mean = 0;
	for (i = 0; i < n; i++)
		a->mean += x[i];
	a->mean /= (double)n;
	a->sxx = 0;
	for (i = 0; i < n; i++)
		a->sxx += (x[i] - a->mean) * (x[i] - a->mean);
}

/* One row: entries col[0..m) ascending with values v[], of n columns. */
struct sparse {
	const uint32_t *col;
	const int64_t *v;
	size_t m, n;
};

/*
 * Least squares of y against the axis: sxy = sum over every column of
 * (x - mx)(y - my); over a zero column that is -(x - mx) my, and those
 * sum to my times the entries' own sum of (x - mx), as all of them
 * sum to 0.  syy is the caller's (the sum of squares about the mean).
 */
static void least_squares(const struct axis *a, const struct sparse *s, double my,
			  double syy, double *slope, double *r2)
{
	double sxy = 0, sdx = 0;
	size_t k;

	for (k = 0; k < s->m; k++) {
		double dx = a->x[s->col[k]] - a->mean;

		sxy += dx * ((double)s->v[k] - my);
		sdx += dx;
	}
	if (s->m < s->n)
		sxy += my * sdx;
	*slope = a->sxx > 0 ? sxy / a->sxx : NAN;
	if (r2) {
		*r2 = a->sxx > 0 && syy > 0 ? sxy * sxy / (a->sxx * syy) : NAN;
		if (*r2 > 1)
			*r2 = 1; /* rounding */
	}
}

static void step(struct hd_trend_fit *f, int64_t from, int64_t to)
{
	if (to > from)
		f->steps_up++;
	else if (to < from)
		f->steps_down++;
}

/* Rising and falling steps of the whole series, zeros included. */
static void steps(const struct sparse *s, struct hd_trend_fit *f)
{
	size_t k, prev = 0;

	f->steps_up = f->steps_down = 0;
	for (k = 0; k < s->m; k++) {
		size_t c = s->col[k];

		if (k > 0 && c == prev + 1) {
			step(f, s->v[k - 1], s->v[k]);
		} else {
			if (k > 0)
				step(f, s->v[k - 1], 0);
			if (c > 0)
				step(f, 0, s->v[k]);
		}
		prev = c;
	}
	if (s->m && prev + 1 < s->n)
		step(f, s->v[s->m - 1], 0);
	f->steps_level = s->n - 1 - f->steps_up - f->steps_down;
}

/* Statistics of one series (hours NULL: the profiles carry no times). */
static void fit(const struct sparse *s, const struct axis *ver, const struct axis *hours,
		struct hd_trend_fit *f)
{
	double mean = 0, ss = 0;
	size_t k;

	steps(s, f);
	for (k = 0; k < s->m; k++)
		mean += (double)s->v[k];
	mean /= (double)s->n;
	for (k = 0; k < s->m; k++)
		ss += ((double)s->v[k] - mean) * ((double)s->v[k] - mean);
	ss += (double)(s->n - s->m) * mean * mean;
	f->slope_per_hour = NAN;
	if (f->steps_up == 0 && f->steps_down == 0) {
		/* Level: exactly, whatever rounding the sums above did. */
		int64_t v0 = s->m && s->col[0] == 0 ? s->v[0] : 0;

		f->cv = v0 != 0 ? 0 : NAN;
		f->slope_per_version = 0;
		f->r2 = NAN;
		if (hours && hours->sxx > 0)
			f->slope_per_hour = 0;
		return;
	}
	f->cv = mean != 0 ? sqrt(ss / (double)s->n) / fabs(mean) : NAN;
	least_squares(ver, s, mean, ss, &f->slope_per_version, &f->r2);
	if (hours)
		least_squares(hours, s, mean, ss, &f->slope_per_hour, NULL);
}

static uint64_t uabs(int64_t v)
{
	return v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
}

static enum hd_trend_class classify(const struct hd_trend *t, int64_t first, int64_t last,
				    size_t n, int present_first, int present_last,
				    int64_t thr, const struct hd_trend_opts *o)
{
	double not_up = (double)(n - 1 - t->flat.steps_up) / (double)(n - 1);
	int64_t net = hd_sub_sat(last, first);
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
/*
 * Every row's entries, row by row and column by column: the first and
 * the last column from their dense arrays, the others from their sparse
 * lists (a transpose in two passes, linear in the entries).
 */
struct series {
	size_t n;
	double *ver, *hours;        /* abscissas; hours NULL: no times */
	struct axis aver, ahours;
	size_t *off;                /* row i: entries off[i] .. off[i + 1] */
	uint32_t *col;
	int64_t *flat, *cum;
};

static void series_release(struct series *s)
{
	free(s->ver);
	free(s->hours);
	free(s->off);
	free(s->col);
	free(s->flat);
	free(s->cum);
}

/* The entries of column c, through fn(row, flat, cum) for each row. */
#define FOR_COLUMN(r, c, row_of, BODY) do { \
	const int64_t *df_ = hd_model_flat((r)->model, (c)), *dc_ = hd_model_cum((r)->model, (c)); \
	size_t i_; \
	if (df_) { \
		for (i_ = 0; i_ < (r)->nrows; i_++) { \
			uint32_t f_ = (r)->rows[i_].frame; \
			int64_t fv = df_[f_], cv = dc_[f_]; \
			size_t ri = i_; \
			if (fv || cv) { BODY } \
		} \
	} else { \
		const uint32_t *fr_; const int64_t *sf_, *sc_; \
		size_t n_ = hd_model_sparse((r)->model, (c), &fr_, &sf_, &sc_); \
		for (i_ = 0; i_ < n_; i_++) { \
			uint32_t ri32_ = (row_of)[fr_[i_]]; \
			int64_t fv = sf_[i_], cv = sc_[i_]; \
			size_t ri = ri32_; \
			if (ri32_ != UINT32_MAX) { BODY } \
		} \
	} \
} while (0)

static int series_entries(struct series *s, const struct hd_report *r)
{
	size_t nf = hd_model_frame_count(r->model), i, c, total = 0;
	uint32_t *row_of = malloc((nf + 1) * sizeof(*row_of));
	size_t *at = calloc(r->nrows + 1, sizeof(*at));

	s->off = calloc(r->nrows + 1, sizeof(*s->off));
	if (!row_of || !at || !s->off) {
		free(row_of);
		free(at);
		return HD_ERR_NOMEM;
	}
	for (i = 0; i < nf; i++)
		row_of[i] = UINT32_MAX;
	for (i = 0; i < r->nrows; i++)
		row_of[r->rows[i].frame] = (uint32_t)i;
	for (c = 0; c < r->ncols; c++)
		FOR_COLUMN(r, c, row_of, { (void)fv; (void)cv; s->off[ri + 1]++; total++; });
	for (i = 0; i < r->nrows; i++)
		s->off[i + 1] += s->off[i];
	s->col = malloc((total + 1) * sizeof(*s->col));
	s->flat = malloc((total + 1) * sizeof(*s->flat));
	s->cum = malloc((total + 1) * sizeof(*s->cum));
	if (s->col && s->flat && s->cum)
		for (c = 0; c < r->ncols; c++)
			FOR_COLUMN(r, c, row_of, {
				size_t e = s->off[ri] + at[ri]++;
				s->col[e] = (uint32_t)c;
				s->flat[e] = fv;
				s->cum[e] = cv;
			});
	free(row_of);
	free(at);
	return s->col && s->flat && s->cum ? 0 : HD_ERR_NOMEM;
}

static int series_init(struct series *s, const struct hd_report *r)
{
	size_t n = r->ncols, c;
	int have_times = 1;

	memset(s, 0, sizeof(*s));
	s->n = n;
	s->ver = calloc(n, sizeof(*s->ver));
	s->hours = calloc(n, sizeof(*s->hours));
	if (!s->ver || !s->hours)
		return HD_ERR_NOMEM;
	for (c = 0; c < n; c++) {
		s->ver[c] = (double)c;
		if (r->cols[c].time_nanos == 0)
			have_times = 0;
		/* Hours since the first profile; may be negative under --order given. */
		s->hours[c] = (double)hd_sub_sat(r->cols[c].time_nanos,
						 r->cols[0].time_nanos) / 3.6e12;
	}
	axis_init(&s->aver, s->ver, n);
	axis_init(&s->ahours, s->hours, n);
	if (!have_times) {
		free(s->hours);
		s->hours = NULL;
	}
	return series_entries(s, r);
}

static void row_trend(const struct hd_report *r, const struct series *s, size_t i,
		      struct hd_trend *t)
{
	size_t a = s->off[i], m = s->off[i + 1] - a, n = s->n, k;
	struct sparse sf = {s->col + a, s->flat + a, m, n}, sc = {s->col + a, s->cum + a, m, n};
	const struct axis *hours = s->hours ? &s->ahours : NULL;
	int64_t first = m && sf.col[0] == 0 ? sf.v[0] : 0;
	int64_t last = m && sf.col[m - 1] == n - 1 ? sf.v[m - 1] : 0;
	int64_t cfirst = m && sc.col[0] == 0 ? sc.v[0] : 0;
	int64_t clast = m && sc.col[m - 1] == n - 1 ? sc.v[m - 1] : 0;

	fit(&sf, &s->aver, hours, &t->flat);
	fit(&sc, &s->aver, hours, &t->cum);
	t->rising = (double)(n - 1 - t->flat.steps_down) / (double)(n - 1);
	t->min = t->max = m < n ? 0 : sf.v[0];
	for (k = 0; k < m; k++) {
		if (sf.v[k] < t->min)
			t->min = sf.v[k];
		if (sf.v[k] > t->max)
			t->max = sf.v[k];
	}
	t->cls = classify(t, first, last, n, cfirst != 0, clast != 0,
			  r->trend_threshold, &r->trend_opts);
	if (t->cls == HD_TREND_GROWING)
		t->score = (double)hd_sub_sat(last, first) * t->flat.r2;
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
		row_trend(r, &s, i, &tr[i]);
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
