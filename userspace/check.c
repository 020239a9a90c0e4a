// SPDX-License-Identifier: GPL-2.0
/*
 * npmgr: the policy file checker. Everything the kernel would refuse, and
 * every contradiction between the policies that govern one interface, is
 * found here before anything is sent, and every problem is reported (not
 * only the first) at the line that causes it. O(n) in the number of
 * objects (hash sets), plus sorting the messages.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"

/*
 * A hash set of the objects of one or two arrays, keyed by a field of
 * theirs (a name, an interface name, a MAC), mapping a key to the object
 * that has it first. Open addressing with linear probing, at most 3/4 full,
 * its slots as many as that needs (not a power of two). A slot is the
 * key's hash and the object's index, 8 bytes: the key is read from the
 * object only when the hashes match. A 100,000-VIF file's sets are a few
 * MB that are written once, and every fresh page costs its zeroing (most
 * of what the checker costs in the test VM): the checker costs O(n) for n
 * objects, in as little memory as this.
 */
struct keyset {
	struct slot {
		uint32_t hash;		/* of the key: most misses end here */
		uint32_t id;		/* the object's index + 1; 0: free */
	} *slots;
	size_t size;
	size_t count;
	/* the objects: ids below n0 in base0, the rest in base1 */
	const char *base0, *base1;
	size_t n0;
	size_t stride;			/* of an array element */
	bool deref;			/* an element points to the object */
	size_t key_off;			/* the key's field in the object */
	uint32_t key_len;		/* of a key in place; 0: a char * */
};

#define FNV_BASIS	2166136261u
#define FNV_PRIME	16777619u

static uint32_t hash_bytes(const void *p, size_t len)
{
	const unsigned char *c = p;
	uint32_t h = FNV_BASIS;	/* FNV-1a */

	while (len--)
		h = (h ^ *c++) * FNV_PRIME;
	return h;
}

/* hash_bytes() of @s and its NUL, in one pass */
static uint32_t hash_str(const char *s)
{
	uint32_t h = FNV_BASIS, n = 0;

	do
		h = (h ^ (unsigned char)s[n]) * FNV_PRIME;
	while (s[n++]);
	return h;
}

/*
 * An empty set of @n objects of @stride bytes at @base0 (then @n1 at
 * @base1, NULL: none), keyed by the field at @key_off: @key_len bytes in
 * place, or (0) the string it points to.
 */
static void keyset_init(struct keyset *ks, const void *base0, size_t n,
			const void *base1, size_t n1, size_t stride,
			size_t key_off, uint32_t key_len)
{
	ks->size = n + n1 + (n + n1) / 3 + 16;
	ks->slots = xcalloc(ks->size, sizeof(*ks->slots));
	ks->count = 0;
	ks->base0 = base0;
	ks->base1 = base1;
	ks->n0 = n;
	ks->stride = stride;
	ks->deref = false;
	ks->key_off = key_off;
	ks->key_len = key_len;
}

/* The objects of @kind in @cfg, then (or NULL) those of @more, by name. */
static void keyset_init_names(struct keyset *ks, const struct np_config *cfg,
			      const struct np_config *more, enum obj_kind kind)
{
	size_t n = config_count(cfg, kind);
	size_t n1 = more ? config_count(more, kind) : 0;

	keyset_init(ks, n ? config_obj(cfg, kind, 0) : NULL, n,
		    n1 ? config_obj(more, kind, 0) : NULL, n1,
		    obj_kinds[kind].size, offsetof(struct named, name), 0);
}

static const void *keyset_obj(const struct keyset *ks, uint32_t id)
{
	size_t i = id - 1;
	const char *at = i < ks->n0 ? ks->base0 + i * ks->stride :
			 ks->base1 + (i - ks->n0) * ks->stride;

	return ks->deref ? *(const void *const *)at : at;
}

static const void *keyset_key(const struct keyset *ks, const void *obj)
{
	const char *field = (const char *)obj + ks->key_off;

	return ks->key_len ? field : *(const char *const *)field;
}

/* Where the probe for hash @h starts: @h scaled to the slots, no division */
static size_t keyset_home(const struct keyset *ks, uint32_t h)
{
	return (size_t)(((uint64_t)h * ks->size) >> 32);
}

