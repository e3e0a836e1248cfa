/*
 * output.c - where a rendered report goes: standard output, or -o FILE
 * through a temporary file beside it and a rename, so that a failure
 * never leaves half a report and never clobbers the old one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

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

/* Write to a temporary file beside path and rename it into place, so a
 * failure never leaves half a report and never clobbers the old one. */
static int write_file(const char *path, const struct hd_buf *b)
{
	size_t n = strlen(path);
	char *tmp = malloc(n + 16);
	int fd, e;

	if (!tmp) {
		cli_error(path, "out of memory");
		return HD_EXIT_TROUBLE;
	}
	snprintf(tmp, n + 16, "%s.tmp-XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		cli_error(path, "cannot create a temporary file: %s", strerror(errno));
		free(tmp);
		return HD_EXIT_TROUBLE;
	}
	fchmod(fd, 0644);
	if (write_all(fd, b->data ? b->data : "", b->len) || fsync(fd) || close(fd)) {
		e = errno;
		close(fd);
		unlink(tmp);
		free(tmp);
		cli_error(path, "write error: %s", strerror(e));
		return HD_EXIT_TROUBLE;
	}
	if (rename(tmp, path)) {
		e = errno;
		unlink(tmp);
		free(tmp);
		cli_error(path, "cannot rename the temporary file into place: %s", strerror(e));
		return HD_EXIT_TROUBLE;
	}
	free(tmp);
	return 0;
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

int cli_emit(const struct cli *c, const struct hd_report *r)
{
	struct hd_render_opts ro;
	struct hd_error err = {0};
	struct hd_buf b;
	int rc = 0;

	render_opts(c, &ro);
	hd_buf_init(&b, 0);
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
