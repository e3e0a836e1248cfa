/*
 * profile.c - protobuf-c decode and validation: bytes -> hd_profile.
 *
 * Owns: one arena per profile, holding protobuf-c's unpacked message
 * (through a ProtobufCAllocator) and the resolved view the model reads
 * (functions, locations, samples by index instead of by id).  Freeing the
 * profile frees all of it at once.
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "profile.pb-c.h"

typedef Perftools__Profiles__Profile PbProfile;

/*
 * The model expands every sample's stack, every inlined line of every
 * location: bound the total, or a few KiB of gzip (one location of 1000
 * lines listed 100 000 times) cost gigabytes.  pprof's largest test
 * profile expands to 500 000 frames.
 */
#define HD_MAX_STACK_FRAMES ((uint64_t)1 << 24)

struct hd_profile {
	struct hd_arena arena;
	PbProfile *pb;
	const char *drop_frames, *keep_frames, *default_type;
	const char **type_names, **type_units;
	struct hd_pfunc *funcs;
	struct hd_ploc *locs;
	struct hd_pmapping *mappings;
	struct hd_psample *samples;
};

static void *arena_pb_alloc(void *data, size_t size)
{
	return hd_arena_alloc(data, size);
}

static void arena_pb_free(void *data, void *ptr)
{
	/* The arena frees everything with the profile. */
}

/* Resolve a string index, or fail naming what referred to it. */
static int str_at(const PbProfile *pb, int64_t idx, const char **out,
		  struct hd_error *err, const char *what, size_t n)
{
	if (idx < 0 || (uint64_t)idx >= pb->n_string_table)
		return hd_fail(err, HD_ERR_INVALID,
			       "%s %zu has string index %lld, outside the string table of %zu entries",
			       what, n, (long long)idx, pb->n_string_table);
	*out = pb->string_table[idx];
	return 0;
}

static int index_ids(struct hd_map *map, size_t n, uint64_t (*id_of)(const PbProfile *, size_t),
		     const PbProfile *pb, const char *what, struct hd_error *err)
{
	size_t i;
	uint32_t dummy;

	if (hd_map_init(map, n))
		return hd_fail(err, HD_ERR_NOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		uint64_t id = id_of(pb, i);

		if (id == 0)
			return hd_fail(err, HD_ERR_INVALID,
				       "%s %zu has id 0 (ids must be non-zero)", what, i);
		if (hd_map_get(map, id, &dummy))
			return hd_fail(err, HD_ERR_INVALID,
				       "two %ss have the same id %llu", what,
				       (unsigned long long)id);
		if (hd_map_put(map, id, (uint32_t)i))
			return hd_fail(err, HD_ERR_NOMEM, "out of memory");
	}
	return 0;
}

static uint64_t mapping_id(const PbProfile *pb, size_t i) { return pb->mapping[i]->id; }
static uint64_t function_id(const PbProfile *pb, size_t i) { return pb->function[i]->id; }
static uint64_t location_id(const PbProfile *pb, size_t i) { return pb->location[i]->id; }

