/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The policy engine's objects (see include/uapi/linux/netpolicy.h), their
 * life cycle, and what a policy object says, as predicates that the table
 * and the decision share.
 */
#ifndef _NP_OBJECT_H
#define _NP_OBJECT_H

#include <linux/if_ether.h>
#include <linux/netdevice.h>
#include <uapi/linux/netpolicy.h>

struct nlattr;

struct np_selector {
	u8 type;				/* enum netpolicy_selector_type */
	char value[NETPOLICY_NAME_MAX];
};

/*
 * Every object starts with this header: generic code sorts, finds and
 * checks objects of any kind by name through it. An object is written
 * only until the first table that holds it is published; from then on
 * tables share it (np_table_add()). It has one owner at a time, which
 * frees it: the request or transaction it was parsed into, then the
 * table that took it, or the chain of tables that share it (table.h).
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

/* Which attributes of a policy were written (np_policy.present). */
#define NP_POL_CROSS_SERVER	BIT(0)	/* ALLOW_CROSS_SERVER */
#define NP_POL_ENCRYPTION	BIT(1)	/* REQUIRE_ENCRYPTION */
#define NP_POL_PHYS		BIT(2)	/* PHYSICAL_IFS_ALLOWED */
#define NP_POL_ISOLATE		BIT(3)	/* ISOLATE_FROM */
#define NP_POL_ENC_ALG		BIT(4)	/* ENCRYPTION_ALGORITHM */
#define NP_POL_COMPRESS		BIT(5)	/* COMPRESS */
#define NP_POL_HOST		BIT(6)	/* RESTRICT_TO_HOST */

struct np_policy {
	struct np_obj o;
	u8 present;				/* NP_POL_* */
	bool allow_cross_server;
	bool require_encryption;
	bool compress;
	u8 enc_alg;				/* enum netpolicy_enc_alg */
	u8 n_phys;
	u8 n_isolate;
	u32 slot;				/* in its tables' pol_slot, + 1 */
	char host[NETPOLICY_NAME_MAX];
	struct np_selector *sels;		/* n_phys, then n_isolate */
	char name[NETPOLICY_NAME_MAX];
};

/*
 * References to other objects are unions: the referenced object's name
 * (*_ref) while a table is being built, pointing into the request or into
 * the previous table, then, once np_table_build() resolved it, the object
 * itself, or for a policy its slot (struct np_policy.slot, 0 for none):
 * a policy is found through the table that reads it (np_table_policy()),
 * so replacing one changes no object that names it.
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
		u32 policy_slot;
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
		u32 policy_slot;
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
		u32 policy_slot;
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

#define NP_VNI_MAX	((1U << 24) - 1)

struct np_vm *np_vm_alloc(const char *name);
struct np_vif *np_vif_alloc(const char *name);

void np_obj_free(enum np_kind kind, void *obj);

#if IS_ENABLED(CONFIG_NETPOLICY_KUNIT_TEST)
/* Objects allocated and not yet freed: the KUnit suites count leaks. */
extern atomic_t np_objs_live;
#endif

/* Every allocator of an object calls this, with the object's name. */
static inline void np_obj_init(struct np_obj *o, const char *name)
{
	o->name = name;
#if IS_ENABLED(CONFIG_NETPOLICY_KUNIT_TEST)
	atomic_inc(&np_objs_live);
#endif
}

u8 np_obj_source(enum np_kind kind, const void *obj);

size_t np_tags_size(const char *tags, unsigned int n);
bool np_tags_have(const char *tags, unsigned int n, const char *tag);
bool np_sel_match_vm(const struct np_selector *sel, const struct np_vm *vm);
bool np_policy_local_only(const struct np_policy *pol);
bool np_policy_needs_links(const struct np_policy *pol);

#endif /* _NP_OBJECT_H */
