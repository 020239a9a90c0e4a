/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Realization of networks on this host, in two steps.
 *
 * Planning (plan.c) is pure: from the pool's objects, this host's name and
 * the names of the links that exist, it computes the devices this host
 * must have (bridges and tunnels), the key agreement sessions that encrypt
 * them, and what the kernel is told about each network (its claims). It
 * reads no file and asks the kernel nothing, so it is unit-tested on the
 * host; the caller reads each encrypted network's CAK (cak.c) into it.
 *
 * Applying (apply.c, with fdb.c) makes the live devices match a plan
 * through rtnetlink; sessions.c starts and stops the supervisor of each
 * session (supervise.c, `npmgr mka-supervise`), which runs wpa_supplicant.
 * What netpolicy created that no plan needs is pruned.
 */
#ifndef NPMGR_REALIZE_H
#define NPMGR_REALIZE_H

#include <netinet/in.h>
#include <stdio.h>

#include "../model.h"

#define NPMGR_KEYS_DEFAULT "/etc/netpolicy/keys"
#define NPMGR_RUN_DIR "/run/netpolicy/mka"
#define RZ_WPA_SUPPLICANT "/sbin/wpa_supplicant"
#define RZ_CAK_LEN 32		/* a 256-bit CAK: 64 hex digits in its file */

struct rz_plan;
struct rz_host;

/*
 * The interface names planning @cfg may ask about (the nic objects, the
 * NAME() selectors of PHYSICAL_IFS_ALLOWED): sorted, each once, pointing
 * into @cfg; free() the array.
 */
const char **rz_plan_link_names(const struct np_config *cfg, size_t *n);
/*
 * Plan what @cfg (sorted: config_sort()) needs on host @self, given the
 * names of the links that exist (@links, sorted with strcmp: at least
 * those of rz_plan_link_names() that exist). *@out is NULL when the file
 * declares no pool (host blocks): nothing to realize. Problems go to @d
 * at the line that causes them; -1 then.
 */
int rz_plan_make(const struct np_config *cfg, const char *self,
		 char *const *links, size_t n_links, struct np_diags *d,
		 struct rz_plan **out);
/*
 * The encrypted networks whose CAK the plan needs, i < rz_plan_caks():
 * the name, and where its policy is (for a message about its CAK file).
 */
size_t rz_plan_caks(const struct rz_plan *pl);
const char *rz_plan_cak_network(const struct rz_plan *pl, size_t i,
				struct np_pos *pos);
void rz_plan_set_cak(struct rz_plan *pl, size_t i,
		     const uint8_t key[RZ_CAK_LEN]);
/* The key agreement sessions of the plan. */
size_t rz_plan_sessions(const struct rz_plan *pl);
/* The networks the plan realizes with a tunnel, sorted by name. */
const struct np_claim *rz_plan_claims(const struct rz_plan *pl, size_t *n);
size_t rz_plan_devices(const struct rz_plan *pl);
void rz_plan_free(struct rz_plan *pl);

/*
 * Read network @network's CAK from @dir/NETWORK.cak: a regular file owned
 * by root (or the caller), no access for group or others, 64 hex digits.
 * Problems go to @d at @pos. The key never leaves @key (wipe it).
 */
int rz_read_cak(const char *dir, const char *network, struct np_diags *d,
		struct np_pos pos, uint8_t key[RZ_CAK_LEN]);
/* 64 hex digits, maybe surrounded by white space, not all zero. */
bool rz_cak_parse(const char *s, size_t n, uint8_t key[RZ_CAK_LEN]);
/* `npmgr genkey`: print a fresh CAK. */
int rz_genkey(FILE *out);

/*
 * This host's links, through rtnetlink (connected when first needed);
 * what was done goes to @log.
 */
struct rz_host *rz_host_open(FILE *log, const char *host);
/*
 * Of the interface names @cand, those that are links of this host (and
 * maybe others), sorted; NULL on an error.
 */
char *const *rz_host_have_links(struct rz_host *h, const char *const *cand,
				size_t n_cand, size_t *n);
/*
 * Create, repair or replace the planned devices; start, restart or keep
 * the planned key agreement sessions.
 */
int rz_apply(struct rz_host *h, struct rz_plan *pl);
/* Undo what rz_apply() created and started (a load that failed). */
void rz_rollback(struct rz_host *h, struct rz_plan *pl);
/*
 * Stop the sessions and delete the devices netpolicy created that @pl
 * does not need (@pl NULL: none is needed), only those of network
 * @only_net if it is set.
 */
int rz_prune(struct rz_host *h, const struct rz_plan *pl,
	     const char *only_net);
/* The flooding list of VXLAN device @ifindex: its peers' addresses. */
int rz_fdb_peers(int ifindex, struct in_addr **peers, size_t *n);
/* The key agreement sessions of host @host, as their supervisors say. */
int rz_sessions_read(const char *host, struct np_session_info **out,
		     size_t *n);
/* `npmgr mka-supervise`: one session's supervisor (supervise.c). */
int cmd_mka_supervise(int argc, char **argv);

/* How many changes rz_apply() and rz_prune() made (lines logged). */
size_t rz_host_changes(const struct rz_host *h);
void rz_host_close(struct rz_host *h);

#endif
