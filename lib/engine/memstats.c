/*
 * memstats.c - runtime.MemStats beside the sampled profile: the exact
 * counters that Go's text heap profile (/debug/pprof/heap?debug=1) ends
 * with, first against last, over the interval, per column for a trend,
 * and one cross-check of what they and the profile say together.  Knows
 * nothing of output formats: render/memstats.c words what is here.
 *
 * Owns, in the report's arena: each column's copy of its profile's
 * struct hd_memstats (the profile is freed after hd_report_add), and the
 * struct hd_ms_report that r->memstats points to.  hd_report_finish()
 * calls hd_memstats_finish() for diff and trend once the totals exist;
 * it fills nothing unless every profile carried MemStats.  Values past
 * INT64_MAX (Go prints uint64) read as INT64_MAX; deltas saturate.
 *
 * The rows: HeapAlloc, HeapInuse, HeapIdle, HeapReleased, HeapSys, Sys,
 * LiveObjects (Mallocs - Frees), HeapObjects, StackInuse, GCSys, NextGC
 * and MaxRSS (when a profile has it): first, last, delta, delta % of the
 * first, the series.  The interval: NumGC, NumForcedGC, Mallocs, Frees
 * and TotalAlloc, last minus first, and the GC pause over it.  Go's text
 * has no PauseTotalNs; it prints PauseNs, the ring of the last 256
 * pauses, the pause of collection k (from 1) at (k - 1) % 256.  The
 * pauses of the collections between the first profile and the last
 * (NumGC first + 1 .. NumGC last) are all in the last profile's ring
 * when there are at most 256 of them, and their sum is then exact;
 * past 256, or without the ring, there is no pause (have_pause 0).
 *
 * A row's class in a trend (not trend.c's rule, which is made for the
 * functions of a profile; this one is for a dozen exact figures), with
 * T = 1% of the largest |value| of the series and net = last - first:
 *   growing      net > T, and more than half of the steps not falling
 *   shrinking    net < -T, and more than half of the steps not rising
 *   fluctuating  max - min > T
 *   stable       else
 *
 * The cross-check.  F, the noise floor, is max(1 MiB, 1% of the first
 * profile's Sys).  Growth is last minus first of: heap = HeapInuse;
 * outside = Sys - HeapSys (its parts StackSys, GCSys, and MSpanSys +
 * MCacheSys + BuckHashSys + OtherSys); native = how much more MaxRSS
 * exceeds Sys in the last profile than in the first (MaxRSS is the
 * process's peak resident memory, Sys all the runtime ever mapped, so
 * past it is memory the Go runtime did not allocate: cgo, native
 * libraries), 0 without MaxRSS or when it does not; idle = HeapIdle -
 * HeapReleased; profile = the profile's in-use
 * space total (its own, whatever type the report shows, unfiltered).
 * The first rule that holds is the kind:
 *   restart     Mallocs, Frees, TotalAlloc or NumGC fell from one profile
 *               to the next: these are not one process
 *   heap        heap > F, heap >= outside + native, and profile >= heap/2:
 *               a Go heap leak the profile sees (its table shows where)
 *   garbage     the same but profile < heap/2, and HeapAlloc grew by at
 *               least heap/2: objects the profile, as of the last GC,
 *               does not count yet; fetch with ?gc=1
 *   fragmented  the same but HeapAlloc grew by less than heap/2: spans
 *               held for fewer live objects (HeapInuse - HeapAlloc)
 *   outside     outside + native > F and > heap: growth outside what the
 *               heap profile samples (stacks, GC metadata, the runtime's
 *               own, memory outside Go); the profile cannot show where
 *   idle        idle > F and heap <= F: heap idle but not yet returned to
 *               the OS, which Go does lazily; not a leak
 *   garbage     in some profile HeapAlloc exceeds the profile's in-use by
 *               more than max(F, a quarter of it): garbage not collected
 *               yet, so the comparison is weak; fetch with ?gc=1
 *   noise       nothing beyond the noise
 * Profiles without an in-use space type (none that carry MemStats today)
 * skip the comparisons with the profile: heap growth is "heap".
 * man/heapdiff.1 (MEMSTATS) says the same for users.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/report.h"
#include "input/input.h"

#define FLOOR_MIN ((int64_t)1 << 20)
#define FLOOR_PCT 1.0
#define CLASS_PCT 1.0

#define LIVE SIZE_MAX  /* the field computed from two */
#define OFF(f) offsetof(struct hd_memstats, f)

