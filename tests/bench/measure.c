/*
 * measure: the CPU time and peak RSS of a command, run many times, for
 * tests/bench/run.sh, which compiles it with cc.
 *
 *   measure RUNS MIN_SECONDS BASE -- CMD [ARG...]
 *
 * Runs BASE (a shell command, or "-" for none) and CMD alternately, at
 * least RUNS times each and until CMD has used MIN_SECONDS of CPU in
 * all (at most 99 runs), and prints one line:
 *
 *   MEDIAN P25 P75 MAXRSS_KB BASE_MEDIAN BASE_P25 BASE_P75 BASE_MAXRSS_KB RUNS
 *   RATIO RATIO_P25 RATIO_P75
 *
 * times in seconds, BASE's 0 when there is none.  RATIO is the median of
 * each CMD run's time over that of the BASE run just before it, and its
 * quartiles: a pair timed a second apart, which a slow spell of the
 * machine moves less than the ratio of the two medians, each of runs
 * spread over the whole measurement.  Why not /usr/bin/time: its 10 ms
 * resolution is 5% of a 0.2 s command, and a median of three on a shared
 * virtual machine moved by a fifth between runs.  Here the time is
 * wait4()'s rusage of the one child, in microseconds; BASE and CMD
 * alternate so that a slower spell of the machine falls on both; the
 * quartiles say how much it moved.  The child is forked from this
 * small process, so its peak RSS has no floor of a big parent's pages
 * (a fork from Python starts at 10 MB).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAXRUNS 99

static double tv(struct timeval t)
{
	return (double)t.tv_sec + (double)t.tv_usec / 1e6;
}

/* Run argv with stdout on /dev/null: its CPU seconds, *rss its peak in
 * kB; exits when it cannot be run or does not exit 0. */
static double run(char **argv, long *rss)
{
	struct rusage ru;
	int status;
	pid_t pid = fork();

	if (pid < 0) {
		perror("measure: fork");
		exit(2);
	}
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);

		if (fd < 0 || dup2(fd, 1) < 0)
			_exit(127);
		execvp(argv[0], argv);
		fprintf(stderr, "measure: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	while (wait4(pid, &status, 0, &ru) < 0)
		if (errno != EINTR) {
			perror("measure: wait4");
			exit(2);
		}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "measure: %s exited with status %d\n", argv[0],
			WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
		exit(2);
	}
	if (ru.ru_maxrss > *rss)
		*rss = ru.ru_maxrss;
	return tv(ru.ru_utime) + tv(ru.ru_stime);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The q-quantile of sorted v[n], interpolated. */
static double quantile(const double *v, int n, double q)
{
	double at = q * (n - 1);
	int i = (int)at;

	return i + 1 < n ? v[i] + (at - i) * (v[i + 1] - v[i]) : v[i];
}

int main(int argc, char **argv)
{
	static double cmd[MAXRUNS], base[MAXRUNS], ratio[MAXRUNS];
	char *sh[] = { "sh", "-c", NULL, NULL };
	long cmd_rss = 0, base_rss = 0;
	double min_s, used = 0;
	int runs, n = 0, nb = 0;

	if (argc < 6 || strcmp(argv[4], "--") != 0) {
		fprintf(stderr, "usage: measure RUNS MIN_SECONDS BASE|- -- CMD [ARG...]\n");
		return 2;
	}
	runs = atoi(argv[1]);
	min_s = atof(argv[2]);
	if (runs < 1 || runs > MAXRUNS) {
		fprintf(stderr, "measure: RUNS must be 1 to %d\n", MAXRUNS);
		return 2;
	}
	sh[2] = argv[3];
	while (n < MAXRUNS && (n < runs || used < min_s)) {
		if (strcmp(argv[3], "-") != 0)
			base[nb++] = run(sh, &base_rss);
		cmd[n] = run(argv + 5, &cmd_rss);
		if (nb)
			ratio[n] = base[nb - 1] > 0 ? cmd[n] / base[nb - 1] : 0;
		used += cmd[n++];
	}
	qsort(cmd, (size_t)n, sizeof(*cmd), cmp_double);
	qsort(base, (size_t)nb, sizeof(*base), cmp_double);
	qsort(ratio, (size_t)n, sizeof(*ratio), cmp_double);
	printf("%.4f %.4f %.4f %ld ", quantile(cmd, n, 0.5), quantile(cmd, n, 0.25),
	       quantile(cmd, n, 0.75), cmd_rss);
	if (nb)
		printf("%.4f %.4f %.4f %ld %d %.4f %.4f %.4f\n", quantile(base, nb, 0.5),
		       quantile(base, nb, 0.25), quantile(base, nb, 0.75), base_rss, n,
		       quantile(ratio, n, 0.5), quantile(ratio, n, 0.25), quantile(ratio, n, 0.75));
	else
		printf("0 0 0 0 %d 0 0 0\n", n);
	return 0;
}
