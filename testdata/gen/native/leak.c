/*
 * leak.c - a C program with the three shapes heapdiff tells apart, for the
 * native profiles' tests (make.sh builds it with -g and runs it under
 * jemalloc and tcmalloc): a leak that grows each round (leak, leak_one),
 * churn freed at once (churn), and a cache filled once (fill_cache), plus a
 * static inline helper (new_block, inlined into leak_one) whose frame only
 * the DWARF shows.  It dumps the heap after each round, through whichever
 * allocator it runs on: mallctl("prof.dump") for jemalloc, HeapProfilerDump
 * for tcmalloc, found with dlsym so the program links against neither.
 * DUMP_PREFIX names jemalloc's files: PREFIX.N.heap.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void **kept;
static size_t nkept;
static char *cache;
static void *volatile sink;

static inline __attribute__((always_inline)) char *new_block(size_t n)
{
	char *p = malloc(n);

	memset(p, 1, n);
	return p;
}

__attribute__((noinline)) static void *leak_one(size_t n)
{
	return new_block(n);
}

__attribute__((noinline)) void leak(int i)
{
	kept = realloc(kept, (nkept + 1) * sizeof(*kept));
	kept[nkept++] = leak_one(4096 + (size_t)i);
}

__attribute__((noinline)) void churn(void)
{
	for (int i = 0; i < 50; i++) {
		sink = malloc(65536);
		free(sink);
	}
}

__attribute__((noinline)) void fill_cache(void)
{
	if (!cache) {
		cache = malloc(1 << 20);
		memset(cache, 2, 1 << 20);
	}
}

static void dump(int round)
{
	int (*mallctl)(const char *, void *, size_t *, void *, size_t) =
		(int (*)(const char *, void *, size_t *, void *, size_t))dlsym(RTLD_DEFAULT, "mallctl");
	void (*heap_dump)(const char *) = (void (*)(const char *))dlsym(RTLD_DEFAULT, "HeapProfilerDump");
	const char *prefix = getenv("DUMP_PREFIX");
	char name[4096];

	snprintf(name, sizeof(name), "%s.%d.heap", prefix ? prefix : "leak", round);
	if (mallctl) {
		const char *f = name;

		if (mallctl("prof.dump", NULL, NULL, &f, sizeof(f)))
			fprintf(stderr, "leak: prof.dump failed (MALLOC_CONF=prof:true?)\n");
	} else if (heap_dump) {
		heap_dump(name);
	}
}

int main(void)
{
	fill_cache();
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 100; i++) {
			leak(round * 100 + i);
			churn();
		}
		dump(round);
	}
	return 0;
}
