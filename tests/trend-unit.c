/*
 * trend-unit.c - the robust trend statistics of lib/engine/trend.c
 * (issue #15), through hd_trend_series(), the function every row's
 * analysed series goes through:
 *
 *   - Mann-Kendall S, z and p on hand-worked series, with ties (the
 *     variance correction) and without, both signs, two points;
 *   - the Theil-Sen slope: hand-worked, a median among tied pairs, per
 *     hour on uneven times, and the bisection (for long series) equal to
 *     the listed pairs;
 *   - the classes on synthetic series of a 20 MiB heap with the default
 *     noise floor (0.25 % of the total): a steady leak at n = 4, 6, 8,
 *     12 is growing; a slow leak of 1 % of the heap over the series is
 *     growing; a step in the middle is not growing (levelled); a late
 *     step is not growing; a see-saw is fluctuating; a sawtooth whose
 *     floor and peaks rise is growing (by floor and peaks, where
 *     Mann-Kendall alone is not significant); warm-up then level is
 *     levelled at every n, with where and at what; runtime noise is
 *     stable; an all-zero series is stable, never new; two points;
 *     increments of a cumulative type: steady churn is stable, a rising
 *     allocation rate is growing.
 *
 * Usage: trend-unit            the checks above
 *        trend-unit --stats    read lines "THR V1 V2 ..." from stdin and
 *                              print per line "S z p sen class floor peaks
 *                              level_from" (tests/trendstats.py compares
 *                              them with its own Mann-Kendall and Sen)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/report.h"

#include "unitcheck.h"

#define MiB (1024.0 * 1024.0)
#define KiB 1024.0
#define HEAP (20 * MiB)
/* The default floor on a 20 MiB heap: 0.25 % of the median total. */
#define THR (HEAP * 0.0025)

static struct hd_trend_opts opts;

static struct hd_trend stats(const double *y, size_t n, const double *hours, double thr)
{
	struct hd_trend t;

	memset(&t, 0, sizeof(t));
	if (hd_trend_series(y, n, hours, thr, &opts, 0, &t))
		CHECK(0, "hd_trend_series: out of memory");
	return t;
}

static int near(double a, double b, double tol)
{
	return fabs(a - b) <= tol * (fabs(b) > 1 ? fabs(b) : 1);
}

/* Hand-worked: S counts the pairs, the variance n(n-1)(2n+5)/18 less
 * t(t-1)(2t+5)/18 per tie group, z = (S - sign S) / sd, p = erfc(|z|/√2). */
static void test_mann_kendall(void)
{
	static const double up[] = {1, 2, 3, 4};
	static const double tie[] = {1, 2, 2, 3};
	static const double down[] = {5, 3, 3, 3, 1};
	static const double two[] = {0, 1};
	static const double pi[] = {3, 1, 4, 1, 5, 9, 2, 6};
	struct hd_trend t;

	/* Every pair rises: S 6, Var 4*3*13/18 = 8.667, z 5/2.944. */
	t = stats(up, 4, NULL, -1);
	CHECK(t.mk_s == 6 && near(t.mk_z, 5 / sqrt(156.0 / 18), 1e-12) &&
	      near(t.mk_p, 0.08942935902899359, 1e-9),
	      "1 2 3 4: S %g z %g p %g, want 6 1.6984 0.08943", t.mk_s, t.mk_z, t.mk_p);
	CHECK(near(t.sen_per_version, 1, 1e-12), "1 2 3 4: Sen %g, want 1", t.sen_per_version);
	/* One tie: S 5; Var (156 - 2*1*9)/18 = 7.667; z 4/2.769. */
	t = stats(tie, 4, NULL, -1);
	CHECK(t.mk_s == 5 && near(t.mk_z, 4 / sqrt(138.0 / 18), 1e-12) &&
	      near(t.mk_p, 0.1485617748918687, 1e-9),
	      "1 2 2 3: S %g z %g p %g, want 5 1.4446 0.1486", t.mk_s, t.mk_z, t.mk_p);
	/* Slopes 0, .5, .5, 2/3, 1, 1: the median is (.5 + 2/3)/2. */
	CHECK(near(t.sen_per_version, (0.5 + 2.0 / 3) / 2, 1e-12), "1 2 2 3: Sen %g, want 0.5833",
	      t.sen_per_version);
	/* Falling with three tied: S -7; Var (300 - 3*2*11)/18 = 13; z -6/√13. */
	t = stats(down, 5, NULL, -1);
	CHECK(t.mk_s == -7 && near(t.mk_z, -6 / sqrt(13.0), 1e-12) &&
	      near(t.mk_p, 0.0960923294556733, 1e-9),
	      "5 3 3 3 1: S %g z %g p %g, want -7 -1.6641 0.0961", t.mk_s, t.mk_z, t.mk_p);
	CHECK(near(t.sen_per_version, -5.0 / 6, 1e-12), "5 3 3 3 1: Sen %g, want -0.8333",
	      t.sen_per_version);
	/* Two points: S 1, Var 1, z 0 (the continuity correction), p 1. */
	t = stats(two, 2, NULL, -1);
	CHECK(t.mk_s == 1 && t.mk_z == 0 && t.mk_p == 1, "0 1: S %g z %g p %g, want 1 0 1",
	      t.mk_s, t.mk_z, t.mk_p);
	/* Digits of pi: S 11, two 1s tied: Var (8*7*21 - 18)/18 = 64.33. */
	t = stats(pi, 8, NULL, -1);
	CHECK(t.mk_s == 11 && near(t.mk_z, 10 / sqrt(1158.0 / 18), 1e-12) &&
	      near(t.mk_p, 0.21248644570250086, 1e-9) &&
	      near(t.sen_per_version, 0.4642857142857143, 1e-12),
	      "3 1 4 1 5 9 2 6: S %g z %g p %g Sen %g, want 11 1.2468 0.2125 0.4643",
	      t.mk_s, t.mk_z, t.mk_p, t.sen_per_version);
}

