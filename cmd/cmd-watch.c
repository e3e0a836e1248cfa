/*
 * cmd-watch.c - heapdiff watch: snapshots of a running service's heap
 * profile (a URL) or the profiles that appear in a directory, on a fixed
 * schedule, then the trend report of them all: a soak test in one
 * command.
 *
 * Memory stays bounded whatever the run's length: each snapshot is
 * folded into the final trend report as it arrives (hd_report_add) and
 * its profile freed, as cmd-trend.c does.  A finished report cannot take
 * more profiles, so the progress line's "current suspects" come from a
 * small trend report built afresh after each snapshot from at most
 * KEEP + 1 of the snapshots' bytes as served (gzip, tens of KiB for a Go
 * service): an evenly thinned sample of the run (every stride-th
 * snapshot, the stride doubling when the sample is full) and the latest.
 * The final report, the verdict and --fail-on see every snapshot.
 *
 * The schedule is drift-free: snapshot k is due at start + k x --every
 * (a monotonic clock), whatever the fetches took; a fetch that overruns
 * makes the next due time the next one still ahead.  A failed fetch that
 * may succeed on a retry (the network, a timeout, HTTP 5xx) is retried
 * until the next one is due, then reported and skipped; one that cannot
 * (HTTP 4xx, not a profile, too big) is skipped at once, and ends the
 * watch when it is the first.  SIGINT and SIGTERM end the run as --count
 * and --for do: the report of the snapshots so far.  Fewer than two
 * snapshots is exit 2.
 *
 * --save writes each snapshot's bytes, exactly as served, to a hidden
 * temporary file in DIR, fsyncs it and links it into place under its
 * time-stamped name, so DIR never holds half a snapshot and never loses
 * one to a name taken twice.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

/* Snapshots kept for the progress line's trend, beside the latest. */
#define KEEP 16
/* Culprits named on the progress line. */
#define NAMED 3

struct snap {
	unsigned char *data;
	size_t len;
	int64_t when; /* hd_fetch()'s, the stamp of a profile without one */
};

/* A file seen in watch DIR: taken, or waiting for its size to settle. */
struct seen {
	char *name;
	off_t size;
	int taken;
};

struct watch {
	struct cli *c;
	const char *target;      /* the URL or DIR as given */
	char *url;               /* the URL fetched (with gc=1) */
	int is_dir;
	struct hd_limits lim;
	struct hd_report *r;     /* every snapshot, folded in one at a time */
	size_t taken, tries;     /* snapshots in r; ticks tried (--count) */
	size_t expected;         /* --count, or what --for allows; 0: unknown */
	struct snap kept[KEEP], last;
	size_t nkept, stride, seq;
	int tty, shown, ms_names;
	char **saved;            /* --save: the files written, for --fail-on */
	size_t nsaved;
	struct seen *files;      /* watch DIR */
	size_t nfiles;
	double start;
};

static volatile sig_atomic_t stop;

/* Fill err as lib/ does (cmd/ has no hd_fail); returns code. */
static int fail(struct hd_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct hd_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	err->code = code;
	err->subject = HD_SUBJ_NONE;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

static void on_signal(int sig)
{
	stop = sig;
}

/* strerror() in lower case, as every message is. */
static const char *lc_strerror(int e)
{
	static char buf[128];

	snprintf(buf, sizeof(buf), "%s", strerror(e));
	if (buf[0] >= 'A' && buf[0] <= 'Z' && !(buf[1] >= 'A' && buf[1] <= 'Z'))
		buf[0] = (char)(buf[0] - 'A' + 'a');
	return buf;
}

static double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Sleep until the monotonic time t, or a signal; 0, or -1 if stopped. */
static int sleep_until(double t)
{
	while (!stop) {
		double left = t - now_mono();
		struct timespec ts;

		if (left <= 0)
			return 0;
		ts.tv_sec = (time_t)left;
		ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
		nanosleep(&ts, NULL); /* EINTR: look at stop again */
	}
	return -1;
}

/* ---- the progress line ---- */

static void clear_line(struct watch *w)
{
	if (w->shown) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
		w->shown = 0;
	}
}

/* A message between progress lines ("heapdiff: URL: ..."). */
static void note(struct watch *w, const char *what, struct hd_error *err)
{
	clear_line(w);
	cli_lib_error(what, err);
}

