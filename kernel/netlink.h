/* SPDX-License-Identifier: GPL-2.0 */
/* The "netpolicy" generic netlink family (netlink.c). */
#ifndef _NP_NETLINK_H
#define _NP_NETLINK_H

#include <linux/types.h>

struct net;
struct np_port;

int np_genl_init(void);
void np_genl_uninit(void);
void np_genl_port_event(struct net *net, const struct np_port *port, u8 ev);

#endif /* _NP_NETLINK_H */
