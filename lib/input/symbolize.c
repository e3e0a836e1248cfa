/*
 * symbolize.c - a native process's addresses to functions, files, lines
 * and inlined frames, read from the mapped files with elfutils' libdw.
 *
 * Owns: the mappings of one profile, one libdwfl session per mapped file
 * (opened on the first address that falls in it, never again after a
 * failure), and the warnings about those files.  Touches no profile:
 * the decoders (native.c) ask and copy.
 *
 * The arithmetic: an address in a mapping [start, limit) at file offset
 * off lies at file offset addr - start + off; the PT_LOAD segment that
 * holds that offset gives its ELF virtual address (symbolize.h), which
 * is what the symbol table and DWARF speak of: a PIE, a shared library
 * and an ET_EXEC alike, wherever the loader put them.  Each module is
 * reported to libdwfl at base 0, and libdwfl's own bias for it added.
 *
 * Where names come from, in order: DWARF (the CU holding the address,
 * its scopes innermost first: each inlined subroutine a frame whose line
 * is the caller's DW_AT_call_line, up to the subprogram), in the file or
 * in a separate debug file (--symbols DIR first, then .gnu_debuglink and
 * /usr/lib/debug/.build-id, as libdwfl looks); then the ELF symbol
 * table (.symtab, else .dynsym: a name, no line).  A separate debug file
 * whose build ID is not the binary's is refused, with a warning.
 *
 * C++ names (DW_AT_linkage_name, or a symbol) are demangled with binutils'
 * libiberty, the demangler behind addr2line -C and c++filt (jeprof's
 * names come from it), without parameters, and their template arguments
 * are then dropped: the names pprof's default demangling prints, so
 * overloads and instantiations of one function are one frame, as in
 * pprof and jeprof; the mangled name stays the frame's system name.
 *
 * Hostile maps: only regular files are opened (O_NONBLOCK, then fstat:
 * /dev/zero, a FIFO or a directory is refused), at most HD_SYM_MAX_FILE
 * bytes and HD_SYM_MAX_FILES files; a file that is no ELF is a warning.
 * Overlapping mappings: an address takes the mapping with the greatest
 * start at or below it, and is unresolved when that one ends before it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "input/symbolize.h"

#ifdef HD_HAVE_LIBIBERTY
#include <libiberty/demangle.h>
#endif
#ifdef HD_HAVE_LIBDW
#include <dwarf.h>
#include <elfutils/libdwelf.h>
#include <elfutils/libdwfl.h>
#include <gelf.h>
#endif

#define MAX_LOADS 32

struct load {
	uint64_t off, filesz, vaddr;
};

struct symfile {
	const char *path;       /* as the profile names it */
	const char *open_path;  /* what is opened: path, or --binary */
	const char *build_id;   /* the build ID the profile gives it (hex), or NULL */
	int state;              /* 0: not tried; 1: open; -1: unusable */
#ifdef HD_HAVE_LIBDW
	Dwfl *dwfl;
	Dwfl_Module *mod;
	GElf_Addr bias;
#endif
	struct load loads[MAX_LOADS];
	size_t nloads;
	struct hd_sym *owner;
};

struct smap {
	uint64_t start, limit, off;
	uint32_t file, id;
};

struct hd_sym {
	struct hd_arena arena;   /* paths, demangled names, warnings */
	const char *binary, *symbols;
	struct smap *maps;
	size_t nmaps, maps_cap;
	int sorted;
	struct symfile *files;
	size_t nfiles, files_cap;
	struct hd_map file_index; /* hash of a path -> file */
	struct hd_hash_key key;
	const char **warnings;
	size_t nwarnings, warnings_cap;
#ifdef HD_HAVE_LIBDW
	Dwfl_Callbacks cb;
	char *debuginfo_path;
#endif
};