static bool same_key(const struct keyset *ks, const void *a, const void *b)
{
	const unsigned char *x = a, *y = b;
	uint32_t i;

	if (ks->key_len) {
		for (i = 0; i < ks->key_len; i++)
			if (x[i] != y[i])
				return false;
		return true;
	}
	for (i = 0; x[i] == y[i]; i++)	/* names are short: no strcmp() */
		if (!x[i])
			return true;
	return false;
}

/* The slot of @key (hash @h), or the free slot where it would go. */
static struct slot *keyset_find(const struct keyset *ks, const void *key,
				uint32_t h)
{
	size_t i = keyset_home(ks, h);
	struct slot *e;

	for (; (e = &ks->slots[i])->id; i = i + 1 == ks->size ? 0 : i + 1)
		if (e->hash == h &&
		    same_key(ks, keyset_key(ks, keyset_obj(ks, e->id)), key))
			break;
	return e;
}

static uint32_t keyset_hash(const struct keyset *ks, const void *key)
{
	return ks->key_len ? hash_bytes(key, ks->key_len) : hash_str(key);
}

/*
 * The object that has the key of object @i already, else NULL after adding
 * @i. (The set never fills: it has a slot for each of its objects.)
 */
static const void *keyset_add(struct keyset *ks, size_t i)
{
	uint32_t id = (uint32_t)i + 1;
	const void *key = keyset_key(ks, keyset_obj(ks, id));
	uint32_t h = keyset_hash(ks, key);
	struct slot *at = keyset_find(ks, key, h);

	if (at->id)
		return keyset_obj(ks, at->id);
	at->hash = h;
	at->id = id;
	ks->count++;
	return NULL;
}

/* The object whose key is @key, or NULL. */
static const void *keyset_get(const struct keyset *ks, const void *key)
{
	struct slot *at = keyset_find(ks, key, keyset_hash(ks, key));

	return at->id ? keyset_obj(ks, at->id) : NULL;
}

/*
 * Index the objects of @kind in @cfg by name, then those of @loaded (or
 * NULL); report names defined twice.
 */
static void index_names(struct keyset *ks, const struct np_config *cfg,
			const struct np_config *loaded, enum obj_kind kind,
			struct np_diags *d)
{
	const struct named *first;
	size_t i, n = config_count(cfg, kind);

	keyset_init_names(ks, cfg, loaded, kind);
	for (i = 0; i < n; i++) {
		const struct named *o = config_obj(cfg, kind, i);

		first = keyset_add(ks, i);
		if (first) {
			char *at = diag_where(d, first->pos);

			diag_add(d, o->pos, "%s '%s' is defined twice (first at %s)",
				 obj_kinds[kind].name, o->name, at);
			free(at);
		}
	}
}

/*
 * MACs, and exact interface names of VIFs without a MAC, are unique, also
 * against the VIFs of @loaded (those come first: the file's are reported).
 */
static void check_vif_keys(struct np_config *cfg,
			   const struct np_config *loaded, struct np_diags *d)
{
	size_t n_old = loaded ? loaded->n_vifs : 0, i;
	const struct np_vif_def *old = n_old ? loaded->vifs : NULL;
	struct keyset macs, names;
	const struct np_vif_def *w;

	keyset_init(&macs, old, n_old, cfg->vifs, cfg->n_vifs, sizeof(*old),
		    offsetof(struct np_vif_def, mac), sizeof(old->mac));
	keyset_init(&names, old, n_old, cfg->vifs, cfg->n_vifs, sizeof(*old),
		    offsetof(struct np_vif_def, ifname), 0);
	for (i = 0; i < n_old + cfg->n_vifs; i++) {
		const struct np_vif_def *v = i < n_old ? &loaded->vifs[i] :
					     &cfg->vifs[i - n_old];

		if (v->has_mac) {
			w = keyset_add(&macs, i);
			if (w)
				diag_add(d, v->mac_pos,
					 "vif '%s' has the same MAC address as vif '%s'",
					 v->name, w->name);
		} else if (v->ifname && !has_wildcard(v->ifname)) {
			w = keyset_add(&names, i);
			if (w)
				diag_add(d, v->ifname_pos,
					 "vif '%s' has the same interface name as vif '%s'",
					 v->name, w->name);
		}
	}
	free(macs.slots);
	free(names.slots);
}

