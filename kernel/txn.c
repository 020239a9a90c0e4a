// SPDX-License-Identifier: GPL-2.0
/*
 * Transactions: a load sent in several messages.
 *
 * A single NETPOLICY_CMD_LOAD must fit in one netlink message, which the
 * sender's socket buffer bounds (wmem_max, 208 KiB by default, for a sender
 * without CAP_NET_ADMIN in the initial namespace). A transaction collects
 * the objects of several LOADs, each parsed and checked as it arrives, and
 * its commit builds and publishes one table from all of them: the same
 * all-or-nothing step as one LOAD.
 *
 * Locking: np_net.txn_lock guards the list of open transactions and what
 * they hold; it is never held while a table is built (np_net.lock is), so
 * that closing a socket, which looks for the socket's transaction, never
 * waits for a load. The commit takes its transaction off the list first
 * and owns it from then on.
 *
 * A transaction is bound to the socket (port id) that opened it, in its
 * namespace; nothing else can reach it. It is dropped when that socket is
 * released (NETLINK_URELEASE, the sender died or closed it), when one of
 * its LOADs fails, or when it stays idle for txn_timeout seconds (checked
 * whenever a transaction of its namespace is used).
 */

#include <linux/jiffies.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/netlink.h>
#include <linux/notifier.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <net/net_namespace.h>

#include "netpolicy.h"
#include "txn.h"

static unsigned int txn_timeout = 30;
module_param(txn_timeout, uint, 0644);
MODULE_PARM_DESC(txn_timeout,
		 "Seconds a load transaction may stay idle before it is dropped (default 30)");

/* Open transactions a namespace may have at once. */
#define NP_TXNS_MAX		64

/* The marker an object's origin holds while a transaction keeps it. */
static const struct nlattr np_pending_origin;

/* Reference strings, copied out of the messages, in blocks. */
struct np_strchunk {
	struct np_strchunk *next;
	u32 used;
	char data[];
};

#define NP_STRCHUNK_DATA	(SZ_64K - sizeof(struct np_strchunk))

static const char *np_pending_strdup(struct np_pending *p, const char *s)
{
	size_t len = strnlen(s, NETPOLICY_NAME_MAX - 1) + 1;
	struct np_strchunk *c = p->strs;
	char *copy;

	if (!c || NP_STRCHUNK_DATA - c->used < len) {
		c = kvmalloc(SZ_64K, GFP_KERNEL_ACCOUNT);
		if (!c)
			return NULL;
		c->next = p->strs;
		c->used = 0;
		p->strs = c;
	}
	copy = c->data + c->used;
	memcpy(copy, s, len - 1);
	copy[len - 1] = '\0';
	c->used += len;
	return copy;
}

/* Copy @*ref (a name in a message, or NULL) into @p's strings. */
static int np_pending_keep_ref(struct np_pending *p, const char **ref)
{
	if (!*ref)
		return 0;
	*ref = np_pending_strdup(p, *ref);
	return *ref ? 0 : -ENOMEM;
}

/* Make the objects of @txn independent of the message they came from. */
static int np_pending_detach(struct np_pending *p, struct np_txn *txn)
{
	u32 i;
	int k;

	for (i = 0; i < txn->objs[NP_NET].n; i++) {
		struct np_network *net = txn->objs[NP_NET].v[i];

		if (np_pending_keep_ref(p, &net->policy_ref))
			return -ENOMEM;
	}
	for (i = 0; i < txn->objs[NP_VM].n; i++) {
		struct np_vm *vm = txn->objs[NP_VM].v[i];

		if (np_pending_keep_ref(p, &vm->policy_ref))
			return -ENOMEM;
	}
	for (i = 0; i < txn->objs[NP_VIF].n; i++) {
		struct np_vif *vif = txn->objs[NP_VIF].v[i];

		if (np_pending_keep_ref(p, &vif->network_ref) ||
		    np_pending_keep_ref(p, &vif->vm_ref) ||
		    np_pending_keep_ref(p, &vif->policy_ref))
			return -ENOMEM;
	}
	for (k = 0; k < NP_NKINDS; k++)
		for (i = 0; i < txn->objs[k].n; i++)
			((struct np_obj *)txn->objs[k].v[i])->origin =
				&np_pending_origin;
	return 0;
}

