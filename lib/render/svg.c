/*
 * svg.c - heapdiff's flame graph as a standalone SVG document: of the one
 * profile (top), of NEW against BASE (diff), of the last profile against
 * the first (trend).
 *
 * The graph itself (layout, colours, script) is the shared module's
 * flame.c, because html.c inlines the same graph in its page; this file
 * makes it a document.
 */
#include "render/formats.h"
#include "render/render.h"

int hd_svg_document(const struct hd_report *r, const struct hd_render_opts *o,
		    struct hd_buf *b)
{
	hd_buf_puts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n");
	return hd_flame_graph(r, o, b);
}
