/*
 * trend.c - heapdiff trend: the statistics of each frame's series of
 * values over every column, its class, and the rank of leak suspects.
 * hd_report_finish() calls hd_trend_compute() once the rows exist (with
 * their culprits) and before it ranks them (the ranking asks
 * hd_trend_cmp() first), then hd_trend_finish() once they are ranked.
 * Knows nothing of output formats.
 *
 * Owns, in the report's arena: one struct hd_trend per row (row->trend
 * points there, so ranking may move rows freely) and the suspect list,
 * which points at the ranked rows.  Sets the report's thresholds, noise
 * floor, suspects, class counts and whether the type is cumulative.
 *
 * The series.  A row's attributed series a[0..n-1] (n >= 2 columns, in
 * the order used): for a frame of the user's code its own value (the
 * samples whose nearest frame of the user's code it is), for any other
 * frame its flat value (hd_report_series()).  Memory leaks where it is
 * allocated, and the user's code is where it is kept: growth that lands
 * in bytes.growSlice under main.handlePool counts for main.handlePool.
 * The class reads the analysed series y[0..m-1]:
 *   levels       y = a, m = n; or
 *   increments   when the sample type's name starts with "alloc_" and the
 *                column totals never decrease (r->cumulative): Go's
 *                alloc_space/alloc_objects count everything allocated
 *                since the process started, so y[i] = a[i+1] - a[i], the
 *                allocation between two snapshots (m = n - 1); when every
 *                profile has a time and they increase, each is scaled to
 *                the mean interval (a rate per second times the mean
 *                interval, r->trend_interval seconds), so uneven
 *                snapshots do not look like a change of rate.  Growing
 *                then means the allocation rate rises; steady churn is
 *                stable.  A type named alloc_* whose totals decrease
 *                (other processes, other builds) is analysed as levels.
 *
 * The noise floor.  T = max(min_growth, min_growth_pct % of the median
 * column total) (of the median increment of the total when cumulative;
 * r->trend_base).  The median, not the first snapshot, which is taken at
 * start-up.  The default 0.25 % catches a slow leak of 1 % of the heap
 * over the series with a margin of 4 (its robust growth must exceed T,
 * and the median heap may be larger than the heap the 1 % was of), and
 * stays ten times above runtime noise (a few KiB of jitter in a 20 MiB
 * heap is 0.02 %).  A row moves when max(y) - min(y) > T; the statistics
 * below are computed for moving rows only (else NAN, 0).
 *
 * Statistics of y (every pair i < j of its m points, N = m(m-1)/2):
 *   mk_s             Mann-Kendall S = sum of sign(y[j] - y[i])
 *   mk_z, mk_p       z = (S - sign(S)) / sqrt(Var S), with
 *                    Var S = (m(m-1)(2m+5) - sum t(t-1)(2t+5)) / 18 over
 *                    groups of t tied values; two-sided p = erfc(|z|/√2);
 *                    NAN when every value is tied
 *   sen_per_version  Theil-Sen slope: the median of (y[j]-y[i]) / (j-i)
 *   sen_per_hour     the same against time (hours), when every profile
 *                    has a time and they increase along the columns; NAN
 *   growth           sen_per_version x (m - 1): the robust net change
 *   floor_rising,    y cut into K = m / w consecutive windows of
 *   peaks_rising     w = max(2, m / 4) points (the last takes the rest;
 *                    m >= 4): the windows' lows (highs) have a Theil-Sen
 *                    growth above T (a single step has none: most pairs
 *                    tie), and each is above the one before or their own
 *                    Mann-Kendall test gives S > 0 and p <= max_p
 * S is counted by merge sort (O(m log m)); the Theil-Sen median needs no
 * pair when it falls among the tied pairs (slope 0, known from the
 * count), else lists the pairs of its sign and selects (O(m^2), for
 * m <= 256) or bisects on the slope, counting pairs below a slope by
 * merge sort (O(m log m) per step, to 1e-13 of the slope).
 * The least-squares fit, r2, steps and cv of flat and cum (struct
 * hd_trend_fit) are computed as before, for reading: they no longer
 * decide.
 *
 * The rule, applied in this order; the first that holds is the class
 * (first = y[0], last = y[m-1]):
 *   stable       every y is 0 (whatever the frame's cum: nothing of its
 *                own, or nothing allocated between snapshots)
 *   levelled     it grew and then stayed level: m >= 3; k is the
 *                smallest start (1 <= k <= m - L) of a tail y[k..m-1] of
 *                at least L = max(2, ceil((m+1)/3)) points (2 of 4, 3 of
 *                6 or 8, 5 of 12) with rise = min(tail) - min(y[0..k-1])
 *                > T and max(tail) - min(tail) <= 1/4 of rise; and that
 *                tail has no rising Mann-Kendall trend of its own (S > 0,
 *                p <= max_p: a steady leak after a big jump, which the
 *                rise would dwarf; a tail of 4 points or fewer cannot
 *                show one).  Level is measured against its own earlier
 *                growth, not against T: the tail of a steady leak moves
 *                by (L-1)/(m-L) of its rise, a third or more (m = 5),
 *                however slow the leak.  level_from is k, level_value
 *                y[k].  With two profiles nothing is levelled.
 *   growing      the series rises: S > 0 and p <= max_p, or every later
 *                value above every earlier one (S = N: as strong as m
 *                points can show; with m = 4 no p is below 0.08), and
 *                growth > T; or floor_rising and peaks_rising (a
 *                sawtooth whose lows and highs both climb: pooled buffers
 *                over GC cycles).  A single step in the middle is
 *                levelled; a late step has a Theil-Sen slope of 0 (most
 *                pairs tie); a see-saw has neither a trend nor a rising
 *                floor.  With two profiles: grew by more than T.
 *   new          first is 0 and last is not: an allocation site that
 *                appeared and is not (yet) growing steadily
 *   gone         first is not 0 and last is
 *   shrinking    S < 0 and p <= max_p, or every later value below every
 *                earlier one; and growth < -T
 *   fluctuating  it moves (max - min > T), but not steadily one way
 *   stable       everything else
 * Defaults: min_growth 0, min_growth_pct 0.25, max_p 0.05.
 *
 * Leak suspects are the growing rows whose frame is the user's code, or
 * that no frame of the user's code calls (row->culprit is HD_NO_FRAME):
 * a runtime frame under main.handlePool grows, and main.handlePool is
 * the suspect.  Ranked by score = max(growth, 0) x (1 - p) (how much,
 * times how sure; p = 1 for a sawtooth without a significant trend and
 * with m = 2), then by growth, then by name.  On a cumulative type the
 * suspects are allocation-rate regressions.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/report.h"
#include "input/input.h"

/* A level tail moves by at most this share of the rise before it. */
#define LEVEL_SHARE 0.25
/* Up to this many points, Theil-Sen lists the pairs it selects from (about
 * 40 instructions a pair); above, bisection's 2 x 40 counts of n log n
 * cost less. */
