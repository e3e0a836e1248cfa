/*
 * verdict.c - --fail-on rules: parsing, and evaluation against a finished
 * report.  A rule names a scope (total, func, cum, new, leak), optionally
 * another sample type, and a limit that growth must not exceed; or a
 * field of runtime.MemStats (memstats.HeapInuse), last minus first, its
 * percentages of the first value.
 *
 * Owns: the report's verdict (results, crossing frames' names), allocated
 * in the destination report's arena and freed with it.  Evaluation reads
 * the model's per-frame arrays, not the ranked rows, so --top and
 * --min-delta never hide a frame from a rule.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/report.h"
#include "input/input.h"

/*
 * LIMIT: a percentage of the base total, or a size (hd_parse_size).  -1
 * when it is neither; when it is a size that hd_parse_size refuses with a
 * reason ("0.5": not a whole number of bytes), *why has it.
 */
static int parse_limit(const char *s, struct hd_rule *r, struct hd_error *why)
{
	size_t n;
	uint64_t v;
	char *end;
	double pct;

	if (*s == '+')
		s++;
	n = strlen(s);
	if (n > 1 && s[n - 1] == '%') {
		if (*s == '-' || *s == ' ')
			return -1;
		pct = strtod(s, &end);
		if (end != s + n - 1 || isnan(pct) || isinf(pct) || pct < 0)
			return -1;
		r->is_pct = 1;
		r->pct = pct;
		return 0;
	}
	if (hd_parse_size(s, &v, why))
		return -1;
	r->limit = (int64_t)v;
	return 0;
}

/* "memstats.FIELD:+LIMIT": FIELD as runtime.MemStats spells it, or
 * LiveObjects (engine/memstats.c). */
static int parse_memstats(const char *s, struct hd_rule *out, struct hd_error *err)
{
	const char *name = s + 9, *colon = strchr(s, ':');
	size_t n = colon ? (size_t)(colon - name) : strlen(name);
	struct hd_error why = {0};
	char valid[512];

	out->scope = HD_RULE_MEMSTATS;
	out->ms_field = hd_memstats_field(name, n);
	if (out->ms_field < 0) {
		hd_memstats_field_list(valid, sizeof(valid));
		return hd_fail_about(err, HD_ERR_USAGE, HD_SUBJ_RULE,
				     "invalid rule '%s': no MemStats field '%.*s' (valid, as Go "
				     "spells them: %s)", s, (int)(n < 40 ? n : 40), name, valid);
	}
	if (!colon || parse_limit(colon + 1, out, &why)) {
		if (why.code)
			return hd_fail_about(err, HD_ERR_USAGE, HD_SUBJ_RULE,
					     "invalid rule '%s': %s", s, why.msg);
		return hd_fail_about(err, HD_ERR_USAGE, HD_SUBJ_RULE,
				     "invalid rule '%s' (expected memstats.FIELD:+LIMIT with "
				     "LIMIT like 10%% or 64MiB)", s);
	}
	return 0;
}

/* Messages say "rule"; the front end names its option (cmd/: --fail-on). */
int hd_rule_parse(const char *s, struct hd_rule *out, struct hd_error *err)
{
	static const struct { const char *name; enum hd_rule_scope scope; } scopes[] = {
		{"total", HD_RULE_TOTAL}, {"func", HD_RULE_FUNC}, {"cum", HD_RULE_CUM},
		{"new", HD_RULE_NEW}, {"leak", HD_RULE_LEAK},
	};
	struct hd_error why = {0};
	const char *body = s, *slash, *colon;
	size_t i, n;

	memset(out, 0, sizeof(*out));
	snprintf(out->text, sizeof(out->text), "%s", s);
	colon = strchr(s, ':');
	slash = strchr(s, '/');
	if (strncmp(s, "memstats.", 9) == 0)
		return parse_memstats(s, out, err);
	if (slash && (!colon || slash < colon)) {
		n = (size_t)(slash - s);
		if (n == 0 || n >= sizeof(out->sample_type))
			goto bad;
		memcpy(out->sample_type, s, n);
		body = slash + 1;
	}
	n = colon ? (size_t)(colon - body) : strlen(body);
	for (i = 0; i < sizeof(scopes) / sizeof(scopes[0]); i++)
		if (strlen(scopes[i].name) == n && strncmp(body, scopes[i].name, n) == 0)
			break;
	if (i == sizeof(scopes) / sizeof(scopes[0]))
		goto bad;
	out->scope = scopes[i].scope;
	if (out->scope == HD_RULE_LEAK)
		return colon ? hd_fail_about(err, HD_ERR_USAGE, HD_SUBJ_RULE,
					     "invalid rule '%s': leak takes no limit", s) : 0;
	if (!colon || parse_limit(colon + 1, out, &why))
		goto bad;
	return 0;
bad:
	if (why.code)
		return hd_fail_about(err, HD_ERR_USAGE, HD_SUBJ_RULE, "invalid rule '%s': %s",
				     s, why.msg);
	return hd_fail_about(err, HD_ERR_USAGE, HD_SUBJ_RULE,
			     "invalid rule '%s' (expected [TYPE/]SCOPE:+LIMIT with SCOPE "
			     "total, func, cum or new and LIMIT like 8%%, 1.5MiB or 100; or leak; "
			     "or memstats.FIELD:+LIMIT)", s);
}

