/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Realization of networks on this host (realize.c): plan from the file,
 * then create or repair the devices, then delete those no network needs.
 */
#ifndef NPMGR_REALIZE_H
#define NPMGR_REALIZE_H

#include "npmgr.h"

#define NPMGR_SECRET_DEFAULT "/etc/netpolicy/pool.key"

struct rz_plan;

/*
 * What @cfg needs on the host @self: NULL in *@out when the file declares
 * no pool (host blocks), which realizes nothing. Problems go to @d at the
 * line that causes them; -1 then. Sets the rz_tunnel / rz_id of each
 * network it gives a tunnel, for the kernel to verify.
 */
int realize_plan(struct np_config *cfg, const char *self,
		 const char *secret_path, struct np_diags *d,
		 struct rz_plan **out);
/* Create, repair or replace the planned devices; prints what it did. */
int realize_apply(struct rz_plan *pl);
/* Delete the devices this run created (a load that failed). */
void realize_rollback(struct rz_plan *pl);
/*
 * Delete the devices netpolicy created that @pl does not need (@pl NULL:
 * none is needed), only those of network @only_net if it is set.
 */
int realize_prune(struct rz_plan *pl, const char *only_net);
size_t realize_changes(const struct rz_plan *pl);
size_t realize_devices(const struct rz_plan *pl);
void realize_free(struct rz_plan *pl);

#endif