#define SEN_LIST_MAX 256

void hd_trend_opts_init(struct hd_trend_opts *o)
{
	o->min_growth = 0;
	o->min_growth_pct = 0.25;
	o->min_r2 = NAN;
	o->min_rising = NAN;
	o->max_p = 0.05;
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

/* ---- least squares, for reading ---- */

/*
 * A row's series is sparse: the columns between the first and the last
 * list only the frames they have, so a row is its m entries (column,
 * value) with zeros elsewhere, and the least-squares statistics below
 * are computed from those m entries and sums over the abscissas made
 * once per report: the work is linear in what the profiles hold, not
 * rows x profiles (500 profiles of their own 1 000 frames each are
 * 450 000 rows).  The robust statistics densify only the rows that move.
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

/* ---- the robust statistics of one dense series ---- */

/* Scratch for one series of up to n points at a time. */
struct scratch {
	size_t n;
	double *a, *b;       /* n each: merge sort */
	double *lo, *hi;     /* n each: window lows and highs */
	double *pairs;       /* Theil-Sen's listed slopes, grown on demand */
	size_t npairs;
};

static void scratch_release(struct scratch *s)
{
	free(s->a);
	free(s->b);
	free(s->lo);
	free(s->hi);
	free(s->pairs);
	memset(s, 0, sizeof(*s));
}

static int scratch_init(struct scratch *s, size_t n)
{
	memset(s, 0, sizeof(*s));
	s->n = n;
	s->a = malloc((n + 1) * sizeof(double));
	s->b = malloc((n + 1) * sizeof(double));
	s->lo = malloc((n + 1) * sizeof(double));
	s->hi = malloc((n + 1) * sizeof(double));
	if (!s->a || !s->b || !s->lo || !s->hi) {
		scratch_release(s);
		return HD_ERR_NOMEM;
	}
	return 0;
}

/*
 * Sort a[0..n) ascending (bottom-up merge sort, through b and back) and
 * return the pairs i < j of the original order with a[i] > a[j] (strict
 * inversions).  The sorted values end in a.
 */
static uint64_t sort_inversions(double *a, double *b, size_t n)
{
	double *src = a, *dst = b, *t;
	uint64_t inv = 0;
	size_t w, lo;

	for (w = 1; w < n; w *= 2) {
		for (lo = 0; lo < n; lo += 2 * w) {
			size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
			size_t i = lo, j = mid, k = lo;

			while (i < mid && j < hi) {
				if (src[i] <= src[j]) {
					dst[k++] = src[i++];
				} else {
					inv += mid - i;
					dst[k++] = src[j++];
				}
			}
			while (i < mid)
				dst[k++] = src[i++];
			while (j < hi)
				dst[k++] = src[j++];
		}
		t = src;
		src = dst;
		dst = t;
	}
	if (src != a)
		memcpy(a, src, n * sizeof(*a));
	return inv;
}

/* Mann-Kendall of y[0..n): S, z, p and the pair counts by sign. */
struct mk {
	double s, z, p;
	uint64_t pos, neg, ties; /* pairs i < j with y[j] >, <, = y[i] */
};

static void mann_kendall(const double *y, size_t n, struct scratch *sc, struct mk *k)
{
	uint64_t npairs = (uint64_t)n * (n - 1) / 2;
	double var, tv = 0, dn = (double)n;
	size_t i, j;

	memset(k, 0, sizeof(*k));
	k->z = k->p = NAN;
	if (n < 2)
		return;
	memcpy(sc->a, y, n * sizeof(*y));
	k->neg = sort_inversions(sc->a, sc->b, n);
	for (i = 0; i < n; i = j) {
		double t;

		for (j = i + 1; j < n && sc->a[j] == sc->a[i]; j++)
			;
		t = (double)(j - i);
		k->ties += (uint64_t)(j - i) * (j - i - 1) / 2;
		tv += t * (t - 1) * (2 * t + 5);
	}
	k->pos = npairs - k->neg - k->ties;
	k->s = (double)k->pos - (double)k->neg;
	var = (dn * (dn - 1) * (2 * dn + 5) - tv) / 18;
	if (!(var > 0))
		return;
	k->z = k->s > 0 ? (k->s - 1) / sqrt(var) : k->s < 0 ? (k->s + 1) / sqrt(var) : 0;
	k->p = erfc(fabs(k->z) / sqrt(2.0));
	if (k->p > 1)
		k->p = 1;
}

/* The abscissa of point i: x[i], or i when x is NULL. */
static double xat(const double *x, size_t i)
{
	return x ? x[i] : (double)i;
}

/* The k-th smallest (from 0) of v[0..n) (Hoare's selection; v permuted). */
static double select_kth(double *v, size_t n, size_t k)
{
	size_t lo = 0, hi = n - 1;

	while (lo < hi) {
		double pivot = v[lo + (hi - lo) / 2];
		size_t i = lo, j = hi;

		while (i <= j) {
			while (v[i] < pivot)
				i++;
			while (v[j] > pivot)
				j--;
			if (i <= j) {
				double t = v[i];

				v[i] = v[j];
				v[j] = t;
				i++;
				if (j == 0)
					break;
				j--;
			}
		}
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			return v[k];
	}
	return v[k];
}

/* Pairs i < j with (y[j] - y[i]) / (x[j] - x[i]) < s (x increasing), by
 * merge sort of y - s x: such a pair is an inversion of it. */
static uint64_t slopes_below(const double *y, const double *x, size_t n, double s,
			     struct scratch *sc)
{
	size_t i;

	for (i = 0; i < n; i++)
		sc->a[i] = y[i] - s * xat(x, i);
	return sort_inversions(sc->a, sc->b, n);
}

/*
 * The slope of rank r (from 0) among all pairs, and of r + 1 into *b when
 * want_b, by bisection on the slope: the largest s with fewer than r + 1
 * (r + 2) pairs below it, to 1e-13 of itself or 1e-18 of the steepest
 * step (or to double rounding).  The two ranks share their steps until a
 * step falls between them.
 */
static void slope_bisect(const double *y, const double *x, size_t n, uint64_t r, int want_b,
			 struct scratch *sc, double *a, double *b)
{
	double lo = INFINITY, hi = -INFINITY, lo2, hi2, tol;
	size_t i;
	int it, split = !want_b, pass;

	/* Every pair's slope is a weighted mean of the slopes of the steps
	 * between them: the steps' lowest and highest bracket them all. */
	for (i = 1; i < n; i++) {
		double d = (y[i] - y[i - 1]) / (xat(x, i) - xat(x, i - 1));

		if (d < lo)
			lo = d;
		if (d > hi)
			hi = d;
	}
	tol = (fabs(lo) > fabs(hi) ? fabs(lo) : fabs(hi)) * 1e-12;
	lo -= tol + 1e-300;
	hi += tol + 1e-300;
	tol *= 1e-6;
	lo2 = lo;
	hi2 = hi;
	/* Pass 0: rank r (and r + 1 while they agree); pass 1: r + 1 alone. */
	for (pass = 0; pass < 2; pass++) {
		double *l = pass ? &lo2 : &lo, *h = pass ? &hi2 : &hi;

		for (it = 0; it < 200 && *h - *l > tol &&
		     *h - *l > 1e-13 * (fabs(*l) > fabs(*h) ? fabs(*l) : fabs(*h)); it++) {
			double mid = *l + (*h - *l) / 2;
			uint64_t c;

			if (mid <= *l || mid >= *h)
				break;
			c = slopes_below(y, x, n, mid, sc);
			if (c <= r + (uint64_t)pass)
				*l = mid;
			else
				*h = mid;
			if (!pass && !split) {
				if (c <= r + 1)
					lo2 = mid;
				else
					hi2 = mid;
				split = lo2 != lo || hi2 != hi;
			}
		}
		if (!pass)
			*a = lo + (hi - lo) / 2;
		if (!want_b)
			return;
		if (!split) {
			*b = *a;
			return;
		}
		if (pass)
			*b = lo2 + (hi2 - lo2) / 2;
	}
}

/*
 * The slopes of rank r, and of r + 1 into *b when want_b, among the
 * count pairs of one sign (sign > 0: rising), by listing them once;
 * HD_ERR_NOMEM when the list cannot be made.
 */
static int slope_listed(const double *y, const double *x, size_t n, int sign, uint64_t count,
			uint64_t r, int want_b, struct scratch *sc, double *a, double *b)
{
	size_t i, j, k = 0;

	if (count > sc->npairs) {
		double *p = realloc(sc->pairs, count * sizeof(*p));

		if (!p)
			return HD_ERR_NOMEM;
		sc->pairs = p;
		sc->npairs = count;
	}
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++) {
			double d = y[j] - y[i];

			if (sign > 0 ? d > 0 : d < 0)
				sc->pairs[k++] = d / (xat(x, j) - xat(x, i));
		}
	*a = select_kth(sc->pairs, k, (size_t)r);
	if (want_b) {
		/* The selection left everything past r at or above it. */
		*b = sc->pairs[r + 1];
		for (i = (size_t)r + 2; i < k; i++)
			if (sc->pairs[i] < *b)
				*b = sc->pairs[i];
	}
	return 0;
}

