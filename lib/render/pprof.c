/*
 * pprof.c - the report as a profile again: gzip-compressed profile.proto
 * that go tool pprof, speedscope or Pyroscope read.
 *
 *   top    the profile as the model holds it (after the filters and the
 *          granularity)
 *   diff   NEW - BASE per stack, negative values kept: what
 *          `go tool pprof -proto -diff_base BASE NEW` holds
 *   trend  the last column minus the first
 *
 * Reads the finished report and its model only; owns nothing past the
 * call (its tables are freed before it returns).
 *
 * Contract:
 *   - One sample type, the report's (the model holds one); period_type,
 *     period, time_nanos and duration_nanos of the last column (NEW, or
 *     the last of a trend's order).  No drop_frames or keep_frames: the model applied
 *     them, and pprof would prune again.  No mappings.
 *   - One sample per distinct stack of the model whose value is not 0
 *     (hd_model_stack_values, hd_model_stack_deltas), locations leaf
 *     first; one location per frame, with one line; one function per
 *     distinct (name, file).  So pprof's graph of the file at the same
 *     granularity has the report's frames, flat and cum.
 *   - Names, so that they print in pprof as heapdiff prints them
 *     (frame_function): a frame's function and file as the model has
 *     them, its line at lines and addresses, its address at addresses.
 *     At files granularity the file is the function's name as well as
 *     its file, so that pprof's default (functions) view lists the files
 *     and not one nameless node.  A frame with nothing to name it by
 *     ("[binary]", "<unknown>") gets that printed name as its function's.
 *     Strings are written as valid UTF-8 (a bad byte as U+FFFD), as
 *     proto3 wants of a string; everything else of a name is kept.
 *   - Deterministic: ids are given in the order the model's walk meets
 *     frames, functions and strings (the hash tables are lookups only),
 *     and the gzip header has mtime 0, so two runs write the same bytes.
 *   - Streamed: each top-level field is encoded alone and deflated into
 *     the output, which holds only compressed bytes; its cap is the
 *     output's (HD_ERR_LIMIT).  The sample type comes first, then the
 *     samples, then the locations, functions and strings they met, and
 *     the period and times last (protobuf fields have no order; pprof
 *     and heapdiff read any).
 */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "render/formats.h"
#include "render/render.h"

/* profile.proto's field numbers. */
enum {
	P_SAMPLE_TYPE = 1, P_SAMPLE = 2, P_LOCATION = 4, P_FUNCTION = 5,
	P_STRING_TABLE = 6, P_TIME_NANOS = 9, P_DURATION_NANOS = 10,
	P_PERIOD_TYPE = 11, P_PERIOD = 12,
	VT_TYPE = 1, VT_UNIT = 2,
	S_LOCATION_ID = 1, S_VALUE = 2,
	L_ID = 1, L_ADDRESS = 3, L_LINE = 4,
	LN_FUNCTION_ID = 1, LN_LINE = 2,
	F_ID = 1, F_NAME = 2, F_SYSTEM_NAME = 3, F_FILENAME = 4,
};
enum { WIRE_VARINT = 0, WIRE_BYTES = 2 };

struct fn {
	uint32_t name, file;     /* string ids */
};

struct enc {
	const struct hd_model *m;
	enum hd_granularity gran;
	struct hd_buf *out;      /* the gzip stream */
	z_stream z;
	int failed;              /* HD_ERR_NOMEM or HD_ERR_LIMIT */
	struct hd_buf msg, sub;  /* one top-level field; a message inside it */

	uint32_t *loc_of;        /* per model frame: location id, 0: none yet */
	uint32_t *locs;          /* location id - 1 -> model frame */
	uint32_t *loc_fn;        /* location id - 1 -> function id */
	size_t nlocs, locs_cap, loc_fn_cap;

	struct fn *fns;          /* function id - 1 */
	size_t nfns, fns_cap;
	struct hd_map fn_ids;    /* (name << 32 | file) + 1 -> function id */

	const char **strs;       /* string id -> string */
	size_t nstrs, strs_cap;
	struct hd_map str_ids;   /* keyed hash of the string -> an id */
	struct hd_hash_key hk;
};

