/*
 * sniff.c - clear words for the wrong file.  Not a format: a decoder
 * entry whose sniff() knows what people save by mistake instead of a
 * heap profile (an HTML page, an HTTP error body, JSON, Go's other debug
 * profiles, a Java heap dump, perf.data, the program itself, ...) and
 * whose decode() fails with HD_ERR_FORMAT and one message saying what
 * the file looks like and what to fetch instead.  Without it, all of
 * these reach pprof.c and read as "malformed protobuf at byte 0".
 *
 * Owns nothing; reads the inflated bytes only.  It sits after every
 * decoder of a text format (it claims all the text they leave) and
 * before pprof, and it must never claim a profile pprof.c would read.
 * So it claims two kinds of input only:
 *  - text without a NUL byte anywhere: every profile pprof.c accepts has
 *    one, as its string table must start with "" (encoded 0x32 0x00, and
 *    any varint of 0 ends in a 0x00 byte); and whose first 4 KiB are
 *    UTF-8 with no control bytes but tab, newline, carriage return and
 *    escape, and not all white space: binary junk keeps pprof.c's
 *    message;
 *  - a few binary magics, each of which pprof.c refuses at its first
 *    bytes (tests/gotext-unit.c checks it): "PERFILE2" ('P' is field 10,
 *    duration_nanos, a varint; 'R' is then field 10 with wire type 2),
 *    ELF's
 *    0x7f (wire type 7), "go 1." ('g': wire type 7), "HTTP/1." ('H' field
 *    9, varint 'T', then 'T': wire type 4).
 * Costs: one memchr() over the input, the rest within its first 4 KiB.
 */
#include <stdio.h>
#include <string.h>

#include "input/input.h"

#define HEAD ((size_t)4096)

static int ci_prefix(const unsigned char *s, size_t n, const char *pre)
{
	size_t i, k = strlen(pre);

	if (n < k)
		return 0;
	for (i = 0; i < k; i++) {
		unsigned char c = s[i];

		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		if (c != (unsigned char)pre[i])
			return 0;
	}
	return 1;
}

static int prefix(const unsigned char *s, size_t n, const char *pre)
{
	return n >= strlen(pre) && memcmp(s, pre, strlen(pre)) == 0;
}

/* 1 when s[0..n) holds needle (n is at most HEAD: no quadratic cost). */
static int contains(const unsigned char *s, size_t n, const char *needle)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (prefix(s + i, n - i, needle))
			return 1;
	return 0;
}

/* The binary files that are no profile; NULL for others. */
static const char *binary_kind(const unsigned char *d, size_t n)
{
	if (prefix(d, n, "PERFILE2") || prefix(d, n, "2ELIFREP"))
		return "a perf.data file (Linux perf), not a pprof profile: convert it with perf_to_profile";
	if (prefix(d, n, "\x7f" "ELF"))
		return "an ELF executable or library, not a profile (heapdiff needs the profile alone, no binary)";
	if (prefix(d, n, "go 1.") && contains(d, n < 16 ? n : 16, " trace"))
		return "a Go execution trace (/debug/pprof/trace), not a heap profile: fetch /debug/pprof/heap";
	if (prefix(d, n, "HTTP/1.") || prefix(d, n, "HTTP/2"))
		return "an HTTP response with its headers, not a profile (curl -i? save the body alone: curl -o FILE URL)";
	return NULL;
}

/* Bytes of the UTF-8 sequence at s (at most n), 0 when it is not one;
 * a sequence cut by the end of the window (cut) counts as one. */
static size_t utf8_len(const unsigned char *s, size_t n, int cut)
{
	size_t k, i;

	if (s[0] < 0x80)
		return 1;
	k = s[0] >= 0xc2 && s[0] <= 0xdf ? 2 : s[0] >= 0xe0 && s[0] <= 0xef ? 3 :
	    s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : 0;
	for (i = 1; i < k; i++)
		if (i == n)
			return cut ? n : 0;
		else if ((s[i] & 0xc0) != 0x80)
			return 0;
	return k;
}

/* No NUL anywhere; in the first HEAD bytes, UTF-8 with no control bytes
 * but tab, newline, carriage return and escape, and something besides
 * white space. */
static int is_text(const unsigned char *d, size_t n)
{
	size_t i, k, m = n < HEAD ? n : HEAD;
	int visible = 0;

	if (n == 0 || memchr(d, 0, n))
		return 0;
	for (i = 0; i < m; i += k) {
		if ((d[i] < 0x20 && d[i] != '\t' && d[i] != '\n' && d[i] != '\r' && d[i] != 0x1b) ||
		    d[i] == 0x7f || !(k = utf8_len(d + i, m - i, m < n)))
			return 0;
		visible |= d[i] > ' ';
	}
	return visible;
}

/* The first line at s (n bytes on), as a quoted string for a message:
 * printable ASCII only (others as '?'), '"' and '\\' escaped, at most
 * 60 bytes. */
static void first_line(char *out, size_t osz, const unsigned char *s, size_t n)
{
	size_t i, k = 0;

	out[k++] = '"';
	for (i = 0; i < n && s[i] != '\n' && s[i] != '\r'; i++) {
		if (k + 7 >= osz || i == 60) {
			memcpy(out + k, "...", 3);
			k += 3;
			break;
		}
		if (s[i] == '"' || s[i] == '\\')
			out[k++] = '\\';
		out[k++] = s[i] >= 0x20 && s[i] < 0x7f ? (char)s[i] : '?';
	}
	out[k++] = '"';
	out[k] = '\0';
}

/* "NAME profile: total N" (runtime/pprof's printCountProfile): the name
 * into name[], or 0. */