/* -1, 0, 1: rank r among all pairs falls among the falling, the tied
 * (slope 0) or the rising ones, which sort in that order. */
static int side_of(const struct mk *k, uint64_t r)
{
	return r < k->neg ? -1 : r < k->neg + k->ties ? 0 : 1;
}

/* The slope of rank r among all pairs, and of r + 1 into *b when want_b. */
static int slope_rank(const double *y, const double *x, size_t n, const struct mk *k,
		      uint64_t r, int want_b, int bisect, struct scratch *sc, double *a, double *b)
{
	int list = !bisect && n <= SEN_LIST_MAX, side = side_of(k, r), rc;
	int side_b = want_b ? side_of(k, r + 1) : side;
	uint64_t count = side < 0 ? k->neg : k->pos, rs = side < 0 ? r : r - k->neg - k->ties;

	if (side != 0 && want_b && side_b == side) {
		if (list)
			return slope_listed(y, x, n, side, count, rs, 1, sc, a, b);
		slope_bisect(y, x, n, r, 1, sc, a, b);
		return 0;
	}
	if (want_b && (rc = slope_rank(y, x, n, k, r + 1, 0, bisect, sc, b, NULL)))
		return rc;
	if (side == 0)
		*a = 0;
	else if (!list)
		slope_bisect(y, x, n, r, 0, sc, a, NULL);
	else
		return slope_listed(y, x, n, side, count, rs, 0, sc, a, NULL);
	return 0;
}