/* ---- the wire ---- */

/* v as a varint at s (room for 10 bytes); its length. */
static size_t varint_at(unsigned char *s, uint64_t v)
{
	size_t n = 0;

	do {
		s[n++] = (unsigned char)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v);
	return n;
}

static void put_varint(struct hd_buf *b, uint64_t v)
{
	unsigned char s[10];

	hd_buf_append(b, s, varint_at(s, v));
}

static void put_tag(struct hd_buf *b, unsigned field, unsigned wire)
{
	put_varint(b, (uint64_t)field << 3 | wire);
}

/* A varint field; proto3 leaves a zero out. */
static void put_uint(struct hd_buf *b, unsigned field, uint64_t v)
{
	if (!v)
		return;
	put_tag(b, field, WIRE_VARINT);
	put_varint(b, v);
}

static void put_bytes(struct hd_buf *b, unsigned field, const void *p, size_t n)
{
	put_tag(b, field, WIRE_BYTES);
	put_varint(b, n);
	hd_buf_append(b, p, n);
}

/* The message in e->sub as field `field` of e->msg; sub emptied. */
static void put_sub(struct enc *e, unsigned field)
{
	put_bytes(&e->msg, field, e->sub.data ? e->sub.data : "", e->sub.len);
	hd_scratch_empty(&e->sub);
}

/* Deflate n bytes at p (flush: Z_NO_FLUSH or Z_FINISH) into the output. */
static int deflate_into(struct enc *e, const void *p, size_t n, int flush)
{
	unsigned char chunk[16384];
	int zr;

	if (e->failed)
		return e->failed;
	e->z.next_in = (unsigned char *)(uintptr_t)p;
	do {
		/* avail_in is a uInt: feed a big message in pieces. */
		uInt take = n > (1u << 30) ? 1u << 30 : (uInt)n;

		e->z.avail_in = take;
		n -= take;
		do {
			e->z.next_out = chunk;
			e->z.avail_out = sizeof(chunk);
			zr = deflate(&e->z, n ? Z_NO_FLUSH : flush);
			if (zr == Z_STREAM_ERROR)
				return e->failed = HD_ERR_NOMEM;
			if (hd_buf_append(e->out, chunk, sizeof(chunk) - e->z.avail_out))
				return e->failed = e->out->failed;
			if (zr == Z_BUF_ERROR && e->z.avail_out == sizeof(chunk))
				break;  /* nothing to do: no input, no flush */
		} while (e->z.avail_out == 0 || (flush == Z_FINISH && !n && zr != Z_STREAM_END));
	} while (n);
	return 0;
}

/* The message built in e->msg out as top-level field `field` (0: msg
 * holds whole fields already); msg emptied. */
static int emit(struct enc *e, unsigned field)
{
	unsigned char head[20];
	int rc;

	if (e->msg.failed || e->sub.failed)
		return e->failed = e->msg.failed ? e->msg.failed : e->sub.failed;
	if (field) {
		size_t n = varint_at(head, (uint64_t)field << 3 | WIRE_BYTES);

		n += varint_at(head + n, e->msg.len);
		if ((rc = deflate_into(e, head, n, Z_NO_FLUSH)))
			return rc;
	}
	rc = deflate_into(e, e->msg.data ? e->msg.data : "", e->msg.len, Z_NO_FLUSH);
	hd_scratch_empty(&e->msg);
	return rc;
}

/* ---- strings, functions, locations ---- */

/* The id of string s in the table, added when new.  A hash that two
 * strings share only costs the second a table entry of its own. */
static int string_id(struct enc *e, const char *s, uint32_t *id)
{
	uint64_t h = hd_hash_mem(&e->hk, s, strlen(s)) | 1;

	if (hd_map_get(&e->str_ids, h, id) && strcmp(e->strs[*id], s) == 0)
		return 0;
	if (e->nstrs >= UINT32_MAX || HD_GROW(e->strs, e->strs_cap, e->nstrs + 1))
		return HD_ERR_NOMEM;
	*id = (uint32_t)e->nstrs;
	e->strs[e->nstrs++] = s;
	return hd_map_put(&e->str_ids, h, *id);
}