enum { U_BYTES, U_COUNT, U_NS };
static const char *const unit_names[] = {"bytes", "count", "nanoseconds"};

static const struct ms_field {
	const char *name;
	size_t off;
	unsigned char unit;
} fields[] = {
	{"Alloc", OFF(alloc), U_BYTES}, {"TotalAlloc", OFF(total_alloc), U_BYTES},
	{"Sys", OFF(sys), U_BYTES}, {"Lookups", OFF(lookups), U_COUNT},
	{"Mallocs", OFF(mallocs), U_COUNT}, {"Frees", OFF(frees), U_COUNT},
	{"HeapAlloc", OFF(heap_alloc), U_BYTES}, {"HeapSys", OFF(heap_sys), U_BYTES},
	{"HeapIdle", OFF(heap_idle), U_BYTES}, {"HeapInuse", OFF(heap_inuse), U_BYTES},
	{"HeapReleased", OFF(heap_released), U_BYTES},
	{"HeapObjects", OFF(heap_objects), U_COUNT},
	{"StackInuse", OFF(stack_inuse), U_BYTES}, {"StackSys", OFF(stack_sys), U_BYTES},
	{"MSpanInuse", OFF(mspan_inuse), U_BYTES}, {"MSpanSys", OFF(mspan_sys), U_BYTES},
	{"MCacheInuse", OFF(mcache_inuse), U_BYTES}, {"MCacheSys", OFF(mcache_sys), U_BYTES},
	{"BuckHashSys", OFF(buck_hash_sys), U_BYTES}, {"GCSys", OFF(gc_sys), U_BYTES},
	{"OtherSys", OFF(other_sys), U_BYTES}, {"NextGC", OFF(next_gc), U_BYTES},
	{"LastGC", OFF(last_gc), U_NS}, {"NumGC", OFF(num_gc), U_COUNT},
	{"NumForcedGC", OFF(num_forced_gc), U_COUNT}, {"MaxRSS", OFF(max_rss), U_BYTES},
	{"LiveObjects", LIVE, U_COUNT},
};
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

int hd_memstats_field(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < NFIELDS; i++)
		if (strlen(fields[i].name) == len && memcmp(fields[i].name, name, len) == 0)
			return (int)i;
	return -1;
}

const char *hd_memstats_field_name(int field)
{
	return field >= 0 && (size_t)field < NFIELDS ? fields[field].name : "?";
}

const char *hd_memstats_field_unit(int field)
{
	return field >= 0 && (size_t)field < NFIELDS ? unit_names[fields[field].unit] : "count";
}

void hd_memstats_field_list(char *buf, size_t n)
{
	size_t i, len = 0;

	if (n)
		buf[0] = '\0';
	for (i = 0; i < NFIELDS && len < n; i++) {
		int w = snprintf(buf + len, n - len, "%s%s", i ? ", " : "", fields[i].name);

		if (w < 0)
			break;
		len += (size_t)w;
	}
}

static int64_t clamp(uint64_t v)
{
	return v > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)v;
}

static int64_t raw(const struct hd_memstats *m, size_t off)
{
	uint64_t v;

	memcpy(&v, (const char *)m + off, sizeof(v));
	return clamp(v);
}

int64_t hd_memstats_value(const struct hd_memstats *m, int field)
{
	if (field < 0 || (size_t)field >= NFIELDS)
		return 0;
	if (fields[field].off == LIVE)
		return hd_sub_sat(clamp(m->mallocs), clamp(m->frees));
	return raw(m, fields[field].off);
}

