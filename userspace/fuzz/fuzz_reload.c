// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for what a reload computes from two texts (reload.c):
 * the input is an old text, a 0xff byte, and a new text. The old text's
 * block starts come from its parse (as a load records them, however far
 * the parse got). Whatever the texts, reload_region() must keep to both
 * texts' bounds, the bytes outside its region must be the same in both,
 * the old text read in three pieces (as a base and its patch are) must
 * give what it gives read whole, and the regions must parse or fail
 * without crashing.
 */

#include <stdlib.h>
#include <string.h>

#include "../config.h"
#include "../reload.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *cut = memchr(data, 0xff, size);
	struct np_config old_cfg, a, b;
	struct np_diags d = { 0 };
	struct reload_region rg, rg3;
	struct reload_text whole, three;
	const char *old, *new;
	size_t n_old, n_new, c1, c2;
	int r;

	if (!cut)
		return 0;
	old = (const char *)data;
	n_old = (size_t)(cut - data);
	new = (const char *)cut + 1;
	n_new = size - n_old - 1;
	config_parse_packed("old", old, n_old, &old_cfg, &d);
	diags_free(&d);
	whole = (struct reload_text){ .p = { old }, .n = { n_old },
				      .len = n_old };
	c1 = n_new ? (unsigned char)new[0] % (n_old + 1) : n_old / 3;
	c2 = c1 + (n_old - c1) / 2;
	three = (struct reload_text){
		.p = { old, old + c1, old + c2 },
		.n = { c1, c2 - c1, n_old - c2 }, .len = n_old,
	};
	r = reload_region(&whole, old_cfg.block_starts, old_cfg.n_blocks,
			  new, n_new, &rg);
	if (reload_region(&three, old_cfg.block_starts, old_cfg.n_blocks,
			  new, n_new, &rg3) != r ||
	    (!r && memcmp(&rg, &rg3, sizeof(rg))))
		abort();	/* the pieces read otherwise than the whole */
	if (!r) {
		if (rg.a > rg.re_old || rg.re_old > n_old || rg.a > rg.re_new ||
		    rg.re_new > n_new)
			abort();	/* out of the texts */
		if (memcmp(old, new, rg.a) ||
		    memcmp(old + rg.re_old, new + rg.re_new, n_old - rg.re_old))
			abort();	/* a difference outside the region */
		memset(&d, 0, sizeof(d));
		config_parse_packed("a", old + rg.a, rg.re_old - rg.a, &a, &d);
		diags_free(&d);
		memset(&d, 0, sizeof(d));
		config_parse_packed("b", new + rg.a, rg.re_new - rg.a, &b, &d);
		diags_free(&d);
		config_free(&a);
		config_free(&b);
	}
	config_free(&old_cfg);
	return 0;
}
