/*
 * units.c - sizes as people type them ("64KiB", "1.5m", "100"): the one
 * grammar of --max-size, --min-delta, --min-growth and the limits of
 * --fail-on rules (hd_rule_parse), documented once under UNITS in
 * man/heapdiff.1.
 *
 * Owns nothing and reads no locale: the decimal point is '.' whatever
 * LC_NUMERIC says, so a rule means the same in every environment.
 *
 * A fraction of a byte is refused, not rounded: "--min-growth 0.05" is
 * someone who forgot a unit (or meant 5%), and rounding made it a floor
 * of 0 B without a word.  With a larger unit the fraction is fine
 * ("1.5KiB") and rounds to the nearest byte.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>

#include "base/base.h"

/* Every unit is a power of 1024; KB as pprof prints it, not 1000. */
static const struct {
	const char *name; /* lower case; matched without regard to case */
	unsigned shift;
} units[] = {
	{"", 0}, {"b", 0},
	{"k", 10}, {"kb", 10}, {"kib", 10},
	{"m", 20}, {"mb", 20}, {"mib", 20},
	{"g", 30}, {"gb", 30}, {"gib", 30},
	{"t", 40}, {"tb", 40}, {"tib", 40},
};

/* s equals name (lower case) but for the case of ASCII letters. */
static int unit_is(const char *s, const char *name)
{
	for (; *s && *name; s++, name++) {
		char c = *s >= 'A' && *s <= 'Z' ? (char)(*s - 'A' + 'a') : *s;

		if (c != *name)
			return 0;
	}
	return *s == *name;
}

int hd_parse_size(const char *s, uint64_t *out, struct hd_error *err)
{
	const uint64_t max = INT64_MAX;
	const char *p = s, *int_end, *frac, *end;
	uint64_t whole = 0, mult, part;
	double f = 0;
	size_t i;

	/* NUMBER: digits, optionally a point and more digits; one digit at least. */
	for (; *p >= '0' && *p <= '9'; p++) {
		if (whole > (max - (uint64_t)(*p - '0')) / 10)
			return HD_ERR_USAGE;
		whole = whole * 10 + (uint64_t)(*p - '0');
	}
	int_end = frac = end = p;
	if (*p == '.') {
		frac = ++p;
		while (*p >= '0' && *p <= '9')
			p++;
		end = p;
	}
	if (int_end == s && end == frac)
		return HD_ERR_USAGE; /* no digit: "", ".", "MiB" */
	/* Spaces between the number and a unit, as heapdiff prints sizes. */
	while (*p == ' ' && p[1])
		p++;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (unit_is(p, units[i].name) && (units[i].name[0] || p == end))
			break;
	if (i == sizeof(units) / sizeof(units[0]))
		return HD_ERR_USAGE;
	if (units[i].shift == 0) {
		const char *d;

		for (d = frac; d < end && *d == '0'; d++)
			;
		if (d < end) /* "0.5", "1.5 B": the number as typed, with a unit */
			return hd_fail(err, HD_ERR_USAGE,
				       "not a whole number of bytes; give %s unit, e.g. %.*s%s",
				       units[i].name[0] ? "a larger" : "a", (int)(end - s), s,
				       units[i].name[0] ? "KiB" : "MiB");
	}
	mult = (uint64_t)1 << units[i].shift;
	if (whole > max / mult)
		return HD_ERR_USAGE;
	/* The fraction, last digit first (Horner), rounded to whole bytes. */
	while (end > frac)
		f = (f + (double)(*--end - '0')) / 10;
	part = (uint64_t)llround(f * (double)mult);
	if (part > max - whole * mult)
		return HD_ERR_USAGE;
	*out = whole * mult + part;
	return 0;
}

void hd_format_size(char *out, size_t n, uint64_t v)
{
	if (v >= ((uint64_t)1 << 30) && v % ((uint64_t)1 << 30) == 0)
		snprintf(out, n, "%llu GiB", (unsigned long long)(v >> 30));
	else if (v >= ((uint64_t)1 << 20) && v % ((uint64_t)1 << 20) == 0)
		snprintf(out, n, "%llu MiB", (unsigned long long)(v >> 20));
	else if (v >= 1024 && v % 1024 == 0)
		snprintf(out, n, "%llu KiB", (unsigned long long)(v >> 10));
	else
		snprintf(out, n, "%llu bytes", (unsigned long long)v);
}
