/*
 * gotext.c - Go's legacy text heap profile: what /debug/pprof/heap?debug=1
 * (and /debug/pprof/allocs?debug=1) serve and pprof.WriteHeapProfile's
 * debug=1 form writes (runtime/pprof's writeHeapInternal):
 *
 *	heap profile: 42: 50480 [258: 336304] @ heap/8192
 *	16: 32768 [16: 32768] @ 0x6715f0 0x6718d4 0x46b301
 *	#	0x6715ef	main.worker+0x4f		/src/main.go:105
 *	#	0x6718d3	main.startWorkers.func1+0x53	/src/main.go:116
 *
 *	# runtime.MemStats
 *	# Alloc = 1409120
 *	...
 *
 * Owns: that text turned into the profile view (input.h), with the numbers
 * pprof's legacy parser gives (google/pprof profile/legacy_profile.go:
 * parseHeap, parseHeapHeader, parseHeapSample, scaleHeapSample), and the
 * MemStats section turned into struct hd_memstats.  Touches nothing else.
 *
 * A record is "inuse_objects: inuse_bytes [alloc_objects: alloc_bytes] @"
 * and the stack's return PCs, leaf first.  As pprof reads it:
 *  - the sample types are alloc_objects, alloc_space, inuse_objects and
 *    inuse_space, or only objects and space when the header's alloc
 *    totals are its inuse totals or "0" (pprof's hasAlloc, which compares
 *    the digits);
 *  - "@ heap/R" carries twice the sampling rate (Go writes
 *    2 * MemProfileRate, as the C++ heap profiler did), "heap_v2/R" and
 *    "heapz_v2/R" the rate itself; each count and size is divided by the
 *    chance that an allocation of the record's average size was sampled,
 *    1 - exp(-avg / rate), and truncated (a rate of 1 or less: as is);
 *    "heapprofile" is not sampled;
 *  - a location per distinct address, at the address minus one (a return
 *    PC points past its call).
 * Not as pprof reads it: pprof gives every legacy heap profile the
 * drop_frames of C++ allocators (allocRxStr, which holds runtime\..*), so
 * it cuts a stack at a runtime frame between two others (a deferred call
 * run by runtime.gopanic, a cgo callback) and gives the values to the
 * frame above; Go's protobuf writer does not.  heapdiff reads the text as
 * Go's protobuf of the same heap, without drop_frames: `heapdiff diff
 * heap.txt heap.pb.gz` of one heap finds no change.
 *
 * Frames are named from the "#" lines Go writes after each record, one per
 * frame of runtime.CallersFrames, at the PC minus one: no binary is needed
 * (go tool pprof needs the binary, and shows bare addresses without it).
 * Go leaves out the runtime's frames before the first other one (the
 * allocator's) and runtime.goexit, so in a record with "#" lines the
 * addresses before the first named one and after the last are left out of
 * the sample, as Go's protobuf writer leaves them out; one between two
 * named ones (a PC CallersFrames skips) stays, unnamed.  An address with
 * several "#" lines (a PC expanded into inlined frames) is one location
 * with several lines, innermost first.  A record without "#" lines keeps
 * every address, unnamed.  When records name one address differently, the
 * first names it.
 *
 * Stricter than pprof, which matches each line with an unanchored regexp
 * and ignores what does not match: a line that is not a record, a comment
 * or blank is an error naming the line, and so are negative counts (pprof
 * accepts negative inuse counts, Go never writes them), numbers past
 * 2^63 - 1, "#" lines that do not fit their record, a second header, and
 * a last line without its newline (a truncated download).
 *
 * Costs: one pass over the lines; a record costs its addresses and frame
 * lines; locations and functions are found through keyed hash maps.  All
 * memory is bounded by the input's size: every address, frame line and
 * record stored took some of its bytes.
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input/input.h"

/* ---- Go's math.Exp ---- */

/* Each a * b + c below is two roundings, as Go's MULSD and ADDSD are;
 * a compiler that fuses them (clang's default, and GCC's outside ISO C,
 * on a CPU with FMA) would change the last bit; -ffast-math would too,
 * and tests/gotext-unit.c would say so. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

static double from_bits(uint64_t b)
{
	double d;

	memcpy(&d, &b, sizeof(d));
	return d;
}

/* CVTSD2SL: round to nearest even; out of range (or NaN), INT32_MIN. */
static int32_t round_to_int32(double t)
{
	double r = nearbyint(t);

	return r >= -2147483648.0 && r <= 2147483647.0 ? (int32_t)r : INT32_MIN;
}

/*
 * math/exp_amd64.s step for step (Shibata's method: a reduced argument,
 * a Taylor series, four squarings).  Unsampling truncates, so an exp()
 * one ulp off moves a value by one when it lies near an integer: glibc's
 * exp() differs from Go's in about one argument in ten, and so do Go's
 * own two paths.  Every operation here is one IEEE double operation,
 * fma() the fused ones.
 */
