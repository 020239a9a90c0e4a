// SPDX-License-Identifier: GPL-2.0
/*
 * The policy engine's objects: allocating, copying and freeing them, and
 * the predicates on a policy that both the table (what a set of objects
 * needs watched) and the decision use.
 */

#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "object.h"
#include "table.h"

/* VMs and VIFs are the objects that number in the 100,000s: sized to fit. */
struct np_vm *np_vm_alloc(const char *name)
{
	size_t len = strlen(name) + 1;
	struct np_vm *vm = kzalloc(struct_size(vm, name, len), GFP_KERNEL_ACCOUNT);

	if (!vm)
		return NULL;
	memcpy(vm->name, name, len);
	np_obj_init(&vm->o, vm->name);
	return vm;
}

struct np_vif *np_vif_alloc(const char *name)
{
	size_t len = strlen(name) + 1;
	struct np_vif *vif = kzalloc(struct_size(vif, name, len), GFP_KERNEL_ACCOUNT);

	if (!vif)
		return NULL;
	memcpy(vif->name, name, len);
	np_obj_init(&vif->o, vif->name);
	return vif;
}

#if IS_ENABLED(CONFIG_NETPOLICY_KUNIT_TEST)
atomic_t np_objs_live = ATOMIC_INIT(0);
#endif

/**
 * np_obj_free - free an object of any kind
 * @kind: its kind
 * @obj: the object, or NULL
 *
 * Called by the object's one owner (see struct np_obj). Tables free
 * theirs after a grace period, so no RCU reader can still see it then.
 */
void np_obj_free(enum np_kind kind, void *obj)
{
	if (!obj)
		return;
#if IS_ENABLED(CONFIG_NETPOLICY_KUNIT_TEST)
	atomic_dec(&np_objs_live);
#endif
	switch (kind) {
	case NP_POLICY:
		kfree(((struct np_policy *)obj)->sels);
		break;
	case NP_NIC:
		kfree(((struct np_nic *)obj)->tags);
		break;
	case NP_VM:
		kfree(((struct np_vm *)obj)->tags);
		break;
	default:
		break;
	}
	kfree(obj);
}

/**
 * np_tags_size - the bytes of a packed tag list
 * @tags: @n NUL-terminated strings, one after the other
 * @n: how many
 */
size_t np_tags_size(const char *tags, unsigned int n)
{
	const char *p = tags;

	while (n--)
		p += strlen(p) + 1;
	return p - tags;
}

/**
 * np_tags_have - whether a packed tag list holds @tag
 * @tags: @n NUL-terminated strings, one after the other
 * @n: how many
 * @tag: the tag
 */
bool np_tags_have(const char *tags, unsigned int n, const char *tag)
{
	while (n--) {
		if (!strcmp(tags, tag))
			return true;
		tags += strlen(tags) + 1;
	}
	return false;
}

static char *np_tags_dup(const char *tags, unsigned int n)
{
	return n ? kmemdup(tags, np_tags_size(tags, n), GFP_KERNEL_ACCOUNT) : NULL;
}

static void *np_policy_dup(const struct np_policy *pol)
{
	unsigned int n = pol->n_phys + pol->n_isolate;
	struct np_policy *p = kmemdup(pol, sizeof(*p), GFP_KERNEL_ACCOUNT);

	if (!p)
		return NULL;
	np_obj_init(&p->o, p->name);
	p->sels = n ? kmemdup(pol->sels, n * sizeof(*p->sels), GFP_KERNEL_ACCOUNT) :
		  NULL;
	if (n && !p->sels) {
		kfree(p);
		return NULL;
	}
	return p;
}

static void *np_nic_dup(const struct np_nic *nic)
{
	struct np_nic *c = kmemdup(nic, sizeof(*c), GFP_KERNEL_ACCOUNT);

	if (!c)
		return NULL;
	np_obj_init(&c->o, c->name);
	c->tags = np_tags_dup(nic->tags, nic->n_tags);
	if (nic->n_tags && !c->tags) {
		kfree(c);
		return NULL;
	}
	return c;
}

/* The name of the policy @slot of @t, or NULL (np_obj_dup()'s references) */
static const char *np_policy_name(const struct np_table *t, u32 slot)
{
	const struct np_policy *pol = np_table_policy(t, slot);

	return pol ? pol->name : NULL;
}