static int crossed(const struct hd_rule *rule, int64_t delta, int64_t base_total)
{
	if (delta <= 0)
		return 0;
	if (!rule->is_pct)
		return delta > rule->limit;
	if (base_total == 0)
		return 1; /* any growth from nothing is unbounded growth */
	return (double)delta * 100.0 / fabs((double)base_total) > rule->pct;
}

struct hit {
	uint32_t frame;
	int64_t v;
};

/* Largest growth first, then frame id: a total order, so the names
 * listed do not depend on the sort. */
static int cmp_hit(const void *a, const void *b, void *ctx)
{
	const struct hit *x = a, *y = b;

	(void)ctx;
	if (x->v != y->v)
		return x->v > y->v ? -1 : 1;
	return x->frame < y->frame ? -1 : x->frame > y->frame;
}

#define MAX_FRAMES 20

/* A new, zeroed result at the end of dst's verdict (made on first use). */
static struct hd_rule_result *new_result(struct hd_report *dst)
{
	struct hd_verdict *v = dst->verdict;
	struct hd_rule_result *res;

	if (!v) {
		v = dst->verdict = hd_arena_calloc(dst->arena, 1, sizeof(*v));
		if (!v)
			return NULL;
		v->pass = 1;
	}
	res = realloc(v->results, (v->n + 1) * sizeof(*res));
	if (!res)
		return NULL;
	v->results = res;
	res = &v->results[v->n];
	memset(res, 0, sizeof(*res));
	return res;
}

/*
 * The frames a leak rule finds: trend.c's suspects (growing, and the
 * user's code or no frame of it calls them; on a cumulative type the
 * allocation-rate regressions), listed in suspect order.
 */
static size_t leak_hits(const struct hd_report *src, struct hit *hits)
{
	size_t i, n = 0;

	for (i = 0; i < src->nrows; i++) {
		const struct hd_row *row = &src->rows[i];

		if (row->trend && row->trend->suspect)
			hits[n++] = (struct hit){row->frame, -(int64_t)row->trend->suspect};
	}
	return n;
}

/* The frames a func, cum or new rule finds, from the model's arrays (not
 * the rows, which --min-delta thins); *measured: the largest growth. */
static size_t frame_hits(const struct hd_report *src, const struct hd_rule *rule,
			 struct hit *hits, int64_t *measured)
{
	const struct hd_model *m = src->model;
	size_t nf = hd_model_frame_count(m), last = src->ncols - 1, f, n = 0;
	const int64_t *f0 = hd_model_flat(m, 0), *fl = hd_model_flat(m, last);
	const int64_t *c0 = hd_model_cum(m, 0), *cl = hd_model_cum(m, last);

	*measured = INT64_MIN;
	for (f = 0; f < nf; f++) {
		int64_t d;

		if (rule->scope == HD_RULE_FUNC)
			d = hd_sub_sat(fl[f], f0[f]);
		else if (rule->scope == HD_RULE_CUM)
			d = hd_sub_sat(cl[f], c0[f]);
		else if (c0[f] == 0 && cl[f] != 0)
			d = cl[f]; /* new: all it holds is new */
		else
			continue;
		if (d > *measured)
			*measured = d;
		if (crossed(rule, d, src->cols[0].total))
			hits[n++] = (struct hit){(uint32_t)f, d};
	}
	if (*measured == INT64_MIN)
		*measured = 0;
	return n;
}

/* Find, rank and name (in dst's arena) the frames that cross rule. */
static int check_frames(struct hd_report *dst, const struct hd_report *src,
			struct hd_rule_result *res)
{
	size_t nhits, i, nf = hd_model_frame_count(src->model);
	struct hit *hits = malloc((nf + 1) * sizeof(*hits));
	int rc = 0;

