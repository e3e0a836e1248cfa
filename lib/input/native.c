/*
 * native.c - what the decoders of C and C++ heap profiles share (jemalloc.c,
 * gperf.c): the "MAPPED_LIBRARIES:" section (a copy of /proc/self/maps),
 * and the naming of a decoded profile's bare addresses through the
 * symbolizer (symbolize.c).
 *
 * Owns: the functions and lines it gives the locations, in the profile's
 * arena, and the profile's mappings and warnings.  The decoder keeps its
 * samples and locations; this only fills in locations that have no
 * lines, so it can serve any profile of addresses.
 *
 * Every distinct address is looked up once: a decoder makes one location
 * per distinct address, and this resolves each location once.  A frame
 * the symbolizer cannot name becomes a function "FILE+0xOFFSET" (or
 * "0xADDR" outside every mapping), so the report still runs, and the
 * symbolizer's warnings say which files were missing.  The offset, not the
 * address: two runs of one program, loaded at other bases (ASLR), give
 * the same code the same name, so a diff or a trend joins them; the
 * address itself stays the location's (--granularity addresses).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input/input.h"
#include "input/symbolize.h"

/*
 * The frames of the allocator pprof prunes from a C or C++ heap profile
 * (google/pprof profile/legacy_profile.go, allocRxStr), with the jemalloc
 * entry points jeprof also skips (mallocx and its kin, newImpl): a stack
 * is cut above its outermost allocator frame, so malloc's caller is the
 * leaf.
 */
const char hd_native_drop_frames[] =
	"calloc|cfree|malloc|free|memalign|do_memalign|(__)?posix_memalign|pvalloc|valloc|realloc"
	"|aligned_alloc|mallocx|rallocx|xallocx|dallocx|sdallocx|sdallocx_noflags|newImpl"
	"|tcmalloc::.*|tc_calloc|tc_cfree|tc_malloc|tc_free|tc_memalign|tc_posix_memalign"
	"|tc_pvalloc|tc_valloc|tc_realloc|tc_new|tc_delete|tc_newarray|tc_deletearray"
	"|tc_new_nothrow|tc_newarray_nothrow"
	"|malloc_zone_malloc|malloc_zone_calloc|malloc_zone_valloc|malloc_zone_realloc"
	"|malloc_zone_memalign|malloc_zone_free"
	"|BaseArena::.*|(::)?do_malloc_no_errno|(::)?do_malloc_pages|(::)?do_malloc"
	"|DoSampledAllocation|MallocedMemBlock::MallocedMemBlock|_M_allocate"
	"|__builtin_(vec_)?delete|__builtin_(vec_)?new|__gnu_cxx::new_allocator::allocate"
	"|__libc_malloc|__malloc_alloc_template::allocate|allocate|cpp_alloc"
	"|operator new(\\[\\])?|simple_alloc::allocate";

/* ---- the memory map ---- */

static int hexnum(const unsigned char **s, const unsigned char *e, uint64_t *v)
{
	const unsigned char *q = *s;
	uint64_t r = 0;

	for (; q < e; q++) {
		int d = *q >= '0' && *q <= '9' ? *q - '0' : *q >= 'a' && *q <= 'f' ? *q - 'a' + 10 :
			*q >= 'A' && *q <= 'F' ? *q - 'A' + 10 : -1;

		if (d < 0)
			break;
		if (r >> 60)
			return -1;
		r = r << 4 | (uint64_t)d;
	}
	if (q == *s)
		return -1;
	*s = q;
	*v = r;
	return 0;
}

static const unsigned char *field_end(const unsigned char *q, const unsigned char *e)
{
	while (q < e && *q != ' ' && *q != '\t')
		q++;
	return q;
}

static const unsigned char *spaces(const unsigned char *q, const unsigned char *e)
{
	while (q < e && (*q == ' ' || *q == '\t'))
		q++;
	return q;
}

/*
 * "START-LIMIT PERMS OFFSET DEV INODE PATH", as /proc/PID/maps has it.
 * Executable mappings of a file go to the symbolizer; other lines (data,
 * anonymous memory, [vdso], a line that is no mapping) are passed over,
 * as pprof passes them over.
 */
