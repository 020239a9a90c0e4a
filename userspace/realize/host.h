/* SPDX-License-Identifier: GPL-2.0 */
/* Applying a plan: the host's links and sockets (apply.c, macsec.c, fdb.c). */
#ifndef NPMGR_RZ_HOST_H
#define NPMGR_RZ_HOST_H

#include <stdio.h>

#include <netlink/netlink.h>
#include <netlink/route/link.h>

#include "rz.h"

/*
 * What rz_host.links holds: nothing yet, the devices of the kinds
 * netpolicy creates (all a prune needs: a host's taps, often thousands,
 * are not read), or every link.
 */
enum rz_links { RZ_LINKS_NONE, RZ_LINKS_OURS, RZ_LINKS_ALL };

struct rz_host {
	struct nl_sock *sk;		/* rtnetlink */
	struct nl_cache *links;
	enum rz_links have;
	FILE *log;
	const char *name;		/* this host, whose sessions these are */
	size_t changes;			/* lines logged: what was done */
	char **names;			/* rz_host_have_links() */
	size_t n_names;
	struct rz_mka *started;		/* sessions this run started */
	size_t n_started;
};

/* Read link @name again into h->links (gone: out of it); 0 or -1. */
int rz_host_reread(struct rz_host *h, const char *name);

/* Print "cannot WHAT KIND NAME: ERR"; -1. */
int rz_nl_fail(const struct rz_dev *d, const char *what, int err);

/* A MACsec device a key agreement session made, as the kernel has it. */
struct rz_macsec {
	int ifindex;
	uint64_t sci;			/* as the kernel stores it: MAC, port
					 * (big endian), in memory order */
	char name[IFNAMSIZ_NP];
	int master;			/* its master's ifindex, or 0 */
	bool up;
	bool encrypt, protect, replay;
	uint32_t window;
	int validate;			/* enum macsec_validation_type */
	uint64_t cipher;
};

/* Its transmit SA in use (the encoding SA). */
struct rz_txsa {
	bool found, active;
	uint8_t an;
	uint64_t pn;			/* the next packet number */
	uint8_t keyid[16];		/* MKA: key server MI, key number */
};

/* The MACsec device on @lower (an ifindex) with SCI @sci, or by name. */
bool rz_macsec_by_sci(struct nl_cache *links, int lower, uint64_t sci,
		      struct rz_macsec *out);
bool rz_macsec_by_name(struct nl_cache *links, int lower, const char *name,
		       struct rz_macsec *out);
/* How @m differs from what a session makes, or NULL. */
const char *rz_macsec_drift(const struct rz_macsec *m);
/* The macsec family: a connected socket in *@gs, and the family id. */
int rz_macsec_family(struct nl_sock **gs);
int rz_macsec_txsa(struct nl_sock *gs, int family, int ifindex,
		   struct rz_txsa *out);

/* rtnetlink changes shared by apply.c and the supervisor (link.c). */
int rz_link_set_master(struct nl_sock *sk, struct rtnl_link *l, int master,
		       bool up);
int rz_link_isolate(struct nl_sock *sk, int ifindex);
int rz_link_set_mac(struct nl_sock *sk, struct rtnl_link *l,
		    const uint8_t mac[6]);

/* Reading only some links (link.c); libnl errors are negative. */
/* Whether kernel module @module is loaded or built in (unsure: true). */
bool rz_module_present(const char *module);
/* Add the links of @kind to @c: one kernel-filtered dump, no statistics. */
int rz_dump_kind(struct nl_sock *sk, struct nl_cache *c, const char *kind);
/* Read link @name again into @c (gone: out of @c). */
int rz_reread_link(struct nl_sock *sk, struct nl_cache *c, const char *name);

/* Sessions (sessions.c): start, restart and stop their supervisors. */
/* Write @text to @path (mode 0600) through a temporary file; 0 or -1. */
int rz_write_private(const char *path, const char *text);
int rz_sessions_apply(struct rz_host *h, const struct rz_plan *pl);
void rz_sessions_rollback(struct rz_host *h);
int rz_sessions_prune(struct rz_host *h, const struct rz_plan *pl,
		      const char *only_net);

/* The VXLAN device @d's flooding list is exactly its peers. */
int rz_fdb_sync(struct rz_host *h, const struct rz_dev *d, int ifindex);

#endif