/* A printed name without the address heapdiff puts first at addresses
 * granularity ("000000000045a1b2 [app]" -> "[app]"): pprof prints the
 * location's address before the function's name itself. */
static const char *without_address(const struct hd_frame *f)
{
	const char *s = f->name;
	size_t i;

	if (!f->address || strlen(s) <= 17 || s[16] != ' ')
		return s;
	for (i = 0; i < 16; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return s;
	return s + 17;
}

/* The function name and file a frame is written with (the contract). */
static void frame_function(const struct enc *e, const struct hd_frame *f,
			   const char **name, const char **file)
{
	if (e->gran == HD_GRAN_FILES) {
		*name = *f->file ? f->file : f->name;
		*file = f->file;
	} else if (*f->function || (e->gran != HD_GRAN_FUNCTIONS && (*f->file || f->line))) {
		*name = f->function;
		*file = f->file;
	} else {
		*name = without_address(f);
		*file = "";
	}
}

static int function_id(struct enc *e, const struct hd_frame *f, uint32_t *id)
{
	const char *name, *file;
	uint32_t ns, fs;
	uint64_t key;

	frame_function(e, f, &name, &file);
	if (string_id(e, name, &ns) || string_id(e, file, &fs))
		return HD_ERR_NOMEM;
	key = ((uint64_t)ns << 32 | fs) + 1;
	if (hd_map_get(&e->fn_ids, key, id))
		return 0;
	if (e->nfns >= UINT32_MAX - 1 || HD_GROW(e->fns, e->fns_cap, e->nfns + 1))
		return HD_ERR_NOMEM;
	e->fns[e->nfns].name = ns;
	e->fns[e->nfns].file = fs;
	*id = (uint32_t)++e->nfns;
	return hd_map_put(&e->fn_ids, key, *id);
}

/* The location id of model frame fr, made on first use. */
static int location_id(struct enc *e, uint32_t fr, uint32_t *id)
{
	uint32_t fid;

	if (e->loc_of[fr]) {
		*id = e->loc_of[fr];
		return 0;
	}
	if (function_id(e, hd_model_frame(e->m, fr), &fid) ||
	    HD_GROW(e->locs, e->locs_cap, e->nlocs + 1) ||
	    HD_GROW(e->loc_fn, e->loc_fn_cap, e->nlocs + 1))
		return HD_ERR_NOMEM;
	e->locs[e->nlocs] = fr;
	e->loc_fn[e->nlocs] = fid;
	*id = e->loc_of[fr] = (uint32_t)++e->nlocs;
	return 0;
}

/* ---- the message ---- */

/* One sample: hd_model_stack_values/deltas' callback (frames root first). */
static int put_sample(void *ctx, const uint32_t *frames, uint32_t n, int64_t value)
{
	struct enc *e = ctx;
	uint32_t k;

	for (k = 0; k < n; k++) {
		uint32_t id;

		if (location_id(e, frames[n - 1 - k], &id))
			return e->failed = HD_ERR_NOMEM;
		put_varint(&e->sub, id);
	}
	if (n)
		put_sub(e, S_LOCATION_ID);
	put_varint(&e->sub, (uint64_t)value); /* int64: two's complement */
	put_sub(e, S_VALUE);
	return emit(e, P_SAMPLE);
}

static void put_value_type(struct enc *e, unsigned field, uint32_t type, uint32_t unit)
{
	put_uint(&e->sub, VT_TYPE, type);
	put_uint(&e->sub, VT_UNIT, unit);
	put_sub(e, field);
}

/* A string of the table as a whole field in e->msg, bad UTF-8 bytes as
 * U+FFFD. */
static void put_string(struct enc *e, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		size_t k = hd_utf8_len(p);

		if (k) {
			hd_buf_append(&e->sub, p, k);
			p += k;
		} else {
			hd_buf_append(&e->sub, "\xef\xbf\xbd", 3);
			p++;
		}
	}
	put_sub(e, P_STRING_TABLE);
}

