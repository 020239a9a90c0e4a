/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Compiled object tables: immutable sets of objects, built next to the
 * published one and swapped in as a whole (table.c).
 */
#ifndef _NP_TABLE_H
#define _NP_TABLE_H

#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/workqueue.h>

#include "object.h"

struct netlink_ext_ack;

/*
 * A growable array of objects: a transaction's, a full build's while it
 * sorts them, a table's policies by slot. Its memory is counted (struct
 * np_vec): a table made from another shares the other's policy slots
 * when no policy changes, and never writes shared ones.
 */
struct np_objv {
	void **v;
	u32 n;
	u32 cap;
};

/*
 * The memory of an np_objv's array: a count of the np_objv that hold it,
 * then the pointers. A shared array is never written.
 */
struct np_vec {
	refcount_t ref;
	void *v[];
};

static inline struct np_vec *objv_vec(const struct np_objv *ov)
{
	return container_of((void *)ov->v, struct np_vec, v);
}

/*
 * The objects of one kind in a table, sorted by name, in copy-on-write
 * chunks (table.c, "Sequences"): leaves of at most NP_LEAF_MAX pointers
 * under a spine that says where each leaf ends. Tables share spines and
 * leaves, each counted by its holders; a change writes a spine of its own
 * and copies only the leaves it writes, so adding one VIF to 100,000
 * copies a spine of about 400 entries and one leaf, not 100,000 pointers.
 * A held leaf or spine is never written. Leaves are never empty.
 */
#define NP_LEAF_MAX	254		/* a leaf fills 2 KiB */

struct np_leaf {
	refcount_t ref;				/* spines that hold it */
	u32 n;
	void *v[NP_LEAF_MAX];
};

struct np_seq {
	refcount_t ref;				/* tables that hold it */
	u32 n;					/* objects */
	u32 n_leaf;
	u32 cap;				/* room for leaves */
	struct np_spine {
		struct np_leaf *leaf;
		u32 end;			/* objects up to its end */
	} e[];
};

static inline u32 np_seq_n(const struct np_seq *s)
{
	return s ? s->n : 0;
}

void *np_seq_at(const struct np_seq *s, u32 i);
bool np_seq_same(const struct np_seq *a, const struct np_seq *b);

/*
 * A walk over a sequence in order: np_seq_iter_init(), then np_seq_next()
 * until NULL. It holds the current leaf's pointers, so that a step
 * within a leaf costs what a step over an array does.
 */
struct np_seq_iter {
	const struct np_seq *s;
	void *const *v;				/* the current leaf's pointers */
	u32 j, n;				/* the next of them; how many */
	u32 l;					/* the next leaf */
};

static inline void np_seq_iter_init(struct np_seq_iter *it,
				    const struct np_seq *s)
{
	it->s = s;
	it->v = NULL;
	it->j = 0;
	it->n = 0;
	it->l = 0;
}

/* The next object of the walk, or NULL after the last. */
static inline void *np_seq_next(struct np_seq_iter *it)
{
	const struct np_leaf *lf;

	if (likely(it->j < it->n))
		return it->v[it->j++];
	if (!it->s || it->l >= it->s->n_leaf)
		return NULL;
	lf = it->s->e[it->l++].leaf;
	it->v = lf->v;
	it->n = lf->n;
	it->j = 1;
	return lf->v[0];
}

/*
 * An index of VIFs: open addressing over slots kept in pages, so that a
 * table made from another shares the other's pages and copies only those
 * it writes (table.c). A page's own count (struct page) says how many
 * indexes hold it.
 */
#define NP_IX_SHIFT	(PAGE_SHIFT - 3)
#define NP_IX_PAGE	BIT(NP_IX_SHIFT)	/* slots in a page */

struct np_index {
	u32 mask;				/* slots - 1, a power of two */
	u32 n_pages;
	const struct np_vif **page[];		/* NP_IX_PAGE slots each */
};

static inline const struct np_vif *np_ix_get(const struct np_index *ix, u32 i)
{
	return ix->page[i >> NP_IX_SHIFT][i & (NP_IX_PAGE - 1)];
}

/* An object a table frees, and its kind (np_obj_free() needs it). */
struct np_owned {
	void *obj;
	enum np_kind kind;
};

/*
 * An immutable, compiled set of objects. Published per namespace with RCU;
 * readers hold rcu_read_lock() or RTNL, the writer (under RTNL) replaces the
 * whole table and drops the namespace's reference. A reader that sleeps
 * (a dump spread over several reads) takes a reference of its own; the
 * last one frees the table after a grace period.
 *
 * Who frees the objects: a table built in full owns its objects. A table
 * made from another by np_table_add() or np_table_drop() shares that
 * one's objects and is linked after it: the tables that share objects
 * form a chain, oldest first, and the chain owns every object of its
 * tables once, however many tables hold it (no count per object: making
 * a table from a 170,000-object one touches none of them). An object is
 * in a run of consecutive tables of its chain; np_table_free() frees it
 * when the last table of that run that is still linked goes (see
 * np_chain_settle(), table.c).
 */
