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

#include "netpolicy.h"

void np_network_free(struct np_network *net)
{
	if (!net)
		return;
	kfree(net->policy.sels);
	kfree(net);
}

void np_vif_free(struct np_vif *vif)
{
	if (!vif)
		return;
	kfree(vif->tags);
	kfree(vif);
}

static struct np_network *np_network_dup(const struct np_network *src)
{
	struct np_network *net;
	unsigned int n = src->policy.n_phys + src->policy.n_isolate;

	net = kmemdup(src, sizeof(*net), GFP_KERNEL);
	if (!net)
		return NULL;
	net->origin = NULL;
	net->policy.sels = NULL;
	if (n) {
		net->policy.sels = kmemdup(src->policy.sels,
					   n * sizeof(*src->policy.sels),
					   GFP_KERNEL);
		if (!net->policy.sels) {
			kfree(net);
			return NULL;
		}
	}
	return net;
}

static struct np_vif *np_vif_dup(const struct np_vif *src)
{
	struct np_vif *vif;

	vif = kmemdup(src, sizeof(*vif), GFP_KERNEL);
	if (!vif)
		return NULL;
	vif->origin = NULL;
	vif->network = NULL;
	vif->tags = NULL;
	if (src->n_tags) {
		vif->tags = kmemdup(src->tags, src->n_tags * sizeof(*src->tags),
				    GFP_KERNEL);
		if (!vif->tags) {
			kfree(vif);
			return NULL;
		}
	}
	return vif;
}

static int grow(void ***arr, u32 n, u32 *cap)
{
	void **bigger;
	u32 want;

	if (n < *cap)
		return 0;
	want = *cap ? *cap * 2 : 16;
	bigger = kvrealloc(*arr, *cap * sizeof(void *), want * sizeof(void *),
			   GFP_KERNEL);
	if (!bigger)
		return -ENOMEM;
	*arr = bigger;
	*cap = want;
	return 0;
}

/**
 * np_txn_add_net - hand a network object to a transaction
 * @txn: the transaction
 * @net: the object; owned by @txn on success, still the caller's on error
 *
 * Return: 0 or -ENOMEM.
 */
int np_txn_add_net(struct np_txn *txn, struct np_network *net)
{
	int err = grow((void ***)&txn->nets, txn->n_nets, &txn->cap_nets);

	if (err)
		return err;
	txn->nets[txn->n_nets++] = net;
	return 0;
}

/**
 * np_txn_add_vif - hand a VIF object to a transaction
 * @txn: the transaction
 * @vif: the object; owned by @txn on success, still the caller's on error
 *
 * Return: 0 or -ENOMEM.
 */
int np_txn_add_vif(struct np_txn *txn, struct np_vif *vif)
{
	int err = grow((void ***)&txn->vifs, txn->n_vifs, &txn->cap_vifs);

	if (err)
		return err;
	txn->vifs[txn->n_vifs++] = vif;
	return 0;
}

/**
 * np_txn_destroy - free a transaction and the objects it still owns
 * @txn: the transaction (its memory is the caller's)
 */
void np_txn_destroy(struct np_txn *txn)
{
	u32 i;

	for (i = 0; i < txn->n_nets; i++)
		np_network_free(txn->nets[i]);
	for (i = 0; i < txn->n_vifs; i++)
		np_vif_free(txn->vifs[i]);
	kvfree(txn->nets);
	kvfree(txn->vifs);
	memset(txn, 0, sizeof(*txn));
}

void np_table_free(struct np_table *t)
{
	u32 i;

	if (!t)
		return;
	for (i = 0; i < t->n_nets; i++)
		np_network_free(t->nets[i]);
	for (i = 0; i < t->n_vifs; i++)
		np_vif_free(t->vifs[i]);
	kvfree(t->nets);
	kvfree(t->vifs);
	kvfree(t->by_mac);
	kvfree(t->by_name);
	kvfree(t->by_prefix);
	kfree(t);
}

static void np_table_free_rcu_cb(struct rcu_head *head)
{
	np_table_free(container_of(head, struct np_table, rcu));
}

/**
 * np_table_free_rcu - free @t once every RCU reader is done with it
 * @t: an unpublished table, or NULL
 */
void np_table_free_rcu(struct np_table *t)
{
	if (t)
		call_rcu(&t->rcu, np_table_free_rcu_cb);
}

static int cmp_net(const void *a, const void *b)
{
	const struct np_network *x = *(const struct np_network **)a;
	const struct np_network *y = *(const struct np_network **)b;

	return strcmp(x->name, y->name);
}

static int cmp_vif(const void *a, const void *b)
{
	const struct np_vif *x = *(const struct np_vif **)a;
	const struct np_vif *y = *(const struct np_vif **)b;

	return strcmp(x->name, y->name);
}

/**
 * np_table_find_net - the network object named @name
 * @t: the table
 * @name: the object name
 *
 * Return: the object, or NULL.
 */
