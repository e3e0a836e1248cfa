/*
 * input.h - the input seam: what every decoder fills and the model reads
 * (lib/ and the tests only).
 *
 * A decoder turns one input format's bytes into struct hd_profile: the
 * metadata, the sample types with their totals, functions, locations and
 * mappings resolved to indexes, and a sample iterator (decoder->next)
 * yielding each sample's locations, leaf first, and its
 * values.  load.c owns
 * the table of decoders and picks one by content, never by file name; a
 * new format is one file that defines a struct hd_decoder plus one line
 * in that table.  The model knows nothing of any format.
 */
#ifndef HD_INPUT_H
#define HD_INPUT_H

#include "base/base.h"

struct hd_pfunc {
	const char *name, *system_name, *filename;
	int64_t start_line;
};

struct hd_pline {
	uint32_t func; /* index into funcs; UINT32_MAX: none */
	int64_t line;
};

struct hd_ploc {
	uint32_t mapping; /* index into mappings; UINT32_MAX: none */
	uint64_t address;
	uint32_t nlines;
	struct hd_pline *lines; /* innermost first */
};

/* A mapped file.  pprof's mappings give all of it; a native dump's only
 * file (its memory map is the symbolizer's, symbolize.h). */
struct hd_pmapping {
	const char *file;
	const char *build_id;  /* NULL or "" when none */
	uint64_t memory_start, memory_limit, file_offset;
	int has_functions;     /* 0: its locations are addresses for the symbolizer */
};

struct hd_psample {
	uint32_t nlocs;
	uint32_t *locs;      /* indexes into locs, leaf first */
	const int64_t *values;
	/* The sample's labels as the input holds them (pprof: the bytes from
	 * its first Label to the end of its last), nlabels bytes; NULL and 0
	 * for none.  Only compared: samples with the same locations and
	 * labels are one sample to pprof's merge (model.c, --normalize). */
	const unsigned char *labels;
	size_t nlabels;
};

/*
 * The "# runtime.MemStats" section of Go's text heap profile
 * (/debug/pprof/heap?debug=1), runtime.ReadMemStats as the program saw
 * it just before the profile was written.  Every numeric field exactly,
 * as Go printed it; a field the file does not have (an older or newer
 * Go) is 0, and nfields counts those it had.  PauseNs, the ring of the
 * last pauses (256 in Go: GC number k, from 1, at index (k - 1) % 256),
 * is kept for the pause over an interval; PauseEnd is not.
 */
struct hd_memstats {
	uint64_t alloc, total_alloc, sys, lookups, mallocs, frees;
	uint64_t heap_alloc, heap_sys, heap_idle, heap_inuse, heap_released, heap_objects;
	uint64_t stack_inuse, stack_sys, mspan_inuse, mspan_sys, mcache_inuse, mcache_sys;
	uint64_t buck_hash_sys, gc_sys, other_sys;
	uint64_t next_gc, last_gc, num_gc, num_forced_gc;
	uint64_t max_rss;          /* "# MaxRSS", where the platform has it */
	const char *gc_cpu_fraction; /* a float64 as Go's %v printed it, or NULL */
	int debug_gc;              /* 1: "true" */
	const uint64_t *pause_ns;  /* "# PauseNs = [...]", npause of them; NULL: none */
	size_t npause;
	size_t nfields;
};

#define HD_HELD_BY_SEP "\x1f"
#define HD_HELD_BY_MAX 16 /* steps a report shows, at most */

struct hd_profile;

/* A decoder's cursor over a profile's samples; start with {0, 0}. */
struct hd_sample_iter {
	size_t pos;    /* the decoder's: where the next sample lies */
	size_t index;  /* samples read so far */
};

/*
 * Samples a text decoder keeps decoded (gotext.c, jemalloc.c): sample i
 * is refs[spans[i].first ..] (nlocs location indices, leaf first) and
 * vals[i * ntypes ..]; hd_samples_next() is their decoder's next.
 */
struct hd_sample_span {
	size_t first;
	uint32_t nlocs;
};
int hd_samples_next(const struct hd_profile *p, const struct hd_sample_span *spans,
		    const uint32_t *refs, const int64_t *vals, struct hd_sample_iter *it,
		    uint32_t *locs, int64_t *values, struct hd_psample *out);

struct hd_decoder {
	const char *name;  /* "pprof" */
	/* 1 when data (already inflated) is this format.  The table is
	 * tried in order; the last entry may accept anything. */
	int (*sniff)(const unsigned char *data, size_t len);
	/* Fill p from p->data[0..p->len) (which p owns), within lim; on
	 * error the caller frees p, so release must cope with a half-filled
	 * profile. */
	int (*decode)(struct hd_profile *p, const struct hd_limits *lim,
		      struct hd_error *err);
	/* The next sample into locs (room for max_locs) and values (room
	 * for ntypes), *out pointing into them: 1, or 0 past the last, or
	 * -1 when that sample is malformed: *it is left on it, and
	 * hd_profile_sample_error() says what is wrong.  Only pprof fails:
	 * it checks each sample as it reads it, so that a sample is decoded
	 * once (the text formats hold theirs decoded and checked).  Samples
	 * come in the order the input holds them, nsamples in all. */
	int (*next)(const struct hd_profile *p, struct hd_sample_iter *it,
		    uint32_t *locs, int64_t *values, struct hd_psample *out);
	/* Free what decode put in p->priv; NULL-safe. */
	void (*release)(struct hd_profile *p);
};

