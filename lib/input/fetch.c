/*
 * fetch.c - bytes in from a URL: an HTTP(S) GET with libcurl, the body
 * kept exactly as served (no Accept-Encoding, so no transparent
 * decoding: what watch --save writes is what the server sent).
 *
 * Owns: the transfer and its limits (a total timeout, a bounded number
 * of redirects, http and https only, TLS verified: there is no insecure
 * mode), and the words of its failures ("HTTP 404 (page not found)",
 * "connection refused (127.0.0.1 port 6061)", "timed out after 30 s").
 * The size cap holds while the body streams in: a raw body may not pass
 * max_size, a gzip body not max_size plus a sixteenth and 1 MiB (what
 * load.c allows a compressed stream), and load.c's inflater applies the
 * cap again.  Knows nothing of profile formats.
 *
 * libcurl is opened with dlopen() on the first fetch of a run, not
 * linked: it brings some thirty libraries (OpenSSL, GnuTLS, LDAP,
 * Kerberos, ...) whose start-up code would otherwise run, and could fail
 * (out of memory: GnuTLS prints), for every file-only run too.  Its
 * functions are looked up into a table on the stack of each fetch, so
 * there is no writable static state (render-wall checks); RTLD_NODELETE
 * keeps the library loaded across fetches.  Without libcurl at build
 * time (meson -Dlibcurl=disabled) or at run time, a URL is an error that
 * says so, rather than "no such file".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "input/input.h"

#ifdef HD_HAVE_LIBCURL
#define CURL_DISABLE_TYPECHECK 1 /* the functions are called through pointers */
#include <curl/curl.h>
#include <dlfcn.h>
#include <errno.h>
#endif

/* Default total time of one fetch, plus --seconds when given. */
#define HD_FETCH_TIMEOUT 30.0
#define HD_FETCH_REDIRECTS 10

int hd_is_url(const char *path)
{
	return path && (strncasecmp(path, "http://", 7) == 0 ||
			strncasecmp(path, "https://", 8) == 0);
}

double hd_fetch_timeout(const struct hd_limits *lim)
{
	double t = lim && lim->timeout > 0 ? lim->timeout : HD_FETCH_TIMEOUT;

	return t + (lim ? (double)lim->seconds : 0);
}

#ifndef HD_HAVE_LIBCURL

int hd_fetch(const char *url, const struct hd_limits *lim, struct hd_buf *body,
	     int64_t *when, struct hd_error *err)
{
	hd_buf_init(body, 0);
	return hd_fail(err, HD_ERR_USAGE, "this heapdiff was built without libcurl "
		       "and cannot fetch URLs (rebuild with libcurl4-openssl-dev)");
}

#else

/* "1.5 s", "30 s": a number of seconds as a person says it. */
static void format_seconds(char *out, size_t n, double s)
{
	if (s == (double)(long long)s)
		snprintf(out, n, "%lld s", (long long)s);
	else
		snprintf(out, n, "%g s", s);
}

/* The libcurl functions fetch.c calls, from the library opened at run time. */
struct curl_api {
	void *lib;
	CURLcode (*global_init)(long flags);
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *h, CURLoption o, ...);
	CURLcode (*easy_perform)(CURL *h);
	CURLcode (*easy_getinfo)(CURL *h, CURLINFO i, ...);
	void (*easy_cleanup)(CURL *h);
	const char *(*easy_strerror)(CURLcode rc);
	CURLU *(*url)(void);
	CURLUcode (*url_set)(CURLU *u, CURLUPart what, const char *part, unsigned int flags);
	CURLUcode (*url_get)(const CURLU *u, CURLUPart what, char **part, unsigned int flags);
	void (*url_cleanup)(CURLU *u);
	void (*free)(void *p);
};

#define HD_LIBCURL "libcurl.so.4"

