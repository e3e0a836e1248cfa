/*
 * culprit.c - where in the user's code, and leak or churn: each row's
 * culprit and its retention label.  hd_report_finish() calls
 * hd_culprits_build() once the rows exist, before the trend reads them.
 *
 * Owns only scratch memory; writes rows[].culprit, culprit_share, dattr
 * and ret.
 *
 * Culprit.  A frame of the user's own code (app.c) is its own culprit: its
 * attributed value (hd_report_series) already holds what was allocated
 * beneath it in the runtime's or a library's frames.  Any other row's
 * culprit is the frame of the user's code that carries most of its
 * change of flat: over each distinct stack whose value changed from the
 * first column to the last and whose leaf is the row's frame, the
 * stack's nearest frame of the user's code from the leaf, the change
 * summed per (row, culprit) in a hash table; the one with the largest
 * change the row's way wins, and HD_NO_FRAME when the stacks without any
 * frame of the user's code carry more.  Linear in the distinct stacks.
 *
 * Retention, when the profiles carry the paired type (report.h): over
 * the same interval, the row's change in use I and what it allocated A
 * (alloc_* only accumulates, so A is last minus first), both of its
 * attributed value.  With kept = I / A:
 *   none      A <= 0, or A is at most 0.5% of the heap in use (the
 *             larger of the first and the last total): nothing to speak
 *             of, whatever the process churns elsewhere
 *   retained  kept >= 0.2: it holds a fifth or more of what it allocates
 *   churn     kept < 0.02: it allocates and keeps next to nothing
 *   partly    in between
 * A leak holds what it allocates beside its transient garbage; churn
 * frees all of it.  Meaningful for snapshots of one process (the pair is
 * then what was allocated between them).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/report.h"

#define RET_FLOOR_PCT 0.5

static int is_alloc_type(const char *t)
{
	return strncmp(t, "alloc_", 6) == 0;
}

/* The larger of the first and the last in-use totals: of the selected
 * type, or of the pair when alloc_* is selected. */
static int64_t inuse_total(const struct hd_report *r)
{
	size_t last = r->ncols - 1, f, nf = hd_model_frame_count(r->model);
	int64_t s0 = r->cols[0].total, sl = r->cols[last].total;

	if (is_alloc_type(r->sample_type)) {
		const int64_t *p0 = hd_model_pair_flat(r->model, 0);
		const int64_t *pl = hd_model_pair_flat(r->model, last);

		for (f = 0, s0 = sl = 0; f < nf; f++) {
			s0 = hd_add_sat(s0, p0[f]);
			sl = hd_add_sat(sl, pl[f]);
		}
	}
	return s0 > sl ? s0 : sl;
}

int64_t hd_retention_floor(const struct hd_report *r)
{
	double t = fabs((double)inuse_total(r)) * RET_FLOOR_PCT / 100.0;

	return t < 9.2e18 ? (int64_t)t : INT64_MAX;
}
#define RET_RETAINED 0.2
#define RET_CHURN 0.02

struct blame {
	const struct hd_model *m;
	const uint32_t *row_of;  /* frame -> row, UINT32_MAX: not a row */
	struct hd_map map;       /* (row + 1, culprit + 1) -> entry */
	uint32_t *erow, *ecul;
	int64_t *edelta;
	size_t n, cap;
};

static int blame_add(struct blame *b, uint32_t row, uint32_t cul, int64_t d)
{
	/* Never 0, the map's empty key: the row is stored plus one. */
	uint64_t key = ((uint64_t)row + 1) << 32 | (uint32_t)(cul + 1);
	uint32_t e;

	if (hd_map_get(&b->map, key, &e)) {
		b->edelta[e] = hd_add_sat(b->edelta[e], d);
		return 0;
	}
	if (b->n >= UINT32_MAX - 1 || (b->n == b->cap && (
	    !(b->erow = realloc(b->erow, (b->cap = b->cap ? b->cap * 2 : 256) * sizeof(*b->erow))) ||
	    !(b->ecul = realloc(b->ecul, b->cap * sizeof(*b->ecul))) ||
	    !(b->edelta = realloc(b->edelta, b->cap * sizeof(*b->edelta))))))
		return HD_ERR_NOMEM;
	b->erow[b->n] = row;
	b->ecul[b->n] = cul;
	b->edelta[b->n] = d;
	if (hd_map_put(&b->map, key, (uint32_t)b->n))
		return HD_ERR_NOMEM;
	b->n++;
	return 0;
}

/* hd_model_stack_deltas() callback: one changed stack, root first. */
static int blame_stack(void *ctx, const uint32_t *frames, uint32_t n, int64_t delta)
{
	struct blame *b = ctx;
	uint32_t leaf = frames[n - 1], q, row = b->row_of[leaf];

	if (row == UINT32_MAX || hd_model_frame(b->m, leaf)->app)
		return 0;
	for (q = n - 1; q-- > 0;)
		if (hd_model_frame(b->m, frames[q])->app)
			return blame_add(b, row, frames[q], delta);
	return blame_add(b, row, HD_NO_FRAME, delta);
}