int hd_native_parse_maps(struct hd_sym *s, const unsigned char *q, const unsigned char *e,
			 struct hd_error *err)
{
	while (q < e) {
		const unsigned char *nl = memchr(q, '\n', (size_t)(e - q)), *le = nl ? nl : e;
		const unsigned char *perm, *path;
		uint64_t start, limit, off;
		char buf[4096];
		size_t n;
		int rc;

		if (hexnum(&q, le, &start) || q >= le || *q++ != '-' || hexnum(&q, le, &limit))
			goto next;
		perm = q = spaces(q, le);
		q = field_end(q, le);
		if (q - perm < 3 || memchr(perm, 'x', (size_t)(q - perm)) == NULL)
			goto next;
		q = spaces(q, le);
		if (hexnum(&q, le, &off))
			goto next;
		q = field_end(spaces(field_end(spaces(q, le), le), le), le); /* dev, inode */
		path = spaces(q, le);
		while (le > path && (le[-1] == ' ' || le[-1] == '\t' || le[-1] == '\r'))
			le--;
		n = (size_t)(le - path);
		if (n == 0 || *path == '[' || n >= sizeof(buf) || memchr(path, '\0', n))
			goto next;
		memcpy(buf, path, n);
		buf[n] = '\0';
		if ((rc = hd_sym_add_mapping(s, start, limit, off, buf, NULL, err)))
			return rc;
next:
		q = nl ? nl + 1 : e;
	}
	return 0;
}

/* ---- naming the locations ---- */

struct namer {
	struct hd_profile *p;
	struct hd_error *err;
	struct hd_pfunc *funcs;
	size_t nfuncs, funcs_cap;
	struct hd_pline *lines;
	size_t nlines, lines_cap;
	size_t *first;         /* per location: its first line, or SIZE_MAX */
	struct hd_map index;   /* hash of (name, file) -> function */
	struct hd_hash_key key;
};

static int nomem(struct hd_error *err)
{
	return hd_fail(err, HD_ERR_NOMEM, "out of memory");
}

/* The function (name, file), made on first sight; a collision of two
 * different pairs gives the second a function of its own. */
static int intern(struct namer *nm, const char *name, const char *sysname, const char *file,
		  uint32_t *out)
{
	size_t nl = strlen(name), fl = strlen(file);
	uint64_t h = hd_hash_mem(&nm->key, name, nl);
	uint32_t v;
	int found;

	h = hd_hash_u64(&nm->key, h ^ hd_mum(hd_hash_mem(&nm->key, file, fl), nl + 1));
	h += h == 0;
	found = hd_map_get(&nm->index, h, &v);
	if (found && strcmp(nm->funcs[v].name, name) == 0 && strcmp(nm->funcs[v].filename, file) == 0) {
		*out = v;
		return 0;
	}
	if (nm->nfuncs >= UINT32_MAX - 1)
		return hd_fail(nm->err, HD_ERR_LIMIT, "the profile has too many functions");
	if (HD_GROW(nm->funcs, nm->funcs_cap, nm->nfuncs + 1))
		return nomem(nm->err);
	nm->funcs[nm->nfuncs].name = hd_arena_strndup(&nm->p->arena, name, nl);
	nm->funcs[nm->nfuncs].system_name =
		sysname ? hd_arena_strndup(&nm->p->arena, sysname, strlen(sysname)) :
		nm->funcs[nm->nfuncs].name;
	nm->funcs[nm->nfuncs].filename = hd_arena_strndup(&nm->p->arena, file, fl);
	nm->funcs[nm->nfuncs].start_line = 0;
	if (!nm->funcs[nm->nfuncs].name || !nm->funcs[nm->nfuncs].system_name ||
	    !nm->funcs[nm->nfuncs].filename ||
	    (!found && hd_map_put(&nm->index, h, (uint32_t)nm->nfuncs)))
		return nomem(nm->err);
	*out = (uint32_t)nm->nfuncs++;
	return 0;
}

static int add_line(struct namer *nm, const char *name, const char *sysname, const char *file,
		    int64_t line)
{
	uint32_t fi = 0;
	int rc;

	if ((rc = intern(nm, name, sysname, file, &fi)))
		return rc;
	if (HD_GROW(nm->lines, nm->lines_cap, nm->nlines + 1))
		return nomem(nm->err);
	nm->lines[nm->nlines].func = fi;
	nm->lines[nm->nlines++].line = line;
	return 0;
}

/* Location l (index li) named from s; its mapping set to the
 * symbolizer's file unless keep (a pprof profile's mappings stay). */
