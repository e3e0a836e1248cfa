/*
 * jemalloc.c - jemalloc's heap profiles (prof_final, prof_gdump,
 * prof_interval, mallctl("prof.dump")), written by prof_dump() in
 * jemalloc 4 and 5:
 *
 *	heap_v2/524288
 *	  t*: 601: 4216060 [0: 0]
 *	  t0: 601: 4216060 [0: 0]
 *	@ 0x7feaefea2630 0x7feaefea2d21 ... 0x55f495e601c6 0x55f495e60288
 *	  t*: 1: 5121 [0: 0]
 *	  t0: 1: 5121 [0: 0]
 *
 *	MAPPED_LIBRARIES:
 *	55f495e5f000-55f495e60000 r--p 00000000 fe:00 11056119   /srv/app
 *
 * Owns: that text turned into the profile view (input.h), and nothing
 * else; native.c names the addresses from the memory map.
 *
 * The numbers, as jeprof reads them (ReadThreadedHeapProfile,
 * AdjustSamples): a record is its "t*:" line, "INUSE_COUNT: INUSE_BYTES
 * [ALLOC_COUNT: ALLOC_BYTES]" (the per-thread "tN:" lines repeat it by
 * thread and are not read); the header's "t*:" line is the totals.  The
 * rate R of "heap_v2/R" is the mean bytes between samples, and each
 * pair (count, bytes) with count > 0 is divided by the chance that an
 * allocation of its mean size was sampled: both times
 * 1 / (1 - exp(-(bytes / count) / R)).  jeprof keeps the result as a
 * float and truncates the sum it prints; heapdiff keeps whole numbers, so
 * it truncates each record, as pprof does for gperftools' heap_v2: a
 * function's total can be below jeprof's by less than one byte per
 * record (tests/native-oracle.py says where).  At R = 1 (lg_prof_sample
 * 0) nothing is sampled and nothing changes but for objects of a few
 * bytes.
 *
 * The allocated pair is 0 unless the process ran with prof_accum:true;
 * the sample types are then inuse_objects and inuse_space only, else
 * alloc_objects, alloc_space, inuse_objects, inuse_space (pprof's order).
 * Every address is a return address (jemalloc's unwinder collected them
 * from inside the allocator), so each is looked up at the address minus
 * one; the allocator's own frames are pruned (drop_frames) as jeprof's
 * RemoveUninterestingFrames and pprof's Prune cut them.
 *
 * Stricter than jeprof, which skips what does not match its patterns: a
 * line that is no record is an error naming the line, and so are a
 * record without its "t*:" line, counts past 2^63 - 1, and bytes without
 * a count.  Memory is bounded by the input's size.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input/input.h"
#include "input/symbolize.h"

/* hd_profile.priv */
struct jemalloc {
	struct hd_sample_span *samples;
	uint32_t *refs;
	int64_t *vals;
	struct hd_ploc *locs;
};

struct parser {
	struct hd_profile *p;
	struct jemalloc *j;
	struct hd_error *err;
	size_t lineno;
	int64_t rate;
	int in_record, have_star; /* a "@" line read; its "t*:" too */
	size_t rec_line;
	size_t nrefs, refs_cap, samples_cap, vals_cap, locs_cap;
	struct hd_map loc_index;  /* raw address -> location */
	uint32_t zero_loc;
	int64_t hdr[4];           /* the header's t* line */
	int64_t (*vals)[4];       /* per sample: inuse n, s, alloc n, s (unsampled) */
	size_t rvals_cap;
};

