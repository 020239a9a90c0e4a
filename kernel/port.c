// SPDX-License-Identifier: GPL-2.0
/*
 * Ports: the tap and Xen vif devices of each namespace, and attaching them.
 *
 * The netdevice notifier is the lifecycle event. At NETDEV_REGISTER a new
 * tap or vif becomes a port and is evaluated at once, in the same call,
 * under the RTNL the core already holds: bound devices join their bridge
 * before register_netdevice() returns. That is safe because the bridge it
 * joins finished registering earlier. Nothing here ever fails a
 * notification (failing NETDEV_REGISTER would destroy a guest's vif).
 *
 * Another device's events (a bridge registering, renamed or going away)
 * never attach anything from inside them: the notifier chain of that
 * device is still running, and the bridge's own handler may not have run
 * yet (with this module loaded before bridge.ko, a bridge's sysfs
 * directory does not exist during our call). The ports that name or sit
 * on such a device are marked and re-evaluated by the per-netns recheck
 * work, under RTNL, once the event is over.
 *
 * Evaluation is idempotent: a port already on its bridge is left alone, so
 * a hotplug script that attached it first is harmless, and so is a reload
 * that does not change its binding.
 *
 * Taps are decided at NETDEV_REGISTER too, but a tap on no master is
 * enslaved only once it is up (NETDEV_UP), pending with the reason
 * NETPOLICY_R_TAP_DOWN until then: a toolstack that enslaves its taps
 * itself (libvirt's <interface type='bridge'>) creates the tap, gives it
 * the guest's MAC, enslaves it and only then sets it up, and the bridge
 * refuses (EBUSY) a device that has a master already, even its own. So
 * that enslave is let through when it is to the bridge the decision
 * names, and vetoed (NETDEV_PRECHANGEUPPER) when it is to another master
 * or the tap is refused. A down tap carries no frame, so nothing is ever
 * sent from a tap on a bridge its decision does not name. Xen vifs keep
 * joining at NETDEV_REGISTER: their hotplug script waits for that.
 */

#include <linux/etherdevice.h>
#include <linux/if_arp.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <net/rtnetlink.h>

#include "netlink.h"
#include "netpolicy.h"
#include "port.h"
#include "uplink.h"

/* See np_ports_reconcile(). */
#define NP_RECONCILE_PASSES 4

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

/**
 * np_port_mac - the MAC a port's VIF object is matched by
 * @port: the port
 *
 * The guest's, once a toolstack told it (NETPOLICY_CMD_SET_PORT); until
 * then the device's own address.
 */
const u8 *np_port_mac(const struct np_port *port)
{
	return port->has_guest_mac ? port->guest_mac : port->dev->dev_addr;
}

/**
 * np_port_named - the port of a device, by the device's name
 * @net: the namespace
 * @ifname: the device's name
 *
 * Context: RTNL held.
 * Return: the port, or NULL when no device of @net has that name or the
 * device is not a port.
 */
const struct np_port *np_port_named(struct net *net, const char *ifname)
{
	struct net_device *dev = __dev_get_by_name(net, ifname);

	return dev ? np_port_find(np_net(net), dev) : NULL;
}

/* The VIF object that binds @dev (a port of @pn or not), or NULL. */
static const struct np_vif *np_dev_vif(struct np_net *pn,
				       const struct np_table *t,
				       struct net_device *dev)
{
	const struct np_port *port = np_port_find(pn, dev);

	return np_table_lookup(t, dev->name,
			       port ? np_port_mac(port) : dev->dev_addr);
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
	case NETPOLICY_PORT_STUCK:
		return NETPOLICY_EV_STUCK;
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

static void np_facts_free(struct np_facts *f)
{
	kfree(f->links);
	kfree(f->peers);
	kfree(f->peer_ifnames);
}

/*
 * What np_decide() needs to know about @br (@needs, from np_decide_needs()):
 * its uplinks (every port that is not a VM interface a VIF object binds: a
 * tap no VIF object binds is an OpenVPN or tinc TAP, a QEMU socket
 * backend, anything, and its frames go where we cannot see) and, for
 * NP_NEED_PEERS, the VM interfaces on it other than @dev with the VIF
 * object that binds each. A VM interface that its own policies refuse
 * whatever its neighbours (constraints 1-5) is on its way off the bridge
 * and does not count as a peer; deciding that borrows @scratch. Caller
 * holds RTNL.
 */
static int np_facts_gather(struct net *net, struct np_net *pn,
			   const struct np_table *t, struct net_device *dev,
			   struct net_device *br, unsigned int needs,
			   struct np_facts *f, struct np_verdict *scratch)
{
	struct net_device *lower;
	struct list_head *iter;
	u32 n = 0;