static int curl_open(struct curl_api *c, struct hd_error *err)
{
	static const char *const names[] = {
		"curl_global_init", "curl_easy_init", "curl_easy_setopt", "curl_easy_perform",
		"curl_easy_getinfo", "curl_easy_cleanup", "curl_easy_strerror", "curl_url",
		"curl_url_set", "curl_url_get", "curl_url_cleanup", "curl_free",
	};
	void **slot[] = {
		(void **)&c->global_init, (void **)&c->easy_init, (void **)&c->easy_setopt,
		(void **)&c->easy_perform, (void **)&c->easy_getinfo, (void **)&c->easy_cleanup,
		(void **)&c->easy_strerror, (void **)&c->url, (void **)&c->url_set,
		(void **)&c->url_get, (void **)&c->url_cleanup, (void **)&c->free,
	};
	size_t i;

	_Static_assert(sizeof(names) / sizeof(names[0]) == sizeof(slot) / sizeof(slot[0]),
		       "a slot per name");
	memset(c, 0, sizeof(*c));
	c->lib = dlopen(HD_LIBCURL, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
	if (!c->lib)
		return hd_fail(err, HD_ERR_USAGE, "cannot fetch URLs without libcurl "
			       "(%s, Debian's libcurl4): %s", HD_LIBCURL, dlerror());
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		void *f = dlsym(c->lib, names[i]);

		if (!f) {
			dlclose(c->lib);
			return hd_fail(err, HD_ERR_USAGE, "cannot fetch URLs: %s has no %s "
				       "(libcurl 7.62 or later is needed)", HD_LIBCURL, names[i]);
		}
		memcpy(slot[i], &f, sizeof(f));
	}
	return 0;
}

/* The words of the status codes a profile endpoint answers with. */
static const char *status_words(long code)
{
	switch (code) {
	case 400: return "bad request";
	case 401: return "unauthorized";
	case 403: return "forbidden";
	case 404: return "page not found";
	case 405: return "method not allowed";
	case 408: return "request timeout";
	case 410: return "gone";
	case 429: return "too many requests";
	case 500: return "internal server error";
	case 501: return "not implemented";
	case 502: return "bad gateway";
	case 503: return "service unavailable";
	case 504: return "gateway timeout";
	}
	return code >= 500 ? "server error" : code >= 400 ? "client error" : "unexpected status";
}

struct sink {
	const struct curl_api *api;
	CURL *h;
	struct hd_buf *body;
	uint64_t max;       /* the decompressed cap */
	long status;        /* set once the first body byte came: non-2xx stops */
	int too_big;
	const volatile sig_atomic_t *stop;
};

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
	struct sink *s = ctx;
	size_t len = size * n;
	const unsigned char *d;
	uint64_t cap;

	if (!s->status)
		s->api->easy_getinfo(s->h, CURLINFO_RESPONSE_CODE, &s->status);
	if (s->status < 200 || s->status > 299)
		return 0; /* the status is the message; the body is not read */
	if (hd_buf_append(s->body, p, len))
		return 0;
	d = (const unsigned char *)s->body->data;
	cap = s->body->len >= 2 && d[0] == 0x1f && d[1] == 0x8b ?
		s->max + (s->max >> 4) + ((uint64_t)1 << 20) : s->max;
	if (s->body->len > cap) {
		s->too_big = 1;
		return 0;
	}
	return len;
}

static int on_progress(void *ctx, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	struct sink *s = ctx;

	return s->stop && *s->stop;
}

/* "127.0.0.1 port 6061", from the URL as curl parsed it. */
static void host_port(const struct curl_api *c, const char *url, char *out, size_t n)
{
	CURLU *u = c->url();
	char *host = NULL, *port = NULL;

	snprintf(out, n, "the server");
	if (!u)
		return;
	if (c->url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    c->url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    c->url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK)
		snprintf(out, n, "%s port %s", host, port);
	c->free(host);
	c->free(port);
	c->url_cleanup(u);
}

static int transfer_error(const struct curl_api *c, CURL *h, CURLcode rc, const char *url,
			  const char *why, double timeout, struct hd_error *err)
{
	char where[300], t[32];
	long oserr = 0;

	host_port(c, url, where, sizeof(where));
	c->easy_getinfo(h, CURLINFO_OS_ERRNO, &oserr);
	switch (rc) {
	case CURLE_COULDNT_CONNECT:
		if (oserr == ECONNREFUSED)
			return hd_fail(err, HD_ERR_IO, "connection refused (%s)", where);
		return hd_fail(err, HD_ERR_IO, "could not connect (%s): %s", where,
			       oserr ? hd_strerror((int)oserr) : why);
	case CURLE_COULDNT_RESOLVE_HOST:
		return hd_fail(err, HD_ERR_IO, "could not resolve the host name (%s)", where);
	case CURLE_OPERATION_TIMEDOUT:
		format_seconds(t, sizeof(t), timeout);
		return hd_fail(err, HD_ERR_IO, "timed out after %s (see --timeout)", t);
	case CURLE_TOO_MANY_REDIRECTS:
		return hd_fail(err, HD_ERR_IO, "too many redirects (more than %d)",
			       HD_FETCH_REDIRECTS);
	case CURLE_UNSUPPORTED_PROTOCOL:
		return hd_fail(err, HD_ERR_IO, "redirected to a URL that is not http or https");
	case CURLE_PEER_FAILED_VERIFICATION:
		return hd_fail(err, HD_ERR_IO, "the server's TLS certificate is not trusted: %s",
			       why);
	case CURLE_ABORTED_BY_CALLBACK:
		return hd_fail(err, HD_ERR_IO, "interrupted");
	case CURLE_URL_MALFORMAT:
		return hd_fail(err, HD_ERR_USAGE, "not a valid URL");
	default:
		return hd_fail(err, HD_ERR_IO, "%s", why);
	}
}

