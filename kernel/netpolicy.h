/* SPDX-License-Identifier: GPL-2.0 */
/*
 * netpolicy: internal interfaces between the module's parts.
 *
 *  table.c   compiled object tables: build, lookup (pure data, no locks)
 *  decide.c  the attach decision (pure: policies + facts -> verdict)
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
#include <linux/workqueue.h>
#include <uapi/linux/netpolicy.h>

struct netlink_ext_ack;
struct nlattr;

struct np_selector {
	u8 type;				/* enum netpolicy_selector_type */
	char value[NETPOLICY_NAME_MAX];
};

/*
 * Every object starts with this header: generic code sorts, finds and
 * checks objects of any kind by name through it.
 */
struct np_obj {
	const char *name;			/* points into the object */
	const struct nlattr *origin;		/* request attr, while loading */
};

enum np_kind {
	NP_POLICY,
	NP_NIC,
	NP_NET,
	NP_VM,
	NP_VIF,
	NP_NKINDS				/* in the order refs resolve */
};

#define NP_POL_CROSS_SERVER	BIT(0)	/* ALLOW_CROSS_SERVER was written */
#define NP_POL_ENCRYPTION	BIT(1)	/* REQUIRE_ENCRYPTION was written */
#define NP_POL_PHYS		BIT(2)	/* PHYSICAL_IFS_ALLOWED was written */
#define NP_POL_ISOLATE		BIT(3)	/* ISOLATE_FROM was written */
#define NP_POL_ENC_ALG		BIT(4)	/* ENCRYPTION_ALGORITHM was written */
#define NP_POL_COMPRESS		BIT(5)	/* COMPRESS was written */
#define NP_POL_HOST		BIT(6)	/* RESTRICT_TO_HOST was written */

struct np_policy {
	struct np_obj o;
	u8 present;				/* NP_POL_* */
	bool allow_cross_server;
	bool require_encryption;
	bool compress;
	u8 enc_alg;				/* enum netpolicy_enc_alg */
	u8 n_phys;
	u8 n_isolate;
	char host[NETPOLICY_NAME_MAX];
	struct np_selector *sels;		/* n_phys, then n_isolate */
	char name[NETPOLICY_NAME_MAX];
};

/*
 * References to other objects are unions: the referenced object's name
 * (*_ref) while a table is being built, pointing into the request or into
 * the previous table, then the object itself once np_table_build()
 * resolved it.
 */
struct np_nic {
	struct np_obj o;
	u8 n_tags;
	char *tags;				/* n_tags strings, packed */
	char name[IFNAMSIZ];
};

struct np_network {
	struct np_obj o;
	union {
		const struct np_policy *policy;
		const char *policy_ref;
	};
	u32 tunnel_id;				/* with tunnel */
	u8 tunnel;				/* enum netpolicy_tunnel, or 0 */
	char bridge[IFNAMSIZ];
	char name[NETPOLICY_NAME_MAX];
};

struct np_vm {
	struct np_obj o;
	union {
		const struct np_policy *policy;
		const char *policy_ref;
	};
	char *tags;				/* n_tags strings, packed */
	u8 uuid[NETPOLICY_UUID_LEN];
	bool has_uuid;
	u8 n_tags;
	u8 source;				/* enum netpolicy_source */
	char name[];
};

struct np_vif {
	struct np_obj o;
	union {
		const struct np_network *network;
		const char *network_ref;
	};
	union {
		const struct np_vm *vm;
		const char *vm_ref;
	};
	union {
		const struct np_policy *policy;
		const char *policy_ref;
	};
	u8 mac[ETH_ALEN];
	u8 has_mac:1;
	u8 is_glob:1;
	u8 source:2;				/* enum netpolicy_source */
	u8 prefix_len;				/* literal chars before a wildcard */
	char ifname[IFNAMSIZ];			/* name or glob; "" = any */
	char name[];
};

/* The objects of one kind, sorted by name once in a table. */
struct np_objv {
	void **v;
	u32 n;
	u32 cap;
};

/*
 * An immutable, compiled set of objects. Published per namespace with RCU;
 * readers hold rcu_read_lock() or RTNL, the writer (under RTNL) replaces the
 * whole table and frees the old one after a grace period.
 */