const char *hd_ms_kind_name(enum hd_ms_kind k)
{
	switch (k) {
	case HD_MS_NOISE: return "noise";
	case HD_MS_HEAP: return "heap";
	case HD_MS_OUTSIDE: return "outside";
	case HD_MS_IDLE: return "idle";
	case HD_MS_GARBAGE: return "garbage";
	case HD_MS_FRAGMENTED: return "fragmented";
	case HD_MS_RESTART: return "restart";
	}
	return "?";
}

/* ---- at add ---- */

/* The profile's in-use space type, as Go's text profile names it with
 * and without the alloc types ("inuse_space", "space"). */
static int inuse_type(const struct hd_profile *p, size_t *idx)
{
	size_t i, n = hd_profile_sample_type_count(p);
	const char *u, *t;

	for (i = 0; i < n; i++) {
		t = hd_profile_sample_type(p, i, &u);
		if ((strcmp(t, "inuse_space") == 0 || strcmp(t, "space") == 0) &&
		    strcmp(u, "bytes") == 0) {
			*idx = i;
			return 1;
		}
	}
	return 0;
}

int hd_memstats_add(struct hd_report *r, struct hd_column_info *ci,
		    const struct hd_profile *p, struct hd_error *err)
{
	const struct hd_memstats *src = p->memstats;
	struct hd_memstats *m;
	uint64_t *ring = NULL;
	size_t idx;

	if (!src)
		return 0;
	m = hd_arena_alloc(r->arena, sizeof(*m));
	if (m && src->npause)
		ring = hd_arena_alloc(r->arena, src->npause * sizeof(*ring));
	if (!m || (src->npause && !ring))
		return hd_fail(err, HD_ERR_NOMEM, "out of memory");
	*m = *src;
	m->gc_cpu_fraction = NULL; /* the profile's string; not read here */
	if (ring)
		memcpy(ring, src->pause_ns, src->npause * sizeof(*ring));
	m->pause_ns = ring;
	ci->memstats = m;
	ci->have_inuse = inuse_type(p, &idx);
	if (ci->have_inuse)
		ci->inuse_total = hd_profile_total(p, idx);
	return 0;
}

/* ---- at finish ---- */

/* The rows' fields, in the order of the section. */
static const char *const row_fields[HD_MS_ROWS] = {
	"HeapAlloc", "HeapInuse", "HeapIdle", "HeapReleased", "HeapSys", "Sys",
	"LiveObjects", "HeapObjects", "StackInuse", "GCSys", "NextGC", "MaxRSS",
};

static int64_t val(const struct hd_report *r, size_t col, const char *name)
{
	return hd_memstats_value(r->cols[col].memstats, hd_memstats_field(name, strlen(name)));
}

static int64_t delta(const struct hd_report *r, const char *name)
{
	return hd_sub_sat(val(r, r->ncols - 1, name), val(r, 0, name));
}

static uint64_t uabs(int64_t v)
{
	return v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
}

/* The class of a series, by the rule above. */
static enum hd_trend_class classify(const int64_t *x, size_t n)
{
	uint64_t top = 0;
	int64_t lo = x[0], hi = x[0], net = hd_sub_sat(x[n - 1], x[0]);
	size_t i, up = 0, down = 0, steps = n - 1;
	double t;

	for (i = 0; i < n; i++) {
		top = uabs(x[i]) > top ? uabs(x[i]) : top;
		lo = x[i] < lo ? x[i] : lo;
		hi = x[i] > hi ? x[i] : hi;
		if (i) {
			up += x[i] > x[i - 1];
			down += x[i] < x[i - 1];
		}
	}
	t = (double)top * CLASS_PCT / 100.0;
	if (net > 0 && (double)net > t && 2 * (steps - down) > steps)
		return HD_TREND_GROWING;
	if (net < 0 && (double)uabs(net) > t && 2 * (steps - up) > steps)
		return HD_TREND_SHRINKING;
	if ((double)((uint64_t)hi - (uint64_t)lo) > t)
		return HD_TREND_FLUCTUATING;
	return HD_TREND_STABLE;
}