/*
 * One decoded profile.  Owns data (the inflated bytes) and one arena
 * holding every string and array below; hd_profile_free() frees it all.
 */
struct hd_profile {
	const struct hd_decoder *decoder;
	struct hd_arena arena;
	unsigned char *data;
	size_t len;
	size_t cap;            /* bytes malloc'd for data; 0 when mapped */
	size_t mapped;         /* 0: data is malloc'd; else a read-only file
				* mapping of that many bytes (load.c) */
	void *priv;            /* the decoder's own state */
	int64_t time_nanos, duration_nanos;
	/* period_type and period; "" and 0 when the profile has none */
	const char *period_type, *period_unit;
	int64_t period;
	const char *drop_frames, *keep_frames; /* pprof's regexps, or NULL */
	const char *default_type;
	size_t ntypes;
	const char **type_names, **type_units;
	int64_t *totals;       /* per sample type, saturating */
	/* NULL when decode summed totals; else the decoder's count of the
	 * samples its next has summed so far (the first pass in order sums
	 * them); hd_profile_total() reads the rest when asked earlier. */
	const size_t *totals_upto;
	size_t nfuncs, nlocs, nmappings, nsamples;
	struct hd_pfunc *funcs;
	struct hd_ploc *locs;
	struct hd_pmapping *mappings;
	/* The most locations in one sample, and in all samples together;
	 * a decoder that reads samples lazily may give bounds instead
	 * (pprof: the bytes of the longest Sample message, of them all). */
	size_t max_locs;
	size_t nrefs;
	const struct hd_memstats *memstats; /* from Go's text heap profile, else NULL */
	/* What holds each function's objects, when the format knows it (a
	 * Java heap dump: the reference chain from a GC root to a class's
	 * instances, hprof.c): NULL, or nfuncs entries, each NULL or steps
	 * root first separated by HD_HELD_BY_SEP; in the arena. */
	const char **held_by;
	/* What the decoder could not do but went on without (a binary not
	 * found, a build-id mismatch), for the report's warnings; in the
	 * arena. */
	const char **warnings;
	size_t nwarnings;
};

/*
 * The frames cap when the caller set none: HD_DEFAULT_MAX_FRAMES, or
 * HD_FRAMES_PER_BYTE frames per byte of the decompressed profile,
 * whichever is more.  A location reference takes at least a byte, so a
 * real profile expands to about a frame per byte (a million-stack Go
 * profile: 26 million frames in 27 MB); what expands further does it
 * through inlined lines listed over and over, which is a bomb's way.
 */
#define HD_FRAMES_PER_BYTE 4
static inline uint64_t hd_default_max_frames(size_t len)
{
	uint64_t per = (uint64_t)len * HD_FRAMES_PER_BYTE;

	return per > HD_DEFAULT_MAX_FRAMES ? per : HD_DEFAULT_MAX_FRAMES;
}

/* The decoders (one file each). */
extern const struct hd_decoder hd_decoder_pprof;
extern const struct hd_decoder hd_decoder_gotext; /* Go's text heap profile */
extern const struct hd_decoder hd_decoder_jemalloc; /* jemalloc's heap_v2 dumps */
extern const struct hd_decoder hd_decoder_gperf;    /* gperftools' heap profiles */
extern const struct hd_decoder hd_decoder_hprof; /* Java heap dumps (HPROF) */
/* Not a decoder: names a file that is no profile (an HTML page, a
 * goroutine dump, ...) and fails; see sniff.c. */
extern const struct hd_decoder hd_decoder_wrong_file;

/*
 * Go's math.Exp as it runs on amd64 (math/exp_amd64.s), the path taken
 * on a CPU with AVX and FMA when fma is 1, the other one when it is 0:
 * the unsampling of gotext.c, bit for bit, exported for the unit tests.
 */
double hd_go_exp(double x, int fma);

/*
 * native.c, for the native decoders: the allocator frames a C or C++ heap
 * profile is pruned of (drop_frames), and the naming of every location
 * without lines from the "MAPPED_LIBRARIES:" text maps[0..len) (symbolize.h),
 * with the binary and symbols of lim.  Fills funcs, lines, mappings and
 * warnings; checks the frames cap.
 */
extern const char hd_native_drop_frames[];
struct hd_sym;
int hd_native_parse_maps(struct hd_sym *s, const unsigned char *q, const unsigned char *e,
			 struct hd_error *err);
int hd_native_symbolize(struct hd_profile *p, const unsigned char *maps, size_t len,
			const struct hd_limits *lim, struct hd_error *err);
