/* SPDX-License-Identifier: GPL-2.0 */
/*
 * npmgr: loading a policy file (load.c), for `npmgr load`, `npmgr
 * realize` and the pool's agent.
 */
#ifndef NPMGR_LOAD_H
#define NPMGR_LOAD_H

#include <stdbool.h>
#include <stdio.h>

#include "model.h"
#include "util.h"

struct rz_host;
struct rz_plan;

/* Where and with what to plan a file's realization (load, realize). */
struct np_loaded_src;

struct plan_req {
	const char *host, *keys;	/* this host; the CAK directory */
	struct rz_host *rz;		/* this host's links */
	struct rz_plan **plan;
};

/*
 * Parse and check @path (against what @loaded reads, for load --add; with
 * @hosts_from_pool, see struct np_config); with @pr, also plan its
 * realization on this host. Every problem is printed on stderr.
 * 0 when the file is good; then with @keep, its text stays there
 * (text_release() it).
 */
int load_compile(const char *path, struct np_config *cfg,
		 const struct np_loaded_src *loaded, const struct plan_req *pr,
		 bool hosts_from_pool, struct np_text *keep);

struct load_req {
	const char *file;
	const char *host;	/* this host's name */
	const char *keys;	/* the CAK directory */
	bool add;		/* add to what is loaded, not replace it */
	bool update;		/* replace the loaded objects the file names,
				 * add the others (NETPOLICY_LOAD_F_UPDATE)
				 */
	bool hosts_from_pool;	/* the agent's share: see struct np_config */
	FILE *log;		/* a line per change made (stdout for load) */
};

/* What `npmgr load` does; 0 on success, else 1 (and said why). */
int load_file(const struct load_req *r);

#endif
