/*
 * model.h - the model: frames interned once at the chosen granularity,
 * a pool of distinct stacks, one value column per profile, and the call
 * tree (lib/ and the tests only).
 *
 * Filled by hd_model_add() from any decoded profile (input/input.h);
 * read by the report.  Knows no input or output format.
 */
#ifndef HD_MODEL_H
#define HD_MODEL_H

#include "base/base.h"

struct hd_profile;
struct hd_model;

/* A frame: one node of pprof's graph at the model's granularity. */
struct hd_frame {
	const char *name;     /* printable, as pprof prints it */
	const char *function; /* function name, "" when unknown/aggregated */
	const char *file;     /* cleaned file name, "" when aggregated away */
	int64_t line;
	uint64_t address;
	int app;              /* the user's own code (hd_model_app_rule) */
	/* What holds its objects (hd_profile.held_by: a Java heap dump's
	 * reference chain), from the last profile added that had one; in
	 * the model's arena.  NULL: none. */
	const char *held_by;
};

/* How one profile enters the model. */
struct hd_add_opts {
	size_t sample_index;
	/* Multiply each sample's value by this and round to nearest (ties
	 * away from zero), as pprof -normalize does; 1.0 leaves it alone. */
	double scale;
	/* The profile whose drop_frames/keep_frames apply (pprof applies the
	 * newest profile's to a merged diff); NULL: the profile itself. */
	const struct hd_profile *frames_from;
	/* The paired type (alloc_space beside inuse_space, ...), read from
	 * the same samples into the dense columns only; SIZE_MAX: none. */
	size_t pair_index;
};

int hd_model_new(const struct hd_model_opts *opts, struct hd_model **out,
		 struct hd_error *err);
void hd_model_free(struct hd_model *m);
/* The user's own code for culprits: frames matching the POSIX ERE re;
 * NULL or "": the producer's rule (app.c).  Before the first add. */
int hd_model_set_app(struct hd_model *m, const char *re, struct hd_error *err);

/*
 * Before adding profiles known together (a diff's pair): room in the
 * stack pool for all of their samples at once, so that the second's
 * stacks do not move the pool's arrays (a copy of every stack of the
 * first, into freshly faulted pages: most of a million-stack diff's page
 * faults).  The room past what the stacks use is address space; the
 * hash slots are what the pair reaches anyway.  HD_ERR_NOMEM.
 */
int hd_model_reserve(struct hd_model *m, const struct hd_profile *const *ps, size_t n);

/* Add one profile as the next column; returns its column index or < 0. */
int hd_model_add(struct hd_model *m, const struct hd_profile *p,
		 const struct hd_add_opts *opts, struct hd_error *err);

size_t hd_model_columns(const struct hd_model *m);
size_t hd_model_frame_count(const struct hd_model *m);
const struct hd_frame *hd_model_frame(const struct hd_model *m, uint32_t id);
const struct hd_model_opts *hd_model_options(const struct hd_model *m);

/*
 * Per-frame values of one column, as pprof's graph computes them:
 * flat = value of samples whose leaf is the frame; cum = value of samples
 * whose stack contains the frame, once per sample even under recursion.
 * Valid after hd_model_finish().
 *
 * The first and the last column are dense: hd_model_flat/cum give arrays
 * of hd_model_frame_count().  A column between them is sparse (NULL
 * there): hd_model_sparse() lists the frames it has, by frame id, and
 * hd_model_value() reads any column's value of one frame.  Only the
 * first and the last column keep their samples: the call tree, its self
 * values and hd_model_stack_deltas() are of those two.
 */
const int64_t *hd_model_flat(const struct hd_model *m, size_t col);
const int64_t *hd_model_cum(const struct hd_model *m, size_t col);
void hd_model_value(const struct hd_model *m, size_t col, uint32_t frame,
		    int64_t *flat, int64_t *cum);
/* A sparse column's frames (ascending) and values: their number, or 0
 * for a dense column. */
size_t hd_model_sparse(const struct hd_model *m, size_t col, const uint32_t **frames,
		       const int64_t **flat, const int64_t **cum);
/*
 * Culprits.  Every stack has one: its nearest frame, from the leaf, of
 * the user's own code, or its leaf when no frame is.  A frame's own value
 * is the value of the stacks whose culprit it is (so own, like flat,
 * sums to the total).  hd_model_own() is dense where flat is;
 * hd_model_sparse_own() parallels hd_model_sparse()'s frames.
 */
const int64_t *hd_model_own(const struct hd_model *m, size_t col);
const int64_t *hd_model_sparse_own(const struct hd_model *m, size_t col);
int64_t hd_model_own_value(const struct hd_model *m, size_t col, uint32_t frame);
/* How frames were told to be the user's code: "go", "node", "regex", or
 * "all" (a producer without a rule: every frame is). */
const char *hd_model_app_rule(const struct hd_model *m);
/* The paired type's flat and own values of a dense column; NULL when
 * no profile had it (or col is sparse). */
const int64_t *hd_model_pair_flat(const struct hd_model *m, size_t col);
const int64_t *hd_model_pair_own(const struct hd_model *m, size_t col);

/* Sum of the column's sample values before filters, and of their absolute
 * values (pprof's "total", the denominator of its percentages). */
int64_t hd_model_total(const struct hd_model *m, size_t col);
int64_t hd_model_abs_total(const struct hd_model *m, size_t col);

/*
 * Each distinct stack whose value in column b differs from its value in
 * column a, once, with that difference (b - a, saturating) and its
 * frames root first.  The work is one step per sample of the two
 * columns plus one call per stack.  A non-zero return from cb stops the
 * walk and is returned; HD_ERR_NOMEM when out of memory.
 */
