// SPDX-License-Identifier: GPL-2.0
/* Small rtnetlink changes that apply.c and the supervisor both make. */

#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <net/if.h>

#include "host.h"

/*
 * Make @l a port of @master (ifindex, 0: of nothing), and with @up, up.
 * (A session's MACsec device is up when wpa_supplicant says so.)
 */
int rz_link_set_master(struct nl_sock *sk, struct rtnl_link *l, int master,
		       bool up)
{
	struct rtnl_link *c = rtnl_link_alloc();
	int err;

	if (!c)
		return -NLE_NOMEM;
	rtnl_link_set_master(c, master);
	if (up)
		rtnl_link_set_flags(c, IFF_UP);
	err = rtnl_link_change(sk, l, c, 0);
	rtnl_link_put(c);
	return err;
}

/*
 * Make bridge port @ifindex isolated (IFLA_BRPORT_ISOLATED): it forwards
 * to no other isolated port, so per-peer tunnels form no loop.
 */
int rz_link_isolate(struct nl_sock *sk, int ifindex)
{
	struct ifinfomsg ifi = { .ifi_family = AF_BRIDGE, .ifi_index = ifindex };
	struct nlattr *nest;
	struct nl_msg *msg;

	msg = nlmsg_alloc_simple(RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK);
	if (!msg)
		return -NLE_NOMEM;
	if (nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0)
		goto fail;
	nest = nla_nest_start(msg, IFLA_PROTINFO | NLA_F_NESTED);
	if (!nest || nla_put_u8(msg, IFLA_BRPORT_ISOLATED, 1) < 0)
		goto fail;
	nla_nest_end(msg, nest);
	return nl_send_sync(sk, msg);
fail:
	nlmsg_free(msg);
	return -NLE_NOMEM;
}

int rz_link_set_mac(struct nl_sock *sk, struct rtnl_link *l,
		    const uint8_t mac[6])
{
	struct rtnl_link *c = rtnl_link_alloc();
	struct nl_addr *a = nl_addr_build(AF_LLC, mac, 6);
	int err = -NLE_NOMEM;

	if (c && a) {
		rtnl_link_set_addr(c, a);
		err = rtnl_link_change(sk, l, c, 0);
	}
	nl_addr_put(a);
	if (c)
		rtnl_link_put(c);
	return err;
}
