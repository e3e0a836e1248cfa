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

int hd_vfail(struct hd_error *err, int code, const char *fmt, va_list ap)
{
	if (err) {
		char *p;

		err->code = code;
		err->subject = HD_SUBJ_NONE;
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		/* One line, fit for a terminal: messages quote names from
		 * the profile, which may hold newlines and escapes. */
		for (p = err->msg; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				*p = ' ';
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
