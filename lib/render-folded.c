/*
 * render-folded.c - folded stacks for flamegraph.pl, inferno, speedscope.
 */
#include "render.h"

int hd_render_folded(const struct hd_report *r, const struct hd_render_opts *o,
		     struct hd_buf *b)
{
	return hd_render_text(r, o, b);
}