/* Each non-app row's culprit: the entry with most change its way. */
static void blame_pick(struct hd_report *r, const struct blame *b)
{
	int64_t *best = malloc((r->nrows + 1) * sizeof(*best));
	size_t e;

	if (!best)
		return;
	for (e = 0; e < r->nrows; e++)
		best[e] = 0;
	for (e = 0; e < b->n; e++) {
		struct hd_row *row = &r->rows[b->erow[e]];
		int64_t d = row->dflat < 0 ? hd_sub_sat(0, b->edelta[e]) : b->edelta[e];

		if (d > best[b->erow[e]]) {
			best[b->erow[e]] = d;
			row->culprit = b->ecul[e];
			row->culprit_share = row->dflat ? (double)b->edelta[e] / (double)row->dflat : NAN;
		}
	}
	free(best);
}

static int blame_rows(struct hd_report *r)
{
	size_t nf = hd_model_frame_count(r->model), i;
	uint32_t *row_of = malloc((nf + 1) * sizeof(*row_of));
	struct blame b;
	int rc;

	memset(&b, 0, sizeof(b));
	b.m = r->model;
	b.row_of = row_of;
	if (!row_of || hd_map_init(&b.map, 1024)) {
		free(row_of);
		return HD_ERR_NOMEM;
	}
	for (i = 0; i < nf; i++)
		row_of[i] = UINT32_MAX;
	for (i = 0; i < r->nrows; i++)
		row_of[r->rows[i].frame] = (uint32_t)i;
	rc = hd_model_stack_deltas(r->model, 0, r->ncols - 1, blame_stack, &b);
	if (!rc)
		blame_pick(r, &b);
	hd_map_release(&b.map);
	free(row_of);
	free(b.erow);
	free(b.ecul);
	free(b.edelta);
	return rc ? HD_ERR_NOMEM : 0;
}

/* Row's attributed value of the paired type in dense column col. */
static int64_t pair_value(const struct hd_report *r, const struct hd_row *row, size_t col)
{
	const int64_t *v = hd_model_frame(r->model, row->frame)->app ?
		hd_model_pair_own(r->model, col) : hd_model_pair_flat(r->model, col);

	return v[row->frame];
}


static void retention(struct hd_report *r)
{
	size_t i, last = r->ncols - 1;
	int sel_alloc = is_alloc_type(r->sample_type);
	int64_t floor = hd_retention_floor(r);

	for (i = 0; i < r->nrows; i++) {
		struct hd_row *row = &r->rows[i];
		struct hd_retention *t = &row->ret;
		int64_t dp = hd_sub_sat(pair_value(r, row, last), pair_value(r, row, 0));

		t->inuse_delta = sel_alloc ? dp : row->dattr;
		t->alloc_delta = sel_alloc ? row->dattr : dp;
		t->kept = t->alloc_delta > 0 ? (double)t->inuse_delta / (double)t->alloc_delta : NAN;
		if (t->alloc_delta <= 0 || t->alloc_delta <= floor)
			t->label = HD_RET_NONE;
		else if (t->kept >= RET_RETAINED)
			t->label = HD_RET_RETAINED;
		else if (t->kept < RET_CHURN)
			t->label = HD_RET_CHURN;
		else
			t->label = HD_RET_PARTLY;
	}
}

int hd_culprits_build(struct hd_report *r, struct hd_error *err)
{
	size_t i, last = r->ncols - 1;
	int all = strcmp(r->app_rule ? r->app_rule : "all", "all") == 0;

	for (i = 0; i < r->nrows; i++) {
		struct hd_row *row = &r->rows[i];
		int app = hd_model_frame(r->model, row->frame)->app;

		row->dattr = hd_sub_sat(hd_report_series(r, row, last), hd_report_series(r, row, 0));
		row->culprit = app ? row->frame : HD_NO_FRAME;
		row->culprit_share = app ? 1.0 : NAN;
	}
	for (i = 0; !all && i < r->nrows; i++)
		if (r->rows[i].dflat && r->rows[i].culprit == HD_NO_FRAME)
			break;
	/* Only a row outside the user's code whose flat moved needs blame. */
	if (!all && i < r->nrows && r->ncols > 1 && blame_rows(r))
		return hd_fail(err, HD_ERR_NOMEM, "out of memory");
	if (r->pair_type) {
		const int64_t *p0 = hd_model_pair_flat(r->model, 0);
		const int64_t *pl = hd_model_pair_flat(r->model, last);
		size_t f, nf = hd_model_frame_count(r->model);
		int64_t s0 = 0, sl = 0;

		for (f = 0; f < nf; f++) {
			s0 = hd_add_sat(s0, p0[f]);
			sl = hd_add_sat(sl, pl[f]);
		}
		r->pair_total_delta = hd_sub_sat(sl, s0);
		retention(r);
	}
	return 0;
}