static void contradiction(struct np_diags *d, const struct np_vif_def *v,
			  const struct np_applied *a,
			  const struct np_applied *b, const char *attr,
			  const char *va, const char *vb)
{
	diag_add(d, v->pos,
		 "vif '%s': contradictory policies: %s = %s in policy '%s' (%s %s) but %s in policy '%s' (%s %s)",
		 v->name, attr, va, a->pol->name, a->kind, a->owner, vb,
		 b->pol->name, b->kind, b->owner);
}

/* ALLOW_CROSS_SERVER = true against a policy that is local only. */
static void check_locality(struct np_diags *d, const struct np_vif_def *v,
			   const struct np_applied *a,
			   const struct np_applied *b)
{
	if (pol_has(a->pol, PA_ALLOW_CROSS_SERVER) &&
	    a->pol->allow_cross_server && pol_has(b->pol, PA_RESTRICT_TO_HOST))
		contradiction(d, v, a, b, "ALLOW_CROSS_SERVER", "true",
			      "local only (RESTRICT_TO_HOST)");
}

/*
 * Two policies of one VIF must not say opposite things: every scalar
 * attribute both write must have one value.
 */
static void check_pair(struct np_diags *d, const struct np_vif_def *v,
		       const struct np_applied *a, const struct np_applied *b)
{
	const char *va, *vb;
	int k;

	if (a->pol == b->pol)
		return;
	for (k = 0; k < PA_COUNT; k++) {
		if (pol_attrs[k].type == PA_T_SELECTORS ||
		    !pol_has(a->pol, k) || !pol_has(b->pol, k))
			goto next;
		va = pol_value_text(a->pol, k);
		vb = pol_value_text(b->pol, k);
		if (strcmp(va, vb))
			contradiction(d, v, a, b, pol_attrs[k].key, va, vb);
next:
		if (k == PA_ALLOW_CROSS_SERVER) {
			check_locality(d, v, a, b);
			check_locality(d, v, b, a);
		}
	}
}

void check_policy_obj(const struct np_policy_def *p, struct np_diags *d)
{
	if (pol_has(p, PA_ENCRYPTION_ALGORITHM) && !pol_requires_encryption(p))
		diag_add(d, p->pos,
			 "policy '%s' sets ENCRYPTION_ALGORITHM without REQUIRE_ENCRYPTION = true",
			 p->name);
	if (pol_has(p, PA_RESTRICT_TO_HOST) &&
	    pol_has(p, PA_ALLOW_CROSS_SERVER) && p->allow_cross_server)
		diag_add(d, p->pos,
			 "policy '%s' is contradictory: RESTRICT_TO_HOST makes the network local only, but ALLOW_CROSS_SERVER = true",
			 p->name);
}

bool check_net_id(const struct np_net_def *n, struct np_diags *d)
{
	int kind = n->tunnel ?: NETPOLICY_TUNNEL_VXLAN;

	if (!n->has_id || kind == NETPOLICY_TUNNEL_GRETAP || n->id <= (1U << 24) - 1)
		return true;
	diag_add(d, n->id_pos, "network '%s': a %s VNI is 1 to 16777215",
		 n->name, tunnel_name(kind));
	return false;
}

void check_net_obj(const struct np_net_def *n, const struct np_names *names,
		   struct np_diags *d)
{
	if (!n->bridge)
		diag_add(d, n->pos, "network '%s' has no bridge", n->name);
	if (n->policy && !names->get(names->ctx, OBJ_POLICY, n->policy))
		diag_add(d, n->policy_pos,
			 "network '%s' names policy '%s', which is not defined",
			 n->name, n->policy);
}

void check_vm_obj(const struct np_vm_def *m, const struct np_names *names,
		  struct np_diags *d)
{
	if (m->policy && !names->get(names->ctx, OBJ_POLICY, m->policy))
		diag_add(d, m->policy_pos,
			 "vm '%s' names policy '%s', which is not defined",
			 m->name, m->policy);
}

static const struct np_policy_def *names_policy(const void *names,
						const char *name)
{
	const struct np_names *nm = names;

	return nm->get(nm->ctx, OBJ_POLICY, name);
}

/*
 * The policy lookup of a VIF's check: its network's policy (@net_policy,
 * the network's own string) is resolved already, once per network; any
 * other name is looked up.
 */
