/*
 * heapdiff.c - main(): the table of subcommands (kmod's tools/kmod.c),
 * the global options, and the exit status with standard output checked
 * (git.c).  Each subcommand lives in cmd/cmd-<name>.c; its options and
 * help come from options.c's table.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "hd-version.h"

static const struct subcommand *const commands[] = {
	&cmd_top,
	&cmd_diff,
	&cmd_trend,
	&cmd_watch,
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	size_t i;

	fprintf(f,
		"usage: heapdiff <command> [options] PROFILE...\n"
		"\n"
		"Compare pprof heap profiles (profile.proto, gzip or raw), from files or\n"
		"http:// and https:// URLs.\n"
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
	cli_error(NULL, "no command '%s' (see 'heapdiff --help')", name);
	return NULL;
}

/* heapdiff COMMAND ARGS: its options, then the command. */
static int run(const struct subcommand *sc, int argc, char **argv)
{
	struct cli c;
	int rc;

	/* before the first malloc() */
	heap_setup(sc->command == HD_CMD_TOP || sc->command == HD_CMD_DIFF);
	rc = cli_parse(sc, argc, argv, &c);
	if (rc)
		return rc < 0 ? HD_EXIT_PASS : rc; /* -1: --help */
	return sc->run(&c);
}

static int dispatch(int argc, char **argv)
{
	const struct subcommand *sc;

	if (argc < 2) {
		usage(stderr);
		return HD_EXIT_TROUBLE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    (strcmp(argv[1], "help") == 0 && argc < 3)) {
		usage(stdout);
		return HD_EXIT_PASS;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("heapdiff %s\n", HD_VERSION);
		return HD_EXIT_PASS;
	}
	if (strcmp(argv[1], "help") == 0) {
		sc = find(argv[2]);
		if (sc)
			cli_help(sc, stdout);
		return sc ? HD_EXIT_PASS : HD_EXIT_TROUBLE;
	}
	sc = find(argv[1]);
	return sc ? run(sc, argc - 1, argv + 1) : HD_EXIT_TROUBLE;
}

int main(int argc, char **argv)
{
	/* Write errors are reported by write() (EPIPE, EFBIG) and handled
	 * where they happen: a closed pipe quietly, a file too large for
	 * ulimit -f like a full disk. */
	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN);
	return cli_close_stdout(dispatch(argc, argv));
}
