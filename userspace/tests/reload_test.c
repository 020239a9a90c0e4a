// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of what a reload keeps (reload.c): a base text and one
 * patch. A seeded random walk edits a text of one-line blocks again and
 * again; each step finds the region that changed in the kept text read in
 * its pieces (base, patch, base), folds it into the patch, and the base
 * with the new patch must be the new text, byte for byte. A step whose
 * patch would pass a quarter of the text starts a new base, as a reload
 * writes one. Prints "N passed, N failed"; non-zero exit on any failure.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../reload.h"
#include "expect.h"

#define STEPS 4000
#define LINES 60

/* A growable byte string. */
struct buf {
	char *p;
	size_t len;
};

static void put(struct buf *b, const char *s, size_t n)
{
	b->p = realloc(b->p, b->len + n + 1);
	if (!b->p)
		abort();
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/* Block @i of a text: a line of a length the seed picks. */
static void block(struct buf *b, unsigned int i, unsigned int r)
{
	char line[96];
	int n = snprintf(line, sizeof(line), "vif v%u { ifname = t%u%.*s }\n",
			 i, r % 1000, (int)(r % 40), "........................................");

	put(b, line, (size_t)n);
}

/* The block starts of @t: where each line starts. */
static uint32_t *line_starts(const char *t, size_t len, size_t *n)
{
	uint32_t *s = calloc(len + 1, sizeof(*s));
	size_t i;

	if (!s)
		abort();
	*n = 0;
	for (i = 0; i < len; i++)
		if (!i || t[i - 1] == '\n')
			s[(*n)++] = (uint32_t)i;
	return s;
}

static void walk(unsigned int seed)
{
	struct buf base = { 0 }, patch = { 0 }, old = { 0 }, new = { 0 };
	struct reload_patch was = { 0 }, np;
	struct reload_region rg;
	unsigned int i, step, lines = LINES, from, count, add, bases = 0;
	unsigned int patched = 0;
	struct reload_text kt;
	size_t n_blocks;
	uint32_t *starts;
	bool ok = true;

	srand(seed);
	for (i = 0; i < lines; i++)
		block(&base, i, (unsigned int)rand());
	for (step = 0; step < STEPS && ok; step++) {
		/* the kept text, in its pieces, and as one string */
		kt = (struct reload_text){ .p = { base.p }, .n = { base.len },
					   .len = base.len };
		if (was.any)
			kt = (struct reload_text){
				.p = { base.p, patch.p, base.p + was.b },
				.n = { was.a, was.len, base.len - was.b },
				.len = was.a + was.len + base.len - was.b,
			};
		old.len = 0;
		for (i = 0; i < 3; i++)
			put(&old, kt.p[i] ? kt.p[i] : "", kt.n[i]);
		/* an edit: some lines replaced by others, or none */
		starts = line_starts(old.p, old.len, &n_blocks);
		from = (unsigned int)rand() % (unsigned int)(n_blocks + 1);
		count = (unsigned int)rand() % 3;
		if (from + count > n_blocks)
			count = (unsigned int)n_blocks - from;
		add = (unsigned int)rand() % 3;
		if (n_blocks - count + add < 2)
			add = 2;
		new.len = 0;
		put(&new, old.p, from < n_blocks ? starts[from] : old.len);
		for (i = 0; i < add; i++)
			block(&new, from + i, (unsigned int)rand());
		if (from + count < n_blocks)
			put(&new, old.p + starts[from + count],
			    old.len - starts[from + count]);
		ok = !reload_region(&kt, starts, n_blocks, new.p, new.len, &rg);
		if (!ok)
			EXPECT(0, "seed %u step %u: no region", seed, step);
		ok = ok && rg.a <= rg.re_old && rg.re_old <= old.len &&
		     !memcmp(old.p, new.p, rg.a) &&
		     !memcmp(old.p + rg.re_old, new.p + rg.re_new,
			     old.len - rg.re_old);
		if (!ok)
			EXPECT(0, "seed %u step %u: a difference outside [%zu, %zu)",
			       seed, step, rg.a, rg.re_old);
		free(starts);
		if (!ok)
			break;
		if (rg.a == old.len && old.len == new.len)
			continue;		/* the same text: nothing kept anew */
		reload_fold(&was, &rg, old.len, new.len, &np);
		if (np.len > new.len / 4) {
			/* a new base, as reload_remember() writes */
			base.len = 0;
			put(&base, new.p, new.len);
			was = (struct reload_patch){ 0 };
			bases++;
			continue;
		}
		patch.len = 0;
		put(&patch, new.p + np.a, np.len);
		was = np;
		patched++;
		/* the base and the new patch give the new text */
		old.len = 0;
		put(&old, base.p, np.a);
		put(&old, patch.p ? patch.p : "", np.len);
		put(&old, base.p + np.b, base.len - np.b);
		ok = np.a <= np.b && np.b <= base.len && old.len == new.len &&
		     !memcmp(old.p, new.p, new.len);
		if (!ok)
			EXPECT(0, "seed %u step %u: base[0, %zu) + patch (%zu) + base[%zu, %zu) is not the new text",
			       seed, step, np.a, np.len, np.b, base.len);
	}
	EXPECT(ok, "seed %u: stopped at step %u", seed, step);
	EXPECT(patched > STEPS / 4 && bases > 10,
	       "seed %u: %u patched, %u new bases: the walk tests too little",
	       seed, patched, bases);
	free(base.p);
	free(patch.p);
	free(old.p);
	free(new.p);
}

int main(void)
{
	unsigned int seed;

	for (seed = 1; seed <= 8; seed++)
		walk(seed);
	return test_summary();
}