struct vif_policies {
	const struct np_names *names;
	const char *net_policy;
	const struct np_policy_def *net_pol;
};

static const struct np_policy_def *vif_policy(const void *ctx, const char *name)
{
	const struct vif_policies *vp = ctx;

	if (name == vp->net_policy)
		return vp->net_pol;
	return names_policy(vp->names, name);
}

/*
 * check_vif_obj(); with @cfg, the policies of its networks are in
 * @net_pols (by index); whether @v names a VM that is not defined.
 */
static bool check_vif(const struct np_vif_def *v, const struct np_names *names,
		      const struct np_config *cfg,
		      const struct np_policy_def *const *net_pols,
		      struct np_diags *d)
{
	struct vif_policies vp = { names, NULL, NULL };
	const struct np_net_def *net = NULL;
	const struct np_vm_def *vm = NULL;
	struct np_applied ap[3];
	size_t n_ap, j, k;

	if (!v->network)
		diag_add(d, v->pos, "vif '%s' has no network", v->name);
	else if (!(net = names->get(names->ctx, OBJ_NET, v->network)))
		diag_add(d, v->network_pos,
			 "vif '%s' names network '%s', which is not defined",
			 v->name, v->network);
	if (!v->ifname && !v->has_mac)
		diag_add(d, v->pos,
			 "vif '%s' needs an ifname or a mac to recognise its interface",
			 v->name);
	if (v->policy && !names->get(names->ctx, OBJ_POLICY, v->policy))
		diag_add(d, v->policy_pos,
			 "vif '%s' names policy '%s', which is not defined",
			 v->name, v->policy);
	if (v->vm)
		vm = names->get(names->ctx, OBJ_VM, v->vm);
	/* (the network may be a loaded one, not in @cfg) */
	if (net && cfg && (uintptr_t)net >= (uintptr_t)cfg->nets &&
	    (uintptr_t)net < (uintptr_t)(cfg->nets + cfg->n_nets)) {
		vp.net_policy = net->policy;
		vp.net_pol = net_pols[net - cfg->nets];
	}

	/* the policies that will govern it, as the kernel combines them */
	n_ap = np_applied_policies(net, vm, v, vif_policy, &vp, ap);
	for (j = 0; j < n_ap; j++)
		for (k = j + 1; k < n_ap; k++)
			check_pair(d, v, &ap[j], &ap[k]);
	return v->vm && !vm;
}

void check_vif_obj(const struct np_vif_def *v, const struct np_names *names,
		   struct np_diags *d)
{
	check_vif(v, names, NULL, NULL, d);
}

/*
 * How networks cross hosts: only with a pool (host blocks); a network's
 * hosts exist; its identifier fits its tunnel and no other network of
 * that kind has it.
 */
static void check_tunnels(const struct np_config *cfg, const struct keyset *hi,
			  struct np_diags *d)
{
	uint32_t (*keys)[2] = xcalloc(cfg->n_nets + 1, sizeof(*keys));
	struct keyset ids;
	size_t i, j;

	keyset_init(&ids, keys, cfg->n_nets, NULL, 0, sizeof(*keys), 0,
		    sizeof(*keys));
	for (i = 0; i < cfg->n_nets; i++) {
		const struct np_net_def *n = &cfg->nets[i];
		int kind = n->tunnel ?: NETPOLICY_TUNNEL_VXLAN;
		const uint32_t (*first)[2];

		if (!cfg->n_pool && !cfg->hosts_from_pool &&
		    (n->tunnel || n->has_id || n->hosts)) {
			diag_add(d, n->tunnel ? n->tunnel_pos :
				 n->has_id ? n->id_pos : n->hosts_pos,
				 "network '%s' says how to cross hosts, but the file declares no host blocks (the pool)",
				 n->name);
			continue;
		}
		for (j = 0; !cfg->hosts_from_pool && j < n->n_hosts; j++)
			if (!keyset_get(hi, n->hosts[j]))
				diag_add(d, n->hosts_pos,
					 "network '%s' names host '%s', which is not defined",
					 n->name, n->hosts[j]);
		if (!n->has_id)
			continue;
		if (!check_net_id(n, d))
			continue;
		keys[i][0] = (uint32_t)kind;
		keys[i][1] = n->id;
		first = keyset_add(&ids, i);
		if (first) {
			const struct np_net_def *m = &cfg->nets[first - keys];
			char *at = diag_where(d, m->pos);

			diag_add(d, n->id_pos,
				 "network '%s' has the %s identifier %u of network '%s' (%s)",
				 n->name, tunnel_name(kind), n->id, m->name, at);
			free(at);
		}
	}
	free(ids.slots);
	free(keys);
}