int hd_model_stack_deltas(const struct hd_model *m, size_t a, size_t b,
			  int (*cb)(void *ctx, const uint32_t *frames, uint32_t n,
				    int64_t delta),
			  void *ctx);
/*
 * Each distinct stack of columns a and b, once, with its value in each
 * (summed over its samples, saturating; a == b gives one column twice)
 * and its frames root first, when either is non-zero.  The same work
 * as hd_model_stack_deltas(), with no call tree: folded output is
 * these stacks.
 */
int hd_model_stack_pairs(const struct hd_model *m, size_t a, size_t b,
			 int (*cb)(void *ctx, const uint32_t *frames, uint32_t n,
				   int64_t va, int64_t vb),
			 void *ctx);
/*
 * The same stacks, values and callback, in order by a rank per frame:
 * rank[2 f] for a frame f that ends its stack, rank[2 f + 1] for one its
 * stack goes on past (each rank < nranks), compared element by element
 * from the root, a stack before the stacks it is a prefix of.  Stacks of
 * equal ranks come one after another, in hd_model_stack_pairs()' order.
 * Linear in the stacks' distinguishing prefixes (a radix sort), so the
 * caller need not sort them.  HD_ERR_NOMEM, or what cb returned.
 */
int hd_model_sorted_pairs(const struct hd_model *m, size_t a, size_t b,
			  const uint32_t *rank, uint32_t nranks,
			  int (*cb)(void *ctx, const uint32_t *frames, uint32_t n,
				    int64_t va, int64_t vb),
			  void *ctx);

/*
 * After the last hd_model_add(): put the columns in order (enum hd_order;
 * the model keeps samples of the earliest and the latest profile by time
 * as well as of the first and the last given, so either order has its
 * ends), size every column to every frame, and build the call tree when
 * need_tree (the node accessors below are valid only then).  From here on
 * the model is read-only, and column c is the c-th in the order used.
 * HD_ERR_USAGE when order is time and a profile has no time stamp.
 */
int hd_model_finish(struct hd_model *m, int need_tree, enum hd_order order,
		    struct hd_error *err);
/* The order used, and column col's position among the profiles added. */
enum hd_order hd_model_order_used(const struct hd_model *m);
size_t hd_model_given(const struct hd_model *m, size_t col);
/* 1 when every column has a time stamp and none repeats. */
int hd_model_times_distinct(const struct hd_model *m);
/* 1 when hd_model_finish() built the tree. */
int hd_model_has_tree(const struct hd_model *m);

/*
 * The call tree.  Node 0 is the root (no frame); every other node has a
 * parent with a smaller id, so a reverse scan visits children before
 * parents.  self is the value of samples whose stack ends at the node.
 */
#define HD_NO_FRAME UINT32_MAX
size_t hd_model_node_count(const struct hd_model *m);
uint32_t hd_model_node_parent(const struct hd_model *m, uint32_t n);
uint32_t hd_model_node_frame(const struct hd_model *m, uint32_t n);
int64_t hd_model_node_self(const struct hd_model *m, uint32_t n, size_t col);
/* The same for a walk over every node: the parent and frame arrays
 * (hd_model_node_count() entries) and column col's self values, *nself
 * of them (a node past them has 0).  Read only; valid until the model is
 * freed. */
void hd_model_tree_arrays(const struct hd_model *m, size_t col, const uint32_t **parent,
			  const uint32_t **frame, const int64_t **self, size_t *nself);
/* 1 when an ancestor of node n has the same frame (recursion). */
int hd_model_node_recursive(const struct hd_model *m, uint32_t n);
/* Subtree sums of self for one column, into out[hd_model_node_count()]. */
void hd_model_node_totals(const struct hd_model *m, size_t col, int64_t *out);

/*
 * The call tree's stacks, without the tree (flame graphs lay the tree out
 * from these in a few passes of memory proportional to the stacks, not to
 * the nodes): every distinct stack any column holds, once, in ids[0 .. n),
 * sorted root first frame id by frame id, a prefix before its
 * extensions.  A walk that makes a node for every (prefix, frame) it has
 * not met just before meets the nodes of hd_model_finish()'s tree in id
 * order.  Per sorted stack i (stack ids[i]): va[i], vb[i], its value in
 * columns a and b, its samples summed (saturating) in their order: the
 * self value of the stack's last node; depth[i], its frames; lcp[i], the
 * frames it shares with stack i - 1 from the root (0 for the first).
 * Reads only; any model, with or without the tree.
 */
struct hd_tree_stacks {
	size_t n;
	uint32_t *ids;
	int64_t *va, *vb;
	uint32_t *lcp, *depth;
};
int hd_model_tree_stacks(const struct hd_model *m, size_t a, size_t b,
			 struct hd_tree_stacks *out);
void hd_tree_stacks_release(struct hd_tree_stacks *s);
/* Stack id's frames, root first, *n of them; valid until the model is freed. */
const uint32_t *hd_model_stack_frames(const struct hd_model *m, uint32_t id, uint32_t *n);

/* pprof's filepath.Clean of a file name, into the arena. */
char *hd_clean_path(struct hd_arena *a, const char *path);

/*
 * Each distinct stack of column col (the first or the last: only they
 * keep samples) whose value there is not zero, once, with that value
 * (saturating) and its frames root first: hd_model_stack_deltas() of one
 * column, for writing a profile back (render/pprof.c).  The same cost,
 * stop rule and HD_ERR_NOMEM.
 */
int hd_model_stack_values(const struct hd_model *m, size_t col,
			  int (*cb)(void *ctx, const uint32_t *frames, uint32_t n,
				    int64_t value),
			  void *ctx);

#endif