	netdev_for_each_lower_dev(br, lower, iter)
		n++;
	if (!n)
		return 0;
	f->links = kcalloc(n, sizeof(*f->links), GFP_KERNEL);
	if (!f->links)
		return -ENOMEM;
	/* peers' own checks need the uplinks too, so those always come */
	netdev_for_each_lower_dev(br, lower, iter) {
		if (lower == dev)
			continue;
		if (!np_port_find(pn, lower))
			np_uplink_facts(net, lower, &f->links[f->n_links++]);
		else if (!np_dev_vif(pn, t, lower))
			np_uplink_unknown(lower, &f->links[f->n_links++]);
	}
	if (!(needs & NP_NEED_PEERS))
		return 0;
	f->peers = kcalloc(n, sizeof(*f->peers), GFP_KERNEL);
	f->peer_ifnames = kcalloc(n, sizeof(*f->peer_ifnames), GFP_KERNEL);
	if (!f->peers || !f->peer_ifnames)
		return -ENOMEM;
	netdev_for_each_lower_dev(br, lower, iter) {
		struct np_facts own = *f;
		const struct np_vif *vif;

		if (lower == dev || !np_port_find(pn, lower))
			continue;
		vif = np_dev_vif(pn, t, lower);
		if (!vif)
			continue;
		own.bridge = vif->network->bridge;
		own.n_peers = 0;
		if (np_decide(t, vif, &own, scratch))
			continue;
		f->peers[f->n_peers] = vif;
		f->peer_ifnames[f->n_peers++] = lower->name;
	}
	return 0;
}

static void np_port_bind(struct np_port *port, const struct np_vif *vif)
{
	strscpy(port->vif, vif->name, sizeof(port->vif));
	strscpy(port->network, vif->network->name, sizeof(port->network));
	strscpy(port->vm, vif->vm ? vif->vm->name : "", sizeof(port->vm));
	strscpy(port->bridge, vif->network->bridge, sizeof(port->bridge));
}

/*
 * The policy decision for a device that @vif binds (@dev, or NULL for a
 * device to come: np_port_predict()), before anything is done about it:
 * @verdict says whether the policies refuse it; *@brp is the device its
 * network names (NULL if none exists; it may not be a bridge). No side
 * effect. Caller holds RTNL.
 *
 * Return: 0, or -ENOMEM when the bridge's facts could not be gathered.
 */
static int np_port_judge(struct net *net, struct np_net *pn,
			 const struct np_table *t, const struct np_vif *vif,
			 struct net_device *dev, struct net_device **brp,
			 struct np_verdict *verdict)
{
	struct net_device *br = __dev_get_by_name(net, vif->network->bridge);
	struct np_facts facts = { .bridge = vif->network->bridge };
	unsigned int needs = np_decide_needs(t, vif);
	int err = 0;

	*brp = br;
	verdict->msg[0] = '\0';
	if (br && netif_is_bridge_master(br) && needs)
		err = np_facts_gather(net, pn, t, dev, br, needs, &facts,
				      verdict);
	if (!err)
		np_decide(t, vif, &facts, verdict);
	np_facts_free(&facts);
	return err;
}

static void np_port_unbind(struct np_port *port)
{
	port->vif[0] = '\0';
	port->network[0] = '\0';
	port->vm[0] = '\0';
	port->bridge[0] = '\0';
}

/* Take @port off whatever master it has (for a policy refusal). */
static void np_port_detach_any(struct np_port *port)
{
	struct net_device *master = netdev_master_upper_dev_get(port->dev);

	if (master && master->netdev_ops->ndo_del_slave) {
		port->busy = true;
		master->netdev_ops->ndo_del_slave(master, port->dev);
		port->busy = false;
	}
	port->master_ifindex = 0;
}

/*
 * A refused port that is still a port of some master: one without
 * ndo_del_slave (an Open vSwitch datapath, HSR) that we could not take it
 * off. The policy is violated and that is its own state, never "refused";
 * the message says where it is and why it should not be there.
 */
static void np_port_check_stuck(struct np_port *port, struct np_verdict *v)
{
	struct net_device *master = netdev_master_upper_dev_get(port->dev);
	char why[NP_MSG_LEN];

	if (!master)
		return;
	if (v->msg[0])
		strscpy(why, v->msg, sizeof(why));
	else if (port->err)
		snprintf(why, sizeof(why), "%s %s (error %d)",
			 np_reason_text(port->reason), port->bridge, port->err);
	else
		snprintf(why, sizeof(why), "%s %s",
			 np_reason_text(port->reason), port->bridge);
	port->state = NETPOLICY_PORT_STUCK;
	/* cut at NP_MSG_LEN, like every message a port reports */
	scnprintf(v->msg, sizeof(v->msg),
		  "refused, but still a port of %s, which cannot release it: %s",
		  master->name, why);
}

/*
 * Decide and act for one port. Caller holds RTNL. Emits an event when the
 * outcome (state, reason, binding) differs from the recorded one.
 * @in_upper: called from inside another agent's CHANGEUPPER, where the
 * port's master must not be changed: a refusal then schedules a re-check.
 */
static bool np_port_evaluate(struct net *net, struct np_net *pn,
			     struct np_port *port, bool in_upper)
{
	const struct np_table *t = rtnl_dereference(pn->table);
	struct net_device *dev = port->dev;
	const struct np_vif *vif = NULL;
	struct net_device *master, *br;
	struct np_verdict verdict;
	/* what an event reports, as it was: compared at the end */
	struct {
		u8 state, reason;
		int err;
		char vif[NETPOLICY_NAME_MAX];
		char bridge[IFNAMSIZ];
	} old;
	bool msg_changed;
	int err;