/* Theil-Sen: the median of every pair's slope against x (NULL: index);
 * x must increase.  NAN for fewer than two points. */
static int theil_sen(const double *y, const double *x, size_t n, const struct mk *k,
		     int bisect, struct scratch *sc, double *out)
{
	uint64_t npairs = (uint64_t)n * (n - 1) / 2;
	double a, b;
	int rc;

	*out = NAN;
	if (n < 2)
		return 0;
	if (npairs % 2)
		return slope_rank(y, x, n, k, npairs / 2, 0, bisect, sc, out, NULL);
	if ((rc = slope_rank(y, x, n, k, npairs / 2 - 1, 1, bisect, sc, &a, &b)))
		return rc;
	*out = a + (b - a) / 2;
	return 0;
}

/* MK says v[0..n) rises (dir 1) or falls (dir -1): significant at max_p,
 * or every pair goes that way. */
static int trends(const struct mk *k, size_t n, int dir, double max_p)
{
	uint64_t npairs = (uint64_t)n * (n - 1) / 2;

	if (n < 2 || (dir > 0 ? !(k->s > 0) : !(k->s < 0)))
		return 0;
	if ((dir > 0 ? k->pos : k->neg) == npairs)
		return 1;
	return !isnan(k->p) && k->p <= max_p;
}

/* The lows or highs v[0..nw) of consecutive windows rise: their
 * Theil-Sen growth passes thr (a single step does not: most pairs tie),
 * and each is above the one before or Mann-Kendall says so. */
static int windows_rise(const double *v, size_t nw, double thr, double max_p,
			struct scratch *sc)
{
	struct mk k;
	double sen;

	if (nw < 2)
		return 0;
	/* The windows are fewer than the points: a, b and pairs are free. */
	mann_kendall(v, nw, sc, &k);
	if (!trends(&k, nw, 1, max_p) || theil_sen(v, NULL, nw, &k, 0, sc, &sen))
		return 0;
	return sen * (double)(nw - 1) > thr;
}

static void sawtooth(const double *y, size_t m, double thr, double max_p,
		     struct scratch *sc, struct hd_trend *t)
{
	size_t w = m / 4 > 2 ? m / 4 : 2, nw = m / w, j, i;