static void test_sen(void)
{
	static const double step[] = {0, 0, 0, 10, 10, 10};
	static const double late[] = {0, 0, 0, 0, 0, 0, 0, 0, 7, 7};
	static const double hours[] = {0, 1, 3, 7};
	static const double lin[] = {1, 3, 7, 15}; /* 2 per hour */
	double y[300], x[300], seed = 1;
	struct hd_trend a, b;
	size_t i, n;

	/* Six slopes 0, then 10/5, 10/4, 10/4, ...: the 8th of 15 is 2.5. */
	a = stats(step, 6, NULL, -1);
	CHECK(a.sen_per_version == 2.5, "0 0 0 10 10 10: Sen %g, want 2.5", a.sen_per_version);
	/* 29 of 45 pairs tie: the median is 0 without listing a pair. */
	a = stats(late, 10, NULL, -1);
	CHECK(a.sen_per_version == 0 && a.growth == 0, "late step: Sen %g, want 0",
	      a.sen_per_version);
	a = stats(lin, 4, hours, -1);
	CHECK(near(a.sen_per_hour, 2, 1e-12), "uneven times: Sen %g per hour, want 2",
	      a.sen_per_hour);
	/* Bisection against the listed pairs, by version and by hour. */
	for (n = 2; n <= 300; n += 37) {
		for (i = 0; i < n; i++) {
			seed = fmod(seed * 16807, 2147483647);
			y[i] = fmod(seed, 1000) - 300 + (double)i * 3;
			if (i % 5 == 0)
				y[i] = 0; /* ties */
			x[i] = (double)i * 0.5 + (i % 3) * 0.1;
		}
		memset(&b, 0, sizeof(b));
		a = stats(y, n, x, -1);
		CHECK(hd_trend_series(y, n, x, -1, &opts, 1, &b) == 0, "bisect: out of memory");
		CHECK(near(a.sen_per_version, b.sen_per_version, 1e-9) &&
		      near(a.sen_per_hour, b.sen_per_hour, 1e-9),
		      "n %zu: listed Sen %.12g / %.12g, bisected %.12g / %.12g", n,
		      a.sen_per_version, a.sen_per_hour, b.sen_per_version, b.sen_per_hour);
	}
}

/* ---- classes on synthetic series ---- */

static const size_t sizes[] = {4, 6, 8, 12};

/* A few KiB of jitter, the same for every run. */
static double jitter(size_t i)
{
	return (double)((i * 7) % 5) * KiB - 2 * KiB;
}

static void want_class_thr(const char *what, size_t n, const double *y, double thr,
			   enum hd_trend_class cls, struct hd_trend *out)
{
	struct hd_trend t = stats(y, n, NULL, thr);
	char buf[400];
	size_t i, k = 0;