/* Name the locations without lines of p (a pprof profile) whose mapping
 * has no functions (has_functions false: written by a tool that recorded
 * addresses only), from the mappings' files, as hd_native_symbolize
 * names a dump's; p's mappings stay.  0 when there is nothing to do. */
int hd_native_symbolize_mappings(struct hd_profile *p, const struct hd_limits *lim,
				 struct hd_error *err);
/* The text after the "MAPPED_LIBRARIES:" (or "--- Memory map: ---") line
 * of data[0..len): its start, or NULL. */
const unsigned char *hd_native_find_maps(const unsigned char *data, size_t len);

/*
 * Read a whole file ("-" is standard input) into *out, inflating it when
 * it starts with the gzip magic (several gzip members are concatenated,
 * as gzip(1) does).  Fails with HD_ERR_LIMIT rather than truncating when
 * the result would exceed max_size bytes.
 */
int hd_load_file(const char *path, uint64_t max_size, struct hd_buf *out,
		 struct hd_error *err);
/* The same for bytes already in memory (gzip or raw). */
int hd_load_mem(const unsigned char *data, size_t len, uint64_t max_size,
		struct hd_buf *out, struct hd_error *err);

/*
 * Reading a profile into the memory of one freed before it (a diff reads
 * NEW once BASE is in the model): hd_profile_free_keep frees p but hands
 * its inflated bytes' buffer to *spare, which must hold none (it is
 * overwritten; empty when p had none of its own, a mapping);
 * hd_profile_load_reuse is hd_profile_load inflating into
 * *spare when it is big enough, and frees it otherwise; *spare is empty
 * after it either way.  With a spare, empty or not, a new buffer gets
 * room for a bigger profile after this one.  spare may be NULL.
 */
void hd_profile_free_keep(struct hd_profile *p, struct hd_buf *spare);
int hd_profile_load_reuse(const char *path, const struct hd_limits *lim,
			  struct hd_buf *spare, struct hd_profile **out,
			  struct hd_error *err);

/*
 * Decode inflated bytes in any known format (a copy is taken), every
 * sample checked (hd_profile_check).  The profile owns an arena holding
 * everything decoded; free it with hd_profile_free().  hd_profile_load
 * (heapdiff.h) leaves pprof's samples to be checked as they are read.
 */
int hd_profile_parse(const unsigned char *data, size_t len,
		     const struct hd_limits *lim, struct hd_profile **out,
		     struct hd_error *err);

static inline int hd_profile_next(const struct hd_profile *p, struct hd_sample_iter *it,
				  uint32_t *locs, int64_t *values, struct hd_psample *out)
{
	return p->decoder->next(p, it, locs, values, out);
}

/* What is wrong with the sample at *it, where next returned -1: the
 * error (HD_ERR_FORMAT, _INVALID or _LIMIT) into err, in the words decode
 * uses.  hd_pprof_sample_error() is pprof's. */
int hd_profile_sample_error(const struct hd_profile *p, const struct hd_sample_iter *it,
			    struct hd_error *err);
int hd_pprof_sample_error(const struct hd_profile *p, const struct hd_sample_iter *it,
			  struct hd_error *err);

/* hd_profile_next, failing: 1, 0 past the last, or the error of a
 * malformed sample, filled in err. */
static inline int hd_profile_read(const struct hd_profile *p, struct hd_sample_iter *it,
				  uint32_t *locs, int64_t *values, struct hd_psample *out,
				  struct hd_error *err)
{
	int rc = p->decoder->next(p, it, locs, values, out);

	return rc >= 0 ? rc : hd_profile_sample_error(p, it, err);
}

/* Read every sample once, failing on the first malformed one: what a
 * caller does that wants every error at load (hd_profile_parse). */
int hd_profile_check(const struct hd_profile *p, struct hd_error *err);

size_t hd_profile_sample_type_count(const struct hd_profile *p);
/* Type and unit names of sample type i ("inuse_space", "bytes"). */
const char *hd_profile_sample_type(const struct hd_profile *p, size_t i,
				   const char **unit);
int64_t hd_profile_duration_nanos(const struct hd_profile *p);
size_t hd_profile_sample_count(const struct hd_profile *p);
/*
 * Choose a sample type as pprof's -sample_index does: NULL or "" is the
 * profile's default_sample_type, else the last type; a decimal number is
 * a 0-based index; a name matches a type exactly or without its "inuse_"
 * prefix ("inuse_space" finds "space") or with it added ("space" finds
 * "inuse_space").
 */
int hd_profile_find_sample_type(const struct hd_profile *p, const char *spec,
				size_t *index, struct hd_error *err);
/* Sum of sample values of type i, saturating at INT64_MIN/MAX. */
int64_t hd_profile_total(const struct hd_profile *p, size_t i);
/* Sum of round(value * scale) over samples of type i, as pprof -normalize
 * scales them; saturating. */
int64_t hd_profile_total_scaled(const struct hd_profile *p, size_t i, double scale);
/* Round v * scale to the nearest integer, ties away from zero, clamped. */
int64_t hd_scale_value(int64_t v, double scale);

#endif