	t->floor_rising = t->peaks_rising = 0;
	if (m < 4)
		return;
	for (j = 0; j < nw; j++) {
		size_t end = j + 1 == nw ? m : (j + 1) * w;

		sc->lo[j] = sc->hi[j] = y[j * w];
		for (i = j * w; i < end; i++) {
			if (y[i] < sc->lo[j])
				sc->lo[j] = y[i];
			if (y[i] > sc->hi[j])
				sc->hi[j] = y[i];
		}
	}
	t->floor_rising = windows_rise(sc->lo, nw, thr, max_p, sc);
	t->peaks_rising = windows_rise(sc->hi, nw, thr, max_p, sc);
}

/*
 * The levelled rule: the tail start k, or 0.  k is the smallest start of
 * a tail of at least L points within LEVEL_SHARE of the rise before it;
 * that tail is level unless it has a rising Mann-Kendall trend of its
 * own (a steady leak after a big jump, which the rise would dwarf).
 */
static size_t level_from(const double *y, size_t m, double thr, double max_p,
			 struct scratch *sc)
{
	size_t tail = (m + 3) / 3, i, best = 0;
	double *pmin = sc->lo, smin, smax;
	struct mk k;

	if (m < 3)
		return 0;
	if (tail < 2)
		tail = 2;
	pmin[0] = y[0];
	for (i = 1; i < m; i++)
		pmin[i] = y[i] < pmin[i - 1] ? y[i] : pmin[i - 1];
	smin = smax = y[m - 1];
	for (i = m - 1; i >= 1; i--) {
		double rise;

		if (y[i] < smin)
			smin = y[i];
		if (y[i] > smax)
			smax = y[i];
		if (m - i < tail)
			continue;
		rise = smin - pmin[i - 1];
		if (rise > thr && rise > 0 && smax - smin <= LEVEL_SHARE * rise)
			best = i;
	}
	if (!best)
		return 0;
	mann_kendall(y + best, m - best, sc, &k);
	return k.s > 0 && !isnan(k.p) && k.p <= max_p ? 0 : best;
}

/* Not moving: new, gone or stable from the ends. */
static enum hd_trend_class quiet_class(double first, double last)
{
	if (first == 0 && last != 0)
		return HD_TREND_NEW;
	if (first != 0 && last == 0)
		return HD_TREND_GONE;
	return HD_TREND_STABLE;
}

static int64_t to_i64(double v)
{
	if (!(v > -9.2e18))
		return v < 0 ? INT64_MIN : 0;
	if (v >= 9.2e18)
		return INT64_MAX;
	return (int64_t)llround(v);
}

/*
 * The statistics and class of the analysed series y[0..m) (dense), with
 * hours[] increasing or NULL, noise floor thr.  Leaves flat, cum, rising,
 * min, max and suspect alone.
 */
static int classify(const double *y, size_t m, const double *hours, double hour_step,
		    double thr, const struct hd_trend_opts *o, int bisect, struct scratch *sc,
		    struct hd_trend *t)
{
	double lo = m ? y[0] : 0, hi = lo, first = lo, last = m ? y[m - 1] : 0;
	struct mk k;
	size_t i, from;
	int rc;

	t->mk_s = t->mk_z = t->mk_p = NAN;
	t->sen_per_version = t->sen_per_hour = t->growth = NAN;
	t->floor_rising = t->peaks_rising = 0;
	t->level_from = 0;
	t->level_value = 0;
	t->score = 0;
	for (i = 0; i < m; i++) {
		if (y[i] < lo)
			lo = y[i];
		if (y[i] > hi)
			hi = y[i];
	}
	if (lo == 0 && hi == 0) {
		t->cls = HD_TREND_STABLE;
		return 0;
	}
	if (!(hi - lo > thr)) {
		t->cls = quiet_class(first, last);
		return 0;
	}
	mann_kendall(y, m, sc, &k);
	t->mk_s = k.s;
	t->mk_z = k.z;
	t->mk_p = k.p;
	if ((rc = theil_sen(y, NULL, m, &k, bisect, sc, &t->sen_per_version)))
		return rc;
	if (hour_step > 0)
		t->sen_per_hour = t->sen_per_version / hour_step;
	else if (hours && (rc = theil_sen(y, hours, m, &k, bisect, sc, &t->sen_per_hour)))
		return rc;
	t->growth = t->sen_per_version * (double)(m - 1);
	sawtooth(y, m, thr, o->max_p, sc, t);
	if ((from = level_from(y, m, thr, o->max_p, sc))) {
		t->cls = HD_TREND_LEVELLED;
		t->level_from = from;
		t->level_value = to_i64(y[from]);
	} else if ((trends(&k, m, 1, o->max_p) && t->growth > thr) ||
		   (t->floor_rising && t->peaks_rising)) {
		t->cls = HD_TREND_GROWING;
		t->score = (t->growth > 0 ? t->growth : 0) * (1 - (isnan(k.p) ? 1 : k.p));
	} else if (first == 0 && last != 0) {
		t->cls = HD_TREND_NEW;
	} else if (first != 0 && last == 0) {
		t->cls = HD_TREND_GONE;
	} else if (trends(&k, m, -1, o->max_p) && t->growth < -thr) {
		t->cls = HD_TREND_SHRINKING;
	} else {
		t->cls = HD_TREND_FLUCTUATING;
	}
	return 0;
}

