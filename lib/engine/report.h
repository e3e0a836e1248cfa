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
	size_t steps_up, steps_down; /* of the n - 1 steps; the rest are level */
};

/* The top-level statistics are of flat, which alone decides the class. */
struct hd_trend {
	enum hd_trend_class cls;
	double slope_per_version;  /* least squares, unit per version */
	double slope_per_hour;     /* NAN when the profiles carry no times */
	double r2;                 /* of that fit; NAN when undefined */
	double cv;                 /* coefficient of variation */
	size_t steps_up, steps_down;
	int64_t min, max;          /* of flat over the series */
	double score;              /* growing: net flat growth x r2; else 0 */
	size_t suspect;            /* rank among growing frames (1 = worst); 0: none */
	struct hd_trend_fit cum;   /* the same of cum, for reading only */
};

struct hd_row;
const char *hd_trend_class_name(enum hd_trend_class c);
/* The noise floor in r's unit: max(min_growth, min_growth_pct of col 0). */
int64_t hd_trend_threshold(const struct hd_report *r);
/* For hd_report_finish() only: fill row->trend for every row ... */
int hd_trend_compute(struct hd_report *r, struct hd_error *err);
/* ... and rank suspects first (0 when the trend keys tie). */
int hd_trend_cmp(const struct hd_row *a, const struct hd_row *b);

struct hd_row {
	uint32_t frame;
	const struct hd_trend *trend; /* trend only; NULL otherwise */
	int64_t dflat, dcum;       /* last column minus first */
	double pct_flat, pct_cum;  /* of the frame's own first value; NAN: n/a */
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
	int64_t total_delta;
	double total_pct;          /* NAN when the base total is 0 */
	int64_t count_delta;
	struct hd_verdict *verdict; /* NULL when no --fail-on was given */
	struct hd_arena *arena;
};

/* 1 when a row belongs with the growers, -1 with the shrinkers, 0 with
 * neither: by delta cum when sorting by cum, else by delta flat (delta
 * cum when flat did not move). */
int hd_row_direction(const struct hd_report *r, const struct hd_row *row);

static inline int64_t hd_report_flat(const struct hd_report *r,
				     const struct hd_row *row, size_t col)
{
	return hd_model_flat(r->model, col)[row->frame];
}
static inline int64_t hd_report_cum(const struct hd_report *r,
				    const struct hd_row *row, size_t col)
{
	return hd_model_cum(r->model, col)[row->frame];
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

#endif