/**
 * np_pending_free - free a transaction taken off its namespace's list
 * @p: the transaction, or NULL
 */
void np_pending_free(struct np_pending *p)
{
	struct np_strchunk *c, *next;

	if (!p)
		return;
	np_txn_destroy(&p->txn);
	for (c = p->strs; c; c = next) {
		next = c->next;
		kvfree(c);
	}
	kfree(p);
}

static void np_pending_unlink(struct np_net *pn, struct np_pending *p)
{
	lockdep_assert_held(&pn->txn_lock);
	list_del(&p->node);
	pn->txn_objs -= p->n_objs;
	WRITE_ONCE(pn->n_txns, pn->n_txns - 1);
}

/* Drop the transactions of @pn idle for longer than txn_timeout. */
static void np_pending_expire(struct np_net *pn)
{
	unsigned long idle = READ_ONCE(txn_timeout) * (unsigned long)HZ;
	struct np_pending *p, *tmp;

	lockdep_assert_held(&pn->txn_lock);
	list_for_each_entry_safe(p, tmp, &pn->txns, node) {
		if (time_before_eq(jiffies, p->last_used + idle))
			continue;
		np_pending_unlink(pn, p);
		np_pending_free(p);
	}
}

static struct np_pending *np_pending_find(struct np_net *pn, u32 id,
					  u32 portid)
{
	struct np_pending *p;

	lockdep_assert_held(&pn->txn_lock);
	np_pending_expire(pn);
	list_for_each_entry(p, &pn->txns, node)
		if (p->id == id && p->portid == portid)
			return p;
	return NULL;
}

/**
 * np_pending_begin - open a transaction for socket @portid
 * @pn: the namespace
 * @portid: the sender's port id
 * @flags: its NETPOLICY_LOAD_F_* (validated)
 * @config_gen: the configuration generation its commit must find, or NULL
 * @id: its id, on success
 * @extack: why not
 *
 * Return: 0, -EBUSY (the socket has one open), -ENOSPC or -ENOMEM.
 */
int np_pending_begin(struct np_net *pn, u32 portid, u32 flags,
		     const u32 *config_gen, u32 *id,
		     struct netlink_ext_ack *extack)
{
	struct np_pending *p, *open;
	int err = 0;

	p = kzalloc(sizeof(*p), GFP_KERNEL_ACCOUNT);
	if (!p)
		return -ENOMEM;
	p->portid = portid;
	p->replace = flags & NETPOLICY_LOAD_F_REPLACE;
	p->txn.update = flags & NETPOLICY_LOAD_F_UPDATE;
	p->if_config = config_gen;
	p->config_gen = config_gen ? *config_gen : 0;
	p->last_used = jiffies;

	mutex_lock(&pn->txn_lock);
	np_pending_expire(pn);
	list_for_each_entry(open, &pn->txns, node) {
		if (open->portid == portid) {
			NL_SET_ERR_MSG(extack,
				       "this socket has a transaction open: commit or abort it first");
			err = -EBUSY;
			goto out;
		}
	}
	if (pn->n_txns >= NP_TXNS_MAX) {
		NL_SET_ERR_MSG(extack,
			       "too many load transactions open in this namespace");
		err = -ENOSPC;
		goto out;
	}
	do {
		p->id = ++pn->txn_last_id;
	} while (!p->id);
	*id = p->id;
	list_add_tail(&p->node, &pn->txns);
	WRITE_ONCE(pn->n_txns, pn->n_txns + 1);
	p = NULL;
out:
	mutex_unlock(&pn->txn_lock);
	kfree(p);
	return err;
}

/**
 * np_pending_add - add the objects of one LOAD to transaction @id
 * @pn: the namespace
 * @id: the transaction
 * @portid: the sender's port id
 * @more: the objects, parsed; taken on success, still the caller's on error
 * @limit: the namespace's object cap
 * @extack: why not
 *
 * On any error the transaction is dropped: its commit must not publish a
 * part of what its sender meant.
 *
 * Return: 0, -ENOENT (no such transaction of this socket), -ENOSPC (the
 * cap) or -ENOMEM.
 */
