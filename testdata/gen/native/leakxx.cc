/*
 * leakxx.cc - the C++ twin of leak.c, for the demangling of C++ frames
 * (make.sh builds it with -g and runs it under jemalloc and tcmalloc): a
 * leak through operator new in a class template's member (a namespace, a
 * template, an overload and a std::vector's growth, so every part of a
 * mangled name is there), churn freed at once, and a cache filled once.
 * It dumps the heap after each round as leak.c does (mallctl("prof.dump")
 * or HeapProfilerDump, found with dlsym).  DUMP_PREFIX names the files.
 */
#include <dlfcn.h>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace store {

struct Block {
	char bytes[4000];
};

template <typename T> class Pool {
public:
	__attribute__((noinline)) void grow(std::size_t extra)
	{
		T *b = new T;
		std::memset(b, 1, sizeof(*b));
		kept_.push_back(b);
		if (extra)
			tails_.push_back(std::string(extra, 'x'));
	}

private:
	std::vector<T *> kept_;
	std::vector<std::string> tails_;
};

__attribute__((noinline)) void churn(int n)
{
	for (int i = 0; i < n; i++) {
		std::unique_ptr<char[]> p(new char[65536]);
		std::memset(p.get(), 0, 16);
	}
}

__attribute__((noinline)) void churn(double)
{
	churn(50);
}

} // namespace store

static char *cache;

__attribute__((noinline)) static void fill_cache()
{
	if (!cache) {
		cache = new char[1 << 20];
		std::memset(cache, 2, 1 << 20);
	}
}

static void dump(int round)
{
	int (*mallctl)(const char *, void *, std::size_t *, void *, std::size_t) =
		(int (*)(const char *, void *, std::size_t *, void *, std::size_t))dlsym(RTLD_DEFAULT,
											 "mallctl");
	void (*heap_dump)(const char *) = (void (*)(const char *))dlsym(RTLD_DEFAULT, "HeapProfilerDump");
	const char *prefix = std::getenv("DUMP_PREFIX");
	char name[4096];

	std::snprintf(name, sizeof(name), "%s.%d.heap", prefix ? prefix : "leakxx", round);
	if (mallctl) {
		const char *f = name;

		if (mallctl("prof.dump", nullptr, nullptr, &f, sizeof(f)))
			std::fprintf(stderr, "leakxx: prof.dump failed (MALLOC_CONF=prof:true?)\n");
	} else if (heap_dump) {
		heap_dump(name);
	}
}

int main()
{
	store::Pool<store::Block> pool;

	fill_cache();
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 100; i++) {
			pool.grow(i % 2 ? 100 + (std::size_t)i : 0);
			store::churn(0.5);
		}
		dump(round);
	}
	return 0;
}
