/*
 * formats.h - the cells of render.c's renderer table: each format file's
 * entry points, one per command it renders (lib/render/ only).
 *
 * Each takes a finished, const report and appends the whole output to b;
 * it returns 0, HD_ERR_NOMEM or HD_ERR_LIMIT (b past its cap), and may
 * leave a partial output behind, which hd_render() takes back.  A format
 * file includes this header for its own prototypes and calls no other
 * format's functions: what two formats share is in render.h.
 */
#ifndef HD_FORMATS_H
#define HD_FORMATS_H

#include "engine/report.h"

typedef int hd_render_fn(const struct hd_report *r, const struct hd_render_opts *o,
			 struct hd_buf *b);

/* text.c: aligned columns for a terminal, optional ANSI colour. */
hd_render_fn hd_text_top, hd_text_diff, hd_text_trend;
/* markdown.c: GitHub-flavoured Markdown for CI reports. */
hd_render_fn hd_markdown_top, hd_markdown_diff, hd_markdown_trend;
/* json.c: the heapdiff/1 schema. */
hd_render_fn hd_json_top, hd_json_diff, hd_json_trend;
/* folded.c: folded stacks of the first and last column, any command. */
hd_render_fn hd_folded_stacks;
/* svg.c: the flame graph as a document, any command. */
hd_render_fn hd_svg_document;
/* html.c: the trend as one self-contained page. */
hd_render_fn hd_html_trend;
/* pprof.c: gzip profile.proto of the profile (top) or the delta, any command. */
hd_render_fn hd_pprof_profile;

#endif
