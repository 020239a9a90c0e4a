/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Ports: the tap and Xen vif devices the module tracks, the netdevice
 * notifier that sees them, and attaching them (port.c).
 */
#ifndef _NP_PORT_H
#define _NP_PORT_H

#include <linux/list.h>
#include <linux/netdevice.h>

#include "decide.h"

struct netlink_ext_ack;
struct np_net;
struct np_table;
struct work_struct;

struct np_port {
	struct list_head list;
	struct hlist_node hnode;
	struct net_device *dev;
	int master_ifindex;			/* the bridge we attached it to */
	int err;				/* positive errno of a refusal */
	u8 kind;
	u8 state;
	u8 reason;
	bool busy;				/* we are changing its master */
	bool dev_changed;			/* its bridge changed: recheck */
	bool stale;				/* np_ports_reconcile(): evaluate */
	bool has_guest_mac;
	u8 guest_mac[ETH_ALEN] __aligned(2);	/* NETPOLICY_CMD_SET_PORT */
	char vif[NETPOLICY_NAME_MAX];
	char network[NETPOLICY_NAME_MAX];
	char vm[NETPOLICY_NAME_MAX];
	char policy[NETPOLICY_NAME_MAX];	/* the one that refused it */
	char bridge[IFNAMSIZ];
	char msg[NP_MSG_LEN];			/* a policy refusal, in words */
};

int np_ports_init(void);
void np_ports_uninit(void);
void np_ports_reconcile(struct net *net, const struct np_table *old);
void np_ports_recheck_work(struct work_struct *work);
void np_ports_net_exit(struct np_net *pn);
const u8 *np_port_mac(const struct np_port *port);
const struct np_port *np_port_named(struct net *net, const char *ifname);
int np_port_set_guest_mac(struct net *net, const char *ifname, const u8 *mac,
			  struct netlink_ext_ack *extack);
int np_port_predict(struct net *net, const char *ifname, const u8 *mac,
		    struct np_port *out);

#endif /* _NP_PORT_H */
