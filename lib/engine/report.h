/*
 * report.h - the report: every fact a renderer prints, computed once by
 * hd_report_finish() and read-only after it (lib/ and the tests only).
 *
 * Rows (one per frame with a value or a change), ranked; totals and
 * their deltas; reference chains; trend statistics and classes; the
 * verdict of --fail-on rules.  Renderers read it and compute nothing of
 * their own.
 */
#ifndef HD_REPORT_H
#define HD_REPORT_H

#include "base/base.h"
#include "engine/model.h"

enum hd_row_status { HD_SAME, HD_GREW, HD_SHRANK, HD_NEW, HD_GONE };
const char *hd_row_status_name(enum hd_row_status s);

/* A chain of callers that carries part of a frame's growth. */
struct hd_chain {
	uint32_t *frames;  /* nearest caller first */
	size_t n;
	int64_t delta;
};

/* Trend statistics of one frame over every column (trend.c). */
enum hd_trend_class {
	HD_TREND_STABLE,
	HD_TREND_GROWING,
	HD_TREND_SHRINKING,
	HD_TREND_FLUCTUATING,
	HD_TREND_NEW,   /* absent in the first profile */
	HD_TREND_GONE,  /* absent in the last profile */
};

/* The least-squares line and shape of one series of values. */
struct hd_trend_fit {
	double slope_per_version;  /* unit per version */
	double slope_per_hour;     /* NAN when the profiles carry no times */
	double r2;                 /* of the per-version fit; NAN when undefined */
	double cv;                 /* coefficient of variation; NAN: mean 0 */
	size_t steps_up, steps_down, steps_level; /* of the n - 1 steps */
};

/* The trend of one row; flat alone decides the class. */
struct hd_trend {
	enum hd_trend_class cls;
	struct hd_trend_fit flat;  /* of flat: the one the class reads */
	struct hd_trend_fit cum;   /* the same of cum, for reading only */
	double rising;             /* share of flat's steps that did not fall */
	int64_t min, max;          /* of flat over the series */
	double score;              /* growing: net flat growth x r2; else 0 */
	size_t suspect;            /* rank among growing frames (1 = worst); 0: none */
};
#define HD_TREND_NCLASSES (HD_TREND_GONE + 1)

struct hd_row;
const char *hd_trend_class_name(enum hd_trend_class c);
/* For hd_report_finish() only: fill row->trend for every row, the
 * thresholds and the noise floor ... */
int hd_trend_compute(struct hd_report *r, struct hd_error *err);
/* ... rank suspects first (0 when the trend keys tie) ... */
int hd_trend_cmp(const struct hd_row *a, const struct hd_row *b);
/* ... and, once the rows are ranked, list the suspects and count the
 * classes. */
int hd_trend_finish(struct hd_report *r, struct hd_error *err);

struct hd_row {
	uint32_t frame;
	const struct hd_trend *trend; /* trend only; NULL otherwise */
	int64_t dflat, dcum;       /* last column minus first */
	double pct_flat, pct_cum;  /* of the frame's own first value; NAN: n/a */
	int64_t sum_flat;          /* flat in column 0 of this row and every row
				    * ranked above it (top's sum%) */
	enum hd_row_status status;
	struct hd_chain *chains;
	size_t nchains;
};

struct hd_column_info {
	const char *path;          /* as given */
	const char *label;         /* column label (base name or NAME=) */
	int64_t time_nanos, duration_nanos;
	int64_t total;             /* selected type, after normalization */
	int64_t abs_total;         /* sum of |value|: pprof's total, the
				    * denominator of every percentage */
	int64_t raw_total;         /* before normalization */
	int have_count;            /* the paired count type exists */
	int64_t count_total, raw_count_total;
};

/*
 * Filled by hd_report_new() and hd_report_add*(), completed by
 * hd_report_finish() (the verdict by hd_report_check() after it), and
 * read-only from then on.  Renderers take a const report, read these
 * fields and decide nothing: a fact that two formats print is computed
 * here, once.  Lists of rows point into rows[], which does not move
 * after the ranking.
 */