const struct np_network *np_table_find_net(const struct np_table *t,
					   const char *name)
{
	u32 lo = 0, hi = t->n_nets;

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;
		int c = strcmp(name, t->nets[mid]->name);

		if (!c)
			return t->nets[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
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
static void slot_put(const struct np_table *t, const struct np_vif **slots,
		     u32 h, const struct np_vif *vif)
{
	u32 i = h & t->hash_mask;

	while (slots[i])
		i = (i + 1) & t->hash_mask;
	slots[i] = vif;
}

static int index_vif(struct np_table *t, const struct np_vif *vif,
		     struct netlink_ext_ack *extack)
{
	const struct np_vif *o;
	u32 h, i;

	if (vif->has_mac) {
		h = hash_mac(t, vif->mac);
		for (i = h & t->hash_mask; (o = t->by_mac[i]);
		     i = (i + 1) & t->hash_mask) {
			if (ether_addr_equal(o->mac, vif->mac)) {
				NL_SET_ERR_MSG_ATTR(extack, vif->origin,
						    "two VIF objects have the same MAC address");
				return -EEXIST;
			}
		}
		t->by_mac[i] = vif;
	} else if (!vif->is_glob) {
		h = hash_name(t, vif->ifname, vif->prefix_len);
		for (i = h & t->hash_mask; (o = t->by_name[i]);
		     i = (i + 1) & t->hash_mask) {
			if (!strcmp(o->ifname, vif->ifname)) {
				NL_SET_ERR_MSG_ATTR(extack, vif->origin,
						    "two VIF objects have the same interface name");
				return -EEXIST;
			}
		}
		t->by_name[i] = vif;
	} else {
		slot_put(t, t->by_prefix,
			 hash_name(t, vif->ifname, vif->prefix_len), vif);
		t->max_prefix = max(t->max_prefix, vif->prefix_len);
	}
	return 0;
}

/* Index of the first object of a sorted array whose name repeats, or 0. */
static u32 first_duplicate(void **objs, u32 n, size_t name_off)
{
	u32 i;

	for (i = 1; i < n; i++)
		if (!strcmp((const char *)objs[i - 1] + name_off,
			    (const char *)objs[i] + name_off))
			return i;
	return 0;
}

/**
 * np_table_build - compile a new table
 * @old: the published table, or NULL
 * @keep_old: copy @old's objects into the new table (else replace them)
 * @txn: objects to add; the new table takes them all, even on error
 * @gen: the new table's generation
 * @extack: where to report what is wrong
 *
 * Checks that names are unique, that every VIF object's network exists and
 * that MACs and exact interface names are unique, then builds the indexes.
 * @old is only read.
 *
 * Return: the new table, or an ERR_PTR() with @extack set.
 */
struct np_table *np_table_build(const struct np_table *old, bool keep_old,
				struct np_txn *txn, u32 gen,
				struct netlink_ext_ack *extack)
{
	u32 old_nets = keep_old && old ? old->n_nets : 0;
	u32 old_vifs = keep_old && old ? old->n_vifs : 0;
	struct np_table *t;
	u32 i, slots;
	int err = -ENOMEM;

	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		goto fail_txn;
	t->gen = gen;
	t->seed = get_random_u32();
	t->nets = kvcalloc(old_nets + txn->n_nets + 1, sizeof(*t->nets),
			   GFP_KERNEL);
	t->vifs = kvcalloc(old_vifs + txn->n_vifs + 1, sizeof(*t->vifs),
			   GFP_KERNEL);
	if (!t->nets || !t->vifs)
		goto fail_txn;

	/* Take the transaction's objects first: from here @t owns them. */
	for (i = 0; i < txn->n_nets; i++)
		t->nets[t->n_nets++] = txn->nets[i];
	for (i = 0; i < txn->n_vifs; i++)
		t->vifs[t->n_vifs++] = txn->vifs[i];
	txn->n_nets = 0;
	txn->n_vifs = 0;

	for (i = 0; i < old_nets; i++) {
		t->nets[t->n_nets] = np_network_dup(old->nets[i]);
		if (!t->nets[t->n_nets])
			goto fail;
		t->n_nets++;
	}
	for (i = 0; i < old_vifs; i++) {
		t->vifs[t->n_vifs] = np_vif_dup(old->vifs[i]);
		if (!t->vifs[t->n_vifs])
			goto fail;
		t->n_vifs++;
	}

	sort(t->nets, t->n_nets, sizeof(*t->nets), cmp_net, NULL);
	sort(t->vifs, t->n_vifs, sizeof(*t->vifs), cmp_vif, NULL);
	i = first_duplicate((void **)t->nets, t->n_nets,
			    offsetof(struct np_network, name));
	if (i) {
		NL_SET_ERR_MSG_ATTR(extack, t->nets[i]->origin ?:
				    t->nets[i - 1]->origin,
				    "a network object with this name exists");
		err = -EEXIST;
		goto fail;
	}
	i = first_duplicate((void **)t->vifs, t->n_vifs,
			    offsetof(struct np_vif, name));
	if (i) {
		NL_SET_ERR_MSG_ATTR(extack, t->vifs[i]->origin ?:
				    t->vifs[i - 1]->origin,
				    "a VIF object with this name exists");
		err = -EEXIST;
		goto fail;
	}

	for (i = 0; i < t->n_vifs; i++) {
		struct np_vif *vif = t->vifs[i];

		vif->network = np_table_find_net(t, vif->network_name);
		if (!vif->network) {
			NL_SET_ERR_MSG_ATTR(extack, vif->origin,
					    "VIF object names a network object that does not exist");
			err = -ENOENT;
			goto fail;
		}
	}

	err = -ENOMEM;
	slots = roundup_pow_of_two(max_t(u32, 2 * t->n_vifs, 16));
	t->hash_mask = slots - 1;
	t->by_mac = kvcalloc(slots, sizeof(*t->by_mac), GFP_KERNEL);
	t->by_name = kvcalloc(slots, sizeof(*t->by_name), GFP_KERNEL);
	t->by_prefix = kvcalloc(slots, sizeof(*t->by_prefix), GFP_KERNEL);
	if (!t->by_mac || !t->by_name || !t->by_prefix)
		goto fail;
	for (i = 0; i < t->n_vifs; i++) {
		err = index_vif(t, t->vifs[i], extack);
		if (err)
			goto fail;
	}
	for (i = 0; i < t->n_nets; i++)
		t->nets[i]->origin = NULL;
	for (i = 0; i < t->n_vifs; i++)
		t->vifs[i]->origin = NULL;
	return t;

fail_txn:
	np_txn_destroy(txn);
fail:
	np_table_free(t);
	return ERR_PTR(err);
}

/**
 * np_table_without - compile a copy of @old less one object
 * @old: the published table, or NULL
 * @net_name: the network object to leave out, or NULL
 * @vif_name: the VIF object to leave out, or NULL
 * @gen: the new table's generation
 * @extack: where to report what is wrong
 *
 * Return: the new table, or an ERR_PTR(): -ENOENT if there is no such
 * object, -EBUSY if a VIF object still names the network.
 */
struct np_table *np_table_without(const struct np_table *old,
				  const char *net_name, const char *vif_name,
				  u32 gen, struct netlink_ext_ack *extack)
{
	struct np_txn txn = {};
	bool found = false;
	u32 i;
	int err = -ENOMEM;

	for (i = 0; old && i < old->n_nets; i++) {
		struct np_network *net;

		if (net_name && !strcmp(old->nets[i]->name, net_name)) {
			found = true;
			continue;
		}
		net = np_network_dup(old->nets[i]);
		if (!net || np_txn_add_net(&txn, net)) {
			np_network_free(net);
			goto fail;
		}
	}
	for (i = 0; old && i < old->n_vifs; i++) {
		struct np_vif *vif;

		if (vif_name && !strcmp(old->vifs[i]->name, vif_name)) {
			found = true;
			continue;
		}
		if (net_name && !strcmp(old->vifs[i]->network_name, net_name)) {
			NL_SET_ERR_MSG(extack,
				       "the network object is named by a VIF object: delete that first");
			err = -EBUSY;
			goto fail;
		}
		vif = np_vif_dup(old->vifs[i]);
		if (!vif || np_txn_add_vif(&txn, vif)) {
			np_vif_free(vif);
			goto fail;
		}
	}
	if (!found) {
		NL_SET_ERR_MSG(extack, "no such object");
		err = -ENOENT;
		goto fail;
	}
	return np_table_build(NULL, false, &txn, gen, extack);

fail:
	np_txn_destroy(&txn);
	return ERR_PTR(err);
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

	if (!t->n_vifs)
		return NULL;

	if (mac) {
		for (i = hash_mac(t, mac) & t->hash_mask; (o = t->by_mac[i]);
		     i = (i + 1) & t->hash_mask)
			if (ether_addr_equal(o->mac, mac)) {
				if (vif_accepts(o, ifname))
					return o;
				break;
			}
	}

	for (i = hash_name(t, ifname, len) & t->hash_mask; (o = t->by_name[i]);
	     i = (i + 1) & t->hash_mask)
		if (!strcmp(o->ifname, ifname))
			return o;

	for (plen = min_t(u32, len, t->max_prefix); plen >= 0; plen--) {
		for (i = hash_name(t, ifname, plen) & t->hash_mask;
		     (o = t->by_prefix[i]); i = (i + 1) & t->hash_mask) {
			if (o->prefix_len == plen &&
			    !memcmp(o->ifname, ifname, plen) &&
			    np_glob_match(o->ifname, ifname))
				return o;
		}
	}
	return NULL;
}