/* np_names over the keysets of config_check_with(), one per kind */
static const void *keysets_get(const void *ks, enum obj_kind kind,
			       const char *name)
{
	return keyset_get(&((const struct keyset *)ks)[kind], name);
}

/*
 * An empty VM object for every VM name that only VIFs mention: the VIFs
 * @need (@n of them) name a VM that is not defined.
 */
static void add_implicit_vms(struct np_config *cfg,
			     const struct np_vif_def **need, size_t n)
{
	struct keyset names;
	size_t i, k = 0;

	/* each name once: the VIFs that name it first */
	keyset_init(&names, need, n, NULL, 0, sizeof(*need),
		    offsetof(struct np_vif_def, vm), 0);
	names.deref = true;
	for (i = 0; i < n; i++)
		if (!keyset_add(&names, i))
			need[k++] = need[i];
	free(names.slots);
	for (i = 0; i < k; i++) {
		struct np_vm_def *m = xpush((void **)&cfg->vms, &cfg->n_vms,
					   sizeof(*m));

		m->name = xstrdup(need[i]->vm);
		m->pos = need[i]->vm_pos;
	}
}

/* The objects of @kind already loaded count as defined; the file's clash. */
static void index_loaded(struct keyset *ks, const struct np_config *cfg,
			 const struct np_config *loaded, enum obj_kind kind,
			 struct np_diags *d)
{
	size_t i, n = config_count(cfg, kind);
	const struct named *mine;

	for (i = 0; i < config_count(loaded, kind); i++) {
		mine = keyset_add(ks, n + i);
		if (mine)
			diag_add(d, mine->pos,
				 "%s '%s' is loaded already (load without --add replaces what is loaded)",
				 obj_kinds[kind].name, mine->name);
	}
}

/* Whether @o, an object of @kind found by name, is one of @cfg's own. */
static bool in_file(const struct np_config *cfg, enum obj_kind kind,
		    const void *o)
{
	size_t n = config_count(cfg, kind);
	const char *first = n ? (const char *)config_obj(cfg, kind, 0) : NULL;

	return o && n && (const char *)o >= first &&
	       (const char *)o < first + n * obj_kinds[kind].size;
}

/*
 * For `load --update`: a loaded VIF @v that the file's objects now govern
 * (its network or VM, or a policy it applies, replaced) must not be left
 * with contradictory policies. Reported at the first such object of the
 * file, naming @v.
 */
static void check_governed(const struct np_vif_def *v,
			   const struct np_names *names,
			   const struct np_config *cfg, struct np_diags *d)
{
	const struct np_net_def *net = names->get(names->ctx, OBJ_NET, v->network);
	const struct np_vm_def *vm = v->vm ?
				     names->get(names->ctx, OBJ_VM, v->vm) : NULL;
	const struct named *why = NULL;
	struct np_applied ap[3];
	struct np_vif_def at;
	size_t n, j, k;

	n = np_applied_policies(net, vm, v, names_policy, names, ap);
	if (in_file(cfg, OBJ_NET, net))
		why = (const struct named *)net;
	else if (in_file(cfg, OBJ_VM, vm))
		why = (const struct named *)vm;
	for (j = 0; j < n && !why; j++)
		if (in_file(cfg, OBJ_POLICY, ap[j].pol))
			why = (const struct named *)ap[j].pol;
	if (!why)
		return;
	at = *v;
	at.pos = why->pos;
	for (j = 0; j < n; j++)
		for (k = j + 1; k < n; k++)
			check_pair(d, &at, &ap[j], &ap[k]);
}

/*
 * config_check_with(); with @update, the loaded VIFs (what
 * ipc_get_for() read for an update) are checked as the file's changes
 * leave them.
 */