static int put_tables(struct enc *e)
{
	size_t i;

	for (i = 0; i < e->nlocs && !e->failed; i++) {
		const struct hd_frame *f = hd_model_frame(e->m, e->locs[i]);

		put_uint(&e->sub, LN_FUNCTION_ID, e->loc_fn[i]);
		put_uint(&e->sub, LN_LINE, (uint64_t)f->line);
		put_uint(&e->msg, L_ID, i + 1);
		put_uint(&e->msg, L_ADDRESS, f->address);
		put_sub(e, L_LINE);
		emit(e, P_LOCATION);
	}
	for (i = 0; i < e->nfns && !e->failed; i++) {
		put_uint(&e->msg, F_ID, i + 1);
		put_uint(&e->msg, F_NAME, e->fns[i].name);
		put_uint(&e->msg, F_SYSTEM_NAME, e->fns[i].name);
		put_uint(&e->msg, F_FILENAME, e->fns[i].file);
		emit(e, P_FUNCTION);
	}
	for (i = 0; i < e->nstrs && !e->failed; i++) {
		put_string(e, e->strs[i]);
		emit(e, 0);
	}
	return e->failed;
}

static int encode(struct enc *e, const struct hd_report *r)
{
	const struct hd_column_info *last = &r->cols[r->ncols - 1];
	uint32_t empty, type, unit, ptype, punit;
	int rc;

	if (string_id(e, "", &empty) || string_id(e, r->sample_type, &type) ||
	    string_id(e, r->sample_unit ? r->sample_unit : "", &unit) ||
	    string_id(e, last->period_type, &ptype) || string_id(e, last->period_unit, &punit))
		return HD_ERR_NOMEM;
	put_value_type(e, P_SAMPLE_TYPE, type, unit);
	if (emit(e, 0))
		return e->failed;
	if (r->ncols == 1)
		rc = hd_model_stack_values(e->m, 0, put_sample, e);
	else
		rc = hd_model_stack_deltas(e->m, 0, r->ncols - 1, put_sample, e);
	if (rc)
		return e->failed ? e->failed : rc;
	if (put_tables(e))
		return e->failed;
	put_uint(&e->msg, P_TIME_NANOS, (uint64_t)last->time_nanos);
	put_uint(&e->msg, P_DURATION_NANOS, (uint64_t)last->duration_nanos);
	if (ptype || punit)
		put_value_type(e, P_PERIOD_TYPE, ptype, punit);
	put_uint(&e->msg, P_PERIOD, (uint64_t)last->period);
	if (emit(e, 0))
		return e->failed;
	return deflate_into(e, "", 0, Z_FINISH);
}

int hd_pprof_profile(const struct hd_report *r, const struct hd_render_opts *o,
		     struct hd_buf *b)
{
	struct enc e;
	int rc;

	(void)o; /* the profile is whole: --top is for tables */
	memset(&e, 0, sizeof(e));
	e.m = r->model;
	e.gran = hd_model_options(r->model)->granularity;
	e.out = b;
	hd_hash_key_init(&e.hk);
	/* One message at a time: a sample's stack at most, which the model
	 * holds already. */
	hd_buf_init(&e.msg, 0);
	hd_buf_init(&e.sub, 0);
	e.loc_of = calloc(hd_model_frame_count(r->model) + 1, sizeof(*e.loc_of));
	rc = HD_ERR_NOMEM;
	if (!e.loc_of || hd_map_init(&e.str_ids, 64) || hd_map_init(&e.fn_ids, 64))
		goto out;
	/* 31: a gzip wrapper; its header has no name and mtime 0. */
	if (deflateInit2(&e.z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 31, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK)
		goto out;
	rc = encode(&e, r);
	deflateEnd(&e.z);
out:
	hd_map_release(&e.str_ids);
	hd_map_release(&e.fn_ids);
	hd_buf_release(&e.msg);
	hd_buf_release(&e.sub);
	free(e.loc_of);
	free(e.locs);
	free(e.loc_fn);
	free(e.fns);
	free(e.strs);
	return rc;
}
