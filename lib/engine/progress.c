/*
 * progress.c - the few facts of a finished report that a progress line
 * shows (heapdiff watch): a column's total and the suspects by culprit.
 * Reads the report only; the renderers print the same facts from the
 * same fields (a suspect's culprit as render/cells.c's hd_row_culprit
 * takes it: a frame of the model carrying part of the row's change).
 */
#include <string.h>

#include "engine/model.h"
#include "engine/report.h"

int64_t hd_report_total(const struct hd_report *r, size_t i)
{
	return i < r->ncols ? r->cols[i].total : 0;
}

const char *hd_report_sample_unit(const struct hd_report *r)
{
	return r->sample_unit ? r->sample_unit : "";
}

size_t hd_report_culprits(const struct hd_report *r, const char **out, size_t max,
			  size_t *nsuspects)
{
	size_t i, k, n = 0, nframes = hd_model_frame_count(r->model);

	if (nsuspects)
		*nsuspects = r->nsuspects;
	for (i = 0; i < r->nsuspects && n < max; i++) {
		const struct hd_row *row = r->suspects[i];
		uint32_t f = row->frame;
		const char *name;

		if (row->culprit != HD_NO_FRAME && row->culprit < nframes &&
		    row->culprit_share > 0)
			f = row->culprit;
		name = hd_model_frame(r->model, f)->name;
		for (k = 0; k < n && strcmp(out[k], name); k++)
			;
		if (k == n)
			out[n++] = name;
	}
	return n;
}