	ASSERT_RTNL();
	/* Never act on a device that is on its way out (e.g. netns teardown). */
	if (dev->reg_state != NETREG_REGISTERED)
		return false;
	old.state = port->state;
	old.reason = port->reason;
	old.err = port->err;
	strscpy(old.vif, port->vif, sizeof(old.vif));
	strscpy(old.bridge, port->bridge, sizeof(old.bridge));
	verdict.msg[0] = '\0';
	port->policy[0] = '\0';
	port->err = 0;

	if (t)
		vif = np_table_lookup(t, dev->name, np_port_mac(port));
	if (!vif) {
		np_port_detach_ours(port);
		port->state = NETPOLICY_PORT_UNBOUND;
		port->reason = NETPOLICY_R_NO_VIF_OBJECT;
		np_port_unbind(port);
		goto out;
	}
	np_port_bind(port, vif);

	master = netdev_master_upper_dev_get(dev);
	err = np_port_judge(net, pn, t, vif, dev, &br, &verdict);
	if (err) {
		/* fail closed: no attachment without a decision */
		np_port_detach_ours(port);
		port->state = NETPOLICY_PORT_REFUSED;
		port->reason = NETPOLICY_R_ATTACH_FAILED;
		port->err = -err;
		verdict.msg[0] = '\0';
		goto out;
	}
	if (verdict.reason) {
		port->state = NETPOLICY_PORT_REFUSED;
		port->reason = verdict.reason;
		strscpy(port->policy,
			verdict.policy ? verdict.policy->name : "",
			sizeof(port->policy));
		/* fail closed: a refused port is on no bridge at all */
		if (!master || master->ifindex == port->master_ifindex)
			np_port_detach_ours(port);
		else if (in_upper)
			queue_work(system_wq, &pn->recheck);
		else
			np_port_detach_any(port);
		goto out;
	}

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

	/* a tap on no master joins when it comes up (top of this file) */
	if (port->kind == NETPOLICY_KIND_TAP && !master &&
	    !(dev->flags & IFF_UP)) {
		port->master_ifindex = 0;
		port->state = NETPOLICY_PORT_PENDING;
		port->reason = NETPOLICY_R_TAP_DOWN;
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
	if (port->state == NETPOLICY_PORT_REFUSED && !in_upper)
		np_port_check_stuck(port, &verdict);
	/* verdict.msg is the policy refusal in words, or "" */
	msg_changed = strcmp(port->msg, verdict.msg);
	if (msg_changed)
		strscpy(port->msg, verdict.msg, sizeof(port->msg));
	if (old.state == port->state && old.reason == port->reason &&
	    old.err == port->err && !strcmp(old.vif, port->vif) &&
	    !strcmp(old.bridge, port->bridge) && !msg_changed)
		return false;

	if (old.state == NETPOLICY_PORT_ATTACHED &&
	    (port->state != NETPOLICY_PORT_ATTACHED ||
	     strcmp(old.bridge, port->bridge)))
		np_genl_port_event(net, port, NETPOLICY_EV_DETACHED);
	if (port->state == NETPOLICY_PORT_STUCK)
		net_warn_ratelimited("%s: %s\n", dev->name, port->msg);
	else if (port->state == NETPOLICY_PORT_REFUSED && port->msg[0])
		net_info_ratelimited("%s: refused: %s\n", dev->name, port->msg);
	else if (port->state == NETPOLICY_PORT_REFUSED && port->err)
		net_info_ratelimited("%s: refused: %s %s (error %d)\n",
				     dev->name, np_reason_text(port->reason),
				     port->bridge, -port->err);
	else if (port->state == NETPOLICY_PORT_REFUSED)
		net_info_ratelimited("%s: refused: %s %s\n", dev->name,
				     np_reason_text(port->reason), port->bridge);
	np_genl_port_event(net, port, state_event(port->state));
	return true;
}

/**
 * np_port_predict - what would be decided for a tap that does not exist yet
 * @net: the namespace it is to be created in
 * @ifname: the name it will have, or "" when not known yet
 * @mac: the guest's MAC, which its toolstack will tell, or NULL
 * @out: the answer in a port's fields (state, reason, policy, message and
 *	 the binding), as a tap up and its guest's MAC told would have them;
 *	 its @dev stays NULL
 *
 * The lookup and the decision of np_port_evaluate(), over the same table
 * and the same live bridge, with no side effect: nothing is created or
 * attached, no event is sent. Without a name only a VIF object that binds
 * by MAC alone is predicted: any name could match another object's glob
 * first. Caller holds RTNL.
 *
 * Return: 0, or -ENOMEM when the bridge's facts could not be gathered.
 */
int np_port_predict(struct net *net, const char *ifname, const u8 *mac,
		    struct np_port *out)
{
	struct np_net *pn = np_net(net);
	const struct np_table *t = rtnl_dereference(pn->table);
	const struct np_vif *vif = NULL;
	struct np_verdict verdict;
	struct net_device *br;
	int err;

