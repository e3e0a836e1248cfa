/*
 * profile.c - protobuf decode and validation: bytes -> hd_profile.
 *
 * Owns: the profile's decompressed bytes and one arena holding the
 * resolved view the model reads (functions, locations, mappings by index
 * instead of by id).  Freeing the profile frees all of it at once.
 *
 * The wire format is read here, by hand, instead of through protobuf-c's
 * generated unpacker (which the tests still use to write profiles).
 * protobuf-c materializes every message: a Sample with its location,
 * value and label arrays, a Location with its Lines.  Measured, that was
 * 37% of the instructions of a 200 000-stack diff and most of its 247 MB,
 * and 2.2 G of the 7.3 G instructions of `top` on a profile of a million
 * functions.  So samples are never materialized: they stay encoded in
 * the profile's buffer, are validated in one pass, and the sample
 * iterator (pprof_next) walks and decodes them again when the model asks:
 * the shape producers write by a fast path (sample_fast, a word of ids at
 * a time), anything else, and every error, by the general reader
 * (sample_read); the small messages are read straight into flat arrays.
 *
 * Wire format as pprof's decoder reads it: varints of at most 10 bytes;
 * wire types 0, 1, 2 and 5 (groups are refused); a known field with the
 * wrong wire type is an error, unknown fields are skipped; repeated
 * scalars may be packed or not; a repeated scalar field may come in
 * several pieces; for singular fields the last occurrence wins.
 *
 * Validation is as strict as pprof's profile.Parse + CheckValid, and a
 * little stricter where pprof silently drops a reference (a location's
 * mapping_id that does not resolve): string_table[0] is ""; every string
 * index is in range; every sample has one value per sample type; ids of
 * mappings, locations and functions are non-zero and unique; every
 * location, mapping and function reference resolves.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input/input.h"

/* id -> index of a mapping, location or function. */
struct id_index {
	uint32_t *dense;  /* dense[id] = index or UINT32_MAX; NULL: map */
	uint64_t ndense;
	struct hd_map map;
};

/* Locations' dense index covers every one- or two-byte varint, so that
 * sample_fast() looks such an id up without a bounds test. */
#define LOC_DENSE_MIN ((uint64_t)1 << 14)

/* The decoder's own state (hd_profile.priv). */
struct pprof {
	/* The Sample messages lie in p->data[first_sample, end_sample),
	 * maybe among other fields: they are not indexed but walked again,
	 * so a million empty samples cost no memory of their own. */
	size_t first_sample, end_sample;
	struct id_index loc_index;
	size_t nstrs;   /* the string table's size, for the labels' check */
	/* Samples whose values are in p->totals: the first pass of next in
	 * order sums them, so totals are final at nsamples (input.h). */
	size_t summed;
};

static inline struct pprof *pp(const struct hd_profile *p)
{
	return p->priv;
}

/* ---- the wire format ---- */

struct wire {
	const unsigned char *p, *end;
	const unsigned char *bad_at; /* where the first error was found */
	char why[96];                /* what it was; set with bad_at */
};

/* Not an initializer: that would clear why[] for every sample read. */
static inline void wire_init(struct wire *w, const unsigned char *p, size_t n)
{
	w->p = p;
	w->end = p + n;
	w->bad_at = NULL;
}

