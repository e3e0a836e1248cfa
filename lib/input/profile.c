/*
 * profile.c - what every decoded profile answers, whatever its format:
 * sample types and their choice (pprof's -sample_index rule), totals,
 * time stamps, and pprof -normalize's rounding.
 *
 * Owns nothing; reads struct hd_profile (input.h) as a decoder left it.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input/input.h"

size_t hd_profile_sample_type_count(const struct hd_profile *p)
{
	return p->ntypes;
}

const char *hd_profile_sample_type(const struct hd_profile *p, size_t i,
				   const char **unit)
{
	if (unit)
		*unit = p->type_units[i];
	return p->type_names[i];
}

int64_t hd_profile_time_nanos(const struct hd_profile *p)
{
	return p->time_nanos;
}

int64_t hd_profile_duration_nanos(const struct hd_profile *p)
{
	return p->duration_nanos;
}

int hd_samples_next(const struct hd_profile *p, const struct hd_sample_span *spans,
		    const uint32_t *refs, const int64_t *vals, struct hd_sample_iter *it,
		    uint32_t *locs, int64_t *values, struct hd_psample *out)
{
	const struct hd_sample_span *s;

	if (it->index >= p->nsamples)
		return 0;
	s = &spans[it->index];
	if (s->nlocs)
		memcpy(locs, refs + s->first, s->nlocs * sizeof(*locs));
	memcpy(values, vals + it->index * p->ntypes, p->ntypes * sizeof(*values));
	out->nlocs = s->nlocs;
	out->locs = locs;
	out->values = values;
	out->labels = NULL;
	out->nlabels = 0;
	it->index++;
	return 1;
}

size_t hd_profile_sample_count(const struct hd_profile *p)
{
	return p->nsamples;
}

/* Bytes of s to show in a message: at most max, never half a UTF-8
 * sequence (hd_vfail would show the half as U+FFFD). */
static size_t cut_at(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n <= max)
		return n;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return max;
}

/*
 * "inuse_objects, inuse_space" for a message: each name cut past
 * TYPE_SHOWN bytes and the list past n - 1 bytes, with "…" where cut, so a
 * profile of a thousand megabyte type names still makes one short line.
 * hd_vfail makes control and bidi characters in them visible.
 */
#define TYPE_SHOWN 64
static void list_types(const struct hd_profile *p, char *out, size_t n)
{
	static const char more[] = "\xe2\x80\xa6"; /* U+2026 */
	size_t i, len = 0;

	out[0] = '\0';
	for (i = 0; i < p->ntypes; i++) {
		const char *name = p->type_names[i];
		size_t k = cut_at(name, TYPE_SHOWN), need = (i ? 2 : 0) + k + 3;

		/* This name (cut or not, with a "…"), and room for a last "…". */
		if (len + need + 3 >= n) {
			snprintf(out + len, n - len, "%s%s", i ? ", " : "", more);
			return;
		}
		len += (size_t)snprintf(out + len, n - len, "%s%.*s%s", i ? ", " : "", (int)k,
					name, name[k] ? more : "");
	}
}

int hd_profile_find_sample_type(const struct hd_profile *p, const char *spec,
				size_t *index, struct hd_error *err)
{
	size_t i, n = p->ntypes;
	const char *noinuse;
	char types[256];
	char *end;

	if (n == 0)
		return hd_fail(err, HD_ERR_USAGE, "the profile has no sample types");
	if (!spec || !*spec) {
		if (p->default_type && *p->default_type)
			for (i = 0; i < n; i++)
				if (strcmp(p->type_names[i], p->default_type) == 0) {
					*index = i;
					return 0;
				}
		*index = n - 1;
		return 0;
	}
	errno = 0;
	{
		long long v = strtoll(spec, &end, 10);
		if (*end == '\0' && end != spec && errno == 0) {
			if (v < 0 || (unsigned long long)v >= n)
				return hd_fail(err, HD_ERR_USAGE,
					       "sample index %s is outside the range 0..%zu", spec, n - 1);
			*index = (size_t)v;
			return 0;
		}
	}
	/* Exact name first; then pprof's rule ("inuse_space" finds the legacy
	 * "space"); then the reverse ("space" finds "inuse_space"). */
	noinuse = strncmp(spec, "inuse_", 6) == 0 ? spec + 6 : spec;
	for (i = 0; i < n; i++)
		if (strcmp(p->type_names[i], spec) == 0) {
			*index = i;
			return 0;
		}
	for (i = 0; i < n; i++)
		if (strcmp(p->type_names[i], noinuse) == 0 ||
		    (strncmp(p->type_names[i], "inuse_", 6) == 0 &&
		     strcmp(p->type_names[i] + 6, spec) == 0)) {
			*index = i;
			return 0;
		}
	list_types(p, types, sizeof(types));
	return hd_fail(err, HD_ERR_USAGE,
		       "no sample type '%s' (the profile has: %s)", spec, types);
}

