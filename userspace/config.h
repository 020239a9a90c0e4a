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
 * The same, with the objects' strings packed in one block of @cfg (struct
 * np_config's strs): for a whole file, read to be checked and sent. Its
 * objects stay in @cfg (config_take_last() is for config_parse()'s).
 */
int config_parse_packed(const char *file, const char *buf, size_t len,
			struct np_config *cfg, struct np_diags *d);
/*
 * Every problem of @cfg into @d, sorted by position; against @loaded (the
 * objects already loaded, for `load --add`) when it is set. A VIF's VM
 * with no block of its own is added to @cfg as an empty VM object.
 */
void config_check_with(struct np_config *cfg, const struct np_config *loaded,
		       struct np_diags *d);
/*
 * For `load --update`: the objects of @loaded that @cfg replaces (same
 * kind and name) leave it, then config_check_with(); and the loaded VIFs
 * the file's objects now govern must not have contradictory policies
 * (reported at the file's object, naming the VIF).
 */
void config_check_update(struct np_config *cfg, struct np_config *loaded,
			 struct np_diags *d);
/*
 * Whether the objects of @file, replacing those of @old (sorted) with
 * their names, can leave a loaded VIF with contradictory policies: a
 * policy whose attributes other than selectors change, a network or VM
 * that names another policy. When not, config_check_update() needs none
 * of the loaded VIFs they govern (ipc_get_for()'s @update).
 */
bool config_governs_more(const struct np_config *file,
			 const struct np_config *old);
void config_check(struct np_config *cfg, struct np_diags *d);

/*
 * The checks of one object, for a caller that keeps objects its own way
 * (the pool's agent): what config_check() finds in that object, but for
 * what needs every object of a kind at once (a name defined twice, two
 * VIFs with one MAC or one exact interface name, two networks with one
 * tunnel identifier). Names are looked up through @names.
 */
struct np_names {
	const void *(*get)(const void *ctx, enum obj_kind kind, const char *name);
	const void *ctx;
};

void check_policy_obj(const struct np_policy_def *p, struct np_diags *d);
void check_net_obj(const struct np_net_def *n, const struct np_names *names,
		   struct np_diags *d);
void check_vm_obj(const struct np_vm_def *m, const struct np_names *names,
		  struct np_diags *d);
void check_vif_obj(const struct np_vif_def *v, const struct np_names *names,
		   struct np_diags *d);
/* A network's tunnel identifier fits its kind of tunnel: false if not */
bool check_net_id(const struct np_net_def *n, struct np_diags *d);
/*
 * For `load --add` and `--update`: read what is loaded that the parsed
 * @file needs to be checked (ipc_get_for()) into @loaded, 0 or -1 (said
 * on stderr).
 */
struct np_loaded_src {
	int (*read)(void *ctx, const struct np_config *file,
		    struct np_config *loaded);
	void *ctx;
	bool update;		/* `load --update`: config_check_update() */
};

/*
 * Read, parse and check the file @path (against what @loaded reads, if
 * set; with @hosts_from_pool, see struct np_config): -1 if it or what is
 * loaded cannot be read (said on stderr), else 0 with its problems in @d;
 * @buf holds the text @d quotes until config_report() is done with it.
 */
int config_read_file(const char *path, struct np_config *cfg,
		     const struct np_loaded_src *loaded, bool hosts_from_pool,
		     struct np_diags *d, char **buf);
/*
 * config_read_file() for a one-shot command (`npmgr load`, `npmgr check`):
 * a regular file is mapped, not copied (see map_text()); @t holds the
 * text until config_report() is done with it, then text_release() it.
 */
int config_map_file(const char *path, struct np_config *cfg,
		    const struct np_loaded_src *loaded, bool hosts_from_pool,
		    struct np_diags *d, struct np_text *t);
/*
 * Print @d's problems and "npmgr: PATH: N errors, nothing NOTHING" on
 * stderr, free @d: 1 if there were any, else 0.
 */
int config_report(struct np_diags *d, const char *path, const char *nothing);

#endif