	if (!hits)
		return HD_ERR_NOMEM;
	if (res->rule.scope == HD_RULE_LEAK) {
		nhits = leak_hits(src, hits);
		res->measured = (int64_t)nhits;
	} else {
		nhits = frame_hits(src, &res->rule, hits, &res->measured);
	}
	res->pass = nhits == 0;
	res->nframes = nhits;
	rc = hd_sort(hits, nhits, sizeof(*hits), cmp_hit, NULL);
	if (!rc)
		res->frame_names = hd_arena_calloc(dst->arena, (nhits < MAX_FRAMES ? nhits :
								MAX_FRAMES) + 1, sizeof(char *));
	if (!rc && !res->frame_names)
		rc = HD_ERR_NOMEM;
	for (i = 0; !rc && i < nhits && i < MAX_FRAMES; i++) {
		const char *name = hd_model_frame(src->model, hits[i].frame)->name;

		res->frame_names[i] = hd_arena_strndup(dst->arena, name, strlen(name));
		if (!res->frame_names[i])
			rc = HD_ERR_NOMEM;
	}
	free(hits);
	return rc;
}

/* A memstats rule: the field's last minus first, against its first. */
static int check_memstats(struct hd_report *dst, const struct hd_report *src,
			  const struct hd_rule *rule, struct hd_error *err)
{
	const char *name = hd_memstats_field_name(rule->ms_field);
	struct hd_rule_result *res;
	int64_t first, last;
	size_t c, lacking = SIZE_MAX, with = 0;

	if (!src->memstats) {
		for (c = 0; c < src->ncols; c++) {
			with += src->cols[c].memstats != NULL;
			if (!src->cols[c].memstats && lacking == SIZE_MAX)
				lacking = c;
		}
		if (with == 0 || lacking == SIZE_MAX)
			return hd_fail(err, HD_ERR_USAGE, "memstats.%s needs Go's text heap profile "
				       "(?debug=1), which carries runtime.MemStats", name);
		return hd_fail(err, HD_ERR_USAGE, "memstats.%s needs runtime.MemStats in every "
			       "profile, and %s has none (Go's text heap profile, ?debug=1, "
			       "carries them)", name, src->cols[lacking].path);
	}
	res = new_result(dst);
	if (!res)
		return hd_fail(err, HD_ERR_NOMEM, "out of memory");
	res->rule = *rule;
	res->unit = hd_memstats_field_unit(rule->ms_field);
	first = hd_memstats_value(src->cols[0].memstats, rule->ms_field);
	last = hd_memstats_value(src->cols[src->ncols - 1].memstats, rule->ms_field);
	res->measured = hd_sub_sat(last, first);
	res->measured_pct = first == 0 ? NAN : (double)res->measured * 100.0 / fabs((double)first);
	res->pass = !crossed(rule, res->measured, first);
	if (!res->pass)
		dst->verdict->pass = 0;
	dst->verdict->n++;
	return 0;
}

int hd_report_check(struct hd_report *dst, struct hd_report *src,
		    const struct hd_rule *rule, struct hd_error *err)
{
	int64_t base_total = src->cols[0].total;
	struct hd_rule_result *res;

	if (!hd_model_flat(src->model, 0) || !hd_model_flat(src->model, src->ncols - 1) ||
	    !hd_model_cum(src->model, 0) || !hd_model_cum(src->model, src->ncols - 1))
		return hd_fail(err, HD_ERR_NOMEM, "out of memory");
	if (rule->scope == HD_RULE_LEAK && src->command != HD_CMD_TREND)
		return hd_fail(err, HD_ERR_USAGE,
			       "a leak is found in a series of profiles (heapdiff trend); a diff has no trend");
	if (rule->scope == HD_RULE_MEMSTATS)
		return check_memstats(dst, src, rule, err);
	res = new_result(dst);
	if (!res)
		return hd_fail(err, HD_ERR_NOMEM, "out of memory");
	res->rule = *rule;
	/* src may be freed before dst is rendered: copy what is kept. */
	res->unit = hd_arena_strndup(dst->arena, src->sample_unit, strlen(src->sample_unit));
	if (!res->unit)
		return hd_fail(err, HD_ERR_NOMEM, "out of memory");
	res->normalized = src->opts.normalize;
	res->pass = 1;
	if (rule->scope == HD_RULE_TOTAL) {
		res->measured = src->total_delta;
		res->pass = !crossed(rule, src->total_delta, base_total);
	} else if (check_frames(dst, src, res)) {
		return hd_fail(err, HD_ERR_NOMEM, "out of memory");
	}
	res->measured_pct = base_total == 0 || rule->scope == HD_RULE_LEAK ? NAN :
		(double)res->measured * 100.0 / fabs((double)base_total);
	if (!res->pass)
		dst->verdict->pass = 0;
	dst->verdict->n++;
	return 0;
}