static int resolve(struct hd_profile *p, struct hd_error *err)
{
	PbProfile *pb = p->pb;
	struct hd_arena *a = &p->arena;
	struct hd_map mmap = {0}, fmap = {0}, lmap = {0};
	uint64_t frames = 0;
	size_t i, j;
	int rc = 0;

	if (pb->n_string_table == 0 || pb->string_table[0][0] != '\0')
		return hd_fail(err, HD_ERR_INVALID,
			       pb->n_string_table == 0 ?
			       "the string table is empty (string_table[0] must be \"\")" :
			       "string_table[0] is not the empty string");
	if (pb->n_sample_type == 0 && pb->n_sample != 0)
		return hd_fail(err, HD_ERR_INVALID,
			       "the profile has %zu samples but no sample types",
			       pb->n_sample);
	if (pb->n_mapping > UINT32_MAX - 1 || pb->n_function > UINT32_MAX - 1 ||
	    pb->n_location > UINT32_MAX - 1)
		return hd_fail(err, HD_ERR_LIMIT, "the profile has too many entries");

	p->type_names = hd_arena_calloc(a, pb->n_sample_type + 1, sizeof(char *));
	p->type_units = hd_arena_calloc(a, pb->n_sample_type + 1, sizeof(char *));
	p->mappings = hd_arena_calloc(a, pb->n_mapping + 1, sizeof(*p->mappings));
	p->funcs = hd_arena_calloc(a, pb->n_function + 1, sizeof(*p->funcs));
	p->locs = hd_arena_calloc(a, pb->n_location + 1, sizeof(*p->locs));
	p->samples = hd_arena_calloc(a, pb->n_sample + 1, sizeof(*p->samples));
	if (!p->type_names || !p->type_units || !p->mappings || !p->funcs ||
	    !p->locs || !p->samples)
		return hd_fail(err, HD_ERR_NOMEM, "out of memory");

	for (i = 0; i < pb->n_sample_type; i++) {
		if ((rc = str_at(pb, pb->sample_type[i]->type, &p->type_names[i], err, "sample_type", i)) ||
		    (rc = str_at(pb, pb->sample_type[i]->unit, &p->type_units[i], err, "sample_type", i)))
			return rc;
	}
	if (pb->period_type) {
		const char *s;
		if ((rc = str_at(pb, pb->period_type->type, &s, err, "period_type", 0)) ||
		    (rc = str_at(pb, pb->period_type->unit, &s, err, "period_type", 0)))
			return rc;
	}
	if ((rc = str_at(pb, pb->drop_frames, &p->drop_frames, err, "drop_frames", 0)) ||
	    (rc = str_at(pb, pb->keep_frames, &p->keep_frames, err, "keep_frames", 0)) ||
	    (rc = str_at(pb, pb->default_sample_type, &p->default_type, err, "default_sample_type", 0)))
		return rc;
	for (i = 0; i < pb->n_comment; i++) {
		const char *s;
		if ((rc = str_at(pb, pb->comment[i], &s, err, "comment", i)))
			return rc;
	}
	{
		const char *s;
		if ((rc = str_at(pb, pb->doc_url, &s, err, "doc_url", 0)))
			return rc;
	}

	if ((rc = index_ids(&mmap, pb->n_mapping, mapping_id, pb, "mapping", err)) ||
	    (rc = index_ids(&fmap, pb->n_function, function_id, pb, "function", err)) ||
	    (rc = index_ids(&lmap, pb->n_location, location_id, pb, "location", err)))
		goto out;

	for (i = 0; i < pb->n_mapping; i++) {
		const Perftools__Profiles__Mapping *m = pb->mapping[i];
		const char *s;
		if ((rc = str_at(pb, m->filename, &p->mappings[i].file, err, "mapping", i)) ||
		    (rc = str_at(pb, m->build_id, &s, err, "mapping", i)))
			goto out;
	}
	for (i = 0; i < pb->n_function; i++) {
		const Perftools__Profiles__Function *f = pb->function[i];
		struct hd_pfunc *pf = &p->funcs[i];
		if ((rc = str_at(pb, f->name, &pf->name, err, "function", i)) ||
		    (rc = str_at(pb, f->system_name, &pf->system_name, err, "function", i)) ||
		    (rc = str_at(pb, f->filename, &pf->filename, err, "function", i)))
			goto out;
		pf->start_line = f->start_line;
	}
	for (i = 0; i < pb->n_location; i++) {
		const Perftools__Profiles__Location *l = pb->location[i];
		struct hd_ploc *pl = &p->locs[i];

		pl->address = l->address;
		pl->mapping = UINT32_MAX;
		if (l->mapping_id && !hd_map_get(&mmap, l->mapping_id, &pl->mapping)) {
			rc = hd_fail(err, HD_ERR_INVALID,
				     "location id %llu refers to mapping id %llu, which does not exist",
				     (unsigned long long)l->id, (unsigned long long)l->mapping_id);
			goto out;
		}
		if (l->n_line > UINT32_MAX) {
			rc = hd_fail(err, HD_ERR_LIMIT, "location id %llu has too many lines",
				     (unsigned long long)l->id);
			goto out;
		}
		pl->nlines = (uint32_t)l->n_line;
		pl->lines = hd_arena_alloc(a, (l->n_line + 1) * sizeof(*pl->lines));
		if (!pl->lines) {
			rc = hd_fail(err, HD_ERR_NOMEM, "out of memory");
			goto out;
		}
		for (j = 0; j < l->n_line; j++) {
			const Perftools__Profiles__Line *ln = l->line[j];

			if (ln->function_id == 0) {
				rc = hd_fail(err, HD_ERR_INVALID,
					     "location id %llu has a line with function id 0",
					     (unsigned long long)l->id);
				goto out;
			}
			if (!hd_map_get(&fmap, ln->function_id, &pl->lines[j].func)) {
				rc = hd_fail(err, HD_ERR_INVALID,
					     "location id %llu refers to function id %llu, which does not exist",
					     (unsigned long long)l->id,
					     (unsigned long long)ln->function_id);
				goto out;
			}
			pl->lines[j].line = ln->line;
		}
	}
	for (i = 0; i < pb->n_sample; i++) {
		const Perftools__Profiles__Sample *s = pb->sample[i];
		struct hd_psample *ps = &p->samples[i];

		if (s->n_value != pb->n_sample_type) {
			rc = hd_fail(err, HD_ERR_INVALID,
				     "sample %zu has %zu value%s but the profile has %zu sample type%s",
				     i, s->n_value, s->n_value == 1 ? "" : "s",
				     pb->n_sample_type, pb->n_sample_type == 1 ? "" : "s");
			goto out;
		}
		if (s->n_location_id > UINT32_MAX) {
			rc = hd_fail(err, HD_ERR_LIMIT, "sample %zu has too many locations", i);
			goto out;
		}
		ps->values = s->value;
		ps->nlocs = (uint32_t)s->n_location_id;
		ps->locs = hd_arena_alloc(a, (s->n_location_id + 1) * sizeof(uint32_t));
		if (!ps->locs) {
			rc = hd_fail(err, HD_ERR_NOMEM, "out of memory");
			goto out;
		}
		for (j = 0; j < s->n_location_id; j++) {
			if (!hd_map_get(&lmap, s->location_id[j], &ps->locs[j])) {
				rc = hd_fail(err, HD_ERR_INVALID,
					     "sample %zu refers to location id %llu, which does not exist",
					     i, (unsigned long long)s->location_id[j]);
				goto out;
			}
			frames += p->locs[ps->locs[j]].nlines ? p->locs[ps->locs[j]].nlines : 1;
		}
		if (frames > HD_MAX_STACK_FRAMES) {
			rc = hd_fail(err, HD_ERR_LIMIT,
				     "the samples' stacks expand to more than %llu frames (inlined lines counted)",
				     (unsigned long long)HD_MAX_STACK_FRAMES);
			goto out;
		}
		for (j = 0; j < s->n_label; j++) {
			const Perftools__Profiles__Label *lb = s->label[j];
			const char *str;
			if ((rc = str_at(pb, lb->key, &str, err, "sample", i)) ||
			    (rc = str_at(pb, lb->str, &str, err, "sample", i)) ||
			    (rc = str_at(pb, lb->num_unit, &str, err, "sample", i)))
				goto out;
		}
	}
out:
	hd_map_release(&mmap);
	hd_map_release(&fmap);
	hd_map_release(&lmap);
	return rc;
}