static int rows(struct hd_report *r, struct hd_ms_report *ms)
{
	size_t i, c, n = r->ncols;

	for (i = 0; i < HD_MS_ROWS; i++) {
		int f = hd_memstats_field(row_fields[i], strlen(row_fields[i]));
		struct hd_ms_row *row = &ms->rows[ms->nrows];
		int64_t *s = hd_arena_alloc(r->arena, n * sizeof(*s));
		int any = 0;

		if (!s)
			return HD_ERR_NOMEM;
		for (c = 0; c < n; c++) {
			s[c] = hd_memstats_value(r->cols[c].memstats, f);
			any |= s[c] != 0;
		}
		/* MaxRSS is printed only where the platform has it. */
		if (!any && strcmp(row_fields[i], "MaxRSS") == 0)
			continue;
		row->field = f;
		row->name = hd_memstats_field_name(f);
		row->unit = hd_memstats_field_unit(f);
		row->first = s[0];
		row->last = s[n - 1];
		row->delta = hd_sub_sat(row->last, row->first);
		row->pct = row->first == 0 ? NAN :
			(double)row->delta * 100.0 / fabs((double)row->first);
		row->series = s;
		row->cls = classify(s, n);
		ms->nrows++;
	}
	return 0;
}

/* The counters over the interval, and the pause of its collections. */
static void interval(const struct hd_report *r, struct hd_ms_report *ms)
{
	const struct hd_memstats *a = r->cols[0].memstats, *b = r->cols[r->ncols - 1].memstats;
	uint64_t k;

	ms->num_gc = delta(r, "NumGC");
	ms->num_forced_gc = delta(r, "NumForcedGC");
	ms->mallocs = delta(r, "Mallocs");
	ms->frees = delta(r, "Frees");
	ms->total_alloc = delta(r, "TotalAlloc");
	ms->pause_ring = b->npause;
	if (!b->pause_ns || b->num_gc < a->num_gc || b->num_gc - a->num_gc > b->npause)
		return;
	ms->have_pause = 1;
	/* Collection k, from 1, is at (k - 1) % npause: those after the
	 * first profile's last one are a->num_gc .. b->num_gc - 1. */
	for (k = a->num_gc; k < b->num_gc; k++)
		ms->pause_ns = hd_add_sat(ms->pause_ns, clamp(b->pause_ns[k % b->npause]));
}

/* The first column whose counters fell from the one before; 0: none. */
static size_t restart_col(const struct hd_report *r)
{
	static const char *const counters[] = {"Mallocs", "Frees", "TotalAlloc", "NumGC"};
	size_t c, i;

	for (c = 1; c < r->ncols; c++)
		for (i = 0; i < sizeof(counters) / sizeof(counters[0]); i++)
			if (val(r, c, counters[i]) < val(r, c - 1, counters[i]))
				return c;
	return 0;
}

/* The column where HeapAlloc exceeds the profile's in-use most; 1 when
 * that is by more than max(F, a quarter of the in-use). */
static int garbage(const struct hd_report *r, struct hd_ms_check *k)
{
	int64_t worst = INT64_MIN;
	size_t c;

	if (!k->have_profile)
		return 0;
	for (c = 0; c < r->ncols; c++) {
		int64_t ha = val(r, c, "HeapAlloc"), in = r->cols[c].inuse_total;
		int64_t ex = hd_sub_sat(ha, in);

		if (ex > worst) {
			worst = ex;
			k->col = c;
			k->col_heap_alloc = ha;
			k->col_inuse = in;
		}
	}
	return worst > k->floor && worst > (k->col_inuse > 0 ? k->col_inuse / 4 : 0);
}

