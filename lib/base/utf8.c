/*
 * utf8.c - the UTF-8 facts every room that shows a profile's strings
 * needs: where a valid sequence ends, its code point, and which code
 * points must never be written raw.  Owns nothing.
 */
#include "base/base.h"

/* Length of the valid UTF-8 sequence at s, or 0 when invalid (overlong
 * forms, surrogates, past U+10FFFF, cut short by the NUL). */
size_t hd_utf8_len(const unsigned char *s)
{
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		return (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (s[0] >= 0xe0 && s[0] <= 0xef) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f))
			return 0;
		return 3;
	}
	if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80)
			return 0;
		if ((s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f))
			return 0;
		return 4;
	}
	return 0;
}

/* The code point of the valid k-byte sequence at s. */
uint32_t hd_utf8_cp(const unsigned char *s, size_t k)
{
	static const unsigned char lead[5] = {0, 0x7f, 0x1f, 0x0f, 0x07};
	uint32_t cp = s[0] & lead[k];
	size_t i;

	for (i = 1; i < k; i++)
		cp = cp << 6 | (s[i] & 0x3f);
	return cp;
}

/*
 * Code points no report writes raw: C0 controls, DEL and C1 controls
 * (a terminal acts on them: ESC and CSI sequences, OSC titles), and
 * Unicode's Bidi_Control set (ALM, LRM, RLM, the embeddings and
 * overrides U+202A..U+202E, the isolates U+2066..U+2069), which reorder
 * the text around them so a name reads as something else.  The renderers
 * (lib/render/cells.c) and the messages (error.c) make them visible.
 */
int hd_utf8_hidden(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x061c || cp == 0x200e ||
	       cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