int hd_profile_parse(const unsigned char *data, size_t len,
		     struct hd_profile **out, struct hd_error *err)
{
	struct hd_profile *p;
	ProtobufCAllocator alloc;
	int rc;

	*out = NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return hd_fail(err, HD_ERR_NOMEM, "out of memory");
	hd_arena_init(&p->arena);
	alloc.alloc = arena_pb_alloc;
	alloc.free = arena_pb_free;
	alloc.allocator_data = &p->arena;
	p->pb = perftools__profiles__profile__unpack(&alloc, len, data);
	if (!p->pb) {
		hd_profile_free(p);
		return hd_fail(err, HD_ERR_FORMAT,
			       "not a pprof profile (malformed protobuf data)");
	}
	rc = resolve(p, err);
	if (rc) {
		hd_profile_free(p);
		return rc;
	}
	*out = p;
	return 0;
}

int hd_profile_load(const char *path, uint64_t max_size,
		    struct hd_profile **out, struct hd_error *err)
{
	struct hd_buf buf;
	int rc;

	*out = NULL;
	rc = hd_load_file(path, max_size, &buf, err);
	if (rc)
		return rc;
	rc = hd_profile_parse((unsigned char *)buf.data, buf.len, out, err);
	hd_buf_release(&buf);
	return rc;
}

void hd_profile_free(struct hd_profile *p)
{
	if (!p)
		return;
	hd_arena_release(&p->arena);
	free(p);
}

size_t hd_profile_sample_type_count(const struct hd_profile *p)
{
	return p->pb->n_sample_type;
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
	return p->pb->time_nanos;
}

int64_t hd_profile_duration_nanos(const struct hd_profile *p)
{
	return p->pb->duration_nanos;
}

size_t hd_profile_sample_count(const struct hd_profile *p)
{
	return p->pb->n_sample;
}

static void list_types(const struct hd_profile *p, char *out, size_t n)
{
	size_t i, len = 0;

	out[0] = '\0';
	for (i = 0; i < p->pb->n_sample_type && len + 1 < n; i++) {
		int w = snprintf(out + len, n - len, "%s%s", i ? ", " : "",
				 p->type_names[i]);
		if (w < 0)
			break;
		len += (size_t)w;
	}
}

int hd_profile_find_sample_type(const struct hd_profile *p, const char *spec,
				size_t *index, struct hd_error *err)
{
	size_t i, n = p->pb->n_sample_type;
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

int64_t hd_profile_total(const struct hd_profile *p, size_t i)
{
	int64_t t = 0;
	size_t s;

	for (s = 0; s < p->pb->n_sample; s++)
		t = hd_add_sat(t, p->pb->sample[s]->value[i]);
	return t;
}

void hd_profile_view(const struct hd_profile *p, struct hd_profile_view *v)
{
	v->nfuncs = p->pb->n_function;
	v->nlocs = p->pb->n_location;
	v->nmappings = p->pb->n_mapping;
	v->nsamples = p->pb->n_sample;
	v->ntypes = p->pb->n_sample_type;
	v->funcs = p->funcs;
	v->locs = p->locs;
	v->mappings = p->mappings;
	v->samples = p->samples;
	v->drop_frames = p->drop_frames;
	v->keep_frames = p->keep_frames;
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
	int64_t t = 0;
	size_t s;

	for (s = 0; s < p->pb->n_sample; s++)
		t = hd_add_sat(t, hd_scale_value(p->pb->sample[s]->value[i], scale));
	return t;
}