int hd_profile_sample_error(const struct hd_profile *p, const struct hd_sample_iter *it,
			    struct hd_error *err)
{
	if (p->decoder == &hd_decoder_pprof)
		return hd_pprof_sample_error(p, it, err);
	return hd_fail(err, HD_ERR_INVALID, "sample %zu could not be read", it->index);
}

/* Read every sample from the first: 0, or on a malformed one its error
 * in err (-1 when err is NULL). */
static int read_all(const struct hd_profile *p, struct hd_error *err)
{
	uint32_t *locs = malloc((p->max_locs + 1) * sizeof(*locs));
	int64_t *vals = malloc((p->ntypes + 1) * sizeof(*vals));
	struct hd_sample_iter it = {0, 0};
	struct hd_psample smp;
	int rc = 0;

	if (!locs || !vals)
		rc = err ? hd_fail(err, HD_ERR_NOMEM, "out of memory") : -1;
	else
		while ((rc = hd_profile_next(p, &it, locs, vals, &smp)) > 0)
			;
	if (rc < 0 && err && locs && vals)
		rc = hd_profile_sample_error(p, &it, err);
	free(locs);
	free(vals);
	return rc;
}

int hd_profile_check(const struct hd_profile *p, struct hd_error *err)
{
	if (!p->totals_upto)
		return 0; /* checked when decoded */
	return read_all(p, err);
}

/*
 * A decoder that sums totals as the samples are read (totals_upto) has
 * them once the model read them; asked before, a pass of its own reads
 * them (--normalize's scale of NEW does).  A malformed sample stops that
 * pass short, and the model's read then fails on it with its message.
 */
int64_t hd_profile_total(const struct hd_profile *p, size_t i)
{
	if (p->totals_upto && *p->totals_upto < p->nsamples)
		(void)read_all(p, NULL);
	return p->totals[i];
}

int64_t hd_scale_value(int64_t v, double scale)
{
	double d;

	if (scale == 1.0)
		return v;
	d = round((double)v * scale);
	if (d >= 9.2233720368547758e18)
		return INT64_MAX;
	if (d <= -9.2233720368547758e18)
		return INT64_MIN;
	return (int64_t)d;
}

int64_t hd_profile_total_scaled(const struct hd_profile *p, size_t i, double scale)
{
	uint32_t *locs = malloc((p->max_locs + 1) * sizeof(*locs));
	int64_t *vals = malloc((p->ntypes + 1) * sizeof(*vals));
	struct hd_sample_iter it = {0, 0};
	struct hd_psample smp;
	int64_t t = 0;

	if (scale == 1.0 || !locs || !vals) {
		/* Without memory for the scratch arrays, the unscaled total is
		 * the best answer left; scale 1 needs no decoding anyway. */
		free(locs);
		free(vals);
		return scale == 1.0 ? p->totals[i] : hd_scale_value(p->totals[i], scale);
	}
	/* A malformed sample stops the sum: the model's read names it. */
	while (hd_profile_next(p, &it, locs, vals, &smp) > 0)
		t = hd_add_sat(t, hd_scale_value(smp.values[i], scale));
	free(locs);
	free(vals);
	return t;
}