int hd_trend_series(const double *y, size_t n, const double *hours, double thr,
		    const struct hd_trend_opts *o, int bisect, struct hd_trend *t)
{
	struct scratch sc;
	int rc;

	if (scratch_init(&sc, n))
		return HD_ERR_NOMEM;
	rc = classify(y, n, hours, 0, thr, o, bisect, &sc, t);
	scratch_release(&sc);
	return rc;
}

/* ---- the rows ---- */

/* Suspect order: score, then growth, then name, then frame id (a total
 * order); ctx is the model. */
static int cmp_suspect(const void *pa, const void *pb, void *ctx)
{
	const struct hd_row *a = *(const struct hd_row *const *)pa;
	const struct hd_row *b = *(const struct hd_row *const *)pb;
	const struct hd_model *m = ctx;
	int c;

	if (a->trend->score != b->trend->score)
		return a->trend->score > b->trend->score ? -1 : 1;
	if (a->trend->growth != b->trend->growth)
		return a->trend->growth > b->trend->growth ? -1 : 1;
	c = strcmp(hd_model_frame(m, a->frame)->name, hd_model_frame(m, b->frame)->name);
	if (c)
		return c;
	return a->frame < b->frame ? -1 : a->frame > b->frame;
}

/*
 * Every row's entries, row by row and column by column: the first and
 * the last column from their dense arrays, the others from their sparse
 * lists (a transpose in two passes, linear in the entries).
 */
struct series {
	size_t n;
	double *ver, *hours;        /* abscissas; hours NULL: no times */
	struct axis aver, ahours;
	int hours_rise;             /* every time after the one before */
	double hour_step;           /* > 0: every interval is this many hours */
	size_t *off;                /* row i: entries off[i] .. off[i + 1] */
	uint32_t *col;
	int64_t *flat, *cum, *attr; /* attr: hd_report_series() */
	double *y, *yh;             /* one row's analysed series, its hours */
	double *scale;              /* cumulative: per increment, to the mean interval */
	struct scratch sc;
};

static void series_release(struct series *s)
{
	free(s->ver);
	free(s->hours);
	free(s->off);
	free(s->col);
	free(s->flat);
	free(s->cum);
	free(s->attr);
	free(s->y);
	free(s->yh);
	free(s->scale);
	scratch_release(&s->sc);
}

/*
 * The entries of column c, through BODY with fv, cv (flat, cum), ov
 * (own) and ri (the row) for each row.  A column without own values
 * (no culprits) reads flat.
 */
