/*
 * fuzz_hprof.c - libFuzzer target: the Java heap dump reader
 * (lib/input/hprof.c) through the whole pipeline of `heapdiff top`.
 *
 * The input is an HPROF body: byte 0 chooses the identifier size (bit 0:
 * 4, else 8 bytes), the rest are the records that follow the header.  The
 * target writes the header itself ("JAVA PROFILE 1.0.2", the size, a time
 * stamp), so that no mutation is spent on it and every input reaches the
 * records; then it runs fuzz_load's pipeline (load, the sample types, a
 * top report with a verdict, every format, check.h's oracles).  The seeds
 * are made by make-hprof-corpus.py.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define LLVMFuzzerTestOneInput fz_load_one
#include "fuzz_load.c"
#undef LLVMFuzzerTestOneInput

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char head[] = "JAVA PROFILE 1.0.2";
	size_t n = sizeof(head) + 12, body = size ? size - 1 : 0;
	uint8_t *buf;

	if (!size)
		return 0;
	if (!(buf = malloc(n + body)))
		return 0;
	memcpy(buf, head, sizeof(head)); /* with its NUL */
	memset(buf + sizeof(head), 0, 12);
	buf[sizeof(head) + 3] = data[0] & 1 ? 4 : 8;
	buf[sizeof(head) + 11] = 1; /* a time stamp of 1 ms */
	memcpy(buf + n, data + 1, body);
	fz_load_one(buf, n + body);
	free(buf);
	return 0;
}
