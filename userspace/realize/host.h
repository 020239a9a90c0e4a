/* SPDX-License-Identifier: GPL-2.0 */
/* Applying a plan: the host's links and sockets (apply.c, macsec.c, fdb.c). */
#ifndef NPMGR_RZ_HOST_H
#define NPMGR_RZ_HOST_H

#include <stdio.h>

#include <netlink/netlink.h>
#include <netlink/route/link.h>

#include "rz.h"

struct rz_host {
	struct nl_sock *sk;		/* rtnetlink */
	struct nl_cache *links;
	FILE *log;
	size_t changes;			/* lines logged: what was done */
	struct nl_sock *gs;		/* the macsec family, when needed */
	int macsec_family;
	char **names;			/* rz_host_links() */
	size_t n_names;
};

/* Print "cannot WHAT KIND NAME: ERR"; -1. */
int rz_nl_fail(const struct rz_dev *d, const char *what, int err);
/*
 * The SAs of MACsec device @d: its transmit SA, and a receive channel and
 * SA per peer. Adding what exists is a no-op, so this also repairs an SA
 * someone deleted. Returns how many were added, or -1.
 */
int rz_macsec_keys(struct rz_host *h, const struct rz_dev *d, int ifindex);
/* The VXLAN device @d's flooding list is exactly its peers. */
int rz_fdb_sync(struct rz_host *h, const struct rz_dev *d, int ifindex);

#endif