static void cross_check(const struct hd_report *r, struct hd_ms_check *k)
{
	size_t last = r->ncols - 1, c;
	double f = fabs((double)val(r, 0, "Sys")) * FLOOR_PCT / 100.0;
	int64_t over0, over, away;

	k->floor = f > (double)FLOOR_MIN ? (f >= 9.2e18 ? INT64_MAX : (int64_t)f) : FLOOR_MIN;
	k->heap = delta(r, "HeapInuse");
	k->heap_alloc = delta(r, "HeapAlloc");
	k->idle = hd_sub_sat(hd_sub_sat(val(r, last, "HeapIdle"), val(r, last, "HeapReleased")),
			     hd_sub_sat(val(r, 0, "HeapIdle"), val(r, 0, "HeapReleased")));
	k->stacks = delta(r, "StackSys");
	k->gc = delta(r, "GCSys");
	k->runtime = hd_add_sat(hd_add_sat(delta(r, "MSpanSys"), delta(r, "MCacheSys")),
				hd_add_sat(delta(r, "BuckHashSys"), delta(r, "OtherSys")));
	k->outside = hd_sub_sat(delta(r, "Sys"), delta(r, "HeapSys"));
	/* MaxRSS is a peak, and Sys (mapped, never unmapped) the most the
	 * runtime could have had resident: past it is memory outside Go. */
	over0 = hd_sub_sat(val(r, 0, "MaxRSS"), val(r, 0, "Sys"));
	over = hd_sub_sat(val(r, last, "MaxRSS"), val(r, last, "Sys"));
	if (val(r, 0, "MaxRSS") && val(r, last, "MaxRSS") && over > (over0 > 0 ? over0 : 0))
		k->native = hd_sub_sat(over, over0 > 0 ? over0 : 0);
	k->part = HD_MS_PART_STACKS;
	k->part_delta = k->stacks;
	if (k->gc > k->part_delta) {
		k->part = HD_MS_PART_GC;
		k->part_delta = k->gc;
	}
	if (k->runtime > k->part_delta) {
		k->part = HD_MS_PART_RUNTIME;
		k->part_delta = k->runtime;
	}
	if (k->native > k->part_delta) {
		k->part = HD_MS_PART_NATIVE;
		k->part_delta = k->native;
	}
	k->have_profile = 1;
	for (c = 0; c < r->ncols; c++)
		k->have_profile &= r->cols[c].have_inuse;
	if (k->have_profile)
		k->profile_delta = hd_sub_sat(r->cols[last].inuse_total, r->cols[0].inuse_total);
	k->table_shows = r->sample_type && (strcmp(r->sample_type, "inuse_space") == 0 ||
					    strcmp(r->sample_type, "space") == 0);
	away = hd_add_sat(k->outside > 0 ? k->outside : 0, k->native);

	if ((k->restart_col = restart_col(r))) {
		k->kind = HD_MS_RESTART;
	} else if (k->heap > k->floor && k->heap >= away) {
		k->col = last;
		k->col_heap_alloc = val(r, last, "HeapAlloc");
		k->col_inuse = r->cols[last].inuse_total;
		if (!k->have_profile || k->profile_delta >= k->heap / 2)
			k->kind = HD_MS_HEAP;
		else if ((k->grew = k->heap_alloc >= k->heap / 2))
			k->kind = HD_MS_GARBAGE;
		else
			k->kind = HD_MS_FRAGMENTED;
	} else if (away > k->floor) {
		k->kind = HD_MS_OUTSIDE;
	} else if (k->idle > k->floor) {
		k->kind = HD_MS_IDLE;
	} else if (garbage(r, k)) {
		k->kind = HD_MS_GARBAGE;
	} else {
		k->kind = HD_MS_NOISE;
	}
}

int hd_memstats_finish(struct hd_report *r, struct hd_error *err)
{
	struct hd_ms_report *ms;
	size_t c;

	if (r->command == HD_CMD_TOP || r->ncols < 2)
		return 0;
	for (c = 0; c < r->ncols; c++)
		if (!r->cols[c].memstats)
			return 0;
	ms = hd_arena_calloc(r->arena, 1, sizeof(*ms));
	if (!ms || rows(r, ms))
		return hd_fail(err, HD_ERR_NOMEM, "out of memory");
	interval(r, ms);
	cross_check(r, &ms->check);
	r->memstats = ms;
	return 0;
}