static void format_value(char *out, size_t n, int64_t v, const char *unit, int sign)
{
	const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	double x = fabs((double)v);
	size_t u = 0;

	if (strcmp(unit, "bytes") != 0) {
		snprintf(out, n, sign ? "%+lld" : "%lld", (long long)v);
		return;
	}
	while (x >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
		x /= 1024;
		u++;
	}
	snprintf(out, n, "%s%.*f %s", v < 0 ? "-" : sign ? "+" : "", u ? 1 : 0, x, units[u]);
}

/* The live trend of the kept snapshots and the latest: 0, or -1. */
static int live_report(struct watch *w, struct hd_report **out)
{
	struct hd_report_opts o = w->c->ropts;
	struct hd_error err = {0};
	struct hd_report *r = NULL;
	size_t i, n = w->nkept + (w->last.data != NULL);

	*out = NULL;
	if (n < 2)
		return -1;
	o.needs = 0;
	o.ref_chain_depth = 0;
	o.order = HD_ORDER_GIVEN; /* they are in the order they were taken */
	if (hd_report_new(&o, &r, &err))
		return -1;
	for (i = 0; i < n; i++) {
		const struct snap *s = i < w->nkept ? &w->kept[i] : &w->last;
		struct hd_profile *p = NULL;
		int rc = hd_profile_load_mem(s->data, s->len, s->when, &w->lim, &p, &err);

		if (!rc)
			rc = hd_report_add(r, w->target, NULL, p, &err);
		hd_profile_free(p);
		if (rc) {
			hd_report_free(r);
			return -1;
		}
	}
	if (hd_report_finish(r, &err)) {
		hd_report_free(r);
		return -1;
	}
	*out = r;
	return 0;
}

