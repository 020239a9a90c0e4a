// SPDX-License-Identifier: GPL-2.0
/*
 * Ports: the tap and Xen vif devices of each namespace, and attaching them.
 *
 * The netdevice notifier is the lifecycle event. At NETDEV_REGISTER a new
 * tap or vif becomes a port and is evaluated at once, in the same call,
 * under the RTNL the core already holds: bound devices join their bridge
 * before register_netdevice() returns. Nothing here ever fails a
 * notification (failing NETDEV_REGISTER would destroy a guest's vif).
 *
 * Evaluation is idempotent: a port already on its bridge is left alone, so
 * a hotplug script that attached it first is harmless, and so is a reload
 * that does not change its binding.
 */

#include <linux/if_arp.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <net/rtnetlink.h>

#include "netpolicy.h"

static u8 np_dev_kind(const struct net_device *dev)
{
	const struct device *parent = dev->dev.parent;

	if (dev->rtnl_link_ops && !strcmp(dev->rtnl_link_ops->kind, "tun") &&
	    dev->type == ARPHRD_ETHER)
		return NETPOLICY_KIND_TAP;
	if (parent && parent->bus && !strcmp(parent->bus->name, "xen-backend"))
		return NETPOLICY_KIND_XEN_VIF;
	return 0;
}

static struct np_port *np_port_find(struct np_net *pn,
				    const struct net_device *dev)
{
	struct np_port *port;

	ASSERT_RTNL();
	hash_for_each_possible(pn->port_hash, port, hnode, dev->ifindex)
		if (port->dev == dev)
			return port;
	return NULL;
}

static u8 state_event(u8 state)
{
	switch (state) {
	case NETPOLICY_PORT_ATTACHED:
		return NETPOLICY_EV_ATTACHED;
	case NETPOLICY_PORT_PENDING:
		return NETPOLICY_EV_PENDING;
	case NETPOLICY_PORT_REFUSED:
		return NETPOLICY_EV_REFUSED;
	default:
		return NETPOLICY_EV_UNBOUND;
	}
}

/* Take @port off @master, but only if it is the bridge we put it on. */
static void np_port_detach_ours(struct np_port *port)
{
	struct net_device *dev = port->dev;
	struct net_device *master = netdev_master_upper_dev_get(dev);

	if (master && master->ifindex == port->master_ifindex &&
	    master->netdev_ops->ndo_del_slave) {
		port->busy = true;
		master->netdev_ops->ndo_del_slave(master, dev);
		port->busy = false;
	}
	port->master_ifindex = 0;
}

/*
 * Decide and act for one port. Caller holds RTNL. Emits an event when the
 * outcome (state, reason, binding) differs from the recorded one.
 */
static void np_port_evaluate(struct net *net, struct np_net *pn,
			     struct np_port *port)
{
	const struct np_table *t = rtnl_dereference(pn->table);
	struct net_device *dev = port->dev;
	const struct np_vif *vif = NULL;
	struct net_device *master, *br;
	struct np_port old;
	bool was_ours;
	int err;

	ASSERT_RTNL();
	/* Never act on a device that is on its way out (e.g. netns teardown). */
	if (dev->reg_state != NETREG_REGISTERED)
		return;
	memcpy(&old, port, sizeof(old));
	was_ours = port->state == NETPOLICY_PORT_ATTACHED;

	if (t)
		vif = np_table_lookup(t, dev->name, dev->dev_addr);
	if (!vif) {
		np_port_detach_ours(port);
		port->state = NETPOLICY_PORT_UNBOUND;
		port->reason = NETPOLICY_R_NO_VIF_OBJECT;
		port->err = 0;
		port->vif[0] = '\0';
		port->network[0] = '\0';
		port->bridge[0] = '\0';
		goto out;
	}
	strscpy(port->vif, vif->name, sizeof(port->vif));
	strscpy(port->network, vif->network->name, sizeof(port->network));
	strscpy(port->bridge, vif->network->bridge, sizeof(port->bridge));
	port->err = 0;

