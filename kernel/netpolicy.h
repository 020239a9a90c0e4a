/* SPDX-License-Identifier: GPL-2.0 */
/*
 * netpolicy: internal interfaces between the module's parts.
 *
 *  table.c   compiled object tables: build, lookup (pure data, no locks)
 *  glob.c    interface name globs
 *  device.c  netdevice notifier, ports, attaching
 *  netlink.c the generic netlink family
 *  main.c    module init/exit, per-netns state
 */
#ifndef _NETPOLICY_H
#define _NETPOLICY_H

#include <linux/if_ether.h>
#include <linux/list.h>
#include <linux/hashtable.h>
#include <linux/netdevice.h>
#include <linux/rcupdate.h>
#include <uapi/linux/netpolicy.h>

struct netlink_ext_ack;
struct nlattr;

struct np_selector {
	u8 type;				/* enum netpolicy_selector_type */
	char value[NETPOLICY_NAME_MAX];
};

#define NP_POL_CROSS_SERVER	BIT(0)	/* allow_cross_server was written */
#define NP_POL_ENCRYPTION	BIT(1)	/* require_encryption was written */
#define NP_POL_PHYS		BIT(2)	/* PHYSICAL_IFS_ALLOWED was written */
#define NP_POL_ISOLATE		BIT(3)	/* ISOLATE_FROM was written */

struct np_policy {
	char name[NETPOLICY_NAME_MAX];		/* "" when the network has none */
	u8 present;				/* NP_POL_* */
	bool allow_cross_server;
	bool require_encryption;
	u8 n_phys;
	u8 n_isolate;
	struct np_selector *sels;		/* n_phys, then n_isolate */
};

struct np_network {
	char name[NETPOLICY_NAME_MAX];
	char bridge[IFNAMSIZ];
	struct np_policy policy;
	const struct nlattr *origin;		/* request attr, while loading */
};

struct np_vif {
	char name[NETPOLICY_NAME_MAX];
	char ifname[IFNAMSIZ];			/* name or glob; "" = any */
	u8 mac[ETH_ALEN];
	bool has_mac;
	bool has_uuid;
	u8 prefix_len;				/* literal chars before a wildcard */
	bool is_glob;
	u8 n_tags;
	char network_name[NETPOLICY_NAME_MAX];
	const struct np_network *network;	/* resolved by np_table_build() */
	char vm_name[NETPOLICY_NAME_MAX];
	u8 vm_uuid[NETPOLICY_UUID_LEN];
	char (*tags)[NETPOLICY_NAME_MAX];
	const struct nlattr *origin;
};

/*
 * An immutable, compiled set of objects. Published per namespace with RCU;
 * readers hold rcu_read_lock() or RTNL, the writer (under RTNL) replaces the
 * whole table and frees the old one after a grace period.
 */
struct np_table {
	u32 gen;
	u32 n_nets;
	u32 n_vifs;
	struct np_network **nets;		/* sorted by name */
	struct np_vif **vifs;			/* sorted by name */
	u32 hash_mask;				/* slots - 1, a power of two */
	u8 max_prefix;				/* longest glob literal prefix */
	u32 seed;
	const struct np_vif **by_mac;		/* open addressing, linear probe */
	const struct np_vif **by_name;		/* exact interface names */
	const struct np_vif **by_prefix;	/* globs, keyed by literal prefix */
	struct rcu_head rcu;
};

/*
 * Objects being loaded. The transaction owns them until np_table_build()
 * takes them; np_txn_destroy() frees whatever it still owns.
 */
struct np_txn {
	struct np_network **nets;
	u32 n_nets;
	u32 cap_nets;
	struct np_vif **vifs;
	u32 n_vifs;
	u32 cap_vifs;
};

/* glob.c */
bool np_glob_match(const char *pattern, const char *name);
unsigned int np_glob_prefix_len(const char *pattern);
bool np_glob_valid(const char *pattern);

/* table.c */
void np_network_free(struct np_network *net);
void np_vif_free(struct np_vif *vif);
int np_txn_add_net(struct np_txn *txn, struct np_network *net);
int np_txn_add_vif(struct np_txn *txn, struct np_vif *vif);
void np_txn_destroy(struct np_txn *txn);
struct np_table *np_table_build(const struct np_table *old, bool keep_old,
				struct np_txn *txn, u32 gen,
				struct netlink_ext_ack *extack);
struct np_table *np_table_without(const struct np_table *old,
				  const char *net_name, const char *vif_name,
				  u32 gen, struct netlink_ext_ack *extack);
void np_table_free(struct np_table *t);
void np_table_free_rcu(struct np_table *t);
const struct np_vif *np_table_lookup(const struct np_table *t,
				     const char *ifname, const u8 *mac);
const struct np_network *np_table_find_net(const struct np_table *t,
					   const char *name);

/* Per network namespace state. */
struct np_net {
	struct np_table __rcu *table;		/* RTNL for writers */
	u32 next_gen;				/* RTNL */
	u32 ports_gen;				/* RTNL: bumped on port change */
	struct list_head ports;			/* RTNL: in order first seen */
	DECLARE_HASHTABLE(port_hash, 10);	/* RTNL: by ifindex */
};

struct np_net *np_net(struct net *net);

/* device.c */
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
	char vif[NETPOLICY_NAME_MAX];
	char network[NETPOLICY_NAME_MAX];
	char bridge[IFNAMSIZ];
};

int np_device_init(void);
void np_device_uninit(void);
void np_ports_reconcile(struct net *net);
void np_ports_net_exit(struct np_net *pn);

/* netlink.c */
int np_genl_init(void);
void np_genl_uninit(void);
void np_genl_port_event(struct net *net, const struct np_port *port, u8 ev);
const char *np_reason_text(u8 reason);

#endif /* _NETPOLICY_H */
