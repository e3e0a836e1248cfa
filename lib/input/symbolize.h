/*
 * symbolize.h - addresses of a native process to functions, files and
 * lines, from the ELF and DWARF of the files it had mapped (lib/ and the
 * tests only).
 *
 * Lifecycle: hd_sym_new(), hd_sym_add_mapping() for each executable
 * mapping of the profile, hd_sym_lookup() per address, hd_sym_free().
 * Strings a lookup returns live until hd_sym_free(): the caller copies
 * what it keeps.  Warnings (a missing file, no symbols, a build-id
 * mismatch) are collected once per file, for the caller to pass on.
 *
 * Build IDs: a file is checked against the build ID its mapping gives
 * (pprof's mappings have one; a memory map has none), and --binary
 * against the file the profile's map names, when that is on this
 * machine too: a mismatch means the names may be another build's.
 *
 * Untrusted input: the mappings come from the profile.  Only regular
 * files are opened (never a device, a FIFO or a directory), each at most
 * HD_SYM_MAX_FILE bytes, at most HD_SYM_MAX_FILES of them; overlapping
 * or absurd ranges give wrong names at worst, never a crash.
 */
#ifndef HD_SYMBOLIZE_H
#define HD_SYMBOLIZE_H

#include "base/base.h"

#define HD_SYM_MAX_FILES 4096
#define HD_SYM_MAX_FILE ((uint64_t)4 << 30)
#define HD_SYM_MAX_INLINE 64 /* frames of one address, inlined ones counted */
#define HD_SYM_MAX_WARNINGS 64

struct hd_sym;

struct hd_sym_opts {
	const char *binary;  /* the main executable (the first mapped file), or NULL */
	const char *symbols; /* a debug-file directory, or NULL */
};

struct hd_sym_frame {
	const char *func;    /* NULL: unknown; a C++ name demangled as pprof shows it */
	const char *sysname; /* the name in the file (mangled), or NULL: func */
	const char *file;    /* NULL: unknown */
	int64_t line;
};

struct hd_sym_result {
	uint32_t file;       /* the mapped file, 0.. in order of first sight; UINT32_MAX: none */
	const char *path;    /* the mapping's file, or NULL */
	uint64_t offset;     /* the address's offset in that file */
	size_t nframes;      /* 0: not resolved */
	struct hd_sym_frame frames[HD_SYM_MAX_INLINE]; /* innermost first */
};

int hd_sym_new(const struct hd_sym_opts *o, struct hd_sym **out, struct hd_error *err);
void hd_sym_free(struct hd_sym *s);

/* A mapping [start, limit) of path at file offset off.  Mappings may come
 * in any order and may overlap (the later one wins).  build_id, when not
 * NULL or "", is the build ID the profile says the file had (hex, as
 * pprof's Mapping.build_id): a file that has another is used all the
 * same, with one warning naming it. */
int hd_sym_add_mapping(struct hd_sym *s, uint64_t start, uint64_t limit, uint64_t off,
		       const char *path, const char *build_id, struct hd_error *err);

/* Resolve addr (a PC, already moved back into its call for a return
 * address) into *r.  Cannot fail: what is not found stays unresolved. */
void hd_sym_lookup(struct hd_sym *s, uint64_t addr, struct hd_sym_result *r);

/*
 * A C++ name as pprof's default demangling prints it (no parameters, no
 * template arguments, no clone suffix: "store::Pool::grow"), into
 * out[0..n); 0 when name is not a mangled C++ name (or heapdiff was built
 * without libiberty), else the length (truncated to n - 1).
 */
size_t hd_sym_demangle(const char *name, char *out, size_t n);

/* The mapped files (hd_sym_result.file indexes them). */
size_t hd_sym_file_count(const struct hd_sym *s);
const char *hd_sym_file_path(const struct hd_sym *s, size_t i);

/* The warnings so far, each once. */
size_t hd_sym_warnings(const struct hd_sym *s, const char *const **out);

/*
 * The arithmetic, for the unit tests: the ELF virtual address of addr in a
 * mapping at start of file offset off, whose segment has p_offset and
 * p_vaddr (a PIE or a shared library: its load bias is start - off +
 * p_offset - p_vaddr; an ET_EXEC: 0).
 */
static inline uint64_t hd_sym_elf_vaddr(uint64_t addr, uint64_t start, uint64_t off,
					uint64_t p_offset, uint64_t p_vaddr)
{
	return addr - start + off - p_offset + p_vaddr;
}

/* A return address points past its call: the PC to look up.  In a heap
 * profile every frame, the leaf too, is a return address (the
 * allocator's unwinder collected them); a CPU profile's leaf is not. */
static inline uint64_t hd_sym_call_pc(uint64_t ret, int is_leaf_pc)
{
	return is_leaf_pc || ret == 0 ? ret : ret - 1;
}

#endif