int np_pending_add(struct np_net *pn, u32 id, u32 portid, struct np_txn *more,
		   u32 limit, struct netlink_ext_ack *extack)
{
	struct np_pending *p;
	u32 n = 0;
	int err, k;

	for (k = 0; k < NP_NKINDS; k++)
		n += more->objs[k].n;

	mutex_lock(&pn->txn_lock);
	p = np_pending_find(pn, id, portid);
	if (!p) {
		mutex_unlock(&pn->txn_lock);
		NL_SET_ERR_MSG(extack,
			       "no such transaction of this socket (committed, aborted, failed or idle too long)");
		return -ENOENT;
	}
	if (n > limit || pn->txn_objs > limit - n) {
		NL_SET_ERR_MSG(extack,
			       "more objects than this namespace may hold, counting open transactions (module parameters max_objects, max_objects_userns)");
		err = -ENOSPC;
		goto drop;
	}
	err = np_pending_detach(p, more);
	if (!err)
		err = np_txn_merge(&p->txn, more);
	if (err)
		goto drop;
	p->n_objs += n;
	pn->txn_objs += n;
	p->last_used = jiffies;
	mutex_unlock(&pn->txn_lock);
	return 0;

drop:
	np_pending_unlink(pn, p);
	mutex_unlock(&pn->txn_lock);
	np_pending_free(p);
	return err;
}

/**
 * np_pending_take - take transaction @id of socket @portid off the list
 * @pn: the namespace
 * @id: the transaction
 * @portid: the sender's port id
 *
 * Return: the transaction, the caller's to free with np_pending_free(),
 * or NULL.
 */
struct np_pending *np_pending_take(struct np_net *pn, u32 id, u32 portid)
{
	struct np_pending *p;

	mutex_lock(&pn->txn_lock);
	p = np_pending_find(pn, id, portid);
	if (p)
		np_pending_unlink(pn, p);
	mutex_unlock(&pn->txn_lock);
	return p;
}

void np_pending_net_init(struct np_net *pn)
{
	mutex_init(&pn->txn_lock);
	INIT_LIST_HEAD(&pn->txns);
}

void np_pending_net_exit(struct np_net *pn)
{
	struct np_pending *p, *tmp;

	mutex_lock(&pn->txn_lock);
	list_for_each_entry_safe(p, tmp, &pn->txns, node) {
		np_pending_unlink(pn, p);
		np_pending_free(p);
	}
	mutex_unlock(&pn->txn_lock);
	mutex_destroy(&pn->txn_lock);
}

/* A generic netlink socket released: drop its transaction. */
static int np_pending_netlink_event(struct notifier_block *nb,
				    unsigned long event, void *ptr)
{
	struct netlink_notify *n = ptr;
	struct np_pending *p;
	struct np_net *pn;

	if (event != NETLINK_URELEASE || n->protocol != NETLINK_GENERIC)
		return NOTIFY_DONE;
	pn = np_net(n->net);
	/*
	 * Every genl socket of the host passes here. A transaction is made
	 * by a message the socket sent, processed before its release can
	 * begin: none open in the namespace means none of this socket.
	 */
	if (!READ_ONCE(pn->n_txns))
		return NOTIFY_DONE;
	mutex_lock(&pn->txn_lock);
	list_for_each_entry(p, &pn->txns, node) {
		if (p->portid == n->portid) {
			np_pending_unlink(pn, p);
			mutex_unlock(&pn->txn_lock);
			np_pending_free(p);
			return NOTIFY_DONE;
		}
	}
	mutex_unlock(&pn->txn_lock);
	return NOTIFY_DONE;
}

static struct notifier_block np_pending_nb = {
	.notifier_call = np_pending_netlink_event,
};

int __init np_pending_init(void)
{
	return netlink_register_notifier(&np_pending_nb);
}

void np_pending_uninit(void)
{
	netlink_unregister_notifier(&np_pending_nb);
}