double hd_go_exp(double x, int fma_path)
{
	static const double c[] = {
		0.5, 1.0, 2.0, 1.6666666666666666667e-1, 4.1666666666666666667e-2,
		8.3333333333333333333e-3, 1.3888888888888888889e-3,
		1.9841269841269841270e-4, 2.4801587301587301587e-5,
	};
	const double ln2u = 0.69314718055966295651160180568695068359375;
	const double ln2l = 0.28235290563031577122588448175013436025525412068e-12;
	const double log2e = 1.4426950408889634073599246810018920;
	uint64_t bits;
	double fk, y, p;
	int32_t k, e;
	int i;

	memcpy(&bits, &x, sizeof(bits));
	if ((bits & ~((uint64_t)1 << 63)) >= 0x7FF0000000000000ULL)
		return bits == 0xFFF0000000000000ULL ? 0 : x; /* -Inf: 0; NaN, +Inf */
	if (x > 7.09782712893384e+02)
		return HUGE_VAL;
	k = round_to_int32(log2e * x);
	fk = (double)k;
	y = fma_path ? fma(-fk, ln2l, fma(-fk, ln2u, x)) : (x - ln2u * fk) - ln2l * fk;
	y *= 0.0625;
	p = c[8];
	for (i = 7; i >= 3; i--)
		p = fma_path ? fma(y, p, c[i]) : p * y + c[i];
	p = fma_path ? fma(y, p, c[0]) : p * y + c[0];
	p = fma_path ? fma(y, p, c[1]) : p * y + c[1];
	y *= p;
	for (i = 0; i < 3; i++)
		y *= y + 2.0;
	y = fma_path ? fma(y + 2.0, y, 1.0) : y * (y + 2.0) + 1.0;
	/* fr * 2^k, through a subnormal scale when k is below -1022 */
	if (k > INT32_MAX - 0x3FF)
		return HUGE_VAL;
	e = k + 0x3FF;
	if (e <= 0) {
		if (e < -52)
			return 0;
		y *= from_bits((uint64_t)(e + 0x3FE) << 52);
		e = 1;
	} else if (e >= 0x7FF) {
		return HUGE_VAL;
	}
	return y * from_bits((uint64_t)e << 52);
}

/* Which exp() Go's pprof runs here: 1 its FMA path, 0 the other, -1 not
 * amd64 (Go's math.Exp is other code there; libm's exp() is as near). */
static int go_exp_path(void)
{
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
	/* Go's useFMA: cpu.X86.HasAVX && cpu.X86.HasFMA, both of which ask
	 * the OS too (XGETBV), as libgcc's and compiler-rt's tables do. */
	return __builtin_cpu_supports("avx") && __builtin_cpu_supports("fma");
#else
	return -1;
#endif
}

/* Go's int64(f) where it is defined; saturating where it is not (on
 * amd64 Go gives INT64_MIN there: only an absurd rate gets so far). */
static int64_t to_int64(double d)
{
	if (d != d)
		return 0;
	if (d >= 9223372036854775808.0)
		return INT64_MAX;
	if (d <= -9223372036854775808.0)
		return INT64_MIN;
	return (int64_t)d;
}

/* pprof's scaleHeapSample: count and size (neither negative) divided by
 * the chance that an allocation of their average size was sampled. */
static void unsample(int64_t *count, int64_t *size, int64_t rate, int path)
{
	double avg, x, scale;

	if (*count == 0 || *size == 0) {
		*count = *size = 0;
		return;
	}
	if (rate <= 1)
		return;
	avg = (double)*size / (double)*count;
	x = -avg / (double)rate;
	scale = 1 / (1 - (path >= 0 ? hd_go_exp(x, path) : exp(x)));
	*count = to_int64((double)*count * scale);
	*size = to_int64((double)*size * scale);
}

/* ---- the decoder's state ---- */

/* hd_profile.priv: the arrays the profile view points into. */
struct gotext {
	struct hd_sample_span *samples;
	uint32_t *refs;     /* every sample's locations, leaf first */
	int64_t *vals;      /* ntypes per sample */
	struct hd_pfunc *funcs;
	struct hd_ploc *locs;
	struct hd_pline *lines;
};

/* A "#" line of the record being read. */
struct frame {
	uint64_t pc;
	uint32_t func;      /* UINT32_MAX: unnamed ("#\t0xPC") */
	int64_t line;
	size_t lineno;
};

/* Where the frames of the record's address k are: frames[first, +n). */
struct span {
	size_t first, n;
};

struct parser {
	struct hd_profile *p;
	struct gotext *g;
	struct hd_error *err;
	const unsigned char *pos, *end;
	size_t lineno;
	/* the header */
	int has_alloc, path;
	int v2;             /* sampled: unsample() the values */
	int64_t rate;       /* what unsample() divides by */
	/* the record being read, if in_record */
	int in_record;
	size_t rec_lineno;
	int64_t rec_vals[4];
	uint64_t *addrs;
	struct frame *frames;
	struct span *spans;
	size_t naddrs, nframes, addrs_cap, frames_cap, spans_cap;
	/* what the profile is made of, growing */
	size_t samples_cap, nrefs, refs_cap, vals_cap;
	size_t funcs_cap, locs_cap, first_cap, nlines, lines_cap;
	size_t *loc_first;  /* per location: its first line, in lines */
	struct hd_map loc_index, func_index;
	struct hd_hash_key fkey;
	uint32_t zero_loc;  /* the location of address 0 (the maps' empty key) */
	struct hd_memstats *ms;
};

