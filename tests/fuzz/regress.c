/*
 * regress.c - replays inputs through a fuzz target without libFuzzer, so
 * the seed corpus and every crash ever found run as ordinary tests (the
 * idea of zstd's tests/fuzz/regression_driver.c).
 *
 *   regress_load PATH...   (linked with fuzz_load.c; regress_diff alike)
 *
 * A PATH is a file or a directory whose files (not subdirectories, not
 * names starting with '.') are replayed in name order.  Each input runs
 * in a child process, so one crash neither hides the others nor stops
 * the count; a child that dies by a signal or exits non-zero (a sanitizer
 * report, a failed check, a leak found by LeakSanitizer at exit) is a
 * failure, and so is one still running after FUZZ_REGRESS_TIMEOUT
 * seconds (default 60, 0 for none: libFuzzer's -timeout, for the inputs
 * that once made the library loop or allocate without bound).
 * FUZZ_REGRESS_NOFORK=1 runs everything in this process instead, for a
 * debugger (no timeout then).
 *
 * Exit status: 0 when every input passed, 1 when one failed, 2 when a
 * PATH cannot be read or no input was found at all (a test that checked
 * nothing must not pass).
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t passed, failed;
static int nofork;
static unsigned timeout_sec = 60;

static int read_file(const char *path, uint8_t **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t cap = 0, n = 0;

	if (!f)
		return -1;
	for (;;) {
		size_t got;

		if (n == cap) {
			uint8_t *nb;

			cap = cap ? cap * 2 : 1 << 16;
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				errno = ENOMEM;
				return -1;
			}
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		free(buf);
		fclose(f);
		errno = EIO;
		return -1;
	}
	fclose(f);
	*out = buf; /* never NULL, even for an empty file, as with libFuzzer */
	*len = n;
	return 0;
}

static int run_one(const char *path)
{
	uint8_t *data;
	size_t len;
	pid_t pid;
	int status;

	if (read_file(path, &data, &len)) {
		fprintf(stderr, "fuzz-regress: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (nofork) {
		LLVMFuzzerTestOneInput(data, len);
		free(data);
		passed++;
		return 0;
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "fuzz-regress: fork: %s\n", strerror(errno));
		free(data);
		return -1;
	}
	if (pid == 0) {
		alarm(timeout_sec); /* SIGALRM's default action ends the child */
		LLVMFuzzerTestOneInput(data, len);
		free(data);
		exit(0); /* not _exit: LeakSanitizer checks at exit */
	}
	free(data);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, "fuzz-regress: waitpid: %s\n", strerror(errno));
			return -1;
		}
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		passed++;
	} else {
		failed++;
		if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
			fprintf(stderr, "fuzz-regress: FAIL %s (still running after %u s)\n",
				path, timeout_sec);
		else if (WIFSIGNALED(status))
			fprintf(stderr, "fuzz-regress: FAIL %s (signal %d)\n", path, WTERMSIG(status));
		else
			fprintf(stderr, "fuzz-regress: FAIL %s (exit status %d)\n", path,
				WEXITSTATUS(status));
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	int rc = 0;

	if (!d) {
		fprintf(stderr, "fuzz-regress: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			char **nn = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof(*names));
			if (!nn) {
				rc = -1;
				break;
			}
			names = nn;
		}
		names[n] = malloc(strlen(dir) + strlen(e->d_name) + 2);
		if (!names[n]) {
			rc = -1;
			break;
		}
		sprintf(names[n], "%s/%s", dir, e->d_name);
		n++;
	}
	closedir(d);
	if (rc)
		fprintf(stderr, "fuzz-regress: %s: out of memory\n", dir);
	if (n > 1)
		qsort(names, n, sizeof(*names), cmp_str);
	for (i = 0; i < n; i++) {
		struct stat st;

		if (!rc && stat(names[i], &st) == 0 && S_ISREG(st.st_mode) && run_one(names[i]))
			rc = -1;
		free(names[i]);
	}
	free(names);
	return rc;
}

int main(int argc, char **argv)
{
	const char *nf = getenv("FUZZ_REGRESS_NOFORK"), *to = getenv("FUZZ_REGRESS_TIMEOUT");
	int i, trouble = 0;

	nofork = nf && strcmp(nf, "1") == 0;
	if (to && *to) {
		char *end;
		unsigned long v = strtoul(to, &end, 10);

		if (*end || v > 86400) {
			fprintf(stderr, "fuzz-regress: FUZZ_REGRESS_TIMEOUT=%s is not a number of seconds\n", to);
			return 2;
		}
		timeout_sec = (unsigned)v;
	}
	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
	}
	for (i = 1; i < argc; i++) {
		struct stat st;

		if (stat(argv[i], &st)) {
			fprintf(stderr, "fuzz-regress: %s: %s\n", argv[i], strerror(errno));
			trouble = 1;
		} else if (S_ISDIR(st.st_mode) ? run_dir(argv[i]) : run_one(argv[i])) {
			trouble = 1;
		}
	}
	printf("fuzz-regress: %zu passed, %zu failed\n", passed, failed);
	if (trouble || passed + failed == 0) {
		if (passed + failed == 0)
			fprintf(stderr, "fuzz-regress: no input found\n");
		return 2;
	}
	return failed ? 1 : 0;
}
