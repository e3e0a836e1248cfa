/*
 * render-markdown.c - GitHub-flavoured Markdown for CI reports.
 */
#include "render.h"

int hd_render_markdown(const struct hd_report *r, const struct hd_render_opts *o,
		       struct hd_buf *b)
{
	return hd_render_text(r, o, b);
}