	ASSERT_RTNL();
	out->kind = NETPOLICY_KIND_TAP;
	if (mac) {
		out->has_guest_mac = true;
		ether_addr_copy(out->guest_mac, mac);
	}
	if (t)
		vif = np_table_lookup(t, ifname, mac);
	if (vif && !ifname[0] && vif->ifname[0])
		vif = NULL;
	if (!vif) {
		out->state = NETPOLICY_PORT_UNBOUND;
		out->reason = NETPOLICY_R_NO_VIF_OBJECT;
		return 0;
	}
	np_port_bind(out, vif);
	err = np_port_judge(net, pn, t, vif, NULL, &br, &verdict);
	if (err)
		return err;
	if (verdict.reason) {
		out->state = NETPOLICY_PORT_REFUSED;
		out->reason = verdict.reason;
		strscpy(out->policy, verdict.policy ? verdict.policy->name : "",
			sizeof(out->policy));
		strscpy(out->msg, verdict.msg, sizeof(out->msg));
	} else if (!br || !netif_is_bridge_master(br)) {
		out->state = br ? NETPOLICY_PORT_REFUSED : NETPOLICY_PORT_PENDING;
		out->reason = br ? NETPOLICY_R_NOT_A_BRIDGE : NETPOLICY_R_NO_BRIDGE;
	} else {
		out->state = NETPOLICY_PORT_ATTACHED;
		out->reason = NETPOLICY_R_NONE;
	}
	return 0;
}

static void np_port_add(struct net *net, struct net_device *dev, u8 kind)
{
	struct np_net *pn = np_net(net);
	struct np_port *port;

	port = np_port_find(pn, dev);
	if (port) {
		np_port_evaluate(net, pn, port, false);
		return;
	}
	port = kzalloc(sizeof(*port), GFP_KERNEL_ACCOUNT);
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
	np_port_evaluate(net, pn, port, false);
}

/**
 * np_port_set_guest_mac - the MAC the guest uses on port @ifname
 * @net: the namespace
 * @ifname: the tap or vif
 * @mac: a unicast address
 * @extack: for the error
 *
 * From now on the port's VIF object is matched by @mac; it is evaluated
 * again at once. Takes RTNL.
 */
int np_port_set_guest_mac(struct net *net, const char *ifname, const u8 *mac,
			  struct netlink_ext_ack *extack)
{
	struct np_net *pn = np_net(net);
	struct net_device *dev;
	struct np_port *port;
	int err = 0;

	rtnl_lock();
	dev = __dev_get_by_name(net, ifname);
	port = dev ? np_port_find(pn, dev) : NULL;
	if (!dev) {
		NL_SET_ERR_MSG(extack, "no such device");
		err = -ENODEV;
	} else if (!port) {
		NL_SET_ERR_MSG(extack, "not a tap or Xen vif");
		err = -EOPNOTSUPP;
	} else {
		ether_addr_copy(port->guest_mac, mac);
		port->has_guest_mac = true;
		np_port_evaluate(net, pn, port, false);
	}
	rtnl_unlock();
	return err;
}

/* Set while the module lets go of every port: the devices are not gone. */
static bool np_unloading;

static void np_port_del(struct net *net, struct np_port *port)
{
	ASSERT_RTNL();
	list_del(&port->list);
	hash_del(&port->hnode);
	if (!np_unloading)
		np_genl_port_event(net, port, NETPOLICY_EV_REMOVED);
	kfree(port);
}

/*
 * A device that is not a VM interface joined or left a bridge: an uplink
 * came or went, which may change what the policies of that bridge's ports
 * allow. Re-check them once the joining operation is over.
 */
static void np_uplink_changed(struct net *net,
			      struct netdev_notifier_changeupper_info *info)
{
	struct np_net *pn = np_net(net);
	const struct np_table *t = rtnl_dereference(pn->table);

