/*
 * error.c - status names and the caller's message buffer (struct hd_error).
 *
 * Owns nothing; every fallible lib/ function ends in hd_fail().
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/base.h"

const char *hd_status_str(int code)
{
	switch (code) {
	case HD_OK: return "success";
	case HD_ERR_NOMEM: return "out of memory";
	case HD_ERR_IO: return "i/o error";
	case HD_ERR_FORMAT: return "not a profile";
	case HD_ERR_INVALID: return "invalid profile";
	case HD_ERR_LIMIT: return "limit exceeded";
	case HD_ERR_USAGE: return "bad option";
	case HD_ERR_INCOMPATIBLE: return "incompatible profiles";
	}
	return "unknown error";
}

const char *hd_strerror(int errnum)
{
	static _Thread_local char buf[128];
	const char *s = strerror(errnum);

	snprintf(buf, sizeof(buf), "%s", s);
	if (buf[0] >= 'A' && buf[0] <= 'Z' && !(buf[1] >= 'A' && buf[1] <= 'Z'))
		buf[0] = (char)(buf[0] - 'A' + 'a');
	return buf;
}

/*
 * Messages quote names from the profile and the command line, which may
 * hold newlines, terminal escapes, bidi overrides and invalid UTF-8; the
 * front end prints them to a terminal.  So a message is one line of
 * valid UTF-8 with every hidden code point visible, by the rule of
 * lib/render/render.h's hd_put_clean (HD_CLEAN_TEXT): invalid bytes as
 * U+FFFD, C0 controls, DEL, C1 controls and the bidi controls (U+061C,
 * U+200E, U+200F, U+202A..U+202E, U+2066..U+2069) as "\u202e".  lib/base
 * cannot call lib/render, so the rule is written here too;
 * tests/display.c checks that the two agree.  A message that does not fit
 * ends in "…" after its last whole character.
 */



/* raw, made visible, into out[0..n) (n > 3), NUL-terminated. */
static void visible(char *out, size_t n, const char *raw)
{
	const unsigned char *s = (const unsigned char *)raw;
	size_t len = 0;

	while (*s) {
		size_t k = hd_utf8_len(s);
		uint32_t cp = k ? hd_utf8_cp(s, k) : s[0];
		char u[8];
		const char *add = u;
		size_t m;

		if (k == 0 || cp == 0xfffe || cp == 0xffff) {
			add = "\xef\xbf\xbd";
			m = 3;
		} else if (hd_utf8_hidden(cp)) {
			snprintf(u, sizeof(u), "\\u%04x", (unsigned)cp);
			m = 6;
		} else {
			add = (const char *)s;
			m = k;
		}
		/* Room for this and, unless it is the last, a "…" after it. */
		if (len + m + (s[k ? k : 1] ? 3 : 0) >= n) {
			memcpy(out + len, "\xe2\x80\xa6", 3);
			len += 3;
			break;
		}
		memcpy(out + len, add, m);
		len += m;
		s += k ? k : 1;
	}
	out[len] = '\0';
}

int hd_vfail(struct hd_error *err, int code, const char *fmt, va_list ap)
{
	if (err) {
		char raw[2048];
		int n;

		err->code = code;
		err->subject = HD_SUBJ_NONE;
		n = vsnprintf(raw, sizeof(raw), fmt, ap);
		/* Cut short, the last character may be cut too: drop it. */
		if (n >= (int)sizeof(raw)) {
			size_t end = sizeof(raw) - 1;

			while (end > 0 && ((unsigned char)raw[end - 1] & 0xc0) == 0x80)
				end--;
			if (end > 0 && (unsigned char)raw[end - 1] >= 0xc0)
				raw[end - 1] = '\0';
		}
		visible(err->msg, sizeof(err->msg), n < 0 ? "" : raw);
	}
	return code;
}

int hd_fail(struct hd_error *err, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	hd_vfail(err, code, fmt, ap);
	va_end(ap);
	return code;
}

int hd_fail_about(struct hd_error *err, int code, enum hd_subject subject,
		  const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	hd_vfail(err, code, fmt, ap);
	va_end(ap);
	if (err)
		err->subject = subject;
	return code;
}
