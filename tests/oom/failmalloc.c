/*
 * failmalloc.c - an LD_PRELOAD shim for tests/oom/run.sh: from the
 * HD_FAIL_AT-th allocation on (malloc, calloc, realloc, aligned forms),
 * every allocation fails with ENOMEM, as it does once memory runs out.
 * HD_FAIL_AT unset or 0: nothing fails, and at exit the number of
 * allocations made is written to the file named by HD_FAIL_COUNT.
 *
 * glibc's __libc_* entry points are the real allocator; dlsym() is not
 * needed (it would allocate itself).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);

static long fail_at = -1; /* -1: not read yet */
static long count;

static int fail_now(void)
{
	if (fail_at < 0) {
		const char *s = getenv("HD_FAIL_AT");

		fail_at = s ? strtol(s, NULL, 10) : 0;
	}
	count++;
	if (fail_at > 0 && count >= fail_at) {
		errno = ENOMEM;
		return 1;
	}
	return 0;
}

void *malloc(size_t n)
{
	return fail_now() ? NULL : __libc_malloc(n);
}

void *calloc(size_t a, size_t b)
{
	return fail_now() ? NULL : __libc_calloc(a, b);
}

void *realloc(void *p, size_t n)
{
	return fail_now() ? NULL : __libc_realloc(p, n);
}

int posix_memalign(void **out, size_t align, size_t n)
{
	void *p;

	if (fail_now())
		return ENOMEM;
	p = __libc_memalign(align, n);
	if (!p)
		return ENOMEM;
	*out = p;
	return 0;
}

void *aligned_alloc(size_t align, size_t n)
{
	return fail_now() ? NULL : __libc_memalign(align, n);
}

void *memalign(size_t align, size_t n)
{
	return fail_now() ? NULL : __libc_memalign(align, n);
}

__attribute__((destructor)) static void report(void)
{
	const char *f = getenv("HD_FAIL_COUNT");
	char buf[32];
	int fd, n;

	if (!f || fail_at > 0)
		return;
	fd = open(f, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return;
	n = snprintf(buf, sizeof(buf), "%ld\n", count);
	if (write(fd, buf, (size_t)n) < 0)
		n = 0;
	close(fd);
}