#define FOR_COLUMN(r, c, row_of, BODY) do { \
	const int64_t *df_ = hd_model_flat((r)->model, (c)), *dc_ = hd_model_cum((r)->model, (c)); \
	size_t i_; \
	if (df_) { \
		const int64_t *do_ = hd_model_own((r)->model, (c)); \
		if (!do_) \
			do_ = df_; \
		for (i_ = 0; i_ < (r)->nrows; i_++) { \
			uint32_t f_ = (r)->rows[i_].frame; \
			int64_t fv = df_[f_], cv = dc_[f_], ov = do_[f_]; \
			size_t ri = i_; \
			if (fv || cv || ov) { BODY } \
		} \
	} else { \
		const uint32_t *fr_; const int64_t *sf_, *sc_, *so_; \
		size_t n_ = hd_model_sparse((r)->model, (c), &fr_, &sf_, &sc_); \
		so_ = hd_model_sparse_own((r)->model, (c)); \
		if (!so_) \
			so_ = sf_; \
		for (i_ = 0; i_ < n_; i_++) { \
			uint32_t ri32_ = (row_of)[fr_[i_]]; \
			int64_t fv = sf_[i_], cv = sc_[i_], ov = so_[i_]; \
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
	unsigned char *app = calloc(r->nrows + 1, 1);

	s->off = calloc(r->nrows + 1, sizeof(*s->off));
	if (!row_of || !at || !app || !s->off) {
		free(row_of);
		free(at);
		free(app);
		return HD_ERR_NOMEM;
	}
	for (i = 0; i < nf; i++)
		row_of[i] = UINT32_MAX;
	for (i = 0; i < r->nrows; i++) {
		row_of[r->rows[i].frame] = (uint32_t)i;
		app[i] = hd_model_frame(r->model, r->rows[i].frame)->app != 0;
	}
	for (c = 0; c < r->ncols; c++)
		FOR_COLUMN(r, c, row_of, {
			(void)fv; (void)cv; (void)ov;
			s->off[ri + 1]++;
			total++;
		});
	for (i = 0; i < r->nrows; i++)
		s->off[i + 1] += s->off[i];
	s->col = malloc((total + 1) * sizeof(*s->col));
	s->flat = malloc((total + 1) * sizeof(*s->flat));
	s->cum = malloc((total + 1) * sizeof(*s->cum));
	s->attr = malloc((total + 1) * sizeof(*s->attr));
	if (s->col && s->flat && s->cum && s->attr)
		for (c = 0; c < r->ncols; c++)
			FOR_COLUMN(r, c, row_of, {
				size_t e = s->off[ri] + at[ri]++;
				s->col[e] = (uint32_t)c;
				s->flat[e] = fv;
				s->cum[e] = cv;
				s->attr[e] = app[ri] ? ov : fv;
			});
	free(row_of);
	free(at);
	free(app);
	return s->col && s->flat && s->cum && s->attr ? 0 : HD_ERR_NOMEM;
}

static int series_init(struct series *s, const struct hd_report *r)
{
	size_t n = r->ncols, c;
	int have_times = 1;

	memset(s, 0, sizeof(*s));
	s->n = n;
	s->ver = calloc(n, sizeof(*s->ver));
	s->hours = calloc(n, sizeof(*s->hours));
	s->y = calloc(n + 1, sizeof(*s->y));
	s->yh = calloc(n + 1, sizeof(*s->yh));
	s->scale = calloc(n + 1, sizeof(*s->scale));
	if (!s->ver || !s->hours || !s->y || !s->yh || !s->scale || scratch_init(&s->sc, n))
		return HD_ERR_NOMEM;
	s->hours_rise = 1;
	for (c = 0; c < n; c++) {
		s->ver[c] = (double)c;
		if (r->cols[c].time_nanos == 0)
			have_times = 0;
		/* Hours since the first profile; may be negative under --order given. */
		s->hours[c] = (double)hd_sub_sat(r->cols[c].time_nanos,
						 r->cols[0].time_nanos) / 3.6e12;
		if (c && !(r->cols[c].time_nanos > r->cols[c - 1].time_nanos))
			s->hours_rise = 0;
	}
	axis_init(&s->aver, s->ver, n);
	axis_init(&s->ahours, s->hours, n);
	if (!have_times) {
		free(s->hours);
		s->hours = NULL;
		s->hours_rise = 0;
	}
	/* Equal intervals: the slope per hour is the one per version over
	 * the interval (no second Theil-Sen). */
	if (s->hours_rise) {
		int64_t dt = hd_sub_sat(r->cols[1].time_nanos, r->cols[0].time_nanos);

		s->hour_step = (double)dt / 3.6e12;
		for (c = 2; c < n; c++)
			if (hd_sub_sat(r->cols[c].time_nanos, r->cols[c - 1].time_nanos) != dt)
				s->hour_step = 0;
	}
	for (c = 0; c + 1 < n; c++) {
		s->scale[c] = 1;
		if (s->hours_rise && r->trend_interval > 0)
			s->scale[c] = r->trend_interval * 1e9 /
				(double)hd_sub_sat(r->cols[c + 1].time_nanos,
						   r->cols[c].time_nanos);
	}
	return series_entries(s, r);
}

/*
 * The analysed series of row i into s->y (levels, or the scaled
 * increments when cumulative) and its hours into s->yh; its length.
 */
static size_t analysed(const struct hd_report *r, struct series *s, size_t i)
{
	size_t a = s->off[i], m = s->off[i + 1] - a, n = s->n, k, c;

	memset(s->y, 0, n * sizeof(*s->y));
	for (k = 0; k < m; k++)
		s->y[s->col[a + k]] = (double)s->attr[a + k];
	if (!r->cumulative) {
		if (s->hours)
			memcpy(s->yh, s->hours, n * sizeof(*s->yh));
		return n;
	}
	for (c = 0; c + 1 < n; c++) {
		s->y[c] = (s->y[c + 1] - s->y[c]) * s->scale[c];
		if (s->hours)
			s->yh[c] = (s->hours[c] + s->hours[c + 1]) / 2;
	}
	return n - 1;
}

static int row_trend(const struct hd_report *r, struct series *s, size_t i,
		     struct hd_trend *t)
{
	size_t a = s->off[i], m = s->off[i + 1] - a, n = s->n, k;
	struct sparse sf = {s->col + a, s->flat + a, m, n}, sc = {s->col + a, s->cum + a, m, n};
	const struct axis *hours = s->hours ? &s->ahours : NULL;
	double thr = (double)r->trend_threshold;
	int64_t lo, hi;
	size_t len;

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
	if (!r->cumulative) {
		/* A row that does not move needs no dense series. */
		const int64_t *v = s->attr + a;

		lo = hi = m < n ? 0 : v[0];
		for (k = 0; k < m; k++) {
			if (v[k] < lo)
				lo = v[k];
			if (v[k] > hi)
				hi = v[k];
		}
		if (!((double)hi - (double)lo > thr)) {
			double first = m && sf.col[0] == 0 ? (double)v[0] : 0;
			double last = m && sf.col[m - 1] == n - 1 ? (double)v[m - 1] : 0;

			t->mk_s = t->mk_z = t->mk_p = NAN;
			t->sen_per_version = t->sen_per_hour = t->growth = NAN;
			t->cls = lo == 0 && hi == 0 ? HD_TREND_STABLE : quiet_class(first, last);
			return 0;
		}
	}
	len = analysed(r, s, i);
	return classify(s->y, len, s->hours_rise && !s->hour_step ? s->yh : NULL, s->hour_step,
			thr, &r->trend_opts, 0, &s->sc, t);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * Whether the type is cumulative, the mean interval of its increments,
 * and the noise floor T of the rule above, with the total it is a share
 * of.
 */
static int threshold(struct hd_report *r, const struct hd_trend_opts *o)
{
	size_t n = r->ncols, m, c;
	double *v = malloc((n + 1) * sizeof(*v)), base, p;
	int64_t t = o->min_growth > 0 ? o->min_growth : 0;
	int times = 1;

	if (!v)
		return HD_ERR_NOMEM;
	r->cumulative = r->sample_type && strncmp(r->sample_type, "alloc_", 6) == 0;
	for (c = 0; c < n; c++) {
		if (c && r->cols[c].total < r->cols[c - 1].total)
			r->cumulative = 0;
		if (!r->cols[c].time_nanos ||
		    (c && !(r->cols[c].time_nanos > r->cols[c - 1].time_nanos)))
			times = 0;
	}
	r->trend_interval = 0;
	if (r->cumulative && times && n > 1)
		r->trend_interval = (double)hd_sub_sat(r->cols[n - 1].time_nanos,
						       r->cols[0].time_nanos) / 1e9 /
			(double)(n - 1);
	for (c = 0; c < n; c++)
		v[c] = (double)r->cols[c].total;
	m = n;
	if (r->cumulative) {
		m = n - 1;
		for (c = 0; c < m; c++) {
			v[c] = v[c + 1] - v[c];
			if (r->trend_interval > 0)
				v[c] *= r->trend_interval * 1e9 /
					(double)hd_sub_sat(r->cols[c + 1].time_nanos,
							   r->cols[c].time_nanos);
		}
	}
	for (c = 0; c < m; c++)
		v[c] = fabs(v[c]);
	qsort(v, m, sizeof(*v), cmp_double);
	base = m == 0 ? 0 : m % 2 ? v[m / 2] : v[m / 2 - 1] + (v[m / 2] - v[m / 2 - 1]) / 2;
	free(v);
	r->trend_base = to_i64(base);
	r->trend_threshold = t;
	if (o->min_growth_pct > 0) {
		p = base * o->min_growth_pct / 100.0;
		if (p >= 9.2e18)
			r->trend_threshold = INT64_MAX;
		else if ((int64_t)p > t)
			r->trend_threshold = (int64_t)p;
	}
	r->threshold_from_pct = o->min_growth_pct > 0 && r->trend_threshold > o->min_growth;
	return 0;
}

/* A growing row is a suspect when its frame is the user's code or no
 * frame of the user's code calls it. */
static int suspect_row(const struct hd_report *r, const struct hd_row *row)
{
	return row->culprit == HD_NO_FRAME || hd_model_frame(r->model, row->frame)->app;
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
	memset(&s, 0, sizeof(s));
	tr = hd_arena_calloc(r->arena, r->nrows + 1, sizeof(*tr));
	sus = calloc(r->nrows + 1, sizeof(*sus));
	rc = !tr || !sus ? HD_ERR_NOMEM : threshold(r, &r->trend_opts);
	if (!rc)
		rc = series_init(&s, r);
	for (i = 0; !rc && i < r->nrows; i++) {
		rc = row_trend(r, &s, i, &tr[i]);
		r->rows[i].trend = &tr[i];
		if (tr[i].cls == HD_TREND_GROWING && suspect_row(r, &r->rows[i]))
			sus[nsus++] = &r->rows[i];
	}
	if (!rc)
		rc = hd_sort(sus, nsus, sizeof(*sus), cmp_suspect, r->model);
	for (i = 0; !rc && i < nsus; i++)
		tr[sus[i]->trend - tr].suspect = i + 1;
	/* The ranking's keys, in the row: sorting 450 000 rows must not
	 * chase each row's trend through the cache. */
	for (i = 0; !rc && i < r->nrows; i++) {
		const struct hd_trend *t = &tr[i];
		uint64_t mx = uabs(t->max) > uabs(t->min) ? uabs(t->max) : uabs(t->min);

		r->rows[i].rank_suspect = t->suspect ? (uint32_t)t->suspect : UINT32_MAX;
		r->rows[i].rank_range = (uint64_t)t->max - (uint64_t)t->min;
		r->rows[i].rank_mag = mx;
	}
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
	if (!a->trend || !b->trend)
		return 0;
	/* Suspects first, in suspect order (UINT32_MAX: none); then what
	 * moves most, then what holds most (hd_trend_compute's keys). */
	if (a->rank_suspect != b->rank_suspect)
		return a->rank_suspect < b->rank_suspect ? -1 : 1;
	if (a->rank_range != b->rank_range)
		return a->rank_range > b->rank_range ? -1 : 1;
	if (a->rank_mag != b->rank_mag)
		return a->rank_mag > b->rank_mag ? -1 : 1;
	return 0;
}
