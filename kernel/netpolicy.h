/* SPDX-License-Identifier: GPL-2.0 */
/*
 * netpolicy: the state of one network namespace, which every part of the
 * module reaches through np_net(). The parts, from the bottom up (each
 * uses only those above it in this list):
 *
 *  glob.c     interface name globs
 *  object.c   the objects, and what a policy says
 *  table.c    compiled object tables: build, lookup (pure data, no locks)
 *  decide.c   the attach decision and its words (pure)
 *  uplink.c   facts about a bridge's uplinks, from the live devices
 *  port.c     the netdevice notifier, ports, attaching
 *  txn.c      load transactions: objects held until their commit
 *  netlink.c  the generic netlink family
 *  main.c     module init/exit, per-netns state
 */
#ifndef _NETPOLICY_H
#define _NETPOLICY_H

#include <linux/hashtable.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/workqueue.h>

#include "table.h"

struct net;

/* Per network namespace state. */
struct np_net {
	/*
	 * Writers build a table under @lock, outside RTNL, and publish it
	 * under both: readers hold either, or rcu_read_lock().
	 */
	struct mutex lock;
	struct np_table __rcu *table;
	u32 next_gen;				/* @lock */
	/*
	 * @lock: moved by every change of the configuration's objects
	 * (NETPOLICY_A_CONFIG_GEN); random at first, so that a reader's
	 * remembered value never matches another namespace's or module's
	 */
	u32 config_gen;
	struct list_head ports;			/* RTNL: in order first seen */
	DECLARE_HASHTABLE(port_hash, 10);	/* RTNL: by ifindex */
	struct work_struct recheck;		/* np_ports_recheck_work() */
	struct net *net;			/* the namespace this is of */
	/* open load transactions (txn.c), never held across a build */
	struct mutex txn_lock;
	struct list_head txns;			/* @txn_lock */
	u32 n_txns;				/* @txn_lock; read locklessly */
	u32 txn_objs;				/* @txn_lock: objects they hold */
	u32 txn_last_id;			/* @txn_lock */
};

struct np_net *np_net(struct net *net);

#endif /* _NETPOLICY_H */
