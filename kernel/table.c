// SPDX-License-Identifier: GPL-2.0
/*
 * Compiled object tables.
 *
 * A table is built once, never modified, and replaced as a whole: every
 * load or delete builds a new table next to the published one, so a failed
 * load leaves the old table exactly as it was (all-or-nothing), and a device
 * looked up during a swap sees either the old or the new table.
 *
 * Lookups cost O(1) in the number of objects: MACs and exact interface names
 * are hashed; a glob is hashed by its literal prefix, so a name of length n
 * probes at most min(n, longest prefix) + 1 prefix lengths, never a list of
 * all globs. The hash sets use open addressing with linear probing at a load
 * factor of at most 1/2; objects with equal keys sit along one probe
 * sequence in insertion (= name) order, which gives the documented
 * tie-break for free.
 *
 * Nothing here takes a lock: callers publish and read tables under their
 * own rules (see main.c).
 */

#include <linux/etherdevice.h>
#include <linux/jhash.h>
#include <linux/log2.h>
#include <linux/netlink.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>

#include "glob.h"
#include "table.h"

/* Let go of @ov's array (freed with its last holder); @ov is empty after. */
static void objv_put(struct np_objv *ov)
{
	if (ov->v && refcount_dec_and_test(&objv_vec(ov)->ref))
		kvfree(objv_vec(ov));
	memset(ov, 0, sizeof(*ov));
}

/* Make @dst, empty, hold @src's array too, read only. */
static void objv_share(struct np_objv *dst, const struct np_objv *src)
{
	if (src->v)
		refcount_inc(&objv_vec(src)->ref);
	dst->v = src->v;
	dst->n = src->n;
	dst->cap = src->n;			/* a push would grow it */
}

/*
 * Room for @more more pointers in @ov, allocated now. Grown by hand rather
 * than with kvrealloc(), whose arguments changed in 6.11 (the old size
 * went): one call for every supported kernel. A shared array is not
 * grown: it is not to be written.
 */
static int objv_reserve(struct np_objv *ov, u32 more)
{
	struct np_vec *bigger;
	u32 want, n = ov->n;

	if (more > U32_MAX / 2 - ov->n)
		return -ENOMEM;
	if (ov->n + more <= ov->cap)
		return 0;
	if (WARN_ON_ONCE(ov->v && refcount_read(&objv_vec(ov)->ref) > 1))
		return -EINVAL;
	/* grown, the count and the pointers fill a power of two */
	want = max3(ov->cap * 2 + 1, ov->n + more, 15U);
	bigger = kvmalloc(struct_size(bigger, v, want), GFP_KERNEL_ACCOUNT);
	if (!bigger)
		return -ENOMEM;
	refcount_set(&bigger->ref, 1);
	if (n)
		memcpy(bigger->v, ov->v, n * sizeof(void *));
	objv_put(ov);
	ov->v = bigger->v;
	ov->n = n;
	ov->cap = want;
	return 0;
}

static int objv_push(struct np_objv *ov, void *obj)
{
	int err = objv_reserve(ov, 1);

	if (!err)
		ov->v[ov->n++] = obj;
	return err;
}

static void objv_free(struct np_objv *ov, enum np_kind kind)
{
	u32 i;

	for (i = 0; i < ov->n; i++)
		np_obj_free(kind, ov->v[i]);
	objv_put(ov);
}

/*
 * Sequences (struct np_seq, table.h): a table's objects of one kind, in
 * name order, in leaves of at most NP_LEAF_MAX pointers. A full build
 * fills every leaf; a change copies the spine (16 bytes a leaf, each
 * leaf counted once more) and then the leaves it writes, splitting a
 * full one in two to insert. A deleted object's leaf shrinks, and goes
 * when it empties; leaves are not merged, so a chain of deletes leaves
 * no more leaves than its table had (the next full build packs them).
 */
static struct np_leaf *np_leaf_alloc(void)
{
	struct np_leaf *lf = kmalloc(sizeof(*lf), GFP_KERNEL_ACCOUNT);

	if (lf) {
		refcount_set(&lf->ref, 1);
		lf->n = 0;
	}
	return lf;
}

static void np_leaf_put(struct np_leaf *lf)
{
	if (refcount_dec_and_test(&lf->ref))
		kfree(lf);
}

static struct np_seq *np_seq_alloc(u32 cap)
{
	struct np_seq *s = kvmalloc(struct_size(s, e, cap), GFP_KERNEL_ACCOUNT);

	if (s) {
		refcount_set(&s->ref, 1);
		s->n = 0;
		s->n_leaf = 0;
		s->cap = cap;
	}
	return s;
}

/* Let go of @s (or NULL): its leaves go with their last spine. */
static void np_seq_put(struct np_seq *s)
{
	u32 l;

	if (!s || !refcount_dec_and_test(&s->ref))
		return;
	for (l = 0; l < s->n_leaf; l++)
		np_leaf_put(s->e[l].leaf);
	kvfree(s);
}

/* @s (or NULL) held by one more table, read only. */
static struct np_seq *np_seq_get(struct np_seq *s)
{
	if (s)
		refcount_inc(&s->ref);
	return s;
}

/* @v[@n], sorted, as a sequence in full leaves; *@out NULL when @n is 0 */
static int np_seq_make(struct np_seq **out, void *const *v, u32 n)
{
	struct np_leaf *lf;
	struct np_seq *s;
	u32 k;

	*out = NULL;
	if (!n)
		return 0;
	s = np_seq_alloc(DIV_ROUND_UP(n, NP_LEAF_MAX));
	if (!s)
		return -ENOMEM;
	while (s->n < n) {
		lf = np_leaf_alloc();
		if (!lf) {
			np_seq_put(s);
			return -ENOMEM;
		}
		k = min_t(u32, n - s->n, NP_LEAF_MAX);
		memcpy(lf->v, &v[s->n], k * sizeof(void *));
		lf->n = k;
		s->n += k;
		s->e[s->n_leaf].leaf = lf;
		s->e[s->n_leaf++].end = s->n;
	}
	*out = s;
	return 0;
}

/*
 * A spine of @old's leaves (or of none), each counted once more, for a
 * change to write: room for @more leaves beyond @old's.
 */
static struct np_seq *np_seq_clone(const struct np_seq *old, u32 more)
{
	u32 n_leaf = old ? old->n_leaf : 0, l;
	struct np_seq *s = np_seq_alloc(n_leaf + more);

	if (!s || !n_leaf)
		return s;
	memcpy(s->e, old->e, n_leaf * sizeof(s->e[0]));
	for (l = 0; l < n_leaf; l++)
		refcount_inc(&s->e[l].leaf->ref);
	s->n = old->n;
	s->n_leaf = n_leaf;
	return s;
}

static u32 np_seq_start(const struct np_seq *s, u32 l)
{
	return l ? s->e[l - 1].end : 0;
}