	/* only policies with uplink constraints care about uplinks */
	if (!netif_is_bridge_master(info->upper_dev) || !t ||
	    !t->any_uplink_rule || list_empty(&pn->ports))
		return;
	queue_work(system_wq, &pn->recheck);
}

/*
 * Someone else changed the master of one of our ports. Do not fight it
 * from inside their operation: record what it means; a refused port, or a
 * change that may matter to isolation, is re-checked by the deferred work.
 */
static void np_port_upper_changed(struct net *net, struct np_port *port,
				  struct netdev_notifier_changeupper_info *info)
{
	struct net_device *master = netdev_master_upper_dev_get(port->dev);
	struct np_net *pn = np_net(net);
	const struct np_table *t = rtnl_dereference(pn->table);

	/* ours, or the device is going away (bridge lets go) */
	if (port->busy || port->dev->reg_state != NETREG_REGISTERED)
		return;
	/*
	 * A VM interface joined or left a bridge: isolation may change; a
	 * refused port is never left on a master another agent gave it; a
	 * stuck one may have been freed.
	 */
	if ((t && t->any_isolate) ||
	    (master && port->state == NETPOLICY_PORT_REFUSED) ||
	    port->state == NETPOLICY_PORT_STUCK)
		queue_work(system_wq, &pn->recheck);
	if (port->state == NETPOLICY_PORT_UNBOUND) {
		/* no VIF object binds it: it is an uplink */
		np_uplink_changed(net, info);
		return;
	}
	if (master && port->state != NETPOLICY_PORT_ATTACHED &&
	    !strcmp(master->name, port->bridge) && netif_is_bridge_master(master)) {
		/* e.g. a hotplug script attached it to the right bridge */
		np_port_evaluate(net, pn, port, true);
		return;
	}
	if (port->state == NETPOLICY_PORT_ATTACHED &&
	    (!master || master->ifindex != port->master_ifindex)) {
		port->master_ifindex = 0;
		port->state = NETPOLICY_PORT_PENDING;
		port->reason = NETPOLICY_R_MOVED;
		np_genl_port_event(net, port, NETPOLICY_EV_DETACHED);
	}
}

/*
 * A device that is not a VM interface is about to join a bridge (an
 * uplink: a NIC, a tunnel, a veth, a tap no VIF object binds). Refuse it
 * when the bridge is the
 * one of a network whose own policy keeps it on this host: the join fails
 * with EPERM and this message, so no uplink ever reaches such a bridge.
 * (VM and VIF policies that are local only refuse their interface
 * instead: see np_decide().)
 */
static int np_uplink_veto(struct net *net, struct net_device *dev,
			  struct netdev_notifier_changeupper_info *info)
{
	const struct np_network *nw;
	struct netlink_ext_ack *extack;
	const struct np_table *t;
	struct np_seq_iter it;

	if (!info->linking || !netif_is_bridge_master(info->upper_dev))
		return NOTIFY_DONE;
	t = rtnl_dereference(np_net(net)->table);
	if (!t || !t->any_uplink_rule)
		return NOTIFY_DONE;
	/* a VM interface a VIF object binds: its own policies decide */
	if (np_dev_kind(dev) && np_dev_vif(np_net(net), t, dev))
		return NOTIFY_DONE;
	np_seq_iter_init(&it, t->objs[NP_NET]);
	while ((nw = np_seq_next(&it))) {
		const struct np_policy *pol;

		pol = np_table_policy(t, nw->policy_slot);
		if (!pol || !np_policy_local_only(pol) ||
		    strcmp(nw->bridge, info->upper_dev->name))
			continue;
		extack = netdev_notifier_info_to_extack(&info->info);
		NL_SET_ERR_MSG(extack,
			       "netpolicy: the bridge carries a local-only network: no uplink may join it");
		net_info_ratelimited("%s: may not join %s: network %s is local only (policy %s)\n",
				     dev->name, nw->bridge, nw->name, pol->name);
		return notifier_from_errno(-EPERM);
	}
	return NOTIFY_DONE;
}

/*
 * A toolstack enslaves one of our taps (libvirt's SIOCBRADDIF, `ip link set
 * master`): let it when the master is the bridge the tap's decision names,
 * veto it otherwise, saying why in the extack and the kernel log. Our own
 * enslaves (busy), unbound taps (uplinks: np_uplink_veto()) and Xen vifs
 * are not judged here.
 */
static int np_tap_veto(struct np_port *port,
		       struct netdev_notifier_changeupper_info *info)
{
	struct netlink_ext_ack *extack;
	const char *master = info->upper_dev->name;

