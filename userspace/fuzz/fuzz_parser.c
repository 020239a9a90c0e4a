// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for npmgr's policy parser and checker: any input must
 * parse or fail with diagnostics, never crash, leak or misbehave; and what
 * parses cleanly must print back to text that parses to the same thing.
 * The input is parsed packed (as npmgr check and load read a file), the
 * printed text with its strings on the heap.
 */

#include <stdlib.h>
#include <string.h>

#include "../config.h"
#include "../print.h"

static char *print_to_string(const struct np_config *cfg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		abort();
	print_config(f, cfg);
	fclose(f);
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct np_config cfg, again;
	struct np_diags d = { 0 }, d2 = { 0 };
	char *out, *out2;
	int rc;

	rc = config_parse_packed("fuzz", (const char *)data, size, &cfg, &d);
	/* where blocks start (what a reload compares by): in order, inside */
	for (size_t i = 0; i < cfg.n_blocks; i++)
		if (cfg.block_starts[i] >= size ||
		    (i && cfg.block_starts[i] <= cfg.block_starts[i - 1]))
			abort();
	if (!rc)
		config_check(&cfg, &d);
	if (!rc && !d.count) {
		config_sort(&cfg);
		out = print_to_string(&cfg);
		if (config_parse("printed", out, strlen(out), &again, &d2))
			abort();	/* printed text must parse */
		config_check(&again, &d2);
		if (d2.count)
			abort();
		config_sort(&again);
		out2 = print_to_string(&again);
		if (strcmp(out, out2))
			abort();	/* and print the same */
		free(out);
		free(out2);
		config_free(&again);
		diags_free(&d2);
	}
	config_free(&cfg);
	diags_free(&d);
	return 0;
}