	master = netdev_master_upper_dev_get(dev);
	br = __dev_get_by_name(net, vif->network->bridge);
	if (!br || !netif_is_bridge_master(br)) {
		np_port_detach_ours(port);
		port->state = br ? NETPOLICY_PORT_REFUSED : NETPOLICY_PORT_PENDING;
		port->reason = br ? NETPOLICY_R_NOT_A_BRIDGE : NETPOLICY_R_NO_BRIDGE;
		goto out;
	}
	if (master == br) {
		port->master_ifindex = br->ifindex;
		port->state = NETPOLICY_PORT_ATTACHED;
		port->reason = NETPOLICY_R_NONE;
		goto out;
	}

	port->busy = true;
	err = 0;
	if (master) {
		/* The policy is authoritative for a bound device: move it. */
		if (master->netdev_ops->ndo_del_slave)
			err = master->netdev_ops->ndo_del_slave(master, dev);
		else
			err = -EBUSY;
	}
	if (!err)
		err = br->netdev_ops->ndo_add_slave(br, dev, NULL);
	port->busy = false;
	if (err) {
		port->master_ifindex = 0;
		port->state = NETPOLICY_PORT_REFUSED;
		port->reason = NETPOLICY_R_ATTACH_FAILED;
		port->err = -err;
		goto out;
	}
	port->master_ifindex = br->ifindex;
	port->state = NETPOLICY_PORT_ATTACHED;
	port->reason = NETPOLICY_R_NONE;

out:
	if (old.state == port->state && old.reason == port->reason &&
	    old.err == port->err && !strcmp(old.vif, port->vif) &&
	    !strcmp(old.bridge, port->bridge))
		return;

	pn->ports_gen++;
	if (was_ours && (port->state != NETPOLICY_PORT_ATTACHED ||
			 strcmp(old.bridge, port->bridge)))
		np_genl_port_event(net, port, NETPOLICY_EV_DETACHED);
	if (port->state == NETPOLICY_PORT_REFUSED && port->err)
		net_info_ratelimited("%s: refused: %s %s (error %d)\n",
				     dev->name, np_reason_text(port->reason),
				     port->bridge, -port->err);
	else if (port->state == NETPOLICY_PORT_REFUSED)
		net_info_ratelimited("%s: refused: %s %s\n", dev->name,
				     np_reason_text(port->reason), port->bridge);
	np_genl_port_event(net, port, state_event(port->state));
}

static void np_port_add(struct net *net, struct net_device *dev, u8 kind)
{
	struct np_net *pn = np_net(net);
	struct np_port *port;

	port = np_port_find(pn, dev);
	if (port) {
		np_port_evaluate(net, pn, port);
		return;
	}
	port = kzalloc(sizeof(*port), GFP_KERNEL);
	if (!port) {
		/* Never fail the event: the device lives on, untracked. */
		net_warn_ratelimited("%s: out of memory, not tracked\n",
				     dev->name);
		return;
	}
	port->dev = dev;
	port->kind = kind;
	list_add_tail(&port->list, &pn->ports);
	hash_add(pn->port_hash, &port->hnode, dev->ifindex);
	np_port_evaluate(net, pn, port);
}

/* Set while the module lets go of every port: the devices are not gone. */
static bool np_unloading;

static void np_port_del(struct net *net, struct np_port *port)
{
	struct np_net *pn = np_net(net);

	ASSERT_RTNL();
	pn->ports_gen++;
	list_del(&port->list);
	hash_del(&port->hnode);
	if (!np_unloading)
		np_genl_port_event(net, port, NETPOLICY_EV_REMOVED);
	kfree(port);
}

/*
 * Someone else changed the master of one of our ports. Do not fight it
 * from inside their operation: record what it means, act at the next load.
 */