struct np_table {
	refcount_t ref;
	u32 gen;
	u32 config_gen;				/* np_net.config_gen, published */
	/*
	 * Made from the table of generation @from_gen by np_table_add() or
	 * np_table_drop(): an object that changed is a new one, and so is
	 * every object that points to it; the others are @from_gen's own.
	 */
	bool shares;
	u32 from_gen;
	bool any_isolate;			/* some policy has ISOLATE_FROM */
	bool any_uplink_rule;			/* np_policy_needs_links(), or
						 * a network claims a tunnel
						 */
	/* what the two flags are derived from, kept per change */
	u32 n_isolate;				/* policies with ISOLATE_FROM */
	u32 n_uplink_rule;			/* policies and networks */
	char host[NETPOLICY_NAME_MAX];		/* this host's name, or "" */
	struct np_seq *objs[NP_NKINDS];		/* NULL: none of the kind */
	/*
	 * The policies by slot - 1, for the objects that name one (struct
	 * np_policy.slot): a full build numbers them in order; a change
	 * gives a replacing policy the slot of the one it replaces and a
	 * new one the next, and leaves a deleted one's NULL.
	 */
	struct np_objv pol_slot;
	u32 n_mac;				/* VIFs in by_mac */
	u32 n_name;				/* VIFs in by_name */
	u8 max_prefix;				/* longest glob literal prefix */
	u32 seed;
	struct np_index *by_mac;		/* open addressing, linear probe */
	struct np_index *by_name;		/* exact interface names */
	struct np_index *by_prefix;		/* globs, keyed by literal prefix */
	struct rcu_work free_work;		/* np_table_put() */
	/* the chain, under np_chain_lock (table.c) */
	struct np_table *prev, *next;		/* made from prev; next from it */
	struct np_table *release_next;		/* np_table_free()'s list */
	bool dead;				/* np_table_free() was called */
	u8 release;				/* what its release frees */
	u32 n_born, n_gone;
	struct np_owned *born;			/* objects new in it (not in prev) */
	struct np_owned *gone;			/* its objects not in next */
};

/*
 * Objects being loaded. The transaction owns them until np_table_build()
 * takes them; np_txn_destroy() frees whatever it still owns.
 */
struct np_txn {
	struct np_objv objs[NP_NKINDS];
	bool set_host;
	bool update;				/* NETPOLICY_LOAD_F_UPDATE */
	char host[NETPOLICY_NAME_MAX];
};

/* How many VM and VIF objects np_table_add() takes (table.c) */
#define NP_ADD_MAX	64

int np_txn_add(struct np_txn *txn, enum np_kind kind, void *obj);
int np_txn_merge(struct np_txn *dst, struct np_txn *src);
void np_txn_destroy(struct np_txn *txn);
bool np_txn_configures(const struct np_txn *txn);
struct np_table *np_table_build(const struct np_table *old, bool keep_old,
				struct np_txn *txn, u32 gen,
				struct netlink_ext_ack *extack);
struct np_table *np_table_add(struct np_table *old, struct np_txn *txn,
			      u32 gen);
struct np_table *np_table_drop(struct np_table *old, enum np_kind kind,
			       const char *name, int source, u32 gen);
struct np_table *np_table_without(const struct np_table *old,
				  enum np_kind kind, const char *name,
				  int source, u32 gen,
				  struct netlink_ext_ack *extack);
void np_table_free(struct np_table *t);
u32 np_table_count(const struct np_table *t);
int np_tables_init(void);
void np_tables_uninit(void);
void np_table_put(struct np_table *t);
struct np_table *np_table_get_rcu(struct np_table __rcu **slot);
const struct np_vif *np_table_lookup(const struct np_table *t,
				     const char *ifname, const u8 *mac);
const void *np_table_find(const struct np_table *t, enum np_kind kind,
			  const char *name);
s32 np_table_pos(const struct np_table *t, enum np_kind kind,
		 const char *name);
const struct np_vif *np_table_by_mac(const struct np_table *t, const u8 *mac);
const struct np_vif *np_table_by_ifname(const struct np_table *t,
					const char *ifname);

/**
 * np_table_policy - the policy a resolved reference names in @t
 * @t: the table
 * @slot: the reference (struct np_network.policy_slot and the like)
 *
 * Return: the policy, or NULL when @slot is 0 (no policy named).
 */
static inline const struct np_policy *np_table_policy(const struct np_table *t,
						      u32 slot)
{
	return slot ? t->pol_slot.v[slot - 1] : NULL;
}

/* The most objects one object points to (a VIF's network, VM, policy). */
#define NP_OBJ_REFS	3

/**
 * np_obj_refs - the objects an object of a table points to
 * @t: the table
 * @kind: its kind
 * @obj: the object, its references resolved in @t
 * @refs: set to them; NULL where it points to nothing
 *
 * A network and a VM point to their policy, a VIF to its network, VM and
 * policy; policies and NICs point to nothing.
 */
static inline void np_obj_refs(const struct np_table *t, enum np_kind kind,
			       const void *obj, const void *refs[NP_OBJ_REFS])
{
	const struct np_network *net = obj;
	const struct np_vif *vif = obj;
	const struct np_vm *vm = obj;

	refs[1] = NULL;
	refs[2] = NULL;
	if (kind == NP_NET) {
		refs[0] = np_table_policy(t, net->policy_slot);
	} else if (kind == NP_VM) {
		refs[0] = np_table_policy(t, vm->policy_slot);
	} else if (kind == NP_VIF) {
		refs[0] = vif->network;
		refs[1] = vif->vm;
		refs[2] = np_table_policy(t, vif->policy_slot);
	} else {
		refs[0] = NULL;
	}
}

void *np_obj_dup(const struct np_table *t, enum np_kind kind,
		 const void *src);

#endif /* _NP_TABLE_H */
