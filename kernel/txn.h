/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Loads spread over several messages (NETPOLICY_CMD_TXN_*): the objects a
 * transaction holds until its commit, kept per namespace (txn.c).
 */
#ifndef _NP_TXN_H
#define _NP_TXN_H

#include <linux/list.h>
#include <linux/types.h>

#include "table.h"

struct np_net;
struct np_strchunk;

/*
 * An open transaction. Its objects' references point into @strs (the
 * messages that carried them are gone); their origin is a marker that
 * says "from the request", which np_table_build() needs, but points at
 * no message, so a commit reports errors by text alone.
 */
struct np_pending {
	struct list_head node;			/* np_net.txns */
	u32 id;
	u32 portid;				/* the socket it belongs to */
	bool replace;				/* NETPOLICY_LOAD_F_REPLACE */
	bool if_config;				/* NETPOLICY_A_CONFIG_GEN sent: */
	u32 config_gen;				/* the one it must find */
	u32 n_objs;
	unsigned long last_used;		/* jiffies */
	struct np_txn txn;
	struct np_strchunk *strs;
};

int np_pending_init(void);
void np_pending_uninit(void);
void np_pending_net_init(struct np_net *pn);
void np_pending_net_exit(struct np_net *pn);

int np_pending_begin(struct np_net *pn, u32 portid, u32 flags,
		     const u32 *config_gen, u32 *id,
		     struct netlink_ext_ack *extack);
int np_pending_add(struct np_net *pn, u32 id, u32 portid, struct np_txn *more,
		   u32 limit, struct netlink_ext_ack *extack);
struct np_pending *np_pending_take(struct np_net *pn, u32 id, u32 portid);
void np_pending_free(struct np_pending *p);

#endif /* _NP_TXN_H */
