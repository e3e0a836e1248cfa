/*
 * unitcheck.h - the C unit tests' one assertion: CHECK(cond, fmt, ...)
 * counts a check, and on failure counts it failed and says where and
 * why on stderr.  Each test program includes it once (the counters are
 * its own).
 */
#ifndef HD_TEST_UNITCHECK_H
#define HD_TEST_UNITCHECK_H

#include <stdio.h>

static int failures, checks;

#define CHECK(cond, ...) do { \
	checks++; \
	if (!(cond)) { \
		failures++; \
		fprintf(stderr, "%s:%d: FAIL: ", __FILE__, __LINE__); \
		fprintf(stderr, __VA_ARGS__); \
		fputc('\n', stderr); \
	} \
} while (0)

#endif