static void warn(struct hd_sym *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(struct hd_sym *s, const char *fmt, ...)
{
	char buf[600];
	va_list ap;
	size_t i;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	for (i = 0; i < s->nwarnings; i++)
		if (strcmp(s->warnings[i], buf) == 0)
			return;
	if (s->nwarnings >= HD_SYM_MAX_WARNINGS)
		return;
	if (HD_GROW(s->warnings, s->warnings_cap, s->nwarnings + 1))
		return;
	if ((s->warnings[s->nwarnings] = hd_arena_strndup(&s->arena, buf, strlen(buf))))
		s->nwarnings++;
}

size_t hd_sym_file_count(const struct hd_sym *s)
{
	return s->nfiles;
}

const char *hd_sym_file_path(const struct hd_sym *s, size_t i)
{
	return s->files[i].path;
}

size_t hd_sym_warnings(const struct hd_sym *s, const char *const **out)
{
	*out = s ? s->warnings : NULL;
	return s ? s->nwarnings : 0;
}

/* Open path for reading when it is a regular file of at most max bytes
 * starting with the ELF magic: the descriptor, or -1 with why set. */
static int open_elf(const char *path, uint64_t max, const char **why)
{
	unsigned char magic[4];
	struct stat st;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);

	if (fd < 0) {
		*why = errno == ENOENT ? "no such file" : hd_strerror(errno);
		return -1;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		*why = "not a regular file";
		goto fail;
	}
	if ((uint64_t)st.st_size > max) {
		*why = "too large";
		goto fail;
	}
	if (pread(fd, magic, 4, 0) != 4 || memcmp(magic, "\177ELF", 4) != 0) {
		*why = "not an ELF file";
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

int hd_sym_new(const struct hd_sym_opts *o, struct hd_sym **out, struct hd_error *err)
{
	struct hd_sym *s = calloc(1, sizeof(*s));

	*out = NULL;
	if (!s)
		return hd_fail(err, HD_ERR_NOMEM, "out of memory");
	hd_arena_init(&s->arena);
	hd_hash_key_init(&s->key);
	if (hd_map_init(&s->file_index, 16))
		goto nomem;
	if (o && o->binary && !(s->binary = hd_arena_strndup(&s->arena, o->binary, strlen(o->binary))))
		goto nomem;
	if (o && o->symbols && !(s->symbols = hd_arena_strndup(&s->arena, o->symbols, strlen(o->symbols))))
		goto nomem;
	*out = s;
	return 0;
nomem:
	hd_sym_free(s);
	return hd_fail(err, HD_ERR_NOMEM, "out of memory");
}

void hd_sym_free(struct hd_sym *s)
{
	size_t i;

	if (!s)
		return;
#ifdef HD_HAVE_LIBDW
	for (i = 0; i < s->nfiles; i++)
		if (s->files[i].dwfl)
			dwfl_end(s->files[i].dwfl);
	free(s->debuginfo_path);
#else
	(void)i;
#endif
	free(s->maps);
	free(s->files);
	free(s->warnings);
	hd_map_release(&s->file_index);
	hd_arena_release(&s->arena);
	free(s);
}

/* The file of path, made on first sight; build_id kept from the first
 * mapping that gives one. */
static int file_of(struct hd_sym *s, const char *path, const char *build_id, uint32_t *out,
		   struct hd_error *err)
{
	size_t n = strlen(path);
	uint64_t h = hd_hash_mem(&s->key, path, n);
	struct symfile *f;
	uint32_t v;

	h += h == 0;
	if (hd_map_get(&s->file_index, h, &v) && strcmp(s->files[v].path, path) == 0) {
		f = &s->files[v];
		if (!f->build_id && build_id && *build_id &&
		    !(f->build_id = hd_arena_strndup(&s->arena, build_id, strlen(build_id))))
			return hd_fail(err, HD_ERR_NOMEM, "out of memory");
		*out = v;
		return 0;
	}
	if (s->nfiles >= HD_SYM_MAX_FILES)
		return 1; /* not symbolized; said once */
	if (HD_GROW(s->files, s->files_cap, s->nfiles + 1))
		return hd_fail(err, HD_ERR_NOMEM, "out of memory");
	f = &s->files[s->nfiles];
	memset(f, 0, sizeof(*f));
	f->owner = s;
	if (!(f->path = hd_arena_strndup(&s->arena, path, n)) ||
	    (build_id && *build_id &&
	     !(f->build_id = hd_arena_strndup(&s->arena, build_id, strlen(build_id)))) ||
	    hd_map_put(&s->file_index, h, (uint32_t)s->nfiles))
		return hd_fail(err, HD_ERR_NOMEM, "out of memory");
	/* The main executable is the first file mapped. */
	f->open_path = s->nfiles == 0 && s->binary ? s->binary : f->path;
	*out = (uint32_t)s->nfiles++;
	return 0;
}

int hd_sym_add_mapping(struct hd_sym *s, uint64_t start, uint64_t limit, uint64_t off,
		       const char *path, const char *build_id, struct hd_error *err)
{
	struct smap *m;
	uint32_t file = 0;
	int rc;

	if (limit <= start || s->nmaps >= UINT32_MAX - 1)
		return 0;
	if ((rc = file_of(s, path, build_id, &file, err)) < 0)
		return rc;
	if (rc) {
		warn(s, "more than %d mapped files: the rest are not symbolized", HD_SYM_MAX_FILES);
		return 0;
	}
	if (HD_GROW(s->maps, s->maps_cap, s->nmaps + 1))
		return hd_fail(err, HD_ERR_NOMEM, "out of memory");
	m = &s->maps[s->nmaps];
	m->start = start;
	m->limit = limit;
	m->off = off;
	m->file = file;
	m->id = (uint32_t)s->nmaps++;
	s->sorted = 0;
	return 0;
}

static int cmp_map(const void *a, const void *b)
{
	const struct smap *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* The mapping with the greatest start at or below addr (the later of
 * two at one start), if it holds addr. */
static const struct smap *find_map(struct hd_sym *s, uint64_t addr)
{
	size_t lo = 0, hi = s->nmaps;

	if (!s->sorted && s->nmaps) {
		qsort(s->maps, s->nmaps, sizeof(*s->maps), cmp_map);
		s->sorted = 1;
	}
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->maps[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || addr >= s->maps[lo - 1].limit)
		return NULL;
	return &s->maps[lo - 1];
}

#ifdef HD_HAVE_LIBDW

/* Whether the ELF file at fd carries build ID id[0..n). */
static int same_build_id(int fd, const void *id, int n)
{
	Elf *e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	const void *other;
	ssize_t k;
	int same;

	if (!e)
		return 0;
	k = dwelf_elf_gnu_build_id(e, &other);
	same = k == n && memcmp(other, id, (size_t)n) == 0;
	elf_end(e);
	return same;
}

/* The build ID of the ELF file at fd, in hex, into hex[0..2 * 64 + 1):
 * its length, or 0 when it has none. */
static size_t build_id_hex(int fd, char *hex)
{
	Elf *e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	const unsigned char *id;
	const void *raw;
	ssize_t k;
	size_t i, n = 0;

	if (!e)
		return 0;
	k = dwelf_elf_gnu_build_id(e, &raw);
	id = raw;
	if (k > 0 && k <= 64)
		for (i = 0; i < (size_t)k; i++)
			n += (size_t)snprintf(hex + 2 * i, 3, "%02x", id[i]);
	hex[n] = '\0';
	elf_end(e);
	return n;
}

/* Whether two hex build IDs are one, case aside. */
static int same_hex(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if ((*a | 0x20) != (*b | 0x20))
			return 0;
	return *a == *b;
}

/*
 * f's build ID (of the file at fd) against what the profile says: its
 * mapping's build ID, and for --binary the build ID of the file the
 * profile's map names, when that exists here.  A mismatch is a warning;
 * the file is used all the same.
 */
static void check_build_id(struct hd_sym *s, struct symfile *f, int fd)
{
	char have[2 * 64 + 1], want[2 * 64 + 1];
	const char *why;
	int other;

	if (!build_id_hex(fd, have))
		return;
	if (f->build_id) {
		if (!same_hex(have, f->build_id))
			warn(s, "%s: build ID %s, but the profile's is %.128s: its names may be "
			     "another build's", f->open_path, have, f->build_id);
		return;
	}
	if (f->open_path == f->path || (other = open_elf(f->path, HD_SYM_MAX_FILE, &why)) < 0)
		return;
	if (build_id_hex(other, want) && !same_hex(have, want))
		warn(s, "%s: build ID %s, but %s, which the profile's map names, has %s: its "
		     "names may be another build's", f->open_path, have, f->path, want);
	close(other);
}

/* A debug file from --symbols DIR: DIR/xx/rest.debug and
 * DIR/.build-id/xx/rest.debug by build ID, then DIR/NAME.debug and
 * DIR/NAME; a candidate of another build ID is refused with a warning. */
static int find_in_symbols(struct symfile *f, Dwfl_Module *mod, char **found)
{
	struct hd_sym *s = f->owner;
	const unsigned char *id = NULL;
	GElf_Addr idaddr;
	int n = dwfl_module_build_id(mod, &id, &idaddr), i, k;
	const char *base = strrchr(f->path, '/');
	char hex[2 * 64 + 1], cand[4][4096];
	size_t nc = 0;

	base = base ? base + 1 : f->path;
	if (n > 0 && n <= 64) {
		for (i = 0; i < n; i++)
			snprintf(hex + 2 * i, 3, "%02x", id[i]);
		snprintf(cand[nc++], sizeof(cand[0]), "%s/%.2s/%s.debug", s->symbols, hex, hex + 2);
		snprintf(cand[nc++], sizeof(cand[0]), "%s/.build-id/%.2s/%s.debug", s->symbols, hex, hex + 2);
	}
	snprintf(cand[nc++], sizeof(cand[0]), "%s/%s.debug", s->symbols, base);
	snprintf(cand[nc++], sizeof(cand[0]), "%s/%s", s->symbols, base);
	for (k = 0; k < (int)nc; k++) {
		const char *why;
		int fd = open_elf(cand[k], HD_SYM_MAX_FILE, &why);

		if (fd < 0)
			continue;
		if (n > 0 && !same_build_id(fd, id, n)) {
			warn(s, "%s: build ID differs from %s's; not used", cand[k], f->path);
			close(fd);
			continue;
		}
		*found = strdup(cand[k]);
		return fd;
	}
	return -1;
}

static int find_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname,
			  GElf_Addr base, const char *file_name, const char *debuglink_file,
			  GElf_Word debuglink_crc, char **debuginfo_file_name)
{
	struct symfile *f = *userdata;
	int fd;

	if (f && f->owner->symbols && (fd = find_in_symbols(f, mod, debuginfo_file_name)) >= 0)
		return fd;
	return dwfl_standard_find_debuginfo(mod, userdata, modname, base, file_name,
					    debuglink_file, debuglink_crc, debuginfo_file_name);
}

/* The PT_LOAD segments of f's ELF file. */
static void read_loads(struct symfile *f)
{
	GElf_Addr bias;
	Elf *e = dwfl_module_getelf(f->mod, &bias);
	size_t n = 0, i;

	f->nloads = 0;
	if (!e || elf_getphdrnum(e, &n))
		return;
	for (i = 0; i < n && f->nloads < MAX_LOADS; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(e, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		f->loads[f->nloads].off = ph.p_offset;
		f->loads[f->nloads].filesz = ph.p_filesz;
		f->loads[f->nloads].vaddr = ph.p_vaddr;
		f->nloads++;
	}
	f->bias = bias;
}

static int open_file(struct hd_sym *s, struct symfile *f)
{
	const char *why = NULL;
	void **ud;
	int fd;

	if (f->state)
		return f->state > 0;
	f->state = -1;
	if (!s->cb.find_elf) {
		s->cb.find_elf = dwfl_build_id_find_elf;
		s->cb.find_debuginfo = find_debuginfo;
		s->cb.section_address = dwfl_offline_section_address;
		s->cb.debuginfo_path = NULL;
	}
	if ((fd = open_elf(f->open_path, HD_SYM_MAX_FILE, &why)) < 0) {
		warn(s, "%s: %s; its frames are left as addresses", f->open_path, why);
		return 0;
	}
	elf_version(EV_CURRENT); /* libelf's once-only setup, before dwfl_begin does it */
	check_build_id(s, f, fd);
	if (!(f->dwfl = dwfl_begin(&s->cb))) {
		close(fd);
		return 0;
	}
	f->mod = dwfl_report_elf(f->dwfl, f->path, f->open_path, fd, 0, false);
	if (!f->mod) {
		close(fd);
		warn(s, "%s: %s; its frames are left as addresses", f->open_path, dwfl_errmsg(-1));
		return 0;
	}
	dwfl_report_end(f->dwfl, NULL, NULL);
	if (dwfl_module_info(f->mod, &ud, NULL, NULL, NULL, NULL, NULL, NULL))
		*ud = f;
	read_loads(f);
	if (dwfl_module_getsymtab(f->mod) <= 0 && !dwfl_module_getdwarf(f->mod, &(Dwarf_Addr){0}))
		warn(s, "%s: no symbols; its frames are left as addresses", f->open_path);
	if (f->nloads == 0) {
		warn(s, "%s: no loadable segments; its frames are left as addresses", f->open_path);
		return 0;
	}
	f->state = 1;
	return 1;
}

/* The function's name: its linkage name when it has one (C++), else its
 * name; both through DW_AT_abstract_origin and DW_AT_specification. */
static const char *die_name(Dwarf_Die *die)
{
	Dwarf_Attribute a;
	const char *n = NULL;

	if (dwarf_attr_integrate(die, DW_AT_linkage_name, &a) ||
	    dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &a))
		n = dwarf_formstring(&a);
	return n ? n : dwarf_diename(die);
}

static void push(struct hd_sym_result *r, const char *func, const char *file, int64_t line)
{
	if (r->nframes >= HD_SYM_MAX_INLINE)
		return;
	r->frames[r->nframes].func = func;
	r->frames[r->nframes].sysname = NULL;
	r->frames[r->nframes].file = file;
	r->frames[r->nframes].line = line;
	r->nframes++;
}

static int is_func(int tag)
{
	return tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine ||
		tag == DW_TAG_entry_point;
}

/* The DWARF frames of a (a libdwfl address) into r. */
static void dwarf_frames(struct symfile *f, Dwarf_Addr a, struct hd_sym_result *r)
{
	Dwarf_Addr bias = 0;
	Dwarf_Die *cu = dwfl_module_addrdie(f->mod, a, &bias), *scopes = NULL, cur;
	Dwarf_Files *files = NULL;
	Dwarf_Line *ln;
	const char *file = NULL;
	size_t nfiles = 0;
	int line = 0, n, i;

	if (!cu)
		return;
	if ((ln = dwarf_getsrc_die(cu, a - bias))) {
		file = dwarf_linesrc(ln, NULL, NULL);
		if (dwarf_lineno(ln, &line))
			line = 0;
	}
	if (dwarf_getsrcfiles(cu, &files, &nfiles))
		files = NULL;
	/* The innermost function at the address; then, while it is an
	 * inlined instance, the function it was inlined into: its physical
	 * parents (dwarf_getscopes_die), not the abstract definition's. */
	n = dwarf_getscopes(cu, a - bias, &scopes);
	for (i = 0; i < n && !is_func(dwarf_tag(&scopes[i])); i++)
		;
	if (i >= n) {
		free(scopes);
		return;
	}
	cur = scopes[i];
	free(scopes);
	for (;;) {
		Dwarf_Attribute at;
		Dwarf_Word w;

		push(r, die_name(&cur), file, line);
		if (dwarf_tag(&cur) != DW_TAG_inlined_subroutine || r->nframes >= HD_SYM_MAX_INLINE)
			break;
		file = NULL;
		line = 0;
		if (files && dwarf_formudata(dwarf_attr(&cur, DW_AT_call_file, &at), &w) == 0 &&
		    w < nfiles)
			file = dwarf_filesrc(files, w, NULL, NULL);
		if (dwarf_formudata(dwarf_attr(&cur, DW_AT_call_line, &at), &w) == 0 &&
		    w <= INT32_MAX)
			line = (int)w;
		scopes = NULL;
		n = dwarf_getscopes_die(&cur, &scopes);
		for (i = 1; i < n && !is_func(dwarf_tag(&scopes[i])); i++)
			;
		if (i < n)
			cur = scopes[i];
		free(scopes);
		if (i >= n)
			break;
	}
}

static void resolve(struct hd_sym *s, const struct smap *m, struct hd_sym_result *r)
{
	struct symfile *f = &s->files[m->file];
	const struct load *seg = NULL;
	Dwarf_Addr a;
	const char *name;
	size_t i;

	if (!open_file(s, f))
		return;
	for (i = 0; i < f->nloads; i++)
		if (r->offset >= f->loads[i].off && r->offset - f->loads[i].off < f->loads[i].filesz) {
			seg = &f->loads[i];
			break;
		}
	if (!seg)
		return;
	a = hd_sym_elf_vaddr(r->offset, 0, 0, seg->off, seg->vaddr) + f->bias;
	dwarf_frames(f, a, r);
	if (r->nframes == 0 && (name = dwfl_module_addrname(f->mod, a)))
		push(r, name, NULL, 0);
}

#else /* !HD_HAVE_LIBDW */

static void resolve(struct hd_sym *s, const struct smap *m, struct hd_sym_result *r)
{
	warn(s, "heapdiff was built without libdw: native frames are left as addresses");
}

#endif

static int is_ident(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/*
 * in without its template argument lists: each "<...>" with what it
 * nests, but not the "<", ">", "<<", "->" ... of an operator's name
 * ("A::operator<", "operator->").  out has room for strlen(in) + 1.
 */
static void drop_template_args(const char *in, char *out)
{
	static const char opchars[] = "<>=-*";
	size_t depth = 0, k = 0;
	const char *q = in;

	while (*q) {
		if (strncmp(q, "operator", 8) == 0 && (q == in || !is_ident((unsigned char)q[-1])) &&
		    !is_ident((unsigned char)q[8])) {
			const char *e = q + 8;

			while (*e && strchr(opchars, *e))
				e++;
			if (depth == 0) {
				memcpy(out + k, q, (size_t)(e - q));
				k += (size_t)(e - q);
			}
			q = e;
			continue;
		}
		if (*q == '<')
			depth++;
		else if (*q == '>' && depth)
			depth--;
		else if (depth == 0)
			out[k++] = *q;
		q++;
	}
	out[k] = '\0';
}

size_t hd_sym_demangle(const char *name, char *out, size_t n)
{
#ifdef HD_HAVE_LIBIBERTY
	char *d, *t;
	size_t len;

	if (!name || name[0] != '_' || name[1] != 'Z' || n == 0)
		return 0;
	/* No DMGL_PARAMS: the name without its parameters or return type,
	 * as pprof's demangle.NoParams; DMGL_ANSI keeps a const member's
	 * qualifier out of the way the same. */
	if (!(d = cplus_demangle(name, DMGL_ANSI)))
		return 0;
	if (!(t = malloc(strlen(d) + 1))) {
		free(d);
		return 0;
	}
	drop_template_args(d, t);
	free(d);
	len = strlen(t);
	if (len == 0) {
		free(t);
		return 0;
	}
	if (len >= n)
		len = n - 1;
	memcpy(out, t, len);
	out[len] = '\0';
	free(t);
	return len;
#else
	(void)name;
	(void)out;
	(void)n;
	return 0;
#endif
}

/* Each mangled frame name of r demangled, into the arena; the mangled one
 * kept as its system name.  A name that does not demangle stays. */
static void demangle_frames(struct hd_sym *s, struct hd_sym_result *r)
{
	char buf[4096];
	size_t k, n;

	for (k = 0; k < r->nframes; k++) {
		const char *d;

		if (!r->frames[k].func || !(n = hd_sym_demangle(r->frames[k].func, buf, sizeof(buf))))
			continue;
		if ((d = hd_arena_strndup(&s->arena, buf, n))) {
			r->frames[k].sysname = r->frames[k].func;
			r->frames[k].func = d;
		}
	}
}

void hd_sym_lookup(struct hd_sym *s, uint64_t addr, struct hd_sym_result *r)
{
	const struct smap *m;

	r->file = UINT32_MAX;
	r->path = NULL;
	r->offset = 0;
	r->nframes = 0;
	if (!s || !(m = find_map(s, addr)))
		return;
	r->file = m->file;
	r->path = s->files[m->file].path;
	r->offset = addr - m->start + m->off;
	resolve(s, m, r);
	demangle_frames(s, r);
}