struct np_table {
	u32 gen;
	bool any_isolate;			/* some policy has ISOLATE_FROM */
	bool any_uplink_rule;			/* np_policy_needs_links(), or
						 * a network claims a tunnel
						 */
	char host[NETPOLICY_NAME_MAX];		/* this host's name, or "" */
	struct np_objv objs[NP_NKINDS];
	u32 mac_mask;				/* slots - 1, a power of two */
	u32 name_mask;
	u32 prefix_mask;
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
	struct np_objv objs[NP_NKINDS];
	bool set_host;
	char host[NETPOLICY_NAME_MAX];
};

/* glob.c */
bool np_glob_match(const char *pattern, const char *name);
unsigned int np_glob_prefix_len(const char *pattern);
bool np_glob_valid(const char *pattern);

/* table.c */
void np_obj_free(enum np_kind kind, void *obj);
struct np_vm *np_vm_alloc(const char *name);
struct np_vif *np_vif_alloc(const char *name);
int np_txn_add(struct np_txn *txn, enum np_kind kind, void *obj);
void np_txn_destroy(struct np_txn *txn);
struct np_table *np_table_build(const struct np_table *old, bool keep_old,
				struct np_txn *txn, u32 gen,
				struct netlink_ext_ack *extack);
struct np_table *np_table_without(const struct np_table *old,
				  enum np_kind kind, const char *name,
				  int source, u32 gen,
				  struct netlink_ext_ack *extack);
void np_table_free(struct np_table *t);
void np_table_free_rcu(struct np_table *t);
const struct np_vif *np_table_lookup(const struct np_table *t,
				     const char *ifname, const u8 *mac);
const void *np_table_find(const struct np_table *t, enum np_kind kind,
			  const char *name);
bool np_tags_have(const char *tags, unsigned int n, const char *tag);

/* decide.c: the attach decision, a pure function of the facts below. */

/* A port of the target bridge that is not a VM interface. */
struct np_uplink {
	const char *name;
	const char *underlay;			/* NULL: no fixed underlay */
	bool encrypted;				/* through MACsec, see device.c */
	u8 enc_alg;				/* its enum netpolicy_enc_alg */
	u8 tunnel;				/* the tunnel on its path, or 0 */
	u32 tunnel_id;				/* VNI or GRE key */
};

struct np_facts {
	const char *bridge;
	struct np_uplink *links;
	u32 n_links;
	const struct np_vif **peers;		/* VM interfaces on the bridge */
	const char **peer_ifnames;
	u32 n_peers;
};

#define NP_VNI_MAX	((1U << 24) - 1)

#define NP_NEED_LINKS	BIT(0)
#define NP_NEED_PEERS	BIT(1)

#define NP_MSG_LEN	256

struct np_verdict {
	u8 reason;				/* NETPOLICY_R_NONE: allowed */
	const struct np_policy *policy;		/* the one that refused */
	char msg[NP_MSG_LEN];
};

bool np_local_only(const struct np_policy *pol);
bool np_policy_needs_links(const struct np_policy *pol);
unsigned int np_decide_needs(const struct np_table *t,
			     const struct np_vif *vif);
u8 np_decide(const struct np_table *t, const struct np_vif *vif,
	     const struct np_facts *f, struct np_verdict *v);
bool np_sel_match_vm(const struct np_selector *sel, const struct np_vm *vm);

/* Per network namespace state. */
struct np_net {
	struct np_table __rcu *table;		/* RTNL for writers */
	u32 next_gen;				/* RTNL */
	u32 ports_gen;				/* RTNL: bumped on port change */
	struct list_head ports;			/* RTNL: in order first seen */
	DECLARE_HASHTABLE(port_hash, 10);	/* RTNL: by ifindex */
	struct work_struct recheck;		/* np_ports_recheck_work() */
	struct net *net;			/* the namespace this is of */
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
	char vm[NETPOLICY_NAME_MAX];
	char policy[NETPOLICY_NAME_MAX];	/* the one that refused it */
	char bridge[IFNAMSIZ];
	char msg[NP_MSG_LEN];			/* a policy refusal, in words */
};

int np_device_init(void);
void np_device_uninit(void);
void np_ports_reconcile(struct net *net);
void np_ports_recheck_work(struct work_struct *work);
void np_ports_net_exit(struct np_net *pn);

/* netlink.c */
int np_genl_init(void);
void np_genl_uninit(void);
void np_genl_port_event(struct net *net, const struct np_port *port, u8 ev);
const char *np_reason_text(u8 reason);

#endif /* _NETPOLICY_H */
