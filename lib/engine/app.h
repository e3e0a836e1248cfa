/*
 * app.h - which frames are the user's own code, for culprits (lib/ and
 * the tests only).  The rule depends on the producer of the profile,
 * told from its contents once; --app REGEX overrides it.
 */
#ifndef HD_APP_H
#define HD_APP_H

#include "base/base.h"

struct hd_profile;

enum hd_app_kind {
	HD_APP_UNDECIDED,
	HD_APP_ALL,    /* a producer without a rule: every frame is the user's */
	HD_APP_GO,     /* outside the runtime and the standard library */
	HD_APP_NODE,   /* outside node: internals and V8's pseudo-frames */
	HD_APP_JAVA,   /* a heap dump's classes outside the JDK */
	HD_APP_REGEX,  /* frames whose name matches --app */
};

/* The producer's rule for profile p: Java for a heap dump (hprof.c), Go
 * when a function's file ends in ".go", Node when one is a node:
 * internal or a .js/.mjs/.cjs file, else all. */
enum hd_app_kind hd_app_detect(const struct hd_profile *p);
/* "go", "node", "java", "regex", "all". */
const char *hd_app_kind_name(enum hd_app_kind k);
/* 1 when a frame of this function (may be "") and file (may be "") is
 * the user's own code under rule k (not HD_APP_REGEX: the model matches
 * that itself). */
int hd_app_is_user(enum hd_app_kind k, const char *function, const char *file);

#endif
