/*
 * heapdiff.c - main(): the table of subcommands, global options, exit
 * statuses.  Each subcommand lives in cmd/cmd-<name>.c.
 */
#define _DEFAULT_SOURCE /* sbrk(), madvise(MADV_HUGEPAGE): see heap_setup() */
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#ifdef __GLIBC__
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>
#endif

#include "cli.h"
#include "hd-version.h"

static const struct subcommand *const commands[] = {
	&cmd_top,
	&cmd_diff,
	&cmd_trend,
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	size_t i;

	fprintf(f,
		"usage: heapdiff <command> [options] PROFILE...\n"
		"\n"
		"Compare pprof heap profiles (profile.proto, gzip or raw).\n"
		"\n"
		"Commands:\n");
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %s\n", commands[i]->synopsis);
	fprintf(f,
		"  heapdiff help COMMAND\n"
		"\n"
		"Options:\n"
		"  -h, --help       show this help\n"
		"  --version        show the version\n"
		"\n"
		"Exit status: 0 success, 1 a --fail-on rule was crossed, 2 usage or input error.\n"
		"See heapdiff(1) for the whole manual.\n");
}

static const struct subcommand *find(const char *name)
{
	size_t i;

	for (i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
	return NULL;
}

/*
 * heapdiff makes a few hundred thousand small allocations that live until
 * it exits.  With glibc's defaults the heap grows in 128 KiB steps and
 * every new 4 KiB page costs a fault: 4 000 of them, half the time of
 * 'heapdiff top' on a 2 MB profile in a virtual machine.  So grow the heap
 * by HEAP_STEP at once (address space only, until written) and ask for
 * transparent huge pages on it, which the kernel gives on request only
 * (Debian's default): 'top' of pprof's large.cpu.pb.gz went from 85 to
 * 30 ms.  This is what GLIBC_TUNABLES=glibc.malloc.hugetlb=1 does, chosen
 * here because the tunable must be set before the program starts.
 * Growth past the first step is not advised; the library advises its own
 * big buffers.  Elsewhere, or when anything fails, this does nothing.
 */
#define HEAP_STEP ((size_t)32 << 20)

static void heap_setup(void)
{
#if defined(__GLIBC__) && defined(M_TOP_PAD) && defined(MADV_HUGEPAGE)
	long ps = sysconf(_SC_PAGESIZE);
	uintptr_t lo, hi, page = ps > 0 ? (uintptr_t)ps : 4096;
	void *volatile first; /* volatile: the compiler may not elide it */

	if (!mallopt(M_TOP_PAD, (int)HEAP_STEP))
		return;
	lo = (uintptr_t)sbrk(0);
	first = malloc(1); /* the first allocation grows the heap */
	hi = (uintptr_t)sbrk(0);
	free(first);
	lo = (lo + page - 1) & ~(page - 1);
	if (lo && hi != (uintptr_t)-1 && hi > lo)
		(void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
#endif
}

int main(int argc, char **argv)
{
	const struct subcommand *sc;

	/* A closed pipe is reported by write() as EPIPE and handled there. */
	signal(SIGPIPE, SIG_IGN);
	if (argc < 2) {
		usage(stderr);
		return HD_EXIT_TROUBLE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return fflush(stdout) ? HD_EXIT_TROUBLE : HD_EXIT_PASS;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("heapdiff %s\n", HD_VERSION);
		return fflush(stdout) ? HD_EXIT_TROUBLE : HD_EXIT_PASS;
	}
	if (strcmp(argv[1], "help") == 0) {
		if (argc < 3) {
			usage(stdout);
			return HD_EXIT_PASS;
		}
		sc = find(argv[2]);
		if (!sc) {
			cli_error(NULL, "no command '%s' (see 'heapdiff --help')", argv[2]);
			return HD_EXIT_TROUBLE;
		}
		printf("usage: %s\n\n%s", sc->synopsis, sc->help);
		return fflush(stdout) ? HD_EXIT_TROUBLE : HD_EXIT_PASS;
	}
	sc = find(argv[1]);
	if (!sc) {
		cli_error(NULL, "no command '%s' (see 'heapdiff --help')", argv[1]);
		return HD_EXIT_TROUBLE;
	}
	heap_setup();
	return sc->run(argc - 1, argv + 1);
}
