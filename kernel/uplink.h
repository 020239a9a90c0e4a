/* SPDX-License-Identifier: GPL-2.0 */
/* Uplinks of a bridge: their underlay, encryption and tunnel (uplink.c). */
#ifndef _NP_UPLINK_H
#define _NP_UPLINK_H

#include "decide.h"

struct net;
struct net_device;

void np_uplink_facts(struct net *net, struct net_device *up,
		     struct np_uplink *l);
void np_uplink_unknown(const struct net_device *dev, struct np_uplink *l);
bool np_uplink_dev_watched(const struct net_device *dev);

#endif /* _NP_UPLINK_H */