	for (i = 0; i < n && k < sizeof(buf) - 20; i++)
		k += (size_t)snprintf(buf + k, sizeof(buf) - k, " %.0f", y[i] / KiB);
	CHECK(t.cls == cls,
	      "%s, n %zu: %s, want %s (KiB:%s; S %g p %g growth %g floor %d peaks %d)", what,
	      n, hd_trend_class_name(t.cls), hd_trend_class_name(cls), buf, t.mk_s, t.mk_p,
	      t.growth, t.floor_rising, t.peaks_rising);
	if (out)
		*out = t;
}

static void want_class(const char *what, size_t n, const double *y, enum hd_trend_class cls,
		       struct hd_trend *out)
{
	want_class_thr(what, n, y, THR, cls, out);
}

static void test_classes(void)
{
	double y[64];
	struct hd_trend t;
	size_t s, i, n;

	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		n = sizes[s];
		for (i = 0; i < n; i++)
			y[i] = 1 * MiB + (double)i * 512 * KiB;
		want_class("steady leak", n, y, HD_TREND_GROWING, NULL);
		/* 1 % of the heap over the series, in a few KiB of jitter. */
		for (i = 0; i < n; i++)
			y[i] = 2 * MiB + (double)i * 0.01 * HEAP / (double)(n - 1) + jitter(i) / 4;
		want_class("slow leak", n, y, HD_TREND_GROWING, NULL);
		for (i = 0; i < n; i++)
			y[i] = i < n / 2 ? 1 * MiB : 3 * MiB;
		want_class("step in the middle", n, y, HD_TREND_LEVELLED, NULL);
		for (i = 0; i < n; i++)
			y[i] = i % 2 ? 3 * MiB : 1 * MiB;
		want_class("see-saw", n, y, HD_TREND_FLUCTUATING, NULL);
		for (i = 0; i < n; i++)
			y[i] = HEAP / 2 + jitter(i);
		want_class("runtime noise", n, y, HD_TREND_STABLE, NULL);
		/* Warm-up: grows over the first half or less, then level. */
		for (i = 0; i < n; i++)
			y[i] = i < n / 2 ? 1 * MiB + (double)i * 5 * MiB / (double)(n / 2) :
				6 * MiB;
		want_class("warm-up then level", n, y, HD_TREND_LEVELLED, &t);
		CHECK(t.level_from >= 1 && t.level_from <= n / 2 && t.level_value > 4.5 * MiB,
		      "warm-up, n %zu: level from %zu at %lld", n, t.level_from,
		      (long long)t.level_value);
		for (i = 0; i < n; i++)
			y[i] = i < n / 2 ? 1 * MiB + (double)i * 5 * MiB / (double)(n / 2) :
				6 * MiB + jitter(i) * 8;
		want_class("warm-up, level within 16 KiB", n, y, HD_TREND_LEVELLED, NULL);
	}
	/* A late step (the last two of ten): Mann-Kendall is significant, but
	 * most pairs tie, so the Theil-Sen growth is 0. */
	for (i = 0; i < 10; i++)
		y[i] = i < 8 ? 1 * MiB : 4 * MiB;
	want_class("late step", 10, y, HD_TREND_FLUCTUATING, NULL);
	/* A sawtooth whose floor and peaks both climb, too ragged for
	 * Mann-Kendall over the whole series. */
	{
		static const double saw[] = {1, 8, 1.5, 8.5, 2, 9, 2.5, 9.5};

		for (i = 0; i < 8; i++)
			y[i] = saw[i] * MiB;
		want_class("sawtooth, rising floor and peaks", 8, y, HD_TREND_GROWING, &t);
		CHECK(t.floor_rising && t.peaks_rising && !(t.mk_p <= 0.05),
		      "sawtooth: floor %d peaks %d p %g", t.floor_rising, t.peaks_rising, t.mk_p);
	}
	/* Period 3 over 12 snapshots, as GC cycles would cut it. */
	for (i = 0; i < 12; i++)
		y[i] = (2 + (double)(i / 3) * 0.5 + (double)(i % 3) * 3) * MiB;
	want_class("sawtooth, period 3", 12, y, HD_TREND_GROWING, NULL);
	/* Rising peaks over a floor that does not rise: a see-saw still. */
	for (i = 0; i < 8; i++)
		y[i] = i % 2 ? (4 + (double)i * 0.25) * MiB : 1 * MiB;
	want_class("peaks only", 8, y, HD_TREND_FLUCTUATING, &t);
	CHECK(t.peaks_rising && !t.floor_rising, "peaks only: floor %d peaks %d",
	      t.floor_rising, t.peaks_rising);
	/* A late step, even when any p passes: the windows' lows and highs
	 * step too, and a step is no rise of the floor. */
	{
		struct hd_trend_opts loose = opts;
		struct hd_trend u;

		loose.max_p = 0.5;
		for (i = 0; i < 10; i++)
			y[i] = i < 8 ? 0 : 80 * MiB;
		memset(&u, 0, sizeof(u));
		CHECK(hd_trend_series(y, 10, NULL, THR, &loose, 0, &u) == 0 &&
		      u.cls == HD_TREND_NEW && !u.floor_rising && !u.peaks_rising,
		      "late step, max_p 0.5: %s, floor %d peaks %d, want new",
		      hd_trend_class_name(u.cls), u.floor_rising, u.peaks_rising);
	}
	/* Nothing of its own, ever: stable, never new. */
	memset(y, 0, sizeof(y));
	want_class("all zero", 6, y, HD_TREND_STABLE, NULL);
	y[5] = 10 * KiB;
	want_class("appears small in the last", 6, y, HD_TREND_NEW, NULL);
	/* Two profiles: grew by more than T. */
	y[0] = 1 * MiB;
	y[1] = 2 * MiB;
	want_class("two profiles, grew", 2, y, HD_TREND_GROWING, NULL);
	y[1] = 1 * MiB + THR / 2;
	want_class("two profiles, grew less than T", 2, y, HD_TREND_STABLE, NULL);
	/* A leak that starts halfway. */
	for (i = 0; i < 12; i++)
		y[i] = 3 * MiB + (i < 6 ? 0 : (double)(i - 5) * 256 * KiB);
	want_class("leak from halfway", 12, y, HD_TREND_GROWING, NULL);
	/* A big warm-up jump then a steady leak is not level. */
	for (i = 0; i < 12; i++)
		y[i] = i == 0 ? 0 : 10 * MiB + (double)i * 512 * KiB;
	want_class("jump, then a steady leak", 12, y, HD_TREND_GROWING, NULL);
	/* Shrinking: the mirror. */
	for (i = 0; i < 8; i++)
		y[i] = 8 * MiB - (double)i * 512 * KiB;
	want_class("steady fall", 8, y, HD_TREND_SHRINKING, NULL);

	/* Increments of alloc_space (what a cumulative type is analysed on):
	 * steady churn of 40 MiB per interval, and a rate that rises; the
	 * floor is 0.25 % of the median increment of the total. */
	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		n = sizes[s] - 1;
		for (i = 0; i < n; i++)
			y[i] = 40 * MiB;
		want_class_thr("alloc increments, steady churn", n, y, 40 * MiB * 0.0025,
			       HD_TREND_STABLE, NULL);
		for (i = 0; i < n; i++)
			y[i] = 40 * MiB + jitter(i) * 16;
		want_class_thr("alloc increments, churn within 64 KiB", n, y, 40 * MiB * 0.0025,
			       HD_TREND_STABLE, NULL);
		for (i = 0; i < n; i++)
			y[i] = 40 * MiB + (double)i * 4 * MiB;
		want_class_thr("alloc increments, rising rate", n, y, 40 * MiB * 0.0025,
			       HD_TREND_GROWING, NULL);
	}
}

/* --stats: one series per line, "THR V1 V2 ...". */
static int stats_mode(void)
{
	char line[65536];
	double y[4096];

	while (fgets(line, sizeof(line), stdin)) {
		char *p = line, *end;
		double thr = strtod(p, &end);
		size_t n = 0;
		struct hd_trend t;

		if (end == p)
			continue;
		for (p = end; n < 4096; p = end) {
			y[n] = strtod(p, &end);
			if (end == p)
				break;
			n++;
		}
		memset(&t, 0, sizeof(t));
		if (hd_trend_series(y, n, NULL, thr, &opts, 0, &t))
			return 2;
		printf("%.17g %.17g %.17g %.17g %s %d %d %zu\n", t.mk_s, t.mk_z, t.mk_p,
		       t.sen_per_version, hd_trend_class_name(t.cls), t.floor_rising,
		       t.peaks_rising, t.level_from);
	}
	return ferror(stdout) || fflush(stdout) ? 2 : 0;
}

int main(int argc, char **argv)
{
	hd_trend_opts_init(&opts);
	if (argc > 1 && strcmp(argv[1], "--stats") == 0)
		return stats_mode();
	test_mann_kendall();
	test_sen();
	test_classes();
	printf("trend-unit: %d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