/* The leaf of @s that holds position @i (< @s->n) */
static u32 np_seq_leaf_of(const struct np_seq *s, u32 i)
{
	u32 lo = 0, hi = s->n_leaf - 1;

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;

		if (s->e[mid].end > i)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/**
 * np_seq_at - the object at position @i of a sequence
 * @s: the sequence, or NULL
 * @i: the position, in name order
 *
 * Return: the object, or NULL past the end.
 */
void *np_seq_at(const struct np_seq *s, u32 i)
{
	u32 l;

	if (!s || i >= s->n)
		return NULL;
	l = np_seq_leaf_of(s, i);
	return s->e[l].leaf->v[i - np_seq_start(s, l)];
}

/**
 * np_seq_same - whether two sequences hold the same objects
 * @a: a sequence, or NULL
 * @b: another
 *
 * Return: true when they hold the same objects (by address) in order.
 */
bool np_seq_same(const struct np_seq *a, const struct np_seq *b)
{
	struct np_seq_iter ia, ib;
	const void *o;

	if (a == b)
		return true;
	if (np_seq_n(a) != np_seq_n(b))
		return false;
	np_seq_iter_init(&ia, a);
	np_seq_iter_init(&ib, b);
	while ((o = np_seq_next(&ia)))
		if (o != np_seq_next(&ib))
			return false;
	return true;
}

static const char *np_name_of(const void *obj)
{
	return ((const struct np_obj *)obj)->name;
}

/*
 * Where @name goes in @s: the first greater name, at index *@j of leaf
 * *@l (the last leaf whose first name is not greater, so that an equal
 * name is at *@j - 1 of it). Return: its position, 0 with *@l U32_MAX
 * when every name of @s is greater (or @s is empty).
 */
static u32 np_seq_locate(const struct np_seq *s, const char *name, u32 *l,
			 u32 *j)
{
	const struct np_leaf *lf;
	u32 lo = 0, hi = s ? s->n_leaf : 0, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (strcmp(name, np_name_of(s->e[mid].leaf->v[0])) < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	*l = U32_MAX;
	if (!lo)
		return 0;
	*l = lo - 1;
	lf = s->e[*l].leaf;
	lo = 1;				/* its first name is not greater */
	hi = lf->n;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (strcmp(name, np_name_of(lf->v[mid])) < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	*j = lo;
	return np_seq_start(s, *l) + lo;
}

/* Where @name goes in @s: the first greater name's position. */
static u32 np_seq_rank(const struct np_seq *s, const char *name)
{
	u32 l, j;

	return np_seq_locate(s, name, &l, &j);
}

/* The position of the object named @name in @s, or -1 */
static s32 np_seq_pos(const struct np_seq *s, const char *name)
{
	u32 l, j, at = np_seq_locate(s, name, &l, &j);

	if (l == U32_MAX || strcmp(name, np_name_of(s->e[l].leaf->v[j - 1])))
		return -1;
	return at - 1;
}

static void *np_seq_find(const struct np_seq *s, const char *name)
{
	u32 l, j;

	np_seq_locate(s, name, &l, &j);
	if (l == U32_MAX || strcmp(name, np_name_of(s->e[l].leaf->v[j - 1])))
		return NULL;
	return s->e[l].leaf->v[j - 1];
}

/*
 * Leaf @l of @s, a spine only its change holds, to write: a copy of it
 * when another spine holds it too.
 */
static struct np_leaf *np_seq_own(struct np_seq *s, u32 l)
{
	struct np_leaf *lf = s->e[l].leaf, *c;

	WARN_ON_ONCE(refcount_read(&s->ref) != 1);
	if (refcount_read(&lf->ref) == 1)
		return lf;
	c = np_leaf_alloc();
	if (!c)
		return NULL;
	memcpy(c->v, lf->v, lf->n * sizeof(void *));
	c->n = lf->n;
	np_leaf_put(lf);			/* another spine holds it */
	s->e[l].leaf = c;
	return c;
}

/* Make @obj the object at position @i (< @s->n) of @s. */
static int np_seq_set(struct np_seq *s, u32 i, void *obj)
{
	u32 l = np_seq_leaf_of(s, i);
	struct np_leaf *lf = np_seq_own(s, l);

	if (!lf)
		return -ENOMEM;
	lf->v[i - np_seq_start(s, l)] = obj;
	return 0;
}

/*
 * Insert @obj at position @i (<= @s->n) of @s, splitting a full leaf in
 * two: the spine needs room for one more leaf (np_seq_clone()'s @more).
 */
static int np_seq_insert(struct np_seq *s, u32 i, void *obj)
{
	struct np_leaf *lf, *right;
	u32 l, j, m;

	if (WARN_ON_ONCE(s->n_leaf == s->cap))
		return -EINVAL;
	if (!s->n_leaf) {
		lf = np_leaf_alloc();
		if (!lf)
			return -ENOMEM;
		s->e[0].leaf = lf;
		s->e[0].end = 0;
		s->n_leaf = 1;
		l = 0;
		j = 0;
	} else {
		l = i == s->n ? s->n_leaf - 1 : np_seq_leaf_of(s, i);
		j = i - np_seq_start(s, l);
		lf = np_seq_own(s, l);
		if (!lf)
			return -ENOMEM;
	}
	if (lf->n == NP_LEAF_MAX) {
		right = np_leaf_alloc();
		if (!right)
			return -ENOMEM;
		m = lf->n / 2;
		right->n = lf->n - m;
		memcpy(right->v, &lf->v[m], right->n * sizeof(void *));
		lf->n = m;
		memmove(&s->e[l + 2], &s->e[l + 1],
			(s->n_leaf - l - 1) * sizeof(s->e[0]));
		s->e[l + 1].leaf = right;
		s->e[l + 1].end = s->e[l].end;
		s->e[l].end -= right->n;
		s->n_leaf++;
		if (j > m) {
			l++;
			j -= m;
			lf = right;
		}
	}
	memmove(&lf->v[j + 1], &lf->v[j], (lf->n - j) * sizeof(void *));
	lf->v[j] = obj;
	lf->n++;
	for (; l < s->n_leaf; l++)
		s->e[l].end++;
	s->n++;
	return 0;
}

/* Take the object at position @i (< @s->n) out of @s. */
static int np_seq_delete(struct np_seq *s, u32 i)
{
	u32 l = np_seq_leaf_of(s, i), j = i - np_seq_start(s, l);
	struct np_leaf *lf = s->e[l].leaf;

	if (lf->n == 1) {
		WARN_ON_ONCE(refcount_read(&s->ref) != 1);
		np_leaf_put(lf);
		memmove(&s->e[l], &s->e[l + 1],
			(s->n_leaf - l - 1) * sizeof(s->e[0]));
		s->n_leaf--;
	} else {
		lf = np_seq_own(s, l);
		if (!lf)
			return -ENOMEM;
		memmove(&lf->v[j], &lf->v[j + 1],
			(lf->n - j - 1) * sizeof(void *));
		lf->n--;
	}
	for (; l < s->n_leaf; l++)
		s->e[l].end--;
	s->n--;
	return 0;
}

/*
 * The few sorted objects of @add into @s, each in its name's place: the
 * object of @s of that name, if any, is replaced (room for @add->n more
 * leaves).
 */
static int np_seq_merge(struct np_seq *s, const struct np_objv *add)
{
	u32 i, at;
	int err;

	for (i = 0; i < add->n; i++) {
		at = np_seq_rank(s, np_name_of(add->v[i]));
		if (at && !strcmp(np_name_of(np_seq_at(s, at - 1)),
				  np_name_of(add->v[i])))
			err = np_seq_set(s, at - 1, add->v[i]);
		else
			err = np_seq_insert(s, at, add->v[i]);
		if (err)
			return err;
	}
	return 0;
}

/*
 * Indexes (struct np_index, table.h). A table made from another shares
 * the other's index pages, taking a count on each (NP_IX_PAGE slots a
 * page: 512 on 4 KiB pages), and copies a page the first time it writes
 * it: a change copies the page pointers and the pages it writes, not
 * the slots. Readers see a table's pages only once it is published, and
 * a page is freed with the last index that holds it, after the grace
 * period of that index's table.
 */
static_assert(NP_IX_PAGE * sizeof(void *) == PAGE_SIZE);

static void np_ix_free(struct np_index *ix)
{
	u32 p;

	if (!ix)
		return;
	for (p = 0; p < ix->n_pages && ix->page[p]; p++)
		free_page((unsigned long)ix->page[p]);
	kvfree(ix);
}

/* An empty index for @n keys, at a load factor of at most 1/2. */
static struct np_index *np_ix_alloc(u32 n)
{
	u32 slots = roundup_pow_of_two(max_t(u32, 2 * n, 16)), p;
	u32 n_pages = DIV_ROUND_UP(slots, NP_IX_PAGE);
	struct np_index *ix;

	ix = kvzalloc(struct_size(ix, page, n_pages), GFP_KERNEL_ACCOUNT);
	if (!ix)
		return NULL;
	ix->mask = slots - 1;
	ix->n_pages = n_pages;
	for (p = 0; p < n_pages; p++) {
		ix->page[p] = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
		if (!ix->page[p]) {
			np_ix_free(ix);
			return NULL;
		}
	}
	return ix;
}

/* @old's slots, its pages shared. */
static struct np_index *np_ix_share(const struct np_index *old)
{
	struct np_index *ix;
	u32 p;

	ix = kvmalloc(struct_size(ix, page, old->n_pages), GFP_KERNEL_ACCOUNT);
	if (!ix)
		return NULL;
	ix->mask = old->mask;
	ix->n_pages = old->n_pages;
	for (p = 0; p < ix->n_pages; p++) {
		ix->page[p] = old->page[p];
		get_page(virt_to_page(ix->page[p]));
	}
	return ix;
}

/*
 * Make the page of slot @i of @ix this index's own (copied when another
 * index holds it too), so that it may be written. Return: 0 or -ENOMEM
 * (the index unchanged).
 */
static int np_ix_own(struct np_index *ix, u32 i)
{
	const struct np_vif **page = ix->page[i >> NP_IX_SHIFT], **copy;

	if (page_count(virt_to_page(page)) == 1)
		return 0;
	copy = (void *)__get_free_page(GFP_KERNEL_ACCOUNT);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, page, PAGE_SIZE);
	free_page((unsigned long)page);
	ix->page[i >> NP_IX_SHIFT] = copy;
	return 0;
}

/* Slot @i of @ix, whose page is this index's own (np_ix_own()). */
static const struct np_vif **np_ix_slot(struct np_index *ix, u32 i)
{
	return &ix->page[i >> NP_IX_SHIFT][i & (NP_IX_PAGE - 1)];
}

/* Write @vif to slot @i of @ix. Return: 0 or -ENOMEM (nothing written). */
static int np_ix_set(struct np_index *ix, u32 i, const struct np_vif *vif)
{
	int err = np_ix_own(ix, i);

	if (!err)
		*np_ix_slot(ix, i) = vif;
	return err;
}

/**
 * np_txn_add - hand an object to a transaction
 * @txn: the transaction
 * @kind: the object's kind
 * @obj: the object; owned by @txn on success, still the caller's on error
 *
 * Return: 0 or -ENOMEM.
 */
int np_txn_add(struct np_txn *txn, enum np_kind kind, void *obj)
{
	return objv_push(&txn->objs[kind], obj);
}

/**
 * np_txn_merge - move every object of @src into @dst
 * @dst: the transaction that grows
 * @src: emptied on success, untouched on error
 *
 * A host name set in @src replaces @dst's.
 *
 * Return: 0 or -ENOMEM.
 */
int np_txn_merge(struct np_txn *dst, struct np_txn *src)
{
	int k;

	for (k = 0; k < NP_NKINDS; k++)
		if (objv_reserve(&dst->objs[k], src->objs[k].n))
			return -ENOMEM;
	for (k = 0; k < NP_NKINDS; k++) {
		struct np_objv *d = &dst->objs[k], *s = &src->objs[k];

		if (s->n)
			memcpy(&d->v[d->n], s->v, s->n * sizeof(void *));
		d->n += s->n;
		s->n = 0;
	}
	if (src->set_host) {
		dst->set_host = true;
		strscpy(dst->host, src->host, sizeof(dst->host));
	}
	return 0;
}

/**
 * np_txn_configures - whether @txn holds an object of the configuration
 * @txn: the transaction
 *
 * Policies, NICs and networks are the configuration's; VMs and VIFs are
 * when their source says so.
 */
bool np_txn_configures(const struct np_txn *txn)
{
	u32 i;
	int k;

	for (k = 0; k < NP_NKINDS; k++)
		for (i = 0; i < txn->objs[k].n; i++)
			if (np_obj_source(k, txn->objs[k].v[i]) ==
			    NETPOLICY_SOURCE_CONFIG)
				return true;
	return false;
}

/**
 * np_txn_destroy - free a transaction and the objects it still owns
 * @txn: the transaction (its memory is the caller's)
 */
void np_txn_destroy(struct np_txn *txn)
{
	int k;

	for (k = 0; k < NP_NKINDS; k++)
		objv_free(&txn->objs[k], k);
	memset(txn, 0, sizeof(*txn));
}

/*
 * The chains of tables that share objects (struct np_table, table.h):
 * one lock for every namespace's chain, held to link a table and to
 * settle what the end of one frees, never while objects are freed.
 * Taken inside np_net.lock; it takes nothing.
 */
static DEFINE_MUTEX(np_chain_lock);

/* What a table's release frees besides its own memory */
enum {
	NP_RELEASE_ALL,				/* every object it holds */
	NP_RELEASE_BORN,			/* its born list */
	NP_RELEASE_GONE,			/* its gone list */
};

static void np_owned_free(const struct np_owned *own, u32 n)
{
	while (n--)
		np_obj_free(own[n].kind, own[n].obj);
}

/* Free @t, unlinked, and the objects np_chain_settle() gave it. */
static void np_table_release(struct np_table *t)
{
	struct np_seq_iter it;
	void *obj;
	int k;

	if (t->release == NP_RELEASE_BORN)
		np_owned_free(t->born, t->n_born);
	else if (t->release == NP_RELEASE_GONE)
		np_owned_free(t->gone, t->n_gone);
	for (k = 0; k < NP_NKINDS; k++) {
		np_seq_iter_init(&it, t->objs[k]);
		while (t->release == NP_RELEASE_ALL && (obj = np_seq_next(&it)))
			np_obj_free(k, obj);
		np_seq_put(t->objs[k]);
	}
	objv_put(&t->pol_slot);
	kfree(t->born);
	kfree(t->gone);
	kfree(t);
}

/*
 * @t was freed: unlink every table that can go now, and say what each
 * frees. An object of a chain is held by a run of consecutive tables,
 * from the one it was born in (in that one's born list, or simply one of
 * its objects when it has no prev) to the last one that holds it (the
 * object is in that one's gone list, or one of its objects when it has
 * no next). So:
 *
 * - a dead table with no next frees its born list when it has a prev (its
 *   other objects are the prev's too), else all its objects; the prev,
 *   now last, forgets its gone list (those objects are still its own);
 * - a dead table with a next and no prev frees its gone list: every
 *   table that could hold those objects before it is gone already; the
 *   next, now first, owns the rest;
 * - a dead table with both waits (a dump holds a table before it), its
 *   object arrays kept for when it is first or last.
 *
 * Each step may leave a dead neighbour first or last: it goes too.
 * Return: the tables to release, linked by release_next.
 */
static struct np_table *np_chain_settle(struct np_table *t)
{
	struct np_table *out = NULL, *p, *n;

	lockdep_assert_held(&np_chain_lock);
	while (t && t->dead) {
		p = t->prev;
		n = t->next;
		if (!n) {
			t->release = p ? NP_RELEASE_BORN : NP_RELEASE_ALL;
			if (p) {
				p->next = NULL;
				kfree(p->gone);
				p->gone = NULL;
				p->n_gone = 0;
			}
			t->prev = NULL;
		} else if (!p) {
			t->release = NP_RELEASE_GONE;
			n->prev = NULL;
			t->next = NULL;
		} else {
			break;
		}
		t->release_next = out;
		out = t;
		t = n ?: p;
	}
	return out;
}

/**
 * np_table_free - end a table
 * @t: a table no reader can see any more (np_table_put()), or one never
 *	published; or NULL
 *
 * Frees its indexes, and the table with the objects no other table of
 * its chain holds, now or once the tables before it are freed too.
 */
void np_table_free(struct np_table *t)
{
	struct np_table *out, *next;

	if (!t)
		return;
	np_ix_free(t->by_mac);
	np_ix_free(t->by_name);
	np_ix_free(t->by_prefix);
	t->by_mac = NULL;
	t->by_name = NULL;
	t->by_prefix = NULL;
	mutex_lock(&np_chain_lock);
	t->dead = true;
	out = np_chain_settle(t);
	mutex_unlock(&np_chain_lock);
	for (; out; out = next) {
		next = out->release_next;
		np_table_release(out);
	}
}

/* Whether a table may be made from @old sharing its objects: it is last. */
static bool np_chain_last(const struct np_table *old)
{
	bool last;

	mutex_lock(&np_chain_lock);
	last = !old->next && !old->dead;
	mutex_unlock(&np_chain_lock);
	return last;
}

/*
 * Link @t, made from @old (last in its chain: np_chain_last(), and its
 * caller makes one table from it at a time), after @old. @born: the
 * objects new in @t; @gone: those of @old that @t does not hold (both
 * kmalloc()ed, @n_born and @n_gone long; the tables' from now).
 */
static void np_chain_link(struct np_table *old, struct np_table *t,
			  struct np_owned *born, u32 n_born,
			  struct np_owned *gone, u32 n_gone)
{
	t->born = born;
	t->n_born = n_born;
	mutex_lock(&np_chain_lock);
	WARN_ON_ONCE(old->next || old->dead);
	t->prev = old;
	old->next = t;
	old->gone = gone;
	old->n_gone = n_gone;
	mutex_unlock(&np_chain_lock);
}

/*
 * Tables are freed in process context: the last put of a 170,000-object
 * table built in full frees 170,000 objects, which an RCU callback would
 * run in softirq context, holding up packet processing on that CPU.
 */
static struct workqueue_struct *np_free_wq;

/* At module init (and by the KUnit suites, where none ran); once. */
int np_tables_init(void)
{
	if (!np_free_wq)
		np_free_wq = alloc_workqueue("netpolicy_free", WQ_UNBOUND, 0);
	return np_free_wq ? 0 : -ENOMEM;
}

/* After the last np_table_put(): waits for every table to be freed. */
void np_tables_uninit(void)
{
	rcu_barrier();			/* the grace periods that queue the frees */
	destroy_workqueue(np_free_wq);	/* and the frees themselves */
	np_free_wq = NULL;
}

static void np_table_free_work(struct work_struct *work)
{
	np_table_free(container_of(to_rcu_work(work), struct np_table,
				   free_work));
}

/**
 * np_table_put - drop a reference to @t
 * @t: a table, or NULL
 *
 * The last reference frees @t, in process context, once every RCU reader
 * is done with it: a reader under rcu_read_lock() holds no reference.
 */
void np_table_put(struct np_table *t)
{
	if (t && refcount_dec_and_test(&t->ref)) {
		INIT_RCU_WORK(&t->free_work, np_table_free_work);
		queue_rcu_work(np_free_wq, &t->free_work);
	}
}

/**
 * np_table_get_rcu - a reference to the table published at @slot
 * @slot: a namespace's table pointer
 *
 * Return: the table, which the caller releases with np_table_put(), or
 * NULL when none is published.
 */
struct np_table *np_table_get_rcu(struct np_table __rcu **slot)
{
	struct np_table *t;

	rcu_read_lock();
	/* a failed get means a writer replaced it: the new one is published */
	do {
		t = rcu_dereference(*slot);
	} while (t && !refcount_inc_not_zero(&t->ref));
	rcu_read_unlock();
	return t;
}

/*
 * Sorting 100,000 objects by name: compare the first eight bytes of each
 * name as a number held next to the pointer (no pointer chase, no strcmp
 * for most pairs), and strcmp() only the rest on a tie.
 */
struct np_sort_ent {
	u64 key;				/* the name's first 8 bytes */
	const struct np_obj *obj;
};

static u64 name_key(const char *name)
{
	u64 key = 0;
	int i;

	for (i = 0; i < 8 && name[i]; i++)
		key |= (u64)(u8)name[i] << (56 - 8 * i);
	return key;
}

static int cmp_ent(const void *a, const void *b)
{
	const struct np_sort_ent *x = a, *y = b;
	int c = 0;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	if (x->key & 0xff)			/* not both ended within 8 */
		c = strcmp(x->obj->name + 8, y->obj->name + 8);
	/*
	 * One name more than once: the request's objects first, so that a
	 * name twice in one request is refused whatever the order (sort()
	 * is not stable) and whatever a table held before.
	 */
	return c ?: (int)!x->obj->origin - (int)!y->obj->origin;
}

static int np_sort_by_name(struct np_objv *ov)
{
	struct np_sort_ent *e;
	u32 i;

	if (ov->n < 2)
		return 0;
	e = kvmalloc_array(ov->n, sizeof(*e), GFP_KERNEL_ACCOUNT);
	if (!e)
		return -ENOMEM;
	for (i = 0; i < ov->n; i++) {
		e[i].obj = ov->v[i];
		e[i].key = name_key(e[i].obj->name);
	}
	sort(e, ov->n, sizeof(*e), cmp_ent, NULL);
	for (i = 0; i < ov->n; i++)
		ov->v[i] = (void *)e[i].obj;
	kvfree(e);
	return 0;
}

/* Binary search of a sorted array of objects: the index, or -1. */
static s32 objv_pos(const struct np_objv *ov, const char *name)
{
	u32 lo = 0, hi = ov->n;

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;
		const struct np_obj *o = ov->v[mid];
		int c = strcmp(name, o->name);

		if (!c)
			return mid;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -1;
}

static const void *objv_find(const struct np_objv *ov, const char *name)
{
	s32 i = objv_pos(ov, name);

	return i < 0 ? NULL : ov->v[i];
}

/**
 * np_table_find - the object of @kind named @name
 * @t: the table
 * @kind: the kind of object
 * @name: the object name
 *
 * Return: the object, or NULL.
 */
const void *np_table_find(const struct np_table *t, enum np_kind kind,
			  const char *name)
{
	return np_seq_find(t->objs[kind], name);
}

/**
 * np_table_pos - where the object of @kind named @name is in @t
 * @t: the table
 * @kind: the kind of object
 * @name: the object name
 *
 * Return: its position in @t->objs[@kind] (np_seq_at(), sorted by
 * name), or -1.
 */
s32 np_table_pos(const struct np_table *t, enum np_kind kind,
		 const char *name)
{
	return np_seq_pos(t->objs[kind], name);
}

static u32 hash_mac(const struct np_table *t, const u8 *mac)
{
	return jhash(mac, ETH_ALEN, t->seed);
}

static u32 hash_name(const struct np_table *t, const char *name, u32 len)
{
	return jhash(name, len, t->seed ^ len);
}

/* Insert @vif at the end of the probe sequence starting at @h. */
static int slot_put(struct np_index *ix, u32 h, const struct np_vif *vif)
{
	u32 i = h & ix->mask;

	while (np_ix_get(ix, i))
		i = (i + 1) & ix->mask;
	return np_ix_set(ix, i, vif);
}

static int index_vif(struct np_table *t, const struct np_vif *vif,
		     struct netlink_ext_ack *extack)
{
	const struct np_vif *o;
	u32 h, i;

	if (vif->has_mac) {
		h = hash_mac(t, vif->mac);
		for (i = h & t->by_mac->mask; (o = np_ix_get(t->by_mac, i));
		     i = (i + 1) & t->by_mac->mask) {
			if (ether_addr_equal(o->mac, vif->mac)) {
				NL_SET_ERR_MSG_ATTR(extack, vif->o.origin,
						    "two VIF objects have the same MAC address");
				return -EEXIST;
			}
		}
		return np_ix_set(t->by_mac, i, vif);
	} else if (!vif->is_glob) {
		h = hash_name(t, vif->ifname, vif->prefix_len);
		for (i = h & t->by_name->mask; (o = np_ix_get(t->by_name, i));
		     i = (i + 1) & t->by_name->mask) {
			if (!strcmp(o->ifname, vif->ifname)) {
				NL_SET_ERR_MSG_ATTR(extack, vif->o.origin,
						    "two VIF objects have the same interface name");
				return -EEXIST;
			}
		}
		return np_ix_set(t->by_name, i, vif);
	}
	t->max_prefix = max(t->max_prefix, vif->prefix_len);
	return slot_put(t->by_prefix, hash_name(t, vif->ifname, vif->prefix_len),
			vif);
}

/*
 * Of two objects of one kind with the same name, the one a table keeps
 * (see NETPOLICY_CMD_LOAD in the uapi header): the configuration's over a
 * toolstack's, the newer (from the request, o.origin set) of two of one
 * toolstack source. NULL: a clash that is an error.
 */
static const struct np_obj *np_clash_winner(enum np_kind kind,
					    const struct np_obj *a,
					    const struct np_obj *b)
{
	u8 sa = np_obj_source(kind, a), sb = np_obj_source(kind, b);

	if (sa != sb)
		return sa == NETPOLICY_SOURCE_CONFIG ? a :
		       sb == NETPOLICY_SOURCE_CONFIG ? b : NULL;
	if (sa == NETPOLICY_SOURCE_CONFIG || !a->origin == !b->origin)
		return NULL;
	return a->origin ? a : b;
}

/* Sort each kind by name; settle or refuse a name that repeats. */
static int sort_and_check(struct np_objv *objs, struct netlink_ext_ack *extack)
{
	int k, err;
	u32 i, w;

	for (k = 0; k < NP_NKINDS; k++) {
		struct np_objv *ov = &objs[k];

		err = np_sort_by_name(ov);
		if (err)
			return err;
		for (i = 1, w = 1; i < ov->n; i++) {
			const struct np_obj *a = ov->v[w - 1], *b = ov->v[i];
			const struct np_obj *keep;

			if (w != i)
				ov->v[w] = ov->v[i];
			if (strcmp(a->name, b->name)) {
				w++;
				continue;
			}
			keep = np_clash_winner(k, a, b);
			if (keep) {
				np_obj_free(k, (void *)(keep == a ? b : a));
				ov->v[w - 1] = (void *)keep;
				continue;
			}
			/* 6.1's extack takes only literal messages */
			switch (k) {
			case NP_POLICY:
				NL_SET_ERR_MSG_ATTR(extack, b->origin ?: a->origin,
						    "a policy object with this name exists");
				break;
			case NP_NIC:
				NL_SET_ERR_MSG_ATTR(extack, b->origin ?: a->origin,
						    "a NIC object with this name exists");
				break;
			case NP_NET:
				NL_SET_ERR_MSG_ATTR(extack, b->origin ?: a->origin,
						    "a network object with this name exists");
				break;
			case NP_VM:
				NL_SET_ERR_MSG_ATTR(extack, b->origin ?: a->origin,
						    "a VM object with this name exists");
				break;
			default:
				NL_SET_ERR_MSG_ATTR(extack, b->origin ?: a->origin,
						    "a VIF object with this name exists");
			}
			/* leave every live object in @ov for the caller to free */
			memmove(&ov->v[w], &ov->v[i], (ov->n - i) * sizeof(*ov->v));
			ov->n = w + ov->n - i;
			return -EEXIST;
		}
		if (ov->n)
			ov->n = w;
	}
	return 0;
}

/* A name index of one kind of objects, used while resolving references. */
struct np_names {
	const struct np_obj **slots;
	u32 mask;
};

static u32 hash_obj_name(const char *name)
{
	return jhash(name, strlen(name), 0);
}

static int np_names_build(struct np_names *nx, const struct np_objv *ov)
{
	u32 slots = roundup_pow_of_two(max_t(u32, 2 * ov->n, 16)), i, h;

	nx->mask = slots - 1;
	nx->slots = kvcalloc(slots, sizeof(*nx->slots), GFP_KERNEL_ACCOUNT);
	if (!nx->slots)
		return -ENOMEM;
	for (i = 0; i < ov->n; i++) {
		const struct np_obj *o = ov->v[i];

		for (h = hash_obj_name(o->name) & nx->mask; nx->slots[h];
		     h = (h + 1) & nx->mask)
			;
		nx->slots[h] = o;
	}
	return 0;
}

static const void *np_names_find(const struct np_names *nx, const char *name)
{
	const struct np_obj *o;
	u32 h;

	for (h = hash_obj_name(name) & nx->mask; (o = nx->slots[h]);
	     h = (h + 1) & nx->mask)
		if (!strcmp(o->name, name))
			return o;
	return NULL;
}

/*
 * Count @obj, of @kind, in (@sign 1) or out of (-1) what the table's flags
 * are derived from, and derive them: a change costs what it changes, not
 * a pass over every policy.
 */
static void np_flags_count(struct np_table *t, enum np_kind kind,
			   const void *obj, int sign)
{
	const struct np_policy *pol = obj;
	const struct np_network *net = obj;

	if (kind == NP_POLICY) {
		if (pol->n_isolate)
			t->n_isolate += sign;
		if (np_policy_needs_links(pol))
			t->n_uplink_rule += sign;
	} else if (kind == NP_NET && net->tunnel) {
		t->n_uplink_rule += sign;
	}
	t->any_isolate = t->n_isolate > 0;
	t->any_uplink_rule = t->n_uplink_rule > 0;
}

/*
 * Turn the name references of every object of @objs, @t's to be, into
 * pointers, or slots for policies, numbered here: O(1) each through
 * temporary name indexes (names are unique by now).
 */
static int resolve(struct np_table *t, const struct np_objv *objs,
		   struct netlink_ext_ack *extack)
{
	const struct np_objv *pv = &objs[NP_POLICY];
	struct np_names pols = {}, nets = {}, vms = {};
	const struct np_policy *pol;
	int err = -ENOMEM;
	u32 i;

	if (objv_reserve(&t->pol_slot, pv->n) ||
	    np_names_build(&pols, pv) ||
	    np_names_build(&nets, &objs[NP_NET]) ||
	    np_names_build(&vms, &objs[NP_VM]))
		goto out;
	err = -ENOENT;
	/* the policies' slots: their order */
	for (i = 0; i < pv->n; i++) {
		struct np_policy *p = pv->v[i];

		p->slot = i + 1;
		t->pol_slot.v[i] = p;
		np_flags_count(t, NP_POLICY, p, 1);
	}
	t->pol_slot.n = pv->n;
	for (i = 0; i < objs[NP_NET].n; i++) {
		struct np_network *net = objs[NP_NET].v[i];

		np_flags_count(t, NP_NET, net, 1);
		if (!net->policy_ref)
			continue;
		pol = np_names_find(&pols, net->policy_ref);
		net->policy_slot = pol ? pol->slot : 0;
		if (!pol) {
			NL_SET_ERR_MSG_ATTR(extack, net->o.origin,
					    "network object names a policy object that does not exist");
			goto out;
		}
	}
	for (i = 0; i < objs[NP_VM].n; i++) {
		struct np_vm *vm = objs[NP_VM].v[i];

		if (!vm->policy_ref)
			continue;
		pol = np_names_find(&pols, vm->policy_ref);
		vm->policy_slot = pol ? pol->slot : 0;
		if (!pol) {
			NL_SET_ERR_MSG_ATTR(extack, vm->o.origin,
					    "VM object names a policy object that does not exist");
			goto out;
		}
	}
	for (i = 0; i < objs[NP_VIF].n; i++) {
		struct np_vif *vif = objs[NP_VIF].v[i];

		vif->network = np_names_find(&nets, vif->network_ref);
		if (!vif->network && !vif->o.origin && vif->source) {
			NL_SET_ERR_MSG(extack,
				       "a running guest's VIF object (from its toolstack) names a network object the new set lacks");
			goto out;
		}
		if (!vif->network) {
			NL_SET_ERR_MSG_ATTR(extack, vif->o.origin,
					    "VIF object names a network object that does not exist");
			goto out;
		}
		if (vif->vm_ref) {
			vif->vm = np_names_find(&vms, vif->vm_ref);
			if (!vif->vm) {
				NL_SET_ERR_MSG_ATTR(extack, vif->o.origin,
						    "VIF object names a VM object that does not exist");
				goto out;
			}
		}
		if (vif->policy_ref) {
			pol = np_names_find(&pols, vif->policy_ref);
			vif->policy_slot = pol ? pol->slot : 0;
			if (!pol) {
				NL_SET_ERR_MSG_ATTR(extack, vif->o.origin,
						    "VIF object names a policy object that does not exist");
				goto out;
			}
		}
	}
	err = 0;
out:
	kvfree(pols.slots);
	kvfree(nets.slots);
	kvfree(vms.slots);
	return err;
}

/*
 * A toolstack's VIF object kept across a replacing load may name a VM
 * object that only the old configuration had (it won the name clash): give
 * it an empty VM object of the VIF's source, so the guest stays described.
 */
static int np_fill_vms(struct np_objv *objs)
{
	struct np_objv *vms = &objs[NP_VM];
	u32 i, j, n_now, n_before = vms->n;
	struct np_vm *vm;

	for (i = 0; i < objs[NP_VIF].n; i++) {
		const struct np_vif *vif = objs[NP_VIF].v[i];
		bool have;

		if (vif->source == NETPOLICY_SOURCE_CONFIG || !vif->vm_ref)
			continue;
		n_now = vms->n;
		vms->n = n_before;		/* the sorted part */
		have = objv_find(vms, vif->vm_ref);
		vms->n = n_now;
		for (j = n_before; !have && j < n_now; j++)
			have = !strcmp(((struct np_vm *)vms->v[j])->name,
				       vif->vm_ref);
		if (have)
			continue;
		vm = np_vm_alloc(vif->vm_ref);
		if (!vm || objv_push(vms, vm)) {
			np_obj_free(NP_VM, vm);
			return -ENOMEM;
		}
		vm->source = vif->source;
	}
	return vms->n == n_before ? 0 : np_sort_by_name(vms);
}

/*
 * Whether an update replaces @old_obj, a configuration object of @kind:
 * the request's objects @req (sorted) have a configuration object of its
 * name.
 */
static bool np_updates(const struct np_objv *req, enum np_kind kind,
		       const void *old_obj)
{
	const void *o = objv_find(req, ((const struct np_obj *)old_obj)->name);

	return o && np_obj_source(kind, o) == NETPOLICY_SOURCE_CONFIG;
}

/**
 * np_table_build - compile a new table
 * @old: the published table, or NULL
 * @keep_old: copy @old's objects into the new table (else replace them)
 * @txn: objects to add; the new table takes them all, even on error. With
 *	@txn->update, each of its configuration objects replaces @old's
 *	configuration object of that kind and name
 * @gen: the new table's generation
 * @extack: where to report what is wrong
 *
 * Checks that names are unique per kind, that every reference names an
 * object that exists, and that MACs and exact interface names are unique,
 * then builds the indexes. @old is only read.
 *
 * Return: the new table, or an ERR_PTR() with @extack set.
 */
struct np_table *np_table_build(const struct np_table *old, bool keep_old,
				struct np_txn *txn, u32 gen,
				struct netlink_ext_ack *extack)
{
	struct np_objv objs[NP_NKINDS] = {}, n_new[NP_NKINDS];
	u32 i, n_mac = 0, n_name = 0, n_prefix = 0;
	const struct np_objv *vifs;
	struct np_seq_iter it;
	struct np_table *t;
	const void *src;
	int err = -ENOMEM;
	int k;

	t = kzalloc(sizeof(*t), GFP_KERNEL_ACCOUNT);
	if (!t) {
		np_txn_destroy(txn);
		return ERR_PTR(-ENOMEM);
	}
	refcount_set(&t->ref, 1);
	t->gen = gen;
	t->seed = get_random_u32();
	if (txn->set_host)
		strscpy(t->host, txn->host, sizeof(t->host));
	else if (old)
		strscpy(t->host, old->host, sizeof(t->host));

	/*
	 * Take the transaction's objects first: from here the build owns
	 * them, in arrays (@objs) that become @t's sequences at the end.
	 */
	for (k = 0; k < NP_NKINDS; k++) {
		objs[k] = txn->objs[k];
		memset(&txn->objs[k], 0, sizeof(txn->objs[k]));
	}
	for (k = 0; k < NP_NKINDS; k++) {
		/*
		 * An update looks the request's names up while it keeps the
		 * old objects: sorted, and not moved by their pushes.
		 */
		if (txn->update &&
		    (np_sort_by_name(&objs[k]) ||
		     objv_reserve(&objs[k], old ? np_seq_n(old->objs[k]) : 0)))
			goto fail;
		n_new[k] = objs[k];
	}
	/*
	 * Keep the old objects; replacing, only those of a toolstack;
	 * updating, not the configuration's that the request replaces.
	 */
	for (k = 0; old && k < NP_NKINDS; k++) {
		np_seq_iter_init(&it, old->objs[k]);
		while ((src = np_seq_next(&it))) {
			void *obj;

			if (np_obj_source(k, src) == NETPOLICY_SOURCE_CONFIG &&
			    (!keep_old ||
			     (txn->update && np_updates(&n_new[k], k, src))))
				continue;
			obj = np_obj_dup(old, k, src);
			if (!obj || objv_push(&objs[k], obj)) {
				np_obj_free(k, obj);
				goto fail;
			}
		}
	}

	err = sort_and_check(objs, extack);
	if (!err && !keep_old && old)
		err = np_fill_vms(objs);
	if (!err)
		err = resolve(t, objs, extack);
	if (err)
		goto fail;

	err = -ENOMEM;
	vifs = &objs[NP_VIF];
	/* each index sized for its own keys, at a load factor of at most 1/2 */
	for (i = 0; i < vifs->n; i++) {
		const struct np_vif *vif = vifs->v[i];

		if (vif->has_mac)
			n_mac++;
		else if (vif->is_glob)
			n_prefix++;
		else
			n_name++;
	}
	t->n_mac = n_mac;
	t->n_name = n_name;
	t->by_mac = np_ix_alloc(n_mac);
	t->by_name = np_ix_alloc(n_name);
	t->by_prefix = np_ix_alloc(n_prefix);
	if (!t->by_mac || !t->by_name || !t->by_prefix)
		goto fail;
	for (i = 0; i < vifs->n; i++) {
		err = index_vif(t, vifs->v[i], extack);
		if (err)
			goto fail;
	}
	for (k = 0; k < NP_NKINDS; k++)
		for (i = 0; i < objs[k].n; i++)
			((struct np_obj *)objs[k].v[i])->origin = NULL;
	/* the arrays become @t's sequences, which own the objects then */
	err = -ENOMEM;
	for (k = 0; k < NP_NKINDS; k++) {
		if (np_seq_make(&t->objs[k], objs[k].v, objs[k].n))
			goto fail;
		objv_put(&objs[k]);
	}
	return t;

fail:
	for (k = 0; k < NP_NKINDS; k++)
		objv_free(&objs[k], k);
	np_table_free(t);
	return ERR_PTR(err);
}

/*
 * np_table_add(): what one toolstack call adds or changes (a guest's VIF
 * and VM objects) on top of a large table, in time that does not grow
 * with the table's objects beyond copying pointers: the new table shares
 * every object of the old one instead of copying it (linked after it in
 * their chain, which frees each object once: table.h), and copies the
 * old indexes instead of rebuilding them. It applies to
 * VM and VIF objects only, few of them, no glob among them (globs of one
 * prefix are ordered by name along their probe sequence), every
 * reference found. A name the old table has is either settled as the
 * full build settles it (the configuration's object kept over a
 * toolstack's, the same object sent again dropped) or replaced: a
 * toolstack's VM or non-glob VIF sent again with something changed.
 * The old VIFs that point to a replaced VM (at most NP_ADD_MAX) are
 * copied to point to the new one. Anything else, errors included, is
 * left to np_table_build(), which says precisely what is wrong.
 * NP_ADD_MAX is in table.h.
 */

/*
 * Whether @vif clashes with a VIF of @t's indexes (its MAC or name)
 * other than @except, the VIF it replaces.
 */
static bool np_index_clash(const struct np_table *t, const struct np_vif *vif,
			   const struct np_vif *except)
{
	const struct np_vif *o;
	u32 i;

	if (vif->has_mac) {
		for (i = hash_mac(t, vif->mac) & t->by_mac->mask; (o = np_ix_get(t->by_mac, i));
		     i = (i + 1) & t->by_mac->mask)
			if (o != except && ether_addr_equal(o->mac, vif->mac))
				return true;
		return false;
	}
	for (i = hash_name(t, vif->ifname, vif->prefix_len) & t->by_name->mask;
	     (o = np_ix_get(t->by_name, i)); i = (i + 1) & t->by_name->mask)
		if (o != except && !strcmp(o->ifname, vif->ifname))
			return true;
	return false;
}

static bool np_name_is(const char *ref, const struct np_obj *o)
{
	return o ? ref && !strcmp(ref, o->name) : !ref;
}

/* The header of the policy @slot of @t, or NULL */
static const struct np_obj *np_policy_obj(const struct np_table *t, u32 slot)
{
	const struct np_policy *pol = np_table_policy(t, slot);

	return pol ? &pol->o : NULL;
}

/*
 * Whether @new (from a request, references unresolved) says what @old (of
 * a table) says: a toolstack re-reading a guest sends it again.
 */
static bool np_obj_same(const struct np_table *t, enum np_kind kind,
			const void *old, const void *new)
{
	if (kind == NP_VM) {
		const struct np_vm *a = old, *b = new;

		/* (tags of one count may differ in size: compare sizes first) */
		return a->source == b->source && a->has_uuid == b->has_uuid &&
		       !memcmp(a->uuid, b->uuid, sizeof(a->uuid)) &&
		       a->n_tags == b->n_tags &&
		       (!a->n_tags ||
			(np_tags_size(a->tags, a->n_tags) ==
			 np_tags_size(b->tags, b->n_tags) &&
			 !memcmp(a->tags, b->tags, np_tags_size(a->tags, a->n_tags)))) &&
		       np_name_is(b->policy_ref, np_policy_obj(t, a->policy_slot));
	}
	if (kind == NP_VIF) {
		const struct np_vif *a = old, *b = new;

		return a->source == b->source && a->has_mac == b->has_mac &&
		       ether_addr_equal(a->mac, b->mac) &&
		       !strcmp(a->ifname, b->ifname) &&
		       np_name_is(b->network_ref, &a->network->o) &&
		       np_name_is(b->vm_ref, a->vm ? &a->vm->o : NULL) &&
		       np_name_is(b->policy_ref, np_policy_obj(t, a->policy_slot));
	}
	return false;
}

/*
 * Of @had, an object of the published table, and @o, the request's
 * object of its kind and name, the one the new table keeps: as the full
 * build settles it, but that an update's configuration object replaces
 * the configuration's. NULL: an error, for np_table_build() to report.
 */
static const struct np_obj *np_add_winner(const struct np_txn *txn,
					  enum np_kind kind,
					  const struct np_obj *had,
					  const struct np_obj *o)
{
	if (txn->update &&
	    np_obj_source(kind, had) == NETPOLICY_SOURCE_CONFIG &&
	    np_obj_source(kind, o) == NETPOLICY_SOURCE_CONFIG)
		return o;
	return np_clash_winner(kind, had, o);
}

/* The object of @kind named @name in the table @old and @txn make. */
static const void *np_add_find(const struct np_table *old,
			       const struct np_txn *txn, enum np_kind kind,
			       const char *name)
{
	return objv_find(&txn->objs[kind], name) ?:
	       np_table_find(old, kind, name);
}

/*
 * Whether @txn's objects can be added to @old by np_table_add(). A new
 * object whose name @old has is dropped from @txn when the result is the
 * same either way: the table keeps @old's (the configuration's object
 * over a toolstack's), or the two say the same thing. Else it replaces
 * @old's (the newer of a toolstack's two wins; an update's object wins).
 */
static bool np_add_applies(const struct np_table *old, struct np_txn *txn)
{
	const struct np_objv *vifs = &txn->objs[NP_VIF];
	u32 i, j, w, n = 0;
	int k;

	if (!old || (txn->set_host && strcmp(txn->host, old->host)))
		return false;
	for (k = 0; k < NP_NKINDS; k++) {
		/* but for an update, a toolstack's kinds only */
		if (txn->objs[k].n && !txn->update && k != NP_VM && k != NP_VIF)
			return false;
		n += txn->objs[k].n;
	}
	if (n > NP_ADD_MAX)
		return false;
	for (k = 0; k < NP_NKINDS; k++) {
		struct np_objv *ov = &txn->objs[k];

		if (np_sort_by_name(ov))
			return false;
		for (i = 1; i < ov->n; i++)
			if (!strcmp(((struct np_obj *)ov->v[i])->name,
				    ((struct np_obj *)ov->v[i - 1])->name))
				return false;
		for (i = 0; i < ov->n; i++) {
			const struct np_obj *o = ov->v[i];
			const struct np_obj *had = np_table_find(old, k, o->name);
			const struct np_obj *keep;

			if (!had)
				continue;
			keep = np_add_winner(txn, k, had, o);
			if (!keep || (k == NP_VIF && keep == o &&
				      ((const struct np_vif *)had)->is_glob))
				return false;
		}
	}
	/* it applies: drop what changes nothing */
	for (k = 0; k < NP_NKINDS; k++) {
		struct np_objv *ov = &txn->objs[k];

		for (i = 0, w = 0; i < ov->n; i++) {
			const struct np_obj *o = ov->v[i];
			const struct np_obj *had = np_table_find(old, k, o->name);

			if (had && (np_add_winner(txn, k, had, o) == had ||
				    np_obj_same(old, k, had, o)))
				np_obj_free(k, ov->v[i]);
			else
				ov->v[w++] = ov->v[i];
		}
		ov->n = w;
	}
	for (i = 0; i < txn->objs[NP_NET].n; i++) {
		const struct np_network *net = txn->objs[NP_NET].v[i];

		if (net->policy_ref &&
		    !np_add_find(old, txn, NP_POLICY, net->policy_ref))
			return false;
	}
	for (i = 0; i < txn->objs[NP_VM].n; i++) {
		const struct np_vm *vm = txn->objs[NP_VM].v[i];

		if (vm->policy_ref &&
		    !np_add_find(old, txn, NP_POLICY, vm->policy_ref))
			return false;
	}
	for (i = 0; i < vifs->n; i++) {
		const struct np_vif *vif = vifs->v[i];

		if (vif->is_glob ||
		    np_index_clash(old, vif, np_table_find(old, NP_VIF, vif->o.name)) ||
		    !np_add_find(old, txn, NP_NET, vif->network_ref) ||
		    (vif->vm_ref && !np_add_find(old, txn, NP_VM, vif->vm_ref)) ||
		    (vif->policy_ref &&
		     !np_add_find(old, txn, NP_POLICY, vif->policy_ref)))
			return false;
		for (j = 0; j < i; j++) {
			const struct np_vif *o = vifs->v[j];

			if (vif->has_mac == o->has_mac &&
			    (vif->has_mac ? ether_addr_equal(vif->mac, o->mac) :
					    !strcmp(vif->ifname, o->ifname)))
				return false;
		}
	}
	return true;
}

/* @old shared, or a new empty index for @n keys when it is full. */
static struct np_index *np_index_next(const struct np_index *old, u32 n,
				      bool *rebuild)
{
	*rebuild = 2 * n > old->mask + 1;
	return *rebuild ? np_ix_alloc(n) : np_ix_share(old);
}

/*
 * @t's policies by slot, for a change that writes them: a copy of @old's,
 * with room for @n slots in all.
 */
static int np_slots_copy(struct np_table *t, const struct np_table *old, u32 n)
{
	const struct np_objv *from = &old->pol_slot;

	if (objv_reserve(&t->pol_slot, n))
		return -ENOMEM;
	if (from->n)
		memcpy(t->pol_slot.v, from->v, from->n * sizeof(void *));
	t->pol_slot.n = from->n;
	return 0;
}

/* A new table of generation @gen with what @old says besides objects. */
static struct np_table *np_table_like(const struct np_table *old, u32 gen)
{
	struct np_table *t = kzalloc(sizeof(*t), GFP_KERNEL_ACCOUNT);

	if (!t)
		return NULL;
	refcount_set(&t->ref, 1);
	t->gen = gen;
	t->shares = true;
	t->from_gen = old->gen;
	t->seed = old->seed;			/* the indexes are copied */
	t->any_isolate = old->any_isolate;
	t->any_uplink_rule = old->any_uplink_rule;
	t->n_isolate = old->n_isolate;
	t->n_uplink_rule = old->n_uplink_rule;
	t->max_prefix = old->max_prefix;
	strscpy(t->host, old->host, sizeof(t->host));
	t->n_mac = old->n_mac;
	t->n_name = old->n_name;
	return t;
}

static u32 np_vif_home(const struct np_table *t, const struct np_vif *vif)
{
	return vif->has_mac ? hash_mac(t, vif->mac) :
			      hash_name(t, vif->ifname, vif->prefix_len);
}

/*
 * Take @vif out of an index (linear probing, no tombstones): each later
 * entry of its cluster moves back into the hole unless its home slot lies
 * cyclically in (hole, its slot]. Entries keep their order.
 */
static int np_index_del(const struct np_table *t, struct np_index *ix,
			const struct np_vif *vif)
{
	u32 mask = ix->mask, hole, j, home;
	int err;

	for (hole = np_vif_home(t, vif) & mask; np_ix_get(ix, hole) != vif;
	     hole = (hole + 1) & mask)
		;
	/* the pages of the cluster from the hole on, owned before any write */
	for (j = hole; np_ix_get(ix, j); j = (j + 1) & mask) {
		err = np_ix_own(ix, j);
		if (err)
			return err;
	}
	for (j = (hole + 1) & mask; np_ix_get(ix, j); j = (j + 1) & mask) {
		home = np_vif_home(t, np_ix_get(ix, j)) & mask;
		if (j > hole ? home <= hole || home > j :
			       home <= hole && home > j) {
			*np_ix_slot(ix, hole) = np_ix_get(ix, j);
			hole = j;
		}
	}
	*np_ix_slot(ix, hole) = NULL;
	return 0;
}

static int np_index_put(struct np_table *t, const struct np_vif *vif)
{
	if (vif->has_mac)
		return slot_put(t->by_mac, hash_mac(t, vif->mac), vif);
	return slot_put(t->by_name, hash_name(t, vif->ifname, vif->prefix_len),
			vif);
}

/* Point the index slot of @from at @to, which has the same key. */
static int np_index_swap(struct np_table *t, const struct np_vif *from,
			 const struct np_vif *to)
{
	struct np_index *ix = t->by_name;
	u32 i;

	if (from->has_mac)
		ix = t->by_mac;
	else if (from->is_glob)
		ix = t->by_prefix;
	for (i = np_vif_home(t, from) & ix->mask; np_ix_get(ix, i) != from;
	     i = (i + 1) & ix->mask)
		;
	return np_ix_set(ix, i, to);
}

/*
 * The networks and VMs of @old that @txn replaces, into @repl (room for
 * NP_ADD_MAX, as np_add_applies() checked): the objects VIFs may point
 * to. No object points to a policy (they name its slot), nor to a NIC.
 */
static void np_add_replaced(const struct np_table *old,
			    const struct np_txn *txn, struct np_objv *repl)
{
	const void *had;
	u32 i;
	int k;

	for (k = NP_NET; k < NP_VIF; k++)
		for (i = 0; i < txn->objs[k].n; i++) {
			had = np_table_find(old, k,
					    ((struct np_obj *)txn->objs[k].v[i])->name);
			if (had)
				repl->v[repl->n++] = (void *)had;
		}
}

/*
 * Whether @vif, of the old table, points to an object of @repl (compared
 * by address, no name read) and is not replaced by @txn itself:
 * np_table_add() copies it, to point to the new one.
 */
static bool np_add_dep(const struct np_txn *txn, const struct np_objv *repl,
		       const struct np_vif *vif)
{
	u32 i;

	for (i = 0; i < repl->n; i++)
		if (vif->network == repl->v[i] || vif->vm == repl->v[i])
			return !objv_find(&txn->objs[NP_VIF], vif->name);
	return false;
}

/*
 * Give up on @t, a table made from another but not linked after it: its
 * objects are the other table's (or still a transaction's).
 */
static void np_table_unmake(struct np_table *t)
{
	int k;

	for (k = 0; t && k < NP_NKINDS; k++) {
		np_seq_put(t->objs[k]);
		t->objs[k] = NULL;
	}
	np_table_free(t);
}

/*
 * Give @pol, new in @t, the slot of @rep, the policy it replaces, or
 * else the next one (np_table_add() made room for it).
 */
static void np_slot_take(struct np_table *t, struct np_policy *pol,
			 const struct np_policy *rep)
{
	pol->slot = rep ? rep->slot : ++t->pol_slot.n;
	t->pol_slot.v[pol->slot - 1] = pol;
}

/* The slot in @t of the policy named @ref (which exists), or 0 for none */
static u32 np_policy_slot(const struct np_table *t, const char *ref)
{
	const struct np_policy *pol;

	pol = ref ? np_table_find(t, NP_POLICY, ref) : NULL;
	return pol ? pol->slot : 0;
}

/* Resolve the references of @obj, an object of @kind new in @t. */
static void np_add_resolve(const struct np_table *t, enum np_kind kind,
			   void *obj)
{
	struct np_network *net = obj;
	struct np_vif *vif = obj;
	struct np_vm *vm = obj;

	if (kind == NP_NET) {
		net->policy_slot = np_policy_slot(t, net->policy_ref);
	} else if (kind == NP_VM) {
		vm->policy_slot = np_policy_slot(t, vm->policy_ref);
	} else if (kind == NP_VIF) {
		vif->network = np_table_find(t, NP_NET, vif->network_ref);
		if (vif->vm_ref)
			vif->vm = np_table_find(t, NP_VM, vif->vm_ref);
		vif->policy_slot = np_policy_slot(t, vif->policy_ref);
	}
	((struct np_obj *)obj)->origin = NULL;
}

/*
 * The indexes of @t, shared with @old, changed for np_table_add(): the
 * VIFs @txn replaces leave them, the VIFs copied (@copies of @deps) take
 * their old objects' slots, the new VIFs go in. An index @rebuild_mac or
 * @rebuild_name is new and empty: every VIF of @t of it goes in.
 * Return: 0 or -ENOMEM (@t is then dropped).
 */
static int np_add_index(struct np_table *t, const struct np_table *old,
			const struct np_txn *txn, const struct np_objv *deps,
			const struct np_objv *copies, bool rebuild_mac,
			bool rebuild_name)
{
	const struct np_objv *vifs = &txn->objs[NP_VIF];
	const struct np_vif *had, *vif;
	struct np_seq_iter it;
	int err = 0;
	u32 i;

	/* the replaced VIFs leave the shared indexes first */
	for (i = 0; !err && i < vifs->n; i++) {
		had = np_table_find(old, NP_VIF,
				    ((struct np_vif *)vifs->v[i])->name);
		if (had && !(had->has_mac ? rebuild_mac : rebuild_name))
			err = np_index_del(t, had->has_mac ? t->by_mac : t->by_name,
					   had);
	}
	for (i = 0; !err && i < copies->n; i++) {
		had = deps->v[i];
		if (had->has_mac ? !rebuild_mac : had->is_glob || !rebuild_name)
			err = np_index_swap(t, had, copies->v[i]);
	}
	for (i = 0; !err && i < vifs->n; i++) {
		vif = vifs->v[i];
		if (!(vif->has_mac ? rebuild_mac : rebuild_name))
			err = np_index_put(t, vif);
	}
	if (!rebuild_mac && !rebuild_name)
		return err;
	np_seq_iter_init(&it, t->objs[NP_VIF]);
	while (!err && (vif = np_seq_next(&it)))
		if (vif->has_mac ? rebuild_mac : !vif->is_glob && rebuild_name)
			err = np_index_put(t, vif);
	return err;
}

/**
 * np_table_add - @old and the objects of @txn, in O(@txn) object work
 * @old: the published table; the last of its chain (the new table is
 *	linked after it), and the caller makes one table from it at a time
 * @txn: VM and VIF objects, new or replacing; with @txn->update, objects
 *	of any kind; taken by the new table on success
 * @gen: the new table's generation
 *
 * See NP_ADD_MAX above for when this applies. The new table shares
 * @old's objects but those @txn replaces and the VIFs that point to a
 * replaced network or VM, which it copies (a replaced policy takes the
 * slot of the one it replaces: what names it is not copied); of @old
 * only the chain's links are written (its objects' references are
 * resolved already, and stay valid in @old).
 *
 * Return: the new table; NULL when it does not apply (@txn untouched but
 * for its order and the objects it dropped as changing nothing: build
 * with np_table_build()); ERR_PTR(-ENOMEM).
 */
struct np_table *np_table_add(struct np_table *old, struct np_txn *txn,
			      u32 gen)
{
	const struct np_objv *vifs = &txn->objs[NP_VIF];
	const struct np_objv *pols = &txn->objs[NP_POLICY];
	struct np_objv deps = {}, copies = {}, repl = {};
	struct np_owned *born = NULL, *gone = NULL;
	bool rebuild_mac, rebuild_name;
	u32 i, n_txn = 0, n_born = 0, n_gone = 0, n_slots;
	const struct np_vif *had, *vif;
	bool too_many = false;
	struct np_seq_iter it;
	struct np_table *t;
	int k;

	if (!old || !np_chain_last(old) || !np_add_applies(old, txn))
		return NULL;
	/*
	 * A new policy takes the next slot, a deleted one leaves a hole: a
	 * chain with more holes than policies is compacted by a full build.
	 */
	n_slots = old->pol_slot.n;
	for (i = 0; i < pols->n; i++)
		n_slots += !np_table_find(old, NP_POLICY,
					  ((struct np_policy *)pols->v[i])->name);
	if (n_slots > 2 * np_seq_n(old->objs[NP_POLICY]) + NP_ADD_MAX)
		return NULL;

	t = np_table_like(old, gen);
	if (!t)
		goto undo;
	for (i = 0; i < vifs->n; i++) {
		const struct np_vif *vif = vifs->v[i];

		had = np_table_find(old, NP_VIF, vif->name);
		if (had) {
			t->n_mac -= had->has_mac;
			t->n_name -= !had->has_mac;
		}
		t->n_mac += vif->has_mac;
		t->n_name += !vif->has_mac;
	}

	/* the replaced networks and VMs */
	if (objv_reserve(&deps, NP_ADD_MAX) ||
	    objv_reserve(&repl, NP_ADD_MAX))
		goto undo;
	np_add_replaced(old, txn, &repl);

	/*
	 * When a network or VM is replaced, one pass over the VIFs finds
	 * those that point to it (each VIF's cache line read: this pass is
	 * most of the cost); more than NP_ADD_MAX is for np_table_build().
	 * A replaced policy needs none.
	 */
	np_seq_iter_init(&it, repl.n ? old->objs[NP_VIF] : NULL);
	while ((vif = np_seq_next(&it))) {
		if (!np_add_dep(txn, &repl, vif))
			continue;
		if (deps.n == NP_ADD_MAX) {
			too_many = true;
			goto undo;
		}
		deps.v[deps.n++] = (void *)vif;
	}
	/*
	 * The kinds the change leaves alone share @old's sequences, and its
	 * policies' slots when no policy changes; the others write spines
	 * of their own.
	 */
	for (k = 0; k < NP_NKINDS; k++) {
		if (!txn->objs[k].n && !(k == NP_VIF && deps.n)) {
			t->objs[k] = np_seq_get(old->objs[k]);
			continue;
		}
		t->objs[k] = np_seq_clone(old->objs[k], txn->objs[k].n);
		if (!t->objs[k] || np_seq_merge(t->objs[k], &txn->objs[k]))
			goto undo;
	}
	if (!pols->n)
		objv_share(&t->pol_slot, &old->pol_slot);
	else if (np_slots_copy(t, old, n_slots))
		goto undo;
	t->by_mac = np_index_next(old->by_mac, t->n_mac, &rebuild_mac);
	t->by_name = np_index_next(old->by_name, t->n_name, &rebuild_name);
	t->by_prefix = np_ix_share(old->by_prefix);
	if (!t->by_mac || !t->by_name || !t->by_prefix ||
	    objv_reserve(&copies, deps.n))
		goto undo;
	for (i = 0; i < deps.n; i++) {
		copies.v[i] = np_obj_dup(old, NP_VIF, deps.v[i]);
		if (!copies.v[i])
			goto undo;
		copies.n++;
	}
	for (k = 0; k < NP_NKINDS; k++)
		n_txn += txn->objs[k].n;
	born = kmalloc_array(n_txn + copies.n, sizeof(*born), GFP_KERNEL_ACCOUNT);
	gone = kmalloc_array(n_txn + copies.n, sizeof(*gone), GFP_KERNEL_ACCOUNT);
	if (!born || !gone)
		goto undo;
	/* every copy in its place, then the indexes */
	for (i = 0; i < copies.n; i++) {
		struct np_obj *o = deps.v[i];

		if (np_seq_set(t->objs[NP_VIF], np_table_pos(t, NP_VIF, o->name),
			       copies.v[i]))
			goto undo;
	}
	if (np_add_index(t, old, txn, &deps, &copies, rebuild_mac,
			 rebuild_name))
		goto undo;
	/* nothing below can fail: what is new, and what of @old is not kept */
	for (k = 0; k < NP_NKINDS; k++)
		for (i = 0; i < txn->objs[k].n; i++) {
			struct np_obj *o = txn->objs[k].v[i];
			void *rep = (void *)np_table_find(old, k, o->name);

			born[n_born++] = (struct np_owned){ o, k };
			np_flags_count(t, k, o, 1);
			if (rep) {
				gone[n_gone++] = (struct np_owned){ rep, k };
				np_flags_count(t, k, rep, -1);
			}
			if (k == NP_POLICY)
				np_slot_take(t, txn->objs[k].v[i], rep);
		}
	for (i = 0; i < copies.n; i++) {
		born[n_born++] = (struct np_owned){ copies.v[i], NP_VIF };
		gone[n_gone++] = (struct np_owned){ deps.v[i], NP_VIF };
	}
	/* every new object resolved in @t, its policies' slots taken */
	for (i = 0; i < copies.n; i++)
		np_add_resolve(t, NP_VIF, copies.v[i]);
	for (k = 0; k < NP_NKINDS; k++)
		for (i = 0; i < txn->objs[k].n; i++)
			np_add_resolve(t, k, txn->objs[k].v[i]);
	for (k = 0; k < NP_NKINDS; k++)
		txn->objs[k].n = 0;
	objv_put(&deps);
	objv_put(&copies);
	objv_put(&repl);
	np_chain_link(old, t, born, n_born, gone, n_gone);
	return t;

undo:
	kfree(born);
	kfree(gone);
	objv_put(&deps);
	objv_put(&repl);
	for (i = 0; i < copies.n; i++)
		np_obj_free(NP_VIF, copies.v[i]);
	objv_put(&copies);
	np_table_unmake(t);
	return too_many ? NULL : ERR_PTR(-ENOMEM);
}

/*
 * Whether @o, an object of @k, points to @obj, of @kind (a policy by
 * its slot: a slot is one policy's in a chain).
 */
static bool np_obj_names(enum np_kind k, const void *o, enum np_kind kind,
			 const void *obj)
{
	u32 slot = kind == NP_POLICY ? ((const struct np_policy *)obj)->slot : 0;
	const struct np_vif *vif = o;

	switch (k) {
	case NP_NET:
		return slot && ((const struct np_network *)o)->policy_slot == slot;
	case NP_VM:
		return slot && ((const struct np_vm *)o)->policy_slot == slot;
	case NP_VIF:
		return (kind == NP_NET && vif->network == obj) ||
		       (kind == NP_VM && vif->vm == obj) ||
		       (slot && vif->policy_slot == slot);
	default:
		return false;
	}
}

/* Whether any object of @t refers to @obj (of @kind). */
static bool np_obj_referenced(const struct np_table *t, enum np_kind kind,
			      const void *obj)
{
	struct np_seq_iter it;
	const void *o;
	int k;

	/* objects refer only to kinds before their own (enum np_kind) */
	for (k = kind + 1; k < NP_NKINDS; k++) {
		np_seq_iter_init(&it, t->objs[k]);
		while ((o = np_seq_next(&it)))
			if (np_obj_names(k, o, kind, obj))
				return true;
	}
	return false;
}

/**
 * np_table_drop - @old less one object, sharing the others
 * @old: the published table, or NULL; as for np_table_add()
 * @kind: the kind of object
 * @name: its name
 * @source: drop it only if it has this enum netpolicy_source (-1: any)
 * @gen: the new table's generation
 *
 * No object points to a VIF or a NIC, nor to a VM, network or policy
 * that no object names (the only deletes the full build accepts), so
 * the others are shared as they are and the indexes copied (a glob VIF,
 * ordered among its prefix's globs, is left to np_table_without()).
 *
 * Return: the new table; NULL when this does not apply or the delete is
 * refused (np_table_without() says why); ERR_PTR(-ENOMEM).
 */
struct np_table *np_table_drop(struct np_table *old, enum np_kind kind,
			       const char *name, int source, u32 gen)
{
	struct np_seq_iter it;
	const struct np_vif *vif;
	struct np_owned *gone;
	const void *victim, *o;
	struct np_table *t;
	bool named = false;
	int k;

	if (!old || !np_chain_last(old))
		return NULL;
	victim = np_table_find(old, kind, name);
	vif = victim;
	if (!victim || (source >= 0 && np_obj_source(kind, victim) != source) ||
	    (kind == NP_VIF && vif->is_glob))
		return NULL;

	t = np_table_like(old, gen);
	gone = kmalloc(sizeof(*gone), GFP_KERNEL_ACCOUNT);
	if (!t || !gone)
		goto nomem;
	/* a deleted policy leaves its slot empty; else the slots are shared */
	if (kind != NP_POLICY)
		objv_share(&t->pol_slot, &old->pol_slot);
	else if (np_slots_copy(t, old, old->pol_slot.n))
		goto nomem;
	else
		t->pol_slot.v[((const struct np_policy *)victim)->slot - 1] = NULL;
	t->by_mac = np_ix_share(old->by_mac);
	t->by_name = np_ix_share(old->by_name);
	t->by_prefix = np_ix_share(old->by_prefix);
	if (!t->by_mac || !t->by_name || !t->by_prefix)
		goto nomem;

	/*
	 * Whether an object names the victim (the full build refuses that
	 * delete, and says why): only the kinds that point to its kind. The
	 * other kinds' sequences are shared; the victim's writes a spine of
	 * its own, without it.
	 */
	for (k = 0; k < NP_NKINDS; k++) {
		bool may_name = k == NP_VIF ? kind != NP_NIC && kind != NP_VIF :
			(k == NP_NET || k == NP_VM) && kind == NP_POLICY;

		np_seq_iter_init(&it, may_name ? old->objs[k] : NULL);
		while (!named && (o = np_seq_next(&it)))
			named = np_obj_names(k, o, kind, victim);
		if (k != kind) {
			t->objs[k] = np_seq_get(old->objs[k]);
			continue;
		}
		t->objs[k] = np_seq_clone(old->objs[k], 0);
		if (!t->objs[k] ||
		    np_seq_delete(t->objs[k], np_seq_pos(old->objs[k], name)))
			goto nomem;
		if (!t->objs[k]->n) {
			np_seq_put(t->objs[k]);
			t->objs[k] = NULL;
		}
	}
	if (named) {
		kfree(gone);
		np_table_unmake(t);
		return NULL;
	}
	if (kind == NP_VIF) {
		if (np_index_del(t, vif->has_mac ? t->by_mac : t->by_name, vif))
			goto nomem;
		t->n_mac -= vif->has_mac;
		t->n_name -= !vif->has_mac;
	} else {
		np_flags_count(t, kind, victim, -1);
	}
	gone->obj = (void *)victim;
	gone->kind = kind;
	np_chain_link(old, t, NULL, 0, gone, 1);
	return t;

nomem:
	kfree(gone);
	np_table_unmake(t);
	return ERR_PTR(-ENOMEM);
}

/**
 * np_table_without - compile a copy of @old less one object
 * @old: the published table, or NULL
 * @kind: the kind of object to leave out
 * @name: its name
 * @source: delete it only if it has this enum netpolicy_source (-1: any)
 * @gen: the new table's generation
 * @extack: where to report what is wrong
 *
 * Return: the new table, or an ERR_PTR(): -ENOENT if there is no such
 * object, -EBUSY if another object still names it.
 */
struct np_table *np_table_without(const struct np_table *old,
				  enum np_kind kind, const char *name,
				  int source, u32 gen,
				  struct netlink_ext_ack *extack)
{
	const void *victim = old ? np_table_find(old, kind, name) : NULL;
	struct np_txn txn = {};
	struct np_seq_iter it;
	int err = -ENOMEM;
	const void *src;
	int k;

	if (!victim) {
		NL_SET_ERR_MSG(extack, "no such object");
		return ERR_PTR(-ENOENT);
	}
	if (source >= 0 && np_obj_source(kind, victim) != source) {
		NL_SET_ERR_MSG(extack, "no such object from that source");
		return ERR_PTR(-ENOENT);
	}
	if (np_obj_referenced(old, kind, victim)) {
		NL_SET_ERR_MSG(extack,
			       "the object is still named by another object: delete or change that first");
		return ERR_PTR(-EBUSY);
	}
	txn.set_host = true;
	strscpy(txn.host, old->host, sizeof(txn.host));
	for (k = 0; k < NP_NKINDS; k++) {
		np_seq_iter_init(&it, old->objs[k]);
		while ((src = np_seq_next(&it))) {
			void *obj;

			if (src == victim)
				continue;
			obj = np_obj_dup(old, k, src);
			if (!obj || np_txn_add(&txn, k, obj)) {
				np_obj_free(k, obj);
				goto fail;
			}
		}
	}
	return np_table_build(NULL, false, &txn, gen, extack);

fail:
	np_txn_destroy(&txn);
	return ERR_PTR(err);
}

/**
 * np_table_by_mac - the VIF object with the MAC address @mac
 * @t: the table
 * @mac: ETH_ALEN bytes
 *
 * Return: the VIF object, or NULL (MACs are unique in a table).
 */
const struct np_vif *np_table_by_mac(const struct np_table *t, const u8 *mac)
{
	const struct np_vif *o;
	u32 i;

	if (!np_seq_n(t->objs[NP_VIF]))
		return NULL;
	for (i = hash_mac(t, mac) & t->by_mac->mask; (o = np_ix_get(t->by_mac, i));
	     i = (i + 1) & t->by_mac->mask)
		if (ether_addr_equal(o->mac, mac))
			return o;
	return NULL;
}

/**
 * np_table_by_ifname - the VIF object without a MAC that names @ifname
 * exactly (not by a glob)
 * @t: the table
 * @ifname: an interface name, NUL-terminated within IFNAMSIZ
 *
 * Return: the VIF object, or NULL (such names are unique in a table).
 */
const struct np_vif *np_table_by_ifname(const struct np_table *t,
					const char *ifname)
{
	u32 len = strnlen(ifname, IFNAMSIZ);
	const struct np_vif *o;
	u32 i;

	if (!np_seq_n(t->objs[NP_VIF]))
		return NULL;
	for (i = hash_name(t, ifname, len) & t->by_name->mask; (o = np_ix_get(t->by_name, i));
	     i = (i + 1) & t->by_name->mask)
		if (!strcmp(o->ifname, ifname))
			return o;
	return NULL;
}

static bool vif_accepts(const struct np_vif *vif, const char *ifname)
{
	if (!vif->ifname[0])
		return true;
	if (!vif->is_glob)
		return !strcmp(vif->ifname, ifname);
	return np_glob_match(vif->ifname, ifname);
}

/**
 * np_table_lookup - the VIF object that binds a device
 * @t: the table
 * @ifname: the device's name
 * @mac: the device's address (ETH_ALEN bytes), or NULL
 *
 * Precedence: MAC, then exact name, then the glob with the longest literal
 * prefix (ties: the smaller object name). See the uapi header.
 *
 * Return: the VIF object, or NULL if none binds the device.
 */
const struct np_vif *np_table_lookup(const struct np_table *t,
				     const char *ifname, const u8 *mac)
{
	const struct np_vif *o;
	u32 len = strnlen(ifname, IFNAMSIZ);
	int plen;
	u32 i;

	if (!np_seq_n(t->objs[NP_VIF]))
		return NULL;

	o = mac ? np_table_by_mac(t, mac) : NULL;
	if (o && vif_accepts(o, ifname))
		return o;
	o = np_table_by_ifname(t, ifname);
	if (o)
		return o;

	for (plen = min_t(u32, len, t->max_prefix); plen >= 0; plen--) {
		for (i = hash_name(t, ifname, plen) & t->by_prefix->mask;
		     (o = np_ix_get(t->by_prefix, i)); i = (i + 1) & t->by_prefix->mask) {
			if (o->prefix_len == plen &&
			    !memcmp(o->ifname, ifname, plen) &&
			    np_glob_match(o->ifname, ifname))
				return o;
		}
	}
	return NULL;
}

/**
 * np_table_count - how many objects @t holds, of every kind
 * @t: the table
 */
u32 np_table_count(const struct np_table *t)
{
	u32 n = 0;
	int k;

	for (k = 0; k < NP_NKINDS; k++)
		n += np_seq_n(t->objs[k]);
	return n;
}
