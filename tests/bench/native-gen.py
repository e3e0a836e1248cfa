#!/usr/bin/env python3
"""Write the C sources of the native benchmark's program (tests/bench/native.sh).

Usage: native-gen.py OUTDIR [FILES [FUNCS]]

FILES translation units (default 100) of FUNCS functions each (default 240).
Every function f_K inlines a chain of static inline helpers, each with its
own locals and loops, so -g writes a lot of DWARF per function (inlined
subroutines, lexical blocks, locations); it calls one of two next
functions, chosen by a bit of its path, from two call sites, so a walk of
depth D from main reaches 2^D distinct stacks.  main.c walks the first
STACKS paths (argv[1]), allocates at the end of each, and dumps the heap
with mallctl("prof.dump") into bench.heap (run it under jemalloc).  Deterministic:
the same arguments write the same files.
"""
import os
import sys

out = sys.argv[1]
files = int(sys.argv[2]) if len(sys.argv) > 2 else 100
funcs = int(sys.argv[3]) if len(sys.argv) > 3 else 240
n = files * funcs
HELPERS = 12
os.makedirs(out, exist_ok=True)


def nxt(k, b):
    return (k * 7919 + 104729 * (b + 1) + 13) % n


with open(os.path.join(out, "bench.h"), "w") as h:
    h.write("#include <stddef.h>\n#include <stdlib.h>\n")
    h.write("extern void **bench_keep;\nextern size_t bench_nkeep;\n")
    for k in range(n):
        h.write("void f_%d(unsigned long path, int depth, unsigned long acc);\n" % k)

for fi in range(files):
    with open(os.path.join(out, "u%03d.c" % fi), "w") as c:
        c.write('#include "bench.h"\n\n')
        for j in range(HELPERS):
            c.write("struct s%d_%d { unsigned long a, b; int c[4]; };\n" % (fi, j))
            c.write("static inline __attribute__((always_inline)) unsigned long\n"
                    "h%d_%d(unsigned long x, int y)\n{\n"
                    "\tstruct s%d_%d v = { x, x ^ (unsigned long)y, { y, y + 1, y + 2, y + 3 } };\n"
                    "\tunsigned long t = v.a;\n"
                    "\tfor (int i = 0; i < (y & 3); i++) {\n"
                    "\t\tunsigned long u = t * %dUL + (unsigned long)v.c[i & 3];\n"
                    "\t\tt ^= u >> %d;\n\t}\n"
                    "\treturn t + v.b%s;\n}\n\n"
                    % (fi, j, fi, j, 2 * j + 3, j % 13 + 1,
                       "" if j == 0 else " + h%d_%d(t, y + 1)" % (fi, j - 1)))
        for k in range(fi * funcs, (fi + 1) * funcs):
            c.write("__attribute__((noinline)) void f_%d(unsigned long path, int depth, unsigned long acc)\n{\n"
                    "\tunsigned long v = h%d_%d(acc + %d, depth);\n\n"
                    "\tif (depth == 0) {\n"
                    "\t\tbench_keep[bench_nkeep++] = malloc(16 + (v & 15));\n"
                    "\t\treturn;\n\t}\n"
                    "\tif (path & 1)\n\t\tf_%d(path >> 1, depth - 1, v);\n"
                    "\telse\n\t\tf_%d(path >> 1, depth - 1, v);\n"
                    "\t__asm__ volatile(\"\" ::: \"memory\");\n}\n\n"
                    % (k, fi, HELPERS - 1, k, nxt(k, 1), nxt(k, 0)))

with open(os.path.join(out, "main.c"), "w") as c:
    c.write('''#include <dlfcn.h>
#include <stdio.h>
#include "bench.h"

void **bench_keep;
size_t bench_nkeep;

int main(int argc, char **argv)
{
	unsigned long stacks = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000, p;
	int depth = 0;
	int (*mallctl)(const char *, void *, size_t *, void *, size_t) =
		(int (*)(const char *, void *, size_t *, void *, size_t))dlsym(RTLD_DEFAULT, "mallctl");
	const char *name = "bench.heap";

	while ((1UL << depth) < stacks)
		depth++;
	bench_keep = malloc(stacks * sizeof(*bench_keep));
	for (p = 0; p < stacks; p++)
		f_0(p, depth, p);
	if (!mallctl || mallctl("prof.dump", NULL, NULL, &name, sizeof(name)))
		fprintf(stderr, "not under jemalloc with MALLOC_CONF=prof:true\\n");
	return 0;
}
''')
