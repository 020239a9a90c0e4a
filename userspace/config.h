/* SPDX-License-Identifier: GPL-2.0 */
/*
 * npmgr: policy files. parse.c reads one into the model, check.c finds
 * everything the kernel would refuse and every contradiction, before
 * anything is sent.
 */
#ifndef NPMGR_CONFIG_H
#define NPMGR_CONFIG_H

#include "model.h"

/*
 * Parse the policy file @buf (@len bytes, named @file in messages). Stops
 * at the first syntax error: 0, or -1 with the error in @d. @cfg holds
 * whatever was parsed either way: free it with config_free().
 */
int config_parse(const char *file, const char *buf, size_t len,
		 struct np_config *cfg, struct np_diags *d);
/*
 * Every problem of @cfg into @d, sorted by position; against @loaded (the
 * objects already loaded, for `load --add`) when it is set. A VIF's VM
 * with no block of its own is added to @cfg as an empty VM object.
 */
void config_check_with(struct np_config *cfg, const struct np_config *loaded,
		       struct np_diags *d);
void config_check(struct np_config *cfg, struct np_diags *d);
/*
 * Read, parse and check the file @path (against @loaded, if set; with
 * @hosts_from_pool, see struct np_config): -1 if it cannot be read (said
 * on stderr), else 0 with its problems in @d; @buf holds the text @d
 * quotes until config_report() is done with it.
 */
int config_read_file(const char *path, struct np_config *cfg,
		     const struct np_config *loaded, bool hosts_from_pool,
		     struct np_diags *d, char **buf);
/*
 * Print @d's problems and "npmgr: PATH: N errors, nothing NOTHING" on
 * stderr, free @d: 1 if there were any, else 0.
 */
int config_report(struct np_diags *d, const char *path, const char *nothing);

#endif