	if (!info->linking || port->busy ||
	    port->kind != NETPOLICY_KIND_TAP ||
	    port->state == NETPOLICY_PORT_UNBOUND)
		return NOTIFY_DONE;
	extack = netdev_notifier_info_to_extack(&info->info);
	if (port->state == NETPOLICY_PORT_REFUSED) {
		NL_SET_ERR_MSG(extack,
			       "netpolicy: the tap is refused by policy (npmgr show interfaces says why)");
		net_info_ratelimited("%s: may not join %s: refused: %s\n",
				     port->dev->name, master,
				     port->msg[0] ? port->msg :
				     np_reason_text(port->reason));
		return notifier_from_errno(-EPERM);
	}
	if (!strcmp(master, port->bridge))
		return NOTIFY_DONE;
	NL_SET_ERR_MSG(extack,
		       "netpolicy: the tap's VIF object puts it on another bridge (npmgr show interfaces says which)");
	net_info_ratelimited("%s: may not join %s: VIF %s puts it on %s\n",
			     port->dev->name, master, port->vif, port->bridge);
	return notifier_from_errno(-EPERM);
}

/*
 * A MACsec or tunnel device changed (`ip link set ... type macsec encrypt
 * off`, a new VNI) or came up (the core announces changes of a device
 * that is down only when it comes up): the uplinks it is part of may no
 * longer satisfy the policies of the bridges they serve.
 *
 * A downgrade must not carry one more frame: the attached ports are
 * evaluated now, in the same call (the change is already applied; a
 * deferred re-check let a few frames of a VM out in the clear, integrity
 * protected only, before it ran). For an attached port the only outcomes
 * are "stays" and "refused, detached": nothing is attached from here.
 * A port whose bridge changed waits for the recheck work, which also
 * attaches whatever the change now allows.
 */
static void np_link_changed(struct net *net, struct net_device *dev)
{
	struct np_net *pn = np_net(net);
	const struct np_table *t = rtnl_dereference(pn->table);
	struct np_port *port;

	/* a device on no bridge's path (no upper device) changes nothing */
	if (!t || !t->any_uplink_rule || list_empty(&pn->ports) ||
	    !np_uplink_dev_watched(dev) ||
	    !netdev_has_any_upper_dev(dev))
		return;
	list_for_each_entry_reverse(port, &pn->ports, list)
		if (port->state == NETPOLICY_PORT_ATTACHED && !port->dev_changed)
			np_port_evaluate(net, pn, port, false);
	queue_work(system_wq, &pn->recheck);
}

/*
 * Evaluate the ports of @pn newest first, in passes while anything changed
 * (at most NP_RECONCILE_PASSES); with @keep_moved, ports another agent
 * moved off their bridge are left where they are, unless a change of the
 * device they name marked them (np_ports_mark_dev()). Caller holds RTNL.
 */
static void np_ports_passes(struct net *net, struct np_net *pn,
			    bool keep_moved)
{
	struct np_port *port;
	bool changed = true, marked;
	int pass;

	ASSERT_RTNL();
	for (pass = 0; changed && pass < NP_RECONCILE_PASSES; pass++) {
		changed = false;
		list_for_each_entry_reverse(port, &pn->ports, list) {
			marked = port->dev_changed;
			port->dev_changed = false;
			if (!keep_moved || marked ||
			    port->reason != NETPOLICY_R_MOVED)
				changed |= np_port_evaluate(net, pn, port, false);
		}
	}
}

/*
 * Whether @port's last evaluation may not hold under @t although nothing
 * it read from the tables changed: it failed to attach, another agent
 * moved it, it is stuck on a master, its bridge changed, or a refusal
 * that reads devices (uplinks, tunnels, neighbours). Such ports are
 * re-evaluated by every load, as all ports were before a change learnt
 * what it touches.
 */
static bool np_port_unsettled(const struct np_port *port)
{
	if (port->dev_changed)
		return true;
	switch (port->state) {
	case NETPOLICY_PORT_ATTACHED:
	case NETPOLICY_PORT_UNBOUND:
		return false;
	case NETPOLICY_PORT_PENDING:
		return port->reason != NETPOLICY_R_TAP_DOWN &&
		       port->reason != NETPOLICY_R_NO_BRIDGE;
	case NETPOLICY_PORT_REFUSED:
		return port->reason != NETPOLICY_R_ISOLATED &&
		       port->reason != NETPOLICY_R_WRONG_HOST;
	default:
		return true;
	}
}

/* Bridges, by name, whose ports a change reaches (np_ports_near()). */
struct np_near {
	u32 n, room;
	char (*name)[IFNAMSIZ];
	bool all;			/* too many, or no memory: every port */
};

static void np_near_add(struct np_near *near, const char *name)
{
	u32 i;

	if (near->all || !name[0])
		return;
	for (i = 0; i < near->n; i++)
		if (!strcmp(near->name[i], name))
			return;
	if (near->n == near->room) {
		near->all = true;
		return;
	}
	strscpy(near->name[near->n++], name, IFNAMSIZ);
}

/* The bridges @port is on or bound to: its decision reads their ports. */
static void np_near_port(struct np_near *near, const struct np_port *port)
{
	const struct net_device *master;

	master = netdev_master_upper_dev_get(port->dev);
	if (master)
		np_near_add(near, master->name);
	np_near_add(near, port->bridge);
}

/* Mark the ports on or bound to a bridge of @near. */
static bool np_ports_near(struct np_net *pn, const struct np_near *near)
{
	const struct net_device *master;
	struct np_port *port;
	bool any = false;
	u32 i;

	list_for_each_entry(port, &pn->ports, list) {
		if (port->stale)
			continue;
		master = netdev_master_upper_dev_get(port->dev);
		for (i = 0; i < near->n && !near->all; i++)
			if (!strcmp(port->bridge, near->name[i]) ||
			    (master && !strcmp(master->name, near->name[i])))
				break;
		port->stale = near->all || i < near->n;
		any |= port->stale;
	}
	return any;
}

/*
 * Whether @vif, an object of @old and of @t, is governed by the same
 * policies in both: a VIF names its policies by slot (np_table_policy()),
 * and a replaced policy takes the slot of the one it replaces.
 */
static bool np_vif_same_policies(const struct np_table *old,
				 const struct np_table *t,
				 const struct np_vif *vif)
{
	u32 net = vif->network->policy_slot;
	u32 vm = vif->vm ? vif->vm->policy_slot : 0;

	return np_table_policy(old, net) == np_table_policy(t, net) &&
	       np_table_policy(old, vm) == np_table_policy(t, vm) &&
	       np_table_policy(old, vif->policy_slot) ==
	       np_table_policy(t, vif->policy_slot);
}

/*
 * The ports a change from @old to @t can affect, marked stale: those
 * whose VIF object (looked up in each) is not the same object, which
 * covers a VIF object added, replaced or deleted and one that points to
 * a replaced network or VM (@t shares @old's objects: see struct
 * np_table), and those whose VIF's policies were replaced; the
 * unsettled ones; and, when a decision reads a
 * bridge's other ports (ISOLATE_FROM, uplink rules), every port on or
 * bound to a bridge of a marked one. False when every port must be
 * evaluated: the change reaches what no VIF object points to (this
 * host's name, the NIC objects, the flags that say what a decision
 * reads), or @t was built in full.
 */
static bool np_ports_touched(struct np_net *pn, const struct np_table *old,
			     const struct np_table *t, struct np_near *near)
{
	const struct np_vif *vif;
	struct np_port *port;
	bool any = false;
	const u8 *mac;

	if (!old || !t || !t->shares || t->from_gen != old->gen ||
	    t->any_isolate != old->any_isolate ||
	    t->any_uplink_rule != old->any_uplink_rule ||
	    strcmp(t->host, old->host) ||
	    !np_seq_same(t->objs[NP_NIC], old->objs[NP_NIC]))
		return false;
	list_for_each_entry(port, &pn->ports, list) {
		mac = np_port_mac(port);
		vif = np_table_lookup(t, port->dev->name, mac);
		port->stale = np_port_unsettled(port) ||
			      np_table_lookup(old, port->dev->name, mac) != vif ||
			      (vif && !np_vif_same_policies(old, t, vif));
		if (!port->stale)
			continue;
		any = true;
		np_near_port(near, port);
	}
	if (any && (t->any_isolate || t->any_uplink_rule))
		np_ports_near(pn, near);
	return true;
}

/*
 * Evaluate the stale ports newest first; a port whose outcome changed
 * marks the ports of the bridges it left and joined (when decisions read
 * them) for the next pass, at most NP_RECONCILE_PASSES in all, as
 * np_ports_passes() does for every port.
 */
static void np_ports_stale_passes(struct net *net, struct np_net *pn,
				  const struct np_table *t,
				  struct np_near *near)
{
	char was_master[IFNAMSIZ], was_bridge[IFNAMSIZ];
	const struct net_device *master;
	struct np_port *port;
	bool changed = true;
	int pass;