static void *np_net_dup(const struct np_table *t, const struct np_network *net)
{
	struct np_network *n = kmemdup(net, sizeof(*n), GFP_KERNEL_ACCOUNT);

	if (!n)
		return NULL;
	np_obj_init(&n->o, n->name);
	n->policy_ref = np_policy_name(t, net->policy_slot);
	return n;
}

static void *np_vm_dup(const struct np_table *t, const struct np_vm *vm)
{
	struct np_vm *m = np_vm_alloc(vm->name);

	if (!m)
		return NULL;
	memcpy(m->uuid, vm->uuid, sizeof(m->uuid));
	m->has_uuid = vm->has_uuid;
	m->source = vm->source;
	m->policy_ref = np_policy_name(t, vm->policy_slot);
	m->tags = np_tags_dup(vm->tags, vm->n_tags);
	if (vm->n_tags && !m->tags) {
		kfree(m);
		return NULL;
	}
	m->n_tags = vm->n_tags;
	return m;
}

static void *np_vif_dup(const struct np_table *t, const struct np_vif *vif)
{
	struct np_vif *f = np_vif_alloc(vif->name);

	if (!f)
		return NULL;
	memcpy(f->mac, vif->mac, ETH_ALEN);
	f->has_mac = vif->has_mac;
	f->is_glob = vif->is_glob;
	f->source = vif->source;
	f->prefix_len = vif->prefix_len;
	memcpy(f->ifname, vif->ifname, sizeof(f->ifname));
	f->network_ref = vif->network->name;
	f->vm_ref = vif->vm ? vif->vm->name : NULL;
	f->policy_ref = np_policy_name(t, vif->policy_slot);
	return f;
}

/**
 * np_obj_dup - a copy of an object of a published table, for a new one
 * @t: the table
 * @kind: its kind
 * @src: the object, its references resolved in @t
 *
 * References become the names of the objects they point to, resolved
 * again by np_table_build() in the new table.
 *
 * Return: the copy, or NULL when out of memory.
 */
void *np_obj_dup(const struct np_table *t, enum np_kind kind, const void *src)
{
	switch (kind) {
	case NP_POLICY:
		return np_policy_dup(src);
	case NP_NIC:
		return np_nic_dup(src);
	case NP_NET:
		return np_net_dup(t, src);
	case NP_VM:
		return np_vm_dup(t, src);
	case NP_VIF:
		return np_vif_dup(t, src);
	default:
		return NULL;
	}
}

/**
 * np_obj_source - where an object came from
 * @kind: its kind
 * @obj: the object
 *
 * Return: its enum netpolicy_source; only VM and VIF objects have another
 * source than the configuration.
 */
u8 np_obj_source(enum np_kind kind, const void *obj)
{
	if (kind == NP_VM)
		return ((const struct np_vm *)obj)->source;
	if (kind == NP_VIF)
		return ((const struct np_vif *)obj)->source;
	return NETPOLICY_SOURCE_CONFIG;
}

/**
 * np_sel_match_vm - whether a VM matches a selector
 * @sel: NAME(x) matches the VM named x, TAG(t) a VM tagged t
 * @vm: the VM, or NULL (an interface without a VM matches nothing)
 */
bool np_sel_match_vm(const struct np_selector *sel, const struct np_vm *vm)
{
	if (!vm)
		return false;
	if (sel->type == NETPOLICY_SEL_NAME)
		return !strcmp(sel->value, vm->name);
	return np_tags_have(vm->tags, vm->n_tags, sel->value);
}

/**
 * np_policy_local_only - whether @pol keeps its network on this host
 * @pol: the policy
 */
bool np_policy_local_only(const struct np_policy *pol)
{
	return (pol->present & NP_POL_HOST) ||
	       ((pol->present & NP_POL_CROSS_SERVER) && !pol->allow_cross_server);
}

/**
 * np_policy_needs_links - whether @pol constrains its bridge's uplinks
 * @pol: the policy
 */
bool np_policy_needs_links(const struct np_policy *pol)
{
	return np_policy_local_only(pol) || (pol->present & NP_POL_PHYS) ||
	       ((pol->present & NP_POL_ENCRYPTION) && pol->require_encryption);
}
