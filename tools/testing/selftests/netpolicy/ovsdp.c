// SPDX-License-Identifier: GPL-2.0
/*
 * ovsdp: an Open vSwitch kernel datapath, without Open vSwitch's daemons.
 * It speaks the openvswitch module's generic netlink families, as
 * ovs-vswitchd would, to make a master that has no ndo_del_slave: a
 * netdev vport's master is the datapath's "ovs-system" device, which
 * netpolicy cannot take a port off.
 *
 *   ovsdp add-dp DP            create datapath DP
 *   ovsdp add-if DP IFNAME     make IFNAME a port of DP
 *   ovsdp del-dp DP            delete DP (and its ports)
 *
 * Runs in the caller's network namespace; exit status 0 on success.
 */
#include <errno.h>
#include <linux/openvswitch.h>
#include <net/if.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>
#include <stdio.h>
#include <string.h>

static int request(struct nl_sock *sk, const char *family, int cmd,
		   const char *dp, const char *ifname)
{
	struct ovs_header *h;
	struct nl_msg *msg;
	int id, err;

	id = genl_ctrl_resolve(sk, family);
	if (id < 0)
		return id;
	msg = nlmsg_alloc();
	if (!msg)
		return -NLE_NOMEM;
	h = genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, id, sizeof(*h),
			NLM_F_ACK, cmd, 1);
	err = h ? 0 : -NLE_NOMEM;
	if (!err && ifname) {
		/* a vport: its datapath by ifindex, then type and name */
		h->dp_ifindex = (int)if_nametoindex(dp);
		err = nla_put_u32(msg, OVS_VPORT_ATTR_TYPE,
				  OVS_VPORT_TYPE_NETDEV) ?:
		      nla_put_string(msg, OVS_VPORT_ATTR_NAME, ifname) ?:
		      nla_put_u32(msg, OVS_VPORT_ATTR_UPCALL_PID, 0);
	} else if (!err) {
		h->dp_ifindex = 0;
		err = nla_put_string(msg, OVS_DP_ATTR_NAME, dp);
		if (!err && cmd == OVS_DP_CMD_NEW)
			err = nla_put_u32(msg, OVS_DP_ATTR_UPCALL_PID, 0);
	}
	if (!err)
		err = nl_send_auto(sk, msg);
	nlmsg_free(msg);
	if (err < 0)
		return err;
	return nl_wait_for_ack(sk);
}

int main(int argc, char **argv)
{
	struct nl_sock *sk;
	int err;

	if (argc < 3 || (!strcmp(argv[1], "add-if") ? argc != 4 : argc != 3)) {
		fprintf(stderr, "usage: ovsdp add-dp DP | add-if DP IFNAME | del-dp DP\n");
		return 2;
	}
	sk = nl_socket_alloc();
	if (!sk || genl_connect(sk)) {
		fprintf(stderr, "ovsdp: cannot open a generic netlink socket\n");
		return 1;
	}
	if (!strcmp(argv[1], "add-dp"))
		err = request(sk, OVS_DATAPATH_FAMILY, OVS_DP_CMD_NEW, argv[2],
			      NULL);
	else if (!strcmp(argv[1], "del-dp"))
		err = request(sk, OVS_DATAPATH_FAMILY, OVS_DP_CMD_DEL, argv[2],
			      NULL);
	else if (!strcmp(argv[1], "add-if"))
		err = request(sk, OVS_VPORT_FAMILY, OVS_VPORT_CMD_NEW, argv[2],
			      argv[3]);
	else
		err = -NLE_INVAL;
	nl_socket_free(sk);
	if (err < 0) {
		fprintf(stderr, "ovsdp %s: %s\n", argv[1], nl_geterror(err));
		return 1;
	}
	return 0;
}