static void check_all(struct np_config *cfg, const struct np_config *loaded,
		      bool update, struct np_diags *d)
{
	struct keyset ks[OBJ_COUNT];
	struct np_names names = { keysets_get, ks };
	const struct np_policy_def **net_pols;
	const struct np_vif_def **need;
	size_t i, n_need = 0;
	int kind;

	for (kind = 0; kind < OBJ_COUNT; kind++) {
		index_names(&ks[kind], cfg, loaded, kind, d);
		if (loaded)
			index_loaded(&ks[kind], cfg, loaded, kind, d);
	}
	for (i = 0; i < cfg->n_policies; i++)
		check_policy_obj(&cfg->policies[i], d);
	check_tunnels(cfg, &ks[OBJ_HOST], d);
	net_pols = xcalloc(cfg->n_nets + 1, sizeof(*net_pols));
	for (i = 0; i < cfg->n_nets; i++) {
		check_net_obj(&cfg->nets[i], &names, d);
		if (cfg->nets[i].policy)
			net_pols[i] = keyset_get(&ks[OBJ_POLICY],
						 cfg->nets[i].policy);
	}
	for (i = 0; i < cfg->n_vms; i++)
		check_vm_obj(&cfg->vms[i], &names, d);
	check_vif_keys(cfg, loaded, d);
	need = xcalloc(cfg->n_vifs + 1, sizeof(*need));
	for (i = 0; i < cfg->n_vifs; i++)
		if (check_vif(&cfg->vifs[i], &names, cfg, net_pols, d))
			need[n_need++] = &cfg->vifs[i];
	for (i = 0; update && i < loaded->n_vifs; i++)
		check_governed(&loaded->vifs[i], &names, cfg, d);
	/* VMs named only by a VIF become objects of their own */
	add_implicit_vms(cfg, need, n_need);
	free(need);
	free(net_pols);
	for (kind = 0; kind < OBJ_COUNT; kind++)
		free(ks[kind].slots);
	diags_sort(d);
}

/**
 * config_check_with - everything the kernel would refuse, and every
 * contradiction between policies, found before sending
 * @cfg: the file's objects
 * @loaded: the objects already loaded, for `load --add` (or NULL): names
 *	may refer to them, and must not repeat them
 * @d: where the problems go
 *
 * Reports every problem (not only the first) into @d, sorted by position.
 * A VIF's VM with no block of its own is added as an empty VM object.
 * O(n) in the number of objects (hash sets), plus sorting the messages.
 */
void config_check_with(struct np_config *cfg, const struct np_config *loaded,
		       struct np_diags *d)
{
	check_all(cfg, loaded, false, d);
}

/* config_drop_if(): whether the file (@ctx, its names' keysets) has @o's name */
static bool replaced_by_file(void *ctx, enum obj_kind kind,
			     const struct named *o)
{
	return keyset_get(&((const struct keyset *)ctx)[kind], o->name);
}

void config_check_update(struct np_config *cfg, struct np_config *loaded,
			 struct np_diags *d)
{
	struct keyset ks[OBJ_COUNT];
	struct np_diags twice;
	int kind;

	/* (a name the file defines twice is reported by the check itself) */
	memset(&twice, 0, sizeof(twice));
	for (kind = 0; kind < OBJ_COUNT; kind++)
		index_names(&ks[kind], cfg, NULL, kind, &twice);
	diags_free(&twice);
	config_drop_if(loaded, replaced_by_file, ks);
	for (kind = 0; kind < OBJ_COUNT; kind++)
		free(ks[kind].slots);
	check_all(cfg, loaded, true, d);
}

/* Whether @a and @b say different things that two policies can contradict. */
static bool scalars_differ(const struct np_policy_def *a,
			   const struct np_policy_def *b)
{
	int k;

	for (k = 0; k < PA_COUNT; k++) {
		if (pol_attrs[k].type == PA_T_SELECTORS)
			continue;
		if (pol_has(a, k) != pol_has(b, k) ||
		    (pol_has(a, k) &&
		     strcmp(pol_value_text(a, k), pol_value_text(b, k))))
			return true;
	}
	return false;
}

static bool same_ref(const char *a, const char *b)
{
	return a && b ? !strcmp(a, b) : a == b;
}