static int count_profile(const unsigned char *s, size_t n, char *name, size_t nsz)
{
	size_t i = 0;

	while (i < n && i + 1 < nsz && ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
					(s[i] >= '0' && s[i] <= '9') || (s[i] && strchr("._-/", s[i]))))
		i++;
	if (i == 0 || !prefix(s + i, n - i, " profile: total "))
		return 0;
	memcpy(name, s, i);
	name[i] = '\0';
	return 1;
}

/* Go's debug text of endpoints other than the heap's; 0 for others. */
static int go_text_kind(const unsigned char *s, size_t n, char *msg, size_t msz)
{
	const char *fetch = "not a heap profile: fetch /debug/pprof/heap";
	char name[40];
	size_t i;

	if (prefix(s, n, "goroutine ")) {
		for (i = 10; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			;
		if (i > 10 && prefix(s + i, n - i, " [")) {
			snprintf(msg, msz, "Go's goroutine dump (?debug=2), %s", fetch);
			return 1;
		}
	}
	if (count_profile(s, n, name, sizeof(name))) {
		snprintf(msg, msz, "Go's %s profile as text (?debug=1), %s", name, fetch);
		return 1;
	}
	if (prefix(s, n, "--- contention:") || prefix(s, n, "--- mutex:")) {
		snprintf(msg, msz, "Go's %s profile as text (?debug=1), %s",
			 s[4] == 'c' ? "block" : "mutex", fetch);
		return 1;
	}
	if (prefix(s, n, "num_symbols:")) {
		snprintf(msg, msz, "Go's symbol lookup reply (/debug/pprof/symbol), not a profile: fetch /debug/pprof/heap");
		return 1;
	}
	if (prefix(s, n, "panic: ") || prefix(s, n, "fatal error: ")) {
		snprintf(msg, msz, "a Go panic or crash log, not a profile");
		return 1;
	}
	return 0;
}

/* Text that is no profile: what it looks like, into msg. */
static void text_kind(const unsigned char *d, size_t n, char *msg, size_t msz)
{
	const unsigned char *s = d;
	size_t m, lines = 0, i;
	char q[136];

	if (prefix(s, n, "\xef\xbb\xbf"))
		s += 3;
	while (s < d + n && *s && strchr(" \t\n\r\f\v", *s))
		s++;
	m = (size_t)(d + n - s);
	if (prefix(s, m, "<?xml")) {
		snprintf(msg, msz, "an XML document, not a profile (an error reply? fetch /debug/pprof/heap)");
	} else if (*s == '<') {
		snprintf(msg, msz, "an HTML page, not a profile (%s)",
			 contains(s, m < HEAD ? m : HEAD, "/debug/pprof/") ?
			 "fetch /debug/pprof/heap, not the /debug/pprof/ index" :
			 "a login or error page? fetch /debug/pprof/heap from the program itself");
	} else if (*s == '{' || *s == '[') {
		if (ci_prefix(s, m, "{\"snapshot\":"))
			snprintf(msg, msz, "a V8 heap snapshot, not a pprof profile (Node.js: take a heap profile with the pprof package)");
		else if (contains(s, m < HEAD ? m : HEAD, "\"memstats\":"))
			snprintf(msg, msz, "Go's expvar JSON (/debug/vars), not a heap profile: fetch /debug/pprof/heap");
		else
			snprintf(msg, msz, "JSON, not a profile (heapdiff reads pprof heap profiles: fetch /debug/pprof/heap)");
	} else if (!go_text_kind(s, m, msg, msz)) {
		for (i = 0; i < m && lines <= 4; i++)
			lines += s[i] == '\n';
		first_line(q, sizeof(q), s, m);
		if (prefix(s, m, "404 page not found"))
			snprintf(msg, msz, "a \"404 page not found\" reply, not a profile (is net/http/pprof imported? fetch /debug/pprof/heap)");
		else if (prefix(s, m, "Unknown profile"))
			snprintf(msg, msz, "net/http/pprof's \"Unknown profile\" reply, not a profile (fetch /debug/pprof/heap)");
		else if (m <= 512 && lines <= 4)
			snprintf(msg, msz, "a short text, not a profile (an error reply?): %s", q);
		else
			snprintf(msg, msz, "text, not a profile (it begins %s)", q);
	}
}

/* 1 and what it is into msg, or 0 when the bytes may be a profile. */
static int classify(const unsigned char *d, size_t n, char *msg, size_t msz)
{
	const char *b = binary_kind(d, n);

	if (b) {
		snprintf(msg, msz, "%s", b);
		return 1;
	}
	if (!is_text(d, n))
		return 0;
	text_kind(d, n, msg, msz);
	return 1;
}

static int wrong_sniff(const unsigned char *data, size_t len)
{
	char msg[256];

	return classify(data, len, msg, sizeof(msg));
}

static int wrong_decode(struct hd_profile *p, const struct hd_limits *lim,
			struct hd_error *err)
{
	char msg[256];

	(void)lim;
	if (!classify(p->data, p->len, msg, sizeof(msg)))
		return hd_fail(err, HD_ERR_FORMAT, "not a profile heapdiff can read");
	return hd_fail(err, HD_ERR_FORMAT, "%s", msg);
}

static int wrong_next(const struct hd_profile *p, struct hd_sample_iter *it,
		      uint32_t *locs, int64_t *values, struct hd_psample *out)
{
	(void)p, (void)it, (void)locs, (void)values, (void)out;
	return 0; /* never reached: decode always fails */
}

const struct hd_decoder hd_decoder_wrong_file = {
	"wrong-file", wrong_sniff, wrong_decode, wrong_next, NULL,
};
