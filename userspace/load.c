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
#include "reload.h"
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
 * buffer). Print every problem. 0 when the file is good; then with @keep,
 * the text stays in it (text_release() it).
 */
int load_compile(const char *path, struct np_config *cfg,
		 const struct np_loaded_src *loaded, const struct plan_req *pr,
		 bool hosts_from_pool, struct np_text *keep)
{
	struct np_diags d;
	bool planned = false;
	struct np_text text;
	int err;

	if (keep)
		memset(keep, 0, sizeof(*keep));
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
	if (keep && !err)
		*keep = text;
	else
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

	if (ipc_get_for(lc->ipc, file, false, loaded))
		goto fail;
	config_drop_toolstack(loaded);
	/* an update reads what it governs when it may change that */
	if (!lc->update || !config_governs_more(file, loaded))
		return 0;
	config_free(loaded);
	if (ipc_get_for(lc->ipc, file, true, loaded))
		goto fail;
	config_drop_toolstack(loaded);
	return 0;
fail:
	config_free(loaded);
	return -1;
}

/*
 * What a replacing load knows of the namespace before it loads: whether
 * it can load against the configuration generation it read (a kernel
 * that reports one), and with it send only what changed (reload.c).
 */
struct replacing {
	bool cas;			/* load if_config @gen */
	uint64_t cookie;
	uint32_t gen;
	char *host;			/* the kernel's */
	struct file_id id;		/* the file, when it is one */
	bool id_ok;
};

static void replacing_read(struct np_ipc *ipc, const struct load_req *o,
			   struct replacing *r)
{
	int64_t gen;

	memset(r, 0, sizeof(*r));
	if (o->hosts_from_pool || ipc_netns_cookie(ipc, &r->cookie) ||
	    ipc_get_state(ipc, &r->host, &gen) || gen < 0)
		return;
	r->cas = true;
	r->gen = (uint32_t)gen;
	r->id_ok = !file_id_get(o->file, &r->id);
}

/*
 * After a replacing load against @r (@text the file's, @cfg its objects):
 * keep the text for the next reload when it is all of what is loaded.
 */
static void replacing_done(const struct load_req *o, const struct replacing *r,
			   const struct np_config *cfg,
			   const struct np_text *text)
{
	if (!r->cas)
		return;
	if (r->id_ok && text->mapped && !cfg->n_pool &&
	    file_id_still(o->file, &r->id))
		reload_remember(r->cookie, r->gen + 1, o->host, text->buf,
				text->len, cfg->block_starts, cfg->n_blocks);
	else
		reload_forget(r->cookie);
}

int load_file(const struct load_req *o)
{
	bool replace = !o->add && !o->update;
	struct np_loaded_src src;
	struct replacing rp = { 0 };
	struct np_text text = { 0 };
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
	ipc = o->add || o->update ? ipc_open() :
	      !o->hosts_from_pool ? ipc_open_quiet() : NULL;
	if ((o->add || o->update) && !ipc)
		return 1;
	/*
	 * A replacing load of a file loaded before sends only what changed
	 * when that gives what the full load would (reload.c).
	 */
	if (replace && ipc) {
		replacing_read(ipc, o, &rp);
		if (rp.cas && rp.host && !strcmp(rp.host, o->host) &&
		    !reload_try(ipc, &(struct reload_req){
				.file = o->file, .host = o->host,
				.cookie = rp.cookie, .config_gen = rp.gen,
				.log = o->log == stdout && isatty(STDOUT_FILENO) ?
				       stdout : NULL })) {
			free(rp.host);
			ipc_close(ipc);
			return 0;
		}
	}
	lc = (struct loaded_ctx){ ipc, o->update };
	src = (struct np_loaded_src){ read_loaded, &lc, o->update };
	rz = rz_host_open(o->log, o->host);
	pr = (struct plan_req){ o->host, o->keys, rz, &plan };
	rc = load_compile(o->file, &cfg, o->add || o->update ? &src : NULL,
			  &pr, o->hosts_from_pool, rp.cas ? &text : NULL);
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
	req.replace = replace;
	req.update = o->update;
	req.host = o->host;
	req.if_config = rp.cas;
	req.config_gen = rp.gen;
	if (!rc)
		rc = ipc ? ipc_load(ipc, &req) : -1;
	if (rc == -ESTALE && req.if_config) {
		/* another writer came in between: replace all the same */
		rp.cas = false;
		req.if_config = false;
		rc = ipc_load(ipc, &req);
		reload_forget(rp.cookie);
	}
	if (!rc && replace)
		replacing_done(o, &rp, &cfg, &text);
	text_release(&text);
	free(rp.host);
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

