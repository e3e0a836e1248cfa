/*
 * output.c - where a rendered report goes: standard output, or -o FILE
 * through a temporary file beside it and a rename, so that a failure or
 * a signal never leaves half a report and never clobbers the old one.
 *
 * Owns the temporary file while it exists, and the handlers of SIGHUP,
 * SIGINT and SIGTERM for that time only (they remove it, then die of
 * the signal as before).  Standard output is checked at exit (git.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#ifndef O_CLOEXEC
#define O_CLOEXEC 0
#endif

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* ---- the temporary file and the signals that must not leave it ---- */

static const int fatal_signals[] = {SIGHUP, SIGINT, SIGTERM};
#define NSIGNALS (sizeof(fatal_signals) / sizeof(fatal_signals[0]))

/*
 * The temporary's path while it exists.  Set and cleared only with the
 * signals blocked, so the handler sees NULL or a whole path.
 */
static const char *volatile temp_path;
static struct sigaction saved[NSIGNALS];
static int installed[NSIGNALS];

/* Async-signal-safe calls only: unlink(), signal(), raise(). */
static void on_fatal_signal(int sig)
{
	const char *p = temp_path;

	if (p)
		unlink(p);
	/* The default action again: once this returns, the signal (blocked
	 * while in here) kills as it would have without this handler. */
	signal(sig, SIG_DFL);
	raise(sig);
}

static void block_signals(sigset_t *old)
{
	sigset_t set;
	size_t i;

	sigemptyset(&set);
	for (i = 0; i < NSIGNALS; i++)
		sigaddset(&set, fatal_signals[i]);
	sigprocmask(SIG_BLOCK, &set, old);
}

/* With the signals blocked: handle those not ignored (nohup keeps its
 * SIGHUP ignored, a background job its SIGINT). */
static void install_handlers(void)
{
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fatal_signal;
	sigfillset(&sa.sa_mask);
	for (i = 0; i < NSIGNALS; i++) {
		installed[i] = 0;
		if (sigaction(fatal_signals[i], NULL, &saved[i]) || saved[i].sa_handler == SIG_IGN)
			continue;
		installed[i] = sigaction(fatal_signals[i], &sa, NULL) == 0;
	}
}

static void restore_handlers(void)
{
	size_t i;

	for (i = 0; i < NSIGNALS; i++)
		if (installed[i])
			sigaction(fatal_signals[i], &saved[i], NULL);
}

/*
 * Create "PATH.tmp-XXXXXX", X random, exclusively and with mode 0666, so
 * the kernel applies the umask as for any new file.  The fd or -1
 * (errno set).
 */
static int create_temp(char *tmp, size_t size, const char *path)
{
	static const char digits[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	struct timespec ts;
	uint64_t x;
	int attempt, i, fd = -1;

	clock_gettime(CLOCK_REALTIME, &ts);
	x = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30) ^ ((uint64_t)getpid() << 20);
	for (attempt = 0; attempt < 100; attempt++) {
		char *p = tmp + snprintf(tmp, size, "%s.tmp-", path);

		for (i = 0; i < 6; i++) {
			/* splitmix64 */
			uint64_t z = (x += 0x9e3779b97f4a7c15ULL);

			z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
			z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
			p[i] = digits[(z ^ (z >> 31)) % (sizeof(digits) - 1)];
		}
		p[6] = '\0';
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (fd >= 0 || errno != EEXIST)
			break;
	}
	return fd;
}

/* Write b to the temporary fd and make it durable; 0 or errno. */
static int fill_temp(int fd, const struct hd_buf *b)
{
	int e = 0;

	if (write_all(fd, b->data ? b->data : "", b->len) || fsync(fd))
		e = errno;
	if (close(fd) && !e) /* closed either way: never twice */
		e = errno;
	return e;
}

/*
 * The temporary is created, named to the handler, renamed or removed and
 * forgotten with the signals blocked; only its writing runs with them
 * open, so a signal finds either no file of ours or its whole path.
 */
