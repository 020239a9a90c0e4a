/* SPDX-License-Identifier: GPL-2.0 */
/*
 * npmgr: the generic netlink transport (ipc.c, libnl-genl-3). Everything
 * that knows about attributes lives there; the rest of npmgr sees the
 * model only.
 */
#ifndef NPMGR_IPC_H
#define NPMGR_IPC_H

#include "model.h"

struct np_ipc;

/* What one NETPOLICY_CMD_LOAD sends. */
struct np_load {
	const struct np_config *cfg;
	const struct np_claim *claims;	/* realized networks, by name */
	size_t n_claims;
	bool replace;			/* NETPOLICY_LOAD_F_REPLACE */
	bool update;			/* NETPOLICY_LOAD_F_UPDATE */
	/*
	 * Only if the configuration generation is @config_gen, else -ESTALE
	 * (not printed): NETPOLICY_A_CONFIG_GEN
	 */
	bool if_config;
	uint32_t config_gen;
	bool quiet;			/* print no error (the caller will) */
	const char *host;		/* NETPOLICY_A_HOST, or NULL */
};

struct np_ipc *ipc_open(void);
/* The same, printing nothing when it fails (the caller tries later). */
struct np_ipc *ipc_open_quiet(void);
void ipc_close(struct np_ipc *ipc);
int ipc_load(struct np_ipc *ipc, const struct np_load *req);
/*
 * @kind: the kind of object (not OBJ_HOST); @source: delete only an object
 * of that enum netpolicy_source (-1: any). @quiet: print no error.
 */
int ipc_del(struct np_ipc *ipc, enum obj_kind kind, const char *name,
	    int source, bool quiet);
int ipc_flush(struct np_ipc *ipc);
/* The MAC the guest uses on port @ifname (NETPOLICY_CMD_SET_PORT). */
int ipc_set_guest_mac(struct np_ipc *ipc, const char *ifname,
		      const uint8_t mac[6], bool quiet);
/*
 * What the kernel would decide for a tap that does not exist yet, named
 * @ifname (NULL: not known) with the guest's MAC @mac (NULL: not known):
 * NETPOLICY_CMD_PREDICT, no side effect. -EEXIST if that device exists.
 */
int ipc_predict(struct np_ipc *ipc, const char *ifname, const uint8_t *mac,
		struct np_port_info *out);
int ipc_get_config(struct np_ipc *ipc, struct np_config *cfg);
/*
 * Of the loaded objects, what config_check_with() reads to check @file
 * for `load --add`: the objects named like @file's or by its references,
 * the VIFs with one of its VIFs' MACs or exact interface names, and the
 * policies the networks and VMs among those name. Costs what @file holds,
 * not what is loaded; reads everything from a module that cannot select
 * or for a file too large to select in one request. With @update (for
 * `load --update`), also what the objects @file replaces govern: the
 * networks and VMs that name its policies, the VIFs that name its
 * policies, its networks, its VMs or those networks and VMs, and the
 * networks, VMs and policies of those VIFs.
 */
int ipc_get_for(struct np_ipc *ipc, const struct np_config *file,
		bool update, struct np_config *cfg);
/* The loaded objects of one @kind (not OBJ_HOST): one dump. */
int ipc_get_kind(struct np_ipc *ipc, enum obj_kind kind, struct np_config *cfg);
/*
 * The network namespace's cookie (unique while the system runs, never
 * reused: SO_NETNS_COOKIE), or -errno.
 */
int ipc_netns_cookie(struct np_ipc *ipc, uint64_t *cookie);
/* The host name the objects were loaded for (NULL: none). */
int ipc_get_host(struct np_ipc *ipc, char **host);
/*
 * The same, and the configuration generation (-1: nothing loaded, or a
 * module from before NETPOLICY_A_CONFIG_GEN).
 */
int ipc_get_state(struct np_ipc *ipc, char **host, int64_t *config_gen);
int ipc_get_ports(struct np_ipc *ipc, struct np_port_info **ports, size_t *n);
/* @p is the callback's to keep: it may move fields out (and NULL them). */
typedef void (*ipc_event_fn)(int ev, struct np_port_info *p, void *arg);
int ipc_monitor(struct np_ipc *ipc, ipc_event_fn fn, void *arg);
/*
 * Wait until the interface @ifname has a decision (attached, refused, or
 * pending on a missing bridge) and fill @out with its state. -ETIMEDOUT
 * after @timeout_ms.
 */
int ipc_wait_port(struct np_ipc *ipc, const char *ifname, int timeout_ms,
		  struct np_port_info *out);

#endif