/* Append to line[*len..n), cut at the end (names come from the profile). */
static void put(char *line, size_t n, size_t *len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void put(char *line, size_t n, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (*len >= n - 1)
		return;
	va_start(ap, fmt);
	k = vsnprintf(line + *len, n - *len, fmt, ap);
	va_end(ap);
	if (k > 0)
		*len = *len + (size_t)k < n - 1 ? *len + (size_t)k : n - 1;
}

/*
 * "watch: snapshot 3/10: inuse_space 40.1 MiB (+1.2 MiB); leak suspects:
 * main.steadyLeak, ..."; the names may hold anything (a profile's), so
 * control characters are shown as '?' rather than sent to a terminal.
 */
static void progress(struct watch *w)
{
	struct hd_report *r = NULL;
	char line[1024], a[64], d[64];
	size_t len = 0, i;

	put(line, sizeof(line), &len, "watch: snapshot %zu", w->taken);
	if (w->expected)
		put(line, sizeof(line), &len, "/%zu", w->expected);
	if (live_report(w, &r) == 0) {
		const char *names[NAMED + 1];
		size_t ns, n = hd_report_culprits(r, names, NAMED + 1, &ns);
		size_t last = hd_report_columns(r) - 1;
		const char *unit = hd_report_sample_unit(r);

		format_value(a, sizeof(a), hd_report_total(r, last), unit, 0);
		format_value(d, sizeof(d), hd_report_total(r, last) - hd_report_total(r, 0), unit, 1);
		put(line, sizeof(line), &len, ": %.64s %s (%s)", hd_report_sample_type(r), a, d);
		if (!n)
			put(line, sizeof(line), &len, "; no leak suspects");
		for (i = 0; i < n && i < NAMED; i++)
			put(line, sizeof(line), &len, "%s%.200s", i ? ", " : "; leak suspects: ",
			    names[i]);
		if (n > NAMED)
			put(line, sizeof(line), &len, ", ...");
		hd_report_free(r);
	}
	for (i = 0; i < len; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			line[i] = '?';
	if (w->tty) {
		struct winsize ws;
		size_t cols = 80;

		if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1)
			cols = ws.ws_col;
		/* Never wider than the terminal: a wrapped line cannot be redrawn. */
		if (len > cols - 1)
			len = cols - 1;
		while (len > 0 && ((unsigned char)line[len] & 0xc0) == 0x80)
			len--;
		fprintf(stderr, "\r\033[K%.*s", (int)len, line);
		w->shown = 1;
	} else {
		fprintf(stderr, "%.*s\n", (int)len, line);
	}
	fflush(stderr);
}

/* Keep s's bytes for the progress line: the thinned sample and the latest. */
static int keep(struct watch *w, const unsigned char *data, size_t len, int64_t when)
{
	unsigned char *copy = malloc(len ? len : 1);
	size_t i;

	if (!copy)
		return -1;
	memcpy(copy, data, len);
	free(w->last.data);
	w->last.data = NULL;
	if (w->seq++ % w->stride == 0) {
		if (w->nkept == KEEP) {
			for (i = 0; i < KEEP / 2; i++) {
				free(w->kept[2 * i + 1].data);
				w->kept[i] = w->kept[2 * i];
			}
			w->nkept = KEEP / 2;
			w->stride *= 2;
			if ((w->seq - 1) % w->stride != 0) {
				w->last = (struct snap){copy, len, when};
				return 0;
			}
		}
		w->kept[w->nkept++] = (struct snap){copy, len, when};
	} else {
		w->last = (struct snap){copy, len, when};
	}
	return 0;
}

/* ---- --save ---- */

/* "heap-20261201T141502Z.pb.gz", or with milliseconds ("...T141502.250Z"). */
static void snap_name(char *out, size_t n, int64_t when, int ms)
{
	time_t secs = (time_t)(when / 1000000000);
	struct tm tm;
	char t[24];

	gmtime_r(&secs, &tm);
	strftime(t, sizeof(t), "%Y%m%dT%H%M%S", &tm);
	if (ms)
		snprintf(out, n, "heap-%s.%03dZ.pb.gz", t, (int)(when / 1000000 % 1000));
	else
		snprintf(out, n, "heap-%sZ.pb.gz", t);
}

static int write_all_fd(int fd, const unsigned char *p, size_t n)
{
	while (n) {
		ssize_t k = write(fd, p, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Save data as DIR/heap-TIME.pb.gz: a temporary file, fsync, link. 0 or
 * -1 with err filled; *path is the file's name (malloc'd). */
static int save(struct watch *w, const unsigned char *data, size_t len, int64_t when,
		char **path, struct hd_error *err)
{
	const char *dir = w->c->save;
	size_t n = strlen(dir) + 96;
	char *tmp = malloc(n), *final = malloc(n), name[80];
	int fd = -1, rc = -1, e = 0, made = 0;

	*path = NULL;
	if (!tmp || !final) {
		e = ENOMEM;
		goto out;
	}
	snprintf(tmp, n, "%s/.heap-XXXXXX", dir);
	fd = mkstemp(tmp);
	if (fd < 0) {
		e = errno;
		goto out;
	}
	made = 1;
	if (write_all_fd(fd, data, len) || fsync(fd)) {
		e = errno ? errno : EIO;
		goto out;
	}
	if (close(fd)) {
		fd = -1;
		e = errno;
		goto out;
	}
	fd = -1;
	for (;;) {
		snap_name(name, sizeof(name), when, w->ms_names);
		snprintf(final, n, "%s/%s", dir, name);
		if (link(tmp, final) == 0)
			break;
		if (errno == EEXIST && !w->ms_names) {
			/* Two snapshots in one second: milliseconds from now on,
			 * which sort after the whole second's name. */
			w->ms_names = 1;
			continue;
		}
		e = errno;
		goto out;
	}
	rc = 0;
	*path = final;
	final = NULL;
out:
	if (fd >= 0)
		close(fd);
	if (made)
		unlink(tmp); /* linked into place, or a failure's */
	if (rc)
		fail(err, HD_ERR_IO, "cannot save the snapshot in %s: %s", dir, lc_strerror(e));
	free(tmp);
	free(final);
	return rc;
}

/* ---- snapshots ---- */

/* "14:15:02" (or with milliseconds): a column's label. */
static void label_of(char *out, size_t n, int64_t when, int ms)
{
	time_t secs = (time_t)(when / 1000000000);
	struct tm tm;

	gmtime_r(&secs, &tm);
	if (ms)
		snprintf(out, n, "%02d:%02d:%02d.%03d", tm.tm_hour, tm.tm_min, tm.tm_sec,
			 (int)(when / 1000000 % 1000));
	else
		snprintf(out, n, "%02d:%02d:%02d", tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* Fold a decoded snapshot into the report; 0, or an HD_EXIT_*. */
static int fold(struct watch *w, const char *path, const char *label, struct hd_profile *p)
{
	struct hd_error err = {0};
	int rc = hd_report_add(w->r, path, label, p, &err);

	hd_profile_free(p);
	if (rc) {
		/* Another sample type, a mixed series: the run cannot go on. */
		note(w, path, &err);
		return HD_EXIT_TROUBLE;
	}
	w->taken++;
	return 0;
}

/*
 * One snapshot of the URL, retried until due (the next snapshot's time)
 * when the failure may pass.  0 taken or skipped, else an HD_EXIT_* that
 * ends the watch.
 */
static int snapshot_url(struct watch *w, double due)
{
	struct hd_error err = {0};
	struct hd_profile *p = NULL;
	struct hd_buf body;
	double wait = 0.1;
	int64_t when = 0;
	char label[48], *saved = NULL;
	int rc;

	for (;;) {
		memset(&err, 0, sizeof(err));
		rc = hd_fetch(w->url, &w->lim, &body, &when, &err);
		if (!rc) {
			rc = hd_profile_load_mem(body.data, body.len, when, &w->lim, &p, &err);
			if (rc)
				hd_buf_release(&body);
		}
		if (!rc || stop)
			break;
		if (rc != HD_ERR_IO || now_mono() + wait >= due)
			break;
		if (sleep_until(now_mono() + wait))
			break;
		wait = wait * 2 > w->c->every / 4 ? wait : wait * 2;
	}
	if (rc) {
		if (stop)
			return 0;
		if (w->taken == 0 && rc != HD_ERR_IO) {
			note(w, w->target, &err); /* it will not work later either */
			return HD_EXIT_TROUBLE;
		}
		snprintf(err.msg + strlen(err.msg), sizeof(err.msg) - strlen(err.msg),
			 " (snapshot skipped)");
		note(w, w->target, &err);
		return 0;
	}
	if (w->c->save && save(w, (unsigned char *)body.data, body.len, when, &saved, &err)) {
		snprintf(err.msg + strlen(err.msg), sizeof(err.msg) - strlen(err.msg),
			 " (snapshot skipped)");
		note(w, NULL, &err);
		hd_profile_free(p);
		hd_buf_release(&body);
		return 0;
	}
	if (saved) {
		char **ns = realloc(w->saved, (w->nsaved + 1) * sizeof(*ns));

		if (!ns) {
			free(saved);
			hd_profile_free(p);
			hd_buf_release(&body);
			cli_error(NULL, "out of memory");
			return HD_EXIT_TROUBLE;
		}
		w->saved = ns;
		w->saved[w->nsaved++] = saved;
	}
	label_of(label, sizeof(label), when, w->ms_names || w->c->every < 1);
	rc = keep(w, (unsigned char *)body.data, body.len, when);
	hd_buf_release(&body);
	if (rc) {
		hd_profile_free(p);
		cli_error(NULL, "out of memory");
		return HD_EXIT_TROUBLE;
	}
	return fold(w, w->target, label, p);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The seen entry of name, added when new (NULL: out of memory). */
static struct seen *seen_entry(struct watch *w, const char *name, off_t size, int *isnew)
{
	struct seen *ns;
	size_t i;

	*isnew = 0;
	for (i = 0; i < w->nfiles; i++)
		if (strcmp(w->files[i].name, name) == 0)
			return &w->files[i];
	ns = realloc(w->files, (w->nfiles + 1) * sizeof(*ns));
	if (!ns)
		return NULL;
	w->files = ns;
	ns[w->nfiles].name = strdup(name);
	if (!ns[w->nfiles].name)
		return NULL;
	ns[w->nfiles].size = size;
	ns[w->nfiles].taken = 0;
	*isnew = 1;
	return &ns[w->nfiles++];
}

/*
 * watch DIR: the profiles that appeared since the last look, in name
 * order (dumps are named by sequence or time).  A file is taken once its
 * size stayed the same between two looks, or once it is two seconds old:
 * one being written is left for the next look.  Hidden files (.name) are
 * skipped, as are temporary ones (*.tmp).
 */
static int snapshot_dir(struct watch *w, int last)
{
	DIR *d = opendir(w->target);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, i;
	time_t now = time(NULL);
	int rc = 0;

	if (!d) {
		struct hd_error err = {0};

		fail(&err, HD_ERR_IO, "%s", lc_strerror(errno));
		note(w, w->target, &err);
		return w->taken ? 0 : HD_EXIT_TROUBLE;
	}
	while ((e = readdir(d))) {
		size_t k = strlen(e->d_name);
		char **nn;

		if (e->d_name[0] == '.' || (k > 4 && strcmp(e->d_name + k - 4, ".tmp") == 0))
			continue;
		nn = realloc(names, (n + 1) * sizeof(*nn));
		if (!nn || !(nn[n] = strdup(e->d_name))) {
			names = nn ? nn : names;
			rc = HD_EXIT_TROUBLE;
			break;
		}
		names = nn;
		n++;
	}
	closedir(d);
	if (names)
		qsort(names, n, sizeof(*names), by_name);
	for (i = 0; i < n && !rc && !stop && !(w->c->count && w->taken >= w->c->count); i++) {
		size_t plen = strlen(w->target) + strlen(names[i]) + 2;
		char *path = malloc(plen);
		struct seen *s;
		struct stat st;
		int isnew;

		if (!path) {
			rc = HD_EXIT_TROUBLE;
			break;
		}
		snprintf(path, plen, "%s/%s", w->target, names[i]);
		if (stat(path, &st) || !S_ISREG(st.st_mode)) {
			free(path);
			continue;
		}
		s = seen_entry(w, names[i], st.st_size, &isnew);
		if (!s) {
			free(path);
			rc = HD_EXIT_TROUBLE;
			break;
		}
		if (!s->taken && (last || (!isnew && s->size == st.st_size) ||
				  now - st.st_mtime >= 2)) {
			struct hd_error err = {0};
			struct hd_profile *p = NULL;

			s->taken = 1;
			if (hd_profile_load(path, &w->lim, &p, &err)) {
				snprintf(err.msg + strlen(err.msg), sizeof(err.msg) - strlen(err.msg),
					 " (skipped)");
				note(w, path, &err);
			} else if ((rc = fold(w, path, NULL, p)) == 0) {
				progress(w);
			}
		}
		s->size = st.st_size;
		free(path);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (rc == HD_EXIT_TROUBLE && !stop)
		cli_error(NULL, "out of memory");
	return rc;
}

/* ---- the run ---- */

/* cli_check_rules(): a rule on another sample type reads the saved files. */
static int fill_saved(void *ctx, struct hd_report *other, struct hd_error *err)
{
	struct watch *w = ctx;
	size_t i;

	if (!w->is_dir && !w->c->save)
		return fail(err, HD_ERR_USAGE, "a rule on another sample type needs "
			       "--save DIR (watch keeps no snapshots otherwise)");
	if (w->is_dir)
		return fail(err, HD_ERR_USAGE, "a rule on another sample type is not "
			       "supported by watch DIR; run heapdiff trend on the files");
	for (i = 0; i < w->nsaved; i++) {
		struct hd_profile *p = NULL;
		int rc = hd_profile_load(w->saved[i], &w->lim, &p, err);

		if (!rc)
			rc = hd_report_add(other, w->target, NULL, p, err);
		hd_profile_free(p);
		if (rc)
			return rc;
	}
	return 0;
}

static int setup(struct watch *w, struct cli *c)
{
	struct stat st;
	size_t n;

	w->c = c;
	w->stride = 1;
	w->target = c->args[0];
	w->lim = c->limits;
	w->lim.stop = &stop;
	w->is_dir = !hd_is_url(w->target);
	w->tty = isatty(STDERR_FILENO);
	w->ms_names = c->every < 1;
	if (w->is_dir) {
		if (stat(w->target, &st)) {
			cli_error(w->target, "%s", lc_strerror(errno));
			return HD_EXIT_TROUBLE;
		}
		if (!S_ISDIR(st.st_mode)) {
			cli_error(w->target, "not a URL (http:// or https://) or a directory");
			return HD_EXIT_TROUBLE;
		}
		if (c->save || c->gc || c->limits.seconds) {
			cli_error(NULL, "%s is for a URL, not a directory",
				  c->save ? "--save" : c->gc ? "--gc" : "--seconds");
			return HD_EXIT_TROUBLE;
		}
	}
	if (c->save && mkdir(c->save, 0777) && errno != EEXIST) {
		cli_error(c->save, "cannot create the directory: %s", lc_strerror(errno));
		return HD_EXIT_TROUBLE;
	}
	if (c->save && (stat(c->save, &st) || !S_ISDIR(st.st_mode))) {
		cli_error(c->save, "not a directory (--save)");
		return HD_EXIT_TROUBLE;
	}
	n = strlen(w->target) + 8;
	w->url = malloc(n);
	if (!w->url) {
		cli_error(NULL, "out of memory");
		return HD_EXIT_TROUBLE;
	}
	if (c->gc)
		snprintf(w->url, n, "%s%cgc=1", w->target, strchr(w->target, '?') ? '&' : '?');
	else
		snprintf(w->url, n, "%s", w->target);
	w->expected = c->count;
	if (c->duration > 0 && !w->is_dir) {
		size_t by_time = (size_t)floor(c->duration / c->every + 1e-9) + 1;

		if (!w->expected || by_time < w->expected)
			w->expected = by_time;
	}
	return 0;
}

static void cleanup(struct watch *w)
{
	size_t i;

	hd_report_free(w->r);
	for (i = 0; i < w->nkept; i++)
		free(w->kept[i].data);
	free(w->last.data);
	for (i = 0; i < w->nsaved; i++)
		free(w->saved[i]);
	free(w->saved);
	for (i = 0; i < w->nfiles; i++)
		free(w->files[i].name);
	free(w->files);
	free(w->url);
}

static int run(struct cli *c)
{
	struct sigaction sa, old_int, old_term;
	struct hd_error err = {0};
	struct watch w;
	size_t k;
	int rc;

	memset(&w, 0, sizeof(w));
	if (c->nargs != 1) {
		cli_error(NULL, "watch takes one URL or directory (see 'heapdiff help watch')");
		return HD_EXIT_TROUBLE;
	}
	c->ropts.trend = &c->trend;
	if (!c->ascii && !cli_utf8_locale())
		c->ascii = 1;
	if ((rc = setup(&w, c)))
		goto out;
	rc = HD_EXIT_TROUBLE;
	if (hd_report_new(&c->ropts, &w.r, &err)) {
		cli_lib_error(NULL, &err);
		goto out;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: a signal ends the sleep */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	w.start = now_mono();
	rc = 0;
	/* --count: ticks tried for a URL (a failed one counts: the run keeps
	 * its length), profiles taken for a directory. */
	for (k = 0; !stop && (!c->count || (w.is_dir ? w.taken : w.tries) < c->count); k++) {
		double due = w.start + (double)k * c->every;

		if (c->duration > 0 && due > w.start + c->duration + 1e-6)
			break;
		if (sleep_until(due))
			break;
		w.tries++;
		if (w.is_dir) {
			int last = c->duration > 0 && due + c->every > w.start + c->duration + 1e-6;

			rc = snapshot_dir(&w, last);
		} else {
			size_t before = w.taken;

			rc = snapshot_url(&w, due + c->every);
			if (!rc && w.taken > before)
				progress(&w);
		}
		if (rc)
			break;
		/* Drift-free: the next due time still ahead, none made up. */
		while (w.start + (double)(k + 1) * c->every < now_mono())
			k++;
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	clear_line(&w);
	if (rc)
		goto out;
	rc = HD_EXIT_TROUBLE;
	if (w.taken < 2) {
		cli_error(w.target, "%zu snapshot%s taken; a trend needs two or more", w.taken,
			  w.taken == 1 ? "" : "s");
		goto out;
	}
	if (hd_report_finish(w.r, &err)) {
		cli_lib_error(NULL, &err);
		goto out;
	}
	if (cli_check_rules(c, w.r, fill_saved, &w))
		goto out;
	rc = cli_emit(c, w.r);
	if (rc == 0) {
		cli_warnings(w.r);
		rc = cli_verdict_status(w.r);
	}
out:
	cleanup(&w);
	return rc;
}

const struct subcommand cmd_watch = {
	.name = "watch",
	.command = HD_CMD_TREND,
	.options = OPT_FORMAT | OPT_OUTPUT | OPT_TOP | OPT_SAMPLE | OPT_GRAN | OPT_FILTERS |
		   OPT_SORT | OPT_LIMITS | OPT_COLOR | OPT_CHAINS | OPT_FOLDED | OPT_FAILON |
		   OPT_TREND | OPT_APP | OPT_FETCH | OPT_WATCH,
	.run = run,
	.synopsis = "heapdiff watch [options] URL|DIR [--every 30s] [--count N | --for 10m] "
		    "[--save DIR] [--gc]",
	.help =
	"Take a heap profile of a running service every --every (Go's\n"
	"/debug/pprof/heap), or each profile that appears in a directory (DIR: a\n"
	"service that writes its own dumps), until --count or --for is reached or\n"
	"Ctrl-C (SIGINT, SIGTERM); then print the trend report of them all, as\n"
	"heapdiff trend would, with --fail-on deciding the exit status.  A soak\n"
	"test in CI:\n"
	"\n"
	"  heapdiff watch http://127.0.0.1:6060/debug/pprof/heap --every 10s \\\n"
	"    --for 5m --fail-on leak --format markdown\n"
	"\n"
	"Progress goes to stderr: the snapshot, the total and its change since\n"
	"the first, and the current leak suspects by culprit (one redrawn line on\n"
	"a terminal).  A snapshot that fails is retried until the next is due,\n"
	"then skipped; fewer than two snapshots is exit 2.\n",
};