static int write_file(const char *path, const struct hd_buf *b)
{
	size_t size = strlen(path) + 16;
	char *tmp = malloc(size);
	const char *what = "cannot create a temporary file";
	sigset_t old;
	int fd, e;

	if (!tmp) {
		cli_error(path, "out of memory");
		return HD_EXIT_TROUBLE;
	}
	block_signals(&old);
	install_handlers();
	fd = create_temp(tmp, size, path);
	e = fd < 0 ? (errno ? errno : EIO) : 0;
	if (fd >= 0)
		temp_path = tmp;
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (fd >= 0 && (e = fill_temp(fd, b)) != 0)
		what = "write error";
	block_signals(&old);
	if (fd >= 0 && !e && rename(tmp, path)) {
		e = errno;
		what = "cannot rename the temporary file into place";
	}
	if (fd >= 0 && e)
		unlink(tmp);
	temp_path = NULL;
	restore_handlers();
	sigprocmask(SIG_SETMASK, &old, NULL);
	free(tmp);
	if (e)
		cli_error(path, "%s: %s", what, strerror(e));
	return e ? HD_EXIT_TROUBLE : 0;
}

/* ---- reports ---- */

static void render_opts(const struct cli *c, struct hd_render_opts *ro)
{
	memset(ro, 0, sizeof(*ro));
	ro->format = c->format;
	ro->top = c->top;
	ro->folded = c->folded;
	ro->ascii = c->ascii;
	ro->icicle = c->icicle;
	if (c->color < 0) {
		const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");

		ro->color = !c->output && isatty(STDOUT_FILENO) && !(nc && *nc) &&
			    !(term && strcmp(term, "dumb") == 0);
	} else {
		ro->color = c->color;
	}
}

int cli_check_terminal(const struct cli *c)
{
	if (c->format != HD_FMT_PPROF || (c->output && strcmp(c->output, "-") != 0) ||
	    !isatty(STDOUT_FILENO))
		return 0;
	cli_error(NULL, "refusing to write a binary pprof profile to a terminal; "
		  "use -o FILE or a pipe");
	return HD_EXIT_TROUBLE;
}

int cli_emit(const struct cli *c, const struct hd_report *r)
{
	struct hd_render_opts ro;
	struct hd_error err = {0};
	struct hd_buf b;
	int rc = 0;

	render_opts(c, &ro);
	/* The buffer may hold the report and its NUL (heapdiff.h, hd_render). */
	hd_buf_init(&b, c->max_output && c->max_output < SIZE_MAX ? (size_t)c->max_output + 1 : 0);
	if (hd_render(r, &ro, &b, &err)) {
		cli_lib_error(NULL, &err);
		hd_buf_release(&b);
		return HD_EXIT_TROUBLE;
	}
	if (c->output && strcmp(c->output, "-") != 0) {
		rc = write_file(c->output, &b);
	} else if (write_all(STDOUT_FILENO, b.data ? b.data : "", b.len)) {
		/* A reader that stopped early (| head) is not an error. */
		if (errno != EPIPE) {
			cli_error(NULL, "write error on standard output: %s", strerror(errno));
			rc = HD_EXIT_TROUBLE;
		}
	}
	hd_buf_release(&b);
	return rc;
}

int cli_close_stdout(int status)
{
	struct stat st;
	int e = 0;

	/* Nothing to check when there was no standard output to begin with. */
	if (fstat(STDOUT_FILENO, &st))
		return status;
	if (fflush(stdout))
		e = errno;
	else if (ferror(stdout))
		e = EIO; /* an earlier write failed; its errno is gone */
	if (fclose(stdout) && !e)
		e = errno;
	/* A reader that stopped early (| head) is not an error. */
	if (!e || e == EPIPE)
		return status;
	cli_error(NULL, "write error on standard output: %s", strerror(e));
	return HD_EXIT_TROUBLE;
}