struct hd_report {
	enum hd_command command;
	struct hd_report_opts opts;
	struct hd_model *model;
	const char *sample_type, *sample_unit;
	const char *count_type;    /* paired type name, or NULL */
	struct hd_column_info *cols;
	size_t ncols;
	double scale;              /* normalization factor, 1 when none */
	struct hd_row *rows;       /* every frame with a non-zero value or delta, ranked */
	size_t nrows;

	/* Totals, last column against the first. */
	int64_t total_delta;
	double total_pct;          /* NAN when the base total is 0 */
	int have_counts;           /* the first and the last column have the count type */
	int64_t count_delta;       /* 0 unless have_counts */
	double count_pct;          /* of the first count total; NAN when 0 or none */
	int have_elapsed;          /* the first and the last profile both carry a time */
	int64_t elapsed_nanos;     /* last time minus first; 0 unless have_elapsed */

	/*
	 * The rows split as a diff's two tables show them, each in rank order:
	 * growers by delta cum when sorting by cum or delta cum, else by delta
	 * flat (delta cum when flat did not move); shrinkers the mirror;
	 * rows that moved neither way are in neither.  unchanged: nothing to
	 * tabulate ("No change."): no rows, or the total did not move and
	 * neither did the top-ranked row.
	 */
	const struct hd_row **growers, **shrinkers;
	size_t ngrowers, nshrinkers;
	int unchanged;

	/* trend only (zero otherwise; trend.c). */
	struct hd_trend_opts trend_opts; /* the thresholds in effect, defaults filled in */
	int64_t trend_threshold;   /* the noise floor T, in the sample unit */
	int threshold_from_pct;    /* T is min_growth_pct of the first total
				    * (it exceeds min_growth) */
	const struct hd_row **suspects; /* the growing rows by suspect rank,
					 * whatever the sort */
	size_t nsuspects;
	size_t class_count[HD_TREND_NCLASSES]; /* rows of each class */

	struct hd_verdict *verdict; /* NULL when no --fail-on was given */
	struct hd_arena *arena;
};

/* A row's flat and cum in column col (a lookup for the columns between
 * the first and the last, which are sparse). */
static inline int64_t hd_report_flat(const struct hd_report *r,
				     const struct hd_row *row, size_t col)
{
	const int64_t *d = hd_model_flat(r->model, col);
	int64_t f, c;

	if (d)
		return d[row->frame];
	hd_model_value(r->model, col, row->frame, &f, &c);
	return f;
}
static inline int64_t hd_report_cum(const struct hd_report *r,
				    const struct hd_row *row, size_t col)
{
	const int64_t *d = hd_model_cum(r->model, col);
	int64_t f, c;

	if (d)
		return d[row->frame];
	hd_model_value(r->model, col, row->frame, &f, &c);
	return c;
}
/* The change of row's flat (or, with cum set, its cum) from column base
 * to column col, saturating. */
static inline int64_t hd_report_change(const struct hd_report *r,
				       const struct hd_row *row, size_t col,
				       size_t base, int cum)
{
	return cum ? hd_sub_sat(hd_report_cum(r, row, col), hd_report_cum(r, row, base)) :
		hd_sub_sat(hd_report_flat(r, row, col), hd_report_flat(r, row, base));
}

struct hd_rule_result {
	struct hd_rule rule;
	int pass;
	int64_t measured;      /* the largest growth found, in the unit */
	double measured_pct;   /* of the base total; NAN when it is 0 */
	const char *unit;
	uint32_t *frames;      /* frames that crossed (func/cum/new/leak) */
	size_t nframes;
	const char **frame_names;
	int normalized;
};

struct hd_verdict {
	int pass;
	struct hd_rule_result *results;
	size_t n;
};

/*
 * For hd_report_finish() only (chains.c): the reference chains of the
 * top growers, rows[].chains, from the last column against the first.
 */
int hd_chains_build(struct hd_report *r, struct hd_error *err);

#endif
