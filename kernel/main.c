// SPDX-License-Identifier: GPL-2.0
/*
 * netpolicy: policy-driven attachment of VM network interfaces.
 *
 * Locking, in one place:
 *  - RTNL serialises every writer of ports: the netdevice notifier (which
 *    the core calls with RTNL held), the recheck work and the netlink
 *    write commands (which take it). It protects the per-netns port list.
 *  - The per-netns mutex np_net.lock serialises the write commands of one
 *    namespace: a new table is built under it alone (O(objects), never
 *    under the host-wide RTNL), then published and the ports reconciled
 *    under RTNL as well. Order: np_net.lock, then RTNL.
 *  - A table is immutable once published; readers use rcu_read_lock() (the
 *    object dumps), RTNL (the notifier, reconciliation) or np_net.lock
 *    (the next build).
 *  - The notifier never takes the genl mutex or RTNL itself. What it must
 *    not do inside another agent's operation (change a device's master
 *    from CHANGEUPPER) it defers to the per-netns recheck work, which
 *    takes RTNL; the netns exit cancels that work before taking RTNL.
 */

#include <linux/module.h>
#include <linux/random.h>
#include <linux/rtnetlink.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "netlink.h"
#include "netpolicy.h"
#include "port.h"
#include "txn.h"

static unsigned int np_net_id __read_mostly;

struct np_net *np_net(struct net *net)
{
	return net_generic(net, np_net_id);
}

static int __net_init np_net_init(struct net *net)
{
	struct np_net *pn = np_net(net);

	mutex_init(&pn->lock);
	INIT_LIST_HEAD(&pn->ports);
	hash_init(pn->port_hash);
	INIT_WORK(&pn->recheck, np_ports_recheck_work);
	pn->net = net;
	RCU_INIT_POINTER(pn->table, NULL);
	pn->config_gen = get_random_u32();
	np_pending_net_init(pn);
	return 0;
}

/*
 * Runs after every device of @net is gone (we are a pernet subsystem, the
 * devices' pernet ops exit first), so no port should remain.
 */
static void __net_exit np_net_exit(struct net *net)
{
	struct np_net *pn = np_net(net);

	cancel_work_sync(&pn->recheck);	/* it takes RTNL */
	np_pending_net_exit(pn);
	mutex_lock(&pn->lock);
	rtnl_lock();
	np_ports_net_exit(pn);
	np_table_put(rtnl_dereference(pn->table));
	RCU_INIT_POINTER(pn->table, NULL);
	rtnl_unlock();
	mutex_unlock(&pn->lock);
	mutex_destroy(&pn->lock);
}

static struct pernet_operations np_net_ops = {
	.init = np_net_init,
	.exit = np_net_exit,
	.id = &np_net_id,
	.size = sizeof(struct np_net),
};

static int __init np_init(void)
{
	int err;

	err = np_tables_init();
	if (err)
		return err;
	err = register_pernet_subsys(&np_net_ops);
	if (err)
		goto err_pernet;
	err = np_pending_init();
	if (err)
		goto err_pending;
	err = np_genl_init();
	if (err)
		goto err_genl;
	/* Last: replays NETDEV_REGISTER for the devices that exist already. */
	err = np_ports_init();
	if (err)
		goto err_device;
	pr_info("loaded: policy-driven attachment of VM interfaces\n");
	return 0;

err_device:
	np_genl_uninit();
err_genl:
	np_pending_uninit();
err_pending:
	unregister_pernet_subsys(&np_net_ops);
err_pernet:
	np_tables_uninit();
	return err;
}

static void __exit np_exit(void)
{
	/*
	 * Ports stay on their bridges: unloading changes no data path. The
	 * notifier goes first so that no port is created after it.
	 */
	np_ports_uninit();
	np_genl_uninit();
	np_pending_uninit();
	unregister_pernet_subsys(&np_net_ops);
	np_tables_uninit();
	pr_info("unloaded\n");
}

module_init(np_init);
module_exit(np_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Policy-driven attachment of VM network interfaces");
MODULE_AUTHOR("netpolicy developers");
MODULE_ALIAS_GENL_FAMILY(NETPOLICY_GENL_NAME);