	for (pass = 0; changed && pass < NP_RECONCILE_PASSES; pass++) {
		changed = false;
		near->n = 0;
		near->all = false;
		list_for_each_entry_reverse(port, &pn->ports, list) {
			if (!port->stale)
				continue;
			port->stale = false;
			port->dev_changed = false;
			master = netdev_master_upper_dev_get(port->dev);
			strscpy(was_master, master ? master->name : "",
				IFNAMSIZ);
			strscpy(was_bridge, port->bridge, IFNAMSIZ);
			if (!np_port_evaluate(net, pn, port, false))
				continue;
			changed = true;
			np_near_add(near, was_master);
			np_near_add(near, was_bridge);
			np_near_port(near, port);
		}
		/* without those rules a port's decision reads no other */
		changed = changed && (t->any_isolate || t->any_uplink_rule) &&
			  np_ports_near(pn, near);
	}
}

/* With np_reeval_verify: whether any port the change skipped changes. */
static void np_ports_verify(struct net *net, struct np_net *pn)
{
	struct np_port *port;

	list_for_each_entry_reverse(port, &pn->ports, list)
		if (np_port_evaluate(net, pn, port, false))
			WARN_ONCE(1, "netpolicy: %s changed, but the change did not re-evaluate it\n",
				  port->dev->name);
}

static bool reeval_verify;
module_param(reeval_verify, bool, 0644);
MODULE_PARM_DESC(reeval_verify,
		 "After a change re-evaluated only the ports it can affect, evaluate every port and warn if one changes (a test of the module; default off)");

/**
 * np_ports_reconcile - re-evaluate the ports a new table can affect
 * @net: the namespace
 * @old: the table published before, still referenced, or NULL
 *
 * Called after a new table is published. A table that shares @old's
 * objects (one object added, replaced or deleted) re-evaluates the ports
 * it touches (np_ports_touched()); any other, every port. Newest port
 * first: when a change makes two attached ports isolated from each
 * other, the newer one is refused, as it would have been had it
 * registered after the change. A port that leaves a bridge may let
 * another one (already evaluated) join: passes repeat while anything
 * changed. Caller holds RTNL.
 */
void np_ports_reconcile(struct net *net, const struct np_table *old)
{
	struct np_net *pn = np_net(net);
	const struct np_table *t = rtnl_dereference(pn->table);
	struct np_near near = { .room = 32 };
	struct np_port *port;

	ASSERT_RTNL();
	near.name = kmalloc_array(near.room, IFNAMSIZ, GFP_KERNEL);
	if (!near.name || !np_ports_touched(pn, old, t, &near)) {
		kfree(near.name);
		np_ports_passes(net, pn, false);
		return;
	}
	np_ports_stale_passes(net, pn, t, &near);
	kfree(near.name);
	/* a pass limit reached leaves marks: the next change takes them */
	list_for_each_entry(port, &pn->ports, list)
		port->stale = false;
	if (READ_ONCE(reeval_verify))
		np_ports_verify(net, pn);
}

/*
 * Deferred re-check, for changes seen from inside another agent's
 * operation (a port or an uplink joined or left a bridge, a bridge came or
 * went), where the notifier must not change masters itself. Ports another
 * agent moved off their bridge stay where they are until the next load or
 * a change of the bridge they name.
 */
void np_ports_recheck_work(struct work_struct *work)
{
	struct np_net *pn = container_of(work, struct np_net, recheck);

	rtnl_lock();
	np_ports_passes(pn->net, pn, true);
	rtnl_unlock();
}

/*
 * A bridge (or any device a port may name as its bridge) came, went or was
 * renamed: the ports that name it or sit on it, and no others, are
 * re-evaluated by the recheck work once this event is over (see the top
 * of this file).
 */
static void np_ports_mark_dev(struct net *net, const struct net_device *dev)
{
	struct np_net *pn = np_net(net);
	struct np_port *port;
	bool any = false;

	ASSERT_RTNL();
	list_for_each_entry(port, &pn->ports, list) {
		if (port->master_ifindex == dev->ifindex ||
		    !strcmp(port->bridge, dev->name)) {
			port->dev_changed = true;
			any = true;
		}
	}
	if (any)
		queue_work(system_wq, &pn->recheck);
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
			np_ports_mark_dev(net, dev);
		break;
	case NETDEV_UNREGISTER:
		port = np_port_find(np_net(net), dev);
		if (port)
			np_port_del(net, port);
		else if (!np_unloading)
			np_ports_mark_dev(net, dev);
		break;
	case NETDEV_CHANGENAME:
	case NETDEV_CHANGEADDR:
		port = np_port_find(np_net(net), dev);
		if (port)
			np_port_evaluate(net, np_net(net), port, false);
		else if (event == NETDEV_CHANGENAME)
			np_ports_mark_dev(net, dev);
		break;
	case NETDEV_PRECHANGEUPPER:
		port = np_port_find(np_net(net), dev);
		if (port && port->state != NETPOLICY_PORT_UNBOUND)
			return np_tap_veto(port, ptr);
		return np_uplink_veto(net, dev, ptr);
	case NETDEV_UP:
	case NETDEV_CHANGE:
		port = np_port_find(np_net(net), dev);
		if (!port)
			np_link_changed(net, dev);
		else if (event == NETDEV_UP &&
			 port->reason == NETPOLICY_R_TAP_DOWN)
			np_port_evaluate(net, np_net(net), port, false);
		break;
	case NETDEV_CHANGEUPPER:
		port = np_port_find(np_net(net), dev);
		if (port)
			np_port_upper_changed(net, port, ptr);
		else
			np_uplink_changed(net, ptr);
		break;
	}
	return NOTIFY_DONE;
}

static struct notifier_block np_netdev_nb = {
	.notifier_call = np_netdev_event,
};

int np_ports_init(void)
{
	return register_netdevice_notifier(&np_netdev_nb);
}

void np_ports_uninit(void)
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