static void np_port_upper_changed(struct net *net, struct np_port *port)
{
	struct net_device *master = netdev_master_upper_dev_get(port->dev);
	struct np_net *pn = np_net(net);

	/* ours, irrelevant, or the device is going away (bridge lets go) */
	if (port->busy || port->state == NETPOLICY_PORT_UNBOUND ||
	    port->dev->reg_state != NETREG_REGISTERED)
		return;
	if (master && port->state != NETPOLICY_PORT_ATTACHED &&
	    !strcmp(master->name, port->bridge) && netif_is_bridge_master(master)) {
		/* e.g. a hotplug script attached it to the right bridge */
		np_port_evaluate(net, pn, port);
		return;
	}
	if (port->state == NETPOLICY_PORT_ATTACHED &&
	    (!master || master->ifindex != port->master_ifindex)) {
		port->master_ifindex = 0;
		port->state = NETPOLICY_PORT_PENDING;
		port->reason = NETPOLICY_R_MOVED;
		pn->ports_gen++;
		np_genl_port_event(net, port, NETPOLICY_EV_DETACHED);
	}
}

/**
 * np_ports_reconcile - re-evaluate every port of @net
 * @net: the namespace
 *
 * Called after a new table is published, and when a bridge comes, goes or
 * is renamed. Caller holds RTNL.
 */
void np_ports_reconcile(struct net *net)
{
	struct np_net *pn = np_net(net);
	struct np_port *port;

	ASSERT_RTNL();
	list_for_each_entry(port, &pn->ports, list)
		np_port_evaluate(net, pn, port);
}

/*
 * A bridge (or any device a port may name as its bridge) came, went or was
 * renamed: re-evaluate the ports that name it or sit on it, and no others.
 */
static void np_ports_reconcile_dev(struct net *net,
				   const struct net_device *dev)
{
	struct np_net *pn = np_net(net);
	struct np_port *port;

	ASSERT_RTNL();
	list_for_each_entry(port, &pn->ports, list)
		if (port->master_ifindex == dev->ifindex ||
		    !strcmp(port->bridge, dev->name))
			np_port_evaluate(net, pn, port);
}

/**
 * np_ports_net_exit - forget every port of a dying namespace
 * @pn: its state
 *
 * Caller holds RTNL. Devices are gone by now; anything left is a bug.
 */
void np_ports_net_exit(struct np_net *pn)
{
	struct np_port *port, *tmp;

	ASSERT_RTNL();
	WARN_ON_ONCE(!list_empty(&pn->ports));
	list_for_each_entry_safe(port, tmp, &pn->ports, list) {
		hash_del(&port->hnode);
		list_del(&port->list);
		kfree(port);
	}
}

static int np_netdev_event(struct notifier_block *nb, unsigned long event,
			   void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct net *net = dev_net(dev);
	struct np_port *port;
	u8 kind;

	/* Unloading: forget ports, and do no other work for any device. */
	if (np_unloading && event != NETDEV_UNREGISTER)
		return NOTIFY_DONE;

	switch (event) {
	case NETDEV_REGISTER:
		kind = np_dev_kind(dev);
		if (kind)
			np_port_add(net, dev, kind);
		else
			np_ports_reconcile_dev(net, dev);
		break;
	case NETDEV_UNREGISTER:
		port = np_port_find(np_net(net), dev);
		if (port)
			np_port_del(net, port);
		else if (!np_unloading)
			np_ports_reconcile_dev(net, dev);
		break;
	case NETDEV_CHANGENAME:
	case NETDEV_CHANGEADDR:
		port = np_port_find(np_net(net), dev);
		if (port)
			np_port_evaluate(net, np_net(net), port);
		else if (event == NETDEV_CHANGENAME)
			np_ports_reconcile_dev(net, dev);
		break;
	case NETDEV_CHANGEUPPER:
		port = np_port_find(np_net(net), dev);
		if (port)
			np_port_upper_changed(net, port);
		break;
	}
	return NOTIFY_DONE;
}

static struct notifier_block np_netdev_nb = {
	.notifier_call = np_netdev_event,
};

int np_device_init(void)
{
	return register_netdevice_notifier(&np_netdev_nb);
}

void np_device_uninit(void)
{
	/*
	 * Synthesises NETDEV_UNREGISTER: every port is forgotten, none moved,
	 * and no "removed" event is sent for devices that still exist. The
	 * flag is read under RTNL, which the unregistration holds.
	 */
	rtnl_lock();
	np_unloading = true;
	rtnl_unlock();
	unregister_netdevice_notifier(&np_netdev_nb);
}