static int name_location(struct namer *nm, struct hd_sym *s, struct hd_ploc *l, size_t li,
			 int keep)
{
	struct hd_sym_result r;
	char buf[4200];
	size_t k;
	int rc;

	hd_sym_lookup(s, l->address, &r);
	if (!keep)
		l->mapping = r.file;
	nm->first[li] = nm->nlines;
	for (k = 0; k < r.nframes; k++)
		if ((rc = add_line(nm, r.frames[k].func ? r.frames[k].func : "??", r.frames[k].sysname,
				   r.frames[k].file ? r.frames[k].file : "", r.frames[k].line)))
			return rc;
	if (r.nframes == 0 && keep) {
		/* a pprof profile's location stays an address, as pprof
		 * -symbolize=none shows it ("[FILE]" at function granularity) */
		nm->first[li] = SIZE_MAX;
		return 0;
	}
	if (r.nframes == 0) {
		if (r.path)
			snprintf(buf, sizeof(buf), "%s+0x%llx", r.path, (unsigned long long)r.offset);
		else
			snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)l->address);
		if ((rc = add_line(nm, buf, NULL, "", 0)))
			return rc;
	}
	l->nlines = (uint32_t)(nm->nlines - nm->first[li]);
	return 0;
}

/* The frames the samples expand to, against the cap (inlined frames
 * multiply them). */
static int check_frames(struct hd_profile *p, const struct hd_limits *lim, struct hd_error *err)
{
	uint64_t max = lim && lim->max_frames ? lim->max_frames : hd_default_max_frames(p->len);
	uint64_t frames = 0;
	struct hd_sample_iter it = { 0, 0 };
	struct hd_psample ps;
	uint32_t *locs = malloc((p->max_locs + 1) * sizeof(*locs));
	int64_t *vals = malloc((p->ntypes + 1) * sizeof(*vals));
	size_t k;

	if (!locs || !vals) {
		free(locs);
		free(vals);
		return nomem(err);
	}
	/* A pprof profile's samples are checked as they are read: a
	 * malformed one (-1) stops the count short, and the model's read
	 * then fails on it with its message (as hd_profile_total's pass). */
	while (frames <= max && hd_profile_next(p, &it, locs, vals, &ps) > 0)
		for (k = 0; k < ps.nlocs; k++)
			frames += p->locs[ps.locs[k]].nlines ? p->locs[ps.locs[k]].nlines : 1;
	free(locs);
	free(vals);
	if (frames > max)
		return hd_fail_about(err, HD_ERR_LIMIT, HD_SUBJ_MAX_FRAMES,
				     "the samples' stacks expand to more than %llu frames, inlined lines counted",
				     (unsigned long long)max);
	return 0;
}

/*
 * Name the locations of p without lines, from s: each of them when want is
 * NULL, else those whose mapping m has want[m] set.  keep: p's mappings
 * stay (a pprof profile's); else they become the symbolizer's files.
 */
static int name_all(struct hd_profile *p, struct hd_sym *s, const unsigned char *want, int keep,
		    const struct hd_limits *lim, struct hd_error *err)
{
	const char *const *w;
	const char **warnings;
	struct namer nm;
	size_t i, nw;
	int rc;

	memset(&nm, 0, sizeof(nm));
	nm.p = p;
	nm.err = err;
	hd_hash_key_init(&nm.key);
	if ((rc = hd_map_init(&nm.index, 64)))
		goto out;
	rc = HD_ERR_NOMEM;
	if (!(nm.first = malloc((p->nlocs + 1) * sizeof(*nm.first))))
		goto nomem;
	/* The functions a decoder made (a pprof profile's) stay first. */
	if (p->nfuncs && (HD_GROW(nm.funcs, nm.funcs_cap, p->nfuncs) ||
			  !memcpy(nm.funcs, p->funcs, p->nfuncs * sizeof(*nm.funcs))))
		goto nomem;
	nm.nfuncs = p->nfuncs;
	for (i = 0; i < p->nlocs; i++) {
		struct hd_ploc *l = &p->locs[i];

		nm.first[i] = SIZE_MAX;
		if (l->nlines == 0 && (!want || (l->mapping < p->nmappings && want[l->mapping])) &&
		    (rc = name_location(&nm, s, l, i, keep)))
			goto out;
	}
	rc = HD_ERR_NOMEM;
	/* Into the arena: the decoder's release frees its own arrays only. */
	if (!(p->funcs = hd_arena_calloc(&p->arena, nm.nfuncs + 1, sizeof(*p->funcs))))
		goto nomem;
	if (nm.nfuncs) /* nm.funcs is NULL without any */
		memcpy(p->funcs, nm.funcs, nm.nfuncs * sizeof(*p->funcs));
	p->nfuncs = nm.nfuncs;
	{
		struct hd_pline *lines = hd_arena_calloc(&p->arena, nm.nlines + 1, sizeof(*lines));

		if (!lines)
			goto nomem;
		if (nm.nlines)
			memcpy(lines, nm.lines, nm.nlines * sizeof(*lines));
		for (i = 0; i < p->nlocs; i++)
			if (nm.first[i] != SIZE_MAX)
				p->locs[i].lines = lines + nm.first[i];
	}
	if (!keep) {
		p->nmappings = hd_sym_file_count(s);
		if (!(p->mappings = hd_arena_calloc(&p->arena, p->nmappings + 1, sizeof(*p->mappings))))
			goto nomem;
		for (i = 0; i < p->nmappings; i++) {
			p->mappings[i].file = hd_arena_strndup(&p->arena, hd_sym_file_path(s, i),
							       strlen(hd_sym_file_path(s, i)));
			p->mappings[i].build_id = "";
		}
	}
	nw = hd_sym_warnings(s, &w);
	if (nw) {
		if (!(warnings = hd_arena_calloc(&p->arena, p->nwarnings + nw, sizeof(*warnings))))
			goto nomem;
		if (p->nwarnings)
			memcpy(warnings, p->warnings, p->nwarnings * sizeof(*warnings));
		p->warnings = warnings;
	}
	for (i = 0; i < nw; i++)
		if (!(p->warnings[p->nwarnings++] = hd_arena_strndup(&p->arena, w[i], strlen(w[i]))))
			goto nomem;
	rc = check_frames(p, lim, err);
	goto out;
nomem:
	rc = nomem(err);
out:
	free(nm.funcs);
	free(nm.lines);
	free(nm.first);
	hd_map_release(&nm.index);
	return rc;
}