static int bad(struct parser *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(struct parser *ps, const char *fmt, ...)
{
	char why[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return hd_fail(ps->err, HD_ERR_FORMAT, "jemalloc heap profile, line %zu: %s", ps->lineno, why);
}

static int nomem(struct parser *ps)
{
	return hd_fail(ps->err, HD_ERR_NOMEM, "out of memory");
}

static const unsigned char *skip_sp(const unsigned char *q, const unsigned char *e)
{
	while (q < e && (*q == ' ' || *q == '\t'))
		q++;
	return q;
}

/* Decimal digits into *v: 0, -1 none, -2 past INT64_MAX. */
static int dec(const unsigned char **s, const unsigned char *e, int64_t *v)
{
	const unsigned char *q = *s;
	uint64_t r = 0;
	int over = 0;

	for (; q < e && *q >= '0' && *q <= '9'; q++) {
		if (r > ((uint64_t)INT64_MAX - (uint64_t)(*q - '0')) / 10)
			over = 1;
		else
			r = r * 10 + (uint64_t)(*q - '0');
	}
	if (q == *s)
		return -1;
	*s = q;
	*v = (int64_t)r;
	return over ? -2 : 0;
}

/* "N: N [N: N]" after a "tX:" (q past the colon) into v. */
static int counts(struct parser *ps, const unsigned char *q, const unsigned char *e, int64_t *v)
{
	int i, rc;

	for (i = 0; i < 4; i++) {
		q = skip_sp(q, e);
		if (i == 2) {
			if (q == e || *q++ != '[')
				goto malformed;
			q = skip_sp(q, e);
		}
		if ((rc = dec(&q, e, &v[i])) == -2)
			return bad(ps, "a count is out of range (more than 2^63 - 1)");
		if (rc)
			goto malformed;
		if (i % 2 == 0 && (q == e || *q++ != ':'))
			goto malformed;
	}
	q = skip_sp(q, e);
	if (q == e || *q++ != ']' || skip_sp(q, e) != e)
		goto malformed;
	if ((v[0] == 0 && v[1] != 0) || (v[2] == 0 && v[3] != 0))
		return bad(ps, "bytes without objects (a count of 0 and %lld bytes)",
			   (long long)(v[0] == 0 ? v[1] : v[3]));
	return 0;
malformed:
	return bad(ps, "malformed counts (want \"tN: COUNT: BYTES [COUNT: BYTES]\")");
}

/* jeprof's AdjustSamples for heap_v2, truncated.  Objects of no bytes
 * (no allocator writes them: a hostile dump) stay as they are: their
 * scale, 1 / (1 - e^0), is infinite, and 0 times it NaN (jeprof dies
 * dividing by zero there). */
static void unsample(int64_t *n, int64_t *s, int64_t rate)
{
	double scale, x;

	if (*n == 0 || *s == 0 || rate <= 0)
		return;
	scale = 1 / (1 - exp(-(((double)*s / (double)*n) / (double)rate)));
	x = (double)*n * scale;
	*n = x >= 9223372036854775807.0 ? INT64_MAX : (int64_t)x;
	x = (double)*s * scale;
	*s = x >= 9223372036854775807.0 ? INT64_MAX : (int64_t)x;
}

static int get_loc(struct parser *ps, uint64_t a, uint32_t *out)
{
	struct hd_profile *p = ps->p;
	struct hd_ploc *l;

	if (a == 0 ? ps->zero_loc != UINT32_MAX : hd_map_get(&ps->loc_index, a, out)) {
		if (a == 0)
			*out = ps->zero_loc;
		return 0;
	}
	if (p->nlocs >= UINT32_MAX - 1)
		return hd_fail(ps->err, HD_ERR_LIMIT, "the profile has too many locations");
	if (HD_GROW(ps->j->locs, ps->locs_cap, p->nlocs + 1))
		return nomem(ps);
	p->locs = ps->j->locs;
	l = &p->locs[p->nlocs];
	memset(l, 0, sizeof(*l));
	l->mapping = UINT32_MAX;
	l->address = hd_sym_call_pc(a, 0);
	if (a == 0)
		ps->zero_loc = (uint32_t)p->nlocs;
	else if (hd_map_put(&ps->loc_index, a, (uint32_t)p->nlocs))
		return nomem(ps);
	*out = (uint32_t)p->nlocs++;
	return 0;
}

/* "@ 0xA 0xB ...": a new record, leaf first. */
static int record(struct parser *ps, const unsigned char *q, const unsigned char *e)
{
	struct hd_profile *p = ps->p;
	struct jemalloc *j = ps->j;
	size_t n = 0;

	if (HD_GROW(j->samples, ps->samples_cap, p->nsamples + 1))
		return nomem(ps);
	j->samples[p->nsamples].first = ps->nrefs;
	for (;;) {
		uint64_t a = 0;
		uint32_t li;
		int d, rc, digits = 0;

		q = skip_sp(q, e);
		if (q == e)
			break;
		if (e - q < 3 || q[0] != '0' || (q[1] != 'x' && q[1] != 'X'))
			return bad(ps, "malformed address list (want \"@ 0xADDRESS ...\")");
		for (q += 2; q < e && *q != ' ' && *q != '\t'; q++, digits++) {
			d = *q >= '0' && *q <= '9' ? *q - '0' : *q >= 'a' && *q <= 'f' ? *q - 'a' + 10 :
				*q >= 'A' && *q <= 'F' ? *q - 'A' + 10 : -1;
			if (d < 0)
				return bad(ps, "malformed address list (want \"@ 0xADDRESS ...\")");
			if (a >> 60)
				return bad(ps, "an address does not fit in 64 bits");
			a = a << 4 | (uint64_t)d;
		}
		if (!digits)
			return bad(ps, "malformed address list (want \"@ 0xADDRESS ...\")");
		if (n >= UINT32_MAX - 1)
			return hd_fail(ps->err, HD_ERR_LIMIT, "a record has too many addresses");
		if ((rc = get_loc(ps, a, &li)))
			return rc;
		if (HD_GROW(j->refs, ps->refs_cap, ps->nrefs + 1))
			return nomem(ps);
		j->refs[ps->nrefs++] = li;
		n++;
	}
	j->samples[p->nsamples].nlocs = (uint32_t)n;
	if (n > p->max_locs)
		p->max_locs = n;
	ps->in_record = 1;
	ps->have_star = 0;
	ps->rec_line = ps->lineno;
	return 0;
}

static int end_record(struct parser *ps)
{
	if (!ps->in_record)
		return 0;
	ps->in_record = 0;
	if (!ps->have_star) {
		ps->lineno = ps->rec_line;
		return bad(ps, "a record without its \"t*:\" line");
	}
	ps->p->nsamples++;
	return 0;
}

/* "t*: ..." or "tN: ...": the totals (header), a record's values, or a
 * thread's share (not read). */
static int thread_line(struct parser *ps, const unsigned char *q, const unsigned char *e, int header)
{
	int star = q + 1 < e && q[1] == '*';
	int64_t v[4], tid;
	const unsigned char *c = q + 1;
	int rc;

	if (star)
		c++;
	else if (dec(&c, e, &tid))
		return bad(ps, "malformed thread line (want \"t*:\" or \"tN:\")");
	if (c == e || *c++ != ':')
		return bad(ps, "malformed thread line (want \"t*:\" or \"tN:\")");
	if ((rc = counts(ps, c, e, v)))
		return rc;
	if (!star)
		return 0;
	if (header) {
		memcpy(ps->hdr, v, sizeof(v));
		return 0;
	}
	if (ps->have_star)
		return bad(ps, "a second \"t*:\" line in one record");
	ps->have_star = 1;
	if (HD_GROW(ps->vals, ps->rvals_cap, ps->p->nsamples + 1))
		return nomem(ps);
	unsample(&v[0], &v[1], ps->rate);
	unsample(&v[2], &v[3], ps->rate);
	memcpy(ps->vals[ps->p->nsamples], v, sizeof(v));
	return 0;
}

/* Every line up to the memory map. */
static int parse(struct parser *ps, const unsigned char **maps)
{
	struct hd_profile *p = ps->p;
	const unsigned char *pos = p->data, *end = p->data + p->len;
	int rc, seen_record = 0;

	*maps = end;
	while (pos < end) {
		const unsigned char *s = pos, *nl = memchr(s, '\n', (size_t)(end - s)), *e;

		e = nl ? nl : end;
		pos = nl ? nl + 1 : end;
		ps->lineno++;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
			e--;
		s = skip_sp(s, e);
		if (ps->lineno == 1) {
			const unsigned char *q = s + 8;

			if (e - s < 9 || memcmp(s, "heap_v2/", 8) != 0 || dec(&q, e, &ps->rate) || q != e)
				return bad(ps, "malformed header (want \"heap_v2/RATE\")");
			continue;
		}
		if (s == e)
			continue;
		if (*s == '@' && (s + 1 == e || s[1] == ' ' || s[1] == '\t')) {
			if ((rc = end_record(ps)) || (rc = record(ps, s + 1, e)))
				return rc;
			seen_record = 1;
		} else if (*s == 't') {
			if (seen_record && !ps->in_record)
				return bad(ps, "a thread line outside any record");
			if ((rc = thread_line(ps, s, e, !seen_record)))
				return rc;
		} else if ((size_t)(e - s) == 17 && memcmp(s, "MAPPED_LIBRARIES:", 17) == 0) {
			*maps = pos;
			break;
		} else {
			return bad(ps, "not a line of a jemalloc heap profile");
		}
	}
	if (ps->lineno == 0)
		return bad(ps, "empty");
	return end_record(ps);
}

static int set_types(struct parser *ps)
{
	static const char *const names[] = { "alloc_objects", "alloc_space", "inuse_objects", "inuse_space" };
	static const char *const units[] = { "count", "bytes", "count", "bytes" };
	struct hd_profile *p = ps->p;
	struct jemalloc *j = ps->j;
	int has_alloc = ps->hdr[2] != 0 || ps->hdr[3] != 0;
	size_t i, k, o = has_alloc ? 0 : 2;

	p->ntypes = has_alloc ? 4 : 2;
	p->type_names = hd_arena_calloc(&p->arena, p->ntypes, sizeof(char *));
	p->type_units = hd_arena_calloc(&p->arena, p->ntypes, sizeof(char *));
	p->totals = hd_arena_calloc(&p->arena, p->ntypes, sizeof(int64_t));
	j->vals = malloc((p->nsamples * p->ntypes + 1) * sizeof(*j->vals));
	if (!p->type_names || !p->type_units || !p->totals || !j->vals)
		return nomem(ps);
	for (k = 0; k < p->ntypes; k++) {
		p->type_names[k] = names[o + k];
		p->type_units[k] = units[o + k];
	}
	for (i = 0; i < p->nsamples; i++) {
		const int64_t *v = ps->vals[i];
		int64_t out[4] = { v[2], v[3], v[0], v[1] }; /* alloc first */

		for (k = 0; k < p->ntypes; k++) {
			j->vals[i * p->ntypes + k] = out[o + k];
			p->totals[k] = hd_add_sat(p->totals[k], out[o + k]);
		}
	}
	p->nrefs = ps->nrefs;
	return 0;
}

/*
 * jemalloc's own frames (prof_backtrace, imalloc, malloc_default, ...)
 * lead every stack.  Its exported entry points are named from .dynsym and
 * pruned by drop_frames, but the static ones before them have no symbol
 * in a stripped libjemalloc.so, so they would stay as leaves: when the
 * leaf lies in a shared library (not the program, mapped first, where a
 * static jemalloc would leave nothing), every frame of the stack's start
 * in that same file is cut, as jeprof's output shows them cut.
 */
static void cut_allocator(struct hd_profile *p)
{
	struct jemalloc *j = p->priv;
	size_t i;

	for (i = 0; i < p->nsamples; i++) {
		struct hd_sample_span *s = &j->samples[i];
		uint32_t m, k = 0;

		if (s->nlocs < 2 || (m = p->locs[j->refs[s->first]].mapping) == UINT32_MAX || m == 0)
			continue;
		while (k + 1 < s->nlocs && p->locs[j->refs[s->first + k]].mapping == m)
			k++;
		s->first += k;
		s->nlocs -= k;
	}
}

static int jemalloc_sniff(const unsigned char *data, size_t len)
{
	size_t i;

	if (len < 9 || memcmp(data, "heap_v2/", 8) != 0)
		return 0;
	for (i = 8; i < len && data[i] >= '0' && data[i] <= '9'; i++)
		;
	return i > 8 && i < len && (data[i] == '\n' || data[i] == '\r');
}

static int jemalloc_decode(struct hd_profile *p, const struct hd_limits *lim, struct hd_error *err)
{
	const unsigned char *maps;
	struct parser ps;
	int rc;

	memset(&ps, 0, sizeof(ps));
	if (!(p->priv = calloc(1, sizeof(struct jemalloc))))
		return hd_fail(err, HD_ERR_NOMEM, "out of memory");
	ps.p = p;
	ps.j = p->priv;
	ps.err = err;
	ps.zero_loc = UINT32_MAX;
	if ((rc = hd_map_init(&ps.loc_index, 256)))
		return hd_fail(err, HD_ERR_NOMEM, "out of memory");
	rc = parse(&ps, &maps);
	if (!rc)
		rc = set_types(&ps);
	if (!rc && HD_GROW(ps.j->locs, ps.locs_cap, 1))
		rc = nomem(&ps);
	p->locs = ps.j->locs;
	if (!rc)
		rc = hd_native_symbolize(p, maps, (size_t)(p->data + p->len - maps), lim, err);
	if (!rc)
		cut_allocator(p);
	free(ps.vals);
	hd_map_release(&ps.loc_index);
	return rc;
}

static int jemalloc_next(const struct hd_profile *p, struct hd_sample_iter *it,
			 uint32_t *locs, int64_t *values, struct hd_psample *out)
{
	const struct jemalloc *j = p->priv;

	return hd_samples_next(p, j->samples, j->refs, j->vals, it, locs, values, out);
}

static void jemalloc_release(struct hd_profile *p)
{
	struct jemalloc *j = p->priv;

	if (!j)
		return;
	free(j->samples);
	free(j->refs);
	free(j->vals);
	free(j->locs);
	free(j);
	p->priv = NULL;
	p->locs = NULL;
}

const struct hd_decoder hd_decoder_jemalloc = {
	"jemalloc", jemalloc_sniff, jemalloc_decode, jemalloc_next, jemalloc_release,
};