bool config_governs_more(const struct np_config *file,
			 const struct np_config *old)
{
	const struct np_policy_def *p;
	const struct np_net_def *n;
	const struct np_vm_def *m;
	size_t i;

	for (i = 0; i < file->n_policies; i++) {
		p = config_policy(old, file->policies[i].name);
		if (p && scalars_differ(p, &file->policies[i]))
			return true;
	}
	for (i = 0; i < file->n_nets; i++) {
		n = config_net(old, file->nets[i].name);
		if (n && !same_ref(n->policy, file->nets[i].policy))
			return true;
	}
	for (i = 0; i < file->n_vms; i++) {
		m = config_vm(old, file->vms[i].name);
		if (m && !same_ref(m->policy, file->vms[i].policy))
			return true;
	}
	return false;
}

void config_check(struct np_config *cfg, struct np_diags *d)
{
	config_check_with(cfg, NULL, d);
}

/* config_read_file() of the text @buf, @len bytes, that @d quotes */
static int compile_text(const char *path, const char *buf, size_t len,
			struct np_config *cfg, const struct np_loaded_src *loaded,
			bool hosts_from_pool, struct np_diags *d)
{
	struct np_config old;

	if (config_parse_packed(path, buf, len, cfg, d))
		return 0;
	cfg->hosts_from_pool = hosts_from_pool;
	if (!loaded) {
		config_check_with(cfg, NULL, d);
		return 0;
	}
	/* what is loaded, read once the file says which objects matter */
	if (loaded->read(loaded->ctx, cfg, &old)) {
		diags_free(d);
		return -1;
	}
	if (loaded->update)
		config_check_update(cfg, &old, d);
	else
		config_check_with(cfg, &old, d);
	config_free(&old);
	return 0;
}

/* Read @path, a file or a directory of them, into @t (not mapped). */
static int read_text(const char *path, struct np_text *t, struct np_diags *d)
{
	struct np_src_part *parts = NULL;
	size_t n_parts = 0;
	struct stat st;
	int err;

	memset(t, 0, sizeof(*t));
	/* a directory: its *.policy files, in name order, as one file */
	if (strcmp(path, "-") && !stat(path, &st) && S_ISDIR(st.st_mode)) {
		err = read_policy_dir(path, &t->buf, &t->len, &parts, &n_parts);
		if (err == -ENOENT) {
			fprintf(stderr, "npmgr: %s: no *.policy file in this directory: nothing to do\n",
				path);
			return -1;
		}
	} else {
		err = read_file(path, &t->buf, &t->len);
	}
	if (err) {
		t->buf = NULL;
		fprintf(stderr, "npmgr: %s: %s\n", path, strerror(-err));
		return -1;
	}
	d->parts = parts;
	d->n_parts = n_parts;
	return 0;
}

int config_read_file(const char *path, struct np_config *cfg,
		     const struct np_loaded_src *loaded, bool hosts_from_pool,
		     struct np_diags *d, char **buf)
{
	struct np_text t;

	memset(cfg, 0, sizeof(*cfg));
	memset(d, 0, sizeof(*d));
	*buf = NULL;
	if (read_text(path, &t, d))
		return -1;
	if (compile_text(path, t.buf, t.len, cfg, loaded, hosts_from_pool, d)) {
		free(t.buf);
		return -1;
	}
	*buf = t.buf;
	return 0;
}

int config_map_file(const char *path, struct np_config *cfg,
		    const struct np_loaded_src *loaded, bool hosts_from_pool,
		    struct np_diags *d, struct np_text *t)
{
	int err;

	memset(cfg, 0, sizeof(*cfg));
	memset(d, 0, sizeof(*d));
	err = map_text(path, t);
	if (err == -EISDIR || err == -ESPIPE)
		err = read_text(path, t, d);
	else if (err)
		fprintf(stderr, "npmgr: %s: %s\n", path, strerror(-err));
	if (err)
		return -1;
	if (compile_text(path, t->buf, t->len, cfg, loaded, hosts_from_pool, d)) {
		text_release(t);
		return -1;
	}
	return 0;
}

int config_report(struct np_diags *d, const char *path, const char *nothing)
{
	int n = d->count;

	if (n) {
		fputs(d->text, stderr);
		fprintf(stderr, "npmgr: %s: %d error%s, nothing %s\n", path, n,
			n == 1 ? "" : "s", nothing);
	}
	diags_free(d);
	return n ? 1 : 0;
}

