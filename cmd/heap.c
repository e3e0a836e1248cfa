/*
 * heap.c - malloc tuned for how heapdiff allocates: a few hundred
 * thousand small blocks that live until it exits.  Called once by main()
 * before a command runs; owns no state after it returns.
 *
 * With glibc's defaults the heap grows in 128 KiB steps and every new
 * 4 KiB page costs a fault: 4 000 of them, half the time of 'heapdiff
 * top' on a 2 MB profile in a virtual machine.  So grow the heap by
 * HEAP_STEP at once (address space only, until written) and ask for
 * transparent huge pages on it, which the kernel gives on request only
 * (Debian's default): 'top' of pprof's large.cpu.pb.gz went from 85 to
 * 30 ms.  This is what GLIBC_TUNABLES=glibc.malloc.hugetlb=1 does, chosen
 * here because the tunable must be set before the program starts.
 * Growth past the first step is not advised, nor are the library's big
 * buffers (lib/base/mem.c: at hundreds of MB, huge pages cost more system
 * time than they save).
 *
 * few_profiles (top and diff, which hold one or two): big blocks come
 * from the heap too, up to BIG_BLOCK, and freed memory stays with the
 * process.  By default each block over the (adaptive) mmap threshold is
 * a mapping of its own, unmapped when freed, so that the next big block
 * faults in fresh pages, and none of them lie in the advised first step.
 * The diff of a million-stack pair took 49 600 faults that way and takes
 * 32 600 (0.14 -> 0.10 s of system time, 5 MB less peak RSS); of a
 * 200 000-stack pair, 3 500 and 1 000.  trend and watch keep the
 * default: loading and freeing hundreds of profiles, a heap that never
 * unmaps fragments (a trend of 500 profiles peaked 7% higher).
 * Elsewhere, or when anything fails, this does nothing.
 */
#define _DEFAULT_SOURCE /* sbrk(), madvise(MADV_HUGEPAGE) */
#include <stdint.h>
#include <stdlib.h>

#ifdef __GLIBC__
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>
#endif

#include "cli.h"

#define HEAP_STEP ((size_t)32 << 20)
#define BIG_BLOCK ((size_t)1 << 30)

void heap_setup(int few_profiles)
{
#if defined(__GLIBC__) && defined(M_TOP_PAD) && defined(MADV_HUGEPAGE)
	long ps = sysconf(_SC_PAGESIZE);
	uintptr_t lo, hi, page = ps > 0 ? (uintptr_t)ps : 4096;
	void *volatile first; /* volatile: the compiler may not elide it */

	if (!mallopt(M_TOP_PAD, (int)HEAP_STEP))
		return;
	if (few_profiles) {
		(void)mallopt(M_MMAP_THRESHOLD, (int)BIG_BLOCK);
		(void)mallopt(M_TRIM_THRESHOLD, (int)BIG_BLOCK);
	}
	lo = (uintptr_t)sbrk(0);
	first = malloc(1); /* the first allocation grows the heap */
	hi = (uintptr_t)sbrk(0);
	free(first);
	lo = (lo + page - 1) & ~(page - 1);
	if (lo && hi != (uintptr_t)-1 && hi > lo)
		(void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
#endif
}