int hd_native_symbolize(struct hd_profile *p, const unsigned char *maps, size_t maps_len,
			const struct hd_limits *lim, struct hd_error *err)
{
	struct hd_sym_opts o = { lim ? lim->binary : NULL, lim ? lim->symbols : NULL };
	struct hd_sym *s = NULL;
	int rc;

	if ((rc = hd_sym_new(&o, &s, err)))
		return rc;
	if (!(rc = hd_native_parse_maps(s, maps, maps + maps_len, err))) {
		if (!p->drop_frames)
			p->drop_frames = hd_native_drop_frames;
		rc = name_all(p, s, NULL, 0, lim, err);
	}
	hd_sym_free(s);
	return rc;
}

/*
 * pprof's mappings: each without functions to the symbolizer, the first
 * of them standing for the main executable (--binary), as pprof takes
 * its first mapping for the binary; the profile's drop_frames stay its
 * own.  Nothing is opened unless a location needs it.
 */
int hd_native_symbolize_mappings(struct hd_profile *p, const struct hd_limits *lim,
				 struct hd_error *err)
{
	struct hd_sym_opts o = { lim ? lim->binary : NULL, lim ? lim->symbols : NULL };
	struct hd_sym *s = NULL;
	unsigned char *want;
	size_t i, n = 0;
	int rc = 0;

	for (i = 0; i < p->nlocs; i++)
		if (p->locs[i].nlines == 0 && p->locs[i].mapping < p->nmappings &&
		    !p->mappings[p->locs[i].mapping].has_functions)
			n++;
	if (n == 0)
		return 0;
	if (!(want = calloc(p->nmappings + 1, 1)))
		return nomem(err);
	if ((rc = hd_sym_new(&o, &s, err)))
		goto out;
	for (i = 0; i < p->nmappings && rc == 0; i++) {
		const struct hd_pmapping *m = &p->mappings[i];

		if (m->has_functions || !*m->file || *m->file == '[')
			continue;
		want[i] = 1;
		rc = hd_sym_add_mapping(s, m->memory_start, m->memory_limit, m->file_offset, m->file,
					m->build_id, err);
	}
	if (!rc)
		rc = name_all(p, s, want, 1, lim, err);
out:
	hd_sym_free(s);
	free(want);
	return rc;
}

const unsigned char *hd_native_find_maps(const unsigned char *data, size_t len)
{
	static const char *const marks[] = { "MAPPED_LIBRARIES:", "--- Memory map: ---" };
	const unsigned char *q = data, *e = data + len;

	while (q < e) {
		const unsigned char *nl = memchr(q, '\n', (size_t)(e - q)), *le = nl ? nl : e;
		size_t n = (size_t)(le - q), k;

		while (n && (q[n - 1] == '\r' || q[n - 1] == ' '))
			n--;
		for (k = 0; k < 2; k++)
			if (n == strlen(marks[k]) && memcmp(q, marks[k], n) == 0)
				return nl ? nl + 1 : e;
		q = nl ? nl + 1 : e;
	}
	return NULL;
}
