// SPDX-License-Identifier: GPL-2.0
/*
 * npmgr: loading a policy file (load.h): parse and check it, plan and
 * build its realization on this host, send it to the kernel, prune what
 * no network needs any more. `npmgr load` and the pool's agent.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "ipc.h"
#include "load.h"
#include "realize/realize.h"

/*
 * Plan @cfg's realization on this host, with the CAK of every encrypted
 * network. Problems go to @d.
 */
static int plan_file(struct np_config *cfg, const struct plan_req *pr,
		     struct np_diags *d)
{
	uint8_t cak[RZ_CAK_LEN];
	char *const *links;
	const char **cand;
	struct np_pos pos;
	const char *net;
	size_t n, i;
	int rc = 0;

	if (!cfg->n_pool)
		return 0;			/* no pool: nothing to realize */
	config_sort(cfg);
	cand = rz_plan_link_names(cfg, &n);
	links = rz_host_have_links(pr->rz, cand, n, &n);
	free(cand);
	if (!links)
		return -1;			/* rtnetlink said why */
	if (rz_plan_make(cfg, pr->host, links, n, d, pr->plan))
		return -1;
	for (i = 0; i < rz_plan_caks(*pr->plan); i++) {
		net = rz_plan_cak_network(*pr->plan, i, &pos);
		if (rz_read_cak(pr->keys, net, d, pos, cak)) {
			rc = -1;
			continue;
		}
		rz_plan_set_cak(*pr->plan, i, cak);
		explicit_bzero(cak, sizeof(cak));
	}
	if (!rc && rz_plan_sessions(*pr->plan) &&
	    access(RZ_WPA_SUPPLICANT, X_OK)) {
		rz_plan_cak_network(*pr->plan, 0, &pos);
		diag_add(d, pos,
			 "REQUIRE_ENCRYPTION needs the key agreement daemon %s: %s (Debian: apt-get install wpasupplicant)",
			 RZ_WPA_SUPPLICANT, strerror(errno));
		rc = -1;
	}
	return rc;
}

/*
 * Parse and check @path (against @loaded, for load --add); with @pr, also
 * plan its realization on this host (the problems quote the same
 * buffer). Print every problem. 0 when the file is good.
 */
int load_compile(const char *path, struct np_config *cfg,
		 const struct np_loaded_src *loaded, const struct plan_req *pr,
		 bool hosts_from_pool)
{
	struct np_diags d;
	bool planned = false;
	struct np_text text;
	int err;

	if (config_map_file(path, cfg, loaded, hosts_from_pool, &d, &text))
		return 1;
	err = 0;
	if (!d.count && pr) {
		planned = true;
		err = plan_file(cfg, pr, &d);
		diags_sort(&d);
	}
	if (!d.count && err)
		fprintf(stderr, "npmgr: %s: nothing changed\n", path);
	err = config_report(&d, path, planned ? "changed" : "loaded") || err;
	text_release(&text);
	return err;
}

/* What read_loaded() reads with. */
struct loaded_ctx {
	struct np_ipc *ipc;
	bool update;
};

/*
 * What `load --add` and `--update` check a file against: the
 * administrator's objects among those the file names (a watcher's VIF or
 * VM loses to the file's of the same name, see NETPOLICY_CMD_LOAD), and
 * for an update those its objects govern.
 */
static int read_loaded(void *ctx, const struct np_config *file,
		       struct np_config *loaded)
{
	const struct loaded_ctx *lc = ctx;

	if (ipc_get_for(lc->ipc, file, lc->update, loaded)) {
		config_free(loaded);
		return -1;
	}
	config_drop_toolstack(loaded);
	return 0;
}

int load_file(const struct load_req *o)
{
	struct np_loaded_src src;
	struct loaded_ctx lc;
	struct np_config cfg;
	struct rz_plan *plan = NULL;
	struct np_load req = { 0 };
	struct np_ipc *ipc = NULL;
	struct rz_host *rz = NULL;
	struct plan_req pr;
	int rc;

	/*
	 * A file is checked before the kernel is changed; with --add it may
	 * refer to what is loaded (and must not repeat it), so the objects
	 * it names are read once it is parsed.
	 */
	ipc = o->add || o->update ? ipc_open() : NULL;
	if ((o->add || o->update) && !ipc)
		return 1;
	lc = (struct loaded_ctx){ ipc, o->update };
	src = (struct np_loaded_src){ read_loaded, &lc, o->update };
	rz = rz_host_open(o->log, o->host);
	pr = (struct plan_req){ o->host, o->keys, rz, &plan };
	rc = load_compile(o->file, &cfg, ipc ? &src : NULL, &pr,
			  o->hosts_from_pool);
	/*
	 * Realize first, so that the kernel never holds a network whose
	 * tunnel is not there yet; prune last, once no loaded network
	 * needs what goes.
	 */
	if (!rc)
		rc = rz_apply(rz, plan);
	if (!rc && !ipc)
		ipc = ipc_open();
	req.cfg = &cfg;
	req.claims = rz_plan_claims(plan, &req.n_claims);
	req.replace = !o->add && !o->update;
	req.update = o->update;
	req.host = o->host;
	if (!rc)
		rc = ipc ? ipc_load(ipc, &req) : -1;
	if (rc)
		rz_rollback(rz, plan);
	else if (req.replace)
		rc = rz_prune(rz, plan, NULL);
	ipc_close(ipc);
	rz_plan_free(plan);
	rz_host_close(rz);
	if (!rc && o->log == stdout && isatty(STDOUT_FILENO))
		printf("%s %zu polic%s, %zu network%s, %zu vm%s, %zu vif%s, %zu nic%s from %s (host %s)\n",
		       o->update ? "updated or added" : "loaded", cfg.n_policies, cfg.n_policies == 1 ? "y" : "ies",
		       cfg.n_nets, cfg.n_nets == 1 ? "" : "s",
		       cfg.n_vms, cfg.n_vms == 1 ? "" : "s",
		       cfg.n_vifs, cfg.n_vifs == 1 ? "" : "s",
		       cfg.n_nics, cfg.n_nics == 1 ? "" : "s", o->file, o->host);
	config_free(&cfg);
	return rc ? 1 : 0;
}

