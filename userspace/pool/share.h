/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The pool's objects as an agent keeps them between two changes
 * (Documentation/pool-design.rst, "What a change costs an agent").
 *
 * Each object key of the store is parsed once, when it changes, and filed
 * by name and under every name it refers to. A change checks again only
 * the objects whose check could answer differently: the object, those
 * that name it (a VIF names its network, VM and policy; a network and a
 * VM their policy), the VIFs a policy governs through their network or
 * VM, and the objects sharing a value that must be unique (a VIF's MAC or
 * exact interface name, a network's tunnel identifier). A change to one
 * policy of a pool of 100,000 VIFs parses one object and checks the few
 * it governs, not the pool.
 *
 * The checks are check.c's, object by object; what needs all objects of a
 * kind at once (uniqueness) is kept here by the indexes, with the same
 * words. A store's keys are unique, so no name is defined twice.
 */
#ifndef NPMGR_POOL_SHARE_H
#define NPMGR_POOL_SHARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct share_model;

struct share_model *share_new(void);
void share_free(struct share_model *m);

/*
 * The object key @key (POOL_PREFIX "objects/KIND/NAME") holds @value
 * (@len bytes) now, or nothing (@value NULL: deleted). False if that
 * changes nothing (the same text again, or a key it did not hold).
 */
bool share_put(struct share_model *m, const char *key, const char *value,
	       size_t len);

struct share_check {
	size_t checked;		/* objects checked again */
	size_t bad_keys;	/* keys not holding exactly their one object */
	size_t failing;		/* objects with a problem (bad keys included) */
};

/*
 * Check again what the puts since the last call can have changed. The
 * problems found in the objects checked (each "KEY:LINE:COL: error: ...",
 * and "npmgr: pool: KEY does not hold exactly the one object its key
 * names") go to @out if it is not NULL; the counts are for the whole
 * share: it checks when failing is 0.
 */
struct share_check share_check(struct share_model *m, FILE *out);

/* How many objects (good keys) it holds. */
size_t share_count(const struct share_model *m);

/* Print its objects as a policy file, in key order. */
void share_print(const struct share_model *m, FILE *f);

#endif