static int bad(struct parser *ps, size_t lineno, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int bad(struct parser *ps, size_t lineno, const char *fmt, ...)
{
	char why[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return hd_fail(ps->err, HD_ERR_FORMAT, "Go text heap profile, line %zu: %s", lineno, why);
}

static int nomem(struct parser *ps)
{
	return hd_fail(ps->err, HD_ERR_NOMEM, "out of memory");
}

/* At most 60 bytes of s in quotes, a tab as \t, '"' and '\\' escaped,
 * other bytes that are not printable ASCII as '?', "..." when cut. */
static const char *quote(char *out, size_t n, const unsigned char *s, size_t len)
{
	size_t i, k = 0, max = len > 60 ? 57 : len;

	out[k++] = '"';
	for (i = 0; i < max && k + 6 < n; i++) {
		if (s[i] == '\t' || s[i] == '"' || s[i] == '\\')
			out[k++] = '\\';
		out[k++] = s[i] == '\t' ? 't' : s[i] >= 0x20 && s[i] < 0x7f ? (char)s[i] : '?';
	}
	if (max < len) {
		memcpy(out + k, "...", 3);
		k += 3;
	}
	out[k++] = '"';
	out[k] = '\0';
	return out;
}

/* ---- lexing ---- */

static int is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r';
}

static const unsigned char *skip_space(const unsigned char *s, const unsigned char *e)
{
	while (s < e && is_space(*s))
		s++;
	return s;
}

/* Digits at *s into *v (at most max): 0, -1 when there are none, -2 when
 * they exceed max.  *s moves past the digits. */
static int read_dec(const unsigned char **s, const unsigned char *e, uint64_t max,
		    uint64_t *v)
{
	const unsigned char *q = *s;
	uint64_t r = 0;
	int over = 0;

	for (; q < e && *q >= '0' && *q <= '9'; q++) {
		if (r > (max - (uint64_t)(*q - '0')) / 10)
			over = 1;
		else
			r = r * 10 + (uint64_t)(*q - '0');
	}
	if (q == *s)
		return -1;
	*s = q;
	*v = r;
	return over ? -2 : 0;
}

static int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int hex_digit(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* "0x" and hex digits at *s into *v: 0, -1 when it is no such number,
 * -2 when it needs more than 64 bits.  *s moves past it. */
static int read_hex(const unsigned char **s, const unsigned char *e, uint64_t *v)
{
	const unsigned char *q = *s;
	uint64_t r = 0;
	int over = 0, d;

	if (e - q < 3 || q[0] != '0' || (q[1] != 'x' && q[1] != 'X') || hex_digit(q[2]) < 0)
		return -1;
	for (q += 2; q < e && (d = hex_digit(*q)) >= 0; q++) {
		if (r >> 60)
			over = 1;
		r = r << 4 | (uint64_t)d;
	}
	*s = q;
	*v = r;
	return over ? -2 : 0;
}

static int has_prefix(const unsigned char *s, size_t n, const char *pre)
{
	size_t k = strlen(pre);

	return n >= k && memcmp(s, pre, k) == 0;
}

/* pprof's isMemoryMapSentinel: the line contains one of them (asked of
 * lines that are no record: a record holds neither). */
static int is_map_sentinel(const unsigned char *s, size_t n)
{
	static const char *const sentinels[] = { "--- Memory map: ---", "MAPPED_LIBRARIES:" };
	size_t i, j;

	for (j = 0; j < 2; j++)
		for (i = 0; i < n; i++)
			if (has_prefix(s + i, n - i, sentinels[j]))
				return 1;
	return 0;
}

/* ---- functions and locations ---- */

/* The function (name, file), made on first sight.  Keyed by a keyed
 * 64-bit hash of both; when two differ in the rare collision, the second
 * gets a function of its own, never the first one's name. */
static int intern_func(struct parser *ps, const unsigned char *name, size_t nlen,
		       const unsigned char *file, size_t flen, uint32_t *out)
{
	struct hd_profile *p = ps->p;
	uint64_t h = hd_hash_mem(&ps->fkey, name, nlen);
	struct hd_pfunc *f;
	uint32_t v;
	int found;

	h = hd_hash_u64(&ps->fkey, h ^ hd_mum(hd_hash_mem(&ps->fkey, file, flen), nlen + 1));
	h += h == 0;
	found = hd_map_get(&ps->func_index, h, &v);
	if (found && strlen(p->funcs[v].name) == nlen && memcmp(p->funcs[v].name, name, nlen) == 0 &&
	    strlen(p->funcs[v].filename) == flen && memcmp(p->funcs[v].filename, file, flen) == 0) {
		*out = v;
		return 0;
	}
	if (p->nfuncs >= UINT32_MAX - 1)
		return hd_fail(ps->err, HD_ERR_LIMIT, "the profile has too many functions");
	if (HD_GROW(ps->g->funcs, ps->funcs_cap, p->nfuncs + 1))
		return nomem(ps);
	p->funcs = ps->g->funcs;
	f = &p->funcs[p->nfuncs];
	f->name = f->system_name = hd_arena_strndup(&p->arena, (const char *)name, nlen);
	f->filename = hd_arena_strndup(&p->arena, (const char *)file, flen);
	f->start_line = 0;
	if (!f->name || !f->filename || (!found && hd_map_put(&ps->func_index, h, (uint32_t)p->nfuncs)))
		return nomem(ps);
	*out = (uint32_t)p->nfuncs++;
	return 0;
}

/* The location of the raw (return) address a, made on first sight. */
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
	if (HD_GROW(ps->g->locs, ps->locs_cap, p->nlocs + 1) ||
	    HD_GROW(ps->loc_first, ps->first_cap, p->nlocs + 1))
		return nomem(ps);
	p->locs = ps->g->locs;
	l = &p->locs[p->nlocs];
	l->mapping = UINT32_MAX;
	l->address = a - 1; /* wraps for 0, as pprof's addr-- does */
	l->nlines = 0;
	l->lines = NULL;
	if (a == 0)
		ps->zero_loc = (uint32_t)p->nlocs;
	else if (hd_map_put(&ps->loc_index, a, (uint32_t)p->nlocs))
		return nomem(ps);
	*out = (uint32_t)p->nlocs++;
	return 0;
}

/* ---- the header ---- */

/* Spaces, then c. */
static int expect(const unsigned char **q, const unsigned char *e, unsigned char c)
{
	*q = skip_space(*q, e);
	if (*q == e || **q != c)
		return -1;
	(*q)++;
	return 0;
}

/* " N: N" of the header, the digits' bounds into d[0..3]: 0, -1 when
 * malformed, -2 when a number exceeds 2^63 - 1. */
static int header_pair(const unsigned char **q, const unsigned char *e,
		       const unsigned char **d)
{
	uint64_t v;
	int rc, over = 0;

	*q = skip_space(*q, e);
	d[0] = *q;
	if ((rc = read_dec(q, e, INT64_MAX, &v)) == -1 || *q == e || **q != ':')
		return -1;
	over |= rc;
	d[1] = (*q)++;
	*q = skip_space(*q, e);
	d[2] = *q;
	if ((rc = read_dec(q, e, INT64_MAX, &v)) == -1)
		return -1;
	d[3] = *q;
	return over | rc;
}

static int same_digits(const unsigned char *a, const unsigned char *ae,
		       const unsigned char *b, const unsigned char *be)
{
	return ae - a == be - b && memcmp(a, b, (size_t)(ae - a)) == 0;
}

static int is_zero(const unsigned char *a, const unsigned char *ae)
{
	return ae - a == 1 && *a == '0';
}

/* The sample types: pprof's four, or its two when the header says
 * nothing was ever freed (or says 0). */
static int set_types(struct parser *ps)
{
	static const char *const names[] = { "alloc_objects", "alloc_space", "inuse_objects", "inuse_space" };
	static const char *const two[] = { "objects", "space" };
	static const char *const units[] = { "count", "bytes", "count", "bytes" };
	struct hd_profile *p = ps->p;
	size_t i;

	p->ntypes = ps->has_alloc ? 4 : 2;
	p->type_names = hd_arena_calloc(&p->arena, p->ntypes, sizeof(char *));
	p->type_units = hd_arena_calloc(&p->arena, p->ntypes, sizeof(char *));
	p->totals = hd_arena_calloc(&p->arena, p->ntypes, sizeof(int64_t));
	if (!p->type_names || !p->type_units || !p->totals)
		return nomem(ps);
	for (i = 0; i < p->ntypes; i++) {
		p->type_names[i] = ps->has_alloc ? names[i] : two[i];
		p->type_units[i] = units[i];
	}
	return 0;
}

/*
 * "heap profile: N: N [N: N] @ heap/RATE": pprof's heapHeaderRE, anchored
 * at both ends.  The totals count only for hasAlloc; RATE sets the
 * unsampling.
 */
static int parse_header(struct parser *ps, const unsigned char *s, size_t n)
{
	const unsigned char *q = s + strlen("heap profile:"), *e = s + n, *d[8], *kind;
	size_t klen;
	uint64_t v = 0;
	char qs[136];
	int rc, r1, r2 = 0;

	if (!has_prefix(s, n, "heap profile:"))
		goto malformed;
	if ((r1 = header_pair(&q, e, d)) == -1 || expect(&q, e, '[') ||
	    (r2 = header_pair(&q, e, d + 4)) == -1 || expect(&q, e, ']') || expect(&q, e, '@'))
		goto malformed;
	if (r1 || r2)
		return bad(ps, 1, "a total in the header %s is out of range (more than 2^63 - 1)",
			   quote(qs, sizeof(qs), s, n));
	ps->has_alloc = (!same_digits(d[4], d[5], d[0], d[1]) && !is_zero(d[4], d[5])) ||
			(!same_digits(d[6], d[7], d[2], d[3]) && !is_zero(d[6], d[7]));
	kind = q = skip_space(q, e);
	while (q < e && ((*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9') || *q == '_'))
		q++;
	klen = (size_t)(q - kind);
	if (q < e && *q == '/')
		q++;
	rc = q < e && *q >= '0' && *q <= '9' ? read_dec(&q, e, INT64_MAX, &v) : 0;
	if (rc == -2)
		return bad(ps, 1, "the sampling rate in the header %s is out of range (more than 2^63 - 1)",
			   quote(qs, sizeof(qs), s, n));
	if (skip_space(q, e) != e || klen < 4 || memcmp(kind, "heap", 4) != 0)
		goto malformed;
	ps->v2 = 1;
	if (klen == 4)
		ps->rate = (int64_t)v / 2; /* Go writes twice the rate */
	else if ((klen == 7 && memcmp(kind, "heap_v2", 7) == 0) ||
		 (klen == 8 && memcmp(kind, "heapz_v2", 8) == 0))
		ps->rate = (int64_t)v;
	else if (klen == 11 && memcmp(kind, "heapprofile", 11) == 0)
		ps->v2 = 0;
	else
		return bad(ps, 1, "unknown sampling %s in the header (Go writes heap/RATE)",
			   quote(qs, sizeof(qs), kind, klen));
	/* As pprof's legacy parser sets them (parseHeap, parseHeapHeader). */
	ps->p->period_type = "space";
	ps->p->period_unit = "bytes";
	ps->p->period = ps->v2 ? ps->rate : 1;
	return set_types(ps);
malformed:
	return bad(ps, 1, "malformed header %s (want \"heap profile: N: N [N: N] @ heap/RATE\")",
		   quote(qs, sizeof(qs), s, n));
}

/* ---- records ---- */

static int malformed_record(struct parser *ps, const unsigned char *s, size_t n)
{
	char qs[136];

	return bad(ps, ps->lineno, "malformed record %s (want \"N: N [N: N] @ 0xADDRESS...\")",
		   quote(qs, sizeof(qs), s, n));
}

/* A count and its bytes: pprof refuses bytes without objects. */
static int check_pair(struct parser *ps, int64_t count, int64_t size, const char *what)
{
	if (count == 0 && size != 0)
		return bad(ps, ps->lineno, "the %s object count is 0 but its bytes are %lld",
			   what, (long long)size);
	return 0;
}

/* The addresses after '@', into addrs. */
static int parse_addrs(struct parser *ps, const unsigned char *q, const unsigned char *e)
{
	char qs[136];

	ps->naddrs = 0;
	for (;;) {
		const unsigned char *a = q = skip_space(q, e);
		uint64_t addr = 0;
		int rc;

		if (q == e)
			return 0;
		rc = read_hex(&q, e, &addr);
		if (rc == -1 || (q < e && !is_space(*q))) {
			while (q < e && !is_space(*q))
				q++;
			return bad(ps, ps->lineno, "%s in the address list is not an address",
				   quote(qs, sizeof(qs), a, (size_t)(q - a)));
		}
		if (rc == -2)
			return bad(ps, ps->lineno, "address %s does not fit in 64 bits",
				   quote(qs, sizeof(qs), a, (size_t)(q - a)));
		if (ps->naddrs >= UINT32_MAX - 1)
			return hd_fail(ps->err, HD_ERR_LIMIT, "a record has too many addresses");
		if (HD_GROW(ps->addrs, ps->addrs_cap, ps->naddrs + 1))
			return nomem(ps);
		ps->addrs[ps->naddrs++] = addr;
	}
}

/*
 * "N: N [N: N] @ 0x... 0x...": pprof's heapSampleRE, anchored at both
 * ends, and no negative counts.  The values, unsampled, go to rec_vals.
 */
static int parse_record(struct parser *ps, const unsigned char *s, size_t n)
{
	static const char *const what[] = {
		"in-use object count", "in-use byte count",
		"allocated object count", "allocated byte count",
	};
	const unsigned char *q = s, *e = s + n;
	uint64_t u[4];
	int64_t v[4];
	char qs[136];
	int i, rc;

	for (i = 0; i < 4; i++) {
		if (i == 2 && expect(&q, e, '['))
			return malformed_record(ps, s, n);
		q = skip_space(q, e);
		if (q < e && *q == '-')
			return bad(ps, ps->lineno, "negative %s in record %s", what[i],
				   quote(qs, sizeof(qs), s, n));
		if ((rc = read_dec(&q, e, INT64_MAX, &u[i])) == -2)
			return bad(ps, ps->lineno, "the %s in record %s is out of range (more than 2^63 - 1)",
				   what[i], quote(qs, sizeof(qs), s, n));
		if (rc == -1 || (i % 2 == 0 && (q == e || *q++ != ':')))
			return malformed_record(ps, s, n);
		v[i] = (int64_t)u[i];
	}
	if (expect(&q, e, ']'))
		return malformed_record(ps, s, n);
	if (expect(&q, e, '@'))
		return bad(ps, ps->lineno, "record %s has no '@' before its addresses",
			   quote(qs, sizeof(qs), s, n));
	if ((rc = parse_addrs(ps, q, e)))
		return rc;
	if ((ps->has_alloc && (rc = check_pair(ps, v[2], v[3], "allocated"))) ||
	    (rc = check_pair(ps, v[0], v[1], "in-use")))
		return rc;
	if (ps->v2) {
		unsample(&v[0], &v[1], ps->rate, ps->path);
		unsample(&v[2], &v[3], ps->rate, ps->path);
	}
	i = 0;
	if (ps->has_alloc) {
		ps->rec_vals[i++] = v[2];
		ps->rec_vals[i++] = v[3];
	}
	ps->rec_vals[i++] = v[0];
	ps->rec_vals[i] = v[1];
	ps->in_record = 1;
	ps->rec_lineno = ps->lineno;
	ps->nframes = 0;
	return 0;
}

/* "#", spaces, "0x" and a hex digit: a frame line. */
static int is_frame_line(const unsigned char *s, size_t n)
{
	const unsigned char *q = skip_space(s + 1, s + n);

	return s + n - q >= 3 && q[0] == '0' && q[1] == 'x' && hex_digit(q[2]) >= 0;
}

/* The name field of a frame line without its "+0xOFFSET": where it ends. */
static const unsigned char *name_end(const unsigned char *name, const unsigned char *ne)
{
	const unsigned char *c = ne, *h;
	uint64_t off;

	while (c > name && c[-1] != '+')
		c--;
	h = c;
	if (c > name + 1 && read_hex(&h, ne, &off) != -1 && h == ne)
		return c - 1;
	return ne;
}

/*
 * "#\t0xPC\tFUNC+0xOFFSET\tFILE:LINE" (tabs, as Go's tabwriter pads
 * them: one or more), or "#\t0xPC" for a frame without a name.
 */
static int parse_frame(struct parser *ps, const unsigned char *s, size_t n)
{
	const unsigned char *q = skip_space(s + 1, s + n), *e = s + n, *name, *ne, *file, *c;
	struct frame *f;
	uint64_t pc = 0, line = 0;
	char qs[136];
	int rc = read_hex(&q, e, &pc);

	if (rc == -2 || (q < e && !is_space(*q)))
		return bad(ps, ps->lineno, "malformed frame line %s (want \"#\\t0xPC\\tFUNCTION+0xOFFSET\\tFILE:LINE\")",
			   quote(qs, sizeof(qs), s, n));
	if (!ps->in_record)
		return bad(ps, ps->lineno, "a frame line outside any record");
	if (HD_GROW(ps->frames, ps->frames_cap, ps->nframes + 1))
		return nomem(ps);
	f = &ps->frames[ps->nframes];
	f->pc = pc;
	f->func = UINT32_MAX;
	f->line = 0;
	f->lineno = ps->lineno;
	if ((q = skip_space(q, e)) < e) {
		for (name = q; q < e && *q != '\t'; q++)
			;
		for (ne = q; ne > name && is_space(ne[-1]); ne--)
			;
		ne = name_end(name, ne);
		file = skip_space(q, e);
		for (c = e; c > file && c[-1] >= '0' && c[-1] <= '9'; c--)
			;
		if (c < e && c - 1 > file && c[-1] == ':') {
			const unsigned char *d = c;

			if (read_dec(&d, e, INT64_MAX, &line) == -2)
				return bad(ps, ps->lineno, "the line number in %s is out of range",
					   quote(qs, sizeof(qs), s, n));
			e = c - 1;
		}
		if ((rc = intern_func(ps, name, (size_t)(ne - name), file, (size_t)(e - file), &f->func)))
			return rc;
		f->line = (int64_t)line;
	}
	ps->nframes++;
	return 0;
}

/*
 * The record's frames against its addresses, left to right: spans[k] for
 * address k, and [*lo, *hi) the addresses from the first with frames to
 * the last.  A run of r equal addresses (recursion) takes the run of f
 * frame lines at that PC, f / r each (several: a PC expanded into inlined
 * frames).
 */
static int match_frames(struct parser *ps, size_t *lo, size_t *hi)
{
	const struct frame *fr = ps->frames;
	size_t i = 0, k = 0, t;

	if (HD_GROW(ps->spans, ps->spans_cap, ps->naddrs + 1))
		return nomem(ps);
	memset(ps->spans, 0, ps->naddrs * sizeof(*ps->spans));
	*lo = SIZE_MAX;
	*hi = 0;
	while (i < ps->nframes) {
		uint64_t pc = fr[i].pc;
		size_t f = 1, r = 1;

		while (i + f < ps->nframes && fr[i + f].pc == pc)
			f++;
		while (k < ps->naddrs && ps->addrs[k] - 1 != pc)
			k++;
		if (k == ps->naddrs)
			return bad(ps, fr[i].lineno,
				   "frame 0x%llx is not among the addresses of its record (line %zu), or out of their order",
				   (unsigned long long)pc, ps->rec_lineno);
		while (k + r < ps->naddrs && ps->addrs[k + r] == ps->addrs[k])
			r++;
		if (f % r)
			return bad(ps, fr[i].lineno,
				   "%zu frame lines for 0x%llx, which its record (line %zu) lists %zu times",
				   f, (unsigned long long)pc, ps->rec_lineno, r);
		for (t = 0; t < r; t++) {
			ps->spans[k + t].first = i + t * (f / r);
			ps->spans[k + t].n = f / r;
		}
		if (*lo == SIZE_MAX)
			*lo = k;
		k += r;
		i += f;
		*hi = k;
	}
	return 0;
}

/* Location li named by frames[sp] (unnamed frames give no line), unless
 * an earlier record named it. */
static int name_loc(struct parser *ps, uint32_t li, const struct span *sp)
{
	struct hd_ploc *l = &ps->p->locs[li];
	size_t j;

	if (l->nlines)
		return 0;
	ps->loc_first[li] = ps->nlines;
	for (j = sp->first; j < sp->first + sp->n; j++) {
		if (ps->frames[j].func == UINT32_MAX)
			continue;
		if (HD_GROW(ps->g->lines, ps->lines_cap, ps->nlines + 1))
			return nomem(ps);
		ps->g->lines[ps->nlines].func = ps->frames[j].func;
		ps->g->lines[ps->nlines++].line = ps->frames[j].line;
		l->nlines++;
	}
	return 0;
}

/* The record read so far becomes a sample. */
static int end_record(struct parser *ps)
{
	struct hd_profile *p = ps->p;
	struct gotext *g = ps->g;
	size_t lo = 0, hi = ps->naddrs, k;
	int rc;

	if (!ps->in_record)
		return 0;
	ps->in_record = 0;
	if (ps->nframes && (rc = match_frames(ps, &lo, &hi)))
		return rc;
	if (HD_GROW(g->refs, ps->refs_cap, ps->nrefs + (hi - lo) + 1) ||
	    HD_GROW(g->samples, ps->samples_cap, p->nsamples + 1) ||
	    HD_GROW(g->vals, ps->vals_cap, (p->nsamples + 1) * p->ntypes))
		return nomem(ps);
	g->samples[p->nsamples].first = ps->nrefs;
	g->samples[p->nsamples].nlocs = (uint32_t)(hi - lo);
	for (k = lo; k < hi; k++) {
		uint32_t li;

		if ((rc = get_loc(ps, ps->addrs[k], &li)) ||
		    (ps->nframes && ps->spans[k].n && (rc = name_loc(ps, li, &ps->spans[k]))))
			return rc;
		g->refs[ps->nrefs++] = li;
	}
	for (k = 0; k < p->ntypes; k++) {
		g->vals[p->nsamples * p->ntypes + k] = ps->rec_vals[k];
		p->totals[k] = hd_add_sat(p->totals[k], ps->rec_vals[k]);
	}
	if (hi - lo > p->max_locs)
		p->max_locs = hi - lo;
	p->nsamples++;
	return 0;
}

/* ---- MemStats ---- */

#define MS(f) offsetof(struct hd_memstats, f)
#define MS_NONE SIZE_MAX

/* runtime/pprof's writeHeapInternal prints these, in this order; "Stack",
 * "MSpan" and "MCache" as "inuse / sys". */
static const struct ms_field {
	const char *name;
	size_t off, off2;
} ms_fields[] = {
	{ "Alloc", MS(alloc), MS_NONE }, { "TotalAlloc", MS(total_alloc), MS_NONE },
	{ "Sys", MS(sys), MS_NONE }, { "Lookups", MS(lookups), MS_NONE },
	{ "Mallocs", MS(mallocs), MS_NONE }, { "Frees", MS(frees), MS_NONE },
	{ "HeapAlloc", MS(heap_alloc), MS_NONE }, { "HeapSys", MS(heap_sys), MS_NONE },
	{ "HeapIdle", MS(heap_idle), MS_NONE }, { "HeapInuse", MS(heap_inuse), MS_NONE },
	{ "HeapReleased", MS(heap_released), MS_NONE },
	{ "HeapObjects", MS(heap_objects), MS_NONE },
	{ "Stack", MS(stack_inuse), MS(stack_sys) }, { "MSpan", MS(mspan_inuse), MS(mspan_sys) },
	{ "MCache", MS(mcache_inuse), MS(mcache_sys) },
	{ "BuckHashSys", MS(buck_hash_sys), MS_NONE }, { "GCSys", MS(gc_sys), MS_NONE },
	{ "OtherSys", MS(other_sys), MS_NONE }, { "NextGC", MS(next_gc), MS_NONE },
	{ "LastGC", MS(last_gc), MS_NONE }, { "NumGC", MS(num_gc), MS_NONE },
	{ "NumForcedGC", MS(num_forced_gc), MS_NONE }, { "MaxRSS", MS(max_rss), MS_NONE },
};

/* A float64 as Go's %v prints it. */
static int is_go_float(const unsigned char *s, size_t n)
{
	size_t i;

	if ((n == 3 && memcmp(s, "NaN", 3) == 0) || (n == 4 && (memcmp(s, "+Inf", 4) == 0 ||
							      memcmp(s, "-Inf", 4) == 0)))
		return 1;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == 'e' || s[i] == '-' || s[i] == '+'))
			return 0;
	return n > 0 && s[0] != 'e';
}

/* One number of a field at *q into the struct at off. */
static int ms_number(struct parser *ps, const unsigned char **q, const unsigned char *e,
		     const char *name, size_t off)
{
	const unsigned char *v = *q;
	char qs[136];
	uint64_t x;
	int rc = read_dec(q, e, UINT64_MAX, &x);

	if (rc == -2)
		return bad(ps, ps->lineno, "MemStats %s: %s does not fit in 64 bits", name,
			   quote(qs, sizeof(qs), v, (size_t)(*q - v)));
	if (rc == -1)
		return bad(ps, ps->lineno, "MemStats %s: %s is not a number", name,
			   quote(qs, sizeof(qs), v, (size_t)(e - v)));
	memcpy((char *)ps->ms + off, &x, sizeof(x));
	return 0;
}

/* The most numbers "# PauseNs = [...]" may hold (Go's ring has 256). */
#define MS_MAX_PAUSES 4096

/* "[n n ... n]" at v..e, Go's %d of an array: into ps->ms->pause_ns. */
static int ms_pauses(struct parser *ps, const unsigned char *v, const unsigned char *e)
{
	const unsigned char *q = v;
	uint64_t *ring, x;
	size_t n = 0, i;
	char qs[136];

	if (q == e || *q != '[' || e[-1] != ']')
		goto junk;
	/* Numbers are one or more digits and one space apart: count them. */
	for (q = v + 1; q < e - 1; q++)
		n += *q == ' ';
	n++;
	if (n > MS_MAX_PAUSES)
		return bad(ps, ps->lineno, "MemStats PauseNs: more than %d numbers", MS_MAX_PAUSES);
	ring = hd_arena_alloc(&ps->p->arena, n * sizeof(*ring));
	if (!ring)
		return nomem(ps);
	for (q = v + 1, i = 0; i < n; i++) {
		if (i && (q == e || *q++ != ' '))
			goto junk;
		if (read_dec(&q, e, UINT64_MAX, &x))
			goto junk;
		ring[i] = x;
	}
	if (q != e - 1)
		goto junk;
	ps->ms->pause_ns = ring;
	ps->ms->npause = n;
	ps->ms->nfields++;
	return 0;
junk:
	return bad(ps, ps->lineno, "MemStats PauseNs: %s is not a list of numbers \"[n n ...]\"",
		   quote(qs, sizeof(qs), v, (size_t)(e - v)));
}

/* "# Name = value" after "# runtime.MemStats".  Names it does not know
 * (a newer Go's) are passed over, as is PauseEnd. */
static int parse_memstat(struct parser *ps, const unsigned char *s, size_t n)
{
	const unsigned char *q = skip_space(s + 1, s + n), *e = s + n, *name = q, *v;
	size_t nlen, i;
	char qs[136];
	int rc;

	while (q < e && !is_space(*q) && *q != '=')
		q++;
	nlen = (size_t)(q - name);
	if (expect(&q, e, '='))
		return 0; /* some other comment */
	v = q = skip_space(q, e);
	if (nlen == 13 && memcmp(name, "GCCPUFraction", 13) == 0) {
		if (!is_go_float(v, (size_t)(e - v)))
			return bad(ps, ps->lineno, "MemStats GCCPUFraction: %s is not a number",
				   quote(qs, sizeof(qs), v, (size_t)(e - v)));
		ps->ms->gc_cpu_fraction = hd_arena_strndup(&ps->p->arena, (const char *)v, (size_t)(e - v));
		ps->ms->nfields++;
		return ps->ms->gc_cpu_fraction ? 0 : nomem(ps);
	}
	if (nlen == 7 && memcmp(name, "PauseNs", 7) == 0)
		return ms_pauses(ps, v, e);
	if (nlen == 7 && memcmp(name, "DebugGC", 7) == 0) {
		if (!((e - v == 4 && memcmp(v, "true", 4) == 0) || (e - v == 5 && memcmp(v, "false", 5) == 0)))
			return bad(ps, ps->lineno, "MemStats DebugGC: %s is not true or false",
				   quote(qs, sizeof(qs), v, (size_t)(e - v)));
		ps->ms->debug_gc = *v == 't';
		ps->ms->nfields++;
		return 0;
	}
	for (i = 0; i < sizeof(ms_fields) / sizeof(ms_fields[0]); i++)
		if (strlen(ms_fields[i].name) == nlen && memcmp(ms_fields[i].name, name, nlen) == 0)
			break;
	if (i == sizeof(ms_fields) / sizeof(ms_fields[0]))
		return 0;
	if ((rc = ms_number(ps, &q, e, ms_fields[i].name, ms_fields[i].off)))
		return rc;
	if (ms_fields[i].off2 != MS_NONE) {
		if (expect(&q, e, '/'))
			return bad(ps, ps->lineno, "MemStats %s: %s is not \"INUSE / SYS\"",
				   ms_fields[i].name, quote(qs, sizeof(qs), v, (size_t)(e - v)));
		q = skip_space(q, e);
		if ((rc = ms_number(ps, &q, e, ms_fields[i].name, ms_fields[i].off2)))
			return rc;
	}
	if (q != e)
		return bad(ps, ps->lineno, "MemStats %s: %s is not a number", ms_fields[i].name,
			   quote(qs, sizeof(qs), v, (size_t)(e - v)));
	ps->ms->nfields++;
	return 0;
}

/* ---- the file ---- */

/* A comment line: the MemStats section's start, a field of it, or
 * nothing heapdiff reads. */
static int parse_comment(struct parser *ps, const unsigned char *s, size_t n)
{
	if (n == 18 && memcmp(s, "# runtime.MemStats", 18) == 0) {
		if (!ps->ms && !(ps->ms = hd_arena_calloc(&ps->p->arena, 1, sizeof(*ps->ms))))
			return nomem(ps);
		return 0;
	}
	return ps->ms ? parse_memstat(ps, s, n) : 0;
}

/* Every line, in one pass (pprof's parseHeap). */
static int parse_lines(struct parser *ps)
{
	int rc = 0;

	while (!rc && ps->pos < ps->end) {
		const unsigned char *s = ps->pos, *nl = memchr(s, '\n', (size_t)(ps->end - s));
		size_t n = (size_t)((nl ? nl : ps->end) - s);

		ps->pos = nl ? nl + 1 : ps->end;
		ps->lineno++;
		while (n && is_space(s[n - 1]))
			n--;
		while (n && is_space(*s)) {
			s++;
			n--;
		}
		if (n && !nl)
			return bad(ps, ps->lineno, "the file ends inside this line (truncated?)");
		if (ps->lineno == 1) {
			rc = parse_header(ps, s, n);
			continue;
		}
		if (n == 0 || (s[0] == '#' && is_frame_line(s, n))) {
			rc = n ? parse_frame(ps, s, n) : end_record(ps);
			continue;
		}
		if ((rc = end_record(ps)))
			break;
		if (s[0] == '#')
			rc = parse_comment(ps, s, n);
		else if (is_digit(s[0]) || (s[0] == '-' && n > 1 && is_digit(s[1])))
			rc = parse_record(ps, s, n);
		else if (is_map_sentinel(s, n))
			return 0; /* a C++ profile's memory map: pprof's end of the samples */
		else if (has_prefix(s, n, "heap profile:"))
			rc = bad(ps, ps->lineno, "a second \"heap profile:\" header (two profiles in one file?)");
		else
			rc = parse_record(ps, s, n); /* to say what is wrong with it */
	}
	return rc ? rc : end_record(ps);
}

/* After the last line: the view's pointers, and the cap on frames. */
static int finish(struct parser *ps, const struct hd_limits *lim)
{
	struct hd_profile *p = ps->p;
	struct gotext *g = ps->g;
	uint64_t max = lim && lim->max_frames ? lim->max_frames : HD_DEFAULT_MAX_FRAMES;
	uint64_t frames = 0;
	size_t i;

	/* Never NULL, as pprof.c leaves them, even when empty. */
	if (HD_GROW(g->funcs, ps->funcs_cap, 1) || HD_GROW(g->locs, ps->locs_cap, 1) ||
	    HD_GROW(g->lines, ps->lines_cap, 1) || HD_GROW(g->refs, ps->refs_cap, 1) ||
	    !(p->mappings = hd_arena_calloc(&p->arena, 1, sizeof(*p->mappings))))
		return nomem(ps);
	p->funcs = g->funcs;
	p->locs = g->locs;
	for (i = 0; i < p->nlocs; i++)
		p->locs[i].lines = g->lines + (p->locs[i].nlines ? ps->loc_first[i] : 0);
	/* Each reference expands to its location's lines (at least one). */
	for (i = 0; i < ps->nrefs && frames <= max; i++)
		frames += p->locs[g->refs[i]].nlines ? p->locs[g->refs[i]].nlines : 1;
	if (frames > max)
		return hd_fail_about(ps->err, HD_ERR_LIMIT, HD_SUBJ_MAX_FRAMES,
				     "the samples' stacks expand to more than %llu frames, inlined lines counted",
				     (unsigned long long)max);
	p->nrefs = ps->nrefs;
	p->memstats = ps->ms;
	return 0;
}

static int gotext_sniff(const unsigned char *data, size_t len)
{
	return len >= 13 && memcmp(data, "heap profile:", 13) == 0;
}

static int gotext_decode(struct hd_profile *p, const struct hd_limits *lim,
			 struct hd_error *err)
{
	struct parser ps;
	int rc;

	memset(&ps, 0, sizeof(ps));
	if (!(p->priv = calloc(1, sizeof(struct gotext))))
		return hd_fail(err, HD_ERR_NOMEM, "out of memory");
	ps.p = p;
	ps.g = p->priv;
	ps.err = err;
	ps.pos = p->data;
	ps.end = p->data + p->len;
	ps.zero_loc = UINT32_MAX;
	ps.path = go_exp_path();
	hd_hash_key_init(&ps.fkey);
	rc = parse_lines(&ps);
	if (!rc)
		rc = finish(&ps, lim);
	free(ps.addrs);
	free(ps.frames);
	free(ps.spans);
	free(ps.loc_first);
	hd_map_release(&ps.loc_index);
	hd_map_release(&ps.func_index);
	return rc;
}

static int gotext_next(const struct hd_profile *p, struct hd_sample_iter *it,
		       uint32_t *locs, int64_t *values, struct hd_psample *out)
{
	const struct gotext *g = p->priv;

	return hd_samples_next(p, g->samples, g->refs, g->vals, it, locs, values, out);
}

static void gotext_release(struct hd_profile *p)
{
	struct gotext *g = p->priv;

	if (!g)
		return;
	free(g->samples);
	free(g->refs);
	free(g->vals);
	free(g->funcs);
	free(g->locs);
	free(g->lines);
	free(g);
	p->priv = NULL;
	p->funcs = NULL;
	p->locs = NULL;
}

const struct hd_decoder hd_decoder_gotext = {
	"gotext", gotext_sniff, gotext_decode, gotext_next, gotext_release,
};