static int wire_bad(struct wire *w, const unsigned char *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int wire_bad(struct wire *w, const unsigned char *at, const char *fmt, ...)
{
	va_list ap;

	if (!w->bad_at) {
		w->bad_at = at;
		va_start(ap, fmt);
		vsnprintf(w->why, sizeof(w->why), fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* Decode the varint at q (q < e): the byte after it, or NULL when it is
 * truncated or longer than 10 bytes (varint_error says which). */
static inline const unsigned char *varint_at(const unsigned char *q,
					     const unsigned char *e, uint64_t *v)
{
	uint64_t r = 0;
	unsigned s;

	for (s = 0; s < 70 && q < e; s += 7) {
		r |= (uint64_t)(*q & 0x7f) << s;
		if (*q++ < 0x80) {
			*v = r;
			return q;
		}
	}
	return NULL;
}

static int varint_error(struct wire *w, const unsigned char *q, const unsigned char *e)
{
	return wire_bad(w, q, "%s", e - q < 10 ? "truncated varint" : "varint longer than 10 bytes");
}

static inline int wire_varint(struct wire *w, uint64_t *v)
{
	const unsigned char *q = w->p;

	if (q < w->end && *q < 0x80) {
		*v = *q;
		w->p = q + 1;
		return 0;
	}
	if (!(q = varint_at(w->p, w->end, v)))
		return varint_error(w, w->p, w->end);
	w->p = q;
	return 0;
}

/* The next field's number and wire type; groups (3, 4) and the unused
 * wire types 6 and 7 are refused, as pprof refuses them. */
static inline int wire_tag(struct wire *w, uint32_t *field, unsigned *type)
{
	const unsigned char *at = w->p;
	uint64_t t = 0;

	*field = 0;
	*type = 0;
	if (wire_varint(w, &t))
		return -1;
	if ((t >> 3) == 0 || (t >> 3) > 0x1fffffff)
		return wire_bad(w, at, "field number %llu is out of range",
				(unsigned long long)(t >> 3));
	*field = (uint32_t)(t >> 3);
	*type = (unsigned)(t & 7);
	if (*type != 0 && *type != 1 && *type != 2 && *type != 5)
		return wire_bad(w, at, "field %u has wire type %u, which is not supported",
				*field, *type);
	return 0;
}

/* Read the value of a field of wire type type: a varint or fixed value
 * into *v, or for type 2 the payload's bounds into *pl, *plen. */
static inline int wire_value(struct wire *w, uint32_t field, unsigned type, uint64_t *v,
		      const unsigned char **pl, size_t *plen)
{
	const unsigned char *at = w->p;
	size_t n = type == 1 ? 8 : 4;
	uint64_t len = 0;

	switch (type) {
	case 0:
		return wire_varint(w, v);
	case 2:
		if (wire_varint(w, &len))
			return -1;
		if (len > (uint64_t)(w->end - w->p))
			return wire_bad(w, at, "field %u has length %llu, past the end of the data",
					field, (unsigned long long)len);
		*pl = w->p;
		*plen = (size_t)len;
		w->p += len;
		return 0;
	default:
		if ((size_t)(w->end - w->p) < n)
			return wire_bad(w, at, "field %u is a truncated %zu-bit value", field, n * 8);
		*v = 0;
		while (n--)
			*v = *v << 8 | w->p[n];
		w->p += type == 1 ? 8 : 4;
		return 0;
	}
}

static int wire_type_is(struct wire *w, const unsigned char *at, uint32_t field,
			unsigned type, unsigned want, const char *name)
{
	if (type == want)
		return 0;
	return wire_bad(w, at, "field %u (%s) has wire type %u, expected %u",
			field, name, type, want);
}

/*
 * One piece of a repeated scalar field, packed (type 2) or a single value
 * (type 0): [*q, *e) holds its varints, read with varint_at().
 */
static int wire_repeated(struct wire *w, const unsigned char *at, uint32_t field,
			 unsigned type, const char *name,
			 const unsigned char **q, const unsigned char **e)
{
	uint64_t v;
	size_t n = 0;

	*q = w->p;
	if (type == 0) {
		if (wire_varint(w, &v))
			return -1;
		*e = w->p;
		return 0;
	}
	if (type != 2)
		return wire_bad(w, at, "field %u (%s) has wire type %u, expected 0 or 2",
				field, name, type);
	if (wire_value(w, field, 2, NULL, q, &n))
		return -1;
	*e = *q + n;
	return 0;
}

/* ---- ids ---- */

static inline uint32_t index_get(const struct id_index *x, uint64_t id)
{
	uint32_t v;

	if (x->dense)
		return id < x->ndense ? x->dense[id] : UINT32_MAX;
	return hd_map_get(&x->map, id, &v) ? v : UINT32_MAX;
}

static void index_release(struct id_index *x)
{
	hd_map_release(&x->map);
}

/*
 * Index n ids.  Producers number ids 1..n (Go, pprof, tcmalloc), so a
 * plain array serves unless the ids are sparse; then a hash map does.
 * The array has at least min_dense entries (the padding unused ids,
 * UINT32_MAX), so that a caller may index it without a bounds test by
 * any value below min_dense.
 */
static int index_ids(struct id_index *x, struct hd_arena *a, size_t n,
		     uint64_t (*id_of)(const void *items, size_t i), const void *items,
		     uint64_t min_dense, const char *what, struct hd_error *err)
{
	uint64_t max = 0;
	size_t i;

	memset(x, 0, sizeof(*x));
	for (i = 0; i < n; i++) {
		uint64_t id = id_of(items, i);

		if (id == 0)
			return hd_fail(err, HD_ERR_INVALID,
				       "%s %zu has id 0 (ids must be non-zero)", what, i);
		if (id > max)
			max = id;
	}
	if (max <= (uint64_t)n * 4 + 1024) {
		x->ndense = max + 1 > min_dense ? max + 1 : min_dense;
		x->dense = hd_arena_alloc(a, (size_t)x->ndense * sizeof(uint32_t));
		if (!x->dense)
			return hd_fail(err, HD_ERR_NOMEM, "out of memory");
		memset(x->dense, 0xff, (size_t)x->ndense * sizeof(uint32_t));
	} else if (hd_map_init(&x->map, n)) {
		return hd_fail(err, HD_ERR_NOMEM, "out of memory");
	}
	for (i = 0; i < n; i++) {
		uint64_t id = id_of(items, i);

		if (index_get(x, id) != UINT32_MAX)
			return hd_fail(err, HD_ERR_INVALID,
				       "two %ss have the same id %llu", what,
				       (unsigned long long)id);
		if (x->dense)
			x->dense[id] = (uint32_t)i;
		else if (hd_map_put(&x->map, id, (uint32_t)i))
			return hd_fail(err, HD_ERR_NOMEM, "out of memory");
	}
	return 0;
}

/*
 * The small messages, as read: only the fields heapdiff uses or validates.
 * Lines of all locations share one array.
 */
struct raw_type { int64_t type, unit; };
struct raw_mapping {
	uint64_t id, start, limit, offset;
	int64_t filename, build_id;
	int has_functions;
};
struct raw_function { uint64_t id; int64_t name, system_name, filename, start_line; };
struct raw_line { uint64_t function_id; int64_t line; };
struct raw_location {
	uint64_t id, mapping_id, address;
	size_t first_line, nlines;
};

static uint64_t mapping_id(const void *items, size_t i) { return ((const struct raw_mapping *)items)[i].id; }
static uint64_t function_id(const void *items, size_t i) { return ((const struct raw_function *)items)[i].id; }
static uint64_t location_id(const void *items, size_t i) { return ((const struct raw_location *)items)[i].id; }

/* ---- the top-level message ---- */

/* Ending bits (0x80 of each byte that ends a varint) of a word. */
static inline size_t ends_in(uint64_t m)
{
	/* One bit per ending byte, summed by the multiply. */
	return (size_t)(((m >> 7) * 0x0101010101010101ull) >> 56);
}

/* Bytes of [q, e) that end a varint (the high bit clear), a word at a
 * time: a packed field's count of values, without decoding them.  The
 * 8 bytes before e lie in the buffer (lo is its start) when e - lo >= 8:
 * the last bytes are then counted in one word ending at e. */
static inline size_t count_ends(const unsigned char *lo, const unsigned char *q,
				const unsigned char *e)
{
	const uint64_t hi = 0x8080808080808080ull;
	size_t n = 0;
	uint64_t x;

	for (; e - q >= 8; q += 8) {
		memcpy(&x, q, 8);
		n += ends_in(~x & hi);
	}
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (q < e && e - lo >= 8) {
		/* The word's first 8 - (e - q) bytes are counted already. */
		memcpy(&x, e - 8, 8);
		return n + ends_in((~x & hi) >> (8 - (e - q)) * 8);
	}
#endif
	for (; q < e; q++)
		n += *q < 0x80;
	return n;
}

/*
 * The location ids of the Sample message [pl, pl + plen), counted from
 * its fields' tags and lengths and the varints' last bytes, nothing
 * decoded: exact for a well-formed sample, and never more than plen (a
 * reference takes a byte), so a malformed one still gets a bound;
 * pprof_next finds what is wrong when the model reads it.  Gives nrefs,
 * the model's reservation for its stack pool (a bound of bytes instead
 * took 1.5 times its memory on the deep pair), at the cost of a look at
 * bytes that are in the cache anyway.  lo: the start of the buffer, for
 * count_ends().
 */
static inline size_t count_refs(const unsigned char *lo, const unsigned char *pl, size_t plen)
{
	const unsigned char *q = pl, *e = pl + plen;
	size_t n = 0;

	while (q < e) {
		uint64_t t, len;

		/* Mostly a length-delimited field with a one-byte tag and
		 * a one-byte length. */
		if (e - q >= 2 && (q[0] & 0x87) == 2 && q[1] < 0x80) {
			len = q[1];
			q += 2;
			if (len > (uint64_t)(e - q))
				return plen;
			if (q[-2] == (1 << 3 | 2))
				n += count_ends(lo, q, q + len);
			q += len;
			continue;
		}
		if (!(q = varint_at(q, e, &t)))
			return plen;
		switch (t & 7) {
		case 0:
			if (!(q = varint_at(q, e, &len)))
				return plen;
			n += (t >> 3) == 1;
			break;
		case 1:
		case 5:
			if ((size_t)(e - q) < ((t & 7) == 1 ? 8u : 4u))
				return plen;
			q += (t & 7) == 1 ? 8 : 4;
			break;
		case 2:
			if (!(q = varint_at(q, e, &len)) || len > (uint64_t)(e - q))
				return plen;
			if ((t >> 3) == 1)
				n += count_ends(lo, q, q + len);
			q += len;
			break;
		default:
			return plen;
		}
	}
	return n;
}

/* What the first pass collects. */
struct scan {
	struct raw_type *types, period_type;
	struct raw_mapping *mappings;
	struct raw_location *locs;
	struct raw_line *lines;
	struct raw_function *funcs;
	const char **strs;
	size_t ntypes, types_cap, nmappings, mappings_cap, nlocs, locs_cap;
	size_t nlines, lines_cap, nfuncs, funcs_cap, nstrs, strs_cap;
	size_t ncomments;     /* comment string indexes, not kept: */
	uint64_t comment_max; /* the largest, checked against the table */
	int64_t drop_frames, keep_frames, default_type, doc_url;
	uint64_t max_frames;  /* the caller's limit */
	const struct hd_limits *lim; /* for the symbolizer (--binary, --symbols) */
	int nomem;
};

/*
 * Read a message whose fields 1..nf are all varints into v[1..nf] (the
 * last occurrence wins; absent fields stay 0), except field msg (0: none),
 * a repeated message whose payloads go to cb.  Unknown fields are skipped.
 */
static int read_varints(struct wire *w, const char *const *names, uint32_t nf,
			uint64_t *v, uint32_t msg,
			int (*cb)(struct wire *w, struct scan *s, const unsigned char *pl,
				  size_t plen),
			struct scan *s)
{
	while (w->p < w->end) {
		const unsigned char *at = w->p, *pl = NULL;
		uint32_t field;
		unsigned type;
		uint64_t x = 0;
		size_t plen = 0;

		if (wire_tag(w, &field, &type))
			return -1;
		if (field >= 1 && field <= nf &&
		    wire_type_is(w, at, field, type, field == msg ? 2 : 0, names[field]))
			return -1;
		if (wire_value(w, field, type, &x, &pl, &plen))
			return -1;
		if (field == msg && msg) {
			if (cb(w, s, pl, plen))
				return -1;
		} else if (field >= 1 && field <= nf) {
			v[field] = x;
		}
	}
	return 0;
}

static const char *const type_fields[] = { NULL, "type", "unit" };
static const char *const mapping_fields[] = {
	NULL, "id", "memory_start", "memory_limit", "file_offset", "filename",
	"build_id", "has_functions", "has_filenames", "has_line_numbers",
	"has_inline_frames",
};
static const char *const function_fields[] = {
	NULL, "id", "name", "system_name", "filename", "start_line",
};
static const char *const location_fields[] = {
	NULL, "id", "mapping_id", "address", "line", "is_folded",
};
static const char *const line_fields[] = { NULL, "function_id", "line", "column" };

static int read_line(struct wire *w, struct scan *s, const unsigned char *pl, size_t plen)
{
	struct wire lw;
	uint64_t v[4] = {0};

	wire_init(&lw, pl, plen);
	if (read_varints(&lw, line_fields, 3, v, 0, NULL, s))
		return wire_bad(w, lw.bad_at, "%s", lw.why);
	if (HD_GROW(s->lines, s->lines_cap, s->nlines + 1)) {
		s->nomem = 1;
		return -1;
	}
	s->lines[s->nlines].function_id = v[1];
	s->lines[s->nlines++].line = (int64_t)v[2];
	return 0;
}

/* Append one decoded message of the top-level field to s: 0, 1 on a wire
 * error (recorded in w), HD_ERR_NOMEM. */
static int read_message(struct wire *w, struct scan *s, uint32_t field,
			const unsigned char *pl, size_t plen)
{
	struct wire mw;
	uint64_t v[11] = {0};
	size_t first = s->nlines;
	int rc = 0;

	wire_init(&mw, pl, plen);
	switch (field) {
	case 1:
	case 11:
		rc = read_varints(&mw, type_fields, 2, v, 0, NULL, s);
		if (rc)
			break;
		if (field == 11) {
			s->period_type.type = (int64_t)v[1];
			s->period_type.unit = (int64_t)v[2];
		} else if (HD_GROW(s->types, s->types_cap, s->ntypes + 1)) {
			return HD_ERR_NOMEM;
		} else {
			s->types[s->ntypes].type = (int64_t)v[1];
			s->types[s->ntypes++].unit = (int64_t)v[2];
		}
		break;
	case 3:
		rc = read_varints(&mw, mapping_fields, 10, v, 0, NULL, s);
		if (rc)
			break;
		if (HD_GROW(s->mappings, s->mappings_cap, s->nmappings + 1))
			return HD_ERR_NOMEM;
		s->mappings[s->nmappings].id = v[1];
		s->mappings[s->nmappings].start = v[2];
		s->mappings[s->nmappings].limit = v[3];
		s->mappings[s->nmappings].offset = v[4];
		s->mappings[s->nmappings].filename = (int64_t)v[5];
		s->mappings[s->nmappings].build_id = (int64_t)v[6];
		s->mappings[s->nmappings++].has_functions = v[7] != 0;
		break;
	case 4:
		rc = read_varints(&mw, location_fields, 5, v, 4, read_line, s);
		if (rc)
			break;
		if (HD_GROW(s->locs, s->locs_cap, s->nlocs + 1))
			return HD_ERR_NOMEM;
		s->locs[s->nlocs].id = v[1];
		s->locs[s->nlocs].mapping_id = v[2];
		s->locs[s->nlocs].address = v[3];
		s->locs[s->nlocs].first_line = first;
		s->locs[s->nlocs++].nlines = s->nlines - first;
		break;
	case 5:
		rc = read_varints(&mw, function_fields, 5, v, 0, NULL, s);
		if (rc)
			break;
		if (HD_GROW(s->funcs, s->funcs_cap, s->nfuncs + 1))
			return HD_ERR_NOMEM;
		s->funcs[s->nfuncs].id = v[1];
		s->funcs[s->nfuncs].name = (int64_t)v[2];
		s->funcs[s->nfuncs].system_name = (int64_t)v[3];
		s->funcs[s->nfuncs].filename = (int64_t)v[4];
		s->funcs[s->nfuncs++].start_line = (int64_t)v[5];
		break;
	}
	if (rc) {
		if (mw.bad_at)
			wire_bad(w, mw.bad_at, "%s", mw.why);
		return 1; /* not -1: that is HD_ERR_NOMEM */
	}
	return 0;
}

/*
 * The Sample field at at, its payload [pl, pl + plen), seen by the scan.
 * max_locs is the bytes of the longest, a bound that input.h allows: no
 * sample has more ids than bytes, so that sample_fast() stores a field's
 * ids without counting them first, and the model's buffers of max_locs
 * are a few kilobytes at most.  nrefs is exact (count_refs).
 */
static inline void add_sample(struct hd_profile *p, const unsigned char *at,
			      const unsigned char *pl, size_t plen)
{
	if (p->nsamples++ == 0)
		pp(p)->first_sample = (size_t)(at - p->data);
	pp(p)->end_sample = (size_t)(pl + plen - p->data);
	if (plen > p->max_locs)
		p->max_locs = plen;
	p->nrefs += count_refs(p->data, pl, plen);
}

static int scan_profile(struct hd_profile *p, struct scan *s, struct hd_error *err)
{
	struct wire w;
	static const char *const names[] = {
		NULL, "sample_type", "sample", "mapping", "location", "function",
		"string_table", "drop_frames", "keep_frames", "time_nanos",
		"duration_nanos", "period_type", "period", "comment",
		"default_sample_type", "doc_url",
	};

	wire_init(&w, p->data, p->len);
	while (w.p < w.end) {
		const unsigned char *at = w.p, *pl = NULL;
		size_t plen = 0;
		uint32_t field;
		unsigned type;
		uint64_t v = 0;
		int rc = 0;

		/* Samples, mostly: a one-byte tag and a length of one or
		 * two bytes.  Anything else takes the general way below. */
		if (w.end - w.p >= 3 && w.p[0] == (2 << 3 | 2) &&
		    (w.p[1] < 0x80 || w.p[2] < 0x80)) {
			const unsigned char *q = w.p + (w.p[1] < 0x80 ? 2 : 3);
			size_t len = w.p[1] < 0x80 ? w.p[1] :
				     (size_t)(w.p[1] & 0x7f) | (size_t)w.p[2] << 7;

			if (len <= (size_t)(w.end - q)) {
				add_sample(p, at, q, len);
				w.p = q + len;
				continue;
			}
		}
		if (wire_tag(&w, &field, &type))
			goto bad;
		if (field == 13) {
			const unsigned char *q, *e;

			if (wire_repeated(&w, at, field, type, "comment", &q, &e))
				goto bad;
			while (q < e) {
				const unsigned char *vs = q;

				if (!(q = varint_at(q, e, &v))) {
					varint_error(&w, vs, e);
					goto bad;
				}
				if (s->ncomments++ == 0 || v > s->comment_max)
					s->comment_max = v;
			}
			continue;
		}
		if (field <= 15 && wire_type_is(&w, at, field, type,
						(field >= 7 && field <= 15 && field != 11) ? 0 : 2,
						names[field]))
			goto bad;
		if (wire_value(&w, field, type, &v, &pl, &plen))
			goto bad;
		switch (field) {
		case 2:
			add_sample(p, at, pl, plen);
			break;
		case 1:
		case 3:
		case 4:
		case 5:
		case 11:
			rc = read_message(&w, s, field, pl, plen);
			break;
		case 6:
			if (HD_GROW(s->strs, s->strs_cap, s->nstrs + 1) ||
			    !(s->strs[s->nstrs++] = hd_arena_strndup(&p->arena, (const char *)pl, plen)))
				return hd_fail(err, HD_ERR_NOMEM, "out of memory");
			break;
		case 7: s->drop_frames = (int64_t)v; break;
		case 8: s->keep_frames = (int64_t)v; break;
		case 9: p->time_nanos = (int64_t)v; break;
		case 10: p->duration_nanos = (int64_t)v; break;
		case 12: p->period = (int64_t)v; break;
		case 14: s->default_type = (int64_t)v; break;
		case 15: s->doc_url = (int64_t)v; break;
		default: break; /* unknown fields */
		}
		if (rc == HD_ERR_NOMEM || s->nomem)
			return hd_fail(err, HD_ERR_NOMEM, "out of memory");
		if (rc)
			goto bad;
	}
	return 0;
bad:
	return hd_fail(err, HD_ERR_FORMAT,
		       "not a pprof profile (malformed protobuf at byte %zu: %s)",
		       (size_t)(w.bad_at - p->data), w.why);
}

/* ---- samples ---- */

/*
 * Read one Sample message: its location ids resolved to indexes into
 * locs (UINT32_MAX when one does not resolve) and its values, storing at
 * most loccap and valcap of them but counting all.  With chk, the first
 * location id that does not resolve and the first label string index out
 * of range are recorded there, and the bytes from the first Label to the
 * end of the last; without, labels are skipped.  Only a wire error fails.
 */
struct sample_check {
	size_t nstrs;      /* the string table's size */
	int64_t bad_str;   /* the first label string index out of range, or -1 */
	uint64_t bad_loc;  /* the first location id that does not resolve */
	int has_bad_loc;
	const unsigned char *lab, *lab_end; /* the labels' bytes; NULL: none */
};

/* Inlined at each call, so the fast decode (chk NULL) has no checks. */
static inline __attribute__((always_inline))
int sample_read(const struct hd_profile *p, struct wire *w,
		uint32_t *locs, size_t loccap, size_t *nlocs,
		int64_t *vals, size_t valcap, size_t *nvals,
		struct sample_check *chk)
{
	const uint32_t *dense = pp(p)->loc_index.dense;
	uint64_t ndense = pp(p)->loc_index.ndense;
	size_t nl = 0, nv = 0;

	while (w->p < w->end) {
		const unsigned char *at = w->p, *pl = NULL;
		uint32_t field, li;
		unsigned type;
		uint64_t v;
		size_t plen = 0;

		if (wire_tag(w, &field, &type))
			return -1;
		if (field == 1 || field == 2) {
			const unsigned char *q, *e;

			if (wire_repeated(w, at, field, type,
					  field == 1 ? "location_id" : "value", &q, &e))
				return -1;
			while (q < e) {
				const unsigned char *vs = q;

				/* Ids and sizes are mostly one or two bytes. */
				if (*q < 0x80) {
					v = *q++;
				} else if (e - q >= 2 && q[1] < 0x80) {
					v = (uint64_t)(q[0] & 0x7f) | (uint64_t)q[1] << 7;
					q += 2;
				} else if (!(q = varint_at(q, e, &v))) {
					return varint_error(w, vs, e);
				}
				if (field == 2) {
					if (nv < valcap)
						vals[nv] = (int64_t)v;
					nv++;
					continue;
				}
				li = dense ? (v < ndense ? dense[v] : UINT32_MAX) :
				     index_get(&pp(p)->loc_index, v);
				if (nl < loccap)
					locs[nl] = li;
				nl++;
				if (chk && li == UINT32_MAX && !chk->has_bad_loc) {
					chk->bad_loc = v;
					chk->has_bad_loc = 1;
				}
			}
			continue;
		}
		if (field == 3 && chk &&
		    wire_type_is(w, at, field, type, 2, "label"))
			return -1;
		if (wire_value(w, field, type, &v, &pl, &plen))
			return -1;
		if (field == 3 && chk) {
			struct wire lw;

			if (!chk->lab)
				chk->lab = at;
			chk->lab_end = w->p;
			wire_init(&lw, pl, plen);
			while (lw.p < lw.end) {
				const unsigned char *lat = lw.p;
				const unsigned char *lpl;
				size_t lplen;

				if (wire_tag(&lw, &field, &type))
					break;
				if (field >= 1 && field <= 4 &&
				    wire_type_is(&lw, lat, field, type, 0,
						 field == 1 ? "key" : field == 2 ? "str" :
						 field == 3 ? "num" : "num_unit"))
					break;
				if (wire_value(&lw, field, type, &v, &lpl, &lplen))
					break;
				if (field != 3 && field <= 4 && chk->bad_str < 0 &&
				    ((int64_t)v < 0 || v >= chk->nstrs))
					chk->bad_str = (int64_t)v;
			}
			if (lw.bad_at)
				return wire_bad(w, lw.bad_at, "%s", lw.why);
		}
	}
	*nlocs = nl;
	*nvals = nv;
	return 0;
}

/*
 * The payload of the next Sample message at or after it->pos: 1 and
 * [*pl, *pl + *plen), or 0 past the last.  Only for a validated profile:
 * other top-level fields in between are skipped without checks.
 */
static inline int next_sample_field(const struct hd_profile *p, struct hd_sample_iter *it,
				    const unsigned char **pl, size_t *plen)
{
	const unsigned char *q, *e;
	struct wire w;

	if (it->index == 0 && it->pos == 0)
		it->pos = pp(p)->first_sample;
	if (it->index >= p->nsamples)
		return 0;
	q = p->data + it->pos;
	e = p->data + pp(p)->end_sample;
	/* Samples mostly follow one another, with one- or two-byte
	 * lengths (which the scan has checked: the test is for safety). */
	if (e - q >= 3 && q[0] == (2 << 3 | 2) && q[1] < 0x80) {
		*pl = q + 2;
		*plen = q[1];
	} else if (e - q >= 3 && q[0] == (2 << 3 | 2) && q[2] < 0x80) {
		*pl = q + 3;
		*plen = (size_t)(q[1] & 0x7f) | (size_t)q[2] << 7;
	} else {
		*pl = NULL;
	}
	if (*pl && *plen <= (size_t)(e - *pl)) {
		it->pos = (size_t)(*pl + *plen - p->data);
		it->index++;
		return 1;
	}
	wire_init(&w, q, (size_t)(e - q));
	for (;;) {
		uint32_t field;
		unsigned type;
		uint64_t v;

		wire_tag(&w, &field, &type);
		wire_value(&w, field, type, &v, pl, plen);
		if (field == 2)
			break;
	}
	it->pos = (size_t)(w.p - p->data);
	it->index++;
	return 1;
}

/* The high bits of a word of four two-byte varints, as memcpy reads it. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define TWO_BYTE_IDS 0x8000800080008000ull
#else
#define TWO_BYTE_IDS 0x0080008000800080ull
#endif

/* The location id at q (q < pe), its index into *out and OR-ed into
 * *any: the byte after it, or NULL for a truncated or too long varint.
 * Ids of one or two bytes index dense[] directly (LOC_DENSE_MIN). */
static inline const unsigned char *id_at(const uint32_t *dense, uint64_t ndense,
					 const unsigned char *q, const unsigned char *pe,
					 uint32_t *out, uint32_t *any)
{
	uint32_t id = *q++;

	if (id >= 0x80) {
		if (q == pe)
			return NULL;
		if (*q >= 0x80) {
			uint64_t v;

			if (!(q = varint_at(q - 1, pe, &v)))
				return NULL;
			*out = v < ndense ? dense[v] : UINT32_MAX;
			*any |= *out;
			return q;
		}
		id = (id & 0x7f) | (uint32_t)*q++ << 7;
	}
	*out = dense[id];
	*any |= *out;
	return q;
}

/*
 * The shape of nearly every sample a producer writes, decoded without the
 * general reader's tests per value: one-byte tags of field 1 (packed
 * location ids), field 2 (packed values) and field 3
 * (labels of varint fields), in any order and number.  1 when the sample
 * is of that shape and well-formed, with what sample_read() would give;
 * 0 for anything else, wrong or merely unusual, which sample_read() then
 * reads from the start, so that it alone decides what a sample with
 * anything wrong with it is and what is wrong.  The location ids are
 * checked once, at the end, on all their indexes OR-ed: an id that does
 * not resolve is UINT32_MAX, all ones.  (Valid indexes OR-ed are all ones
 * only in a profile of more than 2^31 locations, whose samples then take
 * the slow way.)  lo is the start of the buffer: a field's last ids are
 * read from the word that ends it when that word lies in the buffer.
 */
static inline int sample_fast(const struct pprof *st, const unsigned char *lo,
			      const unsigned char *q, const unsigned char *e,
			      uint32_t *locs, size_t loccap,
			      int64_t *vals, size_t nvals, struct hd_psample *smp)
{
	const uint32_t *dense = st->loc_index.dense;
	uint64_t ndense = st->loc_index.ndense;
	uint32_t any = 0;
	size_t nl = 0, nv = 0;

	const unsigned char *lab = NULL, *lab_end = NULL;
	while (q < e) {
		const unsigned char *at = q, *pe;
		unsigned tag = *q++;
		uint64_t len, v;

		if (q == e)
			return 0;
		if (*q < 0x80)
			len = *q++;
		else if (!(q = varint_at(q, e, &len)))
			return 0;
		if (len > (uint64_t)(e - q))
			return 0;
		pe = q + len;
		switch (tag) {
		case 1 << 3 | 2: {
			uint32_t *out = locs + nl;

			/* An id takes a byte at least, and loccap is the
			 * bytes of the longest sample (add_sample): the test
			 * is for safety. */
			if (len > loccap - nl)
				return 0;
			/* A word at a time: eight one-byte ids, four two-byte
			 * ids, or else the ids that start in it, one by one. */
			while (pe - q >= 8) {
				const unsigned char *w8 = q + 8;
				uint64_t x, m;

				memcpy(&x, q, 8);
				m = x & 0x8080808080808080ull;
				if (!m) {
					/* Unrolled, as GCC at -O2 would not. */
					out[0] = dense[q[0]];
					out[1] = dense[q[1]];
					out[2] = dense[q[2]];
					out[3] = dense[q[3]];
					out[4] = dense[q[4]];
					out[5] = dense[q[5]];
					out[6] = dense[q[6]];
					out[7] = dense[q[7]];
					any |= out[0] | out[1] | out[2] | out[3] |
					       out[4] | out[5] | out[6] | out[7];
					q = w8;
					out += 8;
					continue;
				}
				if (m == TWO_BYTE_IDS) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
					/* Each 16-bit lane's seven and seven bits
					 * joined in the word, not byte by byte. */
					uint64_t y = (x & 0x007f007f007f007full) |
						     (x >> 1 & 0x7f807f807f807f80ull);

					out[0] = dense[(uint16_t)y];
					out[1] = dense[(uint16_t)(y >> 16)];
					out[2] = dense[(uint16_t)(y >> 32)];
					out[3] = dense[y >> 48];
#else
					out[0] = dense[(q[0] & 0x7f) | (uint32_t)q[1] << 7];
					out[1] = dense[(q[2] & 0x7f) | (uint32_t)q[3] << 7];
					out[2] = dense[(q[4] & 0x7f) | (uint32_t)q[5] << 7];
					out[3] = dense[(q[6] & 0x7f) | (uint32_t)q[7] << 7];
#endif
					any |= out[0] | out[1] | out[2] | out[3];
					q = w8;
					out += 4;
					continue;
				}
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
				/* One- and two-byte ids mixed: no two high bits
				 * in a row, nor at the word's end and in the byte
				 * after it (which lies in the field).  Every id
				 * then ends in a byte of its own, so that each id
				 * stored is one the field holds (never more than
				 * its bytes, the room tested above); they are
				 * read without a branch on the length of each. */
				if (pe - q > 8 && !(m & m << 8) && !(m >> 63 && q[8] >= 0x80)) {
					do {
						uint32_t b0 = q[0], two = b0 >> 7;

						*out = dense[(b0 & 0x7f) | ((uint32_t)q[1] << 7 & (0u - two))];
						any |= *out++;
						q += 1 + two;
					} while (q < w8);
					continue;
				}
#endif
				while (q < w8 && (q = id_at(dense, ndense, q, pe, out++, &any)))
					;
				if (!q)
					return 0;
			}
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
			/* The last ids, fewer than 8 bytes: their high bits
			 * from the word that ends at pe (8 bytes of the buffer
			 * when pe - lo >= 8), shifted to its low bytes.  One-
			 * byte ids are stored straight; one- and two-byte ids
			 * mixed without a branch on each when every id ends in
			 * a byte of its own (no two high bits in a row, and
			 * none in the last byte), as in the word loop above. */
			if (q < pe && pe - lo >= 8) {
				uint64_t x, m;

				memcpy(&x, pe - 8, 8);
				m = (x & 0x8080808080808080ull) >> (8 - (pe - q)) * 8;
				if (!m) {
					do {
						*out = dense[*q++];
						any |= *out++;
					} while (q < pe);
				} else if (!(m & m << 8) && pe[-1] < 0x80) {
					do {
						uint32_t b0 = *q, two = b0 >> 7;

						/* q[two]: q[1] only when it lies in
						 * the field */
						*out = dense[(b0 & 0x7f) | ((uint32_t)q[two] << 7 & (0u - two))];
						any |= *out++;
						q += 1 + two;
					} while (q < pe);
				}
			}
#endif
			while (q < pe && (q = id_at(dense, ndense, q, pe, out++, &any)))
				;
			if (!q)
				return 0;
			nl = (size_t)(out - locs);
			break;
		}
		case 2 << 3 | 2:
			while (q < pe) {
				if (nv == nvals)
					return 0;
				/* Counts and sizes: mostly one to three bytes. */
				if (*q < 0x80) {
					v = *q++;
				} else if (pe - q >= 2 && q[1] < 0x80) {
					v = (uint64_t)(q[0] & 0x7f) | (uint64_t)q[1] << 7;
					q += 2;
				} else if (pe - q >= 3 && q[2] < 0x80) {
					v = (uint64_t)(q[0] & 0x7f) | (uint64_t)(q[1] & 0x7f) << 7 |
					    (uint64_t)q[2] << 14;
					q += 3;
				} else if (!(q = varint_at(q, pe, &v))) {
					return 0;
				}
				vals[nv++] = (int64_t)v;
			}
			break;
		case 3 << 3 | 2:
			if (!lab)
				lab = at;
			lab_end = pe;
			/* key, str, num, num_unit; all but num string indexes */
			while (q < pe) {
				unsigned lt = *q++;

				/* lt - 8 is 0, 8, 16 or 24 (unsigned: lt < 8 wraps) */
				if (((lt - (1u << 3)) & ~(3u << 3)) || q == pe)
					return 0;
				if (*q < 0x80)
					v = *q++;
				else if (!(q = varint_at(q, pe, &v)))
					return 0;
				if (lt != 3 << 3 && v >= st->nstrs)
					return 0;
			}
			break;
		default:
			return 0;
		}
	}
	if (any == UINT32_MAX || nv != nvals || nl > UINT32_MAX)
		return 0;
	smp->nlocs = (uint32_t)nl;
	smp->labels = lab;
	smp->nlabels = lab ? (size_t)(lab_end - lab) : 0;
	return 1;
}

/*
 * Check sample i, the Sample message at [pl, pl + plen), and read its
 * locations and values into cb; *nl is how many locations it has.  The
 * words of every message about a malformed sample are here.
 */
struct check_buf {
	uint32_t *locs;
	size_t loccap;
	int64_t *vals;
};

static int check_sample(const struct hd_profile *p, struct check_buf *cb,
			const unsigned char *pl, size_t plen, size_t i, size_t nstrs,
			size_t *nl, struct hd_error *err)
{
	struct sample_check chk = { nstrs, -1, 0, 0, NULL, NULL };
	struct wire w;
	size_t nv = 0;

	wire_init(&w, pl, plen);
	if (sample_read(p, &w, cb->locs, cb->loccap, nl, cb->vals, p->ntypes, &nv, &chk))
		return hd_fail(err, HD_ERR_FORMAT,
			       "not a pprof profile (malformed protobuf at byte %zu: %s)",
			       (size_t)(w.bad_at - p->data), w.why);
	if (nv != p->ntypes)
		return hd_fail(err, HD_ERR_INVALID,
			       "sample %zu has %zu value%s but the profile has %zu sample type%s",
			       i, nv, nv == 1 ? "" : "s", p->ntypes, p->ntypes == 1 ? "" : "s");
	if (*nl > UINT32_MAX)
		return hd_fail(err, HD_ERR_LIMIT, "sample %zu has too many locations", i);
	if (chk.has_bad_loc)
		return hd_fail(err, HD_ERR_INVALID,
			       "sample %zu refers to location id %llu, which does not exist",
			       i, (unsigned long long)chk.bad_loc);
	if (chk.bad_str >= 0)
		return hd_fail(err, HD_ERR_INVALID,
			       "sample %zu has string index %lld, outside the string table of %zu entries",
			       i, (long long)chk.bad_str, nstrs);
	return 0;
}

/*
 * pprof_next's way for a sample sample_fast() does not take: the general
 * reader, which alone decides whether it is well-formed.  0 and its
 * locations, values and labels as sample_fast() gives them, or -1.  Not
 * inlined: the fast way then keeps its registers to itself.
 */
static __attribute__((noinline))
int next_read(const struct hd_profile *p, const unsigned char *pl, size_t plen,
	      uint32_t *locs, int64_t *values, struct hd_psample *out)
{
	struct sample_check chk = { pp(p)->nstrs, -1, 0, 0, NULL, NULL };
	size_t nl = 0, nv = 0;
	struct wire w;

	wire_init(&w, pl, plen);
	/* No sample has more ids than max_locs, its bytes (add_sample);
	 * sample_read would store max_locs of them and count on. */
	if (sample_read(p, &w, locs, p->max_locs, &nl, values, p->ntypes, &nv, &chk) ||
	    nv != p->ntypes || nl > p->max_locs || nl > UINT32_MAX || chk.has_bad_loc ||
	    chk.bad_str >= 0)
		return -1;
	out->nlocs = (uint32_t)nl;
	out->labels = chk.lab;
	out->nlabels = chk.lab ? (size_t)(chk.lab_end - chk.lab) : 0;
	return 0;
}

/*
 * The next sample, validated as it is read.  Samples stay encoded until
 * the model asks for them, so this is the one decode a sample gets on
 * the way to a report (two decodes, a check and a read, were a quarter
 * of a diff).  A malformed sample returns -1 and leaves *it on it, for
 * hd_pprof_sample_error() to say what is wrong; the fast path formats
 * nothing.  The first pass in order sums the values into p->totals
 * (whose array, not the profile, is written through the const).
 */
static int pprof_next(const struct hd_profile *p, struct hd_sample_iter *it,
		      uint32_t *locs, int64_t *values, struct hd_psample *out)
{
	struct pprof *st = pp(p);
	struct hd_sample_iter at = *it;
	const unsigned char *pl;
	size_t plen, j;

	if (!next_sample_field(p, it, &pl, &plen))
		return 0;
	if ((!st->loc_index.dense ||
	     !sample_fast(st, p->data, pl, pl + plen, locs, p->max_locs, values, p->ntypes, out)) &&
	    next_read(p, pl, plen, locs, values, out)) {
		*it = at;
		return -1;
	}
	if (st->summed == it->index - 1) {
		for (j = 0; j < p->ntypes; j++)
			p->totals[j] = hd_add_sat(p->totals[j], values[j]);
		st->summed++;
	}
	out->locs = locs;
	out->values = values;
	return 1;
}

int hd_pprof_sample_error(const struct hd_profile *p, const struct hd_sample_iter *it,
			  struct hd_error *err)
{
	struct check_buf cb = {NULL, 0, NULL};
	struct hd_sample_iter at = *it;
	const unsigned char *pl;
	size_t plen, nl = 0;
	int rc;

	if (!next_sample_field(p, &at, &pl, &plen))
		return hd_fail(err, HD_ERR_INVALID, "a sample past the last was asked for");
	cb.loccap = p->max_locs + 1;
	cb.locs = malloc(cb.loccap * sizeof(*cb.locs));
	cb.vals = malloc((p->ntypes + 1) * sizeof(*cb.vals));
	if (!cb.locs || !cb.vals)
		rc = hd_fail(err, HD_ERR_NOMEM, "out of memory");
	else if (!(rc = check_sample(p, &cb, pl, plen, at.index - 1, pp(p)->nstrs, &nl, err)))
		rc = hd_fail(err, HD_ERR_INVALID, "sample %zu could not be read", at.index - 1);
	free(cb.locs);
	free(cb.vals);
	return rc;
}

/*
 * The model expands every sample's stack, every inlined line of every
 * location, so the total is bounded by max_frames (HD_DEFAULT_MAX_FRAMES),
 * checked before the model spends anything.  Counting each reference's
 * lines costs a pass of its own (which validates the samples as it goes),
 * needed only when the samples' bytes (at least one per reference) times
 * the longest location could pass the cap: a profile with deep inlining,
 * or a bomb.
 */
static int check_frames(struct hd_profile *p, uint64_t max_frames, struct hd_error *err)
{
	uint64_t frames = 0, maxlines = 1;
	struct hd_sample_iter it = {0, 0};
	struct hd_psample smp;
	uint32_t *locs;
	int64_t *vals;
	size_t j;
	int rc = 0;

	for (j = 0; j < p->nlocs; j++)
		if (p->locs[j].nlines > maxlines)
			maxlines = p->locs[j].nlines;
	if (p->nrefs <= max_frames / maxlines)
		return 0;
	locs = malloc((p->max_locs + 1) * sizeof(*locs));
	vals = malloc((p->ntypes + 1) * sizeof(*vals));
	if (!locs || !vals) {
		free(locs);
		free(vals);
		return hd_fail(err, HD_ERR_NOMEM, "out of memory");
	}
	while (frames <= max_frames && (rc = pprof_next(p, &it, locs, vals, &smp)) > 0)
		/* Stops one location past the cap: no overflow below
		 * 2^64 - 2^32. */
		for (j = 0; j < smp.nlocs && frames <= max_frames; j++)
			frames += p->locs[locs[j]].nlines ? p->locs[locs[j]].nlines : 1;
	free(locs);
	free(vals);
	if (rc < 0)
		return hd_pprof_sample_error(p, &it, err);
	if (frames > max_frames)
		return hd_fail_about(err, HD_ERR_LIMIT, HD_SUBJ_MAX_FRAMES,
				     "the samples' stacks expand to more than %llu frames, inlined lines counted",
				     (unsigned long long)max_frames);
	return 0;
}

/*
 * Ready the samples for pprof_next, which checks each as it reads it
 * (pass 2 is the model's read): their totals start at zero and are
 * summed by that read (p->totals_upto), and the frames cap is checked.
 */
static int check_samples(struct hd_profile *p, size_t nstrs, uint64_t max_frames,
			 struct hd_error *err)
{
	pp(p)->nstrs = nstrs;
	p->totals = hd_arena_calloc(&p->arena, p->ntypes + 1, sizeof(int64_t));
	if (!p->totals)
		return hd_fail(err, HD_ERR_NOMEM, "out of memory");
	p->totals_upto = &pp(p)->summed;
	return check_frames(p, max_frames, err);
}

/* ---- resolution (pass 2) ---- */

/* Resolve a string index, or fail naming what referred to it. */
static int str_at(const struct scan *s, int64_t idx, const char **out,
		  struct hd_error *err, const char *what, size_t n)
{
	if (idx < 0 || (uint64_t)idx >= s->nstrs)
		return hd_fail(err, HD_ERR_INVALID,
			       "%s %zu has string index %lld, outside the string table of %zu entries",
			       what, n, (long long)idx, s->nstrs);
	*out = s->strs[idx];
	return 0;
}

/*
 * Comments are only checked (heapdiff shows none), so their indexes are
 * not kept: a megabyte of gzip can hold a billion.  When the largest is
 * out of range, walk them again to name the first that is.
 */
static int bad_comment(const struct hd_profile *p, const struct scan *s,
		       struct hd_error *err)
{
	struct wire w;
	size_t n = 0;

	wire_init(&w, p->data, p->len);
	while (w.p < w.end) {
		const unsigned char *at = w.p, *q, *e, *pl;
		uint32_t field;
		unsigned type;
		uint64_t v;
		size_t plen;

		wire_tag(&w, &field, &type);
		if (field != 13) {
			wire_value(&w, field, type, &v, &pl, &plen);
			continue;
		}
		wire_repeated(&w, at, field, type, "comment", &q, &e);
		for (; q < e; n++) {
			q = varint_at(q, e, &v);
			if (v >= s->nstrs)
				return hd_fail(err, HD_ERR_INVALID,
					       "comment %zu has string index %lld, outside the string table of %zu entries",
					       n, (long long)v, s->nstrs);
		}
	}
	return hd_fail(err, HD_ERR_INVALID, "a comment has a string index outside the string table");
}

/* The string table's rules and every top-level string index. */
static int resolve_header(struct hd_profile *p, struct scan *s, struct hd_error *err)
{
	struct hd_arena *a = &p->arena;
	const char *unused;
	size_t i;
	int rc;

	if (s->nstrs == 0 || s->strs[0][0] != '\0')
		return hd_fail(err, HD_ERR_INVALID,
			       s->nstrs == 0 ?
			       "the string table is empty (string_table[0] must be \"\")" :
			       "string_table[0] is not the empty string");
	if (s->ntypes == 0 && p->nsamples != 0)
		return hd_fail(err, HD_ERR_INVALID,
			       "the profile has %zu samples but no sample types",
			       p->nsamples);
	if (s->nmappings > UINT32_MAX - 1 || s->nfuncs > UINT32_MAX - 1 ||
	    s->nlocs > UINT32_MAX - 1)
		return hd_fail(err, HD_ERR_LIMIT, "the profile has too many entries");
	p->ntypes = s->ntypes;
	p->nmappings = s->nmappings;
	p->nfuncs = s->nfuncs;
	p->nlocs = s->nlocs;
	p->type_names = hd_arena_calloc(a, s->ntypes + 1, sizeof(char *));
	p->type_units = hd_arena_calloc(a, s->ntypes + 1, sizeof(char *));
	p->mappings = hd_arena_calloc(a, s->nmappings + 1, sizeof(*p->mappings));
	p->funcs = hd_arena_calloc(a, s->nfuncs + 1, sizeof(*p->funcs));
	p->locs = hd_arena_calloc(a, s->nlocs + 1, sizeof(*p->locs));
	if (!p->type_names || !p->type_units || !p->mappings || !p->funcs || !p->locs)
		return hd_fail(err, HD_ERR_NOMEM, "out of memory");
	for (i = 0; i < s->ntypes; i++)
		if ((rc = str_at(s, s->types[i].type, &p->type_names[i], err, "sample_type", i)) ||
		    (rc = str_at(s, s->types[i].unit, &p->type_units[i], err, "sample_type", i)))
			return rc;
	if ((rc = str_at(s, s->period_type.type, &p->period_type, err, "period_type", 0)) ||
	    (rc = str_at(s, s->period_type.unit, &p->period_unit, err, "period_type", 0)) ||
	    (rc = str_at(s, s->drop_frames, &p->drop_frames, err, "drop_frames", 0)) ||
	    (rc = str_at(s, s->keep_frames, &p->keep_frames, err, "keep_frames", 0)) ||
	    (rc = str_at(s, s->default_type, &p->default_type, err, "default_sample_type", 0)))
		return rc;
	if (s->ncomments && s->comment_max >= s->nstrs)
		return bad_comment(p, s, err);
	return str_at(s, s->doc_url, &unused, err, "doc_url", 0);
}

/* Mappings' and functions' strings. */
static int resolve_names(struct hd_profile *p, struct scan *s, struct hd_error *err)
{
	size_t i;
	int rc;

	for (i = 0; i < s->nmappings; i++) {
		const struct raw_mapping *m = &s->mappings[i];
		struct hd_pmapping *pm = &p->mappings[i];

		if ((rc = str_at(s, m->filename, &pm->file, err, "mapping", i)) ||
		    (rc = str_at(s, m->build_id, &pm->build_id, err, "mapping", i)))
			return rc;
		pm->memory_start = m->start;
		pm->memory_limit = m->limit;
		pm->file_offset = m->offset;
		pm->has_functions = m->has_functions;
	}
	for (i = 0; i < s->nfuncs; i++) {
		const struct raw_function *f = &s->funcs[i];
		struct hd_pfunc *pf = &p->funcs[i];

		if ((rc = str_at(s, f->name, &pf->name, err, "function", i)) ||
		    (rc = str_at(s, f->system_name, &pf->system_name, err, "function", i)) ||
		    (rc = str_at(s, f->filename, &pf->filename, err, "function", i)))
			return rc;
		pf->start_line = f->start_line;
	}
	return 0;
}

/* Location l: its mapping and lines resolved to indexes, into *pl. */
static int resolve_location(struct hd_profile *p, const struct scan *s,
			    const struct raw_location *l, struct hd_ploc *pl,
			    const struct id_index *mmap, const struct id_index *fmap,
			    struct hd_error *err)
{
	size_t j;

	pl->address = l->address;
	pl->mapping = l->mapping_id ? index_get(mmap, l->mapping_id) : UINT32_MAX;
	if (l->mapping_id && pl->mapping == UINT32_MAX)
		return hd_fail(err, HD_ERR_INVALID,
			       "location id %llu refers to mapping id %llu, which does not exist",
			       (unsigned long long)l->id, (unsigned long long)l->mapping_id);
	if (l->nlines > UINT32_MAX)
		return hd_fail(err, HD_ERR_LIMIT, "location id %llu has too many lines",
			       (unsigned long long)l->id);
	pl->nlines = (uint32_t)l->nlines;
	pl->lines = hd_arena_alloc(&p->arena, (l->nlines + 1) * sizeof(*pl->lines));
	if (!pl->lines)
		return hd_fail(err, HD_ERR_NOMEM, "out of memory");
	for (j = 0; j < l->nlines; j++) {
		const struct raw_line *ln = &s->lines[l->first_line + j];

		if (ln->function_id == 0)
			return hd_fail(err, HD_ERR_INVALID,
				       "location id %llu has a line with function id 0",
				       (unsigned long long)l->id);
		pl->lines[j].func = index_get(fmap, ln->function_id);
		if (pl->lines[j].func == UINT32_MAX)
			return hd_fail(err, HD_ERR_INVALID,
				       "location id %llu refers to function id %llu, which does not exist",
				       (unsigned long long)l->id, (unsigned long long)ln->function_id);
		pl->lines[j].line = ln->line;
	}
	return 0;
}

/* Pass 2: every reference resolved and checked, then the samples. */
static int resolve(struct hd_profile *p, struct scan *s, struct hd_error *err)
{
	struct hd_arena *a = &p->arena;
	struct id_index mmap = {0}, fmap = {0};
	size_t i;
	int rc;

	if ((rc = resolve_header(p, s, err)))
		return rc;
	if ((rc = index_ids(&mmap, a, s->nmappings, mapping_id, s->mappings, 0, "mapping", err)) ||
	    (rc = index_ids(&fmap, a, s->nfuncs, function_id, s->funcs, 0, "function", err)) ||
	    (rc = index_ids(&pp(p)->loc_index, a, s->nlocs, location_id, s->locs,
				 LOC_DENSE_MIN, "location", err)) ||
	    (rc = resolve_names(p, s, err)))
		goto out;
	for (i = 0; i < s->nlocs; i++)
		if ((rc = resolve_location(p, s, &s->locs[i], &p->locs[i], &mmap, &fmap, err)))
			goto out;
	if (!(rc = check_samples(p, s->nstrs, s->max_frames, err)))
		/* addresses of mappings without functions: named from their
		 * files (native.c), as a native dump's are */
		rc = hd_native_symbolize_mappings(p, s->lim, err);
out:
	index_release(&mmap);
	index_release(&fmap);
	return rc;
}

/* pprof is the format of last resort: whatever no other decoder claims is
 * read as profile.proto, and its errors say what the bytes are not. */
static int pprof_sniff(const unsigned char *data, size_t len)
{
	(void)data;
	(void)len;
	return 1;
}

static int pprof_decode(struct hd_profile *p, const struct hd_limits *lim,
			struct hd_error *err)
{
	struct scan s;
	int rc;

	p->priv = calloc(1, sizeof(struct pprof));
	if (!p->priv)
		return hd_fail(err, HD_ERR_NOMEM, "out of memory");
	memset(&s, 0, sizeof(s));
	s.lim = lim;
	s.max_frames = lim && lim->max_frames ? lim->max_frames :
		       hd_default_max_frames(p->len);
	if (s.max_frames > (uint64_t)1 << 62)
		s.max_frames = (uint64_t)1 << 62;
	rc = scan_profile(p, &s, err);
	if (!rc)
		rc = resolve(p, &s, err);
	free(s.types);
	free(s.lines);
	free(s.mappings);
	free(s.locs);
	free(s.funcs);
	free(s.strs);
	return rc;
}

static void pprof_release(struct hd_profile *p)
{
	struct pprof *st = p->priv;

	if (!st)
		return;
	index_release(&st->loc_index);
	free(st);
	p->priv = NULL;
}

const struct hd_decoder hd_decoder_pprof = {
	"pprof", pprof_sniff, pprof_decode, pprof_next, pprof_release,
};