int hd_fetch(const char *url, const struct hd_limits *lim, struct hd_buf *body,
	     int64_t *when, struct hd_error *err)
{
	char ebuf[CURL_ERROR_SIZE], *full = NULL, why[CURL_ERROR_SIZE + 64];
	double timeout = hd_fetch_timeout(lim);
	struct curl_api c;
	struct timespec now;
	struct sink s;
	CURLcode rc;
	CURL *h;
	int ret = 0;

	hd_buf_init(body, 0);
	if ((ret = curl_open(&c, err)))
		return ret;
	if (lim && lim->seconds) {
		size_t n = strlen(url) + 32;

		full = malloc(n);
		if (!full) {
			dlclose(c.lib);
			return hd_fail(err, HD_ERR_NOMEM, "out of memory");
		}
		snprintf(full, n, "%s%cseconds=%llu", url, strchr(url, '?') ? '&' : '?',
			 (unsigned long long)lim->seconds);
	}
	if (c.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || !(h = c.easy_init())) {
		free(full);
		dlclose(c.lib);
		return hd_fail(err, HD_ERR_NOMEM, "cannot start libcurl (out of memory)");
	}
	memset(&s, 0, sizeof(s));
	s.api = &c;
	s.h = h;
	s.body = body;
	s.max = lim && lim->max_size ? lim->max_size : HD_DEFAULT_MAX_SIZE;
	s.stop = lim ? lim->stop : NULL;
	ebuf[0] = '\0';
	c.easy_setopt(h, CURLOPT_URL, full ? full : url);
	c.easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	c.easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	c.easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	c.easy_setopt(h, CURLOPT_MAXREDIRS, (long)HD_FETCH_REDIRECTS);
	c.easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)(timeout * 1000));
	c.easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	c.easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	c.easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	c.easy_setopt(h, CURLOPT_USERAGENT, "heapdiff");
	c.easy_setopt(h, CURLOPT_ERRORBUFFER, ebuf);
	c.easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	c.easy_setopt(h, CURLOPT_WRITEDATA, &s);
	c.easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
	c.easy_setopt(h, CURLOPT_XFERINFODATA, &s);
	c.easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	clock_gettime(CLOCK_REALTIME, &now);
	if (when)
		*when = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
	rc = c.easy_perform(h);
	if (!s.status)
		c.easy_getinfo(h, CURLINFO_RESPONSE_CODE, &s.status);
	snprintf(why, sizeof(why), "%s", ebuf[0] ? ebuf : c.easy_strerror(rc));
	if (why[0] >= 'A' && why[0] <= 'Z' && !(why[1] >= 'A' && why[1] <= 'Z'))
		why[0] = (char)(why[0] - 'A' + 'a');
	if (s.too_big) {
		char m[64];

		hd_format_size(m, sizeof(m), s.max);
		ret = hd_fail_about(err, HD_ERR_LIMIT, HD_SUBJ_MAX_SIZE,
				    "the response exceeds the size limit of %s", m);
	} else if (s.status && (s.status < 200 || s.status > 299) &&
		   (rc == CURLE_OK || rc == CURLE_WRITE_ERROR)) {
		/* A server error may pass on a retry; a 4xx will not. */
		ret = hd_fail(err, s.status >= 500 ? HD_ERR_IO : HD_ERR_USAGE, "HTTP %ld (%s)",
			      s.status, status_words(s.status));
	} else if (rc == CURLE_WRITE_ERROR && body->failed) {
		ret = hd_fail(err, HD_ERR_NOMEM, "out of memory");
	} else if (rc != CURLE_OK) {
		ret = transfer_error(&c, h, rc, full ? full : url, why, timeout, err);
	} else if (body->len == 0) {
		ret = hd_fail(err, HD_ERR_FORMAT, "the server sent an empty response");
	}
	c.easy_cleanup(h);
	dlclose(c.lib); /* RTLD_NODELETE: stays loaded for the next fetch */
	free(full);
	if (ret)
		hd_buf_release(body);
	return ret;
}

#endif
