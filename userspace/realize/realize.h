/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Realization of networks on this host, in two steps.
 *
 * Planning (plan.c) is pure: from the pool's objects, this host's name and
 * the names of the links that exist, it computes the devices this host
 * must have (bridges, tunnels, MACsec devices and their keys) and what the
 * kernel is told about each network (its claims). It reads no file and
 * asks the kernel nothing, so it is unit-tested on the host.
 *
 * Applying (apply.c, with macsec.c and fdb.c) makes the live devices
 * match a plan through rtnetlink and the macsec generic netlink family,
 * and prunes what netpolicy created that no plan needs.
 */
#ifndef NPMGR_REALIZE_H
#define NPMGR_REALIZE_H

#include <stdio.h>

#include "../model.h"

#define NPMGR_SECRET_DEFAULT "/etc/netpolicy/pool.key"

struct rz_plan;
struct rz_host;

/*
 * Plan what @cfg (sorted: config_sort()) needs on host @self, given the
 * names of the links that exist (@links, sorted with strcmp). *@out is
 * NULL when the file declares no pool (host blocks): nothing to realize.
 * Problems go to @d at the line that causes them; -1 then.
 */
int rz_plan_make(const struct np_config *cfg, const char *self,
		 char *const *links, size_t n_links, struct np_diags *d,
		 struct rz_plan **out);
/* Whether the plan encrypts with the pool secret; @pos: who asks first. */
bool rz_plan_wants_secret(const struct rz_plan *pl, struct np_pos *pos);
/* Derive every MACsec key of the plan from the pool secret. */
void rz_plan_key(struct rz_plan *pl, const uint8_t *secret, size_t len);
/* The networks the plan realizes with a tunnel, sorted by name. */
const struct np_claim *rz_plan_claims(const struct rz_plan *pl, size_t *n);
size_t rz_plan_devices(const struct rz_plan *pl);
void rz_plan_free(struct rz_plan *pl);

/*
 * Read the pool secret: a regular file of at least 32 bytes that only
 * root (or the caller) owns and may read. Problems go to @d at @pos.
 */
int rz_read_secret(const char *path, struct np_diags *d, struct np_pos pos,
		   uint8_t **secret, size_t *len);

/*
 * This host's links, through rtnetlink (connected when first needed);
 * what was done goes to @log.
 */
struct rz_host *rz_host_open(FILE *log);
/* The names of the links that exist, sorted (NULL: none, or an error). */
char *const *rz_host_links(struct rz_host *h, size_t *n);
/* Create, repair or replace the planned devices. */
int rz_apply(struct rz_host *h, struct rz_plan *pl);
/* Delete the devices rz_apply() created (a load that failed). */
void rz_rollback(struct rz_host *h, struct rz_plan *pl);
/*
 * Delete the devices netpolicy created that @pl does not need (@pl NULL:
 * none is needed), only those of network @only_net if it is set.
 */
int rz_prune(struct rz_host *h, const struct rz_plan *pl,
	     const char *only_net);
/* How many changes rz_apply() and rz_prune() made (lines logged). */
size_t rz_host_changes(const struct rz_host *h);
void rz_host_close(struct rz_host *h);

#endif
